/*-------------------------------------------------------------------------
 *
 * script.c
 *	  Splitting a migration script with the server's own parser, telling
 *	  which statements cannot run in a transaction block, and running the
 *	  statements: at top level in the apply worker, or through SPI inside
 *	  the caller's transaction.
 *
 * The whole script is parsed once by raw_parser(), so a syntax error
 * anywhere stops the script before any of it runs.  At top level each
 * statement goes through analysis, planning and a portal exactly as a
 * client's statement would (exec_simple_query), so CREATE INDEX
 * CONCURRENTLY, VACUUM and a script's own BEGIN/COMMIT behave as in psql.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "commands/copy.h"
#include "commands/defrem.h"
#include "common/keywords.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "nodes/makefuncs.h"
#include "optimizer/optimizer.h"
#include "parser/analyze.h"
#include "parser/parse_coerce.h"
#include "parser/parse_collate.h"
#include "parser/parse_expr.h"
#include "parser/parse_relation.h"
#include "parser/parser.h"
#include "parser/scanner.h"
#include "pgstat.h"
#include "storage/proc.h"
#include "tcop/pquery.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/portal.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timeout.h"

#include "checksum.h"
#include "interrupts.h"
#include "pg_migrate.h"
#include "statement_kind.h"

/* The statement being run, and its script, for error reports (NULL between). */
ScriptStatement *script_current_statement = NULL;
ParsedScript *script_current_script = NULL;

/*
 * The values of the current command's secret placeholders (see
 * placeholder_name_is_secret()), in a context of their own so that no
 * command's memory is referenced after it ends.
 */
static MemoryContext secrets_context = NULL;
static PlaceholderSet secrets;
static emit_log_hook_type prev_emit_log_hook = NULL;

static void mask_secrets_in_report(ErrorData *edata);

/*
 * script_set_secrets
 *		Remember which values to mask for the command about to run scripts
 *		with these placeholders.
 */
void
script_set_secrets(const PlaceholderSet *placeholders)
{
	MemoryContext oldcxt;

	if (secrets_context == NULL)
	{
		secrets_context = AllocSetContextCreate(TopMemoryContext, "pg_migrate secrets",
												ALLOCSET_SMALL_SIZES);
		prev_emit_log_hook = emit_log_hook;
		emit_log_hook = mask_secrets_in_report;
	}
	else
		MemoryContextReset(secrets_context);
	oldcxt = MemoryContextSwitchTo(secrets_context);
	placeholders_init(&secrets);
	for (int i = 0; i < placeholders->count; i++)
	{
		if (placeholder_name_is_secret(placeholders->names[i]))
			placeholders_set(&secrets, placeholders->names[i], placeholders->values[i]);
	}
	MemoryContextSwitchTo(oldcxt);
}

/*
 * script_mask_secrets
 *		text with the secret placeholder values shown as ***: for every text
 *		pg_migrate shows that may hold a script's text or a value from it.
 *		Returns text itself when there is nothing to mask.
 */
char *
script_mask_secrets(const char *text)
{
	if (text == NULL || secrets_context == NULL || secrets.count == 0)
		return (char *) text;
	return placeholders_mask_secrets(&secrets, text);
}

/* Mask one field of a report in place; the old text was allocated for it. */
static void
mask_report_field(char **field)
{
	char	   *masked = script_mask_secrets(*field);

	if (masked != *field)
	{
		pfree(*field);
		*field = masked;
	}
}

/*
 * emit_log_hook: a NOTICE or WARNING a statement of a script raises (its
 * own RAISE, or the server's) goes to the client and the log masked too.
 * Errors are caught by the executor (executor_server.c) and masked by
 * script_error_line().
 */
static void
mask_secrets_in_report(ErrorData *edata)
{
	if (script_current_script != NULL && secrets.count > 0)
	{
		mask_report_field(&edata->message);
		mask_report_field(&edata->detail);
		mask_report_field(&edata->detail_log);
		mask_report_field(&edata->hint);
		mask_report_field(&edata->context);
		mask_report_field(&edata->internalquery);
	}
	if (prev_emit_log_hook)
		prev_emit_log_hook(edata);
}

