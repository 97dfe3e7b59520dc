/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the service configuration (services.conf in the store): per service its
 * state, backend, exec commands, the applied files with their fingerprints
 * and the last known-good set.  written atomically under a flock of its own.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "mp-private.h"
#include "meetpki/mp-service.h"
#include "meetpki/mp-service-run.h"

struct _MpServiceConfig {
  MpStore *store;
  GKeyFile *kf;
};

struct _MpServiceLock {
  MpStore *store;
  int fd; /* -1 while the store is not made yet (mp_store_ensure_dir) */
};

static const char * const step_keys[] = {
  [MP_STEP_DISABLE] = "exec-disable",
  [MP_STEP_CERTS] = "exec-certs",
  [MP_STEP_ENABLE] = "exec-enable",
  [MP_STEP_RESTART] = "exec-restart",
  [MP_STEP_CLUSTER_REMOVE] = "exec-cluster-remove",
  [MP_STEP_CLUSTER_INIT_JOIN_CONNECT] = "exec-cluster-setup",
};

/**
 * mp_step_config_key:
 * @step: a step
 *
 * Returns: (transfer none): the step's name in `backend exec <step>=<cmd>`
 * and (with `exec-` in front) in services.conf: disable, certs, enable,
 * restart, cluster-remove, cluster-setup
 */
const char *
mp_step_config_key (MpPluginStepKind step)
{
  if ((guint) step >= G_N_ELEMENTS (step_keys))
    return "unknown";
  return step_keys[step] + strlen ("exec-");
}

const char *
mp_backend_kind_to_string (MpBackendKind kind)
{
  return kind == MP_BACKEND_EXEC ? "exec" : "embedded";
}

void
mp_applied_file_free (MpAppliedFile *file)
{
  if (file == NULL)
    return;
  g_free (file->role);
  g_free (file->source);
  g_free (file->sha256);
  g_free (file->live);
  g_free (file);
}

/**
 * mp_sha256_hex:
 * @data: bytes
 *
 * Returns: (transfer full): the SHA-256 of @data in lower-case hex
 */
char *
mp_sha256_hex (GBytes *data)
{
  return g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, data);
}

/**
 * mp_service_lock:
 * @store: the store
 * @error: return location for a #GError
 *
 * Takes the service lock, waiting for another command that holds it.  The
 * store's own transaction lock is a different file, so a command holding
 * this one may still commit #MpStoreTxn writes.
 *
 * Returns: (transfer full): the lock, or %NULL on error
 */
MpServiceLock *
mp_service_lock (MpStore *store, GError **error)
{
  g_autoptr(GError) local = NULL;
  int fd = mp_store_lock_services (store, &local);
  MpServiceLock *lock;

  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  lock = g_new0 (MpServiceLock, 1);
  lock->store = mp_store_ref (store);
  lock->fd = fd;
  return lock;
}

void
mp_service_unlock (MpServiceLock *lock)
{
  if (lock == NULL)
    return;
  mp_store_unlock_services (lock->store, lock->fd);
  mp_store_unref (lock->store);
  g_free (lock);
}

/**
 * mp_service_config_load:
 * @store: the store
 * @error: return location for a #GError
 *
 * Reads services.conf; a store without it has no configured service.
 *
 * Returns: (transfer full): the configuration, or %NULL on error
 */
MpServiceConfig *
mp_service_config_load (MpStore *store, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  MpServiceConfig *config;

  if (mp_store_contains (store, MP_SERVICES_FILE))
    {
      g_autoptr(GBytes) data = mp_store_read (store, MP_SERVICES_FILE, error);
      g_autoptr(GError) local = NULL;
      gsize len = 0;
      const char *text;

      if (data == NULL)
        return NULL;
      text = g_bytes_get_data (data, &len);
      if (!g_key_file_load_from_data (kf, text != NULL ? text : "", len, G_KEY_FILE_KEEP_COMMENTS, &local))
        {
          g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA, "%s: %s", MP_SERVICES_FILE, local->message);
          return NULL;
        }
    }
  config = g_new0 (MpServiceConfig, 1);
  config->store = mp_store_ref (store);
  config->kf = g_steal_pointer (&kf);
  return config;
}

void
mp_service_config_free (MpServiceConfig *config)
{
  if (config == NULL)
    return;
  g_key_file_free (config->kf);
  mp_store_unref (config->store);
  g_free (config);
}

