/*-------------------------------------------------------------------------
 *
 * cfn.c
 *	  CloudFormation custom-resource responses and the CDK Provider
 *	  framework's return shape.
 *
 * In "cloudformation" mode CloudFormation invokes us asynchronously and
 * waits (up to an hour) for a PUT to the pre-signed ResponseURL, so the
 * handler must always PUT SUCCESS or FAILED, with a PhysicalResourceId that
 * never changes (a new id means "replacement" and triggers a Delete of the
 * old one).  In "provider" mode the CDK framework Lambda does the PUT; we
 * only return or fail.
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "cfn.h"
#include "http.h"
#include "log.h"

#define CFN_MAX_BODY 4096		/* CloudFormation rejects larger responses */
#define PUT_ATTEMPTS 5

static const char *
event_str(const cJSON *event, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(event, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

request_type
cfn_request_type(const cJSON *event)
{
	const char *t = event_str(event, "RequestType");

	if (t == NULL)
		return REQ_UNKNOWN;
	if (strcmp(t, "Create") == 0)
		return REQ_CREATE;
	if (strcmp(t, "Update") == 0)
		return REQ_UPDATE;
	if (strcmp(t, "Delete") == 0)
		return REQ_DELETE;
	return REQ_UNKNOWN;
}

/*
 * Update and Delete carry the id we returned before: keep it.  On Create
 * derive it from the logical id (stable across retries, unlike RequestId).
 */
char *
cfn_physical_id(const cJSON *event)
{
	const char *p = event_str(event, "PhysicalResourceId");
	const char *l = event_str(event, "LogicalResourceId");
	char		buf[512];

	if (p && *p)
		return strdup(p);
	snprintf(buf, sizeof(buf), "pg-migrate-%s", (l && *l) ? l : "migrations");
	return strdup(buf);
}

/* Fn::GetAtt attributes: a flat map of strings. */
cJSON *
cfn_data(const cJSON *result)
{
	cJSON	   *d = cJSON_CreateObject();
	const cJSON *applied = cJSON_GetObjectItemCaseSensitive(result, "applied");
	const cJSON *ver = cJSON_GetObjectItemCaseSensitive(result, "schemaVersion");
	const cJSON *engine = cJSON_GetObjectItemCaseSensitive(result, "engine");
	char		buf[32];

	snprintf(buf, sizeof(buf), "%d", cJSON_IsNumber(applied) ? applied->valueint : 0);
	cJSON_AddStringToObject(d, "Applied", buf);
	cJSON_AddStringToObject(d, "SchemaVersion", cJSON_IsString(ver) ? ver->valuestring : "");
	if (cJSON_IsString(engine))
		cJSON_AddStringToObject(d, "Engine", engine->valuestring);
	return d;
}

/*
 * CloudFormation requires a Reason with FAILED.  It is masked before it is
 * escaped and cut to fit, so that neither can leave part of a secret.
 */
char *
cfn_response_body(const cJSON *event, int success, const char *message,
				  const char *physical_id, const cJSON *result)
{
	char	   *reason = NULL;
	size_t		rlen;

	if (!success && (message == NULL || message[0] == '\0'))
		message = "pg_migrate failed without an error message; see the function's log";
	if (message)
		reason = log_scrub(message);
	rlen = reason ? strlen(reason) : 0;

	/* shorten Reason until the document fits in 4 KB */
	for (;;)
	{
		cJSON	   *o = cJSON_CreateObject();
		char	   *s;
		char	   *r = reason ? strndup(reason, rlen) : NULL;

		cJSON_AddStringToObject(o, "Status", success ? "SUCCESS" : "FAILED");
		if (r)
			cJSON_AddStringToObject(o, "Reason", r);
		cJSON_AddStringToObject(o, "PhysicalResourceId", physical_id);
		cJSON_AddStringToObject(o, "StackId", event_str(event, "StackId") ? event_str(event, "StackId") : "");
		cJSON_AddStringToObject(o, "RequestId", event_str(event, "RequestId") ? event_str(event, "RequestId") : "");
		cJSON_AddStringToObject(o, "LogicalResourceId",
								event_str(event, "LogicalResourceId") ? event_str(event, "LogicalResourceId") : "");
		if (success && result)
			cJSON_AddItemToObject(o, "Data", cfn_data(result));
		s = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
		free(r);
		if (s == NULL || strlen(s) <= CFN_MAX_BODY || rlen == 0)
		{
			free(reason);
			return s;
		}
		{
			size_t		over = strlen(s) - CFN_MAX_BODY;

			free(s);
			/* escaping may make the JSON longer than the text: overshoot a bit */
			rlen = rlen > over + 16 ? rlen - over - 16 : 0;
			/* do not cut a UTF-8 sequence in half */
			while (rlen > 0 && ((unsigned char) reason[rlen] & 0xC0) == 0x80)
				rlen--;
		}
	}
}

char *
provider_response_body(const char *physical_id, const cJSON *result)
{
	cJSON	   *o = cJSON_CreateObject();
	char	   *s;

	cJSON_AddStringToObject(o, "PhysicalResourceId", physical_id);
	if (result)
		cJSON_AddItemToObject(o, "Data", cfn_data(result));
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

static size_t
discard(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	(void) ptr;
	(void) userdata;
	return size * nmemb;
}

typedef enum
{
	PUT_OK,
	PUT_RETRY,
	PUT_FAIL
} put_result;

/*
 * One PUT of the response, verbatim to the pre-signed URL.  No
 * Content-Type: older pre-signed URLs include it in the signature as
 * empty.  POSTFIELDS gives an explicit Content-Length (S3 refuses chunked
 * uploads) and no "Expect: 100-continue".  On failure *errmsg says why.
 */
static put_result
put_once(const config *cfg, const char *url, const char *body, long deadline_ms,
		 long *status, char **errmsg)
{
	CURL	   *curl = curl_easy_init();
	struct curl_slist *h = NULL;
	long		left = deadline_ms - now_ms();
	CURLcode	rc = CURLE_FAILED_INIT;
	char		curl_error[CURL_ERROR_SIZE] = "";
	char		buf[512];

	*status = 0;
	if (curl)
	{
		curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);
		curl_easy_setopt(curl, CURLOPT_URL, url);
		curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "PUT");
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long) strlen(body));
		h = curl_slist_append(h, "Content-Type:");
		curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, left > 1000 ? left : 1000L);
		curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
		if (cfg->ca_bundle)
			curl_easy_setopt(curl, CURLOPT_CAINFO, cfg->ca_bundle);
		rc = curl_easy_perform(curl);
		if (rc == CURLE_OK)
			curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
		curl_easy_cleanup(curl);
	}
	curl_slist_free_all(h);
	if (rc == CURLE_OK && *status >= 200 && *status < 300)
		return PUT_OK;

	/* never the URL: its signature lets anyone answer for the stack */
	if (http_tls_verify_failed(rc))
		snprintf(buf, sizeof(buf), "PUT to the CloudFormation ResponseURL failed: %s "
				 "(the CA bundle in use is %s; set PG_MIGRATE_CA_BUNDLE)",
				 curl_error[0] ? curl_error : curl_easy_strerror(rc),
				 cfg->ca_bundle ? cfg->ca_bundle : "libcurl's default");
	else if (rc != CURLE_OK)
		snprintf(buf, sizeof(buf), "PUT to the CloudFormation ResponseURL failed: %s "
				 "(a VPC function needs a NAT gateway or an S3 gateway endpoint)",
				 curl_error[0] ? curl_error : curl_easy_strerror(rc));
	else
		snprintf(buf, sizeof(buf), "PUT to the CloudFormation ResponseURL answered HTTP %ld",
				 *status);
	*errmsg = strdup(buf);
	/* a certificate or a refused URL (expired, 4xx) stays so */
	if (rc == CURLE_FAILED_INIT || http_tls_verify_failed(rc) ||
		(rc == CURLE_OK && !http_status_retryable(*status)))
		return PUT_FAIL;
	return PUT_RETRY;
}

