/*-------------------------------------------------------------------------
 *
 * db.c
 *	  libpq connection and the migrate_apply() call.
 *
 * Connection values come from FLYWAY_URL first, then the secret; anything
 * not given is left to libpq, so PGHOST, PGSSLMODE, PGOPTIONS, PGSSLROOTCERT
 * and the rest of libpq's environment keep working.  Timeouts are derived
 * from the invocation deadline: the server cancels the statement before
 * Lambda would kill us, so we can still report the failure.
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libpq-fe.h>

#include "db.h"
#include "engine_client.h"
#include "log.h"
#include "summary.h"

#define MAX_PARAMS 20

/*
 * Every name in our SQL is schema-qualified: the role's search_path (which
 * the migrations use) may hold a function or operator named like ours.
 * pg_migrate's functions are called in the extension's schema, read once
 * per connection; it is quoted, so at most 2 * 63 bytes plus quotes.
 */
static char extension_schema[160];

#define EXTENSION_ADVICE \
	"Run CREATE EXTENSION pg_migrate in this database as a superuser and set " \
	"pg_migrate.locations, or set PG_MIGRATE_ENGINE=client (or auto) to apply the scripts " \
	"bundled with the function without the extension, as on Amazon RDS and Aurora " \
	"PostgreSQL, which cannot load C extensions."

/*
 * Past this point we stop waiting for the server at all (statement_timeout
 * should have fired at the work deadline; this covers a server or network
 * that does not answer).  Set by db_migrate().
 */
static long hard_deadline_ms;
static int	abandoned;			/* the connection is in an unknown state */

/*
 * PQexecParams with a wall-clock bound: wait on the socket until
 * hard_deadline_ms, then send a cancel and wait one more second.  Returns
 * NULL (and sets abandoned) when the server never answered.
 */
static PGresult *
exec_bounded(PGconn *conn, const char *sql, int nparams, const char *const *params)
{
	PGresult   *last = NULL;
	int			cancelled = 0;
	long		until = hard_deadline_ms;

	if (!PQsendQueryParams(conn, sql, nparams, NULL, params, NULL, NULL, 0))
		return PQmakeEmptyPGresult(conn, PGRES_FATAL_ERROR);
	for (;;)
	{
		struct pollfd pfd;
		long		left;

		while (!PQisBusy(conn))
		{
			PGresult   *r = PQgetResult(conn);

			if (r == NULL)
				return last ? last : PQmakeEmptyPGresult(conn, PGRES_FATAL_ERROR);
			PQclear(last);
			last = r;
		}
		left = until - now_ms();
		if (left <= 0)
		{
			PGcancel   *c;
			char		errbuf[256];

			if (cancelled)
			{
				PQclear(last);
				abandoned = 1;
				return NULL;
			}
			c = PQgetCancel(conn);
			if (c)
			{
				PQcancel(c, errbuf, sizeof(errbuf));
				PQfreeCancel(c);
			}
			cancelled = 1;
			until = now_ms() + 1000;
			continue;
		}
		pfd.fd = PQsocket(conn);
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, (int) left) < 0 && errno != EINTR)
		{
			PQclear(last);
			abandoned = 1;
			return NULL;
		}
		if (!PQconsumeInput(conn) && PQstatus(conn) == CONNECTION_BAD)
		{
			PQclear(last);
			return PQmakeEmptyPGresult(conn, PGRES_FATAL_ERROR);
		}
	}
}

static const char *
first(const char *a, const char *b)
{
	return (a && *a) ? a : b;
}

static char *
trim_message(const char *m)
{
	char	   *s = strdup(m ? m : "");
	size_t		n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
	return s;
}

static char *
fmt(const char *f, const char *a)
{
	size_t		n = strlen(f) + (a ? strlen(a) : 0) + 1;
	char	   *s = malloc(n);

	snprintf(s, n, f, a ? a : "");
	return s;
}

