/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the bundle engine and `bundle build` / `bundle check`: chains made by
 * certtool, shuffled with unrelated certificates; openssl judges the output.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include <meetpki/meetpki.h>

#include "bundle-fixture.h"
#include "mp-der.h"
#include "mp-private.h"

#define EXIT_CHECK_FAILED 1
#define EXIT_WARNINGS 10

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
write_text (const char *name, const char *text)
{
  g_autoptr(GError) error = NULL;
  char *path = fixture_path (name);

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  return path;
}

/* ---- the engine, through the library ---- */

static MpBundle *
bundle_of (const char * const *names)
{
  MpBundle *b = mp_bundle_new ();

  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *path = fixture_file (names[i], ".crt");
      g_autoptr(GError) error = NULL;
      g_assert_true (mp_bundle_add_file (b, path, names[i], NULL, &error));
      g_assert_no_error (error);
    }
  return b;
}

static void
assert_chain (MpBundle *b, const char * const *subjects)
{
  GPtrArray *chain = mp_bundle_get_chain (b);

  g_assert_cmpuint (chain->len, ==, g_strv_length ((char **) subjects));
  for (guint i = 0; i < chain->len; i++)
    g_assert_cmpstr (mp_bundle_cert_get_subject (g_ptr_array_index (chain, i)), ==, subjects[i]);
}

static void
test_engine_chain_prefers_valid_longest (void)
{
  const char *pool[] = { "ent", "otherleaf", "int1exp", "root", "int1x", "oldroot", "int2", "otherroot", "int1", NULL };
  const char *want[] = { "CN=www.example.com", "CN=Test Int2", "CN=Test Int1", "CN=Test Root", NULL };
  g_autoptr(MpBundle) b = bundle_of (pool);
  GPtrArray *chain;

  g_assert_true (mp_bundle_build_chain (b, g_ptr_array_index (mp_bundle_get_certs (b), 0), MP_CHAIN_ROOT_REQUIRED));
  assert_chain (b, want);
  chain = mp_bundle_get_chain (b);
  /* the int1 chosen is the long-lived one signed by the root */
  g_assert_cmpstr (mp_bundle_cert_get_issuer (g_ptr_array_index (chain, 2)), ==, "CN=Test Root");
  g_assert_true (mp_bundle_chain_is_complete (b));
  g_assert_nonnull (mp_bundle_find_finding (b, "duplicate"));
  g_assert_nonnull (mp_bundle_find_finding (b, "unrelated"));
  g_assert_null (mp_bundle_find_finding (b, "expired"));
}

static void
test_engine_cross_signed_only (void)
{
  const char *pool[] = { "ent", "oldroot", "int2", "int1x", "root", NULL };
  const char *want[] = { "CN=www.example.com", "CN=Test Int2", "CN=Test Int1", "CN=Old Root", NULL };
  g_autoptr(MpBundle) b = bundle_of (pool);

  g_assert_true (mp_bundle_build_chain (b, g_ptr_array_index (mp_bundle_get_certs (b), 0), MP_CHAIN_ROOT_REQUIRED));
  assert_chain (b, want);
}

static void
test_engine_expired_only (void)
{
  const char *pool[] = { "ent", "int2", "int1exp", "root", NULL };
  g_autoptr(MpBundle) b = bundle_of (pool);
  const MpFinding *f;

  g_assert_false (mp_bundle_build_chain (b, g_ptr_array_index (mp_bundle_get_certs (b), 0), MP_CHAIN_ROOT_REQUIRED));
  f = mp_bundle_find_finding (b, "expired");
  g_assert_nonnull (f);
  g_assert_cmpint (f->severity, ==, MP_FINDING_ERROR);
  g_assert_nonnull (strstr (f->message, "2021-01-01"));
}

