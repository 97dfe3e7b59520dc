/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the *Json methods of io.meetpki.Manager1, which exist for `meetpki --bus`:
 * the reply is the very JSON text the cli prints in-process, nulls and
 * member order included.  the reports of pki verify, bundle build and
 * bundle check are built here once, for these methods and their a{sv}
 * twins in mpd-daemon.c (Verify, BuildBundle, CheckBundle); inputs come
 * from the store or from descriptors the caller passed.
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "mpd.h"
#include "mpd-generated.h"
#include "mpd-daemon.h"

/* ---- inputs: store files or passed descriptors ---- */

static gboolean
add_bundle_input (MpdDaemon *self, MpBundle *bundle, const char *name, guint *n_certs, GError **error)
{
  g_autofree char *path = mp_store_resolve_existing (self->store, name, error);

  if (path == NULL)
    return FALSE;
  return mp_bundle_add_file (bundle, path, name, n_certs, error);
}

static gboolean
add_input (MpdDaemon *self, GDBusMethodInvocation *invocation, MpBundle *bundle, GVariant *options,
           const char *key, const char *name, guint *n_certs, GError **error)
{
  g_autoptr(GBytes) data = NULL;
  guint n;

  if (!g_variant_lookup (options, key, "h", NULL))
    return add_bundle_input (self, bundle, name, n_certs, error);
  data = mpd_read_input (self, invocation, options, key, name, error);
  if (data == NULL)
    return FALSE;
  n = mp_bundle_add_data (bundle, data, name);
  if (n_certs != NULL)
    *n_certs = n;
  return TRUE;
}

/* a pool input: the descriptor "pool-fds" maps index @i to, else the
 * store file @name */
static gboolean
add_pool_input (MpdDaemon *self, GDBusMethodInvocation *invocation, MpBundle *bundle, GVariant *pool_fds, guint i,
                const char *name, GError **error)
{
  GVariantIter iter;
  guint32 key;
  gint32 index;

  if (pool_fds != NULL)
    {
      g_variant_iter_init (&iter, pool_fds);
      while (g_variant_iter_next (&iter, "{uh}", &key, &index))
        {
          if (key == i)
            {
              g_autoptr(GBytes) data = mpd_read_passed (invocation, index, "pool-fds", name, error);
              if (data == NULL)
                return FALSE;
              mp_bundle_add_data (bundle, data, name);
              return TRUE;
            }
        }
    }
  return add_bundle_input (self, bundle, name, NULL, error);
}

/* ---- replies ---- */

static gboolean
complete_json (GDBusMethodInvocation *invocation, JsonNode *node)
{
  g_autofree char *text = mpd_json_text (node);

  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(s)", text));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- the reports, shared with the a{sv} methods ---- */

/* the result of `pki verify` (mp_bundle_verify_to_json()); inputs from the
 * store or, @with_fds, from the descriptors of options "certificate-fd"
 * and "bundle-fd" */
JsonNode *
mpd_verify_report (MpdDaemon *self, GDBusMethodInvocation *invocation, const char *certificate, const char *bundle_name,
                   GVariant *options, gboolean with_fds, GError **error)
{
  static const char * const allowed[] = { "system-trust", "certificate-fd", "bundle-fd", NULL };
  static const char * const store_only[] = { "system-trust", NULL };
  static const char * const types[] = { "b", "h", "h" };
  g_autoptr(MpBundle) bundle = mp_bundle_new ();
  guint n = 0;

  if (!mpd_options_check (options, with_fds ? allowed : store_only, types, error) ||
      !add_input (self, invocation, bundle, options, "certificate-fd", certificate, &n, error))
    return NULL;
  if (n == 0)
    {
      const MpFinding *why = mp_bundle_find_finding (bundle, "private-key");
      if (why == NULL && mp_bundle_get_findings (bundle)->len > 0)
        why = g_ptr_array_index (mp_bundle_get_findings (bundle), 0);
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA, "%s: no certificate to verify (%s)",
                   certificate, why != NULL ? why->message : "unreadable");
      return NULL;
    }
  if ((*bundle_name != '\0' || g_variant_lookup (options, "bundle-fd", "h", NULL)) &&
      !add_input (self, invocation, bundle, options, "bundle-fd", bundle_name, NULL, error))
    return NULL;
  return mp_bundle_verify_to_json (bundle, g_ptr_array_index (mp_bundle_get_certs (bundle), 0),
                                   mpd_option_bool (options, "system-trust"));
}

/* the report of `bundle build` (mp_bundle_build_to_json()), written to
 * @output unless it is "" or the chain could not be built; a write
 * failure goes into the report.  inputs come from the store, or from the
 * descriptors of options "certificate-fd" (h) and "pool-fds" (a{uh}, pool
 * index to descriptor).  NULL with @error when an input cannot be read. */
