/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * inspection: what a key, csr or certificate file holds, told member by
 * member to a sink (mp-describe.h): the json tree that every frontend
 * renders (`pki inspect`; `pki list` summarises it in mp-inspect-list.c),
 * or the daemon's a{sv} for Inspect, made without the tree.
 */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "meetpki/mp-inspect.h"
#include <gnutls/crypto.h>

#include "mp-describe.h"
#include "mp-time.h"
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

/* the extensions a certificate's description reads, found in one pass:
 * gnutls_x509_crt_get_extension_by_oid2 walks the list from its start for
 * every oid it is asked (by name, through libtasn1), six times per
 * certificate */
static const char * const crt_ext_oids[] = {
  OID_SUBJECT_ALT_NAME, OID_KEY_USAGE, OID_EXT_KEY_USAGE,
  OID_BASIC_CONSTRAINTS, OID_SUBJECT_KEY_ID, OID_AUTHORITY_KEY_ID,
};

typedef struct {
  gnutls_datum_t der[G_N_ELEMENTS (crt_ext_oids)];
  unsigned int critical[G_N_ELEMENTS (crt_ext_oids)];
} CrtExts;

static void
crt_exts_clear (CrtExts *exts)
{
  for (guint i = 0; i < G_N_ELEMENTS (crt_ext_oids); i++)
    gnutls_free (exts->der[i].data);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CrtExts, crt_exts_clear)

/* the first extension of each oid, as get_extension_by_oid2 finds it; a
 * read that fails ends the pass, as it fails every later lookup there */
static void
crt_exts_read (gnutls_x509_crt_t crt, CrtExts *exts)
{
  for (unsigned int idx = 0;; idx++)
    {
      char oid[128];
      size_t oid_len = sizeof oid;
      unsigned int critical = 0;

      if (gnutls_x509_crt_get_extension_info (crt, idx, oid, &oid_len, &critical) < 0)
        return;
      for (guint i = 0; i < G_N_ELEMENTS (crt_ext_oids); i++)
        {
          if (exts->der[i].data != NULL || strcmp (oid, crt_ext_oids[i]) != 0)
            continue;
          if (gnutls_x509_crt_get_extension_data2 (crt, idx, &exts->der[i]) < 0)
            return;
          exts->critical[i] = critical;
        }
    }
}

