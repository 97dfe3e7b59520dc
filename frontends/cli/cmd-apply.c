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

typedef struct {
  MpServiceLock *lock;
  MpServiceConfig *config;
  MpNodeFacts *facts;
  MpApplyContext ctx;
} Run;

static void
run_clear (Run *r)
{
  g_clear_pointer (&r->config, mp_service_config_free);
  g_clear_pointer (&r->facts, mp_node_facts_free);
  g_clear_pointer (&r->lock, mp_service_unlock);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

static void
print_line (MpLineKind kind, const char *text, gpointer user_data)
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

static gboolean
is_cluster_service (const MpPluginDescriptor *desc)
{
  for (guint32 i = 0; i < desc->n_sequence; i++)
    {
      if (desc->sequence[i] == MP_STEP_CLUSTER_REMOVE || desc->sequence[i] == MP_STEP_CLUSTER_INIT_JOIN_CONNECT)
        return TRUE;
    }
  return FALSE;
}

/* store, lock (unless only reading), configuration and facts */
static gboolean
run_begin (MpCli *cli, Run *r, gboolean locked, GError **error)
{
  MpStore *store = mp_cli_get_store (cli, error);

  if (store == NULL)
    return FALSE;
  if (locked && !cli->dry_run)
    {
      r->lock = mp_service_lock (store, error);
      if (r->lock == NULL)
        return FALSE;
    }
  r->config = mp_service_config_load (store, error);
  if (r->config == NULL)
    return FALSE;
  r->facts = mp_node_facts_load (store, error);
  if (r->facts == NULL)
    return FALSE;
  r->ctx.store = store;
  r->ctx.plugin = cli->service;
  r->ctx.config = r->config;
  r->ctx.facts = r->facts;
  r->ctx.dry_run = cli->dry_run;
  r->ctx.assume_yes = cli->yes;
  r->ctx.confirm = ask_uppercase_y;
  r->ctx.log = print_line;
  return TRUE;
}

static guint
warn_days (MpCli *cli)
{
  return cli->warn_days >= 0 ? (guint) cli->warn_days : MP_APPLY_DEFAULT_WARN_DAYS;
}

/* validates and prints the lines; FALSE (a FAILURE) when any check failed */
static MpValidation *
validate_args (MpCli *cli, Run *r, const char * const *args, guint n_args, GError **error)
{
  const MpPluginDescriptor *desc = mp_plugin_get_descriptor (cli->service);
  g_autoptr(MpValidation) v = mp_validation_new_for_args (desc, r->ctx.store, args, n_args, error);

  if (v == NULL)
    return NULL;
  mp_validation_run (v, desc, r->facts, warn_days (cli));
  for (guint i = 0; i < v->lines->len; i++)
    {
      MpLine *l = g_ptr_array_index (v->lines, i);
      print_line (l->kind, l->text, NULL);
    }
  if (v->n_failures > 0)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_VERIFY_FAILED, "the %s certificates: %u check%s failed; nothing was changed",
                   desc->name, v->n_failures, v->n_failures == 1 ? "" : "s");
      return NULL;
    }
  return g_steal_pointer (&v);
}

static gboolean
certs (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  g_auto(Run) r = { 0 };
  g_autoptr(MpValidation) v = NULL;

  if (!run_begin (cli, &r, TRUE, error))
    return FALSE;
  v = validate_args (cli, &r, args, n_args, error);
  if (v == NULL)
    return FALSE;
  return mp_apply_step (&r.ctx, MP_STEP_CERTS, v, error);
}

gboolean
mp_cli_service_certs (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  const MpPluginDescriptor *desc = mp_plugin_get_descriptor (cli->service);

  if (is_cluster_service (desc))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                   "the %s certificates go through 'meetpki %s cluster certs'", desc->name, desc->name);
      return FALSE;
    }
  return certs (cli, args, n_args, error);
}

