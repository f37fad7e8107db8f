/*-------------------------------------------------------------------------
 *
 * engine.h
 *	  The run, written once: migrate, undo, validate, info, baseline,
 *	  repair, clean and the dry run, with Flyway's order of lock, history table,
 *	  validation, callbacks, and each migration's transaction and history
 *	  row.  It works through an executor (executor.h), so the extension and
 *	  the command behave the same.
 *
 * Frontend-clean: builds in the server and with -DFRONTEND.  Errors are
 * returned (false, engine->error), never thrown.  Memory from palloc.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_MIGRATE_ENGINE_H
#define PG_MIGRATE_ENGINE_H

#include "executor.h"

/* What a run was asked for: settings in the server, flags in the command. */
typedef struct EngineOptions
{
	const char *schema;			/* defaultSchema: the history table's; NULL or "" = the
								 * first of schemas, else the current schema */
	char	  **schemas;		/* Flyway's schemas: the ones migrations manage */
	int			nschemas;
	bool		create_schemas; /* create the missing ones with the history table */
	const char *tablespace;		/* the history table's; NULL or "" = the default */
	int			lock_retry_count;	/* Flyway's lockRetryCount: -1 = wait for ever */
	const char *table;			/* NULL = flyway_schema_history */
	const char *target;			/* NULL = latest; undo: the version to go back to */
	bool		out_of_order;
	bool		validate_naming;	/* badly named files are an error, not a warning */
	bool		names_reported; /* badly named files and missing locations were warned about */
	bool		mixed;			/* a migration may mix statements that need no transaction */
	bool		baseline_on_migrate;
	const char *baseline_version;	/* NULL = "1" */
	const char *baseline_description;	/* NULL = "<< Flyway Baseline >>" */
	const char *installed_by;	/* NULL or "" = the session's user */
	bool		placeholder_replacement;
	const PlaceholderSet *placeholders; /* the user's; Flyway's built-ins are added */
	const char *ignore_migration_patterns;	/* NULL = Flyway's "*:future"; "" = none */
	bool		validate_on_migrate;	/* false: migrate does not validate first */
	bool		skip_executing_migrations;	/* record pending migrations, run nothing */
	const char *cherry_pick;	/* NULL or "" = every migration */
	bool		connect_callbacks;	/* the command: afterConnect runs on its connection */
	bool		connect_callbacks_ran;	/* ... and already ran there, in an earlier run */
	const char *naming[NAMING_SETTING_COUNT];	/* file-name conventions by
												 * NamingSetting; NULL = Flyway's */
	bool		clean_disabled; /* Flyway's cleanDisabled: clean is refused */
	const char *placeholder_prefix; /* NULL = "${" */
	const char *placeholder_suffix; /* NULL = "}" */
	const char *placeholder_separator;	/* NULL = ":" */
	const char *working_directory;	/* flyway:workingDirectory; NULL = the executor's */
	bool		missing_target_ok;	/* Flyway's failOnMissingTarget off: "N" is read as "N?" */
} EngineOptions;

/* A migration (or undo script) done, as migrate_apply() returns it. */
typedef struct AppliedResult
{
	const char *version;		/* NULL for repeatables */
	const char *description;
	const char *type;
	const char *script;
	int32		checksum;
	int			execution_time;
	const char *state;			/* "Success", "Out of Order", "Undone", ... */
	bool		starting;		/* only "this script starts now": no result yet */
} AppliedResult;

/* One line of migrate_info() / "pg_migrate info", in Flyway's order. */
typedef struct InfoRow
{
	const char *category;		/* "Versioned", "Repeatable", "Baseline", "Undo", "" */
	const char *version;		/* NULL for repeatables */
	const char *description;
	const char *type;
	const char *script;
	bool		checksum_null;
	int32		checksum;
	const char *installed_on;	/* NULL when not applied */
	const char *installed_by;
	int			execution_time;
	bool		applied;
	const char *state;			/* "Success", "Pending", "Failed (Missing)", ... */
} InfoRow;

typedef enum EngineNoticeLevel
{
	ENGINE_NOTICE,
	ENGINE_WARNING
} EngineNoticeLevel;

/* Where a command's results and messages go; any callback may be NULL. */
typedef struct EngineSinks
{
	void		(*applied) (const AppliedResult *result, void *arg);
	void		(*info) (const InfoRow *row, void *arg);
	void		(*baselined) (int rank, const char *version, const char *description, void *arg);
	void		(*repaired) (const char *action, const AppliedRow *row, void *arg);
	void		(*planned) (int seq, const char *script, int line, const char *statement, void *arg);
	void		(*notice) (EngineNoticeLevel level, const char *message, const char *detail,
						   const char *hint, void *arg);
	/* clean: an object dropped (object_type "schema": a whole schema) */
	void		(*cleaned) (const char *schema, const char *object_type, const char *name,
							void *arg);
	/* clean: a managed schema done, dropped whole or emptied */
	void		(*schema_cleaned) (const char *schema, bool dropped, void *arg);
	void	   *arg;
} EngineSinks;

