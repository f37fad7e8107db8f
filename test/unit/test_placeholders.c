/*
 * test_placeholders.c
 *	  Unit tests for placeholders.c: the value set, JSON input and Flyway's
 *	  replacement (flyway.md section 6.1), scanner quirk included.
 */
#include "postgres_fe.h"

#include "placeholders.h"
#include "unit.h"

static char *last_bad_name;
static int	last_bad_line;

/* Replace in a NUL-terminated text; NULL when a name is undefined. */
static char *
replace(const PlaceholderSet *set, const char *text)
{
	StringInfoData out;

	initStringInfo(&out);
	last_bad_name = NULL;
	last_bad_line = 0;
	if (!placeholders_replace(text, strlen(text), set, &out, &last_bad_name, &last_bad_line))
		return NULL;
	return out.data;
}

static void
test_set(void)
{
	PlaceholderSet set;

	placeholders_init(&set);
	CHECK_INT(set.count, 0);
	CHECK(placeholders_get(&set, "x") == NULL);

	placeholders_set(&set, "Schema", "app");
	CHECK_STR(placeholders_get(&set, "schema"), "app");
	CHECK_STR(placeholders_get(&set, "SCHEMA"), "app");
	CHECK_STR(placeholders_get(&set, "sChEmA"), "app");
	CHECK_STR(set.names[0], "schema");	/* stored lower-cased */

	/* A later value wins, whatever the case. */
	placeholders_set(&set, "SCHEMA", "other");
	CHECK_INT(set.count, 1);
	CHECK_STR(placeholders_get(&set, "schema"), "other");

	placeholders_set(&set, "empty", "");
	CHECK_STR(placeholders_get(&set, "empty"), "");

	/* Setting a name to its own current value is safe. */
	placeholders_set(&set, "SCHEMA", placeholders_get(&set, "schema"));
	CHECK_STR(placeholders_get(&set, "schema"), "other");
	CHECK_INT(set.count, 2);

	/* Many names: the arrays grow. */
	{
		int			i;

		for (i = 0; i < 100; i++)
			placeholders_set(&set, psprintf("name%d", i), psprintf("value%d", i));
		CHECK_INT(set.count, 102);
		CHECK_STR(placeholders_get(&set, "NAME57"), "value57");
		CHECK_STR(placeholders_get(&set, "schema"), "other");
	}
}

