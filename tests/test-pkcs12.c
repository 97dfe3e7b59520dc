/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `pki pkcs12-to-pem` on pkcs#12 files made by openssl: every part compared
 * with what openssl extracts, passwords from a file or a terminal, and every
 * bad input leaving the store as it was.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "mp-test-io.h"

/* splits an openssl pkcs#12 file and compares every part with what openssl
 * extracts from it */
static void
check_split (MptFixture *f, const char *p12, const char *basename, gboolean with_bundle)
{
  g_autofree char *pw = mpt_mat ("pw");
  g_autofree char *passin = g_strdup_printf ("file:%s", pw);
  g_autofree char *key = g_strdup_printf ("%s/%s.key", f->home, basename);
  g_autofree char *crt = g_strdup_printf ("%s/%s.crt", f->home, basename);
  g_autofree char *bundle = g_strdup_printf ("%s/%s-bundle.crt", f->home, basename);
  g_autofree char *ossl_key = mpt_in_dir (f->dir, "ossl.key");
  g_autofree char *ossl_crt = mpt_in_dir (f->dir, "ossl.crt");
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;

  g_free (mpt_openssl (NULL, "pkcs12", "-in", p12, "-passin", passin, "-nocerts", "-nodes",
                       "-out", ossl_key, NULL));
  g_free (mpt_openssl (NULL, "pkcs12", "-in", p12, "-passin", passin, "-nokeys", "-clcerts",
                       "-out", ossl_crt, NULL));
  g_assert_cmpuint (mpt_mode_of (key), ==, 0600);
  g_assert_cmpuint (mpt_mode_of (crt), ==, 0644);
  a = mpt_pubkey_of (key);
  b = mpt_pubkey_of (ossl_key);
  g_assert_cmpstr (a, ==, b);
  g_clear_pointer (&a, g_free);
  g_clear_pointer (&b, g_free);
  a = mpt_fingerprint_of (crt);
  b = mpt_fingerprint_of (ossl_crt);
  g_assert_cmpstr (a, ==, b);
  g_clear_pointer (&a, g_free);
  g_clear_pointer (&b, g_free);
  /* openssl agrees that key and certificate belong together */
  {
    g_autofree char *kpub = mpt_pubkey_of (key);
    g_autofree char *cpub = mpt_openssl (NULL, "x509", "-in", crt, "-noout", "-pubkey", NULL);
    g_assert_cmpstr (kpub, ==, cpub);
  }
  g_assert_cmpint (g_file_test (bundle, G_FILE_TEST_EXISTS), ==, with_bundle);
}

static void
test_pkcs12_openssl (MptFixture *f, gconstpointer data)
{
  g_autofree char *p12 = mpt_mat ("full.p12");
  g_autofree char *pw = mpt_mat ("pw");
  g_autofree char *root = mpt_mat ("root.crt");
  g_autofree char *inter = mpt_mat ("int.crt");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *bundle = mpt_in_dir (f->home, "cms-bundle.crt");
  g_autofree char *crt = mpt_in_dir (f->home, "cms.crt");

  g_assert_cmpint (mpt_cli (f, &out, &err, "pki", "pkcs12-to-pem", p12, "cms", "--password-file", pw, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "Created key file cms.key, certificate cms.crt and CA bundle cms-bundle.crt (2 certificates)\n");
  g_assert_cmpstr (err, ==, "");
  check_split (f, p12, "cms", TRUE);

  /* the file had root before intermediate; the bundle is in chain order */
  {
    g_autoptr(GPtrArray) fps = mpt_fingerprints_of_bundle (bundle, f->dir);
    g_autofree char *fr = mpt_fingerprint_of (root);
    g_autofree char *fi = mpt_fingerprint_of (inter);
    g_assert_cmpuint (fps->len, ==, 2);
    g_assert_cmpstr (g_ptr_array_index (fps, 0), ==, fi);
    g_assert_cmpstr (g_ptr_array_index (fps, 1), ==, fr);
  }
  /* and openssl builds the chain from it */
  g_free (mpt_openssl (NULL, "verify", "-CAfile", root, "-untrusted", bundle, crt, NULL));
}

static void
test_pkcs12_password_forms (MptFixture *f, gconstpointer data)
{
  g_autofree char *p12 = mpt_mat ("full.p12");
  g_autofree char *legacy = mpt_mat ("3des.p12");
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
      g_autofree char *pwf = mpt_in_dir (f->dir, "pwform");
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;

      mpt_write_file (pwf, forms[i].content, -1);
      g_assert_cmpint (mpt_cli (f, &out, &err, "pki", "pkcs12-to-pem", p12, forms[i].basename,
                                "--password-file", pwf, NULL), ==, 0);
      check_split (f, p12, forms[i].basename, TRUE);
    }

  /* sha1/3des, as older exporters write it */
  {
    g_autofree char *pw = mpt_mat ("pw");
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_assert_cmpint (mpt_cli (f, &out, &err, "pki", "pkcs12-to-pem", legacy, "legacy",
                              "--password-file", pw, NULL), ==, 0);
    g_assert_cmpstr (out, ==, "Created key file legacy.key, certificate legacy.crt and CA bundle legacy-bundle.crt (1 certificate)\n");
    check_split (f, legacy, "legacy", TRUE);
  }
}

