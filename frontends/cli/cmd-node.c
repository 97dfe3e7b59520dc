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

/* the value `node set` records: lists may come as one comma-separated
 * word or as several words, and "a, b c" means the same as "a,b,c" */
static char *
node_value (const char * const *args, guint n_args, GError **error)
{
  g_autoptr(GPtrArray) words = g_ptr_array_new_with_free_func (g_free);

  if (n_args > 2 && !mp_node_fact_is_list (args[0]))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                   "%s takes one value; quote it if it holds spaces", args[0]);
      return NULL;
    }
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
  return g_strjoinv (",", (char **) words->pdata);
}

gboolean
mp_cli_node_set (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  MpStore *store;
  g_autofree char *value = node_value (args, n_args, error);

  if (value == NULL)
    return FALSE;
  store = mp_cli_get_store (cli, error);
  if (store == NULL || !mp_node_facts_set (store, args[0], value, error))
    return FALSE;
  g_print ("%s set to %s\n", args[0], value);
  return TRUE;
}

gboolean
mp_cli_node_unset (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  MpStore *store = NULL;

  /* a usage error (exit 2) before a missing store (exit 3) */
  if (!mp_node_fact_check_key (args[0], error))
    return FALSE;
  store = mp_cli_get_store (cli, error);
  if (store == NULL || !mp_node_facts_unset (store, args[0], error))
    return FALSE;
  g_print ("%s unset\n", args[0]);
  return TRUE;
}

/* the text form of mp_node_facts_to_json() */
static void
print_node_facts (MpCli *cli, JsonNode *root)
{
  const char * const *keys = mp_node_fact_keys ();
  JsonObject *obj;

  if (cli->json)
    {
      mp_cli_print_json (root);
      return;
    }
  obj = json_node_get_object (root);
  for (guint i = 0; keys[i] != NULL; i++)
    {
      JsonNode *value = json_object_get_member (obj, keys[i]);
      g_autofree char *text = NULL;

      if (value != NULL && JSON_NODE_HOLDS_ARRAY (value))
        {
          JsonArray *list = json_node_get_array (value);
          g_autoptr(GPtrArray) items = g_ptr_array_new ();

          for (guint k = 0; k < json_array_get_length (list); k++)
            g_ptr_array_add (items, (gpointer) json_array_get_string_element (list, k));
          g_ptr_array_add (items, NULL);
          if (items->len > 1)
            text = g_strjoinv (", ", (char **) items->pdata);
        }
      else if (value != NULL && JSON_NODE_HOLDS_VALUE (value))
        text = g_strdup (json_node_get_string (value));
      g_print ("%-17s %s\n", keys[i], text != NULL ? text : "(not set)");
    }
  g_print ("%-17s %s\n", "clustered",
           json_object_get_boolean_member_with_default (obj, "clustered", FALSE) ? "yes" : "no");
}

gboolean
mp_cli_node_show (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  MpStore *store = mp_cli_get_store (cli, error);
  g_autoptr(MpNodeFacts) facts = NULL;
  g_autoptr(JsonNode) root = NULL;

  if (store == NULL)
    return FALSE;
  facts = mp_node_facts_load (store, error);
  if (facts == NULL)
    return FALSE;
  root = mp_node_facts_to_json (facts);
  print_node_facts (cli, root);
  return TRUE;
}

/* ---- through meetpkid ---- */

gboolean
mp_cli_bus_node_set (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  g_autofree char *value = node_value (args, n_args, error);
  g_autoptr(GVariant) reply = NULL;

  if (value == NULL)
    return FALSE;
  /* the daemon takes "" as unset: refuse it as the engine does here */
  if (*value == '\0')
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                   "%s: the value is empty; use 'meetpki node unset %s' to remove it", args[0], args[0]);
      return FALSE;
    }
  reply = mp_cli_bus_call (cli, "SetNodeFact", g_variant_new ("(ss)", args[0], value), G_VARIANT_TYPE ("()"), NULL,
                           error);
  if (reply == NULL)
    return FALSE;
  g_print ("%s set to %s\n", args[0], value);
  return TRUE;
}

gboolean
mp_cli_bus_node_unset (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  g_autoptr(GVariant) reply = mp_cli_bus_call (cli, "SetNodeFact", g_variant_new ("(ss)", args[0], ""),
                                               G_VARIANT_TYPE ("()"), NULL, error);

  if (reply == NULL)
    return FALSE;
  g_print ("%s unset\n", args[0]);
  return TRUE;
}

gboolean
mp_cli_bus_node_show (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  g_autoptr(JsonNode) root = mp_cli_bus_call_json (cli, "NodeFactsJson", NULL, NULL, error);

  if (root == NULL)
    return FALSE;
  print_node_facts (cli, root);
  return TRUE;
}
