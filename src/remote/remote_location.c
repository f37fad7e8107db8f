/*-------------------------------------------------------------------------
 *
 * remote_location.c
 *	  A remote location and its release, as the extension's sync
 *	  (backend/sync.c) and the pg_migrate command (client/script_source.c)
 *	  both read them: which entries are valid, one object fetched over
 *	  https:// or from S3, the manifest parsed and each file checked
 *	  against it.
 *
 * Nothing here throws: errors are returned in a MigrateError, worded once;
 * the server ereports it with its hint (naming its settings), the command
 * prints it with its own.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include "remote_location.h"
#include "s3.h"

bool
remote_location_is_remote(const char *entry)
{
	return pg_strncasecmp(entry, "https://", 8) == 0 ||
		pg_strncasecmp(entry, "s3://", 5) == 0 ||
		pg_strncasecmp(entry, "http://", 7) == 0;
}

static bool
is_s3(const char *entry)
{
	return pg_strncasecmp(entry, "s3://", 5) == 0;
}

/* What follows the scheme: the host or bucket, then the prefix. */
static const char *
after_scheme(const char *entry)
{
	return entry + (is_s3(entry) ? 5 : 8);
}

/*
 * remote_location_check
 *		Neither credentials nor a query may be part of a location (they would
 *		end up in logs and status), nor dot folders (the prefix is a
 *		release's, as published); https only.
 */
RemoteLocationProblem
remote_location_check(const char *entry)
{
	const char *rest = after_scheme(entry);
	const char *slash = strchr(rest, '/');
	size_t		hostlen = slash ? (size_t) (slash - rest) : strlen(rest);

	if (pg_strncasecmp(entry, "http://", 7) == 0)
		return REMOTE_LOCATION_NOT_HTTPS;
	if (hostlen == 0)
		return REMOTE_LOCATION_NO_HOST;
	if (strpbrk(entry, "?#") != NULL)
		return REMOTE_LOCATION_QUERY;
	if (memchr(rest, '@', hostlen) != NULL)
		return REMOTE_LOCATION_CREDENTIALS;
	for (const char *p = entry; *p; p++)
		if ((unsigned char) *p <= ' ' || *p == '\\' || *p == 0x7f)
			return REMOTE_LOCATION_SPACES;
	if (strstr(rest, "/../") != NULL || strstr(rest, "/./") != NULL ||
		(strlen(rest) >= 3 && strcmp(rest + strlen(rest) - 3, "/..") == 0))
		return REMOTE_LOCATION_DOT_FOLDERS;
	if (is_s3(entry) && (hostlen < 3 || hostlen > 63 ||
						 strspn(rest, "abcdefghijklmnopqrstuvwxyz0123456789.-") < hostlen))
		return REMOTE_LOCATION_BAD_BUCKET;
	return REMOTE_LOCATION_OK;
}

const char *
remote_location_problem_text(const char *entry, RemoteLocationProblem problem)
{
	switch (problem)
	{
		case REMOTE_LOCATION_OK:
			break;
		case REMOTE_LOCATION_NOT_HTTPS:
			return "Scripts are fetched over https only.";
		case REMOTE_LOCATION_NO_HOST:
			return is_s3(entry) ? "The bucket name is missing." : "The host name is missing.";
		case REMOTE_LOCATION_QUERY:
			return "A location may not have a query or a fragment.";
		case REMOTE_LOCATION_CREDENTIALS:
			return "A location may not contain user names or passwords.";
		case REMOTE_LOCATION_SPACES:
			return "A location may not contain spaces, control characters or backslashes.";
		case REMOTE_LOCATION_DOT_FOLDERS:
			return "A location may not contain \".\" or \"..\" folders.";
		case REMOTE_LOCATION_BAD_BUCKET:
			return "An S3 bucket name has 3 to 63 lower-case letters, digits, dots and hyphens.";
	}
	return "";
}

