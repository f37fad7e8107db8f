/*-------------------------------------------------------------------------
 *
 * executor_libpq.h
 *	  The engine's executor (src/engine/executor.h) over a libpq
 *	  connection: what the pg_migrate command runs its migrations with.
 *
 * Scripts come from a ScriptSource (script_source.h): folders on the
 * machine the command runs on, or https:// and s3:// releases.
 *
 *-------------------------------------------------------------------------
 */
#ifndef EXECUTOR_LIBPQ_H
#define EXECUTOR_LIBPQ_H

#include "libpq-fe.h"

#include "executor.h"
#include "script_source.h"

/*
 * An executor over conn, which must be connected, outside any transaction
 * block.  group: every migration runs in one transaction that the caller
 * opens with executor_libpq_group_begin() and ends with
 * executor_libpq_group_end() (Flyway's -group=true); the executor then
 * works as in a caller's transaction (caller_transaction).
 *
 * Remembers the session as it is now (role, settings, search_path), which
 * restore_session() puts back before each script.
 */
extern Executor *executor_libpq_create(PGconn *conn, ScriptSource *source, bool group,
									   MigrateError *err);

/* -group=true: the one transaction of the run. */
extern bool executor_libpq_group_begin(Executor *ex, MigrateError *err);
extern bool executor_libpq_group_end(Executor *ex, bool commit, MigrateError *err);

/*
 * A failed libpq call as a MigrateError: the server's fields when it sent
 * an error, else SQLSTATE 08006 and libpq's message (connection lost).
 */
extern void libpq_error(PGconn *conn, const PGresult *res, MigrateError *err);

#endif							/* EXECUTOR_LIBPQ_H */
