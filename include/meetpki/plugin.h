/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the service plugin abi.  a plugin includes only this header (and glib),
 * found through `pkg-config --cflags meetpki-plugin`, and never links
 * libmeetpki.
 */
#pragma once

#include <glib.h>
#include <gmodule.h>

G_BEGIN_DECLS

/**
 * SECTION:plugin
 * @title: Service plugin ABI
 * @short_description: what a service plugin exports
 *
 * A service plugin is a shared module named `<name>.so` that exports one
 * symbol, meetpki_plugin_query(), returning a pointer to a `static const`
 * #MpPluginDescriptor.  The descriptor is data: meetpki lists a plugin's
 * roles, rules and apply sequence without running any of its code.  Code
 * enters only through the optional hooks at the end of the descriptor, and
 * every hook call goes through one runner in the core that prefixes errors
 * with the plugin's name.
 *
 * |[<!-- language="C" -->
 * #include <meetpki/plugin.h>
 *
 * static const MpPluginRole roles[] = { ... };
 * static const MpPluginDescriptor descriptor = {
 *   MP_PLUGIN_DESCRIPTOR_HEADER,
 *   .name = "webadmin",
 *   ...
 * };
 *
 * MP_PLUGIN_EXPORT const MpPluginDescriptor *
 * meetpki_plugin_query (void)
 * {
 *   return &descriptor;
 * }
 * ]|
 */

/**
 * MP_PLUGIN_ABI_VERSION:
 *
 * The version of this ABI.  It changes whenever a structure in this header
 * changes incompatibly; the loader refuses a descriptor of another version.
 */
#define MP_PLUGIN_ABI_VERSION 1

/**
 * MP_PLUGIN_QUERY_SYMBOL:
 *
 * The name of the one symbol a plugin exports.
 */
#define MP_PLUGIN_QUERY_SYMBOL "meetpki_plugin_query"

/**
 * MP_PLUGIN_EXPORT:
 *
 * Marks meetpki_plugin_query() as exported from the module.
 */
#define MP_PLUGIN_EXPORT G_MODULE_EXPORT

/**
 * MpNodeFact:
 * @MP_NODE_FACT_SERVER_FQDN: `server-fqdn`, this node's host name
 * @MP_NODE_FACT_CLUSTER_FQDN: `cluster-fqdn`, the name the cluster answers to
 * @MP_NODE_FACT_PEERS: `peers`, the FQDNs of the cluster's nodes
 * @MP_NODE_FACT_JOIN_URLS: `join-urls`, the host names of the web bridge's
 *   join URLs
 * @MP_NODE_FACT_XMPP_DOMAIN: `xmpp-domain`, the XMPP domain
 * @MP_NODE_FACT_DATABASE_ROLE: `database-role`: primary, joined or connected
 * @MP_NODE_FACT_DATABASE_PRIMARY: `database-primary`, the primary's address
 *
 * The facts about a node (`meetpki node set`) a plugin uses, as bits.
 */
typedef enum {
  MP_NODE_FACT_SERVER_FQDN = 1 << 0,
  MP_NODE_FACT_CLUSTER_FQDN = 1 << 1,
  MP_NODE_FACT_PEERS = 1 << 2,
  MP_NODE_FACT_JOIN_URLS = 1 << 3,
  MP_NODE_FACT_XMPP_DOMAIN = 1 << 4,
  MP_NODE_FACT_DATABASE_ROLE = 1 << 5,
  MP_NODE_FACT_DATABASE_PRIMARY = 1 << 6,
} MpNodeFact;

/**
 * MpRoleKind:
 * @MP_ROLE_KEY: a private key
 * @MP_ROLE_CERTIFICATE: an entity certificate
 * @MP_ROLE_BUNDLE: CA certificates completing the entity's chain
 * @MP_ROLE_FULLCHAIN: entity certificate, intermediates, root, in one file
 * @MP_ROLE_CA: the CA certificate that issued the role's peers (e.g. the
 *   database CA)
 *
 * What a file given to `<service> certs` holds.
 */
