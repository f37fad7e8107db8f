/*-------------------------------------------------------------------------
 *
 * apply_worker.c
 *	  Per-migration commits for migrate_apply(): a dynamic background worker,
 *	  connected to the caller's database as the caller, runs the migrations
 *	  at top level and streams results, notices and errors back.
 *
 * A SQL function runs inside its caller's transaction, so it can neither
 * commit after each migration nor run CREATE INDEX CONCURRENTLY.  The worker
 * can.  The caller (the "leader") waits on a shared-memory queue; cancelling
 * or terminating the caller terminates the worker, which rolls back the
 * migration in progress.
 *
 * CREATE INDEX CONCURRENTLY in the worker waits for every transaction whose
 * snapshot is older than its own, and the leader's "SELECT migrate_apply()"
 * is such a transaction: waiting on each other, they would hang.  While it
 * waits, the leader marks itself the way a concurrent index build marks
 * itself (PROC_IN_SAFE_IC), which tells other index builds not to wait for
 * it.  That is true of the leader: it is refused inside a transaction block,
 * so its snapshot only serves the one statement that called migrate_apply(),
 * whose plan was made before any new index existed.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "libpq/pqformat.h"
#include "libpq/pqmq.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/dsm.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shm_mq.h"
#include "storage/shm_toc.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/memutils.h"

#include "commands.h"
#include "reentry.h"

#define PGM_SHM_MAGIC		0x50474d41
#define PGM_KEY_FIXED		1
#define PGM_KEY_GUC			2
#define PGM_KEY_ARGS		3
#define PGM_KEY_QUEUE		4
#define PGM_QUEUE_SIZE		65536

/* Message types on the queue, besides libpq's 'E' (error) and 'N' (notice). */
#define PGM_MSG_RESULT		'D'
#define PGM_MSG_STARTING	'M'		/* a script starts: named if the call is cancelled */
#define PGM_MSG_DONE		'X'

typedef struct WorkerFixed
{
	Oid			database_id;
	Oid			authenticated_user_id;
	Oid			current_user_id;
	int			sec_context;
	int			out_of_order;
	bool		has_target;
	bool		has_placeholders;
	bool		names_reported;
	bool		undo;
} WorkerFixed;

PGDLLEXPORT void pg_migrate_apply_worker_main(Datum main_arg);

/* The leader's running worker, terminated if the leader exits mid-apply. */
static BackgroundWorkerHandle *running_worker = NULL;
static bool exit_callback_registered = false;

/* The script the worker said it is running, for a cancel's message. */
static char running_script[1024];

static void
terminate_worker_at_exit(int code, Datum arg)
{
	if (running_worker != NULL)
		TerminateBackgroundWorker(running_worker);
}

/*
 * session_worker_init
 *		Describe a one-shot worker that serves this session (apply, sync):
 *		never restarted, reporting to us, given the shared memory segment.
 */
void
session_worker_init(BackgroundWorker *worker, const char *function, const char *type,
					dsm_segment *seg)
{
	memset(worker, 0, sizeof(BackgroundWorker));
	worker->bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker->bgw_start_time = BgWorkerStart_ConsistentState;
	worker->bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(worker->bgw_library_name, BGW_MAXLEN, "pg_migrate");
	snprintf(worker->bgw_function_name, BGW_MAXLEN, "%s", function);
	snprintf(worker->bgw_name, BGW_MAXLEN, "%s for PID %d", type, MyProcPid);
	snprintf(worker->bgw_type, BGW_MAXLEN, "%s", type);
	worker->bgw_main_arg = UInt32GetDatum(dsm_segment_handle(seg));
	worker->bgw_notify_pid = MyProcPid;
}

/* See the file header: concurrent index builds need not wait for us. */
static void
set_safe_for_index_builds(bool on)
{
#if PG_VERSION_NUM >= 140000
	LWLockAcquire(ProcArrayLock, LW_EXCLUSIVE);
	if (on)
		MyProc->statusFlags |= PROC_IN_SAFE_IC;
	else
		MyProc->statusFlags &= ~PROC_IN_SAFE_IC;
	ProcGlobal->statusFlags[MyProc->pgxactoff] = MyProc->statusFlags;
	LWLockRelease(ProcArrayLock);
#endif
}

