/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the probe's network half: connect to an endpoint within a timeout, say
 * the STARTTLS preamble (xmpp, postgresql), do a gnutls handshake and keep
 * the chain the server sent.  nothing is verified here: the checks are in
 * mp-probe.c, against the applied files.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mp-private.h"
#include "meetpki/mp-probe.h"

/* enough for any xmpp stream header and features we care about */
#define XMPP_READ_MAX (64 * 1024)

static gboolean
split_address (const char *address, char **host, char **port)
{
  const char *port_text;
  guint64 value = 0;

  if (address[0] == '[')
    {
      const char *end = strchr (address, ']');
      if (end == NULL || end[1] != ':' || end == address + 1)
        return FALSE;
      *host = g_strndup (address + 1, (gsize) (end - address - 1));
      port_text = end + 2;
    }
  else
    {
      const char *colon = strchr (address, ':');
      if (colon == NULL || colon == address || strchr (colon + 1, ':') != NULL)
        return FALSE;
      *host = g_strndup (address, (gsize) (colon - address));
      port_text = colon + 1;
    }
  if (!g_ascii_string_to_unsigned (port_text, 10, 1, 65535, &value, NULL))
    {
      g_clear_pointer (host, g_free);
      return FALSE;
    }
  *port = g_strdup (port_text);
  return TRUE;
}

/**
 * mp_endpoint_check_address:
 * @address: what the administrator typed
 * @error: return location for a #GError
 *
 * Returns: whether @address is `host:port` or `[v6]:port` with a port
 * from 1 to 65535
 */
gboolean
mp_endpoint_check_address (const char *address, GError **error)
{
  g_autofree char *host = NULL;
  g_autofree char *port = NULL;

  if (!split_address (address, &host, &port))
    {
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
                   "endpoint '%s' is not <host>:<port> (or [<ipv6>]:<port>, port 1-65535)", address);
      return FALSE;
    }
  return TRUE;
}

static gboolean
set_connect_error (GError **error, const char *address, const char *what)
{
  g_set_error (error, MP_ERROR, MP_ERROR_CONNECT_FAILED, "cannot connect to %s: %s", address, what);
  return FALSE;
}

/* connects within @timeout seconds; the socket is blocking afterwards,
 * with @timeout on every read and write */
