/*-------------------------------------------------------------------------
 *
 * flyway_config.c
 *	  Read Flyway's configuration: -key=value flags, FLYWAY_* environment
 *	  variables, flyway.conf and flyway.toml files, with Flyway's
 *	  precedence, and Flyway 10's environments.
 *
 * A key pg_migrate does not know is an error that names it and where it
 * was read; a Flyway key that pg_migrate does not support yet is an error
 * that says so.  Nothing is silently ignored.  Values are never put into
 * an error message (a password may be among them), only keys and origins.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <ctype.h>
#include <limits.h>

#include "lib/stringinfo.h"

#include "flyway_config.h"
#include "properties.h"
#include "script_encoding.h"

typedef enum ValueKind
{
	KIND_TEXT,
	KIND_BOOL,
	KIND_COUNT,					/* a non-negative integer */
	KIND_RETRIES,				/* a non-negative integer, or -1 for ever */
	KIND_OUTPUT_TYPE,
	KIND_NONEMPTY,				/* text that cannot be empty */
	KIND_ENCODING				/* a name script_encoding_canonical() knows */
} ValueKind;

typedef struct KeyDef
{
	FlywayKey	key;
	const char *name;
	ValueKind	kind;
	const char *default_value;
} KeyDef;

/* Indexed by FlywayKey; defaults are Flyway's (docs/cli.md lists them). */
static const KeyDef key_defs[FK_COUNT] = {
	{FK_URL, "url", KIND_TEXT, NULL},
	{FK_USER, "user", KIND_TEXT, NULL},
	{FK_PASSWORD, "password", KIND_TEXT, NULL},
	{FK_LOCATIONS, "locations", KIND_TEXT, "filesystem:sql"},
	{FK_PLACEHOLDER_REPLACEMENT, "placeholderReplacement", KIND_BOOL, "true"},
	{FK_TARGET, "target", KIND_TEXT, NULL},
	{FK_OUT_OF_ORDER, "outOfOrder", KIND_BOOL, "false"},
	{FK_TABLE, "table", KIND_TEXT, "flyway_schema_history"},
	{FK_SCHEMAS, "schemas", KIND_TEXT, NULL},
	{FK_DEFAULT_SCHEMA, "defaultSchema", KIND_TEXT, NULL},
	{FK_BASELINE_ON_MIGRATE, "baselineOnMigrate", KIND_BOOL, "false"},
	{FK_BASELINE_VERSION, "baselineVersion", KIND_TEXT, "1"},
	{FK_BASELINE_DESCRIPTION, "baselineDescription", KIND_TEXT, "<< Flyway Baseline >>"},
	{FK_GROUP, "group", KIND_BOOL, "false"},
	{FK_MIXED, "mixed", KIND_BOOL, "false"},
	{FK_VALIDATE_MIGRATION_NAMING, "validateMigrationNaming", KIND_BOOL, "false"},
	{FK_INSTALLED_BY, "installedBy", KIND_TEXT, NULL},
	{FK_CONNECT_RETRIES, "connectRetries", KIND_COUNT, "0"},
	{FK_CONNECT_RETRIES_INTERVAL, "connectRetriesInterval", KIND_COUNT, "120"},
	{FK_OUTPUT_TYPE, "outputType", KIND_OUTPUT_TYPE, NULL},
	{FK_CONFIG_FILES, "configFiles", KIND_TEXT, NULL},
	{FK_IGNORE_MIGRATION_PATTERNS, "ignoreMigrationPatterns", KIND_TEXT, "*:future"},
	{FK_VALIDATE_ON_MIGRATE, "validateOnMigrate", KIND_BOOL, "true"},
	{FK_SKIP_EXECUTING_MIGRATIONS, "skipExecutingMigrations", KIND_BOOL, "false"},
	{FK_CHERRY_PICK, "cherryPick", KIND_TEXT, NULL},
	{FK_FAIL_ON_MISSING_LOCATIONS, "failOnMissingLocations", KIND_BOOL, "false"},
	{FK_CREATE_SCHEMAS, "createSchemas", KIND_BOOL, "true"},
	{FK_TABLESPACE, "tablespace", KIND_TEXT, NULL},
	{FK_LOCK_RETRY_COUNT, "lockRetryCount", KIND_RETRIES, "50"},
	/* checked, no effect: the run holds its lock as a session lock anyway */
	{FK_POSTGRESQL_TRANSACTIONAL_LOCK, "postgresql.transactional.lock", KIND_BOOL, "true"},
	{FK_SQL_MIGRATION_PREFIX, "sqlMigrationPrefix", KIND_TEXT, NULL},
	{FK_SQL_MIGRATION_SEPARATOR, "sqlMigrationSeparator", KIND_TEXT, NULL},
	{FK_SQL_MIGRATION_SUFFIXES, "sqlMigrationSuffixes", KIND_TEXT, NULL},
	{FK_REPEATABLE_SQL_MIGRATION_PREFIX, "repeatableSqlMigrationPrefix", KIND_TEXT, NULL},
	{FK_UNDO_SQL_MIGRATION_PREFIX, "undoSqlMigrationPrefix", KIND_TEXT, NULL},
	{FK_BASELINE_MIGRATION_PREFIX, "baselineMigrationPrefix", KIND_TEXT, NULL},
	{FK_CLEAN_DISABLED, "cleanDisabled", KIND_BOOL, "true"},
	{FK_PLACEHOLDER_PREFIX, "placeholderPrefix", KIND_NONEMPTY, "${"},
	{FK_PLACEHOLDER_SUFFIX, "placeholderSuffix", KIND_NONEMPTY, "}"},
	{FK_PLACEHOLDER_SEPARATOR, "placeholderSeparator", KIND_NONEMPTY, ":"},
	{FK_WORKING_DIRECTORY, "workingDirectory", KIND_NONEMPTY, NULL},
	{FK_ENVIRONMENT, "environment", KIND_TEXT, "default"},
	{FK_ENCODING, "encoding", KIND_ENCODING, "UTF-8"},
	{FK_FAIL_ON_MISSING_TARGET, "failOnMissingTarget", KIND_BOOL, "true"},
};

