/*-------------------------------------------------------------------------
 *
 * recording.c
 *	  The dry run: an executor that records what it is asked to run instead
 *	  of running it, wrapped around a real one that answers the reads
 *	  (session, scripts, history).  engine_plan() runs migrate or undo
 *	  through it, so the plan lists exactly what the run would run, the
 *	  callbacks included, and refuses what the run would refuse.
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

typedef struct RecordingExecutor
{
	Executor	base;
	Executor   *inner;			/* answers the reads */
	Engine	   *engine;			/* for its placeholders (secrets are masked) */
	int			seq;
	bool		in_block;
	bool		created;		/* the history table is "created": no rows to read */
	int			next_rank;		/* what the next INSERT's installed_rank would be */
	char	   *lock_sql;		/* the lock, shown only once something follows it */
	const char *current_script; /* loaded or run last: a BEGIN is for it */
	const char *block_script;	/* whose transaction block is open */
} RecordingExecutor;

static void
emit(RecordingExecutor *rec, const char *script, int line, const char *sql)
{
	Engine	   *engine = rec->engine;

	if (engine->sinks.planned)
		engine->sinks.planned(++rec->seq, script, line, sql, engine->sinks.arg);
}

/*
 * A run that would do nothing under the lock (nothing pending, no
 * callbacks) shows nothing: the lock is shown when something follows it.
 */
static void
record(RecordingExecutor *rec, const char *script, int line, const char *sql)
{
	if (rec->lock_sql != NULL)
	{
		emit(rec, NULL, 0, rec->lock_sql);
		rec->lock_sql = NULL;
	}
	emit(rec, script, line, sql);
}

static bool
rec_session_facts(Executor *ex, SessionFacts *facts, MigrateError *err)
{
	Executor   *inner = ((RecordingExecutor *) ex)->inner;

	return inner->ops->session_facts(inner, facts, err);
}

static bool
rec_find_scripts(Executor *ex, const ScriptNaming *naming, PlaceholderSet *placeholders,
				 FoundScripts *found, MigrateError *err)
{
	Executor   *inner = ((RecordingExecutor *) ex)->inner;

	return inner->ops->find_scripts(inner, naming, placeholders, found, err);
}

static bool
rec_load_script(Executor *ex, const ResolvedScript *script, PlaceholderSet *placeholders,
				RunScript **loaded, MigrateError *err)
{
	RecordingExecutor *rec = (RecordingExecutor *) ex;

	if (!rec->inner->ops->load_script(rec->inner, script, placeholders, loaded, err))
		return false;
	rec->current_script = script->script;
	return true;
}

static bool
rec_lock(Executor *ex, const HistoryTableRef *history, int retry_count, MigrateError *err)
{
	((RecordingExecutor *) ex)->lock_sql = history_sql_lock(history);
	return true;
}

static void
rec_unlock(Executor *ex, const HistoryTableRef *history)
{
	RecordingExecutor *rec = (RecordingExecutor *) ex;

	if (rec->lock_sql != NULL)
		rec->lock_sql = NULL;	/* nothing ran under it */
	else
		record(rec, NULL, 0, history_sql_unlock(history));
}

static bool
rec_begin(Executor *ex, MigrateError *err)
{
	RecordingExecutor *rec = (RecordingExecutor *) ex;

	/* a script's transaction (not the history table's creation) shows its name */
	rec->block_script = rec->current_script;
	record(rec, rec->block_script, 0, "BEGIN");
	rec->in_block = true;
	return true;
}

static bool
rec_commit(Executor *ex, MigrateError *err)
{
	RecordingExecutor *rec = (RecordingExecutor *) ex;

	record(rec, rec->block_script, 0, "COMMIT");
	rec->block_script = NULL;
	rec->in_block = false;
	return true;
}

static void
rec_rollback(Executor *ex)
{
	((RecordingExecutor *) ex)->in_block = false;
}

static bool
rec_in_block(Executor *ex)
{
	return ((RecordingExecutor *) ex)->in_block;
}

/* A statement as the run would send it; COPY data follows, ended by \. */
static bool
rec_run_statement(Executor *ex, RunScript *script, RunStatement *stmt, MigrateError *err)
{
	RecordingExecutor *rec = (RecordingExecutor *) ex;
	char	   *sql = pnstrdup(script->text + stmt->location, stmt->length);

	/* a block its own COMMIT ended opens again for it */
	rec->current_script = script->script->script;

	if (stmt->copy_data)
		sql = psprintf("%s;\n%.*s%s\\.", sql, stmt->copy_len, stmt->copy_data,
					   stmt->copy_len > 0 && stmt->copy_data[stmt->copy_len - 1] != '\n' ? "\n" : "");
	/* a dry run's output is read and kept: secrets show as *** */
	record(rec, script->script->script, stmt->line,
		   placeholders_mask_secrets(&rec->engine->placeholders, sql));
	if (stmt->ends_block)
		rec->in_block = false;
	else if (stmt->transaction_control)
		rec->in_block = true;
	return true;
}

