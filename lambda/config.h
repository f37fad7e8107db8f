/*-------------------------------------------------------------------------
 *
 * config.h
 *	  Handler configuration read from the environment.
 *
 * The old Flyway-image function was configured with FLYWAY_* variables and
 * MASTER_SECRET_ARN; those keep working.  PG_MIGRATE_* variables cover what
 * Flyway had no name for.  See docs/lambda.md for the full list.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGM_CONFIG_H
#define PGM_CONFIG_H

#include <cjson/cJSON.h>

#include "jdbc_url.h"

/* PG_MIGRATE_ENGINE: what applies the migrations */
typedef enum
{
	ENGINE_AUTO,				/* the extension when the database has it, else client */
	ENGINE_EXTENSION,			/* SELECT migrate_apply() */
	ENGINE_CLIENT				/* the bundled scripts, through the engine over libpq */
} engine_choice;

struct FlywayConfig;
struct client_setup;

typedef enum
{
	MODE_DIRECT,
	MODE_CLOUDFORMATION,
	MODE_PROVIDER
} invoke_mode;

/* A pg_migrate.* setting a FLYWAY_* variable gives the deploy's session. */
typedef struct session_setting
{
	const char *name;			/* "pg_migrate.table" */
	char	   *variable;		/* "FLYWAY_TABLE", for messages */
	char	   *value;			/* never logged */
} session_setting;

#define MAX_SESSION_SETTINGS 40

typedef struct config
{
	invoke_mode mode;
	engine_choice engine;

	/* every FLYWAY_* setting, read as the pg_migrate command reads them */
	struct FlywayConfig *flyway;
	/* client mode: engine options and locations (engine_client.c); NULL in extension mode */
	struct client_setup *client;

	/* secret */
	char	   *secret_id;
	int			use_secrets_extension;
	char	   *extension_port;
	char	   *region;
	char	   *sm_endpoint;
	char	   *access_key;
	char	   *secret_key;
	char	   *session_token;
	char	   *ca_bundle;		/* for HTTPS via libcurl; NULL = curl default */
	int			secret_attempts;

	/* database */
	JdbcUrl		url;			/* FLYWAY_URL */
	char	   *flyway_user;
	char	   *flyway_password;
	char	   *pg_sslrootcert; /* CA bundle for libpq verify-full */
	long		statement_timeout_ms;	/* cap; 0 = deadline only */
	long		lock_timeout_ms;	/* -1 = leave the server's setting */

	int			connect_retries;	/* FLYWAY_CONNECT_RETRIES */
	int			connect_retries_interval_s; /* the longest pause between them */

	/* migrate_apply() arguments */
	char	   *target;
	int			group;
	int			out_of_order;	/* -1 = NULL (extension default) */
	cJSON	   *placeholders;	/* object, or NULL when none set */

	/* pg_migrate.* settings for the deploy's session, from FLYWAY_* */
	session_setting settings[MAX_SESSION_SETTINGS];
	int			nsettings;

	long		margin_ms;		/* reserved at the end of every invocation */

	/* deploy summaries on SNS; topic NULL = none */
	char	   *sns_topic_arn;
	char	   *sns_region;		/* the topic's own, from its ARN */
	char	   *sns_endpoint;
} config;

extern int	config_load(config *cfg, char **errmsg);
extern void config_free(config *cfg);
extern int	parse_bool(const char *s, int *out);
extern const char *mode_name(invoke_mode mode);
extern const char *engine_name(engine_choice engine);

#endif							/* PGM_CONFIG_H */
