/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * helpers for tests that run the real cli: spawning it and openssl, store
 * snapshots, and key/certificate material made by openssl
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* the cli's exit statuses (doc/meetpki.1.scd) */
enum {
  EXIT_USAGE = 2,
  EXIT_NOT_FOUND = 3,
  EXIT_EXISTS = 4,
  EXIT_OUTSIDE_STORE = 5,
  EXIT_INVALID_DATA = 6,
  EXIT_IO = 8,
};

/* the password of the material's pkcs#12 files, in its file "pw" */
#define PASSWORD "s3cret pw"

typedef struct {
  char *dir;  /* scratch space for this test */
  char *home; /* the store, <dir>/store, not created up front */
} MptFixture;

void     mpt_fixture_set_up      (MptFixture *f, gconstpointer data);
void     mpt_fixture_tear_down   (MptFixture *f, gconstpointer data);

/* makes the openssl material once: root.crt/.key (rsa ca), int.crt/.key
 * (rsa intermediate), leaf.key/.crt/.csr (ec p-256, issued by int),
 * leaf.der, leaf.csr.der, other.key (ed25519), chain.pem (root then int),
 * combo.pem (key+cert), combo.crt (cert+key), full.p12 (leaf + chain,
 * password in "pw"), empty.p12 (empty password, no chain), 3des.p12
 * (sha1/3des, leaf + int), nokey.p12, enc.key, encder.key, trad.key
 * (encrypted keys), garbage.crt, empty.crt, leaf.txt, badsig.csr */
void     mpt_make_material       (void);
void     mpt_material_free       (void);
/* the path of a material file */
char    *mpt_mat                 (const char *name);
char    *mpt_in_dir              (const char *dir, const char *name);
void     mpt_rm_rf               (const char *path);

int      mpt_run_argv            (const char *cwd, GPtrArray *argv, char **out, char **err);
/* runs openssl and insists it succeeds; returns its stdout */
char    *mpt_openssl             (const char *cwd, const char *first, ...) G_GNUC_NULL_TERMINATED;
/* runs `meetpki --home <store> ...`; returns the exit status */
int      mpt_cli                 (MptFixture *f, char **out, char **err, const char *first, ...) G_GNUC_NULL_TERMINATED;

char    *mpt_snapshot            (const char *dir);
guint    mpt_mode_of             (const char *path);
void     mpt_write_file          (const char *path, const char *content, gssize len);
char    *mpt_read_file           (const char *path);
char    *mpt_pubkey_of           (const char *key_path);
char    *mpt_fingerprint_of      (const char *crt_path);
GPtrArray *mpt_fingerprints_of_bundle (const char *path, const char *scratch);

/* existing.key (other.key) and existing.crt (leaf.crt), imported by the cli */
void     mpt_seed_store          (MptFixture *f);
void     mpt_assert_fails        (MptFixture *f, int want_status, const char *want_error,
                                  const char * const *args);

/* runs a command that must fail: checks the status, the one error line
 * "meetpki: <message>" on stderr, nothing on stdout, and that the store is
 * exactly as before */
#define MPT_FAILS(f, status, message, ...) \
  G_STMT_START { \
    const char *const args_[] = { __VA_ARGS__, NULL }; \
    mpt_assert_fails ((f), (status), (message), args_); \
  } G_STMT_END

G_END_DECLS
