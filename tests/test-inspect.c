/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `pki inspect`, `pki match`, `pki list` against files openssl made, with
 * openssl's own view of them as the reference.
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <gio/gio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <meetpki/meetpki.h>

/* the openssl-made files, generated once for the whole binary */
static char *fx_dir;

static void
rm_rf (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *n;

  if (dir != NULL)
    {
      while ((n = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *p = g_build_filename (path, n, NULL);
          if (g_file_test (p, G_FILE_TEST_IS_DIR) && !g_file_test (p, G_FILE_TEST_IS_SYMLINK))
            rm_rf (p);
          else
            g_unlink (p);
        }
    }
  g_rmdir (path);
}

/* runs @cmdline (split like a shell) in @cwd; returns the exit status */
static int
run (const char *cwd, char **envp, const char *cmdline, char **out, char **err)
{
  g_auto(GStrv) argv = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *o = NULL;
  g_autofree char *e = NULL;
  int status = 0;

  g_assert_true (g_shell_parse_argv (cmdline, NULL, &argv, NULL));
  g_spawn_sync (cwd, argv, envp, G_SPAWN_SEARCH_PATH, NULL, NULL, &o, &e, &status, &error);
  g_assert_no_error (error);
  if (out != NULL)
    *out = g_steal_pointer (&o);
  if (err != NULL)
    *err = g_steal_pointer (&e);
  g_assert_true (WIFEXITED (status));
  return WEXITSTATUS (status);
}

/* openssl in the fixture directory; must succeed; returns its stdout */
static char *
openssl (const char *fmt, ...) G_GNUC_PRINTF (1, 2);

static char *
openssl (const char *fmt, ...)
{
  g_autofree char *args = NULL;
  g_autofree char *cmd = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;
  va_list ap;
  int rc;

  va_start (ap, fmt);
  args = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  cmd = g_strconcat ("openssl ", args, NULL);
  rc = run (fx_dir, NULL, cmd, &out, &err);
  if (rc != 0)
    g_error ("%s failed (%d): %s", cmd, rc, err);
  return out;
}

/* the value line of one extension as `openssl x509 -ext` prints it, or NULL
 * when the certificate does not have it */
static char *
openssl_ext (const char *file, const char *ext)
{
  g_autofree char *out = openssl ("x509 -in %s -noout -ext %s", file, ext);
  g_auto(GStrv) lines = g_strsplit (out, "\n", -1);

  if (g_strv_length (lines) < 2 || !g_str_has_prefix (lines[0], "X509v3"))
    return NULL;
  return g_strdup (g_strstrip (lines[1]));
}

/* "key=value" from openssl's one-line output, the value */
static char *
openssl_field (const char *out, const char *key)
{
  g_auto(GStrv) lines = g_strsplit (out, "\n", -1);
  g_autofree char *prefix = g_strconcat (key, "=", NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (g_str_has_prefix (lines[i], prefix))
        return g_strdup (lines[i] + strlen (prefix));
    }
  g_error ("no %s in openssl output: %s", key, out);
  return NULL;
}

static char *
fx_path (const char *name)
{
  return g_build_filename (fx_dir, name, NULL);
}

static GBytes *
fx_read (const char *name)
{
  g_autofree char *path = fx_path (name);
  g_autoptr(GError) error = NULL;
  char *data = NULL;
  gsize len = 0;

  g_file_get_contents (path, &data, &len, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (data, len);
}

/* MEETPKI_NOW as a string: @offset seconds after the fixture's notBefore,
 * as openssl reads it.  the fixtures are openssl's, made on the real
 * clock; days left counted from the real clock tick at a second's edge */
static char *
fx_clock (const char *name, gint64 offset)
{
  g_autofree char *out = openssl ("x509 -in %s -noout -startdate -dateopt iso_8601", name);
  g_autofree char *when = openssl_field (out, "notBefore");
  g_autoptr(GDateTime) dt = NULL;

  g_assert_nonnull (when);
  g_strdelimit (when, " ", 'T');
  dt = g_date_time_new_from_iso8601 (when, NULL);
  g_assert_nonnull (dt);
  return g_strdup_printf ("%" G_GINT64_FORMAT, g_date_time_to_unix (dt) + offset);
}

static JsonNode *
inspect (const char *name)
{
  g_autoptr(GBytes) data = fx_read (name);
  g_autoptr(GError) error = NULL;
  JsonNode *node = mp_inspect_file (data, name, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

/* inspect() with the clock at @now (seconds since the epoch, as text) */
static JsonNode *
inspect_at (const char *name, const char *now)
{
  JsonNode *node;

  g_setenv ("MEETPKI_NOW", now, TRUE);
  node = inspect (name);
  g_unsetenv ("MEETPKI_NOW");
  return node;
}

static char *
to_json (JsonNode *node)
{
  return json_to_string (node, FALSE);
}

static JsonObject *
only_certificate (JsonNode *node)
{
  JsonObject *root = json_node_get_object (node);
  JsonArray *crts = json_object_get_array_member (root, "certificates");

  g_assert_cmpstr (json_object_get_string_member (root, "kind"), ==, "certificate");
  g_assert_cmpuint (json_array_get_length (crts), ==, 1);
  return json_array_get_object_element (crts, 0);
}

/* our SAN array as openssl's text: "DNS:a, IP Address:..., email:..." with
 * addresses compared as addresses (openssl does not compress IPv6) */
static void
assert_sans_equal (JsonObject *crt, const char *openssl_text)
{
  JsonArray *sans = json_object_get_array_member (crt, "sans");
  g_auto(GStrv) theirs = g_strsplit (openssl_text, ", ", -1);

  g_assert_cmpuint (json_array_get_length (sans), ==, g_strv_length (theirs));
  for (guint i = 0; theirs[i] != NULL; i++)
    {
      JsonObject *san = json_array_get_object_element (sans, i);
      const char *type = json_object_get_string_member (san, "type");
      const char *value = json_object_get_string_member (san, "value");

      if (g_str_has_prefix (theirs[i], "IP Address:"))
        {
          g_autoptr(GInetAddress) a = g_inet_address_new_from_string (theirs[i] + strlen ("IP Address:"));
          g_autoptr(GInetAddress) b = g_inet_address_new_from_string (value);
          g_assert_cmpstr (type, ==, "IP");
          g_assert_nonnull (a);
          g_assert_nonnull (b);
          g_assert_true (g_inet_address_equal (a, b));
        }
      else
        {
          g_autofree char *ours = g_strdup_printf ("%s:%s", type, value);
          g_assert_cmpstr (ours, ==, theirs[i]);
        }
    }
}

static char *
join_array (JsonObject *obj, const char *member)
{
  JsonArray *arr = json_object_get_array_member (obj, member);
  g_autoptr(GString) s = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (arr); i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "", json_array_get_string_element (arr, i));
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* openssl's long names for the usages, in our (rfc 5280) names */
static char *
openssl_usages_to_rfc (const char *text)
{
  static const char *map[][2] = {
    { "TLS Web Server Authentication", "serverAuth" },
    { "TLS Web Client Authentication", "clientAuth" },
    { "Code Signing", "codeSigning" },
    { "E-mail Protection", "emailProtection" },
    { "Digital Signature", "digitalSignature" },
    { "Non Repudiation", "nonRepudiation" },
    { "Key Encipherment", "keyEncipherment" },
    { "Data Encipherment", "dataEncipherment" },
    { "Key Agreement", "keyAgreement" },
    { "Certificate Sign", "keyCertSign" },
    { "CRL Sign", "cRLSign" },
  };
  g_auto(GStrv) parts = g_strsplit (text, ", ", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      for (guint k = 0; k < G_N_ELEMENTS (map); k++)
        {
          if (g_strcmp0 (parts[i], map[k][0]) == 0)
            {
              g_free (parts[i]);
              parts[i] = g_strdup (map[k][1]);
            }
        }
    }
  return g_strjoinv (", ", parts);
}

/* everything openssl says about a certificate equals what we say */
static void
assert_agrees_with_openssl (JsonObject *crt, const char *file)
{
  g_autofree char *out = openssl ("x509 -in %s -noout -fingerprint -sha256 -serial -subject -issuer "
                                  "-nameopt RFC2253 -enddate -startdate -dateopt iso_8601", file);
  g_autofree char *fpr = openssl_field (out, "sha256 Fingerprint");
  g_autofree char *serial = openssl_field (out, "serial");
  g_autofree char *subject = openssl_field (out, "subject");
  g_autofree char *issuer = openssl_field (out, "issuer");
  g_autofree char *not_after = openssl_field (out, "notAfter");
  g_autofree char *not_before = openssl_field (out, "notBefore");
  g_autofree char *san = openssl_ext (file, "subjectAltName");
  g_autofree char *eku = openssl_ext (file, "extendedKeyUsage");
  g_autofree char *ku = openssl_ext (file, "keyUsage");
  g_autofree char *bc = openssl_ext (file, "basicConstraints");
  g_autofree char *ski = openssl_ext (file, "subjectKeyIdentifier");
  g_autofree char *text = openssl ("x509 -in %s -noout -text", file);
  JsonObject *pk = json_object_get_object_member (crt, "public_key");
  g_autofree char *bits = g_strdup_printf ("Public-Key: (%" G_GINT64_FORMAT " bit)",
                                           json_object_get_int_member (pk, "bits"));
  g_autofree char *ours_na = g_strdup (json_object_get_string_member (crt, "not_after"));
  g_autofree char *ours_nb = g_strdup (json_object_get_string_member (crt, "not_before"));

  g_assert_cmpstr (json_object_get_string_member (crt, "fingerprint_sha256"), ==, fpr);
  g_assert_cmpstr (json_object_get_string_member (crt, "serial"), ==, serial);
  g_assert_cmpstr (json_object_get_string_member (crt, "subject"), ==, subject);
  g_assert_cmpstr (json_object_get_string_member (crt, "issuer"), ==, issuer);
  /* openssl's iso form has a blank where ours has the 'T' */
  ours_na[10] = ' ';
  ours_nb[10] = ' ';
  g_assert_cmpstr (ours_na, ==, not_after);
  g_assert_cmpstr (ours_nb, ==, not_before);
  g_assert_nonnull (strstr (text, bits));

  if (san != NULL)
    assert_sans_equal (crt, san);
  else
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (crt, "sans")), ==, 0);

  if (eku != NULL)
    {
      g_autofree char *want = openssl_usages_to_rfc (eku);
      g_autofree char *have = join_array (crt, "extended_key_usage");
      g_assert_cmpstr (have, ==, want);
    }
  else
    g_assert_true (json_object_get_null_member (crt, "extended_key_usage"));

  if (ku != NULL)
    {
      g_autofree char *want = openssl_usages_to_rfc (ku);
      g_autofree char *have = join_array (crt, "key_usage");
      g_assert_cmpstr (have, ==, want);
    }
  else
    g_assert_true (json_object_get_null_member (crt, "key_usage"));

  if (bc != NULL)
    {
      JsonObject *b = json_object_get_object_member (crt, "basic_constraints");
      gboolean ca = g_str_has_prefix (bc, "CA:TRUE");
      const char *pl = strstr (bc, "pathlen:");

      g_assert_nonnull (b);
      g_assert_cmpint (json_object_get_boolean_member (b, "ca"), ==, ca);
      if (pl != NULL)
        g_assert_cmpint (json_object_get_int_member (b, "path_len"), ==, atoi (pl + strlen ("pathlen:")));
      else
        g_assert_true (json_object_get_null_member (b, "path_len"));
    }
  else
    g_assert_true (json_object_get_null_member (crt, "basic_constraints"));

  if (ski != NULL)
    g_assert_cmpstr (json_object_get_string_member (crt, "subject_key_id"), ==, ski);
}

/* the sha-256 pin of the public key as openssl exports it */
static char *
openssl_pin (const char *key_file)
{
  g_autofree char *der_name = g_strconcat (key_file, ".pub.der", NULL);
  g_autofree char *out = openssl ("pkey -in %s -pubout -outform DER -out %s", key_file, der_name);
  g_autoptr(GBytes) der = fx_read (der_name);
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize len = sizeof digest;

  g_checksum_update (sum, g_bytes_get_data (der, NULL), g_bytes_get_size (der));
  g_checksum_get_digest (sum, digest, &len);
  return g_base64_encode (digest, len);
}

static void
test_rsa_certificate (void)
{
  g_autofree char *now = fx_clock ("rsa.crt", 3600);
  g_autoptr(JsonNode) node = NULL;
  JsonObject *crt;
  JsonObject *pk;

  /* an hour into its 365 days */
  node = inspect_at ("rsa.crt", now);
  crt = only_certificate (node);
  pk = json_object_get_object_member (crt, "public_key");

  assert_agrees_with_openssl (crt, "rsa.crt");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (crt, "sans")), ==, 6);
  {
    g_autofree char *eku = join_array (crt, "extended_key_usage");
    g_autofree char *ku = join_array (crt, "key_usage");
    g_assert_cmpstr (eku, ==, "serverAuth, clientAuth");
    g_assert_cmpstr (ku, ==, "digitalSignature, keyEncipherment");
  }
  /* the serial has its top bit set: der adds a sign byte we must not show */
  g_assert_cmpstr (json_object_get_string_member (crt, "serial"), ==, "F1E2D3C4B5A69788");
  g_assert_cmpstr (json_object_get_string_member (pk, "algorithm"), ==, "RSA");
  g_assert_cmpint (json_object_get_int_member (pk, "bits"), ==, 2048);
  g_assert_cmpstr (json_object_get_string_member (crt, "common_name"), ==, "cms1.example.com");
  g_assert_cmpstr (json_object_get_string_member (crt, "status"), ==, "valid");
  g_assert_cmpint (json_object_get_int_member (crt, "days_left"), ==, 364);
  g_assert_false (json_object_get_boolean_member (crt, "self_signed"));
  g_assert_true (json_object_get_boolean_member (crt, "key_usage_critical"));
  g_assert_nonnull (json_object_get_string_member (crt, "authority_key_id"));
  g_assert_cmpstr (json_object_get_string_member (crt, "signature_algorithm"), ==, "RSA-SHA256");
  {
    g_autofree char *text = openssl ("x509 -in rsa.crt -noout -text");
    g_assert_nonnull (strstr (text, "Signature Algorithm: sha256WithRSAEncryption"));
  }
  {
    /* the ca's subject key id is the leaf's authority key id */
    g_autofree char *ca_ski = openssl_ext ("ca.crt", "subjectKeyIdentifier");
    g_assert_cmpstr (json_object_get_string_member (crt, "authority_key_id"), ==, ca_ski);
  }
  {
    g_autofree char *pin = openssl_pin ("rsa.key");
    g_assert_cmpstr (json_object_get_string_member (pk, "pin_sha256"), ==, pin);
  }
}