JsonNode *
mpd_build_bundle_report (MpdDaemon *self, GDBusMethodInvocation *invocation, const char *certificate,
                         const char * const *pool, const char *output, GVariant *options, GError **error)
{
  static const char * const allowed[] = { "ca-only", "no-root", "force", "certificate-fd", "pool-fds", NULL };
  static const char * const types[] = { "b", "b", "b", "h", "a{uh}" };
  g_autoptr(MpBundle) bundle = mp_bundle_new ();
  g_autoptr(GVariant) pool_fds = NULL;
  g_autofree char *out_path = NULL;
  JsonNode *report, *pem;
  guint n = 0;

  if (!mpd_options_check (options, allowed, types, error))
    return NULL;
  /* the store name is checked before any reading: nothing but the store is written */
  if (*output != '\0' && (out_path = mp_store_resolve (self->store, output, error)) == NULL)
    return NULL;
  if (!add_input (self, invocation, bundle, options, "certificate-fd", certificate, &n, error))
    return NULL;
  if (n == 0)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA, "%s: no certificate to build a chain for", certificate);
      return NULL;
    }
  mp_bundle_expect_copies (bundle);
  pool_fds = g_variant_lookup_value (options, "pool-fds", G_VARIANT_TYPE ("a{uh}"));
  for (guint i = 0; pool[i] != NULL; i++)
    {
      if (!add_pool_input (self, invocation, bundle, pool_fds, i, pool[i], error))
        return NULL;
    }
  report = mp_bundle_build_to_json (bundle, g_ptr_array_index (mp_bundle_get_certs (bundle), 0),
                                    (mpd_option_bool (options, "ca-only") ? MP_PEM_NO_ENTITY : 0) |
                                      (mpd_option_bool (options, "no-root") ? MP_PEM_NO_ROOT : 0));
  pem = json_object_get_member (json_node_get_object (report), "pem");
  if (*output != '\0' && JSON_NODE_HOLDS_VALUE (pem))
    {
      const char *text = json_node_get_string (pem);
      g_autoptr(GBytes) data = g_bytes_new (text, strlen (text));
      g_autoptr(GError) local = NULL;

      if (!mp_store_write (self->store, output, data,
                           mpd_option_bool (options, "force") ? MP_WRITE_REPLACE : MP_WRITE_NONE, &local))
        mp_bundle_report_set_error (report, local);
    }
  return report;
}

/* the report of `bundle check`, from the store file @name or the passed
 * descriptor of option "fd" */
JsonNode *
mpd_check_bundle_report (MpdDaemon *self, GDBusMethodInvocation *invocation, const char *name, GVariant *options,
                         GError **error)
{
  static const char * const allowed[] = { "kind", "fd", NULL };
  static const char * const types[] = { "s", "h" };
  g_autoptr(MpBundle) bundle = mp_bundle_new ();
  const char *requested = mpd_option_string (options, "kind", "auto");
  const char *kind_name = NULL;
  MpBundleKind kind;

  if (!mpd_options_check (options, allowed, types, error))
    return NULL;
  if (g_str_equal (requested, "auto"))
    kind = MP_BUNDLE_KIND_AUTO;
  else if (g_str_equal (requested, "full-chain"))
    {
      kind = MP_BUNDLE_KIND_FULL_CHAIN;
      kind_name = "full-chain";
    }
  else if (g_str_equal (requested, "ca-bundle"))
    {
      kind = MP_BUNDLE_KIND_CA_BUNDLE;
      kind_name = "ca-bundle";
    }
  else
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                   "kind '%s' is none of auto, full-chain, ca-bundle", requested);
      return NULL;
    }
  if (!add_input (self, invocation, bundle, options, "fd", name, NULL, error))
    return NULL;
  mp_bundle_check (bundle, kind);
  if (kind_name == NULL)
    {
      GPtrArray *chain = mp_bundle_get_chain (bundle);
      kind_name = chain->len > 0 && !mp_bundle_cert_is_ca (g_ptr_array_index (chain, 0)) ? "full-chain" : "ca-bundle";
    }
  return mp_bundle_to_json (bundle, name, kind_name);
}

/* ---- the methods ---- */

static gboolean
handle_inspect_json (MpdManager1 *skeleton, GDBusMethodInvocation *invocation, const char *name,
                     GVariant *options, MpdDaemon *self)
{
  static const char * const allowed[] = { "fd", NULL };
  static const char * const types[] = { "h" };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) data = NULL;
  g_autoptr(JsonNode) desc = NULL;

  if (!mpd_options_check (options, allowed, types, &error))
    return mpd_return_error (invocation, error);
  data = mpd_read_input (self, invocation, options, "fd", name, &error);
  if (data == NULL)
    return mpd_return_error (invocation, error);
  desc = mp_inspect_file (data, name, &error);
  if (desc == NULL)
    return mpd_return_error (invocation, error);
  return complete_json (invocation, desc);
}

static gboolean
handle_list_json (MpdManager1 *skeleton, GDBusMethodInvocation *invocation, MpdDaemon *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) listing = mp_inspect_store (self->store, &error);

  if (listing == NULL)
    return mpd_return_error (invocation, error);
  return complete_json (invocation, listing);
}

