/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Inspect's reply is built straight from mp_inspect_describe()
 * (mpd_inspect_variant, doc/dbus.md "Speed"); it must be the value the
 * daemon made before, the json tree of `pki inspect --json` turned into an
 * a{sv} by mpd_json_to_variant: the same type and the same bytes, members
 * in the same order, for files openssl made of every kind, with every
 * extension and with extensions that cannot be parsed (warnings), and the
 * same error for files that fail, before or in the middle of a description.
 */
#include "config.h"

#include <string.h>
#include <sys/wait.h>

#include "mpd.h"
#include "mp-test-cli.h"

static char *fx_dir;

/* every kind of subject alternative name and extension inspect names */
#define EVERY_EXT \
  "subjectAltName = DNS:every.example.com, email:a@example.com, URI:https://example.com/x, " \
  "IP:192.0.2.1, IP:2001:db8::1, otherName:1.3.6.1.5.5.7.8.5;UTF8:alice@example.com, " \
  "otherName:1.2.3.4;UTF8:other, dirName:dir_sect, RID:1.2.3.4.5\n" \
  "keyUsage = critical, digitalSignature, nonRepudiation, keyEncipherment, dataEncipherment, " \
  "keyAgreement, keyCertSign, cRLSign, encipherOnly, decipherOnly\n" \
  "extendedKeyUsage = serverAuth, clientAuth, codeSigning, emailProtection, timeStamping, " \
  "OCSPSigning, 1.3.6.1.5.5.7.3.17, 1.2.3.4.99\n" \
  "basicConstraints = critical, CA:TRUE, pathlen:2\n" \
  "subjectKeyIdentifier = hash\n"

static const char every_cnf[] =
  "[req]\n"
  "distinguished_name = dn\n"
  "prompt = no\n"
  "[dn]\n"
  "CN = every.example.com\n"
  "O = Example\n"
  "[ext]\n"
  EVERY_EXT
  "[crt_ext]\n"
  EVERY_EXT
  "authorityKeyIdentifier = keyid:always, issuer\n"
  "[dir_sect]\n"
  "CN = dir name\n"
  "O = Dir Org\n"
  /* well-formed der of the wrong type: gnutls imports the certificate, and
   * inspect warns about each extension it cannot parse */
  "[bad]\n"
  "keyUsage = DER:04:00\n"
  "extendedKeyUsage = DER:04:00\n"
  "basicConstraints = DER:04:00\n"
  "subjectKeyIdentifier = DER:03:01:00\n";

/* runs @cmd with sh in the fixture directory; it must succeed */
static void
sh (const char *cmd)
{
  const char *argv[] = { "/bin/sh", "-c", cmd, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  g_spawn_sync (fx_dir, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err,
                &status, &error);
  g_assert_no_error (error);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    g_error ("%s failed: %s", cmd, err);
}

static GBytes *
fx_read (const char *name)
{
  return mpt_read (fx_dir, name);
}

/* the reply as the daemon makes it, checked against the old way; returns
 * it (NULL for a file that fails) */
static GVariant *
check_reply (const char *name, gboolean expect_public)
{
  g_autoptr(GBytes) data = fx_read (name);
  g_autoptr(GError) tree_error = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) tree = mp_inspect_file (data, name, &tree_error);
  gboolean is_public = !expect_public;
  g_autoptr(GVariant) reply = mpd_inspect_variant (data, name, &is_public, &error);
  g_autoptr(GVariant) expected = NULL;

  if (tree == NULL)
    {
      g_assert_null (reply);
      g_assert_nonnull (tree_error);
      g_assert_error (error, tree_error->domain, tree_error->code);
      g_assert_cmpstr (error->message, ==, tree_error->message);
      return NULL;
    }
  g_assert_no_error (error);
  g_assert_nonnull (reply);
  g_assert_false (g_variant_is_floating (reply));
  expected = g_variant_ref_sink (mpd_json_to_variant (tree));
  g_assert_cmpstr (g_variant_get_type_string (reply), ==, "a{sv}");
  if (!g_variant_equal (reply, expected))
    {
      g_autofree char *a = g_variant_print (reply, TRUE);
      g_autofree char *b = g_variant_print (expected, TRUE);
      g_error ("%s: the reply differs:\n%s\nfrom\n%s", name, a, b);
    }
  g_assert_cmpmem (g_variant_get_data (reply), g_variant_get_size (reply),
                   g_variant_get_data (expected), g_variant_get_size (expected));
  g_assert_cmpint (is_public, ==, expect_public);
  return g_steal_pointer (&reply);
}

/* certificates[@i] of @reply */
static GVariant *
nth_certificate (GVariant *reply, guint i)
{
  g_autoptr(GVariant) list = g_variant_lookup_value (reply, "certificates", G_VARIANT_TYPE ("aa{sv}"));

  g_assert_nonnull (list);
  g_assert_cmpuint (g_variant_n_children (list), >, i);
  return g_variant_get_child_value (list, i);
}