static void
test_ca_certificate (void)
{
  g_autoptr(JsonNode) node = inspect ("ca.crt");
  JsonObject *crt = only_certificate (node);
  JsonObject *bc = json_object_get_object_member (crt, "basic_constraints");

  assert_agrees_with_openssl (crt, "ca.crt");
  g_assert_true (json_object_get_boolean_member (bc, "ca"));
  g_assert_true (json_object_get_boolean_member (bc, "critical"));
  g_assert_cmpint (json_object_get_int_member (bc, "path_len"), ==, 0);
  g_assert_true (json_object_get_boolean_member (crt, "self_signed"));
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (crt, "public_key"), "bits"), ==, 3072);
}

static void
test_ec_certificate (void)
{
  g_autoptr(JsonNode) node = inspect ("ec.crt");
  JsonObject *crt = only_certificate (node);
  JsonObject *pk = json_object_get_object_member (crt, "public_key");
  JsonObject *bc = json_object_get_object_member (crt, "basic_constraints");

  assert_agrees_with_openssl (crt, "ec.crt");
  g_assert_cmpstr (json_object_get_string_member (pk, "algorithm"), ==, "EC");
  g_assert_cmpint (json_object_get_int_member (pk, "bits"), ==, 384);
  g_assert_cmpstr (json_object_get_string_member (pk, "curve"), ==, "SECP384R1");
  g_assert_false (json_object_get_boolean_member (bc, "ca"));
  g_assert_cmpstr (json_object_get_string_member (crt, "signature_algorithm"), ==, "ECDSA-SHA256");
  {
    g_autofree char *text = openssl ("x509 -in ec.crt -noout -text");
    g_assert_nonnull (strstr (text, "Signature Algorithm: ecdsa-with-SHA256"));
  }
  {
    g_autofree char *pin = openssl_pin ("ec.key");
    g_assert_cmpstr (json_object_get_string_member (pk, "pin_sha256"), ==, pin);
  }
}

