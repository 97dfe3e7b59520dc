/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the trust decision for a built chain.  the engine names the reason a chain
 * is bad (dates, missing issuer, not a ca); gnutls' own verifier, with the
 * chain's root (and optionally the system store) as the only trust anchors,
 * makes the final call.
 */
#include "config.h"

#include "mp-bundle-private.h"


static gboolean
fail (GError **error, MpError code, const char *format, ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail (GError **error, MpError code, const char *format, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;

  va_start (ap, format);
  msg = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_set_error_literal (error, MP_ERROR, code, msg);
  return FALSE;
}

/* the engine's own reasons, checked before gnutls so the message is exact */
static gboolean
precheck (MpBundle *self, gboolean system_trust, GError **error)
{
  gint64 now = mp_now ();
  MpBundleCert *top = g_ptr_array_index (self->chain, self->chain->len - 1);

  if (!self->chain_complete && !system_trust)
    {
      const MpFinding *bad = mp_bundle_find_finding (self, "bad-signature");
      if (bad != NULL)
        return fail (error, MP_ERROR_VERIFY_FAILED, "bad signature: %s", bad->message);
      return fail (error, MP_ERROR_VERIFY_FAILED,
                   "issuer not found: '%s' (the issuer of '%s') is not in the CA bundle",
                   mp_bundle_cert_issuer (top), mp_bundle_cert_subject (top));
    }
  for (guint i = 0; i < self->chain->len; i++)
    {
      MpBundleCert *c = g_ptr_array_index (self->chain, i);
      g_autofree char *now_s = mp_bundle_format_time (now);

      if (now > c->not_after)
        {
          g_autofree char *until = mp_bundle_format_time (c->not_after);
          return fail (error, MP_ERROR_VERIFY_FAILED, "certificate '%s' expired on %s (now %s)",
                       mp_bundle_cert_subject (c), until, now_s);
        }
      if (now < c->not_before)
        {
          g_autofree char *from = mp_bundle_format_time (c->not_before);
          return fail (error, MP_ERROR_VERIFY_FAILED, "certificate '%s' is not valid before %s (now %s)",
                       mp_bundle_cert_subject (c), from, now_s);
        }
      if (i > 0 && !c->is_ca)
        return fail (error, MP_ERROR_NOT_CA, "'%s' issued '%s' but is not a CA",
                     mp_bundle_cert_subject (c), mp_bundle_cert_subject (g_ptr_array_index (self->chain, i - 1)));
    }
  return TRUE;
}

static gboolean
reason_from_status (MpBundle *self, unsigned int status, GError **error)
{
  MpBundleCert *entity = g_ptr_array_index (self->chain, 0);
  MpBundleCert *top = g_ptr_array_index (self->chain, self->chain->len - 1);
  gnutls_datum_t out = { NULL, 0 };
  g_autofree char *text = NULL;

  if (status & GNUTLS_CERT_SIGNER_NOT_FOUND)
    return fail (error, MP_ERROR_VERIFY_FAILED,
                 "issuer not found: '%s' (the issuer of '%s') is not a trusted CA",
                 mp_bundle_cert_issuer (top), mp_bundle_cert_subject (top));
  if (status & GNUTLS_CERT_SIGNATURE_FAILURE)
    return fail (error, MP_ERROR_VERIFY_FAILED, "bad signature in the chain of '%s'", mp_bundle_cert_subject (entity));
  if (status & GNUTLS_CERT_SIGNER_NOT_CA)
    return fail (error, MP_ERROR_NOT_CA, "a certificate in the chain of '%s' is not a CA", mp_bundle_cert_subject (entity));
  if (gnutls_certificate_verification_status_print (status, GNUTLS_CRT_X509, &out, 0) >= 0)
    {
      text = g_strndup ((const char *) out.data, out.size);
      gnutls_free (out.data);
    }
  return fail (error, MP_ERROR_VERIFY_FAILED, "%s", text != NULL ? text : "the chain does not verify");
}

/**
 * mp_bundle_verify_chain:
 * @self: a pool with a chain built by mp_bundle_build_chain()
 * @system_trust: also trust the system's CA store
 * @error: return location for a #GError
 *
 * Decides whether the chain is trusted: validity at mp_now() for every
 * member, then gnutls' verifier with the chain's self-signed root (and the
 * system store when asked) as the only trust anchors.
 *
 * Returns: %TRUE when trusted; otherwise %FALSE with %MP_ERROR_VERIFY_FAILED
 * or %MP_ERROR_NOT_CA and the exact reason
 */
gboolean
mp_bundle_verify_chain (MpBundle *self, gboolean system_trust, GError **error)
{
  g_autoptr(MpTrustList) list = NULL;
  g_autofree gnutls_x509_crt_t *crts = NULL;
  MpBundleCert *top;
  unsigned int status = 0, n;
  int rc;

  if (self->chain->len == 0)
    return fail (error, MP_ERROR_INVALID_DATA, "no certificate to verify");
  if (!precheck (self, system_trust, error))
    return FALSE;

  top = g_ptr_array_index (self->chain, self->chain->len - 1);
  rc = gnutls_x509_trust_list_init (&list, 0);
  if (rc < 0)
    return mp_error_set_gnutls (error, rc, "gnutls_x509_trust_list_init");
  if (self->chain_complete)
    {
      /* the list owns its anchors, so it gets its own copy of the root */
      gnutls_x509_crt_t anchor = NULL;
      gnutls_datum_t der = { (unsigned char *) g_bytes_get_data (top->der, NULL),
                             (unsigned int) g_bytes_get_size (top->der) };

      gnutls_x509_crt_init (&anchor);
      rc = gnutls_x509_crt_import (anchor, &der, GNUTLS_X509_FMT_DER);
      if (rc >= 0)
        rc = gnutls_x509_trust_list_add_cas (list, &anchor, 1, 0);
      if (rc < 0)
        {
          gnutls_x509_crt_deinit (anchor);
          return mp_error_set_gnutls (error, rc, "adding the root to the trust list");
        }
    }
  if (system_trust)
    {
      rc = gnutls_x509_trust_list_add_system_trust (list, 0, 0);
      if (rc < 0)
        return mp_error_set_gnutls (error, rc, "loading the system trust store");
    }

  /* the root is the anchor; the chain handed over is the rest */
  n = self->chain->len;
  if (self->chain_complete && n > 1)
    n--;
  crts = g_new0 (gnutls_x509_crt_t, n);
  for (unsigned int i = 0; i < n; i++)
    crts[i] = mp_bundle_cert_crt (g_ptr_array_index (self->chain, i));
  /* dates are checked above against mp_now(), which tests can fix */
  rc = gnutls_x509_trust_list_verify_crt2 (list, crts, n, NULL, 0,
                                           GNUTLS_VERIFY_DISABLE_TIME_CHECKS |
                                             GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS,
                                           &status, NULL);
  if (rc < 0)
    return mp_error_set_gnutls (error, rc, "verifying the chain");
  if (status != 0)
    return reason_from_status (self, status, error);
  return TRUE;
}
