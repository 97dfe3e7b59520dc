/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * MpSanType:
 * @MP_SAN_DNS: a DNS name (a wildcard `*.` only as the leftmost label)
 * @MP_SAN_IP: an IPv4 or IPv6 address
 * @MP_SAN_EMAIL: an e-mail address (rfc822Name)
 * @MP_SAN_URI: a URI with a scheme
 */
typedef enum {
  MP_SAN_DNS,
  MP_SAN_IP,
  MP_SAN_EMAIL,
  MP_SAN_URI,
} MpSanType;

/**
 * MpSan:
 * @type: the entry's type, decided from its text
 * @value: the text as the user gave it (normalised for IPs)
 * @ip: the address bytes when @type is %MP_SAN_IP
 * @ip_len: 4 or 16 for an IP, else 0
 */
typedef struct {
  MpSanType type;
  char *value;
  guint8 ip[16];
  gsize ip_len;
} MpSan;

/**
 * MpSubject:
 * @cn: commonName (required)
 * @ou: organizationalUnitName or %NULL
 * @o: organizationName or %NULL
 * @l: localityName or %NULL
 * @st: stateOrProvinceName or %NULL
 * @c: countryName, an ISO 3166-1 alpha-2 code, or %NULL
 * @sans: (element-type MpSan): the subjectAltName entries, in order
 * @cn_added: %TRUE when the CN was missing from the SAN and was added
 *
 * A subject and its alternative names, as the vendor's `pki csr` grammar
 * (`CN:<v> OU:<v> ... subjectAltName:<a,b>`) describes them.
 */
typedef struct {
  char *cn;
  char *ou;
  char *o;
  char *l;
  char *st;
  char *c;
  GPtrArray *sans;
  gboolean cn_added;
} MpSubject;

/**
 * MpSubjectFlags:
 * @MP_SUBJECT_NONE: the CN must be a name and is always put in the SAN
 * @MP_SUBJECT_CA: the subject of a CA: the CN may be any text and is not
 *   added to the SAN
 */
typedef enum {
  MP_SUBJECT_NONE = 0,
  MP_SUBJECT_CA = 1 << 0,
} MpSubjectFlags;

MpSubject   *mp_subject_new_from_mmp_args (const char * const *args,
                                           guint               n_args,
                                           MpSubjectFlags      flags,
                                           GError            **error);
void         mp_subject_free              (MpSubject  *subject);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MpSubject, mp_subject_free)

MpSan       *mp_san_new_from_string       (const char *text,
                                           GError    **error);
void         mp_san_free                  (MpSan      *san);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MpSan, mp_san_free)
const char  *mp_san_type_to_string        (MpSanType   type);
gboolean     mp_dns_name_validate         (const char *name,
                                           GError    **error);
gboolean     mp_country_code_is_valid     (const char *code);
const char  *mp_country_codes             (void);

G_END_DECLS
