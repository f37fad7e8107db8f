/*-------------------------------------------------------------------------
 *
 * script_split.c
 *	  Splitting a migration script into statements outside the server, as
 *	  the extension's script_parse() does (src/backend/script.c), with
 *	  libpg_query: PostgreSQL 15's grammar built as a library.
 *
 * The same steps as the extension:
 *	- a COPY ... FROM STDIN pre-pass finds each such statement, keeps its
 *	  data block (up to the "\." line) and blanks the block out of the text,
 *	  line breaks kept; the extension finds the statements with the server's
 *	  scanner, this file with libpg_query's scanner (to split) and grammar
 *	  (to tell a CopyStmt FROM STDIN), over the same windows;
 *	- the whole text is split by the grammar (pg_query_split_with_parser),
 *	  so the statements' places are raw_parser()'s;
 *	- each statement that may matter (by its first word) is parsed alone
 *	  (pg_query_parse, a JSON parse tree), described as a StatementKind and
 *	  classified by the rule the extension uses (src/core/statement_kind.c).
 * When the grammar rejects the script, libpg_query's scanner still splits
 * it (syntax newer than PostgreSQL 15's): kinds are then unknown.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <ctype.h>
#include <cjson/cJSON.h>
#include <pg_query.h>

#include "checksum.h"
#include "script_split.h"
#include "statement_kind.h"

/* A data block the COPY pre-pass cut: offsets in the script. */
typedef struct CutBlock
{
	int			stmt_end;		/* just after the COPY statement's ';' */
	int			data_start;
	int			data_end;
} CutBlock;

typedef struct CutBlocks
{
	CutBlock   *items;
	int			count;
	int			size;
} CutBlocks;

static void *
xmalloc(size_t size)
{
	void	   *p = malloc(size > 0 ? size : 1);

	if (p == NULL)
	{
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	return p;
}

static char *
xstrndup(const char *s, size_t n)
{
	char	   *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static char *
xprintf(const char *fmt,...) pg_attribute_printf(1, 2);

static char *
xprintf(const char *fmt,...)
{
	va_list		args;
	char	   *buf;
	int			n;

	va_start(args, fmt);
	n = vsnprintf(NULL, 0, fmt, args);
	va_end(args);
	buf = xmalloc(n + 1);
	va_start(args, fmt);
	vsnprintf(buf, n + 1, fmt, args);
	va_end(args);
	return buf;
}

/* The byte offset of a 1-based character position (UTF-8) in text. */
static int
offset_of_char_position(const char *text, int len, int charpos)
{
	int			pos = 0;
	int			chars = 0;

	while (pos < len)
	{
		if (((unsigned char) text[pos] & 0xC0) != 0x80 && ++chars == charpos)
			return pos;
		pos++;
	}
	return len;
}

/* The first child of a JSON node ({"CopyStmt": {...}} -> its value). */
static cJSON *
node_body(const cJSON *node, const char **name)
{
	cJSON	   *child = node ? node->child : NULL;

	*name = child ? child->string : "";
	return child;
}

static bool
json_true(const cJSON *object, const char *field)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(object, field));
}

/* An integer field; libpg_query leaves out the ones that are 0. */
static int
json_int(const cJSON *object, const char *field)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, field);

	return cJSON_IsNumber(item) ? (int) cJSON_GetNumberValue(item) : 0;
}

static bool
json_string_is(const cJSON *object, const char *field, const char *value)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(object, field));

	return s != NULL && strcmp(s, value) == 0;
}

/*
 * An option's boolean value as the server's defGetBoolean() reads it: no
 * value is true; 0/1; true/false/on/off.  Anything else the server
 * rejects, so the answer does not matter; true is the cautious one.
 */
static bool
def_elem_boolean(const cJSON *def_elem)
{
	const char *name;
	cJSON	   *arg = node_body(cJSON_GetObjectItemCaseSensitive(def_elem, "arg"), &name);
	const char *sval;

	if (arg == NULL)
		return true;
	if (strcmp(name, "Integer") == 0)
		return json_int(arg, "ival") != 0;
	if (strcmp(name, "Boolean") == 0)
		return json_true(arg, "boolval");
	sval = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(arg, "sval"));
	if (sval != NULL && (pg_strcasecmp(sval, "false") == 0 || pg_strcasecmp(sval, "off") == 0))
		return false;
	return true;
}

