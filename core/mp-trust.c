/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * trust stores: certificates a service trusts for a link to a peer (the
 * C2W link between call bridge and web bridge, resilient XMPP, the legacy
 * web bridge's call bridge certificate).  a plugin declares them as data;
 * `<service> <words> <file>` checks the file before anything changes, then
 * writes it in canonical PEM as a live file of the service,
 * `services/<name>/trust-<store>.pem`, and records it in services.conf.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>

#include "mp-private.h"
#include "mp-service-private.h"
#include "meetpki/meetpki.h"
#include "meetpki/mp-trust.h"

/**
 * mp_trust_live_name:
 * @store_name: a trust store's name (`c2w`)
 *
 * Returns: (transfer full): its live file's name, `trust-c2w.pem`
 */
char *
mp_trust_live_name (const char *store_name)
{
  return g_strdup_printf ("trust-%s.pem", store_name);
}

/**
 * mp_trust_env_name:
 * @store_name: a trust store's name (`c2w`)
 *
 * Returns: (transfer full): the exec backend's variable for its live
 *   file, `MEETPKI_TRUST_C2W`
 */
char *
mp_trust_env_name (const char *store_name)
{
  g_autofree char *up = g_ascii_strup (store_name, -1);

  g_strdelimit (up, "-", '_');
  return g_strconcat ("MEETPKI_TRUST_", up, NULL);
}

/* `trust-<store>-<what>` in the service's group of services.conf */
static char *
config_key (const MpPluginTrustStore *t, const char *what)
{
  return g_strdup_printf ("trust-%s-%s", t->name, what);
}

static char *
config_get (MpServiceConfig *config, const MpPluginDescriptor *desc, const MpPluginTrustStore *t, const char *what)
{
  g_autofree char *key = config_key (t, what);

  return mp_service_config_get_string (config, desc->name, key);
}

static void
config_set (MpServiceConfig *config, const MpPluginDescriptor *desc, const MpPluginTrustStore *t,
            const char *what, const char *value)
{
  g_autofree char *key = config_key (t, what);

  mp_service_config_set_string (config, desc->name, key, value);
}

/* the command as the vendor writes it, for advice */
static char *
command_words (const MpPluginDescriptor *desc, const MpPluginTrustStore *t)
{
  g_autoptr(GString) s = g_string_new (desc->name);

  for (guint32 k = 0; k < t->n_words; k++)
    g_string_append_printf (s, " %s", t->words[k]);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void add_line (GPtrArray *lines, MpLineKind kind, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static void
add_line (GPtrArray *lines, MpLineKind kind, const char *fmt, ...)
{
  MpLine *l = g_new0 (MpLine, 1);
  va_list ap;

  va_start (ap, fmt);
  l->kind = kind;
  l->text = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_ptr_array_add (lines, l);
}

static guint
count_failures (GPtrArray *lines)
{
  guint n = 0;

  for (guint i = 0; i < lines->len; i++)
    n += ((MpLine *) g_ptr_array_index (lines, i))->kind == MP_LINE_FAILURE;
  return n;
}

/* expiry of each certificate: expired or not yet valid fails, fewer than
 * @warn_days days left warns; @quiet leaves out the lines of good ones */
static void
check_expiry (GPtrArray *lines, GPtrArray *certs, const char *what, guint warn_days, gboolean quiet)
{
  gint64 now = mp_now ();

  for (guint i = 0; i < certs->len; i++)
    {
      const MpBundleCert *c = g_ptr_array_index (certs, i);
      g_autofree char *verdict = NULL;
      MpLineKind kind = mp_validity_verdict (now, mp_bundle_cert_get_not_before (c),
                                             mp_bundle_cert_get_not_after (c), warn_days, &verdict);

      if (kind != MP_LINE_SUCCESS || !quiet)
        add_line (lines, kind, "%s: %s %s", what, mp_bundle_cert_get_subject (c), verdict);
    }
}

/* what @t may hold, checked on @b: only CA certificates in a CA bundle,
 * exactly one certificate for a peer */
static void
check_kind (GPtrArray *lines, const MpPluginTrustStore *t, GPtrArray *certs, const char *source)
{
  guint n_not_ca = 0;

  /* an unreadable or empty file is a finding already */
  if (certs->len == 0)
    {
      if (count_failures (lines) == 0)
        add_line (lines, MP_LINE_FAILURE, "%s holds no certificate", source);
      return;
    }
  if (t->kind == MP_TRUST_PEER_CERTIFICATE)
    {
      if (certs->len > 1)
        add_line (lines, MP_LINE_FAILURE, "%s holds %u certificates; the %s trust store takes one, the peer's",
                  source, certs->len, t->name);
      else
        add_line (lines, MP_LINE_SUCCESS, "%s: one certificate, %s", source,
                  mp_bundle_cert_get_subject (g_ptr_array_index (certs, 0)));
      return;
    }
  for (guint i = 0; i < certs->len; i++)
    {
      const MpBundleCert *c = g_ptr_array_index (certs, i);

      if (mp_bundle_cert_is_ca (c))
        continue;
      add_line (lines, MP_LINE_FAILURE,
                "%s: %s is not a CA certificate (no basicConstraints CA:TRUE); the %s trust store holds CA certificates only",
                source, mp_bundle_cert_get_subject (c), t->name);
      n_not_ca++;
    }
  if (n_not_ca == 0)
    add_line (lines, MP_LINE_SUCCESS, "%s: %u CA certificate%s (CA:TRUE)", source, certs->len,
              certs->len == 1 ? "" : "s");
}

/* every check of a trust store's file; its canonical PEM in @pem when none
 * failed */
static GPtrArray *
validate (const MpPluginTrustStore *t, GBytes *data, const char *source, guint warn_days, GBytes **pem,
          guint *n_certs)
{
  g_autoptr(MpBundle) b = mp_bundle_new ();
  GPtrArray *lines = g_ptr_array_new_with_free_func (mp_line_free);
  GPtrArray *findings;
  GPtrArray *certs;

  mp_bundle_add_data (b, data, source);
  findings = mp_bundle_get_findings (b);
  certs = mp_bundle_get_certs (b);
  for (guint i = 0; i < findings->len; i++)
    {
      const MpFinding *f = g_ptr_array_index (findings, i);

      if (f->severity == MP_FINDING_ERROR)
        add_line (lines, MP_LINE_FAILURE, "%s: %s [%s]", source, f->message, f->code);
      else
        add_line (lines, MP_LINE_WARNING, "%s: %s [%s] (the installed copy is written in canonical form)",
                  source, f->message, f->code);
    }
  check_kind (lines, t, certs, source);
  check_expiry (lines, certs, source, warn_days, FALSE);
  *n_certs = certs->len;
  if (count_failures (lines) == 0)
    *pem = mp_bundle_certs_to_pem (certs);
  return lines;
}

/* writes the trust file and records it; a configuration that cannot be
 * saved puts the previous file back, so both change or neither */
static gboolean
install (MpStore *store, const MpPluginDescriptor *desc, const MpPluginTrustStore *t, GBytes *pem,
         const char *source, GBytes *data, GError **error)
{
  g_autoptr(MpServiceLock) lock = mp_service_lock (store, error);
  g_autoptr(MpServiceConfig) config = NULL;
  g_autofree char *dir = mp_service_live_dir (store, desc->name);
  g_autofree char *live = mp_trust_live_name (t->name);
  g_autofree char *path = g_build_filename (dir, live, NULL);
  g_autofree char *sha = mp_sha256_hex (data);
  /* as `applied-at`: meetpki's clock, whole seconds */
  g_autoptr(GDateTime) now = g_date_time_new_from_unix_utc (mp_now ());
  g_autofree char *at = g_date_time_format_iso8601 (now);
  g_autoptr(GBytes) old = NULL;
  gsize len = 0;
  const void *bytes = g_bytes_get_data (pem, &len);

  if (lock == NULL)
    return FALSE;
  config = mp_service_config_load (store, error);
  if (config == NULL || !mp_store_ensure_dir (store, error))
    return FALSE;
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int errsv = errno;
      g_set_error (error, MP_ERROR, MP_ERROR_IO, "cannot create %s: %s", dir, g_strerror (errsv));
      return FALSE;
    }
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    {
      old = mp_file_read (path, error);
      if (old == NULL)
        return FALSE;
    }
  if (!mp_file_write_atomic (path, bytes, len, MP_WRITE_REPLACE, error))
    return FALSE;
  config_set (config, desc, t, "file", source);
  config_set (config, desc, t, "sha256", sha);
  config_set (config, desc, t, "live", live);
  config_set (config, desc, t, "at", at);
  if (!mp_service_config_save (config, error))
    {
      if (old != NULL)
        {
          const void *old_bytes = g_bytes_get_data (old, &len);
          mp_file_write_atomic (path, old_bytes, len, MP_WRITE_REPLACE, NULL);
        }
      else
        g_unlink (path);
      return FALSE;
    }
  return TRUE;
}

/**
 * mp_service_run_trust:
 * @store: the store
 * @plugin: the service
 * @options: how to run; @options->warn_days and @options->dry_run count
 * @store_name: the trust store (`c2w`), one the plugin declares
 * @file: a store name or (in-process) a path: a CA bundle, or for a peer
 *   certificate store the peer's certificate
 * @error: return location for a #GError
 *
 * `<service> <words> <file>`: checks the file (it reads, only CA
 * certificates in a CA bundle, exactly one certificate for a peer, nothing
 * expired or not yet valid), then writes it in canonical PEM as the live
 * file `trust-<store>.pem` of the service and records it in the service
 * configuration.  A failed check changes nothing (%MP_ERROR_VERIFY_FAILED).
 *
 * Returns: %TRUE on success
 */
gboolean
mp_service_run_trust (MpStore *store, MpPlugin *plugin, const MpServiceRunOptions *o, const char *store_name,
                      const char *file, GError **error)
{
  const MpPluginDescriptor *desc = mp_plugin_get_descriptor (plugin);
  const MpPluginTrustStore *t = mp_descriptor_find_trust_store (desc, store_name);
  g_autofree char *path = NULL;
  g_autofree char *source = NULL;
  g_autofree char *live = NULL;
  g_autoptr(GBytes) data = NULL;
  g_autoptr(GBytes) pem = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  guint n_failures, n_certs = 0;

  if (t == NULL)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "the %s service has no trust store '%s'",
                   desc->name, store_name);
      return FALSE;
    }
  /* the daemon reads inside its store only: no path, no link out of it */
  if (o->store_names_only)
    {
      g_autofree char *inside = mp_store_resolve_existing (store, file, error);
      if (inside == NULL)
        return FALSE;
    }
  path = mp_store_resolve_input (store, file, error);
  if (path == NULL)
    return FALSE;
  data = mp_file_read (path, error);
  if (data == NULL)
    return FALSE;
  source = mp_source_name (store, file, path);
  lines = validate (t, data, source, o->warn_days >= 0 ? (guint) o->warn_days : MP_APPLY_DEFAULT_WARN_DAYS,
                    &pem, &n_certs);
  for (guint i = 0; i < lines->len; i++)
    {
      const MpLine *l = g_ptr_array_index (lines, i);
      mp_service_say (o, l->kind, "%s", l->text);
    }
  n_failures = count_failures (lines);
  if (n_failures > 0)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_VERIFY_FAILED, "the %s %s trust store: %u check%s failed; nothing was changed",
                   desc->name, t->name, n_failures, n_failures == 1 ? "" : "s");
      return FALSE;
    }
  live = mp_trust_live_name (t->name);
  if (o->dry_run)
    {
      mp_service_say (o, MP_LINE_NOTE, "would install %s as %s/%s/%s (%u certificate%s) and record it as the %s %s trust store",
           source, MP_SERVICES_DIR, desc->name, live, n_certs, n_certs == 1 ? "" : "s", desc->name, t->name);
      return TRUE;
    }
  if (!install (store, desc, t, pem, source, data, error))
    return FALSE;
  mp_service_say (o, MP_LINE_SUCCESS, "%s %s trust store installed: %s/%s/%s (%u certificate%s); restart %s to use it",
       desc->name, t->name, MP_SERVICES_DIR, desc->name, live, n_certs, n_certs == 1 ? "" : "s", desc->name);
  return TRUE;
}

