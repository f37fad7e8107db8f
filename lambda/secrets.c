/*-------------------------------------------------------------------------
 *
 * secrets.c
 *	  GetSecretValue over HTTPS, signed by libcurl (CURLOPT_AWS_SIGV4), or
 *	  through the AWS Parameters and Secrets Lambda Extension.
 *
 * libcurl 7.88 (Debian 12) signs correctly only when: the body is given
 * with CURLOPT_POSTFIELDS (a read callback is hashed as empty), region and
 * service are explicit (otherwise taken from the host name, which breaks
 * on VPC endpoints and 127.0.0.1), no header-removal entries ("Expect:")
 * are added (they get signed but not sent), no X-Amz-Date is supplied, and
 * X-Amz-Security-Token is only sent when non-empty.  See
 * shared/research/aws-lambda.md section 3.4-3.5.
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <cjson/cJSON.h>

#include "http.h"
#include "log.h"
#include "secrets.h"

#define MAX_BODY (256 * 1024)	/* a secret is at most 64 KB */

/* the body holds the password: never leave it in freed memory */
static void
buffer_wipe(http_body *b)
{
	http_body_free(b, 1);
}

static char *
strf(const char *fmt, const char *a, const char *b)
{
	char		buf[1024];

	snprintf(buf, sizeof(buf), fmt, a ? a : "", b ? b : "");
	return strdup(buf);
}

static char *
json_string_dup(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	char		buf[32];

	if (cJSON_IsString(v) && v->valuestring[0])
		return strdup(v->valuestring);
	/* RDS secrets have "port" as a number in new docs, a string in old ones */
	if (cJSON_IsNumber(v))
	{
		snprintf(buf, sizeof(buf), "%.0f", v->valuedouble);
		return strdup(buf);
	}
	return NULL;
}

int
secret_parse(const char *secret_string, db_secret *out, char **errmsg)
{
	cJSON	   *j = cJSON_Parse(secret_string);

	memset(out, 0, sizeof(*out));
	if (!cJSON_IsObject(j))
	{
		cJSON_Delete(j);
		/* never quote the text: it may be the bare password */
		*errmsg = strdup("the secret is not a JSON object (expected the RDS secret layout)");
		return -1;
	}
	out->username = json_string_dup(j, "username");
	out->password = json_string_dup(j, "password");
	out->host = json_string_dup(j, "host");
	out->port = json_string_dup(j, "port");
	out->dbname = json_string_dup(j, "dbname");
	cJSON_Delete(j);
	if (out->password == NULL)
	{
		secret_free(out);
		*errmsg = strdup("the secret has no \"password\" field");
		return -1;
	}
	log_add_secret(out->password);
	return 0;
}

void
secret_free(db_secret *s)
{
	free(s->username);
	if (s->password)
		memset(s->password, 0, strlen(s->password));
	free(s->password);
	free(s->host);
	free(s->port);
	free(s->dbname);
	memset(s, 0, sizeof(*s));
}

/*
 * AWS JSON error codes may carry a namespace ("aws.foo#Name") and a ":url"
 * suffix; strip both as the AWS SDKs do.
 */
static void
error_code(const char *raw, char *out, size_t outlen)
{
	const char *hash = strchr(raw, '#');
	const char *start = hash ? hash + 1 : raw;
	size_t		len = strcspn(start, ":");

	if (len >= outlen)
		len = outlen - 1;
	memcpy(out, start, len);
	out[len] = '\0';
}

typedef enum
{
	ATTEMPT_OK,
	ATTEMPT_RETRY,
	ATTEMPT_FAIL
} attempt_result;

