/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "meetpki/mp-error.h"

/* names double as the d-bus error suffix (io.meetpki.Error.<name>) */
static const char *const error_names[] = {
  [MP_ERROR_FAILED] = "Failed",
  [MP_ERROR_INVALID_ARGS] = "InvalidArgs",
  [MP_ERROR_NOT_FOUND] = "NotFound",
  [MP_ERROR_EXISTS] = "Exists",
  [MP_ERROR_OUTSIDE_STORE] = "OutsideStore",
  [MP_ERROR_INVALID_DATA] = "InvalidData",
  [MP_ERROR_CRYPTO] = "Crypto",
  [MP_ERROR_IO] = "Io",
  [MP_ERROR_MISMATCH] = "Mismatch",
  [MP_ERROR_VERIFY_FAILED] = "VerifyFailed",
  [MP_ERROR_NOT_CA] = "NotCa",
};
G_STATIC_ASSERT (G_N_ELEMENTS (error_names) == MP_ERROR_LAST);

G_DEFINE_QUARK (meetpki-error-quark, mp_error)

/**
 * mp_error_to_string:
 * @code: an #MpError
 *
 * Returns: (transfer none): the stable name of @code, e.g. "NotFound"
 */
const char *
mp_error_to_string (MpError code)
{
  if ((guint) code >= MP_ERROR_LAST)
    return "Failed";
  return error_names[code];
}
