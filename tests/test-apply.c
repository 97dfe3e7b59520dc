/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `<service> certs|apply|enable|disable|restart`, `database cluster ...`,
 * the live-key guard and `check`, driven through the built cli.  the exec
 * backend records the order in which each plugin's steps run; openssl
 * checks the live files.
 */
#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

#include <meetpki/meetpki.h>

#include "mp-test-cli.h"

#define FQDN "cms1.example.com"

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

/* a single node with every fact the six services need, and a CA */
static char *
node_with_ca (void)
{
  char *home = mpt_make_home ();

  mpt_ok (home, "node", "set", "server-fqdn", FQDN, NULL);
  mpt_ok (home, "node", "set", "join-urls", "join.example.com", NULL);
  mpt_ok (home, "node", "set", "xmpp-domain", "example.com", NULL);
  mpt_ok (home, "node", "set", "database-role", "primary", NULL);
  mpt_ok (home, "pki", "selfsigned", "ca", "CN:Test Root CA", NULL);
  return home;
}

/* `<service> csr <base>` signed by the CA */
static void
issue (const char *home, const char *service, const char *base)
{
  mpt_ok (home, service, "csr", base, NULL);
  if (g_str_equal (service, "database"))
    {
      g_autofree char *server = g_strconcat (base, "server", NULL);
      g_autofree char *client = g_strconcat (base, "client", NULL);
      mpt_ok (home, "pki", "sign", server, "ca", NULL);
      mpt_ok (home, "pki", "sign", client, "ca", NULL);
    }
  else
    mpt_ok (home, "pki", "sign", base, "ca", NULL);
}

static char *
record_path (const char *home)
{
  return g_strconcat (home, ".steps", NULL);
}

/* every step's exec command appends its name to a file beside the store */
static void
record_steps (const char *home, const char *service)
{
  g_autofree char *rec = record_path (home);
  static const char *const steps[] = { "disable", "certs", "enable", "restart", "cluster-remove", "cluster-setup" };
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(MptResult) r = NULL;

  g_ptr_array_add (args, g_strdup (service));
  g_ptr_array_add (args, g_strdup ("backend"));
  g_ptr_array_add (args, g_strdup ("exec"));
  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      /* the cluster steps are the database's alone: backend exec refuses
       * them for another service, so none of those can run one */
      if (g_str_has_prefix (steps[i], "cluster-") && !g_str_equal (service, "database"))
        continue;
      /* once the certificates are placed, every step sees them */
      gboolean placed = !g_str_equal (steps[i], "disable") && !g_str_equal (steps[i], "cluster-remove");
      g_ptr_array_add (args, g_strdup_printf ("%s=test \"$MEETPKI_SERVICE\" = %s && %s echo \"$MEETPKI_STEP\" >> '%s'",
                                              steps[i], service,
                                              placed ? "test -f \"$MEETPKI_CERT\" && test -f \"$MEETPKI_KEY\" &&" : "",
                                              rec));
    }
  g_ptr_array_add (args, NULL);
  r = mpt_meetpki (home, (const char * const *) args->pdata);
  mpt_assert_ok (r);
  g_unlink (rec);
}

static char *
read_record (const char *home)
{
  g_autofree char *rec = record_path (home);
  char *text = NULL;

  if (!g_file_get_contents (rec, &text, NULL, NULL))
    return g_strdup ("");
  g_unlink (rec);
  return text;
}

typedef struct {
  const char *service;
  const char *expected; /* the steps, in order */
} SequenceCase;

static const SequenceCase sequences[] = {
  { "webadmin", "disable\ncerts\nenable\n" },
  { "callbridge", "certs\nrestart\n" },
  { "webbridge", "disable\ncerts\nenable\n" },
  { "xmpp", "disable\ncerts\nenable\n" },
  { "turn", "disable\ncerts\nenable\n" },
  { "database", "cluster-remove\ncerts\ncluster-setup\n" },
};

static void
test_sequence (gconstpointer data)
{
  const SequenceCase *c = data;
  g_autofree char *home = node_with_ca ();
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *rec = NULL;
  g_autoptr(MptResult) dry = NULL;
  g_autoptr(MptResult) r = NULL;
  g_autoptr(MptResult) check = NULL;
  const char *base = g_str_equal (c->service, "database") ? "db" : "svc";
  gboolean db = g_str_equal (c->service, "database");

  issue (home, c->service, base);
  record_steps (home, c->service);

  /* --dry-run: the steps in order, nothing run, nothing changed */
  before = snapshot_all (home);
  if (db)
    dry = mpt_meetpki_va (home, "database", "apply", "dbserver.key", "dbserver.crt", "dbclient.key",
                          "dbclient.crt", "ca.crt", "--dry-run", NULL);
  else
    dry = mpt_meetpki_va (home, c->service, "apply", "svc.key", "svc.crt", "ca.crt", "--dry-run", NULL);
  mpt_assert_ok (dry);
  after = snapshot_all (home);
  g_assert_cmpstr (before, ==, after);
  rec = read_record (home);
  g_assert_cmpstr (rec, ==, "");
  {
    g_auto(GStrv) want = g_strsplit (c->expected, "\n", -1);
    const char *at = dry->out;
    for (guint i = 0; want[i] != NULL && want[i][0] != '\0'; i++)
      {
        const char *hit = strstr (at, "would run: ");
        g_assert_nonnull (hit);
        at = hit + strlen ("would run: ");
        g_assert_true (g_str_has_prefix (at, c->service));
      }
  }
  g_clear_pointer (&rec, g_free);

  if (db)
    r = mpt_meetpki_va (home, "database", "apply", "dbserver.key", "dbserver.crt", "dbclient.key",
                        "dbclient.crt", "ca.crt", NULL);
  else
    r = mpt_meetpki_va (home, c->service, "apply", "svc.key", "svc.crt", "ca.crt", NULL);
  mpt_assert_ok (r);
  g_assert_nonnull (strstr (r->out, "SUCCESS: Key and certificate pair match"));
  g_assert_nonnull (strstr (r->out, "SUCCESS: certificate verified against CA bundle"));
  rec = read_record (home);
  g_assert_cmpstr (rec, ==, c->expected);

  check = mpt_meetpki_va (home, "check", NULL);
  mpt_assert_ok (check);
  mpt_remove_home (home);
}

/* a certificate without the server fqdn, and a key that is not the
 * certificate's: each refused, the store as it was */
static void
test_refusals (void)
{
  g_autofree char *home = node_with_ca ();
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr(MptResult) rule = NULL;
  g_autoptr(MptResult) mismatch = NULL;
  g_autoptr(MptResult) wrong_kind = NULL;
  g_autoptr(MptResult) swapped = NULL;

  mpt_ok (home, "pki", "csr", "other", "CN:other.example.com", NULL);
  mpt_ok (home, "pki", "sign", "other", "ca", NULL);
  issue (home, "webadmin", "wa");
  before = snapshot_all (home);

  rule = mpt_meetpki_va (home, "webadmin", "certs", "other.key", "other.crt", "ca.crt", NULL);
  mpt_assert_status (rule, 1);
  g_assert_nonnull (strstr (rule->out, "FAILURE: cert does not cover the server FQDN " FQDN));
  g_assert_nonnull (strstr (rule->out, "nothing was changed"));
  after = snapshot_all (home);
  g_assert_cmpstr (before, ==, after);
  g_clear_pointer (&after, g_free);

  mismatch = mpt_meetpki_va (home, "webadmin", "apply", "other.key", "wa.crt", "ca.crt", NULL);
  mpt_assert_status (mismatch, 1);
  g_assert_nonnull (strstr (mismatch->out, "FAILURE: Key and certificate pair do not match"));
  g_assert_null (strstr (mismatch->out, "disabled"));
  after = snapshot_all (home);
  g_assert_cmpstr (before, ==, after);
  g_clear_pointer (&after, g_free);

  /* the CSR (or the key) where the certificate belongs: one line naming
   * the file once and what it is */
  wrong_kind = mpt_meetpki_va (home, "webadmin", "certs", "wa.key", "wa.csr", "ca.crt", NULL);
  mpt_assert_status (wrong_kind, 1);
  g_assert_nonnull (strstr (wrong_kind->out,
                            "FAILURE: wa.csr is a certificate request (CSR), not a certificate (the cert role)\n"));
  g_assert_null (strstr (wrong_kind->out, "wa.csr: wa.csr"));
  swapped = mpt_meetpki_va (home, "webadmin", "certs", "wa.crt", "wa.key", "ca.crt", NULL);
  mpt_assert_status (swapped, 1);
  g_assert_nonnull (strstr (swapped->out, "FAILURE: wa.crt is not a private key (the key role)\n"));
  g_assert_nonnull (strstr (swapped->out, "FAILURE: wa.key is a private key, not a certificate (the cert role)\n"));
  after = snapshot_all (home);
  g_assert_cmpstr (before, ==, after);
  mpt_remove_home (home);
}

/* a full chain (entity, then its CA) given where webadmin takes a CA
 * bundle: refused with the command that makes the bundle, which then
 * applies; webbridge, which also takes a full chain alone, says so too */
static void
test_full_chain_as_bundle (void)
{
  g_autofree char *home = node_with_ca ();
  g_autofree char *full = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *wa_pem = NULL;
  g_autofree char *ca_pem = NULL;
  g_autoptr(MptResult) refused = NULL;
  g_autoptr(MptResult) wb = NULL;
  g_autoptr(MptResult) help = NULL;
  g_autoptr(MptResult) verify = NULL;
  g_autoptr(GError) error = NULL;

  issue (home, "webadmin", "wa");
  /* the full chain as an administrator concatenates it, not as meetpki
   * builds it */
  {
    g_autofree char *wa = g_build_filename (home, "wa.crt", NULL);
    g_autofree char *ca = g_build_filename (home, "ca.crt", NULL);
    g_autofree char *chain = NULL;

    g_assert_true (g_file_get_contents (wa, &wa_pem, NULL, &error));
    g_assert_true (g_file_get_contents (ca, &ca_pem, NULL, &error));
    chain = g_strconcat (wa_pem, ca_pem, NULL);
    full = g_build_filename (home, "wa-full.crt", NULL);
    g_assert_true (g_file_set_contents (full, chain, -1, &error));
  }
  before = snapshot_all (home);
  refused = mpt_meetpki_va (home, "webadmin", "certs", "wa.key", "wa.crt", "wa-full.crt", NULL);
  mpt_assert_status (refused, 1);
  g_assert_nonnull (strstr (refused->out,
                            "\nFAILURE: wa-full.crt: 'CN=" FQDN "' is not a CA; a CA bundle holds no entity "
                            "certificate; from a full chain, make the CA bundle with "
                            "'meetpki bundle build wa.crt wa-full.crt --ca-only -o <name>' [not-ca]\n"));
  after = snapshot_all (home);
  g_assert_cmpstr (before, ==, after);
  /* a file with no CA in it (the certificate again) is no full chain: the
   * command would fail on it, so the line names none */
  {
    g_autoptr(MptResult) again = mpt_meetpki_va (home, "webadmin", "certs", "wa.key", "wa.crt", "wa.crt", NULL);
    g_autoptr(MptResult) build = mpt_meetpki_va (home, "bundle", "build", "wa.crt", "wa.crt", "--ca-only", NULL);

    mpt_assert_status (again, 1);
    g_assert_nonnull (strstr (again->out, "\nFAILURE: wa.crt: 'CN=" FQDN "' is not a CA; a CA bundle holds no "
                                          "entity certificate [not-ca]\n"));
    g_assert_null (strstr (again->out, "bundle build"));
    mpt_assert_status (build, 1);
  }
  /* `help webadmin certs` names the same option */
  help = mpt_meetpki_va (home, "help", "webadmin", "certs", NULL);
  mpt_assert_ok (help);
  g_assert_nonnull (strstr (help->out, "'bundle build <cert> <fullchain> --ca-only -o <name>'"));

  /* what the line says works: the CA alone, which openssl takes as the
   * CA file of wa.crt, and webadmin applies */
  mpt_ok (home, "bundle", "build", "wa.crt", "wa-full.crt", "--ca-only", "-o", "wa-cas.crt", NULL);
  verify = mpt_tool_va (home, "openssl", "verify", "-CAfile", "wa-cas.crt", "wa.crt", NULL);
  mpt_assert_ok (verify);
  {
    g_autofree char *cas_path = g_build_filename (home, "wa-cas.crt", NULL);
    g_autofree char *cas = NULL;

    g_assert_true (g_file_get_contents (cas_path, &cas, NULL, &error));
    g_assert_cmpstr (cas, ==, ca_pem);
  }
  mpt_ok (home, "webadmin", "certs", "wa.key", "wa.crt", "wa-cas.crt", NULL);

  issue (home, "webbridge", "wb");
  {
    g_autofree char *wb_path = g_build_filename (home, "wb.crt", NULL);
    g_autofree char *wb_pem = NULL;
    g_autofree char *chain = NULL;
    g_autofree char *path = g_build_filename (home, "wb-full.crt", NULL);

    g_assert_true (g_file_get_contents (wb_path, &wb_pem, NULL, &error));
    chain = g_strconcat (wb_pem, ca_pem, NULL);
    g_assert_true (g_file_set_contents (path, chain, -1, &error));
  }
  wb = mpt_meetpki_va (home, "webbridge", "certs", "wb.key", "wb.crt", "wb-full.crt", NULL);
  mpt_assert_status (wb, 1);
  g_assert_nonnull (strstr (wb->out, "'meetpki bundle build wb.crt wb-full.crt --ca-only -o <name>' "
                                     "(or give the full chain alone: 'meetpki webbridge certs wb.key wb-full.crt') "
                                     "[not-ca]\n"));
  mpt_ok (home, "webbridge", "certs", "wb.key", "wb-full.crt", NULL);
  mpt_remove_home (home);
}