/**
 * mp_service_config_save:
 *
 * Writes services.conf atomically: a killed command leaves the old or the
 * new configuration, never a mix.
 */
gboolean
mp_service_config_save (MpServiceConfig *config, GError **error)
{
  gsize len = 0;
  g_autofree char *text = g_key_file_to_data (config->kf, &len, NULL);
  g_autoptr(GBytes) bytes = g_bytes_new_take (g_steal_pointer (&text), len);

  return mp_store_write (config->store, MP_SERVICES_FILE, bytes, MP_WRITE_REPLACE, error);
}

/**
 * mp_service_config_get_services:
 *
 * Returns: (transfer full): the services the configuration knows, in file
 * order
 */
GStrv
mp_service_config_get_services (MpServiceConfig *config)
{
  return g_key_file_get_groups (config->kf, NULL);
}

gboolean
mp_service_config_has_applied (MpServiceConfig *config, const char *service)
{
  return g_key_file_has_key (config->kf, service, "applied", NULL);
}

gboolean
mp_service_config_get_enabled (MpServiceConfig *config, const char *service)
{
  g_autofree char *state = g_key_file_get_string (config->kf, service, "state", NULL);
  return g_strcmp0 (state, "enabled") == 0;
}

void
mp_service_config_set_enabled (MpServiceConfig *config, const char *service, gboolean enabled)
{
  g_key_file_set_string (config->kf, service, "state", enabled ? "enabled" : "disabled");
}

MpBackendKind
mp_service_config_get_backend (MpServiceConfig *config, const char *service)
{
  g_autofree char *backend = g_key_file_get_string (config->kf, service, "backend", NULL);
  return g_strcmp0 (backend, "exec") == 0 ? MP_BACKEND_EXEC : MP_BACKEND_EMBEDDED;
}

static gboolean
find_step (const char *key, MpPluginStepKind *step)
{
  for (guint i = 0; i < G_N_ELEMENTS (step_keys); i++)
    {
      if (g_strcmp0 (key, step_keys[i] + strlen ("exec-")) == 0)
        {
          *step = (MpPluginStepKind) i;
          return TRUE;
        }
    }
  return FALSE;
}

/**
 * mp_plugin_has_step:
 * @desc: a service
 * @step: a step
 *
 * Returns: %TRUE when @step is one of the service's: in the apply sequence
 *   its plugin declares, or enable, disable or restart (the commands every
 *   service has).  `<service> backend exec` takes commands for these alone
 */
gboolean
mp_plugin_has_step (const MpPluginDescriptor *desc, MpPluginStepKind step)
{
  if (step == MP_STEP_DISABLE || step == MP_STEP_ENABLE || step == MP_STEP_RESTART)
    return TRUE;
  for (guint32 i = 0; i < desc->n_sequence; i++)
    {
      if (desc->sequence[i] == step)
        return TRUE;
    }
  return FALSE;
}

/* "<step>=<command>", the one parser of these pairs: @step is one of
 * @desc's (mp_plugin_has_step()), @command where its command starts (""
 * removes it); else the error lists the service's own steps */
static gboolean
parse_step_command (const MpPluginDescriptor *desc, const char *entry, MpPluginStepKind *step,
                    const char **command, GError **error)
{
  const char *eq = strchr (entry, '=');
  g_autofree char *key = eq != NULL ? g_strndup (entry, (gsize) (eq - entry)) : NULL;
  g_autoptr(GString) steps = NULL;

  if (key != NULL && find_step (key, step) && mp_plugin_has_step (desc, *step))
    {
      *command = eq + 1;
      return TRUE;
    }
  steps = g_string_new (NULL);
  for (guint i = 0; i < G_N_ELEMENTS (step_keys); i++)
    {
      if (mp_plugin_has_step (desc, (MpPluginStepKind) i))
        g_string_append_printf (steps, "%s%s", steps->len > 0 ? ", " : "", mp_step_config_key ((MpPluginStepKind) i));
    }
  /* 'cluster-remove=true' is of the form: its step is what is wrong */
  if (key != NULL)
    g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "'%s' is no %s step (in '%s'); the %s steps: %s",
                 key, desc->name, entry, desc->name, steps->str);
  else
    g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "'%s' is not <step>=<command>; the %s steps: %s",
                 entry, desc->name, steps->str);
  return FALSE;
}

