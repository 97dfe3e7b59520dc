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

/**
 * MpProfileCaFile:
 * @MP_PROFILE_CA_KEY: `[ca] key=`
 * @MP_PROFILE_CA_CERT: `[ca] cert=`
 * @MP_PROFILE_CA_BUNDLE: `[ca] bundle=` (optional)
 * @MP_PROFILE_CA_N_FILES: how many
 *
 * The files of an existing CA (`[ca] mode=existing`), outside the store.
 */
typedef enum {
  MP_PROFILE_CA_KEY,
  MP_PROFILE_CA_CERT,
  MP_PROFILE_CA_BUNDLE,
  MP_PROFILE_CA_N_FILES
} MpProfileCaFile;

MpProfile  *mp_profile_load          (const char      *path,
                                      GError         **error);
MpProfile  *mp_profile_new_from_data (const char      *data,
                                      gsize            len,
                                      const char      *path,
                                      GError         **error);
void        mp_profile_free          (MpProfile       *profile);
GBytes     *mp_profile_get_text      (MpProfile       *profile);
const char *mp_profile_get_path      (MpProfile       *profile);
char       *mp_profile_get_ca_path   (MpProfile       *profile,
                                      MpProfileCaFile  file);
gboolean    mp_profile_open_ca_files (MpProfile       *profile,
                                      GError         **error);
void        mp_profile_set_ca_fd     (MpProfile       *profile,
                                      MpProfileCaFile  file,
                                      int              fd);
int         mp_profile_get_ca_fd     (MpProfile       *profile,
                                      MpProfileCaFile  file);
const char *mp_profile_ca_fd_option  (MpProfileCaFile  file);
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
