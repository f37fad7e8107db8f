/*-------------------------------------------------------------------------
 *
 * history_sql.h
 *	  Flyway's history table (flyway_schema_history) as SQL text: its name
 *	  and advisory lock key, its DDL, and the statements that read and write
 *	  it.  Written once here; the server (backend/history.c, through SPI, as
 *	  the table's owner) and the command (client/executor_libpq.c, through
 *	  libpq) run the same text with the same parameters.
 *
 * Pure logic (builds with -DFRONTEND).  Every name in the text is
 * qualified, so a search_path cannot change what it runs.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_MIGRATE_HISTORY_SQL_H
#define PG_MIGRATE_HISTORY_SQL_H

#include "migrate_error.h"

/* Which history table a run works on, and what was found of it. */
typedef struct HistoryTableRef
{
	char	   *schema;
	char	   *table;
	char	   *qualified;		/* "schema"."table", always quoted as Flyway does */
	int64		lock_key;		/* Flyway's advisory lock key for it */
	char	   *tablespace;		/* CREATE TABLE's; NULL = the database's default */
	bool		exists;
	bool		schema_exists;
} HistoryTableRef;

/* Fill in the names and the lock key; exists, schema_exists false, no tablespace. */
extern void history_ref_init(HistoryTableRef *ref, const char *schema, const char *table);

/* Flyway quotes every identifier, doubling embedded quotes. */
extern char *history_quote_ident(const char *ident);
/* A standard-conforming string literal, E'' when it holds a backslash. */
extern char *history_quote_literal(const char *value);

/*
 * The DDL, in order: CREATE SCHEMA for each of schemas (those createSchemas
 * makes), CREATE TABLE (in ref->tablespace, when set), the primary key, the
 * index.  Returns the count; *stmts is palloc'd.
 */
extern int	history_sql_create(const HistoryTableRef *ref, char *const *schemas, int nschemas,
							   char ***stmts);

/* The SCHEMA marker row's script, as Flyway writes it: "a","b". */
extern char *history_schemas_marker(char *const *schemas, int nschemas);

/* One change to the history table. */
typedef enum HistoryChangeKind
{
	HISTORY_INSERT,				/* a new row with the next installed_rank */
	HISTORY_DELETE,				/* remove the row of installed_rank */
	HISTORY_REALIGN				/* set description, type, checksum of installed_rank */
} HistoryChangeKind;

typedef struct HistoryChange
{
	HistoryChangeKind kind;
	int			installed_rank; /* DELETE, REALIGN */
	const char *version;		/* INSERT; NULL for repeatables and markers */
	const char *description;	/* INSERT, REALIGN; abbreviated as Flyway does */
	const char *type;			/* INSERT, REALIGN */
	const char *script;			/* INSERT; abbreviated as Flyway does */
	bool		checksum_null;
	int32		checksum;
	const char *installed_by;	/* INSERT */
	int			execution_time; /* INSERT */
	bool		success;		/* INSERT */
} HistoryChange;

#define HISTORY_MAX_PARAMS 9

/* The parameter types a change's statement takes, by name ("text", "int4", "bool"). */
typedef struct HistoryStatement
{
	char	   *sql;			/* with $1..$n */
	int			nparams;
	const char *types[HISTORY_MAX_PARAMS];	/* "pg_catalog.text", ... */
	char	   *values[HISTORY_MAX_PARAMS]; /* text form; NULL = SQL NULL */
	bool		returns_rank;	/* one row, one int4 column: the new installed_rank */
} HistoryStatement;

/*
 * The statement for a change, with its parameters in text form.  An INSERT
 * takes the next installed_rank (0 for the first SCHEMA marker, as Flyway
 * does) and returns it; installed_on is left to the column's default.
 */
extern void history_sql_change(const HistoryTableRef *ref, const HistoryChange *change,
							   HistoryStatement *out);

/* The same change with literal values, as migrate_plan() shows it. */
extern char *history_sql_change_literal(const HistoryTableRef *ref, const HistoryChange *change,
										int rank);

/*
 * Every row by installed_rank, each column cast to a fixed type: int4,
 * text, text, text, text, int4, text, text (installed_on), int4, bool.
 */
extern char *history_sql_select(const HistoryTableRef *ref);

/*
 * Whether the schema and table exist: $1 schema, $2 table; one row of two
 * booleans (schema exists, table exists), and the table's relkind as text
 * (NULL when it does not exist).
 */
extern const char *history_sql_probe(void);

/* Flyway's test for baselineOnMigrate, $1 = schema: one boolean, true = empty. */
extern const char *history_sql_schema_is_empty(void);

/* Flyway's lock: session level (waits), its release, and the transaction-level form. */
extern char *history_sql_lock(const HistoryTableRef *ref);
extern char *history_sql_unlock(const HistoryTableRef *ref);
extern char *history_sql_lock_xact(const HistoryTableRef *ref);

/* One try of Flyway's lock loop (session or transaction level): one boolean. */
extern char *history_sql_try_lock(const HistoryTableRef *ref, bool xact);

/*
 * Who else holds the lock: one text row, NULL when nobody does; see
 * history_lock_wait_error().
 */
extern char *history_sql_lock_holders(const HistoryTableRef *ref);

/*
 * The error when the lock could not be taken within retry_count retries
 * (Flyway's lockRetryCount): holders as history_sql_lock_holders() gave
 * them (NULL: released meanwhile), setting names what raises the count.
 */
extern void history_lock_wait_error(MigrateError *err, const char *qualified, int64 lock_key,
									int retry_count, const char *holders, const char *setting);

/*
 * A session-level lock lasts across the run's commits, and a script's
 * pg_advisory_unlock_all() releases it: then another migrate could run at
 * the same time.  Each executor checks it is still held before each
 * migration and before the history row of a script that ran (a change
 * history_change_records_run() says true of).
 */
/* A boolean SQL expression: this session holds the session-level lock. */
extern char *history_sql_lock_held(const HistoryTableRef *ref);
extern bool history_change_records_run(const HistoryChange *change);

/*
 * The error when it was not held: after_it, before the history row of the
 * script that released it; else before migration script.  info names what
 * shows the state ("migrate_info()", "pg_migrate info").
 */
extern void history_lock_released_error(MigrateError *err, const char *qualified,
										int64 lock_key, const char *script, bool after_it,
										const char *info);

#endif							/* PG_MIGRATE_HISTORY_SQL_H */
