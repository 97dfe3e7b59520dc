/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include <meetpki/mp-node.h>
#include <meetpki/mp-plugin.h>
#include <meetpki/mp-service.h>
#include <meetpki/mp-store.h>

G_BEGIN_DECLS

/**
 * MpLineKind:
 * @MP_LINE_SUCCESS: a check passed (`SUCCESS: ...`)
 * @MP_LINE_WARNING: works, but needs attention (`WARNING: ...`)
 * @MP_LINE_FAILURE: a check failed; nothing is applied (`FAILURE: ...`)
 * @MP_LINE_NOTE: what a step did or would do
 *
 * The kind of one line of a validation or a step.
 */
typedef enum {
  MP_LINE_SUCCESS,
  MP_LINE_WARNING,
  MP_LINE_FAILURE,
  MP_LINE_NOTE,
} MpLineKind;

const char *mp_line_kind_to_string (MpLineKind kind);

/**
 * MpLine:
 * @kind: the kind
 * @text: the text after the kind
 */
typedef struct {
  MpLineKind kind;
  char *text;
} MpLine;

/**
 * MpServiceInput:
 * @role: the plugin role the file fills
 * @source: the store name or path it was read from
 * @data: its contents
 */
typedef struct {
  char *role;
  char *source;
  GBytes *data;
} MpServiceInput;

/**
 * MpLiveFile:
 * @name: the file name under `services/<service>/`
 * @role: the role it comes from, or %NULL for the derived `chain.pem`
 * @data: canonical PEM
 * @private_key: write it 0600
 */
typedef struct {
  char *name;
  char *role;
  GBytes *data;
  gboolean private_key;
} MpLiveFile;

/**
 * MpValidation:
 * @form: the form of `<service> certs` the inputs fill
 * @inputs: (element-type MpServiceInput): the files, in form order
 * @lines: (element-type MpLine): the results, in order
 * @live: (element-type MpLiveFile): the live files to place when no line
 *   is a failure
 * @n_failures: failure lines
 * @n_warnings: warning lines
 *
 * Everything `<service> certs` checks before it changes anything.
 */
typedef struct {
  const MpPluginForm *form;
  GPtrArray *inputs;
  GPtrArray *lines;
  GPtrArray *live;
  guint n_failures;
  guint n_warnings;
} MpValidation;

#define MP_APPLY_DEFAULT_WARN_DAYS 30

MpValidation *mp_validation_new_for_args (const MpPluginDescriptor *desc,
                                          MpStore            *store,
                                          const char * const *args,
                                          guint               n_args,
                                          GError            **error);
MpValidation *mp_validation_new_for_live (const MpPluginDescriptor *desc,
                                          MpStore            *store,
                                          MpServiceConfig    *config,
                                          GError            **error);
void          mp_validation_run          (MpValidation       *v,
                                          const MpPluginDescriptor *desc,
                                          const MpNodeFacts  *facts,
                                          guint               warn_days);
void          mp_validation_free         (MpValidation       *v);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MpValidation, mp_validation_free)

/**
 * MpLogFunc:
 * @kind: the line's kind
 * @text: the line
 * @user_data: what the caller set in #MpApplyContext
 *
 * Receives each line as a step produces it.
 */
typedef void (*MpLogFunc) (MpLineKind kind, const char *text, gpointer user_data);

/**
 * MpStepReportKind:
 * @MP_STEP_REPORT_STEP: a step of the sequence ran (or, in a dry run,
 *   was told)
 * @MP_STEP_REPORT_PROBE: the guard probed the running service
 * @MP_STEP_REPORT_ROLLBACK: the rollback to the previous files ended
 *
 * What an #MpStepReport tells.
 */
typedef enum {
  MP_STEP_REPORT_STEP,
  MP_STEP_REPORT_PROBE,
  MP_STEP_REPORT_ROLLBACK,
} MpStepReportKind;

