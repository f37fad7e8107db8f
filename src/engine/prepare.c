/*-------------------------------------------------------------------------
 *
 * prepare.c
 *	  Preparing a run, as Flyway does before it migrates: the history table
 *	  located (and locked, and created when missing), the scripts found and
 *	  checked (names, duplicates, versions the table can hold), the history
 *	  read, and Flyway's plan built and validated.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include "lib/stringinfo.h"

#include "engine_internal.h"
#include "interrupts.h"

static bool plan_options_of(Engine *engine, PlanOptions *plan_options);

/*
 * The file-name conventions read from the options, once: settings that
 * cannot name scripts are refused before anything is read or locked.
 */
static bool
prepare_naming(Engine *engine)
{
	const char *const *names = engine->wording->naming_names ?
		engine->wording->naming_names : naming_setting_keys;
	NamingSetting bad = NAMING_SQL_MIGRATION_PREFIX;
	char	   *why = NULL;

	if (engine->naming_read)
		return true;
	if (!script_naming_from_settings(engine->opts.naming, names, &engine->naming, &bad, &why))
	{
		engine->naming = script_naming_default;
		return engine_fail(engine, SQLSTATE_INVALID_PARAMETER_VALUE, why,
						   psprintf("Correct %s (Flyway's default is \"%s\"). Nothing was run.",
									names[bad], naming_setting_defaults[bad]),
						   "invalid %s \"%s\"", names[bad],
						   engine->opts.naming[bad] ? engine->opts.naming[bad] :
						   naming_setting_defaults[bad]);
	}
	engine->naming_read = true;
	return true;
}

/*
 * engine_check_options
 *		A bad target, ignore pattern or file-name convention is refused
 *		before anything runs.
 */
bool
engine_check_options(Engine *engine)
{
	PlanOptions plan_options;
	char	   *why = NULL;

	if (!prepare_naming(engine) || !engine_check_placeholders(engine))
		return false;
	if (!plan_parse_target(engine->opts.target, &plan_options, &why))
		return engine_fail(engine, SQLSTATE_INVALID_PARAMETER_VALUE, why,
						   "Give a version such as '2.1', 'latest', 'current' or 'next'.",
						   "invalid target \"%s\"", engine->opts.target);
	return plan_options_of(engine, &plan_options);
}

/*
 * engine_check_placeholders
 *		The placeholder syntax, and the user's names in it: a name in the
 *		built-ins' namespace would be overridden, and one that holds the
 *		suffix could never be written in a script.  Names only: values may
 *		be secret.
 */
bool
engine_check_placeholders(Engine *engine)
{
	const EngineOptions *opts = &engine->opts;
	const PlaceholderSet *user = opts->placeholders;
	PlaceholderSet syntax;
	char	   *why = NULL;

	if (!placeholders_syntax_valid(opts->placeholder_prefix, opts->placeholder_suffix,
								   opts->placeholder_separator, &why))
		return engine_fail(engine, SQLSTATE_INVALID_PARAMETER_VALUE, why,
						   "Change placeholderPrefix, placeholderSuffix or placeholderSeparator; Flyway's defaults are ${, } and :.",
						   "invalid placeholder syntax");
	placeholders_init(&syntax);
	placeholders_set_syntax(&syntax, opts->placeholder_prefix, opts->placeholder_suffix,
							opts->placeholder_separator);
	for (int i = 0; user != NULL && i < user->count; i++)
	{
		const char *builtin;

		CHECK_FOR_INTERRUPTS();
		if (placeholders_name_is_builtin(&syntax, user->names[i], &builtin))
			return engine_fail(engine, SQLSTATE_INVALID_PARAMETER_VALUE,
							   psprintf("Names starting with \"%s%s\" are Flyway's built-in placeholders.",
										PLACEHOLDER_BUILTIN_NAMESPACE, syntax.separator),
							   "Rename the placeholder.",
							   "placeholder \"%s\" cannot be set", user->names[i]);
		if (strstr(user->names[i], syntax.suffix) != NULL)
			return engine_fail(engine, SQLSTATE_INVALID_PARAMETER_VALUE,
							   "A name ends at the first placeholder suffix, so no script could use this one.",
							   "Rename the placeholder, or choose another placeholderSuffix.",
							   "placeholder name \"%s\" contains the placeholder suffix \"%s\"",
							   user->names[i], syntax.suffix);
	}
	return true;
}

