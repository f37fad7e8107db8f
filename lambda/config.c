/*-------------------------------------------------------------------------
 *
 * config.c
 *	  Read and validate the handler's environment.
 *
 * Everything is read once at init so that a misconfiguration is reported
 * through /runtime/init/error before any invocation, instead of failing
 * each deploy differently.
 *
 *-------------------------------------------------------------------------
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "flyway_config.h"
#include "log.h"

extern char **environ;

/* flyway_config.c and jdbc_url.c allocate their messages with palloc */
extern void pfree(void *pointer);

static char *
xstrdup_or_null(const char *s)
{
	return (s && *s) ? strdup(s) : NULL;
}

static char *
env_dup(const char *name)
{
	return xstrdup_or_null(getenv(name));
}

static char *
errorf(const char *fmt, const char *arg)
{
	char		buf[512];

	snprintf(buf, sizeof(buf), fmt, arg ? arg : "");
	return strdup(buf);
}

const char *
mode_name(invoke_mode mode)
{
	switch (mode)
	{
		case MODE_DIRECT:
			return "direct";
		case MODE_CLOUDFORMATION:
			return "cloudformation";
		default:
			return "provider";
	}
}

const char *
engine_name(engine_choice engine)
{
	switch (engine)
	{
		case ENGINE_EXTENSION:
			return "extension";
		case ENGINE_CLIENT:
			return "client";
		default:
			return "auto";
	}
}

/* A palloc'd message as a malloc'd one, which config_load's caller frees. */
static char *
from_palloc(char *message)
{
	char	   *copy = strdup(message ? message : "");

	if (message)
		pfree(message);
	return copy;
}

