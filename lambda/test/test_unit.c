/*-------------------------------------------------------------------------
 *
 * test_unit.c
 *	  Unit tests for the parts of the handler that need no server:
 *	  FLYWAY_URL parsing, FLYWAY_PLACEHOLDERS_* mapping, booleans, the RDS
 *	  secret layout, CloudFormation response size and Reason, secret
 *	  masking in responses and logs, the SNS deploy summary.
 *
 * Prints "ok - name" / "not ok - name" lines; run_tests.py counts them.
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../cfn.h"
#include "../config.h"
#include "../log.h"
#include "../secrets.h"
#include "../summary.h"

static int	failures;

static void
ok(int cond, const char *name)
{
	printf("%s - %s\n", cond ? "ok" : "not ok", name);
	if (!cond)
		failures++;
}

static int
eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* FLYWAY_URL's parsing is client/jdbc_url.c's (test/unit/test_jdbc_url.c); config_load uses it */
static void
test_urls(void)
{
	config		cfg;
	char	   *err = NULL;

	setenv("PG_MIGRATE_INVOKE_MODE", "direct", 1);
	setenv("FLYWAY_URL", "jdbc:postgresql://h:6543/app?password=url-pw&prepareThreshold=0", 1);
	setenv("FLYWAY_PASSWORD", "env-pw", 1);
	ok(config_load(&cfg, &err) == 0 && eq(cfg.url.hosts, "h") && eq(cfg.url.ports, "6543") &&
	   eq(cfg.url.dbname, "app") && eq(cfg.url.ignored, "prepareThreshold"),
	   "FLYWAY_URL read through the shared JDBC parser");
	{
		char	   *scrubbed = log_scrub("url-pw and env-pw");

		ok(scrubbed && strstr(scrubbed, "url-pw") == NULL && strstr(scrubbed, "env-pw") == NULL,
		   "FLYWAY_URL's and FLYWAY_PASSWORD's passwords are masked in logs");
		free(scrubbed);
	}
	config_free(&cfg);
	log_forget_all_secrets();

	setenv("FLYWAY_URL", "jdbc:mysql://h/db", 1);
	ok(config_load(&cfg, &err) != 0 && err && strstr(err, "FLYWAY_URL: ") &&
	   strstr(err, "jdbc:postgresql://"), "FLYWAY_URL of another driver refused, naming the variable");
	free(err);
	config_free(&cfg);
	unsetenv("FLYWAY_URL");
	unsetenv("FLYWAY_PASSWORD");
	unsetenv("PG_MIGRATE_INVOKE_MODE");
}

/* config_load() with these FLYWAY_* variables set (and unset after) */
static int
load_with(config *cfg, char **err, const char *const *vars)
{
	int			rc;

	setenv("PG_MIGRATE_INVOKE_MODE", "direct", 1);
	for (const char *const *v = vars; *v; v += 2)
		setenv(v[0], v[1], 1);
	*err = NULL;
	rc = config_load(cfg, err);
	for (const char *const *v = vars; *v; v += 2)
		unsetenv(v[0]);
	unsetenv("PG_MIGRATE_INVOKE_MODE");
	return rc;
}

static const char *
setting(const config *cfg, const char *name)
{
	for (int i = 0; i < cfg->nsettings; i++)
		if (strcmp(cfg->settings[i].name, name) == 0)
			return cfg->settings[i].value;
	return NULL;
}

static void
test_placeholders(void)
{
	const char *const vars[] = {"FLYWAY_PLACEHOLDERS_MY_KEY", "Value=1",
	"FLYWAY_PLACEHOLDERS_Other", "x", NULL};
	const char *const none[] = {NULL};
	config		cfg;
	char	   *err;
	char	   *s;

	ok(load_with(&cfg, &err, vars) == 0, "FLYWAY_PLACEHOLDERS_* accepted");
	s = cfg.placeholders ? cJSON_PrintUnformatted(cfg.placeholders) : NULL;
	ok(eq(s, "{\"my_key\":\"Value=1\",\"other\":\"x\"}"),
	   "FLYWAY_PLACEHOLDERS_* lower-cased names, values verbatim");
	free(s);
	config_free(&cfg);
	ok(load_with(&cfg, &err, none) == 0 && cfg.placeholders == NULL && cfg.nsettings == 0,
	   "no placeholders -> NULL argument, no session settings");
	config_free(&cfg);
}

