/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "meetpki/mp-error.h"

#define MP_DBUS_ERROR_PREFIX "io.meetpki.Error."

/* the one table of error names: the d-bus name of each code, whose last
 * component is also the name mp_error_to_string() gives */
static const GDBusErrorEntry error_entries[] = {
  { MP_ERROR_FAILED, MP_DBUS_ERROR_PREFIX "Failed" },
  { MP_ERROR_INVALID_ARGS, MP_DBUS_ERROR_PREFIX "InvalidArgs" },
  { MP_ERROR_NOT_FOUND, MP_DBUS_ERROR_PREFIX "NotFound" },
  { MP_ERROR_EXISTS, MP_DBUS_ERROR_PREFIX "Exists" },
  { MP_ERROR_OUTSIDE_STORE, MP_DBUS_ERROR_PREFIX "OutsideStore" },
  { MP_ERROR_INVALID_DATA, MP_DBUS_ERROR_PREFIX "InvalidData" },
  { MP_ERROR_CRYPTO, MP_DBUS_ERROR_PREFIX "Crypto" },
  { MP_ERROR_IO, MP_DBUS_ERROR_PREFIX "Io" },
  { MP_ERROR_MISMATCH, MP_DBUS_ERROR_PREFIX "Mismatch" },
  { MP_ERROR_VERIFY_FAILED, MP_DBUS_ERROR_PREFIX "VerifyFailed" },
  { MP_ERROR_NOT_CA, MP_DBUS_ERROR_PREFIX "NotCa" },
  { MP_ERROR_PROBE_FAILED, MP_DBUS_ERROR_PREFIX "ProbeFailed" },
  { MP_ERROR_CONNECT_FAILED, MP_DBUS_ERROR_PREFIX "ConnectFailed" },
  { MP_ERROR_BACKEND_FAILED, MP_DBUS_ERROR_PREFIX "BackendFailed" },
  { MP_ERROR_ROLLED_BACK, MP_DBUS_ERROR_PREFIX "RolledBack" },
  { MP_ERROR_ROLLBACK_FAILED, MP_DBUS_ERROR_PREFIX "RollbackFailed" },
};
G_STATIC_ASSERT (G_N_ELEMENTS (error_entries) == MP_ERROR_LAST);

/**
 * mp_error_quark:
 *
 * The quark of %MP_ERROR.  Getting it registers every code as the D-Bus
 * error `io.meetpki.Error.<Name>`, so a #GError crossing the bus keeps its
 * domain, code and message in both directions.
 *
 * Returns: the error quark
 */
GQuark
mp_error_quark (void)
{
#ifdef MP_LITE
  /* the quick `pki inspect` and `pki sign` have no libgio and no bus: the
   * same quark, without the d-bus names */
  return g_quark_from_static_string ("meetpki-error-quark");
#else
  static gsize quark = 0;

  g_dbus_error_register_error_domain ("meetpki-error-quark", &quark,
                                      error_entries, G_N_ELEMENTS (error_entries));
  return (GQuark) quark;
#endif
}

/**
 * mp_error_to_string:
 * @code: an #MpError
 *
 * Returns: (transfer none): the stable name of @code, e.g. "NotFound"; the
 *   D-Bus error name is `io.meetpki.Error.` followed by it
 */
const char *
mp_error_to_string (MpError code)
{
  if ((guint) code >= MP_ERROR_LAST)
    code = MP_ERROR_FAILED;
  /* the table is indexed by code: checked once by test-dbus-errors */
  return error_entries[code].dbus_error_name + strlen (MP_DBUS_ERROR_PREFIX);
}
