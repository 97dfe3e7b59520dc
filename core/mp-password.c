/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * passwords in libgcrypt secure memory: read from a file descriptor (a
 * password file or a terminal with echo off), wiped when freed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gcrypt.h>
#include <string.h>
#include <unistd.h>

#include "meetpki/mp-password.h"
#include "mp-private.h"

/* the capacity is kept just before the string so that the whole buffer,
 * not only up to the first NUL, can be wiped */
typedef struct {
  gsize capacity;
  char text[];
} SecureBuf;

/**
 * mp_password_new:
 * @size: the longest string it must hold, in bytes; 0 gives the empty
 *   password (a buffer of its own holding the NUL alone)
 *
 * Returns: (transfer full): a zeroed buffer of @size + 1 bytes in secure
 * memory; aborts when secure memory is exhausted, or when @size + 1 bytes
 * and the header cannot be counted in a #gsize, as g_malloc() does
 */
MpPassword *
mp_password_new (gsize size)
{
  SecureBuf *buf;

  /* size + 1 and the header would wrap around to a buffer too small */
  if (size > G_MAXSIZE - sizeof (SecureBuf) - 1)
    g_error ("a password buffer of %" G_GSIZE_FORMAT " bytes is too large", size);
  mp_crypto_init ();
  buf = gcry_calloc_secure (1, sizeof (SecureBuf) + size + 1);
  if (buf == NULL)
    g_error ("libgcrypt secure memory exhausted (%" G_GSIZE_FORMAT " bytes)", size);
  buf->capacity = size + 1;
  return buf->text;
}

/**
 * mp_password_free:
 * @password: (nullable): a password from this API
 *
 * Overwrites every byte of the buffer, then frees it.
 */
void
mp_password_free (MpPassword *password)
{
  SecureBuf *buf;

  if (password == NULL)
    return;
  buf = (SecureBuf *) (void *) (password - G_STRUCT_OFFSET (SecureBuf, text));
  gnutls_memset (buf->text, 0, buf->capacity);
  gcry_free (buf);
}

/**
 * mp_password_read_fd:
 * @fd: where to read from
 * @what: how to name the source in errors
 * @error: return location for a #GError
 *
 * Reads the first line of @fd into secure memory, without its line end:
 * one "\n" or "\r\n", no more.  A "\r" that ends no line (before a
 * second "\r\n", or at the end of the file) is the password's own.
 * Nothing read (end of file at once) gives the empty password.  Fails,
 * reading nothing, when libgcrypt's secure memory could not be locked.
 *
 * Returns: (transfer full): the password, or %NULL on error
 */
MpPassword *
mp_password_read_fd (int fd, const char *what, GError **error)
{
  g_autoptr(MpPassword) pw = NULL;
  gsize len = 0;
  char *eol = NULL;

  /* not a byte of it in memory that may be swapped out */
  if (!mp_crypto_check_secure_memory (error))
    return NULL;
  pw = mp_password_new (MP_PASSWORD_MAX + 1);

  /* one byte of room beyond the maximum tells "too long" from "exactly full" */
  while (len < MP_PASSWORD_MAX + 1 && eol == NULL)
    {
      ssize_t n = read (fd, pw + len, MP_PASSWORD_MAX + 1 - len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int errsv = errno;
          g_set_error (error, MP_ERROR, MP_ERROR_IO, "cannot read the password from %s: %s",
                       what, g_strerror (errsv));
          return NULL;
        }
      if (n == 0)
        break;
      eol = memchr (pw + len, '\n', (gsize) n);
      len += (gsize) n;
    }
  if (eol == NULL && len > MP_PASSWORD_MAX)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA,
                   "the password in %s is longer than %d bytes", what, MP_PASSWORD_MAX);
      return NULL;
    }
  /* openssl's -passin file: ends the line at "\n" and keeps a "\r"
   * before it; a file saved with windows line ends must work here too */
  if (eol != NULL)
    {
      len = (gsize) (eol - pw);
      if (len > 0 && pw[len - 1] == '\r')
        len--;
    }
  /* drop whatever followed the first line */
  gnutls_memset (pw + len, 0, MP_PASSWORD_MAX + 2 - len);
  if (memchr (pw, '\0', len) != NULL)
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA,
                   "the password in %s holds a NUL byte", what);
      return NULL;
    }
  return g_steal_pointer (&pw);
}

/**
 * mp_password_read_file:
 * @path: a password file
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the first line of @path, its line end stripped,
 * or %NULL on error
 */
/**
 * mp_password_open_file:
 * @path: the password file the user named
 * @error: return location for a #GError
 *
 * Opens @path with the messages of mp_password_read_file(): what
 * `meetpki --bus pki pkcs12-to-pem --password-file` passes to the daemon,
 * which reads it with mp_password_read_fd().
 *
 * Returns: a descriptor (close-on-exec), or -1 on error
 */
int
mp_password_open_file (const char *path, GError **error)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

  if (fd < 0)
    {
      int errsv = errno;
      g_set_error (error, MP_ERROR, errsv == ENOENT ? MP_ERROR_NOT_FOUND : MP_ERROR_IO,
                   "cannot open the password file %s: %s", path, g_strerror (errsv));
    }
  return fd;
}

MpPassword *
mp_password_read_file (const char *path, GError **error)
{
  MpPassword *pw;
  int fd = mp_password_open_file (path, error);

  if (fd < 0)
    return NULL;
  pw = mp_password_read_fd (fd, path, error);
  close (fd);
  return pw;
}
