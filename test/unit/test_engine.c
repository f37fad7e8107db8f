/*
 * test_engine.c
 *	  Unit tests of the engine (src/engine/): Flyway's migrate, undo,
 *	  validate, info, baseline, repair and the dry run, through the fake
 *	  executor (fake_executor.c), which logs every write and can fail.
 */
#include "postgres_fe.h"

#include "checksum.h"
#include "engine.h"
#include "fake_executor.h"
#include "unit.h"

/* ---- what the sinks received ---- */

#define MAXC 128

typedef struct Collected
{
	AppliedResult applied[MAXC];	/* finished scripts only */
	int			napplied;
	int			nstarting;
	EngineNoticeLevel levels[MAXC];
	char	   *notices[MAXC];
	char	   *details[MAXC];
	char	   *hints[MAXC];
	int			nnotices;
	char	   *planned[MAXC];	/* "script:line sql" */
	int			nplanned;
	InfoRow		info[MAXC];
	int			ninfo;
	char	   *repaired[MAXC];
	int			nrepaired;
	int			baselined_rank;
	const char *baselined_version;
	int			nbaselined;
} Collected;

static Collected C;
static PlaceholderSet SECRETS;
static FakeExecutor FX;
static EngineOptions O;
static Engine E;

static void
sink_applied(const AppliedResult *result, void *arg)
{
	if (result->starting)
		C.nstarting++;
	else if (C.napplied < MAXC)
		C.applied[C.napplied++] = *result;
}

static void
sink_info(const InfoRow *row, void *arg)
{
	if (C.ninfo < MAXC)
		C.info[C.ninfo++] = *row;
}

static void
sink_baselined(int rank, const char *version, const char *description, void *arg)
{
	C.nbaselined++;
	C.baselined_rank = rank;
	C.baselined_version = pstrdup(version);
}

static void
sink_repaired(const char *action, const AppliedRow *row, void *arg)
{
	if (C.nrepaired < MAXC)
		C.repaired[C.nrepaired++] = psprintf("%s %d", action, row->installed_rank);
}

static void
sink_planned(int seq, const char *script, int line, const char *statement, void *arg)
{
	if (seq != C.nplanned + 1)
		fprintf(stderr, "planned seq %d after %d\n", seq, C.nplanned);
	if (C.nplanned < MAXC)
		C.planned[C.nplanned++] = psprintf("%s:%d %s", script ? script : "-", line, statement);
}

static void
sink_notice(EngineNoticeLevel level, const char *message, const char *detail, const char *hint,
			void *arg)
{
	if (C.nnotices >= MAXC)
		return;
	C.levels[C.nnotices] = level;
	C.notices[C.nnotices] = pstrdup(message);
	C.details[C.nnotices] = detail ? pstrdup(detail) : NULL;
	C.hints[C.nnotices] = hint ? pstrdup(hint) : NULL;
	C.nnotices++;
}

static const EngineSinks SINKS = {
	.applied = sink_applied,
	.info = sink_info,
	.baselined = sink_baselined,
	.repaired = sink_repaired,
	.planned = sink_planned,
	.notice = sink_notice,
};

/* A fresh database with its schema, no history table, no scripts. */
static void
setup(void)
{
	fake_init(&FX);
	memset(&O, 0, sizeof(O));
	memset(&C, 0, sizeof(C));
	O.placeholder_replacement = true;
	O.validate_on_migrate = true;
	O.create_schemas = true;	/* Flyway's defaults */
	O.lock_retry_count = 50;
}

/* The engine, with O as the options: call after setting them. */
static Engine *
engine(void)
{
	engine_init(&E, &FX.base, &O, &SINKS);
	return &E;
}

/* The index of the first notice that starts with prefix, or -1. */
static int
notice_find(const char *prefix)
{
	for (int i = 0; i < C.nnotices; i++)
		if (strncmp(C.notices[i], prefix, strlen(prefix)) == 0)
			return i;
	return -1;
}

static int
planned_find(const char *prefix)
{
	for (int i = 0; i < C.nplanned; i++)
		if (strncmp(C.planned[i], prefix, strlen(prefix)) == 0)
			return i;
	return -1;
}

static bool
starts_with(const char *text, const char *prefix)
{
	return text != NULL && strncmp(text, prefix, strlen(prefix)) == 0;
}

static bool
contains(const char *text, const char *piece)
{
	return text != NULL && strstr(text, piece) != NULL;
}

/* The history row of rank, or (a failed check) an empty one. */
static const AppliedRow *
row_at(int rank)
{
	static AppliedRow none;
	const AppliedRow *row = fake_row(&FX, rank);

	if (row == NULL)
	{
		CHECK(row != NULL);
		fprintf(stderr, "  (no history row of rank %d)\n", rank);
		return &none;
	}
	return row;
}

/* A history row for a script as it is now: applied successfully. */
static void
applied_row(int rank, const char *version, const char *description, const char *script)
{
	fake_add_row(&FX, rank, version, description, "SQL", script, false,
				 fake_checksum(&FX, script), true);
}

static void
fail_statement(const char *script, int stmt, const char *sqlstate, const char *message)
{
	FakeFailure f;

	memset(&f, 0, sizeof(f));
	f.script = script;
	f.stmt = stmt;
	f.sqlstate = sqlstate;
	f.message = message;
	fake_fail_statement(&FX, &f);
}

/* ---- migrate ---- */

/*
 * An empty database whose schema does not exist yet: the schema and table
 * created with the SCHEMA marker at rank 0, then each migration in its own
 * transaction in version order (not file order), repeatables last.
 */
static void
test_migrate_empty_database(void)
{
	setup();
	O.schema = "app";
	FX.schema_exists = false;
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);\nINSERT INTO a VALUES (1);\n");
	fake_add_script(&FX, "V10__ten.sql", "CREATE TABLE j (i int);");
	fake_add_script(&FX, "V1_1__mid.sql", "CREATE TABLE m (i int);");
	fake_add_script(&FX, "V2__two.sql", "\n\nCREATE TABLE b (i int);");
	fake_add_script(&FX, "R__view.sql", "CREATE VIEW v AS SELECT 1;");

	CHECK(engine_migrate(engine()));
	CHECK_STR(fake_log(&FX, 0),
			  "lock | begin | create schema+table | insert 0 \"app\" SCHEMA ok | commit"
			  " | begin | run V1__one.sql:1 CREATE TABLE a (i int) | run V1__one.sql:2 INSERT INTO a VALUES (1)"
			  " | insert 1 V1__one.sql SQL ok | commit"
			  " | begin | run V1_1__mid.sql:1 CREATE TABLE m (i int) | insert 2 V1_1__mid.sql SQL ok | commit"
			  " | begin | run V2__two.sql:3 CREATE TABLE b (i int) | insert 3 V2__two.sql SQL ok | commit"
			  " | begin | run V10__ten.sql:1 CREATE TABLE j (i int) | insert 4 V10__ten.sql SQL ok | commit"
			  " | begin | run R__view.sql:1 CREATE VIEW v AS SELECT 1 | insert 5 R__view.sql SQL ok | commit"
			  " | unlock");
	CHECK_INT(FX.locks_held, 0);
	CHECK_INT(FX.nrows, 6);
	/* the SCHEMA marker */
	CHECK(row_at(0)->version == NULL);
	CHECK_STR(row_at(0)->description, "<< Flyway Schema Creation >>");
	CHECK(row_at(0)->checksum_null);
	/* a migration's row */
	CHECK_STR(row_at(1)->version, "1");
	CHECK_STR(row_at(1)->description, "one");
	CHECK_INT(row_at(1)->checksum, fake_checksum(&FX, "V1__one.sql"));
	CHECK(!row_at(1)->checksum_null);
	CHECK_STR(row_at(1)->installed_by, "alice");
	CHECK(row_at(1)->success);
	CHECK(row_at(5)->version == NULL);
	/* results, in order */
	CHECK_INT(C.napplied, 5);
	CHECK_INT(C.nstarting, 5);
	CHECK_INT(E.executed, 5);
	CHECK_STR(C.applied[0].version, "1");
	CHECK_STR(C.applied[0].state, "Success");
	CHECK_STR(C.applied[0].type, "SQL");
	CHECK_STR(C.applied[0].script, "V1__one.sql");
	CHECK_STR(C.applied[1].version, "1.1");
	CHECK_STR(C.applied[3].version, "10");
	CHECK(C.applied[4].version == NULL);
	CHECK_STR(C.applied[4].description, "view");
	CHECK_STR(C.applied[4].state, "Success");
	/* one notice per script */
	CHECK(notice_find("applied V1__one.sql") >= 0);
	CHECK(starts_with(C.details[notice_find("applied V1__one.sql")], "Version 1 (one) took "));
	CHECK(starts_with(C.details[notice_find("applied R__view.sql")], "Repeatable \"view\" took "));
	CHECK_INT(C.levels[notice_find("applied R__view.sql")], ENGINE_NOTICE);
	CHECK(fake_has_effect(&FX, "CREATE TABLE b (i int)"));
}

/* The schema exists and is empty: the table alone, no marker, ranks from 1. */
static void
test_migrate_existing_empty_schema(void)
{
	setup();
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	CHECK(engine_migrate(engine()));
	CHECK_STR(fake_log(&FX, 0),
			  "lock | begin | create table | commit"
			  " | begin | run V1__one.sql:1 CREATE TABLE a (i int) | insert 1 V1__one.sql SQL ok | commit"
			  " | unlock");
	CHECK_STR(E.history.qualified, "\"public\".\"flyway_schema_history\"");
}

/*
 * Flyway's schemas: the first holds the history table; every missing one
 * is created with it, and one SCHEMA marker lists them; the table goes in
 * the tablespace.
 */
static void
test_migrate_schemas(void)
{
	char	   *schemas[] = {"app", "audit", "app"};

	setup();
	O.schemas = schemas;
	O.nschemas = 3;
	O.tablespace = "fast";
	FX.missing_schemas = " app audit ";
	FX.schema_exists = false;
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	CHECK(engine_migrate(engine()));
	CHECK_STR(E.history.qualified, "\"app\".\"flyway_schema_history\"");
	CHECK_STR(fake_log(&FX, 0),
			  "lock | begin | create 2 schemas+table | insert 0 \"app\",\"audit\" SCHEMA ok | commit"
			  " | begin | run V1__one.sql:1 CREATE TABLE a (i int) | insert 1 V1__one.sql SQL ok | commit"
			  " | unlock");
	CHECK_STR(FX.tablespace, "fast");
	CHECK_INT(FX.lock_retry_count, 50);

	/* defaultSchema holds the table and is created first, though not listed */
	setup();
	O.schema = "hist";
	O.schemas = schemas;
	O.nschemas = 2;
	FX.missing_schemas = " hist audit ";
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	CHECK(engine_migrate(engine()));
	CHECK_STR(E.history.qualified, "\"hist\".\"flyway_schema_history\"");
	CHECK(starts_with(fake_log(&FX, 0),
					  "lock | begin | create 2 schemas+table | insert 0 \"hist\",\"audit\" SCHEMA ok | commit"));
	CHECK(FX.tablespace == NULL);

	/* createSchemas off: nothing is created, the table only, no marker */
	setup();
	O.schemas = schemas;
	O.nschemas = 2;
	O.create_schemas = false;
	FX.missing_schemas = " audit ";
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	CHECK(engine_migrate(engine()));
	CHECK(starts_with(fake_log(&FX, 0), "lock | begin | create table | commit | begin | run"));

	/* ... and a missing schema for the history table is refused */
	setup();
	O.schemas = schemas;
	O.nschemas = 2;
	O.create_schemas = false;
	FX.schema_exists = false;
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	CHECK(!engine_migrate(engine()));
	CHECK_STR(E.error.sqlstate, "3F000");
	CHECK_STR(E.error.message,
			  "schema \"app\" of the history table \"app\".\"flyway_schema_history\" does not exist");
	CHECK(contains(E.error.hint, "SET pg_migrate.create_schemas = on"));
	CHECK_STR(fake_log(&FX, 0), "lock | unlock");
	CHECK(!FX.table_exists);

	/* a baseline creates them too, with the marker before the baseline row */
	setup();
	O.schemas = schemas;
	O.nschemas = 2;
	FX.missing_schemas = " audit ";
	CHECK(engine_baseline(engine(), "3", "base"));
	CHECK_STR(fake_log(&FX, 0),
			  "lock | begin | create schema+table | insert 0 \"audit\" SCHEMA ok"
			  " | insert 1 base BASELINE ok | commit | unlock");
}

/* The lock not taken in lockRetryCount tries: the run stops before anything, naming the holder. */
static void
test_lock_wait_bounded(void)
{
	setup();
	O.lock_retry_count = 3;
	FX.lock_holder = "process 42 (application flyway)";
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	CHECK(!engine_migrate(engine()));
	CHECK_INT(FX.lock_retry_count, 3);
	CHECK_STR(E.error.sqlstate, "55P03");
	CHECK(contains(E.error.message, "after 4 tries"));
	CHECK(contains(E.error.detail, "held by process 42 (application flyway)"));
	CHECK_STR(fake_log(&FX, 0), "lock refused");
	CHECK(!FX.table_exists);
}

