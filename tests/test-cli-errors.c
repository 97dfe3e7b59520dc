/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * every bad input of `pki csr`, `pki selfsigned`, `pki sign` and of the
 * command dispatch: one line naming the problem, the documented exit
 * status, and a store left exactly as it was (names, modes, contents).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mp-test-cli.h"

/* 2026-01-01 00:00:00 UTC: the fixture is made then; the cases run ten
 * days later */
#define FIXED_NOW G_GINT64_CONSTANT (1767225600)
#define CASE_NOW (FIXED_NOW + 10 * 86400)

/* the exit statuses of doc/meetpki.1.scd */
enum {
  CHECK_FAILED = 1,
  USAGE = 2,
  NOT_FOUND = 3,
  EXISTS = 4,
  OUTSIDE_STORE = 5,
  INVALID_DATA = 6,
  CRYPTO = 7,
  IO = 8,
};

typedef struct {
  const char *name;
  const char *args;     /* shell words */
  int status;
  gboolean on_stdout;   /* FAILURE: lines go to stdout, the rest to stderr */
  const char *line;     /* the whole line; "@STORE@" is the store's path */
  gboolean prefix;      /* only the start of the line is ours (a gnutls text follows) */
  const char *needs;    /* a fixture file only openssl can make; skip without it */
} ErrorCase;

