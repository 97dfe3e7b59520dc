/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * inspection: what a key, csr or certificate file holds, as one json
 * description that every frontend renders (`pki inspect`; `pki list`
 * summarises it in mp-inspect-list.c).
 */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "meetpki/mp-inspect.h"
#include <gnutls/crypto.h>

#include "mp-x509.h"

#define OID_SUBJECT_ALT_NAME "2.5.29.17"
#define OID_KEY_USAGE "2.5.29.15"
#define OID_EXT_KEY_USAGE "2.5.29.37"
#define OID_BASIC_CONSTRAINTS "2.5.29.19"
#define OID_SUBJECT_KEY_ID "2.5.29.14"
#define OID_AUTHORITY_KEY_ID "2.5.29.35"

#define SECONDS_PER_DAY 86400

/* reads the DER of one extension of a certificate or a request; returns a
 * gnutls error code, GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE when absent */
typedef int (*ExtGetter) (gpointer src, const char *oid, gnutls_datum_t *out, unsigned int *critical);

static int
crt_ext (gpointer src, const char *oid, gnutls_datum_t *out, unsigned int *critical)
{
  return gnutls_x509_crt_get_extension_by_oid2 (src, oid, 0, out, critical);
}

static int
crq_ext (gpointer src, const char *oid, gnutls_datum_t *out, unsigned int *critical)
{
  return gnutls_x509_crq_get_extension_by_oid2 (src, oid, 0, out, critical);
}

static const struct {
  unsigned int bit;
  const char *name;
} key_usage_names[] = {
  /* rfc 5280 names, in the order of the bit string */
  { GNUTLS_KEY_DIGITAL_SIGNATURE, "digitalSignature" },
  { GNUTLS_KEY_NON_REPUDIATION, "nonRepudiation" },
  { GNUTLS_KEY_KEY_ENCIPHERMENT, "keyEncipherment" },
  { GNUTLS_KEY_DATA_ENCIPHERMENT, "dataEncipherment" },
  { GNUTLS_KEY_KEY_AGREEMENT, "keyAgreement" },
  { GNUTLS_KEY_KEY_CERT_SIGN, "keyCertSign" },
  { GNUTLS_KEY_CRL_SIGN, "cRLSign" },
  { GNUTLS_KEY_ENCIPHER_ONLY, "encipherOnly" },
  { GNUTLS_KEY_DECIPHER_ONLY, "decipherOnly" },
};

static const struct {
  const char *oid;
  const char *name;
} eku_names[] = {
  { GNUTLS_KP_TLS_WWW_SERVER, "serverAuth" },
  { GNUTLS_KP_TLS_WWW_CLIENT, "clientAuth" },
  { GNUTLS_KP_CODE_SIGNING, "codeSigning" },
  { GNUTLS_KP_EMAIL_PROTECTION, "emailProtection" },
  { GNUTLS_KP_TIME_STAMPING, "timeStamping" },
  { GNUTLS_KP_OCSP_SIGNING, "OCSPSigning" },
  { GNUTLS_KP_IPSEC_IKE, "ipsecIKE" },
  { GNUTLS_KP_MS_SMART_CARD_LOGON, "msSmartcardLogin" },
  { GNUTLS_KP_ANY, "anyExtendedKeyUsage" },
};

/* "AB:CD:EF", as openssl prints fingerprints and key identifiers */
static char *
hex_upper (const guint8 *data, gsize len, gboolean colons)
{
  static const char digits[] = "0123456789ABCDEF";
  char *s = g_malloc (len * 3 + 1);
  char *p = s;

  for (gsize i = 0; i < len; i++)
    {
      if (colons && i > 0)
        *p++ = ':';
      *p++ = digits[data[i] >> 4];
      *p++ = digits[data[i] & 0xf];
    }
  *p = '\0';
  return s;
}

static char *
hex_colon (const guint8 *data, gsize len)
{
  return hex_upper (data, len, TRUE);
}

/* certificate data is not trusted to be utf-8; json must be */
static char *
utf8_of (const void *data, gsize len)
{
  return g_utf8_make_valid ((const char *) data, (gssize) len);
}

static char *
iso8601_utc (gint64 t)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (t);

  if (dt == NULL)
    return g_strdup ("invalid");
  return g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ");
}

