/*-------------------------------------------------------------------------
 *
 * commands.c
 *	  The commands behind the SQL functions, with Flyway's semantics:
 *	  apply (per migration, or all in one transaction), info, validate,
 *	  baseline and repair.
 *
 * Every command reads the scripts and the history and asks plan.c what
 * Flyway would decide; this file does the I/O around that and the writes.
 * Per-migration apply runs at top level in the apply worker
 * (apply_worker.c); everything else runs in the caller's transaction.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "commands/dbcommands.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"
#include "utils/timeout.h"
#include "utils/timestamp.h"

#include "commands.h"
#include "reentry.h"
#include "session_state.h"

/*
 * Read-only commands and the apply pre-check work in this backend-lifetime
 * context, reset before each use: its large first block stays mapped, so a
 * repeated migrate_info() on a long history does not page-fault megabytes
 * of fresh memory every time.
 */
static MemoryContext work_context = NULL;

static MemoryContext
reset_work_context(void)
{
	if (work_context == NULL)
		work_context = AllocSetContextCreate(TopMemoryContext, "pg_migrate work",
											 0, 16 * 1024 * 1024, 16 * 1024 * 1024);
	else
		MemoryContextReset(work_context);
	return work_context;
}

/* What one command works on, kept in a context that outlives transactions. */
typedef struct CommandState
{
	MemoryContext keep;
	HistoryTable *history;
	PlaceholderSet placeholders;
	PlanOptions plan_options;
	ScriptSet  *scripts;
	AppliedRow **rows;
	int			nrows;
	MigrationPlan *plan;
	MigrationVersion highest_applied;	/* nparts == 0 when none */
	SessionState *session;		/* what each script starts from */
} CommandState;

/*
 * command_check_options
 *		Refuse bad arguments before anything runs.
 */
void
command_check_options(const CallOptions *options)
{
	PlanOptions plan_options;
	PlaceholderSet set;
	char	   *why = NULL;

	if (!plan_parse_target(options->target, &plan_options, &why))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid target \"%s\"", options->target),
				 errdetail("%s", why),
				 errhint("Give a version such as '2.1', 'latest', 'current' or 'next'.")));
	placeholders_init(&set);
	if (!placeholders_add_json(&set, options->placeholders_json, &why))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid placeholders argument"),
				 errdetail("%s", why),
				 errhint("Pass a JSON object of names to values, such as '{\"owner\": \"app\"}'.")));
}

/* Flyway's ${flyway:timestamp}: yyyy-MM-dd HH:mm:ss in the session's time zone. */
static char *
flyway_timestamp(void)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			tz;

	if (timestamp2tm(GetCurrentTimestamp(), &tz, &tm, &fsec, NULL, NULL) != 0)
		return pstrdup("");
	return psprintf("%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year, tm.tm_mon, tm.tm_mday,
					tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Settings, then the call's values, then Flyway's built-ins. */
static void
build_placeholders(CommandState *st, const CallOptions *options)
{
	char	   *why = NULL;

	placeholders_init(&st->placeholders);
	if (!placeholders_add_json(&st->placeholders, pgm_placeholders, &why) ||
		!placeholders_add_json(&st->placeholders, options->placeholders_json, &why))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid placeholders"),
				 errdetail("%s", why)));
	placeholders_set(&st->placeholders, "flyway:defaultSchema", st->history->schema);
	placeholders_set(&st->placeholders, "flyway:user", GetUserNameFromId(GetUserId(), false));
	placeholders_set(&st->placeholders, "flyway:database", get_database_name(MyDatabaseId));
	placeholders_set(&st->placeholders, "flyway:timestamp", flyway_timestamp());
	placeholders_set(&st->placeholders, "flyway:table", st->history->table);
	placeholders_set(&st->placeholders, "flyway:environment", "default");
	script_set_secrets(&st->placeholders);
}

static void
report_invalid_names(ScriptSet *scripts)
{
	StringInfoData list;
	ListCell   *lc;

	if (scripts->invalid_names == NIL)
		return;
	initStringInfo(&list);
	foreach(lc, scripts->invalid_names)
	{
		CHECK_FOR_INTERRUPTS();
		appendStringInfo(&list, "%s%s", list.len ? "\n" : "", (char *) lfirst(lc));
	}

	if (pgm_validate_naming)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_NAME),
				 errmsg("invalid migration script names found"),
				 errdetail("%s", list.data),
				 errhint("Rename the files (V<version>__<description>.sql, R__<description>.sql), or turn pg_migrate.validate_naming off to skip them.")));
	ereport(WARNING,
			(errcode(ERRCODE_INVALID_NAME),
			 errmsg("%d SQL file(s) skipped because their names do not follow the naming convention",
					list_length(scripts->invalid_names)),
			 errdetail("%s", list.data),
			 errhint("Rename them, or set pg_migrate.validate_naming = on to make this an error.")));
}

static void
reject_duplicates(ScriptSet *scripts)
{
	const ResolvedScript *a = NULL;
	const ResolvedScript *b = NULL;

	if (plan_find_duplicates(scripts->scripts, scripts->nscripts, &a, &b) == 0)
		return;
	if (a->kind == SCRIPT_REPEATABLE)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("found more than one repeatable migration with description \"%s\"",
						a->description),
				 errdetail("Offenders: \"%s\" and \"%s\".", a->path, b->path),
				 errhint("Rename or remove one of them; nothing was applied.")));
	ereport(ERROR,
			(errcode(ERRCODE_DUPLICATE_OBJECT),
			 errmsg("found more than one migration with version %s", a->version.text),
			 errdetail("Offenders: \"%s\" and \"%s\".", a->path, b->path),
			 errhint("Versions compare as numbers (1 = 1.0 = 001); give one of them another version. Nothing was applied.")));
}

