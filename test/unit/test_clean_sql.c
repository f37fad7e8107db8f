/*
 * test_clean_sql.c
 *	  Unit tests of clean_sql.c: the SCHEMA marker read back (the inverse of
 *	  history_schemas_marker()), the DROP statements, and that the catalog
 *	  reads call no operator a search_path could choose.
 */
#include "postgres_fe.h"

#include "clean_sql.h"
#include "history_sql.h"
#include "unit.h"

/* The marker Flyway writes for these schemas parses back to them. */
static void
check_round_trip(char *const *names, int count)
{
	char	  **parsed;
	int			nparsed;

	CHECK(clean_parse_schemas_marker(history_schemas_marker(names, count), &parsed, &nparsed));
	CHECK_INT(nparsed, count);
	for (int i = 0; i < count && i < nparsed; i++)
		CHECK_STR(parsed[i], names[i]);
}

static void
test_marker(void)
{
	char	   *const one[] = {"app"};
	char	   *const odd[] = {"a\"b", "x,y", "Mixed Case", "\"", "a\"\",\"b"};
	char	   *const many[] = {"s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9"};
	const char *const malformed[] = {"", "app", "\"app", "\"app\",", "\"a\"\"", "\"a\" \"b\"",
	"\"\"", "\"a\",,\"b\"", "\"a\";\"b\""};
	char	  **parsed;
	int			n;

	check_round_trip(one, lengthof(one));
	check_round_trip(odd, lengthof(odd));
	check_round_trip(many, lengthof(many));
	CHECK(clean_parse_schemas_marker("\"app\",\"audit\"", &parsed, &n));
	CHECK_INT(n, 2);
	CHECK_STR(parsed[1], "audit");
	for (size_t i = 0; i < lengthof(malformed); i++)
	{
		bool		ok = clean_parse_schemas_marker(malformed[i], &parsed, &n);

		if (ok)
			fprintf(stderr, "malformed marker accepted: %s\n", malformed[i]);
		CHECK(!ok);
	}
	CHECK(!clean_parse_schemas_marker(NULL, &parsed, &n));
}

static void
test_drops(void)
{
	int			nkinds;
	const CleanKind *kinds = clean_sql_kinds(&nkinds);
	char	   *const targets[] = {"\"s\".\"a\"", "\"s\".\"b\"\"; --\""};

	CHECK_STR(clean_sql_drop_schema("a\"b; DROP"), "DROP SCHEMA \"a\"\"b; DROP\" CASCADE");
	CHECK(nkinds >= 10);
	/* Flyway's order: materialized views, views, tables first */
	CHECK_STR(kinds[0].object_type, "materialized view");
	CHECK_STR(kinds[1].object_type, "view");
	CHECK_STR(kinds[2].object_type, "table");
	CHECK_STR(clean_sql_drop(&kinds[1], targets, 2),
			  "DROP VIEW \"s\".\"a\", \"s\".\"b\"\"; --\" CASCADE");
	CHECK_STR(clean_sql_drop(&kinds[2], targets, 1), "DROP TABLE \"s\".\"a\" CASCADE");
}

/*
 * Every "=" and "<>" in the SQL is OPERATOR(pg_catalog.=) / <>: an
 * unqualified one would be looked up on the caller's search_path.
 */
static bool
operators_qualified(const char *sql)
{
	for (const char *p = sql; *p; p++)
	{
		size_t		before = p - sql;

		if (*p == '=' || (*p == '<' && p[1] == '>'))
		{
			if (before < 20 || strncmp(p - 20, "OPERATOR(pg_catalog.", 20) != 0)
			{
				fprintf(stderr, "unqualified operator at: %.60s\n", p - Min(before, 30));
				return false;
			}
			if (*p == '<')
				p++;
		}
	}
	return true;
}

static void
test_qualified(void)
{
	int			nkinds;
	const CleanKind *kinds = clean_sql_kinds(&nkinds);

	for (int i = 0; i < nkinds; i++)
	{
		CHECK(operators_qualified(kinds[i].sql));
		/* the schema is the one parameter; extension members are never listed */
		CHECK(strstr(kinds[i].sql, "$1::pg_catalog.name") != NULL);
		CHECK(strstr(kinds[i].sql, "d.deptype OPERATOR(pg_catalog.=) 'e'") != NULL);
	}
	CHECK(operators_qualified(clean_sql_schema_state()));
	CHECK(operators_qualified(clean_sql_extensions()));
}

int
main(void)
{
	test_marker();
	test_drops();
	test_qualified();
	return unit_summary("clean_sql");
}