/* REINDEX: its target, and CONCURRENTLY (an option since PostgreSQL 14) */
static void
describe_reindex(ReindexStmt *r, StatementKind *kind)
{
	kind->kind = STMT_KIND_REINDEX;
	switch (r->kind)
	{
		case REINDEX_OBJECT_INDEX:
			kind->reindex_target = STMT_REINDEX_INDEX;
			break;
		case REINDEX_OBJECT_TABLE:
			kind->reindex_target = STMT_REINDEX_TABLE;
			break;
		case REINDEX_OBJECT_SCHEMA:
			kind->reindex_target = STMT_REINDEX_SCHEMA;
			break;
		case REINDEX_OBJECT_SYSTEM:
			kind->reindex_target = STMT_REINDEX_SYSTEM;
			break;
		case REINDEX_OBJECT_DATABASE:
			kind->reindex_target = STMT_REINDEX_DATABASE;
			break;
	}
#if PG_VERSION_NUM >= 140000
	{
		ListCell   *lc;

		foreach(lc, r->params)
		{
			DefElem    *opt = lfirst(lc);

			if (strcmp(opt->defname, "concurrently") == 0 && defGetBoolean(opt))
				kind->concurrent = true;
		}
	}
#else
	kind->concurrent = r->concurrent;
#endif
}

/* ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY (PostgreSQL 14 on) */
static bool
alter_table_detaches_concurrently(AlterTableStmt *stmt)
{
#if PG_VERSION_NUM >= 140000
	ListCell   *lc;

	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst(lc);

		if (cmd->subtype == AT_DetachPartition &&
			((PartitionCmd *) cmd->def)->concurrent)
			return true;
	}
#endif
	return false;
}

/*
 * The neutral description of a parsed statement that the rule in
 * statement_kind.c reads (the client fills the same from libpg_query).
 */
static void
describe_statement(Node *stmt, StatementKind *kind)
{
	memset(kind, 0, sizeof(*kind));
	kind->kind = STMT_KIND_OTHER;
	switch (nodeTag(stmt))
	{
		case T_IndexStmt:
			kind->kind = STMT_KIND_INDEX;
			kind->concurrent = ((IndexStmt *) stmt)->concurrent;
			break;
		case T_DropStmt:
			kind->kind = STMT_KIND_DROP;
			kind->concurrent = ((DropStmt *) stmt)->concurrent;
			break;
		case T_ReindexStmt:
			describe_reindex((ReindexStmt *) stmt, kind);
			break;
		case T_VacuumStmt:
			kind->kind = STMT_KIND_VACUUM;
			kind->is_vacuumcmd = ((VacuumStmt *) stmt)->is_vacuumcmd;
			break;
		case T_CreatedbStmt:
			kind->kind = STMT_KIND_CREATEDB;
			break;
		case T_DropdbStmt:
			kind->kind = STMT_KIND_DROPDB;
			break;
		case T_CreateTableSpaceStmt:
			kind->kind = STMT_KIND_CREATE_TABLESPACE;
			break;
		case T_DropTableSpaceStmt:
			kind->kind = STMT_KIND_DROP_TABLESPACE;
			break;
		case T_AlterSystemStmt:
			kind->kind = STMT_KIND_ALTER_SYSTEM;
			break;
		case T_CreateSubscriptionStmt:
			kind->kind = STMT_KIND_CREATE_SUBSCRIPTION;
			break;
		case T_DropSubscriptionStmt:
			kind->kind = STMT_KIND_DROP_SUBSCRIPTION;
			break;
		case T_DiscardStmt:
			kind->kind = STMT_KIND_DISCARD;
			kind->discard_all = ((DiscardStmt *) stmt)->target == DISCARD_ALL;
			break;
		case T_ClusterStmt:
			kind->kind = STMT_KIND_CLUSTER;
			kind->cluster_has_relation = ((ClusterStmt *) stmt)->relation != NULL;
			break;
		case T_AlterTableStmt:
			kind->kind = STMT_KIND_ALTER_TABLE;
			kind->detach_concurrently = alter_table_detaches_concurrently((AlterTableStmt *) stmt);
			break;
		case T_TransactionStmt:
			{
				TransactionStmt *ts = (TransactionStmt *) stmt;

				kind->kind = STMT_KIND_TRANSACTION;
				kind->transaction = ts->kind == TRANS_STMT_COMMIT ? STMT_TX_COMMIT :
					ts->kind == TRANS_STMT_ROLLBACK ? STMT_TX_ROLLBACK :
					ts->kind == TRANS_STMT_PREPARE ? STMT_TX_PREPARE : STMT_TX_OTHER;
				kind->transaction_chain = ts->chain;
			}
			break;
		case T_CopyStmt:
			if (((CopyStmt *) stmt)->is_from && ((CopyStmt *) stmt)->filename == NULL &&
				!((CopyStmt *) stmt)->is_program)
				kind->kind = STMT_KIND_COPY_FROM_STDIN;
			break;
		default:
			break;
	}
}

