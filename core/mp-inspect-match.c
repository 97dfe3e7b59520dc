/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `pki match`: does a private key belong to a certificate.
 */
#include "config.h"

#include "meetpki/mp-inspect.h"
#include "mp-x509.h"

static const char *
kind_with_article (MpFileKind kind)
{
  switch (kind)
    {
    case MP_FILE_CERTIFICATE:
      return "a certificate";
    case MP_FILE_CSR:
      return "a certificate request (CSR)";
    case MP_FILE_PRIVATE_KEY:
      return "a private key";
    case MP_FILE_PKCS12:
      return "a PKCS#12 file";
    case MP_FILE_UNKNOWN:
    default:
      return "neither a key, a CSR nor a certificate";
    }
}

gboolean
mp_inspect_match (GBytes *key_data, const char *key_name, GBytes *crt_data, const char *crt_name,
                  GError **error)
{
  g_autoptr(MpX509Privkey) key = NULL;
  g_autoptr(MpX509Crt) crt = NULL;
  g_autoptr(GError) local = NULL;
  MpFileKind key_kind, crt_kind;

  g_return_val_if_fail (key_data != NULL && crt_data != NULL, FALSE);

  mp_crypto_init ();
  key_kind = mp_x509_sniff (key_data);
  crt_kind = mp_x509_sniff (crt_data);
  if (key_kind == MP_FILE_CERTIFICATE && crt_kind == MP_FILE_PRIVATE_KEY)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                   "the arguments are the wrong way round: %s is a certificate and %s a private key; "
                   "usage: pki match <key> <cert>", key_name, crt_name);
      return FALSE;
    }
  if (key_kind != MP_FILE_PRIVATE_KEY)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                   "%s is %s, not a private key; usage: pki match <key> <cert>",
                   key_name, kind_with_article (key_kind));
      return FALSE;
    }
  if (crt_kind != MP_FILE_CERTIFICATE)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                   "%s is %s, not a certificate; usage: pki match <key> <cert>",
                   crt_name, kind_with_article (crt_kind));
      return FALSE;
    }
  key = mp_x509_privkey_import (key_data, key_name, error);
  if (key == NULL)
    return FALSE;
  crt = mp_x509_crt_import (crt_data, crt_name, error);
  if (crt == NULL)
    return FALSE;
  if (!mp_x509_privkey_matches_crt (key, crt, &local))
    {
      if (g_error_matches (local, MP_ERROR, MP_ERROR_MISMATCH))
        {
          g_set_error (error, MP_ERROR, MP_ERROR_MISMATCH,
                       "Key and certificate pair do not match: the public key of %s is not the one of %s",
                       crt_name, key_name);
          return FALSE;
        }
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  return TRUE;
}