typedef enum {
  MP_ROLE_KEY,
  MP_ROLE_CERTIFICATE,
  MP_ROLE_BUNDLE,
  MP_ROLE_FULLCHAIN,
  MP_ROLE_CA,
} MpRoleKind;

/**
 * MpKeyUsage:
 * @MP_KEY_USAGE_NONE: no requirement
 * @MP_KEY_USAGE_DIGITAL_SIGNATURE: keyUsage digitalSignature
 * @MP_KEY_USAGE_KEY_ENCIPHERMENT: keyUsage keyEncipherment (RSA key exchange)
 * @MP_KEY_USAGE_KEY_CERT_SIGN: keyUsage keyCertSign (a CA)
 *
 * Key usage bits a certificate role requires.  The values are meetpki's own,
 * so the ABI does not depend on GnuTLS.
 */
typedef enum {
  MP_KEY_USAGE_NONE = 0,
  MP_KEY_USAGE_DIGITAL_SIGNATURE = 1 << 0,
  MP_KEY_USAGE_KEY_ENCIPHERMENT = 1 << 1,
  MP_KEY_USAGE_KEY_CERT_SIGN = 1 << 2,
} MpKeyUsage;

/**
 * MpExtKeyUsage:
 * @MP_EKU_NONE: no requirement
 * @MP_EKU_SERVER_AUTH: TLS Web Server Authentication (1.3.6.1.5.5.7.3.1)
 * @MP_EKU_CLIENT_AUTH: TLS Web Client Authentication (1.3.6.1.5.5.7.3.2)
 *
 * Extended key usages a certificate role requires.
 */
typedef enum {
  MP_EKU_NONE = 0,
  MP_EKU_SERVER_AUTH = 1 << 0,
  MP_EKU_CLIENT_AUTH = 1 << 1,
} MpExtKeyUsage;

/**
 * MpRoleFlags:
 * @MP_ROLE_FLAG_NONE: none
 * @MP_ROLE_FLAG_OPTIONAL: the file may be left out (it is last in its form)
 *
 * Flags of a certificate role.
 */
typedef enum {
  MP_ROLE_FLAG_NONE = 0,
  MP_ROLE_FLAG_OPTIONAL = 1 << 0,
} MpRoleFlags;

/**
 * MpPluginRole:
 * @name: the role's name, unique in the plugin (`key`, `cert`, `client-cert`)
 * @kind: what the file holds
 * @flags: #MpRoleFlags
 * @pairs_with: for a certificate role, the name of the key role whose key it
 *   must match; else %NULL
 * @issued_by: for a certificate role, the name of the CA role that must have
 *   issued it (the database's client and server certificates); else %NULL
 * @key_usage: #MpKeyUsage bits the certificate must carry
 * @ext_key_usage: #MpExtKeyUsage bits the certificate must carry
 * @summary: one line for listings
 *
 * One file a service takes, e.g. the web admin's key, certificate and
 * optional bundle.
 */
typedef struct {
  const char *name;
  MpRoleKind kind;
  guint32 flags;
  const char *pairs_with;
  const char *issued_by;
  guint32 key_usage;
  guint32 ext_key_usage;
  const char *summary;
} MpPluginRole;

/**
 * MpPluginForm:
 * @name: the form's name (`full`, `connect`, `webbridge3`)
 * @roles: the role names in the order `<service> certs` takes the files
 * @n_roles: the number of entries in @roles
 * @summary: one line for listings
 *
 * One way to call `<service> certs`: the database takes five files on
 * cluster nodes and three on nodes that only connect.
 */
typedef struct {
  const char *name;
  const char * const *roles;
  guint32 n_roles;
  const char *summary;
} MpPluginForm;

