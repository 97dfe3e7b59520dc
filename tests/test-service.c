/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the service configuration: round trip through services.conf, the
 * applied and last known-good sets, backend commands, the users of a file
 * and the lock.
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <meetpki/meetpki.h>

static MpAppliedFile *
file_new (const char *role, const char *source, const char *sha)
{
  MpAppliedFile *f = g_new0 (MpAppliedFile, 1);

  f->role = g_strdup (role);
  f->source = g_strdup (source);
  f->sha256 = g_strdup (sha);
  f->live = g_strconcat (role, ".pem", NULL);
  return f;
}

static GPtrArray *
set_of (const char *key, const char *crt)
{
  GPtrArray *files = g_ptr_array_new_with_free_func ((GDestroyNotify) mp_applied_file_free);

  g_ptr_array_add (files, file_new ("key", key, "aa"));
  g_ptr_array_add (files, file_new ("cert", crt, "bb"));
  return files;
}

static void
remove_tree (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *n;

  while (d != NULL && (n = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (dir, n, NULL);
      g_unlink (p);
    }
  g_rmdir (dir);
}

/* the descriptor of the shipped service @name */
static const MpPluginDescriptor *
descriptor_of (MpPluginLoader *loader, const char *name)
{
  MpPlugin *plugin = mp_plugin_loader_lookup (loader, name);

  g_assert_nonnull (plugin);
  return mp_plugin_get_descriptor (plugin);
}

static void
test_round_trip (void)
{
  g_autofree char *home = g_dir_make_tmp ("meetpki-service-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(MpStore) store = mp_store_new (home, &error);
  g_autoptr(MpServiceConfig) config = NULL;
  g_autoptr(MpServiceConfig) again = NULL;
  g_autoptr(GPtrArray) first = set_of ("wa.key", "wa.crt");
  g_autoptr(GPtrArray) second = set_of ("wa-2.key", "wa-2.crt");
  g_autoptr(GPtrArray) applied = NULL;
  g_autoptr(GPtrArray) good = NULL;
  g_autoptr(MpServiceLock) lock = NULL;
  g_auto(GStrv) users = NULL;
  g_auto(GStrv) none = NULL;
  g_autofree char *cmd = NULL;
  g_autofree char *no_cmd = NULL;
  const char *steps[] = { "enable=echo on", "restart=echo again", NULL };
  const char *bad[] = { "start=echo", NULL };
  g_autoptr(MpPluginLoader) loader = mp_plugin_loader_new (NULL);
  const MpPluginDescriptor *webadmin = NULL;

  g_assert_no_error (error);
  g_assert_true (mp_plugin_loader_load (loader, &error));
  g_assert_no_error (error);
  webadmin = descriptor_of (loader, "webadmin");
  lock = mp_service_lock (store, &error);
  g_assert_no_error (error);
  config = mp_service_config_load (store, &error);
  g_assert_no_error (error);
  mp_service_config_set_applied (config, "webadmin", "default", first);
  mp_service_config_set_applied (config, "webadmin", "default", second);
  mp_service_config_set_enabled (config, "webadmin", TRUE);
  g_assert_false (mp_service_config_set_backend (config, webadmin, MP_BACKEND_EXEC, bad, &error));
  g_assert_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS);
  g_clear_error (&error);
  g_assert_true (mp_service_config_set_backend (config, webadmin, MP_BACKEND_EXEC, steps, &error));
  g_assert_true (mp_service_config_save (config, &error));
  g_assert_no_error (error);

  again = mp_service_config_load (store, &error);
  g_assert_no_error (error);
  g_assert_true (mp_service_config_get_enabled (again, "webadmin"));
  g_assert_true (mp_service_config_has_applied (again, "webadmin"));
  g_assert_cmpint (mp_service_config_get_backend (again, "webadmin"), ==, MP_BACKEND_EXEC);
  cmd = mp_service_config_get_command (again, "webadmin", MP_STEP_RESTART);
  g_assert_cmpstr (cmd, ==, "echo again");
  no_cmd = mp_service_config_get_command (again, "webadmin", MP_STEP_DISABLE);
  g_assert_null (no_cmd);
  applied = mp_service_config_get_applied (again, "webadmin", FALSE);
  good = mp_service_config_get_applied (again, "webadmin", TRUE);
  g_assert_cmpuint (applied->len, ==, 2);
  g_assert_cmpstr (((MpAppliedFile *) g_ptr_array_index (applied, 0))->source, ==, "wa-2.key");
  g_assert_cmpstr (((MpAppliedFile *) g_ptr_array_index (applied, 1))->live, ==, "cert.pem");
  g_assert_cmpuint (good->len, ==, 2);
  g_assert_cmpstr (((MpAppliedFile *) g_ptr_array_index (good, 0))->source, ==, "wa.key");

  users = mp_service_config_users_of (again, "wa-2.crt");
  g_assert_cmpstrv (users, ((const char *[]) { "webadmin", NULL }));
  none = mp_service_config_users_of (again, "wa.crt");
  g_assert_cmpstrv (none, ((const char *[]) { NULL }));

  /* the live-key guard: the applied basename, with or without suffix */
  g_assert_false (mp_service_check_name_free (store, "wa-2", &error));
  g_assert_error (error, MP_ERROR, MP_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, "webadmin"));
  g_clear_error (&error);
  g_assert_false (mp_service_check_name_free (store, "wa-2.key", &error));
  g_clear_error (&error);
  g_assert_true (mp_service_check_name_free (store, "wa", &error));
  g_assert_no_error (error);

  g_clear_pointer (&lock, mp_service_unlock);
  g_clear_pointer (&store, mp_store_unref);
  remove_tree (home);
}

