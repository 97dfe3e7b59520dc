/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * a store that is not there (a mistyped --home or $MEETPKI_HOME, or a
 * machine where none was ever made): the commands that only read never
 * create it; those that need it name the directory (exit status 3), those
 * given paths work without it; the commands that write what they take from
 * the store (pki sign, a service's enable) need it the same way; the
 * commands that can start from an empty store still create it, mode 0700.
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mp-test-cli.h"

#define NOT_FOUND 3 /* doc/meetpki.1.scd */
#define OUTSIDE "dbca.crt dbserver.crt dbserver.key"

typedef struct {
  char *src;  /* a store with dbca (a CA) and dbserver (signed by it) */
  char *dir;  /* copies of their files, outside any store; the cwd */
  char *typo; /* @dir/meetpkk, which does not exist */
} Fixture;

static void
copy_out (const char *from, const char *to, const char *name)
{
  g_autoptr(GBytes) data = mpt_read (from, name);

  mpt_write (to, name, g_bytes_get_data (data, NULL), g_bytes_get_size (data));
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->src = mpt_make_home ();
  f->dir = mpt_make_home ();
  f->typo = g_build_filename (f->dir, "meetpkk", NULL);
  mpt_ok (f->src, "pki", "selfsigned", "dbca", "CN:tplab.local", "--key-type", "ec:p256", NULL);
  mpt_ok (f->src, "pki", "csr", "dbserver", "CN:cmscore1.example.com", "--key-type", "ec:p256", NULL);
  mpt_ok (f->src, "pki", "sign", "dbserver", "dbca", NULL);
  copy_out (f->src, f->dir, "dbca.crt");
  copy_out (f->src, f->dir, "dbserver.crt");
  copy_out (f->src, f->dir, "dbserver.key");
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  mpt_remove_home (f->dir);
  mpt_remove_home (f->src);
  g_free (f->src);
  g_free (f->dir);
  g_free (f->typo);
}

/* meetpki @args (shell words) in @cwd, with @home as $MEETPKI_HOME (unset
 * when NULL) and @xdg as $XDG_DATA_HOME; @setup runs in the child */
static MptResult *
run_in_full (const char *cwd, const char *home, const char *xdg, const char *args, GSpawnChildSetupFunc setup)
{
  g_auto(GStrv) words = NULL;
  g_auto(GStrv) envp = g_get_environ ();
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  MptResult *r = g_new0 (MptResult, 1);
  int wait_status = 0;

  g_assert_true (g_shell_parse_argv (args, NULL, &words, NULL));
  envp = home != NULL ? g_environ_setenv (envp, "MEETPKI_HOME", home, TRUE) : g_environ_unsetenv (envp, "MEETPKI_HOME");
  if (xdg != NULL)
    envp = g_environ_setenv (envp, "XDG_DATA_HOME", xdg, TRUE);
  envp = g_environ_setenv (envp, "LC_ALL", "C", TRUE);
  g_ptr_array_add (argv, (gpointer) g_getenv ("MEETPKI_CLI"));
  for (guint i = 0; words[i] != NULL; i++)
    g_ptr_array_add (argv, words[i]);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (cwd, (char **) argv->pdata, envp, G_SPAWN_DEFAULT, setup, NULL, &r->out, &r->err,
                               &wait_status, &error));
  g_assert_no_error (error);
  r->status = WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : 128 + WTERMSIG (wait_status);
  return r;
}

static MptResult *
run_in (const char *cwd, const char *home, const char *xdg, const char *args)
{
  return run_in_full (cwd, home, xdg, args, NULL);
}

/* @args with --home @f->typo, in @f->dir */
static MptResult *
run_typo (Fixture *f, const char *args)
{
  g_autofree char *line = g_strdup_printf ("--home '%s' %s", f->typo, args);

  return run_in (f->dir, f->dir, NULL, line);
}

static void
assert_nothing_created (Fixture *f)
{
  g_autofree char *names = mpt_dir_names (f->dir);

  g_assert_cmpstr (names, ==, OUTSIDE);
}

/* what a command that needs the store says when it is not there */
static char *
no_store_line (Fixture *f)
{
  return g_strdup_printf ("meetpki: no store at %s (nothing was ever created there; "
                          "check --home or MEETPKI_HOME)\n", f->typo);
}

