/*-------------------------------------------------------------------------
 *
 * admin.c
 *	  The commands that do not run migrations: info, validate, baseline,
 *	  repair, and the check whether a migrate has anything to do.
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

/* One entry of Flyway's info, from its history row or else its script. */
static void
info_row_of(const InfoEntry *e, InfoRow *row)
{
	const AppliedRow *a = e->applied;
	const ResolvedScript *r = e->resolved;

	memset(row, 0, sizeof(InfoRow));
	row->category = e->category;
	row->type = e->type;
	row->state = state_name(e->state);
	if (a != NULL)
	{
		row->version = a->version;
		row->description = a->description;
		row->script = a->script;
		row->checksum_null = a->checksum_null;
		row->checksum = a->checksum;
		row->installed_on = a->installed_on;
		row->installed_by = a->installed_by;
		row->execution_time = a->execution_time;
		row->applied = true;
	}
	else
	{
		row->version = r->kind == SCRIPT_REPEATABLE ? NULL : r->version.text;
		row->description = r->description;
		row->script = r->script;
		row->checksum = r->checksum;
	}
}

static int
compare_undo_versions(const void *a, const void *b)
{
	return version_key_compare(&(*(const ResolvedScript *const *) a)->version.key,
							   &(*(const ResolvedScript *const *) b)->version.key);
}

/* The U scripts found, sorted by version for undo_script_of(). */
static const ResolvedScript **
sorted_undo_scripts(Engine *engine, int *count)
{
	const ResolvedScript **undo = palloc(sizeof(ResolvedScript *) * (engine->scripts.nscripts + 1));
	int			n = 0;

	for (int i = 0; i < engine->scripts.nscripts; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (engine->scripts.scripts[i]->kind == SCRIPT_UNDO)
			undo[n++] = engine->scripts.scripts[i];
	}
	if (n > 1)
		qsort(undo, n, sizeof(ResolvedScript *), compare_undo_versions);
	*count = n;
	return undo;
}

/*
 * The U script that could undo an entry now (a live applied versioned
 * migration), or NULL.
 */
static const ResolvedScript *
undo_script_of(const InfoEntry *e, const ResolvedScript **undo, int nundo)
{
	ResolvedScript key;
	const ResolvedScript *keyp = &key;
	const ResolvedScript **found;

	if (nundo == 0 || e->applied == NULL || e->applied->version == NULL ||
		strcmp(e->applied->type, "SQL") != 0 ||
		(e->state != STATE_SUCCESS && e->state != STATE_OUT_OF_ORDER))
		return NULL;
	key.version = e->applied->parsed;
	found = bsearch(&keyp, undo, nundo, sizeof(ResolvedScript *), compare_undo_versions);
	return found ? *found : NULL;
}

/* Flyway Teams' info row of an undo script ready to run: Available. */
static void
info_row_available(const ResolvedScript *u, InfoRow *row)
{
	memset(row, 0, sizeof(*row));
	row->category = "Undo";
	row->version = u->version.text;
	row->description = u->description;
	row->type = script_type(u);
	row->script = u->script;
	row->checksum = u->checksum;
	row->state = state_name(STATE_AVAILABLE);
}

/*
 * engine_info
 *		What "flyway info" shows: one row per script or history row; after
 *		an applied migration its undo script, Available, as Flyway Teams'
 *		info lists it.
 */
bool
engine_info(Engine *engine)
{
	const ResolvedScript **undo;
	int			nundo;

	if (!prepare_run(engine, PREPARE_NO_LOCK, false, false))
		return false;
	if (!run_callbacks(engine, "beforeInfo", false, NULL))
		goto failed;
	undo = sorted_undo_scripts(engine, &nundo);
	for (int i = 0; i < engine->plan->nentries; i++)
	{
		InfoRow		row;
		const ResolvedScript *u;

		CHECK_FOR_INTERRUPTS();
		info_row_of(&engine->plan->entries[i], &row);
		if (engine->sinks.info)
			engine->sinks.info(&row, engine->sinks.arg);
		u = undo_script_of(&engine->plan->entries[i], undo, nundo);
		if (u == NULL)
			continue;
		info_row_available(u, &row);
		if (engine->sinks.info)
			engine->sinks.info(&row, engine->sinks.arg);
	}
	if (run_callbacks(engine, "afterInfo", false, NULL))
		return true;
failed:
	run_failure_callbacks(engine, "afterInfoError");
	return false;
}

/*
 * engine_validate
 *		"flyway validate": every problem is one error; otherwise the number of
 *		migrations validated.
 */
