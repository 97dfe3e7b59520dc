/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * a plugin's descriptor as json, for `plugins list --json` and the daemon's
 * ListServices.
 */
#include "config.h"

#include <json-glib/json-glib.h>

#include "meetpki/mp-plugin.h"
#include "meetpki/mp-service-run.h"
#include "meetpki/mp-service.h"
#include "meetpki/mp-trust.h"

/**
 * mp_plugin_to_json:
 * @plugin: a loaded plugin
 *
 * Describes @plugin from its descriptor alone (no plugin code runs): the
 * object `meetpki plugins list --json` prints for each plugin and the D-Bus
 * method ListServices returns.
 *
 * Returns: (transfer full): a JSON object node
 */
JsonNode *
mp_plugin_to_json (MpPlugin *plugin)
{
  const MpPluginDescriptor *d = mp_plugin_get_descriptor (plugin);
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, d->name);
  json_builder_set_member_name (b, "summary");
  json_builder_add_string_value (b, d->summary);
  json_builder_set_member_name (b, "module");
  json_builder_add_string_value (b, mp_plugin_get_path (plugin));

  json_builder_set_member_name (b, "facts");
  json_builder_begin_array (b);
  for (guint bit = 0; bit < 32; bit++)
    {
      if (d->facts & (1u << bit))
        json_builder_add_string_value (b, mp_node_fact_to_string (1u << bit));
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "roles");
  json_builder_begin_array (b);
  for (guint32 i = 0; i < d->n_roles; i++)
    {
      const MpPluginRole *r = &d->roles[i];
      g_autofree char *usage = mp_key_usage_to_string (r->key_usage, r->ext_key_usage);
      g_auto(GStrv) usages = g_strsplit (usage, ",", -1);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, r->name);
      json_builder_set_member_name (b, "kind");
      json_builder_add_string_value (b, mp_role_kind_to_string (r->kind));
      json_builder_set_member_name (b, "optional");
      json_builder_add_boolean_value (b, (r->flags & MP_ROLE_FLAG_OPTIONAL) != 0);
      if (r->pairs_with != NULL)
        {
          json_builder_set_member_name (b, "pairs_with");
          json_builder_add_string_value (b, r->pairs_with);
        }
      if (r->issued_by != NULL)
        {
          json_builder_set_member_name (b, "issued_by");
          json_builder_add_string_value (b, r->issued_by);
        }
      json_builder_set_member_name (b, "usage");
      json_builder_begin_array (b);
      for (guint k = 0; usages[k] != NULL; k++)
        {
          if (*usages[k] != '\0')
            json_builder_add_string_value (b, usages[k]);
        }
      json_builder_end_array (b);
      json_builder_set_member_name (b, "summary");
      json_builder_add_string_value (b, r->summary);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "forms");
  json_builder_begin_array (b);
  for (guint32 i = 0; i < d->n_forms; i++)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, d->forms[i].name);
      json_builder_set_member_name (b, "usage");
      json_builder_add_string_value (b, d->forms[i].summary);
      json_builder_set_member_name (b, "roles");
      json_builder_begin_array (b);
      for (guint32 k = 0; k < d->forms[i].n_roles; k++)
        json_builder_add_string_value (b, d->forms[i].roles[k]);
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "san_rules");
  json_builder_begin_array (b);
  for (guint32 i = 0; i < d->n_san_rules; i++)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "rule");
      json_builder_add_string_value (b, mp_san_rule_kind_to_string (d->san_rules[i].kind));
      json_builder_set_member_name (b, "role");
      json_builder_add_string_value (b, d->san_rules[i].role);
      if (d->san_rules[i].value != NULL)
        {
          json_builder_set_member_name (b, "value");
          json_builder_add_string_value (b, d->san_rules[i].value);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "csrs");
  json_builder_begin_array (b);
  for (guint32 i = 0; i < d->n_csrs; i++)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "role");
      json_builder_add_string_value (b, d->csrs[i].role);
      json_builder_set_member_name (b, "suffix");
      json_builder_add_string_value (b, d->csrs[i].suffix);
      json_builder_set_member_name (b, "cn");
      json_builder_add_string_value (b, mp_cn_source_to_string (d->csrs[i].cn));
      if (d->csrs[i].cn_value != NULL)
        {
          json_builder_set_member_name (b, "cn_value");
          json_builder_add_string_value (b, d->csrs[i].cn_value);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "full_chain_required");
  json_builder_add_boolean_value (b, d->full_chain_required);
  json_builder_set_member_name (b, "sequence");
  json_builder_begin_array (b);
  for (guint32 i = 0; i < d->n_sequence; i++)
    json_builder_add_string_value (b, mp_plugin_step_kind_to_string (d->sequence[i]));
  json_builder_end_array (b);
  /* the steps `backend exec` takes commands for, as it names them */
  json_builder_set_member_name (b, "backend_steps");
  json_builder_begin_array (b);
  for (MpPluginStepKind s = MP_STEP_DISABLE; s <= MP_STEP_CLUSTER_INIT_JOIN_CONNECT; s++)
    {
      if (mp_plugin_has_step (d, s))
        json_builder_add_string_value (b, mp_step_config_key (s));
    }
  json_builder_end_array (b);
  /* `<service> <words> <file>`: what the cli matches the command with */
  json_builder_set_member_name (b, "trust_stores");
  json_builder_begin_array (b);
  for (guint32 i = 0; i < d->n_trust_stores; i++)
    {
      const MpPluginTrustStore *t = &d->trust_stores[i];
      g_autofree char *var = mp_trust_env_name (t->name);
      g_autofree char *live = mp_trust_live_name (t->name);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, t->name);
      json_builder_set_member_name (b, "kind");
      json_builder_add_string_value (b, mp_trust_kind_to_string (t->kind));
      json_builder_set_member_name (b, "words");
      json_builder_begin_array (b);
      for (guint32 k = 0; k < t->n_words; k++)
        json_builder_add_string_value (b, t->words[k]);
      json_builder_end_array (b);
      json_builder_set_member_name (b, "live");
      json_builder_add_string_value (b, live);
      json_builder_set_member_name (b, "env");
      json_builder_add_string_value (b, var);
      json_builder_set_member_name (b, "summary");
      json_builder_add_string_value (b, t->summary);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "checks_facts");
  json_builder_add_boolean_value (b, d->check_facts != NULL);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/**
 * mp_plugin_loader_to_json:
 * @loader: a loader whose plugins are loaded
 *
 * Returns: (transfer full): a JSON array node with mp_plugin_to_json() of
 *   every plugin, what `meetpki plugins list --json` prints
 */
JsonNode *
mp_plugin_loader_to_json (MpPluginLoader *loader)
{
  GPtrArray *plugins = mp_plugin_loader_get_plugins (loader);
  g_autoptr(JsonArray) array = json_array_new ();
  JsonNode *root = json_node_new (JSON_NODE_ARRAY);

  for (guint i = 0; i < plugins->len; i++)
    json_array_add_element (array, mp_plugin_to_json (g_ptr_array_index (plugins, i)));
  json_node_set_array (root, array);
  return root;
}
