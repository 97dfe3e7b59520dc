/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the json sink of a description (mp-describe.h): the tree that
 * mp_inspect_file() returns and `pki inspect --json` prints.
 */
#include "config.h"

#include "mp-describe.h"

void
mp_describe_string_or_null (MpDescribe *sink, const char *name, const char *value)
{
  if (value != NULL)
    mp_describe_string (sink, name, value);
  else
    mp_describe_null (sink, name);
}

static MpDescribeJson *
json_sink (MpDescribe *sink)
{
  return (MpDescribeJson *) sink;
}

/* a new container goes into the innermost open one, or becomes the root */
static void
json_push (MpDescribeJson *self, const char *name, JsonObject *object, JsonArray *array)
{
  g_assert (self->depth < MP_DESCRIBE_JSON_DEPTH);
  if (self->depth == 0)
    {
      g_assert (object != NULL && self->root == NULL);
      self->root = object;
    }
  else
    {
      JsonObject *parent = self->open[self->depth - 1].object;
      JsonArray *parent_array = self->open[self->depth - 1].array;

      if (parent != NULL && object != NULL)
        json_object_set_object_member (parent, name, object);
      else if (parent != NULL)
        json_object_set_array_member (parent, name, array);
      else if (object != NULL)
        json_array_add_object_element (parent_array, object);
      else
        g_assert_not_reached ();
    }
  self->open[self->depth].object = object;
  self->open[self->depth].array = array;
  self->depth++;
}

static void
json_object_begin (MpDescribe *sink, const char *name)
{
  json_push (json_sink (sink), name, json_object_new (), NULL);
}

static void
json_array_begin (MpDescribe *sink, const char *name)
{
  json_push (json_sink (sink), name, NULL, json_array_new ());
}

static void
json_end (MpDescribe *sink)
{
  MpDescribeJson *self = json_sink (sink);

  g_assert (self->depth > 0);
  self->depth--;
}

static JsonObject *
json_open_object (MpDescribeJson *self)
{
  g_assert (self->depth > 0 && self->open[self->depth - 1].object != NULL);
  return self->open[self->depth - 1].object;
}

static void
json_string (MpDescribe *sink, const char *name, const char *value)
{
  MpDescribeJson *self = json_sink (sink);

  if (name == NULL)
    {
      g_assert (self->depth > 0 && self->open[self->depth - 1].array != NULL);
      json_array_add_string_element (self->open[self->depth - 1].array, value);
      return;
    }
  json_object_set_string_member (json_open_object (self), name, value);
}

static void
json_integer (MpDescribe *sink, const char *name, gint64 value)
{
  json_object_set_int_member (json_open_object (json_sink (sink)), name, value);
}

static void
json_boolean (MpDescribe *sink, const char *name, gboolean value)
{
  json_object_set_boolean_member (json_open_object (json_sink (sink)), name, value);
}

static void
json_null (MpDescribe *sink, const char *name)
{
  json_object_set_null_member (json_open_object (json_sink (sink)), name);
}

static void
json_warning (MpDescribe *sink, const char *message)
{
  JsonObject *obj = json_open_object (json_sink (sink));

  if (!json_object_has_member (obj, "warnings"))
    json_object_set_array_member (obj, "warnings", json_array_new ());
  json_array_add_string_element (json_object_get_array_member (obj, "warnings"), message);
}

static const MpDescribeClass json_class = {
  .object_begin = json_object_begin,
  .object_end = json_end,
  .array_begin = json_array_begin,
  .array_end = json_end,
  .string = json_string,
  .integer = json_integer,
  .boolean = json_boolean,
  .null = json_null,
  .warning = json_warning,
};

void
mp_describe_json_init (MpDescribeJson *self)
{
  *self = (MpDescribeJson) { .parent = { .klass = &json_class } };
}

JsonNode *
mp_describe_json_steal (MpDescribeJson *self)
{
  g_autoptr(JsonObject) root = g_steal_pointer (&self->root);

  self->depth = 0;
  if (root == NULL)
    return NULL;
  /* the node takes its own reference */
  return json_node_init_object (json_node_alloc (), root);
}

void
mp_describe_json_clear (MpDescribeJson *self)
{
  g_clear_pointer (&self->root, json_object_unref);
  self->depth = 0;
}
