/*-------------------------------------------------------------------------
 *
 * pg_migrate.c
 *	  Entry point of pg_migrate: module load, settings and the SQL-callable
 *	  functions migrate_apply(), migrate_info(), migrate_validate(),
 *	  migrate_baseline(), migrate_repair(), migrate_undo(), migrate_plan(),
 *	  migrate_clean(), migrate_sync() and migrate_sync_status().
 *
 * The functions here only check arguments and shape results; the commands
 * run the engine (src/engine/) from src/backend/commands.c, the
 * per-migration worker is in apply_worker.c, the settings in settings.c.
 * Nothing here needs shared_preload_libraries.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "commands.h"
#include "pg_migrate.h"
#include "reentry.h"
#include "sync.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/*
 * Module load: the settings (settings.c), and the sync worker's launcher
 * when preloaded (the SQL functions work without preloading; it does not).
 */
void
_PG_init(void)
{
	settings_define();
	if (process_shared_preload_libraries_in_progress && !IsBinaryUpgrade)
		sync_worker_register_launcher();
}

/*
 * Start a set-returning function in materialize mode.  The helper changed
 * names across releases; on 13 and 14 the tuplestore is built by hand.
 */
static void
start_materialized_srf(FunctionCallInfo fcinfo)
{
#if PG_VERSION_NUM >= 160000
	InitMaterializedSRF(fcinfo, 0);
#elif PG_VERSION_NUM >= 150000
	SetSingleFuncCall(fcinfo, 0);
#else
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext oldcontext;
	TupleDesc	tupdesc;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		!(rsinfo->allowedModes & SFRM_Materialize))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
	oldcontext = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = tuplestore_begin_heap(true, false, work_mem);
	rsinfo->setDesc = CreateTupleDescCopy(tupdesc);
	MemoryContextSwitchTo(oldcontext);
#endif
}

static Datum
text_or_null(const char *s, bool *isnull)
{
	*isnull = (s == NULL);
	return s ? CStringGetTextDatum(s) : (Datum) 0;
}

/* A target argument; NULL or empty (an unset FLYWAY_TARGET, say) is the default. */
static char *
target_argument(FunctionCallInfo fcinfo, int arg)
{
	char	   *target;

	if (PG_ARGISNULL(arg))
		return NULL;
	target = text_to_cstring(PG_GETARG_TEXT_PP(arg));
	return target[strspn(target, " \t\n")] == '\0' ? NULL : target;
}

/* Arguments shared by several functions: target, placeholders, out_of_order. */
static void
read_call_options(FunctionCallInfo fcinfo, int target_arg, int placeholders_arg,
				  int out_of_order_arg, CallOptions *options)
{
	memset(options, 0, sizeof(CallOptions));
	options->out_of_order = -1;

	if (target_arg >= 0)
		options->target = target_argument(fcinfo, target_arg);
	if (placeholders_arg >= 0 && !PG_ARGISNULL(placeholders_arg))
	{
		Jsonb	   *jb = PG_GETARG_JSONB_P(placeholders_arg);

		options->placeholders_json = JsonbToCString(NULL, &jb->root, VARSIZE(jb));
	}
	if (out_of_order_arg >= 0 && !PG_ARGISNULL(out_of_order_arg))
		options->out_of_order = PG_GETARG_BOOL(out_of_order_arg) ? 1 : 0;

	/* Check what can be checked before anything runs. */
	command_check_options(options);
}

static void
apply_result_to_tuplestore(const AppliedResult *result, void *arg)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) arg;
	Datum		values[7];
	bool		nulls[7];

	if (result->starting)
		return;

	values[0] = text_or_null(result->version, &nulls[0]);
	values[1] = text_or_null(result->description, &nulls[1]);
	values[2] = text_or_null(result->type, &nulls[2]);
	values[3] = text_or_null(result->script, &nulls[3]);
	values[4] = Int32GetDatum(result->checksum);
	nulls[4] = false;
	values[5] = Int32GetDatum(result->execution_time);
	nulls[5] = false;
	values[6] = text_or_null(result->state, &nulls[6]);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/*
 * migrate_apply(target, placeholders, single_transaction, out_of_order)
 *
 * By default each migration commits on its own, which a function running in
 * its caller's transaction cannot do: a background worker connected as the
 * caller applies them (apply_worker.c).  With single_transaction the
 * migrations run right here, in the caller's transaction.
 */
