/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * validating a service's files before anything changes: key/certificate
 * pairs, the chain (through the bundle engine), the issuing CA, the
 * plugin's name rules, key usages, bundle format and expiry.  the same
 * checks run on the live files for `enable` and `check`.
 */
#include "config.h"

#include <string.h>

#include "mp-service-private.h"
#include "mp-x509.h"
#include "meetpki/mp-apply.h"
#include "meetpki/mp-bundle.h"
#include "meetpki/mp-rules.h"

const char *
mp_line_kind_to_string (MpLineKind kind)
{
  switch (kind)
    {
    case MP_LINE_SUCCESS:
      return "SUCCESS";
    case MP_LINE_WARNING:
      return "WARNING";
    case MP_LINE_FAILURE:
      return "FAILURE";
    case MP_LINE_NOTE:
    default:
      return "NOTE";
    }
}

void
mp_line_free (gpointer data)
{
  MpLine *line = data;

  g_free (line->text);
  g_free (line);
}

static void
input_free (MpServiceInput *in)
{
  g_free (in->role);
  g_free (in->source);
  g_bytes_unref (in->data);
  g_free (in);
}

static void
live_free (MpLiveFile *f)
{
  g_free (f->name);
  g_free (f->role);
  g_bytes_unref (f->data);
  g_free (f);
}

static MpValidation *
validation_new (const MpPluginForm *form)
{
  MpValidation *v = g_new0 (MpValidation, 1);

  v->form = form;
  v->inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) input_free);
  v->lines = g_ptr_array_new_with_free_func ((GDestroyNotify) mp_line_free);
  v->live = g_ptr_array_new_with_free_func ((GDestroyNotify) live_free);
  return v;
}

void
mp_validation_free (MpValidation *v)
{
  if (v == NULL)
    return;
  g_ptr_array_unref (v->inputs);
  g_ptr_array_unref (v->lines);
  g_ptr_array_unref (v->live);
  g_free (v);
}

static void add_line (MpValidation *v, MpLineKind kind, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static void
add_line (MpValidation *v, MpLineKind kind, const char *fmt, ...)
{
  MpLine *line = g_new0 (MpLine, 1);
  va_list ap;

  va_start (ap, fmt);
  line->kind = kind;
  line->text = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  v->n_failures += kind == MP_LINE_FAILURE;
  v->n_warnings += kind == MP_LINE_WARNING;
  g_ptr_array_add (v->lines, line);
}

static void
add_input (MpValidation *v, const char *role, const char *source, GBytes *data)
{
  MpServiceInput *in = g_new0 (MpServiceInput, 1);

  in->role = g_strdup (role);
  in->source = g_strdup (source);
  in->data = g_bytes_ref (data);
  g_ptr_array_add (v->inputs, in);
}

static void
add_live (MpValidation *v, const char *name, const char *role, GBytes *data, gboolean private_key)
{
  MpLiveFile *f = g_new0 (MpLiveFile, 1);

  for (guint i = 0; i < v->live->len; i++)
    {
      if (g_str_equal (((MpLiveFile *) g_ptr_array_index (v->live, i))->name, name))
        {
          live_free (f);
          return;
        }
    }
  f->name = g_strdup (name);
  f->role = g_strdup (role);
  f->data = g_bytes_ref (data);
  f->private_key = private_key;
  g_ptr_array_add (v->live, f);
}

/* the form a number of arguments fills: all its roles, or all but a last
 * optional one */
static const MpPluginForm *
pick_form (const MpPluginDescriptor *desc, guint n_args, guint *n_used)
{
  for (guint32 i = 0; i < desc->n_forms; i++)
    {
      const MpPluginForm *f = &desc->forms[i];
      const MpPluginRole *last = f->n_roles > 0 ? mp_descriptor_find_role (desc, f->roles[f->n_roles - 1]) : NULL;

      if (n_args == f->n_roles ||
          (n_args + 1 == f->n_roles && last != NULL && (last->flags & MP_ROLE_FLAG_OPTIONAL)))
        {
          *n_used = n_args;
          return f;
        }
    }
  return NULL;
}

/* the name recorded for an input: a store name, or an absolute path (as
 * `certs` and `trust` record their files) */
char *
mp_source_name (MpStore *store, const char *arg, const char *path)
{
  g_autofree char *abs = g_canonicalize_filename (path, NULL);
  g_autofree char *abs_dir = g_path_get_dirname (abs);

  if (strchr (arg, '/') == NULL && g_strcmp0 (abs_dir, mp_store_get_path (store)) == 0)
    return g_path_get_basename (abs);
  return g_steal_pointer (&abs);
}

/**
 * mp_validation_new_for_args:
 * @desc: the service
 * @store: the store
 * @args: the files of `<service> certs`, store names or paths
 * @n_args: their number
 * @error: return location for a #GError
 *
 * Picks the form the arguments fill and reads each file.
 *
 * Returns: (transfer full): the validation, not yet run
 */
MpValidation *
mp_validation_new_for_args (const MpPluginDescriptor *desc, MpStore *store,
                            const char * const *args, guint n_args, GError **error)
{
  g_autoptr(MpValidation) v = NULL;
  const MpPluginForm *form;
  guint n_used = 0;

  form = pick_form (desc, n_args, &n_used);
  if (form == NULL)
    {
      g_autoptr(GString) forms = g_string_new (NULL);
      for (guint32 i = 0; i < desc->n_forms; i++)
        g_string_append_printf (forms, "%s'%s'", i > 0 ? " or " : "", desc->forms[i].summary);
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "%s takes %u files here; usage: %s",
                   desc->name, n_args, forms->str);
      return NULL;
    }
  v = validation_new (form);
  for (guint i = 0; i < n_used; i++)
    {
      g_autofree char *path = mp_store_resolve_input (store, args[i], error);
      g_autoptr(GBytes) data = NULL;
      g_autofree char *source = NULL;

      if (path == NULL)
        return NULL;
      data = mp_file_read (path, error);
      if (data == NULL)
        return NULL;
      source = mp_source_name (store, args[i], path);
      add_input (v, form->roles[i], source, data);
    }
  return g_steal_pointer (&v);
}

