/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * san rules: rfc 6125 wildcard matching, every rule of every plugin (good
 * and bad, single node and cluster, wildcard), csr subjects built from the
 * node facts, and `meetpki <service> csr` checked with openssl.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include <meetpki/meetpki.h>

static MpPluginLoader *loader;

static void
rm_rf (const char *path)
{
  g_autoptr(GDir) d = g_dir_open (path, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        rm_rf (child);
      else
        g_assert_cmpint (g_unlink (child), ==, 0);
    }
  g_assert_cmpint (g_rmdir (path), ==, 0);
}

static const MpPluginDescriptor *
plugin (const char *name)
{
  MpPlugin *p = mp_plugin_loader_lookup (loader, name);

  g_assert_nonnull (p);
  return mp_plugin_get_descriptor (p);
}

static void
test_wildcard (void)
{
  static const struct {
    const char *pattern;
    const char *name;
    gboolean match;
  } cases[] = {
    { "cms1.example.com", "cms1.example.com", TRUE },
    { "CMS1.Example.COM", "cms1.example.com", TRUE },
    { "cms1.example.com.", "cms1.example.com", TRUE },
    { "cms1.example.com", "cms2.example.com", FALSE },
    { "*.example.com", "cms1.example.com", TRUE },
    { "*.example.com", "CMS1.EXAMPLE.com", TRUE },
    { "*.example.com", "example.com", FALSE },          /* not the parent */
    { "*.example.com", "a.b.example.com", FALSE },      /* one label only */
    { "*.example.com", ".example.com", FALSE },
    { "*.com", "example.com", FALSE },                  /* too broad */
    { "c*.example.com", "cms1.example.com", FALSE },    /* no partial labels */
    { "cms1.*.com", "cms1.example.com", FALSE },        /* leftmost only */
    { "*.*.example.com", "a.b.example.com", FALSE },
    { "*.example.com", "*.example.com", FALSE },        /* a name is no pattern */
    { "", "example.com", FALSE },
    { "example.com", "", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      if (mp_dns_name_matches (cases[i].pattern, cases[i].name) != cases[i].match)
        g_error ("'%s' vs '%s': expected %s", cases[i].pattern, cases[i].name,
                 cases[i].match ? "a match" : "no match");
    }
}

/* names as a certificate would carry them */
static MpCertNames *
names_new (const char *cn, const char *sans)
{
  MpCertNames *n = g_new0 (MpCertNames, 1);

  n->cn = g_strdup (cn);
  n->dns = sans != NULL && *sans != '\0' ? g_strsplit (sans, ",", -1) : g_new0 (char *, 1);
  n->ips = g_new0 (char *, 1);
  return n;
}

static MpNodeFacts *
single_node (void)
{
  MpNodeFacts *f = mp_node_facts_new ();

  f->server_fqdn = g_strdup ("cms1.example.com");
  f->xmpp_domain = g_strdup ("example.com");
  f->join_urls = g_strsplit ("join.example.com", ",", -1);
  f->database_role = g_strdup ("primary");
  return f;
}

static MpNodeFacts *
cluster_node (void)
{
  MpNodeFacts *f = single_node ();

  f->cluster_fqdn = g_strdup ("cms.example.com");
  f->peers = g_strsplit ("cms1.example.com,cms2.example.com,cms3.example.com", ",", -1);
  return f;
}

/* checks @role of @service; returns the failures' messages joined by "|" */
static char *
failures (const char *service, const char *role, const MpCertNames *names, const MpNodeFacts *facts,
          guint *n_pass, guint *n_na)
{
  g_autoptr(GPtrArray) results = mp_rules_check (plugin (service), role, names, facts);
  g_autoptr(GPtrArray) msgs = g_ptr_array_new ();

  *n_pass = *n_na = 0;
  for (guint i = 0; i < results->len; i++)
    {
      MpRuleResult *r = g_ptr_array_index (results, i);
      if (r->status == MP_RULE_FAIL)
        g_ptr_array_add (msgs, r->message);
      *n_pass += r->status == MP_RULE_PASS;
      *n_na += r->status == MP_RULE_NOT_APPLICABLE;
    }
  g_assert_cmpint (mp_rules_passed (results), ==, msgs->len == 0);
  g_ptr_array_add (msgs, NULL);
  return g_strjoinv ("|", (char **) msgs->pdata);
}

#define ASSERT_RULES(service, role, names, facts, pass, na, expected_failures) \
  G_STMT_START { \
    guint _p, _n; \
    g_autofree char *_f = failures (service, role, names, facts, &_p, &_n); \
    g_assert_cmpstr (_f, ==, expected_failures); \
    g_assert_cmpuint (_p, ==, pass); \
    g_assert_cmpuint (_n, ==, na); \
  } G_STMT_END

static void
test_webadmin (void)
{
  g_autoptr(MpNodeFacts) facts = single_node ();
  g_autoptr(MpCertNames) good = names_new ("cms1.example.com", "cms1.example.com");
  g_autoptr(MpCertNames) wild = names_new ("*.example.com", "*.example.com");
  g_autoptr(MpCertNames) other = names_new ("cms2.example.com", "cms2.example.com");
  g_autoptr(MpCertNames) cn_only = names_new ("cms1.example.com", NULL);

  ASSERT_RULES ("webadmin", "cert", good, facts, 1, 0, "");
  ASSERT_RULES ("webadmin", "cert", wild, facts, 1, 0, "");
  ASSERT_RULES ("webadmin", "cert", other, facts, 0, 0,
                "cert does not cover the server FQDN cms1.example.com (subjectAltName: cms2.example.com)");
  ASSERT_RULES ("webadmin", "cert", cn_only, facts, 0, 0,
                "cert does not cover the server FQDN cms1.example.com: it has no DNS subjectAltName (the CN alone does not count)");
  /* a rule needs its fact */
  g_clear_pointer (&facts->server_fqdn, g_free);
  ASSERT_RULES ("webadmin", "cert", good, facts, 0, 0,
                "cert: the node fact server-fqdn is not set; run 'meetpki node set server-fqdn <value>'");
}

static void
test_callbridge_turn (void)
{
  const char *services[] = { "callbridge", "turn" };
  g_autoptr(MpNodeFacts) single = single_node ();
  g_autoptr(MpNodeFacts) cluster = cluster_node ();
  g_autoptr(MpCertNames) node = names_new ("cms1.example.com", "cms1.example.com");
  g_autoptr(MpCertNames) clustered = names_new ("cms.example.com",
                                                "cms.example.com,cms1.example.com,cms2.example.com,cms3.example.com");
  g_autoptr(MpCertNames) missing_peer = names_new ("cms.example.com", "cms.example.com,cms1.example.com,cms2.example.com");
  g_autoptr(MpCertNames) wild = names_new ("cms.example.com", "cms.example.com,*.example.com");

  for (guint i = 0; i < G_N_ELEMENTS (services); i++)
    {
      /* single node: the cluster rules do not apply */
      ASSERT_RULES (services[i], "cert", node, single, 1, 2, "");
      ASSERT_RULES (services[i], "cert", clustered, cluster, 5, 0, "");
      ASSERT_RULES (services[i], "cert", wild, cluster, 5, 0, "");
      ASSERT_RULES (services[i], "cert", node, cluster, 2, 0,
                    "cert does not cover the cluster FQDN cms.example.com (subjectAltName: cms1.example.com)|"
                    "cert does not cover the peer cms2.example.com (subjectAltName: cms1.example.com)|"
                    "cert does not cover the peer cms3.example.com (subjectAltName: cms1.example.com)");
      ASSERT_RULES (services[i], "cert", missing_peer, cluster, 4, 0,
                    "cert does not cover the peer cms3.example.com "
                    "(subjectAltName: cms.example.com, cms1.example.com, cms2.example.com)");
    }
}

static void
test_webbridge (void)
{
  g_autoptr(MpNodeFacts) facts = single_node ();
  g_autoptr(MpCertNames) good = names_new ("cms1.example.com", "cms1.example.com,join.example.com,example.com");
  g_autoptr(MpCertNames) no_join = names_new ("cms1.example.com", "cms1.example.com,example.com");
  g_autoptr(MpCertNames) wild = names_new ("*.example.com", "*.example.com");

  ASSERT_RULES ("webbridge", "cert", good, facts, 3, 0, "");
  ASSERT_RULES ("webbridge", "fullchain", good, facts, 3, 0, "");
  ASSERT_RULES ("webbridge", "cert", no_join, facts, 2, 0,
                "cert does not cover the join URL join.example.com (subjectAltName: cms1.example.com, example.com)");
  /* a wildcard covers the hosts, never the bare domain */
  ASSERT_RULES ("webbridge", "fullchain", wild, facts, 2, 0,
                "fullchain does not cover the XMPP domain example.com (subjectAltName: *.example.com)");
  /* two join urls, one missing */
  g_strfreev (facts->join_urls);
  facts->join_urls = g_strsplit ("join.example.com,meet.example.org", ",", -1);
  ASSERT_RULES ("webbridge", "cert", good, facts, 3, 0,
                "cert does not cover the join URL meet.example.org "
                "(subjectAltName: cms1.example.com, join.example.com, example.com)");
  g_clear_pointer (&facts->join_urls, g_strfreev);
  g_clear_pointer (&facts->xmpp_domain, g_free);
  ASSERT_RULES ("webbridge", "cert", good, facts, 1, 0,
                "cert: the node fact join-urls is not set; run 'meetpki node set join-urls <value>'|"
                "cert: the node fact xmpp-domain is not set; run 'meetpki node set xmpp-domain <value>'");
}

static void
test_xmpp (void)
{
  g_autoptr(MpNodeFacts) single = single_node ();
  g_autoptr(MpNodeFacts) cluster = cluster_node ();
  g_autoptr(MpCertNames) node = names_new ("cms1.example.com", "cms1.example.com,example.com");
  g_autoptr(MpCertNames) no_domain = names_new ("cms1.example.com", "cms1.example.com");
  g_autoptr(MpCertNames) clustered = names_new ("cms.example.com",
                                                "cms.example.com,example.com,cms1.example.com,cms2.example.com,cms3.example.com");
  g_autoptr(MpCertNames) one_for_all = names_new ("*.example.com", "*.example.com,example.com");

  ASSERT_RULES ("xmpp", "cert", node, single, 2, 2, "");
  ASSERT_RULES ("xmpp", "cert", no_domain, single, 1, 2,
                "cert does not cover the XMPP domain example.com (subjectAltName: cms1.example.com)");
  ASSERT_RULES ("xmpp", "cert", clustered, cluster, 6, 0, "");
  ASSERT_RULES ("xmpp", "cert", one_for_all, cluster, 6, 0, "");
}

static void
test_database (void)
{
  g_autoptr(MpNodeFacts) single = single_node ();
  g_autoptr(MpNodeFacts) cluster = cluster_node ();
  g_autoptr(MpCertNames) client = names_new ("postgres", "postgres");
  g_autoptr(MpCertNames) bad_client = names_new ("Postgres", "postgres");
  g_autoptr(MpCertNames) server = names_new ("cms1.example.com", "cms1.example.com,cms2.example.com,cms3.example.com");
  g_autoptr(MpCertNames) server_alone = names_new ("cms1.example.com", "cms1.example.com");

  ASSERT_RULES ("database", "client-cert", client, single, 1, 0, "");
  ASSERT_RULES ("database", "client-cert", bad_client, single, 0, 0,
                "client-cert must have the common name postgres exactly, not Postgres");
  ASSERT_RULES ("database", "server-cert", server, cluster, 4, 0, "");
  ASSERT_RULES ("database", "server-cert", server_alone, single, 1, 1, "");
  ASSERT_RULES ("database", "server-cert", server_alone, cluster, 2, 0,
                "server-cert does not cover the peer cms2.example.com (subjectAltName: cms1.example.com)|"
                "server-cert does not cover the peer cms3.example.com (subjectAltName: cms1.example.com)");
}

/* for every plugin and node shape, the CSR subject passes the plugin's rules */
static void
test_csr_subjects (void)
{
  const char *services[] = { "webadmin", "callbridge", "webbridge", "xmpp", "turn", "database" };
  g_autoptr(MpNodeFacts) single = single_node ();
  g_autoptr(MpNodeFacts) cluster = cluster_node ();
  MpNodeFacts *shapes[] = { single, cluster };

  for (guint s = 0; s < G_N_ELEMENTS (shapes); s++)
    for (guint i = 0; i < G_N_ELEMENTS (services); i++)
      {
        const MpPluginDescriptor *d = plugin (services[i]);

        for (guint32 c = 0; c < d->n_csrs; c++)
          {
            g_autoptr(GError) error = NULL;
            g_autoptr(MpSubject) subject = mp_rules_subject_for_csr (d, &d->csrs[c], shapes[s], &error);
            g_autoptr(GPtrArray) sans = g_ptr_array_new ();
            g_autoptr(MpCertNames) names = NULL;
            g_autoptr(GPtrArray) results = NULL;
            g_autofree char *joined = NULL;

            g_assert_no_error (error);
            for (guint k = 0; k < subject->sans->len; k++)
              g_ptr_array_add (sans, ((MpSan *) g_ptr_array_index (subject->sans, k))->value);
            g_ptr_array_add (sans, NULL);
            joined = g_strjoinv (",", (char **) sans->pdata);
            names = names_new (subject->cn, joined);
            results = mp_rules_check (d, d->csrs[c].role, names, shapes[s]);
            g_assert_true (mp_rules_passed (results));
          }
      }
}

static void
test_csr_subject_table (void)
{
  g_autoptr(MpNodeFacts) single = single_node ();
  g_autoptr(MpNodeFacts) cluster = cluster_node ();
  static const struct {
    const char *service;
    guint csr;
    gboolean clustered;
    const char *cn;
    const char *sans;
  } table[] = {
    /* the seed's step-2 table */
    { "webadmin", 0, FALSE, "cms1.example.com", "cms1.example.com" },
    { "webadmin", 0, TRUE, "cms1.example.com", "cms1.example.com" },
    { "webbridge", 0, FALSE, "cms1.example.com", "cms1.example.com,join.example.com,example.com" },
    { "callbridge", 0, FALSE, "cms1.example.com", "cms1.example.com" },
    { "callbridge", 0, TRUE, "cms.example.com", "cms.example.com,cms1.example.com,cms2.example.com,cms3.example.com" },
    { "turn", 0, TRUE, "cms.example.com", "cms.example.com,cms1.example.com,cms2.example.com,cms3.example.com" },
    { "xmpp", 0, FALSE, "cms1.example.com", "cms1.example.com,example.com" },
    { "xmpp", 0, TRUE, "cms.example.com", "cms.example.com,cms1.example.com,example.com,cms2.example.com,cms3.example.com" },
    /* seed step 3 */
    { "database", 0, TRUE, "cms1.example.com", "cms1.example.com,cms2.example.com,cms3.example.com" },
    { "database", 1, TRUE, "postgres", "postgres" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      const MpPluginDescriptor *d = plugin (table[i].service);
      g_autoptr(GError) error = NULL;
      g_autoptr(MpSubject) subject = mp_rules_subject_for_csr (d, &d->csrs[table[i].csr],
                                                               table[i].clustered ? cluster : single, &error);
      g_autoptr(GPtrArray) sans = g_ptr_array_new ();
      g_autofree char *joined = NULL;

      g_assert_no_error (error);
      for (guint k = 0; k < subject->sans->len; k++)
        g_ptr_array_add (sans, ((MpSan *) g_ptr_array_index (subject->sans, k))->value);
      g_ptr_array_add (sans, NULL);
      joined = g_strjoinv (",", (char **) sans->pdata);
      g_assert_cmpstr (subject->cn, ==, table[i].cn);
      g_assert_cmpstr (joined, ==, table[i].sans);
    }

  {
    g_autoptr(GError) error = NULL;
    g_clear_pointer (&single->join_urls, g_strfreev);
    g_assert_null (mp_rules_subject_for_csr (plugin ("webbridge"), &plugin ("webbridge")->csrs[0], single, &error));
    g_assert_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS);
    g_assert_cmpstr (error->message, ==, "the node fact join-urls is not set; run 'meetpki node set join-urls <value>'");
  }
}

static int
run (const char * const *argv, char **out)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ignored = NULL;
  g_autofree char *err = NULL;
  int status = -1;

  /* the child's output never reaches the TAP stream */
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                out != NULL ? out : &ignored, &err, &status, &error);
  g_assert_no_error (error);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