static const ErrorCase cases[] = {
  /* basenames */
  { "basename/dot", "pki csr bad.name CN:x.example.com", USAGE, FALSE,
    "meetpki: basename 'bad.name' may only hold letters, digits, '-' and '_' (give 'dbserver', not 'dbserver.key')" },
  { "basename/path", "pki csr ../escape CN:x.example.com", USAGE, FALSE,
    "meetpki: basename '../escape' may only hold letters, digits, '-' and '_' (give 'dbserver', not 'dbserver.key')" },
  { "basename/selfsigned", "pki selfsigned 'my ca' CN:ca", USAGE, FALSE,
    "meetpki: basename 'my ca' may only hold letters, digits, '-' and '_' (give 'dbserver', not 'dbserver.key')" },
  { "basename/sign", "pki sign dbclient.csr dbca", USAGE, FALSE,
    "meetpki: basename 'dbclient.csr' may only hold letters, digits, '-' and '_' (give 'dbserver', not 'dbserver.key')" },
  { "basename/sign-ca", "pki sign dbclient dbca.crt", USAGE, FALSE,
    "meetpki: basename 'dbca.crt' may only hold letters, digits, '-' and '_' (give 'dbserver', not 'dbserver.key')" },

  /* the subject grammar */
  { "subject/missing-cn", "pki csr new O:Example", USAGE, FALSE,
    "meetpki: CN is required (e.g. CN:cms1.example.com)" },
  { "subject/missing-cn-selfsigned", "pki selfsigned newca 'O:Example Inc'", USAGE, FALSE,
    "meetpki: CN is required (e.g. CN:cms1.example.com)" },
  { "subject/unknown-field", "pki csr new CN:new.example.com E:me@example.com", USAGE, FALSE,
    "meetpki: unknown field 'E' (expected CN, OU, O, L, ST, C or subjectAltName)" },
  { "subject/repeated-field", "pki csr new CN:new.example.com O:A O:B", USAGE, FALSE,
    "meetpki: field O is given twice" },
  { "subject/repeated-cn", "pki selfsigned newca CN:a CN:b", USAGE, FALSE,
    "meetpki: field CN is given twice" },
  { "subject/repeated-san", "pki csr new CN:new.example.com subjectAltName:a.example.com subjectAltName:b.example.com", USAGE, FALSE,
    "meetpki: subjectAltName is given twice; list every name in one comma-separated value" },
  { "subject/unquoted-space", "pki csr new CN:new.example.com O:Example Inc", USAGE, FALSE,
    "meetpki: 'Inc' is not a FIELD:value pair (quote values with spaces, e.g. O:\"Example Inc\")" },
  { "subject/empty-value", "pki csr new CN:new.example.com OU:", USAGE, FALSE,
    "meetpki: field OU has no value" },
  { "subject/country-uk", "pki csr new CN:new.example.com C:UK", USAGE, FALSE,
    "meetpki: C:UK is not an ISO 3166-1 code; the United Kingdom is GB" },
  { "subject/country-zz", "pki csr new CN:new.example.com C:ZZ", USAGE, FALSE,
    "meetpki: C:ZZ is not an ISO 3166-1 alpha-2 country code (two capital letters, e.g. US, GB, KR)" },
  { "subject/country-name", "pki selfsigned newca CN:ca C:Korea", USAGE, FALSE,
    "meetpki: field C is longer than 2 characters" },
  { "subject/control-character", "pki csr new CN:new.example.com 'O:evil\nline'", USAGE, FALSE,
    "meetpki: field O holds a control character" },
  { "subject/cn-not-a-name", "pki csr new 'CN:My Server'", USAGE, FALSE,
    "meetpki: CN: 'My Server' is not a valid DNS name: character ' ' is not allowed" },

  /* subjectAltName entries */
  { "san/underscore", "pki csr new CN:new.example.com subjectAltName:a_b.example.com", USAGE, FALSE,
    "meetpki: subjectAltName: 'a_b.example.com' is not a valid DNS name: character '_' is not allowed" },
  { "san/empty-entry", "pki csr new CN:new.example.com subjectAltName:a.example.com,,b.example.com", USAGE, FALSE,
    "meetpki: subjectAltName has an empty entry (a doubled or trailing comma?)" },
  { "san/trailing-comma", "pki csr new CN:new.example.com subjectAltName:a.example.com,", USAGE, FALSE,
    "meetpki: subjectAltName has an empty entry (a doubled or trailing comma?)" },
  { "san/type-prefix", "pki csr new CN:new.example.com subjectAltName:DNS:a.example.com", USAGE, FALSE,
    "meetpki: subjectAltName entry 'DNS:a.example.com': write the name without a type prefix" },
  { "san/wildcard-inner", "pki csr new CN:new.example.com subjectAltName:a.*.example.com", USAGE, FALSE,
    "meetpki: subjectAltName: 'a.*.example.com' is not a valid DNS name: a wildcard may only be the whole leftmost label (*.example.com)" },
  { "san/wildcard-tld", "pki csr new CN:new.example.com subjectAltName:*.com", USAGE, FALSE,
    "meetpki: subjectAltName: '*.com' is not a valid DNS name: a wildcard needs at least two labels after it" },
  { "san/email", "pki csr new CN:new.example.com subjectAltName:a@b@example.com", USAGE, FALSE,
    "meetpki: subjectAltName: 'a@b@example.com' is not a valid e-mail address" },
  { "san/twice", "pki csr new CN:new.example.com subjectAltName:a.example.com,A.example.com", USAGE, FALSE,
    "meetpki: subjectAltName lists 'A.example.com' twice" },
  { "san/no-value", "pki csr new CN:new.example.com subjectAltName:", USAGE, FALSE,
    "meetpki: subjectAltName has no value" },

  /* never overwrite a key without --force */
  { "exists/csr", "pki csr dbserver CN:cmscore1.example.com", EXISTS, FALSE,
    "meetpki: dbserver.key already exists in the store; refusing to overwrite it (use --force to replace it)" },
  { "exists/selfsigned", "pki selfsigned dbca CN:tplab.local", EXISTS, FALSE,
    "meetpki: dbca.key already exists in the store; refusing to overwrite it (use --force to replace it)" },
  { "exists/csr-only", "pki csr lonely CN:lonely.example.com", EXISTS, FALSE,
    "meetpki: lonely.csr already exists in the store; refusing to overwrite it (use --force to replace it)" },

  /* options */
  { "option/key-type", "pki csr new CN:new.example.com --key-type dsa:1024", USAGE, FALSE,
    "meetpki: unknown key type 'dsa:1024' (expected rsa:2048, rsa:3072, rsa:4096, ec:p256, ec:p384 or ed25519)" },
  { "option/days-on-csr", "pki csr new CN:new.example.com --days 30", USAGE, FALSE,
    "meetpki: option --days does not apply to 'meetpki pki csr'" },
  { "option/key-type-on-sign", "pki sign dbclient dbca --key-type ec:p256", USAGE, FALSE,
    "meetpki: option --key-type does not apply to 'meetpki pki sign'" },
  { "option/force-on-sign", "pki sign dbclient dbca --force", USAGE, FALSE,
    "meetpki: option --force does not apply to 'meetpki pki sign'" },
  { "option/json-on-selfsigned", "pki selfsigned newca CN:ca --json", USAGE, FALSE,
    "meetpki: option --json does not apply to 'meetpki pki selfsigned'" },
  { "option/unknown", "--bogus pki csr new CN:new.example.com", USAGE, FALSE,
    "meetpki: Unknown option --bogus" },
  { "option/days-zero", "pki sign dbclient dbca --days 0", USAGE, FALSE,
    "meetpki: --days must be between 1 and 36500" },
  { "option/days-negative", "pki sign dbclient dbca --days -5", USAGE, FALSE,
    "meetpki: --days must be between 1 and 36500" },
  { "option/days-minus-one", "pki sign dbclient dbca --days -1", USAGE, FALSE,
    "meetpki: --days must be between 1 and 36500" },
  { "option/days-too-many", "pki sign dbclient dbca --days 36501", USAGE, FALSE,
    "meetpki: --days must be between 1 and 36500" },
  { "option/days-zero-selfsigned", "pki selfsigned newca CN:ca --days 0", USAGE, FALSE,
    "meetpki: --days must be between 1 and 36500" },
  { "option/days-not-a-number", "pki sign dbclient dbca --days ten", USAGE, FALSE,
    "meetpki: Cannot parse integer value", TRUE },

  /* argument counts */
  { "args/sign-one", "pki sign dbclient", USAGE, FALSE,
    "meetpki: usage: meetpki pki sign <basename> <ca-basename>" },
  { "args/sign-three", "pki sign dbclient dbca extra", USAGE, FALSE,
    "meetpki: usage: meetpki pki sign <basename> <ca-basename>" },
  { "args/csr-none", "pki csr new", USAGE, FALSE,
    "meetpki: usage: meetpki pki csr <basename> CN:<value> [OU:<v>] [O:<v>] [L:<v>] [ST:<v>] [C:<v>] [subjectAltName:<a,b,...>]" },
  { "args/selfsigned-none", "pki selfsigned", USAGE, FALSE,
    "meetpki: usage: meetpki pki selfsigned <basename> CN:<value> [fields as pki csr]" },

  /* command dispatch */
  { "dispatch/pkc", "pkc csr new CN:new.example.com", USAGE, FALSE,
    "meetpki: unknown command 'pkc'; did you mean 'pki csr'?" },
  { "dispatch/sing", "pki sing dbclient dbca", USAGE, FALSE,
    "meetpki: unknown command 'pki sing'; did you mean 'pki sign'?" },
  { "dispatch/selfsign", "pki selfsign newca CN:ca", USAGE, FALSE,
    "meetpki: unknown command 'pki selfsign'; did you mean 'pki selfsigned'?" },
  { "dispatch/group-alone", "pki", USAGE, FALSE,
    "meetpki: 'pki' needs a command; run 'meetpki help pki' for the list" },
  { "dispatch/unknown-sub", "pki frobnicate x", USAGE, FALSE,
    "meetpki: unknown command 'pki frobnicate'; run 'meetpki help' for the list" },
  { "dispatch/unknown", "frobnicate", USAGE, FALSE,
    "meetpki: unknown command 'frobnicate'; run 'meetpki help' for the list" },
  { "dispatch/service-typo", "webadmn status", USAGE, FALSE,
    "meetpki: unknown command 'webadmn'; did you mean 'webadmin'?" },
  { "dispatch/service-typo-cluster", "databse cluster status", USAGE, FALSE,
    "meetpki: unknown command 'databse'; did you mean 'database'?" },
  /* only the database is a cluster service: webadmin has no cluster state
   * to report, as it has none to change */
  { "dispatch/cluster-status-not-cluster", "webadmin cluster status", USAGE, FALSE,
    "meetpki: webadmin is not a cluster service" },
  { "dispatch/cluster-status-json-not-cluster", "xmpp cluster status --json", USAGE, FALSE,
    "meetpki: xmpp is not a cluster service" },
  /* a mistyped cluster verb gets the closest one, as other commands do;
   * a service that is no cluster service does not list 'cluster' */
  { "dispatch/cluster-verb-typo", "database cluster initalize", USAGE, FALSE,
    "meetpki: unknown database cluster command 'initalize'; did you mean 'initialize'?" },
  { "dispatch/cluster-verb-unknown", "database cluster frobnicate", USAGE, FALSE,
    "meetpki: usage: meetpki database cluster <certs|localnode|initialize|join|connect|remove|status> ..." },
  { "dispatch/cluster-alone-not-cluster", "webadmin cluster", USAGE, FALSE,
    "meetpki: webadmin is not a cluster service" },
  { "dispatch/service-alone", "webadmin", USAGE, FALSE,
    "meetpki: usage: meetpki webadmin <csr|certs|apply|rollback|enable|disable|restart|status|backend|endpoint|probe> ..." },
  { "dispatch/cluster-service-alone", "database", USAGE, FALSE,
    "meetpki: usage: meetpki database <csr|apply|rollback|enable|disable|restart|status|backend|endpoint|probe|cluster> ..." },
  /* the primary is a host name or an IP address, as the node fact
   * database-primary: it is recorded and handed to the exec backend */
  { "cluster/join-bad-primary", "database cluster join 'cms1 example.com'", USAGE, FALSE,
    "meetpki: cluster join: database-primary: 'cms1 example.com' is not a valid DNS name: character ' ' is not allowed" },
  { "cluster/connect-url-primary", "database cluster connect https://cms1.example.com/", USAGE, FALSE,
    "meetpki: cluster connect: database-primary: 'https://cms1.example.com/' is a URL; give the host name alone (cms1.example.com)" },
  { "dispatch/help-unknown", "help pki frobnicate", USAGE, FALSE,
    "meetpki: no command 'pki frobnicate'; run 'meetpki help' for the list" },

  /* --home "$STORE" with STORE unset: a usage error, not "cannot create" */
  { "home/empty", "--home '' pki list", USAGE, FALSE,
    "meetpki: --home is empty; give the store directory (or leave --home out for $MEETPKI_HOME)" },
  { "home/empty-quick", "pki inspect dbserver.crt --home ''", USAGE, FALSE,
    "meetpki: --home is empty; give the store directory (or leave --home out for $MEETPKI_HOME)" },

  /* a path outside the store that is there but no file: not "no such file" */
  { "read/inspect-directory", "pki inspect /", IO, FALSE,
    "meetpki: / is not a regular file" },
  { "read/verify-directory", "pki verify dbserver.crt /", IO, FALSE,
    "meetpki: / is not a regular file" },
  { "read/inspect-missing", "pki inspect /nonexistent/dbserver.crt", NOT_FOUND, FALSE,
    "meetpki: /nonexistent/dbserver.crt: no such file" },

  /* pki sign: its inputs */
  { "sign/no-csr", "pki sign cbclient dbca", NOT_FOUND, FALSE,
    "meetpki: cbclient.csr: no such file in the store (did you mean dbclient.csr?)" },
  { "sign/no-csr-for-ca", "pki sign dbca dbserver", NOT_FOUND, FALSE,
    "meetpki: dbca.csr: no such file in the store (make it with 'pki csr')" },
  { "sign/no-ca", "pki sign dbclient nothere", NOT_FOUND, FALSE,
    "meetpki: nothere.crt: no such file in the store (make a CA with 'pki selfsigned')" },
  { "sign/no-ca-key", "pki sign dbclient nokeyca", NOT_FOUND, FALSE,
    "meetpki: nokeyca.key: no such file in the store (the CA's private key is needed to sign)" },
  { "sign/itself", "pki sign dbserver dbserver", USAGE, FALSE,
    "meetpki: dbserver cannot sign itself; use pki selfsigned for a CA" },
  { "sign/tampered-csr", "pki sign tampered dbca", INVALID_DATA, FALSE,
    "meetpki: tampered.csr: the CSR's signature does not verify; it was altered or is corrupt" },
  { "sign/junk-csr", "pki sign junk dbca", INVALID_DATA, FALSE,
    "meetpki: junk.csr: not a readable certificate request (", TRUE },
  { "sign/junk-ca", "pki sign dbclient junkca", INVALID_DATA, FALSE,
    "meetpki: junkca.crt: not a readable certificate (", TRUE },
  { "sign/weak-rsa-csr", "pki sign weak dbca", INVALID_DATA, FALSE,
    "meetpki: weak.csr: its key is RSA 1024 bits; at least 2048 are needed", FALSE, "weak.csr" },
  /* its signature is sound but gnutls refuses md5: not "altered" */
  { "sign/md5-csr", "pki sign md5 dbca", CRYPTO, FALSE,
    "meetpki: md5.csr: taking subject and key from the CSR: ", TRUE, "md5.csr" },
  { "sign/leaf-as-ca", "pki sign dbclient dbserver", CHECK_FAILED, TRUE,
    "FAILURE: dbserver.crt is not a CA certificate (basicConstraints CA:TRUE missing)" },
  { "sign/ca-key-mismatch", "pki sign dbclient badca", CHECK_FAILED, TRUE,
    "FAILURE: badca.key and badca.crt: the certificate's public key is not the one of this private key" },
  { "sign/expired-ca", "pki sign dbclient oldca", CHECK_FAILED, TRUE,
    "FAILURE: oldca.crt expired on 2026-01-02 00:00:00 UTC" },
  { "sign/future-ca", "pki sign dbclient futureca", CHECK_FAILED, TRUE,
    "FAILURE: futureca.crt is not valid before 2026-04-10 23:55:00 UTC; check the system clock" },
  { "sign/csr-link-out", "pki sign evil dbca", OUTSIDE_STORE, FALSE,
    "meetpki: 'evil.csr' is a link that leads out of the store @STORE@" },
};

