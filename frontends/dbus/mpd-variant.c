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
#include "mp-describe.h"

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

/* ---- the reply of Inspect, straight from the description ---- */

/* what mp_inspect_describe() tells, built as the a{sv} that
 * mpd_json_to_variant() makes of mp_inspect_file()'s tree, by the same
 * rules, without the tree: no json nodes to make, walk and free on the
 * daemon's most frequent call (doc/dbus.md, Speed) */

#define VARIANT_SINK_DEPTH 8

typedef struct {
  const char *name;        /* its member name in the enclosing object */
  gboolean is_array;
  GPtrArray *items;        /* floating: {sv} entries, or the elements */
  gboolean all_strings;    /* arrays: as, aa{sv} or else av, as the json rules */
  gboolean all_objects;
  gint warnings_at;        /* objects: the place of "warnings", or -1 */
  GPtrArray *warnings;     /* its strings */
} VariantFrame;

typedef struct {
  MpDescribe parent;
  VariantFrame open[VARIANT_SINK_DEPTH];
  guint depth;
  GVariant *result;
} VariantSink;

static VariantSink *
variant_sink (MpDescribe *sink)
{
  return (VariantSink *) sink;
}

/* the key of member @name, made once per name and shared by every reply
 * (a GVariant never changes): a description has a fixed set of member
 * names, and a key of its own costs a member a third of its price */
static GVariant *
variant_key (const char *name)
{
  static GHashTable *keys;
  G_LOCK_DEFINE_STATIC (keys);
  GVariant *key;

  G_LOCK (keys);
  if (keys == NULL)
    keys = g_hash_table_new (g_str_hash, g_str_equal);
  key = g_hash_table_lookup (keys, name);
  if (key == NULL)
    {
      key = g_variant_ref_sink (g_variant_new_string (name));
      g_hash_table_insert (keys, g_strdup (name), key);
    }
  G_UNLOCK (keys);
  /* the table's reference keeps it; the dict entry takes its own */
  return key;
}

/* @value (floating) as member @name of the open object or the next element
 * of the open array */
static void
variant_add (VariantSink *self, const char *name, GVariant *value, gboolean is_string, gboolean is_object)
{
  VariantFrame *f;

  g_assert (self->depth > 0);
  f = &self->open[self->depth - 1];
  if (f->is_array)
    {
      f->all_strings = f->all_strings && is_string;
      f->all_objects = f->all_objects && is_object;
      g_ptr_array_add (f->items, value);
      return;
    }
  g_ptr_array_add (f->items, g_variant_new_dict_entry (variant_key (name), g_variant_new_variant (value)));
}

/* d-bus has no null: an object leaves the member out; an array holds no
 * element for it, but is no longer all strings or all objects */
static void
variant_null (MpDescribe *sink, const char *name)
{
  VariantSink *self = variant_sink (sink);
  VariantFrame *f;

  g_assert (self->depth > 0);
  f = &self->open[self->depth - 1];
  if (f->is_array)
    {
      f->all_strings = FALSE;
      f->all_objects = FALSE;
    }
}

static void
variant_push (MpDescribe *sink, const char *name, gboolean is_array)
{
  VariantSink *self = variant_sink (sink);
  VariantFrame *f;

  g_assert (self->depth < VARIANT_SINK_DEPTH);
  f = &self->open[self->depth++];
  f->name = name;
  f->is_array = is_array;
  if (f->items == NULL)
    f->items = g_ptr_array_new ();
  g_ptr_array_set_size (f->items, 0);
  f->all_strings = TRUE;
  f->all_objects = TRUE;
  f->warnings_at = -1;
  if (f->warnings != NULL)
    g_ptr_array_set_size (f->warnings, 0);
}

static void
variant_object_begin (MpDescribe *sink, const char *name)
{
  variant_push (sink, name, FALSE);
}

static void
variant_array_begin (MpDescribe *sink, const char *name)
{
  variant_push (sink, name, TRUE);
}

/* the closed container goes into its parent, or becomes the result */
static void
variant_pop (VariantSink *self, GVariant *value, gboolean is_object)
{
  const char *name = self->open[self->depth - 1].name;

  self->depth--;
  if (self->depth == 0)
    {
      g_assert (self->result == NULL);
      self->result = g_variant_ref_sink (value);
      return;
    }
  variant_add (self, name, value, FALSE, is_object);
}