/* `pkcs12-to-pem --password-file F` with F a regular file, and with F
 * /dev/stdin on a pipe: the same password both ways */
static int
split_with_password (MptFixture *f, const char *p12, const char *basename, const char *pwf, gboolean piped)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  int status;

  if (!piped)
    return mpt_cli (f, &out, &err, "pki", "pkcs12-to-pem", p12, basename, "--password-file", pwf, NULL);
  g_ptr_array_add (argv, (gpointer) "sh");
  g_ptr_array_add (argv, (gpointer) "-c");
  g_ptr_array_add (argv, (gpointer) "cat \"$5\" | \"$0\" --home \"$1\" pki pkcs12-to-pem \"$2\" \"$3\" --password-file \"$4\"");
  g_ptr_array_add (argv, (gpointer) g_getenv ("MEETPKI_CLI"));
  g_ptr_array_add (argv, f->home);
  g_ptr_array_add (argv, (gpointer) p12);
  g_ptr_array_add (argv, (gpointer) basename);
  g_ptr_array_add (argv, (gpointer) "/dev/stdin");
  g_ptr_array_add (argv, (gpointer) pwf);
  status = mpt_run_argv (f->dir, argv, &out, &err);
  g_test_message ("%s: %s%s", basename, out, err);
  return status;
}

/* the line end of a password file is one "\n" or "\r\n", no more: a
 * password of openssl's own that ends in "\r" opens its .p12 from a file
 * or a pipe, and a "\r" that ends no line is never dropped */
static void
test_pkcs12_password_line_ends (MptFixture *f, gconstpointer data)
{
  g_autofree char *full = mpt_mat ("full.p12");
  g_autofree char *cr = mpt_in_dir (f->dir, "cr.p12");
  g_autofree char *leaf_key = mpt_mat ("leaf.key");
  g_autofree char *leaf_crt = mpt_mat ("leaf.crt");
  g_autofree char *pwf = mpt_in_dir (f->dir, "pwform");
  g_autofree char *want = mpt_pubkey_of (leaf_key);
  const struct {
    const char *content;
    gboolean is_cr; /* the password is PASSWORD "\r", else PASSWORD */
  } forms[] = {
    { PASSWORD "\r\n", FALSE },   /* a windows line end */
    { PASSWORD "\n", FALSE },
    { PASSWORD "\r", TRUE },      /* no line end: the \r is the password's */
    { PASSWORD "\r\r\n", TRUE },  /* its \r, then a windows line end */
    { PASSWORD "\r\n\n", FALSE }, /* the second line is ignored */
  };

  g_free (mpt_openssl (f->dir, "pkcs12", "-export", "-inkey", leaf_key, "-in", leaf_crt,
                       "-passout", "pass:" PASSWORD "\r", "-out", cr, NULL));
  /* openssl reads a password file without a line end as it stands */
  mpt_write_file (pwf, PASSWORD "\r", -1);
  {
    g_autofree char *passin = g_strdup_printf ("file:%s", pwf);
    g_free (mpt_openssl (f->dir, "pkcs12", "-in", cr, "-passin", passin, "-noout", NULL));
  }

  for (guint i = 0; i < G_N_ELEMENTS (forms); i++)
    {
      for (guint piped = 0; piped < 2; piped++)
        {
          g_autofree char *ok_name = g_strdup_printf ("ok%u%s", i, piped ? "p" : "");
          g_autofree char *bad_name = g_strdup_printf ("bad%u%s", i, piped ? "p" : "");
          g_autofree char *key = NULL;
          g_autofree char *bad_key = NULL;
          g_autofree char *got = NULL;

          mpt_write_file (pwf, forms[i].content, -1);
          g_test_message ("form %u, %s", i, piped ? "piped" : "a file");
          g_assert_cmpint (split_with_password (f, forms[i].is_cr ? cr : full, ok_name, pwf, piped), ==, 0);
          key = g_strdup_printf ("%s/%s.key", f->home, ok_name);
          got = mpt_pubkey_of (key);
          g_assert_cmpstr (got, ==, want);
          /* the other password is not the one read */
          g_assert_cmpint (split_with_password (f, forms[i].is_cr ? full : cr, bad_name, pwf, piped), ==,
                           EXIT_INVALID_DATA);
          bad_key = g_strdup_printf ("%s/%s.key", f->home, bad_name);
          g_assert_false (g_file_test (bad_key, G_FILE_TEST_EXISTS));
        }
    }
}

