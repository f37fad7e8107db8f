/*
 * test_script_split.c
 *	  Unit tests for client/script_split.c beyond what t/080_client_split.pl
 *	  compares with the extension: the fallback to the scanner for syntax
 *	  newer than libpg_query's grammar, and the errors with their lines.
 *	  Run by "make -C test/client check" (t/080_client_split.pl runs it).
 */
#include "postgres_fe.h"

#include "script_split.h"
#include "../unit/unit.h"

/* Split text; returns the count, or -(error line) on an error. */
static int
split(const char *text, SplitScript *out, char **errmsg)
{
	int			line = 0;

	*errmsg = NULL;
	if (!script_split(text, strlen(text), out, errmsg, &line))
		return -line;
	return out->count;
}

static void
test_fallback(void)
{
	SplitScript s;
	char	   *err;
	const char *text = "CREATE INDEX CONCURRENTLY i ON t (a);\n"
		"MERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN DELETE RETURNING merge_action();\n"
		"COPY t FROM stdin;\n1\n\\.\nSELECT 2";

	CHECK_INT(split(text, &s, &err), 4);
	CHECK(!s.kinds_known);
	CHECK_INT(s.parse_error_line, 2);
	CHECK(s.parse_error && strstr(s.parse_error, "RETURNING") != NULL);
	/* kinds unknown: all transactional, the server judges them */
	CHECK(s.statements[0].transactional && !s.statements[0].kind_known);
	CHECK(s.transactional);
	CHECK_INT(s.statements[1].line, 2);
	CHECK(s.statements[2].has_copy_data);
	CHECK_INT(s.statements[2].copy_line, 4);
	CHECK_INT(s.statements[2].copy_data_len, 2);
	CHECK_INT(s.statements[3].line, 6);
	script_split_free(&s);
}

static void
test_errors(void)
{
	SplitScript s;
	char	   *err;

	/* a "statement" without a keyword is not dropped unseen */
	CHECK_INT(split("SELECT 1;\nfoo bar;\nSELECT 2;", &s, &err), -2);
	CHECK(err && strstr(err, "syntax error") != NULL);
	free(err);
	/* nor the rest of a script whose parentheses do not close */
	CHECK_INT(split("SELECT 1;\nSELECT (1;\nSELECT 2;", &s, &err), -2);
	free(err);
	/* the scanner rejects it too: an error at its line */
	CHECK_INT(split("SELECT 1;\n\nSELECT 'x", &s, &err), -3);
	CHECK(err && strstr(err, "unterminated quoted string") != NULL);
	free(err);
	CHECK_INT(split("SELECT 1;\n/* open", &s, &err), -2);
	free(err);
	/* a NUL byte, which the server could not hold either */
	{
		int			line = 0;

		err = NULL;
		CHECK(!script_split("SELECT 1;\nSELECT\0 2;", 20, &s, &err, &line));
		CHECK_INT(line, 2);
		free(err);
	}
}

static void
test_kinds(void)
{
	SplitScript s;
	char	   *err;

	CHECK_INT(split("REINDEX (CONCURRENTLY false) TABLE t; REINDEX (CONCURRENTLY 1) TABLE t;"
					"REINDEX (CONCURRENTLY 0) TABLE t; BEGIN; COMMIT AND CHAIN; SELECT 1", &s, &err), 6);
	CHECK(s.kinds_known);
	CHECK(s.statements[0].transactional);
	CHECK(!s.statements[1].transactional);
	CHECK(s.statements[2].transactional);
	CHECK(s.statements[3].is_transaction_control);
	CHECK(s.statements[4].is_transaction_control);
	CHECK(!s.statements[5].is_transaction_control);
	CHECK(!s.transactional);
	script_split_free(&s);
	/* a COPY TO or FROM a file has no data block */
	CHECK_INT(split("COPY t FROM '/f';\nCOPY t TO stdout;\n\\.\n", &s, &err), -3);
	free(err);
	CHECK_INT(split("", &s, &err), 0);
	CHECK(s.transactional && s.kinds_known);
	script_split_free(&s);
	CHECK_INT(split("\xEF\xBB\xBF-- only a comment\r\n", &s, &err), 0);
	script_split_free(&s);
}

/* What each transaction statement does to the block it runs in (the engine's ends_block, commits_work). */
static void
test_transaction_effects(void)
{
	SplitScript s;
	char	   *err;
	static const struct
	{
		bool		commits;
		bool		ends;
	}			want[] = {
		{false, false},			/* BEGIN */
		{false, false},			/* SAVEPOINT a */
		{false, false},			/* ROLLBACK TO SAVEPOINT a */
		{false, false},			/* RELEASE a */
		{true, true},			/* COMMIT */
		{true, true},			/* END */
		{true, false},			/* COMMIT AND CHAIN: the next block opens at once */
		{false, true},			/* ROLLBACK */
		{false, false},			/* ROLLBACK AND CHAIN */
		{false, true},			/* ABORT */
		{true, true},			/* PREPARE TRANSACTION 'x' */
		{false, false},			/* SELECT 'COMMIT' */
	};

	CHECK_INT(split("BEGIN; SAVEPOINT a; ROLLBACK TO SAVEPOINT a; RELEASE a; COMMIT; END;"
					"COMMIT AND CHAIN; ROLLBACK; ROLLBACK AND CHAIN; ABORT; PREPARE TRANSACTION 'x'; SELECT 'COMMIT'",
					&s, &err), (int) lengthof(want));
	for (int i = 0; i < s.count && i < (int) lengthof(want); i++)
	{
		CHECK(s.statements[i].commits_work == want[i].commits);
		CHECK(s.statements[i].ends_block == want[i].ends);
	}
	script_split_free(&s);
}

int
main(void)
{
	test_fallback();
	test_errors();
	test_kinds();
	test_transaction_effects();
	return unit_summary("script_split");
}