/* whole days from @now to @not_after, rounded down (towards the past) */
gint64
mp_days_left (gint64 now, gint64 not_after)
{
  gint64 d = not_after - now;

  if (d >= 0)
    return d / SECONDS_PER_DAY;
  return -((-d + SECONDS_PER_DAY - 1) / SECONDS_PER_DAY);
}

static void
add_warning (JsonObject *obj, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static void
add_warning (JsonObject *obj, const char *fmt, ...)
{
  JsonArray *warnings;
  va_list ap;
  g_autofree char *msg = NULL;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  if (!json_object_has_member (obj, "warnings"))
    json_object_set_array_member (obj, "warnings", json_array_new ());
  warnings = json_object_get_array_member (obj, "warnings");
  json_array_add_string_element (warnings, msg);
}

static void
set_dn (JsonObject *obj, const char *member, int rc, const gnutls_datum_t *dn)
{
  g_autofree char *s = NULL;

  if (rc < 0)
    {
      json_object_set_null_member (obj, member);
      return;
    }
  s = utf8_of (dn->data, dn->size);
  json_object_set_string_member (obj, member, s);
}

/* the first CN of a subject, or null */
static void
set_common_name (JsonObject *obj, int rc, const char *buf, size_t len)
{
  g_autofree char *cn = NULL;

  if (rc < 0)
    {
      json_object_set_null_member (obj, "common_name");
      return;
    }
  cn = utf8_of (buf, len);
  json_object_set_string_member (obj, "common_name", cn);
}

static void
set_time (JsonObject *obj, const char *member, time_t t)
{
  g_autofree char *s = NULL;

  if (t == (time_t) -1)
    {
      json_object_set_null_member (obj, member);
      return;
    }
  s = iso8601_utc ((gint64) t);
  json_object_set_string_member (obj, member, s);
}

static const char *
pk_algorithm_name (int algo)
{
  switch (algo)
    {
    case GNUTLS_PK_RSA:
      return "RSA";
    case GNUTLS_PK_RSA_PSS:
      return "RSA-PSS";
    case GNUTLS_PK_ECDSA:
      return "EC";
    case GNUTLS_PK_EDDSA_ED25519:
      return "Ed25519";
    case GNUTLS_PK_EDDSA_ED448:
      return "Ed448";
    case GNUTLS_PK_DSA:
      return "DSA";
    default:
      return gnutls_pk_get_name ((gnutls_pk_algorithm_t) algo);
    }
}

/* the public half of a key: type, size, curve and the sha-256 pin of its
 * SubjectPublicKeyInfo (base64, as in HPKP and curl's --pinnedpubkey) */
static JsonObject *
describe_pubkey (gnutls_pubkey_t pub, GError **error)
{
  g_autoptr(JsonObject) obj = json_object_new ();
  g_auto(MpDatum) spki = { NULL, 0 };
  unsigned int bits = 0;
  int algo = gnutls_pubkey_get_pk_algorithm (pub, &bits);
  gnutls_ecc_curve_t curve = GNUTLS_ECC_CURVE_INVALID;
  guint8 digest[32];
  g_autofree char *type = NULL;
  g_autofree char *pin = NULL;
  int rc;

  if (algo < 0)
    {
      mp_error_set_gnutls (error, algo, "reading the public key algorithm");
      return NULL;
    }
  if (algo == GNUTLS_PK_ECDSA || algo == GNUTLS_PK_EDDSA_ED25519 || algo == GNUTLS_PK_EDDSA_ED448)
    {
      if (gnutls_pubkey_export_ecc_raw2 (pub, &curve, NULL, NULL, 0) < 0)
        curve = GNUTLS_ECC_CURVE_INVALID;
    }
  rc = gnutls_pubkey_export2 (pub, GNUTLS_X509_FMT_DER, &spki);
  if (rc < 0)
    {
      mp_error_set_gnutls (error, rc, "exporting the public key");
      return NULL;
    }
  rc = gnutls_hash_fast (GNUTLS_DIG_SHA256, spki.data, spki.size, digest);
  if (rc < 0)
    {
      mp_error_set_gnutls (error, rc, "hashing the public key");
      return NULL;
    }
  type = mp_x509_describe_pk (algo, bits, curve);
  pin = g_base64_encode (digest, sizeof digest);
  json_object_set_string_member (obj, "type", type);
  json_object_set_string_member (obj, "algorithm", pk_algorithm_name (algo));
  json_object_set_int_member (obj, "bits", bits);
  if (curve != GNUTLS_ECC_CURVE_INVALID)
    json_object_set_string_member (obj, "curve", gnutls_ecc_curve_get_name (curve));
  else
    json_object_set_null_member (obj, "curve");
  json_object_set_string_member (obj, "pin_sha256", pin);
  return g_steal_pointer (&obj);
}

static JsonObject *
describe_san (unsigned int type, const gnutls_datum_t *san, const gnutls_datum_t *othername_oid)
{
  JsonObject *obj = json_object_new ();
  const char *kind = NULL;
  g_autofree char *value = NULL;

  switch (type)
    {
    case GNUTLS_SAN_DNSNAME:
      kind = "DNS";
      value = utf8_of (san->data, san->size);
      break;
    case GNUTLS_SAN_RFC822NAME:
      kind = "email";
      value = utf8_of (san->data, san->size);
      break;
    case GNUTLS_SAN_URI:
      kind = "URI";
      value = utf8_of (san->data, san->size);
      break;
    case GNUTLS_SAN_IPADDRESS:
      kind = "IP";
      if (san->size == 4 || san->size == 16)
        {
          /* plain inet_ntop: gio's address type would cost start-up time */
          char text[INET6_ADDRSTRLEN];
          if (inet_ntop (san->size == 4 ? AF_INET : AF_INET6, san->data, text, sizeof text) != NULL)
            value = g_strdup (text);
          else
            value = hex_colon (san->data, san->size);
        }
      else
        value = hex_colon (san->data, san->size);
      break;
    case GNUTLS_SAN_OTHERNAME:
      {
        g_autofree char *oid = utf8_of (othername_oid->data, othername_oid->size);
        gnutls_datum_t virt = { NULL, 0 };
        unsigned int vtype = 0;

        /* the xmpp address is the one othername the vendor's services use */
        if (gnutls_x509_othername_to_virtual (oid, san, &vtype, &virt) == 0 &&
            vtype == GNUTLS_SAN_OTHERNAME_XMPP)
          {
            kind = "XMPP";
            value = utf8_of (virt.data, virt.size);
          }
        else
          {
            kind = "otherName";
            value = g_steal_pointer (&oid);
          }
        gnutls_free (virt.data);
      }
      break;
    case GNUTLS_SAN_DN:
      /* gnutls hands a directory name over already as an rfc 4514 string */
      kind = "DirName";
      value = utf8_of (san->data, san->size);
      break;
    case GNUTLS_SAN_REGISTERED_ID:
      kind = "RID";
      value = utf8_of (san->data, san->size);
      break;
    default:
      kind = "unknown";
      value = hex_colon (san->data, san->size);
      break;
    }
  json_object_set_string_member (obj, "type", kind);
  json_object_set_string_member (obj, "value", value);
  return obj;
}

static void
add_sans (JsonObject *obj, ExtGetter get, gpointer src)
{
  g_auto(MpDatum) der = { NULL, 0 };
  g_autoptr(MpSubjectAltNames) sans = NULL;
  JsonArray *arr;
  unsigned int critical = 0;
  int rc = get (src, OID_SUBJECT_ALT_NAME, &der, &critical);

  if (rc < 0)
    {
      json_object_set_array_member (obj, "sans", json_array_new ());
      return;
    }
  arr = json_array_new ();
  json_object_set_array_member (obj, "sans", arr);
  gnutls_subject_alt_names_init (&sans);
  if (gnutls_x509_ext_import_subject_alt_names (&der, sans, 0) < 0)
    {
      add_warning (obj, "the subjectAltName extension cannot be parsed");
      return;
    }
  for (unsigned int i = 0;; i++)
    {
      gnutls_datum_t san = { NULL, 0 }, oid = { NULL, 0 };
      unsigned int type = 0;

      /* the data point into @sans: nothing to free */
      if (gnutls_subject_alt_names_get (sans, i, &type, &san, &oid) < 0)
        break;
      json_array_add_object_element (arr, describe_san (type, &san, &oid));
    }
}

static void
add_key_usage (JsonObject *obj, ExtGetter get, gpointer src)
{
  g_auto(MpDatum) der = { NULL, 0 };
  unsigned int critical = 0, usage = 0;
  JsonArray *arr;

  if (get (src, OID_KEY_USAGE, &der, &critical) < 0)
    {
      json_object_set_null_member (obj, "key_usage");
      json_object_set_boolean_member (obj, "key_usage_critical", FALSE);
      return;
    }
  if (gnutls_x509_ext_import_key_usage (&der, &usage) < 0)
    {
      json_object_set_null_member (obj, "key_usage");
      json_object_set_boolean_member (obj, "key_usage_critical", critical != 0);
      add_warning (obj, "the keyUsage extension cannot be parsed");
      return;
    }
  arr = json_array_new ();
  for (guint i = 0; i < G_N_ELEMENTS (key_usage_names); i++)
    {
      if (usage & key_usage_names[i].bit)
        json_array_add_string_element (arr, key_usage_names[i].name);
    }
  json_object_set_array_member (obj, "key_usage", arr);
  json_object_set_boolean_member (obj, "key_usage_critical", critical != 0);
}

static void
add_ext_key_usage (JsonObject *obj, ExtGetter get, gpointer src)
{
  g_auto(MpDatum) der = { NULL, 0 };
  g_autoptr(MpKeyPurposes) kp = NULL;
  unsigned int critical = 0;
  JsonArray *arr;

  if (get (src, OID_EXT_KEY_USAGE, &der, &critical) < 0)
    {
      json_object_set_null_member (obj, "extended_key_usage");
      return;
    }
  gnutls_x509_key_purpose_init (&kp);
  if (gnutls_x509_ext_import_key_purposes (&der, kp, 0) < 0)
    {
      json_object_set_null_member (obj, "extended_key_usage");
      add_warning (obj, "the extendedKeyUsage extension cannot be parsed");
      return;
    }
  arr = json_array_new ();
  for (unsigned int i = 0;; i++)
    {
      gnutls_datum_t oid = { NULL, 0 };
      g_autofree char *s = NULL;
      const char *name = NULL;

      if (gnutls_x509_key_purpose_get (kp, i, &oid) < 0)
        break;
      s = utf8_of (oid.data, oid.size);
      for (guint k = 0; k < G_N_ELEMENTS (eku_names) && name == NULL; k++)
        {
          if (g_strcmp0 (s, eku_names[k].oid) == 0)
            name = eku_names[k].name;
        }
      json_array_add_string_element (arr, name != NULL ? name : s);
    }
  json_object_set_array_member (obj, "extended_key_usage", arr);
}

static void
add_basic_constraints (JsonObject *obj, ExtGetter get, gpointer src)
{
  g_auto(MpDatum) der = { NULL, 0 };
  unsigned int critical = 0, ca = 0;
  int pathlen = -1;
  JsonObject *bc;

  if (get (src, OID_BASIC_CONSTRAINTS, &der, &critical) < 0)
    {
      json_object_set_null_member (obj, "basic_constraints");
      return;
    }
  if (gnutls_x509_ext_import_basic_constraints (&der, &ca, &pathlen) < 0)
    {
      json_object_set_null_member (obj, "basic_constraints");
      add_warning (obj, "the basicConstraints extension cannot be parsed");
      return;
    }
  bc = json_object_new ();
  json_object_set_boolean_member (bc, "ca", ca != 0);
  if (ca && pathlen >= 0)
    json_object_set_int_member (bc, "path_len", pathlen);
  else
    json_object_set_null_member (bc, "path_len");
  json_object_set_boolean_member (bc, "critical", critical != 0);
  json_object_set_object_member (obj, "basic_constraints", bc);
}

static void
add_key_ids (JsonObject *obj, ExtGetter get, gpointer src)
{
  g_auto(MpDatum) ski_der = { NULL, 0 };
  g_auto(MpDatum) aki_der = { NULL, 0 };
  unsigned int critical = 0;
  g_autofree char *ski = NULL;
  g_autofree char *aki = NULL;

  if (get (src, OID_SUBJECT_KEY_ID, &ski_der, &critical) == 0)
    {
      g_auto(MpDatum) id = { NULL, 0 };
      if (gnutls_x509_ext_import_subject_key_id (&ski_der, &id) == 0)
        ski = hex_colon (id.data, id.size);
      else
        add_warning (obj, "the subjectKeyIdentifier extension cannot be parsed");
    }
  if (get (src, OID_AUTHORITY_KEY_ID, &aki_der, &critical) == 0)
    {
      g_autoptr(MpAki) parsed = NULL;
      gnutls_datum_t id = { NULL, 0 };

      gnutls_x509_aki_init (&parsed);
      /* the id points into @parsed; an aki made only of issuer and serial
       * has no id, which is not an error */
      if (gnutls_x509_ext_import_authority_key_id (&aki_der, parsed, 0) < 0)
        add_warning (obj, "the authorityKeyIdentifier extension cannot be parsed");
      else if (gnutls_x509_aki_get_id (parsed, &id) == 0)
        aki = hex_colon (id.data, id.size);
    }
  if (ski != NULL)
    json_object_set_string_member (obj, "subject_key_id", ski);
  else
    json_object_set_null_member (obj, "subject_key_id");
  if (aki != NULL)
    json_object_set_string_member (obj, "authority_key_id", aki);
  else
    json_object_set_null_member (obj, "authority_key_id");
}

static void
set_signature_algorithm (JsonObject *obj, int algo, const char *fallback_oid)
{
  const char *name = algo > 0 ? gnutls_sign_get_name ((gnutls_sign_algorithm_t) algo) : NULL;

  if (name != NULL)
    json_object_set_string_member (obj, "signature_algorithm", name);
  else if (fallback_oid != NULL)
    json_object_set_string_member (obj, "signature_algorithm", fallback_oid);
  else
    json_object_set_null_member (obj, "signature_algorithm");
}

/* serials as openssl prints them: upper-case hex of the value, without the
 * sign byte der adds when the top bit is set */
static char *
serial_hex (const guint8 *data, gsize len)
{
  while (len > 1 && data[0] == 0)
    {
      data++;
      len--;
    }
  return hex_upper (data, len, FALSE);
}

static JsonObject *
describe_crt (gnutls_x509_crt_t crt, gint64 now, GError **error)
{
  g_autoptr(JsonObject) obj = json_object_new ();
  g_autoptr(MpPubkey) pub = NULL;
  g_auto(MpDatum) subject = { NULL, 0 };
  g_auto(MpDatum) issuer = { NULL, 0 };
  JsonObject *pk;
  char cn[1024];
  size_t cn_len = sizeof cn;
  guint8 serial[64];
  size_t serial_len = sizeof serial;
  g_auto(MpDatum) der = { NULL, 0 };
  guint8 fpr[32];
  char sig_oid[128];
  size_t sig_oid_len = sizeof sig_oid;
  time_t not_before, not_after;
  int rc;

  json_object_set_int_member (obj, "version", gnutls_x509_crt_get_version (crt));
  rc = gnutls_x509_crt_get_dn3 (crt, &subject, 0);
  set_dn (obj, "subject", rc, &subject);
  rc = gnutls_x509_crt_get_dn_by_oid (crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &cn_len);
  set_common_name (obj, rc, cn, cn_len);
  rc = gnutls_x509_crt_get_issuer_dn3 (crt, &issuer, 0);
  set_dn (obj, "issuer", rc, &issuer);

  rc = gnutls_x509_crt_get_serial (crt, serial, &serial_len);
  if (rc < 0)
    json_object_set_null_member (obj, "serial");
  else
    {
      g_autofree char *hex = serial_hex (serial, serial_len);
      json_object_set_string_member (obj, "serial", hex);
    }

  not_before = gnutls_x509_crt_get_activation_time (crt);
  not_after = gnutls_x509_crt_get_expiration_time (crt);
  set_time (obj, "not_before", not_before);
  set_time (obj, "not_after", not_after);
  if (not_after != (time_t) -1)
    json_object_set_int_member (obj, "days_left", mp_days_left (now, (gint64) not_after));
  else
    json_object_set_null_member (obj, "days_left");
  if (not_before != (time_t) -1 && now < (gint64) not_before)
    json_object_set_string_member (obj, "status", "not yet valid");
  else if (not_after != (time_t) -1 && now > (gint64) not_after)
    json_object_set_string_member (obj, "status", "expired");
  else
    json_object_set_string_member (obj, "status", "valid");
  /* "EXPIRED n days ago" counts whole days elapsed, which days_left (rounded
   * towards the past) overstates by one */
  if (not_after != (time_t) -1 && now > (gint64) not_after)
    json_object_set_int_member (obj, "expired_days_ago", (now - (gint64) not_after) / SECONDS_PER_DAY);
  else
    json_object_set_null_member (obj, "expired_days_ago");
  /* self-issued: subject and issuer are the same name, as for a root */
  json_object_set_boolean_member (obj, "self_signed", gnutls_x509_crt_check_issuer (crt, crt) != 0);

  add_sans (obj, crt_ext, crt);

  gnutls_pubkey_init (&pub);
  rc = gnutls_pubkey_import_x509 (pub, crt, 0);
  if (rc < 0)
    {
      mp_error_set_gnutls (error, rc, "reading the certificate's public key");
      return NULL;
    }
  pk = describe_pubkey (pub, error);
  if (pk == NULL)
    return NULL;
  json_object_set_object_member (obj, "public_key", pk);

  add_key_usage (obj, crt_ext, crt);
  add_ext_key_usage (obj, crt_ext, crt);
  add_basic_constraints (obj, crt_ext, crt);
  add_key_ids (obj, crt_ext, crt);

  rc = gnutls_x509_crt_get_signature_oid (crt, sig_oid, &sig_oid_len);
  set_signature_algorithm (obj, gnutls_x509_crt_get_signature_algorithm (crt), rc == 0 ? sig_oid : NULL);

  /* the der as imported, hashed once: gnutls_x509_crt_get_fingerprint
   * encodes the certificate again first, which costs five times the hash */
  rc = gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_DER, &der);
  if (rc < 0)
    {
      mp_error_set_gnutls (error, rc, "computing the certificate's fingerprint");
      return NULL;
    }
  rc = gnutls_hash_fast (GNUTLS_DIG_SHA256, der.data, der.size, fpr);
  if (rc < 0)
    {
      mp_error_set_gnutls (error, rc, "computing the certificate's fingerprint");
      return NULL;
    }
  {
    g_autofree char *hex = hex_colon (fpr, sizeof fpr);
    json_object_set_string_member (obj, "fingerprint_sha256", hex);
  }
  return g_steal_pointer (&obj);
}