static Datum
migrate_apply_command(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	CallOptions options;

	read_call_options(fcinfo, 0, 1, 3, &options);
	options.single_transaction = !PG_ARGISNULL(2) && PG_GETARG_BOOL(2);

	if (RecoveryInProgress())
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("cannot apply migrations during recovery"),
				 errhint("Run migrate_apply() on the primary.")));

	start_materialized_srf(fcinfo);

	/* Remote locations: fetch the newest release first (sync_worker.c). */
	sync_before_command("migrate_apply()");

	if (options.single_transaction)
		command_apply(&options, apply_result_to_tuplestore, rsinfo);
	else
	{
		if (IsTransactionBlock())
			ereport(ERROR,
					(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
					 errmsg("migrate_apply() cannot run inside a transaction block"),
					 errdetail("Each migration commits on its own."),
					 errhint("Call it on its own in autocommit mode, or pass single_transaction => true to apply everything inside your transaction.")));
		if (command_apply_needed(&options))
			apply_in_worker(&options, apply_result_to_tuplestore, rsinfo);
	}
	return (Datum) 0;
}

static void
info_entry_to_tuplestore(const InfoRow *row, void *arg)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) arg;
	Datum		values[10];
	bool		nulls[10];

	memset(nulls, 0, sizeof(nulls));
	values[0] = text_or_null(row->category, &nulls[0]);
	values[1] = text_or_null(row->version, &nulls[1]);
	values[2] = text_or_null(row->description, &nulls[2]);
	values[3] = text_or_null(row->type, &nulls[3]);
	values[4] = text_or_null(row->script, &nulls[4]);
	values[5] = Int32GetDatum(row->checksum);
	nulls[5] = row->checksum_null;
	if (row->installed_on)
		values[6] = DirectFunctionCall3(timestamp_in, CStringGetDatum(row->installed_on),
										ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
	else
		nulls[6] = true;
	values[7] = text_or_null(row->installed_by, &nulls[7]);
	values[8] = Int32GetDatum(row->execution_time);
	nulls[8] = !row->applied;
	values[9] = text_or_null(row->state, &nulls[9]);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/* migrate_info(target, placeholders, out_of_order): what "flyway info" shows. */
static Datum
migrate_info_command(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	CallOptions options;

	read_call_options(fcinfo, 0, 1, 2, &options);
	start_materialized_srf(fcinfo);
	/* Remote locations: fetch the newest release first (sync_worker.c). */
	sync_before_command("migrate_info()");
	command_info(&options, info_entry_to_tuplestore, rsinfo);
	return (Datum) 0;
}

/*
 * migrate_validate(target, placeholders, out_of_order): "flyway validate".
 * Returns how many migrations were validated; any problem is an error that
 * lists them all.
 */
static Datum
migrate_validate_command(PG_FUNCTION_ARGS)
{
	CallOptions options;

	read_call_options(fcinfo, 0, 1, 2, &options);
	PG_RETURN_INT32(command_validate(&options));
}

static void
baseline_row_to_tuplestore(int rank, const char *version, const char *description, void *arg)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) arg;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};

	values[0] = Int32GetDatum(rank);
	values[1] = CStringGetTextDatum(version);
	values[2] = CStringGetTextDatum(description);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/* migrate_baseline(version, description): "flyway baseline". */
static Datum
migrate_baseline_command(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *version = PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *description = PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1));

	start_materialized_srf(fcinfo);
	command_baseline(version, description, baseline_row_to_tuplestore, rsinfo);
	return (Datum) 0;
}

static void
repair_row_to_tuplestore(const char *action, const AppliedRow *row, void *arg)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) arg;
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};

	values[0] = CStringGetTextDatum(action);
	values[1] = Int32GetDatum(row->installed_rank);
	values[2] = text_or_null(row->version, &nulls[2]);
	values[3] = text_or_null(row->description, &nulls[3]);
	values[4] = text_or_null(row->script, &nulls[4]);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/* migrate_repair(placeholders): "flyway repair"; one row per change made. */
