/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `<service> endpoint` and `<service> probe`: where the daemon serves, and
 * what it serves checked against the applied files.
 */
#include "config.h"

#include <json-glib/json-glib.h>

#include "mp-cli.h"

/* the endpoint as typed, on top of what services.conf recorded */
static MpEndpoint *
endpoint_from_args (MpCli *cli, const char *address, GError **error)
{
  g_autoptr(MpEndpoint) ep = g_new0 (MpEndpoint, 1);

  ep->address = g_strdup (address);
  ep->timeout = MP_PROBE_DEFAULT_TIMEOUT;
  if (!mp_endpoint_check_address (address, error))
    return NULL;
  if (cli->starttls != NULL && !mp_starttls_from_string (cli->starttls, &ep->starttls, error))
    return NULL;
  if (cli->probe_timeout != -1)
    {
      if (cli->probe_timeout < 1 || cli->probe_timeout > 600)
        {
          g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                       "--probe-timeout %d is out of range (1-600 seconds)", cli->probe_timeout);
          return NULL;
        }
      ep->timeout = (guint) cli->probe_timeout;
    }
  return g_steal_pointer (&ep);
}

gboolean
mp_cli_service_endpoint (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  const char *name = mp_plugin_get_name (cli->service);
  gboolean none = g_str_equal (args[0], "none");
  g_autoptr(MpEndpoint) ep = NULL;
  g_autoptr(MpServiceLock) lock = NULL;
  g_autoptr(MpServiceConfig) config = NULL;
  MpStore *store;

  if (none && (cli->starttls != NULL || cli->probe_timeout != -1))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                   "'%s endpoint none' takes no --starttls or --probe-timeout", name);
      return FALSE;
    }
  if (!none)
    {
      ep = endpoint_from_args (cli, args[0], error);
      if (ep == NULL)
        return FALSE;
    }
  store = mp_cli_get_store (cli, error);
  if (store == NULL)
    return FALSE;
  if (!cli->dry_run && (lock = mp_service_lock (store, error)) == NULL)
    return FALSE;
  config = mp_service_config_load (store, error);
  if (config == NULL || !mp_service_config_set_endpoint (config, name, ep, error))
    return FALSE;
  if (!cli->dry_run && !mp_service_config_save (config, error))
    return FALSE;
  if (ep == NULL)
    g_print ("%s%s endpoint: none\n", cli->dry_run ? "would set the " : "", name);
  else
    g_print ("%s%s endpoint: %s (starttls %s, probe timeout %u s)\n", cli->dry_run ? "would set the " : "",
             name, ep->address, mp_starttls_to_string (ep->starttls), ep->timeout);
  return TRUE;
}

static void
print_probe_json (const char *name, const MpProbe *p)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "service");
  json_builder_add_string_value (b, name);
  json_builder_set_member_name (b, "endpoint");
  json_builder_add_string_value (b, p->address);
  json_builder_set_member_name (b, "served-sha256");
  json_builder_add_string_value (b, p->served_sha256);
  json_builder_set_member_name (b, "served-certificates");
  json_builder_add_int_value (b, p->served->len);
  json_builder_set_member_name (b, "ok");
  json_builder_add_boolean_value (b, p->n_failures == 0);
  json_builder_set_member_name (b, "lines");
  json_builder_begin_array (b);
  for (guint i = 0; i < p->lines->len; i++)
    {
      const MpLine *l = g_ptr_array_index (p->lines, i);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "kind");
      json_builder_add_string_value (b, mp_line_kind_to_string (l->kind));
      json_builder_set_member_name (b, "text");
      json_builder_add_string_value (b, l->text);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  mp_cli_print_json (root);
}

gboolean
mp_cli_service_probe (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  const char *name = mp_plugin_get_name (cli->service);
  const MpPluginDescriptor *desc = mp_plugin_get_descriptor (cli->service);
  g_autoptr(MpServiceConfig) config = NULL;
  g_autoptr(MpNodeFacts) facts = NULL;
  g_autoptr(MpEndpoint) ep = NULL;
  g_autoptr(MpProbe) p = NULL;
  MpStore *store = mp_cli_get_store (cli, error);

  if (store == NULL || (config = mp_service_config_load (store, error)) == NULL ||
      (facts = mp_node_facts_load (store, error)) == NULL)
    return FALSE;
  ep = mp_service_config_get_endpoint (config, name);
  if (n_args == 1)
    {
      g_autoptr(MpEndpoint) typed = endpoint_from_args (cli, args[0], error);
      if (typed == NULL)
        return FALSE;
      /* a typed address keeps the configured preamble and timeout */
      if (ep != NULL)
        g_free (g_steal_pointer (&ep->address));
      else
        ep = g_steal_pointer (&typed);
      if (typed != NULL)
        ep->address = g_steal_pointer (&typed->address);
    }
  if (ep == NULL)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_NOT_FOUND,
                   "%s has no endpoint; run 'meetpki %s endpoint <host:port>' or name one", name, name);
      return FALSE;
    }
  p = mp_probe_service (desc, store, config, facts, ep, error);
  if (p == NULL)
    {
      g_prefix_error (error, "%s probe: ", name);
      return FALSE;
    }
  if (cli->json)
    print_probe_json (name, p);
  else
    {
      g_print ("%s: probed %s (starttls %s): served SHA-256 %s\n", name, p->address,
               mp_starttls_to_string (ep->starttls), p->served_sha256);
      for (guint i = 0; i < p->lines->len; i++)
        {
          const MpLine *l = g_ptr_array_index (p->lines, i);
          g_print ("%s: %s\n", mp_line_kind_to_string (l->kind), l->text);
        }
    }
  if (p->n_failures > 0)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_PROBE_FAILED, "%s probe: %u check%s failed at %s",
                   name, p->n_failures, p->n_failures == 1 ? "" : "s", p->address);
      return FALSE;
    }
  return TRUE;
}
