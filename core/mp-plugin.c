/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * what the core knows about a descriptor: its tables checked as data, the
 * names of its enums, and the one runner every call into plugin code goes
 * through.
 */
#include "config.h"

#include <string.h>

#include "mp-private.h"
#include "meetpki/mp-plugin.h"
#include "meetpki/mp-error.h"

static const char * const fact_names[] = {
  "server-fqdn", "cluster-fqdn", "peers", "join-urls",
  "xmpp-domain", "database-role", "database-primary",
};

/**
 * mp_node_fact_to_string:
 * @fact: one #MpNodeFact bit
 *
 * Returns: (transfer none): the fact's key, as `meetpki node set` takes it
 */
const char *
mp_node_fact_to_string (MpNodeFact fact)
{
  for (guint i = 0; i < G_N_ELEMENTS (fact_names); i++)
    {
      if ((guint) fact == 1u << i)
        return fact_names[i];
    }
  return "unknown";
}

static const char * const role_kind_names[] = {
  [MP_ROLE_KEY] = "key",
  [MP_ROLE_CERTIFICATE] = "certificate",
  [MP_ROLE_BUNDLE] = "bundle",
  [MP_ROLE_FULLCHAIN] = "fullchain",
  [MP_ROLE_CA] = "ca",
};

/**
 * mp_role_kind_to_string:
 * @kind: an #MpRoleKind
 *
 * Returns: (transfer none): "key", "certificate", "bundle", "fullchain", "ca"
 */
const char *
mp_role_kind_to_string (MpRoleKind kind)
{
  if ((guint) kind >= G_N_ELEMENTS (role_kind_names))
    return "unknown";
  return role_kind_names[kind];
}

static const char * const san_rule_names[] = {
  [MP_SAN_RULE_SERVER_FQDN] = "server-fqdn",
  [MP_SAN_RULE_CLUSTER_FQDN_WHEN_CLUSTERED] = "cluster-fqdn-when-clustered",
  [MP_SAN_RULE_PEERS_WHEN_CLUSTERED] = "peers-when-clustered",
  [MP_SAN_RULE_JOIN_URLS] = "join-urls",
  [MP_SAN_RULE_XMPP_DOMAIN] = "xmpp-domain",
  [MP_SAN_RULE_CN_EXACT] = "cn-exact",
};

/**
 * mp_san_rule_kind_to_string:
 * @kind: an #MpSanRuleKind
 *
 * Returns: (transfer none): the rule's name, e.g. "peers-when-clustered"
 */
const char *
mp_san_rule_kind_to_string (MpSanRuleKind kind)
{
  if ((guint) kind >= G_N_ELEMENTS (san_rule_names))
    return "unknown";
  return san_rule_names[kind];
}

static const char * const step_names[] = {
  [MP_STEP_DISABLE] = "disable",
  [MP_STEP_CERTS] = "certs",
  [MP_STEP_ENABLE] = "enable",
  [MP_STEP_RESTART] = "restart",
  [MP_STEP_CLUSTER_REMOVE] = "cluster remove",
  [MP_STEP_CLUSTER_INIT_JOIN_CONNECT] = "cluster initialize|join|connect",
};

/**
 * mp_plugin_step_kind_to_string:
 * @kind: an #MpPluginStepKind
 *
 * Returns: (transfer none): the step as the vendor's command words
 */
const char *
mp_plugin_step_kind_to_string (MpPluginStepKind kind)
{
  if ((guint) kind >= G_N_ELEMENTS (step_names))
    return "unknown";
  return step_names[kind];
}

static const char * const cn_source_names[] = {
  [MP_CN_SERVER_FQDN] = "server-fqdn",
  [MP_CN_CLUSTER_FQDN_WHEN_CLUSTERED] = "cluster-fqdn-when-clustered",
  [MP_CN_EXACT] = "exact",
};

/**
 * mp_cn_source_to_string:
 * @source: an #MpCnSource
 *
 * Returns: (transfer none): the source's name
 */
const char *
mp_cn_source_to_string (MpCnSource source)
{
  if ((guint) source >= G_N_ELEMENTS (cn_source_names))
    return "unknown";
  return cn_source_names[source];
}

/**
 * mp_key_usage_to_string:
 * @key_usage: #MpKeyUsage bits
 * @ext_key_usage: #MpExtKeyUsage bits
 *
 * Returns: (transfer full): e.g. "digitalSignature,keyEncipherment,serverAuth",
 * or "" for no requirement
 */