/**
 * mp_service_check_step_commands:
 * @desc: the service
 * @step_commands: (nullable) (array zero-terminated=1): `<step>=<command>`
 *   entries
 * @error: return location for a #GError
 *
 * Returns: %TRUE when every entry names one of the service's steps (those
 * mp_plugin_has_step() takes), else %FALSE with %MP_ERROR_INVALID_ARGS
 * naming the entry and listing the service's steps
 */
gboolean
mp_service_check_step_commands (const MpPluginDescriptor *desc, const char * const *step_commands,
                                GError **error)
{
  for (guint i = 0; step_commands != NULL && step_commands[i] != NULL; i++)
    {
      MpPluginStepKind step;
      const char *command;

      if (!parse_step_command (desc, step_commands[i], &step, &command, error))
        return FALSE;
    }
  return TRUE;
}

/**
 * mp_service_config_set_backend:
 * @config: the configuration
 * @desc: the service
 * @kind: the backend
 * @step_commands: (nullable): for %MP_BACKEND_EXEC, `<step>=<command>`
 *   entries (steps as mp_step_config_key() names them, the service's own:
 *   mp_service_check_step_commands()); each replaces the step's command,
 *   an empty command removes it
 * @error: return location for a #GError
 *
 * Returns: %FALSE when an entry names no step of the service; nothing is
 * changed then
 */
gboolean
mp_service_config_set_backend (MpServiceConfig *config, const MpPluginDescriptor *desc, MpBackendKind kind,
                               const char * const *step_commands, GError **error)
{
  if (!mp_service_check_step_commands (desc, step_commands, error))
    return FALSE;
  if (kind == MP_BACKEND_EMBEDDED && step_commands != NULL && step_commands[0] != NULL)
    {
      g_set_error_literal (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                           "the embedded backend runs no commands; use 'backend exec <step>=<command>...'");
      return FALSE;
    }
  g_key_file_set_string (config->kf, desc->name, "backend", mp_backend_kind_to_string (kind));
  for (guint i = 0; step_commands != NULL && step_commands[i] != NULL; i++)
    {
      MpPluginStepKind step = MP_STEP_DISABLE;
      const char *command = "";

      /* checked above: cannot fail */
      parse_step_command (desc, step_commands[i], &step, &command, NULL);
      if (*command == '\0')
        g_key_file_remove_key (config->kf, desc->name, step_keys[step], NULL);
      else
        g_key_file_set_string (config->kf, desc->name, step_keys[step], command);
    }
  return TRUE;
}

/**
 * mp_service_config_get_command:
 *
 * Returns: (transfer full) (nullable): the exec command of @step, %NULL when
 * the service uses the embedded backend or has none for @step
 */
char *
mp_service_config_get_command (MpServiceConfig *config, const char *service, MpPluginStepKind step)
{
  if (mp_service_config_get_backend (config, service) != MP_BACKEND_EXEC || (guint) step >= G_N_ELEMENTS (step_keys))
    return NULL;
  return g_key_file_get_string (config->kf, service, step_keys[step], NULL);
}

char *
mp_service_config_get_string (MpServiceConfig *config, const char *service, const char *key)
{
  return g_key_file_get_string (config->kf, service, key, NULL);
}

void
mp_service_config_set_string (MpServiceConfig *config, const char *service, const char *key, const char *value)
{
  if (value == NULL)
    g_key_file_remove_key (config->kf, service, key, NULL);
  else
    g_key_file_set_string (config->kf, service, key, value);
}

char *
mp_service_config_get_form (MpServiceConfig *config, const char *service)
{
  return g_key_file_get_string (config->kf, service, "form", NULL);
}

/* "applied" or "good", the prefix of a set's keys */
static GPtrArray *
read_set (GKeyFile *kf, const char *service, const char *prefix)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify) mp_applied_file_free);
  g_auto(GStrv) roles = g_key_file_get_string_list (kf, service, prefix, NULL, NULL);

  for (guint i = 0; roles != NULL && roles[i] != NULL; i++)
    {
      g_autofree char *k_src = g_strdup_printf ("%s-%s-file", prefix, roles[i]);
      g_autofree char *k_sha = g_strdup_printf ("%s-%s-sha256", prefix, roles[i]);
      g_autofree char *k_live = g_strdup_printf ("%s-%s-live", prefix, roles[i]);
      MpAppliedFile *f = g_new0 (MpAppliedFile, 1);

      f->role = g_strdup (roles[i]);
      f->source = g_key_file_get_string (kf, service, k_src, NULL);
      f->sha256 = g_key_file_get_string (kf, service, k_sha, NULL);
      f->live = g_key_file_get_string (kf, service, k_live, NULL);
      g_ptr_array_add (files, f);
    }
  return g_steal_pointer (&files);
}

