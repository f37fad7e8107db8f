/*
 * test_script_text.c
 *	  Unit tests of script_text.c: the UTF-8 check, the checksums of V and R
 *	  scripts with placeholders, ".sql.conf" files, and the text to run
 *	  (byte-order mark, replacement, the changed-checksum refusal).
 */
#include "postgres_fe.h"

#include "checksum.h"
#include "script_text.h"
#include "unit.h"

static ResolvedScript *
script_of(ScriptKind kind, const char *relpath)
{
	ResolvedScript *s = calloc(1, sizeof(ResolvedScript));

	s->kind = kind;
	s->script = pstrdup(relpath);
	s->path = psprintf("/srv/sql/%s", relpath);
	s->description = "d";
	s->execute_in_transaction = -1;
	s->placeholder_replacement = -1;
	return s;
}

static PlaceholderSet *
placeholders_of(const char *json)
{
	PlaceholderSet *set = calloc(1, sizeof(PlaceholderSet));
	char	   *why = NULL;

	placeholders_init(set);
	if (!placeholders_add_json(set, json, &why))
	{
		fprintf(stderr, "bad placeholders in test: %s\n", why);
		exit(2);
	}
	return set;
}

static int32
sum(const char *text)
{
	return flyway_checksum(text, strlen(text));
}

static void
test_utf8(void)
{
	MigrateError err;
	const char *bad = "SELECT 1;\nSELECT 2;\nSELECT '\xc3\x28';\n";

	migrate_error_clear(&err);
	CHECK(script_text_check_utf8("/srv/sql/V1__a.sql", "SELECT 'caf\xc3\xa9';", 15, &err));
	CHECK(!migrate_error_is_set(&err));
	CHECK(!script_text_check_utf8("/srv/sql/V1__a.sql", bad, strlen(bad), &err));
	CHECK_STR(err.sqlstate, "22021");
	CHECK_STR(err.message, "migration script \"/srv/sql/V1__a.sql\" is not valid UTF-8");
	CHECK_STR(err.detail, "The first invalid byte is on line 3.");
	CHECK_STR(err.hint, "Save the file as UTF-8, as Flyway expects by default.");
	/* a NUL byte cannot be stored: refused too */
	CHECK(!script_text_check_utf8("x.sql", "a\0b", 3, &err));
	CHECK_STR(err.detail, "The first invalid byte is on line 1.");
}

static void
test_checksums(void)
{
	PlaceholderSet *ph = placeholders_of("{\"x\": \"1\"}");
	const char *text = "SELECT ${x};";
	ResolvedScript *v = script_of(SCRIPT_VERSIONED, "V1__a.sql");
	ResolvedScript *r = script_of(SCRIPT_REPEATABLE, "R__a.sql");
	MigrateError err;

	migrate_error_clear(&err);
	/* V: the raw text, whatever the placeholders */
	CHECK(script_text_checksums(v, text, strlen(text), ph, true, &err));
	CHECK_INT(v->checksum, sum(text));
	/* R: the replaced text (a new value runs it again), the raw one beside it */
	CHECK(script_text_checksums(r, text, strlen(text), ph, true, &err));
	CHECK_INT(r->checksum, sum("SELECT 1;"));
	CHECK_INT(r->raw_checksum, sum(text));
	placeholders_set(ph, "x", "2");
	CHECK(script_text_checksums(r, text, strlen(text), ph, true, &err));
	CHECK_INT(r->checksum, sum("SELECT 2;"));
	/* ${flyway:filename} is the script's own file name */
	r = script_of(SCRIPT_REPEATABLE, "views/R__b.sql");
	CHECK(script_text_checksums(r, "-- ${flyway:filename}", 21, ph, true, &err));
	CHECK_INT(r->checksum, sum("-- R__b.sql"));
	/* replacement off (the setting, or the script's .conf): the raw text */
	CHECK(script_text_checksums(r, text, strlen(text), ph, false, &err));
	CHECK_INT(r->checksum, sum(text));
	r->placeholder_replacement = 0;
	CHECK(script_text_checksums(r, text, strlen(text), ph, true, &err));
	CHECK_INT(r->checksum, sum(text));
	CHECK(!migrate_error_is_set(&err));

	/* an undefined placeholder names the script, the line and the file */
	r = script_of(SCRIPT_REPEATABLE, "R__a.sql");
	CHECK(!script_text_checksums(r, "SELECT 1;\nSELECT ${nope};", 25, ph, true, &err));
	CHECK_STR(err.sqlstate, "42704");
	CHECK_STR(err.message, "no value provided for placeholder ${nope} in \"R__a.sql\" line 2");
	CHECK_STR(err.detail, "The script was read from \"/srv/sql/R__a.sql\".");
	CHECK(strstr(err.hint, "flyway.placeholders.nope") != NULL);
	CHECK(!script_text_checksums(r, "${flyway:nope}", 14, ph, true, &err));
	CHECK_STR(err.message, "unknown built-in placeholder ${flyway:nope} in \"R__a.sql\" line 1");
	CHECK(strstr(err.hint, "flyway:defaultSchema") != NULL);
	/* a V script's checksum does not replace: nothing to refuse yet */
	CHECK(script_text_checksums(v, "${nope}", 7, ph, true, &err));
}

