/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the plugin loader.  it distrusts files: a module's constructors run as
 * soon as it is opened, so ownership and modes are checked with stat before
 * g_module_open(), and the descriptor is checked as data before anything
 * uses it.
 */
#include "config.h"

#include <errno.h>
#include <gmodule.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "meetpki/mp-plugin.h"
#include "meetpki/mp-error.h"
#include "meetpki/mp-store.h"

struct _MpPlugin {
  char *path;
  GModule *module;
  const MpPluginDescriptor *desc;
  MpPluginDescriptor *upgraded; /* an older, shorter descriptor, zero-filled to ours */
};

struct _MpPluginLoader {
  char *dir;
  GPtrArray *plugins;   /* MpPlugin, sorted by name once loaded */
  GHashTable *by_name;  /* borrowed name -> MpPlugin */
};

static void
plugin_free (MpPlugin *plugin)
{
  if (plugin->module != NULL)
    g_module_close (plugin->module);
  g_free (plugin->upgraded);
  g_free (plugin->path);
  g_free (plugin);
}

/**
 * mp_plugin_dir_default:
 *
 * Returns: (transfer full): `$MEETPKI_PLUGIN_DIR` when set, else the
 * `plugindir` meson option the library was built with
 */
char *
mp_plugin_dir_default (void)
{
  const char *env = g_getenv ("MEETPKI_PLUGIN_DIR");

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  return g_strdup (MP_PLUGIN_DIR);
}

/**
 * mp_plugin_loader_new:
 * @dir: (nullable): the plugin directory, or %NULL for mp_plugin_dir_default()
 *
 * Creates a loader; nothing is read until mp_plugin_loader_load().
 *
 * Returns: (transfer full): a new loader
 */
MpPluginLoader *
mp_plugin_loader_new (const char *dir)
{
  MpPluginLoader *loader = g_new0 (MpPluginLoader, 1);

  loader->dir = dir != NULL ? g_strdup (dir) : mp_plugin_dir_default ();
  loader->plugins = g_ptr_array_new_with_free_func ((GDestroyNotify) plugin_free);
  loader->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  return loader;
}

/**
 * mp_plugin_loader_free:
 * @loader: (nullable): a loader
 *
 * Closes every module; descriptors and plugins from @loader become invalid.
 */
void
mp_plugin_loader_free (MpPluginLoader *loader)
{
  if (loader == NULL)
    return;
  g_hash_table_unref (loader->by_name);
  g_ptr_array_unref (loader->plugins);
  g_free (loader->dir);
  g_free (loader);
}

/**
 * mp_plugin_loader_get_dir:
 * @loader: a loader
 *
 * Returns: (transfer none): the directory @loader reads
 */
const char *
mp_plugin_loader_get_dir (MpPluginLoader *loader)
{
  return loader->dir;
}

/* root's files, or the running user's: anyone else could have planted them */
static gboolean
check_trusted (const char *path, const struct stat *st, const char *what, GError **error)
{
  if (st->st_mode & (S_IWGRP | S_IWOTH))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA,
                   "%s %s is writable by group or others (mode %04o); refusing to load %s",
                   what, path, (guint) (st->st_mode & 07777),
                   S_ISDIR (st->st_mode) ? "plugins from it" : "it");
      return FALSE;
    }
  if (st->st_uid != 0 && st->st_uid != geteuid ())
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA,
                   "%s %s is owned by uid %u, neither root nor the running user; refusing to load %s",
                   what, path, (guint) st->st_uid, S_ISDIR (st->st_mode) ? "plugins from it" : "it");
      return FALSE;
    }
  return TRUE;
}

static gboolean
stat_error (GError **error, int errsv, const char *what, const char *path)
{
  g_set_error (error, MP_ERROR, errsv == ENOENT ? MP_ERROR_NOT_FOUND : MP_ERROR_IO,
               "%s %s: %s", what, path, g_strerror (errsv));
  return FALSE;
}

static gboolean
check_dir (const char *dir, GError **error)
{
  struct stat st;

  if (stat (dir, &st) != 0)
    return stat_error (error, errno, "plugin directory", dir);
  if (!S_ISDIR (st.st_mode))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA,
                   "plugin directory %s is not a directory", dir);
      return FALSE;
    }
  return check_trusted (dir, &st, "plugin directory", error);
}

static gboolean
refuse (GError **error, const char *path, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static gboolean
refuse (GError **error, const char *path, const char *fmt, ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, fmt);
  msg = g_strdup_vprintf (fmt, args);
  va_end (args);
  g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA, "plugin %s: %s", path, msg);
  return FALSE;
}