/*
 * COPY ... FROM STDIN in a script (pg_dump writes them) is followed by its
 * data, up to a line that is just "\.": not SQL, so the parser must not see
 * it.  This pre-pass finds each such statement with the server's own
 * scanner, keeps its data block, and blanks the block out of the text (line
 * breaks kept, so offsets and line numbers stay true).  As Flyway does, the
 * rest of the line after the statement's ';' is skipped too.
 */
typedef struct CopyBlock
{
	int			data_start;
	int			data_end;
	char	   *data;
} CopyBlock;

static int
keyword_token(const char *word)
{
	int			kwnum = ScanKeywordLookup(word, &ScanKeywords);

	return kwnum >= 0 ? ScanKeywordTokens[kwnum] : -1;
}

/*
 * Where the first COPY ... FROM STDIN statement in text[from..to) ends (just
 * after its ';'), or -1.  "to" is the end of the text or the end of a line.
 */
static pg_noinline int
next_copy_from_stdin_end(char *text, int from, int to)
{
	int			kw_copy = keyword_token("copy");
	int			kw_from = keyword_token("from");
	int			kw_stdin = keyword_token("stdin");
	core_yy_extra_type yyext;
	core_yyscan_t scanner;
	core_YYSTYPE lval;
	YYLTYPE		lloc;
	volatile int result = -1;
	MemoryContext oldcxt = CurrentMemoryContext;
	char		saved = text[to];

	/* the scanner copies the text it is given: end it at "to" just for that */
	text[to] = '\0';
	scanner = scanner_init(text + from, &yyext, &ScanKeywords, ScanKeywordTokens);
	text[to] = saved;
	PG_TRY();
	{
		bool		first = true;
		bool		is_copy = false;
		bool		from_stdin = false;
		int			depth = 0;
		int			prev = 0;
		int			tok;

		while ((tok = core_yylex(&lval, &lloc, scanner)) != 0)
		{
			CHECK_FOR_INTERRUPTS();
			if (tok == ';')
			{
				if (is_copy && from_stdin)
				{
					result = from + lloc + 1;
					break;
				}
				first = true;
				is_copy = from_stdin = false;
				depth = prev = 0;
				continue;
			}
			if (tok == '(')
				depth++;
			else if (tok == ')' && depth > 0)
				depth--;
			if (first)
				is_copy = (tok == kw_copy);
			/* in parentheses, FROM stdin is a COPY's query naming a table */
			else if (tok == kw_stdin && prev == kw_from && depth == 0)
				from_stdin = true;
			first = false;
			prev = tok;
		}
	}
	PG_CATCH();
	{
		int			category = ERRCODE_TO_CATEGORY(geterrcode());

		/*
		 * Only the scanner's own complaints (syntax, data and feature
		 * classes) are the script's; a cancel, a timeout, a recovery
		 * conflict or running out of memory goes on as it is.
		 */
		if (category != ERRCODE_SYNTAX_ERROR_OR_ACCESS_RULE_VIOLATION &&
			category != ERRCODE_DATA_EXCEPTION &&
			category != ERRCODE_FEATURE_NOT_SUPPORTED)
			PG_RE_THROW();
		/* a lexical error: leave it to raw_parser(), which reports it properly */
		MemoryContextSwitchTo(oldcxt);
		FlushErrorState();
		result = -1;
	}
	PG_END_TRY();
	scanner_finish(scanner);
	return result;
}

/*
 * The scanner is given the text up to the next "\." line only: pg_dump ends
 * every COPY block with one, and giving it the whole rest of the script for
 * every block would make a dump of many tables quadratic.  Cut there, the
 * scan agrees with a scan of the whole rest: a line end cuts no token but a
 * comment or quoted text, which then fails to end.  So when nothing is found
 * before that line (it was in a comment or a string), scan the whole rest.
 */
