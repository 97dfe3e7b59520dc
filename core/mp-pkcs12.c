/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `pki pkcs12-to-pem`: a pkcs#12 file becomes <basename>.key, <basename>.crt
 * and <basename>-bundle.crt, written together or not at all.
 */
#include "config.h"

#include <string.h>

#include "meetpki/mp-pki.h"
#include "meetpki/mp-transfer.h"
#include "mp-x509.h"

static gboolean
wrong_password (GError **error, const char *what, const char *password)
{
  if (password == NULL || *password == '\0')
    g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA,
                 "%s: the file is password-protected; give the password with --password-file FILE",
                 what);
  else
    g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA,
                 "%s: wrong password (the PKCS#12 integrity check failed)", what);
  return FALSE;
}

/* checks the mac with @password; some writers protect an empty password as
 * an absent one, so for the empty password both forms are tried.  sets
 * *@pass_out to the form that worked. */
static gboolean
verify_mac (gnutls_pkcs12_t p12, const char *what, const char *password,
            const char **pass_out, GError **error)
{
  int rc = gnutls_pkcs12_verify_mac (p12, password);

  *pass_out = password;
  if (rc == GNUTLS_E_MAC_VERIFY_FAILED && *password == '\0')
    {
      rc = gnutls_pkcs12_verify_mac (p12, NULL);
      if (rc >= 0)
        *pass_out = NULL;
    }
  if (rc == GNUTLS_E_MAC_VERIFY_FAILED)
    return wrong_password (error, what, password);
  if (rc < 0)
    {
      unsigned int mac = 0;
      /* no mac at all: nothing to check here, decryption will tell */
      if (gnutls_pkcs12_mac_info (p12, &mac, NULL, NULL, NULL, NULL) < 0)
        return TRUE;
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA,
                   "%s: cannot check the PKCS#12 integrity (%s)", what, gnutls_strerror (rc));
      return FALSE;
    }
  return TRUE;
}

static void
crt_array_free (gnutls_x509_crt_t *crts, unsigned int n)
{
  for (unsigned int i = 0; i < n; i++)
    gnutls_x509_crt_deinit (crts[i]);
  gnutls_free (crts);
}

/* the other certificates, the entity's issuer first, then its issuer, and
 * so on; whatever is not on that path follows in the file's order */
static GPtrArray *
order_chain (gnutls_x509_crt_t entity, GPtrArray *others)
{
  g_autoptr(GPtrArray) left = g_ptr_array_copy (others, NULL, NULL);
  GPtrArray *ordered = g_ptr_array_new ();
  gnutls_x509_crt_t cur = entity;

  while (left->len > 0)
    {
      gboolean found = FALSE;

      /* a self-signed certificate ends the path */
      if (gnutls_x509_crt_check_issuer (cur, cur))
        break;
      for (guint i = 0; i < left->len; i++)
        {
          gnutls_x509_crt_t c = g_ptr_array_index (left, i);
          if (gnutls_x509_crt_check_issuer (cur, c))
            {
              g_ptr_array_add (ordered, c);
              g_ptr_array_remove_index (left, i);
              cur = c;
              found = TRUE;
              break;
            }
        }
      if (!found)
        break;
    }
  for (guint i = 0; i < left->len; i++)
    g_ptr_array_add (ordered, g_ptr_array_index (left, i));
  return ordered;
}

static GBytes *
export_certs_pem (GPtrArray *crts, GError **error)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();

  for (guint i = 0; i < crts->len; i++)
    {
      g_autoptr(GBytes) pem = mp_x509_crt_export_pem (g_ptr_array_index (crts, i), error);
      gsize len = 0;
      const guint8 *buf;

      if (pem == NULL)
        return NULL;
      buf = g_bytes_get_data (pem, &len);
      g_byte_array_append (out, buf, (guint) len);
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/* the parts of a parsed pkcs#12 file */
typedef struct {
  gnutls_x509_privkey_t key;
  gnutls_x509_crt_t *chain;
  unsigned int chain_len;
  gnutls_x509_crt_t *extra;
  unsigned int extra_len;
} Parts;

static void
parts_clear (Parts *p)
{
  if (p->key != NULL)
    gnutls_x509_privkey_deinit (p->key);
  crt_array_free (p->chain, p->chain_len);
  crt_array_free (p->extra, p->extra_len);
  memset (p, 0, sizeof *p);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Parts, parts_clear)

static gboolean
parse (GBytes *data, const char *what, const char *password, Parts *parts, GError **error)
{
  g_autoptr(MpPkcs12) p12 = NULL;
  gnutls_datum_t d;
  gsize len = 0;
  const char *pass = password;
  gboolean pem;
  int rc;

  d.data = (unsigned char *) g_bytes_get_data (data, &len);
  d.size = (unsigned int) len;
  pem = d.data != NULL && g_strstr_len ((const char *) d.data, (gssize) len, "-----BEGIN PKCS12-----") != NULL;
  gnutls_pkcs12_init (&p12);
  rc = gnutls_pkcs12_import (p12, &d, pem ? GNUTLS_X509_FMT_PEM : GNUTLS_X509_FMT_DER, 0);
  if (rc < 0)
    {
      MpFileKind kind = mp_x509_sniff (data);
      if (kind != MP_FILE_UNKNOWN && kind != MP_FILE_PKCS12)
        g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA,
                     "%s is not a PKCS#12 file but a %s file", what, mp_file_kind_to_string (kind));
      else
        g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA,
                     "%s is not a PKCS#12 file (%s)", what, gnutls_strerror (rc));
      return FALSE;
    }
  if (!verify_mac (p12, what, password, &pass, error))
    return FALSE;
  rc = gnutls_pkcs12_simple_parse (p12, pass, &parts->key, &parts->chain, &parts->chain_len,
                                   &parts->extra, &parts->extra_len, NULL,
                                   GNUTLS_PKCS12_SP_INCLUDE_SELF_SIGNED);
  if (rc == GNUTLS_E_DECRYPTION_FAILED)
    return wrong_password (error, what, password);
  if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA,
                   "%s does not hold both a private key and its certificate", what);
      return FALSE;
    }
  if (rc < 0)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA,
                   "%s: cannot read the PKCS#12 contents (%s)", what, gnutls_strerror (rc));
      return FALSE;
    }
  if (parts->key == NULL)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA, "%s holds no private key", what);
      return FALSE;
    }
  if (parts->chain_len == 0)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA,
                   "%s holds no certificate for its private key", what);
      return FALSE;
    }
  return TRUE;
}