static void
test_pkcs12_empty_password (MptFixture *f, gconstpointer data)
{
  g_autofree char *p12 = mpt_mat ("empty.p12");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *m = NULL;
  g_autofree char *key = mpt_in_dir (f->home, "nopw.key");
  g_autofree char *src_key = mpt_mat ("leaf.key");
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;

  /* stdin is not a terminal: the empty password is tried */
  g_assert_cmpint (mpt_cli (f, &out, &err, "pki", "pkcs12-to-pem", p12, "nopw", NULL), ==, 0);
  m = g_strdup_printf ("Created key file nopw.key and certificate nopw.crt (no CA certificates in %s, no bundle written)\n", p12);
  g_assert_cmpstr (out, ==, m);
  a = mpt_pubkey_of (key);
  b = mpt_pubkey_of (src_key);
  g_assert_cmpstr (a, ==, b);
  {
    g_autofree char *bundle = mpt_in_dir (f->home, "nopw-bundle.crt");
    g_assert_false (g_file_test (bundle, G_FILE_TEST_EXISTS));
  }

  /* over an earlier split that had a bundle: the old bundle stays, and the
   * user is told */
  {
    g_autofree char *full = mpt_mat ("full.p12");
    g_autofree char *pw = mpt_mat ("pw");
    g_autofree char *bundle = mpt_in_dir (f->home, "again-bundle.crt");
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (mpt_cli (f, &out, &err, "pki", "pkcs12-to-pem", full, "again", "--password-file", pw, NULL), ==, 0);
    before = mpt_read_file (bundle);
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (mpt_cli (f, &out, &err, "pki", "pkcs12-to-pem", p12, "again", "--force", NULL), ==, 0);
    g_clear_pointer (&m, g_free);
    m = g_strdup_printf ("Created key file again.key and certificate again.crt (no CA certificates in %s, no bundle written)\n"
                         "Note: the older again-bundle.crt was left as it was; it may not belong to again.crt\n", p12);
    g_assert_cmpstr (out, ==, m);
    after = mpt_read_file (bundle);
    g_assert_cmpstr (after, ==, before);
  }
}