static pg_noinline List *
cut_copy_blocks(char *text, int len)
{
	List	   *blocks = NIL;
	int			pos = 0;

	/* most scripts have no COPY at all */
	if (strcasestr(text, "stdin") == NULL)
		return NIL;

	while (pos < len)
	{
		int			marker;
		int			window_end = next_end_of_data_line(text, pos, len, &marker);
		int			end = next_copy_from_stdin_end(text, pos, window_end);
		CopyBlock  *block;
		int			resume;

		if (end < 0 && window_end < len)
			end = next_copy_from_stdin_end(text, pos, len);
		if (end < 0)
			break;
		block = palloc0(sizeof(CopyBlock));
		block->data_start = copy_data_start(text, end, len);
		resume = next_end_of_data_line(text, block->data_start, len, &block->data_end);
		block->data = pnstrdup(text + block->data_start, block->data_end - block->data_start);
		blank_out_keeping_lines(text, end, resume);
		blocks = lappend(blocks, block);
		pos = resume;
	}
	return blocks;
}

/*
 * Turn a character position (1-based, as errposition reports it) counted
 * from text[start] into a byte offset in the script.
 */
static int
offset_of_char_position(const ParsedScript *parsed, int start, int charpos)
{
	int			pos = start;

	for (int i = 1; i < charpos && pos < (int) parsed->len; i++)
	{
		if ((i % INTERRUPT_CHECK_BYTES) == 0)
			CHECK_FOR_INTERRUPTS();
		pos += pg_mblen(parsed->text + pos);
	}
	return pos;
}

/*
 * The line of the script where an error's position is; and as the error's
 * message may quote the text there ("syntax error at or near"), a
 * piece of a secret value that starts there is masked in it.
 */
static int
line_of_error_position(const ParsedScript *parsed, ErrorData *edata, int start, int charpos)
{
	int			pos = offset_of_char_position(parsed, start, charpos);

	if (secrets_context != NULL && secrets.count > 0 && edata->message != NULL)
		edata->message = placeholders_mask_secret_at(&secrets, parsed->text, parsed->len,
													 pos, edata->message);
	return line_of_offset(parsed->text, parsed->len, pos);
}

/*
 * script_parse
 *		Split a script (already in the database encoding) into statements.
 *		A syntax error is reported with the script's name and line.
 */
ParsedScript *
script_parse(const ResolvedScript *script, const char *text, size_t len)
{
	ParsedScript *parsed = palloc0(sizeof(ParsedScript));
	MemoryContext oldcxt = CurrentMemoryContext;
	List	   *raw = NIL;
	List	   *copy_blocks;
	ListCell   *lc;
	ListCell   *next_block;
	LineCounter lines;
	char	   *sql = pnstrdup(text, len);

	copy_blocks = cut_copy_blocks(sql, (int) len);
	parsed->script = script;
	parsed->text = sql;
	parsed->len = len;
	parsed->transactional = true;

	PG_TRY();
	{
#if PG_VERSION_NUM >= 140000
		raw = raw_parser(sql, RAW_PARSE_DEFAULT);
#else
		raw = raw_parser(sql);
#endif
	}
	PG_CATCH();
	{
		ErrorData  *edata;
		int			line;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		line = edata->cursorpos > 0 ? line_of_error_position(parsed, edata, 0, edata->cursorpos) : 1;
		ereport(ERROR,
				(errcode(edata->sqlerrcode),
				 errmsg("migration %s failed at line %d: %s", script->script, line,
						script_mask_secrets(edata->message)),
				 errdetail("The script was read from \"%s\"; nothing of it ran.", script->path),
				 errhint("Fix the script and call the function again.")));
	}
	PG_END_TRY();

	/* statements come in text order: one pass numbers their lines */
	line_counter_init(&lines, sql, len);
	next_block = list_head(copy_blocks);
	foreach(lc, raw)
	{
		RawStmt    *rs = lfirst_node(RawStmt, lc);
		ScriptStatement *stmt = palloc0(sizeof(ScriptStatement));
		int			end = rs->stmt_len > 0 ? rs->stmt_location + rs->stmt_len : (int) len;
		StatementKind kind;

		CHECK_FOR_INTERRUPTS();
		stmt->location = skip_blanks_and_comments(sql, rs->stmt_location, end);
		stmt->length = end - stmt->location;
		stmt->line = line_counter_line(&lines, stmt->location);

		describe_statement(rs->stmt, &kind);
		/* the n-th COPY FROM STDIN owns the n-th data block, which follows it */
		if (kind.kind == STMT_KIND_COPY_FROM_STDIN && next_block != NULL)
		{
			CopyBlock  *block = lfirst(next_block);

			stmt->copy_data = block->data;
			stmt->copy_len = block->data_end - block->data_start;
			stmt->copy_line = line_counter_line(&lines, block->data_start);
			next_block = lnext(copy_blocks, next_block);
		}

		stmt->raw = rs;
		stmt->is_transaction_control = statement_is_transaction_control(&kind);
		stmt->commits_work = statement_commits_work(&kind);
		stmt->ends_block = statement_ends_block(&kind);
		stmt->transactional = !statement_needs_own_transaction(&kind);
		if (!stmt->transactional)
			parsed->transactional = false;
		parsed->statements = lappend(parsed->statements, stmt);
	}
	/* "<script>.sql.conf" decides, as Flyway lets it (and skips the mixed check) */
	if (script->execute_in_transaction >= 0)
	{
		parsed->transactional = script->execute_in_transaction == 1;
		parsed->transaction_set_by_conf = true;
	}
	return parsed;
}

