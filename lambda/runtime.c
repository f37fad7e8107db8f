/*-------------------------------------------------------------------------
 *
 * runtime.c
 *	  The Lambda Runtime API loop's transport: next, response, error and
 *	  init/error over one reused libcurl handle.
 *
 * The shape follows awslabs/aws-lambda-cpp: one easy handle (the keep-alive
 * connection to the local endpoint survives between invocations), no total
 * timeout (the sandbox may be frozen while we wait in "next"), a short
 * connect timeout, proxies disabled, HTTP/1.1, explicit Content-Length.
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <cjson/cJSON.h>

#include "http.h"
#include "log.h"
#include "runtime.h"

static CURL *curl;
static char base_url[512];

int
runtime_init(const char *api)
{
	snprintf(base_url, sizeof(base_url), "http://%s/2018-06-01", api);
	curl = curl_easy_init();
	return curl ? 0 : -1;
}

void
runtime_cleanup(void)
{
	if (curl)
		curl_easy_cleanup(curl);
	curl = NULL;
}

/* Copy "Name: value" into dst when the header name matches. */
static int
header_value(const char *line, size_t len, const char *name, char *dst, size_t dstlen)
{
	size_t		nlen = strlen(name);
	const char *v;
	size_t		vlen;

	if (len <= nlen || strncasecmp(line, name, nlen) != 0 || line[nlen] != ':')
		return 0;
	v = line + nlen + 1;
	vlen = len - nlen - 1;
	while (vlen && (*v == ' ' || *v == '\t'))
		v++, vlen--;
	while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' '))
		vlen--;
	if (vlen >= dstlen)
		vlen = dstlen - 1;
	memcpy(dst, v, vlen);
	dst[vlen] = '\0';
	return 1;
}

static size_t
header_cb(char *line, size_t size, size_t nmemb, void *userdata)
{
	invocation *inv = userdata;
	size_t		n = size * nmemb;
	char		val[256];

	if (header_value(line, n, "Lambda-Runtime-Aws-Request-Id", inv->request_id,
					 sizeof(inv->request_id)))
		return n;
	if (header_value(line, n, "Lambda-Runtime-Deadline-Ms", val, sizeof(val)))
		inv->deadline_ms = strtol(val, NULL, 10);
	else if (header_value(line, n, "Lambda-Runtime-Trace-Id", val, sizeof(val)))
		setenv("_X_AMZN_TRACE_ID", val, 1);	/* the X-Ray convention */
	return n;
}

static void
common_options(const char *url)
{
	curl_easy_reset(curl);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 0L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 1L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
	/* HTTP_PROXY in the function's environment must not catch this traffic */
	curl_easy_setopt(curl, CURLOPT_PROXY, "");
}

rt_status
runtime_next(invocation *inv)
{
	char		url[600];
	http_body	body = {NULL, 0, 0};
	CURLcode	rc;
	long		status = 0;

	memset(inv, 0, sizeof(*inv));
	snprintf(url, sizeof(url), "%s/runtime/invocation/next", base_url);
	common_options(url);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, http_body_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, inv);
	rc = curl_easy_perform(curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK)
	{
		http_body_free(&body, 0);
		log_warn("runtime", "GET next failed: %s", curl_easy_strerror(rc));
		return RT_RETRY;
	}
	if (status >= 500 || status == 403)
	{
		/* container error / invalid state: the runtime should exit */
		http_body_free(&body, 0);
		log_info("runtime", "GET next answered HTTP %ld, exiting", status);
		return RT_FATAL;
	}
	if (status != 200 || inv->request_id[0] == '\0')
	{
		http_body_free(&body, 0);
		log_warn("runtime", "GET next answered HTTP %ld without a request id", status);
		return RT_RETRY;
	}
	inv->event = body.data ? body.data : strdup("");
	inv->event_len = body.len;
	return RT_OK;
}

void
invocation_free(invocation *inv)
{
	free(inv->event);
	inv->event = NULL;
}

static int
post(const char *url, const char *body, const char *error_type)
{
	struct curl_slist *h = NULL;
	http_body	sink = {NULL, 0, 0};
	char		hdr[256];
	char	   *clean = log_scrub(body);
	CURLcode	rc;
	long		status = 0;

	common_options(url);
	curl_easy_setopt(curl, CURLOPT_POST, 1L);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, clean);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long) strlen(clean));
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "Expect:");
	if (error_type)
	{
		snprintf(hdr, sizeof(hdr), "Lambda-Runtime-Function-Error-Type: %s", error_type);
		h = curl_slist_append(h, hdr);
	}
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, http_body_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
	rc = curl_easy_perform(curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	/* the slist must outlive the transfer; reset before the next one */
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(h);
	http_body_free(&sink, 0);
	free(clean);
	if (rc != CURLE_OK)
	{
		log_error("runtime", "POST %s failed: %s", url + strlen(base_url), curl_easy_strerror(rc));
		return -1;
	}
	if (status == 413)
	{
		/* Lambda already recorded Function.ResponseSizeTooLarge */
		log_error("runtime", "response too large (HTTP 413)");
		return 0;
	}
	if (status != 202)
	{
		log_error("runtime", "POST %s answered HTTP %ld", url + strlen(base_url), status);
		return -1;
	}
	return 0;
}

int
runtime_respond(const char *request_id, const char *body)
{
	char		url[800];

	snprintf(url, sizeof(url), "%s/runtime/invocation/%s/response", base_url, request_id);
	return post(url, body, NULL);
}

/*
 * Lambda's standard error shape: errorMessage, errorType, stackTrace.  The
 * message is masked before JSON escapes it (an escaped secret would not be
 * found in the body any more).
 */
static char *
error_body(const char *error_type, const char *message)
{
	cJSON	   *o = cJSON_CreateObject();
	char	   *clean = log_scrub(message);
	char	   *s;

	cJSON_AddStringToObject(o, "errorMessage", clean ? clean : "");
	cJSON_AddStringToObject(o, "errorType", error_type);
	cJSON_AddItemToObject(o, "stackTrace", cJSON_CreateArray());
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	free(clean);
	return s;
}

int
runtime_error(const char *request_id, const char *error_type, const char *message)
{
	char		url[800];
	char	   *body = error_body(error_type, message);
	int			r;

	snprintf(url, sizeof(url), "%s/runtime/invocation/%s/error", base_url, request_id);
	r = post(url, body, error_type);
	free(body);
	return r;
}

int
runtime_init_error(const char *error_type, const char *message)
{
	char		url[800];
	char	   *body = error_body(error_type, message);
	int			r;

	snprintf(url, sizeof(url), "%s/runtime/init/error", base_url);
	r = post(url, body, error_type);
	free(body);
	return r;
}