static void
test_pkcs12_bad_input (MptFixture *f, gconstpointer data)
{
  g_autofree char *p12 = mpt_mat ("full.p12");
  g_autofree char *nokey = mpt_mat ("nokey.p12");
  g_autofree char *crt = mpt_mat ("leaf.crt");
  g_autofree char *missing = mpt_mat ("missing.p12");
  g_autofree char *wrong = mpt_in_dir (f->dir, "wrong-pw");
  g_autofree char *no_pw_file = mpt_in_dir (f->dir, "no-such-pw");
  g_autofree char *pw = mpt_mat ("pw");
  g_autofree char *m = NULL;

  mpt_seed_store (f);
  mpt_write_file (wrong, "definitely-not-it\n", -1);

  m = g_strdup_printf ("%s: wrong password (the PKCS#12 integrity check failed)", p12);
  MPT_FAILS (f, EXIT_INVALID_DATA, m, "pki", "pkcs12-to-pem", p12, "cms", "--password-file", wrong);
  g_clear_pointer (&m, g_free);
  m = g_strdup_printf ("%s: the file is password-protected; give the password with --password-file FILE", p12);
  MPT_FAILS (f, EXIT_INVALID_DATA, m, "pki", "pkcs12-to-pem", p12, "cms");
  g_clear_pointer (&m, g_free);
  m = g_strdup_printf ("cannot open the password file %s: No such file or directory", no_pw_file);
  MPT_FAILS (f, EXIT_NOT_FOUND, m, "pki", "pkcs12-to-pem", p12, "cms", "--password-file", no_pw_file);
  g_clear_pointer (&m, g_free);
  m = g_strdup_printf ("%s is not a PKCS#12 file but a certificate file", crt);
  MPT_FAILS (f, EXIT_INVALID_DATA, m, "pki", "pkcs12-to-pem", crt, "cms", "--password-file", pw);
  g_clear_pointer (&m, g_free);
  m = g_strdup_printf ("%s does not hold both a private key and its certificate", nokey);
  MPT_FAILS (f, EXIT_INVALID_DATA, m, "pki", "pkcs12-to-pem", nokey, "cms", "--password-file", pw);
  g_clear_pointer (&m, g_free);
  m = g_strdup_printf ("%s: No such file or directory", missing);
  MPT_FAILS (f, EXIT_NOT_FOUND, m, "pki", "pkcs12-to-pem", missing, "cms", "--password-file", pw);
  g_clear_pointer (&m, g_free);
  MPT_FAILS (f, EXIT_USAGE, "basename 'cms.key' may only hold letters, digits, '-' and '_' "
                            "(give 'dbserver', not 'dbserver.key')",
             "pki", "pkcs12-to-pem", p12, "cms.key", "--password-file", pw);
  MPT_FAILS (f, EXIT_USAGE, "basename '../cms' may only hold letters, digits, '-' and '_' "
                            "(give 'dbserver', not 'dbserver.key')",
             "pki", "pkcs12-to-pem", p12, "../cms", "--password-file", pw);
  MPT_FAILS (f, EXIT_USAGE, "usage: meetpki pki pkcs12-to-pem <file.p12> <basename>",
             "pki", "pkcs12-to-pem", p12);

  /* an existing key stops the whole split: no .crt, no bundle either */
  MPT_FAILS (f, EXIT_EXISTS, "existing.key already exists; refusing to overwrite it (use --force to replace it)",
             "pki", "pkcs12-to-pem", p12, "existing", "--password-file", pw);
  /* an existing certificate too, though the key would be new */
  {
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_autofree char *other = mpt_mat ("int.crt");
    g_assert_cmpint (mpt_cli (f, &out, &err, "pki", "import", other, "lonely.crt", NULL), ==, 0);
    MPT_FAILS (f, EXIT_EXISTS, "lonely.crt already exists; refusing to overwrite it (use --force to replace it)",
               "pki", "pkcs12-to-pem", p12, "lonely", "--password-file", pw);
  }
  /* with --force all three are replaced */
  {
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_assert_cmpint (mpt_cli (f, &out, &err, "pki", "pkcs12-to-pem", p12, "existing",
                              "--password-file", pw, "--force", NULL), ==, 0);
    check_split (f, p12, "existing", TRUE);
  }
}

/* the password never reaches the output, whatever happens */
static void
test_pkcs12_password_not_echoed (MptFixture *f, gconstpointer data)
{
  g_autofree char *p12 = mpt_mat ("full.p12");
  g_autofree char *wrong = mpt_in_dir (f->dir, "wrong-pw");
  g_autofree char *pw = mpt_mat ("pw");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  mpt_write_file (wrong, "Tr0ub4dor&3\n", -1);
  g_assert_cmpint (mpt_cli (f, &out, &err, "pki", "pkcs12-to-pem", p12, "x", "--password-file", wrong, NULL),
                       ==, EXIT_INVALID_DATA);
  g_assert_null (strstr (out, "Tr0ub4dor"));
  g_assert_null (strstr (err, "Tr0ub4dor"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (mpt_cli (f, &out, &err, "pki", "pkcs12-to-pem", p12, "x", "--password-file", pw, NULL), ==, 0);
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
spawn_on_pty (MptFixture *f, const char *p12, const char *basename, pid_t *pid_out)
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
test_pkcs12_terminal_prompt (MptFixture *f, gconstpointer data)
{
  g_autofree char *p12 = mpt_mat ("full.p12");
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
 * again and nothing is written: the store, missing before, is not made */
static void
test_pkcs12_terminal_interrupt (MptFixture *f, gconstpointer data)
{
  g_autofree char *p12 = mpt_mat ("full.p12");
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
    g_autofree char *snap = mpt_snapshot (f->home);
    g_assert_cmpstr (snap, ==, "(no store)");
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
  mpt_make_material ();

#define ADD(path, fn) g_test_add (path, MptFixture, NULL, mpt_fixture_set_up, fn, mpt_fixture_tear_down)
  ADD ("/pkcs12/openssl", test_pkcs12_openssl);
  ADD ("/pkcs12/password-forms", test_pkcs12_password_forms);
  ADD ("/pkcs12/password-line-ends", test_pkcs12_password_line_ends);
  ADD ("/pkcs12/empty-password", test_pkcs12_empty_password);
  ADD ("/pkcs12/bad-input", test_pkcs12_bad_input);
  ADD ("/pkcs12/password-not-echoed", test_pkcs12_password_not_echoed);
  ADD ("/pkcs12/terminal-prompt", test_pkcs12_terminal_prompt);
  ADD ("/pkcs12/terminal-interrupt", test_pkcs12_terminal_interrupt);
#undef ADD

  rc = g_test_run ();
  mpt_material_free ();
  return rc;
}
