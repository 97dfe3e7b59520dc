/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the step runner: disable, certs, enable, restart, cluster remove and
 * cluster initialize/join/connect, each recorded in the service
 * configuration and, with the exec backend, run as the configured command.
 * a plugin's sequence is data; this file only walks it.
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mp-private.h"
#include "meetpki/mp-apply.h"
#include "meetpki/mp-trust.h"

static void logf_ (MpApplyContext *ctx, MpLineKind kind, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static void
logf_ (MpApplyContext *ctx, MpLineKind kind, const char *fmt, ...)
{
  g_autofree char *text = NULL;
  va_list ap;

  va_start (ap, fmt);
  text = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  if (ctx->log != NULL)
    ctx->log (kind, text, ctx->user_data);
}

static const char *
name_of (MpApplyContext *ctx)
{
  return mp_plugin_get_descriptor (ctx->plugin)->name;
}

/* initialize, join or connect, and the primary, from the command or the
 * node facts */
static gboolean
cluster_verb (MpApplyContext *ctx, const char **verb, const char **primary, GError **error)
{
  const char *role = ctx->facts != NULL ? ctx->facts->database_role : NULL;

  *primary = ctx->cluster_primary != NULL ? ctx->cluster_primary
                                          : ctx->facts != NULL ? ctx->facts->database_primary : NULL;
  if (ctx->cluster_verb != NULL)
    *verb = ctx->cluster_verb;
  else if (g_strcmp0 (role, "primary") == 0)
    *verb = "initialize";
  else if (g_strcmp0 (role, "joined") == 0)
    *verb = "join";
  else if (g_strcmp0 (role, "connected") == 0)
    *verb = "connect";
  else
    {
      g_set_error_literal (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                           "database-role is not set; run 'meetpki node set database-role primary|joined|connected'");
      return FALSE;
    }
  if (!g_str_equal (*verb, "initialize") && *primary == NULL)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                   "cluster %s needs the primary; run 'meetpki node set database-primary <fqdn>'", *verb);
      return FALSE;
    }
  return TRUE;
}

/**
 * mp_apply_describe_step:
 * @ctx: the context
 * @step: a step
 *
 * Returns: (transfer full): the step as the vendor's command, and the
 * command the exec backend would run
 */
char *
mp_apply_describe_step (MpApplyContext *ctx, MpPluginStepKind step)
{
  const char *name = name_of (ctx);
  g_autofree char *cmd = mp_service_config_get_command (ctx->config, name, step);
  g_autofree char *words = NULL;

  if (step == MP_STEP_CLUSTER_INIT_JOIN_CONNECT)
    {
      const char *verb = NULL, *primary = NULL;
      if (cluster_verb (ctx, &verb, &primary, NULL))
        words = g_strdup_printf ("%s cluster %s%s%s", name, verb, g_str_equal (verb, "initialize") ? "" : " ",
                                 g_str_equal (verb, "initialize") ? "" : primary);
      else
        words = g_strdup_printf ("%s cluster initialize|join|connect (database-role not set)", name);
    }
  else if (step == MP_STEP_CERTS && mp_plugin_get_descriptor (ctx->plugin)->sequence[0] == MP_STEP_CLUSTER_REMOVE)
    words = g_strdup_printf ("%s cluster certs", name);
  else
    words = g_strdup_printf ("%s %s", name, mp_plugin_step_kind_to_string (step));
  if (cmd != NULL)
    return g_strdup_printf ("%s (exec: %s)", words, cmd);
  return g_steal_pointer (&words);
}

static void
remove_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *n;

  while (d != NULL && (n = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (dir, n, NULL);
      unlink (p);
    }
  rmdir (dir);
}

/* the trust stores installed by `<service> ... trust` are no part of a
 * certificate set: the new set keeps them */
