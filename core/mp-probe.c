/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the probe's checking half: a service's endpoint in services.conf, and
 * what the served chain is worth against the applied files: the leaf's
 * fingerprint, the chain's completeness and order, verification against
 * the applied CA, the plugin's SAN rules and the days left.
 */
#include "config.h"

#include <string.h>

#include "mp-private.h"
#include "mp-x509.h"
#include "meetpki/mp-probe.h"
#include "meetpki/mp-bundle.h"
#include "meetpki/mp-rules.h"

static const char * const starttls_names[] = {
  [MP_STARTTLS_NONE] = "none",
  [MP_STARTTLS_XMPP] = "xmpp",
  [MP_STARTTLS_POSTGRES] = "postgres",
};

const char *
mp_starttls_to_string (MpStarttls kind)
{
  if ((guint) kind >= G_N_ELEMENTS (starttls_names))
    return "none";
  return starttls_names[kind];
}

/**
 * mp_starttls_from_string:
 * @text: `none`, `xmpp` or `postgres`
 * @kind: (out): the kind
 * @error: return location for a #GError
 *
 * Returns: whether @text names a kind
 */
gboolean
mp_starttls_from_string (const char *text, MpStarttls *kind, GError **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (starttls_names); i++)
    {
      if (g_strcmp0 (text, starttls_names[i]) == 0)
        {
          *kind = (MpStarttls) i;
          return TRUE;
        }
    }
  g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
               "unknown STARTTLS kind '%s' (none, xmpp, postgres)", text);
  return FALSE;
}

void
mp_endpoint_free (MpEndpoint *endpoint)
{
  if (endpoint == NULL)
    return;
  g_free (endpoint->address);
  g_free (endpoint);
}

/**
 * mp_service_config_get_endpoint:
 * @config: the service configuration
 * @service: the service
 *
 * Returns: (transfer full) (nullable): the configured endpoint, %NULL when
 * none is (or the recorded one no longer parses)
 */
MpEndpoint *
mp_service_config_get_endpoint (MpServiceConfig *config, const char *service)
{
  g_autoptr(MpEndpoint) ep = g_new0 (MpEndpoint, 1);
  g_autofree char *starttls = mp_service_config_get_string (config, service, "starttls");
  g_autofree char *timeout = mp_service_config_get_string (config, service, "probe-timeout");
  guint64 seconds = MP_PROBE_DEFAULT_TIMEOUT;

  ep->address = mp_service_config_get_string (config, service, "endpoint");
  if (ep->address == NULL || !mp_endpoint_check_address (ep->address, NULL))
    return NULL;
  if (starttls != NULL && !mp_starttls_from_string (starttls, &ep->starttls, NULL))
    return NULL;
  if (timeout != NULL && !g_ascii_string_to_unsigned (timeout, 10, 1, 600, &seconds, NULL))
    seconds = MP_PROBE_DEFAULT_TIMEOUT;
  ep->timeout = (guint) seconds;
  return g_steal_pointer (&ep);
}

/**
 * mp_service_config_set_endpoint:
 * @config: the service configuration
 * @service: the service
 * @endpoint: (nullable): the endpoint; %NULL: none
 * @error: return location for a #GError
 *
 * Returns: whether @endpoint was valid and is recorded (save the config)
 */
gboolean
mp_service_config_set_endpoint (MpServiceConfig *config, const char *service,
                                const MpEndpoint *endpoint, GError **error)
{
  g_autofree char *timeout = NULL;

  if (endpoint == NULL)
    {
      mp_service_config_set_string (config, service, "endpoint", NULL);
      mp_service_config_set_string (config, service, "starttls", NULL);
      mp_service_config_set_string (config, service, "probe-timeout", NULL);
      return TRUE;
    }
  if (!mp_endpoint_check_address (endpoint->address, error))
    return FALSE;
  if (endpoint->timeout < 1 || endpoint->timeout > 600)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                   "probe timeout %u is out of range (1-600 seconds)", endpoint->timeout);
      return FALSE;
    }
  timeout = g_strdup_printf ("%u", endpoint->timeout);
  mp_service_config_set_string (config, service, "endpoint", endpoint->address);
  mp_service_config_set_string (config, service, "starttls", mp_starttls_to_string (endpoint->starttls));
  mp_service_config_set_string (config, service, "probe-timeout", timeout);
  return TRUE;
}