/*
 * Flyway settings that pg_migrate does not implement (yet): recognised so
 * the error can say "not supported" rather than "unknown", and so a
 * FLYWAY_* variable of theirs is not mistaken for a typo.
 */
static const char *const unsupported_keys[] = {
	"batch", "callbackLocations", "callbacks",
	"cleanOnValidationError", "communityDBSupportEnabled",
	"configFileEncoding", "detectEncoding", "driver", "dryRunOutput",
	"errorOverrides", "executeInTransaction",
	"initSql", "jarDirs", "kerberosConfigFile",
	"licenseKey", "loggers", "outputLogsInJson", "outputProgress",
	"outputQueryResults", "powershellExecutable", "provisioner",
	"reportEnabled", "reportFilename", "resolvers",
	"scriptPlaceholderPrefix", "scriptPlaceholderSuffix", "skipDefaultCallbacks",
	"skipDefaultResolvers", "stream",
	/* prefixes of families of keys */
	"jdbcProperties.", "plugins.",
	NULL
};

/* What an [environments.NAME] table holds besides its flyway table */
static const char *const environment_keys[] = {
	"url", "user", "password", "schemas", "connectRetries", "connectRetriesInterval",
};
static const char *const unsupported_environment_keys[] = {
	"driver", "initSql", "token", "provisioner",
};

/* Flyway settings an environment's flyway table cannot override */
static const char *const not_per_environment_keys[] = {
	"environment", "cherryPick", "configFiles", "outputType",
};

static const char placeholder_prefix[] = "placeholders.";
static const char environments_prefix[] = "environments.";
static const char env_prefix[] = "FLYWAY_";
static const char env_placeholder_prefix[] = "FLYWAY_PLACEHOLDERS_";

/* Overwrite a value that may be a password before it is freed. */
static void
pfree_wiped(char *s)
{
	if (s != NULL)
	{
		volatile char *p = s;

		while (*p)
			*p++ = '\0';
		pfree(s);
	}
}

static void
value_clear(ConfigValue *v)
{
	pfree_wiped(v->value);
	if (v->origin != NULL)
		pfree(v->origin);
	memset(v, 0, sizeof(*v));
}