bool
engine_validate(Engine *engine, int *validated)
{
	if (!prepare_run(engine, PREPARE_NO_LOCK, false, true))
		return false;
	if (!run_callbacks(engine, "beforeValidate", false, NULL))
		return false;
	if (!prepare_check_plan(engine, "validate") ||
		!run_callbacks(engine, "afterValidate", false, NULL))
	{
		run_failure_callbacks(engine, "afterValidateError");
		return false;
	}
	*validated = engine->plan->nentries;
	return true;
}

/*
 * engine_migrate_needed
 *		Pending scripts, or callbacks (Flyway runs beforeMigrate and the rest
 *		on every migrate, even a no-op); validation errors as migrate gives
 *		them.  Without a history table a migrate creates one: needed.
 */
bool
engine_migrate_needed(Engine *engine, bool *needed)
{
	*needed = true;
	if (!prepare_locate_history(engine))
		return false;
	if (!engine->history.exists)
		return true;
	if (!prepare_plan(engine, false) ||
		!(engine->opts.validate_on_migrate ? prepare_check_plan(engine, "validate") :
		  prepare_check_unvalidated(engine)))
		return false;
	*needed = engine->plan->npending > 0 || engine->scripts.ncallbacks > 0;
	return true;
}

/* Baseline refuses a history that holds anything but a SCHEMA marker. */
static bool
check_baseline_allowed(Engine *engine, const MigrationVersion *version, bool *done)
{
	*done = false;
	for (int i = 0; i < engine->nrows; i++)
	{
		AppliedRow *row = engine->rows[i];

		CHECK_FOR_INTERRUPTS();
		if (strcmp(row->type, "BASELINE") == 0)
		{
			if (row->version && version_compare(&row->parsed, version) == 0)
			{
				engine_notice(engine, ENGINE_NOTICE,
							  psprintf("history table %s is already baselined at version %s; nothing to do",
									   engine->history.qualified, row->version), NULL, NULL);
				*done = true;
				return true;
			}
			return engine_fail(engine, SQLSTATE_OBJECT_NOT_IN_PREREQUISITE_STATE, NULL,
							   psprintf("A database is baselined once; %s shows its history.",
										engine->wording->info),
							   "history table %s is already baselined at version %s",
							   engine->history.qualified, row->version ? row->version : "");
		}
		if (strcmp(row->type, "SCHEMA") != 0)
			return engine_fail(engine, SQLSTATE_OBJECT_NOT_IN_PREREQUISITE_STATE, NULL,
							   "Baseline is for a database whose history is empty.",
							   "cannot baseline: history table %s already contains migrations",
							   engine->history.qualified);
	}
	return true;
}

/* The history table created (with the missing schemas and their SCHEMA marker), or its rows read. */
static bool
baseline_history(Engine *engine)
{
	Executor   *ex = engine->ex;
	HistoryTableRef *history = &engine->history;
	bool		created_schemas = false;

	engine->nrows = 0;
	if (history->exists)
		return ex->ops->history_read(ex, history, &engine->rows, &engine->nrows, &engine->error);
	return prepare_create_history(engine, &created_schemas);
}

/*
 * The scripts are read for the callbacks of a command that runs no
 * migration (baseline, clean).  Flyway's baseline and clean do not
 * resolve the migrations, so a script they do not need (an undefined
 * placeholder in a repeatable, say) does not stop them: then no callback
 * runs, and a WARNING says why.  A callback of an event that never happens
 * is still an error.
 */
bool
read_command_callbacks(Engine *engine, const char *command, const char *events)
{
	MigrateError own;

	if (prepare_scripts(engine))
		return true;
	/* in the caller's transaction nothing runs after the server's own error */
	if (strcmp(engine->error.sqlstate, SQLSTATE_FEATURE_NOT_SUPPORTED) == 0 ||
		(engine->ex->ops->caller_transaction && !engine->refused))
		return false;
	own = engine->error;
	engine->scripts.ncallbacks = 0;
	engine->refused = false;
	migrate_error_clear(&engine->error);
	engine_notice(engine, ENGINE_WARNING,
				  psprintf("the %s callbacks were not run: %s", command,
						   own.message ? own.message : ""),
				  own.detail,
				  psprintf("Fix the scripts for the callbacks (%s) to run; the %s itself does not need them.",
						   events, command));
	return true;
}

/*
 * engine_baseline
 *		"flyway baseline": record the current state of a database that was
 *		not built by migrations as the given version.
 */
