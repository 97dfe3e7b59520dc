/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the vendor's subject grammar and the typing of subjectAltName entries
 */
#include "config.h"

#include <json-glib/json-glib.h>

#include <meetpki/meetpki.h>

static MpSubject *
parse (const char *line, MpSubjectFlags flags, GError **error)
{
  g_auto(GStrv) argv = NULL;
  g_assert_true (g_shell_parse_argv (line, NULL, &argv, NULL));
  return mp_subject_new_from_mmp_args ((const char * const *) argv, g_strv_length (argv), flags, error);
}

static void
test_all_fields (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MpSubject) s = parse ("CN:cms1.example.com OU:IT O:\"Example Inc\" L:Seoul ST:\"Seoul Metro\" C:KR "
                                  "subjectAltName:cms1.example.com,join.example.com,10.0.0.1,::1,admin@example.com,https://join.example.com/x",
                                  MP_SUBJECT_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (s->cn, ==, "cms1.example.com");
  g_assert_cmpstr (s->ou, ==, "IT");
  g_assert_cmpstr (s->o, ==, "Example Inc");
  g_assert_cmpstr (s->l, ==, "Seoul");
  g_assert_cmpstr (s->st, ==, "Seoul Metro");
  g_assert_cmpstr (s->c, ==, "KR");
  g_assert_false (s->cn_added);
  g_assert_cmpuint (s->sans->len, ==, 6);
  {
    const MpSanType want[] = { MP_SAN_DNS, MP_SAN_DNS, MP_SAN_IP, MP_SAN_IP, MP_SAN_EMAIL, MP_SAN_URI };
    for (guint i = 0; i < G_N_ELEMENTS (want); i++)
      g_assert_cmpint (((MpSan *) g_ptr_array_index (s->sans, i))->type, ==, want[i]);
  }
  g_assert_cmpuint (((MpSan *) g_ptr_array_index (s->sans, 2))->ip_len, ==, 4);
  g_assert_cmpuint (((MpSan *) g_ptr_array_index (s->sans, 3))->ip_len, ==, 16);
}

static void
test_cn_added (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MpSubject) s = parse ("CN:cmscore1.example.com subjectAltName:cmscore2.example.com,cmscore3.example.com",
                                  MP_SUBJECT_NONE, &error);
  g_assert_no_error (error);
  g_assert_true (s->cn_added);
  g_assert_cmpuint (s->sans->len, ==, 3);
  g_assert_cmpstr (((MpSan *) g_ptr_array_index (s->sans, 0))->value, ==, "cmscore1.example.com");
}

static void
test_ca_subject (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MpSubject) s = parse ("CN:\"Example Root CA\"", MP_SUBJECT_CA, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (s->cn, ==, "Example Root CA");
  g_assert_cmpuint (s->sans->len, ==, 0);
}

static void
test_bad_input (void)
{
  const struct {
    const char *line;
    const char *message;
  } cases[] = {
    { "OU:x", "CN is required" },
    { "CN:a.example.com CN:b.example.com", "field CN is given twice" },
    { "CN:a.example.com XX:1", "unknown field 'XX'" },
    { "CN:a.example.com O:Example Inc", "'Inc' is not a FIELD:value pair" },
    { "CN:a.example.com C:ZZ", "C:ZZ is not an ISO 3166-1" },
    { "CN:a.example.com C:UK", "the United Kingdom is GB" },
    { "CN:a.example.com C:us", "C:us is not an ISO 3166-1" },
    { "CN:a.example.com O:", "field O has no value" },
    { "CN:a.example.com subjectAltName:", "subjectAltName has no value" },
    { "CN:a.example.com subjectAltName:a.example.com subjectAltName:b.example.com", "given twice" },
    { "CN:a.example.com subjectAltName:b.example.com,,c.example.com", "empty entry" },
    { "CN:a.example.com subjectAltName:DNS:b.example.com", "without a type prefix" },
    { "CN:a.example.com subjectAltName:b.example.com,B.example.com", "lists 'B.example.com' twice" },
    { "CN:foo.*.example.com", "wildcard may only be the whole leftmost label" },
    { "CN:a.example.com subjectAltName:w*.example.com", "wildcard may only be the whole leftmost label" },
    { "CN:a.example.com subjectAltName:*.com", "at least two labels" },
    { "CN:a.example.com subjectAltName:-a.example.com", "starts or ends with '-'" },
    { "CN:a.example.com subjectAltName:a..example.com", "empty label" },
    { "CN:a.example.com subjectAltName:a_b.example.com", "character '_' is not allowed" },
    { "CN:a.example.com subjectAltName:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.example.com", "longer than 63" },
    { "CN:a.example.com subjectAltName:a@b@example.com", "not a valid e-mail" },
    { "CN:a.example.com subjectAltName:caf\xc3\xa9.example.com", "non-ASCII" },
    { "CN:\"My Server\"", "CN: 'My Server' is not a valid DNS name" },
    { "CN:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "longer than 64 characters" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(MpSubject) s = parse (cases[i].line, MP_SUBJECT_NONE, &error);
      g_test_message ("%s", cases[i].line);
      g_assert_null (s);
      g_assert_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS);
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("'%s': got '%s', want '%s'", cases[i].line, error->message, cases[i].message);
    }
}

static void
test_dns_limits (void)
{
  g_autoptr(GString) s = g_string_new (NULL);
  g_autoptr(GError) error = NULL;

  /* 4 * 63 + 3 dots = 255 > 253 */
  for (guint i = 0; i < 4; i++)
    {
      if (i > 0)
        g_string_append_c (s, '.');
      for (guint k = 0; k < 63; k++)
        g_string_append_c (s, 'a');
    }
  g_assert_false (mp_dns_name_validate (s->str, &error));
  g_assert_nonnull (strstr (error->message, "253"));
  g_assert_true (mp_dns_name_validate ("*.example.com", NULL));
  g_assert_true (mp_dns_name_validate ("postgres", NULL));
  g_assert_true (mp_dns_name_validate ("xn--caf-dma.example.com", NULL));
}

static gint
compare_str_ptrs (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* the embedded list equals the one Debian's iso-codes ships, an
 * independent source */
static void
test_country_codes (void)
{
  const char *path = "/usr/share/iso-codes/json/iso_3166-1.json";
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) theirs = g_string_new (NULL);
  g_autoptr(GPtrArray) codes = g_ptr_array_new ();
  JsonArray *arr;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("iso-codes is not installed");
      return;
    }
  g_assert_true (json_parser_load_from_file (parser, path, &error));
  arr = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "3166-1");
  for (guint i = 0; i < json_array_get_length (arr); i++)
    g_ptr_array_add (codes, (gpointer) json_object_get_string_member (json_array_get_object_element (arr, i), "alpha_2"));
  g_ptr_array_sort (codes, compare_str_ptrs);
  for (guint i = 0; i < codes->len; i++)
    g_string_append (theirs, g_ptr_array_index (codes, i));
  g_assert_cmpstr (mp_country_codes (), ==, theirs->str);
  g_assert_true (mp_country_code_is_valid ("KR"));
  g_assert_false (mp_country_code_is_valid ("XK"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/subject/all-fields", test_all_fields);
  g_test_add_func ("/subject/cn-added", test_cn_added);
  g_test_add_func ("/subject/ca", test_ca_subject);
  g_test_add_func ("/subject/bad-input", test_bad_input);
  g_test_add_func ("/subject/dns-limits", test_dns_limits);
  g_test_add_func ("/subject/country-codes", test_country_codes);
  return g_test_run ();
}
