/*-------------------------------------------------------------------------
 *
 * executor_server.h
 *	  The engine's executors inside the server (executor_server.c): at top
 *	  level in the apply worker, or through SPI in the caller's transaction.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_MIGRATE_EXECUTOR_SERVER_H
#define PG_MIGRATE_EXECUTOR_SERVER_H

#include "executor.h"

/*
 * A new executor, allocated in the current memory context, which must
 * outlive the run (at top level: outside any transaction).  It remembers
 * the session state every script starts from; in the caller's transaction
 * it also starts a GUC nest level that executor_server_finish() ends.
 */
extern Executor *executor_server_create(bool caller_transaction);

/*
 * After a run that succeeded, in the caller's transaction: the caller's own
 * settings and user as they were.  Nothing to do at top level.
 */
extern void executor_server_finish(Executor *ex);

/*
 * Raise a run's error (engine->error).  At top level the server log shows
 * the statement that failed, masked, as for a client's statement.
 */
extern void executor_server_raise(Executor *ex, const MigrateError *err) pg_attribute_noreturn();

#endif							/* PG_MIGRATE_EXECUTOR_SERVER_H */