static int
connect_within (const MpEndpoint *ep, GError **error)
{
  g_autofree char *host = NULL;
  g_autofree char *port = NULL;
  struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
  struct addrinfo *res = NULL;
  struct timeval tv = { .tv_sec = ep->timeout };
  int last_errno = ECONNREFUSED;
  int fd = -1;
  int rc;

  if (!mp_endpoint_check_address (ep->address, error))
    return -1;
  split_address (ep->address, &host, &port);
  rc = getaddrinfo (host, port, &hints, &res);
  if (rc != 0)
    {
      set_connect_error (error, ep->address, gai_strerror (rc));
      return -1;
    }
  for (struct addrinfo *ai = res; ai != NULL && fd < 0; ai = ai->ai_next)
    {
      struct pollfd pfd = { .events = POLLOUT };
      int soerr = 0;
      socklen_t len = sizeof soerr;

      fd = socket (ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
      if (fd < 0)
        {
          last_errno = errno;
          continue;
        }
      pfd.fd = fd;
      if (connect (fd, ai->ai_addr, ai->ai_addrlen) == 0)
        break;
      if (errno != EINPROGRESS)
        soerr = errno;
      else if (poll (&pfd, 1, (int) ep->timeout * 1000) <= 0)
        soerr = ETIMEDOUT;
      else if (getsockopt (fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
        soerr = errno;
      if (soerr != 0)
        {
          last_errno = soerr;
          close (fd);
          fd = -1;
        }
    }
  freeaddrinfo (res);
  if (fd < 0)
    {
      set_connect_error (error, ep->address, g_strerror (last_errno));
      return -1;
    }
  fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) & ~O_NONBLOCK);
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  return fd;
}

static gboolean
send_all (int fd, const void *data, gsize len, const char *address, GError **error)
{
  const guint8 *p = data;

  while (len > 0)
    {
      ssize_t n = send (fd, p, len, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return set_connect_error (error, address, n < 0 ? g_strerror (errno) : "connection closed");
      p += n;
      len -= (gsize) n;
    }
  return TRUE;
}

/* reads until @want appears in what was read since the call began, or
 * @refuse does; byte by byte so that nothing of the tls handshake that
 * follows is swallowed */
static gboolean
read_until (int fd, const char *want, const char *refuse, const char *address, GError **error)
{
  g_autoptr(GString) got = g_string_new (NULL);

  while (got->len < XMPP_READ_MAX)
    {
      char c;
      ssize_t n = recv (fd, &c, 1, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return set_connect_error (error, address, errno == EAGAIN ? "timed out in the XMPP preamble" : g_strerror (errno));
      if (n == 0)
        return set_connect_error (error, address, "the server closed the XMPP stream before STARTTLS");
      g_string_append_c (got, c);
      if (refuse != NULL && strstr (got->str, refuse) != NULL)
        return set_connect_error (error, address, "the XMPP server refused STARTTLS");
      if (strstr (got->str, want) != NULL)
        return TRUE;
    }
  return set_connect_error (error, address, "no STARTTLS in the XMPP stream features");
}

static gboolean
preamble_xmpp (int fd, const MpEndpoint *ep, const char *domain, GError **error)
{
  g_autofree char *header = g_strdup_printf (
      "<?xml version='1.0'?><stream:stream to='%s' version='1.0' xmlns='jabber:client' "
      "xmlns:stream='http://etherx.jabber.org/streams'>", domain);
  static const char starttls[] = "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";

  return send_all (fd, header, strlen (header), ep->address, error) &&
         read_until (fd, "</stream:features>", NULL, ep->address, error) &&
         send_all (fd, starttls, strlen (starttls), ep->address, error) &&
         read_until (fd, "<proceed", "<failure", ep->address, error) &&
         /* the rest of the element, so the handshake starts on a clean stream */
         read_until (fd, ">", NULL, ep->address, error);
}

static gboolean
preamble_postgres (int fd, const MpEndpoint *ep, GError **error)
{
  /* SSLRequest: length 8, code 1234 5679 (80877103), big-endian */
  static const guint8 request[8] = { 0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f };
  char answer = 0;
  ssize_t n;

  if (!send_all (fd, request, sizeof request, ep->address, error))
    return FALSE;
  do
    n = recv (fd, &answer, 1, 0);
  while (n < 0 && errno == EINTR);
  if (n != 1)
    return set_connect_error (error, ep->address, n < 0 ? g_strerror (errno) : "no answer to the SSLRequest");
  if (answer != 'S')
    return set_connect_error (error, ep->address, "the PostgreSQL server does not offer SSL");
  return TRUE;
}

static gboolean
is_ip_literal (const char *name)
{
  return g_hostname_is_ip_address (name);
}

static GPtrArray *
handshake (int fd, const MpEndpoint *ep, const char *server_name, GError **error)
{
  g_autoptr(MpTlsSession) session = NULL;
  g_autoptr(MpTlsCredentials) creds = NULL;
  g_autoptr(GPtrArray) chain = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  const gnutls_datum_t *peers;
  unsigned int n_peers = 0;
  int rc;

  mp_crypto_init ();
  rc = gnutls_init (&session, GNUTLS_CLIENT);
  if (rc >= 0)
    rc = gnutls_set_default_priority (session);
  if (rc >= 0)
    rc = gnutls_certificate_allocate_credentials (&creds);
  if (rc >= 0)
    rc = gnutls_credentials_set (session, GNUTLS_CRD_CERTIFICATE, creds);
  if (rc >= 0 && server_name != NULL && !is_ip_literal (server_name))
    rc = gnutls_server_name_set (session, GNUTLS_NAME_DNS, server_name, strlen (server_name));
  if (rc < 0)
    {
      mp_error_set_gnutls (error, rc, "tls session");
      return NULL;
    }
  gnutls_transport_set_int (session, fd);
  gnutls_handshake_set_timeout (session, ep->timeout * 1000);
  do
    rc = gnutls_handshake (session);
  while (rc < 0 && gnutls_error_is_fatal (rc) == 0);
  if (rc < 0)
    {
      g_autofree char *what = g_strdup_printf ("TLS handshake failed: %s", gnutls_strerror (rc));
      set_connect_error (error, ep->address, what);
      return NULL;
    }
  peers = gnutls_certificate_get_peers (session, &n_peers);
  if (peers == NULL || n_peers == 0)
    {
      set_connect_error (error, ep->address, "the server sent no certificate");
      return NULL;
    }
  for (unsigned int i = 0; i < n_peers; i++)
    g_ptr_array_add (chain, g_bytes_new (peers[i].data, peers[i].size));
  gnutls_bye (session, GNUTLS_SHUT_WR);
  return g_steal_pointer (&chain);
}

/**
 * mp_probe_fetch_chain:
 * @endpoint: where to connect
 * @server_name: (nullable): the name to ask for (TLS SNI, the XMPP domain)
 * @error: return location for a #GError
 *
 * Connects, says the STARTTLS preamble, shakes hands and closes.  Every
 * wait is bounded by the endpoint's timeout.
 *
 * Returns: (transfer full) (element-type GBytes): the chain the server
 * sent, DER, leaf first; %NULL with %MP_ERROR_CONNECT_FAILED when no
 * handshake completed
 */
GPtrArray *
mp_probe_fetch_chain (const MpEndpoint *endpoint, const char *server_name, GError **error)
{
  GPtrArray *chain = NULL;
  int fd = connect_within (endpoint, error);
  gboolean ok = fd >= 0;

  if (ok && endpoint->starttls == MP_STARTTLS_XMPP)
    ok = preamble_xmpp (fd, endpoint, server_name != NULL ? server_name : "localhost", error);
  else if (ok && endpoint->starttls == MP_STARTTLS_POSTGRES)
    ok = preamble_postgres (fd, endpoint, error);
  if (ok)
    chain = handshake (fd, endpoint, server_name, error);
  if (fd >= 0)
    close (fd);
  return chain;
}
