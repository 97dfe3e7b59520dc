/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `node provision <profile>`: the node facts from the profile, a CA (made
 * here or imported), a key, CSR and certificate per service with the names
 * its plugin's rules ask for, a bundle, each service applied in its own
 * sequence, then check.  every piece is the engine the single commands
 * use; this file only strings them together.
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "mp-private.h"
#include "meetpki/mp-bundle.h"
#include "meetpki/mp-pki.h"
#include "meetpki/mp-provision.h"
#include "meetpki/mp-rules.h"
#include "meetpki/mp-transfer.h"

struct _MpProfile {
  GKeyFile *kf;
  GBytes *text;
  char *path;
  char *dir;
  gboolean from_file; /* its [ca] paths may be opened here */
  int ca_fds[MP_PROFILE_CA_N_FILES]; /* -1: not opened or passed */
};

static const char * const groups[] = { "node", "ca", "certificates", "services", "names", NULL };
static const char * const ca_keys[] = { "mode", "name", "subject", "days", "key", "cert", "bundle", NULL };
static const char * const certificates_keys[] = { "days", "key-type", NULL };
static const char * const services_keys[] = { "enable", NULL };
/* the [ca] key naming each file of an existing CA */
static const char * const ca_file_keys[MP_PROFILE_CA_N_FILES] = { "key", "cert", "bundle" };
/* the key of each file's descriptor in a frontend's options (Provision's a{sv}) */
static const char * const ca_fd_options[MP_PROFILE_CA_N_FILES] = { "ca-key-fd", "ca-cert-fd", "ca-bundle-fd" };

void
mp_profile_free (MpProfile *profile)
{
  if (profile == NULL)
    return;
  for (guint i = 0; i < MP_PROFILE_CA_N_FILES; i++)
    {
      if (profile->ca_fds[i] >= 0)
        close (profile->ca_fds[i]);
    }
  g_key_file_free (profile->kf);
  g_bytes_unref (profile->text);
  g_free (profile->path);
  g_free (profile->dir);
  g_free (profile);
}

/* every key of @group is one of @known (the facts for [node]) */
static gboolean
check_keys (GKeyFile *kf, const char *path, const char *group, const char * const *known, const char *what,
            GError **error)
{
  g_auto(GStrv) keys = g_key_file_get_keys (kf, group, NULL, NULL);

  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      g_autofree char *all = NULL;

      if (g_strv_contains (known, keys[i]))
        continue;
      all = g_strjoinv (", ", (char **) known);
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA, "%s: [%s] has no %s '%s' (%ss: %s)", path, group, what,
                   keys[i], what, all);
      return FALSE;
    }
  return TRUE;
}

/**
 * mp_profile_new_from_data:
 * @data: the profile's text
 * @len: its length
 * @path: the profile's path, for messages and as the directory its
 *   relative [ca] paths name files in; never opened
 * @error: return location for a #GError
 *
 * Parses a profile and checks its groups, the keys of each group and the
 * CA mode; the values are checked when they are used (node facts as
 * `node set` checks them).  A profile made from text opens no file: an
 * existing CA's files must be passed with mp_profile_set_ca_fd() (the
 * daemon, which never opens a caller's path).
 *
 * Returns: (transfer full): the profile, or %NULL on error
 */
