/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `node provision <profile.conf>`: the main job, one command from a
 * profile to a node whose services are applied and checked.
 */
#include "config.h"

#include "mp-cli.h"

gboolean
mp_cli_node_provision (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  g_autoptr(MpProfile) profile = mp_profile_load (args[0], error);
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
