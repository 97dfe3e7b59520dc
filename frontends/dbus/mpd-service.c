/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * one object per service plugin, /io/meetpki/Manager1/services/<name>, with
 * io.meetpki.Service1 and, for a cluster service, io.meetpki.Cluster1.
 * each method is a `meetpki <service> <verb>` command run by the library
 * function the cli calls (mp-service-run.h); the lines the cli would print
 * come back as the reply.  calls are handled in worker threads after the
 * daemon's authorization, like the manager's.
 */
#include "config.h"

#include "mpd.h"
#include "mpd-generated.h"
#include "mpd-daemon.h"

struct _MpdService {
  MpdDaemon *daemon;
  MpPlugin *plugin;
  char *path;
  MpdService1 *service;
  MpdCluster1 *cluster; /* NULL: not a cluster service */
};

/* ---- lines and replies ---- */

static void
collect_line (MpLineKind kind, const char *text, gpointer user_data)
{
  GPtrArray *lines = user_data;

  if (kind == MP_LINE_NOTE)
    g_ptr_array_add (lines, g_strdup (text));
  else
    g_ptr_array_add (lines, g_strdup_printf ("%s: %s", mp_line_kind_to_string (kind), text));
}

/* the options every command takes, checked first; lines go to @lines */
static gboolean
run_options (GVariant *options, const char * const *allowed, const char * const *types, GPtrArray *lines,
             MpServiceRunOptions *o, GError **error)
{
  guint32 warn_days;

  if (options != NULL && !mpd_options_check (options, allowed, types, error))
    return FALSE;
  *o = (MpServiceRunOptions) {
    .store_names_only = TRUE,
    .warn_days = -1,
    .log = collect_line,
    .user_data = lines,
  };
  if (options == NULL)
    return TRUE;
  o->dry_run = mpd_option_bool (options, "dry-run");
  /* the vendor's uppercase Y, given up front: nobody answers a question on the bus */
  o->assume_yes = mpd_option_bool (options, "yes");
  o->force = mpd_option_bool (options, "force");
  o->key_type = mpd_option_string (options, "key-type", NULL);
  if (g_variant_lookup (options, "warn-days", "u", &warn_days))
    {
      if (warn_days > 36500)
        {
          g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "option 'warn-days' takes 0 to 36500 days");
          return FALSE;
        }
      o->warn_days = (gint) warn_days;
    }
  return TRUE;
}

static GVariant *
status_variant (MpdService *self, GError **error)
{
  g_autoptr(JsonNode) status = mp_service_status_to_json (mpd_daemon_get_store (self->daemon), self->plugin, error);

  return status != NULL ? mpd_json_to_variant (status) : NULL;
}

/* after a call that may have changed the service: the Enabled property and
 * the manager's ServiceChanged signal */
static void
changed (MpdService *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) status = status_variant (self, &error);
  const char *state = NULL;

  if (status == NULL)
    {
      g_debug ("%s: no status after a change: %s", mp_plugin_get_name (self->plugin), error->message);
      return;
    }
  g_variant_ref_sink (status);
  if (g_variant_lookup (status, "state", "&s", &state))
    mpd_service1_set_enabled (self->service, g_str_equal (state, "enabled"));
  mpd_daemon_emit_service_changed (self->daemon, mp_plugin_get_name (self->plugin), status);
}

/* replies with the lines, or the error; a real run announces the change */
static gboolean
finish (MpdService *self, GDBusMethodInvocation *invocation, gboolean announce, gboolean ok, GError *error,
        GPtrArray *lines)
{
  if (announce)
    changed (self);
  g_ptr_array_add (lines, NULL);
  /* the lines the cli prints before its error reach the caller too */
  if (!ok)
    return mpd_return_error_after_lines (invocation, (char **) lines->pdata, error);
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(^as)", (char **) lines->pdata));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

#define STORE(self) mpd_daemon_get_store ((self)->daemon)

/* ---- io.meetpki.Service1 ---- */

static gboolean
handle_get_status (MpdService1 *skeleton, GDBusMethodInvocation *invocation, MpdService *self)
{
  g_autoptr(GError) error = NULL;
  GVariant *status = status_variant (self, &error);

  if (status == NULL)
    return mpd_return_error (invocation, error);
  mpd_service1_complete_get_status (skeleton, invocation, status);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_generate_csr (MpdService1 *skeleton, GDBusMethodInvocation *invocation, const char *basename,
                     GVariant *options, MpdService *self)
{
  static const char * const allowed[] = { "key-type", "force", NULL };
  static const char * const types[] = { "s", "b" };
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  MpServiceRunOptions o;
  gboolean ok;

  if (!run_options (options, allowed, types, lines, &o, &error))
    return mpd_return_error (invocation, error);
  ok = mp_service_run_csr (STORE (self), self->plugin, &o, basename, &error);
  /* a request changes no service */
  return finish (self, invocation, FALSE, ok, error, lines);
}

/* the options of `certs` (--dry-run --warn-days) or of `apply` (--yes
 * too), and at least one file */
static gboolean
files_options (MpdService *self, GVariant *options, guint n_files, gboolean whole_sequence, GPtrArray *lines,
               MpServiceRunOptions *o, GError **error)
{
  static const char * const allowed[] = { "dry-run", "warn-days", "yes", NULL };
  static const char * const certs_allowed[] = { "dry-run", "warn-days", NULL };
  static const char * const types[] = { "b", "u", "b" };

  if (!run_options (options, whole_sequence ? allowed : certs_allowed, types, lines, o, error))
    return FALSE;
  if (n_files == 0)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "%s: no files given", mp_plugin_get_name (self->plugin));
      return FALSE;
    }
  return TRUE;
}

