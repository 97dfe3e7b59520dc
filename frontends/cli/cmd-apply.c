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

static const char *json_string (JsonObject *o, const char *member);

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

/* an exec step's command writes to our stdout: with --json only the
 * object goes there, so meanwhile the commands write to stderr.  returns
 * the saved stdout, or -1 when it stays as it was */
static int
stdout_to_stderr (void)
{
  int saved;

  fflush (stdout);
  saved = dup (STDOUT_FILENO);
  if (saved >= 0 && dup2 (STDERR_FILENO, STDOUT_FILENO) < 0)
    {
      close (saved);
      return -1;
    }
  return saved;
}

static void
stdout_restore (int saved)
{
  if (saved < 0)
    return;
  fflush (stdout);
  dup2 (saved, STDOUT_FILENO);
  close (saved);
}


/* `webbridge3 c2w trust <bundle>`, `callbridge trust c2w <bundle>`, ... */
gboolean
mp_cli_service_trust (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  MpServiceRunOptions o;
  MpStore *store = run_options (cli, &o, error);

  return store != NULL && mp_service_run_trust (store, cli->service, &o, cli->trust_store, args[0], error);
}

/**
 * mp_cli_print_run_json:
 * @cli: the cli context
 * @object: (nullable): the run as mp_service_run_apply_json() made it, here
 *   or in meetpkid
 * @ok: whether the run succeeded
 * @local: (transfer full) (nullable): its error when it did not
 * @error: return location for the error main() prints
 *
 * Prints the object of `apply --json` or `rollback --json`; a run that
 * failed then has its one error line on stderr and its exit status, as
 * the text form.  A refusal of the checks is exit status 1 without that
 * line (the object says it), as for `certs --json`; a run that failed
 * before its first line has no object, only the error.
 *
 * Returns: %FALSE with @error set when main() is to print an error
 */
gboolean
mp_cli_print_run_json (MpCli *cli, JsonNode *object, gboolean ok, GError *local, GError **error)
{
  g_autoptr(GError) failed = local;

  if (object != NULL)
    mp_cli_print_json (object);
  if (ok)
    return TRUE;
  if (object != NULL && g_strcmp0 (json_string (json_node_get_object (object), "verdict"), "refused") == 0)
    {
      cli->status = MP_CLI_EXIT_CHECK_FAILED;
      return TRUE;
    }
  g_propagate_error (error, g_steal_pointer (&failed));
  return FALSE;
}

typedef enum {
  RUN_CERTS,
  RUN_CLUSTER_CERTS,
  RUN_APPLY,
  RUN_ROLLBACK,
} RunKind;

/* `certs --json`, `cluster certs --json`, `apply --json` and `rollback
 * --json`: meanwhile an exec step's command and the database's
 * uppercase-Y question (ask_uppercase_y() prints on our stdout) go to
 * stderr, so stdout holds the object alone */
static gboolean
run_json (MpCli *cli, RunKind kind, const char * const *args, guint n_args, GError **error)
{
  MpServiceRunOptions o;
  MpStore *store = run_options (cli, &o, error);
  g_autoptr(JsonNode) object = NULL;
  GError *local = NULL;
  gboolean ok;
  int saved;

  if (store == NULL)
    return FALSE;
  saved = stdout_to_stderr ();
  if (kind == RUN_ROLLBACK)
    ok = mp_service_run_rollback_json (store, cli->service, &o, &object, &local);
  else if (kind == RUN_APPLY)
    ok = mp_service_run_apply_json (store, cli->service, &o, args, n_args, &object, &local);
  else
    ok = mp_service_run_certs_json (store, cli->service, &o, kind == RUN_CLUSTER_CERTS, args, n_args, &object,
                                    &local);
  stdout_restore (saved);
  return mp_cli_print_run_json (cli, object, ok, local, error);
}

/* `certs` and `cluster certs`: the lines as they come, or with --json one
 * object */
static gboolean
run_certs (MpCli *cli, gboolean cluster, const char * const *args, guint n_args, GError **error)
{
  MpServiceRunOptions o;
  MpStore *store;

  if (cli->json)
    return run_json (cli, cluster ? RUN_CLUSTER_CERTS : RUN_CERTS, args, n_args, error);
  store = run_options (cli, &o, error);
  if (store == NULL)
    return FALSE;
  return mp_service_run_certs (store, cli->service, &o, cluster, args, n_args, error);
}

gboolean
mp_cli_service_certs (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  return run_certs (cli, FALSE, args, n_args, error);
}

gboolean
mp_cli_cluster_certs (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  return run_certs (cli, TRUE, args, n_args, error);
}

