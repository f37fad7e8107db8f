/*-------------------------------------------------------------------------
 *
 * log.c
 *	  JSON-lines logging and secret masking.
 *
 * Records carry time, level, request id, phase and duration so CloudWatch
 * Logs Insights can query them.  The handler never logs the event or the
 * secret; as a second line of defence every text that leaves the process
 * (log records, runtime responses, CloudFormation responses) goes through
 * log_scrub(), which masks the registered secret values.
 *
 *-------------------------------------------------------------------------
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

#define MAX_SECRETS 8
#define MASK "********"
#define MAX_MESSAGE 2047		/* bytes of a record's message */

static char *secrets[MAX_SECRETS];
static int	nsecrets;
static int	npersistent;		/* the first npersistent survive invocations */
static char request_id[128];
static log_level min_level = LOG_INFO;

void
log_init(void)
{
	const char *lvl = getenv("PG_MIGRATE_LOG_LEVEL");

	if (lvl == NULL)
		lvl = getenv("AWS_LAMBDA_LOG_LEVEL");	/* Lambda's advanced logging */
	if (lvl && (strcasecmp(lvl, "debug") == 0 || strcasecmp(lvl, "trace") == 0))
		min_level = LOG_DEBUG;
	else if (lvl && strcasecmp(lvl, "warn") == 0)
		min_level = LOG_WARN;
	else if (lvl && strcasecmp(lvl, "error") == 0)
		min_level = LOG_ERROR;
	/* stdout is a pipe under Lambda: make every record reach CloudWatch now */
	setvbuf(stdout, NULL, _IOLBF, 0);
}

long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
log_set_request_id(const char *id)
{
	snprintf(request_id, sizeof(request_id), "%s", id ? id : "");
}

/* The current invocation's id ("" between invocations). */
const char *
log_request_id(void)
{
	return request_id;
}

void
log_add_secret(const char *secret)
{
	/* very short values would mask random text and reveal nothing useful */
	if (secret == NULL || strlen(secret) < 4 || nsecrets >= MAX_SECRETS)
		return;
	secrets[nsecrets++] = strdup(secret);
}

/* Credentials of the process (AWS keys): masked for its whole life. */
void
log_add_persistent_secret(const char *secret)
{
	if (nsecrets != npersistent)
		return;					/* only before any per-invocation secret */
	log_add_secret(secret);
	npersistent = nsecrets;
}

void
log_clear_secrets(void)
{
	for (int i = npersistent; i < nsecrets; i++)
	{
		/* do not leave the password in freed heap memory */
		memset(secrets[i], 0, strlen(secrets[i]));
		free(secrets[i]);
		secrets[i] = NULL;
	}
	nsecrets = npersistent;
}

void
log_forget_all_secrets(void)
{
	npersistent = 0;
	log_clear_secrets();
}

void
log_cut_utf8(char *s, size_t max)
{
	if (strlen(s) <= max)
		return;
	while (max > 0 && ((unsigned char) s[max] & 0xC0) == 0x80)
		max--;
	s[max] = '\0';
}

/* Returns a malloc'd copy of text with every registered secret masked. */
char *
log_scrub(const char *text)
{
	char	   *out = strdup(text ? text : "");

	for (int i = 0; i < nsecrets && out; i++)
	{
		size_t		slen = strlen(secrets[i]);
		char	   *hit;

		while ((hit = strstr(out, secrets[i])) != NULL)
		{
			size_t		pre = hit - out;
			size_t		post = strlen(hit + slen);
			char	   *n = malloc(pre + strlen(MASK) + post + 1);

			if (n == NULL)
				break;
			memcpy(n, out, pre);
			memcpy(n + pre, MASK, strlen(MASK));
			memcpy(n + pre + strlen(MASK), hit + slen, post + 1);
			free(out);
			out = n;
		}
	}
	return out;
}

static const char *
level_name(log_level level)
{
	switch (level)
	{
		case LOG_DEBUG:
			return "DEBUG";
		case LOG_INFO:
			return "INFO";
		case LOG_WARN:
			return "WARN";
		default:
			return "ERROR";
	}
}

/* The message, whatever its length (malloc'd; NULL if out of memory). */
static char *
format_message(const char *fmt, va_list ap)
{
	va_list		copy;
	int			n;
	char	   *s;

	va_copy(copy, ap);
	n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0 || (s = malloc((size_t) n + 1)) == NULL)
		return NULL;
	vsnprintf(s, (size_t) n + 1, fmt, ap);
	return s;
}

void
log_json(log_level level, const char *phase, long duration_ms, cJSON *extra,
		 const char *fmt,...)
{
	char	   *msg;
	char		ts[96];
	struct timespec now;
	struct tm	tm;
	va_list		ap;
	cJSON	   *rec;
	char	   *line;
	char	   *clean;
	char	   *scrubbed_msg;

	if (level < min_level)
	{
		cJSON_Delete(extra);
		return;
	}

	va_start(ap, fmt);
	msg = format_message(fmt, ap);
	va_end(ap);

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			 tm.tm_hour, tm.tm_min, tm.tm_sec, (long) (now.tv_nsec / 1000000) % 1000);

	/*
	 * Mask before cutting the message to size and before JSON escaping it:
	 * neither a cut secret nor an escaped one would be found afterwards.
	 */
	scrubbed_msg = log_scrub(msg);
	if (msg)
		memset(msg, 0, strlen(msg));
	free(msg);
	if (scrubbed_msg)
		log_cut_utf8(scrubbed_msg, MAX_MESSAGE);

	rec = extra ? extra : cJSON_CreateObject();
	cJSON_AddStringToObject(rec, "timestamp", ts);
	cJSON_AddStringToObject(rec, "level", level_name(level));
	if (request_id[0])
		cJSON_AddStringToObject(rec, "requestId", request_id);
	cJSON_AddStringToObject(rec, "phase", phase);
	if (duration_ms >= 0)
		cJSON_AddNumberToObject(rec, "durationMs", duration_ms);
	cJSON_AddStringToObject(rec, "message", scrubbed_msg ? scrubbed_msg : "");
	free(scrubbed_msg);

	line = cJSON_PrintUnformatted(rec);
	clean = log_scrub(line);
	if (clean)
		printf("%s\n", clean);
	free(clean);
	free(line);
	cJSON_Delete(rec);
}
