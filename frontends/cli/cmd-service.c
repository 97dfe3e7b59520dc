/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `meetpki <service> ...`: commands whose first word is a plugin's name.
 * the plugins load only when the first word is no built-in command; with
 * --bus they do not load at all: the daemon names its services.
 */
#include "config.h"

#include <string.h>

#include "mp-cli.h"

static const MpCliCommand service_commands[] = {
  { "<service> csr", mp_cli_service_csr, 1, 1, MP_OPT_FORCE | MP_OPT_KEY_TYPE, "<basename>",
    "a key and a CSR whose CN and SAN satisfy the service's rules, from the node facts",
    MP_CLI_STORE_WRITES },
  { "<service> certs", mp_cli_service_certs, 2, 3, MP_OPT_DRY_RUN | MP_OPT_WARN_DAYS | MP_OPT_JSON,
    "<key> <cert> [<bundle>] (webbridge also <key> <fullchain>)",
    "validate the files (pair, chain, names, expiry), then place them as the service's live files; "
    "<bundle> holds the CAs alone ('bundle build <cert> <fullchain> --ca-only -o <name>' makes it)",
    MP_CLI_STORE_WRITES },
  { "<service> apply", mp_cli_service_apply, 2, 5, MP_OPT_DRY_RUN | MP_OPT_YES | MP_OPT_WARN_DAYS | MP_OPT_JSON,
    "<files as certs> [--json]",
    "validate, run the whole apply sequence (e.g. disable, certs, enable), probe; roll back on failure",
    MP_CLI_STORE_WRITES_EXISTING },
  { "<service> rollback", mp_cli_service_rollback, 0, 0, MP_OPT_DRY_RUN | MP_OPT_YES | MP_OPT_JSON, "[--json]",
    "apply the last known-good files again, through the whole sequence",
    MP_CLI_STORE_WRITES_EXISTING },
  { "<service> enable", mp_cli_service_step, 0, 0, MP_OPT_DRY_RUN, "",
    "check the live files and enable the service; probe, roll back on failure",
    MP_CLI_STORE_WRITES_EXISTING },
  { "<service> disable", mp_cli_service_step, 0, 0, MP_OPT_DRY_RUN, "",
    "disable the service",
    MP_CLI_STORE_WRITES_EXISTING },
  { "<service> restart", mp_cli_service_step, 0, 0, MP_OPT_DRY_RUN, "",
    "restart the service (taking files renewed under their names); probe, roll back on failure",
    MP_CLI_STORE_WRITES_EXISTING },
  { "<service> status", mp_cli_service_status, 0, 0, MP_OPT_JSON, "",
    "state, backend, applied and last known-good files",
    MP_CLI_STORE_READS },
  { "<service> backend", mp_cli_service_backend, 1, G_MAXUINT, MP_OPT_DRY_RUN,
    "embedded | exec <step>=<command>... (steps: disable certs enable restart cluster-remove cluster-setup)",
    "how the service's steps act",
    MP_CLI_STORE_WRITES },
  { "<service> endpoint", mp_cli_service_endpoint, 1, 1, MP_OPT_DRY_RUN | MP_OPT_STARTTLS | MP_OPT_PROBE_TIMEOUT,
    "<host:port> [--starttls none|xmpp|postgres] [--probe-timeout SECONDS] | none",
    "where the service's daemon serves TLS, for probe",
    MP_CLI_STORE_WRITES },
  { "<service> probe", mp_cli_service_probe, 0, 1, MP_OPT_JSON, "[<host:port>] [--json]",
    "check what the daemon serves against the applied files (exit 11 a check failed, 12 no connection)",
    MP_CLI_STORE_READS },
  /* matched by the words each trust store declares (`webbridge3 c2w trust`,
   * `callbridge trust c2w`), not by these */
  { "<service> trust", mp_cli_service_trust, 1, 1, MP_OPT_DRY_RUN | MP_OPT_WARN_DAYS, "<file>",
    "check a CA bundle (or a peer's certificate) and install it as one of the service's trust stores",
    MP_CLI_STORE_WRITES },
  { "<service> cluster certs", mp_cli_cluster_certs, 3, 5, MP_OPT_DRY_RUN | MP_OPT_WARN_DAYS | MP_OPT_JSON,
    "<server-key> <server-cert> <client-key> <client-cert> <ca> | <client-key> <client-cert> <ca>",
    "database: validate and place the cluster certificates",
    MP_CLI_STORE_WRITES },
  { "<service> cluster localnode", mp_cli_cluster_localnode, 1, 1, MP_OPT_DRY_RUN, "<interface>",
    "database: the interface the cluster uses on this node",
    MP_CLI_STORE_WRITES },
  { "<service> cluster initialize", mp_cli_cluster_setup, 0, 0, MP_OPT_DRY_RUN, "",
    "database: make this node the primary",
    MP_CLI_STORE_WRITES_EXISTING },
  { "<service> cluster join", mp_cli_cluster_setup, 1, 1, MP_OPT_DRY_RUN, "<primary>",
    "database: join the cluster of <primary>",
    MP_CLI_STORE_WRITES_EXISTING },
  { "<service> cluster connect", mp_cli_cluster_setup, 1, 1, MP_OPT_DRY_RUN, "<primary>",
    "database: connect to the cluster of <primary> (no local database)",
    MP_CLI_STORE_WRITES_EXISTING },
  { "<service> cluster remove", mp_cli_cluster_remove, 0, 0, MP_OPT_DRY_RUN | MP_OPT_YES, "[--yes]",
    "database: leave the cluster (asks for an uppercase Y)",
    MP_CLI_STORE_WRITES },
  { "<service> cluster status", mp_cli_cluster_status, 0, 0, MP_OPT_JSON, "",
    "database: this node's place in the cluster",
    MP_CLI_STORE_READS },
};

