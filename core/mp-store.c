/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the node store: one directory holding every key, csr and certificate, with
 * names confined to it and every write atomic.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "meetpki/mp-store.h"
#include "meetpki/mp-error.h"
#include "mp-private.h"

struct _MpStore {
  gatomicrefcount ref;
  char *path; /* canonical, no trailing slash; as given when missing for reading */
  gboolean missing; /* no directory was there when it was opened */
  gboolean deferred; /* missing, and made at the first write (mp_store_ensure_dir) */
  gboolean services_wanted; /* the service lock is held, to be taken at the making */
  int services_fd; /* that lock, once the directory is made; else -1 */
  char *made_top; /* the outermost directory mp_store_ensure_dir() made, if it made the store */
  GMutex lock;
};

/**
 * mp_store_ref:
 * @self: a store
 *
 * Returns: (transfer full): @self, with one more reference
 */
MpStore *
mp_store_ref (MpStore *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref);
  return self;
}

/**
 * mp_store_unref:
 * @self: (nullable): a store
 *
 * Drops a reference; the last one frees the handle (never the directory).
 */
void
mp_store_unref (MpStore *self)
{
  if (self == NULL || !g_atomic_ref_count_dec (&self->ref))
    return;
  if (self->services_fd >= 0)
    close (self->services_fd);
  g_mutex_clear (&self->lock);
  g_free (self->made_top);
  g_free (self->path);
  g_free (self);
}

/**
 * mp_store_default_path:
 *
 * Returns: (transfer full): `$MEETPKI_HOME`, else `/var/lib/meetpki` for root
 * and `$XDG_DATA_HOME/meetpki` for everyone else
 */
char *
mp_store_default_path (void)
{
  const char *env = g_getenv ("MEETPKI_HOME");

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  if (geteuid () == 0)
    return g_strdup ("/var/lib/meetpki");
  return g_build_filename (g_get_user_data_dir (), "meetpki", NULL);
}

/* the store's directory, canonical; NULL with @error when @path is there
 * but is no directory (or cannot be resolved).  @missing, when given, is
 * set instead of an error when nothing is at @path (ENOTDIR: a part of the
 * path is a file, so no store is there either) */
static char *
canonical_store_path (const char *path, gboolean *missing, GError **error)
{
  g_autofree char *real = realpath (path, NULL);
  int saved = errno;

  if (real == NULL && missing != NULL && (saved == ENOENT || saved == ENOTDIR))
    {
      *missing = TRUE;
      return NULL;
    }
  /* a store above which we may not look (a user's --home under root's
   * 0700 directory) or a link loop is that, not "no directory" */
  if (real == NULL && saved != ENOENT && saved != ENOTDIR)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_IO, "cannot open store %s: %s", path, g_strerror (saved));
      return NULL;
    }
  if (real == NULL || !g_file_test (real, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_IO,
                   "store %s is not a directory", path);
      return NULL;
    }
  return g_steal_pointer (&real);
}

static MpStore *
store_new_take (char *path, gboolean missing)
{
  MpStore *self = g_new0 (MpStore, 1);

  g_atomic_ref_count_init (&self->ref);
  self->path = path;
  self->missing = missing;
  self->services_fd = -1;
  g_mutex_init (&self->lock);
  return self;
}

static gboolean
make_error (GError **error, int errsv, const char *path)
{
  g_set_error (error, MP_ERROR, MP_ERROR_IO, "cannot create store directory %s: %s", path, g_strerror (errsv));
  return FALSE;
}

/**
 * mp_store_new:
 * @home: (nullable): the store directory, or %NULL for the default
 * @error: return location for a #GError
 *
 * Opens the store, creating its directory with mode 0700 when missing:
 * for commands that write.
 *
 * Returns: (transfer full): a new #MpStore, or %NULL on error
 */
MpStore *
mp_store_new (const char *home, GError **error)
{
  g_autofree char *path = home != NULL ? g_strdup (home) : mp_store_default_path ();
  char *real;

  if (g_mkdir_with_parents (path, 0700) != 0)
    {
      make_error (error, errno, path);
      return NULL;
    }
  real = canonical_store_path (path, NULL, error);
  return real != NULL ? store_new_take (real, FALSE) : NULL;
}

/**
 * mp_store_new_for_reading:
 * @home: (nullable): the store directory, or %NULL for the default
 * @error: return location for a #GError
 *
 * Opens the store for commands that only read: its directory is never
 * created.  When nothing is there (a mistyped `--home`, or a machine where
 * no store was ever made) the handle is returned all the same, so inputs
 * given as paths can still be read; mp_store_exists() is then %FALSE and
 * every lookup of a name in it fails with %MP_ERROR_NOT_FOUND naming the
 * directory (see mp_store_check_exists()).
 *
 * Returns: (transfer full): a new #MpStore, or %NULL when @home is there
 * but is no directory
 */
