/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <gcrypt.h>
#include <stdlib.h>
#include <string.h>

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

gboolean
mp_error_set_gcrypt (GError **error, unsigned int err, const char *op)
{
  g_set_error (error, MP_ERROR, MP_ERROR_CRYPTO, "%s: %s [%u]",
               op, gcry_strerror (err), err);
  return FALSE;
}

void
mp_crypto_init (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      /* libgcrypt wants its version check before any other call; a small
       * secure pool is enough for passwords and seeds */
      if (!gcry_control (GCRYCTL_INITIALIZATION_FINISHED_P))
        {
          if (gcry_check_version (NULL) == NULL)
            g_error ("libgcrypt: version check failed");
          gcry_control (GCRYCTL_SUSPEND_SECMEM_WARN);
          gcry_control (GCRYCTL_INIT_SECMEM, 32768, 0);
          gcry_control (GCRYCTL_RESUME_SECMEM_WARN);
          gcry_control (GCRYCTL_INITIALIZATION_FINISHED, 0);
        }
      gnutls_global_init ();
      g_once_init_leave (&once, 1);
    }
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
