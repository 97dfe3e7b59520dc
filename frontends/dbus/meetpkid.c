/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * meetpkid: the meetpki engine on d-bus.  main() opens the store and the
 * plugins, exports io.meetpki.Manager1 and runs until the name is lost or a
 * signal asks it to stop.
 */
#include "config.h"

#include <glib-unix.h>
#include <locale.h>
#include <unistd.h>

#include "mpd.h"

typedef struct {
  GMainLoop *loop;
  MpdDaemon *daemon;
  int status;
} Context;

static void
on_bus_acquired (GDBusConnection *connection, const char *name, gpointer user_data)
{
  Context *ctx = user_data;
  g_autoptr(GError) error = NULL;

  if (!mpd_daemon_export (ctx->daemon, connection, &error))
    {
      g_printerr ("meetpkid: cannot export %s: %s\n", MPD_OBJECT_PATH, error->message);
      ctx->status = 1;
      g_main_loop_quit (ctx->loop);
    }
}

static void
on_name_acquired (GDBusConnection *connection, const char *name, gpointer user_data)
{
  g_debug ("owns %s", name);
}

static void
on_name_lost (GDBusConnection *connection, const char *name, gpointer user_data)
{
  Context *ctx = user_data;

  g_printerr ("meetpkid: %s %s\n", connection == NULL ? "cannot connect to the bus for" : "lost the name", name);
  ctx->status = 1;
  g_main_loop_quit (ctx->loop);
}

static gboolean
on_signal (gpointer user_data)
{
  Context *ctx = user_data;

  g_main_loop_quit (ctx->loop);
  return G_SOURCE_CONTINUE;
}

int
main (int argc, char **argv)
{
  g_autofree char *home = NULL;
  gboolean session = FALSE, version = FALSE;
  gint check_interval = MPD_DEFAULT_CHECK_INTERVAL, warn_days = MP_APPLY_DEFAULT_WARN_DAYS;
  const GOptionEntry entries[] = {
    { "session", 0, 0, G_OPTION_ARG_NONE, &session, "serve the session bus (the caller's own store)", NULL },
    { "home", 0, 0, G_OPTION_ARG_FILENAME, &home, "the store directory", "DIR" },
    { "check-interval", 0, 0, G_OPTION_ARG_INT, &check_interval,
      "check every service every SECONDS (0: never; default 86400)", "SECONDS" },
    { "warn-days", 0, 0, G_OPTION_ARG_INT, &warn_days,
      "certificates with N days left or fewer are reported (default 30)", "N" },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, "print the version", NULL },
    { NULL },
  };
  g_autoptr(GOptionContext) octx = g_option_context_new ("- the meetpki D-Bus service");
  g_autoptr(GError) error = NULL;
  g_autoptr(MpStore) store = NULL;
  g_autoptr(MpPluginLoader) plugins = NULL;
  g_autoptr(GError) plugins_error = NULL;
  g_autoptr(MpdDaemon) daemon = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  MpdAuth auth = { .owner_uid = getuid () };
  Context ctx = { 0 };
  guint owner_id;

  /* before anything starts libgcrypt (doc/speed.md) */
  mp_crypto_prefer_system_rng ();
  setlocale (LC_ALL, "");
  g_option_context_add_main_entries (octx, entries, NULL);
  if (!g_option_context_parse (octx, &argc, &argv, &error))
    {
      g_printerr ("meetpkid: %s\n", error->message);
      return 2;
    }
  if (check_interval < 0)
    {
      g_printerr ("meetpkid: --check-interval takes 0 (never) or more seconds, not %d\n", check_interval);
      return 2;
    }
  if (warn_days < 0 || warn_days > 36500)
    {
      g_printerr ("meetpkid: --warn-days takes 0 to 36500 days, not %d\n", warn_days);
      return 2;
    }
  if (version)
    {
      g_print ("meetpkid %s\n", MP_VERSION);
      return 0;
    }
  auth.system_bus = !session;

  store = mp_store_new (home, &error);
  if (store == NULL)
    {
      g_printerr ("meetpkid: %s\n", error->message);
      return 1;
    }
  /* the services are read once; a broken plugin dir fails ListServices only */
  plugins = mp_plugin_loader_new (NULL);
  if (!mp_plugin_loader_load (plugins, &plugins_error))
    {
      g_warning ("service plugins not loaded: %s", plugins_error->message);
      g_clear_pointer (&plugins, mp_plugin_loader_free);
    }
  daemon = mpd_daemon_new (store, plugins, plugins_error, &auth);
  mpd_daemon_set_check (daemon, (guint) check_interval, (guint) warn_days);

  loop = g_main_loop_new (NULL, FALSE);
  ctx.loop = loop;
  ctx.daemon = daemon;
  g_unix_signal_add (SIGTERM, on_signal, &ctx);
  g_unix_signal_add (SIGINT, on_signal, &ctx);
  owner_id = g_bus_own_name (session ? G_BUS_TYPE_SESSION : G_BUS_TYPE_SYSTEM, MPD_BUS_NAME,
                             G_BUS_NAME_OWNER_FLAGS_NONE, on_bus_acquired, on_name_acquired, on_name_lost,
                             &ctx, NULL);
  g_main_loop_run (loop);
  g_bus_unown_name (owner_id);
  /* the daemon goes before the loader: its handlers read the descriptors */
  g_clear_pointer (&daemon, mpd_daemon_free);
  return ctx.status;
}
