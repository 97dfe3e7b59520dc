/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `node set`, `node unset`, `node show`: the facts the service plugins'
 * name rules are checked against.
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "mp-cli.h"

gboolean
mp_cli_node_set (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  MpStore *store;
  g_autofree char *value = NULL;

  /* lists may come as one comma-separated word or as several words */
  if (n_args > 2 && !mp_node_fact_is_list (args[0]))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                   "%s takes one value; quote it if it holds spaces", args[0]);
      return FALSE;
    }
  {
    /* "a, b c" and "a,b,c" mean the same list */
    g_autoptr(GPtrArray) words = g_ptr_array_new_with_free_func (g_free);
    for (guint i = 1; i < n_args; i++)
      {
        g_autofree char *w = g_strdup (args[i]);
        gsize len;

        g_strstrip (w);
        len = strlen (w);
        if (n_args > 2 && len > 0 && w[len - 1] == ',')
          w[len - 1] = '\0';
        g_ptr_array_add (words, g_steal_pointer (&w));
      }
    g_ptr_array_add (words, NULL);
    value = g_strjoinv (",", (char **) words->pdata);
  }
  store = mp_cli_get_store (cli, error);
  if (store == NULL || !mp_node_facts_set (store, args[0], value, error))
    return FALSE;
  g_print ("%s set to %s\n", args[0], value);
  return TRUE;
}

gboolean
mp_cli_node_unset (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  MpStore *store = mp_cli_get_store (cli, error);

  if (store == NULL || !mp_node_facts_unset (store, args[0], error))
    return FALSE;
  g_print ("%s unset\n", args[0]);
  return TRUE;
}

/* the facts in mp_node_fact_keys() order, as (key, value or list) */
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

gboolean
mp_cli_node_show (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  MpStore *store = mp_cli_get_store (cli, error);
  g_autoptr(MpNodeFacts) facts = NULL;
  const char * const *keys = mp_node_fact_keys ();

  if (store == NULL)
    return FALSE;
  facts = mp_node_facts_load (store, error);
  if (facts == NULL)
    return FALSE;

  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (b);
      for (guint i = 0; keys[i] != NULL; i++)
        {
          json_builder_set_member_name (b, keys[i]);
          if (mp_node_fact_is_list (keys[i]))
            {
              GStrv list = list_value (facts, keys[i]);
              json_builder_begin_array (b);
              for (guint k = 0; list != NULL && list[k] != NULL; k++)
                json_builder_add_string_value (b, list[k]);
              json_builder_end_array (b);
            }
          else if (single_value (facts, keys[i]) != NULL)
            json_builder_add_string_value (b, single_value (facts, keys[i]));
          else
            json_builder_add_null_value (b);
        }
      json_builder_set_member_name (b, "clustered");
      json_builder_add_boolean_value (b, mp_node_facts_is_clustered (facts));
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      mp_cli_print_json (root);
      return TRUE;
    }

  for (guint i = 0; keys[i] != NULL; i++)
    {
      g_autofree char *text = NULL;

      if (mp_node_fact_is_list (keys[i]))
        {
          GStrv list = list_value (facts, keys[i]);
          text = list != NULL && list[0] != NULL ? g_strjoinv (", ", list) : NULL;
        }
      else
        text = g_strdup (single_value (facts, keys[i]));
      g_print ("%-17s %s\n", keys[i], text != NULL ? text : "(not set)");
    }
  g_print ("%-17s %s\n", "clustered", mp_node_facts_is_clustered (facts) ? "yes" : "no");
  return TRUE;
}
