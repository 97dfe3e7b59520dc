/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * certificate dates as calendar dates: seconds since the epoch from a utc
 * date and back, for every year a certificate can hold (0000 to 9999,
 * proleptic gregorian), by arithmetic alone.  gnutls clamps dates before
 * 1970 and GDateTime stops at year 1, so neither is used for them.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z */
#define MP_TIME_MIN G_GINT64_CONSTANT (-62167219200)
#define MP_TIME_MAX G_GINT64_CONSTANT (253402300799)

/* seconds since the epoch of a utc date; FALSE when a field is out of its
 * range (a 30th of February, an hour 24, a year past 9999) */
gboolean  mp_time_from_utc        (guint   year,
                                   guint   month,
                                   guint   day,
                                   guint   hour,
                                   guint   minute,
                                   guint   second,
                                   gint64 *out);

/* "1950-01-01T00:00:00Z", the year always four digits; "invalid" outside
 * MP_TIME_MIN..MP_TIME_MAX */
char     *mp_time_format_iso8601  (gint64 t);

/* "1950-01-01 00:00:00 UTC" for messages; "@t" outside the range */
char     *mp_time_format_utc      (gint64 t);

G_END_DECLS
