/*-------------------------------------------------------------------------
 *
 * aws_credentials.c
 *	  Find AWS credentials for S3 requests the way the AWS SDKs do:
 *	  explicit values, environment, ECS container endpoint, EC2 IMDSv2.
 *
 * The chain is described in aws_credentials.h.  Network requests go through
 * fetch_request (no PostgreSQL error inside libcurl, abort callback
 * honoured).  Error messages never contain a secret, a session token or an
 * authorization token: they are built from our own words, the endpoint URL
 * without query, and fetch.c's already-masked messages.
 *
 * IDENTIFICATION
 *	  src/remote/aws_credentials.c
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "aws_credentials.h"
#include "fetch.h"

#define ECS_HOST			"http://169.254.170.2"
#define IMDS_DEFAULT		"http://169.254.169.254"
#define IMDS_TOKEN_TTL		"21600"
#define METADATA_MAX_SIZE	(64 * 1024)

static char *env_nonempty(const char *name);
static bool parse_credentials_json(const char *body, size_t len, const char *what,
								   AwsCredentials *out, char **errmsg);
static bool from_container(const FetchOptions *opts, AwsCredentials *out, char **errmsg);
static bool from_imds(const FetchOptions *opts, AwsCredentials *out, char **errmsg);
static char *read_token_file(const char *path, char **errmsg);

static char *
env_nonempty(const char *name)
{
	char	   *v = getenv(name);

	return (v != NULL && v[0] != '\0') ? v : NULL;
}

bool
aws_parse_timestamp(const char *s, time_t *out)
{
	struct tm	tm;
	int			y,
				mo,
				d,
				h,
				mi,
				sec,
				n = 0;
	const char *rest;

	if (s == NULL ||
		sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 || n == 0)
		return false;
	rest = s + n;
	if (*rest == '.')
	{
		rest++;
		while (*rest >= '0' && *rest <= '9')
			rest++;
	}
	if (strcmp(rest, "Z") != 0 && strcmp(rest, "+00:00") != 0)
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return false;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*out = timegm(&tm);
	return *out != (time_t) -1;
}

bool
aws_credentials_need_refresh(const AwsCredentials *creds, time_t now, int margin_seconds)
{
	if (creds == NULL || creds->access_key_id == NULL)
		return true;
	if (creds->expiration == 0)
		return false;
	return creds->expiration - now <= (time_t) margin_seconds;
}

void
aws_credentials_free(AwsCredentials *creds)
{
	if (creds->access_key_id)
		pfree(creds->access_key_id);
	if (creds->secret_access_key)
	{
		explicit_bzero(creds->secret_access_key, strlen(creds->secret_access_key));
		pfree(creds->secret_access_key);
	}
	if (creds->session_token)
	{
		explicit_bzero(creds->session_token, strlen(creds->session_token));
		pfree(creds->session_token);
	}
	memset(creds, 0, sizeof(*creds));
}

/*
 * parse_credentials_json
 *		The container endpoint and IMDS both answer
 *		{"AccessKeyId", "SecretAccessKey", "Token", "Expiration", ...};
 *		IMDS adds "Code": "Success".
 */
static bool
parse_credentials_json(const char *body, size_t len, const char *what,
					   AwsCredentials *out, char **errmsg)
{
	cJSON	   *root = cJSON_ParseWithLength(body, len);
	const cJSON *code,
			   *akid,
			   *secret,
			   *token,
			   *exp;
	bool		ok = false;

	if (root == NULL || !cJSON_IsObject(root))
	{
		*errmsg = psprintf("%s did not return a JSON object", what);
		goto done;
	}
	code = cJSON_GetObjectItemCaseSensitive(root, "Code");
	if (code != NULL && cJSON_IsString(code) && strcmp(code->valuestring, "Success") != 0)
	{
		*errmsg = psprintf("%s returned code \"%.64s\"", what, code->valuestring);
		goto done;
	}
	akid = cJSON_GetObjectItemCaseSensitive(root, "AccessKeyId");
	secret = cJSON_GetObjectItemCaseSensitive(root, "SecretAccessKey");
	token = cJSON_GetObjectItemCaseSensitive(root, "Token");
	exp = cJSON_GetObjectItemCaseSensitive(root, "Expiration");
	if (!cJSON_IsString(akid) || akid->valuestring[0] == '\0' ||
		!cJSON_IsString(secret) || secret->valuestring[0] == '\0')
	{
		*errmsg = psprintf("%s returned no AccessKeyId or SecretAccessKey", what);
		goto done;
	}
	memset(out, 0, sizeof(*out));
	if (exp != NULL && cJSON_IsString(exp))
	{
		if (!aws_parse_timestamp(exp->valuestring, &out->expiration))
		{
			*errmsg = psprintf("%s returned an invalid Expiration", what);
			goto done;
		}
	}
	out->access_key_id = pstrdup(akid->valuestring);
	out->secret_access_key = pstrdup(secret->valuestring);
	if (cJSON_IsString(token) && token->valuestring[0] != '\0')
		out->session_token = pstrdup(token->valuestring);
	ok = true;

done:
	if (root != NULL)
	{
		/* wipe the secrets in cJSON's copy before freeing it */
		secret = cJSON_GetObjectItemCaseSensitive(root, "SecretAccessKey");
		token = cJSON_GetObjectItemCaseSensitive(root, "Token");
		if (cJSON_IsString(secret))
			explicit_bzero(secret->valuestring, strlen(secret->valuestring));
		if (cJSON_IsString(token))
			explicit_bzero(token->valuestring, strlen(token->valuestring));
		cJSON_Delete(root);
	}
	return ok;
}

