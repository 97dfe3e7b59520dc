/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the built-in ca: `pki csr`, `pki selfsigned` and `pki sign`.
 */
#include "config.h"

#include <string.h>

#include "meetpki/mp-pki.h"
#include "meetpki/mp-service.h"
#include "mp-time.h"
#include "mp-x509.h"

/* clock skew between cluster nodes should not make a fresh certificate
 * "not yet valid" */
#define BACKDATE_SECONDS (5 * 60)

/* the smallest rsa key we sign, as the vendor's own csr command makes */
#define MIN_RSA_BITS 2048

/**
 * mp_pki_validate_basename:
 *
 * The vendor's rule: letters, digits, hyphen and underscore only.
 */
gboolean
mp_pki_validate_basename (const char *basename, GError **error)
{
  if (basename == NULL || *basename == '\0')
    {
      g_set_error_literal (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "a basename is required");
      return FALSE;
    }
  for (const char *p = basename; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
        {
          g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                       "basename '%s' may only hold letters, digits, '-' and '_' "
                       "(give 'dbserver', not 'dbserver.key')", basename);
          return FALSE;
        }
    }
  if (strlen (basename) > 200)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "basename '%s' is too long", basename);
      return FALSE;
    }
  return TRUE;
}

static void
note (GPtrArray *notes, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static void
note (GPtrArray *notes, const char *fmt, ...)
{
  va_list ap;

  if (notes == NULL)
    return;
  va_start (ap, fmt);
  g_ptr_array_add (notes, g_strdup_vprintf (fmt, ap));
  va_end (ap);
}

typedef int (*SetDnFunc) (void *obj, const char *oid, unsigned int raw,
                          const void *data, unsigned int size);

static gboolean
set_dn (void *obj, SetDnFunc set, const MpSubject *s, GError **error)
{
  const struct {
    const char *oid;
    const char *value;
  } parts[] = {
    { GNUTLS_OID_X520_COUNTRY_NAME, s->c },
    { GNUTLS_OID_X520_STATE_OR_PROVINCE_NAME, s->st },
    { GNUTLS_OID_X520_LOCALITY_NAME, s->l },
    { GNUTLS_OID_X520_ORGANIZATION_NAME, s->o },
    { GNUTLS_OID_X520_ORGANIZATIONAL_UNIT_NAME, s->ou },
    { GNUTLS_OID_X520_COMMON_NAME, s->cn },
  };

  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      int rc;
      if (parts[i].value == NULL)
        continue;
      rc = set (obj, parts[i].oid, 0, parts[i].value, (unsigned int) strlen (parts[i].value));
      if (rc < 0)
        return mp_error_set_gnutls (error, rc, "setting the subject");
    }
  return TRUE;
}

typedef int (*SetSanFunc) (void *obj, gnutls_x509_subject_alt_name_t type,
                           const void *data, unsigned int size, unsigned int flags);

static gboolean
set_sans (void *obj, SetSanFunc set, const MpSubject *s, GError **error)
{
  for (guint i = 0; i < s->sans->len; i++)
    {
      const MpSan *san = g_ptr_array_index (s->sans, i);
      gnutls_x509_subject_alt_name_t type;
      const void *data = san->value;
      unsigned int size = (unsigned int) strlen (san->value);
      int rc;

      switch (san->type)
        {
        case MP_SAN_IP:
          type = GNUTLS_SAN_IPADDRESS;
          data = san->ip;
          size = (unsigned int) san->ip_len;
          break;
        case MP_SAN_EMAIL:
          type = GNUTLS_SAN_RFC822NAME;
          break;
        case MP_SAN_URI:
          type = GNUTLS_SAN_URI;
          break;
        case MP_SAN_DNS:
        default:
          type = GNUTLS_SAN_DNSNAME;
          break;
        }
      rc = set (obj, type, data, size, GNUTLS_FSAN_APPEND);
      if (rc < 0)
        return mp_error_set_gnutls (error, rc, "setting the subjectAltName");
    }
  return TRUE;
}

