/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `bundle fix`, `pki verify` (judged against openssl verify) and a real tls
 * handshake with a built chain.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <gnutls/gnutls.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bundle-fixture.h"

#define EXIT_CHECK_FAILED 1
#define EXIT_INVALID_DATA 6

static char *
concat_canonical (const char * const *names)
{
  GString *all = g_string_new (NULL);

  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *pem = fixture_canonical (names[i]);
      g_string_append (all, pem);
    }
  return g_string_free (all, FALSE);
}

static char *
store_path (const char *name)
{
  return g_build_filename (fx.home, name, NULL);
}

static void
store_put (const char *name, const char *text)
{
  g_autofree char *path = store_path (name);
  g_autoptr(GError) error = NULL;

  g_mkdir_with_parents (fx.home, 0700);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

static char *
store_get (const char *name)
{
  g_autofree char *path = store_path (name);
  char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  return text;
}

static void
store_clear (const char *name)
{
  g_autofree char *path = store_path (name);
  g_autofree char *bak = g_strconcat (path, ".bak", NULL);
  g_unlink (path);
  g_unlink (bak);
}

static char *
crlf (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  return g_strjoinv ("\r\n", lines);
}

/* ---- bundle fix ---- */

static void
test_fix_in_place (void)
{
  const char *shuffled[] = { "int1", "ent", "root", "int2", "int2", NULL };
  const char *want[] = { "ent", "int2", "int1", "root", NULL };
  g_autofree char *messy = concat_canonical (shuffled);
  g_autofree char *original = crlf (messy);
  g_autofree char *expected = concat_canonical (want);
  g_autofree char *fixed = NULL;
  g_autofree char *bak = NULL;
  g_autofree char *out = NULL;

  store_put ("chain.crt", original);
  g_assert_cmpint (run_cli (NULL, &out, NULL, "bundle", "fix", "chain.crt", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "[wrong-order]"));
  g_assert_nonnull (strstr (out, "[crlf]"));
  fixed = store_get ("chain.crt");
  bak = store_get ("chain.crt.bak");
  g_assert_cmpstr (fixed, ==, expected);
  g_assert_cmpstr (bak, ==, original);
  g_assert_cmpint (run_cli (NULL, NULL, NULL, "bundle", "check", "chain.crt", NULL), ==, 0);
  /* a second run has nothing to do */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_cli (NULL, &out, NULL, "bundle", "fix", "chain.crt", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "nothing changed"));
  store_clear ("chain.crt");
}

static void
test_fix_output (void)
{
  const char *shuffled[] = { "root", "int2", "int1", NULL };
  const char *want[] = { "int2", "int1", "root", NULL };
  g_autofree char *original = concat_canonical (shuffled);
  g_autofree char *expected = concat_canonical (want);
  g_autofree char *kept = NULL;
  g_autofree char *written = NULL;
  g_autofree char *bak = NULL;

  store_put ("ca.crt", original);
  g_assert_cmpint (run_cli (NULL, NULL, NULL, "bundle", "fix", "ca.crt", "-o", "ca-fixed.crt", NULL), ==, 0);
  kept = store_get ("ca.crt");
  written = store_get ("ca-fixed.crt");
  bak = store_get ("ca.crt.bak");
  g_assert_cmpstr (kept, ==, original);
  g_assert_cmpstr (written, ==, expected);
  g_assert_null (bak);
  store_clear ("ca.crt");
  store_clear ("ca-fixed.crt");
}

static void
assert_fix_refused (const char *text, const char *code)
{
  g_autofree char *after = NULL;
  g_autofree char *bak = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  store_put ("bad.crt", text);
  g_assert_cmpint (run_cli (NULL, &out, &err, "bundle", "fix", "bad.crt", NULL), ==, EXIT_INVALID_DATA);
  g_assert_nonnull (strstr (err, "refusing to fix bad.crt"));
  g_assert_nonnull (strstr (err, code));
  after = store_get ("bad.crt");
  bak = store_get ("bad.crt.bak");
  g_assert_cmpstr (after, ==, text);
  g_assert_null (bak);
  store_clear ("bad.crt");
}

