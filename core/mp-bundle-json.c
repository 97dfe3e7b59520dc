/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * a checked bundle as json, for `bundle check --json` and the daemon.
 */
#include "config.h"

#include <json-glib/json-glib.h>

#include "meetpki/mp-bundle.h"
#include "meetpki/mp-error.h"
#include "meetpki/mp-store.h"
#include "mp-bundle-private.h"

/* the sha-256 of the certificate's der, "AB:CD:...", as openssl's
 * `x509 -fingerprint -sha256` and `pki inspect --json` print it */
static char *
fingerprint_sha256 (const MpBundleCert *c)
{
  g_autofree char *hex = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, c->der);
  GString *s = g_string_sized_new (96);

  for (gsize i = 0; hex[i] != '\0' && hex[i + 1] != '\0'; i += 2)
    {
      if (i > 0)
        g_string_append_c (s, ':');
      g_string_append_c (s, g_ascii_toupper (hex[i]));
      g_string_append_c (s, g_ascii_toupper (hex[i + 1]));
    }
  return g_string_free (s, FALSE);
}

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

/**
 * mp_finding_to_string:
 * @finding: a finding
 *
 * Returns: (transfer full): the line the CLI prints for @finding,
 *   "file:line: severity: message [code]"
 */
char *
mp_finding_to_string (const MpFinding *finding)
{
  g_autofree char *where = NULL;

  if (finding->source != NULL && finding->line > 0)
    where = g_strdup_printf ("%s:%u: ", finding->source, finding->line);
  else if (finding->source != NULL)
    where = g_strdup_printf ("%s: ", finding->source);
  return g_strdup_printf ("%s%s: %s [%s]", where != NULL ? where : "",
                          mp_finding_severity_to_string (finding->severity), finding->message, finding->code);
}

/**
 * mp_bundle_verify_to_json:
 * @bundle: the certificate and its candidate CAs
 * @entity: the certificate to verify, one of @bundle's
 * @system_trust: trust the system's CAs too (then no root is required)
 *
 * Builds the chain of @entity whatever the order of @bundle, then verifies
 * it: the result of `meetpki pki verify` and of the daemon's Verify.
 * `chain` lists the chain built, entity first (`subject`, `issuer`,
 * `not_before`, `not_after` as the CLI prints them, `self_signed`,
 * `fingerprint_sha256` as `pki inspect --json` gives it);
 * `notes` the findings worth telling, one line each; `error` is null when
 * the chain verifies, else the error's name (as mp_error_to_string() gives
 * it) and message.
 *
 * Returns: (transfer full): a JSON object node
 */
JsonNode *
mp_bundle_verify_to_json (MpBundle *bundle, const MpBundleCert *entity, gboolean system_trust)
{
  /* the findings a user of verify wants to hear besides the verdict */
  static const char *const shown[] = {
    "wrong-order", "self-signed-not-last", "intermediate-expires-first", "private-key", NULL,
  };
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(GError) error = NULL;
  GPtrArray *chain, *findings;
  gboolean verified;
  JsonNode *root;

  mp_bundle_build_chain (bundle, entity, system_trust ? MP_CHAIN_NONE : MP_CHAIN_ROOT_REQUIRED);
  mp_bundle_check_order (bundle);
  chain = mp_bundle_get_chain (bundle);
  findings = mp_bundle_get_findings (bundle);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "chain");
  json_builder_begin_array (b);
  for (guint i = 0; i < chain->len; i++)
    {
      const MpBundleCert *c = g_ptr_array_index (chain, i);
      g_autofree char *from = mp_bundle_format_time (mp_bundle_cert_get_not_before (c));
      g_autofree char *until = mp_bundle_format_time (mp_bundle_cert_get_not_after (c));
      g_autofree char *fpr = fingerprint_sha256 (c);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "subject");
      json_builder_add_string_value (b, mp_bundle_cert_get_subject (c));
      json_builder_set_member_name (b, "issuer");
      json_builder_add_string_value (b, mp_bundle_cert_get_issuer (c));
      json_builder_set_member_name (b, "not_before");
      json_builder_add_string_value (b, from);
      json_builder_set_member_name (b, "not_after");
      json_builder_add_string_value (b, until);
      json_builder_set_member_name (b, "self_signed");
      json_builder_add_boolean_value (b, mp_bundle_cert_is_self_signed (c));
      json_builder_set_member_name (b, "fingerprint_sha256");
      json_builder_add_string_value (b, fpr);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "notes");
  json_builder_begin_array (b);
  for (guint i = 0; i < findings->len; i++)
    {
      const MpFinding *f = g_ptr_array_index (findings, i);
      if (g_strv_contains (shown, f->code))
        {
          g_autofree char *line = mp_finding_to_string (f);
          json_builder_add_string_value (b, line);
        }
    }
  json_builder_end_array (b);
  /* judged last, as the cli shows chain and notes before the verdict */
  verified = mp_bundle_verify_chain (bundle, system_trust, &error);
  json_builder_set_member_name (b, "error");
  json_builder_add_null_value (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  if (!verified)
    mp_bundle_report_set_error (root, error);
  return root;
}