/* Replace when the new source ranks at least as high (later files win). */
static void
value_offer(ConfigValue *v, const char *value, ConfigSource source, const char *origin)
{
	if (v->value != NULL && source < v->source)
		return;
	value_clear(v);
	v->value = pstrdup(value);
	v->source = source;
	v->origin = pstrdup(origin);
}

void
flyway_config_init(FlywayConfig *config)
{
	memset(config, 0, sizeof(*config));
}

void
flyway_config_free(FlywayConfig *config)
{
	for (int i = 0; i < FK_COUNT; i++)
		value_clear(&config->values[i]);
	for (int i = 0; i < config->nplaceholders; i++)
	{
		pfree(config->placeholders[i].name);
		value_clear(&config->placeholders[i].value);
	}
	if (config->placeholders != NULL)
		pfree(config->placeholders);
	for (int i = 0; i < config->nenvironment_settings; i++)
	{
		pfree(config->environment_settings[i].environment);
		pfree(config->environment_settings[i].key);
		value_clear(&config->environment_settings[i].value);
		if (config->environment_settings[i].unresolved != NULL)
			pfree(config->environment_settings[i].unresolved);
	}
	if (config->environment_settings != NULL)
		pfree(config->environment_settings);
	for (int i = 0; i < config->ncommands; i++)
		pfree(config->commands[i]);
	if (config->commands != NULL)
		pfree(config->commands);
	memset(config, 0, sizeof(*config));
}

const char *
flyway_key_name(FlywayKey key)
{
	return key_defs[key].name;
}

static const KeyDef *
find_key(const char *name)
{
	for (int i = 0; i < FK_COUNT; i++)
		if (strcmp(key_defs[i].name, name) == 0)
			return &key_defs[i];
	return NULL;
}

const char *
flyway_unsupported_key(int i)
{
	return unsupported_keys[i];
}

static bool
in_list(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], name) == 0)
			return true;
	return false;
}

static bool
is_unsupported_key(const char *name)
{
	for (int i = 0; unsupported_keys[i] != NULL; i++)
	{
		size_t		len = strlen(unsupported_keys[i]);

		if (unsupported_keys[i][len - 1] == '.' ?
			strncmp(unsupported_keys[i], name, len) == 0 :
			strcmp(unsupported_keys[i], name) == 0)
			return true;
	}
	return false;
}

static bool
parse_count(const char *s, int *out)
{
	char	   *end;
	long		v;

	if (*s == '\0' || !isdigit((unsigned char) *s))
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end != '\0' || errno != 0 || v > INT_MAX)
		return false;
	*out = (int) v;
	return true;
}

/* A count, or -1 (lockRetryCount: for ever). */
static bool
parse_retries(const char *s, int *out)
{
	if (strcmp(s, "-1") == 0)
	{
		*out = -1;
		return true;
	}
	return parse_count(s, out);
}

/* Values are never quoted back: a mistyped one may be a password. */
static bool
check_kind(const KeyDef *def, const char *value, const char *origin, char **error)
{
	bool		b;
	int			n;
	char	   *why = NULL;

	switch (def->kind)
	{
		case KIND_BOOL:
			if (!properties_parse_bool(value, &b))
			{
				*error = psprintf("%s (%s) must be true or false", def->name, origin);
				return false;
			}
			break;
		case KIND_COUNT:
			if (!parse_count(value, &n))
			{
				*error = psprintf("%s (%s) must be a non-negative whole number", def->name, origin);
				return false;
			}
			break;
		case KIND_RETRIES:
			if (!parse_retries(value, &n))
			{
				*error = psprintf("%s (%s) must be a non-negative whole number, or -1 to wait for as long as it takes",
								  def->name, origin);
				return false;
			}
			break;
		case KIND_OUTPUT_TYPE:
			if (*value != '\0' && pg_strcasecmp(value, "json") != 0)
			{
				*error = psprintf("%s (%s) must be json, or empty for readable text",
								  def->name, origin);
				return false;
			}
			break;
		case KIND_NONEMPTY:
			if (*value == '\0')
			{
				*error = psprintf("%s (%s) cannot be empty", def->name, origin);
				return false;
			}
			break;
		case KIND_ENCODING:
			if (script_encoding_canonical(value, &why) == NULL)
			{
				*error = psprintf("%s (%s) names no encoding a script can be in: use UTF-8, ISO-8859-1, windows-1252, UTF-16 (with a byte-order mark), UTF-16LE, UTF-16BE, or another of PostgreSQL's",
								  def->name, origin);
				return false;
			}
			break;
		case KIND_TEXT:
			break;
	}
	return true;
}

