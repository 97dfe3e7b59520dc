/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `meetpki <service> ...`: commands whose first word is a plugin's name.
 * the plugins load only when the first word is no built-in command.
 */
#include "config.h"

#include <string.h>

#include "mp-cli.h"

static const MpCliCommand service_commands[] = {
  { "<service> csr", mp_cli_service_csr, 1, 1, MP_OPT_FORCE | MP_OPT_KEY_TYPE, "<basename>",
    "a key and a CSR whose CN and SAN satisfy the service's rules, from the node facts" },
};

const MpCliCommand *
mp_cli_service_commands (guint *n_commands)
{
  *n_commands = G_N_ELEMENTS (service_commands);
  return service_commands;
}

/* the second word of "<service> csr" */
static const char *
verb_of (const MpCliCommand *cmd)
{
  return strchr (cmd->words, ' ') + 1;
}

/**
 * mp_cli_find_service_command:
 * @cli: the cli context; its service is set on success
 * @argv: the words after the global options
 * @argc: their number
 * @n_words: (out): how many words name the command (2)
 * @error: return location for a #GError
 *
 * Returns: (nullable): the command, or %NULL: with @error set when @argv[0]
 * is a service but the rest is wrong or the plugins cannot load, without
 * when @argv[0] names no service
 */
const MpCliCommand *
mp_cli_find_service_command (MpCli *cli, char **argv, guint argc, guint *n_words, GError **error)
{
  MpPluginLoader *loader = mp_cli_get_plugins (cli, error);
  g_autoptr(GPtrArray) verbs = g_ptr_array_new ();
  MpPlugin *plugin;

  if (loader == NULL)
    return NULL;
  plugin = mp_plugin_loader_lookup (loader, argv[0]);
  if (plugin == NULL)
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (service_commands); i++)
    {
      if (argc > 1 && strcmp (verb_of (&service_commands[i]), argv[1]) == 0)
        {
          cli->service = plugin;
          *n_words = 2;
          return &service_commands[i];
        }
      g_ptr_array_add (verbs, (gpointer) verb_of (&service_commands[i]));
    }
  g_ptr_array_add (verbs, NULL);
  if (argc < 2)
    {
      g_autofree char *all = g_strjoinv ("|", (char **) verbs->pdata);
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "usage: meetpki %s <%s> ...", argv[0], all);
    }
  else
    {
      g_autofree char *hint = mp_suggest (argv[1], (const char * const *) verbs->pdata);
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "unknown %s command '%s'%s%s%s",
                   argv[0], argv[1], hint ? "; did you mean '" : "", hint ? hint : "", hint ? "'?" : "");
    }
  return NULL;
}

static gboolean
call_check_facts (MpCli *cli, const MpNodeFacts *facts, GError **error)
{
  MpPluginFacts pf;

  mp_node_facts_to_plugin (facts, &pf);
  return mp_plugin_check_facts (cli->service, &pf, error);
}

gboolean
mp_cli_service_csr (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  const MpPluginDescriptor *desc = mp_plugin_get_descriptor (cli->service);
  g_autoptr(GPtrArray) subjects = g_ptr_array_new_with_free_func ((GDestroyNotify) mp_subject_free);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(MpNodeFacts) facts = NULL;
  MpKeySpec spec;
  MpStore *store;

  if (desc->n_csrs == 0)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                   "the %s service declares no certificate request", desc->name);
      return FALSE;
    }
  if (!mp_key_spec_parse (cli->key_type, &spec, error))
    return FALSE;
  store = mp_cli_get_store (cli, error);
  if (store == NULL)
    return FALSE;
  facts = mp_node_facts_load (store, error);
  if (facts == NULL || !call_check_facts (cli, facts, error))
    return FALSE;

  /* every name and subject first, so a database pair is made whole or not
   * at all */
  for (guint32 i = 0; i < desc->n_csrs; i++)
    {
      g_autofree char *name = g_strconcat (args[0], desc->csrs[i].suffix, NULL);
      g_autofree char *key = g_strconcat (name, ".key", NULL);
      g_autofree char *csr = g_strconcat (name, ".csr", NULL);
      MpSubject *subject;

      if (!mp_pki_validate_basename (name, error))
        return FALSE;
      if (!cli->force && (mp_store_contains (store, key) || mp_store_contains (store, csr)))
        {
          g_set_error (error, MP_ERROR, MP_ERROR_EXISTS,
                       "%s already exists; choose a new basename (or --force to replace it)",
                       mp_store_contains (store, key) ? key : csr);
          return FALSE;
        }
      subject = mp_rules_subject_for_csr (desc, &desc->csrs[i], facts, error);
      if (subject == NULL)
        {
          g_prefix_error (error, "%s csr: ", desc->name);
          return FALSE;
        }
      g_ptr_array_add (subjects, subject);
      g_ptr_array_add (names, g_steal_pointer (&name));
    }
  for (guint i = 0; i < subjects->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      const MpSubject *subject = g_ptr_array_index (subjects, i);
      g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GPtrArray) sans = g_ptr_array_new ();

      if (!mp_pki_csr (store, name, subject, &spec, cli->force ? MP_PKI_FORCE : MP_PKI_NONE, notes, error))
        return FALSE;
      for (guint k = 0; k < subject->sans->len; k++)
        g_ptr_array_add (sans, ((MpSan *) g_ptr_array_index (subject->sans, k))->value);
      g_ptr_array_add (sans, NULL);
      mp_cli_print_notes (notes);
      {
        g_autofree char *san_text = g_strjoinv (",", (char **) sans->pdata);
        g_print ("%s: CN:%s subjectAltName:%s\n", name, subject->cn, san_text);
      }
      g_print ("Created key file %s.key and CSR %s.csr\n", name, name);
      g_print ("CSR file %s.csr ready for download\n", name);
    }
  return TRUE;
}
