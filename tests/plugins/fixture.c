/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * test fixtures: one plugin source built several times, each build with one
 * deliberate defect chosen by a FIXTURE_* define (see meson.build).
 */
#include <gio/gio.h>
#include <string.h>

#include <meetpki/plugin.h>

#ifndef FIXTURE_NAME
#error "FIXTURE_NAME must be defined"
#endif

/* the good fixture's hook fails on request, to exercise the core's runner */
static gboolean
check_facts (const MpPluginFacts *facts, GError **error)
{
  if (g_strcmp0 (facts->server_fqdn, "fail.example.com") == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "server %s is not supported", facts->server_fqdn);
      return FALSE;
    }
  if (g_strcmp0 (facts->server_fqdn, "silent.example.com") == 0)
    return FALSE;
  return TRUE;
}

static const MpPluginRole roles[] = {
  { "key", MP_ROLE_KEY, 0, NULL, NULL, 0, 0, "private key" },
  { "cert", MP_ROLE_CERTIFICATE, 0, "key", NULL, MP_KEY_USAGE_DIGITAL_SIGNATURE, MP_EKU_SERVER_AUTH, "certificate" },
};
static const char * const form_roles[] = { "key", "cert" };
static const MpPluginForm forms[] = {
  { "default", form_roles, G_N_ELEMENTS (form_roles), "key and certificate" },
};
static const MpSanRule rules[] = { { MP_SAN_RULE_SERVER_FQDN, "cert", NULL } };
static const MpPluginStepKind sequence[] = { MP_STEP_CERTS, MP_STEP_RESTART };
static const char * const peer_words[] = { "peer", "trust" };
G_GNUC_UNUSED static const MpPluginTrustStore trust_stores[] = {
  { "peer", MP_TRUST_CA_BUNDLE, peer_words, G_N_ELEMENTS (peer_words), "the peer's CAs" },
};

G_GNUC_UNUSED static const MpPluginDescriptor descriptor = {
#if defined(FIXTURE_WRONG_ABI)
  .abi_version = MP_PLUGIN_ABI_VERSION + 98,
  .struct_size = sizeof (MpPluginDescriptor),
#elif defined(FIXTURE_OLD_SIZE)
  .abi_version = MP_PLUGIN_ABI_VERSION,
  .struct_size = MP_PLUGIN_DESCRIPTOR_SIZE_1_0,
#elif defined(FIXTURE_WRONG_SIZE)
  .abi_version = MP_PLUGIN_ABI_VERSION,
  .struct_size = sizeof (MpPluginDescriptor) - sizeof (gpointer),
#else
  MP_PLUGIN_DESCRIPTOR_HEADER,
#endif
#if defined(FIXTURE_NAME_MISMATCH)
  .name = "somethingelse",
#else
  .name = FIXTURE_NAME,
#endif
  .summary = "a test fixture",
  .facts = MP_NODE_FACT_SERVER_FQDN,
  .roles = roles,
  .n_roles = G_N_ELEMENTS (roles),
  .forms = forms,
  .n_forms = G_N_ELEMENTS (forms),
  .san_rules = rules,
  .n_san_rules = G_N_ELEMENTS (rules),
  .sequence = sequence,
  .n_sequence = G_N_ELEMENTS (sequence),
  .check_facts = check_facts,
#if defined(FIXTURE_OLD_SIZE)
  /* a plugin built before trust stores ends above: what follows it in
   * memory is not its, so the loader must not read these */
  .trust_stores = (const MpPluginTrustStore *) 1,
  .n_trust_stores = 99,
#else
  MP_PLUGIN_TABLE (trust_stores, trust_stores),
#endif
};

#if defined(FIXTURE_MISSING_SYMBOL)
/* exported under the wrong name */
MP_PLUGIN_EXPORT const MpPluginDescriptor *meetpki_plugin_qurey (void);

MP_PLUGIN_EXPORT const MpPluginDescriptor *
meetpki_plugin_qurey (void)
{
  return &descriptor;
}
#else
MP_PLUGIN_EXPORT const MpPluginDescriptor *
meetpki_plugin_query (void)
{
#if defined(FIXTURE_NULL_DESCRIPTOR)
  return NULL;
#else
  return &descriptor;
#endif
}
#endif
