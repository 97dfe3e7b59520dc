/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the bundle pool: certificate records, their indexes, findings, and the
 * canonical pem output.
 */
#include "config.h"

#include <string.h>

#include "mp-bundle-private.h"
#include "meetpki/mp-store.h"
#include "mp-der.h"
#include "mp-time.h"
#include "mp-x509.h"

void
mp_finding_free (MpFinding *finding)
{
  if (finding == NULL)
    return;
  g_free (finding->message);
  g_free (finding->source);
  g_free (finding);
}

/**
 * mp_finding_severity_to_string:
 * @severity: an #MpFindingSeverity
 *
 * Returns: "error" or "warning"
 */
const char *
mp_finding_severity_to_string (MpFindingSeverity severity)
{
  return severity == MP_FINDING_ERROR ? "error" : "warning";
}

static void
bundle_cert_free (MpBundleCert *cert)
{
  if (cert == NULL)
    return;
  if (cert->crt != NULL)
    gnutls_x509_crt_deinit (cert->crt);
  g_clear_pointer (&cert->der, g_bytes_unref);
  g_clear_pointer (&cert->subject_raw, g_bytes_unref);
  g_clear_pointer (&cert->issuer_raw, g_bytes_unref);
  g_clear_pointer (&cert->ski, g_bytes_unref);
  g_clear_pointer (&cert->aki, g_bytes_unref);
  g_free (cert->subject);
  g_free (cert->issuer);
  g_free (cert->source);
  g_free (cert);
}

/**
 * mp_bundle_new:
 *
 * Returns: (transfer full): an empty pool
 */
MpBundle *
mp_bundle_new (void)
{
  MpBundle *self = g_new0 (MpBundle, 1);

  mp_crypto_init ();
  self->certs = g_ptr_array_new_with_free_func ((GDestroyNotify) bundle_cert_free);
  self->findings = g_ptr_array_new_with_free_func ((GDestroyNotify) mp_finding_free);
  self->by_der = g_hash_table_new (g_bytes_hash, g_bytes_equal);
  self->by_subject = g_hash_table_new_full (g_bytes_hash, g_bytes_equal, NULL,
                                            (GDestroyNotify) g_ptr_array_unref);
  self->by_ski = g_hash_table_new_full (g_bytes_hash, g_bytes_equal, NULL,
                                        (GDestroyNotify) g_ptr_array_unref);
  self->chain = g_ptr_array_new ();
  return self;
}

void
mp_bundle_free (MpBundle *self)
{
  if (self == NULL)
    return;
  /* the indexes borrow their keys from the records: drop them first */
  g_hash_table_unref (self->by_der);
  g_hash_table_unref (self->by_subject);
  g_hash_table_unref (self->by_ski);
  g_ptr_array_unref (self->chain);
  g_ptr_array_unref (self->certs);
  g_ptr_array_unref (self->findings);
  g_free (self);
}

void
mp_bundle_add_finding (MpBundle *self, MpFindingSeverity severity, const char *code,
                       const char *source, guint line, const char *format, ...)
{
  MpFinding *f = g_new0 (MpFinding, 1);
  va_list ap;

  va_start (ap, format);
  f->message = g_strdup_vprintf (format, ap);
  va_end (ap);
  f->severity = severity;
  f->code = code;
  f->source = g_strdup (source);
  f->line = line;
  g_ptr_array_add (self->findings, f);
}

static GBytes *
bytes_from_datum (gnutls_datum_t *d)
{
  GBytes *b = g_bytes_new (d->data, d->size);
  gnutls_free (d->data);
  d->data = NULL;
  return b;
}

static char *
string_from_datum (gnutls_datum_t *d)
{
  char *s = g_strndup ((const char *) d->data, d->size);
  gnutls_free (d->data);
  d->data = NULL;
  return s;
}

