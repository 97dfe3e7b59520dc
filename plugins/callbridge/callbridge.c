/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * callbridge: the call bridge.  single node: CN is the server fqdn; in a
 * cluster the CN is the cluster fqdn and every peer is in the SAN (seed step
 * 2).  it is also a tls client (to the web bridge, the database), hence
 * both server and client authentication.  new certificates take effect on
 * restart.
 */
#include <meetpki/plugin.h>

static const MpPluginRole roles[] = {
  MP_PLUGIN_ROLE_KEY ("key", "private key"),
  { .name = "cert", .kind = MP_ROLE_CERTIFICATE, .pairs_with = "key",
    .key_usage = MP_KEY_USAGE_DIGITAL_SIGNATURE,
    .ext_key_usage = MP_EKU_SERVER_AUTH | MP_EKU_CLIENT_AUTH,
    .summary = "certificate for the server FQDN, or the cluster FQDN and its peers" },
  MP_PLUGIN_ROLE_OPTIONAL_BUNDLE,
};

static const char * const default_form[] = { "key", "cert", "bundle" };

static const MpPluginForm forms[] = {
  { "default", default_form, G_N_ELEMENTS (default_form), "callbridge certs <key> <cert> [<bundle>]" },
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
  MP_STEP_CERTS, MP_STEP_RESTART,
};

/* the web bridge's CAs for the C2W link: `callbridge trust c2w <bundle>` */
static const char * const c2w_words[] = { "trust", "c2w" };

static const MpPluginTrustStore trust_stores[] = {
  { "c2w", MP_TRUST_CA_BUNDLE, c2w_words, G_N_ELEMENTS (c2w_words),
    "CA bundle the web bridge's C2W certificate must chain to" },
};

static const MpPluginDescriptor descriptor = {
  MP_PLUGIN_DESCRIPTOR_HEADER,
  .name = "callbridge",
  .summary = "Call Bridge: SIP and the links to the other services",
  .facts = MP_NODE_FACT_SERVER_FQDN | MP_NODE_FACT_CLUSTER_FQDN | MP_NODE_FACT_PEERS,
  MP_PLUGIN_TABLE (roles, roles),
  MP_PLUGIN_TABLE (forms, forms),
  MP_PLUGIN_TABLE (san_rules, san_rules),
  MP_PLUGIN_TABLE (csrs, csrs),
  .full_chain_required = FALSE,
  MP_PLUGIN_TABLE (sequence, sequence),
  MP_PLUGIN_TABLE (trust_stores, trust_stores),
};

MP_PLUGIN_DEFINE (descriptor)