/* Another run created the history and applied V1 while this one waited for the lock. */
static void
another_run_applied_v1(FakeExecutor *fx)
{
	fake_add_row(fx, 1, "1", "one", "SQL", "V1__one.sql", false, fake_checksum(fx, "V1__one.sql"), true);
}

/* What is there under the lock decides, not what was there before it. */
static void
test_migrate_decides_under_lock(void)
{
	setup();
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	fake_add_script(&FX, "V2__two.sql", "CREATE TABLE b (i int);");
	FX.on_lock = another_run_applied_v1;
	CHECK(engine_migrate(engine()));
	CHECK_STR(fake_log(&FX, 0),
			  "lock | begin | run V2__two.sql:1 CREATE TABLE b (i int) | insert 2 V2__two.sql SQL ok | commit | unlock");
}

/* A schema with objects but no history: refused, unless baselineOnMigrate. */
static void
test_migrate_non_empty_schema(void)
{
	setup();
	FX.schema_empty = false;
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	fake_add_script(&FX, "V2__two.sql", "CREATE TABLE b (i int);");
	CHECK(!engine_migrate(engine()));
	CHECK_STR(E.error.sqlstate, "55000");
	CHECK_STR(E.error.message,
			  "found non-empty schema \"public\" but no history table \"public\".\"flyway_schema_history\"");
	CHECK(contains(E.error.hint, "Call migrate_baseline()"));
	CHECK(contains(E.error.hint, "SET pg_migrate.baseline_on_migrate = on"));
	CHECK_STR(fake_log(&FX, 0), "lock | unlock");
	CHECK(!FX.table_exists);

	setup();
	FX.schema_empty = false;
	O.baseline_on_migrate = true;
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	fake_add_script(&FX, "V2__two.sql", "CREATE TABLE b (i int);");
	CHECK(engine_migrate(engine()));
	CHECK_STR(fake_log(&FX, 0),
			  "lock | begin | create table | insert 1 << Flyway Baseline >> BASELINE ok | commit"
			  " | begin | run V2__two.sql:1 CREATE TABLE b (i int) | insert 2 V2__two.sql SQL ok | commit"
			  " | unlock");
	CHECK_STR(row_at(1)->version, "1");
	CHECK(notice_find("baselined schema \"public\" at version 1") >= 0);
}

/* Everything applied: the lock and nothing else. */
static void
test_migrate_noop(void)
{
	setup();
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	fake_add_script(&FX, "R__r.sql", "SELECT 1;");
	applied_row(1, "1", "one", "V1__one.sql");
	applied_row(2, NULL, "r", "R__r.sql");
	CHECK(engine_migrate(engine()));
	CHECK_STR(fake_log(&FX, 0), "lock | unlock");
	CHECK_INT(C.napplied, 0);
	CHECK_INT(E.executed, 0);

	/* a changed repeatable runs again */
	fake_set_script(&FX, "R__r.sql", "SELECT 2;");
	fake_clear_log(&FX);
	CHECK(engine_migrate(engine()));
	CHECK_STR(fake_log(&FX, 0),
			  "lock | begin | run R__r.sql:1 SELECT 2 | insert 3 R__r.sql SQL ok | commit | unlock");
}

static void
add_all_callbacks(void)
{
	/* out of order on purpose: the engine sorts by description */
	fake_add_script(&FX, "beforeMigrate__b.sql", "SELECT 'bm b';");
	fake_add_script(&FX, "beforeMigrate__a.sql", "SELECT 'bm a';");
	fake_add_script(&FX, "beforeMigrate.sql", "SELECT 'bm';");
	fake_add_script(&FX, "afterMigrate.sql", "SELECT 'am';");
	fake_add_script(&FX, "beforeEachMigrate.sql", "SELECT 'bem';");
	fake_add_script(&FX, "afterEachMigrate.sql", "SELECT 'aem';");
	fake_add_script(&FX, "beforeValidate.sql", "SELECT 'bv';");
	fake_add_script(&FX, "afterValidate.sql", "SELECT 'av';");
	fake_add_script(&FX, "afterEachMigrateError.sql", "SELECT 'aeme';");
	fake_add_script(&FX, "afterMigrateError.sql", "SELECT 'ame';");
}

/*
 * Flyway's callback order: validate's around validation, beforeMigrate,
 * beforeEach and afterEach inside each migration's transaction, then
 * afterMigrate; each outside callback in a transaction of its own.
 */
static void
test_migrate_callbacks(void)
{
	setup();
	FX.table_exists = true;
	add_all_callbacks();
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	CHECK(engine_migrate(engine()));
	CHECK_STR(fake_log(&FX, 0),
			  "lock"
			  " | begin | run beforeValidate.sql:1 SELECT 'bv' | commit"
			  " | begin | run afterValidate.sql:1 SELECT 'av' | commit"
			  " | begin | run beforeMigrate.sql:1 SELECT 'bm' | commit"
			  " | begin | run beforeMigrate__a.sql:1 SELECT 'bm a' | commit"
			  " | begin | run beforeMigrate__b.sql:1 SELECT 'bm b' | commit"
			  " | begin | run beforeEachMigrate.sql:1 SELECT 'bem' | run V1__one.sql:1 CREATE TABLE a (i int)"
			  " | run afterEachMigrate.sql:1 SELECT 'aem' | insert 1 V1__one.sql SQL ok | commit"
			  " | begin | run afterMigrate.sql:1 SELECT 'am' | commit"
			  " | unlock");
	CHECK_INT(FX.nrows, 1);

	/* a no-op migrate still runs the run's callbacks, not the per-migration ones */
	fake_clear_log(&FX);
	CHECK(engine_migrate(engine()));
	CHECK_STR(fake_log(&FX, 0),
			  "lock"
			  " | begin | run beforeValidate.sql:1 SELECT 'bv' | commit"
			  " | begin | run afterValidate.sql:1 SELECT 'av' | commit"
			  " | begin | run beforeMigrate.sql:1 SELECT 'bm' | commit"
			  " | begin | run beforeMigrate__a.sql:1 SELECT 'bm a' | commit"
			  " | begin | run beforeMigrate__b.sql:1 SELECT 'bm b' | commit"
			  " | begin | run afterMigrate.sql:1 SELECT 'am' | commit"
			  " | unlock");
}

/*
 * A transactional migration that fails: rolled back, no history row, the
 * error callbacks (each, then the run's), the earlier one stays applied,
 * the later one never runs, and the lock is released.
 */
static void
test_migrate_failing_transactional(void)
{
	FakeFailure f;

	setup();
	FX.table_exists = true;
	fake_add_script(&FX, "afterEachMigrateError.sql", "SELECT 'aeme';");
	fake_add_script(&FX, "afterMigrateError.sql", "SELECT 'ame';");
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	fake_add_script(&FX, "V2__x.sql", "CREATE TABLE b (i int);\n\nINSERT INTO b VALUES ('x');");
	fake_add_script(&FX, "V3__three.sql", "CREATE TABLE c (i int);");
	fail_statement("V2__x.sql", 2, "22P02", "invalid input syntax for type integer: \"x\"");

	CHECK(!engine_migrate(engine()));
	CHECK_STR(fake_log(&FX, 0),
			  "lock"
			  " | begin | run V1__one.sql:1 CREATE TABLE a (i int) | insert 1 V1__one.sql SQL ok | commit"
			  " | begin | run V2__x.sql:1 CREATE TABLE b (i int) | run V2__x.sql:3 INSERT INTO b VALUES ('x')"
			  " | rollback"
			  " | begin | run afterEachMigrateError.sql:1 SELECT 'aeme' | commit"
			  " | begin | run afterMigrateError.sql:1 SELECT 'ame' | commit"
			  " | unlock");
	CHECK_STR(E.error.sqlstate, "22P02");
	CHECK_STR(E.error.message,
			  "migration V2__x.sql failed at line 3: invalid input syntax for type integer: \"x\"");
	CHECK_STR(E.error.detail, "SQLSTATE 22P02 in statement: INSERT INTO b VALUES ('x')");
	CHECK_STR(E.error.hint,
			  "Fix the script and call migrate_apply() again: the migrations before it stay applied and nothing of this one remains.");
	CHECK_INT(E.error.line, 3);
	CHECK_INT(FX.nrows, 1);
	CHECK(fake_has_effect(&FX, "CREATE TABLE a (i int)"));
	CHECK(!fake_has_effect(&FX, "CREATE TABLE b (i int)"));
	CHECK_INT(C.napplied, 1);
	CHECK_INT(FX.locks_held, 0);

	/* the server's detail and hint come first; its line (a COPY row) wins */
	setup();
	FX.table_exists = true;
	fake_add_script(&FX, "V2__x.sql", "CREATE TABLE b (i int);\nINSERT INTO b VALUES ('x');");
	memset(&f, 0, sizeof(f));
	f.script = "V2__x.sql";
	f.stmt = 2;
	f.sqlstate = "23505";
	f.message = "duplicate key value violates unique constraint \"b_pkey\"";
	f.detail = "Key (i)=(1) already exists.";
	f.hint = "Server hint.";
	f.line = 7;
	fake_fail_statement(&FX, &f);
	CHECK(!engine_migrate(engine()));
	CHECK_STR(E.error.message,
			  "migration V2__x.sql failed at line 7: duplicate key value violates unique constraint \"b_pkey\"");
	CHECK_STR(E.error.detail,
			  "Key (i)=(1) already exists.\nSQLSTATE 23505 in statement: INSERT INTO b VALUES ('x')");
	CHECK(starts_with(E.error.hint, "Server hint.\nFix the script and call migrate_apply() again"));

	/* the command's wording */
	setup();
	FX.table_exists = true;
	fake_add_script(&FX, "V2__x.sql", "SELECT 1;");
	fail_statement("V2__x.sql", 1, "42601", "syntax error");
	engine();
	E.wording = &engine_wording_command;
	CHECK(!engine_migrate(&E));
	CHECK(starts_with(E.error.hint, "Fix the script and run pg_migrate migrate again"));
}

/* No schema configured and none on the search_path: the error names the settings. */
static void
test_no_schema_names_settings(void)
{
	setup();
	FX.current_schema = NULL;
	engine();
	CHECK(!engine_migrate(&E));
	CHECK_STR(E.error.sqlstate, "3F000");
	CHECK_STR(E.error.message, "cannot determine the schema of the history table");
	CHECK_STR(E.error.detail, "No schema is configured for it and no schema on the search_path exists.");
	CHECK_STR(E.error.hint, "Set pg_migrate.schema (or pg_migrate.schemas), or fix search_path.");
	CHECK_INT(FX.nlog, 0);

	setup();
	FX.current_schema = NULL;
	engine();
	E.wording = &engine_wording_command;
	CHECK(!engine_info(&E));
	CHECK_STR(E.error.hint, "Set -defaultSchema (or -schemas), or fix search_path.");
}

/* A statement longer than 300 bytes is quoted cut, at a character boundary. */
static void
test_migrate_long_statement_quoted_cut(void)
{
	StringInfoData sql;

	setup();
	FX.table_exists = true;
	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT '");
	for (int i = 0; i < 200; i++)
		appendStringInfoString(&sql, "\xc3\xa9");	/* é: two bytes */
	appendStringInfoString(&sql, "';");
	fake_add_script(&FX, "V1__long.sql", sql.data);
	fail_statement("V1__long.sql", 1, "XX000", "boom");
	CHECK(!engine_migrate(engine()));
	/* "SQLSTATE XX000 in statement: " + 300 bytes at most, cut between characters + "..." */
	CHECK(contains(E.error.detail, "..."));
	CHECK(strlen(E.error.detail) <= strlen("SQLSTATE XX000 in statement: ") + 300 + 3);
	CHECK(strlen(E.error.detail) >= strlen("SQLSTATE XX000 in statement: ") + 299 + 3);
	/* the byte before "..." ends a character (é's second byte) */
	CHECK((unsigned char) E.error.detail[strlen(E.error.detail) - 4] == 0xa9);
}

/*
 * A non-transactional migration that fails left its first statements done:
 * it is recorded with success = false and the hint says repair.  When even
 * that record fails, a warning, and the hint says it is not recorded.
 */
