/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * node facts: validation, node.conf in the store, and `meetpki node`.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include <meetpki/meetpki.h>

typedef struct {
  char *home;
  MpStore *store;
  char *conf;
} Fixture;

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

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->home = g_dir_make_tmp ("meetpki-node-XXXXXX", &error);
  g_assert_no_error (error);
  f->store = mp_store_new (f->home, &error);
  g_assert_no_error (error);
  f->conf = g_build_filename (f->home, MP_NODE_FACTS_FILE, NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->store, mp_store_unref);
  rm_rf (f->home);
  g_free (f->home);
  g_free (f->conf);
}

static char *
read_conf (Fixture *f)
{
  char *text = NULL;

  if (!g_file_get_contents (f->conf, &text, NULL, NULL))
    return NULL;
  return text;
}

static void
test_empty (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MpNodeFacts) facts = mp_node_facts_load (f->store, &error);
  MpPluginFacts pf;

  g_assert_no_error (error);
  g_assert_null (facts->server_fqdn);
  g_assert_null (facts->peers);
  g_assert_false (mp_node_facts_is_clustered (facts));
  g_assert_false (g_file_test (f->conf, G_FILE_TEST_EXISTS));
  mp_node_facts_to_plugin (facts, &pf);
  g_assert_cmpuint (pf.struct_size, ==, sizeof (MpPluginFacts));
  g_assert_null (pf.server_fqdn);
}

static void
set_ok (Fixture *f, const char *key, const char *value)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (mp_node_facts_set (f->store, key, value, &error));
  g_assert_no_error (error);
}

static void
test_set_all (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MpNodeFacts) facts = NULL;
  g_autofree char *text = NULL;
  MpPluginFacts pf;
  GStatBuf st;

  set_ok (f, "server-fqdn", "cms1.example.com");
  set_ok (f, "cluster-fqdn", " cms.example.com ");
  set_ok (f, "peers", "cms1.example.com, cms2.example.com,cms3.example.com");
  set_ok (f, "join-urls", "join.example.com");
  set_ok (f, "xmpp-domain", "example.com");
  set_ok (f, "database-role", "joined");
  set_ok (f, "database-primary", "cms2.example.com");
  /* replacing a value */
  set_ok (f, "database-primary", "192.0.2.10");

  facts = mp_node_facts_load (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (facts->server_fqdn, ==, "cms1.example.com");
  g_assert_cmpstr (facts->cluster_fqdn, ==, "cms.example.com");
  g_assert_cmpuint (g_strv_length (facts->peers), ==, 3);
  g_assert_cmpstr (facts->peers[1], ==, "cms2.example.com");
  g_assert_cmpstr (facts->join_urls[0], ==, "join.example.com");
  g_assert_null (facts->join_urls[1]);
  g_assert_cmpstr (facts->xmpp_domain, ==, "example.com");
  g_assert_cmpstr (facts->database_role, ==, "joined");
  g_assert_cmpstr (facts->database_primary, ==, "192.0.2.10");
  g_assert_true (mp_node_facts_is_clustered (facts));

  mp_node_facts_to_plugin (facts, &pf);
  g_assert_cmpstr (pf.peers[2], ==, "cms3.example.com");
  g_assert_cmpstr (pf.database_role, ==, "joined");

  /* a keyfile, public, in the store */
  text = read_conf (f);
  g_assert_nonnull (strstr (text, "[node]\n"));
  g_assert_nonnull (strstr (text, "peers=cms1.example.com;cms2.example.com;cms3.example.com;\n"));
  g_assert_cmpint (g_stat (f->conf, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0644);

  g_assert_true (mp_node_facts_unset (f->store, "peers", &error));
  g_assert_true (mp_node_facts_unset (f->store, "peers", &error));
  g_assert_no_error (error);
  g_clear_pointer (&facts, mp_node_facts_free);
  facts = mp_node_facts_load (f->store, &error);
  g_assert_null (facts->peers);
  g_assert_true (mp_node_facts_is_clustered (facts)); /* cluster-fqdn is still set */
}

static void
assert_refused (Fixture *f, const char *key, const char *value, const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *before = read_conf (f);
  g_autofree char *after = NULL;

  g_assert_false (mp_node_facts_set (f->store, key, value, &error));
  g_assert_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS);
  if (strstr (error->message, expected) == NULL)
    g_error ("expected '%s' in '%s'", expected, error->message);
  /* nothing changed on disk */
  after = read_conf (f);
  g_assert_cmpstr (before, ==, after);
}

