/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the loader against real modules: the broken fixtures of tests/plugins/,
 * each copied into a private directory, and the runner against the good
 * fixture's hook.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <meetpki/meetpki.h>

/* private dirs live in the build tree: /tmp may be mounted noexec */
static char *
make_plugin_dir (void)
{
  g_autofree char *tmpl = g_test_build_filename (G_TEST_BUILT, "plugin-test-XXXXXX", NULL);
  char *dir = g_mkdtemp_full (g_steal_pointer (&tmpl), 0700);

  g_assert_nonnull (dir);
  return dir;
}

static void
rm_rf (const char *path)
{
  g_autoptr(GDir) d = g_dir_open (path, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        rm_rf (child);
      else
        g_assert_cmpint (g_unlink (child), ==, 0);
    }
  g_assert_cmpint (g_rmdir (path), ==, 0);
}

/* copies fixture @fixture into @dir (or @dir/@subdir) as @as.so */
static char *
install_fixture (const char *dir, const char *subdir, const char *fixture, const char *as)
{
  g_autofree char *src = g_test_build_filename (G_TEST_BUILT, "plugins", fixture, NULL);
  g_autofree char *src_so = g_strconcat (src, "." G_MODULE_SUFFIX, NULL);
  g_autofree char *target_dir = subdir != NULL ? g_build_filename (dir, subdir, NULL) : g_strdup (dir);
  g_autofree char *file = g_strconcat (as, "." G_MODULE_SUFFIX, NULL);
  char *dest = g_build_filename (target_dir, file, NULL);
  g_autofree char *data = NULL;
  g_autoptr(GError) error = NULL;
  gsize len;

  g_assert_cmpint (g_mkdir_with_parents (target_dir, 0700), ==, 0);
  g_assert_true (g_file_get_contents (src_so, &data, &len, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (dest, data, (gssize) len, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (dest, 0755), ==, 0);
  return dest;
}

/* loads @dir, expects a refusal whose message holds @expected */
static void
assert_refused (const char *dir, const char *expected)
{
  g_autoptr(MpPluginLoader) loader = mp_plugin_loader_new (dir);
  g_autoptr(GError) error = NULL;

  g_assert_false (mp_plugin_loader_load (loader, &error));
  g_assert_error (error, MP_ERROR, MP_ERROR_INVALID_DATA);
  if (strstr (error->message, expected) == NULL)
    g_error ("expected '%s' in '%s'", expected, error->message);
  g_test_message ("refused: %s", error->message);
  /* nothing stays loaded after a refusal */
  g_assert_cmpuint (mp_plugin_loader_get_plugins (loader)->len, ==, 0);
}

static void
test_good (void)
{
  g_autofree char *dir = make_plugin_dir ();
  g_autofree char *path = install_fixture (dir, "good", "good", "good");
  g_autoptr(MpPluginLoader) loader = mp_plugin_loader_new (dir);
  g_autoptr(GError) error = NULL;
  MpPlugin *plugin;

  g_assert_true (mp_plugin_loader_load (loader, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (mp_plugin_loader_get_plugins (loader)->len, ==, 1);
  plugin = mp_plugin_loader_lookup (loader, "good");
  g_assert_nonnull (plugin);
  g_assert_cmpstr (mp_plugin_get_name (plugin), ==, "good");
  g_assert_cmpstr (mp_plugin_get_path (plugin), ==, path);
  g_assert_cmpuint (mp_plugin_get_descriptor (plugin)->n_roles, ==, 2);
  g_assert_nonnull (mp_plugin_find_role (plugin, "cert"));
  g_assert_null (mp_plugin_find_role (plugin, "bundle"));
  g_assert_cmpuint (mp_plugin_get_descriptor (plugin)->n_trust_stores, ==, 1);
  g_assert_cmpstr (mp_plugin_get_descriptor (plugin)->trust_stores[0].name, ==, "peer");
  {
    g_autofree char *hint = mp_plugin_loader_suggest (loader, "god");
    g_assert_cmpstr (hint, ==, "good");
  }
  g_clear_pointer (&loader, mp_plugin_loader_free);
  rm_rf (dir);
}

static void
test_wrong_abi (void)
{
  g_autofree char *dir = make_plugin_dir ();
  g_autofree char *path = install_fixture (dir, NULL, "wrongabi", "wrongabi");

  assert_refused (dir, "wrongabi.so: built for plugin ABI version 99, this meetpki supports version 1");
  rm_rf (dir);
}

static void
test_wrong_size (void)
{
  g_autofree char *dir = make_plugin_dir ();
  g_autofree char *path = install_fixture (dir, NULL, "wrongsize", "wrongsize");
  g_autofree char *expected = g_strdup_printf ("wrongsize.so: descriptor size is %u bytes, ABI version 1 has %u",
                                               (guint) (sizeof (MpPluginDescriptor) - sizeof (gpointer)),
                                               (guint) sizeof (MpPluginDescriptor));

  assert_refused (dir, expected);
  rm_rf (dir);
}

/* a plugin built before the trust stores were added to ABI version 1:
 * loaded, with none, and nothing read past its end */
static void
test_old_size (void)
{
  g_autofree char *dir = make_plugin_dir ();
  g_autofree char *path = install_fixture (dir, NULL, "oldsize", "oldsize");
  g_autoptr(MpPluginLoader) loader = mp_plugin_loader_new (dir);
  g_autoptr(GError) error = NULL;
  const MpPluginDescriptor *d;

  g_assert_true (mp_plugin_loader_load (loader, &error));
  g_assert_no_error (error);
  d = mp_plugin_get_descriptor (mp_plugin_loader_lookup (loader, "oldsize"));
  g_assert_cmpuint (d->struct_size, ==, sizeof (MpPluginDescriptor));
  g_assert_cmpuint (d->n_roles, ==, 2);
  g_assert_nonnull (d->check_facts);
  g_assert_null (d->trust_stores);
  g_assert_cmpuint (d->n_trust_stores, ==, 0);
  g_clear_pointer (&loader, mp_plugin_loader_free);
  rm_rf (dir);
}

static void
test_missing_symbol (void)
{
  g_autofree char *dir = make_plugin_dir ();
  g_autofree char *path = install_fixture (dir, NULL, "nosymbol", "nosymbol");

  assert_refused (dir, "nosymbol.so: does not export meetpki_plugin_query()");
  rm_rf (dir);
}

static void
test_null_descriptor (void)
{
  g_autofree char *dir = make_plugin_dir ();
  g_autofree char *path = install_fixture (dir, NULL, "nulldesc", "nulldesc");

  assert_refused (dir, "nulldesc.so: meetpki_plugin_query() returned NULL");
  rm_rf (dir);
}

static void
test_name_mismatch (void)
{
  g_autofree char *dir = make_plugin_dir ();
  g_autofree char *path = install_fixture (dir, NULL, "mismatch", "mismatch");
  g_autofree char *dir2 = make_plugin_dir ();
  g_autofree char *renamed = install_fixture (dir2, NULL, "good", "webadmin");

  assert_refused (dir, "mismatch.so: declares the name 'somethingelse' but the file is named 'mismatch.so'; "
                       "a plugin must be installed as somethingelse.so");
  /* a renamed good plugin is refused just the same */
  assert_refused (dir2, "declares the name 'good' but the file is named 'webadmin.so'");
  rm_rf (dir);
  rm_rf (dir2);
}

static void
test_duplicate_name (void)
{
  g_autofree char *dir = make_plugin_dir ();
  g_autofree char *first = install_fixture (dir, NULL, "good", "good");
  g_autofree char *second = install_fixture (dir, "vendor", "good", "good");
  g_autofree char *expected = g_strdup_printf ("a plugin named 'good' is already loaded from %s", first);

  assert_refused (dir, expected);
  rm_rf (dir);
}

static void
test_world_writable (void)
{
  g_autofree char *dir = make_plugin_dir ();
  g_autofree char *path = install_fixture (dir, NULL, "good", "good");

  g_assert_cmpint (g_chmod (path, 0757), ==, 0);
  assert_refused (dir, "good.so is writable by group or others (mode 0757)");
  g_assert_cmpint (g_chmod (path, 0775), ==, 0);
  assert_refused (dir, "good.so is writable by group or others (mode 0775)");
  rm_rf (dir);
}

static void
test_symlink (void)
{
  g_autofree char *dir = make_plugin_dir ();
  g_autofree char *path = install_fixture (dir, "real", "good", "good");
  g_autofree char *link = g_build_filename (dir, "good.so", NULL);

  g_assert_cmpint (symlink (path, link), ==, 0);
  assert_refused (dir, "good.so: is a symbolic link");
  rm_rf (dir);
}

static void
test_runner (void)
{
  g_autofree char *dir = make_plugin_dir ();
  g_autofree char *path = install_fixture (dir, NULL, "good", "good");
  g_autoptr(MpPluginLoader) loader = mp_plugin_loader_new (dir);
  g_autoptr(GError) error = NULL;
  MpPluginFacts facts = { .struct_size = sizeof (MpPluginFacts) };
  MpPlugin *plugin;

  g_assert_true (mp_plugin_loader_load (loader, &error));
  plugin = mp_plugin_loader_lookup (loader, "good");

  facts.server_fqdn = "cms1.example.com";
  g_assert_true (mp_plugin_check_facts (plugin, &facts, &error));
  g_assert_no_error (error);

  /* an error in a foreign domain comes back as MP_ERROR, prefixed */
  facts.server_fqdn = "fail.example.com";
  g_assert_false (mp_plugin_check_facts (plugin, &facts, &error));
  g_assert_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS);
  g_assert_cmpstr (error->message, ==, "plugin good: server fail.example.com is not supported");
  g_clear_error (&error);

  /* a plugin that fails without an error gets one */
  facts.server_fqdn = "silent.example.com";
  g_assert_false (mp_plugin_check_facts (plugin, &facts, &error));
  g_assert_error (error, MP_ERROR, MP_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "plugin good: checking node facts failed without giving a reason");
  g_clear_error (&error);

  g_clear_pointer (&loader, mp_plugin_loader_free);
  rm_rf (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/plugin-fixtures/good", test_good);
  g_test_add_func ("/plugin-fixtures/wrong-abi", test_wrong_abi);
  g_test_add_func ("/plugin-fixtures/wrong-size", test_wrong_size);
  g_test_add_func ("/plugin-fixtures/old-size", test_old_size);
  g_test_add_func ("/plugin-fixtures/missing-symbol", test_missing_symbol);
  g_test_add_func ("/plugin-fixtures/null-descriptor", test_null_descriptor);
  g_test_add_func ("/plugin-fixtures/name-mismatch", test_name_mismatch);
  g_test_add_func ("/plugin-fixtures/duplicate-name", test_duplicate_name);
  g_test_add_func ("/plugin-fixtures/world-writable", test_world_writable);
  g_test_add_func ("/plugin-fixtures/symlink", test_symlink);
  g_test_add_func ("/plugin-fixtures/runner", test_runner);
  return g_test_run ();
}