static void
receive_result(StringInfo msg, ResultSink sink, void *sink_arg)
{
	AppliedResult result;

	memset(&result, 0, sizeof(result));
	result.version = pq_getmsgbyte(msg) ? pq_getmsgstring(msg) : NULL;
	result.description = pq_getmsgstring(msg);
	result.type = pq_getmsgstring(msg);
	result.script = pq_getmsgstring(msg);
	result.checksum = (int32) pq_getmsgint(msg, 4);
	result.execution_time = (int) pq_getmsgint(msg, 4);
	result.state = pq_getmsgstring(msg);
	pq_getmsgend(msg);
	sink(&result, sink_arg);
}

/*
 * Relay the worker's messages until it says it is done.  Returns false if
 * the queue closed first.
 */
static bool
relay_messages(shm_mq_handle *queue, ResultSink sink, void *sink_arg)
{
	for (;;)
	{
		shm_mq_result res;
		Size		nbytes;
		void	   *data;
		StringInfoData msg;
		char		msgtype;

		/* a worker that keeps the queue full never makes us wait (and check) */
		CHECK_FOR_INTERRUPTS();
		res = shm_mq_receive(queue, &nbytes, &data, false);
		if (res != SHM_MQ_SUCCESS)
			return false;

		initStringInfo(&msg);
		appendBinaryStringInfo(&msg, data, nbytes);
		msgtype = pq_getmsgbyte(&msg);
		switch (msgtype)
		{
			case 'E':
			case 'N':
				{
					ErrorData	edata;

					pq_parse_errornotice(&msg, &edata);
					/* the worker's FATAL is this call's ERROR */
					edata.elevel = Min(edata.elevel, ERROR);
					ThrowErrorData(&edata);
					break;
				}
			case PGM_MSG_RESULT:
				receive_result(&msg, sink, sink_arg);
				running_script[0] = '\0';
				break;
			case PGM_MSG_STARTING:
				strlcpy(running_script, pq_getmsgstring(&msg), sizeof(running_script));
				break;
			case PGM_MSG_DONE:
				return true;
			default:
				break;			/* parameter status and the like: not ours */
		}
		pfree(msg.data);
	}
}

/*
 * apply_in_worker
 *		Run command_apply() in a new background worker and relay its output.
 */
