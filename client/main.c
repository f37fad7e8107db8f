/*-------------------------------------------------------------------------
 *
 * main.c
 *	  pg_migrate [options] <command>...: the extension's engine run from a
 *	  client over libpq, for databases where no extension can be loaded
 *	  (Amazon RDS, Aurora, Cloud SQL, ...).  A "flyway ... migrate" command
 *	  line works with "pg_migrate" in place of "flyway".
 *
 * Options are Flyway's (-key=value flags, FLYWAY_* environment variables,
 * flyway.conf and flyway.toml files; client/flyway_config.c), commands run in the order
 * given, the first failure stops the rest.  Exit status: 0 success, 1 a
 * command failed, 2 bad usage.  docs/cli.md is the reference.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <signal.h>

#include "connect.h"
#include "engine_options.h"
#include "executor_libpq.h"
#include "flyway_config.h"
#include "output.h"
#include "report.h"
#include "script_source.h"

extern char **environ;

static const char *const commands[] = {
	"migrate", "info", "validate", "baseline", "repair", "undo", "plan", "clean",
};

/* Set once connected: SIGINT and SIGTERM cancel the running statement. */
static PGcancel *volatile cancel_handle = NULL;

typedef struct Run
{
	FlywayConfig config;
	OutputSettings output;
	PlaceholderSet placeholders;
	EngineOptions options;
	PGconn	   *conn;
	Executor   *executor;
	Executor   *group_executor; /* -group=true: migrate and undo in one transaction */
} Run;

static void
usage(FILE *f)
{
	fprintf(f,
			"pg_migrate runs Flyway-compatible migrations against PostgreSQL over an\n"
			"ordinary connection (Amazon RDS, Aurora and any PostgreSQL): the engine of\n"
			"the pg_migrate extension, without the extension.\n"
			"\n"
			"Usage:\n"
			"  pg_migrate [options] <command>...\n"
			"\n"
			"Commands (run in the order given):\n"
			"  migrate     apply pending migrations\n"
			"  info        show every migration and its state\n"
			"  validate    check applied migrations against the scripts\n"
			"  baseline    mark an existing database as at baselineVersion\n"
			"  repair      remove failed rows, realign checksums, mark missing scripts deleted\n"
			"  undo        undo the last applied migration (with U scripts), or down to -target\n"
			"  plan        list every statement migrate would run now, running nothing\n"
			"  clean       drop every object in the managed schemas (needs -cleanDisabled=false)\n"
			"\n"
			"Options (Flyway's names; also FLYWAY_* variables, flyway.conf and flyway.toml):\n"
			"  -url=URL                 jdbc:postgresql://host:port/db, postgresql://..., or a conninfo\n"
			"  -user=NAME  -password=PASSWORD\n"
			"  -locations=LIST          filesystem:folder, https://host/prefix/, s3://bucket/prefix/\n"
			"                           (default filesystem:sql)\n"
			"  -placeholders.NAME=VALUE -placeholderReplacement=BOOL\n"
			"  -placeholderPrefix=TEXT  -placeholderSuffix=TEXT  -placeholderSeparator=TEXT\n"
			"                           placeholders as ${name}, built-ins as ${flyway:user} (defaults)\n"
			"  -workingDirectory=DIR    relative locations, -configFiles and ./flyway.conf are under it\n"
			"  -schemas=LIST  -defaultSchema=NAME  -table=NAME  -tablespace=NAME\n"
			"  -createSchemas=BOOL      create missing schemas with the history table (default true)\n"
			"  -lockRetryCount=N        seconds to wait for another migrate's lock (default 50, -1 for ever)\n"
			"  -target=VERSION|latest|current|next  -outOfOrder=BOOL\n"
			"  -baselineOnMigrate=BOOL  -baselineVersion=V  -baselineDescription=TEXT\n"
			"  -group=BOOL  -mixed=BOOL  -validateMigrationNaming=BOOL  -installedBy=NAME\n"
			"  -ignoreMigrationPatterns=LIST  validation problems to ignore (default *:future)\n"
			"  -validateOnMigrate=BOOL  -skipExecutingMigrations=BOOL  -cherryPick=LIST\n"
			"  -failOnMissingLocations=BOOL  a missing folder location is an error, not a warning\n"
			"  -cleanDisabled=BOOL      refuse clean (default true, as Flyway)\n"
			"  -connectRetries=N  -connectRetriesInterval=SECONDS\n"
			"  -configFiles=LIST        flyway.conf / .toml files to read instead of ~/ and ./flyway.conf,\n"
			"                           ~/ and ./flyway.toml, ~/ and ./flyway.user.toml\n"
			"  -environment=NAME        the flyway.toml [environments.NAME] to use (default default)\n"
			"  -outputType=json         Flyway's JSON result on stdout\n"
			"  -q                       no progress lines or notices\n"
			"  -v, --version            print the version and exit\n"
			"  -?, -h, --help           print this help and exit\n"
			"\n"
			"Exit status: 0 success, 1 a command failed, 2 bad usage.\n"
			"Reference: man pg_migrate, docs/cli.md.\n");
}

