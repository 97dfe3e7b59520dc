/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * chains made by certtool for the bundle tests, and helpers to run the cli
 * and openssl on them.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char *dir;    /* the temp dir holding every fixture, <name>.crt/.key */
  char *home;   /* an empty store for cli runs */
} BundleFixture;

extern BundleFixture fx;

/* makes the chains: EC root/int1/int2/ent, RSA rroot/rint1/rint2/rent,
 * oldroot + int1x (int1 cross-signed), int1exp (expired copy of int1),
 * otherroot + otherleaf (unrelated), shortint + longent (the intermediate
 * expires first), notca + underleaf (issued by a non-ca), fakeint2 (int2's
 * name, another key) */
void   fixture_setup      (gboolean with_rsa);
void   fixture_teardown   (void);

char  *fixture_path       (const char *name);
/* <dir>/<name><ext> */
char  *fixture_file       (const char *name, const char *ext);
/* the canonical pem of a fixture certificate, as openssl prints it */
char  *fixture_canonical  (const char *name);
/* concatenates fixture files (names without .crt) into @path */
void   fixture_concat     (const char *path, const char * const *names);
GBytes *fixture_read      (const char *path);

/* runs argv (NULL-terminated); @now: MEETPKI_NOW or NULL; returns the exit
 * status; @out/@err optional */
int    run_argv           (const char * const *argv, const char *now, char **out, char **err);
/* runs the meetpki cli with --home fx.home */
int    run_cli            (const char *now, char **out, char **err, ...) G_GNUC_NULL_TERMINATED;
/* openssl verify -CAfile @root [-untrusted @untrusted] [-attime @now] @cert */
gboolean openssl_verify   (const char *root, const char *untrusted, const char *cert, const char *now);

G_END_DECLS