/*
 * A version the history table's column cannot hold is refused while
 * planning, naming the file, before anything runs: the INSERT after the
 * migration would fail, and on every later run again.
 */
static void
reject_unrecordable_versions(ScriptSet *scripts)
{
	for (int i = 0; i < scripts->nscripts; i++)
	{
		const ResolvedScript *script = scripts->scripts[i];
		char	   *why = NULL;

		CHECK_FOR_INTERRUPTS();
		if (script->kind == SCRIPT_REPEATABLE || version_fits_history(script->version.text, &why))
			continue;
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_NAME),
				 errmsg("version of migration %s is too long for the history table", script->script),
				 errdetail("Its version %s. The script was read from \"%s\".", why, script->path),
				 errhint("Rename the file with a version of at most %d characters. Nothing was applied.",
						 HISTORY_VERSION_CHARS)));
	}
}

/*
 * Create the history table when missing, as Flyway's migrate does; a
 * non-empty schema without one is baselined only when asked to.
 */
static void
ensure_history(CommandState *st)
{
	HistoryTable *history = st->history;

	if (history->exists)
		return;
	if (history->schema_exists && !history_schema_is_empty(history))
	{
		if (!pgm_baseline_on_migrate)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("found non-empty schema \"%s\" but no history table %s",
							history->schema, history->qualified),
					 errdetail("Applying migrations to a schema whose objects they did not create could fail half-way."),
					 errhint("Call migrate_baseline() to record the current state as a version, or SET pg_migrate.baseline_on_migrate = on.")));
		history_create(history, false);
		history_insert(history, pgm_baseline_version, pgm_baseline_description, "BASELINE",
					   pgm_baseline_description, true, 0, 0, true);
		ereport(NOTICE,
				(errmsg("baselined schema \"%s\" at version %s", history->schema,
						pgm_baseline_version)));
		return;
	}
	history_create(history, !history->schema_exists);
}

/* Raise every validation problem at once, as Flyway does. */
static void
raise_plan_errors(MigrationPlan *plan, const char *what)
{
	StringInfoData detail;
	bool		checksum = false;

	if (plan->target_missing)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("no migration with the target version could be found"),
				 errhint("Check the target, or end it with '?' (for example '5?') to accept a version that does not exist.")));
	if (plan->nerrors == 0)
		return;

	initStringInfo(&detail);
	for (int i = 0; i < plan->nerrors; i++)
	{
		PlanError  *e = &plan->errors[i];

		CHECK_FOR_INTERRUPTS();
		appendStringInfo(&detail, "%s%s%s%s", i ? "\n" : "", e->message,
						 e->detail ? "\n" : "", e->detail ? e->detail : "");
		if (strcmp(e->code, "CHECKSUM_MISMATCH") == 0)
			checksum = true;
	}
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 plan->nerrors == 1 ?
			 errmsg("%s failed: %s", what, plan->errors[0].message) :
			 errmsg("%s failed: %d migrations have failed validation", what, plan->nerrors),
			 errdetail("%s", detail.data),
			 checksum ?
			 errhint("Revert the changes to the applied scripts, or call migrate_repair() to accept them. Nothing was applied.") :
			 errhint("Fix the scripts or the history (migrate_repair() removes failed rows and marks missing scripts deleted). Nothing was applied.")));
}

/*
 * Read scripts and history and build the plan; run with SPI connected and
 * a snapshot, after history_locate().
 */
static void
resolve_and_plan(CommandState *st, const CallOptions *options, bool for_validate)
{
	MemoryContext oldcxt = MemoryContextSwitchTo(st->keep);
	char	   *why = NULL;

	(void) plan_parse_target(options->target, &st->plan_options, &why);
	st->plan_options.out_of_order = options->out_of_order < 0 ? pgm_out_of_order :
		options->out_of_order == 1;

	build_placeholders(st, options);
	st->scripts = locations_resolve(&st->placeholders);
	if (!options->names_reported)
		report_invalid_names(st->scripts);
	reject_duplicates(st->scripts);
	reject_unrecordable_versions(st->scripts);

	st->rows = history_read(st->history, &st->nrows);
	MemoryContextSwitchTo(st->keep);
	st->plan = plan_build(st->scripts->scripts, st->scripts->nscripts,
						  st->rows, st->nrows, &st->plan_options, for_validate);
	memset(&st->highest_applied, 0, sizeof(MigrationVersion));
	if (st->plan->current_version)
		(void) version_parse(st->plan->current_version, &st->highest_applied, &why);
	MemoryContextSwitchTo(oldcxt);
}

/* Progress a DBA can watch in psql: one NOTICE per script run, with its time. */
static void
report_progress(const ResolvedScript *script, int execution_time)
{
	if (script->kind == SCRIPT_UNDO)
		ereport(NOTICE,
				(errmsg("undid version %s with %s", script->version.text, script->script),
				 errdetail("Took %d ms; version %s is pending again.", execution_time,
						   script->version.text)));
	else if (script->kind == SCRIPT_REPEATABLE)
		ereport(NOTICE,
				(errmsg("applied %s", script->script),
				 errdetail("Repeatable \"%s\" took %d ms.", script->description, execution_time)));
	else
		ereport(NOTICE,
				(errmsg("applied %s", script->script),
				 errdetail("Version %s (%s) took %d ms.", script->version.text,
						   script->description, execution_time)));
}

