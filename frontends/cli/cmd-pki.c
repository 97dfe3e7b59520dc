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

/* the printers: the result of a command, however it was produced (the
 * notes and `pki sign`'s line are in mp-cli-print.c, shared with the quick
 * cli) */

static void
print_csr_created (const char *basename, const char * const *notes)
{
  mp_cli_print_note_lines (notes);
  g_print ("Created key file %s.key and CSR %s.csr\n", basename, basename);
  g_print ("CSR file %s.csr ready for download\n", basename);
}

static void
print_selfsigned_created (const char *basename, const char * const *notes)
{
  mp_cli_print_note_lines (notes);
  g_print ("Created key file %s.key and self-signed CA certificate %s.crt\n", basename, basename);
}

static const char * const *
notes_strv (GPtrArray *notes)
{
  g_ptr_array_add (notes, NULL);
  return (const char * const *) notes->pdata;
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
  print_csr_created (args[0], notes_strv (notes));
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
  print_selfsigned_created (args[0], notes_strv (notes));
  return TRUE;
}

gboolean
mp_cli_pki_sign (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);
  guint days = days_or (cli, MP_PKI_DEFAULT_DAYS);
  MpStore *store = NULL;

  /* usage errors (exit 2) before a missing store (exit 3) */
  if (!mp_pki_validate_basename (args[0], error) || !mp_pki_validate_basename (args[1], error) ||
      !mp_pki_validate_days (days, error))
    return FALSE;
  store = mp_cli_get_store (cli, error);
  if (store == NULL)
    return FALSE;
  if (!mp_pki_sign (store, args[0], args[1], days, notes, error))
    return FALSE;
  mp_cli_print_signed (args[0], args[1], notes_strv (notes));
  return TRUE;
}

/* ---- through meetpkid ---- */

static GVariant *
key_options (MpCli *cli, gboolean with_days, guint default_days)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  if (cli->key_type != NULL)
    g_variant_builder_add (&b, "{sv}", "key-type", g_variant_new_string (cli->key_type));
  if (cli->force)
    g_variant_builder_add (&b, "{sv}", "force", g_variant_new_boolean (TRUE));
  if (with_days && cli->days != MP_CLI_DAYS_UNSET)
    g_variant_builder_add (&b, "{sv}", "days", g_variant_new_uint32 (days_or (cli, default_days)));
  return g_variant_builder_end (&b);
}

gboolean
mp_cli_bus_pki_csr (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  g_autoptr(GVariant) reply = NULL;
  g_autofree const char **notes = NULL;

  reply = mp_cli_bus_call (cli, "GenerateCsr",
                           g_variant_new ("(s@as@a{sv})", args[0], g_variant_new_strv (args + 1, n_args - 1),
                                          key_options (cli, FALSE, 0)),
                           G_VARIANT_TYPE ("(as)"), NULL, error);
  if (reply == NULL)
    return FALSE;
  g_variant_get (reply, "(^a&s)", &notes);
  print_csr_created (args[0], notes);
  return TRUE;
}

gboolean
mp_cli_bus_pki_selfsigned (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  g_autoptr(GVariant) reply = NULL;
  g_autofree const char **notes = NULL;

  reply = mp_cli_bus_call (cli, "SelfSigned",
                           g_variant_new ("(s@as@a{sv})", args[0], g_variant_new_strv (args + 1, n_args - 1),
                                          key_options (cli, TRUE, MP_PKI_DEFAULT_CA_DAYS)),
                           G_VARIANT_TYPE ("(as)"), NULL, error);
  if (reply == NULL)
    return FALSE;
  g_variant_get (reply, "(^a&s)", &notes);
  print_selfsigned_created (args[0], notes);
  return TRUE;
}

gboolean
mp_cli_bus_pki_sign (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  g_autoptr(GVariant) reply = NULL;
  g_autofree const char **notes = NULL;

  reply = mp_cli_bus_call (cli, "Sign",
                           g_variant_new ("(ss@a{sv})", args[0], args[1], key_options (cli, TRUE, MP_PKI_DEFAULT_DAYS)),
                           G_VARIANT_TYPE ("(as)"), NULL, error);
  if (reply == NULL)
    return FALSE;
  g_variant_get (reply, "(^a&s)", &notes);
  mp_cli_print_signed (args[0], args[1], notes);
  return TRUE;
}
