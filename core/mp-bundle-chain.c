/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * chain building: each certificate's issuer is looked up in the pool's
 * indexes (authority key id -> subject key id, else issuer name -> subject
 * name), so the cost grows with the chain, not with the square of the pool.
 * every link is confirmed by the issuer's signature.
 */
#include "config.h"

#include <string.h>

#include "mp-bundle-private.h"

/* the header length of the der element at @p (tag + length), its content
 * length in @content; 0 when malformed */
static gsize
der_header (const guchar *p, gsize len, gsize *content)
{
  gsize hdr, n = 0;

  if (len < 2)
    return 0;
  if (p[1] < 0x80)
    {
      *content = p[1];
      return 2 + *content <= len ? 2 : 0;
    }
  hdr = p[1] & 0x7f;
  if (hdr == 0 || hdr > 4 || len < 2 + hdr)
    return 0;
  for (gsize i = 0; i < hdr; i++)
    n = (n << 8) | p[2 + i];
  if (n > len - 2 - hdr)
    return 0;
  *content = n;
  return 2 + hdr;
}

/* a self-signature: gnutls' chain verifier trusts a certificate that is
 * itself in the ca list without looking at it, so check the signature over
 * the tbsCertificate directly */
static gboolean
self_signature_ok (MpBundleCert *cert)
{
  g_autoptr(MpPubkey) pub = NULL;
  gnutls_datum_t sig = { NULL, 0 }, tbs;
  gsize len = 0, outer_content = 0, tbs_content = 0, outer_hdr, tbs_hdr;
  const guchar *der = g_bytes_get_data (cert->der, &len);
  size_t sig_size = 0;
  gnutls_x509_crt_t crt = mp_bundle_cert_crt (cert);
  int algo, rc;

  if (crt == NULL)
    return FALSE;
  outer_hdr = der_header (der, len, &outer_content);
  if (outer_hdr == 0)
    return FALSE;
  tbs_hdr = der_header (der + outer_hdr, outer_content, &tbs_content);
  if (tbs_hdr == 0)
    return FALSE;
  tbs.data = (unsigned char *) der + outer_hdr;
  tbs.size = (unsigned int) (tbs_hdr + tbs_content);

  if (gnutls_x509_crt_get_signature (crt, NULL, &sig_size) != GNUTLS_E_SHORT_MEMORY_BUFFER)
    return FALSE;
  sig.data = g_malloc (sig_size);
  sig.size = (unsigned int) sig_size;
  rc = gnutls_x509_crt_get_signature (crt, (char *) sig.data, &sig_size);
  sig.size = (unsigned int) sig_size;
  algo = gnutls_x509_crt_get_signature_algorithm (crt);
  if (rc >= 0 && algo >= 0 && gnutls_pubkey_init (&pub) >= 0 &&
      gnutls_pubkey_import_x509 (pub, crt, 0) >= 0)
    rc = gnutls_pubkey_verify_data2 (pub, (gnutls_sign_algorithm_t) algo,
                                     GNUTLS_VERIFY_ALLOW_BROKEN, &tbs, &sig);
  else
    rc = GNUTLS_E_INVALID_REQUEST;
  g_free (sig.data);
  return rc >= 0;
}

/**
 * mp_bundle_cert_signed_by:
 *
 * Returns: whether @issuer's key made @cert's signature (validity dates and
 * the ca flag are judged elsewhere, so they are not checked here)
 */
gboolean
mp_bundle_cert_signed_by (MpBundleCert *cert, MpBundleCert *issuer)
{
  unsigned int status = 0;
  const unsigned int flags = GNUTLS_VERIFY_DISABLE_TIME_CHECKS | GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS |
                             GNUTLS_VERIFY_DISABLE_CA_SIGN | GNUTLS_VERIFY_ALLOW_BROKEN |
                             GNUTLS_VERIFY_ALLOW_ANY_X509_V1_CA_CRT;

  gnutls_x509_crt_t crt, ca;

  if (cert == issuer)
    return self_signature_ok (cert);
  crt = mp_bundle_cert_crt (cert);
  ca = mp_bundle_cert_crt (issuer);
  if (crt == NULL || ca == NULL)
    return FALSE;
  if (gnutls_x509_crt_verify (crt, &ca, 1, flags, &status) < 0)
    return FALSE;
  return (status & (GNUTLS_CERT_SIGNATURE_FAILURE | GNUTLS_CERT_SIGNER_NOT_FOUND)) == 0;
}