MpProfile *
mp_profile_new_from_data (const char *data, gsize len, const char *path, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) local = NULL;
  g_auto(GStrv) found = NULL;
  g_autofree char *mode = NULL;
  MpProfile *profile;

  /* the daemon gets it as a D-Bus string: refused alike both ways */
  if (memchr (data, '\0', len) != NULL || !g_utf8_validate (data, len, NULL))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA, "%s: not a text file (a NUL byte or invalid UTF-8)", path);
      return NULL;
    }
  if (!g_key_file_load_from_data (kf, data, len, G_KEY_FILE_NONE, &local))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA, "%s: %s", path, local->message);
      return NULL;
    }
  found = g_key_file_get_groups (kf, NULL);
  for (guint i = 0; found[i] != NULL; i++)
    {
      if (!g_strv_contains (groups, found[i]))
        {
          g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA,
                       "%s: unknown group [%s]; a profile has [node], [ca], [certificates], [services] and [names]",
                       path, found[i]);
          return NULL;
        }
    }
  if (!g_key_file_has_group (kf, "node"))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA, "%s: no [node] group with the node facts", path);
      return NULL;
    }
  /* a typo must not be ignored, and must stop before anything is written;
   * [names] is checked against the plugins by mp_provision() */
  if (!check_keys (kf, path, "node", mp_node_fact_keys (), "fact", error) ||
      !check_keys (kf, path, "ca", ca_keys, "key", error) ||
      !check_keys (kf, path, "certificates", certificates_keys, "key", error) ||
      !check_keys (kf, path, "services", services_keys, "key", error))
    return NULL;
  mode = g_key_file_get_string (kf, "ca", "mode", NULL);
  if (mode != NULL && !g_str_equal (mode, "local") && !g_str_equal (mode, "existing"))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA, "%s: [ca] mode is '%s'; it is local or existing", path, mode);
      return NULL;
    }
  profile = g_new0 (MpProfile, 1);
  profile->kf = g_steal_pointer (&kf);
  profile->text = g_bytes_new (data, len);
  profile->path = g_strdup (path);
  profile->dir = g_path_get_dirname (path);
  for (guint i = 0; i < MP_PROFILE_CA_N_FILES; i++)
    profile->ca_fds[i] = -1;
  return profile;
}

/**
 * mp_profile_load:
 * @path: the profile
 * @error: return location for a #GError
 *
 * Reads a profile (see mp_profile_new_from_data()); its existing CA's
 * files may then be opened by mp_profile_open_ca_files().
 *
 * Returns: (transfer full): the profile, or %NULL on error
 */
MpProfile *
mp_profile_load (const char *path, GError **error)
{
  g_autoptr(GBytes) text = mp_transfer_read_file (path, error);
  MpProfile *profile;

  if (text == NULL)
    return NULL;
  profile = mp_profile_new_from_data (g_bytes_get_data (text, NULL), g_bytes_get_size (text), path, error);
  if (profile != NULL)
    profile->from_file = TRUE;
  return profile;
}

/**
 * mp_profile_get_text:
 * @profile: a profile
 *
 * Returns: (transfer none): the text it was parsed from
 */
GBytes *
mp_profile_get_text (MpProfile *profile)
{
  return profile->text;
}

/**
 * mp_profile_get_path:
 * @profile: a profile
 *
 * Returns: the path it names itself by in messages
 */
const char *
mp_profile_get_path (MpProfile *profile)
{
  return profile->path;
}

static gboolean
is_existing_ca (MpProfile *p)
{
  g_autofree char *mode = g_key_file_get_string (p->kf, "ca", "mode", NULL);

  return mode != NULL && g_str_equal (g_strstrip (mode), "existing");
}

static char *get_path (MpProfile *p, const char *group, const char *key);

/**
 * mp_profile_get_ca_path:
 * @profile: a profile
 * @file: which file of an existing CA
 *
 * Returns: (transfer full) (nullable): the path the profile gives for
 *   @file, relative to the profile's directory, or %NULL when it gives
 *   none or its CA is not `mode=existing`
 */
char *
mp_profile_get_ca_path (MpProfile *profile, MpProfileCaFile file)
{
  g_return_val_if_fail (file < MP_PROFILE_CA_N_FILES, NULL);
  if (!is_existing_ca (profile))
    return NULL;
  return get_path (profile, "ca", ca_file_keys[file]);
}

/**
 * mp_profile_ca_fd_option:
 * @file: which file of an existing CA
 *
 * The name under which a frontend passes @file's descriptor in its
 * options, the same on both sides of the bus (`ca-key-fd`, `ca-cert-fd`,
 * `ca-bundle-fd`).
 *
 * Returns: (transfer none): the option's name
 */