static void
describe_reindex(const cJSON *body, StatementKind *kind)
{
	const cJSON *param;

	kind->kind = STMT_KIND_REINDEX;
	if (json_string_is(body, "kind", "REINDEX_OBJECT_SCHEMA"))
		kind->reindex_target = STMT_REINDEX_SCHEMA;
	else if (json_string_is(body, "kind", "REINDEX_OBJECT_SYSTEM"))
		kind->reindex_target = STMT_REINDEX_SYSTEM;
	else if (json_string_is(body, "kind", "REINDEX_OBJECT_DATABASE"))
		kind->reindex_target = STMT_REINDEX_DATABASE;
	else if (json_string_is(body, "kind", "REINDEX_OBJECT_TABLE"))
		kind->reindex_target = STMT_REINDEX_TABLE;
	else
		kind->reindex_target = STMT_REINDEX_INDEX;
	cJSON_ArrayForEach(param, cJSON_GetObjectItemCaseSensitive(body, "params"))
	{
		const cJSON *def = cJSON_GetObjectItemCaseSensitive(param, "DefElem");

		if (json_string_is(def, "defname", "concurrently") && def_elem_boolean(def))
			kind->concurrent = true;
	}
}

static bool
alter_table_detaches_concurrently(const cJSON *body)
{
	const cJSON *cmd;

	cJSON_ArrayForEach(cmd, cJSON_GetObjectItemCaseSensitive(body, "cmds"))
	{
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(cmd, "AlterTableCmd");
		const cJSON *def = cJSON_GetObjectItemCaseSensitive(c, "def");

		if (json_string_is(c, "subtype", "AT_DetachPartition") &&
			json_true(cJSON_GetObjectItemCaseSensitive(def, "PartitionCmd"), "concurrent"))
			return true;
	}
	return false;
}

/* The node names whose statements are told by their name alone. */
static const struct
{
	const char *name;
	StatementNodeKind kind;
}			plain_kinds[] =
{
	{"CreatedbStmt", STMT_KIND_CREATEDB},
	{"DropdbStmt", STMT_KIND_DROPDB},
	{"CreateTableSpaceStmt", STMT_KIND_CREATE_TABLESPACE},
	{"DropTableSpaceStmt", STMT_KIND_DROP_TABLESPACE},
	{"AlterSystemStmt", STMT_KIND_ALTER_SYSTEM},
	{"CreateSubscriptionStmt", STMT_KIND_CREATE_SUBSCRIPTION},
	{"DropSubscriptionStmt", STMT_KIND_DROP_SUBSCRIPTION},
	{"TransactionStmt", STMT_KIND_TRANSACTION},
};

/*
 * The neutral description of one statement of libpg_query's JSON parse
 * tree ({"IndexStmt": {...}}): what script.c's describe_statement() reads
 * from the server's nodes.  libpg_query leaves out false and zero fields.
 */
/* What a transaction statement does to the block it runs in. */
typedef struct TransactionEffect
{
	bool		commits_work;	/* statement_commits_work() */
	bool		ends_block;		/* statement_ends_block() */
} TransactionEffect;

static void
describe_statement(const cJSON *stmt, StatementKind *kind, TransactionEffect *effect)
{
	const char *name;
	cJSON	   *body = node_body(stmt, &name);

	memset(kind, 0, sizeof(*kind));
	kind->kind = STMT_KIND_OTHER;
	for (size_t i = 0; i < lengthof(plain_kinds); i++)
		if (strcmp(name, plain_kinds[i].name) == 0)
			kind->kind = plain_kinds[i].kind;
	if (strcmp(name, "IndexStmt") == 0 || strcmp(name, "DropStmt") == 0)
	{
		kind->kind = name[0] == 'I' ? STMT_KIND_INDEX : STMT_KIND_DROP;
		kind->concurrent = json_true(body, "concurrent");
	}
	else if (strcmp(name, "ReindexStmt") == 0)
		describe_reindex(body, kind);
	else if (strcmp(name, "VacuumStmt") == 0)
	{
		kind->kind = STMT_KIND_VACUUM;
		kind->is_vacuumcmd = json_true(body, "is_vacuumcmd");
	}
	else if (strcmp(name, "DiscardStmt") == 0)
	{
		kind->kind = STMT_KIND_DISCARD;
		kind->discard_all = json_string_is(body, "target", "DISCARD_ALL");
	}
	else if (strcmp(name, "ClusterStmt") == 0)
	{
		kind->kind = STMT_KIND_CLUSTER;
		kind->cluster_has_relation = cJSON_GetObjectItemCaseSensitive(body, "relation") != NULL;
	}
	else if (strcmp(name, "AlterTableStmt") == 0)
	{
		kind->kind = STMT_KIND_ALTER_TABLE;
		kind->detach_concurrently = alter_table_detaches_concurrently(body);
	}
	else if (strcmp(name, "TransactionStmt") == 0)
	{
		kind->transaction = json_string_is(body, "kind", "TRANS_STMT_COMMIT") ? STMT_TX_COMMIT :
			json_string_is(body, "kind", "TRANS_STMT_ROLLBACK") ? STMT_TX_ROLLBACK :
			json_string_is(body, "kind", "TRANS_STMT_PREPARE") ? STMT_TX_PREPARE : STMT_TX_OTHER;
		kind->transaction_chain = json_true(body, "chain");
		effect->commits_work = statement_commits_work(kind);
		effect->ends_block = statement_ends_block(kind);
	}
	else if (strcmp(name, "CopyStmt") == 0 && json_true(body, "is_from") &&
			 cJSON_GetObjectItemCaseSensitive(body, "filename") == NULL)
		kind->kind = STMT_KIND_COPY_FROM_STDIN;
}

