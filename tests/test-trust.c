/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the trust stores (`webbridge3 c2w trust`, `callbridge trust c2w`, `xmpp
 * cluster trust`, `webbridge trust`) and `webbridge3 https certs`, driven
 * through the built cli as the vendor writes them.  openssl checks the
 * installed files; a refusal must leave the store as it was.
 */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "mp-test-cli.h"

#define FQDN "cms1.example.com"
#define DAY (24 * 60 * 60)

/* the store and its services/ tree, as one comparable text */
static char *
snapshot_all (const char *home)
{
  g_autofree char *top = mpt_snapshot (home);
  g_autofree char *services = g_build_filename (home, "services", NULL);
  g_autoptr(GString) s = g_string_new (NULL);
  g_auto(GStrv) lines = g_strsplit (top, "\n", -1);
  g_autoptr(GDir) d = g_dir_open (services, 0, NULL);
  const char *n;

  /* an empty lock file (created on first use) is not store content */
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (!g_str_has_prefix (lines[i], ".services.lock "))
        g_string_append_printf (s, "%s\n", lines[i]);
    }
  while (d != NULL && (n = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (services, n, NULL);
      g_autofree char *sub = mpt_snapshot (p);
      g_string_append_printf (s, "[%s]\n%s", n, sub);
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* a node with the web bridge's facts, a root and an intermediate CA made
 * by openssl, and `cb` (the call bridge's certificate) issued by the
 * intermediate */
static char *
node_with_cas (void)
{
  char *home = mpt_make_home ();

  mpt_ok (home, "node", "set", "server-fqdn", FQDN, NULL);
  mpt_ok (home, "node", "set", "join-urls", "join.example.com", NULL);
  mpt_ok (home, "node", "set", "xmpp-domain", "example.com", NULL);
  mpt_openssl_ca (home, "root", "C2W Root", NULL, TRUE);
  mpt_openssl_ca (home, "inter", "C2W Intermediate", "root", TRUE);
  mpt_ok (home, "callbridge", "csr", "cb", NULL);
  mpt_ok (home, "pki", "sign", "cb", "inter", NULL);
  return home;
}

/* the CA bundle as people paste it: blank lines between the blocks and no
 * line end after the last */
static void
write_sloppy_bundle (const char *home, const char *name)
{
  g_autoptr(GBytes) inter = mpt_read (home, "inter.crt");
  g_autoptr(GBytes) root = mpt_read (home, "root.crt");
  g_autofree char *a = g_strndup (g_bytes_get_data (inter, NULL), g_bytes_get_size (inter));
  g_autofree char *b = g_strndup (g_bytes_get_data (root, NULL), g_bytes_get_size (root));
  g_autofree char *text = g_strdup_printf ("%s\n\n%s", a, g_strchomp (b));

  mpt_write (home, name, text, strlen (text));
}

static char *
live_path (const char *home, const char *service, const char *file)
{
  return g_build_filename (home, "services", service, file, NULL);
}

/* openssl, not meetpki, says whether @cert chains to the installed file */
static void
assert_openssl_verifies (const char *home, const char *cafile, const char *cert)
{
  g_autoptr(MptResult) r = mpt_tool_va (home, "openssl", "verify", "-CAfile", cafile, cert, NULL);

  mpt_assert_ok (r);
  g_assert_nonnull (strstr (r->out, ": OK"));
}

/* one newline at the end, no blank line: the vendor's bundle format */
static void
assert_canonical (const char *path)
{
  g_autofree char *text = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &text, &len, NULL));
  g_assert_cmpuint (len, >, 1);
  g_assert_cmpint (text[len - 1], ==, '\n');
  g_assert_cmpint (text[len - 2], !=, '\n');
  g_assert_null (strstr (text, "\n\n"));
  g_assert_null (strstr (text, "-----END CERTIFICATE----------BEGIN"));
}

/* each command as the vendor writes it; what lands is checked by openssl */
static void
test_vendor_commands (void)
{
  g_autofree char *home = node_with_cas ();
  static const char *const bundle_commands[][4] = {
    { "webbridge3", "c2w", "trust", "webbridge/trust-c2w.pem" },
    { "callbridge", "trust", "c2w", "callbridge/trust-c2w.pem" },
    { "xmpp", "cluster", "trust", "xmpp/trust-cluster.pem" },
  };

  if (!mpt_require ("openssl"))
    return;
  write_sloppy_bundle (home, "c2w-ca.crt");
  for (guint i = 0; i < G_N_ELEMENTS (bundle_commands); i++)
    {
      g_autoptr(MptResult) r = mpt_meetpki_va (home, bundle_commands[i][0], bundle_commands[i][1],
                                               bundle_commands[i][2], "c2w-ca.crt", NULL);
      g_autofree char *installed = g_build_filename (home, "services", bundle_commands[i][3], NULL);
      g_autofree char *expected = g_strdup_printf ("trust store installed: services/%s (2 certificates)",
                                                   bundle_commands[i][3]);

      mpt_assert_ok (r);
      g_assert_nonnull (strstr (r->out, "SUCCESS: c2w-ca.crt: 2 CA certificates (CA:TRUE)\n"));
      g_assert_nonnull (strstr (r->out, expected));
      /* the pasted format is reported and not copied */
      g_assert_nonnull (strstr (r->out, "WARNING: c2w-ca.crt: "));
      assert_canonical (installed);
      assert_openssl_verifies (home, installed, "cb.crt");
    }
  /* the legacy web bridge trusts the one call bridge certificate */
  {
    g_autoptr(MptResult) r = mpt_meetpki_va (home, "webbridge", "trust", "cb.crt", NULL);
    g_autofree char *installed = live_path (home, "webbridge", "trust-callbridge.pem");
    g_autoptr(MptResult) a = NULL;
    g_autoptr(MptResult) b = NULL;

    mpt_assert_ok (r);
    g_assert_nonnull (strstr (r->out, "SUCCESS: cb.crt: one certificate, CN=" FQDN "\n"));
    assert_canonical (installed);
    a = mpt_tool_va (home, "openssl", "x509", "-in", installed, "-noout", "-fingerprint", "-sha256", NULL);
    b = mpt_tool_va (home, "openssl", "x509", "-in", "cb.crt", "-noout", "-fingerprint", "-sha256", NULL);
    mpt_assert_ok (a);
    mpt_assert_ok (b);
    g_assert_cmpstr (a->out, ==, b->out);
  }
  /* status and check show them */
  {
    g_autoptr(MptResult) st = mpt_meetpki_va (home, "webbridge3", "status", NULL);
    g_autoptr(MptResult) js = mpt_meetpki_va (home, "xmpp", "status", "--json", NULL);
    g_autoptr(MptResult) ck = mpt_meetpki_va (home, "check", NULL);

    mpt_assert_ok (st);
    g_assert_nonnull (strstr (st->out, "trust stores:\n"));
    g_assert_nonnull (strstr (st->out, "  c2w          c2w-ca.crt (sha256 "));
    g_assert_nonnull (strstr (st->out, "  callbridge   cb.crt (sha256 "));
    mpt_assert_ok (js);
    g_assert_nonnull (strstr (js->out, "\"store\" : \"cluster\""));
    g_assert_nonnull (strstr (js->out, "\"live\" : \"trust-cluster.pem\""));
    mpt_assert_ok (ck);
    g_assert_nonnull (strstr (ck->out, "check: 3 services ("));
    g_assert_nonnull (strstr (ck->out, "0 errors, 0 warnings"));
  }
  mpt_remove_home (home);
}

static void
assert_refused_unchanged (const char *home, const char *want, ...) G_GNUC_NULL_TERMINATED;

/* runs meetpki with the arguments after @want: exit 1, the FAILURE line
 * @want, and the store exactly as it was */
static void
assert_refused_unchanged (const char *home, const char *want, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *before = snapshot_all (home);
  g_autofree char *after = NULL;
  g_autoptr(MptResult) r = NULL;
  const char *arg;
  va_list ap;

  va_start (ap, want);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  r = mpt_meetpki (home, (const char * const *) argv->pdata);
  mpt_assert_status (r, 1);
  if (strstr (r->out, want) == NULL)
    g_error ("expected '%s' in:\n%s", want, r->out);
  /* the vendor's FAILURE line for the whole, last; nothing on stderr */
  g_assert_true (g_str_has_suffix (r->out, " check failed; nothing was changed\n") ||
                 g_str_has_suffix (r->out, " checks failed; nothing was changed\n"));
  g_assert_cmpstr (r->err, ==, "");
  after = snapshot_all (home);
  g_assert_cmpstr (before, ==, after);
}

/* a bundle with an entity certificate in it, and the entity alone */
static void
test_not_ca_refused (void)
{
  g_autofree char *home = node_with_cas ();
  g_autoptr(GBytes) inter = mpt_read (home, "inter.crt");
  g_autoptr(GBytes) cb = mpt_read (home, "cb.crt");
  g_autofree char *mixed = g_strdup_printf ("%.*s%.*s", (int) g_bytes_get_size (inter),
                                            (const char *) g_bytes_get_data (inter, NULL),
                                            (int) g_bytes_get_size (cb), (const char *) g_bytes_get_data (cb, NULL));

  mpt_write (home, "mixed.crt", mixed, strlen (mixed));
  /* on an empty service, then with a store already installed */
  assert_refused_unchanged (home, "FAILURE: mixed.crt: CN=" FQDN " is not a CA certificate (no basicConstraints CA:TRUE)",
                            "webbridge3", "c2w", "trust", "mixed.crt", NULL);
  mpt_ok (home, "webbridge3", "c2w", "trust", "root.crt", NULL);
  assert_refused_unchanged (home, "FAILURE: mixed.crt: CN=" FQDN " is not a CA certificate",
                            "webbridge3", "c2w", "trust", "mixed.crt", NULL);
  assert_refused_unchanged (home, "FAILURE: cb.crt: CN=" FQDN " is not a CA certificate",
                            "callbridge", "trust", "c2w", "cb.crt", NULL);
  /* the peer store takes one certificate, not a bundle */
  assert_refused_unchanged (home, "FAILURE: mixed.crt holds 2 certificates; the callbridge trust store takes one",
                            "webbridge", "trust", "mixed.crt", NULL);
  /* a file that is no certificate */
  mpt_write (home, "junk.crt", "hello\n", 6);
  assert_refused_unchanged (home, "FAILURE: junk.crt: ", "xmpp", "cluster", "trust", "junk.crt", NULL);
  mpt_remove_home (home);
}

/* on meetpki's clock the CAs expire; the warning comes --warn-days before */
static void
test_expiry (void)
{
  g_autofree char *home = node_with_cas ();
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  if (!mpt_require ("openssl"))
    return;
  /* ten years on, the openssl CAs (3650 days) have expired */
  mpt_pin_clock (now + 3660 * (gint64) DAY);
  assert_refused_unchanged (home, "FAILURE: root.crt: CN=C2W Root expired on ",
                            "xmpp", "cluster", "trust", "root.crt", NULL);
  /* twenty days before that, it is a warning, and with --warn-days 10 none */
  mpt_pin_clock (now + 3630 * (gint64) DAY);
  {
    g_autoptr(MptResult) r = mpt_meetpki_va (home, "xmpp", "cluster", "trust", "root.crt", NULL);
    g_autoptr(MptResult) quiet = mpt_meetpki_va (home, "xmpp", "cluster", "trust", "root.crt", "--warn-days", "10", NULL);
    g_autoptr(MptResult) check = mpt_meetpki_va (home, "check", NULL);
    g_autoptr(MptResult) check_quiet = mpt_meetpki_va (home, "check", "--warn-days", "10", NULL);

    mpt_assert_ok (r);
    g_assert_nonnull (strstr (r->out, "WARNING: root.crt: CN=C2W Root expires in "));
    mpt_assert_ok (quiet);
    g_assert_null (strstr (quiet->out, "WARNING"));
    /* check watches the installed store */
    mpt_assert_status (check, 10);
    g_assert_nonnull (strstr (check->out, "xmpp: warning: cluster trust store: CN=C2W Root expires in "));
    mpt_assert_ok (check_quiet);
  }
  /* once expired, check says so as an error */
  mpt_pin_clock (now + 3660 * (gint64) DAY);
  {
    g_autoptr(MptResult) check = mpt_meetpki_va (home, "check", NULL);

    mpt_assert_status (check, 1);
    g_assert_nonnull (strstr (check->out, "xmpp: error: cluster trust store: CN=C2W Root expired on "));
  }
  g_unsetenv ("MEETPKI_NOW");
  mpt_remove_home (home);
}

/* --dry-run says what it would do and changes nothing */
static void
test_dry_run (void)
{
  g_autofree char *home = node_with_cas ();
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr(MptResult) r = NULL;

  write_sloppy_bundle (home, "c2w-ca.crt");
  before = snapshot_all (home);
  r = mpt_meetpki_va (home, "callbridge", "trust", "c2w", "c2w-ca.crt", "--dry-run", NULL);
  mpt_assert_ok (r);
  g_assert_nonnull (strstr (r->out, "would install c2w-ca.crt as services/callbridge/trust-c2w.pem (2 certificates)"));
  after = snapshot_all (home);
  g_assert_cmpstr (before, ==, after);
  mpt_remove_home (home);
}

/* the exec backend's steps see the installed store; a new certificate set
 * keeps it */
static void
test_exec_env (void)
{
  g_autofree char *home = node_with_cas ();
  g_autofree char *rec = g_strconcat (home, ".env", NULL);
  g_autofree char *cmd = g_strdup_printf ("certs=echo \"$MEETPKI_TRUST_C2W\" > '%s' && cat \"$MEETPKI_TRUST_C2W\" >> '%s'",
                                          rec, rec);
  g_autofree char *installed = live_path (home, "callbridge", "trust-c2w.pem");
  g_autofree char *seen = NULL;
  g_autofree char *pem = NULL;
  g_autofree char *expected = NULL;

  write_sloppy_bundle (home, "c2w-ca.crt");
  mpt_ok (home, "callbridge", "trust", "c2w", "c2w-ca.crt", NULL);
  g_assert_true (g_file_get_contents (installed, &pem, NULL, NULL));
  mpt_ok (home, "callbridge", "backend", "exec", cmd, NULL);
  mpt_ok (home, "callbridge", "certs", "cb.key", "cb.crt", "c2w-ca.crt", NULL);
  g_assert_true (g_file_get_contents (rec, &seen, NULL, NULL));
  expected = g_strdup_printf ("%s\n%s", installed, pem);
  g_assert_cmpstr (seen, ==, expected);
  /* the certs step swapped the live directory in whole: the store stayed */
  g_assert_true (g_file_test (installed, G_FILE_TEST_IS_REGULAR));
  assert_openssl_verifies (home, installed, "cb.crt");
  g_unlink (rec);
  mpt_remove_home (home);
}

/* `webbridge3 https certs <key> <fullchain>` is webbridge's full-chain
 * `certs`: the same live files */
static void
test_webbridge3_https_certs (void)
{
  g_autofree char *home = node_with_cas ();
  g_autofree char *dir = g_build_filename (home, "services", "webbridge", NULL);
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  mpt_ok (home, "webbridge", "csr", "wb", NULL);
  mpt_ok (home, "pki", "sign", "wb", "inter", NULL);
  mpt_ok (home, "bundle", "build", "wb.crt", "inter.crt", "root.crt", "-o", "wb-full.crt", NULL);
  mpt_ok (home, "webbridge", "certs", "wb.key", "wb-full.crt", NULL);
  first = mpt_snapshot (dir);
  mpt_ok (home, "webbridge3", "https", "certs", "wb.key", "wb-full.crt", NULL);
  second = mpt_snapshot (dir);
  g_assert_cmpstr (first, ==, second);
  {
    g_autoptr(MptResult) st = mpt_meetpki_va (home, "webbridge3", "status", NULL);
    g_autoptr(MptResult) three = mpt_meetpki_va (home, "webbridge3", "https", "certs", "wb.key", "wb.crt", "inter.crt", NULL);
    g_autoptr(MptResult) c2w = mpt_meetpki_va (home, "webbridge3", "c2w", "certs", "wb.key", "wb-full.crt", NULL);

    mpt_assert_ok (st);
    g_assert_nonnull (strstr (st->out, "  fullchain    wb-full.crt (sha256 "));
    /* the https form is the full chain alone */
    mpt_assert_status (three, 2);
    g_assert_cmpstr (three->err, ==, "meetpki: usage: meetpki webbridge3 https certs <key> <fullchain> "
                                     "(the full chain: entity first, root last)\n");
    mpt_assert_status (c2w, 2);
    g_assert_nonnull (strstr (c2w->err, "not supported yet"));
  }
  mpt_remove_home (home);
}

/* the plugins declare their stores; usage errors name the vendor's words */
static void
test_declared (void)
{
  g_autofree char *home = mpt_make_home ();
  g_autoptr(MptResult) list = mpt_meetpki_va (home, "services", "--json", NULL);
  g_autoptr(MptResult) usage = mpt_meetpki_va (home, "callbridge", "trust", "c2w", NULL);
  g_autoptr(MptResult) none = mpt_meetpki_va (home, "webadmin", "trust", "x.crt", NULL);
  g_autoptr(MptResult) help = mpt_meetpki_va (home, "help", "webbridge3", NULL);

  mpt_assert_ok (list);
  g_assert_nonnull (strstr (list->out, "\"words\" : [\n          \"c2w\",\n          \"trust\"\n        ]"));
  g_assert_nonnull (strstr (list->out, "\"words\" : [\n          \"trust\",\n          \"c2w\"\n        ]"));
  g_assert_nonnull (strstr (list->out, "\"env\" : \"MEETPKI_TRUST_CLUSTER\""));
  mpt_assert_status (usage, 2);
  g_assert_cmpstr (usage->err, ==, "meetpki: usage: meetpki callbridge trust c2w <CA bundle>\n");
  {
    g_autoptr(MptResult) words = mpt_meetpki_va (home, "callbridge", "trust", "ca.crt", NULL);
    g_autoptr(MptResult) typo = mpt_meetpki_va (home, "webbridge3", "c2x", "trust", "ca.crt", NULL);

    /* the file where the store's name goes: the words callbridge takes */
    mpt_assert_status (words, 2);
    g_assert_cmpstr (words->err, ==, "meetpki: usage: meetpki callbridge trust c2w <CA bundle>\n");
    mpt_assert_status (typo, 2);
    g_assert_cmpstr (typo->err, ==, "meetpki: unknown webbridge3 command 'c2x'; did you mean 'c2w'?\n");
  }
  mpt_assert_status (none, 2);
  g_assert_nonnull (strstr (none->err, "unknown webadmin command 'trust'"));
  mpt_assert_ok (help);
  g_assert_nonnull (strstr (help->out, "webbridge c2w trust <CA bundle>"));
  g_assert_nonnull (strstr (help->out, "webbridge trust <peer certificate>"));
  mpt_remove_home (home);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/trust/vendor-commands", test_vendor_commands);
  g_test_add_func ("/trust/not-ca-refused", test_not_ca_refused);
  g_test_add_func ("/trust/expiry", test_expiry);
  g_test_add_func ("/trust/dry-run", test_dry_run);
  g_test_add_func ("/trust/exec-env", test_exec_env);
  g_test_add_func ("/trust/webbridge3-https-certs", test_webbridge3_https_certs);
  g_test_add_func ("/trust/declared", test_declared);
  return g_test_run ();
}
