/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the text of `pki inspect` and of `pki sign`, rendered from the engine's
 * results (the json of mp_inspect_file(), the notes of mp_pki_sign()).
 * the full cli and the quick one (meetpki-quick.c) both print with these,
 * so the two never differ.
 */
#include "config.h"

#include <stdarg.h>

#include "mp-cli-print.h"

#define LABEL_WIDTH 20

/* a string member, or @fallback when it is missing or null */
const char *
mp_cli_str_member (JsonObject *obj, const char *member, const char *fallback)
{
  JsonNode *node = obj != NULL ? json_object_get_member (obj, member) : NULL;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return fallback;
  return json_node_get_string (node);
}

static JsonObject *
obj_member (JsonObject *obj, const char *member)
{
  JsonNode *node = obj != NULL ? json_object_get_member (obj, member) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

JsonArray *
mp_cli_array_member (JsonObject *obj, const char *member)
{
  JsonNode *node = obj != NULL ? json_object_get_member (obj, member) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static void
print_field (const char *indent, const char *label, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static void
print_field (const char *indent, const char *label, const char *fmt, ...)
{
  g_autofree char *value = NULL;
  g_autofree char *with_colon = g_strconcat (label, ":", NULL);
  va_list ap;

  va_start (ap, fmt);
  value = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_print ("%s%-*s %s\n", indent, LABEL_WIDTH, with_colon, value);
}

/* "a, b, c" from an array of strings; NULL when the array is null */
static char *
join_strings (JsonArray *arr)
{
  g_autoptr(GString) s = NULL;

  if (arr == NULL)
    return NULL;
  s = g_string_new (NULL);
  for (guint i = 0; i < json_array_get_length (arr); i++)
    {
      if (i > 0)
        g_string_append (s, ", ");
      g_string_append (s, json_array_get_string_element (arr, i));
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
print_sans (const char *indent, JsonObject *obj)
{
  JsonArray *sans = mp_cli_array_member (obj, "sans");
  g_autoptr(GString) s = g_string_new (NULL);

  for (guint i = 0; sans != NULL && i < json_array_get_length (sans); i++)
    {
      JsonObject *san = json_array_get_object_element (sans, i);
      if (i > 0)
        g_string_append (s, ", ");
      g_string_append_printf (s, "%s:%s", mp_cli_str_member (san, "type", "?"), mp_cli_str_member (san, "value", ""));
    }
  print_field (indent, "SANs", "%s", s->len > 0 ? s->str : "(none)");
}

static void
print_public_key (const char *indent, JsonObject *pk)
{
  print_field (indent, "Public key", "%s", mp_cli_str_member (pk, "type", "unknown"));
  print_field (indent, "Public key SHA-256", "%s", mp_cli_str_member (pk, "pin_sha256", "-"));
}

static void
print_usages (const char *indent, JsonObject *obj)
{
  g_autofree char *ku = join_strings (mp_cli_array_member (obj, "key_usage"));
  g_autofree char *eku = join_strings (mp_cli_array_member (obj, "extended_key_usage"));
  JsonObject *bc = obj_member (obj, "basic_constraints");

  if (ku != NULL)
    print_field (indent, "Key usage", "%s%s", ku,
                 json_object_get_boolean_member_with_default (obj, "key_usage_critical", FALSE) ? " (critical)" : "");
  else
    print_field (indent, "Key usage", "(none)");
  print_field (indent, "Extended key usage", "%s", eku != NULL ? eku : "(none)");
  if (bc != NULL)
    {
      gboolean ca = json_object_get_boolean_member_with_default (bc, "ca", FALSE);
      JsonNode *pathlen = json_object_get_member (bc, "path_len");
      g_autofree char *pl = pathlen != NULL && !JSON_NODE_HOLDS_NULL (pathlen)
                              ? g_strdup_printf (", pathlen:%" G_GINT64_FORMAT, json_node_get_int (pathlen))
                              : g_strdup ("");

      print_field (indent, "Basic constraints", "CA:%s%s%s", ca ? "TRUE" : "FALSE", pl,
                   json_object_get_boolean_member_with_default (bc, "critical", FALSE) ? " (critical)" : "");
    }
  else
    print_field (indent, "Basic constraints", "(none)");
}

static void
print_warnings (const char *indent, JsonObject *obj)
{
  JsonArray *warnings = mp_cli_array_member (obj, "warnings");

  for (guint i = 0; warnings != NULL && i < json_array_get_length (warnings); i++)
    print_field (indent, "Warning", "%s", json_array_get_string_element (warnings, i));
}

static gboolean
int_member (JsonObject *obj, const char *member, gint64 *out)
{
  JsonNode *node = obj != NULL ? json_object_get_member (obj, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  *out = json_node_get_int (node);
  return TRUE;
}

/* "N days left" or "EXPIRED n days ago", from days_left/expired_days_ago;
 * NULL when the object has no expiry */
char *
mp_cli_days_text (JsonObject *obj)
{
  gint64 days = 0, ago = 0;

  if (int_member (obj, "expired_days_ago", &ago))
    {
      if (ago == 0)
        return g_strdup ("EXPIRED less than a day ago");
      return g_strdup_printf ("EXPIRED %" G_GINT64_FORMAT " day%s ago", ago, ago == 1 ? "" : "s");
    }
  if (!int_member (obj, "days_left", &days))
    return NULL;
  return g_strdup_printf ("%" G_GINT64_FORMAT " day%s left", days, days == 1 ? "" : "s");
}

static char *
validity_text (JsonObject *c)
{
  char *days;

  if (g_strcmp0 (mp_cli_str_member (c, "status", "valid"), "not yet valid") == 0)
    return g_strdup_printf ("NOT YET VALID (valid from %s)", mp_cli_str_member (c, "not_before", "?"));
  days = mp_cli_days_text (c);
  return days != NULL ? days : g_strdup ("unknown");
}

static void
print_certificate (const char *indent, JsonObject *c)
{
  g_autofree char *validity = validity_text (c);

  print_field (indent, "Subject", "%s", mp_cli_str_member (c, "subject", "(none)"));
  print_field (indent, "Issuer", "%s%s", mp_cli_str_member (c, "issuer", "(none)"),
               json_object_get_boolean_member_with_default (c, "self_signed", FALSE) ? " (self-signed)" : "");
  print_field (indent, "Serial", "%s", mp_cli_str_member (c, "serial", "?"));
  print_field (indent, "Not before", "%s", mp_cli_str_member (c, "not_before", "?"));
  print_field (indent, "Not after", "%s", mp_cli_str_member (c, "not_after", "?"));
  print_field (indent, "Validity", "%s", validity);
  print_sans (indent, c);
  print_public_key (indent, obj_member (c, "public_key"));
  print_usages (indent, c);
  print_field (indent, "Subject key ID", "%s", mp_cli_str_member (c, "subject_key_id", "(none)"));
  print_field (indent, "Authority key ID", "%s", mp_cli_str_member (c, "authority_key_id", "(none)"));
  print_field (indent, "Signature algorithm", "%s", mp_cli_str_member (c, "signature_algorithm", "?"));
  print_field (indent, "SHA-256 fingerprint", "%s", mp_cli_str_member (c, "fingerprint_sha256", "?"));
  print_warnings (indent, c);
}

static void
print_csr (JsonObject *c)
{
  print_field ("", "Subject", "%s", mp_cli_str_member (c, "subject", "(none)"));
  print_sans ("", c);
  print_public_key ("", obj_member (c, "public_key"));
  print_field ("", "Signature", "%s",
               json_object_get_boolean_member_with_default (c, "signature_valid", FALSE)
                 ? "valid (the request is signed by its own key)"
                 : "INVALID (the request's self-signature does not verify)");
  print_field ("", "Signature algorithm", "%s", mp_cli_str_member (c, "signature_algorithm", "?"));
  print_usages ("", c);
  print_warnings ("", c);
}

static void
print_key (JsonObject *k)
{
  JsonObject *pk = obj_member (k, "public_key");

  if (json_object_get_boolean_member_with_default (k, "encrypted", FALSE) || pk == NULL)
    {
      print_field ("", "Encrypted", "yes (decrypt it to see its public key)");
      return;
    }
  print_public_key ("", pk);
}

/* the text form of mp_inspect_file()'s description */
void
mp_cli_print_inspection (JsonObject *root)
{
  const char *kind = mp_cli_str_member (root, "kind", "unknown");

  print_field ("", "File", "%s", mp_cli_str_member (root, "file", "-"));
  if (g_strcmp0 (kind, "certificate") == 0)
    {
      print_field ("", "Kind", "certificate");
      print_certificate ("", json_array_get_object_element (mp_cli_array_member (root, "certificates"), 0));
    }
  else if (g_strcmp0 (kind, "certificates") == 0)
    {
      JsonArray *crts = mp_cli_array_member (root, "certificates");
      guint n = json_array_get_length (crts);

      print_field ("", "Kind", "%u certificates", n);
      for (guint i = 0; i < n; i++)
        {
          g_print ("\nCertificate %u of %u:\n", i + 1, n);
          print_certificate ("  ", json_array_get_object_element (crts, i));
        }
    }
  else if (g_strcmp0 (kind, "csr") == 0)
    {
      print_field ("", "Kind", "certificate request (CSR)");
      print_csr (obj_member (root, "csr"));
    }
  else if (g_strcmp0 (kind, "key") == 0)
    {
      print_field ("", "Kind", "private key (only its public half is shown)");
      print_key (obj_member (root, "key"));
    }
  else if (g_strcmp0 (kind, "pkcs12") == 0)
    print_field ("", "Kind", "PKCS#12 (password-protected; open it with 'meetpki pki pkcs12-to-pem')");
  else
    print_field ("", "Kind", "%s", kind);
}

void
mp_cli_print_note_lines (const char * const *notes)
{
  for (guint i = 0; notes != NULL && notes[i] != NULL; i++)
    g_print ("%s\n", notes[i]);
}

void
mp_cli_print_signed (const char *basename, const char *ca, const char * const *notes)
{
  mp_cli_print_note_lines (notes);
  g_print ("Signed %s.csr with CA %s: created certificate %s.crt\n", basename, ca, basename);
}