static unsigned int
leaf_key_usage (gnutls_pk_algorithm_t algo)
{
  /* rsa key exchange needs keyEncipherment; (ec)dsa and eddsa only sign */
  if (algo == GNUTLS_PK_RSA)
    return GNUTLS_KEY_DIGITAL_SIGNATURE | GNUTLS_KEY_KEY_ENCIPHERMENT;
  return GNUTLS_KEY_DIGITAL_SIGNATURE;
}

static gboolean
set_random_serial (gnutls_x509_crt_t crt, GError **error)
{
  guint8 serial[16];
  int rc;

  /* 127 random bits: the top bit clear keeps the DER integer positive, and
   * a non-zero first byte keeps it 16 bytes long */
  do
    {
      if (!mp_random_strong (serial, sizeof serial, error))
        return FALSE;
    }
  while ((serial[0] & 0x7f) == 0);
  serial[0] &= 0x7f;
  rc = gnutls_x509_crt_set_serial (crt, serial, sizeof serial);
  if (rc < 0)
    return mp_error_set_gnutls (error, rc, "setting the serial number");
  return TRUE;
}

static gboolean
set_subject_key_id (gnutls_x509_crt_t crt, GError **error)
{
  guint8 id[64];
  size_t len = sizeof id;
  int rc = gnutls_x509_crt_get_key_id (crt, GNUTLS_KEYID_USE_SHA1, id, &len);

  if (rc < 0)
    return mp_error_set_gnutls (error, rc, "computing the subject key identifier");
  rc = gnutls_x509_crt_set_subject_key_id (crt, id, len);
  if (rc < 0)
    return mp_error_set_gnutls (error, rc, "setting the subject key identifier");
  return TRUE;
}

/**
 * mp_pki_validate_days:
 * @days: a validity in days
 * @error: return location for a #GError
 *
 * The range mp_pki_selfsigned() and mp_pki_sign() take (1 to
 * %MP_PKI_MAX_DAYS), so a caller can check it before it opens the store.
 *
 * Returns: %TRUE when @days is in range
 */
gboolean
mp_pki_validate_days (guint days, GError **error)
{
  if (days == 0 || days > MP_PKI_MAX_DAYS)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                   "--days must be between 1 and %d", MP_PKI_MAX_DAYS);
      return FALSE;
    }
  return TRUE;
}

/* the names a command writes, checked up front so that nothing is generated
 * (or staged) when one of them is already taken */
static gboolean
check_free (MpStore *store, const char *const *names, MpPkiFlags flags, GError **error)
{
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *path = mp_store_resolve (store, names[i], error);
      if (path == NULL)
        return FALSE;
      if (!(flags & MP_PKI_FORCE) && g_file_test (path, G_FILE_TEST_EXISTS))
        {
          g_set_error (error, MP_ERROR, MP_ERROR_EXISTS,
                       "%s already exists in the store; refusing to overwrite it (use --force to replace it)",
                       names[i]);
          return FALSE;
        }
    }
  return TRUE;
}

/* generates the key @spec asks for, with its abstract handle for signing */
static gboolean
new_key (const MpKeySpec *spec, gnutls_x509_privkey_t *key, gnutls_privkey_t *pk, GError **error)
{
  *key = mp_x509_privkey_generate (spec, error);
  if (*key == NULL)
    return FALSE;
  *pk = mp_x509_privkey_abstract (*key, error);
  return *pk != NULL;
}

/* writes <basename>.key (0600) and its companion (csr or crt) together:
 * both land or neither does */
static gboolean
store_key_and (MpStore *store, const char *key_name, gnutls_x509_privkey_t key,
               const char *other_name, GBytes *other_pem, MpPkiFlags flags, GError **error)
{
  MpWriteFlags replace = (flags & MP_PKI_FORCE) ? MP_WRITE_REPLACE : MP_WRITE_NONE;
  g_autoptr(MpSecretBytes) key_pem = mp_x509_privkey_export_pem (key, error);
  g_autoptr(MpStoreTxn) txn = NULL;

  if (key_pem == NULL || other_pem == NULL)
    return FALSE;
  txn = mp_store_txn_new (store);
  return mp_store_txn_add (txn, key_name, key_pem, MP_WRITE_PRIVATE | replace, error) &&
         mp_store_txn_add (txn, other_name, other_pem, replace, error) &&
         mp_store_txn_commit (txn, error);
}

