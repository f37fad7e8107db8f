/*-------------------------------------------------------------------------
 *
 * curl_static.c
 *	  curl_api_load() (src/remote/curl_api.h) on the libcurl the handler
 *	  links statically, in place of src/remote/curl_api.c, which opens a
 *	  shared libcurl with dlopen(): the function has none.
 *
 * It serves the https:// and s3:// locations of client mode
 * (client/script_source.c through src/remote/fetch.c).
 *
 *-------------------------------------------------------------------------
 */
#include <stdbool.h>

#include "curl_api.h"

/* here the names are libcurl's own functions, not curl_api's fields */
#undef curl_global_init
#undef curl_global_cleanup
#undef curl_easy_init
#undef curl_easy_setopt
#undef curl_easy_perform
#undef curl_easy_getinfo
#undef curl_easy_reset
#undef curl_easy_cleanup
#undef curl_easy_strerror
#undef curl_slist_append
#undef curl_slist_free_all
#undef curl_free
#undef curl_url
#undef curl_url_cleanup
#undef curl_url_set
#undef curl_url_get

CurlApi		curl_api;

bool
curl_api_load(char **errmsg)
{
	(void) errmsg;
	curl_api.version_info = curl_version_info;
	curl_api.global_init = curl_global_init;
	curl_api.global_cleanup = curl_global_cleanup;
	curl_api.easy_init = curl_easy_init;
	curl_api.easy_setopt = curl_easy_setopt;
	curl_api.easy_perform = curl_easy_perform;
	curl_api.easy_getinfo = curl_easy_getinfo;
	curl_api.easy_reset = curl_easy_reset;
	curl_api.easy_cleanup = curl_easy_cleanup;
	curl_api.easy_strerror = curl_easy_strerror;
	curl_api.slist_append = curl_slist_append;
	curl_api.slist_free_all = curl_slist_free_all;
	curl_api.free = curl_free;
	curl_api.url = curl_url;
	curl_api.url_cleanup = curl_url_cleanup;
	curl_api.url_set = curl_url_set;
	/* const since libcurl 8.0: the same function either way */
	curl_api.url_get = (CURLUcode (*) (const CURLU *, CURLUPart, char **, unsigned int)) curl_url_get;
	return true;
}
