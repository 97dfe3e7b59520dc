/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * webadmin: the https management interface.  the seed's step 2 names it by
 * the server fqdn, single node or cluster; applying it disables the
 * interface, installs the files and enables it again.
 */
#include <meetpki/plugin.h>

static const MpPluginRole roles[] = {
  MP_PLUGIN_ROLE_KEY ("key", "private key"),
  { .name = "cert", .kind = MP_ROLE_CERTIFICATE, .pairs_with = "key",
    .key_usage = MP_KEY_USAGE_DIGITAL_SIGNATURE, .ext_key_usage = MP_EKU_SERVER_AUTH,
    .summary = "certificate for the server FQDN" },
  MP_PLUGIN_ROLE_OPTIONAL_BUNDLE,
};

static const char * const default_form[] = { "key", "cert", "bundle" };

static const MpPluginForm forms[] = {
  { "default", default_form, G_N_ELEMENTS (default_form), "webadmin certs <key> <cert> [<bundle>]" },
};

static const MpSanRule san_rules[] = {
  { MP_SAN_RULE_SERVER_FQDN, "cert", NULL },
};

static const MpPluginCsr csrs[] = {
  { .role = "cert", .suffix = "", .cn = MP_CN_SERVER_FQDN },
};

static const MpPluginStepKind sequence[] = {
  MP_STEP_DISABLE, MP_STEP_CERTS, MP_STEP_ENABLE,
};

static const MpPluginDescriptor descriptor = {
  MP_PLUGIN_DESCRIPTOR_HEADER,
  .name = "webadmin",
  .summary = "Web Admin: the HTTPS management interface",
  .facts = MP_NODE_FACT_SERVER_FQDN,
  MP_PLUGIN_TABLE (roles, roles),
  MP_PLUGIN_TABLE (forms, forms),
  MP_PLUGIN_TABLE (san_rules, san_rules),
  MP_PLUGIN_TABLE (csrs, csrs),
  .full_chain_required = FALSE,
  MP_PLUGIN_TABLE (sequence, sequence),
};

MP_PLUGIN_DEFINE (descriptor)
