/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "mp-time.h"

#define SECONDS_PER_DAY 86400

/* days from 0000-03-01 to 1970-01-01 */
#define EPOCH_SHIFT 719468

static gboolean
is_leap (guint year)
{
  return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

/* the days since the epoch of a date, as in Howard Hinnant's
 * days_from_civil; the year counted from march, so february is last */
static gint64
days_from_civil (gint64 year, guint month, guint day)
{
  gint64 y = month <= 2 ? year - 1 : year;
  gint64 era = (y >= 0 ? y : y - 399) / 400;
  gint64 yoe = y - era * 400;
  gint64 doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  gint64 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

  return era * 146097 + doe - EPOCH_SHIFT;
}

gboolean
mp_time_from_utc (guint year, guint month, guint day, guint hour, guint minute, guint second, gint64 *out)
{
  static const guint8 month_days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

  if (year > 9999 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59)
    return FALSE;
  if (day > month_days[month - 1] + (month == 2 && is_leap (year) ? 1u : 0u))
    return FALSE;
  *out = days_from_civil (year, month, day) * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second;
  return TRUE;
}

typedef struct {
  gint64 year;
  int month, day, hour, minute, second;
} Civil;

/* Hinnant's civil_from_days, and the time of day */
static void
civil_from_time (gint64 t, Civil *c)
{
  gint64 days = t / SECONDS_PER_DAY, secs = t % SECONDS_PER_DAY;
  gint64 era, doe, yoe, doy, mp;

  if (secs < 0)
    {
      secs += SECONDS_PER_DAY;
      days--;
    }
  days += EPOCH_SHIFT;
  era = (days >= 0 ? days : days - 146096) / 146097;
  doe = days - era * 146097;
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  mp = (5 * doy + 2) / 153;
  c->day = (int) (doy - (153 * mp + 2) / 5 + 1);
  c->month = (int) (mp < 10 ? mp + 3 : mp - 9);
  c->year = yoe + era * 400 + (c->month <= 2 ? 1 : 0);
  c->hour = (int) (secs / 3600);
  c->minute = (int) (secs / 60 % 60);
  c->second = (int) (secs % 60);
}

/* "YYYY-MM-DD<sep>HH:MM:SS", by hand: snprintf and GDateTime cost an
 * inspection more than its two dates are worth (doc/speed.md) */
static char *
format (gint64 t, char sep, const char *suffix)
{
  Civil c;
  char buf[32];
  char *p = buf;
  int fields[5];
  const char seps[] = { '-', '-', 0, ':', ':' };

  civil_from_time (t, &c);
  fields[0] = c.month;
  fields[1] = c.day;
  fields[2] = c.hour;
  fields[3] = c.minute;
  fields[4] = c.second;
  *p++ = (char) ('0' + c.year / 1000);
  *p++ = (char) ('0' + c.year / 100 % 10);
  *p++ = (char) ('0' + c.year / 10 % 10);
  *p++ = (char) ('0' + c.year % 10);
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      *p++ = seps[i] != 0 ? seps[i] : sep;
      *p++ = (char) ('0' + fields[i] / 10);
      *p++ = (char) ('0' + fields[i] % 10);
    }
  *p = '\0';
  return g_strconcat (buf, suffix, NULL);
}

char *
mp_time_format_iso8601 (gint64 t)
{
  if (t < MP_TIME_MIN || t > MP_TIME_MAX)
    return g_strdup ("invalid");
  return format (t, 'T', "Z");
}

char *
mp_time_format_utc (gint64 t)
{
  if (t < MP_TIME_MIN || t > MP_TIME_MAX)
    return g_strdup_printf ("@%" G_GINT64_FORMAT, t);
  return format (t, ' ', " UTC");
}
