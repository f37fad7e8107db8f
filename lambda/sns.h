/*-------------------------------------------------------------------------
 *
 * sns.h
 *	  Each deploy's summary on Amazon SNS (PG_MIGRATE_SNS_TOPIC_ARN).
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGM_SNS_H
#define PGM_SNS_H

#include <cjson/cJSON.h>

#include "config.h"

/*
 * Publish one message to cfg's topic, retrying throttling, 5xx and network
 * errors until deadline_ms (absolute, Unix epoch ms).  Returns 0 and the
 * MessageId (malloc'd), or -1 and *errmsg (malloc'd, secret-free).
 */
extern int	sns_publish(const config *cfg, const char *subject, const char *message,
						const char *dedup_id, long deadline_ms, char **message_id,
						char **errmsg);

/*
 * When a topic is configured, publish the summary of the deploy that just
 * ended (result on success, else error_type/errmsg) and log what became of
 * it.  Nothing here changes the deploy's outcome.
 */
extern void sns_notify_deploy(const config *cfg, const cJSON *result, const char *error_type,
							  const char *errmsg, long duration_ms, long deadline_ms);

#endif							/* PGM_SNS_H */
