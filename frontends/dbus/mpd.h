/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * meetpkid, the d-bus frontend: its one private header.
 */
#pragma once

#include <gio/gio.h>
#include <sys/types.h>

#include <meetpki/meetpki.h>

G_BEGIN_DECLS

#define MPD_BUS_NAME "io.meetpki.Manager1"
#define MPD_OBJECT_PATH "/io/meetpki/Manager1"
#define MPD_ACTION_READ "io.meetpki.read"
#define MPD_ACTION_WRITE "io.meetpki.write"

/* json -> gvariant (mpd-variant.c) */
GVariant   *mpd_json_to_variant      (JsonNode *node);

/* authorization (mpd-auth.c) */

/*
 * asks polkit (or a test's stand-in) whether @sender may do @action_id.
 * returns TRUE when authorized; FALSE with an error otherwise.
 */
typedef gboolean (*MpdPolkitFunc) (const char *action_id,
                                   const char *sender,
                                   gboolean    interactive,
                                   gpointer    user_data,
                                   GError    **error);

typedef struct {
  gboolean system_bus;     /* polkit decides; else only owner_uid may call */
  uid_t owner_uid;         /* the session bus's own user */
  MpdPolkitFunc polkit;    /* NULL: mpd_auth_polkit() */
  gpointer polkit_data;
} MpdAuth;

gboolean    mpd_auth_get_caller_uid   (GDBusConnection *connection,
                                       const char      *sender,
                                       uid_t           *uid,
                                       GError         **error);
gboolean    mpd_auth_check_session    (GDBusConnection *connection,
                                       const char      *sender,
                                       uid_t            owner_uid,
                                       GError         **error);
gboolean    mpd_auth_polkit           (const char      *action_id,
                                       const char      *sender,
                                       gboolean         interactive,
                                       gpointer         user_data,
                                       GError         **error);
gboolean    mpd_auth_authorize        (const MpdAuth         *auth,
                                       GDBusMethodInvocation *invocation,
                                       const char            *action_id,
                                       GError               **error);
const char *mpd_auth_action_for_method (const char *method);

/* the exported object (mpd-daemon.c) */
typedef struct _MpdDaemon MpdDaemon;

MpdDaemon  *mpd_daemon_new            (MpStore        *store,
                                       MpPluginLoader *plugins,
                                       const GError   *plugins_error,
                                       const MpdAuth  *auth);
gboolean    mpd_daemon_export         (MpdDaemon       *self,
                                       GDBusConnection *connection,
                                       GError         **error);
void        mpd_daemon_free           (MpdDaemon       *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MpdDaemon, mpd_daemon_free)

G_END_DECLS