/* a copy, which the caller frees as it would get_extension_by_oid2's */
static int
crt_ext (gpointer src, const char *oid, gnutls_datum_t *out, unsigned int *critical)
{
  CrtExts *exts = src;

  for (guint i = 0; i < G_N_ELEMENTS (crt_ext_oids); i++)
    {
      if (exts->der[i].data == NULL || strcmp (oid, crt_ext_oids[i]) != 0)
        continue;
      out->data = gnutls_malloc (exts->der[i].size > 0 ? exts->der[i].size : 1);
      if (out->data == NULL)
        return GNUTLS_E_MEMORY_ERROR;
      memcpy (out->data, exts->der[i].data, exts->der[i].size);
      out->size = exts->der[i].size;
      *critical = exts->critical[i];
      return 0;
    }
  return GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE;
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
add_warning (MpDescribe *sink, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static void
add_warning (MpDescribe *sink, const char *fmt, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  mp_describe_warning (sink, msg);
}

static void
set_dn (MpDescribe *sink, const char *member, int rc, const gnutls_datum_t *dn)
{
  g_autofree char *s = NULL;

  if (rc < 0)
    {
      mp_describe_null (sink, member);
      return;
    }
  s = utf8_of (dn->data, dn->size);
  mp_describe_string (sink, member, s);
}

/* the first CN of a subject, or null */
static void
set_common_name (MpDescribe *sink, int rc, const char *buf, size_t len)
{
  g_autofree char *cn = NULL;

  if (rc < 0)
    {
      mp_describe_null (sink, "common_name");
      return;
    }
  cn = utf8_of (buf, len);
  mp_describe_string (sink, "common_name", cn);
}

/* not_before, not_after, days_left, status and expired_days_ago, from the
 * dates as the der has them (mp_x509_crt_get_validity()) */
static void
describe_validity (MpDescribe *sink, gnutls_x509_crt_t crt, const gnutls_datum_t *der, gint64 now)
{
  gint64 not_before = 0, not_after = 0;
  g_autofree char *from = NULL, *until = NULL;

  if (!mp_x509_crt_get_validity (crt, der, &not_before, &not_after))
    {
      mp_describe_null (sink, "not_before");
      mp_describe_null (sink, "not_after");
      mp_describe_null (sink, "days_left");
      mp_describe_string (sink, "status", "valid");
      mp_describe_null (sink, "expired_days_ago");
      return;
    }
  from = mp_time_format_iso8601 (not_before);
  until = mp_time_format_iso8601 (not_after);
  mp_describe_string (sink, "not_before", from);
  mp_describe_string (sink, "not_after", until);
  mp_describe_integer (sink, "days_left", mp_days_left (now, not_after));
  if (now < not_before)
    mp_describe_string (sink, "status", "not yet valid");
  else if (now > not_after)
    mp_describe_string (sink, "status", "expired");
  else
    mp_describe_string (sink, "status", "valid");
  /* "EXPIRED n days ago" counts whole days elapsed, which days_left (rounded
   * towards the past) overstates by one */
  if (now > not_after)
    mp_describe_integer (sink, "expired_days_ago", (now - not_after) / SECONDS_PER_DAY);
  else
    mp_describe_null (sink, "expired_days_ago");
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


/* the public half of a key, read before anything of it is described */
typedef struct {
  char *type;
  const char *algorithm;
  unsigned int bits;
  const char *curve;
  char *pin;
} PubkeyInfo;

static void
pubkey_info_clear (PubkeyInfo *info)
{
  g_free (info->type);
  g_free (info->pin);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PubkeyInfo, pubkey_info_clear)

/* type, size, curve and the sha-256 pin of its SubjectPublicKeyInfo
 * (base64, as in HPKP and curl's --pinnedpubkey) */
static gboolean
pubkey_info_read (gnutls_pubkey_t pub, PubkeyInfo *info, GError **error)
{
  g_auto(MpDatum) spki = { NULL, 0 };
  unsigned int bits = 0;
  int algo = gnutls_pubkey_get_pk_algorithm (pub, &bits);
  gnutls_ecc_curve_t curve = GNUTLS_ECC_CURVE_INVALID;
  guint8 digest[32];
  int rc;

  if (algo < 0)
    {
      mp_error_set_gnutls (error, algo, "reading the public key algorithm");
      return FALSE;
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
      return FALSE;
    }
  rc = gnutls_hash_fast (GNUTLS_DIG_SHA256, spki.data, spki.size, digest);
  if (rc < 0)
    {
      mp_error_set_gnutls (error, rc, "hashing the public key");
      return FALSE;
    }
  info->type = mp_x509_describe_pk (algo, bits, curve);
  info->algorithm = pk_algorithm_name (algo);
  info->bits = bits;
  info->curve = curve != GNUTLS_ECC_CURVE_INVALID ? gnutls_ecc_curve_get_name (curve) : NULL;
  info->pin = g_base64_encode (digest, sizeof digest);
  return TRUE;
}

static void
describe_pubkey (MpDescribe *sink, const PubkeyInfo *info)
{
  mp_describe_object_begin (sink, "public_key");
  mp_describe_string (sink, "type", info->type);
  mp_describe_string_or_null (sink, "algorithm", info->algorithm);
  mp_describe_integer (sink, "bits", info->bits);
  mp_describe_string_or_null (sink, "curve", info->curve);
  mp_describe_string (sink, "pin_sha256", info->pin);
  mp_describe_object_end (sink);
}

static void
describe_san (MpDescribe *sink, unsigned int type, const gnutls_datum_t *san, const gnutls_datum_t *othername_oid)
{
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
  mp_describe_object_begin (sink, NULL);
  mp_describe_string (sink, "type", kind);
  mp_describe_string (sink, "value", value);
  mp_describe_object_end (sink);
}

static void
add_sans (MpDescribe *sink, ExtGetter get, gpointer src)
{
  g_auto(MpDatum) der = { NULL, 0 };
  g_autoptr(MpSubjectAltNames) sans = NULL;
  unsigned int critical = 0;
  int rc = get (src, OID_SUBJECT_ALT_NAME, &der, &critical);

  mp_describe_array_begin (sink, "sans");
  if (rc < 0)
    {
      mp_describe_array_end (sink);
      return;
    }
  gnutls_subject_alt_names_init (&sans);
  if (gnutls_x509_ext_import_subject_alt_names (&der, sans, 0) < 0)
    {
      mp_describe_array_end (sink);
      add_warning (sink, "the subjectAltName extension cannot be parsed");
      return;
    }
  for (unsigned int i = 0;; i++)
    {
      gnutls_datum_t san = { NULL, 0 }, oid = { NULL, 0 };
      unsigned int type = 0;

      /* the data point into @sans: nothing to free */
      if (gnutls_subject_alt_names_get (sans, i, &type, &san, &oid) < 0)
        break;
      describe_san (sink, type, &san, &oid);
    }
  mp_describe_array_end (sink);
}

static void
add_key_usage (MpDescribe *sink, ExtGetter get, gpointer src)
{
  g_auto(MpDatum) der = { NULL, 0 };
  unsigned int critical = 0, usage = 0;

  if (get (src, OID_KEY_USAGE, &der, &critical) < 0)
    {
      mp_describe_null (sink, "key_usage");
      mp_describe_boolean (sink, "key_usage_critical", FALSE);
      return;
    }
  if (gnutls_x509_ext_import_key_usage (&der, &usage) < 0)
    {
      mp_describe_null (sink, "key_usage");
      mp_describe_boolean (sink, "key_usage_critical", critical != 0);
      add_warning (sink, "the keyUsage extension cannot be parsed");
      return;
    }
  mp_describe_array_begin (sink, "key_usage");
  for (guint i = 0; i < G_N_ELEMENTS (key_usage_names); i++)
    {
      if (usage & key_usage_names[i].bit)
        mp_describe_string (sink, NULL, key_usage_names[i].name);
    }
  mp_describe_array_end (sink);
  mp_describe_boolean (sink, "key_usage_critical", critical != 0);
}

static void
add_ext_key_usage (MpDescribe *sink, ExtGetter get, gpointer src)
{
  g_auto(MpDatum) der = { NULL, 0 };
  g_autoptr(MpKeyPurposes) kp = NULL;
  unsigned int critical = 0;

  if (get (src, OID_EXT_KEY_USAGE, &der, &critical) < 0)
    {
      mp_describe_null (sink, "extended_key_usage");
      return;
    }
  gnutls_x509_key_purpose_init (&kp);
  if (gnutls_x509_ext_import_key_purposes (&der, kp, 0) < 0)
    {
      mp_describe_null (sink, "extended_key_usage");
      add_warning (sink, "the extendedKeyUsage extension cannot be parsed");
      return;
    }
  mp_describe_array_begin (sink, "extended_key_usage");
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
      mp_describe_string (sink, NULL, name != NULL ? name : s);
    }
  mp_describe_array_end (sink);
}

static void
add_basic_constraints (MpDescribe *sink, ExtGetter get, gpointer src)
{
  g_auto(MpDatum) der = { NULL, 0 };
  unsigned int critical = 0, ca = 0;
  int pathlen = -1;

  if (get (src, OID_BASIC_CONSTRAINTS, &der, &critical) < 0)
    {
      mp_describe_null (sink, "basic_constraints");
      return;
    }
  if (gnutls_x509_ext_import_basic_constraints (&der, &ca, &pathlen) < 0)
    {
      mp_describe_null (sink, "basic_constraints");
      add_warning (sink, "the basicConstraints extension cannot be parsed");
      return;
    }
  mp_describe_object_begin (sink, "basic_constraints");
  mp_describe_boolean (sink, "ca", ca != 0);
  if (ca && pathlen >= 0)
    mp_describe_integer (sink, "path_len", pathlen);
  else
    mp_describe_null (sink, "path_len");
  mp_describe_boolean (sink, "critical", critical != 0);
  mp_describe_object_end (sink);
}

static void
add_key_ids (MpDescribe *sink, ExtGetter get, gpointer src)
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
        add_warning (sink, "the subjectKeyIdentifier extension cannot be parsed");
    }
  if (get (src, OID_AUTHORITY_KEY_ID, &aki_der, &critical) == 0)
    {
      g_autoptr(MpAki) parsed = NULL;
      gnutls_datum_t id = { NULL, 0 };

      gnutls_x509_aki_init (&parsed);
      /* the id points into @parsed; an aki made only of issuer and serial
       * has no id, which is not an error */
      if (gnutls_x509_ext_import_authority_key_id (&aki_der, parsed, 0) < 0)
        add_warning (sink, "the authorityKeyIdentifier extension cannot be parsed");
      else if (gnutls_x509_aki_get_id (parsed, &id) == 0)
        aki = hex_colon (id.data, id.size);
    }
  mp_describe_string_or_null (sink, "subject_key_id", ski);
  mp_describe_string_or_null (sink, "authority_key_id", aki);
}

