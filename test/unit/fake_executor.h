/*
 * fake_executor.h
 *	  An in-memory executor (src/engine/executor.h) for the engine's unit
 *	  tests: scripts from a table, a history table as an array of rows,
 *	  transactions that really roll back, a log of every write the engine
 *	  asked for, and failures a test can inject.
 *
 * Statements are split at ';' and classified by their words, as a splitter
 * would flag them:
 *	  BEGIN, START TRANSACTION, SAVEPOINT, RELEASE   transaction control
 *	  COMMIT, END                                    ... that commits and ends the block
 *	  ROLLBACK, ABORT (not ROLLBACK TO)              ... that ends the block
 *	  VACUUM, CREATE DATABASE, anything CONCURRENTLY cannot run in a block
 * A statement that cannot run in a block fails with 25001 inside one, as
 * the server would refuse it.
 *
 * The log holds one line per write, in order:
 *	  lock | unlock | begin | commit | rollback
 *	  lock refused (lock_holder set)
 *	  create table | create schema+table | create <n> schemas+table
 *	  run <script>:<line> <statement>
 *	  insert <rank> <script> <type> ok|failed
 *	  delete <rank> | realign <rank> <description> <type> <checksum>
 * Reads (session, scripts, history) are only counted; reading a history
 * table that does not exist fails (42P01), as it would in a server.
 */
#ifndef PG_MIGRATE_FAKE_EXECUTOR_H
#define PG_MIGRATE_FAKE_EXECUTOR_H

#include "executor.h"

#define FAKE_MAX_SCRIPTS 32
#define FAKE_MAX_ROWS 64
#define FAKE_MAX_LOG 512
#define FAKE_MAX_FAILURES 8

typedef struct FakeScriptFile
{
	const char *name;			/* file name, e.g. "V1__init.sql" */
	const char *text;
	int			execute_in_transaction; /* its .conf: -1 none, 0, 1 */
} FakeScriptFile;

/* A statement that fails: statement stmt (1-based) of script, or any load of it (stmt 0). */
typedef struct FakeFailure
{
	const char *script;
	int			stmt;
	const char *sqlstate;
	const char *message;
	const char *detail;
	const char *hint;
	int			line;			/* the line the server blamed, 0 = none */
	int			position;		/* cursor position in the statement, 0 = none */
} FakeFailure;

typedef struct FakeExecutor
{
	Executor	base;
	ExecutorOps ops;			/* a copy: a test may set caller_transaction */

	FakeScriptFile files[FAKE_MAX_SCRIPTS];
	int			nfiles;

	/* the database */
	bool		schema_exists;
	bool		table_exists;
	bool		schema_empty;	/* for baselineOnMigrate */
	const char *missing_schemas;	/* " a b ": schemas that do not exist (else schema_exists) */
	const char *lock_holder;	/* set: the lock is held by this, and never free */
	int			lock_retry_count;	/* what the last lock() was given */
	const char *tablespace;		/* what the last history_create() was given */
	const char *current_schema; /* NULL: none on the search_path */
	AppliedRow	rows[FAKE_MAX_ROWS];
	int			nrows;
	char	   *effects[FAKE_MAX_LOG];	/* statements whose work persists */
	int			neffects;

	/* the transaction block: a copy of the history and effects at begin */
	bool		in_block;
	AppliedRow	saved_rows[FAKE_MAX_ROWS];
	int			saved_nrows;
	int			saved_neffects;
	bool		saved_table_exists;
	bool		saved_schema_exists;

	/* what the engine asked for */
	char	   *log[FAKE_MAX_LOG];
	int			nlog;
	int			reads;
	int			restores;
	int			locks_held;

	/* what changes while the run waits for the lock (another run's work) */
	void		(*on_lock) (struct FakeExecutor *fx);
	/* each load_script takes this long (a slow file system) */
	int			load_delay_ms;

	/* injected failures */
	FakeFailure stmt_failures[FAKE_MAX_FAILURES];
	int			nstmt_failures;
	const char *fail_insert_script; /* an INSERT for this script fails ("*": any) */
	int			fail_insert_success;	/* -1 any row, 0 only a failure row, 1 only success */
	int			fail_commit_at; /* the Nth commit() fails (1-based), 0 = none */
	int			commits;

	/* caller_transaction: what ran after the first failure */
	bool		failed;
	int			ops_after_failure;
} FakeExecutor;

extern void fake_init(FakeExecutor *fx);
extern void fake_add_script(FakeExecutor *fx, const char *name, const char *text);
extern void fake_add_script_conf(FakeExecutor *fx, const char *name, const char *text,
								 int execute_in_transaction);
extern void fake_set_script(FakeExecutor *fx, const char *name, const char *text);
/* A history row; the table (and its schema) then exist. */
extern void fake_add_row(FakeExecutor *fx, int rank, const char *version,
						 const char *description, const char *type, const char *script,
						 bool checksum_null, int32 checksum, bool success);
/* The checksum find_scripts gives a script (raw text; R: no placeholders used). */
extern int32 fake_checksum(FakeExecutor *fx, const char *name);
extern void fake_fail_statement(FakeExecutor *fx, const FakeFailure *failure);

/* The log from entry "from" on, entries joined with " | ". */
extern char *fake_log(const FakeExecutor *fx, int from);
extern int	fake_log_find(const FakeExecutor *fx, const char *prefix);
extern int	fake_log_count(const FakeExecutor *fx, const char *prefix);
extern void fake_clear_log(FakeExecutor *fx);
/* A history row by rank, or NULL. */
extern const AppliedRow *fake_row(const FakeExecutor *fx, int rank);
extern bool fake_has_effect(const FakeExecutor *fx, const char *statement);

#endif							/* PG_MIGRATE_FAKE_EXECUTOR_H */
