/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the io.meetpki.Manager1 methods that move files across the store's edge:
 * Import, Export, MatchFiles, Pkcs12ToPem, and FixBundleJson, which
 * rewrites a store file.  a file outside the store only ever arrives
 * as a descriptor the caller opened with its own rights, or leaves into
 * one; the daemon never opens a caller's path, and no reply carries key
 * material.
 */
#include "config.h"

#include <fcntl.h>
#include <gio/gunixfdlist.h>
#include <json-glib/json-glib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mpd.h"
#include "mpd-generated.h"
#include "mpd-daemon.h"

/* the descriptor an `h` argument points at, dup'ed; -1 with an error */
static int
passed_fd (GUnixFDList *fds, GVariant *fd_index, GError **error)
{
  gint32 index = g_variant_get_handle (fd_index);

  if (fds == NULL || index < 0 || index >= g_unix_fd_list_get_length (fds))
    {
      g_set_error_literal (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "no file descriptor was passed with the call");
      return -1;
    }
  return g_unix_fd_list_get (fds, index, error);
}

static gboolean
handle_import (MpdManager1 *skeleton, GDBusMethodInvocation *invocation, GUnixFDList *fds, const char *name,
               GVariant *fd_index, GVariant *options, MpdDaemon *self)
{
  static const char * const allowed[] = { "force", "source", NULL };
  static const char * const types[] = { "b", "s" };
  static const char * const kinds[] = { "key", "csr", "certificates" };
  g_auto(MpImportResult) result = { 0 };
  g_autoptr(GError) error = NULL;
  int fd;
  gboolean ok;

  if (!mpd_options_check (options, allowed, types, &error) ||
      !mp_transfer_is_valid_import_name (name, &error))
    return mpd_return_error (invocation, error);
  fd = passed_fd (fds, fd_index, &error);
  if (fd < 0)
    return mpd_return_error (invocation, error);
  ok = mp_transfer_import_fd (self->store, fd, mpd_option_string (options, "source", name), name,
                              mpd_option_bool (options, "force") ? MP_TRANSFER_FORCE : MP_TRANSFER_NONE,
                              &result, &error);
  close (fd);
  if (!ok)
    return mpd_return_error (invocation, error);
  mpd_manager1_complete_import (skeleton, invocation, NULL, result.name, kinds[result.kind], result.n_certs);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_export (MpdManager1 *skeleton, GDBusMethodInvocation *invocation, GUnixFDList *fds, const char *name,
               GVariant *fd_index, GVariant *options, MpdDaemon *self)
{
  static const char * const allowed[] = { NULL };
  static const char * const types[] = { NULL };
  g_autoptr(GError) error = NULL;
  int fd;
  gboolean ok;

  if (!mpd_options_check (options, allowed, types, &error))
    return mpd_return_error (invocation, error);
  fd = passed_fd (fds, fd_index, &error);
  if (fd < 0)
    return mpd_return_error (invocation, error);
  ok = mp_transfer_export_fd (self->store, name, fd, &error);
  close (fd);
  if (!ok)
    return mpd_return_error (invocation, error);
  mpd_manager1_complete_export (skeleton, invocation, NULL);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* Match with either file from a passed descriptor ("key-fd",
 * "certificate-fd"): the key's bytes stay in this thread, the reply is
 * empty */
static gboolean
handle_match_files (MpdManager1 *skeleton, GDBusMethodInvocation *invocation, const char *key,
                    const char *certificate, GVariant *options, MpdDaemon *self)
{
  static const char * const allowed[] = { "key-fd", "certificate-fd", NULL };
  static const char * const types[] = { "h", "h" };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) key_data = NULL;
  g_autoptr(GBytes) crt_data = NULL;

  if (!mpd_options_check (options, allowed, types, &error))
    return mpd_return_error (invocation, error);
  key_data = mpd_read_input (self, invocation, options, "key-fd", key, &error);
  if (key_data == NULL)
    return mpd_return_error (invocation, error);
  crt_data = mpd_read_input (self, invocation, options, "certificate-fd", certificate, &error);
  if (crt_data == NULL || !mp_inspect_match (key_data, key, crt_data, certificate, &error))
    return mpd_return_error (invocation, error);
  mpd_manager1_complete_match_files (skeleton, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* the password of option "password-fd" in locked memory, or the empty
 * one without it.  a pipe is read without waiting: the caller writes it
 * in full before the call, so a writer that holds it open cannot hold up
 * this thread */
static MpPassword *
read_password (GDBusMethodInvocation *invocation, GVariant *options, GError **error)
{
  const char *what = mpd_option_string (options, "password-source", "password-fd");
  MpPassword *password;
  struct stat st;
  gint32 index;
  int fd;

  if (!g_variant_lookup (options, "password-fd", "h", &index))
    return mp_password_new (0);
  fd = mpd_option_fd (invocation, index, "password-fd", error);
  if (fd < 0)
    return NULL;
  if (fstat (fd, &st) != 0 || !(S_ISREG (st.st_mode) || S_ISFIFO (st.st_mode)))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "%s: neither a regular file nor a pipe", what);
      close (fd);
      return NULL;
    }
  if (S_ISFIFO (st.st_mode))
    fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) | O_NONBLOCK);
  password = mp_password_read_fd (fd, what, error);
  close (fd);
  return password;
}

