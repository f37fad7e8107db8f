/*-------------------------------------------------------------------------
 *
 * executor_server.c
 *	  The engine's executors inside the server (executor.h): what runs the
 *	  SQL of a run when the extension runs it.
 *
 * Two modes share these operations:
 *
 *	  top level		in the apply worker, outside any transaction between
 *					operations.  Transactions follow a client's model:
 *					begin() opens a transaction block, and outside one each
 *					statement and history change commits by itself.  The
 *					advisory lock is held at session level for the run.  An
 *					error is rolled back (AbortOutOfAnyTransaction) and
 *					returned; the executor is usable again at once.
 *
 *	  caller's		through SPI inside the transaction of the function's
 *	  transaction	caller (single_transaction, validate, info, baseline,
 *					repair, the dry run's reads).  begin() and commit() do
 *					nothing and the lock is transaction-level.  An error
 *					cannot be survived without a subtransaction: it is
 *					returned, the executor refuses everything after it, and
 *					the caller raises it (which aborts the transaction).
 *
 * Statements are split and run by script.c, the history table is read and
 * written by history.c (as the table's owner), scripts are found and read
 * by locations.c; this file wraps them in transactions and turns their
 * errors into MigrateErrors.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "catalog/pg_authid.h"
#include "commands/dbcommands.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "tcop/tcopprot.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timeout.h"
#include "utils/timestamp.h"

#include "executor_server.h"
#include "pg_migrate.h"
#include "reentry.h"
#include "session_state.h"

#if PG_VERSION_NUM < 140000
#define ROLE_PG_READ_ALL_SETTINGS DEFAULT_ROLE_READ_ALL_SETTINGS
#endif

typedef struct ServerExecutor
{
	Executor	base;
	MemoryContext cxt;			/* where it lives: outlives the run */
	MemoryContext script_cxt;	/* the scripts loaded for one migration */
	SessionState *session;		/* what each script starts from */
	HistoryTable *locked;		/* top level: whose lock the session holds */
	bool		failed;			/* caller's transaction: an error was caught */
	MigrateError failure;		/* that error, returned by every later call */
	bool		any_error;		/* an operation failed (the run reports the first) */
	char	   *failed_statement;	/* top level: the first error's statement, masked */
} ServerExecutor;

/* What an operation needs around its work. */
typedef enum WorkNeeds
{
	WORK_PLAIN = 0,				/* a transaction (at top level) */
	WORK_SPI = 1,				/* and SPI, with a snapshot */
	WORK_OWN = 2				/* nothing: the work opens what it needs */
} WorkNeeds;

/*
 * The arguments of an operation, for its work function (each operation
 * fills in its own).
 */
typedef struct OpArgs
{
	SessionFacts *facts;
	const ScriptNaming *naming; /* find_scripts: how scripts are named */
	PlaceholderSet *placeholders;
	FoundScripts *found;
	const ResolvedScript *script;
	RunScript **loaded;
	ParsedScript *parsed;		/* run_statement: the statement's script */
	ScriptStatement *stmt;		/* and the statement (its error blames it) */
	const HistoryTableRef *history;
	HistoryTableRef *probed;	/* history_probe: the table it looks for */
	int			retry_count;	/* lock: Flyway's lockRetryCount */
	bool		taken;			/* lock: whether it was */
	char	   *holders;		/* lock: who held it when not taken */
	char	   *const *schemas; /* history_create: those to create */
	int			nschemas;
	bool	   *empty;
	AppliedRow ***rows;
	int		   *nrows;
	const HistoryChange *change;
	int			rank;			/* history_change: the row's installed_rank */
	const char *sql;			/* catalog_read, run_sql */
	int			nparams;
	const char *const *params;
	char	  **values;			/* catalog_read: the rows, as texts */
	int			ncols;
} OpArgs;

/* An operation's work, run by guarded_call() between work_start and work_end. */
typedef void (*OpWork) (ServerExecutor *ex, OpArgs *args);

static inline bool
in_caller_transaction(ServerExecutor *ex)
{
	return ex->base.ops->caller_transaction;
}

/*
 * Start an operation's work: at top level in a transaction of its own (or
 * in the open transaction block, which then continues), in the caller's
 * transaction as it is.  Work allocates in cxt, the engine's context.
 */
