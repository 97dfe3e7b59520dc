/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "meetpki/mp-error.h"
#include "meetpki/mp-key.h"

/**
 * mp_key_spec_parse:
 * @text: (nullable): `rsa:2048|rsa:3072|rsa:4096|ec:p256|ec:p384|ed25519`,
 *   or %NULL for the default (%MP_KEY_SPEC_DEFAULT)
 * @spec: (out): where to store the result
 * @error: return location for a #GError
 */
gboolean
mp_key_spec_parse (const char *text, MpKeySpec *spec, GError **error)
{
  static const struct {
    const char *name;
    MpKeyAlgo algo;
    guint bits;
  } known[] = {
    { "rsa:2048", MP_KEY_RSA, 2048 },
    { "rsa:3072", MP_KEY_RSA, 3072 },
    { "rsa:4096", MP_KEY_RSA, 4096 },
    { "ec:p256", MP_KEY_EC, 256 },
    { "ec:p384", MP_KEY_EC, 384 },
    { "ed25519", MP_KEY_ED25519, 256 },
  };

  if (text == NULL)
    text = MP_KEY_SPEC_DEFAULT;
  for (guint i = 0; i < G_N_ELEMENTS (known); i++)
    {
      if (g_ascii_strcasecmp (text, known[i].name) == 0)
        {
          spec->algo = known[i].algo;
          spec->bits = known[i].bits;
          return TRUE;
        }
    }
  g_set_error (error, MP_ERROR, MP_ERROR_INVALID_ARGS,
               "unknown key type '%s' (expected rsa:2048, rsa:3072, rsa:4096, ec:p256, ec:p384 or ed25519)",
               text);
  return FALSE;
}

char *
mp_key_spec_to_string (const MpKeySpec *spec)
{
  switch (spec->algo)
    {
    case MP_KEY_RSA:
      return g_strdup_printf ("rsa:%u", spec->bits);
    case MP_KEY_EC:
      return g_strdup_printf ("ec:p%u", spec->bits);
    case MP_KEY_ED25519:
    default:
      return g_strdup ("ed25519");
    }
}