static gboolean
handle_verify_json (MpdManager1 *skeleton, GDBusMethodInvocation *invocation, const char *certificate,
                    const char *bundle_name, GVariant *options, MpdDaemon *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) report = mpd_verify_report (self, invocation, certificate, bundle_name, options, TRUE, &error);

  if (report == NULL)
    return mpd_return_error (invocation, error);
  return complete_json (invocation, report);
}

static gboolean
handle_build_bundle_json (MpdManager1 *skeleton, GDBusMethodInvocation *invocation, const char *certificate,
                          const char * const *pool, const char *output, GVariant *options, MpdDaemon *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) report = mpd_build_bundle_report (self, invocation, certificate, pool, output, options, &error);

  if (report == NULL)
    return mpd_return_error (invocation, error);
  return complete_json (invocation, report);
}

static gboolean
handle_check_bundle_json (MpdManager1 *skeleton, GDBusMethodInvocation *invocation, const char *name,
                          GVariant *options, MpdDaemon *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) report = mpd_check_bundle_report (self, invocation, name, options, &error);

  if (report == NULL)
    return mpd_return_error (invocation, error);
  return complete_json (invocation, report);
}

static gboolean
handle_node_facts_json (MpdManager1 *skeleton, GDBusMethodInvocation *invocation, MpdDaemon *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MpNodeFacts) facts = mp_node_facts_load (self->store, &error);
  g_autoptr(JsonNode) node = NULL;

  if (facts == NULL)
    return mpd_return_error (invocation, error);
  node = mp_node_facts_to_json (facts);
  return complete_json (invocation, node);
}

static gboolean
handle_list_services_json (MpdManager1 *skeleton, GDBusMethodInvocation *invocation, MpdDaemon *self)
{
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  if (self->plugins == NULL)
    return mpd_return_error (invocation, self->plugins_error);
  root = mp_plugin_loader_to_json (self->plugins);
  text = mpd_json_text (root);
  mpd_manager1_complete_list_services_json (skeleton, invocation, text, mp_plugin_loader_get_dir (self->plugins));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* the loaded plugin @name, or NULL with NotFound (or why none loaded) */
static MpPlugin *
lookup_service (MpdDaemon *self, const char *name, GError **error)
{
  MpPlugin *plugin;

  if (self->plugins == NULL)
    {
      g_propagate_error (error, g_error_copy (self->plugins_error));
      return NULL;
    }
  plugin = mp_plugin_loader_lookup (self->plugins, name);
  if (plugin == NULL)
    g_set_error (error, MP_ERROR, MP_ERROR_NOT_FOUND, "no service '%s' is loaded", name);
  return plugin;
}

static gboolean
handle_service_status_json (MpdManager1 *skeleton, GDBusMethodInvocation *invocation, const char *name,
                            MpdDaemon *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) status = NULL;
  MpPlugin *plugin = lookup_service (self, name, &error);

  if (plugin == NULL || (status = mp_service_status_to_json (self->store, plugin, &error)) == NULL)
    return mpd_return_error (invocation, error);
  return complete_json (invocation, status);
}

/* `<service> cluster status --json` with its nulls (Cluster1.GetStatus
 * leaves them out) */
static gboolean
handle_cluster_status_json (MpdManager1 *skeleton, GDBusMethodInvocation *invocation, const char *name,
                            MpdDaemon *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) status = NULL;
  MpPlugin *plugin = lookup_service (self, name, &error);

  if (plugin == NULL || (status = mp_service_cluster_status_to_json (self->store, plugin, &error)) == NULL)
    return mpd_return_error (invocation, error);
  return complete_json (invocation, status);
}

static const struct {
  const char *signal;
  GCallback handler;
} json_handlers[] = {
  { "handle-inspect-json", G_CALLBACK (handle_inspect_json) },
  { "handle-list-json", G_CALLBACK (handle_list_json) },
  { "handle-check-bundle-json", G_CALLBACK (handle_check_bundle_json) },
  { "handle-build-bundle-json", G_CALLBACK (handle_build_bundle_json) },
  { "handle-verify-json", G_CALLBACK (handle_verify_json) },
  { "handle-node-facts-json", G_CALLBACK (handle_node_facts_json) },
  { "handle-list-services-json", G_CALLBACK (handle_list_services_json) },
  { "handle-service-status-json", G_CALLBACK (handle_service_status_json) },
  { "handle-cluster-status-json", G_CALLBACK (handle_cluster_status_json) },
};

/**
 * mpd_json_methods_connect:
 * @self: the daemon
 *
 * Connects the *Json methods' handlers to the manager's skeleton.
 */
void
mpd_json_methods_connect (MpdDaemon *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (json_handlers); i++)
    g_signal_connect (self->skeleton, json_handlers[i].signal, json_handlers[i].handler, self);
}
