/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the apply guard: after the backend acts on a service that runs, probe
 * what its daemon serves (retrying for a few seconds while it restarts).
 * when a backend command or the probe fails, put the previous set back
 * through the whole sequence, probe again, and say both outcomes in one
 * error: rolled back, or the rollback failed too.  one command, one
 * rollback.  the cli and the d-bus daemon both come through here.
 */
#include "config.h"

#include "mp-private.h"
#include "meetpki/mp-apply.h"
#include "meetpki/mp-probe.h"

/* how long a restarting daemon may take to serve the new files */
#define MP_PROBE_RETRY_SECONDS 5
#define MP_PROBE_RETRY_PAUSE_MS 250

static void
log_line (MpApplyContext *ctx, MpLineKind kind, const char *text)
{
  if (ctx->log != NULL)
    ctx->log (kind, text, ctx->user_data);
}

/**
 * mp_validation_new_for_set:
 * @desc: the service
 * @store: the store
 * @files: (element-type MpAppliedFile): an applied or known-good set
 * @facts: the node facts
 * @error: return location for a #GError
 *
 * Reads a recorded set again from its sources and validates it; a source
 * that changed since it was applied is refused (%MP_ERROR_VERIFY_FAILED).
 *
 * Returns: (transfer full): the validation, run; %NULL on error
 */
MpValidation *
mp_validation_new_for_set (const MpPluginDescriptor *desc, MpStore *store, GPtrArray *files,
                           const MpNodeFacts *facts, GError **error)
{
  g_autoptr(GPtrArray) sources = g_ptr_array_new ();
  MpValidation *v;

  for (guint i = 0; i < files->len; i++)
    {
      MpAppliedFile *f = g_ptr_array_index (files, i);
      g_autofree char *path = mp_store_resolve_input (store, f->source, error);
      g_autoptr(GBytes) data = path != NULL ? mp_file_read (path, error) : NULL;
      g_autofree char *sha = data != NULL ? mp_sha256_hex (data) : NULL;

      if (sha == NULL)
        {
          g_prefix_error (error, "the previous %s: ", f->role);
          return NULL;
        }
      if (g_strcmp0 (sha, f->sha256) != 0)
        {
          g_set_error (error, MP_ERROR, MP_ERROR_VERIFY_FAILED,
                       "%s changed since it was applied; it is no longer the known-good file", f->source);
          return NULL;
        }
      g_ptr_array_add (sources, f->source);
    }
  v = mp_validation_new_for_args (desc, store, (const char * const *) sources->pdata, sources->len, error);
  if (v != NULL)
    mp_validation_run (v, desc, facts, MP_APPLY_DEFAULT_WARN_DAYS);
  return v;
}

/* the probe, again until it passes or the time is up */
static gboolean
probe_until_good (MpApplyContext *ctx, const MpEndpoint *ep, GError **error)
{
  const MpPluginDescriptor *desc = mp_plugin_get_descriptor (ctx->plugin);
  gint64 deadline = g_get_monotonic_time () + MP_PROBE_RETRY_SECONDS * G_USEC_PER_SEC;
  g_autoptr(MpProbe) p = NULL;
  g_autoptr(GError) last = NULL;

  for (gboolean said_waiting = FALSE;;)
    {
      g_clear_pointer (&p, mp_probe_free);
      g_clear_error (&last);
      p = mp_probe_service (desc, ctx->store, ctx->config, ctx->facts, ep, &last);
      if ((p != NULL && p->n_failures == 0) || g_get_monotonic_time () >= deadline)
        break;
      /* a restart takes a moment: say once what is awaited, then wait */
      if (!said_waiting)
        {
          g_autofree char *why = p != NULL ? g_strdup_printf ("%u check%s failed", p->n_failures,
                                                              p->n_failures == 1 ? "" : "s")
                                           : g_strdup (last->message);
          g_autofree char *text = g_strdup_printf ("probe %s: not serving the applied files yet (%s); "
                                                   "trying again for up to %d s",
                                                   ep->address, why, MP_PROBE_RETRY_SECONDS);
          log_line (ctx, MP_LINE_NOTE, text);
          said_waiting = TRUE;
        }
      g_usleep (MP_PROBE_RETRY_PAUSE_MS * 1000);
    }
  if (p == NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&last), "%s probe: ", desc->name);
      return FALSE;
    }
  for (guint i = 0; i < p->lines->len; i++)
    {
      const MpLine *l = g_ptr_array_index (p->lines, i);
      g_autofree char *text = g_strdup_printf ("probe %s: %s", p->address, l->text);
      log_line (ctx, l->kind, text);
    }
  if (p->n_failures > 0)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_PROBE_FAILED, "%s probe: %u check%s failed at %s",
                   desc->name, p->n_failures, p->n_failures == 1 ? "" : "s", p->address);
      return FALSE;
    }
  return TRUE;
}

/* a running service with an endpoint must serve its applied files */
static gboolean
check_served (MpApplyContext *ctx, GError **error)
{
  const char *name = mp_plugin_get_name (ctx->plugin);
  g_autoptr(MpEndpoint) ep = mp_service_config_get_endpoint (ctx->config, name);
  g_autoptr(GError) local = NULL;
  MpStepReport report = { .kind = MP_STEP_REPORT_PROBE, .rollback = ctx->rolling_back };
  gboolean ok;

  if (ep == NULL || !mp_service_config_get_enabled (ctx->config, name))
    return TRUE;
  ok = probe_until_good (ctx, ep, &local);
  report.address = ep->address;
  report.error = local;
  if (ctx->report != NULL)
    ctx->report (&report, ctx->user_data);
  if (!ok)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  return TRUE;
}

