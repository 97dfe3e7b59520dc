/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `plugins list` (and its alias `services`): the loaded service plugins,
 * their roles, name rules and apply sequences, read from the descriptors
 * alone; no plugin code runs.
 */
#include "config.h"

#include <json-glib/json-glib.h>

#include "mp-cli.h"

/**
 * mp_cli_get_plugins:
 * @cli: the cli context
 * @error: return location for a #GError
 *
 * Loads the plugins on first use.  Only service commands call this, so
 * `pki` and `bundle` commands never open a module.
 *
 * Returns: (transfer none) (nullable): the loader, or %NULL on error
 */
MpPluginLoader *
mp_cli_get_plugins (MpCli *cli, GError **error)
{
  if (cli->plugins == NULL)
    {
      g_autoptr(MpPluginLoader) loader = mp_plugin_loader_new (NULL);
      if (!mp_plugin_loader_load (loader, error))
        return NULL;
      cli->plugins = g_steal_pointer (&loader);
    }
  return cli->plugins;
}

static char *
facts_to_string (guint32 facts)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new ();

  for (guint bit = 0; bit < 32; bit++)
    {
      if (facts & (1u << bit))
        g_ptr_array_add (names, (gpointer) mp_node_fact_to_string (1u << bit));
    }
  g_ptr_array_add (names, NULL);
  return g_strjoinv (", ", (char **) names->pdata);
}

static char *
sequence_to_string (const MpPluginDescriptor *d)
{
  g_autoptr(GPtrArray) steps = g_ptr_array_new ();

  for (guint32 i = 0; i < d->n_sequence; i++)
    g_ptr_array_add (steps, (gpointer) mp_plugin_step_kind_to_string (d->sequence[i]));
  g_ptr_array_add (steps, NULL);
  return g_strjoinv (" -> ", (char **) steps->pdata);
}

static void
print_plugin (MpPlugin *plugin)
{
  const MpPluginDescriptor *d = mp_plugin_get_descriptor (plugin);
  g_autofree char *facts = facts_to_string (d->facts);
  g_autofree char *sequence = sequence_to_string (d);

  g_print ("%s: %s\n", d->name, d->summary);
  g_print ("  module: %s\n", mp_plugin_get_path (plugin));
  g_print ("  node facts: %s\n", facts);
  g_print ("  roles:\n");
  for (guint32 i = 0; i < d->n_roles; i++)
    {
      const MpPluginRole *r = &d->roles[i];
      g_autofree char *usage = mp_key_usage_to_string (r->key_usage, r->ext_key_usage);

      g_print ("    %-12s %s%s", r->name, mp_role_kind_to_string (r->kind),
               (r->flags & MP_ROLE_FLAG_OPTIONAL) ? ", optional" : "");
      if (r->pairs_with != NULL)
        g_print (", matches %s", r->pairs_with);
      if (r->issued_by != NULL)
        g_print (", issued by %s", r->issued_by);
      if (*usage != '\0')
        g_print (", requires %s", usage);
      g_print (": %s\n", r->summary);
    }
  g_print ("  certs forms:\n");
  for (guint32 i = 0; i < d->n_forms; i++)
    g_print ("    %-12s %s\n", d->forms[i].name, d->forms[i].summary);
  g_print ("  SAN rules:\n");
  for (guint32 i = 0; i < d->n_san_rules; i++)
    {
      const MpSanRule *rule = &d->san_rules[i];
      g_print ("    %-12s %s%s%s\n", rule->role, mp_san_rule_kind_to_string (rule->kind),
               rule->value != NULL ? " " : "", rule->value != NULL ? rule->value : "");
    }
  for (guint32 i = 0; i < d->n_csrs; i++)
    {
      const MpPluginCsr *c = &d->csrs[i];
      g_print ("  csr <basename>%s: %s, CN %s\n", c->suffix, c->role,
               c->cn == MP_CN_EXACT ? c->cn_value : mp_cn_source_to_string (c->cn));
    }
  g_print ("  full chain: %s\n", d->full_chain_required ? "required" : "not required");
  g_print ("  sequence: %s\n", sequence);
  if (d->check_facts != NULL)
    g_print ("  code: checks node facts\n");
}

gboolean
mp_cli_plugins_list (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  MpPluginLoader *loader = mp_cli_get_plugins (cli, error);
  GPtrArray *plugins;

  if (loader == NULL)
    return FALSE;
  plugins = mp_plugin_loader_get_plugins (loader);
  if (cli->json)
    {
      g_autoptr(JsonArray) array = json_array_new ();
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_ARRAY);

      for (guint i = 0; i < plugins->len; i++)
        json_array_add_element (array, mp_plugin_to_json (g_ptr_array_index (plugins, i)));
      json_node_set_array (root, array);
      mp_cli_print_json (root);
      return TRUE;
    }
  if (plugins->len == 0)
    {
      g_print ("no plugins in %s\n", mp_plugin_loader_get_dir (loader));
      return TRUE;
    }
  for (guint i = 0; i < plugins->len; i++)
    {
      if (i > 0)
        g_print ("\n");
      print_plugin (g_ptr_array_index (plugins, i));
    }
  return TRUE;
}