static void
test_ed25519_xmpp (void)
{
  /* the xmpp service wants its domain as an xmppAddr othername */
  g_autofree char *o = openssl ("req -x509 -newkey ed25519 -nodes -keyout ed.key -out ed.crt -days 30 "
                                "-subj /CN=xmpp.example.com "
                                "-addext subjectAltName=DNS:xmpp.example.com,"
                                "otherName:1.3.6.1.5.5.7.8.5;UTF8:example.com,RID:1.2.3.4");
  g_autofree char *text = openssl ("x509 -in ed.crt -noout -text");
  g_autoptr(JsonNode) node = inspect ("ed.crt");
  JsonObject *crt = only_certificate (node);
  JsonObject *pk = json_object_get_object_member (crt, "public_key");
  JsonArray *sans = json_object_get_array_member (crt, "sans");
  const char *want[][2] = { { "DNS", "xmpp.example.com" }, { "XMPP", "example.com" }, { "RID", "1.2.3.4" } };

  g_assert_nonnull (strstr (text, "ED25519 Public-Key"));
  g_assert_cmpstr (json_object_get_string_member (pk, "type"), ==, "Ed25519");
  g_assert_cmpuint (json_array_get_length (sans), ==, G_N_ELEMENTS (want));
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    {
      JsonObject *san = json_array_get_object_element (sans, i);
      g_assert_cmpstr (json_object_get_string_member (san, "type"), ==, want[i][0]);
      g_assert_cmpstr (json_object_get_string_member (san, "value"), ==, want[i][1]);
    }
  {
    g_autofree char *fpr_out = openssl ("x509 -in ed.crt -noout -fingerprint -sha256");
    g_autofree char *fpr = openssl_field (fpr_out, "sha256 Fingerprint");
    g_autofree char *pin = openssl_pin ("ed.key");
    g_assert_cmpstr (json_object_get_string_member (crt, "fingerprint_sha256"), ==, fpr);
    g_assert_cmpstr (json_object_get_string_member (pk, "pin_sha256"), ==, pin);
  }
}

static void
test_expired (void)
{
  /* ec.crt lives one day; ten days and an hour on it has been expired for
   * nine whole days, and days_left (rounded towards the past) is -10 */
  g_autofree char *now = fx_clock ("ec.crt", 10 * 86400 + 3600);
  g_autofree char *fresh_now = fx_clock ("ec.crt", 3600);
  g_autoptr(JsonNode) node = NULL;
  JsonObject *crt;

  node = inspect_at ("ec.crt", now);
  crt = only_certificate (node);
  g_assert_cmpstr (json_object_get_string_member (crt, "status"), ==, "expired");
  g_assert_cmpint (json_object_get_int_member (crt, "days_left"), ==, -10);
  g_assert_cmpint (json_object_get_int_member (crt, "expired_days_ago"), ==, 9);

  /* the text says so */
  {
    g_autofree char *cli_out = NULL;
    g_autofree char *cmd = g_strdup_printf ("%s pki inspect ./ec.crt", g_getenv ("MEETPKI_CLI"));
    g_autofree char *home = fx_path ("home-expired");
    g_auto(GStrv) envp = g_get_environ ();

    envp = g_environ_setenv (envp, "MEETPKI_HOME", home, TRUE);
    envp = g_environ_setenv (envp, "MEETPKI_NOW", now, TRUE);
    g_assert_cmpint (run (fx_dir, envp, cmd, &cli_out, NULL), ==, 0);
    g_assert_nonnull (strstr (cli_out, "EXPIRED 9 days ago"));
  }
  /* and an hour after it was made, it had days left: not a whole one */
  {
    g_autoptr(JsonNode) fresh = NULL;
    JsonObject *c;

    fresh = inspect_at ("ec.crt", fresh_now);
    c = only_certificate (fresh);
    g_assert_cmpstr (json_object_get_string_member (c, "status"), ==, "valid");
    g_assert_cmpint (json_object_get_int_member (c, "days_left"), ==, 0);
    g_assert_true (json_object_get_null_member (c, "expired_days_ago"));
  }
}

/* dates at the edges of the calendar, as certtool writes them: a leap
 * day, UTCTime's last second (2049), GeneralizedTime from 2050 on, a
 * century that is not a leap year (2100-03-01 follows 2100-02-28), a
 * leap day past it and the last second ASN.1 allows; openssl reads each
 * notBefore/notAfter and our description must say the same instant */
