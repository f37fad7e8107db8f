/*-------------------------------------------------------------------------
 *
 * executor.h
 *	  What the engine needs from whatever runs its SQL: the executor
 *	  interface.
 *
 * The engine (run.c) decides, in Flyway's order, what to lock, read, run
 * and record; an executor does it.  Three implement this interface:
 *
 *	  backend/executor_server.c   in the server: at top level in the apply
 *	                              worker (a transaction per migration), or
 *	                              through SPI in the caller's transaction
 *	  client/executor_libpq.c     over a libpq connection (the command, the
 *	                              Lambda)
 *	  engine/recording.c          records instead of running: migrate_plan()
 *	                              and "pg_migrate plan" (reads go through to
 *	                              a real executor)
 *
 * Transactions follow a client's model: outside begin()/commit() every
 * statement and history change commits by itself; begin() opens a block
 * that a script's own COMMIT may end (in_block() then says false).
 *
 * Every operation that can fail returns false and fills *err; an error from
 * the server keeps its SQLSTATE and texts.  After a failure the executor is
 * outside any transaction block (the failed one was rolled back), except
 * in the caller's transaction (caller_transaction): nothing may run there
 * after a failure, and the engine returns at once.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_MIGRATE_EXECUTOR_H
#define PG_MIGRATE_EXECUTOR_H

#include "history_sql.h"
#include "migrate_error.h"
#include "placeholders.h"
#include "plan.h"

/* One statement of a script, as its splitter found it. */
typedef struct RunStatement
{
	int			location;		/* byte offset in the script's text */
	int			length;			/* bytes, without the ending ';' */
	int			line;			/* 1-based line of its first token */
	bool		transactional;	/* false: must run outside a transaction block */
	bool		transaction_control;	/* BEGIN, COMMIT, ROLLBACK, SAVEPOINT, ... */
	bool		commits_work;	/* statement_commits_work(): COMMIT, PREPARE TRANSACTION */
	bool		ends_block;		/* statement_ends_block(): COMMIT, ROLLBACK (not AND CHAIN), PREPARE */
	/* COPY ... FROM STDIN: its data, cut out of the script */
	const char *copy_data;
	int			copy_len;
	int			copy_line;		/* line of the first data line */
	void	   *private;		/* the executor's own (a parse tree) */
} RunStatement;

/* A script read for running: placeholders replaced, split into statements. */
typedef struct RunScript
{
	const ResolvedScript *script;
	const char *text;			/* what was split (the database's encoding) */
	size_t		len;
	RunStatement *statements;
	int			nstatements;
	bool		transactional;	/* runs in one transaction block */
	bool		transaction_set_by_conf;	/* executeInTransaction in its .conf decided */
	int			committed_line; /* set by the engine: line of its own last COMMIT that ran */
	void	   *private;
} RunScript;

/*
 * A RunScript of script's text with room for nstatements statements (the
 * executor fills them in from its splitter's and counts them).  It runs in
 * one transaction block when no statement must run outside one
 * (all_transactional), unless the script's "<script>.sql.conf" decides.
 */
extern RunScript *run_script_new(const ResolvedScript *script, const char *text, size_t len,
								 int nstatements, bool all_transactional);
/* Free what run_script_new() allocated (the text is the executor's). */
extern void run_script_free(RunScript *run);

/* Every script found in the locations. */
typedef struct FoundScripts
{
	ResolvedScript **scripts;	/* V, R, B, U; sorted by path */
	int			nscripts;
	ResolvedScript **callbacks; /* SQL callbacks (beforeMigrate.sql, ...) */
	int			ncallbacks;
	char	  **invalid_names;	/* "path: reason" for badly named SQL files, sorted */
	int			ninvalid;
	char	  **missing_locations;	/* folder locations that do not exist (skipped) */
	int			nmissing_locations;
} FoundScripts;