MpStore *
mp_store_new_for_reading (const char *home, GError **error)
{
  g_autofree char *path = home != NULL ? g_strdup (home) : mp_store_default_path ();
  gboolean missing = FALSE;
  char *real = canonical_store_path (path, &missing, error);

  if (missing)
    return store_new_take (g_steal_pointer (&path), TRUE);
  return real != NULL ? store_new_take (real, FALSE) : NULL;
}

/* where the store will be once made: @path made absolute, its existing
 * part resolved as realpath() would, so that the path is the canonical one
 * mp_store_new() gives once the directory is there */
static char *
future_store_path (const char *path)
{
  g_autofree char *abs = g_canonicalize_filename (path, NULL);
  gsize cut = strlen (abs);

  while (cut > 0)
    {
      g_autofree char *head = NULL;
      g_autofree char *real = NULL;

      do
        cut--;
      while (cut > 0 && abs[cut] != '/');
      head = cut > 0 ? g_strndup (abs, cut) : g_strdup ("/");
      real = realpath (head, NULL);
      if (real != NULL)
        return g_strconcat (g_str_equal (real, "/") ? "" : real, abs + cut, NULL);
    }
  return g_steal_pointer (&abs);
}

/**
 * mp_store_new_deferred:
 * @home: (nullable): the store directory, or %NULL for the default
 * @error: return location for a #GError
 *
 * Opens the store for commands that write: when its directory is missing,
 * it is made (mode 0700, with its parents) only at the first write, by
 * mp_store_ensure_dir(), so a command that fails on its arguments leaves
 * nothing behind.  Until then the store reads as an empty one.
 *
 * Returns: (transfer full): a new #MpStore, or %NULL when @home is there
 * but is no directory
 */
MpStore *
mp_store_new_deferred (const char *home, GError **error)
{
  g_autofree char *path = home != NULL ? g_strdup (home) : mp_store_default_path ();
  gboolean missing = FALSE;
  char *real = canonical_store_path (path, &missing, error);
  MpStore *self;

  if (!missing)
    return real != NULL ? store_new_take (real, FALSE) : NULL;
  self = store_new_take (future_store_path (path), TRUE);
  self->deferred = TRUE;
  return self;
}

/* the lock file @name in @dir, open and held (flock, exclusive) */
static int
take_lock_file (const char *dir, const char *name, const char *what, GError **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  int fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

  if (fd < 0)
    {
      int errsv = errno;
      g_set_error (error, MP_ERROR, MP_ERROR_IO, "cannot open %s %s: %s", what, path, g_strerror (errsv));
      return -1;
    }
  while (flock (fd, LOCK_EX) != 0)
    {
      if (errno != EINTR)
        {
          int errsv = errno;
          g_set_error (error, MP_ERROR, MP_ERROR_IO, "cannot lock %s: %s", path, g_strerror (errsv));
          close (fd);
          return -1;
        }
    }
  return fd;
}

/* the store made with its service lock already held: built beside it and
 * renamed into place, so no other command can take that lock first and
 * write on what this one read as an empty store */
static gboolean
make_with_services_lock (MpStore *self, const char *parent, GError **error)
{
  g_autofree char *base = g_path_get_basename (self->path);
  g_autofree char *tmp = g_strdup_printf ("%s/.%s.XXXXXX", parent, base);
  g_autofree char *lock = NULL;
  int fd;

  if (g_mkdtemp_full (tmp, 0700) == NULL)
    return make_error (error, errno, self->path);
  fd = take_lock_file (tmp, ".services.lock", "the service lock", error);
  if (fd >= 0 && renameat2 (AT_FDCWD, tmp, AT_FDCWD, self->path, RENAME_NOREPLACE) == 0)
    {
      self->services_fd = fd;
      return TRUE;
    }
  if (fd >= 0)
    {
      int errsv = errno;
      if (errsv == EEXIST)
        g_set_error (error, MP_ERROR, MP_ERROR_EXISTS,
                     "store %s was created by another command while this one ran; nothing was written, run it again",
                     self->path);
      else
        make_error (error, errsv, self->path);
      close (fd);
    }
  lock = g_build_filename (tmp, ".services.lock", NULL);
  unlink (lock);
  rmdir (tmp);
  return FALSE;
}