static void
test_engine_parse_lines (void)
{
  g_autofree char *ent = fixture_canonical ("ent");
  g_autofree char *int2 = fixture_canonical ("int2");
  /* a title line, the entity, two blank lines, then int2 glued to junk */
  g_autofree char *text = g_strdup_printf ("title\n%s\n\n%sjunk", ent, int2);
  g_autoptr(GBytes) data = g_bytes_new (text, strlen (text));
  g_autoptr(MpBundle) b = mp_bundle_new ();
  guint ent_lines = 0;
  const MpFinding *f;

  for (const char *p = ent; *p != '\0'; p++)
    ent_lines += *p == '\n';
  g_assert_cmpuint (mp_bundle_add_data (b, data, "mixed.pem"), ==, 2);
  g_assert_cmpuint (mp_bundle_cert_get_line (g_ptr_array_index (mp_bundle_get_certs (b), 0)), ==, 2);
  g_assert_cmpuint (mp_bundle_cert_get_line (g_ptr_array_index (mp_bundle_get_certs (b), 1)), ==, 2 + ent_lines + 2);
  f = mp_bundle_find_finding (b, "text-between-blocks");
  g_assert_nonnull (f);
  g_assert_cmpuint (f->line, ==, 1);
  f = mp_bundle_find_finding (b, "blank-line");
  g_assert_nonnull (f);
  g_assert_cmpuint (f->line, ==, 1 + ent_lines);
}

static void
test_engine_unterminated (void)
{
  g_autofree char *ent = fixture_canonical ("ent");
  g_autofree char *int2 = fixture_canonical ("int2");
  /* the entity is cut after its first base64 line */
  g_autofree char *cut = g_strndup (ent, strchr (strchr (ent, '\n') + 1, '\n') + 1 - ent);
  g_autofree char *text = g_strconcat (cut, int2, NULL);
  g_autoptr(GBytes) data = g_bytes_new (text, strlen (text));
  g_autoptr(MpBundle) b = mp_bundle_new ();
  const MpFinding *f;

  g_assert_cmpuint (mp_bundle_add_data (b, data, "cut.pem"), ==, 1);
  f = mp_bundle_find_finding (b, "unterminated-block");
  g_assert_nonnull (f);
  g_assert_cmpuint (f->line, ==, 1);
  g_assert_cmpuint (mp_bundle_cert_get_line (g_ptr_array_index (mp_bundle_get_certs (b), 0)), ==, 3);
  g_assert_null (mp_bundle_find_finding (b, "glued-blocks"));
  g_assert_cmpuint (mp_bundle_get_findings (b)->len, ==, 1);
}

static void
test_engine_der (void)
{
  g_autofree char *crt = fixture_file ("int1", ".crt");
  g_autofree char *der = fixture_path ("int1.der");
  const char *argv[] = { "openssl", "x509", "-in", crt, "-outform", "DER", "-out", der, NULL };
  g_autoptr(MpBundle) b = mp_bundle_new ();
  g_autoptr(GError) error = NULL;
  guint n = 0;

  g_assert_cmpint (run_argv (argv, NULL, NULL, NULL), ==, 0);
  g_assert_true (mp_bundle_add_file (b, der, "int1.der", &n, &error));
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpuint (mp_bundle_get_findings (b)->len, ==, 0);
}

/* the quick der reader against gnutls' decoder, on every certificate of the
 * fixtures and of the system store */
