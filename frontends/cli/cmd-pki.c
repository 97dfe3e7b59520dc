/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `pki csr`, `pki selfsigned`, `pki sign`: the built-in ca.
 */
#include "config.h"

#include <stdio.h>

#include "mp-cli.h"

/* a negative --days maps to 0, which the engine refuses with its range */
static guint
days_or (MpCli *cli, guint fallback)
{
  if (cli->days == MP_CLI_DAYS_UNSET)
    return fallback;
  return cli->days > 0 ? (guint) cli->days : 0;
}

gboolean
mp_cli_pki_csr (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  g_autoptr(MpSubject) subject = NULL;
  g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);
  MpKeySpec spec;
  MpStore *store;

  if (!mp_pki_validate_basename (args[0], error) ||
      !mp_key_spec_parse (cli->key_type, &spec, error))
    return FALSE;
  subject = mp_subject_new_from_mmp_args (args + 1, n_args - 1, MP_SUBJECT_NONE, error);
  if (subject == NULL)
    return FALSE;
  store = mp_cli_get_store (cli, error);
  if (store == NULL)
    return FALSE;
  if (!mp_pki_csr (store, args[0], subject, &spec, cli->force ? MP_PKI_FORCE : MP_PKI_NONE, notes, error))
    return FALSE;
  mp_cli_print_notes (notes);
  g_print ("Created key file %s.key and CSR %s.csr\n", args[0], args[0]);
  g_print ("CSR file %s.csr ready for download\n", args[0]);
  return TRUE;
}

gboolean
mp_cli_pki_selfsigned (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  g_autoptr(MpSubject) subject = NULL;
  g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);
  MpKeySpec spec;
  MpStore *store;

  if (!mp_pki_validate_basename (args[0], error) ||
      !mp_key_spec_parse (cli->key_type, &spec, error))
    return FALSE;
  subject = mp_subject_new_from_mmp_args (args + 1, n_args - 1, MP_SUBJECT_CA, error);
  if (subject == NULL)
    return FALSE;
  store = mp_cli_get_store (cli, error);
  if (store == NULL)
    return FALSE;
  if (!mp_pki_selfsigned (store, args[0], subject, &spec, days_or (cli, MP_PKI_DEFAULT_CA_DAYS),
                          cli->force ? MP_PKI_FORCE : MP_PKI_NONE, notes, error))
    return FALSE;
  mp_cli_print_notes (notes);
  g_print ("Created key file %s.key and self-signed CA certificate %s.crt\n", args[0], args[0]);
  return TRUE;
}

gboolean
mp_cli_pki_sign (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);
  MpStore *store = mp_cli_get_store (cli, error);

  if (store == NULL)
    return FALSE;
  if (!mp_pki_sign (store, args[0], args[1], days_or (cli, MP_PKI_DEFAULT_DAYS), notes, error))
    return FALSE;
  mp_cli_print_notes (notes);
  g_print ("Signed %s.csr with CA %s: created certificate %s.crt\n", args[0], args[1], args[0]);
  return TRUE;
}
