/*-------------------------------------------------------------------------
 *
 * interrupts.h
 *	  CHECK_FOR_INTERRUPTS() for the pure-logic files (names.c, checksum.c,
 *	  placeholders.c, plan.c, script_conf.c, manifest.c).
 *
 * In the backend it is the server's own: a cancel, statement_timeout or
 * SIGTERM stops a long loop there.  The same files build with -DFRONTEND
 * for the unit tests, where there is nothing to interrupt.
 *
 * Include it after postgres.h / postgres_fe.h.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_MIGRATE_INTERRUPTS_H
#define PG_MIGRATE_INTERRUPTS_H

#ifdef FRONTEND
#define CHECK_FOR_INTERRUPTS() ((void) 0)
#else
#include "miscadmin.h"
#endif

/* Bytes a byte-at-a-time loop handles between two checks. */
#define INTERRUPT_CHECK_BYTES ((size_t) 1024 * 1024)

#endif							/* PG_MIGRATE_INTERRUPTS_H */
