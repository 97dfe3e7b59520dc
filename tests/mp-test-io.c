/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * helpers for tests that run the real cli ($MEETPKI_CLI) and use openssl as
 * the independent maker and checker of keys, certificates and pkcs#12 files
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mp-test-io.h"

/* keys, certificates and pkcs#12 files made once per test program */
static char *material;

void
mpt_rm_rf (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *n;

  if (dir != NULL)
    {
      while ((n = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *p = g_build_filename (path, n, NULL);
          if (g_file_test (p, G_FILE_TEST_IS_DIR) && !g_file_test (p, G_FILE_TEST_IS_SYMLINK))
            mpt_rm_rf (p);
          else
            g_unlink (p);
        }
    }
  g_rmdir (path);
}

char *
mpt_mat (const char *name)
{
  return g_build_filename (material, name, NULL);
}

char *
mpt_in_dir (const char *dir, const char *name)
{
  return g_build_filename (dir, name, NULL);
}

/* runs argv in @cwd with stdin from /dev/null; returns the exit status */
int
mpt_run_argv (const char *cwd, GPtrArray *argv, char **out, char **err)
{
  g_autoptr(GError) error = NULL;
  int status = -1;

  g_ptr_array_add (argv, NULL);
  g_spawn_sync (cwd, (char **) argv->pdata, NULL,
                G_SPAWN_SEARCH_PATH | G_SPAWN_STDIN_FROM_DEV_NULL,
                NULL, NULL, out, err, &status, &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (status));
  return WEXITSTATUS (status);
}

static GPtrArray *
collect_args (const char *first, va_list ap)
{
  GPtrArray *argv = g_ptr_array_new ();

  for (const char *a = first; a != NULL; a = va_arg (ap, const char *))
    g_ptr_array_add (argv, (gpointer) a);
  return argv;
}

/* runs openssl and insists it succeeds; returns its stdout */

char *
mpt_openssl (const char *cwd, const char *first, ...)
{
  g_autoptr(GPtrArray) argv = NULL;
  g_autoptr(GPtrArray) rest = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;
  va_list ap;
  int rc;

  va_start (ap, first);
  rest = collect_args (first, ap);
  va_end (ap);
  argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (gpointer) "openssl");
  g_ptr_array_extend (argv, rest, NULL, NULL);
  rc = mpt_run_argv (cwd, argv, &out, &err);
  if (rc != 0)
    g_error ("openssl %s failed (%d): %s", first, rc, err);
  return out;
}

/* runs `meetpki --home <store> ...`; returns the exit status */

int
mpt_cli (MptFixture *f, char **out, char **err, const char *first, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GPtrArray) rest = NULL;
  va_list ap;

  va_start (ap, first);
  rest = collect_args (first, ap);
  va_end (ap);
  g_ptr_array_add (argv, (gpointer) g_getenv ("MEETPKI_CLI"));
  g_ptr_array_add (argv, (gpointer) "--home");
  g_ptr_array_add (argv, f->home);
  g_ptr_array_extend (argv, rest, NULL, NULL);
  return mpt_run_argv (f->dir, argv, out, err);
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* names, modes and contents of every entry of @dir, hidden files included
 * (a left-over temp file shows); the lock file is the store's own */
char *
mpt_snapshot (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) s = g_string_new (NULL);
  const char *n;

  if (d == NULL)
    return g_strdup ("(no store)");
  while ((n = g_dir_read_name (d)) != NULL)
    {
      if (g_strcmp0 (n, ".lock") != 0)
        g_ptr_array_add (names, g_strdup (n));
    }
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *p = mpt_in_dir (dir, g_ptr_array_index (names, i));
      g_autofree char *content = NULL;
      gsize len = 0;
      struct stat st;

      g_assert_cmpint (lstat (p, &st), ==, 0);
      g_string_append_printf (s, "%s %o ", (const char *) g_ptr_array_index (names, i), st.st_mode);
      if (S_ISREG (st.st_mode) && g_file_get_contents (p, &content, &len, NULL))
        {
          g_autofree char *sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guint8 *) content, len);
          g_string_append (s, sum);
        }
      g_string_append_c (s, '\n');
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

guint
mpt_mode_of (const char *path)
{
  struct stat st;

  g_assert_cmpint (stat (path, &st), ==, 0);
  return st.st_mode & 07777;
}

void
mpt_write_file (const char *path, const char *content, gssize len)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, content, len, &error);
  g_assert_no_error (error);
}

char *
mpt_read_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *content = NULL;

  g_file_get_contents (path, &content, NULL, &error);
  g_assert_no_error (error);
  return content;
}