char *
mp_key_usage_to_string (guint32 key_usage, guint32 ext_key_usage)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();

  if (key_usage & MP_KEY_USAGE_DIGITAL_SIGNATURE)
    g_ptr_array_add (parts, (gpointer) "digitalSignature");
  if (key_usage & MP_KEY_USAGE_KEY_ENCIPHERMENT)
    g_ptr_array_add (parts, (gpointer) "keyEncipherment");
  if (key_usage & MP_KEY_USAGE_KEY_CERT_SIGN)
    g_ptr_array_add (parts, (gpointer) "keyCertSign");
  if (ext_key_usage & MP_EKU_SERVER_AUTH)
    g_ptr_array_add (parts, (gpointer) "serverAuth");
  if (ext_key_usage & MP_EKU_CLIENT_AUTH)
    g_ptr_array_add (parts, (gpointer) "clientAuth");
  g_ptr_array_add (parts, NULL);
  return g_strjoinv (",", (char **) parts->pdata);
}

/* a plugin name becomes a command word and a file name: keep it plain */
static gboolean
name_is_valid (const char *name)
{
  if (name == NULL || !g_ascii_islower (name[0]) || strlen (name) > 32)
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    {
      if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '-')
        return FALSE;
    }
  return TRUE;
}

/* the first words of the cli's own commands; a plugin may not shadow them */
static const char * const reserved_names[] = {
  "pki", "bundle", "node", "plugins", "services", "check", "help", "version",
};

/* the role named @name, or %NULL */
const MpPluginRole *
mp_descriptor_find_role (const MpPluginDescriptor *desc, const char *name)
{
  for (guint32 i = 0; name != NULL && i < desc->n_roles; i++)
    {
      if (g_strcmp0 (desc->roles[i].name, name) == 0)
        return &desc->roles[i];
    }
  return NULL;
}

static gboolean
invalid (GError **error, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static gboolean
invalid (GError **error, const char *fmt, ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, fmt);
  msg = g_strdup_vprintf (fmt, args);
  va_end (args);
  g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA, "invalid descriptor: %s", msg);
  return FALSE;
}

static gboolean
validate_roles (const MpPluginDescriptor *desc, GError **error)
{
  if (desc->n_roles == 0 || desc->roles == NULL)
    return invalid (error, "no certificate roles");
  for (guint32 i = 0; i < desc->n_roles; i++)
    {
      const MpPluginRole *r = &desc->roles[i];

      if (r->name == NULL || !name_is_valid (r->name))
        return invalid (error, "role %u has no valid name", i);
      if (mp_descriptor_find_role (desc, r->name) != r)
        return invalid (error, "role '%s' is declared twice", r->name);
      if ((guint) r->kind > MP_ROLE_CA)
        return invalid (error, "role '%s' has an unknown kind %u", r->name, (guint) r->kind);
      if (r->pairs_with != NULL)
        {
          const MpPluginRole *key = mp_descriptor_find_role (desc, r->pairs_with);
          if (key == NULL || key->kind != MP_ROLE_KEY)
            return invalid (error, "role '%s' pairs with '%s', which is not a key role",
                            r->name, r->pairs_with);
        }
      if (r->issued_by != NULL)
        {
          const MpPluginRole *ca = mp_descriptor_find_role (desc, r->issued_by);
          if (ca == NULL || ca->kind != MP_ROLE_CA)
            return invalid (error, "role '%s' is issued by '%s', which is not a CA role",
                            r->name, r->issued_by);
        }
    }
  return TRUE;
}

static gboolean
validate_forms (const MpPluginDescriptor *desc, GError **error)
{
  if (desc->n_forms == 0 || desc->forms == NULL)
    return invalid (error, "no argument forms for 'certs'");
  for (guint32 i = 0; i < desc->n_forms; i++)
    {
      const MpPluginForm *f = &desc->forms[i];
      gboolean optional_seen = FALSE;

      if (f->name == NULL || f->n_roles == 0 || f->roles == NULL)
        return invalid (error, "form %u has no name or no roles", i);
      for (guint32 k = 0; k < f->n_roles; k++)
        {
          const MpPluginRole *r = mp_descriptor_find_role (desc, f->roles[k]);
          if (r == NULL)
            return invalid (error, "form '%s' names an undeclared role '%s'",
                            f->name, f->roles[k] != NULL ? f->roles[k] : "(null)");
          if (optional_seen && !(r->flags & MP_ROLE_FLAG_OPTIONAL))
            return invalid (error, "form '%s': required role '%s' follows an optional one",
                            f->name, r->name);
          optional_seen |= (r->flags & MP_ROLE_FLAG_OPTIONAL) != 0;
        }
    }
  return TRUE;
}

