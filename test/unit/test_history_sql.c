/*
 * test_history_sql.c
 *	  Unit tests of history_sql.c: the history table's name, lock key, DDL
 *	  and statements as SQL text, and the quoting of odd names and values.
 */
#include "postgres_fe.h"

#include "history_sql.h"
#include "migrate_error.h"
#include "unit.h"

static HistoryTableRef
ref_of(const char *schema, const char *table)
{
	HistoryTableRef ref;

	history_ref_init(&ref, schema, table);
	return ref;
}

static HistoryChange
insert_of(const char *version, const char *description, const char *type, const char *script)
{
	HistoryChange c;

	memset(&c, 0, sizeof(c));
	c.kind = HISTORY_INSERT;
	c.version = version;
	c.description = description;
	c.type = type;
	c.script = script;
	c.checksum = 1497239685;
	c.installed_by = "postgres";
	c.execution_time = 12;
	c.success = true;
	return c;
}

/* Flyway's name and lock key (docs/reference.md gives the default's). */
static void
test_ref(void)
{
	HistoryTableRef ref = ref_of("public", "flyway_schema_history");

	CHECK_STR(ref.qualified, "\"public\".\"flyway_schema_history\"");
	CHECK_INT(ref.lock_key, 77433833903597LL);
	CHECK(!ref.exists && !ref.schema_exists);
	/* the key follows the quoted name: another schema, another key */
	ref = ref_of("myschema", "flyway_schema_history");
	CHECK_INT(ref.lock_key, 77431447924489LL);
	ref = ref_of("we\"ird", "t");
	CHECK_STR(ref.qualified, "\"we\"\"ird\".\"t\"");
	CHECK_STR(ref.schema, "we\"ird");
}

static void
test_quoting(void)
{
	CHECK_STR(history_quote_ident("plain"), "\"plain\"");
	CHECK_STR(history_quote_ident("Mixed Case"), "\"Mixed Case\"");
	CHECK_STR(history_quote_ident("a\"b\"\""), "\"a\"\"b\"\"\"\"\"");
	CHECK_STR(history_quote_ident("back\\slash"), "\"back\\slash\"");
	CHECK_STR(history_quote_ident(""), "\"\"");

	CHECK_STR(history_quote_literal("plain"), "'plain'");
	CHECK_STR(history_quote_literal("it's"), "'it''s'");
	CHECK_STR(history_quote_literal(""), "''");
	/* a backslash: E'' with it doubled, right with standard_conforming_strings on or off */
	CHECK_STR(history_quote_literal("a\\b"), "E'a\\\\b'");
	CHECK_STR(history_quote_literal("\\'"), "E'\\\\'''");
	CHECK_STR(history_quote_literal("x\\"), "E'x\\\\'");
	CHECK_STR(history_quote_literal("caf\xc3\xa9"), "'caf\xc3\xa9'");
}