/* whether @a makes a better issuer than @b */
static gboolean
better_issuer (MpBundleCert *a, MpBundleCert *b, gint64 now)
{
  gboolean a_valid = a->not_before <= now && now <= a->not_after;
  gboolean b_valid = b->not_before <= now && now <= b->not_after;

  if (a_valid != b_valid)
    return a_valid;
  if (a->is_ca != b->is_ca)
    return a->is_ca;
  if (a->not_after != b->not_after)
    return a->not_after > b->not_after;
  return a->order < b->order;
}

MpBundleCert *
mp_bundle_find_issuer (MpBundle *self, MpBundleCert *cert, GHashTable *exclude, gboolean *bad_signature)
{
  GPtrArray *lists[2] = { NULL, NULL };
  MpBundleCert *best = NULL;
  gint64 now = mp_now ();

  if (cert->aki != NULL)
    lists[0] = g_hash_table_lookup (self->by_ski, cert->aki);
  lists[1] = g_hash_table_lookup (self->by_subject, cert->issuer_raw);

  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    {
      for (guint i = 0; lists[l] != NULL && i < lists[l]->len; i++)
        {
          MpBundleCert *cand = g_ptr_array_index (lists[l], i);

          if (cand == cert || (exclude != NULL && g_hash_table_contains (exclude, cand)))
            continue;
          if (!g_bytes_equal (cand->subject_raw, cert->issuer_raw))
            continue;
          if (best != NULL && !better_issuer (cand, best, now))
            continue;
          if (!mp_bundle_cert_signed_by (cert, cand))
            {
              if (bad_signature != NULL)
                *bad_signature = TRUE;
              continue;
            }
          best = cand;
        }
      /* the key id found the issuer: the name list holds nothing better
       * unless renewed certificates share the name, so look there too only
       * when the key id found nothing */
      if (best != NULL)
        break;
    }
  return best;
}

static char *
when (gint64 t)
{
  return mp_bundle_format_time (t);
}

/* findings about the members of a built chain */
static void
check_members (MpBundle *self)
{
  gint64 now = mp_now ();
  MpBundleCert *entity = g_ptr_array_index (self->chain, 0);

  for (guint i = 0; i < self->chain->len; i++)
    {
      MpBundleCert *c = g_ptr_array_index (self->chain, i);
      g_autofree char *from = when (c->not_before);
      g_autofree char *until = when (c->not_after);

      if (i > 0 && !c->is_ca)
        {
          MpBundleCert *below = g_ptr_array_index (self->chain, i - 1);
          mp_bundle_add_finding (self, MP_FINDING_ERROR, "not-ca", c->source, c->line,
                                 "'%s' issued '%s' but is not a CA (basicConstraints CA:TRUE missing)",
                                 mp_bundle_cert_subject (c), mp_bundle_cert_subject (below));
        }
      if (now > c->not_after)
        mp_bundle_add_finding (self, MP_FINDING_ERROR, "expired", c->source, c->line,
                               "'%s' expired on %s", mp_bundle_cert_subject (c), until);
      else if (now < c->not_before)
        mp_bundle_add_finding (self, MP_FINDING_ERROR, "not-yet-valid", c->source, c->line,
                               "'%s' is not valid before %s", mp_bundle_cert_subject (c), from);
      if (i > 0 && !entity->is_ca && c->not_after < entity->not_after)
        {
          g_autofree char *entity_until = when (entity->not_after);
          mp_bundle_add_finding (self, MP_FINDING_WARNING, "intermediate-expires-first", c->source, c->line,
                                 "%s '%s' expires on %s, before the entity certificate '%s' (%s)",
                                 mp_bundle_cert_self_signed (c) ? "the root" : "intermediate", mp_bundle_cert_subject (c), until,
                                 mp_bundle_cert_subject (entity), entity_until);
        }
    }
}

#define MAX_UNRELATED_FINDINGS 10

/* everything in the pool that is not in the chain: other versions of a
 * chain member, then plain unrelated certificates */