/* The configured syntax: checksums of the replaced text, and the messages. */
static void
test_custom_syntax(void)
{
	PlaceholderSet *ph = placeholders_of("{\"x\": \"1\"}");
	ResolvedScript *r = script_of(SCRIPT_REPEATABLE, "views/R__a.sql");
	MigrateError err;
	const char *text = "SELECT @@x@@; -- ${x} @@flyway::filename@@";

	migrate_error_clear(&err);
	placeholders_set_syntax(ph, "@@", "@@", "::");
	/* a repeatable's checksum is its text replaced in this syntax */
	CHECK(script_text_checksums(r, text, strlen(text), ph, true, &err));
	CHECK_INT(r->checksum, sum("SELECT 1; -- ${x} R__a.sql"));
	CHECK_INT(r->raw_checksum, sum(text));
	CHECK(!migrate_error_is_set(&err));
	/* the built-in of the default separator is now an ordinary placeholder */
	CHECK(!script_text_checksums(r, "@@flyway:filename@@", 19, ph, true, &err));
	CHECK_STR(err.message, "no value provided for placeholder @@flyway:filename@@ in \"views/R__a.sql\" line 1");
	/* messages write names in the configured syntax */
	CHECK(!script_text_checksums(r, "\n@@nope@@", 10, ph, true, &err));
	CHECK_STR(err.message, "no value provided for placeholder @@nope@@ in \"views/R__a.sql\" line 2");
	CHECK(!script_text_checksums(r, "@@FLYWAY::nope@@", 16, ph, true, &err));
	CHECK_STR(err.sqlstate, "42704");
	CHECK_STR(err.message, "unknown built-in placeholder @@FLYWAY::nope@@ in \"views/R__a.sql\" line 1");
	CHECK_STR(err.hint, "The built-ins are flyway::defaultSchema, flyway::user, flyway::database, flyway::timestamp, flyway::filename, flyway::workingDirectory, flyway::table and flyway::environment.");
	/* workingDirectory without a value: the server would not show it */
	CHECK(!script_text_checksums(r, "@@flyway::workingDirectory@@", 28, ph, true, &err));
	CHECK_STR(err.sqlstate, "42501");
	CHECK_STR(err.message, "built-in placeholder @@flyway::workingDirectory@@ has no value in \"views/R__a.sql\" line 1");
	CHECK(strstr(err.hint, "pg_read_all_settings") != NULL);
	placeholders_set_builtin(ph, "workingDirectory", "/srv");
	CHECK(script_text_checksums(r, "@@flyway::workingDirectory@@", 28, ph, true, &err));
	CHECK_INT(r->checksum, sum("/srv"));
}

