/*-------------------------------------------------------------------------
 *
 * bootstrap.c
 *	  Entry point of the pg_migrate Lambda custom runtime.
 *
 * Init stays cheap (read the environment, no network): Lambda bounds init
 * to 10 s, and a one-shot deploy job gains nothing from warming up.  Then
 * loop on the Runtime API until the platform tells us to stop.
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "config.h"
#include "engine_client.h"
#include "handler.h"
#include "log.h"
#include "runtime.h"

#define MAX_POLL_FAILURES 3

int
main(void)
{
	const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
	config		cfg;
	char	   *errmsg = NULL;
	int			failures = 0;
	int			status = 0;

	log_init();
	srand((unsigned) (time(NULL) ^ getpid()));
	if (api == NULL || *api == '\0')
	{
		log_error("init", "AWS_LAMBDA_RUNTIME_API is not set: not running under Lambda");
		return 1;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || runtime_init(api) != 0)
	{
		log_error("init", "libcurl initialisation failed");
		return 1;
	}
	if (config_load(&cfg, &errmsg) != 0 || client_setup_load(&cfg, &errmsg) != 0)
	{
		log_error("init", "configuration error: %s", errmsg);
		runtime_init_error("Runtime.ConfigInvalid", errmsg);
		free(errmsg);
		client_setup_free(&cfg);
		config_free(&cfg);
		log_forget_all_secrets();
		runtime_cleanup();
		curl_global_cleanup();
		return 1;
	}
	log_info("init", "pg_migrate lambda ready (mode %s, engine %s)", mode_name(cfg.mode),
			 engine_name(cfg.engine));

	for (;;)
	{
		invocation	inv;
		rt_status	rs = runtime_next(&inv);

		if (rs == RT_FATAL)
			break;
		if (rs == RT_RETRY)
		{
			if (++failures >= MAX_POLL_FAILURES)
			{
				log_error("runtime", "giving up after %d failed polls", failures);
				status = 1;
				break;
			}
			{
				/* a short pause: the endpoint may be restarting */
				struct timespec ts = {0, 100 * 1000000L};

				nanosleep(&ts, NULL);
			}
			continue;
		}
		failures = 0;
		if (handle_invocation(&cfg, &inv) != 0)
		{
			/* the platform did not take our answer; a fresh process will */
			invocation_free(&inv);
			status = 1;
			break;
		}
		invocation_free(&inv);
	}
	client_setup_free(&cfg);
	config_free(&cfg);
	log_forget_all_secrets();
	runtime_cleanup();
	curl_global_cleanup();
	return status;
}