static Datum
migrate_repair_command(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	CallOptions options;

	read_call_options(fcinfo, -1, 0, -1, &options);
	start_materialized_srf(fcinfo);
	command_repair(&options, repair_row_to_tuplestore, rsinfo);
	return (Datum) 0;
}

/*
 * migrate_undo(target, placeholders): revert the newest applied version, or
 * every one above target, with its U script; each undo commits on its own in
 * the apply worker, like migrate_apply().
 */
static Datum
migrate_undo_command(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	CallOptions options;

	/* an undo target is a version to go back to, checked by the undo planner */
	read_call_options(fcinfo, -1, 1, -1, &options);
	options.target = target_argument(fcinfo, 0);
	options.undo = true;
	if (RecoveryInProgress())
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("cannot undo migrations during recovery"),
				 errhint("Run migrate_undo() on the primary.")));
	if (IsTransactionBlock())
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("migrate_undo() cannot run inside a transaction block"),
				 errdetail("Each undo script commits on its own."),
				 errhint("Call it on its own in autocommit mode; migrate_plan(undo => true) shows what it would run.")));

	start_materialized_srf(fcinfo);
	sync_before_command("migrate_undo()");
	apply_in_worker(&options, apply_result_to_tuplestore, rsinfo);
	return (Datum) 0;
}

static void
plan_row_to_tuplestore(int seq, const char *script, int line, const char *statement, void *arg)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) arg;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	values[0] = Int32GetDatum(seq);
	values[1] = text_or_null(script, &nulls[1]);
	values[2] = Int32GetDatum(line);
	nulls[2] = line <= 0;
	values[3] = CStringGetTextDatum(statement);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/*
 * migrate_plan(target, placeholders, undo): the dry run.  Every statement
 * migrate_apply() (or with undo, migrate_undo()) would run now, in order;
 * changes nothing.
 */
static Datum
migrate_plan_command(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	CallOptions options;
	bool		undo = !PG_ARGISNULL(2) && PG_GETARG_BOOL(2);

	/* an undo target is a version to go back to, checked by the undo planner */
	read_call_options(fcinfo, undo ? -1 : 0, 1, -1, &options);
	if (undo)
		options.target = target_argument(fcinfo, 0);
	options.undo = undo;
	start_materialized_srf(fcinfo);
	sync_before_command("migrate_plan()");
	command_plan(&options, plan_row_to_tuplestore, rsinfo);
	return (Datum) 0;
}

static void
clean_row_to_tuplestore(const char *schema, const char *object_type, const char *name,
						void *arg)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) arg;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};

	values[0] = CStringGetTextDatum(schema);
	values[1] = CStringGetTextDatum(object_type);
	values[2] = CStringGetTextDatum(name);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/*
 * migrate_clean(): "flyway clean", refused while pg_migrate.clean_disabled
 * is on; one row per object dropped (a schema dropped whole is one row).
 */
static Datum
migrate_clean_command(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	if (RecoveryInProgress())
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("cannot clean during recovery"),
				 errhint("Run migrate_clean() on the primary.")));
	start_materialized_srf(fcinfo);
	command_clean(clean_row_to_tuplestore, rsinfo);
	return (Datum) 0;
}

/*
 * migrate_sync(): fetch the remote locations of pg_migrate.locations now,
 * in a one-shot worker (sync_worker.c); one row per location.  A failed
 * location is a row with status 'failed' and the error (also recorded in
 * migrate_sync_status()), plus a WARNING; bad settings are errors.
 */