const char *
mp_profile_ca_fd_option (MpProfileCaFile file)
{
  g_return_val_if_fail (file < MP_PROFILE_CA_N_FILES, NULL);
  return ca_fd_options[file];
}

/**
 * mp_profile_open_ca_files:
 * @profile: a profile read by mp_profile_load()
 * @error: return location for a #GError
 *
 * For `[ca] mode=existing`, opens the key, the certificate and the bundle
 * (when given) with the caller's own rights, before anything is written,
 * so a missing file changes nothing.  They are opened even when the CA is
 * already in the store.  Does nothing for a local CA or when the files
 * are open already.
 *
 * Returns: %TRUE on success
 */
gboolean
mp_profile_open_ca_files (MpProfile *profile, GError **error)
{
  if (!is_existing_ca (profile) || profile->ca_fds[MP_PROFILE_CA_KEY] >= 0)
    return TRUE;
  if (!profile->from_file)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                   "%s: the files of its existing CA were not passed", profile->path);
      return FALSE;
    }
  for (guint i = 0; i < MP_PROFILE_CA_N_FILES; i++)
    {
      g_autofree char *file = get_path (profile, "ca", ca_file_keys[i]);

      if (file == NULL && i == MP_PROFILE_CA_BUNDLE)
        continue;
      if (file == NULL)
        {
          g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA, "%s: [ca] mode=existing needs key= and cert=",
                       profile->path);
          return FALSE;
        }
      profile->ca_fds[i] = mp_transfer_open_file (file, error);
      if (profile->ca_fds[i] < 0)
        return FALSE;
    }
  return TRUE;
}

/**
 * mp_profile_set_ca_fd:
 * @profile: a profile
 * @file: which file of an existing CA
 * @fd: (transfer full): the file, opened by someone else; closed with @profile
 *
 * Gives a profile the file it names for @file, opened by its caller (the
 * daemon receives them so).
 */
void
mp_profile_set_ca_fd (MpProfile *profile, MpProfileCaFile file, int fd)
{
  g_return_if_fail (file < MP_PROFILE_CA_N_FILES);
  if (profile->ca_fds[file] >= 0)
    close (profile->ca_fds[file]);
  profile->ca_fds[file] = fd;
}

/**
 * mp_profile_get_ca_fd:
 * @profile: a profile
 * @file: which file of an existing CA
 *
 * Returns: (transfer none): the open file, or -1
 */
int
mp_profile_get_ca_fd (MpProfile *profile, MpProfileCaFile file)
{
  g_return_val_if_fail (file < MP_PROFILE_CA_N_FILES, -1);
  return profile->ca_fds[file];
}

static char *
get (MpProfile *p, const char *group, const char *key)
{
  g_autofree char *v = g_key_file_get_string (p->kf, group, key, NULL);

  if (v == NULL)
    return NULL;
  g_strstrip (v);
  return v[0] != '\0' ? g_steal_pointer (&v) : NULL;
}

/* a path in the profile is relative to the profile's directory */
static char *
get_path (MpProfile *p, const char *group, const char *key)
{
  g_autofree char *v = get (p, group, key);

  if (v == NULL)
    return NULL;
  return g_path_is_absolute (v) ? g_steal_pointer (&v) : g_build_filename (p->dir, v, NULL);
}

static void say (const MpProvisionOptions *o, MpLineKind kind, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static void
say (const MpProvisionOptions *o, MpLineKind kind, const char *fmt, ...)
{
  g_autofree char *text = NULL;
  va_list ap;

  va_start (ap, fmt);
  text = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  if (o->log != NULL)
    o->log (kind, text, o->user_data);
}

static GStrv
split_list (const char *value)
{
  g_auto(GStrv) parts = value != NULL ? g_strsplit_set (value, ",;", -1) : NULL;
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; parts != NULL && parts[i] != NULL; i++)
    {
      g_strstrip (parts[i]);
      if (parts[i][0] != '\0')
        g_ptr_array_add (out, g_strdup (parts[i]));
    }
  if (out->len == 0)
    return NULL;
  g_ptr_array_add (out, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&out), FALSE);
}

