/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * san rules: whether a certificate's names cover what a service needs, given
 * the node facts, and the subject a csr needs to satisfy them.  a name is
 * covered by a dNSName entry of the subjectAltName, equal ignoring case, or
 * by a wildcard entry as rfc 6125 section 6.4.3 allows it: `*` as the whole
 * leftmost label, matching exactly one label.  the CN alone covers nothing:
 * clients that see a SAN ignore the CN, and xmpp clients need a SAN.
 */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "meetpki/mp-rules.h"
#include "meetpki/mp-error.h"
#include "mp-x509.h"

void
mp_cert_names_free (MpCertNames *names)
{
  if (names == NULL)
    return;
  g_free (names->cn);
  g_strfreev (names->dns);
  g_strfreev (names->ips);
  g_free (names);
}

static char *
ip_to_string (const unsigned char *buf, size_t len)
{
  char text[INET6_ADDRSTRLEN];

  if ((len == 4 && inet_ntop (AF_INET, buf, text, sizeof text) != NULL) ||
      (len == 16 && inet_ntop (AF_INET6, buf, text, sizeof text) != NULL))
    return g_strdup (text);
  return g_strdup_printf ("(%zu-byte address)", len);
}

/* gnutls' getters for certificates and requests share a shape; these two
 * small adapters let one loop read either */
typedef int (*GetSanFunc) (gpointer obj, unsigned int seq, void *buf, size_t *len, unsigned int *type);
typedef int (*GetDnFunc) (gpointer obj, const char *oid, unsigned int idx, unsigned int raw, void *buf, size_t *len);

static int
crt_get_san (gpointer obj, unsigned int seq, void *buf, size_t *len, unsigned int *type)
{
  return gnutls_x509_crt_get_subject_alt_name2 (obj, seq, buf, len, type, NULL);
}

static int
crq_get_san (gpointer obj, unsigned int seq, void *buf, size_t *len, unsigned int *type)
{
  return gnutls_x509_crq_get_subject_alt_name (obj, seq, buf, len, type, NULL);
}

static int
crt_get_dn (gpointer obj, const char *oid, unsigned int idx, unsigned int raw, void *buf, size_t *len)
{
  return gnutls_x509_crt_get_dn_by_oid (obj, oid, idx, raw, buf, len);
}

static int
crq_get_dn (gpointer obj, const char *oid, unsigned int idx, unsigned int raw, void *buf, size_t *len)
{
  return gnutls_x509_crq_get_dn_by_oid (obj, oid, idx, raw, buf, len);
}

static MpCertNames *
read_names (gpointer obj, GetDnFunc get_dn, GetSanFunc get_san, GError **error)
{
  g_autoptr(GPtrArray) dns = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) ips = g_ptr_array_new_with_free_func (g_free);
  MpCertNames *names = g_new0 (MpCertNames, 1);
  size_t len = 0;
  int rc;

  rc = get_dn (obj, GNUTLS_OID_X520_COMMON_NAME, 0, 0, NULL, &len);
  if (rc == GNUTLS_E_SHORT_MEMORY_BUFFER)
    {
      names->cn = g_malloc0 (len + 1);
      if ((rc = get_dn (obj, GNUTLS_OID_X520_COMMON_NAME, 0, 0, names->cn, &len)) < 0)
        {
          mp_cert_names_free (names);
          mp_error_set_gnutls (error, rc, "reading the common name");
          return NULL;
        }
    }
  for (unsigned int seq = 0;; seq++)
    {
      g_autofree unsigned char *buf = NULL;
      unsigned int type = 0;

      len = 0;
      rc = get_san (obj, seq, NULL, &len, &type);
      if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
        break;
      if (rc != GNUTLS_E_SHORT_MEMORY_BUFFER && rc < 0)
        {
          mp_cert_names_free (names);
          mp_error_set_gnutls (error, rc, "reading the subjectAltName");
          return NULL;
        }
      buf = g_malloc0 (len + 1);
      rc = get_san (obj, seq, buf, &len, &type);
      if (rc < 0)
        {
          mp_cert_names_free (names);
          mp_error_set_gnutls (error, rc, "reading the subjectAltName");
          return NULL;
        }
      if (type == GNUTLS_SAN_DNSNAME)
        g_ptr_array_add (dns, g_strndup ((const char *) buf, len));
      else if (type == GNUTLS_SAN_IPADDRESS)
        g_ptr_array_add (ips, ip_to_string (buf, len));
    }
  g_ptr_array_add (dns, NULL);
  g_ptr_array_add (ips, NULL);
  names->dns = (GStrv) g_ptr_array_free (g_steal_pointer (&dns), FALSE);
  names->ips = (GStrv) g_ptr_array_free (g_steal_pointer (&ips), FALSE);
  return names;
}