/* @command with the mistyped store in $MEETPKI_HOME instead of --home */
static void
assert_no_store_env (Fixture *f, const char *command, const char *want)
{
  g_autoptr(MptResult) r = run_in (f->dir, f->typo, NULL, command);

  mpt_assert_status (r, NOT_FOUND);
  g_assert_cmpstr (r->err, ==, want);
  assert_nothing_created (f);
}

/* each of @commands, run with the mistyped store, prints @want alone on
 * stderr, nothing on stdout, exits 3 and creates nothing */
static void
assert_no_store (Fixture *f, const char * const *commands, gsize n, const char *want)
{
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(MptResult) r = run_typo (f, commands[i]);

      if (r->status != NOT_FOUND)
        g_error ("meetpki %s: exit %d, want %d\nstdout: %s\nstderr: %s", commands[i], r->status, NOT_FOUND,
                 r->out, r->err);
      g_assert_cmpstr (r->err, ==, want);
      g_assert_cmpstr (r->out, ==, "");
      assert_nothing_created (f);
    }
}

/* every command that needs the store says where it looked, one line,
 * exit status 3, and nothing is created */
static void
test_reads_name_the_store (Fixture *f, gconstpointer data)
{
  const char *commands[] = {
    "pki list",
    "pki list --json",
    /* a name in neither the store nor the current directory */
    "pki inspect dbclient.crt",
    "pki inspect dbclient.crt --json",
    "pki match dbclient.key dbserver.crt",
    "pki verify dbclient.crt dbca.crt",
    "bundle check dbclient.crt",
    "bundle build dbclient.crt dbca.crt",
    /* export takes store names only, even when the current directory has one */
    "pki export dbserver.crt out.crt",
    "node show",
    "node show --json",
    "check",
    "webadmin status",
    "webadmin probe",
    "database cluster status",
  };
  g_autofree char *want = no_store_line (f);

  assert_no_store (f, commands, G_N_ELEMENTS (commands), want);

  /* the same mistake in $MEETPKI_HOME */
  assert_no_store_env (f, "pki list", want);
}

/* a command given bad arguments says so (exit 2) before it looks for
 * the store, which is missing too: the usage error first, nothing made;
 * with good arguments the missing store is what it says (above) */