static void
variant_object_end (MpDescribe *sink)
{
  VariantSink *self = variant_sink (sink);
  VariantFrame *f;

  g_assert (self->depth > 0 && !self->open[self->depth - 1].is_array);
  f = &self->open[self->depth - 1];
  if (f->warnings_at >= 0)
    {
      GVariant *list = g_variant_new_strv ((const char * const *) f->warnings->pdata, f->warnings->len);

      f->items->pdata[f->warnings_at] = g_variant_new_dict_entry (variant_key ("warnings"), g_variant_new_variant (list));
    }
  variant_pop (self, g_variant_new_array (G_VARIANT_TYPE ("{sv}"), (GVariant **) f->items->pdata, f->items->len),
               TRUE);
}

static void
variant_array_end (MpDescribe *sink)
{
  VariantSink *self = variant_sink (sink);
  VariantFrame *f;
  GVariant **items;
  const GVariantType *type;

  g_assert (self->depth > 0 && self->open[self->depth - 1].is_array);
  f = &self->open[self->depth - 1];
  items = (GVariant **) f->items->pdata;
  if (f->all_strings)
    type = G_VARIANT_TYPE_STRING;
  else if (f->all_objects && f->items->len > 0)
    type = G_VARIANT_TYPE_VARDICT;
  else
    {
      type = G_VARIANT_TYPE_VARIANT;
      for (guint i = 0; i < f->items->len; i++)
        items[i] = g_variant_new_variant (items[i]);
    }
  variant_pop (self, g_variant_new_array (type, items, f->items->len), FALSE);
}

static void
variant_string (MpDescribe *sink, const char *name, const char *value)
{
  /* as json-glib: a string member without a value is a null one */
  if (value == NULL)
    {
      variant_null (sink, name);
      return;
    }
  variant_add (variant_sink (sink), name, g_variant_new_string (value), TRUE, FALSE);
}

static void
variant_integer (MpDescribe *sink, const char *name, gint64 value)
{
  variant_add (variant_sink (sink), name, g_variant_new_int64 (value), FALSE, FALSE);
}

static void
variant_boolean (MpDescribe *sink, const char *name, gboolean value)
{
  variant_add (variant_sink (sink), name, g_variant_new_boolean (value), FALSE, FALSE);
}

static void
variant_warning (MpDescribe *sink, const char *message)
{
  VariantSink *self = variant_sink (sink);
  VariantFrame *f;

  g_assert (self->depth > 0 && !self->open[self->depth - 1].is_array);
  f = &self->open[self->depth - 1];
  if (f->warnings_at < 0)
    {
      /* its place among the members; filled when the object closes */
      f->warnings_at = (gint) f->items->len;
      g_ptr_array_add (f->items, NULL);
      if (f->warnings == NULL)
        f->warnings = g_ptr_array_new_with_free_func (g_free);
    }
  g_ptr_array_add (f->warnings, g_strdup (message));
}

static const MpDescribeClass variant_class = {
  .object_begin = variant_object_begin,
  .object_end = variant_object_end,
  .array_begin = variant_array_begin,
  .array_end = variant_array_end,
  .string = variant_string,
  .integer = variant_integer,
  .boolean = variant_boolean,
  .null = variant_null,
  .warning = variant_warning,
};

/* frees what a failed description left open */
static void
variant_sink_clear (VariantSink *self)
{
  for (guint d = 0; d < VARIANT_SINK_DEPTH; d++)
    {
      VariantFrame *f = &self->open[d];

      if (f->items != NULL && d < self->depth)
        {
          for (guint i = 0; i < f->items->len; i++)
            {
              if (f->items->pdata[i] != NULL)
                g_variant_unref (g_variant_ref_sink (f->items->pdata[i]));
            }
        }
      g_clear_pointer (&f->items, g_ptr_array_unref);
      g_clear_pointer (&f->warnings, g_ptr_array_unref);
    }
  self->depth = 0;
  g_clear_pointer (&self->result, g_variant_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (VariantSink, variant_sink_clear)

/**
 * mpd_inspect_variant:
 * @data: the file's bytes
 * @name: its name in the store
 * @is_public: (out): whether the file is a certificate or a request, which
 *   the daemon may remember
 * @error: return location for a #GError
 *
 * The reply of Inspect: mp_inspect_file()'s description as the `a{sv}`
 * mpd_json_to_variant() makes of it, the same value, built without the
 * json tree.
 *
 * Returns: (transfer full): the `a{sv}`, or %NULL with @error set
 */
GVariant *
mpd_inspect_variant (GBytes *data, const char *name, gboolean *is_public, GError **error)
{
  g_auto(VariantSink) sink = { .parent = { .klass = &variant_class } };

  if (!mp_inspect_describe (data, name, &sink.parent, is_public, error))
    return NULL;
  g_assert (sink.depth == 0 && sink.result != NULL);
  return g_steal_pointer (&sink.result);
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