/**
 * MpStepReport:
 * @kind: what this reports
 * @step: the step, for %MP_STEP_REPORT_STEP
 * @address: (nullable): the address probed, for %MP_STEP_REPORT_PROBE
 * @rollback: it happened while putting the previous files back
 * @dry_run: the step was only told
 * @error: (nullable): why it failed; %NULL: it succeeded
 *
 * One outcome of a step runner, as it happens: what `--json` lists
 * without reading the lines again.
 */
typedef struct {
  MpStepReportKind kind;
  MpPluginStepKind step;
  const char *address;
  gboolean rollback;
  gboolean dry_run;
  const GError *error;
} MpStepReport;

/**
 * MpStepFunc:
 * @report: the outcome
 * @user_data: what the caller set in #MpApplyContext
 *
 * Receives each step's outcome, the guard's probe and the rollback's end.
 */
typedef void (*MpStepFunc) (const MpStepReport *report, gpointer user_data);

/**
 * MpApplyContext:
 * @store: the store
 * @plugin: the service
 * @config: the service configuration, loaded under the #MpServiceLock
 * @facts: the node facts
 * @dry_run: print the steps, change nothing
 * @assume_yes: `cluster remove` asks no question
 * @cluster_verb: (nullable): for `database cluster initialize|join|connect`,
 *   the verb typed; %NULL: from `database-role`
 * @cluster_primary: (nullable): the primary `join` or `connect` named
 * @confirm: (nullable): asks the question of `cluster remove`; %NULL and
 *   not @assume_yes: refuse
 * @log: (nullable): receives the lines
 * @report: (nullable): receives each step's outcome
 * @user_data: for @log, @report and @confirm
 * @rolling_back: set by the guard while it puts the previous files back
 *
 * What a step needs.  The configuration is saved after each step, so a
 * sequence stopped half-way is recorded as far as it went.
 */
typedef struct {
  MpStore *store;
  MpPlugin *plugin;
  MpServiceConfig *config;
  const MpNodeFacts *facts;
  gboolean dry_run;
  gboolean assume_yes;
  const char *cluster_verb;
  const char *cluster_primary;
  gboolean (*confirm) (const char *question, gpointer user_data);
  MpLogFunc log;
  MpStepFunc report;
  gpointer user_data;
  gboolean rolling_back;
} MpApplyContext;

gboolean mp_apply_step     (MpApplyContext   *ctx,
                            MpPluginStepKind  step,
                            MpValidation     *validation,
                            GError          **error);
gboolean mp_apply_sequence (MpApplyContext   *ctx,
                            MpValidation     *validation,
                            GError          **error);
char    *mp_apply_describe_step (MpApplyContext  *ctx,
                                 MpPluginStepKind step);
gboolean mp_apply_steps_probed (MpApplyContext          *ctx,
                                const MpPluginStepKind  *steps,
                                guint                    n_steps,
                                MpValidation            *validation,
                                GError                 **error);
MpValidation *mp_validation_new_for_set (const MpPluginDescriptor *desc,
                                         MpStore            *store,
                                         GPtrArray          *files,
                                         const MpNodeFacts  *facts,
                                         GError            **error);

G_END_DECLS

G_BEGIN_DECLS

/**
 * MpCheckFinding:
 * @service: the service
 * @kind: %MP_LINE_WARNING or %MP_LINE_FAILURE
 * @message: one line
 *
 * One finding of mp_check_services().
 */
typedef struct {
  char *service;
  MpLineKind kind;
  char *message;
} MpCheckFinding;

/**
 * MpExpiring:
 * @service: the service the file is applied to
 * @file: the store name the live file was applied from
 * @days_left: whole days until its first certificate expires (negative:
 *   expired)
 *
 * One file of mp_check_expiring().
 */
typedef struct {
  char *service;
  char *file;
  gint days_left;
} MpExpiring;

void       mp_expiring_free      (MpExpiring     *expiring);
GPtrArray *mp_check_expiring     (MpStore        *store,
                                  guint           warn_days,
                                  GError        **error);
void       mp_check_finding_free (MpCheckFinding *finding);
GPtrArray *mp_check_services     (MpStore        *store,
                                  MpPluginLoader *loader,
                                  guint           warn_days,
                                  GStrv          *services,
                                  GError        **error);

G_END_DECLS