static void
test_migrate_failing_non_transactional(void)
{
	setup();
	FX.table_exists = true;
	fake_add_script(&FX, "afterEachMigrateError.sql", "SELECT 'aeme';");
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	fake_add_script(&FX, "V2__x.sql", "VACUUM a;\nCREATE INDEX CONCURRENTLY ai ON a (i);");
	fake_add_script(&FX, "V3__three.sql", "CREATE TABLE c (i int);");
	fail_statement("V2__x.sql", 2, "42P07", "relation \"ai\" already exists");
	CHECK(!engine_migrate(engine()));
	CHECK_STR(fake_log(&FX, 0),
			  "lock"
			  " | begin | run V1__one.sql:1 CREATE TABLE a (i int) | insert 1 V1__one.sql SQL ok | commit"
			  " | run V2__x.sql:1 VACUUM a | run V2__x.sql:2 CREATE INDEX CONCURRENTLY ai ON a (i)"
			  " | rollback | insert 2 V2__x.sql SQL failed"
			  " | begin | run afterEachMigrateError.sql:1 SELECT 'aeme' | commit"
			  " | unlock");
	CHECK_STR(E.error.message, "migration V2__x.sql failed at line 2: relation \"ai\" already exists");
	CHECK_STR(E.error.hint,
			  "This migration ran outside a transaction, so its statements before the failing one stay done; "
			  "it is recorded as failed. Clean up, then call migrate_repair() and migrate_apply() again.");
	CHECK(!row_at(2)->success);
	CHECK_STR(row_at(2)->version, "2");
	CHECK(fake_has_effect(&FX, "VACUUM a"));

	/* the failed row blocks the next migrate until repaired */
	fake_clear_log(&FX);
	FX.nstmt_failures = 0;
	CHECK(!engine_migrate(engine()));
	CHECK_STR(E.error.sqlstate, "55000");
	CHECK(contains(E.error.message, "validate failed"));
	CHECK_STR(fake_log(&FX, 0), "lock | unlock");

	/* recording the failure fails too */
	setup();
	FX.table_exists = true;
	fake_add_script(&FX, "V2__x.sql", "VACUUM a;\nCREATE INDEX CONCURRENTLY ai ON a (i);");
	fail_statement("V2__x.sql", 2, "42P07", "relation \"ai\" already exists");
	FX.fail_insert_script = "V2__x.sql";
	FX.fail_insert_success = 0;
	CHECK(!engine_migrate(engine()));
	CHECK_STR(E.error.sqlstate, "42P07");
	CHECK_STR(E.error.message, "migration V2__x.sql failed at line 2: relation \"ai\" already exists");
	CHECK(contains(E.error.hint, "recording it as failed failed too (see the warning)"));
	CHECK(contains(E.error.hint, "Clean up, then call migrate_apply() again: it runs again from its start."));
	CHECK_INT(FX.nrows, 0);
	CHECK(notice_find("could not record the failure of V2__x.sql in the history table "
					  "\"public\".\"flyway_schema_history\": permission denied") >= 0);
	CHECK_INT(C.levels[notice_find("could not record the failure")], ENGINE_WARNING);
	CHECK_STR(C.hints[notice_find("could not record the failure")], "The error of the migration itself follows.");
}

/*
 * A script's own COMMIT made its start permanent: the block starts again
 * after it; on a later failure the rest is rolled back and the script is
 * recorded as failed, the hint naming the COMMIT's line.
 */
static void
test_migrate_own_commit_then_failure(void)
{
	setup();
	FX.table_exists = true;
	fake_add_script(&FX, "V1__c.sql",
					"CREATE TABLE a (i int);\nCOMMIT;\nCREATE TABLE b (i int);\nSELECT broken;");
	fail_statement("V1__c.sql", 4, "42703", "column \"broken\" does not exist");
	CHECK(!engine_migrate(engine()));
	CHECK_STR(fake_log(&FX, 0),
			  "lock | begin | run V1__c.sql:1 CREATE TABLE a (i int) | run V1__c.sql:2 COMMIT | begin"
			  " | run V1__c.sql:3 CREATE TABLE b (i int) | run V1__c.sql:4 SELECT broken | rollback"
			  " | insert 1 V1__c.sql SQL failed | unlock");
	CHECK(contains(E.error.hint,
				   "Its own COMMIT at line 2 made its statements up to there permanent and the rest was rolled back; "
				   "it is recorded as failed. Clean up, then call migrate_repair() and migrate_apply() again."));
	CHECK(fake_has_effect(&FX, "CREATE TABLE a (i int)"));
	CHECK(!fake_has_effect(&FX, "CREATE TABLE b (i int)"));
	CHECK(!row_at(1)->success);

	/* without a failure, the block begun after the COMMIT holds the row */
	setup();
	FX.table_exists = true;
	fake_add_script(&FX, "V1__c.sql", "CREATE TABLE a (i int);\nCOMMIT;");
	CHECK(engine_migrate(engine()));
	CHECK_STR(fake_log(&FX, 0),
			  "lock | begin | run V1__c.sql:1 CREATE TABLE a (i int) | run V1__c.sql:2 COMMIT | begin"
			  " | insert 1 V1__c.sql SQL ok | commit | unlock");
}

/* A commit or a history INSERT that fails: the migration fails after its statements. */
static void
test_migrate_commit_and_record_failures(void)
{
	setup();
	FX.table_exists = true;
	fake_add_script(&FX, "afterEachMigrateError.sql", "SELECT 'aeme';");
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	FX.fail_commit_at = 1;
	CHECK(!engine_migrate(engine()));
	CHECK_STR(E.error.sqlstate, "40001");
	CHECK_STR(E.error.message,
			  "migration V1__one.sql failed after its statements ran: could not serialize access due to concurrent update");
	CHECK(starts_with(E.error.hint, "Fix the script and call migrate_apply() again"));
	CHECK_INT(FX.nrows, 0);
	CHECK(!fake_has_effect(&FX, "CREATE TABLE a (i int)"));
	CHECK(fake_log_find(&FX, "run afterEachMigrateError.sql") > fake_log_find(&FX, "commit"));

	setup();
	FX.table_exists = true;
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	FX.fail_insert_script = "V1__one.sql";
	CHECK(!engine_migrate(engine()));
	CHECK_STR(E.error.sqlstate, "42501");
	CHECK_STR(E.error.message,
			  "migration V1__one.sql failed after its statements ran: permission denied for table flyway_schema_history");
	CHECK_STR(fake_log(&FX, 0),
			  "lock | begin | run V1__one.sql:1 CREATE TABLE a (i int) | insert failed V1__one.sql | rollback | unlock");
	CHECK(!fake_has_effect(&FX, "CREATE TABLE a (i int)"));
}

/* A beforeEachMigrate callback that fails inside the migration's block is blamed. */
static void
test_migrate_each_callback_failure(void)
{
	setup();
	FX.table_exists = true;
	fake_add_script(&FX, "beforeEachMigrate.sql", "SELECT 'ok';\nSELECT bad;");
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	fail_statement("beforeEachMigrate.sql", 2, "42703", "column \"bad\" does not exist");
	CHECK(!engine_migrate(engine()));
	CHECK_STR(E.error.message, "callback beforeEachMigrate.sql failed at line 2: column \"bad\" does not exist");
	CHECK_STR(E.error.detail, "SQLSTATE 42703 in statement: SELECT bad");
	CHECK(starts_with(E.error.hint, "Fix the script and call migrate_apply() again"));
	CHECK_STR(fake_log(&FX, 0),
			  "lock | begin | run beforeEachMigrate.sql:1 SELECT 'ok' | run beforeEachMigrate.sql:2 SELECT bad"
			  " | rollback | unlock");

	/* a run callback that fails: its own transaction, its own wording */
	setup();
	FX.table_exists = true;
	fake_add_script(&FX, "beforeMigrate.sql", "SELECT bad;");
	fake_add_script(&FX, "afterMigrateError.sql", "SELECT 'ame';");
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	fail_statement("beforeMigrate.sql", 1, "42703", "column \"bad\" does not exist");
	CHECK(!engine_migrate(engine()));
	CHECK_STR(E.error.message, "callback beforeMigrate.sql failed at line 1: column \"bad\" does not exist");
	CHECK_STR(E.error.hint, "Fix the callback script and call the function again.");
	CHECK_STR(fake_log(&FX, 0),
			  "lock | begin | run beforeMigrate.sql:1 SELECT bad | rollback"
			  " | begin | run afterMigrateError.sql:1 SELECT 'ame' | commit | unlock");
	CHECK_INT(FX.nrows, 0);
}

/*
 * A non-transactional migration's beforeEach callback runs in a transaction
 * of its own; when it fails, the callback is blamed once, with the
 * migration's hint (nothing of the migration ran, yet it is recorded as
 * failed, as a failure outside a transaction is).
 */
static void
test_migrate_each_callback_failure_non_transactional(void)
{
	setup();
	FX.table_exists = true;
	fake_add_script(&FX, "beforeEachMigrate.sql", "SELECT bad;");
	fake_add_script(&FX, "V1__vac.sql", "VACUUM a;");
	fail_statement("beforeEachMigrate.sql", 1, "42703", "column \"bad\" does not exist");
	CHECK(!engine_migrate(engine()));
	CHECK_STR(fake_log(&FX, 0),
			  "lock | begin | run beforeEachMigrate.sql:1 SELECT bad | rollback | rollback"
			  " | insert 1 V1__vac.sql SQL failed | unlock");
	CHECK_STR(E.error.sqlstate, "42703");
	CHECK_STR(E.error.message, "callback beforeEachMigrate.sql failed at line 1: column \"bad\" does not exist");
	CHECK_STR(E.error.detail, "SQLSTATE 42703 in statement: SELECT bad");
	CHECK_STR(E.error.hint,
			  "This migration ran outside a transaction, so its statements before the failing one stay done; "
			  "it is recorded as failed. Clean up, then call migrate_repair() and migrate_apply() again.");
}

/*
 * A migration mixing statements that need no transaction with others is
 * refused before any of it runs, unless mixed is on or its .conf decided.
 */
static void
test_migrate_mixed(void)
{
	const char *mixed = "CREATE TABLE a (i int);\nCREATE INDEX CONCURRENTLY ai ON a (i);";

	setup();
	FX.table_exists = true;
	fake_add_script(&FX, "afterEachMigrateError.sql", "SELECT 'aeme';");
	fake_add_script(&FX, "V1__mix.sql", mixed);
	CHECK(!engine_migrate(engine()));
	CHECK_STR(E.error.sqlstate, "25001");
	CHECK_STR(E.error.message,
			  "migration V1__mix.sql mixes statements that must run outside a transaction with others");
	CHECK_STR(E.error.detail,
			  "Line 2 cannot run inside a transaction block; line 1 can, and would then run without one.");
	CHECK_STR(E.error.hint,
			  "Move the statement at line 2 into a migration of its own, or SET pg_migrate.mixed = on.");
	CHECK_INT(fake_log_count(&FX, "run V1__mix.sql"), 0);
	/* refused before any migration started (fail fast): no afterEach error callback */
	CHECK_INT(fake_log_count(&FX, "run afterEachMigrateError.sql"), 0);
	CHECK_INT(FX.nrows, 0);

	/* mixed = on: every statement by itself, no block */
	setup();
	FX.table_exists = true;
	O.mixed = true;
	fake_add_script(&FX, "V1__mix.sql", mixed);
	CHECK(engine_migrate(engine()));
	CHECK_STR(fake_log(&FX, 0),
			  "lock | run V1__mix.sql:1 CREATE TABLE a (i int) | run V1__mix.sql:2 CREATE INDEX CONCURRENTLY ai ON a (i)"
			  " | insert 1 V1__mix.sql SQL ok | unlock");

	/* executeInTransaction=false in its .conf decides the same */
	setup();
	FX.table_exists = true;
	fake_add_script_conf(&FX, "V1__mix.sql", mixed, 0);
	CHECK(engine_migrate(engine()));
	CHECK_INT(fake_log_count(&FX, "begin"), 0);
	CHECK_INT(FX.nrows, 1);
}

/*
 * In the caller's transaction: what cannot run in a block is refused
 * before it runs, and after a failure nothing runs (no error callbacks, no
 * rollback, no failure row); the lock is the transaction's.
 */
