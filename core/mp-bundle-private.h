/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the bundle engine's shared internals: the certificate record, the pool and
 * its indexes.  parse, chain and output each live in their own file.
 */
#pragma once

#include "mp-private.h"
#include "meetpki/mp-bundle.h"

G_BEGIN_DECLS

/* the index fields are read from the der directly (see mp-der.h); the
 * gnutls certificate, the display names and the self-signature are made
 * only when a chain needs them, through the functions below */
struct _MpBundleCert {
  GBytes *der;
  GBytes *subject_raw;  /* DER of the subject name: the index key */
  GBytes *issuer_raw;
  GBytes *ski;          /* NULL when absent */
  GBytes *aki;          /* key id of the authority key identifier, or NULL */
  gint64 not_before;
  gint64 not_after;
  gboolean is_ca;
  char *source;
  guint line;
  guint order;          /* position among the unique certificates read */
  /* made on demand */
  gnutls_x509_crt_t crt;
  gboolean crt_failed;
  char *subject;
  char *issuer;
  int self_signed;      /* -1: not known yet */
};

struct _MpBundle {
  GPtrArray *certs;     /* MpBundleCert, unique, in input order */
  GPtrArray *findings;  /* MpFinding */
  GHashTable *by_der;   /* GBytes der -> MpBundleCert */
  GHashTable *by_subject; /* GBytes subject_raw -> GPtrArray of MpBundleCert */
  GHashTable *by_ski;   /* GBytes ski -> GPtrArray of MpBundleCert */
  GPtrArray *chain;     /* MpBundleCert (borrowed), entity first */
  gboolean chain_complete; /* the chain ends in a self-signed certificate */
  guint expected_copies; /* certs[0 .. this) may come again without a finding */
};

/* mp-bundle.c */
void          mp_bundle_add_finding   (MpBundle          *self,
                                       MpFindingSeverity  severity,
                                       const char        *code,
                                       const char        *source,
                                       guint              line,
                                       const char        *format,
                                       ...) G_GNUC_PRINTF (6, 7);
typedef enum {
  MP_BUNDLE_ADD_NEW,
  MP_BUNDLE_ADD_DUPLICATE,
  MP_BUNDLE_ADD_BAD,
} MpBundleAdd;

/* adds one der certificate to the pool (a finding when it is a duplicate or
 * unreadable) */
MpBundleAdd   mp_bundle_add_der       (MpBundle          *self,
                                       const guchar      *der,
                                       gsize              len,
                                       const char        *source,
                                       guint              line);

/* on-demand parts of a record; the gnutls certificate is NULL when gnutls
 * cannot read it */
gnutls_x509_crt_t mp_bundle_cert_crt   (MpBundleCert     *cert);
const char   *mp_bundle_cert_subject  (MpBundleCert      *cert);
const char   *mp_bundle_cert_issuer   (MpBundleCert      *cert);
gboolean      mp_bundle_cert_self_signed (MpBundleCert   *cert);

/* mp-bundle-parse.c: reads PEM (any mix) or DER into the pool; returns the
 * number of certificates read */
guint         mp_bundle_parse         (MpBundle          *self,
                                       GBytes            *data,
                                       const char        *source);

/* mp-bundle-chain.c */
/* the issuer of @cert in the pool, confirmed by signature; NULL if none */
MpBundleCert *mp_bundle_find_issuer   (MpBundle          *self,
                                       MpBundleCert      *cert,
                                       GHashTable        *exclude,
                                       gboolean          *bad_signature);
gboolean      mp_bundle_cert_signed_by (MpBundleCert     *cert,
                                        MpBundleCert     *issuer);

G_END_DECLS
