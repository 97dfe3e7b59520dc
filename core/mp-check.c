/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `check`: every configured service's live files validated again (pair,
 * chain, names, bundle format, expiry), and the files it was applied from
 * compared with their fingerprints, for cron and monitoring.
 */
#include "config.h"

#include "mp-private.h"
#include "meetpki/mp-apply.h"
#include "meetpki/mp-inspect.h"
#include "meetpki/mp-trust.h"

void
mp_check_finding_free (MpCheckFinding *finding)
{
  if (finding == NULL)
    return;
  g_free (finding->service);
  g_free (finding->message);
  g_free (finding);
}

static void add (GPtrArray *out, const char *service, MpLineKind kind, const char *fmt, ...) G_GNUC_PRINTF (4, 5);

static void
add (GPtrArray *out, const char *service, MpLineKind kind, const char *fmt, ...)
{
  MpCheckFinding *f = g_new0 (MpCheckFinding, 1);
  va_list ap;

  va_start (ap, fmt);
  f->service = g_strdup (service);
  f->kind = kind;
  f->message = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_ptr_array_add (out, f);
}

/* what restart would say of the sources as they are now (it validates
 * them before it takes them): its failures, as errors now rather than at
 * restart */
static gboolean
check_renewal (GPtrArray *out, MpStore *store, const MpPluginDescriptor *desc, const MpNodeFacts *facts,
               GPtrArray *args, const char *changed)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(MpValidation) v = mp_validation_new_for_args (desc, store, (const char * const *) args->pdata,
                                                          args->len, &local);
  gboolean refused = FALSE;

  if (v == NULL)
    {
      add (out, desc->name, MP_LINE_FAILURE, "%s changed since applied; restart %s would refuse it: %s",
           changed, desc->name, local->message);
      return FALSE;
    }
  mp_validation_run (v, desc, facts, MP_APPLY_DEFAULT_WARN_DAYS);
  for (guint k = 0; k < v->lines->len; k++)
    {
      MpLine *l = g_ptr_array_index (v->lines, k);

      if (l->kind != MP_LINE_FAILURE)
        continue;
      add (out, desc->name, MP_LINE_FAILURE, "%s changed since applied; restart %s would refuse it: %s",
           changed, desc->name, l->text);
      refused = TRUE;
    }
  return !refused;
}

/* a source replaced under its applied name: the vendor's renewal, which
 * takes effect only on restart, and only when it validates */
static void
check_sources (GPtrArray *out, MpStore *store, MpServiceConfig *config, const MpPluginDescriptor *desc,
               const MpNodeFacts *facts)
{
  const char *service = desc->name;
  g_autoptr(GPtrArray) applied = mp_service_config_get_applied (config, service, FALSE);
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GPtrArray) changed = g_ptr_array_new ();
  gboolean gone = FALSE;

  for (guint i = 0; i < applied->len; i++)
    {
      MpAppliedFile *f = g_ptr_array_index (applied, i);
      g_autofree char *path = f->source != NULL ? mp_store_resolve_input (store, f->source, NULL) : NULL;
      g_autoptr(GBytes) data = path != NULL ? mp_file_read (path, NULL) : NULL;
      g_autofree char *sha = data != NULL ? mp_sha256_hex (data) : NULL;

      if (sha == NULL)
        {
          add (out, service, MP_LINE_WARNING, "%s (%s) is gone; the live copy is still in use", f->source, f->role);
          gone = TRUE;
        }
      else if (g_strcmp0 (sha, f->sha256) != 0)
        g_ptr_array_add (changed, f->source);
      g_ptr_array_add (args, f->source);
    }
  if (changed->len == 0)
    return;
  g_ptr_array_add (changed, NULL);
  if (!gone)
    {
      g_autofree char *names = g_strjoinv (", ", (char **) changed->pdata);
      if (!check_renewal (out, store, desc, facts, args, names))
        return;
    }
  for (guint i = 0; changed->pdata[i] != NULL; i++)
    add (out, service, MP_LINE_WARNING, "%s: certificate changed since applied; restart %s",
         (const char *) changed->pdata[i], service);
}

/**
 * mp_check_services:
 * @store: the store
 * @loader: the loaded plugins
 * @warn_days: certificates expiring sooner are warnings
 * @services: (out) (optional) (transfer full): the services checked
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type MpCheckFinding): the findings,
 * empty when everything is clean; %NULL when the configuration cannot be
 * read
 */
