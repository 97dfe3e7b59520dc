/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the store: confined names, default location, atomic writes, overwrite
 * refusal, all-or-nothing transactions and did-you-mean
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <meetpki/meetpki.h>

typedef struct {
  char *dir;    /* a temp dir for the test */
  char *home;   /* the store inside it */
  MpStore *store;
} Fixture;

static void
rm_rf (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *n;

  if (dir != NULL)
    {
      while ((n = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *p = g_build_filename (path, n, NULL);
          if (g_file_test (p, G_FILE_TEST_IS_DIR) && !g_file_test (p, G_FILE_TEST_IS_SYMLINK))
            rm_rf (p);
          else
            g_unlink (p);
        }
    }
  g_rmdir (path);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("meetpki-store-XXXXXX", &error);
  g_assert_no_error (error);
  f->home = g_build_filename (f->dir, "store", NULL);
  f->store = mp_store_new (f->home, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->store);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->store, mp_store_unref);
  rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->home);
}

static void
put (const char *dir, const char *name, const char *content)
{
  g_autofree char *p = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (p, content, -1, &error);
  g_assert_no_error (error);
}

static char *
get (const char *dir, const char *name)
{
  g_autofree char *p = g_build_filename (dir, name, NULL);
  char *content = NULL;

  if (!g_file_get_contents (p, &content, NULL, NULL))
    return NULL;
  return content;
}

