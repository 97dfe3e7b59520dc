/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the vendor's subject grammar: CN:<v> OU:<v> O:<v> L:<v> ST:<v> C:<v>
 * subjectAltName:<a,b,...>, and the typing of subjectAltName entries.
 */
#include "config.h"

#include <arpa/inet.h>
#include <glib.h>
#include <string.h>

#include "meetpki/mp-error.h"
#include "meetpki/mp-subject.h"

/* ISO 3166-1 alpha-2, every officially assigned code (as Debian's iso-codes
 * lists them), two letters each, sorted */
static const char iso3166_alpha2[] =
  "ADAEAFAGAIALAMAOAQARASATAUAWAXAZBABBBDBE"
  "BFBGBHBIBJBLBMBNBOBQBRBSBTBVBWBYBZCACCCD"
  "CFCGCHCICKCLCMCNCOCRCUCVCWCXCYCZDEDJDKDM"
  "DODZECEEEGEHERESETFIFJFKFMFOFRGAGBGDGEGF"
  "GGGHGIGLGMGNGPGQGRGSGTGUGWGYHKHMHNHRHTHU"
  "IDIEILIMINIOIQIRISITJEJMJOJPKEKGKHKIKMKN"
  "KPKRKWKYKZLALBLCLILKLRLSLTLULVLYMAMCMDME"
  "MFMGMHMKMLMMMNMOMPMQMRMSMTMUMVMWMXMYMZNA"
  "NCNENFNGNINLNONPNRNUNZOMPAPEPFPGPHPKPLPM"
  "PNPRPSPTPWPYQARERORSRURWSASBSCSDSESGSHSI"
  "SJSKSLSMSNSOSRSSSTSVSXSYSZTCTDTFTGTHTJTK"
  "TLTMTNTOTRTTTVTWTZUAUGUMUSUYUZVAVCVEVGVI"
  "VNVUWFWSYEYTZAZMZW";

const char *
mp_country_codes (void)
{
  return iso3166_alpha2;
}

gboolean
mp_country_code_is_valid (const char *code)
{
  if (code == NULL || strlen (code) != 2)
    return FALSE;
  for (gsize i = 0; iso3166_alpha2[i] != '\0'; i += 2)
    {
      if (iso3166_alpha2[i] == code[0] && iso3166_alpha2[i + 1] == code[1])
        return TRUE;
    }
  return FALSE;
}

const char *
mp_san_type_to_string (MpSanType type)
{
  switch (type)
    {
    case MP_SAN_DNS:
      return "DNS";
    case MP_SAN_IP:
      return "IP";
    case MP_SAN_EMAIL:
      return "email";
    case MP_SAN_URI:
      return "URI";
    default:
      return "unknown";
    }
}

static gboolean
dns_error (GError **error, const char *name, const char *why)
{
  g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
               "'%s' is not a valid DNS name: %s", name, why);
  return FALSE;
}

/**
 * mp_dns_name_validate:
 * @name: a host name, possibly with a leading `*.` wildcard
 * @error: return location for a #GError
 *
 * Checks length (253), labels (1 to 63 of letters, digits and inner
 * hyphens) and that a wildcard is the whole leftmost label, followed by at
 * least two labels.
 */
