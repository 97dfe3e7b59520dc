/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <gcrypt.h>
#include <stdlib.h>
#ifdef MP_LITE
#include <dlfcn.h>
#endif
#include <string.h>

#include <meetpki/mp-crypto.h>

#include "mp-private.h"

void
mp_datum_wipe_free (MpDatum *d)
{
  if (d->data != NULL)
    {
      gnutls_memset (d->data, 0, d->size);
      gnutls_free (d->data);
    }
  d->data = NULL;
  d->size = 0;
}

void
mp_trust_list_free (MpTrustList *list)
{
  gnutls_x509_trust_list_deinit (list, 1);
}

void
mp_secret_free (char *s)
{
  if (s == NULL)
    return;
  gnutls_memset (s, 0, strlen (s));
  g_free (s);
}

void
mp_secret_bytes_unref (MpSecretBytes *bytes)
{
  gsize len = 0;
  /* the bytes are ours alone (see mp-private.h), so writing them is safe */
  void *data = (void *) g_bytes_get_data (bytes, &len);

  if (data != NULL)
    gnutls_memset (data, 0, len);
  g_bytes_unref (bytes);
}

gboolean
mp_error_set_gnutls (GError **error, int rc, const char *op)
{
  g_set_error (error, MP_ERROR, MP_ERROR_CRYPTO, "%s: %s [%d]",
               op, gnutls_strerror (rc), rc);
  return FALSE;
}

#ifndef MP_LITE
gboolean
mp_error_set_gcrypt (GError **error, unsigned int err, const char *op)
{
  /* the code alone: the source libgcrypt packs beside it says nothing */
  g_set_error (error, MP_ERROR, MP_ERROR_CRYPTO, "%s: %s [%u]",
               op, gcry_strerror (err), (guint) gcry_err_code (err));
  return FALSE;
}
#endif

/* what GCRYCTL_INIT_SECMEM returned: not 0 when the secure memory pool
 * could not be locked (mlock() refused: RLIMIT_MEMLOCK too small without
 * CAP_IPC_LOCK), so what it holds could be swapped out */
static gcry_error_t secmem_error;

/* the libgcrypt calls mp_gcrypt_init() makes; linked in libmeetpki, looked
 * up after dlopen() in the quick cli's lite build */
typedef struct {
  const char *(*check_version) (const char *req_version);
  gcry_error_t (*control) (enum gcry_ctl_cmds cmd, ...);
  void (*randomize) (void *buffer, size_t length, enum gcry_random_level level);
} MpGcrypt;

/* of the gcry_control() calls here only GCRYCTL_INIT_SECMEM can fail:
 * INITIALIZATION_FINISHED_P answers a question (not 0: yes), and
 * SET_PREFERRED_RNG_TYPE, DISABLE_SECMEM_WARN and INITIALIZATION_FINISHED
 * only record a setting and return 0 (libgcrypt's global.c) */
static void
mp_gcrypt_init (const MpGcrypt *g)
{
  /* libgcrypt wants its version check before any other call (the RNG
   * type may, and must, come first); a small secure pool is enough for
   * passwords */
  if (g->control (GCRYCTL_INITIALIZATION_FINISHED_P))
    return;
#ifdef MP_LITE
  /* the lite build is linked into the quick meetpki alone: the program's
   * own choice, as mp_crypto_prefer_system_rng() is for meetpki-full and
   * meetpkid */
  g->control (GCRYCTL_SET_PREFERRED_RNG_TYPE, GCRY_RNG_TYPE_SYSTEM);
#endif
  if (g->check_version (NULL) == NULL)
    g_error ("libgcrypt: version check failed");
  /* a pool that cannot be locked is refused where a password is read
   * (mp_crypto_check_secure_memory()), in one line; libgcrypt's own
   * "Warning: using insecure memory!" would go to stderr from a library,
   * for every command, also those that keep no password */
  g->control (GCRYCTL_DISABLE_SECMEM_WARN);
  secmem_error = g->control (GCRYCTL_INIT_SECMEM, 32768, 0);
  g->control (GCRYCTL_INITIALIZATION_FINISHED, 0);
}

