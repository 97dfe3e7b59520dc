/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * MpKeyAlgo:
 * @MP_KEY_RSA: RSA
 * @MP_KEY_EC: ECDSA on a NIST curve
 * @MP_KEY_ED25519: Ed25519
 */
typedef enum {
  MP_KEY_RSA,
  MP_KEY_EC,
  MP_KEY_ED25519,
} MpKeyAlgo;

/**
 * MpKeySpec:
 * @algo: the algorithm
 * @bits: RSA modulus size, or the curve size for EC (256 or 384)
 *
 * What `--key-type` asks for: `rsa:2048` (the vendor's default), `rsa:3072`,
 * `rsa:4096`, `ec:p256`, `ec:p384` or `ed25519`.
 */
typedef struct {
  MpKeyAlgo algo;
  guint bits;
} MpKeySpec;

#define MP_KEY_SPEC_DEFAULT "rsa:2048"

gboolean     mp_key_spec_parse     (const char *text,
                                    MpKeySpec  *spec,
                                    GError    **error);
char        *mp_key_spec_to_string (const MpKeySpec *spec);

G_END_DECLS
