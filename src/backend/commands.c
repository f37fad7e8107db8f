/*-------------------------------------------------------------------------
 *
 * commands.c
 *	  The commands behind the SQL functions: apply (per migration, or all in
 *	  one transaction), undo, info, validate, baseline, repair and the dry
 *	  run, each run by the engine (src/engine/) through a server executor.
 *
 * This file only gathers what a run was asked for (the pg_migrate.*
 * settings and the call's arguments), routes its results and notices to
 * the SQL functions' sinks, and raises the engine's error.  Per-migration
 * apply and undo run at top level in the apply worker (apply_worker.c);
 * everything else runs in the caller's transaction.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

#include "commands.h"
#include "executor_server.h"

/*
 * Read-only commands and the apply pre-check work in this backend-lifetime
 * context, reset before each use: its large first block stays mapped, so a
 * repeated migrate_info() on a long history does not page-fault megabytes
 * of fresh memory every time.
 */
static MemoryContext work_context = NULL;

static MemoryContext
reset_work_context(void)
{
	if (work_context == NULL)
		work_context = AllocSetContextCreate(TopMemoryContext, "pg_migrate work",
											 0, 16 * 1024 * 1024, 16 * 1024 * 1024);
	else
		MemoryContextReset(work_context);
	return work_context;
}

/*
 * command_check_options
 *		Refuse bad arguments before anything runs.
 */
void
command_check_options(const CallOptions *options)
{
	PlanOptions plan_options;
	PlaceholderSet set;
	char	   *why = NULL;

	if (!plan_parse_target(options->target, &plan_options, &why))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid target \"%s\"", options->target),
				 errdetail("%s", why),
				 errhint("Give a version such as '2.1', 'latest', 'current' or 'next'.")));
	placeholders_init(&set);
	if (!placeholders_add_json(&set, options->placeholders_json, &why))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid placeholders argument"),
				 errdetail("%s", why),
				 errhint("Pass a JSON object of names to values, such as '{\"owner\": \"app\"}'.")));
}

/*
 * What a run was asked for: the settings, then the call's arguments.  The
 * user's placeholders (settings, then the call's) go into *user, which
 * must live as long as the run.
 */
static void
engine_options_from(EngineOptions *opts, const CallOptions *options, PlaceholderSet *user)
{
	char	   *why = NULL;

	placeholders_init(user);
	if (!placeholders_add_json(user, pgm_placeholders, &why) ||
		!placeholders_add_json(user, options->placeholders_json, &why))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid placeholders"),
				 errdetail("%s", why)));

	memset(opts, 0, sizeof(EngineOptions));
	opts->schema = pgm_schema;
	opts->schemas = settings_schemas(&opts->nschemas);
	opts->create_schemas = pgm_create_schemas;
	opts->tablespace = pgm_tablespace;
	opts->lock_retry_count = pgm_lock_retry_count;
	opts->table = pgm_table;
	opts->target = options->target;
	opts->out_of_order = options->out_of_order < 0 ? pgm_out_of_order : options->out_of_order == 1;
	opts->validate_naming = pgm_validate_naming;
	opts->names_reported = options->names_reported;
	opts->mixed = pgm_mixed;
	opts->baseline_on_migrate = pgm_baseline_on_migrate;
	opts->baseline_version = pgm_baseline_version;
	opts->baseline_description = pgm_baseline_description;
	opts->installed_by = pgm_installed_by;
	opts->placeholder_replacement = pgm_placeholder_replacement;
	opts->placeholders = user;
	opts->ignore_migration_patterns = pgm_ignore_migration_patterns;
	opts->validate_on_migrate = pgm_validate_on_migrate;
	opts->skip_executing_migrations = pgm_skip_executing_migrations;
	opts->cherry_pick = pgm_cherry_pick;
	opts->missing_target_ok = !pgm_fail_on_missing_target;
	settings_naming(opts->naming);
	opts->clean_disabled = pgm_clean_disabled;
	/* copies: a script's SET may free the settings' strings during the run */
	opts->placeholder_prefix = pstrdup(pgm_placeholder_prefix);
	opts->placeholder_suffix = pstrdup(pgm_placeholder_suffix);
	opts->placeholder_separator = pstrdup(pgm_placeholder_separator);
}

