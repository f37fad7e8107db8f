/*-------------------------------------------------------------------------
 *
 * statements.c
 *	  Running a script's statements through the executor, and, when one
 *	  fails, the error reworded to name the script, its line and the
 *	  statement.  Migrations (run.c) and callbacks (callbacks.c) share it.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include "mb/pg_wchar.h"

#include "engine_internal.h"
#include "interrupts.h"

/* The longest statement text an error quotes. */
#define QUOTED_STATEMENT_BYTES 300

/*
 * run_script_new
 *		executeInTransaction in a script's .conf file decides over what its
 *		statements would need, as Flyway lets it (and the run then skips the
 *		mixed check for it).
 */
RunScript *
run_script_new(const ResolvedScript *script, const char *text, size_t len, int nstatements,
			   bool all_transactional)
{
	RunScript  *run = palloc0(sizeof(RunScript));

	run->script = script;
	run->text = text;
	run->len = len;
	run->statements = palloc0(sizeof(RunStatement) * (nstatements + 1));
	run->transactional = all_transactional;
	if (script->execute_in_transaction >= 0)
	{
		run->transactional = script->execute_in_transaction == 1;
		run->transaction_set_by_conf = true;
	}
	return run;
}

void
run_script_free(RunScript *run)
{
	pfree(run->statements);
	pfree(run);
}

const char *
script_noun(const ResolvedScript *script)
{
	return script->kind == SCRIPT_CALLBACK ? "callback" :
		script->kind == SCRIPT_UNDO ? "undo script" : "migration";
}

char *
statement_text(const RunScript *script, const RunStatement *stmt)
{
	return pnstrdup(script->text + stmt->location, stmt->length);
}

/* At most QUOTED_STATEMENT_BYTES, cut at a character boundary. */
static char *
clip_statement(char *text)
{
	size_t		len = strlen(text);
	int			keep;

	if (len <= QUOTED_STATEMENT_BYTES)
		return text;
#ifdef FRONTEND
	/*
	 * The command's text is UTF-8 (libpgcommon has no mbcliplen): cut before
	 * the character the limit falls in.
	 */
	keep = QUOTED_STATEMENT_BYTES;
	while (keep > 0 && ((unsigned char) text[keep] & 0xC0) == 0x80)
		keep--;
#else
	keep = pg_mbcliplen(text, len, QUOTED_STATEMENT_BYTES);
#endif
	return psprintf("%s...", pnstrdup(text, keep));
}

char *
engine_mask(Engine *engine, const char *text)
{
	return placeholders_mask_secrets(&engine->placeholders, text);
}

/* The byte offset in the script of a character position (1-based) in a statement. */
static size_t
offset_of_position(const RunScript *script, const RunStatement *stmt, int position)
{
	size_t		pos = stmt->location;
	size_t		end = stmt->location + stmt->length;

	for (int i = 1; i < position && pos < end; i++)
	{
		if ((i % INTERRUPT_CHECK_BYTES) == 0)
			CHECK_FOR_INTERRUPTS();
#ifdef FRONTEND
		pos += pg_utf_mblen((const unsigned char *) script->text + pos);
#else
		pos += pg_mblen(script->text + pos);
#endif
	}
	return pos;
}

/*
 * A server's message can quote the statement where it failed ("syntax error
 * at or near "cd""): when that is inside a secret value that broke the
 * statement, the piece quoted is not the whole value, so it is masked here.
 */
static char *
mask_at_position(Engine *engine, const ScriptFailure *failure, const char *message)
{
	const RunScript *script = failure->script;

	if (failure->statement == NULL || engine->error.position <= 0)
		return pstrdup(message);
	return placeholders_mask_secret_at(&engine->placeholders, script->text, script->len,
									   offset_of_position(script, failure->statement,
														  engine->error.position),
									   message);
}

/*
 * blame_script
 *		Reword the statement's error in engine->error to name the script, the
 *		line and the statement, keeping the server's SQLSTATE, message and
 *		context; the server's own hint first, then what to do next.
 */
