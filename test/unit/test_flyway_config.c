/*
 * test_flyway_config.c
 *	  Unit tests of client/flyway_config.c: Flyway's flags, FLYWAY_*
 *	  variables and flyway.conf files, and their precedence; Flyway 10's
 *	  environments.  (flyway.toml files are read by the command only:
 *	  test/client/t/102_toml.pl.)
 */
#include "postgres_fe.h"

#include <sys/stat.h>
#include <unistd.h>

#include "flyway_config.h"
#include "unit.h"

static FlywayConfig config;
static char *error;

static void
fresh(void)
{
	flyway_config_free(&config);
	flyway_config_init(&config);
	error = NULL;
}

static bool
args(int argc, char *const *argv)
{
	return flyway_config_read_args(&config, argc, argv, &error);
}

static const char *
placeholder(const char *name)
{
	for (int i = 0; i < config.nplaceholders; i++)
		if (pg_strcasecmp(config.placeholders[i].name, name) == 0)
			return config.placeholders[i].value.value;
	return NULL;
}

static void
test_defaults(void)
{
	fresh();
	CHECK_STR(flyway_config_get(&config, FK_TABLE), "flyway_schema_history");
	CHECK_STR(flyway_config_get(&config, FK_LOCATIONS), "filesystem:sql");
	CHECK_STR(flyway_config_get(&config, FK_BASELINE_VERSION), "1");
	CHECK_STR(flyway_config_get(&config, FK_BASELINE_DESCRIPTION), "<< Flyway Baseline >>");
	CHECK(flyway_config_bool(&config, FK_PLACEHOLDER_REPLACEMENT));
	CHECK(!flyway_config_bool(&config, FK_OUT_OF_ORDER));
	CHECK_INT(flyway_config_int(&config, FK_CONNECT_RETRIES), 0);
	CHECK_INT(flyway_config_int(&config, FK_CONNECT_RETRIES_INTERVAL), 120);
	CHECK(flyway_config_get(&config, FK_URL) == NULL);
	CHECK(flyway_config_value(&config, FK_TABLE)->value == NULL);
	/* Flyway's defaults for the escape hatches */
	CHECK_STR(flyway_config_get(&config, FK_IGNORE_MIGRATION_PATTERNS), "*:future");
	CHECK(flyway_config_bool(&config, FK_VALIDATE_ON_MIGRATE));
	CHECK(!flyway_config_bool(&config, FK_SKIP_EXECUTING_MIGRATIONS));
	CHECK(flyway_config_get(&config, FK_CHERRY_PICK) == NULL);
	CHECK(!flyway_config_bool(&config, FK_FAIL_ON_MISSING_LOCATIONS));
}

/* The escape hatches are read from flags and FLYWAY_* variables; "" clears the patterns. */
static void
test_escape_hatch_keys(void)
{
	char	   *const argv[] = {"-ignoreMigrationPatterns=", "-validateOnMigrate=false",
		"-cherryPick=2,Create_view", "migrate"};
	char	   *const env[] = {"FLYWAY_SKIP_EXECUTING_MIGRATIONS=true",
		"FLYWAY_FAIL_ON_MISSING_LOCATIONS=true", NULL};
	char	   *error = NULL;

	fresh();
	CHECK(flyway_config_read_args(&config, 4, argv, &error));
	CHECK(flyway_config_read_environment(&config, env, &error));
	CHECK_STR(flyway_config_get(&config, FK_IGNORE_MIGRATION_PATTERNS), "");
	CHECK(!flyway_config_bool(&config, FK_VALIDATE_ON_MIGRATE));
	CHECK_STR(flyway_config_get(&config, FK_CHERRY_PICK), "2,Create_view");
	CHECK(flyway_config_bool(&config, FK_SKIP_EXECUTING_MIGRATIONS));
	CHECK(flyway_config_bool(&config, FK_FAIL_ON_MISSING_LOCATIONS));
}

