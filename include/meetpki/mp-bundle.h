/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include <meetpki/mp-store.h>

G_BEGIN_DECLS

/**
 * MpFindingSeverity:
 * @MP_FINDING_WARNING: the bundle works but is not what services expect
 * @MP_FINDING_ERROR: a service would reject the bundle, or it is unsafe
 *
 * How bad a #MpFinding is.
 */
typedef enum {
  MP_FINDING_WARNING,
  MP_FINDING_ERROR,
} MpFindingSeverity;

/**
 * MpFinding:
 * @severity: an #MpFindingSeverity
 * @code: a stable code such as "wrong-order" (documented in meetpki(1), BUNDLES);
 *   a static string
 * @message: one line for a person
 * @source: the input the finding is about (a file name), or %NULL
 * @line: the 1-based line in @source, or 0 when the finding has no line
 *
 * One oddity found while reading a bundle or building a chain.
 */
typedef struct {
  MpFindingSeverity severity;
  const char *code;
  char *message;
  char *source;
  guint line;
} MpFinding;

void         mp_finding_free              (MpFinding *finding);
const char  *mp_finding_severity_to_string (MpFindingSeverity severity);
char        *mp_finding_to_string         (const MpFinding  *finding);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MpFinding, mp_finding_free)

/**
 * MpBundleCert:
 *
 * One certificate read into an #MpBundle.  Owned by the bundle; read it with
 * the mp_bundle_cert_get_*() accessors.
 */
typedef struct _MpBundleCert MpBundleCert;

const char  *mp_bundle_cert_get_subject    (const MpBundleCert *cert);
const char  *mp_bundle_cert_get_issuer     (const MpBundleCert *cert);
gint64       mp_bundle_cert_get_not_before (const MpBundleCert *cert);
gint64       mp_bundle_cert_get_not_after  (const MpBundleCert *cert);
gboolean     mp_bundle_cert_is_ca          (const MpBundleCert *cert);
gboolean     mp_bundle_cert_is_self_signed (const MpBundleCert *cert);
const char  *mp_bundle_cert_get_source     (const MpBundleCert *cert);
guint        mp_bundle_cert_get_line       (const MpBundleCert *cert);

/**
 * MpBundleKind:
 * @MP_BUNDLE_KIND_AUTO: judge from the contents: a full chain when the file
 *   holds a certificate that is not a CA, else a CA bundle; a missing root is
 *   only a warning
 * @MP_BUNDLE_KIND_FULL_CHAIN: entity first, intermediates, root last
 * @MP_BUNDLE_KIND_CA_BUNDLE: intermediates then root, no entity
 *
 * What a checked file is meant to be.
 */
typedef enum {
  MP_BUNDLE_KIND_AUTO,
  MP_BUNDLE_KIND_FULL_CHAIN,
  MP_BUNDLE_KIND_CA_BUNDLE,
} MpBundleKind;

/**
 * MpChainFlags:
 * @MP_CHAIN_NONE: a chain that ends below its root is a warning
 * @MP_CHAIN_ROOT_REQUIRED: the chain must end in a self-signed root
 *
 * Flags for mp_bundle_build_chain().
 */
typedef enum {
  MP_CHAIN_NONE = 0,
  MP_CHAIN_ROOT_REQUIRED = 1 << 0,
} MpChainFlags;

/**
 * MpPemFlags:
 * @MP_PEM_ALL: every certificate of the chain
 * @MP_PEM_NO_ENTITY: leave out the entity certificate (a CA bundle)
 * @MP_PEM_NO_ROOT: leave out a self-signed root
 *
 * Flags for mp_bundle_chain_to_pem().
 */
typedef enum {
  MP_PEM_ALL = 0,
  MP_PEM_NO_ENTITY = 1 << 0,
  MP_PEM_NO_ROOT = 1 << 1,
} MpPemFlags;

/**
 * MpBundle:
 *
 * A pool of certificates read from one or more inputs, the findings about
 * them, and (once built) one ordered chain.
 */
typedef struct _MpBundle MpBundle;

MpBundle    *mp_bundle_new              (void);
void         mp_bundle_free             (MpBundle           *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MpBundle, mp_bundle_free)

guint        mp_bundle_add_data         (MpBundle           *self,
                                         GBytes             *data,
                                         const char         *source);
gboolean     mp_bundle_add_file         (MpBundle           *self,
                                         const char         *path,
                                         const char         *source,
                                         guint              *n_certs,
                                         GError            **error);

GPtrArray   *mp_bundle_get_certs        (MpBundle           *self);
void         mp_bundle_expect_copies    (MpBundle           *self);
GPtrArray   *mp_bundle_get_findings     (MpBundle           *self);
guint        mp_bundle_count_findings   (MpBundle           *self,
                                         MpFindingSeverity   severity);
const MpFinding *mp_bundle_find_finding (MpBundle           *self,
                                         const char         *code);

gboolean     mp_bundle_build_chain      (MpBundle           *self,
                                         const MpBundleCert *start,
                                         MpChainFlags        flags);
gboolean     mp_bundle_check            (MpBundle           *self,
                                         MpBundleKind        kind);
void         mp_bundle_check_order      (MpBundle           *self);
GPtrArray   *mp_bundle_get_chain        (MpBundle           *self);
gboolean     mp_bundle_chain_is_complete (MpBundle          *self);

GBytes      *mp_bundle_chain_to_pem     (MpBundle           *self,
                                         MpPemFlags          flags,
                                         GError            **error);

GBytes      *mp_bundle_certs_to_pem     (GPtrArray          *certs);
gboolean     mp_bundle_verify_chain     (MpBundle           *self,
                                         gboolean            system_trust,
                                         GError            **error);

char        *mp_bundle_format_time      (gint64              t);
JsonNode    *mp_bundle_to_json          (MpBundle           *bundle,
                                         const char         *file,
                                         const char         *kind);
JsonNode    *mp_bundle_verify_to_json   (MpBundle           *bundle,
                                         const MpBundleCert *entity,
                                         gboolean            system_trust);
JsonNode    *mp_bundle_build_to_json    (MpBundle           *bundle,
                                         const MpBundleCert *entity,
                                         MpPemFlags          flags);
JsonNode    *mp_bundle_fix_to_json      (MpStore            *store,
                                         const char         *name,
                                         const char         *output,
                                         MpWriteFlags        flags);
void         mp_bundle_report_set_error (JsonNode           *report,
                                         const GError       *error);
gboolean     mp_bundle_report_get_error (JsonNode           *report,
                                         GError            **error);

G_END_DECLS
