/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the cli frontend: a table of commands over libmeetpki.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <meetpki/meetpki.h>

#include "mp-cli-print.h"

G_BEGIN_DECLS

/* the options a command accepts; any other given option is an error */
typedef enum {
  MP_OPT_FORCE = 1 << 0,
  MP_OPT_JSON = 1 << 1,
  MP_OPT_DAYS = 1 << 2,
  MP_OPT_KEY_TYPE = 1 << 3,
  MP_OPT_SYSTEM_TRUST = 1 << 4,
  MP_OPT_PASSWORD_FILE = 1 << 5,
  MP_OPT_OUTPUT = 1 << 6,
  MP_OPT_CA_ONLY = 1 << 7,
  MP_OPT_NO_ROOT = 1 << 8,
  MP_OPT_FULL_CHAIN = 1 << 9,
  MP_OPT_CA_BUNDLE = 1 << 10,
  MP_OPT_DRY_RUN = 1 << 11,
  MP_OPT_YES = 1 << 12,
  MP_OPT_WARN_DAYS = 1 << 13,
  MP_OPT_STARTTLS = 1 << 14,
  MP_OPT_PROBE_TIMEOUT = 1 << 15,
} MpCliOption;

/* --days not given; any other value, negative ones too, was typed */
#define MP_CLI_DAYS_UNSET G_MININT
/* exit statuses a handler may pick itself (see cli->status); the rest are
 * chosen by main() from the error code */
#define MP_CLI_EXIT_CHECK_FAILED 1
#define MP_CLI_EXIT_WARNINGS 10

/* the cli's own errors, about the bus (see cmd-bus.c) */
#define MP_CLI_ERROR (mp_cli_error_quark ())
typedef enum {
  MP_CLI_ERROR_BUS_UNAVAILABLE, /* no bus, or no meetpkid on it: exit 69 */
  MP_CLI_ERROR_ACCESS_DENIED,   /* polkit or the session rule said no: exit 77 */
} MpCliError;
GQuark mp_cli_error_quark (void);

/* what a command does with the store (doc/meetpki.1.scd, "A store that is
 * not there"): only a command that can do its work in an empty store
 * creates it */
typedef enum {
  MP_CLI_STORE_WRITES,          /* creates the store (0700) when missing */
  MP_CLI_STORE_WRITES_EXISTING, /* writes, but only into a store that is there: what it
                                 * works on must be in it already (pki sign's csr and
                                 * ca, a service's applied files); a missing store is
                                 * an error, "no store at DIR" */
  MP_CLI_STORE_READS,           /* reads it: a missing store is an error, "no store at DIR" */
  MP_CLI_STORE_READS_PATHS,     /* its inputs are store names or paths: a missing store
                                 * is an error only when a name has to be found in it */
  MP_CLI_STORE_NONE,            /* never opens it */
} MpCliStoreUse;

typedef struct {
  char *home;
  gboolean force;
  gboolean json;
  gint days; /* MP_CLI_DAYS_UNSET: not given */
  char *key_type;
  gboolean system_trust;
  char *password_file;
  char *output;
  gboolean ca_only;
  gboolean no_root;
  gboolean full_chain;
  gboolean ca_bundle;
  gboolean dry_run;
  gboolean yes;
  gint warn_days; /* -1: not given */
  char *starttls;
  gint probe_timeout; /* -1: not given */
  int status;   /* exit status of a handler that succeeds with news (bundle check: warnings) */
  guint given; /* MpCliOption bits the user gave */
  MpStore *store;
  MpPluginLoader *plugins; /* loaded by service commands only */
  MpPlugin *service;       /* the plugin of a `<service> ...` command; NULL through the bus */
  const char *service_name; /* the service of a `<service> ...` command, in-process or through the bus */
  JsonNode *services;      /* the services' descriptors: the plugins', or with --bus meetpkid's */
  const char *verb;        /* the last word of a service command: "enable", "join" */
  const char *trust_store; /* `<service> ... trust`: the trust store its words name ("c2w") */
  const char *words;       /* the command being run, "pki csr" */
  MpCliStoreUse store_use; /* how mp_cli_get_store() opens the store */
  GBusType bus_type;       /* --bus, --session-bus, $MEETPKI_BUS; G_BUS_TYPE_NONE: in-process */
  GDBusConnection *bus;
  GPtrArray *lines;        /* certs --json: the lines the text form prints, kept instead (char *) */
} MpCli;

