/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `pki import`, `pki export`, `pki pkcs12-to-pem`: files in and out of the
 * store.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <gio/gunixfdlist.h>
#include <glib-unix.h>

#include "mp-cli.h"

static MpTransferFlags
transfer_flags (MpCli *cli)
{
  return cli->force ? MP_TRANSFER_FORCE : MP_TRANSFER_NONE;
}

static void
print_imported (const MpImportResult *result)
{
  switch (result->kind)
    {
    case MP_TRANSFER_KIND_KEY:
      g_print ("Imported private key %s (mode 0600)\n", result->name);
      break;
    case MP_TRANSFER_KIND_CSR:
      g_print ("Imported CSR %s\n", result->name);
      break;
    case MP_TRANSFER_KIND_CERTIFICATES:
    default:
      if (result->n_certs == 1)
        g_print ("Imported certificate %s\n", result->name);
      else
        g_print ("Imported %u certificates as %s\n", result->n_certs, result->name);
      break;
    }
}

static void
print_exported (const char *name, const char *written)
{
  g_print ("Exported %s to %s\n", name, written);
}

gboolean
mp_cli_pki_import (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  g_auto(MpImportResult) result = { 0 };
  MpStore *store;

  /* check the name before the store is created or anything is read */
  if (n_args > 1 && !mp_transfer_is_valid_import_name (args[1], error))
    return FALSE;
  store = mp_cli_get_store (cli, error);
  if (store == NULL)
    return FALSE;
  if (!mp_transfer_import_file (store, args[0], n_args > 1 ? args[1] : NULL,
                                transfer_flags (cli), &result, error))
    return FALSE;
  print_imported (&result);
  return TRUE;
}

gboolean
mp_cli_pki_export (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  g_autofree char *written = NULL;
  MpStore *store = mp_cli_get_store (cli, error);

  if (store == NULL)
    return FALSE;
  written = mp_transfer_export_file (store, args[0], args[1], transfer_flags (cli), error);
  if (written == NULL)
    return FALSE;
  print_exported (args[0], written);
  return TRUE;
}

/* the terminal settings to put back if a signal ends the prompt */
static struct termios prompt_saved;
static const int prompt_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

static void
restore_terminal_and_reraise (int sig)
{
  /* both calls are async-signal-safe; the default action then ends us */
  tcsetattr (STDIN_FILENO, TCSANOW, &prompt_saved);
  signal (sig, SIG_DFL);
  raise (sig);
}

/* reads a line from the terminal with echo off; the typed password never
 * appears on the screen and goes straight into secure memory.  ctrl-c
 * during the prompt leaves the terminal echoing again. */
static MpPassword *
prompt_password (const char *what, GError **error)
{
  struct termios saved, quiet;
  struct sigaction on_signal = { .sa_handler = restore_terminal_and_reraise };
  struct sigaction previous[G_N_ELEMENTS (prompt_signals)];
  MpPassword *pw;

  if (tcgetattr (STDIN_FILENO, &saved) != 0)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_IO,
                   "cannot prompt for the password of %s; use --password-file FILE", what);
      return NULL;
    }
  quiet = saved;
  quiet.c_lflag &= ~(tcflag_t) (ECHO | ECHONL);
  quiet.c_lflag |= ICANON;
  prompt_saved = saved;
  sigemptyset (&on_signal.sa_mask);
  for (guint i = 0; i < G_N_ELEMENTS (prompt_signals); i++)
    sigaction (prompt_signals[i], &on_signal, &previous[i]);
  /* echo goes off before the prompt shows, so nothing typed after the
   * prompt can be echoed or flushed away */
  if (tcsetattr (STDIN_FILENO, TCSAFLUSH, &quiet) != 0)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_IO,
                   "cannot turn off echo on the terminal; use --password-file FILE");
      pw = NULL;
    }
  else
    {
      fprintf (stderr, "Password for %s: ", what);
      fflush (stderr);
      pw = mp_password_read_fd (STDIN_FILENO, "the terminal", error);
      tcsetattr (STDIN_FILENO, TCSANOW, &saved);
      fputc ('\n', stderr);
    }
  for (guint i = 0; i < G_N_ELEMENTS (prompt_signals); i++)
    sigaction (prompt_signals[i], &previous[i], NULL);
  return pw;
}