static bool
rec_restore_session(Executor *ex, MigrateError *err)
{
	return true;
}

static bool
rec_history_probe(Executor *ex, HistoryTableRef *history, MigrateError *err)
{
	RecordingExecutor *rec = (RecordingExecutor *) ex;

	if (rec->created)
		return true;
	return rec->inner->ops->history_probe(rec->inner, history, err);
}

static bool
rec_history_schema_is_empty(Executor *ex, const HistoryTableRef *history, bool *empty,
							MigrateError *err)
{
	Executor   *inner = ((RecordingExecutor *) ex)->inner;

	return inner->ops->history_schema_is_empty(inner, history, empty, err);
}

static bool
rec_history_create(Executor *ex, HistoryTableRef *history, char *const *schemas, int nschemas,
				   MigrateError *err)
{
	RecordingExecutor *rec = (RecordingExecutor *) ex;
	char	  **stmts;
	int			n = history_sql_create(history, schemas, nschemas, &stmts);

	for (int i = 0; i < n; i++)
		record(rec, NULL, 0, stmts[i]);
	rec->created = true;
	rec->next_rank = nschemas > 0 ? 0 : 1;
	return true;
}

static bool
rec_history_read(Executor *ex, const HistoryTableRef *history, AppliedRow ***rows, int *nrows,
				 MigrateError *err)
{
	RecordingExecutor *rec = (RecordingExecutor *) ex;

	*rows = NULL;
	*nrows = 0;
	if (rec->created)
		return true;
	if (!rec->inner->ops->history_read(rec->inner, history, rows, nrows, err))
		return false;
	for (int i = 0; i < *nrows; i++)
	{
		CHECK_FOR_INTERRUPTS();
		rec->next_rank = Max(rec->next_rank, (*rows)[i]->installed_rank + 1);
	}
	return true;
}

/* execution_time is measured when the run runs: the plan shows 0. */
static bool
rec_history_change(Executor *ex, const HistoryTableRef *history, const HistoryChange *change,
				   int *rank, MigrateError *err)
{
	RecordingExecutor *rec = (RecordingExecutor *) ex;
	HistoryChange shown = *change;
	int			this_rank = rec->next_rank;

	shown.execution_time = 0;
	if (change->kind == HISTORY_INSERT)
		rec->next_rank++;
	record(rec, change->type && strcmp(change->type, "SCHEMA") == 0 ? NULL : change->script, 0,
		   history_sql_change_literal(history, &shown, this_rank));
	if (rank)
		*rank = this_rank;
	return true;
}

static const ExecutorOps recording_ops = {
	.name = "dry run",
	.caller_transaction = false,
	.session_facts = rec_session_facts,
	.find_scripts = rec_find_scripts,
	.load_script = rec_load_script,
	.lock = rec_lock,
	.unlock = rec_unlock,
	.begin = rec_begin,
	.commit = rec_commit,
	.rollback = rec_rollback,
	.in_block = rec_in_block,
	.run_statement = rec_run_statement,
	.restore_session = rec_restore_session,
	.history_probe = rec_history_probe,
	.history_schema_is_empty = rec_history_schema_is_empty,
	.history_create = rec_history_create,
	.history_read = rec_history_read,
	.history_change = rec_history_change,
};

/*
 * engine_plan
 *		Run migrate (or undo) through the recording executor.  It takes no
 *		lock and writes nothing, and reports nothing as applied or undone
 *		(no progress notices, no results): the plan's lines are its output.
 */
bool
engine_plan(Engine *engine, bool undo)
{
	RecordingExecutor rec;
	Executor   *real = engine->ex;
	bool		ok;

	memset(&rec, 0, sizeof(rec));
	rec.base.ops = &recording_ops;
	rec.inner = real;
	rec.engine = engine;
	rec.next_rank = 1;
	engine->ex = &rec.base;
	engine->dry_run = true;
	ok = undo ? engine_undo(engine) : engine_migrate(engine);
	engine->dry_run = false;
	engine->ex = real;
	return ok;
}