static void
test_calendar_edges (void)
{
  static const char * const pairs[][2] = {
    { "2000-02-29 12:34:56", "2049-12-31 23:59:59" },
    { "2050-01-01 00:00:00", "2100-03-01 00:00:00" },
    { "2096-02-29 23:59:59", "9999-12-31 23:59:59" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (pairs); i++)
    {
      g_autofree char *tmpl = g_strdup_printf ("dates%u.tmpl", i);
      g_autofree char *crt = g_strdup_printf ("dates%u.crt", i);
      g_autofree char *tmpl_path = fx_path (tmpl);
      g_autofree char *body = g_strdup_printf ("cn = \"dates.example.com\"\nserial = %u\n"
                                               "activation_date = \"%s\"\nexpiration_date = \"%s\"\n",
                                               i + 1, pairs[i][0], pairs[i][1]);
      g_autofree char *cmd = g_strdup_printf ("certtool --generate-self-signed --load-privkey ec.key "
                                              "--template %s --outfile %s", tmpl, crt);
      g_autofree char *err = NULL;
      g_autoptr(JsonNode) node = NULL;
      JsonObject *c;
      g_autofree char *nb = NULL, *na = NULL;

      g_assert_true (g_file_set_contents (tmpl_path, body, -1, NULL));
      g_assert_cmpint (run (fx_dir, NULL, cmd, NULL, &err), ==, 0);
      node = inspect (crt);
      c = only_certificate (node);
      /* the dates certtool was asked for, in our form */
      nb = g_strdup_printf ("%.10sT%sZ", pairs[i][0], pairs[i][0] + 11);
      na = g_strdup_printf ("%.10sT%sZ", pairs[i][1], pairs[i][1] + 11);
      g_assert_cmpstr (json_object_get_string_member (c, "not_before"), ==, nb);
      g_assert_cmpstr (json_object_get_string_member (c, "not_after"), ==, na);
      /* and what openssl reads from the file */
      assert_agrees_with_openssl (c, crt);
    }
}

/* certificates that openssl ca dates before 1970 and at the edges of
 * utcTime's century rule (rfc 5280: YY 50-99 is 19YY, 00-49 is 20YY),
 * made by make_old_certs(): the date openssl was asked for, how the der
 * encodes it, and what we print.  gnutls clamps dates before 1970, and
 * -1 (1969-12-31T23:59:59Z) is its error value */
static const struct {
  const char *start, *end;    /* openssl ca -startdate/-enddate */
  const char *not_before, *not_after;
} old_certs[] = {
  { "500101000000Z", "20301231235959Z", "1950-01-01T00:00:00Z", "2030-12-31T23:59:59Z" },
  { "691231235959Z", "991231235959Z", "1969-12-31T23:59:59Z", "1999-12-31T23:59:59Z" },
  { "991231000000Z", "20991231000000Z", "1999-12-31T00:00:00Z", "2099-12-31T00:00:00Z" },
  { "19000101000000Z", "19491231235959Z", "1900-01-01T00:00:00Z", "1949-12-31T23:59:59Z" },
  { "16010101000000Z", "99991231235959Z", "1601-01-01T00:00:00Z", "9999-12-31T23:59:59Z" },
  { "00000101000000Z", "00001231235959Z", "0000-01-01T00:00:00Z", "0000-12-31T23:59:59Z" },
};

static void
make_old_certs (void)
{
  g_autofree char *cnf = fx_path ("old-ca.cnf");
  g_autofree char *index = fx_path ("old-index.txt");
  g_autofree char *serial = fx_path ("old-serial");

  g_assert_true (g_file_set_contents (cnf, "[ca]\ndefault_ca = c\n[c]\ndatabase = old-index.txt\n"
                                           "new_certs_dir = .\nserial = old-serial\ndefault_md = sha256\n"
                                           "policy = p\nunique_subject = no\n[p]\ncommonName = supplied\n",
                                      -1, NULL));
  g_assert_true (g_file_set_contents (index, "", -1, NULL));
  g_assert_true (g_file_set_contents (serial, "50\n", -1, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (old_certs); i++)
    {
      g_autofree char *o = openssl ("ca -batch -config old-ca.cnf -cert ca.crt -keyfile ca.key -in rsa.csr "
                                    "-notext -startdate %s -enddate %s -out old%u.crt",
                                    old_certs[i].start, old_certs[i].end, i);
    }
}

/* openssl's notBefore or notAfter of @file in our form: its iso form pads
 * the year with blanks ("   0-01-01 00:00:00Z") and has a blank for 'T' */
static char *
openssl_date (const char *file, const char *field)
{
  g_autofree char *out = openssl ("x509 -in %s -noout -startdate -enddate -dateopt iso_8601", file);
  char *when = openssl_field (out, field);

  g_assert_cmpuint (strlen (when), ==, 20);
  for (guint i = 0; i < 4; i++)
    if (when[i] == ' ')
      when[i] = '0';
  when[10] = 'T';
  return when;
}

static void
test_before_1970 (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (old_certs); i++)
    {
      g_autofree char *crt = g_strdup_printf ("old%u.crt", i);
      g_autofree char *nb = openssl_date (crt, "notBefore");
      g_autofree char *na = openssl_date (crt, "notAfter");
      g_autoptr(JsonNode) node = inspect (crt);
      JsonObject *c = only_certificate (node);

      g_test_message ("%s: %s to %s", crt, old_certs[i].start, old_certs[i].end);
      /* openssl reads what it was asked to write ... */
      g_assert_cmpstr (nb, ==, old_certs[i].not_before);
      g_assert_cmpstr (na, ==, old_certs[i].not_after);
      /* ... and so do we */
      g_assert_cmpstr (json_object_get_string_member (c, "not_before"), ==, nb);
      g_assert_cmpstr (json_object_get_string_member (c, "not_after"), ==, na);
    }
  /* the counts come from the same dates, not gnutls' clamped ones: at the
   * epoch a 1950-2030 certificate is valid with 22279 days (1970-01-01 to
   * 2030-12-31, as GDateTime counts them) left */
  {
    g_autoptr(GDateTime) epoch = g_date_time_new_utc (1970, 1, 1, 0, 0, 0);
    g_autoptr(GDateTime) end = g_date_time_new_utc (2030, 12, 31, 23, 59, 59);
    g_autoptr(JsonNode) node = inspect_at ("old0.crt", "0");
    JsonObject *c = only_certificate (node);

    g_assert_cmpstr (json_object_get_string_member (c, "status"), ==, "valid");
    g_assert_cmpint (json_object_get_int_member (c, "days_left"), ==,
                     g_date_time_difference (end, epoch) / G_TIME_SPAN_DAY);
  }
  /* one second before 1969-12-31T23:59:59Z it is not valid yet; at it, it is */
  {
    g_autoptr(JsonNode) early = inspect_at ("old1.crt", "-2");
    g_autoptr(JsonNode) on_time = inspect_at ("old1.crt", "-1");

    g_assert_cmpstr (json_object_get_string_member (only_certificate (early), "status"), ==, "not yet valid");
    g_assert_cmpstr (json_object_get_string_member (only_certificate (on_time), "status"), ==, "valid");
  }
  /* expired 1949-12-31T23:59:59Z: at the epoch, 7305 whole days ago (20
   * years, five of them leap) and one second */
  {
    g_autoptr(JsonNode) node = inspect_at ("old3.crt", "0");
    JsonObject *c = only_certificate (node);

    g_assert_cmpstr (json_object_get_string_member (c, "status"), ==, "expired");
    g_assert_cmpint (json_object_get_int_member (c, "expired_days_ago"), ==, 7305);
    g_assert_cmpint (json_object_get_int_member (c, "days_left"), ==, -7306);
  }
}

static void
test_der (void)
{
  g_autoptr(JsonNode) pem = inspect ("rsa.crt");
  g_autoptr(JsonNode) der = NULL;
  g_autofree char *out = openssl ("x509 -in rsa.crt -outform DER -out rsa.der");
  JsonObject *c;

  der = inspect ("rsa.der");
  c = only_certificate (der);
  assert_agrees_with_openssl (c, "rsa.crt");
  g_assert_cmpstr (json_object_get_string_member (c, "fingerprint_sha256"), ==,
                   json_object_get_string_member (only_certificate (pem), "fingerprint_sha256"));
}

static void
test_several_certificates (void)
{
  /* chain.pem is rsa.crt then ca.crt, made by make_fixtures() */
  g_autoptr(JsonNode) node = inspect ("chain.pem");
  JsonObject *root;
  JsonArray *crts;

  root = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (root, "kind"), ==, "certificates");
  crts = json_object_get_array_member (root, "certificates");
  g_assert_cmpuint (json_array_get_length (crts), ==, 2);
  assert_agrees_with_openssl (json_array_get_object_element (crts, 0), "rsa.crt");
  assert_agrees_with_openssl (json_array_get_object_element (crts, 1), "ca.crt");
}