static gboolean
handle_pkcs12_to_pem (MpdManager1 *skeleton, GDBusMethodInvocation *invocation, GUnixFDList *fds,
                      const char *basename, GVariant *fd_index, GVariant *options, MpdDaemon *self)
{
  static const char * const allowed[] = { "force", "source", "password-fd", "password-source", NULL };
  static const char * const types[] = { "b", "s", "h", "s" };
  const char *what = mpd_option_string (options, "source", "the PKCS#12 file");
  g_auto(MpPkcs12Result) result = { 0 };
  g_autoptr(MpPassword) password = NULL;
  g_autoptr(GBytes) p12 = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *older = NULL;
  int fd;

  if (!mpd_options_check (options, allowed, types, &error) || !mp_pki_validate_basename (basename, &error))
    return mpd_return_error (invocation, error);
  fd = passed_fd (fds, fd_index, &error);
  if (fd < 0)
    return mpd_return_error (invocation, error);
  p12 = mp_transfer_read_fd (fd, what, &error);
  close (fd);
  if (p12 == NULL)
    return mpd_return_error (invocation, error);
  password = read_password (invocation, options, &error);
  if (password == NULL ||
      !mp_transfer_pkcs12_to_pem (self->store, p12, what, basename, password,
                                  mpd_option_bool (options, "force") ? MP_TRANSFER_FORCE : MP_TRANSFER_NONE,
                                  &result, &error))
    return mpd_return_error (invocation, error);
  g_clear_pointer (&password, mp_password_free);
  older = g_strconcat (basename, "-bundle.crt", NULL);
  mpd_manager1_complete_pkcs12_to_pem (skeleton, invocation, NULL, result.key_name, result.crt_name,
                                       result.bundle_name != NULL ? result.bundle_name : "", result.n_bundle,
                                       result.bundle_name == NULL && mp_store_contains (self->store, older));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* `bundle fix` on a store file: the report with its findings, a refusal
 * in its `error` (the cli prints the findings before it) */
static gboolean
handle_fix_bundle_json (MpdManager1 *skeleton, GDBusMethodInvocation *invocation, const char *name,
                        const char *output, GVariant *options, MpdDaemon *self)
{
  static const char * const allowed[] = { "force", NULL };
  static const char * const types[] = { "b" };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) report = NULL;
  g_autofree char *text = NULL;

  if (!mpd_options_check (options, allowed, types, &error))
    return mpd_return_error (invocation, error);
  report = mp_bundle_fix_to_json (self->store, name, *output != '\0' ? output : NULL,
                                  mpd_option_bool (options, "force") ? MP_WRITE_REPLACE : MP_WRITE_NONE);
  text = mpd_json_text (report);
  mpd_manager1_complete_fix_bundle_json (skeleton, invocation, text);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static const struct {
  const char *signal;
  GCallback handler;
} handlers[] = {
  { "handle-import", G_CALLBACK (handle_import) },
  { "handle-export", G_CALLBACK (handle_export) },
  { "handle-match-files", G_CALLBACK (handle_match_files) },
  { "handle-pkcs12-to-pem", G_CALLBACK (handle_pkcs12_to_pem) },
  { "handle-fix-bundle-json", G_CALLBACK (handle_fix_bundle_json) },
};

void
mpd_transfer_connect (MpdDaemon *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (handlers); i++)
    g_signal_connect (self->skeleton, handlers[i].signal, handlers[i].handler, self);
}