static gboolean
run_files (MpdService *self, GDBusMethodInvocation *invocation, const char * const *files, GVariant *options,
           gboolean whole_sequence)
{
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  guint n_files = g_strv_length ((char **) files);
  MpServiceRunOptions o;
  gboolean ok;

  if (!files_options (self, options, n_files, whole_sequence, lines, &o, &error))
    return mpd_return_error (invocation, error);
  if (whole_sequence)
    ok = mp_service_run_apply (STORE (self), self->plugin, &o, files, n_files, &error);
  else
    ok = mp_service_run_certs (STORE (self), self->plugin, &o, self->cluster != NULL, files, n_files, &error);
  return finish (self, invocation, !o.dry_run, ok, error, lines);
}

static gboolean
handle_apply_certificates (MpdService1 *skeleton, GDBusMethodInvocation *invocation, const char * const *files,
                           GVariant *options, MpdService *self)
{
  return run_files (self, invocation, files, options, FALSE);
}

static gboolean
handle_apply (MpdService1 *skeleton, GDBusMethodInvocation *invocation, const char * const *files,
              GVariant *options, MpdService *self)
{
  return run_files (self, invocation, files, options, TRUE);
}

/* replies with the run's object, or, when the run failed, sends it as the
 * one line of the Lines signal before the error (no object: the error
 * alone), as the cli prints it before its error line */
static gboolean
finish_json (MpdService *self, GDBusMethodInvocation *invocation, gboolean announce, gboolean ok, GError *error,
             JsonNode *object)
{
  g_autofree char *text = object != NULL ? mpd_json_text (object) : NULL;
  char *lines[] = { text, NULL };

  if (announce)
    changed (self);
  if (!ok)
    return mpd_return_error_after_lines (invocation, lines, error);
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(s)", text));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ApplyCertificatesJson and ApplyJson: run_files(), told as one object */
static gboolean
run_files_json (MpdService *self, GDBusMethodInvocation *invocation, const char * const *files, GVariant *options,
                gboolean whole_sequence)
{
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonNode) object = NULL;
  g_autoptr(GError) error = NULL;
  guint n_files = g_strv_length ((char **) files);
  MpServiceRunOptions o;
  gboolean ok;

  if (!files_options (self, options, n_files, whole_sequence, lines, &o, &error))
    return mpd_return_error (invocation, error);
  if (whole_sequence)
    ok = mp_service_run_apply_json (STORE (self), self->plugin, &o, files, n_files, &object, &error);
  else
    ok = mp_service_run_certs_json (STORE (self), self->plugin, &o, self->cluster != NULL, files, n_files, &object,
                                    &error);
  return finish_json (self, invocation, !o.dry_run, ok, error, object);
}

static gboolean
handle_apply_certificates_json (MpdService1 *skeleton, GDBusMethodInvocation *invocation, const char * const *files,
                                GVariant *options, MpdService *self)
{
  return run_files_json (self, invocation, files, options, FALSE);
}

static gboolean
handle_apply_json (MpdService1 *skeleton, GDBusMethodInvocation *invocation, const char * const *files,
                   GVariant *options, MpdService *self)
{
  return run_files_json (self, invocation, files, options, TRUE);
}

