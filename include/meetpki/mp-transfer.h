/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include <meetpki/mp-store.h>

G_BEGIN_DECLS

/**
 * MpTransferFlags:
 * @MP_TRANSFER_NONE: no flags
 * @MP_TRANSFER_FORCE: replace an existing file (a key included)
 *
 * Flags for moving files into and out of the store.
 */
typedef enum {
  MP_TRANSFER_NONE = 0,
  MP_TRANSFER_FORCE = 1 << 0,
} MpTransferFlags;

/**
 * MpTransferKind:
 * @MP_TRANSFER_KIND_KEY: a private key
 * @MP_TRANSFER_KIND_CSR: a certificate request
 * @MP_TRANSFER_KIND_CERTIFICATES: one certificate or a bundle of them
 *
 * What an imported file held.
 */
typedef enum {
  MP_TRANSFER_KIND_KEY,
  MP_TRANSFER_KIND_CSR,
  MP_TRANSFER_KIND_CERTIFICATES,
} MpTransferKind;

/**
 * MpImportResult:
 * @name: the store name the file was written under
 * @kind: what it held
 * @n_certs: for %MP_TRANSFER_KIND_CERTIFICATES, how many certificates
 *
 * What mp_transfer_import_bytes() wrote.
 */
typedef struct {
  char *name;
  MpTransferKind kind;
  guint n_certs;
} MpImportResult;

/* the largest outside file read: far above any key, csr, bundle or pkcs#12 */
#define MP_TRANSFER_MAX_SIZE (4 * 1024 * 1024)

GBytes      *mp_transfer_read_file      (const char     *path,
                                         GError        **error);
GBytes      *mp_transfer_read_fd        (int             fd,
                                         const char     *what,
                                         GError        **error);

void         mp_import_result_clear     (MpImportResult *result);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (MpImportResult, mp_import_result_clear)

gboolean     mp_transfer_import_bytes   (MpStore        *store,
                                         GBytes         *data,
                                         const char     *what,
                                         const char     *name,
                                         MpTransferFlags flags,
                                         MpImportResult *result,
                                         GError        **error);
gboolean     mp_transfer_import_file    (MpStore        *store,
                                         const char     *path,
                                         const char     *name,
                                         MpTransferFlags flags,
                                         MpImportResult *result,
                                         GError        **error);
gboolean     mp_transfer_is_valid_import_name (const char *name,
                                               GError    **error);
gboolean     mp_transfer_import_fd      (MpStore        *store,
                                         int             fd,
                                         const char     *what,
                                         const char     *name,
                                         MpTransferFlags flags,
                                         MpImportResult *result,
                                         GError        **error);
gboolean     mp_transfer_export_fd      (MpStore        *store,
                                         const char     *name,
                                         int             fd,
                                         GError        **error);
int          mp_transfer_open_file      (const char     *path,
                                         GError        **error);
char        *mp_transfer_export_target  (const char     *name,
                                         const char     *path,
                                         GError        **error);
char        *mp_transfer_export_file    (MpStore        *store,
                                         const char     *name,
                                         const char     *path,
                                         MpTransferFlags flags,
                                         GError        **error);

/**
 * MpPkcs12Result:
 * @key_name: the key written, `<basename>.key`
 * @crt_name: the certificate written, `<basename>.crt`
 * @bundle_name: (nullable): `<basename>-bundle.crt`, or %NULL when the
 *   file held no other certificate
 * @n_bundle: how many certificates the bundle holds
 *
 * What mp_transfer_pkcs12_to_pem() wrote.
 */
typedef struct {
  char *key_name;
  char *crt_name;
  char *bundle_name;
  guint n_bundle;
} MpPkcs12Result;

void         mp_pkcs12_result_clear     (MpPkcs12Result *result);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (MpPkcs12Result, mp_pkcs12_result_clear)

gboolean     mp_transfer_pkcs12_to_pem  (MpStore        *store,
                                         GBytes         *p12,
                                         const char     *what,
                                         const char     *basename,
                                         const char     *password,
                                         MpTransferFlags flags,
                                         MpPkcs12Result *result,
                                         GError        **error);

G_END_DECLS
