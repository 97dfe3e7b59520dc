/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the json subset of mp-json-lite.h: a tree of reference-counted objects
 * and arrays whose members keep their order, as json-glib's do.  setters
 * take ownership of the object or array they are given; getters lend.
 */
#include "config.h"

#include "mp-json-lite.h"

struct _MpLiteJsonNode {
  gatomicrefcount ref;
  JsonNodeType type;
  JsonObject *object;
  JsonArray *array;
  /* a value: a string, an integer or a boolean */
  enum { VALUE_STRING, VALUE_INT, VALUE_BOOLEAN } value_type;
  char *string;
  gint64 number;
};

struct _MpLiteJsonObject {
  gatomicrefcount ref;
  GPtrArray *names; /* member names, in the order they were set */
  GPtrArray *nodes; /* JsonNode, index by index with names */
};

struct _MpLiteJsonArray {
  gatomicrefcount ref;
  GPtrArray *nodes;
};

static JsonObject *
object_ref (JsonObject *object)
{
  g_atomic_ref_count_inc (&object->ref);
  return object;
}

JsonNode *
json_node_alloc (void)
{
  JsonNode *node = g_new0 (JsonNode, 1);

  g_atomic_ref_count_init (&node->ref);
  node->type = JSON_NODE_NULL;
  return node;
}

JsonNode *
json_node_init_object (JsonNode *node, JsonObject *object)
{
  node->type = JSON_NODE_OBJECT;
  node->object = object_ref (object);
  return node;
}

void
json_node_unref (JsonNode *node)
{
  if (node == NULL || !g_atomic_ref_count_dec (&node->ref))
    return;
  if (node->object != NULL)
    json_object_unref (node->object);
  if (node->array != NULL)
    json_array_unref (node->array);
  g_free (node->string);
  g_free (node);
}

JsonNodeType
json_node_get_node_type (JsonNode *node)
{
  return node->type;
}

JsonObject *
json_node_get_object (JsonNode *node)
{
  return node->type == JSON_NODE_OBJECT ? node->object : NULL;
}

JsonArray *
json_node_get_array (JsonNode *node)
{
  return node->type == JSON_NODE_ARRAY ? node->array : NULL;
}

const char *
json_node_get_string (JsonNode *node)
{
  return node->type == JSON_NODE_VALUE && node->value_type == VALUE_STRING ? node->string : NULL;
}

gint64
json_node_get_int (JsonNode *node)
{
  if (node->type != JSON_NODE_VALUE || node->value_type == VALUE_STRING)
    return 0;
  return node->number;
}

static JsonNode *
node_new (JsonNodeType type)
{
  JsonNode *node = json_node_alloc ();

  node->type = type;
  return node;
}

JsonObject *
json_object_new (void)
{
  JsonObject *object = g_new0 (JsonObject, 1);

  g_atomic_ref_count_init (&object->ref);
  object->names = g_ptr_array_new_with_free_func (g_free);
  object->nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  return object;
}

void
json_object_unref (JsonObject *object)
{
  if (object == NULL || !g_atomic_ref_count_dec (&object->ref))
    return;
  g_ptr_array_unref (object->names);
  g_ptr_array_unref (object->nodes);
  g_free (object);
}

static gint
member_index (JsonObject *object, const char *member)
{
  for (guint i = 0; i < object->names->len; i++)
    {
      if (g_str_equal (g_ptr_array_index (object->names, i), member))
        return (gint) i;
    }
  return -1;
}

JsonNode *
json_object_get_member (JsonObject *object, const char *member)
{
  gint i = member_index (object, member);

  return i < 0 ? NULL : g_ptr_array_index (object->nodes, i);
}

gboolean
json_object_has_member (JsonObject *object, const char *member)
{
  return member_index (object, member) >= 0;
}

JsonArray *
json_object_get_array_member (JsonObject *object, const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  return node != NULL ? json_node_get_array (node) : NULL;
}

gboolean
json_object_get_boolean_member_with_default (JsonObject *object, const char *member, gboolean fallback)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || node->type != JSON_NODE_VALUE || node->value_type == VALUE_STRING)
    return fallback;
  return node->number != 0;
}

/* a member set again keeps its place, as in json-glib */
static void
set_member (JsonObject *object, const char *member, JsonNode *node)
{
  gint i = member_index (object, member);

  if (i >= 0)
    {
      json_node_unref (g_ptr_array_index (object->nodes, i));
      g_ptr_array_index (object->nodes, i) = node;
      return;
    }
  g_ptr_array_add (object->names, g_strdup (member));
  g_ptr_array_add (object->nodes, node);
}

static JsonNode *
string_node (const char *value)
{
  JsonNode *node;

  if (value == NULL)
    return node_new (JSON_NODE_NULL);
  node = node_new (JSON_NODE_VALUE);
  node->value_type = VALUE_STRING;
  node->string = g_strdup (value);
  return node;
}

void
json_object_set_string_member (JsonObject *object, const char *member, const char *value)
{
  set_member (object, member, string_node (value));
}

void
json_object_set_int_member (JsonObject *object, const char *member, gint64 value)
{
  JsonNode *node = node_new (JSON_NODE_VALUE);

  node->value_type = VALUE_INT;
  node->number = value;
  set_member (object, member, node);
}

void
json_object_set_boolean_member (JsonObject *object, const char *member, gboolean value)
{
  JsonNode *node = node_new (JSON_NODE_VALUE);

  node->value_type = VALUE_BOOLEAN;
  node->number = value ? 1 : 0;
  set_member (object, member, node);
}

void
json_object_set_null_member (JsonObject *object, const char *member)
{
  set_member (object, member, node_new (JSON_NODE_NULL));
}

void
json_object_set_array_member (JsonObject *object, const char *member, JsonArray *value)
{
  JsonNode *node = node_new (JSON_NODE_ARRAY);

  node->array = value;
  set_member (object, member, node);
}

void
json_object_set_object_member (JsonObject *object, const char *member, JsonObject *value)
{
  JsonNode *node = node_new (JSON_NODE_OBJECT);

  node->object = value;
  set_member (object, member, node);
}

JsonArray *
json_array_new (void)
{
  JsonArray *array = g_new0 (JsonArray, 1);

  g_atomic_ref_count_init (&array->ref);
  array->nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  return array;
}

void
json_array_unref (JsonArray *array)
{
  if (array == NULL || !g_atomic_ref_count_dec (&array->ref))
    return;
  g_ptr_array_unref (array->nodes);
  g_free (array);
}

guint
json_array_get_length (JsonArray *array)
{
  return array->nodes->len;
}

const char *
json_array_get_string_element (JsonArray *array, guint index)
{
  return json_node_get_string (g_ptr_array_index (array->nodes, index));
}

JsonObject *
json_array_get_object_element (JsonArray *array, guint index)
{
  return json_node_get_object (g_ptr_array_index (array->nodes, index));
}

void
json_array_add_string_element (JsonArray *array, const char *value)
{
  g_ptr_array_add (array->nodes, string_node (value));
}

void
json_array_add_object_element (JsonArray *array, JsonObject *value)
{
  JsonNode *node = node_new (JSON_NODE_OBJECT);

  node->object = value;
  g_ptr_array_add (array->nodes, node);
}