static char *
statement_text(const ParsedScript *parsed, const ScriptStatement *stmt)
{
	return pnstrdup(parsed->text + stmt->location, stmt->length);
}

/* The data block being loaded, fed to COPY a line at a time. */
static const char *copy_source;
static int	copy_source_len;
static int	copy_source_pos;
static int	copy_lines_fed;

static int
copy_read_script_data(void *outbuf, int minread, int maxread)
{
	int			avail = copy_source_len - copy_source_pos;
	const char *start = copy_source + copy_source_pos;
	const char *nl;
	int			n;

	if (avail <= 0)
		return 0;
	/* one line per call, so an error is reported at its line */
	nl = memchr(start, '\n', avail);
	n = nl ? (int) (nl - start) + 1 : avail;
	if (n > maxread)
		n = maxread;
	else
		copy_lines_fed++;
	memcpy(outbuf, start, n);
	copy_source_pos += n;
	return n;
}

/*
 * Load a COPY ... FROM STDIN data block as psql would send it: the same
 * checks as COPY itself (privileges on the columns, row-level security, a
 * read-only transaction), then the server's COPY machinery reading from
 * the block.  The script was converted to the database encoding already,
 * so that is the data's encoding whatever the script says.
 */
static void
run_copy_from_script(ParsedScript *parsed, ScriptStatement *stmt)
{
	CopyStmt   *cs = (CopyStmt *) ((RawStmt *) stmt->raw)->stmt;
	ParseState *pstate = make_parsestate(NULL);
	ParseNamespaceItem *nsitem;
	Relation	rel;
	Node	   *where = NULL;
	List	   *options = NIL;
	ListCell   *lc;
	CopyFromState cstate;

	/* no row of this block read yet: an error before the first is the statement's */
	copy_lines_fed = 0;
	pstate->p_sourcetext = parsed->text;
	rel = table_openrv(cs->relation, RowExclusiveLock);
	nsitem = addRangeTableEntryForRelation(pstate, rel, RowExclusiveLock, NULL, false, false);
	if (cs->whereClause)
	{
		addNSItemToQuery(pstate, nsitem, false, true, true);
		where = transformExpr(pstate, cs->whereClause, EXPR_KIND_COPY_WHERE);
		where = coerce_to_boolean(pstate, where, "WHERE");
		assign_expr_collations(pstate, where);
		where = eval_const_expressions(NULL, where);
		where = (Node *) canonicalize_qual((Expr *) where, false);
		where = (Node *) make_ands_implicit((Expr *) where);
	}

	{
		List	   *attnums = CopyGetAttnums(RelationGetDescr(rel), rel, cs->attlist);
		Bitmapset  *cols = NULL;

		foreach(lc, attnums)
			cols = bms_add_member(cols, lfirst_int(lc) - FirstLowInvalidHeapAttributeNumber);
#if PG_VERSION_NUM >= 160000
		nsitem->p_perminfo->requiredPerms = ACL_INSERT;
		nsitem->p_perminfo->insertedCols = cols;
		ExecCheckPermissions(pstate->p_rtable, list_make1(nsitem->p_perminfo), true);
#else
		nsitem->p_rte->requiredPerms = ACL_INSERT;
		nsitem->p_rte->insertedCols = cols;
		ExecCheckRTPerms(pstate->p_rtable, true);
#endif
	}
	if (check_enable_rls(RelationGetRelid(rel), InvalidOid, false) == RLS_ENABLED)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("COPY FROM not supported with row-level security"),
				 errhint("Use INSERT statements instead.")));
	if (XactReadOnly && !rel->rd_islocaltemp)
		PreventCommandIfReadOnly("COPY FROM");

	foreach(lc, cs->options)
	{
		DefElem    *opt = lfirst(lc);

		if (strcmp(opt->defname, "encoding") != 0)
			options = lappend(options, opt);
	}
	options = lappend(options, makeDefElem("encoding",
										   (Node *) makeString((char *) GetDatabaseEncodingName()), -1));

	copy_source = stmt->copy_data ? stmt->copy_data : "";
	copy_source_len = stmt->copy_data ? stmt->copy_len : 0;
	copy_source_pos = 0;
	cstate = BeginCopyFrom(pstate, rel, where, NULL, false, copy_read_script_data,
						   cs->attlist, options);
	(void) CopyFrom(cstate);
	EndCopyFrom(cstate);
	table_close(rel, NoLock);
	copy_source = NULL;
}

