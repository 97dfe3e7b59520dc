/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the chains are made by certtool, an independent tool, in a temp dir.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <stdarg.h>
#include <sys/wait.h>

#include "bundle-fixture.h"
#include "mp-test-io.h"

BundleFixture fx;

char *
fixture_path (const char *name)
{
  return g_build_filename (fx.dir, name, NULL);
}

char *
fixture_file (const char *name, const char *ext)
{
  g_autofree char *base = g_strconcat (name, ext, NULL);
  return fixture_path (base);
}

int
run_argv (const char * const *argv, const char *now, char **out, char **err)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) env = g_get_environ ();
  g_autofree char *o = NULL;
  g_autofree char *e = NULL;
  int status = 0;

  if (now != NULL)
    env = g_environ_setenv (g_steal_pointer (&env), "MEETPKI_NOW", now, TRUE);
  else
    env = g_environ_unsetenv (g_steal_pointer (&env), "MEETPKI_NOW");
  g_spawn_sync (NULL, (char **) argv, env, G_SPAWN_SEARCH_PATH, NULL, NULL, &o, &e, &status, &error);
  g_assert_no_error (error);
  if (out != NULL)
    *out = g_steal_pointer (&o);
  if (err != NULL)
    *err = g_steal_pointer (&e);
  if (!WIFEXITED (status))
    {
      g_test_message ("%s died: %s", argv[0], e != NULL ? e : "");
      return -1;
    }
  return WEXITSTATUS (status);
}

int
run_cli (const char *now, char **out, char **err, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  const char *cli = g_getenv ("MEETPKI_CLI");
  const char *arg;
  va_list ap;

  g_assert_nonnull (cli);
  g_ptr_array_add (argv, (gpointer) cli);
  g_ptr_array_add (argv, (gpointer) "--home");
  g_ptr_array_add (argv, fx.home);
  va_start (ap, err);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  return run_argv ((const char * const *) argv->pdata, now, out, err);
}

gboolean
openssl_verify (const char *root, const char *untrusted, const char *cert, const char *now)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int rc;

  g_ptr_array_add (argv, (gpointer) "openssl");
  g_ptr_array_add (argv, (gpointer) "verify");
  g_ptr_array_add (argv, (gpointer) "-CAfile");
  g_ptr_array_add (argv, (gpointer) root);
  if (untrusted != NULL)
    {
      g_ptr_array_add (argv, (gpointer) "-untrusted");
      g_ptr_array_add (argv, (gpointer) untrusted);
    }
  if (now != NULL)
    {
      g_ptr_array_add (argv, (gpointer) "-attime");
      g_ptr_array_add (argv, (gpointer) now);
    }
  g_ptr_array_add (argv, (gpointer) cert);
  g_ptr_array_add (argv, NULL);
  rc = run_argv ((const char * const *) argv->pdata, NULL, &out, &err);
  g_test_message ("openssl verify: %d %s %s", rc, out, err);
  return rc == 0;
}