static void
remove_set (GKeyFile *kf, const char *service, const char *prefix)
{
  g_auto(GStrv) keys = g_key_file_get_keys (kf, service, NULL, NULL);
  g_autofree char *dash = g_strconcat (prefix, "-", NULL);

  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      if (g_str_equal (keys[i], prefix) || g_str_has_prefix (keys[i], dash))
        g_key_file_remove_key (kf, service, keys[i], NULL);
    }
}

static void
write_set (GKeyFile *kf, const char *service, const char *prefix, GPtrArray *files)
{
  g_autoptr(GPtrArray) roles = g_ptr_array_new ();

  remove_set (kf, service, prefix);
  for (guint i = 0; i < files->len; i++)
    {
      MpAppliedFile *f = g_ptr_array_index (files, i);
      g_autofree char *k_src = g_strdup_printf ("%s-%s-file", prefix, f->role);
      g_autofree char *k_sha = g_strdup_printf ("%s-%s-sha256", prefix, f->role);
      g_autofree char *k_live = g_strdup_printf ("%s-%s-live", prefix, f->role);

      g_ptr_array_add (roles, f->role);
      if (f->source != NULL)
        g_key_file_set_string (kf, service, k_src, f->source);
      if (f->sha256 != NULL)
        g_key_file_set_string (kf, service, k_sha, f->sha256);
      if (f->live != NULL)
        g_key_file_set_string (kf, service, k_live, f->live);
    }
  g_key_file_set_string_list (kf, service, prefix, (const char * const *) roles->pdata, roles->len);
}

/**
 * mp_service_config_get_applied:
 * @config: the configuration
 * @service: the service
 * @last_good: %TRUE for the last known-good set
 *
 * Returns: (transfer full) (element-type MpAppliedFile): the set, empty when
 * none was recorded
 */
GPtrArray *
mp_service_config_get_applied (MpServiceConfig *config, const char *service, gboolean last_good)
{
  return read_set (config->kf, service, last_good ? "good" : "applied");
}

/**
 * mp_service_config_set_applied:
 * @config: the configuration
 * @service: the service
 * @form: the form of `certs` the files came in
 * @files: (element-type MpAppliedFile): the new set
 *
 * Records @files as applied; the set applied before becomes the last
 * known-good set (it passed validation when it was applied).
 */
void
mp_service_config_set_applied (MpServiceConfig *config, const char *service, const char *form, GPtrArray *files)
{
  g_autoptr(GPtrArray) previous = read_set (config->kf, service, "applied");
  g_autofree char *previous_form = mp_service_config_get_form (config, service);
  g_autoptr(GDateTime) now = g_date_time_new_from_unix_utc (mp_now ());
  g_autofree char *when = g_date_time_format_iso8601 (now);

  if (previous->len > 0)
    {
      write_set (config->kf, service, "good", previous);
      g_key_file_set_string (config->kf, service, "good-form", previous_form != NULL ? previous_form : "");
    }
  write_set (config->kf, service, "applied", files);
  g_key_file_set_string (config->kf, service, "form", form);
  g_key_file_set_string (config->kf, service, "applied-at", when);
}

/**
 * mp_service_config_set_good:
 * @config: the configuration
 * @service: the service
 * @form: the form of @files
 * @files: (element-type MpAppliedFile): the set
 *
 * Records @files as the last known-good set, as it was before a rollback
 * made the failed set the previous one.
 */
void
mp_service_config_set_good (MpServiceConfig *config, const char *service, const char *form, GPtrArray *files)
{
  write_set (config->kf, service, "good", files);
  g_key_file_set_string (config->kf, service, "good-form", form != NULL ? form : "");
}

/**
 * mp_service_config_users_of:
 * @config: the configuration
 * @store_name: a file name in the store
 *
 * Returns: (transfer full): the services whose applied set was read from
 * @store_name (empty when none)
 */
