/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `<service> endpoint` and `<service> probe` against servers the test
 * starts on 127.0.0.1: openssl s_server for plain TLS, a python (openssl)
 * stand-in for the xmpp and postgresql STARTTLS preambles.  the served
 * fingerprint is checked against what openssl computes from the file.
 */
#include "config.h"

#include <gio/gio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mp-test-cli.h"

#define FQDN "wa.example.com"

typedef struct {
  char *home;
  GPid server;
} Fixture;

/* a node whose webadmin has wa.key/wa.crt (signed by ca) applied; another
 * CA's certificate for the same name waits in other.crt */
static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->home = mpt_make_home ();
  mpt_ok (f->home, "node", "set", "server-fqdn", FQDN, NULL);
  mpt_ok (f->home, "node", "set", "xmpp-domain", "example.com", NULL);
  mpt_ok (f->home, "pki", "selfsigned", "ca", "CN:Probe Root CA", NULL);
  mpt_ok (f->home, "pki", "selfsigned", "otherca", "CN:Other Root CA", NULL);
  mpt_ok (f->home, "webadmin", "csr", "wa", NULL);
  mpt_ok (f->home, "pki", "sign", "wa", "ca", NULL);
  mpt_ok (f->home, "webadmin", "csr", "other", NULL);
  mpt_ok (f->home, "pki", "sign", "other", "otherca", NULL);
  mpt_ok (f->home, "webadmin", "apply", "wa.key", "wa.crt", "ca.crt", NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  if (f->server != 0)
    {
      kill (f->server, SIGTERM);
      waitpid (f->server, NULL, 0);
      g_spawn_close_pid (f->server);
    }
  mpt_remove_home (f->home);
  g_free (f->home);
}

/* a server the test starts dies with the test, also when an assertion
 * aborts it */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static guint16
