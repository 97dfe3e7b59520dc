/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `pki verify <cert> [<bundle or root CA>]`: the chain is built from the
 * bundle whatever its order, printed, then judged by gnutls.
 */
#include "config.h"

#include "mp-cli.h"

static void
print_chain (MpBundle *bundle)
{
  GPtrArray *chain = mp_bundle_get_chain (bundle);

  g_print ("Chain:\n");
  for (guint i = 0; i < chain->len; i++)
    {
      const MpBundleCert *c = g_ptr_array_index (chain, i);
      g_autofree char *from = mp_bundle_format_time (mp_bundle_cert_get_not_before (c));
      g_autofree char *until = mp_bundle_format_time (mp_bundle_cert_get_not_after (c));

      if (mp_bundle_cert_is_self_signed (c))
        g_print ("  %u. %s (self-signed), valid %s to %s\n", i + 1, mp_bundle_cert_get_subject (c), from, until);
      else
        g_print ("  %u. %s -> %s, valid %s to %s\n", i + 1, mp_bundle_cert_get_subject (c),
                 mp_bundle_cert_get_issuer (c), from, until);
    }
}

/* what a user of verify wants to hear besides the verdict */
static void
print_notes (MpBundle *bundle)
{
  static const char *const shown[] = {
    "wrong-order", "self-signed-not-last", "intermediate-expires-first", "private-key",
  };
  GPtrArray *findings = mp_bundle_get_findings (bundle);
  g_autoptr(GPtrArray) notes = g_ptr_array_new ();

  for (guint i = 0; i < findings->len; i++)
    {
      MpFinding *f = g_ptr_array_index (findings, i);
      for (guint k = 0; k < G_N_ELEMENTS (shown); k++)
        {
          if (g_str_equal (f->code, shown[k]))
            g_ptr_array_add (notes, f);
        }
    }
  mp_cli_print_findings (notes, FALSE);
}

gboolean
mp_cli_pki_verify (MpCli *cli, const char * const *args, guint n_args, GError **error)
{
  g_autoptr(MpBundle) bundle = mp_bundle_new ();
  const MpBundleCert *entity;
  guint n = 0;

  if (!mp_cli_add_bundle_input (cli, bundle, args[0], &n, error))
    return FALSE;
  if (n == 0)
    {
      const MpFinding *why = mp_bundle_find_finding (bundle, "private-key");
      if (why == NULL)
        why = g_ptr_array_index (mp_bundle_get_findings (bundle), 0);
      g_set_error (error, MP_ERROR, MP_ERROR_INVALID_DATA, "%s: no certificate to verify (%s)",
                   args[0], why != NULL ? why->message : "unreadable");
      return FALSE;
    }
  entity = g_ptr_array_index (mp_bundle_get_certs (bundle), 0);
  if (n_args > 1 && !mp_cli_add_bundle_input (cli, bundle, args[1], NULL, error))
    return FALSE;

  mp_bundle_build_chain (bundle, entity, cli->system_trust ? MP_CHAIN_NONE : MP_CHAIN_ROOT_REQUIRED);
  mp_bundle_check_order (bundle);
  print_chain (bundle);
  print_notes (bundle);
  if (!mp_bundle_verify_chain (bundle, cli->system_trust, error))
    return FALSE;
  g_print ("SUCCESS: certificate verified against CA bundle\n");
  return TRUE;
}
