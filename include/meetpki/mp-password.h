/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * MpPassword:
 *
 * A NUL-terminated password held in libgcrypt's secure (locked, never
 * swapped) memory.  Free it with mp_password_free(), which wipes it; declare
 * it as `g_autoptr(MpPassword) pw = NULL;`.
 */
typedef char MpPassword;

/* longest password accepted, in bytes */
#define MP_PASSWORD_MAX 1023

MpPassword  *mp_password_new        (gsize          size);
void         mp_password_free       (MpPassword    *password);
MpPassword  *mp_password_read_file  (const char    *path,
                                     GError       **error);
int          mp_password_open_file  (const char    *path,
                                     GError       **error);
MpPassword  *mp_password_read_fd    (int            fd,
                                     const char    *what,
                                     GError       **error);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MpPassword, mp_password_free)

G_END_DECLS