/* a json text as "path=value" lines (python3's json, not ours): "\nverdict=\"applied\"\n",
 * "\napplied#=3\n" for an array's length.  it fails on anything but one
 * object, so stdout held nothing else */
static char *
flat_json (const char *home, const char *text)
{
  static const char script[] =
    "import json, sys\n"
    "def walk(p, v):\n"
    "    if isinstance(v, dict):\n"
    "        for k, x in v.items(): walk(p + [k], x)\n"
    "    elif isinstance(v, list):\n"
    "        print('%s#=%d' % ('.'.join(p), len(v)))\n"
    "        for i, x in enumerate(v): walk(p + [str(i)], x)\n"
    "    else:\n"
    "        print('%s=%s' % ('.'.join(p), json.dumps(v)))\n"
    "d = json.loads(sys.argv[1])\n"
    "assert isinstance(d, dict)\n"
    "walk([], d)\n";
  g_autoptr(MptResult) r = mpt_tool_va (home, "python3", "-c", script, text, NULL);

  mpt_assert_ok (r);
  return g_strconcat ("\n", r->out, NULL);
}

/* what openssl prints for @args, its first line without the newline */
static char *
openssl_line (const char *home, const char *a, const char *b, const char *c, const char *d, const char *e)
{
  g_autoptr(MptResult) r = mpt_tool_va (home, "openssl", a, b, c, d, e, NULL);
  char *nl;

  mpt_assert_ok (r);
  nl = strchr (r->out, '\n');
  return nl != NULL ? g_strndup (r->out, (gsize) (nl - r->out)) : g_strdup (r->out);
}

static void
assert_has (const char *flat, const char *line)
{
  g_autofree char *want = g_strdup_printf ("\n%s\n", line);

  if (strstr (flat, want) == NULL)
    g_error ("no line %s in\n%s", line, flat);
}

/* `certs --json`: one object (parsed by python3), the text form's exit
 * status; the applied files' fingerprints as openssl computes them from
 * the live files, a refused pair openssl also tells apart, nothing else on
 * stdout even when an exec step's command prints */
static void
test_certs_json (void)
{
  g_autofree char *home = node_with_ca ();
  g_autofree char *flat = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr(MptResult) applied = NULL;
  g_autoptr(MptResult) dry = NULL;
  g_autoptr(MptResult) refused = NULL;
  g_autoptr(MptResult) missing = NULL;
  g_autoptr(MptResult) db = NULL;

  issue (home, "webadmin", "wa");
  mpt_ok (home, "pki", "csr", "other", "CN:" FQDN, NULL);
  mpt_ok (home, "pki", "sign", "other", "ca", NULL);

  /* a dry run: the checks and the step to run, nothing live */
  dry = mpt_meetpki_va (home, "webadmin", "certs", "wa.key", "wa.crt", "ca.crt", "--dry-run", "--json", NULL);
  mpt_assert_ok (dry);
  flat = flat_json (home, dry->out);
  assert_has (flat, "verdict=\"dry-run\"");
  assert_has (flat, "dry_run=true");
  assert_has (flat, "steps#=1");
  assert_has (flat, "steps.0.step=\"certs\"");
  assert_has (flat, "steps.0.outcome=\"would-run\"");
  assert_has (flat, "steps.0.message=null");
  assert_has (flat, "probe=null");
  assert_has (flat, "rollback=null");
  assert_has (flat, "applied#=0");
  assert_has (flat, "lines.0.kind=\"success\"");
  assert_has (flat, "lines.0.text=\"Key and certificate pair match\"");
  assert_has (flat, "lines.4.kind=\"note\"");
  assert_has (flat, "lines.4.text=\"would run: webadmin certs\"");
  g_clear_pointer (&flat, g_free);

  /* applied, through an exec step whose command prints */
  mpt_ok (home, "webadmin", "backend", "exec", "certs=echo certs-step-says-hello", NULL);
  applied = mpt_meetpki_va (home, "webadmin", "certs", "wa.key", "wa.crt", "ca.crt", "--json", NULL);
  mpt_assert_ok (applied);
  g_assert_nonnull (strstr (applied->err, "certs-step-says-hello\n"));
  flat = flat_json (home, applied->out);
  assert_has (flat, "service=\"webadmin\"");
  assert_has (flat, "command=\"certs\"");
  assert_has (flat, "files.0=\"wa.key\"");
  assert_has (flat, "files.2=\"ca.crt\"");
  assert_has (flat, "verdict=\"applied\"");
  assert_has (flat, "error=null");
  assert_has (flat, "steps#=1");
  assert_has (flat, "steps.0.step=\"certs\"");
  assert_has (flat, "steps.0.outcome=\"ok\"");
  assert_has (flat, "applied#=3");
  assert_has (flat, "applied.0.role=\"key\"");
  assert_has (flat, "applied.1.role=\"cert\"");
  assert_has (flat, "applied.1.file=\"wa.crt\"");
  assert_has (flat, "applied.1.live=\"cert.pem\"");
  {
    g_autofree char *live_dir = g_build_filename (home, "services", "webadmin", NULL);
    g_autofree char *dir_line = g_strdup_printf ("live_dir=\"%s\"", live_dir);
    g_autofree char *key_dgst = openssl_line (home, "dgst", "-sha256", "-r", "services/webadmin/key.pem", NULL);
    g_autofree char *crt_dgst = openssl_line (home, "dgst", "-sha256", "-r", "services/webadmin/cert.pem", NULL);
    g_autofree char *key_line = NULL;
    g_autofree char *crt_line = NULL;
    g_autofree char *fpr_live = openssl_line (home, "x509", "-in", "services/webadmin/cert.pem", "-noout",
                                              "-fingerprint");
    g_autofree char *fpr_given = openssl_line (home, "x509", "-in", "wa.crt", "-noout", "-fingerprint");
    g_autofree char *end = openssl_line (home, "x509", "-in", "wa.crt", "-noout", "-enddate");
    g_autoptr(MptResult) iso = mpt_tool_va (home, "openssl", "x509", "-in", "wa.crt", "-noout", "-enddate",
                                            "-dateopt", "iso_8601", NULL);
    g_autofree char *until = NULL;

    assert_has (flat, dir_line);
    /* "<hex> *file": the hex is the applied set's sha256 of each */
    *strchr (key_dgst, ' ') = '\0';
    *strchr (crt_dgst, ' ') = '\0';
    key_line = g_strdup_printf ("applied.0.sha256=\"%s\"", key_dgst);
    crt_line = g_strdup_printf ("applied.1.sha256=\"%s\"", crt_dgst);
    assert_has (flat, key_line);
    assert_has (flat, crt_line);
    g_assert_cmpstr (fpr_live, ==, fpr_given);
    g_assert_true (g_str_has_prefix (end, "notAfter="));
    /* the expiry line names openssl's notAfter (2027-11-29 14:17:59Z) */
    mpt_assert_ok (iso);
    g_strchomp (iso->out);
    g_assert_true (g_str_has_suffix (iso->out, "Z"));
    iso->out[strlen (iso->out) - 1] = '\0';
    until = g_strdup_printf (".text=\"wa.crt valid until %s UTC (", iso->out + strlen ("notAfter="));
    g_assert_nonnull (strstr (flat, until));
  }
  g_clear_pointer (&flat, g_free);
  mpt_ok (home, "webadmin", "backend", "embedded", NULL);

  /* refused: other.key is not wa.crt's key (openssl agrees), exit 1 as
   * the text form, no FAILURE line, nothing changed */
  {
    g_autoptr(MptResult) pub_key = mpt_tool_va (home, "openssl", "pkey", "-in", "other.key", "-pubout", NULL);
    g_autoptr(MptResult) pub_crt = mpt_tool_va (home, "openssl", "x509", "-in", "wa.crt", "-noout", "-pubkey", NULL);

    mpt_assert_ok (pub_key);
    mpt_assert_ok (pub_crt);
    g_assert_cmpstr (pub_key->out, !=, pub_crt->out);
  }
  before = snapshot_all (home);
  refused = mpt_meetpki_va (home, "webadmin", "certs", "other.key", "wa.crt", "ca.crt", "--json", NULL);
  mpt_assert_status (refused, 1);
  g_assert_cmpstr (refused->err, ==, "");
  g_assert_null (strstr (refused->out, "FAILURE:"));
  flat = flat_json (home, refused->out);
  assert_has (flat, "verdict=\"refused\"");
  assert_has (flat, "steps#=0");
  /* what stays live: the set applied above, untouched */
  assert_has (flat, "applied#=3");
  assert_has (flat, "applied.1.file=\"wa.crt\"");
  assert_has (flat, "lines.0.kind=\"failure\"");
  assert_has (flat, "lines.0.text=\"Key and certificate pair do not match: wa.crt was not issued for other.key\"");
  assert_has (flat, "error.name=\"VerifyFailed\"");
  assert_has (flat, "error.message=\"the webadmin certificates: 1 check failed; nothing was changed\"");
  after = snapshot_all (home);
  g_assert_cmpstr (before, ==, after);
  g_clear_pointer (&flat, g_free);

  /* no verdict, no object: the one line on stderr */
  missing = mpt_meetpki_va (home, "webadmin", "certs", "nosuch.key", "wa.crt", "--json", NULL);
  mpt_assert_status (missing, 3);
  g_assert_cmpstr (missing->out, ==, "");
  g_assert_true (g_str_has_prefix (missing->err, "meetpki: nosuch.key: no such file in the store"));
  g_assert_cmpstr (strchr (missing->err, '\n'), ==, "\n");

  /* the database's cluster certs alike */
  issue (home, "database", "db");
  db = mpt_meetpki_va (home, "database", "cluster", "certs", "dbserver.key", "dbserver.crt", "dbclient.key",
                       "dbclient.crt", "ca.crt", "--json", NULL);
  mpt_assert_ok (db);
  flat = flat_json (home, db->out);
  assert_has (flat, "service=\"database\"");
  assert_has (flat, "command=\"cluster certs\"");
  assert_has (flat, "verdict=\"applied\"");
  assert_has (flat, "steps#=1");
  assert_has (flat, "steps.0.step=\"certs\"");
  assert_has (flat, "steps.0.outcome=\"ok\"");
  assert_has (flat, "applied#=5");
  mpt_remove_home (home);
}

static MptResult *shell (const char *home, const char *input, const char *args);

/* the steps a --json object lists under @prefix ("steps", "rollback.steps"),
 * one name a line, as the exec backend's record has them */
static char *
steps_of (const char *flat, const char *prefix)
{
  g_autoptr(GString) names = g_string_new (NULL);

  for (guint i = 0;; i++)
    {
      g_autofree char *key = g_strdup_printf ("\n%s.%u.step=\"", prefix, i);
      const char *at = strstr (flat, key);
      const char *end;

      if (at == NULL)
        break;
      at += strlen (key);
      end = strchr (at, '"');
      g_string_append_printf (names, "%.*s\n", (int) (end - at), at);
    }
  return g_string_free (g_steal_pointer (&names), FALSE);
}

/* a line of @flat starts with @start */
static void
assert_prefix (const char *flat, const char *start)
{
  g_autofree char *want = g_strdup_printf ("\n%s", start);

  if (strstr (flat, want) == NULL)
    g_error ("no line starting %s in\n%s", start, flat);
}

/* webadmin's three steps, each recording its name; @enable_tail follows
 * the enable step's record */
