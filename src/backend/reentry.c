/*-------------------------------------------------------------------------
 *
 * reentry.c
 *	  What code run by a migration must not do to the run that runs it:
 *	  call a pg_migrate function, or give up the run's migration lock.
 *
 * A migration, a callback, or any function, DO block or trigger they reach
 * runs inside the command that runs them.  Calling pg_migrate again from
 * there cannot work: migrate_apply(single_transaction => true) would apply
 * the running migration again, recursing without end; migrate_apply() from
 * a script that runs outside a transaction would start a second worker that
 * waits forever for the lock its own caller holds; the others would read a
 * history that is half written.  So while a command runs in a process (the
 * caller's session, or a worker for its whole life), every SQL function of
 * pg_migrate refuses at once, naming the script that made the call.
 *
 * The mark is cleared when the command ends, however it ends (PG_FINALLY),
 * so an error in a migration never leaves the session refusing later calls.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"

#include "history_sql.h"
#include "pg_migrate.h"
#include "reentry.h"

/* The command running in this process ("migrate_apply()"), or NULL. */
static const char *running_command = NULL;

/* "migration V2__x.sql", "callback beforeMigrate.sql", ... or NULL */
static char *
running_script_name(void)
{
	const ParsedScript *parsed = script_current_script;

	if (parsed == NULL)
		return NULL;
	return psprintf("%s %s",
					parsed->script->kind == SCRIPT_CALLBACK ? "callback" :
					parsed->script->kind == SCRIPT_UNDO ? "undo script" : "migration",
					parsed->script->script);
}

/* Refuse a call of function while a command runs in this process. */
static void
refuse_reentry(const char *function)
{
	char	   *script;

	if (running_command == NULL)
		return;
	script = running_script_name();
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("%s cannot be called from inside a running migration", function),
			 script ?
			 errdetail("%s is running %s, which made this call.", running_command, script) :
			 errdetail("%s is running in this session, and this call came from code it ran (a trigger, rule or function).",
					   running_command),
			 errhint("A migration or callback cannot apply, inspect or plan migrations itself: call pg_migrate functions from a client session, before or after the run.")));
}

/*
 * reentry_guarded_call
 *		Run an SQL function's command, refusing it inside a running command
 *		and marking this process as running it until it ends.
 */
Datum
reentry_guarded_call(FunctionCallInfo fcinfo, const char *function, PGFunction command)
{
	volatile Datum result = (Datum) 0;

	refuse_reentry(function);
	running_command = function;
	PG_TRY();
	{
		result = command(fcinfo);
	}
	PG_FINALLY();
	{
		running_command = NULL;
		/* an error may have left them set; nothing of this command runs now */
		script_current_script = NULL;
		script_current_statement = NULL;
	}
	PG_END_TRY();
	return result;
}

/*
 * reentry_mark_worker
 *		A worker that runs one command for its whole life (the apply worker,
 *		the sync worker's automatic apply): mark it for good.
 */
void
reentry_mark_worker(const char *function)
{
	refuse_reentry(function);
	running_command = function;
}

/*
 * reentry_verify_run_lock
 *		The apply worker holds Flyway's advisory lock at session level for
 *		the whole run, and pg_advisory_unlock_all() or pg_advisory_unlock()
 *		in a script releases it: another migrate could then run beside us.
 *		Checked in a new transaction before each migration (the lock then
 *		can only be the session's) and again before its history row is
 *		written, so a migration that released it is not recorded as applied
 *		(after_it: the error is then reported as this migration's).
 */
void
reentry_verify_run_lock(HistoryTable *history, const char *script, bool after_it)
{
	MigrateError err;

	if (history_lock_held_by_me(history))
		return;
	/* the command's executor reports it in the same words (history_sql.c) */
	memset(&err, 0, sizeof(err));
	history_lock_released_error(&err, history->qualified, history->lock_key, script, after_it,
								"migrate_info()");
	ereport_migrate_error(&err);
}