static void
work_start(ServerExecutor *ex, MemoryContext cxt, WorkNeeds needs)
{
	if (needs == WORK_OWN)
		return;
	if (!in_caller_transaction(ex))
	{
		SetCurrentStatementStartTimestamp();
		StartTransactionCommand();
		if (needs == WORK_SPI)
			PushActiveSnapshot(GetTransactionSnapshot());
	}
	if (needs == WORK_SPI && SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	MemoryContextSwitchTo(cxt);
}

static void
work_end(ServerExecutor *ex, MemoryContext cxt, WorkNeeds needs)
{
	if (needs == WORK_SPI)
		SPI_finish();
	if (needs != WORK_OWN && !in_caller_transaction(ex))
	{
		if (needs == WORK_SPI)
			PopActiveSnapshot();
		CommitTransactionCommand();
	}
	MemoryContextSwitchTo(cxt);
}

/* A refusal after a failure in the caller's transaction: the same error again. */
static bool
refuse_after_failure(ServerExecutor *ex, MigrateError *err)
{
	if (!ex->failed)
		return false;
	*err = ex->failure;
	return true;
}

/*
 * Turn the error being handled (in PG_CATCH) into *err, and leave the
 * executor in a state to go on: at top level out of any transaction, in the
 * caller's transaction marked failed.  For a statement's error (parsed and
 * stmt given), err->line is the script line it blames: a bad COPY row, the
 * cursor position, or the position in the statement; the server's texts
 * are masked where they could quote a secret.
 */
static void
catch_error(ServerExecutor *ex, MemoryContext cxt, MigrateError *err,
			ParsedScript *parsed, ScriptStatement *stmt)
{
	ErrorData  *edata;
	int			line = 0;

	HOLD_INTERRUPTS();
	MemoryContextSwitchTo(cxt);
	edata = CopyErrorData();
	FlushErrorState();
	script_current_script = NULL;
	script_current_statement = NULL;
	if (!in_caller_transaction(ex))
	{
		debug_query_string = NULL;
		if (get_timeout_active(STATEMENT_TIMEOUT))
			disable_timeout(STATEMENT_TIMEOUT, false);
		AbortOutOfAnyTransaction();
	}
	RESUME_INTERRUPTS();
	MemoryContextSwitchTo(cxt);

	if (stmt != NULL)
	{
		line = script_error_line(edata, parsed, stmt);
		/* the server log shows it with the run's error, as a client's statement */
		if (!ex->any_error && !in_caller_transaction(ex))
			ex->failed_statement =
				MemoryContextStrdup(ex->cxt,
									script_mask_secrets(pnstrdup(parsed->text + stmt->location,
																 stmt->length)));
	}
	ex->any_error = true;
	migrate_error_set(err, unpack_sql_state(edata->sqlerrcode),
					  edata->message ? edata->message : "", edata->detail, edata->hint);
	err->context = edata->context ? pstrdup(edata->context) : NULL;
	err->line = line;
	err->position = 0;			/* the line says where already */
	FreeErrorData(edata);

	if (in_caller_transaction(ex))
	{
		MemoryContext oldcxt = MemoryContextSwitchTo(ex->cxt);

		ex->failed = true;
		migrate_error_set(&ex->failure, err->sqlstate, err->message, err->detail, err->hint);
		ex->failure.context = err->context ? pstrdup(err->context) : NULL;
		ex->failure.line = err->line;
		MemoryContextSwitchTo(oldcxt);
	}
}

/*
 * guarded_call
 *		Run an operation's work: refused after a failure in the caller's
 *		transaction, else in what it needs (work_start), its error caught
 *		into *err (blaming args->stmt, when given) so that the executor can
 *		go on.  The work allocates in the caller's context.
 */
static bool
guarded_call(ServerExecutor *ex, WorkNeeds needs, OpWork work, OpArgs *args, MigrateError *err)
{
	MemoryContext cxt = CurrentMemoryContext;
	volatile bool ok = false;

	if (refuse_after_failure(ex, err))
		return false;
	PG_TRY();
	{
		work_start(ex, cxt, needs);
		work(ex, args);
		work_end(ex, cxt, needs);
		ok = true;
	}
	PG_CATCH();
	{
		catch_error(ex, cxt, err, args->parsed, args->stmt);
	}
	PG_END_TRY();
	return ok;
}

/* history.c's view of the engine's history table, in the current context. */
static HistoryTable *
history_of(const HistoryTableRef *ref)
{
	HistoryTable *history = palloc0(sizeof(HistoryTable));

	history->schema = ref->schema;
	history->table = ref->table;
	history->qualified = ref->qualified;
	history->lock_key = ref->lock_key;
	history->tablespace = ref->tablespace;
	history->exists = ref->exists;
	history->schema_exists = ref->schema_exists;
	history->mcxt = CurrentMemoryContext;
	return history;
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

/*
 * Flyway's ${flyway:workingDirectory}: in the server, the directory a
 * relative file name in a script resolves against (COPY ... FROM 'file',
 * pg_read_file()), the data directory.  Only for a role that may read
 * data_directory; for others none, and a script that uses it is refused.
 */
static char *
server_working_directory(void)
{
	if (!has_privs_of_role(GetUserId(), ROLE_PG_READ_ALL_SETTINGS))
		return NULL;
	return pstrdup(DataDir);
}

static void
session_facts_work(ServerExecutor *ex, OpArgs *args)
{
	SessionFacts *facts = args->facts;
	List	   *path;

	memset(facts, 0, sizeof(SessionFacts));
	facts->user = pstrdup(GetUserNameFromId(GetUserId(), false));
	facts->database = get_database_name(MyDatabaseId);
	/* Flyway's default schema: the first one on the search_path that exists */
	path = fetch_search_path(false);
	facts->current_schema = path != NIL ? get_namespace_name(linitial_oid(path)) : NULL;
	facts->timestamp = flyway_timestamp();
	facts->working_directory = server_working_directory();
}

static bool
server_session_facts(Executor *exec, SessionFacts *facts, MigrateError *err)
{
	OpArgs		args = {.facts = facts};

	return guarded_call((ServerExecutor *) exec, WORK_PLAIN, session_facts_work, &args, err);
}

/* The lists of locations.c as the engine's arrays, in the current context. */
static void
found_from_script_set(const ScriptSet *set, FoundScripts *found)
{
	ListCell   *lc;
	int			i;

	memset(found, 0, sizeof(FoundScripts));
	found->scripts = set->scripts;
	found->nscripts = set->nscripts;
	found->callbacks = palloc(sizeof(ResolvedScript *) * (list_length(set->callbacks) + 1));
	foreach(lc, set->callbacks)
	{
		CHECK_FOR_INTERRUPTS();
		found->callbacks[found->ncallbacks++] = lfirst(lc);
	}
	found->invalid_names = palloc(sizeof(char *) * (list_length(set->invalid_names) + 1));
	i = 0;
	foreach(lc, set->invalid_names)
	{
		CHECK_FOR_INTERRUPTS();
		found->invalid_names[i++] = lfirst(lc);
	}
	found->ninvalid = i;
	found->missing_locations = palloc(sizeof(char *) * (list_length(set->missing_locations) + 1));
	foreach(lc, set->missing_locations)
		found->missing_locations[found->nmissing_locations++] = lfirst(lc);
}

static void
find_scripts_work(ServerExecutor *ex, OpArgs *args)
{
	/* values to mask wherever a script's text or a server message shows */
	script_set_secrets(args->placeholders);
	found_from_script_set(locations_resolve(args->naming, args->placeholders), args->found);

	/*
	 * What the apply worker had to read, the next session's call only stats
	 * (the caller's session leaves that to the worker).
	 */
	if (!in_caller_transaction(ex) && !RecoveryInProgress())
		locations_save_checksums();
}

static bool
server_find_scripts(Executor *exec, const ScriptNaming *naming, PlaceholderSet *placeholders,
					FoundScripts *found, MigrateError *err)
{
	OpArgs		args = {.naming = naming, .placeholders = placeholders, .found = found};

	return guarded_call((ServerExecutor *) exec, WORK_SPI, find_scripts_work, &args, err);
}

/* script.c's split as the engine's RunScript; each statement keeps its own. */
static RunScript *
run_script_from_parsed(ParsedScript *parsed)
{
	RunScript  *run = run_script_new(parsed->script, parsed->text, parsed->len,
									 list_length(parsed->statements), parsed->transactional);
	ListCell   *lc;

	run->private = parsed;
	foreach(lc, parsed->statements)
	{
		ScriptStatement *s = lfirst(lc);
		RunStatement *r = &run->statements[run->nstatements++];

		CHECK_FOR_INTERRUPTS();
		r->location = s->location;
		r->length = s->length;
		r->line = s->line;
		r->transactional = s->transactional;
		r->transaction_control = s->is_transaction_control;
		r->commits_work = s->commits_work;
		r->ends_block = s->ends_block;
		r->copy_data = s->copy_data;
		r->copy_len = s->copy_len;
		r->copy_line = s->copy_line;
		r->private = s;
	}
	return run;
}

static void
load_script_work(ServerExecutor *ex, OpArgs *args)
{
	const ResolvedScript *script = args->script;
	char	   *text;
	size_t		len;

	/*
	 * A migration's text and parse trees, and its callbacks', are kept until
	 * the next migration is loaded (the engine is done with them then): a
	 * run of many migrations does not keep them all.
	 */
	if (script->kind != SCRIPT_CALLBACK)
		MemoryContextReset(ex->script_cxt);
	MemoryContextSwitchTo(ex->script_cxt);
	/* a script before this one may have given up the run's lock */
	if (ex->locked != NULL && script->kind != SCRIPT_CALLBACK)
		reentry_verify_run_lock(ex->locked, script->script, false);
	text = locations_script_text(script, args->placeholders, &len);
	*args->loaded = run_script_from_parsed(script_parse(script, text, len));
}

static bool
server_load_script(Executor *exec, const ResolvedScript *script, PlaceholderSet *placeholders,
				   RunScript **loaded, MigrateError *err)
{
	ServerExecutor *ex = (ServerExecutor *) exec;
	OpArgs		args = {.script = script, .placeholders = placeholders, .loaded = loaded};

	if (!guarded_call(ex, WORK_PLAIN, load_script_work, &args, err))
		return false;
	if (!in_caller_transaction(ex))
		pgstat_report_activity(STATE_RUNNING,
							   psprintf(script->kind == SCRIPT_CALLBACK ?
										"pg_migrate: callback %s" : "pg_migrate: applying %s",
										script->script));
	return true;
}

/*
 * Flyway's advisory lock.  At top level it is held at session level across
 * the run's commits (a script that releases it is caught by
 * reentry_verify_run_lock()); in the caller's transaction until it ends.
 * The wait is bounded by pg_migrate.lock_retry_count (history_lock_wait()).
 */
static void
lock_work(ServerExecutor *ex, OpArgs *args)
{
	const HistoryTableRef *history = args->history;

	if (in_caller_transaction(ex))
		args->taken = history_lock_wait(history_of(history), false, args->retry_count);
	else
	{
		MemoryContextSwitchTo(ex->cxt);
		ex->locked = history_of(history);
		ex->locked->schema = pstrdup(history->schema);
		ex->locked->table = pstrdup(history->table);
		ex->locked->qualified = pstrdup(history->qualified);
		args->taken = history_lock_wait(ex->locked, true, args->retry_count);
		if (!args->taken)
			ex->locked = NULL;
	}
}

/* Who holds the lock this run could not take, read through SPI. */
static void
lock_holders_work(ServerExecutor *ex, OpArgs *args)
{
	args->holders = history_lock_holders(history_of(args->history));
}

static bool
server_lock(Executor *exec, const HistoryTableRef *history, int retry_count, MigrateError *err)
{
	ServerExecutor *ex = (ServerExecutor *) exec;
	OpArgs		args = {.history = history, .retry_count = retry_count};

	if (!in_caller_transaction(ex))
		pgstat_report_activity(STATE_RUNNING, "pg_migrate: waiting for the migration lock");
	if (!guarded_call(ex, WORK_PLAIN, lock_work, &args, err))
	{
		ex->locked = NULL;
		return false;
	}
	if (!args.taken)
	{
		if (!guarded_call(ex, WORK_SPI, lock_holders_work, &args, err))
			return false;
		history_lock_wait_error(err, history->qualified, history->lock_key, retry_count,
								args.holders, "pg_migrate.lock_retry_count");
		return false;
	}
	if (!in_caller_transaction(ex))
		pgstat_report_activity(STATE_RUNNING, "pg_migrate: reading scripts and history");
	return true;
}

static void
unlock_work(ServerExecutor *ex, OpArgs *args)
{
	/* a script may have released it (reentry_verify_run_lock() said so) */
	if (history_lock_held_by_me(ex->locked))
		history_unlock_session(ex->locked);
}

static void
server_unlock(Executor *exec, const HistoryTableRef *history)
{
	ServerExecutor *ex = (ServerExecutor *) exec;
	OpArgs		args = {0};
	MigrateError err;

	/* the caller's transaction keeps its lock until it ends */
	if (in_caller_transaction(ex) || ex->locked == NULL)
		return;
	memset(&err, 0, sizeof(err));
	/* the run is over either way; the lock goes with the worker */
	if (!guarded_call(ex, WORK_PLAIN, unlock_work, &args, &err))
		ereport(WARNING,
				(errmsg("could not release the migration lock of %s: %s",
						ex->locked->qualified, err.message)));
	ex->locked = NULL;
	pgstat_report_activity(STATE_IDLE, NULL);
}

/* Open a transaction block at top level, as a client's BEGIN does. */
static void
begin_work(ServerExecutor *ex, OpArgs *args)
{
	/* the caller's transaction is the block already */
	if (!in_caller_transaction(ex))
		BeginTransactionBlock();
}

static bool
server_begin(Executor *exec, MigrateError *err)
{
	OpArgs		args = {0};

	return guarded_call((ServerExecutor *) exec, WORK_PLAIN, begin_work, &args, err);
}

/* Commit the block, as a client's COMMIT does (deferred constraints fire here). */
static void
commit_work(ServerExecutor *ex, OpArgs *args)
{
	/* the caller's transaction is the caller's to commit */
	if (!in_caller_transaction(ex))
		(void) EndTransactionBlock(false);
}

static bool
server_commit(Executor *exec, MigrateError *err)
{
	ServerExecutor *ex = (ServerExecutor *) exec;
	OpArgs		args = {0};

	/* outside a block each statement has committed already */
	if (!in_caller_transaction(ex) && !IsTransactionBlock())
		return true;
	return guarded_call(ex, WORK_PLAIN, commit_work, &args, err);
}

static void
server_rollback(Executor *exec)
{
	ServerExecutor *ex = (ServerExecutor *) exec;
	MemoryContext cxt = CurrentMemoryContext;

	/* the caller's transaction is the caller's to roll back */
	if (in_caller_transaction(ex))
		return;
	AbortOutOfAnyTransaction();
	MemoryContextSwitchTo(cxt);
}

static bool
server_in_block(Executor *exec)
{
	ServerExecutor *ex = (ServerExecutor *) exec;

	/* the caller's transaction is one block, from the first statement to the last */
	if (in_caller_transaction(ex))
		return true;
	return IsTransactionBlock();
}

/*
 * One statement: at top level as a client's statement runs (its own
 * transaction, or the open block's), in the caller's transaction through
 * SPI.  script_current_* name it meanwhile, for reentry.c and for masking
 * what it reports.
 */
static void
run_statement_work(ServerExecutor *ex, OpArgs *args)
{
	script_current_script = args->parsed;
	script_current_statement = args->stmt;
	if (in_caller_transaction(ex))
	{
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		script_execute_spi(args->parsed, args->stmt);
		SPI_finish();
	}
	else
	{
		SetCurrentStatementStartTimestamp();
		StartTransactionCommand();
		script_execute_toplevel(args->parsed, args->stmt);
		CommitTransactionCommand();
	}
	script_current_script = NULL;
	script_current_statement = NULL;
}

static bool
server_run_statement(Executor *exec, RunScript *script, RunStatement *stmt, MigrateError *err)
{
	OpArgs		args = {.parsed = script->private, .stmt = stmt->private};

	return guarded_call((ServerExecutor *) exec, WORK_OWN, run_statement_work, &args, err);
}

/*
 * Before each script: who runs it and the settings it starts from, as the
 * run found them (session_state.c says which and why).
 */
static void
restore_session_work(ServerExecutor *ex, OpArgs *args)
{
	if (ex->session != NULL)
		session_state_restore(ex->session);
}

static bool
server_restore_session(Executor *exec, MigrateError *err)
{
	OpArgs		args = {0};

	return guarded_call((ServerExecutor *) exec, WORK_PLAIN, restore_session_work, &args, err);
}

/*
 * Whether the schema and the table exist.  Something else under the
 * table's name is an error, and so is a temporary schema (its table and
 * the migrations' objects would vanish with the session).
 */
static void
history_probe_work(ServerExecutor *ex, OpArgs *args)
{
	HistoryTable *h = history_of(args->probed);

	history_probe(h);
	args->probed->exists = h->exists;
	args->probed->schema_exists = h->schema_exists;
}

static bool
server_history_probe(Executor *exec, HistoryTableRef *history, MigrateError *err)
{
	OpArgs		args = {.probed = history};

	return guarded_call((ServerExecutor *) exec, WORK_PLAIN, history_probe_work, &args, err);
}

static void
history_schema_is_empty_work(ServerExecutor *ex, OpArgs *args)
{
	*args->empty = history_schema_is_empty(history_of(args->history));
}

static bool
server_history_schema_is_empty(Executor *exec, const HistoryTableRef *history, bool *empty,
							   MigrateError *err)
{
	OpArgs		args = {.history = history, .empty = empty};

	return guarded_call((ServerExecutor *) exec, WORK_SPI, history_schema_is_empty_work,
						&args, err);
}

/*
 * Flyway's DDL, as the session's user (who then owns the table); the engine
 * adds the marker row.
 */
static void
history_create_work(ServerExecutor *ex, OpArgs *args)
{
	history_create(history_of(args->history), args->schemas, args->nschemas);
}

static bool
server_history_create(Executor *exec, HistoryTableRef *history, char *const *schemas,
					  int nschemas, MigrateError *err)
{
	OpArgs		args = {.history = history, .schemas = schemas, .nschemas = nschemas};

	if (!guarded_call((ServerExecutor *) exec, WORK_SPI, history_create_work, &args, err))
		return false;
	history->exists = true;
	history->schema_exists = true;
	return true;
}

static void
history_read_work(ServerExecutor *ex, OpArgs *args)
{
	*args->rows = history_read(history_of(args->history), args->nrows);
}

static bool
server_history_read(Executor *exec, const HistoryTableRef *history, AppliedRow ***rows,
					int *nrows, MigrateError *err)
{
	OpArgs		args = {.history = history, .rows = rows, .nrows = nrows};

	return guarded_call((ServerExecutor *) exec, WORK_SPI, history_read_work, &args, err);
}

/*
 * One change to the history table, as the role the run started with (a
 * script's SET ROLE does not decide whose privileges are checked), through
 * history.c, which writes it as the table's owner.
 */
static void
history_change_work(ServerExecutor *ex, OpArgs *args)
{
	HistoryTable *h = history_of(args->history);

	restore_session_work(ex, args);
	/* a row that says a script ran: the run's lock must still be ours to write it */
	if (ex->locked != NULL && history_change_records_run(args->change))
		reentry_verify_run_lock(ex->locked, args->change->script, true);
	args->rank = history_apply_change(h, args->change);
}

static bool
server_history_change(Executor *exec, const HistoryTableRef *history, const HistoryChange *change,
					  int *rank, MigrateError *err)
{
	OpArgs		args = {.history = history, .change = change};

	if (!guarded_call((ServerExecutor *) exec, WORK_SPI, history_change_work, &args, err))
		return false;
	if (rank != NULL)
		*rank = args.rank;
	return true;
}

/*
 * A catalog read of the engine's own (clean): as the session's user, with
 * a new snapshot (not read-only), so it sees the run's own DROPs.
 */
static void
catalog_read_work(ServerExecutor *ex, OpArgs *args)
{
	MemoryContext cxt = CurrentMemoryContext;
	Oid		   *types = palloc(sizeof(Oid) * (args->nparams + 1));
	Datum	   *values = palloc(sizeof(Datum) * (args->nparams + 1));
	int			rc;

	for (int i = 0; i < args->nparams; i++)
	{
		types[i] = TEXTOID;
		values[i] = CStringGetTextDatum(args->params[i]);
	}
	rc = SPI_execute_with_args(args->sql, args->nparams, types, values, NULL, false, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_with_args failed: %s", SPI_result_code_string(rc));
	/* SPI returns in its own context, freed by SPI_finish(): the rows go to the caller's */
	MemoryContextSwitchTo(cxt);
	*args->nrows = (int) SPI_processed;
	args->ncols = SPI_tuptable->tupdesc->natts;
	args->values = palloc(sizeof(char *) * ((size_t) *args->nrows * args->ncols + 1));
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		CHECK_FOR_INTERRUPTS();
		for (int c = 0; c < args->ncols; c++)
			args->values[r * args->ncols + c] =
				SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, c + 1);
	}
}

static bool
server_catalog_read(Executor *exec, const char *sql, int nparams, const char *const *params,
					char ***values, int *nrows, int *ncols, MigrateError *err)
{
	OpArgs		args = {.sql = sql, .nparams = nparams, .params = params, .nrows = nrows};

	if (!guarded_call((ServerExecutor *) exec, WORK_SPI, catalog_read_work, &args, err))
		return false;
	*values = args.values;
	*ncols = args.ncols;
	return true;
}

/* One statement of the engine's own (a DROP), as the session's user. */
static void
run_sql_work(ServerExecutor *ex, OpArgs *args)
{
	int			rc = SPI_execute(args->sql, false, 0);

	if (rc < 0)
		elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(rc));
}