static char *fixture_home; /* made once in main() */
static char *fixture_real; /* its canonical path, as messages name it */

static void
run_ok (const char *home, const char *args)
{
  g_auto(GStrv) argv = NULL;
  g_autoptr(MptResult) r = NULL;

  g_assert_true (g_shell_parse_argv (args, NULL, &argv, NULL));
  r = mpt_meetpki (home, (const char * const *) argv);
  mpt_assert_ok (r);
}

static void
copy_in_store (const char *home, const char *from, const char *to)
{
  g_autoptr(GBytes) data = mpt_read (home, from);
  gsize len = 0;
  const char *buf = g_bytes_get_data (data, &len);

  mpt_write (home, to, buf, len);
}

/* a CSR with one byte of its signed part changed: it still parses, but its
 * signature no longer matches ("postgres" becomes "postgrez") */
static void
write_tampered_csr (const char *home)
{
  g_autoptr(GBytes) pem = mpt_read (home, "dbclient.csr");
  g_autofree char *text = g_strndup (g_bytes_get_data (pem, NULL), g_bytes_get_size (pem));
  g_autoptr(GString) body = g_string_new (NULL);
  g_autoptr(GString) out = g_string_new ("-----BEGIN CERTIFICATE REQUEST-----\n");
  g_autofree guchar *der = NULL;
  g_autofree char *b64 = NULL;
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  gsize len = 0;
  guchar *hit;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (lines[i][0] != '-' && lines[i][0] != '\0')
        g_string_append (body, lines[i]);
    }
  der = g_base64_decode (body->str, &len);
  hit = memmem (der, len, "postgres", 8);
  g_assert_nonnull (hit);
  hit[7] = 'z';
  b64 = g_base64_encode (der, len);
  for (gsize i = 0; i < strlen (b64); i += 64)
    g_string_append_printf (out, "%.64s\n", b64 + i);
  g_string_append (out, "-----END CERTIFICATE REQUEST-----\n");
  mpt_write (home, "tampered.csr", out->str, out->len);
}

