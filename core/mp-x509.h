/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * private gnutls helpers shared by the engine: reading keys, requests and
 * certificates in PEM or DER, writing them as canonical PEM.
 */
#pragma once

#include "mp-private.h"
#include "meetpki/mp-key.h"

G_BEGIN_DECLS

/* what a file holds, judged from its PEM labels or DER structure */
typedef enum {
  MP_FILE_UNKNOWN,
  MP_FILE_CERTIFICATE, /* one or more certificates */
  MP_FILE_CSR,
  MP_FILE_PRIVATE_KEY,
  MP_FILE_PKCS12,
} MpFileKind;

MpFileKind     mp_x509_sniff                (GBytes *data);
const char    *mp_file_kind_to_string       (MpFileKind kind);

gnutls_x509_privkey_t mp_x509_privkey_generate (const MpKeySpec *spec, GError **error);
gnutls_x509_privkey_t mp_x509_privkey_import   (GBytes *data, const char *what, GError **error);
GBytes        *mp_x509_privkey_export_pem      (gnutls_x509_privkey_t key, GError **error);
gnutls_privkey_t mp_x509_privkey_abstract      (gnutls_x509_privkey_t key, GError **error);

gnutls_x509_crq_t mp_x509_crq_import           (GBytes *data, const char *what, GError **error);
GBytes        *mp_x509_crq_export_pem          (gnutls_x509_crq_t crq, GError **error);

gnutls_x509_crt_t mp_x509_crt_import           (GBytes *data, const char *what, GError **error);
/* every certificate in @data (PEM blocks or one DER); an array of
 * gnutls_x509_crt_t freed with the array */
GPtrArray     *mp_x509_crt_import_list         (GBytes *data, const char *what, GError **error);
GBytes        *mp_x509_crt_export_pem          (gnutls_x509_crt_t crt, GError **error);

/* the certificate's notBefore and notAfter in seconds since the epoch,
 * read from its der (@der, or exported from @crt when NULL): gnutls
 * clamps dates before 1970, and -1 is 1969-12-31T23:59:59Z, not an error.
 * gnutls' reading only for a validity mp-der.c cannot read; FALSE when
 * neither can */
gboolean       mp_x509_crt_get_validity        (gnutls_x509_crt_t crt,
                                                const gnutls_datum_t *der,
                                                gint64 *not_before,
                                                gint64 *not_after);

/* compares the full public keys (DER SubjectPublicKeyInfo) */
gboolean       mp_x509_privkey_matches_crt     (gnutls_x509_privkey_t key,
                                                gnutls_x509_crt_t crt,
                                                GError **error);
/* "RSA 2048", "EC P-256", "Ed25519" */
char          *mp_x509_describe_pk             (int pk_algo, unsigned int bits, int curve);
/* the digest to sign with for a given signing key (SHA-384 for P-384) */
gnutls_digest_algorithm_t mp_x509_sign_digest  (gnutls_x509_privkey_t key);

G_END_DECLS