static void
test_usage_before_store (Fixture *f, gconstpointer data)
{
  const struct {
    const char *args;
    const char *line;
  } bad[] = {
    { "node unset bogus", "unknown node fact 'bogus'; the facts are server-fqdn, " },
    { "node unset server-fdqn", "unknown node fact 'server-fdqn'; did you mean 'server-fqdn'?" },
    { "pki sign ./x dbca", "basename './x' may only hold letters, digits, '-' and '_'" },
    { "pki sign dbserver ../dbca", "basename '../dbca' may only hold letters, digits, '-' and '_'" },
    { "pki sign dbserver dbca --days 0", "--days must be between 1 and 36500" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(MptResult) r = run_typo (f, bad[i].args);
      g_autofree char *said = g_strconcat ("meetpki: ", bad[i].line, NULL);

      if (r->status != 2)
        g_error ("meetpki %s: exit %d, want 2\nstderr: %s", bad[i].args, r->status, r->err);
      g_assert_true (g_str_has_prefix (r->err, said));
      g_assert_cmpint (strchr (r->err, '\n') - r->err, ==, strlen (r->err) - 1);
      g_assert_cmpstr (r->out, ==, "");
      assert_nothing_created (f);
    }
}

/* a command that writes, but only from what is in the store already (the
 * csr and ca it signs, the bundle it fixes, the fact it removes, the
 * service state it acts on): the same line, exit status 3, nothing made;
 * its dry run alike */
static void
test_writes_need_the_store (Fixture *f, gconstpointer data)
{
  const char *commands[] = {
    "pki sign dbserver dbca",
    "pki sign dbserver dbca --days 30",
    "bundle fix dbca.crt",
    "bundle fix dbca.crt -o fixed.pem",
    "node unset server-fqdn",
    "webadmin apply ./dbserver.key ./dbserver.crt ./dbca.crt",
    "webadmin apply ./dbserver.key ./dbserver.crt ./dbca.crt --dry-run",
    "webadmin rollback --yes",
    "webadmin enable",
    "webadmin enable --dry-run",
    "webadmin disable",
    "webadmin restart",
    "database cluster initialize",
    "database cluster join cms2.example.com",
    "database cluster connect cms2.example.com",
    "database cluster connect cms2.example.com --dry-run",
  };
  g_autofree char *want = no_store_line (f);
  g_autofree char *empty = g_build_filename (f->dir, "empty", NULL);

  assert_no_store (f, commands, G_N_ELEMENTS (commands), want);

  /* the same mistake in $MEETPKI_HOME (pki sign is the quick binary's) */
  assert_no_store_env (f, "pki sign dbserver dbca", want);

  /* a store that is there but empty is the command's own business */
  g_assert_cmpint (g_mkdir (empty, 0700), ==, 0);
  {
    g_autoptr(MptResult) sign = run_in (f->dir, empty, NULL, "pki sign dbserver dbca");
    g_autoptr(MptResult) enable = run_in (f->dir, empty, NULL, "webadmin enable");
    g_autoptr(MptResult) unset = run_in (f->dir, empty, NULL, "node unset server-fqdn");
    g_autofree char *names = NULL;

    mpt_assert_status (sign, NOT_FOUND);
    g_assert_cmpstr (sign->err, ==, "meetpki: dbserver.csr: no such file in the store (make it with 'pki csr')\n");
    mpt_assert_status (enable, NOT_FOUND);
    g_assert_cmpstr (enable->err, ==,
                     "meetpki: no certificates are applied to webadmin; run 'meetpki webadmin certs ...' first\n");
    mpt_assert_ok (unset);
    g_assert_cmpstr (unset->out, ==, "server-fqdn unset\n");
    names = mpt_dir_names (empty);
    g_assert_cmpstr (names, ==, ".services.lock");
  }
}

/* inputs given as paths are read without a store, and none is made */
static void
test_paths_without_store (Fixture *f, gconstpointer data)
{
  g_autofree char *crt = g_build_filename (f->dir, "dbserver.crt", NULL);
  g_autofree char *inspect = g_strdup_printf ("pki inspect '%s'", crt);
  g_autoptr(MptResult) in_store = NULL;
  g_autoptr(MptResult) abs = NULL;
  struct {
    const char *args;
    const char *out; /* the start of what it prints */
  } ok[] = {
    { "pki inspect ./dbserver.crt", "File:                ./dbserver.crt\nKind:                certificate\n" },
    /* a plain name not in the store but in the current directory */
    { "pki inspect dbserver.key", "File:                dbserver.key\nKind:                private key (only its public half is shown)\n" },
    { "pki match ./dbserver.key ./dbserver.crt", "SUCCESS: Key and certificate pair match\n" },
    { "pki verify ./dbserver.crt ./dbca.crt", "Chain:\n" },
    { "bundle check ./dbca.crt", "SUCCESS: ./dbca.crt is a clean CA bundle of 1 certificate(s)\n" },
    { "bundle build ./dbserver.crt ./dbca.crt", "-----BEGIN CERTIFICATE-----\n" },
    { "plugins list", "" },
    { "help", "Usage: meetpki" },
    /* a dry run writes nothing, so it makes no store either */
    { "webadmin endpoint 127.0.0.1:8443 --dry-run", "would set the webadmin endpoint: 127.0.0.1:8443" },
  };

  /* the same inspection as with a store, on one clock: two runs either
   * side of a second's end would print different days left */
  mpt_pin_clock (g_get_real_time () / G_USEC_PER_SEC);
  in_store = run_in (f->dir, f->src, NULL, inspect);
  abs = run_typo (f, inspect);
  g_unsetenv ("MEETPKI_NOW");
  mpt_assert_ok (in_store);
  mpt_assert_ok (abs);
  g_assert_cmpstr (abs->out, ==, in_store->out);
  g_assert_cmpstr (abs->err, ==, "");
  assert_nothing_created (f);
  for (guint i = 0; i < G_N_ELEMENTS (ok); i++)
    {
      g_autoptr(MptResult) r = run_typo (f, ok[i].args);

      if (r->status != 0 || !g_str_has_prefix (r->out, ok[i].out))
        g_error ("meetpki %s: exit %d\nstdout: %s\nstderr: %s", ok[i].args, r->status, r->out, r->err);
      assert_nothing_created (f);
    }
  {
    g_autoptr(MptResult) r = run_typo (f, "pki verify ./dbserver.crt ./dbca.crt");
    g_assert_nonnull (strstr (r->out, "\nSUCCESS: certificate verified against CA bundle\n"));
  }

  /* a user who never made a store: the default one (not root's) is not
   * created by an inspection either */
  if (geteuid () != 0)
    {
      g_autofree char *xdg = g_build_filename (f->dir, "xdg", NULL);
      g_autoptr(MptResult) r = NULL;
      g_autofree char *names = NULL;

      g_assert_cmpint (g_mkdir (xdg, 0700), ==, 0);
      r = run_in (f->dir, NULL, xdg, inspect);
      mpt_assert_ok (r);
      g_assert_cmpstr (r->out, ==, in_store->out);
      names = mpt_dir_names (xdg);
      g_assert_cmpstr (names, ==, "");
      g_assert_cmpint (g_rmdir (xdg), ==, 0);
    }
}

static void
assert_private_dir (const char *path)
{
  struct stat st;

  g_assert_cmpint (stat (path, &st), ==, 0);
  g_assert_true (S_ISDIR (st.st_mode));
  g_assert_cmpint (st.st_mode & 07777, ==, 0700);
}

/* the commands that write still make the store, 0700 */
static void
test_writes_create_it (Fixture *f, gconstpointer data)
{
  g_autofree char *deep = g_build_filename (f->dir, "new", "store", NULL);
  g_autofree char *parent = g_path_get_dirname (deep);
  g_autofree char *csr = g_strdup_printf ("--home '%s' pki csr web CN:web.example.com --key-type ec:p256", deep);
  g_autofree char *build = g_strdup_printf ("--home '%s' bundle build ./dbserver.crt ./dbca.crt -o chain.pem",
                                            f->typo);
  g_autoptr(MptResult) a = run_in (f->dir, f->dir, NULL, csr);
  g_autoptr(MptResult) b = run_in (f->dir, f->dir, NULL, build);
  g_autofree char *names = NULL;

  mpt_assert_ok (a);
  assert_private_dir (parent);
  assert_private_dir (deep);
  names = mpt_dir_names (deep);
  g_assert_cmpstr (names, ==, ".lock web.csr web.key");

  /* bundle build reads paths, but -o writes into the store */
  mpt_assert_ok (b);
  assert_private_dir (f->typo);
  g_free (names);
  names = mpt_dir_names (f->typo);
  g_assert_cmpstr (names, ==, ".lock chain.pem");
}

#define PROFILE "[node]\nserver-fqdn=cms1.example.com\n[ca]\nmode=local\nname=ca\nsubject=CN:Example CA\n" \
                "[certificates]\nkey-type=ec:p256\n[services]\nenable=webadmin\n"

/* every other command that writes can start from an empty store: where
 * none is, it makes one (0700, its parents too) and writes there */
static void
test_other_writers_create_it (Fixture *f, gconstpointer data)
{
  const struct {
    const char *args;
    int status;
    const char *names; /* the new store's, after; NULL: neither it nor its parent is made */
  } writers[] = {
    { "pki selfsigned ca CN:ca.example.com --key-type ec:p256", 0, ".lock ca.crt ca.key" },
    { "pki import ./dbca.crt", 0, ".lock dbca.crt" },
    { "pki pkcs12-to-pem ./dbserver.p12 web --password-file ./p12.pass", 0, ".lock web-bundle.crt web.crt web.key" },
    { "node set server-fqdn cms1.example.com", 0, ".lock node.conf" },
    { "node provision ./profile.conf", 0,
      ".lock .services.lock ca-bundle.crt ca.crt ca.key node.conf services services.conf "
      "webadmin.crt webadmin.csr webadmin.key" },
    { "webadmin backend embedded", 0, ".lock .services.lock services.conf" },
    { "webadmin endpoint 127.0.0.1:8443", 0, ".lock .services.lock services.conf" },
    { "database cluster localnode eth0", 0, ".lock .services.lock services.conf" },
    /* a node that only connects needs no node fact */
    { "database cluster certs ./dbclient.key ./dbclient.crt ./dbca.crt", 0, ".lock .services.lock services services.conf" },
    /* it succeeds, but has nothing to write */
    { "database cluster remove --yes", 0, NULL },
    /* writers too (a plugin without name rules needs no node fact), though
     * every plugin shipped wants server-fqdn recorded first: they read the
     * missing store as an empty one and stop before writing anything */
    { "webadmin csr web", 2, NULL },
    { "webadmin certs ./dbserver.key ./dbserver.crt ./dbca.crt", 1, NULL },
  };

  if (!mpt_require ("openssl"))
    return;
  mpt_ok (f->src, "pki", "csr", "dbclient", "CN:postgres", "--key-type", "ec:p256", NULL);
  mpt_ok (f->src, "pki", "sign", "dbclient", "dbca", NULL);
  copy_out (f->src, f->dir, "dbclient.crt");
  copy_out (f->src, f->dir, "dbclient.key");
  mpt_write (f->dir, "profile.conf", PROFILE, strlen (PROFILE));
  mpt_write (f->dir, "p12.pass", "secret\n", 7);
  {
    g_autoptr(MptResult) p12 = mpt_tool_va (f->dir, "openssl", "pkcs12", "-export", "-inkey", "dbserver.key",
                                            "-in", "dbserver.crt", "-certfile", "dbca.crt", "-out", "dbserver.p12",
                                            "-passout", "pass:secret", NULL);
    mpt_assert_ok (p12);
  }

  for (guint i = 0; i < G_N_ELEMENTS (writers); i++)
    {
      g_autofree char *parent = g_strdup_printf ("%s/new-%u", f->dir, i);
      g_autofree char *store = g_build_filename (parent, "store", NULL);
      g_autofree char *line = g_strdup_printf ("--home '%s' %s", store, writers[i].args);
      g_autoptr(MptResult) r = run_in (f->dir, f->dir, NULL, line);
      g_autofree char *names = NULL;

      if (r->status != writers[i].status)
        g_error ("meetpki %s: exit %d, want %d\nstdout: %s\nstderr: %s", writers[i].args, r->status,
                 writers[i].status, r->out, r->err);
      if (writers[i].names == NULL)
        g_assert_false (g_file_test (parent, G_FILE_TEST_EXISTS));
      else
        {
          assert_private_dir (parent);
          assert_private_dir (store);
          names = mpt_dir_names (store);
          g_assert_cmpstr (names, ==, writers[i].names);
        }
      if (writers[i].status != 0)
        {
          g_autofree char *said = g_strconcat (r->out, r->err, NULL);
          g_assert_nonnull (strstr (said, "the node fact server-fqdn is not set"));
        }
    }
}


/* a command that may create the store, failing on its arguments or on
 * what the (missing, so empty) store lacks: its own line and exit status,
 * and neither the store nor its parent is made */
static void
test_failed_writers_create_nothing (Fixture *f, gconstpointer data)
{
  const struct {
    const char *args;
    int status;
    const char *line; /* what stderr says, after "meetpki: " */
  } failing[] = {
    { "node set bogus x", 2, "unknown node fact 'bogus'" },
    { "webadmin backend bogus", 2, "unknown backend 'bogus'" },
    { "webadmin endpoint x", 2, "endpoint 'x' is not <host>:<port>" },
    { "database cluster localnode ''", 2, "'' is not an interface name" },
    { "database cluster certs ./nope.key ./dbserver.crt ./dbca.crt", 3, "./nope.key: no such file" },
    { "webadmin certs ./dbserver.key ./nope.crt ./dbca.crt", 3, "./nope.crt: no such file" },
    { "webadmin csr a/b", 2, "basename 'a/b' may only hold" },
    { "webadmin csr web", 2, "webadmin csr: the node fact server-fqdn is not set" },
    { "bundle build ./dbserver.crt ./dbca.crt -o ../x", 5, "'../x' is not a plain file name inside the store" },
    { "pki csr a/b CN:x", 2, "basename 'a/b' may only hold" },
    { "pki selfsigned ca CN:x --key-type bogus", 2, "unknown key type 'bogus'" },
    { "pki import ./nope.crt", 3, NULL },
    { "node provision ./nope.conf", 3, NULL },
  };
  g_autofree char *store = g_build_filename (f->dir, "new", "store", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (failing); i++)
    {
      g_autofree char *line = g_strdup_printf ("--home '%s' %s", store, failing[i].args);
      g_autoptr(MptResult) r = run_in (f->dir, f->dir, NULL, line);
      g_autofree char *said = NULL;

      if (r->status != failing[i].status)
        g_error ("meetpki %s: exit %d, want %d\nstdout: %s\nstderr: %s", failing[i].args, r->status,
                 failing[i].status, r->out, r->err);
      /* one line of its own, not about a missing store */
      g_assert_true (g_str_has_prefix (r->err, "meetpki: "));
      g_assert_cmpint (strchr (r->err, '\n') - r->err, ==, strlen (r->err) - 1);
      g_assert_null (strstr (r->err, "no store at"));
      if (failing[i].line != NULL)
        {
          said = g_strconcat ("meetpki: ", failing[i].line, NULL);
          g_assert_true (g_str_has_prefix (r->err, said));
        }
      assert_nothing_created (f);
    }
}

/* a disk that fills up, without root: files may not grow past 100 bytes
 * (EFBIG once SIGXFSZ is ignored); the locks, empty, are still made */
static void
small_files (gpointer user_data)
{
  struct rlimit limit = { 100, 100 };

  signal (SIGXFSZ, SIG_IGN);
  setrlimit (RLIMIT_FSIZE, &limit);
}

/* writers whose arguments are fine but whose write fails once the store
 * (and its parents) had to be made for it: exit 8 and no directory at
 * --home, nor the parents made for it */
static void
test_failed_write_creates_nothing (Fixture *f, gconstpointer data)
{
  const char *writers[] = {
    "pki import ./dbserver.crt",
    "pki csr k CN:k.example.com --key-type ec:p256",
    "bundle build ./dbserver.crt ./dbca.crt -o chain.pem",
  };
  g_autofree char *store = g_build_filename (f->dir, "new", "store", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (writers); i++)
    {
      g_autofree char *line = g_strdup_printf ("--home '%s' %s", store, writers[i]);
      g_autoptr(MptResult) r = run_in_full (f->dir, f->dir, NULL, line, small_files);

      if (r->status != 8 || strstr (r->err, g_strerror (EFBIG)) == NULL)
        g_error ("meetpki %s: exit %d, want 8 (%s)\nstderr: %s", writers[i], r->status, g_strerror (EFBIG),
                 r->err);
      g_assert_cmpint (strchr (r->err, '\n') - r->err, ==, strlen (r->err) - 1);
      assert_nothing_created (f);
    }

  /* a store that was there, empty, stays, and so does its parent */
  {
    g_autofree char *line = g_strdup_printf ("--home '%s' %s", store, writers[0]);
    g_autoptr(MptResult) r = NULL;
    g_autofree char *names = NULL;

    g_assert_cmpint (g_mkdir_with_parents (store, 0700), ==, 0);
    r = run_in_full (f->dir, f->dir, NULL, line, small_files);
    mpt_assert_status (r, 8);
    g_assert_true (g_file_test (store, G_FILE_TEST_IS_DIR));
    names = mpt_dir_names (store);
    g_assert_cmpstr (names, ==, "");
  }
}

typedef struct {
  GPid pid;
  int out_fd;
} Running;

static void
start (Fixture *f, const char *store, const char *args, Running *run)
{
  g_autofree char *line = g_strdup_printf ("%s --home '%s' %s", g_getenv ("MEETPKI_CLI"), store, args);
  g_auto(GStrv) argv = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_shell_parse_argv (line, NULL, &argv, NULL));
  g_assert_true (g_spawn_async_with_pipes (f->dir, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
                                           NULL, NULL, &run->pid, NULL, NULL, &run->out_fd, &error));
  g_assert_no_error (error);
}

