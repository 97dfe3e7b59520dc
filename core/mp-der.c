/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "mp-der.h"
#include "mp-time.h"

typedef struct {
  const guchar *p;
  gsize len;
} Slice;

/* reads the element at the front of @in: its tag, its contents and the
 * whole element; advances @in past it */
static gboolean
next (Slice *in, guint *tag, Slice *content, Slice *whole)
{
  gsize hdr, n = 0;

  if (in->len < 2)
    return FALSE;
  if ((in->p[0] & 0x1f) == 0x1f)
    return FALSE; /* multi-byte tags never occur in the fields we read */
  if (in->p[1] < 0x80)
    {
      hdr = 2;
      n = in->p[1];
    }
  else
    {
      gsize k = in->p[1] & 0x7f;
      /* der has no indefinite lengths; four length bytes are plenty */
      if (k == 0 || k > 4 || in->len < 2 + k)
        return FALSE;
      for (gsize i = 0; i < k; i++)
        n = (n << 8) | in->p[2 + i];
      hdr = 2 + k;
    }
  if (n > in->len - hdr)
    return FALSE;
  *tag = in->p[0];
  content->p = in->p + hdr;
  content->len = n;
  if (whole != NULL)
    {
      whole->p = in->p;
      whole->len = hdr + n;
    }
  in->p += hdr + n;
  in->len -= hdr + n;
  return TRUE;
}

gsize
mp_der_element_len (const guchar *buf, gsize len)
{
  Slice in = { buf, len }, content, whole;
  guint tag;

  if (!next (&in, &tag, &content, &whole) || tag != 0x30)
    return 0;
  return whole.len;
}

static gboolean
digits (const guchar *p, guint n, guint *out)
{
  guint v = 0;

  for (guint i = 0; i < n; i++)
    {
      if (p[i] < '0' || p[i] > '9')
        return FALSE;
      v = v * 10 + (p[i] - '0');
    }
  *out = v;
  return TRUE;
}

/* utcTime "YYMMDDHHMMSSZ" (rfc 5280: YY 50-99 is 19YY, 00-49 is 20YY) or
 * generalizedTime "YYYYMMDDHHMMSSZ", any year 0000-9999; by arithmetic,
 * since GDateTime has no year 0 */
static gboolean
read_time (Slice *in, gint64 *out)
{
  Slice c;
  guint tag, y, mo, d, h, mi, s;
  const guchar *p;

  if (!next (in, &tag, &c, NULL))
    return FALSE;
  if (tag == 0x17 && c.len == 13)
    {
      if (!digits (c.p, 2, &y))
        return FALSE;
      y += y >= 50 ? 1900 : 2000;
      p = c.p + 2;
    }
  else if (tag == 0x18 && c.len == 15)
    {
      if (!digits (c.p, 4, &y))
        return FALSE;
      p = c.p + 4;
    }
  else
    return FALSE;
  if (!digits (p, 2, &mo) || !digits (p + 2, 2, &d) || !digits (p + 4, 2, &h) ||
      !digits (p + 6, 2, &mi) || !digits (p + 8, 2, &s) || p[10] != 'Z')
    return FALSE;
  return mp_time_from_utc (y, mo, d, h, mi, s, out);
}

static const guchar oid_ski[] = { 0x55, 0x1d, 0x0e };
static const guchar oid_aki[] = { 0x55, 0x1d, 0x23 };
static const guchar oid_bc[] = { 0x55, 0x1d, 0x13 };

static gboolean
oid_is (Slice oid, const guchar *want, gsize n)
{
  return oid.len == n && memcmp (oid.p, want, n) == 0;
}

