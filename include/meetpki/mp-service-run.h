/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include <meetpki/mp-apply.h>
#include <meetpki/mp-plugin.h>
#include <meetpki/mp-store.h>

G_BEGIN_DECLS

/**
 * MpServiceRunOptions:
 * @dry_run: tell the steps, change nothing (no lock is taken)
 * @assume_yes: `cluster remove` asks no question
 * @force: `csr` replaces an existing key and request
 * @store_names_only: every file argument must be a plain name of the store
 *   (the d-bus daemon); %FALSE: a path is read too (the cli)
 * @warn_days: certificates expiring sooner are warnings; negative:
 *   %MP_APPLY_DEFAULT_WARN_DAYS
 * @key_type: (nullable): the key of `csr`, as mp_key_spec_parse() takes it
 * @confirm: (nullable): asks the question of `cluster remove`
 * @log: (nullable): receives every line, as the cli prints it
 * @report: (nullable): receives each step's outcome, the probe's and the
 *   rollback's
 * @user_data: for @log, @report and @confirm
 *
 * How one `<service> <verb>` command runs.  The cli and the d-bus daemon
 * both go through the mp_service_run_*() functions, so a command behaves
 * the same whoever asks: lock, validation, the steps, probe and rollback.
 */
typedef struct {
  gboolean dry_run;
  gboolean assume_yes;
  gboolean force;
  gboolean store_names_only;
  gint warn_days;
  const char *key_type;
  gboolean (*confirm) (const char *question, gpointer user_data);
  MpLogFunc log;
  MpStepFunc report;
  gpointer user_data;
} MpServiceRunOptions;

gboolean  mp_plugin_is_cluster_service (const MpPluginDescriptor *desc);
gboolean  mp_plugin_has_step       (const MpPluginDescriptor *desc,
                                    MpPluginStepKind           step);

gboolean  mp_service_run_csr       (MpStore                   *store,
                                    MpPlugin                  *plugin,
                                    const MpServiceRunOptions *options,
                                    const char                *basename,
                                    GError                   **error);
gboolean  mp_service_run_certs     (MpStore                   *store,
                                    MpPlugin                  *plugin,
                                    const MpServiceRunOptions *options,
                                    gboolean                   cluster,
                                    const char * const        *files,
                                    guint                      n_files,
                                    GError                   **error);
gboolean  mp_service_run_apply     (MpStore                   *store,
                                    MpPlugin                  *plugin,
                                    const MpServiceRunOptions *options,
                                    const char * const        *files,
                                    guint                      n_files,
                                    GError                   **error);
gboolean  mp_service_run_rollback  (MpStore                   *store,
                                    MpPlugin                  *plugin,
                                    const MpServiceRunOptions *options,
                                    GError                   **error);
gboolean  mp_service_run_apply_json (MpStore                   *store,
                                     MpPlugin                  *plugin,
                                     const MpServiceRunOptions *options,
                                     const char * const        *files,
                                     guint                      n_files,
                                     JsonNode                 **object,
                                     GError                   **error);
gboolean  mp_service_run_rollback_json (MpStore                   *store,
                                        MpPlugin                  *plugin,
                                        const MpServiceRunOptions *options,
                                        JsonNode                 **object,
                                        GError                   **error);
gboolean  mp_service_run_certs_json (MpStore                   *store,
                                     MpPlugin                  *plugin,
                                     const MpServiceRunOptions *options,
                                     gboolean                   cluster,
                                     const char * const        *files,
                                     guint                      n_files,
                                     JsonNode                 **object,
                                     GError                   **error);
gboolean  mp_service_run_step      (MpStore                   *store,
                                    MpPlugin                  *plugin,
                                    const MpServiceRunOptions *options,
                                    MpPluginStepKind           step,
                                    GError                   **error);
gboolean  mp_service_run_cluster   (MpStore                   *store,
                                    MpPlugin                  *plugin,
                                    const MpServiceRunOptions *options,
                                    const char                *verb,
                                    const char                *primary,
                                    GError                   **error);
gboolean  mp_service_run_cluster_remove (MpStore                   *store,
                                         MpPlugin                  *plugin,
                                         const MpServiceRunOptions *options,
                                         GError                   **error);
gboolean  mp_service_run_localnode (MpStore                   *store,
                                    MpPlugin                  *plugin,
                                    const MpServiceRunOptions *options,
                                    const char                *interface,
                                    GError                   **error);
gboolean  mp_service_run_endpoint  (MpStore                   *store,
                                    MpPlugin                  *plugin,
                                    const MpServiceRunOptions *options,
                                    const char                *address,
                                    const char                *starttls,
                                    gint                       probe_timeout,
                                    GError                   **error);
gboolean  mp_service_run_probe     (MpStore                   *store,
                                    MpPlugin                  *plugin,
                                    const MpServiceRunOptions *options,
                                    const char                *address,
                                    JsonNode                 **result,
                                    GError                   **error);
gboolean  mp_service_run_backend   (MpStore                   *store,
                                    MpPlugin                  *plugin,
                                    const MpServiceRunOptions *options,
                                    const char                *kind,
                                    const char * const        *step_commands,
                                    GError                   **error);
gboolean  mp_service_probe_check   (JsonNode                  *result,
                                    GError                   **error);
JsonNode *mp_service_status_to_json (MpStore   *store,
                                     MpPlugin  *plugin,
                                     GError   **error);
JsonNode *mp_service_cluster_status_to_json (MpStore   *store,
                                             MpPlugin  *plugin,
                                             GError   **error);
const char *mp_cluster_state_to_text (const char *state);
JsonNode *mp_check_to_json         (GPtrArray          *findings,
                                    const char * const *services);

G_END_DECLS