static void
index_add (GHashTable *table, GBytes *key, MpBundleCert *cert)
{
  GPtrArray *list = g_hash_table_lookup (table, key);

  if (list == NULL)
    {
      list = g_ptr_array_new ();
      g_hash_table_insert (table, key, list);
    }
  g_ptr_array_add (list, cert);
}

gnutls_x509_crt_t
mp_bundle_cert_crt (MpBundleCert *cert)
{
  gnutls_datum_t d;

  if (cert->crt != NULL || cert->crt_failed)
    return cert->crt;
  d.data = (unsigned char *) g_bytes_get_data (cert->der, NULL);
  d.size = (unsigned int) g_bytes_get_size (cert->der);
  if (gnutls_x509_crt_init (&cert->crt) < 0)
    cert->crt = NULL;
  else if (gnutls_x509_crt_import (cert->crt, &d, GNUTLS_X509_FMT_DER) < 0)
    g_clear_pointer (&cert->crt, gnutls_x509_crt_deinit);
  cert->crt_failed = cert->crt == NULL;
  return cert->crt;
}

const char *
mp_bundle_cert_subject (MpBundleCert *cert)
{
  gnutls_x509_crt_t crt;
  gnutls_datum_t d = { NULL, 0 };

  if (cert->subject != NULL)
    return cert->subject;
  crt = mp_bundle_cert_crt (cert);
  if (crt != NULL && gnutls_x509_crt_get_dn3 (crt, &d, 0) >= 0)
    cert->subject = string_from_datum (&d);
  else
    cert->subject = g_strdup ("(unreadable name)");
  return cert->subject;
}

const char *
mp_bundle_cert_issuer (MpBundleCert *cert)
{
  gnutls_x509_crt_t crt;
  gnutls_datum_t d = { NULL, 0 };

  if (cert->issuer != NULL)
    return cert->issuer;
  crt = mp_bundle_cert_crt (cert);
  if (crt != NULL && gnutls_x509_crt_get_issuer_dn3 (crt, &d, 0) >= 0)
    cert->issuer = string_from_datum (&d);
  else
    cert->issuer = g_strdup ("(unreadable name)");
  return cert->issuer;
}

gboolean
mp_bundle_cert_self_signed (MpBundleCert *cert)
{
  if (cert->self_signed < 0)
    cert->self_signed = g_bytes_equal (cert->subject_raw, cert->issuer_raw) &&
                        mp_bundle_cert_signed_by (cert, cert);
  return cert->self_signed == 1;
}

/* the index fields through gnutls, for the rare certificate the quick der
 * reader does not take */
static gboolean
info_from_gnutls (MpBundleCert *cert, MpDerCertInfo *info)
{
  gnutls_x509_crt_t crt = mp_bundle_cert_crt (cert);
  gnutls_datum_t d = { NULL, 0 };
  unsigned char buf[256];
  size_t size;
  unsigned int critical = 0, ca = 0;
  int pathlen = -1;

  memset (info, 0, sizeof *info);
  if (crt == NULL)
    return FALSE;
  if (gnutls_x509_crt_get_raw_dn (crt, &d) < 0)
    return FALSE;
  info->subject_raw = bytes_from_datum (&d);
  if (gnutls_x509_crt_get_raw_issuer_dn (crt, &d) < 0)
    return FALSE;
  info->issuer_raw = bytes_from_datum (&d);
  size = sizeof buf;
  if (gnutls_x509_crt_get_subject_key_id (crt, buf, &size, &critical) >= 0 && size > 0)
    info->ski = g_bytes_new (buf, size);
  size = sizeof buf;
  if (gnutls_x509_crt_get_authority_key_id (crt, buf, &size, &critical) >= 0 && size > 0)
    info->aki = g_bytes_new (buf, size);
  if (!mp_x509_crt_get_validity (crt, NULL, &info->not_before, &info->not_after))
    return FALSE;
  info->has_basic_constraints = gnutls_x509_crt_get_basic_constraints (crt, &critical, &ca, &pathlen) >= 0;
  info->is_ca = info->has_basic_constraints && ca != 0;
  info->version = (guint) MAX (gnutls_x509_crt_get_version (crt), 1);
  return TRUE;
}