static bool
server_run_sql(Executor *exec, const char *sql, MigrateError *err)
{
	OpArgs		args = {.sql = sql};

	return guarded_call((ServerExecutor *) exec, WORK_SPI, run_sql_work, &args, err);
}

/* The operations of both modes: in_caller_transaction() tells them apart. */
#define SERVER_OPS \
	.session_facts = server_session_facts, \
	.find_scripts = server_find_scripts, \
	.load_script = server_load_script, \
	.lock = server_lock, \
	.unlock = server_unlock, \
	.begin = server_begin, \
	.commit = server_commit, \
	.rollback = server_rollback, \
	.in_block = server_in_block, \
	.run_statement = server_run_statement, \
	.restore_session = server_restore_session, \
	.history_probe = server_history_probe, \
	.history_schema_is_empty = server_history_schema_is_empty, \
	.history_create = server_history_create, \
	.history_read = server_history_read, \
	.history_change = server_history_change, \
	.catalog_read = server_catalog_read, \
	.run_sql = server_run_sql

static const ExecutorOps toplevel_ops = {
	.name = "apply worker",
	.caller_transaction = false,
	SERVER_OPS
};

static const ExecutorOps caller_ops = {
	.name = "caller's transaction",
	.caller_transaction = true,
	SERVER_OPS
};

