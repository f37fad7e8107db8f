/*-------------------------------------------------------------------------
 *
 * handler.c
 *	  One invocation: decode the event, fetch the secret, migrate, and
 *	  report in the way the configured mode requires.
 *
 * The work deadline is the invocation deadline minus a margin
 * (PG_MIGRATE_DEADLINE_MARGIN_MS) that is kept for reporting: whatever
 * fails or runs long, the handler still answers while it is alive.
 *
 *-------------------------------------------------------------------------
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cfn.h"
#include "db.h"
#include "handler.h"
#include "log.h"
#include "secrets.h"
#include "sns.h"
#include "summary.h"

#define MIN_WORK_MS 1000		/* less than this cannot even connect */

/* A result means success, in every mode; the error fields say nothing then. */
typedef struct outcome
{
	cJSON	   *result;			/* on success */
	const char *error_type;		/* on failure */
	char	   *errmsg;
} outcome;

static void
fail(outcome *o, const char *type, const char *msg)
{
	o->error_type = type;
	free(o->errmsg);
	o->errmsg = strdup(msg);
}

static int
same_password(const db_secret *a, const db_secret *b)
{
	return a->password && b->password && strcmp(a->password, b->password) == 0;
}

/* Secret, connect, apply; fills o. */
static void
migrate_database(const config *cfg, long work_deadline, outcome *o)
{
	db_secret	sec;
	int			have_secret = 0;
	int			auth_failed = 0;
	long		t0 = now_ms();
	long		left = work_deadline - t0;

	if (left < MIN_WORK_MS)
	{
		char		buf[256];

		snprintf(buf, sizeof(buf), "only %ld ms left before the deadline margin of %ld ms: "
				 "raise the function timeout", left > 0 ? left : 0, cfg->margin_ms);
		fail(o, "Function.DeadlineTooShort", buf);
		return;
	}
	if (cfg->secret_id)
	{
		if (secret_fetch(cfg, work_deadline, &sec, &o->error_type, &o->errmsg) != 0)
			return;
		have_secret = 1;
	}
	if (db_migrate(cfg, have_secret ? &sec : NULL, work_deadline, &o->result,
				   &o->error_type, &o->errmsg, &auth_failed) != 0 &&
		auth_failed && have_secret && !cfg->use_secrets_extension)
	{
		/* a rotation may have happened since we fetched: try the new one once */
		db_secret	fresh;
		const char *et = NULL;
		char	   *em = NULL;

		/* a failed re-fetch logs itself; the refused password is the error */
		if (secret_fetch(cfg, work_deadline, &fresh, &et, &em) == 0)
		{
			if (!same_password(&sec, &fresh))
			{
				log_warn("connect", "authentication failed; retrying with the re-fetched secret");
				free(o->errmsg);
				db_migrate(cfg, &fresh, work_deadline, &o->result, &o->error_type,
						   &o->errmsg, &auth_failed);
			}
			secret_free(&fresh);
		}
		free(em);
	}
	if (have_secret)
		secret_free(&sec);
	if (o->result)
		cJSON_AddNumberToObject(o->result, "durationMs", now_ms() - t0);
}

/*
 * One deploy, then its summary on SNS when a topic is configured.  The
 * notification may use half the reporting margin; it never changes o.
 */
static void
migrate(const config *cfg, long work_deadline, outcome *o)
{
	long		t0 = now_ms();

	summary_begin(log_request_id());
	/* the database FLYWAY_URL names, until the connection tells */
	summary_note_database(cfg->url.dbname, cfg->url.hosts, cfg->url.ports);
	migrate_database(cfg, work_deadline, o);
	sns_notify_deploy(cfg, o->result, o->error_type, o->errmsg, now_ms() - t0,
					  work_deadline + cfg->margin_ms / 2);
	summary_end();
}

/* An absent or blank body is a valid event: the CDK Trigger sends none. */
static int
blank(const char *s)
{
	for (; s && *s; s++)
		if (!isspace((unsigned char) *s))
			return 0;
	return 1;
}

static int
report_direct(const invocation *inv, outcome *o)
{
	if (o->result)
	{
		char	   *body;
		int			r;

		cJSON_AddStringToObject(o->result, "status", "SUCCESS");
		body = cJSON_PrintUnformatted(o->result);
		r = runtime_respond(inv->request_id, body);
		free(body);
		return r;
	}
	return runtime_error(inv->request_id, o->error_type, o->errmsg);
}

/* Say, and log, which RequestType we cannot handle. */
static void
unknown_request_type(const cJSON *event, char *buf, size_t len)
{
	const char *t = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(event, "RequestType"));

	snprintf(buf, len, "unknown RequestType \"%.100s\" (expected Create, Update or Delete)",
			 t ? t : "(missing)");
	log_error("event", "%s", buf);
}