static void
test_csr (void)
{
  g_autoptr(JsonNode) node = inspect ("rsa.csr");
  JsonObject *root = json_node_get_object (node);
  JsonObject *csr = json_object_get_object_member (root, "csr");
  g_autofree char *text = openssl ("req -in rsa.csr -noout -text");
  g_autofree char *verify = NULL;
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  const char *san = NULL;

  g_assert_cmpstr (json_object_get_string_member (root, "kind"), ==, "csr");
  g_assert_cmpstr (json_object_get_string_member (csr, "subject"), ==, "CN=cms1.example.com");
  g_assert_cmpstr (json_object_get_string_member (csr, "common_name"), ==, "cms1.example.com");
  g_assert_true (json_object_get_boolean_member (csr, "signature_valid"));
  run (fx_dir, NULL, "openssl req -in rsa.csr -noout -verify", NULL, &verify);
  g_assert_nonnull (strstr (verify, "verify OK"));
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (csr, "public_key"), "bits"), ==, 2048);
  for (guint i = 0; lines[i] != NULL && lines[i + 1] != NULL; i++)
    {
      if (strstr (lines[i], "Subject Alternative Name") != NULL)
        san = g_strstrip (lines[i + 1]);
    }
  g_assert_nonnull (san);
  assert_sans_equal (csr, san);
  {
    g_autofree char *eku = join_array (csr, "extended_key_usage");
    g_assert_cmpstr (eku, ==, "serverAuth, clientAuth");
  }
  {
    g_autofree char *pin = openssl_pin ("rsa.key");
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (csr, "public_key"), "pin_sha256"),
                     ==, pin);
  }
}

static void
test_csr_bad_signature (void)
{
  g_autofree char *out = openssl ("req -in rsa.csr -outform DER -out bad.csr.der");
  g_autofree char *path = fx_path ("bad.csr.der");
  g_autofree char *data = NULL;
  g_autofree char *err = NULL;
  g_autoptr(JsonNode) node = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  /* the signature is the last thing in the request */
  data[len - 1] ^= 0x01;
  g_assert_true (g_file_set_contents (path, data, (gssize) len, NULL));
  node = inspect ("bad.csr.der");
  g_assert_false (json_object_get_boolean_member (json_object_get_object_member (json_node_get_object (node), "csr"),
                                                  "signature_valid"));
  /* openssl agrees it does not verify (openssl 3.0 says so but exits 0) */
  run (fx_dir, NULL, "openssl req -inform DER -in bad.csr.der -noout -verify", NULL, &err);
  g_assert_nonnull (strstr (err, "verify failure"));
}

/* nothing of the private key may show: no pem, no numbers openssl prints */
static void
assert_no_key_material (const char *output, const char *key_file)
{
  g_autoptr(GBytes) key = fx_read (key_file);
  g_autofree char *pem = g_strndup (g_bytes_get_data (key, NULL), g_bytes_get_size (key));
  g_auto(GStrv) lines = g_strsplit (pem, "\n", -1);
  g_autofree char *lower = g_ascii_strdown (output, -1);

  g_assert_null (strstr (output, "PRIVATE KEY"));
  g_assert_null (strstr (lower, "modulus"));
  g_assert_null (strstr (lower, "exponent"));
  g_assert_null (strstr (lower, "prime"));
  /* no line of the key's base64 body */
  for (guint i = 1; lines[i] != NULL; i++)
    {
      if (strlen (lines[i]) >= 16 && !g_str_has_prefix (lines[i], "-----"))
        g_assert_null (strstr (output, lines[i]));
    }
}

static void
test_key (void)
{
  const char *keys[] = { "rsa.key", "ec.key" };

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autoptr(JsonNode) node = inspect (keys[i]);
      g_autofree char *json = to_json (node);
      JsonObject *k = json_object_get_object_member (json_node_get_object (node), "key");
      JsonObject *pk = json_object_get_object_member (k, "public_key");
      g_autofree char *pin = openssl_pin (keys[i]);
      g_autofree char *pub_text = openssl ("pkey -in %s -noout -text_pub", keys[i]);
      g_autofree char *bits = g_strdup_printf ("(%" G_GINT64_FORMAT " bit)", json_object_get_int_member (pk, "bits"));

      g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "kind"), ==, "key");
      g_assert_cmpstr (json_object_get_string_member (pk, "pin_sha256"), ==, pin);
      g_assert_nonnull (strstr (pub_text, bits));
      assert_no_key_material (json, keys[i]);

      /* nor in the cli's text or json */
      for (guint j = 0; j < 2; j++)
        {
          g_autofree char *cli_out = NULL;
          g_autofree char *cli_err = NULL;
          g_autofree char *home = fx_path ("home-key");
          g_autofree char *cmd = g_strdup_printf ("%s pki inspect %s./%s", g_getenv ("MEETPKI_CLI"),
                                                  j == 0 ? "" : "--json ", keys[i]);
          g_auto(GStrv) envp = g_environ_setenv (g_get_environ (), "MEETPKI_HOME", home, TRUE);

          g_assert_cmpint (run (fx_dir, envp, cmd, &cli_out, &cli_err), ==, 0);
          assert_no_key_material (cli_out, keys[i]);
          assert_no_key_material (cli_err, keys[i]);
          g_assert_nonnull (strstr (cli_out, pin));
        }
    }
}

static void
test_garbage (void)
{
  g_autoptr(GBytes) junk = g_bytes_new_static ("hello, world\n", 13);
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = mp_inspect_file (junk, "junk.txt", &error);

  g_assert_null (node);
  g_assert_error (error, MP_ERROR, MP_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "junk.txt"));
  g_clear_error (&error);
  node = mp_inspect_file (empty, "empty.crt", &error);
  g_assert_null (node);
  g_assert_error (error, MP_ERROR, MP_ERROR_INVALID_DATA);
}

