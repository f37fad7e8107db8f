/*-------------------------------------------------------------------------
 *
 * remote_location.h
 *	  A remote location (https://host/prefix/ or s3://bucket/prefix/) and
 *	  its release: what makes one valid, fetching one of its objects, and
 *	  checking the manifest and the files it lists.  One set of rules for
 *	  the extension's sync (backend/sync.c) and the pg_migrate command
 *	  (client/script_source.c).
 *
 * Errors are returned in a MigrateError (the server ereports it); texts
 * never carry a signed URL or a credential.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_MIGRATE_REMOTE_LOCATION_H
#define PG_MIGRATE_REMOTE_LOCATION_H

#include "aws_credentials.h"
#include "fetch.h"
#include "manifest.h"
#include "migrate_error.h"

/* Why a remote location cannot be used (remote_location_check). */
typedef enum RemoteLocationProblem
{
	REMOTE_LOCATION_OK,
	REMOTE_LOCATION_NOT_HTTPS,	/* http:// */
	REMOTE_LOCATION_NO_HOST,	/* no host, or no bucket */
	REMOTE_LOCATION_QUERY,		/* ?... or #... */
	REMOTE_LOCATION_CREDENTIALS,	/* user:password@ */
	REMOTE_LOCATION_SPACES,		/* spaces, control characters, backslashes */
	REMOTE_LOCATION_DOT_FOLDERS,	/* /./ or /../ */
	REMOTE_LOCATION_BAD_BUCKET	/* not an S3 bucket name */
} RemoteLocationProblem;

/* An entry of locations that names a remote location (even a bad one). */
extern bool remote_location_is_remote(const char *entry);

/* What is wrong with a remote entry, REMOTE_LOCATION_OK if nothing. */
extern RemoteLocationProblem remote_location_check(const char *entry);

/* The problem as a message's detail says it. */
extern const char *remote_location_problem_text(const char *entry, RemoteLocationProblem problem);

/* A valid remote entry as it is kept: scheme in lower case, ending in '/'. */
extern char *remote_location_normalize(const char *entry);

/* The region S3 requests are signed for: configured, else AWS_REGION, ... */
extern const char *remote_s3_region(const char *configured);

/* How requests to an s3:// location are signed (unused for https://). */
typedef struct RemoteS3Access
{
	const AwsCredentials *credentials;
	const char *region;
	const char *endpoint;		/* NULL/"" = AWS */
} RemoteS3Access;

/*
 * GET the object name (relative to the location, not encoded) of a
 * normalized location: https:// as a URL, s3:// signed with SigV4.  True
 * for FETCH_OK and FETCH_NOT_MODIFIED (resp->status says which); else
 * false with *err (no hint: the caller knows what the user can change).
 */
extern bool remote_fetch_object(const char *location, const char *name,
								const char *if_none_match, const RemoteS3Access *s3,
								const FetchOptions *opts, FetchResponse *resp,
								MigrateError *err);

/* The location's manifest from its fetched body, or NULL and *err. */
extern Manifest *remote_manifest_parse(const char *location, const FetchResponse *resp,
									   MigrateError *err);

/* Whether a fetched file is the one the manifest lists (size, SHA-256); else *err. */
extern bool remote_file_verify(const char *location, const ManifestFile *file,
							   const FetchResponse *resp, MigrateError *err);

#endif							/* PG_MIGRATE_REMOTE_LOCATION_H */
