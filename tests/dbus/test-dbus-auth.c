/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * meetpkid's authorization and error mapping, under dbus-run-session: the
 * session rule refuses another uid; on the system-bus path every call goes
 * to polkit (a stand-in here) before any work; MP_ERROR codes cross the bus
 * as io.meetpki.Error.<Name>.
 */
#include "config.h"

#include <fcntl.h>
#include <gio/gunixfdlist.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "mp-test-io.h"
#include "mpd.h"
#include "mpd-generated.h"

static void
test_error_names (void)
{
  for (int code = 0; code < MP_ERROR_LAST; code++)
    {
      g_autoptr(GError) error = g_error_new (MP_ERROR, code, "message %d", code);
      g_autofree char *name = g_dbus_error_encode_gerror (error);
      g_autofree char *expected = g_strconcat ("io.meetpki.Error.", mp_error_to_string (code), NULL);
      g_autoptr(GError) back = g_dbus_error_new_for_dbus_error (name, "message");

      g_assert_cmpstr (name, ==, expected);
      g_assert_error (back, MP_ERROR, code);
    }
  g_assert_cmpstr (mp_error_to_string (MP_ERROR_LAST), ==, "Failed");
  g_assert_cmpstr (mp_error_to_string (MP_ERROR_OUTSIDE_STORE), ==, "OutsideStore");
}

static void
test_variant (void)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) v = NULL;
  g_autofree char *text = NULL;

  json_parser_load_from_data (parser,
                              "{\"null\":null,\"s\":\"x\",\"n\":3,\"b\":true,\"d\":1.5,\"l\":[\"a\",\"b\"],"
                              "\"o\":[{\"k\":1,\"z\":null}],\"m\":[1,\"x\",null],\"e\":[]}",
                              -1, &error);
  g_assert_no_error (error);
  v = g_variant_ref_sink (mpd_json_to_variant (json_parser_get_root (parser)));
  g_assert_cmpstr (g_variant_get_type_string (v), ==, "a{sv}");
  text = g_variant_print (v, TRUE);
  g_assert_cmpstr (text, ==,
                   "{'s': <'x'>, 'n': <int64 3>, 'b': <true>, 'd': <1.5>, 'l': <['a', 'b']>, "
                   "'o': <[{'k': <int64 1>}]>, 'm': <[<int64 1>, <'x'>]>, 'e': <@as []>}");
}

static void
test_actions (void)
{
  static const char *const writes[] = { "GenerateCsr", "SelfSigned", "Sign", "BuildBundle", "SetNodeFact",
                                        "Import", "Export", "Pkcs12ToPem", "FixBundleJson", "Provision" };
  static const char *const reads[] = { "Inspect", "Match", "MatchFiles", "ClusterStatusJson", "Verify", "List", "CheckBundle", "ListServices", "NodeFacts",
                                       "Check" };
  static const char *const service_writes[] = { "GenerateCsr", "ApplyCertificates", "Apply", "Rollback",
                                                "ApplyCertificatesJson", "ApplyJson", "RollbackJson",
                                                "Enable", "Disable", "Restart", "SetEndpoint" };
  static const char *const cluster_writes[] = { "SetLocalNode", "Initialize", "Join", "Connect", "Remove" };
  GDBusInterfaceInfo *infos[] = { mpd_manager1_interface_info (), mpd_service1_interface_info (),
                                  mpd_cluster1_interface_info () };

  for (guint i = 0; i < G_N_ELEMENTS (writes); i++)
    g_assert_cmpstr (mpd_auth_action_for_method ("io.meetpki.Manager1", writes[i]), ==, MPD_ACTION_WRITE);
  for (guint i = 0; i < G_N_ELEMENTS (reads); i++)
    g_assert_cmpstr (mpd_auth_action_for_method ("io.meetpki.Manager1", reads[i]), ==, MPD_ACTION_READ);
  for (guint i = 0; i < G_N_ELEMENTS (service_writes); i++)
    g_assert_cmpstr (mpd_auth_action_for_method ("io.meetpki.Service1", service_writes[i]), ==, MPD_ACTION_WRITE);
  for (guint i = 0; i < G_N_ELEMENTS (cluster_writes); i++)
    g_assert_cmpstr (mpd_auth_action_for_method ("io.meetpki.Cluster1", cluster_writes[i]), ==, MPD_ACTION_WRITE);
  g_assert_cmpstr (mpd_auth_action_for_method ("io.meetpki.Service1", "GetStatus"), ==, MPD_ACTION_READ);
  g_assert_cmpstr (mpd_auth_action_for_method ("io.meetpki.Service1", "Probe"), ==, MPD_ACTION_READ);
  /* commands run as root: an action of its own, not the write one */
  g_assert_cmpstr (mpd_auth_action_for_method ("io.meetpki.Service1", "SetBackend"), ==, MPD_ACTION_SET_BACKEND);
  g_assert_cmpstr (mpd_auth_action_for_method ("io.meetpki.Cluster1", "GetStatus"), ==, MPD_ACTION_READ);
  /* every method of every interface has a rule; anything else has none */
  for (guint k = 0; k < G_N_ELEMENTS (infos); k++)
    {
      for (guint i = 0; infos[k]->methods[i] != NULL; i++)
        g_assert_nonnull (mpd_auth_action_for_method (infos[k]->name, infos[k]->methods[i]->name));
    }
  /* a rule is per interface: a name of one interface is nothing on another */
  g_assert_null (mpd_auth_action_for_method ("io.meetpki.Manager1", "Enable"));
  g_assert_null (mpd_auth_action_for_method ("io.meetpki.Service1", "List"));
  g_assert_null (mpd_auth_action_for_method ("io.meetpki.Other1", "GetStatus"));
  g_assert_null (mpd_auth_action_for_method ("io.meetpki.Manager1", "Frobnicate"));
  g_assert_null (mpd_auth_action_for_method (NULL, "List"));
  g_assert_null (mpd_auth_action_for_method ("io.meetpki.Manager1", NULL));
}