/* @older_bundle: no bundle was written and an older one is in the store */
static void
print_pkcs12_split (const char *p12_name, const MpPkcs12Result *result, gboolean older_bundle)
{
  if (result->bundle_name != NULL)
    {
      g_print ("Created key file %s, certificate %s and CA bundle %s (%u certificate%s)\n",
               result->key_name, result->crt_name, result->bundle_name, result->n_bundle,
               result->n_bundle == 1 ? "" : "s");
      return;
    }
  g_print ("Created key file %s and certificate %s (no CA certificates in %s, no bundle written)\n",
           result->key_name, result->crt_name, p12_name);
  if (older_bundle)
    {
      g_autofree char *basename = g_strndup (result->crt_name, strlen (result->crt_name) - strlen (".crt"));
      g_print ("Note: the older %s-bundle.crt was left as it was; it may not belong to %s\n",
               basename, result->crt_name);
    }
}

gboolean
mp_cli_pki_pkcs12_to_pem (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  g_auto(MpPkcs12Result) result = { 0 };
  g_autoptr(MpPassword) password = NULL;
  g_autoptr(GBytes) p12 = NULL;
  g_autofree char *older = NULL;
  MpStore *store;

  /* every cheap check comes before the password is asked for */
  if (!mp_pki_validate_basename (args[1], error))
    return FALSE;
  p12 = mp_transfer_read_file (args[0], error);
  if (p12 == NULL)
    return FALSE;
  store = mp_cli_get_store (cli, error);
  if (store == NULL)
    return FALSE;

  if (cli->password_file != NULL)
    password = mp_password_read_file (cli->password_file, error);
  else if (isatty (STDIN_FILENO))
    password = prompt_password (args[0], error);
  else
    password = mp_password_new (0); /* no way to ask: try the empty password */
  if (password == NULL)
    return FALSE;

  if (!mp_transfer_pkcs12_to_pem (store, p12, args[0], args[1], password,
                                  transfer_flags (cli), &result, error))
    return FALSE;
  g_clear_pointer (&password, mp_password_free);
  older = g_strconcat (args[1], "-bundle.crt", NULL);
  print_pkcs12_split (args[0], &result, result.bundle_name == NULL && mp_store_contains (store, older));
  return TRUE;
}

/* ---- through meetpkid ---- */

gboolean
mp_cli_bus_pki_import (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  static const char * const kinds[] = { "key", "csr", "certificates" };
  g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *name = n_args > 1 ? g_strdup (args[1]) : g_path_get_basename (args[0]);
  g_auto(MpImportResult) result = { 0 };
  GVariantBuilder options;
  const char *kind;
  int fd, index;

  /* the checks and messages of the in-process import, then the file is
   * opened here, with the user's own rights, and passed */
  if (!mp_transfer_is_valid_import_name (name, error))
    return FALSE;
  fd = mp_transfer_open_file (args[0], error);
  if (fd < 0)
    return FALSE;
  index = mp_cli_bus_pass_fd (fds, fd, error);
  if (index < 0)
    return FALSE;
  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "source", g_variant_new_string (args[0]));
  if (cli->force)
    g_variant_builder_add (&options, "{sv}", "force", g_variant_new_boolean (TRUE));
  reply = mp_cli_bus_call (cli, "Import", g_variant_new ("(sha{sv})", name, index, &options),
                           G_VARIANT_TYPE ("(ssu)"), fds, error);
  if (reply == NULL)
    return FALSE;
  g_variant_get (reply, "(s&su)", &result.name, &kind, &result.n_certs);
  result.kind = MP_TRANSFER_KIND_CERTIFICATES;
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      if (g_str_equal (kinds[i], kind))
        result.kind = (MpTransferKind) i;
    }
  print_imported (&result);
  return TRUE;
}

typedef struct {
  MpCli *cli;
  const char *name;
} ExportFill;

/* the daemon writes the store file into our private temporary file */
static gboolean
fill_from_daemon (int fd, gpointer user_data, GError **error)
{
  ExportFill *ctx = user_data;
  g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
  g_autoptr(GVariant) reply = NULL;
  int index = g_unix_fd_list_append (fds, fd, error);

  if (index < 0)
    return FALSE;
  reply = mp_cli_bus_call (ctx->cli, "Export", g_variant_new ("(sh@a{sv})", ctx->name, index,
                                                              g_variant_new ("a{sv}", NULL)),
                           G_VARIANT_TYPE ("()"), fds, error);
  return reply != NULL;
}