static void
set_signature_algorithm (MpDescribe *sink, int algo, const char *fallback_oid)
{
  const char *name = algo > 0 ? gnutls_sign_get_name ((gnutls_sign_algorithm_t) algo) : NULL;

  mp_describe_string_or_null (sink, "signature_algorithm", name != NULL ? name : fallback_oid);
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

static gboolean
describe_crt (MpDescribe *sink, gnutls_x509_crt_t crt, gint64 now, GError **error)
{
  g_autoptr(MpPubkey) pub = NULL;
  g_auto(MpDatum) subject = { NULL, 0 };
  g_auto(MpDatum) issuer = { NULL, 0 };
  g_auto(PubkeyInfo) pk = { NULL };
  g_auto(CrtExts) exts = { { { NULL, 0 } } };
  char cn[1024];
  size_t cn_len = sizeof cn;
  guint8 serial[64];
  size_t serial_len = sizeof serial;
  g_auto(MpDatum) der = { NULL, 0 };
  guint8 fpr[32];
  char sig_oid[128];
  size_t sig_oid_len = sizeof sig_oid;
  int rc;

  mp_describe_object_begin (sink, NULL);
  mp_describe_integer (sink, "version", gnutls_x509_crt_get_version (crt));
  rc = gnutls_x509_crt_get_dn3 (crt, &subject, 0);
  set_dn (sink, "subject", rc, &subject);
  rc = gnutls_x509_crt_get_dn_by_oid (crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &cn_len);
  set_common_name (sink, rc, cn, cn_len);
  rc = gnutls_x509_crt_get_issuer_dn3 (crt, &issuer, 0);
  set_dn (sink, "issuer", rc, &issuer);

  rc = gnutls_x509_crt_get_serial (crt, serial, &serial_len);
  if (rc < 0)
    mp_describe_null (sink, "serial");
  else
    {
      g_autofree char *hex = serial_hex (serial, serial_len);
      mp_describe_string (sink, "serial", hex);
    }

  /* the der as imported: its validity is read from it, and it is hashed
   * once for the fingerprint (gnutls_x509_crt_get_fingerprint encodes the
   * certificate again first, which costs five times the hash) */
  rc = gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_DER, &der);
  if (rc < 0)
    {
      mp_error_set_gnutls (error, rc, "exporting the certificate");
      return FALSE;
    }
  describe_validity (sink, crt, &der, now);
  /* self-issued: subject and issuer are the same name, as for a root */
  mp_describe_boolean (sink, "self_signed", gnutls_x509_crt_check_issuer (crt, crt) != 0);

  crt_exts_read (crt, &exts);
  add_sans (sink, crt_ext, &exts);

  gnutls_pubkey_init (&pub);
  rc = gnutls_pubkey_import_x509 (pub, crt, 0);
  if (rc < 0)
    {
      mp_error_set_gnutls (error, rc, "reading the certificate's public key");
      return FALSE;
    }
  if (!pubkey_info_read (pub, &pk, error))
    return FALSE;
  describe_pubkey (sink, &pk);

  add_key_usage (sink, crt_ext, &exts);
  add_ext_key_usage (sink, crt_ext, &exts);
  add_basic_constraints (sink, crt_ext, &exts);
  add_key_ids (sink, crt_ext, &exts);

  rc = gnutls_x509_crt_get_signature_oid (crt, sig_oid, &sig_oid_len);
  set_signature_algorithm (sink, gnutls_x509_crt_get_signature_algorithm (crt), rc == 0 ? sig_oid : NULL);

  rc = gnutls_hash_fast (GNUTLS_DIG_SHA256, der.data, der.size, fpr);
  if (rc < 0)
    {
      mp_error_set_gnutls (error, rc, "computing the certificate's fingerprint");
      return FALSE;
    }
  {
    g_autofree char *hex = hex_colon (fpr, sizeof fpr);
    mp_describe_string (sink, "fingerprint_sha256", hex);
  }
  mp_describe_object_end (sink);
  return TRUE;
}