static attempt_result
classify_error(long status, const http_body *body, const char **error_type,
			   char **errmsg, const char *secret_id)
{
	cJSON	   *j = body->data ? cJSON_Parse(body->data) : NULL;
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "__type");
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "Message");
	char		code[128] = "";
	char		msg[512] = "";
	char		line[1024];
	attempt_result r;

	if (!cJSON_IsString(m))
		m = cJSON_GetObjectItemCaseSensitive(j, "message");
	if (cJSON_IsString(t))
		error_code(t->valuestring, code, sizeof(code));
	/* first line only: signature errors go on with the canonical request */
	if (cJSON_IsString(m))
		snprintf(msg, sizeof(msg), "%.*s", (int) strcspn(m->valuestring, "\r\n"), m->valuestring);
	cJSON_Delete(j);

	if (http_status_retryable(status) || strcmp(code, "ThrottlingException") == 0 ||
		strcmp(code, "TooManyRequestsException") == 0)
	{
		*error_type = "Function.SecretUnavailable";
		r = ATTEMPT_RETRY;
	}
	else if (strcmp(code, "ResourceNotFoundException") == 0)
	{
		*error_type = "Function.SecretNotFound";
		r = ATTEMPT_FAIL;
	}
	else if (strcmp(code, "AccessDeniedException") == 0 ||
			 strcmp(code, "UnrecognizedClientException") == 0 ||
			 strcmp(code, "InvalidSignatureException") == 0 ||
			 strcmp(code, "IncompleteSignatureException") == 0 ||
			 strcmp(code, "ExpiredTokenException") == 0 ||
			 strcmp(code, "DecryptionFailure") == 0 ||
			 status == 401 || status == 403)
	{
		*error_type = "Function.SecretAccessDenied";
		r = ATTEMPT_FAIL;
	}
	else
	{
		*error_type = "Function.SecretError";
		r = ATTEMPT_FAIL;
	}

	if (r == ATTEMPT_FAIL && strcmp(*error_type, "Function.SecretNotFound") == 0)
		snprintf(line, sizeof(line),
				 "secret \"%s\" not found (%s%s%s); check MASTER_SECRET_ARN/PG_MIGRATE_SECRET_ID",
				 secret_id, code, msg[0] ? ": " : "", msg);
	else if (r == ATTEMPT_FAIL && strcmp(*error_type, "Function.SecretAccessDenied") == 0)
		snprintf(line, sizeof(line),
				 "access to secret \"%s\" denied (%s%s%s); the execution role needs "
				 "secretsmanager:GetSecretValue on it (and kms:Decrypt for a customer key)",
				 secret_id, code[0] ? code : "HTTP error", msg[0] ? ": " : "", msg);
	else
		snprintf(line, sizeof(line), "Secrets Manager answered HTTP %ld %s%s%s",
				 status, code, msg[0] ? ": " : "", msg);
	free(*errmsg);
	*errmsg = strdup(line);
	return r;
}

static attempt_result
attempt(const config *cfg, long deadline_ms, http_body *body, const char **error_type,
		char **errmsg)
{
	CURL	   *curl = curl_easy_init();
	struct curl_slist *h = NULL;
	char	   *request = NULL;
	char		url[2048];
	char		hdr[4096];
	long		remaining = deadline_ms - now_ms();
	long		status = 0;
	CURLcode	rc;
	char		curl_error[CURL_ERROR_SIZE] = "";

	if (curl == NULL)
	{
		*error_type = "Function.SecretUnavailable";
		*errmsg = strdup("curl_easy_init failed");
		return ATTEMPT_FAIL;
	}
	/* libcurl's own detail ("SSL certificate problem: ..."): no secrets in it */
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, remaining > 1 ? remaining : 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, remaining > 1 ? remaining : 1L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, http_body_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, body);
	if (cfg->ca_bundle)
		curl_easy_setopt(curl, CURLOPT_CAINFO, cfg->ca_bundle);

	if (cfg->use_secrets_extension)
	{
		/* the extension's local cache: plain HTTP, session token as auth */
		char	   *id = curl_easy_escape(curl, cfg->secret_id, 0);

		snprintf(url, sizeof(url), "http://localhost:%s/secretsmanager/get?secretId=%s",
				 cfg->extension_port, id ? id : "");
		curl_free(id);
		curl_easy_setopt(curl, CURLOPT_PROXY, "");
		snprintf(hdr, sizeof(hdr), "X-Aws-Parameters-Secrets-Token: %s",
				 cfg->session_token ? cfg->session_token : "");
		h = curl_slist_append(h, hdr);
	}
	else
	{
		cJSON	   *req = cJSON_CreateObject();

		cJSON_AddStringToObject(req, "SecretId", cfg->secret_id);
		request = cJSON_PrintUnformatted(req);
		cJSON_Delete(req);

		snprintf(url, sizeof(url), "%s", cfg->sm_endpoint);
		h = curl_slist_append(h, "Content-Type: application/x-amz-json-1.1");
		h = curl_slist_append(h, "X-Amz-Target: secretsmanager.GetSecretValue");
		h = http_aws_signed_post(curl, cfg->region, "secretsmanager", cfg->access_key,
								 cfg->secret_key, cfg->session_token, request, h);
	}
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);

	rc = curl_easy_perform(curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(curl);
	curl_slist_free_all(h);
	free(request);

	if (rc != CURLE_OK)
	{
		const char *detail = curl_error[0] ? curl_error : curl_easy_strerror(rc);

		*error_type = rc == CURLE_OPERATION_TIMEDOUT ? "Function.DeadlineExceeded"
			: "Function.SecretUnavailable";
		if (http_tls_verify_failed(rc))
		{
			/* a certificate does not change between attempts: say so now */
			char		buf[1536];

			snprintf(buf, sizeof(buf), "cannot verify Secrets Manager at %.700s: %.300s; the CA "
					 "bundle in use is %.300s (set PG_MIGRATE_CA_BUNDLE)", url, detail,
					 cfg->ca_bundle ? cfg->ca_bundle : "libcurl's default");
			*errmsg = strdup(buf);
			return ATTEMPT_FAIL;
		}
		*errmsg = strf("cannot reach Secrets Manager at %.700s: %.300s", url, detail);
		return ATTEMPT_RETRY;
	}
	if (status == 200)
		return ATTEMPT_OK;
	return classify_error(status, body, error_type, errmsg, cfg->secret_id);
}

