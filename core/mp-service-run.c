/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * one `<service> <verb>` command, whoever asks: the cli and the d-bus
 * daemon call these, so the lock, the validation, the steps, the probe and
 * the rollback are the same code for both.  every line goes to the
 * caller's log function, in the words the cli prints.
 */
#include "config.h"

#include "mp-private.h"
#include "mp-service-private.h"
#include "meetpki/meetpki.h"
#include "meetpki/mp-service-run.h"

typedef struct {
  MpServiceLock *lock;
  MpServiceConfig *config;
  MpNodeFacts *facts;
  MpApplyContext ctx;
} Run;

static void
run_clear (Run *r)
{
  g_clear_pointer (&r->config, mp_service_config_free);
  g_clear_pointer (&r->facts, mp_node_facts_free);
  g_clear_pointer (&r->lock, mp_service_unlock);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

void
mp_service_say (const MpServiceRunOptions *o, MpLineKind kind, const char *fmt, ...)
{
  g_autofree char *text = NULL;
  va_list ap;

  if (o->log == NULL)
    return;
  va_start (ap, fmt);
  text = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  o->log (kind, text, o->user_data);
}

/**
 * mp_plugin_is_cluster_service:
 * @desc: a service
 *
 * Returns: %TRUE when the service's files go through `cluster certs` and
 *   its sequence has the cluster steps (the database)
 */
gboolean
mp_plugin_is_cluster_service (const MpPluginDescriptor *desc)
{
  for (guint32 i = 0; i < desc->n_sequence; i++)
    {
      if (desc->sequence[i] == MP_STEP_CLUSTER_REMOVE || desc->sequence[i] == MP_STEP_CLUSTER_INIT_JOIN_CONNECT)
        return TRUE;
    }
  return FALSE;
}

/* lock (unless only reading or a dry run), configuration and facts */
static gboolean
run_begin (MpStore *store, MpPlugin *plugin, const MpServiceRunOptions *o, Run *r, gboolean locked, GError **error)
{
  if (locked && !o->dry_run)
    {
      r->lock = mp_service_lock (store, error);
      if (r->lock == NULL)
        return FALSE;
    }
  r->config = mp_service_config_load (store, error);
  if (r->config == NULL)
    return FALSE;
  r->facts = mp_node_facts_load (store, error);
  if (r->facts == NULL)
    return FALSE;
  r->ctx.store = store;
  r->ctx.plugin = plugin;
  r->ctx.config = r->config;
  r->ctx.facts = r->facts;
  r->ctx.dry_run = o->dry_run;
  r->ctx.assume_yes = o->assume_yes;
  r->ctx.confirm = o->confirm;
  r->ctx.log = o->log;
  r->ctx.report = o->report;
  r->ctx.user_data = o->user_data;
  return TRUE;
}

static gboolean
require_cluster (MpPlugin *plugin, GError **error)
{
  if (!mp_plugin_is_cluster_service (mp_plugin_get_descriptor (plugin)))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "%s is not a cluster service", mp_plugin_get_name (plugin));
      return FALSE;
    }
  return TRUE;
}

/* logs a validation's lines; %NULL (a FAILURE) when any check failed */
static MpValidation *
report_validation (const MpPluginDescriptor *desc, const MpServiceRunOptions *o, MpValidation *validation,
                   GError **error)
{
  g_autoptr(MpValidation) v = validation;

  for (guint i = 0; i < v->lines->len; i++)
    {
      MpLine *l = g_ptr_array_index (v->lines, i);
      if (o->log != NULL)
        o->log (l->kind, l->text, o->user_data);
    }
  if (v->n_failures > 0)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_VERIFY_FAILED, "the %s certificates: %u check%s failed; nothing was changed",
                   desc->name, v->n_failures, v->n_failures == 1 ? "" : "s");
      return NULL;
    }
  return g_steal_pointer (&v);
}

static MpValidation *
validate_files (MpStore *store, MpPlugin *plugin, const MpServiceRunOptions *o, Run *r, const char * const *files,
                guint n_files, GError **error)
{
  const MpPluginDescriptor *desc = mp_plugin_get_descriptor (plugin);
  g_autoptr(MpValidation) v = NULL;

  /* the daemon reads inside its store only: no path, no link out of it */
  for (guint i = 0; o->store_names_only && i < n_files; i++)
    {
      g_autofree char *path = mp_store_resolve_existing (store, files[i], error);
      if (path == NULL)
        return NULL;
    }
  v = mp_validation_new_for_args (desc, store, files, n_files, error);
  if (v == NULL)
    return NULL;
  mp_validation_run (v, desc, r->facts, o->warn_days >= 0 ? (guint) o->warn_days : MP_APPLY_DEFAULT_WARN_DAYS);
  return report_validation (desc, o, g_steal_pointer (&v), error);
}

