/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "mp-der.h"
#include "mp-x509.h"

static const struct {
  const char *label;
  MpFileKind kind;
} pem_labels[] = {
  { "-----BEGIN CERTIFICATE-----", MP_FILE_CERTIFICATE },
  { "-----BEGIN X509 CERTIFICATE-----", MP_FILE_CERTIFICATE },
  { "-----BEGIN TRUSTED CERTIFICATE-----", MP_FILE_CERTIFICATE },
  { "-----BEGIN CERTIFICATE REQUEST-----", MP_FILE_CSR },
  { "-----BEGIN NEW CERTIFICATE REQUEST-----", MP_FILE_CSR },
  { "-----BEGIN PRIVATE KEY-----", MP_FILE_PRIVATE_KEY },
  { "-----BEGIN RSA PRIVATE KEY-----", MP_FILE_PRIVATE_KEY },
  { "-----BEGIN EC PRIVATE KEY-----", MP_FILE_PRIVATE_KEY },
  { "-----BEGIN ENCRYPTED PRIVATE KEY-----", MP_FILE_PRIVATE_KEY },
  { "-----BEGIN PKCS12-----", MP_FILE_PKCS12 },
};

const char *
mp_file_kind_to_string (MpFileKind kind)
{
  switch (kind)
    {
    case MP_FILE_CERTIFICATE:
      return "certificate";
    case MP_FILE_CSR:
      return "csr";
    case MP_FILE_PRIVATE_KEY:
      return "key";
    case MP_FILE_PKCS12:
      return "pkcs12";
    case MP_FILE_UNKNOWN:
    default:
      return "unknown";
    }
}

static gnutls_datum_t
datum_of (GBytes *data)
{
  gsize len = 0;
  gnutls_datum_t d;

  d.data = (unsigned char *) g_bytes_get_data (data, &len);
  d.size = (unsigned int) len;
  return d;
}

static gboolean
is_pem (GBytes *data)
{
  gsize len = 0;
  const char *buf = g_bytes_get_data (data, &len);
  return buf != NULL && memmem (buf, len, "-----BEGIN ", strlen ("-----BEGIN ")) != NULL;
}

/* how many "-----BEGIN " lines @buf has: at least the certificates in it */
static unsigned int
count_pem_blocks (const guint8 *buf, gsize len)
{
  static const char marker[] = "-----BEGIN ";
  const guint8 *end = buf + len;
  unsigned int n = 0;

  while (buf < end)
    {
      const guint8 *hit = memmem (buf, (gsize) (end - buf), marker, sizeof marker - 1);

      if (hit == NULL)
        break;
      n++;
      buf = hit + sizeof marker - 1;
    }
  return n;
}

/**
 * mp_x509_sniff:
 * @data: a file's contents
 *
 * Returns: what the file holds: for PEM, the kind of its first recognised
 * block; for DER, whichever structure parses
 */
MpFileKind
mp_x509_sniff (GBytes *data)
{
  gsize len = 0;
  const char *buf = g_bytes_get_data (data, &len);
  gnutls_datum_t d = datum_of (data);

  if (buf == NULL || len == 0)
    return MP_FILE_UNKNOWN;
  if (is_pem (data))
    {
      /* each "-----BEGIN " in turn, once through the file */
      static const char begin[] = "-----BEGIN ";
      const char *end = buf + len;
      const char *p = buf;

      while ((p = memmem (p, (gsize) (end - p), begin, sizeof begin - 1)) != NULL)
        {
          for (guint i = 0; i < G_N_ELEMENTS (pem_labels); i++)
            {
              gsize n = strlen (pem_labels[i].label);
              if ((gsize) (end - p) >= n && memcmp (p, pem_labels[i].label, n) == 0)
                return pem_labels[i].kind;
            }
          p += sizeof begin - 1;
        }
      return MP_FILE_UNKNOWN;
    }
  {
    g_autoptr(MpX509Crt) crt = NULL;
    g_autoptr(MpX509Crq) crq = NULL;
    g_autoptr(MpX509Privkey) key = NULL;
    g_autoptr(MpPkcs12) p12 = NULL;

    gnutls_x509_crt_init (&crt);
    if (gnutls_x509_crt_import (crt, &d, GNUTLS_X509_FMT_DER) == 0)
      return MP_FILE_CERTIFICATE;
    gnutls_x509_crq_init (&crq);
    if (gnutls_x509_crq_import (crq, &d, GNUTLS_X509_FMT_DER) == 0)
      return MP_FILE_CSR;
    gnutls_pkcs12_init (&p12);
    if (gnutls_pkcs12_import (p12, &d, GNUTLS_X509_FMT_DER, 0) == 0)
      return MP_FILE_PKCS12;
    gnutls_x509_privkey_init (&key);
    if (gnutls_x509_privkey_import2 (key, &d, GNUTLS_X509_FMT_DER, NULL, GNUTLS_PKCS_PLAIN) == 0)
      return MP_FILE_PRIVATE_KEY;
  }
  return MP_FILE_UNKNOWN;
}

