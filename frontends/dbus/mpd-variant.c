/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the engine describes things as json (the cli's --json); the daemon hands
 * the same trees over the bus as gvariants.  d-bus has no null, so null
 * members are left out; arrays get the tightest type that fits (as, aa{sv},
 * else av), which python and gdbus both unpack naturally.
 */
#include "config.h"

#include "mpd.h"

static GVariant *
object_to_variant (JsonObject *obj)
{
  GVariantBuilder b;
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  json_object_iter_init_ordered (&iter, obj);
  while (json_object_iter_next_ordered (&iter, &name, &member))
    {
      if (JSON_NODE_HOLDS_NULL (member))
        continue;
      /* values, not a format string: this runs for every member of every
       * reply, and parsing "{sv}" each time costs more than the member */
      g_variant_builder_add_value (&b, g_variant_new_dict_entry (g_variant_new_string (name),
                                                                 g_variant_new_variant (mpd_json_to_variant (member))));
    }
  return g_variant_builder_end (&b);
}

static GVariant *
array_to_variant (JsonArray *arr)
{
  guint n = json_array_get_length (arr);
  gboolean all_strings = TRUE, all_objects = n > 0;
  GVariantBuilder b;

  for (guint i = 0; i < n; i++)
    {
      JsonNode *e = json_array_get_element (arr, i);
      if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_STRING)
        all_strings = FALSE;
      if (!JSON_NODE_HOLDS_OBJECT (e))
        all_objects = FALSE;
    }
  if (all_strings)
    {
      g_variant_builder_init (&b, G_VARIANT_TYPE_STRING_ARRAY);
      for (guint i = 0; i < n; i++)
        g_variant_builder_add_value (&b, g_variant_new_string (json_array_get_string_element (arr, i)));
    }
  else if (all_objects)
    {
      g_variant_builder_init (&b, G_VARIANT_TYPE ("aa{sv}"));
      for (guint i = 0; i < n; i++)
        g_variant_builder_add_value (&b, object_to_variant (json_array_get_object_element (arr, i)));
    }
  else
    {
      g_variant_builder_init (&b, G_VARIANT_TYPE ("av"));
      for (guint i = 0; i < n; i++)
        {
          JsonNode *e = json_array_get_element (arr, i);
          if (!JSON_NODE_HOLDS_NULL (e))
            g_variant_builder_add_value (&b, g_variant_new_variant (mpd_json_to_variant (e)));
        }
    }
  return g_variant_builder_end (&b);
}

/**
 * mpd_json_to_variant:
 * @node: a json node
 *
 * Objects become `a{sv}`, strings `s`, integers `x`, numbers `d`, booleans
 * `b`.  A null node on its own becomes an empty `a{sv}`.
 *
 * Returns: (transfer floating): the value
 */
GVariant *
mpd_json_to_variant (JsonNode *node)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      return object_to_variant (json_node_get_object (node));
    case JSON_NODE_ARRAY:
      return array_to_variant (json_node_get_array (node));
    case JSON_NODE_VALUE:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_BOOLEAN:
          return g_variant_new_boolean (json_node_get_boolean (node));
        case G_TYPE_INT64:
          return g_variant_new_int64 (json_node_get_int (node));
        case G_TYPE_DOUBLE:
          return g_variant_new_double (json_node_get_double (node));
        default:
          return g_variant_new_string (json_node_get_string (node));
        }
    case JSON_NODE_NULL:
    default:
      return g_variant_new ("a{sv}", NULL);
    }
}

/* ---- options (a{sv}) ---- */

/* refuses unknown keys and wrong types, as the cli refuses unknown options */
gboolean
mpd_options_check (GVariant *options, const char * const *allowed, const char * const *types, GError **error)
{
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_variant_iter_init (&iter, options);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
    {
      gboolean known = FALSE;
      for (guint i = 0; allowed[i] != NULL; i++)
        {
          if (!g_str_equal (allowed[i], key))
            continue;
          known = TRUE;
          if (!g_variant_is_of_type (value, G_VARIANT_TYPE (types[i])))
            {
              g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                           "option '%s' must be of type '%s', not '%s'",
                           key, types[i], g_variant_get_type_string (value));
              g_variant_unref (value);
              return FALSE;
            }
        }
      if (!known)
        {
          g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "unknown option '%s'", key);
          g_variant_unref (value);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
mpd_option_bool (GVariant *options, const char *key)
{
  gboolean value = FALSE;

  g_variant_lookup (options, key, "b", &value);
  return value;
}

guint
mpd_option_uint (GVariant *options, const char *key, guint fallback)
{
  guint32 value;

  return g_variant_lookup (options, key, "u", &value) ? value : fallback;
}

const char *
mpd_option_string (GVariant *options, const char *key, const char *fallback)
{
  const char *value;

  return g_variant_lookup (options, key, "&s", &value) ? value : fallback;
}
