/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * moving files across the store's border: `pki import` (an outside key, csr,
 * certificate or bundle comes in, checked and written as canonical pem),
 * `pki export` (a store file goes out) and `pki pkcs12-to-pem` (a pkcs#12
 * file is split into key, certificate and ca bundle in one transaction).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "meetpki/mp-pki.h"
#include "meetpki/mp-transfer.h"
#include "mp-x509.h"
#include "meetpki/mp-service.h"

/* the names files arrive and leave under, as the vendor's appliance takes them */
static const struct {
  const char *ext;
  MpFileKind kind; /* MP_FILE_UNKNOWN: any of key, csr or certificates */
} import_exts[] = {
  { ".key", MP_FILE_PRIVATE_KEY },
  { ".csr", MP_FILE_CSR },
  { ".crt", MP_FILE_CERTIFICATE },
  { ".cer", MP_FILE_CERTIFICATE },
  { ".pem", MP_FILE_UNKNOWN },
};

/**
 * mp_import_result_clear:
 * @result: an #MpImportResult
 *
 * Frees what @result holds (not @result itself).
 */
void
mp_import_result_clear (MpImportResult *result)
{
  g_clear_pointer (&result->name, g_free);
  result->n_certs = 0;
}

/**
 * mp_pkcs12_result_clear:
 * @result: an #MpPkcs12Result
 *
 * Frees what @result holds (not @result itself).
 */
void
mp_pkcs12_result_clear (MpPkcs12Result *result)
{
  g_clear_pointer (&result->key_name, g_free);
  g_clear_pointer (&result->crt_name, g_free);
  g_clear_pointer (&result->bundle_name, g_free);
  result->n_bundle = 0;
}

static gboolean
has_text (GBytes *data, const char *needle)
{
  gsize len = 0;
  const char *buf = g_bytes_get_data (data, &len);

  return buf != NULL && g_strstr_len (buf, (gssize) len, needle) != NULL;
}

/* a pem private key block of any flavour: PRIVATE KEY, RSA/EC PRIVATE KEY,
 * ENCRYPTED PRIVATE KEY */
static gboolean
has_pem_private_key (GBytes *data)
{
  return has_text (data, "PRIVATE KEY-----");
}

static gboolean
is_encrypted_key (GBytes *data)
{
  gsize len = 0;
  gnutls_datum_t d;

  if (has_text (data, "-----BEGIN ENCRYPTED PRIVATE KEY-----") ||
      (has_pem_private_key (data) && has_text (data, "Proc-Type: 4,ENCRYPTED")))
    return TRUE;
  if (has_text (data, "-----BEGIN "))
    return FALSE;
  /* der: an EncryptedPrivateKeyInfo describes its encryption scheme */
  d.data = (unsigned char *) g_bytes_get_data (data, &len);
  d.size = (unsigned int) len;
  return d.data != NULL &&
         gnutls_pkcs8_info (&d, GNUTLS_X509_FMT_DER, NULL, NULL, NULL, NULL, NULL, NULL) >= 0;
}

static MpFileKind
kind_of_name (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (import_exts); i++)
    {
      if (g_str_has_suffix (name, import_exts[i].ext))
        return import_exts[i].kind;
    }
  return MP_FILE_UNKNOWN;
}

static const char *
kind_noun (MpFileKind kind)
{
  switch (kind)
    {
    case MP_FILE_PRIVATE_KEY:
      return "a private key";
    case MP_FILE_CSR:
      return "a certificate request";
    case MP_FILE_CERTIFICATE:
      return "certificates";
    case MP_FILE_PKCS12:
      return "a PKCS#12 file";
    case MP_FILE_UNKNOWN:
    default:
      return "unknown data";
    }
}

/**
 * mp_transfer_is_valid_import_name:
 * @name: a name for a file in the store
 * @error: return location for a #GError
 *
 * A file brought into the store needs a plain store name (see
 * mp_store_is_valid_name()) ending in .key, .csr, .crt, .cer or .pem, with
 * something before the extension.
 *
 * Returns: %TRUE when @name is acceptable
 */