static void
test_json(void)
{
	PlaceholderSet set;
	char	   *errmsg;

	placeholders_init(&set);
	errmsg = NULL;
	CHECK(placeholders_add_json(&set, NULL, &errmsg));
	CHECK(placeholders_add_json(&set, "", &errmsg));
	CHECK(placeholders_add_json(&set, "{}", &errmsg));
	CHECK_INT(set.count, 0);
	CHECK(errmsg == NULL);

	CHECK(placeholders_add_json(&set,
								"{\"Owner\": \"alice\", \"n\": 42, \"ratio\": 1.50, \"big\": 1e3,"
								" \"neg\": -7, \"on\": true, \"off\": false, \"blank\": \"\","
								" \"my-key.x\": \"dash dot\", \"q\": \"say \\\"hi\\\"\\n\"}",
								&errmsg));
	CHECK_STR(placeholders_get(&set, "owner"), "alice");
	CHECK_STR(placeholders_get(&set, "n"), "42");
	CHECK_STR(placeholders_get(&set, "ratio"), "1.50");	/* as written */
	CHECK_STR(placeholders_get(&set, "big"), "1e3");
	CHECK_STR(placeholders_get(&set, "neg"), "-7");
	CHECK_STR(placeholders_get(&set, "on"), "true");
	CHECK_STR(placeholders_get(&set, "off"), "false");
	CHECK_STR(placeholders_get(&set, "blank"), "");
	CHECK_STR(placeholders_get(&set, "MY-KEY.X"), "dash dot");
	CHECK_STR(placeholders_get(&set, "q"), "say \"hi\"\n");

	/* Overrides earlier values; the last duplicate wins. */
	CHECK(placeholders_add_json(&set, " {\"OWNER\":\"bob\",\"n\":1,\"n\":2} ", &errmsg));
	CHECK_STR(placeholders_get(&set, "owner"), "bob");
	CHECK_STR(placeholders_get(&set, "n"), "2");
	/* Odd white space and escapes in names do not confuse the raw values. */
	CHECK(placeholders_add_json(&set, "{\"a\\\"}\"\t:\r\n 3.0 ,\"b,\":0.25}", &errmsg) == false);
	CHECK(placeholders_add_json(&set, "{\"a\\\",\"\t:\r\n 3.0 ,\"b,\":0.25}", &errmsg));
	CHECK_STR(placeholders_get(&set, "a\","), "3.0");
	CHECK_STR(placeholders_get(&set, "b,"), "0.25");

	/* Errors leave the set unchanged. */
	{
		static const char *const bad[] = {
			"[1, 2]",
			"\"text\"",
			"42",
			"null",
			"{\"x\": null}",
			"{\"x\": [1]}",
			"{\"x\": {\"y\": \"z\"}}",
			"{\"\": \"v\"}",
			"{\"a}b\": \"v\"}",
			"{\"flyway:user\": \"v\"}",
			"{\"FLYWAY:table\": \"v\"}",
			"{\"x\": \"1\",}",
			"{\"x\": \"1\"} trailing",
			"{\"x\" \"1\"}",
			"{",
			"not json",
		};
		int			i;
		int			before = set.count;

		for (i = 0; i < (int) lengthof(bad); i++)
		{
			errmsg = NULL;
			CHECK(!placeholders_add_json(&set, bad[i], &errmsg));
			CHECK(errmsg != NULL);
		}
		CHECK_INT(set.count, before);
		CHECK_STR(placeholders_get(&set, "owner"), "bob");

		/* A good member before a bad one is not applied either. */
		CHECK(!placeholders_add_json(&set, "{\"owner\": \"zed\", \"bad\": null}", &errmsg));
		CHECK_STR(placeholders_get(&set, "owner"), "bob");
		CHECK(placeholders_get(&set, "bad") == NULL);
	}

	errmsg = NULL;
	CHECK(!placeholders_add_json(&set, "{\"x\": null}", &errmsg));
	CHECK(errmsg && strstr(errmsg, "null") != NULL);
	CHECK(!placeholders_add_json(&set, "{\"x\": {}}", &errmsg));
	CHECK(errmsg && strstr(errmsg, "an object") != NULL);
	CHECK(!placeholders_add_json(&set, "{\"flyway:user\": \"v\"}", &errmsg));
	CHECK(errmsg && strstr(errmsg, "flyway:") != NULL);
	CHECK(!placeholders_add_json(&set, "[]", &errmsg));
	CHECK(errmsg && strstr(errmsg, "object") != NULL);
	/* "flyway" without the colon is an ordinary name. */
	CHECK(placeholders_add_json(&set, "{\"flyway\": \"ok\", \"flywayx:y\": \"ok\"}", &errmsg));
}

