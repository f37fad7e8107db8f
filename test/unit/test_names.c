/*
 * test_names.c
 *	  Unit tests for names.c: Flyway's file names (flyway.md 1.2), versions
 *	  (1.3), Java string order and hash, abbreviations.
 */
#include "postgres_fe.h"

#include "lib/stringinfo.h"
#include "names.h"
#include "unit.h"

/* Parse a version that must be valid. */
static MigrationVersion
v(const char *text)
{
	MigrationVersion version;
	char	   *errmsg = NULL;

	if (!version_parse(text, &version, &errmsg))
	{
		fprintf(stderr, "version \"%s\" unexpectedly invalid: %s\n", text, errmsg);
		unit_failed++;
	}
	return version;
}

static int
cmp(const char *a, const char *b)
{
	MigrationVersion va = v(a);
	MigrationVersion vb = v(b);

	return version_compare(&va, &vb);
}

static void
test_version_parse(void)
{
	MigrationVersion version;
	char	   *errmsg;

	version = v("1");
	CHECK_STR(version.text, "1");
	CHECK_INT(version.nparts, 1);
	CHECK_STR(version.parts[0], "1");

	version = v("001");
	CHECK_STR(version.text, "001");	/* display text keeps the zeros */
	CHECK_STR(version.parts[0], "1");

	version = v("001_2");
	CHECK_STR(version.text, "001.2");
	CHECK_INT(version.nparts, 2);

	version = v("2013_01_15");
	CHECK_STR(version.text, "2013.01.15");
	CHECK_INT(version.nparts, 3);
	CHECK_STR(version.parts[1], "1");

	version = v("1.0.0");
	CHECK_STR(version.text, "1.0.0");
	CHECK_INT(version.nparts, 1);	/* trailing zero parts dropped */

	version = v("0");
	CHECK_INT(version.nparts, 1);
	CHECK_STR(version.parts[0], "0");

	version = v("0.0.000");
	CHECK_INT(version.nparts, 1);
	CHECK_STR(version.parts[0], "0");

	version = v("1.0.2.0");
	CHECK_INT(version.nparts, 3);
	CHECK_STR(version.parts[1], "0");
	CHECK_STR(version.parts[2], "2");

	version = v("1.2.3.4.5.6.7.8.9");
	CHECK_INT(version.nparts, 9);
	CHECK_STR(version.parts[8], "9");

	version = v("20130115113556");
	CHECK_STR(version.parts[0], "20130115113556");
	v("5.2");
	v("205.68");
	v("2013.1.15.11.35.56");
	v("2013.01.15.11.35.56");

	/* Invalid versions, with a message. */
	{
		static const char *const invalid[] = {
			"", "1.", "1..2", "1.a", "1-2", "-1", "+1", "1 2", ".1", "a",
			"1_", "1__2", "_1", " 1", "1.2.", "\xD9\xA1"
		};
		int			i;

		for (i = 0; i < (int) lengthof(invalid); i++)
		{
			errmsg = NULL;
			CHECK(!version_parse(invalid[i], &version, &errmsg));
			CHECK(errmsg != NULL && strstr(errmsg, "Invalid version") != NULL);
		}
	}
	/* The message names the version as normalized. */
	errmsg = NULL;
	CHECK(!version_parse("1_a", &version, &errmsg));
	CHECK_STR(errmsg, "Invalid version containing non-numeric characters. Only 0..9 and . are allowed. Invalid version: 1.a");
}

static void
test_version_compare(void)
{
	CHECK(cmp("1.10", "1.9") > 0);
	CHECK(cmp("1.9", "1.10") < 0);
	CHECK(cmp("1", "1.0") == 0);
	CHECK(cmp("1", "001") == 0);
	CHECK(cmp("1.0", "001") == 0);
	CHECK(cmp("1.0.0.0", "1") == 0);
	CHECK(cmp("2013.01.15", "2013.1.15") == 0);
	CHECK(cmp("2013_01_15", "2013.1.15") == 0);
	CHECK(cmp("1.2", "1.2.1") < 0);
	CHECK(cmp("1.2.0.1", "1.2") > 0);
	CHECK(cmp("2", "1.999") > 0);
	CHECK(cmp("0", "0.0") == 0);
	CHECK(cmp("0", "0.1") < 0);
	CHECK(cmp("10", "9") > 0);
	CHECK(cmp("010", "9") > 0);
	CHECK(cmp("1.1", "1.01") == 0);

	/* Beyond 64 bits: compared as numbers, not truncated. */
	CHECK(cmp("18446744073709551616", "18446744073709551615") > 0);
	CHECK(cmp("99999999999999999999999999999999", "100000000000000000000000000000000") < 0);
	CHECK(cmp("00099999999999999999999999999999999", "99999999999999999999999999999999") == 0);
	CHECK(cmp("1.123456789012345678901234567890", "1.123456789012345678901234567891") < 0);
	CHECK(cmp("20130115113556", "20130115113557") < 0);
	CHECK(cmp("9223372036854775808", "9223372036854775807") > 0);

	/* The order is the key's: equal versions have equal keys, sorts use them. */
	{
		MigrationVersion a = v("1.0.0");
		MigrationVersion b = v("001");
		MigrationVersion c = v("1.0.1");
		MigrationVersion none;

		CHECK_INT(a.key.len, b.key.len);
		CHECK(memcmp(a.key.bytes, b.key.bytes, a.key.len) == 0);
		CHECK(version_key_compare(&a.key, &c.key) < 0);
		CHECK(version_key_compare(&c.key, &a.key) > 0);
		/* a zeroed version (none applied yet) is the lowest, equal to "0" */
		memset(&none, 0, sizeof(none));
		a = v("0");
		CHECK(version_compare(&none, &a) == 0);
		CHECK(version_compare(&none, &c) < 0);
	}
}