static void
compare_with_gnutls (const char *path)
{
  g_autoptr(GBytes) data = fixture_read (path);
  gnutls_datum_t d = { (unsigned char *) g_bytes_get_data (data, NULL), (unsigned int) g_bytes_get_size (data) };
  gnutls_x509_crt_t *list = NULL;
  unsigned int n = 0;

  mp_crypto_init ();
  g_assert_cmpint (gnutls_x509_crt_list_import2 (&list, &n, &d, GNUTLS_X509_FMT_PEM, 0), >=, 0);
  for (unsigned int i = 0; i < n; i++)
    {
      g_auto(MpDatum) der = { NULL, 0 };
      g_auto(MpDatum) dn = { NULL, 0 };
      g_auto(MpDatum) idn = { NULL, 0 };
      MpDerCertInfo info;
      unsigned char buf[256];
      size_t size = sizeof buf;
      unsigned int critical = 0, ca = 0;
      int pathlen;

      g_assert_cmpint (gnutls_x509_crt_export2 (list[i], GNUTLS_X509_FMT_DER, &der), ==, 0);
      g_assert_true (mp_der_cert_info_read (der.data, der.size, &info));
      gnutls_x509_crt_get_raw_dn (list[i], &dn);
      gnutls_x509_crt_get_raw_issuer_dn (list[i], &idn);
      g_assert_cmpmem (g_bytes_get_data (info.subject_raw, NULL), g_bytes_get_size (info.subject_raw), dn.data, dn.size);
      g_assert_cmpmem (g_bytes_get_data (info.issuer_raw, NULL), g_bytes_get_size (info.issuer_raw), idn.data, idn.size);
      g_assert_cmpint (info.not_before, ==, gnutls_x509_crt_get_activation_time (list[i]));
      g_assert_cmpint (info.not_after, ==, gnutls_x509_crt_get_expiration_time (list[i]));
      if (gnutls_x509_crt_get_subject_key_id (list[i], buf, &size, &critical) >= 0)
        g_assert_cmpmem (g_bytes_get_data (info.ski, NULL), g_bytes_get_size (info.ski), buf, size);
      else
        g_assert_null (info.ski);
      size = sizeof buf;
      if (gnutls_x509_crt_get_authority_key_id (list[i], buf, &size, &critical) >= 0)
        g_assert_cmpmem (g_bytes_get_data (info.aki, NULL), g_bytes_get_size (info.aki), buf, size);
      else
        g_assert_null (info.aki);
      g_assert_cmpint (info.has_basic_constraints, ==,
                       gnutls_x509_crt_get_basic_constraints (list[i], &critical, &ca, &pathlen) >= 0);
      if (info.has_basic_constraints)
        g_assert_cmpint (info.is_ca, ==, ca != 0);
      g_assert_cmpint (info.version, ==, gnutls_x509_crt_get_version (list[i]));
      mp_der_cert_info_clear (&info);
      gnutls_x509_crt_deinit (list[i]);
    }
  gnutls_free (list);
}

static void
test_engine_der_reader (void)
{
  const char *names[] = { "ent", "int1", "int1exp", "rroot", "rent", "notca", NULL };
  const char *system = "/etc/ssl/certs/ca-certificates.crt";

  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *path = fixture_file (names[i], ".crt");
      compare_with_gnutls (path);
    }
  if (g_file_test (system, G_FILE_TEST_EXISTS))
    compare_with_gnutls (system);
  /* truncated input never reads past its end */
  {
    g_autofree char *path = fixture_file ("ent", ".crt");
    g_autofree char *der_path = fixture_path ("ent.der");
    const char *argv[] = { "openssl", "x509", "-in", path, "-outform", "DER", "-out", der_path, NULL };
    g_autoptr(GBytes) der = NULL;
    MpDerCertInfo info;

    g_assert_cmpint (run_argv (argv, NULL, NULL, NULL), ==, 0);
    der = fixture_read (der_path);
    for (gsize cut = 0; cut < g_bytes_get_size (der); cut++)
      g_assert_false (mp_der_cert_info_read (g_bytes_get_data (der, NULL), cut, &info));
  }
}

/* damaged input of every kind: findings, never a crash or a read past the
 * end (the asan build checks that) */