void
apply_in_worker(CallOptions *options, ResultSink sink, void *sink_arg)
{
	shm_toc_estimator estimator;
	Size		guc_len = EstimateGUCStateSpace();
	Size		target_len = options->target ? strlen(options->target) + 1 : 1;
	Size		placeholders_len = options->placeholders_json ? strlen(options->placeholders_json) + 1 : 1;
	Size		segsize;
	dsm_segment *seg;
	shm_toc    *toc;
	WorkerFixed *fixed;
	char	   *gucstate;
	char	   *args;
	shm_mq	   *queue;
	shm_mq_handle *queue_handle;
	BackgroundWorker worker;
	BackgroundWorkerHandle *handle;
	pid_t		pid;
	MemoryContext caller_cxt = CurrentMemoryContext;
	bool		done = false;
	bool		waited = false;
	int			waited_ms = 0;

	shm_toc_initialize_estimator(&estimator);
	shm_toc_estimate_chunk(&estimator, sizeof(WorkerFixed));
	shm_toc_estimate_chunk(&estimator, guc_len);
	shm_toc_estimate_chunk(&estimator, target_len + placeholders_len);
	shm_toc_estimate_chunk(&estimator, PGM_QUEUE_SIZE);
	shm_toc_estimate_keys(&estimator, 4);
	segsize = shm_toc_estimate(&estimator);

	seg = dsm_create(segsize, 0);
	toc = shm_toc_create(PGM_SHM_MAGIC, dsm_segment_address(seg), segsize);

	fixed = shm_toc_allocate(toc, sizeof(WorkerFixed));
	fixed->database_id = MyDatabaseId;
	fixed->authenticated_user_id = GetAuthenticatedUserId();
	GetUserIdAndSecContext(&fixed->current_user_id, &fixed->sec_context);
	fixed->out_of_order = options->out_of_order;
	fixed->has_target = options->target != NULL;
	fixed->has_placeholders = options->placeholders_json != NULL;
	fixed->names_reported = options->names_reported;
	fixed->undo = options->undo;
	shm_toc_insert(toc, PGM_KEY_FIXED, fixed);

	gucstate = shm_toc_allocate(toc, guc_len);
	SerializeGUCState(guc_len, gucstate);
	shm_toc_insert(toc, PGM_KEY_GUC, gucstate);
	args = shm_toc_allocate(toc, target_len + placeholders_len);
	strcpy(args, options->target ? options->target : "");
	strcpy(args + target_len, options->placeholders_json ? options->placeholders_json : "");
	shm_toc_insert(toc, PGM_KEY_ARGS, args);

	queue = shm_mq_create(shm_toc_allocate(toc, PGM_QUEUE_SIZE), PGM_QUEUE_SIZE);
	shm_toc_insert(toc, PGM_KEY_QUEUE, queue);
	shm_mq_set_receiver(queue, MyProc);

	session_worker_init(&worker, "pg_migrate_apply_worker_main", "pg_migrate apply", seg);

	/*
	 * All slots busy (many callers at once, or parallel query): wait for one,
	 * and stop waiting if another caller has applied everything meanwhile.
	 */
	while (!RegisterDynamicBackgroundWorker(&worker, &handle))
	{
		/*
		 * No migration holds the lock, so no slot will come back for us: say
		 * so rather than wait (after a moment's grace for parallel query).
		 */
		if (waited_ms >= 2000 && !history_lock_is_held(history_locate()))
			ereport(ERROR,
					(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
					 errmsg("could not start a background worker to apply migrations"),
					 errdetail("All %d background worker slots are in use.", max_worker_processes),
					 errhint("Raise max_worker_processes, or pass single_transaction => true to apply in this session.")));
		if (!waited)
			ereport(NOTICE,
					(errmsg("waiting for a free background worker slot to apply migrations"),
					 errhint("Raise max_worker_processes, or pass single_transaction => true to apply in this session.")));
		waited = true;
		waited_ms += 200;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 200,
						 PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		if (!command_apply_needed(options))
		{
			dsm_detach(seg);
			return;
		}
	}

	queue_handle = shm_mq_attach(queue, seg, handle);
	if (!exit_callback_registered)
	{
		before_shmem_exit(terminate_worker_at_exit, (Datum) 0);
		exit_callback_registered = true;
	}
	running_worker = handle;
	running_script[0] = '\0';

	PG_TRY();
	{
		if (WaitForBackgroundWorkerStartup(handle, &pid) == BGWH_POSTMASTER_DIED)
			ereport(ERROR,
					(errcode(ERRCODE_ADMIN_SHUTDOWN),
					 errmsg("postmaster exited while starting the apply worker")));
		set_safe_for_index_builds(true);
		done = relay_messages(queue_handle, sink, sink_arg);
		set_safe_for_index_builds(false);
		if (!done)
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg("the apply worker exited without finishing"),
					 errdetail("Migrations it reported as applied stay applied."),
					 errhint("The server log says why it exited.")));
		/* Its last commit is visible once it has gone. */
		(void) WaitForBackgroundWorkerShutdown(handle);
		/* and it saved the checksums this session computed as well */
		locations_forget_unsaved_checksums();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		set_safe_for_index_builds(false);
		TerminateBackgroundWorker(handle);
		running_worker = NULL;

		/* A cancel or statement_timeout here: say which migration it stopped. */
		MemoryContextSwitchTo(caller_cxt);
		edata = CopyErrorData();
		if (edata->sqlerrcode != ERRCODE_QUERY_CANCELED || running_script[0] == '\0')
			PG_RE_THROW();
		FlushErrorState();
		ereport(ERROR,
				(errcode(ERRCODE_QUERY_CANCELED),
				 errmsg("%s while applying migration %s", edata->message, running_script),
				 errdetail("Nothing of %s remains; the migrations reported before it stay applied.",
						   running_script),
				 errhint("Raise statement_timeout for long migrations, or run them with a longer timeout.")));
	}
	PG_END_TRY();
	running_worker = NULL;
	dsm_detach(seg);
}