static void
write_file (const char *path, const char *text)
{
  g_autoptr(GError) error = NULL;
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

typedef struct {
  const char *name;
  const char *cn;
  gboolean ca;
  const char *signer;  /* NULL: self-signed */
  const char *key;     /* another fixture's key, or NULL for a new one */
  gboolean rsa;
  const char *validity; /* template lines for the dates */
} Spec;

static void
make (const Spec *s)
{
  g_autofree char *key = fixture_file (s->key != NULL ? s->key : s->name, ".key");
  g_autofree char *tmpl = fixture_file (s->name, ".tmpl");
  g_autofree char *crt = fixture_file (s->name, ".crt");
  g_autofree char *text = NULL;

  if (!g_file_test (key, G_FILE_TEST_EXISTS))
    {
      const char *rsa[] = { "certtool", "--generate-privkey", "--key-type", "rsa", "--bits", "2048",
                            "--outfile", key, NULL };
      const char *ec[] = { "certtool", "--generate-privkey", "--key-type", "ecdsa", "--curve", "secp256r1",
                           "--outfile", key, NULL };
      g_assert_cmpint (run_argv (s->rsa ? rsa : ec, NULL, NULL, NULL), ==, 0);
    }
  text = g_strdup_printf ("cn = \"%s\"\nserial = %u\n%s\n%s",
                          s->cn, g_random_int_range (1, G_MAXINT32), s->validity,
                          s->ca ? "ca\ncert_signing_key\ncrl_signing_key\n"
                                : "tls_www_server\nsigning_key\nencryption_key\ndns_name = \"www.example.com\"\n");
  write_file (tmpl, text);
  if (s->signer == NULL)
    {
      const char *argv[] = { "certtool", "--generate-self-signed", "--load-privkey", key,
                             "--template", tmpl, "--outfile", crt, NULL };
      g_assert_cmpint (run_argv (argv, NULL, NULL, NULL), ==, 0);
    }
  else
    {
      g_autofree char *ca_crt = fixture_file (s->signer, ".crt");
      g_autofree char *ca_key = fixture_file (s->signer, ".key");
      const char *argv[] = { "certtool", "--generate-certificate", "--load-privkey", key,
                             "--load-ca-certificate", ca_crt, "--load-ca-privkey", ca_key,
                             "--template", tmpl, "--outfile", crt, NULL };
      g_assert_cmpint (run_argv (argv, NULL, NULL, NULL), ==, 0);
    }
}

#define DAYS(n) "expiration_days = " #n
#define EXPIRED "activation_date = \"2020-01-01 00:00:00\"\nexpiration_date = \"2021-01-01 00:00:00\""

void
fixture_setup (gboolean with_rsa)
{
  g_autoptr(GError) error = NULL;
  static const Spec ec[] = {
    { "root", "Test Root", TRUE, NULL, NULL, FALSE, DAYS (3650) },
    { "int1", "Test Int1", TRUE, "root", NULL, FALSE, DAYS (2000) },
    { "int2", "Test Int2", TRUE, "int1", NULL, FALSE, DAYS (1000) },
    { "ent", "www.example.com", FALSE, "int2", NULL, FALSE, DAYS (365) },
    { "oldroot", "Old Root", TRUE, NULL, NULL, FALSE, DAYS (3000) },
    { "int1x", "Test Int1", TRUE, "oldroot", "int1", FALSE, DAYS (500) },
    { "int1exp", "Test Int1", TRUE, "root", "int1", FALSE, EXPIRED },
    { "otherroot", "Other Root", TRUE, NULL, NULL, FALSE, DAYS (3650) },
    { "otherleaf", "other.example.net", FALSE, "otherroot", NULL, FALSE, DAYS (365) },
    { "shortint", "Short Int", TRUE, "root", NULL, FALSE, DAYS (30) },
    { "longent", "long.example.com", FALSE, "shortint", NULL, FALSE, DAYS (365) },
    { "notca", "Not A CA", FALSE, "root", NULL, FALSE, DAYS (365) },
    { "underleaf", "under.example.com", FALSE, "notca", NULL, FALSE, DAYS (100) },
    { "fakeint2", "Test Int2", TRUE, "int1", NULL, FALSE, DAYS (1000) },
  };
  static const Spec rsa[] = {
    { "rroot", "RSA Root", TRUE, NULL, NULL, TRUE, DAYS (3650) },
    { "rint1", "RSA Int1", TRUE, "rroot", NULL, TRUE, DAYS (2000) },
    { "rint2", "RSA Int2", TRUE, "rint1", NULL, TRUE, DAYS (1000) },
    { "rent", "www.example.com", FALSE, "rint2", NULL, TRUE, DAYS (365) },
  };

  fx.dir = g_dir_make_tmp ("meetpki-bundle-XXXXXX", &error);
  g_assert_no_error (error);
  fx.home = fixture_path ("home");
  for (guint i = 0; i < G_N_ELEMENTS (ec); i++)
    make (&ec[i]);
  for (guint i = 0; with_rsa && i < G_N_ELEMENTS (rsa); i++)
    make (&rsa[i]);
}

void
fixture_teardown (void)
{
  mpt_rm_rf (fx.dir);
  g_clear_pointer (&fx.dir, g_free);
  g_clear_pointer (&fx.home, g_free);
}

char *
fixture_canonical (const char *name)
{
  g_autofree char *crt = fixture_file (name, ".crt");
  const char *argv[] = { "openssl", "x509", "-in", crt, NULL };
  char *out = NULL;

  g_assert_cmpint (run_argv (argv, NULL, &out, NULL), ==, 0);
  return out;
}

GBytes *
fixture_read (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *text = NULL;
  gsize len = 0;

  g_file_get_contents (path, &text, &len, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (text, len);
}

void
fixture_concat (const char *path, const char * const *names)
{
  g_autoptr(GString) all = g_string_new (NULL);

  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *crt = fixture_file (names[i], ".crt");
      g_autoptr(GBytes) b = fixture_read (crt);
      g_string_append_len (all, g_bytes_get_data (b, NULL), (gssize) g_bytes_get_size (b));
    }
  write_file (path, all->str);
}