static Placeholder *
find_placeholder(FlywayConfig *config, const char *name)
{
	for (int i = 0; i < config->nplaceholders; i++)
		if (pg_strcasecmp(config->placeholders[i].name, name) == 0)
			return &config->placeholders[i];
	return NULL;
}

static bool
set_placeholder(FlywayConfig *config, const char *name, const char *value,
				ConfigSource source, const char *origin, char **error)
{
	Placeholder *p;

	if (*name == '\0')
	{
		*error = psprintf("placeholder without a name (%s)", origin);
		return false;
	}
	p = find_placeholder(config, name);
	if (p == NULL)
	{
		Size		size = sizeof(Placeholder) * (config->nplaceholders + 1);

		config->placeholders = config->placeholders ?
			repalloc(config->placeholders, size) : palloc(size);
		p = &config->placeholders[config->nplaceholders++];
		memset(p, 0, sizeof(*p));
		p->name = pstrdup(name);
	}
	value_offer(&p->value, value, source, origin);
	return true;
}

/*
 * Is key (without "flyway.") a setting pg_migrate takes, with a value of
 * the right kind (value NULL: any)?  *def is its definition, NULL for a
 * placeholder.
 */
static bool
check_setting(const char *key, const char *value, const char *origin, const KeyDef **def,
			  char **error)
{
	*def = NULL;
	if (strncmp(key, placeholder_prefix, strlen(placeholder_prefix)) == 0)
	{
		if (key[strlen(placeholder_prefix)] == '\0')
		{
			*error = psprintf("placeholder without a name (%s)", origin);
			return false;
		}
		return true;
	}
	*def = find_key(key);
	if (*def == NULL)
	{
		if (is_unsupported_key(key))
			*error = psprintf("Flyway setting %s (%s) is not supported by pg_migrate; "
							  "see docs/flyway-compatibility.md", key, origin);
		else
			*error = psprintf("unknown setting %s (%s)", key, origin);
		return false;
	}
	return value == NULL || check_kind(*def, value, origin, error);
}

/*
 * Record a checked setting of one environment, for apply_environment; value
 * NULL: unresolved says why there is none.
 */
static void
add_environment_setting(FlywayConfig *config, const char *environment, const char *key,
						const char *value, ConfigSource source, const char *origin,
						const char *unresolved)
{
	EnvironmentSetting *setting = NULL;

	for (int i = 0; i < config->nenvironment_settings && setting == NULL; i++)
		if (strcmp(config->environment_settings[i].environment, environment) == 0 &&
			strcmp(config->environment_settings[i].key, key) == 0)
			setting = &config->environment_settings[i];
	if (setting == NULL)
	{
		Size		size = sizeof(EnvironmentSetting) * (config->nenvironment_settings + 1);

		config->environment_settings = config->environment_settings ?
			repalloc(config->environment_settings, size) : palloc(size);
		setting = &config->environment_settings[config->nenvironment_settings++];
		memset(setting, 0, sizeof(*setting));
		setting->environment = pstrdup(environment);
		setting->key = pstrdup(key);
	}
	if (setting->value.value != NULL && source < setting->value.source)
		return;
	value_offer(&setting->value, value ? value : "", source, origin);
	if (setting->unresolved != NULL)
		pfree(setting->unresolved);
	setting->unresolved = unresolved ? pstrdup(unresolved) : NULL;
}

/*
 * "environments.NAME.KEY": KEY is one of environment_keys, or flyway.X to
 * override the Flyway setting X for that environment, or displayName
 * (Flyway Desktop's label for it, of no use here).
 */
