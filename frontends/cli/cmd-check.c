/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `check [--warn-days N] [--json]`: one line per finding over every
 * configured service; the exit status tells cron and monitoring systems
 * what to do (0 clean, 10 warnings only, 1 errors).  the engine, here or
 * in meetpkid, reports as json (mp_check_to_json()); this file prints it.
 */
#include "config.h"

#include <json-glib/json-glib.h>

#include "mp-cli.h"

static gboolean
check_warn_days (MpCli *cli, GError **error)
{
  if (cli->warn_days != -1 && (cli->warn_days < 0 || cli->warn_days > 36500))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "--warn-days takes 0 to 36500 days");
      return FALSE;
    }
  return TRUE;
}

static guint
warn_days (MpCli *cli)
{
  return cli->warn_days >= 0 ? (guint) cli->warn_days : MP_APPLY_DEFAULT_WARN_DAYS;
}

/* prints the result of a check and sets the exit status */
static void
print_check_result (MpCli *cli, JsonNode *root)
{
  JsonObject *obj = json_node_get_object (root);
  JsonArray *findings = json_object_get_array_member (obj, "findings");
  JsonArray *services = json_object_get_array_member (obj, "services");
  gint64 n_errors = json_object_get_int_member (obj, "errors");
  gint64 n_warnings = json_object_get_int_member (obj, "warnings");
  guint n_services = json_array_get_length (services);

  cli->status = n_errors > 0 ? MP_CLI_EXIT_CHECK_FAILED : n_warnings > 0 ? MP_CLI_EXIT_WARNINGS : 0;
  if (cli->json)
    {
      mp_cli_print_json (root);
      return;
    }
  for (guint i = 0; i < json_array_get_length (findings); i++)
    {
      JsonObject *f = json_array_get_object_element (findings, i);
      g_print ("%s: %s: %s\n", json_object_get_string_member (f, "service"),
               json_object_get_string_member (f, "severity"), json_object_get_string_member (f, "message"));
    }
  if (n_services == 0)
    g_print ("check: no service has certificates applied\n");
  else
    {
      g_autoptr(GPtrArray) names = g_ptr_array_new ();
      g_autofree char *list = NULL;

      for (guint i = 0; i < n_services; i++)
        g_ptr_array_add (names, (gpointer) json_array_get_string_element (services, i));
      g_ptr_array_add (names, NULL);
      list = g_strjoinv (", ", (char **) names->pdata);
      g_print ("check: %u service%s (%s): %" G_GINT64_FORMAT " error%s, %" G_GINT64_FORMAT " warning%s\n",
               n_services, n_services == 1 ? "" : "s", list, n_errors, n_errors == 1 ? "" : "s",
               n_warnings, n_warnings == 1 ? "" : "s");
    }
}

gboolean
mp_cli_check (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  MpStore *store = mp_cli_get_store (cli, error);
  MpPluginLoader *loader;
  g_autoptr(GPtrArray) findings = NULL;
  g_auto(GStrv) services = NULL;
  g_autoptr(JsonNode) root = NULL;

  if (store == NULL || !check_warn_days (cli, error))
    return FALSE;
  loader = mp_cli_get_plugins (cli, error);
  if (loader == NULL)
    return FALSE;
  findings = mp_check_services (store, loader, warn_days (cli), &services, error);
  if (findings == NULL)
    return FALSE;
  root = mp_check_to_json (findings, (const char * const *) services);
  print_check_result (cli, root);
  return TRUE;
}

gboolean
mp_cli_bus_check (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(JsonNode) root = NULL;

  if (!check_warn_days (cli, error))
    return FALSE;
  /* the cli's default, not the daemon's --warn-days: the same answer as in-process */
  reply = mp_cli_bus_call (cli, "Check", g_variant_new_parsed ("({'warn-days': <%u>},)", warn_days (cli)),
                           G_VARIANT_TYPE ("(a{sv})"), NULL, error);
  if (reply == NULL)
    return FALSE;
  /* check's json has no nulls, so the dictionary carries all of it */
  result = g_variant_get_child_value (reply, 0);
  root = json_gvariant_serialize (result);
  print_check_result (cli, root);
  return TRUE;
}