static void
test_engine_mutations (void)
{
  const char *names[] = { "ent", "int2", "int1", "root", NULL };
  g_autofree char *chain = concat_canonical (names);
  g_autofree char *der_path = fixture_path ("mut.der");
  g_autofree char *crt = fixture_file ("int1", ".crt");
  const char *argv[] = { "openssl", "x509", "-in", crt, "-outform", "DER", "-out", der_path, NULL };
  g_autoptr(GBytes) der = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261128);

  g_assert_cmpint (run_argv (argv, NULL, NULL, NULL), ==, 0);
  der = fixture_read (der_path);
  for (guint round = 0; round < 400; round++)
    {
      gboolean pem = round % 2 == 0;
      gsize len = pem ? strlen (chain) : g_bytes_get_size (der);
      g_autofree guchar *buf = g_memdup2 (pem ? (gconstpointer) chain : g_bytes_get_data (der, NULL), len);
      g_autoptr(GBytes) data = NULL;
      g_autoptr(MpBundle) b = mp_bundle_new ();
      guint edits = g_rand_int_range (rand, 1, 8);

      for (guint e = 0; e < edits; e++)
        buf[g_rand_int_range (rand, 0, (gint32) len)] = (guchar) g_rand_int_range (rand, 0, 256);
      if (g_rand_boolean (rand))
        len = (gsize) g_rand_int_range (rand, 0, (gint32) len);
      data = g_bytes_new (buf, len);
      mp_bundle_add_data (b, data, "mutated");
      mp_bundle_check (b, MP_BUNDLE_KIND_AUTO);
      if (mp_bundle_get_chain (b)->len > 0)
        {
          g_autoptr(GBytes) out = mp_bundle_chain_to_pem (b, MP_PEM_ALL, NULL);
          g_assert_nonnull (out);
        }
    }
}

/* ---- bundle build ---- */

static char *
build_and_compare (const char *entity, const char * const *pool, const char * const *want,
                   const char *opt1, const char *opt2)
{
  g_autofree char *pool_path = fixture_path ("pool.pem");
  g_autofree char *ent_path = fixture_file (entity, ".crt");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *expected = concat_canonical (want);
  int rc;

  fixture_concat (pool_path, pool);
  rc = run_cli (NULL, &out, &err, "bundle", "build", ent_path, pool_path, opt1, opt2, NULL);
  g_test_message ("stderr: %s", err);
  g_assert_cmpint (rc, ==, 0);
  /* byte-canonical: exactly what openssl prints for each, in chain order */
  g_assert_cmpstr (out, ==, expected);
  return g_steal_pointer (&out);
}

static void
test_build_shuffled_ec (void)
{
  const char *pool[] = { "otherleaf", "int1exp", "root", "int1x", "oldroot", "int2", "otherroot", "int1", "ent", NULL };
  const char *want[] = { "ent", "int2", "int1", "root", NULL };
  g_autofree char *root = fixture_file ("root", ".crt");
  g_autofree char *out = build_and_compare ("ent", pool, want, NULL, NULL);
  g_autofree char *out_path = write_text ("built.pem", out);

  g_assert_true (openssl_verify (root, out_path, out_path, NULL));
}

static void
test_build_shuffled_rsa (void)
{
  const char *pool[] = { "rint1", "otherroot", "rroot", "root", "rint2", NULL };
  const char *want[] = { "rent", "rint2", "rint1", "rroot", NULL };
  g_autofree char *out = NULL;
  g_autofree char *ent = fixture_file ("rent", ".crt");
  g_autofree char *pool_path = fixture_path ("rpool.pem");
  g_autofree char *untrusted = NULL;
  g_autofree char *root = fixture_file ("rroot", ".crt");

  g_free (build_and_compare ("rent", pool, want, NULL, NULL));
  fixture_concat (pool_path, pool);
  g_assert_cmpint (run_cli (NULL, &out, NULL, "bundle", "build", ent, pool_path, "--ca-only", NULL), ==, 0);
  untrusted = write_text ("rca.pem", out);
  g_assert_true (openssl_verify (root, untrusted, ent, NULL));
}

static void
test_build_ca_only_no_root (void)
{
  const char *pool[] = { "int1", "root", "int2", NULL };
  const char *ca[] = { "int2", "int1", "root", NULL };
  const char *noroot[] = { "ent", "int2", "int1", NULL };
  const char *both[] = { "int2", "int1", NULL };

  g_free (build_and_compare ("ent", pool, ca, "--ca-only", NULL));
  g_free (build_and_compare ("ent", pool, noroot, "--no-root", NULL));
  g_free (build_and_compare ("ent", pool, both, "--ca-only", "--no-root"));
}