static void
emit_result(CommandState *st, const ResolvedScript *script, int execution_time,
			ResultSink sink, void *sink_arg)
{
	AppliedResult result;

	report_progress(script, execution_time);
	memset(&result, 0, sizeof(result));
	result.version = script->kind == SCRIPT_REPEATABLE ? NULL : script->version.text;
	result.description = script->description;
	result.type = script_type(script);
	result.script = script->script;
	result.checksum = script->checksum;
	result.execution_time = execution_time;
	if (script->kind == SCRIPT_BASELINE)
		result.state = "Baseline";
	else if (script->kind == SCRIPT_VERSIONED && st->highest_applied.nparts > 0 &&
			 version_compare(&script->version, &st->highest_applied) < 0)
		result.state = "Out of Order";
	else
		result.state = "Success";
	sink(&result, sink_arg);
}

/*
 * Before each script and each history write, put back the session state the
 * run started with (session_state.c says what and why), the history schema
 * first on the search_path as Flyway does: a SET ROLE, SET SESSION
 * AUTHORIZATION or session_replication_role in one migration does not leak
 * into the next.
 */
static void
remember_session_state(CommandState *st)
{
	st->session = session_state_remember(st->keep, pgm_schema);
}

static void
restore_session_state(CommandState *st)
{
	if (st->session != NULL)
		session_state_restore(st->session);
}

static void
reject_mixed(ParsedScript *parsed)
{
	ListCell   *lc;
	ScriptStatement *transactional = NULL;
	ScriptStatement *other = NULL;

	/* a .conf file that sets executeInTransaction decides, as in Flyway */
	if (parsed->transactional || pgm_mixed || parsed->transaction_set_by_conf)
		return;
	foreach(lc, parsed->statements)
	{
		ScriptStatement *stmt = lfirst(lc);

		CHECK_FOR_INTERRUPTS();
		if (stmt->transactional && transactional == NULL)
			transactional = stmt;
		if (!stmt->transactional && other == NULL)
			other = stmt;
		if (transactional != NULL && other != NULL)
			break;
	}
	if (transactional != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("migration %s mixes statements that must run outside a transaction with others",
						parsed->script->script),
				 errdetail("Line %d cannot run inside a transaction block; line %d can, and would then run without one.",
						   other->line, transactional->line),
				 errhint("Move the statement at line %d into a migration of its own, or SET pg_migrate.mixed = on.",
						 other->line)));
}

static int
elapsed_ms(TimestampTz start)
{
	long		secs;
	int			usecs;

	TimestampDifference(start, GetCurrentTimestamp(), &secs, &usecs);
	return (int) (secs * 1000 + usecs / 1000);
}

static void
record_applied(CommandState *st, const ResolvedScript *script, int execution_time, bool success)
{

	history_insert(st->history,
				   script->kind == SCRIPT_REPEATABLE ? NULL : script->version.text,
				   script->description, script_type(script), script->script,
				   false, script->checksum, execution_time, success);
}

/*
 * SQL callbacks (beforeMigrate.sql, afterEachMigrate__audit.sql, ...) run at
 * the points Flyway runs them and are never recorded.  The callbacks of one
 * event run in the order of their descriptions, the one without first.
 */
static int
compare_callbacks(const ListCell *a, const ListCell *b)
{
	return java_string_compare(((ResolvedScript *) lfirst(a))->description,
							   ((ResolvedScript *) lfirst(b))->description);
}

static pg_noinline List *
callbacks_of(CommandState *st, const char *event)
{
	List	   *result = NIL;
	ListCell   *lc;

	if (st->scripts == NULL)
		return NIL;
	foreach(lc, st->scripts->callbacks)
	{
		ResolvedScript *cb = lfirst(lc);

		CHECK_FOR_INTERRUPTS();
		if (strcmp(cb->event, event) == 0)
			result = lappend(result, cb);
	}
	list_sort(result, compare_callbacks);
	return result;
}

static ParsedScript *
parse_for_run(CommandState *st, const ResolvedScript *script)
{
	size_t		len;
	char	   *text = locations_script_text(script, &st->placeholders, &len);

	return script_parse(script, text, len);
}

/*
 * Run an event's callbacks at top level: each in its own transaction, or,
 * with block_open, inside the migration's open transaction block (Flyway's
 * beforeEachMigrate and afterEachMigrate).
 */
static void
run_callbacks_toplevel(CommandState *st, const char *event, bool block_open)
{
	ListCell   *lc;

	foreach(lc, callbacks_of(st, event))
	{
		const ResolvedScript *cb = lfirst(lc);
		ParsedScript *parsed;

		CHECK_FOR_INTERRUPTS();
		SetCurrentStatementStartTimestamp();
		StartTransactionCommand();
		MemoryContextSwitchTo(st->keep);
		restore_session_state(st);
		parsed = parse_for_run(st, cb);
		CommitTransactionCommand();
		MemoryContextSwitchTo(st->keep);

		pgstat_report_activity(STATE_RUNNING, psprintf("pg_migrate: callback %s", cb->script));
		if (block_open)
		{
			script_run_toplevel(parsed, true);
			continue;
		}
		PG_TRY();
		{
			script_run_toplevel(parsed, false);
			if (parsed->transactional)
				script_end_block();
		}
		PG_CATCH();
		{
			ErrorData  *edata;

			HOLD_INTERRUPTS();
			MemoryContextSwitchTo(st->keep);
			edata = CopyErrorData();
			FlushErrorState();
			if (get_timeout_active(STATEMENT_TIMEOUT))
				disable_timeout(STATEMENT_TIMEOUT, false);
			AbortOutOfAnyTransaction();
			RESUME_INTERRUPTS();
			script_rethrow_error(edata, parsed, "Fix the callback script and call the function again.");
		}
		PG_END_TRY();
		MemoryContextSwitchTo(st->keep);
	}
}

/*
 * Error callbacks (afterMigrateError, ...) run after the failure has been
 * rolled back; if one fails too, that is a WARNING and the first error is
 * the one reported.
 */