/**
 * mp_service_run_csr:
 * @store: the store
 * @plugin: the service
 * @options: how to run; @options->key_type and @options->force count
 * @basename: the name of the key and request (a plugin that declares two,
 *   such as the database, adds its suffixes)
 * @error: return location for a #GError
 *
 * `<service> csr`: a key and a CSR per request the plugin declares, whose
 * CN and SAN follow the service's rules from the node facts.  Every name
 * and subject is checked before the first key is made.
 *
 * Returns: %TRUE on success
 */
gboolean
mp_service_run_csr (MpStore *store, MpPlugin *plugin, const MpServiceRunOptions *o, const char *basename,
                    GError **error)
{
  const MpPluginDescriptor *desc = mp_plugin_get_descriptor (plugin);
  g_autoptr(GPtrArray) subjects = g_ptr_array_new_with_free_func ((GDestroyNotify) mp_subject_free);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(MpNodeFacts) facts = NULL;
  MpPluginFacts pf;
  MpKeySpec spec;

  if (desc->n_csrs == 0)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                   "the %s service declares no certificate request", desc->name);
      return FALSE;
    }
  if (!mp_key_spec_parse (o->key_type, &spec, error))
    return FALSE;
  facts = mp_node_facts_load (store, error);
  if (facts == NULL)
    return FALSE;
  mp_node_facts_to_plugin (facts, &pf);
  if (!mp_plugin_check_facts (plugin, &pf, error))
    return FALSE;

  /* every name and subject first, so a database pair is made whole or not
   * at all */
  for (guint32 i = 0; i < desc->n_csrs; i++)
    {
      g_autofree char *name = g_strconcat (basename, desc->csrs[i].suffix, NULL);
      g_autofree char *key = g_strconcat (name, ".key", NULL);
      g_autofree char *csr = g_strconcat (name, ".csr", NULL);
      MpSubject *subject;

      if (!mp_pki_validate_basename (name, error))
        return FALSE;
      if (!o->force && (mp_store_contains (store, key) || mp_store_contains (store, csr)))
        {
          g_set_error (error, MP_ERROR, MP_ERROR_EXISTS,
                       "%s already exists; choose a new basename (or --force to replace it)",
                       mp_store_contains (store, key) ? key : csr);
          return FALSE;
        }
      subject = mp_rules_subject_for_csr (desc, &desc->csrs[i], facts, error);
      if (subject == NULL)
        {
          g_prefix_error (error, "%s csr: ", desc->name);
          return FALSE;
        }
      g_ptr_array_add (subjects, subject);
      g_ptr_array_add (names, g_steal_pointer (&name));
    }
  for (guint i = 0; i < subjects->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      const MpSubject *subject = g_ptr_array_index (subjects, i);
      g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GPtrArray) sans = g_ptr_array_new ();
      g_autofree char *san_text = NULL;

      if (!mp_pki_csr (store, name, subject, &spec, o->force ? MP_PKI_FORCE : MP_PKI_NONE, notes, error))
        return FALSE;
      for (guint k = 0; k < subject->sans->len; k++)
        g_ptr_array_add (sans, ((MpSan *) g_ptr_array_index (subject->sans, k))->value);
      g_ptr_array_add (sans, NULL);
      for (guint k = 0; k < notes->len; k++)
        mp_service_say (o, MP_LINE_NOTE, "%s", (const char *) g_ptr_array_index (notes, k));
      san_text = g_strjoinv (",", (char **) sans->pdata);
      mp_service_say (o, MP_LINE_NOTE, "%s: CN:%s subjectAltName:%s", name, subject->cn, san_text);
      mp_service_say (o, MP_LINE_NOTE, "Created key file %s.key and CSR %s.csr", name, name);
      mp_service_say (o, MP_LINE_NOTE, "CSR file %s.csr ready for download", name);
    }
  return TRUE;
}

/**
 * mp_service_run_certs:
 * @store: the store
 * @plugin: the service
 * @options: how to run
 * @cluster: %TRUE for `database cluster certs`, %FALSE for `<service> certs`
 * @files: the files in one of the service's forms (key, cert, bundle...)
 * @n_files: their number
 * @error: return location for a #GError
 *
 * Validates the files (pair, chain, names, expiry) and places them as the
 * service's live files, probing a running service and rolling back when
 * the probe fails.  A failed check changes nothing (%MP_ERROR_VERIFY_FAILED).
 *
 * Returns: %TRUE on success
 */
