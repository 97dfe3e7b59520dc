/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `<service> certs|apply|enable|disable|restart|status|backend` and
 * `database cluster ...`: thin handlers over the step runner (mp-apply.h).
 * every mutating command holds the service lock from start to end.
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mp-cli.h"

/* a line of a step or a validation, as the vendor's cli prints it */
void
mp_cli_print_line (MpLineKind kind, const char *text, gpointer user_data)
{
  if (kind == MP_LINE_NOTE)
    g_print ("%s\n", text);
  else
    g_print ("%s: %s\n", mp_line_kind_to_string (kind), text);
}

/* the vendor's question: only an uppercase Y confirms */
static gboolean
ask_uppercase_y (const char *question, gpointer user_data)
{
  char answer[64] = "";

  g_print ("%s", question);
  fflush (stdout);
  if (fgets (answer, sizeof answer, stdin) == NULL)
    answer[0] = '\0';
  /* a piped answer is not echoed: end the question's line */
  if (!isatty (STDIN_FILENO))
    g_print ("\n");
  g_strchomp (answer);
  return strcmp (answer, "Y") == 0;
}

/* how the cli runs a service command: its options, lines to stdout */
static MpStore *
run_options (MpCli *cli, MpServiceRunOptions *o, GError **error)
{
  *o = (MpServiceRunOptions) {
    .dry_run = cli->dry_run,
    .assume_yes = cli->yes,
    .force = cli->force,
    .warn_days = cli->warn_days,
    .key_type = cli->key_type,
    .confirm = ask_uppercase_y,
    .log = mp_cli_print_line,
  };
  return mp_cli_get_store (cli, error);
}

gboolean
mp_cli_service_certs (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  MpServiceRunOptions o;
  MpStore *store = run_options (cli, &o, error);

  return store != NULL && mp_service_run_certs (store, cli->service, &o, FALSE, args, n_args, error);
}

gboolean
mp_cli_cluster_certs (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  MpServiceRunOptions o;
  MpStore *store = run_options (cli, &o, error);

  return store != NULL && mp_service_run_certs (store, cli->service, &o, TRUE, args, n_args, error);
}

gboolean
mp_cli_service_apply (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  MpServiceRunOptions o;
  MpStore *store = run_options (cli, &o, error);

  return store != NULL && mp_service_run_apply (store, cli->service, &o, args, n_args, error);
}

gboolean
mp_cli_service_rollback (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  MpServiceRunOptions o;
  MpStore *store = run_options (cli, &o, error);

  return store != NULL && mp_service_run_rollback (store, cli->service, &o, error);
}

gboolean
mp_cli_service_step (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  MpServiceRunOptions o;
  MpStore *store = run_options (cli, &o, error);
  MpPluginStepKind step;

  if (g_str_equal (cli->verb, "enable"))
    step = MP_STEP_ENABLE;
  else if (g_str_equal (cli->verb, "disable"))
    step = MP_STEP_DISABLE;
  else
    step = MP_STEP_RESTART;
  return store != NULL && mp_service_run_step (store, cli->service, &o, step, error);
}

gboolean
mp_cli_cluster_setup (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  MpServiceRunOptions o;
  MpStore *store = run_options (cli, &o, error);

  return store != NULL &&
         mp_service_run_cluster (store, cli->service, &o, cli->verb, n_args > 0 ? args[0] : NULL, error);
}

gboolean
mp_cli_cluster_remove (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  MpServiceRunOptions o;
  MpStore *store = run_options (cli, &o, error);

  return store != NULL && mp_service_run_cluster_remove (store, cli->service, &o, error);
}

gboolean
mp_cli_cluster_localnode (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  MpServiceRunOptions o;
  MpStore *store = run_options (cli, &o, error);

  return store != NULL && mp_service_run_localnode (store, cli->service, &o, args[0], error);
}

static const char *
json_string (JsonObject *o, const char *member)
{
  JsonNode *node = json_object_get_member (o, member);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_string (node) : NULL;
}