static void
test_replace(void)
{
	PlaceholderSet set;

	placeholders_init(&set);
	placeholders_set(&set, "schema", "app");
	placeholders_set(&set, "Owner", "alice");
	placeholders_set(&set, "my-key.x", "K");
	placeholders_set(&set, "empty", "");
	placeholders_set(&set, "nested", "${schema}");
	placeholders_set(&set, "dollar", "$");

	CHECK_STR(replace(&set, ""), "");
	CHECK_STR(replace(&set, "SELECT 1;"), "SELECT 1;");
	CHECK_STR(replace(&set, "CREATE TABLE ${schema}.t ();"), "CREATE TABLE app.t ();");
	CHECK_STR(replace(&set, "${SCHEMA}${Schema}${schema}"), "appappapp");
	CHECK_STR(replace(&set, "owner ${OWNER}"), "owner alice");
	CHECK_STR(replace(&set, "[${my-key.x}]"), "[K]");
	CHECK_STR(replace(&set, "a${empty}b"), "ab");
	CHECK_STR(replace(&set, "${empty}"), "");

	/* Values are not re-scanned. */
	CHECK_STR(replace(&set, "${nested}"), "${schema}");
	CHECK_STR(replace(&set, "${dollar}{schema}"), "${schema}");

	/* Comments and strings are replaced too: raw text. */
	CHECK_STR(replace(&set, "-- ${schema}\n'${schema}' $$${owner}$$"),
			  "-- app\n'app' $$alice$$");

	/* The scanner quirk: "$$" is copied, so the '{' after it is plain text. */
	CHECK_STR(replace(&set, "$${schema}"), "$${schema}");
	CHECK_STR(replace(&set, "$${undefined}"), "$${undefined}");
	CHECK_STR(replace(&set, "$$${schema}"), "$$app");
	CHECK_STR(replace(&set, "$$$${schema}"), "$$$${schema}");
	CHECK_STR(replace(&set, "x$${schema}"), "x$${schema}");
	CHECK_STR(replace(&set, "$a${schema}"), "$aapp");

	/* Other lookalikes. */
	CHECK_STR(replace(&set, "$"), "$");
	CHECK_STR(replace(&set, "a$"), "a$");
	CHECK_STR(replace(&set, "$ {schema}"), "$ {schema}");
	CHECK_STR(replace(&set, "{schema}"), "{schema}");
	CHECK_STR(replace(&set, "$1 $2"), "$1 $2");

	/* Unterminated: the rest is copied literally. */
	CHECK_STR(replace(&set, "SELECT ${schema"), "SELECT ${schema");
	CHECK_STR(replace(&set, "${schema} ${"), "app ${");
	CHECK_STR(replace(&set, "${"), "${");

	/* The name runs to the next '}', across lines. */
	placeholders_set(&set, "a\nb", "multi");
	CHECK_STR(replace(&set, "x ${a\nb} y"), "x multi y");
	CHECK_STR(replace(&set, "${${schema}"), NULL);
	CHECK_STR(last_bad_name, "${schema");

	/* Undefined names: name as written and the line of its "${". */
	CHECK(replace(&set, "${nope}") == NULL);
	CHECK_STR(last_bad_name, "nope");
	CHECK_INT(last_bad_line, 1);
	CHECK(replace(&set, "SELECT 1;\nSELECT 2;\r\n-- ${schema}\rSELECT ${Undefined_Name};") == NULL);
	CHECK_STR(last_bad_name, "Undefined_Name");
	CHECK_INT(last_bad_line, 4);
	CHECK(replace(&set, "a\n${multi\nline}") == NULL);
	CHECK_STR(last_bad_name, "multi\nline");
	CHECK_INT(last_bad_line, 2);
	CHECK(replace(&set, "${}") == NULL);
	CHECK_STR(last_bad_name, "");
	CHECK(replace(&set, "${flyway:filename}") == NULL);
	CHECK_STR(last_bad_name, "flyway:filename");

	/* Built-ins are ordinary entries once the caller has set them. */
	placeholders_set(&set, "flyway:filename", "V1__x.sql");
	CHECK_STR(replace(&set, "-- ${flyway:filename}"), "-- V1__x.sql");

	/* Only len bytes are read; embedded NULs are copied. */
	{
		StringInfoData out;

		initStringInfo(&out);
		CHECK(placeholders_replace("${schema}${nope}", 9, &set, &out, NULL, NULL));
		CHECK_STR(out.data, "app");
		resetStringInfo(&out);
		CHECK(placeholders_replace("a\0${schema}", 11, &set, &out, NULL, NULL));
		CHECK_INT(out.len, 5);
		CHECK(memcmp(out.data, "a\0app", 5) == 0);
		/* The '}' past len does not close the name. */
		resetStringInfo(&out);
		CHECK(placeholders_replace("${schema}", 8, &set, &out, NULL, NULL));
		CHECK_STR(out.data, "${schema");
	}

	/* UTF-8 passes through untouched. */
	placeholders_set(&set, "caf\xC3\xA9", "\xE2\x82\xAC");
	CHECK_STR(replace(&set, "\xC3\xA9${CAF\xC3\xA9}\xF0\x9F\x98\x80"), "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
}

/* placeholderPrefix, placeholderSuffix: any text, Flyway's quirk kept. */
static void
test_custom_syntax(void)
{
	PlaceholderSet set;

	placeholders_init(&set);
	CHECK_STR(set.prefix, "${");
	CHECK_STR(set.suffix, "}");
	CHECK_STR(set.separator, ":");
	placeholders_set_syntax(&set, "#[", "]", NULL);
	CHECK_STR(set.separator, ":");
	placeholders_set(&set, "schema", "app");
	placeholders_set(&set, "empty", "");

	CHECK_STR(replace(&set, "CREATE TABLE #[schema].t ();"), "CREATE TABLE app.t ();");
	CHECK_STR(replace(&set, "#[SCHEMA]#[empty]#[Schema]"), "appapp");
	/* the default syntax is now plain text, even when undefined */
	CHECK_STR(replace(&set, "${schema} ${nope} $$x$$"), "${schema} ${nope} $$x$$");
	/* Flyway's quirk under this prefix: "##[" reads "##", so "#[" is missed */
	CHECK_STR(replace(&set, "##[schema]"), "##[schema]");
	CHECK_STR(replace(&set, "##[undefined]"), "##[undefined]");
	CHECK_STR(replace(&set, "###[schema]"), "##app");
	CHECK_STR(replace(&set, "#x#[schema]"), "#xapp");
	CHECK_STR(replace(&set, "# [schema] #"), "# [schema] #");
	/* unterminated: the rest is copied */
	CHECK_STR(replace(&set, "#[schema] #[schema"), "app #[schema");
	/* the name runs to the next suffix, across lines */
	CHECK(replace(&set, "x\n#[multi\nline] #[schema]") == NULL);
	CHECK_STR(last_bad_name, "multi\nline");
	CHECK_INT(last_bad_line, 2);
	CHECK(replace(&set, "#[]") == NULL);
	CHECK_STR(last_bad_name, "");

	/* prefix and suffix the same: read left to right, as Flyway does */
	placeholders_set_syntax(&set, "@@", "@@", NULL);
	CHECK_STR(replace(&set, "@@schema@@.t @@SCHEMA@@"), "app.t app");
	/* "@@@": the prefix, then a name that starts with "@" */
	CHECK(replace(&set, "@@@schema@@") == NULL);
	CHECK_STR(last_bad_name, "@schema");
	CHECK_STR(replace(&set, "a@b@@empty@@c"), "a@bc");

	/* longer prefix and suffix; the mismatching byte is copied unscanned */
	placeholders_set_syntax(&set, "<%=", "%>", NULL);
	CHECK_STR(replace(&set, "<%=schema%>"), "app");
	CHECK_STR(replace(&set, "<%<%=schema%>"), "<%<%=schema%>");
	CHECK_STR(replace(&set, "<<%=schema%>"), "<<%=schema%>");	/* "<<" read, "%=" is text */
	CHECK_STR(replace(&set, "<%<<%=schema%>"), "<%<app");
	CHECK_STR(replace(&set, "<%= schema%>"), NULL);
	CHECK_STR(last_bad_name, " schema");
	CHECK_STR(replace(&set, "<%"), "<%");
	CHECK_STR(replace(&set, "<%=schema%"), "<%=schema%");
	/* a suffix that starts like itself: the first full one ends the name */
	placeholders_set_syntax(&set, "[[", "]]", NULL);
	CHECK_STR(replace(&set, "[[schema]]]"), "app]");
	CHECK_STR(replace(&set, "[[schema] ]]"), NULL);
	CHECK_STR(last_bad_name, "schema] ");

	/* a one-byte prefix */
	placeholders_set_syntax(&set, "$", "$", NULL);
	CHECK_STR(replace(&set, "SELECT $schema$;"), "SELECT app;");
	/* multi-byte UTF-8 prefix: same result as Flyway's characters */
	placeholders_set_syntax(&set, "\xC2\xA7{", "}", NULL);
	CHECK_STR(replace(&set, "\xC2\xA7{schema} \xC2\xA7\xC2\xA7{schema} \xC3\xA9{x}"),
			  "app \xC2\xA7\xC2\xA7{schema} \xC3\xA9{x}");
}

/* placeholderSeparator: the built-ins' names, and what is refused. */
static void
test_separator_and_refusals(void)
{
	PlaceholderSet set;
	const char *builtin = NULL;
	char	   *why = NULL;

	placeholders_init(&set);
	CHECK_STR(placeholders_builtin_name(&set, "user"), "flyway:user");
	CHECK(placeholders_name_is_builtin(&set, "Flyway:User", &builtin));
	CHECK_STR(builtin, "User");
	CHECK(!placeholders_name_is_builtin(&set, "flyway_user", &builtin));
	CHECK(builtin == NULL);
	CHECK_STR(placeholders_written(&set, "x"), "${x}");

	placeholders_set_syntax(&set, "#[", "]", "_");
	CHECK_STR(placeholders_builtin_name(&set, "defaultSchema"), "flyway_defaultSchema");
	placeholders_set_builtin(&set, "defaultSchema", "app");
	CHECK_STR(placeholders_get(&set, "flyway_defaultschema"), "app");
	CHECK_STR(replace(&set, "#[flyway_defaultSchema]"), "app");
	CHECK(replace(&set, "#[flyway:defaultSchema]") == NULL);
	CHECK(placeholders_name_is_builtin(&set, "FLYWAY_nope", &builtin));
	CHECK_STR(builtin, "nope");
	CHECK(!placeholders_name_is_builtin(&set, "flyway:nope", &builtin));
	CHECK_STR(placeholders_written(&set, "x"), "#[x]");
	/* a longer separator */
	placeholders_set_syntax(&set, NULL, NULL, "::");
	CHECK_STR(set.prefix, "${");
	CHECK_STR(placeholders_builtin_name(&set, "user"), "flyway::user");
	CHECK(!placeholders_name_is_builtin(&set, "flyway:user", &builtin));

	/* what cannot work is refused, saying why */
	CHECK(placeholders_syntax_valid(NULL, NULL, NULL, &why));
	CHECK(placeholders_syntax_valid("@@", "@@", "_", &why));
	CHECK(placeholders_syntax_valid("#[", "]", NULL, &why));
	CHECK(!placeholders_syntax_valid("", NULL, NULL, &why));
	CHECK(strstr(why, "placeholderPrefix cannot be empty") != NULL);
	CHECK(!placeholders_syntax_valid(NULL, "", NULL, &why));
	CHECK(strstr(why, "placeholderSuffix cannot be empty") != NULL);
	CHECK(!placeholders_syntax_valid(NULL, NULL, "", &why));
	CHECK(strstr(why, "placeholderSeparator cannot be empty") != NULL);
	CHECK(!placeholders_syntax_valid(NULL, NULL, "}", &why));
	CHECK_STR(why, "placeholderSuffix \"}\" occurs in \"flyway}\": no built-in placeholder such as flyway}defaultSchema could be written");
	CHECK(!placeholders_syntax_valid("<", "y", NULL, &why));
	CHECK(strstr(why, "\"flyway:\"") != NULL);
}

/* The one rule for secret names. */
static void
test_secret_names(void)
{
	CHECK(placeholder_name_is_secret("password"));
	CHECK(placeholder_name_is_secret("db_password"));
	CHECK(placeholder_name_is_secret("DB_PASSWORD"));
	CHECK(placeholder_name_is_secret("PasswordHash"));
	CHECK(placeholder_name_is_secret("app.passwd"));
	CHECK(placeholder_name_is_secret("admin_pwd"));
	CHECK(placeholder_name_is_secret("client-secret"));
	CHECK(placeholder_name_is_secret("authToken"));
	CHECK(placeholder_name_is_secret("aws_credentials"));
	CHECK(placeholder_name_is_secret("apikey"));
	CHECK(placeholder_name_is_secret("API-Key"));
	CHECK(placeholder_name_is_secret("stripe_api_key"));
	CHECK(placeholder_name_is_secret("Api.Key"));
	CHECK(placeholder_name_is_secret("private_key"));
	CHECK(placeholder_name_is_secret("SSL_PRIVATE"));

	CHECK(!placeholder_name_is_secret(""));
	CHECK(!placeholder_name_is_secret("owner"));
	CHECK(!placeholder_name_is_secret("schema"));
	CHECK(!placeholder_name_is_secret("key"));
	CHECK(!placeholder_name_is_secret("primary_key_name"));
	CHECK(!placeholder_name_is_secret("pass"));
	CHECK(!placeholder_name_is_secret("flyway:user"));
	CHECK(!placeholder_name_is_secret("flyway:filename"));
}

static void
test_mask(void)
{
	PlaceholderSet set;

	placeholders_init(&set);
	CHECK(placeholders_mask_secrets(&set, NULL) == NULL);
	CHECK_STR(placeholders_mask_secrets(&set, "no secrets here"), "no secrets here");

	placeholders_set(&set, "owner", "alice");
	placeholders_set(&set, "DB_Password", "s3cret");
	placeholders_set(&set, "api_token", "tok");
	placeholders_set(&set, "empty_secret", "");

	/* only secret names are masked; every occurrence, anywhere */
	CHECK_STR(placeholders_mask_secrets(&set, "ALTER ROLE alice PASSWORD 's3cret'"),
			  "ALTER ROLE alice PASSWORD '***'");
	CHECK_STR(placeholders_mask_secrets(&set, "s3crets3cret tok"), "****** ***");
	CHECK_STR(placeholders_mask_secrets(&set, "invalid input syntax for type integer: \"s3cret\""),
			  "invalid input syntax for type integer: \"***\"");
	/* an empty value masks nothing */
	CHECK_STR(placeholders_mask_secrets(&set, "line 1: x"), "line 1: x");

	/* the longer value wins where one contains the other */
	placeholders_set(&set, "api_token", "s3cret-and-more");
	CHECK_STR(placeholders_mask_secrets(&set, "[s3cret-and-more] [s3cret]"), "[***] [***]");

	/* as written, and with quotes doubled as in a SQL literal */
	placeholders_set(&set, "db_password", "it's");
	CHECK_STR(placeholders_mask_secrets(&set, "PASSWORD 'it''s' -- it's"), "PASSWORD '***' -- ***");

	/* multibyte values */
	placeholders_set(&set, "db_password", "p\xC3\xA4ss");
	CHECK_STR(placeholders_mask_secrets(&set, "\xC3\xA4p\xC3\xA4ss\xC3\xA4"), "\xC3\xA4***\xC3\xA4");
}

/* A piece of a value quoted by an error at its position. */
static void
test_mask_at(void)
{
	PlaceholderSet set;
	const char *text = "CREATE ROLE r PASSWORD 'ab'cd ef';";
	size_t		len = strlen(text);
	size_t		at_cd = strstr(text, "cd") - text;

	placeholders_init(&set);
	placeholders_set(&set, "owner", "ab'cd ef");
	/* not a secret name: left alone */
	CHECK_STR(placeholders_mask_secret_at(&set, text, len, at_cd, "syntax error at or near \"cd\""),
			  "syntax error at or near \"cd\"");

	placeholders_set(&set, "db_password", "ab'cd ef");
	CHECK_STR(placeholders_mask_secret_at(&set, text, len, at_cd, "syntax error at or near \"cd\""),
			  "syntax error at or near \"***\"");
	/* the longest piece of the rest that the message holds */
	CHECK_STR(placeholders_mask_secret_at(&set, text, len, at_cd, "near \"cd ef\" and cd"),
			  "near \"***\" and cd");
	/* the value's first byte, and its last */
	CHECK_STR(placeholders_mask_secret_at(&set, text, len, at_cd - 3, "at \"ab\""), "at \"***\"");
	CHECK_STR(placeholders_mask_secret_at(&set, text, len, at_cd + 4, "at \"f\""), "at \"***\"");
	/* outside the value: a plain copy */
	CHECK_STR(placeholders_mask_secret_at(&set, text, len, at_cd + 5, "at \"';\""), "at \"';\"");
	CHECK_STR(placeholders_mask_secret_at(&set, text, len, 0, "at \"CREATE\""), "at \"CREATE\"");
	CHECK_STR(placeholders_mask_secret_at(&set, text, len, len, "at end"), "at end");
	/* a value at the very end of the text */
	CHECK_STR(placeholders_mask_secret_at(&set, "x ab'cd ef", 10, 9, "near \"f\""), "near \"***\"");
}

int
main(void)
{
	test_set();
	test_json();
	test_replace();
	test_custom_syntax();
	test_separator_and_refusals();
	test_secret_names();
	test_mask();
	test_mask_at();
	return unit_summary("placeholders");
}
