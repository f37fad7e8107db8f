/*-------------------------------------------------------------------------
 *
 * flyway_config.h
 *	  Flyway's configuration as the pg_migrate command and the Lambda read
 *	  it: -key=value flags, FLYWAY_* environment variables and flyway.conf
 *	  files, with Flyway's precedence (flags over environment over files
 *	  over defaults).
 *
 * Frontend code (postgres_fe.h, libpgcommon): the command and the Lambda
 * handler both link it.  Every value remembers where it came from, so an
 * error can say "-outOfOrder" or "flyway.conf:12" or "FLYWAY_GROUP".
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLYWAY_CONFIG_H
#define FLYWAY_CONFIG_H

/* The settings pg_migrate understands, by Flyway's names. */
typedef enum FlywayKey
{
	FK_URL,
	FK_USER,
	FK_PASSWORD,
	FK_LOCATIONS,
	FK_PLACEHOLDER_REPLACEMENT,
	FK_TARGET,
	FK_OUT_OF_ORDER,
	FK_TABLE,
	FK_SCHEMAS,
	FK_DEFAULT_SCHEMA,
	FK_BASELINE_ON_MIGRATE,
	FK_BASELINE_VERSION,
	FK_BASELINE_DESCRIPTION,
	FK_GROUP,
	FK_MIXED,
	FK_VALIDATE_MIGRATION_NAMING,
	FK_INSTALLED_BY,
	FK_CONNECT_RETRIES,
	FK_CONNECT_RETRIES_INTERVAL,
	FK_OUTPUT_TYPE,
	FK_CONFIG_FILES,
	FK_IGNORE_MIGRATION_PATTERNS,
	FK_VALIDATE_ON_MIGRATE,
	FK_SKIP_EXECUTING_MIGRATIONS,
	FK_CHERRY_PICK,
	FK_FAIL_ON_MISSING_LOCATIONS,
	FK_CREATE_SCHEMAS,
	FK_TABLESPACE,
	FK_LOCK_RETRY_COUNT,
	FK_POSTGRESQL_TRANSACTIONAL_LOCK,
	FK_SQL_MIGRATION_PREFIX,
	FK_SQL_MIGRATION_SEPARATOR,
	FK_SQL_MIGRATION_SUFFIXES,
	FK_REPEATABLE_SQL_MIGRATION_PREFIX,
	FK_UNDO_SQL_MIGRATION_PREFIX,
	FK_BASELINE_MIGRATION_PREFIX,
	FK_CLEAN_DISABLED,
	FK_PLACEHOLDER_PREFIX,
	FK_PLACEHOLDER_SUFFIX,
	FK_PLACEHOLDER_SEPARATOR,
	FK_WORKING_DIRECTORY,
	FK_ENVIRONMENT,
	FK_ENCODING,
	FK_FAIL_ON_MISSING_TARGET,
	FK_COUNT
} FlywayKey;

/* Where a value came from; a later source of higher rank replaces it. */
typedef enum ConfigSource
{
	SOURCE_DEFAULT = 0,
	SOURCE_FILE,
	SOURCE_ENVIRONMENT,
	SOURCE_FLAG
} ConfigSource;

typedef struct ConfigValue
{
	char	   *value;			/* NULL: not set */
	ConfigSource source;
	char	   *origin;			/* "-url", "FLYWAY_URL", "flyway.conf:3" */
} ConfigValue;

typedef struct Placeholder
{
	char	   *name;			/* as written; Flyway matches case-insensitively */
	ConfigValue value;
} Placeholder;

/*
 * One setting of a Flyway environment ([environments.NAME] in a flyway.toml,
 * or -environments.NAME.KEY): it applies only when NAME is the environment
 * chosen (flyway_config_apply_environment).
 */
typedef struct EnvironmentSetting
{
	char	   *environment;
	char	   *key;			/* the Flyway key it sets: "url", "placeholders.x" */
	ConfigValue value;
	char	   *unresolved;		/* why the value could not be read, or NULL */
} EnvironmentSetting;