static void
run_error_callbacks_toplevel(CommandState *st, const char *event)
{
	PG_TRY();
	{
		run_callbacks_toplevel(st, event, false);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(st->keep);
		edata = CopyErrorData();
		FlushErrorState();
		AbortOutOfAnyTransaction();
		ereport(WARNING,
				(errcode(edata->sqlerrcode),
				 errmsg("%s", edata->message),
				 edata->detail ? errdetail("%s", edata->detail) : 0,
				 errhint("The error that started the %s callbacks follows.", event)));
	}
	PG_END_TRY();
	MemoryContextSwitchTo(st->keep);
}

/* In the caller's transaction (single_transaction, validate): through SPI. */
static void
run_callbacks_spi(CommandState *st, const char *event)
{
	ListCell   *lc;

	foreach(lc, callbacks_of(st, event))
	{
		const ResolvedScript *cb = lfirst(lc);
		ParsedScript *parsed;

		CHECK_FOR_INTERRUPTS();
		restore_session_state(st);
		parsed = parse_for_run(st, cb);
		script_check_spi(parsed);
		PG_TRY();
		{
			script_run_spi(parsed);
		}
		PG_CATCH();
		{
			ErrorData  *edata;

			MemoryContextSwitchTo(st->keep);
			edata = CopyErrorData();
			FlushErrorState();
			script_rethrow_error(edata, parsed, "Fix the callback script and call the function again.");
		}
		PG_END_TRY();
	}
}

/*
 * Record a failed migration whose failure left work behind, in a
 * transaction of its own.  If that fails too (the script dropped the
 * history table, a disk is full...), the migration's own error must still
 * be the one reported: this one becomes a WARNING and false is returned.
 */
static bool
record_failure_toplevel(CommandState *st, const ResolvedScript *script, int execution_time,
						MemoryContext cxt)
{
	int			holdoff = InterruptHoldoffCount;
	volatile bool recorded = false;

	PG_TRY();
	{
		SetCurrentStatementStartTimestamp();
		StartTransactionCommand();
		restore_session_state(st);
		PushActiveSnapshot(GetTransactionSnapshot());
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		record_applied(st, script, execution_time, false);
		SPI_finish();
		PopActiveSnapshot();
		CommitTransactionCommand();
		recorded = true;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		/* the caller holds interrupts until its own error is raised */
		InterruptHoldoffCount = holdoff;
		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		AbortOutOfAnyTransaction();
		ereport(WARNING,
				(errcode(edata->sqlerrcode),
				 errmsg("could not record the failure of %s in the history table %s: %s",
						script->script, st->history->qualified, edata->message),
				 edata->detail ? errdetail("%s", edata->detail) : 0,
				 errhint("The error of the %s itself follows.",
						 script->kind == SCRIPT_UNDO ? "undo script" : "migration")));
	}
	PG_END_TRY();
	MemoryContextSwitchTo(cxt);
	return recorded;
}

/*
 * The hint of a failed migration or undo script at top level: what of it
 * remains, and what to do next.
 */
static char *
failure_hint(const ResolvedScript *script, const ParsedScript *parsed, bool recorded)
{
	bool		undo = script->kind == SCRIPT_UNDO;
	const char *again = undo ? "migrate_undo()" : "migrate_apply()";
	char	   *remains;

	if (!script_failure_leaves_work(parsed))
		return undo ?
			"Fix the undo script and call migrate_undo() again: the undo scripts before it stay done and nothing of this one remains." :
			"Fix the script and call migrate_apply() again: the migrations before it stay applied and nothing of this one remains.";
	if (!parsed->transactional)
		remains = psprintf("This %s ran outside a transaction, so its statements before the failing one stay done",
						   undo ? "undo script" : "migration");
	else
		remains = psprintf("Its own COMMIT at line %d made its statements up to there permanent and the rest was rolled back",
						   parsed->committed_line);
	if (recorded)
		return psprintf("%s; it is recorded as failed. Clean up, then call migrate_repair() and %s again.",
						remains, again);
	return psprintf("%s; recording it as failed failed too (see the warning), so the history does not show it. Clean up, then call %s again: it runs again from its start.",
					remains, again);
}

/*
 * One migration at top level (apply worker): run it, record it, commit.
 * On failure nothing of a transactional migration remains; one that left
 * work behind (it ran outside a transaction, or its own COMMIT made part of
 * it permanent) gets a success = false row, as Flyway records a failed
 * non-transactional migration, and must be repaired before the next apply.
 */