static void
test_script_names(void)
{
	ScriptName name;
	char	   *errmsg;

	CHECK_INT(script_name_parse(&script_naming_default, "V2__Add_new_table.sql", &name, &errmsg), NAME_OK);
	CHECK_INT(name.kind, SCRIPT_VERSIONED);
	CHECK_STR(name.version.text, "2");
	CHECK_STR(name.description, "Add new table");
	CHECK(name.event == NULL);

	CHECK_INT(script_name_parse(&script_naming_default, "V2.sql", &name, &errmsg), NAME_OK);
	CHECK_INT(name.kind, SCRIPT_VERSIONED);
	CHECK_STR(name.version.text, "2");
	CHECK_STR(name.description, "");

	CHECK_INT(script_name_parse(&script_naming_default, "V1_1__x.sql", &name, &errmsg), NAME_OK);
	CHECK_STR(name.version.text, "1.1");
	CHECK_STR(name.description, "x");

	CHECK_INT(script_name_parse(&script_naming_default, "V001__x.sql", &name, &errmsg), NAME_OK);
	CHECK_STR(name.version.text, "001");

	CHECK_INT(script_name_parse(&script_naming_default, "V1__Add__new.sql", &name, &errmsg), NAME_OK);
	CHECK_STR(name.version.text, "1");
	CHECK_STR(name.description, "Add  new");

	CHECK_INT(script_name_parse(&script_naming_default, "V1___x.sql", &name, &errmsg), NAME_OK);
	CHECK_STR(name.description, " x");

	CHECK_INT(script_name_parse(&script_naming_default, "V1__with space_and_underscore.sql", &name, &errmsg), NAME_OK);
	CHECK_STR(name.description, "with space and underscore");

	CHECK_INT(script_name_parse(&script_naming_default, "V1.2.3.4.5.6.7.8.9__x.sql", &name, &errmsg), NAME_OK);
	CHECK_STR(name.version.text, "1.2.3.4.5.6.7.8.9");
	CHECK_INT(name.version.nparts, 9);

	CHECK_INT(script_name_parse(&script_naming_default, "V2013_01_15__x.sql", &name, &errmsg), NAME_OK);
	CHECK_STR(name.version.text, "2013.01.15");

	/* Suffix is case-insensitive. */
	CHECK_INT(script_name_parse(&script_naming_default, "V3__upper.SQL", &name, &errmsg), NAME_OK);
	CHECK_STR(name.description, "upper");
	CHECK_INT(script_name_parse(&script_naming_default, "V3__mixed.Sql", &name, &errmsg), NAME_OK);

	CHECK_INT(script_name_parse(&script_naming_default, "R__My_view.sql", &name, &errmsg), NAME_OK);
	CHECK_INT(name.kind, SCRIPT_REPEATABLE);
	CHECK_STR(name.description, "My view");
	CHECK(name.version.text == NULL);
	CHECK_INT(name.version.nparts, 0);

	CHECK_INT(script_name_parse(&script_naming_default, "R__.sql", &name, &errmsg), NAME_OK);
	CHECK_STR(name.description, "");

	CHECK_INT(script_name_parse(&script_naming_default, "U1__drop_users.sql", &name, &errmsg), NAME_OK);
	CHECK_INT(name.kind, SCRIPT_UNDO);
	CHECK_STR(name.version.text, "1");
	CHECK_STR(name.description, "drop users");

	CHECK_INT(script_name_parse(&script_naming_default, "B3__base.sql", &name, &errmsg), NAME_OK);
	CHECK_INT(name.kind, SCRIPT_BASELINE);
	CHECK_STR(name.version.text, "3");
	CHECK_STR(name.description, "base");

	/* Callbacks. */
	CHECK_INT(script_name_parse(&script_naming_default, "beforeMigrate.sql", &name, &errmsg), NAME_OK);
	CHECK_INT(name.kind, SCRIPT_CALLBACK);
	CHECK_STR(name.event, "beforeMigrate");
	CHECK_STR(name.description, "");
	CHECK(name.version.text == NULL);

	CHECK_INT(script_name_parse(&script_naming_default, "beforeRepair__vacuum.sql", &name, &errmsg), NAME_OK);
	CHECK_INT(name.kind, SCRIPT_CALLBACK);
	CHECK_STR(name.event, "beforeRepair");
	CHECK_STR(name.description, "vacuum");

	/* Longest prefix wins. */
	CHECK_INT(script_name_parse(&script_naming_default, "beforeEachMigrate.sql", &name, &errmsg), NAME_OK);
	CHECK_STR(name.event, "beforeEachMigrate");
	CHECK_INT(script_name_parse(&script_naming_default, "beforeEachMigrateStatement__log_it.sql", &name, &errmsg), NAME_OK);
	CHECK_STR(name.event, "beforeEachMigrateStatement");
	CHECK_STR(name.description, "log it");
	CHECK_INT(script_name_parse(&script_naming_default, "afterEachMigrateStatementError.sql", &name, &errmsg), NAME_OK);
	CHECK_STR(name.event, "afterEachMigrateStatementError");
	CHECK_INT(script_name_parse(&script_naming_default, "afterMigrateApplied.sql", &name, &errmsg), NAME_OK);
	CHECK_STR(name.event, "afterMigrateApplied");
	CHECK_INT(script_name_parse(&script_naming_default, "afterMigrate__z.sql", &name, &errmsg), NAME_OK);
	CHECK_STR(name.event, "afterMigrate");
	CHECK_INT(script_name_parse(&script_naming_default, "beforeCreateSchema.sql", &name, &errmsg), NAME_OK);
	CHECK_STR(name.event, "beforeCreateSchema");
	CHECK_INT(script_name_parse(&script_naming_default, "createSchema.sql", &name, &errmsg), NAME_OK);
	CHECK_STR(name.event, "createSchema");
	CHECK_INT(script_name_parse(&script_naming_default, "afterConnect.SQL", &name, &errmsg), NAME_OK);
	CHECK_STR(name.event, "afterConnect");

	/* Every event id parses as itself. */
	{
		int			i;
		int			count = 0;

		for (i = 0; callback_events[i] != NULL; i++)
		{
			char	   *file = psprintf("%s.sql", callback_events[i]);

			CHECK_INT(script_name_parse(&script_naming_default, file, &name, &errmsg), NAME_OK);
			CHECK_STR(name.event, callback_events[i]);
			count++;
		}
		CHECK_INT(count, 40);
	}

	/* Not scripts: ignored silently. */
	errmsg = NULL;
	CHECK_INT(script_name_parse(&script_naming_default, "README.md", &name, &errmsg), NAME_NOT_SCRIPT);
	CHECK(errmsg == NULL);
	CHECK_INT(script_name_parse(&script_naming_default, "V57__notes.md", &name, &errmsg), NAME_NOT_SCRIPT);
	CHECK_INT(script_name_parse(&script_naming_default, "V1__x.sql.bak", &name, &errmsg), NAME_NOT_SCRIPT);
	CHECK_INT(script_name_parse(&script_naming_default, "V1__x.sql.conf", &name, &errmsg), NAME_NOT_SCRIPT);
	CHECK_INT(script_name_parse(&script_naming_default, "sql", &name, &errmsg), NAME_NOT_SCRIPT);
	CHECK_INT(script_name_parse(&script_naming_default, "", &name, &errmsg), NAME_NOT_SCRIPT);
	/* Flyway's scanner skips names no longer than prefix + suffix. */
	CHECK_INT(script_name_parse(&script_naming_default, "R.sql", &name, &errmsg), NAME_NOT_SCRIPT);

	/* Invalid .sql files, with Flyway's messages. */
	errmsg = NULL;
	CHECK_INT(script_name_parse(&script_naming_default, "README.sql", &name, &errmsg), NAME_INVALID);
	CHECK_STR(errmsg, "Invalid repeatable migration / callback name format: README.sql (It cannot contain a version and should look like this: R__description.sql)");

	errmsg = NULL;
	CHECK_INT(script_name_parse(&script_naming_default, "Vacuum.sql", &name, &errmsg), NAME_INVALID);
	CHECK_STR(errmsg, "Invalid versioned migration name format: Vacuum.sql (could not recognise version number acuum)");

	errmsg = NULL;
	CHECK_INT(script_name_parse(&script_naming_default, "v1__x.sql", &name, &errmsg), NAME_INVALID);
	CHECK_STR(errmsg, "Unrecognised migration name format: v1__x.sql (It should start with one of the prefixes V, R, U, B or with a callback event such as beforeMigrate)");

	errmsg = NULL;
	CHECK_INT(script_name_parse(&script_naming_default, "r__x.sql", &name, &errmsg), NAME_INVALID);
	CHECK_STR(errmsg, "Unrecognised migration name format: r__x.sql (It should start with one of the prefixes V, R, U, B or with a callback event such as beforeMigrate)");

	errmsg = NULL;
	CHECK_INT(script_name_parse(&script_naming_default, "V__no_version.sql", &name, &errmsg), NAME_INVALID);
	CHECK_STR(errmsg, "Invalid versioned migration name format: V__no_version.sql (It must contain a version and should look like this: V1.2__no_version.sql)");

	errmsg = NULL;
	CHECK_INT(script_name_parse(&script_naming_default, "V.sql", &name, &errmsg), NAME_INVALID);
	CHECK_STR(errmsg, "Invalid versioned migration name format: V.sql (It must contain a version and should look like this: V1.2__description.sql)");

	errmsg = NULL;
	CHECK_INT(script_name_parse(&script_naming_default, "R1__x.sql", &name, &errmsg), NAME_INVALID);
	CHECK_STR(errmsg, "Invalid repeatable migration / callback name format: R1__x.sql (It cannot contain a version and should look like this: R__x.sql)");

	errmsg = NULL;
	CHECK_INT(script_name_parse(&script_naming_default, "beforeMigrateX.sql", &name, &errmsg), NAME_INVALID);
	CHECK_STR(errmsg, "Invalid repeatable migration / callback name format: beforeMigrateX.sql (It cannot contain a version and should look like this: beforeMigrate__description.sql)");

	errmsg = NULL;
	CHECK_INT(script_name_parse(&script_naming_default, "V1_x__y.sql", &name, &errmsg), NAME_INVALID);
	CHECK_STR(errmsg, "Invalid versioned migration name format: V1_x__y.sql (could not recognise version number 1_x)");

	CHECK_INT(script_name_parse(&script_naming_default, "V1..2__x.sql", &name, &errmsg), NAME_INVALID);
	CHECK_INT(script_name_parse(&script_naming_default, "V1.__x.sql", &name, &errmsg), NAME_INVALID);
	CHECK_INT(script_name_parse(&script_naming_default, "V1-2__x.sql", &name, &errmsg), NAME_INVALID);
	CHECK_INT(script_name_parse(&script_naming_default, "V1 __x.sql", &name, &errmsg), NAME_INVALID);
	CHECK_INT(script_name_parse(&script_naming_default, "U__x.sql", &name, &errmsg), NAME_INVALID);
	CHECK_INT(script_name_parse(&script_naming_default, "B.sql", &name, &errmsg), NAME_INVALID);
	CHECK_INT(script_name_parse(&script_naming_default, ".sql", &name, &errmsg), NAME_INVALID);
	CHECK_INT(script_name_parse(&script_naming_default, "migration.sql", &name, &errmsg), NAME_INVALID);
}