static GDBusConnection *
new_client (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, &error);
  GDBusConnection *c;

  g_assert_no_error (error);
  c = g_dbus_connection_new_for_address_sync (address,
                                              G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                              NULL, NULL, &error);
  g_assert_no_error (error);
  return c;
}

static void
test_session_rule (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_autoptr(GDBusConnection) client = new_client ();
  const char *caller = g_dbus_connection_get_unique_name (client);
  uid_t uid = 0;

  g_assert_no_error (error);
  g_assert_true (mpd_auth_get_caller_uid (bus, caller, &uid, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (uid, ==, getuid ());

  g_assert_true (mpd_auth_check_session (bus, caller, getuid (), &error));
  g_assert_no_error (error);
  /* a daemon serving another user refuses this caller */
  g_assert_false (mpd_auth_check_session (bus, caller, getuid () + 1, &error));
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED);
  g_assert_nonnull (strstr (error->message, "access denied"));
  g_clear_error (&error);
  g_assert_false (mpd_auth_check_session (bus, NULL, getuid (), &error));
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED);
}

/* the polkit stand-in: records each question, allows reading (and, when
 * told, writing) only */
typedef struct {
  GMutex lock;
  GPtrArray *asked; /* "action sender" */
  gboolean grant_write;
} FakePolkit;

static gboolean
fake_polkit (const char *action_id, const char *sender, gboolean interactive, gpointer user_data, GError **error)
{
  FakePolkit *fake = user_data;

  g_mutex_lock (&fake->lock);
  g_ptr_array_add (fake->asked, g_strdup_printf ("%s %s", action_id, sender));
  g_mutex_unlock (&fake->lock);
  if (g_str_equal (action_id, MPD_ACTION_READ) || (fake->grant_write && g_str_equal (action_id, MPD_ACTION_WRITE)))
    return TRUE;
  g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED, "access denied: not authorized for %s", action_id);
  return FALSE;
}

static void
on_reply (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (res);
}

/* calls on @client and spins the default context, where the daemon's
 * object dispatches, until the reply comes */
static GVariant *
call_on (GDBusConnection *client, const char *path, const char *interface, const char *method, GVariant *params,
         GError **error)
{
  g_autoptr(GAsyncResult) res = NULL;

  g_dbus_connection_call (client, MPD_BUS_NAME, path, interface, method, params, NULL,
                          G_DBUS_CALL_FLAGS_NONE, 30000, NULL, on_reply, &res);
  while (res == NULL)
    g_main_context_iteration (NULL, TRUE);
  return g_dbus_connection_call_finish (client, res, error);
}