/**
 * mp_pki_csr:
 * @store: the store
 * @basename: `<basename>.key` and `<basename>.csr` are written
 * @subject: the subject and its SAN
 * @spec: the key to generate
 * @flags: %MP_PKI_FORCE to replace an existing key
 * @notes: (nullable) (element-type utf8): one-line remarks for the user
 * @error: return location for a #GError
 *
 * Generates a key and a CSR signed by it, asking for keyUsage and the
 * serverAuth/clientAuth EKU the vendor recommends.  Both files are written
 * together or not at all.
 */
gboolean
mp_pki_csr (MpStore *store, const char *basename, const MpSubject *subject,
            const MpKeySpec *spec, MpPkiFlags flags, GPtrArray *notes, GError **error)
{
  g_autofree char *key_name = g_strconcat (basename, ".key", NULL);
  g_autofree char *csr_name = g_strconcat (basename, ".csr", NULL);
  g_autofree char *crt_name = g_strconcat (basename, ".crt", NULL);
  const char *names[] = { key_name, csr_name, NULL };
  g_autoptr(MpX509Privkey) key = NULL;
  g_autoptr(MpPrivkey) pk = NULL;
  g_autoptr(MpX509Crq) crq = NULL;
  g_autoptr(GBytes) csr_pem = NULL;
  int rc;

  /* the live-key guard comes first: no option overrides it */
  if (!mp_pki_validate_basename (basename, error) || !mp_service_check_name_free (store, basename, error) ||
      !check_free (store, names, flags, error) || !new_key (spec, &key, &pk, error))
    return FALSE;

  gnutls_x509_crq_init (&crq);
  gnutls_x509_crq_set_version (crq, 1);
  if (!set_dn (crq, (SetDnFunc) gnutls_x509_crq_set_dn_by_oid, subject, error) ||
      !set_sans (crq, (SetSanFunc) gnutls_x509_crq_set_subject_alt_name, subject, error))
    return FALSE;
  if ((rc = gnutls_x509_crq_set_key (crq, key)) < 0)
    return mp_error_set_gnutls (error, rc, "putting the key in the CSR");
  if ((rc = gnutls_x509_crq_set_key_usage (crq, leaf_key_usage (gnutls_x509_privkey_get_pk_algorithm (key)))) < 0 ||
      (rc = gnutls_x509_crq_set_key_purpose_oid (crq, GNUTLS_KP_TLS_WWW_SERVER, 0)) < 0 ||
      (rc = gnutls_x509_crq_set_key_purpose_oid (crq, GNUTLS_KP_TLS_WWW_CLIENT, 0)) < 0)
    return mp_error_set_gnutls (error, rc, "asking for key usages in the CSR");
  if ((rc = gnutls_x509_crq_privkey_sign (crq, pk, mp_x509_sign_digest (key), 0)) < 0)
    return mp_error_set_gnutls (error, rc, "signing the CSR");

  csr_pem = mp_x509_crq_export_pem (crq, error);
  if (!store_key_and (store, key_name, key, csr_name, csr_pem, flags, error))
    return FALSE;

  if (subject->cn_added)
    note (notes, "Added the CN %s to subjectAltName (a certificate's names are taken from its SAN)", subject->cn);
  /* the vendor's warning: a service using <basename>.crt now has a key
   * that does not match it */
  if ((flags & MP_PKI_FORCE) && mp_store_contains (store, crt_name))
    note (notes, "%s was issued for the previous key; it no longer matches %s until the new CSR is signed",
          crt_name, key_name);
  return TRUE;
}

/* validity: [max(now - backdate, @start), min(now + days, @limit)]; @start
 * and @limit 0 are none.  the issuer's window bounds the issued one */