/**
 * mp_bundle_report_set_error:
 * @report: a result of mp_bundle_verify_to_json() or mp_bundle_build_to_json()
 * @error: why the command failed
 *
 * Sets the report's `error` member: the error's name (as
 * mp_error_to_string() gives it; "Failed" outside %MP_ERROR) and message.
 */
void
mp_bundle_report_set_error (JsonNode *report, const GError *error)
{
  JsonObject *e = json_object_new ();

  json_object_set_string_member (e, "name", error->domain == MP_ERROR ? mp_error_to_string ((MpError) error->code)
                                                                      : mp_error_to_string (MP_ERROR_FAILED));
  json_object_set_string_member (e, "message", error->message);
  json_object_set_object_member (json_node_get_object (report), "error", e);
}

/**
 * mp_bundle_report_get_error:
 * @report: a report with an `error` member
 * @error: return location for a #GError
 *
 * Returns: %FALSE with the report's error when it has one, %TRUE when
 *   its `error` is null
 */
gboolean
mp_bundle_report_get_error (JsonNode *report, GError **error)
{
  JsonNode *member = json_object_get_member (json_node_get_object (report), "error");
  JsonObject *e;
  const char *name;
  MpError code = MP_ERROR_FAILED;

  if (member == NULL || !JSON_NODE_HOLDS_OBJECT (member))
    return TRUE;
  e = json_node_get_object (member);
  name = json_object_get_string_member_with_default (e, "name", "Failed");
  for (guint c = 0; c < MP_ERROR_LAST; c++)
    {
      if (g_str_equal (mp_error_to_string ((MpError) c), name))
        code = (MpError) c;
    }
  g_set_error_literal (error, MP_ERROR, code, json_object_get_string_member_with_default (e, "message", "failed"));
  return FALSE;
}

/**
 * mp_bundle_build_to_json:
 * @bundle: the entity certificate and the pool, read
 * @entity: the certificate whose chain to build, one of @bundle's
 * @flags: what to leave out of the chain written
 *
 * Builds the chain of @entity (a root is required unless @flags leave it
 * out): the result of `meetpki bundle build` and of the daemon's
 * BuildBundleJson.  `findings` lists every finding about the inputs and
 * the chain, one line each; `pem` is the chain in canonical form and
 * `count` the certificates in it, or null and 0 when it could not be
 * built; `error` is null, or why (mp_bundle_report_set_error()).
 *
 * Returns: (transfer full): a JSON object node
 */
JsonNode *
mp_bundle_build_to_json (MpBundle *bundle, const MpBundleCert *entity, MpPemFlags flags)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) pem = NULL;
  GPtrArray *findings;
  guint errors, count = 0;
  JsonNode *root;

  /* oddities of the inputs do not matter: the output is canonical */
  errors = mp_bundle_count_findings (bundle, MP_FINDING_ERROR);
  mp_bundle_build_chain (bundle, entity, (flags & MP_PEM_NO_ROOT) ? MP_CHAIN_NONE : MP_CHAIN_ROOT_REQUIRED);
  if (mp_bundle_count_findings (bundle, MP_FINDING_ERROR) > errors)
    g_set_error (&error, MP_ERROR, MP_ERROR_VERIFY_FAILED, "cannot build the chain of '%s': %u error(s) listed above",
                 mp_bundle_cert_get_subject (entity), mp_bundle_count_findings (bundle, MP_FINDING_ERROR) - errors);
  else
    pem = mp_bundle_chain_to_pem (bundle, flags, &error);
  if (pem != NULL)
    {
      const char *p = g_bytes_get_data (pem, NULL);
      const char *end = p + g_bytes_get_size (pem);

      while ((p = g_strstr_len (p, end - p, "-----BEGIN CERTIFICATE-----")) != NULL)
        {
          count++;
          p++;
        }
    }

  findings = mp_bundle_get_findings (bundle);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "findings");
  json_builder_begin_array (b);
  for (guint i = 0; i < findings->len; i++)
    {
      g_autofree char *line = mp_finding_to_string (g_ptr_array_index (findings, i));
      json_builder_add_string_value (b, line);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "count");
  json_builder_add_int_value (b, count);
  json_builder_set_member_name (b, "pem");
  if (pem != NULL)
    {
      g_autofree char *text = g_strndup (g_bytes_get_data (pem, NULL), g_bytes_get_size (pem));
      json_builder_add_string_value (b, text);
    }
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "error");
  json_builder_add_null_value (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  if (error != NULL)
    mp_bundle_report_set_error (root, error);
  return root;
}

