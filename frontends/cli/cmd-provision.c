/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `node provision <profile.conf>`: the main job, one command from a
 * profile to a node whose services are applied and checked.  through the
 * bus the profile goes as text and an existing CA's files as descriptors
 * this process opened: the daemon opens no path of the caller's.
 */
#include "config.h"

#include <gio/gunixfdlist.h>

#include "mp-cli.h"

/* the profile, and an existing CA's files opened, before anything else:
 * a missing file stops the command the same way in-process and through
 * the bus, with nothing written */
static MpProfile *
load_profile (const char *path, GError **error)
{
  g_autoptr(MpProfile) profile = mp_profile_load (path, error);

  if (profile == NULL || !mp_profile_open_ca_files (profile, error))
    return NULL;
  return g_steal_pointer (&profile);
}

gboolean
mp_cli_node_provision (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  g_autoptr(MpProfile) profile = load_profile (args[0], error);
  MpProvisionOptions options = { 0 };
  MpStore *store;
  MpPluginLoader *loader;
  guint n_warnings = 0;

  if (profile == NULL)
    return FALSE;
  store = mp_cli_get_store (cli, error);
  if (store == NULL)
    return FALSE;
  loader = mp_cli_get_plugins (cli, error);
  if (loader == NULL)
    return FALSE;
  options.dry_run = cli->dry_run;
  options.key_type = cli->key_type;
  options.log = mp_cli_print_line;
  if (!mp_provision (store, loader, profile, &options, &n_warnings, error))
    return FALSE;
  /* as check: warnings only is its own status */
  cli->status = n_warnings > 0 ? MP_CLI_EXIT_WARNINGS : 0;
  return TRUE;
}

/* Manager1.Provision: the profile's text, its path for messages, and the
 * descriptors of an existing CA's files */
gboolean
mp_cli_bus_node_provision (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  g_autoptr(MpProfile) profile = load_profile (args[0], error);
  g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) lines = NULL;
  g_autofree char *text = NULL;
  GVariantBuilder options;
  GBytes *data;
  guint32 n_warnings;

  if (profile == NULL)
    return FALSE;
  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "source", g_variant_new_string (args[0]));
  if (cli->dry_run)
    g_variant_builder_add (&options, "{sv}", "dry-run", g_variant_new_boolean (TRUE));
  if (cli->key_type != NULL)
    g_variant_builder_add (&options, "{sv}", "key-type", g_variant_new_string (cli->key_type));
  for (MpProfileCaFile file = 0; file < MP_PROFILE_CA_N_FILES; file++)
    {
      const char *option = mp_profile_ca_fd_option (file);
      int fd = mp_profile_get_ca_fd (profile, file);
      int index;

      if (fd < 0)
        continue;
      index = g_unix_fd_list_append (fds, fd, error);
      if (index < 0)
        {
          g_variant_builder_clear (&options);
          return FALSE;
        }
      g_variant_builder_add (&options, "{sv}", option, g_variant_new_handle (index));
    }
  /* a profile is text: one string, as the daemon parses it */
  data = mp_profile_get_text (profile);
  text = g_strndup (g_bytes_get_data (data, NULL), g_bytes_get_size (data));
  reply = mp_cli_bus_call_lines (cli, MP_CLI_BUS_MANAGER_PATH, MP_CLI_BUS_MANAGER_IFACE, "Provision",
                                 g_variant_new ("(sa{sv})", text, &options), G_VARIANT_TYPE ("(asu)"), fds, error);
  if (reply == NULL)
    return FALSE;
  g_variant_get (reply, "(@asu)", &lines, &n_warnings);
  mp_cli_bus_print_lines (cli, lines);
  cli->status = n_warnings > 0 ? MP_CLI_EXIT_WARNINGS : 0;
  return TRUE;
}