/* the store every case starts from: the vendor's set plus the broken
 * inputs the cases need */
static void
make_fixture (void)
{
  g_autofree char *link = NULL;
  g_autofree char *lonely_key = NULL;
  g_autofree char *openssl = NULL;

  fixture_home = mpt_make_home ();
  fixture_real = realpath (fixture_home, NULL);
  mpt_pin_clock (FIXED_NOW);
  /* ec keys: these cases are about errors, not keys, and rsa is slow
   * under the sanitizers */
  run_ok (fixture_home, "pki selfsigned dbca CN:tplab.local --key-type ec:p256");
  run_ok (fixture_home, "pki csr dbserver CN:cmscore1.example.com subjectAltName:cmscore2.example.com,cmscore3.example.com --key-type ec:p256");
  run_ok (fixture_home, "pki csr dbclient CN:postgres --key-type ec:p256");
  run_ok (fixture_home, "pki sign dbserver dbca");
  run_ok (fixture_home, "pki selfsigned oldca CN:old --days 1 --key-type ec:p256");
  run_ok (fixture_home, "pki csr lonely CN:lonely.example.com --key-type ec:p256");
  lonely_key = g_build_filename (fixture_home, "lonely.key", NULL);
  g_assert_cmpint (unlink (lonely_key), ==, 0);
  mpt_pin_clock (FIXED_NOW + 100 * 86400);
  run_ok (fixture_home, "pki selfsigned futureca CN:future --key-type ec:p256");
  mpt_pin_clock (CASE_NOW);

  write_tampered_csr (fixture_home);
  mpt_write (fixture_home, "junk.csr", "this is not a CSR\n", 18);
  mpt_write (fixture_home, "junkca.crt", "this is not a certificate\n", 26);
  copy_in_store (fixture_home, "dbca.key", "junkca.key");
  /* a CA certificate with somebody else's key */
  copy_in_store (fixture_home, "dbca.crt", "badca.crt");
  copy_in_store (fixture_home, "dbserver.key", "badca.key");
  copy_in_store (fixture_home, "dbca.crt", "nokeyca.crt");
  /* a 1024-bit rsa request, which meetpki itself never makes */
  if ((openssl = g_find_program_in_path ("openssl")) != NULL)
    {
      g_autoptr(MptResult) r = mpt_tool_va (fixture_home, "openssl", "req", "-new", "-newkey", "rsa:1024", "-nodes",
                                            "-keyout", "weak.key", "-out", "weak.csr", "-subj", "/CN=weak.example.com", NULL);
      g_autoptr(MptResult) md5 = mpt_tool_va (fixture_home, "openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-md5",
                                              "-keyout", "md5.key", "-out", "md5.csr", "-subj", "/CN=md5.example.com", NULL);
      mpt_assert_ok (r);
      mpt_assert_ok (md5);
    }
  link = g_build_filename (fixture_home, "evil.csr", NULL);
  g_assert_cmpint (symlink ("/etc/hostname", link), ==, 0);
}