gboolean
mp_transfer_is_valid_import_name (const char *name, GError **error)
{
  if (!mp_store_is_valid_name (name))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_OUTSIDE_STORE,
                   "'%s' is not a plain file name inside the store "
                   "(no directories, no leading '.')", name != NULL ? name : "");
      return FALSE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (import_exts); i++)
    {
      if (g_str_has_suffix (name, import_exts[i].ext) && strlen (name) > strlen (import_exts[i].ext))
        return TRUE;
    }
  g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
               "'%s' needs one of the extensions .key .csr .crt .cer .pem", name);
  return FALSE;
}

/* parses @data as @kind and gives it back as canonical pem */
static GBytes *
normalise (GBytes *data, MpFileKind kind, const char *what, guint *n_certs, GError **error)
{
  switch (kind)
    {
    case MP_FILE_PRIVATE_KEY:
      {
        g_autoptr(MpX509Privkey) key = mp_x509_privkey_import (data, what, error);
        if (key == NULL)
          return NULL;
        return mp_x509_privkey_export_pem (key, error);
      }
    case MP_FILE_CSR:
      {
        g_autoptr(MpX509Crq) crq = mp_x509_crq_import (data, what, error);
        int rc;
        if (crq == NULL)
          return NULL;
        rc = gnutls_x509_crq_verify (crq, 0);
        if (rc < 0)
          {
            g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA,
                         "%s: the CSR's own signature does not verify", what);
            return NULL;
          }
        return mp_x509_crq_export_pem (crq, error);
      }
    case MP_FILE_CERTIFICATE:
      {
        g_autoptr(GPtrArray) crts = mp_x509_crt_import_list (data, what, error);
        g_autoptr(GByteArray) out = g_byte_array_new ();
        if (crts == NULL)
          return NULL;
        for (guint i = 0; i < crts->len; i++)
          {
            g_autoptr(GBytes) pem = mp_x509_crt_export_pem (g_ptr_array_index (crts, i), error);
            gsize len = 0;
            const guint8 *buf;
            if (pem == NULL)
              return NULL;
            buf = g_bytes_get_data (pem, &len);
            g_byte_array_append (out, buf, (guint) len);
          }
        *n_certs = crts->len;
        return g_byte_array_free_to_bytes (g_steal_pointer (&out));
      }
    case MP_FILE_PKCS12:
    case MP_FILE_UNKNOWN:
    default:
      g_assert_not_reached ();
    }
  return NULL;
}

/**
 * mp_transfer_import_bytes:
 * @store: the store
 * @data: the file's contents
 * @what: how to name the source in messages (its path)
 * @name: the store name to write
 * @flags: %MP_TRANSFER_FORCE to replace an existing file
 * @result: (out caller-allocates): what was written
 * @error: return location for a #GError
 *
 * Checks that @data is what @name's extension says (.key a private key,
 * .csr a CSR, .crt/.cer certificates, .pem any one of them), then writes it
 * as canonical PEM, atomically; a key with mode 0600.  An encrypted key, a
 * PKCS#12 file or a private key inside a certificate file is refused.
 * Nothing is written on error.
 *
 * Returns: %TRUE on success
 */
