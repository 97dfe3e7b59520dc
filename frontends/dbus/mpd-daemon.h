/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the daemon's own state, shared by mpd-daemon.c and mpd-check.c only.
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
};

gboolean mpd_handle_check (MpdManager1           *skeleton,
                           GDBusMethodInvocation *invocation,
                           GVariant              *options,
                           MpdDaemon             *self);
void     mpd_daemon_start_periodic_check (MpdDaemon *self);
void     mpd_daemon_stop_periodic_check  (MpdDaemon *self);

G_END_DECLS