/* @path's outermost ancestor (or @path itself) that is not there */
static char *
outermost_missing (const char *path)
{
  g_autofree char *top = g_strdup (path);

  for (;;)
    {
      g_autofree char *up = g_path_get_dirname (top);
      if (g_str_equal (up, top) || g_file_test (up, G_FILE_TEST_EXISTS))
        return g_steal_pointer (&top);
      g_free (top);
      top = g_steal_pointer (&up);
    }
}

/**
 * mp_store_ensure_dir:
 * @self: a store
 * @error: return location for a #GError
 *
 * Makes the directory of a store opened with mp_store_new_deferred() that
 * was not there: mode 0700, its missing parents too.  Every write into the
 * store calls it first.  When the service lock is held (mp_service_lock())
 * the store is made with it taken; if another command made the store
 * meanwhile, this one fails with %MP_ERROR_EXISTS, as what it read (an
 * empty store) may be stale.
 *
 * Returns: %TRUE when the directory is there
 */
gboolean
mp_store_ensure_dir (MpStore *self, GError **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autofree char *parent = NULL;
  g_autofree char *top = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  if (!self->missing)
    return TRUE;
  if (!self->deferred)
    return mp_store_check_exists (self, error);
  locker = g_mutex_locker_new (&self->lock);
  if (!self->missing)
    return TRUE;
  parent = g_path_get_dirname (self->path);
  top = outermost_missing (self->path);
  if (g_mkdir_with_parents (parent, 0700) != 0)
    return make_error (error, errno, self->path);
  if (self->services_wanted)
    {
      if (!make_with_services_lock (self, parent, error))
        return FALSE;
    }
  else if (g_mkdir (self->path, 0700) != 0)
    {
      if (errno != EEXIST || !g_file_test (self->path, G_FILE_TEST_IS_DIR))
        return make_error (error, errno, self->path);
      /* another command made it: its store, never ours to take back */
      g_clear_pointer (&top, g_free);
    }
  g_free (self->made_top);
  self->made_top = g_steal_pointer (&top);
  self->missing = FALSE;
  return TRUE;
}

/* takes back a store this handle made (and the parents it made for it)
 * when the write it was made for failed, so a failed command leaves no
 * store: only directories that hold nothing but the locks this command
 * made go, so a store another command wrote into meanwhile stays */
static void
store_unmake (MpStore *self)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  g_autoptr(GDir) dir = NULL;
  g_autofree char *top = NULL;
  g_autofree char *at = NULL;
  const char *name;

  if (self->made_top == NULL)
    return;
  top = g_steal_pointer (&self->made_top);
  dir = g_dir_open (self->path, 0, NULL);
  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      if (!g_str_equal (name, ".lock") && !g_str_equal (name, ".services.lock"))
        return;
    }
  if (self->services_fd >= 0)
    {
      close (self->services_fd);
      self->services_fd = -1;
    }
  {
    g_autofree char *lock = g_build_filename (self->path, ".lock", NULL);
    g_autofree char *services = g_build_filename (self->path, ".services.lock", NULL);
    unlink (lock);
    unlink (services);
  }
  if (rmdir (self->path) != 0)
    return;
  self->missing = TRUE;
  at = g_path_get_dirname (self->path);
  /* the parents, innermost first, up to the outermost one made */
  while (g_str_has_prefix (at, top) && rmdir (at) == 0)
    {
      char *up = g_path_get_dirname (at);
      g_free (at);
      at = up;
    }
}

static gboolean
store_made_here (MpStore *self)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  return self->made_top != NULL;
}

/* a write landed: the store made for it is there to stay */
static void
store_keep (MpStore *self)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  g_clear_pointer (&self->made_top, g_free);
}

/* the service lock (mp-service.c): -1 and nothing made in a store that is
 * not made yet, where mp_store_ensure_dir() takes it */
int
mp_store_lock_services (MpStore *self, GError **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  if (self->missing && self->deferred)
    {
      self->services_wanted = TRUE;
      return -1;
    }
  g_clear_pointer (&locker, g_mutex_locker_free);
  return take_lock_file (self->path, ".services.lock", "the service lock", error);
}

void
mp_store_unlock_services (MpStore *self, int fd)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  if (fd < 0)
    {
      self->services_wanted = FALSE;
      fd = self->services_fd;
      self->services_fd = -1;
    }
  if (fd >= 0)
    {
      flock (fd, LOCK_UN);
      close (fd);
    }
}

/**
 * mp_store_exists:
 * @self: a store
 *
 * Returns: %FALSE for a store opened with mp_store_new_for_reading()
 * whose directory was not there
 */
gboolean
mp_store_exists (MpStore *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return !self->missing;
}

