/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include <meetpki/mp-key.h>
#include <meetpki/mp-store.h>
#include <meetpki/mp-subject.h>

G_BEGIN_DECLS

/**
 * MpPkiFlags:
 * @MP_PKI_NONE: no flags
 * @MP_PKI_FORCE: replace an existing key (and its CSR or certificate)
 */
typedef enum {
  MP_PKI_NONE = 0,
  MP_PKI_FORCE = 1 << 0,
} MpPkiFlags;

/* default lifetimes, in days */
#define MP_PKI_DEFAULT_CA_DAYS 3650
#define MP_PKI_DEFAULT_DAYS 365
#define MP_PKI_MAX_DAYS 36500

gboolean mp_pki_csr        (MpStore         *store,
                            const char      *basename,
                            const MpSubject *subject,
                            const MpKeySpec *spec,
                            MpPkiFlags       flags,
                            GPtrArray       *notes,
                            GError         **error);
gboolean mp_pki_selfsigned (MpStore         *store,
                            const char      *basename,
                            const MpSubject *subject,
                            const MpKeySpec *spec,
                            guint            days,
                            MpPkiFlags       flags,
                            GPtrArray       *notes,
                            GError         **error);
gboolean mp_pki_sign       (MpStore         *store,
                            const char      *basename,
                            const char      *ca_basename,
                            guint            days,
                            GPtrArray       *notes,
                            GError         **error);
gboolean mp_pki_validate_basename (const char *basename,
                                   GError    **error);
gboolean mp_pki_validate_days     (guint       days,
                                   GError    **error);

G_END_DECLS
