/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * xmpp: the xmpp server.  the xmpp domain must be in the SAN (xmpp clients
 * reject a certificate without one); in a cluster the CN is the cluster
 * fqdn and the peers join the SAN (seed step 2).  clustered xmpp servers
 * connect to each other, hence client authentication too.
 */
#include <meetpki/plugin.h>

static const MpPluginRole roles[] = {
  MP_PLUGIN_ROLE_KEY ("key", "private key"),
  { .name = "cert", .kind = MP_ROLE_CERTIFICATE, .pairs_with = "key",
    .key_usage = MP_KEY_USAGE_DIGITAL_SIGNATURE,
    .ext_key_usage = MP_EKU_SERVER_AUTH | MP_EKU_CLIENT_AUTH,
    .summary = "certificate covering the XMPP domain" },
  MP_PLUGIN_ROLE_OPTIONAL_BUNDLE,
};

static const char * const default_form[] = { "key", "cert", "bundle" };

static const MpPluginForm forms[] = {
  { "default", default_form, G_N_ELEMENTS (default_form), "xmpp certs <key> <cert> [<bundle>]" },
};

static const MpSanRule san_rules[] = {
  { MP_SAN_RULE_SERVER_FQDN, "cert", NULL },
  { MP_SAN_RULE_XMPP_DOMAIN, "cert", NULL },
  { MP_SAN_RULE_CLUSTER_FQDN_WHEN_CLUSTERED, "cert", NULL },
  { MP_SAN_RULE_PEERS_WHEN_CLUSTERED, "cert", NULL },
};

static const MpPluginCsr csrs[] = {
  { .role = "cert", .suffix = "", .cn = MP_CN_CLUSTER_FQDN_WHEN_CLUSTERED },
};

static const MpPluginStepKind sequence[] = {
  MP_STEP_DISABLE, MP_STEP_CERTS, MP_STEP_ENABLE,
};

/* resilient xmpp: the CAs of the other xmpp servers,
 * `xmpp cluster trust <bundle>` */
static const char * const cluster_words[] = { "cluster", "trust" };

static const MpPluginTrustStore trust_stores[] = {
  { "cluster", MP_TRUST_CA_BUNDLE, cluster_words, G_N_ELEMENTS (cluster_words),
    "resilient XMPP: CA bundle of the cluster's XMPP servers" },
};

static const MpPluginDescriptor descriptor = {
  MP_PLUGIN_DESCRIPTOR_HEADER,
  .name = "xmpp",
  .summary = "XMPP server: clients and (clustered) server links",
  .facts = MP_NODE_FACT_SERVER_FQDN | MP_NODE_FACT_CLUSTER_FQDN | MP_NODE_FACT_PEERS |
           MP_NODE_FACT_XMPP_DOMAIN,
  MP_PLUGIN_TABLE (roles, roles),
  MP_PLUGIN_TABLE (forms, forms),
  MP_PLUGIN_TABLE (san_rules, san_rules),
  MP_PLUGIN_TABLE (csrs, csrs),
  .full_chain_required = FALSE,
  MP_PLUGIN_TABLE (sequence, sequence),
  MP_PLUGIN_TABLE (trust_stores, trust_stores),
};

MP_PLUGIN_DEFINE (descriptor)
