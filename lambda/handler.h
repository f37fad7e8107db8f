/*-------------------------------------------------------------------------
 *
 * handler.h
 *	  One invocation: decode the event, migrate, report per mode.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGM_HANDLER_H
#define PGM_HANDLER_H

#include "config.h"
#include "runtime.h"

/* Returns 0 when the outcome reached the platform, -1 otherwise. */
extern int	handle_invocation(const config *cfg, const invocation *inv);

#endif							/* PGM_HANDLER_H */