static void
test_error_case (gconstpointer data)
{
  const ErrorCase *c = data;
  g_auto(GStrv) argv = NULL;
  g_autoptr(MptResult) r = NULL;
  g_autofree char *before = mpt_snapshot (fixture_home);
  g_autofree char *after = NULL;
  g_autofree char *want = NULL;
  const char *got, *other;

  if (c->needs != NULL)
    {
      g_autofree char *p = g_build_filename (fixture_home, c->needs, NULL);
      if (!g_file_test (p, G_FILE_TEST_EXISTS))
        {
          g_test_skip ("openssl is not installed");
          return;
        }
    }
  g_assert_true (g_shell_parse_argv (c->args, NULL, &argv, NULL));
  r = mpt_meetpki (fixture_home, (const char * const *) argv);
  after = mpt_snapshot (fixture_home);

  got = c->on_stdout ? r->out : r->err;
  other = c->on_stdout ? r->err : r->out;
  {
    g_autoptr(GString) w = g_string_new (c->line);
    g_string_replace (w, "@STORE@", fixture_real, 0);
    want = g_string_free (g_steal_pointer (&w), FALSE);
  }
  if (r->status != c->status)
    g_error ("meetpki %s: exit %d, want %d\nstdout: %s\nstderr: %s", c->args, r->status, c->status, r->out, r->err);
  /* one line, and nothing on the other stream */
  g_assert_cmpstr (other, ==, "");
  g_assert_nonnull (strchr (got, '\n'));
  g_assert_true (strchr (got, '\n')[1] == '\0');
  if (c->prefix)
    {
      if (!g_str_has_prefix (got, want))
        g_error ("meetpki %s: got '%s', want it to start with '%s'", c->args, got, want);
    }
  else
    {
      g_autofree char *line = g_strconcat (want, "\n", NULL);
      g_assert_cmpstr (got, ==, line);
    }
  g_assert_cmpstr (after, ==, before);
}

/* --force replaces key and CSR; without it, nothing changes */
static void
test_force (void)
{
  g_autofree char *home = mpt_make_home ();
  g_autoptr(MptResult) r = NULL;
  g_autoptr(GBytes) key1 = NULL;
  g_autoptr(GBytes) key2 = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  run_ok (home, "pki csr dbserver CN:cmscore1.example.com --key-type ec:p256");
  key1 = mpt_read (home, "dbserver.key");
  before = mpt_snapshot (home);
  r = mpt_meetpki_va (home, "pki", "csr", "dbserver", "CN:cmscore1.example.com", "--key-type", "ec:p256", NULL);
  mpt_assert_status (r, EXISTS);
  after = mpt_snapshot (home);
  g_assert_cmpstr (after, ==, before);
  g_clear_pointer (&r, mpt_result_free);

  r = mpt_meetpki_va (home, "pki", "csr", "dbserver", "CN:cmscore1.example.com", "--force", "--key-type", "ec:p256", NULL);
  mpt_assert_ok (r);
  g_assert_nonnull (strstr (r->out, "Created key file dbserver.key and CSR dbserver.csr\n"));
  g_assert_null (strstr (r->out, "no longer matches"));

  /* replacing the key of an issued certificate says what that breaks */
  run_ok (home, "pki selfsigned dbca CN:tplab.local --key-type ec:p256");
  run_ok (home, "pki sign dbserver dbca");
  g_clear_pointer (&r, mpt_result_free);
  r = mpt_meetpki_va (home, "pki", "csr", "dbserver", "CN:cmscore1.example.com", "--force", "--key-type", "ec:p256", NULL);
  mpt_assert_ok (r);
  g_assert_nonnull (strstr (r->out, "\ndbserver.crt was issued for the previous key; it no longer matches dbserver.key "
                                    "until the new CSR is signed\n"));
  key2 = mpt_read (home, "dbserver.key");
  g_assert_false (g_bytes_equal (key1, key2));
  g_clear_pointer (&after, g_free);
  after = mpt_snapshot (home);
  g_assert_nonnull (strstr (after, "\ndbserver.key 100600 "));
  g_assert_nonnull (strstr (after, "\ndbserver.csr 100644 "));

  if (mpt_require ("openssl"))
    {
      /* the new CSR carries the new key */
      g_autoptr(MptResult) a = mpt_tool_va (home, "openssl", "pkey", "-in", "dbserver.key", "-pubout", NULL);
      g_autoptr(MptResult) b = mpt_tool_va (home, "openssl", "req", "-in", "dbserver.csr", "-noout", "-pubkey", NULL);
      mpt_assert_ok (a);
      mpt_assert_ok (b);
      g_assert_cmpstr (a->out, ==, b->out);
    }

  /* selfsigned too */
  g_clear_pointer (&r, mpt_result_free);
  g_clear_pointer (&key1, g_bytes_unref);
  key1 = mpt_read (home, "dbca.crt");
  run_ok (home, "pki selfsigned dbca CN:tplab.local --key-type ec:p256 --force");
  g_clear_pointer (&key2, g_bytes_unref);
  key2 = mpt_read (home, "dbca.crt");
  g_assert_false (g_bytes_equal (key1, key2));
  mpt_remove_home (home);
}

