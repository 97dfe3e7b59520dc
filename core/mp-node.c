/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * node facts: what the administrator tells meetpki about this node (its
 * names, its cluster, its database role), kept in the store as node.conf.
 * every value is validated on the way in and again when read back, so a
 * hand-edited file cannot feed a bad name to the rules.
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "meetpki/mp-node.h"
#include "meetpki/mp-error.h"
#include "meetpki/mp-subject.h"

#define GROUP "node"

typedef enum {
  VALUE_FQDN,      /* a host name, no wildcard */
  VALUE_FQDN_LIST, /* comma separated host names */
  VALUE_ADDRESS,   /* a host name or an ip address */
  VALUE_ROLE,      /* primary | joined | connected */
} ValueType;

static const struct {
  const char *key;
  ValueType type;
} fact_table[] = {
  { "server-fqdn", VALUE_FQDN },
  { "cluster-fqdn", VALUE_FQDN },
  { "peers", VALUE_FQDN_LIST },
  { "join-urls", VALUE_FQDN_LIST },
  { "xmpp-domain", VALUE_FQDN },
  { "database-role", VALUE_ROLE },
  { "database-primary", VALUE_ADDRESS },
};

static const char * const fact_keys[] = {
  "server-fqdn", "cluster-fqdn", "peers", "join-urls",
  "xmpp-domain", "database-role", "database-primary", NULL,
};
G_STATIC_ASSERT (G_N_ELEMENTS (fact_keys) == G_N_ELEMENTS (fact_table) + 1);

static const char * const database_roles[] = { "primary", "joined", "connected", NULL };

/**
 * mp_node_fact_keys:
 *
 * Returns: (transfer none) (array zero-terminated=1): the keys
 * `meetpki node set` takes, in display order
 */
const char * const *
mp_node_fact_keys (void)
{
  return fact_keys;
}

static gint
find_fact (const char *key)
{
  for (guint i = 0; key != NULL && i < G_N_ELEMENTS (fact_table); i++)
    {
      if (strcmp (fact_table[i].key, key) == 0)
        return (gint) i;
    }
  return -1;
}

/**
 * mp_node_fact_is_list:
 * @key: a fact key
 *
 * Returns: %TRUE when @key holds a comma-separated list
 */
gboolean
mp_node_fact_is_list (const char *key)
{
  gint i = find_fact (key);
  return i >= 0 && fact_table[i].type == VALUE_FQDN_LIST;
}

static gboolean
unknown_key (const char *key, GError **error)
{
  g_autofree char *hint = mp_suggest (key, fact_keys);
  g_autofree char *all = g_strjoinv (", ", (char **) fact_keys);

  if (hint != NULL)
    g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                 "unknown node fact '%s'; did you mean '%s'?", key, hint);
  else
    g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                 "unknown node fact '%s'; the facts are %s", key, all);
  return FALSE;
}

MpNodeFacts *
mp_node_facts_new (void)
{
  return g_new0 (MpNodeFacts, 1);
}

void
mp_node_facts_free (MpNodeFacts *facts)
{
  if (facts == NULL)
    return;
  g_free (facts->server_fqdn);
  g_free (facts->cluster_fqdn);
  g_strfreev (facts->peers);
  g_strfreev (facts->join_urls);
  g_free (facts->xmpp_domain);
  g_free (facts->database_role);
  g_free (facts->database_primary);
  g_free (facts);
}

static gboolean
validate_fqdn (const char *key, const char *name, GError **error)
{
  g_autoptr(GError) local = NULL;

  if (strstr (name, "://") != NULL)
    {
      const char *host = strstr (name, "://") + 3;
      g_autofree char *bare = g_strndup (host, strcspn (host, "/:"));
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                   "%s: '%s' is a URL; give the host name alone (%s)", key, name, bare);
      return FALSE;
    }
  {
    g_autoptr(MpSan) san = mp_san_new_from_string (name, NULL);
    if (san != NULL && san->type == MP_SAN_IP)
      {
        g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                     "%s: '%s' is an IP address; give the host name", key, name);
        return FALSE;
      }
  }
  if (strchr (name, '*') != NULL)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                   "%s: '%s' is a wildcard; a node fact names one host", key, name);
      return FALSE;
    }
  if (!mp_dns_name_validate (name, &local))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "%s: %s", key, local->message);
      return FALSE;
    }
  return TRUE;
}