typedef gboolean (*MpCliHandler) (MpCli              *cli,
                                  const char * const *args,
                                  guint               n_args,
                                  GError            **error);

typedef struct {
  const char *words;    /* "pki csr" */
  MpCliHandler handler;
  guint min_args;
  guint max_args;       /* G_MAXUINT: no limit */
  guint options;        /* MpCliOption */
  const char *usage;    /* the arguments, as the help shows them */
  const char *summary;
  MpCliStoreUse store;  /* whether it may create the store */
} MpCliCommand;

/* opens the store on first use, as cli->store_use says: created only by
 * a command that can write into an empty one (MP_CLI_STORE_WRITES) */
MpStore  *mp_cli_get_store   (MpCli *cli, GError **error);
/* loads the service plugins on first use; pki and bundle commands never do */
MpPluginLoader *mp_cli_get_plugins (MpCli *cli, GError **error);
/* prints one line of a service command: "SUCCESS: ...", a note as it is */
void      mp_cli_print_line  (MpLineKind kind, const char *text, gpointer user_data);
/* prints a JsonNode to stdout, pretty */
void      mp_cli_print_json  (gpointer json_node);
/* certs, apply and rollback --json (cmd-apply.c): the object, then the error */
gboolean  mp_cli_print_run_json (MpCli *cli, JsonNode *object, gboolean ok, GError *local, GError **error);
/* prints findings as "file:line: severity: message [code]" */
void      mp_cli_print_findings (GPtrArray *findings, gboolean to_stderr);
/* reads a read-only input (a store name or a path) into @bundle */
gboolean  mp_cli_add_bundle_input (MpCli *cli, MpBundle *bundle, const char *arg,
                                   guint *n_certs, GError **error);

