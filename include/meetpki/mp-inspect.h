/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#ifdef MP_LITE
#include "mp-json-lite.h"
#else
#include <json-glib/json-glib.h>
#endif

#include <meetpki/mp-store.h>

G_BEGIN_DECLS

/**
 * mp_inspect_file:
 * @data: the contents of a certificate, CSR or private key file, PEM or DER
 * @display_name: (nullable): the name to show for the file in the result
 *   and in errors
 * @error: return location for a #GError
 *
 * Describes what a file holds as one JSON object, the single source for the
 * text and the JSON output of `meetpki pki inspect`.  Its members are
 * `file`, `kind` (`certificate`, `certificates` when the file holds several,
 * `csr`, `key` or `pkcs12`) and, by kind, `certificates` (an array), `csr`
 * or `key`.  A private key is described by its public half only: the key
 * material never appears in the result.  meetpki(1), pki inspect, lists every member.
 *
 * Times are ISO 8601 UTC; `days_left` counts whole days from mp_now() to
 * notAfter, rounded down, so it is negative once a certificate has expired.
 *
 * Returns: (transfer full): a JSON object node, or %NULL with
 *   %MP_ERROR_INVALID_DATA when the file is none of the kinds above
 */
JsonNode  *mp_inspect_file   (GBytes     *data,
                              const char *display_name,
                              GError    **error);

/**
 * mp_now:
 *
 * The library's clock, which days_left and validity are reckoned from:
 * `$MEETPKI_NOW` (seconds since the epoch) when set, so tests can fix the
 * time; otherwise the real time.
 *
 * Returns: seconds since the epoch
 */
gint64     mp_now            (void);

/**
 * mp_inspect_store:
 * @store: the store
 * @error: return location for a #GError
 *
 * Summarises every file of the store for `meetpki pki list`: an object with
 * `store` (its path) and `files`, an array of objects with `name`, `kind`,
 * `common_name`, `days_left` and `expired_days_ago` (certificates: of the
 * one in the file that expires first), `not_after`, `key_type` and `count`
 * (certificates in the file).  A file that cannot be read or parsed is listed with kind
 * `unknown` and an `error` member; it does not fail the listing.
 *
 * Returns: (transfer full): a JSON object node, or %NULL when the store
 *   directory cannot be read
 */
JsonNode  *mp_inspect_store  (MpStore    *store,
                              GError    **error);

/**
 * mp_inspect_match:
 * @key_data: the contents of a private key file
 * @key_name: the key file's name, for messages
 * @crt_data: the contents of a certificate file; its first certificate is
 *   the one compared
 * @crt_name: the certificate file's name, for messages
 * @error: return location for a #GError
 *
 * Checks that a private key and a certificate belong together by comparing
 * the full public key derived from the private key with the certificate's.
 * Files of the wrong kind (a certificate given as the key, say) fail with
 * %MP_ERROR_INVALID_ARGS; a pair that does not match fails with
 * %MP_ERROR_MISMATCH.
 *
 * Returns: %TRUE when the pair matches
 */
gboolean   mp_inspect_match  (GBytes     *key_data,
                              const char *key_name,
                              GBytes     *crt_data,
                              const char *crt_name,
                              GError    **error);

G_END_DECLS
