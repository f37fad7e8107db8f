/*-------------------------------------------------------------------------
 *
 * http.c
 *	  What the handler's three libcurl clients (Runtime API, Secrets
 *	  Manager, the CloudFormation PUT) share: collecting a response body,
 *	  telling a certificate failure from a passing network one, and the
 *	  pause between two attempts.
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "log.h"

#define MAX_BACKOFF_MS 2000

size_t
http_body_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	http_body  *b = userdata;
	size_t		n = size * nmemb;
	char	   *d;

	/* returning less than n makes libcurl fail the transfer */
	if (b->max && b->len + n > b->max)
		return 0;
	d = realloc(b->data, b->len + n + 1);
	if (d == NULL)
		return 0;
	memcpy(d + b->len, ptr, n);
	b->len += n;
	d[b->len] = '\0';
	b->data = d;
	return n;
}

void
http_body_free(http_body *b, int wipe)
{
	if (b->data && wipe)
		memset(b->data, 0, b->len);
	free(b->data);
	b->data = NULL;
	b->len = 0;
}

int
http_tls_verify_failed(CURLcode rc)
{
	return rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE;
}

int
http_status_retryable(long status)
{
	return status == 429 || status >= 500;
}

int
http_retry_pause(const char *phase, int attempt, const char *why, long *backoff_ms,
				 long deadline_ms)
{
	long		sleep_ms = *backoff_ms / 2 + rand() % (*backoff_ms / 2 + 1);
	struct timespec ts = {sleep_ms / 1000, (sleep_ms % 1000) * 1000000L};

	if (now_ms() + sleep_ms >= deadline_ms)
		return -1;
	log_warn(phase, "attempt %d failed, retrying in %ld ms: %s", attempt, sleep_ms, why);
	nanosleep(&ts, NULL);
	*backoff_ms = *backoff_ms * 2 > MAX_BACKOFF_MS ? MAX_BACKOFF_MS : *backoff_ms * 2;
	return 0;
}

char *
http_gave_up(char *msg, int attempts)
{
	size_t		n;
	char	   *s;

	if (attempts < 2 || msg == NULL)
		return msg;
	n = strlen(msg) + 64;
	s = malloc(n);
	if (s == NULL)
		return msg;
	snprintf(s, n, "%s (gave up after %d attempts)", msg, attempts);
	free(msg);
	return s;
}

struct curl_slist *
http_aws_signed_post(CURL *curl, const char *region, const char *service,
					 const char *access_key, const char *secret_key, const char *session_token,
					 const char *body, struct curl_slist *headers)
{
	char		sigv4[200];

	/* region and service explicit: 7.88 would guess them from the host */
	snprintf(sigv4, sizeof(sigv4), "aws:amz:%s:%s", region, service);
	curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, sigv4);
	curl_easy_setopt(curl, CURLOPT_USERNAME, access_key);
	curl_easy_setopt(curl, CURLOPT_PASSWORD, secret_key);
	/* POSTFIELDS, not a read callback: 7.88 hashes only this */
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long) (body ? strlen(body) : 0));
	if (session_token && session_token[0])
	{
		static const char name[] = "X-Amz-Security-Token: ";
		size_t		n = strlen(name) + strlen(session_token) + 1;
		char	   *header = malloc(n);

		if (header != NULL)
		{
			/* curl_slist_append copies it */
			snprintf(header, n, "%s%s", name, session_token);
			headers = curl_slist_append(headers, header);
			memset(header, 0, n);
			free(header);
		}
	}
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	return headers;
}