static void
test_migrate_caller_transaction(void)
{
	setup();
	FX.ops.caller_transaction = true;
	FX.table_exists = true;
	fake_add_script(&FX, "afterEachMigrateError.sql", "SELECT 'aeme';");
	fake_add_script(&FX, "afterMigrateError.sql", "SELECT 'ame';");
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	fake_add_script(&FX, "V2__two.sql", "CREATE TABLE b (i int);\nSELECT bad;");
	fake_add_script(&FX, "V3__three.sql", "CREATE TABLE c (i int);");
	fail_statement("V2__two.sql", 2, "42703", "column \"bad\" does not exist");
	CHECK(!engine_migrate(engine()));
	CHECK_STR(fake_log(&FX, 0),
			  "lock | begin | run V1__one.sql:1 CREATE TABLE a (i int) | insert 1 V1__one.sql SQL ok | commit"
			  " | begin | run V2__two.sql:1 CREATE TABLE b (i int) | run V2__two.sql:2 SELECT bad | unlock");
	CHECK_INT(FX.ops_after_failure, 0);
	CHECK_STR(E.error.message, "migration V2__two.sql failed at line 2: column \"bad\" does not exist");
	CHECK_STR(E.error.hint,
			  "Fix the script and call migrate_apply() again; with single_transaction nothing of this run remains.");

	/* a statement that cannot run in a block: refused before the script runs */
	setup();
	FX.ops.caller_transaction = true;
	FX.table_exists = true;
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	fake_add_script(&FX, "V2__vac.sql", "VACUUM a;");
	CHECK(!engine_migrate(engine()));
	CHECK_STR(E.error.sqlstate, "25001");
	CHECK_STR(E.error.message, "migration V2__vac.sql line 1 cannot run inside a transaction block");
	CHECK_STR(E.error.detail, "Statement: VACUUM a");
	CHECK_INT(fake_log_count(&FX, "run V2__vac.sql"), 0);
	CHECK_INT(FX.ops_after_failure, 0);

	/* nor can the script's own transaction control */
	setup();
	FX.ops.caller_transaction = true;
	FX.table_exists = true;
	fake_add_script(&FX, "afterEachMigrateError.sql", "SELECT 'aeme';");
	fake_add_script(&FX, "V1__c.sql", "CREATE TABLE a (i int);\nCOMMIT;");
	CHECK(!engine_migrate(engine()));
	CHECK_STR(E.error.message,
			  "migration V1__c.sql line 2 controls the transaction, which single_transaction => true cannot allow");
	CHECK_INT(fake_log_count(&FX, "run "), 0);

	/* nor a callback's */
	setup();
	FX.ops.caller_transaction = true;
	FX.table_exists = true;
	fake_add_script(&FX, "beforeMigrate.sql", "VACUUM;");
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	CHECK(!engine_migrate(engine()));
	CHECK_STR(E.error.message, "callback beforeMigrate.sql line 1 cannot run inside the caller's transaction");
	CHECK_INT(fake_log_count(&FX, "run "), 0);

	/* a history row that cannot be written names the migration */
	setup();
	FX.ops.caller_transaction = true;
	FX.table_exists = true;
	fake_add_script(&FX, "afterMigrateError.sql", "SELECT 'ame';");
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	FX.fail_insert_script = "*";
	CHECK(!engine_migrate(engine()));
	CHECK_STR(E.error.message,
			  "could not record migration V1__one.sql in the history table \"public\".\"flyway_schema_history\": "
			  "permission denied for table flyway_schema_history");
	CHECK(starts_with(E.error.hint, "With single_transaction nothing of this run remains."));
	CHECK_INT(FX.ops_after_failure, 0);
	CHECK_INT(fake_log_count(&FX, "rollback"), 0);
}

/* ---- validation ---- */

static void
test_validation(void)
{
	int			validated = 0;

	/* a changed applied script: nothing is applied, every problem listed */
	setup();
	fake_add_script(&FX, "beforeValidate.sql", "SELECT 'bv';");
	fake_add_script(&FX, "afterValidate.sql", "SELECT 'av';");
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	fake_add_script(&FX, "V2__two.sql", "CREATE TABLE b (i int);");
	fake_add_row(&FX, 1, "1", "one", "SQL", "V1__one.sql", false, 12345, true);
	CHECK(!engine_migrate(engine()));
	CHECK_STR(E.error.sqlstate, "55000");
	CHECK_STR(E.error.message, "validate failed: Migration checksum mismatch for migration version 1 (V1__one.sql)");
	CHECK(contains(E.error.detail, "12345"));
	CHECK_STR(E.error.hint,
			  "Revert the changes to the applied scripts, or call migrate_repair() to accept them. Nothing was applied.");
	CHECK_STR(fake_log(&FX, 0), "lock | begin | run beforeValidate.sql:1 SELECT 'bv' | commit | unlock");
	CHECK_INT(FX.nrows, 1);

	/* two problems: counted in the message, both in the detail */
	setup();
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	fake_add_script(&FX, "V3__three.sql", "CREATE TABLE c (i int);");
	fake_add_row(&FX, 1, "1", "one", "SQL", "V1__one.sql", false, 12345, true);
	fake_add_row(&FX, 2, "2", "two", "SQL", "V2__two.sql", false, 1, true);
	fake_add_row(&FX, 3, "3", "three", "SQL", "V3__three.sql", false, fake_checksum(&FX, "V3__three.sql"), true);
	CHECK(!engine_migrate(engine()));
	CHECK_STR(E.error.message, "validate failed: 2 migrations have failed validation");
	CHECK(contains(E.error.detail, "Migration checksum mismatch for migration version 1"));
	CHECK(contains(E.error.detail, "Detected applied migration not resolved locally: 2"));
	CHECK(starts_with(E.error.hint, "Revert the changes to the applied scripts"));
	CHECK_STR(fake_log(&FX, 0), "lock | unlock");

	/* without a checksum mismatch, the hint is repair's other work */
	setup();
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	fake_add_script(&FX, "V3__three.sql", "CREATE TABLE c (i int);");
	applied_row(1, "1", "one", "V1__one.sql");
	fake_add_row(&FX, 2, "2", "two", "SQL", "V2__two.sql", false, 1, true);
	CHECK(!engine_migrate(engine()));
	CHECK_STR(E.error.message, "validate failed: Detected applied migration not resolved locally: 2.");
	CHECK_STR(E.error.hint,
			  "Fix the scripts or the history (migrate_repair() removes failed rows and marks missing scripts deleted). "
			  "Nothing was applied.");
	CHECK_INT(fake_log_count(&FX, "run "), 0);

	/* a target no script has */
	setup();
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	O.target = "5";
	CHECK(!engine_migrate(engine()));
	CHECK_STR(E.error.sqlstate, "22023");
	CHECK_STR(E.error.message, "no migration with the target version 5 could be found");
	CHECK_INT(fake_log_count(&FX, "run "), 0);

	/* the hint names the setting that accepts it */
	CHECK(E.error.hint && strstr(E.error.hint, "SET pg_migrate.fail_on_missing_target = off"));

	/* failOnMissingTarget off: "5" as if "5?", both scripts applied */
	setup();
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	fake_add_script(&FX, "V2__two.sql", "CREATE TABLE b (i int);");
	O.target = "5";
	O.missing_target_ok = true;
	CHECK(engine_migrate(engine()));
	CHECK_INT(C.napplied, 2);
	/* an existing target still stops there */
	setup();
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	fake_add_script(&FX, "V2__two.sql", "CREATE TABLE b (i int);");
	O.target = "1";
	O.missing_target_ok = true;
	CHECK(engine_migrate(engine()));
	CHECK_INT(C.napplied, 1);

	/* "5?" accepts it; "1" stops there */
	setup();
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	fake_add_script(&FX, "V2__two.sql", "CREATE TABLE b (i int);");
	O.target = "5?";
	CHECK(engine_migrate(engine()));
	CHECK_INT(C.napplied, 2);
	setup();
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	fake_add_script(&FX, "V2__two.sql", "CREATE TABLE b (i int);");
	O.target = "1";
	CHECK(engine_migrate(engine()));
	CHECK_INT(C.napplied, 1);
	CHECK_INT(fake_log_count(&FX, "run V2__two.sql"), 0);

	/* a bad target is refused before anything */
	setup();
	O.target = "x.y";
	CHECK(!engine_check_options(engine()));
	CHECK_STR(E.error.sqlstate, "22023");
	CHECK_STR(E.error.message, "invalid target \"x.y\"");

	/* out of order: ignored (an error) unless allowed, then "Out of Order" */
	setup();
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	fake_add_script(&FX, "V2__two.sql", "CREATE TABLE b (i int);");
	applied_row(1, "2", "two", "V2__two.sql");
	CHECK(!engine_migrate(engine()));
	CHECK_STR(E.error.sqlstate, "55000");
	CHECK(contains(E.error.message, "Detected resolved migration not applied to database: 1"));
	CHECK_INT(fake_log_count(&FX, "run "), 0);
	setup();
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	fake_add_script(&FX, "V2__two.sql", "CREATE TABLE b (i int);");
	applied_row(1, "2", "two", "V2__two.sql");
	O.out_of_order = true;
	CHECK(engine_migrate(engine()));
	CHECK_INT(C.napplied, 1);
	CHECK_STR(C.applied[0].version, "1");
	CHECK_STR(C.applied[0].state, "Out of Order");

	/* validate: a pending migration is a problem there; callbacks around it */
	setup();
	fake_add_script(&FX, "beforeValidate.sql", "SELECT 'bv';");
	fake_add_script(&FX, "afterValidate.sql", "SELECT 'av';");
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	fake_add_script(&FX, "V2__two.sql", "CREATE TABLE b (i int);");
	applied_row(1, "1", "one", "V1__one.sql");
	CHECK(!engine_validate(engine(), &validated));
	CHECK_STR(E.error.message, "validate failed: Detected resolved migration not applied to database: 2.");
	CHECK_STR(fake_log(&FX, 0), "begin | run beforeValidate.sql:1 SELECT 'bv' | commit");
	applied_row(2, "2", "two", "V2__two.sql");
	fake_clear_log(&FX);
	CHECK(engine_validate(engine(), &validated));
	CHECK_INT(validated, 2);
	CHECK_STR(fake_log(&FX, 0),
			  "begin | run beforeValidate.sql:1 SELECT 'bv' | commit | begin | run afterValidate.sql:1 SELECT 'av' | commit");
}

/* Badly named files warn (or fail with validate_naming); duplicates fail. */
static void
test_names_and_duplicates(void)
{
	setup();
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	fake_add_script(&FX, "V2_two.sql", "CREATE TABLE b (i int);");
	CHECK(engine_migrate(engine()));
	CHECK(notice_find("1 SQL file(s) skipped because their names do not follow the naming convention") >= 0);
	CHECK(starts_with(C.details[notice_find("1 SQL file(s)")], "V2_two.sql: "));
	CHECK_INT(C.napplied, 1);

	setup();
	O.validate_naming = true;
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	fake_add_script(&FX, "V2_two.sql", "CREATE TABLE b (i int);");
	CHECK(!engine_migrate(engine()));
	CHECK_STR(E.error.sqlstate, "42602");
	CHECK_STR(E.error.message, "invalid migration script names found");
	CHECK_INT(fake_log_count(&FX, "run "), 0);
	CHECK_INT(FX.locks_held, 0);
	/* refused before the history table is created: nothing is left behind */
	CHECK(!FX.table_exists);

	setup();
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	fake_add_script(&FX, "V1_0__other.sql", "CREATE TABLE b (i int);");
	CHECK(!engine_migrate(engine()));
	CHECK_STR(E.error.sqlstate, "42710");
	CHECK(contains(E.error.message, "found more than one migration with version 1"));
	CHECK_INT(fake_log_count(&FX, "run "), 0);
	CHECK(!FX.table_exists);
}

/*
 * Flyway's file-name conventions as configured: the scripts they name are
 * found, the others reported with the configured shapes in the hints, and
 * settings that clash are refused before anything is read or locked.
 */