static void
apply_one_toplevel(CommandState *st, const ResolvedScript *script, MemoryContext cxt,
				   ResultSink sink, void *sink_arg)
{
	bool		undo = script->kind == SCRIPT_UNDO;
	const char *before_each = undo ? "beforeEachUndo" : "beforeEachMigrate";
	const char *after_each = undo ? "afterEachUndo" : "afterEachMigrate";
	const char *after_each_error = undo ? "afterEachUndoError" : "afterEachMigrateError";
	ParsedScript *parsed;
	TimestampTz start;
	volatile int execution_time = 0;
	volatile bool recorded = false;
	char	   *text;
	size_t		len;

	/* a script that cannot even be prepared has failed too: afterEach...Error */
	PG_TRY();
	{
		SetCurrentStatementStartTimestamp();
		StartTransactionCommand();
		MemoryContextSwitchTo(cxt);
		restore_session_state(st);
		reentry_verify_run_lock(st->history, script->script, false);
		text = locations_script_text(script, &st->placeholders, &len);
		parsed = script_parse(script, text, len);
		reject_mixed(parsed);
		CommitTransactionCommand();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		HOLD_INTERRUPTS();
		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		AbortOutOfAnyTransaction();
		RESUME_INTERRUPTS();
		run_error_callbacks_toplevel(st, after_each_error);
		ReThrowError(edata);
	}
	PG_END_TRY();
	MemoryContextSwitchTo(cxt);

	pgstat_report_activity(STATE_RUNNING, psprintf("pg_migrate: applying %s", script->script));
	{
		AppliedResult starting;

		memset(&starting, 0, sizeof(starting));
		starting.script = script->script;
		starting.starting = true;
		sink(&starting, sink_arg);
	}
	start = GetCurrentTimestamp();
	PG_TRY();
	{
		/* beforeEach/afterEach run inside the migration's transaction, as in Flyway */
		if (parsed->transactional)
			script_begin_block();
		run_callbacks_toplevel(st, before_each, parsed->transactional);
		script_run_toplevel(parsed, parsed->transactional);
		run_callbacks_toplevel(st, after_each, parsed->transactional);
		execution_time = elapsed_ms(start);

		/* the history is written as the role the run started with, as Flyway does */
		SetCurrentStatementStartTimestamp();
		StartTransactionCommand();
		restore_session_state(st);
		PushActiveSnapshot(GetTransactionSnapshot());
		reentry_verify_run_lock(st->history, script->script, true);
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		record_applied(st, script, execution_time, true);
		SPI_finish();
		PopActiveSnapshot();
		CommitTransactionCommand();

		if (parsed->transactional)
			script_end_block();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		HOLD_INTERRUPTS();
		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		if (get_timeout_active(STATEMENT_TIMEOUT))
			disable_timeout(STATEMENT_TIMEOUT, false);
		AbortOutOfAnyTransaction();

		if (script_failure_leaves_work(parsed))
			recorded = record_failure_toplevel(st, script, elapsed_ms(start), cxt);
		RESUME_INTERRUPTS();
		MemoryContextSwitchTo(cxt);
		{
			/* keep who failed: the error callbacks run scripts of their own */
			ParsedScript *failed = script_current_script ? script_current_script : parsed;
			ScriptStatement *failed_stmt = script_current_statement;

			run_error_callbacks_toplevel(st, after_each_error);
			script_current_script = failed;
			script_current_statement = failed_stmt;
		}
		MemoryContextSwitchTo(cxt);
		script_rethrow_error(edata, parsed, failure_hint(script, parsed, recorded));
	}
	PG_END_TRY();

	MemoryContextSwitchTo(st->keep);
	emit_result(st, script, execution_time, sink, sink_arg);
}

/*
 * In the apply worker: take Flyway's lock for the whole run (session level),
 * then read scripts and history under it (what is there now decides).
 * Apply creates the history table when missing; undo only reads it.
 */
static void
begin_toplevel_run(CommandState *st, const CallOptions *options, MemoryContext keep)
{
	memset(st, 0, sizeof(CommandState));
	st->keep = keep;

	pgstat_report_activity(STATE_RUNNING, "pg_migrate: waiting for the migration lock");
	StartTransactionCommand();
	MemoryContextSwitchTo(st->keep);
	st->history = history_locate();
	history_lock_session(st->history);
	CommitTransactionCommand();

	pgstat_report_activity(STATE_RUNNING, "pg_migrate: reading scripts and history");
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	MemoryContextSwitchTo(st->keep);
	st->history = history_locate();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (!options->undo)
		ensure_history(st);
	if (st->history->exists)
	{
		CallOptions plan_options = *options;

		/* an undo target is where to go back to, not a migrate target */
		if (options->undo)
			plan_options.target = NULL;
		resolve_and_plan(st, &plan_options, false);
		/* what this run had to read, the next one (a new session) only stats */
		if (!RecoveryInProgress())
			locations_save_checksums();
	}
	SPI_finish();
	PopActiveSnapshot();
	MemoryContextSwitchTo(st->keep);
	remember_session_state(st);
	CommitTransactionCommand();
	MemoryContextSwitchTo(st->keep);

	if (st->plan != NULL)
	{
		run_callbacks_toplevel(st, "beforeValidate", false);
		raise_plan_errors(st->plan, "validate");
		run_callbacks_toplevel(st, "afterValidate", false);
	}
}

/*
 * Run the scripts of a top-level run between its before and after
 * callbacks; on failure the error callbacks run, then the error is raised.
 */
static void
run_toplevel_scripts(CommandState *st, List *scripts, bool undo, ResultSink sink, void *sink_arg)
{
	MemoryContext migration_cxt = AllocSetContextCreate(st->keep, "pg_migrate migration",
														ALLOCSET_DEFAULT_SIZES);

	PG_TRY();
	{
		ListCell   *lc;

		run_callbacks_toplevel(st, undo ? "beforeUndo" : "beforeMigrate", false);
		foreach(lc, scripts)
		{
			CHECK_FOR_INTERRUPTS();
			MemoryContextReset(migration_cxt);
			apply_one_toplevel(st, lfirst(lc), migration_cxt, sink, sink_arg);
		}
		run_callbacks_toplevel(st, undo ? "afterUndo" : "afterMigrate", false);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		HOLD_INTERRUPTS();
		MemoryContextSwitchTo(st->keep);
		edata = CopyErrorData();
		FlushErrorState();
		AbortOutOfAnyTransaction();
		RESUME_INTERRUPTS();
		run_error_callbacks_toplevel(st, undo ? "afterUndoError" : "afterMigrateError");
		ReThrowError(edata);
	}
	PG_END_TRY();
}

static void
end_toplevel_run(CommandState *st)
{
	StartTransactionCommand();
	history_unlock_session(st->history);
	CommitTransactionCommand();
	pgstat_report_activity(STATE_IDLE, NULL);
	MemoryContextDelete(st->keep);
}

/*
 * Per-migration apply, at top level in the apply worker: each migration
 * commits with its history row.
 */
