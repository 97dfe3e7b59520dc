/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * who may call: on the system bus polkit decides per action; on a session
 * bus only the user who owns the bus.  the check runs in the worker thread
 * that handles the call, before any work, so a slow polkit answer never
 * holds up other callers.
 */
#include "config.h"

#include <unistd.h>

#ifdef HAVE_POLKIT
#include <polkit/polkit.h>
#endif

#include "mpd.h"

/* every method of every interface and the action it needs; a method
 * missing here is refused, so a new method cannot slip through without a
 * rule.  names are looked up with their interface: Service1.GetStatus reads
 * while Manager1.GenerateCsr and Service1.GenerateCsr write. */
#define MANAGER "io.meetpki.Manager1"
#define SERVICE "io.meetpki.Service1"
#define CLUSTER "io.meetpki.Cluster1"
static const struct {
  const char *interface;
  const char *method;
  const char *action;
} method_actions[] = {
  { MANAGER, "GenerateCsr", MPD_ACTION_WRITE },
  { MANAGER, "SelfSigned", MPD_ACTION_WRITE },
  { MANAGER, "Sign", MPD_ACTION_WRITE },
  { MANAGER, "BuildBundle", MPD_ACTION_WRITE },
  { MANAGER, "SetNodeFact", MPD_ACTION_WRITE },
  { MANAGER, "Import", MPD_ACTION_WRITE },
  { MANAGER, "BuildBundleJson", MPD_ACTION_WRITE },
  { MANAGER, "Export", MPD_ACTION_WRITE },
  { MANAGER, "Pkcs12ToPem", MPD_ACTION_WRITE },
  { MANAGER, "Provision", MPD_ACTION_WRITE },
  { MANAGER, "FixBundleJson", MPD_ACTION_WRITE },
  { MANAGER, "Inspect", MPD_ACTION_READ },
  { MANAGER, "Match", MPD_ACTION_READ },
  { MANAGER, "MatchFiles", MPD_ACTION_READ },
  { MANAGER, "Verify", MPD_ACTION_READ },
  { MANAGER, "List", MPD_ACTION_READ },
  { MANAGER, "CheckBundle", MPD_ACTION_READ },
  { MANAGER, "ListServices", MPD_ACTION_READ },
  { MANAGER, "NodeFacts", MPD_ACTION_READ },
  { MANAGER, "GetVersion", MPD_ACTION_READ },
  { MANAGER, "Check", MPD_ACTION_READ },
  { MANAGER, "InspectJson", MPD_ACTION_READ },
  { MANAGER, "ListJson", MPD_ACTION_READ },
  { MANAGER, "CheckBundleJson", MPD_ACTION_READ },
  { MANAGER, "VerifyJson", MPD_ACTION_READ },
  { MANAGER, "NodeFactsJson", MPD_ACTION_READ },
  { MANAGER, "ListServicesJson", MPD_ACTION_READ },
  { MANAGER, "ServiceStatusJson", MPD_ACTION_READ },
  { MANAGER, "ClusterStatusJson", MPD_ACTION_READ },
  { SERVICE, "GetStatus", MPD_ACTION_READ },
  { SERVICE, "GenerateCsr", MPD_ACTION_WRITE },
  { SERVICE, "ApplyCertificates", MPD_ACTION_WRITE },
  { SERVICE, "Apply", MPD_ACTION_WRITE },
  { SERVICE, "InstallTrust", MPD_ACTION_WRITE },
  { SERVICE, "Rollback", MPD_ACTION_WRITE },
  { SERVICE, "ApplyCertificatesJson", MPD_ACTION_WRITE },
  { SERVICE, "ApplyJson", MPD_ACTION_WRITE },
  { SERVICE, "RollbackJson", MPD_ACTION_WRITE },
  { SERVICE, "Enable", MPD_ACTION_WRITE },
  { SERVICE, "Disable", MPD_ACTION_WRITE },
  { SERVICE, "Restart", MPD_ACTION_WRITE },
  { SERVICE, "SetEndpoint", MPD_ACTION_WRITE },
  /* sets the commands the exec backend runs as the daemon's user */
  { SERVICE, "SetBackend", MPD_ACTION_SET_BACKEND },
  { SERVICE, "Probe", MPD_ACTION_READ },
  { CLUSTER, "GetStatus", MPD_ACTION_READ },
  { CLUSTER, "SetLocalNode", MPD_ACTION_WRITE },
  { CLUSTER, "Initialize", MPD_ACTION_WRITE },
  { CLUSTER, "Join", MPD_ACTION_WRITE },
  { CLUSTER, "Connect", MPD_ACTION_WRITE },
  { CLUSTER, "Remove", MPD_ACTION_WRITE },
};

