/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the daemon's own state, shared by mpd-daemon.c, mpd-check.c,
 * mpd-transfer.c and mpd-json-methods.c only.
 */
#pragma once

#include "mpd.h"
#include "mpd-generated.h"

G_BEGIN_DECLS

struct _MpdDaemon {
  MpdManager1 *skeleton;
  MpStore *store;
  MpPluginLoader *plugins;
  GError *plugins_error; /* why the plugins could not be loaded */
  MpdAuth auth;
  GPtrArray *services; /* MpdService, one per plugin */
  gint in_flight; /* calls (and periodic checks) being handled (atomic) */
  guint check_interval; /* seconds; 0: no periodic check */
  guint warn_days;
  guint check_timer;
  gboolean check_running; /* main loop only */
  /* the last Inspect reply and what it was made from: see handle_inspect */
  GMutex inspect_lock;
  char *inspect_name;
  GBytes *inspect_data;
  gint64 inspect_now;
  GVariant *inspect_reply;
};

/* Manager1's dispatch (mpd-dispatch.c), and what it calls in mpd-daemon.c */
MpdManager1 *mpd_manager_skeleton_new  (MpdDaemon              *daemon);
gboolean     mpd_daemon_authorize_call (GDBusInterfaceSkeleton *skeleton,
                                        GDBusMethodInvocation  *invocation,
                                        MpdDaemon              *self);
void         mpd_inspect_answer        (MpdDaemon              *self,
                                        GDBusMethodInvocation  *invocation,
                                        const char             *name,
                                        GBytes                 *data);

gboolean mpd_handle_check (MpdManager1           *skeleton,
                           GDBusMethodInvocation *invocation,
                           GVariant              *options,
                           MpdDaemon             *self);
void     mpd_daemon_start_periodic_check (MpdDaemon *self);
void     mpd_daemon_stop_periodic_check  (MpdDaemon *self);

/* for the handlers of every file (mpd-daemon.c) */
gboolean mpd_return_error (GDBusMethodInvocation *invocation,
                           GError                *error);
gboolean mpd_return_error_after_lines (GDBusMethodInvocation *invocation,
                                       char                 **lines,
                                       GError                *error);
char    *mpd_json_text    (JsonNode              *node);
int      mpd_option_fd    (GDBusMethodInvocation *invocation,
                           gint32                 index,
                           const char            *key,
                           GError               **error);
GBytes  *mpd_read_input   (MpdDaemon             *self,
                           GDBusMethodInvocation *invocation,
                           GVariant              *options,
                           const char            *key,
                           const char            *name,
                           GError               **error);

GBytes  *mpd_read_passed  (GDBusMethodInvocation *invocation,
                           gint32                 index,
                           const char            *key,
                           const char            *name,
                           GError               **error);

/* the *Json methods (mpd-json-methods.c), and the reports they share with
 * Verify, BuildBundle and CheckBundle */
void      mpd_json_methods_connect (MpdDaemon *self);
JsonNode *mpd_verify_report        (MpdDaemon             *self,
                                    GDBusMethodInvocation *invocation,
                                    const char            *certificate,
                                    const char            *bundle_name,
                                    GVariant              *options,
                                    gboolean               with_fds,
                                    GError               **error);
JsonNode *mpd_build_bundle_report  (MpdDaemon             *self,
                                    GDBusMethodInvocation *invocation,
                                    const char            *certificate,
                                    const char * const    *pool,
                                    const char            *output,
                                    GVariant              *options,
                                    GError               **error);
JsonNode *mpd_check_bundle_report  (MpdDaemon             *self,
                                    GDBusMethodInvocation *invocation,
                                    const char            *name,
                                    GVariant              *options,
                                    GError               **error);

/* Import, Export, MatchFiles and the other methods that move files in and
 * out (mpd-transfer.c): connects their handlers to the skeleton */
void     mpd_transfer_connect (MpdDaemon *self);

/* Provision, `node provision` (mpd-provision.c) */
void     mpd_provision_connect (MpdDaemon *self);

G_END_DECLS