/* the whole path: node facts, `webbridge csr`, openssl reads the CSR, the
 * built-in CA signs it, and the certificate passes the rules */
static void
test_cli_csr (void)
{
  g_autofree char *home = g_dir_make_tmp ("meetpki-rules-XXXXXX", NULL);
  const char *cli = g_getenv ("MEETPKI_CLI");
  g_autofree char *csr = g_build_filename (home, "wb2026.csr", NULL);
  g_autofree char *crt = g_build_filename (home, "wb2026.crt", NULL);
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MpStore) store = mp_store_new (home, &error);
  g_autoptr(MpNodeFacts) facts = NULL;
  g_autoptr(GBytes) data = NULL;
  g_autoptr(MpCertNames) names = NULL;
  g_autoptr(GPtrArray) results = NULL;

  g_assert_no_error (error);
  g_assert_true (mp_node_facts_set (store, "server-fqdn", "cms1.example.com", &error));
  g_assert_true (mp_node_facts_set (store, "join-urls", "join.example.com", &error));
  g_assert_true (mp_node_facts_set (store, "xmpp-domain", "example.com", &error));
  g_assert_no_error (error);

  {
    const char *argv[] = { cli, "--home", home, "webbridge", "csr", "wb2026", NULL };
    g_assert_cmpint (run (argv, &out), ==, 0);
    g_assert_nonnull (strstr (out, "wb2026: CN:cms1.example.com subjectAltName:cms1.example.com,join.example.com,example.com\n"));
    g_assert_nonnull (strstr (out, "CSR file wb2026.csr ready for download\n"));
    g_clear_pointer (&out, g_free);
  }
  if (openssl != NULL)
    {
      const char *argv[] = { openssl, "req", "-in", csr, "-noout", "-text", NULL };
      g_assert_cmpint (run (argv, &out), ==, 0);
      g_assert_nonnull (strstr (out, "CN = cms1.example.com"));
      g_assert_nonnull (strstr (out, "DNS:cms1.example.com, DNS:join.example.com, DNS:example.com"));
      g_clear_pointer (&out, g_free);
    }
  else
    g_test_message ("openssl not installed: the CSR is checked by meetpki only");

  data = mp_store_read (store, "wb2026.csr", &error);
  g_assert_no_error (error);
  names = mp_cert_names_from_csr (data, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (names->cn, ==, "cms1.example.com");
  g_assert_cmpuint (g_strv_length (names->dns), ==, 3);

  /* signed by the built-in CA, the certificate keeps the names */
  {
    const char *ca[] = { cli, "--home", home, "pki", "selfsigned", "ca", "CN:Example CA", NULL };
    const char *sign[] = { cli, "--home", home, "pki", "sign", "wb2026", "ca", NULL };
    g_assert_cmpint (run (ca, NULL), ==, 0);
    g_assert_cmpint (run (sign, NULL), ==, 0);
  }
  g_clear_pointer (&data, g_bytes_unref);
  g_clear_pointer (&names, mp_cert_names_free);
  data = mp_store_read (store, "wb2026.crt", &error);
  g_assert_no_error (error);
  names = mp_cert_names_from_certificate (data, &error);
  g_assert_no_error (error);
  facts = mp_node_facts_load (store, &error);
  g_assert_no_error (error);
  results = mp_rules_check (plugin ("webbridge"), "cert", names, facts);
  g_assert_true (mp_rules_passed (results));
  g_assert_cmpuint (results->len, ==, 3);
  if (openssl != NULL)
    {
      const char *argv[] = { openssl, "x509", "-in", crt, "-noout", "-ext", "subjectAltName", NULL };
      g_assert_cmpint (run (argv, &out), ==, 0);
      g_assert_nonnull (strstr (out, "DNS:cms1.example.com, DNS:join.example.com, DNS:example.com"));
      g_clear_pointer (&out, g_free);
    }

  /* a second run refuses to overwrite the live key */
  {
    const char *argv[] = { cli, "--home", home, "webbridge", "csr", "wb2026", NULL };
    g_assert_cmpint (run (argv, NULL), ==, 4);
  }
  g_clear_pointer (&store, mp_store_unref);
  rm_rf (home);
}

