/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `pki inspect`, `pki match`, `pki list`: the read-only views.  the text
 * output is rendered from the same json the engine returns for --json, so
 * both always say the same thing.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <gio/gunixfdlist.h>

#include "mp-cli.h"

static void
print_inspect_result (MpCli *cli, JsonNode *desc)
{
  if (cli->json)
    mp_cli_print_json (desc);
  else
    mp_cli_print_inspection (json_node_get_object (desc));
}

static GBytes *
read_input (MpCli *cli, const char *arg, GError **error)
{
  MpStore *store = mp_cli_get_store (cli, error);
  g_autofree char *path = NULL;

  if (store == NULL)
    return NULL;
  path = mp_store_resolve_input (store, arg, error);
  if (path == NULL)
    return NULL;
  return mp_file_read (path, error);
}

gboolean
mp_cli_pki_inspect (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  g_autoptr(GBytes) data = read_input (cli, args[0], error);
  g_autoptr(JsonNode) desc = NULL;

  if (data == NULL)
    return FALSE;
  desc = mp_inspect_file (data, args[0], error);
  if (desc == NULL)
    return FALSE;
  print_inspect_result (cli, desc);
  return TRUE;
}

/* the verdict of a match, in-process or from meetpkid's MatchFiles: the
 * SUCCESS line, or with --json one object (`match`, the arguments as
 * given, and on a mismatch `reason`, the text after "FAILURE: ", with exit
 * status 1).  any other error stays the one line on stderr */
static gboolean
print_matched (MpCli *cli, const char * const *args, gboolean matched, GError *local, GError **error)
{
  g_autoptr(JsonBuilder) b = NULL;
  g_autoptr(JsonNode) out = NULL;

  if (!matched && (!cli->json || !g_error_matches (local, MP_ERROR, MP_ERROR_MISMATCH)))
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  if (!cli->json)
    {
      g_print ("SUCCESS: Key and certificate pair match\n");
      return TRUE;
    }
  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "match");
  json_builder_add_boolean_value (b, matched);
  json_builder_set_member_name (b, "key");
  json_builder_add_string_value (b, args[0]);
  json_builder_set_member_name (b, "certificate");
  json_builder_add_string_value (b, args[1]);
  json_builder_set_member_name (b, "reason");
  if (matched)
    json_builder_add_null_value (b);
  else
    json_builder_add_string_value (b, local->message);
  json_builder_end_object (b);
  out = json_builder_get_root (b);
  mp_cli_print_json (out);
  if (!matched)
    {
      cli->status = MP_CLI_EXIT_CHECK_FAILED;
      g_error_free (local);
    }
  return TRUE;
}

gboolean
mp_cli_pki_match (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  g_autoptr(GBytes) key = read_input (cli, args[0], error);
  g_autoptr(GBytes) crt = NULL;
  GError *local = NULL;
  gboolean matched;

  if (key == NULL)
    return FALSE;
  crt = read_input (cli, args[1], error);
  if (crt == NULL)
    return FALSE;
  matched = mp_inspect_match (key, args[0], crt, args[1], &local);
  return print_matched (cli, args, matched, local, error);
}

/* pads by characters, not bytes: names and CNs may be utf-8 */
static void
append_column (GString *line, const char *text, int width)
{
  g_string_append (line, text);
  for (int n = (int) g_utf8_strlen (text, -1); n < width; n++)
    g_string_append_c (line, ' ');
  g_string_append (line, "  ");
}

/* the text form of mp_inspect_store()'s listing */
static void
print_listing (MpCli *cli, JsonNode *listing)
{
  JsonArray *files;
  int name_w = 4, kind_w = 4, cn_w = 2;

  if (cli->json)
    {
      mp_cli_print_json (listing);
      return;
    }
  files = mp_cli_array_member (json_node_get_object (listing), "files");
  if (json_array_get_length (files) == 0)
    {
      g_print ("The store %s is empty\n", mp_cli_str_member (json_node_get_object (listing), "store", "?"));
      return;
    }
  for (guint i = 0; i < json_array_get_length (files); i++)
    {
      JsonObject *row = json_array_get_object_element (files, i);
      name_w = MAX (name_w, (int) g_utf8_strlen (mp_cli_str_member (row, "name", ""), -1));
      kind_w = MAX (kind_w, (int) g_utf8_strlen (mp_cli_str_member (row, "kind", ""), -1));
      cn_w = MAX (cn_w, (int) g_utf8_strlen (mp_cli_str_member (row, "common_name", "-"), -1));
    }
  for (guint i = 0; i < json_array_get_length (files); i++)
    {
      JsonObject *row = json_array_get_object_element (files, i);
      g_autofree char *days = mp_cli_days_text (row);
      g_autoptr(GString) line = g_string_new (NULL);

      append_column (line, mp_cli_str_member (row, "name", ""), name_w);
      append_column (line, mp_cli_str_member (row, "kind", ""), kind_w);
      append_column (line, mp_cli_str_member (row, "common_name", "-"), cn_w);
      g_string_append (line, days != NULL ? days : "-");
      g_print ("%s\n", line->str);
    }
}

gboolean
mp_cli_pki_list (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  MpStore *store = mp_cli_get_store (cli, error);
  g_autoptr(JsonNode) listing = NULL;

  if (store == NULL)
    return FALSE;
  listing = mp_inspect_store (store, error);
  if (listing == NULL)
    return FALSE;
  print_listing (cli, listing);
  return TRUE;
}

/* ---- through meetpkid ---- */

gboolean
mp_cli_bus_pki_inspect (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
  g_autoptr(JsonNode) desc = NULL;
  GVariantBuilder options;

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  if (!mp_cli_bus_add_input (args[0], "fd", fds, &options, error))
    {
      g_variant_builder_clear (&options);
      return FALSE;
    }
  desc = mp_cli_bus_call_json (cli, "InspectJson", g_variant_new ("(sa{sv})", args[0], &options), fds, error);
  if (desc == NULL)
    return FALSE;
  print_inspect_result (cli, desc);
  return TRUE;
}

/* two store names go to Match, which reads them in the daemon's store
 * alone (doc/dbus.md); with a path, MatchFiles: the path is opened here,
 * with the user's own rights, and only its descriptor crosses the bus,
 * never the key's bytes, and the daemon never opens the path */
gboolean
mp_cli_bus_pki_match (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
  g_auto(GVariantBuilder) options = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_autoptr(GVariant) reply = NULL;
  GError *local = NULL;

  if (!mp_cli_bus_is_path (args[0]) && !mp_cli_bus_is_path (args[1]))
    {
      reply = mp_cli_bus_call (cli, "Match", g_variant_new ("(ss)", args[0], args[1]), G_VARIANT_TYPE ("()"),
                               NULL, &local);
      return print_matched (cli, args, reply != NULL, local, error);
    }
  if (!mp_cli_bus_add_input (args[0], "key-fd", fds, &options, error) ||
      !mp_cli_bus_add_input (args[1], "certificate-fd", fds, &options, error))
    return FALSE;
  reply = mp_cli_bus_call (cli, "MatchFiles", g_variant_new ("(ssa{sv})", args[0], args[1], &options),
                           G_VARIANT_TYPE ("()"), fds, &local);
  return print_matched (cli, args, reply != NULL, local, error);
}

gboolean
mp_cli_bus_pki_list (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  g_autoptr(JsonNode) listing = mp_cli_bus_call_json (cli, "ListJson", NULL, NULL, error);

  if (listing == NULL)
    return FALSE;
  print_listing (cli, listing);
  return TRUE;
}
