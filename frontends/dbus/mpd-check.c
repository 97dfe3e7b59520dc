/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Manager1.Check and the periodic check: `meetpki check` over every
 * configured service, in a worker thread (the method's, or a GTask's for
 * the timer), never in the main loop.  each check ends with CheckFinished;
 * the periodic one also names each live certificate file that expires
 * within --warn-days with CertificateExpiring.
 */
#include "config.h"

#include "mpd.h"
#include "mpd-daemon.h"

typedef struct {
  GVariant *result;
  GPtrArray *expiring; /* MpExpiring */
} CheckRun;

static void
check_run_free (CheckRun *run)
{
  g_clear_pointer (&run->result, g_variant_unref);
  g_clear_pointer (&run->expiring, g_ptr_array_unref);
  g_free (run);
}

/* any thread: what `check --json` prints, as a variant */
static GVariant *
check_result (MpdDaemon *self, guint warn_days, GError **error)
{
  g_autoptr(GPtrArray) findings = NULL;
  g_auto(GStrv) services = NULL;
  g_autoptr(JsonNode) root = NULL;

  if (self->plugins == NULL)
    {
      g_propagate_error (error, g_error_copy (self->plugins_error));
      return NULL;
    }
  findings = mp_check_services (self->store, self->plugins, warn_days, &services, error);
  if (findings == NULL)
    return NULL;
  root = mp_check_to_json (findings, (const char * const *) services);
  return g_variant_ref_sink (mpd_json_to_variant (root));
}

gboolean
mpd_handle_check (MpdManager1 *skeleton, GDBusMethodInvocation *invocation, GVariant *options, MpdDaemon *self)
{
  static const char * const allowed[] = { "warn-days", NULL };
  static const char * const types[] = { "u" };
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) result = NULL;
  guint warn_days;

  if (!mpd_options_check (options, allowed, types, &error))
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  warn_days = mpd_option_uint (options, "warn-days", self->warn_days);
  if (warn_days > 36500)
    {
      g_set_error_literal (&error, MP_ERROR, MP_ERROR_INVALID_ARGS, "option 'warn-days' takes 0 to 36500 days");
      g_dbus_method_invocation_return_gerror (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  result = check_result (self, warn_days, &error);
  if (result == NULL)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  mpd_manager1_emit_check_finished (skeleton, result);
  mpd_manager1_complete_check (skeleton, invocation, result);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- the periodic check ---- */

static void
periodic_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  MpdDaemon *self = task_data;
  CheckRun *run = g_new0 (CheckRun, 1);
  GError *error = NULL;

  run->result = check_result (self, self->warn_days, &error);
  if (run->result != NULL)
    run->expiring = mp_check_expiring (self->store, self->warn_days, &error);
  if (error != NULL)
    {
      check_run_free (run);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, run, (GDestroyNotify) check_run_free);
}

/* back in the main loop */
static void
periodic_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  MpdDaemon *self = user_data;
  g_autoptr(GError) error = NULL;
  CheckRun *run = g_task_propagate_pointer (G_TASK (res), &error);
  g_autoptr(GHashTable) told = g_hash_table_new (g_str_hash, g_str_equal);

  self->check_running = FALSE;
  if (run == NULL)
    g_warning ("periodic check: %s", error->message);
  else
    {
      mpd_manager1_emit_check_finished (self->skeleton, run->result);
      /* one signal per file, though several services may use it */
      for (guint i = 0; i < run->expiring->len; i++)
        {
          MpExpiring *e = g_ptr_array_index (run->expiring, i);
          if (!g_hash_table_add (told, e->file))
            continue;
          g_message ("%s (%s) expires in %d day%s", e->file, e->service, e->days_left, e->days_left == 1 ? "" : "s");
          mpd_manager1_emit_certificate_expiring (self->skeleton, e->file, e->days_left);
        }
      check_run_free (run);
    }
  g_atomic_int_dec_and_test (&self->in_flight);
}

static gboolean
on_check_timer (gpointer user_data)
{
  MpdDaemon *self = user_data;
  g_autoptr(GTask) task = NULL;

  /* a check that takes longer than the interval is not run twice at once */
  if (self->check_running)
    return G_SOURCE_CONTINUE;
  self->check_running = TRUE;
  /* counted like a call, so mpd_daemon_free() waits for it */
  g_atomic_int_inc (&self->in_flight);
  task = g_task_new (NULL, NULL, periodic_done, self);
  g_task_set_task_data (task, self, NULL);
  g_task_run_in_thread (task, periodic_thread);
  return G_SOURCE_CONTINUE;
}

/* the first check soon after start, then one per interval */
static gboolean
on_first_check (gpointer user_data)
{
  MpdDaemon *self = user_data;

  on_check_timer (self);
  self->check_timer = g_timeout_add_seconds (self->check_interval, on_check_timer, self);
  return G_SOURCE_REMOVE;
}

/**
 * mpd_daemon_set_check:
 * @self: the daemon, not yet exported
 * @interval: seconds between periodic checks; 0: none
 * @warn_days: certificates with this many days left or fewer are warnings
 *   and CertificateExpiring; also Check's default
 */
void
mpd_daemon_set_check (MpdDaemon *self, guint interval, guint warn_days)
{
  self->check_interval = interval;
  self->warn_days = warn_days;
}

void
mpd_daemon_start_periodic_check (MpdDaemon *self)
{
  if (self->check_interval == 0 || self->check_timer != 0)
    return;
  self->check_timer = g_timeout_add_seconds (MIN (self->check_interval, MPD_FIRST_CHECK_DELAY), on_first_check, self);
}

void
mpd_daemon_stop_periodic_check (MpdDaemon *self)
{
  if (self->check_timer != 0)
    g_source_remove (self->check_timer);
  self->check_timer = 0;
}