gboolean
mp_cli_service_apply (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  MpServiceRunOptions o;
  MpStore *store;

  if (cli->json)
    return run_json (cli, RUN_APPLY, args, n_args, error);
  store = run_options (cli, &o, error);
  return store != NULL && mp_service_run_apply (store, cli->service, &o, args, n_args, error);
}

gboolean
mp_cli_service_rollback (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  MpServiceRunOptions o;
  MpStore *store;

  if (cli->json)
    return run_json (cli, RUN_ROLLBACK, args, n_args, error);
  store = run_options (cli, &o, error);
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

/* the text or JSON of mp_service_cluster_status_to_json(); @facts_json
 * gives the node facts (the in-process store's, or the daemon's), asked
 * for only when this node is the primary */
static gboolean
print_cluster_status (MpCli *cli, JsonNode *root, JsonNode *(*facts_json) (MpCli *cli, GError **error),
                      GError **error)
{
  g_autoptr(JsonNode) facts = NULL;
  JsonObject *o;
  const char *state, *form, *localnode, *primary;

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
      const char *fqdn;

      facts = facts_json (cli, error);
      if (facts == NULL)
        return FALSE;
      fqdn = json_string (json_node_get_object (facts), "server-fqdn");
      g_print ("Primary           : this node (%s)\n", fqdn != NULL ? fqdn : "server-fqdn not set");
    }
  else if (primary != NULL)
    g_print ("Primary           : %s\n", primary);
  g_print ("Interface         : %s\n", localnode != NULL ? localnode : "(not set; 'database cluster localnode a')");
  g_print ("Certificates      : %s\n", g_strcmp0 (form, "none") == 0 ? "none applied"
                                        : g_strcmp0 (form, "connect") == 0 ? "client and CA (connect only)"
                                                                           : "server, client and CA");
  return TRUE;
}

static JsonNode *
local_facts_json (MpCli *cli, GError **error)
{
  MpStore *store = mp_cli_get_store (cli, error);
  g_autoptr(MpNodeFacts) facts = store != NULL ? mp_node_facts_load (store, error) : NULL;

  return facts != NULL ? mp_node_facts_to_json (facts) : NULL;
}

gboolean
mp_cli_cluster_status (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  MpStore *store = mp_cli_get_store (cli, error);
  g_autoptr(JsonNode) root = NULL;

  if (store == NULL)
    return FALSE;
  root = mp_service_cluster_status_to_json (store, cli->service, error);
  if (root == NULL)
    return FALSE;
  return print_cluster_status (cli, root, local_facts_json, error);
}

static const char *
member_or (JsonObject *obj, const char *member, const char *fallback)
{
  JsonNode *node = json_object_get_member (obj, member);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_string (node) : fallback;
}

static void
print_set (const char *title, JsonArray *files)
{
  if (json_array_get_length (files) == 0)
    return;
  g_print ("%s:\n", title);
  for (guint i = 0; i < json_array_get_length (files); i++)
    {
      JsonObject *f = json_array_get_object_element (files, i);
      const char *live = member_or (f, "live", NULL);

      g_print ("  %-12s %s (sha256 %.16s...)%s%s\n", member_or (f, "role", "?"), member_or (f, "file", "?"),
               member_or (f, "sha256", "?"), live != NULL ? " -> " : "", live != NULL ? live : "");
    }
}

/* the installed trust stores (an older daemon's status has none) */
static void
print_trust (JsonObject *obj)
{
  JsonNode *member = json_object_get_member (obj, "trust");
  JsonArray *trust = member != NULL && JSON_NODE_HOLDS_ARRAY (member) ? json_node_get_array (member) : NULL;

  if (trust == NULL || json_array_get_length (trust) == 0)
    return;
  g_print ("trust stores:\n");
  for (guint i = 0; i < json_array_get_length (trust); i++)
    {
      JsonObject *t = json_array_get_object_element (trust, i);

      g_print ("  %-12s %s (sha256 %.16s...) -> %s\n", member_or (t, "store", "?"), member_or (t, "file", "?"),
               member_or (t, "sha256", "?"), member_or (t, "live", "?"));
    }
}