const MpCliCommand *
mp_cli_service_commands (guint *n_commands)
{
  *n_commands = G_N_ELEMENTS (service_commands);
  return service_commands;
}

static const MpCliCommand *
command_by_words (const char *words)
{
  for (guint i = 0; i < G_N_ELEMENTS (service_commands); i++)
    {
      if (g_str_equal (service_commands[i].words, words))
        return &service_commands[i];
    }
  g_assert_not_reached ();
}

/* the words CMS 3.x gives the web bridge (`webbridge3 ...`) that are not
 * webbridge's: `https certs <key> <fullchain>` is `certs` in its full
 * chain form; `c2w certs` is not there yet.  %NULL without an error for
 * the other words, which are webbridge's own */
static const MpCliCommand *
find_alias_command (char **argv, guint argc, guint *n_words, GError **error)
{
  if (argc < 3 || !g_str_equal (argv[2], "certs"))
    return NULL;
  if (g_str_equal (argv[1], "https"))
    {
      if (argc != 5)
        {
          g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                       "usage: meetpki %s https certs <key> <fullchain> (the full chain: entity first, root last)",
                       argv[0]);
          return NULL;
        }
      *n_words = 3;
      return command_by_words ("<service> certs");
    }
  if (g_str_equal (argv[1], "c2w"))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                   "'%s c2w certs' (the C2W link certificate) is not supported yet; "
                   "'%s c2w trust <bundle>' installs the call bridge's CAs, '%s https certs' the HTTPS certificate",
                   argv[0], argv[0], argv[0]);
      return NULL;
    }
  return NULL;
}

/* the second word of "<service> csr" */
static const char *
verb_of (const MpCliCommand *cmd)
{
  return strchr (cmd->words, ' ') + 1;
}

/* whether the service (as plugins list --json describes it) has the
 * cluster steps: only then does it take `<service> cluster ...` */
static gboolean
is_cluster_service (JsonObject *service)
{
  JsonNode *member = json_object_get_member (service, "sequence");
  JsonArray *sequence = member != NULL && JSON_NODE_HOLDS_ARRAY (member) ? json_node_get_array (member) : NULL;

  for (guint i = 0; sequence != NULL && i < json_array_get_length (sequence); i++)
    {
      /* the descriptor may be the daemon's: a null or an object there is
       * no step, not a crash */
      JsonNode *step = json_array_get_element (sequence, i);

      if (JSON_NODE_HOLDS_VALUE (step) && json_node_get_value_type (step) == G_TYPE_STRING &&
          g_str_has_prefix (json_node_get_string (step), "cluster "))
        return TRUE;
    }
  return FALSE;
}

/* the service's trust stores (as `plugins list --json` describes them); an
 * older daemon's descriptor may have none */
static JsonArray *
trust_stores_of (JsonObject *service)
{
  JsonNode *member = service != NULL ? json_object_get_member (service, "trust_stores") : NULL;

  return member != NULL && JSON_NODE_HOLDS_ARRAY (member) ? json_node_get_array (member) : NULL;
}

