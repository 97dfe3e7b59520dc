/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * what mp-service-run.c and mp-apply.c share with the other runners of a
 * service (mp-service-run-json.c, mp-trust.c); not installed
 */
#pragma once

#include <json-glib/json-glib.h>

#include "meetpki/mp-service-run.h"

G_BEGIN_DECLS

/* one line to @o's log, if it has one */
void mp_service_say (const MpServiceRunOptions *o, MpLineKind kind, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

/* @member: @value, or null when @value is %NULL */
void mp_json_add_string_or_null (JsonBuilder *b, const char *member, const char *value);

/* @text: the words after a certificate's name on its expiry line
 * ("expired on ...", "valid until ... (N days)"); returns the line's kind
 * (mp-apply.c) */
MpLineKind mp_validity_verdict (gint64 now, gint64 not_before, gint64 not_after, guint warn_days, char **text);

G_END_DECLS