gboolean
mp_service_run_certs (MpStore *store, MpPlugin *plugin, const MpServiceRunOptions *o, gboolean cluster,
                      const char * const *files, guint n_files, GError **error)
{
  const MpPluginDescriptor *desc = mp_plugin_get_descriptor (plugin);
  const MpPluginStepKind step = MP_STEP_CERTS;
  g_auto(Run) r = { 0 };
  g_autoptr(MpValidation) v = NULL;

  if (!cluster && mp_plugin_is_cluster_service (desc))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                   "the %s certificates go through 'meetpki %s cluster certs'", desc->name, desc->name);
      return FALSE;
    }
  if (cluster && !mp_plugin_is_cluster_service (desc))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                   "%s is not a cluster service; use 'meetpki %s certs'", desc->name, desc->name);
      return FALSE;
    }
  if (!run_begin (store, plugin, o, &r, TRUE, error))
    return FALSE;
  v = validate_files (store, plugin, o, &r, files, n_files, error);
  if (v == NULL)
    return FALSE;
  return mp_apply_steps_probed (&r.ctx, &step, 1, v, error);
}

/**
 * mp_service_run_apply:
 * @store: the store
 * @plugin: the service
 * @options: how to run
 * @files: the files, as for mp_service_run_certs()
 * @n_files: their number
 * @error: return location for a #GError
 *
 * Validates the files, then runs the service's whole apply sequence (e.g.
 * disable, certs, enable), probes, and rolls back on failure.
 *
 * Returns: %TRUE on success
 */
gboolean
mp_service_run_apply (MpStore *store, MpPlugin *plugin, const MpServiceRunOptions *o, const char * const *files,
                      guint n_files, GError **error)
{
  const MpPluginDescriptor *desc = mp_plugin_get_descriptor (plugin);
  g_auto(Run) r = { 0 };
  g_autoptr(MpValidation) v = NULL;
  g_autoptr(GString) seq = g_string_new (NULL);

  if (!run_begin (store, plugin, o, &r, TRUE, error))
    return FALSE;
  v = validate_files (store, plugin, o, &r, files, n_files, error);
  if (v == NULL)
    return FALSE;
  for (guint32 i = 0; i < desc->n_sequence; i++)
    g_string_append_printf (seq, "%s%s", i > 0 ? " -> " : "", mp_plugin_step_kind_to_string (desc->sequence[i]));
  mp_service_say (o, MP_LINE_NOTE, "%s apply sequence: %s", desc->name, seq->str);
  return mp_apply_steps_probed (&r.ctx, NULL, 0, v, error);
}

/**
 * mp_service_run_rollback:
 *
 * The last known-good set, applied again through the whole sequence; its
 * files must still be what they were when they were applied.
 *
 * Returns: %TRUE on success
 */
gboolean
mp_service_run_rollback (MpStore *store, MpPlugin *plugin, const MpServiceRunOptions *o, GError **error)
{
  const MpPluginDescriptor *desc = mp_plugin_get_descriptor (plugin);
  g_auto(Run) r = { 0 };
  g_autoptr(GPtrArray) good = NULL;
  g_autoptr(MpValidation) v = NULL;

  if (!run_begin (store, plugin, o, &r, TRUE, error))
    return FALSE;
  good = mp_service_config_get_applied (r.config, desc->name, TRUE);
  if (good->len == 0)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_NOT_FOUND,
                   "%s has no last known-good set (it is recorded when new files replace applied ones)", desc->name);
      return FALSE;
    }
  mp_service_say (o, MP_LINE_NOTE, "%s: rolling back to the last known-good files", desc->name);
  v = mp_validation_new_for_set (desc, store, good, r.facts, error);
  if (v == NULL || (v = report_validation (desc, o, g_steal_pointer (&v), error)) == NULL)
    return FALSE;
  return mp_apply_sequence (&r.ctx, v, error);
}

/**
 * mp_service_run_step:
 * @store: the store
 * @plugin: the service
 * @options: how to run
 * @step: %MP_STEP_ENABLE, %MP_STEP_DISABLE or %MP_STEP_RESTART
 * @error: return location for a #GError
 *
 * `<service> enable|disable|restart`.  Enable and restart check the live
 * files, probe a running service and roll back on failure.
 *
 * Returns: %TRUE on success
 */