static void
test_create(void)
{
	HistoryTableRef ref = ref_of("app", "my\"hist");
	char	  **stmts;
	int			n;

	char	   *app[] = {"app"};
	char	   *two[] = {"app", "au\"dit"};

	n = history_sql_create(&ref, app, 1, &stmts);
	CHECK_INT(n, 4);
	CHECK_STR(stmts[0], "CREATE SCHEMA \"app\"");
	CHECK_STR(stmts[1], "CREATE TABLE \"app\".\"my\"\"hist\" (\n"
			  "    \"installed_rank\" INT NOT NULL,\n"
			  "    \"version\" VARCHAR(50),\n"
			  "    \"description\" VARCHAR(200) NOT NULL,\n"
			  "    \"type\" VARCHAR(20) NOT NULL,\n"
			  "    \"script\" VARCHAR(1000) NOT NULL,\n"
			  "    \"checksum\" INTEGER,\n"
			  "    \"installed_by\" VARCHAR(100) NOT NULL,\n"
			  "    \"installed_on\" TIMESTAMP NOT NULL DEFAULT pg_catalog.now(),\n"
			  "    \"execution_time\" INTEGER NOT NULL,\n"
			  "    \"success\" BOOLEAN NOT NULL\n"
			  ")");
	CHECK_STR(stmts[2], "ALTER TABLE \"app\".\"my\"\"hist\" ADD CONSTRAINT \"my\"\"hist_pk\" PRIMARY KEY (\"installed_rank\")");
	CHECK_STR(stmts[3], "CREATE INDEX \"my\"\"hist_s_idx\" ON \"app\".\"my\"\"hist\" (\"success\")");

	n = history_sql_create(&ref, NULL, 0, &stmts);
	CHECK_INT(n, 3);
	CHECK(strncmp(stmts[0], "CREATE TABLE ", 13) == 0);

	/* createSchemas makes every missing schema; the table in its tablespace */
	ref.tablespace = "fast space";
	n = history_sql_create(&ref, two, 2, &stmts);
	CHECK_INT(n, 5);
	CHECK_STR(stmts[0], "CREATE SCHEMA \"app\"");
	CHECK_STR(stmts[1], "CREATE SCHEMA \"au\"\"dit\"");
	CHECK(strstr(stmts[2], "\"success\" BOOLEAN NOT NULL\n) TABLESPACE \"fast space\"") != NULL);

	/* Flyway's SCHEMA marker lists them quoted, joined by commas */
	CHECK_STR(history_schemas_marker(two, 2), "\"app\",\"au\"\"dit\"");
	CHECK_STR(history_schemas_marker(app, 1), "\"app\"");
}

/* One try of the lock, and who holds it when it cannot be taken. */
static void
test_lock_wait(void)
{
	HistoryTableRef ref = ref_of("public", "flyway_schema_history");
	MigrateError err;
	char	   *sql;

	CHECK_STR(history_sql_try_lock(&ref, false),
			  psprintf("SELECT pg_catalog.pg_try_advisory_lock(" INT64_FORMAT ")", ref.lock_key));
	CHECK_STR(history_sql_try_lock(&ref, true),
			  psprintf("SELECT pg_catalog.pg_try_advisory_xact_lock(" INT64_FORMAT ")", ref.lock_key));
	sql = history_sql_lock_holders(&ref);
	CHECK(strstr(sql, "FROM pg_catalog.pg_locks l LEFT JOIN pg_catalog.pg_stat_activity a") != NULL);
	CHECK(strstr(sql, "l.pid OPERATOR(pg_catalog.<>) pg_catalog.pg_backend_pid()") != NULL);
	CHECK(strstr(sql, "'%s'") == NULL); /* every %% survived psprintf */
	CHECK(strstr(sql, "'process %s (application %s, role %s, connected since %s, %s since %s)'") != NULL);

	memset(&err, 0, sizeof(err));
	history_lock_wait_error(&err, ref.qualified, ref.lock_key, 50, "process 7 (application x)",
							"pg_migrate.lock_retry_count");
	CHECK_STR(err.sqlstate, "55P03");
	CHECK_STR(err.message, "could not take the migration lock of \"public\".\"flyway_schema_history\" after 51 tries, one second apart");
	CHECK(strstr(err.detail, "is held by process 7 (application x).") != NULL);
	CHECK(strstr(err.hint, "raise pg_migrate.lock_retry_count") != NULL);

	history_lock_wait_error(&err, ref.qualified, ref.lock_key, 0, NULL, "-lockRetryCount");
	CHECK_STR(err.message, "could not take the migration lock of \"public\".\"flyway_schema_history\" after 1 try");
	CHECK(strstr(err.detail, "has released it since") != NULL);
}

