/*-------------------------------------------------------------------------
 *
 * sns.c
 *	  Each deploy's summary on Amazon SNS: the Publish action of SNS's
 *	  query API (a form-encoded POST), signed with SigV4 by libcurl as the
 *	  Secrets Manager request is.
 *
 * A notification is a side effect.  Whatever happens here is logged and
 * never changes the deploy's outcome, and it is bounded in time: a VPC
 * without a route to SNS must not hold a finished deploy for minutes.
 * The signing rules for libcurl 7.88 are those in secrets.c: the body in
 * CURLOPT_POSTFIELDS, region and service explicit, no header-removal
 * entries, X-Amz-Security-Token only when non-empty.
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "http.h"
#include "log.h"
#include "sns.h"
#include "summary.h"

#define SNS_ATTEMPTS 3
#define SNS_BUDGET_MS 15000		/* all attempts of one notification */
#define SNS_ATTEMPT_MS 5000
#define SNS_CONNECT_MS 3000
#define SNS_MAX_RESPONSE (64 * 1024)

typedef enum
{
	PUBLISH_OK,
	PUBLISH_RETRY,
	PUBLISH_FAIL
} publish_result;

/* The text of the first <tag>...</tag> in an SNS XML answer, or NULL. */
static char *
xml_text(const char *xml, const char *tag)
{
	char		open[64];
	char		close[64];
	const char *start;
	const char *end;
	size_t		len;

	if (xml == NULL)
		return NULL;
	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	start = strstr(xml, open);
	if (start == NULL)
		return NULL;
	start += strlen(open);
	end = strstr(start, close);
	if (end == NULL)
		return NULL;
	/* the first line only: signature errors go on with the canonical request */
	len = strcspn(start, "\r\n");
	if (len > (size_t) (end - start))
		len = end - start;
	return strndup(start, len);
}

/* Append &key=value (URL-encoded) to the form body. */
static void
form_add(CURL *curl, char **body, const char *key, const char *value)
{
	char	   *esc = curl_easy_escape(curl, value, 0);
	size_t		old = *body ? strlen(*body) : 0;
	size_t		n = old + strlen(key) + (esc ? strlen(esc) : 0) + 3;
	char	   *b = realloc(*body, n);

	if (b)
	{
		snprintf(b + old, n - old, "%s%s=%s", old ? "&" : "", key, esc ? esc : "");
		*body = b;
	}
	curl_free(esc);
}

static char *
publish_body(CURL *curl, const config *cfg, const char *subject, const char *message,
			 const char *dedup_id)
{
	char	   *body = NULL;
	size_t		alen = strlen(cfg->sns_topic_arn);

	form_add(curl, &body, "Action", "Publish");
	form_add(curl, &body, "Version", "2010-03-31");
	form_add(curl, &body, "TopicArn", cfg->sns_topic_arn);
	form_add(curl, &body, "Subject", subject);
	form_add(curl, &body, "Message", message);
	/* a FIFO topic takes no message without a group; the id dedups retries */
	if (alen > 5 && strcmp(cfg->sns_topic_arn + alen - 5, ".fifo") == 0)
	{
		form_add(curl, &body, "MessageGroupId", "pg_migrate");
		form_add(curl, &body, "MessageDeduplicationId",
				 dedup_id && *dedup_id ? dedup_id : "pg_migrate");
	}
	return body;
}

/* Why SNS refused, and whether another attempt may do better. */
static publish_result
classify(const config *cfg, long status, const char *xml, char **errmsg)
{
	char	   *code = xml_text(xml, "Code");
	char	   *raw = xml_text(xml, "Message");
	/* masked before it is cut to size: a cut secret would not be found */
	char	   *msg = raw ? log_scrub(raw) : NULL;
	char		buf[1536];
	const char *hint = "";
	publish_result r = PUBLISH_FAIL;

	if (http_status_retryable(status) || (code && strstr(code, "Throttl")))
		r = PUBLISH_RETRY;
	else if (code && (strcmp(code, "AuthorizationError") == 0 || strncmp(code, "KMS", 3) == 0 ||
					  strcmp(code, "InvalidClientTokenId") == 0 ||
					  strcmp(code, "SignatureDoesNotMatch") == 0))
		hint = "; the execution role needs sns:Publish on the topic (and kms:GenerateDataKey "
			"and kms:Decrypt on its key when the topic is encrypted)";
	else if (code && strcmp(code, "NotFound") == 0)
		hint = "; check PG_MIGRATE_SNS_TOPIC_ARN";
	snprintf(buf, sizeof(buf), "SNS answered HTTP %ld%s%.100s%s%.700s%s at %.300s", status,
			 code ? " " : "", code ? code : "", msg ? ": " : "", msg ? msg : "", hint,
			 cfg->sns_endpoint);
	free(code);
	free(raw);
	free(msg);
	free(*errmsg);
	*errmsg = strdup(buf);
	return r;
}

/* What is left until the deadline, at most cap and at least 1 ms. */
static long
bounded(long left, long cap)
{
	return left > cap ? cap : (left > 1 ? left : 1);
}