/* the text (or json) of mp_service_status_to_json(), wherever it was built */
static void
print_status (MpCli *cli, JsonNode *root)
{
  JsonObject *obj = json_node_get_object (root);
  JsonObject *exec = json_object_get_object_member (obj, "exec");
  JsonNode *ep = json_object_get_member (obj, "endpoint");
  JsonArray *applied = json_object_get_array_member (obj, "applied");

  if (cli->json)
    {
      mp_cli_print_json (root);
      return;
    }
  g_print ("%s: %s, backend %s\n", member_or (obj, "service", "?"), member_or (obj, "state", "?"),
           member_or (obj, "backend", "?"));
  if (exec != NULL)
    {
      JsonObjectIter iter;
      const char *step;
      JsonNode *cmd;

      json_object_iter_init_ordered (&iter, exec);
      while (json_object_iter_next_ordered (&iter, &step, &cmd))
        g_print ("  exec %-14s %s\n", step, json_node_get_string (cmd));
    }
  if (ep != NULL && JSON_NODE_HOLDS_OBJECT (ep))
    {
      JsonObject *e = json_node_get_object (ep);
      g_print ("endpoint: %s (starttls %s, probe timeout %u s)\n", member_or (e, "address", "?"),
               member_or (e, "starttls", "?"), (guint) json_object_get_int_member (e, "probe-timeout"));
    }
  if (json_array_get_length (applied) == 0)
    g_print ("no certificates applied\n");
  else
    {
      g_print ("live files: %s (applied %s)\n", member_or (obj, "live-dir", "?"), member_or (obj, "applied-at", "?"));
      print_set ("applied", applied);
      print_set ("last known-good", json_object_get_array_member (obj, "last-good"));
    }
  print_trust (obj);
}

gboolean
mp_cli_service_status (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  MpStore *store = mp_cli_get_store (cli, error);
  g_autoptr(JsonNode) root = NULL;

  if (store == NULL)
    return FALSE;
  root = mp_service_status_to_json (store, cli->service, error);
  if (root == NULL)
    return FALSE;
  print_status (cli, root);
  return TRUE;
}

gboolean
mp_cli_bus_service_status (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  g_autoptr(JsonNode) root = mp_cli_bus_call_json (cli, "ServiceStatusJson",
                                                   g_variant_new ("(s)", cli->service_name), NULL,
                                                   error);

  if (root == NULL)
    return FALSE;
  print_status (cli, root);
  return TRUE;
}

gboolean
mp_cli_service_backend (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  MpStore *store = mp_cli_get_store (cli, error);
  const MpServiceRunOptions o = {
    .dry_run = cli->dry_run,
    .log = mp_cli_print_line,
  };

  return store != NULL && mp_service_run_backend (store, cli->service, &o, args[0], args + 1, error);
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

/* calls @method of the service's object and prints the lines the
 * in-process command prints as it goes: those of the reply, or, when the
 * command fails, those the daemon sent before its error */
static gboolean
call_service_iface (MpCli *cli, const char *iface, const char *method, GVariant *params, GError **error)
{
  g_autofree char *path = mp_cli_bus_service_path (cli->service_name);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) lines = NULL;

  reply = mp_cli_bus_call_lines (cli, path, iface, method, params, G_VARIANT_TYPE ("(as)"), NULL, error);
  if (reply == NULL)
    return FALSE;
  lines = g_variant_get_child_value (reply, 0);
  mp_cli_bus_print_lines (cli, lines);
  return TRUE;
}

static gboolean
call_service (MpCli *cli, const char *method, GVariant *params, GError **error)
{
  return call_service_iface (cli, SERVICE_IFACE, method, params, error);
}

/**
 * mp_cli_bus_call_service:
 *
 * Calls @method of the service's io.meetpki.Service1, whose reply is the
 * lines the in-process command prints, and prints them (or, when it fails,
 * those the daemon sent before its error).
 */
