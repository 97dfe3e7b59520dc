/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the quick `meetpki` (frontends/cli/meetpki-quick.c) against the full cli
 * (meetpki-full): `pki inspect` and `pki sign` print the same bytes both
 * ways, load neither libgio, libgobject, json-glib nor gmodule (inspect
 * not libgcrypt either, neither libglib when it is linked in), and hand
 * every failure and every other command to the full cli, whose messages
 * and exit statuses the user sees.
 */
#include "config.h"

#include <string.h>
#include <sys/wait.h>

#include "mp-test-cli.h"

static const char *
full_cli (void)
{
  const char *full = g_getenv ("MEETPKI_CLI_FULL");

  g_assert_nonnull (full);
  return full;
}

/* `<cli> --home <home> ...` in @cwd, with this process's environment (and
 * so its fixed clock, which mpt_tool() leaves out for the checkers) */
static MptResult *
run_cli (const char *cli, const char *cwd, const char *home, va_list ap)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  MptResult *r = g_new0 (MptResult, 1);
  int wait_status = 0;
  const char *a;

  g_ptr_array_add (argv, (gpointer) cli);
  g_ptr_array_add (argv, (gpointer) "--home");
  g_ptr_array_add (argv, (gpointer) home);
  while ((a = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) a);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (cwd, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &r->out, &r->err,
                               &wait_status, &error));
  g_assert_no_error (error);
  r->status = WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : 128 + WTERMSIG (wait_status);
  return r;
}

/* `meetpki-full --home <home> ...` in @home */
static MptResult *
full_va (const char *home, ...)
{
  MptResult *r;
  va_list ap;

  va_start (ap, home);
  r = run_cli (full_cli (), home, home, ap);
  va_end (ap);
  return r;
}

/* @cli (the quick one or the full one) with a store @home that need not
 * exist, in @cwd */
static MptResult *
cli_in_va (const char *cli, const char *cwd, const char *home, ...)
{
  MptResult *r;
  va_list ap;

  va_start (ap, home);
  r = run_cli (cli, cwd, home, ap);
  va_end (ap);
  return r;
}

static void
assert_same (MptResult *quick, MptResult *full)
{
  g_assert_cmpint (quick->status, ==, full->status);
  g_assert_cmpstr (quick->out, ==, full->out);
  g_assert_cmpstr (quick->err, ==, full->err);
}

/* a CA, a server certificate, its CSR and key, a bundle of two */
static char *
make_home (void)
{
  char *home = mpt_make_home ();
  g_autoptr(GBytes) ca = NULL;
  g_autoptr(GBytes) web = NULL;
  g_autoptr(GString) bundle = g_string_new (NULL);

  mpt_ok (home, "pki", "selfsigned", "ca", "CN:Quick CA", "O:Exämple", "C:DE", NULL);
  mpt_ok (home, "pki", "csr", "web", "CN:web.example.com", "subjectAltName:a.example.com,10.0.0.1,::1",
          NULL);
  mpt_ok (home, "pki", "csr", "ec", "CN:ec.example.com", "--key-type", "ec:p256", NULL);
  mpt_ok (home, "pki", "sign", "web", "ca", NULL);
  web = mpt_read (home, "web.crt");
  ca = mpt_read (home, "ca.crt");
  g_string_append_len (bundle, g_bytes_get_data (web, NULL), (gssize) g_bytes_get_size (web));
  g_string_append_len (bundle, g_bytes_get_data (ca, NULL), (gssize) g_bytes_get_size (ca));
  mpt_write (home, "chain.pem", bundle->str, bundle->len);
  return home;
}

static void
test_inspect_same_as_full (void)
{
  g_autofree char *home = make_home ();
  const char *names[] = { "web.crt", "ca.crt", "chain.pem", "web.csr", "ec.csr", "web.key", "ec.key" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(MptResult) quick = mpt_meetpki_va (home, "pki", "inspect", names[i], NULL);
      g_autoptr(MptResult) full = full_va (home, "pki", "inspect", names[i], NULL);

      mpt_assert_ok (quick);
      g_assert_nonnull (strstr (quick->out, "Kind:"));
      assert_same (quick, full);
    }
  mpt_remove_home (home);
}