static PGconn *
connect_db(const config *cfg, const db_secret *sec, long deadline_ms,
		   const char **error_type, char **errmsg, int *auth_failed)
{
	const char *keys[MAX_PARAMS + 1];
	const char *vals[MAX_PARAMS + 1];
	int			n = 0;
	char		timeout[32];
	long		budget_s = (deadline_ms - now_ms()) / 1000;
	long		user_timeout = 0;
	const char *user;
	const char *password;
	const char *rootcert;
	const char *env;
	PGconn	   *conn;
	long		t0 = now_ms();

#define ADD(k, v) do { if ((v) != NULL) { keys[n] = (k); vals[n] = (v); n++; } } while (0)

	if (sec)
	{
		/* the secret's username and password belong together */
		user = first(sec->username, first(cfg->url.user, cfg->flyway_user));
		password = sec->password;
	}
	else
	{
		user = first(cfg->url.user, cfg->flyway_user);
		password = first(cfg->url.password, cfg->flyway_password);
	}
	ADD("host", first(cfg->url.hosts, sec ? sec->host : NULL));
	ADD("port", first(cfg->url.ports, sec ? sec->port : NULL));
	ADD("dbname", first(cfg->url.dbname, sec ? sec->dbname : NULL));
	ADD("user", user);
	ADD("password", password);

	/* TLS: verify-full when we have a CA to verify against, else require */
	rootcert = first(cfg->url.sslrootcert, cfg->pg_sslrootcert);
	ADD("sslrootcert", rootcert);
	/* a client certificate named in FLYWAY_URL */
	ADD("sslcert", cfg->url.sslcert);
	ADD("sslkey", cfg->url.sslkey);
	if (cfg->url.sslmode)
		ADD("sslmode", cfg->url.sslmode);
	else if (getenv("PGSSLMODE") == NULL)
		ADD("sslmode", (rootcert || getenv("PGSSLROOTCERT")) ? "verify-full" : "require");

	/* connect_timeout: the user's value, capped by what the deadline allows */
	env = first(cfg->url.connect_timeout, getenv("PGCONNECT_TIMEOUT"));
	if (env)
		user_timeout = strtol(env, NULL, 10);
	if (budget_s < 2)
		budget_s = 2;			/* libpq's minimum; the margin absorbs it */
	if (user_timeout > 0 && user_timeout < budget_s)
		budget_s = user_timeout;
	snprintf(timeout, sizeof(timeout), "%ld", budget_s);
	ADD("connect_timeout", timeout);

	if (cfg->url.application_name)
		ADD("application_name", cfg->url.application_name);
	else if (getenv("PGAPPNAME") == NULL)
		ADD("application_name", "pg_migrate-lambda");
	ADD("target_session_attrs", cfg->url.target_session_attrs);
	ADD("options", cfg->url.options);
	/* no Kerberos in Lambda: skip libpq's GSSAPI probe unless asked for */
	if (getenv("PGGSSENCMODE") == NULL)
		ADD("gssencmode", "disable");
	/* cheap insurance for long migrations behind NAT/proxies */
	ADD("keepalives", "1");
	ADD("keepalives_idle", "30");
	keys[n] = NULL;
	vals[n] = NULL;
#undef ADD

	conn = PQconnectdbParams(keys, vals, 0);
	if (PQstatus(conn) != CONNECTION_OK)
	{
		char	   *m = trim_message(PQerrorMessage(conn));

		if (strstr(m, "authentication failed") || strstr(m, "no password supplied") ||
			strstr(m, "password is missing"))
		{
			*error_type = "Function.AuthenticationFailed";
			*auth_failed = 1;
		}
		else if (now_ms() >= deadline_ms)
			*error_type = "Function.DeadlineExceeded";
		else
			*error_type = "Function.DatabaseUnreachable";
		*errmsg = fmt("cannot connect to the database: %s", m);
		free(m);
		PQfinish(conn);
		return NULL;
	}
	summary_note_database(PQdb(conn), PQhost(conn), PQport(conn));
	log_json(LOG_INFO, "connect", now_ms() - t0, NULL,
			 "connected to %s:%s/%s as %s (ssl %s)", PQhost(conn), PQport(conn),
			 PQdb(conn), PQuser(conn), PQsslInUse(conn) ? "on" : "off");
	return conn;
}

