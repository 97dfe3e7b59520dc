/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * meetpki: the command-line frontend.  main() parses options, finds the
 * command in the table, runs it and turns a GError into one line and an exit
 * status.  Nothing else here prints errors.
 */
#include "config.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "mp-cli.h"

/* exit statuses; documented in doc/meetpki.1.scd */
enum {
  EXIT_OK = 0,
  EXIT_CHECK_FAILED = 1,  /* FAILURE: mismatch, verification, not a CA */
  EXIT_USAGE = 2,         /* bad command line or field value */
  EXIT_NOT_FOUND = 3,
  EXIT_EXISTS = 4,
  EXIT_OUTSIDE_STORE = 5,
  EXIT_INVALID_DATA = 6,
  EXIT_CRYPTO = 7,
  EXIT_IO = 8,
  EXIT_WARNINGS = MP_CLI_EXIT_WARNINGS, /* bundle check: warnings, no errors */
  EXIT_PROBE_FAILED = 11,   /* the served chain failed a probe check */
  EXIT_CONNECT_FAILED = 12, /* the probe could not connect or shake hands */
  EXIT_BACKEND_FAILED = 13, /* an exec backend command failed, nothing rolled back */
  EXIT_ROLLED_BACK = 14,    /* the change failed; the previous files are served again */
  EXIT_ROLLBACK_FAILED = 15,
  EXIT_UNAVAILABLE = 69, /* --bus: no bus, or meetpkid is not on it (EX_UNAVAILABLE) */
  EXIT_INTERNAL = 70,
  EXIT_NOPERM = 77,      /* --bus: meetpkid refused the caller (EX_NOPERM) */
};

