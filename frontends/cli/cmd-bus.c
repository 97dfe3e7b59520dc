/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `meetpki --bus ...`: a command sent to meetpkid instead of run here.
 * each routed command has a second handler beside its in-process one, in
 * the same file, and both hand their result to the same printer; this
 * file holds the table of routes, the connection and the mapping of bus
 * errors to the cli's.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixfdlist.h>
#include <string.h>
#include <unistd.h>

#include "mp-cli.h"

#define MANAGER_NAME "io.meetpki.Manager1"
#define MANAGER_PATH MP_CLI_BUS_MANAGER_PATH
#define MANAGER_IFACE MP_CLI_BUS_MANAGER_IFACE
/* key generation runs in the daemon: allow it minutes, as in-process */
#define CALL_TIMEOUT_MS (10 * 60 * 1000)

G_DEFINE_QUARK (meetpki-cli-error-quark, mp_cli_error)

/* the commands meetpkid has a method for; the rest are refused with --bus */
static const struct {
  const char *words;
  MpCliHandler handler;
} routes[] = {
  { "pki csr", mp_cli_bus_pki_csr },
  { "pki selfsigned", mp_cli_bus_pki_selfsigned },
  { "pki sign", mp_cli_bus_pki_sign },
  { "pki inspect", mp_cli_bus_pki_inspect },
  { "pki match", mp_cli_bus_pki_match },
  { "pki list", mp_cli_bus_pki_list },
  { "pki import", mp_cli_bus_pki_import },
  { "pki export", mp_cli_bus_pki_export },
  { "pki pkcs12-to-pem", mp_cli_bus_pki_pkcs12_to_pem },
  { "pki verify", mp_cli_bus_pki_verify },
  { "bundle build", mp_cli_bus_bundle_build },
  { "bundle check", mp_cli_bus_bundle_check },
  { "bundle fix", mp_cli_bus_bundle_fix },
  { "node set", mp_cli_bus_node_set },
  { "node unset", mp_cli_bus_node_unset },
  { "node show", mp_cli_bus_node_show },
  { "node provision", mp_cli_bus_node_provision },
  { "plugins list", mp_cli_bus_plugins_list },
  { "check", mp_cli_bus_check },
  { "<service> csr", mp_cli_bus_service_csr },
  { "<service> certs", mp_cli_bus_service_certs },
  { "<service> apply", mp_cli_bus_service_apply },
  { "<service> rollback", mp_cli_bus_service_rollback },
  { "<service> trust", mp_cli_bus_service_trust },
  { "<service> enable", mp_cli_bus_service_step },
  { "<service> disable", mp_cli_bus_service_step },
  { "<service> restart", mp_cli_bus_service_step },
  { "<service> status", mp_cli_bus_service_status },
  { "<service> backend", mp_cli_bus_service_backend },
  { "<service> endpoint", mp_cli_bus_service_endpoint },
  { "<service> probe", mp_cli_bus_service_probe },
  { "<service> cluster certs", mp_cli_bus_cluster_certs },
  { "<service> cluster localnode", mp_cli_bus_cluster_localnode },
  { "<service> cluster initialize", mp_cli_bus_cluster_setup },
  { "<service> cluster join", mp_cli_bus_cluster_setup },
  { "<service> cluster connect", mp_cli_bus_cluster_setup },
  { "<service> cluster remove", mp_cli_bus_cluster_remove },
  { "<service> cluster status", mp_cli_bus_cluster_status },
  { "services", mp_cli_bus_plugins_list },
};

/**
 * mp_cli_bus_route:
 * @words: a command's words, "pki csr"
 *
 * Returns: (nullable): the handler that runs @words through meetpkid, or
 *   %NULL when the daemon has no method for it
 */
MpCliHandler
mp_cli_bus_route (const char *words)
{
  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    {
      if (g_str_equal (routes[i].words, words))
        return routes[i].handler;
    }
  return NULL;
}

static const char *
bus_label (MpCli *cli)
{
  return cli->bus_type == G_BUS_TYPE_SYSTEM ? "system bus" : "session bus";
}