MpBundleAdd
mp_bundle_add_der (MpBundle *self, const guchar *der, gsize len, const char *source, guint line)
{
  MpBundleCert *cert = g_new0 (MpBundleCert, 1);
  MpBundleCert *known;
  MpDerCertInfo info;

  cert->der = g_bytes_new (der, len);
  cert->source = g_strdup (source);
  cert->line = line;
  cert->self_signed = -1;
  if (!mp_der_cert_info_read (der, len, &info) && !info_from_gnutls (cert, &info))
    {
      mp_der_cert_info_clear (&info);
      mp_bundle_add_finding (self, MP_FINDING_ERROR, "bad-certificate", source, line,
                             "the block decodes but is not a readable certificate");
      bundle_cert_free (cert);
      return MP_BUNDLE_ADD_BAD;
    }
  cert->subject_raw = g_steal_pointer (&info.subject_raw);
  cert->issuer_raw = g_steal_pointer (&info.issuer_raw);
  cert->ski = g_steal_pointer (&info.ski);
  cert->aki = g_steal_pointer (&info.aki);
  cert->not_before = info.not_before;
  cert->not_after = info.not_after;
  if (info.has_basic_constraints)
    cert->is_ca = info.is_ca;
  else
    /* version 1 roots carry no extensions; a self-issued one is a ca */
    cert->is_ca = info.version == 1 && g_bytes_equal (cert->subject_raw, cert->issuer_raw);

  known = g_hash_table_lookup (self->by_der, cert->der);
  if (known != NULL)
    {
      /* a copy of the entity's own file (a full chain given as the pool,
       * mp_bundle_expect_copies()) is left out without a word */
      if (known->order >= self->expected_copies)
        {
          if (known->line != 0)
            mp_bundle_add_finding (self, MP_FINDING_WARNING, "duplicate", source, line,
                                   "'%s' appears twice (first at %s:%u); the copy is left out",
                                   mp_bundle_cert_subject (known), known->source, known->line);
          else
            mp_bundle_add_finding (self, MP_FINDING_WARNING, "duplicate", source, line,
                                   "'%s' appears twice (first in %s); the copy is left out",
                                   mp_bundle_cert_subject (known), known->source);
        }
      bundle_cert_free (cert);
      return MP_BUNDLE_ADD_DUPLICATE;
    }
  cert->order = self->certs->len;
  g_ptr_array_add (self->certs, cert);
  g_hash_table_insert (self->by_der, cert->der, cert);
  index_add (self->by_subject, cert->subject_raw, cert);
  if (cert->ski != NULL)
    index_add (self->by_ski, cert->ski, cert);
  return MP_BUNDLE_ADD_NEW;
}

/**
 * mp_bundle_add_data:
 * @self: the pool
 * @data: PEM (any mix of blocks, CRLF or LF) or DER certificates
 * @source: the name findings use for this input
 *
 * Reads every certificate of @data into the pool and records every oddity of
 * the input as a finding.  Never fails: unreadable parts are findings.
 *
 * Returns: the number of new certificates read
 */
guint
mp_bundle_add_data (MpBundle *self, GBytes *data, const char *source)
{
  return mp_bundle_parse (self, data, source);
}

/**
 * mp_bundle_add_file:
 * @self: the pool
 * @path: the file to read
 * @source: (nullable): the name used in findings; @path when %NULL
 * @n_certs: (out) (optional): the number of new certificates read
 * @error: return location for a #GError
 *
 * Returns: %FALSE only when the file cannot be read
 */
