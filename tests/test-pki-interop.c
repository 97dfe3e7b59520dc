/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `pki csr`, `pki selfsigned` and `pki sign` as an administrator runs them,
 * with openssl as the independent judge of what they wrote.
 */
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <json-glib/json-glib.h>

#include "mp-test-cli.h"

/* 2026-01-01 00:00:00 UTC: the fixed clock of the tests where time matters */
#define FIXED_NOW G_GINT64_CONSTANT (1767225600)

static const char *x509_view_args[] = {
  "openssl", "x509", "-noout", "-ext",
  "subjectAltName,basicConstraints,keyUsage,extendedKeyUsage,subjectKeyIdentifier,authorityKeyIdentifier",
  "-serial", "-subject", "-startdate", "-enddate", "-in", NULL /* file */, NULL,
};

/* openssl's view of a certificate in the store */
static GHashTable *
openssl_view (const char *home, const char *crt)
{
  const char *argv[G_N_ELEMENTS (x509_view_args)];
  g_autoptr(MptResult) r = NULL;

  memcpy (argv, x509_view_args, sizeof argv);
  argv[G_N_ELEMENTS (argv) - 2] = crt;
  r = mpt_tool (home, argv);
  mpt_assert_ok (r);
  return mpt_openssl_parse (r->out);
}

static const char *
view_get (GHashTable *view, const char *key)
{
  const char *v = g_hash_table_lookup (view, key);

  if (v == NULL)
    g_error ("openssl shows no '%s'", key);
  return v;
}

static void
assert_csr_verifies (const char *home, const char *csr)
{
  g_autoptr(MptResult) r = mpt_tool_va (home, "openssl", "req", "-verify", "-noout", "-in", csr, NULL);

  mpt_assert_ok (r);
  /* openssl 3 prints its verdict on stderr */
  g_assert_nonnull (strstr (r->err, "verify OK"));
}

/* `openssl verify`; @attime 0 is the real clock */
static void
assert_crt_verifies (const char *home, const char *ca, const char *crt, gint64 attime)
{
  g_autofree char *when = g_strdup_printf ("%" G_GINT64_FORMAT, attime);
  g_autofree char *ok = g_strdup_printf ("%s: OK\n", crt);
  g_autoptr(MptResult) r = NULL;

  if (attime != 0)
    r = mpt_tool_va (home, "openssl", "verify", "-attime", when, "-CAfile", ca, crt, NULL);
  else
    r = mpt_tool_va (home, "openssl", "verify", "-CAfile", ca, crt, NULL);
  mpt_assert_ok (r);
  g_assert_cmpstr (r->out, ==, ok);
}

static void
assert_mode (const char *home, const char *name, unsigned mode)
{
  g_autofree char *p = g_build_filename (home, name, NULL);
  struct stat st;

  g_assert_cmpint (stat (p, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 07777, ==, mode);
}

/* a serial as openssl prints it: 16 bytes, first bit clear (positive, no
 * leading zero byte), not zero */
static void
assert_serial_127_bits (const char *serial)
{
  g_assert_cmpuint (strlen (serial), ==, 32);
  for (const char *p = serial; *p != '\0'; p++)
    g_assert_true (g_ascii_isxdigit (*p));
  g_assert_cmpint (g_ascii_xdigit_value (serial[0]), <, 8);
  g_assert_false (serial[0] == '0' && serial[1] == '0');
}

/* how openssl -startdate/-enddate print a time */
static char *
openssl_time (gint64 t)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (t);
  static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  g_autofree char *clock = g_date_time_format (dt, "%H:%M:%S");

  /* by hand: glib pads %e with a figure space, openssl with a space */
  return g_strdup_printf ("%s %2d %s %d GMT", months[g_date_time_get_month (dt) - 1],
                          g_date_time_get_day_of_month (dt), clock, g_date_time_get_year (dt));
}