/**
 * mp_validation_new_for_live:
 * @desc: the service
 * @store: the store
 * @config: the service configuration
 * @error: return location for a #GError
 *
 * Reads the service's live files, role by role, for `enable` and `check`.
 *
 * Returns: (transfer full): the validation, not yet run; %NULL with
 * %MP_ERROR_NOT_FOUND when no certificates were applied
 */
MpValidation *
mp_validation_new_for_live (const MpPluginDescriptor *desc, MpStore *store,
                            MpServiceConfig *config, GError **error)
{
  g_autofree char *form_name = mp_service_config_get_form (config, desc->name);
  g_autoptr(GPtrArray) applied = mp_service_config_get_applied (config, desc->name, FALSE);
  g_autofree char *dir = mp_service_live_dir (store, desc->name);
  g_autoptr(MpValidation) v = NULL;
  const MpPluginForm *form = NULL;

  for (guint32 i = 0; i < desc->n_forms; i++)
    {
      if (g_strcmp0 (desc->forms[i].name, form_name) == 0)
        form = &desc->forms[i];
    }
  if (applied->len == 0 || form == NULL)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_NOT_FOUND,
                   "no certificates are applied to %s; run 'meetpki %s%s certs ...' first",
                   desc->name, desc->name, desc->sequence != NULL && desc->sequence[0] == MP_STEP_CLUSTER_REMOVE ? " cluster" : "");
      return NULL;
    }
  v = validation_new (form);
  for (guint i = 0; i < applied->len; i++)
    {
      MpAppliedFile *f = g_ptr_array_index (applied, i);
      g_autofree char *path = g_build_filename (dir, f->live != NULL ? f->live : "", NULL);
      g_autoptr(GBytes) data = NULL;

      if (f->live == NULL)
        continue;
      data = mp_file_read (path, error);
      if (data == NULL)
        {
          g_prefix_error (error, "%s live file: ", desc->name);
          return NULL;
        }
      {
        /* named as the administrator sees it from the store */
        g_autofree char *shown = g_build_filename (MP_SERVICES_DIR, desc->name, f->live, NULL);
        add_input (v, f->role, shown, data);
      }
    }
  return g_steal_pointer (&v);
}

static MpServiceInput *
input_of_kind (MpValidation *v, const MpPluginDescriptor *desc, MpRoleKind kind)
{
  for (guint i = 0; i < v->inputs->len; i++)
    {
      MpServiceInput *in = g_ptr_array_index (v->inputs, i);
      const MpPluginRole *r = mp_descriptor_find_role (desc, in->role);
      if (r != NULL && r->kind == kind)
        return in;
    }
  return NULL;
}

static MpServiceInput *
input_of_role (MpValidation *v, const char *role)
{
  for (guint i = 0; role != NULL && i < v->inputs->len; i++)
    {
      MpServiceInput *in = g_ptr_array_index (v->inputs, i);
      if (g_str_equal (in->role, role))
        return in;
    }
  return NULL;
}

