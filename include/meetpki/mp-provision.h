/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include <meetpki/mp-apply.h>
#include <meetpki/mp-plugin.h>
#include <meetpki/mp-store.h>

G_BEGIN_DECLS

/**
 * MpProfile:
 *
 * A provisioning profile (a #GKeyFile, see doc/services.md): the node
 * facts, where the CA comes from, and which services to provision.
 */
typedef struct _MpProfile MpProfile;

MpProfile *mp_profile_load (const char *path,
                            GError    **error);
void       mp_profile_free (MpProfile  *profile);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MpProfile, mp_profile_free)

/**
 * MpProvisionOptions:
 * @dry_run: print what would be done, change nothing
 * @key_type: (nullable): overrides the profile's key type
 * @log: (nullable): receives each line
 * @user_data: for @log
 *
 * How mp_provision() runs.
 */
typedef struct {
  gboolean dry_run;
  const char *key_type;
  MpLogFunc log;
  gpointer user_data;
} MpProvisionOptions;

gboolean   mp_provision    (MpStore                  *store,
                            MpPluginLoader           *loader,
                            MpProfile                *profile,
                            const MpProvisionOptions *options,
                            guint                    *n_warnings,
                            GError                  **error);

G_END_DECLS