/**
 * mpd_auth_action_for_method:
 * @interface: io.meetpki.Manager1, io.meetpki.Service1 or io.meetpki.Cluster1
 * @method: a method of @interface
 *
 * Returns: (nullable): the polkit action @method needs, or %NULL for a
 *   method that is not in the table (and so is refused)
 */
const char *
mpd_auth_action_for_method (const char *interface, const char *method)
{
  for (guint i = 0; interface != NULL && method != NULL && i < G_N_ELEMENTS (method_actions); i++)
    {
      if (g_str_equal (method_actions[i].interface, interface) && g_str_equal (method_actions[i].method, method))
        return method_actions[i].action;
    }
  return NULL;
}

/* unique bus names are never reused while a bus runs, so the uid of a
 * sender never changes: remembering it spares each call a round trip to
 * the bus.  the table hangs on the connection and dies with it. */
#define UID_CACHE_KEY "mpd-uid-cache"
#define UID_CACHE_MAX 4096
static GMutex uid_cache_lock;

static gboolean
uid_cache_lookup (GDBusConnection *connection, const char *sender, uid_t *uid)
{
  GHashTable *cache;
  gpointer value = NULL;
  gboolean found = FALSE;

  g_mutex_lock (&uid_cache_lock);
  cache = g_object_get_data (G_OBJECT (connection), UID_CACHE_KEY);
  if (cache != NULL && g_hash_table_lookup_extended (cache, sender, NULL, &value))
    {
      *uid = (uid_t) GPOINTER_TO_UINT (value);
      found = TRUE;
    }
  g_mutex_unlock (&uid_cache_lock);
  return found;
}

static void
uid_cache_store (GDBusConnection *connection, const char *sender, uid_t uid)
{
  GHashTable *cache;

  g_mutex_lock (&uid_cache_lock);
  cache = g_object_get_data (G_OBJECT (connection), UID_CACHE_KEY);
  if (cache == NULL)
    {
      cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_object_set_data_full (G_OBJECT (connection), UID_CACHE_KEY, cache, (GDestroyNotify) g_hash_table_unref);
    }
  /* callers come and go: start over rather than grow without bound */
  if (g_hash_table_size (cache) >= UID_CACHE_MAX)
    g_hash_table_remove_all (cache);
  g_hash_table_insert (cache, g_strdup (sender), GUINT_TO_POINTER ((guint) uid));
  g_mutex_unlock (&uid_cache_lock);
}

/**
 * mpd_auth_get_caller_uid:
 *
 * Asks the bus which unix user @sender runs as.  The peer credentials of a
 * bus connection are the bus daemon's, so only the bus can tell.
 */
gboolean
mpd_auth_get_caller_uid (GDBusConnection *connection, const char *sender,
                         uid_t *uid, GError **error)
{
  g_autoptr(GVariant) reply = NULL;
  guint32 value;

  if (sender == NULL)
    {
      g_set_error_literal (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED,
                           "calls without a bus name are not accepted");
      return FALSE;
    }
  if (uid_cache_lookup (connection, sender, uid))
    return TRUE;
  reply = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetConnectionUnixUser",
                                       g_variant_new ("(s)", sender), G_VARIANT_TYPE ("(u)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
  if (reply == NULL)
    return FALSE;
  g_variant_get (reply, "(u)", &value);
  *uid = (uid_t) value;
  uid_cache_store (connection, sender, *uid);
  return TRUE;
}

/**
 * mpd_auth_known_allowed:
 *
 * Whether @invocation is authorized from what is known already, without
 * asking the bus or polkit: on the session bus, a caller whose uid is
 * remembered and is the owner's.  %FALSE means "not known", not "refused":
 * mpd_auth_authorize() decides those.
 */
gboolean
mpd_auth_known_allowed (const MpdAuth *auth, GDBusMethodInvocation *invocation)
{
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  uid_t uid;

  if (auth->system_bus || sender == NULL)
    return FALSE;
  return uid_cache_lookup (g_dbus_method_invocation_get_connection (invocation), sender, &uid) &&
         uid == auth->owner_uid;
}

/**
 * mpd_auth_check_session:
 * @connection: the bus connection the call came in on
 * @sender: the caller's unique bus name
 * @owner_uid: the only user allowed (the daemon's own, getuid())
 * @error: return location for a #GError
 *
 * The rule on a session bus: a user's own store answers that user only.
 *
 * Returns: %TRUE when @sender runs as @owner_uid; else %FALSE with
 *   %G_DBUS_ERROR_ACCESS_DENIED
 */
gboolean
mpd_auth_check_session (GDBusConnection *connection, const char *sender,
                        uid_t owner_uid, GError **error)
{
  uid_t uid;

  if (!mpd_auth_get_caller_uid (connection, sender, &uid, error))
    return FALSE;
  if (uid != owner_uid)
    {
      g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED,
                   "access denied: this daemon serves uid %u only, the caller is uid %u",
                   (guint) owner_uid, (guint) uid);
      return FALSE;
    }
  return TRUE;
}