/* the findings of @b from the @from'th on, as lines about @in; @not_ca_hint
 * (nullable) follows the message of a `not-ca` error */
static void
add_finding_lines (MpValidation *v, MpServiceInput *in, MpBundle *b, guint from, const char *not_ca_hint)
{
  GPtrArray *findings = mp_bundle_get_findings (b);

  for (guint i = from; i < findings->len; i++)
    {
      MpFinding *f = g_ptr_array_index (findings, i);
      if (f->severity == MP_FINDING_ERROR && not_ca_hint != NULL && g_strcmp0 (f->code, "not-ca") == 0)
        add_line (v, MP_LINE_FAILURE, "%s: %s%s [%s]", in->source, f->message, not_ca_hint, f->code);
      else if (f->severity == MP_FINDING_ERROR)
        add_line (v, MP_LINE_FAILURE, "%s: %s [%s]", in->source, f->message, f->code);
      else
        add_line (v, MP_LINE_WARNING, "%s: %s [%s] (the live copy is written in canonical form)",
                  in->source, f->message, f->code);
    }
}

/* the findings of a bundle file as given, before it is rewritten */
static void
check_bundle_file (MpValidation *v, MpServiceInput *in, MpBundleKind kind, const char *not_ca_hint)
{
  g_autoptr(MpBundle) b = mp_bundle_new ();

  mp_bundle_add_data (b, in->data, in->source);
  mp_bundle_check (b, kind);
  add_finding_lines (v, in, b, 0, not_ca_hint);
}

/* whether a form of the service takes a full chain (webbridge's key and
 * fullchain) */
static gboolean
takes_full_chain (const MpPluginDescriptor *desc)
{
  for (guint32 i = 0; i < desc->n_forms; i++)
    {
      for (guint32 k = 0; k < desc->forms[i].n_roles; k++)
        {
          const MpPluginRole *r = mp_descriptor_find_role (desc, desc->forms[i].roles[k]);
          if (r != NULL && r->kind == MP_ROLE_FULLCHAIN)
            return TRUE;
        }
    }
  return FALSE;
}

/* whether @data holds a CA certificate: only then can `bundle build
 * --ca-only` make a CA bundle of it */
static gboolean
holds_ca (GBytes *data, const char *source)
{
  g_autoptr(MpBundle) b = mp_bundle_new ();
  GPtrArray *certs;

  mp_bundle_add_data (b, data, source);
  certs = mp_bundle_get_certs (b);
  for (guint i = 0; i < certs->len; i++)
    {
      if (mp_bundle_cert_is_ca (g_ptr_array_index (certs, i)))
        return TRUE;
    }
  return FALSE;
}

/* a bundle role takes the CAs alone: a full chain given there (the
 * entity first) is refused with what to do, `bundle build --ca-only` as
 * `help <service> certs` says (or webbridge's full-chain form).  a file
 * with no CA in it (the certificate again, another entity) is no full
 * chain: that command would fail on it, so its line gives none */
static void
check_ca_bundle_file (MpValidation *v, const MpPluginDescriptor *desc, MpServiceInput *in)
{
  MpServiceInput *cert = input_of_kind (v, desc, MP_ROLE_CERTIFICATE);
  MpServiceInput *key = input_of_kind (v, desc, MP_ROLE_KEY);
  g_autofree char *alone = NULL;
  g_autofree char *hint = NULL;

  if (key != NULL && takes_full_chain (desc))
    alone = g_strdup_printf (" (or give the full chain alone: 'meetpki %s certs %s %s')",
                             desc->name, key->source, in->source);
  if (cert != NULL && holds_ca (in->data, in->source))
    hint = g_strdup_printf ("; from a full chain, make the CA bundle with "
                            "'meetpki bundle build %s %s --ca-only -o <name>'%s",
                            cert->source, in->source, alone != NULL ? alone : "");
  check_bundle_file (v, in, MP_BUNDLE_KIND_CA_BUNDLE, hint);
}