/* `pki inspect <name>` by @cli with LC_ALL=@locale */
static char *
inspect_in_locale (const char *cli, const char *home, const char *locale, const char *name)
{
  const char *argv[] = { cli, "--home", home, "pki", "inspect", name, NULL };
  g_auto(GStrv) env = g_environ_setenv (g_get_environ (), "LC_ALL", locale, TRUE);
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;
  int status = 0;

  g_assert_true (g_spawn_sync (home, (char **) argv, env, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status,
                               &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_cmpstr (err, ==, "");
  return out;
}

/* the quick one prints ascii itself and the rest through g_print() in the
 * user's locale: a UTF-8 name comes out as the full cli prints it, as
 * UTF-8 in a UTF-8 locale and with '?' in the C locale */
static void
test_inspect_same_in_locales (void)
{
  g_autofree char *home = make_home ();
  const char *locales[] = { "C.UTF-8", "C" };

  for (guint i = 0; i < G_N_ELEMENTS (locales); i++)
    {
      g_autofree char *quick = inspect_in_locale (g_getenv ("MEETPKI_CLI"), home, locales[i], "ca.crt");
      g_autofree char *full = inspect_in_locale (full_cli (), home, locales[i], "ca.crt");

      g_assert_cmpstr (quick, ==, full);
      g_assert_nonnull (strstr (quick, i == 0 ? "O=Ex\xc3\xa4mple" : "O=Ex?mple"));
    }
  mpt_remove_home (home);
}

/* the same request signed in two copies of a store prints the same */
static void
test_sign_same_as_full (void)
{
  g_autofree char *home = make_home ();
  g_autoptr(MptResult) quick = mpt_meetpki_va (home, "pki", "sign", "web", "ca", "--days", "30", NULL);
  g_autoptr(MptResult) full = full_va (home, "pki", "sign", "web", "ca", "--days=30", NULL);
  g_autoptr(MptResult) verify = NULL;

  mpt_assert_ok (quick);
  g_assert_nonnull (strstr (quick->out, "Signed web.csr with CA ca: created certificate web.crt"));
  assert_same (quick, full);
  /* the one signed last, by the full cli; then again by the quick one */
  quick = (mpt_result_free (quick), mpt_meetpki_va (home, "pki", "sign", "web", "ca", "--days=30", NULL));
  mpt_assert_ok (quick);
  verify = mpt_tool_va (home, "openssl", "verify", "-CAfile", "ca.crt", "web.crt", NULL);
  mpt_assert_ok (verify);
  mpt_remove_home (home);
}

/* failures are the full cli's: same message, same status, nothing written */
static void
test_failures_are_the_full_clis (void)
{
  g_autofree char *home = make_home ();
  const char *cases[][5] = {
    { "pki", "inspect", "cbclient.crt", NULL },
    { "pki", "inspect", "web.key.missing", NULL },
    { "pki", "sign", "nosuch", "ca", NULL },
    { "pki", "sign", "web", "nosuch", NULL },
    /* ec.crt is no CA */
    { "pki", "sign", "web", "ec", NULL },
  };
  g_autofree char *before = NULL;

  mpt_ok (home, "pki", "sign", "ec", "ca", NULL);
  before = mpt_snapshot (home);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(MptResult) quick = mpt_meetpki (home, cases[i]);
      g_autoptr(MptResult) full = full_va (home, cases[i][0], cases[i][1], cases[i][2], cases[i][3], NULL);
      g_autofree char *after = NULL;

      g_assert_cmpint (quick->status, !=, 0);
      assert_same (quick, full);
      after = mpt_snapshot (home);
      g_assert_cmpstr (after, ==, before);
    }
  mpt_remove_home (home);
}

/* where no store is (a mistyped --home): an inspection by path prints
 * the same both ways, one by name fails the same (the full cli's "no
 * store at"), and neither creates the store */
static void
test_inspect_without_store (void)
{
  g_autofree char *home = make_home ();
  g_autofree char *typo = g_build_filename (home, "meetpkk", NULL);
  g_autofree char *path = g_build_filename (home, "web.crt", NULL);
  g_autofree char *want = g_strdup_printf ("meetpki: no store at %s (nothing was ever created there; "
                                           "check --home or MEETPKI_HOME)\n", typo);
  g_autofree char *before = mpt_snapshot (home);
  const char *quick_cli = g_getenv ("MEETPKI_CLI");
  const char *args[] = { path, "./web.crt", "nosuch.crt" };

  for (guint i = 0; i < G_N_ELEMENTS (args); i++)
    {
      g_autoptr(MptResult) quick = cli_in_va (quick_cli, home, typo, "pki", "inspect", args[i], NULL);
      g_autoptr(MptResult) full = cli_in_va (full_cli (), home, typo, "pki", "inspect", args[i], NULL);
      g_autofree char *after = mpt_snapshot (home);

      if (i < 2)
        {
          mpt_assert_ok (quick);
          g_assert_nonnull (strstr (quick->out, "Kind:                certificate\n"));
        }
      else
        {
          mpt_assert_status (quick, 3);
          g_assert_cmpstr (quick->err, ==, want);
        }
      assert_same (quick, full);
      g_assert_cmpstr (after, ==, before);
    }
  mpt_remove_home (home);
}

/* sign writes only into a store that holds its csr and ca: where no store
 * is, the quick cli creates none and the full cli says so, the same bytes
 * both ways (with --days too, which the quick cli reads itself); a file
 * where the store should be is the full cli's error alike */
static void
test_sign_without_store (void)
{
  g_autofree char *home = make_home ();
  g_autofree char *typo = g_build_filename (home, "meetpkk", NULL);
  g_autofree char *file = g_build_filename (home, "ca.crt", NULL);
  g_autofree char *want = g_strdup_printf ("meetpki: no store at %s (nothing was ever created there; "
                                           "check --home or MEETPKI_HOME)\n", typo);
  g_autofree char *before = mpt_snapshot (home);
  const char *quick_cli = g_getenv ("MEETPKI_CLI");
  const char *homes[] = { typo, typo, file };
  const char *days[] = { NULL, "30", NULL };

  for (guint i = 0; i < G_N_ELEMENTS (homes); i++)
    {
      g_autoptr(MptResult) quick = cli_in_va (quick_cli, home, homes[i], "pki", "sign", "web", "ca",
                                              days[i] != NULL ? "--days" : NULL, days[i], NULL);
      g_autoptr(MptResult) full = cli_in_va (full_cli (), home, homes[i], "pki", "sign", "web", "ca",
                                             days[i] != NULL ? "--days" : NULL, days[i], NULL);
      g_autofree char *after = mpt_snapshot (home);

      if (homes[i] == typo)
        {
          mpt_assert_status (quick, 3);
          g_assert_cmpstr (quick->err, ==, want);
        }
      else
        g_assert_cmpint (quick->status, !=, 0);
      g_assert_cmpstr (quick->out, ==, "");
      assert_same (quick, full);
      g_assert_cmpstr (after, ==, before);
    }
  mpt_remove_home (home);
}

/* the libraries the dynamic loader maps for a command */
static char *
loaded_libraries (const char *home, const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_auto(GStrv) env = g_environ_setenv (g_get_environ (), "LD_DEBUG", "libs", TRUE);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_ptr_array_add (argv, (gpointer) g_getenv ("MEETPKI_CLI"));
  g_ptr_array_add (argv, (gpointer) "--home");
  g_ptr_array_add (argv, (gpointer) home);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (home, (char **) argv->pdata, env, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                               &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return g_steal_pointer (&err);
}

static void
test_no_gio_json_gobject (void)
{
  g_autofree char *home = make_home ();
  const char *inspect[] = { "pki", "inspect", "web.crt", NULL };
  const char *sign[] = { "pki", "sign", "web", "ca", NULL };
  const char *list[] = { "pki", "list", NULL };
  g_autofree char *a = loaded_libraries (home, inspect);
  g_autofree char *b = loaded_libraries (home, sign);
  g_autofree char *c = loaded_libraries (home, list);

  /* the loader said what it loaded: the check can fail */
  g_assert_nonnull (strstr (a, "libgnutls.so"));
  g_assert_nonnull (strstr (b, "libgnutls.so"));
  for (guint i = 0; i < 2; i++)
    {
      const char *libs = i == 0 ? a : b;
      g_assert_null (strstr (libs, "libgio-2.0"));
      g_assert_null (strstr (libs, "libgobject-2.0"));
      g_assert_null (strstr (libs, "libjson-glib"));
      g_assert_null (strstr (libs, "libgmodule-2.0"));
#if MP_QUICK_STATIC_GLIB
      /* GLib is linked in (the quick_static_glib option): its shared
       * library, and pcre2's, are not mapped at all */
      g_assert_null (strstr (libs, "libglib-2.0"));
      g_assert_null (strstr (libs, "libpcre2"));
#else
      g_assert_nonnull (strstr (libs, "libglib-2.0"));
#endif
    }
  /* libgcrypt only for sign's randomness: inspect hashes with gnutls */
  g_assert_null (strstr (a, "libgcrypt"));
  g_assert_nonnull (strstr (b, "libgcrypt"));
  /* every other command is the full cli's, with all of them */
  g_assert_nonnull (strstr (c, "libjson-glib"));
  mpt_remove_home (home);
}

/* the serial numbers the quick sign draws (libgcrypt, its system RNG type:
 * the kernel's getrandom(); doc/speed.md): 16 bytes, positive, first bit
 * clear, never the same twice, and about half of their bits set */
static void
test_sign_serials_random (void)
{
  g_autofree char *home = make_home ();
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const char *sign[] = { "pki", "sign", "web", "ca", NULL };
  const guint runs = 12;
  guint ones = 0;

  for (guint i = 0; i < runs; i++)
    {
      g_autofree char *libs = loaded_libraries (home, sign);
      g_autoptr(MptResult) r = mpt_tool_va (home, "openssl", "x509", "-noout", "-serial", "-in", "web.crt", NULL);
      const char *hex;

      /* drawn by the quick one, not by the full cli after a failure */
      g_assert_null (strstr (libs, "libgio-2.0"));
      g_assert_nonnull (strstr (libs, "libgcrypt"));
      mpt_assert_ok (r);
      g_assert_true (g_str_has_prefix (r->out, "serial="));
      g_strchomp (r->out);
      hex = r->out + strlen ("serial=");
      g_assert_cmpuint (strlen (hex), ==, 32);
      g_assert_cmpint (g_ascii_xdigit_value (hex[0]), <, 8);
      g_assert_false (hex[0] == '0' && hex[1] == '0');
      for (const char *p = hex; *p != '\0'; p++)
        {
          int v = g_ascii_xdigit_value (*p);
          g_assert_cmpint (v, >=, 0);
          ones += (guint) ((v & 1) + ((v >> 1) & 1) + ((v >> 2) & 1) + ((v >> 3) & 1));
        }
      g_assert_true (g_hash_table_add (seen, g_strdup (hex)));
    }
  /* 127 random bits a serial: 762 expected of 1524, sd 19.5; the bounds
   * are 10 sd away, while a stuck or zeroed source ends far outside */
  g_assert_cmpuint (ones, >, 762 - 195);
  g_assert_cmpuint (ones, <, 762 + 195);
  mpt_remove_home (home);
}

/* where libgcrypt cannot be loaded (tests/no-libgcrypt.c makes the quick
 * one's dlopen() of it fail), sign is the full cli's, which links it: the
 * same output, a certificate that verifies, and the quick one's try left
 * nothing behind in the store */
static void
test_sign_without_libgcrypt (void)
{
  g_autofree char *home = make_home ();
  const char *argv[] = { g_getenv ("MEETPKI_CLI"), "--home", home, "pki", "sign", "web", "ca", NULL };
  g_autofree char *asan = g_strconcat (g_getenv ("ASAN_OPTIONS") != NULL ? g_getenv ("ASAN_OPTIONS") : "",
                                       ":verify_asan_link_order=0", NULL);
  g_auto(GStrv) env = g_get_environ ();
  g_autofree char *names_before = mpt_dir_names (home);
  g_autofree char *names_after = NULL;
  g_autoptr(GBytes) crt_before = mpt_read (home, "web.crt");
  g_autoptr(GBytes) crt_after = NULL;
  g_autoptr(MptResult) full = NULL;
  g_autoptr(MptResult) verify = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  g_assert_nonnull (g_getenv ("MPT_NO_LIBGCRYPT"));
  env = g_environ_setenv (env, "LD_PRELOAD", g_getenv ("MPT_NO_LIBGCRYPT"), TRUE);
  env = g_environ_setenv (env, "LD_DEBUG", "libs", TRUE);
  env = g_environ_setenv (env, "ASAN_OPTIONS", asan, TRUE);
  g_assert_true (g_spawn_sync (home, (char **) argv, env, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status,
                               &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  /* the quick one asked for libgcrypt and was refused; the full cli ran */
  g_assert_nonnull (strstr (err, "libgcrypt-not-installed.so"));
  g_assert_nonnull (strstr (err, "libgio-2.0"));

  crt_after = mpt_read (home, "web.crt");
  g_assert_false (g_bytes_equal (crt_before, crt_after));
  names_after = mpt_dir_names (home);
  g_assert_cmpstr (names_after, ==, names_before);
  verify = mpt_tool_va (home, "openssl", "verify", "-CAfile", "ca.crt", "web.crt", NULL);
  mpt_assert_ok (verify);
  full = full_va (home, "pki", "sign", "web", "ca", NULL);
  mpt_assert_ok (full);
  g_assert_cmpstr (out, ==, full->out);
  mpt_remove_home (home);
}

/* options the quick one does not know, a bus, anything else: the full cli */
static void
test_everything_else_runs_the_full_cli (void)
{
  g_autofree char *home = make_home ();
  g_autoptr(MptResult) json = mpt_meetpki_va (home, "pki", "inspect", "web.crt", "--json", NULL);
  g_autoptr(MptResult) list = mpt_meetpki_va (home, "pki", "list", NULL);
  g_autoptr(MptResult) typo = mpt_meetpki_va (home, "pkc", "inspect", "web.crt", NULL);
  g_autoptr(MptResult) version = mpt_meetpki_va (home, "--version", NULL);
  g_autoptr(MptResult) full_version = full_va (home, "--version", NULL);

  mpt_assert_ok (json);
  g_assert_nonnull (strstr (json->out, "\"fingerprint_sha256\""));
  mpt_assert_ok (list);
  g_assert_nonnull (strstr (list->out, "web.crt"));
  mpt_assert_status (typo, 2);
  g_assert_nonnull (strstr (typo->err, "did you mean 'pki inspect'?"));
  assert_same (version, full_version);
  mpt_remove_home (home);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* the full cli is run directly: the same locale as mpt_meetpki() sets */
  g_setenv ("LC_ALL", "C", TRUE);
  /* one clock for every process: "365 days left" must not turn into 364
   * between the two runs that are compared */
  {
    g_autofree char *now = g_strdup_printf ("%" G_GINT64_FORMAT, g_get_real_time () / G_USEC_PER_SEC);
    g_setenv ("MEETPKI_NOW", now, TRUE);
  }
  g_test_add_func ("/quick/inspect-same-as-full", test_inspect_same_as_full);
  g_test_add_func ("/quick/sign-same-as-full", test_sign_same_as_full);
  g_test_add_func ("/quick/failures-are-the-full-clis", test_failures_are_the_full_clis);
  g_test_add_func ("/quick/inspect-without-store", test_inspect_without_store);
  g_test_add_func ("/quick/sign-without-store", test_sign_without_store);
  g_test_add_func ("/quick/no-gio-json-gobject", test_no_gio_json_gobject);
  g_test_add_func ("/quick/sign-serials-random", test_sign_serials_random);
  g_test_add_func ("/quick/sign-without-libgcrypt", test_sign_without_libgcrypt);
  g_test_add_func ("/quick/inspect-same-in-locales", test_inspect_same_in_locales);
  g_test_add_func ("/quick/everything-else-runs-the-full-cli", test_everything_else_runs_the_full_cli);
  return g_test_run ();
}
