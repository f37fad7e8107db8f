/*
 * test_statement_kind.c
 *	  Unit tests for statement_kind.c: which statements cannot run in a
 *	  transaction block, and the textual part of the COPY ... FROM STDIN
 *	  pre-pass.
 */
#include "postgres_fe.h"

#include "statement_kind.h"
#include "unit.h"

static StatementKind
of(StatementNodeKind kind)
{
	StatementKind k;

	memset(&k, 0, sizeof(k));
	k.kind = kind;
	return k;
}

static bool
needs(StatementKind k)
{
	return statement_needs_own_transaction(&k);
}

static void
test_rule(void)
{
	StatementKind k;

	CHECK(!needs(of(STMT_KIND_OTHER)));
	CHECK(!needs(of(STMT_KIND_UNKNOWN)));	/* the server judges it */
	CHECK(!needs(of(STMT_KIND_TRANSACTION)));
	CHECK(!needs(of(STMT_KIND_COPY_FROM_STDIN)));

	k = of(STMT_KIND_INDEX);
	CHECK(!needs(k));
	k.concurrent = true;
	CHECK(needs(k));
	k = of(STMT_KIND_DROP);
	CHECK(!needs(k));
	k.concurrent = true;
	CHECK(needs(k));

	k = of(STMT_KIND_REINDEX);
	k.reindex_target = STMT_REINDEX_TABLE;
	CHECK(!needs(k));
	k.reindex_target = STMT_REINDEX_INDEX;
	CHECK(!needs(k));
	k.concurrent = true;
	CHECK(needs(k));
	k.concurrent = false;
	k.reindex_target = STMT_REINDEX_SCHEMA;
	CHECK(needs(k));
	k.reindex_target = STMT_REINDEX_SYSTEM;
	CHECK(needs(k));
	k.reindex_target = STMT_REINDEX_DATABASE;
	CHECK(needs(k));

	k = of(STMT_KIND_VACUUM);
	CHECK(!needs(k));			/* ANALYZE */
	k.is_vacuumcmd = true;
	CHECK(needs(k));

	CHECK(needs(of(STMT_KIND_CREATEDB)));
	CHECK(needs(of(STMT_KIND_DROPDB)));
	CHECK(needs(of(STMT_KIND_CREATE_TABLESPACE)));
	CHECK(needs(of(STMT_KIND_DROP_TABLESPACE)));
	CHECK(needs(of(STMT_KIND_ALTER_SYSTEM)));
	CHECK(needs(of(STMT_KIND_CREATE_SUBSCRIPTION)));
	CHECK(needs(of(STMT_KIND_DROP_SUBSCRIPTION)));

	k = of(STMT_KIND_DISCARD);
	CHECK(!needs(k));
	k.discard_all = true;
	CHECK(needs(k));
	k = of(STMT_KIND_CLUSTER);
	CHECK(needs(k));
	k.cluster_has_relation = true;
	CHECK(!needs(k));
	k = of(STMT_KIND_ALTER_TABLE);
	CHECK(!needs(k));
	k.detach_concurrently = true;
	CHECK(needs(k));

	CHECK(statement_is_transaction_control(&(StatementKind) {.kind = STMT_KIND_TRANSACTION}));
	CHECK(!statement_is_transaction_control(&(StatementKind) {.kind = STMT_KIND_OTHER}));
}

static void
test_text(void)
{
	const char *s = "  -- c\n/* a /* nested */ b */\tSELECT 1";
	const char *copy = "COPY t FROM stdin; -- rest\n1\n2\n  \\.  \r\nSELECT 2;";
	int			len = (int) strlen(copy);
	int			start;
	int			line_start;
	int			after;
	char		buf[64];

	CHECK_INT(skip_blanks_and_comments(s, 0, (int) strlen(s)), strstr(s, "SELECT") - s);
	CHECK_INT(skip_blanks_and_comments(s, 0, 3), 2);	/* a lone "-" is not a comment */
	CHECK_INT(skip_blanks_and_comments("x", 0, 1), 0);

	CHECK(is_end_of_data_line("\\.", 0, 2));
	CHECK(is_end_of_data_line(" \t\\. \r", 0, 6));
	CHECK(!is_end_of_data_line("\\.x", 0, 3));
	CHECK(!is_end_of_data_line("a\\.", 0, 3));

	start = copy_data_start(copy, (int) (strchr(copy, ';') - copy) + 1, len);
	CHECK_INT(start, strstr(copy, "1\n") - copy);
	after = next_end_of_data_line(copy, start, len, &line_start);
	CHECK_INT(line_start, strstr(copy, "  \\.") - copy);
	CHECK_INT(after, strstr(copy, "SELECT 2") - copy);
	/* no end line: everything to the end is data */
	after = next_end_of_data_line("1\n2", 0, 3, &line_start);
	CHECK_INT(after, 3);
	CHECK_INT(line_start, 3);
	CHECK_INT(copy_data_start("COPY t FROM stdin;", 18, 18), 18);

	strcpy(buf, "ab\r\ncd\ne");
	blank_out_keeping_lines(buf, 1, 7);
	CHECK_STR(buf, "a \r\n  \ne");
}

int
main(void)
{
	test_rule();
	test_text();
	return unit_summary("statement_kind");
}
