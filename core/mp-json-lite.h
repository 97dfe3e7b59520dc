/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the few json-glib calls that inspection and its text printer make, for
 * the quick `meetpki` (frontends/cli/meetpki-quick.c) only.  json-glib
 * brings libgio and libgobject, whose loading alone costs `pki inspect`
 * more than certtool needs for the whole command (doc/speed.md).  the
 * names map to mp_lite_json_*, so the code that describes and prints a
 * file is the same source in both builds; the full library and the full
 * cli use json-glib itself.  only what that code calls is here: ordered
 * objects, arrays, strings, integers, booleans and null.
 */
#pragma once

#ifndef MP_LITE
#error "mp-json-lite.h is for the quick cli's build (MP_LITE) only"
#endif

#include <glib.h>

G_BEGIN_DECLS

typedef struct _MpLiteJsonNode JsonNode;
typedef struct _MpLiteJsonObject JsonObject;
typedef struct _MpLiteJsonArray JsonArray;

typedef enum {
  JSON_NODE_OBJECT,
  JSON_NODE_ARRAY,
  JSON_NODE_VALUE,
  JSON_NODE_NULL,
} JsonNodeType;

#define json_node_alloc mp_lite_json_node_alloc
#define json_node_init_object mp_lite_json_node_init_object
#define json_node_unref mp_lite_json_node_unref
#define json_node_get_node_type mp_lite_json_node_get_node_type
#define json_node_get_object mp_lite_json_node_get_object
#define json_node_get_array mp_lite_json_node_get_array
#define json_node_get_string mp_lite_json_node_get_string
#define json_node_get_int mp_lite_json_node_get_int
#define json_object_new mp_lite_json_object_new
#define json_object_unref mp_lite_json_object_unref
#define json_object_has_member mp_lite_json_object_has_member
#define json_object_get_member mp_lite_json_object_get_member
#define json_object_get_array_member mp_lite_json_object_get_array_member
#define json_object_get_boolean_member_with_default mp_lite_json_object_get_boolean_member_with_default
#define json_object_set_string_member mp_lite_json_object_set_string_member
#define json_object_set_int_member mp_lite_json_object_set_int_member
#define json_object_set_boolean_member mp_lite_json_object_set_boolean_member
#define json_object_set_null_member mp_lite_json_object_set_null_member
#define json_object_set_array_member mp_lite_json_object_set_array_member
#define json_object_set_object_member mp_lite_json_object_set_object_member
#define json_array_new mp_lite_json_array_new
#define json_array_unref mp_lite_json_array_unref
#define json_array_get_length mp_lite_json_array_get_length
#define json_array_get_string_element mp_lite_json_array_get_string_element
#define json_array_get_object_element mp_lite_json_array_get_object_element
#define json_array_add_string_element mp_lite_json_array_add_string_element
#define json_array_add_object_element mp_lite_json_array_add_object_element

#define JSON_NODE_TYPE(node) (json_node_get_node_type (node))
#define JSON_NODE_HOLDS_OBJECT(node) (json_node_get_node_type (node) == JSON_NODE_OBJECT)
#define JSON_NODE_HOLDS_ARRAY(node) (json_node_get_node_type (node) == JSON_NODE_ARRAY)
#define JSON_NODE_HOLDS_VALUE(node) (json_node_get_node_type (node) == JSON_NODE_VALUE)
#define JSON_NODE_HOLDS_NULL(node) (json_node_get_node_type (node) == JSON_NODE_NULL)

JsonNode     *json_node_alloc          (void);
JsonNode     *json_node_init_object    (JsonNode   *node,
                                        JsonObject *object);
void          json_node_unref          (JsonNode   *node);
JsonNodeType  json_node_get_node_type  (JsonNode   *node);
JsonObject   *json_node_get_object     (JsonNode   *node);
JsonArray    *json_node_get_array      (JsonNode   *node);
const char   *json_node_get_string     (JsonNode   *node);
gint64        json_node_get_int        (JsonNode   *node);

JsonObject   *json_object_new          (void);
void          json_object_unref        (JsonObject *object);
gboolean      json_object_has_member   (JsonObject *object,
                                        const char *member);
JsonNode     *json_object_get_member   (JsonObject *object,
                                        const char *member);
JsonArray    *json_object_get_array_member (JsonObject *object,
                                            const char *member);
gboolean      json_object_get_boolean_member_with_default (JsonObject *object,
                                                           const char *member,
                                                           gboolean    fallback);
void          json_object_set_string_member  (JsonObject *object,
                                              const char *member,
                                              const char *value);
void          json_object_set_int_member     (JsonObject *object,
                                              const char *member,
                                              gint64      value);
void          json_object_set_boolean_member (JsonObject *object,
                                              const char *member,
                                              gboolean    value);
void          json_object_set_null_member    (JsonObject *object,
                                              const char *member);
void          json_object_set_array_member   (JsonObject *object,
                                              const char *member,
                                              JsonArray  *value);
void          json_object_set_object_member  (JsonObject *object,
                                              const char *member,
                                              JsonObject *value);

JsonArray    *json_array_new                (void);
void          json_array_unref              (JsonArray  *array);
guint         json_array_get_length         (JsonArray  *array);
const char   *json_array_get_string_element (JsonArray  *array,
                                             guint       index);
JsonObject   *json_array_get_object_element (JsonArray  *array,
                                             guint       index);
void          json_array_add_string_element (JsonArray  *array,
                                             const char *value);
void          json_array_add_object_element (JsonArray  *array,
                                             JsonObject *value);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JsonNode, json_node_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (JsonObject, json_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (JsonArray, json_array_unref)

G_END_DECLS