static GVariant *
call (GDBusConnection *client, const char *method, GVariant *params, GError **error)
{
  return call_on (client, MPD_OBJECT_PATH, "io.meetpki.Manager1", method, params, error);
}

/* a daemon on the system-bus path (polkit asked) over an empty store of
 * its own, serving on the session bus of dbus-run-session, and a client */
typedef struct {
  GDBusConnection *bus;
  GDBusConnection *client;
  char *home;
  MpStore *store;
  MpPluginLoader *plugins;
  MpdDaemon *daemon;
  FakePolkit fake;
  MpdAuth auth;
  guint owner;
  char *want_write; /* what polkit is asked for a write by the client */
} AuthFixture;

typedef struct {
  gboolean plugins;     /* load the service plugins (the Service1 objects) */
  gboolean grant_write; /* the polkit stand-in allows writing too */
} AuthSetup;

static void
auth_fixture_set_up (AuthFixture *fx, gconstpointer data)
{
  const AuthSetup *setup = data;
  g_autoptr(GError) error = NULL;

  fx->bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  fx->client = new_client ();
  fx->home = g_dir_make_tmp ("meetpkid-auth-XXXXXX", &error);
  g_assert_no_error (error);
  fx->store = mp_store_new (fx->home, &error);
  g_assert_no_error (error);
  if (setup->plugins)
    {
      fx->plugins = mp_plugin_loader_new (NULL);
      g_assert_true (mp_plugin_loader_load (fx->plugins, &error));
      g_assert_no_error (error);
    }
  fx->fake.asked = g_ptr_array_new_with_free_func (g_free);
  fx->fake.grant_write = setup->grant_write;
  g_mutex_init (&fx->fake.lock);
  fx->auth = (MpdAuth) { .system_bus = TRUE, .owner_uid = getuid (), .polkit = fake_polkit,
                         .polkit_data = &fx->fake };
  fx->daemon = mpd_daemon_new (fx->store, fx->plugins, NULL, &fx->auth);
  g_assert_true (mpd_daemon_export (fx->daemon, fx->bus, &error));
  g_assert_no_error (error);
  fx->owner = g_bus_own_name_on_connection (fx->bus, MPD_BUS_NAME, G_BUS_NAME_OWNER_FLAGS_NONE,
                                            NULL, NULL, NULL, NULL);
  fx->want_write = g_strdup_printf ("%s %s", MPD_ACTION_WRITE, g_dbus_connection_get_unique_name (fx->client));
}

static void
auth_fixture_tear_down (AuthFixture *fx, gconstpointer data)
{
  g_bus_unown_name (fx->owner);
  g_clear_pointer (&fx->daemon, mpd_daemon_free);
  g_clear_pointer (&fx->plugins, mp_plugin_loader_free);
  g_clear_pointer (&fx->store, mp_store_unref);
  g_ptr_array_unref (fx->fake.asked);
  g_mutex_clear (&fx->fake.lock);
  mpt_rm_rf (fx->home);
  /* everything the test left in the store could be removed */
  g_assert_false (g_file_test (fx->home, G_FILE_TEST_EXISTS));
  g_free (fx->home);
  g_free (fx->want_write);
  g_clear_object (&fx->client);
  g_clear_object (&fx->bus);
}

/* the store is left as it was made: empty, not even a lock file */
static void
assert_home_empty (AuthFixture *fx)
{
  g_autoptr(GDir) dir = g_dir_open (fx->home, 0, NULL);

  g_assert_nonnull (dir);
  g_assert_null (g_dir_read_name (dir));
}

/* a write refused by polkit: AccessDenied, and polkit asked @action once
 * more (the @n'th question) */
static void
assert_refused (AuthFixture *fx, GVariant *reply, GError **error, const char *action, guint n)
{
  g_autofree char *remote = NULL;
  g_autofree char *want = g_strdup_printf ("%s %s", action, g_dbus_connection_get_unique_name (fx->client));

  g_assert_null (reply);
  g_assert_error (*error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED);
  remote = g_dbus_error_get_remote_error (*error);
  g_assert_cmpstr (remote, ==, "org.freedesktop.DBus.Error.AccessDenied");
  g_clear_error (error);
  g_assert_cmpuint (fx->fake.asked->len, ==, n);
  g_assert_cmpstr (g_ptr_array_index (fx->fake.asked, n - 1), ==, want);
}

