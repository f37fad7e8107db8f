/*-------------------------------------------------------------------------
 *
 * sync_worker.c
 *	  The background workers that sync remote locations (sync.c):
 *
 *	  - the one-shot sync worker, started by migrate_sync() and, with
 *		pg_migrate.sync_on_apply, by migrate_apply() and migrate_info().  A
 *		sync must commit on its own: its failure is recorded even when the
 *		caller's statement fails, and the apply worker (another process)
 *		must see the new release before it starts.  A function cannot commit,
 *		so the sync runs in a worker connected as the caller, with the
 *		caller's settings, and hands its results back in shared memory.
 *		Needs no shared_preload_libraries.
 *
 *	  - the launcher (shared_preload_libraries = 'pg_migrate'): connected to
 *		no database, it wakes at least once a second and, every
 *		pg_migrate.sync_interval seconds, starts one short-lived database
 *		worker per database of pg_migrate.databases, one after the other.
 *
 *	  - the database worker: syncs its database's remote locations if the
 *		extension exists there, applies with pg_migrate.auto_apply when the
 *		sync brought new scripts, and exits.  Because nothing stays
 *		connected to a database between cycles, DROP DATABASE, ALTER
 *		DATABASE RENAME and CREATE DATABASE ... TEMPLATE are never blocked
 *		by an idle worker, and a worker never holds memory across cycles.
 *
 * Signals: SIGTERM is die() (interrupts lock and sync-rep waits too),
 * SIGHUP reloads the configuration, and every wait is followed by
 * CHECK_FOR_INTERRUPTS(), which also absorbs the ProcSignalBarrier of
 * DROP DATABASE.  The launcher starts only after recovery, and every worker
 * checks RecoveryInProgress() again before writing.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_database.h"
#include "commands/dbcommands.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/dsm.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/varlena.h"

#include "commands.h"
#include "pg_migrate.h"
#include "reentry.h"
#include "sync.h"

PGDLLEXPORT void pg_migrate_sync_once_main(Datum main_arg);
PGDLLEXPORT void pg_migrate_sync_launcher_main(Datum main_arg);
PGDLLEXPORT void pg_migrate_sync_database_main(Datum main_arg);

/* The one-shot worker's shared memory: request, results, then GUC state. */
typedef struct SyncShared
{
	Oid			database_id;
	Oid			authenticated_user_id;
	Oid			current_user_id;
	int			sec_context;
	int			nlocations;
	char		locations[SYNC_MAX_LOCATIONS][SYNC_LOCATION_LEN];
	bool		done;
	int			nresults;
	SyncResult	results[SYNC_MAX_LOCATIONS];
	char		error[SYNC_ERROR_LEN];
	Size		guc_len;
	char		guc[FLEXIBLE_ARRAY_MEMBER];
} SyncShared;

static BackgroundWorkerHandle *running_sync = NULL;
static bool exit_callback_registered = false;

/* A caller that exits mid-sync takes its worker with it. */
static void
terminate_sync_at_exit(int code, Datum arg)
{
	if (running_sync)
		TerminateBackgroundWorker(running_sync);
}

/*
 * sync_in_worker
 *		Sync the given (normalized) locations in a one-shot worker and wait
 *		for it.  Returns the number of results; *results is palloc'd.
 */
