/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the six service plugins, loaded from build/plugins as the cli loads them:
 * their tables as the brief states them, and `meetpki plugins list`.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include <meetpki/meetpki.h>

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

static MpPluginLoader *
load_plugins (void)
{
  g_autoptr(MpPluginLoader) loader = mp_plugin_loader_new (NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (mp_plugin_loader_load (loader, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&loader);
}

static char *
sequence_of (MpPlugin *plugin)
{
  const MpPluginDescriptor *d = mp_plugin_get_descriptor (plugin);
  g_autoptr(GPtrArray) steps = g_ptr_array_new ();

  for (guint32 i = 0; i < d->n_sequence; i++)
    g_ptr_array_add (steps, (gpointer) mp_plugin_step_kind_to_string (d->sequence[i]));
  g_ptr_array_add (steps, NULL);
  return g_strjoinv (",", (char **) steps->pdata);
}

/* "role:rule" for every SAN rule, comma separated */
static char *
rules_of (MpPlugin *plugin)
{
  const MpPluginDescriptor *d = mp_plugin_get_descriptor (plugin);
  g_autoptr(GPtrArray) rules = g_ptr_array_new_with_free_func (g_free);

  for (guint32 i = 0; i < d->n_san_rules; i++)
    g_ptr_array_add (rules, g_strdup_printf ("%s:%s%s%s", d->san_rules[i].role,
                                             mp_san_rule_kind_to_string (d->san_rules[i].kind),
                                             d->san_rules[i].value ? "=" : "",
                                             d->san_rules[i].value ? d->san_rules[i].value : ""));
  g_ptr_array_add (rules, NULL);
  return g_strjoinv (",", (char **) rules->pdata);
}

static char *
form_of (MpPlugin *plugin, guint i)
{
  const MpPluginForm *f = &mp_plugin_get_descriptor (plugin)->forms[i];
  g_autoptr(GPtrArray) roles = g_ptr_array_new ();

  /* forms are counted, not NULL-terminated */
  for (guint32 k = 0; k < f->n_roles; k++)
    g_ptr_array_add (roles, (gpointer) f->roles[k]);
  g_ptr_array_add (roles, NULL);
  return g_strjoinv (",", (char **) roles->pdata);
}

static void
test_all_six (void)
{
  g_autoptr(MpPluginLoader) loader = load_plugins ();
  GPtrArray *plugins = mp_plugin_loader_get_plugins (loader);
  const char *expected[] = { "callbridge", "database", "turn", "webadmin", "webbridge", "xmpp" };

  g_assert_cmpuint (plugins->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      MpPlugin *p = g_ptr_array_index (plugins, i);
      g_autofree char *file = g_strconcat (expected[i], ".", G_MODULE_SUFFIX, NULL);

      g_assert_cmpstr (mp_plugin_get_name (p), ==, expected[i]);
      g_assert_true (g_str_has_suffix (mp_plugin_get_path (p), file));
    }
}

typedef struct {
  const char *name;
  const char *sequence;
  const char *rules;
  const char *first_form;
  gboolean full_chain;
} Expect;

static const Expect expectations[] = {
  { "webadmin", "disable,certs,enable", "cert:server-fqdn", "key,cert,bundle", FALSE },
  { "callbridge", "certs,restart",
    "cert:server-fqdn,cert:cluster-fqdn-when-clustered,cert:peers-when-clustered", "key,cert,bundle", FALSE },
  { "webbridge", "disable,certs,enable",
    "cert:server-fqdn,cert:join-urls,cert:xmpp-domain,"
    "fullchain:server-fqdn,fullchain:join-urls,fullchain:xmpp-domain", "key,cert,bundle", TRUE },
  { "xmpp", "disable,certs,enable",
    "cert:server-fqdn,cert:xmpp-domain,cert:cluster-fqdn-when-clustered,cert:peers-when-clustered",
    "key,cert,bundle", FALSE },
  { "turn", "disable,certs,enable",
    "cert:server-fqdn,cert:cluster-fqdn-when-clustered,cert:peers-when-clustered", "key,cert,bundle", FALSE },
  { "database", "cluster remove,certs,cluster initialize|join|connect",
    "server-cert:server-fqdn,server-cert:peers-when-clustered,client-cert:cn-exact=postgres",
    "server-key,server-cert,client-key,client-cert,ca", FALSE },
};

static void
test_tables (void)
{
  g_autoptr(MpPluginLoader) loader = load_plugins ();

  for (guint i = 0; i < G_N_ELEMENTS (expectations); i++)
    {
      const Expect *e = &expectations[i];
      MpPlugin *p = mp_plugin_loader_lookup (loader, e->name);
      g_autofree char *sequence = NULL;
      g_autofree char *rules = NULL;
      g_autofree char *form = NULL;

      g_assert_nonnull (p);
      sequence = sequence_of (p);
      rules = rules_of (p);
      form = form_of (p, 0);
      g_assert_cmpstr (sequence, ==, e->sequence);
      g_assert_cmpstr (rules, ==, e->rules);
      g_assert_cmpstr (form, ==, e->first_form);
      g_assert_cmpint (mp_plugin_get_descriptor (p)->full_chain_required, ==, e->full_chain);
    }
}

static void
test_webbridge_forms (void)
{
  g_autoptr(MpPluginLoader) loader = load_plugins ();
  MpPlugin *p = mp_plugin_loader_lookup (loader, "webbridge");
  g_autofree char *wb3 = form_of (p, 1);

  g_assert_cmpuint (mp_plugin_get_descriptor (p)->n_forms, ==, 2);
  g_assert_cmpstr (wb3, ==, "key,fullchain");
  g_assert_cmpint (mp_plugin_find_role (p, "fullchain")->kind, ==, MP_ROLE_FULLCHAIN);
  g_assert_cmpstr (mp_plugin_find_role (p, "fullchain")->pairs_with, ==, "key");
}

static void
test_database (void)
{
  g_autoptr(MpPluginLoader) loader = load_plugins ();
  MpPlugin *p = mp_plugin_loader_lookup (loader, "database");
  g_autofree char *connect = form_of (p, 1);
  const MpPluginRole *client = mp_plugin_find_role (p, "client-cert");
  MpPluginFacts facts = { .struct_size = sizeof (MpPluginFacts), .server_fqdn = "cms2.example.com" };
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (connect, ==, "client-key,client-cert,ca");
  g_assert_cmpstr (client->issued_by, ==, "ca");
  g_assert_cmpuint (client->ext_key_usage, ==, MP_EKU_CLIENT_AUTH);
  g_assert_cmpstr (mp_plugin_find_role (p, "server-cert")->issued_by, ==, "ca");

  /* the hook, through the core's runner */
  g_assert_false (mp_plugin_check_facts (p, &facts, &error));
  g_assert_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS);
  g_assert_cmpstr (error->message, ==, "plugin database: database-role is not set; "
                   "run 'meetpki node set database-role primary|joined|connected'");
  g_clear_error (&error);
  facts.database_role = "joined";
  g_assert_false (mp_plugin_check_facts (p, &facts, &error));
  g_assert_nonnull (strstr (error->message, "a joined node needs the primary's address"));
  g_clear_error (&error);
  facts.database_primary = "CMS2.example.com";
  g_assert_false (mp_plugin_check_facts (p, &facts, &error));
  g_assert_nonnull (strstr (error->message, "database-primary is this node"));
  g_clear_error (&error);
  facts.database_primary = "cms1.example.com";
  g_assert_true (mp_plugin_check_facts (p, &facts, &error));
  g_assert_no_error (error);
  facts.database_role = "primary";
  facts.database_primary = NULL;
  g_assert_true (mp_plugin_check_facts (p, &facts, &error));
  g_assert_no_error (error);

  /* the other plugins have no code to run */
  g_assert_true (mp_plugin_check_facts (mp_plugin_loader_lookup (loader, "webadmin"), &facts, &error));
  g_assert_null (mp_plugin_get_descriptor (mp_plugin_loader_lookup (loader, "webadmin"))->check_facts);
}

/* runs the cli with @plugin_dir as $MEETPKI_PLUGIN_DIR */
static int
run_cli (const char *plugin_dir, const char *home, char **out, char **err, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_auto(GStrv) envp = g_get_environ ();
  g_autoptr(GError) error = NULL;
  const char *arg;
  int status = -1;
  va_list ap;

  g_ptr_array_add (argv, (gpointer) g_getenv ("MEETPKI_CLI"));
  g_ptr_array_add (argv, (gpointer) "--home");
  g_ptr_array_add (argv, (gpointer) home);
  va_start (ap, err);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  envp = g_environ_setenv (envp, "MEETPKI_PLUGIN_DIR", plugin_dir, TRUE);
  g_spawn_sync (NULL, (char **) argv->pdata, envp, G_SPAWN_DEFAULT, NULL, NULL, out, err, &status, &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (status));
  return WEXITSTATUS (status);
}

static void
test_cli_list (void)
{
  g_autofree char *home = g_dir_make_tmp ("meetpki-home-XXXXXX", NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *array;

  g_assert_cmpint (run_cli (g_getenv ("MEETPKI_PLUGIN_DIR"), home, &out, &err, "plugins", "list", "--json", NULL), ==, 0);
  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  g_assert_no_error (error);
  array = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (array), ==, 6);
  {
    JsonObject *db = json_array_get_object_element (array, 1);
    JsonArray *seq = json_object_get_array_member (db, "sequence");
    g_assert_cmpstr (json_object_get_string_member (db, "name"), ==, "database");
    g_assert_cmpstr (json_array_get_string_element (seq, 0), ==, "cluster remove");
    g_assert_true (json_object_get_boolean_member (db, "checks_facts"));
  }
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli (g_getenv ("MEETPKI_PLUGIN_DIR"), home, &out, &err, "services", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "webadmin: Web Admin"));
  g_assert_nonnull (strstr (out, "  sequence: disable -> certs -> enable"));
  g_assert_nonnull (strstr (out, "  sequence: certs -> restart"));
  rm_rf (home);
}