/* Every FLYWAY_* variable goes through client/flyway_config.c */
static void
test_flyway_settings(void)
{
	const char *const all[] = {"FLYWAY_SCHEMAS", "app", "FLYWAY_TABLE", "hist",
		"FLYWAY_BASELINE_ON_MIGRATE", "TRUE", "FLYWAY_BASELINE_VERSION", "3",
		"FLYWAY_MIXED", "false", "FLYWAY_VALIDATE_MIGRATION_NAMING", "true",
		"FLYWAY_PLACEHOLDER_REPLACEMENT", "false", "FLYWAY_INSTALLED_BY", "ci",
		"FLYWAY_CONNECT_RETRIES", "4", "FLYWAY_CONNECT_RETRIES_INTERVAL", "7",
		"FLYWAY_TARGET", "5", "FLYWAY_GROUP", "true", "FLYWAY_OUT_OF_ORDER", "false",
	"FLYWAY_LOCATIONS", "filesystem:./sql/postgresql", NULL};
	const char *const typo[] = {"FLYWAY_TYPO", "x", NULL};
	const char *const unsupported[] = {"FLYWAY_CLEAN_ON_VALIDATION_ERROR", "true", NULL};
	const char *const badbool[] = {"FLYWAY_GROUP", "s3cr3t-maybe", NULL};
	const char *const two[] = {"PG_MIGRATE_ENGINE", "extension", "FLYWAY_SCHEMAS", "a, b", NULL};
	const char *const differ[] = {"PG_MIGRATE_ENGINE", "extension", "FLYWAY_SCHEMAS", "a",
	"FLYWAY_DEFAULT_SCHEMA", "b", NULL};
	const char *const two_auto[] = {"FLYWAY_SCHEMAS", "a, b", NULL};
	const char *const two_client[] = {"PG_MIGRATE_ENGINE", "client", "FLYWAY_SCHEMAS", "a, b", NULL};
	const char *const bad_engine[] = {"PG_MIGRATE_ENGINE", "flyway", NULL};
	const char *const dflt[] = {"FLYWAY_SCHEMAS", "a", "FLYWAY_DEFAULT_SCHEMA", "a", NULL};
	config		cfg;
	char	   *err;

	ok(load_with(&cfg, &err, all) == 0 && eq(setting(&cfg, "pg_migrate.schema"), "app") &&
	   eq(setting(&cfg, "pg_migrate.table"), "hist") &&
	   eq(setting(&cfg, "pg_migrate.baseline_on_migrate"), "on") &&
	   eq(setting(&cfg, "pg_migrate.baseline_version"), "3") &&
	   eq(setting(&cfg, "pg_migrate.mixed"), "off") &&
	   eq(setting(&cfg, "pg_migrate.validate_naming"), "on") &&
	   eq(setting(&cfg, "pg_migrate.placeholder_replacement"), "off") &&
	   eq(setting(&cfg, "pg_migrate.installed_by"), "ci") &&
	   setting(&cfg, "pg_migrate.baseline_description") == NULL &&
	   cfg.connect_retries == 4 && cfg.connect_retries_interval_s == 7 &&
	   eq(cfg.target, "5") && cfg.group == 1 && cfg.out_of_order == 0,
	   "FLYWAY_* settings map onto pg_migrate.* settings and migrate_apply() arguments");
	config_free(&cfg);
	{
		const char *const hatches[] = {"FLYWAY_IGNORE_MIGRATION_PATTERNS", "*:missing,*:future",
			"FLYWAY_VALIDATE_ON_MIGRATE", "false", "FLYWAY_SKIP_EXECUTING_MIGRATIONS", "true",
			"FLYWAY_CHERRY_PICK", "2,Create_view", "FLYWAY_FAIL_ON_MISSING_LOCATIONS", "true", NULL};

		ok(load_with(&cfg, &err, hatches) == 0 &&
		   eq(setting(&cfg, "pg_migrate.ignore_migration_patterns"), "*:missing,*:future") &&
		   eq(setting(&cfg, "pg_migrate.validate_on_migrate"), "off") &&
		   eq(setting(&cfg, "pg_migrate.skip_executing_migrations"), "on") &&
		   eq(setting(&cfg, "pg_migrate.cherry_pick"), "2,Create_view") &&
		   eq(setting(&cfg, "pg_migrate.fail_on_missing_locations"), "on"),
		   "Flyway's escape hatches map onto their pg_migrate.* settings");
		config_free(&cfg);
	}
	ok(load_with(&cfg, &err, typo) != 0 && err && strstr(err, "FLYWAY_TYPO"),
	   "unknown FLYWAY_TYPO fails the init, naming it");
	free(err);
	config_free(&cfg);
	ok(load_with(&cfg, &err, unsupported) != 0 && err && strstr(err, "FLYWAY_CLEAN_ON_VALIDATION_ERROR") &&
	   strstr(err, "not supported"), "unsupported Flyway setting fails the init, naming it");
	free(err);
	config_free(&cfg);
	ok(load_with(&cfg, &err, badbool) != 0 && err && strstr(err, "FLYWAY_GROUP") &&
	   strstr(err, "s3cr3t") == NULL, "FLYWAY_GROUP=maybe fails, naming it without the value");
	free(err);
	config_free(&cfg);
	ok(load_with(&cfg, &err, two) == 0 && eq(setting(&cfg, "pg_migrate.schemas"), "a, b") &&
	   eq(setting(&cfg, "pg_migrate.schema"), "a"),
	   "two FLYWAY_SCHEMAS in extension mode: pg_migrate.schemas, the first holds the history");
	config_free(&cfg);
	ok(load_with(&cfg, &err, differ) == 0 && eq(setting(&cfg, "pg_migrate.schemas"), "a") &&
	   eq(setting(&cfg, "pg_migrate.schema"), "b"),
	   "FLYWAY_DEFAULT_SCHEMA other than FLYWAY_SCHEMAS: the history in the default schema");
	config_free(&cfg);
	ok(load_with(&cfg, &err, two_auto) == 0 && cfg.engine == ENGINE_AUTO &&
	   eq(setting(&cfg, "pg_migrate.schemas"), "a, b"),
	   "two FLYWAY_SCHEMAS with engine auto: kept for a database with the extension");
	config_free(&cfg);
	ok(load_with(&cfg, &err, two_client) == 0 && cfg.engine == ENGINE_CLIENT,
	   "two FLYWAY_SCHEMAS with engine client: accepted");
	config_free(&cfg);
	{
		const char *const schema_settings[] = {"FLYWAY_CREATE_SCHEMAS", "false",
			"FLYWAY_TABLESPACE", "fast", "FLYWAY_LOCK_RETRY_COUNT", "-1",
			"FLYWAY_FAIL_ON_MISSING_TARGET", "false", NULL};

		ok(load_with(&cfg, &err, schema_settings) == 0 &&
		   eq(setting(&cfg, "pg_migrate.create_schemas"), "off") &&
		   eq(setting(&cfg, "pg_migrate.tablespace"), "fast") &&
		   eq(setting(&cfg, "pg_migrate.lock_retry_count"), "-1") &&
		   eq(setting(&cfg, "pg_migrate.fail_on_missing_target"), "off"),
		   "FLYWAY_CREATE_SCHEMAS, FLYWAY_TABLESPACE, FLYWAY_LOCK_RETRY_COUNT, "
		   "FLYWAY_FAIL_ON_MISSING_TARGET map onto their settings");
		config_free(&cfg);
	}
	ok(load_with(&cfg, &err, bad_engine) != 0 && err && strstr(err, "PG_MIGRATE_ENGINE must be"),
	   "PG_MIGRATE_ENGINE=flyway fails the init, naming it");
	free(err);
	config_free(&cfg);
	ok(load_with(&cfg, &err, dflt) == 0 && eq(setting(&cfg, "pg_migrate.schema"), "a") &&
	   eq(setting(&cfg, "pg_migrate.schemas"), "a") && cfg.nsettings == 2,
	   "FLYWAY_DEFAULT_SCHEMA equal to FLYWAY_SCHEMAS: pg_migrate.schema and pg_migrate.schemas");
	config_free(&cfg);
}