char *
mpt_pubkey_of (const char *key_path)
{
  return mpt_openssl (NULL, "pkey", "-in", key_path, "-pubout", NULL);
}

char *
mpt_fingerprint_of (const char *crt_path)
{
  return mpt_openssl (NULL, "x509", "-in", crt_path, "-noout", "-fingerprint", "-sha256", NULL);
}

/* the sha-256 fingerprint of each certificate of a pem file, in file order,
 * as openssl computes them */
GPtrArray *
mpt_fingerprints_of_bundle (const char *path, const char *scratch)
{
  g_autofree char *pem = mpt_read_file (path);
  GPtrArray *fps = g_ptr_array_new_with_free_func (g_free);
  const char *end_marker = "-----END CERTIFICATE-----\n";
  const char *p = pem;

  while ((p = strstr (p, "-----BEGIN CERTIFICATE-----")) != NULL)
    {
      const char *end = strstr (p, end_marker);
      g_autofree char *one = NULL;
      g_autofree char *tmp = mpt_in_dir (scratch, "one.crt");

      g_assert_nonnull (end);
      end += strlen (end_marker);
      one = g_strndup (p, (gsize) (end - p));
      mpt_write_file (tmp, one, -1);
      g_ptr_array_add (fps, mpt_fingerprint_of (tmp));
      g_unlink (tmp);
      p = end;
    }
  return fps;
}

void
mpt_make_material (void)
{
  g_autoptr(GError) error = NULL;
  const char *d;
  g_autofree char *pem = NULL;
  g_autofree char *root = NULL;
  g_autofree char *inter = NULL;
  g_autofree char *leaf_crt = NULL;
  g_autofree char *leaf_key = NULL;
  g_autofree char *p = NULL;

  material = g_dir_make_tmp ("meetpki-io-material-XXXXXX", &error);
  g_assert_no_error (error);
  d = material;

  p = mpt_mat ("ca.ext");
  mpt_write_file (p, "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n", -1);
  g_clear_pointer (&p, g_free);
  p = mpt_mat ("pw");
  mpt_write_file (p, PASSWORD "\n", -1);
  g_clear_pointer (&p, g_free);

  g_free (mpt_openssl (d, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "root.key",
                       "-out", "root.crt", "-subj", "/CN=IO Test Root", "-days", "30",
                       "-addext", "basicConstraints=critical,CA:TRUE",
                       "-addext", "keyUsage=critical,keyCertSign,cRLSign", NULL));
  g_free (mpt_openssl (d, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "int.key",
                       "-out", "int.csr", "-subj", "/CN=IO Test Intermediate", NULL));
  g_free (mpt_openssl (d, "x509", "-req", "-in", "int.csr", "-CA", "root.crt", "-CAkey", "root.key",
                       "-set_serial", "2", "-out", "int.crt", "-days", "20", "-extfile", "ca.ext", NULL));
  g_free (mpt_openssl (d, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                       "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=cms1.example.com", NULL));
  g_free (mpt_openssl (d, "x509", "-req", "-in", "leaf.csr", "-CA", "int.crt", "-CAkey", "int.key",
                       "-set_serial", "3", "-out", "leaf.crt", "-days", "10", NULL));
  g_free (mpt_openssl (d, "x509", "-in", "leaf.crt", "-outform", "DER", "-out", "leaf.der", NULL));
  g_free (mpt_openssl (d, "req", "-in", "leaf.csr", "-outform", "DER", "-out", "leaf.csr.der", NULL));
  /* a second key, to tell a replaced key from the old one */
  g_free (mpt_openssl (d, "genpkey", "-algorithm", "ed25519", "-out", "other.key", NULL));

  /* the ca certificates in the wrong order (root first) on purpose */
  root = mpt_mat ("root.crt");
  inter = mpt_mat ("int.crt");
  leaf_crt = mpt_mat ("leaf.crt");
  leaf_key = mpt_mat ("leaf.key");
  {
    g_autofree char *r = mpt_read_file (root);
    g_autofree char *i = mpt_read_file (inter);
    g_autofree char *l = mpt_read_file (leaf_crt);
    g_autofree char *k = mpt_read_file (leaf_key);
    g_autofree char *both = g_strconcat (r, i, NULL);
    g_autofree char *kc = g_strconcat (k, l, NULL);
    g_autofree char *ck = g_strconcat (l, k, NULL);

    p = mpt_mat ("chain.pem");
    mpt_write_file (p, both, -1);
    g_clear_pointer (&p, g_free);
    p = mpt_mat ("combo.pem");
    mpt_write_file (p, kc, -1);
    g_clear_pointer (&p, g_free);
    p = mpt_mat ("combo.crt");
    mpt_write_file (p, ck, -1);
    g_clear_pointer (&p, g_free);
  }

  g_free (mpt_openssl (d, "pkcs12", "-export", "-inkey", "leaf.key", "-in", "leaf.crt",
                       "-certfile", "chain.pem", "-passout", "file:pw", "-out", "full.p12", NULL));
  g_free (mpt_openssl (d, "pkcs12", "-export", "-inkey", "leaf.key", "-in", "leaf.crt",
                       "-passout", "pass:", "-out", "empty.p12", NULL));
  /* the older algorithms windows and java still write */
  g_free (mpt_openssl (d, "pkcs12", "-export", "-inkey", "leaf.key", "-in", "leaf.crt",
                       "-certfile", "int.crt", "-certpbe", "PBE-SHA1-3DES", "-keypbe", "PBE-SHA1-3DES",
                       "-macalg", "sha1", "-passout", "file:pw", "-out", "3des.p12", NULL));
  g_free (mpt_openssl (d, "pkcs12", "-export", "-nokeys", "-in", "leaf.crt",
                       "-passout", "file:pw", "-out", "nokey.p12", NULL));

  g_free (mpt_openssl (d, "pkey", "-in", "leaf.key", "-aes256", "-passout", "pass:x", "-out", "enc.key", NULL));
  g_free (mpt_openssl (d, "pkcs8", "-topk8", "-in", "leaf.key", "-v2", "aes256", "-passout", "pass:x",
                       "-outform", "DER", "-out", "encder.key", NULL));
  g_free (mpt_openssl (d, "rsa", "-in", "int.key", "-traditional", "-aes128", "-passout", "pass:x",
                       "-out", "trad.key", NULL));

  p = mpt_mat ("garbage.crt");
  mpt_write_file (p, "this is not a certificate\n", -1);
  g_clear_pointer (&p, g_free);
  p = mpt_mat ("empty.crt");
  mpt_write_file (p, "", 0);
  g_clear_pointer (&p, g_free);
  p = mpt_mat ("leaf.txt");
  {
    g_autofree char *l = mpt_read_file (leaf_crt);
    mpt_write_file (p, l, -1);
  }
  g_clear_pointer (&p, g_free);

  /* a der csr whose last signature byte is flipped: it parses, but its own
   * signature no longer verifies */
  {
    g_autofree char *der_path = mpt_mat ("leaf.csr.der");
    g_autofree char *bad_path = mpt_mat ("badsig.csr");
    char *der = NULL;
    gsize len = 0;

    g_assert_true (g_file_get_contents (der_path, &der, &len, NULL));
    der[len - 1] ^= 0x5a;
    mpt_write_file (bad_path, der, (gssize) len);
    g_free (der);
  }
}

