/*-------------------------------------------------------------------------
 *
 * s3.c
 *	  S3 GetObject on top of fetch.c: the object's https URL and the
 *	  request signed with SigV4 by libcurl.
 *
 * Kept apart from fetch.c so that fetch.c, the generic HTTPS client, does
 * not depend on aws_credentials.c, which itself uses fetch.c's requests to
 * reach the ECS and EC2 metadata endpoints.
 *
 * IDENTIFICATION
 *	  src/remote/s3.c
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include "aws_credentials.h"
#include "fetch.h"
#include "s3.h"

#define EMPTY_PAYLOAD_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

char *
s3_object_url(const S3Location *loc, char **errmsg)
{
	const char *p;
	char	   *key;
	char	   *url;

	if (loc->bucket == NULL || loc->bucket[0] == '\0' || strlen(loc->bucket) > 255 ||
		strspn(loc->bucket, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") !=
		strlen(loc->bucket))
	{
		*errmsg = pstrdup("S3 bucket name is empty or has characters other than letters, digits, '.', '-' and '_'");
		return NULL;
	}
	if (loc->region == NULL || loc->region[0] == '\0' || strlen(loc->region) > 64 ||
		strspn(loc->region, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(loc->region))
	{
		*errmsg = pstrdup("S3 region is empty or invalid");
		return NULL;
	}
	if (loc->key == NULL || loc->key[0] == '\0')
	{
		*errmsg = pstrdup("S3 object key is empty");
		return NULL;
	}
	for (p = loc->key; *p == '/'; p++)
		;						/* a leading '/' is not part of the key */
	key = fetch_uri_encode_path(p);
	if (loc->endpoint != NULL && loc->endpoint[0] != '\0')
	{
		size_t		elen = strlen(loc->endpoint);

		while (elen > 0 && loc->endpoint[elen - 1] == '/')
			elen--;
		if (pg_strncasecmp(loc->endpoint, "https://", 8) != 0)
		{
			*errmsg = pstrdup("S3 endpoint must be an https URL");
			pfree(key);
			return NULL;
		}
		url = psprintf("%.*s/%s/%s", (int) elen, loc->endpoint, loc->bucket, key);
	}
	else if (strchr(loc->bucket, '.') != NULL)
		url = psprintf("https://s3.%s.amazonaws.com/%s/%s", loc->region, loc->bucket, key);
	else
		url = psprintf("https://%s.s3.%s.amazonaws.com/%s", loc->bucket, loc->region, key);
	pfree(key);
	return url;
}

/*
 * fetch_s3
 *		GetObject signed by libcurl (CURLOPT_AWS_SIGV4, provider aws:amz,
 *		explicit region and service, since 7.88 would otherwise guess them
 *		from the host name).  x-amz-content-sha256 is given explicitly (S3
 *		requires it; curl >= 7.87 uses a given one as the payload hash); the
 *		session token header is only added when there is a token (an empty
 *		one would be signed but not sent by 7.88).  No redirects: S3 answers
 *		301 for a wrong region, which is reported as it is.
 */
FetchStatus
fetch_s3(const S3Location *loc, const AwsCredentials *creds, const char *if_none_match,
		 const FetchOptions *opts, FetchResponse *resp)
{
	FetchRequest req;
	const char *headers[2];
	const char *secrets[1];
	char	   *url;
	char	   *sigv4;
	char	   *token_hdr = NULL;
	char	   *err;
	int			nh = 0;
	FetchStatus status;

	memset(resp, 0, sizeof(*resp));
	url = s3_object_url(loc, &err);
	if (url == NULL)
	{
		resp->status = FETCH_INVALID;
		resp->error = err;
		return resp->status;
	}
	if (creds == NULL || creds->access_key_id == NULL || creds->access_key_id[0] == '\0' ||
		creds->secret_access_key == NULL || creds->secret_access_key[0] == '\0')
	{
		resp->status = FETCH_INVALID;
		resp->error = pstrdup("no AWS credentials to sign the S3 request with");
		pfree(url);
		return resp->status;
	}
	sigv4 = psprintf("aws:amz:%s:s3", loc->region);
	headers[nh++] = "x-amz-content-sha256: " EMPTY_PAYLOAD_SHA256;
	if (creds->session_token != NULL && creds->session_token[0] != '\0')
	{
		token_hdr = psprintf("x-amz-security-token: %s", creds->session_token);
		headers[nh++] = token_hdr;
	}
	secrets[0] = creds->session_token;

	memset(&req, 0, sizeof(req));
	req.url = url;
	req.headers = headers;
	req.nheaders = nh;
	req.if_none_match = if_none_match;
	req.follow_redirects = false;
	req.aws_sigv4 = sigv4;
	req.aws_access_key_id = creds->access_key_id;
	req.aws_secret_access_key = creds->secret_access_key;
	req.secrets = secrets;
	req.nsecrets = 1;
	status = fetch_request(&req, opts, resp);

	if (token_hdr)
	{
		explicit_bzero(token_hdr, strlen(token_hdr));
		pfree(token_hdr);
	}
	pfree(sigv4);
	pfree(url);
	return status;
}