static bool
set_environment_setting(FlywayConfig *config, const char *key, const char *value,
						ConfigSource source, const char *origin, const char *unresolved,
						char **error)
{
	const char *name = key + strlen(environments_prefix);
	const char *dot = strchr(name, '.');
	const char *rest = dot ? dot + 1 : NULL;
	const KeyDef *def;
	char	   *environment;

	if (dot == NULL || dot == name || *rest == '\0')
	{
		*error = psprintf("setting %s (%s) names no environment and key, as in environments.NAME.url",
						  key, origin);
		return false;
	}
	if (strncmp(rest, "flyway.", 7) == 0)
	{
		rest += 7;
		if (in_list(rest, not_per_environment_keys, lengthof(not_per_environment_keys)))
		{
			*error = psprintf("Flyway setting %s (%s) cannot be set for one environment; "
							  "set it in [flyway]", key, origin);
			return false;
		}
	}
	else if (strcmp(rest, "displayName") == 0)
		return true;
	else if (!in_list(rest, environment_keys, lengthof(environment_keys)))
	{
		if (in_list(rest, unsupported_environment_keys, lengthof(unsupported_environment_keys)) ||
			strncmp(rest, "jdbcProperties.", 15) == 0 || strncmp(rest, "resolvers.", 10) == 0)
			*error = psprintf("Flyway setting %s (%s) is not supported by pg_migrate; "
							  "see docs/flyway-compatibility.md", key, origin);
		else
			*error = psprintf("unknown setting %s (%s); an environment holds url, user, password, "
							  "schemas, connectRetries, connectRetriesInterval and a flyway table",
							  key, origin);
		return false;
	}
	if (!check_setting(rest, value, origin, &def, error))
		return false;
	environment = pnstrdup(name, dot - name);
	add_environment_setting(config, environment, rest, value, source, origin, unresolved);
	pfree(environment);
	return true;
}

bool
flyway_config_set(FlywayConfig *config, const char *key, const char *value,
				  ConfigSource source, const char *origin, char **error)
{
	const KeyDef *def;

	if (strncmp(key, environments_prefix, strlen(environments_prefix)) == 0)
		return set_environment_setting(config, key, value, source, origin, NULL, error);
	if (!check_setting(key, value, origin, &def, error))
		return false;
	if (def == NULL)
		return set_placeholder(config, key + strlen(placeholder_prefix), value, source, origin,
							   error);
	value_offer(&config->values[def->key], value, source, origin);
	return true;
}

bool
flyway_config_set_unresolved(FlywayConfig *config, const char *key, ConfigSource source,
							 const char *origin, const char *why, char **error)
{
	if (strncmp(key, environments_prefix, strlen(environments_prefix)) == 0)
		return set_environment_setting(config, key, NULL, source, origin, why, error);
	*error = pstrdup(why);
	return false;
}

bool
flyway_config_apply_environment(FlywayConfig *config, char **error)
{
	const char *name = flyway_config_get(config, FK_ENVIRONMENT);
	bool		found = false;

	for (int i = 0; i < config->nenvironment_settings; i++)
	{
		EnvironmentSetting *setting = &config->environment_settings[i];
		const KeyDef *def;

		if (strcmp(setting->environment, name) != 0)
			continue;
		found = true;
		if (setting->unresolved != NULL)
		{
			*error = pstrdup(setting->unresolved);
			return false;
		}
		def = find_key(setting->key);
		if (def != NULL)
			value_offer(&config->values[def->key], setting->value.value, setting->value.source,
						setting->value.origin);
		else if (!set_placeholder(config, setting->key + strlen(placeholder_prefix),
								  setting->value.value, setting->value.source,
								  setting->value.origin, error))
			return false;
	}
	if (!found && config->values[FK_ENVIRONMENT].value != NULL && strcmp(name, "default") != 0)
	{
		*error = psprintf("environment %s (%s) is not defined: no [environments.%s] table in the "
						  "configuration files read, and no -environments.%s.url",
						  name, config->values[FK_ENVIRONMENT].origin, name, name);
		return false;
	}
	return true;
}

