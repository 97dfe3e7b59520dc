/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `pki import`, `pki export` and `pki pkcs12-to-pem`, run through the real
 * cli ($MEETPKI_CLI), with openssl as the independent maker and checker of
 * keys, certificates and pkcs#12 files.  every bad input asserts the error
 * line, the exit status and that the store did not change.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

/* the cli's exit statuses (doc/meetpki.1.scd) */
enum {
  EXIT_USAGE = 2,
  EXIT_NOT_FOUND = 3,
  EXIT_EXISTS = 4,
  EXIT_OUTSIDE_STORE = 5,
  EXIT_INVALID_DATA = 6,
  EXIT_IO = 8,
};

#define PASSWORD "s3cret pw"

/* keys, certificates and pkcs#12 files made once by openssl */
static char *material;

typedef struct {
  char *dir;  /* scratch space for this test */
  char *home; /* the store */
} Fixture;

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

static char *
mat (const char *name)
{
  return g_build_filename (material, name, NULL);
}

static char *
in_dir (const char *dir, const char *name)
{
  return g_build_filename (dir, name, NULL);
}

/* runs argv in @cwd with stdin from /dev/null; returns the exit status */
static int
run_argv (const char *cwd, GPtrArray *argv, char **out, char **err)
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
static char *
openssl (const char *cwd, const char *first, ...) G_GNUC_NULL_TERMINATED;

static char *
openssl (const char *cwd, const char *first, ...)
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
  rc = run_argv (cwd, argv, &out, &err);
  if (rc != 0)
    g_error ("openssl %s failed (%d): %s", first, rc, err);
  return out;
}

/* runs `meetpki --home <store> ...`; returns the exit status */
static int
cli (Fixture *f, char **out, char **err, const char *first, ...) G_GNUC_NULL_TERMINATED;

static int
cli (Fixture *f, char **out, char **err, const char *first, ...)
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
  return run_argv (f->dir, argv, out, err);
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* names, modes and contents of every entry of @dir, hidden files included
 * (a left-over temp file shows); the lock file is the store's own */
static char *
snapshot (const char *dir)
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
      g_autofree char *p = in_dir (dir, g_ptr_array_index (names, i));
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

static guint
mode_of (const char *path)
{
  struct stat st;

  g_assert_cmpint (stat (path, &st), ==, 0);
  return st.st_mode & 07777;
}

static void
write_file (const char *path, const char *content, gssize len)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, content, len, &error);
  g_assert_no_error (error);
}

static char *
read_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *content = NULL;

  g_file_get_contents (path, &content, NULL, &error);
  g_assert_no_error (error);
  return content;
}

static char *
pubkey_of (const char *key_path)
{
  return openssl (NULL, "pkey", "-in", key_path, "-pubout", NULL);
}

static char *
fingerprint_of (const char *crt_path)
{
  return openssl (NULL, "x509", "-in", crt_path, "-noout", "-fingerprint", "-sha256", NULL);
}

/* the sha-256 fingerprint of each certificate of a pem file, in file order,
 * as openssl computes them */
static GPtrArray *
fingerprints_of_bundle (const char *path, const char *scratch)
{
  g_autofree char *pem = read_file (path);
  GPtrArray *fps = g_ptr_array_new_with_free_func (g_free);
  const char *end_marker = "-----END CERTIFICATE-----\n";
  const char *p = pem;

  while ((p = strstr (p, "-----BEGIN CERTIFICATE-----")) != NULL)
    {
      const char *end = strstr (p, end_marker);
      g_autofree char *one = NULL;
      g_autofree char *tmp = in_dir (scratch, "one.crt");

      g_assert_nonnull (end);
      end += strlen (end_marker);
      one = g_strndup (p, (gsize) (end - p));
      write_file (tmp, one, -1);
      g_ptr_array_add (fps, fingerprint_of (tmp));
      g_unlink (tmp);
      p = end;
    }
  return fps;
}