static JsonObject *
describe_crq (gnutls_x509_crq_t crq, GError **error)
{
  g_autoptr(JsonObject) obj = json_object_new ();
  g_autoptr(MpPubkey) pub = NULL;
  g_auto(MpDatum) subject = { NULL, 0 };
  JsonObject *pk;
  char cn[1024];
  size_t cn_len = sizeof cn;
  char sig_oid[128];
  size_t sig_oid_len = sizeof sig_oid;
  int rc;

  rc = gnutls_x509_crq_get_dn3 (crq, &subject, 0);
  set_dn (obj, "subject", rc, &subject);
  rc = gnutls_x509_crq_get_dn_by_oid (crq, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &cn_len);
  set_common_name (obj, rc, cn, cn_len);
  add_sans (obj, crq_ext, crq);

  gnutls_pubkey_init (&pub);
  rc = gnutls_pubkey_import_x509_crq (pub, crq, 0);
  if (rc < 0)
    {
      mp_error_set_gnutls (error, rc, "reading the request's public key");
      return NULL;
    }
  pk = describe_pubkey (pub, error);
  if (pk == NULL)
    return NULL;
  json_object_set_object_member (obj, "public_key", pk);

  /* the self-signature proves the requester holds the private key */
  json_object_set_boolean_member (obj, "signature_valid", gnutls_x509_crq_verify (crq, 0) == 0);
  rc = gnutls_x509_crq_get_signature_oid (crq, sig_oid, &sig_oid_len);
  set_signature_algorithm (obj, gnutls_x509_crq_get_signature_algorithm (crq), rc == 0 ? sig_oid : NULL);

  add_key_usage (obj, crq_ext, crq);
  add_ext_key_usage (obj, crq_ext, crq);
  add_basic_constraints (obj, crq_ext, crq);
  return g_steal_pointer (&obj);
}