static void
add_command(FlywayConfig *config, const char *word)
{
	Size		size = sizeof(char *) * (config->ncommands + 1);

	config->commands = config->commands ? repalloc(config->commands, size) : palloc(size);
	config->commands[config->ncommands++] = pstrdup(word);
}

/*
 * Flyway's command line: "-key=value" options and command words, in any
 * order.  A value may itself contain '=' (a JDBC URL's parameters).
 */
bool
flyway_config_read_args(FlywayConfig *config, int argc, char *const *argv, char **error)
{
	for (int i = 0; i < argc; i++)
	{
		const char *arg = argv[i];
		const char *eq = strchr(arg, '=');
		char	   *key;
		char	   *origin;
		bool		ok;

		if (arg[0] != '-')
		{
			add_command(config, arg);
			continue;
		}
		if (eq == NULL || eq == arg + 1)
		{
			*error = psprintf("option %s needs a value, as in %s=VALUE", arg, arg);
			return false;
		}
		key = pnstrdup(arg + 1, eq - arg - 1);
		origin = psprintf("-%s", key);
		ok = flyway_config_set(config, key, eq + 1, SOURCE_FLAG, origin, error);
		pfree(key);
		pfree(origin);
		if (!ok)
			return false;
	}
	return true;
}

/* "baselineOnMigrate" -> "FLYWAY_BASELINE_ON_MIGRATE", as Flyway names them. */
char *
flyway_env_name(const char *key)
{
	StringInfoData name;

	initStringInfo(&name);
	appendStringInfoString(&name, env_prefix);
	for (const char *c = key; *c; c++)
	{
		if (*c == '.')
			appendStringInfoChar(&name, '_');
		else
		{
			if (isupper((unsigned char) *c))
				appendStringInfoChar(&name, '_');
			appendStringInfoChar(&name, pg_toupper((unsigned char) *c));
		}
	}
	return name.data;
}

static bool
env_name_is(const char *key, const char *env_name)
{
	char	   *candidate = flyway_env_name(key);
	bool		match = strcmp(candidate, env_name) == 0;

	pfree(candidate);
	return match;
}

/* The Flyway key an environment variable stands for, or NULL. */
static const char *
key_of_env_name(const char *env_name)
{
	for (int i = 0; i < FK_COUNT; i++)
		if (env_name_is(key_defs[i].name, env_name))
			return key_defs[i].name;
	for (int i = 0; unsupported_keys[i] != NULL; i++)
	{
		/* a family of keys: FLYWAY_JDBC_PROPERTIES_SSL is jdbcProperties.ssl */
		char	   *candidate = flyway_env_name(unsupported_keys[i]);
		bool		family = candidate[strlen(candidate) - 1] == '_';
		bool		match = family ?
			strncmp(candidate, env_name, strlen(candidate)) == 0 :
			strcmp(candidate, env_name) == 0;

		pfree(candidate);
		if (match)
			return unsupported_keys[i];
	}
	return NULL;
}

static bool
read_environment_variable(FlywayConfig *config, const char *name, const char *value,
						  char **error)
{
	const char *key;

	if (strncmp(name, env_placeholder_prefix, strlen(env_placeholder_prefix)) == 0)
	{
		/* lower-cased as Flyway does (ConfigUtils.convertKey) */
		char	   *placeholder = pstrdup(name + strlen(env_placeholder_prefix));
		bool		ok;

		for (char *c = placeholder; *c; c++)
			*c = pg_tolower((unsigned char) *c);
		ok = set_placeholder(config, placeholder, value, SOURCE_ENVIRONMENT, name, error);
		pfree(placeholder);
		return ok;
	}
	key = key_of_env_name(name);
	if (key == NULL)
	{
		*error = psprintf("unknown environment variable %s", name);
		return false;
	}
	return flyway_config_set(config, key, value, SOURCE_ENVIRONMENT, name, error);
}

bool
flyway_config_read_environment(FlywayConfig *config, char *const *environ, char **error)
{
	for (char *const *e = environ; e != NULL && *e != NULL; e++)
	{
		const char *eq = strchr(*e, '=');
		char	   *name;
		bool		ok;

		if (eq == NULL || strncmp(*e, env_prefix, strlen(env_prefix)) != 0)
			continue;
		name = pnstrdup(*e, eq - *e);
		ok = read_environment_variable(config, name, eq + 1, error);
		pfree(name);
		if (!ok)
			return false;
	}
	return true;
}