free_port (void)
{
  g_autoptr(GSocket) s = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_assert_true (g_socket_bind (s, any, FALSE, NULL));
  bound = g_socket_get_local_address (s, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static gboolean
accepts (guint16 port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, NULL);

  return conn != NULL;
}

static char *
store_path (Fixture *f, const char *name)
{
  return g_build_filename (f->home, name, NULL);
}

/* openssl s_server with @cert, its key and @chain (nullable) */
static char *
start_s_server (Fixture *f, const char *cert, const char *key, const char *chain)
{
  guint16 port = free_port ();
  g_autofree char *accept = g_strdup_printf ("127.0.0.1:%u", port);
  g_autofree char *cert_path = store_path (f, cert);
  g_autofree char *key_path = store_path (f, key);
  g_autofree char *chain_path = chain != NULL ? store_path (f, chain) : NULL;
  const char *argv[] = { "openssl", "s_server", "-quiet", "-accept", accept, "-cert", cert_path,
                         "-key", key_path, chain != NULL ? "-cert_chain" : NULL, chain_path, NULL };
  g_autoptr(GError) error = NULL;

  g_assert_true (g_spawn_async (f->home, (char **) argv, NULL,
                                G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
                                G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                                die_with_parent, NULL, &f->server, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 100 && !accepts (port); i++)
    g_usleep (50 * 1000);
  g_assert_true (accepts (port));
  return g_steal_pointer (&accept);
}

/* the python stand-in; it prints the port it listens on */
static char *
start_fake (Fixture *f, const char *mode, const char *chain, const char *key)
{
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "probe", "fake-starttls.py", NULL);
  g_autofree char *chain_path = store_path (f, chain);
  g_autofree char *key_path = store_path (f, key);
  const char *argv[] = { "python3", script, mode, chain_path, key_path, NULL };
  g_autoptr(GError) error = NULL;
  char line[32] = "";
  gssize n = 0;
  int out = -1;

  g_assert_true (g_spawn_async_with_pipes (f->home, (char **) argv, NULL,
                                           G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
                                           die_with_parent, NULL, &f->server, NULL, &out, NULL, &error));
  g_assert_no_error (error);
  while (n < (gssize) sizeof line - 1 && strchr (line, '\n') == NULL)
    {
      gssize got = read (out, line + n, sizeof line - 1 - (gsize) n);
      g_assert_cmpint (got, >, 0);
      n += got;
    }
  close (out);
  g_strchomp (line);
  return g_strdup_printf ("127.0.0.1:%s", line);
}

/* the SHA-256 of the certificate's DER, as openssl sees it */
static char *
openssl_fingerprint (Fixture *f, const char *cert)
{
  g_autoptr(MptResult) r = mpt_tool_va (f->home, "openssl", "x509", "-in", cert, "-noout",
                                        "-fingerprint", "-sha256", NULL);
  g_autoptr(GString) hex = g_string_new (NULL);
  const char *eq;

  mpt_assert_ok (r);
  eq = strchr (r->out, '=');
  g_assert_nonnull (eq);
  for (const char *p = eq + 1; *p != '\0' && *p != '\n'; p++)
    {
      if (*p != ':')
        g_string_append_c (hex, g_ascii_tolower (*p));
    }
  return g_string_free (g_steal_pointer (&hex), FALSE);
}

static void
test_plain (Fixture *f, gconstpointer data)
{
  g_autofree char *addr = start_s_server (f, "services/webadmin/cert.pem", "services/webadmin/key.pem",
                                          "services/webadmin/bundle.pem");
  g_autofree char *fp = openssl_fingerprint (f, "wa.crt");
  g_autoptr(MptResult) probe = NULL;
  g_autoptr(MptResult) status = NULL;
  g_autoptr(MptResult) json = NULL;

  mpt_ok (f->home, "webadmin", "endpoint", addr, "--probe-timeout", "3", NULL);
  probe = mpt_meetpki_va (f->home, "webadmin", "probe", NULL);
  mpt_assert_ok (probe);
  g_assert_nonnull (strstr (probe->out, fp));
  g_assert_nonnull (strstr (probe->out, "SUCCESS: served certificate is the applied cert"));
  g_assert_nonnull (strstr (probe->out, "SUCCESS: served chain is complete and in order (2 certificates)"));
  g_assert_nonnull (strstr (probe->out, "SUCCESS: served chain verifies against the applied CA"));
  g_assert_nonnull (strstr (probe->out, "covers the server FQDN " FQDN));
  g_assert_null (strstr (probe->out, "FAILURE"));

  status = mpt_meetpki_va (f->home, "webadmin", "status", NULL);
  mpt_assert_ok (status);
  g_assert_nonnull (strstr (status->out, "endpoint: "));
  g_assert_nonnull (strstr (status->out, addr));
  json = mpt_meetpki_va (f->home, "webadmin", "probe", "--json", NULL);
  mpt_assert_ok (json);
  g_assert_nonnull (strstr (json->out, "\"ok\" : true"));
  g_assert_nonnull (strstr (json->out, fp));
}

static void
test_wrong_ca (Fixture *f, gconstpointer data)
{
  g_autofree char *addr = start_s_server (f, "other.crt", "other.key", NULL);
  g_autoptr(MptResult) probe = NULL;

  mpt_ok (f->home, "webadmin", "endpoint", addr, NULL);
  probe = mpt_meetpki_va (f->home, "webadmin", "probe", NULL);
  mpt_assert_status (probe, 11);
  g_assert_nonnull (strstr (probe->out, "FAILURE: served certificate (SHA-256 "));
  g_assert_nonnull (strstr (probe->out, "FAILURE: served chain is incomplete"));
  g_assert_nonnull (strstr (probe->out, "FAILURE: served chain does not verify against the applied CA"));
  g_assert_nonnull (strstr (probe->err, "check"));
}

static void
test_refused (Fixture *f, gconstpointer data)
{
  g_autofree char *addr = g_strdup_printf ("127.0.0.1:%u", free_port ());
  g_autoptr(MptResult) probe = mpt_meetpki_va (f->home, "webadmin", "probe", addr, NULL);
  g_autoptr(MptResult) none = mpt_meetpki_va (f->home, "webadmin", "probe", NULL);

  mpt_assert_status (probe, 12);
  g_assert_nonnull (strstr (probe->err, "cannot connect to"));
  g_assert_nonnull (strstr (probe->err, "refused"));
  /* no endpoint configured and none named */
  mpt_assert_status (none, 3);
  g_assert_nonnull (strstr (none->err, "has no endpoint"));
}

static void
test_bad_endpoint (Fixture *f, gconstpointer data)
{
  const char *bad[][3] = {
    { "localhost", NULL, NULL },
    { "127.0.0.1:0", NULL, NULL },
    { "127.0.0.1:70000", NULL, NULL },
    { "127.0.0.1:443", "--starttls", "smtp" },
    { "127.0.0.1:443", "--probe-timeout", "0" },
    { "none", "--starttls", "xmpp" },
  };
  g_autofree char *before = mpt_snapshot (f->home);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(MptResult) r = mpt_meetpki_va (f->home, "webadmin", "endpoint", bad[i][0], bad[i][1], bad[i][2], NULL);
      g_autofree char *after = NULL;

      mpt_assert_status (r, 2);
      g_assert_cmpstr (r->out, ==, "");
      /* one line naming the problem */
      g_assert_true (g_str_has_suffix (r->err, "\n"));
      g_assert_true (strchr (r->err, '\n') == r->err + strlen (r->err) - 1);
      after = mpt_snapshot (f->home);
      g_assert_cmpstr (after, ==, before);
    }
  mpt_ok (f->home, "webadmin", "endpoint", "[::1]:443", "--starttls", "xmpp", NULL);
  mpt_ok (f->home, "webadmin", "endpoint", "none", NULL);
  {
    g_autoptr(MptResult) status = mpt_meetpki_va (f->home, "webadmin", "status", "--json", NULL);
    mpt_assert_ok (status);
    g_assert_nonnull (strstr (status->out, "\"endpoint\" : null"));
  }
}