static void
test_changes(void)
{
	HistoryTableRef ref = ref_of("public", "flyway_schema_history");
	HistoryChange c = insert_of("1.1", "users", "SQL", "V1_1__users.sql");
	HistoryStatement st;
	char		longdesc[301];

	history_sql_change(&ref, &c, &st);
	CHECK_STR(st.sql, "INSERT INTO \"public\".\"flyway_schema_history\" (installed_rank, version, description, "
			  "type, script, checksum, installed_by, execution_time, success) "
			  "SELECT CASE WHEN pg_catalog.max(installed_rank) IS NULL "
			  "THEN CASE WHEN $9 THEN 0 ELSE 1 END "
			  "ELSE pg_catalog.max(installed_rank) OPERATOR(pg_catalog.+) 1 END, "
			  "$1, $2, $3, $4, $5, $6, $7, $8 FROM \"public\".\"flyway_schema_history\" "
			  "RETURNING installed_rank::pg_catalog.int4");
	CHECK(st.returns_rank);
	CHECK_INT(st.nparams, 9);
	CHECK_STR(st.types[0], "pg_catalog.text");
	CHECK_STR(st.types[4], "pg_catalog.int4");
	CHECK_STR(st.types[7], "pg_catalog.bool");
	CHECK_STR(st.types[8], "pg_catalog.bool");
	CHECK_STR(st.values[0], "1.1");
	CHECK_STR(st.values[1], "users");
	CHECK_STR(st.values[2], "SQL");
	CHECK_STR(st.values[3], "V1_1__users.sql");
	CHECK_STR(st.values[4], "1497239685");
	CHECK_STR(st.values[5], "postgres");
	CHECK_STR(st.values[6], "12");
	CHECK_STR(st.values[7], "true");
	CHECK_STR(st.values[8], "false");

	/* a repeatable and a NULL checksum: SQL NULLs; a SCHEMA marker takes rank 0 */
	c = insert_of(NULL, "<< Flyway Schema Creation >>", "SCHEMA", "\"app\"");
	c.checksum_null = true;
	c.success = false;
	history_sql_change(&ref, &c, &st);
	CHECK(st.values[0] == NULL);
	CHECK(st.values[4] == NULL);
	CHECK_STR(st.values[7], "false");
	CHECK_STR(st.values[8], "true");

	/* a description is cut as Flyway cuts it: 197 characters and "..." */
	memset(longdesc, 'd', 300);
	longdesc[300] = '\0';
	c = insert_of("2", longdesc, "SQL", "V2__d.sql");
	history_sql_change(&ref, &c, &st);
	CHECK_INT(strlen(st.values[1]), 200);
	CHECK(strcmp(st.values[1] + 197, "...") == 0);

	memset(&c, 0, sizeof(c));
	c.kind = HISTORY_DELETE;
	c.installed_rank = 7;
	history_sql_change(&ref, &c, &st);
	CHECK_STR(st.sql, "DELETE FROM \"public\".\"flyway_schema_history\" WHERE installed_rank OPERATOR(pg_catalog.=) $1");
	CHECK_INT(st.nparams, 1);
	CHECK_STR(st.types[0], "pg_catalog.int4");
	CHECK_STR(st.values[0], "7");
	CHECK(!st.returns_rank);

	memset(&c, 0, sizeof(c));
	c.kind = HISTORY_REALIGN;
	c.installed_rank = 3;
	c.description = "new words";
	c.type = "SQL";
	c.checksum = -5;
	history_sql_change(&ref, &c, &st);
	CHECK_STR(st.sql, "UPDATE \"public\".\"flyway_schema_history\" SET description = $1, type = $2, checksum = $3 "
			  "WHERE installed_rank OPERATOR(pg_catalog.=) $4");
	CHECK_INT(st.nparams, 4);
	CHECK_STR(st.values[0], "new words");
	CHECK_STR(st.values[1], "SQL");
	CHECK_STR(st.values[2], "-5");
	CHECK_STR(st.values[3], "3");
	c.checksum_null = true;
	history_sql_change(&ref, &c, &st);
	CHECK(st.values[2] == NULL);
}