void
mp_probe_free (MpProbe *probe)
{
  if (probe == NULL)
    return;
  g_free (probe->address);
  g_clear_pointer (&probe->served, g_ptr_array_unref);
  g_free (probe->served_sha256);
  g_clear_pointer (&probe->lines, g_ptr_array_unref);
  g_free (probe);
}

static void add_line (MpProbe *p, MpLineKind kind, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static void
add_line (MpProbe *p, MpLineKind kind, const char *fmt, ...)
{
  MpLine *line = g_new0 (MpLine, 1);
  va_list args;

  va_start (args, fmt);
  line->kind = kind;
  line->text = g_strdup_vprintf (fmt, args);
  va_end (args);
  if (kind == MP_LINE_FAILURE)
    p->n_failures++;
  g_ptr_array_add (p->lines, line);
}

/* what the applied set says the daemon should serve: its first
 * certificate role, and the CAs to verify against */
typedef struct {
  const char *role;
  GBytes *leaf_der;
  GPtrArray *anchors; /* gnutls_x509_crt_t */
} Expected;

static void
expected_clear (Expected *e)
{
  g_clear_pointer (&e->leaf_der, g_bytes_unref);
  g_clear_pointer (&e->anchors, g_ptr_array_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Expected, expected_clear)

static GBytes *
crt_der (gnutls_x509_crt_t crt, GError **error)
{
  gnutls_datum_t out = { NULL, 0 };
  GBytes *der;
  int rc = gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_DER, &out);

  if (rc < 0)
    {
      mp_error_set_gnutls (error, rc, "certificate export");
      return NULL;
    }
  der = g_bytes_new (out.data, out.size);
  gnutls_free (out.data);
  return der;
}

static gboolean
is_self_signed (gnutls_x509_crt_t crt)
{
  return gnutls_x509_crt_check_issuer (crt, crt) != 0;
}

static gboolean
add_expected (Expected *e, const MpPluginRole *role, GBytes *data, GError **error)
{
  g_autoptr(GPtrArray) crts = NULL;

  if (role->kind == MP_ROLE_KEY)
    return TRUE;
  crts = mp_x509_crt_import_list (data, role->name, error);
  if (crts == NULL)
    return FALSE;
  if (e->leaf_der == NULL && crts->len > 0 &&
      (role->kind == MP_ROLE_CERTIFICATE || role->kind == MP_ROLE_FULLCHAIN))
    {
      e->role = role->name;
      e->leaf_der = crt_der (g_ptr_array_index (crts, 0), error);
      if (e->leaf_der == NULL)
        return FALSE;
    }
  if (role->kind != MP_ROLE_BUNDLE && role->kind != MP_ROLE_FULLCHAIN && role->kind != MP_ROLE_CA)
    return TRUE;
  /* the roots of bundles and chains; a CA role is trusted as it stands */
  while (crts->len > 0)
    {
      gnutls_x509_crt_t crt = g_ptr_array_steal_index (crts, 0);
      if (role->kind == MP_ROLE_CA || is_self_signed (crt))
        g_ptr_array_add (e->anchors, crt);
      else
        gnutls_x509_crt_deinit (crt);
    }
  return TRUE;
}

static gboolean
load_expected (Expected *e, const MpPluginDescriptor *desc, MpStore *store,
               MpServiceConfig *config, GError **error)
{
  g_autoptr(MpValidation) v = mp_validation_new_for_live (desc, store, config, error);

  if (v == NULL)
    return FALSE;
  e->anchors = g_ptr_array_new_with_free_func ((GDestroyNotify) gnutls_x509_crt_deinit);
  for (guint i = 0; i < v->inputs->len; i++)
    {
      MpServiceInput *in = g_ptr_array_index (v->inputs, i);
      const MpPluginRole *role = mp_descriptor_find_role (desc, in->role);

      if (role != NULL && !add_expected (e, role, in->data, error))
        return FALSE;
    }
  if (e->leaf_der == NULL)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_NOT_FOUND,
                   "%s: the applied files hold no certificate to compare with", desc->name);
      return FALSE;
    }
  return TRUE;
}