/* opens one module and checks its descriptor; on success the plugin joins
 * the loader */
static gboolean
load_one (MpPluginLoader *loader, const char *path, GError **error)
{
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *file_name = g_strndup (base, strlen (base) - strlen ("." G_MODULE_SUFFIX));
  g_autoptr(GError) local = NULL;
  MpPluginQueryFunc query = NULL;
  const MpPluginDescriptor *desc;
  MpPlugin *plugin;
  MpPlugin *other;
  struct stat st;

  if (lstat (path, &st) != 0)
    return stat_error (error, errno, "plugin", path);
  if (S_ISLNK (st.st_mode))
    return refuse (error, path, "is a symbolic link; install the module itself");
  if (!S_ISREG (st.st_mode))
    return refuse (error, path, "is not a regular file");
  if (!check_trusted (path, &st, "plugin", error))
    return FALSE;

  plugin = g_new0 (MpPlugin, 1);
  plugin->path = g_strdup (path);
  /* local binding: every plugin exports the same symbol name */
  plugin->module = g_module_open (path, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
  if (plugin->module == NULL)
    {
      refuse (error, path, "cannot load: %s", g_module_error ());
      plugin_free (plugin);
      return FALSE;
    }
  if (!g_module_symbol (plugin->module, MP_PLUGIN_QUERY_SYMBOL, (gpointer *) &query) || query == NULL)
    {
      refuse (error, path, "does not export %s()", MP_PLUGIN_QUERY_SYMBOL);
      plugin_free (plugin);
      return FALSE;
    }
  desc = query ();
  if (desc == NULL)
    {
      refuse (error, path, "%s() returned NULL", MP_PLUGIN_QUERY_SYMBOL);
      plugin_free (plugin);
      return FALSE;
    }
  if (desc->abi_version != MP_PLUGIN_ABI_VERSION)
    {
      refuse (error, path, "built for plugin ABI version %u, this meetpki supports version %u",
              desc->abi_version, MP_PLUGIN_ABI_VERSION);
      plugin_free (plugin);
      return FALSE;
    }
  if (desc->struct_size == MP_PLUGIN_DESCRIPTOR_SIZE_1_0)
    {
      /* built before the trust stores were added at the end: read only
       * the bytes it has, the rest is zero (no trust stores) */
      plugin->upgraded = g_new0 (MpPluginDescriptor, 1);
      memcpy (plugin->upgraded, desc, MP_PLUGIN_DESCRIPTOR_SIZE_1_0);
      plugin->upgraded->struct_size = sizeof (MpPluginDescriptor);
      desc = plugin->upgraded;
    }
  else if (desc->struct_size != sizeof (MpPluginDescriptor))
    {
      refuse (error, path, "descriptor size is %u bytes, ABI version %u has %u (%u before trust stores); "
              "rebuild it against this meetpki's plugin.h",
              desc->struct_size, MP_PLUGIN_ABI_VERSION, (guint) sizeof (MpPluginDescriptor),
              (guint) MP_PLUGIN_DESCRIPTOR_SIZE_1_0);
      plugin_free (plugin);
      return FALSE;
    }
  if (!mp_plugin_descriptor_validate (desc, &local))
    {
      refuse (error, path, "%s", local->message);
      plugin_free (plugin);
      return FALSE;
    }
  if (strcmp (desc->name, file_name) != 0)
    {
      refuse (error, path, "declares the name '%s' but the file is named '%s'; a plugin must be installed as %s.%s",
              desc->name, base, desc->name, G_MODULE_SUFFIX);
      plugin_free (plugin);
      return FALSE;
    }
  other = g_hash_table_lookup (loader->by_name, desc->name);
  if (other != NULL)
    {
      refuse (error, path, "a plugin named '%s' is already loaded from %s; remove one of them",
              desc->name, other->path);
      plugin_free (plugin);
      return FALSE;
    }
  plugin->desc = desc;
  g_ptr_array_add (loader->plugins, plugin);
  g_hash_table_insert (loader->by_name, (gpointer) desc->name, plugin);
  return TRUE;
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* the entries of @dir, sorted so that loading (and its errors) is stable */
static GPtrArray *
list_sorted (const char *dir, GError **error)
{
  g_autoptr(GDir) d = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) local = NULL;
  const char *name;

  d = g_dir_open (dir, 0, &local);
  if (d == NULL)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_IO, "plugin directory %s: %s", dir, local->message);
      return NULL;
    }
  while ((name = g_dir_read_name (d)) != NULL)
    {
      if (name[0] != '.')
        g_ptr_array_add (names, g_strdup (name));
    }
  g_ptr_array_sort (names, compare_names);
  return g_steal_pointer (&names);
}

