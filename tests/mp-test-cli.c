/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mp-test-cli.h"

void
mpt_result_free (MptResult *r)
{
  if (r == NULL)
    return;
  g_free (r->out);
  g_free (r->err);
  g_free (r);
}

char *
mpt_make_home (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("meetpki-test-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

void
mpt_remove_home (const char *dir)
{
  g_autoptr(GDir) d = NULL;
  const char *n;

  if (dir == NULL)
    return;
  d = g_dir_open (dir, 0, NULL);
  while (d != NULL && (n = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (dir, n, NULL);
      /* the store is flat but for services/<name>/ */
      if (g_file_test (p, G_FILE_TEST_IS_DIR) && !g_file_test (p, G_FILE_TEST_IS_SYMLINK))
        mpt_remove_home (p);
      else
        g_unlink (p);
    }
  g_rmdir (dir);
}

static MptResult *
spawn (const char *cwd, char **envp, const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  MptResult *r = g_new0 (MptResult, 1);
  int wait_status = 0;

  if (!g_spawn_sync (cwd, (char **) argv, envp, G_SPAWN_SEARCH_PATH, NULL, NULL,
                     &r->out, &r->err, &wait_status, &error))
    g_error ("cannot run %s: %s", argv[0], error->message);
  if (WIFEXITED (wait_status))
    r->status = WEXITSTATUS (wait_status);
  else
    r->status = 128 + WTERMSIG (wait_status);
  return r;
}

MptResult *
mpt_meetpki (const char *home, const char * const *argv)
{
  const char *cli = g_getenv ("MEETPKI_CLI");
  g_auto(GStrv) envp = g_get_environ ();
  g_autoptr(GPtrArray) args = g_ptr_array_new ();

  g_assert_nonnull (cli);
  envp = g_environ_setenv (envp, "MEETPKI_HOME", home, TRUE);
  envp = g_environ_setenv (envp, "LC_ALL", "C", TRUE);
  g_ptr_array_add (args, (gpointer) cli);
  for (guint i = 0; argv[i] != NULL; i++)
    g_ptr_array_add (args, (gpointer) argv[i]);
  g_ptr_array_add (args, NULL);
  return spawn (home, envp, (const char * const *) args->pdata);
}

static GPtrArray *
collect (va_list ap)
{
  GPtrArray *args = g_ptr_array_new ();
  const char *a;

  while ((a = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (args, (gpointer) a);
  g_ptr_array_add (args, NULL);
  return args;
}

MptResult *
mpt_meetpki_va (const char *home, ...)
{
  g_autoptr(GPtrArray) args = NULL;
  va_list ap;

  va_start (ap, home);
  args = collect (ap);
  va_end (ap);
  return mpt_meetpki (home, (const char * const *) args->pdata);
}

void
mpt_ok (const char *home, ...)
{
  g_autoptr(GPtrArray) args = NULL;
  g_autoptr(MptResult) r = NULL;
  va_list ap;

  va_start (ap, home);
  args = collect (ap);
  va_end (ap);
  r = mpt_meetpki (home, (const char * const *) args->pdata);
  mpt_assert_ok (r);
}

MptResult *
mpt_tool (const char *cwd, const char * const *argv)
{
  g_auto(GStrv) envp = g_get_environ ();

  /* openssl and certtool are the checkers: our fixed clock is not theirs */
  envp = g_environ_unsetenv (envp, "MEETPKI_NOW");
  envp = g_environ_setenv (envp, "LC_ALL", "C", TRUE);
  return spawn (cwd, envp, argv);
}

MptResult *
mpt_tool_va (const char *cwd, ...)
{
  g_autoptr(GPtrArray) args = NULL;
  va_list ap;

  va_start (ap, cwd);
  args = collect (ap);
  va_end (ap);
  return mpt_tool (cwd, (const char * const *) args->pdata);
}

gboolean
mpt_require (const char *program)
{
  g_autofree char *path = g_find_program_in_path (program);

  if (path == NULL)
    {
      g_autofree char *msg = g_strdup_printf ("%s is not installed", program);
      g_test_skip (msg);
      return FALSE;
    }
  return TRUE;
}

void
mpt_assert_status_ (const MptResult *r, int status, const char *file, int line)
{
  if (r->status != status)
    g_error ("%s:%d: exit status %d, expected %d\nstdout: %s\nstderr: %s",
             file, line, r->status, status, r->out, r->err);
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

char *
mpt_dir_names (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *n;

  g_assert_nonnull (d);
  /* copied: readdir() may reuse its buffer for later entries */
  while ((n = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (n));
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

char *
mpt_snapshot (const char *dir)
{
  g_autoptr(GString) s = g_string_new (NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) d = NULL;
  g_autoptr(GError) error = NULL;
  struct stat st;
  const char *n;

  g_assert_cmpint (lstat (dir, &st), ==, 0);
  g_string_append_printf (s, ". %o\n", (unsigned) st.st_mode);
  d = g_dir_open (dir, 0, &error);
  g_assert_no_error (error);
  while ((n = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (n));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autofree char *p = g_build_filename (dir, name, NULL);

      g_assert_cmpint (lstat (p, &st), ==, 0);
      g_string_append_printf (s, "%s %o ", name, (unsigned) st.st_mode);
      if (S_ISLNK (st.st_mode))
        {
          g_autofree char *target = g_file_read_link (p, NULL);
          g_string_append_printf (s, "-> %s\n", target);
        }
      else if (S_ISREG (st.st_mode))
        {
          g_autofree char *data = NULL;
          gsize len = 0;
          g_autofree char *sum = NULL;

          g_assert_true (g_file_get_contents (p, &data, &len, NULL));
          sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, len);
          g_string_append_printf (s, "%" G_GSIZE_FORMAT " %s\n", len, sum);
        }
      else
        g_string_append (s, "?\n");
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

GBytes *
mpt_read (const char *home, const char *name)
{
  g_autofree char *p = g_build_filename (home, name, NULL);
  g_autoptr(GError) error = NULL;
  char *data = NULL;
  gsize len = 0;

  g_file_get_contents (p, &data, &len, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (data, len);
}

void
mpt_write (const char *home, const char *name, const char *data, gsize len)
{
  g_autofree char *p = g_build_filename (home, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (p, data, (gssize) len, &error);
  g_assert_no_error (error);
}

GHashTable *
mpt_openssl_parse (const char *text)
{
  GHashTable *h = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_autofree char *current = NULL;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      const char *colon;
      const char *eq;

      if (*line == '\0')
        continue;
      if (line[0] == ' ' && current != NULL)
        {
          g_autofree char *v = g_strstrip (g_strdup (line));
          const char *old = g_hash_table_lookup (h, current);
          char *joined = old != NULL && *old != '\0' ? g_strconcat (old, "\n", v, NULL) : g_strdup (v);
          g_hash_table_replace (h, g_strdup (current), joined);
          continue;
        }
      /* serial=..., subject=..., notAfter=...: one line each */
      eq = strchr (line, '=');
      colon = strchr (line, ':');
      if (eq != NULL && (colon == NULL || eq < colon))
        {
          g_hash_table_replace (h, g_strndup (line, (gsize) (eq - line)), g_strdup (eq + 1));
          g_clear_pointer (&current, g_free);
          continue;
        }
      if (colon != NULL)
        {
          const char *name = g_str_has_prefix (line, "X509v3 ") ? line + 7 : line;
          g_clear_pointer (&current, g_free);
          current = g_strndup (name, (gsize) (colon - name));
          g_hash_table_replace (h, g_strdup (current), g_strdup (""));
          if (strstr (colon, "critical") != NULL)
            g_hash_table_replace (h, g_strconcat (current, "/critical", NULL), g_strdup ("yes"));
        }
    }
  return h;
}

void
mpt_openssl_ca (const char *dir, const char *name, const char *cn, const char *issuer, gboolean key_ids)
{
  g_autofree char *key = g_strconcat (name, ".key", NULL);
  g_autofree char *crt = g_strconcat (name, ".crt", NULL);
  g_autofree char *csr = g_strconcat (name, ".csr", NULL);
  g_autofree char *subj = g_strconcat ("/CN=", cn, NULL);
  g_autoptr(MptResult) made = NULL;
  g_autoptr(MptResult) signed_ = NULL;

  if (issuer == NULL)
    {
      made = mpt_tool_va (dir, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                          "-nodes", "-keyout", key, "-out", crt, "-days", "3650", "-subj", subj,
                          "-addext", "basicConstraints=critical,CA:TRUE",
                          "-addext", "keyUsage=critical,keyCertSign,cRLSign", NULL);
      mpt_assert_ok (made);
      return;
    }
  {
    g_autofree char *ext = g_build_filename (dir, "mpt-ca.ext", NULL);
    g_autofree char *issuer_crt = g_strconcat (issuer, ".crt", NULL);
    g_autofree char *issuer_key = g_strconcat (issuer, ".key", NULL);
    g_autofree char *text = g_strdup_printf ("basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n"
                                             "subjectKeyIdentifier=%s\nauthorityKeyIdentifier=%s\n",
                                             key_ids ? "hash" : "none", key_ids ? "keyid" : "none");

    g_assert_true (g_file_set_contents (ext, text, -1, NULL));
    made = mpt_tool_va (dir, "openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-keyout", key, "-out", csr, "-subj", subj, NULL);
    mpt_assert_ok (made);
    signed_ = mpt_tool_va (dir, "openssl", "x509", "-req", "-in", csr, "-CA", issuer_crt, "-CAkey", issuer_key,
                           "-CAcreateserial", "-days", "1825", "-extfile", ext, "-out", crt, NULL);
    mpt_assert_ok (signed_);
    g_assert_cmpint (g_unlink (ext), ==, 0);
  }
}

void
mpt_pin_clock (gint64 t)
{
  g_autofree char *v = g_strdup_printf ("%" G_GINT64_FORMAT, t);

  g_setenv ("MEETPKI_NOW", v, TRUE);
}
