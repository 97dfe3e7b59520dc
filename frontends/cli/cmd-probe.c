/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `<service> endpoint` and `<service> probe`: where the daemon serves, and
 * what it serves checked against the applied files.  both run the library
 * functions meetpkid's Service1.SetEndpoint and Service1.Probe run.
 */
#include "config.h"

#include <json-glib/json-glib.h>

#include "mp-cli.h"

gboolean
mp_cli_service_endpoint (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  MpStore *store = mp_cli_get_store (cli, error);
  const MpServiceRunOptions o = {
    .dry_run = cli->dry_run,
    .log = mp_cli_print_line,
  };

  return store != NULL &&
         mp_service_run_endpoint (store, cli->service, &o, args[0], cli->starttls, cli->probe_timeout, error);
}

gboolean
mp_cli_service_probe (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  MpStore *store = mp_cli_get_store (cli, error);
  g_autoptr(JsonNode) result = NULL;
  /* --json prints the result only */
  const MpServiceRunOptions o = {
    .log = cli->json ? NULL : mp_cli_print_line,
  };

  if (store == NULL ||
      !mp_service_run_probe (store, cli->service, &o, n_args == 1 ? args[0] : NULL, &result, error))
    return FALSE;
  if (cli->json)
    mp_cli_print_json (result);
  return mp_service_probe_check (result, error);
}

/* ---- through meetpkid: Service1.SetEndpoint and Service1.Probe ---- */

gboolean
mp_cli_bus_service_endpoint (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  GVariantBuilder b;

  /* a negative one does not fit the method's u: the in-process words */
  if (cli->probe_timeout < 0 && cli->probe_timeout != -1)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "--probe-timeout %d is out of range (1-600 seconds)",
                   cli->probe_timeout);
      return FALSE;
    }
  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  if (cli->dry_run)
    g_variant_builder_add (&b, "{sv}", "dry-run", g_variant_new_boolean (TRUE));
  if (cli->starttls != NULL)
    g_variant_builder_add (&b, "{sv}", "starttls", g_variant_new_string (cli->starttls));
  if (cli->probe_timeout != -1)
    g_variant_builder_add (&b, "{sv}", "probe-timeout", g_variant_new_uint32 ((guint32) cli->probe_timeout));
  return mp_cli_bus_call_service (cli, "SetEndpoint", g_variant_new ("(sa{sv})", args[0], &b), error);
}

gboolean
mp_cli_bus_service_probe (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  g_autofree char *path = mp_cli_bus_service_path (cli->service_name);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) lines = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(GError) local = NULL;
  const char *text;

  reply = mp_cli_bus_call_object (cli, path, "io.meetpki.Service1", "Probe",
                                  g_variant_new ("(s@a{sv})", n_args == 1 ? args[0] : "",
                                                 g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0)),
                                  G_VARIANT_TYPE ("(ass)"), NULL, error);
  if (reply == NULL)
    return FALSE;
  lines = g_variant_get_child_value (reply, 0);
  g_variant_get_child (reply, 1, "&s", &text);
  result = json_from_string (text, &local);
  if (result == NULL)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_FAILED, "meetpkid sent unreadable JSON from Probe: %s", local->message);
      return FALSE;
    }
  if (cli->json)
    mp_cli_print_json (result);
  else
    {
      g_autofree const char **strv = g_variant_get_strv (lines, NULL);
      for (guint i = 0; strv[i] != NULL; i++)
        g_print ("%s\n", strv[i]);
    }
  return mp_service_probe_check (result, error);
}