static void
record_with_enable (const char *home, const char *enable_tail)
{
  g_autofree char *rec = record_path (home);
  g_autofree char *d = g_strdup_printf ("disable=echo \"$MEETPKI_STEP\" >> '%s'", rec);
  g_autofree char *c = g_strdup_printf ("certs=echo certs-step-says-hello; echo \"$MEETPKI_STEP\" >> '%s'", rec);
  g_autofree char *e = g_strdup_printf ("enable=echo \"$MEETPKI_STEP\" >> '%s'; %s", rec, enable_tail);

  mpt_ok (home, "webadmin", "backend", "exec", d, c, e, NULL);
  g_unlink (rec);
}

/* "applied.N.sha256" of the object is openssl's sha256 of @file */
static void
assert_applied_sha256 (const char *home, const char *flat, guint n, const char *file)
{
  g_autofree char *dgst = openssl_line (home, "dgst", "-sha256", "-r", file, NULL);
  g_autofree char *line = NULL;

  *strchr (dgst, ' ') = '\0';
  line = g_strdup_printf ("applied.%u.sha256=\"%s\"", n, dgst);
  assert_has (flat, line);
}

/* `apply --json`: one object (python3 parses the whole stdout), its steps
 * in the order the exec backend ran them, the applied set as openssl
 * fingerprints the files; a refusal, a dry run, and the database, whose
 * uppercase-Y question goes to stderr with --json */
static void
test_apply_json (void)
{
  g_autofree char *home = node_with_ca ();
  g_autofree char *flat = NULL;
  g_autofree char *rec = NULL;
  g_autofree char *steps = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr(MptResult) dry = NULL;
  g_autoptr(MptResult) r = NULL;
  g_autoptr(MptResult) refused = NULL;
  g_autoptr(MptResult) missing = NULL;
  g_autoptr(MptResult) db = NULL;
  g_autoptr(MptResult) asked_no = NULL;
  g_autoptr(MptResult) asked_yes = NULL;

  issue (home, "webadmin", "wa");
  mpt_ok (home, "pki", "csr", "other", "CN:" FQDN, NULL);
  mpt_ok (home, "pki", "sign", "other", "ca", NULL);
  record_with_enable (home, "true");

  dry = mpt_meetpki_va (home, "webadmin", "apply", "wa.key", "wa.crt", "ca.crt", "--dry-run", "--json", NULL);
  mpt_assert_ok (dry);
  flat = flat_json (home, dry->out);
  assert_has (flat, "verdict=\"dry-run\"");
  assert_has (flat, "steps.0.outcome=\"would-run\"");
  steps = steps_of (flat, "steps");
  g_assert_cmpstr (steps, ==, "disable\ncerts\nenable\n");
  rec = read_record (home);
  g_assert_cmpstr (rec, ==, "");
  g_clear_pointer (&flat, g_free);
  g_clear_pointer (&steps, g_free);
  g_clear_pointer (&rec, g_free);

  r = mpt_meetpki_va (home, "webadmin", "apply", "wa.key", "wa.crt", "ca.crt", "--json", NULL);
  mpt_assert_ok (r);
  /* the certs step's command printed: on stderr, stdout is the object */
  g_assert_nonnull (strstr (r->err, "certs-step-says-hello\n"));
  flat = flat_json (home, r->out);
  rec = read_record (home);
  steps = steps_of (flat, "steps");
  g_assert_cmpstr (rec, ==, "disable\ncerts\nenable\n");
  g_assert_cmpstr (steps, ==, rec);
  assert_has (flat, "service=\"webadmin\"");
  assert_has (flat, "command=\"apply\"");
  assert_has (flat, "verdict=\"applied\"");
  assert_has (flat, "steps.0.outcome=\"ok\"");
  assert_has (flat, "steps.2.outcome=\"ok\"");
  assert_has (flat, "steps.2.message=null");
  assert_has (flat, "rollback=null");
  assert_has (flat, "probe=null");
  assert_has (flat, "error=null");
  assert_has (flat, "status_error=null");
  assert_has (flat, "lines.0.kind=\"success\"");
  assert_has (flat, "lines.0.text=\"Key and certificate pair match\"");
  assert_has (flat, "lines.4.text=\"webadmin apply sequence: disable -> certs -> enable\"");
  assert_has (flat, "applied#=3");
  assert_has (flat, "applied.1.file=\"wa.crt\"");
  assert_applied_sha256 (home, flat, 0, "wa.key");
  assert_applied_sha256 (home, flat, 1, "wa.crt");
  assert_applied_sha256 (home, flat, 2, "ca.crt");
  g_clear_pointer (&flat, g_free);
  g_clear_pointer (&steps, g_free);
  g_clear_pointer (&rec, g_free);

  /* refused: exit 1 as the text form, no step, nothing changed */
  before = snapshot_all (home);
  refused = mpt_meetpki_va (home, "webadmin", "apply", "other.key", "wa.crt", "ca.crt", "--json", NULL);
  mpt_assert_status (refused, 1);
  g_assert_cmpstr (refused->err, ==, "");
  flat = flat_json (home, refused->out);
  assert_has (flat, "verdict=\"refused\"");
  assert_has (flat, "steps#=0");
  assert_has (flat, "error.name=\"VerifyFailed\"");
  assert_has (flat, "applied.1.file=\"wa.crt\"");
  after = snapshot_all (home);
  g_assert_cmpstr (before, ==, after);
  rec = read_record (home);
  g_assert_cmpstr (rec, ==, "");
  g_clear_pointer (&flat, g_free);
  g_clear_pointer (&rec, g_free);

  /* no line yet, no object: the one error line */
  missing = mpt_meetpki_va (home, "webadmin", "apply", "nosuch.key", "wa.crt", "--json", NULL);
  mpt_assert_status (missing, 3);
  g_assert_cmpstr (missing->out, ==, "");
  g_assert_true (g_str_has_prefix (missing->err, "meetpki: nosuch.key: no such file in the store"));

  /* the database: its own three steps; once in the cluster, the next
   * apply asks before 'cluster remove', on stderr */
  issue (home, "database", "db");
  record_steps (home, "database");
  db = mpt_meetpki_va (home, "database", "apply", "dbserver.key", "dbserver.crt", "dbclient.key",
                       "dbclient.crt", "ca.crt", "--json", NULL);
  mpt_assert_ok (db);
  flat = flat_json (home, db->out);
  rec = read_record (home);
  steps = steps_of (flat, "steps");
  g_assert_cmpstr (rec, ==, "cluster-remove\ncerts\ncluster-setup\n");
  g_assert_cmpstr (steps, ==, rec);
  assert_has (flat, "service=\"database\"");
  assert_has (flat, "applied#=5");
  assert_applied_sha256 (home, flat, 0, "dbserver.key");
  assert_applied_sha256 (home, flat, 4, "ca.crt");
  g_clear_pointer (&flat, g_free);
  g_clear_pointer (&steps, g_free);
  g_clear_pointer (&rec, g_free);

  asked_no = shell (home, "y\\n", "database apply dbserver.key dbserver.crt dbclient.key dbclient.crt ca.crt --json");
  mpt_assert_status (asked_no, 2);
  g_assert_nonnull (strstr (asked_no->err, "Remove it? Type an uppercase Y to confirm: "));
  g_assert_nonnull (strstr (asked_no->err, "meetpki: not confirmed"));
  flat = flat_json (home, asked_no->out);
  assert_has (flat, "verdict=\"failed\"");
  assert_has (flat, "steps#=1");
  assert_has (flat, "steps.0.step=\"cluster-remove\"");
  assert_has (flat, "steps.0.outcome=\"failed\"");
  assert_has (flat, "error.name=\"InvalidArgs\"");
  rec = read_record (home);
  g_assert_cmpstr (rec, ==, "");
  g_clear_pointer (&flat, g_free);
  g_clear_pointer (&rec, g_free);

  asked_yes = shell (home, "Y\\n", "database apply dbserver.key dbserver.crt dbclient.key dbclient.crt ca.crt --json");
  mpt_assert_ok (asked_yes);
  g_assert_nonnull (strstr (asked_yes->err, "Type an uppercase Y to confirm: "));
  flat = flat_json (home, asked_yes->out);
  rec = read_record (home);
  steps = steps_of (flat, "steps");
  g_assert_cmpstr (rec, ==, "cluster-remove\ncerts\ncluster-setup\n");
  g_assert_cmpstr (steps, ==, rec);
  mpt_remove_home (home);
}

/* a failing exec step: 13 with nothing to go back to, 14 when the rollback
 * works, 15 when it fails too; each object's steps (and its rollback's) in
 * the order the exec backend ran them.  then `rollback --json`, and a
 * probe that fails after every step worked */
static void
test_apply_json_failures (void)
{
  g_autofree char *home = node_with_ca ();
  g_autofree char *once = g_strconcat (home, ".once", NULL);
  g_autofree char *fail_once = g_strdup_printf ("test -f '%s' || { touch '%s'; exit 3; }", once, once);
  g_autofree char *flat = NULL;
  g_autofree char *rec = NULL;
  g_autofree char *steps = NULL;
  g_autofree char *rb_steps = NULL;
  g_autoptr(MptResult) first = NULL;
  g_autoptr(MptResult) rolled = NULL;
  g_autoptr(MptResult) both = NULL;
  g_autoptr(MptResult) back = NULL;
  g_autoptr(MptResult) probed = NULL;

  issue (home, "webadmin", "wa");
  issue (home, "webadmin", "wa2");

  /* 13: the first apply has no previous set */
  record_with_enable (home, "exit 3");
  first = mpt_meetpki_va (home, "webadmin", "apply", "wa.key", "wa.crt", "ca.crt", "--json", NULL);
  mpt_assert_status (first, 13);
  g_assert_true (g_str_has_suffix (first->err, ": Child process exited with code 3\n"));
  g_assert_nonnull (strstr (first->err, "\nmeetpki: webadmin enable: the exec backend's command failed ("));
  flat = flat_json (home, first->out);
  rec = read_record (home);
  steps = steps_of (flat, "steps");
  g_assert_cmpstr (rec, ==, "disable\ncerts\nenable\n");
  g_assert_cmpstr (steps, ==, rec);
  assert_has (flat, "verdict=\"failed\"");
  assert_has (flat, "steps.1.outcome=\"ok\"");
  assert_has (flat, "steps.2.outcome=\"failed\"");
  assert_prefix (flat, "steps.2.message=\"webadmin enable: the exec backend's command failed (");
  assert_has (flat, "rollback=null");
  assert_has (flat, "error.name=\"BackendFailed\"");
  g_clear_pointer (&flat, g_free);
  g_clear_pointer (&steps, g_free);
  g_clear_pointer (&rec, g_free);

  /* wa applied; then wa2, whose enable fails once: 14, wa back */
  record_with_enable (home, "true");
  mpt_ok (home, "webadmin", "apply", "wa.key", "wa.crt", "ca.crt", NULL);
  record_with_enable (home, fail_once);
  rolled = mpt_meetpki_va (home, "webadmin", "apply", "wa2.key", "wa2.crt", "ca.crt", "--json", NULL);
  mpt_assert_status (rolled, 14);
  flat = flat_json (home, rolled->out);
  rec = read_record (home);
  steps = steps_of (flat, "steps");
  rb_steps = steps_of (flat, "rollback.steps");
  g_assert_cmpstr (rec, ==, "disable\ncerts\nenable\ndisable\ncerts\nenable\n");
  g_assert_cmpstr (steps, ==, "disable\ncerts\nenable\n");
  g_assert_cmpstr (rb_steps, ==, "disable\ncerts\nenable\n");
  assert_has (flat, "steps.0.outcome=\"rolled-back\"");
  assert_has (flat, "steps.1.outcome=\"rolled-back\"");
  assert_has (flat, "steps.2.outcome=\"failed\"");
  assert_has (flat, "rollback.outcome=\"ok\"");
  assert_has (flat, "rollback.message=null");
  assert_has (flat, "rollback.steps.2.outcome=\"ok\"");
  assert_has (flat, "error.name=\"RolledBack\"");
  /* the previous files are the applied ones again */
  assert_has (flat, "applied.1.file=\"wa.crt\"");
  assert_applied_sha256 (home, flat, 1, "wa.crt");
  g_clear_pointer (&flat, g_free);
  g_clear_pointer (&steps, g_free);
  g_clear_pointer (&rb_steps, g_free);
  g_clear_pointer (&rec, g_free);

  /* 15: enable fails in the rollback too */
  record_with_enable (home, "exit 3");
  both = mpt_meetpki_va (home, "webadmin", "apply", "wa2.key", "wa2.crt", "ca.crt", "--json", NULL);
  mpt_assert_status (both, 15);
  g_assert_nonnull (strstr (both->err, "the rollback failed too"));
  flat = flat_json (home, both->out);
  rec = read_record (home);
  steps = steps_of (flat, "steps");
  rb_steps = steps_of (flat, "rollback.steps");
  g_assert_cmpstr (rec, ==, "disable\ncerts\nenable\ndisable\ncerts\nenable\n");
  g_assert_cmpstr (steps, ==, "disable\ncerts\nenable\n");
  g_assert_cmpstr (rb_steps, ==, "disable\ncerts\nenable\n");
  assert_has (flat, "steps.0.outcome=\"ok\"");
  assert_has (flat, "steps.2.outcome=\"failed\"");
  assert_has (flat, "rollback.outcome=\"failed\"");
  assert_has (flat, "rollback.steps.2.outcome=\"failed\"");
  assert_prefix (flat, "rollback.message=\"webadmin enable: the exec backend's command failed (");
  assert_has (flat, "error.name=\"RollbackFailed\"");
  g_clear_pointer (&flat, g_free);
  g_clear_pointer (&steps, g_free);
  g_clear_pointer (&rb_steps, g_free);
  g_clear_pointer (&rec, g_free);

  /* wa2 applied over wa makes wa the known-good set: rollback --json */
  record_with_enable (home, "true");
  mpt_ok (home, "webadmin", "apply", "wa2.key", "wa2.crt", "ca.crt", NULL);
  g_free (read_record (home));
  back = mpt_meetpki_va (home, "webadmin", "rollback", "--json", NULL);
  mpt_assert_ok (back);
  flat = flat_json (home, back->out);
  rec = read_record (home);
  steps = steps_of (flat, "steps");
  g_assert_cmpstr (rec, ==, "disable\ncerts\nenable\n");
  g_assert_cmpstr (steps, ==, rec);
  assert_has (flat, "command=\"rollback\"");
  assert_has (flat, "files#=0");
  assert_has (flat, "verdict=\"applied\"");
  assert_has (flat, "rollback=null");
  assert_has (flat, "lines.0.text=\"webadmin: rolling back to the last known-good files\"");
  assert_applied_sha256 (home, flat, 1, "wa.crt");
  g_clear_pointer (&flat, g_free);
  g_clear_pointer (&steps, g_free);
  g_clear_pointer (&rec, g_free);

  /* an endpoint nothing listens on: every step works, the guard's probe
   * fails, and so does the rollback's (15) */
  mpt_ok (home, "webadmin", "endpoint", "127.0.0.1:1", NULL);
  probed = mpt_meetpki_va (home, "webadmin", "apply", "wa2.key", "wa2.crt", "ca.crt", "--json", NULL);
  mpt_assert_status (probed, 15);
  flat = flat_json (home, probed->out);
  assert_has (flat, "steps.2.outcome=\"ok\"");
  assert_has (flat, "probe.address=\"127.0.0.1:1\"");
  assert_has (flat, "probe.outcome=\"failed\"");
  assert_prefix (flat, "probe.message=\"webadmin probe: cannot connect to 127.0.0.1:1");
  assert_has (flat, "rollback.outcome=\"failed\"");
  assert_has (flat, "rollback.steps.2.outcome=\"ok\"");
  assert_has (flat, "rollback.probe.outcome=\"failed\"");
  assert_has (flat, "error.name=\"RollbackFailed\"");
  g_free (read_record (home));
  g_unlink (once);
  mpt_remove_home (home);
}