/**
 * mp_store_check_exists:
 * @self: a store
 * @error: return location for a #GError
 *
 * Returns: %TRUE when the store's directory was there when it was opened,
 * else %FALSE with %MP_ERROR_NOT_FOUND: "no store at DIR ..."
 */
gboolean
mp_store_check_exists (MpStore *self, GError **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  if (!self->missing || self->deferred)
    return TRUE;
  g_set_error (error, MP_ERROR, MP_ERROR_NOT_FOUND,
               "no store at %s (nothing was ever created there; check --home or MEETPKI_HOME)",
               self->path);
  return FALSE;
}

const char *
mp_store_get_path (MpStore *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->path;
}

/**
 * mp_store_is_valid_name:
 * @name: a file name
 *
 * Returns: %TRUE when @name is a plain file name that can live in the store:
 * no directory part, not hidden, printable, at most 255 bytes
 */
gboolean
mp_store_is_valid_name (const char *name)
{
  gsize len;

  if (name == NULL || name[0] == '\0' || name[0] == '.')
    return FALSE;
  len = strlen (name);
  if (len > 255)
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    {
      if (*p == '/' || g_ascii_iscntrl (*p))
        return FALSE;
    }
  return TRUE;
}

static gboolean
path_is_inside (const char *dir, const char *path)
{
  gsize n = strlen (dir);
  return strncmp (path, dir, n) == 0 && path[n] == '/' && strchr (path + n + 1, '/') == NULL;
}

/**
 * mp_store_resolve:
 * @self: the store
 * @name: a plain file name
 * @error: return location for a #GError
 *
 * Maps @name to its path in the store.  A name with a directory part, a
 * hidden name, or a symbolic link that points out of the store is refused
 * with %MP_ERROR_OUTSIDE_STORE.  The file need not exist.
 *
 * Returns: (transfer full): the path, or %NULL on error
 */
char *
mp_store_resolve (MpStore *self, const char *name, GError **error)
{
  g_autofree char *path = NULL;
  struct stat st;

  g_return_val_if_fail (self != NULL, NULL);

  if (!mp_store_is_valid_name (name))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_OUTSIDE_STORE,
                   "'%s' is not a plain file name inside the store %s",
                   name != NULL ? name : "", self->path);
      return NULL;
    }
  if (!mp_store_check_exists (self, error))
    return NULL;
  path = g_build_filename (self->path, name, NULL);
  if (lstat (path, &st) == 0 && S_ISLNK (st.st_mode))
    {
      g_autofree char *real = realpath (path, NULL);
      if (real == NULL || !path_is_inside (self->path, real))
        {
          g_set_error (error, MP_ERROR, MP_ERROR_OUTSIDE_STORE,
                       "'%s' is a link that leads out of the store %s", name, self->path);
          return NULL;
        }
    }
  return g_steal_pointer (&path);
}

/**
 * mp_store_resolve_existing:
 *
 * Like mp_store_resolve() but the file must exist; when it does not, the
 * error names the closest file in the store ("did you mean").
 */
char *
mp_store_resolve_existing (MpStore *self, const char *name, GError **error)
{
  g_autofree char *path = mp_store_resolve (self, name, error);
  g_autoptr(GPtrArray) names = NULL;
  g_autofree char *hint = NULL;

  if (path == NULL)
    return NULL;
  if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&path);

  names = mp_store_list_names (self, NULL);
  if (names != NULL)
    {
      g_ptr_array_add (names, NULL);
      hint = mp_suggest (name, (const char * const *) names->pdata);
    }
  if (hint != NULL)
    g_set_error (error, MP_ERROR, MP_ERROR_NOT_FOUND,
                 "%s: no such file in the store (did you mean %s?)", name, hint);
  else
    g_set_error (error, MP_ERROR, MP_ERROR_NOT_FOUND,
                 "%s: no such file in the store %s", name, self->path);
  return NULL;
}

/**
 * mp_store_resolve_input:
 * @self: the store
 * @arg: a store name or, for read-only use, a path
 * @error: return location for a #GError
 *
 * For commands that only read: a plain name is looked up in the store first;
 * an argument with a directory part, or a plain name that exists in the
 * current directory but not in the store, is taken as a path.
 *
 * Returns: (transfer full): the path to read, or %NULL on error
 */