/* Who and where the session is: Flyway's built-in placeholders. */
typedef struct SessionFacts
{
	const char *user;			/* current_user */
	const char *database;
	const char *current_schema; /* first existing schema on the search_path, or NULL */
	const char *timestamp;		/* now, "yyyy-MM-dd HH:mm:ss" in the session's time zone */
	const char *working_directory;	/* flyway:workingDirectory, or NULL: none to give */
} SessionFacts;

typedef struct Executor Executor;

typedef struct ExecutorOps
{
	const char *name;			/* for messages: "apply worker", "libpq", ... */

	/*
	 * Everything runs inside one transaction its caller owns: begin() and
	 * commit() do nothing, the lock is transaction-level, a statement that
	 * cannot run in a transaction block is refused before anything runs,
	 * and after a failure nothing runs (no error callbacks, no failure row).
	 */
	bool		caller_transaction;

	/* What the run works on */
	bool		(*session_facts) (Executor *ex, SessionFacts *facts, MigrateError *err);
	bool		(*find_scripts) (Executor *ex, const ScriptNaming *naming,
								 PlaceholderSet *placeholders, FoundScripts *found,
								 MigrateError *err);
	/* read again, checked against the planned checksum, replaced, split */
	bool		(*load_script) (Executor *ex, const ResolvedScript *script,
								PlaceholderSet *placeholders, RunScript **loaded,
								MigrateError *err);

	/*
	 * Flyway's advisory lock: retry_count more tries after the first, a
	 * second apart (-1: wait for ever); then history_lock_wait_error().
	 */
	bool		(*lock) (Executor *ex, const HistoryTableRef *history, int retry_count,
						 MigrateError *err);
	void		(*unlock) (Executor *ex, const HistoryTableRef *history);

	/* Transactions and statements */
	bool		(*begin) (Executor *ex, MigrateError *err);
	bool		(*commit) (Executor *ex, MigrateError *err);
	void		(*rollback) (Executor *ex);
	bool		(*in_block) (Executor *ex);
	/* err->line: the script line the server blamed (a bad COPY row, a position) */
	bool		(*run_statement) (Executor *ex, RunScript *script, RunStatement *stmt,
								  MigrateError *err);
	/* before each script: the session as the run found it (role, settings, search_path) */
	bool		(*restore_session) (Executor *ex, MigrateError *err);

	/* The history table */
	bool		(*history_probe) (Executor *ex, HistoryTableRef *history, MigrateError *err);
	bool		(*history_schema_is_empty) (Executor *ex, const HistoryTableRef *history,
											bool *empty, MigrateError *err);
	/*
	 * Flyway's DDL only, in one transaction: CREATE SCHEMA for each of
	 * schemas, then the table; the engine records the SCHEMA marker row
	 */
	bool		(*history_create) (Executor *ex, HistoryTableRef *history, char *const *schemas,
								   int nschemas, MigrateError *err);
	bool		(*history_read) (Executor *ex, const HistoryTableRef *history,
								 AppliedRow ***rows, int *nrows, MigrateError *err);
	/* *rank: an INSERT's new installed_rank (may be NULL) */
	bool		(*history_change) (Executor *ex, const HistoryTableRef *history,
								   const HistoryChange *change, int *rank, MigrateError *err);

	/*
	 * The engine's own SQL (clean), as the session's user: a catalog read
	 * with $1..$n text parameters, its rows as texts (values[row * ncols +
	 * col], NULL = SQL NULL) seeing what the run changed so far; and one
	 * statement (a DROP), in the open block or committed by itself.
	 */
	bool		(*catalog_read) (Executor *ex, const char *sql, int nparams,
								 const char *const *params, char ***values, int *nrows,
								 int *ncols, MigrateError *err);
	bool		(*run_sql) (Executor *ex, const char *sql, MigrateError *err);
} ExecutorOps;

/* Each executor's state starts with this. */
struct Executor
{
	const ExecutorOps *ops;
};

#endif							/* PG_MIGRATE_EXECUTOR_H */