/*
 * FLYWAY_CONNECT_RETRIES: an unreachable database is tried again, as Flyway
 * does, after 1 s, then twice as long each time up to
 * FLYWAY_CONNECT_RETRIES_INTERVAL seconds; never past the deadline.  A
 * refused password is not retried here (the handler re-fetches the secret).
 */
static PGconn *
connect_with_retries(const config *cfg, const db_secret *sec, long deadline_ms,
					 const char **error_type, char **errmsg, int *auth_failed)
{
	long		pause_ms = 1000;

	for (int attempt = 1;; attempt++)
	{
		PGconn	   *conn = connect_db(cfg, sec, deadline_ms, error_type, errmsg, auth_failed);
		struct timespec ts;

		if (conn != NULL || *auth_failed || attempt > cfg->connect_retries ||
			strcmp(*error_type, "Function.DatabaseUnreachable") != 0 ||
			now_ms() + pause_ms + 2000 > deadline_ms)
			return conn;
		log_warn("connect", "attempt %d failed, retrying in %ld ms (FLYWAY_CONNECT_RETRIES): %s",
				 attempt, pause_ms, *errmsg);
		free(*errmsg);
		*errmsg = NULL;
		ts.tv_sec = pause_ms / 1000;
		ts.tv_nsec = (pause_ms % 1000) * 1000000L;
		nanosleep(&ts, NULL);
		pause_ms *= 2;
		if (pause_ms > cfg->connect_retries_interval_s * 1000L)
			pause_ms = cfg->connect_retries_interval_s * 1000L;
		if (pause_ms < 1000)
			pause_ms = 1000;
	}
}

static void statement_error_as(PGresult *res, const char *what, const char *other_type,
							   const char **error_type, char **errmsg);

/* Classify a failed statement; SQLSTATEs per PostgreSQL's errcodes. */
static void
statement_error(PGresult *res, const char *what, const char **error_type, char **errmsg)
{
	statement_error_as(res, what, "Function.MigrationFailed", error_type, errmsg);
}

static void
statement_error_as(PGresult *res, const char *what, const char *other_type,
				   const char **error_type, char **errmsg)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	char	   *m = trim_message(res ? PQresultErrorMessage(res) : "");
	char		buf[4096];

	if (res == NULL)
	{
		*error_type = "Function.DeadlineExceeded";
		snprintf(buf, sizeof(buf), "the database did not answer %s() before the deadline, "
				 "not even to a cancel request", what);
	}
	else if (state && strcmp(state, "42883") == 0 && strstr(m, what))
	{
		*error_type = "Function.ExtensionMissing";
		snprintf(buf, sizeof(buf),
				 "%s() does not exist in this database: the pg_migrate extension is not "
				 "installed here, or is incomplete. " EXTENSION_ADVICE " (%s)", what, m);
	}
	else if (state && strcmp(state, "57014") == 0)
	{
		*error_type = "Function.DeadlineExceeded";
		snprintf(buf, sizeof(buf), "cancelled to report before the Lambda deadline "
				 "(statement_timeout): %s", m);
	}
	else if (state && strcmp(state, "55P03") == 0)
	{
		*error_type = "Function.LockTimeout";
		snprintf(buf, sizeof(buf), "lock_timeout reached: %s", m);
	}
	else
	{
		*error_type = other_type;
		snprintf(buf, sizeof(buf), "%s [SQLSTATE %s]", m, state ? state : "?????");
	}
	free(m);
	*errmsg = strdup(buf);
}

