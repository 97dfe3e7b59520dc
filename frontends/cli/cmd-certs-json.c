/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `<service> certs ... --json` and `database cluster certs ... --json`: the
 * run as one object for scripts, with the text form's exit status.  it is
 * built from the lines the text form prints, kept instead of printed (the
 * engine's here, or those meetpkid's ApplyCertificates returns), so the
 * object is the same bytes in-process and through the bus.
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "mp-cli.h"

/**
 * mp_cli_keep_line:
 * @kind: the line's kind
 * @text: the text after the kind
 * @user_data: the #MpCli, whose lines are kept
 *
 * An #MpLogFunc: keeps the line as mp_cli_print_line() would print it.
 */
void
mp_cli_keep_line (MpLineKind kind, const char *text, gpointer user_data)
{
  MpCli *cli = user_data;

  if (kind == MP_LINE_NOTE)
    g_ptr_array_add (cli->lines, g_strdup (text));
  else
    g_ptr_array_add (cli->lines, g_strdup_printf ("%s: %s", mp_line_kind_to_string (kind), text));
}

/* one printed line as {kind, text}: "SUCCESS: x" is success and x, a line
 * without such a prefix a note */
static void
add_line (JsonBuilder *b, const char *line)
{
  static const MpLineKind kinds[] = { MP_LINE_SUCCESS, MP_LINE_WARNING, MP_LINE_FAILURE };
  g_autofree char *kind = g_strdup ("note");
  const char *text = line;

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      const char *name = mp_line_kind_to_string (kinds[i]);
      gsize len = strlen (name);

      if (strncmp (line, name, len) == 0 && line[len] == ':' && line[len + 1] == ' ')
        {
          g_free (kind);
          kind = g_ascii_strdown (name, -1);
          text = line + len + 2;
          break;
        }
    }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, kind);
  json_builder_set_member_name (b, "text");
  json_builder_add_string_value (b, text);
  json_builder_end_object (b);
}

/* a verdict of the checks: exit status 1, no FAILURE line with --json */
static gboolean
is_refusal (const GError *error)
{
  return g_error_matches (error, MP_ERROR, MP_ERROR_VERIFY_FAILED) ||
         g_error_matches (error, MP_ERROR, MP_ERROR_MISMATCH) ||
         g_error_matches (error, MP_ERROR, MP_ERROR_NOT_CA);
}

static void
add_member_copy (JsonBuilder *b, const char *name, JsonObject *from, const char *member)
{
  JsonNode *node = from != NULL ? json_object_get_member (from, member) : NULL;

  json_builder_set_member_name (b, name);
  if (node != NULL)
    json_builder_add_value (b, json_node_copy (node));
  else
    json_builder_add_null_value (b);
}

static JsonNode *
build_object (MpCli *cli, const char * const *args, guint n_args, const char *verdict, JsonObject *status,
              const GError *failed)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  gboolean ran = !g_str_equal (verdict, "refused");

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "service");
  json_builder_add_string_value (b, cli->service_name);
  json_builder_set_member_name (b, "command");
  json_builder_add_string_value (b, cli->words + strlen ("<service> "));
  json_builder_set_member_name (b, "files");
  json_builder_begin_array (b);
  for (guint i = 0; i < n_args; i++)
    json_builder_add_string_value (b, args[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "dry_run");
  json_builder_add_boolean_value (b, cli->dry_run);
  json_builder_set_member_name (b, "verdict");
  json_builder_add_string_value (b, verdict);
  json_builder_set_member_name (b, "lines");
  json_builder_begin_array (b);
  for (guint i = 0; i < cli->lines->len; i++)
    add_line (b, g_ptr_array_index (cli->lines, i));
  json_builder_end_array (b);
  /* the steps run, or with --dry-run to run: none when a check failed */
  json_builder_set_member_name (b, "steps");
  json_builder_begin_array (b);
  if (ran)
    json_builder_add_string_value (b, mp_plugin_step_kind_to_string (MP_STEP_CERTS));
  json_builder_end_array (b);
  /* the files now live, as `<service> status --json` lists them */
  add_member_copy (b, "live_dir", status, "live-dir");
  json_builder_set_member_name (b, "applied");
  if (status != NULL && json_object_get_member (status, "applied") != NULL)
    json_builder_add_value (b, json_node_copy (json_object_get_member (status, "applied")));
  else
    {
      json_builder_begin_array (b);
      json_builder_end_array (b);
    }
  json_builder_set_member_name (b, "error");
  if (failed == NULL)
    json_builder_add_null_value (b);
  else
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, failed->domain == MP_ERROR ? mp_error_to_string (failed->code)
                                                                  : mp_error_to_string (MP_ERROR_FAILED));
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, failed->message);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/**
 * mp_cli_print_certs_json:
 * @cli: the cli context; its kept lines are the run's
 * @args: the files as given
 * @n_args: their number
 * @ok: whether the run succeeded
 * @local: (transfer full) (nullable): its error when it did not
 * @status_json: the service's status, read once files were placed (the
 *   store's here, the daemon's through the bus)
 * @error: return location for the error main() prints
 *
 * Prints the run as one object: `verdict` `applied`, `dry-run`, `refused`
 * (a check failed: exit status 1, nothing changed, no FAILURE line) or
 * `failed` (the step, probe or rollback: the object, then the error's one
 * line on stderr and its exit status).  An error before any line (a
 * missing file, a busy lock) prints no object: it stays the one line.
 *
 * Returns: %FALSE with @error set when main() is to print an error
 */
gboolean
mp_cli_print_certs_json (MpCli *cli, const char * const *args, guint n_args, gboolean ok, GError *local,
                         JsonNode *(*status_json) (MpCli *cli, GError **error), GError **error)
{
  g_autoptr(GError) failed = local;
  g_autoptr(JsonNode) status = NULL;
  g_autoptr(JsonNode) out = NULL;
  gboolean refused = !ok && is_refusal (failed);
  const char *verdict;

  if (!ok && !refused && cli->lines->len == 0)
    {
      g_propagate_error (error, g_steal_pointer (&failed));
      return FALSE;
    }
  verdict = ok ? (cli->dry_run ? "dry-run" : "applied") : refused ? "refused" : "failed";
  if (ok && !cli->dry_run)
    {
      status = status_json (cli, error);
      if (status == NULL)
        return FALSE;
    }
  out = build_object (cli, args, n_args, verdict, status != NULL ? json_node_get_object (status) : NULL, failed);
  mp_cli_print_json (out);
  if (refused)
    {
      cli->status = MP_CLI_EXIT_CHECK_FAILED;
      return TRUE;
    }
  if (!ok)
    {
      g_propagate_error (error, g_steal_pointer (&failed));
      return FALSE;
    }
  return TRUE;
}