gboolean
mp_cli_cluster_status (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  MpStore *store = mp_cli_get_store (cli, error);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(MpNodeFacts) facts = NULL;
  JsonObject *o;
  const char *state, *form, *localnode, *primary;

  if (store == NULL)
    return FALSE;
  root = mp_service_cluster_status_to_json (store, cli->service, error);
  if (root == NULL)
    return FALSE;
  if (cli->json)
    {
      mp_cli_print_json (root);
      return TRUE;
    }
  o = json_node_get_object (root);
  state = json_string (o, "state");
  form = json_string (o, "certificates");
  localnode = json_string (o, "localnode");
  primary = json_string (o, "primary");
  g_print ("Status            : %s\n", json_string (o, "status"));
  if (g_strcmp0 (state, "primary") == 0)
    {
      facts = mp_node_facts_load (store, error);
      if (facts == NULL)
        return FALSE;
      g_print ("Primary           : this node (%s)\n",
               facts->server_fqdn != NULL ? facts->server_fqdn : "server-fqdn not set");
    }
  else if (primary != NULL)
    g_print ("Primary           : %s\n", primary);
  g_print ("Interface         : %s\n", localnode != NULL ? localnode : "(not set; 'database cluster localnode a')");
  g_print ("Certificates      : %s\n", g_strcmp0 (form, "none") == 0 ? "none applied"
                                        : g_strcmp0 (form, "connect") == 0 ? "client and CA (connect only)"
                                                                           : "server, client and CA");
  return TRUE;
}

static void
print_set (const char *title, GPtrArray *files)
{
  if (files->len == 0)
    return;
  g_print ("%s:\n", title);
  for (guint i = 0; i < files->len; i++)
    {
      MpAppliedFile *f = g_ptr_array_index (files, i);
      g_print ("  %-12s %s (sha256 %.16s...)%s%s\n", f->role, f->source != NULL ? f->source : "?",
               f->sha256 != NULL ? f->sha256 : "?", f->live != NULL ? " -> " : "", f->live != NULL ? f->live : "");
    }
}

gboolean
mp_cli_service_status (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  const char *name = mp_plugin_get_name (cli->service);
  MpStore *store = mp_cli_get_store (cli, error);
  g_autoptr(MpServiceConfig) config = NULL;
  g_autoptr(GPtrArray) applied = NULL;
  g_autoptr(GPtrArray) good = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *at = NULL;
  g_autoptr(MpEndpoint) ep = NULL;
  gboolean enabled;
  MpBackendKind backend;

  if (store == NULL)
    return FALSE;
  if (cli->json)
    {
      /* the same document the d-bus Service1.GetStatus returns */
      g_autoptr(JsonNode) root = mp_service_status_to_json (store, cli->service, error);

      if (root == NULL)
        return FALSE;
      mp_cli_print_json (root);
      return TRUE;
    }
  config = mp_service_config_load (store, error);
  if (config == NULL)
    return FALSE;
  applied = mp_service_config_get_applied (config, name, FALSE);
  good = mp_service_config_get_applied (config, name, TRUE);
  dir = mp_service_live_dir (store, name);
  at = mp_service_config_get_string (config, name, "applied-at");
  enabled = mp_service_config_get_enabled (config, name);
  backend = mp_service_config_get_backend (config, name);
  ep = mp_service_config_get_endpoint (config, name);
  g_print ("%s: %s, backend %s\n", name, enabled ? "enabled" : "disabled", mp_backend_kind_to_string (backend));
  if (backend == MP_BACKEND_EXEC)
    {
      for (guint step = MP_STEP_DISABLE; step <= MP_STEP_CLUSTER_INIT_JOIN_CONNECT; step++)
        {
          g_autofree char *cmd = mp_service_config_get_command (config, name, step);
          if (cmd != NULL)
            g_print ("  exec %-14s %s\n", mp_step_config_key (step), cmd);
        }
    }
  if (ep != NULL)
    g_print ("endpoint: %s (starttls %s, probe timeout %u s)\n", ep->address,
             mp_starttls_to_string (ep->starttls), ep->timeout);
  if (applied->len == 0)
    {
      g_print ("no certificates applied\n");
      return TRUE;
    }
  g_print ("live files: %s (applied %s)\n", dir, at != NULL ? at : "?");
  print_set ("applied", applied);
  print_set ("last known-good", good);
  return TRUE;
}