/* Summarise migrate_info() as {"states":{state:count},"schemaVersion":v}. */
static cJSON *
info_summary(PGconn *conn, const char **error_type, char **errmsg)
{
	char		sql[256];
	PGresult   *res;
	cJSON	   *sum;
	cJSON	   *states;

	snprintf(sql, sizeof(sql), "SELECT version, state FROM %s.migrate_info()", extension_schema);
	res = exec_bounded(conn, sql, 0, NULL);

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		statement_error_as(res, "migrate_info", "Function.DatabaseError", error_type, errmsg);
		PQclear(res);
		return NULL;
	}
	sum = cJSON_CreateObject();
	states = cJSON_AddObjectToObject(sum, "states");
	cJSON_AddNullToObject(sum, "schemaVersion");
	for (int i = 0; i < PQntuples(res); i++)
	{
		const char *st = PQgetisnull(res, i, 1) ? "null" : PQgetvalue(res, i, 1);
		cJSON	   *c = cJSON_GetObjectItemCaseSensitive(states, st);

		if (c)
			cJSON_SetNumberValue(c, c->valuedouble + 1);
		else
			cJSON_AddNumberToObject(states, st, 1);
		/* rows come in version order: the last applied one is current */
		if (!PQgetisnull(res, i, 0) && strcasecmp(st, "Success") == 0)
			cJSON_ReplaceItemInObject(sum, "schemaVersion",
									  cJSON_CreateString(PQgetvalue(res, i, 0)));
	}
	PQclear(res);
	return sum;
}

/*
 * Set the timeouts the migrations run under and find the extension's schema
 * (extension_schema, "" when the database has no pg_migrate extension), in
 * one round trip.
 */
static int
prepare_session(PGconn *conn, const config *cfg, long deadline_ms,
				const char **error_type, char **errmsg)
{
	long		left = deadline_ms - now_ms();
	long		st;
	char		stbuf[32];
	char		ltbuf[32];
	const char *params[2];
	PGresult   *res;

	if (left <= 0)
	{
		*error_type = "Function.DeadlineExceeded";
		*errmsg = strdup("the deadline passed while connecting");
		return -1;
	}
	st = (cfg->statement_timeout_ms > 0 && cfg->statement_timeout_ms < left)
		? cfg->statement_timeout_ms : left;
	snprintf(stbuf, sizeof(stbuf), "%ld", st);
	params[0] = stbuf;
	params[1] = NULL;
	if (cfg->lock_timeout_ms >= 0)
	{
		snprintf(ltbuf, sizeof(ltbuf), "%ld", cfg->lock_timeout_ms);
		params[1] = ltbuf;
	}

	/*
	 * One round trip.  A smaller statement_timeout from PGOPTIONS or the
	 * role is kept; current_setting() shows it with a unit ("5s", "2min"),
	 * which interval input reads.  (pg_settings would give milliseconds, but
	 * building that view costs a fresh backend over a millisecond.)
	 */
	res = exec_bounded(conn,
					   "SELECT pg_catalog.set_config('statement_timeout', "
					   "CASE WHEN s.ms OPERATOR(pg_catalog.=) 0 OR s.ms OPERATOR(pg_catalog.>) $1::pg_catalog.int8 "
					   "THEN $1::pg_catalog.text ELSE s.ms::pg_catalog.text END, false), "
					   "CASE WHEN $2::pg_catalog.text IS NOT NULL "
					   "THEN pg_catalog.set_config('lock_timeout', $2::pg_catalog.text, false) END, "
					   "(SELECT pg_catalog.quote_ident(n.nspname) FROM pg_catalog.pg_extension e "
					   "JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) e.extnamespace "
					   "WHERE e.extname OPERATOR(pg_catalog.=) 'pg_migrate') "
					   "FROM (SELECT pg_catalog.round(1000 OPERATOR(pg_catalog.*) pg_catalog.date_part('epoch', "
					   "pg_catalog.current_setting('statement_timeout')::pg_catalog.interval))::pg_catalog.int8 AS ms) s",
					   2, params);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		statement_error_as(res, "set_config", "Function.DatabaseError", error_type, errmsg);
		PQclear(res);
		return -1;
	}
	extension_schema[0] = '\0';
	if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 2) &&
		(size_t) PQgetlength(res, 0, 2) < sizeof(extension_schema))
		strcpy(extension_schema, PQgetvalue(res, 0, 2));
	PQclear(res);
	return 0;
}