/**
 * mp_trust_any_recorded:
 * @config: the service configuration
 * @desc: a service
 *
 * Returns: whether a trust store of @desc was installed
 */
gboolean
mp_trust_any_recorded (MpServiceConfig *config, const MpPluginDescriptor *desc)
{
  for (guint32 i = 0; i < desc->n_trust_stores; i++)
    {
      g_autofree char *live = config_get (config, desc, &desc->trust_stores[i], "live");
      if (live != NULL)
        return TRUE;
    }
  return FALSE;
}

/**
 * mp_trust_status_to_json:
 * @builder: a builder inside an object
 * @config: the service configuration
 * @desc: a service
 *
 * Adds the member "trust" of `<service> status --json`: each installed
 * trust store's store, kind, file, sha256 (of the file as given), live
 * name and time.
 */
void
mp_trust_status_to_json (JsonBuilder *b, MpServiceConfig *config, const MpPluginDescriptor *desc)
{
  json_builder_set_member_name (b, "trust");
  json_builder_begin_array (b);
  for (guint32 i = 0; i < desc->n_trust_stores; i++)
    {
      const MpPluginTrustStore *t = &desc->trust_stores[i];
      g_autofree char *live = config_get (config, desc, t, "live");
      g_autofree char *file = NULL;
      g_autofree char *sha = NULL;
      g_autofree char *at = NULL;

      if (live == NULL)
        continue;
      file = config_get (config, desc, t, "file");
      sha = config_get (config, desc, t, "sha256");
      at = config_get (config, desc, t, "at");
      json_builder_begin_object (b);
      mp_json_add_string_or_null (b, "store", t->name);
      mp_json_add_string_or_null (b, "kind", mp_trust_kind_to_string (t->kind));
      mp_json_add_string_or_null (b, "file", file);
      mp_json_add_string_or_null (b, "sha256", sha);
      mp_json_add_string_or_null (b, "live", live);
      mp_json_add_string_or_null (b, "at", at);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

/* one installed store for `check`: the live file there and its
 * certificates valid, the file it came from unchanged */
static void
check_one (GPtrArray *lines, MpStore *store, MpServiceConfig *config, const MpPluginDescriptor *desc,
           const MpPluginTrustStore *t, guint warn_days)
{
  g_autofree char *live = config_get (config, desc, t, "live");
  g_autofree char *file = config_get (config, desc, t, "file");
  g_autofree char *sha = config_get (config, desc, t, "sha256");
  g_autofree char *dir = mp_service_live_dir (store, desc->name);
  g_autofree char *path = NULL;
  g_autofree char *what = g_strdup_printf ("%s trust store", t->name);
  g_autofree char *words = command_words (desc, t);
  g_autoptr(GBytes) data = NULL;
  g_autoptr(MpBundle) b = mp_bundle_new ();
  g_autofree char *src_path = NULL;
  g_autoptr(GBytes) src = NULL;
  g_autofree char *src_sha = NULL;

  if (live == NULL)
    return;
  path = g_build_filename (dir, live, NULL);
  data = mp_file_read (path, NULL);
  if (data == NULL)
    {
      add_line (lines, MP_LINE_FAILURE, "%s: %s/%s is gone; run 'meetpki %s %s' again", what, desc->name, live,
                words, file != NULL ? file : "<file>");
      return;
    }
  mp_bundle_add_data (b, data, live);
  if (mp_bundle_get_certs (b)->len == 0)
    add_line (lines, MP_LINE_FAILURE, "%s: %s/%s holds no certificate", what, desc->name, live);
  check_expiry (lines, mp_bundle_get_certs (b), what, warn_days, TRUE);
  if (file == NULL)
    return;
  src_path = mp_store_resolve_input (store, file, NULL);
  src = src_path != NULL ? mp_file_read (src_path, NULL) : NULL;
  src_sha = src != NULL ? mp_sha256_hex (src) : NULL;
  if (src_sha == NULL)
    add_line (lines, MP_LINE_WARNING, "%s: %s is gone; the installed copy is still in use", what, file);
  else if (g_strcmp0 (src_sha, sha) != 0)
    add_line (lines, MP_LINE_WARNING, "%s: %s changed since it was installed; run 'meetpki %s %s' to take it",
              what, file, words, file);
}

/**
 * mp_trust_check:
 * @store: the store
 * @config: the service configuration
 * @desc: a service
 * @warn_days: certificates expiring sooner are warnings
 *
 * Returns: (transfer full) (element-type MpLine): what `check` finds in
 *   the service's installed trust stores (failures and warnings only)
 */
GPtrArray *
mp_trust_check (MpStore *store, MpServiceConfig *config, const MpPluginDescriptor *desc, guint warn_days)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func (mp_line_free);

  for (guint32 i = 0; i < desc->n_trust_stores; i++)
    check_one (lines, store, config, desc, &desc->trust_stores[i], warn_days);
  return lines;
}