static gboolean
set_validity (gnutls_x509_crt_t crt, guint days, gint64 start, gint64 limit,
              GPtrArray *notes, GError **error)
{
  gint64 now = mp_now ();
  gint64 not_before = MAX (now - BACKDATE_SECONDS, start);
  gint64 not_after = now + (gint64) days * 86400;
  int rc;

  if (limit > 0 && not_after > limit)
    {
      g_autofree char *when = mp_time_format_utc (limit);
      not_after = limit;
      note (notes, "Validity shortened to end with the CA's on %s", when);
    }
  if ((rc = gnutls_x509_crt_set_activation_time (crt, (time_t) not_before)) < 0 ||
      (rc = gnutls_x509_crt_set_expiration_time (crt, (time_t) not_after)) < 0)
    return mp_error_set_gnutls (error, rc, "setting the validity");
  return TRUE;
}

/**
 * mp_pki_selfsigned:
 *
 * Generates `<basename>.key` and a self-signed CA certificate
 * `<basename>.crt`: basicConstraints CA:TRUE and keyUsage
 * keyCertSign+cRLSign, both critical, and a subject key identifier.
 */
gboolean
mp_pki_selfsigned (MpStore *store, const char *basename, const MpSubject *subject,
                   const MpKeySpec *spec, guint days, MpPkiFlags flags,
                   GPtrArray *notes, GError **error)
{
  g_autofree char *key_name = g_strconcat (basename, ".key", NULL);
  g_autofree char *crt_name = g_strconcat (basename, ".crt", NULL);
  const char *names[] = { key_name, crt_name, NULL };
  g_autoptr(MpX509Privkey) key = NULL;
  g_autoptr(MpPrivkey) pk = NULL;
  g_autoptr(MpX509Crt) crt = NULL;
  g_autoptr(GBytes) crt_pem = NULL;
  int rc;

  if (!mp_pki_validate_basename (basename, error) || !mp_pki_validate_days (days, error) ||
      !mp_service_check_name_free (store, basename, error) || !check_free (store, names, flags, error) ||
      !new_key (spec, &key, &pk, error))
    return FALSE;

  gnutls_x509_crt_init (&crt);
  gnutls_x509_crt_set_version (crt, 3);
  if (!set_dn (crt, (SetDnFunc) gnutls_x509_crt_set_dn_by_oid, subject, error) ||
      !set_sans (crt, (SetSanFunc) gnutls_x509_crt_set_subject_alt_name, subject, error) ||
      !set_random_serial (crt, error) || !set_validity (crt, days, 0, 0, notes, error))
    return FALSE;
  if ((rc = gnutls_x509_crt_set_key (crt, key)) < 0)
    return mp_error_set_gnutls (error, rc, "putting the key in the certificate");
  if ((rc = gnutls_x509_crt_set_basic_constraints (crt, 1, -1)) < 0 ||
      (rc = gnutls_x509_crt_set_key_usage (crt, GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN)) < 0)
    return mp_error_set_gnutls (error, rc, "setting the CA extensions");
  if (!set_subject_key_id (crt, error))
    return FALSE;
  if ((rc = gnutls_x509_crt_privkey_sign (crt, crt, pk, mp_x509_sign_digest (key), 0)) < 0)
    return mp_error_set_gnutls (error, rc, "self-signing the certificate");

  crt_pem = mp_x509_crt_export_pem (crt, error);
  return store_key_and (store, key_name, key, crt_name, crt_pem, flags, error);
}

static gboolean
check_is_ca (gnutls_x509_crt_t ca, const char *name, GError **error)
{
  unsigned int critical = 0, is_ca = 0, usage = 0;
  int rc = gnutls_x509_crt_get_basic_constraints (ca, &critical, &is_ca, NULL);

  if (rc < 0 || !is_ca)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_NOT_CA,
                   "%s is not a CA certificate (basicConstraints CA:TRUE missing)", name);
      return FALSE;
    }
  rc = gnutls_x509_crt_get_key_usage (ca, &usage, &critical);
  if (rc >= 0 && !(usage & GNUTLS_KEY_KEY_CERT_SIGN))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_NOT_CA,
                   "%s may not sign certificates (keyUsage lacks keyCertSign)", name);
      return FALSE;
    }
  return TRUE;
}