gboolean
mp_cli_cluster_certs (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  const MpPluginDescriptor *desc = mp_plugin_get_descriptor (cli->service);

  if (!is_cluster_service (desc))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                   "%s is not a cluster service; use 'meetpki %s certs'", desc->name, desc->name);
      return FALSE;
    }
  return certs (cli, args, n_args, error);
}

gboolean
mp_cli_service_apply (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  const MpPluginDescriptor *desc = mp_plugin_get_descriptor (cli->service);
  g_auto(Run) r = { 0 };
  g_autoptr(MpValidation) v = NULL;
  g_autoptr(GString) seq = g_string_new (NULL);

  if (!run_begin (cli, &r, TRUE, error))
    return FALSE;
  v = validate_args (cli, &r, args, n_args, error);
  if (v == NULL)
    return FALSE;
  for (guint32 i = 0; i < desc->n_sequence; i++)
    g_string_append_printf (seq, "%s%s", i > 0 ? " -> " : "", mp_plugin_step_kind_to_string (desc->sequence[i]));
  g_print ("%s apply sequence: %s\n", desc->name, seq->str);
  return mp_apply_sequence (&r.ctx, v, error);
}

/* the last known-good set, applied again through the whole sequence; its
 * files must still be what they were when they were applied */
gboolean
mp_cli_service_rollback (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  const MpPluginDescriptor *desc = mp_plugin_get_descriptor (cli->service);
  g_auto(Run) r = { 0 };
  g_autoptr(GPtrArray) good = NULL;
  g_autoptr(GPtrArray) sources = g_ptr_array_new ();
  g_autoptr(MpValidation) v = NULL;

  if (!run_begin (cli, &r, TRUE, error))
    return FALSE;
  good = mp_service_config_get_applied (r.config, desc->name, TRUE);
  if (good->len == 0)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_NOT_FOUND,
                   "%s has no last known-good set (it is recorded when new files replace applied ones)", desc->name);
      return FALSE;
    }
  for (guint i = 0; i < good->len; i++)
    {
      MpAppliedFile *f = g_ptr_array_index (good, i);
      g_autofree char *path = mp_store_resolve_input (r.ctx.store, f->source, error);
      g_autoptr(GBytes) data = path != NULL ? mp_file_read (path, error) : NULL;
      g_autofree char *sha = data != NULL ? mp_sha256_hex (data) : NULL;

      if (sha == NULL)
        {
          g_prefix_error (error, "the last known-good %s: ", f->role);
          return FALSE;
        }
      if (g_strcmp0 (sha, f->sha256) != 0)
        {
          g_set_error (error, MP_ERROR, MP_ERROR_VERIFY_FAILED,
                       "%s changed since it was applied; it is no longer the known-good file", f->source);
          return FALSE;
        }
      g_ptr_array_add (sources, f->source);
    }
  g_ptr_array_add (sources, NULL);
  g_print ("%s: rolling back to the last known-good files\n", desc->name);
  v = validate_args (cli, &r, (const char * const *) sources->pdata, sources->len - 1, error);
  if (v == NULL)
    return FALSE;
  return mp_apply_sequence (&r.ctx, v, error);
}

gboolean
mp_cli_service_step (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  g_auto(Run) r = { 0 };
  MpPluginStepKind step;

  if (g_str_equal (cli->verb, "enable"))
    step = MP_STEP_ENABLE;
  else if (g_str_equal (cli->verb, "disable"))
    step = MP_STEP_DISABLE;
  else
    step = MP_STEP_RESTART;
  if (!run_begin (cli, &r, TRUE, error))
    return FALSE;
  return mp_apply_step (&r.ctx, step, NULL, error);
}