static gboolean
stage_trust_files (MpApplyContext *ctx, const char *dir, const char *stage, GError **error)
{
  const MpPluginDescriptor *desc = mp_plugin_get_descriptor (ctx->plugin);

  for (guint32 i = 0; i < desc->n_trust_stores; i++)
    {
      g_autofree char *name = mp_trust_live_name (desc->trust_stores[i].name);
      g_autofree char *from = g_build_filename (dir, name, NULL);
      g_autofree char *to = g_build_filename (stage, name, NULL);
      g_autoptr(GBytes) data = NULL;
      gsize len = 0;
      const void *bytes;

      if (!g_file_test (from, G_FILE_TEST_EXISTS))
        continue;
      data = mp_file_read (from, error);
      if (data == NULL)
        return FALSE;
      bytes = g_bytes_get_data (data, &len);
      if (!mp_file_write_atomic (to, bytes, len, MP_WRITE_NONE, error))
        return FALSE;
    }
  return TRUE;
}

/* the live files, all replaced at once: staged in a sibling directory that
 * is then exchanged with the live one */
static gboolean
install_live_held (MpApplyContext *ctx, MpValidation *v, GError **error)
{
  g_autofree char *parent = g_build_filename (mp_store_get_path (ctx->store), MP_SERVICES_DIR, NULL);
  g_autofree char *dir = mp_service_live_dir (ctx->store, name_of (ctx));
  g_autofree char *stage_name = g_strdup_printf (".%s.new.%d", name_of (ctx), (int) getpid ());
  g_autofree char *stage = g_build_filename (parent, stage_name, NULL);
  int fd;

  /* a stage left by a killed command goes first */
  remove_dir (stage);
  if (!mp_store_ensure_dir (ctx->store, error))
    return FALSE;
  if (g_mkdir_with_parents (parent, 0700) != 0 || g_mkdir (stage, 0700) != 0)
    {
      int errsv = errno;
      g_set_error (error, MP_ERROR, MP_ERROR_IO, "cannot create %s: %s", stage, g_strerror (errsv));
      return FALSE;
    }
  if (!stage_trust_files (ctx, dir, stage, error))
    {
      remove_dir (stage);
      return FALSE;
    }
  for (guint i = 0; i < v->live->len; i++)
    {
      MpLiveFile *f = g_ptr_array_index (v->live, i);
      g_autofree char *path = g_build_filename (stage, f->name, NULL);
      gsize len = 0;
      const void *data = g_bytes_get_data (f->data, &len);

      if (!mp_file_write_atomic (path, data, len, f->private_key ? MP_WRITE_PRIVATE : MP_WRITE_NONE, error))
        {
          remove_dir (stage);
          return FALSE;
        }
    }
  if (g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      if (renameat2 (AT_FDCWD, stage, AT_FDCWD, dir, RENAME_EXCHANGE) != 0)
        {
          int errsv = errno;
          remove_dir (stage);
          g_set_error (error, MP_ERROR, MP_ERROR_IO, "cannot replace %s: %s", dir, g_strerror (errsv));
          return FALSE;
        }
      remove_dir (stage); /* now the old files */
    }
  else if (rename (stage, dir) != 0)
    {
      int errsv = errno;
      remove_dir (stage);
      g_set_error (error, MP_ERROR, MP_ERROR_IO, "cannot create %s: %s", dir, g_strerror (errsv));
      return FALSE;
    }
  fd = open (parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0)
    {
      fsync (fd);
      close (fd);
    }
  return TRUE;
}

/* a Ctrl-C while the stage exists would leave it, keys and all */
static gboolean
install_live (MpApplyContext *ctx, MpValidation *v, GError **error)
{
  gboolean ok;

  mp_signals_hold ();
  ok = install_live_held (ctx, v, error);
  mp_signals_release ();
  return ok;
}

static void
setenv_file (GStrv *envp, const char *var, const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    *envp = g_environ_setenv (*envp, var, path, TRUE);
}

/* the exec backend: the step's command, with the live files in the
 * environment; stdout and stderr are the caller's */