gboolean
mp_service_run_step (MpStore *store, MpPlugin *plugin, const MpServiceRunOptions *o, MpPluginStepKind step,
                     GError **error)
{
  g_auto(Run) r = { 0 };

  if (step != MP_STEP_ENABLE && step != MP_STEP_DISABLE && step != MP_STEP_RESTART)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "%s is not enable, disable or restart",
                   mp_plugin_step_kind_to_string (step));
      return FALSE;
    }
  if (!run_begin (store, plugin, o, &r, TRUE, error))
    return FALSE;
  if (step == MP_STEP_DISABLE)
    return mp_apply_step (&r.ctx, step, NULL, error);
  return mp_apply_steps_probed (&r.ctx, &step, 1, NULL, error);
}

/**
 * mp_service_run_cluster:
 * @store: the store
 * @plugin: a cluster service
 * @options: how to run
 * @verb: "initialize", "join" or "connect"
 * @primary: (nullable): the primary, for join and connect
 * @error: return location for a #GError
 *
 * `database cluster initialize|join <primary>|connect <primary>`.
 *
 * Returns: %TRUE on success
 */
gboolean
mp_service_run_cluster (MpStore *store, MpPlugin *plugin, const MpServiceRunOptions *o, const char *verb,
                        const char *primary, GError **error)
{
  g_auto(Run) r = { 0 };
  gboolean wants_primary = g_strcmp0 (verb, "join") == 0 || g_strcmp0 (verb, "connect") == 0;

  if (!require_cluster (plugin, error))
    return FALSE;
  if (!wants_primary && g_strcmp0 (verb, "initialize") != 0)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                   "unknown cluster verb '%s'; use initialize, join or connect", verb != NULL ? verb : "");
      return FALSE;
    }
  if (primary != NULL && *primary == '\0')
    primary = NULL;
  if (wants_primary && primary == NULL)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "cluster %s needs the primary's name", verb);
      return FALSE;
    }
  if (!wants_primary && primary != NULL)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "cluster initialize takes no primary");
      return FALSE;
    }
  /* recorded as the node fact database-primary is, and handed to the exec
   * backend's commands: a host name or an IP address, as that fact is */
  if (primary != NULL && !mp_node_fact_validate ("database-primary", primary, error))
    {
      g_prefix_error (error, "cluster %s: ", verb);
      return FALSE;
    }
  if (!run_begin (store, plugin, o, &r, TRUE, error))
    return FALSE;
  /* the primary is another node: this one would join (or connect to) itself */
  if (primary != NULL && r.facts->server_fqdn != NULL && g_ascii_strcasecmp (primary, r.facts->server_fqdn) == 0)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                   "cluster %s: %s is this node (server-fqdn); the primary itself runs "
                   "'database cluster initialize'", verb, primary);
      return FALSE;
    }
  r.ctx.cluster_verb = verb;
  r.ctx.cluster_primary = primary;
  return mp_apply_step (&r.ctx, MP_STEP_CLUSTER_INIT_JOIN_CONNECT, NULL, error);
}

/**
 * mp_service_run_cluster_remove:
 *
 * `database cluster remove`: asks @options->confirm unless
 * @options->assume_yes; without either it refuses.
 *
 * Returns: %TRUE on success
 */
gboolean
mp_service_run_cluster_remove (MpStore *store, MpPlugin *plugin, const MpServiceRunOptions *o, GError **error)
{
  g_auto(Run) r = { 0 };

  if (!require_cluster (plugin, error) || !run_begin (store, plugin, o, &r, TRUE, error))
    return FALSE;
  return mp_apply_step (&r.ctx, MP_STEP_CLUSTER_REMOVE, NULL, error);
}

/**
 * mp_service_run_localnode:
 *
 * `database cluster localnode <interface>`: records the interface.
 *
 * Returns: %TRUE on success
 */
gboolean
mp_service_run_localnode (MpStore *store, MpPlugin *plugin, const MpServiceRunOptions *o, const char *interface,
                          GError **error)
{
  const char *name = mp_plugin_get_name (plugin);
  g_auto(Run) r = { 0 };

  if (!require_cluster (plugin, error))
    return FALSE;
  if (!g_regex_match_simple ("^[A-Za-z0-9_-]{1,15}$", interface, 0, 0))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "'%s' is not an interface name (a, b, eth0...)", interface);
      return FALSE;
    }
  if (o->dry_run)
    {
      mp_service_say (o, MP_LINE_NOTE, "would run: %s cluster localnode %s", name, interface);
      return TRUE;
    }
  if (!run_begin (store, plugin, o, &r, TRUE, error))
    return FALSE;
  mp_service_config_set_string (r.config, name, "localnode", interface);
  if (!mp_service_config_save (r.config, error))
    return FALSE;
  mp_service_say (o, MP_LINE_NOTE, "%s cluster uses interface %s on this node", name, interface);
  return TRUE;
}