/* a failed run after which the status cannot be read (the enable step's
 * command breaks node.conf): the object says so in status_error, applied
 * and live_dir are null (not an empty list), the run's error stays the
 * error and its exit status */
static void
test_apply_json_status_unreadable (void)
{
  g_autofree char *home = node_with_ca ();
  g_autofree char *flat = NULL;
  g_autofree char *rec = NULL;
  g_autoptr(MptResult) r = NULL;
  g_autoptr(MptResult) status = NULL;

  issue (home, "webadmin", "wa");
  record_with_enable (home, "printf '[nosuch]\\n' >> \"$MEETPKI_STORE/node.conf\"; exit 3");
  r = mpt_meetpki_va (home, "webadmin", "apply", "wa.key", "wa.crt", "ca.crt", "--json", NULL);
  mpt_assert_status (r, 13);
  g_assert_nonnull (strstr (r->err, "\nmeetpki: webadmin enable: the exec backend's command failed ("));
  flat = flat_json (home, r->out);
  rec = read_record (home);
  g_assert_cmpstr (rec, ==, "disable\ncerts\nenable\n");
  assert_has (flat, "verdict=\"failed\"");
  assert_has (flat, "error.name=\"BackendFailed\"");
  assert_has (flat, "applied=null");
  assert_has (flat, "live_dir=null");
  assert_has (flat, "status_error.name=\"InvalidData\"");
  assert_prefix (flat, "status_error.message=\"node.conf: unknown group [nosuch]");
  /* status agrees that it cannot be read */
  status = mpt_meetpki_va (home, "webadmin", "status", "--json", NULL);
  g_assert_cmpint (status->status, !=, 0);
  g_assert_nonnull (strstr (status->err, "unknown group [nosuch]"));
  mpt_remove_home (home);
}

/* the live-key guard, check's "changed since applied", and restart */
static void
test_guard_and_check (void)
{
  g_autofree char *home = node_with_ca ();
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *outside = NULL;
  g_autoptr(MptResult) csr = NULL;
  g_autoptr(MptResult) forced = NULL;
  g_autoptr(MptResult) import = NULL;
  g_autoptr(MptResult) changed = NULL;
  g_autoptr(MptResult) restart = NULL;
  g_autoptr(MptResult) clean = NULL;
  g_autoptr(MptResult) broken = NULL;
  g_autoptr(MptResult) json = NULL;
  g_autoptr(MptResult) renewed = NULL;

  issue (home, "webadmin", "wa");
  mpt_ok (home, "webadmin", "apply", "wa.key", "wa.crt", "ca.crt", NULL);
  before = snapshot_all (home);

  csr = mpt_meetpki_va (home, "pki", "csr", "wa", "CN:" FQDN, NULL);
  mpt_assert_status (csr, 4);
  g_assert_nonnull (strstr (csr->err, "in use by webadmin"));
  g_assert_nonnull (strstr (csr->err, "wa-2"));
  forced = mpt_meetpki_va (home, "pki", "csr", "wa", "CN:" FQDN, "--force", NULL);
  mpt_assert_status (forced, 4);
  g_assert_nonnull (strstr (forced->err, "in use by webadmin"));
  outside = g_build_filename (home, "..", "meetpki-outside.key", NULL);
  {
    g_autoptr(GBytes) key = mpt_read (home, "wa.key");
    g_assert_true (g_file_set_contents (outside, g_bytes_get_data (key, NULL), (gssize) g_bytes_get_size (key), NULL));
  }
  import = mpt_meetpki_va (home, "pki", "import", outside, "wa.key", "--force", NULL);
  g_unlink (outside);
  mpt_assert_status (import, 4);
  g_assert_nonnull (strstr (import->err, "in use by webadmin"));
  after = snapshot_all (home);
  g_assert_cmpstr (before, ==, after);

  /* the vendor's renewal under the old name: check sees it, restart takes it */
  mpt_ok (home, "pki", "sign", "wa", "ca", NULL);
  changed = mpt_meetpki_va (home, "check", NULL);
  mpt_assert_status (changed, 10);
  g_assert_nonnull (strstr (changed->out, "webadmin: warning: wa.crt: certificate changed since applied; restart webadmin"));
  restart = mpt_meetpki_va (home, "webadmin", "restart", NULL);
  mpt_assert_ok (restart);
  g_assert_nonnull (strstr (restart->out, "SUCCESS: webadmin restarted"));
  clean = mpt_meetpki_va (home, "check", NULL);
  mpt_assert_ok (clean);

  /* renewal under a new name is the guard's advice, and works */
  issue (home, "webadmin", "wa-2");
  renewed = mpt_meetpki_va (home, "webadmin", "apply", "wa-2.key", "wa-2.crt", "ca.crt", NULL);
  mpt_assert_ok (renewed);
  /* rollback: the set applied before wa-2 comes back */
  {
    g_autoptr(MptResult) back = mpt_meetpki_va (home, "webadmin", "rollback", NULL);
    g_autoptr(MptResult) status = NULL;
    mpt_assert_ok (back);
    g_assert_nonnull (strstr (back->out, "SUCCESS: webadmin enabled"));
    status = mpt_meetpki_va (home, "webadmin", "status", NULL);
    g_assert_nonnull (strstr (status->out, "cert         wa.crt"));
    g_clear_pointer (&back, mpt_result_free);
    back = mpt_meetpki_va (home, "webadmin", "rollback", NULL);
    mpt_assert_ok (back);
  }

  g_clear_pointer (&csr, mpt_result_free);
  csr = mpt_meetpki_va (home, "pki", "csr", "wa", "CN:" FQDN, "--force", NULL);
  mpt_assert_ok (csr);

  /* a node fact the certificate does not cover is an error */
  mpt_ok (home, "node", "set", "server-fqdn", "cms9.example.com", NULL);
  broken = mpt_meetpki_va (home, "check", "--warn-days", "10", NULL);
  mpt_assert_status (broken, 1);
  g_assert_nonnull (strstr (broken->out, "webadmin: error: cert does not cover the server FQDN cms9.example.com"));
  json = mpt_meetpki_va (home, "check", "--json", NULL);
  mpt_assert_status (json, 1);
  g_assert_nonnull (strstr (json->out, "\"severity\" : \"error\""));
  mpt_remove_home (home);
}

/* a certificate replaced under its applied name by one for another key:
 * check says now what restart would refuse, instead of "restart" */
static void
test_check_refused_renewal (void)
{
  g_autofree char *home = node_with_ca ();
  g_autoptr(GBytes) other = NULL;
  g_autoptr(MptResult) check = NULL;
  g_autoptr(MptResult) restart = NULL;

  issue (home, "webadmin", "wa");
  issue (home, "webadmin", "other");
  mpt_ok (home, "webadmin", "certs", "wa.key", "wa.crt", "ca.crt", NULL);
  other = mpt_read (home, "other.crt");
  mpt_write (home, "wa.crt", g_bytes_get_data (other, NULL), g_bytes_get_size (other));

  check = mpt_meetpki_va (home, "check", NULL);
  mpt_assert_status (check, 1);
  g_assert_nonnull (strstr (check->out, "webadmin: error: wa.crt changed since applied; restart webadmin would "
                                        "refuse it: Key and certificate pair do not match: wa.crt was not issued "
                                        "for wa.key\n"));
  g_assert_null (strstr (check->out, "certificate changed since applied; restart webadmin\n"));
  /* and restart does refuse it */
  restart = mpt_meetpki_va (home, "webadmin", "restart", NULL);
  mpt_assert_status (restart, 1);
  g_assert_nonnull (strstr (restart->out, "FAILURE: Key and certificate pair do not match"));
  mpt_remove_home (home);
}