static gboolean
set_authority_key_id (gnutls_x509_crt_t crt, gnutls_x509_crt_t ca, GError **error)
{
  guint8 id[64];
  size_t len = sizeof id;
  unsigned int critical = 0;
  int rc = gnutls_x509_crt_get_subject_key_id (ca, id, &len, &critical);

  if (rc < 0)
    {
      len = sizeof id;
      rc = gnutls_x509_crt_get_key_id (ca, GNUTLS_KEYID_USE_SHA1, id, &len);
    }
  if (rc >= 0)
    rc = gnutls_x509_crt_set_authority_key_id (crt, id, len);
  if (rc < 0)
    return mp_error_set_gnutls (error, rc, "setting the authority key identifier");
  return TRUE;
}

/* the CSR's subjectAltName goes into the certificate unchanged; a CSR that
 * has none gets its CN (when it is a name), since clients ignore the CN */
static gboolean
copy_san (gnutls_x509_crt_t crt, gnutls_x509_crq_t crq, GPtrArray *notes, GError **error)
{
  char cn[256];
  size_t cn_len = sizeof cn;
  size_t san_len = 0;
  unsigned int critical = 0;
  g_autoptr(MpSan) san = NULL;
  gnutls_x509_subject_alt_name_t type;
  int rc;

  /* set_crq_extension_by_oid() succeeds without copying anything when the
   * CSR lacks the extension, so ask first */
  rc = gnutls_x509_crq_get_extension_by_oid (crq, GNUTLS_X509EXT_OID_SAN, 0, NULL, &san_len, &critical);
  if (rc != GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
    {
      rc = gnutls_x509_crt_set_crq_extension_by_oid (crt, crq, GNUTLS_X509EXT_OID_SAN, 0);
      if (rc < 0)
        return mp_error_set_gnutls (error, rc, "copying the subjectAltName");
      return TRUE;
    }
  if (gnutls_x509_crq_get_dn_by_oid (crq, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &cn_len) < 0)
    return TRUE;
  san = mp_san_new_from_string (cn, NULL);
  if (san == NULL)
    return TRUE;
  switch (san->type)
    {
    case MP_SAN_IP:
      type = GNUTLS_SAN_IPADDRESS;
      break;
    case MP_SAN_EMAIL:
      type = GNUTLS_SAN_RFC822NAME;
      break;
    case MP_SAN_URI:
      type = GNUTLS_SAN_URI;
      break;
    case MP_SAN_DNS:
    default:
      type = GNUTLS_SAN_DNSNAME;
      break;
    }
  if (san->type == MP_SAN_IP)
    rc = gnutls_x509_crt_set_subject_alt_name (crt, type, san->ip, (unsigned int) san->ip_len, 0);
  else
    rc = gnutls_x509_crt_set_subject_alt_name (crt, type, san->value, (unsigned int) strlen (san->value), 0);
  if (rc < 0)
    return mp_error_set_gnutls (error, rc, "setting the subjectAltName");
  note (notes, "The CSR has no subjectAltName; added its CN %s", cn);
  return TRUE;
}

/* reads @name from the store; a missing file gets a did-you-mean among the
 * files of the same kind only (dbca.csr must not suggest dbca.crt) */
static GBytes *
read_input (MpStore *store, const char *name, const char *hint, GError **error)
{
  const char *ext = strrchr (name, '.');
  g_autoptr(GPtrArray) same_kind = NULL;
  g_autoptr(GPtrArray) names = NULL;
  g_autofree char *suggestion = NULL;
  g_autofree char *path = mp_store_resolve (store, name, error);

  if (path == NULL)
    return NULL;
  if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return mp_file_read (path, error);
  names = mp_store_list_names (store, NULL);
  same_kind = g_ptr_array_new ();
  for (guint i = 0; names != NULL && i < names->len; i++)
    {
      if (ext != NULL && g_str_has_suffix (g_ptr_array_index (names, i), ext))
        g_ptr_array_add (same_kind, g_ptr_array_index (names, i));
    }
  g_ptr_array_add (same_kind, NULL);
  suggestion = mp_suggest (name, (const char * const *) same_kind->pdata);
  if (suggestion != NULL)
    g_set_error (error, MP_ERROR, MP_ERROR_NOT_FOUND,
                 "%s: no such file in the store (did you mean %s?)", name, suggestion);
  else
    g_set_error (error, MP_ERROR, MP_ERROR_NOT_FOUND,
                 "%s: no such file in the store (%s)", name, hint);
  return NULL;
}

/**
 * mp_pki_sign:
 * @store: the store
 * @basename: signs `<basename>.csr` into `<basename>.crt`
 * @ca_basename: the CA: `<ca>.key` and `<ca>.crt`
 * @days: the lifetime asked for; clamped to the CA's own expiry
 * @notes: (nullable) (element-type utf8): one-line remarks for the user
 * @error: return location for a #GError
 *
 * Checks the CSR's own signature, that the CA is a CA whose key matches,
 * then issues an end-entity certificate: subject and SAN from the CSR,
 * CA:FALSE, keyUsage for the key type, EKU serverAuth+clientAuth, SKI/AKI and
 * a random 127-bit serial.  An existing `<basename>.crt` is replaced
 * atomically: that is the renewal path.
 */
gboolean
mp_pki_sign (MpStore *store, const char *basename, const char *ca_basename,
             guint days, GPtrArray *notes, GError **error)
{
  g_autofree char *csr_name = g_strconcat (basename, ".csr", NULL);
  g_autofree char *crt_name = g_strconcat (basename, ".crt", NULL);
  g_autofree char *ca_key_name = g_strconcat (ca_basename, ".key", NULL);
  g_autofree char *ca_crt_name = g_strconcat (ca_basename, ".crt", NULL);
  g_autoptr(GBytes) csr_data = NULL;
  g_autoptr(GBytes) ca_key_data = NULL;
  g_autoptr(GBytes) ca_crt_data = NULL;
  g_autoptr(MpX509Crq) crq = NULL;
  g_autoptr(MpX509Privkey) ca_key = NULL;
  g_autoptr(MpPrivkey) ca_pk = NULL;
  g_autoptr(MpX509Crt) ca = NULL;
  g_autoptr(MpX509Crt) crt = NULL;
  g_autoptr(GBytes) crt_pem = NULL;
  gboolean existed;
  gint64 ca_not_after = 0, ca_not_before = 0;
  unsigned int bits = 0;
  int rc;

  if (!mp_pki_validate_basename (basename, error) ||
      !mp_pki_validate_basename (ca_basename, error) || !mp_pki_validate_days (days, error))
    return FALSE;
  if (g_strcmp0 (basename, ca_basename) == 0)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                   "%s cannot sign itself; use pki selfsigned for a CA", basename);
      return FALSE;
    }

  csr_data = read_input (store, csr_name, "make it with 'pki csr'", error);
  if (csr_data == NULL)
    return FALSE;
  crq = mp_x509_crq_import (csr_data, csr_name, error);
  if (crq == NULL)
    return FALSE;
  /* subject and key from the CSR.  gnutls_x509_crt_set_crq() takes them
   * only when the CSR's own signature verifies (documented; it calls
   * gnutls_x509_crq_verify()), so that is the check: verifying here first
   * did it twice.  an altered CSR gives GNUTLS_E_PK_SIG_VERIFY_FAILED
   * (test-cli-errors' tampered CSR); anything else (an algorithm gnutls
   * refuses, such as md5, or a malformed part) keeps gnutls' own reason */
  if ((rc = gnutls_x509_crt_init (&crt)) < 0)
    return mp_error_set_gnutls (error, rc, "gnutls_x509_crt_init");
  if ((rc = gnutls_x509_crt_set_crq (crt, crq)) < 0)
    {
      g_autofree char *op = NULL;

      if (rc == GNUTLS_E_PK_SIG_VERIFY_FAILED)
        {
          g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA,
                       "%s: the CSR's signature does not verify; it was altered or is corrupt", csr_name);
          return FALSE;
        }
      op = g_strdup_printf ("%s: taking subject and key from the CSR", csr_name);
      return mp_error_set_gnutls (error, rc, op);
    }
  {
    unsigned int csr_bits = 0;
    /* the services refuse short rsa keys; better now than at their restart */
    if (gnutls_x509_crq_get_pk_algorithm (crq, &csr_bits) == GNUTLS_PK_RSA && csr_bits < MIN_RSA_BITS)
      {
        g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA,
                     "%s: its key is RSA %u bits; at least %d are needed", csr_name, csr_bits, MIN_RSA_BITS);
        return FALSE;
      }
  }

  ca_crt_data = read_input (store, ca_crt_name, "make a CA with 'pki selfsigned'", error);
  if (ca_crt_data == NULL)
    return FALSE;
  ca = mp_x509_crt_import (ca_crt_data, ca_crt_name, error);
  if (ca == NULL || !check_is_ca (ca, ca_crt_name, error))
    return FALSE;
  if (!mp_x509_crt_get_validity (ca, NULL, &ca_not_before, &ca_not_after))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA, "%s: no readable validity dates", ca_crt_name);
      return FALSE;
    }
  if (ca_not_after <= mp_now ())
    {
      g_autofree char *when = mp_time_format_utc (ca_not_after);
      g_set_error (error, MP_ERROR, MP_ERROR_VERIFY_FAILED, "%s expired on %s", ca_crt_name, when);
      return FALSE;
    }
  /* a certificate valid before its issuer would not verify then; this is
   * a wrong clock (or a CA made on a node whose clock runs ahead) */
  if (ca_not_before > mp_now ())
    {
      g_autofree char *when = mp_time_format_utc (ca_not_before);
      g_set_error (error, MP_ERROR, MP_ERROR_VERIFY_FAILED,
                   "%s is not valid before %s; check the system clock", ca_crt_name, when);
      return FALSE;
    }
  ca_key_data = read_input (store, ca_key_name, "the CA's private key is needed to sign", error);
  if (ca_key_data == NULL)
    return FALSE;
  ca_key = mp_x509_privkey_import (ca_key_data, ca_key_name, error);
  if (ca_key == NULL)
    return FALSE;
  if (!mp_x509_privkey_matches_crt (ca_key, ca, error))
    {
      g_prefix_error (error, "%s and %s: ", ca_key_name, ca_crt_name);
      return FALSE;
    }
  ca_pk = mp_x509_privkey_abstract (ca_key, error);
  if (ca_pk == NULL)
    return FALSE;

  gnutls_x509_crt_set_version (crt, 3);
  if (!copy_san (crt, crq, notes, error) || !set_random_serial (crt, error) ||
      !set_validity (crt, days, ca_not_before, ca_not_after, notes, error))
    return FALSE;
  if ((rc = gnutls_x509_crt_set_basic_constraints (crt, 0, -1)) < 0 ||
      (rc = gnutls_x509_crt_set_key_usage (crt, leaf_key_usage (gnutls_x509_crq_get_pk_algorithm (crq, &bits)))) < 0 ||
      (rc = gnutls_x509_crt_set_key_purpose_oid (crt, GNUTLS_KP_TLS_WWW_SERVER, 0)) < 0 ||
      (rc = gnutls_x509_crt_set_key_purpose_oid (crt, GNUTLS_KP_TLS_WWW_CLIENT, 0)) < 0)
    return mp_error_set_gnutls (error, rc, "setting the extensions");
  if (!set_subject_key_id (crt, error) || !set_authority_key_id (crt, ca, error))
    return FALSE;
  if ((rc = gnutls_x509_crt_privkey_sign (crt, ca, ca_pk, mp_x509_sign_digest (ca_key), 0)) < 0)
    return mp_error_set_gnutls (error, rc, "signing the certificate");

  crt_pem = mp_x509_crt_export_pem (crt, error);
  if (crt_pem == NULL)
    return FALSE;
  existed = mp_store_contains (store, crt_name);
  if (!mp_store_write (store, crt_name, crt_pem, MP_WRITE_REPLACE, error))
    return FALSE;
  if (existed)
    note (notes, "Replaced the previous %s (restart the services that use it)", crt_name);
  return TRUE;
}