static void
check_usage (MpValidation *v, const MpPluginRole *role, gnutls_x509_crt_t crt, const char *source)
{
  unsigned int usage = 0, critical = 0;

  if (role->key_usage != 0 && gnutls_x509_crt_get_key_usage (crt, &usage, &critical) >= 0)
    {
      if ((role->key_usage & MP_KEY_USAGE_DIGITAL_SIGNATURE) && !(usage & GNUTLS_KEY_DIGITAL_SIGNATURE))
        add_line (v, MP_LINE_FAILURE, "%s lacks the keyUsage digitalSignature the %s role needs", source, role->name);
      if ((role->key_usage & MP_KEY_USAGE_KEY_CERT_SIGN) && !(usage & GNUTLS_KEY_KEY_CERT_SIGN))
        add_line (v, MP_LINE_FAILURE, "%s lacks the keyUsage keyCertSign the %s role needs", source, role->name);
    }
  if (role->ext_key_usage != 0)
    {
      gboolean any = FALSE, server = FALSE, client = FALSE;
      for (unsigned int i = 0;; i++)
        {
          char oid[128];
          size_t len = sizeof oid;
          if (gnutls_x509_crt_get_key_purpose_oid (crt, i, oid, &len, NULL) < 0)
            break;
          any = TRUE;
          server |= strcmp (oid, GNUTLS_KP_TLS_WWW_SERVER) == 0 || strcmp (oid, GNUTLS_KP_ANY) == 0;
          client |= strcmp (oid, GNUTLS_KP_TLS_WWW_CLIENT) == 0 || strcmp (oid, GNUTLS_KP_ANY) == 0;
        }
      /* no extendedKeyUsage at all means any purpose */
      if (any && (role->ext_key_usage & MP_EKU_SERVER_AUTH) && !server)
        add_line (v, MP_LINE_FAILURE, "%s lacks the TLS Web Server Authentication EKU", source);
      if (any && (role->ext_key_usage & MP_EKU_CLIENT_AUTH) && !client)
        add_line (v, MP_LINE_FAILURE, "%s lacks the TLS Web Client Authentication EKU", source);
    }
}

/* the verdict on a validity window at @now, for a line that begins with
 * the certificate's name: expired or not yet valid fails, fewer than
 * @warn_days days left warns; the words after the name in @text */
MpLineKind
mp_validity_verdict (gint64 now, gint64 not_before, gint64 not_after, guint warn_days, char **text)
{
  g_autofree char *until = mp_bundle_format_time (not_after);
  gint64 days = mp_days_left (now, not_after);

  if (now > not_after)
    {
      *text = g_strdup_printf ("expired on %s", until);
      return MP_LINE_FAILURE;
    }
  if (now < not_before)
    {
      g_autofree char *from = mp_bundle_format_time (not_before);
      *text = g_strdup_printf ("is not valid before %s; check the clock", from);
      return MP_LINE_FAILURE;
    }
  if (days < (gint64) warn_days)
    {
      *text = g_strdup_printf ("expires in %" G_GINT64_FORMAT " days (%s)", days, until);
      return MP_LINE_WARNING;
    }
  *text = g_strdup_printf ("valid until %s (%" G_GINT64_FORMAT " days)", until, days);
  return MP_LINE_SUCCESS;
}

static void
check_expiry (MpValidation *v, gnutls_x509_crt_t crt, const char *source, guint warn_days)
{
  gint64 now = mp_now ();
  gint64 not_before = 0, not_after = 0;
  g_autofree char *verdict = NULL;
  MpLineKind kind;

  if (!mp_x509_crt_get_validity (crt, NULL, &not_before, &not_after))
    {
      add_line (v, MP_LINE_FAILURE, "%s has no readable validity dates", source);
      return;
    }
  kind = mp_validity_verdict (now, not_before, not_after, warn_days, &verdict);
  add_line (v, kind, "%s %s", source, verdict);
}

/* whether one of @cas issued @entity: the CA file may hold the CA's own
 * chain and other CAs, wherever it likes (its order is judged in
 * check_ca_file), and several may share the issuer's name (a re-keyed CA,
 * older ones without key identifiers), so every one of that name is tried
 * and the signature decides */
static gboolean
issued_by_one_of (gnutls_x509_crt_t entity, GPtrArray *cas)
{
  for (guint i = 0; i < cas->len; i++)
    {
      gnutls_x509_crt_t ca = g_ptr_array_index (cas, i);
      unsigned int status = 0;

      if (gnutls_x509_crt_check_issuer (entity, ca) &&
          gnutls_x509_crt_verify (entity, &ca, 1, GNUTLS_VERIFY_DISABLE_TIME_CHECKS, &status) >= 0 &&
          status == 0)
        return TRUE;
    }
  return FALSE;
}