/* In the worker: results go to the leader as they happen. */
static void
send_result(const AppliedResult *result, void *arg)
{
	StringInfoData buf;

	if (result->starting)
	{
		pq_beginmessage(&buf, PGM_MSG_STARTING);
		pq_sendstring(&buf, result->script);
		pq_endmessage(&buf);
		return;
	}

	pq_beginmessage(&buf, PGM_MSG_RESULT);
	pq_sendbyte(&buf, result->version != NULL);
	if (result->version)
		pq_sendstring(&buf, result->version);
	pq_sendstring(&buf, result->description);
	pq_sendstring(&buf, result->type);
	pq_sendstring(&buf, result->script);
	pq_sendint32(&buf, (uint32) result->checksum);
	pq_sendint32(&buf, (uint32) result->execution_time);
	pq_sendstring(&buf, result->state);
	pq_endmessage(&buf);
}

/*
 * pg_migrate_apply_worker_main
 *		Entry point of the apply worker.
 */
void
pg_migrate_apply_worker_main(Datum main_arg)
{
	dsm_segment *seg;
	shm_toc    *toc;
	WorkerFixed *fixed;
	char	   *args;
	shm_mq	   *queue;
	shm_mq_handle *queue_handle;
	CallOptions options;
	StringInfoData buf;

	/* die() rather than a flag: a cancel must interrupt lock and sync-rep waits too */
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	seg = dsm_attach(DatumGetUInt32(main_arg));
	if (seg == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("could not map the apply worker's shared memory segment")));
	toc = shm_toc_attach(PGM_SHM_MAGIC, dsm_segment_address(seg));
	if (toc == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("bad magic number in the apply worker's shared memory segment")));
	fixed = shm_toc_lookup(toc, PGM_KEY_FIXED, false);
	args = shm_toc_lookup(toc, PGM_KEY_ARGS, false);
	queue = shm_toc_lookup(toc, PGM_KEY_QUEUE, false);

	/* From here on errors and notices reach the caller. */
	shm_mq_set_sender(queue, MyProc);
	queue_handle = shm_mq_attach(queue, seg, NULL);
	pq_redirect_to_shm_mq(seg, queue_handle);

	BackgroundWorkerInitializeConnectionByOid(fixed->database_id,
											  fixed->authenticated_user_id, 0);

	/* The caller's settings, then the caller's identity. */
	StartTransactionCommand();
	RestoreGUCState(shm_toc_lookup(toc, PGM_KEY_GUC, false));
	CommitTransactionCommand();
	SetUserIdAndSecContext(fixed->current_user_id, fixed->sec_context);

	memset(&options, 0, sizeof(options));
	options.target = fixed->has_target ? pstrdup(args) : NULL;
	options.placeholders_json = fixed->has_placeholders ? pstrdup(args + strlen(args) + 1) : NULL;
	options.out_of_order = fixed->out_of_order;
	options.single_transaction = false;
	/* the caller's pre-check may have shown the naming warning already */
	options.names_reported = fixed->names_reported;
	options.undo = fixed->undo;

	/* nothing the migrations run may call pg_migrate in this worker */
	reentry_mark_worker(options.undo ? "migrate_undo()" : "migrate_apply()");
	command_apply(&options, send_result, NULL);

	pq_beginmessage(&buf, PGM_MSG_DONE);
	pq_endmessage(&buf);
}