/**
 * mp_cluster_state_to_text:
 * @state: (nullable): the recorded cluster state
 *
 * Returns: (transfer none): the vendor's words for it ("Connected Primary")
 */
const char *
mp_cluster_state_to_text (const char *state)
{
  if (g_strcmp0 (state, "primary") == 0)
    return "Connected Primary";
  if (g_strcmp0 (state, "joined") == 0)
    return "Connected Replica";
  if (g_strcmp0 (state, "connected") == 0)
    return "Connected (client only)";
  return "Not in a database cluster";
}

void
mp_json_add_string_or_null (JsonBuilder *b, const char *member, const char *value)
{
  json_builder_set_member_name (b, member);
  if (value != NULL)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

/**
 * mp_service_cluster_status_to_json:
 *
 * Returns: (transfer full): what `database cluster status --json` prints;
 *   %NULL on error, and for a service that is no cluster service (its
 *   configuration group has no cluster state to report)
 */
JsonNode *
mp_service_cluster_status_to_json (MpStore *store, MpPlugin *plugin, GError **error)
{
  const char *name = mp_plugin_get_name (plugin);
  const MpServiceRunOptions o = { 0 };
  g_auto(Run) r = { 0 };
  g_autofree char *state = NULL;
  g_autofree char *primary = NULL;
  g_autofree char *localnode = NULL;
  g_autofree char *form = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();

  if (!require_cluster (plugin, error) || !run_begin (store, plugin, &o, &r, FALSE, error))
    return NULL;
  state = mp_service_config_get_string (r.config, name, "cluster-state");
  primary = mp_service_config_get_string (r.config, name, "cluster-primary");
  localnode = mp_service_config_get_string (r.config, name, "localnode");
  form = mp_service_config_get_form (r.config, name);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "status");
  json_builder_add_string_value (b, mp_cluster_state_to_text (state));
  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, state != NULL ? state : "none");
  if (g_strcmp0 (state, "primary") == 0)
    mp_json_add_string_or_null (b, "primary", r.facts->server_fqdn != NULL ? r.facts->server_fqdn : "this node");
  else
    mp_json_add_string_or_null (b, "primary", primary);
  mp_json_add_string_or_null (b, "localnode", localnode);
  json_builder_set_member_name (b, "certificates");
  json_builder_add_string_value (b, form != NULL ? form : "none");
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/**
 * mp_service_status_to_json:
 * @store: the store
 * @plugin: the service
 * @error: return location for a #GError
 *
 * Returns: (transfer full): what `<service> status --json` prints: state,
 *   backend, live directory, the time of the last apply ("applied-at"),
 *   the exec backend's commands by step ("exec"), endpoint, the applied
 *   and last known-good sets; %NULL when the configuration cannot be read
 */
