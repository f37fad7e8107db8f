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
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

extern char **environ;

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
 * FLYWAY_PLACEHOLDERS_<NAME>=value becomes {"<name>": "value"}: Flyway
 * lower-cases the name (ConfigUtils.convertKey) and keeps underscores.
 */
cJSON *
placeholders_from_env(char **env)
{
	static const char prefix[] = "FLYWAY_PLACEHOLDERS_";
	cJSON	   *obj = NULL;

	for (char **e = env; e && *e; e++)
	{
		const char *eq;
		char	   *name;

		if (strncmp(*e, prefix, strlen(prefix)) != 0)
			continue;
		eq = strchr(*e, '=');
		if (eq == NULL || eq == *e + strlen(prefix))
			continue;
		name = strndup(*e + strlen(prefix), eq - *e - strlen(prefix));
		for (char *c = name; *c; c++)
			*c = tolower((unsigned char) *c);
		if (obj == NULL)
			obj = cJSON_CreateObject();
		cJSON_DeleteItemFromObjectCaseSensitive(obj, name);
		cJSON_AddStringToObject(obj, name, eq + 1);
		free(name);
	}
	return obj;
}

/*
 * FLYWAY_URL, a JDBC URL (client/jdbc_url.c).  Parameters only the Java
 * driver knows are named in a warning, not dropped without a word.
 */
static int
read_flyway_url(config *cfg, char **errmsg)
{
	const char *s = getenv("FLYWAY_URL");
	char	   *error = NULL;

	if (s == NULL || *s == '\0')
		return 0;
	if (!jdbc_url_parse(s, &cfg->url, &error))
	{
		*errmsg = errorf("FLYWAY_URL: %s", error);
		free(error);
		return -1;
	}
	log_add_persistent_secret(cfg->url.password);
	if (cfg->url.ignored != NULL)
		log_warn("init", "FLYWAY_URL parameters with no libpq equivalent, ignored: %s",
				 cfg->url.ignored);
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
	if (read_flyway_url(cfg, errmsg) != 0)
		return -1;
	cfg->flyway_user = env_dup("FLYWAY_USER");
	cfg->flyway_password = env_dup("FLYWAY_PASSWORD");
	log_add_persistent_secret(cfg->flyway_password);
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

	/* migrate_apply() arguments */
	cfg->target = env_dup("FLYWAY_TARGET");
	s = getenv("FLYWAY_GROUP");
	if (s && *s && parse_bool(s, &cfg->group) != 0)
	{
		*errmsg = strdup("FLYWAY_GROUP must be true or false");
		return -1;
	}
	s = getenv("FLYWAY_OUT_OF_ORDER");
	if (s && *s && parse_bool(s, &cfg->out_of_order) != 0)
	{
		*errmsg = strdup("FLYWAY_OUT_OF_ORDER must be true or false");
		return -1;
	}
	cfg->placeholders = placeholders_from_env(environ);
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
	free(cfg->sns_topic_arn);
	free(cfg->sns_region);
	free(cfg->sns_endpoint);
	memset(cfg, 0, sizeof(*cfg));
}