static void
test_java_compare(void)
{
	CHECK_INT(java_string_compare("", ""), 0);
	CHECK_INT(java_string_compare("abc", "abc"), 0);
	CHECK(java_string_compare("A", "a") < 0);
	CHECK(java_string_compare("Z", "a") < 0);
	CHECK(java_string_compare("a", "B") > 0);
	CHECK(java_string_compare("", "a") < 0);
	CHECK(java_string_compare("ab", "a") > 0);
	CHECK(java_string_compare("a b", "a_b") < 0);
	CHECK(java_string_compare("caf\xC3\xA9", "cafe") > 0);	/* U+00E9 > 'e' */

	/*
	 * U+1F600 is a surrogate pair D83D DE00 in UTF-16, so Java puts it below
	 * U+FFFD and U+E000 although its code point (and UTF-8, strcmp) is higher.
	 */
	CHECK(strcmp("\xF0\x9F\x98\x80", "\xEF\xBF\xBD") > 0);
	CHECK(java_string_compare("\xF0\x9F\x98\x80", "\xEF\xBF\xBD") < 0);
	CHECK(java_string_compare("\xEF\xBF\xBD", "\xF0\x9F\x98\x80") > 0);
	CHECK(java_string_compare("\xF0\x9F\x98\x80", "\xEE\x80\x80") < 0);
	CHECK(java_string_compare("x\xF0\x9F\x98\x80", "x\xF0\x9F\x98\x81") < 0);
	CHECK_INT(java_string_compare("\xF0\x9F\x98\x80", "\xF0\x9F\x98\x80"), 0);
	/* But still above the rest of the BMP below the surrogates. */
	CHECK(java_string_compare("\xF0\x9F\x98\x80", "\xED\x9F\xBF") > 0);	/* U+D7FF */
}

