/*-------------------------------------------------------------------------
 *
 * http.h
 *	  What the handler's libcurl requests share (see http.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGM_LAMBDA_HTTP_H
#define PGM_LAMBDA_HTTP_H

#include <stddef.h>

#include <curl/curl.h>

/* A response body, NUL-terminated; max 0 means no limit. */
typedef struct http_body
{
	char	   *data;
	size_t		len;
	size_t		max;
} http_body;

/* CURLOPT_WRITEFUNCTION for an http_body (CURLOPT_WRITEDATA). */
extern size_t http_body_write(char *ptr, size_t size, size_t nmemb, void *userdata);

/* Free the body; zeroed first when it may hold a secret. */
extern void http_body_free(http_body *b, int wipe);

/* A certificate problem: the same on every attempt, the CA bundle's fault. */
extern int	http_tls_verify_failed(CURLcode rc);

/* An HTTP status that a later attempt may not get (429, 5xx). */
extern int	http_status_retryable(long status);

/*
 * Between two attempts: log why attempt failed, then sleep with full jitter
 * over *backoff_ms (which doubles, up to 2 s).  Returns -1 without sleeping
 * when the pause would reach deadline_ms (absolute, Unix epoch ms).
 */
extern int	http_retry_pause(const char *phase, int attempt, const char *why,
							 long *backoff_ms, long deadline_ms);

/*
 * Make curl's request a POST of body (NUL-terminated, kept by the caller
 * until the transfer ends) to an AWS service, signed by libcurl with SigV4
 * for service in region with the given keys; a session token goes in its
 * header.  headers are the caller's extra ones; returns the list to set and
 * later free with curl_slist_free_all().
 */
extern struct curl_slist *http_aws_signed_post(CURL *curl, const char *region,
											   const char *service, const char *access_key,
											   const char *secret_key,
											   const char *session_token, const char *body,
											   struct curl_slist *headers);

/* The last attempt's message, saying how many were made when more than one. */
extern char *http_gave_up(char *msg, int attempts);

#endif
