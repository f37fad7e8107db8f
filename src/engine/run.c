/*-------------------------------------------------------------------------
 *
 * run.c
 *	  Migrate and undo, as Flyway runs them: the run's callbacks around the
 *	  scripts, and for each script its transaction, its statements, its
 *	  history row and its commit; a failure rolled back, recorded when it
 *	  left work behind, and reported with the script, line and statement.
 *
 * Each migration runs in a transaction of its own (or, when the executor
 * works in its caller's transaction, all of them in that one), unless it
 * holds a statement that cannot run in a transaction block: then every
 * statement commits by itself, as Flyway's non-transactional migrations do.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include "portability/instr_time.h"

#include "engine_internal.h"
#include "interrupts.h"

/*
 * A script that needs its own transactions cannot run in the caller's:
 * refused before anything of it runs.
 */
static bool
check_caller_transaction(Engine *engine, RunScript *run)
{
	if (!engine->ex->ops->caller_transaction)
		return true;
	for (int i = 0; i < run->nstatements; i++)
	{
		RunStatement *stmt = &run->statements[i];
		char	   *text;

		CHECK_FOR_INTERRUPTS();
		if (!stmt->transaction_control && stmt->transactional)
			continue;
		text = psprintf("Statement: %s", engine_mask(engine, statement_text(run, stmt)));
		if (stmt->transaction_control)
			return engine_fail(engine, SQLSTATE_ACTIVE_SQL_TRANSACTION, text,
							   psprintf("Apply without %s, or remove the script's own BEGIN/COMMIT.",
										engine->wording->single_transaction),
							   "%s %s line %d controls the transaction, which %s cannot allow",
							   script_noun(run->script), run->script->script, stmt->line,
							   engine->wording->single_transaction_on);
		return engine_fail(engine, SQLSTATE_ACTIVE_SQL_TRANSACTION, text,
						   psprintf("Apply without %s: each migration then gets its own transaction, and this statement runs outside one.",
									engine->wording->single_transaction),
						   "%s %s line %d cannot run inside a transaction block",
						   script_noun(run->script), run->script->script, stmt->line);
	}
	return true;
}

/*
 * A migration that needs its own transactions for some statements and not
 * for others would run them all without one: refused unless mixed is on or
 * its .conf file decided (executeInTransaction), as in Flyway.
 */
static bool
check_mixed(Engine *engine, RunScript *run)
{
	const RunStatement *transactional = NULL;
	const RunStatement *other = NULL;

	if (run->transactional || engine->opts.mixed || run->transaction_set_by_conf)
		return true;
	for (int i = 0; i < run->nstatements && (transactional == NULL || other == NULL); i++)
	{
		const RunStatement *stmt = &run->statements[i];

		CHECK_FOR_INTERRUPTS();
		if (stmt->transactional && transactional == NULL)
			transactional = stmt;
		if (!stmt->transactional && other == NULL)
			other = stmt;
	}
	if (transactional == NULL || other == NULL)
		return true;
	return engine_fail(engine, SQLSTATE_ACTIVE_SQL_TRANSACTION,
					   psprintf("Line %d cannot run inside a transaction block; line %d can, and would then run without one.",
								other->line, transactional->line),
					   psprintf("Move the statement at line %d into a migration of its own, or %s.",
								other->line, engine->wording->mixed_on),
					   "migration %s mixes statements that must run outside a transaction with others",
					   run->script->script);
}

/* The history row of a script that ran (or failed, success = false). */
static bool
record_script(Engine *engine, const ResolvedScript *script, int execution_time, bool success)
{
	HistoryChange change;

	memset(&change, 0, sizeof(change));
	change.kind = HISTORY_INSERT;
	change.version = script->kind == SCRIPT_REPEATABLE ? NULL : script->version.text;
	change.description = script->description;
	change.type = script_type(script);
	change.script = script->script;
	change.checksum = script->checksum;
	change.installed_by = engine->opts.installed_by;
	change.execution_time = execution_time;
	change.success = success;
	return engine->ex->ops->history_change(engine->ex, &engine->history, &change, NULL,
										   &engine->error);
}

/*
 * Record a failed script whose failure left work behind, in a transaction
 * of its own.  If that fails too (the script dropped the history table, a
 * disk is full...), the script's own error must still be the one reported:
 * this one becomes a warning and false is returned.
 */
