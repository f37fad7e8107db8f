/*-------------------------------------------------------------------------
 *
 * connect.h
 *	  The pg_migrate command's connection: Flyway's url, user and password
 *	  (a JDBC URL, a postgresql:// URI or a libpq conninfo; libpq's PG*
 *	  environment and ~/.pgpass otherwise), and connectRetries.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CLIENT_CONNECT_H
#define CLIENT_CONNECT_H

#include "libpq-fe.h"

#include "migrate_error.h"

typedef struct ConnectOptions
{
	const char *url;			/* NULL: libpq's defaults */
	const char *user;			/* -user; wins over the URL's */
	const char *password;		/* -password; wins over the URL's */
	int			retries;		/* connectRetries */
	int			retries_interval;	/* connectRetriesInterval, seconds */
} ConnectOptions;

/*
 * Connect, retrying an unreachable server as Flyway does (1 s, then twice
 * as long each time up to retries_interval); a refused login is not
 * retried.  On failure returns NULL with *err set: a one-line message
 * without the password, SQLSTATE 28P01 for a refused password, else 08006.
 * warn (may be NULL) is told of each retry.
 */
extern PGconn *client_connect(const ConnectOptions *opts, MigrateError *err,
							  void (*warn) (const char *message));

#endif							/* CLIENT_CONNECT_H */