static void
test_custom_naming(void)
{
	setup();
	O.naming[NAMING_SQL_MIGRATION_PREFIX] = "M";
	O.naming[NAMING_SQL_MIGRATION_SEPARATOR] = "-";
	O.naming[NAMING_SQL_MIGRATION_SUFFIXES] = ".sql,.pgsql";
	O.naming[NAMING_REPEATABLE_PREFIX] = "Rep";
	O.naming[NAMING_UNDO_PREFIX] = "Und";
	fake_add_script(&FX, "M1-one.sql", "CREATE TABLE a (i int);");
	fake_add_script(&FX, "M2-two.PGSQL", "CREATE TABLE b (i int);");
	fake_add_script(&FX, "Rep-view.pgsql", "CREATE VIEW v AS SELECT 1;");
	fake_add_script(&FX, "Und2-two.sql", "DROP TABLE b;");
	fake_add_script(&FX, "V3__three.sql", "CREATE TABLE c (i int);");
	fake_add_script(&FX, "notes.txt", "not a script");
	CHECK(engine_migrate(engine()));
	CHECK_INT(C.napplied, 3);
	CHECK_STR(row_at(1)->script, "M1-one.sql");
	CHECK_STR(row_at(1)->description, "one");
	CHECK_INT(row_at(1)->checksum, fake_checksum(&FX, "M1-one.sql"));
	CHECK_STR(row_at(2)->script, "M2-two.PGSQL");
	CHECK_STR(row_at(3)->script, "Rep-view.pgsql");
	CHECK_STR(row_at(3)->description, "view");
	CHECK(notice_find("1 SQL file(s) skipped") >= 0);
	CHECK(starts_with(C.details[notice_find("1 SQL file(s)")],
					  "V3__three.sql: Unrecognised migration name format: V3__three.sql (It should start with one of the prefixes M, Rep, Und, B"));
	/* the undo script of the configured prefix is found */
	CHECK(engine_undo(engine()));
	CHECK(fake_log_count(&FX, "run Und2-two.sql") == 1);

	/* validateMigrationNaming: the hint shows the configured shapes */
	setup();
	O.validate_naming = true;
	O.naming[NAMING_SQL_MIGRATION_PREFIX] = "M";
	O.naming[NAMING_SQL_MIGRATION_SEPARATOR] = "-";
	fake_add_script(&FX, "M1.0.x-one.sql", "CREATE TABLE a (i int);");
	CHECK(!engine_migrate(engine()));
	CHECK_STR(E.error.sqlstate, "42602");
	CHECK_STR(E.error.hint, "Rename the files (M<version>-<description>.sql, R-<description>.sql), or turn pg_migrate.validate_naming off to skip them.");

	/* undo without an undo script: the hint names the file to add */
	setup();
	O.naming[NAMING_UNDO_PREFIX] = "Back";
	O.naming[NAMING_SQL_MIGRATION_SUFFIXES] = ".pgsql";
	fake_add_script(&FX, "V1__one.pgsql", "CREATE TABLE a (i int);");
	applied_row(1, "1", "one", "V1__one.pgsql");
	FX.table_exists = true;
	CHECK(!engine_undo(engine()));
	CHECK_STR(E.error.hint, "Add Back1__<description>.pgsql beside V1__one.pgsql.");

	/* clashing settings: refused before anything is read or locked */
	setup();
	O.naming[NAMING_SQL_MIGRATION_PREFIX] = "M";
	O.naming[NAMING_BASELINE_PREFIX] = "M";
	fake_add_script(&FX, "M1__one.sql", "CREATE TABLE a (i int);");
	CHECK(!engine_check_options(engine()));
	CHECK_STR(E.error.sqlstate, "22023");
	CHECK_STR(E.error.message, "invalid pg_migrate.baseline_migration_prefix \"M\"");
	CHECK_STR(E.error.detail, "pg_migrate.sql_migration_prefix and pg_migrate.baseline_migration_prefix are both \"M\": a file's kind could not be told from its name.");
	CHECK_STR(E.error.hint, "Correct pg_migrate.baseline_migration_prefix (Flyway's default is \"B\"). Nothing was run.");
	CHECK(!engine_migrate(engine()));
	CHECK_STR(E.error.message, "invalid pg_migrate.baseline_migration_prefix \"M\"");
	CHECK(!engine_baseline(engine(), "1", "base"));
	CHECK_STR(E.error.sqlstate, "22023");
	CHECK(!engine_info(engine()));
	CHECK_STR(E.error.sqlstate, "22023");
	CHECK_INT(FX.reads, 0);
	CHECK_STR(fake_log(&FX, 0), "");
	CHECK(!FX.table_exists);

	/* the command's wording names its flags */
	setup();
	O.naming[NAMING_SQL_MIGRATION_SEPARATOR] = "";
	engine();
	E.wording = &engine_wording_command;
	CHECK(!engine_migrate(&E));
	CHECK_STR(E.error.message, "invalid -sqlMigrationSeparator \"\"");
	CHECK_STR(E.error.detail, "The separator cannot be empty: nothing would tell a version from its description.");
}

/* ---- undo ---- */

static void
undo_fixture(void)
{
	setup();
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	fake_add_script(&FX, "V2__two.sql", "CREATE TABLE b (i int);");
	fake_add_script(&FX, "V3__three.sql", "CREATE TABLE c (i int);");
	fake_add_script(&FX, "U1__one.sql", "DROP TABLE a;");
	fake_add_script(&FX, "U2__two.sql", "DROP TABLE b;");
	fake_add_script(&FX, "U3__three.sql", "DROP TABLE c;");
	applied_row(1, "1", "one", "V1__one.sql");
	applied_row(2, "2", "two", "V2__two.sql");
	applied_row(3, "3", "three", "V3__three.sql");
}

static void
test_undo(void)
{
	/* the highest applied version */
	undo_fixture();
	CHECK(engine_undo(engine()));
	CHECK_STR(fake_log(&FX, 0),
			  "lock | begin | run U3__three.sql:1 DROP TABLE c | insert 4 U3__three.sql UNDO_SQL ok | commit | unlock");
	CHECK_STR(row_at(4)->version, "3");
	CHECK_STR(row_at(4)->type, "UNDO_SQL");
	CHECK(notice_find("undid version 3 with U3__three.sql") >= 0);
	CHECK_INT(C.napplied, 1);
	CHECK_STR(C.applied[0].version, "3");
	CHECK_STR(C.applied[0].type, "UNDO_SQL");
	/* version 3 is pending again */
	fake_clear_log(&FX);
	CHECK(engine_migrate(engine()));
	CHECK_STR(fake_log(&FX, 0),
			  "lock | begin | run V3__three.sql:1 CREATE TABLE c (i int) | insert 5 V3__three.sql SQL ok | commit | unlock");

	/* with a target: the target and every version applied after it, newest first */
	undo_fixture();
	O.target = "2";
	CHECK(engine_undo(engine()));
	CHECK_STR(fake_log(&FX, 0),
			  "lock | begin | run U3__three.sql:1 DROP TABLE c | insert 4 U3__three.sql UNDO_SQL ok | commit"
			  " | begin | run U2__two.sql:1 DROP TABLE b | insert 5 U2__two.sql UNDO_SQL ok | commit | unlock");

	/* the latest applied version without its U script: nothing is undone */
	undo_fixture();
	FX.nfiles--;				/* no U3__three.sql */
	CHECK(!engine_undo(engine()));
	CHECK_STR(E.error.sqlstate, "42704");
	CHECK(contains(E.error.message, "3"));
	CHECK_STR(fake_log(&FX, 0), "lock | unlock");

	/* with a target, the walk stops at the first without one, and says so */
	undo_fixture();
	FX.nfiles--;				/* no U3__three.sql */
	fake_add_script(&FX, "V4__four.sql", "CREATE TABLE d (i int);");
	fake_add_script(&FX, "U4__four.sql", "DROP TABLE d;");
	applied_row(4, "4", "four", "V4__four.sql");
	O.target = "1";
	CHECK(engine_undo(engine()));
	CHECK_STR(fake_log(&FX, 0),
			  "lock | begin | run U4__four.sql:1 DROP TABLE d | insert 5 U4__four.sql UNDO_SQL ok | commit | unlock");
	CHECK(notice_find("undo stops at version 3 (three): it has no undo script") >= 0);

	/* an out-of-order migration, applied last, is undone first */
	setup();
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	fake_add_script(&FX, "V2__two.sql", "CREATE TABLE b (i int);");
	fake_add_script(&FX, "V3__three.sql", "CREATE TABLE c (i int);");
	fake_add_script(&FX, "U2__two.sql", "DROP TABLE b;");
	fake_add_script(&FX, "U3__three.sql", "DROP TABLE c;");
	applied_row(1, "1", "one", "V1__one.sql");
	applied_row(2, "3", "three", "V3__three.sql");
	applied_row(3, "2", "two", "V2__two.sql");
	CHECK(engine_undo(engine()));
	CHECK_STR(fake_log(&FX, 0),
			  "lock | begin | run U2__two.sql:1 DROP TABLE b | insert 4 U2__two.sql UNDO_SQL ok | commit | unlock");

	/* a baseline cannot be undone */
	setup();
	fake_add_script(&FX, "U1__one.sql", "DROP TABLE a;");
	fake_add_row(&FX, 1, "1", "<< Flyway Baseline >>", "BASELINE", "<< Flyway Baseline >>", true, 0, true);
	CHECK(!engine_undo(engine()));
	CHECK_STR(E.error.sqlstate, "55000");
	CHECK(contains(E.error.message, "baseline"));
	CHECK_STR(fake_log(&FX, 0), "lock | unlock");

	/* nothing applied */
	setup();
	FX.table_exists = true;
	fake_add_script(&FX, "U1__one.sql", "DROP TABLE a;");
	CHECK(engine_undo(engine()));
	CHECK(notice_find("nothing to undo") >= 0);
	CHECK_STR(fake_log(&FX, 0), "lock | unlock");

	/* no history table at all: nothing to undo, nothing created */
	setup();
	fake_add_script(&FX, "U1__one.sql", "DROP TABLE a;");
	CHECK(engine_undo(engine()));
	CHECK(notice_find("nothing to undo") >= 0);
	CHECK(!FX.table_exists);

	/* a failing undo script: its wording */
	undo_fixture();
	fail_statement("U3__three.sql", 1, "2BP01", "cannot drop table c because other objects depend on it");
	CHECK(!engine_undo(engine()));
	CHECK_STR(E.error.message,
			  "undo script U3__three.sql failed at line 1: cannot drop table c because other objects depend on it");
	CHECK(starts_with(E.error.hint, "Fix the undo script and call migrate_undo() again"));
	CHECK_INT(FX.nrows, 3);
}

/* ---- baseline ---- */

static void
test_baseline(void)
{
	/* no history table: created, then the BASELINE row, in one transaction */
	setup();
	CHECK(engine_baseline(engine(), "3", "base"));
	CHECK_STR(fake_log(&FX, 0), "lock | begin | create table | insert 1 base BASELINE ok | commit | unlock");
	CHECK_INT(C.nbaselined, 1);
	CHECK_INT(C.baselined_rank, 1);
	CHECK_STR(C.baselined_version, "3");
	CHECK_STR(row_at(1)->version, "3");
	CHECK(row_at(1)->checksum_null);

	/* the schema created too: its marker first */
	setup();
	O.schema = "app";
	FX.schema_exists = false;
	CHECK(engine_baseline(engine(), NULL, NULL));
	CHECK_STR(fake_log(&FX, 0),
			  "lock | begin | create schema+table | insert 0 \"app\" SCHEMA ok"
			  " | insert 1 << Flyway Baseline >> BASELINE ok | commit | unlock");
	CHECK_STR(C.baselined_version, "1");

	/* already baselined at the same version (numerically): a notice */
	setup();
	fake_add_row(&FX, 1, "1.0", "<< Flyway Baseline >>", "BASELINE", "<< Flyway Baseline >>", true, 0, true);
	CHECK(engine_baseline(engine(), "1", NULL));
	CHECK(notice_find("history table \"public\".\"flyway_schema_history\" is already baselined at version 1.0; nothing to do") >= 0);
	CHECK_INT(C.nbaselined, 0);
	CHECK_STR(fake_log(&FX, 0), "lock | begin | commit | unlock");
	CHECK_INT(FX.nrows, 1);

	/* at another version: an error */
	setup();
	fake_add_row(&FX, 1, "1", "<< Flyway Baseline >>", "BASELINE", "<< Flyway Baseline >>", true, 0, true);
	CHECK(!engine_baseline(engine(), "2", NULL));
	CHECK_STR(E.error.sqlstate, "55000");
	CHECK_STR(E.error.message,
			  "history table \"public\".\"flyway_schema_history\" is already baselined at version 1");
	CHECK_STR(fake_log(&FX, 0), "lock | begin | rollback | unlock");

	/* a history with migrations: an error */
	setup();
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	applied_row(1, "1", "one", "V1__one.sql");
	CHECK(!engine_baseline(engine(), "2", NULL));
	CHECK_STR(E.error.message,
			  "cannot baseline: history table \"public\".\"flyway_schema_history\" already contains migrations");
	CHECK_INT(FX.nrows, 1);

	/* only a SCHEMA marker: allowed */
	setup();
	fake_add_row(&FX, 0, NULL, "<< Flyway Schema Creation >>", "SCHEMA", "\"public\"", true, 0, true);
	CHECK(engine_baseline(engine(), "2", NULL));
	CHECK_INT(C.baselined_rank, 1);

	/* a bad version: refused before the lock */
	setup();
	CHECK(!engine_baseline(engine(), "1.x", NULL));
	CHECK_STR(E.error.sqlstate, "22023");
	CHECK_STR(E.error.message, "invalid baseline version \"1.x\"");
	CHECK_INT(FX.nlog, 0);
}

/* ---- repair ---- */