static gboolean
has_pem_label (GBytes *data, const char *label)
{
  gsize len = 0;
  const char *buf = g_bytes_get_data (data, &len);

  return buf != NULL && g_strstr_len (buf, (gssize) len, label) != NULL;
}

/* only the public half is described; the private key stays in gnutls'
 * memory and is released with it */
static JsonObject *
describe_key (GBytes *data, const char *what, GError **error)
{
  g_autoptr(JsonObject) obj = json_object_new ();
  g_autoptr(MpX509Privkey) key = NULL;
  g_autoptr(MpPrivkey) abstract = NULL;
  g_autoptr(MpPubkey) pub = NULL;
  JsonObject *pk;
  int rc;

  if (has_pem_label (data, "-----BEGIN ENCRYPTED PRIVATE KEY-----"))
    {
      json_object_set_boolean_member (obj, "encrypted", TRUE);
      json_object_set_null_member (obj, "public_key");
      return g_steal_pointer (&obj);
    }
  key = mp_x509_privkey_import (data, what, error);
  if (key == NULL)
    return NULL;
  abstract = mp_x509_privkey_abstract (key, error);
  if (abstract == NULL)
    return NULL;
  gnutls_pubkey_init (&pub);
  rc = gnutls_pubkey_import_privkey (pub, abstract, 0, 0);
  if (rc < 0)
    {
      mp_error_set_gnutls (error, rc, "deriving the public key");
      return NULL;
    }
  pk = describe_pubkey (pub, error);
  if (pk == NULL)
    return NULL;
  json_object_set_boolean_member (obj, "encrypted", FALSE);
  json_object_set_object_member (obj, "public_key", pk);
  return g_steal_pointer (&obj);
}