static void
make_material (void)
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

  p = mat ("ca.ext");
  write_file (p, "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n", -1);
  g_clear_pointer (&p, g_free);
  p = mat ("pw");
  write_file (p, PASSWORD "\n", -1);
  g_clear_pointer (&p, g_free);

  g_free (openssl (d, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "root.key",
                   "-out", "root.crt", "-subj", "/CN=IO Test Root", "-days", "30",
                   "-addext", "basicConstraints=critical,CA:TRUE",
                   "-addext", "keyUsage=critical,keyCertSign,cRLSign", NULL));
  g_free (openssl (d, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "int.key",
                   "-out", "int.csr", "-subj", "/CN=IO Test Intermediate", NULL));
  g_free (openssl (d, "x509", "-req", "-in", "int.csr", "-CA", "root.crt", "-CAkey", "root.key",
                   "-set_serial", "2", "-out", "int.crt", "-days", "20", "-extfile", "ca.ext", NULL));
  g_free (openssl (d, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                   "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=cms1.example.com", NULL));
  g_free (openssl (d, "x509", "-req", "-in", "leaf.csr", "-CA", "int.crt", "-CAkey", "int.key",
                   "-set_serial", "3", "-out", "leaf.crt", "-days", "10", NULL));
  g_free (openssl (d, "x509", "-in", "leaf.crt", "-outform", "DER", "-out", "leaf.der", NULL));
  g_free (openssl (d, "req", "-in", "leaf.csr", "-outform", "DER", "-out", "leaf.csr.der", NULL));
  /* a second key, to tell a replaced key from the old one */
  g_free (openssl (d, "genpkey", "-algorithm", "ed25519", "-out", "other.key", NULL));

  /* the ca certificates in the wrong order (root first) on purpose */
  root = mat ("root.crt");
  inter = mat ("int.crt");
  leaf_crt = mat ("leaf.crt");
  leaf_key = mat ("leaf.key");
  {
    g_autofree char *r = read_file (root);
    g_autofree char *i = read_file (inter);
    g_autofree char *l = read_file (leaf_crt);
    g_autofree char *k = read_file (leaf_key);
    g_autofree char *both = g_strconcat (r, i, NULL);
    g_autofree char *kc = g_strconcat (k, l, NULL);
    g_autofree char *ck = g_strconcat (l, k, NULL);

    p = mat ("chain.pem");
    write_file (p, both, -1);
    g_clear_pointer (&p, g_free);
    p = mat ("combo.pem");
    write_file (p, kc, -1);
    g_clear_pointer (&p, g_free);
    p = mat ("combo.crt");
    write_file (p, ck, -1);
    g_clear_pointer (&p, g_free);
  }

  g_free (openssl (d, "pkcs12", "-export", "-inkey", "leaf.key", "-in", "leaf.crt",
                   "-certfile", "chain.pem", "-passout", "file:pw", "-out", "full.p12", NULL));
  g_free (openssl (d, "pkcs12", "-export", "-inkey", "leaf.key", "-in", "leaf.crt",
                   "-passout", "pass:", "-out", "empty.p12", NULL));
  /* the older algorithms windows and java still write */
  g_free (openssl (d, "pkcs12", "-export", "-inkey", "leaf.key", "-in", "leaf.crt",
                   "-certfile", "int.crt", "-certpbe", "PBE-SHA1-3DES", "-keypbe", "PBE-SHA1-3DES",
                   "-macalg", "sha1", "-passout", "file:pw", "-out", "3des.p12", NULL));
  g_free (openssl (d, "pkcs12", "-export", "-nokeys", "-in", "leaf.crt",
                   "-passout", "file:pw", "-out", "nokey.p12", NULL));

  g_free (openssl (d, "pkey", "-in", "leaf.key", "-aes256", "-passout", "pass:x", "-out", "enc.key", NULL));
  g_free (openssl (d, "pkcs8", "-topk8", "-in", "leaf.key", "-v2", "aes256", "-passout", "pass:x",
                   "-outform", "DER", "-out", "encder.key", NULL));
  g_free (openssl (d, "rsa", "-in", "int.key", "-traditional", "-aes128", "-passout", "pass:x",
                   "-out", "trad.key", NULL));

  p = mat ("garbage.crt");
  write_file (p, "this is not a certificate\n", -1);
  g_clear_pointer (&p, g_free);
  p = mat ("empty.crt");
  write_file (p, "", 0);
  g_clear_pointer (&p, g_free);
  p = mat ("leaf.txt");
  {
    g_autofree char *l = read_file (leaf_crt);
    write_file (p, l, -1);
  }
  g_clear_pointer (&p, g_free);

  /* a der csr whose last signature byte is flipped: it parses, but its own
   * signature no longer verifies */
  {
    g_autofree char *der_path = mat ("leaf.csr.der");
    g_autofree char *bad_path = mat ("badsig.csr");
    char *der = NULL;
    gsize len = 0;

    g_assert_true (g_file_get_contents (der_path, &der, &len, NULL));
    der[len - 1] ^= 0x5a;
    write_file (bad_path, der, (gssize) len);
    g_free (der);
  }
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("meetpki-io-XXXXXX", &error);
  g_assert_no_error (error);
  f->home = in_dir (f->dir, "store");
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->home);
}