static const MpCliCommand commands[] = {
  { "pki csr", mp_cli_pki_csr, 2, G_MAXUINT, MP_OPT_FORCE | MP_OPT_KEY_TYPE,
    "<basename> CN:<value> [OU:<v>] [O:<v>] [L:<v>] [ST:<v>] [C:<v>] [subjectAltName:<a,b,...>]",
    "generate <basename>.key and a CSR <basename>.csr",
    MP_CLI_STORE_WRITES },
  { "pki selfsigned", mp_cli_pki_selfsigned, 2, G_MAXUINT, MP_OPT_FORCE | MP_OPT_KEY_TYPE | MP_OPT_DAYS,
    "<basename> CN:<value> [fields as pki csr]",
    "generate <basename>.key and a self-signed CA certificate <basename>.crt",
    MP_CLI_STORE_WRITES },
  { "pki sign", mp_cli_pki_sign, 2, 2, MP_OPT_DAYS,
    "<basename> <ca-basename>",
    "sign <basename>.csr with the CA <ca-basename> into <basename>.crt",
    MP_CLI_STORE_WRITES_EXISTING },
  { "plugins list", mp_cli_plugins_list, 0, 0, MP_OPT_JSON, "",
    "the loaded service plugins: roles, SAN rules, apply sequence",
    MP_CLI_STORE_NONE },
  { "services", mp_cli_plugins_list, 0, 0, MP_OPT_JSON, "",
    "the same as 'plugins list'",
    MP_CLI_STORE_NONE },
  { "node set", mp_cli_node_set, 2, G_MAXUINT, 0,
    "<server-fqdn|cluster-fqdn|peers|join-urls|xmpp-domain|database-role|database-primary> <value> (lists: a,b,c)",
    "record a fact about this node (node.conf in the store)",
    MP_CLI_STORE_WRITES },
  { "node unset", mp_cli_node_unset, 1, 1, 0, "<key>",
    "remove a node fact",
    MP_CLI_STORE_WRITES_EXISTING },
  { "node show", mp_cli_node_show, 0, 0, MP_OPT_JSON, "",
    "the node facts the service rules are checked against",
    MP_CLI_STORE_READS },
  { "node provision", mp_cli_node_provision, 1, 1, MP_OPT_DRY_RUN | MP_OPT_KEY_TYPE, "<profile.conf>",
    "from a profile: keys, CSRs, a CA, certificates and bundles for every service, applied in order, then check",
    MP_CLI_STORE_WRITES },
  { "check", mp_cli_check, 0, 0, MP_OPT_JSON | MP_OPT_WARN_DAYS, "[--warn-days N] [--json]",
    "validate every configured service (exit 0 clean, 10 warnings only, 1 errors)",
    MP_CLI_STORE_READS },
  { "pki inspect", mp_cli_pki_inspect, 1, 1, MP_OPT_JSON,
    "<file>",
    "show a certificate, CSR, private key (public half only) or bundle",
    MP_CLI_STORE_READS_PATHS },
  { "pki match", mp_cli_pki_match, 2, 2, MP_OPT_JSON,
    "<key> <cert>",
    "check that a private key and a certificate belong together",
    MP_CLI_STORE_READS_PATHS },
  { "pki list", mp_cli_pki_list, 0, 0, MP_OPT_JSON,
    "",
    "list the store's keys, CSRs and certificates with CN and days left",
    MP_CLI_STORE_READS },
  { "pki import", mp_cli_pki_import, 1, 2, MP_OPT_FORCE,
    "<path> [<name>]",
    "copy an outside key, CSR, certificate or bundle into the store",
    MP_CLI_STORE_WRITES },
  { "pki export", mp_cli_pki_export, 2, 2, MP_OPT_FORCE,
    "<name> <path>",
    "copy a file out of the store",
    MP_CLI_STORE_READS },
  { "pki pkcs12-to-pem", mp_cli_pki_pkcs12_to_pem, 2, 2, MP_OPT_PASSWORD_FILE | MP_OPT_FORCE,
    "<file.p12> <basename>",
    "split a PKCS#12 file into <basename>.key, <basename>.crt and <basename>-bundle.crt",
    MP_CLI_STORE_WRITES },
  { "pki verify", mp_cli_pki_verify, 1, 2, MP_OPT_SYSTEM_TRUST | MP_OPT_JSON,
    "<cert> [<bundle or root CA>]",
    "build the chain of <cert> from the bundle (any order) and verify it",
    MP_CLI_STORE_READS_PATHS },
  { "bundle build", mp_cli_bundle_build, 2, G_MAXUINT, MP_OPT_OUTPUT | MP_OPT_FORCE | MP_OPT_CA_ONLY | MP_OPT_NO_ROOT,
    "<entity-cert> <pool-file>... [-o <name>] [--ca-only] [--no-root]",
    "print or write the ordered chain of <entity-cert> picked from the pool files",
    MP_CLI_STORE_READS_PATHS },
  { "bundle check", mp_cli_bundle_check, 1, 1, MP_OPT_JSON | MP_OPT_FULL_CHAIN | MP_OPT_CA_BUNDLE,
    "<file> [--full-chain|--ca-bundle] [--json]",
    "list every finding about a bundle (exit 0 clean, 10 warnings only, 1 errors)",
    MP_CLI_STORE_READS_PATHS },
  { "bundle fix", mp_cli_bundle_fix, 1, 1, MP_OPT_OUTPUT | MP_OPT_FORCE,
    "<file> [-o <name>]",
    "rewrite a bundle in canonical order and format (keeps <file>.bak)",
    MP_CLI_STORE_WRITES_EXISTING },
};

static const struct {
  MpCliOption bit;
  const char *name;
} option_names[] = {
  { MP_OPT_FORCE, "--force" },
  { MP_OPT_JSON, "--json" },
  { MP_OPT_DAYS, "--days" },
  { MP_OPT_KEY_TYPE, "--key-type" },
  { MP_OPT_SYSTEM_TRUST, "--system-trust" },
  { MP_OPT_PASSWORD_FILE, "--password-file" },
  { MP_OPT_OUTPUT, "--output" },
  { MP_OPT_CA_ONLY, "--ca-only" },
  { MP_OPT_NO_ROOT, "--no-root" },
  { MP_OPT_FULL_CHAIN, "--full-chain" },
  { MP_OPT_CA_BUNDLE, "--ca-bundle" },
  { MP_OPT_DRY_RUN, "--dry-run" },
  { MP_OPT_YES, "--yes" },
  { MP_OPT_WARN_DAYS, "--warn-days" },
  { MP_OPT_STARTTLS, "--starttls" },
  { MP_OPT_PROBE_TIMEOUT, "--probe-timeout" },
};

