/*-------------------------------------------------------------------------
 *
 * secrets.h
 *	  Database credentials from AWS Secrets Manager.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGM_SECRETS_H
#define PGM_SECRETS_H

#include "config.h"

/* The fields of an RDS/Aurora secret; any may be NULL except password. */
typedef struct db_secret
{
	char	   *username;
	char	   *password;
	char	   *host;
	char	   *port;
	char	   *dbname;
} db_secret;

/*
 * Fetch and parse the secret, retrying throttling and 5xx until
 * deadline_ms (absolute, Unix epoch ms).  On success returns 0 with
 * *error_type and *errmsg NULL, whatever earlier attempts met.  On failure
 * returns -1 and sets *error_type (static string) and *errmsg (malloc'd,
 * secret-free) from the last attempt.
 */
extern int	secret_fetch(const config *cfg, long deadline_ms, db_secret *out,
						 const char **error_type, char **errmsg);
extern int	secret_parse(const char *secret_string, db_secret *out, char **errmsg);
extern void secret_free(db_secret *s);

#endif							/* PGM_SECRETS_H */