/*
 * How the messages name the commands and settings a user would reach for:
 * the server's functions and settings, or the command's.
 */
typedef struct EngineWording
{
	const char *apply;			/* "migrate_apply()" | "pg_migrate migrate" */
	const char *undo;
	const char *repair;
	const char *baseline;
	const char *info;
	const char *call;			/* "call" | "run": "call migrate_apply() again" */
	const char *callback_again; /* "call the function again" */
	const char *mixed_on;		/* "SET pg_migrate.mixed = on" */
	const char *naming_off;		/* "turn pg_migrate.validate_naming off" */
	const char *naming_on;		/* "set pg_migrate.validate_naming = on" */
	const char *baseline_on_migrate_on; /* "SET pg_migrate.baseline_on_migrate = on" */
	const char *single_transaction; /* "single_transaction" | "-group=true" */
	const char *single_transaction_on;	/* "single_transaction => true" | "-group=true" */
	const char *placeholder_hint;	/* where a placeholder's value is set */
	const char *ignore_patterns_name;	/* "pg_migrate.ignore_migration_patterns" */
	const char *cherry_pick_name;	/* "pg_migrate.cherry_pick" */
	const char *skip_executing_name;	/* "pg_migrate.skip_executing_migrations" */
	const char *fail_on_missing_on; /* "SET pg_migrate.fail_on_missing_locations = on" */
	const char *locations_name; /* "pg_migrate.locations" */
	PlanWording plan;			/* validation's hints */
	const char *create_schemas_on;	/* "SET pg_migrate.create_schemas = on" */
	const char *schema_names;	/* "pg_migrate.schema (or pg_migrate.schemas)" */
	const char *fail_on_missing_target_off; /* "SET pg_migrate.fail_on_missing_target = off" */
	const char *lock_retry_count;	/* "pg_migrate.lock_retry_count" | "-lockRetryCount" */
	const char *const *naming_names;	/* the file-name settings by NamingSetting;
										 * NULL = Flyway's keys */
	const char *clean_disabled_name;	/* "pg_migrate.clean_disabled" | "-cleanDisabled" */
	const char *clean_disabled_off; /* "SET pg_migrate.clean_disabled = off" */
} EngineWording;

/* The server's wording (engine_init's default) and the command's. */
extern const EngineWording engine_wording_server;
extern const EngineWording engine_wording_command;

typedef struct Engine
{
	Executor   *ex;
	EngineOptions opts;
	EngineSinks sinks;
	const EngineWording *wording;

	/* filled in by a run */
	HistoryTableRef history;
	PlaceholderSet placeholders;
	FoundScripts scripts;
	AppliedRow **rows;
	int			nrows;
	MigrationPlan *plan;
	MigrationVersion highest_applied;	/* nparts == 0: none */
	int			executed;		/* scripts run by migrate or undo */
	bool		locked;
	bool		undo;			/* the run undoes (callbacks, wording) */
	bool		dry_run;		/* engine_plan(): nothing is reported as done */
	bool		refused;		/* the engine itself failed the run (engine_fail) */
	MigrateError error;			/* why the last call returned false */
	ScriptNaming naming;		/* opts.naming read: how scripts are named */
	bool		naming_read;
} Engine;

extern void engine_init(Engine *engine, Executor *ex, const EngineOptions *opts,
						const EngineSinks *sinks);

/* Refuse bad options (target, placeholders, file names) before anything runs. */
extern bool engine_check_options(Engine *engine);

/* The placeholder syntax and names alone (engine_check_options does this first). */
extern bool engine_check_placeholders(Engine *engine);

extern bool engine_migrate(Engine *engine);
extern bool engine_undo(Engine *engine);
extern bool engine_validate(Engine *engine, int *validated);
extern bool engine_info(Engine *engine);
extern bool engine_baseline(Engine *engine, const char *version, const char *description);
extern bool engine_repair(Engine *engine);

/*
 * Flyway's clean, refused while cleanDisabled is on: every object of the
 * managed schemas dropped (extension members kept), and the schemas the
 * history's SCHEMA marker says were created dropped whole, in one
 * transaction, under the lock.
 */
extern bool engine_clean(Engine *engine);

/*
 * The dry run: every statement migrate (or undo) would run now, through the
 * recording executor; it refuses what the run would refuse.
 */
extern bool engine_plan(Engine *engine, bool undo);

/*
 * Whether a migrate has anything to do (pending scripts or callbacks):
 * reads without the lock; validation errors are returned as migrate would.
 */
extern bool engine_migrate_needed(Engine *engine, bool *needed);

#endif							/* PG_MIGRATE_ENGINE_H */