static void
cancel_on_signal(int signo)
{
	char		errbuf[256];
	PGcancel   *cancel = cancel_handle;

	/* a second signal ends the command at once */
	signal(signo, SIG_DFL);
	if (cancel != NULL)
		(void) PQcancel(cancel, errbuf, sizeof(errbuf));
	else
		raise(signo);
}

static void
warn_retry(const char *message)
{
	fprintf(stderr, "WARNING: %s\n", message);
}

/* A usage error: one line, exit status 2. */
static int
usage_error(const Run *run, const char *message, const char *hint)
{
	MigrateError err;

	memset(&err, 0, sizeof(err));
	migrate_error_set(&err, SQLSTATE_INVALID_PARAMETER_VALUE, message, NULL,
					  hint ? hint : "Run pg_migrate --help for the usage.");
	if (run->output.json)
		report_print_json(&run->output, report_error_json(&run->output, &err, "CONFIGURATION"));
	else
		report_error_text(&run->output, &err);
	return EXIT_USAGE;
}

static bool
is_command(const char *word)
{
	for (size_t i = 0; i < lengthof(commands); i++)
		if (strcmp(word, commands[i]) == 0)
			return true;
	return false;
}

/* Connect, and make the executors; false with *err on failure. */
static bool
open_database(Run *run, MigrateError *err)
{
	ConnectOptions co;
	ScriptSource *source;
	int			nlocations;
	/* relative folders are under -workingDirectory when it is given, as in Flyway */
	char	  **locations = engine_options_locations(&run->config,
													 flyway_config_get(&run->config, FK_WORKING_DIRECTORY) ?
													 run->options.working_directory : NULL,
													 &nlocations);
	bool		group = flyway_config_bool(&run->config, FK_GROUP);

	/* a bad location is reported before the server is asked anything */
	source = script_source_create(locations, nlocations, run->options.placeholder_replacement,
								  flyway_config_bool(&run->config, FK_FAIL_ON_MISSING_LOCATIONS), err);
	if (source == NULL)
		return false;
	script_source_set_encoding(source, engine_options_encoding(&run->config), "-encoding");
	memset(&co, 0, sizeof(co));
	co.url = flyway_config_get(&run->config, FK_URL);
	co.user = flyway_config_get(&run->config, FK_USER);
	co.password = flyway_config_get(&run->config, FK_PASSWORD);
	co.retries = flyway_config_int(&run->config, FK_CONNECT_RETRIES);
	co.retries_interval = flyway_config_int(&run->config, FK_CONNECT_RETRIES_INTERVAL);
	run->conn = client_connect(&co, err, run->output.quiet ? NULL : warn_retry);
	if (run->conn == NULL)
		return false;
	run->output.database = pstrdup(PQdb(run->conn));
	PQsetNoticeReceiver(run->conn, output_server_notice, &run->output);
	cancel_handle = PQgetCancel(run->conn);
	run->executor = executor_libpq_create(run->conn, source, false, err);
	if (run->executor == NULL)
		return false;
	if (group)
		run->group_executor = executor_libpq_create(run->conn, source, true, err);
	return !group || run->group_executor != NULL;
}