GPtrArray *
mp_check_services (MpStore *store, MpPluginLoader *loader, guint warn_days, GStrv *services, GError **error)
{
  g_autoptr(MpServiceConfig) config = mp_service_config_load (store, error);
  g_autoptr(MpNodeFacts) facts = NULL;
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) mp_check_finding_free);
  g_autoptr(GPtrArray) checked = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) names = NULL;

  if (config == NULL)
    return NULL;
  facts = mp_node_facts_load (store, error);
  if (facts == NULL)
    return NULL;
  names = mp_service_config_get_services (config);
  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    {
      MpPlugin *plugin = mp_plugin_loader_lookup (loader, names[i]);
      g_autoptr(MpValidation) v = NULL;
      g_autoptr(GError) local = NULL;
      gboolean trusts = plugin != NULL && mp_trust_any_recorded (config, mp_plugin_get_descriptor (plugin));

      if (!mp_service_config_has_applied (config, names[i]) && !trusts)
        continue;
      g_ptr_array_add (checked, g_strdup (names[i]));
      if (trusts)
        {
          g_autoptr(GPtrArray) lines = mp_trust_check (store, config, mp_plugin_get_descriptor (plugin), warn_days);
          for (guint k = 0; k < lines->len; k++)
            {
              MpLine *l = g_ptr_array_index (lines, k);
              add (out, names[i], l->kind, "%s", l->text);
            }
        }
      if (!mp_service_config_has_applied (config, names[i]))
        continue;
      if (plugin == NULL)
        {
          add (out, names[i], MP_LINE_FAILURE, "no plugin %s is loaded from %s", names[i],
               mp_plugin_loader_get_dir (loader));
          continue;
        }
      v = mp_validation_new_for_live (mp_plugin_get_descriptor (plugin), store, config, &local);
      if (v == NULL)
        {
          add (out, names[i], MP_LINE_FAILURE, "%s", local->message);
          continue;
        }
      mp_validation_run (v, mp_plugin_get_descriptor (plugin), facts, warn_days);
      for (guint k = 0; k < v->lines->len; k++)
        {
          MpLine *l = g_ptr_array_index (v->lines, k);
          if (l->kind == MP_LINE_FAILURE || l->kind == MP_LINE_WARNING)
            add (out, names[i], l->kind, "%s", l->text);
        }
      check_sources (out, store, config, mp_plugin_get_descriptor (plugin), facts);
    }
  if (services != NULL)
    {
      g_ptr_array_add (checked, NULL);
      *services = (GStrv) g_ptr_array_free (g_steal_pointer (&checked), FALSE);
    }
  return g_steal_pointer (&out);
}

void
mp_expiring_free (MpExpiring *expiring)
{
  if (expiring == NULL)
    return;
  g_free (expiring->service);
  g_free (expiring->file);
  g_free (expiring);
}

/* the fewest days left of the certificates in one live file; FALSE when it
 * holds none */
static gboolean
live_days_left (const char *path, const char *name, gint64 *days_left)
{
  g_autoptr(GBytes) data = mp_file_read (path, NULL);
  g_autoptr(JsonNode) desc = NULL;
  JsonObject *obj;
  JsonArray *certs;
  gboolean found = FALSE;

  /* keys are not read further than this */
  if (data == NULL || g_strstr_len (g_bytes_get_data (data, NULL), g_bytes_get_size (data),
                                    "-----BEGIN CERTIFICATE-----") == NULL)
    return FALSE;
  desc = mp_inspect_file (data, name, NULL);
  if (desc == NULL || !JSON_NODE_HOLDS_OBJECT (desc))
    return FALSE;
  obj = json_node_get_object (desc);
  if (!json_object_has_member (obj, "certificates"))
    return FALSE;
  certs = json_object_get_array_member (obj, "certificates");
  for (guint i = 0; i < json_array_get_length (certs); i++)
    {
      JsonObject *c = json_array_get_object_element (certs, i);
      gint64 d;

      if (!json_object_has_member (c, "days_left") || json_object_get_null_member (c, "days_left"))
        continue;
      d = json_object_get_int_member (c, "days_left");
      if (!found || d < *days_left)
        *days_left = d;
      found = TRUE;
    }
  return found;
}

/**
 * mp_check_expiring:
 * @store: the store
 * @warn_days: files whose first certificate to expire has this many days
 *   left or fewer are listed
 * @error: return location for a #GError
 *
 * The live certificate files of every service with an applied set that
 * expire within @warn_days (or have expired), by the file they were applied
 * from, for the daemon's periodic check.
 *
 * Returns: (transfer full) (element-type MpExpiring): the files, in service
 *   order; %NULL when the configuration cannot be read
 */
GPtrArray *
mp_check_expiring (MpStore *store, guint warn_days, GError **error)
{
  g_autoptr(MpServiceConfig) config = mp_service_config_load (store, error);
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) mp_expiring_free);
  g_auto(GStrv) names = NULL;

  if (config == NULL)
    return NULL;
  names = mp_service_config_get_services (config);
  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    {
      g_autoptr(GPtrArray) applied = mp_service_config_get_applied (config, names[i], FALSE);
      g_autofree char *dir = mp_service_live_dir (store, names[i]);

      for (guint k = 0; k < applied->len; k++)
        {
          MpAppliedFile *f = g_ptr_array_index (applied, k);
          g_autofree char *path = NULL;
          gint64 days_left = 0;
          MpExpiring *e;

          if (f->live == NULL)
            continue;
          path = g_build_filename (dir, f->live, NULL);
          if (!live_days_left (path, f->source != NULL ? f->source : f->live, &days_left) ||
              days_left > (gint64) warn_days)
            continue;
          e = g_new0 (MpExpiring, 1);
          e->service = g_strdup (names[i]);
          e->file = g_strdup (f->source != NULL ? f->source : f->live);
          e->days_left = (gint) CLAMP (days_left, G_MININT, G_MAXINT);
          g_ptr_array_add (out, e);
        }
    }
  return g_steal_pointer (&out);
}