/* splits "a, b,c" into a checked list; no empty entries, no repeats */
static GStrv
parse_list (const char *key, const char *value, GError **error)
{
  g_auto(GStrv) parts = g_strsplit (value, ",", -1);
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char *item = g_strstrip (parts[i]);

      if (*item == '\0')
        {
          g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                       "%s: '%s' has an empty entry; separate names with single commas", key, value);
          return NULL;
        }
      if (!validate_fqdn (key, item, error))
        return NULL;
      for (guint k = 0; k < list->len; k++)
        {
          if (g_ascii_strcasecmp (g_ptr_array_index (list, k), item) == 0)
            {
              g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                           "%s: '%s' is listed twice", key, item);
              return NULL;
            }
        }
      g_ptr_array_add (list, g_strdup (item));
    }
  g_ptr_array_add (list, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&list), FALSE);
}

static gboolean
validate_value (guint idx, const char *value, GError **error)
{
  const char *key = fact_table[idx].key;

  if (value == NULL || *value == '\0')
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                   "%s: the value is empty; use 'meetpki node unset %s' to remove it", key, key);
      return FALSE;
    }
  switch (fact_table[idx].type)
    {
    case VALUE_FQDN:
      return validate_fqdn (key, value, error);
    case VALUE_FQDN_LIST:
      {
        g_auto(GStrv) list = parse_list (key, value, error);
        return list != NULL;
      }
    case VALUE_ADDRESS:
      {
        g_autoptr(MpSan) san = mp_san_new_from_string (value, NULL);
        if (san != NULL && san->type == MP_SAN_IP)
          return TRUE;
        return validate_fqdn (key, value, error);
      }
    case VALUE_ROLE:
      if (g_strv_contains (database_roles, value))
        return TRUE;
      {
        g_autofree char *hint = mp_suggest (value, database_roles);
        g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                     "database-role: '%s' is not one of primary, joined, connected%s%s%s",
                     value, hint ? "; did you mean '" : "", hint ? hint : "", hint ? "'?" : "");
        return FALSE;
      }
    default:
      g_assert_not_reached ();
    }
}

/* callers strip the value first: " cms1.example.com" means the name */
static char *
stripped (const char *value)
{
  return value != NULL ? g_strstrip (g_strdup (value)) : NULL;
}

/* the keyfile as stored, or an empty one when the node has no facts yet */
static GKeyFile *
load_keyfile (MpStore *store, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GBytes) data = NULL;
  g_autoptr(GError) local = NULL;
  gsize len;
  const char *text;

  if (!mp_store_contains (store, MP_NODE_FACTS_FILE))
    return g_steal_pointer (&kf);
  data = mp_store_read (store, MP_NODE_FACTS_FILE, error);
  if (data == NULL)
    return NULL;
  text = g_bytes_get_data (data, &len);
  if (!g_key_file_load_from_data (kf, text != NULL ? text : "", len, G_KEY_FILE_KEEP_COMMENTS, &local))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA, "%s: %s", MP_NODE_FACTS_FILE, local->message);
      return NULL;
    }
  return g_steal_pointer (&kf);
}

/**
 * mp_node_facts_load:
 * @store: the store
 * @error: return location for a #GError
 *
 * Reads and checks node.conf; a store without it has no facts yet.
 *
 * Returns: (transfer full): the facts, or %NULL on error
 */