/*
 * The first words of the statements whose kind the rule reads: any other
 * statement is of no kind that matters, and is spared a parse of its own.
 */
static const char *const kind_words[] = {
	"create", "drop", "reindex", "vacuum", "alter", "discard", "cluster", "copy",
	"begin", "start", "commit", "end", "rollback", "abort", "savepoint", "release", "prepare",
};

static bool
starts_with_kind_word(const char *text, int len)
{
	int			start = skip_blanks_and_comments(text, 0, len);
	int			end = start;

	while (end < len && (isalnum((unsigned char) text[end]) || text[end] == '_'))
		end++;
	for (size_t i = 0; i < lengthof(kind_words); i++)
		if ((int) strlen(kind_words[i]) == end - start &&
			pg_strncasecmp(text + start, kind_words[i], end - start) == 0)
			return true;
	return false;
}

/*
 * Describe one statement from its own text (no ';'), parsed alone: the
 * same node as in the whole script's parse.  UNKNOWN if it does not parse.
 * *effect (may be NULL): what it does to a transaction block.
 */
static void
describe_statement_text(const char *text, int len, StatementKind *kind, TransactionEffect *effect)
{
	TransactionEffect found = {false, false};
	char	   *sql;
	PgQueryParseResult parsed;
	cJSON	   *tree;

	if (effect)
		*effect = found;
	memset(kind, 0, sizeof(*kind));
	kind->kind = STMT_KIND_OTHER;
	if (!starts_with_kind_word(text, len))
		return;
	kind->kind = STMT_KIND_UNKNOWN;
	sql = xstrndup(text, len);
	parsed = pg_query_parse(sql);
	free(sql);
	if (parsed.error == NULL && (tree = cJSON_Parse(parsed.parse_tree)) != NULL)
	{
		cJSON	   *stmts = cJSON_GetObjectItemCaseSensitive(tree, "stmts");

		if (cJSON_GetArraySize(stmts) == 1)
			describe_statement(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(stmts, 0), "stmt"),
							   kind, &found);
		cJSON_Delete(tree);
	}
	pg_query_free_parse_result(parsed);
	if (effect)
		*effect = found;
}

static bool
is_copy_from_stdin_text(const char *text, int len)
{
	StatementKind kind;

	describe_statement_text(text, len, &kind, NULL);
	return kind.kind == STMT_KIND_COPY_FROM_STDIN;
}

/*
 * libpg_query's scanner split of text[0..len), stopped before the first
 * token the scanner rejects: the server's scanner, which script.c runs a
 * token at a time, has seen every statement before that one.
 */
static PgQuerySplitResult
split_up_to_lexical_error(char *text, int len)
{
	PgQuerySplitResult split = pg_query_split_with_scanner(text);

	while (split.error != NULL && split.error->cursorpos > 1)
	{
		int			cut = offset_of_char_position(text, len, split.error->cursorpos);

		if (cut >= len)
			break;
		pg_query_free_split_result(split);
		text[cut] = '\0';
		len = cut;
		split = pg_query_split_with_scanner(text);
	}
	return split;
}

/*
 * Where the first COPY ... FROM STDIN statement in text[from..to) ends
 * (just after its ';'), or -1: as next_copy_from_stdin_end() in script.c.
 */