static int
run_provider(const config *cfg, const invocation *inv, const cJSON *event, long work_deadline)
{
	outcome		o = {0};
	request_type rt = cfn_request_type(event);
	char	   *phys;
	char	   *body;
	int			r;

	if (rt == REQ_UNKNOWN)
	{
		char		buf[300];

		unknown_request_type(event, buf, sizeof(buf));
		return runtime_error(inv->request_id, "Function.UnknownRequestType", buf);
	}
	phys = cfn_physical_id(event);
	if (rt == REQ_DELETE)
		log_info("event", "Delete: nothing to do, the database is left alone");
	else
		migrate(cfg, work_deadline, &o);
	if (rt == REQ_DELETE || o.result)
	{
		body = provider_response_body(phys, o.result);
		r = runtime_respond(inv->request_id, body);
		free(body);
	}
	else
		r = runtime_error(inv->request_id, o.error_type, o.errmsg);
	free(phys);
	cJSON_Delete(o.result);
	free(o.errmsg);
	return r;
}

static int
run_cloudformation(const config *cfg, const invocation *inv, const cJSON *event,
				   long work_deadline)
{
	outcome		o = {0};
	const char *url = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(event, "ResponseURL"));
	request_type rt = cfn_request_type(event);
	char	   *phys;
	char	   *body;
	char	   *put_err = NULL;
	int			ok;
	int			r;

	if (url == NULL || *url == '\0')
	{
		/* nowhere to answer: the invocation error is all we can give */
		log_error("event", "CloudFormation event without ResponseURL");
		return runtime_error(inv->request_id, "Function.InvalidEvent",
							 "CloudFormation event without ResponseURL "
							 "(is PG_MIGRATE_INVOKE_MODE right?)");
	}
	phys = cfn_physical_id(event);
	if (rt == REQ_UNKNOWN)
	{
		char		buf[300];

		unknown_request_type(event, buf, sizeof(buf));
		fail(&o, "Function.UnknownRequestType", buf);
	}
	else if (rt == REQ_DELETE)
		log_info("event", "Delete: nothing to do, the database is left alone");
	else
		migrate(cfg, work_deadline, &o);

	ok = rt == REQ_DELETE || o.result != NULL;
	body = cfn_response_body(event, ok, ok ? NULL : o.errmsg, phys, o.result);
	/* the PUT may use the margin, but not the last half second */
	if (cfn_put(cfg, url, body, inv->deadline_ms - 500, &put_err) != 0)
	{
		log_error("respond", "%s", put_err);
		r = runtime_error(inv->request_id, "Function.ResponseFailed", put_err);
	}
	else
	{
		/* success to Lambda either way: an error would make it retry the event */
		r = runtime_respond(inv->request_id, body);
	}
	free(put_err);
	free(body);
	free(phys);
	cJSON_Delete(o.result);
	free(o.errmsg);
	return r;
}

int
handle_invocation(const config *cfg, const invocation *inv)
{
	long		start = now_ms();
	long		deadline = inv->deadline_ms ? inv->deadline_ms : start + 60000;
	long		work_deadline = deadline - cfg->margin_ms;
	cJSON	   *event = NULL;
	int			r;

	log_set_request_id(inv->request_id);
	if (!blank(inv->event))
	{
		event = cJSON_Parse(inv->event);
		if (!cJSON_IsObject(event))
		{
			/* never echo the event: it may carry secrets */
			cJSON_Delete(event);
			log_error("event", "event is not a JSON object (%zu bytes)", inv->event_len);
			r = runtime_error(inv->request_id, "Function.InvalidEvent",
							  "the event is not a JSON object");
			log_set_request_id(NULL);
			return r;
		}
	}
	else
		event = cJSON_CreateObject();

	{
		const char *rt = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(event, "RequestType"));
		cJSON	   *x = cJSON_CreateObject();

		cJSON_AddStringToObject(x, "mode", mode_name(cfg->mode));
		if (rt && cfg->mode != MODE_DIRECT)
			cJSON_AddStringToObject(x, "requestType", rt);
		cJSON_AddNumberToObject(x, "remainingMs", deadline - start);
		log_json(LOG_INFO, "start", -1, x, "invocation started");
	}

	switch (cfg->mode)
	{
		case MODE_DIRECT:
			{
				outcome		o = {0};

				migrate(cfg, work_deadline, &o);
				r = report_direct(inv, &o);
				cJSON_Delete(o.result);
				free(o.errmsg);
				break;
			}
		case MODE_PROVIDER:
			r = run_provider(cfg, inv, event, work_deadline);
			break;
		default:
			r = run_cloudformation(cfg, inv, event, work_deadline);
			break;
	}
	cJSON_Delete(event);
	log_json(r == 0 ? LOG_INFO : LOG_ERROR, "end", now_ms() - start, NULL,
			 "invocation finished");
	/* secrets were needed until every response was scrubbed and sent */
	log_clear_secrets();
	log_set_request_id(NULL);
	return r;
}
