/*-------------------------------------------------------------------------
 *
 * http.c
 *	  What the handler's three libcurl clients (Runtime API, Secrets
 *	  Manager, the CloudFormation PUT) share: collecting a response body,
 *	  and telling a certificate failure from a passing network one.
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "http.h"

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