/* handlers, one file per area */
gboolean  mp_cli_pki_csr        (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_pki_selfsigned (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_pki_sign       (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_pki_inspect    (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_pki_match      (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_pki_list       (MpCli *cli, const char * const *args, guint n_args, GError **error);

gboolean  mp_cli_plugins_list    (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_node_set        (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_node_unset      (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_node_show       (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_pki_import     (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_pki_export     (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_pki_pkcs12_to_pem (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_pki_verify     (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_bundle_build   (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_bundle_check   (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_bundle_fix     (MpCli *cli, const char * const *args, guint n_args, GError **error);

/* `meetpki --bus ...` (cmd-bus.c); the handlers live beside the in-process
 * ones and share their printers */
MpCliHandler mp_cli_bus_route      (const char *words);
GDBusConnection *mp_cli_bus_get   (MpCli *cli, GError **error);
GVariant *mp_cli_bus_call          (MpCli *cli, const char *method, GVariant *params,
                                    const GVariantType *reply_type, GUnixFDList *fds, GError **error);
#define MP_CLI_BUS_MANAGER_PATH "/io/meetpki/Manager1"
#define MP_CLI_BUS_MANAGER_IFACE "io.meetpki.Manager1"
GVariant *mp_cli_bus_call_lines    (MpCli *cli, const char *path, const char *iface, const char *method,
                                    GVariant *params, const GVariantType *reply_type, GUnixFDList *fds,
                                    GError **error);
void      mp_cli_bus_print_lines   (MpCli *cli, GVariant *lines);
GVariant *mp_cli_bus_call_object   (MpCli *cli, const char *path, const char *iface, const char *method,
                                    GVariant *params, const GVariantType *reply_type, GUnixFDList *fds,
                                    GError **error);
char     *mp_cli_bus_service_path  (const char *service);
JsonNode *mp_cli_bus_call_json     (MpCli *cli, const char *method, GVariant *params,
                                    GUnixFDList *fds, GError **error);
gboolean  mp_cli_bus_is_path       (const char *arg);
gboolean  mp_cli_bus_add_input     (const char *arg, const char *key, GUnixFDList *fds,
                                    GVariantBuilder *options, GError **error);
int       mp_cli_bus_open_input    (const char *arg, GUnixFDList *fds, GError **error);
int       mp_cli_bus_pass_fd       (GUnixFDList *fds, int fd, GError **error);
gboolean  mp_cli_bus_refuse_path   (MpCli *cli, const char *arg, GError **error);

gboolean  mp_cli_bus_pki_csr        (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_bus_pki_selfsigned (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_bus_pki_sign       (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_bus_pki_inspect    (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_bus_pki_match      (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_bus_pki_pkcs12_to_pem (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_bus_bundle_fix     (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_bus_cluster_status (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_bus_pki_list       (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_bus_pki_import     (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_bus_pki_export     (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_bus_pki_verify     (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_bus_bundle_build   (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_bus_bundle_check   (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_bus_node_set       (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_bus_node_unset     (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_bus_plugins_list   (MpCli *cli, const char * const *args, guint n_args, GError **error);
JsonNode *mp_cli_bus_list_services  (MpCli *cli, char **dir, GError **error);
/* the services' descriptors, looked up once: the plugins', or with a bus the daemon's */
JsonArray  *mp_cli_get_services     (MpCli *cli, GError **error);
JsonObject *mp_cli_lookup_service   (MpCli *cli, const char *name, GError **error);
const char *mp_cli_service_alias    (const char *word);
/* `help <service>`: a service's descriptor (the daemon's with a bus) and its text */
JsonNode *mp_cli_find_service_json  (MpCli *cli, const char *name, GError **error);
void      mp_cli_print_service      (JsonObject *p);
gboolean  mp_cli_bus_check          (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_bus_service_csr    (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_bus_service_certs  (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_bus_service_apply  (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_bus_service_rollback (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_bus_service_trust (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_bus_service_status (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_bus_cluster_certs  (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_bus_cluster_localnode (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_bus_cluster_setup  (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_bus_cluster_remove (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_bus_service_step   (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_bus_service_endpoint (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_bus_service_backend (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_bus_service_probe  (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_bus_call_service   (MpCli *cli, const char *method, GVariant *params, GError **error);
gboolean  mp_cli_bus_node_provision (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_bus_node_show      (MpCli *cli, const char * const *args, guint n_args, GError **error);

/* `<service> <verb>` commands, found once the plugins are loaded */
const MpCliCommand *mp_cli_service_commands     (guint *n_commands);
gboolean            mp_cli_service_offers       (JsonObject *service, const MpCliCommand *cmd);
char               *mp_cli_service_usage        (JsonObject *service, const MpCliCommand *cmd);
char               *mp_cli_service_trust_usage  (JsonObject *service);
char               *mp_cli_suggest_service      (MpCli *cli, const char *word);
const MpCliCommand *mp_cli_find_service_command (MpCli *cli, char **argv, guint argc,
                                                 guint *n_words, GError **error);
gboolean  mp_cli_service_csr     (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_service_certs   (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_service_trust   (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_service_apply   (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_service_step    (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_service_rollback (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_service_status  (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_service_backend (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_service_endpoint (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_service_probe   (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_cluster_certs   (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_cluster_localnode (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_cluster_setup   (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_cluster_remove  (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_cluster_status  (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_check           (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_node_provision  (MpCli *cli, const char * const *args, guint n_args, GError **error);

G_END_DECLS