/**
 * MpSanRuleKind:
 * @MP_SAN_RULE_SERVER_FQDN: the certificate covers `server-fqdn`
 * @MP_SAN_RULE_CLUSTER_FQDN_WHEN_CLUSTERED: when `cluster-fqdn` is set, the
 *   certificate covers it
 * @MP_SAN_RULE_PEERS_WHEN_CLUSTERED: the certificate covers every name in
 *   `peers` (none set: nothing to check)
 * @MP_SAN_RULE_JOIN_URLS: the certificate covers every name in `join-urls`
 * @MP_SAN_RULE_XMPP_DOMAIN: the certificate covers `xmpp-domain`
 * @MP_SAN_RULE_CN_EXACT: the subject's common name is exactly the rule's
 *   value (the database client's `postgres`)
 *
 * A name rule.  "Covers" means: the name is in the subjectAltName, or
 * matched by a SAN wildcard as RFC 6125 allows it (`*` as the whole leftmost
 * label, matching exactly one label).
 */
typedef enum {
  MP_SAN_RULE_SERVER_FQDN,
  MP_SAN_RULE_CLUSTER_FQDN_WHEN_CLUSTERED,
  MP_SAN_RULE_PEERS_WHEN_CLUSTERED,
  MP_SAN_RULE_JOIN_URLS,
  MP_SAN_RULE_XMPP_DOMAIN,
  MP_SAN_RULE_CN_EXACT,
} MpSanRuleKind;

/**
 * MpSanRule:
 * @kind: what is checked
 * @role: the name of the certificate role the rule applies to
 * @value: the name for %MP_SAN_RULE_CN_EXACT, else %NULL
 *
 * One rule of a plugin's name table.
 */
typedef struct {
  MpSanRuleKind kind;
  const char *role;
  const char *value;
} MpSanRule;

/**
 * MpCnSource:
 * @MP_CN_SERVER_FQDN: the CN is `server-fqdn`
 * @MP_CN_CLUSTER_FQDN_WHEN_CLUSTERED: the CN is `cluster-fqdn` when it is
 *   set, else `server-fqdn`
 * @MP_CN_EXACT: the CN is the role's @cn_value
 *
 * Where `<service> csr` takes a role's common name from.
 */
typedef enum {
  MP_CN_SERVER_FQDN,
  MP_CN_CLUSTER_FQDN_WHEN_CLUSTERED,
  MP_CN_EXACT,
} MpCnSource;

/**
 * MpPluginCsr:
 * @role: the certificate role the CSR is for
 * @suffix: appended to the basename (`""` for the main role, `-client`)
 * @cn: where the common name comes from
 * @cn_value: the common name for %MP_CN_EXACT
 *
 * How `<service> csr <basename>` names one certificate request; its
 * subjectAltName holds every name the role's #MpSanRule entries ask for.
 */
typedef struct {
  const char *role;
  const char *suffix;
  MpCnSource cn;
  const char *cn_value;
} MpPluginCsr;

/**
 * MpPluginStepKind:
 * @MP_STEP_DISABLE: `<service> disable`
 * @MP_STEP_CERTS: `<service> certs ...`: install the validated files
 * @MP_STEP_ENABLE: `<service> enable`
 * @MP_STEP_RESTART: `<service> restart`
 * @MP_STEP_CLUSTER_REMOVE: `database cluster remove`
 * @MP_STEP_CLUSTER_INIT_JOIN_CONNECT: `database cluster initialize`,
 *   `join <primary>` or `connect <primary>`, as `database-role` says
 *
 * One step of a service's apply sequence.
 */
typedef enum {
  MP_STEP_DISABLE,
  MP_STEP_CERTS,
  MP_STEP_ENABLE,
  MP_STEP_RESTART,
  MP_STEP_CLUSTER_REMOVE,
  MP_STEP_CLUSTER_INIT_JOIN_CONNECT,
} MpPluginStepKind;