/* ${NAME} in a configuration file is the environment variable NAME, or empty. */
static char *
expand_environment(const char *value)
{
	StringInfoData out;

	initStringInfo(&out);
	for (const char *p = value; *p;)
	{
		const char *close = (p[0] == '$' && p[1] == '{') ? strchr(p + 2, '}') : NULL;

		if (close != NULL)
		{
			char	   *name = pnstrdup(p + 2, close - p - 2);
			const char *env = getenv(name);

			appendStringInfoString(&out, env ? env : "");
			pfree(name);
			p = close + 1;
		}
		else
			appendStringInfoChar(&out, *p++);
	}
	return out.data;
}

typedef struct ConfFileContext
{
	FlywayConfig *config;
	const char *path;
} ConfFileContext;

static bool
read_conf_property(const char *key, const char *value, int line, void *arg, char **error)
{
	ConfFileContext *context = arg;
	char	   *origin = psprintf("%s:%d", context->path, line);
	char	   *expanded;
	bool		ok;

	if (strncmp(key, "flyway.", 7) != 0)
	{
		*error = psprintf("%s: setting %s does not start with \"flyway.\"", origin, key);
		pfree(origin);
		return false;
	}
	expanded = expand_environment(value);
	ok = flyway_config_set(context->config, key + 7, expanded, SOURCE_FILE, origin, error);
	pfree_wiped(expanded);
	pfree(origin);
	return ok;
}

/* A flyway.conf: Java properties (properties.c) whose keys start "flyway.". */
bool
flyway_config_read_conf_text(FlywayConfig *config, const char *path, const char *text,
							 char **error)
{
	ConfFileContext context = {config, path};
	int			line = 0;

	/* a UTF-8 byte order mark */
	if (strncmp(text, "\xEF\xBB\xBF", 3) == 0)
		text += 3;
	return properties_parse(text, strlen(text), read_conf_property, &context, error, &line);
}

static bool
has_toml_suffix(const char *path)
{
	size_t		len = strlen(path);

	return len > 5 && strcmp(path + len - 5, ".toml") == 0;
}

#ifndef PG_MIGRATE_TOML
/*
 * Built without the TOML shim (the Lambda, the unit tests): toml++ is C++,
 * and the Lambda's bootstrap is a C program without C++'s runtime.
 */
bool
flyway_config_read_toml_text(FlywayConfig *config, const char *path, const char *text,
							 char **error)
{
	(void) config;
	(void) text;
	*error = psprintf("configuration file %s: this build of pg_migrate does not read flyway.toml "
					  "files (the Lambda is built without the C++ runtime that the TOML library "
					  "needs); use a flyway.conf file", path);
	return false;
}
#endif

/* A flyway.conf, or a flyway.toml when its name ends in .toml. */
bool
flyway_config_read_conf_file(FlywayConfig *config, const char *path, bool must_exist,
							 char **error)
{
	FILE	   *f = fopen(path, "rb");
	StringInfoData text;
	char		buf[8192];
	size_t		n;
	bool		ok;

	if (f == NULL)
	{
		if (!must_exist && errno == ENOENT)
			return true;
		*error = psprintf("could not read configuration file %s: %s", path, strerror(errno));
		return false;
	}
	initStringInfo(&text);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		appendBinaryStringInfo(&text, buf, n);
	ok = !ferror(f);
	fclose(f);
	explicit_bzero(buf, sizeof(buf));
	if (!ok)
		*error = psprintf("could not read configuration file %s", path);
	else if (strlen(text.data) != (size_t) text.len)
	{
		*error = psprintf("configuration file %s contains a zero byte", path);
		ok = false;
	}
	else if (has_toml_suffix(path))
		ok = flyway_config_read_toml_text(config, path, text.data, error);
	else
		ok = flyway_config_read_conf_text(config, path, text.data, error);
	explicit_bzero(text.data, text.len);
	pfree(text.data);
	return ok;
}