gboolean
mp_transfer_import_bytes (MpStore *store, GBytes *data, const char *what, const char *name,
                          MpTransferFlags flags, MpImportResult *result, GError **error)
{
  g_autoptr(MpSecretBytes) pem = NULL;
  MpFileKind claimed, kind;
  MpWriteFlags wflags = (flags & MP_TRANSFER_FORCE) ? MP_WRITE_REPLACE : MP_WRITE_NONE;
  guint n_certs = 0;

  if (!mp_transfer_is_valid_import_name (name, error))
    return FALSE;
  mp_crypto_init ();
  claimed = kind_of_name (name);
  kind = mp_x509_sniff (data);

  if (g_bytes_get_size (data) == 0)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA, "%s: the file is empty", what);
      return FALSE;
    }
  if (kind == MP_FILE_PKCS12)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA,
                   "%s is a PKCS#12 file; split it with 'meetpki pki pkcs12-to-pem'", what);
      return FALSE;
    }
  if ((kind == MP_FILE_PRIVATE_KEY || kind == MP_FILE_UNKNOWN) && is_encrypted_key (data))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA,
                   "%s: the private key is encrypted; decrypt it first "
                   "(e.g. openssl pkey -in FILE -out plain.key)", what);
      return FALSE;
    }
  if (kind == MP_FILE_UNKNOWN)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA,
                   "%s is not a private key, CSR or certificate (PEM or DER)", what);
      return FALSE;
    }
  /* a key hidden in a certificate or csr file would be written world-readable */
  if (kind != MP_FILE_PRIVATE_KEY && has_pem_private_key (data))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA,
                   "%s holds a private key as well as %s; import the key on its own under a .key name",
                   what, kind_noun (kind));
      return FALSE;
    }
  if (kind == MP_FILE_PRIVATE_KEY && (has_text (data, "-----BEGIN CERTIFICATE") ||
                                      has_text (data, "CERTIFICATE REQUEST-----")))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA,
                   "%s holds a private key together with other PEM blocks; import each on its own",
                   what);
      return FALSE;
    }
  if (claimed != MP_FILE_UNKNOWN && claimed != kind)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA,
                   "%s holds %s, but the name %s says %s", what, kind_noun (kind), name,
                   kind_noun (claimed));
      return FALSE;
    }

  pem = normalise (data, kind, what, &n_certs, error);
  if (pem == NULL)
    return FALSE;
  /* the live-key guard: --force does not replace a file a service uses */
  if (mp_store_contains (store, name) && !mp_service_check_name_free (store, name, error))
    return FALSE;
  if (kind == MP_FILE_PRIVATE_KEY)
    wflags |= MP_WRITE_PRIVATE;
  if (!mp_store_write (store, name, pem, wflags, error))
    return FALSE;

  result->name = g_strdup (name);
  result->kind = kind == MP_FILE_PRIVATE_KEY ? MP_TRANSFER_KIND_KEY
               : kind == MP_FILE_CSR         ? MP_TRANSFER_KIND_CSR
                                             : MP_TRANSFER_KIND_CERTIFICATES;
  result->n_certs = n_certs;
  return TRUE;
}

/**
 * mp_transfer_read_file:
 * @path: an outside file the user named
 * @error: return location for a #GError
 *
 * Reads a regular file of at most %MP_TRANSFER_MAX_SIZE bytes.
 *
 * Returns: (transfer full): its contents, or %NULL on error
 */
/* the checks of an outside file the user named, on its status */
static gboolean
check_outside_file (const char *path, const struct stat *st, GError **error)
{
  if (!S_ISREG (st->st_mode))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_IO, "%s is not a regular file", path);
      return FALSE;
    }
  if (st->st_size > MP_TRANSFER_MAX_SIZE)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA,
                   "%s is too large (%lld bytes) to be a key, CSR, certificate or PKCS#12 file",
                   path, (long long) st->st_size);
      return FALSE;
    }
  return TRUE;
}

GBytes *
mp_transfer_read_file (const char *path, GError **error)
{
  struct stat st;

  if (stat (path, &st) != 0)
    {
      int errsv = errno;
      g_set_error (error, MP_ERROR, errsv == ENOENT ? MP_ERROR_NOT_FOUND : MP_ERROR_IO,
                   "%s: %s", path, g_strerror (errsv));
      return NULL;
    }
  if (!check_outside_file (path, &st, error))
    return NULL;
  return mp_file_read (path, error);
}

/**
 * mp_transfer_open_file:
 * @path: an outside file the user named
 * @error: return location for a #GError
 *
 * Opens @path for reading with the caller's own rights, with the checks
 * and messages of mp_transfer_read_file(): what `meetpki --bus pki import`
 * passes to the daemon.
 *
 * Returns: a descriptor (close-on-exec), or -1 on error
 */
