/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include <meetpki/mp-node.h>
#include <meetpki/mp-plugin.h>
#include <meetpki/mp-store.h>

G_BEGIN_DECLS

/**
 * MP_SERVICES_FILE:
 *
 * The store file holding the service configuration, a #GKeyFile with one
 * group per service (see doc/services.md).
 */
#define MP_SERVICES_FILE "services.conf"

/**
 * MP_SERVICES_DIR:
 *
 * The store directory under which each service's live files are placed
 * (`services/<name>/`).
 */
#define MP_SERVICES_DIR "services"

/**
 * MpBackendKind:
 * @MP_BACKEND_EMBEDDED: the local node, no daemons: the store records the
 *   state and holds the live files
 * @MP_BACKEND_EXEC: as embedded, and each step runs the command configured
 *   for it, with the live file paths in its environment
 *
 * How a service's steps act.
 */
typedef enum {
  MP_BACKEND_EMBEDDED,
  MP_BACKEND_EXEC,
} MpBackendKind;

const char *mp_backend_kind_to_string (MpBackendKind kind);
const char *mp_step_config_key        (MpPluginStepKind step);

/**
 * MpAppliedFile:
 * @role: the plugin role the file filled
 * @source: the store name (or path) the file was read from
 * @sha256: the SHA-256 of its contents when it was applied, in hex
 * @live: the live file's name under `services/<name>/`, or %NULL
 *
 * One file of a service's applied (or last known-good) set.
 */
typedef struct {
  char *role;
  char *source;
  char *sha256;
  char *live;
} MpAppliedFile;

void           mp_applied_file_free (MpAppliedFile *file);

/**
 * MpServiceConfig:
 *
 * The service configuration as read from the store.  Change it only while
 * holding the #MpServiceLock and save it with mp_service_config_save().
 */
typedef struct _MpServiceConfig MpServiceConfig;

MpServiceConfig *mp_service_config_load      (MpStore         *store,
                                              GError         **error);
void             mp_service_config_free      (MpServiceConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MpServiceConfig, mp_service_config_free)
gboolean         mp_service_config_save      (MpServiceConfig *config,
                                              GError         **error);
GStrv            mp_service_config_get_services (MpServiceConfig *config);
gboolean         mp_service_config_has_applied (MpServiceConfig *config,
                                                const char      *service);
gboolean         mp_service_config_get_enabled (MpServiceConfig *config,
                                                const char      *service);
void             mp_service_config_set_enabled (MpServiceConfig *config,
                                                const char      *service,
                                                gboolean         enabled);
MpBackendKind    mp_service_config_get_backend (MpServiceConfig *config,
                                                const char      *service);
gboolean         mp_service_check_step_commands (const MpPluginDescriptor *desc,
                                                 const char * const       *step_commands,
                                                 GError                  **error);
gboolean         mp_service_config_set_backend (MpServiceConfig    *config,
                                                const MpPluginDescriptor *desc,
                                                MpBackendKind       kind,
                                                const char * const *step_commands,
                                                GError            **error);
char            *mp_service_config_get_command (MpServiceConfig  *config,
                                                const char       *service,
                                                MpPluginStepKind  step);
char            *mp_service_config_get_string  (MpServiceConfig *config,
                                                const char      *service,
                                                const char      *key);
void             mp_service_config_set_string  (MpServiceConfig *config,
                                                const char      *service,
                                                const char      *key,
                                                const char      *value);
char            *mp_service_config_get_form    (MpServiceConfig *config,
                                                const char      *service);
GPtrArray       *mp_service_config_get_applied (MpServiceConfig *config,
                                                const char      *service,
                                                gboolean         last_good);
void             mp_service_config_set_applied (MpServiceConfig *config,
                                                const char      *service,
                                                const char      *form,
                                                GPtrArray       *files);
void             mp_service_config_set_good    (MpServiceConfig *config,
                                                const char      *service,
                                                const char      *form,
                                                GPtrArray       *files);
GStrv            mp_service_config_users_of    (MpServiceConfig *config,
                                                const char      *store_name);

/**
 * MpServiceLock:
 *
 * An exclusive flock on `.services.lock` in the store, a sibling of the
 * lock #MpStoreTxn takes, held for the whole of a command that changes the
 * service configuration.
 */
typedef struct _MpServiceLock MpServiceLock;

MpServiceLock   *mp_service_lock             (MpStore       *store,
                                              GError       **error);
void             mp_service_unlock           (MpServiceLock *lock);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MpServiceLock, mp_service_unlock)

gboolean         mp_service_check_name_free  (MpStore       *store,
                                              const char    *basename,
                                              GError       **error);
char            *mp_service_live_dir         (MpStore       *store,
                                              const char    *service);
char            *mp_sha256_hex               (GBytes        *data);

G_END_DECLS