/*
 * executor_server_create
 *		An executor for a run at top level (the apply worker) or in the
 *		caller's transaction.  The session state is the one each script and
 *		history write starts from, the history schema first on the
 *		search_path, as Flyway does.
 */
Executor *
executor_server_create(bool caller_transaction)
{
	ServerExecutor *ex = palloc0(sizeof(ServerExecutor));

	ex->base.ops = caller_transaction ? &caller_ops : &toplevel_ops;
	ex->cxt = CurrentMemoryContext;
	ex->script_cxt = AllocSetContextCreate(ex->cxt, "pg_migrate scripts", ALLOCSET_DEFAULT_SIZES);
	ex->session = session_state_remember(ex->cxt, settings_history_schema());
	if (caller_transaction)
		session_state_begin_caller_run(ex->session);
	return &ex->base;
}

void
executor_server_finish(Executor *exec)
{
	ServerExecutor *ex = (ServerExecutor *) exec;

	if (in_caller_transaction(ex) && !ex->failed)
		session_state_restore_caller(ex->session);
}

/*
 * executor_server_raise
 *		Raise the run's error.  At top level the server log's STATEMENT line
 *		is the statement that failed (masked), as for a client's statement.
 */
void
executor_server_raise(Executor *exec, const MigrateError *err)
{
	ServerExecutor *ex = (ServerExecutor *) exec;

	if (!in_caller_transaction(ex) && ex->failed_statement != NULL)
		debug_query_string = ex->failed_statement;
	ereport_migrate_error(err);
}