int
mp_transfer_open_file (const char *path, GError **error)
{
  struct stat st;
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

  if (fd < 0 || fstat (fd, &st) != 0)
    {
      int errsv = errno;
      g_set_error (error, MP_ERROR, errsv == ENOENT ? MP_ERROR_NOT_FOUND : MP_ERROR_IO,
                   "%s: %s", path, g_strerror (errsv));
      if (fd >= 0)
        close (fd);
      return -1;
    }
  if (!check_outside_file (path, &st, error))
    {
      close (fd);
      return -1;
    }
  return fd;
}

/**
 * mp_transfer_import_fd:
 * @store: the store
 * @fd: an open regular file, read from its current offset; not closed
 * @what: how to name the source in messages
 * @name: the store name to write
 * @flags: %MP_TRANSFER_FORCE to replace an existing file
 * @result: (out caller-allocates): what was written
 * @error: return location for a #GError
 *
 * mp_transfer_import_bytes() of a file another process opened (the
 * daemon's Import); the bytes read are wiped once written.
 *
 * Returns: %TRUE on success
 */
gboolean
mp_transfer_import_fd (MpStore *store, int fd, const char *what, const char *name,
                       MpTransferFlags flags, MpImportResult *result, GError **error)
{
  g_autoptr(MpSecretBytes) data = NULL;

  if (!mp_transfer_is_valid_import_name (name, error))
    return FALSE;
  data = mp_transfer_read_fd (fd, what, error);
  if (data == NULL)
    return FALSE;
  return mp_transfer_import_bytes (store, data, what, name, flags, result, error);
}

/**
 * mp_transfer_read_fd:
 * @fd: an open regular file, read from its current offset; not closed
 * @what: how to name the source in messages
 * @error: return location for a #GError
 *
 * mp_transfer_read_file() of a file another process opened and passed
 * (the daemon's Import and Pkcs12ToPem): the same checks and messages.
 *
 * Returns: (transfer full): its contents, or %NULL on error
 */
GBytes *
mp_transfer_read_fd (int fd, const char *what, GError **error)
{
  struct stat st;

  if (fstat (fd, &st) != 0)
    {
      int errsv = errno;
      g_set_error (error, MP_ERROR, MP_ERROR_IO, "%s: %s", what, g_strerror (errsv));
      return NULL;
    }
  if (!check_outside_file (what, &st, error))
    return NULL;
  return mp_file_read_fd (fd, what, error);
}

/* a private key by name, content or the private mode it has in the store */
static gboolean
is_private_store_file (const char *name, const char *path, GBytes *data)
{
  struct stat st;

  mp_crypto_init ();
  return g_str_has_suffix (name, ".key") || has_pem_private_key (data) ||
         mp_x509_sniff (data) == MP_FILE_PRIVATE_KEY ||
         (stat (path, &st) == 0 && (st.st_mode & 0077) == 0);
}

/**
 * mp_transfer_export_fd:
 * @store: the store
 * @name: a file in the store
 * @fd: a regular file opened for writing; written from offset 0 and
 *   truncated to the new length; not closed
 * @error: return location for a #GError
 *
 * Copies a store file into a file another process opened (the daemon's
 * Export).  A private key is refused: key material never leaves through
 * the daemon, whoever opened the file.
 *
 * Returns: %TRUE on success
 */