int
sync_in_worker(List *locations, SyncResult **results)
{
	Size		guc_len = EstimateGUCStateSpace();
	Size		size = add_size(offsetof(SyncShared, guc), guc_len);
	dsm_segment *seg;
	SyncShared *sh;
	BackgroundWorker worker;
	BackgroundWorkerHandle *handle;
	ListCell   *lc;
	bool		waited = false;
	int			waited_ms = 0;
	int			n;

	if (RecoveryInProgress())
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("cannot sync remote locations during recovery"),
				 errdetail("A sync writes the fetched scripts into this database."),
				 errhint("Sync on the primary; the standby receives the scripts by replication.")));
	if (!sync_extension_ready())
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("extension \"pg_migrate\" is not installed in this database"),
				 errdetail("Remote locations are kept in the extension's tables."),
				 errhint("Run CREATE EXTENSION pg_migrate.")));

	seg = dsm_create(size, 0);
	sh = dsm_segment_address(seg);
	memset(sh, 0, offsetof(SyncShared, guc));
	sh->database_id = MyDatabaseId;
	sh->authenticated_user_id = GetAuthenticatedUserId();
	GetUserIdAndSecContext(&sh->current_user_id, &sh->sec_context);
	foreach(lc, locations)
		strlcpy(sh->locations[sh->nlocations++], lfirst(lc), SYNC_LOCATION_LEN);
	sh->guc_len = guc_len;
	SerializeGUCState(guc_len, sh->guc);

	session_worker_init(&worker, "pg_migrate_sync_once_main", "pg_migrate sync", seg);
	/* it writes: not before recovery has finished */
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;

	while (!RegisterDynamicBackgroundWorker(&worker, &handle))
	{
		/* slots busy for long: they are not coming back for us; say so */
		if (waited_ms >= 10000)
			ereport(ERROR,
					(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
					 errmsg("could not start a background worker to sync remote locations"),
					 errdetail("All %d background worker slots have been in use for 10 seconds.",
							   max_worker_processes),
					 errhint("Raise max_worker_processes.")));
		waited_ms += 200;
		if (!waited)
			ereport(NOTICE,
					(errmsg("waiting for a free background worker slot to sync remote locations"),
					 errhint("Raise max_worker_processes.")));
		waited = true;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 200,
						 PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
	if (!exit_callback_registered)
	{
		before_shmem_exit(terminate_sync_at_exit, (Datum) 0);
		exit_callback_registered = true;
	}
	running_sync = handle;
	PG_TRY();
	{
		/* waits on our latch, with CHECK_FOR_INTERRUPTS: a cancel stops it */
		if (WaitForBackgroundWorkerShutdown(handle) == BGWH_POSTMASTER_DIED)
			ereport(FATAL,
					(errcode(ERRCODE_ADMIN_SHUTDOWN),
					 errmsg("postmaster exited during a sync")));
	}
	PG_CATCH();
	{
		TerminateBackgroundWorker(handle);
		running_sync = NULL;
		PG_RE_THROW();
	}
	PG_END_TRY();
	running_sync = NULL;
	pg_read_barrier();
	if (!sh->done)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("the sync worker exited without finishing"),
				 errhint("The server log says why.")));
	if (sh->error[0])
		ereport(ERROR,
				(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
				 errmsg("could not sync remote locations"),
				 errdetail("%s", sh->error),
				 errhint("Look at migrate_sync_status() and the server log.")));
	n = sh->nresults;
	*results = palloc(sizeof(SyncResult) * Max(n, 1));
	memcpy(*results, sh->results, sizeof(SyncResult) * n);
	dsm_detach(seg);
	return n;
}

/*
 * sync_before_command
 *		pg_migrate.sync_on_apply: sync the remote locations once before
 *		migrate_apply() or migrate_info() plans.  A failed sync of a location
 *		that keeps a previous release is a WARNING (the command goes on with
 *		that release, and migrate_sync_status() says why); a location with
 *		no release at all is an ERROR.  On a standby nothing is synced: the
 *		kept release arrives by replication.
 */
void
sync_before_command(const char *what)
{
	List	   *locations;
	SyncResult *results;
	int			n;

	if (!pgm_sync_on_apply)
		return;
	locations = sync_remote_locations();
	if (locations == NIL || RecoveryInProgress())
		return;
	n = sync_in_worker(locations, &results);
	for (int i = 0; i < n; i++)
	{
		SyncResult *r = &results[i];

		if (strcmp(r->status, "failed") != 0)
			continue;
		if (r->has_release)
			ereport(WARNING,
					(errcode(ERRCODE_WARNING),
					 errmsg("could not sync \"%s\"; %s uses its kept release \"%s\"",
							r->location, what, r->release),
					 errdetail("%s", r->error),
					 errhint("migrate_sync_status() shows the last error; migrate_sync() tries again.")));
		else
			ereport(ERROR,
					(errcode(ERRCODE_CONNECTION_FAILURE),
					 errmsg("could not sync \"%s\", and no release of it is kept", r->location),
					 errdetail("%s", r->error),
					 errhint("Fix the location or the publisher, then call %s again.", what)));
	}
}

/*
 * pg_migrate_sync_once_main
 *		The one-shot worker: the caller's database, identity and settings.
 */