static void
report_left_out (MpBundle *self, GHashTable *in_chain)
{
  guint unrelated = 0;

  for (guint i = 0; i < self->certs->len; i++)
    {
      MpBundleCert *c = g_ptr_array_index (self->certs, i);
      GPtrArray *same;
      MpBundleCert *used = NULL;

      if (g_hash_table_contains (in_chain, c))
        continue;
      same = g_hash_table_lookup (self->by_subject, c->subject_raw);
      for (guint k = 0; same != NULL && k < same->len && used == NULL; k++)
        {
          if (g_hash_table_contains (in_chain, g_ptr_array_index (same, k)))
            used = g_ptr_array_index (same, k);
        }
      if (used != NULL)
        {
          g_autofree char *c_until = when (c->not_after);
          g_autofree char *u_until = when (used->not_after);
          mp_bundle_add_finding (self, MP_FINDING_WARNING, "duplicate", c->source, c->line,
                                 "another certificate for '%s' (valid until %s, issued by '%s') is left out; "
                                 "the chain uses the one valid until %s",
                                 mp_bundle_cert_subject (c), c_until, mp_bundle_cert_issuer (c), u_until);
          continue;
        }
      unrelated++;
      if (unrelated <= MAX_UNRELATED_FINDINGS)
        mp_bundle_add_finding (self, MP_FINDING_WARNING, "unrelated", c->source, c->line,
                               "'%s' is not part of the chain; left out", mp_bundle_cert_subject (c));
    }
  if (unrelated > MAX_UNRELATED_FINDINGS)
    mp_bundle_add_finding (self, MP_FINDING_WARNING, "unrelated", NULL, 0,
                           "%u more certificates are not part of the chain; left out",
                           unrelated - MAX_UNRELATED_FINDINGS);
}

/**
 * mp_bundle_build_chain:
 * @self: the pool
 * @start: the certificate the chain starts from (the entity), from the pool
 * @flags: #MpChainFlags
 *
 * Walks from @start to a self-signed root, choosing at each step the issuer
 * that is valid now and lives longest, and records findings about the chain
 * and about every certificate it leaves out.
 *
 * Returns: %TRUE when the chain has no error finding
 */
gboolean
mp_bundle_build_chain (MpBundle *self, const MpBundleCert *start, MpChainFlags flags)
{
  g_autoptr(GHashTable) in_chain = g_hash_table_new (NULL, NULL);
  MpBundleCert *x = (MpBundleCert *) start;
  guint errors_before = mp_bundle_count_findings (self, MP_FINDING_ERROR);

  g_return_val_if_fail (start != NULL, FALSE);

  g_ptr_array_set_size (self->chain, 0);
  self->chain_complete = FALSE;
  g_ptr_array_add (self->chain, x);
  g_hash_table_add (in_chain, x);
  for (;;)
    {
      gboolean bad_signature = FALSE;
      MpBundleCert *issuer;

      if (mp_bundle_cert_self_signed (x))
        {
          self->chain_complete = TRUE;
          break;
        }
      issuer = mp_bundle_find_issuer (self, x, in_chain, &bad_signature);
      if (issuer != NULL)
        {
          g_ptr_array_add (self->chain, issuer);
          g_hash_table_add (in_chain, issuer);
          x = issuer;
          continue;
        }
      if (bad_signature)
        mp_bundle_add_finding (self, MP_FINDING_ERROR, "bad-signature", x->source, x->line,
                               "'%s' is in the bundle but its signature on '%s' does not verify",
                               mp_bundle_cert_issuer (x), mp_bundle_cert_subject (x));
      else if (x == start && !x->is_ca)
        mp_bundle_add_finding (self, MP_FINDING_ERROR, "missing-issuer", x->source, x->line,
                               "issuer not found: '%s' (the issuer of '%s')", mp_bundle_cert_issuer (x), mp_bundle_cert_subject (x));
      else
        mp_bundle_add_finding (self,
                               (flags & MP_CHAIN_ROOT_REQUIRED) ? MP_FINDING_ERROR : MP_FINDING_WARNING,
                               "root-missing", x->source, x->line,
                               "the chain ends at '%s': its issuer '%s' is not in the bundle",
                               mp_bundle_cert_subject (x), mp_bundle_cert_issuer (x));
      break;
    }
  check_members (self);
  report_left_out (self, in_chain);
  return mp_bundle_count_findings (self, MP_FINDING_ERROR) == errors_before;
}