/* Flyway's booleans are Java Boolean.parseBoolean plus an explicit check. */
int
parse_bool(const char *s, int *out)
{
	if (strcasecmp(s, "true") == 0 || strcmp(s, "1") == 0)
		*out = 1;
	else if (strcasecmp(s, "false") == 0 || strcmp(s, "0") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

static int
parse_ms(const char *name, long *out, char **errmsg)
{
	const char *s = getenv(name);
	char	   *end;
	long		v;

	if (s == NULL || *s == '\0')
		return 0;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < 0)
	{
		*errmsg = errorf("%s must be a non-negative integer (milliseconds)", name);
		return -1;
	}
	*out = v;
	return 0;
}

/*
 * FLYWAY_URL, a JDBC URL (client/jdbc_url.c).  Parameters only the Java
 * driver knows are named in a warning, not dropped without a word.
 */
static int
read_flyway_url(config *cfg, const FlywayConfig *fc, char **errmsg)
{
	const char *s = flyway_config_get(fc, FK_URL);
	char	   *error = NULL;

	if (s == NULL || *s == '\0')
		return 0;
	if (!jdbc_url_parse(s, &cfg->url, &error))
	{
		*errmsg = errorf("FLYWAY_URL: %s", error);
		pfree(error);
		return -1;
	}
	log_add_persistent_secret(cfg->url.password);
	if (cfg->url.ignored != NULL)
		log_warn("init", "FLYWAY_URL parameters with no libpq equivalent, ignored: %s",
				 cfg->url.ignored);
	return 0;
}

/* The value a FLYWAY_* variable gave, or NULL (a default is not "given"). */
static const char *
given(const FlywayConfig *fc, FlywayKey key)
{
	return flyway_config_value(fc, key)->value;
}

/* The given value, or NULL when unset or empty. */
static char *
given_dup(const FlywayConfig *fc, FlywayKey key)
{
	return xstrdup_or_null(given(fc, key));
}

static void
add_setting(config *cfg, const FlywayConfig *fc, FlywayKey key, const char *name,
			const char *value)
{
	session_setting *s = &cfg->settings[cfg->nsettings++];

	s->name = name;
	s->variable = strdup(flyway_config_value(fc, key)->origin);
	s->value = strdup(value);
}

/*
 * Flyway's schemas in extension mode: pg_migrate.schemas is the list the
 * migrations manage, pg_migrate.schema the history table's (Flyway's
 * defaultSchema, else the first of schemas).  Both are set, so a
 * pg_migrate.schema the database sets does not win over FLYWAY_SCHEMAS.
 */
static void
read_schemas(config *cfg, const FlywayConfig *fc)
{
	int			n;
	char	  **schemas = flyway_config_list(fc, FK_SCHEMAS, &n);
	const char *def = given(fc, FK_DEFAULT_SCHEMA);

	if (n > 0)
		add_setting(cfg, fc, FK_SCHEMAS, "pg_migrate.schemas", given(fc, FK_SCHEMAS));
	if (def && *def)
		add_setting(cfg, fc, FK_DEFAULT_SCHEMA, "pg_migrate.schema", def);
	else if (n > 0)
		add_setting(cfg, fc, FK_SCHEMAS, "pg_migrate.schema", schemas[0]);
	flyway_config_list_free(schemas, n);
}

/* Flyway settings with a pg_migrate.* twin, set per session when given. */
static const struct
{
	FlywayKey	key;
	const char *setting;
	int			is_bool;
}			extension_settings[] = {
	{FK_TABLE, "pg_migrate.table", 0},
	{FK_BASELINE_ON_MIGRATE, "pg_migrate.baseline_on_migrate", 1},
	{FK_BASELINE_VERSION, "pg_migrate.baseline_version", 0},
	{FK_BASELINE_DESCRIPTION, "pg_migrate.baseline_description", 0},
	{FK_MIXED, "pg_migrate.mixed", 1},
	{FK_VALIDATE_MIGRATION_NAMING, "pg_migrate.validate_naming", 1},
	{FK_PLACEHOLDER_REPLACEMENT, "pg_migrate.placeholder_replacement", 1},
	{FK_INSTALLED_BY, "pg_migrate.installed_by", 0},
	{FK_IGNORE_MIGRATION_PATTERNS, "pg_migrate.ignore_migration_patterns", 0},
	{FK_VALIDATE_ON_MIGRATE, "pg_migrate.validate_on_migrate", 1},
	{FK_SKIP_EXECUTING_MIGRATIONS, "pg_migrate.skip_executing_migrations", 1},
	{FK_CHERRY_PICK, "pg_migrate.cherry_pick", 0},
	{FK_FAIL_ON_MISSING_TARGET, "pg_migrate.fail_on_missing_target", 1},
	{FK_FAIL_ON_MISSING_LOCATIONS, "pg_migrate.fail_on_missing_locations", 1},
	{FK_CREATE_SCHEMAS, "pg_migrate.create_schemas", 1},
	{FK_TABLESPACE, "pg_migrate.tablespace", 0},
	{FK_LOCK_RETRY_COUNT, "pg_migrate.lock_retry_count", 0},
	{FK_SQL_MIGRATION_PREFIX, "pg_migrate.sql_migration_prefix", 0},
	{FK_SQL_MIGRATION_SEPARATOR, "pg_migrate.sql_migration_separator", 0},
	{FK_SQL_MIGRATION_SUFFIXES, "pg_migrate.sql_migration_suffixes", 0},
	{FK_REPEATABLE_SQL_MIGRATION_PREFIX, "pg_migrate.repeatable_sql_migration_prefix", 0},
	{FK_UNDO_SQL_MIGRATION_PREFIX, "pg_migrate.undo_sql_migration_prefix", 0},
	{FK_BASELINE_MIGRATION_PREFIX, "pg_migrate.baseline_migration_prefix", 0},
	{FK_PLACEHOLDER_PREFIX, "pg_migrate.placeholder_prefix", 0},
	{FK_PLACEHOLDER_SUFFIX, "pg_migrate.placeholder_suffix", 0},
	{FK_PLACEHOLDER_SEPARATOR, "pg_migrate.placeholder_separator", 0},
	{FK_ENCODING, "pg_migrate.encoding", 0},
};

/* every twin, plus pg_migrate.schemas and pg_migrate.schema */
_Static_assert(sizeof(extension_settings) / sizeof(extension_settings[0]) + 2 <= MAX_SESSION_SETTINGS,
			   "MAX_SESSION_SETTINGS holds every pg_migrate.* setting the FLYWAY_* variables give");

/*
 * The rest of the FLYWAY_* settings in extension mode: session settings,
 * migrate_apply() arguments, connect retries.  Names only in messages.
 */
static void
read_flyway_settings(config *cfg, const FlywayConfig *fc)
{
	read_schemas(cfg, fc);
	for (size_t i = 0; i < sizeof(extension_settings) / sizeof(extension_settings[0]); i++)
	{
		FlywayKey	key = extension_settings[i].key;

		if (given(fc, key) == NULL)
			continue;
		if (extension_settings[i].is_bool)
			add_setting(cfg, fc, key, extension_settings[i].setting,
						flyway_config_bool(fc, key) ? "on" : "off");
		else
			add_setting(cfg, fc, key, extension_settings[i].setting, given(fc, key));
	}
	/* the database's pg_migrate.locations decides; client mode reads it */
	if (given(fc, FK_LOCATIONS) != NULL && cfg->engine == ENGINE_EXTENSION)
		log_info("init", "FLYWAY_LOCATIONS is not used in extension mode: the database's "
				 "pg_migrate.locations names the migrations");
	if (given(fc, FK_WORKING_DIRECTORY) != NULL && cfg->engine == ENGINE_EXTENSION)
		log_info("init", "FLYWAY_WORKING_DIRECTORY is not used in extension mode: the "
				 "server's ${flyway:workingDirectory} is its data directory");
	if (given(fc, FK_OUTPUT_TYPE) != NULL)
		log_info("init", "FLYWAY_OUTPUT_TYPE does not apply: the handler always logs JSON lines");
	if (given(fc, FK_CLEAN_DISABLED) != NULL)
		log_info("init", "FLYWAY_CLEAN_DISABLED does not apply: the handler migrates and never cleans");

	cfg->connect_retries = flyway_config_int(fc, FK_CONNECT_RETRIES);
	cfg->connect_retries_interval_s = flyway_config_int(fc, FK_CONNECT_RETRIES_INTERVAL);
	cfg->target = given_dup(fc, FK_TARGET);
	cfg->group = flyway_config_bool(fc, FK_GROUP);
	if (given(fc, FK_OUT_OF_ORDER) != NULL)
		cfg->out_of_order = flyway_config_bool(fc, FK_OUT_OF_ORDER);
	for (int i = 0; i < fc->nplaceholders; i++)
	{
		if (cfg->placeholders == NULL)
			cfg->placeholders = cJSON_CreateObject();
		cJSON_AddStringToObject(cfg->placeholders, fc->placeholders[i].name,
								fc->placeholders[i].value.value);
	}
}

/*
 * Every FLYWAY_* variable, through the configuration code the pg_migrate
 * command uses: an unknown or unsupported one, or a value of the wrong
 * kind, fails the init naming the variable (never quoting the value).
 * The settings are kept (cfg->flyway) for client mode.
 */
static int
read_flyway_environment(config *cfg, char **errmsg)
{
	FlywayConfig *fc = malloc(sizeof(FlywayConfig));
	char	   *error = NULL;

	flyway_config_init(fc);
	cfg->flyway = fc;
	/*
	 * FLYWAY_CONFIG_FILES: flyway.conf files bundled with the function, under
	 * LAMBDA_TASK_ROOT (a flyway.toml is refused: flyway_config.c); then the
	 * environment FLYWAY_ENVIRONMENT names, as the command does
	 */
	if (!flyway_config_read_environment(fc, environ, &error) ||
		(given(fc, FK_CONFIG_FILES) != NULL &&
		 !flyway_config_read_named_files(fc, getenv("LAMBDA_TASK_ROOT"), &error)) ||
		!flyway_config_apply_environment(fc, &error))
	{
		*errmsg = from_palloc(error);
		return -1;
	}
	if (read_flyway_url(cfg, fc, errmsg) != 0)
		return -1;
	cfg->flyway_user = given_dup(fc, FK_USER);
	cfg->flyway_password = given_dup(fc, FK_PASSWORD);
	log_add_persistent_secret(cfg->flyway_password);
	read_flyway_settings(cfg, fc);
	return 0;
}

/* PG_MIGRATE_ENGINE: auto (default), extension or client. */
static int
read_engine(config *cfg, char **errmsg)
{
	const char *s = getenv("PG_MIGRATE_ENGINE");

	if (s == NULL || *s == '\0' || strcasecmp(s, "auto") == 0)
		cfg->engine = ENGINE_AUTO;
	else if (strcasecmp(s, "extension") == 0)
		cfg->engine = ENGINE_EXTENSION;
	else if (strcasecmp(s, "client") == 0)
		cfg->engine = ENGINE_CLIENT;
	else
	{
		*errmsg = errorf("PG_MIGRATE_ENGINE must be auto, extension or client (got \"%.100s\")", s);
		return -1;
	}
	return 0;
}

static int
file_exists(const char *path)
{
	return path && access(path, R_OK) == 0;
}

/*
 * PG_MIGRATE_SNS_TOPIC_ARN: arn:PARTITION:sns:REGION:ACCOUNT:NAME.  The
 * request goes to the topic's region, whatever AWS_REGION says.
 */
static int
sns_config(config *cfg, char **errmsg)
{
	const char *arn = getenv("PG_MIGRATE_SNS_TOPIC_ARN");
	char	   *f[6] = {0};
	char	   *copy;
	char	   *save = NULL;
	int			n = 0;
	int			ok;

	if (arn == NULL || *arn == '\0')
		return 0;
	copy = strdup(arn);
	/* an empty field folds away, and the count is no longer 6 */
	for (char *p = strtok_r(copy, ":", &save); p; p = strtok_r(NULL, ":", &save), n++)
		if (n < 6)
			f[n] = p;
	ok = n == 6 && strcmp(f[0], "arn") == 0 &&
		strncmp(f[1], "aws", 3) == 0 && strcmp(f[2], "sns") == 0 &&
		strspn(f[3], "abcdefghijklmnopqrstuvwxyz0123456789-") == strlen(f[3]) &&
		strlen(f[4]) == 12 && strspn(f[4], "0123456789") == 12 &&
		strspn(f[5], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.") == strlen(f[5]);
	if (ok)
		cfg->sns_region = strdup(f[3]);
	free(copy);
	if (!ok)
	{
		*errmsg = errorf("PG_MIGRATE_SNS_TOPIC_ARN must be an SNS topic ARN "
						 "(arn:aws:sns:REGION:ACCOUNT:NAME), not \"%.200s\"", arn);
		return -1;
	}
	if (cfg->access_key == NULL || cfg->secret_key == NULL)
	{
		*errmsg = strdup("PG_MIGRATE_SNS_TOPIC_ARN is set but AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not");
		return -1;
	}
	cfg->sns_topic_arn = strdup(arn);
	cfg->sns_endpoint = env_dup("AWS_ENDPOINT_URL_SNS");
	if (cfg->sns_endpoint == NULL)
		cfg->sns_endpoint = env_dup("AWS_ENDPOINT_URL");
	if (cfg->sns_endpoint == NULL)
	{
		char		buf[256];

		snprintf(buf, sizeof(buf), "https://sns.%s.amazonaws.com%s/", cfg->sns_region,
				 strncmp(cfg->sns_region, "cn-", 3) == 0 ? ".cn" : "");
		cfg->sns_endpoint = strdup(buf);
	}
	return 0;
}

int
config_load(config *cfg, char **errmsg)
{
	const char *s;
	const char *mode;

	memset(cfg, 0, sizeof(*cfg));
	cfg->out_of_order = -1;
	cfg->lock_timeout_ms = -1;
	cfg->margin_ms = 5000;
	cfg->secret_attempts = 5;

	/* mode: explicit, never guessed from the event's shape */
	mode = getenv("PG_MIGRATE_INVOKE_MODE");
	if (mode == NULL || *mode == '\0')
		mode = getenv("_HANDLER");
	if (mode && strcasecmp(mode, "direct") == 0)
		cfg->mode = MODE_DIRECT;
	else if (mode && strcasecmp(mode, "cloudformation") == 0)
		cfg->mode = MODE_CLOUDFORMATION;
	else if (mode && strcasecmp(mode, "provider") == 0)
		cfg->mode = MODE_PROVIDER;
	else
	{
		*errmsg = errorf("PG_MIGRATE_INVOKE_MODE must be direct, cloudformation "
						 "or provider (got \"%s\")", mode ? mode : "");
		return -1;
	}

	/* secret */
	cfg->secret_id = env_dup("PG_MIGRATE_SECRET_ID");
	if (cfg->secret_id == NULL)
		cfg->secret_id = env_dup("MASTER_SECRET_ARN");
	s = getenv("PG_MIGRATE_SECRETS_EXTENSION");
	if (s && *s && parse_bool(s, &cfg->use_secrets_extension) != 0)
	{
		*errmsg = strdup("PG_MIGRATE_SECRETS_EXTENSION must be true or false");
		return -1;
	}
	cfg->extension_port = env_dup("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT");
	if (cfg->extension_port == NULL)
		cfg->extension_port = strdup("2773");
	cfg->region = env_dup("AWS_REGION");
	if (cfg->region == NULL)
		cfg->region = env_dup("AWS_DEFAULT_REGION");
	cfg->sm_endpoint = env_dup("AWS_ENDPOINT_URL_SECRETS_MANAGER");
	if (cfg->sm_endpoint == NULL)
		cfg->sm_endpoint = env_dup("AWS_ENDPOINT_URL");
	cfg->access_key = env_dup("AWS_ACCESS_KEY_ID");
	cfg->secret_key = env_dup("AWS_SECRET_ACCESS_KEY");
	cfg->session_token = env_dup("AWS_SESSION_TOKEN");
	/* AWS echoes the canonical request (token included) in signature errors */
	log_add_persistent_secret(cfg->secret_key);
	log_add_persistent_secret(cfg->session_token);
	if (cfg->secret_id && !cfg->use_secrets_extension)
	{
		if (cfg->region == NULL)
		{
			*errmsg = strdup("AWS_REGION is not set");
			return -1;
		}
		if (cfg->access_key == NULL || cfg->secret_key == NULL)
		{
			*errmsg = strdup("AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not set");
			return -1;
		}
		if (cfg->sm_endpoint == NULL)
		{
			char		buf[256];

			/* the China partition has its own DNS suffix */
			snprintf(buf, sizeof(buf), "https://secretsmanager.%s.amazonaws.com%s/",
					 cfg->region, strncmp(cfg->region, "cn-", 3) == 0 ? ".cn" : "");
			cfg->sm_endpoint = strdup(buf);
		}
	}

	if (sns_config(cfg, errmsg) != 0)
		return -1;

	/* HTTPS trust store: a Debian-built libcurl looks where AL2023 has none */
	cfg->ca_bundle = env_dup("PG_MIGRATE_CA_BUNDLE");
	if (cfg->ca_bundle == NULL)
		cfg->ca_bundle = env_dup("SSL_CERT_FILE");
	if (cfg->ca_bundle == NULL)
	{
		static const char *const candidates[] = {
			"/etc/pki/tls/certs/ca-bundle.crt",
			"/etc/ssl/certs/ca-certificates.crt",
		};

		for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++)
			if (file_exists(candidates[i]))
			{
				cfg->ca_bundle = strdup(candidates[i]);
				break;
			}
	}

	/* database */
	if (read_engine(cfg, errmsg) != 0 || read_flyway_environment(cfg, errmsg) != 0)
		return -1;
	cfg->pg_sslrootcert = env_dup("PG_MIGRATE_SSLROOTCERT");
	if (cfg->pg_sslrootcert == NULL)
	{
		char		buf[1024];
		const char *root = getenv("LAMBDA_TASK_ROOT");

		/* the RDS CA bundle shipped next to bootstrap, if any */
		snprintf(buf, sizeof(buf), "%s/rds-global-bundle.pem", root ? root : "/var/task");
		if (file_exists(buf))
			cfg->pg_sslrootcert = strdup(buf);
	}
	if (parse_ms("PG_MIGRATE_STATEMENT_TIMEOUT_MS", &cfg->statement_timeout_ms, errmsg) != 0 ||
		parse_ms("PG_MIGRATE_LOCK_TIMEOUT_MS", &cfg->lock_timeout_ms, errmsg) != 0 ||
		parse_ms("PG_MIGRATE_DEADLINE_MARGIN_MS", &cfg->margin_ms, errmsg) != 0)
		return -1;

	return 0;
}

void
config_free(config *cfg)
{
	free(cfg->secret_id);
	free(cfg->extension_port);
	free(cfg->region);
	free(cfg->sm_endpoint);
	free(cfg->access_key);
	if (cfg->secret_key)
		memset(cfg->secret_key, 0, strlen(cfg->secret_key));
	free(cfg->secret_key);
	free(cfg->session_token);
	free(cfg->ca_bundle);
	jdbc_url_free(&cfg->url);
	free(cfg->flyway_user);
	if (cfg->flyway_password)
		memset(cfg->flyway_password, 0, strlen(cfg->flyway_password));
	free(cfg->flyway_password);
	free(cfg->pg_sslrootcert);
	free(cfg->target);
	cJSON_Delete(cfg->placeholders);
	for (int i = 0; i < cfg->nsettings; i++)
	{
		free(cfg->settings[i].variable);
		free(cfg->settings[i].value);
	}
	free(cfg->sns_topic_arn);
	free(cfg->sns_region);
	free(cfg->sns_endpoint);
	if (cfg->flyway)
	{
		flyway_config_free(cfg->flyway);
		free(cfg->flyway);
	}
	memset(cfg, 0, sizeof(*cfg));
}