/**
 * mpd_auth_polkit:
 * @action_id: the polkit action
 * @sender: the caller's unique bus name (a polkit system-bus-name subject)
 * @interactive: the caller allows an authentication dialog
 * @user_data: unused
 * @error: return location for a #GError
 *
 * Asks polkit.  Without polkit support (built with -Dpolkit=disabled) only
 * root may call on the system bus.
 *
 * Returns: %TRUE when authorized
 */
gboolean
mpd_auth_polkit (const char *action_id, const char *sender, gboolean interactive,
                 gpointer user_data, GError **error)
{
#ifdef HAVE_POLKIT
  g_autoptr(PolkitAuthority) authority = NULL;
  g_autoptr(PolkitSubject) subject = NULL;
  g_autoptr(PolkitAuthorizationResult) result = NULL;
  g_autoptr(GError) local = NULL;

  authority = polkit_authority_get_sync (NULL, &local);
  if (authority == NULL)
    {
      g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED,
                   "access denied: cannot reach polkit to authorize %s: %s", action_id, local->message);
      return FALSE;
    }
  subject = polkit_system_bus_name_new (sender);
  result = polkit_authority_check_authorization_sync (authority, subject, action_id, NULL,
                                                      interactive ? POLKIT_CHECK_AUTHORIZATION_FLAGS_ALLOW_USER_INTERACTION
                                                                  : POLKIT_CHECK_AUTHORIZATION_FLAGS_NONE,
                                                      NULL, &local);
  if (result == NULL)
    {
      g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED,
                   "access denied: polkit failed to authorize %s: %s", action_id, local->message);
      return FALSE;
    }
  if (!polkit_authorization_result_get_is_authorized (result))
    {
      g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED,
                   polkit_authorization_result_get_is_challenge (result)
                     ? "access denied: %s needs authentication (call with interactive authorization allowed)"
                     : "access denied: not authorized for %s",
                   action_id);
      return FALSE;
    }
  return TRUE;
#else
  /* sender is checked by the caller of this fallback: see mpd_auth_authorize */
  g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED,
               "access denied: built without polkit, only root may call (%s)", action_id);
  return FALSE;
#endif
}

/**
 * mpd_auth_authorize:
 * @auth: the daemon's rule
 * @invocation: the incoming call
 * @action_id: the action the method needs
 * @error: return location for a #GError
 *
 * Returns: %TRUE when the caller may go on; else %FALSE with
 *   %G_DBUS_ERROR_ACCESS_DENIED (or the bus's error)
 */
gboolean
mpd_auth_authorize (const MpdAuth *auth, GDBusMethodInvocation *invocation,
                    const char *action_id, GError **error)
{
  GDBusConnection *connection = g_dbus_method_invocation_get_connection (invocation);
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  GDBusMessage *message = g_dbus_method_invocation_get_message (invocation);
  gboolean interactive =
    (g_dbus_message_get_flags (message) & G_DBUS_MESSAGE_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION) != 0;

  if (action_id == NULL)
    {
      g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED,
                   "access denied: %s has no authorization rule",
                   g_dbus_method_invocation_get_method_name (invocation));
      return FALSE;
    }
  if (!auth->system_bus)
    return mpd_auth_check_session (connection, sender, auth->owner_uid, error);
  if (sender == NULL)
    {
      g_set_error_literal (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED,
                           "calls without a bus name are not accepted");
      return FALSE;
    }
#ifndef HAVE_POLKIT
  if (auth->polkit == NULL)
    return mpd_auth_check_session (connection, sender, 0, error);
#endif
  if (auth->polkit != NULL)
    return auth->polkit (action_id, sender, interactive, auth->polkit_data, error);
  return mpd_auth_polkit (action_id, sender, interactive, NULL, error);
}