static bool
is_copy_from_stdin(ScriptStatement *stmt)
{
	Node	   *node = ((RawStmt *) stmt->raw)->stmt;

	return IsA(node, CopyStmt) && ((CopyStmt *) node)->is_from &&
		((CopyStmt *) node)->filename == NULL && !((CopyStmt *) node)->is_program;
}

/*
 * An interrupted or failed CREATE INDEX CONCURRENTLY leaves an invalid
 * index behind, and CREATE INDEX ... IF NOT EXISTS then skips over it: a
 * migration must not be recorded as done with an index that is not used
 * and enforces nothing.  So after a CREATE INDEX that names its index, the
 * index of that name in the table's schema must be valid.  An index on a
 * partitioned table (ON ONLY) is invalid by design until its partitions
 * have theirs, so it is left alone.
 */
static void
reject_invalid_index(const ScriptStatement *stmt)
{
	Node	   *node = ((RawStmt *) stmt->raw)->stmt;
	IndexStmt  *index;
	Oid			relid;
	Oid			namespace;
	Oid			indexoid;
	HeapTuple	tuple;
	bool		valid;
	char	   *name;

	if (!IsA(node, IndexStmt) || ((IndexStmt *) node)->idxname == NULL)
		return;
	index = (IndexStmt *) node;
	relid = RangeVarGetRelid(index->relation, NoLock, true);
	if (!OidIsValid(relid))
		return;
	namespace = get_rel_namespace(relid);
	indexoid = get_relname_relid(index->idxname, namespace);
	if (!OidIsValid(indexoid) || get_rel_relkind(indexoid) != RELKIND_INDEX)
		return;
	tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexoid));
	if (!HeapTupleIsValid(tuple))
		return;
	valid = ((Form_pg_index) GETSTRUCT(tuple))->indisvalid;
	ReleaseSysCache(tuple);
	if (valid)
		return;

	name = quote_qualified_identifier(get_namespace_name(namespace), index->idxname);
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("index %s is invalid", name),
			 errdetail("A CREATE INDEX CONCURRENTLY that failed or was interrupted left it behind%s; queries do not use it and it enforces nothing.",
					   index->if_not_exists ? ", and IF NOT EXISTS kept it" : ""),
			 errhint("Drop it with DROP INDEX CONCURRENTLY %s; and the script will build it again.",
					 name)));
}

/*
 * script_execute_toplevel
 *		Run one statement as a client's statement runs: analyze, rewrite,
 *		plan, and execute in a portal at top level, inside the transaction
 *		command the caller started.  The source text given to the parser is
 *		the whole script, so error positions are script positions.
 */