gboolean
mp_cli_bus_pki_export (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  ExportFill ctx = { cli, args[0] };
  g_autofree char *target = NULL;

  if (*args[1] == '\0')
    {
      g_set_error_literal (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "an export path is required");
      return FALSE;
    }
  target = mp_transfer_export_target (args[0], args[1], error);
  if (target == NULL ||
      !mp_file_write_atomic_with (target, fill_from_daemon, &ctx, cli->force ? MP_WRITE_REPLACE : MP_WRITE_NONE,
                                  error))
    return FALSE;
  print_exported (args[0], target);
  return TRUE;
}

/* a pipe already holding @password and closed for writing, for the
 * daemon to read without waiting; -1 with an error.  the password alone,
 * with no line end: the daemon reads to the end of the pipe, and a
 * password that itself ends in "\r" must not lose it to a "\r\n" */
static int
password_pipe (const char *password, GError **error)
{
  gsize len = strlen (password);
  int pipe_fds[2];

  if (!g_unix_open_pipe (pipe_fds, FD_CLOEXEC, error))
    return -1;
  /* at most MP_PASSWORD_MAX bytes: within the pipe's buffer */
  if (write (pipe_fds[1], password, len) != (gssize) len)
    {
      g_set_error_literal (error, MP_ERROR, MP_ERROR_IO, "cannot pass the password to meetpkid");
      close (pipe_fds[0]);
      close (pipe_fds[1]);
      return -1;
    }
  close (pipe_fds[1]);
  return pipe_fds[0];
}

/* the password as the in-process command gets it, as a descriptor for the
 * daemon: a regular --password-file itself, opened here with the user's
 * rights; else (a pipe or terminal named as the file, or the prompt) the
 * password read here, as in-process, and passed in a pipe; nothing for
 * the empty password.  FALSE with an error */
static gboolean
add_password_fd (MpCli *cli, const char *p12_path, GUnixFDList *fds, GVariantBuilder *options, GError **error)
{
  g_autoptr(MpPassword) password = NULL;
  struct stat st;
  int fd, index;

  if (cli->password_file != NULL)
    {
      fd = mp_password_open_file (cli->password_file, error);
      if (fd < 0)
        return FALSE;
      g_variant_builder_add (options, "{sv}", "password-source", g_variant_new_string (cli->password_file));
      if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
        {
          /* /dev/stdin, <(...): may still be written to; read it here */
          password = mp_password_read_fd (fd, cli->password_file, error);
          close (fd);
          if (password == NULL)
            return FALSE;
          fd = *password != '\0' ? password_pipe (password, error) : -2;
        }
    }
  else if (isatty (STDIN_FILENO))
    {
      password = prompt_password (p12_path, error);
      if (password == NULL)
        return FALSE;
      fd = *password != '\0' ? password_pipe (password, error) : -2;
    }
  else
    fd = -2; /* no way to ask: the empty password */
  if (fd == -2)
    return TRUE;
  if (fd < 0)
    return FALSE;
  index = mp_cli_bus_pass_fd (fds, fd, error);
  if (index < 0)
    return FALSE;
  g_variant_builder_add (options, "{sv}", "password-fd", g_variant_new_handle (index));
  return TRUE;
}

gboolean
mp_cli_bus_pki_pkcs12_to_pem (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
  g_auto(GVariantBuilder) options = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_autoptr(GVariant) reply = NULL;
  g_auto(MpPkcs12Result) result = { 0 };
  gboolean older_bundle;
  int fd, index;

  /* the checks and messages of the in-process command, in its order; the
   * files are opened here, with the user's own rights, and passed */
  if (!mp_pki_validate_basename (args[1], error))
    return FALSE;
  fd = mp_transfer_open_file (args[0], error);
  if (fd < 0)
    return FALSE;
  index = mp_cli_bus_pass_fd (fds, fd, error);
  if (index < 0 || !add_password_fd (cli, args[0], fds, &options, error))
    return FALSE;
  g_variant_builder_add (&options, "{sv}", "source", g_variant_new_string (args[0]));
  if (cli->force)
    g_variant_builder_add (&options, "{sv}", "force", g_variant_new_boolean (TRUE));
  reply = mp_cli_bus_call (cli, "Pkcs12ToPem", g_variant_new ("(sha{sv})", args[1], index, &options),
                           G_VARIANT_TYPE ("(sssub)"), fds, error);
  if (reply == NULL)
    return FALSE;
  g_variant_get (reply, "(sssub)", &result.key_name, &result.crt_name, &result.bundle_name, &result.n_bundle,
                 &older_bundle);
  if (*result.bundle_name == '\0')
    g_clear_pointer (&result.bundle_name, g_free);
  print_pkcs12_split (args[0], &result, older_bundle);
  return TRUE;
}