/* one certificate role: pair, chain, issuer, names, usage, expiry */
static void
check_certificate (MpValidation *v, const MpPluginDescriptor *desc, MpServiceInput *in,
                   const MpPluginRole *role, const MpNodeFacts *facts, guint warn_days, gboolean several)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(GPtrArray) list = mp_x509_crt_import_list (in->data, in->source, &local);
  g_autofree char *suffix = several ? g_strdup_printf (" (%s)", role->name) : g_strdup ("");
  g_autoptr(GBytes) entity_pem = NULL;
  g_autoptr(MpBundle) pool = mp_bundle_new ();
  g_autoptr(MpCertNames) names = NULL;
  g_autoptr(GPtrArray) results = NULL;
  MpServiceInput *bundle_in = input_of_kind (v, desc, MP_ROLE_BUNDLE);
  MpServiceInput *ca_in = input_of_role (v, role->issued_by);
  gnutls_x509_crt_t entity;
  gboolean anchored;

  if (list == NULL || list->len == 0)
    {
      MpFileKind kind = mp_x509_sniff (in->data);

      /* the error already names the file */
      if (kind == MP_FILE_CSR || kind == MP_FILE_PRIVATE_KEY)
        add_line (v, MP_LINE_FAILURE, "%s is a %s, not a certificate (the %s role)", in->source,
                  kind == MP_FILE_CSR ? "certificate request (CSR)" : "private key", role->name);
      else if (local != NULL)
        add_line (v, MP_LINE_FAILURE, "%s", local->message);
      else
        add_line (v, MP_LINE_FAILURE, "%s: no certificate", in->source);
      return;
    }
  entity = g_ptr_array_index (list, 0);
  entity_pem = mp_x509_crt_export_pem (entity, NULL);
  if (role->kind == MP_ROLE_FULLCHAIN)
    {
      guint failures = v->n_failures;
      unsigned int ca = 0;

      check_bundle_file (v, in, MP_BUNDLE_KIND_FULL_CHAIN, NULL);
      /* a full chain that starts with a CA (root first, say): the bundle
       * findings say what is where; the pair, chain and names checks
       * would judge that CA as the entity and only mislead */
      if (gnutls_x509_crt_get_basic_constraints (entity, NULL, &ca, NULL) >= 0 && ca)
        {
          if (v->n_failures == failures)
            add_line (v, MP_LINE_FAILURE, "%s does not start with the entity certificate", in->source);
          return;
        }
    }

  /* the pair */
  if (role->pairs_with != NULL)
    {
      MpServiceInput *key_in = input_of_role (v, role->pairs_with);
      g_autoptr(MpX509Privkey) key = key_in != NULL ? mp_x509_privkey_import (key_in->data, key_in->source, NULL) : NULL;
      g_autoptr(GError) mismatch = NULL;

      if (key == NULL)
        add_line (v, MP_LINE_FAILURE, "no readable private key to match %s against", in->source);
      else if (mp_x509_privkey_matches_crt (key, entity, &mismatch))
        add_line (v, MP_LINE_SUCCESS, "Key and certificate pair match%s", suffix);
      else
        add_line (v, MP_LINE_FAILURE, "Key and certificate pair do not match%s: %s was not issued for %s",
                  suffix, in->source, key_in->source);
    }

  /* the chain, whatever order the inputs give it in */
  mp_bundle_add_data (pool, entity_pem, in->source);
  if (role->kind == MP_ROLE_FULLCHAIN)
    mp_bundle_add_data (pool, in->data, in->source);
  if (bundle_in != NULL)
    mp_bundle_add_data (pool, bundle_in->data, bundle_in->source);
  if (ca_in != NULL)
    mp_bundle_add_data (pool, ca_in->data, ca_in->source);
  anchored = bundle_in != NULL || ca_in != NULL || role->kind == MP_ROLE_FULLCHAIN ||
             mp_bundle_cert_is_self_signed (g_ptr_array_index (mp_bundle_get_certs (pool), 0));
  mp_bundle_build_chain (pool, g_ptr_array_index (mp_bundle_get_certs (pool), 0), MP_CHAIN_ROOT_REQUIRED);
  if (!anchored)
    {
      if (desc->full_chain_required)
        add_line (v, MP_LINE_FAILURE, "%s serves the full chain; give the CA bundle too", desc->name);
      else
        add_line (v, MP_LINE_WARNING, "no CA bundle given: the chain of %s was not verified", in->source);
    }
  else
    {
      g_autoptr(GError) why = NULL;
      if (mp_bundle_verify_chain (pool, FALSE, &why))
        add_line (v, MP_LINE_SUCCESS, "certificate verified against CA bundle%s", suffix);
      else
        add_line (v, MP_LINE_FAILURE, "%s%s%s", why->message, suffix,
                  role->kind == MP_ROLE_FULLCHAIN && bundle_in == NULL
                    ? " (a full chain file holds the entity, the intermediates and the root)" : "");
      if (mp_bundle_find_finding (pool, "intermediate-expires-first") != NULL)
        add_line (v, MP_LINE_WARNING, "%s", mp_bundle_find_finding (pool, "intermediate-expires-first")->message);
    }

  /* the database: both certificates issued by the one CA given */
  if (role->issued_by != NULL)
    {
      g_autoptr(GPtrArray) cas = ca_in != NULL ? mp_x509_crt_import_list (ca_in->data, ca_in->source, NULL) : NULL;

      if (cas == NULL || cas->len == 0)
        add_line (v, MP_LINE_FAILURE, "no CA certificate to check %s against", in->source);
      else if (!issued_by_one_of (entity, cas))
        add_line (v, MP_LINE_FAILURE, "%s was not issued by the CA %s", in->source, ca_in->source);
      else
        add_line (v, MP_LINE_SUCCESS, "%s issued by the CA %s", in->source, ca_in->source);
    }

  /* the plugin's names */
  names = mp_cert_names_from_certificate (entity_pem, NULL);
  if (names != NULL)
    {
      results = mp_rules_check (desc, role->name, names, facts);
      for (guint i = 0; i < results->len; i++)
        {
          MpRuleResult *r = g_ptr_array_index (results, i);
          if (r->status != MP_RULE_NOT_APPLICABLE)
            add_line (v, r->status == MP_RULE_PASS ? MP_LINE_SUCCESS : MP_LINE_FAILURE, "%s", r->message);
        }
    }
  check_usage (v, role, entity, in->source);
  check_expiry (v, entity, in->source, warn_days);

  /* the live copies */
  if (role->kind == MP_ROLE_FULLCHAIN)
    add_live (v, "cert", NULL, entity_pem, FALSE);
  else
    add_live (v, role->name, role->name, entity_pem, FALSE);
  if (bundle_in != NULL)
    {
      g_autoptr(GBytes) cas = mp_bundle_chain_to_pem (pool, MP_PEM_NO_ENTITY, NULL);
      if (cas != NULL)
        add_live (v, "bundle", bundle_in->role, cas, FALSE);
    }
  if (role->kind == MP_ROLE_FULLCHAIN || bundle_in != NULL)
    {
      MpPemFlags flags = desc->full_chain_required || role->kind == MP_ROLE_FULLCHAIN ? MP_PEM_ALL : MP_PEM_NO_ENTITY;
      g_autoptr(GBytes) chain = mp_bundle_chain_to_pem (pool, flags, NULL);
      if (chain != NULL)
        add_live (v, "chain", role->kind == MP_ROLE_FULLCHAIN ? role->name : NULL, chain, FALSE);
    }
}

