/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * benchmark: `meetpki bundle build` with a pool of 1,000 certificates (the
 * system ca store plus generated intermediates), against `certtool -i`
 * merely reading and printing the same pool.  whole processes, median of
 * many runs.  also reports the engine's own time per build, in process.
 *
 * `bench-bundle --make-pool DIR` only writes DIR/pool.pem and DIR/ent.pem
 * (for tests/bench/compare) and exits.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <string.h>
#include <sys/wait.h>

#include <meetpki/meetpki.h>

#define POOL_SIZE 1000
#define RUNS 15

static gnutls_x509_privkey_t
new_key (void)
{
  gnutls_x509_privkey_t key;

  gnutls_x509_privkey_init (&key);
  g_assert_cmpint (gnutls_x509_privkey_generate2 (key, GNUTLS_PK_ECDSA,
                                                  GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1), 0, NULL, 0), ==, 0);
  return key;
}

/* a certificate for @cn with @key, signed by @ca/@ca_key (self-signed when
 * @ca is NULL); appended to @pem as PEM */
static gnutls_x509_crt_t
new_cert (const char *cn, gnutls_x509_privkey_t key, gboolean is_ca, guint serial,
          gnutls_x509_crt_t ca, gnutls_x509_privkey_t ca_key, GString *pem)
{
  gnutls_x509_crt_t crt;
  unsigned char serial_be[4] = { serial >> 24, serial >> 16, serial >> 8, serial };
  unsigned char keyid[64];
  size_t keyid_size = sizeof keyid;
  gnutls_datum_t out = { NULL, 0 };
  time_t now = time (NULL);

  gnutls_x509_crt_init (&crt);
  gnutls_x509_crt_set_version (crt, 3);
  gnutls_x509_crt_set_serial (crt, serial_be, sizeof serial_be);
  gnutls_x509_crt_set_dn_by_oid (crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn, strlen (cn));
  gnutls_x509_crt_set_activation_time (crt, now - 3600);
  gnutls_x509_crt_set_expiration_time (crt, now + 86400 * 365);
  gnutls_x509_crt_set_key (crt, key);
  gnutls_x509_crt_set_basic_constraints (crt, is_ca, -1);
  gnutls_x509_crt_set_key_usage (crt, is_ca ? GNUTLS_KEY_KEY_CERT_SIGN : GNUTLS_KEY_DIGITAL_SIGNATURE);
  gnutls_x509_crt_get_key_id (crt, 0, keyid, &keyid_size);
  gnutls_x509_crt_set_subject_key_id (crt, keyid, keyid_size);
  if (ca != NULL)
    {
      keyid_size = sizeof keyid;
      gnutls_x509_crt_get_subject_key_id (ca, keyid, &keyid_size, NULL);
      gnutls_x509_crt_set_authority_key_id (crt, keyid, keyid_size);
    }
  g_assert_cmpint (gnutls_x509_crt_sign2 (crt, ca != NULL ? ca : crt, ca != NULL ? ca_key : key,
                                          GNUTLS_DIG_SHA256, 0), ==, 0);
  gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_PEM, &out);
  g_string_append_len (pem, (const char *) out.data, out.size);
  gnutls_free (out.data);
  return crt;
}

static double
run_ms (const char * const *argv)
{
  gint64 t0 = g_get_monotonic_time ();
  int status = 0;
  g_autoptr(GError) error = NULL;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
                G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  return (double) (g_get_monotonic_time () - t0) / 1000.0;
}