/* Contents of a token file (a regular file only), trailing white space removed. */
static char *
read_token_file(const char *path, char **errmsg)
{
	int			fd = fetch_open_regular_file(path, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
											 errmsg);
	char		buf[8192];
	ssize_t		n = 0;

	if (fd < 0)
		return NULL;
	while ((size_t) n < sizeof(buf) - 1)
	{
		ssize_t		got = read(fd, buf + n, sizeof(buf) - 1 - n);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		n += got;
	}
	close(fd);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	if (n == 0 || strchr(buf, '\n') != NULL || strchr(buf, '\r') != NULL)
	{
		*errmsg = psprintf("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \"%s\" is empty or has several lines", path);
		explicit_bzero(buf, sizeof(buf));
		return NULL;
	}
	{
		char	   *r = pstrdup(buf);

		explicit_bzero(buf, sizeof(buf));
		return r;
	}
}

static bool
from_container(const FetchOptions *opts, AwsCredentials *out, char **errmsg)
{
	const char *rel = env_nonempty("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = env_nonempty("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	const char *token_file = env_nonempty("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	const char *token_env = env_nonempty("AWS_CONTAINER_AUTHORIZATION_TOKEN");
	char	   *url;
	char	   *token = NULL;
	char	   *auth_hdr = NULL;
	const char *headers[1];
	const char *secrets[1];
	FetchRequest req;
	FetchResponse resp;
	bool		ok = false;

	url = rel ? psprintf("%s%s%s", ECS_HOST, rel[0] == '/' ? "" : "/", rel) : pstrdup(full);
	if (token_file)
	{
		token = read_token_file(token_file, errmsg);
		if (token == NULL)
		{
			pfree(url);
			return false;
		}
	}
	else if (token_env)
		token = pstrdup(token_env);
	if (token && (strchr(token, '\r') || strchr(token, '\n')))
	{
		*errmsg = pstrdup("the container authorization token contains a line break");
		goto done;
	}

	memset(&req, 0, sizeof(req));
	req.url = url;
	req.allow_metadata_http = true;
	if (token)
	{
		auth_hdr = psprintf("Authorization: %s", token);
		headers[0] = auth_hdr;
		req.headers = headers;
		req.nheaders = 1;
		secrets[0] = token;
		req.secrets = secrets;
		req.nsecrets = 1;
	}
	{
		FetchOptions o = *opts;

		o.max_size = METADATA_MAX_SIZE;
		fetch_request(&req, &o, &resp);
	}
	if (resp.status != FETCH_OK)
		*errmsg = psprintf("container credentials endpoint: %s", resp.error);
	else
		ok = parse_credentials_json(resp.body, resp.body_len, "container credentials endpoint",
									out, errmsg);
	if (resp.body)
		explicit_bzero(resp.body, resp.body_len);
	fetch_response_free(&resp);
	if (ok)
		out->source = "container";

done:
	if (auth_hdr)
	{
		explicit_bzero(auth_hdr, strlen(auth_hdr));
		pfree(auth_hdr);
	}
	if (token)
	{
		explicit_bzero(token, strlen(token));
		pfree(token);
	}
	pfree(url);
	return ok;
}

/*
 * from_imds
 *		IMDSv2: PUT /latest/api/token, GET the role name, GET its
 *		credentials, each with the token header.
 */
static bool
from_imds(const FetchOptions *opts, AwsCredentials *out, char **errmsg)
{
	const char *ep = env_nonempty("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	size_t		eplen;
	char	   *base;
	char	   *url = NULL;
	char	   *token = NULL;
	char	   *tok_hdr = NULL;
	char	   *role = NULL;
	const char *headers[1];
	const char *secrets[1];
	FetchOptions o = *opts;
	FetchRequest req;
	FetchResponse resp;
	bool		ok = false;

	if (ep == NULL)
		ep = IMDS_DEFAULT;
	eplen = strlen(ep);
	while (eplen > 0 && ep[eplen - 1] == '/')
		eplen--;
	base = pnstrdup(ep, eplen);

	o.connect_timeout_ms = 1000;
	o.timeout_ms = 2000;
	o.max_retries = 1;
	o.retry_delay_ms = 100;
	o.max_size = METADATA_MAX_SIZE;

	/* 1. session token */
	memset(&req, 0, sizeof(req));
	url = psprintf("%s/latest/api/token", base);
	headers[0] = "X-aws-ec2-metadata-token-ttl-seconds: " IMDS_TOKEN_TTL;
	req.method = "PUT";
	req.url = url;
	req.headers = headers;
	req.nheaders = 1;
	req.allow_metadata_http = true;
	fetch_request(&req, &o, &resp);
	if (resp.status != FETCH_OK || resp.body_len == 0 ||
		strpbrk(resp.body, "\r\n") != NULL)
	{
		*errmsg = psprintf("instance metadata: %s",
						   resp.error ? resp.error : "no valid session token returned");
		fetch_response_free(&resp);
		goto done;
	}
	token = resp.body;
	resp.body = NULL;
	fetch_response_free(&resp);
	tok_hdr = psprintf("X-aws-ec2-metadata-token: %s", token);
	secrets[0] = token;

	/* 2. role name */
	pfree(url);
	url = psprintf("%s/latest/meta-data/iam/security-credentials/", base);
	memset(&req, 0, sizeof(req));
	headers[0] = tok_hdr;
	req.url = url;
	req.headers = headers;
	req.nheaders = 1;
	req.allow_metadata_http = true;
	req.secrets = secrets;
	req.nsecrets = 1;
	fetch_request(&req, &o, &resp);
	if (resp.status != FETCH_OK)
	{
		*errmsg = psprintf("instance metadata: %s", resp.error);
		fetch_response_free(&resp);
		goto done;
	}
	resp.body[strcspn(resp.body, "\r\n")] = '\0';
	if (resp.body[0] == '\0' || strchr(resp.body, '/') != NULL)
	{
		*errmsg = pstrdup("instance metadata: no IAM role is attached to this instance");
		fetch_response_free(&resp);
		goto done;
	}
	role = fetch_uri_encode_path(resp.body);
	fetch_response_free(&resp);

	/* 3. the role's credentials */
	pfree(url);
	url = psprintf("%s/latest/meta-data/iam/security-credentials/%s", base, role);
	req.url = url;
	fetch_request(&req, &o, &resp);
	if (resp.status != FETCH_OK)
		*errmsg = psprintf("instance metadata: %s", resp.error);
	else
		ok = parse_credentials_json(resp.body, resp.body_len, "instance metadata", out, errmsg);
	if (resp.body)
		explicit_bzero(resp.body, resp.body_len);
	fetch_response_free(&resp);
	if (ok)
		out->source = "instance metadata";

done:
	if (tok_hdr)
	{
		explicit_bzero(tok_hdr, strlen(tok_hdr));
		pfree(tok_hdr);
	}
	if (token)
	{
		explicit_bzero(token, strlen(token));
		pfree(token);
	}
	if (role)
		pfree(role);
	if (url)
		pfree(url);
	pfree(base);
	return ok;
}

/*
 * aws_credentials_resolve
 *		See aws_credentials.h.
 */
bool
aws_credentials_resolve(const char *key_id, const char *secret, const char *token,
						const FetchOptions *opts, AwsCredentials *out, char **errmsg)
{
	const char *v;
	char	   *why = NULL;

	memset(out, 0, sizeof(*out));
	*errmsg = NULL;

	/* 1. explicit */
	if ((key_id && key_id[0]) || (secret && secret[0]))
	{
		if (!(key_id && key_id[0]) || !(secret && secret[0]))
		{
			*errmsg = pstrdup("an AWS access key id and a secret access key must be set together");
			return false;
		}
		out->access_key_id = pstrdup(key_id);
		out->secret_access_key = pstrdup(secret);
		out->session_token = (token && token[0]) ? pstrdup(token) : NULL;
		out->source = "settings";
		return true;
	}

	/* 2. environment */
	if (env_nonempty("AWS_ACCESS_KEY_ID") || env_nonempty("AWS_SECRET_ACCESS_KEY"))
	{
		if (!env_nonempty("AWS_ACCESS_KEY_ID") || !env_nonempty("AWS_SECRET_ACCESS_KEY"))
		{
			*errmsg = pstrdup("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together");
			return false;
		}
		out->access_key_id = pstrdup(getenv("AWS_ACCESS_KEY_ID"));
		out->secret_access_key = pstrdup(getenv("AWS_SECRET_ACCESS_KEY"));
		v = env_nonempty("AWS_SESSION_TOKEN");
		out->session_token = v ? pstrdup(v) : NULL;
		out->source = "environment";
		return true;
	}

	/* 3. container endpoint: when configured, it is the answer either way */
	if (env_nonempty("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") ||
		env_nonempty("AWS_CONTAINER_CREDENTIALS_FULL_URI"))
	{
		if (from_container(opts, out, &why))
			return true;
		*errmsg = psprintf("could not get AWS credentials: %s", why);
		pfree(why);
		return false;
	}

	/* 4. EC2 instance metadata */
	v = env_nonempty("AWS_EC2_METADATA_DISABLED");
	if (v != NULL && pg_strcasecmp(v, "true") == 0)
	{
		*errmsg = pstrdup("no AWS credentials found in the settings, the environment or a container endpoint, and instance metadata is disabled");
		return false;
	}
	if (from_imds(opts, out, &why))
		return true;
	*errmsg = psprintf("no AWS credentials found in the settings, the environment, a container endpoint or instance metadata (%s)", why);
	pfree(why);
	return false;
}