/* whether @store's words follow the service name in @argv */
static guint
trust_words_match (JsonObject *store, char **argv, guint argc)
{
  JsonNode *member = json_object_get_member (store, "words");
  JsonArray *words = member != NULL && JSON_NODE_HOLDS_ARRAY (member) ? json_node_get_array (member) : NULL;
  guint n = words != NULL ? json_array_get_length (words) : 0;

  if (n == 0 || argc < n + 1)
    return 0;
  for (guint k = 0; k < n; k++)
    {
      if (g_strcmp0 (json_array_get_string_element (words, k), argv[1 + k]) != 0)
        return 0;
    }
  return n;
}

/* `<words> <CA bundle>` or `<words> <certificate>` */
static char *
trust_usage (JsonObject *store)
{
  JsonArray *words = json_object_get_array_member (store, "words");
  g_autoptr(GString) s = g_string_new (NULL);
  gboolean peer = g_strcmp0 (json_object_get_string_member_with_default (store, "kind", NULL),
                             "peer-certificate") == 0;

  for (guint k = 0; words != NULL && k < json_array_get_length (words); k++)
    g_string_append_printf (s, "%s ", json_array_get_string_element (words, k));
  g_string_append (s, peer ? "<peer certificate>" : "<CA bundle>");
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* the first trust store of @service whose command starts with @word, for
 * a usage error (`callbridge trust x.crt`); `cluster` keeps its own
 * errors ("xmpp is not a cluster service") */
static JsonObject *
trust_store_starting (JsonObject *service, const char *word)
{
  JsonArray *stores = trust_stores_of (service);

  if (g_str_equal (word, "cluster"))
    return NULL;
  for (guint i = 0; stores != NULL && i < json_array_get_length (stores); i++)
    {
      JsonObject *t = json_array_get_object_element (stores, i);
      JsonNode *member = t != NULL ? json_object_get_member (t, "words") : NULL;
      JsonArray *words = member != NULL && JSON_NODE_HOLDS_ARRAY (member) ? json_node_get_array (member) : NULL;

      if (words != NULL && json_array_get_length (words) > 1 &&
          g_strcmp0 (json_array_get_string_element (words, 0), word) == 0)
        return t;
    }
  return NULL;
}

/**
 * mp_cli_service_trust_usage:
 * @service: a service's descriptor
 *
 * Returns: (transfer full): the service's trust commands after its name,
 *   "c2w trust <CA bundle> | trust <peer certificate>"; "" for none
 */
char *
mp_cli_service_trust_usage (JsonObject *service)
{
  JsonArray *stores = trust_stores_of (service);
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; stores != NULL && i < json_array_get_length (stores); i++)
    {
      JsonObject *t = json_array_get_object_element (stores, i);
      if (t != NULL)
        g_ptr_array_add (parts, trust_usage (t));
    }
  g_ptr_array_add (parts, NULL);
  return g_strjoinv (" | ", (char **) parts->pdata);
}

/**
 * mp_cli_service_usage:
 * @service: (nullable): the service's descriptor, as `plugins list --json`
 *   prints it, or %NULL for the help of every service
 * @cmd: one of mp_cli_service_commands()
 *
 * Returns: (transfer full): the arguments of @cmd as the help shows them;
 *   for `backend`, the steps this service's plugin declares (its
 *   `backend_steps`), not the database's too
 */
char *
mp_cli_service_usage (JsonObject *service, const MpCliCommand *cmd)
{
  JsonNode *member = service != NULL ? json_object_get_member (service, "backend_steps") : NULL;
  JsonArray *steps = member != NULL && JSON_NODE_HOLDS_ARRAY (member) ? json_node_get_array (member) : NULL;
  g_autoptr(GString) usage = NULL;

  if (service != NULL && g_str_equal (verb_of (cmd), "trust"))
    {
      g_autofree char *forms = mp_cli_service_trust_usage (service);
      return g_strdup_printf ("<file>, as %s writes it: %s", json_object_get_string_member (service, "name"), forms);
    }
  if (steps == NULL || !g_str_equal (verb_of (cmd), "backend"))
    return g_strdup (cmd->usage);
  usage = g_string_new ("embedded | exec <step>=<command>... (steps:");
  for (guint i = 0; i < json_array_get_length (steps); i++)
    {
      JsonNode *step = json_array_get_element (steps, i);

      if (JSON_NODE_HOLDS_VALUE (step) && json_node_get_value_type (step) == G_TYPE_STRING)
        g_string_append_printf (usage, " %s", json_node_get_string (step));
    }
  g_string_append_c (usage, ')');
  return g_string_free (g_steal_pointer (&usage), FALSE);
}