/* The secret in a 200 answer's body; -1 with *error_type and *errmsg if none. */
static int
secret_from_body(const http_body *body, db_secret *out, const char **error_type,
				 char **errmsg)
{
	cJSON	   *j = cJSON_Parse(body->data);
	const cJSON *ss = cJSON_GetObjectItemCaseSensitive(j, "SecretString");
	int			rc;

	if (!cJSON_IsString(ss))
	{
		cJSON_Delete(j);
		*error_type = "Function.SecretInvalid";
		*errmsg = strdup("the secret has no SecretString (binary secrets are not supported)");
		return -1;
	}
	rc = secret_parse(ss->valuestring, out, errmsg);
	memset(ss->valuestring, 0, strlen(ss->valuestring));
	cJSON_Delete(j);
	if (rc != 0)
		*error_type = "Function.SecretInvalid";
	return rc;
}

/*
 * Each attempt has its own body, error type and message: what a failed
 * attempt found is reported only if it was the last one, and never
 * survives a later success.
 */
int
secret_fetch(const config *cfg, long deadline_ms, db_secret *out,
			 const char **error_type, char **errmsg)
{
	const char *last_type = "Function.DeadlineExceeded";
	char	   *last_msg = NULL;
	long		backoff = 100;
	long		t0 = now_ms();
	attempt_result r = ATTEMPT_RETRY;
	int			n;

	*error_type = NULL;
	*errmsg = NULL;
	memset(out, 0, sizeof(*out));
	for (n = 1; n <= cfg->secret_attempts; n++)
	{
		http_body	body = {NULL, 0, MAX_BODY};
		const char *type = NULL;
		char	   *msg = NULL;

		r = attempt(cfg, deadline_ms, &body, &type, &msg);
		if (r == ATTEMPT_OK && secret_from_body(&body, out, &type, &msg) != 0)
			r = ATTEMPT_FAIL;
		buffer_wipe(&body);
		if (r == ATTEMPT_OK)
		{
			free(last_msg);
			log_json(LOG_INFO, "secret", now_ms() - t0, NULL, "secret fetched (%d attempt%s)",
					 n, n > 1 ? "s" : "");
			return 0;
		}
		free(last_msg);
		last_type = type;
		last_msg = msg;
		if (r == ATTEMPT_FAIL || n == cfg->secret_attempts ||
			http_retry_pause("secret", n, msg, &backoff, deadline_ms) != 0)
			break;
	}
	if (last_msg == NULL)
		last_msg = strdup("Secrets Manager did not answer before the deadline");
	else if (r == ATTEMPT_RETRY)
		last_msg = http_gave_up(last_msg, n);
	log_error("secret", "%s", last_msg);
	*error_type = last_type;
	*errmsg = last_msg;
	return -1;
}