/* the rollback's end, for --json */
static void
report_rollback (MpApplyContext *ctx, const GError *error)
{
  MpStepReport report = { .kind = MP_STEP_REPORT_ROLLBACK, .rollback = TRUE, .error = error };

  if (ctx->report != NULL)
    ctx->report (&report, ctx->user_data);
}

static gboolean
run_steps (MpApplyContext *ctx, const MpPluginStepKind *steps, guint n_steps,
           MpValidation *validation, GError **error)
{
  if (steps == NULL)
    return mp_apply_sequence (ctx, validation, error);
  for (guint i = 0; i < n_steps; i++)
    {
      if (!mp_apply_step (ctx, steps[i], validation, error))
        return FALSE;
    }
  return TRUE;
}

/* what a rollback answers: the daemon failed, not the input */
static gboolean
is_runtime_failure (const GError *error)
{
  return g_error_matches (error, MP_ERROR, MP_ERROR_BACKEND_FAILED) ||
         g_error_matches (error, MP_ERROR, MP_ERROR_PROBE_FAILED) ||
         g_error_matches (error, MP_ERROR, MP_ERROR_CONNECT_FAILED);
}

/* whether two recorded sets name the same files with the same contents */
static gboolean
same_set (GPtrArray *a, GPtrArray *b)
{
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    {
      MpAppliedFile *x = g_ptr_array_index (a, i);
      MpAppliedFile *y = g_ptr_array_index (b, i);

      if (g_strcmp0 (x->role, y->role) != 0 || g_strcmp0 (x->source, y->source) != 0 ||
          g_strcmp0 (x->sha256, y->sha256) != 0)
        return FALSE;
    }
  return TRUE;
}

static gboolean
roll_back (MpApplyContext *ctx, GPtrArray *previous, GPtrArray *good, const char *good_form, GError **error)
{
  const MpPluginDescriptor *desc = mp_plugin_get_descriptor (ctx->plugin);
  g_autoptr(MpValidation) v = mp_validation_new_for_set (desc, ctx->store, previous, ctx->facts, error);
  g_autoptr(GPtrArray) failed = mp_service_config_get_applied (ctx->config, desc->name, FALSE);

  if (v == NULL)
    return FALSE;
  if (!mp_apply_sequence (ctx, v, error))
    {
      g_autoptr(GPtrArray) now_good = mp_service_config_get_applied (ctx->config, desc->name, TRUE);

      /* the rollback's certs step made the failed set the known-good
       * one before a later step failed too: it is none (the rollback's
       * own failure is the error reported, also if this save fails) */
      if (same_set (now_good, failed))
        {
          mp_service_config_set_good (ctx->config, desc->name, good_form, good);
          mp_service_config_save (ctx->config, NULL);
        }
      return FALSE;
    }
  /* the failed set is no known-good one: keep the one from before */
  mp_service_config_set_good (ctx->config, desc->name, good_form, good);
  if (!mp_service_config_save (ctx->config, error))
    return FALSE;
  return check_served (ctx, error);
}

/**
 * mp_apply_steps_probed:
 * @ctx: the context
 * @steps: (nullable) (array length=n_steps): the steps; %NULL: the
 *   plugin's whole sequence
 * @n_steps: their number
 * @validation: (nullable): the validated files for a certs step
 * @error: return location for a #GError
 *
 * Runs the steps, then, when the service ends enabled and has an endpoint,
 * probes it.  When a backend command or the probe fails and an applied set
 * existed before, that set goes back through the whole sequence and is
 * probed again: the error is then %MP_ERROR_ROLLED_BACK (the previous files
 * are in place and served) or %MP_ERROR_ROLLBACK_FAILED, its message naming
 * both outcomes.  Without a previous set the first error is returned.
 *
 * Returns: %TRUE when the steps and the probe succeeded
 */
gboolean
mp_apply_steps_probed (MpApplyContext *ctx, const MpPluginStepKind *steps, guint n_steps,
                       MpValidation *validation, GError **error)
{
  const char *name = mp_plugin_get_name (ctx->plugin);
  g_autoptr(GPtrArray) previous = mp_service_config_get_applied (ctx->config, name, FALSE);
  g_autoptr(GPtrArray) good = mp_service_config_get_applied (ctx->config, name, TRUE);
  g_autofree char *good_form = mp_service_config_get_string (ctx->config, name, "good-form");
  g_autoptr(GError) first = NULL;
  g_autoptr(GError) second = NULL;
  gboolean ok;

  if (ctx->dry_run)
    return run_steps (ctx, steps, n_steps, validation, error);
  if (run_steps (ctx, steps, n_steps, validation, &first) && check_served (ctx, &first))
    return TRUE;
  if (!is_runtime_failure (first) || previous->len == 0)
    {
      g_propagate_error (error, g_steal_pointer (&first));
      return FALSE;
    }
  {
    g_autofree char *text = g_strdup_printf ("%s; rolling back to the previous files", first->message);
    log_line (ctx, MP_LINE_FAILURE, text);
  }
  ctx->rolling_back = TRUE;
  ok = roll_back (ctx, previous, good, good_form, &second);
  ctx->rolling_back = FALSE;
  report_rollback (ctx, second);
  if (!ok)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_ROLLBACK_FAILED, "%s; the rollback failed too: %s",
                   first->message, second->message);
      return FALSE;
    }
  log_line (ctx, MP_LINE_SUCCESS, "rolled back: the previous files are in place again");
  g_set_error (error, MP_ERROR, MP_ERROR_ROLLED_BACK, "%s; rolled back to the previous files", first->message);
  return FALSE;
}