static int
cmp_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static double
median_ms (const char * const *argv)
{
  double t[RUNS];

  for (guint i = 0; i < RUNS; i++)
    t[i] = run_ms (argv);
  qsort (t, RUNS, sizeof t[0], (int (*) (const void *, const void *)) cmp_double);
  return t[RUNS / 2];
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  gboolean make_pool_only = argc == 3 && g_str_equal (argv[1], "--make-pool");
  g_autofree char *dir = make_pool_only ? g_strdup (argv[2]) : g_dir_make_tmp ("meetpki-bench-XXXXXX", &error);
  g_autofree char *pool_path = NULL;
  g_autofree char *ent_path = NULL;
  g_autofree char *home = NULL;
  g_autofree char *system = NULL;
  g_autoptr(GString) pool = g_string_new (NULL);
  g_autoptr(GString) ent_pem = g_string_new (NULL);
  g_autoptr(GString) scratch = g_string_new (NULL);
  gnutls_x509_privkey_t root_key, int_key, ent_key, filler_key;
  gnutls_x509_crt_t root, inter, ent;
  const char *cli = g_getenv ("MEETPKI_CLI");
  guint n_system = 0, n;
  double ours, certtool, engine_ms;

  g_assert_no_error (error);
  g_assert_true (make_pool_only || cli != NULL);
  gnutls_global_init ();

  /* the system store first, as an administrator would pass it */
  if (g_file_get_contents ("/etc/ssl/certs/ca-certificates.crt", &system, NULL, NULL))
    {
      g_string_append (pool, system);
      for (const char *p = system; (p = strstr (p, "-----BEGIN CERTIFICATE-----")) != NULL; p++)
        n_system++;
    }
  root_key = new_key ();
  int_key = new_key ();
  ent_key = new_key ();
  filler_key = new_key ();
  root = new_cert ("Bench Root", root_key, TRUE, 1, NULL, NULL, scratch);
  /* fillers share one key: the pool's cost is in reading, not in keys */
  n = n_system + 2;
  for (guint i = 0; n < POOL_SIZE; i++, n++)
    {
      g_autofree char *cn = g_strdup_printf ("Bench Filler %u", i);
      gnutls_x509_crt_deinit (new_cert (cn, filler_key, TRUE, 100 + i, root, root_key, pool));
      if (i == (POOL_SIZE - n_system) / 2)
        g_string_append (pool, scratch->str); /* the root in the middle */
    }
  inter = new_cert ("Bench Intermediate", int_key, TRUE, 2, root, root_key, pool);
  ent = new_cert ("bench.example.com", ent_key, FALSE, 3, inter, int_key, ent_pem);

  pool_path = g_build_filename (dir, "pool.pem", NULL);
  ent_path = g_build_filename (dir, "ent.pem", NULL);
  home = g_build_filename (dir, "home", NULL);
  g_file_set_contents (pool_path, pool->str, -1, &error);
  g_assert_no_error (error);
  g_file_set_contents (ent_path, ent_pem->str, -1, &error);
  g_assert_no_error (error);
  gnutls_x509_crt_deinit (root);
  gnutls_x509_crt_deinit (inter);
  gnutls_x509_crt_deinit (ent);
  gnutls_x509_privkey_deinit (root_key);
  gnutls_x509_privkey_deinit (int_key);
  gnutls_x509_privkey_deinit (ent_key);
  gnutls_x509_privkey_deinit (filler_key);
  if (make_pool_only)
    {
      g_print ("%s: %u certificates (%u from the system store)\n", pool_path, n, n_system);
      gnutls_global_deinit ();
      return 0;
    }

  /* in process: the engine alone */
  {
    g_autoptr(GBytes) pool_bytes = g_bytes_new (pool->str, pool->len);
    g_autoptr(GBytes) ent_bytes = g_bytes_new (ent_pem->str, ent_pem->len);
    gint64 t0 = g_get_monotonic_time ();

    for (guint i = 0; i < RUNS; i++)
      {
        g_autoptr(MpBundle) b = mp_bundle_new ();
        mp_bundle_add_data (b, ent_bytes, "ent.pem");
        mp_bundle_add_data (b, pool_bytes, "pool.pem");
        g_assert_true (mp_bundle_build_chain (b, g_ptr_array_index (mp_bundle_get_certs (b), 0),
                                              MP_CHAIN_ROOT_REQUIRED));
        g_assert_cmpuint (mp_bundle_get_chain (b)->len, ==, 3);
      }
    engine_ms = (double) (g_get_monotonic_time () - t0) / 1000.0 / RUNS;
  }

  {
    const char *ours_argv[] = { cli, "--home", home, "bundle", "build", ent_path, pool_path, NULL };
    const char *certtool_argv[] = { "certtool", "-i", "--infile", pool_path, NULL };
    ours = median_ms (ours_argv);
    certtool = median_ms (certtool_argv);
  }

  g_print ("pool: %u certificates (%u from the system store)\n", n, n_system);
  g_print ("engine, in process: %.1f ms per build\n", engine_ms);
  g_print ("meetpki bundle build: %.1f ms (median of %d)\n", ours, RUNS);
  g_print ("certtool -i on the pool: %.1f ms (median of %d)\n", certtool, RUNS);
  g_print ("ratio meetpki/certtool: %.2f (goal <= 1.0)\n", ours / certtool);

  g_unlink (pool_path);
  g_unlink (ent_path);
  g_rmdir (home);
  g_rmdir (dir);
  gnutls_global_deinit ();
  return 0;
}
