/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the tolerant reader: any mix of pem blocks (crlf or lf, glued, with text
 * around them) or der certificates.  every oddity becomes a finding with its
 * line; nothing here fails.
 */
#include "config.h"

#include <string.h>

#include "mp-bundle-private.h"
#include "mp-der.h"
#include "mp-x509.h"

#define BEGIN_MARK "-----BEGIN "
#define END_MARK "-----END "
#define DASHES "-----"

typedef struct {
  MpBundle *bundle;
  const char *buf;
  gsize len;
  const char *source;
  gsize line_pos; /* offset up to which lines are counted */
  guint line;     /* the line of line_pos, 1-based */
  guint n_certs;  /* new certificates */
  guint n_seen;   /* certificates read, duplicates included */
} Parser;

/* the line of @off; offsets mostly grow, so counting is linear overall */
static guint
line_at (Parser *p, gsize off)
{
  if (off < p->line_pos)
    {
      p->line_pos = 0;
      p->line = 1;
    }
  while (p->line_pos < off && p->line_pos < p->len)
    {
      if (p->buf[p->line_pos] == '\n')
        p->line++;
      p->line_pos++;
    }
  return p->line;
}

static const char *
find (const char *buf, gsize from, gsize len, const char *needle)
{
  if (from >= len)
    return NULL;
  return g_strstr_len (buf + from, (gssize) (len - from), needle);
}

static void
add (Parser *p, MpFindingSeverity sev, const char *code, gsize off, const char *msg)
{
  mp_bundle_add_finding (p->bundle, sev, code, p->source, line_at (p, off), "%s", msg);
}

/* the text between two blocks (or before the first / after the last) */
static void
check_gap (Parser *p, gsize from, gsize to, gboolean first, gboolean last)
{
  guint newlines = 0;
  gboolean blank = FALSE;

  for (gsize i = from; i < to; i++)
    {
      char c = p->buf[i];
      if (c == '\n')
        newlines++;
      else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v')
        blank = blank || c != '\r';
      else
        {
          add (p, MP_FINDING_WARNING, "text-between-blocks", i,
               first ? "text before the first block"
                     : last ? "text after the last block" : "text between blocks");
          return;
        }
    }
  if (first)
    {
      if (newlines > 0 || blank)
        add (p, MP_FINDING_WARNING, "blank-line", from, "blank line or spaces before the first block");
      return;
    }
  if (last)
    {
      if (from == to)
        add (p, MP_FINDING_WARNING, "no-final-newline", to,
             "no line end after the last block");
      else if (newlines > 1)
        add (p, MP_FINDING_WARNING, "extra-final-newlines", from,
             "more than one line end after the last block");
      else if (blank || newlines == 0)
        add (p, MP_FINDING_WARNING, "blank-line", from, "spaces after the last block");
      return;
    }
  if (newlines == 0)
    add (p, MP_FINDING_WARNING, "glued-blocks", from,
         "no line end between -----END and the next -----BEGIN");
  else if (newlines > 1 || blank)
    add (p, MP_FINDING_WARNING, "blank-line", from, "blank line or spaces between blocks");
}

static gboolean
is_b64 (char c)
{
  return g_ascii_isalnum (c) || c == '+' || c == '/';
}

/* strict base64 of a block body, whitespace allowed anywhere */
static GBytes *
decode_body (const char *body, gsize len)
{
  g_autoptr(GString) clean = g_string_sized_new (len);
  guint pad = 0;
  gsize out_len = 0;
  guchar *der;

  for (gsize i = 0; i < len; i++)
    {
      char c = body[i];
      if (g_ascii_isspace (c))
        continue;
      if (c == '=')
        pad++;
      else if (!is_b64 (c) || pad > 0)
        return NULL;
      g_string_append_c (clean, c);
    }
  if (clean->len == 0 || clean->len % 4 != 0 || pad > 2)
    return NULL;
  der = g_base64_decode (clean->str, &out_len);
  if (out_len == 0)
    {
      g_free (der);
      return NULL;
    }
  return g_bytes_new_take (der, out_len);
}

static void
read_der_cert (Parser *p, const guchar *der, gsize len, guint line)
{
  switch (mp_bundle_add_der (p->bundle, der, len, p->source, line))
    {
    case MP_BUNDLE_ADD_NEW:
      p->n_certs++;
      p->n_seen++;
      break;
    case MP_BUNDLE_ADD_DUPLICATE:
      p->n_seen++;
      break;
    case MP_BUNDLE_ADD_BAD:
    default:
      break;
    }
}

static gboolean
label_is_certificate (const char *label)
{
  return g_str_equal (label, "CERTIFICATE") || g_str_equal (label, "X509 CERTIFICATE") ||
         g_str_equal (label, "TRUSTED CERTIFICATE");
}