/*
 * The setting a refused set_config() named: PostgreSQL says 'parameter
 * "pg_migrate.table"' in both the permission and the bad-value messages.
 */
static const session_setting *
refused_setting(const config *cfg, const char *message)
{
	for (int i = 0; i < cfg->nsettings; i++)
	{
		char		quoted[96];

		snprintf(quoted, sizeof(quoted), "parameter \"%s\"", cfg->settings[i].name);
		if (message && strstr(message, quoted))
			return &cfg->settings[i];
	}
	return NULL;
}

/*
 * The pg_migrate.* settings the FLYWAY_* variables give, for this session,
 * in one round trip; values travel as parameters.  The server's message
 * may quote a refused value, so the error names the variable instead.
 */
static int
apply_settings(PGconn *conn, const config *cfg, const char **error_type, char **errmsg)
{
	const char *params[2 * MAX_SESSION_SETTINGS];
	char		sql[256 + MAX_SESSION_SETTINGS * 80];
	size_t		len;
	PGresult   *res;
	const session_setting *bad;
	const char *state;
	char		buf[512];

	if (cfg->nsettings == 0)
		return 0;
	/*
	 * The init plan that starts (never runs) a scan of migrate_info() loads
	 * the extension's library, which defines the pg_migrate.* settings,
	 * before set_config() runs: a setting set before that would only be a
	 * placeholder, neither checked nor restricted to superusers.
	 */
	len = snprintf(sql, sizeof(sql), "SELECT (SELECT 1 FROM %s.migrate_info() LIMIT 0)",
				   extension_schema);
	for (int i = 0; i < cfg->nsettings; i++)
	{
		params[2 * i] = cfg->settings[i].name;
		params[2 * i + 1] = cfg->settings[i].value;
		len += snprintf(sql + len, sizeof(sql) - len,
						", pg_catalog.set_config($%d::pg_catalog.text, $%d::pg_catalog.text, false)",
						2 * i + 1, 2 * i + 2);
	}
	res = exec_bounded(conn, sql, 2 * cfg->nsettings, params);
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
	{
		PQclear(res);
		return 0;
	}
	state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	bad = res ? refused_setting(cfg, PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)) : NULL;
	if (bad == NULL)
	{
		/* not about a value (a timeout, migrate_info() not granted) */
		statement_error_as(res, "migrate_info", "Function.DatabaseError", error_type, errmsg);
		PQclear(res);
		return -1;
	}
	*error_type = "Function.SettingRefused";
	if (state && strcmp(state, "42501") == 0)
		snprintf(buf, sizeof(buf), "%s: this role may not set %s (only a superuser may): "
				 "connect as a superuser, or remove %s [SQLSTATE 42501]",
				 bad->variable, bad->name, bad->variable);
	else
		snprintf(buf, sizeof(buf), "%s: the database refused its value for %s "
				 "(the value is not shown) [SQLSTATE %s]", bad->variable, bad->name,
				 state ? state : "?????");
	*errmsg = strdup(buf);
	PQclear(res);
	return -1;
}

