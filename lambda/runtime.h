/*-------------------------------------------------------------------------
 *
 * runtime.h
 *	  Client for the Lambda Runtime API (2018-06-01).
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGM_RUNTIME_H
#define PGM_RUNTIME_H

#include <stddef.h>

typedef struct invocation
{
	char		request_id[128];
	long		deadline_ms;	/* Unix epoch ms; 0 when the header was absent */
	char	   *event;			/* body, NUL-terminated */
	size_t		event_len;
} invocation;

typedef enum
{
	RT_OK,
	RT_RETRY,					/* transport trouble: try again */
	RT_FATAL					/* the platform asked us to exit */
} rt_status;

extern int	runtime_init(const char *api);
extern void runtime_cleanup(void);
extern rt_status runtime_next(invocation *inv);
extern void invocation_free(invocation *inv);
extern int	runtime_respond(const char *request_id, const char *body);
extern int	runtime_error(const char *request_id, const char *error_type,
						  const char *message);
extern int	runtime_init_error(const char *error_type, const char *message);

#endif							/* PGM_RUNTIME_H */
