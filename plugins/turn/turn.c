/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * turn: the turn server's tls listener.  named like the call bridge: the
 * server fqdn, or the cluster fqdn with its peers (seed step 2).  the vendor
 * advises the same CA as the web bridge's.
 */
#include <meetpki/plugin.h>

static const MpPluginRole roles[] = {
  { .name = "key", .kind = MP_ROLE_KEY, .summary = "private key" },
  { .name = "cert", .kind = MP_ROLE_CERTIFICATE, .pairs_with = "key",
    .key_usage = MP_KEY_USAGE_DIGITAL_SIGNATURE, .ext_key_usage = MP_EKU_SERVER_AUTH,
    .summary = "certificate for the server FQDN, or the cluster FQDN and its peers" },
  { .name = "bundle", .kind = MP_ROLE_BUNDLE, .flags = MP_ROLE_FLAG_OPTIONAL,
    .summary = "CA bundle: intermediates and root" },
};

static const char * const default_form[] = { "key", "cert", "bundle" };

static const MpPluginForm forms[] = {
  { "default", default_form, G_N_ELEMENTS (default_form), "turn certs <key> <cert> [<bundle>]" },
};

static const MpSanRule san_rules[] = {
  { MP_SAN_RULE_SERVER_FQDN, "cert", NULL },
  { MP_SAN_RULE_CLUSTER_FQDN_WHEN_CLUSTERED, "cert", NULL },
  { MP_SAN_RULE_PEERS_WHEN_CLUSTERED, "cert", NULL },
};

static const MpPluginCsr csrs[] = {
  { .role = "cert", .suffix = "", .cn = MP_CN_CLUSTER_FQDN_WHEN_CLUSTERED },
};

static const MpPluginStepKind sequence[] = {
  MP_STEP_DISABLE, MP_STEP_CERTS, MP_STEP_ENABLE,
};

static const MpPluginDescriptor descriptor = {
  MP_PLUGIN_DESCRIPTOR_HEADER,
  .name = "turn",
  .summary = "TURN server: media relay for external clients",
  .facts = MP_NODE_FACT_SERVER_FQDN | MP_NODE_FACT_CLUSTER_FQDN | MP_NODE_FACT_PEERS,
  .roles = roles,
  .n_roles = G_N_ELEMENTS (roles),
  .forms = forms,
  .n_forms = G_N_ELEMENTS (forms),
  .san_rules = san_rules,
  .n_san_rules = G_N_ELEMENTS (san_rules),
  .csrs = csrs,
  .n_csrs = G_N_ELEMENTS (csrs),
  .full_chain_required = FALSE,
  .sequence = sequence,
  .n_sequence = G_N_ELEMENTS (sequence),
};

MP_PLUGIN_EXPORT const MpPluginDescriptor *
meetpki_plugin_query (void)
{
  return &descriptor;
}