/* The engine's notices and warnings, as the server's. */
static void
notice_to_client(EngineNoticeLevel level, const char *message, const char *detail,
				 const char *hint, void *arg)
{
	ereport(level == ENGINE_WARNING ? WARNING : NOTICE,
			(errmsg("%s", message),
			 detail ? errdetail("%s", detail) : 0,
			 hint ? errhint("%s", hint) : 0));
}

/* A run's state: the engine, its executor, the user's placeholders. */
typedef struct CommandRun
{
	Engine		engine;
	Executor   *ex;
	PlaceholderSet user;
} CommandRun;

/* A function's call options when it takes none: the settings decide. */
static void
settings_only(CallOptions *options)
{
	memset(options, 0, sizeof(*options));
	options->out_of_order = -1;
}

/*
 * Set up a run in the current memory context, with the given sinks (the
 * notices always go to the client).
 */
static void
command_run_init(CommandRun *run, const CallOptions *options, bool caller_transaction,
				 EngineSinks *sinks)
{
	EngineOptions opts;

	engine_options_from(&opts, options, &run->user);
	sinks->notice = notice_to_client;
	run->ex = executor_server_create(caller_transaction);
	engine_init(&run->engine, run->ex, &opts, sinks);
}

/* The end of a run: its error raised, or the caller's session as it was. */
static void
command_run_end(CommandRun *run, bool ok)
{
	if (!ok)
		executor_server_raise(run->ex, &run->engine.error);
	executor_server_finish(run->ex);
}

/*
 * Per-migration apply or undo, at top level in the apply worker (or the
 * sync worker's automatic apply): each migration commits with its history
 * row, under Flyway's lock held at session level.
 */
static void
apply_toplevel(const CallOptions *options, ResultSink sink, void *sink_arg)
{
	MemoryContext keep = AllocSetContextCreate(TopMemoryContext, "pg_migrate apply",
											   ALLOCSET_DEFAULT_SIZES);
	MemoryContext oldcxt = MemoryContextSwitchTo(keep);
	EngineSinks sinks;
	CommandRun	run;
	bool		ok;

	memset(&sinks, 0, sizeof(sinks));
	sinks.applied = sink;
	sinks.arg = sink_arg;
	command_run_init(&run, options, false, &sinks);
	ok = options->undo ? engine_undo(&run.engine) : engine_migrate(&run.engine);
	command_run_end(&run, ok);
	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(keep);
}

/*
 * Everything in the caller's transaction (Flyway's group = true): the lock
 * is transaction-level, and a ROLLBACK by the caller undoes it all.
 */
static void
apply_single_transaction(const CallOptions *options, ResultSink sink, void *sink_arg)
{
	EngineSinks sinks;
	CommandRun	run;

	memset(&sinks, 0, sizeof(sinks));
	sinks.applied = sink;
	sinks.arg = sink_arg;
	command_run_init(&run, options, true, &sinks);
	command_run_end(&run, engine_migrate(&run.engine));
}

void
command_apply(const CallOptions *options, ResultSink sink, void *sink_arg)
{
	if (options->single_transaction && !options->undo)
		apply_single_transaction(options, sink, sink_arg);
	else
		apply_toplevel(options, sink, sink_arg);
}

/*
 * command_apply_needed
 *		Whether a per-migration apply has anything to do, decided in the
 *		caller's session before a worker is started: a no-op apply then costs
 *		no worker.  Validation errors are raised here as the worker would.
 *		It reads in a subtransaction that is rolled back, so the caller keeps
 *		no lock on the history table while the worker runs (a migration that
 *		alters that table would otherwise wait for us forever).
 */
bool
command_apply_needed(CallOptions *options)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	volatile bool needed = true;

	BeginInternalSubTransaction(NULL);
	PG_TRY();
	{
		EngineSinks sinks;
		CommandRun	run;
		bool		pending;

		MemoryContextSwitchTo(reset_work_context());
		memset(&sinks, 0, sizeof(sinks));
		command_run_init(&run, options, true, &sinks);
		if (!engine_migrate_needed(&run.engine, &pending))
			ereport_migrate_error(&run.engine.error);
		needed = pending;
		if (run.engine.history.exists)
		{
			/* the check warned about badly named files and missing locations already */
			options->names_reported = true;

			/*
			 * Checksums that had to be computed are saved by the worker,
			 * once, so the next session's call only stats the files.
			 */
			needed = needed || locations_unsaved_checksums() > 0;
		}
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
		ReThrowError(edata);
	}
	PG_END_TRY();
	RollbackAndReleaseCurrentSubTransaction();
	MemoryContextSwitchTo(oldcxt);
	CurrentResourceOwner = oldowner;
	return needed;
}