static void
test_java_hash(void)
{
	CHECK_INT(java_string_hash(""), 0);
	CHECK_INT(java_string_hash("a"), 97);
	CHECK_INT(java_string_hash("Aa"), java_string_hash("BB"));
	CHECK_INT(java_string_hash("hello"), 99162322);
	CHECK_INT(java_string_hash("\"public\".\"flyway_schema_history\""), 2125624436);
	CHECK_INT((long long) java_string_hash("\"myschema\".\"flyway_schema_history\"") + 77431708279161LL,
			  77431447924489LL);
	/* UTF-16 units: U+00E9 is one unit (233), U+1F600 two (D83D, DE00). */
	CHECK_INT(java_string_hash("\xC3\xA9"), 233);
	CHECK_INT(java_string_hash("\xF0\x9F\x98\x80"), 0xD83D * 31 + 0xDE00);
}

static char *
repeat(const char *unit, int times)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < times; i++)
		appendStringInfoString(&buf, unit);
	return buf.data;
}

static void
test_abbreviations(void)
{
	char	   *s;

	CHECK(abbreviate_description(NULL) == NULL);
	CHECK_STR(abbreviate_description("short"), "short");

	s = repeat("x", 200);
	CHECK_STR(abbreviate_description(s), s);
	s = repeat("x", 201);
	CHECK_STR(abbreviate_description(s), psprintf("%s...", repeat("x", 197)));

	/* Lengths are characters, not bytes. */
	s = repeat("\xC3\xA9", 200);
	CHECK_STR(abbreviate_description(s), s);
	s = repeat("\xC3\xA9", 201);
	CHECK_STR(abbreviate_description(s), psprintf("%s...", repeat("\xC3\xA9", 197)));

	CHECK(abbreviate_script(NULL) == NULL);
	s = repeat("a", 1000);
	CHECK_STR(abbreviate_script(s), s);
	s = psprintf("abc%s", repeat("d", 998));	/* 1001 characters */
	CHECK_STR(abbreviate_script(s), psprintf("...%s", repeat("d", 997)));
	CHECK_INT(strlen(abbreviate_script(s)), 1000);
	s = psprintf("012%sXYZ", repeat("\xE2\x82\xAC", 1200));
	CHECK_STR(abbreviate_script(s), psprintf("...%s", repeat("\xE2\x82\xAC", 997)));
}