static void
test_args(void)
{
	char	   *const argv[] = {"-url=jdbc:postgresql://h:5/db?user=a&password=b", "info",
		"-outOfOrder=TRUE", "-placeholders.Owner=app", "migrate", "-connectRetries=3"};
	char	   *const no_value[] = {"-url"};
	char	   *const empty_key[] = {"-=x"};
	char	   *const unknown[] = {"-urll=x"};
	char	   *const unsupported[] = {"-cleanOnValidationError=true"};
	char	   *const bad_bool[] = {"-group=yes"};
	char	   *const bad_count[] = {"-connectRetries=-1"};
	char	   *const bad_output[] = {"-outputType=xml"};

	fresh();
	CHECK(args(lengthof(argv), argv));
	CHECK_STR(flyway_config_get(&config, FK_URL), "jdbc:postgresql://h:5/db?user=a&password=b");
	CHECK_STR(flyway_config_value(&config, FK_URL)->origin, "-url");
	CHECK_INT(flyway_config_value(&config, FK_URL)->source, SOURCE_FLAG);
	CHECK(flyway_config_bool(&config, FK_OUT_OF_ORDER));
	CHECK_INT(flyway_config_int(&config, FK_CONNECT_RETRIES), 3);
	CHECK_INT(config.ncommands, 2);
	CHECK_STR(config.commands[0], "info");
	CHECK_STR(config.commands[1], "migrate");
	CHECK_STR(placeholder("owner"), "app");

	fresh();
	CHECK(!args(1, no_value));
	CHECK(error && strstr(error, "-url needs a value"));
	fresh();
	CHECK(!args(1, empty_key));
	fresh();
	CHECK(!args(1, unknown));
	CHECK_STR(error, "unknown setting urll (-urll)");
	fresh();
	CHECK(!args(1, unsupported));
	CHECK(error && strstr(error, "cleanOnValidationError (-cleanOnValidationError) is not supported"));
	fresh();
	CHECK(!args(1, bad_bool));
	CHECK_STR(error, "group (-group) must be true or false");
	fresh();
	CHECK(!args(1, bad_count));
	fresh();
	CHECK(!args(1, bad_output));
}

/* encoding: Flyway's default, a Java name, FLYWAY_ENCODING; a bad one refused unquoted */
static void
test_encoding(void)
{
	char	   *const set[] = {"-encoding=ISO-8859-1"};
	char	   *const env[] = {"FLYWAY_ENCODING=UTF-16", NULL};
	char	   *const bad[] = {"-encoding=EBCDIC-Secret"};

	fresh();
	CHECK_STR(flyway_config_get(&config, FK_ENCODING), "UTF-8");
	CHECK(flyway_config_read_args(&config, lengthof(set), set, &error));
	CHECK_STR(flyway_config_get(&config, FK_ENCODING), "ISO-8859-1");
	fresh();
	CHECK(flyway_config_read_environment(&config, env, &error));
	CHECK_STR(flyway_config_get(&config, FK_ENCODING), "UTF-16");
	fresh();
	CHECK(!flyway_config_read_args(&config, lengthof(bad), bad, &error));
	CHECK(error && strstr(error, "encoding (-encoding) names no encoding a script can be in") != NULL);
	CHECK(error && strstr(error, "Secret") == NULL);
}