gboolean
mp_cli_service_backend (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  const char *name = mp_plugin_get_name (cli->service);
  MpStore *store = mp_cli_get_store (cli, error);
  g_autoptr(MpServiceLock) lock = NULL;
  g_autoptr(MpServiceConfig) config = NULL;
  MpBackendKind kind;

  if (g_str_equal (args[0], "embedded"))
    kind = MP_BACKEND_EMBEDDED;
  else if (g_str_equal (args[0], "exec"))
    kind = MP_BACKEND_EXEC;
  else
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                   "unknown backend '%s'; usage: meetpki %s backend embedded | exec <step>=<command>...",
                   args[0], name);
      return FALSE;
    }
  if (store == NULL)
    return FALSE;
  if (!cli->dry_run && (lock = mp_service_lock (store, error)) == NULL)
    return FALSE;
  config = mp_service_config_load (store, error);
  if (config == NULL || !mp_service_config_set_backend (config, name, kind, args + 1, error))
    return FALSE;
  if (cli->dry_run)
    {
      g_print ("would set the %s backend to %s\n", name, args[0]);
      return TRUE;
    }
  if (!mp_service_config_save (config, error))
    return FALSE;
  g_print ("%s backend: %s\n", name, args[0]);
  return TRUE;
}

/* ---- through meetpkid: io.meetpki.Service1 of the service's object ---- */

#define SERVICE_IFACE "io.meetpki.Service1"

/* the options of a service command, as Service1 takes them */
static GVariant *
service_options (MpCli *cli, gboolean with_warn_days, gboolean with_yes)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  if (cli->dry_run)
    g_variant_builder_add (&b, "{sv}", "dry-run", g_variant_new_boolean (TRUE));
  /* a negative --warn-days means the default in-process too */
  if (with_warn_days && cli->warn_days >= 0)
    g_variant_builder_add (&b, "{sv}", "warn-days", g_variant_new_uint32 ((guint) cli->warn_days));
  if (with_yes && cli->yes)
    g_variant_builder_add (&b, "{sv}", "yes", g_variant_new_boolean (TRUE));
  return g_variant_builder_end (&b);
}

/* calls @method of the service's object and prints the lines it returns,
 * the lines the in-process command prints as it goes */
static gboolean
call_service (MpCli *cli, const char *method, GVariant *params, GError **error)
{
  g_autofree char *path = mp_cli_bus_service_path (mp_plugin_get_name (cli->service));
  g_autoptr(GVariant) reply = mp_cli_bus_call_object (cli, path, SERVICE_IFACE, method, params,
                                                      G_VARIANT_TYPE ("(as)"), NULL, error);
  g_autofree const char **lines = NULL;

  if (reply == NULL)
    return FALSE;
  g_variant_get (reply, "(^a&s)", &lines);
  for (guint i = 0; lines[i] != NULL; i++)
    g_print ("%s\n", lines[i]);
  return TRUE;
}

static gboolean
store_names_only (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  for (guint i = 0; i < n_args; i++)
    {
      if (!mp_cli_bus_refuse_path (cli, args[i], error))
        return FALSE;
    }
  return TRUE;
}

gboolean
mp_cli_bus_service_csr (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  if (cli->key_type != NULL)
    g_variant_builder_add (&b, "{sv}", "key-type", g_variant_new_string (cli->key_type));
  if (cli->force)
    g_variant_builder_add (&b, "{sv}", "force", g_variant_new_boolean (TRUE));
  return call_service (cli, "GenerateCsr", g_variant_new ("(sa{sv})", args[0], &b), error);
}

gboolean
mp_cli_bus_service_certs (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  if (!store_names_only (cli, args, n_args, error))
    return FALSE;
  return call_service (cli, "ApplyCertificates",
                       g_variant_new ("(@as@a{sv})", g_variant_new_strv (args, n_args), service_options (cli, TRUE, FALSE)),
                       error);
}

gboolean
mp_cli_bus_service_apply (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  if (!store_names_only (cli, args, n_args, error))
    return FALSE;
  return call_service (cli, "Apply",
                       g_variant_new ("(@as@a{sv})", g_variant_new_strv (args, n_args), service_options (cli, TRUE, TRUE)),
                       error);
}

gboolean
mp_cli_bus_service_rollback (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  return call_service (cli, "Rollback", g_variant_new ("(@a{sv})", service_options (cli, FALSE, TRUE)), error);
}

gboolean
mp_cli_bus_service_step (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  const char *method = g_str_equal (cli->verb, "enable")    ? "Enable"
                       : g_str_equal (cli->verb, "disable") ? "Disable"
                                                             : "Restart";

  return call_service (cli, method, g_variant_new ("(@a{sv})", service_options (cli, FALSE, FALSE)), error);
}