/*
 * PUT the response, retrying 5xx, 429 and transport errors until
 * deadline_ms: CloudFormation waits up to an hour for an answer that is
 * lost.  Each attempt's error is its own; only the last one is reported.
 */
int
cfn_put(const config *cfg, const char *url, const char *body, long deadline_ms,
		char **errmsg)
{
	char	   *clean = log_scrub(body);
	long		t0 = now_ms();
	long		backoff = 100;
	long		status = 0;
	put_result	r = PUT_FAIL;
	char	   *msg = NULL;
	int			n;

	*errmsg = NULL;
	for (n = 1; n <= PUT_ATTEMPTS; n++)
	{
		free(msg);
		msg = NULL;
		r = put_once(cfg, url, clean, deadline_ms, &status, &msg);
		if (r != PUT_RETRY || n == PUT_ATTEMPTS ||
			http_retry_pause("respond", n, msg, &backoff, deadline_ms) != 0)
			break;
	}
	free(clean);
	if (r == PUT_OK)
	{
		log_json(LOG_INFO, "respond", now_ms() - t0, NULL,
				 "CloudFormation response sent (HTTP %ld, attempt %d)", status, n);
		return 0;
	}
	*errmsg = r == PUT_RETRY ? http_gave_up(msg, n) : msg;
	return -1;
}