JsonNode *
mp_inspect_file (GBytes *data, const char *display_name, GError **error)
{
  g_autoptr(JsonObject) root = json_object_new ();
  const char *what = display_name != NULL ? display_name : "input";
  MpFileKind kind;

  g_return_val_if_fail (data != NULL, NULL);

  mp_crypto_init ();
  kind = mp_x509_sniff (data);
  if (display_name != NULL)
    json_object_set_string_member (root, "file", display_name);
  else
    json_object_set_null_member (root, "file");

  switch (kind)
    {
    case MP_FILE_CERTIFICATE:
      {
        g_autoptr(GPtrArray) crts = mp_x509_crt_import_list (data, what, error);
        JsonArray *arr;
        gint64 now = mp_now ();

        if (crts == NULL)
          return NULL;
        json_object_set_string_member (root, "kind", crts->len > 1 ? "certificates" : "certificate");
        arr = json_array_new ();
        json_object_set_array_member (root, "certificates", arr);
        for (guint i = 0; i < crts->len; i++)
          {
            JsonObject *c = describe_crt (g_ptr_array_index (crts, i), now, error);
            if (c == NULL)
              {
                g_prefix_error (error, "%s: certificate %u: ", what, i + 1);
                return NULL;
              }
            json_array_add_object_element (arr, c);
          }
      }
      break;
    case MP_FILE_CSR:
      {
        g_autoptr(MpX509Crq) crq = mp_x509_crq_import (data, what, error);
        JsonObject *c;

        if (crq == NULL)
          return NULL;
        c = describe_crq (crq, error);
        if (c == NULL)
          {
            g_prefix_error (error, "%s: ", what);
            return NULL;
          }
        json_object_set_string_member (root, "kind", "csr");
        json_object_set_object_member (root, "csr", c);
      }
      break;
    case MP_FILE_PRIVATE_KEY:
      {
        JsonObject *k = describe_key (data, what, error);

        if (k == NULL)
          return NULL;
        json_object_set_string_member (root, "kind", "key");
        json_object_set_object_member (root, "key", k);
      }
      break;
    case MP_FILE_PKCS12:
      /* its contents are password-protected; pkcs12-to-pem opens it */
      json_object_set_string_member (root, "kind", "pkcs12");
      break;
    case MP_FILE_UNKNOWN:
    default:
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA,
                   "%s: not a certificate, CSR or private key (PEM or DER)", what);
      return NULL;
    }
  return json_node_init_object (json_node_alloc (), root);
}