/* the facts as the profile states them, for a dry run that sets none */
static MpNodeFacts *
facts_from_profile (MpProfile *p)
{
  MpNodeFacts *f = mp_node_facts_new ();
  g_autofree char *peers = get (p, "node", "peers");
  g_autofree char *joins = get (p, "node", "join-urls");

  f->server_fqdn = get (p, "node", "server-fqdn");
  f->cluster_fqdn = get (p, "node", "cluster-fqdn");
  f->peers = split_list (peers);
  f->join_urls = split_list (joins);
  f->xmpp_domain = get (p, "node", "xmpp-domain");
  f->database_role = get (p, "node", "database-role");
  f->database_primary = get (p, "node", "database-primary");
  return f;
}

/* every fact's value, before the first is written */
static gboolean
check_facts (MpProfile *p, GError **error)
{
  g_auto(GStrv) keys = g_key_file_get_keys (p->kf, "node", NULL, NULL);

  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      g_autofree char *value = get (p, "node", keys[i]);

      if (value != NULL && !mp_node_fact_validate (keys[i], value, error))
        {
          g_prefix_error (error, "%s: ", p->path);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
set_facts (MpStore *store, MpProfile *p, const MpProvisionOptions *o, GError **error)
{
  /* the keys are facts: mp_profile_new_from_data() checked them */
  g_auto(GStrv) keys = g_key_file_get_keys (p->kf, "node", NULL, NULL);

  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      g_autofree char *value = get (p, "node", keys[i]);

      if (value == NULL)
        continue;
      if (!o->dry_run && !mp_node_facts_set (store, keys[i], value, error))
        {
          g_prefix_error (error, "%s: ", p->path);
          return FALSE;
        }
      say (o, MP_LINE_NOTE, "%snode %s = %s", o->dry_run ? "would set " : "", keys[i], value);
    }
  return TRUE;
}

/* the CA every service certificate is signed with: made here or imported */
static gboolean
prepare_ca (MpStore *store, MpProfile *p, const MpKeySpec *spec, const char *ca, const MpProvisionOptions *o,
            GError **error)
{
  g_autofree char *mode = get (p, "ca", "mode");
  g_autofree char *crt = g_strconcat (ca, ".crt", NULL);
  g_autofree char *key = g_strconcat (ca, ".key", NULL);

  if (mp_store_contains (store, crt) && mp_store_contains (store, key))
    {
      say (o, MP_LINE_NOTE, "using the CA %s already in the store", crt);
      return TRUE;
    }
  if (mode == NULL || g_str_equal (mode, "local"))
    {
      g_auto(GStrv) fields = g_key_file_get_string_list (p->kf, "ca", "subject", NULL, NULL);
      const char *fallback[] = { "CN:meetpki local CA", NULL };
      g_autofree char *days_s = get (p, "ca", "days");
      guint days = days_s != NULL ? (guint) g_ascii_strtoull (days_s, NULL, 10) : MP_PKI_DEFAULT_CA_DAYS;
      g_autoptr(MpSubject) subject = NULL;
      g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);
      const char * const *args = fields != NULL ? (const char * const *) fields : fallback;

      subject = mp_subject_new_from_mmp_args (args, g_strv_length ((char **) args), MP_SUBJECT_CA, error);
      if (subject == NULL)
        {
          g_prefix_error (error, "%s: [ca] subject: ", p->path);
          return FALSE;
        }
      if (o->dry_run)
        {
          say (o, MP_LINE_NOTE, "would create the local CA %s (CN %s, %u days)", crt, subject->cn, days);
          return TRUE;
        }
      if (!mp_pki_selfsigned (store, ca, subject, spec, days, MP_PKI_NONE, notes, error))
        return FALSE;
      say (o, MP_LINE_SUCCESS, "created the local CA %s (CN %s)", crt, subject->cn);
      return TRUE;
    }
  {
    /* opened (or passed) before anything was written */
    g_autofree char *key_path = get_path (p, "ca", "key");
    g_autofree char *crt_path = get_path (p, "ca", "cert");
    g_auto(MpImportResult) r1 = { 0 };
    g_auto(MpImportResult) r2 = { 0 };

    if (o->dry_run)
      {
        say (o, MP_LINE_NOTE, "would import the CA %s and %s as %s and %s", crt_path, key_path, crt, key);
        return TRUE;
      }
    if (!mp_transfer_import_fd (store, p->ca_fds[MP_PROFILE_CA_KEY], key_path, key, MP_TRANSFER_NONE, &r1, error) ||
        !mp_transfer_import_fd (store, p->ca_fds[MP_PROFILE_CA_CERT], crt_path, crt, MP_TRANSFER_NONE, &r2, error))
      return FALSE;
    say (o, MP_LINE_SUCCESS, "imported the CA %s", crt);
  }
  return TRUE;
}