gboolean
mp_cli_cluster_setup (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  g_auto(Run) r = { 0 };

  if (!is_cluster_service (mp_plugin_get_descriptor (cli->service)))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "%s is not a cluster service",
                   mp_plugin_get_name (cli->service));
      return FALSE;
    }
  if (!run_begin (cli, &r, TRUE, error))
    return FALSE;
  r.ctx.cluster_verb = cli->verb;
  r.ctx.cluster_primary = n_args > 0 ? args[0] : NULL;
  return mp_apply_step (&r.ctx, MP_STEP_CLUSTER_INIT_JOIN_CONNECT, NULL, error);
}

gboolean
mp_cli_cluster_remove (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  g_auto(Run) r = { 0 };

  if (!is_cluster_service (mp_plugin_get_descriptor (cli->service)))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "%s is not a cluster service",
                   mp_plugin_get_name (cli->service));
      return FALSE;
    }
  if (!run_begin (cli, &r, TRUE, error))
    return FALSE;
  return mp_apply_step (&r.ctx, MP_STEP_CLUSTER_REMOVE, NULL, error);
}

gboolean
mp_cli_cluster_localnode (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  const char *name = mp_plugin_get_name (cli->service);
  g_auto(Run) r = { 0 };

  if (!g_regex_match_simple ("^[A-Za-z0-9_-]{1,15}$", args[0], 0, 0))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "'%s' is not an interface name (a, b, eth0...)", args[0]);
      return FALSE;
    }
  if (cli->dry_run)
    {
      g_print ("would run: %s cluster localnode %s\n", name, args[0]);
      return TRUE;
    }
  if (!run_begin (cli, &r, TRUE, error))
    return FALSE;
  mp_service_config_set_string (r.config, name, "localnode", args[0]);
  if (!mp_service_config_save (r.config, error))
    return FALSE;
  g_print ("%s cluster uses interface %s on this node\n", name, args[0]);
  return TRUE;
}

static const char *
cluster_state_text (const char *state)
{
  if (g_strcmp0 (state, "primary") == 0)
    return "Connected Primary";
  if (g_strcmp0 (state, "joined") == 0)
    return "Connected Replica";
  if (g_strcmp0 (state, "connected") == 0)
    return "Connected (client only)";
  return "Not in a database cluster";
}