MpStore *
mp_cli_get_store (MpCli *cli, GError **error)
{
  g_autoptr(MpStore) store = NULL;

  if (cli->store != NULL)
    return cli->store;
  if (cli->store_use == MP_CLI_STORE_WRITES)
    store = mp_store_new_deferred (cli->home, error);
  else
    store = mp_store_new_for_reading (cli->home, error);
  if (store == NULL)
    return NULL;
  /* a mistyped --home is named here, not reported as an empty store nor
   * as a missing input (a store opened for reading takes writes when it
   * is there) */
  if (cli->store_use != MP_CLI_STORE_READS_PATHS && cli->store_use != MP_CLI_STORE_WRITES &&
      !mp_store_check_exists (store, error))
    return NULL;
  cli->store = g_steal_pointer (&store);
  return cli->store;
}

/* the table's word, but -o writes into the store, and a dry run writes
 * nothing: it reads what it needs from a store that is there, and takes
 * paths where no store is; the dry run of a command that needs the store
 * needs it as much */
static MpCliStoreUse
store_use_of (const MpCliCommand *cmd, const MpCli *cli)
{
  if (cmd->store == MP_CLI_STORE_READS_PATHS && cli->output != NULL)
    return MP_CLI_STORE_WRITES;
  if (cmd->store == MP_CLI_STORE_WRITES && cli->dry_run)
    return MP_CLI_STORE_READS_PATHS;
  if (cmd->store == MP_CLI_STORE_WRITES_EXISTING && cli->dry_run)
    return MP_CLI_STORE_READS;
  return cmd->store;
}

void
mp_cli_print_json (gpointer json_node)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_pretty (gen, TRUE);
  json_generator_set_root (gen, json_node);
  text = json_generator_to_data (gen, NULL);
  g_print ("%s\n", text);
}

static guint
word_count (const char *words)
{
  guint n = 1;
  for (const char *p = words; *p != '\0'; p++)
    n += *p == ' ';
  return n;
}

/* the longest command whose words start @argv */
static const MpCliCommand *
find_command (char **argv, guint argc, guint *n_words)
{
  const MpCliCommand *best = NULL;
  guint best_n = 0;

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_auto(GStrv) words = g_strsplit (commands[i].words, " ", -1);
      guint n = g_strv_length (words);
      gboolean match = n <= argc;

      for (guint k = 0; match && k < n; k++)
        match = g_strcmp0 (words[k], argv[k]) == 0;
      if (match && n > best_n)
        {
          best = &commands[i];
          best_n = n;
        }
    }
  *n_words = best_n;
  return best;
}

/* whether @word starts a built-in command; anything else may be a service */
static gboolean
is_builtin_word (const char *word)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_auto(GStrv) words = g_strsplit (commands[i].words, " ", 2);
      if (g_strcmp0 (words[0], word) == 0)
        return TRUE;
    }
  return FALSE;
}

/* "did you mean": compares what was typed, word for word, with every command */
static char *
suggest_command (char **argv, guint argc)
{
  g_autoptr(GPtrArray) phrases = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *typed = NULL;
  guint n = MIN (argc, 2);

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (word_count (commands[i].words) == n)
        g_ptr_array_add (phrases, g_strdup (commands[i].words));
    }
  g_ptr_array_add (phrases, NULL);
  {
    char *saved = argv[n];
    argv[n] = NULL;
    typed = g_strjoinv (" ", argv);
    argv[n] = saved;
  }
  return mp_suggest (typed, (const char * const *) phrases->pdata);
}

/* TRUE when @word is the first word of a longer command, such as `pki` */
static gboolean
is_group (const char *word)
{
  gsize len = strlen (word);

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      if (strncmp (commands[i].words, word, len) == 0 && commands[i].words[len] == ' ')
        return TRUE;
    }
  return FALSE;
}

