/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the engine's libgcrypt setup: the RNG type it asks for (doc/speed.md)
 * and the randomness mp_random_strong() hands out.
 */
#include "config.h"

#include <gcrypt.h>
#include <string.h>

#include <meetpki/meetpki.h>

#include "mp-private.h"

static int
rng_type_after_a_draw (void)
{
  g_autoptr(GError) error = NULL;
  guint8 buf[16];
  int type = 0;

  g_assert_true (mp_random_strong (buf, sizeof buf, &error));
  g_assert_no_error (error);
  g_assert_cmpint (gcry_control (GCRYCTL_GET_CURRENT_RNG_TYPE, &type), ==, 0);
  return type;
}

/* a program that calls mp_crypto_prefer_system_rng() first (meetpki,
 * meetpkid) gets libgcrypt's system RNG: each request one getrandom(), no
 * userspace pool seeded per process.  libmeetpki alone leaves the
 * program's RNG as libgcrypt's default.  each in its own process, as the
 * RNG type is chosen once per process */
typedef struct {
  gboolean program_asks;
  int expected;
} RngTypeCase;

static void
test_rng_type (gconstpointer data)
{
  const RngTypeCase *c = data;

  if (g_test_subprocess ())
    {
      if (c->program_asks)
        mp_crypto_prefer_system_rng ();
      g_assert_cmpint (rng_type_after_a_draw (), ==, c->expected);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

/* two draws differ, and 64 draws of 16 bytes set about half their bits
 * (8192 bits: mean 4096, standard deviation about 45; 10 sigma allowed) */
static void
test_random_strong_bits (void)
{
  guint8 a[16], b[16];
  guint ones = 0;

  g_assert_true (mp_random_strong (a, sizeof a, NULL));
  g_assert_true (mp_random_strong (b, sizeof b, NULL));
  g_assert_true (memcmp (a, b, sizeof a) != 0);
  for (guint i = 0; i < 64; i++)
    {
      g_assert_true (mp_random_strong (a, sizeof a, NULL));
      for (guint j = 0; j < sizeof a; j++)
        ones += (guint) __builtin_popcount (a[j]);
    }
  g_assert_cmpuint (ones, >, 4096 - 450);
  g_assert_cmpuint (ones, <, 4096 + 450);
}

int
main (int argc, char **argv)
{
  static const RngTypeCase program_asks = { TRUE, GCRY_RNG_TYPE_SYSTEM };
  static const RngTypeCase library_alone = { FALSE, GCRY_RNG_TYPE_STANDARD };

  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/crypto/rng-type/program-asks", &program_asks, test_rng_type);
  g_test_add_data_func ("/crypto/rng-type/library-alone", &library_alone, test_rng_type);
  g_test_add_func ("/crypto/random-strong-bits", test_random_strong_bits);
  return g_test_run ();
}
