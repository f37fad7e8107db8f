/*-------------------------------------------------------------------------
 *
 * statement_kind.h
 *	  Which statements of a script cannot run in a transaction block, and
 *	  the textual part of finding a COPY ... FROM STDIN data block: one rule
 *	  for the extension (script.c fills a StatementKind from the server's
 *	  parse tree) and the client (client/script_split.c fills it from
 *	  libpg_query's).
 *
 * Pure logic: no I/O, no ereport/elog; builds with -DFRONTEND.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_MIGRATE_STATEMENT_KIND_H
#define PG_MIGRATE_STATEMENT_KIND_H

/* The kinds of statement the rule tells apart; everything else is OTHER. */
typedef enum StatementNodeKind
{
	STMT_KIND_UNKNOWN,			/* not parsed (syntax newer than the parser) */
	STMT_KIND_OTHER,
	STMT_KIND_INDEX,			/* CREATE INDEX */
	STMT_KIND_DROP,				/* DROP ... */
	STMT_KIND_REINDEX,
	STMT_KIND_VACUUM,			/* VACUUM or ANALYZE */
	STMT_KIND_CREATEDB,
	STMT_KIND_DROPDB,
	STMT_KIND_CREATE_TABLESPACE,
	STMT_KIND_DROP_TABLESPACE,
	STMT_KIND_ALTER_SYSTEM,
	STMT_KIND_CREATE_SUBSCRIPTION,
	STMT_KIND_DROP_SUBSCRIPTION,
	STMT_KIND_DISCARD,
	STMT_KIND_CLUSTER,
	STMT_KIND_ALTER_TABLE,
	STMT_KIND_TRANSACTION,		/* BEGIN, COMMIT, ROLLBACK, SAVEPOINT, ... */
	STMT_KIND_COPY_FROM_STDIN
} StatementNodeKind;

/* REINDEX's target, as ReindexObjectType. */
typedef enum StatementReindexTarget
{
	STMT_REINDEX_INDEX,
	STMT_REINDEX_TABLE,
	STMT_REINDEX_SCHEMA,
	STMT_REINDEX_SYSTEM,
	STMT_REINDEX_DATABASE
} StatementReindexTarget;

/* TRANSACTION: what it does to the block it runs in. */
typedef enum StatementTransaction
{
	STMT_TX_OTHER,				/* BEGIN, SAVEPOINT, ROLLBACK TO, ... */
	STMT_TX_COMMIT,				/* COMMIT, END */
	STMT_TX_ROLLBACK,			/* ROLLBACK, ABORT */
	STMT_TX_PREPARE				/* PREPARE TRANSACTION */
} StatementTransaction;

/* A neutral description of one statement: what the rule reads. */
typedef struct StatementKind
{
	StatementNodeKind kind;
	bool		concurrent;		/* INDEX, DROP, REINDEX: CONCURRENTLY */
	StatementReindexTarget reindex_target;	/* REINDEX */
	bool		is_vacuumcmd;	/* VACUUM: VACUUM rather than ANALYZE */
	bool		discard_all;	/* DISCARD: DISCARD ALL */
	bool		cluster_has_relation;	/* CLUSTER: names a table */
	bool		detach_concurrently;	/* ALTER TABLE: DETACH PARTITION ... CONCURRENTLY */
	StatementTransaction transaction;	/* TRANSACTION */
	bool		transaction_chain;	/* TRANSACTION: ... AND CHAIN */
} StatementKind;

/*
 * Would PostgreSQL refuse this statement inside a transaction block?  A
 * statement of unknown kind is taken as transactional: see the .c file.
 */
extern bool statement_needs_own_transaction(const StatementKind *stmt);

/* BEGIN, COMMIT, ROLLBACK, SAVEPOINT, PREPARE TRANSACTION, ... */
extern bool statement_is_transaction_control(const StatementKind *stmt);

/*
 * Does a script's own statement make its work so far permanent (COMMIT,
 * COMMIT AND CHAIN, PREPARE TRANSACTION, after which the work is no longer
 * the session's to roll back)?  Does it end the block it runs in (those
 * and ROLLBACK, but not AND CHAIN, which opens the next block at once)?
 */
extern bool statement_commits_work(const StatementKind *stmt);
extern bool statement_ends_block(const StatementKind *stmt);

/*
 * Where the statement that starts at or after text[pos] really starts:
 * blanks and comments (nested block comments too) skipped, up to end.
 */
extern int	skip_blanks_and_comments(const char *text, int pos, int end);

/* Is text[start..end) a line that ends COPY data: "\." with blanks around? */
extern bool is_end_of_data_line(const char *text, int start, int end);

/*
 * The first line from "from" on (a line start) that ends COPY data: sets
 * *line_start to its start and returns where the line after it starts.
 * Without one: len, and *line_start = len.
 */
extern int	next_end_of_data_line(const char *text, int from, int len, int *line_start);

/*
 * Where the data block of a COPY ... FROM STDIN whose ';' ends just before
 * text[stmt_end] starts: the rest of that line is skipped, as Flyway and
 * psql do.
 */
extern int	copy_data_start(const char *text, int stmt_end, int len);

/*
 * Blank text[from..to) out (spaces), line breaks kept, so that offsets and
 * line numbers of the rest stay true.
 */
extern void blank_out_keeping_lines(char *text, int from, int to);

#endif							/* PG_MIGRATE_STATEMENT_KIND_H */
