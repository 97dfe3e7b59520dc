/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the printers the full cli and the quick one share (mp-cli-print.c).
 * only glib and the json calls of meetpki/mp-inspect.h: in the quick build
 * those are core/mp-json-lite.h's.
 */
#pragma once

#include <meetpki/mp-inspect.h>

G_BEGIN_DECLS

const char *mp_cli_str_member        (JsonObject *obj,
                                      const char *member,
                                      const char *fallback);
JsonArray  *mp_cli_array_member      (JsonObject *obj,
                                      const char *member);
char       *mp_cli_days_text         (JsonObject *obj);
void        mp_cli_print_inspection  (JsonObject *root);
void        mp_cli_print_note_lines  (const char * const *notes);
void        mp_cli_print_signed      (const char *basename,
                                      const char *ca,
                                      const char * const *notes);

G_END_DECLS