typedef struct FlywayConfig
{
	ConfigValue values[FK_COUNT];
	Placeholder *placeholders;
	int			nplaceholders;
	EnvironmentSetting *environment_settings;
	int			nenvironment_settings;
	char	  **commands;		/* the words that are not flags: migrate, info, ... */
	int			ncommands;
} FlywayConfig;

extern void flyway_config_init(FlywayConfig *config);
extern void flyway_config_free(FlywayConfig *config);

/*
 * Each returns false with *error set (malloc'd, naming the setting and where
 * it came from) on an unknown key or a value of the wrong kind.
 */
extern bool flyway_config_set(FlywayConfig *config, const char *key, const char *value,
							  ConfigSource source, const char *origin, char **error);

/*
 * A setting whose value could not be resolved (a flyway.toml's ${env.NAME}
 * naming an unset variable): in an environment, the error waits until that
 * environment is chosen, as Flyway resolves only the environment it uses;
 * anywhere else it is the error now.
 */
extern bool flyway_config_set_unresolved(FlywayConfig *config, const char *key,
										 ConfigSource source, const char *origin,
										 const char *why, char **error);
extern bool flyway_config_read_args(FlywayConfig *config, int argc, char *const *argv,
									char **error);
extern bool flyway_config_read_environment(FlywayConfig *config, char *const *environ,
										   char **error);
extern bool flyway_config_read_conf_text(FlywayConfig *config, const char *path,
										 const char *text, char **error);
extern bool flyway_config_read_conf_file(FlywayConfig *config, const char *path,
										 bool must_exist, char **error);

/*
 * A flyway.toml (flyway_toml_config.c, in the command only): [flyway] keys
 * as flyway.conf's, [environments.NAME] tables as environment settings.
 */
extern bool flyway_config_read_toml_text(FlywayConfig *config, const char *path,
										 const char *text, char **error);

/*
 * Apply the settings of the environment chosen by -environment /
 * FLYWAY_ENVIRONMENT / flyway.environment ("default" when none is): they
 * win over [flyway]'s at the same rank, and lose to higher ranks (an
 * environment read from a file loses to FLYWAY_URL and to -url).  An
 * environment named but defined nowhere is an error.
 */
extern bool flyway_config_apply_environment(FlywayConfig *config, char **error);

/*
 * Everything in Flyway's order: the flags and environment are read first to
 * find -configFiles / FLYWAY_CONFIG_FILES; without them ~/flyway.conf,
 * ./flyway.conf, then ~/flyway.toml, ~/flyway.user.toml, ./flyway.toml and
 * ./flyway.user.toml are read when present (a later file wins); last the
 * chosen environment is applied.  home may be NULL.
 */
extern bool flyway_config_load(FlywayConfig *config, int argc, char *const *argv,
							   char *const *environ, const char *home, char **error);

/*
 * The files -configFiles / FLYWAY_CONFIG_FILES names, flyway.conf or (name
 * ending .toml) flyway.toml files; relative ones under base_dir (NULL: cwd).
 */
extern bool flyway_config_read_named_files(FlywayConfig *config, const char *base_dir,
										   char **error);

extern const char *flyway_config_get(const FlywayConfig *config, FlywayKey key);
extern const ConfigValue *flyway_config_value(const FlywayConfig *config, FlywayKey key);
extern bool flyway_config_bool(const FlywayConfig *config, FlywayKey key);
extern int	flyway_config_int(const FlywayConfig *config, FlywayKey key);
extern const char *flyway_key_name(FlywayKey key);

/*
 * The Flyway settings pg_migrate recognises and refuses ("is not supported
 * by pg_migrate"), i from 0 while non-NULL; keys ending in '.' are prefixes
 * (jdbcProperties.NAME).  docs/flyway-compatibility.md lists them all.
 */
extern const char *flyway_unsupported_key(int i);

/* A comma-separated setting (locations, schemas) split and trimmed. */
extern char **flyway_config_list(const FlywayConfig *config, FlywayKey key, int *count);
extern void flyway_config_list_free(char **items, int count);

/* Flyway's environment variable for a key: "baselineOnMigrate" -> FLYWAY_BASELINE_ON_MIGRATE */
extern char *flyway_env_name(const char *key);

#endif							/* FLYWAY_CONFIG_H */