static void
probe_starttls (Fixture *f, const char *mode)
{
  g_autofree char *addr = NULL;
  g_autofree char *fp = openssl_fingerprint (f, "wa.crt");
  g_autoptr(MptResult) probe = NULL;

  if (!mpt_require ("python3"))
    return;
  {
    /* leaf first, then the CA, as a daemon's full chain file is */
    g_autoptr(GBytes) leaf = mpt_read (f->home, "services/webadmin/cert.pem");
    g_autoptr(GBytes) ca = mpt_read (f->home, "services/webadmin/bundle.pem");
    g_autofree char *both = g_strconcat (g_bytes_get_data (leaf, NULL), g_bytes_get_data (ca, NULL), NULL);
    mpt_write (f->home, "served.pem", both, strlen (both));
  }
  addr = start_fake (f, mode, "served.pem", "services/webadmin/key.pem");
  mpt_ok (f->home, "webadmin", "endpoint", addr, "--starttls", mode, NULL);
  probe = mpt_meetpki_va (f->home, "webadmin", "probe", NULL);
  mpt_assert_ok (probe);
  g_assert_nonnull (strstr (probe->out, fp));
  g_assert_nonnull (strstr (probe->out, "(starttls "));
  g_assert_null (strstr (probe->out, "FAILURE"));
}

static void
test_xmpp (Fixture *f, gconstpointer data)
{
  probe_starttls (f, "xmpp");
}

static void
test_postgres (Fixture *f, gconstpointer data)
{
  probe_starttls (f, "postgres");
}

/* the SHA-256 of what openssl s_client is served at @addr */
static char *
served_fingerprint (Fixture *f, const char *addr)
{
  g_autoptr(MptResult) client = mpt_tool_va (f->home, "sh", "-c",
                                             "openssl s_client -connect \"$0\" </dev/null 2>/dev/null | "
                                             "openssl x509 -outform PEM > served.crt", addr, NULL);
  mpt_assert_ok (client);
  return openssl_fingerprint (f, "served.crt");
}

/* the daemon serves the applied wa.crt; wa2 is a renewal waiting */
static char *
serve_applied_and_renew (Fixture *f)
{
  char *addr = start_s_server (f, "wa.crt", "wa.key", NULL);

  mpt_ok (f->home, "webadmin", "endpoint", addr, "--probe-timeout", "2", NULL);
  mpt_ok (f->home, "webadmin", "csr", "wa2", NULL);
  mpt_ok (f->home, "pki", "sign", "wa2", "ca", NULL);
  return addr;
}

static void
assert_rolled_back (Fixture *f, const char *addr, MptResult *apply)
{
  g_autofree char *old_fp = openssl_fingerprint (f, "wa.crt");
  g_autofree char *served = served_fingerprint (f, addr);
  g_autoptr(MptResult) status = mpt_meetpki_va (f->home, "webadmin", "status", NULL);
  g_autoptr(MptResult) probe = mpt_meetpki_va (f->home, "webadmin", "probe", NULL);

  mpt_assert_status (apply, 14);
  g_assert_nonnull (strstr (apply->err, "rolled back to the previous files"));
  g_assert_nonnull (strstr (apply->out, "SUCCESS: rolled back"));
  mpt_assert_ok (status);
  g_assert_nonnull (strstr (status->out, "cert         wa.crt"));
  /* the failed set is not recorded as known-good */
  g_assert_null (strstr (status->out, "wa2.crt"));
  g_assert_cmpstr (served, ==, old_fp);
  mpt_assert_ok (probe);
  g_assert_nonnull (strstr (probe->out, old_fp));
}