void
pg_migrate_sync_once_main(Datum main_arg)
{
	dsm_segment *seg;
	SyncShared *sh;
	List	   *volatile locations = NIL;
	MemoryContext cxt;

	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	seg = dsm_attach(DatumGetUInt32(main_arg));
	if (seg == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("could not map the sync worker's shared memory segment")));
	sh = dsm_segment_address(seg);
	BackgroundWorkerInitializeConnectionByOid(sh->database_id, sh->authenticated_user_id, 0);
	pgstat_report_appname("pg_migrate sync");

	StartTransactionCommand();
	RestoreGUCState(sh->guc);
	CommitTransactionCommand();
	SetUserIdAndSecContext(sh->current_user_id, sh->sec_context);

	cxt = AllocSetContextCreate(TopMemoryContext, "pg_migrate sync once", ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(cxt);
	for (int i = 0; i < sh->nlocations; i++)
		locations = lappend(locations, pstrdup(sh->locations[i]));
	PG_TRY();
	{
		sh->nresults = sync_run_all(locations, sh->results, SYNC_MAX_LOCATIONS);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		AbortOutOfAnyTransaction();
		strlcpy(sh->error, edata->message, SYNC_ERROR_LEN);
	}
	PG_END_TRY();
	pg_write_barrier();
	sh->done = true;
	dsm_detach(seg);
	proc_exit(0);
}

/* ----------------------------------------------------------------
 * Launcher and database workers (shared_preload_libraries only)
 * ---------------------------------------------------------------- */

void
sync_worker_register_launcher(void)
{
	BackgroundWorker worker;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = 5;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "pg_migrate");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "pg_migrate_sync_launcher_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "pg_migrate launcher");
	snprintf(worker.bgw_type, BGW_MAXLEN, "pg_migrate launcher");
	RegisterBackgroundWorker(&worker);
}

static List *
lappend_outer(MemoryContext outer, List *list, const char *name)
{
	MemoryContext old = MemoryContextSwitchTo(outer);

	list = lappend(list, pstrdup(name));
	MemoryContextSwitchTo(old);
	return list;
}

/* The databases pg_migrate.databases names ("*" = every connectable one). */
static List *
databases_to_serve(void)
{
	List	   *names = NIL;
	List	   *result = NIL;
	char	   *copy = pstrdup(pgm_databases ? pgm_databases : "");
	ListCell   *lc;
	MemoryContext outer = CurrentMemoryContext;
	bool		all = false;

	if (!SplitIdentifierString(copy, ',', &names))
	{
		ereport(LOG,
				(errmsg("pg_migrate: invalid list syntax in pg_migrate.databases"),
				 errhint("Give a comma-separated list of database names, or *.")));
		return NIL;
	}
	/*
	 * A heap scan of pg_database, as the autovacuum launcher does: without a
	 * database, index scans (get_database_oid) would need pg_class.
	 */
	foreach(lc, names)
		all |= strcmp(lfirst(lc), "*") == 0;
	StartTransactionCommand();
	{
		Relation	rel = table_open(DatabaseRelationId, AccessShareLock);
		TableScanDesc scan = table_beginscan_catalog(rel, 0, NULL);
		HeapTuple	tup;

		while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
		{
			Form_pg_database db = (Form_pg_database) GETSTRUCT(tup);
			bool		listed = false;

			CHECK_FOR_INTERRUPTS();
			if (!db->datallowconn || db->datistemplate)
				continue;
			foreach(lc, names)
				listed |= strcmp(lfirst(lc), NameStr(db->datname)) == 0;
			if (all || listed)
				result = lappend_outer(outer, result, NameStr(db->datname));
		}
		table_endscan(scan);
		table_close(rel, AccessShareLock);
	}
	CommitTransactionCommand();
	return result;
}

/* Start the worker for one database and wait until it is done. */
static void
run_database_worker(const char *dbname)
{
	BackgroundWorker worker;
	BackgroundWorkerHandle *handle;
	pid_t		pid;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "pg_migrate");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "pg_migrate_sync_database_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "pg_migrate sync of %s", dbname);
	snprintf(worker.bgw_type, BGW_MAXLEN, "pg_migrate sync");
	strlcpy(worker.bgw_extra, dbname, BGW_EXTRALEN);
	worker.bgw_notify_pid = MyProcPid;
	if (!RegisterDynamicBackgroundWorker(&worker, &handle))
	{
		ereport(LOG,
				(errmsg("pg_migrate: no free background worker slot to sync database \"%s\"", dbname),
				 errhint("Raise max_worker_processes.")));
		return;
	}
	if (WaitForBackgroundWorkerStartup(handle, &pid) != BGWH_STARTED)
		return;
	/* waits on the latch with CHECK_FOR_INTERRUPTS: barriers and die work */
	(void) WaitForBackgroundWorkerShutdown(handle);
	pfree(handle);
}

