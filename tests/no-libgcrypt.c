/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * preloaded (LD_PRELOAD) by test-quick: dlopen() of libgcrypt fails as
 * it does where the library is not installed, with the dynamic loader's
 * own error; every other dlopen() (the full cli's plugins) goes through.
 * the quick `meetpki` maps libgcrypt with dlopen() for sign's serial
 * (core/mp-crypto.c), the full cli links it, so only the quick one sees
 * it missing.
 */
#include <dlfcn.h>
#include <string.h>

void *dlopen (const char *file, int mode);

void *
dlopen (const char *file, int mode)
{
  void *(*next) (const char *, int) = (void *(*) (const char *, int)) dlsym (RTLD_NEXT, "dlopen");

  if (file != NULL && strncmp (file, "libgcrypt.so", strlen ("libgcrypt.so")) == 0)
    return next ("libgcrypt-not-installed.so", mode);
  return next (file, mode);
}
