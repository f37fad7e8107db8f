/*-------------------------------------------------------------------------
 *
 * common.c
 *	  What every part of the engine uses: engine_init and the two
 *	  wordings, failing and notices, the clock, releasing the lock, and
 *	  which callbacks an event has (callbacks.c runs them; statements.c runs
 *	  the statement-level ones).
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include "lib/stringinfo.h"
#include "portability/instr_time.h"

#include "engine_internal.h"
#include "interrupts.h"

/* The file-name settings (NamingSetting order) as the server and the command name them. */
static const char *const naming_names_server[NAMING_SETTING_COUNT] = {
	"pg_migrate.sql_migration_prefix",
	"pg_migrate.sql_migration_separator",
	"pg_migrate.sql_migration_suffixes",
	"pg_migrate.repeatable_sql_migration_prefix",
	"pg_migrate.undo_sql_migration_prefix",
	"pg_migrate.baseline_migration_prefix",
};

static const char *const naming_names_command[NAMING_SETTING_COUNT] = {
	"-sqlMigrationPrefix",
	"-sqlMigrationSeparator",
	"-sqlMigrationSuffixes",
	"-repeatableSqlMigrationPrefix",
	"-undoSqlMigrationPrefix",
	"-baselineMigrationPrefix",
};

const EngineWording engine_wording_server = {
	.apply = "migrate_apply()",
	.undo = "migrate_undo()",
	.repair = "migrate_repair()",
	.baseline = "migrate_baseline()",
	.info = "migrate_info()",
	.call = "call",
	.callback_again = "call the function again",
	.mixed_on = "SET pg_migrate.mixed = on",
	.naming_off = "turn pg_migrate.validate_naming off",
	.naming_on = "set pg_migrate.validate_naming = on",
	.baseline_on_migrate_on = "SET pg_migrate.baseline_on_migrate = on",
	.single_transaction = "single_transaction",
	.single_transaction_on = "single_transaction => true",
	.ignore_patterns_name = "pg_migrate.ignore_migration_patterns",
	.cherry_pick_name = "pg_migrate.cherry_pick",
	.skip_executing_name = "pg_migrate.skip_executing_migrations",
	.fail_on_missing_on = "SET pg_migrate.fail_on_missing_locations = on",
	.locations_name = "pg_migrate.locations",
	.plan = {
		.apply = "call migrate_apply()",
		.repair = "call migrate_repair()",
		.ignore_patterns = "SET pg_migrate.ignore_migration_patterns = ",
		.out_of_order_on = "SET pg_migrate.out_of_order = on",
	},
	.create_schemas_on = "SET pg_migrate.create_schemas = on",
	.schema_names = "pg_migrate.schema (or pg_migrate.schemas)",
	.fail_on_missing_target_off = "SET pg_migrate.fail_on_missing_target = off",
	.lock_retry_count = "pg_migrate.lock_retry_count",
	.naming_names = naming_names_server,
	.clean_disabled_name = "pg_migrate.clean_disabled",
	.clean_disabled_off = "SET pg_migrate.clean_disabled = off",
};

const EngineWording engine_wording_command = {
	.apply = "pg_migrate migrate",
	.undo = "pg_migrate undo",
	.repair = "pg_migrate repair",
	.baseline = "pg_migrate baseline",
	.info = "pg_migrate info",
	.call = "run",
	.callback_again = "run the command again",
	.mixed_on = "run with -mixed=true",
	.naming_off = "run with -validateMigrationNaming=false",
	.naming_on = "run with -validateMigrationNaming=true",
	.baseline_on_migrate_on = "run with -baselineOnMigrate=true",
	.single_transaction = "-group=true",
	.single_transaction_on = "-group=true",
	.ignore_patterns_name = "-ignoreMigrationPatterns",
	.cherry_pick_name = "-cherryPick",
	.skip_executing_name = "-skipExecutingMigrations",
	.fail_on_missing_on = "run with -failOnMissingLocations=true",
	.locations_name = "-locations",
	.plan = {
		.apply = "run pg_migrate migrate",
		.repair = "run pg_migrate repair",
		.ignore_patterns = "run with -ignoreMigrationPatterns=",
		.out_of_order_on = "run with -outOfOrder=true",
	},
	.create_schemas_on = "run with -createSchemas=true",
	.schema_names = "-defaultSchema (or -schemas)",
	.fail_on_missing_target_off = "run with -failOnMissingTarget=false",
	.lock_retry_count = "-lockRetryCount",
	.naming_names = naming_names_command,
	.clean_disabled_name = "-cleanDisabled",
	.clean_disabled_off = "run with -cleanDisabled=false",
};