/* a bus error as the cli reports it: the daemon's own errors keep their
 * MP_ERROR code (registered by mp_error_quark()), so they print and exit
 * as in-process; the bus's own become unavailable (69) or refused (77) */
static void
convert_error (MpCli *cli, const char *method, GError *remote, GError **error)
{
  g_autoptr(GError) e = remote;

  if (g_dbus_error_is_remote_error (e))
    g_dbus_error_strip_remote_error (e);
  if (e->domain == MP_ERROR)
    {
      g_propagate_error (error, g_steal_pointer (&e));
      return;
    }
  if (g_error_matches (e, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED) ||
      g_error_matches (e, G_DBUS_ERROR, G_DBUS_ERROR_AUTH_FAILED) ||
      g_error_matches (e, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
    {
      g_set_error (error, MP_CLI_ERROR, MP_CLI_ERROR_ACCESS_DENIED, "meetpkid refused %s: %s", method, e->message);
      return;
    }
  if (g_error_matches (e, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
      g_error_matches (e, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER) ||
      g_error_matches (e, G_DBUS_ERROR, G_DBUS_ERROR_SPAWN_SERVICE_NOT_FOUND) ||
      g_error_matches (e, G_DBUS_ERROR, G_DBUS_ERROR_SPAWN_EXEC_FAILED) ||
      g_error_matches (e, G_DBUS_ERROR, G_DBUS_ERROR_SPAWN_CHILD_EXITED) ||
      g_error_matches (e, G_DBUS_ERROR, G_DBUS_ERROR_NO_REPLY) ||
      g_error_matches (e, G_DBUS_ERROR, G_DBUS_ERROR_DISCONNECTED) ||
      g_error_matches (e, G_IO_ERROR, G_IO_ERROR_CLOSED))
    {
      g_set_error (error, MP_CLI_ERROR, MP_CLI_ERROR_BUS_UNAVAILABLE,
                   "meetpkid is not running on the %s (%s)", bus_label (cli), e->message);
      return;
    }
  if (g_error_matches (e, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD))
    {
      g_set_error (error, MP_CLI_ERROR, MP_CLI_ERROR_BUS_UNAVAILABLE,
                   "the meetpkid on the %s has no method %s (an older version?)", bus_label (cli), method);
      return;
    }
  g_set_error (error, MP_ERROR, MP_ERROR_FAILED, "meetpkid: %s", e->message);
}

/**
 * mp_cli_bus_get:
 * @cli: the cli context, with a bus chosen
 * @error: return location for a #GError
 *
 * Returns: (transfer none): the connection, opened on first use, or
 *   %NULL with an error main() exits 69 for
 */
GDBusConnection *
mp_cli_bus_get (MpCli *cli, GError **error)
{
  g_autoptr(GError) local = NULL;

  if (cli->bus != NULL)
    return cli->bus;
  /* registers io.meetpki.Error.* before any reply can carry one */
  (void) mp_error_quark ();
  cli->bus = g_bus_get_sync (cli->bus_type, NULL, &local);
  if (cli->bus == NULL)
    {
      g_set_error (error, MP_CLI_ERROR, MP_CLI_ERROR_BUS_UNAVAILABLE,
                   "cannot connect to the %s: %s", bus_label (cli), local->message);
      return NULL;
    }
  return cli->bus;
}

/**
 * mp_cli_bus_call:
 * @cli: the cli context, with a bus chosen
 * @method: a method of io.meetpki.Manager1
 * @params: (transfer floating) (nullable): its arguments
 * @reply_type: the reply's type
 * @fds: (nullable): descriptors the arguments point at
 * @error: return location for a #GError
 *
 * Calls meetpkid, allowing polkit to ask for a password.
 *
 * Returns: (transfer full): the reply, or %NULL with an error main() can
 *   turn into the in-process message and exit status
 */
GVariant *
mp_cli_bus_call (MpCli *cli, const char *method, GVariant *params, const GVariantType *reply_type,
                 GUnixFDList *fds, GError **error)
{
  return mp_cli_bus_call_object (cli, MANAGER_PATH, MANAGER_IFACE, method, params, reply_type, fds, error);
}

/**
 * mp_cli_bus_service_path:
 * @service: a service plugin's name
 *
 * Returns: (transfer full): the object path meetpkid exports the service
 *   at: its name with every byte but a letter or digit as '_' and two hex
 *   digits (g_dbus_escape_object_path(), the daemon's mpd_service_path_for())
 */
char *
mp_cli_bus_service_path (const char *service)
{
  g_autofree char *element = g_dbus_escape_object_path (service);

  return g_strconcat (MANAGER_PATH "/services/", element, NULL);
}

/**
 * mp_cli_bus_call_object:
 *
 * mp_cli_bus_call() of a method of another object of meetpkid (a
 * service's io.meetpki.Service1).
 */
GVariant *
mp_cli_bus_call_object (MpCli *cli, const char *path, const char *iface, const char *method, GVariant *params,
                        const GVariantType *reply_type, GUnixFDList *fds, GError **error)
{
  GDBusConnection *bus = mp_cli_bus_get (cli, error);
  g_autoptr(GVariant) sunk = params != NULL ? g_variant_ref_sink (params) : NULL;
  GError *local = NULL;
  GVariant *reply;

  if (bus == NULL)
    return NULL;
  reply = g_dbus_connection_call_with_unix_fd_list_sync (bus, MANAGER_NAME, path, iface, method,
                                                         sunk, reply_type,
                                                         G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION,
                                                         CALL_TIMEOUT_MS, fds, NULL, NULL, &local);
  if (reply == NULL)
    convert_error (cli, method, local, error);
  return reply;
}

/**
 * mp_cli_bus_print_lines:
 * @cli: the cli context
 * @lines: an `as` of lines
 *
 * Prints lines the daemon sent, as the in-process command prints them,
 * or keeps them in @cli's lines (certs --json) as it keeps its own.
 */
void
mp_cli_bus_print_lines (MpCli *cli, GVariant *lines)
{
  g_autofree const char **strv = g_variant_get_strv (lines, NULL);

  for (guint i = 0; strv[i] != NULL; i++)
    {
      if (cli->lines != NULL)
        g_ptr_array_add (cli->lines, g_strdup (strv[i]));
      else
        g_print ("%s\n", strv[i]);
    }
}

/* the Lines signal: what a failed command printed before its error */
static void
on_lines (GDBusConnection *connection, const char *sender, const char *path, const char *iface,
          const char *signal, GVariant *params, gpointer user_data)
{
  g_autoptr(GVariant) lines = NULL;

  if (!g_variant_is_of_type (params, G_VARIANT_TYPE ("(as)")))
    return;
  lines = g_variant_get_child_value (params, 0);
  mp_cli_bus_print_lines (user_data, lines);
}

/**
 * mp_cli_bus_call_lines:
 *
 * mp_cli_bus_call_object() of a method whose failure comes with the lines
 * the in-process command prints before its error: the daemon sends them
 * to this caller alone as the Lines signal of @iface on @path, before the
 * error reply; they are printed here.  The reply's own lines are the
 * caller's to print.
 */
GVariant *
mp_cli_bus_call_lines (MpCli *cli, const char *path, const char *iface, const char *method, GVariant *params,
                       const GVariantType *reply_type, GUnixFDList *fds, GError **error)
{
  GDBusConnection *bus = mp_cli_bus_get (cli, error);
  GVariant *reply;
  guint sub;

  if (bus == NULL)
    {
      if (params != NULL)
        g_variant_unref (g_variant_ref_sink (params));
      return NULL;
    }
  /* any sender: the signal comes from the daemon's unique name */
  sub = g_dbus_connection_signal_subscribe (bus, NULL, iface, "Lines", path, NULL,
                                            G_DBUS_SIGNAL_FLAGS_NONE, on_lines, cli, NULL);
  reply = mp_cli_bus_call_object (cli, path, iface, method, params, reply_type, fds, error);
  if (reply == NULL)
    {
      /* the signal came before the error reply: its dispatch is queued */
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }
  g_dbus_connection_signal_unsubscribe (bus, sub);
  return reply;
}

/**
 * mp_cli_bus_call_json:
 *
 * mp_cli_bus_call() of one of the *Json methods.
 *
 * Returns: (transfer full): the parsed reply, the very tree the engine
 *   built in the daemon, or %NULL with an error
 */
JsonNode *
mp_cli_bus_call_json (MpCli *cli, const char *method, GVariant *params, GUnixFDList *fds, GError **error)
{
  g_autoptr(GVariant) reply = mp_cli_bus_call (cli, method, params, G_VARIANT_TYPE ("(s)"), fds, error);
  g_autoptr(GError) local = NULL;
  const char *text;
  JsonNode *node;

  if (reply == NULL)
    return NULL;
  g_variant_get (reply, "(&s)", &text);
  node = json_from_string (text, &local);
  if (node == NULL)
    g_set_error (error, MP_ERROR, MP_ERROR_FAILED, "meetpkid sent unreadable JSON from %s: %s", method,
                 local->message);
  return node;
}

/**
 * mp_cli_bus_is_path:
 * @arg: a file argument
 *
 * With --bus, an argument with a directory part is a file of the caller's
 * (passed as a descriptor where the method takes one); a plain name is a
 * file of the daemon's store.
 */
gboolean
mp_cli_bus_is_path (const char *arg)
{
  return strchr (arg, '/') != NULL;
}

/**
 * mp_cli_bus_add_input:
 * @arg: the argument
 * @key: the option that takes the descriptor, e.g. "fd"
 * @fds: the call's descriptors
 * @options: the call's options (a{sv} being built)
 * @error: return location for a #GError
 *
 * For a path, opens the file with the caller's own rights and passes it
 * under @key; a store name is left to the daemon.  The messages are those
 * of the in-process command.
 */
gboolean
mp_cli_bus_add_input (const char *arg, const char *key, GUnixFDList *fds, GVariantBuilder *options,
                      GError **error)
{
  int index;

  if (!mp_cli_bus_is_path (arg))
    return TRUE;
  index = mp_cli_bus_open_input (arg, fds, error);
  if (index < 0)
    return FALSE;
  g_variant_builder_add (options, "{sv}", key, g_variant_new_handle (index));
  return TRUE;
}

/**
 * mp_cli_bus_open_input:
 * @arg: a path
 * @fds: the call's descriptors
 * @error: return location for a #GError
 *
 * Opens the file with the caller's own rights, with the messages of the
 * in-process read, and appends it to @fds.
 *
 * Returns: its index in @fds, or -1 with an error
 */
int
mp_cli_bus_open_input (const char *arg, GUnixFDList *fds, GError **error)
{
  int fd;

  if (!g_file_test (arg, G_FILE_TEST_IS_REGULAR))
    {
      if (g_file_test (arg, G_FILE_TEST_EXISTS))
        g_set_error (error, MP_ERROR, MP_ERROR_IO, "%s is not a regular file", arg);
      else
        g_set_error (error, MP_ERROR, MP_ERROR_NOT_FOUND, "%s: no such file", arg);
      return -1;
    }
  fd = open (arg, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    {
      int errsv = errno;
      g_set_error (error, MP_ERROR, MP_ERROR_IO, "Failed to open file “%s”: %s", arg, g_strerror (errsv));
      return -1;
    }
  return mp_cli_bus_pass_fd (fds, fd, error);
}

/**
 * mp_cli_bus_pass_fd:
 * @fds: the call's descriptors
 * @fd: (transfer full): a descriptor of ours, closed here
 * @error: return location for a #GError
 *
 * Appends (a duplicate of) @fd to @fds and closes @fd.
 *
 * Returns: its index in @fds, or -1 with an error
 */
int
mp_cli_bus_pass_fd (GUnixFDList *fds, int fd, GError **error)
{
  int index = g_unix_fd_list_append (fds, fd, error);

  close (fd);
  return index;
}

/**
 * mp_cli_bus_refuse_path:
 *
 * For a method that reads the daemon's store only: refuses a path.
 */
gboolean
mp_cli_bus_refuse_path (MpCli *cli, const char *arg, GError **error)
{
  if (!mp_cli_bus_is_path (arg))
    return TRUE;
  g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
               "%s: through the bus 'meetpki %s' takes names of the daemon's store only; "
               "import the file first or run without --bus", arg, cli->words);
  return FALSE;
}