static gboolean
is_module_name (const char *name)
{
  return g_str_has_suffix (name, "." G_MODULE_SUFFIX) && strlen (name) > strlen ("." G_MODULE_SUFFIX);
}

/* @dir's modules; with @descend, also those one directory level down (the
 * build tree keeps each plugin in plugins/<name>/) */
static gboolean
scan_dir (MpPluginLoader *loader, const char *dir, gboolean descend, GError **error)
{
  g_autoptr(GPtrArray) names = NULL;

  if (!check_dir (dir, error))
    return FALSE;
  names = list_sorted (dir, error);
  if (names == NULL)
    return FALSE;
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      struct stat st;

      if (lstat (path, &st) != 0)
        return stat_error (error, errno, "plugin", path);
      if (S_ISDIR (st.st_mode))
        {
          if (descend && !scan_dir (loader, path, FALSE, error))
            return FALSE;
          continue;
        }
      if (is_module_name (name) && !load_one (loader, path, error))
        return FALSE;
    }
  return TRUE;
}

static gint
compare_plugins (gconstpointer a, gconstpointer b)
{
  const MpPlugin *pa = *(MpPlugin * const *) a;
  const MpPlugin *pb = *(MpPlugin * const *) b;

  return strcmp (pa->desc->name, pb->desc->name);
}

/**
 * mp_plugin_loader_load:
 * @loader: a loader
 * @error: return location for a #GError
 *
 * Loads every `<name>.so` in the plugin directory and in its immediate
 * subdirectories.  Any untrusted or malformed plugin fails the whole load
 * and none stays loaded: a tampered plugin directory must not go unnoticed.
 *
 * Returns: %TRUE when every plugin loaded
 */
gboolean
mp_plugin_loader_load (MpPluginLoader *loader, GError **error)
{
  g_return_val_if_fail (loader->plugins->len == 0, FALSE);

  if (!g_module_supported ())
    {
      g_set_error (error, MP_ERROR, MP_ERROR_FAILED, "this system cannot load modules");
      return FALSE;
    }
  if (!scan_dir (loader, loader->dir, TRUE, error))
    {
      g_hash_table_remove_all (loader->by_name);
      g_ptr_array_set_size (loader->plugins, 0);
      return FALSE;
    }
  g_ptr_array_sort (loader->plugins, compare_plugins);
  return TRUE;
}

/**
 * mp_plugin_loader_get_plugins:
 * @loader: a loader
 *
 * Returns: (transfer none) (element-type MpPlugin): the loaded plugins,
 * sorted by name
 */
GPtrArray *
mp_plugin_loader_get_plugins (MpPluginLoader *loader)
{
  return loader->plugins;
}

/**
 * mp_plugin_loader_lookup:
 * @loader: a loader
 * @name: a plugin name
 *
 * Returns: (transfer none) (nullable): the plugin called @name
 */
MpPlugin *
mp_plugin_loader_lookup (MpPluginLoader *loader, const char *name)
{
  return name != NULL ? g_hash_table_lookup (loader->by_name, name) : NULL;
}

/**
 * mp_plugin_loader_suggest:
 * @loader: a loader
 * @name: a name that is no plugin
 *
 * Returns: (transfer full) (nullable): the closest plugin name, for a
 * "did you mean" hint
 */
char *
mp_plugin_loader_suggest (MpPluginLoader *loader, const char *name)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new ();

  for (guint i = 0; i < loader->plugins->len; i++)
    g_ptr_array_add (names, (gpointer) ((MpPlugin *) g_ptr_array_index (loader->plugins, i))->desc->name);
  g_ptr_array_add (names, NULL);
  return mp_suggest (name, (const char * const *) names->pdata);
}

/**
 * mp_plugin_get_name:
 * @plugin: a plugin
 *
 * Returns: (transfer none): the plugin's name
 */
const char *
mp_plugin_get_name (MpPlugin *plugin)
{
  return plugin->desc->name;
}

/**
 * mp_plugin_get_path:
 * @plugin: a plugin
 *
 * Returns: (transfer none): the module file it was loaded from
 */
const char *
mp_plugin_get_path (MpPlugin *plugin)
{
  return plugin->path;
}

/**
 * mp_plugin_get_descriptor:
 * @plugin: a plugin
 *
 * Returns: (transfer none): the plugin's descriptor, checked by the loader
 */
const MpPluginDescriptor *
mp_plugin_get_descriptor (MpPlugin *plugin)
{
  return plugin->desc;
}