static void
test_repair(void)
{
	setup();
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	fake_add_script(&FX, "V2__two.sql", "CREATE TABLE b (i int);");
	fake_add_script(&FX, "V4__four.sql", "CREATE TABLE d (i int);");
	fake_add_row(&FX, 1, "1", "one", "SQL", "V1__one.sql", false, 12345, true);
	applied_row(2, "2", "two", "V2__two.sql");
	applied_row(3, "3", "three", "V3__three.sql");	/* no file: missing */
	fake_add_row(&FX, 4, "4", "four", "SQL", "V4__four.sql", false, fake_checksum(&FX, "V4__four.sql"), false);
	CHECK(engine_repair(engine()));
	CHECK_STR(fake_log(&FX, 0),
			  psprintf("lock | begin | delete 4 | insert 4 V3__three.sql DELETE ok | realign 1 one SQL %d | commit | unlock",
					   fake_checksum(&FX, "V1__one.sql")));
	CHECK_INT(C.nrepaired, 3);
	CHECK_STR(C.repaired[0], "removed failed 4");
	CHECK_STR(C.repaired[1], "marked deleted 3");
	CHECK_STR(C.repaired[2], "realigned 1");
	/* the failed row is gone: rank 4 is now the DELETE marker */
	CHECK_STR(row_at(4)->type, "DELETE");
	CHECK_STR(row_at(4)->version, "3");
	CHECK_INT(row_at(1)->checksum, fake_checksum(&FX, "V1__one.sql"));

	/* repaired: migrate applies the failed one again and validates */
	fake_clear_log(&FX);
	CHECK(engine_migrate(engine()));
	CHECK_STR(fake_log(&FX, 0),
			  "lock | begin | run V4__four.sql:1 CREATE TABLE d (i int) | insert 5 V4__four.sql SQL ok | commit | unlock");

	/* nothing to repair: an empty transaction */
	fake_clear_log(&FX);
	C.nrepaired = 0;
	CHECK(engine_repair(engine()));
	CHECK_STR(fake_log(&FX, 0), "lock | begin | commit | unlock");
	CHECK_INT(C.nrepaired, 0);

	/*
	 * A changed description; a repeatable recorded with its raw checksum
	 * (before placeholders) takes the checksum of its text as it runs.
	 */
	setup();
	O.placeholders = &SECRETS;
	placeholders_init(&SECRETS);
	placeholders_set(&SECRETS, "owner", "bob");
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	fake_add_script(&FX, "R__r.sql", "SELECT '${owner}';");
	fake_add_row(&FX, 1, "1", "old words", "SQL", "V1__one.sql", false, fake_checksum(&FX, "V1__one.sql"), true);
	fake_add_row(&FX, 2, NULL, "r", "SQL", "R__r.sql", false, fake_checksum(&FX, "R__r.sql"), true);
	CHECK(engine_repair(engine()));
	CHECK_STR(fake_log(&FX, 0),
			  psprintf("lock | begin | realign 1 one SQL %d | realign 2 r SQL %d | commit | unlock",
					   fake_checksum(&FX, "V1__one.sql"), flyway_checksum("SELECT 'bob';", 13)));
	CHECK_STR(row_at(1)->description, "one");

	/* no history table */
	setup();
	CHECK(engine_repair(engine()));
	CHECK(notice_find("history table \"public\".\"flyway_schema_history\" does not exist; nothing to repair") >= 0);
	CHECK_INT(FX.nlog, 0);
}

/* ---- placeholder syntax ---- */

/* placeholderPrefix/Suffix/Separator and workingDirectory reach every script. */
static void
test_placeholder_syntax(void)
{
	PlaceholderSet user;

	setup();
	placeholders_init(&user);
	placeholders_set(&user, "owner", "bob");
	O.placeholders = &user;
	O.placeholder_prefix = "#[";
	O.placeholder_suffix = "]";
	O.placeholder_separator = "_";
	O.working_directory = "/proj";
	fake_add_script(&FX, "V1__a.sql",
					"SELECT '#[owner]', '#[flyway_user]', '#[FLYWAY_workingDirectory]', '${owner}', '##[owner]';");
	CHECK(engine_check_options(engine()));
	CHECK(engine_migrate(engine()));
	CHECK(contains(fake_log(&FX, 0),
				   "run V1__a.sql:1 SELECT 'bob', 'alice', '/proj', '${owner}', '##[owner]'"));

	/* without a working directory from the options, the executor's (none here) */
	setup();
	O.working_directory = NULL;
	fake_add_script(&FX, "V1__a.sql", "SELECT '${flyway:workingDirectory}';");
	CHECK(!engine_migrate(engine()));
	CHECK(!contains(fake_log(&FX, 0), "run V1__a.sql"));

	/* a syntax that cannot work is refused before anything runs */
	setup();
	fake_add_script(&FX, "V1__a.sql", "SELECT 1;");
	O.placeholder_prefix = "";
	CHECK(!engine_check_options(engine()));
	CHECK_STR(E.error.message, "invalid placeholder syntax");
	CHECK(contains(E.error.detail, "placeholderPrefix cannot be empty"));
	CHECK(!engine_migrate(engine()));
	CHECK_STR(E.error.message, "invalid placeholder syntax");
	CHECK_INT(FX.nlog, 0);
	O.placeholder_prefix = NULL;
	O.placeholder_separator = "}";
	CHECK(!engine_migrate(engine()));
	CHECK(contains(E.error.detail, "placeholderSuffix \"}\" occurs in \"flyway}\""));
	CHECK_INT(FX.nlog, 0);

	/* user names the syntax would shadow or never match */
	setup();
	placeholders_init(&user);
	placeholders_set(&user, "flyway_user", "x");
	O.placeholders = &user;
	O.placeholder_separator = "_";
	CHECK(!engine_check_options(engine()));
	CHECK_STR(E.error.message, "placeholder \"flyway_user\" cannot be set");
	CHECK(contains(E.error.detail, "\"flyway_\""));
	O.placeholder_separator = NULL;
	CHECK(engine_check_options(engine()));
	placeholders_init(&user);
	placeholders_set(&user, "a]b", "x");
	O.placeholder_suffix = "]";
	CHECK(!engine_migrate(engine()));
	CHECK_STR(E.error.message, "placeholder name \"a]b\" contains the placeholder suffix \"]\"");
	CHECK_INT(FX.nlog, 0);
}

/* ---- info and the apply-needed check ---- */

static void
test_info_and_needed(void)
{
	bool		needed = false;

	setup();
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	fake_add_script(&FX, "V2__two.sql", "CREATE TABLE b (i int);");
	fake_add_script(&FX, "R__r.sql", "SELECT 1;");
	applied_row(1, "1", "one", "V1__one.sql");
	CHECK(engine_info(engine()));
	CHECK_INT(C.ninfo, 3);
	CHECK_STR(C.info[0].version, "1");
	CHECK_STR(C.info[0].state, "Success");
	CHECK(C.info[0].applied);
	CHECK_STR(C.info[0].installed_by, "alice");
	CHECK_STR(C.info[1].version, "2");
	CHECK_STR(C.info[1].state, "Pending");
	CHECK(!C.info[1].applied);
	CHECK_INT(C.info[1].checksum, fake_checksum(&FX, "V2__two.sql"));
	CHECK(C.info[2].version == NULL);
	CHECK_STR(C.info[2].category, "Repeatable");
	CHECK_INT(FX.nlog, 0);

	/* an applied migration's undo script: listed after it, Available */
	fake_add_script(&FX, "U1__one.sql", "DROP TABLE a;");
	fake_add_script(&FX, "U2__two.sql", "DROP TABLE b;");
	memset(&C, 0, sizeof(C));
	CHECK(engine_info(engine()));
	CHECK_INT(C.ninfo, 4);
	CHECK_STR(C.info[1].category, "Undo");
	CHECK_STR(C.info[1].version, "1");
	CHECK_STR(C.info[1].script, "U1__one.sql");
	CHECK_STR(C.info[1].type, "UNDO_SQL");
	CHECK_STR(C.info[1].state, "Available");
	CHECK(!C.info[1].applied);
	CHECK_STR(C.info[2].state, "Pending");
	FX.nfiles -= 2;

	CHECK(engine_migrate_needed(engine(), &needed));
	CHECK(needed);
	applied_row(2, "2", "two", "V2__two.sql");
	applied_row(3, NULL, "r", "R__r.sql");
	CHECK(engine_migrate_needed(engine(), &needed));
	CHECK(!needed);
	fake_add_script(&FX, "afterMigrate.sql", "SELECT 1;");
	CHECK(engine_migrate_needed(engine(), &needed));
	CHECK(needed);
	CHECK_INT(FX.nlog, 0);

	/* no history table: a migrate creates it */
	setup();
	needed = false;
	CHECK(engine_migrate_needed(engine(), &needed));
	CHECK(needed);

	/* validation errors as migrate gives them */
	setup();
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	fake_add_row(&FX, 1, "1", "one", "SQL", "V1__one.sql", false, 12345, true);
	CHECK(!engine_migrate_needed(engine(), &needed));
	CHECK_STR(E.error.sqlstate, "55000");
}


/*
 * Flyway's other migrate events: the statement callbacks around each
 * statement in the migration's transaction, afterVersioned and
 * beforeRepeatables where the repeatables start, afterMigrateApplied when
 * something ran.
 */
static void
test_migrate_more_callbacks(void)
{
	FakeFailure f;

	setup();
	FX.table_exists = true;
	fake_add_script(&FX, "beforeEachMigrateStatement.sql", "SELECT 'bs';");
	fake_add_script(&FX, "afterEachMigrateStatement.sql", "SELECT 'as';");
	fake_add_script(&FX, "afterVersioned.sql", "SELECT 'av';");
	fake_add_script(&FX, "beforeRepeatables.sql", "SELECT 'br';");
	fake_add_script(&FX, "afterMigrateApplied.sql", "SELECT 'ama';");
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);\nCREATE TABLE b (i int);");
	fake_add_script(&FX, "R__r.sql", "SELECT 1;");
	CHECK(engine_migrate(engine()));
	CHECK_STR(fake_log(&FX, 0),
			  "lock"
			  " | begin | run beforeEachMigrateStatement.sql:1 SELECT 'bs' | run V1__one.sql:1 CREATE TABLE a (i int)"
			  " | run afterEachMigrateStatement.sql:1 SELECT 'as'"
			  " | run beforeEachMigrateStatement.sql:1 SELECT 'bs' | run V1__one.sql:2 CREATE TABLE b (i int)"
			  " | run afterEachMigrateStatement.sql:1 SELECT 'as' | insert 1 V1__one.sql SQL ok | commit"
			  " | begin | run afterVersioned.sql:1 SELECT 'av' | commit"
			  " | begin | run beforeRepeatables.sql:1 SELECT 'br' | commit"
			  " | begin | run beforeEachMigrateStatement.sql:1 SELECT 'bs' | run R__r.sql:1 SELECT 1"
			  " | run afterEachMigrateStatement.sql:1 SELECT 'as' | insert 2 R__r.sql SQL ok | commit"
			  " | begin | run afterMigrateApplied.sql:1 SELECT 'ama' | commit"
			  " | unlock");

	/* nothing pending: none of them */
	fake_clear_log(&FX);
	CHECK(engine_migrate(engine()));
	CHECK_STR(fake_log(&FX, 0), "lock | unlock");

	/* only versioned: afterVersioned at the end, no beforeRepeatables */
	setup();
	FX.table_exists = true;
	fake_add_script(&FX, "afterVersioned.sql", "SELECT 'av';");
	fake_add_script(&FX, "beforeRepeatables.sql", "SELECT 'br';");
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	CHECK(engine_migrate(engine()));
	CHECK_INT(fake_log_count(&FX, "run afterVersioned.sql"), 1);
	CHECK_INT(fake_log_count(&FX, "run beforeRepeatables.sql"), 0);

	/* a statement's error: afterEachMigrateStatementError, then afterEachMigrateError */
	setup();
	FX.table_exists = true;
	fake_add_script(&FX, "afterEachMigrateStatementError.sql", "SELECT 'ase';");
	fake_add_script(&FX, "afterEachMigrateError.sql", "SELECT 'aeme';");
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	memset(&f, 0, sizeof(f));
	f.script = "V1__one.sql";
	f.stmt = 1;
	f.sqlstate = "42P07";
	f.message = "relation \"a\" already exists";
	fake_fail_statement(&FX, &f);
	CHECK(!engine_migrate(engine()));
	CHECK(fake_log_find(&FX, "run afterEachMigrateStatementError.sql") >= 0);
	CHECK(fake_log_find(&FX, "run afterEachMigrateStatementError.sql") <
		  fake_log_find(&FX, "run afterEachMigrateError.sql"));
	CHECK(contains(E.error.message, "V1__one.sql"));
}

