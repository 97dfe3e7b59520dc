/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * a checked bundle as json, for `bundle check --json` and the daemon.
 */
#include "config.h"

#include <json-glib/json-glib.h>

#include "meetpki/mp-bundle.h"

/**
 * mp_bundle_to_json:
 * @bundle: a checked bundle
 * @file: the name of the checked file
 * @kind: what it was judged to be: "full-chain" or "ca-bundle"
 *
 * The report of `meetpki bundle check --json` and of the daemon's
 * CheckBundle: `file`, `kind`, `errors`, `warnings`, the ordered `chain`
 * and every finding.  doc/bundle.md describes the members.
 *
 * Returns: (transfer full): a JSON object node
 */
JsonNode *
mp_bundle_to_json (MpBundle *bundle, const char *file, const char *kind)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  GPtrArray *chain = mp_bundle_get_chain (bundle);
  GPtrArray *findings = mp_bundle_get_findings (bundle);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "file");
  json_builder_add_string_value (b, file);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, kind);
  json_builder_set_member_name (b, "errors");
  json_builder_add_int_value (b, mp_bundle_count_findings (bundle, MP_FINDING_ERROR));
  json_builder_set_member_name (b, "warnings");
  json_builder_add_int_value (b, mp_bundle_count_findings (bundle, MP_FINDING_WARNING));
  json_builder_set_member_name (b, "chain");
  json_builder_begin_array (b);
  for (guint i = 0; i < chain->len; i++)
    {
      const MpBundleCert *c = g_ptr_array_index (chain, i);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "subject");
      json_builder_add_string_value (b, mp_bundle_cert_get_subject (c));
      json_builder_set_member_name (b, "issuer");
      json_builder_add_string_value (b, mp_bundle_cert_get_issuer (c));
      json_builder_set_member_name (b, "line");
      json_builder_add_int_value (b, mp_bundle_cert_get_line (c));
      json_builder_set_member_name (b, "not_before");
      json_builder_add_int_value (b, mp_bundle_cert_get_not_before (c));
      json_builder_set_member_name (b, "not_after");
      json_builder_add_int_value (b, mp_bundle_cert_get_not_after (c));
      json_builder_set_member_name (b, "ca");
      json_builder_add_boolean_value (b, mp_bundle_cert_is_ca (c));
      json_builder_set_member_name (b, "self_signed");
      json_builder_add_boolean_value (b, mp_bundle_cert_is_self_signed (c));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "findings");
  json_builder_begin_array (b);
  for (guint i = 0; i < findings->len; i++)
    {
      const MpFinding *f = g_ptr_array_index (findings, i);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "severity");
      json_builder_add_string_value (b, mp_finding_severity_to_string (f->severity));
      json_builder_set_member_name (b, "code");
      json_builder_add_string_value (b, f->code);
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, f->message);
      json_builder_set_member_name (b, "file");
      if (f->source != NULL)
        json_builder_add_string_value (b, f->source);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "line");
      json_builder_add_int_value (b, f->line);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