char *
mp_store_resolve_input (MpStore *self, const char *arg, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *path = NULL;

  if (arg == NULL || *arg == '\0')
    {
      g_set_error_literal (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "empty file name");
      return NULL;
    }
  if (strchr (arg, '/') != NULL)
    {
      if (!g_file_test (arg, G_FILE_TEST_IS_REGULAR))
        {
          /* a directory or a device is there, just not a file to read */
          if (g_file_test (arg, G_FILE_TEST_EXISTS))
            g_set_error (error, MP_ERROR, MP_ERROR_IO, "%s is not a regular file", arg);
          else
            g_set_error (error, MP_ERROR, MP_ERROR_NOT_FOUND, "%s: no such file", arg);
          return NULL;
        }
      return g_strdup (arg);
    }
  path = mp_store_resolve_existing (self, arg, &local);
  if (path != NULL)
    return g_steal_pointer (&path);
  if (g_file_test (arg, G_FILE_TEST_IS_REGULAR))
    return g_strdup (arg);
  g_propagate_error (error, g_steal_pointer (&local));
  return NULL;
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/**
 * mp_store_list_names:
 *
 * Returns: (transfer full) (element-type utf8): the regular files of the
 * store, sorted, hidden (temporary) files left out
 */
GPtrArray *
mp_store_list_names (MpStore *self, GError **error)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *n;
  GError *local = NULL;

  if (!mp_store_check_exists (self, error))
    return NULL;
  dir = g_dir_open (self->path, 0, &local);
  /* a store made at its first write reads as an empty one until then */
  if (dir == NULL && self->deferred && g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_error_free (local);
      return g_steal_pointer (&names);
    }
  if (dir == NULL)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_IO, "%s", local->message);
      g_error_free (local);
      return NULL;
    }
  while ((n = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *p = NULL;
      if (!mp_store_is_valid_name (n))
        continue;
      p = g_build_filename (self->path, n, NULL);
      if (g_file_test (p, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (names, g_strdup (n));
    }
  g_ptr_array_sort (names, compare_strings);
  return g_steal_pointer (&names);
}

gboolean
mp_store_contains (MpStore *self, const char *name)
{
  g_autofree char *path = mp_store_resolve (self, name, NULL);
  return path != NULL && g_file_test (path, G_FILE_TEST_EXISTS);
}

GBytes *
mp_file_read (const char *path, GError **error)
{
  char *data = NULL;
  gsize len = 0;
  GError *local = NULL;

  if (!g_file_get_contents (path, &data, &len, &local))
    {
      g_set_error (error, MP_ERROR,
                   g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT) ? MP_ERROR_NOT_FOUND : MP_ERROR_IO,
                   "%s", local->message);
      g_error_free (local);
      return NULL;
    }
  return g_bytes_new_take (data, len);
}

GBytes *
mp_store_read (MpStore *self, const char *name, GError **error)
{
  g_autofree char *path = mp_store_resolve_existing (self, name, error);

  if (path == NULL)
    return NULL;
  return mp_file_read (path, error);
}

static gboolean
set_io_error (GError **error, int errsv, const char *what, const char *path)
{
  g_set_error (error, MP_ERROR, MP_ERROR_IO, "%s %s: %s", what, path, g_strerror (errsv));
  return FALSE;
}

static gboolean
fsync_dir_of (const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0)
    return set_io_error (error, errno, "cannot open directory", dir);
  if (fsync (fd) != 0 && errno != EINVAL)
    {
      int errsv = errno;
      close (fd);
      return set_io_error (error, errsv, "cannot sync directory", dir);
    }
  close (fd);
  return TRUE;
}

typedef struct {
  const guint8 *data;
  gsize len;
} BufferFill;

static gboolean
fill_from_buffer (int fd, gpointer user_data, GError **error)
{
  BufferFill *buf = user_data;
  const guint8 *p = buf->data;
  gsize left = buf->len;

  while (left > 0)
    {
      ssize_t n = write (fd, p, left);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return set_io_error (error, errno, "cannot write", "a temporary file");
      p += n;
      left -= (gsize) n;
    }
  return TRUE;
}

static _Thread_local guint signals_held;
static _Thread_local sigset_t signals_before;

void
mp_signals_hold (void)
{
  sigset_t ending;

  if (signals_held++ > 0)
    return;
  sigemptyset (&ending);
  sigaddset (&ending, SIGINT);
  sigaddset (&ending, SIGTERM);
  sigaddset (&ending, SIGHUP);
  sigaddset (&ending, SIGQUIT);
  pthread_sigmask (SIG_BLOCK, &ending, &signals_before);
}

void
mp_signals_release (void)
{
  g_return_if_fail (signals_held > 0);
  if (--signals_held == 0)
    pthread_sigmask (SIG_SETMASK, &signals_before, NULL);
}

/* fills a new hidden temporary file beside @path and syncs it; returns the
 * temporary file's name */
