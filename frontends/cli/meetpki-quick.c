/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `meetpki`, the command an administrator types.  the two commands run
 * most, `pki inspect <file>` and `pki sign <name> <ca> [--days N]`, and
 * `--version` run here, linked against glib and gnutls only (sign loads
 * libgcrypt for its randomness when it needs it, see mp-crypto.c): loading
 * libgio, libgobject, json-glib and gmodule alone takes longer than
 * certtool needs for a whole inspection (doc/speed.md).  everything else, and any of the
 * two that fails or has an option this file does not know, is handed as
 * it was typed to the full cli (meetpki-full, via execv), so every other
 * command, every error message, exit status and did-you-mean comes from
 * one place.  a failed inspect or sign changed nothing, so running it
 * again there is safe.
 */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <meetpki/mp-pki.h>
#include <meetpki/mp-store.h>

#include "mp-cli-print.h"

typedef struct {
  const char *home;          /* --home DIR */
  const char *words[5];      /* the command and its arguments */
  guint n_words;
  gint64 days;               /* --days N; -1 when not given */
} QuickArgs;

/* the full cli: beside this one in a build tree, else where it installs */
static char *
full_cli_path (void)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);

  if (self != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (self);
      g_autofree char *beside = g_build_filename (dir, "meetpki-full", NULL);
      if (g_file_test (beside, G_FILE_TEST_IS_EXECUTABLE))
        return g_steal_pointer (&beside);
    }
  return g_strdup (MP_FULL_CLI);
}

static int
run_full (char **argv)
{
  g_autofree char *path = full_cli_path ();
  int saved;

  execv (path, argv);
  saved = errno;
  fprintf (stderr, "meetpki: cannot run %s: %s\n", path, g_strerror (saved));
  return 70; /* EXIT_INTERNAL, doc/meetpki.1.scd */
}

static gboolean
parse_days (const char *text, gint64 *days)
{
  guint64 n;

  /* what the full cli would take as well; anything else goes there */
  if (!g_ascii_string_to_unsigned (text, 10, 1, G_MAXINT, &n, NULL))
    return FALSE;
  *days = (gint64) n;
  return TRUE;
}

/* the plain forms only: a word that starts with '-' and is not --home or
 * --days, or a bus in the environment, is for the full cli */
static gboolean
parse_quick (int argc, char **argv, QuickArgs *q)
{
  const char *bus = g_getenv ("MEETPKI_BUS");

  if (bus != NULL && *bus != '\0')
    return FALSE;
  q->days = -1;
  for (int i = 1; i < argc; i++)
    {
      const char *a = argv[i];

      if (g_str_equal (a, "--home") && i + 1 < argc && q->home == NULL)
        q->home = argv[++i];
      else if (g_str_has_prefix (a, "--home=") && q->home == NULL)
        q->home = a + strlen ("--home=");
      else if (g_str_equal (a, "--days") && i + 1 < argc && q->days < 0)
        {
          if (!parse_days (argv[++i], &q->days))
            return FALSE;
        }
      else if (g_str_has_prefix (a, "--days=") && q->days < 0)
        {
          if (!parse_days (a + strlen ("--days="), &q->days))
            return FALSE;
        }
      else if (a[0] == '-' || q->n_words == G_N_ELEMENTS (q->words))
        return FALSE;
      else
        q->words[q->n_words++] = a;
    }
  if (q->home != NULL && *q->home == '\0')
    return FALSE;
  if (q->n_words < 2 || !g_str_equal (q->words[0], "pki"))
    return FALSE;
  if (g_str_equal (q->words[1], "inspect"))
    return q->n_words == 3 && q->days < 0;
  if (g_str_equal (q->words[1], "sign"))
    return q->n_words == 4;
  return FALSE;
}

static gboolean
quick_inspect (MpStore *store, const char *name)
{
  g_autofree char *path = mp_store_resolve_input (store, name, NULL);
  g_autoptr(GBytes) data = path != NULL ? mp_file_read (path, NULL) : NULL;
  g_autoptr(JsonNode) desc = data != NULL ? mp_inspect_file (data, name, NULL) : NULL;

  if (desc == NULL)
    return FALSE;
  mp_cli_print_inspection (json_node_get_object (desc));
  return TRUE;
}

static gboolean
quick_sign (MpStore *store, const char *name, const char *ca, gint64 days)
{
  g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);

  if (!mp_pki_sign (store, name, ca, days > 0 ? (guint) days : MP_PKI_DEFAULT_DAYS, notes, NULL))
    return FALSE;
  g_ptr_array_add (notes, NULL);
  mp_cli_print_signed (name, ca, (const char * const *) notes->pdata);
  return TRUE;
}

/* g_print() converts every line to the locale's character set (which
 * loads iconv's gconv modules) and flushes it: an inspection was 18
 * write()s.  ascii is the same bytes in every character set a linux locale
 * has, so it goes to stdio's buffer as it is, and out at exit.  anything
 * else is g_print()'s, in the user's locale: only then is it read, since
 * the character set is all the output depends on (dates are ISO 8601,
 * numbers integers), and reading it costs more than the ascii takes to
 * print.  the full cli sets LC_ALL itself. */
static void
quick_print (const char *text)
{
  static gboolean locale_set = FALSE;

  for (const char *p = text; *p != '\0'; p++)
    {
      if ((guchar) *p >= 0x80)
        {
          if (!locale_set)
            setlocale (LC_CTYPE, "");
          locale_set = TRUE;
          g_set_print_handler (NULL);
          g_print ("%s", text);
          g_set_print_handler (quick_print);
          return;
        }
    }
  fputs (text, stdout);
}

int
main (int argc, char **argv)
{
  QuickArgs q = { 0 };
  g_autoptr(MpStore) store = NULL;
  gboolean inspect, done;

  g_set_print_handler (quick_print);
  if (argc == 2 && g_str_equal (argv[1], "--version"))
    {
      g_print ("meetpki %s\n", MP_VERSION);
      return 0;
    }
  if (!parse_quick (argc, argv, &q))
    return run_full (argv);
  /* as in the full cli, neither creates the store: inspect reads (a path
   * works where no store is), sign writes only into a store that holds
   * its csr and ca.  where none is, sign fails at its first input and the
   * full cli names the store */
  inspect = g_str_equal (q.words[1], "inspect");
  store = mp_store_new_for_reading (q.home, NULL);
  if (store == NULL)
    return run_full (argv);
  if (inspect)
    done = quick_inspect (store, q.words[2]);
  else
    done = quick_sign (store, q.words[2], q.words[3], q.days);
  if (!done)
    {
      /* nothing was printed and nothing changed: the full cli says why */
      fflush (stdout);
      g_clear_pointer (&store, mp_store_unref);
      return run_full (argv);
    }
  return 0;
}
