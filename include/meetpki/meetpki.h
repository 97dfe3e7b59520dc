/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * the umbrella header of libmeetpki
 */
#pragma once

#define __MEETPKI_H_INSIDE__

#include <meetpki/mp-error.h>
#include <meetpki/mp-crypto.h>
#include <meetpki/mp-store.h>
#include <meetpki/mp-subject.h>
#include <meetpki/mp-key.h>
#include <meetpki/mp-pki.h>
#include <meetpki/mp-plugin.h>
#include <meetpki/mp-node.h>
#include <meetpki/mp-inspect.h>
#include <meetpki/mp-password.h>
#include <meetpki/mp-transfer.h>
#include <meetpki/mp-bundle.h>
#include <meetpki/mp-rules.h>
#include <meetpki/mp-service.h>
#include <meetpki/mp-apply.h>
#include <meetpki/mp-provision.h>
#include <meetpki/mp-probe.h>
#include <meetpki/mp-service-run.h>
#include <meetpki/mp-trust.h>

#undef __MEETPKI_H_INSIDE__
