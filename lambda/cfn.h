/*-------------------------------------------------------------------------
 *
 * cfn.h
 *	  CloudFormation custom resource and CDK Provider framework support.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGM_CFN_H
#define PGM_CFN_H

#include <cjson/cJSON.h>

#include "config.h"

typedef enum
{
	REQ_CREATE,
	REQ_UPDATE,
	REQ_DELETE,
	REQ_UNKNOWN
} request_type;

extern request_type cfn_request_type(const cJSON *event);
extern char *cfn_physical_id(const cJSON *event);
extern cJSON *cfn_data(const cJSON *result);
/* The SUCCESS or FAILED document; FAILED always has a masked, non-empty Reason. */
extern char *cfn_response_body(const cJSON *event, int success, const char *message,
							   const char *physical_id, const cJSON *result);
/* PUT it to the ResponseURL, retrying what may pass; -1 with *errmsg if not sent. */
extern int	cfn_put(const config *cfg, const char *url, const char *body,
					long deadline_ms, char **errmsg);
extern char *provider_response_body(const char *physical_id, const cJSON *result);

#endif							/* PGM_CFN_H */