static void
test_rollback_stale_daemon (Fixture *f, gconstpointer data)
{
  g_autofree char *addr = serve_applied_and_renew (f);
  g_autoptr(MptResult) apply = NULL;

  /* every step succeeds but none reaches the daemon */
  mpt_ok (f->home, "webadmin", "backend", "exec", "enable=true", NULL);
  apply = mpt_meetpki_va (f->home, "webadmin", "apply", "wa2.key", "wa2.crt", "ca.crt", NULL);
  g_assert_nonnull (strstr (apply->out, "FAILURE: probe "));
  g_assert_nonnull (strstr (apply->err, "webadmin probe: "));
  assert_rolled_back (f, addr, apply);
}

static void
test_rollback_backend_fails (Fixture *f, gconstpointer data)
{
  g_autofree char *addr = serve_applied_and_renew (f);
  g_autofree char *old = store_path (f, "wa.crt");
  g_autofree char *enable = g_strdup_printf ("enable=openssl x509 -in \"$MEETPKI_CERT\" | cmp -s - '%s'", old);
  g_autoptr(MptResult) apply = NULL;

  /* the enable command fails while the new certificate is live */
  mpt_ok (f->home, "webadmin", "backend", "exec", enable, NULL);
  apply = mpt_meetpki_va (f->home, "webadmin", "apply", "wa2.key", "wa2.crt", "ca.crt", NULL);
  g_assert_nonnull (strstr (apply->err, "webadmin enable: the exec backend's command failed"));
  assert_rolled_back (f, addr, apply);
}

/* nothing to go back to: the probe's failure is the answer */
static void
test_first_apply_not_served (Fixture *f, gconstpointer data)
{
  g_autofree char *addr = g_strdup_printf ("127.0.0.1:%u", free_port ());
  g_autoptr(MptResult) restart = NULL;

  mpt_ok (f->home, "webadmin", "endpoint", addr, "--probe-timeout", "1", NULL);
  restart = mpt_meetpki_va (f->home, "webadmin", "restart", NULL);
  /* restart with the same files: put back and probed again, still nothing */
  mpt_assert_status (restart, 15);
  g_assert_nonnull (strstr (restart->err, "the rollback failed too"));
  g_assert_nonnull (strstr (restart->err, "cannot connect to"));
  /* the wait is said, once per probe: after the restart and after the rollback */
  g_assert_nonnull (strstr (restart->out, "not serving the applied files yet"));
  g_assert_nonnull (strstr (restart->out, "trying again for up to"));
}

/* node provision applies through the same guard: a daemon that serves
 * something else fails the provisioning at that service */
static void
test_provision_probes (Fixture *f, gconstpointer data)
{
  g_autofree char *profile = g_test_build_filename (G_TEST_DIST, "..", "data", "examples",
                                                    "single-node.conf", NULL);
  g_autofree char *home = mpt_make_home ();
  g_autofree char *addr = start_s_server (f, "other.crt", "other.key", NULL);
  g_autoptr(MptResult) provision = NULL;
  g_autoptr(MptResult) status = NULL;

  mpt_ok (home, "webadmin", "endpoint", addr, "--probe-timeout", "1", NULL);
  provision = mpt_meetpki_va (home, "node", "provision", profile, NULL);
  mpt_assert_status (provision, 11);
  g_assert_nonnull (strstr (provision->err, "webadmin probe: "));
  g_assert_nonnull (strstr (provision->out, "FAILURE: probe "));
  g_assert_nonnull (strstr (provision->out, "is not the applied cert"));
  /* the services after webadmin were not touched */
  status = mpt_meetpki_va (home, "callbridge", "status", "--json", NULL);
  mpt_assert_ok (status);
  g_assert_null (strstr (status->out, "callbridge.crt"));
  mpt_remove_home (home);
}