/* @usage: (nullable): the arguments, when they are not @cmd's own (a
 * service's backend steps) */
static gboolean
print_command_help (const MpCliCommand *cmd, const char *usage, const char *topic)
{
  if (!g_str_has_prefix (cmd->words, topic))
    return FALSE;
  g_print ("meetpki %s %s\n    %s\n", cmd->words, usage != NULL ? usage : cmd->usage, cmd->summary);
  if (cmd->options != 0)
    {
      g_print ("    options:");
      for (guint k = 0; k < G_N_ELEMENTS (option_names); k++)
        {
          if (cmd->options & option_names[k].bit)
            g_print (" %s", option_names[k].name);
        }
      g_print ("\n");
    }
  return TRUE;
}

/* `help webadmin endpoint` is the help of `<service> endpoint` when
 * webadmin is a service: a loaded plugin, or with a bus one of meetpkid's
 * (no plugin loads here then).  @service: (out): its descriptor, which
 * says which commands it has (and for `help webadmin` alone is printed
 * first).  FALSE with an error when the daemon could not be asked */
static gboolean
service_topic (MpCli *cli, char **topic, JsonNode **service, GError **error)
{
  const char *space;
  g_autofree char *first = NULL;
  g_autoptr(JsonNode) found = NULL;
  g_autoptr(GError) local = NULL;

  if (*topic == NULL)
    return TRUE;
  space = strchr (*topic, ' ');
  first = space != NULL ? g_strndup (*topic, (gsize) (space - *topic)) : g_strdup (*topic);
  /* `help pki csr`: a built-in command's help never asks the daemon */
  if (is_builtin_word (first))
    return TRUE;
  found = mp_cli_find_service_json (cli, first, &local);
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (found == NULL)
    return TRUE;
  *service = g_steal_pointer (&found);
  {
    char *generic = g_strconcat ("<service>", space != NULL ? space : "", NULL);
    g_free (*topic);
    *topic = generic;
  }
  return TRUE;
}

/* whether some service command starts with the words @phrase
 * ("<service> cluster", "<service> cluster certs") */
static gboolean
is_service_phrase (const char *phrase)
{
  gsize len = strlen (phrase);
  guint n = 0;
  const MpCliCommand *svc = mp_cli_service_commands (&n);

  for (guint i = 0; i < n; i++)
    {
      if (strncmp (svc[i].words, phrase, len) == 0 &&
          (svc[i].words[len] == '\0' || svc[i].words[len] == ' '))
        return TRUE;
    }
  return FALSE;
}

/* the help topic of `meetpki webadmin certs key crt --help`: the service
 * and the longest run of the words after it that a service command starts
 * with ("webadmin certs"), else the service alone ("webadmin") */
static char *
service_help_topic (char **argv, guint argc)
{
  g_autoptr(GString) phrase = g_string_new ("<service>");
  guint n = 1;

  for (guint i = 1; i < argc; i++)
    {
      g_string_append_printf (phrase, " %s", argv[i]);
      if (!is_service_phrase (phrase->str))
        break;
      n = i + 1;
    }
  {
    char *saved = argv[n];
    char *topic;
    argv[n] = NULL;
    topic = g_strjoinv (" ", argv);
    argv[n] = saved;
    return topic;
  }
}

/* whether @service (a descriptor) has a command that starts with @topic,
 * "<service> cluster" */
static gboolean
service_has_topic (const char *topic, JsonNode *service)
{
  guint n = 0;
  const MpCliCommand *svc = mp_cli_service_commands (&n);

  for (guint i = 0; i < n; i++)
    {
      if (g_str_has_prefix (svc[i].words, topic) && mp_cli_service_offers (json_node_get_object (service), &svc[i]))
        return TRUE;
    }
  return FALSE;
}

/* returns FALSE when @topic names no command.  @service, when given, is
 * the service of a "<service> ..." topic: only the commands its plugin
 * declares are shown, and for "<service>" alone it is described first */
