/*-------------------------------------------------------------------------
 *
 * reentry.h
 *	  What code run by a migration must not do to the run that runs it:
 *	  call a pg_migrate function, or give up the run's migration lock
 *	  (reentry.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_MIGRATE_REENTRY_H
#define PG_MIGRATE_REENTRY_H

#include "fmgr.h"

#include "pg_migrate.h"

extern Datum reentry_guarded_call(FunctionCallInfo fcinfo, const char *function,
								  PGFunction command);
extern void reentry_mark_worker(const char *function);
extern void reentry_verify_run_lock(HistoryTable *history, const char *script, bool after_it);

#endif							/* PG_MIGRATE_REENTRY_H */
