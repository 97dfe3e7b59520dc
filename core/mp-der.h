/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * a minimal, bounds-checked der reader for the few certificate fields the
 * bundle index needs.  reading a pool of a thousand certificates through
 * gnutls' full decoder costs more than the whole chain build; this reads
 * names, key ids, dates and the ca flag in microseconds.  everything else
 * (signatures, display strings) still goes through gnutls, and only for the
 * certificates a chain touches.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  GBytes *subject_raw;  /* the whole Name element */
  GBytes *issuer_raw;
  GBytes *ski;          /* NULL when absent */
  GBytes *aki;          /* the keyIdentifier of the authority key id, or NULL */
  gint64 not_before;
  gint64 not_after;
  gboolean has_basic_constraints;
  gboolean is_ca;
  guint version;        /* 1, 2 or 3 */
} MpDerCertInfo;

void      mp_der_cert_info_clear (MpDerCertInfo *info);

/* fills @info from a der certificate; FALSE when it is not well formed */
gboolean  mp_der_cert_info_read  (const guchar  *der,
                                  gsize          len,
                                  MpDerCertInfo *info);

/* the validity of a der certificate, in seconds since the epoch (before
 * 1970 negative); FALSE when it is not well formed */
gboolean  mp_der_cert_validity   (const guchar  *der,
                                  gsize          len,
                                  gint64        *not_before,
                                  gint64        *not_after);

/* the length of the der element at @buf (header included), 0 when @buf does
 * not start with one that fits in @len */
gsize     mp_der_element_len     (const guchar  *buf,
                                  gsize          len);

G_END_DECLS