JsonNode *
mp_service_status_to_json (MpStore *store, MpPlugin *plugin, GError **error)
{
  const char *name = mp_plugin_get_name (plugin);
  const MpServiceRunOptions o = { 0 };
  g_auto(Run) r = { 0 };
  g_autoptr(GPtrArray) applied = NULL;
  g_autoptr(GPtrArray) good = NULL;
  g_autofree char *dir = NULL;
  g_autoptr(MpEndpoint) ep = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  GPtrArray *sets[2];
  const char *set_names[] = { "applied", "last-good" };

  if (!run_begin (store, plugin, &o, &r, FALSE, error))
    return NULL;
  applied = mp_service_config_get_applied (r.config, name, FALSE);
  good = mp_service_config_get_applied (r.config, name, TRUE);
  dir = mp_service_live_dir (store, name);
  ep = mp_service_config_get_endpoint (r.config, name);
  sets[0] = applied;
  sets[1] = good;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "service");
  json_builder_add_string_value (b, name);
  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, mp_service_config_get_enabled (r.config, name) ? "enabled" : "disabled");
  json_builder_set_member_name (b, "backend");
  json_builder_add_string_value (b, mp_backend_kind_to_string (mp_service_config_get_backend (r.config, name)));
  json_builder_set_member_name (b, "live-dir");
  json_builder_add_string_value (b, dir);
  {
    g_autofree char *at = mp_service_config_get_string (r.config, name, "applied-at");
    mp_json_add_string_or_null (b, "applied-at", at);
  }
  /* the exec backend's commands, by step (empty for the embedded one) */
  json_builder_set_member_name (b, "exec");
  json_builder_begin_object (b);
  if (mp_service_config_get_backend (r.config, name) == MP_BACKEND_EXEC)
    {
      for (guint step = MP_STEP_DISABLE; step <= MP_STEP_CLUSTER_INIT_JOIN_CONNECT; step++)
        {
          g_autofree char *cmd = mp_service_config_get_command (r.config, name, step);
          if (cmd != NULL)
            {
              json_builder_set_member_name (b, mp_step_config_key (step));
              json_builder_add_string_value (b, cmd);
            }
        }
    }
  json_builder_end_object (b);
  json_builder_set_member_name (b, "endpoint");
  if (ep != NULL)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "address");
      json_builder_add_string_value (b, ep->address);
      json_builder_set_member_name (b, "starttls");
      json_builder_add_string_value (b, mp_starttls_to_string (ep->starttls));
      json_builder_set_member_name (b, "probe-timeout");
      json_builder_add_int_value (b, ep->timeout);
      json_builder_end_object (b);
    }
  else
    json_builder_add_null_value (b);
  for (guint s = 0; s < G_N_ELEMENTS (sets); s++)
    {
      json_builder_set_member_name (b, set_names[s]);
      json_builder_begin_array (b);
      for (guint i = 0; i < sets[s]->len; i++)
        {
          MpAppliedFile *f = g_ptr_array_index (sets[s], i);
          json_builder_begin_object (b);
          mp_json_add_string_or_null (b, "role", f->role);
          mp_json_add_string_or_null (b, "file", f->source);
          mp_json_add_string_or_null (b, "sha256", f->sha256);
          mp_json_add_string_or_null (b, "live", f->live);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
    }
  mp_trust_status_to_json (b, r.config, mp_plugin_get_descriptor (plugin));
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/**
 * mp_check_to_json:
 * @findings: (element-type MpCheckFinding): what mp_check_services() found
 * @services: the services it checked
 *
 * Returns: (transfer full): what `check --json` prints: "services",
 *   "findings" (service, severity "error" or "warning", message), "errors"
 *   and "warnings"
 */
JsonNode *
mp_check_to_json (GPtrArray *findings, const char * const *services)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  guint n_errors = 0, n_warnings = 0;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "services");
  json_builder_begin_array (b);
  for (guint i = 0; services != NULL && services[i] != NULL; i++)
    json_builder_add_string_value (b, services[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "findings");
  json_builder_begin_array (b);
  for (guint i = 0; i < findings->len; i++)
    {
      MpCheckFinding *f = g_ptr_array_index (findings, i);
      n_errors += f->kind == MP_LINE_FAILURE;
      n_warnings += f->kind == MP_LINE_WARNING;
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "service");
      json_builder_add_string_value (b, f->service);
      json_builder_set_member_name (b, "severity");
      json_builder_add_string_value (b, f->kind == MP_LINE_FAILURE ? "error" : "warning");
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, f->message);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "errors");
  json_builder_add_int_value (b, n_errors);
  json_builder_set_member_name (b, "warnings");
  json_builder_add_int_value (b, n_warnings);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/**
 * mp_service_run_endpoint:
 * @store: the store
 * @plugin: the service
 * @options: how to run; @options->dry_run counts
 * @address: "host:port", or "none" to forget the endpoint
 * @starttls: (nullable): "none", "xmpp" or "postgres"; %NULL: none
 * @probe_timeout: seconds (1-600), or -1 for the default
 * @error: return location for a #GError
 *
 * `<service> endpoint <host:port> | none`: records where the service's
 * daemon serves TLS, for the probe.  Logs one line.
 *
 * Returns: %TRUE on success
 */
