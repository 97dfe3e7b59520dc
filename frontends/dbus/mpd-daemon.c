/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the io.meetpki.Manager1 object: each method is a cli command on the
 * daemon's store.  every call is handled in a worker thread,
 * authorization first, so key generation never stops the daemon from
 * answering; the one exception is an Inspect of a small file by a caller
 * already known, answered in the main thread (mpd-dispatch.c).
 * arguments are store names, resolved inside
 * the store only; replies never carry key material.  the *Json methods
 * are in mpd-json-methods.c, those that move files across the store's
 * edge in mpd-transfer.c.
 */
#include "config.h"

#include <gio/gunixfdlist.h>
#include <json-glib/json-glib.h>
#include <unistd.h>

#include "mpd.h"
#include "mpd-generated.h"
#include "mpd-daemon.h"


/* ---- replies ---- */

/* returns @error as the call's D-Bus error; for handlers to return */
gboolean
mpd_return_error (GDBusMethodInvocation *invocation, GError *error)
{
  g_dbus_method_invocation_return_gerror (invocation, error);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* a failed command's earlier lines (@lines, NULL-terminated), as the Lines
 * signal of the called object to the caller alone, then the error: a
 * connection's messages keep their order, so the lines come first */
gboolean
mpd_return_error_after_lines (GDBusMethodInvocation *invocation, char **lines, GError *error)
{
  if (lines[0] != NULL)
    g_dbus_connection_emit_signal (g_dbus_method_invocation_get_connection (invocation),
                                   g_dbus_method_invocation_get_sender (invocation),
                                   g_dbus_method_invocation_get_object_path (invocation),
                                   g_dbus_method_invocation_get_interface_name (invocation), "Lines",
                                   g_variant_new ("(^as)", lines), NULL);
  return mpd_return_error (invocation, error);
}

static const char * const *
notes_strv (GPtrArray *notes)
{
  g_ptr_array_add (notes, NULL);
  return (const char * const *) notes->pdata;
}

/* ---- pki ---- */

static gboolean
handle_generate_csr (MpdManager1 *skeleton, GDBusMethodInvocation *invocation, const char *basename,
                     const char * const *fields, GVariant *options, MpdDaemon *self)
{
  static const char * const allowed[] = { "key-type", "force", NULL };
  static const char * const types[] = { "s", "b" };
  g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(MpSubject) subject = NULL;
  g_autoptr(GError) error = NULL;
  MpKeySpec spec;
  gboolean ok;

  if (!mpd_options_check (options, allowed, types, &error) ||
      !mp_pki_validate_basename (basename, &error) ||
      !mp_key_spec_parse (mpd_option_string (options, "key-type", NULL), &spec, &error))
    return mpd_return_error (invocation, error);
  subject = mp_subject_new_from_mmp_args (fields, g_strv_length ((char **) fields), MP_SUBJECT_NONE, &error);
  if (subject == NULL)
    return mpd_return_error (invocation, error);
  mpd_manager1_emit_progress (skeleton, "GenerateCsr", basename, "started");
  ok = mp_pki_csr (self->store, basename, subject, &spec,
                   mpd_option_bool (options, "force") ? MP_PKI_FORCE : MP_PKI_NONE, notes, &error);
  mpd_manager1_emit_progress (skeleton, "GenerateCsr", basename, "finished");
  if (!ok)
    return mpd_return_error (invocation, error);
  mpd_manager1_complete_generate_csr (skeleton, invocation, notes_strv (notes));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_self_signed (MpdManager1 *skeleton, GDBusMethodInvocation *invocation, const char *basename,
                    const char * const *fields, GVariant *options, MpdDaemon *self)
{
  static const char * const allowed[] = { "key-type", "force", "days", NULL };
  static const char * const types[] = { "s", "b", "u" };
  g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(MpSubject) subject = NULL;
  g_autoptr(GError) error = NULL;
  MpKeySpec spec;
  gboolean ok;

  if (!mpd_options_check (options, allowed, types, &error) ||
      !mp_pki_validate_basename (basename, &error) ||
      !mp_key_spec_parse (mpd_option_string (options, "key-type", NULL), &spec, &error))
    return mpd_return_error (invocation, error);
  subject = mp_subject_new_from_mmp_args (fields, g_strv_length ((char **) fields), MP_SUBJECT_CA, &error);
  if (subject == NULL)
    return mpd_return_error (invocation, error);
  mpd_manager1_emit_progress (skeleton, "SelfSigned", basename, "started");
  ok = mp_pki_selfsigned (self->store, basename, subject, &spec,
                          mpd_option_uint (options, "days", MP_PKI_DEFAULT_CA_DAYS),
                          mpd_option_bool (options, "force") ? MP_PKI_FORCE : MP_PKI_NONE, notes, &error);
  mpd_manager1_emit_progress (skeleton, "SelfSigned", basename, "finished");
  if (!ok)
    return mpd_return_error (invocation, error);
  mpd_manager1_complete_self_signed (skeleton, invocation, notes_strv (notes));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_sign (MpdManager1 *skeleton, GDBusMethodInvocation *invocation, const char *basename,
             const char *ca_basename, GVariant *options, MpdDaemon *self)
{
  static const char * const allowed[] = { "days", NULL };
  static const char * const types[] = { "u" };
  g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;

  if (!mpd_options_check (options, allowed, types, &error) ||
      !mp_pki_sign (self->store, basename, ca_basename, mpd_option_uint (options, "days", MP_PKI_DEFAULT_DAYS),
                    notes, &error))
    return mpd_return_error (invocation, error);
  mpd_manager1_complete_sign (skeleton, invocation, notes_strv (notes));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* the reply is a function of the file's bytes, its name and the second
 * it is asked at (days_left and status move with the clock): a call that
 * repeats all three gets the same reply without parsing the certificate
 * again.  the file is still resolved in the store and read on every call,
 * after authorization, so a changed or removed file is never answered
 * from memory. */
static GVariant *
inspect_memo_lookup (MpdDaemon *self, const char *name, GBytes *data, gint64 now)
{
  GVariant *reply = NULL;

  g_mutex_lock (&self->inspect_lock);
  if (self->inspect_reply != NULL && self->inspect_now == now &&
      g_str_equal (self->inspect_name, name) && g_bytes_equal (self->inspect_data, data))
    reply = g_variant_ref (self->inspect_reply);
  g_mutex_unlock (&self->inspect_lock);
  return reply;
}

static void
inspect_memo_store (MpdDaemon *self, const char *name, GBytes *data, gint64 now, GVariant *reply)
{
  g_mutex_lock (&self->inspect_lock);
  g_free (self->inspect_name);
  self->inspect_name = g_strdup (name);
  g_clear_pointer (&self->inspect_data, g_bytes_unref);
  self->inspect_data = g_bytes_ref (data);
  self->inspect_now = now;
  g_clear_pointer (&self->inspect_reply, g_variant_unref);
  self->inspect_reply = g_variant_ref (reply);
  g_mutex_unlock (&self->inspect_lock);
}

/* the reply to Inspect of store file @name, whose bytes are @data */
void
mpd_inspect_answer (MpdDaemon *self, GDBusMethodInvocation *invocation, const char *name, GBytes *data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  gint64 now = mp_now ();

  reply = inspect_memo_lookup (self, name, data, now);
  if (reply == NULL)
    {
      gboolean is_public = FALSE;

      reply = mpd_inspect_variant (data, name, &is_public, &error);
      if (reply == NULL)
        {
          mpd_return_error (invocation, error);
          return;
        }
      /* remembered only when the clock did not move while it was made, and
       * only for public files: the bytes of a private key (or a pkcs12)
       * are not kept past the call */
      if (mp_now () == now && is_public)
        inspect_memo_store (self, name, data, now, reply);
    }
  mpd_manager1_complete_inspect (self->skeleton, invocation, reply);
}

static gboolean
handle_inspect (MpdManager1 *skeleton, GDBusMethodInvocation *invocation, const char *name, MpdDaemon *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) data = mp_store_read (self->store, name, &error);

  if (data == NULL)
    return mpd_return_error (invocation, error);
  mpd_inspect_answer (self, invocation, name, data);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_match (MpdManager1 *skeleton, GDBusMethodInvocation *invocation, const char *key,
              const char *certificate, MpdDaemon *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) key_data = mp_store_read (self->store, key, &error);
  g_autoptr(GBytes) crt_data = NULL;

  if (key_data == NULL)
    return mpd_return_error (invocation, error);
  crt_data = mp_store_read (self->store, certificate, &error);
  if (crt_data == NULL || !mp_inspect_match (key_data, key, crt_data, certificate, &error))
    return mpd_return_error (invocation, error);
  mpd_manager1_complete_match (skeleton, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_list (MpdManager1 *skeleton, GDBusMethodInvocation *invocation, MpdDaemon *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) listing = mp_inspect_store (self->store, &error);

  if (listing == NULL)
    return mpd_return_error (invocation, error);
  mpd_manager1_complete_list (skeleton, invocation, mpd_json_to_variant (listing));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- json text and passed files ---- */

/* the cli prints from this text, so it is generated as the cli does */
char *
mpd_json_text (JsonNode *node)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();

  json_generator_set_pretty (gen, TRUE);
  json_generator_set_root (gen, node);
  return json_generator_to_data (gen, NULL);
}

/* descriptor @index of the call (option @key), dup'ed; -1 with an error */
int
mpd_option_fd (GDBusMethodInvocation *invocation, gint32 index, const char *key, GError **error)
{
  GUnixFDList *fds = g_dbus_message_get_unix_fd_list (g_dbus_method_invocation_get_message (invocation));

  if (fds == NULL || index < 0 || index >= g_unix_fd_list_get_length (fds))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "option '%s': no such passed file descriptor", key);
      return -1;
    }
  return g_unix_fd_list_get (fds, index, error);
}

/* the file behind descriptor @index of the call, named @name in messages */
GBytes *
mpd_read_passed (GDBusMethodInvocation *invocation, gint32 index, const char *key, const char *name, GError **error)
{
  int fd = mpd_option_fd (invocation, index, key, error);
  GBytes *data;

  if (fd < 0)
    return NULL;
  data = mp_file_read_fd (fd, name, error);
  close (fd);
  return data;
}

/* the file behind option @key (an index into the message's descriptors),
 * or the store file @name when the option is absent */
GBytes *
mpd_read_input (MpdDaemon *self, GDBusMethodInvocation *invocation, GVariant *options, const char *key,
            const char *name, GError **error)
{
  gint32 index;

  if (!g_variant_lookup (options, key, "h", &index))
    return mp_store_read (self->store, name, error);
  return mpd_read_passed (invocation, index, key, name, error);
}

/* ---- verify and bundles: their reports come from mpd-json-methods.c ---- */

static gboolean
handle_verify (MpdManager1 *skeleton, GDBusMethodInvocation *invocation, const char *certificate,
               const char *bundle_name, GVariant *options, MpdDaemon *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) report = mpd_verify_report (self, invocation, certificate, bundle_name, options, FALSE, &error);
  JsonObject *obj;
  GVariantBuilder result;

  if (report == NULL || !mp_bundle_report_get_error (report, &error))
    return mpd_return_error (invocation, error);
  obj = json_node_get_object (report);
  g_variant_builder_init (&result, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&result, "{sv}", "chain", mpd_json_to_variant (json_object_get_member (obj, "chain")));
  g_variant_builder_add (&result, "{sv}", "notes", mpd_json_to_variant (json_object_get_member (obj, "notes")));
  mpd_manager1_complete_verify (skeleton, invocation, g_variant_builder_end (&result));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* no work at all: the floor of a call through dispatch and authorization */
static gboolean
handle_get_version (MpdManager1 *skeleton, GDBusMethodInvocation *invocation, MpdDaemon *self)
{
  mpd_manager1_complete_get_version (skeleton, invocation, MP_VERSION);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_build_bundle (MpdManager1 *skeleton, GDBusMethodInvocation *invocation, const char *certificate,
                     const char * const *pool, const char *output, GVariant *options, MpdDaemon *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) report = NULL;
  g_autoptr(GVariant) pool_fds = g_variant_lookup_value (options, "pool-fds", NULL);
  g_autoptr(GPtrArray) lines = g_ptr_array_new ();
  JsonArray *findings;

  /* the older method reads the store only and always writes */
  if (g_variant_lookup (options, "certificate-fd", "h", NULL) || pool_fds != NULL)
    {
      g_set_error_literal (&error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                           "unknown option: descriptors are for BuildBundleJson");
      return mpd_return_error (invocation, error);
    }
  if (*output == '\0')
    {
      g_set_error_literal (&error, MP_ERROR, MP_ERROR_INVALID_ARGS, "an output name is required");
      return mpd_return_error (invocation, error);
    }
  report = mpd_build_bundle_report (self, invocation, certificate, pool, output, options, &error);
  if (report == NULL || !mp_bundle_report_get_error (report, &error))
    return mpd_return_error (invocation, error);
  findings = json_object_get_array_member (json_node_get_object (report), "findings");
  for (guint i = 0; i < json_array_get_length (findings); i++)
    g_ptr_array_add (lines, (gpointer) json_array_get_string_element (findings, i));
  g_ptr_array_add (lines, NULL);
  mpd_manager1_complete_build_bundle (skeleton, invocation,
                                      (guint) json_object_get_int_member (json_node_get_object (report), "count"),
                                      (const char * const *) lines->pdata);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_check_bundle (MpdManager1 *skeleton, GDBusMethodInvocation *invocation, const char *name,
                     GVariant *options, MpdDaemon *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) report = NULL;

  /* the older method reads the store only */
  if (g_variant_lookup (options, "fd", "h", NULL))
    {
      g_set_error_literal (&error, MP_ERROR, MP_ERROR_INVALID_ARGS, "unknown option 'fd'");
      return mpd_return_error (invocation, error);
    }
  report = mpd_check_bundle_report (self, invocation, name, options, &error);
  if (report == NULL)
    return mpd_return_error (invocation, error);
  mpd_manager1_complete_check_bundle (skeleton, invocation, mpd_json_to_variant (report));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- services and node ---- */

static gboolean
handle_list_services (MpdManager1 *skeleton, GDBusMethodInvocation *invocation, MpdDaemon *self)
{
  GVariantBuilder b;
  GPtrArray *plugins;

  if (self->plugins == NULL)
    return mpd_return_error (invocation, self->plugins_error);
  plugins = mp_plugin_loader_get_plugins (self->plugins);
  g_variant_builder_init (&b, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < plugins->len; i++)
    {
      g_autoptr(JsonNode) node = mp_plugin_to_json (g_ptr_array_index (plugins, i));
      g_variant_builder_add_value (&b, mpd_json_to_variant (node));
    }
  mpd_manager1_complete_list_services (skeleton, invocation, g_variant_builder_end (&b));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_node_facts (MpdManager1 *skeleton, GDBusMethodInvocation *invocation, MpdDaemon *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MpNodeFacts) facts = mp_node_facts_load (self->store, &error);
  g_autoptr(JsonNode) node = NULL;

  if (facts == NULL)
    return mpd_return_error (invocation, error);
  node = mp_node_facts_to_json (facts);
  mpd_manager1_complete_node_facts (skeleton, invocation, mpd_json_to_variant (node));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_set_node_fact (MpdManager1 *skeleton, GDBusMethodInvocation *invocation, const char *key,
                      const char *value, MpdDaemon *self)
{
  g_autoptr(GError) error = NULL;
  gboolean ok = *value == '\0' ? mp_node_facts_unset (self->store, key, &error)
                               : mp_node_facts_set (self->store, key, value, &error);

  if (!ok)
    return mpd_return_error (invocation, error);
  mpd_manager1_complete_set_node_fact (skeleton, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- the object ---- */

/* the invocation is freed once its reply is sent */
static void
on_invocation_done (gpointer user_data, GObject *where_the_object_was)
{
  MpdDaemon *self = user_data;

  g_atomic_int_dec_and_test (&self->in_flight);
}

/* runs in the worker thread before the handler: FALSE stops the call */
gboolean
mpd_daemon_authorize_call (GDBusInterfaceSkeleton *skeleton, GDBusMethodInvocation *invocation, MpdDaemon *self)
{
  const char *method = g_dbus_method_invocation_get_method_name (invocation);
  g_autoptr(GError) error = NULL;

  /* counted so that mpd_daemon_free() waits for calls in progress */
  g_atomic_int_inc (&self->in_flight);
  g_object_weak_ref (G_OBJECT (invocation), on_invocation_done, self);

  if (!mpd_auth_authorize (&self->auth, invocation,
                           mpd_auth_action_for_method (g_dbus_method_invocation_get_interface_name (invocation), method),
                           &error))
    {
      g_debug ("refused %s from %s: %s", method, g_dbus_method_invocation_get_sender (invocation), error->message);
      g_dbus_method_invocation_return_gerror (invocation, error);
      return FALSE;
    }
  return TRUE;
}

static const struct {
  const char *signal;
  GCallback handler;
} handlers[] = {
  { "handle-generate-csr", G_CALLBACK (handle_generate_csr) },
  { "handle-self-signed", G_CALLBACK (handle_self_signed) },
  { "handle-sign", G_CALLBACK (handle_sign) },
  { "handle-inspect", G_CALLBACK (handle_inspect) },
  { "handle-match", G_CALLBACK (handle_match) },
  { "handle-verify", G_CALLBACK (handle_verify) },
  { "handle-list", G_CALLBACK (handle_list) },
  { "handle-build-bundle", G_CALLBACK (handle_build_bundle) },
  { "handle-check-bundle", G_CALLBACK (handle_check_bundle) },
  { "handle-list-services", G_CALLBACK (handle_list_services) },
  { "handle-check", G_CALLBACK (mpd_handle_check) },
  { "handle-node-facts", G_CALLBACK (handle_node_facts) },
  { "handle-get-version", G_CALLBACK (handle_get_version) },
  { "handle-set-node-fact", G_CALLBACK (handle_set_node_fact) },
};

/**
 * mpd_daemon_new:
 * @store: the store the methods work on
 * @plugins: (nullable): the loaded service plugins
 * @plugins_error: (nullable): why @plugins is %NULL, returned by ListServices
 * @auth: who may call
 *
 * Returns: (transfer full): the object, not yet exported
 */
MpdDaemon *
mpd_daemon_new (MpStore *store, MpPluginLoader *plugins, const GError *plugins_error, const MpdAuth *auth)
{
  MpdDaemon *self = g_new0 (MpdDaemon, 1);

  g_mutex_init (&self->inspect_lock);
  self->store = mp_store_ref (store);
  self->plugins = plugins;
  if (plugins == NULL)
    self->plugins_error = plugins_error != NULL
                            ? g_error_copy (plugins_error)
                            : g_error_new_literal (MP_ERROR, MP_ERROR_FAILED, "no service plugins loaded");
  self->auth = *auth;
  self->check_interval = MPD_DEFAULT_CHECK_INTERVAL;
  self->warn_days = MP_APPLY_DEFAULT_WARN_DAYS;
  self->skeleton = mpd_manager_skeleton_new (self);
  for (guint i = 0; i < G_N_ELEMENTS (handlers); i++)
    g_signal_connect (self->skeleton, handlers[i].signal, handlers[i].handler, self);
  mpd_transfer_connect (self);
  mpd_json_methods_connect (self);
  mpd_provision_connect (self);
  self->services = g_ptr_array_new_with_free_func ((GDestroyNotify) mpd_service_free);
  for (guint i = 0; plugins != NULL && i < mp_plugin_loader_get_plugins (plugins)->len; i++)
    g_ptr_array_add (self->services, mpd_service_new (self, g_ptr_array_index (mp_plugin_loader_get_plugins (plugins), i)));
  return self;
}

/**
 * mpd_daemon_adopt_skeleton:
 *
 * Every interface of the daemon handles its calls in worker threads, after
 * the same authorization, and is counted in the calls mpd_daemon_free()
 * waits for.  (Manager1 has a dispatch of its own that does the same, in
 * mpd-dispatch.c.)
 */
void
mpd_daemon_adopt_skeleton (MpdDaemon *self, GDBusInterfaceSkeleton *skeleton)
{
  g_dbus_interface_skeleton_set_flags (skeleton, G_DBUS_INTERFACE_SKELETON_FLAGS_HANDLE_METHOD_INVOCATIONS_IN_THREAD);
  g_signal_connect (skeleton, "g-authorize-method", G_CALLBACK (mpd_daemon_authorize_call), self);
}

MpStore *
mpd_daemon_get_store (MpdDaemon *self)
{
  return self->store;
}

void
mpd_daemon_emit_service_changed (MpdDaemon *self, const char *name, GVariant *status)
{
  mpd_manager1_emit_service_changed (self->skeleton, name, status);
}

gboolean
mpd_daemon_export (MpdDaemon *self, GDBusConnection *connection, GError **error)
{
  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->skeleton), connection,
                                         MPD_OBJECT_PATH, error))
    return FALSE;
  for (guint i = 0; i < self->services->len; i++)
    {
      if (!mpd_service_export (g_ptr_array_index (self->services, i), connection, error))
        return FALSE;
    }
  if (self->plugins != NULL)
    mpd_daemon_start_periodic_check (self);
  return TRUE;
}

/* stops taking calls and waits (up to a minute) for those in progress, so
 * no worker thread is left using the store or the plugins; the plugin
 * loader stays the caller's */
void
mpd_daemon_free (MpdDaemon *self)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  g_autoptr(GDBusConnection) connection = NULL;

  if (self == NULL)
    return;
  mpd_daemon_stop_periodic_check (self);
  /* not exported when the bus could not be reached */
  connection = g_dbus_interface_skeleton_get_connection (G_DBUS_INTERFACE_SKELETON (self->skeleton));
  if (connection != NULL)
    {
      g_object_ref (connection);
      g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (self->skeleton));
    }
  for (guint i = 0; i < self->services->len; i++)
    mpd_service_unexport (g_ptr_array_index (self->services, i));
  /* an invocation may be released by the worker thread or by its task's
   * completion in the main context, so keep the context turning */
  while (g_atomic_int_get (&self->in_flight) > 0)
    {
      if (g_get_monotonic_time () > deadline)
        {
          /* a thread still uses self: leave it allocated, the process is ending */
          g_warning ("%d call(s) still running at exit", g_atomic_int_get (&self->in_flight));
          return;
        }
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (10 * 1000);
    }
  /* the last replies are queued in gdbus's worker thread: send them
   * before the process may end */
  if (connection != NULL)
    g_dbus_connection_flush_sync (connection, NULL, NULL);
  g_ptr_array_unref (self->services);
  g_signal_handlers_disconnect_by_data (self->skeleton, self);
  g_object_unref (self->skeleton);
  mp_store_unref (self->store);
  g_clear_error (&self->plugins_error);
  g_free (self->inspect_name);
  g_clear_pointer (&self->inspect_data, g_bytes_unref);
  g_clear_pointer (&self->inspect_reply, g_variant_unref);
  g_mutex_clear (&self->inspect_lock);
  g_free (self);
}
