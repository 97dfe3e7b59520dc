/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `check [--warn-days N] [--json]`: one line per finding over every
 * configured service; the exit status tells cron and monitoring systems
 * what to do (0 clean, 10 warnings only, 1 errors).
 */
#include "config.h"

#include <json-glib/json-glib.h>

#include "mp-cli.h"

gboolean
mp_cli_check (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  MpStore *store = mp_cli_get_store (cli, error);
  MpPluginLoader *loader;
  g_autoptr(GPtrArray) findings = NULL;
  g_auto(GStrv) services = NULL;
  guint n_errors = 0, n_warnings = 0;

  if (store == NULL)
    return FALSE;
  if (cli->warn_days != -1 && (cli->warn_days < 0 || cli->warn_days > 36500))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "--warn-days takes 0 to 36500 days");
      return FALSE;
    }
  loader = mp_cli_get_plugins (cli, error);
  if (loader == NULL)
    return FALSE;
  findings = mp_check_services (store, loader, cli->warn_days >= 0 ? (guint) cli->warn_days : MP_APPLY_DEFAULT_WARN_DAYS,
                                &services, error);
  if (findings == NULL)
    return FALSE;
  for (guint i = 0; i < findings->len; i++)
    {
      MpCheckFinding *f = g_ptr_array_index (findings, i);
      n_errors += f->kind == MP_LINE_FAILURE;
      n_warnings += f->kind == MP_LINE_WARNING;
    }

  if (cli->json)
    {
      g_autoptr(JsonNode) root = mp_check_to_json (findings, (const char * const *) services);
      mp_cli_print_json (root);
    }
  else
    {
      for (guint i = 0; i < findings->len; i++)
        {
          MpCheckFinding *f = g_ptr_array_index (findings, i);
          g_print ("%s: %s: %s\n", f->service, f->kind == MP_LINE_FAILURE ? "error" : "warning", f->message);
        }
      if (services[0] == NULL)
        g_print ("check: no service has certificates applied\n");
      else
        {
          g_autofree char *list = g_strjoinv (", ", services);
          g_print ("check: %u service%s (%s): %u error%s, %u warning%s\n", g_strv_length (services),
                   g_strv_length (services) == 1 ? "" : "s", list, n_errors, n_errors == 1 ? "" : "s",
                   n_warnings, n_warnings == 1 ? "" : "s");
        }
    }
  cli->status = n_errors > 0 ? MP_CLI_EXIT_CHECK_FAILED : n_warnings > 0 ? MP_CLI_EXIT_WARNINGS : 0;
  return TRUE;
}