static int
next_copy_from_stdin_end(const char *text, int from, int to)
{
	char	   *window = xstrndup(text + from, to - from);
	PgQuerySplitResult split = split_up_to_lexical_error(window, to - from);
	int			wlen = (int) strlen(window);
	int			result = -1;

	for (int i = 0; split.error == NULL && i < split.n_stmts; i++)
	{
		int			loc = split.stmts[i]->stmt_location;
		int			end = split.stmts[i]->stmt_len > 0 ? loc + split.stmts[i]->stmt_len : wlen;
		int			semicolon = skip_blanks_and_comments(window, end, wlen);

		if (semicolon < wlen && window[semicolon] == ';' &&
			is_copy_from_stdin_text(window + loc, end - loc))
		{
			result = from + semicolon + 1;
			break;
		}
	}
	pg_query_free_split_result(split);
	free(window);
	return result;
}

static bool
contains_stdin(const char *text, int len)
{
	for (int i = 0; i + 5 <= len; i++)
		if (pg_strncasecmp(text + i, "stdin", 5) == 0)
			return true;
	return false;
}

/*
 * The COPY pre-pass of script.c's cut_copy_blocks(): each block found is
 * blanked out of sql (line breaks kept) and its place kept in *blocks.
 */
static void
cut_copy_blocks(char *sql, int len, CutBlocks *blocks)
{
	int			pos = 0;

	if (!contains_stdin(sql, len))
		return;
	while (pos < len)
	{
		int			marker;
		int			window_end = next_end_of_data_line(sql, pos, len, &marker);
		int			end = next_copy_from_stdin_end(sql, pos, window_end);
		CutBlock   *block;
		int			resume;

		if (end < 0 && window_end < len)
			end = next_copy_from_stdin_end(sql, pos, len);
		if (end < 0)
			break;
		if (blocks->count == blocks->size)
		{
			blocks->size = blocks->size ? blocks->size * 2 : 8;
			blocks->items = realloc(blocks->items, blocks->size * sizeof(CutBlock));
			if (blocks->items == NULL)
			{
				fprintf(stderr, "out of memory\n");
				exit(1);
			}
		}
		block = &blocks->items[blocks->count++];
		block->stmt_end = end;
		block->data_start = copy_data_start(sql, end, len);
		resume = next_end_of_data_line(sql, block->data_start, len, &block->data_end);
		blank_out_keeping_lines(sql, end, resume);
		pos = resume;
	}
}

/* Give the statement its place, from a RawStmt's location and length. */
static void
place_statement(SplitStatement *stmt, const char *sql, int len, int raw_location,
				int raw_length, LineCounter *lines)
{
	int			end = raw_length > 0 ? raw_location + raw_length : len;

	stmt->location = skip_blanks_and_comments(sql, raw_location, end);
	stmt->length = end - stmt->location;
	stmt->line = line_counter_line(lines, stmt->location);
}

static void
attach_block(SplitStatement *stmt, const CutBlock *block, LineCounter *lines)
{
	stmt->has_copy_data = true;
	stmt->copy_data_start = block->data_start;
	stmt->copy_data_len = block->data_end - block->data_start;
	stmt->copy_line = line_counter_line(lines, block->data_start);
}

/*
 * The statements of the grammar's split (raw_parser()'s RawStmt places),
 * as script_parse() makes them.  Parsing the whole script into one JSON
 * tree would cost hundreds of megabytes for a large one: each statement
 * that can matter is parsed alone instead.
 */
static void
statements_from_parser(const PgQuerySplitResult *split, const char *sql, int len,
					   const CutBlocks *blocks, SplitScript *result)
{
	LineCounter lines;
	int			next_block = 0;

	result->statements = xmalloc(sizeof(SplitStatement) * (split->n_stmts + 1));
	line_counter_init(&lines, sql, len);
	for (int i = 0; i < split->n_stmts; i++)
	{
		SplitStatement *stmt = &result->statements[result->count++];
		StatementKind kind;
		TransactionEffect effect;

		memset(stmt, 0, sizeof(*stmt));
		place_statement(stmt, sql, len, split->stmts[i]->stmt_location,
						split->stmts[i]->stmt_len, &lines);
		describe_statement_text(sql + stmt->location, stmt->length, &kind, &effect);
		stmt->commits_work = effect.commits_work;
		stmt->ends_block = effect.ends_block;
		/* the n-th COPY FROM STDIN owns the n-th data block, which follows it */
		if (kind.kind == STMT_KIND_COPY_FROM_STDIN && next_block < blocks->count)
			attach_block(stmt, &blocks->items[next_block++], &lines);
		stmt->kind_known = kind.kind != STMT_KIND_UNKNOWN;
		stmt->is_transaction_control = statement_is_transaction_control(&kind);
		stmt->transactional = !statement_needs_own_transaction(&kind);
	}
}