/* does openssl see the same public key in both files? */
static gboolean
openssl_says_match (const char *key, const char *crt)
{
  g_autofree char *a = openssl ("x509 -in %s -noout -pubkey", crt);
  g_autofree char *b = openssl ("pkey -in %s -pubout", key);

  return g_strcmp0 (a, b) == 0;
}

static void
test_match_engine (void)
{
  const struct {
    const char *key, *crt;
  } pairs[] = {
    { "rsa.key", "rsa.crt" },
    { "ec.key", "ec.crt" },
    { "ca.key", "ca.crt" },
    { "ca.key", "rsa.crt" },  /* same algorithm, other key */
    { "ec.key", "rsa.crt" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (pairs); i++)
    {
      g_autoptr(GBytes) key = fx_read (pairs[i].key);
      g_autoptr(GBytes) crt = fx_read (pairs[i].crt);
      g_autoptr(GError) error = NULL;
      gboolean want = openssl_says_match (pairs[i].key, pairs[i].crt);
      gboolean have = mp_inspect_match (key, pairs[i].key, crt, pairs[i].crt, &error);

      g_assert_cmpint (have, ==, want);
      if (!want)
        g_assert_error (error, MP_ERROR, MP_ERROR_MISMATCH);
      else
        g_assert_no_error (error);
    }
}

static void
test_match_wrong_kinds (void)
{
  g_autoptr(GBytes) key = fx_read ("rsa.key");
  g_autoptr(GBytes) crt = fx_read ("rsa.crt");
  g_autoptr(GBytes) csr = fx_read ("rsa.csr");
  g_autoptr(GError) error = NULL;

  g_assert_false (mp_inspect_match (crt, "rsa.crt", key, "rsa.key", &error));
  g_assert_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, "wrong way round"));
  g_clear_error (&error);
  g_assert_false (mp_inspect_match (csr, "rsa.csr", crt, "rsa.crt", &error));
  g_assert_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, "rsa.csr is a certificate request (CSR), not a private key"));
  g_clear_error (&error);
  g_assert_false (mp_inspect_match (key, "rsa.key", csr, "rsa.csr", &error));
  g_assert_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, "not a certificate"));
}

/* a temp store for cli runs, removed by the caller */
typedef struct {
  char *home;
  char **envp;
} CliStore;

static void
cli_store_init (CliStore *s)
{
  g_autoptr(GError) error = NULL;

  s->home = g_dir_make_tmp ("meetpki-inspect-store-XXXXXX", &error);
  g_assert_no_error (error);
  s->envp = g_environ_setenv (g_get_environ (), "MEETPKI_HOME", s->home, TRUE);
}

static void
cli_store_clear (CliStore *s)
{
  rm_rf (s->home);
  g_free (s->home);
  g_strfreev (s->envp);
}

static int
cli (CliStore *s, const char *args, char **out, char **err)
{
  g_autofree char *cmd = g_strdup_printf ("%s %s", g_getenv ("MEETPKI_CLI"), args);
  return run (fx_dir, s->envp, cmd, out, err);
}

static void
copy_into (CliStore *s, const char *from, const char *to)
{
  g_autoptr(GBytes) data = fx_read (from);
  g_autofree char *path = g_build_filename (s->home, to, NULL);

  g_assert_true (g_file_set_contents (path, g_bytes_get_data (data, NULL), (gssize) g_bytes_get_size (data), NULL));
}

static void
test_cli_match (void)
{
  CliStore s;

  cli_store_init (&s);
  copy_into (&s, "rsa.key", "dbserver.key");
  copy_into (&s, "rsa.crt", "dbserver.crt");
  {
    g_autofree char *out = NULL;
    /* store names and outside paths both work for read-only commands */
    g_assert_cmpint (cli (&s, "pki match dbserver.key ./rsa.crt", &out, NULL), ==, 0);
    g_assert_cmpstr (out, ==, "SUCCESS: Key and certificate pair match\n");
  }
  {
    g_autofree char *out = NULL;
    g_assert_true (openssl_says_match ("rsa.key", "rsa.crt"));
    g_assert_cmpint (cli (&s, "pki match dbserver.key dbserver.crt", &out, NULL), ==, 0);
    g_assert_cmpstr (out, ==, "SUCCESS: Key and certificate pair match\n");
  }
  {
    g_autofree char *out = NULL;
    g_assert_false (openssl_says_match ("ca.key", "rsa.crt"));
    g_assert_cmpint (cli (&s, "pki match ./ca.key dbserver.crt", &out, NULL), ==, 1);
    g_assert_true (g_str_has_prefix (out, "FAILURE: "));
  }
  {
    g_autofree char *err = NULL;
    g_assert_cmpint (cli (&s, "pki match dbserver.crt dbserver.key", NULL, &err), ==, 2);
    g_assert_nonnull (strstr (err, "wrong way round"));
  }
  {
    g_autofree char *err = NULL;
    g_assert_cmpint (cli (&s, "pki match dbserver.key dbserver.crtt", NULL, &err), ==, 3);
    g_assert_nonnull (strstr (err, "did you mean dbserver.crt"));
  }
  {
    g_autofree char *out = NULL;
    g_assert_cmpint (cli (&s, "pki match --json dbserver.key dbserver.crt", &out, NULL), ==, 0);
    g_assert_nonnull (strstr (out, "\"match\" : true"));
  }
  {
    g_autofree char *err = NULL;
    g_assert_cmpint (cli (&s, "pki match --system-trust dbserver.key dbserver.crt", NULL, &err), ==, 2);
    g_assert_nonnull (strstr (err, "does not apply"));
  }
  cli_store_clear (&s);
}

static void
test_cli_inspect (void)
{
  CliStore s;

  cli_store_init (&s);
  copy_into (&s, "rsa.crt", "dbserver.crt");
  {
    g_autofree char *out = NULL;
    g_autofree char *fpr_line = openssl ("x509 -in rsa.crt -noout -fingerprint -sha256");
    g_autofree char *fpr = openssl_field (fpr_line, "sha256 Fingerprint");

    g_assert_cmpint (cli (&s, "pki inspect dbserver.crt", &out, NULL), ==, 0);
    g_assert_nonnull (strstr (out, "Subject:             CN=cms1.example.com\n"));
    g_assert_nonnull (strstr (out, fpr));
    g_assert_nonnull (strstr (out, " days left\n"));
    g_assert_nonnull (strstr (out, "DNS:join.example.com"));
    g_assert_nonnull (strstr (out, "serverAuth, clientAuth"));
  }
  {
    /* --json is the engine's object, parseable and identical */
    g_autofree char *out = NULL;
    g_autoptr(JsonParser) parser = json_parser_new ();
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) engine = inspect ("rsa.crt");
    JsonObject *root;

    g_assert_cmpint (cli (&s, "pki inspect --json dbserver.crt", &out, NULL), ==, 0);
    json_parser_load_from_data (parser, out, -1, &error);
    g_assert_no_error (error);
    root = json_node_get_object (json_parser_get_root (parser));
    g_assert_cmpstr (json_object_get_string_member (root, "file"), ==, "dbserver.crt");
    json_object_set_string_member (json_node_get_object (engine), "file", "dbserver.crt");
    g_assert_true (json_node_equal (json_parser_get_root (parser), engine));
  }
  {
    g_autofree char *out = NULL;
    g_assert_cmpint (cli (&s, "pki inspect ./chain.pem", &out, NULL), ==, 0);
    g_assert_nonnull (strstr (out, "Certificate 2 of 2:"));
  }
  {
    g_autofree char *err = NULL;
    g_assert_cmpint (cli (&s, "pki inspect nosuch.crt", NULL, &err), ==, 3);
    g_assert_true (g_str_has_prefix (err, "meetpki: "));
  }
  {
    g_autofree char *err = NULL;
    g_autofree char *junk = g_build_filename (s.home, "junk.crt", NULL);
    g_assert_true (g_file_set_contents (junk, "not a certificate\n", -1, NULL));
    g_assert_cmpint (cli (&s, "pki inspect junk.crt", NULL, &err), ==, 6);
    g_assert_nonnull (strstr (err, "junk.crt: not a certificate, CSR or private key"));
  }
  {
    g_autofree char *err = NULL;
    g_assert_cmpint (cli (&s, "pki inspect", NULL, &err), ==, 2);
  }
  cli_store_clear (&s);
}