/* <ca>-bundle.crt: the CA and, for an imported CA, the rest of its chain,
 * in canonical order */
static gboolean
build_bundle (MpStore *store, MpProfile *p, const char *ca, const char *bundle_name, const MpProvisionOptions *o,
              GError **error)
{
  g_autofree char *crt = g_strconcat (ca, ".crt", NULL);
  g_autofree char *extra = get_path (p, "ca", "bundle");
  g_autoptr(MpBundle) pool = mp_bundle_new ();
  g_autoptr(GBytes) data = NULL;
  g_autoptr(GBytes) pem = NULL;

  if (o->dry_run)
    {
      say (o, MP_LINE_NOTE, "would build the CA bundle %s", bundle_name);
      return TRUE;
    }
  data = mp_store_read (store, crt, error);
  if (data == NULL)
    return FALSE;
  if (mp_bundle_add_data (pool, data, crt) == 0)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA, "%s holds no certificate", crt);
      return FALSE;
    }
  if (extra != NULL && is_existing_ca (p))
    {
      g_autoptr(GBytes) rest = mp_transfer_read_fd (p->ca_fds[MP_PROFILE_CA_BUNDLE], extra, error);

      if (rest == NULL)
        return FALSE;
      mp_bundle_add_data (pool, rest, extra);
    }
  mp_bundle_build_chain (pool, g_ptr_array_index (mp_bundle_get_certs (pool), 0), MP_CHAIN_ROOT_REQUIRED);
  if (!mp_bundle_verify_chain (pool, FALSE, error))
    {
      g_prefix_error (error, "the CA's chain: ");
      return FALSE;
    }
  pem = mp_bundle_chain_to_pem (pool, MP_PEM_ALL, error);
  if (pem == NULL || !mp_store_write (store, bundle_name, pem, MP_WRITE_REPLACE, error))
    return FALSE;
  say (o, MP_LINE_SUCCESS, "CA bundle %s (%u certificate%s, root last)", bundle_name,
       mp_bundle_get_chain (pool)->len, mp_bundle_get_chain (pool)->len == 1 ? "" : "s");
  return TRUE;
}

static const MpPluginRole *
role_of (const MpPluginDescriptor *desc, const char *name)
{
  for (guint32 i = 0; i < desc->n_roles; i++)
    {
      if (g_strcmp0 (desc->roles[i].name, name) == 0)
        return &desc->roles[i];
    }
  return NULL;
}

/* the form provisioning fills: no full-chain file (the bundle engine
 * assembles chains), and the connect-only form on a connecting node */
static const MpPluginForm *
pick_form (const MpPluginDescriptor *desc, const MpNodeFacts *facts)
{
  const MpPluginForm *first = NULL;

  for (guint32 i = 0; i < desc->n_forms; i++)
    {
      const MpPluginForm *f = &desc->forms[i];
      gboolean fullchain = FALSE;

      for (guint32 k = 0; k < f->n_roles; k++)
        {
          const MpPluginRole *r = role_of (desc, f->roles[k]);
          fullchain |= r != NULL && r->kind == MP_ROLE_FULLCHAIN;
        }
      if (fullchain)
        continue;
      if (g_strcmp0 (f->name, "connect") == 0)
        {
          if (g_strcmp0 (facts->database_role, "connected") == 0)
            return f;
          continue;
        }
      if (first == NULL)
        first = f;
    }
  return first;
}

