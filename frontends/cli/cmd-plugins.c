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

/* "a<sep>b<sep>c" from the array member @member of @obj */
static char *
join_member (JsonObject *obj, const char *member, const char *sep)
{
  JsonArray *arr = json_object_get_array_member (obj, member);
  g_autoptr(GPtrArray) items = g_ptr_array_new ();

  for (guint i = 0; arr != NULL && i < json_array_get_length (arr); i++)
    g_ptr_array_add (items, (gpointer) json_array_get_string_element (arr, i));
  g_ptr_array_add (items, NULL);
  return g_strjoinv (sep, (char **) items->pdata);
}

static const char *
opt_string (JsonObject *obj, const char *member)
{
  return json_object_has_member (obj, member) ? json_object_get_string_member (obj, member) : NULL;
}

/**
 * mp_cli_print_service:
 * @p: one service as mp_plugin_to_json() describes it
 *
 * Prints its text form (`plugins list`, `help <service>`), whichever
 * process built the JSON: this one, or meetpkid through the bus.
 */
void
mp_cli_print_service (JsonObject *p)
{
  g_autofree char *facts = join_member (p, "facts", ", ");
  g_autofree char *sequence = join_member (p, "sequence", " -> ");
  JsonArray *roles = json_object_get_array_member (p, "roles");
  JsonArray *forms = json_object_get_array_member (p, "forms");
  JsonArray *rules = json_object_get_array_member (p, "san_rules");
  JsonArray *csrs = json_object_get_array_member (p, "csrs");

  g_print ("%s: %s\n", json_object_get_string_member (p, "name"), json_object_get_string_member (p, "summary"));
  g_print ("  module: %s\n", json_object_get_string_member (p, "module"));
  g_print ("  node facts: %s\n", facts);
  g_print ("  roles:\n");
  for (guint i = 0; i < json_array_get_length (roles); i++)
    {
      JsonObject *r = json_array_get_object_element (roles, i);
      g_autofree char *usage = join_member (r, "usage", ",");

      g_print ("    %-12s %s%s", json_object_get_string_member (r, "name"), json_object_get_string_member (r, "kind"),
               json_object_get_boolean_member_with_default (r, "optional", FALSE) ? ", optional" : "");
      if (opt_string (r, "pairs_with") != NULL)
        g_print (", matches %s", opt_string (r, "pairs_with"));
      if (opt_string (r, "issued_by") != NULL)
        g_print (", issued by %s", opt_string (r, "issued_by"));
      if (*usage != '\0')
        g_print (", requires %s", usage);
      g_print (": %s\n", json_object_get_string_member (r, "summary"));
    }
  g_print ("  certs forms:\n");
  for (guint i = 0; i < json_array_get_length (forms); i++)
    {
      JsonObject *f = json_array_get_object_element (forms, i);
      g_print ("    %-12s %s\n", json_object_get_string_member (f, "name"), json_object_get_string_member (f, "usage"));
    }
  g_print ("  SAN rules:\n");
  for (guint i = 0; i < json_array_get_length (rules); i++)
    {
      JsonObject *rule = json_array_get_object_element (rules, i);
      const char *value = opt_string (rule, "value");

      g_print ("    %-12s %s%s%s\n", json_object_get_string_member (rule, "role"),
               json_object_get_string_member (rule, "rule"), value != NULL ? " " : "", value != NULL ? value : "");
    }
  for (guint i = 0; i < json_array_get_length (csrs); i++)
    {
      JsonObject *c = json_array_get_object_element (csrs, i);
      const char *cn = json_object_get_string_member (c, "cn");

      if (g_str_equal (cn, mp_cn_source_to_string (MP_CN_EXACT)) && opt_string (c, "cn_value") != NULL)
        cn = opt_string (c, "cn_value");
      g_print ("  csr <basename>%s: %s, CN %s\n", json_object_get_string_member (c, "suffix"),
               json_object_get_string_member (c, "role"), cn);
    }
  g_print ("  full chain: %s\n",
           json_object_get_boolean_member_with_default (p, "full_chain_required", FALSE) ? "required" : "not required");
  g_print ("  sequence: %s\n", sequence);
  {
    JsonNode *member = json_object_get_member (p, "trust_stores");
    JsonArray *stores = member != NULL && JSON_NODE_HOLDS_ARRAY (member) ? json_node_get_array (member) : NULL;

    if (stores != NULL && json_array_get_length (stores) > 0)
      {
        g_autofree char *usage = mp_cli_service_trust_usage (p);
        g_auto(GStrv) trust_forms = g_strsplit (usage, " | ", -1);

        g_print ("  trust stores:\n");
        for (guint i = 0; i < json_array_get_length (stores) && trust_forms[i] != NULL; i++)
          {
            JsonObject *t = json_array_get_object_element (stores, i);

            g_print ("    %-12s %s %s: %s (%s)\n", json_object_get_string_member (t, "name"),
                     json_object_get_string_member (p, "name"), trust_forms[i],
                     json_object_get_string_member (t, "summary"),
                     json_object_get_string_member_with_default (t, "live", "?"));
          }
      }
  }
  if (json_object_get_boolean_member_with_default (p, "checks_facts", FALSE))
    g_print ("  code: checks node facts\n");
}

/* prints mp_plugin_loader_to_json()'s array; @dir is where the plugins were looked for */
static void
print_plugins (MpCli *cli, JsonNode *root, const char *dir)
{
  JsonArray *plugins = json_node_get_array (root);

  if (cli->json)
    {
      mp_cli_print_json (root);
      return;
    }
  if (json_array_get_length (plugins) == 0)
    {
      g_print ("no plugins in %s\n", dir);
      return;
    }
  for (guint i = 0; i < json_array_get_length (plugins); i++)
    {
      if (i > 0)
        g_print ("\n");
      mp_cli_print_service (json_array_get_object_element (plugins, i));
    }
}