/* the certificate of @in (its first) added to @pool; NULL when it cannot
 * be read or is one of the pool's already (its own check says why) */
static MpBundleCert *
add_entity (MpBundle *pool, MpServiceInput *in)
{
  g_autoptr(GPtrArray) list = mp_x509_crt_import_list (in->data, in->source, NULL);
  g_autoptr(GBytes) pem = NULL;
  GPtrArray *certs = mp_bundle_get_certs (pool);

  if (list == NULL || list->len == 0)
    return NULL;
  pem = mp_x509_crt_export_pem (g_ptr_array_index (list, 0), NULL);
  if (pem == NULL || mp_bundle_add_data (pool, pem, in->source) == 0)
    return NULL;
  return g_ptr_array_index (certs, certs->len - 1);
}

/* the chain above @entity through the pool, issuing CA first; NULL, with a
 * failure line, when it does not reach a self-signed root */
static GPtrArray *
issuing_chain (MpValidation *v, MpServiceInput *in, MpBundle *pool, MpBundleCert *entity, const char *for_what)
{
  GPtrArray *chain;
  GPtrArray *built;
  const MpBundleCert *top;

  mp_bundle_build_chain (pool, entity, MP_CHAIN_ROOT_REQUIRED);
  built = mp_bundle_get_chain (pool);
  top = g_ptr_array_index (built, built->len - 1);
  if (!mp_bundle_chain_is_complete (pool))
    {
      /* a certificate with no issuer at all in the file: the issued-by
       * check says so */
      if (built->len > 1 || mp_bundle_cert_is_ca (entity))
        add_line (v, MP_LINE_FAILURE,
                  "%s: the root is missing: the chain of %s ends at '%s', issued by '%s', which is not in the file; "
                  "PostgreSQL verifies a peer up to a self-signed root and takes no partial chain",
                  in->source, for_what, mp_bundle_cert_get_subject (top), mp_bundle_cert_get_issuer (top));
      return NULL;
    }
  chain = g_ptr_array_new ();
  for (guint i = 0; i < built->len; i++)
    g_ptr_array_add (chain, g_ptr_array_index (built, i));
  return chain;
}