/* expiry within --warn-days is a warning */
static void
test_check_expiry (void)
{
  g_autofree char *home = NULL;
  g_autoptr(MptResult) soon = NULL;
  g_autoptr(MptResult) later = NULL;

  mpt_pin_clock (g_get_real_time () / G_USEC_PER_SEC);
  home = node_with_ca ();
  mpt_ok (home, "webadmin", "csr", "wa", NULL);
  mpt_ok (home, "pki", "sign", "wa", "ca", "--days", "20", NULL);
  mpt_ok (home, "webadmin", "certs", "wa.key", "wa.crt", "ca.crt", NULL);
  soon = mpt_meetpki_va (home, "check", NULL);
  mpt_assert_status (soon, 10);
  g_assert_nonnull (strstr (soon->out, "webadmin: warning: services/webadmin/cert.pem expires in 20 days"));
  later = mpt_meetpki_va (home, "check", "--warn-days", "5", NULL);
  mpt_assert_ok (later);

  /* the daemon's periodic check: the live file, by the name it came from;
   * the CA (3650 days) is not close */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(MpStore) store = mp_store_new (home, &error);
    g_autoptr(GPtrArray) close = NULL;
    g_autoptr(GPtrArray) none = NULL;
    MpExpiring *e;

    g_assert_no_error (error);
    close = mp_check_expiring (store, 30, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (close->len, ==, 1);
    e = g_ptr_array_index (close, 0);
    g_assert_cmpstr (e->service, ==, "webadmin");
    g_assert_cmpstr (e->file, ==, "wa.crt");
    g_assert_cmpint (e->days_left, ==, 20);
    none = mp_check_expiring (store, 5, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (none->len, ==, 0);
  }
  g_unsetenv ("MEETPKI_NOW");
  mpt_remove_home (home);
}

static void
collect (MpLineKind kind, const char *text, gpointer user_data)
{
  g_string_append_printf (user_data, kind == MP_LINE_NOTE ? "%s%s\n" : "%s: %s\n",
                          kind == MP_LINE_NOTE ? "" : mp_line_kind_to_string (kind), text);
}

/* an openssl-made certificate, the clock pinned 100.5 days before its
 * notAfter (as openssl reads it): `certs` and `pki inspect` both count the
 * whole days remaining, 100 (not 101, as rounding to nearest or up would) */
static void
test_days_left_agree (void)
{
  g_autofree char *home = NULL;
  g_autoptr(MptResult) made = NULL;
  g_autoptr(MptResult) end = NULL;
  g_autoptr(MptResult) certs = NULL;
  g_autoptr(MptResult) inspect = NULL;
  g_autoptr(GDateTime) not_after = NULL;
  g_autofree char *iso = NULL;

  if (!mpt_require ("openssl"))
    return;
  home = node_with_ca ();
  mpt_ok (home, "webadmin", "csr", "wa", NULL);
  made = mpt_tool_va (home, "openssl", "x509", "-req", "-in", "wa.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                      "-set_serial", "7", "-days", "400", "-copy_extensions", "copy", "-out", "os.crt", NULL);
  mpt_assert_ok (made);
  /* "notAfter=2027-12-31 23:59:59Z" */
  end = mpt_tool_va (home, "openssl", "x509", "-in", "os.crt", "-noout", "-enddate", "-dateopt", "iso_8601", NULL);
  mpt_assert_ok (end);
  g_assert_true (g_str_has_prefix (end->out, "notAfter="));
  iso = g_strstrip (g_strdup (end->out + strlen ("notAfter=")));
  iso[10] = 'T';
  not_after = g_date_time_new_from_iso8601 (iso, NULL);
  g_assert_nonnull (not_after);
  mpt_pin_clock (g_date_time_to_unix (not_after) - 100 * 86400 - 43200);

  certs = mpt_meetpki_va (home, "webadmin", "certs", "wa.key", "os.crt", "ca.crt", "--dry-run", NULL);
  mpt_assert_ok (certs);
  g_assert_nonnull (strstr (certs->out, "SUCCESS: os.crt valid until "));
  g_assert_nonnull (strstr (certs->out, " UTC (100 days)\n"));
  inspect = mpt_meetpki_va (home, "pki", "inspect", "os.crt", NULL);
  mpt_assert_ok (inspect);
  g_assert_nonnull (strstr (inspect->out, " 100 days left\n"));
  g_unsetenv ("MEETPKI_NOW");
  mpt_remove_home (home);
}

/* mp_service_run_*(), what the cli and meetpkid both call, in this process:
 * the same lines as the cli prints, the same files */
static void
test_service_run_in_process (void)
{
  g_autofree char *home = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MpStore) store = NULL;
  g_autoptr(MpPluginLoader) loader = mp_plugin_loader_new (NULL);
  g_autoptr(GString) lines = g_string_new (NULL);
  g_autoptr(MptResult) cli = NULL;
  g_autoptr(MptResult) status = NULL;
  g_autoptr(JsonNode) json = NULL;
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autofree char *text = NULL;
  const char *files[] = { "wa.key", "wa.crt", "ca.crt" };
  const char *outside[] = { "/etc/passwd", "wa.crt", "ca.crt" };
  MpServiceRunOptions o = { .warn_days = -1, .log = collect, .user_data = lines };
  MpPlugin *webadmin;

  /* the lines hold days left, compared across two processes */
  mpt_pin_clock (g_get_real_time () / G_USEC_PER_SEC);
  home = node_with_ca ();
  mpt_ok (home, "webadmin", "csr", "wa", NULL);
  mpt_ok (home, "pki", "sign", "wa", "ca", NULL);
  store = mp_store_new (home, &error);
  g_assert_no_error (error);
  g_assert_true (mp_plugin_loader_load (loader, &error));
  g_assert_no_error (error);
  webadmin = mp_plugin_loader_lookup (loader, "webadmin");
  g_assert_nonnull (webadmin);

  /* a dry run of certs: the cli's lines, nothing placed */
  o.dry_run = TRUE;
  g_assert_true (mp_service_run_certs (store, webadmin, &o, FALSE, files, 3, &error));
  g_assert_no_error (error);
  cli = mpt_meetpki_va (home, "webadmin", "certs", "wa.key", "wa.crt", "ca.crt", "--dry-run", NULL);
  mpt_assert_ok (cli);
  g_assert_cmpstr (lines->str, ==, cli->out);
  /* signed and checked at the one pinned second: the whole term is left */
  g_assert_nonnull (strstr (lines->str, "SUCCESS: wa.crt valid until "));
  g_assert_nonnull (strstr (lines->str, " UTC (365 days)\n"));
  {
    g_autofree char *live = g_build_filename (home, "services", "webadmin", "cert.pem", NULL);
    g_assert_false (g_file_test (live, G_FILE_TEST_EXISTS));
  }

  /* for real, then enable: the cli's status afterwards */
  o.dry_run = FALSE;
  g_string_truncate (lines, 0);
  g_assert_true (mp_service_run_certs (store, webadmin, &o, FALSE, files, 3, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (lines->str, "SUCCESS: webadmin certificates applied"));
  g_assert_true (mp_service_run_step (store, webadmin, &o, MP_STEP_ENABLE, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (lines->str, "SUCCESS: webadmin enabled\n"));
  json = mp_service_status_to_json (store, webadmin, &error);
  g_assert_no_error (error);
  json_generator_set_root (gen, json);
  json_generator_set_pretty (gen, TRUE);
  text = json_generator_to_data (gen, NULL);
  status = mpt_meetpki_va (home, "webadmin", "status", "--json", NULL);
  mpt_assert_ok (status);
  g_assert_cmpstr (g_strstrip (text), ==, g_strstrip (status->out));

  /* the daemon's rule: store names only */
  o.store_names_only = TRUE;
  g_assert_false (mp_service_run_certs (store, webadmin, &o, FALSE, outside, 3, &error));
  g_assert_error (error, MP_ERROR, MP_ERROR_OUTSIDE_STORE);
  g_clear_error (&error);
  /* not a cluster service; not a step of enable/disable/restart */
  g_assert_false (mp_service_run_cluster (store, webadmin, &o, "initialize", NULL, &error));
  g_assert_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS);
  g_clear_error (&error);
  g_assert_false (mp_service_run_step (store, webadmin, &o, MP_STEP_CERTS, &error));
  g_assert_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS);
  g_unsetenv ("MEETPKI_NOW");
  mpt_remove_home (home);
}

static MptResult *
shell (const char *home, const char *input, const char *args)
{
  g_autofree char *cmd = g_strdup_printf ("printf '%s' | '%s' --home '%s' %s", input, g_getenv ("MEETPKI_CLI"),
                                          home, args);
  return mpt_tool_va (home, "sh", "-c", cmd, NULL);
}

/* the 5-file and the 3-file forms, CN postgres, one CA for both */
static void
test_database (void)
{
  g_autofree char *home = node_with_ca ();
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr(MptResult) wrong_cn = NULL;
  g_autoptr(MptResult) wrong_ca = NULL;
  g_autoptr(MptResult) five = NULL;
  g_autoptr(MptResult) status = NULL;
  g_autoptr(MptResult) no = NULL;
  g_autoptr(MptResult) yes = NULL;
  g_autoptr(MptResult) none = NULL;
  g_autoptr(MptResult) three = NULL;
  g_autoptr(MptResult) connect = NULL;
  g_autoptr(MptResult) to_itself = NULL;
  g_autoptr(MptResult) init3 = NULL;
  g_autoptr(MptResult) plain = NULL;

  issue (home, "database", "db");
  mpt_ok (home, "pki", "csr", "notpg", "CN:client.example.com", NULL);
  mpt_ok (home, "pki", "sign", "notpg", "ca", NULL);
  mpt_ok (home, "pki", "selfsigned", "otherca", "CN:Other CA", NULL);
  mpt_ok (home, "pki", "csr", "pg2", "CN:postgres", NULL);
  mpt_ok (home, "pki", "sign", "pg2", "otherca", NULL);
  before = snapshot_all (home);

  wrong_cn = mpt_meetpki_va (home, "database", "cluster", "certs", "dbserver.key", "dbserver.crt",
                             "notpg.key", "notpg.crt", "ca.crt", NULL);
  mpt_assert_status (wrong_cn, 1);
  g_assert_nonnull (strstr (wrong_cn->out, "FAILURE: client-cert must have the common name postgres"));
  wrong_ca = mpt_meetpki_va (home, "database", "cluster", "certs", "dbserver.key", "dbserver.crt",
                             "pg2.key", "pg2.crt", "ca.crt", NULL);
  mpt_assert_status (wrong_ca, 1);
  g_assert_nonnull (strstr (wrong_ca->out, "FAILURE: pg2.crt was not issued by the CA ca.crt"));
  plain = mpt_meetpki_va (home, "database", "certs", "dbclient.key", "dbclient.crt", NULL);
  mpt_assert_status (plain, 2);
  after = snapshot_all (home);
  g_assert_cmpstr (before, ==, after);

  five = mpt_meetpki_va (home, "database", "cluster", "certs", "dbserver.key", "dbserver.crt",
                         "dbclient.key", "dbclient.crt", "ca.crt", NULL);
  mpt_assert_ok (five);
  g_assert_nonnull (strstr (five->out, "SUCCESS: client-cert has the common name postgres"));
  mpt_ok (home, "database", "cluster", "localnode", "a", NULL);
  mpt_ok (home, "database", "cluster", "initialize", NULL);
  status = mpt_meetpki_va (home, "database", "cluster", "status", NULL);
  mpt_assert_ok (status);
  g_assert_nonnull (strstr (status->out, "Connected Primary"));

  /* remove asks; only an uppercase Y removes */
  no = shell (home, "y\\n", "database cluster remove");
  mpt_assert_status (no, 2);
  yes = shell (home, "Y\\n", "database cluster remove");
  mpt_assert_ok (yes);
  g_assert_nonnull (strstr (yes->out, "SUCCESS: removed this node from the database cluster"));
  none = mpt_meetpki_va (home, "database", "cluster", "remove", NULL);
  mpt_assert_ok (none);
  g_assert_nonnull (strstr (none->out, "in no database cluster"));

  /* a connect-only node */
  three = mpt_meetpki_va (home, "database", "cluster", "certs", "dbclient.key", "dbclient.crt", "ca.crt", NULL);
  mpt_assert_ok (three);
  init3 = mpt_meetpki_va (home, "database", "cluster", "initialize", NULL);
  mpt_assert_status (init3, 2);
  /* the primary is another node, never this one (its server-fqdn) */
  to_itself = mpt_meetpki_va (home, "database", "cluster", "connect", "CMS1.example.com", NULL);
  mpt_assert_status (to_itself, 2);
  g_assert_cmpstr (to_itself->err, ==, "meetpki: cluster connect: CMS1.example.com is this node (server-fqdn); "
                                       "the primary itself runs 'database cluster initialize'\n");
  connect = mpt_meetpki_va (home, "database", "cluster", "connect", "cms2.example.com", NULL);
  mpt_assert_ok (connect);
  g_clear_pointer (&status, mpt_result_free);
  status = mpt_meetpki_va (home, "database", "cluster", "status", NULL);
  g_assert_nonnull (strstr (status->out, "Primary           : cms2.example.com"));
  {
    g_autofree char *ca = g_build_filename (home, "services", "database", "ca.pem", NULL);
    g_autofree char *crt = g_build_filename (home, "services", "database", "client-cert.pem", NULL);
    g_autofree char *key = g_build_filename (home, "services", "database", "client-key.pem", NULL);
    g_autoptr(MptResult) verify = NULL;
    struct stat st;

    if (mpt_require ("openssl"))
      {
        verify = mpt_tool_va (home, "openssl", "verify", "-CAfile", ca, crt, NULL);
        mpt_assert_ok (verify);
      }
    g_assert_cmpint (stat (key, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  }
  mpt_remove_home (home);
}

/* webbridge 3: key + full chain, and the live chain is the full chain */
static void
test_webbridge_fullchain (void)
{
  g_autofree char *home = node_with_ca ();
  g_autofree char *full = NULL;
  g_autoptr(MptResult) r = NULL;
  g_autoptr(MptResult) verify = NULL;
  g_autoptr(MptResult) no_bundle = NULL;
  g_autoptr(MptResult) root_first = NULL;

  issue (home, "webbridge", "wb");
  {
    g_autoptr(GBytes) crt = mpt_read (home, "wb.crt");
    g_autoptr(GBytes) ca = mpt_read (home, "ca.crt");
    full = g_strdup_printf ("%.*s%.*s", (int) g_bytes_get_size (crt), (const char *) g_bytes_get_data (crt, NULL),
                            (int) g_bytes_get_size (ca), (const char *) g_bytes_get_data (ca, NULL));
    mpt_write (home, "wb-full.crt", full, strlen (full));
  }
  no_bundle = mpt_meetpki_va (home, "webbridge", "certs", "wb.key", "wb.crt", NULL);
  mpt_assert_status (no_bundle, 1);
  g_assert_nonnull (strstr (no_bundle->out, "full chain"));
  /* root first: the order findings alone, not the root judged as the
   * entity (a pair "mismatch" for the right key, a chain "verified") */
  {
    g_autoptr(GBytes) crt = mpt_read (home, "wb.crt");
    g_autoptr(GBytes) ca = mpt_read (home, "ca.crt");
    g_autofree char *reversed = g_strdup_printf ("%.*s%.*s", (int) g_bytes_get_size (ca),
                                                 (const char *) g_bytes_get_data (ca, NULL),
                                                 (int) g_bytes_get_size (crt),
                                                 (const char *) g_bytes_get_data (crt, NULL));
    mpt_write (home, "wb-reversed.crt", reversed, strlen (reversed));
  }
  root_first = mpt_meetpki_va (home, "webbridge", "certs", "wb.key", "wb-reversed.crt", NULL);
  mpt_assert_status (root_first, 1);
  g_assert_nonnull (strstr (root_first->out, "[wrong-order]"));
  g_assert_null (strstr (root_first->out, "Key and certificate pair"));
  g_assert_null (strstr (root_first->out, "SUCCESS"));
  r = mpt_meetpki_va (home, "webbridge", "certs", "wb.key", "wb-full.crt", NULL);
  mpt_assert_ok (r);
  g_assert_nonnull (strstr (r->out, "SUCCESS: Key and certificate pair match"));
  {
    g_autoptr(GBytes) chain = mpt_read (home, "services/webbridge/chain.pem");
    g_assert_cmpmem (g_bytes_get_data (chain, NULL), g_bytes_get_size (chain), full, strlen (full));
  }
  if (mpt_require ("openssl"))
    {
      verify = mpt_tool_va (home, "openssl", "verify", "-CAfile", "ca.crt", "services/webbridge/cert.pem", NULL);
      mpt_assert_ok (verify);
    }
  mpt_remove_home (home);
}


/* a failing exec command stops the sequence; what ran is recorded */
static void
test_exec_failure (void)
{
  g_autofree char *home = node_with_ca ();
  g_autoptr(MptResult) r = NULL;
  g_autoptr(MptResult) status = NULL;

  issue (home, "webadmin", "wa");
  mpt_ok (home, "webadmin", "backend", "exec", "enable=exit 3", NULL);
  r = mpt_meetpki_va (home, "webadmin", "apply", "wa.key", "wa.crt", "ca.crt", NULL);
  g_assert_cmpint (r->status, !=, 0);
  /* the first apply: no previous set to go back to */
  mpt_assert_status (r, 13);
  g_assert_nonnull (strstr (r->err, "webadmin enable: the exec backend's command failed"));
  g_assert_nonnull (strstr (r->out, "SUCCESS: webadmin disabled"));
  g_assert_null (strstr (r->out, "SUCCESS: webadmin enabled"));
  status = mpt_meetpki_va (home, "webadmin", "status", NULL);
  mpt_assert_ok (status);
  g_assert_true (g_str_has_prefix (status->out, "webadmin: disabled, backend exec"));
  g_assert_nonnull (strstr (status->out, "cert         wa.crt"));
  mpt_remove_home (home);
}

/* an exec step run in a store not made yet (a library caller whose
 * configuration is not saved, the step before any file is placed): the
 * MEETPKI_STORE its command gets is a directory that is there */
static void
test_exec_store_is_there (void)
{
  g_autofree char *dir = mpt_make_home ();
  g_autofree char *missing = g_build_filename (dir, "new", "store", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(MpStore) store = mp_store_new_deferred (missing, &error);
  g_autoptr(MpPluginLoader) loader = mp_plugin_loader_new (NULL);
  g_autoptr(MpServiceConfig) config = NULL;
  g_autoptr(MpNodeFacts) facts = mp_node_facts_new ();
  const char *commands[] = { "disable=test -d \"$MEETPKI_STORE\" && test \"$MEETPKI_STORE\" = \"$WANT\"", NULL };
  MpApplyContext ctx = { 0 };

  g_assert_no_error (error);
  g_assert_true (mp_plugin_loader_load (loader, &error));
  g_assert_no_error (error);
  config = mp_service_config_load (store, &error);
  g_assert_no_error (error);
  ctx.plugin = mp_plugin_loader_lookup (loader, "webadmin");
  g_assert_nonnull (ctx.plugin);
  g_assert_true (mp_service_config_set_backend (config, mp_plugin_get_descriptor (ctx.plugin), MP_BACKEND_EXEC,
                                                commands, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));
  g_setenv ("WANT", mp_store_get_path (store), TRUE);
  ctx.store = store;
  ctx.config = config;
  ctx.facts = facts;
  g_assert_true (mp_apply_step (&ctx, MP_STEP_DISABLE, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (missing, G_FILE_TEST_IS_DIR));
  g_unsetenv ("WANT");
  mpt_remove_home (dir);
}

/* the rollback fails too (exit 15) after its certs step: the set that
 * failed is still no known-good one, so 'rollback' never applies it */
static void
test_rollback_fails_keeps_good (void)
{
  g_autofree char *home = node_with_ca ();
  g_autoptr(MptResult) r = NULL;
  g_autoptr(MptResult) status = NULL;

  issue (home, "webadmin", "wa");
  issue (home, "webadmin", "wa2");
  mpt_ok (home, "webadmin", "apply", "wa.key", "wa.crt", "ca.crt", NULL);
  mpt_ok (home, "webadmin", "backend", "exec", "enable=exit 3", NULL);
  r = mpt_meetpki_va (home, "webadmin", "apply", "wa2.key", "wa2.crt", "ca.crt", NULL);
  mpt_assert_status (r, 15);
  g_assert_nonnull (strstr (r->err, "the rollback failed too"));
  status = mpt_meetpki_va (home, "webadmin", "status", NULL);
  mpt_assert_ok (status);
  /* the rollback put wa back; wa2 is recorded nowhere */
  g_assert_nonnull (strstr (status->out, "cert         wa.crt"));
  g_assert_null (strstr (status->out, "wa2.crt"));
  mpt_remove_home (home);
}

/* two commands at once: the service lock runs them one after the other,
 * so their steps never interleave */
static void
test_lock (void)
{
  g_autofree char *home = node_with_ca ();
  g_autofree char *rec = record_path (home);
  g_autofree char *enable = g_strdup_printf ("enable=echo start >> '%s'; sleep 0.3; echo end >> '%s'", rec, rec);
  g_autofree char *cmd = NULL;
  g_autofree char *text = NULL;
  g_autoptr(MptResult) r = NULL;

  issue (home, "webadmin", "wa");
  mpt_ok (home, "webadmin", "certs", "wa.key", "wa.crt", "ca.crt", NULL);
  mpt_ok (home, "webadmin", "backend", "exec", enable, NULL);
  cmd = g_strdup_printf ("M='%s'; H='%s'; $M --home $H webadmin enable & $M --home $H webadmin enable & "
                         "$M --home $H webadmin enable & wait", g_getenv ("MEETPKI_CLI"), home);
  r = mpt_tool_va (home, "sh", "-c", cmd, NULL);
  mpt_assert_ok (r);
  text = read_record (home);
  g_assert_cmpstr (text, ==, "start\nend\nstart\nend\nstart\nend\n");
  mpt_remove_home (home);
}

static char *
example (const char *name)
{
  return g_build_filename (g_getenv ("G_TEST_SRCDIR"), "..", "data", "examples", name, NULL);
}

/* the same public key, as openssl reads it from the key and the certificate */
static void
assert_pair (const char *home, const char *key, const char *crt)
{
  g_autoptr(MptResult) from_key = mpt_tool_va (home, "openssl", "pkey", "-in", key, "-pubout", NULL);
  g_autoptr(MptResult) from_crt = mpt_tool_va (home, "openssl", "x509", "-in", crt, "-noout", "-pubkey", NULL);

  mpt_assert_ok (from_key);
  mpt_assert_ok (from_crt);
  g_assert_cmpstr (from_key->out, ==, from_crt->out);
}

/* the main job: the example profile gives a node whose check passes and
 * whose live certificates openssl verifies against the CA */
static void
test_provision_single (void)
{
  g_autofree char *home = mpt_make_home ();
  g_autofree char *profile = example ("single-node.conf");
  g_autofree char *empty = NULL;
  g_autofree char *after_dry = NULL;
  g_autoptr(MptResult) dry = NULL;
  g_autoptr(MptResult) r = NULL;
  g_autoptr(MptResult) check = NULL;
  g_autoptr(MptResult) again = NULL;
  g_autoptr(MptResult) check2 = NULL;
  static const char *const simple[] = { "webadmin", "callbridge", "webbridge", "xmpp", "turn" };

  empty = snapshot_all (home);
  dry = mpt_meetpki_va (home, "node", "provision", profile, "--dry-run", NULL);
  mpt_assert_ok (dry);
  g_assert_nonnull (strstr (dry->out, "would run: database cluster initialize"));
  after_dry = snapshot_all (home);
  g_assert_cmpstr (empty, ==, after_dry);

  r = mpt_meetpki_va (home, "node", "provision", profile, NULL);
  mpt_assert_ok (r);
  check = mpt_meetpki_va (home, "check", NULL);
  mpt_assert_ok (check);
  g_assert_nonnull (strstr (check->out, "6 services"));
  if (!mpt_require ("openssl"))
    {
      mpt_remove_home (home);
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (simple); i++)
    {
      g_autofree char *dir = g_build_filename ("services", simple[i], NULL);
      g_autofree char *crt = g_build_filename (dir, "cert.pem", NULL);
      g_autofree char *key = g_build_filename (dir, "key.pem", NULL);
      g_autofree char *chain = g_build_filename (dir, "chain.pem", NULL);
      g_autoptr(MptResult) verify = mpt_tool_va (home, "openssl", "verify", "-CAfile", "example-ca.crt",
                                                 "-untrusted", chain, "-purpose", "sslserver", crt, NULL);
      mpt_assert_ok (verify);
      assert_pair (home, key, crt);
    }
  {
    g_autoptr(MptResult) db = mpt_tool_va (home, "openssl", "verify", "-CAfile", "services/database/ca.pem",
                                           "services/database/server-cert.pem", "services/database/client-cert.pem", NULL);
    g_autoptr(MptResult) subject = mpt_tool_va (home, "openssl", "x509", "-in", "services/database/client-cert.pem",
                                                "-noout", "-subject", "-nameopt", "RFC2253", NULL);
    mpt_assert_ok (db);
    mpt_assert_ok (subject);
    g_assert_cmpstr (subject->out, ==, "subject=CN=postgres\n");
    assert_pair (home, "services/database/server-key.pem", "services/database/server-cert.pem");
    assert_pair (home, "services/database/client-key.pem", "services/database/client-cert.pem");
  }
  {
    /* web bridge 3 serves the full chain: entity first, root last */
    g_autoptr(MptResult) certs = mpt_tool_va (home, "openssl", "crl2pkcs7", "-nocrl", "-certfile",
                                              "services/webbridge/chain.pem", NULL);
    g_autoptr(GBytes) chain = mpt_read (home, "services/webbridge/chain.pem");
    g_autoptr(GBytes) crt = mpt_read (home, "services/webbridge/cert.pem");
    mpt_assert_ok (certs);
    g_assert_true (g_bytes_get_size (chain) > g_bytes_get_size (crt));
    g_assert_cmpint (memcmp (g_bytes_get_data (chain, NULL), g_bytes_get_data (crt, NULL), g_bytes_get_size (crt)), ==, 0);
  }

  /* provisioning again renews under new names; check still passes */
  again = mpt_meetpki_va (home, "node", "provision", profile, NULL);
  mpt_assert_ok (again);
  g_assert_nonnull (strstr (again->out, "webadmin-2.crt"));
  check2 = mpt_meetpki_va (home, "check", NULL);
  mpt_assert_ok (check2);
  mpt_remove_home (home);
}

static void
test_provision_cluster (void)
{
  g_autofree char *home = mpt_make_home ();
  g_autofree char *profile = example ("cluster-3node.conf");
  g_autoptr(MptResult) r = NULL;
  g_autoptr(MptResult) check = NULL;
  g_autoptr(MptResult) names = NULL;

  r = mpt_meetpki_va (home, "node", "provision", profile, NULL);
  mpt_assert_ok (r);
  check = mpt_meetpki_va (home, "check", NULL);
  mpt_assert_ok (check);

  /* the second node: the first node's CA, imported; joins its database */
  {
    g_autofree char *home2 = mpt_make_home ();
    g_autofree char *ca_key = g_build_filename (home, "cluster-ca.key", NULL);
    g_autofree char *ca_crt = g_build_filename (home, "cluster-ca.crt", NULL);
    g_autofree char *text = g_strdup_printf ("[node]\nserver-fqdn=cms2.example.com\ncluster-fqdn=cms.example.com\n"
                                             "peers=cms1.example.com,cms2.example.com,cms3.example.com\n"
                                             "join-urls=join.example.com\nxmpp-domain=example.com\n"
                                             "database-role=joined\ndatabase-primary=cms1.example.com\n"
                                             "[ca]\nmode=existing\nname=cluster-ca\nkey=%s\ncert=%s\n"
                                             "[names]\ndatabase=db\n", ca_key, ca_crt);
    g_autofree char *profile2 = g_strconcat (home2, ".profile.conf", NULL);
    g_autoptr(MptResult) r2 = NULL;
    g_autoptr(MptResult) check2 = NULL;
    g_autoptr(MptResult) status2 = NULL;

    g_assert_true (g_file_set_contents (profile2, text, -1, NULL));
    r2 = mpt_meetpki_va (home2, "node", "provision", profile2, NULL);
    mpt_assert_ok (r2);
    g_assert_nonnull (strstr (r2->out, "imported the CA cluster-ca.crt"));
    g_assert_nonnull (strstr (r2->out, "joined the database cluster of cms1.example.com"));
    check2 = mpt_meetpki_va (home2, "check", NULL);
    mpt_assert_ok (check2);
    status2 = mpt_meetpki_va (home2, "database", "cluster", "status", NULL);
    g_assert_nonnull (strstr (status2->out, "Connected Replica"));
    if (mpt_require ("openssl"))
      {
        g_autofree char *crt = g_build_filename (home2, "services", "callbridge", "cert.pem", NULL);
        g_autoptr(MptResult) verify = mpt_tool_va (home, "openssl", "verify", "-CAfile", "cluster-ca.crt", crt, NULL);
        mpt_assert_ok (verify);
      }
    g_unlink (profile2);
    mpt_remove_home (home2);
  }
  if (mpt_require ("openssl"))
    {
      names = mpt_tool_va (home, "openssl", "x509", "-in", "services/callbridge/cert.pem", "-noout", "-subject",
                           "-ext", "subjectAltName", "-nameopt", "RFC2253", NULL);
      mpt_assert_ok (names);
      g_assert_nonnull (strstr (names->out, "subject=CN=cms.example.com"));
      g_assert_nonnull (strstr (names->out, "DNS:cms3.example.com"));
    }
  mpt_remove_home (home);
}

/* <crts[i]>.crt of @dir, concatenated in the order given, as @dir/@name */
static void
write_ca_file (const char *dir, const char *name, const char * const *crts)
{
  g_autoptr(GString) all = g_string_new (NULL);

  for (guint i = 0; crts[i] != NULL; i++)
    {
      g_autofree char *file = g_strconcat (crts[i], ".crt", NULL);
      g_autoptr(GBytes) pem = mpt_read (dir, file);
      g_string_append_len (all, g_bytes_get_data (pem, NULL), g_bytes_get_size (pem));
    }
  mpt_write (dir, name, all->str, all->len);
}

/* the contents of @path, which must end in exactly one newline */
static char *
read_one_newline (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *text = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &text, &len, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (len, >, 2);
  g_assert_cmpint (text[len - 1], ==, '\n');
  g_assert_cmpint (text[len - 2], !=, '\n');
  return text;
}

/* an existing CA that is an intermediate (openssl-made root and
 * intermediate, the profile's bundle= holding both): every service gets
 * what it needs to chain to the root, and openssl verifies each applied
 * certificate with what the service was given.  the database's ca.pem
 * is postgresql's root file (sslmode=verify-ca): it must hold the
 * intermediate and the root, or the peers' certificates do not verify */
static void
test_provision_intermediate (void)
{
  g_autofree char *home = mpt_make_home ();
  g_autoptr(GError) error = NULL;
  g_autofree char *pki = g_dir_make_tmp ("meetpki-test-int-XXXXXX", &error);
  g_autofree char *profile = NULL;
  g_autofree char *text = NULL;
  g_autofree char *int_pem = NULL;
  g_autofree char *root_pem = NULL;
  g_autofree char *ca_bundle = NULL;
  g_autoptr(MptResult) r = NULL;
  g_autoptr(MptResult) check = NULL;
  g_autoptr(MptResult) status = NULL;
  static const char *const simple[] = { "webadmin", "callbridge", "webbridge", "xmpp", "turn" };
  static const char *const int_root[] = { "int", "root", NULL };

  g_assert_no_error (error);
  if (!mpt_require ("openssl"))
    {
      mpt_remove_home (home);
      mpt_remove_home (pki);
      return;
    }
  mpt_openssl_ca (pki, "root", "Test Root CA", NULL, TRUE);
  mpt_openssl_ca (pki, "int", "Test Intermediate CA", "root", TRUE);
  write_ca_file (pki, "chain.crt", int_root);
  text = g_strdup_printf ("[node]\nserver-fqdn=" FQDN "\njoin-urls=join.example.com\nxmpp-domain=example.com\n"
                          "database-role=primary\n"
                          "[ca]\nmode=existing\nname=corp-int\nkey=%s/int.key\ncert=%s/int.crt\nbundle=%s/chain.crt\n"
                          "[names]\ndatabase=db\n", pki, pki, pki);
  profile = g_build_filename (pki, "node.conf", NULL);
  g_assert_true (g_file_set_contents (profile, text, -1, NULL));

  r = mpt_meetpki_va (home, "node", "provision", profile, NULL);
  mpt_assert_ok (r);
  check = mpt_meetpki_va (home, "check", NULL);
  mpt_assert_ok (check);
  status = mpt_meetpki_va (home, "database", "cluster", "status", NULL);
  g_assert_nonnull (strstr (status->out, "Connected Primary"));

  /* the CA bundle: intermediate, then root, one newline at the end */
  {
    g_autofree char *p = g_build_filename (pki, "int.crt", NULL);
    g_autofree char *q = g_build_filename (pki, "root.crt", NULL);
    g_assert_true (g_file_get_contents (p, &int_pem, NULL, NULL));
    g_assert_true (g_file_get_contents (q, &root_pem, NULL, NULL));
    ca_bundle = g_strconcat (int_pem, root_pem, NULL);
  }
  for (guint i = 0; i < G_N_ELEMENTS (simple); i++)
    {
      g_autofree char *root = g_build_filename (pki, "root.crt", NULL);
      g_autofree char *dir = g_build_filename (home, "services", simple[i], NULL);
      g_autofree char *crt = g_build_filename (dir, "cert.pem", NULL);
      g_autofree char *chain = g_build_filename (dir, "chain.pem", NULL);
      g_autofree char *bundle = g_build_filename (dir, "bundle.pem", NULL);
      g_autofree char *crt_text = read_one_newline (crt);
      g_autofree char *chain_text = read_one_newline (chain);
      g_autofree char *bundle_text = read_one_newline (bundle);
      g_autofree char *full = g_strconcat (crt_text, bundle_text, NULL);
      /* a client that trusts only the root, given what the service serves */
      g_autoptr(MptResult) served = mpt_tool_va (home, "openssl", "verify", "-CAfile", root, "-untrusted", chain,
                                                 "-purpose", "sslserver", crt, NULL);
      /* the service's own trust: its CA bundle */
      g_autoptr(MptResult) trust = mpt_tool_va (home, "openssl", "verify", "-CAfile", bundle,
                                                "-purpose", "sslserver", crt, NULL);

      mpt_assert_ok (served);
      mpt_assert_ok (trust);
      g_assert_cmpstr (bundle_text, ==, ca_bundle);
      /* web bridge 3 serves the full chain; the others the CA bundle */
      g_assert_cmpstr (chain_text, ==, g_str_equal (simple[i], "webbridge") ? full : bundle_text);
    }
  {
    g_autofree char *ca = g_build_filename (home, "services", "database", "ca.pem", NULL);
    g_autofree char *ca_text = read_one_newline (ca);
    g_autoptr(MptResult) db = mpt_tool_va (home, "openssl", "verify", "-CAfile", ca,
                                           "services/database/server-cert.pem",
                                           "services/database/client-cert.pem", NULL);

    mpt_assert_ok (db);
    g_assert_cmpstr (ca_text, ==, ca_bundle);
  }

  /* by hand: the CA file as the profile gave it is taken whole; root
   * first is a bundle out of order, refused before anything changes */
  {
    g_autofree char *reversed = g_strconcat (root_pem, int_pem, NULL);
    g_autofree char *chain = g_build_filename (pki, "chain.crt", NULL);
    g_autofree char *ca = g_build_filename (home, "services", "database", "ca.pem", NULL);
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;
    g_autofree char *ca_text = NULL;
    g_autoptr(MptResult) five = NULL;
    g_autoptr(MptResult) wrong = NULL;

    five = mpt_meetpki_va (home, "database", "cluster", "certs", "dbserver.key", "dbserver.crt",
                           "dbclient.key", "dbclient.crt", chain, NULL);
    mpt_assert_ok (five);
    g_assert_nonnull (strstr (five->out, "SUCCESS: dbclient.crt issued by the CA "));
    ca_text = read_one_newline (ca);
    g_assert_cmpstr (ca_text, ==, ca_bundle);

    mpt_write (home, "root-first.crt", reversed, strlen (reversed));
    before = snapshot_all (home);
    wrong = mpt_meetpki_va (home, "database", "cluster", "certs", "dbserver.key", "dbserver.crt",
                            "dbclient.key", "dbclient.crt", "root-first.crt", NULL);
    mpt_assert_status (wrong, 1);
    g_assert_nonnull (strstr (wrong->out, "FAILURE: root-first.crt: wrong order: "));
    after = snapshot_all (home);
    g_assert_cmpstr (before, ==, after);
  }
  mpt_remove_home (pki);
  mpt_remove_home (home);
}

/* `database cluster certs` for <base>server and <base>client, with
 * @ca_file as the CA file */
static MptResult *
database_certs (const char *home, const char *base, const char *ca_file)
{
  g_autofree char *server_key = g_strconcat (base, "server.key", NULL);
  g_autofree char *server_crt = g_strconcat (base, "server.crt", NULL);
  g_autofree char *client_key = g_strconcat (base, "client.key", NULL);
  g_autofree char *client_crt = g_strconcat (base, "client.crt", NULL);

  return mpt_meetpki_va (home, "database", "cluster", "certs", server_key, server_crt,
                         client_key, client_crt, ca_file, NULL);
}

/* the live ca.pem: exactly the certificates named, in that order, and
 * openssl verifies the database's certificates with it alone */
static void
assert_live_ca (const char *home, const char * const *crts)
{
  g_autoptr(GString) want = g_string_new (NULL);
  g_autofree char *ca = g_build_filename (home, "services", "database", "ca.pem", NULL);
  g_autofree char *text = read_one_newline (ca);
  g_autoptr(MptResult) verify = mpt_tool_va (home, "openssl", "verify", "-CAfile", ca,
                                             "services/database/server-cert.pem",
                                             "services/database/client-cert.pem", NULL);

  for (guint i = 0; crts[i] != NULL; i++)
    {
      g_autofree char *file = g_strconcat (crts[i], ".crt", NULL);
      g_autoptr(GBytes) pem = mpt_read (home, file);
      g_string_append_len (want, g_bytes_get_data (pem, NULL), g_bytes_get_size (pem));
    }
  mpt_assert_ok (verify);
  g_assert_cmpstr (text, ==, want->str);
}

/* a re-keyed intermediate: two CA certificates of one name with different
 * keys (openssl-made, without key identifiers, as older CAs are: only the
 * signature tells them apart), both in the CA file, the old one first; the
 * database's certificates were issued by the new one */
static void
test_database_rekeyed_ca (void)
{
  g_autofree char *home = node_with_ca ();
  g_autoptr(MptResult) r = NULL;
  static const char *const rekeyed[] = { "int-old", "dbint", "root", NULL };
  static const char *const rekeyed_live[] = { "dbint", "root", "int-old", NULL };

  if (!mpt_require ("openssl"))
    {
      mpt_remove_home (home);
      return;
    }
  mpt_openssl_ca (home, "root", "Test DB Root", NULL, TRUE);
  mpt_openssl_ca (home, "int-old", "Test DB Intermediate", "root", FALSE);
  mpt_openssl_ca (home, "dbint", "Test DB Intermediate", "root", FALSE);
  write_ca_file (home, "rekeyed.crt", rekeyed);
  mpt_ok (home, "database", "csr", "db", NULL);
  mpt_ok (home, "pki", "sign", "dbserver", "dbint", NULL);
  mpt_ok (home, "pki", "sign", "dbclient", "dbint", NULL);

  r = database_certs (home, "db", "rekeyed.crt");
  mpt_assert_ok (r);
  g_assert_nonnull (strstr (r->out, "SUCCESS: dbserver.crt issued by the CA rekeyed.crt"));
  g_assert_nonnull (strstr (r->out, "SUCCESS: dbclient.crt issued by the CA rekeyed.crt"));
  g_assert_nonnull (strstr (r->out, "\nalso kept: CN=Test DB Intermediate (rekeyed.crt: a CA outside the issuing chain)\n"));
  assert_live_ca (home, rekeyed_live);
  mpt_remove_home (home);
}

/* postgresql's root file (ssl_ca_file) may hold several roots: the chain
 * that issues the database's certificates comes first and every other CA
 * of the file is kept after it, named; a certificate that is not a CA,
 * or a chain that stops below its root, is refused with nothing changed */
static void
test_database_ca_file (void)
{
  g_autofree char *home = node_with_ca ();
  static const char *const rotation[] = { "oldroot", "dbroot", NULL };
  static const char *const rotation_live[] = { "dbroot", "oldroot", NULL };
  static const char *const extra[] = { "dbroot", "otherca", NULL };
  static const char *const with_leaf[] = { "dbroot", "dbserver", NULL };
  static const char *const int_only[] = { "dbint", NULL };
  g_autoptr(MptResult) r = NULL;
  g_autoptr(MptResult) more = NULL;
  g_autoptr(MptResult) leaf = NULL;
  g_autoptr(MptResult) partial = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  if (!mpt_require ("openssl"))
    {
      mpt_remove_home (home);
      return;
    }
  mpt_openssl_ca (home, "oldroot", "Test DB CA 2026", NULL, TRUE);
  mpt_openssl_ca (home, "dbroot", "Test DB CA 2027", NULL, TRUE);
  mpt_openssl_ca (home, "otherca", "Other CA", NULL, TRUE);
  mpt_ok (home, "database", "csr", "db", NULL);
  mpt_ok (home, "pki", "sign", "dbserver", "dbroot", NULL);
  mpt_ok (home, "pki", "sign", "dbclient", "dbroot", NULL);
  write_ca_file (home, "rotation.crt", rotation);
  write_ca_file (home, "extra.crt", extra);
  write_ca_file (home, "with-leaf.crt", with_leaf);

  /* a CA rotation: the old root first, the certificates from the new one */
  r = database_certs (home, "db", "rotation.crt");
  mpt_assert_ok (r);
  g_assert_nonnull (strstr (r->out, "\nalso kept: CN=Test DB CA 2026 (rotation.crt: a CA outside the issuing chain)\n"));
  assert_live_ca (home, rotation_live);

  /* an unrelated CA is kept, and named */
  more = database_certs (home, "db", "extra.crt");
  mpt_assert_ok (more);
  g_assert_nonnull (strstr (more->out, "\nalso kept: CN=Other CA (extra.crt: a CA outside the issuing chain)\n"));
  assert_live_ca (home, extra);

  /* a leaf certificate has no place in a root file */
  before = snapshot_all (home);
  leaf = database_certs (home, "db", "with-leaf.crt");
  mpt_assert_status (leaf, 1);
  g_assert_nonnull (strstr (leaf->out, "FAILURE: with-leaf.crt: 'CN=" FQDN "' is not a CA certificate "
                                       "(basicConstraints CA:TRUE missing); the ca file holds CA certificates only\n"));
  after = snapshot_all (home);
  g_assert_cmpstr (before, ==, after);

  /* an intermediate without its root: postgresql would not verify */
  mpt_openssl_ca (home, "dbint", "Test DB Intermediate", "dbroot", TRUE);
  mpt_ok (home, "database", "csr", "db2", NULL);
  mpt_ok (home, "pki", "sign", "db2server", "dbint", NULL);
  mpt_ok (home, "pki", "sign", "db2client", "dbint", NULL);
  write_ca_file (home, "int-only.crt", int_only);
  g_clear_pointer (&before, g_free);
  g_clear_pointer (&after, g_free);
  before = snapshot_all (home);
  partial = database_certs (home, "db2", "int-only.crt");
  mpt_assert_status (partial, 1);
  g_assert_nonnull (strstr (partial->out, "FAILURE: int-only.crt: the root is missing: the chain of db2server.crt "
                                          "ends at 'CN=Test DB Intermediate', issued by 'CN=Test DB CA 2027', "
                                          "which is not in the file; PostgreSQL verifies a peer up to a "
                                          "self-signed root and takes no partial chain\n"));
  after = snapshot_all (home);
  g_assert_cmpstr (before, ==, after);
  mpt_remove_home (home);
}

/* the line naming dbclient.crt's chain, apart from dbserver.crt's */
static char *
other_chain_line (const char *ca_file)
{
  return g_strconcat ("\nchain of dbclient.crt: CN=Test DB Int B, CN=Test DB Root B (", ca_file,
                      ": apart from the chain of dbserver.crt; ca.pem holds both)\n", NULL);
}

/* the database's two certificates from two chains of the CA file: each
 * chain is an issuing chain, kept in bundle order (the first certificate's,
 * then the other's), named as such and not as a CA "outside the issuing
 * chain"; openssl verifies both certificates against ca.pem alone */
static void
test_database_two_chains (void)
{
  g_autofree char *home = node_with_ca ();
  static const char *const two[] = { "inta", "roota", "intb", "rootb", "otherca", NULL };
  static const char *const two_live[] = { "inta", "roota", "intb", "rootb", "otherca", NULL };
  static const char *const mixed[] = { "intb", "inta", "roota", "rootb", NULL };
  static const char *const mixed_live[] = { "inta", "roota", "intb", "rootb", NULL };
  static const char *const b_reversed[] = { "inta", "roota", "rootb", "intb", NULL };
  g_autoptr(MptResult) r = NULL;
  g_autoptr(MptResult) m = NULL;
  g_autoptr(MptResult) wrong = NULL;
  g_autofree char *want = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  if (!mpt_require ("openssl"))
    {
      mpt_remove_home (home);
      return;
    }
  mpt_openssl_ca (home, "roota", "Test DB Root A", NULL, TRUE);
  mpt_openssl_ca (home, "inta", "Test DB Int A", "roota", TRUE);
  mpt_openssl_ca (home, "rootb", "Test DB Root B", NULL, TRUE);
  mpt_openssl_ca (home, "intb", "Test DB Int B", "rootb", TRUE);
  mpt_openssl_ca (home, "otherca", "Other CA", NULL, TRUE);
  mpt_ok (home, "database", "csr", "db", NULL);
  mpt_ok (home, "pki", "sign", "dbserver", "inta", NULL);
  mpt_ok (home, "pki", "sign", "dbclient", "intb", NULL);
  write_ca_file (home, "two.crt", two);
  write_ca_file (home, "mixed.crt", mixed);
  write_ca_file (home, "b-reversed.crt", b_reversed);

  r = database_certs (home, "db", "two.crt");
  mpt_assert_ok (r);
  g_assert_nonnull (strstr (r->out, "SUCCESS: dbserver.crt issued by the CA two.crt\n"));
  g_assert_nonnull (strstr (r->out, "SUCCESS: dbclient.crt issued by the CA two.crt\n"));
  want = other_chain_line ("two.crt");
  g_assert_nonnull (strstr (r->out, want));
  g_assert_null (strstr (r->out, "also kept: CN=Test DB"));
  g_assert_nonnull (strstr (r->out, "\nalso kept: CN=Other CA (two.crt: a CA outside the issuing chains)\n"));
  assert_live_ca (home, two_live);

  /* the chains' certificates interleaved in the file, each chain in order */
  m = database_certs (home, "db", "mixed.crt");
  mpt_assert_ok (m);
  g_clear_pointer (&want, g_free);
  want = other_chain_line ("mixed.crt");
  g_assert_nonnull (strstr (m->out, want));
  g_assert_null (strstr (m->out, "also kept"));
  assert_live_ca (home, mixed_live);

  /* the second chain is held to bundle order as the first is */
  before = snapshot_all (home);
  wrong = database_certs (home, "db", "b-reversed.crt");
  mpt_assert_status (wrong, 1);
  g_assert_nonnull (strstr (wrong->out, "FAILURE: b-reversed.crt: wrong order: 'CN=Test DB Root B' comes before "
                                        "'CN=Test DB Int B', which it issued; the order is the issuing CA, its "
                                        "chain, root last [wrong-order]\n"));
  after = snapshot_all (home);
  g_assert_cmpstr (before, ==, after);
  mpt_remove_home (home);
}

/* a profile naming no such service changes nothing */
static void
test_provision_bad_profile (void)
{
  g_autofree char *home = mpt_make_home ();
  g_autofree char *before = snapshot_all (home);
  g_autofree char *after = NULL;
  g_autoptr(MptResult) r = NULL;
  const char *text = "[node]\nserver-fqdn=cms1.example.com\n[services]\nenable=webadmn\n";

  mpt_write (home, "..bad-profile.conf", text, strlen (text));
  r = mpt_meetpki_va (home, "node", "provision", "..bad-profile.conf", NULL);
  mpt_assert_status (r, 6);
  g_assert_nonnull (strstr (r->err, "did you mean webadmin?"));
  {
    g_autofree char *p = g_build_filename (home, "..bad-profile.conf", NULL);
    g_unlink (p);
  }
  after = snapshot_all (home);
  g_assert_cmpstr (before, ==, after);
  mpt_remove_home (home);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (sequences); i++)
    {
      g_autofree char *path = g_strdup_printf ("/apply/sequence/%s", sequences[i].service);
      g_test_add_data_func (path, &sequences[i], test_sequence);
    }
  g_test_add_func ("/apply/refusals", test_refusals);
  g_test_add_func ("/apply/full-chain-as-bundle", test_full_chain_as_bundle);
  g_test_add_func ("/apply/certs-json", test_certs_json);
  g_test_add_func ("/apply/apply-json", test_apply_json);
  g_test_add_func ("/apply/apply-json-failures", test_apply_json_failures);
  g_test_add_func ("/apply/apply-json-status-unreadable", test_apply_json_status_unreadable);
  g_test_add_func ("/apply/guard-and-check", test_guard_and_check);
  g_test_add_func ("/apply/check-expiry", test_check_expiry);
  g_test_add_func ("/apply/check-refused-renewal", test_check_refused_renewal);
  g_test_add_func ("/apply/service-run-in-process", test_service_run_in_process);
  g_test_add_func ("/apply/days-left-agree", test_days_left_agree);
  g_test_add_func ("/apply/database", test_database);
  g_test_add_func ("/apply/webbridge-fullchain", test_webbridge_fullchain);
  g_test_add_func ("/apply/lock", test_lock);
  g_test_add_func ("/apply/exec-failure", test_exec_failure);
  g_test_add_func ("/apply/exec-store-is-there", test_exec_store_is_there);
  g_test_add_func ("/apply/rollback-fails-keeps-good", test_rollback_fails_keeps_good);
  g_test_add_func ("/provision/single-node", test_provision_single);
  g_test_add_func ("/provision/cluster-3node", test_provision_cluster);
  g_test_add_func ("/provision/intermediate-ca", test_provision_intermediate);
  g_test_add_func ("/apply/database-rekeyed-ca", test_database_rekeyed_ca);
  g_test_add_func ("/apply/database-ca-file", test_database_ca_file);
  g_test_add_func ("/apply/database-two-chains", test_database_two_chains);
  g_test_add_func ("/provision/bad-profile", test_provision_bad_profile);
  return g_test_run ();
}
