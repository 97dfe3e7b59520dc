/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `bundle build`, `bundle check`, `bundle fix`: trust-chain files the way
 * services accept them.
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <stdio.h>

#include "mp-cli.h"

void
mp_cli_print_findings (GPtrArray *findings, gboolean to_stderr)
{
  for (guint i = 0; i < findings->len; i++)
    {
      const MpFinding *f = g_ptr_array_index (findings, i);
      g_autofree char *where = NULL;

      if (f->source != NULL && f->line > 0)
        where = g_strdup_printf ("%s:%u: ", f->source, f->line);
      else if (f->source != NULL)
        where = g_strdup_printf ("%s: ", f->source);
      else
        where = g_strdup ("");
      if (to_stderr)
        g_printerr ("%s%s: %s [%s]\n", where, mp_finding_severity_to_string (f->severity), f->message, f->code);
      else
        g_print ("%s%s: %s [%s]\n", where, mp_finding_severity_to_string (f->severity), f->message, f->code);
    }
}

/* reads one input of a read-only command: a store name or a path */
gboolean
mp_cli_add_bundle_input (MpCli *cli, MpBundle *bundle, const char *arg, guint *n_certs, GError **error)
{
  MpStore *store = mp_cli_get_store (cli, error);
  g_autofree char *path = NULL;

  if (store == NULL)
    return FALSE;
  path = mp_store_resolve_input (store, arg, error);
  if (path == NULL)
    return FALSE;
  return mp_bundle_add_file (bundle, path, arg, n_certs, error);
}

static gboolean
write_output (MpCli *cli, const char *name, GBytes *data, GError **error)
{
  MpStore *store = mp_cli_get_store (cli, error);

  if (store == NULL)
    return FALSE;
  return mp_store_write (store, name, data, cli->force ? MP_WRITE_REPLACE : MP_WRITE_NONE, error);
}

gboolean
mp_cli_bundle_build (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  g_autoptr(MpBundle) bundle = mp_bundle_new ();
  g_autoptr(GBytes) pem = NULL;
  const MpBundleCert *entity;
  guint n = 0, errors;

  if (!mp_cli_add_bundle_input (cli, bundle, args[0], &n, error))
    return FALSE;
  if (n == 0)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA, "%s: no certificate to build a chain for", args[0]);
      return FALSE;
    }
  entity = g_ptr_array_index (mp_bundle_get_certs (bundle), 0);
  for (guint i = 1; i < n_args; i++)
    {
      if (!mp_cli_add_bundle_input (cli, bundle, args[i], NULL, error))
        return FALSE;
    }
  /* oddities of the inputs do not matter: the output is canonical */
  errors = mp_bundle_count_findings (bundle, MP_FINDING_ERROR);
  mp_bundle_build_chain (bundle, entity, cli->no_root ? MP_CHAIN_NONE : MP_CHAIN_ROOT_REQUIRED);
  mp_cli_print_findings (mp_bundle_get_findings (bundle), TRUE);
  if (mp_bundle_count_findings (bundle, MP_FINDING_ERROR) > errors)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_VERIFY_FAILED,
                   "cannot build the chain of '%s': %u error(s) listed above",
                   mp_bundle_cert_get_subject (entity),
                   mp_bundle_count_findings (bundle, MP_FINDING_ERROR) - errors);
      return FALSE;
    }
  pem = mp_bundle_chain_to_pem (bundle,
                                (cli->ca_only ? MP_PEM_NO_ENTITY : 0) | (cli->no_root ? MP_PEM_NO_ROOT : 0),
                                error);
  if (pem == NULL)
    return FALSE;
  if (cli->output == NULL)
    {
      fwrite (g_bytes_get_data (pem, NULL), 1, g_bytes_get_size (pem), stdout);
      return TRUE;
    }
  if (!write_output (cli, cli->output, pem, error))
    return FALSE;
  {
    guint written = 0;
    const char *p = g_bytes_get_data (pem, NULL);
    gsize len = g_bytes_get_size (pem);
    const char *end = p + len;

    while ((p = g_strstr_len (p, end - p, "-----BEGIN CERTIFICATE-----")) != NULL)
      {
        written++;
        p++;
      }
    g_print ("Wrote %s: %s of %u certificate(s)\n", cli->output,
             cli->ca_only ? "CA bundle" : "chain", written);
  }
  return TRUE;
}