void
blame_script(Engine *engine, const ScriptFailure *failure, const char *hint)
{
	MigrateError *err = &engine->error;
	const ResolvedScript *script = failure->script->script;
	const RunStatement *stmt = failure->statement;
	char	   *message = engine_mask(engine, mask_at_position(engine, failure,
														err->message ? err->message : ""));
	char	   *detail = engine_mask(engine, err->detail);
	char	   *context = engine_mask(engine, err->context);
	char	   *sqlstate = pstrdup(err->sqlstate);
	char	   *full_hint = err->hint ? psprintf("%s\n%s", engine_mask(engine, err->hint), hint) :
		pstrdup(hint);
	int			line = err->line > 0 ? err->line : (stmt ? stmt->line : 1);

	if (stmt == NULL)
		migrate_error_set(err, sqlstate,
						  psprintf("%s %s failed after its statements ran: %s",
								   script_noun(script), script->script, message),
						  detail, full_hint);
	else
	{
		char	   *text = clip_statement(engine_mask(engine, statement_text(failure->script, stmt)));

		migrate_error_set(err, sqlstate,
						  psprintf("%s %s failed at line %d: %s",
								   script_noun(script), script->script, line, message),
						  detail ?
						  psprintf("%s\nSQLSTATE %s in statement: %s", detail, sqlstate, text) :
						  psprintf("SQLSTATE %s in statement: %s", sqlstate, text),
						  full_hint);
	}
	err->context = context;
	err->line = line;
}

/*
 * The callbacks of a statement event, loaded once per script: they run
 * around each of its statements, in its transaction, as Flyway runs them.
 */
typedef struct StatementCallbacks
{
	RunScript **runs;
	int			count;
} StatementCallbacks;

static bool
load_statement_callbacks(Engine *engine, const char *event, StatementCallbacks *cbs)
{
	ResolvedScript **found = callbacks_of(engine, event, &cbs->count);

	cbs->runs = palloc(sizeof(RunScript *) * (cbs->count + 1));
	for (int i = 0; i < cbs->count; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (!engine->ex->ops->load_script(engine->ex, found[i], &engine->placeholders,
										  &cbs->runs[i], &engine->error) ||
			!check_callback_for_caller(engine, cbs->runs[i]))
			return false;
	}
	pfree(found);
	return true;
}

/* Their statements, in the migration's transaction (the migration reports a failure). */
static bool
run_statement_callbacks(Engine *engine, StatementCallbacks *cbs, bool in_block,
						ScriptFailure *failure)
{
	for (int i = 0; i < cbs->count; i++)
	{
		RunScript  *run = cbs->runs[i];

		CHECK_FOR_INTERRUPTS();
		failure->script = run;
		for (int j = 0; j < run->nstatements; j++)
		{
			CHECK_FOR_INTERRUPTS();
			failure->statement = &run->statements[j];
			if (!engine->ex->ops->run_statement(engine->ex, run, &run->statements[j],
												&engine->error))
				return false;
		}
	}
	return true;
}

/*
 * run_script_statements
 *		Run a loaded script's statements.  in_block: the script runs in a
 *		transaction block; if its own COMMIT ends it, a new one begins, as
 *		Flyway's JDBC connection with autocommit off does.
 */
bool
run_script_statements(Engine *engine, RunScript *script, bool in_block, ScriptFailure *failure)
{
	Executor   *ex = engine->ex;
	const ResolvedScript *rs = script->script;
	bool		undo = rs->kind == SCRIPT_UNDO;
	StatementCallbacks before;
	StatementCallbacks after;

	/* a callback's statements have no statement callbacks */
	memset(&before, 0, sizeof(before));
	memset(&after, 0, sizeof(after));
	if (rs->kind != SCRIPT_CALLBACK &&
		(!load_statement_callbacks(engine, undo ? "beforeEachUndoStatement" :
								   "beforeEachMigrateStatement", &before) ||
		 !load_statement_callbacks(engine, undo ? "afterEachUndoStatement" :
								   "afterEachMigrateStatement", &after)))
	{
		failure->script = NULL; /* not a statement's error: reported as it is */
		return false;
	}
	for (int i = 0; i < script->nstatements; i++)
	{
		RunStatement *stmt = &script->statements[i];

		CHECK_FOR_INTERRUPTS();
		if (!run_statement_callbacks(engine, &before, in_block, failure))
			return false;
		failure->script = script;
		failure->statement = stmt;
		if (!ex->ops->run_statement(ex, script, stmt, &engine->error))
			return false;
		if (stmt->commits_work)
			script->committed_line = stmt->line;
		if (in_block && !ex->ops->in_block(ex) && !ex->ops->begin(ex, &engine->error))
			return false;
		if (!run_statement_callbacks(engine, &after, in_block, failure))
			return false;
	}
	failure->script = script;
	failure->statement = NULL;
	return true;
}