/* a broken services.conf is an error, not an empty configuration */
static void
test_corrupt (void)
{
  g_autofree char *home = g_dir_make_tmp ("meetpki-service-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (home, MP_SERVICES_FILE, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(MpStore) store = mp_store_new (home, &error);
  g_autoptr(MpServiceConfig) config = NULL;

  g_assert_true (g_file_set_contents (path, "[webadmin\nstate=enabled\n", -1, NULL));
  config = mp_service_config_load (store, &error);
  g_assert_null (config);
  g_assert_error (error, MP_ERROR, MP_ERROR_INVALID_DATA);
  g_clear_pointer (&store, mp_store_unref);
  remove_tree (home);
}

/* `<step>=<command>` takes the service's own steps, and its error lists
 * them: webadmin's four, the database's six; nothing is set on an error */
static void
test_backend_steps (void)
{
  g_autofree char *home = g_dir_make_tmp ("meetpki-service-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(MpStore) store = mp_store_new (home, &error);
  g_autoptr(MpServiceConfig) config = NULL;
  g_autoptr(MpPluginLoader) loader = mp_plugin_loader_new (NULL);
  const MpPluginDescriptor *webadmin = NULL;
  const MpPluginDescriptor *database = NULL;
  const char *cluster[] = { "restart=true", "cluster-remove=true", NULL };
  const struct {
    const char *entry;
    const char *message;
  } bad[] = {
    { "start=echo", "'start' is no webadmin step (in 'start=echo'); the webadmin steps: disable, certs, enable, restart" },
    { "cluster-remove=true",
      "'cluster-remove' is no webadmin step (in 'cluster-remove=true'); the webadmin steps: disable, certs, enable, "
      "restart" },
    { "certs", "'certs' is not <step>=<command>; the webadmin steps: disable, certs, enable, restart" },
  };

  g_assert_no_error (error);
  g_assert_true (mp_plugin_loader_load (loader, &error));
  g_assert_no_error (error);
  webadmin = descriptor_of (loader, "webadmin");
  database = descriptor_of (loader, "database");
  config = mp_service_config_load (store, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      const char *entries[] = { "enable=echo on", bad[i].entry, NULL };

      g_assert_false (mp_service_check_step_commands (webadmin, entries, &error));
      g_assert_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS);
      g_assert_cmpstr (error->message, ==, bad[i].message);
      g_clear_error (&error);
      g_assert_false (mp_service_config_set_backend (config, webadmin, MP_BACKEND_EXEC, entries, &error));
      g_assert_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS);
      g_assert_cmpstr (error->message, ==, bad[i].message);
      g_clear_error (&error);
      g_assert_cmpint (mp_service_config_get_backend (config, "webadmin"), ==, MP_BACKEND_EMBEDDED);
      g_assert_null (mp_service_config_get_command (config, "webadmin", MP_STEP_ENABLE));
    }
  {
    const char *wrong[] = { "reload=true", NULL };

    g_assert_false (mp_service_config_set_backend (config, database, MP_BACKEND_EXEC, wrong, &error));
    g_assert_cmpstr (error->message, ==,
                     "'reload' is no database step (in 'reload=true'); the database steps: disable, certs, enable, "
                     "restart, cluster-remove, cluster-setup");
    g_clear_error (&error);
  }
  g_assert_true (mp_service_config_set_backend (config, database, MP_BACKEND_EXEC, cluster, &error));
  g_assert_no_error (error);
  {
    g_autofree char *cmd = mp_service_config_get_command (config, "database", MP_STEP_CLUSTER_REMOVE);
    g_assert_cmpstr (cmd, ==, "true");
  }
  g_clear_pointer (&store, mp_store_unref);
  remove_tree (home);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/service/round-trip", test_round_trip);
  g_test_add_func ("/service/corrupt", test_corrupt);
  g_test_add_func ("/service/backend-steps", test_backend_steps);
  return g_test_run ();
}
