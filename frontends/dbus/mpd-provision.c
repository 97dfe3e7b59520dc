/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Manager1.Provision: `meetpki node provision` on the daemon's store.  the
 * profile arrives as text and an existing CA's files as descriptors the
 * caller opened (read as Import reads its file): the daemon opens no path
 * of the caller's.  it runs in the call's worker thread, under the same
 * service lock as the cli (mp_provision() takes it), so List and the
 * other methods are answered meanwhile.
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "mpd.h"
#include "mpd-generated.h"
#include "mpd-daemon.h"

typedef struct {
  MpdManager1 *skeleton;
  const char *source;
  GPtrArray *lines;
} Run;

/* each line the cli would print; a section ("== webadmin") is also told
 * to everyone as Progress, the lines themselves only to the caller */
static void
collect_line (MpLineKind kind, const char *text, gpointer user_data)
{
  Run *run = user_data;

  if (kind != MP_LINE_NOTE)
    {
      g_ptr_array_add (run->lines, g_strdup_printf ("%s: %s", mp_line_kind_to_string (kind), text));
      return;
    }
  g_ptr_array_add (run->lines, g_strdup (text));
  if (g_str_has_prefix (text, "== "))
    mpd_manager1_emit_progress (run->skeleton, "Provision", run->source, text + 3);
}

/* the descriptors of the files the profile names, each one required, no
 * other taken */
static gboolean
take_ca_files (GDBusMethodInvocation *invocation, GVariant *options, MpProfile *profile, GError **error)
{
  for (MpProfileCaFile file = 0; file < MP_PROFILE_CA_N_FILES; file++)
    {
      const char *option = mp_profile_ca_fd_option (file);
      g_autofree char *path = mp_profile_get_ca_path (profile, file);
      gint32 index;
      int fd;

      if (!g_variant_lookup (options, option, "h", &index))
        {
          if (path == NULL)
            continue;
          g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "%s: option '%s' is required: the profile names %s",
                       mp_profile_get_path (profile), option, path);
          return FALSE;
        }
      if (path == NULL)
        {
          g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "%s: option '%s': the profile names no such file",
                       mp_profile_get_path (profile), option);
          return FALSE;
        }
      fd = mpd_option_fd (invocation, index, option, error);
      if (fd < 0)
        return FALSE;
      mp_profile_set_ca_fd (profile, file, fd);
    }
  return TRUE;
}

/* replies with the lines and the warnings of check, or the error with the
 * lines before it sent to the caller alone first (as Service1 does) */
static gboolean
finish (GDBusMethodInvocation *invocation, GPtrArray *lines, gboolean ok, guint n_warnings, GError *error)
{
  g_ptr_array_add (lines, NULL);
  if (!ok)
    return mpd_return_error_after_lines (invocation, (char **) lines->pdata, error);
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(^asu)", (char **) lines->pdata, n_warnings));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_provision (MpdManager1 *skeleton, GDBusMethodInvocation *invocation, const char *text, GVariant *options,
                  MpdDaemon *self)
{
  static const char * const allowed[] = { "source", "key-type", "dry-run", "ca-key-fd", "ca-cert-fd",
                                          "ca-bundle-fd", NULL };
  static const char * const types[] = { "s", "s", "b", "h", "h", "h" };
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(MpProfile) profile = NULL;
  g_autoptr(GError) error = NULL;
  MpProvisionOptions o = { 0 };
  Run run = { skeleton, NULL, lines };
  guint n_warnings = 0;
  gboolean ok;

  if (!mpd_options_check (options, allowed, types, &error))
    return mpd_return_error (invocation, error);
  run.source = mpd_option_string (options, "source", "profile");
  profile = mp_profile_new_from_data (text, strlen (text), run.source, &error);
  if (profile == NULL || !take_ca_files (invocation, options, profile, &error))
    return mpd_return_error (invocation, error);
  if (self->plugins == NULL)
    return mpd_return_error (invocation, self->plugins_error);
  o.dry_run = mpd_option_bool (options, "dry-run");
  o.key_type = mpd_option_string (options, "key-type", NULL);
  o.log = collect_line;
  o.user_data = &run;
  mpd_manager1_emit_progress (skeleton, "Provision", run.source, "started");
  ok = mp_provision (self->store, self->plugins, profile, &o, &n_warnings, &error);
  /* a real run may have changed any service, also when it failed half-way */
  for (guint i = 0; !o.dry_run && i < self->services->len; i++)
    mpd_service_announce (g_ptr_array_index (self->services, i));
  mpd_manager1_emit_progress (skeleton, "Provision", run.source, "finished");
  return finish (invocation, lines, ok, n_warnings, error);
}

void
mpd_provision_connect (MpdDaemon *self)
{
  g_signal_connect (self->skeleton, "handle-provision", G_CALLBACK (handle_provision), self);
}
