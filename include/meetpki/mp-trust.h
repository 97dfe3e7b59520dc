/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include <meetpki/mp-plugin.h>
#include <meetpki/mp-service.h>
#include <meetpki/mp-service-run.h>
#include <meetpki/mp-store.h>

G_BEGIN_DECLS

char      *mp_trust_live_name        (const char *store_name);
char      *mp_trust_env_name         (const char *store_name);

gboolean   mp_service_run_trust      (MpStore                   *store,
                                      MpPlugin                  *plugin,
                                      const MpServiceRunOptions *options,
                                      const char                *store_name,
                                      const char                *file,
                                      GError                   **error);
gboolean   mp_trust_any_recorded     (MpServiceConfig           *config,
                                      const MpPluginDescriptor  *desc);
void       mp_trust_status_to_json   (JsonBuilder               *builder,
                                      MpServiceConfig           *config,
                                      const MpPluginDescriptor  *desc);
GPtrArray *mp_trust_check            (MpStore                   *store,
                                      MpServiceConfig           *config,
                                      const MpPluginDescriptor  *desc,
                                      guint                      warn_days);

G_END_DECLS