static void
test_bools(void)
{
	int			b = -1;

	ok(parse_bool("TRUE", &b) == 0 && b == 1 && parse_bool("false", &b) == 0 && b == 0 &&
	   parse_bool("yes", &b) != 0, "FLYWAY_GROUP boolean parsing");
}

static void
test_secret(void)
{
	db_secret	s;
	char	   *err = NULL;

	ok(secret_parse("{\"username\":\"u\",\"password\":\"pw12345\",\"host\":\"h\",\"port\":5433,"
					"\"dbname\":\"d\",\"engine\":\"postgres\"}", &s, &err) == 0 &&
	   eq(s.port, "5433") && eq(s.host, "h") && eq(s.dbname, "d"), "secret: numeric port");
	secret_free(&s);
	ok(secret_parse("{\"username\":\"u\",\"password\":\"pw12345\",\"port\":\"5434\"}", &s, &err) == 0 &&
	   eq(s.port, "5434") && s.host == NULL, "secret: string port, RDS-managed (no host)");
	secret_free(&s);
	ok(secret_parse("{\"username\":\"u\"}", &s, &err) != 0 && strstr(err, "password"),
	   "secret: missing password rejected");
	free(err);
	err = NULL;
	ok(secret_parse("hunter2-plain", &s, &err) != 0 && strstr(err, "hunter2") == NULL,
	   "secret: non-JSON rejected without quoting it");
	free(err);
	log_clear_secrets();
}

