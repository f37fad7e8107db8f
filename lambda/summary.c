/*-------------------------------------------------------------------------
 *
 * summary.c
 *	  What one deploy did, and its summary for the SNS notification.
 *
 * The facts are kept for the current invocation only, as log.c keeps its
 * request id.  Every text that goes into the summary is masked with
 * log_scrub() before it is JSON-escaped (an escaped secret would not be
 * found afterwards), and the finished message once more.
 *
 *-------------------------------------------------------------------------
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "summary.h"

#define MAX_TEXT 8192			/* bytes of an error text in the message */

static struct
{
	char		request_id[128];
	char	   *dbname;
	char	   *host;
	char	   *port;
	const char *engine;			/* static; NULL until an engine ran */
	char	   *version_before;
	char	   *version_after;
	int			after_known;
	char	   *failure_message;	/* the database's primary message */
	char	   *failure_sqlstate;
}			facts;

static void
replace(char **field, const char *value)
{
	free(*field);
	*field = value ? strdup(value) : NULL;
}

void
summary_begin(const char *request_id)
{
	replace(&facts.dbname, NULL);
	replace(&facts.host, NULL);
	replace(&facts.port, NULL);
	replace(&facts.version_before, NULL);
	replace(&facts.version_after, NULL);
	replace(&facts.failure_message, NULL);
	replace(&facts.failure_sqlstate, NULL);
	facts.engine = NULL;
	facts.after_known = 0;
	snprintf(facts.request_id, sizeof(facts.request_id), "%s", request_id ? request_id : "");
}

void
summary_end(void)
{
	summary_begin(NULL);
}

void
summary_note_database(const char *dbname, const char *host, const char *port)
{
	replace(&facts.dbname, dbname);
	replace(&facts.host, host);
	replace(&facts.port, port);
}

void
summary_note_engine(const char *engine)
{
	facts.engine = engine;
}

/* info is a migrate_info() summary: {"schemaVersion": "3" or null, ...} */
void
summary_note_info(const cJSON *info, int after)
{
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(info, "schemaVersion"));

	if (after)
	{
		replace(&facts.version_after, v);
		facts.after_known = 1;
	}
	else
		replace(&facts.version_before, v);
}

void
summary_note_failure(const char *primary_message, const char *sqlstate)
{
	replace(&facts.failure_message, primary_message);
	replace(&facts.failure_sqlstate, sqlstate);
}

/* The extension names a failed script as "<noun> <script> ..." */
static const char *
after_noun(const char *m)
{
	static const char *const nouns[] = {"migration ", "callback ", "undo script "};

	for (size_t i = 0; i < sizeof(nouns) / sizeof(nouns[0]); i++)
		if (strncmp(m, nouns[i], strlen(nouns[i])) == 0)
			return m + strlen(nouns[i]);
	return NULL;
}

void
summary_parse_failure(const char *m, char **script, int *line, char **error)
{
	static const char at_line[] = " failed at line ";
	static const char after_all[] = " failed after its statements ran: ";
	const char *rest = m ? after_noun(m) : NULL;
	const char *hit;

	*script = NULL;
	*line = 0;
	*error = m ? strdup(m) : NULL;
	if (rest == NULL)
		return;
	if ((hit = strstr(rest, at_line)) != NULL)
	{
		/* "migration V2__x.sql failed at line 3: syntax error ..." */
		char	   *end;
		long		n = strtol(hit + strlen(at_line), &end, 10);

		*script = strndup(rest, hit - rest);
		*line = n > 0 && n < 1000000000 ? (int) n : 0;
		if (strncmp(end, ": ", 2) == 0)
			replace(error, end + 2);
	}
	else if ((hit = strstr(rest, after_all)) != NULL)
	{
		*script = strndup(rest, hit - rest);
		replace(error, hit + strlen(after_all));
	}
	else if ((hit = strstr(rest, " line ")) != NULL && isdigit((unsigned char) hit[6]))
	{
		/* "migration V3__x.sql line 4 cannot run inside a transaction block" */
		*script = strndup(rest, hit - rest);
		*line = atoi(hit + 6);
	}
	else
		*script = strndup(rest, strcspn(rest, " "));
}

/* Add text masked and bounded, or null. */
static void
add_text(cJSON *o, const char *key, const char *text)
{
	char	   *clean;

	if (text == NULL)
	{
		cJSON_AddNullToObject(o, key);
		return;
	}
	clean = log_scrub(text);
	if (clean == NULL)
		return;
	log_cut_utf8(clean, MAX_TEXT);
	cJSON_AddStringToObject(o, key, clean);
	free(clean);
}

static cJSON *
failure_object(const char *error_type, const char *errmsg)
{
	cJSON	   *f = cJSON_CreateObject();
	char	   *script;
	char	   *error;
	int			line;

	summary_parse_failure(facts.failure_message, &script, &line, &error);
	add_text(f, "errorType", error_type ? error_type : "Function.Error");
	add_text(f, "script", script);
	if (line > 0)
		cJSON_AddNumberToObject(f, "line", line);
	else
		cJSON_AddNullToObject(f, "line");
	/* the database's own words when it spoke, else the handler's */
	add_text(f, "error", error ? error : errmsg);
	add_text(f, "sqlstate", facts.failure_sqlstate);
	add_text(f, "message", errmsg);
	free(script);
	free(error);
	return f;
}