static gboolean
import_error (GError **error, const char *what, const char *kind, int rc)
{
  g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA,
               "%s: not a readable %s (%s)", what, kind, gnutls_strerror (rc));
  return FALSE;
}

gnutls_x509_privkey_t
mp_x509_privkey_generate (const MpKeySpec *spec, GError **error)
{
  g_autoptr(MpX509Privkey) key = NULL;
  int rc;

  mp_crypto_init ();
  rc = gnutls_x509_privkey_init (&key);
  if (rc < 0)
    {
      mp_error_set_gnutls (error, rc, "gnutls_x509_privkey_init");
      return NULL;
    }
  switch (spec->algo)
    {
    case MP_KEY_RSA:
      rc = gnutls_x509_privkey_generate2 (key, GNUTLS_PK_RSA, spec->bits, 0, NULL, 0);
      break;
    case MP_KEY_EC:
      rc = gnutls_x509_privkey_generate2 (key, GNUTLS_PK_ECDSA,
                                          GNUTLS_CURVE_TO_BITS (spec->bits == 384 ? GNUTLS_ECC_CURVE_SECP384R1
                                                                                  : GNUTLS_ECC_CURVE_SECP256R1),
                                          0, NULL, 0);
      break;
    case MP_KEY_ED25519:
    default:
      rc = gnutls_x509_privkey_generate2 (key, GNUTLS_PK_EDDSA_ED25519,
                                          GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_ED25519), 0, NULL, 0);
      break;
    }
  if (rc < 0)
    {
      mp_error_set_gnutls (error, rc, "generating the private key");
      return NULL;
    }
  return g_steal_pointer (&key);
}

gnutls_x509_privkey_t
mp_x509_privkey_import (GBytes *data, const char *what, GError **error)
{
  g_autoptr(MpX509Privkey) key = NULL;
  gnutls_datum_t d = datum_of (data);
  int rc;

  mp_crypto_init ();
  gnutls_x509_privkey_init (&key);
  rc = gnutls_x509_privkey_import2 (key, &d, is_pem (data) ? GNUTLS_X509_FMT_PEM : GNUTLS_X509_FMT_DER,
                                    NULL, GNUTLS_PKCS_PLAIN);
  if (rc == GNUTLS_E_DECRYPTION_FAILED)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA,
                   "%s: the private key is encrypted; decrypt it first", what);
      return NULL;
    }
  if (rc < 0)
    {
      import_error (error, what, "private key", rc);
      return NULL;
    }
  return g_steal_pointer (&key);
}

GBytes *
mp_x509_privkey_export_pem (gnutls_x509_privkey_t key, GError **error)
{
  g_auto(MpDatum) out = { NULL, 0 };
  GBytes *bytes;
  int rc;

  rc = gnutls_x509_privkey_export2_pkcs8 (key, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN, &out);
  if (rc < 0)
    {
      mp_error_set_gnutls (error, rc, "exporting the private key");
      return NULL;
    }
  /* the copy is freed by the caller; g_bytes cannot wipe, so callers keep
   * key bytes short-lived and only hand them to the atomic writer */
  bytes = g_bytes_new (out.data, out.size);
  return bytes;
}