static void
test_build_no_root_without_root (void)
{
  const char *pool[] = { "int1", "int2", NULL };
  const char *want[] = { "ent", "int2", "int1", NULL };
  g_autofree char *pool_path = fixture_path ("pool.pem");
  g_autofree char *ent = fixture_file ("ent", ".crt");
  g_autofree char *err = NULL;

  g_free (build_and_compare ("ent", pool, want, "--no-root", NULL));
  /* without --no-root the missing root is an error */
  g_assert_cmpint (run_cli (NULL, NULL, &err, "bundle", "build", ent, pool_path, NULL), ==, EXIT_CHECK_FAILED);
  g_assert_nonnull (strstr (err, "[root-missing]"));
}

/* a full chain as the pool (what `certs` advises for a CA bundle): the
 * entity's copy in it is expected, so nothing is said; a certificate that
 * comes twice in the pool files is still a duplicate */
static void
test_build_full_chain_pool (void)
{
  const char *full[] = { "ent", "int2", "int1", "root", NULL };
  const char *ca[] = { "int2", "int1", "root", NULL };
  g_autofree char *full_path = fixture_path ("full.pem");
  g_autofree char *again_path = fixture_path ("int1-again.pem");
  g_autofree char *ent = fixture_file ("ent", ".crt");
  g_autofree char *root = fixture_file ("root", ".crt");
  g_autofree char *int1 = fixture_file ("int1", ".crt");
  g_autofree char *expected = concat_canonical (ca);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *ca_path = NULL;

  fixture_concat (full_path, full);
  g_assert_cmpint (run_cli (NULL, &out, &err, "bundle", "build", ent, full_path, "--ca-only", NULL), ==, 0);
  g_assert_cmpstr (err, ==, "");
  g_assert_cmpstr (out, ==, expected);
  ca_path = write_text ("full-ca.pem", out);
  g_assert_true (openssl_verify (root, ca_path, ent, NULL));

  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  {
    const char *one[] = { "int1", NULL };
    fixture_concat (again_path, one);
  }
  g_assert_cmpint (run_cli (NULL, &out, &err, "bundle", "build", ent, full_path, int1, "--ca-only", NULL), ==, 0);
  g_assert_cmpstr (out, ==, expected);
  g_assert_nonnull (strstr (err, "'CN=Test Int1' appears twice"));
  g_assert_null (strstr (err, "www.example.com"));
}

/* several pool files at once: der, crlf, glued, with a key in one */
static void
test_build_several_inputs (void)
{
  const char *want[] = { "ent", "int2", "int1", "root", NULL };
  g_autofree char *expected = concat_canonical (want);
  g_autofree char *int1 = fixture_file ("int1", ".crt");
  g_autofree char *der = fixture_path ("int1-pool.der");
  const char *argv[] = { "openssl", "x509", "-in", int1, "-outform", "DER", "-out", der, NULL };
  g_autofree char *root_pem = fixture_canonical ("root");
  g_autofree char *other_pem = fixture_canonical ("otherroot");
  g_autofree char *int2_pem = fixture_canonical ("int2");
  g_autofree char *glued = g_strconcat (root_pem, other_pem, NULL);
  g_autofree char *glued_path = NULL;
  g_autofree char *crlf_path = NULL;
  g_autofree char *key_path = fixture_file ("otherleaf", ".key");
  g_autofree char *ent = fixture_file ("ent", ".crt");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (run_argv (argv, NULL, NULL, NULL), ==, 0);
  glued[strlen (root_pem) - 1] = ' '; /* "-----END CERTIFICATE----- -----BEGIN" */
  glued_path = write_text ("glued.pem", glued);
  {
    g_auto(GStrv) lines = g_strsplit (int2_pem, "\n", -1);
    g_autofree char *crlf = g_strjoinv ("\r\n", lines);
    crlf_path = write_text ("int2-crlf.pem", crlf);
  }
  g_assert_cmpint (run_cli (NULL, &out, &err, "bundle", "build", ent, glued_path, der, key_path, crlf_path, NULL), ==, 0);
  g_test_message ("%s", err);
  g_assert_cmpstr (out, ==, expected);
  g_assert_nonnull (strstr (err, "[glued-blocks]"));
  g_assert_nonnull (strstr (err, "[crlf]"));
}