static void
apply_per_migration(const CallOptions *options, ResultSink sink, void *sink_arg)
{
	CommandState st;
	List	   *pending = NIL;

	begin_toplevel_run(&st, options,
					   AllocSetContextCreate(TopMemoryContext, "pg_migrate apply",
											 ALLOCSET_DEFAULT_SIZES));
	for (int i = 0; i < st.plan->npending; i++)
	{
		CHECK_FOR_INTERRUPTS();
		pending = lappend(pending, (void *) st.plan->pending[i]);
	}
	run_toplevel_scripts(&st, pending, false, sink, sink_arg);
	end_toplevel_run(&st);
}

/* The undo scripts to run, newest version first (plan_undo() in plan.c). */
static List *
undo_scripts(CommandState *st, const CallOptions *options)
{
	const ResolvedScript **undo;
	int			nundo;
	MigrateError err;
	List	   *result = NIL;

	migrate_error_clear(&err);
	if (!plan_undo(st->plan, st->scripts->scripts, st->scripts->nscripts, options->target,
				   &undo, &nundo, &err))
		ereport_migrate_error(&err);
	for (int i = 0; i < nundo; i++)
		result = lappend(result, (void *) undo[i]);
	return result;
}

/*
 * Undo at top level, in the apply worker: each undo script in its own
 * transaction with its UNDO_SQL history row, as Flyway's paid edition
 * records it; the undone versions become pending again.
 */
static void
undo_per_migration(const CallOptions *options, ResultSink sink, void *sink_arg)
{
	CommandState st;
	List	   *undo = NIL;

	begin_toplevel_run(&st, options,
					   AllocSetContextCreate(TopMemoryContext, "pg_migrate undo",
											 ALLOCSET_DEFAULT_SIZES));
	if (st.history->exists)
		undo = undo_scripts(&st, options);
	if (undo == NIL)
		ereport(NOTICE,
				(errmsg("nothing to undo")));
	else
		run_toplevel_scripts(&st, undo, true, sink, sink_arg);
	end_toplevel_run(&st);
}

/*
 * single_transaction: record a migration that ran.  If the INSERT fails,
 * the error says which migration it was recording; the caller's
 * transaction then rolls everything back.
 */
static void
record_applied_spi(CommandState *st, const ResolvedScript *script, int execution_time,
				   MemoryContext cxt)
{
	PG_TRY();
	{
		record_applied(st, script, execution_time, true);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		ereport(ERROR,
				(errcode(edata->sqlerrcode),
				 errmsg("could not record migration %s in the history table %s: %s",
						script->script, st->history->qualified, edata->message),
				 edata->detail ? errdetail("%s", edata->detail) : 0,
		/* the recording error's own hint says what to fix (a GRANT, say) */
				 edata->hint ?
				 errhint("%s\nWith single_transaction nothing of this run remains.", edata->hint) :
				 errhint("With single_transaction nothing of this run remains. Check the history table, then call migrate_apply() again.")));
	}
	PG_END_TRY();
}

/*
 * Everything in the caller's transaction (Flyway's group = true): the lock
 * is transaction-level, and a ROLLBACK by the caller undoes it all.
 */
static void
apply_single_transaction(const CallOptions *options, ResultSink sink, void *sink_arg)
{
	CommandState st;
	MemoryContext migration_cxt;

	memset(&st, 0, sizeof(st));
	st.keep = CurrentMemoryContext;
	migration_cxt = AllocSetContextCreate(st.keep, "pg_migrate migration", ALLOCSET_DEFAULT_SIZES);

	st.history = history_locate();
	history_lock_xact(st.history);
	st.history = history_locate();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ensure_history(&st);
	resolve_and_plan(&st, options, false);
	remember_session_state(&st);
	session_state_begin_caller_run(st.session);
	run_callbacks_spi(&st, "beforeValidate");
	raise_plan_errors(st.plan, "validate");
	run_callbacks_spi(&st, "afterValidate");
	run_callbacks_spi(&st, "beforeMigrate");

	for (int i = 0; i < st.plan->npending; i++)
	{
		const ResolvedScript *script = st.plan->pending[i];
		ParsedScript *parsed;
		TimestampTz start;
		int			execution_time;
		char	   *text;
		size_t		len;

		CHECK_FOR_INTERRUPTS();
		MemoryContextReset(migration_cxt);
		MemoryContextSwitchTo(migration_cxt);
		restore_session_state(&st);
		text = locations_script_text(script, &st.placeholders, &len);
		parsed = script_parse(script, text, len);
		script_check_spi(parsed);

		start = GetCurrentTimestamp();
		run_callbacks_spi(&st, "beforeEachMigrate");
		PG_TRY();
		{
			script_run_spi(parsed);
		}
		PG_CATCH();
		{
			ErrorData  *edata;

			MemoryContextSwitchTo(migration_cxt);
			edata = CopyErrorData();
			FlushErrorState();
			script_rethrow_error(edata, parsed,
								 "Fix the script and call migrate_apply() again; with single_transaction nothing of this run remains.");
		}
		PG_END_TRY();
		run_callbacks_spi(&st, "afterEachMigrate");
		execution_time = elapsed_ms(start);
		restore_session_state(&st);
		record_applied_spi(&st, script, execution_time, migration_cxt);
		MemoryContextSwitchTo(st.keep);
		emit_result(&st, script, execution_time, sink, sink_arg);
	}
	run_callbacks_spi(&st, "afterMigrate");
	session_state_restore_caller(st.session);
	SPI_finish();
	MemoryContextSwitchTo(st.keep);
	MemoryContextDelete(migration_cxt);
}

/*
 * command_apply_needed
 *		Whether a per-migration apply has anything to do, decided in the
 *		caller's session before a worker is started: a no-op apply then costs
 *		no worker.  Validation errors are raised here as the worker would.
 *		It reads in a subtransaction that is rolled back, so the caller keeps
 *		no lock on the history table while the worker runs (a migration that
 *		alters that table would otherwise wait for us forever).
 */