gboolean
mp_service_run_endpoint (MpStore *store, MpPlugin *plugin, const MpServiceRunOptions *o, const char *address,
                         const char *starttls, gint probe_timeout, GError **error)
{
  const char *name = mp_plugin_get_name (plugin);
  gboolean none = g_strcmp0 (address, "none") == 0;
  g_autoptr(MpEndpoint) ep = NULL;
  g_autoptr(MpServiceLock) lock = NULL;
  g_autoptr(MpServiceConfig) config = NULL;

  if (address == NULL || *address == '\0')
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "%s endpoint: no address given (host:port or none)", name);
      return FALSE;
    }
  if (none && (starttls != NULL || probe_timeout != -1))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                   "'%s endpoint none' takes no --starttls or --probe-timeout", name);
      return FALSE;
    }
  if (!none)
    {
      ep = g_new0 (MpEndpoint, 1);
      ep->address = g_strdup (address);
      ep->timeout = MP_PROBE_DEFAULT_TIMEOUT;
      if (!mp_endpoint_check_address (address, error))
        return FALSE;
      if (starttls != NULL && !mp_starttls_from_string (starttls, &ep->starttls, error))
        return FALSE;
      if (probe_timeout != -1)
        {
          if (probe_timeout < 1 || probe_timeout > 600)
            {
              g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                           "--probe-timeout %d is out of range (1-600 seconds)", probe_timeout);
              return FALSE;
            }
          ep->timeout = (guint) probe_timeout;
        }
    }
  if (!o->dry_run && (lock = mp_service_lock (store, error)) == NULL)
    return FALSE;
  config = mp_service_config_load (store, error);
  if (config == NULL || !mp_service_config_set_endpoint (config, name, ep, error))
    return FALSE;
  if (!o->dry_run && !mp_service_config_save (config, error))
    return FALSE;
  if (ep == NULL)
    mp_service_say (o, MP_LINE_NOTE, "%s%s endpoint: none", o->dry_run ? "would set the " : "", name);
  else
    mp_service_say (o, MP_LINE_NOTE, "%s%s endpoint: %s (starttls %s, probe timeout %u s)", o->dry_run ? "would set the " : "",
         name, ep->address, mp_starttls_to_string (ep->starttls), ep->timeout);
  return TRUE;
}

static JsonNode *
probe_to_json (const char *name, const MpProbe *p)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "service");
  json_builder_add_string_value (b, name);
  json_builder_set_member_name (b, "endpoint");
  json_builder_add_string_value (b, p->address);
  json_builder_set_member_name (b, "served-sha256");
  json_builder_add_string_value (b, p->served_sha256);
  json_builder_set_member_name (b, "served-certificates");
  json_builder_add_int_value (b, p->served->len);
  json_builder_set_member_name (b, "ok");
  json_builder_add_boolean_value (b, p->n_failures == 0);
  json_builder_set_member_name (b, "lines");
  json_builder_begin_array (b);
  for (guint i = 0; i < p->lines->len; i++)
    {
      const MpLine *l = g_ptr_array_index (p->lines, i);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "kind");
      json_builder_add_string_value (b, mp_line_kind_to_string (l->kind));
      json_builder_set_member_name (b, "text");
      json_builder_add_string_value (b, l->text);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/**
 * mp_service_run_probe:
 * @store: the store
 * @plugin: the service
 * @options: how to run (only @options->log counts)
 * @address: (nullable): "host:port" to probe instead of the configured
 *   endpoint's address (keeping its STARTTLS preamble and timeout)
 * @result: (out) (transfer full): what `<service> probe --json` prints,
 *   set whenever the probe connected, its checks passed or not
 * @error: return location for a #GError
 *
 * `<service> probe [<host:port>]`: connects to the endpoint and checks
 * what it serves against the applied files.  Logs "<service>: probed ..."
 * and each check's line.  Checks that fail are not an error here: "ok" of
 * @result is %FALSE, and mp_service_probe_check() turns that into one.
 *
 * Returns: %TRUE when the probe ran; %FALSE with no endpoint, a bad
 *   address or %MP_ERROR_CONNECT_FAILED
 */
gboolean
mp_service_run_probe (MpStore *store, MpPlugin *plugin, const MpServiceRunOptions *o, const char *address,
                      JsonNode **result, GError **error)
{
  const char *name = mp_plugin_get_name (plugin);
  const MpPluginDescriptor *desc = mp_plugin_get_descriptor (plugin);
  g_auto(Run) r = { 0 };
  g_autoptr(MpEndpoint) ep = NULL;
  g_autoptr(MpProbe) p = NULL;

  *result = NULL;
  if (address != NULL && *address == '\0')
    address = NULL;
  if (address != NULL && !mp_endpoint_check_address (address, error))
    return FALSE;
  if (!run_begin (store, plugin, o, &r, FALSE, error))
    return FALSE;
  ep = mp_service_config_get_endpoint (r.config, name);
  if (address != NULL)
    {
      /* a typed address keeps the configured preamble and timeout */
      if (ep == NULL)
        {
          ep = g_new0 (MpEndpoint, 1);
          ep->timeout = MP_PROBE_DEFAULT_TIMEOUT;
        }
      g_free (ep->address);
      ep->address = g_strdup (address);
    }
  if (ep == NULL)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_NOT_FOUND,
                   "%s has no endpoint; run 'meetpki %s endpoint <host:port>' or name one", name, name);
      return FALSE;
    }
  p = mp_probe_service (desc, store, r.config, r.facts, ep, error);
  if (p == NULL)
    {
      g_prefix_error (error, "%s probe: ", name);
      return FALSE;
    }
  mp_service_say (o, MP_LINE_NOTE, "%s: probed %s (starttls %s): served SHA-256 %s", name, p->address,
       mp_starttls_to_string (ep->starttls), p->served_sha256);
  for (guint i = 0; i < p->lines->len; i++)
    {
      const MpLine *l = g_ptr_array_index (p->lines, i);
      if (o->log != NULL)
        o->log (l->kind, l->text, o->user_data);
    }
  *result = probe_to_json (name, p);
  return TRUE;
}