static gboolean
print_help (const char *topic, JsonNode *service)
{
  gboolean any = FALSE;

  if (service != NULL && g_strcmp0 (topic, "<service>") == 0)
    {
      mp_cli_print_service (json_node_get_object (service));
      g_print ("\n");
    }

  if (topic == NULL)
    {
      g_print ("Usage: meetpki [--home DIR] <command> [arguments] [options]\n\n"
               "Commands:\n");
      for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
        g_print ("  %-18s %s\n", commands[i].words, commands[i].summary);
      {
        guint n = 0;
        const MpCliCommand *svc = mp_cli_service_commands (&n);
        for (guint i = 0; i < n; i++)
          g_print ("  %-18s %s\n", svc[i].words, svc[i].summary);
      }
      g_print ("  (<service>: a loaded plugin; 'meetpki services' lists them)\n");
      g_print ("\nGlobal options: --home DIR (the store; default $MEETPKI_HOME), --bus or --session-bus\n"
               "(run the command in meetpkid on the system or session bus; default $MEETPKI_BUS),\n"
               "--version, --help\n"
               "Run 'meetpki help <command>' for a command's arguments.\n");
      return TRUE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    any |= print_command_help (&commands[i], NULL, topic);
  {
    guint n = 0;
    const MpCliCommand *svc = mp_cli_service_commands (&n);
    JsonObject *desc = service != NULL ? json_node_get_object (service) : NULL;

    for (guint i = 0; i < n; i++)
      {
        g_autofree char *usage = mp_cli_service_usage (desc, &svc[i]);

        if (desc == NULL || mp_cli_service_offers (desc, &svc[i]))
          any |= print_command_help (&svc[i], usage, topic);
      }
  }
  if (!any && service != NULL)
    {
      const char *name = json_object_get_string_member (json_node_get_object (service), "name");

      g_printerr ("meetpki: %s has no command '%s'; run 'meetpki help %s' for its commands\n",
                  name, topic + strlen ("<service> "), name);
    }
  else if (!any)
    g_printerr ("meetpki: no command '%s'; run 'meetpki help' for the list\n", topic);
  return any;
}

static int
exit_code_for (const GError *error)
{
  if (error->domain == G_OPTION_ERROR)
    return EXIT_USAGE;
  if (error->domain == MP_CLI_ERROR)
    return error->code == MP_CLI_ERROR_ACCESS_DENIED ? EXIT_NOPERM : EXIT_UNAVAILABLE;
  if (error->domain != MP_ERROR)
    return EXIT_INTERNAL;
  switch ((MpError) error->code)
    {
    case MP_ERROR_MISMATCH:
    case MP_ERROR_VERIFY_FAILED:
    case MP_ERROR_NOT_CA:
      return EXIT_CHECK_FAILED;
    case MP_ERROR_INVALID_ARGS:
      return EXIT_USAGE;
    case MP_ERROR_NOT_FOUND:
      return EXIT_NOT_FOUND;
    case MP_ERROR_EXISTS:
      return EXIT_EXISTS;
    case MP_ERROR_OUTSIDE_STORE:
      return EXIT_OUTSIDE_STORE;
    case MP_ERROR_INVALID_DATA:
      return EXIT_INVALID_DATA;
    case MP_ERROR_CRYPTO:
      return EXIT_CRYPTO;
    case MP_ERROR_IO:
      return EXIT_IO;
    case MP_ERROR_PROBE_FAILED:
      return EXIT_PROBE_FAILED;
    case MP_ERROR_CONNECT_FAILED:
      return EXIT_CONNECT_FAILED;
    case MP_ERROR_BACKEND_FAILED:
      return EXIT_BACKEND_FAILED;
    case MP_ERROR_ROLLED_BACK:
      return EXIT_ROLLED_BACK;
    case MP_ERROR_ROLLBACK_FAILED:
      return EXIT_ROLLBACK_FAILED;
    case MP_ERROR_FAILED:
    default:
      return EXIT_INTERNAL;
    }
}

static int
fail (GError *error)
{
  int code = exit_code_for (error);

  /* check failures read as the vendor's FAILURE lines */
  if (code == EXIT_CHECK_FAILED)
    g_print ("FAILURE: %s\n", error->message);
  else
    g_printerr ("meetpki: %s\n", error->message);
  return code;
}

static void
cli_clear (MpCli *cli)
{
  g_free (cli->home);
  g_free (cli->key_type);
  g_free (cli->password_file);
  g_free (cli->output);
  g_free (cli->starttls);
  g_clear_pointer (&cli->store, mp_store_unref);
  g_clear_object (&cli->bus);
  g_clear_pointer (&cli->plugins, mp_plugin_loader_free);
  g_clear_pointer (&cli->services, json_node_unref);
  g_clear_pointer (&cli->lines, g_ptr_array_unref);
}

/* --bus, --session-bus or $MEETPKI_BUS: run commands in meetpkid */
static gboolean
choose_bus (MpCli *cli, gboolean system_bus, gboolean session_bus, GError **error)
{
  const char *env = g_getenv ("MEETPKI_BUS");

  if (system_bus && session_bus)
    {
      g_set_error_literal (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "--bus and --session-bus exclude each other");
      return FALSE;
    }
  if (system_bus)
    cli->bus_type = G_BUS_TYPE_SYSTEM;
  else if (session_bus)
    cli->bus_type = G_BUS_TYPE_SESSION;
  else if (env != NULL && *env != '\0')
    {
      if (g_str_equal (env, "system"))
        cli->bus_type = G_BUS_TYPE_SYSTEM;
      else if (g_str_equal (env, "session"))
        cli->bus_type = G_BUS_TYPE_SESSION;
      else
        {
          g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                       "MEETPKI_BUS is '%s'; it must be 'system' or 'session' (or empty)", env);
          return FALSE;
        }
    }
  if (cli->bus_type != G_BUS_TYPE_NONE && cli->home != NULL)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                   "--home does not go with %s: meetpkid works on its own store",
                   system_bus ? "--bus" : session_bus ? "--session-bus" : "MEETPKI_BUS");
      return FALSE;
    }
  /* --home "$STORE" with the variable unset */
  if (cli->home != NULL && *cli->home == '\0')
    {
      g_set_error_literal (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                           "--home is empty; give the store directory (or leave --home out for $MEETPKI_HOME)");
      return FALSE;
    }
  return TRUE;
}