static gboolean
validate_rules (const MpPluginDescriptor *desc, GError **error)
{
  if (desc->n_san_rules > 0 && desc->san_rules == NULL)
    return invalid (error, "san_rules is NULL");
  for (guint32 i = 0; i < desc->n_san_rules; i++)
    {
      const MpSanRule *rule = &desc->san_rules[i];
      const MpPluginRole *r = mp_descriptor_find_role (desc, rule->role);

      if ((guint) rule->kind > MP_SAN_RULE_CN_EXACT)
        return invalid (error, "SAN rule %u has an unknown kind %u", i, (guint) rule->kind);
      if (r == NULL || (r->kind != MP_ROLE_CERTIFICATE && r->kind != MP_ROLE_FULLCHAIN))
        return invalid (error, "SAN rule '%s' applies to '%s', which is not a certificate role",
                        mp_san_rule_kind_to_string (rule->kind),
                        rule->role != NULL ? rule->role : "(null)");
      if ((rule->kind == MP_SAN_RULE_CN_EXACT) != (rule->value != NULL))
        return invalid (error, "SAN rule '%s' of role '%s': only cn-exact takes a value",
                        mp_san_rule_kind_to_string (rule->kind), rule->role);
    }
  if (desc->n_csrs > 0 && desc->csrs == NULL)
    return invalid (error, "csrs is NULL");
  for (guint32 i = 0; i < desc->n_csrs; i++)
    {
      const MpPluginCsr *c = &desc->csrs[i];
      const MpPluginRole *r = mp_descriptor_find_role (desc, c->role);

      if (r == NULL || (r->kind != MP_ROLE_CERTIFICATE && r->kind != MP_ROLE_FULLCHAIN))
        return invalid (error, "CSR %u is for '%s', which is not a certificate role",
                        i, c->role != NULL ? c->role : "(null)");
      if (c->suffix == NULL || (guint) c->cn > MP_CN_EXACT ||
          (c->cn == MP_CN_EXACT) != (c->cn_value != NULL))
        return invalid (error, "CSR for '%s' needs a suffix and a CN source (a value only for exact)",
                        c->role);
    }
  return TRUE;
}

static gboolean
validate_sequence (const MpPluginDescriptor *desc, GError **error)
{
  gboolean has_certs = FALSE;

  if (desc->n_sequence == 0 || desc->sequence == NULL)
    return invalid (error, "no apply sequence");
  for (guint32 i = 0; i < desc->n_sequence; i++)
    {
      if ((guint) desc->sequence[i] > MP_STEP_CLUSTER_INIT_JOIN_CONNECT)
        return invalid (error, "step %u has an unknown kind %u", i, (guint) desc->sequence[i]);
      has_certs |= desc->sequence[i] == MP_STEP_CERTS;
    }
  if (!has_certs)
    return invalid (error, "the apply sequence has no 'certs' step");
  return TRUE;
}

static const char * const trust_kind_names[] = {
  [MP_TRUST_CA_BUNDLE] = "ca-bundle",
  [MP_TRUST_PEER_CERTIFICATE] = "peer-certificate",
};

/**
 * mp_trust_kind_to_string:
 * @kind: an #MpTrustKind
 *
 * Returns: (transfer none): "ca-bundle" or "peer-certificate"
 */
const char *
mp_trust_kind_to_string (MpTrustKind kind)
{
  if ((guint) kind >= G_N_ELEMENTS (trust_kind_names))
    return "unknown";
  return trust_kind_names[kind];
}

/**
 * mp_descriptor_find_trust_store:
 * @desc: a descriptor
 * @name: a trust store's name
 *
 * Returns: (transfer none) (nullable): the trust store called @name
 */
const MpPluginTrustStore *
mp_descriptor_find_trust_store (const MpPluginDescriptor *desc, const char *name)
{
  for (guint32 i = 0; name != NULL && i < desc->n_trust_stores; i++)
    {
      if (g_strcmp0 (desc->trust_stores[i].name, name) == 0)
        return &desc->trust_stores[i];
    }
  return NULL;
}

static gboolean
same_words (const MpPluginTrustStore *a, const MpPluginTrustStore *b)
{
  if (a->n_words != b->n_words)
    return FALSE;
  for (guint32 k = 0; k < a->n_words; k++)
    {
      if (g_strcmp0 (a->words[k], b->words[k]) != 0)
        return FALSE;
    }
  return TRUE;
}

/* each store a plain name and the words of one command, `trust` among them
 * once, no two stores with the same words */