static char *
write_temp_beside (const char *path, MpFileFillFunc fill, gpointer user_data,
                   MpWriteFlags flags, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *tmpl = g_strdup_printf ("%s/.%s.XXXXXX", dir, base);
  mode_t mode = (flags & MP_WRITE_PRIVATE) ? 0600 : 0644;
  int fd;

  fd = g_mkstemp_full (tmpl, O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      set_io_error (error, errno, "cannot create a temporary file in", dir);
      return NULL;
    }
  if (!fill (fd, user_data, error))
    {
      /* our own bytes: say which file a full disk (or a quota) stopped */
      if (fill == fill_from_buffer)
        g_prefix_error (error, "%s: ", path);
      close (fd);
      unlink (tmpl);
      return NULL;
    }
  if (fchmod (fd, mode) != 0 || fsync (fd) != 0)
    {
      int errsv = errno;
      close (fd);
      unlink (tmpl);
      set_io_error (error, errsv, "cannot sync", tmpl);
      return NULL;
    }
  if (close (fd) != 0)
    {
      int errsv = errno;
      unlink (tmpl);
      set_io_error (error, errsv, "cannot close", tmpl);
      return NULL;
    }
  return g_steal_pointer (&tmpl);
}

/* @what: a store name, or a path as the caller gave it (so an export's
 * message names the file the admin asked for, not its basename) */
static gboolean
exists_error (GError **error, const char *what)
{
  g_set_error (error, MP_ERROR, MP_ERROR_EXISTS,
               "%s already exists; refusing to overwrite it (use --force to replace it)", what);
  return FALSE;
}

/* moves @tmp onto @path; without MP_WRITE_REPLACE an existing @path is
 * never replaced, even if it appeared after our check */
static gboolean
install_temp (const char *tmp, const char *path, MpWriteFlags flags, GError **error)
{
  if (flags & MP_WRITE_REPLACE)
    {
      if (rename (tmp, path) != 0)
        return set_io_error (error, errno, "cannot rename onto", path);
      return TRUE;
    }
  /* link() fails with EEXIST instead of replacing, on every filesystem */
  if (link (tmp, path) != 0)
    {
      if (errno == EEXIST)
        return exists_error (error, path);
      return set_io_error (error, errno, "cannot create", path);
    }
  unlink (tmp);
  return TRUE;
}

/**
 * mp_file_write_atomic:
 * @path: the destination
 * @data: the bytes
 * @len: their length
 * @flags: #MpWriteFlags
 * @error: return location for a #GError
 *
 * Writes a temporary file in the directory of @path, syncs it, then moves it
 * into place and syncs the directory.  Readers see the old file or the new
 * one, never a mix.  On failure @path is unchanged.
 */
gboolean
mp_file_write_atomic (const char *path, const void *data, gsize len,
                      MpWriteFlags flags, GError **error)
{
  BufferFill buf = { data, len };

  return mp_file_write_atomic_with (path, fill_from_buffer, &buf, flags, error);
}

/**
 * mp_file_write_atomic_with:
 * @path: the destination
 * @fill: writes the contents into the temporary file's descriptor
 * @user_data: for @fill
 * @flags: #MpWriteFlags
 * @error: return location for a #GError
 *
 * mp_file_write_atomic() whose contents another party writes (the daemon,
 * for `meetpki --bus pki export`).  The temporary file is private while
 * @fill runs; on failure @path is unchanged and nothing is left behind.
 */
gboolean
mp_file_write_atomic_with (const char *path, MpFileFillFunc fill, gpointer user_data,
                           MpWriteFlags flags, GError **error)
{
  g_autofree char *tmp = NULL;
  gboolean ok;

  if (!(flags & MP_WRITE_REPLACE) && g_file_test (path, G_FILE_TEST_EXISTS))
    return exists_error (error, path);
  mp_signals_hold ();
  tmp = write_temp_beside (path, fill, user_data, flags, error);
  ok = tmp != NULL && install_temp (tmp, path, flags, error);
  if (tmp != NULL && !ok)
    unlink (tmp);
  mp_signals_release ();
  return ok && fsync_dir_of (path, error);
}

gboolean
mp_store_write (MpStore *self, const char *name, GBytes *data,
                MpWriteFlags flags, GError **error)
{
  g_autoptr(MpStoreTxn) txn = mp_store_txn_new (self);

  return mp_store_txn_add (txn, name, data, flags, error) &&
         mp_store_txn_commit (txn, error);
}

typedef struct {
  char *path;
  char *tmp;
  char *backup; /* hard link to the file being replaced, until commit ends */
  MpWriteFlags flags;
  gboolean installed;
} TxnEntry;