#ifdef MP_LITE
/* the quick cli (doc/speed.md) maps libgcrypt only when a command needs
 * its randomness: `pki inspect` starts without it.  NULL and @error set
 * when it cannot be loaded; the full cli, which links it, then runs the
 * command again. */
static const MpGcrypt *
mp_gcrypt (GError **error)
{
  static MpGcrypt g;
  static gsize once = 0;
  static char *failed = NULL;

  if (g_once_init_enter (&once))
    {
      void *lib = dlopen (MP_GCRYPT_SONAME, RTLD_NOW | RTLD_LOCAL);

      if (lib != NULL)
        {
          *(void **) &g.check_version = dlsym (lib, "gcry_check_version");
          *(void **) &g.control = dlsym (lib, "gcry_control");
          *(void **) &g.randomize = dlsym (lib, "gcry_randomize");
        }
      if (lib == NULL || g.check_version == NULL || g.control == NULL || g.randomize == NULL)
        {
          /* dlerror() is NULL when a symbol resolved to NULL without an
           * error: that is a failure as well, never a half-filled table */
          const char *why = dlerror ();

          failed = g_strdup (why != NULL ? why : "a needed symbol is missing");
        }
      else
        mp_gcrypt_init (&g);
      g_once_init_leave (&once, 1);
    }
  if (failed != NULL)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_CRYPTO, "loading %s: %s", MP_GCRYPT_SONAME, failed);
      return NULL;
    }
  return &g;
}
#else
static const MpGcrypt *
mp_gcrypt (G_GNUC_UNUSED GError **error)
{
  static const MpGcrypt g = { gcry_check_version, gcry_control, gcry_randomize };

  return &g;
}
#endif

/* every request served by the kernel's CSPRNG (getrandom()): a short cli
 * process draws one serial, and seeding libgcrypt's own pool for it took
 * some 25 getrandom() calls (doc/speed.md).  keys are GnuTLS's; this is
 * the serials' and other nonces' randomness.  libgcrypt takes a weaker
 * rng type only from the program, before anything initialised it, so the
 * library never asks for it on its own */
#ifndef MP_LITE
void
mp_crypto_prefer_system_rng (void)
{
  /* returns 0 always: a type libgcrypt does not know is ignored */
  gcry_control (GCRYCTL_SET_PREFERRED_RNG_TYPE, GCRY_RNG_TYPE_SYSTEM);
}

/* FALSE, with MP_ERROR_CRYPTO, when libgcrypt's secure memory is not
 * locked: a password kept there could reach swap (mp-password.h promises
 * locked memory) */
gboolean
mp_crypto_check_secure_memory (GError **error)
{
  mp_crypto_init ();
  if (secmem_error == 0)
    return TRUE;
  return mp_error_set_gcrypt (error, secmem_error,
                              "locking libgcrypt's secure memory for the password (mlock() was refused; "
                              "raise the locked-memory limit, ulimit -l, to 64 KiB or more)");
}
#endif

void
mp_crypto_init (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
#ifndef MP_LITE
      mp_gcrypt_init (mp_gcrypt (NULL));
#endif
      gnutls_global_init ();
      g_once_init_leave (&once, 1);
    }
}

gboolean
mp_random_strong (void *buf, gsize len, GError **error)
{
  const MpGcrypt *g;

  mp_crypto_init ();
  g = mp_gcrypt (error);
  if (g == NULL)
    return FALSE;
  g->randomize (buf, len, GCRY_STRONG_RANDOM);
  return TRUE;
}

gint64
mp_now (void)
{
  const char *fixed = g_getenv ("MEETPKI_NOW");

  if (fixed != NULL && *fixed != '\0')
    {
      char *end = NULL;
      gint64 v = g_ascii_strtoll (fixed, &end, 10);
      if (end != NULL && *end == '\0')
        return v;
    }
  return g_get_real_time () / G_USEC_PER_SEC;
}
