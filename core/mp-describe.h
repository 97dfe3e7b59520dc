/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * a description (what mp_inspect_file says about a file) told member by
 * member to a sink, which builds whatever form its frontend hands out: the
 * json tree of the cli and the library (mp-describe.c), the daemon's a{sv}
 * (frontends/dbus/mpd-variant.c).  mp-inspect.c is the one source of what a
 * description holds; the sinks only decide its form.
 */
#pragma once

#include <glib.h>
#ifdef MP_LITE
#include "mp-json-lite.h"
#else
#include <json-glib/json-glib.h>
#endif

G_BEGIN_DECLS

typedef struct _MpDescribe MpDescribe;

/* @name is the member's name in the enclosing object, NULL for an element
 * of the enclosing array; names are static strings */
typedef struct {
  void (*object_begin) (MpDescribe *sink, const char *name);
  void (*object_end)   (MpDescribe *sink);
  void (*array_begin)  (MpDescribe *sink, const char *name);
  void (*array_end)    (MpDescribe *sink);
  void (*string)       (MpDescribe *sink, const char *name, const char *value);
  void (*integer)      (MpDescribe *sink, const char *name, gint64 value);
  void (*boolean)      (MpDescribe *sink, const char *name, gboolean value);
  void (*null)         (MpDescribe *sink, const char *name);
  /* appends to the "warnings" array of the open object, which takes its
   * place among the members at the first warning */
  void (*warning)      (MpDescribe *sink, const char *message);
} MpDescribeClass;

struct _MpDescribe {
  const MpDescribeClass *klass;
};

#define mp_describe_object_begin(s, n) ((s)->klass->object_begin ((s), (n)))
#define mp_describe_object_end(s) ((s)->klass->object_end ((s)))
#define mp_describe_array_begin(s, n) ((s)->klass->array_begin ((s), (n)))
#define mp_describe_array_end(s) ((s)->klass->array_end ((s)))
#define mp_describe_string(s, n, v) ((s)->klass->string ((s), (n), (v)))
#define mp_describe_integer(s, n, v) ((s)->klass->integer ((s), (n), (v)))
#define mp_describe_boolean(s, n, v) ((s)->klass->boolean ((s), (n), (v)))
#define mp_describe_null(s, n) ((s)->klass->null ((s), (n)))
#define mp_describe_warning(s, m) ((s)->klass->warning ((s), (m)))

/* the string, or null when @value is NULL */
void mp_describe_string_or_null (MpDescribe *sink, const char *name, const char *value);

/* the json sink: the tree mp_inspect_file() returns */
#define MP_DESCRIBE_JSON_DEPTH 8

typedef struct {
  MpDescribe parent;
  JsonObject *root;
  /* the open containers, innermost last; each is owned by its parent */
  struct {
    JsonObject *object;
    JsonArray *array;
  } open[MP_DESCRIBE_JSON_DEPTH];
  guint depth;
} MpDescribeJson;

void      mp_describe_json_init  (MpDescribeJson *self);
/* the finished tree (transfer full), or NULL when none was described */
JsonNode *mp_describe_json_steal (MpDescribeJson *self);
void      mp_describe_json_clear (MpDescribeJson *self);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (MpDescribeJson, mp_describe_json_clear)

/* describes @data (see mp_inspect_file) to @sink; on failure the sink holds
 * a part of the description, which its owner throws away */
gboolean  mp_inspect_describe    (GBytes     *data,
                                  const char *display_name,
                                  MpDescribe *sink,
                                  gboolean   *is_public,
                                  GError    **error);

G_END_DECLS