/*
 * The history table, as Flyway places it: defaultSchema, else the first of
 * schemas, else the session's current schema.
 */
bool
prepare_locate_history(Engine *engine)
{
	SessionFacts facts;
	const char *schema = engine->opts.schema;
	const char *working_directory;

	if (!engine_check_placeholders(engine))
		return false;
	memset(&facts, 0, sizeof(facts));
	if (!prepare_naming(engine) || !engine->ex->ops->session_facts(engine->ex, &facts, &engine->error))
		return false;
	if ((schema == NULL || schema[0] == '\0') && engine->opts.nschemas > 0)
		schema = engine->opts.schemas[0];
	if (schema == NULL || schema[0] == '\0')
		schema = facts.current_schema;
	if (schema == NULL)
		return engine_fail(engine, "3F000",
						   "No schema is configured for it and no schema on the search_path exists.",
						   psprintf("Set %s, or fix search_path.", engine->wording->schema_names),
						   "cannot determine the schema of the history table");
	history_ref_init(&engine->history, schema, engine->opts.table);
	if (engine->opts.tablespace != NULL && engine->opts.tablespace[0] != '\0')
		engine->history.tablespace = pstrdup(engine->opts.tablespace);
	if (!engine->ex->ops->history_probe(engine->ex, &engine->history, &engine->error))
		return false;

	/* Flyway's built-in placeholders, in the configured syntax */
	placeholders_init(&engine->placeholders);
	placeholders_set_syntax(&engine->placeholders, engine->opts.placeholder_prefix,
							engine->opts.placeholder_suffix, engine->opts.placeholder_separator);
	if (engine->opts.placeholders != NULL)
	{
		for (int i = 0; i < engine->opts.placeholders->count; i++)
		{
			CHECK_FOR_INTERRUPTS();
			placeholders_set(&engine->placeholders, engine->opts.placeholders->names[i],
							 engine->opts.placeholders->values[i]);
		}
	}
	placeholders_set_builtin(&engine->placeholders, "defaultSchema", engine->history.schema);
	placeholders_set_builtin(&engine->placeholders, "user", facts.user ? facts.user : "");
	placeholders_set_builtin(&engine->placeholders, "database", facts.database ? facts.database : "");
	placeholders_set_builtin(&engine->placeholders, "timestamp", facts.timestamp ? facts.timestamp : "");
	placeholders_set_builtin(&engine->placeholders, "table", engine->history.table);
	placeholders_set_builtin(&engine->placeholders, "environment", "default");
	/* none when the server may not show it: a script using it is refused */
	working_directory = engine->opts.working_directory ? engine->opts.working_directory :
		facts.working_directory;
	if (working_directory != NULL)
		placeholders_set_builtin(&engine->placeholders, "workingDirectory", working_directory);
	if (engine->opts.installed_by == NULL || engine->opts.installed_by[0] == '\0')
		engine->opts.installed_by = pstrdup(facts.user ? facts.user : "");
	return true;
}

/*
 * The schemas Flyway manages: defaultSchema (when it is not among them),
 * then schemas; the history table's schema when neither is configured.
 */
char	  **
managed_schemas(Engine *engine, int *count)
{
	char	  **out = palloc(sizeof(char *) * (engine->opts.nschemas + 1));
	int			n = 0;

	out[n++] = engine->history.schema;
	for (int i = 0; i < engine->opts.nschemas; i++)
	{
		bool		seen = false;

		CHECK_FOR_INTERRUPTS();
		for (int j = 0; j < n; j++)
			seen = seen || strcmp(out[j], engine->opts.schemas[i]) == 0;
		if (!seen)
			out[n++] = engine->opts.schemas[i];
	}
	*count = n;
	return out;
}

/*
 * Whether a schema exists, asked through the executor's probe.  The
 * command's executor takes the scripts' first schema from what it probes:
 * after another schema, history_reprobe() probes the history's again.
 */
static bool
schema_exists(Engine *engine, const char *schema, bool *exists)
{
	HistoryTableRef probe;

	if (strcmp(schema, engine->history.schema) == 0)
	{
		*exists = engine->history.schema_exists;
		return true;
	}
	history_ref_init(&probe, schema, engine->history.table);
	if (!engine->ex->ops->history_probe(engine->ex, &probe, &engine->error))
		return false;
	*exists = probe.schema_exists;
	return true;
}