/* migrate_plan()'s form, as expected/12_undo_plan.out shows it */
static void
test_change_literal(void)
{
	HistoryTableRef ref = ref_of("u12", "flyway_schema_history");
	HistoryChange c = insert_of("1", "users", "SQL", "V1__users.sql");

	c.execution_time = 0;
	CHECK_STR(history_sql_change_literal(&ref, &c, 1),
			  "INSERT INTO \"u12\".\"flyway_schema_history\" (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) VALUES (1, '1', 'users', 'SQL', 'V1__users.sql', 1497239685, 'postgres', 0, true)");
	c = insert_of(NULL, "it's", "SQL", "R__it's.sql");
	c.checksum_null = true;
	c.installed_by = "dom\\user";
	c.success = false;
	CHECK_STR(history_sql_change_literal(&ref, &c, 0),
			  "INSERT INTO \"u12\".\"flyway_schema_history\" (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) VALUES (0, NULL, 'it''s', 'SQL', 'R__it''s.sql', NULL, E'dom\\\\user', 12, false)");
}

static void
test_reads_and_locks(void)
{
	HistoryTableRef ref = ref_of("public", "flyway_schema_history");
	const char *probe = history_sql_probe();
	const char *empty = history_sql_schema_is_empty();

	CHECK_STR(history_sql_select(&ref),
			  "/*NO LOAD BALANCE*/ SELECT installed_rank::pg_catalog.int4, "
			  "version::pg_catalog.text, description::pg_catalog.text, "
			  "type::pg_catalog.text, script::pg_catalog.text, "
			  "checksum::pg_catalog.int4, installed_by::pg_catalog.text, "
			  "installed_on::pg_catalog.text, execution_time::pg_catalog.int4, "
			  "success::pg_catalog.bool "
			  "FROM \"public\".\"flyway_schema_history\" ORDER BY 1");

	/* qualified throughout: no bare operator or catalog a search_path could replace */
	CHECK(strstr(probe, "$1") != NULL && strstr(probe, "$2") != NULL && strstr(probe, "$3") == NULL);
	CHECK(strstr(probe, "pg_catalog.pg_namespace") != NULL);
	CHECK(strstr(probe, "pg_catalog.pg_class") != NULL);
	CHECK(strstr(probe, "relkind::pg_catalog.text") != NULL);
	CHECK(strstr(probe, " = ") == NULL);
	CHECK(strstr(probe, " FROM pg_class") == NULL && strstr(probe, " JOIN pg_namespace") == NULL);
	CHECK(strstr(empty, "$1") != NULL && strstr(empty, "$2") == NULL);
	CHECK(strstr(empty, " = ") == NULL);
	CHECK(strstr(empty, "OPERATOR(pg_catalog.<>) 'A'") != NULL);

	CHECK_STR(history_sql_lock(&ref), "SELECT pg_catalog.pg_advisory_lock(77433833903597)");
	CHECK_STR(history_sql_unlock(&ref), "SELECT pg_catalog.pg_advisory_unlock(77433833903597)");
	CHECK_STR(history_sql_lock_xact(&ref), "SELECT pg_catalog.pg_advisory_xact_lock(77433833903597)");
}

static void
test_migrate_error(void)
{
	MigrateError err;

	migrate_error_clear(&err);
	CHECK(!migrate_error_is_set(&err));
	migrate_error_set(&err, "42704", "gone", NULL, "look again");
	CHECK(migrate_error_is_set(&err));
	CHECK_STR(err.sqlstate, "42704");
	CHECK_STR(err.message, "gone");
	CHECK(err.detail == NULL);
	CHECK_STR(err.hint, "look again");
	CHECK(err.context == NULL);
	/* anything but five characters is not a SQLSTATE */
	migrate_error_set(&err, "427", "short", "d", NULL);
	CHECK_STR(err.sqlstate, "XX000");
	CHECK_STR(err.detail, "d");
	CHECK(err.hint == NULL);
	migrate_error_clear(&err);
	CHECK(!migrate_error_is_set(&err));
	CHECK(err.message == NULL);
}

int
main(void)
{
	test_ref();
	test_quoting();
	test_create();
	test_changes();
	test_lock_wait();
	test_change_literal();
	test_reads_and_locks();
	test_migrate_error();
	return unit_summary("history_sql");
}