static gboolean
form_has_role (const MpPluginForm *form, const char *role)
{
  for (guint32 i = 0; i < form->n_roles; i++)
    {
      if (g_strcmp0 (form->roles[i], role) == 0)
        return TRUE;
    }
  return FALSE;
}

/* the basename, or <basename>-N when a file of it exists or is in use, so
 * provisioning again is a renewal under new names */
static char *
fresh_base (MpStore *store, const MpPluginDescriptor *desc, const MpPluginForm *form, const char *base)
{
  for (guint n = 1; n < 1000; n++)
    {
      g_autofree char *cand = n == 1 ? g_strdup (base) : g_strdup_printf ("%s-%u", base, n);
      gboolean taken = FALSE;

      for (guint32 i = 0; i < desc->n_csrs; i++)
        {
          g_autofree char *name = g_strconcat (cand, desc->csrs[i].suffix, NULL);
          g_autofree char *key = g_strconcat (name, ".key", NULL);
          g_autofree char *csr = g_strconcat (name, ".csr", NULL);
          g_autofree char *crt = g_strconcat (name, ".crt", NULL);

          if (!form_has_role (form, desc->csrs[i].role))
            continue;
          taken |= mp_store_contains (store, key) || mp_store_contains (store, csr) ||
                   mp_store_contains (store, crt) || !mp_service_check_name_free (store, name, NULL);
        }
      if (!taken)
        return g_steal_pointer (&cand);
    }
  return NULL;
}

static gboolean
provision_service (MpStore *store, MpProfile *p, MpPlugin *plugin, MpServiceConfig *config, const MpNodeFacts *facts,
                   const MpKeySpec *spec, guint days, const char *ca, const char *bundle_name,
                   const MpProvisionOptions *o, GError **error)
{
  const MpPluginDescriptor *desc = mp_plugin_get_descriptor (plugin);
  const MpPluginForm *form = pick_form (desc, facts);
  g_autofree char *wanted = get (p, "names", desc->name);
  g_autofree char *base = NULL;
  g_autoptr(GHashTable) files = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(MpValidation) v = NULL;
  MpApplyContext ctx = { 0 };
  MpPluginFacts pf;

  mp_node_facts_to_plugin (facts, &pf);
  if (!mp_plugin_check_facts (plugin, &pf, error))
    return FALSE;
  if (form == NULL)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "%s: no form of certs that provisioning can fill", desc->name);
      return FALSE;
    }
  base = fresh_base (store, desc, form, wanted != NULL ? wanted : desc->name);
  if (base == NULL || !mp_pki_validate_basename (base, error))
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, MP_ERROR, MP_ERROR_EXISTS, "%s: no free basename", desc->name);
      return FALSE;
    }

  for (guint32 i = 0; i < desc->n_csrs; i++)
    {
      const MpPluginCsr *c = &desc->csrs[i];
      const MpPluginRole *cert_role = role_of (desc, c->role);
      g_autofree char *name = g_strconcat (base, c->suffix, NULL);
      g_autoptr(MpSubject) subject = NULL;
      g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);

      if (!form_has_role (form, c->role))
        continue;
      subject = mp_rules_subject_for_csr (desc, c, facts, error);
      if (subject == NULL)
        {
          g_prefix_error (error, "%s: ", desc->name);
          return FALSE;
        }
      if (o->dry_run)
        say (o, MP_LINE_NOTE, "would create %s.key and %s.csr (CN %s) and sign them with %s", name, name,
             subject->cn, ca);
      else
        {
          if (!mp_pki_csr (store, name, subject, spec, MP_PKI_NONE, notes, error) ||
              !mp_pki_sign (store, name, ca, days, notes, error))
            return FALSE;
          say (o, MP_LINE_SUCCESS, "%s: %s.key, %s.csr and %s.crt (CN %s, signed by %s)", desc->name, name, name,
               name, subject->cn, ca);
        }
      g_hash_table_insert (files, (gpointer) c->role, g_strconcat (name, ".crt", NULL));
      if (cert_role != NULL && cert_role->pairs_with != NULL)
        g_hash_table_insert (files, (gpointer) cert_role->pairs_with, g_strconcat (name, ".key", NULL));
    }
  for (guint32 i = 0; i < form->n_roles; i++)
    {
      const MpPluginRole *r = role_of (desc, form->roles[i]);
      const char *file = g_hash_table_lookup (files, form->roles[i]);

      /* the CA bundle (the CA, then its chain up to the root) for a CA
       * role too: with an intermediate CA the database's root file needs
       * the intermediate and the root for its peers to verify */
      if (file == NULL && r != NULL && (r->kind == MP_ROLE_BUNDLE || r->kind == MP_ROLE_CA))
        file = bundle_name;
      if (file == NULL)
        {
          g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "%s: nothing to provision the %s role with",
                       desc->name, form->roles[i]);
          return FALSE;
        }
      g_ptr_array_add (args, (gpointer) file);
    }

  ctx.store = store;
  ctx.plugin = plugin;
  ctx.config = config;
  ctx.facts = facts;
  ctx.dry_run = o->dry_run;
  ctx.assume_yes = TRUE; /* the profile asked for this node to be (re)provisioned */
  ctx.log = o->log;
  ctx.user_data = o->user_data;
  if (o->dry_run)
    return mp_apply_sequence (&ctx, NULL, error);

  v = mp_validation_new_for_args (desc, store, (const char * const *) args->pdata, args->len, error);
  if (v == NULL)
    return FALSE;
  mp_validation_run (v, desc, facts, MP_APPLY_DEFAULT_WARN_DAYS);
  for (guint i = 0; i < v->lines->len; i++)
    {
      MpLine *l = g_ptr_array_index (v->lines, i);
      say (o, l->kind, "%s", l->text);
    }
  return mp_apply_steps_probed (&ctx, NULL, 0, v, error);
}