/*
 * Is text[from..to) only blanks, comments and ';'?  libpg_query's scanner
 * split leaves out a "statement" without a keyword, and the rest of a text
 * whose parentheses do not close: such text must not be dropped unseen.
 */
static bool
only_blanks_between(const char *text, int from, int to)
{
	while (from < to)
	{
		from = skip_blanks_and_comments(text, from, to);
		if (from < to && text[from] != ';')
			return false;
		if (from < to)
			from++;
	}
	return true;
}

/*
 * Without the grammar: a statement of unknown kind, transactional (see
 * statement_needs_own_transaction()), which owns the data block whose ';'
 * ends it.
 */
static bool
statements_from_scanner(const PgQuerySplitResult *split, const char *sql, int len,
						const CutBlocks *blocks, SplitScript *result)
{
	LineCounter lines;
	int			next_block = 0;
	int			prev_end = 0;

	result->statements = xmalloc(sizeof(SplitStatement) * (split->n_stmts + 1));
	line_counter_init(&lines, sql, len);
	for (int i = 0; i < split->n_stmts; i++)
	{
		SplitStatement *stmt = &result->statements[result->count++];
		StatementKind kind = {.kind = STMT_KIND_UNKNOWN};
		int			end;

		memset(stmt, 0, sizeof(*stmt));
		if (!only_blanks_between(sql, prev_end, split->stmts[i]->stmt_location))
			return false;
		place_statement(stmt, sql, len, split->stmts[i]->stmt_location,
						split->stmts[i]->stmt_len, &lines);
		prev_end = stmt->location + stmt->length;
		end = skip_blanks_and_comments(sql, stmt->location + stmt->length, len);
		if (next_block < blocks->count && end + 1 == blocks->items[next_block].stmt_end)
			attach_block(stmt, &blocks->items[next_block++], &lines);
		stmt->is_transaction_control = statement_is_transaction_control(&kind);
		stmt->transactional = !statement_needs_own_transaction(&kind);
	}
	return only_blanks_between(sql, prev_end, len);
}

static int
error_line(const char *sql, int len, const PgQueryError *error)
{
	if (error->cursorpos <= 0)
		return 1;
	return line_of_offset(sql, len, offset_of_char_position(sql, len, error->cursorpos));
}

bool
script_split(const char *text, size_t len, SplitScript *result, char **errmsg, int *errline)
{
	char	   *sql;
	const char *nul = memchr(text, '\0', len);
	CutBlocks	blocks = {0};
	PgQuerySplitResult parsed;
	bool		ok = true;

	memset(result, 0, sizeof(*result));
	if (nul != NULL)
	{
		*errmsg = xprintf("the script holds a NUL byte");
		*errline = line_of_offset(text, len, nul - text);
		return false;
	}
	sql = xstrndup(text, len);
	/* a leading byte-order mark is dropped, as Flyway and the extension do */
	if (len >= 3 && memcmp(sql, "\xEF\xBB\xBF", 3) == 0)
		memset(sql, ' ', 3);
	cut_copy_blocks(sql, (int) len, &blocks);

	parsed = pg_query_split_with_parser(sql);
	if (parsed.error == NULL)
	{
		statements_from_parser(&parsed, sql, (int) len, &blocks, result);
		result->kinds_known = true;
		for (int i = 0; i < result->count; i++)
			if (!result->statements[i].kind_known)
				result->kinds_known = false;
	}
	else
	{
		PgQuerySplitResult split = pg_query_split_with_scanner(sql);

		if (split.error != NULL)
		{
			*errmsg = xprintf("%s", split.error->message);
			*errline = error_line(sql, (int) len, split.error);
			ok = false;
		}
		else
		{
			result->parse_error = xprintf("%s", parsed.error->message);
			result->parse_error_line = error_line(sql, (int) len, parsed.error);
			if (!statements_from_scanner(&split, sql, (int) len, &blocks, result))
			{
				/* the grammar's error says what is wrong there */
				*errmsg = xprintf("%s", result->parse_error);
				*errline = result->parse_error_line;
				ok = false;
			}
		}
		pg_query_free_split_result(split);
	}
	pg_query_free_split_result(parsed);

	result->transactional = true;
	for (int i = 0; i < result->count; i++)
		if (!result->statements[i].transactional)
			result->transactional = false;
	free(blocks.items);
	free(sql);
	if (!ok)
		script_split_free(result);
	return ok;
}

void
script_split_free(SplitScript *result)
{
	free(result->statements);
	free(result->parse_error);
	memset(result, 0, sizeof(*result));
}
