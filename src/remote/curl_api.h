/*-------------------------------------------------------------------------
 *
 * curl_api.h
 *	  libcurl, opened on first use instead of linked (see curl_api.c).
 *
 * Include this instead of <curl/curl.h>.  Code keeps calling libcurl by its
 * usual names; they are mapped to the functions found at load time, so
 * nothing but curl_api_load() may run before a successful curl_api_load().
 *
 * IDENTIFICATION
 *	  src/remote/curl_api.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_MIGRATE_CURL_API_H
#define PG_MIGRATE_CURL_API_H

/* the type-checking wrappers would call the names we redefine below */
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>

/* CURLOPT_PROTOCOLS_STR and CURLOPT_REDIR_PROTOCOLS_STR (fetch.c) need 7.85 */
#define PGM_CURL_MIN_VERSION		0x075500
#define PGM_CURL_MIN_VERSION_STR	"7.85.0"
#if LIBCURL_VERSION_NUM < PGM_CURL_MIN_VERSION
#error "pg_migrate needs libcurl 7.85 or later"
#endif

typedef struct CurlApi
{
	curl_version_info_data *(*version_info) (CURLversion);
	CURLcode	(*global_init) (long flags);
	void		(*global_cleanup) (void);
	CURL	   *(*easy_init) (void);
	CURLcode	(*easy_setopt) (CURL *curl, CURLoption option,...);
	CURLcode	(*easy_perform) (CURL *curl);
	CURLcode	(*easy_getinfo) (CURL *curl, CURLINFO info,...);
	void		(*easy_reset) (CURL *curl);
	void		(*easy_cleanup) (CURL *curl);
	const char *(*easy_strerror) (CURLcode);
	struct curl_slist *(*slist_append) (struct curl_slist *list, const char *data);
	void		(*slist_free_all) (struct curl_slist *list);
	void		(*free) (void *p);
	CURLU	   *(*url) (void);
	void		(*url_cleanup) (CURLU *handle);
	CURLUcode	(*url_set) (CURLU *handle, CURLUPart what, const char *part, unsigned int flags);
	CURLUcode	(*url_get) (const CURLU *handle, CURLUPart what, char **part, unsigned int flags);
} CurlApi;

extern CurlApi curl_api;

/*
 * Opens libcurl once per process.  False, with a palloc'd message, when it
 * is missing or older than the version we were built against needs.
 */
extern bool curl_api_load(char **errmsg);

/* curl.h defines these two as argument-count checks */
#undef curl_easy_setopt
#undef curl_easy_getinfo

#define curl_global_init		(*curl_api.global_init)
#define curl_global_cleanup		(*curl_api.global_cleanup)
#define curl_easy_init			(*curl_api.easy_init)
#define curl_easy_setopt		(*curl_api.easy_setopt)
#define curl_easy_perform		(*curl_api.easy_perform)
#define curl_easy_getinfo		(*curl_api.easy_getinfo)
#define curl_easy_reset			(*curl_api.easy_reset)
#define curl_easy_cleanup		(*curl_api.easy_cleanup)
#define curl_easy_strerror		(*curl_api.easy_strerror)
#define curl_slist_append		(*curl_api.slist_append)
#define curl_slist_free_all		(*curl_api.slist_free_all)
#define curl_free				(*curl_api.free)
#define curl_url				(*curl_api.url)
#define curl_url_cleanup		(*curl_api.url_cleanup)
#define curl_url_set			(*curl_api.url_set)
#define curl_url_get			(*curl_api.url_get)

#endif							/* PG_MIGRATE_CURL_API_H */