static void
test_build_output_file (void)
{
  const char *pool[] = { "int2", "root", "int1", NULL };
  const char *want[] = { "ent", "int2", "int1", "root", NULL };
  g_autofree char *pool_path = fixture_path ("pool.pem");
  g_autofree char *ent = fixture_file ("ent", ".crt");
  g_autofree char *stored = g_build_filename (fx.home, "ent-chain.crt", NULL);
  g_autofree char *expected = concat_canonical (want);
  g_autofree char *text = NULL;

  fixture_concat (pool_path, pool);
  g_assert_cmpint (run_cli (NULL, NULL, NULL, "bundle", "build", ent, pool_path, "-o", "ent-chain.crt", NULL), ==, 0);
  g_assert_true (g_file_get_contents (stored, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, expected);
  /* an existing output is not replaced without --force */
  g_assert_cmpint (run_cli (NULL, NULL, NULL, "bundle", "build", ent, pool_path, "-o", "ent-chain.crt", NULL), ==, 4);
  g_assert_cmpint (run_cli (NULL, NULL, NULL, "bundle", "build", ent, pool_path, "-o", "ent-chain.crt", "--force", NULL), ==, 0);
  /* writes stay in the store */
  g_assert_cmpint (run_cli (NULL, NULL, NULL, "bundle", "build", ent, pool_path, "-o", "../escape.crt", NULL), ==, 5);
  g_unlink (stored);
}

static void
test_build_missing_issuer (void)
{
  const char *pool[] = { "int1", "root", "otherroot", NULL };
  g_autofree char *pool_path = fixture_path ("pool.pem");
  g_autofree char *ent = fixture_file ("ent", ".crt");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  fixture_concat (pool_path, pool);
  g_assert_cmpint (run_cli (NULL, &out, &err, "bundle", "build", ent, pool_path, NULL), ==, EXIT_CHECK_FAILED);
  g_assert_nonnull (strstr (err, "issuer not found: 'CN=Test Int2'"));
  g_assert_null (strstr (out, "BEGIN CERTIFICATE"));
}

/* ---- bundle check: one case per finding code ---- */

typedef struct {
  const char *code;
  const char *option;   /* --full-chain, --ca-bundle or NULL */
  const char *now;      /* MEETPKI_NOW offset from today, in days, or NULL */
  int exit_status;
  const char *names[8]; /* fixtures, in file order; used when text is NULL */
  const char *text;     /* a special file; "%s" gets the canonical chain */
} CheckCase;

static char *
case_file (const CheckCase *c)
{
  g_autofree char *chain = NULL;
  g_autofree char *text = NULL;

  if (c->text == NULL)
    {
      g_autofree char *path = fixture_path ("case.pem");
      fixture_concat (path, c->names);
      return g_steal_pointer (&path);
    }
  {
    const char *names[] = { "ent", "int2", "int1", "root", NULL };
    chain = concat_canonical (names);
  }
  if (g_str_equal (c->text, "crlf"))
    {
      g_auto(GStrv) lines = g_strsplit (chain, "\n", -1);
      text = g_strjoinv ("\r\n", lines);
    }
  else if (g_str_equal (c->text, "no-final-newline"))
    text = g_strndup (chain, strlen (chain) - 1);
  else if (g_str_equal (c->text, "glued"))
    {
      g_auto(GStrv) parts = g_strsplit (chain, "-----END CERTIFICATE-----\n-----BEGIN", 2);
      text = g_strjoinv ("-----END CERTIFICATE----------BEGIN", parts);
    }
  else if (g_str_equal (c->text, "empty"))
    text = g_strdup ("");
  else
    {
      /* "%s" in the case's text stands for the canonical chain */
      g_auto(GStrv) parts = g_strsplit (c->text, "%s", 2);
      text = g_strjoinv (chain, parts);
    }
  return write_text ("case.pem", text);
}

static char *
now_plus_days (const char *days)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT,
                          g_get_real_time () / G_USEC_PER_SEC + g_ascii_strtoll (days, NULL, 10) * 86400);
}