static void
test_cfn(void)
{
	cJSON	   *ev = cJSON_Parse("{\"RequestType\":\"Create\",\"StackId\":\"s\",\"RequestId\":\"r\","
								 "\"LogicalResourceId\":\"Mig\"}");
	char	   *reason = malloc(10000);
	char	   *body;
	char	   *phys = cfn_physical_id(ev);
	cJSON	   *parsed;

	memset(reason, 'x', 9999);
	reason[9999] = '\0';
	reason[5000] = '"';			/* escaping grows the JSON */
	body = cfn_response_body(ev, 0, reason, phys, NULL);
	parsed = cJSON_Parse(body);
	ok(eq(phys, "pg-migrate-Mig") && strlen(body) <= 4096 && parsed &&
	   eq(cJSON_GetStringValue(cJSON_GetObjectItem(parsed, "Status")), "FAILED"),
	   "cfn: response capped at 4096 bytes");
	cJSON_Delete(parsed);
	free(body);
	free(reason);
	free(phys);
	cJSON_Delete(ev);
}

/*
 * FAILED always carries a Reason (CloudFormation requires one), and a
 * registered secret is masked before the Reason is escaped and cut to fit:
 * neither its JSON-escaped form nor the part before a cut may remain.
 */
static void
test_cfn_reason(void)
{
	const char *secret = "Q7zK\"quoted\\secret-value";
	cJSON	   *ev = cJSON_Parse("{\"RequestType\":\"Create\",\"StackId\":\"s\",\"RequestId\":\"r\","
								 "\"LogicalResourceId\":\"Mig\"}");
	char	   *body;
	cJSON	   *parsed;
	const char *reason;
	int			clean = 1;

	body = cfn_response_body(ev, 0, NULL, "p", NULL);
	parsed = cJSON_Parse(body);
	reason = cJSON_GetStringValue(cJSON_GetObjectItem(parsed, "Reason"));
	ok(reason != NULL && reason[0] != '\0', "cfn: FAILED without a message still has a Reason");
	cJSON_Delete(parsed);
	free(body);

	body = cfn_response_body(ev, 0, "", "p", NULL);
	parsed = cJSON_Parse(body);
	reason = cJSON_GetStringValue(cJSON_GetObjectItem(parsed, "Reason"));
	ok(reason != NULL && reason[0] != '\0', "cfn: FAILED with an empty message still has a Reason");
	cJSON_Delete(parsed);
	free(body);

	log_add_secret(secret);
	/* move the secret across the 4 KB cut, one byte at a time */
	for (int at = 3800; at < 4200 && clean; at++)
	{
		char	   *r = malloc(at + strlen(secret) + 200);

		memset(r, 'x', at);
		strcpy(r + at, secret);
		memset(r + at + strlen(secret), 'y', 150);
		r[at + strlen(secret) + 150] = '\0';
		body = cfn_response_body(ev, 0, r, "p", NULL);
		if (body == NULL || strstr(body, "Q7zK") != NULL || strlen(body) > 4096)
			clean = 0;
		free(body);
		free(r);
	}
	ok(clean, "cfn: a secret in the Reason is masked before escaping and cutting");
	log_clear_secrets();
	cJSON_Delete(ev);
}