static JsonObject *
find_row (JsonArray *files, const char *name)
{
  for (guint i = 0; i < json_array_get_length (files); i++)
    {
      JsonObject *row = json_array_get_object_element (files, i);
      if (g_strcmp0 (json_object_get_string_member (row, "name"), name) == 0)
        return row;
    }
  g_error ("%s not listed", name);
  return NULL;
}

static void
test_cli_list (void)
{
  CliStore s;
  /* ten days and an hour into rsa.crt's 365; ec.crt, made just after it,
   * has been expired for nine whole days then */
  g_autofree char *now = fx_clock ("rsa.crt", 10 * 86400 + 3600);

  cli_store_init (&s);
  {
    g_autofree char *out = NULL;
    g_assert_cmpint (cli (&s, "pki list", &out, NULL), ==, 0);
    g_assert_nonnull (strstr (out, "is empty"));
  }
  copy_into (&s, "rsa.key", "dbserver.key");
  copy_into (&s, "rsa.csr", "dbserver.csr");
  copy_into (&s, "rsa.crt", "dbserver.crt");
  copy_into (&s, "ec.crt", "old.crt");
  copy_into (&s, "chain.pem", "dbserver-bundle.crt");
  {
    g_autofree char *junk = g_build_filename (s.home, "notes.txt", NULL);
    g_autofree char *unreadable = g_build_filename (s.home, "secret.key", NULL);
    g_autofree char *facts = g_build_filename (s.home, "node.conf", NULL);
    g_autofree char *services = g_build_filename (s.home, "services.conf", NULL);
    g_assert_true (g_file_set_contents (junk, "garbage\n", -1, NULL));
    g_assert_true (g_file_set_contents (unreadable, "x", -1, NULL));
    g_chmod (unreadable, 0);
    /* meetpki's own state (node set, <service> certs) is not listed: an
     * "unknown" line for it invites its removal */
    g_assert_true (g_file_set_contents (facts, "[node]\nserver-fqdn=cms1.example.com\n", -1, NULL));
    g_assert_true (g_file_set_contents (services, "[webadmin]\nstate=enabled\n", -1, NULL));
  }
  s.envp = g_environ_setenv (s.envp, "MEETPKI_NOW", now, TRUE);
  {
    g_autofree char *out = NULL;
    g_autoptr(JsonParser) parser = json_parser_new ();
    g_autoptr(GError) error = NULL;
    JsonArray *files;
    JsonObject *row;

    g_assert_cmpint (cli (&s, "pki list --json", &out, NULL), ==, 0);
    json_parser_load_from_data (parser, out, -1, &error);
    g_assert_no_error (error);
    files = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "files");
    g_assert_cmpuint (json_array_get_length (files), ==, 7);
    for (guint i = 0; i < json_array_get_length (files); i++)
      {
        const char *name = json_object_get_string_member (json_array_get_object_element (files, i), "name");
        g_assert_cmpstr (name, !=, "node.conf");
        g_assert_cmpstr (name, !=, "services.conf");
      }

    row = find_row (files, "dbserver.key");
    g_assert_cmpstr (json_object_get_string_member (row, "kind"), ==, "key");
    g_assert_cmpstr (json_object_get_string_member (row, "key_type"), ==, "RSA 2048");
    g_assert_true (json_object_get_null_member (row, "days_left"));
    row = find_row (files, "dbserver.csr");
    g_assert_cmpstr (json_object_get_string_member (row, "kind"), ==, "csr");
    g_assert_cmpstr (json_object_get_string_member (row, "common_name"), ==, "cms1.example.com");
    row = find_row (files, "dbserver.crt");
    g_assert_cmpstr (json_object_get_string_member (row, "kind"), ==, "certificate");
    g_assert_cmpstr (json_object_get_string_member (row, "common_name"), ==, "cms1.example.com");
    g_assert_cmpint (json_object_get_int_member (row, "days_left"), ==, 354);
    row = find_row (files, "old.crt");
    g_assert_cmpint (json_object_get_int_member (row, "days_left"), <, 0);
    g_assert_cmpint (json_object_get_int_member (row, "expired_days_ago"), ==, 9);
    row = find_row (files, "dbserver-bundle.crt");
    g_assert_cmpstr (json_object_get_string_member (row, "kind"), ==, "certificates");
    g_assert_cmpint (json_object_get_int_member (row, "count"), ==, 2);
    row = find_row (files, "notes.txt");
    g_assert_cmpstr (json_object_get_string_member (row, "kind"), ==, "unknown");
    g_assert_nonnull (json_object_get_string_member (row, "error"));
    /* unreadable (or, as root, not a key): listed as unknown either way */
    row = find_row (files, "secret.key");
    g_assert_cmpstr (json_object_get_string_member (row, "kind"), ==, "unknown");
  }
  {
    g_autofree char *out = NULL;
    g_auto(GStrv) lines = NULL;

    g_assert_cmpint (cli (&s, "pki list", &out, NULL), ==, 0);
    lines = g_strsplit (out, "\n", -1);
    g_assert_cmpuint (g_strv_length (lines), ==, 8); /* seven and the final empty */
    g_assert_true (g_str_has_prefix (lines[0], "dbserver-bundle.crt  certificates  cms1.example.com"));
    g_assert_nonnull (strstr (out, "EXPIRED 9 days ago"));
    g_assert_true (g_regex_match_simple ("^notes\\.txt +unknown +- +-$", out, G_REGEX_MULTILINE, 0));
    g_assert_true (g_regex_match_simple ("^dbserver\\.key +key +- +-$", out, G_REGEX_MULTILINE, 0));
    g_assert_true (g_regex_match_simple ("^dbserver\\.crt +certificate +cms1\\.example\\.com +354 days left$",
                                         out, G_REGEX_MULTILINE, 0));
  }
  {
    g_autofree char *err = NULL;
    g_assert_cmpint (cli (&s, "pki list extra", NULL, &err), ==, 2);
  }
  cli_store_clear (&s);
}

/* the quick meetpki and the full cli print the same dates before 1970, in
 * inspect's text and --json, list's days left and verify's lines */