static void
test_fix_refuses_key (void)
{
  const char *names[] = { "int2", "ent", "int1", "root", NULL };
  g_autofree char *chain = concat_canonical (names);
  g_autofree char *key_path = fixture_file ("ent", ".key");
  g_autofree char *key = NULL;
  g_autofree char *text = NULL;

  g_assert_true (g_file_get_contents (key_path, &key, NULL, NULL));
  text = g_strconcat (chain, strstr (key, "-----BEGIN"), NULL);
  assert_fix_refused (text, "[private-key]");
}

static void
test_fix_refuses_incomplete (void)
{
  const char *names[] = { "root", "ent", "int1", NULL };
  g_autofree char *text = concat_canonical (names);

  assert_fix_refused (text, "[missing-issuer]");
}

static void
test_fix_refuses_other_blocks (void)
{
  const char *names[] = { "int2", "ent", "int1", "root", NULL };
  const char *no_root[] = { "int1", "ent", "int2", NULL };
  const char *forged[] = { "root", "fakeint2", "int1", "ent", NULL };
  g_autofree char *chain = concat_canonical (names);
  g_autofree char *crl = g_strconcat (chain, "-----BEGIN X509 CRL-----\nMIIB\n-----END X509 CRL-----\n", NULL);
  g_autofree char *b64 = g_strconcat (chain, "-----BEGIN CERTIFICATE-----\nMI*B\n-----END CERTIFICATE-----\n", NULL);
  g_autofree char *cut = g_strconcat (chain, "-----BEGIN CERTIFICATE-----\nMIIB\n", NULL);
  g_autofree char *partial = concat_canonical (no_root);
  g_autofree char *bad_sig = concat_canonical (forged);

  assert_fix_refused (crl, "[not-a-certificate]");
  assert_fix_refused (b64, "[bad-base64]");
  assert_fix_refused (cut, "[unterminated-block]");
  assert_fix_refused (partial, "[root-missing]");
  assert_fix_refused (bad_sig, "[bad-signature]");
}

static void
test_fix_refuses_outside_store (void)
{
  const char *names[] = { "int1", "root", NULL };
  g_autofree char *path = fixture_path ("outside.pem");
  g_autofree char *bak = fixture_path ("outside.pem.bak");
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GBytes) after = NULL;

  fixture_concat (path, names);
  before = fixture_read (path);
  /* fix writes, and writes stay in the store */
  g_assert_cmpint (run_cli (NULL, NULL, NULL, "bundle", "fix", path, NULL), !=, 0);
  after = fixture_read (path);
  g_assert_true (g_bytes_equal (before, after));
  g_assert_false (g_file_test (bak, G_FILE_TEST_EXISTS));
}

/* ---- pki verify, with openssl verify as the reference ---- */

typedef struct {
  const char *entity;
  const char *root;          /* openssl's -CAfile */
  const char *bundle[6];     /* the bundle file, in this order */
  const char *now;           /* days from today, or NULL */
  gboolean ok;
  const char *expect;        /* in stdout */
} VerifyCase;

static char *
now_plus_days (const char *days)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT,
                          g_get_real_time () / G_USEC_PER_SEC + g_ascii_strtoll (days, NULL, 10) * 86400);
}

static void
test_verify_case (gconstpointer data)
{
  const VerifyCase *c = data;
  g_autofree char *bundle = fixture_path ("verify-bundle.pem");
  g_autofree char *entity = fixture_file (c->entity, ".crt");
  g_autofree char *root = fixture_file (c->root, ".crt");
  g_autofree char *now = c->now != NULL ? now_plus_days (c->now) : NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  gboolean openssl_ok;
  int rc;

  fixture_concat (bundle, c->bundle);
  rc = run_cli (now, &out, &err, "pki", "verify", entity, bundle, NULL);
  g_test_message ("out: %s\nerr: %s", out, err);
  g_assert_cmpint (rc, ==, c->ok ? 0 : EXIT_CHECK_FAILED);
  g_assert_nonnull (strstr (out, c->ok ? "SUCCESS: certificate verified against CA bundle" : "FAILURE: "));
  if (c->expect != NULL)
    g_assert_nonnull (strstr (out, c->expect));
  /* openssl agrees */
  openssl_ok = openssl_verify (root, bundle, entity, now);
  g_assert_cmpint (openssl_ok, ==, c->ok);
}