/**
 * MpPluginFacts:
 * @struct_size: sizeof (MpPluginFacts) as the core was built
 * @server_fqdn: (nullable): `server-fqdn`
 * @cluster_fqdn: (nullable): `cluster-fqdn`
 * @peers: (nullable): `peers`, %NULL-terminated
 * @join_urls: (nullable): `join-urls`, %NULL-terminated
 * @xmpp_domain: (nullable): `xmpp-domain`
 * @database_role: (nullable): `primary`, `joined` or `connected`
 * @database_primary: (nullable): `database-primary`
 *
 * The node facts as the core passes them to a hook; unset facts are %NULL.
 */
typedef struct {
  guint32 struct_size;
  const char *server_fqdn;
  const char *cluster_fqdn;
  const char * const *peers;
  const char * const *join_urls;
  const char *xmpp_domain;
  const char *database_role;
  const char *database_primary;
} MpPluginFacts;

/**
 * MpPluginCheckFactsFunc:
 * @facts: the node facts
 * @error: return location for a #GError
 *
 * A hook for checks the tables cannot state.  Must set @error (in any
 * domain: a plugin does not link libmeetpki) when it returns %FALSE; the
 * core turns it into an %MP_ERROR_INVALID_ARGS error and names the plugin in
 * front of the message.
 *
 * Returns: %TRUE when the facts suit the service
 */
typedef gboolean (*MpPluginCheckFactsFunc) (const MpPluginFacts *facts,
                                            GError             **error);

/**
 * MpTrustKind:
 * @MP_TRUST_CA_BUNDLE: CA certificates (basicConstraints CA:TRUE) that
 *   issue the peer's certificates (the C2W link, resilient XMPP)
 * @MP_TRUST_PEER_CERTIFICATE: one peer's certificate, trusted as it is
 *   (the legacy web bridge trusting the call bridge)
 *
 * What a trust store holds.
 */
typedef enum {
  MP_TRUST_CA_BUNDLE,
  MP_TRUST_PEER_CERTIFICATE,
} MpTrustKind;

/**
 * MpPluginTrustStore:
 * @name: the store's name, unique in the plugin (`c2w`, `cluster`); the
 *   live file is `trust-<name>.pem`, the exec backend's variable
 *   `MEETPKI_TRUST_<NAME>`
 * @kind: what the store holds
 * @words: the command words after the service name, as the vendor writes
 *   them, one of them `trust` (`{ "c2w", "trust" }` for
 *   `webbridge3 c2w trust <bundle>`, `{ "trust", "c2w" }` for
 *   `callbridge trust c2w <bundle>`)
 * @n_words: entries in @words (1 to 3)
 * @summary: one line for listings
 *
 * Certificates a service trusts for a link to a peer, installed by
 * `<service> <words> <file>`.  Added to ABI version 1 at the end of the
 * descriptor: a plugin built before has none.
 */
typedef struct {
  const char *name;
  MpTrustKind kind;
  const char * const *words;
  guint32 n_words;
  const char *summary;
} MpPluginTrustStore;

/**
 * MpPluginDescriptor:
 * @abi_version: %MP_PLUGIN_ABI_VERSION
 * @struct_size: sizeof (MpPluginDescriptor)
 * @name: the service name; the module file must be `<name>.so`
 * @summary: one line for listings
 * @facts: #MpNodeFact bits the service uses
 * @roles: the files the service takes
 * @n_roles: entries in @roles
 * @forms: the argument forms of `<service> certs`; the first is the default
 * @n_forms: entries in @forms
 * @san_rules: the name rules
 * @n_san_rules: entries in @san_rules
 * @csrs: how `<service> csr` builds requests
 * @n_csrs: entries in @csrs
 * @full_chain_required: the service serves (and so needs) the full chain up
 *   to the root
 * @sequence: the apply sequence, in order
 * @n_sequence: entries in @sequence
 * @check_facts: (nullable): extra checks of the node facts
 * @trust_stores: (nullable): the trust stores of `<service> ... trust`
 * @n_trust_stores: entries in @trust_stores
 *
 * What a plugin declares.  Fields are only ever added at the end: the
 * loader takes a descriptor of %MP_PLUGIN_DESCRIPTOR_SIZE_1_0 bytes (built
 * before trust stores) as one without them.  Fill it with %MP_PLUGIN_DESCRIPTOR_HEADER first
 * and G_N_ELEMENTS() for the counts.
 */