static void
test_cli_before_1970 (void)
{
  CliStore s;
  const char *clis[] = { g_getenv ("MEETPKI_CLI"), g_getenv ("MEETPKI_CLI_FULL") };
  char *text[2] = { NULL, NULL };

  cli_store_init (&s);
  copy_into (&s, "old0.crt", "old.crt");
  copy_into (&s, "old3.crt", "older.crt");
  s.envp = g_environ_setenv (s.envp, "MEETPKI_NOW", "0", TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (clis); i++)
    {
      g_autofree char *cmd = g_strdup_printf ("%s pki inspect old.crt", clis[i]);
      g_autofree char *json_cmd = g_strdup_printf ("%s pki inspect --json old.crt", clis[i]);
      g_autofree char *out = NULL;
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;
      JsonObject *c;

      g_assert_cmpint (run (fx_dir, s.envp, cmd, &text[i], NULL), ==, 0);
      g_assert_nonnull (strstr (text[i], "Not before:          1950-01-01T00:00:00Z\n"));
      g_assert_nonnull (strstr (text[i], "Not after:           2030-12-31T23:59:59Z\n"));
      g_assert_nonnull (strstr (text[i], "22279 days left\n"));
      g_assert_cmpint (run (fx_dir, s.envp, json_cmd, &out, NULL), ==, 0);
      json_parser_load_from_data (parser, out, -1, &error);
      g_assert_no_error (error);
      c = json_array_get_object_element (
        json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "certificates"), 0);
      g_assert_cmpstr (json_object_get_string_member (c, "not_before"), ==, "1950-01-01T00:00:00Z");
      g_assert_cmpint (json_object_get_int_member (c, "days_left"), ==, 22279);
    }
  g_assert_cmpstr (text[0], ==, text[1]);
  g_free (text[0]);
  g_free (text[1]);
  {
    g_autofree char *out = NULL;
    g_assert_cmpint (cli (&s, "pki list", &out, NULL), ==, 0);
    g_assert_true (g_regex_match_simple ("^old\\.crt +certificate +cms1\\.example\\.com +22279 days left$",
                                         out, G_REGEX_MULTILINE, 0));
    g_assert_true (g_regex_match_simple ("^older\\.crt +certificate +cms1\\.example\\.com +EXPIRED 7305 days ago$",
                                         out, G_REGEX_MULTILINE, 0));
  }
  /* verify's chain and its verdict; ca.crt is not valid at the epoch */
  s.envp = g_environ_unsetenv (s.envp, "MEETPKI_NOW");
  {
    g_autofree char *out = NULL;
    g_assert_cmpint (cli (&s, "pki verify old.crt ./ca.crt", &out, NULL), ==, 0);
    g_assert_nonnull (strstr (out, "valid 1950-01-01 00:00:00 UTC to 2030-12-31 23:59:59 UTC\n"));
  }
  {
    g_autofree char *out = NULL;
    g_assert_cmpint (cli (&s, "pki verify older.crt ./ca.crt", &out, NULL), ==, 1);
    g_assert_nonnull (strstr (out, "valid 1900-01-01 00:00:00 UTC to 1949-12-31 23:59:59 UTC\n"));
    g_assert_nonnull (strstr (out, "expired on 1949-12-31 23:59:59 UTC"));
  }
  cli_store_clear (&s);
}

static void
make_fixtures (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *o1 = NULL, *o2 = NULL, *o3 = NULL, *o4 = NULL;

  fx_dir = g_dir_make_tmp ("meetpki-inspect-XXXXXX", &error);
  g_assert_no_error (error);
  o1 = openssl ("req -x509 -newkey rsa:3072 -nodes -keyout ca.key -out ca.crt -days 3650 "
                "-subj \"/C=KR/O=Example Inc/CN=Test Root CA\" "
                "-addext basicConstraints=critical,CA:TRUE,pathlen:0 "
                "-addext keyUsage=critical,keyCertSign,cRLSign");
  o2 = openssl ("req -new -newkey rsa:2048 -nodes -keyout rsa.key -out rsa.csr -subj /CN=cms1.example.com "
                "-addext subjectAltName=DNS:cms1.example.com,DNS:join.example.com,IP:10.0.0.1,"
                "IP:2001:db8::1,email:admin@example.com,URI:https://join.example.com/x "
                "-addext extendedKeyUsage=serverAuth,clientAuth "
                "-addext keyUsage=critical,digitalSignature,keyEncipherment");
  o3 = openssl ("x509 -req -in rsa.csr -CA ca.crt -CAkey ca.key -set_serial 0xF1E2D3C4B5A69788 "
                "-days 365 -copy_extensions copy -out rsa.crt");
  o4 = openssl ("req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout ec.key -out ec.crt "
                "-days 1 -subj \"/CN=ec.example.com/O=Example\" -addext subjectAltName=DNS:ec.example.com "
                "-addext extendedKeyUsage=clientAuth -addext basicConstraints=CA:FALSE");
  /* a file of two certificates: the leaf, then its ca */
  {
    g_autoptr(GBytes) leaf = fx_read ("rsa.crt");
    g_autoptr(GBytes) ca = fx_read ("ca.crt");
    g_autofree char *path = fx_path ("chain.pem");
    g_autofree char *joined =
      g_strdup_printf ("%.*s%.*s", (int) g_bytes_get_size (leaf), (const char *) g_bytes_get_data (leaf, NULL),
                       (int) g_bytes_get_size (ca), (const char *) g_bytes_get_data (ca, NULL));
    g_assert_true (g_file_set_contents (path, joined, -1, NULL));
  }
  make_old_certs ();
}

int
main (int argc, char **argv)
{
  int rc;

  g_test_init (&argc, &argv, NULL);
  g_unsetenv ("MEETPKI_NOW");
  make_fixtures ();

  g_test_add_func ("/inspect/certificate/rsa", test_rsa_certificate);
  g_test_add_func ("/inspect/certificate/ca", test_ca_certificate);
  g_test_add_func ("/inspect/certificate/ec", test_ec_certificate);
  g_test_add_func ("/inspect/certificate/ed25519-xmpp", test_ed25519_xmpp);
  g_test_add_func ("/inspect/certificate/expired", test_expired);
  g_test_add_func ("/inspect/certificate/der", test_der);
  g_test_add_func ("/inspect/certificate/calendar-edges", test_calendar_edges);
  g_test_add_func ("/inspect/certificate/before-1970", test_before_1970);
  g_test_add_func ("/inspect/certificate/several", test_several_certificates);
  g_test_add_func ("/inspect/csr/fields", test_csr);
  g_test_add_func ("/inspect/csr/bad-signature", test_csr_bad_signature);
  g_test_add_func ("/inspect/key/no-material", test_key);
  g_test_add_func ("/inspect/garbage", test_garbage);
  g_test_add_func ("/inspect/match/engine", test_match_engine);
  g_test_add_func ("/inspect/match/wrong-kinds", test_match_wrong_kinds);
  g_test_add_func ("/inspect/cli/match", test_cli_match);
  g_test_add_func ("/inspect/cli/inspect", test_cli_inspect);
  g_test_add_func ("/inspect/cli/list", test_cli_list);
  g_test_add_func ("/inspect/cli/before-1970", test_cli_before_1970);

  rc = g_test_run ();
  rm_rf (fx_dir);
  g_free (fx_dir);
  return rc;
}