/* the usage text, not an error line, when no command is given */
static void
test_no_command (void)
{
  g_autofree char *home = mpt_make_home ();
  const char *none[] = { NULL };
  g_autoptr(MptResult) r = mpt_meetpki (home, none);

  mpt_assert_status (r, USAGE);
  g_assert_true (g_str_has_prefix (r->out, "Usage: meetpki"));
  g_assert_nonnull (strstr (r->out, "pki csr"));
  mpt_remove_home (home);
}

/* plugins that cannot load: a mistyped built-in command still gets its
 * hint; a word no command is near gets the loader's error */
static void
test_no_plugins (void)
{
  g_autofree char *home = mpt_make_home ();
  g_autofree char *saved = g_strdup (g_getenv ("MEETPKI_PLUGIN_DIR"));
  g_autofree char *missing = g_build_filename (home, "no-plugins", NULL);
  g_autoptr(MptResult) typo = NULL;
  g_autoptr(MptResult) other = NULL;
  g_autofree char *want = NULL;

  g_setenv ("MEETPKI_PLUGIN_DIR", missing, TRUE);
  typo = mpt_meetpki_va (home, "pkc", "csr", "new", "CN:new.example.com", NULL);
  other = mpt_meetpki_va (home, "webadmin", "status", NULL);
  if (saved != NULL)
    g_setenv ("MEETPKI_PLUGIN_DIR", saved, TRUE);
  else
    g_unsetenv ("MEETPKI_PLUGIN_DIR");

  mpt_assert_status (typo, USAGE);
  g_assert_cmpstr (typo->err, ==, "meetpki: unknown command 'pkc'; did you mean 'pki csr'?\n");
  mpt_assert_status (other, NOT_FOUND);
  want = g_strdup_printf ("meetpki: plugin directory %s: No such file or directory\n", missing);
  g_assert_cmpstr (other->err, ==, want);
  mpt_remove_home (home);
}

/* help for one command, asked either way; --version */
static void
test_help (void)
{
  g_autofree char *home = mpt_make_home ();
  const char *want = "meetpki pki sign <basename> <ca-basename>\n"
                     "    sign <basename>.csr with the CA <ca-basename> into <basename>.crt\n"
                     "    options: --days\n";
  g_autoptr(MptResult) a = mpt_meetpki_va (home, "help", "pki", "sign", NULL);
  g_autoptr(MptResult) b = mpt_meetpki_va (home, "pki", "sign", "dbserver", "dbca", "--help", NULL);
  g_autoptr(MptResult) v = mpt_meetpki_va (home, "--version", NULL);

  mpt_assert_ok (a);
  mpt_assert_ok (b);
  mpt_assert_ok (v);
  g_assert_cmpstr (a->out, ==, want);
  g_assert_cmpstr (b->out, ==, want);
  g_assert_true (g_str_has_prefix (v->out, "meetpki "));
  mpt_remove_home (home);
}

/* `<service> --help` is `help <service>` (the service, then its commands),
 * `<service> <verb> ... --help` is `help <service> <verb>` */