/* Info, repair and baseline run their callbacks; validate's error callback. */
static void
test_admin_callbacks(void)
{
	int			validated = 0;

	setup();
	fake_add_script(&FX, "beforeInfo.sql", "SELECT 'bi';");
	fake_add_script(&FX, "afterInfo.sql", "SELECT 'ai';");
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	applied_row(1, "1", "one", "V1__one.sql");
	CHECK(engine_info(engine()));
	CHECK_STR(fake_log(&FX, 0),
			  "begin | run beforeInfo.sql:1 SELECT 'bi' | commit | begin | run afterInfo.sql:1 SELECT 'ai' | commit");

	setup();
	fake_add_script(&FX, "beforeRepair.sql", "SELECT 'br';");
	fake_add_script(&FX, "afterRepair.sql", "SELECT 'ar';");
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	applied_row(1, "1", "one", "V1__one.sql");
	CHECK(engine_repair(engine()));
	CHECK_STR(fake_log(&FX, 0),
			  "lock | begin | run beforeRepair.sql:1 SELECT 'br' | commit | begin | commit"
			  " | begin | run afterRepair.sql:1 SELECT 'ar' | commit | unlock");

	setup();
	fake_add_script(&FX, "beforeBaseline.sql", "SELECT 'bb';");
	fake_add_script(&FX, "afterBaseline.sql", "SELECT 'ab';");
	CHECK(engine_baseline(engine(), "5", NULL));
	CHECK(fake_log_find(&FX, "run beforeBaseline.sql") >= 0);
	CHECK(fake_log_find(&FX, "run beforeBaseline.sql") < fake_log_find(&FX, "insert"));
	CHECK(fake_log_find(&FX, "run afterBaseline.sql") > fake_log_find(&FX, "insert"));

	/* a script baseline does not need cannot stop it: a WARNING, no callbacks */
	setup();
	fake_add_script(&FX, "beforeBaseline.sql", "SELECT 'bb';");
	fake_add_script(&FX, "R__who.sql", "SELECT '${who}';");
	CHECK(engine_baseline(engine(), "5", NULL));
	CHECK_INT(fake_log_count(&FX, "run beforeBaseline.sql"), 0);
	CHECK(notice_find("the baseline callbacks were not run: no value for placeholder ${who}") >= 0);
	CHECK_INT(FX.nrows, 1);

	/* a schema the run creates: beforeCreateSchema, then createSchema, first */
	setup();
	FX.schema_exists = false;
	fake_add_script(&FX, "beforeCreateSchema.sql", "SELECT 'bcs';");
	fake_add_script(&FX, "createSchema.sql", "SELECT 'cs';");
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	CHECK(engine_migrate(engine()));
	CHECK(fake_log_find(&FX, "run beforeCreateSchema.sql") >= 0);
	CHECK(fake_log_find(&FX, "run beforeCreateSchema.sql") < fake_log_find(&FX, "run createSchema.sql"));
	CHECK(fake_log_find(&FX, "run createSchema.sql") < fake_log_find(&FX, "create"));

	/* validation fails: afterValidateError runs, the error stays */
	setup();
	fake_add_script(&FX, "afterValidateError.sql", "SELECT 'ave';");
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	fake_add_row(&FX, 1, "1", "one", "SQL", "V1__one.sql", false, 12345, true);
	CHECK(!engine_validate(engine(), &validated));
	CHECK_STR(E.error.sqlstate, "55000");
	CHECK(fake_log_find(&FX, "run afterValidateError.sql") >= 0);
}

/*
 * A callback file for an event that never happens here is an error naming
 * it, before anything runs; afterConnect runs in the command only.
 */
static void
test_callback_events_refused(void)
{
	setup();
	FX.table_exists = true;
	fake_add_script(&FX, "afterConnect.sql", "SELECT 'ac';");
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	CHECK(!engine_migrate(engine()));
	CHECK_STR(E.error.sqlstate, "0A000");
	CHECK_STR(E.error.message,
			  "callback afterConnect.sql is for event afterConnect, which never happens in the extension");
	CHECK_INT(fake_log_count(&FX, "run"), 0);
	CHECK_INT(FX.nrows, 0);

	/* the command opens its connection: afterConnect runs first */
	setup();
	FX.table_exists = true;
	O.connect_callbacks = true;
	fake_add_script(&FX, "afterConnect.sql", "SELECT 'ac';");
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	CHECK(engine_migrate(engine()));
	CHECK(fake_log_find(&FX, "run afterConnect.sql") >= 0);
	CHECK(fake_log_find(&FX, "run afterConnect.sql") < fake_log_find(&FX, "run V1__one.sql"));

	/* beforeConnect never happens in either */
	setup();
	O.connect_callbacks = true;
	fake_add_script(&FX, "beforeConnect.sql", "SELECT 1;");
	CHECK(!engine_info(engine()));
	CHECK_STR(E.error.sqlstate, "0A000");
	CHECK(contains(E.error.message, "beforeConnect.sql"));
	/* the clean events happen (in a clean): accepted, and not run by info */
	setup();
	fake_add_script(&FX, "afterClean__x.sql", "SELECT 1;");
	CHECK(engine_info(engine()));
	CHECK(fake_log_find(&FX, "run afterClean__x.sql") < 0);

	/*
	 * clean refused while cleanDisabled is on (Flyway's default), naming the
	 * setting: before the lock, no callback, nothing written
	 */
	setup();
	O.clean_disabled = true;
	fake_add_script(&FX, "beforeClean.sql", "SELECT 1;");
	CHECK(!engine_clean(engine()));
	CHECK_STR(E.error.sqlstate, "55000");
	CHECK(contains(E.error.message, "pg_migrate.clean_disabled"));
	CHECK(contains(E.error.hint, "SET pg_migrate.clean_disabled = off"));
	CHECK_INT(FX.nlog, 0);
	CHECK_INT(FX.locks_held, 0);
}

/*
 * Fail fast: an undefined placeholder in the fifth pending script stops the
 * run before the first runs; so does a script the caller's transaction
 * cannot hold; and the dry run refuses the same.
 */
static void
test_fail_fast(void)
{
	setup();
	FX.table_exists = true;
	fake_add_script(&FX, "beforeMigrate.sql", "SELECT 'bm';");
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	fake_add_script(&FX, "V2__two.sql", "CREATE TABLE b (i int);");
	fake_add_script(&FX, "V3__three.sql", "CREATE TABLE c (i int);");
	fake_add_script(&FX, "V4__four.sql", "CREATE TABLE d (i int);");
	fake_add_script(&FX, "V5__five.sql", "CREATE TABLE ${nowhere} (i int);");
	CHECK(!engine_migrate(engine()));
	CHECK(contains(E.error.message, "nowhere"));
	CHECK_INT(fake_log_count(&FX, "run"), 0);
	CHECK_INT(FX.nrows, 0);

	/* the dry run: the same error, nothing planned of the migrations */
	fake_clear_log(&FX);
	memset(&C, 0, sizeof(C));
	CHECK(!engine_plan(engine(), false));
	CHECK(contains(E.error.message, "nowhere"));
	for (int i = 0; i < C.nplanned; i++)
		CHECK(strstr(C.planned[i], "V1__one.sql") == NULL);

	/* in the caller's transaction, the fifth's CONCURRENTLY is refused first */
	setup();
	FX.table_exists = true;
	FX.ops.caller_transaction = true;
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	fake_add_script(&FX, "V2__two.sql", "CREATE TABLE b (i int);");
	fake_add_script(&FX, "V3__three.sql", "CREATE TABLE c (i int);");
	fake_add_script(&FX, "V4__four.sql", "CREATE TABLE d (i int);");
	fake_add_script(&FX, "V5__five.sql", "CREATE INDEX CONCURRENTLY ai ON a (i);");
	CHECK(!engine_migrate(engine()));
	CHECK_STR(E.error.sqlstate, "25001");
	CHECK(contains(E.error.message, "V5__five.sql"));
	CHECK_INT(fake_log_count(&FX, "run"), 0);
	CHECK_INT(FX.nrows, 0);
}

/* ---- the dry run ---- */

static void
secret_placeholders(const char *value)
{
	placeholders_init(&SECRETS);
	placeholders_set(&SECRETS, "db_password", value);
	placeholders_set(&SECRETS, "owner", "bob");
	O.placeholders = &SECRETS;
}

static void
test_plan(void)
{
	char	   *key;
	int			i;

	setup();
	O.schema = "app";
	FX.schema_exists = false;
	secret_placeholders("s3cret");
	fake_add_script(&FX, "beforeMigrate.sql", "SELECT 'bm';");
	fake_add_script(&FX, "V1__one.sql", "CREATE ROLE ${owner} PASSWORD '${db_password}';\nCREATE TABLE a (i int);");
	fake_add_script(&FX, "R__r.sql", "SELECT 1;");
	CHECK(engine_plan(engine(), false));
	key = psprintf(INT64_FORMAT, E.history.lock_key);
	i = 0;
	CHECK_STR(C.planned[i++], psprintf("-:0 SELECT pg_catalog.pg_advisory_lock(%s)", key));
	CHECK_STR(C.planned[i++], "-:0 BEGIN");
	CHECK_STR(C.planned[i++], "-:0 CREATE SCHEMA \"app\"");
	CHECK(starts_with(C.planned[i++], "-:0 CREATE TABLE \"app\".\"flyway_schema_history\" ("));
	CHECK(starts_with(C.planned[i++], "-:0 ALTER TABLE \"app\".\"flyway_schema_history\" ADD CONSTRAINT"));
	CHECK(starts_with(C.planned[i++], "-:0 CREATE INDEX"));
	CHECK_STR(C.planned[i++],
			  "-:0 INSERT INTO \"app\".\"flyway_schema_history\" (installed_rank, version, description, type, script, "
			  "checksum, installed_by, execution_time, success) VALUES (0, NULL, '<< Flyway Schema Creation >>', "
			  "'SCHEMA', '\"app\"', NULL, 'alice', 0, true)");
	CHECK_STR(C.planned[i++], "-:0 COMMIT");
	/* a script's transaction block is named for it; the history table's is not */
	CHECK_STR(C.planned[i++], "beforeMigrate.sql:0 BEGIN");
	CHECK_STR(C.planned[i++], "beforeMigrate.sql:1 SELECT 'bm'");
	CHECK_STR(C.planned[i++], "beforeMigrate.sql:0 COMMIT");
	CHECK_STR(C.planned[i++], "V1__one.sql:0 BEGIN");
	CHECK_STR(C.planned[i++], "V1__one.sql:1 CREATE ROLE bob PASSWORD '***'");
	CHECK_STR(C.planned[i++], "V1__one.sql:2 CREATE TABLE a (i int)");
	CHECK_STR(C.planned[i++],
			  psprintf("V1__one.sql:0 INSERT INTO \"app\".\"flyway_schema_history\" (installed_rank, version, "
					   "description, type, script, checksum, installed_by, execution_time, success) VALUES "
					   "(1, '1', 'one', 'SQL', 'V1__one.sql', %d, 'alice', 0, true)",
					   fake_checksum(&FX, "V1__one.sql")));
	CHECK_STR(C.planned[i++], "V1__one.sql:0 COMMIT");
	CHECK_STR(C.planned[i++], "R__r.sql:0 BEGIN");
	CHECK_STR(C.planned[i++], "R__r.sql:1 SELECT 1");
	CHECK(starts_with(C.planned[i++], "R__r.sql:0 INSERT INTO \"app\".\"flyway_schema_history\""));
	CHECK(contains(C.planned[i - 1], "VALUES (2, NULL, 'r', 'SQL', 'R__r.sql',"));
	CHECK_STR(C.planned[i++], "R__r.sql:0 COMMIT");
	CHECK_STR(C.planned[i++], psprintf("-:0 SELECT pg_catalog.pg_advisory_unlock(%s)", key));
	CHECK_INT(C.nplanned, i);
	for (int j = 0; j < C.nplanned; j++)
		CHECK(!contains(C.planned[j], "s3cret"));
	/* nothing written, nothing locked, nothing claimed as applied */
	CHECK_INT(FX.nlog, 0);
	CHECK(!FX.table_exists);
	CHECK(!FX.schema_exists);
	CHECK_INT(C.napplied, 0);
	CHECK_INT(notice_find("applied "), -1);

	/* an existing history: the next ranks, execution_time 0 */
	setup();
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	fake_add_script(&FX, "V2__two.sql", "CREATE TABLE b (i int);");
	fake_add_row(&FX, 0, NULL, "<< Flyway Schema Creation >>", "SCHEMA", "\"public\"", true, 0, true);
	applied_row(4, "1", "one", "V1__one.sql");
	CHECK(engine_plan(engine(), false));
	CHECK_INT(C.nplanned, 6);
	CHECK_STR(C.planned[1], "V2__two.sql:0 BEGIN");
	CHECK_STR(C.planned[2], "V2__two.sql:1 CREATE TABLE b (i int)");
	CHECK(contains(C.planned[3], "VALUES (5, '2', 'two', 'SQL', 'V2__two.sql',"));
	CHECK(contains(C.planned[3], ", 'alice', 0, true)"));
	CHECK_STR(C.planned[4], "V2__two.sql:0 COMMIT");
	CHECK_INT(FX.nlog, 0);

	/* execution_time is 0 even when the migration takes time (a slow callback load) */
	setup();
	FX.table_exists = true;
	FX.load_delay_ms = 20;
	fake_add_script(&FX, "beforeEachMigrate.sql", "SELECT 1;");
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	CHECK(engine_plan(engine(), false));
	CHECK(contains(C.planned[planned_find("V1__one.sql:0 INSERT")], ", 'alice', 0, true)"));

	/* nothing pending, no callbacks: nothing runs, not even the lock */
	setup();
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	applied_row(1, "1", "one", "V1__one.sql");
	CHECK(engine_plan(engine(), false));
	CHECK_INT(C.nplanned, 0);

	/* baselineOnMigrate in a dry run: the row planned, no "baselined" claim */
	setup();
	FX.schema_empty = false;
	O.baseline_on_migrate = true;
	fake_add_script(&FX, "V2__two.sql", "CREATE TABLE b (i int);");
	CHECK(engine_plan(engine(), false));
	CHECK(planned_find("<< Flyway Baseline >>:0 INSERT INTO \"public\".\"flyway_schema_history\"") >= 0);
	CHECK(contains(C.planned[planned_find("<< Flyway Baseline >>:0")], "VALUES (1, '1', '<< Flyway Baseline >>', 'BASELINE'"));
	CHECK(contains(C.planned[planned_find("V2__two.sql:0 INSERT")], "VALUES (2, '2', 'two'"));
	CHECK_INT(notice_find("baselined schema"), -1);
	CHECK_INT(FX.nlog, 0);

	/* a mixed script is refused as migrate refuses it */
	setup();
	FX.table_exists = true;
	fake_add_script(&FX, "V1__mix.sql", "CREATE TABLE a (i int);\nCREATE INDEX CONCURRENTLY ai ON a (i);");
	CHECK(!engine_plan(engine(), false));
	CHECK_STR(E.error.sqlstate, "25001");
	CHECK_STR(E.error.message,
			  "migration V1__mix.sql mixes statements that must run outside a transaction with others");
	CHECK_INT(planned_find("V1__mix.sql"), -1);
	CHECK_INT(FX.nlog, 0);

	/* so is a validation failure */
	setup();
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	fake_add_row(&FX, 1, "1", "one", "SQL", "V1__one.sql", false, 12345, true);
	CHECK(!engine_plan(engine(), false));
	CHECK_STR(E.error.sqlstate, "55000");

	/* undo's plan */
	undo_fixture();
	CHECK(engine_plan(engine(), true));
	CHECK_INT(C.nplanned, 6);
	CHECK_STR(C.planned[2], "U3__three.sql:1 DROP TABLE c");
	CHECK(contains(C.planned[3], "VALUES (4, '3', 'three', 'UNDO_SQL', 'U3__three.sql',"));
	CHECK_INT(FX.nlog, 0);
	CHECK_INT(FX.nrows, 3);
	CHECK_INT(notice_find("undid "), -1);
}