static bool
record_failure(Engine *engine, const ResolvedScript *script, int execution_time)
{
	MigrateError own = engine->error;
	bool		recorded;

	migrate_error_clear(&engine->error);
	recorded = engine->ex->ops->restore_session(engine->ex, &engine->error) &&
		record_script(engine, script, execution_time, false);
	if (!recorded)
		engine_notice(engine, ENGINE_WARNING,
					  psprintf("could not record the failure of %s in the history table %s: %s",
							   script->script, engine->history.qualified,
							   engine->error.message ? engine->error.message : ""),
					  engine->error.detail,
					  psprintf("The error of the %s itself follows.", script_noun(script)));
	engine->error = own;
	return recorded;
}

static bool
failure_leaves_work(const RunScript *run)
{
	return !run->transactional || run->committed_line > 0;
}

/*
 * The server went away (a lost connection, a shutdown, a crash): the script
 * is not to blame, and its transaction did not commit.
 */
static bool
connection_lost(const char *sqlstate)
{
	return strncmp(sqlstate, "08", 2) == 0 || strcmp(sqlstate, "57P01") == 0 ||
		strcmp(sqlstate, "57P02") == 0 || strcmp(sqlstate, "57P03") == 0;
}

/* What of a failed script remains, and what to do next. */
static char *
failure_hint(Engine *engine, const ResolvedScript *script, const RunScript *run, bool recorded)
{
	const EngineWording *w = engine->wording;
	bool		undo = script->kind == SCRIPT_UNDO;
	const char *again = undo ? w->undo : w->apply;
	char	   *remains;

	if (connection_lost(engine->error.sqlstate))
		return run != NULL && failure_leaves_work(run) ?
			psprintf("The connection to the server was lost while the %s ran outside a transaction (or after its own COMMIT), so part of it may be done and it could not be recorded as failed. Check its objects, clean up, then %s %s again.",
					 script_noun(script), w->call, again) :
			psprintf("The connection to the server was lost; nothing of this %s remains and the ones before it stay done. %c%s %s again once the server is back.",
					 script_noun(script), pg_toupper((unsigned char) w->call[0]), w->call + 1, again);
	if (run == NULL || !failure_leaves_work(run))
		return undo ?
			psprintf("Fix the undo script and %s %s again: the undo scripts before it stay done and nothing of this one remains.",
					 w->call, again) :
			psprintf("Fix the script and %s %s again: the migrations before it stay applied and nothing of this one remains.",
					 w->call, again);
	if (!run->transactional)
		remains = psprintf("This %s ran outside a transaction, so its statements before the failing one stay done",
						   script_noun(script));
	else
		remains = psprintf("Its own COMMIT at line %d made its statements up to there permanent and the rest was rolled back",
						   run->committed_line);
	if (recorded)
		return psprintf("%s; it is recorded as failed. Clean up, then %s %s and %s again.",
						remains, w->call, w->repair, again);
	return psprintf("%s; recording it as failed failed too (see the warning), so the history does not show it. Clean up, then %s %s again: it runs again from its start.",
					remains, w->call, again);
}

static const char *
each_event(const ResolvedScript *script, const char *when)
{
	bool		undo = script->kind == SCRIPT_UNDO;

	if (strcmp(when, "before") == 0)
		return undo ? "beforeEachUndo" : "beforeEachMigrate";
	if (strcmp(when, "after") == 0)
		return undo ? "afterEachUndo" : "afterEachMigrate";
	return undo ? "afterEachUndoError" : "afterEachMigrateError";
}

/* Whether one of the script's own statements failed (not a callback's). */
static bool
statement_failed(const ResolvedScript *script, const ScriptFailure *failure)
{
	return failure != NULL && failure->script != NULL && failure->statement != NULL &&
		failure->script->script == script;
}

/*
 * A script failed (failure says where; NULL: before it started): roll back,
 * record it when it left work behind, run the error callbacks, and blame it.
 */