static const VerifyCase verify_cases[] = {
  { "ent", "root", { "int1", "root", "int2", NULL }, NULL, TRUE, "[wrong-order]" },
  { "ent", "root", { "int2", "int1", "root", NULL }, NULL, TRUE, "1. CN=www.example.com -> CN=Test Int2" },
  { "rent", "rroot", { "rint2", "rint1", "rroot", NULL }, NULL, TRUE, "4. CN=RSA Root (self-signed)" },
  { "rent", "rroot", { "rroot", "rint1", "rint2", NULL }, NULL, TRUE, "[wrong-order]" },
  { "ent", "root", { "int2", "int1", "root", NULL }, "4000", FALSE, "expired on" },
  { "ent", "root", { "int2", "int1", "root", NULL }, "-10", FALSE, "is not valid before" },
  { "ent", "otherroot", { "otherroot", NULL }, NULL, FALSE, "issuer not found: 'CN=Test Int2'" },
  { "ent", "root", { "int1", "root", NULL }, NULL, FALSE, "issuer not found: 'CN=Test Int2'" },
  /* no root in the bundle: nothing is trusted (openssl gets an unrelated ca) */
  { "ent", "otherroot", { "int2", "int1", NULL }, NULL, FALSE, "issuer not found: 'CN=Test Root'" },
  { "underleaf", "root", { "notca", "root", NULL }, NULL, FALSE, "is not a CA" },
  { "ent", "root", { "fakeint2", "int1", "root", NULL }, NULL, FALSE, "bad signature" },
  { "ent", "root", { "int2", "int1exp", "root", NULL }, NULL, FALSE, "expired on 2021-01-01" },
  /* an expired copy of int1 beside the good one: both pick the good one.
   * (with int1 cross-signed by an untrusted root listed first, openssl
   * follows the cross-signed one and fails, so that case lives in the
   * build tests, where openssl judges our output) */
  { "ent", "root", { "int2", "int1exp", "int1", "otherroot", "root", NULL }, NULL, TRUE, NULL },
};

static void
test_verify_self_signed (void)
{
  g_autofree char *root = fixture_file ("root", ".crt");
  g_autofree char *out = NULL;

  g_assert_cmpint (run_cli (NULL, &out, NULL, "pki", "verify", root, root, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "SUCCESS"));
}

static void
test_verify_system_trust (void)
{
  const char *names[] = { "int2", "int1", NULL };
  g_autofree char *bundle = fixture_path ("no-root.pem");
  g_autofree char *entity = fixture_file ("ent", ".crt");
  g_autofree char *out = NULL;

  /* our test root is in no system store */
  fixture_concat (bundle, names);
  g_assert_cmpint (run_cli (NULL, &out, NULL, "pki", "verify", entity, bundle, "--system-trust", NULL), ==,
                   EXIT_CHECK_FAILED);
  g_assert_nonnull (strstr (out, "FAILURE: issuer not found: 'CN=Test Root'"));
}

/* ---- the built chain in a real tls handshake ---- */

typedef struct {
  int fd;
  gnutls_certificate_credentials_t cred;
  int rc;
} Server;

static gpointer
server_run (gpointer data)
{
  Server *s = data;
  gnutls_session_t session;

  gnutls_init (&session, GNUTLS_SERVER);
  gnutls_set_default_priority (session);
  gnutls_credentials_set (session, GNUTLS_CRD_CERTIFICATE, s->cred);
  gnutls_transport_set_int (session, s->fd);
  gnutls_handshake_set_timeout (session, 10000);
  do
    s->rc = gnutls_handshake (session);
  while (s->rc < 0 && gnutls_error_is_fatal (s->rc) == 0);
  if (s->rc >= 0)
    gnutls_bye (session, GNUTLS_SHUT_WR);
  gnutls_deinit (session);
  close (s->fd);
  return NULL;
}

/* a handshake where the server presents @chain_pem and the client trusts
 * only the root; returns the client's handshake result */