bool
command_apply_needed(CallOptions *options)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	volatile bool needed = true;

	BeginInternalSubTransaction(NULL);
	PG_TRY();
	{
		CommandState st;

		memset(&st, 0, sizeof(st));
		st.keep = reset_work_context();
		MemoryContextSwitchTo(st.keep);
		st.history = history_locate();
		if (st.history->exists)
		{
			if (SPI_connect() != SPI_OK_CONNECT)
				elog(ERROR, "SPI_connect failed");
			resolve_and_plan(&st, options, false);
			options->names_reported = true;
			raise_plan_errors(st.plan, "validate");
			/*
			 * Flyway runs beforeMigrate and the rest on every migrate, even a
			 * no-op; and checksums that had to be computed are saved by the
			 * worker, once, so the next session's call only stats the files.
			 */
			needed = st.plan->npending > 0 || st.scripts->callbacks != NIL ||
				locations_unsaved_checksums() > 0;
			SPI_finish();
		}
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
		ReThrowError(edata);
	}
	PG_END_TRY();
	RollbackAndReleaseCurrentSubTransaction();
	MemoryContextSwitchTo(oldcxt);
	CurrentResourceOwner = oldowner;
	return needed;
}

void
command_apply(const CallOptions *options, ResultSink sink, void *sink_arg)
{
	if (options->undo)
		undo_per_migration(options, sink, sink_arg);
	else if (options->single_transaction)
		apply_single_transaction(options, sink, sink_arg);
	else
		apply_per_migration(options, sink, sink_arg);
}

/*
 * command_plan
 *		The dry run: every statement migrate_apply() (or migrate_undo()) would
 *		run now, in order, with placeholders replaced, transaction boundaries
 *		and the history statements included.  Writes nothing and takes no lock.
 *		execution_time in the history INSERTs is measured at apply time and is
 *		shown as 0.
 */
void
command_plan(const CallOptions *options, PlanSink sink, void *sink_arg)
{
	CommandState st;
	List	   *scripts = NIL;
	ListCell   *lc;
	int			seq = 0;
	int			rank = 1;

	memset(&st, 0, sizeof(st));
	st.keep = reset_work_context();
	MemoryContextSwitchTo(st.keep);
	st.history = history_locate();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (st.history->exists || !options->undo)
	{
		CallOptions plan_options = *options;

		if (options->undo)
			plan_options.target = NULL;
		resolve_and_plan(&st, &plan_options, false);
		raise_plan_errors(st.plan, "validate");
		if (options->undo)
			scripts = undo_scripts(&st, options);
		else
			for (int i = 0; i < st.plan->npending; i++)
			{
				CHECK_FOR_INTERRUPTS();
				scripts = lappend(scripts, (void *) st.plan->pending[i]);
			}
	}
	for (int i = 0; i < st.nrows; i++)
	{
		CHECK_FOR_INTERRUPTS();
		rank = Max(rank, st.rows[i]->installed_rank + 1);
	}
	SPI_finish();
	MemoryContextSwitchTo(st.keep);

	if (scripts == NIL)
		return;
	if (!st.history->exists)
	{
		foreach(lc, history_create_statements(st.history, !st.history->schema_exists))
			sink(++seq, NULL, 0, lfirst(lc), sink_arg);
		if (!st.history->schema_exists)
		{
			sink(++seq, NULL, 0,
				 history_insert_statement(st.history, 0, NULL, "<< Flyway Schema Creation >>",
										  "SCHEMA", quote_identifier(st.history->schema),
										  true, 0, 0, true), sink_arg);
		}
	}
	sink(++seq, NULL, 0, psprintf("SELECT pg_catalog.pg_advisory_lock(" INT64_FORMAT ")",
								  st.history->lock_key), sink_arg);
	foreach(lc, scripts)
	{
		const ResolvedScript *script = lfirst(lc);
		size_t		len;
		char	   *text;
		ParsedScript *parsed;
		ListCell   *sc;

		CHECK_FOR_INTERRUPTS();
		text = locations_script_text(script, &st.placeholders, &len);
		parsed = script_parse(script, text, len);
		if (parsed->transactional)
			sink(++seq, script->script, 0, "BEGIN", sink_arg);
		foreach(sc, parsed->statements)
		{
			ScriptStatement *stmt = lfirst(sc);
			char	   *sql;

			CHECK_FOR_INTERRUPTS();
			sql = pnstrdup(parsed->text + stmt->location, stmt->length);
			if (stmt->copy_data)
				sql = psprintf("%s;\n%s%s\\.", sql, stmt->copy_data,
							   stmt->copy_len > 0 && stmt->copy_data[stmt->copy_len - 1] != '\n' ? "\n" : "");
			/* a dry run's output is read and kept: secrets show as *** */
			sink(++seq, script->script, stmt->line, script_mask_secrets(sql), sink_arg);
		}
		sink(++seq, script->script, 0,
			 history_insert_statement(st.history, rank++,
									  script->kind == SCRIPT_REPEATABLE ? NULL : script->version.text,
									  script->description, script_type(script), script->script,
									  false, script->checksum, 0, true), sink_arg);
		if (parsed->transactional)
			sink(++seq, script->script, 0, "COMMIT", sink_arg);
	}
	sink(++seq, NULL, 0, psprintf("SELECT pg_catalog.pg_advisory_unlock(" INT64_FORMAT ")",
								  st.history->lock_key), sink_arg);
}

/* Read-only commands share this: plan from scripts and history, no writes. */
static void
plan_readonly(CommandState *st, const CallOptions *options, bool for_validate)
{
	memset(st, 0, sizeof(CommandState));
	st->keep = reset_work_context();
	MemoryContextSwitchTo(st->keep);
	st->history = history_locate();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	resolve_and_plan(st, options, for_validate);
	SPI_finish();
	MemoryContextSwitchTo(st->keep);
}