static gboolean
run_exec (MpApplyContext *ctx, MpPluginStepKind step, GError **error)
{
  const char *name = name_of (ctx);
  const MpPluginDescriptor *desc = mp_plugin_get_descriptor (ctx->plugin);
  g_autofree char *cmd = mp_service_config_get_command (ctx->config, name, step);
  g_autofree char *dir = mp_service_live_dir (ctx->store, name);
  g_auto(GStrv) envp = NULL;
  g_autoptr(GError) local = NULL;
  const char *argv[] = { "/bin/sh", "-c", NULL, NULL };
  int status = 0;

  if (cmd == NULL)
    return TRUE;
  /* MEETPKI_STORE names a directory that is there, even for a step that
   * runs before any file is placed (cluster-remove, first in the database
   * sequence) in a store a library caller opened deferred */
  if (!mp_store_ensure_dir (ctx->store, error))
    return FALSE;
  envp = g_get_environ ();
  envp = g_environ_setenv (envp, "MEETPKI_SERVICE", name, TRUE);
  envp = g_environ_setenv (envp, "MEETPKI_STEP", mp_step_config_key (step), TRUE);
  envp = g_environ_setenv (envp, "MEETPKI_STORE", mp_store_get_path (ctx->store), TRUE);
  envp = g_environ_setenv (envp, "MEETPKI_LIVE_DIR", dir, TRUE);
  for (guint32 i = 0; i < desc->n_roles; i++)
    {
      g_autofree char *var = g_ascii_strup (desc->roles[i].name, -1);
      g_autofree char *file = g_strconcat (desc->roles[i].name, ".pem", NULL);
      g_autofree char *full = NULL;

      g_strdelimit (var, "-", '_');
      full = g_strconcat ("MEETPKI_FILE_", var, NULL);
      setenv_file (&envp, full, dir, file);
      if (desc->roles[i].kind == MP_ROLE_KEY && g_environ_getenv (envp, "MEETPKI_KEY") == NULL)
        setenv_file (&envp, "MEETPKI_KEY", dir, file);
      if (desc->roles[i].kind == MP_ROLE_CERTIFICATE && g_environ_getenv (envp, "MEETPKI_CERT") == NULL)
        setenv_file (&envp, "MEETPKI_CERT", dir, file);
    }
  setenv_file (&envp, "MEETPKI_CERT", dir, "cert.pem");
  setenv_file (&envp, "MEETPKI_CHAIN", dir, "chain.pem");
  for (guint32 i = 0; i < desc->n_trust_stores; i++)
    {
      g_autofree char *var = mp_trust_env_name (desc->trust_stores[i].name);
      g_autofree char *file = mp_trust_live_name (desc->trust_stores[i].name);

      setenv_file (&envp, var, dir, file);
    }
  if (step == MP_STEP_CLUSTER_INIT_JOIN_CONNECT)
    {
      const char *verb = NULL, *primary = NULL;
      if (cluster_verb (ctx, &verb, &primary, NULL))
        {
          envp = g_environ_setenv (envp, "MEETPKI_CLUSTER_VERB", verb, TRUE);
          if (primary != NULL)
            envp = g_environ_setenv (envp, "MEETPKI_CLUSTER_PRIMARY", primary, TRUE);
        }
    }
  argv[2] = cmd;
  fflush (stdout);
  if (!g_spawn_sync (NULL, (char **) argv, envp, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, &status, &local) ||
      !g_spawn_check_wait_status (status, &local))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_BACKEND_FAILED, "%s %s: the exec backend's command failed (%s): %s",
                   name, mp_plugin_step_kind_to_string (step), cmd, local->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
save (MpApplyContext *ctx, GError **error)
{
  return mp_service_config_save (ctx->config, error);
}

static void
log_lines (MpApplyContext *ctx, MpValidation *v)
{
  for (guint i = 0; i < v->lines->len; i++)
    {
      MpLine *l = g_ptr_array_index (v->lines, i);
      if (ctx->log != NULL)
        ctx->log (l->kind, l->text, ctx->user_data);
    }
}

static gboolean
refused (MpValidation *v, const char *what, GError **error)
{
  guint n = v != NULL ? v->n_failures : 0;

  if (n == 0)
    g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "%s: no validated files to apply", what);
  else
    g_set_error (error, MP_ERROR, MP_ERROR_VERIFY_FAILED, "%s: %u check%s failed; nothing was changed",
                 what, n, n == 1 ? "" : "s");
  return FALSE;
}

