/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the one private header: gnutls/libgcrypt cleanups and the error helper.
 * every gnutls type the library holds in a g_autoptr() is declared here and
 * nowhere else.
 */
#pragma once

#include <glib.h>
#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/x509.h>
#include <gnutls/x509-ext.h>
#include <gnutls/pkcs12.h>

#include "meetpki/mp-error.h"
#include "meetpki/plugin.h"

G_BEGIN_DECLS

/* the struct types behind gnutls' pointer typedefs, so that
 * g_autoptr(MpX509Crt) declares a gnutls_x509_crt_t */
typedef struct gnutls_x509_crt_int MpX509Crt;
typedef struct gnutls_x509_crq_int MpX509Crq;
typedef struct gnutls_x509_privkey_int MpX509Privkey;
typedef struct gnutls_privkey_st MpPrivkey;
typedef struct gnutls_pubkey_st MpPubkey;
typedef struct gnutls_pkcs12_int MpPkcs12;
typedef struct gnutls_pkcs12_bag_int MpPkcs12Bag;
typedef struct gnutls_subject_alt_names_st MpSubjectAltNames;
typedef struct gnutls_x509_key_purposes_st MpKeyPurposes;
typedef struct gnutls_x509_aki_st MpAki;
typedef struct gnutls_x509_trust_list_st MpTrustList;
typedef struct gnutls_session_int MpTlsSession;
typedef struct gnutls_certificate_credentials_st MpTlsCredentials;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MpX509Crt, gnutls_x509_crt_deinit)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MpX509Crq, gnutls_x509_crq_deinit)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MpX509Privkey, gnutls_x509_privkey_deinit)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MpPrivkey, gnutls_privkey_deinit)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MpPubkey, gnutls_pubkey_deinit)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MpPkcs12, gnutls_pkcs12_deinit)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MpPkcs12Bag, gnutls_pkcs12_bag_deinit)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MpSubjectAltNames, gnutls_subject_alt_names_deinit)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MpKeyPurposes, gnutls_x509_key_purpose_deinit)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MpAki, gnutls_x509_aki_deinit)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MpTlsSession, gnutls_deinit)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MpTlsCredentials, gnutls_certificate_free_credentials)
/* a trust list owns the certificates added to it */
void mp_trust_list_free (MpTrustList *list);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MpTrustList, mp_trust_list_free)

/* a gnutls_datum_t owned by gnutls_malloc; wiped before it is freed because
 * it may hold key material */
typedef gnutls_datum_t MpDatum;
void mp_datum_wipe_free (MpDatum *d);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (MpDatum, mp_datum_wipe_free)

/* turns a gnutls return code into an MP_ERROR_CRYPTO GError of the form
 * "op: message [code]"; always returns FALSE so callers can `return` it */
gboolean mp_error_set_gnutls (GError **error, int rc, const char *op);
/* the same for a libgcrypt gcry_error_t (not in the lite build) */
gboolean mp_error_set_gcrypt (GError **error, unsigned int err, const char *op);
/* whether libgcrypt's secure memory is locked, as a password needs (not in
 * the lite build) */
gboolean mp_crypto_check_secure_memory (GError **error);

/* makes sure gnutls and libgcrypt (secure memory included) are initialised
 * once per process; in the quick cli's lite build libgcrypt only when
 * mp_random_strong() first needs it */
void mp_crypto_init (void);

/* fills @buf with @len bytes of libgcrypt's GCRY_STRONG_RANDOM; FALSE and
 * @error set only in the lite build, when libgcrypt cannot be loaded */
gboolean mp_random_strong (void *buf, gsize len, GError **error);

/* the library's clock (declared in meetpki/mp-inspect.h too, for the
 * frontends): $MEETPKI_NOW (seconds since the epoch) when set, so
 * tests can fix the time; otherwise the real time */
gint64 mp_now (void);

/* the days left of a certificate at @now: whole days remaining, rounded
 * down (towards the past), as `pki inspect` documents; every count of days
 * left (inspect, apply and check lines, the probe) is this one */
gint64 mp_days_left (gint64 now, gint64 not_after);

/* overwrites and frees a string that may hold secrets */
void mp_secret_free (char *s);

/* a GBytes that holds key material: g_autoptr(MpSecretBytes) overwrites the
 * bytes before dropping the reference, so only use it on bytes nobody else
 * holds */
typedef GBytes MpSecretBytes;
void mp_secret_bytes_unref (MpSecretBytes *bytes);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MpSecretBytes, mp_secret_bytes_unref)

/* holds off SIGINT, SIGTERM, SIGHUP and SIGQUIT in the calling thread
 * while files are staged beside the store's (a key's copy among them): a
 * signal that comes meanwhile ends the process only at the matching
 * release, once the writes are committed or undone and the temporary
 * files are gone. nests; nothing may be spawned while held, as a child
 * inherits the blocked signals */
void mp_signals_hold (void);
void mp_signals_release (void);

/* the service lock's file in the store, taken (mp-service.c); in a store
 * that is made at its first write and not made yet, -1 and nothing is
 * made: mp_store_ensure_dir() makes the store with the lock held.  the
 * release takes what the take returned */
typedef struct _MpStore MpStore;
int  mp_store_lock_services   (MpStore *self, GError **error);
void mp_store_unlock_services (MpStore *self, int fd);

/* the role of @desc named @name, or NULL */
const MpPluginRole *mp_descriptor_find_role (const MpPluginDescriptor *desc, const char *name);
/* the name `certs` and `trust` record for @arg read from @path: a store
 * name when it is one, else the absolute path (mp-apply.c) */
char *mp_source_name (MpStore *store, const char *arg, const char *path);
/* frees an MpLine (mp-apply.h) */
void mp_line_free (gpointer line);

G_END_DECLS