gboolean
mp_bundle_add_file (MpBundle *self, const char *path, const char *source,
                    guint *n_certs, GError **error)
{
  g_autoptr(GBytes) data = mp_file_read (path, error);
  guint n;

  if (data == NULL)
    return FALSE;
  n = mp_bundle_parse (self, data, source != NULL ? source : path);
  if (n_certs != NULL)
    *n_certs = n;
  return TRUE;
}

/**
 * mp_bundle_get_certs:
 *
 * Returns: (transfer none) (element-type MpBundleCert): the unique
 * certificates, in the order they were read
 */
GPtrArray *
mp_bundle_get_certs (MpBundle *self)
{
  return self->certs;
}

/**
 * mp_bundle_expect_copies:
 * @self: the pool
 *
 * The certificates added so far (the entity's own file, for `bundle
 * build`) may come again in later input without a "duplicate" finding: a
 * full chain given as the pool holds the entity, and building from it is
 * what the CLI advises.  A certificate that comes twice in the later
 * input is still a finding.
 */
void
mp_bundle_expect_copies (MpBundle *self)
{
  self->expected_copies = self->certs->len;
}

/**
 * mp_bundle_get_findings:
 *
 * Returns: (transfer none) (element-type MpFinding): every finding so far
 */
GPtrArray *
mp_bundle_get_findings (MpBundle *self)
{
  return self->findings;
}

guint
mp_bundle_count_findings (MpBundle *self, MpFindingSeverity severity)
{
  guint n = 0;

  for (guint i = 0; i < self->findings->len; i++)
    n += ((MpFinding *) g_ptr_array_index (self->findings, i))->severity == severity;
  return n;
}

/**
 * mp_bundle_find_finding:
 * @code: a finding code
 *
 * Returns: (transfer none) (nullable): the first finding with @code
 */
const MpFinding *
mp_bundle_find_finding (MpBundle *self, const char *code)
{
  for (guint i = 0; i < self->findings->len; i++)
    {
      const MpFinding *f = g_ptr_array_index (self->findings, i);
      if (g_strcmp0 (f->code, code) == 0)
        return f;
    }
  return NULL;
}

/**
 * mp_bundle_get_chain:
 *
 * Returns: (transfer none) (element-type MpBundleCert): the chain built by
 * mp_bundle_build_chain() or mp_bundle_check(), entity first
 */
GPtrArray *
mp_bundle_get_chain (MpBundle *self)
{
  return self->chain;
}

/**
 * mp_bundle_chain_is_complete:
 *
 * Returns: whether the chain ends in a self-signed root
 */
gboolean
mp_bundle_chain_is_complete (MpBundle *self)
{
  return self->chain->len > 0 && self->chain_complete;
}

static void
append_pem (GString *out, GBytes *der)
{
  gsize len = 0;
  const guchar *data = g_bytes_get_data (der, &len);
  g_autofree char *b64 = g_base64_encode (data, len);
  gsize n = strlen (b64);

  g_string_append (out, "-----BEGIN CERTIFICATE-----\n");
  for (gsize i = 0; i < n; i += 64)
    {
      g_string_append_len (out, b64 + i, (gssize) MIN (64, n - i));
      g_string_append_c (out, '\n');
    }
  g_string_append (out, "-----END CERTIFICATE-----\n");
}

/**
 * mp_bundle_chain_to_pem:
 * @self: a pool with a built chain
 * @flags: #MpPemFlags
 * @error: return location for a #GError
 *
 * The canonical form: PEM blocks only, LF line ends, 64-column base64,
 * nothing between blocks, exactly one newline at the end.
 *
 * Returns: (transfer full): the bytes, or %NULL when nothing is left to write
 */