/* the vendor's database certificate set, seed step 3, exactly as typed */
static void
test_walkthrough (void)
{
  g_autofree char *home = mpt_make_home ();
  g_autofree char *certtool = NULL;
  g_autoptr(GHashTable) server = NULL;
  g_autoptr(GHashTable) client = NULL;
  g_autoptr(GHashTable) ca = NULL;
  g_autoptr(MptResult) r = NULL;

  if (!mpt_require ("openssl"))
    return;

  r = mpt_meetpki_va (home, "pki", "selfsigned", "dbca", "CN:tplab.local", NULL);
  mpt_assert_ok (r);
  g_assert_cmpstr (r->out, ==, "Created key file dbca.key and self-signed CA certificate dbca.crt\n");
  g_assert_cmpstr (r->err, ==, "");
  g_clear_pointer (&r, mpt_result_free);

  r = mpt_meetpki_va (home, "pki", "csr", "dbserver", "CN:cmscore1.example.com",
                      "subjectAltName:cmscore2.example.com,cmscore3.example.com", NULL);
  mpt_assert_ok (r);
  g_assert_cmpstr (r->out, ==,
                   "Added the CN cmscore1.example.com to subjectAltName (a certificate's names are taken from its SAN)\n"
                   "Created key file dbserver.key and CSR dbserver.csr\n"
                   "CSR file dbserver.csr ready for download\n");
  g_clear_pointer (&r, mpt_result_free);

  r = mpt_meetpki_va (home, "pki", "csr", "dbclient", "CN:postgres", NULL);
  mpt_assert_ok (r);
  g_assert_nonnull (strstr (r->out, "Created key file dbclient.key and CSR dbclient.csr\n"));
  g_clear_pointer (&r, mpt_result_free);

  r = mpt_meetpki_va (home, "pki", "sign", "dbserver", "dbca", NULL);
  mpt_assert_ok (r);
  g_assert_cmpstr (r->out, ==, "Signed dbserver.csr with CA dbca: created certificate dbserver.crt\n");
  g_clear_pointer (&r, mpt_result_free);

  r = mpt_meetpki_va (home, "pki", "sign", "dbclient", "dbca", NULL);
  mpt_assert_ok (r);
  g_clear_pointer (&r, mpt_result_free);

  /* keys private, the rest readable */
  assert_mode (home, "dbca.key", 0600);
  assert_mode (home, "dbserver.key", 0600);
  assert_mode (home, "dbclient.key", 0600);
  assert_mode (home, "dbca.crt", 0644);
  assert_mode (home, "dbserver.crt", 0644);

  assert_csr_verifies (home, "dbserver.csr");
  assert_csr_verifies (home, "dbclient.csr");
  assert_crt_verifies (home, "dbca.crt", "dbserver.crt", 0);
  assert_crt_verifies (home, "dbca.crt", "dbclient.crt", 0);
  assert_crt_verifies (home, "dbca.crt", "dbca.crt", 0);

  /* usable for what the database link does: TLS server names from the SAN,
   * client authentication; checked by openssl and by certtool */
  {
    const char *server_names[] = { "cmscore1.example.com", "cmscore2.example.com", "cmscore3.example.com" };
    for (guint i = 0; i < G_N_ELEMENTS (server_names); i++)
      {
        g_autoptr(MptResult) v = mpt_tool_va (home, "openssl", "verify", "-CAfile", "dbca.crt", "-purpose", "sslserver",
                                              "-verify_hostname", server_names[i], "dbserver.crt", NULL);
        mpt_assert_ok (v);
      }
  }
  {
    g_autoptr(MptResult) v = mpt_tool_va (home, "openssl", "verify", "-CAfile", "dbca.crt", "-purpose", "sslclient",
                                          "dbclient.crt", NULL);
    g_autoptr(MptResult) w = mpt_tool_va (home, "openssl", "verify", "-CAfile", "dbca.crt",
                                          "-verify_hostname", "cmscore4.example.com", "dbserver.crt", NULL);
    mpt_assert_ok (v);
    /* and a name that is not in the SAN does not pass */
    g_assert_cmpint (w->status, !=, 0);
  }
  if ((certtool = g_find_program_in_path ("certtool")) != NULL)
    {
      g_autoptr(MptResult) v = mpt_tool_va (home, "certtool", "--verify", "--verify-profile=medium",
                                            "--verify-hostname=cmscore3.example.com",
                                            "--verify-purpose=1.3.6.1.5.5.7.3.1",
                                            "--load-ca-certificate", "dbca.crt", "--infile", "dbserver.crt", NULL);
      mpt_assert_ok (v);
      g_assert_nonnull (strstr (v->out, "Chain verification output: Verified."));
    }

  ca = openssl_view (home, "dbca.crt");
  g_assert_cmpstr (view_get (ca, "subject"), ==, "CN = tplab.local");
  g_assert_cmpstr (view_get (ca, "Basic Constraints"), ==, "CA:TRUE");
  g_assert_cmpstr (view_get (ca, "Basic Constraints/critical"), ==, "yes");
  g_assert_cmpstr (view_get (ca, "Key Usage"), ==, "Certificate Sign, CRL Sign");
  g_assert_cmpstr (view_get (ca, "Key Usage/critical"), ==, "yes");
  g_assert_cmpuint (strlen (view_get (ca, "Subject Key Identifier")), >, 0);
  assert_serial_127_bits (view_get (ca, "serial"));

  server = openssl_view (home, "dbserver.crt");
  g_assert_cmpstr (view_get (server, "subject"), ==, "CN = cmscore1.example.com");
  g_assert_cmpstr (view_get (server, "Subject Alternative Name"), ==,
                   "DNS:cmscore1.example.com, DNS:cmscore2.example.com, DNS:cmscore3.example.com");
  g_assert_cmpstr (view_get (server, "Basic Constraints"), ==, "CA:FALSE");
  g_assert_cmpstr (view_get (server, "Key Usage"), ==, "Digital Signature, Key Encipherment");
  g_assert_cmpstr (view_get (server, "Extended Key Usage"), ==,
                   "TLS Web Server Authentication, TLS Web Client Authentication");
  g_assert_cmpuint (strlen (view_get (server, "Subject Key Identifier")), >, 0);
  g_assert_cmpstr (view_get (server, "Subject Key Identifier"), !=, view_get (ca, "Subject Key Identifier"));
  /* openssl 3.0 prints the key id alone; later versions prefix "keyid:" */
  {
    const char *aki = view_get (server, "Authority Key Identifier");
    if (g_str_has_prefix (aki, "keyid:"))
      aki += 6;
    g_assert_cmpstr (aki, ==, view_get (ca, "Subject Key Identifier"));
  }
  assert_serial_127_bits (view_get (server, "serial"));

  client = openssl_view (home, "dbclient.crt");
  g_assert_cmpstr (view_get (client, "subject"), ==, "CN = postgres");
  g_assert_cmpstr (view_get (client, "Subject Alternative Name"), ==, "DNS:postgres");
  g_assert_cmpstr (view_get (client, "Extended Key Usage"), ==,
                   "TLS Web Server Authentication, TLS Web Client Authentication");
  g_assert_cmpstr (view_get (client, "serial"), !=, view_get (server, "serial"));

  mpt_remove_home (home);
}