/**
 * mp_cert_names_from_certificate:
 * @data: a certificate (PEM or DER); in a chain, the first one
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the names the certificate carries, or %NULL
 */
MpCertNames *
mp_cert_names_from_certificate (GBytes *data, GError **error)
{
  g_autoptr(MpX509Crt) crt = mp_x509_crt_import (data, "certificate", error);

  if (crt == NULL)
    return NULL;
  return read_names (crt, crt_get_dn, crt_get_san, error);
}

/**
 * mp_cert_names_from_csr:
 * @data: a certificate request (PEM or DER)
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the names the request asks for, or %NULL
 */
MpCertNames *
mp_cert_names_from_csr (GBytes *data, GError **error)
{
  g_autoptr(MpX509Crq) crq = mp_x509_crq_import (data, "CSR", error);

  if (crq == NULL)
    return NULL;
  return read_names (crq, crq_get_dn, crq_get_san, error);
}

static const char *
without_trailing_dot (const char *name, char *buf, gsize size)
{
  gsize len = strlen (name);

  if (len > 0 && name[len - 1] == '.' && len < size)
    {
      memcpy (buf, name, len - 1);
      buf[len - 1] = '\0';
      return buf;
    }
  return name;
}

/**
 * mp_dns_name_matches:
 * @pattern: a SAN dNSName, perhaps `*.example.com`
 * @name: a host name
 *
 * RFC 6125 matching, restricted as browsers do: case is ignored, a final
 * dot is ignored, and `*` matches one whole leftmost label only (never a
 * partial label, never more than one label, never the bare parent
 * `example.com`, and never with fewer than two labels after it).
 *
 * Returns: %TRUE when @pattern covers @name
 */
gboolean
mp_dns_name_matches (const char *pattern, const char *name)
{
  char pbuf[256], nbuf[256];
  const char *p, *n, *dot;

  if (pattern == NULL || name == NULL || *pattern == '\0' || *name == '\0')
    return FALSE;
  p = without_trailing_dot (pattern, pbuf, sizeof pbuf);
  n = without_trailing_dot (name, nbuf, sizeof nbuf);
  if (strchr (n, '*') != NULL)
    return FALSE;
  if (strchr (p, '*') == NULL)
    return g_ascii_strcasecmp (p, n) == 0;
  /* the wildcard must be the whole first label, and only there */
  if (p[0] != '*' || p[1] != '.' || strchr (p + 1, '*') != NULL)
    return FALSE;
  /* "*.com" is no wildcard anyone should honour */
  if (strchr (p + 2, '.') == NULL)
    return FALSE;
  dot = strchr (n, '.');
  if (dot == NULL || dot == n)
    return FALSE;
  return g_ascii_strcasecmp (p + 1, dot) == 0;
}

/**
 * mp_cert_names_covering:
 * @names: a certificate's names
 * @name: a host name
 *
 * Returns: (transfer none) (nullable): the SAN entry that covers @name
 * (the name itself or a wildcard), or %NULL
 */
