/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `bundle build`, `bundle check`, `bundle fix`: trust-chain files the way
 * services accept them.
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include <gio/gunixfdlist.h>

#include "mp-cli.h"

void
mp_cli_print_findings (GPtrArray *findings, gboolean to_stderr)
{
  for (guint i = 0; i < findings->len; i++)
    {
      g_autofree char *line = mp_finding_to_string (g_ptr_array_index (findings, i));

      if (to_stderr)
        g_printerr ("%s\n", line);
      else
        g_print ("%s\n", line);
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

/* prints mp_bundle_build_to_json()'s result: the findings on stderr,
 * then the chain on stdout, or the line that says where it went */
static gboolean
print_build_report (MpCli *cli, JsonNode *report, GError **error)
{
  JsonObject *root = json_node_get_object (report);
  JsonArray *findings = json_object_get_array_member (root, "findings");

  for (guint i = 0; i < json_array_get_length (findings); i++)
    g_printerr ("%s\n", json_array_get_string_element (findings, i));
  if (!mp_bundle_report_get_error (report, error))
    return FALSE;
  if (cli->output == NULL)
    {
      g_print ("%s", json_object_get_string_member (root, "pem"));
      return TRUE;
    }
  g_print ("Wrote %s: %s of %u certificate(s)\n", cli->output, cli->ca_only ? "CA bundle" : "chain",
           (guint) json_object_get_int_member (root, "count"));
  return TRUE;
}

static MpPemFlags
pem_flags (MpCli *cli)
{
  return (cli->ca_only ? MP_PEM_NO_ENTITY : 0) | (cli->no_root ? MP_PEM_NO_ROOT : 0);
}

gboolean
mp_cli_bundle_build (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  g_autoptr(MpBundle) bundle = mp_bundle_new ();
  g_autoptr(JsonNode) report = NULL;
  JsonNode *pem;
  guint n = 0;

  if (!mp_cli_add_bundle_input (cli, bundle, args[0], &n, error))
    return FALSE;
  if (n == 0)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA, "%s: no certificate to build a chain for", args[0]);
      return FALSE;
    }
  mp_bundle_expect_copies (bundle);
  for (guint i = 1; i < n_args; i++)
    {
      if (!mp_cli_add_bundle_input (cli, bundle, args[i], NULL, error))
        return FALSE;
    }
  report = mp_bundle_build_to_json (bundle, g_ptr_array_index (mp_bundle_get_certs (bundle), 0), pem_flags (cli));
  pem = json_object_get_member (json_node_get_object (report), "pem");
  if (cli->output != NULL && JSON_NODE_HOLDS_VALUE (pem))
    {
      const char *text = json_node_get_string (pem);
      g_autoptr(GBytes) data = g_bytes_new (text, strlen (text));
      g_autoptr(GError) local = NULL;

      if (!write_output (cli, cli->output, data, &local))
        mp_bundle_report_set_error (report, local);
    }
  return print_build_report (cli, report, error);
}

static gboolean
check_kind (MpCli *cli, MpBundleKind *kind, GError **error)
{
  if (cli->full_chain && cli->ca_bundle)
    {
      g_set_error_literal (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                           "--full-chain and --ca-bundle exclude each other");
      return FALSE;
    }
  *kind = cli->full_chain ? MP_BUNDLE_KIND_FULL_CHAIN : cli->ca_bundle ? MP_BUNDLE_KIND_CA_BUNDLE
                                                                      : MP_BUNDLE_KIND_AUTO;
  return TRUE;
}

/* prints mp_bundle_to_json()'s report (or only its json) and sets the
 * exit status: 0 clean, 10 warnings only, errors fail with 1 */