typedef struct {
  const char *key_type;
  const char *openssl_says;  /* in `openssl x509 -text` */
  const char *key_usage;
} KeyTypeCase;

static const KeyTypeCase key_type_cases[] = {
  { "rsa:2048", "Public-Key: (2048 bit)", "Digital Signature, Key Encipherment" },
  { "rsa:3072", "Public-Key: (3072 bit)", "Digital Signature, Key Encipherment" },
  { "rsa:4096", "Public-Key: (4096 bit)", "Digital Signature, Key Encipherment" },
  { "ec:p256", "ASN1 OID: prime256v1", "Digital Signature" },
  { "ec:p384", "ASN1 OID: secp384r1", "Digital Signature" },
  { "ed25519", "ED25519", "Digital Signature" },
};

/* a CA and a leaf of each key type: openssl verifies the CSR and the
 * certificate and sees the key we asked for */
static void
test_key_type (gconstpointer data)
{
  const KeyTypeCase *kc = data;
  g_autofree char *home = mpt_make_home ();
  g_autoptr(MptResult) r = NULL;
  g_autoptr(GHashTable) view = NULL;

  if (!mpt_require ("openssl"))
    return;

  /* rsa:4096 is slow to generate: its CA is ec:p256, made only once */
  r = mpt_meetpki_va (home, "pki", "selfsigned", "ca", "CN:Test CA", "--key-type",
                      g_str_equal (kc->key_type, "rsa:4096") ? "ec:p256" : kc->key_type, NULL);
  mpt_assert_ok (r);
  g_clear_pointer (&r, mpt_result_free);
  r = mpt_meetpki_va (home, "pki", "csr", "leaf", "CN:leaf.example.com", "--key-type", kc->key_type, NULL);
  mpt_assert_ok (r);
  g_clear_pointer (&r, mpt_result_free);
  r = mpt_meetpki_va (home, "pki", "sign", "leaf", "ca", NULL);
  mpt_assert_ok (r);
  g_clear_pointer (&r, mpt_result_free);

  assert_csr_verifies (home, "leaf.csr");
  assert_crt_verifies (home, "ca.crt", "leaf.crt", 0);
  assert_crt_verifies (home, "ca.crt", "ca.crt", 0);

  r = mpt_tool_va (home, "openssl", "x509", "-noout", "-text", "-in", "leaf.crt", NULL);
  mpt_assert_ok (r);
  if (strstr (r->out, kc->openssl_says) == NULL)
    g_error ("%s: openssl does not say '%s':\n%s", kc->key_type, kc->openssl_says, r->out);
  g_clear_pointer (&r, mpt_result_free);

  /* the key in the store is the one in the certificate */
  {
    g_autoptr(MptResult) a = mpt_tool_va (home, "openssl", "pkey", "-in", "leaf.key", "-pubout", NULL);
    g_autoptr(MptResult) b = mpt_tool_va (home, "openssl", "x509", "-in", "leaf.crt", "-noout", "-pubkey", NULL);
    mpt_assert_ok (a);
    mpt_assert_ok (b);
    g_assert_cmpstr (a->out, ==, b->out);
  }

  view = openssl_view (home, "leaf.crt");
  g_assert_cmpstr (view_get (view, "Key Usage"), ==, kc->key_usage);
  g_assert_cmpstr (view_get (view, "Subject Alternative Name"), ==, "DNS:leaf.example.com");
  mpt_remove_home (home);
}