static void
read_block (Parser *p, const char *label, gsize begin, gsize body, gsize body_end)
{
  g_autoptr(GBytes) der = NULL;
  guint line = line_at (p, begin);

  if (strstr (label, "PRIVATE KEY") != NULL)
    {
      mp_bundle_add_finding (p->bundle, MP_FINDING_ERROR, "private-key", p->source, line,
                             "a private key (%s) is in the bundle; a key must never travel in a bundle",
                             label);
      return;
    }
  if (!label_is_certificate (label))
    {
      mp_bundle_add_finding (p->bundle, MP_FINDING_ERROR, "not-a-certificate", p->source, line,
                             "a %s block is not a certificate", label);
      return;
    }
  der = decode_body (p->buf + body, body_end - body);
  if (der == NULL)
    {
      mp_bundle_add_finding (p->bundle, MP_FINDING_ERROR, "bad-base64", p->source, line,
                             "the certificate's base64 is unreadable");
      return;
    }
  read_der_cert (p, g_bytes_get_data (der, NULL), g_bytes_get_size (der), line);
}

static void
parse_pem (Parser *p)
{
  gsize pos = 0, prev_end = 0;
  gboolean first = TRUE, skip_gap = FALSE;
  const char *cr;

  cr = find (p->buf, 0, p->len, "\r\n");
  if (cr != NULL)
    add (p, MP_FINDING_WARNING, "crlf", (gsize) (cr - p->buf), "CRLF (Windows) line ends");

  for (;;)
    {
      const char *b = find (p->buf, pos, p->len, BEGIN_MARK);
      const char *label_end, *e, *next_b;
      g_autofree char *label = NULL;
      g_autofree char *end_line = NULL;
      gsize begin, body;

      if (b == NULL)
        break;
      begin = (gsize) (b - p->buf);
      label_end = find (p->buf, begin + strlen (BEGIN_MARK), p->len, DASHES);
      if (label_end == NULL || memchr (b, '\n', (gsize) (label_end - b)) != NULL)
        {
          /* not a real header: let the gap check see it as text */
          pos = begin + strlen (BEGIN_MARK);
          continue;
        }
      /* after an unterminated block the next one starts where it was cut */
      if (!skip_gap)
        check_gap (p, prev_end, begin, first, FALSE);
      first = FALSE;
      skip_gap = FALSE;
      label = g_strndup (b + strlen (BEGIN_MARK), (gsize) (label_end - b) - strlen (BEGIN_MARK));
      body = (gsize) (label_end - p->buf) + strlen (DASHES);
      end_line = g_strdup_printf (END_MARK "%s" DASHES, label);
      e = find (p->buf, body, p->len, END_MARK);
      next_b = find (p->buf, body, p->len, BEGIN_MARK);
      if (e == NULL || (next_b != NULL && next_b < e) ||
          strncmp (e, end_line, MIN (strlen (end_line), p->len - (gsize) (e - p->buf))) != 0 ||
          p->len - (gsize) (e - p->buf) < strlen (end_line))
        {
          mp_bundle_add_finding (p->bundle, MP_FINDING_ERROR, "unterminated-block", p->source,
                                 line_at (p, begin), "the %s block has no matching -----END line", label);
          if (next_b == NULL)
            return;
          pos = prev_end = (gsize) (next_b - p->buf);
          skip_gap = TRUE;
          continue;
        }
      read_block (p, label, begin, body, (gsize) (e - p->buf));
      pos = prev_end = (gsize) (e - p->buf) + strlen (end_line);
    }
  if (first)
    return;
  check_gap (p, prev_end, p->len, FALSE, TRUE);
}

static void
parse_der (Parser *p, GBytes *data)
{
  const guchar *buf = (const guchar *) p->buf;
  gsize off = 0;

  while (off < p->len)
    {
      gsize n = mp_der_element_len (buf + off, p->len - off);
      if (n == 0)
        {
          if (off == 0 && mp_x509_sniff (data) == MP_FILE_PRIVATE_KEY)
            mp_bundle_add_finding (p->bundle, MP_FINDING_ERROR, "private-key", p->source, 0,
                                   "the file is a private key; a key must never travel in a bundle");
          else
            mp_bundle_add_finding (p->bundle, MP_FINDING_ERROR, "bad-certificate", p->source, 0,
                                   "the bytes at offset %" G_GSIZE_FORMAT " are neither PEM nor a DER certificate",
                                   off);
          return;
        }
      read_der_cert (p, buf + off, n, 0);
      off += n;
    }
}

guint
mp_bundle_parse (MpBundle *self, GBytes *data, const char *source)
{
  Parser p = { 0 };
  gsize len = 0;

  p.bundle = self;
  p.buf = g_bytes_get_data (data, &len);
  p.len = len;
  p.source = source;
  p.line = 1;

  if (p.buf == NULL || len == 0)
    {
      mp_bundle_add_finding (self, MP_FINDING_ERROR, "no-certificate", source, 0, "the file is empty");
      return 0;
    }
  if (find (p.buf, 0, len, BEGIN_MARK) != NULL)
    parse_pem (&p);
  else
    parse_der (&p, data);
  if (p.n_seen == 0)
    mp_bundle_add_finding (self, MP_FINDING_ERROR, "no-certificate", source, 0,
                           "no certificate was read from the file");
  return p.n_certs;
}