char *
remote_location_normalize(const char *entry)
{
	const char *rest = after_scheme(entry);

	return psprintf("%s%s%s", is_s3(entry) ? "s3://" : "https://", rest,
					rest[0] != '\0' && rest[strlen(rest) - 1] == '/' ? "" : "/");
}

const char *
remote_s3_region(const char *configured)
{
	const char *names[] = {"AWS_REGION", "AWS_DEFAULT_REGION"};

	if (configured != NULL && configured[0] != '\0')
		return configured;
	for (size_t i = 0; i < lengthof(names); i++)
		if (getenv(names[i]) != NULL && getenv(names[i])[0] != '\0')
			return getenv(names[i]);
	return "us-east-1";
}

/* Why a GET failed, as an error without a hint. */
static void
fetch_error(const char *location, const char *name, const FetchResponse *resp, MigrateError *err)
{
	const char *detail = resp->error ? resp->error : fetch_status_name(resp->status);
	char	   *message;

	switch (resp->status)
	{
		case FETCH_ABORTED:
			message = psprintf("fetching \"%s%s\" was interrupted", location, name);
			migrate_error_set(err, "57014", message, NULL, NULL);
			break;
		case FETCH_REDIRECT_REFUSED:
			message = psprintf("could not fetch \"%s%s\": redirect refused", location, name);
			migrate_error_set(err, SQLSTATE_INSUFFICIENT_PRIVILEGE, message, detail, NULL);
			break;
		default:
			message = psprintf("could not fetch \"%s%s\"", location, name);
			migrate_error_set(err, resp->status == FETCH_TOO_LARGE ? "54000" :
							  resp->status == FETCH_HTTP_ERROR ? "38000" :
							  SQLSTATE_CONNECTION_FAILURE,
							  message, detail, NULL);
			break;
	}
	pfree(message);
}

bool
remote_fetch_object(const char *location, const char *name, const char *if_none_match,
					const RemoteS3Access *s3, const FetchOptions *opts, FetchResponse *resp,
					MigrateError *err)
{
	memset(resp, 0, sizeof(FetchResponse));
	if (strncmp(location, "s3://", 5) == 0)
	{
		const char *bucket = location + 5;
		const char *slash = strchr(bucket, '/');
		S3Location loc;

		loc.bucket = pnstrdup(bucket, slash - bucket);
		loc.key = psprintf("%s%s", slash + 1, name);
		loc.region = s3->region;
		loc.endpoint = s3->endpoint;
		(void) fetch_s3(&loc, s3->credentials, if_none_match, opts, resp);
	}
	else
	{
		char	   *encoded = fetch_uri_encode_path(name);

		(void) fetch_https(psprintf("%s%s", location, encoded), if_none_match, opts, resp);
		pfree(encoded);
	}
	if (resp->status == FETCH_OK || resp->status == FETCH_NOT_MODIFIED)
		return true;
	fetch_error(location, name, resp, err);
	return false;
}

Manifest *
remote_manifest_parse(const char *location, const FetchResponse *resp, MigrateError *err)
{
	char	   *why = NULL;
	Manifest   *manifest = manifest_parse(resp->body, resp->body_len, &why);
	char	   *message;

	if (manifest != NULL)
		return manifest;
	message = psprintf("invalid manifest \"%s%s\"", location, MANIFEST_FILE_NAME);
	migrate_error_set(err, "22P02", message, why,
					  "Write it with pg_migrate_manifest; see docs/publishing-releases.md.");
	pfree(message);
	return NULL;
}

bool
remote_file_verify(const char *location, const ManifestFile *file, const FetchResponse *resp,
				   MigrateError *err)
{
	char	   *why = NULL;
	char	   *message;

	if (manifest_verify(file, resp->body, resp->body_len, &why))
		return true;
	message = psprintf("script \"%s%s\" does not match the manifest", location, file->path);
	migrate_error_set(err, "XX001", message, why,
					  "The release may have been changed while it was fetched; publish the manifest last.");
	pfree(message);
	return false;
}
