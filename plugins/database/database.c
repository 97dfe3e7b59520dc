/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * database: the postgresql cluster link (seed step 3).  cluster nodes take
 * five files (server key and certificate, client key and certificate, the
 * CA); nodes that only connect take the client pair and the CA.  the client
 * certificate's CN must be exactly "postgres" and both certificates must be
 * issued by that CA; the link uses sslmode=verify-ca, so host names are not
 * what the peer checks.  applying starts with `cluster remove` and ends with
 * initialize, join or connect, as the node's database-role says.
 */
#include <meetpki/plugin.h>

static const MpPluginRole roles[] = {
  MP_PLUGIN_ROLE_KEY ("server-key", "database server private key (dbserver.key)"),
  { .name = "server-cert", .kind = MP_ROLE_CERTIFICATE, .pairs_with = "server-key", .issued_by = "ca",
    .key_usage = MP_KEY_USAGE_DIGITAL_SIGNATURE, .ext_key_usage = MP_EKU_SERVER_AUTH,
    .summary = "database server certificate: CN the primary, SAN the other database nodes (dbserver.crt)" },
  MP_PLUGIN_ROLE_KEY ("client-key", "database client private key (dbclient.key)"),
  { .name = "client-cert", .kind = MP_ROLE_CERTIFICATE, .pairs_with = "client-key", .issued_by = "ca",
    .key_usage = MP_KEY_USAGE_DIGITAL_SIGNATURE, .ext_key_usage = MP_EKU_CLIENT_AUTH,
    .summary = "database client certificate, CN postgres (dbclient.crt)" },
  { .name = "ca", .kind = MP_ROLE_CA, .key_usage = MP_KEY_USAGE_KEY_CERT_SIGN,
    .summary = "the database CA that issued both certificates (dbca.crt)" },
};

static const char * const full_form[] = { "server-key", "server-cert", "client-key", "client-cert", "ca" };
static const char * const connect_form[] = { "client-key", "client-cert", "ca" };

static const MpPluginForm forms[] = {
  { "full", full_form, G_N_ELEMENTS (full_form),
    "database cluster certs <server-key> <server-cert> <client-key> <client-cert> <ca> (primary and joined nodes)" },
  { "connect", connect_form, G_N_ELEMENTS (connect_form),
    "database cluster certs <client-key> <client-cert> <ca> (nodes that only connect)" },
};

static const MpSanRule san_rules[] = {
  { MP_SAN_RULE_SERVER_FQDN, "server-cert", NULL },
  { MP_SAN_RULE_PEERS_WHEN_CLUSTERED, "server-cert", NULL },
  { MP_SAN_RULE_CN_EXACT, "client-cert", "postgres" },
};

/* `database csr db` gives dbserver and dbclient, the seed's names */
static const MpPluginCsr csrs[] = {
  { .role = "server-cert", .suffix = "server", .cn = MP_CN_SERVER_FQDN },
  { .role = "client-cert", .suffix = "client", .cn = MP_CN_EXACT, .cn_value = "postgres" },
};

static const MpPluginStepKind sequence[] = {
  MP_STEP_CLUSTER_REMOVE, MP_STEP_CERTS, MP_STEP_CLUSTER_INIT_JOIN_CONNECT,
};

static GQuark
database_error_quark (void)
{
  return g_quark_from_static_string ("meetpki-database-plugin");
}

/* the one rule the tables cannot state: which facts the role needs */
static gboolean
check_facts (const MpPluginFacts *facts, GError **error)
{
  const char *role = facts->database_role;

  if (role == NULL)
    {
      g_set_error_literal (error, database_error_quark (), 0,
                           "database-role is not set; run 'meetpki node set database-role primary|joined|connected'");
      return FALSE;
    }
  if (g_strcmp0 (role, "primary") == 0)
    return TRUE;
  if (g_strcmp0 (role, "joined") != 0 && g_strcmp0 (role, "connected") != 0)
    {
      g_set_error (error, database_error_quark (), 0,
                   "database-role '%s' is not one of primary, joined, connected", role);
      return FALSE;
    }
  if (facts->database_primary == NULL)
    {
      g_set_error (error, database_error_quark (), 0,
                   "a %s node needs the primary's address; run 'meetpki node set database-primary <fqdn>'", role);
      return FALSE;
    }
  if (facts->server_fqdn != NULL && g_ascii_strcasecmp (facts->database_primary, facts->server_fqdn) == 0)
    {
      g_set_error (error, database_error_quark (), 0,
                   "database-primary is this node (%s) but database-role is '%s'; set database-role primary",
                   facts->server_fqdn, role);
      return FALSE;
    }
  return TRUE;
}

static const MpPluginDescriptor descriptor = {
  MP_PLUGIN_DESCRIPTOR_HEADER,
  .name = "database",
  .summary = "Database cluster: PostgreSQL with verify-ca client certificates",
  .facts = MP_NODE_FACT_SERVER_FQDN | MP_NODE_FACT_PEERS | MP_NODE_FACT_DATABASE_ROLE |
           MP_NODE_FACT_DATABASE_PRIMARY,
  MP_PLUGIN_TABLE (roles, roles),
  MP_PLUGIN_TABLE (forms, forms),
  MP_PLUGIN_TABLE (san_rules, san_rules),
  MP_PLUGIN_TABLE (csrs, csrs),
  .full_chain_required = FALSE,
  MP_PLUGIN_TABLE (sequence, sequence),
  .check_facts = check_facts,
};

MP_PLUGIN_DEFINE (descriptor)
