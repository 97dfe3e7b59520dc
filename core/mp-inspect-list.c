/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `pki list`: every file of the store, summarised from its inspection.
 */
#include "config.h"

#include "meetpki/mp-inspect.h"
#include "meetpki/mp-node.h"
#include "meetpki/mp-service.h"
#include "meetpki/mp-store.h"

/* one line of `pki list` from a file's full description */
static JsonObject *
summarise (const char *name, JsonObject *desc)
{
  JsonObject *row = json_object_new ();
  const char *kind = json_object_get_string_member (desc, "kind");
  const char *cn = NULL;
  const char *key_type = NULL;
  const char *not_after = NULL;
  JsonNode *expired_ago = NULL;
  gboolean have_days = FALSE;
  gint64 days = 0;
  guint count = 0;

  if (g_strcmp0 (kind, "certificate") == 0 || g_strcmp0 (kind, "certificates") == 0)
    {
      JsonArray *crts = json_object_get_array_member (desc, "certificates");
      count = json_array_get_length (crts);
      for (guint i = 0; i < count; i++)
        {
          JsonObject *c = json_array_get_object_element (crts, i);
          if (i == 0)
            {
              cn = json_object_get_string_member_with_default (c, "common_name", NULL);
              key_type = json_object_get_string_member (json_object_get_object_member (c, "public_key"), "type");
            }
          /* a bundle is as good as its first certificate to expire */
          if (!json_object_get_null_member (c, "days_left") &&
              (!have_days || json_object_get_int_member (c, "days_left") < days))
            {
              have_days = TRUE;
              days = json_object_get_int_member (c, "days_left");
              not_after = json_object_get_string_member_with_default (c, "not_after", NULL);
              expired_ago = json_object_get_member (c, "expired_days_ago");
            }
        }
    }
  else if (g_strcmp0 (kind, "csr") == 0)
    {
      JsonObject *c = json_object_get_object_member (desc, "csr");
      cn = json_object_get_string_member_with_default (c, "common_name", NULL);
      key_type = json_object_get_string_member (json_object_get_object_member (c, "public_key"), "type");
    }
  else if (g_strcmp0 (kind, "key") == 0)
    {
      JsonObject *k = json_object_get_object_member (desc, "key");
      JsonObject *pk = json_object_get_null_member (k, "public_key") ? NULL
                                                                     : json_object_get_object_member (k, "public_key");
      key_type = pk != NULL ? json_object_get_string_member (pk, "type") : "encrypted";
    }

  json_object_set_string_member (row, "name", name);
  json_object_set_string_member (row, "kind", kind);
  if (cn != NULL)
    json_object_set_string_member (row, "common_name", cn);
  else
    json_object_set_null_member (row, "common_name");
  if (have_days)
    json_object_set_int_member (row, "days_left", days);
  else
    json_object_set_null_member (row, "days_left");
  if (expired_ago != NULL)
    json_object_set_member (row, "expired_days_ago", json_node_copy (expired_ago));
  else
    json_object_set_null_member (row, "expired_days_ago");
  if (not_after != NULL)
    json_object_set_string_member (row, "not_after", not_after);
  else
    json_object_set_null_member (row, "not_after");
  if (key_type != NULL)
    json_object_set_string_member (row, "key_type", key_type);
  else
    json_object_set_null_member (row, "key_type");
  json_object_set_int_member (row, "count", count);
  return row;
}

JsonNode *
mp_inspect_store (MpStore *store, GError **error)
{
  g_autoptr(GPtrArray) names = NULL;
  g_autoptr(JsonObject) root = json_object_new ();
  JsonArray *files;

  g_return_val_if_fail (store != NULL, NULL);

  names = mp_store_list_names (store, error);
  if (names == NULL)
    return NULL;
  json_object_set_string_member (root, "store", mp_store_get_path (store));
  files = json_array_new ();
  json_object_set_array_member (root, "files", files);
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autoptr(GError) local = NULL;
      g_autoptr(GBytes) data = NULL;
      g_autoptr(JsonNode) desc = NULL;

      /* meetpki's own state, not a file of the user's */
      if (g_str_equal (name, MP_NODE_FACTS_FILE) || g_str_equal (name, MP_SERVICES_FILE))
        continue;
      data = mp_store_read (store, name, &local);
      if (data != NULL)
        desc = mp_inspect_file (data, name, &local);
      if (desc == NULL)
        {
          /* a file we cannot read or parse is listed, not fatal */
          JsonObject *row = json_object_new ();
          json_object_set_string_member (row, "name", name);
          json_object_set_string_member (row, "kind", "unknown");
          json_object_set_null_member (row, "common_name");
          json_object_set_null_member (row, "days_left");
          json_object_set_null_member (row, "expired_days_ago");
          json_object_set_null_member (row, "not_after");
          json_object_set_null_member (row, "key_type");
          json_object_set_int_member (row, "count", 0);
          json_object_set_string_member (row, "error", local->message);
          json_array_add_object_element (files, row);
          continue;
        }
      json_array_add_object_element (files, summarise (name, json_node_get_object (desc)));
    }
  return json_node_init_object (json_node_alloc (), root);
}