/* the subjects of @chain, "CN=a, CN=b" */
static char *
chain_subjects (GPtrArray *chain)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < chain->len; i++)
    g_string_append_printf (text, "%s%s", i > 0 ? ", " : "", mp_bundle_cert_get_subject (g_ptr_array_index (chain, i)));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* FALSE, with a failure line, when @chain's certificates are not in bundle
 * order in @file (issuing CA first, root last) */
static gboolean
chain_in_file_order (MpValidation *v, MpServiceInput *in, GPtrArray *file, GPtrArray *chain)
{
  gint last = -1;

  for (guint i = 0; i < chain->len; i++)
    {
      guint pos = 0;

      g_ptr_array_find (file, g_ptr_array_index (chain, i), &pos);
      if ((gint) pos < last)
        {
          add_line (v, MP_LINE_FAILURE, "%s: wrong order: '%s' comes before '%s', which it issued; "
                    "the order is the issuing CA, its chain, root last [wrong-order]", in->source,
                    mp_bundle_cert_get_subject (g_ptr_array_index (chain, i)),
                    mp_bundle_cert_get_subject (g_ptr_array_index (chain, i - 1)));
          return FALSE;
        }
      last = (gint) pos;
    }
  return TRUE;
}

/* the CA file (the database's root file, postgresql's ssl_ca_file): the
 * chains that issue the database's certificates, each from the issuing CA
 * up to its self-signed root (postgresql verifies to a root and takes no
 * partial chain), the first certificate's chain first, then the CAs of
 * the other's chain it does not share (two certificates from two chains
 * work: a peer checks each against the whole file); then every other CA
 * certificate of the file in the given order: an old root beside the new
 * one during a CA rotation, another CA the peers use.  each chain's own
 * certificates keep bundle order (issuing CA first, root last); a
 * certificate that is not a CA has no place here */
static void
check_ca_file (MpValidation *v, const MpPluginDescriptor *desc, MpServiceInput *in, const MpPluginRole *role)
{
  g_autoptr(MpBundle) pool = mp_bundle_new ();
  g_autoptr(GPtrArray) file = g_ptr_array_new ();
  g_autoptr(GPtrArray) chains = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  g_autoptr(GPtrArray) issued_names = g_ptr_array_new ();
  g_autoptr(GPtrArray) kept = g_ptr_array_new ();
  g_autoptr(GBytes) pem = NULL;
  guint failures = v->n_failures;
  gboolean apart = FALSE;

  mp_bundle_add_data (pool, in->data, in->source);
  add_finding_lines (v, in, pool, 0, NULL);
  for (guint i = 0; i < mp_bundle_get_certs (pool)->len; i++)
    {
      const MpBundleCert *c = g_ptr_array_index (mp_bundle_get_certs (pool), i);

      if (!mp_bundle_cert_is_ca (c))
        add_line (v, MP_LINE_FAILURE, "%s: '%s' is not a CA certificate (basicConstraints CA:TRUE missing); "
                  "the %s file holds CA certificates only", in->source, mp_bundle_cert_get_subject (c), role->name);
      g_ptr_array_add (file, (gpointer) c);
    }
  if (v->n_failures > failures || file->len == 0)
    return;

  /* every certificate the file's CA issued must reach a root through it */
  for (guint i = 0; i < v->inputs->len; i++)
    {
      MpServiceInput *issued = g_ptr_array_index (v->inputs, i);
      const MpPluginRole *r = mp_descriptor_find_role (desc, issued->role);
      MpBundleCert *entity;
      GPtrArray *above;

      if (r == NULL || g_strcmp0 (r->issued_by, role->name) != 0 || (entity = add_entity (pool, issued)) == NULL)
        continue;
      above = issuing_chain (v, in, pool, entity, issued->source);
      if (above == NULL)
        continue;
      g_ptr_array_remove_index (above, 0);
      g_ptr_array_add (chains, above);
      g_ptr_array_add (issued_names, (gpointer) issued->source);
    }
  /* no issued certificate to start from: the file's own chain (when the
   * certificates have no issuer in the file, their issued-by check fails
   * and nothing is written) */
  if (chains->len == 0 && v->n_failures == failures)
    {
      GPtrArray *own = issuing_chain (v, in, pool, g_ptr_array_index (file, 0), in->source);
      if (own != NULL)
        g_ptr_array_add (chains, own);
    }
  if (chains->len == 0 || v->n_failures > failures)
    return;

  for (guint k = 0; k < chains->len; k++)
    {
      GPtrArray *chain = g_ptr_array_index (chains, k);
      guint before = kept->len;

      if (!chain_in_file_order (v, in, file, chain))
        return;
      for (guint i = 0; i < chain->len; i++)
        {
          if (!g_ptr_array_find (kept, g_ptr_array_index (chain, i), NULL))
            g_ptr_array_add (kept, g_ptr_array_index (chain, i));
        }
      /* a second chain: the certificates came from two CAs */
      if (kept->len > before && k > 0)
        {
          g_autofree char *subjects = chain_subjects (chain);
          add_line (v, MP_LINE_NOTE, "chain of %s: %s (%s: apart from the chain of %s; %s.pem holds both)",
                    (const char *) g_ptr_array_index (issued_names, k), subjects, in->source,
                    (const char *) g_ptr_array_index (issued_names, 0), role->name);
          apart = TRUE;
        }
    }
  for (guint i = 0; i < file->len; i++)
    {
      const MpBundleCert *c = g_ptr_array_index (file, i);

      if (g_ptr_array_find (kept, c, NULL))
        continue;
      add_line (v, MP_LINE_NOTE, "also kept: %s (%s: a CA outside the issuing %s)",
                mp_bundle_cert_get_subject (c), in->source, apart ? "chains" : "chain");
      g_ptr_array_add (kept, (gpointer) c);
    }
  pem = mp_bundle_certs_to_pem (kept);
  add_live (v, role->name, role->name, pem, FALSE);
}

