/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `pki import` and `pki export`, run through the real cli, with openssl as
 * the independent checker.  every bad input asserts the error line, the exit
 * status and that the store did not change.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mp-test-io.h"

static void
test_import_key (MptFixture *f, gconstpointer data)
{
  g_autofree char *src = mpt_mat ("leaf.key");
  g_autofree char *dst = mpt_in_dir (f->home, "leaf.key");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *want = NULL;
  g_autofree char *got = NULL;

  g_assert_cmpint (mpt_cli (f, &out, &err, "pki", "import", src, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "Imported private key leaf.key (mode 0600)\n");
  g_assert_cmpstr (err, ==, "");
  g_assert_cmpuint (mpt_mode_of (dst), ==, 0600);
  g_assert_cmpuint (mpt_mode_of (f->home), ==, 0700);
  /* openssl reads the stored key as the same key */
  want = mpt_pubkey_of (src);
  got = mpt_pubkey_of (dst);
  g_assert_cmpstr (got, ==, want);
}

static void
test_import_certificates (MptFixture *f, gconstpointer data)
{
  g_autofree char *der = mpt_mat ("leaf.der");
  g_autofree char *leaf = mpt_mat ("leaf.crt");
  g_autofree char *chain = mpt_mat ("chain.pem");
  g_autofree char *root = mpt_mat ("root.crt");
  g_autofree char *inter = mpt_mat ("int.crt");
  g_autofree char *csr = mpt_mat ("leaf.csr.der");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  /* der in, pem under the given name */
  g_assert_cmpint (mpt_cli (f, &out, &err, "pki", "import", der, "dbserver.crt", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "Imported certificate dbserver.crt\n");
  {
    g_autofree char *dst = mpt_in_dir (f->home, "dbserver.crt");
    g_autofree char *text = mpt_read_file (dst);
    g_autofree char *want = mpt_fingerprint_of (leaf);
    g_autofree char *got = mpt_fingerprint_of (dst);
    g_assert_true (g_str_has_prefix (text, "-----BEGIN CERTIFICATE-----\n"));
    g_assert_cmpstr (got, ==, want);
    g_assert_cmpuint (mpt_mode_of (dst), ==, 0644);
  }

  /* a bundle keeps its certificates and their order */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (mpt_cli (f, &out, &err, "pki", "import", chain, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "Imported 2 certificates as chain.pem\n");
  {
    g_autofree char *dst = mpt_in_dir (f->home, "chain.pem");
    g_autoptr(GPtrArray) fps = mpt_fingerprints_of_bundle (dst, f->dir);
    g_autofree char *fr = mpt_fingerprint_of (root);
    g_autofree char *fi = mpt_fingerprint_of (inter);
    g_assert_cmpuint (fps->len, ==, 2);
    g_assert_cmpstr (g_ptr_array_index (fps, 0), ==, fr);
    g_assert_cmpstr (g_ptr_array_index (fps, 1), ==, fi);
  }

  /* a der csr arrives as pem that openssl verifies */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (mpt_cli (f, &out, &err, "pki", "import", csr, "dbclient.csr", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "Imported CSR dbclient.csr\n");
  {
    g_autofree char *dst = mpt_in_dir (f->home, "dbclient.csr");
    g_free (mpt_openssl (NULL, "req", "-in", dst, "-verify", "-noout", NULL));
  }
}

static void
test_import_force (MptFixture *f, gconstpointer data)
{
  g_autofree char *leaf = mpt_mat ("leaf.key");
  g_autofree char *dst = mpt_in_dir (f->home, "existing.key");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *want = NULL;
  g_autofree char *got = NULL;

  mpt_seed_store (f);
  /* a key is never replaced without --force; neither is anything else */
  MPT_FAILS (f, EXIT_EXISTS, "existing.key already exists; refusing to overwrite it (use --force to replace it)",
             "pki", "import", leaf, "existing.key");
  {
    g_autofree char *crt = mpt_mat ("int.crt");
    MPT_FAILS (f, EXIT_EXISTS, "existing.crt already exists; refusing to overwrite it (use --force to replace it)",
               "pki", "import", crt, "existing.crt");
  }

  g_assert_cmpint (mpt_cli (f, &out, &err, "pki", "import", leaf, "existing.key", "--force", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "Imported private key existing.key (mode 0600)\n");
  g_assert_cmpuint (mpt_mode_of (dst), ==, 0600);
  want = mpt_pubkey_of (leaf);
  got = mpt_pubkey_of (dst);
  g_assert_cmpstr (got, ==, want);
}

static void
test_import_bad_input (MptFixture *f, gconstpointer data)
{
  g_autofree char *leaf_crt = mpt_mat ("leaf.crt");
  g_autofree char *leaf_key = mpt_mat ("leaf.key");
  g_autofree char *missing = mpt_mat ("nothere.crt");
  g_autofree char *garbage = mpt_mat ("garbage.crt");
  g_autofree char *empty = mpt_mat ("empty.crt");
  g_autofree char *enc = mpt_mat ("enc.key");
  g_autofree char *encder = mpt_mat ("encder.key");
  g_autofree char *trad = mpt_mat ("trad.key");
  g_autofree char *p12 = mpt_mat ("full.p12");
  g_autofree char *combo_pem = mpt_mat ("combo.pem");
  g_autofree char *combo_crt = mpt_mat ("combo.crt");
  g_autofree char *txt = mpt_mat ("leaf.txt");
  g_autofree char *badsig = mpt_mat ("badsig.csr");
  g_autofree char *m = NULL;
  const char *encrypted = "the private key is encrypted; decrypt it first (e.g. openssl pkey -in FILE -out plain.key)";

  mpt_seed_store (f);

  m = g_strdup_printf ("%s: No such file or directory", missing);
  MPT_FAILS (f, EXIT_NOT_FOUND, m, "pki", "import", missing);
  g_clear_pointer (&m, g_free);
  {
    g_autofree char *adir = mpt_in_dir (f->dir, "adir");
    g_assert_cmpint (g_mkdir (adir, 0700), ==, 0);
    m = g_strdup_printf ("%s is not a regular file", adir);
    MPT_FAILS (f, EXIT_IO, m, "pki", "import", adir, "dir.crt");
    g_clear_pointer (&m, g_free);
  }
  m = g_strdup_printf ("%s is not a private key, CSR or certificate (PEM or DER)", garbage);
  MPT_FAILS (f, EXIT_INVALID_DATA, m, "pki", "import", garbage);
  g_clear_pointer (&m, g_free);
  m = g_strdup_printf ("%s: the file is empty", empty);
  MPT_FAILS (f, EXIT_INVALID_DATA, m, "pki", "import", empty);
  g_clear_pointer (&m, g_free);
  m = g_strdup_printf ("%s holds certificates, but the name x.key says a private key", leaf_crt);
  MPT_FAILS (f, EXIT_INVALID_DATA, m, "pki", "import", leaf_crt, "x.key");
  g_clear_pointer (&m, g_free);
  m = g_strdup_printf ("%s holds a private key, but the name x.crt says certificates", leaf_key);
  MPT_FAILS (f, EXIT_INVALID_DATA, m, "pki", "import", leaf_key, "x.crt");
  g_clear_pointer (&m, g_free);
  m = g_strdup_printf ("%s holds certificates, but the name x.csr says a certificate request", leaf_crt);
  MPT_FAILS (f, EXIT_INVALID_DATA, m, "pki", "import", leaf_crt, "x.csr");
  g_clear_pointer (&m, g_free);
  m = g_strdup_printf ("%s: %s", enc, encrypted);
  MPT_FAILS (f, EXIT_INVALID_DATA, m, "pki", "import", enc);
  g_clear_pointer (&m, g_free);
  m = g_strdup_printf ("%s: %s", encder, encrypted);
  MPT_FAILS (f, EXIT_INVALID_DATA, m, "pki", "import", encder);
  g_clear_pointer (&m, g_free);
  m = g_strdup_printf ("%s: %s", trad, encrypted);
  MPT_FAILS (f, EXIT_INVALID_DATA, m, "pki", "import", trad);
  g_clear_pointer (&m, g_free);
  m = g_strdup_printf ("%s is a PKCS#12 file; split it with 'meetpki pki pkcs12-to-pem'", p12);
  MPT_FAILS (f, EXIT_INVALID_DATA, m, "pki", "import", p12, "x.pem");
  g_clear_pointer (&m, g_free);
  m = g_strdup_printf ("%s holds a private key as well as certificates; "
                       "import the key on its own under a .key name", combo_crt);
  MPT_FAILS (f, EXIT_INVALID_DATA, m, "pki", "import", combo_crt);
  g_clear_pointer (&m, g_free);
  m = g_strdup_printf ("%s holds a private key together with other PEM blocks; import each on its own", combo_pem);
  MPT_FAILS (f, EXIT_INVALID_DATA, m, "pki", "import", combo_pem);
  g_clear_pointer (&m, g_free);
  m = g_strdup_printf ("%s: the CSR's own signature does not verify", badsig);
  MPT_FAILS (f, EXIT_INVALID_DATA, m, "pki", "import", badsig);
  g_clear_pointer (&m, g_free);

  /* a huge file is not read at all (sparse: no disk space used) */
  {
    g_autofree char *huge = mpt_in_dir (f->dir, "huge.crt");
    FILE *fp = fopen (huge, "w");
    g_assert_nonnull (fp);
    g_assert_cmpint (ftruncate (fileno (fp), 64 * 1024 * 1024), ==, 0);
    fclose (fp);
    m = g_strdup_printf ("%s is too large (67108864 bytes) to be a key, CSR, certificate or PKCS#12 file", huge);
    MPT_FAILS (f, EXIT_INVALID_DATA, m, "pki", "import", huge);
    g_clear_pointer (&m, g_free);
  }

  /* a link out of the store is never written through, even with --force */
  {
    g_autofree char *outside = mpt_in_dir (f->dir, "outside.crt");
    g_autofree char *link = mpt_in_dir (f->home, "escape.crt");
    g_autofree char *content = NULL;
    mpt_write_file (outside, "outside\n", -1);
    g_assert_cmpint (symlink (outside, link), ==, 0);
    m = g_strdup_printf ("'escape.crt' is a link that leads out of the store %s", f->home);
    MPT_FAILS (f, EXIT_OUTSIDE_STORE, m, "pki", "import", leaf_crt, "escape.crt", "--force");
    g_clear_pointer (&m, g_free);
    content = mpt_read_file (outside);
    g_assert_cmpstr (content, ==, "outside\n");
  }

  /* names */
  MPT_FAILS (f, EXIT_OUTSIDE_STORE, "'../x.crt' is not a plain file name inside the store (no directories, no leading '.')",
             "pki", "import", leaf_crt, "../x.crt");
  MPT_FAILS (f, EXIT_OUTSIDE_STORE, "'a/b.crt' is not a plain file name inside the store (no directories, no leading '.')",
             "pki", "import", leaf_crt, "a/b.crt");
  MPT_FAILS (f, EXIT_OUTSIDE_STORE, "'.hidden.crt' is not a plain file name inside the store (no directories, no leading '.')",
             "pki", "import", leaf_crt, ".hidden.crt");
  {
    g_autofree char *abs = mpt_in_dir (f->dir, "abs.crt");
    m = g_strdup_printf ("'%s' is not a plain file name inside the store (no directories, no leading '.')", abs);
    MPT_FAILS (f, EXIT_OUTSIDE_STORE, m, "pki", "import", leaf_crt, abs);
    g_clear_pointer (&m, g_free);
  }
  MPT_FAILS (f, EXIT_USAGE, "'x.txt' needs one of the extensions .key .csr .crt .cer .pem",
             "pki", "import", leaf_crt, "x.txt");
  MPT_FAILS (f, EXIT_USAGE, "'dbserver' needs one of the extensions .key .csr .crt .cer .pem",
             "pki", "import", leaf_crt, "dbserver");
  /* the default name is the file's, and follows the same rule */
  MPT_FAILS (f, EXIT_USAGE, "'leaf.txt' needs one of the extensions .key .csr .crt .cer .pem",
             "pki", "import", txt);
  /* the command line */
  MPT_FAILS (f, EXIT_USAGE, "usage: meetpki pki import <path> [<name>]",
             "pki", "import", leaf_crt, "a.crt", "b.crt");
  MPT_FAILS (f, EXIT_USAGE, "usage: meetpki pki import <path> [<name>]", "pki", "import");
  MPT_FAILS (f, EXIT_USAGE, "option --days does not apply to 'meetpki pki import'",
             "pki", "import", leaf_crt, "--days", "3");

  /* a regular file whose read fails (the cli's own memory at address 0) */
  MPT_FAILS (f, EXIT_IO, "Error reading file “/proc/self/mem”: Input/output error",
             "pki", "import", "/proc/self/mem", "x.crt");

  /* a file root cannot be kept from: only meaningful for other users */
  if (geteuid () != 0)
    {
      g_autofree char *locked = mpt_in_dir (f->dir, "locked.crt");
      g_autofree char *l = mpt_read_file (leaf_crt);
      mpt_write_file (locked, l, -1);
      g_assert_cmpint (g_chmod (locked, 0), ==, 0);
      m = g_strdup_printf ("Failed to open file “%s”: Permission denied", locked);
      MPT_FAILS (f, EXIT_IO, m, "pki", "import", locked);
      g_clear_pointer (&m, g_free);
    }
}

static void
test_export (MptFixture *f, gconstpointer data)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *key_out = mpt_in_dir (f->dir, "exported.key");
  g_autofree char *crt_out = mpt_in_dir (f->dir, "exported.crt");
  g_autofree char *store_key = mpt_in_dir (f->home, "existing.key");
  g_autofree char *store_crt = mpt_in_dir (f->home, "existing.crt");
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *m = NULL;

  mpt_seed_store (f);

  /* a key leaves as 0600, byte for byte what the store holds */
  g_assert_cmpint (mpt_cli (f, &out, &err, "pki", "export", "existing.key", key_out, NULL), ==, 0);
  m = g_strdup_printf ("Exported existing.key to %s\n", key_out);
  g_assert_cmpstr (out, ==, m);
  g_clear_pointer (&m, g_free);
  g_assert_cmpuint (mpt_mode_of (key_out), ==, 0600);
  a = mpt_read_file (key_out);
  b = mpt_read_file (store_key);
  g_assert_cmpstr (a, ==, b);
  g_clear_pointer (&a, g_free);
  g_clear_pointer (&b, g_free);

  /* a certificate as 0644; into a directory, under its own name */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (mpt_cli (f, &out, &err, "pki", "export", "existing.crt", crt_out, NULL), ==, 0);
  g_assert_cmpuint (mpt_mode_of (crt_out), ==, 0644);
  {
    g_autofree char *sub = mpt_in_dir (f->dir, "outdir");
    g_autofree char *there = mpt_in_dir (sub, "existing.crt");
    g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (mpt_cli (f, &out, &err, "pki", "export", "existing.crt", sub, NULL), ==, 0);
    a = mpt_read_file (there);
    b = mpt_read_file (store_crt);
    g_assert_cmpstr (a, ==, b);
    g_clear_pointer (&a, g_free);
    g_clear_pointer (&b, g_free);
  }

  /* import, export, import again: the same certificate for openssl */
  {
    g_autofree char *again = mpt_in_dir (f->home, "again.crt");
    g_autofree char *fa = NULL;
    g_autofree char *fb = NULL;
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (mpt_cli (f, &out, &err, "pki", "import", crt_out, "again.crt", NULL), ==, 0);
    fa = mpt_fingerprint_of (again);
    fb = mpt_fingerprint_of (store_crt);
    g_assert_cmpstr (fa, ==, fb);
    a = mpt_read_file (again);
    b = mpt_read_file (store_crt);
    g_assert_cmpstr (a, ==, b);
    g_clear_pointer (&a, g_free);
    g_clear_pointer (&b, g_free);
  }

  /* an existing path is kept without --force */
  mpt_write_file (crt_out, "precious\n", -1);
  /* named by the path given, not its basename: the admin sees which file */
  m = g_strdup_printf ("%s already exists; refusing to overwrite it (use --force to replace it)", crt_out);
  MPT_FAILS (f, EXIT_EXISTS, m, "pki", "export", "existing.crt", crt_out);
  g_clear_pointer (&m, g_free);
  a = mpt_read_file (crt_out);
  g_assert_cmpstr (a, ==, "precious\n");
  g_clear_pointer (&a, g_free);

  /* --force replaces it, and a key replacing a public file becomes 0600 */
  g_assert_cmpint (g_chmod (crt_out, 0644), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (mpt_cli (f, &out, &err, "pki", "export", "existing.key", crt_out, "--force", NULL), ==, 0);
  g_assert_cmpuint (mpt_mode_of (crt_out), ==, 0600);
  a = mpt_read_file (crt_out);
  b = mpt_read_file (store_key);
  g_assert_cmpstr (a, ==, b);
  g_clear_pointer (&a, g_free);
  g_clear_pointer (&b, g_free);
  /* and no temporary file stayed beside it */
  {
    g_autofree char *snap = mpt_snapshot (f->dir);
    g_assert_null (strstr (snap, "\n."));
    g_assert_false (g_str_has_prefix (snap, "."));
  }
}

static void
test_export_bad_input (MptFixture *f, gconstpointer data)
{
  g_autofree char *target = mpt_in_dir (f->dir, "x.crt");
  g_autofree char *m = NULL;

  mpt_seed_store (f);
  MPT_FAILS (f, EXIT_NOT_FOUND, "existing.cert: no such file in the store (did you mean existing.crt?)",
             "pki", "export", "existing.cert", target);
  m = g_strdup_printf ("nothing.crt: no such file in the store %s", f->home);
  MPT_FAILS (f, EXIT_NOT_FOUND, m, "pki", "export", "nothing.crt", target);
  g_clear_pointer (&m, g_free);
  m = g_strdup_printf ("'../store/existing.crt' is not a plain file name inside the store %s", f->home);
  MPT_FAILS (f, EXIT_OUTSIDE_STORE, m, "pki", "export", "../store/existing.crt", target);
  g_clear_pointer (&m, g_free);
  m = g_strdup_printf ("cannot create a temporary file in %s/missing: No such file or directory", f->dir);
  {
    g_autofree char *deep = mpt_in_dir (f->dir, "missing/x.crt");
    MPT_FAILS (f, EXIT_IO, m, "pki", "export", "existing.crt", deep);
  }
  g_clear_pointer (&m, g_free);
  /* a link that leads out of the store is not followed */
  {
    g_autofree char *outside = mpt_in_dir (f->dir, "outside.crt");
    g_autofree char *link = mpt_in_dir (f->home, "escape.crt");
    mpt_write_file (outside, "outside\n", -1);
    g_assert_cmpint (symlink (outside, link), ==, 0);
    m = g_strdup_printf ("'escape.crt' is a link that leads out of the store %s", f->home);
    MPT_FAILS (f, EXIT_OUTSIDE_STORE, m, "pki", "export", "escape.crt", target);
    g_clear_pointer (&m, g_free);
  }
  MPT_FAILS (f, EXIT_USAGE, "usage: meetpki pki export <name> <path>", "pki", "export", "existing.crt");
  MPT_FAILS (f, EXIT_USAGE, "option --password-file does not apply to 'meetpki pki export'",
             "pki", "export", "existing.crt", target, "--password-file", "x");
  g_assert_false (g_file_test (target, G_FILE_TEST_EXISTS));
}

int
main (int argc, char **argv)
{
  int rc;

  g_test_init (&argc, &argv, NULL);
  if (g_getenv ("MEETPKI_CLI") == NULL)
    {
      g_test_message ("MEETPKI_CLI is not set; run through meson test");
      return 77;
    }
  mpt_make_material ();

#define ADD(path, fn) g_test_add (path, MptFixture, NULL, mpt_fixture_set_up, fn, mpt_fixture_tear_down)
  ADD ("/io/import/key", test_import_key);
  ADD ("/io/import/certificates", test_import_certificates);
  ADD ("/io/import/force", test_import_force);
  ADD ("/io/import/bad-input", test_import_bad_input);
  ADD ("/io/export/round-trip", test_export);
  ADD ("/io/export/bad-input", test_export_bad_input);
#undef ADD

  rc = g_test_run ();
  mpt_material_free ();
  return rc;
}