void
pg_migrate_sync_launcher_main(Datum main_arg)
{
	MemoryContext loop_cxt;
	TimestampTz last_run = 0;

	pqsignal(SIGTERM, die);
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);
	pgstat_report_appname("pg_migrate launcher");
	ereport(LOG, (errmsg("pg_migrate launcher started")));

	loop_cxt = AllocSetContextCreate(TopMemoryContext, "pg_migrate launcher loop",
									 ALLOCSET_DEFAULT_SIZES);
	for (;;)
	{
		long		nap_ms = 1000;

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		MemoryContextReset(loop_cxt);
		MemoryContextSwitchTo(loop_cxt);

		if (pgm_sync_interval > 0 && !RecoveryInProgress())
		{
			TimestampTz now = GetCurrentTimestamp();

			if (last_run == 0 ||
				TimestampDifferenceExceeds(last_run, now, pgm_sync_interval * 1000))
			{
				ListCell   *lc;

				last_run = now;
				foreach(lc, databases_to_serve())
				{
					CHECK_FOR_INTERRUPTS();
					run_database_worker(lfirst(lc));
				}
				MemoryContextSwitchTo(loop_cxt);
			}
			nap_ms = Min(nap_ms, Max(10, TimestampDifferenceMilliseconds(GetCurrentTimestamp(),
																		 TimestampTzPlusMilliseconds(last_run, pgm_sync_interval * 1000))));
		}
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, nap_ms,
						 PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
}

/* Called between transactions: no catalog access here. */
static void
log_applied(const AppliedResult *result, void *arg)
{
	ereport(LOG,
			(errmsg("pg_migrate: applied %s (%s) in database \"%s\"",
					result->script, result->state, (const char *) arg)));
}

void
pg_migrate_sync_database_main(Datum main_arg)
{
	char		dbname[BGW_EXTRALEN];
	MemoryContext cxt;
	List	   *locations;
	SyncResult *results;
	int			n;
	bool		ready;
	bool		updated = false;

	pqsignal(SIGTERM, die);
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	BackgroundWorkerUnblockSignals();
	strlcpy(dbname, MyBgworkerEntry->bgw_extra, sizeof(dbname));
	BackgroundWorkerInitializeConnection(dbname,
										 pgm_apply_role && pgm_apply_role[0] ? pgm_apply_role : NULL,
										 0);
	pgstat_report_appname("pg_migrate sync");
	if (RecoveryInProgress())
		proc_exit(0);

	cxt = AllocSetContextCreate(TopMemoryContext, "pg_migrate database worker", ALLOCSET_DEFAULT_SIZES);
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	MemoryContextSwitchTo(cxt);
	ready = sync_extension_ready();
	locations = ready ? sync_remote_locations() : NIL;
	CommitTransactionCommand();
	MemoryContextSwitchTo(cxt);
	if (!ready)
	{
		ereport(DEBUG1, (errmsg("pg_migrate: extension not installed in database \"%s\"; nothing to sync", dbname)));
		proc_exit(0);
	}
	if (locations == NIL)
	{
		ereport(DEBUG1, (errmsg("pg_migrate: no remote locations for database \"%s\"", dbname)));
		proc_exit(0);
	}

	results = palloc0(sizeof(SyncResult) * SYNC_MAX_LOCATIONS);
	n = sync_run_all(locations, results, SYNC_MAX_LOCATIONS);
	for (int i = 0; i < n; i++)
	{
		if (strcmp(results[i].status, "updated") == 0)
		{
			updated = true;
			ereport(LOG,
					(errmsg("pg_migrate: database \"%s\" now keeps release \"%s\" of \"%s\" (%d added, %d changed, %d removed)",
							dbname, results[i].release, results[i].location,
							results[i].added, results[i].changed, results[i].removed)));
		}
	}
	if (updated && pgm_auto_apply)
	{
		CallOptions options;

		if (pgm_apply_role == NULL || pgm_apply_role[0] == '\0')
			ereport(WARNING,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("pg_migrate.auto_apply is on but pg_migrate.apply_role is not set; nothing applied"),
					 errhint("Set pg_migrate.apply_role to the role that owns the schema.")));
		else
		{
			memset(&options, 0, sizeof(options));
			options.out_of_order = -1;
			reentry_mark_worker("migrate_apply() (pg_migrate.auto_apply)");
			command_apply(&options, log_applied, dbname);
		}
	}
	proc_exit(0);
}