bool
engine_baseline(Engine *engine, const char *version, const char *description)
{
	Executor   *ex = engine->ex;
	MigrationVersion parsed;
	HistoryChange change;
	char	   *why = NULL;
	bool		done = false;
	int			rank = 0;
	bool		ok;

	version = version ? version : engine->opts.baseline_version;
	description = description ? description : engine->opts.baseline_description;
	if (!version_parse(version, &parsed, &why) || !version_fits_history(version, &why))
		return engine_fail(engine, SQLSTATE_INVALID_PARAMETER_VALUE, why, NULL,
						   "invalid baseline version \"%s\"", version);

	memset(&change, 0, sizeof(change));
	change.kind = HISTORY_INSERT;
	change.version = version;
	change.description = description;
	change.type = "BASELINE";
	change.script = description;
	change.checksum_null = true;
	change.success = true;

	ok = prepare_locate_history(engine) && ex->ops->lock(ex, &engine->history, engine->opts.lock_retry_count, &engine->error);
	engine->locked = ok;
	change.installed_by = engine->opts.installed_by;
	ok = ok && ex->ops->history_probe(ex, &engine->history, &engine->error) &&
		read_command_callbacks(engine, "baseline", "beforeBaseline, afterBaseline");
	if (ok)
	{
		ok = run_callbacks(engine, "beforeBaseline", false, NULL) &&
			(engine->history.schema_exists || run_create_schema_callbacks(engine)) &&
			ex->ops->begin(ex, &engine->error) &&
			baseline_history(engine) &&
			check_baseline_allowed(engine, &parsed, &done) &&
			(done || ex->ops->history_change(ex, &engine->history, &change, &rank, &engine->error)) &&
			ex->ops->commit(ex, &engine->error);
		if (!ok && !ex->ops->caller_transaction)
			ex->ops->rollback(ex);
		ok = ok && run_callbacks(engine, "afterBaseline", false, NULL);
		if (!ok)
			run_failure_callbacks(engine, "afterBaselineError");
	}
	engine_unlock(engine);
	if (ok && !done && engine->sinks.baselined)
		engine->sinks.baselined(rank, version, description, engine->sinks.arg);
	return ok;
}

/* One repair action on the history table. */
static bool
repair_one(Engine *engine, const RepairAction *a)
{
	const AppliedRow *row = a->row;
	HistoryChange change;
	const char *done;

	memset(&change, 0, sizeof(change));
	change.installed_rank = row->installed_rank;
	switch (a->action)
	{
		case REPAIR_DELETE_FAILED:
			change.kind = HISTORY_DELETE;
			done = "removed failed";
			break;
		case REPAIR_MARK_DELETED:
			change.kind = HISTORY_INSERT;
			change.version = row->version;
			change.description = row->description;
			change.type = "DELETE";
			change.script = row->script;
			change.checksum_null = row->checksum_null;
			change.checksum = row->checksum;
			change.installed_by = engine->opts.installed_by;
			change.success = row->success;
			done = "marked deleted";
			break;
		case REPAIR_REALIGN:
		default:
			change.kind = HISTORY_REALIGN;
			change.description = a->script->description;
			change.type = row->type;
			if (strcmp(row->type, "SQL") == 0 || strcmp(row->type, "SQL_BASELINE") == 0)
				change.type = script_type(a->script);
			change.checksum = a->script->checksum;
			done = "realigned";
			break;
	}
	if (!engine->ex->ops->history_change(engine->ex, &engine->history, &change, NULL,
										 &engine->error))
		return false;
	if (engine->sinks.repaired)
		engine->sinks.repaired(done, row, engine->sinks.arg);
	return true;
}

/*
 * engine_repair
 *		"flyway repair": remove failed rows, mark missing migrations deleted,
 *		realign checksums and descriptions to the scripts; in one transaction.
 */
bool
engine_repair(Engine *engine)
{
	Executor   *ex = engine->ex;
	RepairAction *actions;
	int			nactions = 0;
	bool		ok;

	if (!prepare_locate_history(engine))
		return false;
	if (!engine->history.exists)
	{
		engine_notice(engine, ENGINE_NOTICE,
					  psprintf("history table %s does not exist; nothing to repair",
							   engine->history.qualified), NULL, NULL);
		return true;
	}
	ok = ex->ops->lock(ex, &engine->history, engine->opts.lock_retry_count, &engine->error);
	engine->locked = ok;
	ok = ok && prepare_plan(engine, false);
	if (ok)
	{
		ok = run_callbacks(engine, "beforeRepair", false, NULL) &&
			ex->ops->begin(ex, &engine->error);
		actions = ok ? plan_repair(engine->plan, &nactions) : NULL;
		for (int i = 0; ok && i < nactions; i++)
		{
			CHECK_FOR_INTERRUPTS();
			ok = repair_one(engine, &actions[i]);
		}
		ok = ok && ex->ops->commit(ex, &engine->error);
		if (!ok && !ex->ops->caller_transaction)
			ex->ops->rollback(ex);
		ok = ok && run_callbacks(engine, "afterRepair", false, NULL);
		if (!ok)
			run_failure_callbacks(engine, "afterRepairError");
	}
	engine_unlock(engine);
	return ok;
}