static Datum
migrate_sync_command(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	List	   *locations;
	SyncResult *results;
	int			n;

	locations = sync_remote_locations();
	start_materialized_srf(fcinfo);
	if (locations == NIL)
	{
		ereport(NOTICE,
				(errmsg("pg_migrate.locations has no remote location; nothing to sync"),
				 errhint("Remote locations look like https://host/prefix/ or s3://bucket/prefix/.")));
		return (Datum) 0;
	}
	n = sync_in_worker(locations, &results);
	for (int i = 0; i < n; i++)
	{
		SyncResult *r = &results[i];
		Datum		values[9];
		bool		nulls[9];

		memset(nulls, 0, sizeof(nulls));
		values[0] = CStringGetTextDatum(r->location);
		values[1] = CStringGetTextDatum(r->status);
		values[2] = text_or_null(r->has_release ? r->release : NULL, &nulls[2]);
		values[3] = text_or_null(r->previous_release[0] ? r->previous_release : NULL, &nulls[3]);
		values[4] = Int32GetDatum(r->added);
		values[5] = Int32GetDatum(r->changed);
		values[6] = Int32GetDatum(r->removed);
		values[7] = Int32GetDatum(r->downloaded);
		values[8] = text_or_null(r->error[0] ? r->error : NULL, &nulls[8]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		if (strcmp(r->status, "failed") == 0)
			ereport(WARNING,
					(errcode(ERRCODE_WARNING),
					 errmsg("could not sync \"%s\"; %s", r->location,
							r->has_release ? "the previous release is kept" : "no release is kept yet"),
					 errdetail("%s", r->error),
					 errhint("migrate_sync_status() keeps the last error.")));
	}
	return (Datum) 0;
}

/*
 * migrate_sync_status(): the last sync of each remote location of this
 * database, from the status table (sync.c reads it as the extension owner).
 * A C function since extension version 1.1, so that it refuses re-entry as
 * the others do; in 1.0 it was an SQL function.
 */
static Datum
migrate_sync_status_command(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	start_materialized_srf(fcinfo);
	sync_status_into(rsinfo->setResult, rsinfo->setDesc);
	return (Datum) 0;
}

/*
 * The SQL-callable functions.  Each refuses to run from inside a migration
 * (or callback, or anything they call) that pg_migrate is running in this
 * session, and marks the session as running one until it ends (reentry.c).
 */
PG_FUNCTION_INFO_V1(migrate_apply);
Datum
migrate_apply(PG_FUNCTION_ARGS)
{
	return reentry_guarded_call(fcinfo, "migrate_apply()", migrate_apply_command);
}

PG_FUNCTION_INFO_V1(migrate_info);
Datum
migrate_info(PG_FUNCTION_ARGS)
{
	return reentry_guarded_call(fcinfo, "migrate_info()", migrate_info_command);
}

PG_FUNCTION_INFO_V1(migrate_validate);
Datum
migrate_validate(PG_FUNCTION_ARGS)
{
	return reentry_guarded_call(fcinfo, "migrate_validate()", migrate_validate_command);
}

PG_FUNCTION_INFO_V1(migrate_baseline);
Datum
migrate_baseline(PG_FUNCTION_ARGS)
{
	return reentry_guarded_call(fcinfo, "migrate_baseline()", migrate_baseline_command);
}

PG_FUNCTION_INFO_V1(migrate_repair);
Datum
migrate_repair(PG_FUNCTION_ARGS)
{
	return reentry_guarded_call(fcinfo, "migrate_repair()", migrate_repair_command);
}

PG_FUNCTION_INFO_V1(migrate_undo);
Datum
migrate_undo(PG_FUNCTION_ARGS)
{
	return reentry_guarded_call(fcinfo, "migrate_undo()", migrate_undo_command);
}

PG_FUNCTION_INFO_V1(migrate_plan);
Datum
migrate_plan(PG_FUNCTION_ARGS)
{
	return reentry_guarded_call(fcinfo, "migrate_plan()", migrate_plan_command);
}

PG_FUNCTION_INFO_V1(migrate_clean);
Datum
migrate_clean(PG_FUNCTION_ARGS)
{
	return reentry_guarded_call(fcinfo, "migrate_clean()", migrate_clean_command);
}

PG_FUNCTION_INFO_V1(migrate_sync);
Datum
migrate_sync(PG_FUNCTION_ARGS)
{
	return reentry_guarded_call(fcinfo, "migrate_sync()", migrate_sync_command);
}

PG_FUNCTION_INFO_V1(migrate_sync_status);
Datum
migrate_sync_status(PG_FUNCTION_ARGS)
{
	return reentry_guarded_call(fcinfo, "migrate_sync_status()", migrate_sync_status_command);
}