/* quoted values with spaces, every field, in the order X.500 wants */
static void
test_subject_fields (void)
{
  const char *want = "C = KR, ST = Seoul Metro, L = Seoul, O = Example Inc, OU = IT Dept, CN = cms1.example.com";
  g_autofree char *home = mpt_make_home ();
  g_autoptr(MptResult) r = NULL;
  g_autoptr(GHashTable) view = NULL;

  if (!mpt_require ("openssl"))
    return;

  r = mpt_meetpki_va (home, "pki", "selfsigned", "ca", "CN:Example Root CA", "O:Example Inc", "--key-type", "ec:p256", NULL);
  mpt_assert_ok (r);
  g_clear_pointer (&r, mpt_result_free);
  /* the shell has removed the quotes of O:"Example Inc"; a script that
   * passes the words unsplit keeps them, and that works too */
  r = mpt_meetpki_va (home, "pki", "csr", "cms1", "CN:cms1.example.com", "OU:IT Dept", "O:\"Example Inc\"",
                      "L:Seoul", "ST:Seoul Metro", "C:KR", "--key-type", "ec:p256", NULL);
  mpt_assert_ok (r);
  g_clear_pointer (&r, mpt_result_free);

  r = mpt_tool_va (home, "openssl", "req", "-noout", "-subject", "-in", "cms1.csr", NULL);
  mpt_assert_ok (r);
  view = mpt_openssl_parse (r->out);
  g_assert_cmpstr (view_get (view, "subject"), ==, want);
  g_clear_pointer (&view, g_hash_table_unref);
  g_clear_pointer (&r, mpt_result_free);

  r = mpt_meetpki_va (home, "pki", "sign", "cms1", "ca", NULL);
  mpt_assert_ok (r);
  view = openssl_view (home, "cms1.crt");
  g_assert_cmpstr (view_get (view, "subject"), ==, want);
  g_clear_pointer (&view, g_hash_table_unref);
  view = openssl_view (home, "ca.crt");
  g_assert_cmpstr (view_get (view, "subject"), ==, "O = Example Inc, CN = Example Root CA");
  assert_crt_verifies (home, "ca.crt", "cms1.crt", 0);
  mpt_remove_home (home);
}

/* every kind of SAN entry arrives typed, in the order given, CN first */
static void
test_san_types (void)
{
  g_autofree char *home = mpt_make_home ();
  g_autoptr(MptResult) r = NULL;
  g_autoptr(GHashTable) view = NULL;
  const char *want = "DNS:join.example.com, IP Address:192.0.2.7, IP Address:2001:DB8:0:0:0:0:0:1, "
                     "email:admin@example.com, URI:https://join.example.com/meet, DNS:*.example.com";

  if (!mpt_require ("openssl"))
    return;

  r = mpt_meetpki_va (home, "pki", "selfsigned", "ca", "CN:ca.example.com", "--key-type", "ec:p256", NULL);
  mpt_assert_ok (r);
  g_clear_pointer (&r, mpt_result_free);
  r = mpt_meetpki_va (home, "pki", "csr", "web", "CN:join.example.com",
                      "subjectAltName:192.0.2.7,2001:db8::1,admin@example.com,https://join.example.com/meet,*.example.com",
                      "--key-type", "ec:p256", NULL);
  mpt_assert_ok (r);
  g_assert_nonnull (strstr (r->out, "Added the CN join.example.com to subjectAltName"));
  g_clear_pointer (&r, mpt_result_free);

  /* the CSR asks for them ... */
  r = mpt_tool_va (home, "openssl", "req", "-noout", "-text", "-in", "web.csr", NULL);
  mpt_assert_ok (r);
  g_assert_nonnull (strstr (r->out, want));
  g_clear_pointer (&r, mpt_result_free);

  /* ... and the certificate carries them unchanged */
  r = mpt_meetpki_va (home, "pki", "sign", "web", "ca", NULL);
  mpt_assert_ok (r);
  view = openssl_view (home, "web.crt");
  g_assert_cmpstr (view_get (view, "Subject Alternative Name"), ==, want);

  /* a CN that is an IP address lands in the SAN as an IP */
  g_clear_pointer (&r, mpt_result_free);
  g_clear_pointer (&view, g_hash_table_unref);
  r = mpt_meetpki_va (home, "pki", "csr", "ip", "CN:10.1.2.3", "--key-type", "ec:p256", NULL);
  mpt_assert_ok (r);
  g_clear_pointer (&r, mpt_result_free);
  r = mpt_meetpki_va (home, "pki", "sign", "ip", "ca", NULL);
  mpt_assert_ok (r);
  view = openssl_view (home, "ip.crt");
  g_assert_cmpstr (view_get (view, "Subject Alternative Name"), ==, "IP Address:10.1.2.3");
  mpt_remove_home (home);
}

