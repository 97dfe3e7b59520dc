/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* a reference-counted handle on the store directory.  it is no GObject:
 * `pki inspect` and `pki sign` run without libgobject (meetpki(1), SPEED) */
typedef struct _MpStore MpStore;

MpStore     *mp_store_ref            (MpStore    *self);
void         mp_store_unref          (MpStore    *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MpStore, mp_store_unref)

/**
 * MpWriteFlags:
 * @MP_WRITE_NONE: a public file (0644), refuse to replace an existing one
 * @MP_WRITE_PRIVATE: the file holds a private key: mode 0600
 * @MP_WRITE_REPLACE: replacing an existing file is intended
 */
typedef enum {
  MP_WRITE_NONE = 0,
  MP_WRITE_PRIVATE = 1 << 0,
  MP_WRITE_REPLACE = 1 << 1,
} MpWriteFlags;

char        *mp_store_default_path   (void);
MpStore     *mp_store_new            (const char *home,
                                      GError    **error);
/* for commands that only read: never creates the directory */
MpStore     *mp_store_new_for_reading (const char *home,
                                       GError    **error);
gboolean     mp_store_exists         (MpStore    *self);
gboolean     mp_store_check_exists   (MpStore    *self,
                                      GError    **error);
const char  *mp_store_get_path       (MpStore    *self);
gboolean     mp_store_is_valid_name  (const char *name);
char        *mp_store_resolve        (MpStore    *self,
                                      const char *name,
                                      GError    **error);
char        *mp_store_resolve_existing (MpStore    *self,
                                        const char *name,
                                        GError    **error);
char        *mp_store_resolve_input  (MpStore    *self,
                                      const char *arg,
                                      GError    **error);
GPtrArray   *mp_store_list_names     (MpStore    *self,
                                      GError    **error);
gboolean     mp_store_contains       (MpStore    *self,
                                      const char *name);
GBytes      *mp_store_read           (MpStore    *self,
                                      const char *name,
                                      GError    **error);
gboolean     mp_store_write          (MpStore    *self,
                                      const char *name,
                                      GBytes     *data,
                                      MpWriteFlags flags,
                                      GError    **error);

/**
 * MpStoreTxn:
 *
 * A set of files written together: each is staged as a temporary file in the
 * store (written and fsync'd), and only mp_store_txn_commit() renames them into
 * place.  Freeing a transaction that was not committed removes the staged
 * files, so a failed command leaves the store as it was.
 */
typedef struct _MpStoreTxn MpStoreTxn;

MpStoreTxn  *mp_store_txn_new        (MpStore    *store);
gboolean     mp_store_txn_add        (MpStoreTxn *txn,
                                      const char *name,
                                      GBytes     *data,
                                      MpWriteFlags flags,
                                      GError    **error);
gboolean     mp_store_txn_commit     (MpStoreTxn *txn,
                                      GError    **error);
void         mp_store_txn_free       (MpStoreTxn *txn);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MpStoreTxn, mp_store_txn_free)

/* low-level: atomic write of any path (temp file in the same directory, fsync,
 * rename, fsync of the directory) */
gboolean     mp_file_write_atomic    (const char *path,
                                      const void *data,
                                      gsize       len,
                                      MpWriteFlags flags,
                                      GError    **error);
/* writes the contents into @fd, a private temporary file */
typedef gboolean (*MpFileFillFunc) (int       fd,
                                    gpointer  user_data,
                                    GError  **error);
gboolean     mp_file_write_atomic_with (const char    *path,
                                        MpFileFillFunc fill,
                                        gpointer       user_data,
                                        MpWriteFlags   flags,
                                        GError       **error);
GBytes      *mp_file_read            (const char *path,
                                      GError    **error);
GBytes      *mp_file_read_fd         (int         fd,
                                      const char *name,
                                      GError    **error);

char        *mp_suggest              (const char         *word,
                                      const char * const *candidates);

G_END_DECLS