gboolean
mp_dns_name_validate (const char *name, GError **error)
{
  g_auto(GStrv) labels = NULL;
  guint n;

  if (name == NULL || *name == '\0')
    return dns_error (error, "", "it is empty");
  if (strlen (name) > 253)
    return dns_error (error, name, "longer than 253 characters");
  for (const char *p = name; *p != '\0'; p++)
    {
      if ((guchar) *p >= 0x80)
        return dns_error (error, name, "non-ASCII characters (use the xn-- form)");
    }
  labels = g_strsplit (name, ".", -1);
  n = g_strv_length (labels);
  for (guint i = 0; i < n; i++)
    {
      const char *l = labels[i];
      gsize len = strlen (l);

      if (len == 0)
        return dns_error (error, name, "empty label");
      if (len > 63)
        return dns_error (error, name, "a label is longer than 63 characters");
      if (strchr (l, '*') != NULL)
        {
          if (i != 0 || len != 1)
            return dns_error (error, name, "a wildcard may only be the whole leftmost label (*.example.com)");
          if (n < 3)
            return dns_error (error, name, "a wildcard needs at least two labels after it");
          continue;
        }
      if (l[0] == '-' || l[len - 1] == '-')
        return dns_error (error, name, "a label starts or ends with '-'");
      for (gsize k = 0; k < len; k++)
        {
          if (!g_ascii_isalnum (l[k]) && l[k] != '-')
            {
              g_autofree char *why = g_strdup_printf ("character '%c' is not allowed", l[k]);
              return dns_error (error, name, why);
            }
        }
    }
  return TRUE;
}

void
mp_san_free (MpSan *san)
{
  if (san == NULL)
    return;
  g_free (san->value);
  g_free (san);
}

static gboolean
looks_like_uri (const char *text)
{
  const char *sep = strstr (text, "://");

  if (sep == NULL || sep == text || !g_ascii_isalpha (text[0]))
    return FALSE;
  for (const char *p = text; p < sep; p++)
    {
      if (!g_ascii_isalnum (*p) && *p != '+' && *p != '-' && *p != '.')
        return FALSE;
    }
  return TRUE;
}

/**
 * mp_san_new_from_string:
 * @text: one subjectAltName entry without a type prefix
 * @error: return location for a #GError
 *
 * Types the entry the way the vendor's grammar implies: an IPv4 or IPv6
 * address is an IP, text with `@` an e-mail address, `scheme://...` a URI,
 * anything else a DNS name, validated.
 *
 * Returns: (transfer full): a new #MpSan, or %NULL when @text is invalid
 */
MpSan *
mp_san_new_from_string (const char *text, GError **error)
{
  char ip_text[INET6_ADDRSTRLEN];
  MpSan *san;

  if (text == NULL || *text == '\0')
    {
      g_set_error_literal (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                           "subjectAltName has an empty entry");
      return NULL;
    }
  san = g_new0 (MpSan, 1);
  /* inet_pton and inet_ntop, as GInetAddress uses them: libc's, so
   * `pki sign` needs no libgio */
  if (inet_pton (AF_INET, text, san->ip) == 1 || inet_pton (AF_INET6, text, san->ip) == 1)
    {
      int family = strchr (text, ':') != NULL ? AF_INET6 : AF_INET;

      san->type = MP_SAN_IP;
      san->ip_len = family == AF_INET6 ? 16 : 4;
      san->value = g_strdup (inet_ntop (family, san->ip, ip_text, sizeof ip_text));
      return san;
    }
  if (looks_like_uri (text))
    {
      if (!g_uri_is_valid (text, G_URI_FLAGS_NONE, NULL))
        {
          g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "'%s' is not a valid URI", text);
          mp_san_free (san);
          return NULL;
        }
      san->type = MP_SAN_URI;
      san->value = g_strdup (text);
      return san;
    }
  if (strchr (text, '@') != NULL)
    {
      const char *at = strchr (text, '@');
      if (at == text || strchr (at + 1, '@') != NULL || strchr (text, ' ') != NULL ||
          !mp_dns_name_validate (at + 1, NULL) || strchr (at + 1, '*') != NULL)
        {
          g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                       "'%s' is not a valid e-mail address", text);
          mp_san_free (san);
          return NULL;
        }
      san->type = MP_SAN_EMAIL;
      san->value = g_strdup (text);
      return san;
    }
  if (!mp_dns_name_validate (text, error))
    {
      mp_san_free (san);
      return NULL;
    }
  san->type = MP_SAN_DNS;
  san->value = g_strdup (text);
  return san;
}