gboolean
mp_transfer_export_fd (MpStore *store, const char *name, int fd, GError **error)
{
  g_autofree char *src = mp_store_resolve_existing (store, name, error);
  g_autoptr(MpSecretBytes) data = NULL;
  const guint8 *p;
  gsize left;
  off_t offset = 0;
  struct stat st;

  if (src == NULL)
    return FALSE;
  data = mp_file_read (src, error);
  if (data == NULL)
    return FALSE;
  if (is_private_store_file (name, src, data))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                   "refusing to export the private key %s through the bus: key material never crosses "
                   "it, not even into a file the caller opened; run 'meetpki pki export' without --bus "
                   "as a user who may read the store", name);
      return FALSE;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "the passed file descriptor is not a regular file");
      return FALSE;
    }
  p = g_bytes_get_data (data, &left);
  while (left > 0)
    {
      ssize_t n = pwrite (fd, p, left, offset);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int errsv = errno;
          g_set_error (error, MP_ERROR, MP_ERROR_IO, "cannot write %s to the passed file: %s", name,
                       g_strerror (errsv));
          return FALSE;
        }
      p += n;
      offset += n;
      left -= (gsize) n;
    }
  if (ftruncate (fd, offset) != 0 || fsync (fd) != 0)
    {
      int errsv = errno;
      g_set_error (error, MP_ERROR, MP_ERROR_IO, "cannot write %s to the passed file: %s", name,
                   g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
}

/**
 * mp_transfer_import_file:
 * @store: the store
 * @path: the outside file
 * @name: (nullable): the store name, or %NULL for the base name of @path
 * @flags: %MP_TRANSFER_FORCE to replace an existing file
 * @result: (out caller-allocates): what was written
 * @error: return location for a #GError
 *
 * Reads @path and imports it with mp_transfer_import_bytes().
 *
 * Returns: %TRUE on success
 */
gboolean
mp_transfer_import_file (MpStore *store, const char *path, const char *name,
                         MpTransferFlags flags, MpImportResult *result, GError **error)
{
  g_autofree char *base = g_path_get_basename (path);
  g_autoptr(MpSecretBytes) data = NULL;

  if (name == NULL)
    name = base;
  if (!mp_transfer_is_valid_import_name (name, error))
    return FALSE;
  data = mp_transfer_read_file (path, error);
  if (data == NULL)
    return FALSE;
  return mp_transfer_import_bytes (store, data, path, name, flags, result, error);
}

/**
 * mp_transfer_export_file:
 * @store: the store
 * @name: a file in the store
 * @path: where to write it; an existing directory receives @name
 * @flags: %MP_TRANSFER_FORCE to replace an existing file at @path
 * @error: return location for a #GError
 *
 * Copies a store file out, atomically.  A private key (by name, content or
 * the mode it has in the store) is written with mode 0600, anything else
 * 0644.  An existing file is only replaced with %MP_TRANSFER_FORCE.
 *
 * Returns: (transfer full): the path written, or %NULL on error
 */
/**
 * mp_transfer_export_target:
 * @name: the store file to export
 * @path: where the user wants it; an existing directory receives @name
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the file to write, or %NULL when that is a
 *   directory
 */
char *
mp_transfer_export_target (const char *name, const char *path, GError **error)
{
  g_autofree char *target = NULL;

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    target = g_build_filename (path, name, NULL);
  else
    target = g_strdup (path);
  if (g_file_test (target, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_EXISTS, "%s is a directory", target);
      return NULL;
    }
  return g_steal_pointer (&target);
}

char *
mp_transfer_export_file (MpStore *store, const char *name, const char *path,
                         MpTransferFlags flags, GError **error)
{
  g_autofree char *src = mp_store_resolve_existing (store, name, error);
  g_autofree char *target = NULL;
  g_autoptr(MpSecretBytes) data = NULL;
  MpWriteFlags wflags = (flags & MP_TRANSFER_FORCE) ? MP_WRITE_REPLACE : MP_WRITE_NONE;
  gsize len = 0;
  const void *buf;

  if (src == NULL)
    return NULL;
  if (path == NULL || *path == '\0')
    {
      g_set_error_literal (error, MP_ERROR, MP_ERROR_INVALID_ARGS, "an export path is required");
      return NULL;
    }
  data = mp_file_read (src, error);
  if (data == NULL)
    return NULL;
  if (is_private_store_file (name, src, data))
    wflags |= MP_WRITE_PRIVATE;

  target = mp_transfer_export_target (name, path, error);
  if (target == NULL)
    return NULL;
  buf = g_bytes_get_data (data, &len);
  if (!mp_file_write_atomic (target, buf, len, wflags, error))
    return NULL;
  return g_steal_pointer (&target);
}