static void
test_check_case (gconstpointer data)
{
  const CheckCase *c = data;
  g_autofree char *path = case_file (c);
  g_autofree char *now = c->now != NULL ? now_plus_days (c->now) : NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GBytes) before = fixture_read (path);
  g_autoptr(GBytes) after = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *findings;
  gboolean found = FALSE;
  int rc;

  if (c->option != NULL)
    rc = run_cli (now, &out, &err, "bundle", "check", "--json", c->option, path, NULL);
  else
    rc = run_cli (now, &out, &err, "bundle", "check", "--json", path, NULL);
  g_test_message ("out: %s\nerr: %s", out, err);
  g_assert_cmpint (rc, ==, c->exit_status);
  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);
  findings = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "findings");
  for (guint i = 0; i < json_array_get_length (findings); i++)
    {
      JsonObject *f = json_array_get_object_element (findings, i);
      if (g_str_equal (json_object_get_string_member (f, "code"), c->code))
        found = TRUE;
    }
  g_assert_true (found);
  /* check only reads */
  after = fixture_read (path);
  g_assert_true (g_bytes_equal (before, after));
}

static const CheckCase check_cases[] = {
  { "crlf", NULL, NULL, EXIT_WARNINGS, { NULL }, "crlf" },
  { "no-final-newline", NULL, NULL, EXIT_WARNINGS, { NULL }, "no-final-newline" },
  { "extra-final-newlines", NULL, NULL, EXIT_WARNINGS, { NULL }, "%s\n\n" },
  { "text-between-blocks", NULL, NULL, EXIT_WARNINGS, { NULL }, "Bag Attributes\n%s" },
  { "blank-line", NULL, NULL, EXIT_WARNINGS, { NULL }, "\n%s" },
  { "glued-blocks", NULL, NULL, EXIT_WARNINGS, { NULL }, "glued" },
  { "private-key", NULL, NULL, EXIT_CHECK_FAILED, { NULL },
    "%s-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEA\n-----END PRIVATE KEY-----\n" },
  { "not-a-certificate", NULL, NULL, EXIT_CHECK_FAILED, { NULL },
    "%s-----BEGIN X509 CRL-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEA\n-----END X509 CRL-----\n" },
  { "bad-base64", NULL, NULL, EXIT_CHECK_FAILED, { NULL },
    "%s-----BEGIN CERTIFICATE-----\nMIIB*not base64*\n-----END CERTIFICATE-----\n" },
  { "bad-certificate", NULL, NULL, EXIT_CHECK_FAILED, { NULL },
    "%s-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n" },
  { "unterminated-block", NULL, NULL, EXIT_CHECK_FAILED, { NULL }, "%s-----BEGIN CERTIFICATE-----\nMIIB\n" },
  { "no-certificate", NULL, NULL, EXIT_CHECK_FAILED, { NULL }, "empty" },
  { "wrong-order", NULL, NULL, EXIT_CHECK_FAILED, { "int1", "ent", "int2", "root", NULL }, NULL },
  { "missing-issuer", NULL, NULL, EXIT_CHECK_FAILED, { "ent", "int1", "root", NULL }, NULL },
  { "root-missing", "--full-chain", NULL, EXIT_CHECK_FAILED, { "ent", "int2", "int1", NULL }, NULL },
  { "root-missing", NULL, NULL, EXIT_WARNINGS, { "ent", "int2", "int1", NULL }, NULL },
  { "duplicate", NULL, NULL, EXIT_WARNINGS, { "ent", "int2", "int2", "int1", "root", NULL }, NULL },
  { "duplicate", NULL, NULL, EXIT_WARNINGS, { "ent", "int2", "int1", "int1x", "root", NULL }, NULL },
  { "unrelated", NULL, NULL, EXIT_WARNINGS, { "ent", "int2", "int1", "otherleaf", "root", NULL }, NULL },
  { "not-ca", NULL, NULL, EXIT_CHECK_FAILED, { "underleaf", "notca", "root", NULL }, NULL },
  { "not-ca", "--ca-bundle", NULL, EXIT_CHECK_FAILED, { "ent", "int2", "int1", "root", NULL }, NULL },
  { "self-signed-not-last", NULL, NULL, EXIT_CHECK_FAILED, { "ent", "int2", "int1", "root", "otherleaf", NULL }, NULL },
  { "expired", NULL, "4000", EXIT_CHECK_FAILED, { "ent", "int2", "int1", "root", NULL }, NULL },
  { "not-yet-valid", NULL, "-10", EXIT_CHECK_FAILED, { "ent", "int2", "int1", "root", NULL }, NULL },
  { "intermediate-expires-first", NULL, NULL, EXIT_WARNINGS, { "longent", "shortint", "root", NULL }, NULL },
  { "no-entity", "--full-chain", NULL, EXIT_CHECK_FAILED, { "int2", "int1", "root", NULL }, NULL },
  { "bad-signature", NULL, NULL, EXIT_CHECK_FAILED, { "ent", "fakeint2", "int1", "root", NULL }, NULL },
};