void
script_execute_toplevel(ParsedScript *parsed, ScriptStatement *stmt)
{
	RawStmt    *raw = (RawStmt *) stmt->raw;
	MemoryContext stmt_cxt;
	MemoryContext oldcxt;
	char	   *text;
	List	   *querytrees;
	List	   *plantrees;
	Portal		portal;
	DestReceiver *dest;
	QueryCompletion qc;
	bool		snapshot_set = false;
	int16		format = 0;

	stmt_cxt = AllocSetContextCreate(TopMemoryContext, "pg_migrate statement",
									 ALLOCSET_DEFAULT_SIZES);
	oldcxt = MemoryContextSwitchTo(stmt_cxt);

	/* the server logs it with an error (log_min_error_statement): masked */
	text = script_mask_secrets(statement_text(parsed, stmt));
	debug_query_string = text;
	/* what a DBA sees in pg_stat_activity: the script, the line, the statement */
	pgstat_report_activity(STATE_RUNNING, psprintf("/* pg_migrate: %s line %d */ %s",
												   parsed->script->script, stmt->line, text));

	if (is_copy_from_stdin(stmt))
	{
		PushActiveSnapshot(GetTransactionSnapshot());
		run_copy_from_script(parsed, stmt);
		PopActiveSnapshot();
		debug_query_string = NULL;
		MemoryContextSwitchTo(oldcxt);
		MemoryContextDelete(stmt_cxt);
		return;
	}

	if (analyze_requires_snapshot(raw))
	{
		PushActiveSnapshot(GetTransactionSnapshot());
		snapshot_set = true;
	}
#if PG_VERSION_NUM >= 150000
	querytrees = pg_analyze_and_rewrite_fixedparams(raw, parsed->text, NULL, 0, NULL);
#else
	querytrees = pg_analyze_and_rewrite(raw, parsed->text, NULL, 0, NULL);
#endif
	plantrees = pg_plan_queries(querytrees, parsed->text, CURSOR_OPT_PARALLEL_OK, NULL);
	if (snapshot_set)
		PopActiveSnapshot();

	portal = CreatePortal("", true, true);
	portal->visible = false;
	PortalDefineQuery(portal, NULL, parsed->text, CreateCommandTag(raw->stmt), plantrees, NULL);
	PortalStart(portal, NULL, 0, InvalidSnapshot);
	PortalSetResultFormat(portal, 1, &format);

	dest = CreateDestReceiver(DestNone);
	if (StatementTimeout > 0)
		enable_timeout_after(STATEMENT_TIMEOUT, StatementTimeout);
	(void) PortalRun(portal, FETCH_ALL, true,
#if PG_VERSION_NUM < 180000
					 true,
#endif
					 dest, dest, &qc);
	if (StatementTimeout > 0)
		disable_timeout(STATEMENT_TIMEOUT, false);
	dest->rDestroy(dest);
	PortalDrop(portal, false);
	reject_invalid_index(stmt);

	debug_query_string = NULL;
	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(stmt_cxt);
}

/*
 * script_execute_spi
 *		Run one statement inside the caller's transaction, through SPI
 *		(connected by the caller).  The engine has refused already what
 *		cannot run there (transaction control, statements that need their
 *		own transaction).
 */
void
script_execute_spi(ParsedScript *parsed, ScriptStatement *stmt)
{
	int			rc;

	if (is_copy_from_stdin(stmt))
	{
		CommandCounterIncrement();
		PushActiveSnapshot(GetTransactionSnapshot());
		run_copy_from_script(parsed, stmt);
		PopActiveSnapshot();
		return;
	}
	rc = SPI_execute(statement_text(parsed, stmt), false, 0);
	if (rc < 0)
		elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(rc));
	SPI_freetuptable(SPI_tuptable);
	reject_invalid_index(stmt);
}

/*
 * script_error_line
 *		The script line a statement's error blames: a bad COPY data row, the
 *		cursor position (top level: positions are in the whole script), the
 *		position in the statement (through SPI), else the statement's first
 *		line.  The server's texts can quote a value from the statement, so
 *		their secrets are masked in place.
 */
int
script_error_line(ErrorData *edata, const ParsedScript *parsed, const ScriptStatement *stmt)
{
	int			line = stmt->line;

	if (stmt->copy_data && copy_lines_fed > 0)
		line = stmt->copy_line + copy_lines_fed - 1;	/* a bad data row */
	else if (edata->cursorpos > 0)
		line = line_of_error_position(parsed, edata, 0, edata->cursorpos);
	else if (edata->internalpos > 0 && edata->internalquery &&
			 strcmp(edata->internalquery, statement_text(parsed, stmt)) == 0)
		line = line_of_error_position(parsed, edata, stmt->location, edata->internalpos);

	mask_report_field(&edata->message);
	mask_report_field(&edata->detail);
	mask_report_field(&edata->hint);
	mask_report_field(&edata->context);
	return line;
}