gboolean
mp_cli_plugins_list (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  MpPluginLoader *loader = mp_cli_get_plugins (cli, error);
  g_autoptr(JsonNode) root = NULL;

  if (loader == NULL)
    return FALSE;
  root = mp_plugin_loader_to_json (loader);
  print_plugins (cli, root, mp_plugin_loader_get_dir (loader));
  return TRUE;
}

/**
 * mp_cli_bus_list_services:
 * @cli: the cli context, with a bus chosen
 * @dir: (out) (optional): where the daemon looked for its plugins
 * @error: return location for a #GError
 *
 * The daemon's plugins, as `plugins list --json` prints them: with --bus
 * the cli needs no plugins of its own.
 *
 * Returns: (transfer full): the array, or %NULL with an error
 */
JsonNode *
mp_cli_bus_list_services (MpCli *cli, char **dir, GError **error)
{
  g_autoptr(GVariant) reply = mp_cli_bus_call (cli, "ListServicesJson", NULL, G_VARIANT_TYPE ("(ss)"), NULL, error);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) local = NULL;
  const char *text, *where;

  if (reply == NULL)
    return NULL;
  g_variant_get (reply, "(&s&s)", &text, &where);
  root = json_from_string (text, &local);
  if (root == NULL || !JSON_NODE_HOLDS_ARRAY (root))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_FAILED, "meetpkid sent unreadable JSON from ListServicesJson: %s",
                   local != NULL ? local->message : "not an array");
      return NULL;
    }
  if (dir != NULL)
    *dir = g_strdup (where);
  return g_steal_pointer (&root);
}

gboolean
mp_cli_bus_plugins_list (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  g_autofree char *dir = NULL;
  g_autoptr(JsonNode) root = mp_cli_bus_list_services (cli, &dir, error);

  if (root == NULL)
    return FALSE;
  print_plugins (cli, root, dir);
  return TRUE;
}

/**
 * mp_cli_get_services:
 * @cli: the cli context
 * @error: return location for a #GError
 *
 * The services' descriptors, as `plugins list --json` prints them, looked
 * up once and kept on @cli: with a bus the daemon's (ListServicesJson; no
 * plugin loads here), so a cli without plugins of its own works against a
 * daemon that has them, else the loaded plugins'.
 *
 * Returns: (transfer none): the array, or %NULL with an error when the
 *   plugins cannot load or the daemon could not be asked
 */
JsonArray *
mp_cli_get_services (MpCli *cli, GError **error)
{
  if (cli->services == NULL)
    {
      g_autoptr(JsonNode) root = NULL;

      if (cli->bus_type != G_BUS_TYPE_NONE)
        root = mp_cli_bus_list_services (cli, NULL, error);
      else
        {
          MpPluginLoader *loader = mp_cli_get_plugins (cli, error);
          if (loader != NULL)
            root = mp_plugin_loader_to_json (loader);
        }
      if (root == NULL)
        return NULL;
      cli->services = g_steal_pointer (&root);
    }
  return json_node_get_array (cli->services);
}

/**
 * mp_cli_lookup_service:
 * @cli: the cli context
 * @name: a service name
 * @error: return location for a #GError
 *
 * Returns: (transfer none) (nullable): the descriptor of the service @name
 *   from mp_cli_get_services(); %NULL without an error when no service has
 *   that name, with one when the services could not be looked up
 */
JsonObject *
mp_cli_lookup_service (MpCli *cli, const char *name, GError **error)
{
  JsonArray *services = mp_cli_get_services (cli, error);
  const char *target = mp_cli_service_alias (name);

  for (int pass = 0; pass < 2 && services != NULL; pass++)
    {
      /* a service of that very name first; then the one it is an alias of */
      const char *wanted = pass == 0 ? name : target;

      for (guint i = 0; wanted != NULL && i < json_array_get_length (services); i++)
        {
          JsonObject *p = json_array_get_object_element (services, i);

          if (p != NULL && g_strcmp0 (json_object_get_string_member_with_default (p, "name", NULL), wanted) == 0)
            return p;
        }
    }
  return NULL;
}

/* the vendor's other names for a service: CMS 3.x documents the web
 * bridge's commands as `webbridge3 ...` */
static const struct {
  const char *alias;
  const char *service;
} service_aliases[] = {
  { "webbridge3", "webbridge" },
};

/**
 * mp_cli_service_alias:
 * @word: a first word
 *
 * Returns: (transfer none) (nullable): the service @word is the vendor's
 *   other name for (`webbridge3`: `webbridge`), or %NULL
 */
const char *
mp_cli_service_alias (const char *word)
{
  for (guint i = 0; word != NULL && i < G_N_ELEMENTS (service_aliases); i++)
    {
      if (g_str_equal (service_aliases[i].alias, word))
        return service_aliases[i].service;
    }
  return NULL;
}

/**
 * mp_cli_find_service_json:
 * @cli: the cli context
 * @name: a service name
 * @error: return location for a #GError
 *
 * The descriptor of the service @name (mp_cli_lookup_service()) for `help
 * <service>`.  Plugins that cannot load here provide no service.
 *
 * Returns: (transfer full) (nullable): the service's JSON object; %NULL
 *   without an error when no service has that name, with one when the
 *   daemon could not be asked
 */
JsonNode *
mp_cli_find_service_json (MpCli *cli, const char *name, GError **error)
{
  JsonObject *p = mp_cli_lookup_service (cli, name, cli->bus_type != G_BUS_TYPE_NONE ? error : NULL);
  JsonNode *node;

  if (p == NULL)
    return NULL;
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, p);
  return node;
}