static void
test_conf(void)
{
	PlaceholderSet *ph = placeholders_of("{\"flag\": \"false\", \"db_password\": \"hunter2\"}");
	ResolvedScript *v = script_of(SCRIPT_VERSIONED, "V1__a.sql");
	const char *conf_path = "/srv/sql/V1__a.sql.conf";
	const char *text;
	MigrateError err;

	migrate_error_clear(&err);
	text = "executeInTransaction=false\n";
	CHECK(script_text_apply_conf(v, conf_path, text, strlen(text), ph, true, &err));
	CHECK_INT(v->execute_in_transaction, 0);
	CHECK_INT(v->placeholder_replacement, -1);
	/* placeholders are replaced in a .conf file first, as Flyway does */
	text = "placeholderReplacement=${flag}\n";
	CHECK(script_text_apply_conf(v, conf_path, text, strlen(text), ph, true, &err));
	CHECK_INT(v->placeholder_replacement, 0);
	CHECK_INT(v->execute_in_transaction, -1);
	CHECK(!migrate_error_is_set(&err));

	/* a bad file: 22023 with the line; a secret value shows as *** */
	text = "# settings\nexecuteInTransaction=${db_password}\n";
	CHECK(!script_text_apply_conf(v, conf_path, text, strlen(text), ph, true, &err));
	CHECK_STR(err.sqlstate, "22023");
	CHECK(strncmp(err.message, "invalid script configuration file \"V1__a.sql.conf\" line 2: ", 59) == 0);
	CHECK(strstr(err.message, "hunter2") == NULL);
	CHECK(strstr(err.message, "***") != NULL);
	CHECK_STR(err.detail, "The file was read from \"/srv/sql/V1__a.sql.conf\".");
	CHECK(strstr(err.hint, "executeInTransaction") != NULL);
	text = "unknownKey=1\n";
	CHECK(!script_text_apply_conf(v, conf_path, text, strlen(text), ph, true, &err));
	CHECK(strstr(err.message, "line 1: unknown configuration property: unknownKey") != NULL);
	/* not UTF-8: refused naming the .conf file */
	text = "executeInTransaction=\xff\n";
	CHECK(!script_text_apply_conf(v, conf_path, text, strlen(text), ph, true, &err));
	CHECK_STR(err.sqlstate, "22021");
	CHECK_STR(err.message, "migration script \"/srv/sql/V1__a.sql.conf\" is not valid UTF-8");
	/* an undefined placeholder in it */
	text = "executeInTransaction=${nope}\n";
	CHECK(!script_text_apply_conf(v, conf_path, text, strlen(text), ph, true, &err));
	CHECK_STR(err.sqlstate, "42704");
	/* replacement off: the text is parsed as it is */
	CHECK(!script_text_apply_conf(v, conf_path, text, strlen(text), ph, false, &err));
	CHECK_STR(err.sqlstate, "22023");
}

