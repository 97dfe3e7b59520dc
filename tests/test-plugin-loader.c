/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the plugin loader: where it looks, what it refuses (each refusal with its
 * message), and the runner that wraps every call into plugin code.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include <meetpki/meetpki.h>

static char *
make_tmp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("meetpki-plugins-XXXXXX", &error);

  g_assert_no_error (error);
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
      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        rm_rf (child);
      else
        g_assert_cmpint (g_unlink (child), ==, 0);
    }
  g_assert_cmpint (g_rmdir (path), ==, 0);
}

static void
test_dir_default (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(MpPluginLoader) loader = NULL;

  g_setenv ("MEETPKI_PLUGIN_DIR", "/somewhere/else", TRUE);
  dir = mp_plugin_dir_default ();
  g_assert_cmpstr (dir, ==, "/somewhere/else");
  loader = mp_plugin_loader_new (NULL);
  g_assert_cmpstr (mp_plugin_loader_get_dir (loader), ==, "/somewhere/else");
  g_unsetenv ("MEETPKI_PLUGIN_DIR");
  g_clear_pointer (&dir, g_free);
  dir = mp_plugin_dir_default ();
  g_assert_cmpstr (dir, ==, MP_PLUGIN_DIR);
}

static void
test_dir_missing (void)
{
  g_autofree char *tmp = make_tmp_dir ();
  g_autofree char *missing = g_build_filename (tmp, "none", NULL);
  g_autoptr(MpPluginLoader) loader = mp_plugin_loader_new (missing);
  g_autoptr(GError) error = NULL;

  g_assert_false (mp_plugin_loader_load (loader, &error));
  g_assert_error (error, MP_ERROR, MP_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "plugin directory"));
  rm_rf (tmp);
}

static void
test_dir_empty (void)
{
  g_autofree char *tmp = make_tmp_dir ();
  g_autofree char *readme = g_build_filename (tmp, "README", NULL);
  g_autoptr(MpPluginLoader) loader = mp_plugin_loader_new (tmp);
  g_autoptr(GError) error = NULL;

  /* files that are no modules are ignored */
  g_assert_true (g_file_set_contents (readme, "not a plugin\n", -1, NULL));
  g_assert_true (mp_plugin_loader_load (loader, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (mp_plugin_loader_get_plugins (loader)->len, ==, 0);
  g_assert_null (mp_plugin_loader_lookup (loader, "webadmin"));
  rm_rf (tmp);
}

static void
test_dir_writable (void)
{
  g_autofree char *tmp = make_tmp_dir ();
  g_autoptr(MpPluginLoader) loader = mp_plugin_loader_new (tmp);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_chmod (tmp, 0777), ==, 0);
  g_assert_false (mp_plugin_loader_load (loader, &error));
  g_assert_error (error, MP_ERROR, MP_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "is writable by group or others (mode 0777)"));
  g_clear_error (&error);

  /* a subdirectory is held to the same rule */
  {
    g_autofree char *sub = g_build_filename (tmp, "webadmin", NULL);
    g_assert_cmpint (g_chmod (tmp, 0700), ==, 0);
    g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
    g_assert_cmpint (g_chmod (sub, 0770), ==, 0);
    g_assert_false (mp_plugin_loader_load (loader, &error));
    g_assert_nonnull (strstr (error->message, "webadmin is writable by group or others (mode 0770)"));
  }
  rm_rf (tmp);
}

static const MpPluginRole roles[] = {
  { "key", MP_ROLE_KEY, 0, NULL, NULL, 0, 0, "key" },
  { "cert", MP_ROLE_CERTIFICATE, 0, "key", NULL, 0, MP_EKU_SERVER_AUTH, "certificate" },
  { "bundle", MP_ROLE_BUNDLE, MP_ROLE_FLAG_OPTIONAL, NULL, NULL, 0, 0, "bundle" },
};
static const char * const form_roles[] = { "key", "cert", "bundle" };
static const char * const bad_form_roles[] = { "key", "bundle", "cert" };
static const char * const unknown_form_roles[] = { "key", "crt" };
static const MpPluginForm forms[] = { { "default", form_roles, 3, "" } };
static const MpPluginForm bad_forms[] = { { "default", bad_form_roles, 3, "" } };
static const MpPluginForm unknown_forms[] = { { "default", unknown_form_roles, 2, "" } };
static const MpSanRule rules[] = { { MP_SAN_RULE_SERVER_FQDN, "cert", NULL } };
static const MpSanRule key_rules[] = { { MP_SAN_RULE_SERVER_FQDN, "key", NULL } };
static const MpSanRule valueless_rules[] = { { MP_SAN_RULE_CN_EXACT, "cert", NULL } };
static const MpPluginStepKind sequence[] = { MP_STEP_CERTS, MP_STEP_RESTART };
static const MpPluginStepKind no_certs[] = { MP_STEP_RESTART };

