/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * checking a bundle file as written: which chain it holds, and whether its
 * order is the one services expect (entity, intermediates, root last).
 */
#include "config.h"

#include "mp-bundle-private.h"

/* the length of the chain above @c through the file's own issuers */
static guint
depth_of (GHashTable *issuer_of, MpBundleCert *c)
{
  guint n = 1;

  /* the walk is bounded: a loop of names cannot make it run forever */
  for (MpBundleCert *x = g_hash_table_lookup (issuer_of, c); x != NULL && n <= g_hash_table_size (issuer_of);
       x = g_hash_table_lookup (issuer_of, x))
    n++;
  return n;
}

/* the certificate the file's chain starts from: one that issued no other
 * certificate of the file (the entity when there is one), with the longest
 * chain above it */
static MpBundleCert *
find_start (MpBundle *self, MpBundleKind kind)
{
  g_autoptr(GHashTable) issuers = g_hash_table_new (NULL, NULL);
  g_autoptr(GHashTable) issuer_of = g_hash_table_new (NULL, NULL);
  MpBundleCert *best = NULL;
  guint best_depth = 0;
  gboolean best_entity = FALSE;

  for (guint i = 0; i < self->certs->len; i++)
    {
      MpBundleCert *c = g_ptr_array_index (self->certs, i);
      MpBundleCert *issuer;

      if (mp_bundle_cert_self_signed (c))
        continue;
      issuer = mp_bundle_find_issuer (self, c, NULL, NULL);
      if (issuer != NULL)
        {
          g_hash_table_add (issuers, issuer);
          g_hash_table_insert (issuer_of, c, issuer);
        }
    }
  for (guint i = 0; i < self->certs->len; i++)
    {
      MpBundleCert *c = g_ptr_array_index (self->certs, i);
      gboolean entity = !c->is_ca;
      guint depth;

      if (g_hash_table_contains (issuers, c))
        continue;
      depth = depth_of (issuer_of, c);
      /* a full chain starts at an entity, a ca bundle at a ca */
      if (kind == MP_BUNDLE_KIND_CA_BUNDLE)
        entity = !entity;
      if (best == NULL || (entity && !best_entity) || (entity == best_entity && depth > best_depth))
        {
          best = c;
          best_depth = depth;
          best_entity = entity;
        }
    }
  /* every certificate issued another: a loop; start anywhere */
  return best != NULL ? best : g_ptr_array_index (self->certs, 0);
}

/**
 * mp_bundle_check_order:
 * @self: a pool with a built chain
 *
 * Records "wrong-order" when the chain's certificates were read in another
 * order than the chain's, and "self-signed-not-last" for every self-signed
 * certificate read before the last one.
 */
void
mp_bundle_check_order (MpBundle *self)
{
  g_autoptr(GHashTable) position = g_hash_table_new (NULL, NULL);
  guint k = 0;
  MpBundleCert *last;

  if (self->certs->len == 0 || self->chain->len == 0)
    return;
  last = g_ptr_array_index (self->certs, self->certs->len - 1);

  for (guint i = 0; i < self->chain->len; i++)
    g_hash_table_insert (position, g_ptr_array_index (self->chain, i), GUINT_TO_POINTER (i + 1));

  /* the file's chain members, in file order, must be the chain itself */
  for (guint i = 0; i < self->certs->len; i++)
    {
      MpBundleCert *c = g_ptr_array_index (self->certs, i);
      MpBundleCert *expected;

      if (!g_hash_table_contains (position, c))
        continue;
      expected = g_ptr_array_index (self->chain, k);
      if (c != expected)
        {
          mp_bundle_add_finding (self, MP_FINDING_ERROR, "wrong-order", c->source, c->line,
                                 "wrong order: this holds '%s' where '%s' (line %u) belongs; "
                                 "the order is entity, intermediates, root last",
                                 mp_bundle_cert_subject (c), mp_bundle_cert_subject (expected), expected->line);
          break;
        }
      k++;
    }

  for (guint i = 0; i < self->certs->len; i++)
    {
      MpBundleCert *c = g_ptr_array_index (self->certs, i);
      if (mp_bundle_cert_self_signed (c) && c != last)
        mp_bundle_add_finding (self, MP_FINDING_ERROR, "self-signed-not-last", c->source, c->line,
                               "the self-signed '%s' is not the last certificate", mp_bundle_cert_subject (c));
    }
}

/**
 * mp_bundle_check:
 * @self: a pool read from one bundle file
 * @kind: what the file is meant to be
 *
 * Builds the chain the file holds and records findings about it and about
 * its order.  For %MP_BUNDLE_KIND_FULL_CHAIN and %MP_BUNDLE_KIND_CA_BUNDLE a
 * missing root is an error.
 *
 * Returns: %TRUE when there is no error finding at all
 */
gboolean
mp_bundle_check (MpBundle *self, MpBundleKind kind)
{
  MpBundleCert *start;

  if (self->certs->len == 0)
    return mp_bundle_count_findings (self, MP_FINDING_ERROR) == 0;
  start = find_start (self, kind);
  if (kind == MP_BUNDLE_KIND_FULL_CHAIN && start->is_ca)
    mp_bundle_add_finding (self, MP_FINDING_ERROR, "no-entity", start->source, start->line,
                           "a full chain starts with the entity certificate; '%s' is a CA", mp_bundle_cert_subject (start));
  if (kind == MP_BUNDLE_KIND_CA_BUNDLE && !start->is_ca)
    mp_bundle_add_finding (self, MP_FINDING_ERROR, "not-ca", start->source, start->line,
                           "'%s' is not a CA; a CA bundle holds no entity certificate", mp_bundle_cert_subject (start));
  mp_bundle_build_chain (self, start,
                         kind == MP_BUNDLE_KIND_AUTO ? MP_CHAIN_NONE : MP_CHAIN_ROOT_REQUIRED);
  mp_bundle_check_order (self);
  return mp_bundle_count_findings (self, MP_FINDING_ERROR) == 0;
}
