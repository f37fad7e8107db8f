/*-------------------------------------------------------------------------
 *
 * engine_options.c
 *	  The engine's options from Flyway's settings, for the pg_migrate
 *	  command (main.c) and the Lambda handler's client mode
 *	  (lambda/engine_client.c): one reading of the settings, so the two run
 *	  the same migrations the same way.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include "engine_options.h"
#include "script_encoding.h"

char *
engine_options_history_schema(const FlywayConfig *config)
{
	int			n;
	char	  **schemas;
	char	   *first;

	if (flyway_config_get(config, FK_DEFAULT_SCHEMA) != NULL)
		return pstrdup(flyway_config_get(config, FK_DEFAULT_SCHEMA));
	schemas = flyway_config_list(config, FK_SCHEMAS, &n);
	first = n > 0 ? pstrdup(schemas[0]) : NULL;
	flyway_config_list_free(schemas, n);
	return first;
}

char *
engine_options_working_directory(const FlywayConfig *config)
{
	const char *configured = flyway_config_get(config, FK_WORKING_DIRECTORY);
	char	   *absolute;
	char	   *result;

	/* make_absolute_path() mallocs; NULL (no current directory) on failure */
	absolute = make_absolute_path(configured ? configured : ".");
	if (absolute == NULL)
		return NULL;
	result = pstrdup(absolute);
	free(absolute);
	canonicalize_path(result);
	return result;
}

char	  **
engine_options_locations(const FlywayConfig *config, const char *working_directory,
						 int *count)
{
	char	  **locations = flyway_config_list(config, FK_LOCATIONS, count);

	for (int i = 0; working_directory != NULL && i < *count; i++)
	{
		char	   *entry = locations[i];
		const char *path = entry + 11;

		if (pg_strncasecmp(entry, "filesystem:", 11) != 0 || path[0] == '\0' ||
			is_absolute_path(path))
			continue;
		locations[i] = psprintf("filesystem:%s/%s", working_directory, path);
		pfree(entry);
	}
	return locations;
}

const char *
engine_options_encoding(const FlywayConfig *config)
{
	char	   *why = NULL;
	const char *encoding = script_encoding_canonical(flyway_config_get(config, FK_ENCODING), &why);

	return encoding ? encoding : SCRIPT_ENCODING_DEFAULT;
}

const FlywayKey engine_options_naming_keys[NAMING_SETTING_COUNT] = {
	[NAMING_SQL_MIGRATION_PREFIX] = FK_SQL_MIGRATION_PREFIX,
	[NAMING_SQL_MIGRATION_SEPARATOR] = FK_SQL_MIGRATION_SEPARATOR,
	[NAMING_SQL_MIGRATION_SUFFIXES] = FK_SQL_MIGRATION_SUFFIXES,
	[NAMING_REPEATABLE_PREFIX] = FK_REPEATABLE_SQL_MIGRATION_PREFIX,
	[NAMING_UNDO_PREFIX] = FK_UNDO_SQL_MIGRATION_PREFIX,
	[NAMING_BASELINE_PREFIX] = FK_BASELINE_MIGRATION_PREFIX,
};

void
engine_options_from_flyway(const FlywayConfig *config, EngineOptions *options,
						   PlaceholderSet *placeholders)
{
	memset(options, 0, sizeof(*options));
	options->schema = engine_options_history_schema(config);
	/* kept for the run: the engine creates the missing ones */
	options->schemas = flyway_config_list(config, FK_SCHEMAS, &options->nschemas);
	options->create_schemas = flyway_config_bool(config, FK_CREATE_SCHEMAS);
	options->tablespace = flyway_config_get(config, FK_TABLESPACE);
	options->lock_retry_count = flyway_config_int(config, FK_LOCK_RETRY_COUNT);
	options->table = flyway_config_get(config, FK_TABLE);
	options->target = flyway_config_get(config, FK_TARGET);
	options->out_of_order = flyway_config_bool(config, FK_OUT_OF_ORDER);
	options->validate_naming = flyway_config_bool(config, FK_VALIDATE_MIGRATION_NAMING);
	options->mixed = flyway_config_bool(config, FK_MIXED);
	options->baseline_on_migrate = flyway_config_bool(config, FK_BASELINE_ON_MIGRATE);
	options->baseline_version = flyway_config_get(config, FK_BASELINE_VERSION);
	options->baseline_description = flyway_config_get(config, FK_BASELINE_DESCRIPTION);
	options->installed_by = flyway_config_get(config, FK_INSTALLED_BY);
	options->placeholder_replacement = flyway_config_bool(config, FK_PLACEHOLDER_REPLACEMENT);
	options->connect_callbacks = true;	/* its own connection: afterConnect runs */
	placeholders_init(placeholders);
	for (int i = 0; i < config->nplaceholders; i++)
		placeholders_set(placeholders, config->placeholders[i].name,
						 config->placeholders[i].value.value ? config->placeholders[i].value.value : "");
	options->placeholders = placeholders;
	options->ignore_migration_patterns = flyway_config_get(config, FK_IGNORE_MIGRATION_PATTERNS);
	options->validate_on_migrate = flyway_config_bool(config, FK_VALIDATE_ON_MIGRATE);
	options->skip_executing_migrations = flyway_config_bool(config, FK_SKIP_EXECUTING_MIGRATIONS);
	options->cherry_pick = flyway_config_get(config, FK_CHERRY_PICK);
	options->missing_target_ok = !flyway_config_bool(config, FK_FAIL_ON_MISSING_TARGET);
	/* NULL when not given: the engine uses Flyway's defaults and checks them all */
	for (int i = 0; i < NAMING_SETTING_COUNT; i++)
		options->naming[i] = flyway_config_get(config, engine_options_naming_keys[i]);
	options->clean_disabled = flyway_config_bool(config, FK_CLEAN_DISABLED);
	options->placeholder_prefix = flyway_config_get(config, FK_PLACEHOLDER_PREFIX);
	options->placeholder_suffix = flyway_config_get(config, FK_PLACEHOLDER_SUFFIX);
	options->placeholder_separator = flyway_config_get(config, FK_PLACEHOLDER_SEPARATOR);
	options->working_directory = engine_options_working_directory(config);
}