/* Run log_json with stdout sent to a file; return what it printed. */
static char *
logged(const char *message)
{
	FILE	   *tmp = tmpfile();
	int			saved;
	long		len;
	char	   *text;

	fflush(stdout);
	saved = dup(fileno(stdout));
	dup2(fileno(tmp), fileno(stdout));
	log_info("test", "%s", message);
	fflush(stdout);
	dup2(saved, fileno(stdout));
	close(saved);
	len = ftell(tmp);
	text = calloc(1, len + 1);
	rewind(tmp);
	if (fread(text, 1, len, tmp) != (size_t) len)
		text[0] = '\0';
	fclose(tmp);
	return text;
}

/* A long message is masked before it is cut: no part of a secret remains. */
static void
test_log_cut(void)
{
	const char *secret = "Q7zK-log-secret-value";
	int			clean = 1;
	int			seen = 0;

	log_add_secret(secret);
	for (int at = 1990; at < 2060 && clean; at++)
	{
		char	   *m = malloc(at + strlen(secret) + 200);
		char	   *out;

		memset(m, 'x', at);
		strcpy(m + at, secret);
		memset(m + at + strlen(secret), 'y', 150);
		m[at + strlen(secret) + 150] = '\0';
		out = logged(m);
		if (strstr(out, "Q7zK") != NULL)
			clean = 0;
		if (strstr(out, "xxxx") != NULL)
			seen = 1;
		free(out);
		free(m);
	}
	ok(clean && seen, "log: a secret cut by the message size limit is still masked");
	log_clear_secrets();
}

static void
test_scrub(void)
{
	char	   *s;

	log_add_secret("s3cr3t-value");
	s = log_scrub("a s3cr3t-value b s3cr3t-value");
	ok(eq(s, "a ******** b ********"), "log: registered secrets masked");
	free(s);
	log_clear_secrets();
	s = log_scrub("s3cr3t-value");
	ok(eq(s, "s3cr3t-value"), "log: secrets forgotten after the invocation");
	free(s);
}

static void
test_failure_parse(void)
{
	char	   *script;
	char	   *error;
	int			line;

	summary_parse_failure("migration V2__broken.sql failed at line 3: syntax error at or near \"SELEC\"",
						  &script, &line, &error);
	ok(eq(script, "V2__broken.sql") && line == 3 && eq(error, "syntax error at or near \"SELEC\""),
	   "summary: script, line and error from the extension's message");
	free(script);
	free(error);
	summary_parse_failure("undo script U4__my undo.sql failed after its statements ran: boom",
						  &script, &line, &error);
	ok(eq(script, "U4__my undo.sql") && line == 0 && eq(error, "boom"),
	   "summary: a failure after the statements: script, no line");
	free(script);
	free(error);
	summary_parse_failure("migration V3__c.sql line 4 cannot run inside a transaction block",
						  &script, &line, &error);
	ok(eq(script, "V3__c.sql") && line == 4 &&
	   eq(error, "migration V3__c.sql line 4 cannot run inside a transaction block"),
	   "summary: \"<script> line N ...\": the whole message is the error");
	free(script);
	free(error);
	summary_parse_failure("canceling statement due to lock timeout", &script, &line, &error);
	ok(script == NULL && line == 0 && eq(error, "canceling statement due to lock timeout"),
	   "summary: a message naming no script");
	free(script);
	free(error);
}