static gboolean
describe_crq (MpDescribe *sink, gnutls_x509_crq_t crq, GError **error)
{
  g_autoptr(MpPubkey) pub = NULL;
  g_auto(MpDatum) subject = { NULL, 0 };
  g_auto(PubkeyInfo) pk = { NULL };
  char cn[1024];
  size_t cn_len = sizeof cn;
  char sig_oid[128];
  size_t sig_oid_len = sizeof sig_oid;
  int rc;

  mp_describe_object_begin (sink, "csr");
  rc = gnutls_x509_crq_get_dn3 (crq, &subject, 0);
  set_dn (sink, "subject", rc, &subject);
  rc = gnutls_x509_crq_get_dn_by_oid (crq, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &cn_len);
  set_common_name (sink, rc, cn, cn_len);
  add_sans (sink, crq_ext, crq);

  gnutls_pubkey_init (&pub);
  rc = gnutls_pubkey_import_x509_crq (pub, crq, 0);
  if (rc < 0)
    {
      mp_error_set_gnutls (error, rc, "reading the request's public key");
      return FALSE;
    }
  if (!pubkey_info_read (pub, &pk, error))
    return FALSE;
  describe_pubkey (sink, &pk);

  /* the self-signature proves the requester holds the private key */
  mp_describe_boolean (sink, "signature_valid", gnutls_x509_crq_verify (crq, 0) == 0);
  rc = gnutls_x509_crq_get_signature_oid (crq, sig_oid, &sig_oid_len);
  set_signature_algorithm (sink, gnutls_x509_crq_get_signature_algorithm (crq), rc == 0 ? sig_oid : NULL);

  add_key_usage (sink, crq_ext, crq);
  add_ext_key_usage (sink, crq_ext, crq);
  add_basic_constraints (sink, crq_ext, crq);
  mp_describe_object_end (sink);
  return TRUE;
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
static gboolean
describe_key (MpDescribe *sink, GBytes *data, const char *what, GError **error)
{
  g_autoptr(MpX509Privkey) key = NULL;
  g_autoptr(MpPrivkey) abstract = NULL;
  g_autoptr(MpPubkey) pub = NULL;
  g_auto(PubkeyInfo) pk = { NULL };
  int rc;

  if (has_pem_label (data, "-----BEGIN ENCRYPTED PRIVATE KEY-----"))
    {
      mp_describe_string (sink, "kind", "key");
      mp_describe_object_begin (sink, "key");
      mp_describe_boolean (sink, "encrypted", TRUE);
      mp_describe_null (sink, "public_key");
      mp_describe_object_end (sink);
      return TRUE;
    }
  key = mp_x509_privkey_import (data, what, error);
  if (key == NULL)
    return FALSE;
  abstract = mp_x509_privkey_abstract (key, error);
  if (abstract == NULL)
    return FALSE;
  gnutls_pubkey_init (&pub);
  rc = gnutls_pubkey_import_privkey (pub, abstract, 0, 0);
  if (rc < 0)
    {
      mp_error_set_gnutls (error, rc, "deriving the public key");
      return FALSE;
    }
  if (!pubkey_info_read (pub, &pk, error))
    return FALSE;
  mp_describe_string (sink, "kind", "key");
  mp_describe_object_begin (sink, "key");
  mp_describe_boolean (sink, "encrypted", FALSE);
  describe_pubkey (sink, &pk);
  mp_describe_object_end (sink);
  return TRUE;
}

static gboolean
describe_crts (MpDescribe *sink, GBytes *data, const char *what, GError **error)
{
  g_autoptr(GPtrArray) crts = mp_x509_crt_import_list (data, what, error);
  gint64 now = mp_now ();

  if (crts == NULL)
    return FALSE;
  mp_describe_string (sink, "kind", crts->len > 1 ? "certificates" : "certificate");
  mp_describe_array_begin (sink, "certificates");
  for (guint i = 0; i < crts->len; i++)
    {
      if (!describe_crt (sink, g_ptr_array_index (crts, i), now, error))
        {
          g_prefix_error (error, "%s: certificate %u: ", what, i + 1);
          return FALSE;
        }
    }
  mp_describe_array_end (sink);
  return TRUE;
}

static gboolean
describe_csr (MpDescribe *sink, GBytes *data, const char *what, GError **error)
{
  g_autoptr(MpX509Crq) crq = mp_x509_crq_import (data, what, error);

  if (crq == NULL)
    return FALSE;
  mp_describe_string (sink, "kind", "csr");
  if (!describe_crq (sink, crq, error))
    {
      g_prefix_error (error, "%s: ", what);
      return FALSE;
    }
  return TRUE;
}

gboolean
mp_inspect_describe (GBytes *data, const char *display_name, MpDescribe *sink, gboolean *is_public, GError **error)
{
  const char *what = display_name != NULL ? display_name : "input";
  MpFileKind kind;

  g_return_val_if_fail (data != NULL, FALSE);

  mp_crypto_init ();
  kind = mp_x509_sniff (data);
  if (kind == MP_FILE_UNKNOWN)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA,
                   "%s: not a certificate, CSR or private key (PEM or DER)", what);
      return FALSE;
    }
  /* the bytes of a private key or a pkcs12 are not to be kept */
  if (is_public != NULL)
    *is_public = kind == MP_FILE_CERTIFICATE || kind == MP_FILE_CSR;

  mp_describe_object_begin (sink, NULL);
  mp_describe_string_or_null (sink, "file", display_name);
  switch (kind)
    {
    case MP_FILE_CERTIFICATE:
      if (!describe_crts (sink, data, what, error))
        return FALSE;
      break;
    case MP_FILE_CSR:
      if (!describe_csr (sink, data, what, error))
        return FALSE;
      break;
    case MP_FILE_PRIVATE_KEY:
      if (!describe_key (sink, data, what, error))
        return FALSE;
      break;
    case MP_FILE_PKCS12:
    default:
      /* its contents are password-protected; pkcs12-to-pem opens it */
      mp_describe_string (sink, "kind", "pkcs12");
      break;
    }
  mp_describe_object_end (sink);
  return TRUE;
}

JsonNode *
mp_inspect_file (GBytes *data, const char *display_name, GError **error)
{
  g_auto(MpDescribeJson) sink = { { NULL } };

  g_return_val_if_fail (data != NULL, NULL);

  mp_describe_json_init (&sink);
  if (!mp_inspect_describe (data, display_name, &sink.parent, NULL, error))
    return NULL;
  return mp_describe_json_steal (&sink);
}
