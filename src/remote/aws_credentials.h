/*-------------------------------------------------------------------------
 *
 * aws_credentials.h
 *	  AWS credentials for signing S3 requests: explicit values, the
 *	  environment, the ECS container endpoint or EC2 instance metadata.
 *
 * The chain (aws_credentials_resolve), first match wins:
 *	1. explicit key id + secret (+ token), e.g. from superuser-only settings;
 *	2. AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN;
 *	3. the container endpoint: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
 *	   (http://169.254.170.2 + it) or AWS_CONTAINER_CREDENTIALS_FULL_URI,
 *	   with the Authorization header from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
 *	   or AWS_CONTAINER_AUTHORIZATION_TOKEN;
 *	4. EC2 IMDSv2 (PUT a token, GET the role, GET its credentials) at
 *	   AWS_EC2_METADATA_SERVICE_ENDPOINT or http://169.254.169.254, unless
 *	   AWS_EC2_METADATA_DISABLED=true.
 * Plain http is accepted only for steps 3 and 4, and only to link-local
 * metadata addresses or loopback (see fetch.c, metadata_host).
 *
 * Credentials from 3 and 4 expire; the caller keeps them (in a long-lived
 * memory context) and calls aws_credentials_need_refresh before each use.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_MIGRATE_AWS_CREDENTIALS_H
#define PG_MIGRATE_AWS_CREDENTIALS_H

#include <time.h>

#include "fetch.h"

/* Refresh this long before expiry by default (the SDKs use 5 minutes). */
#define AWS_CREDENTIALS_REFRESH_MARGIN 300

typedef struct AwsCredentials AwsCredentials;

struct AwsCredentials
{
	char	   *access_key_id;	/* palloc'd */
	char	   *secret_access_key;	/* palloc'd */
	char	   *session_token;	/* palloc'd, or NULL */
	time_t		expiration;		/* 0 = does not expire */
	const char *source;			/* "settings", "environment", "container",
								 * "instance metadata" (static string) */
};

/*
 * Resolve credentials through the chain.  key_id/secret/token are the
 * explicit values (NULL or "" = not set; a key id without a secret is an
 * error).  opts gives the CA file, abort callback and timeouts for the
 * container endpoint; instance metadata uses short fixed timeouts (1 s
 * connect, 2 s total, 1 retry) as the SDKs do.  Returns false and sets
 * *errmsg (never containing a secret) when no source has credentials.
 */
extern bool aws_credentials_resolve(const char *key_id, const char *secret,
									const char *token, const FetchOptions *opts,
									AwsCredentials *out, char **errmsg);

/* True when creds expire within margin_seconds of now (or have expired). */
extern bool aws_credentials_need_refresh(const AwsCredentials *creds, time_t now,
										 int margin_seconds);

/* Zero the secrets and pfree the strings; the struct itself is not freed. */
extern void aws_credentials_free(AwsCredentials *creds);

/* Parse "2024-01-02T03:04:05Z" (fractional seconds allowed) as UTC. */
extern bool aws_parse_timestamp(const char *s, time_t *out);

#endif							/* PG_MIGRATE_AWS_CREDENTIALS_H */