const char *
mp_cert_names_covering (const MpCertNames *names, const char *name)
{
  /* an exact entry is the better explanation, so look for it first */
  for (guint i = 0; names->dns != NULL && names->dns[i] != NULL; i++)
    {
      if (strchr (names->dns[i], '*') == NULL && mp_dns_name_matches (names->dns[i], name))
        return names->dns[i];
    }
  for (guint i = 0; names->dns != NULL && names->dns[i] != NULL; i++)
    {
      if (mp_dns_name_matches (names->dns[i], name))
        return names->dns[i];
    }
  return NULL;
}

void
mp_rule_result_free (MpRuleResult *result)
{
  if (result == NULL)
    return;
  g_free (result->role);
  g_free (result->name);
  g_free (result->message);
  g_free (result);
}

static void
add_result (GPtrArray *results, const MpSanRule *rule, const char *name,
            MpRuleStatus status, char *message)
{
  MpRuleResult *r = g_new0 (MpRuleResult, 1);

  r->kind = rule->kind;
  r->role = g_strdup (rule->role);
  r->name = g_strdup (name);
  r->status = status;
  r->message = message;
  g_ptr_array_add (results, r);
}

/* what a fact is called in messages */
static const char *
label_of (MpSanRuleKind kind)
{
  switch (kind)
    {
    case MP_SAN_RULE_SERVER_FQDN:
      return "server FQDN";
    case MP_SAN_RULE_CLUSTER_FQDN_WHEN_CLUSTERED:
      return "cluster FQDN";
    case MP_SAN_RULE_PEERS_WHEN_CLUSTERED:
      return "peer";
    case MP_SAN_RULE_JOIN_URLS:
      return "join URL";
    case MP_SAN_RULE_XMPP_DOMAIN:
      return "XMPP domain";
    case MP_SAN_RULE_CN_EXACT:
    default:
      return "common name";
    }
}

static void
check_name (GPtrArray *results, const MpSanRule *rule, const MpCertNames *names, const char *name)
{
  const char *by = mp_cert_names_covering (names, name);
  const char *label = label_of (rule->kind);

  if (by != NULL && g_ascii_strcasecmp (by, name) == 0)
    add_result (results, rule, name, MP_RULE_PASS,
                g_strdup_printf ("%s covers the %s %s", rule->role, label, name));
  else if (by != NULL)
    add_result (results, rule, name, MP_RULE_PASS,
                g_strdup_printf ("%s covers the %s %s (by %s)", rule->role, label, name, by));
  else if (names->dns == NULL || names->dns[0] == NULL)
    add_result (results, rule, name, MP_RULE_FAIL,
                g_strdup_printf ("%s does not cover the %s %s: it has no DNS subjectAltName (the CN alone does not count)",
                                 rule->role, label, name));
  else
    {
      g_autofree char *sans = g_strjoinv (", ", names->dns);
      add_result (results, rule, name, MP_RULE_FAIL,
                  g_strdup_printf ("%s does not cover the %s %s (subjectAltName: %s)",
                                   rule->role, label, name, sans));
    }
}

static void
missing_fact (GPtrArray *results, const MpSanRule *rule, const char *key)
{
  add_result (results, rule, NULL, MP_RULE_FAIL,
              g_strdup_printf ("%s: the node fact %s is not set; run 'meetpki node set %s <value>'",
                               rule->role, key, key));
}

static void
check_list (GPtrArray *results, const MpSanRule *rule, const MpCertNames *names, GStrv list)
{
  for (guint i = 0; list[i] != NULL; i++)
    check_name (results, rule, names, list[i]);
}