int
main (int argc, char **argv)
{
  MpCli cli = { .days = MP_CLI_DAYS_UNSET, .warn_days = -1, .probe_timeout = -1 };
  gboolean version = FALSE, help = FALSE, system_bus = FALSE, session_bus = FALSE;
  const GOptionEntry entries[] = {
    { "home", 0, 0, G_OPTION_ARG_FILENAME, &cli.home, "the store directory", "DIR" },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &cli.force, "replace existing files", NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &cli.json, "print JSON", NULL },
    { "days", 0, 0, G_OPTION_ARG_INT, &cli.days, "validity in days", "N" },
    { "key-type", 0, 0, G_OPTION_ARG_STRING, &cli.key_type, "key type", "TYPE" },
    { "system-trust", 0, 0, G_OPTION_ARG_NONE, &cli.system_trust, "trust the system CA store too", NULL },
    { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &cli.password_file, "read the password from FILE", "FILE" },
    { "output", 'o', 0, G_OPTION_ARG_STRING, &cli.output, "output name", "NAME" },
    { "ca-only", 0, 0, G_OPTION_ARG_NONE, &cli.ca_only, "leave the entity certificate out", NULL },
    { "no-root", 0, 0, G_OPTION_ARG_NONE, &cli.no_root, "leave the root out", NULL },
    { "full-chain", 0, 0, G_OPTION_ARG_NONE, &cli.full_chain, "the file is a full chain", NULL },
    { "ca-bundle", 0, 0, G_OPTION_ARG_NONE, &cli.ca_bundle, "the file is a CA bundle", NULL },
    { "dry-run", 'n', 0, G_OPTION_ARG_NONE, &cli.dry_run, "print the steps, change nothing", NULL },
    { "yes", 'y', 0, G_OPTION_ARG_NONE, &cli.yes, "answer yes to the question of cluster remove", NULL },
    { "warn-days", 0, 0, G_OPTION_ARG_INT, &cli.warn_days, "warn about certificates expiring within N days", "N" },
    { "starttls", 0, 0, G_OPTION_ARG_STRING, &cli.starttls, "the endpoint's STARTTLS preamble", "KIND" },
    { "probe-timeout", 0, 0, G_OPTION_ARG_INT, &cli.probe_timeout, "probe connect and handshake timeout", "SECONDS" },
    { "bus", 0, 0, G_OPTION_ARG_NONE, &system_bus, "run the command in meetpkid on the system bus", NULL },
    { "session-bus", 0, 0, G_OPTION_ARG_NONE, &session_bus, "run the command in meetpkid on the session bus", NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, "print the version", NULL },
    { "help", 'h', 0, G_OPTION_ARG_NONE, &help, "show help", NULL },
    { NULL },
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  const MpCliCommand *cmd;
  g_autofree char *hint = NULL; /* did you mean, for a command not found */
  guint n_words = 0, n_args;
  MpCliHandler handler;
  int status;

  /* before anything starts libgcrypt (doc/speed.md) */
  mp_crypto_prefer_system_rng ();
  setlocale (LC_ALL, "");
  g_option_context_set_help_enabled (ctx, FALSE);
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return fail (error);
  if (!choose_bus (&cli, system_bus, session_bus, &error))
    {
      cli_clear (&cli);
      return fail (error);
    }

  if (version)
    {
      g_print ("meetpki %s\n", MP_VERSION);
      cli_clear (&cli);
      return EXIT_OK;
    }
  if (help || argc < 2 || g_strcmp0 (argv[1], "help") == 0)
    {
      g_autofree char *topic = argc > 2 && !help ? g_strjoinv (" ", argv + 2) : NULL;
      g_autoptr(JsonNode) service = NULL;
      gboolean known;

      gboolean service_help = FALSE;

      /* `meetpki pki csr ... --help`: that command's help;
       * `meetpki webadmin [certs ...] --help`: `help webadmin [certs]` */
      if (help && argc >= 2 && g_strcmp0 (argv[1], "help") != 0)
        {
          guint n = 0;
          const MpCliCommand *c = find_command (argv + 1, (guint) argc - 1, &n);
          if (c != NULL)
            topic = g_strdup (c->words);
          else if (!is_builtin_word (argv[1]))
            {
              topic = service_help_topic (argv + 1, (guint) argc - 1);
              service_help = TRUE;
            }
        }
      if (!service_topic (&cli, &topic, &service, &error))
        {
          cli_clear (&cli);
          return fail (error);
        }
      /* `meetpki bogus --help`, no service of that name: the general help */
      if (service_help && !g_str_has_prefix (topic, "<service>"))
        g_clear_pointer (&topic, g_free);
      /* `meetpki webadmin cluster status --help`, a command webadmin has
       * not: webadmin's help */
      else if (service_help && service != NULL && !service_has_topic (topic, service))
        {
          g_free (topic);
          topic = g_strdup ("<service>");
        }
      known = print_help (topic, service);
      cli_clear (&cli);
      /* `help <no such command>` fails, so scripts can probe for a command */
      return (argc < 2 && !help) || !known ? EXIT_USAGE : EXIT_OK;
    }

  cli.given = (cli.force ? MP_OPT_FORCE : 0) | (cli.json ? MP_OPT_JSON : 0) |
              (cli.days != MP_CLI_DAYS_UNSET ? MP_OPT_DAYS : 0) | (cli.key_type ? MP_OPT_KEY_TYPE : 0) |
              (cli.system_trust ? MP_OPT_SYSTEM_TRUST : 0) |
              (cli.password_file ? MP_OPT_PASSWORD_FILE : 0) | (cli.output ? MP_OPT_OUTPUT : 0) |
              (cli.ca_only ? MP_OPT_CA_ONLY : 0) | (cli.no_root ? MP_OPT_NO_ROOT : 0) |
              (cli.full_chain ? MP_OPT_FULL_CHAIN : 0) | (cli.ca_bundle ? MP_OPT_CA_BUNDLE : 0) |
              (cli.dry_run ? MP_OPT_DRY_RUN : 0) | (cli.yes ? MP_OPT_YES : 0) |
              (cli.warn_days != -1 ? MP_OPT_WARN_DAYS : 0) | (cli.starttls ? MP_OPT_STARTTLS : 0) |
              (cli.probe_timeout != -1 ? MP_OPT_PROBE_TIMEOUT : 0);

  cmd = find_command (argv + 1, (guint) argc - 1, &n_words);
  if (cmd == NULL && !is_builtin_word (argv[1]))
    {
      /* only here, for a word no built-in command has, do plugins load */
      cmd = mp_cli_find_service_command (&cli, argv + 1, (guint) argc - 1, &n_words, &error);
      /* the error of a service's own command (`webadmin bogus`) stands;
       * plugins that cannot load (or, with --bus, a daemon that cannot
       * name its services) do not hide the hint for a mistyped
       * built-in command (`pkc csr`) */
      if (cmd == NULL && error != NULL)
        {
          if (cli.services == NULL)
            hint = suggest_command (argv + 1, (guint) argc - 1);
          if (hint == NULL)
            {
              cli_clear (&cli);
              return fail (error);
            }
          g_clear_error (&error);
        }
    }
  if (cmd == NULL)
    {
      if (hint == NULL)
        hint = suggest_command (argv + 1, (guint) argc - 1);
      /* `webadmn status`: the nearest service (the plugins', or with --bus
       * the daemon's), when no command is near */
      if (hint == NULL && !is_group (argv[1]))
        hint = mp_cli_suggest_service (&cli, argv[1]);
      /* name what was typed: `pki foo`, not just `pki` */
      g_autofree char *typed = is_group (argv[1]) && argc > 2 ? g_strdup_printf ("%s %s", argv[1], argv[2])
                                                             : g_strdup (argv[1]);
      if (hint != NULL)
        g_set_error (&error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                     "unknown command '%s'; did you mean '%s'?", typed, hint);
      else if (is_group (argv[1]) && argc == 2)
        g_set_error (&error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                     "'%s' needs a command; run 'meetpki help %s' for the list", argv[1], argv[1]);
      else
        g_set_error (&error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                     "unknown command '%s'; run 'meetpki help' for the list", typed);
      cli_clear (&cli);
      return fail (error);
    }

  n_args = (guint) argc - 1 - n_words;
  if (n_args < cmd->min_args || n_args > cmd->max_args)
    {
      /* a service's own arguments, as its help gives them (backend's steps) */
      JsonObject *desc = cli.service_name != NULL ? mp_cli_lookup_service (&cli, cli.service_name, NULL) : NULL;
      g_autofree char *usage = desc != NULL ? mp_cli_service_usage (desc, cmd) : g_strdup (cmd->usage);

      g_set_error (&error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                   "usage: meetpki %s %s", cmd->words, usage);
      cli_clear (&cli);
      return fail (error);
    }
  for (guint k = 0; k < G_N_ELEMENTS (option_names); k++)
    {
      if ((cli.given & option_names[k].bit) && !(cmd->options & option_names[k].bit))
        {
          g_set_error (&error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                       "option %s does not apply to 'meetpki %s'", option_names[k].name, cmd->words);
          cli_clear (&cli);
          return fail (error);
        }
    }

  cli.words = cmd->words;
  cli.store_use = store_use_of (cmd, &cli);
  handler = cmd->handler;
  if (cli.bus_type != G_BUS_TYPE_NONE)
    {
      handler = mp_cli_bus_route (cmd->words);
      if (handler == NULL)
        {
          g_set_error (&error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                       "'meetpki %s' is not available through the bus (meetpkid has no method for it); "
                       "run it without --bus", cmd->words);
          cli_clear (&cli);
          return fail (error);
        }
    }
  if (handler (&cli, (const char * const *) argv + 1 + n_words, n_args, &error))
    status = cli.status;
  else
    status = fail (error);
  cli_clear (&cli);
  return status;
}
