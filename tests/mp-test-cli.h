/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * helpers for the tests that drive the built `meetpki` (and openssl, the
 * independent checker) as whole processes, the way an administrator would.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* what one process did */
typedef struct {
  int status;  /* exit status; 128 + signal when killed */
  char *out;
  char *err;
} MptResult;

void        mpt_result_free    (MptResult *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MptResult, mpt_result_free)

/* a new empty temporary directory for a store */
char       *mpt_make_home      (void);
/* removes @dir and everything in it (the store is flat) */
void        mpt_remove_home    (const char *dir);

/* runs $MEETPKI_CLI with @argv (NULL-terminated, without the program name)
 * and MEETPKI_HOME=@home, LC_ALL=C, cwd @home; $MEETPKI_NOW of the test
 * process is passed on */
MptResult  *mpt_meetpki        (const char *home, const char * const *argv);
/* the same with the arguments inline */
MptResult  *mpt_meetpki_va     (const char *home, ...) G_GNUC_NULL_TERMINATED;
/* runs any program (found in $PATH) with cwd @cwd */
/* runs meetpki and asserts it succeeded */
void        mpt_ok             (const char *home, ...) G_GNUC_NULL_TERMINATED;
MptResult  *mpt_tool           (const char *cwd, const char * const *argv);
MptResult  *mpt_tool_va        (const char *cwd, ...) G_GNUC_NULL_TERMINATED;

/* one clock for this process and every meetpki it runs (MEETPKI_NOW,
 * which mpt_meetpki passes on): @t, seconds since the epoch, so a
 * days-left value cannot tick between two answers; openssl and certtool,
 * the checkers, keep the real clock (mpt_tool) */
void        mpt_pin_clock      (gint64 t);

/* TRUE when @program is in $PATH; skips the running test otherwise */
gboolean    mpt_require        (const char *program);

/* asserts a zero exit, printing the process's output when it is not */
#define mpt_assert_ok(r) mpt_assert_status_ (r, 0, __FILE__, __LINE__)
#define mpt_assert_status(r, s) mpt_assert_status_ (r, s, __FILE__, __LINE__)
void        mpt_assert_status_ (const MptResult *r, int status, const char *file, int line);

/* every entry of @dir, hidden ones too: name, type and mode, and the
 * contents (or link target), as one comparable text */
char       *mpt_snapshot       (const char *dir);

/* the names in @dir, hidden ones too, sorted and space-separated */
char       *mpt_dir_names      (const char *dir);

/* the contents of @home/@name; the test fails when it cannot be read */
GBytes     *mpt_read           (const char *home, const char *name);
void        mpt_write          (const char *home, const char *name, const char *data, gsize len);

/* `openssl x509 -noout -ext ... -serial -subject` parsed: keys are
 * "serial", "subject", "notBefore", "notAfter" and the extension names
 * as openssl prints them without "X509v3 " ("Subject Alternative Name"),
 * values are the text on the following lines joined with "\n"; an
 * extension marked critical also gets "<name>/critical" = "yes" */
GHashTable *mpt_openssl_parse  (const char *text);

/* openssl makes a CA in @dir: <name>.key (ec p-256) and <name>.crt named
 * CN=@cn, self-signed when @issuer is NULL, else issued by <issuer>.crt
 * with <issuer>.key (and its serial file <issuer>.srl); without @key_ids
 * an issued one has no subject and authority key identifiers (older CAs:
 * their issuer is found by name alone) */
void        mpt_openssl_ca     (const char *dir, const char *name, const char *cn, const char *issuer,
                                gboolean key_ids);

G_END_DECLS