static void
test_for_run(void)
{
	PlaceholderSet *ph = placeholders_of("{\"x\": \"1\"}");
	ResolvedScript *v = script_of(SCRIPT_VERSIONED, "V1__a.sql");
	ResolvedScript *r = script_of(SCRIPT_REPEATABLE, "R__a.sql");
	const char *raw = "\xEF\xBB\xBFSELECT ${x};\n";
	char	   *text = NULL;
	size_t		len = 0;
	MigrateError err;

	migrate_error_clear(&err);
	v->checksum = sum(raw);
	/* byte-order mark dropped, placeholders replaced */
	CHECK(script_text_for_run(v, raw, strlen(raw), ph, true, &text, &len, &err));
	CHECK_INT(len, 10);
	CHECK(memcmp(text, "SELECT 1;\n", 10) == 0);
	/* replacement off: the text as written, still without the mark */
	CHECK(script_text_for_run(v, raw, strlen(raw), ph, false, &text, &len, &err));
	CHECK_INT(len, 13);
	CHECK(memcmp(text, "SELECT ${x};\n", 13) == 0);
	CHECK(!migrate_error_is_set(&err));

	/* edited since the run was planned: refused, 55000, both checksums shown */
	CHECK(!script_text_for_run(v, "SELECT 2;", 9, ph, true, &text, &len, &err));
	CHECK_STR(err.sqlstate, "55000");
	CHECK_STR(err.message, "migration script \"V1__a.sql\" changed while migrations were being applied");
	CHECK_STR(err.detail, psprintf("Its checksum was %d when the run was planned and is %d now.",
								   sum(raw), sum("SELECT 2;")));
	CHECK_STR(err.hint, "Run the migration again once the scripts are in place.");

	/* a repeatable is checked on its replaced text: a new value is a change */
	r->checksum = sum("SELECT 1;\n");
	CHECK(script_text_for_run(r, raw, strlen(raw), ph, true, &text, &len, &err));
	placeholders_set(ph, "x", "2");
	CHECK(!script_text_for_run(r, raw, strlen(raw), ph, true, &text, &len, &err));
	CHECK_STR(err.sqlstate, "55000");

	/* an undefined placeholder in a V script shows when it is run */
	v->checksum = sum("SELECT ${nope};");
	CHECK(!script_text_for_run(v, "SELECT ${nope};", 15, ph, true, &text, &len, &err));
	CHECK_STR(err.sqlstate, "42704");
	CHECK_STR(err.message, "no value provided for placeholder ${nope} in \"V1__a.sql\" line 1");
}

/* A fake of the server's conversions: LATIN1 only, 0x00 refused, 0x81 untranslatable. */
static bool
fake_convert(void *arg, const char *encoding, const char *data, size_t len, char **out,
			 size_t *out_len, ScriptDecodeProblem *problem, MigrateError *err)
{
	char	   *buf = palloc(len * 2 + 1);
	size_t		used = 0;

	(*(int *) arg)++;
	if (strcmp(encoding, "LATIN1") != 0)
	{
		migrate_error_set(err, "08006", "connection lost", NULL, NULL);
		return false;
	}
	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) data[i];

		if (c == 0 || c == 0x81)
		{
			problem->offset = i;
			problem->line = line_of_offset(data, len, i);
			problem->what = c == 0 ? "invalid byte sequence for encoding \"LATIN1\": 0x00" :
				"character with byte sequence 0x81 in encoding \"LATIN1\" has no equivalent in encoding \"UTF8\"";
			problem->sqlstate = c == 0 ? NULL : "22P05";
			return false;
		}
		if (c < 0x80)
			buf[used++] = (char) c;
		else
		{
			buf[used++] = (char) (0xC0 | (c >> 6));
			buf[used++] = (char) (0x80 | (c & 0x3F));
		}
	}
	buf[used] = '\0';
	*out = buf;
	*out_len = used;
	return true;
}

/*
 * script_text_decode: the .conf's encoding over the setting's over UTF-8;
 * UTF-16 decoded here, the rest by the executor; a Latin-1 script
 * checksums like its UTF-8 twin; errors name the file, line and the way out.
 */