static int
apply(PGconn *conn, const config *cfg, cJSON *result, const char **error_type,
	  char **errmsg)
{
	const char *params[4];
	char	   *placeholders = cfg->placeholders ? cJSON_PrintUnformatted(cfg->placeholders) : NULL;
	char		sql[512];
	PGresult   *res;
	cJSON	   *list;
	long		t0 = now_ms();

	params[0] = cfg->target;
	params[1] = placeholders;
	params[2] = cfg->group ? "true" : "false";
	params[3] = cfg->out_of_order < 0 ? NULL : (cfg->out_of_order ? "true" : "false");
	summary_note_engine("extension");
	snprintf(sql, sizeof(sql),
			 "SELECT version, description, type, script, checksum, execution_time, state "
			 "FROM %s.migrate_apply(target => $1::pg_catalog.text, "
			 "placeholders => $2::pg_catalog.jsonb, single_transaction => $3::pg_catalog.bool, "
			 "out_of_order => $4::pg_catalog.bool)", extension_schema);
	res = exec_bounded(conn, sql, 4, params);
	free(placeholders);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		if (res)
			summary_note_failure(PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY),
								 PQresultErrorField(res, PG_DIAG_SQLSTATE));
		statement_error(res, "migrate_apply", error_type, errmsg);
		PQclear(res);
		log_json(LOG_ERROR, "apply", now_ms() - t0, NULL, "migrate_apply() failed: %s", *errmsg);
		return -1;
	}

	list = cJSON_AddArrayToObject(result, "migrations");
	for (int i = 0; i < PQntuples(res); i++)
	{
		cJSON	   *m = cJSON_CreateObject();
		static const char *const names[] = {"version", "description", "type", "script",
		"checksum", "executionTime", "state"};

		for (int c = 0; c < 7; c++)
		{
			if (PQgetisnull(res, i, c))
				cJSON_AddNullToObject(m, names[c]);
			else if (c == 4 || c == 5)
				cJSON_AddNumberToObject(m, names[c], strtod(PQgetvalue(res, i, c), NULL));
			else
				cJSON_AddStringToObject(m, names[c], PQgetvalue(res, i, c));
		}
		cJSON_AddItemToArray(list, m);
	}
	cJSON_AddNumberToObject(result, "applied", PQntuples(res));
	log_json(LOG_INFO, "apply", now_ms() - t0, NULL, "migrate_apply() applied %d migration%s",
			 PQntuples(res), PQntuples(res) == 1 ? "" : "s");
	PQclear(res);
	return 0;
}

/*
 * PG_MIGRATE_ENGINE decides, with what the connection found: the engine
 * ("extension" or "client"), logged in one line with the reason, or NULL
 * with the error when neither can run.
 */
static const char *
choose_engine(const config *cfg, const char **error_type, char **errmsg)
{
	int			has_extension = extension_schema[0] != '\0';
	const char *engine;
	const char *why;
	char	   *problem = NULL;

	if (cfg->engine == ENGINE_EXTENSION)
	{
		engine = "extension";
		why = "PG_MIGRATE_ENGINE=extension";
		if (!has_extension)
		{
			*error_type = "Function.ExtensionMissing";
			*errmsg = strdup("PG_MIGRATE_ENGINE=extension, but the pg_migrate extension is "
							 "not installed in this database. " EXTENSION_ADVICE);
			return NULL;
		}
	}
	else if (cfg->engine == ENGINE_CLIENT)
	{
		engine = "client";
		why = "PG_MIGRATE_ENGINE=client";
	}
	else if (has_extension)
	{
		engine = "extension";
		why = "PG_MIGRATE_ENGINE=auto and the database has the pg_migrate extension";
	}
	else
	{
		engine = "client";
		why = "PG_MIGRATE_ENGINE=auto and the database has no pg_migrate extension";
		problem = client_locations_problem(cfg);
	}
	if (problem)
	{
		*error_type = "Function.ConfigInvalid";
		*errmsg = problem;
		log_error("engine", "engine %s (%s), which cannot run: %s", engine, why, problem);
		return NULL;
	}
	log_info("engine", "engine %s: %s", engine, why);
	return engine;
}

