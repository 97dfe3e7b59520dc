/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include <meetpki/mp-node.h>
#include <meetpki/mp-subject.h>
#include <meetpki/plugin.h>

G_BEGIN_DECLS

/**
 * MpCertNames:
 * @cn: (nullable): the subject's commonName
 * @dns: the dNSName entries of the subjectAltName, %NULL-terminated
 * @ips: the iPAddress entries, as text, %NULL-terminated
 *
 * The names a certificate (or a CSR) carries, which is all the SAN rules
 * look at.
 */
typedef struct {
  char *cn;
  GStrv dns;
  GStrv ips;
} MpCertNames;

MpCertNames *mp_cert_names_from_certificate (GBytes      *data,
                                             GError     **error);
MpCertNames *mp_cert_names_from_csr         (GBytes      *data,
                                             GError     **error);
void         mp_cert_names_free             (MpCertNames *names);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MpCertNames, mp_cert_names_free)

gboolean     mp_dns_name_matches            (const char  *pattern,
                                             const char  *name);
const char  *mp_cert_names_covering         (const MpCertNames *names,
                                             const char  *name);

/**
 * MpRuleStatus:
 * @MP_RULE_PASS: the name is covered (or the CN is exact)
 * @MP_RULE_FAIL: the name is not covered, or a fact the rule needs is unset
 * @MP_RULE_NOT_APPLICABLE: the rule does not apply to this node (a
 *   `_WHEN_CLUSTERED` rule on a single node)
 *
 * The outcome of one rule for one name.
 */
typedef enum {
  MP_RULE_PASS,
  MP_RULE_FAIL,
  MP_RULE_NOT_APPLICABLE,
} MpRuleStatus;

/**
 * MpRuleResult:
 * @kind: the rule checked
 * @role: the certificate role it applies to
 * @name: (nullable): the name checked, %NULL when a fact was missing
 * @status: the outcome
 * @message: one line for the administrator, naming the missing name on
 *   failure
 *
 * One line of a rule check.  A rule over a list (peers, join URLs) gives one
 * result per name.
 */
typedef struct {
  MpSanRuleKind kind;
  char *role;
  char *name;
  MpRuleStatus status;
  char *message;
} MpRuleResult;

void         mp_rule_result_free            (MpRuleResult *result);
GPtrArray   *mp_rules_check                 (const MpPluginDescriptor *desc,
                                             const char        *role,
                                             const MpCertNames *names,
                                             const MpNodeFacts *facts);
gboolean     mp_rules_passed                (GPtrArray         *results);

MpSubject   *mp_rules_subject_for_csr       (const MpPluginDescriptor *desc,
                                             const MpPluginCsr *csr,
                                             const MpNodeFacts *facts,
                                             GError           **error);

G_END_DECLS