static void
test_system_bus_asks_polkit_first (AuthFixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GPtrArray) names = NULL;
  g_autofree char *want_read = NULL;

  /* writing: polkit says no, so nothing is generated */
  reply = call (fx->client, "GenerateCsr",
                g_variant_new_parsed ("('web', ['CN:web.example.com'], @a{sv} {})"), &error);
  assert_refused (fx, reply, &error, MPD_ACTION_WRITE, 1);
  names = mp_store_list_names (fx->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (names->len, ==, 0);

  /* reading: allowed, and it works */
  reply = call (fx->client, "List", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (reply);

  want_read = g_strdup_printf ("%s %s", MPD_ACTION_READ, g_dbus_connection_get_unique_name (fx->client));
  g_assert_cmpuint (fx->fake.asked->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (fx->fake.asked, 1), ==, want_read);
  assert_home_empty (fx);
}

/* every write method of the service objects is refused by polkit before it
 * touches anything; GetStatus (a read) is allowed */
static void
test_service_writes_ask_polkit_first (AuthFixture *fx, gconstpointer data)
{
  static const struct {
    const char *path, *interface, *method, *params, *action; /* NULL: MPD_ACTION_WRITE */
  } writes[] = {
    { MPD_SERVICES_PATH "/webadmin", "io.meetpki.Service1", "GenerateCsr", "('web', @a{sv} {})" },
    { MPD_SERVICES_PATH "/webadmin", "io.meetpki.Service1", "ApplyCertificates", "(['web.key', 'web.crt'], @a{sv} {})" },
    { MPD_SERVICES_PATH "/webadmin", "io.meetpki.Service1", "Apply", "(['web.key', 'web.crt'], @a{sv} {})" },
    { MPD_SERVICES_PATH "/webadmin", "io.meetpki.Service1", "Rollback", "(@a{sv} {},)" },
    { MPD_SERVICES_PATH "/webadmin", "io.meetpki.Service1", "ApplyCertificatesJson", "(['web.key', 'web.crt'], @a{sv} {})" },
    { MPD_SERVICES_PATH "/webadmin", "io.meetpki.Service1", "ApplyJson", "(['web.key', 'web.crt'], @a{sv} {})" },
    { MPD_SERVICES_PATH "/webadmin", "io.meetpki.Service1", "RollbackJson", "(@a{sv} {},)" },
    { MPD_SERVICES_PATH "/webadmin", "io.meetpki.Service1", "Enable", "(@a{sv} {},)" },
    { MPD_SERVICES_PATH "/xmpp", "io.meetpki.Service1", "Disable", "(@a{sv} {},)" },
    { MPD_SERVICES_PATH "/turn", "io.meetpki.Service1", "Restart", "(@a{sv} {},)" },
    { MPD_SERVICES_PATH "/turn", "io.meetpki.Service1", "SetEndpoint", "('127.0.0.1:5349', @a{sv} {})" },
    { MPD_SERVICES_PATH "/turn", "io.meetpki.Service1", "SetBackend", "('exec', ['restart=true'], @a{sv} {})",
      MPD_ACTION_SET_BACKEND },
    { MPD_SERVICES_PATH "/database", "io.meetpki.Cluster1", "SetLocalNode", "('a',)" },
    { MPD_SERVICES_PATH "/database", "io.meetpki.Cluster1", "Initialize", "(@a{sv} {},)" },
    { MPD_SERVICES_PATH "/database", "io.meetpki.Cluster1", "Join", "('db1.example.com', @a{sv} {})" },
    { MPD_SERVICES_PATH "/database", "io.meetpki.Cluster1", "Connect", "('db1.example.com', @a{sv} {})" },
    { MPD_SERVICES_PATH "/database", "io.meetpki.Cluster1", "Remove", "({'yes': <true>},)" },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GPtrArray) names = NULL;
  g_autofree char *conf = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (writes); i++)
    {
      reply = call_on (fx->client, writes[i].path, writes[i].interface, writes[i].method,
                       g_variant_new_parsed (writes[i].params), &error);
      /* polkit was asked for the method's action, once per call */
      assert_refused (fx, reply, &error, writes[i].action != NULL ? writes[i].action : MPD_ACTION_WRITE, i + 1);
    }
  /* nothing was written: no key, no configuration, no live files */
  names = mp_store_list_names (fx->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (names->len, ==, 0);
  conf = g_build_filename (fx->home, MP_SERVICES_FILE, NULL);
  g_assert_false (g_file_test (conf, G_FILE_TEST_EXISTS));

  /* reading the status is allowed */
  reply = call_on (fx->client, MPD_SERVICES_PATH "/webadmin", "io.meetpki.Service1", "GetStatus", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (reply);
  g_clear_pointer (&reply, g_variant_unref);
  reply = call_on (fx->client, MPD_SERVICES_PATH "/database", "io.meetpki.Cluster1", "GetStatus", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (reply);
  assert_home_empty (fx);
}

/* the Manager1 methods that write files into the store from descriptors
 * (mpd-transfer.c): polkit says no before anything is read or written */
static void
test_transfer_writes_ask_polkit_first (AuthFixture *fx, gconstpointer data)
{
  static const struct {
    const char *method, *params;
  } writes[] = {
    { "Pkcs12ToPem", "('web', @h 0, {'password-fd': <@h 1>})" },
    { "FixBundleJson", "('web.pem', 'fixed.pem', @a{sv} {})" },
    /* a profile that would write node facts, import a CA and apply */
    { "Provision", "('[node]\\nserver-fqdn=cms1.example.com\\n[ca]\\nmode=existing\\nkey=ca.key\\ncert=ca.crt\\n', "
                   "{'source': <'/tmp/p.conf'>, 'ca-key-fd': <@h 0>, 'ca-cert-fd': <@h 1>})" },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) names = NULL;
  g_autofree char *outside = NULL;
  int input;

  /* a file to pass: the write is refused before it is even looked at */
  input = g_file_open_tmp ("meetpkid-auth-input-XXXXXX", &outside, &error);
  g_assert_no_error (error);
  g_assert_cmpint (write (input, "not read\n", 9), ==, 9);
  close (input);

  for (guint i = 0; i < G_N_ELEMENTS (writes); i++)
    {
      g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
      g_autoptr(GAsyncResult) res = NULL;
      g_autoptr(GVariant) reply = NULL;

      for (guint k = 0; k < 2; k++)
        {
          int fd = open (outside, O_RDONLY | O_CLOEXEC);
          g_assert_cmpint (fd, >=, 0);
          g_assert_cmpint (g_unix_fd_list_append (fds, fd, &error), ==, (int) k);
          close (fd);
        }
      g_dbus_connection_call_with_unix_fd_list (fx->client, MPD_BUS_NAME, MPD_OBJECT_PATH, "io.meetpki.Manager1",
                                                writes[i].method, g_variant_new_parsed (writes[i].params), NULL,
                                                G_DBUS_CALL_FLAGS_NONE, 30000, fds, NULL, on_reply, &res);
      while (res == NULL)
        g_main_context_iteration (NULL, TRUE);
      reply = g_dbus_connection_call_with_unix_fd_list_finish (fx->client, NULL, res, &error);
      assert_refused (fx, reply, &error, MPD_ACTION_WRITE, i + 1);
    }
  /* nothing was written */
  names = mp_store_list_names (fx->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (names->len, ==, 0);
  g_assert_cmpint (g_unlink (outside), ==, 0);
  assert_home_empty (fx);
}

/* SetBackend sets commands the daemon runs as root: a caller polkit lets
 * write is still refused, because SetBackend asks for its own action, and
 * asks before any work */
static void
test_set_backend_own_action (AuthFixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *conf = g_build_filename (fx->home, MP_SERVICES_FILE, NULL);
  g_autofree char *text = NULL;
  const char *backend = NULL;

  /* refused, with the set-backend action asked and nothing else */
  reply = call_on (fx->client, MPD_SERVICES_PATH "/turn", "io.meetpki.Service1", "SetBackend",
                   g_variant_new_parsed ("('exec', ['restart=touch /tmp/x'], @a{sv} {})"), &error);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, MPD_ACTION_SET_BACKEND));
  assert_refused (fx, reply, &error, MPD_ACTION_SET_BACKEND, 1);
  g_assert_false (g_file_test (conf, G_FILE_TEST_EXISTS));

  /* the same caller may write: SetEndpoint goes through and is recorded */
  reply = call_on (fx->client, MPD_SERVICES_PATH "/turn", "io.meetpki.Service1", "SetEndpoint",
                   g_variant_new_parsed ("('127.0.0.1:5349', @a{sv} {})"), &error);
  g_assert_no_error (error);
  g_assert_nonnull (reply);
  g_clear_pointer (&reply, g_variant_unref);
  g_assert_cmpuint (fx->fake.asked->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (fx->fake.asked, 1), ==, fx->want_write);
  g_assert_true (g_file_get_contents (conf, &text, NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (text, "127.0.0.1:5349"));

  /* a dry run of SetBackend is refused alike; the backend stays embedded */
  reply = call_on (fx->client, MPD_SERVICES_PATH "/turn", "io.meetpki.Service1", "SetBackend",
                   g_variant_new_parsed ("('exec', ['restart=true'], {'dry-run': <true>})"), &error);
  assert_refused (fx, reply, &error, MPD_ACTION_SET_BACKEND, 3);
  g_assert_null (strstr (text, "exec"));
  reply = call_on (fx->client, MPD_SERVICES_PATH "/turn", "io.meetpki.Service1", "GetStatus", NULL, &error);
  g_assert_no_error (error);
  {
    g_autoptr(GVariant) status = g_variant_get_child_value (reply, 0);
    g_assert_true (g_variant_lookup (status, "backend", "&s", &backend));
    g_assert_cmpstr (backend, ==, "embedded");
  }
}

/* service names that differ only in a separator get objects of their own,
 * and each object path gives its name back */
static void
test_service_paths (void)
{
  static const char *const names[] = { "web-bridge", "web_bridge", "web.bridge", "webbridge", "web_2dbridge", "" };
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *plain = mpd_service_path_for ("webadmin");

  /* a name of letters and digits keeps its path: the paths clients know */
  g_assert_cmpstr (plain, ==, "/io/meetpki/Manager1/services/webadmin");
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = mpd_service_path_for (names[i]);
      g_autofree char *back = NULL;
      const char *element;

      g_assert_true (g_variant_is_object_path (path));
      g_assert_true (g_str_has_prefix (path, MPD_SERVICES_PATH "/"));
      element = path + strlen (MPD_SERVICES_PATH "/");
      g_assert_null (strchr (element, '/'));
      back = (char *) g_dbus_unescape_object_path (element);
      g_assert_cmpstr (back, ==, names[i]);
      g_assert_false (g_hash_table_contains (seen, path));
      g_hash_table_add (seen, g_steal_pointer (&path));
    }
  {
    g_autofree char *dash = mpd_service_path_for ("web-bridge");
    g_autofree char *under = mpd_service_path_for ("web_bridge");

    g_assert_cmpstr (dash, ==, "/io/meetpki/Manager1/services/web_2dbridge");
    g_assert_cmpstr (under, ==, "/io/meetpki/Manager1/services/web_5fbridge");
  }
}

int
main (int argc, char **argv)
{
  static const AuthSetup manager_only = { FALSE, FALSE };
  static const AuthSetup with_services = { TRUE, FALSE };
  static const AuthSetup may_write = { TRUE, TRUE };

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dbus/errors/names", test_error_names);
  g_test_add_func ("/dbus/variant/from-json", test_variant);
  g_test_add_func ("/dbus/auth/actions", test_actions);
  g_test_add_func ("/dbus/service/paths", test_service_paths);
  g_test_add_func ("/dbus/auth/session-rule", test_session_rule);
  g_test_add ("/dbus/auth/system-bus-asks-polkit-first", AuthFixture, &manager_only,
              auth_fixture_set_up, test_system_bus_asks_polkit_first, auth_fixture_tear_down);
  g_test_add ("/dbus/auth/service-writes-ask-polkit-first", AuthFixture, &with_services,
              auth_fixture_set_up, test_service_writes_ask_polkit_first, auth_fixture_tear_down);
  g_test_add ("/dbus/auth/set-backend-own-action", AuthFixture, &may_write,
              auth_fixture_set_up, test_set_backend_own_action, auth_fixture_tear_down);
  g_test_add ("/dbus/auth/transfer-writes-ask-polkit-first", AuthFixture, &manager_only,
              auth_fixture_set_up, test_transfer_writes_ask_polkit_first, auth_fixture_tear_down);
  return g_test_run ();
}