gnutls_privkey_t
mp_x509_privkey_abstract (gnutls_x509_privkey_t key, GError **error)
{
  g_autoptr(MpPrivkey) pk = NULL;
  int rc;

  gnutls_privkey_init (&pk);
  rc = gnutls_privkey_import_x509 (pk, key, 0);
  if (rc < 0)
    {
      mp_error_set_gnutls (error, rc, "gnutls_privkey_import_x509");
      return NULL;
    }
  return g_steal_pointer (&pk);
}

gnutls_x509_crq_t
mp_x509_crq_import (GBytes *data, const char *what, GError **error)
{
  g_autoptr(MpX509Crq) crq = NULL;
  gnutls_datum_t d = datum_of (data);
  int rc;

  mp_crypto_init ();
  gnutls_x509_crq_init (&crq);
  rc = gnutls_x509_crq_import (crq, &d, is_pem (data) ? GNUTLS_X509_FMT_PEM : GNUTLS_X509_FMT_DER);
  if (rc < 0)
    {
      import_error (error, what, "certificate request", rc);
      return NULL;
    }
  return g_steal_pointer (&crq);
}

GBytes *
mp_x509_crq_export_pem (gnutls_x509_crq_t crq, GError **error)
{
  gnutls_datum_t out = { NULL, 0 };
  GBytes *bytes;
  int rc = gnutls_x509_crq_export2 (crq, GNUTLS_X509_FMT_PEM, &out);

  if (rc < 0)
    {
      mp_error_set_gnutls (error, rc, "exporting the CSR");
      return NULL;
    }
  bytes = g_bytes_new (out.data, out.size);
  gnutls_free (out.data);
  return bytes;
}

gnutls_x509_crt_t
mp_x509_crt_import (GBytes *data, const char *what, GError **error)
{
  g_autoptr(GPtrArray) list = mp_x509_crt_import_list (data, what, error);

  if (list == NULL)
    return NULL;
  /* the first certificate is the entity one; take it out of the array */
  return g_ptr_array_steal_index (list, 0);
}

GPtrArray *
mp_x509_crt_import_list (GBytes *data, const char *what, GError **error)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) gnutls_x509_crt_deinit);
  gnutls_datum_t d = datum_of (data);
  gnutls_x509_crt_t *crts = NULL;
  gnutls_x509_crt_fmt_t fmt;
  unsigned int n = 0;
  int rc;

  mp_crypto_init ();
  if (d.size == 0)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA, "%s: the file is empty", what);
      return NULL;
    }
  fmt = is_pem (data) ? GNUTLS_X509_FMT_PEM : GNUTLS_X509_FMT_DER;
  /* gnutls_x509_crt_list_import2 starts from room for 1024 and shrinks it,
   * a realloc that costs a small file's inspect more than its dates do;
   * the same import into as many places as the file has pem blocks (what
   * list_import2 does, without the guess), and list_import2 when that
   * was too few */
  n = fmt == GNUTLS_X509_FMT_PEM ? count_pem_blocks (d.data, d.size) : 1;
  if (n > 0 && n <= 64)
    {
      gnutls_x509_crt_t room[64];

      rc = gnutls_x509_crt_list_import (room, &n, &d, fmt, GNUTLS_X509_CRT_LIST_IMPORT_FAIL_IF_EXCEED);
      if (rc != GNUTLS_E_SHORT_MEMORY_BUFFER)
        {
          if (rc < 0 || n == 0)
            {
              import_error (error, what, "certificate", rc < 0 ? rc : GNUTLS_E_NO_CERTIFICATE_FOUND);
              return NULL;
            }
          for (unsigned int i = 0; i < n; i++)
            g_ptr_array_add (list, room[i]);
          return g_steal_pointer (&list);
        }
    }
  rc = gnutls_x509_crt_list_import2 (&crts, &n, &d, fmt, 0);
  if (rc < 0 || n == 0)
    {
      import_error (error, what, "certificate", rc < 0 ? rc : GNUTLS_E_NO_CERTIFICATE_FOUND);
      return NULL;
    }
  for (unsigned int i = 0; i < n; i++)
    g_ptr_array_add (list, crts[i]);
  gnutls_free (crts);
  return g_steal_pointer (&list);
}

