/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * MP_ERROR:
 *
 * The one error domain of libmeetpki.  Every failure the library reports
 * carries one of the #MpError codes; frontends map a code to an exit status
 * (the CLI) or to a D-Bus error name `io.meetpki.Error.<Name>` (the daemon).
 */
#define MP_ERROR (mp_error_quark ())

/**
 * MpError:
 * @MP_ERROR_FAILED: an internal failure that fits no other code
 * @MP_ERROR_INVALID_ARGS: the command line or a field value is malformed
 * @MP_ERROR_NOT_FOUND: a named file or object does not exist
 * @MP_ERROR_EXISTS: the target exists and overwriting was not requested
 * @MP_ERROR_OUTSIDE_STORE: a name escapes the store
 * @MP_ERROR_INVALID_DATA: a file could not be parsed as key, CSR or certificate
 * @MP_ERROR_CRYPTO: GnuTLS or libgcrypt failed
 * @MP_ERROR_IO: reading or writing a file failed
 * @MP_ERROR_MISMATCH: a key and a certificate do not belong together
 * @MP_ERROR_VERIFY_FAILED: a certificate does not verify against its chain
 * @MP_ERROR_NOT_CA: a certificate used as a CA is not one
 * @MP_ERROR_PROBE_FAILED: a daemon's served chain failed a probe check
 * @MP_ERROR_CONNECT_FAILED: a probe could not connect or shake hands
 *
 * Error codes of the %MP_ERROR domain.  The numeric values are stable.
 */
typedef enum {
  MP_ERROR_FAILED,
  MP_ERROR_INVALID_ARGS,
  MP_ERROR_NOT_FOUND,
  MP_ERROR_EXISTS,
  MP_ERROR_OUTSIDE_STORE,
  MP_ERROR_INVALID_DATA,
  MP_ERROR_CRYPTO,
  MP_ERROR_IO,
  MP_ERROR_MISMATCH,
  MP_ERROR_VERIFY_FAILED,
  MP_ERROR_NOT_CA,
  MP_ERROR_PROBE_FAILED,
  MP_ERROR_CONNECT_FAILED,
  MP_ERROR_LAST /*< skip >*/
} MpError;

GQuark       mp_error_quark     (void);
const char  *mp_error_to_string (MpError code);

G_END_DECLS
