/*-------------------------------------------------------------------------
 *
 * curl_api.c
 *	  Opens libcurl with dlopen() the first time a process fetches.
 *
 * Linking libcurl into pg_migrate.so made every session that called any
 * pg_migrate function load libcurl and the twenty-odd libraries Debian's
 * build depends on (HTTP/2, IDN, SSH, RTMP, PSL, brotli, zstd, ...): about
 * 2.5 ms and a few hundred kB of page tables on the first call, paid by
 * every migrate_apply() and migrate_info() in a new connection although
 * only syncing from remote locations uses it.  Now only the processes that
 * fetch pay, once.
 *
 * The library is the one the build linked against (the SONAME of
 * libcurl.so, "libcurl.so.4"), opened RTLD_LOCAL so its symbols do not
 * leak into the backend's namespace, and never closed: libcurl keeps
 * threads and atexit state that must not outlive its code.  The runtime
 * version is checked too: the library found at run time need not be the
 * one the build saw.
 *
 * IDENTIFICATION
 *	  src/remote/curl_api.c
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include <dlfcn.h>

#include "curl_api.h"

/* test/fetch/run.sh builds a copy with a name that does not exist */
#ifndef CURL_SONAME
#define CURL_SONAME "libcurl.so.4"
#endif

CurlApi		curl_api;

static bool curl_api_loaded = false;

bool
curl_api_load(char **errmsg)
{
	void	   *lib;
	curl_version_info_data *info;
	CurlApi		api;
	const char *missing = NULL;

	if (curl_api_loaded)
		return true;

	lib = dlopen(CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL)
	{
		*errmsg = psprintf("could not load libcurl (%s): %s; install the package that "
						   "provides it (libcurl4 on Debian and Ubuntu)",
						   CURL_SONAME, dlerror());
		return false;
	}

#define LOOKUP(field, symbol) \
	do { \
		*(void **) (&api.field) = dlsym(lib, symbol); \
		if (api.field == NULL && missing == NULL) \
			missing = symbol; \
	} while (0)

	LOOKUP(version_info, "curl_version_info");
	LOOKUP(global_init, "curl_global_init");
	LOOKUP(global_cleanup, "curl_global_cleanup");
	LOOKUP(easy_init, "curl_easy_init");
	LOOKUP(easy_setopt, "curl_easy_setopt");
	LOOKUP(easy_perform, "curl_easy_perform");
	LOOKUP(easy_getinfo, "curl_easy_getinfo");
	LOOKUP(easy_reset, "curl_easy_reset");
	LOOKUP(easy_cleanup, "curl_easy_cleanup");
	LOOKUP(easy_strerror, "curl_easy_strerror");
	LOOKUP(slist_append, "curl_slist_append");
	LOOKUP(slist_free_all, "curl_slist_free_all");
	LOOKUP(free, "curl_free");
	LOOKUP(url, "curl_url");
	LOOKUP(url_cleanup, "curl_url_cleanup");
	LOOKUP(url_set, "curl_url_set");
	LOOKUP(url_get, "curl_url_get");
#undef LOOKUP

	if (missing != NULL)
	{
		*errmsg = psprintf("%s has no function %s; pg_migrate needs libcurl %s or later",
						   CURL_SONAME, missing, PGM_CURL_MIN_VERSION_STR);
		return false;
	}
	info = api.version_info(CURLVERSION_NOW);
	if (info == NULL || info->version_num < PGM_CURL_MIN_VERSION)
	{
		*errmsg = psprintf("libcurl %s is too old: pg_migrate needs %s or later",
						   info ? info->version : "(unknown)", PGM_CURL_MIN_VERSION_STR);
		return false;
	}
	curl_api = api;
	curl_api_loaded = true;
	return true;
}