MpNodeFacts *
mp_node_facts_load (MpStore *store, GError **error)
{
  g_autoptr(GKeyFile) kf = load_keyfile (store, error);
  g_autoptr(MpNodeFacts) facts = mp_node_facts_new ();
  g_auto(GStrv) groups = NULL;
  g_auto(GStrv) keys = NULL;

  if (kf == NULL)
    return NULL;
  groups = g_key_file_get_groups (kf, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      if (strcmp (groups[i], GROUP) != 0)
        {
          g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA,
                       "%s: unknown group [%s]; only [%s] is allowed", MP_NODE_FACTS_FILE, groups[i], GROUP);
          return NULL;
        }
    }
  keys = g_key_file_get_keys (kf, GROUP, NULL, NULL);
  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      gint idx = find_fact (keys[i]);
      g_autofree char *value = NULL;
      g_autoptr(GError) local = NULL;

      if (idx < 0)
        {
          g_autoptr(GError) unknown = NULL;
          unknown_key (keys[i], &unknown);
          g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA, "%s: %s", MP_NODE_FACTS_FILE, unknown->message);
          return NULL;
        }
      if (fact_table[idx].type == VALUE_FQDN_LIST)
        {
          g_auto(GStrv) list = g_key_file_get_string_list (kf, GROUP, keys[i], NULL, NULL);
          value = list != NULL ? g_strjoinv (",", list) : g_strdup ("");
        }
      else
        {
          g_autofree char *raw = g_key_file_get_string (kf, GROUP, keys[i], NULL);
          value = stripped (raw);
        }
      if (!validate_value ((guint) idx, value, &local))
        {
          g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA, "%s: %s", MP_NODE_FACTS_FILE, local->message);
          return NULL;
        }
      /* indexes of fact_table, whose order fact_keys repeats */
      switch (idx)
        {
        case 0: facts->server_fqdn = g_steal_pointer (&value); break;
        case 1: facts->cluster_fqdn = g_steal_pointer (&value); break;
        case 2: facts->peers = parse_list (keys[i], value, NULL); break;
        case 3: facts->join_urls = parse_list (keys[i], value, NULL); break;
        case 4: facts->xmpp_domain = g_steal_pointer (&value); break;
        case 5: facts->database_role = g_steal_pointer (&value); break;
        case 6: facts->database_primary = g_steal_pointer (&value); break;
        default: g_assert_not_reached ();
        }
    }
  return g_steal_pointer (&facts);
}

static gboolean
save_keyfile (MpStore *store, GKeyFile *kf, GError **error)
{
  gsize len = 0;
  g_autofree char *text = g_key_file_to_data (kf, &len, NULL);
  g_autoptr(GBytes) bytes = g_bytes_new_take (g_steal_pointer (&text), len);

  /* facts are not secret: a public file, replaced atomically */
  return mp_store_write (store, MP_NODE_FACTS_FILE, bytes, MP_WRITE_REPLACE, error);
}

/**
 * mp_node_facts_set:
 * @store: the store
 * @key: a fact key, e.g. "server-fqdn"
 * @value: its value; lists are comma separated
 * @error: return location for a #GError
 *
 * Validates @value and records it in node.conf, replacing the file
 * atomically.  On any error the file is unchanged.
 *
 * Returns: %TRUE on success
 */
gboolean
mp_node_facts_set (MpStore *store, const char *key, const char *value, GError **error)
{
  gint idx = find_fact (key);
  g_autoptr(GKeyFile) kf = NULL;
  g_autoptr(MpNodeFacts) current = NULL;
  g_autofree char *clean = stripped (value);

  if (idx < 0)
    return unknown_key (key, error);
  if (!validate_value ((guint) idx, clean, error))
    return FALSE;
  /* refuse to build on a broken file rather than silently keep its errors */
  current = mp_node_facts_load (store, error);
  if (current == NULL)
    return FALSE;
  kf = load_keyfile (store, error);
  if (kf == NULL)
    return FALSE;
  if (fact_table[idx].type == VALUE_FQDN_LIST)
    {
      g_auto(GStrv) list = parse_list (key, clean, error);
      if (list == NULL)
        return FALSE;
      g_key_file_set_string_list (kf, GROUP, key, (const char * const *) list, g_strv_length (list));
    }
  else
    g_key_file_set_string (kf, GROUP, key, clean);
  return save_keyfile (store, kf, error);
}

/**
 * mp_node_fact_check_key:
 * @key: a fact key
 * @error: return location for a #GError
 *
 * Returns: %TRUE when @key is one of mp_node_fact_keys(), else %FALSE
 * with %MP_ERROR_INVALID_ARGS naming the nearest key or all of them
 */
gboolean
mp_node_fact_check_key (const char *key, GError **error)
{
  return find_fact (key) >= 0 || unknown_key (key, error);
}

/**
 * mp_node_fact_validate:
 * @key: a fact key
 * @value: its value
 * @error: return location for a #GError
 *
 * The checks of mp_node_facts_set() alone, so that several facts can be
 * checked before the first is written.
 *
 * Returns: %TRUE when mp_node_facts_set() would accept @value for @key
 */