static void
test_decode(void)
{
	ResolvedScript *v = script_of(SCRIPT_VERSIONED, "sub/V1__a.sql");
	int			calls = 0;
	ScriptDecoding dec = {NULL, "pg_migrate.encoding", fake_convert, &calls};
	const char *utf8 = "SELECT 'caf\xc3\xa9';\n";
	const char *latin1 = "SELECT 'caf\xe9';\n";
	const char utf16le[] = "\xff\xfeS\0E\0L\0E\0C\0T\0 \0'\0\xe9\0'\0;\0";
	char	   *text = NULL;
	size_t		len = 0;
	MigrateError err;

	migrate_error_clear(&err);
	/* UTF-8 by default: returned as it is, the converter not asked */
	CHECK(script_text_decode(v, &dec, utf8, strlen(utf8), &text, &len, &err));
	CHECK(text == utf8);
	CHECK_INT(calls, 0);
	CHECK(!script_text_decode(v, &dec, latin1, strlen(latin1), &text, &len, &err));
	CHECK_STR(err.sqlstate, "22021");
	CHECK_STR(err.message, "migration script \"/srv/sql/sub/V1__a.sql\" is not valid UTF-8");
	CHECK_STR(err.hint, "Name the file's encoding: encoding=ISO-8859-1 (or windows-1252, UTF-16, ...) in \"V1__a.sql.conf\", or pg_migrate.encoding for every script.");

	/* the setting: Latin-1 through the executor, checksum as the UTF-8 twin's */
	dec.encoding = "LATIN1";
	CHECK(script_text_decode(v, &dec, latin1, strlen(latin1), &text, &len, &err));
	CHECK_INT(calls, 1);
	CHECK_INT(len, strlen(utf8));
	CHECK(memcmp(text, utf8, len) == 0);
	CHECK_INT(flyway_checksum(text, len), sum(utf8));

	/* the script's .conf wins: UTF-16 with a mark, decoded here */
	v->encoding = "UTF-16";
	CHECK(script_text_decode(v, &dec, utf16le, sizeof(utf16le) - 1, &text, &len, &err));
	CHECK_INT(calls, 1);
	CHECK_STR(text, "SELECT '\xc3\xa9';");
	CHECK(!script_text_decode(v, &dec, "S\0", 2, &text, &len, &err));
	CHECK_STR(err.sqlstate, "22021");
	CHECK_STR(err.message, "migration script \"/srv/sql/sub/V1__a.sql\" is not valid UTF-16");
	CHECK_STR(err.detail, "Line 1: no byte-order mark (FF FE or FE FF) at the start.");

	/* the executor's refusals: 22021, or 22P05 when it has no equivalent */
	v->encoding = "LATIN1";
	CHECK(!script_text_decode(v, &dec, "SELECT 1;\nSELECT '\x81';", 21, &text, &len, &err));
	CHECK_STR(err.sqlstate, "22P05");
	CHECK_STR(err.message, "migration script \"/srv/sql/sub/V1__a.sql\" has a character of LATIN1 with no Unicode equivalent");
	CHECK_STR(err.detail, "Line 2: character with byte sequence 0x81 in encoding \"LATIN1\" has no equivalent in encoding \"UTF8\".");
	CHECK(!script_text_decode(v, &dec, "A\n\nB\0", 5, &text, &len, &err));
	CHECK_STR(err.sqlstate, "22021");
	CHECK_STR(err.message, "migration script \"/srv/sql/sub/V1__a.sql\" is not valid LATIN1");
	CHECK_STR(err.detail, "Line 3: invalid byte sequence for encoding \"LATIN1\": 0x00.");
	/* a failure that is not the bytes' keeps the executor's error */
	v->encoding = "WIN1252";
	CHECK(!script_text_decode(v, &dec, "x", 1, &text, &len, &err));
	CHECK_STR(err.sqlstate, "08006");

	/* US-ASCII: checked here */
	v->encoding = "US-ASCII";
	CHECK(script_text_decode(v, &dec, "SELECT 1;", 9, &text, &len, &err));
	CHECK(!script_text_decode(v, &dec, latin1, strlen(latin1), &text, &len, &err));
	CHECK_STR(err.detail, "Line 1: a byte above 0x7F, which is not US-ASCII.");
}

int
main(void)
{
	test_utf8();
	test_decode();
	test_checksums();
	test_custom_syntax();
	test_conf();
	test_for_run();
	return unit_summary("script_text");
}