/**
 * mp_cli_service_offers:
 * @service: a service's descriptor, as `plugins list --json` prints it
 *   (the loaded plugin's, or with --bus meetpkid's)
 * @cmd: one of mp_cli_service_commands()
 *
 * Returns: whether @service has @cmd, by what its plugin declares: the
 *   `cluster` commands are a cluster service's alone (the database), whose
 *   files go through `cluster certs`, not `certs`
 */
gboolean
mp_cli_service_offers (JsonObject *service, const MpCliCommand *cmd)
{
  const char *verb = verb_of (cmd);

  if (g_str_has_prefix (verb, "cluster "))
    return is_cluster_service (service);
  if (g_str_equal (verb, "certs"))
    return !is_cluster_service (service);
  if (g_str_equal (verb, "trust"))
    {
      JsonArray *stores = trust_stores_of (service);
      return stores != NULL && json_array_get_length (stores) > 0;
    }
  return TRUE;
}

/**
 * mp_cli_suggest_service:
 * @cli: the cli context
 * @word: a first word that is no command
 *
 * Returns: (transfer full) (nullable): the service name @word is a typo
 *   of, among those already looked up (nothing is loaded or asked here)
 */
char *
mp_cli_suggest_service (MpCli *cli, const char *word)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  JsonArray *services;

  if (cli->services == NULL)
    return NULL;
  services = json_node_get_array (cli->services);
  for (guint i = 0; i < json_array_get_length (services); i++)
    {
      JsonObject *p = json_array_get_object_element (services, i);
      const char *name = p != NULL ? json_object_get_string_member_with_default (p, "name", NULL) : NULL;

      if (name != NULL)
        g_ptr_array_add (names, (gpointer) name);
    }
  g_ptr_array_add (names, NULL);
  return mp_suggest (word, (const char * const *) names->pdata);
}

/* the error for `<service> cluster [<verb>]` that names no command; the
 * verbs are those of the `<service> cluster ...` commands of the table */
static void
cluster_usage_error (const char *service, gboolean cluster, char **argv, guint argc, GError **error)
{
  g_autoptr(GPtrArray) verbs = g_ptr_array_new ();
  g_autofree char *all = NULL;
  g_autofree char *hint = NULL;

  if (!cluster)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "%s is not a cluster service", service);
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (service_commands); i++)
    {
      const char *verb = verb_of (&service_commands[i]);

      if (g_str_has_prefix (verb, "cluster "))
        g_ptr_array_add (verbs, (gpointer) (verb + strlen ("cluster ")));
    }
  g_ptr_array_add (verbs, NULL);
  if (argc > 2)
    hint = mp_suggest (argv[2], (const char * const *) verbs->pdata);
  all = g_strjoinv ("|", (char **) verbs->pdata);
  if (hint != NULL)
    g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "unknown %s cluster command '%s'; did you mean '%s'?",
                 argv[0], argv[2], hint);
  else
    g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "usage: meetpki %s cluster <%s> ...", argv[0], all);
}

