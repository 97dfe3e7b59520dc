/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include <meetpki/mp-error.h>
#include <meetpki/plugin.h>

G_BEGIN_DECLS

/**
 * MpPlugin:
 *
 * One loaded service plugin.  Owned by its #MpPluginLoader; valid until the
 * loader is freed (the descriptor lives in the module).
 */
typedef struct _MpPlugin MpPlugin;

/**
 * MpPluginLoader:
 *
 * Loads every plugin of a directory, refusing any it cannot trust; see
 * doc/plugins.md for the rules.
 */
typedef struct _MpPluginLoader MpPluginLoader;

char            *mp_plugin_dir_default          (void);
MpPluginLoader  *mp_plugin_loader_new           (const char     *dir);
void             mp_plugin_loader_free          (MpPluginLoader *loader);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MpPluginLoader, mp_plugin_loader_free)
const char      *mp_plugin_loader_get_dir       (MpPluginLoader *loader);
gboolean         mp_plugin_loader_load          (MpPluginLoader *loader,
                                                 GError        **error);
GPtrArray       *mp_plugin_loader_get_plugins   (MpPluginLoader *loader);
MpPlugin        *mp_plugin_loader_lookup        (MpPluginLoader *loader,
                                                 const char     *name);
char            *mp_plugin_loader_suggest       (MpPluginLoader *loader,
                                                 const char     *name);

const char      *mp_plugin_get_name             (MpPlugin       *plugin);
const char      *mp_plugin_get_path             (MpPlugin       *plugin);
const MpPluginDescriptor *mp_plugin_get_descriptor (MpPlugin    *plugin);
const MpPluginRole *mp_plugin_find_role         (MpPlugin       *plugin,
                                                 const char     *role);

JsonNode        *mp_plugin_to_json              (MpPlugin       *plugin);
JsonNode        *mp_plugin_loader_to_json       (MpPluginLoader *loader);

gboolean         mp_plugin_descriptor_validate  (const MpPluginDescriptor *desc,
                                                 GError        **error);

/**
 * MpPluginCallFunc:
 * @desc: the plugin's descriptor
 * @user_data: what the caller passed to mp_plugin_run()
 * @error: return location for a #GError
 *
 * A call into plugin code, wrapped by mp_plugin_run().
 *
 * Returns: %TRUE on success
 */
typedef gboolean (*MpPluginCallFunc) (const MpPluginDescriptor *desc,
                                      gpointer                  user_data,
                                      GError                  **error);

gboolean         mp_plugin_run                  (MpPlugin        *plugin,
                                                 const char      *what,
                                                 MpError          code,
                                                 MpPluginCallFunc func,
                                                 gpointer         user_data,
                                                 GError         **error);
gboolean         mp_plugin_check_facts          (MpPlugin            *plugin,
                                                 const MpPluginFacts *facts,
                                                 GError             **error);

const char      *mp_node_fact_to_string         (MpNodeFact       fact);
const char      *mp_role_kind_to_string         (MpRoleKind       kind);
const char      *mp_san_rule_kind_to_string     (MpSanRuleKind    kind);
const char      *mp_plugin_step_kind_to_string  (MpPluginStepKind kind);
const char      *mp_cn_source_to_string         (MpCnSource       source);
const char      *mp_trust_kind_to_string        (MpTrustKind      kind);
const MpPluginTrustStore *mp_descriptor_find_trust_store (const MpPluginDescriptor *desc,
                                                        const char               *name);
char            *mp_key_usage_to_string         (guint32          key_usage,
                                                 guint32          ext_key_usage);

G_END_DECLS