static void
test_check_clean (void)
{
  const char *names[] = { "ent", "int2", "int1", "root", NULL };
  g_autofree char *chain = concat_canonical (names);
  g_autofree char *path = write_text ("clean.pem", chain);
  g_autofree char *out = NULL;

  g_assert_cmpint (run_cli (NULL, &out, NULL, "bundle", "check", path, NULL), ==, 0);
  g_assert_true (g_str_has_prefix (out, "SUCCESS: "));
  g_assert_cmpint (run_cli (NULL, NULL, NULL, "bundle", "check", "--full-chain", path, NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  /* a ca bundle is the same without the entity */
  {
    const char *ca[] = { "int2", "int1", "root", NULL };
    g_autofree char *ca_chain = concat_canonical (ca);
    g_autofree char *ca_path = write_text ("clean-ca.pem", ca_chain);
    g_assert_cmpint (run_cli (NULL, NULL, NULL, "bundle", "check", "--ca-bundle", ca_path, NULL), ==, 0);
  }
}

int
main (int argc, char **argv)
{
  int rc;

  g_test_init (&argc, &argv, NULL);
  fixture_setup (TRUE);

  g_test_add_func ("/bundle/engine/prefers-valid-longest", test_engine_chain_prefers_valid_longest);
  g_test_add_func ("/bundle/engine/cross-signed-only", test_engine_cross_signed_only);
  g_test_add_func ("/bundle/engine/expired-only", test_engine_expired_only);
  g_test_add_func ("/bundle/engine/parse-lines", test_engine_parse_lines);
  g_test_add_func ("/bundle/engine/der", test_engine_der);
  g_test_add_func ("/bundle/engine/unterminated", test_engine_unterminated);
  g_test_add_func ("/bundle/engine/der-reader", test_engine_der_reader);
  g_test_add_func ("/bundle/engine/mutations", test_engine_mutations);
  g_test_add_func ("/bundle/build/shuffled-ec", test_build_shuffled_ec);
  g_test_add_func ("/bundle/build/shuffled-rsa", test_build_shuffled_rsa);
  g_test_add_func ("/bundle/build/ca-only-no-root", test_build_ca_only_no_root);
  g_test_add_func ("/bundle/build/no-root-without-root", test_build_no_root_without_root);
  g_test_add_func ("/bundle/build/output-file", test_build_output_file);
  g_test_add_func ("/bundle/build/several-inputs", test_build_several_inputs);
  g_test_add_func ("/bundle/build/full-chain-pool", test_build_full_chain_pool);
  g_test_add_func ("/bundle/build/missing-issuer", test_build_missing_issuer);
  g_test_add_func ("/bundle/check/clean", test_check_clean);
  for (guint i = 0; i < G_N_ELEMENTS (check_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/bundle/check/%s/%u", check_cases[i].code, i);
      g_test_add_data_func (name, &check_cases[i], test_check_case);
    }

  rc = g_test_run ();
  fixture_teardown ();
  return rc;
}