static publish_result
attempt(const config *cfg, const char *subject, const char *message, const char *dedup_id,
		long deadline_ms, char **message_id, char **errmsg)
{
	CURL	   *curl = curl_easy_init();
	struct curl_slist *h = NULL;
	http_body	resp = {NULL, 0, SNS_MAX_RESPONSE};
	char	   *body;
	char		curl_error[CURL_ERROR_SIZE] = "";
	long		left = deadline_ms - now_ms();
	long		status = 0;
	CURLcode	rc;
	publish_result r;

	if (curl == NULL)
	{
		*errmsg = strdup("curl_easy_init failed");
		return PUBLISH_FAIL;
	}
	body = publish_body(curl, cfg, subject, message, dedup_id);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, bounded(left, SNS_ATTEMPT_MS));
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, bounded(left, SNS_CONNECT_MS));
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, http_body_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &resp);
	if (cfg->ca_bundle)
		curl_easy_setopt(curl, CURLOPT_CAINFO, cfg->ca_bundle);
	curl_easy_setopt(curl, CURLOPT_URL, cfg->sns_endpoint);
	h = curl_slist_append(h, "Content-Type: application/x-www-form-urlencoded; charset=utf-8");
	h = http_aws_signed_post(curl, cfg->sns_region, "sns", cfg->access_key, cfg->secret_key,
							 cfg->session_token, body, h);

	rc = curl_easy_perform(curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(curl);
	curl_slist_free_all(h);
	free(body);

	if (rc != CURLE_OK)
	{
		const char *detail = curl_error[0] ? curl_error : curl_easy_strerror(rc);
		char		buf[1536];

		if (http_tls_verify_failed(rc))
			snprintf(buf, sizeof(buf), "cannot verify SNS at %.500s: %.300s; the CA bundle in use "
					 "is %.300s (set PG_MIGRATE_CA_BUNDLE)", cfg->sns_endpoint, detail,
					 cfg->ca_bundle ? cfg->ca_bundle : "libcurl's default");
		else
			snprintf(buf, sizeof(buf), "cannot reach SNS at %.500s: %.300s (a VPC function needs "
					 "an sns interface endpoint or a NAT gateway)", cfg->sns_endpoint, detail);
		free(*errmsg);
		*errmsg = strdup(buf);
		http_body_free(&resp, 0);
		return http_tls_verify_failed(rc) ? PUBLISH_FAIL : PUBLISH_RETRY;
	}
	if (status == 200)
	{
		*message_id = xml_text(resp.data, "MessageId");
		r = PUBLISH_OK;
	}
	else
		r = classify(cfg, status, resp.data, errmsg);
	http_body_free(&resp, 0);
	return r;
}

int
sns_publish(const config *cfg, const char *subject, const char *message, const char *dedup_id,
			long deadline_ms, char **message_id, char **errmsg)
{
	long		backoff = 200;

	*message_id = NULL;
	*errmsg = NULL;
	for (int i = 1;; i++)
	{
		publish_result r = attempt(cfg, subject, message, dedup_id, deadline_ms, message_id, errmsg);

		if (r == PUBLISH_OK)
		{
			free(*errmsg);
			*errmsg = NULL;
			return 0;
		}
		if (r == PUBLISH_FAIL || i >= SNS_ATTEMPTS ||
			http_retry_pause("notify", i, *errmsg, &backoff, deadline_ms) != 0)
		{
			*errmsg = http_gave_up(*errmsg, i);
			return -1;
		}
	}
}

void
sns_notify_deploy(const config *cfg, const cJSON *result, const char *error_type,
				  const char *errmsg, long duration_ms, long deadline_ms)
{
	long		t0 = now_ms();
	char	   *subject;
	char	   *message;
	char	   *message_id = NULL;
	char	   *err = NULL;

	if (cfg->sns_topic_arn == NULL)
		return;
	if (deadline_ms > t0 + SNS_BUDGET_MS)
		deadline_ms = t0 + SNS_BUDGET_MS;
	if (deadline_ms - t0 < 100)
	{
		log_error("notify", "deploy summary not published to %s: no time left before the "
				  "deadline; the deploy's result stands", cfg->sns_topic_arn);
		return;
	}
	summary_build(result, error_type, errmsg, duration_ms, SUMMARY_MAX_MESSAGE, &subject, &message);
	if (subject && message &&
		sns_publish(cfg, subject, message, log_request_id(), deadline_ms, &message_id, &err) == 0)
		log_json(LOG_INFO, "notify", now_ms() - t0, NULL,
				 "deploy summary published to %s (MessageId %s)", cfg->sns_topic_arn,
				 message_id ? message_id : "?");
	else
		log_json(LOG_ERROR, "notify", now_ms() - t0, NULL,
				 "deploy summary not published to %s: %s; the deploy's result stands",
				 cfg->sns_topic_arn, err ? err : "out of memory");
	free(message_id);
	free(err);
	free(subject);
	free(message);
}