GBytes *
mp_x509_crt_export_pem (gnutls_x509_crt_t crt, GError **error)
{
  gnutls_datum_t out = { NULL, 0 };
  GBytes *bytes;
  int rc = gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_PEM, &out);

  if (rc < 0)
    {
      mp_error_set_gnutls (error, rc, "exporting the certificate");
      return NULL;
    }
  bytes = g_bytes_new (out.data, out.size);
  gnutls_free (out.data);
  return bytes;
}

gboolean
mp_x509_crt_get_validity (gnutls_x509_crt_t crt, const gnutls_datum_t *der, gint64 *not_before, gint64 *not_after)
{
  g_auto(MpDatum) own = { NULL, 0 };
  time_t nb, na;

  if (der == NULL && gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_DER, &own) == 0)
    der = &own;
  if (der != NULL && mp_der_cert_validity (der->data, der->size, not_before, not_after))
    return TRUE;
  nb = gnutls_x509_crt_get_activation_time (crt);
  na = gnutls_x509_crt_get_expiration_time (crt);
  if (nb == (time_t) -1 || na == (time_t) -1)
    return FALSE;
  *not_before = (gint64) nb;
  *not_after = (gint64) na;
  return TRUE;
}

gboolean
mp_x509_privkey_matches_crt (gnutls_x509_privkey_t key, gnutls_x509_crt_t crt, GError **error)
{
  g_autoptr(MpPrivkey) pk = NULL;
  g_autoptr(MpPubkey) from_key = NULL;
  g_autoptr(MpPubkey) from_crt = NULL;
  gnutls_datum_t a = { NULL, 0 }, b = { NULL, 0 };
  gboolean same;
  int rc;

  pk = mp_x509_privkey_abstract (key, error);
  if (pk == NULL)
    return FALSE;
  gnutls_pubkey_init (&from_key);
  gnutls_pubkey_init (&from_crt);
  rc = gnutls_pubkey_import_privkey (from_key, pk, 0, 0);
  if (rc < 0)
    return mp_error_set_gnutls (error, rc, "deriving the public key");
  rc = gnutls_pubkey_import_x509 (from_crt, crt, 0);
  if (rc < 0)
    return mp_error_set_gnutls (error, rc, "reading the certificate's public key");
  if ((rc = gnutls_pubkey_export2 (from_key, GNUTLS_X509_FMT_DER, &a)) < 0 ||
      (rc = gnutls_pubkey_export2 (from_crt, GNUTLS_X509_FMT_DER, &b)) < 0)
    {
      gnutls_free (a.data);
      gnutls_free (b.data);
      return mp_error_set_gnutls (error, rc, "exporting a public key");
    }
  same = a.size == b.size && memcmp (a.data, b.data, a.size) == 0;
  gnutls_free (a.data);
  gnutls_free (b.data);
  if (!same)
    {
      g_set_error_literal (error, MP_ERROR, MP_ERROR_MISMATCH,
                           "the certificate's public key is not the one of this private key");
      return FALSE;
    }
  return TRUE;
}

char *
mp_x509_describe_pk (int pk_algo, unsigned int bits, int curve)
{
  switch (pk_algo)
    {
    case GNUTLS_PK_RSA:
    case GNUTLS_PK_RSA_PSS:
      return g_strdup_printf ("RSA %u", bits);
    case GNUTLS_PK_ECDSA:
      return g_strdup_printf ("EC %s", gnutls_ecc_curve_get_name ((gnutls_ecc_curve_t) curve));
    case GNUTLS_PK_EDDSA_ED25519:
      return g_strdup ("Ed25519");
    case GNUTLS_PK_EDDSA_ED448:
      return g_strdup ("Ed448");
    default:
      return g_strdup_printf ("%s %u", gnutls_pk_get_name ((gnutls_pk_algorithm_t) pk_algo), bits);
    }
}

gnutls_digest_algorithm_t
mp_x509_sign_digest (gnutls_x509_privkey_t key)
{
  unsigned int bits = 0;
  int algo = gnutls_x509_privkey_get_pk_algorithm2 (key, &bits);

  if (algo == GNUTLS_PK_EDDSA_ED25519 || algo == GNUTLS_PK_EDDSA_ED448)
    return GNUTLS_DIG_SHA512;
  if (algo == GNUTLS_PK_ECDSA && bits >= 384)
    return GNUTLS_DIG_SHA384;
  return GNUTLS_DIG_SHA256;
}