/*
 * -configFiles, or FLYWAY_CONFIG_FILES: a comma-separated list, later ones
 * winning; a relative path is read under base_dir (NULL: the working
 * directory).
 */
bool
flyway_config_read_named_files(FlywayConfig *config, const char *base_dir, char **error)
{
	int			count;
	char	  **paths = flyway_config_list(config, FK_CONFIG_FILES, &count);
	bool		ok = true;

	for (int i = 0; i < count && ok; i++)
	{
		char	   *path = base_dir != NULL && paths[i][0] != '/' ?
			psprintf("%s/%s", base_dir, paths[i]) : pstrdup(paths[i]);

		ok = flyway_config_read_conf_file(config, path, true, error);
		pfree(path);
	}
	flyway_config_list_free(paths, count);
	return ok;
}

/*
 * Without -configFiles: Flyway's default files that exist, a later one
 * winning; the flyway.conf ones first, so TOML wins where both are found.
 * The local ones are under -workingDirectory when it is given.
 */
static bool
read_default_files(FlywayConfig *config, const char *home, const char *working_directory,
				   char **error)
{
	static const struct
	{
		bool		in_home;
		const char *name;
	}			files[] = {
		{true, "flyway.conf"}, {false, "flyway.conf"},
		{true, "flyway.toml"}, {true, "flyway.user.toml"},
		{false, "flyway.toml"}, {false, "flyway.user.toml"},
	};

	for (size_t i = 0; i < lengthof(files); i++)
	{
		char	   *path;
		bool		ok;

		if (files[i].in_home && (home == NULL || *home == '\0'))
			continue;
		if (files[i].in_home)
			path = psprintf("%s/%s", home, files[i].name);
		else if (working_directory != NULL)
			path = psprintf("%s/%s", working_directory, files[i].name);
		else
			path = pstrdup(files[i].name);
		ok = flyway_config_read_conf_file(config, path, false, error);
		pfree(path);
		if (!ok)
			return false;
	}
	return true;
}

bool
flyway_config_load(FlywayConfig *config, int argc, char *const *argv,
				   char *const *environ, const char *home, char **error)
{
	const char *working_directory;
	bool		ok;

	if (!flyway_config_read_args(config, argc, argv, error) ||
		!flyway_config_read_environment(config, environ, error))
		return false;
	/* relative -configFiles and ./flyway.conf are read under it, as in Flyway */
	working_directory = flyway_config_get(config, FK_WORKING_DIRECTORY);
	if (flyway_config_get(config, FK_CONFIG_FILES) != NULL)
		ok = flyway_config_read_named_files(config, working_directory, error);
	else
		ok = read_default_files(config, home, working_directory, error);
	return ok && flyway_config_apply_environment(config, error);
}

const ConfigValue *
flyway_config_value(const FlywayConfig *config, FlywayKey key)
{
	return &config->values[key];
}

const char *
flyway_config_get(const FlywayConfig *config, FlywayKey key)
{
	if (config->values[key].value != NULL)
		return config->values[key].value;
	return key_defs[key].default_value;
}

/* Values were checked when set, so these only convert. */
bool
flyway_config_bool(const FlywayConfig *config, FlywayKey key)
{
	const char *s = flyway_config_get(config, key);
	bool		b = false;

	return s != NULL && properties_parse_bool(s, &b) && b;
}

int
flyway_config_int(const FlywayConfig *config, FlywayKey key)
{
	const char *s = flyway_config_get(config, key);
	int			n = 0;

	return (s != NULL && parse_retries(s, &n)) ? n : 0;
}

char	  **
flyway_config_list(const FlywayConfig *config, FlywayKey key, int *count)
{
	const char *cursor = flyway_config_get(config, key);
	char	  **items = palloc(sizeof(char *) * (cursor ? strlen(cursor) / 2 + 1 : 1));
	const char *item;
	size_t		len;

	*count = 0;
	while (properties_next_list_item(&cursor, &item, &len))
		if (len > 0)
			items[(*count)++] = pnstrdup(item, len);
	return items;
}

void
flyway_config_list_free(char **items, int count)
{
	for (int i = 0; i < count; i++)
		pfree(items[i]);
	pfree(items);
}