/* A successful result of n migrations with long descriptions. */
static cJSON *
big_result(int n)
{
	cJSON	   *r = cJSON_CreateObject();
	cJSON	   *list = cJSON_AddArrayToObject(r, "migrations");
	char		v[32];
	char		desc[201];

	memset(desc, 'd', 200);
	desc[200] = '\0';
	for (int i = 1; i <= n; i++)
	{
		cJSON	   *m = cJSON_CreateObject();

		snprintf(v, sizeof(v), "%d", i);
		cJSON_AddStringToObject(m, "version", v);
		cJSON_AddStringToObject(m, "description", desc);
		cJSON_AddStringToObject(m, "script", "V1__x.sql");
		cJSON_AddStringToObject(m, "type", "SQL");
		cJSON_AddNumberToObject(m, "executionTime", 7);
		cJSON_AddItemToArray(list, m);
	}
	cJSON_AddStringToObject(r, "schemaVersion", v);
	return r;
}

static void
test_summary(void)
{
	cJSON	   *r = big_result(3000);
	cJSON	   *j;
	char	   *subject;
	char	   *message;
	int			kept;
	int			omitted;

	summary_begin("req-1");
	summary_note_database("caf\xc3\xa9 \"db\"\n", "h", "5432");
	summary_build(r, NULL, NULL, 12, SUMMARY_MAX_MESSAGE, &subject, &message);
	j = cJSON_Parse(message);
	kept = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "migrations"));
	omitted = cJSON_GetObjectItemCaseSensitive(j, "migrationsOmitted")->valueint;
	ok(strlen(message) <= SUMMARY_MAX_MESSAGE && kept > 100 && kept + omitted == 3000 &&
	   cJSON_GetObjectItemCaseSensitive(j, "applied")->valueint == 3000,
	   "summary: 3000 migrations cut to 256 KB, the rest counted as omitted");
	ok(eq(subject, "pg_migrate: caf?? \"db\"? at version 3000, 3000 migrations applied"),
	   "summary: subject in printable ASCII");
	cJSON_Delete(j);
	free(subject);
	free(message);
	cJSON_Delete(r);

	r = big_result(2);
	summary_build(r, NULL, NULL, 12, SUMMARY_MAX_MESSAGE, &subject, &message);
	j = cJSON_Parse(message);
	ok(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "migrations")) == 2 &&
	   cJSON_GetObjectItemCaseSensitive(j, "migrationsOmitted")->valueint == 0,
	   "summary: a small deploy keeps every migration");
	cJSON_Delete(j);
	free(subject);
	free(message);
	cJSON_Delete(r);

	summary_begin("req-2");
	summary_note_database("a-database-with-a-name-long-enough-to-push-the-subject-past-one-hundred-characters",
						  "h", "5432");
	log_add_secret("pw-s3cr3t\"q");
	summary_note_failure("migration V7__a_script_with_a_long_name.sql failed at line 12: "
						 "bad pw-s3cr3t\"q", "XX000");
	summary_build(NULL, "Function.MigrationFailed", "full text pw-s3cr3t\"q", 5,
				  SUMMARY_MAX_MESSAGE, &subject, &message);
	ok(strlen(subject) == SUMMARY_MAX_SUBJECT && strcmp(subject + SUMMARY_MAX_SUBJECT - 3, "...") == 0,
	   "summary: a long subject cut to 99 characters");
	ok(strstr(message, "pw-s3cr3t") == NULL && strstr(message, "bad ********") &&
	   strstr(message, "full text ********"), "summary: registered secrets masked, escaped or not");
	free(subject);
	free(message);
	log_clear_secrets();

	summary_begin("req-3");
	summary_build(NULL, "Function.SecretNotFound", "secret not found", 5, SUMMARY_MAX_MESSAGE,
				  &subject, &message);
	j = cJSON_Parse(message);
	ok(eq(subject, "pg_migrate FAILED (Function.SecretNotFound)") &&
	   cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(j, "database")) &&
	   cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(j, "engine")),
	   "summary: a failure before any database: no database, no engine");
	cJSON_Delete(j);
	free(subject);
	free(message);
	summary_end();
}

int
main(void)
{
	test_urls();
	test_failure_parse();
	test_summary();
	test_placeholders();
	test_flyway_settings();
	test_bools();
	test_secret();
	test_cfn();
	test_cfn_reason();
	test_log_cut();
	test_scrub();
	return failures ? 1 : 0;
}