static void
test_help_service (void)
{
  g_autofree char *home = mpt_make_home ();
  g_autoptr(MptResult) a = mpt_meetpki_va (home, "help", "webadmin", NULL);
  g_autoptr(MptResult) b = mpt_meetpki_va (home, "webadmin", "--help", NULL);
  g_autoptr(MptResult) c = mpt_meetpki_va (home, "help", "webadmin", "certs", NULL);
  g_autoptr(MptResult) d = mpt_meetpki_va (home, "webadmin", "certs", "k", "c", "--help", NULL);
  g_autoptr(MptResult) e = mpt_meetpki_va (home, "help", "database", "cluster", "certs", NULL);
  g_autoptr(MptResult) f = mpt_meetpki_va (home, "database", "cluster", "certs", "--help", NULL);
  g_autoptr(MptResult) g = mpt_meetpki_va (home, "webadmin", "bogus", "--help", NULL);
  g_autoptr(MptResult) general = mpt_meetpki_va (home, "help", NULL);
  g_autoptr(MptResult) unknown = mpt_meetpki_va (home, "nosuchservice", "--help", NULL);
  g_autoptr(MptResult) db = mpt_meetpki_va (home, "help", "database", NULL);
  g_autoptr(MptResult) web_cluster = mpt_meetpki_va (home, "help", "webadmin", "cluster", "status", NULL);
  g_autoptr(MptResult) web_cluster_help = mpt_meetpki_va (home, "webadmin", "cluster", "status", "--help", NULL);
  g_autoptr(MptResult) web_cluster_run = mpt_meetpki_va (home, "webadmin", "cluster", "status", NULL);
  g_autoptr(MptResult) web_usage = mpt_meetpki_va (home, "webadmin", NULL);
  g_autoptr(MptResult) db_certs = mpt_meetpki_va (home, "help", "database", "certs", NULL);

  mpt_assert_ok (a);
  mpt_assert_ok (b);
  mpt_assert_ok (c);
  mpt_assert_ok (d);
  mpt_assert_ok (e);
  mpt_assert_ok (f);
  mpt_assert_ok (g);
  mpt_assert_ok (unknown);
  /* the service's description first, then its commands */
  g_assert_true (strstr (a->out, "\nmeetpki <service> certs ") != NULL);
  g_assert_cmpstr (b->out, ==, a->out);
  g_assert_true (g_str_has_prefix (c->out, "meetpki <service> certs "));
  g_assert_cmpstr (d->out, ==, c->out);
  g_assert_true (g_str_has_prefix (e->out, "meetpki <service> cluster certs "));
  g_assert_cmpstr (f->out, ==, e->out);
  /* a verb the service has not: the service's help */
  g_assert_cmpstr (g->out, ==, a->out);
  /* not a service either: the general help, as before */
  g_assert_cmpstr (unknown->out, ==, general->out);
  /* only what the service's plugin declares: the cluster commands are the
   * database's, whose files go through `cluster certs`, not `certs` */
  mpt_assert_ok (db);
  g_assert_null (strstr (a->out, "<service> cluster"));
  g_assert_nonnull (strstr (db->out, "\nmeetpki <service> cluster certs "));
  g_assert_nonnull (strstr (db->out, "\nmeetpki <service> cluster status "));
  g_assert_null (strstr (db->out, "\nmeetpki <service> certs "));
  mpt_assert_status (web_cluster, USAGE);
  g_assert_cmpstr (web_cluster->out, ==, "");
  g_assert_cmpstr (web_cluster->err, ==,
                   "meetpki: webadmin has no command 'cluster status'; run 'meetpki help webadmin' for its commands\n");
  mpt_assert_ok (web_cluster_help);
  g_assert_cmpstr (web_cluster_help->out, ==, a->out);
  mpt_assert_status (web_cluster_run, USAGE);
  g_assert_cmpstr (web_cluster_run->err, ==, "meetpki: webadmin is not a cluster service\n");
  mpt_assert_status (web_usage, USAGE);
  g_assert_cmpstr (web_usage->err, ==, "meetpki: usage: meetpki webadmin "
                   "<csr|certs|apply|rollback|enable|disable|restart|status|backend|endpoint|probe> ...\n");
  mpt_assert_status (db_certs, USAGE);
  g_assert_cmpstr (db_certs->err, ==,
                   "meetpki: database has no command 'certs'; run 'meetpki help database' for its commands\n");
  mpt_remove_home (home);
}

/* `help <service> backend` names the steps that service's plugin
 * declares (its sequence, and enable, disable, restart), not the
 * database's cluster steps for every service; `backend exec` takes those
 * alone and says which they are, changing nothing */
static void
test_help_backend_steps (void)
{
  g_autofree char *home = mpt_make_home ();
  g_autofree char *conf = g_build_filename (home, "services.conf", NULL);
  g_autoptr(MptResult) web = mpt_meetpki_va (home, "help", "webadmin", "backend", NULL);
  g_autoptr(MptResult) web_opt = mpt_meetpki_va (home, "webadmin", "backend", "--help", NULL);
  g_autoptr(MptResult) cb = mpt_meetpki_va (home, "help", "callbridge", "backend", NULL);
  g_autoptr(MptResult) db = mpt_meetpki_va (home, "help", "database", "backend", NULL);
  g_autoptr(MptResult) cluster_step = NULL;
  g_autoptr(MptResult) bogus = NULL;
  g_autoptr(MptResult) db_step = NULL;

  mpt_assert_ok (web);
  mpt_assert_ok (cb);
  mpt_assert_ok (db);
  g_assert_true (g_str_has_prefix (web->out, "meetpki <service> backend embedded | exec <step>=<command>... "
                                             "(steps: disable certs enable restart)\n"));
  g_assert_cmpstr (web_opt->out, ==, web->out);
  g_assert_null (strstr (web->out, "cluster"));
  g_assert_true (g_str_has_prefix (cb->out, "meetpki <service> backend embedded | exec <step>=<command>... "
                                            "(steps: disable certs enable restart)\n"));
  g_assert_true (g_str_has_prefix (db->out, "meetpki <service> backend embedded | exec <step>=<command>... "
                                            "(steps: disable certs enable restart cluster-remove cluster-setup)\n"));

  cluster_step = mpt_meetpki_va (home, "webadmin", "backend", "exec", "restart=true", "cluster-remove=true", NULL);
  mpt_assert_status (cluster_step, USAGE);
  g_assert_cmpstr (cluster_step->out, ==, "");
  g_assert_cmpstr (cluster_step->err, ==, "meetpki: 'cluster-remove' is no webadmin step (in 'cluster-remove=true'); "
                                          "the webadmin steps: disable, certs, enable, restart\n");
  bogus = mpt_meetpki_va (home, "callbridge", "backend", "exec", "reload=true", NULL);
  mpt_assert_status (bogus, USAGE);
  g_assert_cmpstr (bogus->err, ==, "meetpki: 'reload' is no callbridge step (in 'reload=true'); "
                                   "the callbridge steps: disable, certs, enable, restart\n");
  /* the usage line of a call without arguments names the same steps */
  {
    g_autoptr(MptResult) bare = mpt_meetpki_va (home, "webadmin", "backend", NULL);

    mpt_assert_status (bare, USAGE);
    g_assert_cmpstr (bare->err, ==, "meetpki: usage: meetpki <service> backend embedded | exec <step>=<command>... "
                                    "(steps: disable certs enable restart)\n");
  }
  {
    g_autoptr(MptResult) no_eq = mpt_meetpki_va (home, "webadmin", "backend", "exec", "certs", NULL);

    mpt_assert_status (no_eq, USAGE);
    g_assert_cmpstr (no_eq->err, ==, "meetpki: 'certs' is not <step>=<command>; "
                                     "the webadmin steps: disable, certs, enable, restart\n");
  }
  /* nothing recorded */
  g_assert_false (g_file_test (conf, G_FILE_TEST_EXISTS));
  db_step = mpt_meetpki_va (home, "database", "backend", "exec", "cluster-remove=true", NULL);
  mpt_assert_ok (db_step);
  g_assert_true (g_file_test (conf, G_FILE_TEST_EXISTS));
  mpt_remove_home (home);
}