/* defaults (365 days for sign, 3650 for selfsigned), backdating, and the
 * clamp to the CA's own expiry, on a fixed clock */
static void
test_validity (void)
{
  g_autofree char *home = mpt_make_home ();
  g_autoptr(MptResult) r = NULL;
  g_autoptr(GHashTable) ca = NULL;
  g_autoptr(GHashTable) leaf = NULL;
  g_autofree char *start = openssl_time (FIXED_NOW - 300);
  g_autofree char *ca_end = openssl_time (FIXED_NOW + 3650 * 86400);
  g_autofree char *leaf_end = openssl_time (FIXED_NOW + 365 * 86400);

  if (!mpt_require ("openssl"))
    return;

  mpt_pin_clock (FIXED_NOW);
  r = mpt_meetpki_va (home, "pki", "selfsigned", "ca", "CN:ca", "--key-type", "ec:p256", NULL);
  mpt_assert_ok (r);
  g_clear_pointer (&r, mpt_result_free);
  r = mpt_meetpki_va (home, "pki", "csr", "leaf", "CN:leaf.example.com", "--key-type", "ec:p256", NULL);
  mpt_assert_ok (r);
  g_clear_pointer (&r, mpt_result_free);
  r = mpt_meetpki_va (home, "pki", "sign", "leaf", "ca", NULL);
  mpt_assert_ok (r);
  g_assert_null (strstr (r->out, "shortened"));
  g_clear_pointer (&r, mpt_result_free);

  ca = openssl_view (home, "ca.crt");
  leaf = openssl_view (home, "leaf.crt");
  g_assert_cmpstr (view_get (ca, "notBefore"), ==, start);
  g_assert_cmpstr (view_get (ca, "notAfter"), ==, ca_end);
  g_assert_cmpstr (view_get (leaf, "notBefore"), ==, start);
  g_assert_cmpstr (view_get (leaf, "notAfter"), ==, leaf_end);
  assert_crt_verifies (home, "ca.crt", "leaf.crt", FIXED_NOW);
  g_unsetenv ("MEETPKI_NOW");
  mpt_remove_home (home);
}

static void
test_days_clamp (void)
{
  g_autofree char *home = mpt_make_home ();
  g_autoptr(MptResult) r = NULL;
  g_autoptr(GHashTable) ca = NULL;
  g_autoptr(GHashTable) leaf = NULL;
  g_autofree char *ca_end = openssl_time (FIXED_NOW + 10 * 86400);
  g_autofree char *later = g_strdup_printf ("%" G_GINT64_FORMAT, FIXED_NOW + 86400);

  if (!mpt_require ("openssl"))
    return;

  mpt_pin_clock (FIXED_NOW);
  r = mpt_meetpki_va (home, "pki", "selfsigned", "shortca", "CN:Short CA", "--days", "10", "--key-type", "ec:p256", NULL);
  mpt_assert_ok (r);
  g_clear_pointer (&r, mpt_result_free);
  r = mpt_meetpki_va (home, "pki", "csr", "leaf", "CN:leaf.example.com", "--key-type", "ec:p256", NULL);
  mpt_assert_ok (r);
  g_clear_pointer (&r, mpt_result_free);

  /* a day later, a year asked for: the CA's end wins, and we say so */
  g_setenv ("MEETPKI_NOW", later, TRUE);
  r = mpt_meetpki_va (home, "pki", "sign", "leaf", "shortca", "--days", "365", NULL);
  mpt_assert_ok (r);
  g_assert_cmpstr (r->out, ==,
                   "Validity shortened to end with the CA's on 2026-01-11 00:00:00 UTC\n"
                   "Signed leaf.csr with CA shortca: created certificate leaf.crt\n");

  ca = openssl_view (home, "shortca.crt");
  leaf = openssl_view (home, "leaf.crt");
  g_assert_cmpstr (view_get (ca, "notAfter"), ==, ca_end);
  g_assert_cmpstr (view_get (leaf, "notAfter"), ==, view_get (ca, "notAfter"));
  assert_crt_verifies (home, "shortca.crt", "leaf.crt", FIXED_NOW + 86400);
  g_unsetenv ("MEETPKI_NOW");
  mpt_remove_home (home);
}

/* the vendor's renewal: sign again under the same name; the certificate is
 * replaced by a new file (rename, so readers never see half of it), the
 * key is untouched */