static gboolean
print_check_report (MpCli *cli, JsonNode *report, GError **error)
{
  JsonObject *root = json_node_get_object (report);
  JsonArray *findings = json_object_get_array_member (root, "findings");
  const char *file = json_object_get_string_member (root, "file");
  gint64 errors = json_object_get_int_member (root, "errors");
  gint64 warnings = json_object_get_int_member (root, "warnings");

  cli->status = errors > 0 ? MP_CLI_EXIT_CHECK_FAILED : warnings > 0 ? MP_CLI_EXIT_WARNINGS : 0;
  if (cli->json)
    {
      mp_cli_print_json (report);
      return TRUE;
    }
  for (guint i = 0; i < json_array_get_length (findings); i++)
    {
      JsonObject *f = json_array_get_object_element (findings, i);
      JsonNode *source = json_object_get_member (f, "file");
      gint64 line = json_object_get_int_member_with_default (f, "line", 0);
      g_autofree char *where = NULL;

      if (source != NULL && !JSON_NODE_HOLDS_NULL (source) && line > 0)
        where = g_strdup_printf ("%s:%" G_GINT64_FORMAT ": ", json_node_get_string (source), line);
      else if (source != NULL && !JSON_NODE_HOLDS_NULL (source))
        where = g_strdup_printf ("%s: ", json_node_get_string (source));
      g_print ("%s%s: %s [%s]\n", where != NULL ? where : "", json_object_get_string_member (f, "severity"),
               json_object_get_string_member (f, "message"), json_object_get_string_member (f, "code"));
    }
  if (errors > 0)
    {
      cli->status = 0;
      g_set_error (error, MP_ERROR, MP_ERROR_VERIFY_FAILED,
                   "%s: %" G_GINT64_FORMAT " error(s), %" G_GINT64_FORMAT " warning(s)", file, errors, warnings);
      return FALSE;
    }
  if (warnings > 0)
    g_print ("WARNING: %s: %" G_GINT64_FORMAT " warning(s); 'meetpki bundle fix' rewrites it in canonical form\n",
             file, warnings);
  else
    g_print ("SUCCESS: %s is a clean %s of %u certificate(s)\n", file,
             g_str_equal (json_object_get_string_member (root, "kind"), "full-chain") ? "full chain" : "CA bundle",
             json_array_get_length (json_object_get_array_member (root, "chain")));
  return TRUE;
}

gboolean
mp_cli_bundle_check (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  g_autoptr(MpBundle) bundle = mp_bundle_new ();
  g_autoptr(JsonNode) report = NULL;
  MpBundleKind kind;
  const char *kind_name;

  if (!check_kind (cli, &kind, error) || !mp_cli_add_bundle_input (cli, bundle, args[0], NULL, error))
    return FALSE;
  mp_bundle_check (bundle, kind);

  kind_name = kind == MP_BUNDLE_KIND_FULL_CHAIN ? "full-chain" : kind == MP_BUNDLE_KIND_CA_BUNDLE ? "ca-bundle" : NULL;
  if (kind_name == NULL)
    {
      GPtrArray *chain = mp_bundle_get_chain (bundle);
      kind_name = chain->len > 0 && !mp_bundle_cert_is_ca (g_ptr_array_index (chain, 0)) ? "full-chain" : "ca-bundle";
    }
  report = mp_bundle_to_json (bundle, args[0], kind_name);
  return print_check_report (cli, report, error);
}

/* prints mp_bundle_fix_to_json()'s result: the findings, then the error
 * or the line that says what was written */
static gboolean
print_fix_report (JsonNode *report, GError **error)
{
  JsonObject *root = json_node_get_object (report);
  JsonArray *findings = json_object_get_array_member (root, "findings");
  const char *file = json_object_get_string_member (root, "file");
  const char *result;

  for (guint i = 0; i < json_array_get_length (findings); i++)
    g_print ("%s\n", json_array_get_string_element (findings, i));
  if (!mp_bundle_report_get_error (report, error))
    return FALSE;
  result = json_object_get_string_member (root, "result");
  if (g_str_equal (result, "written"))
    g_print ("Wrote %s in canonical order and format (%s unchanged)\n",
             json_object_get_string_member (root, "output"), file);
  else if (g_str_equal (result, "unchanged"))
    g_print ("%s is already in canonical order and format; nothing changed\n", file);
  else
    g_print ("Fixed %s: canonical order and format (the old file is %s)\n", file,
             json_object_get_string_member (root, "backup"));
  return TRUE;
}

