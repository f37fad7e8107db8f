/*-------------------------------------------------------------------------
 *
 * commands.h
 *	  The commands behind the SQL functions: apply, undo, info, validate,
 *	  baseline, repair, clean and the dry run (commands.c, on the engine).
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_MIGRATE_COMMANDS_H
#define PG_MIGRATE_COMMANDS_H

#include "pg_migrate.h"

/* Where each command's rows go (InfoRow, AppliedResult: engine.h). */
typedef void (*InfoSink) (const InfoRow *row, void *arg);
typedef void (*BaselineSink) (int rank, const char *version, const char *description, void *arg);
typedef void (*RepairSink) (const char *action, const AppliedRow *row, void *arg);
typedef void (*PlanSink) (int seq, const char *script, int line, const char *statement, void *arg);
typedef void (*CleanSink) (const char *schema, const char *object_type, const char *name,
						   void *arg);

extern void command_check_options(const CallOptions *options);
extern bool command_apply_needed(CallOptions *options);
extern void command_apply(const CallOptions *options, ResultSink sink, void *sink_arg);
extern void command_info(const CallOptions *options, InfoSink sink, void *sink_arg);
extern void command_plan(const CallOptions *options, PlanSink sink, void *sink_arg);
extern int	command_validate(const CallOptions *options);
extern void command_baseline(const char *version, const char *description,
							 BaselineSink sink, void *sink_arg);
extern void command_repair(const CallOptions *options, RepairSink sink, void *sink_arg);
extern void command_clean(CleanSink sink, void *sink_arg);

#endif							/* PG_MIGRATE_COMMANDS_H */