static void
check_rule (GPtrArray *results, const MpSanRule *rule, const MpCertNames *names, const MpNodeFacts *facts)
{
  switch (rule->kind)
    {
    case MP_SAN_RULE_SERVER_FQDN:
      if (facts->server_fqdn == NULL)
        missing_fact (results, rule, "server-fqdn");
      else
        check_name (results, rule, names, facts->server_fqdn);
      break;
    case MP_SAN_RULE_CLUSTER_FQDN_WHEN_CLUSTERED:
      if (facts->cluster_fqdn == NULL)
        add_result (results, rule, NULL, MP_RULE_NOT_APPLICABLE,
                    g_strdup_printf ("%s: no cluster FQDN set (single node)", rule->role));
      else
        check_name (results, rule, names, facts->cluster_fqdn);
      break;
    case MP_SAN_RULE_PEERS_WHEN_CLUSTERED:
      if (facts->peers == NULL || facts->peers[0] == NULL)
        add_result (results, rule, NULL, MP_RULE_NOT_APPLICABLE,
                    g_strdup_printf ("%s: no peers set (single node)", rule->role));
      else
        check_list (results, rule, names, facts->peers);
      break;
    case MP_SAN_RULE_JOIN_URLS:
      if (facts->join_urls == NULL || facts->join_urls[0] == NULL)
        missing_fact (results, rule, "join-urls");
      else
        check_list (results, rule, names, facts->join_urls);
      break;
    case MP_SAN_RULE_XMPP_DOMAIN:
      if (facts->xmpp_domain == NULL)
        missing_fact (results, rule, "xmpp-domain");
      else
        check_name (results, rule, names, facts->xmpp_domain);
      break;
    case MP_SAN_RULE_CN_EXACT:
      if (g_strcmp0 (names->cn, rule->value) == 0)
        add_result (results, rule, rule->value, MP_RULE_PASS,
                    g_strdup_printf ("%s has the common name %s", rule->role, rule->value));
      else
        add_result (results, rule, rule->value, MP_RULE_FAIL,
                    g_strdup_printf ("%s must have the common name %s exactly, not %s",
                                     rule->role, rule->value, names->cn != NULL ? names->cn : "(none)"));
      break;
    default:
      g_assert_not_reached ();
    }
}

/**
 * mp_rules_check:
 * @desc: a plugin's descriptor
 * @role: the certificate role whose rules apply
 * @names: the certificate's names
 * @facts: the node facts
 *
 * Checks every SAN rule of @desc that applies to @role.
 *
 * Returns: (transfer full) (element-type MpRuleResult): one result per rule
 * and name, in the descriptor's order
 */
GPtrArray *
mp_rules_check (const MpPluginDescriptor *desc, const char *role,
                const MpCertNames *names, const MpNodeFacts *facts)
{
  GPtrArray *results = g_ptr_array_new_with_free_func ((GDestroyNotify) mp_rule_result_free);

  for (guint32 i = 0; i < desc->n_san_rules; i++)
    {
      if (g_strcmp0 (desc->san_rules[i].role, role) == 0)
        check_rule (results, &desc->san_rules[i], names, facts);
    }
  return results;
}

/**
 * mp_rules_passed:
 * @results: (element-type MpRuleResult): from mp_rules_check()
 *
 * Returns: %TRUE when no result failed
 */
gboolean
mp_rules_passed (GPtrArray *results)
{
  for (guint i = 0; i < results->len; i++)
    {
      if (((MpRuleResult *) g_ptr_array_index (results, i))->status == MP_RULE_FAIL)
        return FALSE;
    }
  return TRUE;
}

static void
add_unique (GPtrArray *list, const char *name)
{
  for (guint i = 0; i < list->len; i++)
    {
      if (g_ascii_strcasecmp (g_ptr_array_index (list, i), name) == 0)
        return;
    }
  g_ptr_array_add (list, g_strdup (name));
}

static gboolean
need_fact (const char *value, const char *key, GError **error)
{
  if (value != NULL)
    return TRUE;
  g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
               "the node fact %s is not set; run 'meetpki node set %s <value>'", key, key);
  return FALSE;
}

