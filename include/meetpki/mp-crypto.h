/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * mp_crypto_prefer_system_rng:
 *
 * Declares, for the whole program, that libgcrypt's randomness (serial
 * numbers, nonces) comes straight from the kernel (GCRY_RNG_TYPE_SYSTEM,
 * one getrandom() a request) instead of a userspace pool seeded in every
 * process.  libgcrypt leaves that choice to the program: call it at the
 * top of main(), before any other libmeetpki or libgcrypt call.  It is a
 * preference libgcrypt ranks lowest: in FIPS mode, or when any part of
 * the program asks for the standard RNG, that one is used.  The meetpki
 * and meetpkid programs call it (doc/speed.md); libmeetpki alone never
 * changes the program's RNG.
 */
void mp_crypto_prefer_system_rng (void);

G_END_DECLS