/**
 * mp_validation_run:
 * @v: the validation
 * @desc: the service
 * @facts: the node facts the name rules are checked against
 * @warn_days: certificates expiring sooner are warnings
 *
 * Runs every check on the inputs, adding lines, and prepares the canonical
 * live files.  Nothing is written.
 */
void
mp_validation_run (MpValidation *v, const MpPluginDescriptor *desc, const MpNodeFacts *facts, guint warn_days)
{
  guint n_certs = 0;

  mp_crypto_init ();
  for (guint i = 0; i < v->inputs->len; i++)
    {
      const MpPluginRole *r = mp_descriptor_find_role (desc, ((MpServiceInput *) g_ptr_array_index (v->inputs, i))->role);
      n_certs += r != NULL && (r->kind == MP_ROLE_CERTIFICATE || r->kind == MP_ROLE_FULLCHAIN);
    }
  for (guint i = 0; i < v->inputs->len; i++)
    {
      MpServiceInput *in = g_ptr_array_index (v->inputs, i);
      const MpPluginRole *role = mp_descriptor_find_role (desc, in->role);
      g_autoptr(GError) local = NULL;

      if (role == NULL)
        {
          add_line (v, MP_LINE_FAILURE, "%s: the %s service has no role %s", in->source, desc->name, in->role);
          continue;
        }
      switch (role->kind)
        {
        case MP_ROLE_KEY:
          {
            g_autoptr(MpX509Privkey) key = NULL;
            g_autoptr(GBytes) pem = NULL;

            if (mp_x509_sniff (in->data) != MP_FILE_PRIVATE_KEY)
              {
                add_line (v, MP_LINE_FAILURE, "%s is not a private key (the %s role)", in->source, role->name);
                break;
              }
            key = mp_x509_privkey_import (in->data, in->source, &local);
            pem = key != NULL ? mp_x509_privkey_export_pem (key, &local) : NULL;
            if (pem == NULL)
              add_line (v, MP_LINE_FAILURE, "%s", local->message);
            else
              add_live (v, role->name, role->name, pem, TRUE);
          }
          break;
        case MP_ROLE_CERTIFICATE:
        case MP_ROLE_FULLCHAIN:
          check_certificate (v, desc, in, role, facts, warn_days, n_certs > 1);
          break;
        case MP_ROLE_BUNDLE:
          check_ca_bundle_file (v, desc, in);
          break;
        case MP_ROLE_CA:
          check_ca_file (v, desc, in, role);
          break;
        default:
          break;
        }
    }
  /* live names as files: "<role>.pem" */
  for (guint i = 0; i < v->live->len; i++)
    {
      MpLiveFile *f = g_ptr_array_index (v->live, i);
      if (!g_str_has_suffix (f->name, ".pem"))
        {
          char *name = g_strconcat (f->name, ".pem", NULL);
          g_free (f->name);
          f->name = name;
        }
    }
}
