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

#endif