/*
 * command_plan
 *		The dry run: every statement migrate_apply() (or migrate_undo()) would
 *		run now, in order, callbacks included, with placeholders replaced,
 *		transaction boundaries and the history statements.  Writes nothing
 *		and takes no lock; it refuses what the run would refuse.
 *		execution_time in the history INSERTs is measured at apply time and is
 *		shown as 0.
 */
void
command_plan(const CallOptions *options, PlanSink sink, void *sink_arg)
{
	EngineSinks sinks;
	CommandRun	run;

	MemoryContext oldcxt = MemoryContextSwitchTo(reset_work_context());

	memset(&sinks, 0, sizeof(sinks));
	sinks.planned = sink;
	sinks.arg = sink_arg;
	command_run_init(&run, options, true, &sinks);
	command_run_end(&run, engine_plan(&run.engine, options->undo));
	MemoryContextSwitchTo(oldcxt);
}

/*
 * command_info
 *		What "flyway info" shows, one row per script or history row.
 */
void
command_info(const CallOptions *options, InfoSink sink, void *sink_arg)
{
	EngineSinks sinks;
	CommandRun	run;

	MemoryContext oldcxt = MemoryContextSwitchTo(reset_work_context());

	memset(&sinks, 0, sizeof(sinks));
	sinks.info = sink;
	sinks.arg = sink_arg;
	command_run_init(&run, options, true, &sinks);
	command_run_end(&run, engine_info(&run.engine));
	MemoryContextSwitchTo(oldcxt);
}

/*
 * command_validate
 *		"flyway validate": every problem is one error; otherwise the number of
 *		migrations validated.
 */
int
command_validate(const CallOptions *options)
{
	EngineSinks sinks;
	CommandRun	run;
	int			validated = 0;
	MemoryContext oldcxt = MemoryContextSwitchTo(reset_work_context());

	memset(&sinks, 0, sizeof(sinks));
	command_run_init(&run, options, true, &sinks);
	command_run_end(&run, engine_validate(&run.engine, &validated));
	MemoryContextSwitchTo(oldcxt);
	return validated;
}

/*
 * command_baseline
 *		"flyway baseline": record the current state of a database that was
 *		not built by migrations as the given version (NULL: the settings').
 */
void
command_baseline(const char *version, const char *description, BaselineSink sink, void *sink_arg)
{
	CallOptions options;
	EngineSinks sinks;
	CommandRun	run;

	settings_only(&options);
	memset(&sinks, 0, sizeof(sinks));
	sinks.baselined = sink;
	sinks.arg = sink_arg;
	command_run_init(&run, &options, true, &sinks);
	command_run_end(&run, engine_baseline(&run.engine, version, description));
}

/*
 * command_repair
 *		"flyway repair": remove failed rows, mark missing migrations deleted,
 *		realign checksums and descriptions to the scripts.
 */
void
command_repair(const CallOptions *options, RepairSink sink, void *sink_arg)
{
	EngineSinks sinks;
	CommandRun	run;

	memset(&sinks, 0, sizeof(sinks));
	sinks.repaired = sink;
	sinks.arg = sink_arg;
	command_run_init(&run, options, true, &sinks);
	command_run_end(&run, engine_repair(&run.engine));
}

/*
 * command_clean
 *		"flyway clean", refused while pg_migrate.clean_disabled is on: in the
 *		caller's transaction, so a failure (or the caller's ROLLBACK) drops
 *		nothing.  One row per object dropped.
 */
void
command_clean(CleanSink sink, void *sink_arg)
{
	CallOptions options;
	EngineSinks sinks;
	CommandRun	run;

	settings_only(&options);
	memset(&sinks, 0, sizeof(sinks));
	sinks.cleaned = sink;
	sinks.arg = sink_arg;
	command_run_init(&run, &options, true, &sinks);
	command_run_end(&run, engine_clean(&run.engine));
}