void
mp_subject_free (MpSubject *subject)
{
  if (subject == NULL)
    return;
  g_free (subject->cn);
  g_free (subject->ou);
  g_free (subject->o);
  g_free (subject->l);
  g_free (subject->st);
  g_free (subject->c);
  g_clear_pointer (&subject->sans, g_ptr_array_unref);
  g_free (subject);
}

/* one field of the grammar: its name as the vendor spells it, where it is
 * stored and its upper bound from rfc 5280 */
typedef struct {
  const char *name;
  gsize offset;
  gsize max_len;
} FieldSpec;

static const FieldSpec fields[] = {
  { "CN", G_STRUCT_OFFSET (MpSubject, cn), 64 },
  { "OU", G_STRUCT_OFFSET (MpSubject, ou), 64 },
  { "O", G_STRUCT_OFFSET (MpSubject, o), 64 },
  { "L", G_STRUCT_OFFSET (MpSubject, l), 128 },
  { "ST", G_STRUCT_OFFSET (MpSubject, st), 128 },
  { "C", G_STRUCT_OFFSET (MpSubject, c), 2 },
};

/* the shell removes quotes in `O:"Example Inc"`; a caller that passes the
 * words unsplit (d-bus, a script) keeps them, so strip one matching pair */
static char *
unquote (const char *v)
{
  gsize len = strlen (v);

  if (len >= 2 && (v[0] == '"' || v[0] == '\'') && v[len - 1] == v[0])
    return g_strndup (v + 1, len - 2);
  return g_strdup (v);
}

static gboolean
subject_add_san_list (MpSubject *subject, const char *list, GError **error)
{
  g_auto(GStrv) parts = g_strsplit (list, ",", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_autofree char *entry = g_strstrip (g_strdup (parts[i]));
      MpSan *san;

      if (*entry == '\0')
        {
          g_set_error_literal (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                               "subjectAltName has an empty entry (a doubled or trailing comma?)");
          return FALSE;
        }
      if (g_ascii_strncasecmp (entry, "DNS:", 4) == 0 || g_ascii_strncasecmp (entry, "IP:", 3) == 0)
        {
          g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                       "subjectAltName entry '%s': write the name without a type prefix", entry);
          return FALSE;
        }
      san = mp_san_new_from_string (entry, error);
      if (san == NULL)
        {
          g_prefix_error (error, "subjectAltName: ");
          return FALSE;
        }
      for (guint k = 0; k < subject->sans->len; k++)
        {
          MpSan *other = g_ptr_array_index (subject->sans, k);
          if (other->type == san->type && g_ascii_strcasecmp (other->value, san->value) == 0)
            {
              g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                           "subjectAltName lists '%s' twice", san->value);
              mp_san_free (san);
              return FALSE;
            }
        }
      g_ptr_array_add (subject->sans, san);
    }
  return TRUE;
}

static gboolean
subject_has_san (MpSubject *subject, const MpSan *san)
{
  for (guint k = 0; k < subject->sans->len; k++)
    {
      MpSan *other = g_ptr_array_index (subject->sans, k);
      if (other->type == san->type && g_ascii_strcasecmp (other->value, san->value) == 0)
        return TRUE;
    }
  return FALSE;
}

/**
 * mp_subject_new_from_mmp_args:
 * @args: (array length=n_args): words such as `CN:cms1.example.com`
 * @n_args: the number of words
 * @flags: #MpSubjectFlags
 * @error: return location for a #GError
 *
 * Parses the vendor's `FIELD:value` words.  CN is required; a field given
 * twice, an unknown field, a word without a colon, an empty value, a value
 * too long for its field or a country that is not an ISO 3166-1 alpha-2 code
 * is an %MP_ERROR_INVALID_ARGS error.  Unless @flags has %MP_SUBJECT_CA the
 * CN must itself be a valid name and is put first in the SAN when missing
 * (@cn_added tells).
 *
 * Returns: (transfer full): a new #MpSubject, or %NULL on error
 */
