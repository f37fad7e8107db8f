/*-------------------------------------------------------------------------
 *
 * statement_kind.c
 *	  The rule that tells which statements cannot run in a transaction
 *	  block, over a neutral description of a statement (statement_kind.h),
 *	  and the textual helpers of the COPY ... FROM STDIN pre-pass.  Both the
 *	  extension (src/backend/script.c) and the client
 *	  (client/script_split.c) use them, so they split and classify a
 *	  script the same way.
 *
 * Pure logic: no I/O, no ereport/elog; builds with -DFRONTEND.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include <string.h>

#include "interrupts.h"
#include "statement_kind.h"

/*
 * statement_needs_own_transaction
 *		These are the statements that call PreventInTransactionBlock(), a
 *		superset of Flyway's list (docs/flyway-compatibility.md).
 *
 * A statement of unknown kind (the client's parser is older than the
 * syntax) counts as transactional: if it is not, the server refuses it in
 * the block with its own clear error ("cannot run inside a transaction
 * block") and the block rolls back, so nothing half-done is left; the
 * opposite guess would run the script's statements one by one, and a
 * failure would leave part of it committed.
 */
bool
statement_needs_own_transaction(const StatementKind *stmt)
{
	switch (stmt->kind)
	{
		case STMT_KIND_INDEX:
		case STMT_KIND_DROP:
			return stmt->concurrent;
		case STMT_KIND_REINDEX:
			return stmt->reindex_target == STMT_REINDEX_SCHEMA ||
				stmt->reindex_target == STMT_REINDEX_SYSTEM ||
				stmt->reindex_target == STMT_REINDEX_DATABASE ||
				stmt->concurrent;
		case STMT_KIND_VACUUM:
			return stmt->is_vacuumcmd;
		case STMT_KIND_CREATEDB:
		case STMT_KIND_DROPDB:
		case STMT_KIND_CREATE_TABLESPACE:
		case STMT_KIND_DROP_TABLESPACE:
		case STMT_KIND_ALTER_SYSTEM:
			return true;
		case STMT_KIND_CREATE_SUBSCRIPTION:
		case STMT_KIND_DROP_SUBSCRIPTION:
			/* only when a replication slot is involved; be conservative */
			return true;
		case STMT_KIND_DISCARD:
			return stmt->discard_all;
		case STMT_KIND_CLUSTER:
			return !stmt->cluster_has_relation;
		case STMT_KIND_ALTER_TABLE:
			return stmt->detach_concurrently;
		case STMT_KIND_UNKNOWN:
		case STMT_KIND_OTHER:
		case STMT_KIND_TRANSACTION:
		case STMT_KIND_COPY_FROM_STDIN:
			return false;
	}
	return false;
}

bool
statement_is_transaction_control(const StatementKind *stmt)
{
	return stmt->kind == STMT_KIND_TRANSACTION;
}

bool
statement_commits_work(const StatementKind *stmt)
{
	return stmt->kind == STMT_KIND_TRANSACTION &&
		(stmt->transaction == STMT_TX_COMMIT || stmt->transaction == STMT_TX_PREPARE);
}

bool
statement_ends_block(const StatementKind *stmt)
{
	if (stmt->kind != STMT_KIND_TRANSACTION)
		return false;
	if (stmt->transaction == STMT_TX_PREPARE)
		return true;
	return (stmt->transaction == STMT_TX_COMMIT || stmt->transaction == STMT_TX_ROLLBACK) &&
		!stmt->transaction_chain;
}

/* Skip blanks and comments: a statement starts right after the previous ';'. */
int
skip_blanks_and_comments(const char *text, int pos, int end)
{
	while (pos < end)
	{
		char		c = text[pos];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v')
			pos++;
		else if (c == '-' && pos + 1 < end && text[pos + 1] == '-')
		{
			while (pos < end && text[pos] != '\n' && text[pos] != '\r')
				pos++;
		}
		else if (c == '/' && pos + 1 < end && text[pos + 1] == '*')
		{
			int			depth = 0;

			/* SQL block comments nest */
			while (pos < end)
			{
				if (text[pos] == '/' && pos + 1 < end && text[pos + 1] == '*')
				{
					depth++;
					pos += 2;
				}
				else if (text[pos] == '*' && pos + 1 < end && text[pos + 1] == '/')
				{
					depth--;
					pos += 2;
					if (depth == 0)
						break;
				}
				else
					pos++;
			}
		}
		else
			break;
	}
	return pos;
}

bool
is_end_of_data_line(const char *text, int start, int end)
{
	while (start < end && (text[start] == ' ' || text[start] == '\t'))
		start++;
	while (end > start && (text[end - 1] == ' ' || text[end - 1] == '\t' || text[end - 1] == '\r'))
		end--;
	return end - start == 2 && text[start] == '\\' && text[start + 1] == '.';
}

int
next_end_of_data_line(const char *text, int from, int len, int *line_start)
{
	int			p = from;

	while (p < len)
	{
		const char *nl = memchr(text + p, '\n', len - p);
		int			eol = nl ? (int) (nl - text) : len;

		CHECK_FOR_INTERRUPTS();
		if (is_end_of_data_line(text, p, eol))
		{
			*line_start = p;
			return eol < len ? eol + 1 : len;
		}
		p = eol < len ? eol + 1 : len;
	}
	*line_start = len;
	return len;
}

int
copy_data_start(const char *text, int stmt_end, int len)
{
	const char *nl = memchr(text + stmt_end, '\n', len - stmt_end);

	return nl ? (int) (nl - text) + 1 : len;
}

void
blank_out_keeping_lines(char *text, int from, int to)
{
	for (int i = from; i < to; i++)
	{
		if ((i % INTERRUPT_CHECK_BYTES) == 0)
			CHECK_FOR_INTERRUPTS();
		if (text[i] != '\n' && text[i] != '\r')
			text[i] = ' ';
	}
}