static void
default_sigint (gpointer user_data)
{
  signal (SIGINT, SIG_DFL);
}

/* Ctrl-C while `pki csr` has its key and CSR staged beside the store's
 * files (held there by somebody else's store lock): the command ends on
 * the signal only once both are in place, and no temporary copy of the
 * key is left in the store */
static void
test_interrupted_write (void)
{
  g_autofree char *home = mpt_make_home ();
  g_autofree char *lock = g_build_filename (home, ".lock", NULL);
  g_auto(GStrv) envp = g_environ_setenv (g_get_environ (), "MEETPKI_HOME", home, TRUE);
  const char *argv[] = { g_getenv ("MEETPKI_CLI"), "pki", "csr", "k", "CN:k.example.com",
                         "--key-type", "ec:p256", NULL };
  g_autofree char *names = NULL;
  GPid pid;
  int fd, wstatus = 0;

  g_assert_nonnull (argv[0]);
  fd = open (lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (flock (fd, LOCK_EX), ==, 0);
  g_assert_true (g_spawn_async (home, (char **) argv, envp,
                                G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                                default_sigint, NULL, &pid, NULL));
  /* the CSR is staged (after the key): the command waits for the lock */
  for (guint i = 0;; i++)
    {
      g_autofree char *now = mpt_dir_names (home);
      if (strstr (now, ".k.csr.") != NULL)
        break;
      g_assert_cmpuint (i, <, 6000);
      g_usleep (10000);
    }
  g_assert_cmpint (kill (pid, SIGINT), ==, 0);
  g_usleep (300000);
  close (fd);
  g_assert_cmpint (waitpid (pid, &wstatus, 0), ==, pid);
  g_spawn_close_pid (pid);

  names = mpt_dir_names (home);
  g_assert_cmpstr (names, ==, ".lock k.csr k.key");
  g_assert_true (WIFSIGNALED (wstatus));
  g_assert_cmpint (WTERMSIG (wstatus), ==, SIGINT);
  mpt_remove_home (home);
}

/* a disk that fills up, without root: files may not grow past 100 bytes
 * (EFBIG, "File too large", once SIGXFSZ is ignored) */
static void
small_files (gpointer user_data)
{
  struct rlimit limit = { 100, 100 };

  signal (SIGXFSZ, SIG_IGN);
  setrlimit (RLIMIT_FSIZE, &limit);
}

/* a write the disk stops: one line naming the file, exit 8, nothing left */
static void
test_disk_full (void)
{
  g_autofree char *home = mpt_make_home ();
  g_autofree char *real = realpath (home, NULL);
  g_auto(GStrv) envp = g_environ_setenv (g_get_environ (), "MEETPKI_HOME", home, TRUE);
  const char *argv[] = { g_getenv ("MEETPKI_CLI"), "pki", "csr", "k", "CN:k.example.com",
                         "--key-type", "ec:p256", NULL };
  g_autofree char *before = mpt_snapshot (home);
  g_autofree char *after = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *want = NULL;
  int wstatus = 0;

  g_assert_nonnull (argv[0]);
  envp = g_environ_setenv (envp, "LC_ALL", "C", TRUE);
  g_assert_true (g_spawn_sync (home, (char **) argv, envp, G_SPAWN_DEFAULT, small_files, NULL,
                               &out, &err, &wstatus, NULL));
  after = mpt_snapshot (home);
  want = g_strdup_printf ("meetpki: %s/k.key: cannot write a temporary file: %s\n", real, g_strerror (EFBIG));
  g_assert_true (WIFEXITED (wstatus));
  g_assert_cmpint (WEXITSTATUS (wstatus), ==, 8);
  g_assert_cmpstr (out, ==, "");
  g_assert_cmpstr (err, ==, want);
  g_assert_cmpstr (after, ==, before);
  mpt_remove_home (home);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  make_fixture ();
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/cli-errors/%s", cases[i].name);
      g_test_add_data_func (path, &cases[i], test_error_case);
    }
  g_test_add_func ("/cli-errors/force", test_force);
  g_test_add_func ("/cli-errors/no-command", test_no_command);
  g_test_add_func ("/cli-errors/help", test_help);
  g_test_add_func ("/cli-errors/help-service", test_help_service);
  g_test_add_func ("/cli-errors/help-backend-steps", test_help_backend_steps);
  g_test_add_func ("/cli-errors/no-plugins", test_no_plugins);
  g_test_add_func ("/cli-errors/interrupted-write", test_interrupted_write);
  g_test_add_func ("/cli-errors/disk-full", test_disk_full);
  status = g_test_run ();
  mpt_remove_home (fixture_home);
  g_free (fixture_home);
  free (fixture_real);
  return status;
}