void
mpt_fixture_set_up (MptFixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("meetpki-io-XXXXXX", &error);
  g_assert_no_error (error);
  f->home = mpt_in_dir (f->dir, "store");
}

void
mpt_fixture_tear_down (MptFixture *f, gconstpointer data)
{
  mpt_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->home);
}

/* a store with something in it, so that "unchanged" means something */
void
mpt_seed_store (MptFixture *f)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *key = mpt_mat ("other.key");
  g_autofree char *crt = mpt_mat ("leaf.crt");

  g_assert_cmpint (mpt_cli (f, &out, &err, "pki", "import", key, "existing.key", NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (mpt_cli (f, &out, &err, "pki", "import", crt, "existing.crt", NULL), ==, 0);
}

/* runs a command that must fail: checks the status, the one error line on
 * stderr, nothing on stdout, and that the store is exactly as before */
void
mpt_assert_fails (MptFixture *f, int want_status, const char *want_error, const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *before = mpt_snapshot (f->home);
  g_autofree char *after = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *want_line = g_strdup_printf ("meetpki: %s\n", want_error);
  int status;

  g_ptr_array_add (argv, (gpointer) g_getenv ("MEETPKI_CLI"));
  g_ptr_array_add (argv, (gpointer) "--home");
  g_ptr_array_add (argv, f->home);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  status = mpt_run_argv (f->dir, argv, &out, &err);

  g_test_message ("%s", err);
  g_assert_cmpint (status, ==, want_status);
  g_assert_cmpstr (err, ==, want_line);
  g_assert_cmpstr (out, ==, "");
  after = mpt_snapshot (f->home);
  g_assert_cmpstr (after, ==, before);
}

void
mpt_material_free (void)
{
  if (material == NULL)
    return;
  mpt_rm_rf (material);
  g_clear_pointer (&material, g_free);
}