static guint
mode_of (const char *dir, const char *name)
{
  g_autofree char *p = g_build_filename (dir, name, NULL);
  struct stat st;

  g_assert_cmpint (stat (p, &st), ==, 0);
  return st.st_mode & 07777;
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* every entry of @dir, hidden ones included, except the store's lock file */
static char *
listing (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *n;

  g_assert_nonnull (d);
  while ((n = g_dir_read_name (d)) != NULL)
    {
      if (g_strcmp0 (n, ".lock") != 0)
        g_ptr_array_add (names, g_strdup (n));
    }
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

static GBytes *
bytes (const char *s)
{
  return g_bytes_new (s, strlen (s));
}

static void
test_confinement (Fixture *f, gconstpointer data)
{
  const char *bad[] = { "..", "../x.crt", "a/b", "/etc/passwd", ".hidden", ".", "", "x\ny" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *path = mp_store_resolve (f->store, bad[i], &error);
      g_autoptr(GBytes) b = bytes ("data\n");

      g_test_message ("name '%s'", bad[i]);
      g_assert_null (path);
      g_assert_error (error, MP_ERROR, MP_ERROR_OUTSIDE_STORE);
      g_clear_error (&error);
      g_assert_false (mp_store_write (f->store, bad[i], b, MP_WRITE_NONE, &error));
      g_assert_error (error, MP_ERROR, MP_ERROR_OUTSIDE_STORE);
      g_assert_false (mp_store_is_valid_name (bad[i]));
    }
  g_assert_true (mp_store_is_valid_name ("dbserver.crt"));
  g_assert_true (mp_store_is_valid_name ("cms1.example.com.pem"));
  /* nothing escaped: the parent holds only the store */
  {
    g_autofree char *l = listing (f->dir);
    g_assert_cmpstr (l, ==, "store");
  }
}

static void
test_symlinks (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *outside = g_build_filename (f->dir, "outside.crt", NULL);
  g_autofree char *out_link = g_build_filename (f->home, "escape.crt", NULL);
  g_autofree char *in_link = g_build_filename (f->home, "alias.crt", NULL);
  g_autofree char *path = NULL;
  g_autoptr(GBytes) b = bytes ("new\n");
  g_autoptr(GBytes) read = NULL;
  g_autofree char *content = NULL;

  put (f->dir, "outside.crt", "secret outside\n");
  put (f->home, "real.crt", "inside\n");
  g_assert_cmpint (symlink (outside, out_link), ==, 0);
  g_assert_cmpint (symlink ("real.crt", in_link), ==, 0);

  /* a link out of the store is refused for reading and writing */
  path = mp_store_resolve (f->store, "escape.crt", &error);
  g_assert_null (path);
  g_assert_error (error, MP_ERROR, MP_ERROR_OUTSIDE_STORE);
  g_clear_error (&error);
  read = mp_store_read (f->store, "escape.crt", &error);
  g_assert_null (read);
  g_assert_error (error, MP_ERROR, MP_ERROR_OUTSIDE_STORE);
  g_clear_error (&error);
  g_assert_false (mp_store_write (f->store, "escape.crt", b, MP_WRITE_REPLACE, &error));
  g_assert_error (error, MP_ERROR, MP_ERROR_OUTSIDE_STORE);
  g_clear_error (&error);
  content = get (f->dir, "outside.crt");
  g_assert_cmpstr (content, ==, "secret outside\n");
  g_clear_pointer (&content, g_free);

  /* a link that stays inside is fine */
  path = mp_store_resolve (f->store, "alias.crt", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (path, ==, in_link);
  read = mp_store_read (f->store, "alias.crt", &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (read, NULL), g_bytes_get_size (read), "inside\n", 7);

  /* a dangling link is refused too: its target could be created anywhere */
  {
    g_autofree char *dangling = g_build_filename (f->home, "dangling.crt", NULL);
    g_assert_cmpint (symlink ("/nonexistent/meetpki-target.crt", dangling), ==, 0);
  }
  g_clear_pointer (&path, g_free);
  path = mp_store_resolve (f->store, "dangling.crt", &error);
  g_assert_null (path);
  g_assert_error (error, MP_ERROR, MP_ERROR_OUTSIDE_STORE);
}

static void
test_default_path (void)
{
  g_autofree char *saved = g_strdup (g_getenv ("MEETPKI_HOME"));
  g_autofree char *p = NULL;
  g_autofree char *dir = g_dir_make_tmp ("meetpki-home-XXXXXX", NULL);
  g_autofree char *home = g_build_filename (dir, "a", "b", "store", NULL);
  g_autoptr(MpStore) store = NULL;
  g_autoptr(GError) error = NULL;
  struct stat st;

  g_setenv ("MEETPKI_HOME", "/srv/meetpki-test", TRUE);
  p = mp_store_default_path ();
  g_assert_cmpstr (p, ==, "/srv/meetpki-test");
  g_clear_pointer (&p, g_free);

  /* empty counts as unset */
  g_setenv ("MEETPKI_HOME", "", TRUE);
  p = mp_store_default_path ();
  if (geteuid () == 0)
    g_assert_cmpstr (p, ==, "/var/lib/meetpki");
  else
    {
      g_autofree char *want = g_build_filename (g_get_user_data_dir (), "meetpki", NULL);
      g_assert_cmpstr (p, ==, want);
    }
  g_clear_pointer (&p, g_free);
  g_unsetenv ("MEETPKI_HOME");
  p = mp_store_default_path ();
  if (geteuid () == 0)
    g_assert_cmpstr (p, ==, "/var/lib/meetpki");
  g_clear_pointer (&p, g_free);

  /* mp_store_new (NULL) follows $MEETPKI_HOME and creates missing parents;
   * the store itself is 0700 whatever the umask */
  g_setenv ("MEETPKI_HOME", home, TRUE);
  umask (0);
  store = mp_store_new (NULL, &error);
  umask (022);
  g_assert_no_error (error);
  g_assert_cmpint (stat (home, &st), ==, 0);
  g_assert_true (S_ISDIR (st.st_mode));
  g_assert_cmpuint (st.st_mode & 0777, ==, 0700);
  {
    g_autofree char *real = realpath (home, NULL);
    g_assert_cmpstr (mp_store_get_path (store), ==, real);
  }

  if (saved != NULL)
    g_setenv ("MEETPKI_HOME", saved, TRUE);
  else
    g_unsetenv ("MEETPKI_HOME");
  rm_rf (dir);
}

static void
test_store_on_a_file (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *file = g_build_filename (f->dir, "plain", NULL);
  g_autoptr(MpStore) store = NULL;

  put (f->dir, "plain", "x");
  store = mp_store_new (file, &error);
  g_assert_null (store);
  g_assert_error (error, MP_ERROR, MP_ERROR_IO);
}

/* opened for reading, a missing store stays missing: every lookup fails
 * with NOT_FOUND naming it, a path is still an input, and nothing is made */
static void
test_for_reading (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *missing = g_build_filename (f->dir, "typo", "store", NULL);
  g_autofree char *outside = g_build_filename (f->dir, "x.crt", NULL);
  g_autofree char *file = g_build_filename (f->dir, "plain", NULL);
  g_autofree char *under_file = g_build_filename (file, "store", NULL);
  g_autofree char *want = g_strdup_printf ("no store at %s (nothing was ever created there; "
                                           "check --home or MEETPKI_HOME)", missing);
  g_autoptr(MpStore) store = mp_store_new_for_reading (missing, &error);
  g_autoptr(MpStore) existing = NULL;
  g_autoptr(MpStore) under = NULL;
  g_autoptr(MpStore) on_file = NULL;
  g_autoptr(GBytes) crt = bytes ("CRT\n");
  g_autofree char *path = NULL;
  g_autofree char *l = NULL;
  GPtrArray *names;

  g_assert_no_error (error);
  g_assert_nonnull (store);
  g_assert_false (mp_store_exists (store));
  g_assert_false (mp_store_check_exists (store, &error));
  g_assert_error (error, MP_ERROR, MP_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, want);
  g_clear_error (&error);

  g_assert_null (mp_store_resolve_existing (store, "a.crt", &error));
  g_assert_error (error, MP_ERROR, MP_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, want);
  g_clear_error (&error);
  names = mp_store_list_names (store, &error);
  g_assert_null (names);
  g_assert_error (error, MP_ERROR, MP_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (mp_store_contains (store, "a.crt"));
  /* a write into it is refused too, rather than made somewhere */
  g_assert_false (mp_store_write (store, "a.crt", crt, MP_WRITE_NONE, &error));
  g_assert_error (error, MP_ERROR, MP_ERROR_NOT_FOUND);
  g_clear_error (&error);

  put (f->dir, "x.crt", "CRT\n");
  path = mp_store_resolve_input (store, outside, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (path, ==, outside);
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));
  {
    g_autofree char *parent = g_path_get_dirname (missing);
    g_assert_false (g_file_test (parent, G_FILE_TEST_EXISTS));
  }

  /* an existing store is opened as mp_store_new() opens it */
  put (f->home, "a.crt", "CRT\n");
  existing = mp_store_new_for_reading (f->home, &error);
  g_assert_no_error (error);
  g_assert_true (mp_store_exists (existing));
  g_assert_cmpstr (mp_store_get_path (existing), ==, mp_store_get_path (f->store));
  g_clear_pointer (&path, g_free);
  path = mp_store_resolve_existing (existing, "a.crt", &error);
  g_assert_no_error (error);
  g_assert_nonnull (path);

  /* a file where the store should be, or above it */
  put (f->dir, "plain", "x");
  on_file = mp_store_new_for_reading (file, &error);
  g_assert_null (on_file);
  g_assert_error (error, MP_ERROR, MP_ERROR_IO);
  g_clear_error (&error);
  under = mp_store_new_for_reading (under_file, &error);
  g_assert_no_error (error);
  g_assert_false (mp_store_exists (under));
  l = listing (f->dir);
  g_assert_cmpstr (l, ==, "plain store x.crt");

  /* a store that cannot be resolved (here a link loop; a user's --home
   * under root's 0700 directory alike) says why, not "is not a directory" */
  {
    g_autofree char *loop = g_build_filename (f->dir, "loop", NULL);
    g_autofree char *loop_want = g_strdup_printf ("cannot open store %s: %s", loop, g_strerror (ELOOP));
    g_autoptr(MpStore) looped = NULL;

    g_assert_cmpint (symlink ("loop", loop), ==, 0);
    looped = mp_store_new_for_reading (loop, &error);
    g_assert_null (looped);
    g_assert_error (error, MP_ERROR, MP_ERROR_IO);
    g_assert_cmpstr (error->message, ==, loop_want);
    g_clear_error (&error);
    g_unlink (loop);
  }
}


/* a store for a command that writes: missing, it reads as an empty one
 * and is made (0700, parents too) at the first write, not before */
static void
test_deferred (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *given = g_build_filename (f->dir, "later", "..", "later", "store", NULL);
  g_autofree char *missing = g_build_filename (f->dir, "later", "store", NULL);
  g_autofree char *parent = g_path_get_dirname (missing);
  g_autoptr(MpStore) store = mp_store_new_deferred (given, &error);
  g_autoptr(MpStore) again = NULL;
  g_autoptr(MpStore) locked = NULL;
  g_autoptr(MpServiceLock) lock = NULL;
  g_autoptr(GBytes) crt = bytes ("CRT\n");
  g_autoptr(GPtrArray) names = NULL;
  g_autofree char *l = NULL;
  struct stat st;

  g_assert_no_error (error);
  g_assert_nonnull (store);
  g_assert_false (mp_store_exists (store));
  g_assert_true (mp_store_check_exists (store, &error));
  g_assert_no_error (error);
  names = mp_store_list_names (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (names->len, ==, 0);
  g_assert_null (mp_store_read (store, "a.crt", &error));
  g_assert_error (error, MP_ERROR, MP_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (mp_store_contains (store, "a.crt"));
  /* a bad name is refused before anything is made */
  g_assert_false (mp_store_write (store, "../a.crt", crt, MP_WRITE_NONE, &error));
  g_assert_error (error, MP_ERROR, MP_ERROR_OUTSIDE_STORE);
  g_clear_error (&error);
  g_assert_false (g_file_test (parent, G_FILE_TEST_EXISTS));

  g_assert_true (mp_store_write (store, "a.crt", crt, MP_WRITE_NONE, &error));
  g_assert_no_error (error);
  g_assert_true (mp_store_exists (store));
  g_assert_cmpint (stat (parent, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0700);
  g_assert_cmpint (stat (missing, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0700);
  l = listing (missing);
  g_assert_cmpstr (l, ==, "a.crt");
  /* the path it had all along is the canonical one of the made store */
  again = mp_store_new (missing, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (mp_store_get_path (store), ==, mp_store_get_path (again));

  /* the service lock of a store not made yet makes nothing; the first
   * write makes the store with the lock in it, and nothing beside it */
  g_clear_pointer (&missing, g_free);
  missing = g_build_filename (parent, "locked", NULL);
  locked = mp_store_new_deferred (missing, &error);
  g_assert_no_error (error);
  lock = mp_service_lock (locked, &error);
  g_assert_no_error (error);
  g_assert_nonnull (lock);
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));
  g_assert_true (mp_store_write (locked, "b.crt", crt, MP_WRITE_NONE, &error));
  g_assert_no_error (error);
  g_clear_pointer (&l, g_free);
  l = listing (missing);
  g_assert_cmpstr (l, ==, ".services.lock b.crt");
  g_clear_pointer (&l, g_free);
  l = listing (parent);
  g_assert_cmpstr (l, ==, "locked store");
  g_clear_pointer (&lock, mp_service_unlock);
  /* taken again, as in any store that is there */
  lock = mp_service_lock (locked, &error);
  g_assert_no_error (error);
  g_assert_nonnull (lock);
}

/* a transaction that made the store (and its parents) for its first
 * file and then fails takes them back; a store another command wrote into
 * meanwhile stays, as does one that was there before */
static void
test_deferred_failed_txn (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *top = g_build_filename (f->dir, "new", NULL);
  g_autofree char *missing = g_build_filename (top, "deeper", "store", NULL);
  g_autoptr(GBytes) crt = bytes ("CRT\n");
  g_autofree char *l = NULL;

  /* the second file is refused: the first one's store goes again */
  {
    g_autoptr(MpStore) store = mp_store_new_deferred (missing, &error);
    g_autoptr(MpStoreTxn) txn = mp_store_txn_new (store);

    g_assert_no_error (error);
    g_assert_true (mp_store_txn_add (txn, "a.crt", crt, MP_WRITE_NONE, &error));
    g_assert_no_error (error);
    g_assert_true (g_file_test (missing, G_FILE_TEST_IS_DIR));
    g_assert_false (mp_store_txn_add (txn, "a.crt", crt, MP_WRITE_NONE, &error));
    g_assert_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS);
    g_clear_error (&error);
    g_clear_pointer (&txn, mp_store_txn_free);
    g_assert_false (g_file_test (top, G_FILE_TEST_EXISTS));
    g_assert_false (mp_store_exists (store));
    /* and the handle makes it again at its next write */
    g_assert_true (mp_store_write (store, "b.crt", crt, MP_WRITE_NONE, &error));
    g_assert_no_error (error);
    l = listing (missing);
    g_assert_cmpstr (l, ==, "b.crt");
  }

  /* made by this one, written by another before it failed: stays */
  {
    g_autofree char *other = g_build_filename (f->dir, "other", "store", NULL);
    g_autoptr(MpStore) store = mp_store_new_deferred (other, &error);
    g_autoptr(MpStore) second = NULL;
    g_autoptr(MpStoreTxn) txn = mp_store_txn_new (store);

    g_assert_true (mp_store_txn_add (txn, "a.crt", crt, MP_WRITE_NONE, &error));
    g_assert_no_error (error);
    second = mp_store_new (other, &error);
    g_assert_no_error (error);
    g_assert_true (mp_store_write (second, "c.crt", crt, MP_WRITE_NONE, &error));
    g_assert_no_error (error);
    g_clear_pointer (&txn, mp_store_txn_free);
    g_clear_pointer (&l, g_free);
    l = listing (other);
    g_assert_cmpstr (l, ==, "c.crt");
  }
}

static void
test_atomic_write (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) key = bytes ("KEY\n");
  g_autoptr(GBytes) crt = bytes ("CRT\n");
  g_autofree char *l = NULL;
  g_autofree char *content = NULL;

  umask (0);
  g_assert_true (mp_store_write (f->store, "a.key", key, MP_WRITE_PRIVATE, &error));
  g_assert_no_error (error);
  g_assert_true (mp_store_write (f->store, "a.crt", crt, MP_WRITE_NONE, &error));
  g_assert_no_error (error);
  umask (022);
  g_assert_cmpuint (mode_of (f->home, "a.key"), ==, 0600);
  g_assert_cmpuint (mode_of (f->home, "a.crt"), ==, 0644);
  content = get (f->home, "a.key");
  g_assert_cmpstr (content, ==, "KEY\n");
  /* no temporary file is left behind */
  l = listing (f->home);
  g_assert_cmpstr (l, ==, "a.crt a.key");

  /* the low-level writer behaves the same outside a store */
  {
    g_autofree char *p = g_build_filename (f->dir, "out.key", NULL);
    g_autofree char *l2 = NULL;
    g_assert_true (mp_file_write_atomic (p, "K", 1, MP_WRITE_PRIVATE, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (mode_of (f->dir, "out.key"), ==, 0600);
    g_assert_false (mp_file_write_atomic (p, "L", 1, MP_WRITE_PRIVATE, &error));
    g_assert_error (error, MP_ERROR, MP_ERROR_EXISTS);
    g_clear_error (&error);
    g_clear_pointer (&content, g_free);
    content = get (f->dir, "out.key");
    g_assert_cmpstr (content, ==, "K");
    g_assert_true (mp_file_write_atomic (p, "public", 6, MP_WRITE_REPLACE, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (mode_of (f->dir, "out.key"), ==, 0644);
    l2 = listing (f->dir);
    g_assert_cmpstr (l2, ==, "out.key store");
  }
}

static void
test_overwrite_refused (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) one = bytes ("one\n");
  g_autoptr(GBytes) two = bytes ("two\n");
  g_autofree char *content = NULL;
  g_autofree char *l = NULL;

  g_assert_true (mp_store_write (f->store, "dbserver.key", one, MP_WRITE_PRIVATE, &error));
  g_assert_no_error (error);
  g_assert_false (mp_store_write (f->store, "dbserver.key", two, MP_WRITE_PRIVATE, &error));
  g_assert_error (error, MP_ERROR, MP_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, "dbserver.key already exists"));
  g_assert_nonnull (strstr (error->message, "--force"));
  g_clear_error (&error);
  content = get (f->home, "dbserver.key");
  g_assert_cmpstr (content, ==, "one\n");
  l = listing (f->home);
  g_assert_cmpstr (l, ==, "dbserver.key");

  /* replacing is explicit, and keeps the requested mode */
  g_assert_true (mp_store_write (f->store, "dbserver.key", two, MP_WRITE_PRIVATE | MP_WRITE_REPLACE, &error));
  g_assert_no_error (error);
  g_clear_pointer (&content, g_free);
  content = get (f->home, "dbserver.key");
  g_assert_cmpstr (content, ==, "two\n");
  g_assert_cmpuint (mode_of (f->home, "dbserver.key"), ==, 0600);
}

static void
test_txn_all_or_nothing (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) b = bytes ("staged\n");
  g_autofree char *l = NULL;

  put (f->home, "b.crt", "old b\n");
  {
    g_autoptr(MpStoreTxn) txn = mp_store_txn_new (f->store);
    g_assert_true (mp_store_txn_add (txn, "a.key", b, MP_WRITE_PRIVATE, &error));
    g_assert_no_error (error);
    /* the second file exists: the whole command fails */
    g_assert_false (mp_store_txn_add (txn, "b.crt", b, MP_WRITE_NONE, &error));
    g_assert_error (error, MP_ERROR, MP_ERROR_EXISTS);
    g_clear_error (&error);
  }
  l = listing (f->home);
  g_assert_cmpstr (l, ==, "b.crt");
  g_clear_pointer (&l, g_free);

  /* staged and dropped without commit: nothing appears, no temp file stays */
  {
    g_autoptr(MpStoreTxn) txn = mp_store_txn_new (f->store);
    g_assert_true (mp_store_txn_add (txn, "c.key", b, MP_WRITE_PRIVATE, &error));
    g_assert_true (mp_store_txn_add (txn, "c.crt", b, MP_WRITE_NONE, &error));
    g_assert_no_error (error);
    l = listing (f->home);
    g_assert_cmpstr (l, !=, "b.crt"); /* the staged temp files are there */
    g_clear_pointer (&l, g_free);
  }
  l = listing (f->home);
  g_assert_cmpstr (l, ==, "b.crt");
  g_clear_pointer (&l, g_free);

  /* one name twice in one transaction is a bug in the caller */
  {
    g_autoptr(MpStoreTxn) txn = mp_store_txn_new (f->store);
    g_assert_true (mp_store_txn_add (txn, "d.crt", b, MP_WRITE_NONE, &error));
    g_assert_false (mp_store_txn_add (txn, "d.crt", b, MP_WRITE_NONE, &error));
    g_assert_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS);
    g_clear_error (&error);
  }

  /* committed: both files, with their modes, and no temp files */
  {
    g_autoptr(MpStoreTxn) txn = mp_store_txn_new (f->store);
    g_assert_true (mp_store_txn_add (txn, "e.key", b, MP_WRITE_PRIVATE, &error));
    g_assert_true (mp_store_txn_add (txn, "e.crt", b, MP_WRITE_NONE, &error));
    g_assert_true (mp_store_txn_commit (txn, &error));
    g_assert_no_error (error);
  }
  l = listing (f->home);
  g_assert_cmpstr (l, ==, "b.crt e.crt e.key");
  g_assert_cmpuint (mode_of (f->home, "e.key"), ==, 0600);
  g_assert_cmpuint (mode_of (f->home, "e.crt"), ==, 0644);
}

static void
test_txn_commit_rolls_back (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) b = bytes ("new\n");
  g_autoptr(MpStoreTxn) txn = mp_store_txn_new (f->store);
  g_autofree char *sub = g_build_filename (f->home, "z.crt", NULL);
  g_autofree char *content = NULL;
  g_autofree char *l = NULL;

  put (f->home, "a.crt", "old a\n");
  /* a directory in the way makes the second rename fail during commit */
  g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
  g_assert_true (mp_store_txn_add (txn, "a.crt", b, MP_WRITE_REPLACE, &error));
  g_assert_true (mp_store_txn_add (txn, "z.crt", b, MP_WRITE_REPLACE, &error));
  g_assert_no_error (error);
  g_assert_false (mp_store_txn_commit (txn, &error));
  g_assert_error (error, MP_ERROR, MP_ERROR_IO);
  g_clear_pointer (&txn, mp_store_txn_free);

  /* the first file, already replaced, was put back */
  content = get (f->home, "a.crt");
  g_assert_cmpstr (content, ==, "old a\n");
  l = listing (f->home);
  g_assert_cmpstr (l, ==, "a.crt z.crt");
}

static void
test_list_names (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) names = NULL;
  g_autofree char *sub = g_build_filename (f->home, "sub.crt", NULL);

  put (f->home, "dbserver.crt", "x");
  put (f->home, "dbca.crt", "x");
  put (f->home, ".dbca.crt.ABC123", "temp");
  g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
  names = mp_store_list_names (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (names->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (names, 0), ==, "dbca.crt");
  g_assert_cmpstr (g_ptr_array_index (names, 1), ==, "dbserver.crt");
}

static void
test_suggest (Fixture *f, gconstpointer data)
{
  const char *const names[] = { "dbca.crt", "dbclient.crt", "dbclient.key", "dbserver.crt", "dbserver.key", NULL };
  g_autofree char *s = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  /* the seed's own typo */
  s = mp_suggest ("cbclient.crt", names);
  g_assert_cmpstr (s, ==, "dbclient.crt");
  g_clear_pointer (&s, g_free);
  s = mp_suggest ("dbserver.kye", names);
  g_assert_cmpstr (s, ==, "dbserver.key");
  g_clear_pointer (&s, g_free);
  /* an exact name needs no suggestion, a far one gets none */
  g_assert_null (mp_suggest ("dbca.crt", names));
  g_assert_null (mp_suggest ("webadmin.crt", names));
  g_assert_null (mp_suggest (NULL, names));

  /* the store's own lookup names the closest file */
  for (guint i = 0; names[i] != NULL; i++)
    put (f->home, names[i], "x");
  path = mp_store_resolve_existing (f->store, "cbclient.crt", &error);
  g_assert_null (path);
  g_assert_error (error, MP_ERROR, MP_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "cbclient.crt: no such file in the store (did you mean dbclient.crt?)");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/store/confinement", test_confinement);
  ADD ("/store/symlinks", test_symlinks);
  g_test_add_func ("/store/default-path", test_default_path);
  ADD ("/store/not-a-directory", test_store_on_a_file);
  ADD ("/store/for-reading", test_for_reading);
  ADD ("/store/deferred", test_deferred);
  ADD ("/store/deferred-failed-txn", test_deferred_failed_txn);
  ADD ("/store/atomic-write", test_atomic_write);
  ADD ("/store/overwrite-refused", test_overwrite_refused);
  ADD ("/store/txn/all-or-nothing", test_txn_all_or_nothing);
  ADD ("/store/txn/commit-rolls-back", test_txn_commit_rolls_back);
  ADD ("/store/list-names", test_list_names);
  ADD ("/store/suggest", test_suggest);
#undef ADD
  return g_test_run ();
}