static void
test_validation (Fixture *f, gconstpointer data)
{
  set_ok (f, "server-fqdn", "cms1.example.com");

  assert_refused (f, "serverfqdn", "cms1.example.com", "unknown node fact 'serverfqdn'; did you mean 'server-fqdn'?");
  assert_refused (f, "colour", "blue", "unknown node fact 'colour'; the facts are server-fqdn, cluster-fqdn");
  assert_refused (f, "server-fqdn", "cms1..example.com", "server-fqdn: 'cms1..example.com' is not a valid DNS name");
  assert_refused (f, "server-fqdn", "cms_1.example.com", "character '_' is not allowed");
  assert_refused (f, "server-fqdn", "*.example.com", "is a wildcard");
  assert_refused (f, "server-fqdn", "192.0.2.1", "is an IP address; give the host name");
  assert_refused (f, "server-fqdn", "  ", "the value is empty; use 'meetpki node unset server-fqdn'");
  assert_refused (f, "join-urls", "https://join.example.com/meeting", "is a URL; give the host name alone (join.example.com)");
  assert_refused (f, "peers", "cms1.example.com,,cms2.example.com", "has an empty entry");
  assert_refused (f, "peers", "cms1.example.com,CMS1.example.com", "'CMS1.example.com' is listed twice");
  assert_refused (f, "peers", "cms1.example.com,bad name", "not a valid DNS name");
  assert_refused (f, "database-role", "primay", "'primay' is not one of primary, joined, connected; did you mean 'primary'?");
  assert_refused (f, "database-role", "master", "'master' is not one of primary, joined, connected");
  assert_refused (f, "database-primary", "not a host", "not a valid DNS name");
  {
    g_autoptr(GError) error = NULL;
    g_assert_false (mp_node_facts_unset (f->store, "peer", &error));
    g_assert_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS);
    g_assert_nonnull (strstr (error->message, "did you mean 'peers'?"));
  }
}

/* a hand-edited file is checked too, and never silently rewritten */
static void
test_bad_file (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MpNodeFacts) facts = NULL;
  g_autofree char *after = NULL;
  const char *bad = "[node]\nserver-fqdn=cms1.example.com\nxmpp-domian=example.com\n";

  g_assert_true (g_file_set_contents (f->conf, bad, -1, NULL));
  facts = mp_node_facts_load (f->store, &error);
  g_assert_null (facts);
  g_assert_error (error, MP_ERROR, MP_ERROR_INVALID_DATA);
  g_assert_cmpstr (error->message, ==, "node.conf: unknown node fact 'xmpp-domian'; did you mean 'xmpp-domain'?");
  g_clear_error (&error);

  g_assert_false (mp_node_facts_set (f->store, "peers", "cms2.example.com", &error));
  g_assert_error (error, MP_ERROR, MP_ERROR_INVALID_DATA);
  g_clear_error (&error);
  after = read_conf (f);
  g_assert_cmpstr (after, ==, bad);

  g_assert_true (g_file_set_contents (f->conf, "[node]\nserver-fqdn=cms 1\n", -1, NULL));
  g_assert_null (mp_node_facts_load (f->store, &error));
  g_assert_error (error, MP_ERROR, MP_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "node.conf: server-fqdn: 'cms 1' is not a valid DNS name"));
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (f->conf, "[other]\nx=y\n", -1, NULL));
  g_assert_null (mp_node_facts_load (f->store, &error));
  g_assert_nonnull (strstr (error->message, "unknown group [other]"));
}

static int
run_cli (const char *home, char **out, char **err, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
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
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, err, &status, &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (status));
  return WEXITSTATUS (status);
}

static void
test_cli (Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *obj;

  g_assert_cmpint (run_cli (f->home, &out, &err, "node", "set", "server-fqdn", "cms1.example.com", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "server-fqdn set to cms1.example.com\n");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  /* a list as several words */
  g_assert_cmpint (run_cli (f->home, &out, &err, "node", "set", "peers", "cms1.example.com,", "cms2.example.com", NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_cli (f->home, &out, &err, "node", "set", "server-fqdn", "a.example.com", "b.example.com", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "server-fqdn takes one value"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_cli (f->home, &out, &err, "node", "set", "database-role", "primay", NULL), ==, 2);
  g_assert_cmpstr (err, ==, "meetpki: database-role: 'primay' is not one of primary, joined, connected; did you mean 'primary'?\n");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli (f->home, &out, &err, "node", "show", "--json", NULL), ==, 0);
  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  g_assert_no_error (error);
  obj = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (obj, "server-fqdn"), ==, "cms1.example.com");
  g_assert_true (json_object_get_null_member (obj, "xmpp-domain"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj, "peers")), ==, 2);
  g_assert_true (json_object_get_boolean_member (obj, "clustered"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli (f->home, &out, &err, "node", "show", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "server-fqdn       cms1.example.com\n"));
  g_assert_nonnull (strstr (out, "peers             cms1.example.com, cms2.example.com\n"));
  g_assert_nonnull (strstr (out, "xmpp-domain       (not set)\n"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/node/empty", Fixture, NULL, fixture_setup, test_empty, fixture_teardown);
  g_test_add ("/node/set-all", Fixture, NULL, fixture_setup, test_set_all, fixture_teardown);
  g_test_add ("/node/validation", Fixture, NULL, fixture_setup, test_validation, fixture_teardown);
  g_test_add ("/node/bad-file", Fixture, NULL, fixture_setup, test_bad_file, fixture_teardown);
  g_test_add ("/node/cli", Fixture, NULL, fixture_setup, test_cli, fixture_teardown);
  return g_test_run ();
}