/* openssl's notAfter of @cert in the store, seconds since the epoch */
static gint64
openssl_not_after (Fixture *f, const char *cert)
{
  g_autoptr(MptResult) r = mpt_tool_va (f->home, "openssl", "x509", "-in", cert, "-noout",
                                        "-enddate", "-dateopt", "iso_8601", NULL);
  g_autofree char *iso = NULL;
  g_autoptr(GDateTime) dt = NULL;

  mpt_assert_ok (r);
  g_assert_true (g_str_has_prefix (r->out, "notAfter="));
  iso = g_strstrip (g_strdup (r->out + strlen ("notAfter=")));
  g_strdelimit (iso, " ", 'T');
  dt = g_date_time_new_from_iso8601 (iso, NULL);
  g_assert_nonnull (dt);
  return g_date_time_to_unix (dt);
}

/* the days left of the served certificate are counted on the library's
 * clock ($MEETPKI_NOW), as every other expiry check, not the real one */
static void
test_days_left_clock (Fixture *f, gconstpointer data)
{
  g_autofree char *addr = start_s_server (f, "services/webadmin/cert.pem", "services/webadmin/key.pem",
                                          "services/webadmin/bundle.pem");
  gint64 not_after = openssl_not_after (f, "wa.crt");
  /* a hundred days and an hour on from now: the cert is still valid */
  gint64 now = g_get_real_time () / G_USEC_PER_SEC + 100 * 86400 + 3600;
  g_autoptr(GDateTime) until = g_date_time_new_from_unix_utc (not_after);
  g_autofree char *until_s = g_date_time_format (until, "%Y-%m-%d %H:%M:%S UTC");
  g_autofree char *want = g_strdup_printf ("SUCCESS: served certificate valid for %" G_GINT64_FORMAT
                                           " more days (until %s)", (not_after - now) / 86400, until_s);
  g_autoptr(MptResult) probe = NULL;
  g_auto(GStrv) lines = NULL;

  mpt_ok (f->home, "webadmin", "endpoint", addr, "--probe-timeout", "3", NULL);
  mpt_pin_clock (now);
  probe = mpt_meetpki_va (f->home, "webadmin", "probe", NULL);
  g_unsetenv ("MEETPKI_NOW");
  mpt_assert_ok (probe);
  lines = g_strsplit (probe->out, "\n", -1);
  if (!g_strv_contains ((const char * const *) lines, want))
    g_error ("no line '%s' in:\n%s", want, probe->out);
}

/* scripts ask whether a build probes: `help <service> <verb>` */
static void
test_help (Fixture *f, gconstpointer data)
{
  g_autoptr(MptResult) endpoint = mpt_meetpki_va (f->home, "help", "webadmin", "endpoint", NULL);
  g_autoptr(MptResult) unknown = mpt_meetpki_va (f->home, "help", "nosuch", "endpoint", NULL);

  mpt_assert_ok (endpoint);
  g_assert_true (g_str_has_prefix (endpoint->out, "meetpki <service> endpoint <host:port>"));
  mpt_assert_status (unknown, 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/probe/plain", Fixture, NULL, fixture_setup, test_plain, fixture_teardown);
  g_test_add ("/probe/wrong-ca", Fixture, NULL, fixture_setup, test_wrong_ca, fixture_teardown);
  g_test_add ("/probe/refused", Fixture, NULL, fixture_setup, test_refused, fixture_teardown);
  g_test_add ("/probe/bad-endpoint", Fixture, NULL, fixture_setup, test_bad_endpoint, fixture_teardown);
  g_test_add ("/probe/starttls-xmpp", Fixture, NULL, fixture_setup, test_xmpp, fixture_teardown);
  g_test_add ("/probe/starttls-postgres", Fixture, NULL, fixture_setup, test_postgres, fixture_teardown);
  g_test_add ("/probe/rollback-stale-daemon", Fixture, NULL, fixture_setup, test_rollback_stale_daemon, fixture_teardown);
  g_test_add ("/probe/rollback-backend-fails", Fixture, NULL, fixture_setup, test_rollback_backend_fails, fixture_teardown);
  g_test_add ("/probe/not-served", Fixture, NULL, fixture_setup, test_first_apply_not_served, fixture_teardown);
  g_test_add ("/probe/provision", Fixture, NULL, fixture_setup, test_provision_probes, fixture_teardown);
  g_test_add ("/probe/days-left-clock", Fixture, NULL, fixture_setup, test_days_left_clock, fixture_teardown);
  g_test_add ("/probe/help", Fixture, NULL, fixture_setup, test_help, fixture_teardown);
  return g_test_run ();
}
