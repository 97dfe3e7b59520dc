/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `pki verify <cert> [<bundle or root CA>]`: the chain is built from the
 * bundle whatever its order, printed, then judged by gnutls.  the engine
 * (here or in meetpkid) reports all three as json; this file prints it,
 * as text or with --json as one object.
 */
#include "config.h"

#include <gio/gunixfdlist.h>

#include "mp-cli.h"

static const char *
string_member (JsonObject *obj, const char *member)
{
  JsonNode *node = json_object_get_member (obj, member);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_string (node) : "?";
}

/* prints the chain and the notes of mp_bundle_verify_to_json()'s result,
 * then its verdict; FALSE with the verdict's error when it failed */
static gboolean
print_verify_result (JsonNode *result, GError **error)
{
  JsonObject *root = json_node_get_object (result);
  JsonArray *chain = json_object_get_array_member (root, "chain");
  JsonArray *notes = json_object_get_array_member (root, "notes");

  g_print ("Chain:\n");
  for (guint i = 0; i < json_array_get_length (chain); i++)
    {
      JsonObject *c = json_array_get_object_element (chain, i);

      if (json_object_get_boolean_member_with_default (c, "self_signed", FALSE))
        g_print ("  %u. %s (self-signed), valid %s to %s\n", i + 1, string_member (c, "subject"),
                 string_member (c, "not_before"), string_member (c, "not_after"));
      else
        g_print ("  %u. %s -> %s, valid %s to %s\n", i + 1, string_member (c, "subject"),
                 string_member (c, "issuer"), string_member (c, "not_before"), string_member (c, "not_after"));
    }
  for (guint i = 0; i < json_array_get_length (notes); i++)
    g_print ("%s\n", json_array_get_string_element (notes, i));
  if (!mp_bundle_report_get_error (result, error))
    return FALSE;
  g_print ("SUCCESS: certificate verified against CA bundle\n");
  return TRUE;
}

/* --json: the engine's result (the members of meetpkid's VerifyJson) with
 * `verified`, the inputs as given, and `reason`, the text after "FAILURE: ".
 * a failed verification is printed with exit status 1; an error that is
 * no verdict stays the one line on stderr */
static gboolean
print_verify_json (MpCli *cli, JsonNode *result, const char * const *args, guint n_args, GError **error)
{
  g_autoptr(JsonNode) out = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonObject) obj = json_object_new ();
  JsonObject *root = json_node_get_object (result);
  g_autoptr(GError) failed = NULL;
  gboolean verified = mp_bundle_report_get_error (result, &failed);

  if (!verified && !g_error_matches (failed, MP_ERROR, MP_ERROR_VERIFY_FAILED) &&
      !g_error_matches (failed, MP_ERROR, MP_ERROR_NOT_CA))
    {
      g_propagate_error (error, g_steal_pointer (&failed));
      return FALSE;
    }
  json_object_set_boolean_member (obj, "verified", verified);
  json_object_set_string_member (obj, "certificate", args[0]);
  if (n_args > 1)
    json_object_set_string_member (obj, "bundle", args[1]);
  else
    json_object_set_null_member (obj, "bundle");
  json_object_set_member (obj, "chain", json_object_dup_member (root, "chain"));
  json_object_set_member (obj, "notes", json_object_dup_member (root, "notes"));
  json_object_set_member (obj, "error", json_object_dup_member (root, "error"));
  if (verified)
    json_object_set_null_member (obj, "reason");
  else
    json_object_set_string_member (obj, "reason", failed->message);
  json_node_set_object (out, obj);
  mp_cli_print_json (out);
  if (!verified)
    cli->status = MP_CLI_EXIT_CHECK_FAILED;
  return TRUE;
}

static gboolean
print_result (MpCli *cli, JsonNode *result, const char * const *args, guint n_args, GError **error)
{
  if (cli->json)
    return print_verify_json (cli, result, args, n_args, error);
  return print_verify_result (result, error);
}

gboolean
mp_cli_pki_verify (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  g_autoptr(MpBundle) bundle = mp_bundle_new ();
  g_autoptr(JsonNode) result = NULL;
  const MpBundleCert *entity;
  guint n = 0;

  if (!mp_cli_add_bundle_input (cli, bundle, args[0], &n, error))
    return FALSE;
  if (n == 0)
    {
      const MpFinding *why = mp_bundle_find_finding (bundle, "private-key");
      if (why == NULL)
        why = g_ptr_array_index (mp_bundle_get_findings (bundle), 0);
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA, "%s: no certificate to verify (%s)",
                   args[0], why != NULL ? why->message : "unreadable");
      return FALSE;
    }
  entity = g_ptr_array_index (mp_bundle_get_certs (bundle), 0);
  if (n_args > 1 && !mp_cli_add_bundle_input (cli, bundle, args[1], NULL, error))
    return FALSE;
  result = mp_bundle_verify_to_json (bundle, entity, cli->system_trust);
  return print_result (cli, result, args, n_args, error);
}

gboolean
mp_cli_bus_pki_verify (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
  g_autoptr(JsonNode) result = NULL;
  GVariantBuilder options;

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  if (cli->system_trust)
    g_variant_builder_add (&options, "{sv}", "system-trust", g_variant_new_boolean (TRUE));
  if (!mp_cli_bus_add_input (args[0], "certificate-fd", fds, &options, error) ||
      (n_args > 1 && !mp_cli_bus_add_input (args[1], "bundle-fd", fds, &options, error)))
    {
      g_variant_builder_clear (&options);
      return FALSE;
    }
  result = mp_cli_bus_call_json (cli, "VerifyJson",
                                 g_variant_new ("(ssa{sv})", args[0], n_args > 1 ? args[1] : "", &options), fds,
                                 error);
  if (result == NULL)
    return FALSE;
  return print_result (cli, result, args, n_args, error);
}