MpSubject *
mp_subject_new_from_mmp_args (const char * const *args, guint n_args,
                              MpSubjectFlags flags, GError **error)
{
  g_autoptr(MpSubject) subject = g_new0 (MpSubject, 1);
  gboolean have_san = FALSE;

  subject->sans = g_ptr_array_new_with_free_func ((GDestroyNotify) mp_san_free);

  for (guint i = 0; i < n_args; i++)
    {
      const char *arg = args[i];
      const char *colon = strchr (arg, ':');
      g_autofree char *key = NULL;
      g_autofree char *value = NULL;
      const FieldSpec *spec = NULL;

      if (colon == NULL)
        {
          g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                       "'%s' is not a FIELD:value pair (quote values with spaces, e.g. O:\"Example Inc\")", arg);
          return NULL;
        }
      key = g_strndup (arg, (gsize) (colon - arg));
      value = unquote (colon + 1);

      if (g_ascii_strcasecmp (key, "subjectAltName") == 0 || g_ascii_strcasecmp (key, "SAN") == 0)
        {
          if (have_san)
            {
              g_set_error_literal (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                                   "subjectAltName is given twice; list every name in one comma-separated value");
              return NULL;
            }
          have_san = TRUE;
          if (*value == '\0')
            {
              g_set_error_literal (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "subjectAltName has no value");
              return NULL;
            }
          if (!subject_add_san_list (subject, value, error))
            return NULL;
          continue;
        }
      for (guint k = 0; k < G_N_ELEMENTS (fields); k++)
        {
          if (g_ascii_strcasecmp (key, fields[k].name) == 0)
            spec = &fields[k];
        }
      if (spec == NULL)
        {
          g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                       "unknown field '%s' (expected CN, OU, O, L, ST, C or subjectAltName)", key);
          return NULL;
        }
      {
        char **slot = G_STRUCT_MEMBER_P (subject, spec->offset);
        if (*slot != NULL)
          {
            g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "field %s is given twice", spec->name);
            return NULL;
          }
        if (*value == '\0')
          {
            g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "field %s has no value", spec->name);
            return NULL;
          }
        if (!g_utf8_validate (value, -1, NULL))
          {
            g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "field %s is not valid UTF-8", spec->name);
            return NULL;
          }
        for (const char *p = value; *p != '\0'; p = g_utf8_next_char (p))
          {
            /* a newline or escape in a subject ends up in every tool's
             * one-line output of it */
            if (g_unichar_iscntrl (g_utf8_get_char (p)))
              {
                g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                             "field %s holds a control character", spec->name);
                return NULL;
              }
          }
        if (g_utf8_strlen (value, -1) > (glong) spec->max_len)
          {
            g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                         "field %s is longer than %" G_GSIZE_FORMAT " characters", spec->name, spec->max_len);
            return NULL;
          }
        *slot = g_steal_pointer (&value);
      }
    }

  if (subject->cn == NULL)
    {
      g_set_error_literal (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                           "CN is required (e.g. CN:cms1.example.com)");
      return NULL;
    }
  if (subject->c != NULL && !mp_country_code_is_valid (subject->c))
    {
      if (g_ascii_strcasecmp (subject->c, "UK") == 0)
        g_set_error_literal (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                             "C:UK is not an ISO 3166-1 code; the United Kingdom is GB");
      else
        g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                     "C:%s is not an ISO 3166-1 alpha-2 country code (two capital letters, e.g. US, GB, KR)",
                     subject->c);
      return NULL;
    }

  if (!(flags & MP_SUBJECT_CA))
    {
      g_autoptr(GError) local = NULL;
      MpSan *cn_san = mp_san_new_from_string (subject->cn, &local);

      if (cn_san == NULL)
        {
          g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "CN: %s", local->message);
          return NULL;
        }
      if (subject_has_san (subject, cn_san))
        mp_san_free (cn_san);
      else
        {
          g_ptr_array_insert (subject->sans, 0, cn_san);
          subject->cn_added = TRUE;
        }
    }
  return g_steal_pointer (&subject);
}
