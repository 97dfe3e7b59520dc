/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the plugin abi as a vendor sees it: this file includes the abi header and
 * glib only, like a plugin built out of tree.
 */
#include <stddef.h>
#include <string.h>

#include <meetpki/plugin.h>

/* the loader reads these two fields before it trusts anything else */
G_STATIC_ASSERT (offsetof (MpPluginDescriptor, abi_version) == 0);
G_STATIC_ASSERT (offsetof (MpPluginDescriptor, struct_size) == 4);
G_STATIC_ASSERT (offsetof (MpPluginFacts, struct_size) == 0);

static const MpPluginRole roles[] = {
  { "key", MP_ROLE_KEY, 0, NULL, NULL, 0, 0, "private key" },
  { "cert", MP_ROLE_CERTIFICATE, 0, "key", NULL, MP_KEY_USAGE_DIGITAL_SIGNATURE, MP_EKU_SERVER_AUTH, "certificate" },
};
static const char * const form_roles[] = { "key", "cert" };
static const MpPluginForm forms[] = { { "default", form_roles, G_N_ELEMENTS (form_roles), "key and certificate" } };
static const MpSanRule rules[] = { { MP_SAN_RULE_SERVER_FQDN, "cert", NULL } };
static const MpPluginStepKind sequence[] = { MP_STEP_CERTS, MP_STEP_RESTART };

static const MpPluginDescriptor descriptor = {
  MP_PLUGIN_DESCRIPTOR_HEADER,
  .name = "sample",
  .summary = "a sample",
  .facts = MP_NODE_FACT_SERVER_FQDN,
  .roles = roles,
  .n_roles = G_N_ELEMENTS (roles),
  .forms = forms,
  .n_forms = G_N_ELEMENTS (forms),
  .san_rules = rules,
  .n_san_rules = G_N_ELEMENTS (rules),
  .sequence = sequence,
  .n_sequence = G_N_ELEMENTS (sequence),
};

MP_PLUGIN_EXPORT const MpPluginDescriptor *
meetpki_plugin_query (void)
{
  return &descriptor;
}

static void
test_descriptor_header (void)
{
  const MpPluginDescriptor *d = meetpki_plugin_query ();

  g_assert_cmpuint (d->abi_version, ==, MP_PLUGIN_ABI_VERSION);
  g_assert_cmpuint (d->struct_size, ==, sizeof (MpPluginDescriptor));
  g_assert_cmpuint (d->n_roles, ==, 2);
  g_assert_null (d->check_facts);
}

/* the generated pkg-config file is valid and points at the header */
static void
test_pkgconfig (void)
{
  g_autofree char *pc = g_test_build_filename (G_TEST_BUILT, "..", "meson-private", "meetpki-plugin.pc", NULL);
  g_autofree char *pkgconfig = g_find_program_in_path ("pkg-config");
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  int status = -1;

  g_assert_true (g_file_test (pc, G_FILE_TEST_EXISTS));
  if (pkgconfig == NULL)
    {
      g_test_skip ("pkg-config is not installed");
      return;
    }
  {
    const char *argv[] = { pkgconfig, "--variable=plugindir", pc, NULL };
    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, &status, &error);
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
    g_assert_true (g_str_has_suffix (g_strchomp (out), "meetpki/plugins"));
  }
  g_clear_pointer (&out, g_free);
  {
    const char *argv[] = { pkgconfig, "--cflags", pc, NULL };
    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, &status, &error);
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
    g_assert_nonnull (strstr (out, "/include"));
    g_assert_nonnull (strstr (out, "glib-2.0"));
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/plugin-abi/descriptor-header", test_descriptor_header);
  g_test_add_func ("/plugin-abi/pkgconfig", test_pkgconfig);
  return g_test_run ();
}