/* places the validated files and records them as the applied set */
static gboolean
apply_certs (MpApplyContext *ctx, MpValidation *v, GError **error)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify) mp_applied_file_free);

  if (v == NULL || v->n_failures > 0)
    return refused (v, name_of (ctx), error);
  if (!install_live (ctx, v, error))
    return FALSE;
  for (guint i = 0; i < v->inputs->len; i++)
    {
      MpServiceInput *in = g_ptr_array_index (v->inputs, i);
      MpAppliedFile *f = g_new0 (MpAppliedFile, 1);

      f->role = g_strdup (in->role);
      f->source = g_strdup (in->source);
      f->sha256 = mp_sha256_hex (in->data);
      for (guint k = 0; k < v->live->len; k++)
        {
          MpLiveFile *l = g_ptr_array_index (v->live, k);
          if (g_strcmp0 (l->role, in->role) == 0)
            f->live = g_strdup (l->name);
        }
      g_ptr_array_add (files, f);
    }
  mp_service_config_set_applied (ctx->config, name_of (ctx), v->form->name, files);
  return TRUE;
}

/* a file replaced under its applied name (the vendor's renewal of an
 * expired certificate) is taken on restart, when it validates */
static gboolean
take_changed_sources (MpApplyContext *ctx, GError **error)
{
  const char *name = name_of (ctx);
  g_autoptr(GPtrArray) applied = mp_service_config_get_applied (ctx->config, name, FALSE);
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(MpValidation) v = NULL;
  gboolean changed = FALSE;

  for (guint i = 0; i < applied->len; i++)
    {
      MpAppliedFile *f = g_ptr_array_index (applied, i);
      g_autofree char *path = f->source != NULL ? mp_store_resolve_input (ctx->store, f->source, NULL) : NULL;
      g_autoptr(GBytes) data = path != NULL ? mp_file_read (path, NULL) : NULL;
      g_autofree char *sha = data != NULL ? mp_sha256_hex (data) : NULL;

      if (sha != NULL && g_strcmp0 (sha, f->sha256) != 0)
        changed = TRUE;
      g_ptr_array_add (args, f->source);
    }
  if (!changed)
    return TRUE;
  logf_ (ctx, MP_LINE_NOTE, "%s: the applied files changed since they were applied; checking them", name);
  v = mp_validation_new_for_args (mp_plugin_get_descriptor (ctx->plugin), ctx->store,
                                  (const char * const *) args->pdata, args->len, error);
  if (v == NULL)
    return FALSE;
  mp_validation_run (v, mp_plugin_get_descriptor (ctx->plugin), ctx->facts, MP_APPLY_DEFAULT_WARN_DAYS);
  log_lines (ctx, v);
  if (v->n_failures > 0)
    return refused (v, name, error);
  return apply_certs (ctx, v, error);
}

static gboolean
step_enable (MpApplyContext *ctx, GError **error)
{
  const MpPluginDescriptor *desc = mp_plugin_get_descriptor (ctx->plugin);
  g_autoptr(MpValidation) v = NULL;

  if (!take_changed_sources (ctx, error))
    return FALSE;
  v = mp_validation_new_for_live (desc, ctx->store, ctx->config, error);
  if (v == NULL)
    return FALSE;
  mp_validation_run (v, desc, ctx->facts, MP_APPLY_DEFAULT_WARN_DAYS);
  log_lines (ctx, v);
  if (v->n_failures > 0)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_VERIFY_FAILED, "%s not enabled: %u check%s failed",
                   desc->name, v->n_failures, v->n_failures == 1 ? "" : "s");
      return FALSE;
    }
  if (!run_exec (ctx, MP_STEP_ENABLE, error))
    return FALSE;
  mp_service_config_set_enabled (ctx->config, desc->name, TRUE);
  if (!save (ctx, error))
    return FALSE;
  logf_ (ctx, MP_LINE_SUCCESS, "%s enabled", desc->name);
  return TRUE;
}