gboolean
mp_cli_bundle_check (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  g_autoptr(MpBundle) bundle = mp_bundle_new ();
  MpBundleKind kind = MP_BUNDLE_KIND_AUTO;
  const char *kind_name;
  guint errors, warnings;

  if (cli->full_chain && cli->ca_bundle)
    {
      g_set_error_literal (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                           "--full-chain and --ca-bundle exclude each other");
      return FALSE;
    }
  if (cli->full_chain)
    kind = MP_BUNDLE_KIND_FULL_CHAIN;
  else if (cli->ca_bundle)
    kind = MP_BUNDLE_KIND_CA_BUNDLE;
  if (!mp_cli_add_bundle_input (cli, bundle, args[0], NULL, error))
    return FALSE;
  mp_bundle_check (bundle, kind);

  kind_name = kind == MP_BUNDLE_KIND_FULL_CHAIN ? "full-chain" : kind == MP_BUNDLE_KIND_CA_BUNDLE ? "ca-bundle" : NULL;
  if (kind_name == NULL)
    {
      GPtrArray *chain = mp_bundle_get_chain (bundle);
      kind_name = chain->len > 0 && !mp_bundle_cert_is_ca (g_ptr_array_index (chain, 0)) ? "full-chain" : "ca-bundle";
    }
  errors = mp_bundle_count_findings (bundle, MP_FINDING_ERROR);
  warnings = mp_bundle_count_findings (bundle, MP_FINDING_WARNING);
  cli->status = errors > 0 ? MP_CLI_EXIT_CHECK_FAILED : warnings > 0 ? MP_CLI_EXIT_WARNINGS : 0;

  if (cli->json)
    {
      g_autoptr(JsonNode) node = mp_bundle_to_json (bundle, args[0], kind_name);
      mp_cli_print_json (node);
      return TRUE;
    }
  mp_cli_print_findings (mp_bundle_get_findings (bundle), FALSE);
  if (errors > 0)
    {
      cli->status = 0;
      g_set_error (error, MP_ERROR, MP_ERROR_VERIFY_FAILED, "%s: %u error(s), %u warning(s)",
                   args[0], errors, warnings);
      return FALSE;
    }
  if (warnings > 0)
    g_print ("WARNING: %s: %u warning(s); 'meetpki bundle fix' rewrites it in canonical form\n", args[0], warnings);
  else
    g_print ("SUCCESS: %s is a clean %s of %u certificate(s)\n", args[0],
             g_str_equal (kind_name, "full-chain") ? "full chain" : "CA bundle",
             mp_bundle_get_chain (bundle)->len);
  return TRUE;
}

/* findings that mean fixing would lose something or leave a broken chain */
static const MpFinding *
blocking_finding (MpBundle *bundle)
{
  static const char *const blocking[] = {
    "private-key", "not-a-certificate", "bad-base64", "bad-certificate", "unterminated-block",
    "no-certificate", "missing-issuer", "root-missing", "bad-signature",
  };

  for (guint i = 0; i < G_N_ELEMENTS (blocking); i++)
    {
      const MpFinding *f = mp_bundle_find_finding (bundle, blocking[i]);
      if (f != NULL)
        return f;
    }
  return NULL;
}

gboolean
mp_cli_bundle_fix (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  g_autoptr(MpBundle) bundle = mp_bundle_new ();
  g_autoptr(GBytes) original = NULL;
  g_autoptr(GBytes) fixed = NULL;
  g_autoptr(MpStoreTxn) txn = NULL;
  g_autofree char *path = NULL;
  g_autofree char *backup = NULL;
  const MpFinding *blocking;
  MpStore *store = mp_cli_get_store (cli, error);

  if (store == NULL)
    return FALSE;
  /* fix writes, so the file must be in the store */
  path = mp_store_resolve_existing (store, args[0], error);
  if (path == NULL)
    return FALSE;
  original = mp_file_read (path, error);
  if (original == NULL)
    return FALSE;
  mp_bundle_add_data (bundle, original, args[0]);
  mp_bundle_check (bundle, MP_BUNDLE_KIND_AUTO);
  mp_cli_print_findings (mp_bundle_get_findings (bundle), FALSE);

  blocking = blocking_finding (bundle);
  if (blocking != NULL)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA, "refusing to fix %s, nothing changed: %s [%s]",
                   args[0], blocking->message, blocking->code);
      return FALSE;
    }
  fixed = mp_bundle_chain_to_pem (bundle, MP_PEM_ALL, error);
  if (fixed == NULL)
    return FALSE;

  if (cli->output != NULL)
    {
      if (!write_output (cli, cli->output, fixed, error))
        return FALSE;
      g_print ("Wrote %s in canonical order and format (%s unchanged)\n", cli->output, args[0]);
      return TRUE;
    }
  if (g_bytes_equal (original, fixed))
    {
      g_print ("%s is already in canonical order and format; nothing changed\n", args[0]);
      return TRUE;
    }
  backup = g_strconcat (args[0], ".bak", NULL);
  txn = mp_store_txn_new (store);
  if (!mp_store_txn_add (txn, backup, original, MP_WRITE_REPLACE, error) ||
      !mp_store_txn_add (txn, args[0], fixed, MP_WRITE_REPLACE, error) ||
      !mp_store_txn_commit (txn, error))
    return FALSE;
  g_print ("Fixed %s: canonical order and format (the old file is %s)\n", args[0], backup);
  return TRUE;
}