static void
test_certificates (void)
{
  g_autoptr(GVariant) every = check_reply ("every.crt", TRUE);
  g_autoptr(GVariant) crt = nth_certificate (every, 0);
  g_autoptr(GVariant) sans = g_variant_lookup_value (crt, "sans", G_VARIANT_TYPE ("aa{sv}"));
  g_autoptr(GVariant) ku = g_variant_lookup_value (crt, "key_usage", G_VARIANT_TYPE_STRING_ARRAY);
  g_autoptr(GVariant) eku = g_variant_lookup_value (crt, "extended_key_usage", G_VARIANT_TYPE_STRING_ARRAY);
  g_autoptr(GVariant) bc = g_variant_lookup_value (crt, "basic_constraints", G_VARIANT_TYPE_VARDICT);
  g_autoptr(GVariant) plain = check_reply ("ca.crt", TRUE);
  g_autoptr(GVariant) plain_crt = nth_certificate (plain, 0);
  g_autoptr(GVariant) no_sans = g_variant_lookup_value (plain_crt, "sans", NULL);
  const char *s = NULL;

  /* the fixture has what it is for: every kind of name and extension */
  g_assert_nonnull (sans);
  g_assert_cmpuint (g_variant_n_children (sans), ==, 9);
  g_assert_nonnull (ku);
  g_assert_cmpuint (g_variant_n_children (ku), ==, 9);
  g_assert_nonnull (eku);
  g_assert_cmpuint (g_variant_n_children (eku), ==, 8);
  g_assert_nonnull (bc);
  g_assert_true (g_variant_lookup (crt, "subject_key_id", "&s", &s));
  g_assert_true (g_variant_lookup (crt, "authority_key_id", "&s", &s));
  /* an empty list is an `as`, as the json rules make it */
  g_assert_nonnull (no_sans);
  g_assert_cmpstr (g_variant_get_type_string (no_sans), ==, "as");
  g_assert_cmpuint (g_variant_n_children (no_sans), ==, 0);

  g_clear_pointer (&every, g_variant_unref);
  every = check_reply ("every.der", TRUE);
  g_clear_pointer (&every, g_variant_unref);
  every = check_reply ("ed.crt", TRUE);
  g_clear_pointer (&every, g_variant_unref);
  every = check_reply ("rsa.crt", TRUE);
}

/* the reply has the dates the der has, as openssl wrote them */
static void
test_before_1970 (void)
{
  g_autoptr(GVariant) reply = check_reply ("old.crt", TRUE);
  g_autoptr(GVariant) crt = nth_certificate (reply, 0);
  const char *s = NULL;

  g_assert_true (g_variant_lookup (crt, "not_before", "&s", &s));
  g_assert_cmpstr (s, ==, "1950-01-01T00:00:00Z");
  g_assert_true (g_variant_lookup (crt, "not_after", "&s", &s));
  g_assert_cmpstr (s, ==, "1969-12-31T23:59:59Z");
  g_assert_true (g_variant_lookup (crt, "status", "&s", &s));
  g_assert_cmpstr (s, ==, "expired");
}

static void
test_warnings (void)
{
  g_autoptr(GVariant) bad = check_reply ("bad.crt", TRUE);
  g_autoptr(GVariant) crt = nth_certificate (bad, 0);
  g_autoptr(GVariant) warnings = g_variant_lookup_value (crt, "warnings", G_VARIANT_TYPE_STRING_ARRAY);
  g_autoptr(GVariant) csr = NULL;
  g_autoptr(GVariant) csr_desc = NULL;
  g_autoptr(GVariant) csr_warnings = NULL;

  g_assert_nonnull (warnings);
  g_assert_cmpuint (g_variant_n_children (warnings), ==, 4);
  csr = check_reply ("bad.csr", TRUE);
  csr_desc = g_variant_lookup_value (csr, "csr", G_VARIANT_TYPE_VARDICT);
  g_assert_nonnull (csr_desc);
  csr_warnings = g_variant_lookup_value (csr_desc, "warnings", G_VARIANT_TYPE_STRING_ARRAY);
  g_assert_nonnull (csr_warnings);
  g_assert_cmpuint (g_variant_n_children (csr_warnings), ==, 3);
}

static void
test_requests_and_keys (void)
{
  g_autoptr(GVariant) v = check_reply ("every.csr", TRUE);

  g_clear_pointer (&v, g_variant_unref);
  /* keys and pkcs12 files are described but not remembered */
  v = check_reply ("ec.key", FALSE);
  g_clear_pointer (&v, g_variant_unref);
  v = check_reply ("rsa.key", FALSE);
  g_clear_pointer (&v, g_variant_unref);
  v = check_reply ("ed.key", FALSE);
  g_clear_pointer (&v, g_variant_unref);
  v = check_reply ("enc.key", FALSE);
  g_clear_pointer (&v, g_variant_unref);
  v = check_reply ("bundle.p12", FALSE);
}

static void
test_bundle (void)
{
  g_autoptr(GVariant) v = check_reply ("bundle.crt", TRUE);
  g_autoptr(GVariant) list = g_variant_lookup_value (v, "certificates", G_VARIANT_TYPE ("aa{sv}"));

  g_assert_nonnull (list);
  g_assert_cmpuint (g_variant_n_children (list), ==, 4);
}