static gboolean
step_cluster_remove (MpApplyContext *ctx, GError **error)
{
  const char *name = name_of (ctx);
  g_autofree char *state = mp_service_config_get_string (ctx->config, name, "cluster-state");

  if (state == NULL || g_str_equal (state, "none"))
    {
      if (!run_exec (ctx, MP_STEP_CLUSTER_REMOVE, error))
        return FALSE;
      logf_ (ctx, MP_LINE_NOTE, "This node is in no database cluster; nothing to remove");
      return TRUE;
    }
  if (!ctx->assume_yes)
    {
      g_autofree char *q = g_strdup_printf ("This node is a %s member of the database cluster. Remove it? "
                                            "Type an uppercase Y to confirm: ", state);
      if (ctx->confirm == NULL || !ctx->confirm (q, ctx->user_data))
        {
          g_set_error_literal (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                               "not confirmed (an uppercase Y, or --yes); the node stays in the cluster");
          return FALSE;
        }
    }
  if (!run_exec (ctx, MP_STEP_CLUSTER_REMOVE, error))
    return FALSE;
  mp_service_config_set_string (ctx->config, name, "cluster-state", "none");
  mp_service_config_set_string (ctx->config, name, "cluster-primary", NULL);
  if (!save (ctx, error))
    return FALSE;
  logf_ (ctx, MP_LINE_SUCCESS, "removed this node from the database cluster (it was %s)", state);
  return TRUE;
}

static gboolean
step_cluster_setup (MpApplyContext *ctx, GError **error)
{
  const char *name = name_of (ctx);
  g_autofree char *state = mp_service_config_get_string (ctx->config, name, "cluster-state");
  g_autofree char *form = mp_service_config_get_form (ctx->config, name);
  const char *verb = NULL, *primary = NULL;
  const char *new_state;

  if (!cluster_verb (ctx, &verb, &primary, error))
    return FALSE;
  if (form == NULL)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_NOT_FOUND,
                   "no database certificates are applied; run 'meetpki %s cluster certs ...' first", name);
      return FALSE;
    }
  if (!g_str_equal (verb, "connect") && g_str_equal (form, "connect"))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                   "cluster %s needs the server certificate; this node has the 3-file (connect) set only", verb);
      return FALSE;
    }
  if (state != NULL && !g_str_equal (state, "none"))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_EXISTS,
                   "this node is already in a database cluster (%s); run 'meetpki %s cluster remove' first", state, name);
      return FALSE;
    }
  if (!run_exec (ctx, MP_STEP_CLUSTER_INIT_JOIN_CONNECT, error))
    return FALSE;
  new_state = g_str_equal (verb, "initialize") ? "primary" : g_str_equal (verb, "join") ? "joined" : "connected";
  mp_service_config_set_string (ctx->config, name, "cluster-state", new_state);
  mp_service_config_set_string (ctx->config, name, "cluster-primary", g_str_equal (verb, "initialize") ? NULL : primary);
  mp_service_config_set_enabled (ctx->config, name, TRUE);
  if (!save (ctx, error))
    return FALSE;
  if (g_str_equal (verb, "initialize"))
    logf_ (ctx, MP_LINE_SUCCESS, "database cluster initialized; this node is the primary");
  else if (g_str_equal (verb, "join"))
    logf_ (ctx, MP_LINE_SUCCESS, "joined the database cluster of %s", primary);
  else
    logf_ (ctx, MP_LINE_SUCCESS, "connected to the database cluster of %s", primary);
  return TRUE;
}