struct _MpStoreTxn {
  MpStore *store;
  GArray *entries; /* TxnEntry */
  gboolean committed;
  gboolean made_store; /* its first staged file made the store */
};

static void
txn_entry_clear (TxnEntry *e)
{
  if (e->tmp != NULL)
    unlink (e->tmp);
  if (e->backup != NULL)
    unlink (e->backup);
  g_free (e->path);
  g_free (e->tmp);
  g_free (e->backup);
}

MpStoreTxn *
mp_store_txn_new (MpStore *store)
{
  MpStoreTxn *txn = g_new0 (MpStoreTxn, 1);

  txn->store = mp_store_ref (store);
  txn->entries = g_array_new (FALSE, TRUE, sizeof (TxnEntry));
  g_array_set_clear_func (txn->entries, (GDestroyNotify) txn_entry_clear);
  /* from the first staged file to the last one removed */
  mp_signals_hold ();
  return txn;
}

void
mp_store_txn_free (MpStoreTxn *txn)
{
  if (txn == NULL)
    return;
  g_array_unref (txn->entries);
  if (txn->made_store && !txn->committed)
    store_unmake (txn->store);
  mp_store_unref (txn->store);
  g_free (txn);
  mp_signals_release ();
}

/**
 * mp_store_txn_add:
 *
 * Stages @data under @name.  Fails with %MP_ERROR_EXISTS when the file
 * exists and @flags lacks %MP_WRITE_REPLACE.
 */
gboolean
mp_store_txn_add (MpStoreTxn *txn, const char *name, GBytes *data,
                  MpWriteFlags flags, GError **error)
{
  TxnEntry e = { 0 };
  gsize len = 0;
  const void *buf = g_bytes_get_data (data, &len);
  gboolean was_missing = !mp_store_exists (txn->store);

  g_return_val_if_fail (!txn->committed, FALSE);

  e.path = mp_store_resolve (txn->store, name, error);
  if (e.path == NULL)
    return FALSE;
  if (!mp_store_ensure_dir (txn->store, error))
    {
      g_free (e.path);
      return FALSE;
    }
  if (was_missing && store_made_here (txn->store))
    txn->made_store = TRUE;
  for (guint i = 0; i < txn->entries->len; i++)
    {
      if (g_strcmp0 (g_array_index (txn->entries, TxnEntry, i).path, e.path) == 0)
        {
          g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                       "%s is written twice by one command", name);
          g_free (e.path);
          return FALSE;
        }
    }
  if (!(flags & MP_WRITE_REPLACE) && g_file_test (e.path, G_FILE_TEST_EXISTS))
    {
      exists_error (error, name);
      g_free (e.path);
      return FALSE;
    }
  {
    BufferFill fill = { buf, len };
    e.tmp = write_temp_beside (e.path, fill_from_buffer, &fill, flags, error);
  }
  if (e.tmp == NULL)
    {
      g_free (e.path);
      return FALSE;
    }
  e.flags = flags;
  g_array_append_val (txn->entries, e);
  return TRUE;
}

static int
store_lock (MpStore *store, GError **error)
{
  if (!mp_store_ensure_dir (store, error))
    return -1;
  return take_lock_file (store->path, ".lock", "the store lock", error);
}

/* puts back what an interrupted commit already changed */
static void
txn_undo (MpStoreTxn *txn)
{
  for (guint i = 0; i < txn->entries->len; i++)
    {
      TxnEntry *e = &g_array_index (txn->entries, TxnEntry, i);
      if (!e->installed)
        continue;
      if (e->backup != NULL)
        {
          if (rename (e->backup, e->path) == 0)
            g_clear_pointer (&e->backup, g_free);
        }
      else
        unlink (e->path);
    }
}

/**
 * mp_store_txn_commit:
 *
 * Moves every staged file into place under the store lock.  When one move
 * fails, the files already moved are put back as they were.
 */