/* a store with something in it, so that "unchanged" means something */
static void
seed_store (Fixture *f)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *key = mat ("other.key");
  g_autofree char *crt = mat ("leaf.crt");

  g_assert_cmpint (cli (f, &out, &err, "pki", "import", key, "existing.key", NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (cli (f, &out, &err, "pki", "import", crt, "existing.crt", NULL), ==, 0);
}

/* runs a command that must fail: checks the status, the one error line on
 * stderr, nothing on stdout, and that the store is exactly as before */
static void
assert_fails (Fixture *f, int want_status, const char *want_error, const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *before = snapshot (f->home);
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
  status = run_argv (f->dir, argv, &out, &err);

  g_test_message ("%s", err);
  g_assert_cmpint (status, ==, want_status);
  g_assert_cmpstr (err, ==, want_line);
  g_assert_cmpstr (out, ==, "");
  after = snapshot (f->home);
  g_assert_cmpstr (after, ==, before);
}

#define FAILS(f, status, message, ...) \
  G_STMT_START { \
    const char *const args_[] = { __VA_ARGS__, NULL }; \
    assert_fails ((f), (status), (message), args_); \
  } G_STMT_END

static void
test_import_key (Fixture *f, gconstpointer data)
{
  g_autofree char *src = mat ("leaf.key");
  g_autofree char *dst = in_dir (f->home, "leaf.key");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *want = NULL;
  g_autofree char *got = NULL;

  g_assert_cmpint (cli (f, &out, &err, "pki", "import", src, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "Imported private key leaf.key (mode 0600)\n");
  g_assert_cmpstr (err, ==, "");
  g_assert_cmpuint (mode_of (dst), ==, 0600);
  g_assert_cmpuint (mode_of (f->home), ==, 0700);
  /* openssl reads the stored key as the same key */
  want = pubkey_of (src);
  got = pubkey_of (dst);
  g_assert_cmpstr (got, ==, want);
}

static void
test_import_certificates (Fixture *f, gconstpointer data)
{
  g_autofree char *der = mat ("leaf.der");
  g_autofree char *leaf = mat ("leaf.crt");
  g_autofree char *chain = mat ("chain.pem");
  g_autofree char *root = mat ("root.crt");
  g_autofree char *inter = mat ("int.crt");
  g_autofree char *csr = mat ("leaf.csr.der");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  /* der in, pem under the given name */
  g_assert_cmpint (cli (f, &out, &err, "pki", "import", der, "dbserver.crt", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "Imported certificate dbserver.crt\n");
  {
    g_autofree char *dst = in_dir (f->home, "dbserver.crt");
    g_autofree char *text = read_file (dst);
    g_autofree char *want = fingerprint_of (leaf);
    g_autofree char *got = fingerprint_of (dst);
    g_assert_true (g_str_has_prefix (text, "-----BEGIN CERTIFICATE-----\n"));
    g_assert_cmpstr (got, ==, want);
    g_assert_cmpuint (mode_of (dst), ==, 0644);
  }

  /* a bundle keeps its certificates and their order */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (cli (f, &out, &err, "pki", "import", chain, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "Imported 2 certificates as chain.pem\n");
  {
    g_autofree char *dst = in_dir (f->home, "chain.pem");
    g_autoptr(GPtrArray) fps = fingerprints_of_bundle (dst, f->dir);
    g_autofree char *fr = fingerprint_of (root);
    g_autofree char *fi = fingerprint_of (inter);
    g_assert_cmpuint (fps->len, ==, 2);
    g_assert_cmpstr (g_ptr_array_index (fps, 0), ==, fr);
    g_assert_cmpstr (g_ptr_array_index (fps, 1), ==, fi);
  }

  /* a der csr arrives as pem that openssl verifies */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (cli (f, &out, &err, "pki", "import", csr, "dbclient.csr", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "Imported CSR dbclient.csr\n");
  {
    g_autofree char *dst = in_dir (f->home, "dbclient.csr");
    g_free (openssl (NULL, "req", "-in", dst, "-verify", "-noout", NULL));
  }
}

static void
test_import_force (Fixture *f, gconstpointer data)
{
  g_autofree char *leaf = mat ("leaf.key");
  g_autofree char *dst = in_dir (f->home, "existing.key");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *want = NULL;
  g_autofree char *got = NULL;

  seed_store (f);
  /* a key is never replaced without --force; neither is anything else */
  FAILS (f, EXIT_EXISTS, "existing.key already exists; refusing to overwrite it (use --force to replace it)",
         "pki", "import", leaf, "existing.key");
  {
    g_autofree char *crt = mat ("int.crt");
    FAILS (f, EXIT_EXISTS, "existing.crt already exists; refusing to overwrite it (use --force to replace it)",
           "pki", "import", crt, "existing.crt");
  }

  g_assert_cmpint (cli (f, &out, &err, "pki", "import", leaf, "existing.key", "--force", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "Imported private key existing.key (mode 0600)\n");
  g_assert_cmpuint (mode_of (dst), ==, 0600);
  want = pubkey_of (leaf);
  got = pubkey_of (dst);
  g_assert_cmpstr (got, ==, want);
}

static void
test_import_bad_input (Fixture *f, gconstpointer data)
{
  g_autofree char *leaf_crt = mat ("leaf.crt");
  g_autofree char *leaf_key = mat ("leaf.key");
  g_autofree char *missing = mat ("nothere.crt");
  g_autofree char *garbage = mat ("garbage.crt");
  g_autofree char *empty = mat ("empty.crt");
  g_autofree char *enc = mat ("enc.key");
  g_autofree char *encder = mat ("encder.key");
  g_autofree char *trad = mat ("trad.key");
  g_autofree char *p12 = mat ("full.p12");
  g_autofree char *combo_pem = mat ("combo.pem");
  g_autofree char *combo_crt = mat ("combo.crt");
  g_autofree char *txt = mat ("leaf.txt");
  g_autofree char *badsig = mat ("badsig.csr");
  g_autofree char *m = NULL;
  const char *encrypted = "the private key is encrypted; decrypt it first (e.g. openssl pkey -in FILE -out plain.key)";

  seed_store (f);

  m = g_strdup_printf ("%s: No such file or directory", missing);
  FAILS (f, EXIT_NOT_FOUND, m, "pki", "import", missing);
  g_clear_pointer (&m, g_free);
  m = g_strdup_printf ("%s is not a regular file", material);
  FAILS (f, EXIT_IO, m, "pki", "import", material, "dir.crt");
  g_clear_pointer (&m, g_free);
  m = g_strdup_printf ("%s is not a private key, CSR or certificate (PEM or DER)", garbage);
  FAILS (f, EXIT_INVALID_DATA, m, "pki", "import", garbage);
  g_clear_pointer (&m, g_free);
  m = g_strdup_printf ("%s: the file is empty", empty);
  FAILS (f, EXIT_INVALID_DATA, m, "pki", "import", empty);
  g_clear_pointer (&m, g_free);
  m = g_strdup_printf ("%s holds certificates, but the name x.key says a private key", leaf_crt);
  FAILS (f, EXIT_INVALID_DATA, m, "pki", "import", leaf_crt, "x.key");
  g_clear_pointer (&m, g_free);
  m = g_strdup_printf ("%s holds a private key, but the name x.crt says certificates", leaf_key);
  FAILS (f, EXIT_INVALID_DATA, m, "pki", "import", leaf_key, "x.crt");
  g_clear_pointer (&m, g_free);
  m = g_strdup_printf ("%s holds certificates, but the name x.csr says a certificate request", leaf_crt);
  FAILS (f, EXIT_INVALID_DATA, m, "pki", "import", leaf_crt, "x.csr");
  g_clear_pointer (&m, g_free);
  m = g_strdup_printf ("%s: %s", enc, encrypted);
  FAILS (f, EXIT_INVALID_DATA, m, "pki", "import", enc);
  g_clear_pointer (&m, g_free);
  m = g_strdup_printf ("%s: %s", encder, encrypted);
  FAILS (f, EXIT_INVALID_DATA, m, "pki", "import", encder);
  g_clear_pointer (&m, g_free);
  m = g_strdup_printf ("%s: %s", trad, encrypted);
  FAILS (f, EXIT_INVALID_DATA, m, "pki", "import", trad);
  g_clear_pointer (&m, g_free);
  m = g_strdup_printf ("%s is a PKCS#12 file; split it with 'meetpki pki pkcs12-to-pem'", p12);
  FAILS (f, EXIT_INVALID_DATA, m, "pki", "import", p12, "x.pem");
  g_clear_pointer (&m, g_free);
  m = g_strdup_printf ("%s holds a private key as well as certificates; "
                       "import the key on its own under a .key name", combo_crt);
  FAILS (f, EXIT_INVALID_DATA, m, "pki", "import", combo_crt);
  g_clear_pointer (&m, g_free);
  m = g_strdup_printf ("%s holds a private key together with other PEM blocks; import each on its own", combo_pem);
  FAILS (f, EXIT_INVALID_DATA, m, "pki", "import", combo_pem);
  g_clear_pointer (&m, g_free);
  m = g_strdup_printf ("%s: the CSR's own signature does not verify", badsig);
  FAILS (f, EXIT_INVALID_DATA, m, "pki", "import", badsig);
  g_clear_pointer (&m, g_free);

  /* a link out of the store is never written through, even with --force */
  {
    g_autofree char *outside = in_dir (f->dir, "outside.crt");
    g_autofree char *link = in_dir (f->home, "escape.crt");
    g_autofree char *content = NULL;
    write_file (outside, "outside\n", -1);
    g_assert_cmpint (symlink (outside, link), ==, 0);
    m = g_strdup_printf ("'escape.crt' is a link that leads out of the store %s", f->home);
    FAILS (f, EXIT_OUTSIDE_STORE, m, "pki", "import", leaf_crt, "escape.crt", "--force");
    g_clear_pointer (&m, g_free);
    content = read_file (outside);
    g_assert_cmpstr (content, ==, "outside\n");
  }

  /* names */
  FAILS (f, EXIT_OUTSIDE_STORE, "'../x.crt' is not a plain file name inside the store (no directories, no leading '.')",
         "pki", "import", leaf_crt, "../x.crt");
  FAILS (f, EXIT_OUTSIDE_STORE, "'a/b.crt' is not a plain file name inside the store (no directories, no leading '.')",
         "pki", "import", leaf_crt, "a/b.crt");
  FAILS (f, EXIT_OUTSIDE_STORE, "'.hidden.crt' is not a plain file name inside the store (no directories, no leading '.')",
         "pki", "import", leaf_crt, ".hidden.crt");
  {
    g_autofree char *abs = in_dir (f->dir, "abs.crt");
    m = g_strdup_printf ("'%s' is not a plain file name inside the store (no directories, no leading '.')", abs);
    FAILS (f, EXIT_OUTSIDE_STORE, m, "pki", "import", leaf_crt, abs);
    g_clear_pointer (&m, g_free);
  }
  FAILS (f, EXIT_USAGE, "'x.txt' needs one of the extensions .key .csr .crt .cer .pem",
         "pki", "import", leaf_crt, "x.txt");
  FAILS (f, EXIT_USAGE, "'dbserver' needs one of the extensions .key .csr .crt .cer .pem",
         "pki", "import", leaf_crt, "dbserver");
  /* the default name is the file's, and follows the same rule */
  FAILS (f, EXIT_USAGE, "'leaf.txt' needs one of the extensions .key .csr .crt .cer .pem",
         "pki", "import", txt);
  /* the command line */
  FAILS (f, EXIT_USAGE, "usage: meetpki pki import <path> [<name>]",
         "pki", "import", leaf_crt, "a.crt", "b.crt");
  FAILS (f, EXIT_USAGE, "usage: meetpki pki import <path> [<name>]", "pki", "import");
  FAILS (f, EXIT_USAGE, "option --days does not apply to 'meetpki pki import'",
         "pki", "import", leaf_crt, "--days", "3");

  /* a file root cannot be kept from: only meaningful for other users */
  if (geteuid () != 0)
    {
      g_autofree char *locked = in_dir (f->dir, "locked.crt");
      g_autofree char *l = read_file (leaf_crt);
      write_file (locked, l, -1);
      g_assert_cmpint (g_chmod (locked, 0), ==, 0);
      m = g_strdup_printf ("Failed to open file “%s”: Permission denied", locked);
      FAILS (f, EXIT_IO, m, "pki", "import", locked);
      g_clear_pointer (&m, g_free);
    }
}

static void
test_export (Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *key_out = in_dir (f->dir, "exported.key");
  g_autofree char *crt_out = in_dir (f->dir, "exported.crt");
  g_autofree char *store_key = in_dir (f->home, "existing.key");
  g_autofree char *store_crt = in_dir (f->home, "existing.crt");
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *m = NULL;

  seed_store (f);

  /* a key leaves as 0600, byte for byte what the store holds */
  g_assert_cmpint (cli (f, &out, &err, "pki", "export", "existing.key", key_out, NULL), ==, 0);
  m = g_strdup_printf ("Exported existing.key to %s\n", key_out);
  g_assert_cmpstr (out, ==, m);
  g_clear_pointer (&m, g_free);
  g_assert_cmpuint (mode_of (key_out), ==, 0600);
  a = read_file (key_out);
  b = read_file (store_key);
  g_assert_cmpstr (a, ==, b);
  g_clear_pointer (&a, g_free);
  g_clear_pointer (&b, g_free);

  /* a certificate as 0644; into a directory, under its own name */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (cli (f, &out, &err, "pki", "export", "existing.crt", crt_out, NULL), ==, 0);
  g_assert_cmpuint (mode_of (crt_out), ==, 0644);
  {
    g_autofree char *sub = in_dir (f->dir, "outdir");
    g_autofree char *there = in_dir (sub, "existing.crt");
    g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (cli (f, &out, &err, "pki", "export", "existing.crt", sub, NULL), ==, 0);
    a = read_file (there);
    b = read_file (store_crt);
    g_assert_cmpstr (a, ==, b);
    g_clear_pointer (&a, g_free);
    g_clear_pointer (&b, g_free);
  }

  /* import, export, import again: the same certificate for openssl */
  {
    g_autofree char *again = in_dir (f->home, "again.crt");
    g_autofree char *fa = NULL;
    g_autofree char *fb = NULL;
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (cli (f, &out, &err, "pki", "import", crt_out, "again.crt", NULL), ==, 0);
    fa = fingerprint_of (again);
    fb = fingerprint_of (store_crt);
    g_assert_cmpstr (fa, ==, fb);
    a = read_file (again);
    b = read_file (store_crt);
    g_assert_cmpstr (a, ==, b);
    g_clear_pointer (&a, g_free);
    g_clear_pointer (&b, g_free);
  }

  /* an existing path is kept without --force */
  write_file (crt_out, "precious\n", -1);
  m = g_strdup_printf ("exported.crt already exists; refusing to overwrite it (use --force to replace it)");
  FAILS (f, EXIT_EXISTS, m, "pki", "export", "existing.crt", crt_out);
  g_clear_pointer (&m, g_free);
  a = read_file (crt_out);
  g_assert_cmpstr (a, ==, "precious\n");
  g_clear_pointer (&a, g_free);

  /* --force replaces it, and a key replacing a public file becomes 0600 */
  g_assert_cmpint (g_chmod (crt_out, 0644), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (cli (f, &out, &err, "pki", "export", "existing.key", crt_out, "--force", NULL), ==, 0);
  g_assert_cmpuint (mode_of (crt_out), ==, 0600);
  a = read_file (crt_out);
  b = read_file (store_key);
  g_assert_cmpstr (a, ==, b);
  g_clear_pointer (&a, g_free);
  g_clear_pointer (&b, g_free);
  /* and no temporary file stayed beside it */
  {
    g_autofree char *snap = snapshot (f->dir);
    g_assert_null (strstr (snap, "\n."));
    g_assert_false (g_str_has_prefix (snap, "."));
  }
}

static void
test_export_bad_input (Fixture *f, gconstpointer data)
{
  g_autofree char *target = in_dir (f->dir, "x.crt");
  g_autofree char *m = NULL;

  seed_store (f);
  FAILS (f, EXIT_NOT_FOUND, "existing.cert: no such file in the store (did you mean existing.crt?)",
         "pki", "export", "existing.cert", target);
  m = g_strdup_printf ("nothing.crt: no such file in the store %s", f->home);
  FAILS (f, EXIT_NOT_FOUND, m, "pki", "export", "nothing.crt", target);
  g_clear_pointer (&m, g_free);
  m = g_strdup_printf ("'../store/existing.crt' is not a plain file name inside the store %s", f->home);
  FAILS (f, EXIT_OUTSIDE_STORE, m, "pki", "export", "../store/existing.crt", target);
  g_clear_pointer (&m, g_free);
  m = g_strdup_printf ("cannot create a temporary file in %s/missing: No such file or directory", f->dir);
  {
    g_autofree char *deep = in_dir (f->dir, "missing/x.crt");
    FAILS (f, EXIT_IO, m, "pki", "export", "existing.crt", deep);
  }
  g_clear_pointer (&m, g_free);
  /* a link that leads out of the store is not followed */
  {
    g_autofree char *outside = in_dir (f->dir, "outside.crt");
    g_autofree char *link = in_dir (f->home, "escape.crt");
    write_file (outside, "outside\n", -1);
    g_assert_cmpint (symlink (outside, link), ==, 0);
    m = g_strdup_printf ("'escape.crt' is a link that leads out of the store %s", f->home);
    FAILS (f, EXIT_OUTSIDE_STORE, m, "pki", "export", "escape.crt", target);
    g_clear_pointer (&m, g_free);
  }
  FAILS (f, EXIT_USAGE, "usage: meetpki pki export <name> <path>", "pki", "export", "existing.crt");
  FAILS (f, EXIT_USAGE, "option --password-file does not apply to 'meetpki pki export'",
         "pki", "export", "existing.crt", target, "--password-file", "x");
  g_assert_false (g_file_test (target, G_FILE_TEST_EXISTS));
}

/* splits an openssl pkcs#12 file and compares every part with what openssl
 * extracts from it */
static void
check_split (Fixture *f, const char *p12, const char *basename, gboolean with_bundle)
{
  g_autofree char *pw = mat ("pw");
  g_autofree char *passin = g_strdup_printf ("file:%s", pw);
  g_autofree char *key = g_strdup_printf ("%s/%s.key", f->home, basename);
  g_autofree char *crt = g_strdup_printf ("%s/%s.crt", f->home, basename);
  g_autofree char *bundle = g_strdup_printf ("%s/%s-bundle.crt", f->home, basename);
  g_autofree char *ossl_key = in_dir (f->dir, "ossl.key");
  g_autofree char *ossl_crt = in_dir (f->dir, "ossl.crt");
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;

  g_free (openssl (NULL, "pkcs12", "-in", p12, "-passin", passin, "-nocerts", "-nodes",
                   "-out", ossl_key, NULL));
  g_free (openssl (NULL, "pkcs12", "-in", p12, "-passin", passin, "-nokeys", "-clcerts",
                   "-out", ossl_crt, NULL));
  g_assert_cmpuint (mode_of (key), ==, 0600);
  g_assert_cmpuint (mode_of (crt), ==, 0644);
  a = pubkey_of (key);
  b = pubkey_of (ossl_key);
  g_assert_cmpstr (a, ==, b);
  g_clear_pointer (&a, g_free);
  g_clear_pointer (&b, g_free);
  a = fingerprint_of (crt);
  b = fingerprint_of (ossl_crt);
  g_assert_cmpstr (a, ==, b);
  g_clear_pointer (&a, g_free);
  g_clear_pointer (&b, g_free);
  /* openssl agrees that key and certificate belong together */
  {
    g_autofree char *kpub = pubkey_of (key);
    g_autofree char *cpub = openssl (NULL, "x509", "-in", crt, "-noout", "-pubkey", NULL);
    g_assert_cmpstr (kpub, ==, cpub);
  }
  g_assert_cmpint (g_file_test (bundle, G_FILE_TEST_EXISTS), ==, with_bundle);
}

static void
test_pkcs12_openssl (Fixture *f, gconstpointer data)
{
  g_autofree char *p12 = mat ("full.p12");
  g_autofree char *pw = mat ("pw");
  g_autofree char *root = mat ("root.crt");
  g_autofree char *inter = mat ("int.crt");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *bundle = in_dir (f->home, "cms-bundle.crt");
  g_autofree char *crt = in_dir (f->home, "cms.crt");

  g_assert_cmpint (cli (f, &out, &err, "pki", "pkcs12-to-pem", p12, "cms", "--password-file", pw, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "Created key file cms.key, certificate cms.crt and CA bundle cms-bundle.crt (2 certificates)\n");
  g_assert_cmpstr (err, ==, "");
  check_split (f, p12, "cms", TRUE);

  /* the file had root before intermediate; the bundle is in chain order */
  {
    g_autoptr(GPtrArray) fps = fingerprints_of_bundle (bundle, f->dir);
    g_autofree char *fr = fingerprint_of (root);
    g_autofree char *fi = fingerprint_of (inter);
    g_assert_cmpuint (fps->len, ==, 2);
    g_assert_cmpstr (g_ptr_array_index (fps, 0), ==, fi);
    g_assert_cmpstr (g_ptr_array_index (fps, 1), ==, fr);
  }
  /* and openssl builds the chain from it */
  g_free (openssl (NULL, "verify", "-CAfile", root, "-untrusted", bundle, crt, NULL));
}

static void
test_pkcs12_password_forms (Fixture *f, gconstpointer data)
{
  g_autofree char *p12 = mat ("full.p12");
  g_autofree char *legacy = mat ("3des.p12");
  const struct {
    const char *content;
    const char *basename;
  } forms[] = {
    { PASSWORD, "nonewline" },
    { PASSWORD "\r\n", "crlf" },
    { PASSWORD "\nthe second line is ignored\n", "twolines" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (forms); i++)
    {
      g_autofree char *pwf = in_dir (f->dir, "pwform");
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;

      write_file (pwf, forms[i].content, -1);
      g_assert_cmpint (cli (f, &out, &err, "pki", "pkcs12-to-pem", p12, forms[i].basename,
                            "--password-file", pwf, NULL), ==, 0);
      check_split (f, p12, forms[i].basename, TRUE);
    }

  /* sha1/3des, as older exporters write it */
  {
    g_autofree char *pw = mat ("pw");
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_assert_cmpint (cli (f, &out, &err, "pki", "pkcs12-to-pem", legacy, "legacy",
                          "--password-file", pw, NULL), ==, 0);
    g_assert_cmpstr (out, ==, "Created key file legacy.key, certificate legacy.crt and CA bundle legacy-bundle.crt (1 certificate)\n");
    check_split (f, legacy, "legacy", TRUE);
  }
}

static void
test_pkcs12_empty_password (Fixture *f, gconstpointer data)
{
  g_autofree char *p12 = mat ("empty.p12");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *m = NULL;
  g_autofree char *key = in_dir (f->home, "nopw.key");
  g_autofree char *src_key = mat ("leaf.key");
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;

  /* stdin is not a terminal: the empty password is tried */
  g_assert_cmpint (cli (f, &out, &err, "pki", "pkcs12-to-pem", p12, "nopw", NULL), ==, 0);
  m = g_strdup_printf ("Created key file nopw.key and certificate nopw.crt (no CA certificates in %s, no bundle written)\n", p12);
  g_assert_cmpstr (out, ==, m);
  a = pubkey_of (key);
  b = pubkey_of (src_key);
  g_assert_cmpstr (a, ==, b);
  {
    g_autofree char *bundle = in_dir (f->home, "nopw-bundle.crt");
    g_assert_false (g_file_test (bundle, G_FILE_TEST_EXISTS));
  }

  /* over an earlier split that had a bundle: the old bundle stays, and the
   * user is told */
  {
    g_autofree char *full = mat ("full.p12");
    g_autofree char *pw = mat ("pw");
    g_autofree char *bundle = in_dir (f->home, "again-bundle.crt");
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (cli (f, &out, &err, "pki", "pkcs12-to-pem", full, "again", "--password-file", pw, NULL), ==, 0);
    before = read_file (bundle);
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (cli (f, &out, &err, "pki", "pkcs12-to-pem", p12, "again", "--force", NULL), ==, 0);
    g_clear_pointer (&m, g_free);
    m = g_strdup_printf ("Created key file again.key and certificate again.crt (no CA certificates in %s, no bundle written)\n"
                         "Note: the older again-bundle.crt was left as it was; it may not belong to again.crt\n", p12);
    g_assert_cmpstr (out, ==, m);
    after = read_file (bundle);
    g_assert_cmpstr (after, ==, before);
  }
}

static void
test_pkcs12_bad_input (Fixture *f, gconstpointer data)
{
  g_autofree char *p12 = mat ("full.p12");
  g_autofree char *nokey = mat ("nokey.p12");
  g_autofree char *crt = mat ("leaf.crt");
  g_autofree char *missing = mat ("missing.p12");
  g_autofree char *wrong = in_dir (f->dir, "wrong-pw");
  g_autofree char *no_pw_file = in_dir (f->dir, "no-such-pw");
  g_autofree char *pw = mat ("pw");
  g_autofree char *m = NULL;

  seed_store (f);
  write_file (wrong, "definitely-not-it\n", -1);

  m = g_strdup_printf ("%s: wrong password (the PKCS#12 integrity check failed)", p12);
  FAILS (f, EXIT_INVALID_DATA, m, "pki", "pkcs12-to-pem", p12, "cms", "--password-file", wrong);
  g_clear_pointer (&m, g_free);
  m = g_strdup_printf ("%s: the file is password-protected; give the password with --password-file FILE", p12);
  FAILS (f, EXIT_INVALID_DATA, m, "pki", "pkcs12-to-pem", p12, "cms");
  g_clear_pointer (&m, g_free);
  m = g_strdup_printf ("cannot open the password file %s: No such file or directory", no_pw_file);
  FAILS (f, EXIT_NOT_FOUND, m, "pki", "pkcs12-to-pem", p12, "cms", "--password-file", no_pw_file);
  g_clear_pointer (&m, g_free);
  m = g_strdup_printf ("%s is not a PKCS#12 file but a certificate file", crt);
  FAILS (f, EXIT_INVALID_DATA, m, "pki", "pkcs12-to-pem", crt, "cms", "--password-file", pw);
  g_clear_pointer (&m, g_free);
  m = g_strdup_printf ("%s does not hold both a private key and its certificate", nokey);
  FAILS (f, EXIT_INVALID_DATA, m, "pki", "pkcs12-to-pem", nokey, "cms", "--password-file", pw);
  g_clear_pointer (&m, g_free);
  m = g_strdup_printf ("%s: no such file", missing);
  FAILS (f, EXIT_NOT_FOUND, m, "pki", "pkcs12-to-pem", missing, "cms", "--password-file", pw);
  g_clear_pointer (&m, g_free);
  FAILS (f, EXIT_USAGE, "basename 'cms.key' may only hold letters, digits, '-' and '_' "
                        "(give 'dbserver', not 'dbserver.key')",
         "pki", "pkcs12-to-pem", p12, "cms.key", "--password-file", pw);
  FAILS (f, EXIT_USAGE, "basename '../cms' may only hold letters, digits, '-' and '_' "
                        "(give 'dbserver', not 'dbserver.key')",
         "pki", "pkcs12-to-pem", p12, "../cms", "--password-file", pw);
  FAILS (f, EXIT_USAGE, "usage: meetpki pki pkcs12-to-pem <file.p12> <basename>",
         "pki", "pkcs12-to-pem", p12);

  /* an existing key stops the whole split: no .crt, no bundle either */
  FAILS (f, EXIT_EXISTS, "existing.key already exists; refusing to overwrite it (use --force to replace it)",
         "pki", "pkcs12-to-pem", p12, "existing", "--password-file", pw);
  /* an existing certificate too, though the key would be new */
  {
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_autofree char *other = mat ("int.crt");
    g_assert_cmpint (cli (f, &out, &err, "pki", "import", other, "lonely.crt", NULL), ==, 0);
    FAILS (f, EXIT_EXISTS, "lonely.crt already exists; refusing to overwrite it (use --force to replace it)",
           "pki", "pkcs12-to-pem", p12, "lonely", "--password-file", pw);
  }
  /* with --force all three are replaced */
  {
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_assert_cmpint (cli (f, &out, &err, "pki", "pkcs12-to-pem", p12, "existing",
                          "--password-file", pw, "--force", NULL), ==, 0);
    check_split (f, p12, "existing", TRUE);
  }
}

/* the password never reaches the output, whatever happens */
static void
test_pkcs12_password_not_echoed (Fixture *f, gconstpointer data)
{
  g_autofree char *p12 = mat ("full.p12");
  g_autofree char *wrong = in_dir (f->dir, "wrong-pw");
  g_autofree char *pw = mat ("pw");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  write_file (wrong, "Tr0ub4dor&3\n", -1);
  g_assert_cmpint (cli (f, &out, &err, "pki", "pkcs12-to-pem", p12, "x", "--password-file", wrong, NULL),
                   ==, EXIT_INVALID_DATA);
  g_assert_null (strstr (out, "Tr0ub4dor"));
  g_assert_null (strstr (err, "Tr0ub4dor"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (cli (f, &out, &err, "pki", "pkcs12-to-pem", p12, "x", "--password-file", pw, NULL), ==, 0);
  g_assert_null (strstr (out, PASSWORD));
  g_assert_null (strstr (err, PASSWORD));
}

/* reads from the pty master until @until shows up (or, for NULL, until the
 * child closes it); appends to @seen */
static void
read_pty (int master, GString *seen, const char *until)
{
  while (until == NULL || strstr (seen->str, until) == NULL)
    {
      struct pollfd pfd = { .fd = master, .events = POLLIN };
      char buf[256];
      ssize_t n;
      int rc = poll (&pfd, 1, 20000);

      g_assert_cmpint (rc, >, 0); /* else the cli hung */
      n = read (master, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break; /* EIO: the child is gone */
      g_string_append_len (seen, buf, n);
    }
}

/* starts `meetpki pki pkcs12-to-pem <p12> <basename>` on a new pty whose
 * master end it returns */
static int
spawn_on_pty (Fixture *f, const char *p12, const char *basename, pid_t *pid_out)
{
  const char *argv[] = { g_getenv ("MEETPKI_CLI"), "--home", f->home, "pki", "pkcs12-to-pem",
                         p12, basename, NULL };
  const char *slave_name;
  int master;
  pid_t pid;

  master = posix_openpt (O_RDWR | O_NOCTTY);
  g_assert_cmpint (master, >=, 0);
  g_assert_cmpint (grantpt (master), ==, 0);
  g_assert_cmpint (unlockpt (master), ==, 0);
  slave_name = ptsname (master);
  g_assert_nonnull (slave_name);

  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      /* only async-signal-safe calls between fork and exec */
      int slave;
      setsid ();
      slave = open (slave_name, O_RDWR);
      if (slave < 0)
        _exit (126);
      dup2 (slave, 0);
      dup2 (slave, 1);
      dup2 (slave, 2);
      close (master);
      execv (argv[0], (char **) argv);
      _exit (127);
    }
  *pid_out = pid;
  return master;
}

/* on a terminal the password is asked for with echo off */
static void
test_pkcs12_terminal_prompt (Fixture *f, gconstpointer data)
{
  g_autofree char *p12 = mat ("full.p12");
  g_autoptr(GString) seen = g_string_new (NULL);
  int status = 0;
  pid_t pid = 0;
  int master = spawn_on_pty (f, p12, "tty", &pid);

  read_pty (master, seen, "Password for ");
  g_assert_cmpint (write (master, PASSWORD "\n", strlen (PASSWORD) + 1), ==, (gssize) strlen (PASSWORD) + 1);
  read_pty (master, seen, NULL);
  close (master);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_test_message ("terminal: %s", seen->str);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
  g_assert_nonnull (strstr (seen->str, "Created key file tty.key, certificate tty.crt"));
  /* the terminal never showed what was typed */
  g_assert_null (strstr (seen->str, PASSWORD));
  check_split (f, p12, "tty", TRUE);
}

/* ctrl-c at the prompt: the cli dies of the signal, the terminal echoes
 * again and nothing is written */
static void
test_pkcs12_terminal_interrupt (Fixture *f, gconstpointer data)
{
  g_autofree char *p12 = mat ("full.p12");
  g_autoptr(GString) seen = g_string_new (NULL);
  struct termios t;
  int status = 0;
  pid_t pid = 0;
  int master = spawn_on_pty (f, p12, "tty", &pid);

  read_pty (master, seen, "Password for ");
  /* echo is off while the prompt waits */
  g_assert_cmpint (tcgetattr (master, &t), ==, 0);
  g_assert_false (t.c_lflag & ECHO);
  g_assert_cmpint (write (master, "\003", 1), ==, 1);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFSIGNALED (status));
  g_assert_cmpint (WTERMSIG (status), ==, SIGINT);
  g_assert_cmpint (tcgetattr (master, &t), ==, 0);
  g_assert_true (t.c_lflag & ECHO);
  close (master);
  {
    g_autofree char *snap = snapshot (f->home);
    g_assert_cmpstr (snap, ==, "");
  }
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
  make_material ();

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/io/import/key", test_import_key);
  ADD ("/io/import/certificates", test_import_certificates);
  ADD ("/io/import/force", test_import_force);
  ADD ("/io/import/bad-input", test_import_bad_input);
  ADD ("/io/export/round-trip", test_export);
  ADD ("/io/export/bad-input", test_export_bad_input);
  ADD ("/io/pkcs12/openssl", test_pkcs12_openssl);
  ADD ("/io/pkcs12/password-forms", test_pkcs12_password_forms);
  ADD ("/io/pkcs12/empty-password", test_pkcs12_empty_password);
  ADD ("/io/pkcs12/bad-input", test_pkcs12_bad_input);
  ADD ("/io/pkcs12/password-not-echoed", test_pkcs12_password_not_echoed);
  ADD ("/io/pkcs12/terminal-prompt", test_pkcs12_terminal_prompt);
  ADD ("/io/pkcs12/terminal-interrupt", test_pkcs12_terminal_interrupt);
#undef ADD

  rc = g_test_run ();
  rm_rf (material);
  g_free (material);
  return rc;
}