static gboolean
handle_rollback_json (MpdService1 *skeleton, GDBusMethodInvocation *invocation, GVariant *options, MpdService *self)
{
  static const char * const allowed[] = { "dry-run", "yes", NULL };
  static const char * const types[] = { "b", "b" };
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonNode) object = NULL;
  g_autoptr(GError) error = NULL;
  MpServiceRunOptions o;
  gboolean ok;

  if (!run_options (options, allowed, types, lines, &o, &error))
    return mpd_return_error (invocation, error);
  ok = mp_service_run_rollback_json (STORE (self), self->plugin, &o, &object, &error);
  return finish_json (self, invocation, !o.dry_run, ok, error, object);
}

/* a command whose only options are dry-run and the answer to its question
 * (yes): Rollback, and Cluster1's Remove */
static gboolean
run_answered (MpdService *self, GDBusMethodInvocation *invocation, GVariant *options,
              gboolean (*run) (MpStore *, MpPlugin *, const MpServiceRunOptions *, GError **))
{
  static const char * const allowed[] = { "dry-run", "yes", NULL };
  static const char * const types[] = { "b", "b" };
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  MpServiceRunOptions o;
  gboolean ok;

  if (!run_options (options, allowed, types, lines, &o, &error))
    return mpd_return_error (invocation, error);
  ok = run (STORE (self), self->plugin, &o, &error);
  return finish (self, invocation, !o.dry_run, ok, error, lines);
}

static gboolean
handle_rollback (MpdService1 *skeleton, GDBusMethodInvocation *invocation, GVariant *options, MpdService *self)
{
  return run_answered (self, invocation, options, mp_service_run_rollback);
}

static gboolean
handle_install_trust (MpdService1 *skeleton, GDBusMethodInvocation *invocation, const char *store_name,
                      const char *file, GVariant *options, MpdService *self)
{
  static const char * const allowed[] = { "dry-run", "warn-days", NULL };
  static const char * const types[] = { "b", "u" };
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  MpServiceRunOptions o;
  gboolean ok;

  if (!run_options (options, allowed, types, lines, &o, &error))
    return mpd_return_error (invocation, error);
  ok = mp_service_run_trust (STORE (self), self->plugin, &o, store_name, file, &error);
  return finish (self, invocation, !o.dry_run, ok, error, lines);
}

static gboolean
run_step (MpdService *self, GDBusMethodInvocation *invocation, GVariant *options, MpPluginStepKind step)
{
  static const char * const allowed[] = { "dry-run", NULL };
  static const char * const types[] = { "b" };
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  MpServiceRunOptions o;
  gboolean ok;

  if (!run_options (options, allowed, types, lines, &o, &error))
    return mpd_return_error (invocation, error);
  ok = mp_service_run_step (STORE (self), self->plugin, &o, step, &error);
  return finish (self, invocation, !o.dry_run, ok, error, lines);
}

static gboolean
handle_enable (MpdService1 *skeleton, GDBusMethodInvocation *invocation, GVariant *options, MpdService *self)
{
  return run_step (self, invocation, options, MP_STEP_ENABLE);
}

static gboolean
handle_disable (MpdService1 *skeleton, GDBusMethodInvocation *invocation, GVariant *options, MpdService *self)
{
  return run_step (self, invocation, options, MP_STEP_DISABLE);
}

static gboolean
handle_restart (MpdService1 *skeleton, GDBusMethodInvocation *invocation, GVariant *options, MpdService *self)
{
  return run_step (self, invocation, options, MP_STEP_RESTART);
}

static gboolean
handle_set_endpoint (MpdService1 *skeleton, GDBusMethodInvocation *invocation, const char *address,
                     GVariant *options, MpdService *self)
{
  static const char * const allowed[] = { "dry-run", "starttls", "probe-timeout", NULL };
  static const char * const types[] = { "b", "s", "u" };
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  guint32 timeout;
  gint probe_timeout = -1;
  MpServiceRunOptions o;
  gboolean ok;

  if (!run_options (options, allowed, types, lines, &o, &error))
    return mpd_return_error (invocation, error);
  if (g_variant_lookup (options, "probe-timeout", "u", &timeout))
    probe_timeout = (gint) MIN (timeout, (guint32) G_MAXINT);
  ok = mp_service_run_endpoint (STORE (self), self->plugin, &o, address, mpd_option_string (options, "starttls", NULL),
                                probe_timeout, &error);
  /* the endpoint is part of the status */
  return finish (self, invocation, ok && !o.dry_run, ok, error, lines);
}