gboolean
mp_cli_bundle_fix (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  MpStore *store = mp_cli_get_store (cli, error);
  g_autoptr(JsonNode) report = NULL;

  if (store == NULL)
    return FALSE;
  report = mp_bundle_fix_to_json (store, args[0], cli->output, cli->force ? MP_WRITE_REPLACE : MP_WRITE_NONE);
  return print_fix_report (report, error);
}

/* ---- through meetpkid ---- */

gboolean
mp_cli_bus_bundle_build (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
  g_autoptr(JsonNode) report = NULL;
  g_auto(GVariantBuilder) options = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_auto(GVariantBuilder) pool_fds = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a{uh}"));
  gboolean any_pool_fd = FALSE;

  if (cli->ca_only)
    g_variant_builder_add (&options, "{sv}", "ca-only", g_variant_new_boolean (TRUE));
  if (cli->no_root)
    g_variant_builder_add (&options, "{sv}", "no-root", g_variant_new_boolean (TRUE));
  if (cli->force)
    g_variant_builder_add (&options, "{sv}", "force", g_variant_new_boolean (TRUE));
  if (!mp_cli_bus_add_input (args[0], "certificate-fd", fds, &options, error))
    return FALSE;
  for (guint i = 1; i < n_args; i++)
    {
      int index;

      if (!mp_cli_bus_is_path (args[i]))
        continue;
      index = mp_cli_bus_open_input (args[i], fds, error);
      if (index < 0)
        return FALSE;
      g_variant_builder_add (&pool_fds, "{uh}", i - 1, index);
      any_pool_fd = TRUE;
    }
  if (any_pool_fd)
    g_variant_builder_add (&options, "{sv}", "pool-fds", g_variant_builder_end (&pool_fds));
  report = mp_cli_bus_call_json (cli, "BuildBundleJson",
                                 g_variant_new ("(s@assa{sv})", args[0], g_variant_new_strv (args + 1, n_args - 1),
                                                cli->output != NULL ? cli->output : "", &options),
                                 fds, error);
  if (report == NULL)
    return FALSE;
  return print_build_report (cli, report, error);
}

gboolean
mp_cli_bus_bundle_check (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
  g_autoptr(JsonNode) report = NULL;
  GVariantBuilder options;
  MpBundleKind kind;

  if (!check_kind (cli, &kind, error))
    return FALSE;
  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  if (kind != MP_BUNDLE_KIND_AUTO)
    g_variant_builder_add (&options, "{sv}", "kind",
                           g_variant_new_string (kind == MP_BUNDLE_KIND_FULL_CHAIN ? "full-chain" : "ca-bundle"));
  if (!mp_cli_bus_add_input (args[0], "fd", fds, &options, error))
    {
      g_variant_builder_clear (&options);
      return FALSE;
    }
  report = mp_cli_bus_call_json (cli, "CheckBundleJson", g_variant_new ("(sa{sv})", args[0], &options), fds, error);
  if (report == NULL)
    return FALSE;
  return print_check_report (cli, report, error);
}

/* the daemon works on its store only, and so does the in-process fix: a
 * path is refused by the daemon with the in-process message */
gboolean
mp_cli_bus_bundle_fix (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  g_auto(GVariantBuilder) options = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_autoptr(JsonNode) report = NULL;

  if (cli->force)
    g_variant_builder_add (&options, "{sv}", "force", g_variant_new_boolean (TRUE));
  report = mp_cli_bus_call_json (cli, "FixBundleJson",
                                 g_variant_new ("(ssa{sv})", args[0], cli->output != NULL ? cli->output : "",
                                                &options),
                                 NULL, error);
  if (report == NULL)
    return FALSE;
  return print_fix_report (report, error);
}