static void
test_renewal (void)
{
  g_autofree char *home = mpt_make_home ();
  g_autofree char *crt_path = g_build_filename (home, "dbserver.crt", NULL);
  g_autoptr(MptResult) r = NULL;
  g_autoptr(GHashTable) before = NULL;
  g_autoptr(GHashTable) after = NULL;
  g_autoptr(GBytes) key_before = NULL;
  g_autoptr(GBytes) key_after = NULL;
  g_autoptr(GBytes) crt_before = NULL;
  g_autoptr(GBytes) crt_after = NULL;
  g_autofree char *listing = NULL;
  struct stat st1, st2;

  if (!mpt_require ("openssl"))
    return;

  r = mpt_meetpki_va (home, "pki", "selfsigned", "dbca", "CN:tplab.local", "--key-type", "ec:p256", NULL);
  mpt_assert_ok (r);
  g_clear_pointer (&r, mpt_result_free);
  r = mpt_meetpki_va (home, "pki", "csr", "dbserver", "CN:cmscore1.example.com", "--key-type", "ec:p256", NULL);
  mpt_assert_ok (r);
  g_clear_pointer (&r, mpt_result_free);
  r = mpt_meetpki_va (home, "pki", "sign", "dbserver", "dbca", NULL);
  mpt_assert_ok (r);
  g_assert_null (strstr (r->out, "Replaced"));
  g_clear_pointer (&r, mpt_result_free);

  before = openssl_view (home, "dbserver.crt");
  key_before = mpt_read (home, "dbserver.key");
  crt_before = mpt_read (home, "dbserver.crt");
  g_assert_cmpint (stat (crt_path, &st1), ==, 0);

  r = mpt_meetpki_va (home, "pki", "sign", "dbserver", "dbca", NULL);
  mpt_assert_ok (r);
  g_assert_cmpstr (r->out, ==,
                   "Replaced the previous dbserver.crt (restart the services that use it)\n"
                   "Signed dbserver.csr with CA dbca: created certificate dbserver.crt\n");
  g_clear_pointer (&r, mpt_result_free);

  after = openssl_view (home, "dbserver.crt");
  key_after = mpt_read (home, "dbserver.key");
  crt_after = mpt_read (home, "dbserver.crt");
  g_assert_cmpint (stat (crt_path, &st2), ==, 0);

  g_assert_true (g_bytes_equal (key_before, key_after));
  g_assert_false (g_bytes_equal (crt_before, crt_after));
  g_assert_cmpstr (view_get (before, "serial"), !=, view_get (after, "serial"));
  assert_serial_127_bits (view_get (after, "serial"));
  g_assert_cmpstr (view_get (before, "Subject Alternative Name"), ==, view_get (after, "Subject Alternative Name"));
  /* a new inode: renamed into place, not rewritten in place */
  g_assert_cmpuint (st1.st_ino, !=, st2.st_ino);
  g_assert_cmpuint (st2.st_mode & 07777, ==, 0644);
  assert_crt_verifies (home, "dbca.crt", "dbserver.crt", 0);

  /* nothing left behind: no temporary files, no backups */
  listing = mpt_snapshot (home);
  {
    g_auto(GStrv) lines = g_strsplit (listing, "\n", -1);
    for (guint i = 1; lines[i] != NULL; i++)
      {
        if (lines[i][0] == '.')
          g_assert_true (g_str_has_prefix (lines[i], ".lock "));
      }
  }
  mpt_remove_home (home);
}

/* a CSR that openssl made, without subjectAltName: signed, with the CN put
 * in the SAN; one with a SAN keeps exactly its SAN */
static void
test_openssl_csr (void)
{
  g_autofree char *home = mpt_make_home ();
  g_autoptr(MptResult) r = NULL;
  g_autoptr(GHashTable) view = NULL;

  if (!mpt_require ("openssl"))
    return;

  r = mpt_meetpki_va (home, "pki", "selfsigned", "ca", "CN:ca.example.com", "--key-type", "ec:p256", NULL);
  mpt_assert_ok (r);
  g_clear_pointer (&r, mpt_result_free);

  r = mpt_tool_va (home, "openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                   "-nodes", "-keyout", "plain.key", "-out", "plain.csr", "-subj", "/O=Example/CN=plain.example.com", NULL);
  mpt_assert_ok (r);
  g_clear_pointer (&r, mpt_result_free);
  r = mpt_meetpki_va (home, "pki", "sign", "plain", "ca", NULL);
  mpt_assert_ok (r);
  g_assert_cmpstr (r->out, ==,
                   "The CSR has no subjectAltName; added its CN plain.example.com\n"
                   "Signed plain.csr with CA ca: created certificate plain.crt\n");
  g_clear_pointer (&r, mpt_result_free);
  view = openssl_view (home, "plain.crt");
  g_assert_cmpstr (view_get (view, "subject"), ==, "O = Example, CN = plain.example.com");
  g_assert_cmpstr (view_get (view, "Subject Alternative Name"), ==, "DNS:plain.example.com");
  g_assert_cmpstr (view_get (view, "Basic Constraints"), ==, "CA:FALSE");
  assert_crt_verifies (home, "ca.crt", "plain.crt", 0);
  g_clear_pointer (&view, g_hash_table_unref);

  /* a CSR asking for CA:TRUE does not get it */
  r = mpt_tool_va (home, "openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "sans.key",
                   "-out", "sans.csr", "-subj", "/CN=a.example.com",
                   "-addext", "subjectAltName=DNS:a.example.com,DNS:b.example.com,IP:192.0.2.1",
                   "-addext", "basicConstraints=critical,CA:TRUE", NULL);
  mpt_assert_ok (r);
  g_clear_pointer (&r, mpt_result_free);
  r = mpt_meetpki_va (home, "pki", "sign", "sans", "ca", NULL);
  mpt_assert_ok (r);
  view = openssl_view (home, "sans.crt");
  g_assert_cmpstr (view_get (view, "Subject Alternative Name"), ==,
                   "DNS:a.example.com, DNS:b.example.com, IP Address:192.0.2.1");
  g_assert_cmpstr (view_get (view, "Basic Constraints"), ==, "CA:FALSE");
  g_assert_cmpstr (view_get (view, "Key Usage"), ==, "Digital Signature, Key Encipherment");
  assert_crt_verifies (home, "ca.crt", "sans.crt", 0);
  mpt_remove_home (home);
}

/* stdout of a --json run: one object and nothing else */
static JsonObject *
parse_object (const char *out)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);
  root = json_parser_get_root (parser);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return json_object_ref (json_node_get_object (root));
}

