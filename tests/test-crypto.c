/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the engine's libgcrypt setup: the RNG type it asks for (doc/speed.md),
 * the randomness mp_random_strong() hands out, and a secure memory pool
 * that cannot be locked.
 */
#include "config.h"

#include <gcrypt.h>
#include <grp.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

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

/* AddressSanitizer's mlock() does nothing and returns 0: there the pool
 * is always "locked", and the refusal below cannot be provoked */
#if defined(__SANITIZE_ADDRESS__)
#define MPT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MPT_ASAN 1
#endif
#endif

/* mp_password_new (0): the empty password, a NUL in a buffer of its own
 * that is wiped and freed like any other (under ASan: no byte outside it) */
static void
test_password_empty (void)
{
  g_autoptr(MpPassword) pw = mp_password_new (0);

  g_assert_nonnull (pw);
  g_assert_cmpstr (pw, ==, "");
  pw[0] = '\0';
}

/* a size whose buffer cannot be counted (size + 1 and the header wrap
 * around) aborts, as g_malloc() does, instead of a buffer too small */
static void
test_password_too_large (void)
{
  if (g_test_subprocess ())
    {
      MpPassword *pw = mp_password_new (G_MAXSIZE);
      mp_password_free (pw);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*password buffer of * bytes is too large*");
}

#ifndef MPT_ASAN
/* a password is refused when libgcrypt's secure memory cannot be locked
 * (no locked memory allowed, no CAP_IPC_LOCK: root becomes nobody), with
 * GCRYCTL_INIT_SECMEM's failure in one line, and libgcrypt prints nothing
 * of its own.  in a subprocess: libgcrypt sets up its pool once */
static void
test_secure_memory_unlocked (void)
{
  if (g_test_subprocess ())
    {
      const struct rlimit none = { 0, 0 };
      g_autoptr(GError) error = NULL;
      g_autoptr(MpPassword) pw = NULL;
      int fds[2];

      g_assert_cmpint (setrlimit (RLIMIT_MEMLOCK, &none), ==, 0);
      if (geteuid () == 0)
        {
          g_assert_cmpint (setgroups (0, NULL), ==, 0);
          g_assert_cmpint (setgid (65534), ==, 0);
          g_assert_cmpint (setuid (65534), ==, 0);
          /* a changed uid makes the process undumpable, which LeakSanitizer's
           * check at exit needs */
          prctl (PR_SET_DUMPABLE, 1, 0, 0, 0);
        }
      g_assert_cmpint (pipe (fds), ==, 0);
      g_assert_cmpint (write (fds[1], "secret\n", 7), ==, 7);
      close (fds[1]);
      pw = mp_password_read_fd (fds[0], "the pipe", &error);
      close (fds[0]);
      g_assert_null (pw);
      g_assert_error (error, MP_ERROR, MP_ERROR_CRYPTO);
      g_assert_cmpstr (error->message, ==,
                       "locking libgcrypt's secure memory for the password (mlock() was refused; raise the "
                       "locked-memory limit, ulimit -l, to 64 KiB or more): General error [1]");
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr_unmatched ("*insecure memory*");
}
#endif

int
main (int argc, char **argv)
{
  static const RngTypeCase program_asks = { TRUE, GCRY_RNG_TYPE_SYSTEM };
  static const RngTypeCase library_alone = { FALSE, GCRY_RNG_TYPE_STANDARD };

  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/crypto/rng-type/program-asks", &program_asks, test_rng_type);
  g_test_add_data_func ("/crypto/rng-type/library-alone", &library_alone, test_rng_type);
  g_test_add_func ("/crypto/random-strong-bits", test_random_strong_bits);
  g_test_add_func ("/crypto/password-empty", test_password_empty);
  g_test_add_func ("/crypto/password-too-large", test_password_too_large);
#ifndef MPT_ASAN
  g_test_add_func ("/crypto/secure-memory-unlocked", test_secure_memory_unlocked);
#endif
  return g_test_run ();
}
