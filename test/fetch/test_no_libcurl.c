/*
 * test_no_libcurl.c
 *	  fetch.c on a machine without libcurl: built with a CURL_SONAME that
 *	  does not exist (see run.sh), every fetch must fail cleanly, saying
 *	  what is missing, and the process must go on.
 */
#include "postgres_fe.h"

#include "fetch.h"
#include "../unit/unit.h"

int
main(void)
{
	FetchOptions o;
	FetchResponse r;

	fetch_options_init(&o);
	o.max_retries = 0;
	CHECK_INT(fetch_https("https://127.0.0.1:1/x.sql", NULL, &o, &r), FETCH_INVALID);
	CHECK(r.error != NULL && strstr(r.error, "could not load libcurl") != NULL);
	CHECK(r.error != NULL && strstr(r.error, "libcurl-not-installed.so.4") != NULL);
	CHECK(r.body == NULL);
	fetch_response_free(&r);
	/* asking again gives the same answer, not a crash on a half-loaded API */
	CHECK_INT(fetch_https("https://127.0.0.1:1/x.sql", NULL, &o, &r), FETCH_INVALID);
	fetch_response_free(&r);
	fetch_cleanup();
	return unit_summary("no-libcurl");
}