static bool
history_reprobe(Engine *engine, int nmanaged)
{
	HistoryTableRef again = engine->history;

	/* the history's own schema alone was probed: nothing to undo */
	if (nmanaged <= 1)
		return true;
	return engine->ex->ops->history_probe(engine->ex, &again, &engine->error);
}

/* Without createSchemas the history table's schema must exist already. */
static bool
require_history_schema(Engine *engine)
{
	if (engine->opts.create_schemas || engine->history.schema_exists)
		return true;
	return engine_fail(engine, "3F000",
					   "createSchemas is off, so pg_migrate creates no schema, and the history table needs one.",
					   psprintf("Create the schema, or %s.", engine->wording->create_schemas_on),
					   "schema \"%s\" of the history table %s does not exist",
					   engine->history.schema, engine->history.qualified);
}

/* The managed schemas that do not exist yet, which createSchemas makes with the history table. */
static bool
missing_schemas(Engine *engine, char ***missing, int *nmissing)
{
	int			nmanaged;
	char	  **managed = managed_schemas(engine, &nmanaged);

	*missing = palloc(sizeof(char *) * nmanaged);
	*nmissing = 0;
	for (int i = 0; i < nmanaged; i++)
	{
		bool		exists = false;

		CHECK_FOR_INTERRUPTS();
		if (!schema_exists(engine, managed[i], &exists))
			return false;
		if (!exists)
			(*missing)[(*nmissing)++] = managed[i];
	}
	return history_reprobe(engine, nmanaged);
}

/*
 * prepare_create_history
 *		Flyway's DDL in the open transaction: the missing managed schemas
 *		(createSchemas) and the history table, then one SCHEMA marker row
 *		listing the schemas created, as Flyway's DbSchemas writes it.
 */
bool
prepare_create_history(Engine *engine, bool *created_schemas)
{
	Executor   *ex = engine->ex;
	HistoryTableRef *history = &engine->history;
	char	  **missing = NULL;
	int			nmissing = 0;
	HistoryChange marker;

	*created_schemas = false;
	if (!require_history_schema(engine) || !missing_schemas(engine, &missing, &nmissing))
		return false;
	if (!engine->opts.create_schemas)
		nmissing = 0;
	if (!ex->ops->history_create(ex, history, missing, nmissing, &engine->error))
		return false;
	history->exists = history->schema_exists = true;
	if (nmissing == 0)
		return true;
	*created_schemas = true;
	memset(&marker, 0, sizeof(marker));
	marker.kind = HISTORY_INSERT;
	marker.description = "<< Flyway Schema Creation >>";
	marker.type = "SCHEMA";
	marker.script = history_schemas_marker(missing, nmissing);
	marker.checksum_null = true;
	marker.installed_by = engine->opts.installed_by;
	marker.success = true;
	return ex->ops->history_change(ex, history, &marker, NULL, &engine->error);
}

/* The existing managed schemas that hold objects, quoted and joined; "" = none. */
static bool
non_empty_schemas(Engine *engine, StringInfo list, int *count)
{
	int			nmanaged;
	char	  **managed = managed_schemas(engine, &nmanaged);

	for (int i = 0; i < nmanaged; i++)
	{
		HistoryTableRef probe;
		bool		exists = false;
		bool		empty = true;

		CHECK_FOR_INTERRUPTS();
		if (!schema_exists(engine, managed[i], &exists))
			return false;
		if (!exists)
			continue;
		history_ref_init(&probe, managed[i], engine->history.table);
		probe.schema_exists = true;
		if (!engine->ex->ops->history_schema_is_empty(engine->ex, &probe, &empty, &engine->error))
			return false;
		if (!empty)
			appendStringInfo(list, "%s%s", (*count)++ ? "," : "", history_quote_ident(managed[i]));
	}
	return history_reprobe(engine, nmanaged);
}

/*
 * Create the history table when missing, as Flyway's migrate does, in one
 * transaction with its SCHEMA marker (when schemas were created too) or
 * the baseline row; when a managed schema holds objects but there is no
 * history, it is baselined only when asked to.
 */
