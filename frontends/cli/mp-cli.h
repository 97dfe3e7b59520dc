/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the cli frontend: a table of commands over libmeetpki.
 */
#pragma once

#include <meetpki/meetpki.h>

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
} MpCliOption;

typedef struct {
  char *home;
  gboolean force;
  gboolean json;
  gint days; /* -1: not given */
  char *key_type;
  gboolean system_trust;
  char *password_file;
  char *output;
  guint given; /* MpCliOption bits the user gave */
  MpStore *store;
  MpPluginLoader *plugins; /* loaded by service commands only */
  MpPlugin *service;       /* the plugin of a `<service> ...` command */
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
} MpCliCommand;

/* opens the store on first use */
MpStore  *mp_cli_get_store   (MpCli *cli, GError **error);
void      mp_cli_print_notes (GPtrArray *notes);
/* loads the service plugins on first use; pki and bundle commands never do */
MpPluginLoader *mp_cli_get_plugins (MpCli *cli, GError **error);
/* prints a JsonNode to stdout, pretty */
void      mp_cli_print_json  (gpointer json_node);

/* handlers, one file per area */
gboolean  mp_cli_pki_csr        (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_pki_selfsigned (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_pki_sign       (MpCli *cli, const char * const *args, guint n_args, GError **error);

gboolean  mp_cli_plugins_list    (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_node_set        (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_node_unset      (MpCli *cli, const char * const *args, guint n_args, GError **error);
gboolean  mp_cli_node_show       (MpCli *cli, const char * const *args, guint n_args, GError **error);

/* `<service> <verb>` commands, found once the plugins are loaded */
const MpCliCommand *mp_cli_service_commands     (guint *n_commands);
const MpCliCommand *mp_cli_find_service_command (MpCli *cli, char **argv, guint argc,
                                                 guint *n_words, GError **error);
gboolean  mp_cli_service_csr     (MpCli *cli, const char * const *args, guint n_args, GError **error);

G_END_DECLS