static gboolean
validate_trust_stores (const MpPluginDescriptor *desc, GError **error)
{
  if (desc->n_trust_stores > 0 && desc->trust_stores == NULL)
    return invalid (error, "trust_stores is NULL");
  for (guint32 i = 0; i < desc->n_trust_stores; i++)
    {
      const MpPluginTrustStore *t = &desc->trust_stores[i];
      guint n_trust = 0;

      if (!name_is_valid (t->name))
        return invalid (error, "trust store %u has no valid name", i);
      if (mp_descriptor_find_trust_store (desc, t->name) != t)
        return invalid (error, "trust store '%s' is declared twice", t->name);
      if ((guint) t->kind > MP_TRUST_PEER_CERTIFICATE)
        return invalid (error, "trust store '%s' has an unknown kind %u", t->name, (guint) t->kind);
      if (t->summary == NULL)
        return invalid (error, "trust store '%s' has no summary", t->name);
      if (t->words == NULL || t->n_words == 0 || t->n_words > 3)
        return invalid (error, "trust store '%s' needs 1 to 3 command words", t->name);
      for (guint32 k = 0; k < t->n_words; k++)
        {
          if (!name_is_valid (t->words[k]))
            return invalid (error, "trust store '%s': command word %u is not a plain word", t->name, k);
          n_trust += g_str_equal (t->words[k], "trust");
        }
      if (n_trust != 1)
        return invalid (error, "trust store '%s': its command words must hold 'trust' once", t->name);
      for (guint32 j = 0; j < i; j++)
        {
          if (same_words (&desc->trust_stores[j], t))
            return invalid (error, "trust stores '%s' and '%s' have the same command words",
                            desc->trust_stores[j].name, t->name);
        }
    }
  return TRUE;
}

/**
 * mp_plugin_descriptor_validate:
 * @desc: a descriptor whose ABI version and size were checked
 * @error: return location for a #GError
 *
 * Checks the tables as data: a plain name that no cli command uses, roles
 * with unique names, forms, rules and CSRs that name declared roles, known
 * enum values, and a sequence with a `certs` step.
 *
 * Returns: %TRUE when the descriptor can be used
 */
gboolean
mp_plugin_descriptor_validate (const MpPluginDescriptor *desc, GError **error)
{
  if (!name_is_valid (desc->name))
    return invalid (error, "the name must be 1 to 32 lower-case letters, digits or '-', starting with a letter");
  for (guint i = 0; i < G_N_ELEMENTS (reserved_names); i++)
    {
      if (strcmp (desc->name, reserved_names[i]) == 0)
        return invalid (error, "the name '%s' is a meetpki command", desc->name);
    }
  if (desc->summary == NULL)
    return invalid (error, "no summary");
  if (desc->facts >= (1u << G_N_ELEMENTS (fact_names)))
    return invalid (error, "unknown node facts 0x%x", desc->facts);
  return validate_roles (desc, error) && validate_forms (desc, error) &&
         validate_rules (desc, error) && validate_sequence (desc, error) &&
         validate_trust_stores (desc, error);
}

/**
 * mp_plugin_find_role:
 * @plugin: a plugin
 * @role: a role name
 *
 * Returns: (transfer none) (nullable): the role called @role
 */
const MpPluginRole *
mp_plugin_find_role (MpPlugin *plugin, const char *role)
{
  return mp_descriptor_find_role (mp_plugin_get_descriptor (plugin), role);
}

/**
 * mp_plugin_run:
 * @plugin: the plugin whose code @func calls
 * @what: what the call does, for the invented error ("checking node facts")
 * @code: the #MpError code for errors the plugin reports in another domain
 * @func: the call
 * @user_data: passed to @func
 * @error: return location for a #GError
 *
 * The one way into plugin code.  Errors come back as %MP_ERROR, prefixed
 * with "plugin <name>: "; a plugin that fails without an error gets one.
 *
 * Returns: what @func returned
 */
gboolean
mp_plugin_run (MpPlugin *plugin, const char *what, MpError code,
               MpPluginCallFunc func, gpointer user_data, GError **error)
{
  g_autoptr(GError) local = NULL;
  const char *name = mp_plugin_get_name (plugin);

  if (func (mp_plugin_get_descriptor (plugin), user_data, &local))
    {
      /* success wins; a stray error is a plugin bug worth a debug line */
      if (local != NULL)
        g_debug ("plugin %s: %s succeeded but set an error: %s", name, what, local->message);
      return TRUE;
    }
  if (local == NULL)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_FAILED,
                   "plugin %s: %s failed without giving a reason", name, what);
      return FALSE;
    }
  g_set_error (error, MP_ERROR, local->domain == MP_ERROR ? local->code : (int) code,
               "plugin %s: %s", name, local->message);
  return FALSE;
}

static gboolean
call_check_facts (const MpPluginDescriptor *desc, gpointer user_data, GError **error)
{
  return desc->check_facts (user_data, error);
}

/**
 * mp_plugin_check_facts:
 * @plugin: a plugin
 * @facts: the node facts
 * @error: return location for a #GError
 *
 * Runs the plugin's check_facts hook, if it has one, through mp_plugin_run().
 *
 * Returns: %TRUE when the plugin has no hook or the hook accepts @facts
 */
gboolean
mp_plugin_check_facts (MpPlugin *plugin, const MpPluginFacts *facts, GError **error)
{
  if (mp_plugin_get_descriptor (plugin)->check_facts == NULL)
    return TRUE;
  return mp_plugin_run (plugin, "checking node facts", MP_ERROR_INVALID_ARGS,
                        call_check_facts, (gpointer) facts, error);
}