gboolean
mp_store_txn_commit (MpStoreTxn *txn, GError **error)
{
  int lock_fd;
  gboolean ok = TRUE;

  g_return_val_if_fail (!txn->committed, FALSE);

  lock_fd = store_lock (txn->store, error);
  if (lock_fd < 0)
    return FALSE;

  for (guint i = 0; ok && i < txn->entries->len; i++)
    {
      TxnEntry *e = &g_array_index (txn->entries, TxnEntry, i);

      if ((e->flags & MP_WRITE_REPLACE) && g_file_test (e->path, G_FILE_TEST_EXISTS))
        {
          g_autofree char *base = g_path_get_basename (e->path);
          g_autofree char *dir = g_path_get_dirname (e->path);
          e->backup = g_strdup_printf ("%s/.%s.old.%d", dir, base, (int) getpid ());
          unlink (e->backup);
          if (link (e->path, e->backup) != 0)
            {
              ok = set_io_error (error, errno, "cannot keep the previous", e->path);
              g_clear_pointer (&e->backup, g_free);
              break;
            }
        }
      ok = install_temp (e->tmp, e->path, e->flags, error);
      if (ok)
        {
          e->installed = TRUE;
          g_clear_pointer (&e->tmp, g_free);
        }
    }
  if (ok)
    ok = fsync_dir_of (g_array_index (txn->entries, TxnEntry, 0).path, error);
  if (!ok)
    txn_undo (txn);
  else
    {
      txn->committed = TRUE;
      store_keep (txn->store);
    }

  flock (lock_fd, LOCK_UN);
  close (lock_fd);
  return ok;
}

/* classic two-row levenshtein distance */
static guint
edit_distance (const char *a, const char *b)
{
  gsize la = strlen (a), lb = strlen (b);
  g_autofree guint *prev = g_new (guint, lb + 1);
  g_autofree guint *cur = g_new (guint, lb + 1);

  for (gsize j = 0; j <= lb; j++)
    prev[j] = (guint) j;
  for (gsize i = 1; i <= la; i++)
    {
      cur[0] = (guint) i;
      for (gsize j = 1; j <= lb; j++)
        {
          guint cost = g_ascii_tolower (a[i - 1]) == g_ascii_tolower (b[j - 1]) ? 0 : 1;
          guint best = prev[j] + 1;
          best = MIN (best, cur[j - 1] + 1);
          best = MIN (best, prev[j - 1] + cost);
          cur[j] = best;
        }
      memcpy (prev, cur, (lb + 1) * sizeof (guint));
    }
  return prev[lb];
}

/**
 * mp_suggest:
 * @word: what the user typed
 * @candidates: (array zero-terminated=1): the words that exist
 *
 * Returns: (transfer full) (nullable): the closest candidate when it is close
 * enough to be a typo of @word, else %NULL
 */
char *
mp_suggest (const char *word, const char * const *candidates)
{
  const char *best = NULL;
  guint best_d = G_MAXUINT;
  guint limit;

  if (word == NULL || candidates == NULL)
    return NULL;
  limit = MAX (1, (guint) strlen (word) / 3);
  for (guint i = 0; candidates[i] != NULL; i++)
    {
      guint d = edit_distance (word, candidates[i]);
      if (d < best_d)
        {
          best_d = d;
          best = candidates[i];
        }
    }
  if (best == NULL || best_d == 0 || best_d > limit)
    return NULL;
  return g_strdup (best);
}

/* what a passed file may hold: far more than any pem file or bundle */
#define MP_FD_READ_MAX (16 * 1024 * 1024)

/**
 * mp_file_read_fd:
 * @fd: an open file descriptor, read from its current offset; not closed
 * @name: what to call the file in errors
 * @error: return location for a #GError
 *
 * Reads a file another process opened and passed (the daemon's input over
 * D-Bus).  Only a regular file of at most 16 MiB is read, so a pipe or a
 * device cannot hold the reader up or fill its memory.
 *
 * Returns: (transfer full): the contents, or %NULL on error
 */
GBytes *
mp_file_read_fd (int fd, const char *name, GError **error)
{
  struct stat st;
  g_autoptr(GByteArray) buf = NULL;

  if (fstat (fd, &st) != 0)
    {
      int saved = errno;
      g_set_error (error, MP_ERROR, MP_ERROR_IO, "%s: %s", name, g_strerror (saved));
      return NULL;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "%s: not a regular file", name);
      return NULL;
    }
  if (st.st_size > MP_FD_READ_MAX)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA, "%s: larger than %d bytes", name, MP_FD_READ_MAX);
      return NULL;
    }
  buf = g_byte_array_sized_new ((guint) st.st_size);
  for (;;)
    {
      guint8 chunk[8192];
      ssize_t n = read (fd, chunk, sizeof chunk);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;
          g_set_error (error, MP_ERROR, MP_ERROR_IO, "%s: %s", name, g_strerror (saved));
          return NULL;
        }
      if (n == 0)
        break;
      if (buf->len + (gsize) n > MP_FD_READ_MAX)
        {
          g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA, "%s: larger than %d bytes", name, MP_FD_READ_MAX);
          return NULL;
        }
      g_byte_array_append (buf, chunk, (guint) n);
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&buf));
}