/* The deploy through migrate_apply(): settings, info before, apply, info after. */
static int
extension_migrate(PGconn *conn, const config *cfg, cJSON *res, cJSON **before,
				  const char **error_type, char **errmsg)
{
	cJSON	   *after;
	long		t0;

	if (apply_settings(conn, cfg, error_type, errmsg) != 0)
		return -1;
	t0 = now_ms();
	*before = info_summary(conn, error_type, errmsg);
	if (*before == NULL)
		return -1;
	summary_note_info(*before, 0);
	log_json(LOG_INFO, "info", now_ms() - t0, cJSON_Duplicate(*before, 1), "migrate_info() before apply");
	cJSON_AddItemToObject(res, "schemaVersionBefore",
						  cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(*before, "schemaVersion"), 1));

	if (apply(conn, cfg, res, error_type, errmsg) != 0)
		return -1;

	t0 = now_ms();
	after = info_summary(conn, error_type, errmsg);
	if (after == NULL)
		return -1;
	summary_note_info(after, 1);
	log_json(LOG_INFO, "info", now_ms() - t0, cJSON_Duplicate(after, 1), "migrate_info() after apply");
	cJSON_AddItemToObject(res, "schemaVersion",
						  cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(after, "schemaVersion"), 1));
	cJSON_Delete(after);
	return 0;
}

/* A failed migrate_apply() still logs where the database stands. */
static void
info_after_failure(PGconn *conn, long deadline_ms)
{
	char	   *em = NULL;
	const char *et = NULL;
	long		left = deadline_ms - now_ms();
	cJSON	   *state = NULL;

	/* only with time to spare, and never past the deadline */
	if (!abandoned && left > 1000 && PQstatus(conn) == CONNECTION_OK)
	{
		char		q[128];
		PGresult   *r;

		snprintf(q, sizeof(q), "SET statement_timeout = %ld", left / 2);
		hard_deadline_ms = now_ms() + left / 2 + 500;
		r = exec_bounded(conn, q, 0, NULL);
		PQclear(r);
		if (!abandoned)
			state = info_summary(conn, &et, &em);
	}
	if (state)
	{
		summary_note_info(state, 1);
		log_json(LOG_INFO, "info", -1, state, "migrate_info() after failure");
	}
	free(em);
}

int
db_migrate(const config *cfg, const db_secret *secret, long deadline_ms,
		   cJSON **result, const char **error_type, char **errmsg, int *auth_failed)
{
	PGconn	   *conn;
	cJSON	   *before = NULL;
	cJSON	   *res = NULL;
	const char *engine;
	int			rc = -1;

	/* nothing of an earlier call (a refused password) outlives it */
	*result = NULL;
	*error_type = NULL;
	*errmsg = NULL;
	*auth_failed = 0;
	/* a quarter of the reporting margin for a server that does not answer */
	hard_deadline_ms = deadline_ms + cfg->margin_ms / 4;
	abandoned = 0;
	conn = connect_with_retries(cfg, secret, deadline_ms, error_type, errmsg, auth_failed);
	if (conn == NULL)
		return -1;
	if (prepare_session(conn, cfg, deadline_ms, error_type, errmsg) != 0 ||
		(engine = choose_engine(cfg, error_type, errmsg)) == NULL)
		goto done;

	res = cJSON_CreateObject();
	cJSON_AddStringToObject(res, "engine", engine);
	if (strcmp(engine, "client") == 0)
		rc = client_migrate(conn, cfg, deadline_ms, hard_deadline_ms, res, error_type, errmsg);
	else
	{
		rc = extension_migrate(conn, cfg, res, &before, error_type, errmsg);
		if (rc != 0 && *errmsg && before)
			info_after_failure(conn, deadline_ms);
	}
	if (rc == 0)
	{
		*result = res;
		res = NULL;
	}

done:
	cJSON_Delete(before);
	cJSON_Delete(res);
	PQfinish(conn);
	return rc;
}
