/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include <meetpki/mp-apply.h>
#include <meetpki/mp-service.h>

G_BEGIN_DECLS

/**
 * MpStarttls:
 * @MP_STARTTLS_NONE: TLS from the first byte
 * @MP_STARTTLS_XMPP: an XMPP client stream header, `<starttls/>`, `<proceed/>`
 * @MP_STARTTLS_POSTGRES: PostgreSQL's SSLRequest, answered with `S`
 *
 * What a probe says before the TLS handshake.
 */
typedef enum {
  MP_STARTTLS_NONE,
  MP_STARTTLS_XMPP,
  MP_STARTTLS_POSTGRES,
} MpStarttls;

const char *mp_starttls_to_string   (MpStarttls kind);
gboolean    mp_starttls_from_string (const char  *text,
                                     MpStarttls  *kind,
                                     GError     **error);

/* the probe's connect and handshake timeout when none is configured */
#define MP_PROBE_DEFAULT_TIMEOUT 5

/**
 * MpEndpoint:
 * @address: `host:port` or `[v6]:port`
 * @starttls: the preamble
 * @timeout: seconds for the connect and for the handshake, each
 *
 * Where a service's daemon serves TLS.
 */
typedef struct {
  char *address;
  MpStarttls starttls;
  guint timeout;
} MpEndpoint;

void        mp_endpoint_free        (MpEndpoint *endpoint);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MpEndpoint, mp_endpoint_free)
gboolean    mp_endpoint_check_address (const char *address,
                                       GError    **error);
MpEndpoint *mp_service_config_get_endpoint (MpServiceConfig  *config,
                                            const char       *service);
gboolean    mp_service_config_set_endpoint (MpServiceConfig  *config,
                                            const char       *service,
                                            const MpEndpoint *endpoint,
                                            GError          **error);

GPtrArray  *mp_probe_fetch_chain    (const MpEndpoint *endpoint,
                                     const char       *server_name,
                                     GError          **error);

/**
 * MpProbe:
 * @address: the address probed
 * @served: (element-type GBytes): the served chain, DER, as sent
 * @served_sha256: the SHA-256 of the served leaf (DER), in hex
 * @lines: (element-type MpLine): SUCCESS, WARNING and FAILURE lines
 * @n_failures: FAILURE lines
 *
 * What a probe of a service found.
 */
typedef struct {
  char *address;
  GPtrArray *served;
  char *served_sha256;
  GPtrArray *lines;
  guint n_failures;
} MpProbe;

void        mp_probe_free           (MpProbe *probe);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MpProbe, mp_probe_free)
MpProbe    *mp_probe_service        (const MpPluginDescriptor *desc,
                                     MpStore          *store,
                                     MpServiceConfig  *config,
                                     const MpNodeFacts *facts,
                                     const MpEndpoint *endpoint,
                                     GError          **error);

G_END_DECLS