/**
 * mp_transfer_pkcs12_to_pem:
 * @store: the store
 * @p12: the PKCS#12 file's contents (DER, or PEM "PKCS12")
 * @what: how to name the file in messages (its path)
 * @basename: the vendor-style basename of the files to write
 * @password: the password; "" for none
 * @flags: %MP_TRANSFER_FORCE to replace existing files (a key included)
 * @result: (out caller-allocates): the names written
 * @error: return location for a #GError
 *
 * Splits @p12 into `<basename>.key` (0600), `<basename>.crt` (the
 * certificate of that key) and, when the file holds other certificates,
 * `<basename>-bundle.crt` with them in chain order (the entity's issuer
 * first).  The files are written in one #MpStoreTxn: all of them or none.
 * A wrong password fails with %MP_ERROR_INVALID_DATA.
 *
 * Returns: %TRUE on success
 */
gboolean
mp_transfer_pkcs12_to_pem (MpStore *store, GBytes *p12, const char *what, const char *basename,
                           const char *password, MpTransferFlags flags,
                           MpPkcs12Result *result, GError **error)
{
  g_auto(Parts) parts = { 0 };
  g_autoptr(GPtrArray) others = g_ptr_array_new ();
  g_autoptr(GPtrArray) ordered = NULL;
  g_autoptr(MpSecretBytes) key_pem = NULL;
  g_autoptr(GBytes) crt_pem = NULL;
  g_autoptr(GBytes) bundle_pem = NULL;
  g_autoptr(MpStoreTxn) txn = NULL;
  g_autofree char *key_name = NULL;
  g_autofree char *crt_name = NULL;
  g_autofree char *bundle_name = NULL;
  MpWriteFlags replace = (flags & MP_TRANSFER_FORCE) ? MP_WRITE_REPLACE : MP_WRITE_NONE;

  if (!mp_pki_validate_basename (basename, error))
    return FALSE;
  mp_crypto_init ();
  if (!parse (p12, what, password != NULL ? password : "", &parts, error))
    return FALSE;
  /* simple_parse pairs them already; this is the check `pki match` makes */
  if (!mp_x509_privkey_matches_crt (parts.key, parts.chain[0], error))
    {
      g_prefix_error (error, "%s: ", what);
      return FALSE;
    }

  for (unsigned int i = 1; i < parts.chain_len; i++)
    g_ptr_array_add (others, parts.chain[i]);
  for (unsigned int i = 0; i < parts.extra_len; i++)
    g_ptr_array_add (others, parts.extra[i]);
  ordered = order_chain (parts.chain[0], others);

  key_pem = mp_x509_privkey_export_pem (parts.key, error);
  if (key_pem == NULL)
    return FALSE;
  crt_pem = mp_x509_crt_export_pem (parts.chain[0], error);
  if (crt_pem == NULL)
    return FALSE;
  key_name = g_strconcat (basename, ".key", NULL);
  crt_name = g_strconcat (basename, ".crt", NULL);

  txn = mp_store_txn_new (store);
  if (!mp_store_txn_add (txn, key_name, key_pem, MP_WRITE_PRIVATE | replace, error) ||
      !mp_store_txn_add (txn, crt_name, crt_pem, replace, error))
    return FALSE;
  if (ordered->len > 0)
    {
      bundle_pem = export_certs_pem (ordered, error);
      if (bundle_pem == NULL)
        return FALSE;
      bundle_name = g_strconcat (basename, "-bundle.crt", NULL);
      if (!mp_store_txn_add (txn, bundle_name, bundle_pem, replace, error))
        return FALSE;
    }
  if (!mp_store_txn_commit (txn, error))
    return FALSE;

  result->key_name = g_steal_pointer (&key_name);
  result->crt_name = g_steal_pointer (&crt_name);
  result->bundle_name = g_steal_pointer (&bundle_name);
  result->n_bundle = ordered->len;
  return TRUE;
}