/* The first keep applied migrations (all when keep < 0). */
static cJSON *
migrations_array(const cJSON *applied, int keep)
{
	cJSON	   *list = cJSON_CreateArray();
	const cJSON *m;
	int			n = 0;

	cJSON_ArrayForEach(m, applied)
	{
		cJSON	   *e;
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(m, "executionTime");

		if (keep >= 0 && n++ >= keep)
			break;
		e = cJSON_CreateObject();
		add_text(e, "version", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "version")));
		add_text(e, "description",
				 cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "description")));
		add_text(e, "script", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "script")));
		add_text(e, "type", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "type")));
		if (cJSON_IsNumber(t))
			cJSON_AddNumberToObject(e, "executionTimeMs", t->valuedouble);
		else
			cJSON_AddNullToObject(e, "executionTimeMs");
		cJSON_AddItemToArray(list, e);
	}
	return list;
}

static const char *
version_after(const cJSON *result)
{
	if (facts.after_known)
		return facts.version_after;
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(result, "schemaVersion"));
}

/* The message with the first keep applied migrations (all when keep < 0). */
static char *
message_text(const cJSON *result, const char *error_type, const char *errmsg,
			 long duration_ms, int keep)
{
	cJSON	   *o = cJSON_CreateObject();
	const cJSON *applied = cJSON_GetObjectItemCaseSensitive(result, "migrations");
	int			napplied = cJSON_GetArraySize(applied);
	char	   *text;
	char	   *clean;

	add_text(o, "status", result ? "SUCCESS" : "FAILED");
	add_text(o, "database", facts.dbname);
	add_text(o, "host", facts.host);
	add_text(o, "port", facts.port);
	add_text(o, "engine", facts.engine);
	add_text(o, "schemaVersionBefore", facts.version_before);
	add_text(o, "schemaVersionAfter", version_after(result));
	if (result)
	{
		cJSON_AddNumberToObject(o, "applied", napplied);
		cJSON_AddItemToObject(o, "migrations", migrations_array(applied, keep));
		cJSON_AddNumberToObject(o, "migrationsOmitted",
								keep >= 0 && keep < napplied ? napplied - keep : 0);
	}
	else
		cJSON_AddItemToObject(o, "failure", failure_object(error_type, errmsg));
	cJSON_AddNumberToObject(o, "durationMs", duration_ms);
	add_text(o, "requestId", facts.request_id[0] ? facts.request_id : NULL);
	add_text(o, "functionName", getenv("AWS_LAMBDA_FUNCTION_NAME"));
	add_text(o, "migrationsHash", getenv("PG_MIGRATE_MIGRATIONS_HASH"));
	text = cJSON_Print(o);
	cJSON_Delete(o);
	clean = log_scrub(text);
	free(text);
	return clean;
}

/* The whole message, or as many applied migrations as fit in max bytes. */
static char *
message_within(const cJSON *result, const char *error_type, const char *errmsg,
			   long duration_ms, size_t max)
{
	char	   *text = message_text(result, error_type, errmsg, duration_ms, -1);
	int			lo = 0;
	int			hi = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(result, "migrations"));

	if (text == NULL || strlen(text) <= max || result == NULL)
		return text;
	free(text);
	/* the largest count that fits: lo fits (or is 0), hi does not */
	while (hi - lo > 1)
	{
		int			mid = lo + (hi - lo) / 2;

		text = message_text(result, error_type, errmsg, duration_ms, mid);
		if (text && strlen(text) <= max)
			lo = mid;
		else
			hi = mid;
		free(text);
	}
	return message_text(result, error_type, errmsg, duration_ms, lo);
}

/* SNS takes printable ASCII under 100 characters. */
static char *
ascii_subject(const char *text)
{
	char	   *s = log_scrub(text);
	size_t		n;

	if (s == NULL)
		return NULL;
	for (char *c = s; *c; c++)
		if ((unsigned char) *c < 0x20 || (unsigned char) *c > 0x7e)
			*c = '?';
	n = strlen(s);
	if (n > SUMMARY_MAX_SUBJECT)
		memcpy(s + SUMMARY_MAX_SUBJECT - 3, "...", 4);
	return s;
}

static char *
subject_text(const cJSON *result, const char *error_type)
{
	char		buf[1024];
	char		where[300] = "";

	if (facts.dbname)
		snprintf(where, sizeof(where), ": %.256s", facts.dbname);
	if (result)
	{
		int			n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(result, "migrations"));
		const char *v = version_after(result);

		if (n > 0)
			snprintf(buf, sizeof(buf), "pg_migrate%s at version %.100s, %d migration%s applied",
					 where, v ? v : "(none)", n, n == 1 ? "" : "s");
		else
			snprintf(buf, sizeof(buf), "pg_migrate%s at version %.100s, nothing to apply",
					 where, v ? v : "(none)");
	}
	else
	{
		char	   *script;
		char	   *error;
		int			line;

		summary_parse_failure(facts.failure_message, &script, &line, &error);
		if (script && line > 0)
			snprintf(buf, sizeof(buf), "pg_migrate FAILED%s %.200s line %d", where, script, line);
		else if (script)
			snprintf(buf, sizeof(buf), "pg_migrate FAILED%s %.200s", where, script);
		else
			snprintf(buf, sizeof(buf), "pg_migrate FAILED%s (%.100s)", where,
					 error_type ? error_type : "Function.Error");
		free(script);
		free(error);
	}
	return ascii_subject(buf);
}

void
summary_build(const cJSON *result, const char *error_type, const char *errmsg,
			  long duration_ms, size_t max_message, char **subject, char **message)
{
	*subject = subject_text(result, error_type);
	*message = message_within(result, error_type, errmsg, duration_ms, max_message);
}