static gboolean
handle_set_backend (MpdService1 *skeleton, GDBusMethodInvocation *invocation, const char *kind,
                    const char * const *step_commands, GVariant *options, MpdService *self)
{
  static const char * const allowed[] = { "dry-run", NULL };
  static const char * const types[] = { "b" };
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  MpServiceRunOptions o;
  gboolean ok;

  if (!run_options (options, allowed, types, lines, &o, &error))
    return mpd_return_error (invocation, error);
  ok = mp_service_run_backend (STORE (self), self->plugin, &o, kind, step_commands, &error);
  return finish (self, invocation, ok && !o.dry_run, ok, error, lines);
}

static gboolean
handle_probe (MpdService1 *skeleton, GDBusMethodInvocation *invocation, const char *address, GVariant *options,
              MpdService *self)
{
  static const char * const allowed[] = { NULL };
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autofree char *json = NULL;
  MpServiceRunOptions o;

  if (!run_options (options, allowed, NULL, lines, &o, &error))
    return mpd_return_error (invocation, error);
  if (!mp_service_run_probe (STORE (self), self->plugin, &o, address, &result, &error))
    return mpd_return_error (invocation, error);
  json = json_to_string (result, FALSE);
  g_ptr_array_add (lines, NULL);
  mpd_service1_complete_probe (skeleton, invocation, (const char * const *) lines->pdata, json);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- io.meetpki.Cluster1 ---- */

static gboolean
handle_cluster_get_status (MpdCluster1 *skeleton, GDBusMethodInvocation *invocation, MpdService *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) status = mp_service_cluster_status_to_json (STORE (self), self->plugin, &error);

  if (status == NULL)
    return mpd_return_error (invocation, error);
  mpd_cluster1_complete_get_status (skeleton, invocation, mpd_json_to_variant (status));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_set_local_node (MpdCluster1 *skeleton, GDBusMethodInvocation *invocation, const char *interface,
                       MpdService *self)
{
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  MpServiceRunOptions o;
  gboolean ok;

  run_options (NULL, NULL, NULL, lines, &o, NULL);
  ok = mp_service_run_localnode (STORE (self), self->plugin, &o, interface, &error);
  return finish (self, invocation, !o.dry_run, ok, error, lines);
}

static gboolean
run_cluster (MpdService *self, GDBusMethodInvocation *invocation, const char *verb, const char *primary,
             GVariant *options)
{
  static const char * const allowed[] = { "dry-run", NULL };
  static const char * const types[] = { "b" };
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  MpServiceRunOptions o;
  gboolean ok;

  if (!run_options (options, allowed, types, lines, &o, &error))
    return mpd_return_error (invocation, error);
  ok = mp_service_run_cluster (STORE (self), self->plugin, &o, verb, primary, &error);
  return finish (self, invocation, !o.dry_run, ok, error, lines);
}

static gboolean
handle_initialize (MpdCluster1 *skeleton, GDBusMethodInvocation *invocation, GVariant *options, MpdService *self)
{
  return run_cluster (self, invocation, "initialize", NULL, options);
}

static gboolean
handle_join (MpdCluster1 *skeleton, GDBusMethodInvocation *invocation, const char *primary, GVariant *options,
             MpdService *self)
{
  return run_cluster (self, invocation, "join", primary, options);
}

static gboolean
handle_connect (MpdCluster1 *skeleton, GDBusMethodInvocation *invocation, const char *primary, GVariant *options,
                MpdService *self)
{
  return run_cluster (self, invocation, "connect", primary, options);
}

static gboolean
handle_remove (MpdCluster1 *skeleton, GDBusMethodInvocation *invocation, GVariant *options, MpdService *self)
{
  return run_answered (self, invocation, options, mp_service_run_cluster_remove);
}

/* ---- the object ---- */

static const struct {
  const char *signal;
  GCallback handler;
} service_handlers[] = {
  { "handle-get-status", G_CALLBACK (handle_get_status) },
  { "handle-generate-csr", G_CALLBACK (handle_generate_csr) },
  { "handle-apply-certificates", G_CALLBACK (handle_apply_certificates) },
  { "handle-apply", G_CALLBACK (handle_apply) },
  { "handle-rollback", G_CALLBACK (handle_rollback) },
  { "handle-apply-certificates-json", G_CALLBACK (handle_apply_certificates_json) },
  { "handle-apply-json", G_CALLBACK (handle_apply_json) },
  { "handle-rollback-json", G_CALLBACK (handle_rollback_json) },
  { "handle-install-trust", G_CALLBACK (handle_install_trust) },
  { "handle-enable", G_CALLBACK (handle_enable) },
  { "handle-disable", G_CALLBACK (handle_disable) },
  { "handle-restart", G_CALLBACK (handle_restart) },
  { "handle-set-endpoint", G_CALLBACK (handle_set_endpoint) },
  { "handle-probe", G_CALLBACK (handle_probe) },
  { "handle-set-backend", G_CALLBACK (handle_set_backend) },
}, cluster_handlers[] = {
  { "handle-get-status", G_CALLBACK (handle_cluster_get_status) },
  { "handle-set-local-node", G_CALLBACK (handle_set_local_node) },
  { "handle-initialize", G_CALLBACK (handle_initialize) },
  { "handle-join", G_CALLBACK (handle_join) },
  { "handle-connect", G_CALLBACK (handle_connect) },
  { "handle-remove", G_CALLBACK (handle_remove) },
};

/**
 * mpd_service_path_for:
 * @name: a service plugin's name
 *
 * The mapping is injective, so two services never share an object: every
 * byte but a letter or digit becomes '_' and two lowercase hex digits
 * (g_dbus_escape_object_path(), as systemd escapes unit names), so
 * "web-bridge" is web_2dbridge and "web_bridge" web_5fbridge.  The cli
 * (mp_cli_bus_service_path()) maps names the same way.
 *
 * Returns: (transfer full): the service's object path
 */
char *
mpd_service_path_for (const char *name)
{
  g_autofree char *element = g_dbus_escape_object_path (name);

  return g_strconcat (MPD_SERVICES_PATH "/", element, NULL);
}

/**
 * mpd_service_new:
 * @daemon: the daemon whose store and authorization the object uses
 * @plugin: the service; the daemon's loader keeps it alive
 *
 * Returns: (transfer full): the object, not yet exported
 */
MpdService *
mpd_service_new (MpdDaemon *daemon, MpPlugin *plugin)
{
  MpdService *self = g_new0 (MpdService, 1);
  gboolean cluster = mp_plugin_is_cluster_service (mp_plugin_get_descriptor (plugin));

  self->daemon = daemon;
  self->plugin = plugin;
  self->path = mpd_service_path_for (mp_plugin_get_name (plugin));
  self->service = mpd_service1_skeleton_new ();
  mpd_service1_set_name (self->service, mp_plugin_get_name (plugin));
  mpd_service1_set_cluster (self->service, cluster);
  mpd_daemon_adopt_skeleton (daemon, G_DBUS_INTERFACE_SKELETON (self->service));
  for (guint i = 0; i < G_N_ELEMENTS (service_handlers); i++)
    g_signal_connect (self->service, service_handlers[i].signal, service_handlers[i].handler, self);
  if (cluster)
    {
      self->cluster = mpd_cluster1_skeleton_new ();
      mpd_daemon_adopt_skeleton (daemon, G_DBUS_INTERFACE_SKELETON (self->cluster));
      for (guint i = 0; i < G_N_ELEMENTS (cluster_handlers); i++)
        g_signal_connect (self->cluster, cluster_handlers[i].signal, cluster_handlers[i].handler, self);
    }
  return self;
}

gboolean
mpd_service_export (MpdService *self, GDBusConnection *connection, GError **error)
{
  g_autoptr(MpServiceConfig) config = mp_service_config_load (STORE (self), NULL);

  if (config != NULL)
    mpd_service1_set_enabled (self->service, mp_service_config_get_enabled (config, mp_plugin_get_name (self->plugin)));
  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->service), connection, self->path, error))
    return FALSE;
  return self->cluster == NULL ||
         g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->cluster), connection, self->path, error);
}

/* after a manager call that may have changed the service (Provision):
 * Enabled and ServiceChanged, as after a Service1 call */
void
mpd_service_announce (MpdService *self)
{
  changed (self);
}

/* stops new calls; those in progress finish and are waited for by the daemon */
void
mpd_service_unexport (MpdService *self)
{
  GDBusInterfaceSkeleton *skeletons[] = {
    G_DBUS_INTERFACE_SKELETON (self->service),
    self->cluster != NULL ? G_DBUS_INTERFACE_SKELETON (self->cluster) : NULL,
  };

  for (guint i = 0; i < G_N_ELEMENTS (skeletons); i++)
    {
      if (skeletons[i] != NULL && g_dbus_interface_skeleton_get_connection (skeletons[i]) != NULL)
        g_dbus_interface_skeleton_unexport (skeletons[i]);
    }
}

void
mpd_service_free (MpdService *self)
{
  if (self == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->service, self);
  g_signal_handlers_disconnect_by_data (self->service, self->daemon);
  g_object_unref (self->service);
  if (self->cluster != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->cluster, self);
      g_signal_handlers_disconnect_by_data (self->cluster, self->daemon);
      g_object_unref (self->cluster);
    }
  g_free (self->path);
  g_free (self);
}