static char *
crt_subject (gnutls_x509_crt_t crt)
{
  gnutls_datum_t dn = { NULL, 0 };
  char *text;

  if (gnutls_x509_crt_get_dn3 (crt, &dn, 0) < 0)
    return g_strdup ("?");
  text = g_strndup ((const char *) dn.data, dn.size);
  gnutls_free (dn.data);
  return text;
}

static void
check_leaf (MpProbe *p, const Expected *e)
{
  g_autofree char *want = mp_sha256_hex (e->leaf_der);

  if (g_strcmp0 (want, p->served_sha256) == 0)
    add_line (p, MP_LINE_SUCCESS, "served certificate is the applied %s (SHA-256 %s)", e->role, want);
  else
    add_line (p, MP_LINE_FAILURE, "served certificate (SHA-256 %s) is not the applied %s (SHA-256 %s)",
              p->served_sha256, e->role, want);
}

static gboolean
issued_by_anchor (gnutls_x509_crt_t crt, const Expected *e)
{
  for (guint i = 0; i < e->anchors->len; i++)
    {
      if (gnutls_x509_crt_check_issuer (crt, g_ptr_array_index (e->anchors, i)) != 0)
        return TRUE;
    }
  return FALSE;
}

static void
check_order (MpProbe *p, GPtrArray *crts, const Expected *e)
{
  gnutls_x509_crt_t last = g_ptr_array_index (crts, crts->len - 1);

  for (guint i = 0; i + 1 < crts->len; i++)
    {
      gnutls_x509_crt_t crt = g_ptr_array_index (crts, i);
      if (gnutls_x509_crt_check_issuer (crt, g_ptr_array_index (crts, i + 1)) == 0)
        {
          g_autofree char *subject = crt_subject (crt);
          add_line (p, MP_LINE_FAILURE,
                    "served chain is out of order: certificate %u (%s) is not issued by the one after it",
                    i + 1, subject);
          return;
        }
    }
  if (!is_self_signed (last) && !issued_by_anchor (last, e))
    {
      g_autofree char *subject = crt_subject (last);
      add_line (p, MP_LINE_FAILURE,
                "served chain is incomplete: the issuer of %s is neither served nor an applied CA", subject);
      return;
    }
  add_line (p, MP_LINE_SUCCESS, "served chain is complete and in order (%u certificate%s)",
            crts->len, crts->len == 1 ? "" : "s");
}

static void
check_verify (MpProbe *p, GPtrArray *crts, const Expected *e)
{
  unsigned int status = 0;
  gnutls_datum_t reason = { NULL, 0 };
  int rc;

  if (e->anchors->len == 0)
    {
      add_line (p, MP_LINE_WARNING, "served chain not verified: the applied files hold no CA");
      return;
    }
  rc = gnutls_x509_crt_list_verify ((const gnutls_x509_crt_t *) crts->pdata, crts->len,
                                    (const gnutls_x509_crt_t *) e->anchors->pdata, e->anchors->len,
                                    NULL, 0, 0, &status);
  if (rc < 0)
    {
      add_line (p, MP_LINE_FAILURE, "served chain does not verify: %s", gnutls_strerror (rc));
      return;
    }
  if (status == 0)
    {
      add_line (p, MP_LINE_SUCCESS, "served chain verifies against the applied CA");
      return;
    }
  gnutls_certificate_verification_status_print (status, GNUTLS_CRT_X509, &reason, 0);
  add_line (p, MP_LINE_FAILURE, "served chain does not verify against the applied CA: %s",
            reason.data != NULL ? (const char *) reason.data : "unknown reason");
  gnutls_free (reason.data);
}