static bool
script_failed(Engine *engine, const ResolvedScript *script, RunScript *run,
			  ScriptFailure *failure, const instr_time *start)
{
	Executor   *ex = engine->ex;
	MigrateError own;
	bool		recorded = false;

	if (ex->ops->caller_transaction)
	{
		/* a callback that failed inside the migration's transaction is the one to fix */
		if (failure != NULL && failure->script != NULL &&
			failure->script->script->kind == SCRIPT_CALLBACK)
			blame_script(engine, failure,
						 psprintf("Fix the callback script and %s.", engine->wording->callback_again));
		else if (failure != NULL && failure->script != NULL)
			blame_script(engine, failure,
						 psprintf("Fix the script and %s %s again; with %s nothing of this run remains.",
								  engine->wording->call, engine->wording->apply,
								  engine->wording->single_transaction));
		return false;
	}
	ex->ops->rollback(ex);
	if (run != NULL && failure_leaves_work(run))
		recorded = record_failure(engine, script, engine_elapsed_ms(start));
	own = engine->error;
	if (statement_failed(script, failure))
		run_error_callbacks(engine, script->kind == SCRIPT_UNDO ?
							"afterEachUndoStatementError" : "afterEachMigrateStatementError");
	run_error_callbacks(engine, each_event(script, "error"));
	engine->error = own;
	if (failure != NULL && failure->script != NULL)
		blame_script(engine, failure, failure_hint(engine, script, run, recorded));
	return false;
}

/* Progress a DBA can follow: one notice per script run, with its time. */
static void
report_applied(Engine *engine, const ResolvedScript *script, int execution_time)
{
	AppliedResult result;

	engine->executed++;
	/* a dry run ran nothing: no "applied" notice, no result */
	if (engine->dry_run)
		return;
	if (script->kind == SCRIPT_UNDO)
		engine_notice(engine, ENGINE_NOTICE,
					  psprintf("undid version %s with %s", script->version.text, script->script),
					  psprintf("Took %d ms; version %s is pending again.", execution_time,
							   script->version.text), NULL);
	else if (script->kind == SCRIPT_REPEATABLE)
		engine_notice(engine, ENGINE_NOTICE, psprintf("applied %s", script->script),
					  psprintf("Repeatable \"%s\" took %d ms.", script->description, execution_time),
					  NULL);
	else
		engine_notice(engine, ENGINE_NOTICE, psprintf("applied %s", script->script),
					  psprintf("Version %s (%s) took %d ms.", script->version.text,
							   script->description, execution_time), NULL);

	if (engine->sinks.applied == NULL)
		return;
	memset(&result, 0, sizeof(result));
	result.version = script->kind == SCRIPT_REPEATABLE ? NULL : script->version.text;
	result.description = script->description;
	result.type = script_type(script);
	result.script = script->script;
	result.checksum = script->checksum;
	result.execution_time = execution_time;
	if (script->kind == SCRIPT_BASELINE)
		result.state = "Baseline";
	else if (script->kind == SCRIPT_VERSIONED && engine->highest_applied.nparts > 0 &&
			 version_compare(&script->version, &engine->highest_applied) < 0)
		result.state = "Out of Order";
	else
		result.state = "Success";
	engine->sinks.applied(&result, engine->sinks.arg);
}

static void
report_starting(Engine *engine, const ResolvedScript *script)
{
	AppliedResult starting;

	if (engine->sinks.applied == NULL || engine->dry_run)
		return;
	memset(&starting, 0, sizeof(starting));
	starting.script = script->script;
	starting.starting = true;
	engine->sinks.applied(&starting, engine->sinks.arg);
}

/*
 * In the caller's transaction, a history row that cannot be written says
 * which migration it was recording; the caller's transaction then rolls
 * everything back.
 */
static bool
record_failed_in_caller(Engine *engine, const ResolvedScript *script)
{
	MigrateError *err = &engine->error;
	char	   *hint;

	/* the recording error's own hint says what to fix (a GRANT, say) */
	if (err->hint)
		hint = psprintf("%s\nWith %s nothing of this run remains.", err->hint,
						engine->wording->single_transaction);
	else
		hint = psprintf("With %s nothing of this run remains. Check the history table, then %s %s again.",
						engine->wording->single_transaction, engine->wording->call,
						engine->wording->apply);
	migrate_error_set(err, err->sqlstate,
					  psprintf("could not record migration %s in the history table %s: %s",
							   script->script, engine->history.qualified,
							   err->message ? err->message : ""),
					  err->detail, hint);
	return false;
}