/* What the history table's version and installed_by columns can hold. */
static void
test_history_limits(void)
{
	char	   *fifty = psprintf("%050d", 1);
	char	   *fifty_one = psprintf("%051d", 1);
	char	   *errmsg = NULL;

	CHECK(version_fits_history("1", &errmsg));
	CHECK(version_fits_history(fifty, &errmsg));
	CHECK(errmsg == NULL);
	CHECK(!version_fits_history(fifty_one, &errmsg));
	CHECK_STR(errmsg, psprintf("\"%s\" has 51 characters; the history table's version column holds at most 50",
							   fifty_one));
	CHECK(!version_fits_history(psprintf("%s.1", fifty), NULL));

	/* characters, not bytes: 100 two-byte characters fit installed_by */
	{
		char	   *two_byte = palloc(201);
		char	   *longer;

		for (int i = 0; i < 100; i++)
			memcpy(two_byte + 2 * i, "\xC3\xA9", 2);
		two_byte[200] = '\0';
		CHECK(history_column_fits(two_byte, HISTORY_INSTALLED_BY_CHARS, "installed_by", NULL));
		longer = psprintf("%sx", two_byte);
		errmsg = NULL;
		CHECK(!history_column_fits(longer, HISTORY_INSTALLED_BY_CHARS, "installed_by", &errmsg));
		CHECK(errmsg != NULL && strstr(errmsg, "has 101 characters; the history table's installed_by column holds at most 100") != NULL);
	}
}


/* Conventions from settings that must be accepted. */
static ScriptNaming
naming_of(const char *versioned, const char *separator, const char *suffixes,
		  const char *repeatable, const char *undo, const char *baseline)
{
	const char *values[NAMING_SETTING_COUNT];
	ScriptNaming naming;
	NamingSetting bad;
	char	   *errmsg = NULL;

	values[NAMING_SQL_MIGRATION_PREFIX] = versioned;
	values[NAMING_SQL_MIGRATION_SEPARATOR] = separator;
	values[NAMING_SQL_MIGRATION_SUFFIXES] = suffixes;
	values[NAMING_REPEATABLE_PREFIX] = repeatable;
	values[NAMING_UNDO_PREFIX] = undo;
	values[NAMING_BASELINE_PREFIX] = baseline;
	if (!script_naming_from_settings(values, naming_setting_keys, &naming, &bad, &errmsg))
	{
		fprintf(stderr, "naming unexpectedly refused: %s\n", errmsg);
		unit_failed++;
	}
	return naming;
}