static void
test_environment(void)
{
	char	   *const env[] = {"PATH=/bin", "FLYWAY_URL=jdbc:postgresql://h/db",
		"FLYWAY_BASELINE_ON_MIGRATE=true", "FLYWAY_PLACEHOLDERS_MY_KEY=v1",
		"FLYWAY_CONNECT_RETRIES_INTERVAL=5", "FLYWAY_VALIDATE_MIGRATION_NAMING=false", NULL};
	char	   *const unknown[] = {"FLYWAY_TYPO=1", NULL};
	char	   *const unsupported[] = {"FLYWAY_CLEAN_ON_VALIDATION_ERROR=true", NULL};
	char	   *const bad[] = {"FLYWAY_GROUP=maybe", NULL};
	char	   *name;

	name = flyway_env_name("baselineOnMigrate");
	CHECK_STR(name, "FLYWAY_BASELINE_ON_MIGRATE");
	pfree(name);
	name = flyway_env_name("postgresql.transactionalLock");
	CHECK_STR(name, "FLYWAY_POSTGRESQL_TRANSACTIONAL_LOCK");
	pfree(name);

	fresh();
	CHECK(flyway_config_read_environment(&config, env, &error));
	CHECK_STR(flyway_config_get(&config, FK_URL), "jdbc:postgresql://h/db");
	CHECK_STR(flyway_config_value(&config, FK_URL)->origin, "FLYWAY_URL");
	CHECK(flyway_config_bool(&config, FK_BASELINE_ON_MIGRATE));
	CHECK_INT(flyway_config_int(&config, FK_CONNECT_RETRIES_INTERVAL), 5);
	/* lower-cased, underscores kept; matched case-insensitively */
	CHECK_STR(config.placeholders[0].name, "my_key");
	CHECK_STR(placeholder("MY_KEY"), "v1");

	fresh();
	CHECK(!flyway_config_read_environment(&config, unknown, &error));
	CHECK_STR(error, "unknown environment variable FLYWAY_TYPO");
	fresh();
	CHECK(!flyway_config_read_environment(&config, unsupported, &error));
	CHECK(error && strstr(error, "cleanOnValidationError (FLYWAY_CLEAN_ON_VALIDATION_ERROR) is not supported"));
	fresh();
	CHECK(!flyway_config_read_environment(&config, bad, &error));
	/* the value is not quoted back */
	CHECK(error && strstr(error, "maybe") == NULL);
}

/* cleanDisabled: on unless a flag, FLYWAY_CLEAN_DISABLED or flyway.cleanDisabled turns it off */
static void
test_clean_disabled(void)
{
	char	   *const flag[] = {"-cleanDisabled=false", "clean"};
	char	   *const env[] = {"FLYWAY_CLEAN_DISABLED=false", NULL};
	char	   *const bad[] = {"-cleanDisabled=no"};

	fresh();
	CHECK(flyway_config_bool(&config, FK_CLEAN_DISABLED));
	CHECK(args(lengthof(flag), flag));
	CHECK(!flyway_config_bool(&config, FK_CLEAN_DISABLED));
	CHECK_STR(config.commands[0], "clean");
	fresh();
	CHECK(flyway_config_read_environment(&config, env, &error));
	CHECK(!flyway_config_bool(&config, FK_CLEAN_DISABLED));
	CHECK_STR(flyway_config_value(&config, FK_CLEAN_DISABLED)->origin, "FLYWAY_CLEAN_DISABLED");
	fresh();
	CHECK(flyway_config_read_conf_text(&config, "c.conf", "flyway.cleanDisabled=false\n", &error));
	CHECK(!flyway_config_bool(&config, FK_CLEAN_DISABLED));
	fresh();
	CHECK(!args(1, bad));
	CHECK_STR(error, "cleanDisabled (-cleanDisabled) must be true or false");
}

/* schemas, createSchemas, tablespace, lockRetryCount: Flyway's defaults and values */
static void
test_schemas_and_lock(void)
{
	char	   *const set[] = {"-schemas=app, audit", "-createSchemas=false", "-tablespace=fast",
	"-lockRetryCount=-1"};
	char	   *const bad[] = {"-lockRetryCount=-2"};
	char	  **schemas;
	int			n;

	fresh();
	CHECK(flyway_config_bool(&config, FK_CREATE_SCHEMAS));
	CHECK_INT(flyway_config_int(&config, FK_LOCK_RETRY_COUNT), 50);
	CHECK(flyway_config_get(&config, FK_TABLESPACE) == NULL);

	fresh();
	CHECK(flyway_config_read_args(&config, lengthof(set), set, &error));
	schemas = flyway_config_list(&config, FK_SCHEMAS, &n);
	CHECK_INT(n, 2);
	CHECK_STR(schemas[0], "app");
	CHECK_STR(schemas[1], "audit");
	CHECK(!flyway_config_bool(&config, FK_CREATE_SCHEMAS));
	CHECK_STR(flyway_config_get(&config, FK_TABLESPACE), "fast");
	CHECK_INT(flyway_config_int(&config, FK_LOCK_RETRY_COUNT), -1);

	fresh();
	CHECK(!flyway_config_read_args(&config, lengthof(bad), bad, &error));
	CHECK(error && strstr(error, "lockRetryCount (-lockRetryCount) must be a non-negative whole number, or -1"));
}