/*
 * skipExecutingMigrations: a migration's statements do not run, the rest
 * does (its callbacks, its history row with success true), as in Flyway.
 * It is how a team records a change it already made by hand.
 */
static bool
skip_statements(Engine *engine)
{
	return engine->opts.skip_executing_migrations && !engine->undo;
}

/* Say once that the migrations about to be recorded will not run. */
static bool
warn_skipped_execution(Engine *engine)
{
	int			n = engine->plan->npending;

	if (!skip_statements(engine) || n == 0 || engine->dry_run)
		return true;
	engine_notice(engine, ENGINE_WARNING,
				  psprintf("%d pending migration(s) will be recorded as applied without running their statements",
						   n),
				  psprintf("%s is on; their callbacks still run.", engine->wording->skip_executing_name),
				  "Use it only for changes already made by hand.");
	return true;
}

/*
 * One migration (or undo script): its beforeEach and afterEach callbacks
 * run inside its transaction, as in Flyway, and its history row is written
 * in that transaction, as the role the run started with.
 */
static bool
apply_one(Engine *engine, const ResolvedScript *script)
{
	Executor   *ex = engine->ex;
	RunScript  *run = NULL;
	ScriptFailure failure;
	instr_time	start;
	int			execution_time;
	bool		block;

	memset(&failure, 0, sizeof(failure));
	INSTR_TIME_SET_CURRENT(start);
	/* a script that cannot even be prepared has failed too: afterEach...Error */
	if (!ex->ops->restore_session(ex, &engine->error) ||
		!ex->ops->load_script(ex, script, &engine->placeholders, &run, &engine->error) ||
		!check_mixed(engine, run) || !check_caller_transaction(engine, run))
		return script_failed(engine, script, NULL, NULL, &start);

	report_starting(engine, script);
	INSTR_TIME_SET_CURRENT(start);
	block = run->transactional;
	failure.script = run;
	if (block && !ex->ops->begin(ex, &engine->error))
		return script_failed(engine, script, run, &failure, &start);
	if (!run_callbacks(engine, each_event(script, "before"), block, &failure) ||
		!(skip_statements(engine) || run_script_statements(engine, run, block, &failure)) ||
		!run_callbacks(engine, each_event(script, "after"), block, &failure))
		return script_failed(engine, script, run, &failure, &start);

	execution_time = engine_elapsed_ms(&start);
	failure.script = run;
	failure.statement = NULL;
	if (!ex->ops->restore_session(ex, &engine->error) ||
		!record_script(engine, script, execution_time, true))
	{
		if (ex->ops->caller_transaction)
			return record_failed_in_caller(engine, script);
		return script_failed(engine, script, run, &failure, &start);
	}
	if (block && !ex->ops->commit(ex, &engine->error))
		return script_failed(engine, script, run, &failure, &start);
	report_applied(engine, script, execution_time);
	return true;
}

/*
 * Fail fast: every script of the run read, its placeholders replaced, its
 * statements parsed and its transaction needs checked before the first one
 * runs, so an error in the fifth leaves nothing applied.  Only the verdict
 * is kept: each is loaded again when it runs (and refused then if its file
 * changed since, by its checksum), so a run of many scripts does not hold
 * them all.
 */
static bool
check_scripts_first(Engine *engine, const ResolvedScript *const *scripts, int nscripts)
{
	Executor   *ex = engine->ex;

	for (int i = 0; i < nscripts; i++)
	{
		RunScript  *run = NULL;

		CHECK_FOR_INTERRUPTS();
		if (!ex->ops->load_script(ex, scripts[i], &engine->placeholders, &run, &engine->error) ||
			!check_mixed(engine, run) || !check_caller_transaction(engine, run))
			return false;
		run_script_free(run);
	}
	return true;
}

/*
 * The run's scripts between its before and after callbacks; on failure the
 * error callbacks run, then the error is returned.
 */