/* The setting a refused combination blames, and why ("" when accepted). */
static const char *
refusal(const char *versioned, const char *separator, const char *suffixes,
		const char *repeatable, const char *undo, const char *baseline, NamingSetting *bad)
{
	const char *values[NAMING_SETTING_COUNT];
	ScriptNaming naming;
	char	   *errmsg = NULL;

	values[NAMING_SQL_MIGRATION_PREFIX] = versioned;
	values[NAMING_SQL_MIGRATION_SEPARATOR] = separator;
	values[NAMING_SQL_MIGRATION_SUFFIXES] = suffixes;
	values[NAMING_REPEATABLE_PREFIX] = repeatable;
	values[NAMING_UNDO_PREFIX] = undo;
	values[NAMING_BASELINE_PREFIX] = baseline;
	*bad = NAMING_SETTING_COUNT;
	if (script_naming_from_settings(values, naming_setting_keys, &naming, bad, &errmsg))
		return "";
	return errmsg;
}

static void
test_custom_naming(void)
{
	ScriptNaming naming;
	ScriptName	name;
	char	   *errmsg;

	/* NULL everywhere: Flyway's defaults */
	naming = naming_of(NULL, NULL, NULL, NULL, NULL, NULL);
	CHECK_STR(naming.prefixes[SCRIPT_VERSIONED], "V");
	CHECK_STR(naming.separator, "__");
	CHECK_INT(naming.nsuffixes, 1);
	CHECK_STR(naming.suffixes[0], ".sql");
	CHECK_STR(script_naming_example(&naming, SCRIPT_VERSIONED, NULL), "V<version>__<description>.sql");
	CHECK_STR(script_naming_example(&naming, SCRIPT_UNDO, "2"), "U2__<description>.sql");
	CHECK_STR(script_naming_example(&naming, SCRIPT_REPEATABLE, NULL), "R__<description>.sql");

	/* Multi-character prefixes, separator "-", a list of suffixes (blanks trimmed) */
	naming = naming_of("Mig", "-", ".sql, .PGSQL", "Rep", "Undo", "Base");
	CHECK_INT(naming.nsuffixes, 2);
	CHECK_STR(naming.suffixes[1], ".PGSQL");
	CHECK_INT(script_name_parse(&naming, "Mig1.2-add_users.sql", &name, &errmsg), NAME_OK);
	CHECK_INT(name.kind, SCRIPT_VERSIONED);
	CHECK_STR(name.version.text, "1.2");
	CHECK_STR(name.description, "add users");
	CHECK_INT(script_name_parse(&naming, "Mig2-x.pgsql", &name, &errmsg), NAME_OK);
	CHECK_STR(name.version.text, "2");
	CHECK_INT(script_name_parse(&naming, "Mig3-y.PgSql", &name, &errmsg), NAME_OK);
	CHECK_INT(script_name_parse(&naming, "Rep-view.sql", &name, &errmsg), NAME_OK);
	CHECK_INT(name.kind, SCRIPT_REPEATABLE);
	CHECK_STR(name.description, "view");
	CHECK_INT(script_name_parse(&naming, "Undo1.2-add_users.sql", &name, &errmsg), NAME_OK);
	CHECK_INT(name.kind, SCRIPT_UNDO);
	CHECK_INT(script_name_parse(&naming, "Base5-all.sql", &name, &errmsg), NAME_OK);
	CHECK_INT(name.kind, SCRIPT_BASELINE);
	CHECK_STR(name.version.text, "5");
	/* the first separator splits; "__" means nothing now */
	CHECK_INT(script_name_parse(&naming, "Mig1-a-b__c.sql", &name, &errmsg), NAME_OK);
	CHECK_STR(name.version.text, "1");
	CHECK_STR(name.description, "a-b  c");
	CHECK_INT(script_name_parse(&naming, "Mig1.sql", &name, &errmsg), NAME_OK);
	CHECK_STR(name.description, "");
	/* callbacks keep their event ids, with the configured separator */
	CHECK_INT(script_name_parse(&naming, "beforeMigrate-grants.pgsql", &name, &errmsg), NAME_OK);
	CHECK_INT(name.kind, SCRIPT_CALLBACK);
	CHECK_STR(name.event, "beforeMigrate");
	CHECK_STR(name.description, "grants");
	/* the default names are no longer scripts, or are badly named */
	errmsg = NULL;
	CHECK_INT(script_name_parse(&naming, "V1__x.sql", &name, &errmsg), NAME_INVALID);
	CHECK_STR(errmsg, "Unrecognised migration name format: V1__x.sql (It should start with one of the prefixes Mig, Rep, Undo, Base or with a callback event such as beforeMigrate)");
	errmsg = NULL;
	CHECK_INT(script_name_parse(&naming, "Mig1__x.sql", &name, &errmsg), NAME_INVALID);
	CHECK_STR(errmsg, "Invalid versioned migration name format: Mig1__x.sql (could not recognise version number 1__x)");
	errmsg = NULL;
	CHECK_INT(script_name_parse(&naming, "Mig-x.pgsql", &name, &errmsg), NAME_INVALID);
	CHECK_STR(errmsg, "Invalid versioned migration name format: Mig-x.pgsql (It must contain a version and should look like this: Mig1.2-x.PGSQL)");
	errmsg = NULL;
	CHECK_INT(script_name_parse(&naming, "Rep1-v.sql", &name, &errmsg), NAME_INVALID);
	CHECK_STR(errmsg, "Invalid repeatable migration / callback name format: Rep1-v.sql (It cannot contain a version and should look like this: Rep-v.sql)");
	CHECK_INT(script_name_parse(&naming, "Mig1-x.txt", &name, &errmsg), NAME_NOT_SCRIPT);
	/* Flyway's scanner: not longer than prefix + suffix */
	CHECK_INT(script_name_parse(&naming, "Rep.pgsql", &name, &errmsg), NAME_NOT_SCRIPT);
	CHECK_STR(script_naming_example(&naming, SCRIPT_VERSIONED, NULL), "Mig<version>-<description>.sql");
	CHECK_STR(script_naming_example(&naming, SCRIPT_UNDO, "1.2"), "Undo1.2-<description>.sql");
	CHECK(script_naming_is_conf(&naming, "Mig1-x.pgsql.conf"));
	CHECK(script_naming_is_conf(&naming, "Mig1-x.SQL.CONF"));
	CHECK(!script_naming_is_conf(&naming, "Mig1-x.txt.conf"));
	CHECK(!script_naming_is_conf(&naming, ".sql.conf"));
	CHECK(!script_naming_is_conf(&naming, "Mig1-x.pgsql"));

	/*
	 * The first suffix that matches is stripped, in the configured order;
	 * messages show it as configured (Flyway's ResourceNameParser)
	 */
	naming = naming_of(NULL, NULL, ".sql,l", NULL, NULL, NULL);
	CHECK_INT(script_name_parse(&naming, "V1__x.sql", &name, &errmsg), NAME_OK);
	CHECK_STR(name.description, "x");
	naming = naming_of(NULL, NULL, "l,.sql", NULL, NULL, NULL);
	CHECK_INT(script_name_parse(&naming, "V1__x.sql", &name, &errmsg), NAME_OK);
	CHECK_STR(name.description, "x.sq");

	/* Longest prefix wins, among the kinds and the callback event ids */
	naming = naming_of("VV", NULL, NULL, "V", NULL, NULL);
	CHECK_INT(script_name_parse(&naming, "VV1__x.sql", &name, &errmsg), NAME_OK);
	CHECK_INT(name.kind, SCRIPT_VERSIONED);
	CHECK_INT(script_name_parse(&naming, "V__x.sql", &name, &errmsg), NAME_OK);
	CHECK_INT(name.kind, SCRIPT_REPEATABLE);
	naming = naming_of("before", NULL, NULL, "afterMigrateX", NULL, NULL);
	CHECK_INT(script_name_parse(&naming, "before1__x.sql", &name, &errmsg), NAME_OK);
	CHECK_INT(name.kind, SCRIPT_VERSIONED);
	/* the event id is longer than the prefix "before" */
	CHECK_INT(script_name_parse(&naming, "beforeMigrate.sql", &name, &errmsg), NAME_OK);
	CHECK_INT(name.kind, SCRIPT_CALLBACK);
	CHECK_STR(name.event, "beforeMigrate");
	/* the prefix "afterMigrateX" is longer than the event id afterMigrate */
	CHECK_INT(script_name_parse(&naming, "afterMigrateX__v.sql", &name, &errmsg), NAME_OK);
	CHECK_INT(name.kind, SCRIPT_REPEATABLE);
	CHECK_STR(name.description, "v");
	CHECK_INT(script_name_parse(&naming, "afterMigrate__v.sql", &name, &errmsg), NAME_OK);
	CHECK_INT(name.kind, SCRIPT_CALLBACK);
	/* with "before" a versioned prefix, "beforeX.sql" is a bad versioned name */
	CHECK_INT(script_name_parse(&naming, "beforeX.sql", &name, &errmsg), NAME_INVALID);
}