static gboolean
read_extension (Slice ext, MpDerCertInfo *info)
{
  Slice oid, value, c, inner;
  guint tag;

  if (!next (&ext, &tag, &oid, NULL) || tag != 0x06)
    return FALSE;
  if (!next (&ext, &tag, &value, NULL))
    return FALSE;
  if (tag == 0x01 && !next (&ext, &tag, &value, NULL)) /* critical */
    return FALSE;
  if (tag != 0x04)
    return FALSE;

  if (oid_is (oid, oid_ski, sizeof oid_ski))
    {
      if (next (&value, &tag, &c, NULL) && tag == 0x04 && c.len > 0)
        info->ski = g_bytes_new (c.p, c.len);
    }
  else if (oid_is (oid, oid_aki, sizeof oid_aki))
    {
      if (next (&value, &tag, &inner, NULL) && tag == 0x30 &&
          next (&inner, &tag, &c, NULL) && tag == 0x80 && c.len > 0)
        info->aki = g_bytes_new (c.p, c.len);
    }
  else if (oid_is (oid, oid_bc, sizeof oid_bc))
    {
      info->has_basic_constraints = TRUE;
      if (next (&value, &tag, &inner, NULL) && tag == 0x30 &&
          next (&inner, &tag, &c, NULL) && tag == 0x01 && c.len == 1)
        info->is_ca = c.p[0] != 0;
    }
  return TRUE;
}

void
mp_der_cert_info_clear (MpDerCertInfo *info)
{
  g_clear_pointer (&info->subject_raw, g_bytes_unref);
  g_clear_pointer (&info->issuer_raw, g_bytes_unref);
  g_clear_pointer (&info->ski, g_bytes_unref);
  g_clear_pointer (&info->aki, g_bytes_unref);
}

/* the tbsCertificate of a der certificate, read up to its validity: its
 * version, issuer name and validity; @tbs left at the subject */
static gboolean
read_tbs_head (const guchar *der, gsize len, Slice *tbs, guint *version, Slice *issuer, Slice *validity)
{
  Slice in = { der, len }, cert, c;
  guint tag;

  if (!next (&in, &tag, &cert, NULL) || tag != 0x30 || in.len != 0)
    return FALSE;
  if (!next (&cert, &tag, tbs, NULL) || tag != 0x30)
    return FALSE;

  if (!next (tbs, &tag, &c, NULL))
    return FALSE;
  if (tag == 0xa0)
    {
      Slice v;
      if (!next (&c, &tag, &v, NULL) || tag != 0x02 || v.len != 1)
        return FALSE;
      *version = v.p[0] + 1u;
      if (!next (tbs, &tag, &c, NULL))
        return FALSE;
    }
  if (tag != 0x02)                                       /* serialNumber */
    return FALSE;
  if (!next (tbs, &tag, &c, NULL) || tag != 0x30)        /* signature */
    return FALSE;
  if (!next (tbs, &tag, &c, issuer) || tag != 0x30)      /* issuer */
    return FALSE;
  return next (tbs, &tag, validity, NULL) && tag == 0x30;
}

static gboolean
read_cert (const guchar *der, gsize len, MpDerCertInfo *info)
{
  Slice tbs, c, name, validity, exts, list, ext;
  guint tag;

  if (!read_tbs_head (der, len, &tbs, &info->version, &name, &validity))
    return FALSE;
  info->issuer_raw = g_bytes_new (name.p, name.len);
  if (!read_time (&validity, &info->not_before) || !read_time (&validity, &info->not_after))
    return FALSE;
  if (!next (&tbs, &tag, &c, &name) || tag != 0x30)      /* subject */
    return FALSE;
  info->subject_raw = g_bytes_new (name.p, name.len);
  if (!next (&tbs, &tag, &c, NULL) || tag != 0x30)       /* subjectPublicKeyInfo */
    return FALSE;
  while (tbs.len > 0)
    {
      if (!next (&tbs, &tag, &exts, NULL))
        return FALSE;
      if (tag != 0xa3)
        continue; /* unique ids */
      if (!next (&exts, &tag, &list, NULL) || tag != 0x30)
        return FALSE;
      while (list.len > 0)
        {
          if (!next (&list, &tag, &ext, NULL) || tag != 0x30 || !read_extension (ext, info))
            return FALSE;
        }
    }
  return TRUE;
}

gboolean
mp_der_cert_info_read (const guchar *der, gsize len, MpDerCertInfo *info)
{
  memset (info, 0, sizeof *info);
  info->version = 1;
  if (!read_cert (der, len, info))
    {
      mp_der_cert_info_clear (info);
      return FALSE;
    }
  return TRUE;
}

gboolean
mp_der_cert_validity (const guchar *der, gsize len, gint64 *not_before, gint64 *not_after)
{
  Slice tbs, issuer, validity;
  guint version = 1;

  return read_tbs_head (der, len, &tbs, &version, &issuer, &validity) &&
         read_time (&validity, not_before) && read_time (&validity, not_after);
}
