/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `<service> apply --json`, `<service> rollback --json`, `<service> certs
 * --json` and `database cluster certs --json`: the run as one object for
 * scripts, one shape for all four.  it is built here, from the lines and
 * the step reports as the runner gives them (MpLogFunc, MpStepFunc), not
 * from printed text, so the cli and meetpkid's ApplyJson, RollbackJson
 * and ApplyCertificatesJson hand out the very same tree.
 */
#include "config.h"

#include "mp-private.h"
#include "mp-service-private.h"
#include "meetpki/meetpki.h"
#include "meetpki/mp-service-run.h"

/* one step report, kept */
typedef struct {
  MpStepReportKind kind;
  MpPluginStepKind step;
  char *address;
  gboolean rollback;
  gboolean dry_run;
  char *message; /* NULL: it succeeded */
} Event;

typedef struct {
  GPtrArray *lines;  /* MpLine */
  GPtrArray *events; /* Event */
  const MpServiceRunOptions *caller;
} Report;

static void
event_free (Event *e)
{
  g_free (e->address);
  g_free (e->message);
  g_free (e);
}

static void
report_clear (Report *r)
{
  g_clear_pointer (&r->lines, g_ptr_array_unref);
  g_clear_pointer (&r->events, g_ptr_array_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Report, report_clear)

static void
keep_line (MpLineKind kind, const char *text, gpointer user_data)
{
  Report *r = user_data;
  MpLine *line = g_new0 (MpLine, 1);

  line->kind = kind;
  line->text = g_strdup (text);
  g_ptr_array_add (r->lines, line);
}

static void
keep_report (const MpStepReport *report, gpointer user_data)
{
  Report *r = user_data;
  Event *e = g_new0 (Event, 1);

  e->kind = report->kind;
  e->step = report->step;
  e->address = g_strdup (report->address);
  e->rollback = report->rollback;
  e->dry_run = report->dry_run;
  e->message = report->error != NULL ? g_strdup (report->error->message) : NULL;
  g_ptr_array_add (r->events, e);
}

/* the caller's question, asked with the caller's data */
static gboolean
ask_caller (const char *question, gpointer user_data)
{
  Report *r = user_data;

  return r->caller->confirm (question, r->caller->user_data);
}

/* the caller's options, with the lines and reports kept in @r */
static MpServiceRunOptions
keeping_options (const MpServiceRunOptions *o, Report *r)
{
  MpServiceRunOptions kept = *o;

  r->lines = g_ptr_array_new_with_free_func (mp_line_free);
  r->events = g_ptr_array_new_with_free_func ((GDestroyNotify) event_free);
  r->caller = o;
  kept.log = keep_line;
  kept.report = keep_report;
  kept.confirm = o->confirm != NULL ? ask_caller : NULL;
  kept.user_data = r;
  return kept;
}

static const char *
line_kind_name (MpLineKind kind)
{
  switch (kind)
    {
    case MP_LINE_SUCCESS:
      return "success";
    case MP_LINE_WARNING:
      return "warning";
    case MP_LINE_FAILURE:
      return "failure";
    case MP_LINE_NOTE:
    default:
      return "note";
    }
}

/* {"address", "outcome", "message"} of the probe, or null */
static void
add_probe (JsonBuilder *b, const Event *probe)
{
  json_builder_set_member_name (b, "probe");
  if (probe == NULL)
    {
      json_builder_add_null_value (b);
      return;
    }
  json_builder_begin_object (b);
  mp_json_add_string_or_null (b, "address", probe->address);
  mp_json_add_string_or_null (b, "outcome", probe->message == NULL ? "ok" : "failed");
  mp_json_add_string_or_null (b, "message", probe->message);
  json_builder_end_object (b);
}

/* the steps of one phase (the run's, or the rollback's), in order: a step
 * that succeeded and was then undone by a rollback that worked is
 * "rolled-back" */
static void
add_steps (JsonBuilder *b, GPtrArray *events, gboolean rollback, gboolean undone)
{
  json_builder_set_member_name (b, "steps");
  json_builder_begin_array (b);
  for (guint i = 0; i < events->len; i++)
    {
      const Event *e = g_ptr_array_index (events, i);
      const char *outcome;

      if (e->kind != MP_STEP_REPORT_STEP || e->rollback != rollback)
        continue;
      if (e->message != NULL)
        outcome = "failed";
      else if (e->dry_run)
        outcome = "would-run";
      else
        outcome = undone ? "rolled-back" : "ok";
      json_builder_begin_object (b);
      mp_json_add_string_or_null (b, "step", mp_step_config_key (e->step));
      mp_json_add_string_or_null (b, "outcome", outcome);
      mp_json_add_string_or_null (b, "message", e->message);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

/* the last report of @kind in a phase, or NULL */
static const Event *
find_event (GPtrArray *events, MpStepReportKind kind, gboolean rollback)
{
  const Event *found = NULL;

  for (guint i = 0; i < events->len; i++)
    {
      const Event *e = g_ptr_array_index (events, i);
      if (e->kind == kind && e->rollback == rollback)
        found = e;
    }
  return found;
}

static void
add_error (JsonBuilder *b, const char *member, const GError *error)
{
  json_builder_set_member_name (b, member);
  if (error == NULL)
    {
      json_builder_add_null_value (b);
      return;
    }
  json_builder_begin_object (b);
  mp_json_add_string_or_null (b, "name", error->domain == MP_ERROR ? mp_error_to_string (error->code)
                                                          : mp_error_to_string (MP_ERROR_FAILED));
  mp_json_add_string_or_null (b, "message", error->message);
  json_builder_end_object (b);
}

/* a verdict of the checks: nothing ran, nothing changed */
static gboolean
is_refusal (const GError *error)
{
  return g_error_matches (error, MP_ERROR, MP_ERROR_VERIFY_FAILED) ||
         g_error_matches (error, MP_ERROR, MP_ERROR_MISMATCH) ||
         g_error_matches (error, MP_ERROR, MP_ERROR_NOT_CA);
}

/* "live_dir" and "applied" as `<service> status --json` lists them; when
 * the status could not be read after a failed run, both are null and
 * "status_error" says why (not an empty list that looks like no files) */
static void
add_status (JsonBuilder *b, JsonObject *status, const GError *status_error)
{
  mp_json_add_string_or_null (b, "live_dir", status != NULL && json_object_has_member (status, "live-dir")
                                       ? json_object_get_string_member (status, "live-dir") : NULL);
  json_builder_set_member_name (b, "applied");
  if (status == NULL)
    json_builder_add_null_value (b);
  else if (json_object_has_member (status, "applied"))
    json_builder_add_value (b, json_node_copy (json_object_get_member (status, "applied")));
  else
    {
      json_builder_begin_array (b);
      json_builder_end_array (b);
    }
  add_error (b, "status_error", status_error);
}

static JsonNode *
build_object (MpPlugin *plugin, const char *command, const char * const *files, guint n_files, gboolean dry_run,
              Report *r, JsonObject *status, const GError *status_error, const GError *failed)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  const Event *rollback = find_event (r->events, MP_STEP_REPORT_ROLLBACK, TRUE);
  gboolean ran = find_event (r->events, MP_STEP_REPORT_STEP, FALSE) != NULL;
  const char *verdict;

  if (failed == NULL)
    verdict = dry_run ? "dry-run" : "applied";
  else if (!ran && is_refusal (failed))
    verdict = "refused";
  else
    verdict = "failed";
  json_builder_begin_object (b);
  mp_json_add_string_or_null (b, "service", mp_plugin_get_name (plugin));
  mp_json_add_string_or_null (b, "command", command);
  json_builder_set_member_name (b, "files");
  json_builder_begin_array (b);
  for (guint i = 0; i < n_files; i++)
    json_builder_add_string_value (b, files[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "dry_run");
  json_builder_add_boolean_value (b, dry_run);
  mp_json_add_string_or_null (b, "verdict", verdict);
  /* every line the text form prints, as certs --json lists them */
  json_builder_set_member_name (b, "lines");
  json_builder_begin_array (b);
  for (guint i = 0; i < r->lines->len; i++)
    {
      const MpLine *l = g_ptr_array_index (r->lines, i);
      json_builder_begin_object (b);
      mp_json_add_string_or_null (b, "kind", line_kind_name (l->kind));
      mp_json_add_string_or_null (b, "text", l->text);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  add_steps (b, r->events, FALSE, rollback != NULL && rollback->message == NULL);
  add_probe (b, find_event (r->events, MP_STEP_REPORT_PROBE, FALSE));
  json_builder_set_member_name (b, "rollback");
  if (rollback == NULL)
    json_builder_add_null_value (b);
  else
    {
      json_builder_begin_object (b);
      mp_json_add_string_or_null (b, "outcome", rollback->message == NULL ? "ok" : "failed");
      mp_json_add_string_or_null (b, "message", rollback->message);
      add_steps (b, r->events, TRUE, FALSE);
      add_probe (b, find_event (r->events, MP_STEP_REPORT_PROBE, TRUE));
      json_builder_end_object (b);
    }
  /* the files live now, as `<service> status --json` lists them */
  add_status (b, status, status_error);
  add_error (b, "error", failed);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* the object of a run that ended with @ok and @local: none when it failed
 * before its first line (a missing file, a busy lock): that stays the one
 * error.  a status that cannot be read after a successful run is the
 * error; after a failed one the run's error stays the error and the
 * object says the status could not be read (status_error) */
static gboolean
finish (MpStore *store, MpPlugin *plugin, const char *command, const char * const *files, guint n_files,
        const MpServiceRunOptions *o, Report *r, gboolean ok, GError *local, JsonNode **object, GError **error)
{
  g_autoptr(GError) failed = local;
  g_autoptr(JsonNode) status = NULL;
  g_autoptr(GError) status_error = NULL;

  *object = NULL;
  if (!ok && r->lines->len == 0 && r->events->len == 0)
    {
      g_propagate_error (error, g_steal_pointer (&failed));
      return FALSE;
    }
  status = mp_service_status_to_json (store, plugin, &status_error);
  if (status == NULL && ok)
    {
      g_propagate_error (error, g_steal_pointer (&status_error));
      return FALSE;
    }
  *object = build_object (plugin, command, files, n_files, o->dry_run, r,
                          status != NULL ? json_node_get_object (status) : NULL, status_error, failed);
  if (!ok)
    {
      g_propagate_error (error, g_steal_pointer (&failed));
      return FALSE;
    }
  return TRUE;
}

/**
 * mp_service_run_apply_json:
 * @store: the store
 * @plugin: the service
 * @options: how to run; its @log and @report are not called, the lines
 *   and outcomes go to the object
 * @files: the files, as for mp_service_run_certs()
 * @n_files: their number
 * @object: (out) (transfer full) (nullable): the run as one object:
 *   "service", "command", "files", "dry_run", "verdict" ("applied",
 *   "dry-run", "refused" or "failed"), "lines" ({"kind", "text"}), "steps"
 *   ({"step", "outcome", "message"}, outcome "ok", "failed", "rolled-back"
 *   or "would-run"), "probe", "rollback", "live_dir", "applied" (as
 *   mp_service_status_to_json() lists it; both null when the status could
 *   not be read after a failed run), "status_error" (null, or {"name",
 *   "message"}: why it could not) and "error" ({"name", "message"})
 * @error: return location for a #GError
 *
 * mp_service_run_apply(), told as one object.  When the run fails, @error
 * is set and @object holds the run too, unless it failed before its first
 * line (a missing file, a busy lock).
 *
 * Returns: %TRUE on success
 */
gboolean
mp_service_run_apply_json (MpStore *store, MpPlugin *plugin, const MpServiceRunOptions *options,
                           const char * const *files, guint n_files, JsonNode **object, GError **error)
{
  g_auto(Report) r = { 0 };
  MpServiceRunOptions kept = keeping_options (options, &r);
  GError *local = NULL;
  gboolean ok = mp_service_run_apply (store, plugin, &kept, files, n_files, &local);

  return finish (store, plugin, "apply", files, n_files, options, &r, ok, local, object, error);
}

/**
 * mp_service_run_rollback_json:
 * @store: the store
 * @plugin: the service
 * @options: how to run, as for mp_service_run_apply_json()
 * @object: (out) (transfer full) (nullable): the run as one object, as
 *   mp_service_run_apply_json() makes it; "files" is empty
 * @error: return location for a #GError
 *
 * mp_service_run_rollback(), told as one object.
 *
 * Returns: %TRUE on success
 */
gboolean
mp_service_run_rollback_json (MpStore *store, MpPlugin *plugin, const MpServiceRunOptions *options,
                              JsonNode **object, GError **error)
{
  g_auto(Report) r = { 0 };
  MpServiceRunOptions kept = keeping_options (options, &r);
  GError *local = NULL;
  gboolean ok = mp_service_run_rollback (store, plugin, &kept, &local);

  return finish (store, plugin, "rollback", NULL, 0, options, &r, ok, local, object, error);
}

/**
 * mp_service_run_certs_json:
 * @store: the store
 * @plugin: the service
 * @options: how to run, as for mp_service_run_apply_json()
 * @cluster: %TRUE for `database cluster certs`
 * @files: the files, as for mp_service_run_certs()
 * @n_files: their number
 * @object: (out) (transfer full) (nullable): the run as one object, as
 *   mp_service_run_apply_json() makes it; "command" is "certs" or
 *   "cluster certs", "steps" the one certs step
 * @error: return location for a #GError
 *
 * mp_service_run_certs(), told as one object.
 *
 * Returns: %TRUE on success
 */
gboolean
mp_service_run_certs_json (MpStore *store, MpPlugin *plugin, const MpServiceRunOptions *options, gboolean cluster,
                           const char * const *files, guint n_files, JsonNode **object, GError **error)
{
  g_auto(Report) r = { 0 };
  MpServiceRunOptions kept = keeping_options (options, &r);
  GError *local = NULL;
  gboolean ok = mp_service_run_certs (store, plugin, &kept, cluster, files, n_files, &local);

  return finish (store, plugin, cluster ? "cluster certs" : "certs", files, n_files, options, &r, ok, local, object,
                 error);
}