/* a refused plugin dir fails service commands, but pki never loads plugins */
static void
test_cli_pki_loads_none (void)
{
  g_autofree char *home = g_dir_make_tmp ("meetpki-home-XXXXXX", NULL);
  g_autofree char *bad = g_dir_make_tmp ("meetpki-plugins-XXXXXX", NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *key = g_build_filename (home, "cms1.key", NULL);
  g_autofree char *csr = g_build_filename (home, "cms1.csr", NULL);

  g_assert_cmpint (g_chmod (bad, 0777), ==, 0);
  g_assert_cmpint (run_cli (bad, home, &out, &err, "plugins", "list", NULL), ==, 6);
  g_assert_nonnull (strstr (err, "is writable by group or others (mode 0777)"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli (bad, home, &out, &err, "pki", "csr", "cms1", "CN:cms1.example.com", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Created key file cms1.key and CSR cms1.csr"));
  g_assert_true (g_file_test (key, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (csr, G_FILE_TEST_EXISTS));
  rm_rf (home);
  g_assert_cmpint (g_rmdir (bad), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/plugins/all-six", test_all_six);
  g_test_add_func ("/plugins/tables", test_tables);
  g_test_add_func ("/plugins/webbridge-forms", test_webbridge_forms);
  g_test_add_func ("/plugins/database", test_database);
  g_test_add_func ("/plugins/cli/list", test_cli_list);
  g_test_add_func ("/plugins/cli/pki-loads-none", test_cli_pki_loads_none);
  return g_test_run ();
}