static int
handshake (const char *chain_pem)
{
  g_autofree char *key_path = fixture_file ("ent", ".key");
  g_autofree char *root_pem = fixture_canonical ("root");
  g_autofree char *key_pem = NULL;
  gnutls_certificate_credentials_t client_cred;
  gnutls_session_t session;
  gnutls_datum_t chain_d, key_d, root_d;
  Server server = { 0 };
  GThread *thread;
  int sv[2], rc;

  g_assert_true (g_file_get_contents (key_path, &key_pem, NULL, NULL));
  chain_d = (gnutls_datum_t) { (unsigned char *) chain_pem, (unsigned int) strlen (chain_pem) };
  key_d = (gnutls_datum_t) { (unsigned char *) key_pem, (unsigned int) strlen (key_pem) };
  root_d = (gnutls_datum_t) { (unsigned char *) root_pem, (unsigned int) strlen (root_pem) };

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM, 0, sv), ==, 0);
  gnutls_certificate_allocate_credentials (&server.cred);
  g_assert_cmpint (gnutls_certificate_set_x509_key_mem (server.cred, &chain_d, &key_d, GNUTLS_X509_FMT_PEM), >=, 0);
  server.fd = sv[1];
  thread = g_thread_new ("tls-server", server_run, &server);

  gnutls_certificate_allocate_credentials (&client_cred);
  g_assert_cmpint (gnutls_certificate_set_x509_trust_mem (client_cred, &root_d, GNUTLS_X509_FMT_PEM), ==, 1);
  gnutls_init (&session, GNUTLS_CLIENT);
  gnutls_set_default_priority (session);
  gnutls_credentials_set (session, GNUTLS_CRD_CERTIFICATE, client_cred);
  gnutls_server_name_set (session, GNUTLS_NAME_DNS, "www.example.com", strlen ("www.example.com"));
  gnutls_session_set_verify_cert (session, "www.example.com", 0);
  gnutls_transport_set_int (session, sv[0]);
  gnutls_handshake_set_timeout (session, 10000);
  do
    rc = gnutls_handshake (session);
  while (rc < 0 && gnutls_error_is_fatal (rc) == 0);
  if (rc >= 0)
    g_assert_cmpuint (gnutls_session_get_verify_cert_status (session), ==, 0);
  gnutls_deinit (session);
  close (sv[0]);
  g_thread_join (thread);
  gnutls_certificate_free_credentials (client_cred);
  gnutls_certificate_free_credentials (server.cred);
  return rc;
}

static void
test_tls_handshake (void)
{
  const char *pool[] = { "root", "int1exp", "otherroot", "int1", "int2", NULL };
  g_autofree char *pool_path = fixture_path ("tls-pool.pem");
  g_autofree char *entity = fixture_file ("ent", ".crt");
  g_autofree char *chain = NULL;
  g_autofree char *alone = fixture_canonical ("ent");

  fixture_concat (pool_path, pool);
  g_assert_cmpint (run_cli (NULL, &chain, NULL, "bundle", "build", entity, pool_path, NULL), ==, 0);
  g_assert_cmpint (handshake (chain), >=, 0);
  /* the control: the entity alone does not verify at the client */
  g_assert_cmpint (handshake (alone), ==, GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR);
}

int
main (int argc, char **argv)
{
  int rc;

  g_test_init (&argc, &argv, NULL);
  /* the control handshake fails at the client, which closes its end while
   * the server thread may still write: that must be EPIPE, not a signal */
  signal (SIGPIPE, SIG_IGN);
  gnutls_global_init ();
  fixture_setup (TRUE);

  g_test_add_func ("/bundle/fix/in-place", test_fix_in_place);
  g_test_add_func ("/bundle/fix/output", test_fix_output);
  g_test_add_func ("/bundle/fix/refuses-key", test_fix_refuses_key);
  g_test_add_func ("/bundle/fix/refuses-incomplete", test_fix_refuses_incomplete);
  g_test_add_func ("/bundle/fix/refuses-other-blocks", test_fix_refuses_other_blocks);
  g_test_add_func ("/bundle/fix/refuses-outside-store", test_fix_refuses_outside_store);
  for (guint i = 0; i < G_N_ELEMENTS (verify_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/pki/verify/case-%u", i);
      g_test_add_data_func (name, &verify_cases[i], test_verify_case);
    }
  g_test_add_func ("/pki/verify/self-signed", test_verify_self_signed);
  g_test_add_func ("/pki/verify/system-trust", test_verify_system_trust);
  g_test_add_func ("/bundle/tls/handshake", test_tls_handshake);

  rc = g_test_run ();
  fixture_teardown ();
  gnutls_global_deinit ();
  return rc;
}