GBytes *
mp_bundle_chain_to_pem (MpBundle *self, MpPemFlags flags, GError **error)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < self->chain->len; i++)
    {
      MpBundleCert *c = g_ptr_array_index (self->chain, i);
      if (i == 0 && (flags & MP_PEM_NO_ENTITY))
        continue;
      if (i > 0 && i == self->chain->len - 1 && mp_bundle_cert_self_signed (c) && (flags & MP_PEM_NO_ROOT))
        continue;
      append_pem (out, c->der);
    }
  if (out->len == 0)
    {
      g_set_error_literal (error, MP_ERROR, MP_ERROR_INVALID_DATA,
                           "no certificate is left to write");
      return NULL;
    }
  return g_string_free_to_bytes (g_steal_pointer (&out));
}

/**
 * mp_bundle_certs_to_pem:
 * @certs: (element-type MpBundleCert): certificates of a pool, in the
 *   order to write them
 *
 * The canonical form of mp_bundle_chain_to_pem() for any list of a pool's
 * certificates.
 *
 * Returns: (transfer full): the bytes, empty when @certs is
 */
GBytes *
mp_bundle_certs_to_pem (GPtrArray *certs)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < certs->len; i++)
    append_pem (out, ((MpBundleCert *) g_ptr_array_index (certs, i))->der);
  return g_string_free_to_bytes (g_steal_pointer (&out));
}

/**
 * mp_bundle_format_time:
 * @t: seconds since the epoch
 *
 * Returns: (transfer full): "2026-01-31 23:59:59 UTC"
 */
char *
mp_bundle_format_time (gint64 t)
{
  return mp_time_format_utc (t);
}

/**
 * mp_bundle_cert_get_subject:
 * @cert: a certificate of an #MpBundle
 *
 * Returns: the subject name (RFC 4514), read on first use
 */
const char *
mp_bundle_cert_get_subject (const MpBundleCert *cert)
{
  /* names and the self-signature are cached on first use, hence the casts */
  return mp_bundle_cert_subject ((MpBundleCert *) cert);
}

/**
 * mp_bundle_cert_get_issuer:
 * @cert: a certificate of an #MpBundle
 *
 * Returns: the issuer name (RFC 4514), read on first use
 */
const char *
mp_bundle_cert_get_issuer (const MpBundleCert *cert)
{
  return mp_bundle_cert_issuer ((MpBundleCert *) cert);
}

/**
 * mp_bundle_cert_get_not_before:
 * @cert: a certificate of an #MpBundle
 *
 * Returns: the start of validity, seconds since the epoch
 */
gint64
mp_bundle_cert_get_not_before (const MpBundleCert *cert)
{
  return cert->not_before;
}

/**
 * mp_bundle_cert_get_not_after:
 * @cert: a certificate of an #MpBundle
 *
 * Returns: the end of validity, seconds since the epoch
 */
gint64
mp_bundle_cert_get_not_after (const MpBundleCert *cert)
{
  return cert->not_after;
}

/**
 * mp_bundle_cert_is_ca:
 * @cert: a certificate of an #MpBundle
 *
 * Returns: whether basicConstraints says CA:TRUE (or a version 1 self-issued root)
 */
gboolean
mp_bundle_cert_is_ca (const MpBundleCert *cert)
{
  return cert->is_ca;
}

/**
 * mp_bundle_cert_is_self_signed:
 * @cert: a certificate of an #MpBundle
 *
 * Returns: whether the certificate is self-issued and its own key made its signature
 */
gboolean
mp_bundle_cert_is_self_signed (const MpBundleCert *cert)
{
  return mp_bundle_cert_self_signed ((MpBundleCert *) cert);
}

/**
 * mp_bundle_cert_get_source:
 * @cert: a certificate of an #MpBundle
 *
 * Returns: the input the certificate was read from
 */
const char *
mp_bundle_cert_get_source (const MpBundleCert *cert)
{
  return cert->source;
}

/**
 * mp_bundle_cert_get_line:
 * @cert: a certificate of an #MpBundle
 *
 * Returns: the line of its -----BEGIN in the source, 0 for DER
 */
guint
mp_bundle_cert_get_line (const MpBundleCert *cert)
{
  return cert->line;
}