/* the keys of [names] are services */
static gboolean
check_names (MpProfile *profile, MpPluginLoader *loader, GError **error)
{
  g_auto(GStrv) keys = g_key_file_get_keys (profile->kf, "names", NULL, NULL);

  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      g_autofree char *hint = NULL;

      if (mp_plugin_loader_lookup (loader, keys[i]) != NULL)
        continue;
      hint = mp_plugin_loader_suggest (loader, keys[i]);
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA, "%s: [names] names '%s', which no plugin provides%s%s%s",
                   profile->path, keys[i], hint ? " (did you mean " : "", hint ? hint : "", hint ? "?)" : "");
      return FALSE;
    }
  return TRUE;
}

/**
 * mp_provision:
 * @store: the store
 * @loader: the loaded plugins
 * @profile: the profile
 * @options: how to run
 * @n_warnings: (out) (optional): warnings `check` found at the end
 * @error: return location for a #GError
 *
 * Provisions every service the profile names (all loaded ones by
 * default), in the loader's order, then runs check.  Stops at the first
 * failure; what was applied before it stays applied and is recorded.
 *
 * Returns: %TRUE when every service was applied and check found no error
 */
gboolean
mp_provision (MpStore *store, MpPluginLoader *loader, MpProfile *profile, const MpProvisionOptions *options,
              guint *n_warnings, GError **error)
{
  const MpProvisionOptions *o = options;
  g_autofree char *key_type = o->key_type != NULL ? g_strdup (o->key_type) : get (profile, "certificates", "key-type");
  g_autofree char *days_s = get (profile, "certificates", "days");
  g_autofree char *ca = get (profile, "ca", "name");
  g_autofree char *bundle_name = NULL;
  g_auto(GStrv) services = g_key_file_get_string_list (profile->kf, "services", "enable", NULL, NULL);
  g_autoptr(MpNodeFacts) facts = NULL;
  g_autoptr(MpServiceLock) lock = NULL;
  g_autoptr(MpServiceConfig) config = NULL;
  g_autoptr(GPtrArray) findings = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  MpKeySpec spec;
  guint days = days_s != NULL ? (guint) g_ascii_strtoull (days_s, NULL, 10) : MP_PKI_DEFAULT_DAYS;
  guint n_errors = 0, n_warn = 0;

  if (ca == NULL)
    ca = g_strdup ("meetpki-ca");
  if (!mp_pki_validate_basename (ca, error) || !mp_key_spec_parse (key_type, &spec, error))
    {
      g_prefix_error (error, "%s: ", profile->path);
      return FALSE;
    }
  bundle_name = g_strconcat (ca, "-bundle.crt", NULL);

  /* the services first, so a typo stops before anything is written */
  if (services == NULL)
    {
      GPtrArray *plugins = mp_plugin_loader_get_plugins (loader);
      for (guint i = 0; i < plugins->len; i++)
        g_ptr_array_add (names, (gpointer) mp_plugin_get_name (g_ptr_array_index (plugins, i)));
    }
  for (guint i = 0; services != NULL && services[i] != NULL; i++)
    {
      g_strstrip (services[i]);
      if (mp_plugin_loader_lookup (loader, services[i]) == NULL)
        {
          g_autofree char *hint = mp_plugin_loader_suggest (loader, services[i]);
          g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA, "%s: [services] names '%s', which no plugin provides%s%s%s",
                       profile->path, services[i], hint ? " (did you mean " : "", hint ? hint : "", hint ? "?)" : "");
          return FALSE;
        }
      g_ptr_array_add (names, services[i]);
    }
  if (!check_names (profile, loader, error) || !check_facts (profile, error) ||
      !mp_profile_open_ca_files (profile, error))
    return FALSE;

  if (!o->dry_run)
    {
      lock = mp_service_lock (store, error);
      if (lock == NULL)
        return FALSE;
    }
  if (!set_facts (store, profile, o, error))
    return FALSE;
  facts = o->dry_run ? facts_from_profile (profile) : mp_node_facts_load (store, error);
  if (facts == NULL)
    return FALSE;
  config = mp_service_config_load (store, error);
  if (config == NULL)
    return FALSE;
  if (!prepare_ca (store, profile, &spec, ca, o, error) || !build_bundle (store, profile, ca, bundle_name, o, error))
    return FALSE;

  for (guint i = 0; i < names->len; i++)
    {
      MpPlugin *plugin = mp_plugin_loader_lookup (loader, g_ptr_array_index (names, i));

      say (o, MP_LINE_NOTE, "== %s", mp_plugin_get_name (plugin));
      if (!provision_service (store, profile, plugin, config, facts, &spec, days, ca, bundle_name, o, error))
        return FALSE;
    }
  if (o->dry_run)
    return TRUE;

  say (o, MP_LINE_NOTE, "== check");
  findings = mp_check_services (store, loader, MP_APPLY_DEFAULT_WARN_DAYS, NULL, error);
  if (findings == NULL)
    return FALSE;
  for (guint i = 0; i < findings->len; i++)
    {
      MpCheckFinding *f = g_ptr_array_index (findings, i);
      say (o, f->kind, "%s: %s", f->service, f->message);
      n_errors += f->kind == MP_LINE_FAILURE;
      n_warn += f->kind == MP_LINE_WARNING;
    }
  if (n_warnings != NULL)
    *n_warnings = n_warn;
  if (n_errors > 0)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_VERIFY_FAILED, "check found %u error%s after provisioning",
                   n_errors, n_errors == 1 ? "" : "s");
      return FALSE;
    }
  say (o, MP_LINE_SUCCESS, "check: %u service%s provisioned, %u warning%s", names->len, names->len == 1 ? "" : "s",
       n_warn, n_warn == 1 ? "" : "s");
  return TRUE;
}
