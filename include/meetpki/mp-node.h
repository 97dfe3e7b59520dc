/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include <meetpki/mp-store.h>
#include <meetpki/plugin.h>

G_BEGIN_DECLS

/**
 * MP_NODE_FACTS_FILE:
 *
 * The store file holding the node facts, a #GKeyFile with one group `[node]`.
 */
#define MP_NODE_FACTS_FILE "node.conf"

/**
 * MpNodeFacts:
 * @server_fqdn: (nullable): `server-fqdn`
 * @cluster_fqdn: (nullable): `cluster-fqdn`
 * @peers: (nullable): `peers`, the FQDNs of the cluster's nodes
 * @join_urls: (nullable): `join-urls`, the host names of the join URLs
 * @xmpp_domain: (nullable): `xmpp-domain`
 * @database_role: (nullable): `database-role`: "primary", "joined" or
 *   "connected"
 * @database_primary: (nullable): `database-primary`, an FQDN or IP address
 *
 * What `meetpki node set` records about this node; the plugins' name rules
 * are checked against it.  Unset facts are %NULL.
 */
typedef struct {
  char *server_fqdn;
  char *cluster_fqdn;
  GStrv peers;
  GStrv join_urls;
  char *xmpp_domain;
  char *database_role;
  char *database_primary;
} MpNodeFacts;

MpNodeFacts        *mp_node_facts_new        (void);
void                mp_node_facts_free       (MpNodeFacts *facts);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MpNodeFacts, mp_node_facts_free)
MpNodeFacts        *mp_node_facts_load       (MpStore     *store,
                                              GError     **error);
gboolean            mp_node_facts_set        (MpStore     *store,
                                              const char  *key,
                                              const char  *value,
                                              GError     **error);
gboolean            mp_node_facts_unset      (MpStore     *store,
                                              const char  *key,
                                              GError     **error);
const char * const *mp_node_fact_keys        (void);
gboolean            mp_node_fact_check_key   (const char  *key,
                                              GError     **error);
gboolean            mp_node_fact_validate    (const char  *key,
                                              const char  *value,
                                              GError     **error);
gboolean            mp_node_fact_is_list     (const char  *key);
gboolean            mp_node_facts_is_clustered (const MpNodeFacts *facts);
void                mp_node_facts_to_plugin  (const MpNodeFacts *facts,
                                              MpPluginFacts     *out);
JsonNode           *mp_node_facts_to_json    (const MpNodeFacts *facts);

G_END_DECLS