void
engine_init(Engine *engine, Executor *ex, const EngineOptions *opts, const EngineSinks *sinks)
{
	memset(engine, 0, sizeof(Engine));
	engine->ex = ex;
	engine->opts = *opts;
	if (sinks != NULL)
		engine->sinks = *sinks;
	engine->wording = &engine_wording_server;
	if (engine->opts.table == NULL || engine->opts.table[0] == '\0')
		engine->opts.table = "flyway_schema_history";
	if (engine->opts.baseline_version == NULL)
		engine->opts.baseline_version = "1";
	if (engine->opts.baseline_description == NULL)
		engine->opts.baseline_description = "<< Flyway Baseline >>";
	placeholders_init(&engine->placeholders);
	engine->naming = script_naming_default; /* until prepare reads opts.naming */
}

bool
engine_fail(Engine *engine, const char *sqlstate, const char *detail, const char *hint,
			const char *fmt,...)
{
	StringInfoData message;

	initStringInfo(&message);
	for (;;)
	{
		va_list		args;
		int			needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(&message, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&message, needed);
	}
	migrate_error_set(&engine->error, sqlstate, message.data, detail, hint);
	engine->refused = true;
	return false;
}

void
engine_notice(Engine *engine, EngineNoticeLevel level, const char *message, const char *detail,
			  const char *hint)
{
	if (engine->sinks.notice)
		engine->sinks.notice(level, message, detail, hint, engine->sinks.arg);
}

int
engine_elapsed_ms(const void *start)
{
	instr_time	now;

	INSTR_TIME_SET_CURRENT(now);
	INSTR_TIME_SUBTRACT(now, *(const instr_time *) start);
	return (int) INSTR_TIME_GET_MILLISEC(now);
}

void
engine_unlock(Engine *engine)
{
	if (!engine->locked)
		return;
	engine->ex->ops->unlock(engine->ex, &engine->history);
	engine->locked = false;
}

static int
compare_callbacks(const void *a, const void *b)
{
	return java_string_compare((*(ResolvedScript *const *) a)->description,
							   (*(ResolvedScript *const *) b)->description);
}

/* The event's callbacks, in the order they run. */
ResolvedScript **
callbacks_of(Engine *engine, const char *event, int *count)
{
	ResolvedScript **result = palloc(sizeof(ResolvedScript *) * (engine->scripts.ncallbacks + 1));
	int			n = 0;

	for (int i = 0; i < engine->scripts.ncallbacks; i++)
	{
		ResolvedScript *cb = engine->scripts.callbacks[i];

		CHECK_FOR_INTERRUPTS();
		if (strcmp(cb->event, event) == 0)
			result[n++] = cb;
	}
	if (n > 1)
		qsort(result, n, sizeof(ResolvedScript *), compare_callbacks);
	*count = n;
	return result;
}

/* A statement the caller's transaction cannot hold is refused before any runs. */
bool
check_callback_for_caller(Engine *engine, RunScript *run)
{
	if (!engine->ex->ops->caller_transaction)
		return true;
	for (int i = 0; i < run->nstatements; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (run->statements[i].transaction_control || !run->statements[i].transactional)
			return engine_fail(engine, SQLSTATE_ACTIVE_SQL_TRANSACTION, NULL,
							   psprintf("Run it without %s, or remove the statement.",
										engine->wording->single_transaction),
							   "callback %s line %d cannot run inside the caller's transaction",
							   run->script->script, run->statements[i].line);
	}
	return true;
}