GStrv
mp_service_config_users_of (MpServiceConfig *config, const char *store_name)
{
  g_auto(GStrv) services = mp_service_config_get_services (config);
  g_autoptr(GPtrArray) users = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; services != NULL && services[i] != NULL; i++)
    {
      g_autoptr(GPtrArray) files = read_set (config->kf, services[i], "applied");
      for (guint k = 0; k < files->len; k++)
        {
          MpAppliedFile *f = g_ptr_array_index (files, k);
          if (g_strcmp0 (f->source, store_name) == 0)
            {
              g_ptr_array_add (users, g_strdup (services[i]));
              break;
            }
        }
    }
  g_ptr_array_add (users, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&users), FALSE);
}

/* a basename nothing in the store or the configuration uses yet */
static char *
fresh_basename (MpStore *store, MpServiceConfig *config, const char *basename)
{
  for (guint n = 2; n < 1000; n++)
    {
      g_autofree char *cand = g_strdup_printf ("%s-%u", basename, n);
      g_autofree char *key = g_strconcat (cand, ".key", NULL);
      g_autofree char *crt = g_strconcat (cand, ".crt", NULL);
      g_autofree char *csr = g_strconcat (cand, ".csr", NULL);
      g_auto(GStrv) u1 = mp_service_config_users_of (config, key);
      g_auto(GStrv) u2 = mp_service_config_users_of (config, crt);

      if (!mp_store_contains (store, key) && !mp_store_contains (store, crt) &&
          !mp_store_contains (store, csr) && u1[0] == NULL && u2[0] == NULL)
        return g_steal_pointer (&cand);
    }
  return g_strconcat (basename, "-new", NULL);
}

/**
 * mp_service_check_name_free:
 * @store: the store
 * @basename: the basename a command is about to (re)write
 * @error: return location for a #GError
 *
 * The live-key guard: writing a new `<basename>.key` (or a certificate for
 * it) while a service uses that key or certificate breaks the service at
 * once, so this refuses, naming the services and a fresh basename.  No
 * option overrides it.
 *
 * Returns: %TRUE when no service uses `<basename>.key` or `<basename>.crt`
 */
gboolean
mp_service_check_name_free (MpStore *store, const char *basename, GError **error)
{
  g_autoptr(MpServiceConfig) config = NULL;
  g_autoptr(GPtrArray) users = g_ptr_array_new_with_free_func (g_free);
  const char *suffixes[] = { ".key", ".crt", ".cer", ".pem" };

  g_autofree char *base = g_strdup (basename);

  if (!mp_store_contains (store, MP_SERVICES_FILE))
    return TRUE;
  config = mp_service_config_load (store, error);
  if (config == NULL)
    return FALSE;
  /* "wa.key" and "wa" guard the same pair */
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      if (g_str_has_suffix (base, suffixes[i]) && strlen (base) > strlen (suffixes[i]))
        base[strlen (base) - strlen (suffixes[i])] = '\0';
    }
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *name = g_strconcat (base, suffixes[i], NULL);
      g_auto(GStrv) u = mp_service_config_users_of (config, name);
      for (guint k = 0; u[k] != NULL; k++)
        {
          gboolean seen = FALSE;
          for (guint j = 0; j < users->len; j++)
            seen |= g_str_equal (g_ptr_array_index (users, j), u[k]);
          if (!seen)
            g_ptr_array_add (users, g_strdup (u[k]));
        }
    }
  if (users->len > 0)
    {
      g_autofree char *fresh = fresh_basename (store, config, base);
      g_autofree char *list = NULL;

      g_ptr_array_add (users, NULL);
      list = g_strjoinv (", ", (char **) users->pdata);
      g_set_error (error, MP_ERROR, MP_ERROR_EXISTS,
                   "%s is in use by %s; replacing it would break %s at once. "
                   "Generate the renewal under a fresh name such as %s, sign it, then run "
                   "'<service> certs' with the new files (--force does not override this)",
                   basename, list, users->len > 2 ? "them" : "it", fresh);
      return FALSE;
    }
  return TRUE;
}

/**
 * mp_service_live_dir:
 *
 * Returns: (transfer full): `<store>/services/<service>`
 */
char *
mp_service_live_dir (MpStore *store, const char *service)
{
  return g_build_filename (mp_store_get_path (store), MP_SERVICES_DIR, service, NULL);
}