/* ---- secrets in errors ---- */

static void
test_secrets_masked_in_errors(void)
{
	FakeFailure f;

	setup();
	FX.table_exists = true;
	secret_placeholders("hunter2");
	fake_add_script(&FX, "V1__role.sql", "ALTER ROLE app PASSWORD '${db_password}';");
	memset(&f, 0, sizeof(f));
	f.script = "V1__role.sql";
	f.stmt = 1;
	f.sqlstate = "22023";
	f.message = "password hunter2 is too weak";
	f.detail = "\"hunter2\" was seen before";
	f.hint = "Choose another than hunter2.";
	fake_fail_statement(&FX, &f);
	CHECK(!engine_migrate(engine()));
	CHECK_STR(E.error.message, "migration V1__role.sql failed at line 1: password *** is too weak");
	CHECK_STR(E.error.detail, "\"***\" was seen before\nSQLSTATE 22023 in statement: ALTER ROLE app PASSWORD '***'");
	CHECK(starts_with(E.error.hint, "Choose another than ***.\n"));

	/*
	 * A value that broke the statement's syntax: the server quotes only the
	 * piece at the error's position.
	 */
	setup();
	FX.table_exists = true;
	secret_placeholders("ab'cdef");
	fake_add_script(&FX, "V1__role.sql", "ALTER ROLE app PASSWORD '${db_password}';");
	memset(&f, 0, sizeof(f));
	f.script = "V1__role.sql";
	f.stmt = 1;
	f.sqlstate = "42601";
	f.message = "syntax error at or near \"cdef\"";
	/* "ALTER ROLE app PASSWORD 'ab'cdef'": the 'c' is character 29 */
	f.position = 29;
	fake_fail_statement(&FX, &f);
	CHECK(!engine_migrate(engine()));
	CHECK_STR(E.error.message, "migration V1__role.sql failed at line 1: syntax error at or near \"***\"");
	CHECK(!contains(E.error.detail, "cdef"));

	/* a callback's error is masked too, and so is its warning as an error callback */
	setup();
	FX.table_exists = true;
	secret_placeholders("hunter2");
	fake_add_script(&FX, "V1__one.sql", "SELECT 1;");
	fake_add_script(&FX, "afterEachMigrateError.sql", "SELECT '${db_password}';");
	fail_statement("V1__one.sql", 1, "XX000", "boom");
	fail_statement("afterEachMigrateError.sql", 1, "XX000", "bad hunter2");
	CHECK(!engine_migrate(engine()));
	CHECK_STR(E.error.message, "migration V1__one.sql failed at line 1: boom");
	CHECK(notice_find("callback afterEachMigrateError.sql failed at line 1: bad ***") >= 0);
	CHECK_INT(C.levels[notice_find("callback afterEachMigrateError.sql")], ENGINE_WARNING);
	CHECK(contains(C.details[notice_find("callback afterEachMigrateError.sql")], "SELECT '***'"));
}

/*
 * The server went away mid-migration (08006, 57P01): the script is not to
 * blame, and the hint says what remains instead of "fix the script".
 */
static void
test_migrate_connection_lost(void)
{
	setup();
	FX.table_exists = true;
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	fake_add_script(&FX, "V2__x.sql", "CREATE TABLE b (i int);");
	fail_statement("V2__x.sql", 1, "08006", "server closed the connection unexpectedly");
	CHECK(!engine_migrate(engine()));
	CHECK_STR(E.error.sqlstate, "08006");
	CHECK_STR(E.error.hint,
			  "The connection to the server was lost; nothing of this migration remains and the ones before it stay done. Call migrate_apply() again once the server is back.");

	/* outside a transaction, part of it may be done */
	setup();
	FX.table_exists = true;
	fake_add_script(&FX, "V1__idx.sql", "CREATE INDEX CONCURRENTLY i ON t (a);\nCREATE INDEX CONCURRENTLY j ON t (b);");
	fail_statement("V1__idx.sql", 2, "57P01", "terminating connection due to administrator command");
	CHECK(!engine_migrate(engine()));
	CHECK(contains(E.error.hint, "was lost while the migration ran outside a transaction"));
}

/* ---- escape hatches ---- */

/*
 * skipExecutingMigrations: the pending migrations are recorded (same rows,
 * success true) and their callbacks run, their statements do not.
 */
static void
test_skip_executing_migrations(void)
{
	setup();
	fake_add_script(&FX, "beforeEachMigrate.sql", "SELECT 'bem';");
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	fake_add_script(&FX, "R__view.sql", "CREATE VIEW v AS SELECT 1;");
	O.skip_executing_migrations = true;
	CHECK(engine_migrate(engine()));
	CHECK_INT(E.executed, 2);
	CHECK_INT(fake_log_count(&FX, "run V1__one.sql"), 0);
	CHECK_INT(fake_log_count(&FX, "run R__view.sql"), 0);
	CHECK_INT(fake_log_count(&FX, "run beforeEachMigrate.sql"), 2);
	CHECK(!fake_has_effect(&FX, "CREATE TABLE a (i int)"));
	CHECK_INT(FX.nrows, 2);
	CHECK(fake_row(&FX, 1) != NULL && fake_row(&FX, 1)->success);
	CHECK(fake_row(&FX, 1) != NULL && fake_row(&FX, 1)->checksum == fake_checksum(&FX, "V1__one.sql"));
	CHECK(fake_row(&FX, 2) != NULL && fake_row(&FX, 2)->success);
	CHECK_STR(C.applied[0].state, "Success");
	/* said once, before the run, as a warning naming the setting */
	CHECK(notice_find("2 pending migration(s) will be recorded as applied without running their statements") >= 0);
	CHECK_INT(C.levels[notice_find("2 pending migration(s)")], ENGINE_WARNING);
	CHECK_STR(C.details[notice_find("2 pending migration(s)")],
			  "pg_migrate.skip_executing_migrations is on; their callbacks still run.");

	/* the next run sees them applied: nothing to do */
	O.skip_executing_migrations = false;
	CHECK(engine_migrate(engine()));
	CHECK_INT(E.executed, 0);
	CHECK_INT(fake_log_count(&FX, "run V1__one.sql"), 0);
}

/* validateOnMigrate=false: migrate does not validate, nor run its callbacks. */
static void
test_validate_on_migrate_off(void)
{
	setup();
	fake_add_script(&FX, "beforeValidate.sql", "SELECT 'bv';");
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	fake_add_script(&FX, "V2__two.sql", "CREATE TABLE b (i int);");
	fake_add_row(&FX, 1, "1", "one", "SQL", "V1__one.sql", false, 12345, true);
	O.validate_on_migrate = false;
	CHECK(engine_migrate(engine()));
	CHECK_INT(E.executed, 1);
	CHECK_INT(fake_log_count(&FX, "run beforeValidate.sql"), 0);
	CHECK(fake_has_effect(&FX, "CREATE TABLE b (i int)"));

	/* a failed migration still stops it, as in Flyway */
	setup();
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	fake_add_script(&FX, "V2__two.sql", "CREATE TABLE b (i int);");
	fake_add_row(&FX, 1, "1", "one", "SQL", "V1__one.sql", false, fake_checksum(&FX, "V1__one.sql"), false);
	O.validate_on_migrate = false;
	CHECK(!engine_migrate(engine()));
	CHECK_STR(E.error.sqlstate, "55000");
	CHECK_STR(E.error.message, "the schema contains a failed migration to version 1");
	CHECK_INT(fake_log_count(&FX, "run "), 0);

	/* so does a target no script has */
	setup();
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	O.validate_on_migrate = false;
	O.target = "7";
	CHECK(!engine_migrate(engine()));
	CHECK_STR(E.error.message, "no migration with the target version 7 could be found");
}

/* ignoreMigrationPatterns and cherryPick through the engine, and their errors. */
static void
test_ignore_patterns_and_cherry_pick(void)
{
	/* a missing migration, ignored */
	setup();
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	fake_add_script(&FX, "V3__three.sql", "CREATE TABLE c (i int);");
	applied_row(1, "1", "one", "V1__one.sql");
	fake_add_row(&FX, 2, "2", "two", "SQL", "V2__two.sql", false, 1, true);
	CHECK(!engine_migrate(engine()));
	O.ignore_migration_patterns = "*:missing";
	CHECK(engine_migrate(engine()));
	CHECK(fake_has_effect(&FX, "CREATE TABLE c (i int)"));

	/* a bad pattern: refused before anything, naming the pattern and the setting */
	setup();
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	O.ignore_migration_patterns = "*:missing,*:gone";
	CHECK(!engine_check_options(engine()));
	CHECK_STR(E.error.sqlstate, "22023");
	CHECK_STR(E.error.message, "invalid pg_migrate.ignore_migration_patterns \"*:missing,*:gone\"");
	CHECK(contains(E.error.detail, "\"*:gone\""));
	CHECK(!engine_migrate(engine()));
	CHECK_INT(fake_log_count(&FX, "run "), 0);
	E.wording = &engine_wording_command;
	CHECK(!engine_check_options(&E));
	CHECK_STR(E.error.message, "invalid -ignoreMigrationPatterns \"*:missing,*:gone\"");

	/* cherryPick */
	setup();
	fake_add_script(&FX, "V1__one.sql", "CREATE TABLE a (i int);");
	fake_add_script(&FX, "V2__two.sql", "CREATE TABLE b (i int);");
	fake_add_script(&FX, "R__view.sql", "CREATE VIEW v AS SELECT 1;");
	O.cherry_pick = "2";
	CHECK(engine_migrate(engine()));
	CHECK_INT(E.executed, 1);
	CHECK(fake_has_effect(&FX, "CREATE TABLE b (i int)"));
	CHECK(!fake_has_effect(&FX, "CREATE TABLE a (i int)"));
}

int
main(void)
{
	test_migrate_empty_database();
	test_migrate_existing_empty_schema();
	test_migrate_schemas();
	test_no_schema_names_settings();
	test_lock_wait_bounded();
	test_migrate_decides_under_lock();
	test_migrate_non_empty_schema();
	test_migrate_noop();
	test_migrate_callbacks();
	test_migrate_failing_transactional();
	test_migrate_long_statement_quoted_cut();
	test_migrate_failing_non_transactional();
	test_migrate_own_commit_then_failure();
	test_migrate_commit_and_record_failures();
	test_migrate_each_callback_failure();
	test_migrate_each_callback_failure_non_transactional();
	test_migrate_mixed();
	test_migrate_caller_transaction();
	test_migrate_connection_lost();
	test_validation();
	test_skip_executing_migrations();
	test_validate_on_migrate_off();
	test_ignore_patterns_and_cherry_pick();
	test_names_and_duplicates();
	test_custom_naming();
	test_undo();
	test_baseline();
	test_repair();
	test_info_and_needed();
	test_migrate_more_callbacks();
	test_admin_callbacks();
	test_callback_events_refused();
	test_fail_fast();
	test_plan();
	test_secrets_masked_in_errors();
	test_placeholder_syntax();
	return unit_summary("engine");
}
