/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * webbridge: web bridge 3.  its certificate is named by the server fqdn and
 * covers the join url(s) and the xmpp domain (seed step 2).  it serves the
 * full chain, so it takes either the seed's key, certificate and bundle
 * (the core assembles the chain) or web bridge 3's key and full chain.
 */
#include <meetpki/plugin.h>

static const MpPluginRole roles[] = {
  MP_PLUGIN_ROLE_KEY ("key", "private key"),
  { .name = "cert", .kind = MP_ROLE_CERTIFICATE, .pairs_with = "key",
    .key_usage = MP_KEY_USAGE_DIGITAL_SIGNATURE, .ext_key_usage = MP_EKU_SERVER_AUTH,
    .summary = "certificate covering the join URLs and the XMPP domain" },
  { .name = "bundle", .kind = MP_ROLE_BUNDLE,
    .summary = "CA bundle to build the full chain with" },
  { .name = "fullchain", .kind = MP_ROLE_FULLCHAIN, .pairs_with = "key",
    .key_usage = MP_KEY_USAGE_DIGITAL_SIGNATURE, .ext_key_usage = MP_EKU_SERVER_AUTH,
    .summary = "certificate, intermediates and root in one file" },
};

static const char * const seed_form[] = { "key", "cert", "bundle" };
static const char * const webbridge3_form[] = { "key", "fullchain" };

static const MpPluginForm forms[] = {
  { "seed", seed_form, G_N_ELEMENTS (seed_form), "webbridge certs <key> <cert> <bundle>" },
  { "webbridge3", webbridge3_form, G_N_ELEMENTS (webbridge3_form), "webbridge certs <key> <fullchain>" },
};

static const MpSanRule san_rules[] = {
  { MP_SAN_RULE_SERVER_FQDN, "cert", NULL },
  { MP_SAN_RULE_JOIN_URLS, "cert", NULL },
  { MP_SAN_RULE_XMPP_DOMAIN, "cert", NULL },
  { MP_SAN_RULE_SERVER_FQDN, "fullchain", NULL },
  { MP_SAN_RULE_JOIN_URLS, "fullchain", NULL },
  { MP_SAN_RULE_XMPP_DOMAIN, "fullchain", NULL },
};

static const MpPluginCsr csrs[] = {
  { .role = "cert", .suffix = "", .cn = MP_CN_SERVER_FQDN },
};

static const MpPluginStepKind sequence[] = {
  MP_STEP_DISABLE, MP_STEP_CERTS, MP_STEP_ENABLE,
};

/* the call bridge's CAs for the C2W link (web bridge 3: `webbridge3 c2w
 * trust <bundle>`), and the legacy web bridge's one call bridge certificate
 * (`webbridge trust <callbridge cert>`) */
static const char * const c2w_words[] = { "c2w", "trust" };
static const char * const callbridge_words[] = { "trust" };

static const MpPluginTrustStore trust_stores[] = {
  { "c2w", MP_TRUST_CA_BUNDLE, c2w_words, G_N_ELEMENTS (c2w_words),
    "CA bundle the call bridge's C2W client certificate must chain to" },
  { "callbridge", MP_TRUST_PEER_CERTIFICATE, callbridge_words, G_N_ELEMENTS (callbridge_words),
    "legacy web bridge: the call bridge certificate it trusts" },
};

static const MpPluginDescriptor descriptor = {
  MP_PLUGIN_DESCRIPTOR_HEADER,
  .name = "webbridge",
  .summary = "Web Bridge 3: browser join pages",
  .facts = MP_NODE_FACT_SERVER_FQDN | MP_NODE_FACT_JOIN_URLS | MP_NODE_FACT_XMPP_DOMAIN,
  MP_PLUGIN_TABLE (roles, roles),
  MP_PLUGIN_TABLE (forms, forms),
  MP_PLUGIN_TABLE (san_rules, san_rules),
  MP_PLUGIN_TABLE (csrs, csrs),
  .full_chain_required = TRUE,
  MP_PLUGIN_TABLE (sequence, sequence),
  MP_PLUGIN_TABLE (trust_stores, trust_stores),
};

MP_PLUGIN_DEFINE (descriptor)