/**
 * mp_service_probe_check:
 * @result: what mp_service_run_probe() returned
 * @error: return location for a #GError
 *
 * Returns: %TRUE when every check of the probe passed; otherwise %FALSE
 *   with %MP_ERROR_PROBE_FAILED naming the number of failed checks
 */
gboolean
mp_service_probe_check (JsonNode *result, GError **error)
{
  JsonObject *obj = JSON_NODE_HOLDS_OBJECT (result) ? json_node_get_object (result) : NULL;
  JsonArray *lines;
  guint n_failures = 0;

  if (obj == NULL || !json_object_has_member (obj, "ok") || !json_object_has_member (obj, "lines"))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_FAILED, "a probe result without \"ok\" or \"lines\"");
      return FALSE;
    }
  if (json_object_get_boolean_member (obj, "ok"))
    return TRUE;
  lines = json_object_get_array_member (obj, "lines");
  for (guint i = 0; lines != NULL && i < json_array_get_length (lines); i++)
    {
      JsonObject *l = json_array_get_object_element (lines, i);
      if (l != NULL && g_strcmp0 (json_object_get_string_member_with_default (l, "kind", ""),
                                  mp_line_kind_to_string (MP_LINE_FAILURE)) == 0)
        n_failures++;
    }
  g_set_error (error, MP_ERROR, MP_ERROR_PROBE_FAILED, "%s probe: %u check%s failed at %s",
               json_object_get_string_member_with_default (obj, "service", "?"), n_failures,
               n_failures == 1 ? "" : "s", json_object_get_string_member_with_default (obj, "endpoint", "?"));
  return FALSE;
}

/**
 * mp_service_run_backend:
 * @store: the store
 * @plugin: the service
 * @options: how to run; @options->dry_run counts
 * @kind: "embedded" or "exec"
 * @step_commands: (array zero-terminated=1) (nullable): for exec, the
 *   "<step>=<command>" pairs
 * @error: return location for a #GError
 *
 * `<service> backend embedded | exec <step>=<command>...`: records how the
 * service's steps run.  Logs one line.
 *
 * Returns: %TRUE on success
 */
gboolean
mp_service_run_backend (MpStore *store, MpPlugin *plugin, const MpServiceRunOptions *o, const char *kind,
                        const char * const *step_commands, GError **error)
{
  const char *name = mp_plugin_get_name (plugin);
  static const char * const none[] = { NULL };
  g_autoptr(MpServiceLock) lock = NULL;
  g_autoptr(MpServiceConfig) config = NULL;
  MpBackendKind backend;

  if (g_strcmp0 (kind, "embedded") == 0)
    backend = MP_BACKEND_EMBEDDED;
  else if (g_strcmp0 (kind, "exec") == 0)
    backend = MP_BACKEND_EXEC;
  else
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                   "unknown backend '%s'; usage: meetpki %s backend embedded | exec <step>=<command>...",
                   kind != NULL ? kind : "", name);
      return FALSE;
    }
  if (!mp_service_check_step_commands (mp_plugin_get_descriptor (plugin), step_commands, error))
    return FALSE;
  if (!o->dry_run && (lock = mp_service_lock (store, error)) == NULL)
    return FALSE;
  config = mp_service_config_load (store, error);
  if (config == NULL ||
      !mp_service_config_set_backend (config, mp_plugin_get_descriptor (plugin), backend,
                                      step_commands != NULL ? step_commands : none, error))
    return FALSE;
  if (o->dry_run)
    {
      mp_service_say (o, MP_LINE_NOTE, "would set the %s backend to %s", name, kind);
      return TRUE;
    }
  if (!mp_service_config_save (config, error))
    return FALSE;
  mp_service_say (o, MP_LINE_NOTE, "%s backend: %s", name, kind);
  return TRUE;
}
