/*-------------------------------------------------------------------------
 *
 * script_split.h
 *	  Splitting a migration script into statements outside the server, the
 *	  way the extension's script_parse() (src/backend/script.c) does:
 *	  PostgreSQL's own grammar through libpg_query, COPY ... FROM STDIN
 *	  data blocks cut out as the extension cuts them, and each statement
 *	  classified by the rule in src/core/statement_kind.c.
 *
 * Frontend code: links libpg_query and cJSON.  Memory is malloc'ed, not
 * palloc'ed: libpg_query carries its own palloc, which must not meet
 * libpgcommon's.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCRIPT_SPLIT_H
#define SCRIPT_SPLIT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct SplitStatement
{
	int			location;		/* byte offset in the script */
	int			length;			/* bytes, without the ending ';' */
	int			line;			/* 1-based line of its first token */
	bool		kind_known;		/* false: parsed by the scanner only */
	bool		transactional;	/* false: must run outside a transaction block */
	bool		is_transaction_control; /* BEGIN, COMMIT, ROLLBACK, ... */
	bool		commits_work;	/* COMMIT, COMMIT AND CHAIN, PREPARE TRANSACTION */
	bool		ends_block;		/* those, ROLLBACK (not TO SAVEPOINT), END, ABORT */
	/* COPY ... FROM STDIN: its data block (offsets in the script) */
	bool		has_copy_data;
	int			copy_data_start;
	int			copy_data_len;
	int			copy_line;		/* line of the first data line */
} SplitStatement;

typedef struct SplitScript
{
	SplitStatement *statements;
	int			count;
	bool		transactional;	/* no statement needs its own transaction */
	bool		kinds_known;	/* every statement parsed by the grammar */
	/* why kinds are unknown (kinds_known false), and where */
	char	   *parse_error;
	int			parse_error_line;
} SplitScript;

/*
 * Split text[0..len) (UTF-8) into statements.  On success returns true and
 * fills *result (free it with script_split_free()).  On failure (a syntax
 * error that even the scanner rejects, a NUL byte) returns false with
 * *errmsg (malloc'ed) and *error_line set.
 *
 * When the grammar (PostgreSQL 15's) rejects the script but its scanner
 * splits it (syntax newer than the grammar), the statements are still
 * returned, with kind_known false and transactional true: the server then
 * judges them, and refuses in a transaction block one that cannot run
 * there, with nothing of the block left done.
 */
extern bool script_split(const char *text, size_t len, SplitScript *result,
						 char **errmsg, int *error_line);
extern void script_split_free(SplitScript *result);

#endif							/* SCRIPT_SPLIT_H */