/* One command through the engine; false when it failed (reported). */
static bool
run_command(Run *run, const char *command)
{
	Engine		engine;
	EngineSinks sinks;
	CommandOutput *out;
	bool		in_group = run->group_executor != NULL &&
		(strcmp(command, "migrate") == 0 || strcmp(command, "undo") == 0);
	Executor   *ex = in_group ? run->group_executor : run->executor;
	bool		ok;
	int			validated = 0;

	memset(&engine, 0, sizeof(engine));
	memset(&sinks, 0, sizeof(sinks));
	out = output_begin(&run->output, command, &engine, &sinks);
	engine_init(&engine, ex, &run->options, &sinks);
	engine.wording = &engine_wording_command;
	if (!engine_check_options(&engine))
	{
		output_failure(out, &engine.error);
		return false;
	}
	if (in_group && !executor_libpq_group_begin(ex, &engine.error))
	{
		output_failure(out, &engine.error);
		return false;
	}

	if (strcmp(command, "migrate") == 0)
		ok = engine_migrate(&engine);
	else if (strcmp(command, "undo") == 0)
		ok = engine_undo(&engine);
	else if (strcmp(command, "info") == 0)
		ok = engine_info(&engine);
	else if (strcmp(command, "validate") == 0)
		ok = engine_validate(&engine, &validated);
	else if (strcmp(command, "baseline") == 0)
		ok = engine_baseline(&engine, flyway_config_get(&run->config, FK_BASELINE_VERSION),
							 flyway_config_get(&run->config, FK_BASELINE_DESCRIPTION));
	else if (strcmp(command, "repair") == 0)
		ok = engine_repair(&engine);
	else if (strcmp(command, "clean") == 0)
		ok = engine_clean(&engine);
	else
		ok = engine_plan(&engine, false);

	/* -group=true: the whole run commits, or none of it */
	if (in_group && !executor_libpq_group_end(ex, ok, &engine.error))
		ok = false;
	if (ok)
	{
		output_validated(out, validated);
		output_success(out);
	}
	else
		output_failure(out, &engine.error);
	return ok;
}

static bool
handle_special_flag(const char *arg, Run *run, int *exit_now)
{
	if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0 || strcmp(arg, "-?") == 0 ||
		strcmp(arg, "help") == 0)
	{
		usage(stdout);
		*exit_now = EXIT_OK;
		return true;
	}
	if (strcmp(arg, "--version") == 0 || strcmp(arg, "-v") == 0 || strcmp(arg, "version") == 0)
	{
		printf("pg_migrate %s\n", PG_MIGRATE_VERSION);
		*exit_now = EXIT_OK;
		return true;
	}
	if (strcmp(arg, "-q") == 0)
	{
		run->output.quiet = true;
		return true;
	}
	if (strcmp(arg, "-X") == 0)
		return true;			/* Flyway's debug output: accepted, nothing more to say */
	return false;
}

int
main(int argc, char **argv)
{
	Run			run;
	char	  **args = palloc(sizeof(char *) * (argc + 1));
	int			nargs = 0;
	int			exit_now = -1;
	char	   *error = NULL;
	MigrateError err;
	int			status = EXIT_OK;

	memset(&run, 0, sizeof(run));
	memset(&err, 0, sizeof(err));
	run.output.out = stdout;
	run.output.err = stderr;
	for (int i = 1; i < argc; i++)
	{
		if (!handle_special_flag(argv[i], &run, &exit_now))
			args[nargs++] = argv[i];
		if (exit_now >= 0)
			return exit_now;
	}

	flyway_config_init(&run.config);
	if (!flyway_config_load(&run.config, nargs, args, environ, getenv("HOME"), &error))
		return usage_error(&run, error, NULL);
	run.output.json = flyway_config_get(&run.config, FK_OUTPUT_TYPE) != NULL &&
		pg_strcasecmp(flyway_config_get(&run.config, FK_OUTPUT_TYPE), "json") == 0;
	if (run.config.ncommands == 0)
		return usage_error(&run, "no command given",
						   "Give one or more of: migrate, info, validate, baseline, repair, undo, plan, clean.");
	for (int i = 0; i < run.config.ncommands; i++)
		if (!is_command(run.config.commands[i]))
			return usage_error(&run, psprintf("unknown command \"%s\"", run.config.commands[i]),
							   "The commands are migrate, info, validate, baseline, repair, undo, plan and clean.");
	engine_options_from_flyway(&run.config, &run.options, &run.placeholders);
	run.output.secrets = &run.placeholders;

	signal(SIGINT, cancel_on_signal);
	signal(SIGTERM, cancel_on_signal);
	if (!open_database(&run, &err))
	{
		if (run.output.json)
			report_print_json(&run.output, report_error_json(&run.output, &err,
															 report_error_code(&err, NULL)));
		else
			report_error_text(&run.output, &err);
		status = EXIT_FAILED;
	}
	for (int i = 0; status == EXIT_OK && i < run.config.ncommands; i++)
		if (!run_command(&run, run.config.commands[i]))
			status = EXIT_FAILED;

	if (cancel_handle != NULL)
	{
		PGcancel   *cancel = cancel_handle;

		cancel_handle = NULL;
		PQfreeCancel(cancel);
	}
	if (run.conn != NULL)
		PQfinish(run.conn);
	return status;
}