static void
test_naming_refusals(void)
{
	NamingSetting bad;
	char	   *errmsg = NULL;

	CHECK_STR(refusal(NULL, NULL, NULL, NULL, NULL, NULL, &bad), "");

	CHECK_STR(refusal("", NULL, NULL, NULL, NULL, NULL, &bad),
			  "A prefix cannot be empty: every SQL file would start with it.");
	CHECK_INT(bad, NAMING_SQL_MIGRATION_PREFIX);
	refusal(NULL, NULL, NULL, NULL, NULL, "", &bad);
	CHECK_INT(bad, NAMING_BASELINE_PREFIX);
	CHECK_STR(refusal(NULL, "", NULL, NULL, NULL, NULL, &bad),
			  "The separator cannot be empty: nothing would tell a version from its description.");
	CHECK_INT(bad, NAMING_SQL_MIGRATION_SEPARATOR);
	CHECK_STR(refusal("a/V", NULL, NULL, NULL, NULL, NULL, &bad),
			  "\"a/V\" contains \"/\", which no file name can.");

	CHECK_STR(refusal(NULL, NULL, "", NULL, NULL, NULL, &bad),
			  "The list is empty: give at least one suffix, such as \".sql\".");
	CHECK_INT(bad, NAMING_SQL_MIGRATION_SUFFIXES);
	CHECK_STR(refusal(NULL, NULL, " ", NULL, NULL, NULL, &bad),
			  "The list is empty: give at least one suffix, such as \".sql\".");
	CHECK_STR(refusal(NULL, NULL, ".sql,,.pgsql", NULL, NULL, NULL, &bad),
			  "Suffix 2 of the list is empty; every suffix needs text, such as \".sql\".");
	CHECK_STR(refusal(NULL, NULL, ".sql, ", NULL, NULL, NULL, &bad),
			  "Suffix 2 of the list is empty; every suffix needs text, such as \".sql\".");
	CHECK_STR(refusal(NULL, NULL, ".sql,.Conf", NULL, NULL, NULL, &bad),
			  "The suffix \".Conf\" ends in \".conf\": the script configuration files (\"<script>.sql.conf\") would become scripts.");
	CHECK_STR(refusal(NULL, NULL, "x/.sql", NULL, NULL, NULL, &bad),
			  "The suffix \"x/.sql\" contains \"/\", which no file name can.");

	/* two kinds with one prefix: the later setting is blamed, both named */
	CHECK_STR(refusal("M", NULL, NULL, "M", NULL, NULL, &bad),
			  "sqlMigrationPrefix and repeatableSqlMigrationPrefix are both \"M\": a file's kind could not be told from its name.");
	CHECK_INT(bad, NAMING_REPEATABLE_PREFIX);
	refusal(NULL, NULL, NULL, NULL, "B", NULL, &bad);
	CHECK_INT(bad, NAMING_BASELINE_PREFIX);
	/* the default V clashes with a V chosen for another kind */
	CHECK_STR(refusal(NULL, NULL, NULL, NULL, "V", NULL, &bad),
			  "sqlMigrationPrefix and undoSqlMigrationPrefix are both \"V\": a file's kind could not be told from its name.");
	CHECK_INT(bad, NAMING_UNDO_PREFIX);

	/* a prefix that contains the separator */
	CHECK_STR(refusal("V__", NULL, NULL, NULL, NULL, NULL, &bad),
			  "\"V__\" contains the separator \"__\" (sqlMigrationSeparator): the separator would be found inside the prefix.");
	CHECK_INT(bad, NAMING_SQL_MIGRATION_PREFIX);
	CHECK_STR(refusal(NULL, "R", NULL, NULL, NULL, NULL, &bad),
			  "\"R\" contains the separator \"R\" (sqlMigrationSeparator): the separator would be found inside the prefix.");
	CHECK_INT(bad, NAMING_REPEATABLE_PREFIX);

	/* a prefix that is a callback event id */
	CHECK_STR(refusal(NULL, NULL, NULL, "afterMigrate", NULL, NULL, &bad),
			  "\"afterMigrate\" is the name of a callback event: its callback files would be taken for migrations.");
	CHECK_INT(bad, NAMING_REPEATABLE_PREFIX);

	/* One value alone, as the server's settings check it when set */
	CHECK(script_naming_check_value(NAMING_SQL_MIGRATION_SUFFIXES, ".sql,.pgsql", &errmsg));
	CHECK(!script_naming_check_value(NAMING_SQL_MIGRATION_SEPARATOR, "", &errmsg));
	CHECK(!script_naming_check_value(NAMING_UNDO_PREFIX, "", &errmsg));
	/* clashes need the other settings: accepted alone */
	CHECK(script_naming_check_value(NAMING_REPEATABLE_PREFIX, "V", &errmsg));
}

int
main(void)
{
	test_version_parse();
	test_version_compare();
	test_script_names();
	test_custom_naming();
	test_naming_refusals();
	test_java_compare();
	test_java_hash();
	test_abbreviations();
	test_history_limits();
	return unit_summary("names");
}
