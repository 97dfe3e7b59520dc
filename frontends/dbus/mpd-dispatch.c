/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * how io.meetpki.Manager1's calls reach their handlers.  GDBusInterface-
 * Skeleton would run every call in a worker thread, after authorization
 * there (it may ask the bus or polkit, so it may wait); this dispatch does
 * the same, but answers an Inspect of a small store file by a caller
 * already known in the main thread, without the hand-over to a worker
 * thread and back (doc/dbus.md, Speed).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mpd.h"
#include "mpd-generated.h"
#include "mpd-daemon.h"

/* an Inspect of a file this small is answered in the main thread (about a
 * millisecond for ten certificates); a bigger one goes to a worker so that
 * it never holds up other callers */
#define INLINE_INSPECT_MAX_BYTES 16384

/* Manager1's generated skeleton, with this dispatch */
typedef struct {
  MpdManager1Skeleton parent_instance;
  MpdDaemon *daemon;
} MpdManagerSkeleton;

typedef struct {
  MpdManager1SkeletonClass parent_class;
} MpdManagerSkeletonClass;

static GType mpd_manager_skeleton_get_type (void);
G_DEFINE_TYPE (MpdManagerSkeleton, mpd_manager_skeleton, MPD_TYPE_MANAGER1_SKELETON)

/* the generated skeleton's vtable (its get_vtable ignores the instance) */
static GDBusInterfaceVTable *
generated_vtable (void)
{
  return G_DBUS_INTERFACE_SKELETON_CLASS (mpd_manager_skeleton_parent_class)->get_vtable (NULL);
}

static void
call_generated_handler (GDBusInterfaceSkeleton *skeleton, GDBusMethodInvocation *invocation)
{
  generated_vtable ()->method_call (g_dbus_method_invocation_get_connection (invocation),
                                    g_dbus_method_invocation_get_sender (invocation),
                                    g_dbus_method_invocation_get_object_path (invocation),
                                    g_dbus_method_invocation_get_interface_name (invocation),
                                    g_dbus_method_invocation_get_method_name (invocation),
                                    g_dbus_method_invocation_get_parameters (invocation),
                                    invocation, skeleton);
}

/* what GDBusInterfaceSkeleton does for the other interfaces: authorize,
 * then the handler, in a worker; the invocation is handed on */
static void
dispatch_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  MpdManagerSkeleton *skeleton = source;
  GDBusMethodInvocation *invocation = task_data;

  if (mpd_daemon_authorize_call (G_DBUS_INTERFACE_SKELETON (skeleton), invocation, skeleton->daemon))
    call_generated_handler (G_DBUS_INTERFACE_SKELETON (skeleton), invocation);
}

/* the store file @name into *@data when it is a regular file of at most
 * @max bytes; *@data stays NULL, and no error, when it is not (or cannot
 * be opened here: the worker reads it again and says why) */
static gboolean
read_small_store_file (MpdDaemon *self, const char *name, gsize max, GBytes **data, GError **error)
{
  g_autofree char *path = mp_store_resolve_existing (self->store, name, error);
  g_autofree char *buf = NULL;
  struct stat st;
  gsize len = 0;
  int fd;

  if (path == NULL)
    return FALSE;
  /* non-blocking: a fifo put in its place meanwhile must not stop the main thread */
  fd = open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return TRUE;
  if (fstat (fd, &st) == 0 && S_ISREG (st.st_mode) && (gsize) st.st_size <= max)
    {
      buf = g_malloc ((gsize) st.st_size + 1);
      while (len <= (gsize) st.st_size)
        {
          ssize_t n = read (fd, buf + len, (gsize) st.st_size + 1 - len);
          if (n < 0 && errno == EINTR)
            continue;
          if (n <= 0)
            break;
          len += (gsize) n;
        }
      /* grown or shrunk meanwhile: the worker reads it */
      if (len == (gsize) st.st_size)
        *data = g_bytes_new_take (g_steal_pointer (&buf), len);
    }
  close (fd);
  return TRUE;
}

/* Inspect of a small file, by a caller allowed already (its uid known on
 * the session bus): answered here, in the main thread.  FALSE when the
 * call is not one of those; the worker then takes it from the start. */
static gboolean
try_inspect_inline (MpdDaemon *self, GDBusMethodInvocation *invocation)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) data = NULL;
  const char *name;

  if (!g_str_equal (g_dbus_method_invocation_get_method_name (invocation), "Inspect") ||
      !mpd_auth_known_allowed (&self->auth, invocation))
    return FALSE;
  g_variant_get (g_dbus_method_invocation_get_parameters (invocation), "(&s)", &name);
  if (!read_small_store_file (self, name, INLINE_INSPECT_MAX_BYTES, &data, &error))
    {
      mpd_return_error (invocation, error);
      return TRUE;
    }
  if (data == NULL)
    return FALSE;
  g_debug ("Inspect %s: answered in the main thread", name);
  mpd_inspect_answer (self, invocation, name, data);
  return TRUE;
}

/* runs in the main thread for every Manager1 call */
static void
manager_method_call (GDBusConnection *connection, const char *sender, const char *object_path,
                     const char *interface_name, const char *method_name, GVariant *parameters,
                     GDBusMethodInvocation *invocation, gpointer user_data)
{
  MpdManagerSkeleton *skeleton = user_data;
  g_autoptr(GTask) task = NULL;

  if (try_inspect_inline (skeleton->daemon, invocation))
    return;
  task = g_task_new (skeleton, NULL, NULL, NULL);
  g_task_set_task_data (task, invocation, NULL);
  g_task_run_in_thread (task, dispatch_in_thread);
}

static GDBusInterfaceVTable manager_vtable;

static GDBusInterfaceVTable *
manager_get_vtable (GDBusInterfaceSkeleton *skeleton)
{
  return &manager_vtable;
}

static void
mpd_manager_skeleton_class_init (MpdManagerSkeletonClass *klass)
{
  /* the generated one's property accessors, our method dispatch */
  manager_vtable = *generated_vtable ();
  manager_vtable.method_call = manager_method_call;
  G_DBUS_INTERFACE_SKELETON_CLASS (klass)->get_vtable = manager_get_vtable;
}

static void
mpd_manager_skeleton_init (MpdManagerSkeleton *skeleton)
{
}

/**
 * mpd_manager_skeleton_new:
 * @daemon: whose handlers and authorization the calls go to
 *
 * Returns: (transfer full): Manager1's skeleton, with the dispatch above
 */
MpdManager1 *
mpd_manager_skeleton_new (MpdDaemon *daemon)
{
  MpdManagerSkeleton *skeleton = g_object_new (mpd_manager_skeleton_get_type (), NULL);

  skeleton->daemon = daemon;
  return MPD_MANAGER1 (skeleton);
}