/* one step, said to the log; mp_apply_step() also reports its outcome */
static gboolean
run_step (MpApplyContext *ctx, MpPluginStepKind step, MpValidation *validation, GError **error)
{
  const char *name = name_of (ctx);

  if (ctx->dry_run)
    {
      g_autofree char *what = mp_apply_describe_step (ctx, step);
      logf_ (ctx, MP_LINE_NOTE, "would run: %s", what);
      return TRUE;
    }
  switch (step)
    {
    case MP_STEP_DISABLE:
      if (!run_exec (ctx, step, error))
        return FALSE;
      mp_service_config_set_enabled (ctx->config, name, FALSE);
      if (!save (ctx, error))
        return FALSE;
      logf_ (ctx, MP_LINE_SUCCESS, "%s disabled", name);
      return TRUE;
    case MP_STEP_CERTS:
      {
        g_autofree char *state = mp_service_config_get_string (ctx->config, name, "cluster-state");
        /* the seed's order is remove, certs, then initialize/join/connect */
        if (state != NULL && !g_str_equal (state, "none"))
          logf_ (ctx, MP_LINE_WARNING, "this node is in the database cluster (%s); the new certificates are used "
                 "after 'cluster remove' and initialize, join or connect", state);
      }
      if (!apply_certs (ctx, validation, error) || !run_exec (ctx, step, error) || !save (ctx, error))
        return FALSE;
      {
        g_autofree char *dir = mp_service_live_dir (ctx->store, name);
        logf_ (ctx, MP_LINE_SUCCESS, "%s certificates applied (live files in %s)", name, dir);
      }
      return TRUE;
    case MP_STEP_ENABLE:
      return step_enable (ctx, error);
    case MP_STEP_RESTART:
      if (!take_changed_sources (ctx, error) || !run_exec (ctx, step, error))
        return FALSE;
      if (!mp_service_config_has_applied (ctx->config, name))
        logf_ (ctx, MP_LINE_WARNING, "%s has no certificates applied yet", name);
      mp_service_config_set_enabled (ctx->config, name, TRUE);
      if (!save (ctx, error))
        return FALSE;
      logf_ (ctx, MP_LINE_SUCCESS, "%s restarted", name);
      return TRUE;
    case MP_STEP_CLUSTER_REMOVE:
      return step_cluster_remove (ctx, error);
    case MP_STEP_CLUSTER_INIT_JOIN_CONNECT:
      return step_cluster_setup (ctx, error);
    default:
      g_set_error (error, MP_ERROR, MP_ERROR_FAILED, "%s: unknown step %d", name, (int) step);
      return FALSE;
    }
}

/**
 * mp_apply_step:
 * @ctx: the context
 * @step: the step
 * @validation: (nullable): for %MP_STEP_CERTS, the validated files (run,
 *   without failures)
 * @error: return location for a #GError
 *
 * Runs one step: records it in the configuration (saved before this
 * returns) and, with the exec backend, runs its command.  With
 * @ctx->dry_run it only says what it would do.  Its outcome goes to
 * @ctx->report.
 *
 * Returns: %TRUE on success
 */
gboolean
mp_apply_step (MpApplyContext *ctx, MpPluginStepKind step, MpValidation *validation, GError **error)
{
  g_autoptr(GError) local = NULL;
  gboolean ok = run_step (ctx, step, validation, &local);
  MpStepReport report = {
    .kind = MP_STEP_REPORT_STEP,
    .step = step,
    .rollback = ctx->rolling_back,
    .dry_run = ctx->dry_run,
    .error = local,
  };

  if (ctx->report != NULL)
    ctx->report (&report, ctx->user_data);
  if (ctx->ran != NULL)
    g_ptr_array_add (ctx->ran, g_strdup_printf ("%s%s", mp_plugin_step_kind_to_string (step), ok ? "" : " (failed)"));
  if (!ok)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  return TRUE;
}

/**
 * mp_apply_sequence:
 * @ctx: the context
 * @validation: the validated files for the certs step
 * @error: return location for a #GError
 *
 * Runs the plugin's apply sequence in order, stopping at the first step
 * that fails.
 *
 * Returns: %TRUE when every step succeeded
 */
gboolean
mp_apply_sequence (MpApplyContext *ctx, MpValidation *validation, GError **error)
{
  const MpPluginDescriptor *desc = mp_plugin_get_descriptor (ctx->plugin);

  if (!ctx->dry_run && (validation == NULL || validation->n_failures > 0))
    return refused (validation, desc->name, error);
  for (guint32 i = 0; i < desc->n_sequence; i++)
    {
      if (!mp_apply_step (ctx, desc->sequence[i], validation, error))
        return FALSE;
    }
  return TRUE;
}