static bool
ensure_history(Engine *engine)
{
	Executor   *ex = engine->ex;
	HistoryTableRef *history = &engine->history;
	StringInfoData non_empty;
	bool		baseline;
	int			nnon_empty = 0;
	bool		created_schemas = false;
	HistoryChange change;

	if (history->exists)
		return true;
	initStringInfo(&non_empty);
	if (!require_history_schema(engine) || !non_empty_schemas(engine, &non_empty, &nnon_empty))
		return false;
	baseline = non_empty.len > 0;
	if (baseline && !engine->opts.baseline_on_migrate)
	{
		char	   *call = pstrdup(engine->wording->call);

		call[0] = pg_toupper((unsigned char) call[0]);
		return engine_fail(engine, SQLSTATE_OBJECT_NOT_IN_PREREQUISITE_STATE,
						   "Applying migrations to a schema whose objects they did not create could fail half-way.",
						   psprintf("%s %s to record the current state as a version, or %s.",
									call, engine->wording->baseline,
									engine->wording->baseline_on_migrate_on),
						   "found non-empty schema%s %s but no history table %s",
						   nnon_empty > 1 ? "s" : "", non_empty.data,
						   history->qualified);
	}

	/* Flyway's beforeCreateSchema and createSchema, before it creates the history's schema */
	if ((!history->schema_exists && !run_create_schema_callbacks(engine)) ||
		!ex->ops->begin(ex, &engine->error) ||
		!prepare_create_history(engine, &created_schemas))
		goto failed;
	memset(&change, 0, sizeof(change));
	change.kind = HISTORY_INSERT;
	change.checksum_null = true;
	change.installed_by = engine->opts.installed_by;
	change.success = true;
	change.version = engine->opts.baseline_version;
	change.description = engine->opts.baseline_description;
	change.type = "BASELINE";
	change.script = engine->opts.baseline_description;
	if (baseline && !ex->ops->history_change(ex, history, &change, NULL, &engine->error))
		goto failed;
	if (!ex->ops->commit(ex, &engine->error))
		goto failed;
	if (baseline && !engine->dry_run)
		engine_notice(engine, ENGINE_NOTICE,
					  psprintf("baselined schema%s %s at version %s",
							   nnon_empty > 1 ? "s" : "", non_empty.data,
							   engine->opts.baseline_version), NULL, NULL);
	return true;

failed:
	history->exists = false;
	if (!ex->ops->caller_transaction)
		ex->ops->rollback(ex);
	return false;
}

static bool
check_names(Engine *engine)
{
	FoundScripts *found = &engine->scripts;
	StringInfoData list;

	if (found->ninvalid == 0 || engine->opts.names_reported)
		return true;
	initStringInfo(&list);
	for (int i = 0; i < found->ninvalid; i++)
	{
		CHECK_FOR_INTERRUPTS();
		appendStringInfo(&list, "%s%s", list.len ? "\n" : "", found->invalid_names[i]);
	}
	if (engine->opts.validate_naming)
		return engine_fail(engine, SQLSTATE_INVALID_NAME, list.data,
						   psprintf("Rename the files (%s, %s), or %s to skip them.",
									script_naming_example(&engine->naming, SCRIPT_VERSIONED, NULL),
									script_naming_example(&engine->naming, SCRIPT_REPEATABLE, NULL),
									engine->wording->naming_off),
						   "invalid migration script names found");
	engine_notice(engine, ENGINE_WARNING,
				  psprintf("%d SQL file(s) skipped because their names do not follow the naming convention",
						   found->ninvalid),
				  list.data,
				  psprintf("Rename them, or %s to make this an error.", engine->wording->naming_on));
	return true;
}

/*
 * Folder locations that do not exist contributed no scripts: a warning, as
 * Flyway's (failOnMissingLocations off; on, the executor refused them).
 */
static bool
warn_missing_locations(Engine *engine)
{
	const FoundScripts *found = &engine->scripts;
	StringInfoData list;

	if (found->nmissing_locations == 0 || engine->opts.names_reported)
		return true;
	initStringInfo(&list);
	for (int i = 0; i < found->nmissing_locations; i++)
	{
		CHECK_FOR_INTERRUPTS();
		appendStringInfo(&list, "%s%s", i ? ", " : "", found->missing_locations[i]);
	}
	engine_notice(engine, ENGINE_WARNING,
				  found->nmissing_locations == 1 ?
				  psprintf("location %s does not exist; skipping it", list.data) :
				  psprintf("locations %s do not exist; skipping them", list.data),
				  "A location that does not exist contributes no scripts.",
				  psprintf("Create the folder or correct %s; %s makes this an error.",
						   engine->wording->locations_name, engine->wording->fail_on_missing_on));
	return true;
}