static MpPluginDescriptor
good_descriptor (void)
{
  MpPluginDescriptor d = {
    MP_PLUGIN_DESCRIPTOR_HEADER,
    .name = "sample",
    .summary = "sample",
    .facts = MP_NODE_FACT_SERVER_FQDN,
    .roles = roles, .n_roles = G_N_ELEMENTS (roles),
    .forms = forms, .n_forms = G_N_ELEMENTS (forms),
    .san_rules = rules, .n_san_rules = G_N_ELEMENTS (rules),
    .sequence = sequence, .n_sequence = G_N_ELEMENTS (sequence),
  };
  return d;
}

static void
assert_invalid (const MpPluginDescriptor *d, const char *expected)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (mp_plugin_descriptor_validate (d, &error));
  g_assert_error (error, MP_ERROR, MP_ERROR_INVALID_DATA);
  if (strstr (error->message, expected) == NULL)
    g_error ("expected '%s' in '%s'", expected, error->message);
}

static void
test_descriptor_validate (void)
{
  MpPluginDescriptor d = good_descriptor ();
  g_autoptr(GError) error = NULL;

  g_assert_true (mp_plugin_descriptor_validate (&d, &error));
  g_assert_no_error (error);

  d = good_descriptor (); d.name = "Web Admin";
  assert_invalid (&d, "the name must be");
  d = good_descriptor (); d.name = "pki";
  assert_invalid (&d, "'pki' is a meetpki command");
  d = good_descriptor (); d.facts = 1u << 20;
  assert_invalid (&d, "unknown node facts");
  d = good_descriptor (); d.n_roles = 0;
  assert_invalid (&d, "no certificate roles");
  d = good_descriptor (); d.forms = bad_forms;
  assert_invalid (&d, "required role 'cert' follows an optional one");
  d = good_descriptor (); d.forms = unknown_forms;
  assert_invalid (&d, "undeclared role 'crt'");
  d = good_descriptor (); d.san_rules = key_rules;
  assert_invalid (&d, "applies to 'key', which is not a certificate role");
  d = good_descriptor (); d.san_rules = valueless_rules;
  assert_invalid (&d, "only cn-exact takes a value");
  d = good_descriptor (); d.sequence = no_certs; d.n_sequence = 1;
  assert_invalid (&d, "no 'certs' step");
}

static void
test_names (void)
{
  g_autofree char *ku = mp_key_usage_to_string (MP_KEY_USAGE_DIGITAL_SIGNATURE, MP_EKU_SERVER_AUTH | MP_EKU_CLIENT_AUTH);

  g_assert_cmpstr (ku, ==, "digitalSignature,serverAuth,clientAuth");
  g_assert_cmpstr (mp_node_fact_to_string (MP_NODE_FACT_JOIN_URLS), ==, "join-urls");
  g_assert_cmpstr (mp_san_rule_kind_to_string (MP_SAN_RULE_PEERS_WHEN_CLUSTERED), ==, "peers-when-clustered");
  g_assert_cmpstr (mp_plugin_step_kind_to_string (MP_STEP_CLUSTER_REMOVE), ==, "cluster remove");
  g_assert_cmpstr (mp_role_kind_to_string (MP_ROLE_FULLCHAIN), ==, "fullchain");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/plugin-loader/dir/default", test_dir_default);
  g_test_add_func ("/plugin-loader/dir/missing", test_dir_missing);
  g_test_add_func ("/plugin-loader/dir/empty", test_dir_empty);
  g_test_add_func ("/plugin-loader/dir/writable", test_dir_writable);
  g_test_add_func ("/plugin-loader/descriptor/validate", test_descriptor_validate);
  g_test_add_func ("/plugin-loader/names", test_names);
  return g_test_run ();
}