/* seed step 3 as one command: dbserver and dbclient, checked by openssl */
static void
test_cli_database_csr (void)
{
  g_autofree char *home = g_dir_make_tmp ("meetpki-rules-XXXXXX", NULL);
  const char *cli = g_getenv ("MEETPKI_CLI");
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  g_autofree char *client_csr = g_build_filename (home, "dbclient.csr", NULL);
  g_autofree char *server_csr = g_build_filename (home, "dbserver.csr", NULL);
  g_autofree char *server_key = g_build_filename (home, "dbserver.key", NULL);
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MpStore) store = mp_store_new (home, &error);
  const char *csr_argv[] = { cli, "--home", home, "database", "csr", "db", NULL };

  g_assert_no_error (error);
  g_assert_true (mp_node_facts_set (store, "server-fqdn", "cms1.example.com", &error));
  g_assert_true (mp_node_facts_set (store, "peers", "cms2.example.com,cms3.example.com", &error));
  g_assert_no_error (error);

  /* the plugin's hook refuses first: no role yet; nothing is written */
  g_assert_cmpint (run (csr_argv, NULL), ==, 2);
  g_assert_false (g_file_test (server_key, G_FILE_TEST_EXISTS));

  g_assert_true (mp_node_facts_set (store, "database-role", "primary", &error));
  g_assert_cmpint (run (csr_argv, &out), ==, 0);
  g_assert_nonnull (strstr (out, "dbserver: CN:cms1.example.com subjectAltName:cms1.example.com,cms2.example.com,cms3.example.com\n"));
  g_assert_nonnull (strstr (out, "dbclient: CN:postgres subjectAltName:postgres\n"));
  g_clear_pointer (&out, g_free);
  if (openssl != NULL)
    {
      const char *client[] = { openssl, "req", "-in", client_csr, "-noout", "-subject", NULL };
      const char *server[] = { openssl, "req", "-in", server_csr, "-noout", "-text", NULL };
      g_assert_cmpint (run (client, &out), ==, 0);
      g_assert_nonnull (strstr (out, "CN = postgres"));
      g_clear_pointer (&out, g_free);
      g_assert_cmpint (run (server, &out), ==, 0);
      g_assert_nonnull (strstr (out, "DNS:cms1.example.com, DNS:cms2.example.com, DNS:cms3.example.com"));
      g_clear_pointer (&out, g_free);
    }

  /* an unknown verb gets a hint; a missing one the usage */
  {
    const char *typo[] = { cli, "--home", home, "database", "cssr", "db", NULL };
    const char *bare[] = { cli, "--home", home, "database", NULL };
    g_assert_cmpint (run (typo, NULL), ==, 2);
    g_assert_cmpint (run (bare, NULL), ==, 2);
  }
  g_clear_pointer (&store, mp_store_unref);
  rm_rf (home);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int rc;

  g_test_init (&argc, &argv, NULL);
  loader = mp_plugin_loader_new (NULL);
  if (!mp_plugin_loader_load (loader, &error))
    g_error ("%s", error->message);
  g_test_add_func ("/rules/wildcard", test_wildcard);
  g_test_add_func ("/rules/webadmin", test_webadmin);
  g_test_add_func ("/rules/callbridge-turn", test_callbridge_turn);
  g_test_add_func ("/rules/webbridge", test_webbridge);
  g_test_add_func ("/rules/xmpp", test_xmpp);
  g_test_add_func ("/rules/database", test_database);
  g_test_add_func ("/rules/csr-subjects", test_csr_subjects);
  g_test_add_func ("/rules/csr-subject-table", test_csr_subject_table);
  g_test_add_func ("/rules/cli-csr", test_cli_csr);
  g_test_add_func ("/rules/cli-database-csr", test_cli_database_csr);
  rc = g_test_run ();
  mp_plugin_loader_free (loader);
  return rc;
}