static void
test_failures (void)
{
  /* refused before anything is described, and in the middle of the second
   * certificate (an unknown key algorithm): nothing leaks (asan) */
  g_assert_null (check_reply ("junk.txt", FALSE));
  g_assert_null (check_reply ("empty.crt", FALSE));
  g_assert_null (check_reply ("unknown-key.crt", TRUE));
}

static void
make_fixtures (void)
{
  g_autofree char *cnf = g_build_filename (fx_dir, "every.cnf", NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (cnf, every_cnf, -1, &error);
  g_assert_no_error (error);
  sh ("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ec.key -out ca.crt "
      "-subj /CN=CA -days 30");
  sh ("openssl req -x509 -key ec.key -out every.crt -config every.cnf -extensions crt_ext -days 30");
  sh ("openssl x509 -in every.crt -outform der -out every.der");
  sh ("openssl req -new -key ec.key -out every.csr -config every.cnf -reqexts ext");
  sh ("openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:2048 -out rsa.key");
  sh ("openssl req -x509 -key rsa.key -out bad.crt -config every.cnf -extensions bad -days 30");
  sh ("openssl req -new -key rsa.key -out bad.csr -config every.cnf -reqexts bad");
  sh ("openssl req -x509 -key rsa.key -out rsa.crt -subj /CN=rsa -days 30");
  sh ("openssl genpkey -algorithm ed25519 -out ed.key");
  sh ("openssl req -x509 -key ed.key -out ed.crt -subj /CN=ed -days 30");
  sh ("openssl pkcs8 -topk8 -in ec.key -out enc.key -passout pass:secret");
  sh ("openssl pkcs12 -export -in ed.crt -inkey ed.key -out bundle.p12 -passout pass:");
  sh ("cat every.crt bad.crt ed.crt ca.crt > bundle.crt");
  sh ("echo 'hello, world' > junk.txt && : > empty.crt");
  /* dates before 1970, which gnutls clamps: openssl ca writes them */
  sh ("printf '[ca]\\ndefault_ca = c\\n[c]\\ndatabase = old.idx\\nnew_certs_dir = .\\nserial = old.srl\\n"
      "default_md = sha256\\npolicy = p\\n[p]\\ncommonName = supplied\\n' > old.cnf && : > old.idx && "
      "echo 01 > old.srl && openssl req -new -key ec.key -subj /CN=old -out old.csr && "
      "openssl ca -batch -config old.cnf -cert ca.crt -keyfile ec.key -in old.csr -notext "
      "-startdate 500101000000Z -enddate 691231235959Z -out old.crt");
  /* x25519 under an oid nobody knows (1.3.101.127): the certificate
   * imports, its public key does not */
  sh ("openssl genpkey -algorithm x25519 -out x.key && openssl pkey -in x.key -pubout -out x.pub && "
      "openssl req -new -key ec.key -subj /CN=x -out x.csr && "
      "openssl x509 -req -in x.csr -CA ca.crt -CAkey ec.key -force_pubkey x.pub -days 3 -outform der -out x.der");
  {
    g_autoptr(GBytes) der = fx_read ("x.der");
    gsize len = 0;
    const guint8 *data = g_bytes_get_data (der, &len);
    g_autofree guint8 *buf = g_memdup2 (data, len);
    static const guint8 oid[] = { 0x06, 0x03, 0x2b, 0x65, 0x6e };
    g_autofree char *path = g_build_filename (fx_dir, "unknown.der", NULL);
    guint8 *hit = memmem (buf, len, oid, sizeof oid);

    g_assert_nonnull (hit);
    hit[4] = 0x7f;
    g_file_set_contents (path, (const char *) buf, (gssize) len, &error);
    g_assert_no_error (error);
  }
  sh ("openssl x509 -inform der -in unknown.der -out unknown.pem && cat ca.crt unknown.pem > unknown-key.crt");
}

int
main (int argc, char **argv)
{
  g_autofree char *now = g_strdup_printf ("%" G_GINT64_FORMAT, g_get_real_time () / G_USEC_PER_SEC);
  int rc;

  g_test_init (&argc, &argv, NULL);
  /* one clock for both ways of making the reply */
  g_setenv ("MEETPKI_NOW", now, TRUE);
  fx_dir = mpt_make_home ();
  make_fixtures ();
  g_test_add_func ("/dbus/inspect-reply/certificates", test_certificates);
  g_test_add_func ("/dbus/inspect-reply/before-1970", test_before_1970);
  g_test_add_func ("/dbus/inspect-reply/warnings", test_warnings);
  g_test_add_func ("/dbus/inspect-reply/requests-and-keys", test_requests_and_keys);
  g_test_add_func ("/dbus/inspect-reply/bundle", test_bundle);
  g_test_add_func ("/dbus/inspect-reply/failures", test_failures);
  rc = g_test_run ();
  mpt_remove_home (fx_dir);
  g_free (fx_dir);
  return rc;
}