/* findings that mean fixing would lose something or leave a broken chain */
static const MpFinding *
blocking_finding (MpBundle *bundle)
{
  static const char *const blocking[] = {
    "private-key", "not-a-certificate", "bad-base64", "bad-certificate", "unterminated-block",
    "no-certificate", "missing-issuer", "root-missing", "bad-signature",
  };

  for (guint i = 0; i < G_N_ELEMENTS (blocking); i++)
    {
      const MpFinding *f = mp_bundle_find_finding (bundle, blocking[i]);
      if (f != NULL)
        return f;
    }
  return NULL;
}

/* does the work of mp_bundle_fix_to_json(); @findings gets the bundle's
 * findings as soon as it is read */
static const char *
fix_bundle (MpStore *store, const char *name, const char *output, MpWriteFlags flags, JsonArray *findings,
            char **backup, GError **error)
{
  g_autoptr(MpBundle) bundle = mp_bundle_new ();
  g_autoptr(GBytes) original = NULL;
  g_autoptr(GBytes) fixed = NULL;
  g_autoptr(MpStoreTxn) txn = NULL;
  g_autofree char *path = NULL;
  const MpFinding *blocking;
  GPtrArray *all;

  /* fix writes, so the file must be in the store */
  path = mp_store_resolve_existing (store, name, error);
  if (path == NULL)
    return NULL;
  original = mp_file_read (path, error);
  if (original == NULL)
    return NULL;
  mp_bundle_add_data (bundle, original, name);
  mp_bundle_check (bundle, MP_BUNDLE_KIND_AUTO);
  all = mp_bundle_get_findings (bundle);
  for (guint i = 0; i < all->len; i++)
    {
      g_autofree char *line = mp_finding_to_string (g_ptr_array_index (all, i));
      json_array_add_string_element (findings, line);
    }

  blocking = blocking_finding (bundle);
  if (blocking != NULL)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA, "refusing to fix %s, nothing changed: %s [%s]",
                   name, blocking->message, blocking->code);
      return NULL;
    }
  fixed = mp_bundle_chain_to_pem (bundle, MP_PEM_ALL, error);
  if (fixed == NULL)
    return NULL;
  if (output != NULL)
    return mp_store_write (store, output, fixed, flags & MP_WRITE_REPLACE, error) ? "written" : NULL;
  if (g_bytes_equal (original, fixed))
    return "unchanged";
  *backup = g_strconcat (name, ".bak", NULL);
  txn = mp_store_txn_new (store);
  if (!mp_store_txn_add (txn, *backup, original, MP_WRITE_REPLACE, error) ||
      !mp_store_txn_add (txn, name, fixed, MP_WRITE_REPLACE, error) ||
      !mp_store_txn_commit (txn, error))
    return NULL;
  return "fixed";
}

/**
 * mp_bundle_fix_to_json:
 * @store: the store
 * @name: the bundle to fix, a file of the store (never a path)
 * @output: (nullable): a store name to write the canonical form to,
 *   leaving @name as it is; %NULL to rewrite @name, keeping `@name.bak`
 * @flags: %MP_WRITE_REPLACE to replace an existing @output
 *
 * Rewrites a bundle in canonical order and format: the result of
 * `meetpki bundle fix` and of the daemon's FixBundleJson.  A finding that
 * means fixing would lose something or leave a broken chain refuses the
 * fix, nothing changed.  `findings` lists the bundle's findings, one line
 * each; `result` is "fixed" (rewritten, the old file `backup`), "unchanged"
 * (already canonical) or "written" (to @output), or null on error;
 * `error` is null, or why (mp_bundle_report_set_error()).
 *
 * Returns: (transfer full): a JSON object node
 */
JsonNode *
mp_bundle_fix_to_json (MpStore *store, const char *name, const char *output, MpWriteFlags flags)
{
  g_autoptr(JsonArray) findings = json_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *backup = NULL;
  const char *result = fix_bundle (store, name, output, flags, findings, &backup, &error);
  JsonObject *o = json_object_new ();
  JsonNode *root = json_node_init_object (json_node_alloc (), o);

  json_object_set_string_member (o, "file", name);
  json_object_set_array_member (o, "findings", json_array_ref (findings));
  if (result != NULL)
    json_object_set_string_member (o, "result", result);
  else
    json_object_set_null_member (o, "result");
  if (output != NULL && result != NULL)
    json_object_set_string_member (o, "output", output);
  else
    json_object_set_null_member (o, "output");
  if (result != NULL && backup != NULL)
    json_object_set_string_member (o, "backup", backup);
  else
    json_object_set_null_member (o, "backup");
  json_object_set_null_member (o, "error");
  if (error != NULL)
    mp_bundle_report_set_error (root, error);
  json_object_unref (o);
  return root;
}