static void
check_names (MpProbe *p, const MpPluginDescriptor *desc, const Expected *e, const MpNodeFacts *facts)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(MpCertNames) names = mp_cert_names_from_certificate (g_ptr_array_index (p->served, 0), &local);
  g_autoptr(GPtrArray) results = NULL;

  if (names == NULL)
    {
      add_line (p, MP_LINE_FAILURE, "served certificate names: %s", local->message);
      return;
    }
  results = mp_rules_check (desc, e->role, names, facts);
  for (guint i = 0; i < results->len; i++)
    {
      MpRuleResult *r = g_ptr_array_index (results, i);
      if (r->status != MP_RULE_NOT_APPLICABLE)
        add_line (p, r->status == MP_RULE_PASS ? MP_LINE_SUCCESS : MP_LINE_FAILURE,
                  "served certificate: %s", r->message);
    }
}

static void
check_days (MpProbe *p, gnutls_x509_crt_t leaf)
{
  gint64 not_before = 0, not_after = 0;
  gint64 now = mp_now ();
  gint64 left;
  g_autofree char *until = NULL;

  if (!mp_x509_crt_get_validity (leaf, NULL, &not_before, &not_after))
    {
      add_line (p, MP_LINE_FAILURE, "served certificate has no readable validity dates");
      return;
    }
  left = mp_days_left (now, not_after);
  until = mp_bundle_format_time (not_after);
  if (not_after < now)
    add_line (p, MP_LINE_FAILURE, "served certificate expired on %s", until);
  else if (left < MP_APPLY_DEFAULT_WARN_DAYS)
    add_line (p, MP_LINE_WARNING, "served certificate expires in %" G_GINT64_FORMAT " days (%s)", left, until);
  else
    add_line (p, MP_LINE_SUCCESS, "served certificate valid for %" G_GINT64_FORMAT " more days (until %s)",
              left, until);
}

static GPtrArray *
import_served (GPtrArray *served, GError **error)
{
  g_autoptr(GPtrArray) crts = g_ptr_array_new_with_free_func ((GDestroyNotify) gnutls_x509_crt_deinit);

  for (guint i = 0; i < served->len; i++)
    {
      gnutls_x509_crt_t crt = mp_x509_crt_import (g_ptr_array_index (served, i), "served certificate", error);
      if (crt == NULL)
        return NULL;
      g_ptr_array_add (crts, crt);
    }
  return g_steal_pointer (&crts);
}

/**
 * mp_probe_service:
 * @desc: the service
 * @store: the store
 * @config: the service configuration
 * @facts: the node facts the SAN rules read
 * @endpoint: where the daemon serves
 * @error: return location for a #GError
 *
 * Fetches the served chain and checks it against the applied files.
 * Failing checks are FAILURE lines of the result, not errors.
 *
 * Returns: (transfer full): the probe; %NULL with %MP_ERROR_CONNECT_FAILED
 * when no handshake completed, %MP_ERROR_NOT_FOUND when nothing is applied
 */
MpProbe *
mp_probe_service (const MpPluginDescriptor *desc, MpStore *store, MpServiceConfig *config,
                  const MpNodeFacts *facts, const MpEndpoint *endpoint, GError **error)
{
  g_auto(Expected) e = { NULL };
  g_autoptr(MpProbe) p = g_new0 (MpProbe, 1);
  g_autoptr(GPtrArray) crts = NULL;
  const char *server_name = endpoint->starttls == MP_STARTTLS_XMPP && facts->xmpp_domain != NULL
                                ? facts->xmpp_domain : facts->server_fqdn;

  if (!load_expected (&e, desc, store, config, error))
    return NULL;
  p->address = g_strdup (endpoint->address);
  p->lines = g_ptr_array_new_with_free_func ((GDestroyNotify) mp_line_free);
  p->served = mp_probe_fetch_chain (endpoint, server_name, error);
  if (p->served == NULL)
    return NULL;
  crts = import_served (p->served, error);
  if (crts == NULL)
    return NULL;
  p->served_sha256 = mp_sha256_hex (g_ptr_array_index (p->served, 0));
  check_leaf (p, &e);
  check_order (p, crts, &e);
  check_verify (p, crts, &e);
  check_names (p, desc, &e, facts);
  check_days (p, g_ptr_array_index (crts, 0));
  return g_steal_pointer (&p);
}
