/*-------------------------------------------------------------------------
 *
 * jdbc_url.h
 *	  Flyway's connection URL, jdbc:postgresql://host:port/db?params, as
 *	  libpq connection keywords.
 *
 * Frontend code: the pg_migrate command and the Lambda handler link it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef JDBC_URL_H
#define JDBC_URL_H

#include <stdbool.h>

/* Connection settings from a JDBC URL; NULL means "not given". */
typedef struct JdbcUrl
{
	char	   *hosts;			/* comma-separated, libpq multi-host form */
	char	   *ports;			/* comma-separated, same count as hosts */
	char	   *dbname;
	char	   *user;
	char	   *password;
	char	   *sslmode;
	char	   *sslrootcert;
	char	   *sslcert;
	char	   *sslkey;
	char	   *application_name;
	char	   *connect_timeout;
	char	   *target_session_attrs;
	char	   *options;
	char	   *ignored;		/* pgJDBC-only parameters, comma-separated */
} JdbcUrl;

/* Whether url is a JDBC URL at all (else: a libpq URI or conninfo). */
extern bool jdbc_url_is_jdbc(const char *url);

/*
 * Parse jdbc:postgresql://host[:port][,host[:port]...]/database[?k=v&...].
 * On error returns false with *error set (palloc'd; never quotes a
 * password).
 */
extern bool jdbc_url_parse(const char *url, JdbcUrl *out, char **error);
extern void jdbc_url_free(JdbcUrl *url);

#endif							/* JDBC_URL_H */