static bool
check_duplicates(Engine *engine)
{
	const ResolvedScript *a = NULL;
	const ResolvedScript *b = NULL;

	if (plan_find_duplicates(engine->scripts.scripts, engine->scripts.nscripts, &a, &b) == 0)
		return true;
	if (a->kind == SCRIPT_REPEATABLE)
		return engine_fail(engine, SQLSTATE_DUPLICATE_OBJECT,
						   psprintf("Offenders: \"%s\" and \"%s\".", a->path, b->path),
						   "Rename or remove one of them; nothing was applied.",
						   "found more than one repeatable migration with description \"%s\"",
						   a->description);
	return engine_fail(engine, SQLSTATE_DUPLICATE_OBJECT,
					   psprintf("Offenders: \"%s\" and \"%s\".", a->path, b->path),
					   "Versions compare as numbers (1 = 1.0 = 001); give one of them another version. Nothing was applied.",
					   "found more than one migration with version %s", a->version.text);
}

/*
 * A version the history table's column cannot hold is refused while
 * planning, naming the file, before anything runs: the INSERT after the
 * migration would fail, and on every later run again.
 */
static bool
check_recordable_versions(Engine *engine)
{
	for (int i = 0; i < engine->scripts.nscripts; i++)
	{
		const ResolvedScript *script = engine->scripts.scripts[i];
		char	   *why = NULL;

		CHECK_FOR_INTERRUPTS();
		if (script->kind == SCRIPT_REPEATABLE || version_fits_history(script->version.text, &why))
			continue;
		return engine_fail(engine, SQLSTATE_INVALID_NAME,
						   psprintf("Its version %s. The script was read from \"%s\".", why, script->path),
						   psprintf("Rename the file with a version of at most %d characters. Nothing was applied.",
									HISTORY_VERSION_CHARS),
						   "version of migration %s is too long for the history table", script->script);
	}
	return true;
}

/*
 * The target (undo's target is planned by plan_undo()), the ignore patterns
 * and cherryPick as the plan reads them.
 */
static bool
plan_options_of(Engine *engine, PlanOptions *plan_options)
{
	char	   *why = NULL;

	memset(plan_options, 0, sizeof(PlanOptions));
	if (!plan_parse_target(engine->undo ? NULL : engine->opts.target, plan_options, &why))
		return engine_fail(engine, SQLSTATE_INVALID_PARAMETER_VALUE, why,
						   "Give a version such as '2.1', 'latest', 'current' or 'next'.",
						   "invalid target \"%s\"", engine->opts.target);
	/* failOnMissingTarget off: every target version as if written "N?" */
	if (engine->opts.missing_target_ok)
		plan_options->target_optional = true;
	if (!plan_parse_ignore_patterns(engine->opts.ignore_migration_patterns, plan_options, &why))
		return engine_fail(engine, SQLSTATE_INVALID_PARAMETER_VALUE, why,
						   psprintf("Set %s to a comma-separated list of type:status, such as '*:missing,versioned:ignored'; type is *, versioned or repeatable, status is *, missing, pending, ignored or future.",
									engine->wording->ignore_patterns_name),
						   "invalid %s \"%s\"", engine->wording->ignore_patterns_name,
						   engine->opts.ignore_migration_patterns);
	if (!plan_parse_cherry_pick(engine->undo ? NULL : engine->opts.cherry_pick, plan_options, &why))
		return engine_fail(engine, SQLSTATE_INVALID_PARAMETER_VALUE, why,
						   "Give a comma-separated list of versions and repeatable descriptions.",
						   "invalid %s \"%s\"", engine->wording->cherry_pick_name,
						   engine->opts.cherry_pick);
	plan_options->out_of_order = engine->opts.out_of_order;
	plan_options->wording = &engine->wording->plan;
	plan_options->naming = &engine->naming;
	return true;
}

/*
 * The scripts found and checked (names, duplicates, versions the table can
 * hold): before the history table is created, so a run they refuse leaves
 * nothing behind.
 */
bool
prepare_scripts(Engine *engine)
{
	Executor   *ex = engine->ex;
	PlanOptions plan_options;

	return prepare_naming(engine) && plan_options_of(engine, &plan_options) &&
		ex->ops->find_scripts(ex, &engine->naming, &engine->placeholders, &engine->scripts,
							  &engine->error) &&
		warn_missing_locations(engine) && check_names(engine) && check_callback_events(engine) &&
		check_duplicates(engine) && check_recordable_versions(engine) && run_connect_callbacks(engine);
}

