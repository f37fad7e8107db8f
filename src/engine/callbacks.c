/*-------------------------------------------------------------------------
 *
 * callbacks.c
 *	  Flyway's SQL callbacks (beforeMigrate.sql, afterEachMigrate__audit.sql,
 *	  afterMigrateError.sql, ...): run at the points Flyway runs them, never
 *	  recorded in the history.  The callbacks of one event run in the order
 *	  of their descriptions, the one without a description first.  A
 *	  callback file of an event this tool never fires is refused, naming it.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include "engine_internal.h"
#include "interrupts.h"

/*
 * One callback in a transaction of its own (when it needs one).  report:
 * the migration it runs for (beforeEach/afterEach of a migration that runs
 * outside a transaction block) reports a failure, with what remains of it,
 * so it is left there; NULL: the callback's failure is blamed here.
 */
static bool
run_callback_alone(Engine *engine, RunScript *run, ScriptFailure *report)
{
	Executor   *ex = engine->ex;
	ScriptFailure failure;

	memset(&failure, 0, sizeof(failure));
	failure.script = run;
	if ((run->transactional && !ex->ops->begin(ex, &engine->error)) ||
		!run_script_statements(engine, run, run->transactional, &failure) ||
		(run->transactional && !ex->ops->commit(ex, &engine->error)))
	{
		if (!ex->ops->caller_transaction)
			ex->ops->rollback(ex);
		if (report != NULL)
		{
			*report = failure;
			return false;
		}
		blame_script(engine, &failure,
					 psprintf("Fix the callback script and %s.", engine->wording->callback_again));
		return false;
	}
	return true;
}

bool
run_callbacks(Engine *engine, const char *event, bool block_open, ScriptFailure *failure)
{
	Executor   *ex = engine->ex;
	int			count;
	ResolvedScript **callbacks = callbacks_of(engine, event, &count);

	for (int i = 0; i < count; i++)
	{
		RunScript  *run;

		CHECK_FOR_INTERRUPTS();
		if (!ex->ops->restore_session(ex, &engine->error) ||
			!ex->ops->load_script(ex, callbacks[i], &engine->placeholders, &run, &engine->error) ||
			!check_callback_for_caller(engine, run))
		{
			if (failure != NULL)
				failure->script = NULL; /* not a statement's error: reported as it is */
			return false;
		}
		if (block_open)
		{
			/* inside the migration's transaction: the migration reports it */
			if (!run_script_statements(engine, run, true, failure))
				return false;
			continue;
		}
		if (!run_callback_alone(engine, run, failure))
			return false;
	}
	return true;
}

void
run_error_callbacks(Engine *engine, const char *event)
{
	MigrateError own = engine->error;

	migrate_error_clear(&engine->error);
	if (!run_callbacks(engine, event, false, NULL))
		engine_notice(engine, ENGINE_WARNING,
					  engine->error.message ? engine->error.message : "",
					  engine->error.detail,
					  psprintf("The error that started the %s callbacks follows.", event));
	engine->error = own;
}

/*
 * After a command failed: its error callbacks.  In the caller's transaction
 * only when the engine refused (a validation error, say): after a
 * statement's error that transaction can run nothing more.
 */
void
run_failure_callbacks(Engine *engine, const char *event)
{
	if (engine->ex->ops->caller_transaction && !engine->refused)
		return;
	run_error_callbacks(engine, event);
}

/* Why a callback event never happens here; NULL: it does. */
static const char *
event_never_fires(Engine *engine, const char *event)
{
	if (strcmp(event, "beforeConnect") == 0)
		return "a SQL callback needs the connection, which does not exist before it is opened";
	if (strcmp(event, "afterConnect") == 0 && !engine->opts.connect_callbacks)
		return "the extension runs in the caller's session and opens no connection of its own";
	return NULL;
}

/*
 * check_callback_events
 *		Every callback file's event must be one this tool fires: a callback
 *		that would never run is an error naming it, not skipped silently.
 *		On failure no callback runs (not even the error callbacks).
 */
bool
check_callback_events(Engine *engine)
{
	for (int i = 0; i < engine->scripts.ncallbacks; i++)
	{
		const ResolvedScript *cb = engine->scripts.callbacks[i];
		const char *why;

		CHECK_FOR_INTERRUPTS();
		why = event_never_fires(engine, cb->event);
		if (why == NULL)
			continue;
		engine->scripts.ncallbacks = 0;
		return engine_fail(engine, SQLSTATE_FEATURE_NOT_SUPPORTED,
						   psprintf("The callback was read from \"%s\"; %s, so it would never run.",
									cb->path, why),
						   "Remove the file, or rename it for an event that runs here (beforeMigrate, afterEachMigrate, ...). Nothing was applied.",
						   "callback %s is for event %s, which never happens in %s",
						   cb->script, cb->event,
						   strcmp(cb->event, "afterConnect") == 0 ? "the extension" : "pg_migrate");
	}
	return true;
}

/*
 * run_connect_callbacks
 *		The command's afterConnect callbacks, once its connection is open and
 *		the scripts are found (the extension has none: refused above); once
 *		per connection where the caller runs the engine several times on it.
 */
bool
run_connect_callbacks(Engine *engine)
{
	if (!engine->opts.connect_callbacks || engine->opts.connect_callbacks_ran)
		return true;
	return run_callbacks(engine, "afterConnect", false, NULL);
}

/*
 * run_create_schema_callbacks
 *		Before the history table's schema is created: beforeCreateSchema,
 *		then Flyway's deprecated createSchema.
 */
bool
run_create_schema_callbacks(Engine *engine)
{
	return run_callbacks(engine, "beforeCreateSchema", false, NULL) &&
		run_callbacks(engine, "createSchema", false, NULL);
}