gboolean
mp_cli_bus_call_service (MpCli *cli, const char *method, GVariant *params, GError **error)
{
  return call_service (cli, method, params, error);
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

static gboolean call_run_json (MpCli *cli, const char *method, GVariant *params, GError **error);

gboolean
mp_cli_bus_service_certs (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  if (!store_names_only (cli, args, n_args, error))
    return FALSE;
  if (cli->json)
    return call_run_json (cli, "ApplyCertificatesJson",
                          g_variant_new ("(@as@a{sv})", g_variant_new_strv (args, n_args),
                                         service_options (cli, TRUE, FALSE)),
                          error);
  return call_service (cli, "ApplyCertificates",
                       g_variant_new ("(@as@a{sv})", g_variant_new_strv (args, n_args), service_options (cli, TRUE, FALSE)),
                       error);
}

/* ApplyCertificatesJson, ApplyJson or RollbackJson: the object the daemon built, from its reply
 * or, when the run failed, from the Lines signal before the error; printed
 * as the in-process one is */
static gboolean
call_run_json (MpCli *cli, const char *method, GVariant *params, GError **error)
{
  g_autofree char *path = mp_cli_bus_service_path (cli->service_name);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(JsonNode) object = NULL;
  g_autoptr(GError) parse_error = NULL;
  GError *local = NULL;
  const char *text = NULL;

  cli->lines = g_ptr_array_new_with_free_func (g_free);
  reply = mp_cli_bus_call_lines (cli, path, SERVICE_IFACE, method, params, G_VARIANT_TYPE ("(s)"), NULL, &local);
  if (reply != NULL)
    g_variant_get (reply, "(&s)", &text);
  else if (cli->lines->len == 1)
    text = g_ptr_array_index (cli->lines, 0);
  if (text != NULL && (object = json_from_string (text, &parse_error)) == NULL)
    {
      g_clear_error (&local);
      g_set_error (error, MP_ERROR, MP_ERROR_FAILED, "meetpkid sent unreadable JSON from %s: %s", method,
                   parse_error->message);
      return FALSE;
    }
  return mp_cli_print_run_json (cli, object, reply != NULL, local, error);
}

gboolean
mp_cli_bus_service_apply (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  if (!store_names_only (cli, args, n_args, error))
    return FALSE;
  if (cli->json)
    return call_run_json (cli, "ApplyJson",
                          g_variant_new ("(@as@a{sv})", g_variant_new_strv (args, n_args),
                                         service_options (cli, TRUE, TRUE)),
                          error);
  return call_service (cli, "Apply",
                       g_variant_new ("(@as@a{sv})", g_variant_new_strv (args, n_args), service_options (cli, TRUE, TRUE)),
                       error);
}

/* the trust store by name: the words are the cli's, the daemon takes the
 * store the plugin declares */
gboolean
mp_cli_bus_service_trust (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  if (!store_names_only (cli, args, n_args, error))
    return FALSE;
  return call_service (cli, "InstallTrust",
                       g_variant_new ("(ss@a{sv})", cli->trust_store, args[0], service_options (cli, TRUE, FALSE)),
                       error);
}

gboolean
mp_cli_bus_service_rollback (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  if (cli->json)
    return call_run_json (cli, "RollbackJson", g_variant_new ("(@a{sv})", service_options (cli, FALSE, TRUE)), error);
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

gboolean
mp_cli_bus_service_backend (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  return call_service (cli, "SetBackend",
                       g_variant_new ("(s@as@a{sv})", args[0], g_variant_new_strv (args + 1, n_args - 1),
                                      service_options (cli, FALSE, FALSE)),
                       error);
}

/* ---- database cluster: io.meetpki.Cluster1 of the same object ---- */

#define CLUSTER_IFACE "io.meetpki.Cluster1"

gboolean
mp_cli_bus_cluster_certs (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  /* the cluster's files go through the service's ApplyCertificates */
  return mp_cli_bus_service_certs (cli, args, n_args, error);
}

gboolean
mp_cli_bus_cluster_localnode (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  if (cli->dry_run)
    {
      g_set_error_literal (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                           "--dry-run is not available through the bus for 'cluster localnode'");
      return FALSE;
    }
  return call_service_iface (cli, CLUSTER_IFACE, "SetLocalNode", g_variant_new ("(s)", args[0]), error);
}

gboolean
mp_cli_bus_cluster_setup (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  GVariant *options = service_options (cli, FALSE, FALSE);

  if (g_str_equal (cli->verb, "initialize"))
    return call_service_iface (cli, CLUSTER_IFACE, "Initialize", g_variant_new ("(@a{sv})", options), error);
  return call_service_iface (cli, CLUSTER_IFACE, g_str_equal (cli->verb, "join") ? "Join" : "Connect",
                             g_variant_new ("(s@a{sv})", args[0], options), error);
}

gboolean
mp_cli_bus_cluster_remove (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  /* nobody answers the uppercase-Y question on the bus: --yes or the daemon refuses */
  return call_service_iface (cli, CLUSTER_IFACE, "Remove", g_variant_new ("(@a{sv})", service_options (cli, FALSE, TRUE)),
                             error);
}

static JsonNode *
bus_facts_json (MpCli *cli, GError **error)
{
  return mp_cli_bus_call_json (cli, "NodeFactsJson", NULL, NULL, error);
}

gboolean
mp_cli_bus_cluster_status (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  g_autoptr(JsonNode) root = mp_cli_bus_call_json (cli, "ClusterStatusJson",
                                                   g_variant_new ("(s)", cli->service_name), NULL,
                                                   error);

  if (root == NULL)
    return FALSE;
  return print_cluster_status (cli, root, bus_facts_json, error);
}