static bool
run_scripts(Engine *engine, const ResolvedScript *const *scripts, int nscripts)
{
	bool		undo = engine->undo;
	bool		versioned_done = undo;	/* undo has no afterVersioned */

	if (!check_scripts_first(engine, scripts, nscripts) ||
		!run_callbacks(engine, undo ? "beforeUndo" : "beforeMigrate", false, NULL))
		goto failed;
	for (int i = 0; i < nscripts; i++)
	{
		CHECK_FOR_INTERRUPTS();
		/* Flyway: afterVersioned and beforeRepeatables where repeatables start */
		if (!versioned_done && scripts[i]->kind == SCRIPT_REPEATABLE)
		{
			versioned_done = true;
			if (!run_callbacks(engine, "afterVersioned", false, NULL) ||
				!run_callbacks(engine, "beforeRepeatables", false, NULL))
				goto failed;
		}
		if (!apply_one(engine, scripts[i]))
			goto failed;
	}
	if (!undo && nscripts > 0 &&
		((!versioned_done && !run_callbacks(engine, "afterVersioned", false, NULL)) ||
		 !run_callbacks(engine, "afterMigrateApplied", false, NULL)))
		goto failed;
	if (!run_callbacks(engine, undo ? "afterUndo" : "afterMigrate", false, NULL))
		goto failed;
	return true;

failed:
	if (!engine->ex->ops->caller_transaction)
		run_error_callbacks(engine, undo ? "afterUndoError" : "afterMigrateError");
	return false;
}

/*
 * Flyway's migrate validates first, between its validate callbacks,
 * afterValidateError when validation fails; with validateOnMigrate off
 * neither runs (the target and failed rows are still checked).
 */
static bool
validate_between_callbacks(Engine *engine)
{
	if (!engine->undo && !engine->opts.validate_on_migrate)
		return prepare_check_unvalidated(engine);
	if (!run_callbacks(engine, "beforeValidate", false, NULL))
		return false;
	if (!prepare_check_plan(engine, "validate"))
	{
		run_failure_callbacks(engine, "afterValidateError");
		return false;
	}
	return run_callbacks(engine, "afterValidate", false, NULL);
}

/*
 * engine_migrate
 *		Flyway's migrate: under its lock, the history table created when
 *		missing, validated, then every pending migration applied in order.
 */
bool
engine_migrate(Engine *engine)
{
	bool		ok;

	engine->undo = false;
	ok = prepare_run(engine, PREPARE_LOCK, true, false) &&
		validate_between_callbacks(engine) &&
		warn_skipped_execution(engine) &&
		run_scripts(engine, engine->plan->pending, engine->plan->npending);
	engine_unlock(engine);
	return ok;
}

/*
 * engine_undo
 *		Flyway Teams' undo: the undo script of the most recently applied
 *		migration, or with a target of every one applied after the first
 *		below it, newest first (by installed_rank), stopping at one without
 *		an undo script; each with its UNDO_SQL history row.  The undone
 *		versions become pending again.
 */
bool
engine_undo(Engine *engine)
{
	const ResolvedScript **undo = NULL;
	int			nundo = 0;
	const AppliedRow *stopped = NULL;
	bool		ok;

	engine->undo = true;
	ok = prepare_locate_history(engine) &&
		engine->ex->ops->lock(engine->ex, &engine->history, engine->opts.lock_retry_count,
							  &engine->error);
	engine->locked = ok;
	ok = ok && engine->ex->ops->history_probe(engine->ex, &engine->history, &engine->error);
	if (ok && engine->history.exists)
	{
		ok = prepare_plan(engine, false) &&
			validate_between_callbacks(engine) &&
			plan_undo(engine->plan, engine->scripts.scripts, engine->scripts.nscripts,
					  engine->opts.target, &undo, &nundo, &stopped, &engine->error);
	}
	if (ok && stopped != NULL)
		engine_notice(engine, ENGINE_NOTICE,
					  psprintf("undo stops at version %s (%s): %s", stopped->version,
							   stopped->description,
							   strcmp(stopped->type, "SQL") == 0 ? "it has no undo script" :
							   "it is a baseline"),
					  psprintf("Undone: the %d migration(s) applied after it; it and those applied before it stay applied.",
							   nundo),
					  "Flyway Teams' undo walks back from the latest migration and stops at the first it cannot undo.");
	if (ok && nundo == 0)
		engine_notice(engine, ENGINE_NOTICE, "nothing to undo", NULL, NULL);
	else if (ok)
		ok = run_scripts(engine, undo, nundo);
	engine_unlock(engine);
	return ok;
}