/* its exit status and what it said on stderr */
static int
finish (Running *run, char **err)
{
  g_autoptr(GString) s = g_string_new (NULL);
  char buf[512];
  ssize_t n;
  int status = 0;

  while ((n = read (run->out_fd, buf, sizeof buf)) > 0)
    g_string_append_len (s, buf, n);
  close (run->out_fd);
  g_assert_cmpint (waitpid (run->pid, &status, 0), ==, run->pid);
  g_spawn_close_pid (run->pid);
  g_assert_true (WIFEXITED (status));
  *err = g_string_free (g_steal_pointer (&s), FALSE);
  return WEXITSTATUS (status);
}

/* two commands making the same missing store at once: both succeed and
 * neither's write is lost, or one says the store was made meanwhile (exit
 * 4) and wrote nothing; never a crash or a half-made store */
static void
test_concurrent_first_write (Fixture *f, gconstpointer data)
{
  for (guint i = 0; i < 12; i++)
    {
      g_autofree char *parent = g_strdup_printf ("%s/race-%u", f->dir, i);
      g_autofree char *store = g_build_filename (parent, "store", NULL);
      g_autofree char *err_a = NULL;
      g_autofree char *err_b = NULL;
      g_autofree char *conf = NULL;
      g_autofree char *conf_path = g_build_filename (store, "services.conf", NULL);
      g_autofree char *names = NULL;
      g_autofree char *race = g_strdup_printf ("meetpki: store %s was created by another command while this one ran; "
                                               "nothing was written, run it again\n", store);
      Running a, b;
      int sa, sb;

      /* services.conf, read and written under the service lock */
      start (f, store, "webadmin endpoint 127.0.0.1:8443", &a);
      start (f, store, "webadmin backend exec certs=/bin/true", &b);
      sa = finish (&a, &err_a);
      sb = finish (&b, &err_b);
      assert_private_dir (parent);
      assert_private_dir (store);
      g_assert_true (g_file_get_contents (conf_path, &conf, NULL, NULL));
      g_assert_true ((sa == 0 || sa == 4) && (sb == 0 || sb == 4) && (sa == 0 || sb == 0));
      g_assert_cmpstr (err_a, ==, sa == 0 ? "" : race);
      g_assert_cmpstr (err_b, ==, sb == 0 ? "" : race);
      g_assert_cmpint (strstr (conf, "endpoint=127.0.0.1:8443") != NULL, ==, sa == 0);
      g_assert_cmpint (strstr (conf, "exec-certs=/bin/true") != NULL, ==, sb == 0);
      names = mpt_dir_names (store);
      g_assert_cmpstr (names, ==, ".lock .services.lock services.conf");
      g_clear_pointer (&err_a, g_free);
      g_clear_pointer (&err_b, g_free);
      g_clear_pointer (&names, g_free);

      /* two transactions and no service lock: both always succeed */
      store[strlen (store) - 1] = '2';
      start (f, store, "pki csr a CN:a.example.com --key-type ec:p256", &a);
      start (f, store, "pki csr b CN:b.example.com --key-type ec:p256", &b);
      g_assert_cmpint (finish (&a, &err_a), ==, 0);
      g_assert_cmpint (finish (&b, &err_b), ==, 0);
      g_assert_cmpstr (err_a, ==, "");
      g_assert_cmpstr (err_b, ==, "");
      assert_private_dir (store);
      names = mpt_dir_names (store);
      g_assert_cmpstr (names, ==, ".lock a.csr a.key b.csr b.key");
      /* no temporary directory of the making is left beside it */
      g_clear_pointer (&names, g_free);
      names = mpt_dir_names (parent);
      g_assert_cmpstr (names, ==, "stor2 store");
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/cli-no-store/reads-name-the-store", Fixture, NULL, fixture_set_up, test_reads_name_the_store,
              fixture_tear_down);
  g_test_add ("/cli-no-store/paths-without-store", Fixture, NULL, fixture_set_up, test_paths_without_store,
              fixture_tear_down);
  g_test_add ("/cli-no-store/writes-need-the-store", Fixture, NULL, fixture_set_up, test_writes_need_the_store,
              fixture_tear_down);
  g_test_add ("/cli-no-store/usage-before-store", Fixture, NULL, fixture_set_up, test_usage_before_store,
              fixture_tear_down);
  g_test_add ("/cli-no-store/writes-create-it", Fixture, NULL, fixture_set_up, test_writes_create_it,
              fixture_tear_down);
  g_test_add ("/cli-no-store/other-writers-create-it", Fixture, NULL, fixture_set_up, test_other_writers_create_it,
              fixture_tear_down);
  g_test_add ("/cli-no-store/failed-writers-create-nothing", Fixture, NULL, fixture_set_up,
              test_failed_writers_create_nothing, fixture_tear_down);
  g_test_add ("/cli-no-store/failed-write-creates-nothing", Fixture, NULL, fixture_set_up,
              test_failed_write_creates_nothing, fixture_tear_down);
  g_test_add ("/cli-no-store/concurrent-first-write", Fixture, NULL, fixture_set_up, test_concurrent_first_write,
              fixture_tear_down);
  return g_test_run ();
}