gboolean
mp_cli_cluster_status (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  const char *name = mp_plugin_get_name (cli->service);
  g_auto(Run) r = { 0 };
  g_autofree char *state = NULL;
  g_autofree char *primary = NULL;
  g_autofree char *localnode = NULL;
  g_autofree char *form = NULL;

  if (!run_begin (cli, &r, FALSE, error))
    return FALSE;
  state = mp_service_config_get_string (r.config, name, "cluster-state");
  primary = mp_service_config_get_string (r.config, name, "cluster-primary");
  localnode = mp_service_config_get_string (r.config, name, "localnode");
  form = mp_service_config_get_form (r.config, name);
  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "status");
      json_builder_add_string_value (b, cluster_state_text (state));
      json_builder_set_member_name (b, "state");
      json_builder_add_string_value (b, state != NULL ? state : "none");
      json_builder_set_member_name (b, "primary");
      if (g_strcmp0 (state, "primary") == 0)
        json_builder_add_string_value (b, r.facts->server_fqdn != NULL ? r.facts->server_fqdn : "this node");
      else if (primary != NULL)
        json_builder_add_string_value (b, primary);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "localnode");
      if (localnode != NULL)
        json_builder_add_string_value (b, localnode);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "certificates");
      json_builder_add_string_value (b, form != NULL ? form : "none");
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      mp_cli_print_json (root);
      return TRUE;
    }
  g_print ("Status            : %s\n", cluster_state_text (state));
  if (g_strcmp0 (state, "primary") == 0)
    g_print ("Primary           : this node (%s)\n", r.facts->server_fqdn != NULL ? r.facts->server_fqdn : "server-fqdn not set");
  else if (primary != NULL)
    g_print ("Primary           : %s\n", primary);
  g_print ("Interface         : %s\n", localnode != NULL ? localnode : "(not set; 'database cluster localnode a')");
  g_print ("Certificates      : %s\n", form == NULL ? "none applied"
                                        : g_str_equal (form, "connect") ? "client and CA (connect only)"
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
  g_auto(Run) r = { 0 };
  g_autoptr(GPtrArray) applied = NULL;
  g_autoptr(GPtrArray) good = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *at = NULL;
  g_autoptr(MpEndpoint) ep = NULL;
  gboolean enabled;
  MpBackendKind backend;

  if (!run_begin (cli, &r, FALSE, error))
    return FALSE;
  applied = mp_service_config_get_applied (r.config, name, FALSE);
  good = mp_service_config_get_applied (r.config, name, TRUE);
  dir = mp_service_live_dir (r.ctx.store, name);
  at = mp_service_config_get_string (r.config, name, "applied-at");
  enabled = mp_service_config_get_enabled (r.config, name);
  backend = mp_service_config_get_backend (r.config, name);
  ep = mp_service_config_get_endpoint (r.config, name);
  if (cli->json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;
      GPtrArray *sets[] = { applied, good };
      const char *set_names[] = { "applied", "last-good" };

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "service");
      json_builder_add_string_value (b, name);
      json_builder_set_member_name (b, "state");
      json_builder_add_string_value (b, enabled ? "enabled" : "disabled");
      json_builder_set_member_name (b, "backend");
      json_builder_add_string_value (b, mp_backend_kind_to_string (backend));
      json_builder_set_member_name (b, "live-dir");
      json_builder_add_string_value (b, dir);
      json_builder_set_member_name (b, "endpoint");
      if (ep != NULL)
        {
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "address");
          json_builder_add_string_value (b, ep->address);
          json_builder_set_member_name (b, "starttls");
          json_builder_add_string_value (b, mp_starttls_to_string (ep->starttls));
          json_builder_set_member_name (b, "probe-timeout");
          json_builder_add_int_value (b, ep->timeout);
          json_builder_end_object (b);
        }
      else
        json_builder_add_null_value (b);
      for (guint s = 0; s < G_N_ELEMENTS (sets); s++)
        {
          json_builder_set_member_name (b, set_names[s]);
          json_builder_begin_array (b);
          for (guint i = 0; i < sets[s]->len; i++)
            {
              MpAppliedFile *f = g_ptr_array_index (sets[s], i);
              json_builder_begin_object (b);
              json_builder_set_member_name (b, "role");
              json_builder_add_string_value (b, f->role);
              json_builder_set_member_name (b, "file");
              json_builder_add_string_value (b, f->source);
              json_builder_set_member_name (b, "sha256");
              json_builder_add_string_value (b, f->sha256);
              json_builder_set_member_name (b, "live");
              json_builder_add_string_value (b, f->live);
              json_builder_end_object (b);
            }
          json_builder_end_array (b);
        }
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      mp_cli_print_json (root);
      return TRUE;
    }
  g_print ("%s: %s, backend %s\n", name, enabled ? "enabled" : "disabled", mp_backend_kind_to_string (backend));
  if (backend == MP_BACKEND_EXEC)
    {
      for (guint step = MP_STEP_DISABLE; step <= MP_STEP_CLUSTER_INIT_JOIN_CONNECT; step++)
        {
          g_autofree char *cmd = mp_service_config_get_command (r.config, name, step);
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
  g_auto(Run) r = { 0 };
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
  if (!run_begin (cli, &r, TRUE, error) ||
      !mp_service_config_set_backend (r.config, name, kind, args + 1, error))
    return FALSE;
  if (cli->dry_run)
    {
      g_print ("would set the %s backend to %s\n", name, args[0]);
      return TRUE;
    }
  if (!mp_service_config_save (r.config, error))
    return FALSE;
  g_print ("%s backend: %s\n", name, args[0]);
  return TRUE;
}