static void
test_conf_text(void)
{
	setenv("PGM_TEST_SECRET", "s3cr3t", 1);
	fresh();
	CHECK(flyway_config_read_conf_text(&config, "a.conf",
									   "\xEF\xBB\xBF# comment\n"
									   "! another\n"
									   "flyway.url = jdbc:postgresql://h/db\r\n"
									   "flyway.password=${PGM_TEST_SECRET}\n"
									   "flyway.locations=filesystem:a,\\\n"
									   "    filesystem:b\n"
									   "flyway.placeholders.name: x=y\n"
									   "flyway.user=${PGM_TEST_UNSET}\n", &error));
	CHECK_STR(flyway_config_get(&config, FK_URL), "jdbc:postgresql://h/db");
	CHECK_STR(flyway_config_value(&config, FK_URL)->origin, "a.conf:3");
	CHECK_STR(flyway_config_get(&config, FK_PASSWORD), "s3cr3t");
	CHECK_STR(flyway_config_get(&config, FK_LOCATIONS), "filesystem:a,filesystem:b");
	CHECK_STR(flyway_config_value(&config, FK_LOCATIONS)->origin, "a.conf:5");
	CHECK_STR(placeholder("name"), "x=y");
	CHECK_STR(flyway_config_get(&config, FK_USER), "");

	fresh();
	CHECK(!flyway_config_read_conf_text(&config, "b.conf", "\nurl=x\n", &error));
	CHECK_STR(error, "b.conf:2: setting url does not start with \"flyway.\"");
	fresh();
	CHECK(!flyway_config_read_conf_text(&config, "c.conf", "flyway.tabel=x\n", &error));
	CHECK_STR(error, "unknown setting tabel (c.conf:1)");
}

/* flags over environment over files; a later file over an earlier one */
static void
test_precedence(void)
{
	char	   *const argv[] = {"-table=from_flag", "migrate"};
	char	   *const env[] = {"FLYWAY_TABLE=from_env", "FLYWAY_SCHEMAS=env_schema", NULL};

	fresh();
	CHECK(flyway_config_read_conf_text(&config, "f", "flyway.table=from_file\n"
									   "flyway.schemas=file_schema\nflyway.target=5\n", &error));
	CHECK(flyway_config_read_environment(&config, env, &error));
	CHECK(args(lengthof(argv), argv));
	CHECK_STR(flyway_config_get(&config, FK_TABLE), "from_flag");
	CHECK_STR(flyway_config_get(&config, FK_SCHEMAS), "env_schema");
	CHECK_STR(flyway_config_get(&config, FK_TARGET), "5");
	/* a file read after the flags does not override them */
	CHECK(flyway_config_read_conf_text(&config, "g", "flyway.table=late_file\n"
									   "flyway.target=6\n", &error));
	CHECK_STR(flyway_config_get(&config, FK_TABLE), "from_flag");
	CHECK_STR(flyway_config_get(&config, FK_TARGET), "6");
}