/*
 * command_info
 *		What "flyway info" shows, one row per script or history row.
 */
void
command_info(const CallOptions *options, InfoSink sink, void *sink_arg)
{
	CommandState st;

	plan_readonly(&st, options, false);
	for (int i = 0; i < st.plan->nentries; i++)
	{
		InfoEntry  *e = &st.plan->entries[i];
		const AppliedRow *a = e->applied;
		const ResolvedScript *r = e->resolved;
		InfoRow		row;

		CHECK_FOR_INTERRUPTS();
		memset(&row, 0, sizeof(row));
		row.category = e->category;
		row.type = e->type;
		row.state = state_name(e->state);
		if (a != NULL)
		{
			row.version = a->version;
			row.description = a->description;
			row.script = a->script;
			row.checksum_null = a->checksum_null;
			row.checksum = a->checksum;
			row.installed_on = a->installed_on;
			row.installed_by = a->installed_by;
			row.execution_time = a->execution_time;
			row.applied = true;
		}
		else
		{
			row.version = r->kind == SCRIPT_REPEATABLE ? NULL : r->version.text;
			row.description = r->description;
			row.script = r->script;
			row.checksum = r->checksum;
		}
		sink(&row, sink_arg);
	}
}

/*
 * command_validate
 *		"flyway validate": every problem is one error; otherwise the number of
 *		migrations validated.
 */
int
command_validate(const CallOptions *options)
{
	CommandState st;

	plan_readonly(&st, options, true);
	remember_session_state(&st);
	session_state_begin_caller_run(st.session);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	run_callbacks_spi(&st, "beforeValidate");
	raise_plan_errors(st.plan, "validate");
	run_callbacks_spi(&st, "afterValidate");
	session_state_restore_caller(st.session);
	SPI_finish();
	return st.plan->nentries;
}

/*
 * command_baseline
 *		"flyway baseline": record the current state of a database that was
 *		not built by migrations as the given version.
 */
void
command_baseline(const char *version, const char *description, BaselineSink sink, void *sink_arg)
{
	CommandState st;
	MigrationVersion parsed;
	char	   *why = NULL;
	int			rank;

	memset(&st, 0, sizeof(st));
	st.keep = CurrentMemoryContext;
	if (version == NULL)
		version = pgm_baseline_version;
	if (description == NULL)
		description = pgm_baseline_description;
	if (!version_parse(version, &parsed, &why) || !version_fits_history(version, &why))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid baseline version \"%s\"", version),
				 errdetail("%s", why)));

	st.history = history_locate();
	history_lock_xact(st.history);
	st.history = history_locate();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	if (!st.history->exists)
		history_create(st.history, !st.history->schema_exists);
	else
	{
		st.rows = history_read(st.history, &st.nrows);
		for (int i = 0; i < st.nrows; i++)
		{
			AppliedRow *row = st.rows[i];

			CHECK_FOR_INTERRUPTS();
			if (strcmp(row->type, "BASELINE") == 0)
			{
				if (row->version && version_compare(&row->parsed, &parsed) == 0)
				{
					ereport(NOTICE,
							(errmsg("history table %s is already baselined at version %s; nothing to do",
									st.history->qualified, row->version)));
					SPI_finish();
					return;
				}
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("history table %s is already baselined at version %s",
								st.history->qualified, row->version ? row->version : ""),
						 errhint("A database is baselined once; migrate_info() shows its history.")));
			}
			if (strcmp(row->type, "SCHEMA") != 0)
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("cannot baseline: history table %s already contains migrations",
								st.history->qualified),
						 errhint("Baseline is for a database whose history is empty.")));
		}
	}
	rank = history_insert(st.history, version, description, "BASELINE", description,
						  true, 0, 0, true);
	SPI_finish();
	MemoryContextSwitchTo(st.keep);
	sink(rank, version, description, sink_arg);
}

/*
 * command_repair
 *		"flyway repair": remove failed rows, mark missing migrations deleted,
 *		realign checksums and descriptions to the scripts.
 */
void
command_repair(const CallOptions *options, RepairSink sink, void *sink_arg)
{
	CommandState st;
	RepairAction *actions;
	int			nactions = 0;

	memset(&st, 0, sizeof(st));
	st.keep = CurrentMemoryContext;
	st.history = history_locate();
	if (!st.history->exists)
	{
		ereport(NOTICE,
				(errmsg("history table %s does not exist; nothing to repair",
						st.history->qualified)));
		return;
	}
	history_lock_xact(st.history);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	resolve_and_plan(&st, options, false);
	actions = plan_repair(st.plan, &nactions);

	for (int i = 0; i < nactions; i++)
	{
		RepairAction *a = &actions[i];
		const AppliedRow *row = a->row;

		CHECK_FOR_INTERRUPTS();
		switch (a->action)
		{
			case REPAIR_DELETE_FAILED:
				history_delete_rank(st.history, row->installed_rank);
				sink("removed failed", row, sink_arg);
				break;
			case REPAIR_MARK_DELETED:
				history_insert(st.history, row->version, row->description, "DELETE",
							   row->script, row->checksum_null, row->checksum, 0, row->success);
				sink("marked deleted", row, sink_arg);
				break;
			case REPAIR_REALIGN:
				{
					const char *type = row->type;

					if (strcmp(type, "SQL") == 0 || strcmp(type, "SQL_BASELINE") == 0)
						type = script_type(a->script);
					history_realign(st.history, row->installed_rank, a->script->description,
									type, false, a->script->checksum);
					sink("realigned", row, sink_arg);
				}
				break;
		}
	}
	SPI_finish();
	MemoryContextSwitchTo(st.keep);
}