/* the text after "FAILURE: " of the run without --json */
static char *
failure_reason (const char *out)
{
  const char *line = strstr (out, "FAILURE: ");

  g_assert_nonnull (line);
  return g_strndup (line + strlen ("FAILURE: "), strcspn (line + strlen ("FAILURE: "), "\n"));
}

/* `openssl x509 -fingerprint -sha256`: "AB:CD:..." */
static char *
openssl_fingerprint (const char *home, const char *crt)
{
  g_autoptr(MptResult) r = mpt_tool_va (home, "openssl", "x509", "-noout", "-fingerprint", "-sha256",
                                        "-in", crt, NULL);
  const char *eq;

  mpt_assert_ok (r);
  eq = strchr (r->out, '=');
  g_assert_nonnull (eq);
  return g_strstrip (g_strdup (eq + 1));
}

/* `pki match --json` and `pki verify --json` on files openssl made: the
 * verdicts openssl agrees with, the exit statuses of the text forms, and
 * the chain's fingerprints as openssl computes them */
static void
test_match_verify_json (void)
{
  g_autofree char *home = mpt_make_home ();
  g_autoptr(MptResult) r = NULL;
  g_autoptr(MptResult) text = NULL;
  g_autoptr(JsonObject) o = NULL;
  g_autofree char *reason = NULL;
  const char *chain_names[] = { "leaf.crt", "inter.crt", "root.crt" };
  JsonArray *chain;

  if (!mpt_require ("openssl"))
    return;
  mpt_openssl_ca (home, "root", "root.example.com", NULL, TRUE);
  mpt_openssl_ca (home, "inter", "inter.example.com", "root", TRUE);
  r = mpt_tool_va (home, "openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                   "-nodes", "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=leaf.example.com", NULL);
  mpt_assert_ok (r);
  g_clear_pointer (&r, mpt_result_free);
  r = mpt_tool_va (home, "openssl", "x509", "-req", "-in", "leaf.csr", "-CA", "inter.crt", "-CAkey", "inter.key",
                   "-CAcreateserial", "-days", "30", "-out", "leaf.crt", NULL);
  mpt_assert_ok (r);
  g_clear_pointer (&r, mpt_result_free);
  r = mpt_tool_va (home, "sh", "-c", "cat inter.crt root.crt > chain.pem", NULL);
  mpt_assert_ok (r);
  g_clear_pointer (&r, mpt_result_free);

  /* a pair openssl made */
  r = mpt_meetpki_va (home, "pki", "match", "leaf.key", "leaf.crt", "--json", NULL);
  mpt_assert_ok (r);
  g_assert_cmpstr (r->err, ==, "");
  o = parse_object (r->out);
  g_assert_true (json_object_get_boolean_member (o, "match"));
  g_assert_cmpstr (json_object_get_string_member (o, "key"), ==, "leaf.key");
  g_assert_cmpstr (json_object_get_string_member (o, "certificate"), ==, "leaf.crt");
  g_assert_true (json_object_get_null_member (o, "reason"));
  g_clear_pointer (&o, json_object_unref);
  g_clear_pointer (&r, mpt_result_free);

  /* a mismatch: exit 1 as the FAILURE line, whose text is the reason */
  text = mpt_meetpki_va (home, "pki", "match", "inter.key", "leaf.crt", NULL);
  mpt_assert_status (text, 1);
  r = mpt_meetpki_va (home, "pki", "match", "inter.key", "leaf.crt", "--json", NULL);
  mpt_assert_status (r, 1);
  g_assert_cmpstr (r->err, ==, "");
  o = parse_object (r->out);
  g_assert_false (json_object_get_boolean_member (o, "match"));
  reason = failure_reason (text->out);
  g_assert_cmpstr (json_object_get_string_member (o, "reason"), ==, reason);
  g_clear_pointer (&reason, g_free);
  g_clear_pointer (&o, json_object_unref);
  g_clear_pointer (&r, mpt_result_free);
  g_clear_pointer (&text, mpt_result_free);

  /* not a verdict: the one line on stderr, nothing on stdout */
  r = mpt_meetpki_va (home, "pki", "match", "leaf.crt", "leaf.key", "--json", NULL);
  mpt_assert_status (r, 2);
  g_assert_cmpstr (r->out, ==, "");
  g_assert_true (g_str_has_prefix (r->err, "meetpki: the arguments are the wrong way round"));
  g_clear_pointer (&r, mpt_result_free);

  /* a chain openssl verifies: entity first, openssl's fingerprints */
  r = mpt_tool_va (home, "openssl", "verify", "-CAfile", "root.crt", "-untrusted", "inter.crt", "leaf.crt", NULL);
  mpt_assert_ok (r);
  g_clear_pointer (&r, mpt_result_free);
  r = mpt_meetpki_va (home, "pki", "verify", "leaf.crt", "chain.pem", "--json", NULL);
  mpt_assert_ok (r);
  g_assert_cmpstr (r->err, ==, "");
  o = parse_object (r->out);
  g_assert_true (json_object_get_boolean_member (o, "verified"));
  g_assert_true (json_object_get_null_member (o, "reason"));
  chain = json_object_get_array_member (o, "chain");
  g_assert_cmpuint (json_array_get_length (chain), ==, G_N_ELEMENTS (chain_names));
  for (guint i = 0; i < G_N_ELEMENTS (chain_names); i++)
    {
      JsonObject *c = json_array_get_object_element (chain, i);
      g_autofree char *fpr = openssl_fingerprint (home, chain_names[i]);

      g_assert_cmpstr (json_object_get_string_member (c, "fingerprint_sha256"), ==, fpr);
    }
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (chain, 0), "subject"), ==,
                   "CN=leaf.example.com");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (chain, 0), "issuer"), ==,
                   "CN=inter.example.com");
  g_clear_pointer (&o, json_object_unref);
  g_clear_pointer (&r, mpt_result_free);

  /* the issuer missing (openssl agrees): exit 1, the FAILURE text as reason */
  r = mpt_tool_va (home, "openssl", "verify", "-CAfile", "root.crt", "leaf.crt", NULL);
  g_assert_cmpint (r->status, !=, 0);
  g_clear_pointer (&r, mpt_result_free);
  text = mpt_meetpki_va (home, "pki", "verify", "leaf.crt", "root.crt", NULL);
  mpt_assert_status (text, 1);
  r = mpt_meetpki_va (home, "pki", "verify", "leaf.crt", "root.crt", "--json", NULL);
  mpt_assert_status (r, 1);
  g_assert_cmpstr (r->err, ==, "");
  o = parse_object (r->out);
  g_assert_false (json_object_get_boolean_member (o, "verified"));
  reason = failure_reason (text->out);
  g_assert_nonnull (strstr (reason, "issuer not found"));
  g_assert_cmpstr (json_object_get_string_member (o, "reason"), ==, reason);
  g_clear_pointer (&o, json_object_unref);
  g_clear_pointer (&r, mpt_result_free);

  /* no such certificate: the one line on stderr, exit 3 */
  r = mpt_meetpki_va (home, "pki", "verify", "nosuch.crt", "--json", NULL);
  mpt_assert_status (r, 3);
  g_assert_cmpstr (r->out, ==, "");
  mpt_remove_home (home);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_unsetenv ("MEETPKI_NOW");
  g_test_add_func ("/interop/walkthrough", test_walkthrough);
  for (guint i = 0; i < G_N_ELEMENTS (key_type_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/interop/key-type/%s", key_type_cases[i].key_type);
      g_test_add_data_func (path, &key_type_cases[i], test_key_type);
    }
  g_test_add_func ("/interop/subject-fields", test_subject_fields);
  g_test_add_func ("/interop/san-types", test_san_types);
  g_test_add_func ("/interop/validity", test_validity);
  g_test_add_func ("/interop/days-clamp", test_days_clamp);
  g_test_add_func ("/interop/renewal", test_renewal);
  g_test_add_func ("/interop/openssl-csr", test_openssl_csr);
  g_test_add_func ("/interop/match-verify-json", test_match_verify_json);
  return g_test_run ();
}