/* The history read and Flyway's plan built, from the scripts found. */
static bool
prepare_history_plan(Engine *engine, bool for_validate)
{
	Executor   *ex = engine->ex;
	PlanOptions plan_options;
	char	   *why = NULL;

	if (!plan_options_of(engine, &plan_options))
		return false;
	engine->rows = NULL;
	engine->nrows = 0;
	if (engine->history.exists &&
		!ex->ops->history_read(ex, &engine->history, &engine->rows, &engine->nrows, &engine->error))
		return false;
	engine->plan = plan_build(engine->scripts.scripts, engine->scripts.nscripts,
							  engine->rows, engine->nrows, &plan_options, for_validate);
	memset(&engine->highest_applied, 0, sizeof(MigrationVersion));
	if (engine->plan->current_version)
		(void) version_parse(engine->plan->current_version, &engine->highest_applied, &why);
	return true;
}

/* Scripts and history read, Flyway's plan built. */
bool
prepare_plan(Engine *engine, bool for_validate)
{
	return prepare_scripts(engine) && prepare_history_plan(engine, for_validate);
}

bool
prepare_run(Engine *engine, PrepareLock lock, bool create_history, bool for_validate)
{
	Executor   *ex = engine->ex;

	if (!prepare_locate_history(engine))
		return false;
	if (lock == PREPARE_LOCK)
	{
		if (!ex->ops->lock(ex, &engine->history, engine->opts.lock_retry_count, &engine->error))
			return false;
		engine->locked = true;
		/* what is there now, under the lock, decides */
		if (!ex->ops->history_probe(ex, &engine->history, &engine->error))
			return false;
	}
	if (!create_history)
		return prepare_plan(engine, for_validate);
	return prepare_scripts(engine) && ensure_history(engine) &&
		prepare_history_plan(engine, for_validate);
}

/* A target version that no script or row has (Flyway names it too). */
static bool
check_target_exists(Engine *engine)
{
	if (!engine->plan->target_missing)
		return true;
	return engine_fail(engine, SQLSTATE_INVALID_PARAMETER_VALUE, NULL,
					   psprintf("Check the target, or end it with '?' (for example '%s?') to accept a version that does not exist, or %s.",
								engine->opts.target, engine->wording->fail_on_missing_target_off),
					   "no migration with the target version %s could be found",
					   engine->opts.target);
}

bool
prepare_check_unvalidated(Engine *engine)
{
	const AppliedRow *row = engine->plan->failed_row;

	if (!check_target_exists(engine))
		return false;
	if (!engine->plan->has_failed_row)
		return true;
	return engine_fail(engine, SQLSTATE_OBJECT_NOT_IN_PREREQUISITE_STATE,
					   psprintf("The history table %s holds a failed row for %s.",
								engine->history.qualified, row->script),
					   psprintf("Clean up what it left behind, then %s %s. Nothing was applied.",
								engine->wording->call, engine->wording->repair),
					   row->version ? "the schema contains a failed migration to version %s" :
					   "the schema contains a failed repeatable migration %s",
					   row->version ? row->version : row->description);
}

/* Raise every validation problem at once, as Flyway does. */
bool
prepare_check_plan(Engine *engine, const char *what)
{
	MigrationPlan *plan = engine->plan;
	StringInfoData detail;
	bool		checksum = false;

	if (!check_target_exists(engine))
		return false;
	if (plan->nerrors == 0)
		return true;

	initStringInfo(&detail);
	for (int i = 0; i < plan->nerrors; i++)
	{
		PlanError  *e = &plan->errors[i];

		CHECK_FOR_INTERRUPTS();
		appendStringInfo(&detail, "%s%s%s%s", i ? "\n" : "", e->message,
						 e->detail ? "\n" : "", e->detail ? e->detail : "");
		if (strcmp(e->code, "CHECKSUM_MISMATCH") == 0)
			checksum = true;
	}
	return engine_fail(engine, SQLSTATE_OBJECT_NOT_IN_PREREQUISITE_STATE, detail.data,
					   checksum ?
					   psprintf("Revert the changes to the applied scripts, or %s %s to accept them. Nothing was applied.",
								engine->wording->call, engine->wording->repair) :
					   psprintf("Fix the scripts or the history (%s removes failed rows and marks missing scripts deleted). Nothing was applied.",
								engine->wording->repair),
					   plan->nerrors == 1 ? "%s failed: %s" : "%s failed: %s migrations have failed validation",
					   what, plan->nerrors == 1 ? plan->errors[0].message : psprintf("%d", plan->nerrors));
}
