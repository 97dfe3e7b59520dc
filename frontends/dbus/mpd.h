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
/* commands the daemon will run as its user (root): admin every time */
#define MPD_ACTION_SET_BACKEND "io.meetpki.set-backend"

#define MPD_SERVICES_PATH MPD_OBJECT_PATH "/services"
#define MPD_DEFAULT_CHECK_INTERVAL (24 * 60 * 60)
/* the first periodic check runs this soon after start (or one interval) */
#define MPD_FIRST_CHECK_DELAY 60

/* json -> gvariant, and the a{sv} options of a method (mpd-variant.c) */
GVariant   *mpd_json_to_variant      (JsonNode *node);
GVariant   *mpd_inspect_variant      (GBytes      *data,
                                      const char  *name,
                                      gboolean    *is_public,
                                      GError     **error);
gboolean    mpd_options_check        (GVariant           *options,
                                      const char * const *allowed,
                                      const char * const *types,
                                      GError            **error);
gboolean    mpd_option_bool          (GVariant *options, const char *key);
guint       mpd_option_uint          (GVariant *options, const char *key, guint fallback);
const char *mpd_option_string        (GVariant *options, const char *key, const char *fallback);

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
gboolean    mpd_auth_known_allowed    (const MpdAuth         *auth,
                                       GDBusMethodInvocation *invocation);
gboolean    mpd_auth_authorize        (const MpdAuth         *auth,
                                       GDBusMethodInvocation *invocation,
                                       const char            *action_id,
                                       GError               **error);
const char *mpd_auth_action_for_method (const char *interface,
                                        const char *method);

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

/* the periodic check (mpd-check.c): every @interval seconds (0: never)
 * in a worker thread; CheckFinished, and CertificateExpiring for each live
 * certificate file with @warn_days or fewer left */
void        mpd_daemon_set_check      (MpdDaemon *self,
                                       guint      interval,
                                       guint      warn_days);

/* for the service objects: the store, the authorization and in-flight
 * count every skeleton shares, and the manager's ServiceChanged signal */
MpStore    *mpd_daemon_get_store      (MpdDaemon              *self);
void        mpd_daemon_adopt_skeleton (MpdDaemon              *self,
                                       GDBusInterfaceSkeleton *skeleton);
void        mpd_daemon_emit_service_changed (MpdDaemon  *self,
                                             const char *name,
                                             GVariant   *status);

/* one io.meetpki.Service1 object (and Cluster1) per plugin (mpd-service.c) */
typedef struct _MpdService MpdService;

MpdService *mpd_service_new           (MpdDaemon       *daemon,
                                       MpPlugin        *plugin);
gboolean    mpd_service_export        (MpdService      *self,
                                       GDBusConnection *connection,
                                       GError         **error);
void        mpd_service_unexport      (MpdService      *self);
void        mpd_service_free          (MpdService      *self);
void        mpd_service_announce      (MpdService      *self);
char       *mpd_service_path_for      (const char      *name);

G_END_DECLS
