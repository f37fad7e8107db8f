/*-------------------------------------------------------------------------
 *
 * connect.c
 *	  Connecting the pg_migrate command to its database.
 *
 * Flyway's -url is a JDBC URL; the command also takes what libpq takes (a
 * postgresql:// URI or a "host=... dbname=..." conninfo), and without one
 * libpq's own defaults: PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD,
 * ~/.pgpass, service files.  TLS is libpq's (sslmode, sslrootcert).
 *
 * Messages never hold the password: libpq's own do not, and the URL is
 * never quoted.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <time.h>

#include "connect.h"
#include "jdbc_url.h"

#define MAX_KEYWORDS 24

typedef struct Keywords
{
	const char *keys[MAX_KEYWORDS + 1];
	const char *values[MAX_KEYWORDS + 1];
	int			n;
} Keywords;

static void
add(Keywords *k, const char *key, const char *value)
{
	if (value != NULL && k->n < MAX_KEYWORDS)
	{
		k->keys[k->n] = key;
		k->values[k->n] = value;
		k->n++;
	}
}

/* A JDBC URL's settings as libpq keywords. */
static bool
add_jdbc_url(Keywords *k, const char *url, JdbcUrl *parsed, MigrateError *err)
{
	char	   *why = NULL;

	if (!jdbc_url_parse(url, parsed, &why))
	{
		migrate_error_set(err, SQLSTATE_INVALID_PARAMETER_VALUE,
						  psprintf("invalid -url: %s", why), NULL,
						  "Use jdbc:postgresql://host:port/database, a postgresql:// URI or a libpq conninfo.");
		return false;
	}
	add(k, "host", parsed->hosts);
	add(k, "port", parsed->ports);
	add(k, "dbname", parsed->dbname);
	add(k, "user", parsed->user);
	add(k, "password", parsed->password);
	add(k, "sslmode", parsed->sslmode);
	add(k, "sslrootcert", parsed->sslrootcert);
	add(k, "sslcert", parsed->sslcert);
	add(k, "sslkey", parsed->sslkey);
	add(k, "application_name", parsed->application_name);
	add(k, "connect_timeout", parsed->connect_timeout);
	add(k, "target_session_attrs", parsed->target_session_attrs);
	add(k, "options", parsed->options);
	return true;
}

/* libpq's message: its last line that says something, "FATAL:  " dropped. */
static char *
connection_message(PGconn *conn, char **hint)
{
	char	   *text = pstrdup(conn ? PQerrorMessage(conn) : "out of memory");
	char	   *line;
	char	   *message = NULL;
	char	   *save = NULL;
	char	   *p;

	*hint = NULL;
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save))
	{
		while (*line == '\t' || *line == ' ')
			line++;
		if (*line == '\0')
			continue;
		if (message == NULL)
			message = line;
		else if (*hint == NULL)
			*hint = pstrdup(line);	/* "Is the server running on that host...?" */
	}
	message = pstrdup(message ? message : "could not connect");
	while ((p = strstr(message, "FATAL:  ")) != NULL)
		memmove(p, p + 8, strlen(p + 8) + 1);
	pfree(text);
	return message;
}

static bool
login_refused(const char *message)
{
	return strstr(message, "password authentication failed") != NULL ||
		strstr(message, "authentication failed for user") != NULL ||
		strstr(message, "no password supplied") != NULL ||
		strstr(message, "password is missing") != NULL ||
		strstr(message, "no pg_hba.conf entry") != NULL;
}

static PGconn *
connect_once(const ConnectOptions *opts, MigrateError *err, bool *refused)
{
	Keywords	k;
	JdbcUrl		jdbc;
	bool		expand = false;
	PGconn	   *conn;
	char	   *message;
	char	   *hint;

	memset(&k, 0, sizeof(k));
	memset(&jdbc, 0, sizeof(jdbc));
	*refused = false;
	if (opts->url != NULL && opts->url[0] != '\0')
	{
		if (jdbc_url_is_jdbc(opts->url))
		{
			if (!add_jdbc_url(&k, opts->url, &jdbc, err))
			{
				*refused = true;	/* no retry can help */
				return NULL;
			}
		}
		else
		{
			/* a URI or a conninfo: libpq expands it; later keywords win */
			add(&k, "dbname", opts->url);
			expand = true;
		}
	}
	add(&k, "user", opts->user);
	add(&k, "password", opts->password);
	add(&k, "fallback_application_name", "pg_migrate");
	k.keys[k.n] = NULL;
	k.values[k.n] = NULL;

	conn = PQconnectdbParams(k.keys, k.values, expand);
	jdbc_url_free(&jdbc);
	if (conn != NULL && PQstatus(conn) == CONNECTION_OK)
		return conn;
	message = connection_message(conn, &hint);
	*refused = login_refused(message);
	migrate_error_set(err, *refused ? "28P01" : SQLSTATE_CONNECTION_FAILURE,
					  psprintf("could not connect to the database: %s", message), NULL,
					  *refused ? "Check -user and -password (or PGUSER, PGPASSWORD, ~/.pgpass)." :
					  hint ? hint : "Check -url (or PGHOST, PGPORT, PGDATABASE) and that the server accepts connections.");
	PQfinish(conn);
	return NULL;
}

PGconn *
client_connect(const ConnectOptions *opts, MigrateError *err, void (*warn) (const char *message))
{
	long		pause_ms = 1000;
	long		max_pause_ms = (long) (opts->retries_interval > 0 ? opts->retries_interval : 120) * 1000;

	for (int attempt = 1;; attempt++)
	{
		bool		refused;
		PGconn	   *conn = connect_once(opts, err, &refused);
		struct timespec ts;

		if (conn != NULL || refused || attempt > opts->retries)
			return conn;
		if (warn)
			warn(psprintf("%s; retrying in %ld s (connectRetries: attempt %d of %d)",
						  err->message, pause_ms / 1000, attempt, opts->retries));
		ts.tv_sec = pause_ms / 1000;
		ts.tv_nsec = (pause_ms % 1000) * 1000000L;
		nanosleep(&ts, NULL);
		pause_ms = Min(pause_ms * 2, max_pause_ms);
		migrate_error_clear(err);
	}
}