/* the names the role's rules ask for, in rule order */
static gboolean
collect_names (const MpPluginDescriptor *desc, const char *role, const MpNodeFacts *facts,
               GPtrArray *sans, GError **error)
{
  for (guint32 i = 0; i < desc->n_san_rules; i++)
    {
      const MpSanRule *rule = &desc->san_rules[i];

      if (g_strcmp0 (rule->role, role) != 0)
        continue;
      switch (rule->kind)
        {
        case MP_SAN_RULE_SERVER_FQDN:
          if (!need_fact (facts->server_fqdn, "server-fqdn", error))
            return FALSE;
          add_unique (sans, facts->server_fqdn);
          break;
        case MP_SAN_RULE_CLUSTER_FQDN_WHEN_CLUSTERED:
          if (facts->cluster_fqdn != NULL)
            add_unique (sans, facts->cluster_fqdn);
          break;
        case MP_SAN_RULE_PEERS_WHEN_CLUSTERED:
          for (guint k = 0; facts->peers != NULL && facts->peers[k] != NULL; k++)
            add_unique (sans, facts->peers[k]);
          break;
        case MP_SAN_RULE_JOIN_URLS:
          if (!need_fact (facts->join_urls != NULL ? facts->join_urls[0] : NULL, "join-urls", error))
            return FALSE;
          for (guint k = 0; facts->join_urls[k] != NULL; k++)
            add_unique (sans, facts->join_urls[k]);
          break;
        case MP_SAN_RULE_XMPP_DOMAIN:
          if (!need_fact (facts->xmpp_domain, "xmpp-domain", error))
            return FALSE;
          add_unique (sans, facts->xmpp_domain);
          break;
        case MP_SAN_RULE_CN_EXACT:
        default:
          break;
        }
    }
  return TRUE;
}

/**
 * mp_rules_subject_for_csr:
 * @desc: a plugin's descriptor
 * @csr: one of its #MpPluginCsr entries
 * @facts: the node facts
 * @error: return location for a #GError
 *
 * The seed's step-2 table as code: the CN from @csr's source, the SAN every
 * name the role's rules ask for (the CN first), so that the certificate
 * issued for it passes mp_rules_check().
 *
 * Returns: (transfer full): the subject, or %NULL when a fact is missing
 */
MpSubject *
mp_rules_subject_for_csr (const MpPluginDescriptor *desc, const MpPluginCsr *csr,
                          const MpNodeFacts *facts, GError **error)
{
  g_autoptr(GPtrArray) sans = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *cn_arg = NULL;
  g_autofree char *san_list = NULL;
  g_autofree char *san_arg = NULL;
  const char *cn = NULL;
  const char *args[2];

  switch (csr->cn)
    {
    case MP_CN_SERVER_FQDN:
      if (!need_fact (facts->server_fqdn, "server-fqdn", error))
        return NULL;
      cn = facts->server_fqdn;
      break;
    case MP_CN_CLUSTER_FQDN_WHEN_CLUSTERED:
      cn = facts->cluster_fqdn != NULL ? facts->cluster_fqdn : facts->server_fqdn;
      if (!need_fact (cn, "server-fqdn", error))
        return NULL;
      break;
    case MP_CN_EXACT:
      cn = csr->cn_value;
      break;
    default:
      g_assert_not_reached ();
    }
  add_unique (sans, cn);
  if (!collect_names (desc, csr->role, facts, sans, error))
    return NULL;
  g_ptr_array_add (sans, NULL);

  /* through the vendor's grammar, so the names get the checks pki csr gives */
  cn_arg = g_strconcat ("CN:", cn, NULL);
  san_list = g_strjoinv (",", (char **) sans->pdata);
  san_arg = g_strconcat ("subjectAltName:", san_list, NULL);
  args[0] = cn_arg;
  args[1] = san_arg;
  return mp_subject_new_from_mmp_args (args, 2, MP_SUBJECT_NONE, error);
}