typedef struct {
  guint32 abi_version;
  guint32 struct_size;
  const char *name;
  const char *summary;
  guint32 facts;
  const MpPluginRole *roles;
  guint32 n_roles;
  const MpPluginForm *forms;
  guint32 n_forms;
  const MpSanRule *san_rules;
  guint32 n_san_rules;
  const MpPluginCsr *csrs;
  guint32 n_csrs;
  gboolean full_chain_required;
  const MpPluginStepKind *sequence;
  guint32 n_sequence;
  MpPluginCheckFactsFunc check_facts;
  /* since trust stores: older plugins end above */
  const MpPluginTrustStore *trust_stores;
  guint32 n_trust_stores;
} MpPluginDescriptor;

/**
 * MP_PLUGIN_DESCRIPTOR_SIZE_1_0:
 *
 * The size of an #MpPluginDescriptor of ABI version 1 before trust stores
 * were added; the loader still takes plugins built then.
 */
#define MP_PLUGIN_DESCRIPTOR_SIZE_1_0 G_STRUCT_OFFSET (MpPluginDescriptor, trust_stores)

/**
 * MP_PLUGIN_DESCRIPTOR_HEADER:
 *
 * Initialises the two leading fields of an #MpPluginDescriptor.
 */
#define MP_PLUGIN_DESCRIPTOR_HEADER \
  .abi_version = MP_PLUGIN_ABI_VERSION, \
  .struct_size = sizeof (MpPluginDescriptor)

/**
 * MP_PLUGIN_TABLE:
 * @field: a table field of #MpPluginDescriptor (`roles`, `forms`,
 *   `san_rules`, `csrs`, `sequence`, `trust_stores`)
 * @array: a static array
 *
 * Sets @field and its `n_` count from one array, so the two never disagree.
 */
#define MP_PLUGIN_TABLE(field, array) \
  .field = (array), \
  .n_##field = G_N_ELEMENTS (array)

/**
 * MP_PLUGIN_ROLE_KEY:
 * @role_name: the role's name
 * @text: its summary
 *
 * A private key role.
 */
#define MP_PLUGIN_ROLE_KEY(role_name, text) \
  { .name = (role_name), .kind = MP_ROLE_KEY, .summary = (text) }

/**
 * MP_PLUGIN_ROLE_OPTIONAL_BUNDLE:
 *
 * The optional `bundle` role most services take: intermediates and root.
 */
#define MP_PLUGIN_ROLE_OPTIONAL_BUNDLE \
  { .name = "bundle", .kind = MP_ROLE_BUNDLE, .flags = MP_ROLE_FLAG_OPTIONAL, \
    .summary = "CA bundle: intermediates and root" }

/**
 * MP_PLUGIN_DEFINE:
 * @desc: the plugin's `static const` #MpPluginDescriptor
 *
 * Defines meetpki_plugin_query() returning @desc.
 */
#define MP_PLUGIN_DEFINE(desc) \
  MP_PLUGIN_EXPORT const MpPluginDescriptor * \
  meetpki_plugin_query (void) \
  { \
    return &(desc); \
  }

/**
 * MpPluginQueryFunc:
 *
 * The type of meetpki_plugin_query().
 *
 * Returns: (transfer none): the plugin's static descriptor
 */
typedef const MpPluginDescriptor *(*MpPluginQueryFunc) (void);

/**
 * meetpki_plugin_query:
 *
 * The one symbol a plugin exports.  It runs once, when the module loads, and
 * must not do anything but return its descriptor.
 *
 * Returns: (transfer none): the plugin's static descriptor
 */
MP_PLUGIN_EXPORT const MpPluginDescriptor *meetpki_plugin_query (void);

G_END_DECLS