/**
 * mp_cli_find_service_command:
 * @cli: the cli context; its service (in-process) and service name are
 *   set on success
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
  JsonObject *found = mp_cli_lookup_service (cli, argv[0], error);
  g_autoptr(GPtrArray) verbs = g_ptr_array_new ();
  const char *service;

  if (found == NULL)
    return NULL;
  service = json_object_get_string_member (found, "name");
  if (!g_str_equal (service, argv[0]))
    {
      guint n = 0;
      const MpCliCommand *cmd = find_alias_command (argv, argc, &n, error);

      if (cmd != NULL)
        {
          if (cli->bus_type == G_BUS_TYPE_NONE)
            cli->service = mp_plugin_loader_lookup (cli->plugins, service);
          cli->service_name = service;
          cli->verb = argv[n - 1];
          *n_words = n;
          return cmd;
        }
      if (error != NULL && *error != NULL)
        return NULL;
    }
  {
    JsonArray *stores = trust_stores_of (found);

    /* `webbridge3 c2w trust <bundle>`: the words a trust store declares */
    for (guint i = 0; stores != NULL && i < json_array_get_length (stores); i++)
      {
        JsonObject *t = json_array_get_object_element (stores, i);
        guint n = t != NULL ? trust_words_match (t, argv, argc) : 0;

        if (n == 0)
          continue;
        if (argc != n + 2)
          {
            g_autofree char *usage = trust_usage (t);
            g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "usage: meetpki %s %s", argv[0], usage);
            return NULL;
          }
        if (cli->bus_type == G_BUS_TYPE_NONE)
          cli->service = mp_plugin_loader_lookup (cli->plugins, service);
        cli->service_name = service;
        cli->trust_store = json_object_get_string_member (t, "name");
        cli->verb = "trust";
        *n_words = 1 + n;
        return command_by_words ("<service> trust");
      }
  }
  {
    const MpCliCommand *best = NULL;
    guint best_n = 0;

    /* the longest command of this service whose words follow its name;
     * `database certs` is kept: it says to use `cluster certs` */
    for (guint i = 0; i < G_N_ELEMENTS (service_commands); i++)
      {
        g_auto(GStrv) words = g_strsplit (verb_of (&service_commands[i]), " ", -1);
        guint n = g_strv_length (words);
        gboolean match = argc > n && (mp_cli_service_offers (found, &service_commands[i]) ||
                                      g_str_equal (verb_of (&service_commands[i]), "certs"));

        /* a trust store's own words call it, above */
        if (g_str_equal (verb_of (&service_commands[i]), "trust"))
          continue;

        for (guint k = 0; match && k < n; k++)
          match = strcmp (words[k], argv[1 + k]) == 0;
        if (match && n > best_n)
          {
            best = &service_commands[i];
            best_n = n;
          }
        if (strchr (verb_of (&service_commands[i]), ' ') == NULL &&
            mp_cli_service_offers (found, &service_commands[i]))
          g_ptr_array_add (verbs, (gpointer) verb_of (&service_commands[i]));
      }
    if (best != NULL)
      {
        /* through the bus the daemon runs the command: no plugin here */
        if (cli->bus_type == G_BUS_TYPE_NONE)
          cli->service = mp_plugin_loader_lookup (cli->plugins, service);
        cli->service_name = service;
        cli->verb = argv[best_n];
        *n_words = 1 + best_n;
        return best;
      }
  }
  if (is_cluster_service (found))
    g_ptr_array_add (verbs, (gpointer) "cluster");
  /* the first word of each trust command (`c2w`, `trust`), once */
  {
    JsonArray *stores = trust_stores_of (found);

    for (guint i = 0; stores != NULL && i < json_array_get_length (stores); i++)
      {
        JsonObject *t = json_array_get_object_element (stores, i);
        JsonNode *member = t != NULL ? json_object_get_member (t, "words") : NULL;
        JsonArray *words = member != NULL && JSON_NODE_HOLDS_ARRAY (member) ? json_node_get_array (member) : NULL;
        const char *first = words != NULL && json_array_get_length (words) > 0
                              ? json_array_get_string_element (words, 0) : NULL;
        gboolean seen = FALSE;

        for (guint k = 0; first != NULL && k < verbs->len; k++)
          seen |= g_str_equal (g_ptr_array_index (verbs, k), first);
        if (first != NULL && !seen)
          g_ptr_array_add (verbs, (gpointer) first);
      }
  }
  g_ptr_array_add (verbs, NULL);
  if (argc < 2)
    {
      g_autofree char *all = g_strjoinv ("|", (char **) verbs->pdata);
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "usage: meetpki %s <%s> ...", argv[0], all);
    }
  else if (trust_store_starting (found, argv[1]) != NULL)
    {
      /* `callbridge trust x.crt`: what callbridge takes after `trust` */
      g_autofree char *usage = trust_usage (trust_store_starting (found, argv[1]));
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "usage: meetpki %s %s", argv[0], usage);
    }
  else if (g_str_equal (argv[1], "cluster"))
    cluster_usage_error (service, is_cluster_service (found), argv, argc, error);
  else
    {
      g_autofree char *hint = mp_suggest (argv[1], (const char * const *) verbs->pdata);
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "unknown %s command '%s'%s%s%s",
                   argv[0], argv[1], hint ? "; did you mean '" : "", hint ? hint : "", hint ? "'?" : "");
    }
  return NULL;
}

gboolean
mp_cli_service_csr (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  MpStore *store = mp_cli_get_store (cli, error);
  const MpServiceRunOptions o = {
    .force = cli->force,
    .key_type = cli->key_type,
    .log = mp_cli_print_line,
  };

  return store != NULL && mp_service_run_csr (store, cli->service, &o, args[0], error);
}