gboolean
mp_node_fact_validate (const char *key, const char *value, GError **error)
{
  gint idx = find_fact (key);
  g_autofree char *clean = stripped (value);

  if (idx < 0)
    return unknown_key (key, error);
  return validate_value ((guint) idx, clean, error);
}

/**
 * mp_node_facts_unset:
 * @store: the store
 * @key: a fact key
 * @error: return location for a #GError
 *
 * Removes a fact; removing one that is not set succeeds.
 *
 * Returns: %TRUE on success
 */
gboolean
mp_node_facts_unset (MpStore *store, const char *key, GError **error)
{
  g_autoptr(GKeyFile) kf = NULL;
  g_autoptr(MpNodeFacts) current = NULL;

  if (!mp_node_fact_check_key (key, error))
    return FALSE;
  current = mp_node_facts_load (store, error);
  if (current == NULL)
    return FALSE;
  kf = load_keyfile (store, error);
  if (kf == NULL)
    return FALSE;
  if (!g_key_file_has_key (kf, GROUP, key, NULL))
    return TRUE;
  g_key_file_remove_key (kf, GROUP, key, NULL);
  return save_keyfile (store, kf, error);
}

/**
 * mp_node_facts_is_clustered:
 * @facts: node facts
 *
 * Returns: %TRUE when `cluster-fqdn` or `peers` is set
 */
gboolean
mp_node_facts_is_clustered (const MpNodeFacts *facts)
{
  return facts->cluster_fqdn != NULL || (facts->peers != NULL && facts->peers[0] != NULL);
}

/**
 * mp_node_facts_to_plugin:
 * @facts: node facts
 * @out: (out caller-allocates): the plugin ABI's view, borrowing from @facts
 *
 * Fills the structure a plugin hook receives; valid while @facts lives.
 */
void
mp_node_facts_to_plugin (const MpNodeFacts *facts, MpPluginFacts *out)
{
  *out = (MpPluginFacts) {
    .struct_size = sizeof (MpPluginFacts),
    .server_fqdn = facts->server_fqdn,
    .cluster_fqdn = facts->cluster_fqdn,
    .peers = (const char * const *) facts->peers,
    .join_urls = (const char * const *) facts->join_urls,
    .xmpp_domain = facts->xmpp_domain,
    .database_role = facts->database_role,
    .database_primary = facts->database_primary,
  };
}

/* the value of a single-valued fact, or NULL */
static const char *
single_value (const MpNodeFacts *f, const char *key)
{
  if (g_str_equal (key, "server-fqdn"))
    return f->server_fqdn;
  if (g_str_equal (key, "cluster-fqdn"))
    return f->cluster_fqdn;
  if (g_str_equal (key, "xmpp-domain"))
    return f->xmpp_domain;
  if (g_str_equal (key, "database-role"))
    return f->database_role;
  if (g_str_equal (key, "database-primary"))
    return f->database_primary;
  return NULL;
}

static GStrv
list_value (const MpNodeFacts *f, const char *key)
{
  if (g_str_equal (key, "peers"))
    return f->peers;
  if (g_str_equal (key, "join-urls"))
    return f->join_urls;
  return NULL;
}

/**
 * mp_node_facts_to_json:
 * @facts: the node facts
 *
 * The facts as `meetpki node show --json` prints them and the daemon's
 * NodeFacts returns them: one member per key of mp_node_fact_keys() (lists
 * as arrays, unset values as null) and `clustered`.
 *
 * Returns: (transfer full): a JSON object node
 */
JsonNode *
mp_node_facts_to_json (const MpNodeFacts *facts)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  for (guint i = 0; fact_keys[i] != NULL; i++)
    {
      json_builder_set_member_name (b, fact_keys[i]);
      if (mp_node_fact_is_list (fact_keys[i]))
        {
          GStrv list = list_value (facts, fact_keys[i]);
          json_builder_begin_array (b);
          for (guint k = 0; list != NULL && list[k] != NULL; k++)
            json_builder_add_string_value (b, list[k]);
          json_builder_end_array (b);
        }
      else if (single_value (facts, fact_keys[i]) != NULL)
        json_builder_add_string_value (b, single_value (facts, fact_keys[i]));
      else
        json_builder_add_null_value (b);
    }
  json_builder_set_member_name (b, "clustered");
  json_builder_add_boolean_value (b, mp_node_facts_is_clustered (facts));
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