static void
write_file(const char *path, const char *text)
{
	FILE	   *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

static void
test_load(void)
{
	char		dir[] = "/tmp/pgm_config_XXXXXX";
	char	   *home;
	char	   *named;
	char	   *named_env;
	char		cwd[1024];
	char	   *const env_none[] = {NULL};
	char	   *const no_args[] = {"info"};

	CHECK(mkdtemp(dir) != NULL);
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	home = psprintf("%s/home", dir);
	mkdir(home, 0700);
	write_file(psprintf("%s/flyway.conf", home), "flyway.table=home\nflyway.schemas=home\n");
	write_file(psprintf("%s/flyway.conf", dir), "flyway.table=cwd\n");
	write_file(psprintf("%s/named.conf", dir), "flyway.target=7\n");
	CHECK(chdir(dir) == 0);

	/* ~/flyway.conf, then ./flyway.conf over it */
	fresh();
	CHECK(flyway_config_load(&config, lengthof(no_args), no_args, env_none, home, &error));
	CHECK_STR(flyway_config_get(&config, FK_TABLE), "cwd");
	CHECK_STR(flyway_config_get(&config, FK_SCHEMAS), "home");
	CHECK_STR(config.commands[0], "info");

	/* -configFiles names the files instead */
	named = psprintf("-configFiles=%s/named.conf", dir);
	{
		char	   *const argv[] = {named};

		fresh();
		CHECK(flyway_config_load(&config, 1, argv, env_none, home, &error));
		CHECK_STR(flyway_config_get(&config, FK_TARGET), "7");
		CHECK_STR(flyway_config_get(&config, FK_TABLE), "flyway_schema_history");
	}
	named_env = psprintf("FLYWAY_CONFIG_FILES=%s/missing.conf", dir);
	{
		char	   *const env[] = {named_env, NULL};
		char	   *const toml[] = {"-configFiles=flyway.toml"};

		fresh();
		CHECK(!flyway_config_load(&config, 0, no_args, env, home, &error));
		CHECK(error && strstr(error, "missing.conf"));
		/* built without the TOML shim, as the Lambda is: a clear refusal */
		write_file(psprintf("%s/flyway.toml", dir), "[flyway]\ntable = \"t\"\n");
		fresh();
		CHECK(!flyway_config_load(&config, 1, toml, env_none, home, &error));
		CHECK(error && strstr(error, "configuration file flyway.toml: this build of pg_migrate "
							  "does not read flyway.toml files"));
		fresh();
		CHECK(!flyway_config_load(&config, 0, no_args, env_none, home, &error));
		CHECK(error && strstr(error, "does not read flyway.toml files"));
	}
	CHECK(chdir(cwd) == 0);
}

/* placeholderPrefix/Suffix/Separator and workingDirectory */
static void
test_placeholder_syntax_keys(void)
{
	char		dir[] = "/tmp/pgm_config_wd_XXXXXX";
	char	   *const flags[] = {"-placeholderPrefix=#[", "-placeholderSuffix=]"};
	char	   *const env[] = {"FLYWAY_PLACEHOLDER_SEPARATOR=_", NULL};
	char	   *const empty[] = {"-placeholderSuffix="};
	char	   *const env_none[] = {NULL};
	char	   *wd_flag;
	char	   *named;

	fresh();
	CHECK_STR(flyway_config_get(&config, FK_PLACEHOLDER_PREFIX), "${");
	CHECK_STR(flyway_config_get(&config, FK_PLACEHOLDER_SUFFIX), "}");
	CHECK_STR(flyway_config_get(&config, FK_PLACEHOLDER_SEPARATOR), ":");
	CHECK(flyway_config_get(&config, FK_WORKING_DIRECTORY) == NULL);
	CHECK(args(lengthof(flags), flags));
	CHECK(flyway_config_read_environment(&config, env, &error));
	CHECK(flyway_config_read_conf_text(&config, "flyway.conf",
									   "flyway.placeholderPrefix=@@\n", &error));
	CHECK_STR(flyway_config_get(&config, FK_PLACEHOLDER_PREFIX), "#[");	/* the flag wins */
	CHECK_STR(flyway_config_get(&config, FK_PLACEHOLDER_SUFFIX), "]");
	CHECK_STR(flyway_config_get(&config, FK_PLACEHOLDER_SEPARATOR), "_");
	/* empty is refused, as Flyway refuses it, naming the setting and where */
	fresh();
	CHECK(!args(1, empty));
	CHECK_STR(error, "placeholderSuffix (-placeholderSuffix) cannot be empty");

	/* relative -configFiles and ./flyway.conf are read under workingDirectory */
	CHECK(mkdtemp(dir) != NULL);
	write_file(psprintf("%s/flyway.conf", dir), "flyway.table=from_wd\n");
	write_file(psprintf("%s/named.conf", dir), "flyway.target=9\n");
	wd_flag = psprintf("-workingDirectory=%s", dir);
	named = psprintf("FLYWAY_WORKING_DIRECTORY=%s", dir);
	{
		char	   *const argv[] = {wd_flag, "info"};
		char	   *const argv_named[] = {"-configFiles=named.conf", "info"};
		char	   *const env_wd[] = {named, NULL};

		fresh();
		CHECK(flyway_config_load(&config, 2, argv, env_none, NULL, &error));
		CHECK_STR(flyway_config_get(&config, FK_TABLE), "from_wd");
		CHECK_STR(flyway_config_get(&config, FK_WORKING_DIRECTORY), dir);
		fresh();
		CHECK(flyway_config_load(&config, 2, argv_named, env_wd, NULL, &error));
		CHECK_STR(flyway_config_get(&config, FK_TARGET), "9");
		CHECK_STR(flyway_config_get(&config, FK_TABLE), "flyway_schema_history");
	}
}

/* Flyway 10's environments: -environments.NAME.KEY, flyway.environments.NAME.KEY */
static void
test_environments(void)
{
	char	   *const dev[] = {"-environments.dev.url=jdbc:postgresql://dev/db",
		"-environments.dev.flyway.locations=filesystem:dev",
		"-environments.dev.flyway.placeholders.who=dev", "-environments.dev.displayName=Dev",
		"-environments.prod.url=jdbc:postgresql://prod/db", "-environment=dev"};
	char	   *const nosuch[] = {"-environment=nosuch"};
	char	   *const named_default[] = {"-environment=default"};
	char	   *const unknown[] = {"-environments.dev.uri=x"};
	char	   *const unsupported[] = {"-environments.dev.driver=org.postgresql.Driver"};
	char	   *const not_per_environment[] = {"-environments.dev.flyway.cherryPick=1"};
	char	   *const bad_kind[] = {"-environments.dev.connectRetries=s3cret"};
	char	   *const no_key[] = {"-environments.dev=x"};
	char	   *const env_url[] = {"FLYWAY_URL=jdbc:postgresql://env/db", NULL};
	char	   *const choose_other[] = {"-environment=other"};

	/* the chosen environment's settings, its flyway table's overrides */
	fresh();
	CHECK(args(lengthof(dev), dev));
	CHECK(flyway_config_get(&config, FK_URL) == NULL);
	CHECK(flyway_config_apply_environment(&config, &error));
	CHECK_STR(flyway_config_get(&config, FK_URL), "jdbc:postgresql://dev/db");
	CHECK_STR(flyway_config_value(&config, FK_URL)->origin, "-environments.dev.url");
	CHECK_STR(flyway_config_get(&config, FK_LOCATIONS), "filesystem:dev");
	CHECK_STR(placeholder("who"), "dev");

	/* "default" when none is named; an environment wins over [flyway] at a file's rank */
	fresh();
	CHECK(flyway_config_read_conf_text(&config, "f.conf",
									   "flyway.locations=filesystem:root\n"
									   "flyway.environments.default.flyway.locations=filesystem:env\n"
									   "flyway.environments.default.url=jdbc:postgresql://file/db\n",
									   &error));
	CHECK(flyway_config_read_environment(&config, env_url, &error));
	CHECK(flyway_config_apply_environment(&config, &error));
	CHECK_STR(flyway_config_get(&config, FK_LOCATIONS), "filesystem:env");
	/* but loses to a FLYWAY_* variable */
	CHECK_STR(flyway_config_get(&config, FK_URL), "jdbc:postgresql://env/db");

	/* an environment named but defined nowhere; "default" may be empty */
	fresh();
	CHECK(args(lengthof(nosuch), nosuch));
	CHECK(!flyway_config_apply_environment(&config, &error));
	CHECK(error && strstr(error, "environment nosuch (-environment) is not defined"));
	fresh();
	CHECK(args(lengthof(named_default), named_default));
	CHECK(flyway_config_apply_environment(&config, &error));

	/* what an environment cannot hold */
	fresh();
	CHECK(!args(lengthof(unknown), unknown));
	CHECK(error && strstr(error, "unknown setting environments.dev.uri (-environments.dev.uri)"));
	fresh();
	CHECK(!args(lengthof(unsupported), unsupported));
	CHECK(error && strstr(error, "environments.dev.driver (-environments.dev.driver) is not supported"));
	fresh();
	CHECK(!args(lengthof(not_per_environment), not_per_environment));
	CHECK(error && strstr(error, "cannot be set for one environment"));
	fresh();
	CHECK(!args(lengthof(bad_kind), bad_kind));
	CHECK(error && strstr(error, "connectRetries (-environments.dev.connectRetries) must be"));
	CHECK(error && strstr(error, "s3cret") == NULL);
	fresh();
	CHECK(!args(lengthof(no_key), no_key));
	CHECK(error && strstr(error, "names no environment and key"));

	/* an unresolved value is an error only in the environment chosen */
	fresh();
	CHECK(flyway_config_set_unresolved(&config, "environments.other.password", SOURCE_FILE,
									   "f.toml:3", "it is unresolved", &error));
	CHECK(flyway_config_apply_environment(&config, &error));
	CHECK(args(lengthof(choose_other), choose_other));
	CHECK(!flyway_config_apply_environment(&config, &error));
	CHECK_STR(error, "it is unresolved");
	fresh();
	CHECK(!flyway_config_set_unresolved(&config, "password", SOURCE_FILE, "f.toml:3",
										"it is unresolved", &error));
}

static void
test_lists(void)
{
	char	   *const argv[] = {"-schemas= a , b,,c ", "-locations="};
	char	  **items;
	int			count;

	fresh();
	CHECK(args(lengthof(argv), argv));
	items = flyway_config_list(&config, FK_SCHEMAS, &count);
	CHECK_INT(count, 3);
	CHECK_STR(items[0], "a");
	CHECK_STR(items[1], "b");
	CHECK_STR(items[2], "c");
	flyway_config_list_free(items, count);
	items = flyway_config_list(&config, FK_LOCATIONS, &count);
	CHECK_INT(count, 0);
	flyway_config_list_free(items, count);
}

/* Flyway's PostgreSQL key is checked and accepted; key families are refused by name. */
static void
test_transactional_lock_and_families(void)
{
	char	   *lock_env[] = {"FLYWAY_POSTGRESQL_TRANSACTIONAL_LOCK=false", NULL};
	char	   *bad_lock[] = {"-postgresql.transactional.lock=perhaps"};
	char	   *jdbc_env[] = {"FLYWAY_JDBC_PROPERTIES_SSLMODE=require", NULL};
	char	   *plugin_flag[] = {"-plugins.clean=true"};

	fresh();
	CHECK(flyway_config_read_environment(&config, lock_env, &error));
	CHECK(!flyway_config_bool(&config, FK_POSTGRESQL_TRANSACTIONAL_LOCK));
	/* failOnMissingTarget: Flyway's default true, a FLYWAY_* variable turns it off */
	fresh();
	CHECK(flyway_config_bool(&config, FK_FAIL_ON_MISSING_TARGET));
	{
		char	   *target_env[] = {"FLYWAY_FAIL_ON_MISSING_TARGET=false", NULL};

		CHECK(flyway_config_read_environment(&config, target_env, &error));
		CHECK(!flyway_config_bool(&config, FK_FAIL_ON_MISSING_TARGET));
	}
	fresh();
	CHECK(!args(1, bad_lock));
	CHECK(error && strstr(error, "must be true or false") && !strstr(error, "perhaps"));
	fresh();
	CHECK(!flyway_config_read_environment(&config, jdbc_env, &error));
	CHECK(error && strstr(error, "jdbcProperties.") && strstr(error, "not supported") &&
		  strstr(error, "FLYWAY_JDBC_PROPERTIES_SSLMODE"));
	fresh();
	CHECK(!args(1, plugin_flag));
	CHECK(error && strstr(error, "not supported"));
}

int
main(void)
{
	flyway_config_init(&config);
	test_defaults();
	test_escape_hatch_keys();
	test_args();
	test_environment();
	test_schemas_and_lock();
	test_clean_disabled();
	test_encoding();
	test_conf_text();
	test_precedence();
	test_load();
	test_placeholder_syntax_keys();
	test_environments();
	test_lists();
	test_transactional_lock_and_families();
	flyway_config_free(&config);
	return unit_summary("flyway_config");
}
