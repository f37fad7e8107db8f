/*-------------------------------------------------------------------------
 *
 * history.c
 *	  The history table, in Flyway's exact format: where it is, creating or
 *	  adopting it, reading and writing its rows, and Flyway's advisory lock.
 *
 * A database that Flyway managed keeps working: the DDL, the row shapes and
 * the lock key are Flyway's (docs/flyway-compatibility.md).  All access is
 * through SPI, in whatever transaction the caller has open, and as the
 * table's owner under a security-restricted operation (history_as_owner):
 * whatever the table carries (triggers, rules, defaults, policies, index
 * expressions) never runs with more rights than its owner's.  The SQL text
 * is history_sql.c's, shared with the command; every name in it is
 * schema-qualified: the caller's search_path chooses nothing.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "history_sql.h"
#include "pg_migrate.h"
#include "session_state.h"

/*
 * The history table as history_sql.c names it; the SQL text lives there,
 * shared with the command.
 */
static void
history_ref_of(const HistoryTable *history, HistoryTableRef *ref)
{
	ref->schema = history->schema;
	ref->table = history->table;
	ref->qualified = history->qualified;
	ref->lock_key = history->lock_key;
	ref->tablespace = history->tablespace;
	ref->exists = history->exists;
	ref->schema_exists = history->schema_exists;
}

/*
 * history_probe
 *		Whether the history table's schema and the table exist.  Anything
 *		else under the table's name is an error, and so is a temporary schema
 *		(the table and the migrations' objects would vanish with the session;
 *		in the apply worker at once).
 */
void
history_probe(HistoryTable *history)
{
	Oid			nspid;

	session_state_refuse_temporary_schema(history->schema);
	history->exists = false;
	nspid = get_namespace_oid(history->schema, true);
	history->schema_exists = OidIsValid(nspid);
	if (history->schema_exists)
	{
		Oid			relid = get_relname_relid(history->table, nspid);

		if (OidIsValid(relid))
		{
			char		relkind = get_rel_relkind(relid);

			if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE)
				ereport(ERROR,
						(errcode(ERRCODE_WRONG_OBJECT_TYPE),
						 errmsg("%s is not a table", history->qualified),
						 errhint("Point pg_migrate.table at the history table, or drop the object in the way.")));
			history->exists = true;
		}
	}
}

/*
 * history_locate
 *		Find the history table named by pg_migrate.schema (else the first of
 *		pg_migrate.schemas) and pg_migrate.table; the schema defaults to the
 *		current schema, as Flyway's does.
 */
HistoryTable *
history_locate(void)
{
	HistoryTable *history = palloc0(sizeof(HistoryTable));
	HistoryTableRef ref;
	const char *schema = settings_history_schema();

	history->mcxt = CurrentMemoryContext;

	if (schema != NULL)
		history->schema = pstrdup(schema);
	else
	{
		List	   *path = fetch_search_path(false);

		if (path == NIL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_SCHEMA_NAME),
					 errmsg("cannot determine the schema of the history table"),
					 errdetail("pg_migrate.schema is empty and no schema on the search_path exists."),
					 errhint("Set pg_migrate.schema, or fix search_path.")));
		history->schema = get_namespace_name(linitial_oid(path));
	}
	history_ref_init(&ref, history->schema, pgm_table);
	history->table = ref.table;
	history->qualified = ref.qualified;
	history->lock_key = ref.lock_key;
	history_probe(history);
	return history;
}

/*
 * What history_as_owner() changed, for history_as_caller() to put back.
 */
typedef struct OwnerSwitch
{
	Oid			saved_user;
	int			saved_sec_context;
	int			guc_nestlevel;
	HistoryTable *history;
	char	   *owner_name;
	ErrorContextCallback context;	/* says whose code failed, and why it ran so */
} OwnerSwitch;

/* The privileges a statement on the history table needs, by name. */
static const struct
{
	AclMode		mode;
	const char *name;
}			history_privileges[] =
{
	{ACL_SELECT, "SELECT"},
	{ACL_INSERT, "INSERT"},
	{ACL_UPDATE, "UPDATE"},
	{ACL_DELETE, "DELETE"},
};

/*
 * The caller must hold the privileges the statement would need if it ran as
 * the caller (on the table, or on every column): running it as the owner
 * must not let a role do more than it could before.
 */
static void
check_caller_privileges(HistoryTable *history, Oid relid, Oid owner, AclMode needed)
{
	Oid			caller = GetUserId();

	for (int i = 0; i < lengthof(history_privileges); i++)
	{
		AclMode		mode = history_privileges[i].mode;

		if ((needed & mode) == 0 ||
			pg_class_aclcheck(relid, caller, mode) == ACLCHECK_OK ||
			pg_attribute_aclcheck_all(relid, caller, mode, ACLMASK_ALL) == ACLCHECK_OK)
			continue;
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for table %s", history->qualified),
				 errdetail("Role \"%s\" needs %s on the history table, which role \"%s\" owns.",
						   GetUserNameFromId(caller, false), history_privileges[i].name,
						   GetUserNameFromId(owner, false)),
				 errhint("Have the owner GRANT %s ON %s TO %s, or migrate as the owner.",
						 history_privileges[i].name, history->qualified,
						 quote_identifier(GetUserNameFromId(caller, false)))));
	}
}

static void
owner_error_context(void *arg)
{
	OwnerSwitch *sw = arg;

	errcontext("accessing the history table %s as its owner \"%s\", in a security-restricted operation",
			   sw->history->qualified, sw->owner_name);
}

/*
 * history_as_owner
 *		Lock the history table, check the caller's privileges, and become the
 *		table's owner under a security-restricted operation with a safe
 *		search_path and a GUC nest level, as VACUUM, ANALYZE and REFRESH
 *		MATERIALIZED VIEW run a table's code: its triggers, rules, defaults,
 *		constraints, policies and index expressions then run with the
 *		owner's rights, not the caller's (who may be a superuser), cannot
 *		change the session (SET ROLE, temporary objects, cursors WITH HOLD,
 *		deferred triggers), and their settings end with the statement.
 *
 * The lock is taken before the owner is read and kept until the end of the
 * transaction, so the table cannot be swapped for another between the two.
 * history_as_caller() puts everything back, on error too (PG_FINALLY).
 */
static void
history_as_owner(HistoryTable *history, LOCKMODE lockmode, AclMode needed, OwnerSwitch *sw)
{
	Oid			relid;
	HeapTuple	tuple;
	Oid			owner;
	char		relkind;

	relid = RangeVarGetRelid(makeRangeVar(history->schema, history->table, -1), lockmode, false);
	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tuple))->relowner;
	relkind = ((Form_pg_class) GETSTRUCT(tuple))->relkind;
	ReleaseSysCache(tuple);
	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("%s is not a table", history->qualified),
				 errhint("Point pg_migrate.table at the history table, or drop the object in the way.")));
	check_caller_privileges(history, relid, owner, needed);

	sw->history = history;
	sw->owner_name = GetUserNameFromId(owner, false);
	GetUserIdAndSecContext(&sw->saved_user, &sw->saved_sec_context);
	SetUserIdAndSecContext(owner, sw->saved_sec_context | SECURITY_RESTRICTED_OPERATION);
	sw->guc_nestlevel = NewGUCNestLevel();
	/* PostgreSQL 17's RestrictSearchPath(): the owner's code is not steered by ours */
	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
}

/*
 * Name the owner in the context of any error; called first thing inside
 * PG_TRY, whose end (PG_FINALLY, PG_END_TRY) pops it again.
 */
static void
owner_context_push(OwnerSwitch *sw)
{
	sw->context.callback = owner_error_context;
	sw->context.arg = sw;
	sw->context.previous = error_context_stack;
	error_context_stack = &sw->context;
}

static void
history_as_caller(OwnerSwitch *sw)
{
	AtEOXact_GUC(false, sw->guc_nestlevel);
	SetUserIdAndSecContext(sw->saved_user, sw->saved_sec_context);
}

static void
spi_exec_or_fail(const char *sql, int expected)
{
	int			rc = SPI_execute(sql, false, 0);

	if (rc != expected)
		elog(ERROR, "SPI_execute failed (%d): %s", rc, sql);
}

/*
 * history_create
 *		Create the history table with Flyway's DDL (and the missing schemas
 *		first, as Flyway's createSchemas does), as the session's user.  The
 *		engine records the SCHEMA marker row itself.
 */
void
history_create(HistoryTable *history, char *const *schemas, int nschemas)
{
	HistoryTableRef ref;
	char	  **sql;
	int			n;

	history_ref_of(history, &ref);
	n = history_sql_create(&ref, schemas, nschemas, &sql);
	for (int i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		spi_exec_or_fail(sql[i], SPI_OK_UTILITY);
	}
	CommandCounterIncrement();
	history->exists = true;
	history->schema_exists = true;
}

/* Text columns, read without a type-output lookup per value. */
static char *
getvalue_or_null(HeapTuple tuple, TupleDesc desc, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tuple, desc, col, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

static AppliedRow *
row_from_tuple(HistoryTable *history, HeapTuple tuple, TupleDesc desc)
{
	AppliedRow *row = palloc0(sizeof(AppliedRow));
	bool		isnull;
	Datum		d;

	d = SPI_getbinval(tuple, desc, 1, &isnull);
	row->installed_rank = isnull ? 0 : DatumGetInt32(d);
	row->version = getvalue_or_null(tuple, desc, 2);
	row->description = getvalue_or_null(tuple, desc, 3);
	row->type = getvalue_or_null(tuple, desc, 4);
	row->script = getvalue_or_null(tuple, desc, 5);
	d = SPI_getbinval(tuple, desc, 6, &isnull);
	row->checksum_null = isnull;
	row->checksum = isnull ? 0 : DatumGetInt32(d);
	row->installed_by = getvalue_or_null(tuple, desc, 7);
	row->installed_on = getvalue_or_null(tuple, desc, 8);
	d = SPI_getbinval(tuple, desc, 9, &isnull);
	row->execution_time = isnull ? 0 : DatumGetInt32(d);
	d = SPI_getbinval(tuple, desc, 10, &isnull);
	row->success = isnull ? false : DatumGetBool(d);
	if (row->description == NULL)
		row->description = "";
	if (row->type == NULL)
		row->type = "";
	if (row->script == NULL)
		row->script = "";

	if (row->version != NULL)
	{
		char	   *why = NULL;

		if (!version_parse(row->version, &row->parsed, &why))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("history table %s has an invalid version \"%s\" at installed_rank %d",
							history->qualified, row->version, row->installed_rank),
					 errdetail("%s", why),
					 errhint("Correct that row by hand, then run the command again.")));
	}
	return row;
}

/* All rows, read through a cursor in batches: see history_read(). */
static AppliedRow **
read_all_rows(HistoryTable *history, int *nrows)
{
	AppliedRow **rows;
	int			capacity = 1024;
	SPIPlanPtr	plan;
	Portal		cursor;
	HistoryTableRef ref;

	/* the casts fix the binary form row_from_tuple() reads, whatever the columns are */
	history_ref_of(history, &ref);
	plan = SPI_prepare(history_sql_select(&ref), 0, NULL);
	if (plan == NULL)
		elog(ERROR, "could not read the history table %s: %s", history->qualified,
			 SPI_result_code_string(SPI_result));
	/* not read-only: see rows this transaction wrote (a baseline, a migration) */
	cursor = SPI_cursor_open(NULL, plan, NULL, NULL, false);
	rows = MemoryContextAlloc(history->mcxt, sizeof(AppliedRow *) * capacity);
	for (;;)
	{
		MemoryContext oldcxt;

		CHECK_FOR_INTERRUPTS();
		SPI_cursor_fetch(cursor, true, 1000);
		if (SPI_processed == 0)
			break;
		oldcxt = MemoryContextSwitchTo(history->mcxt);
		if (*nrows + (int) SPI_processed > capacity)
		{
			while (*nrows + (int) SPI_processed > capacity)
				capacity *= 2;
			rows = repalloc(rows, sizeof(AppliedRow *) * capacity);
		}
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			CHECK_FOR_INTERRUPTS();
			rows[(*nrows)++] = row_from_tuple(history, SPI_tuptable->vals[i],
											  SPI_tuptable->tupdesc);
		}
		MemoryContextSwitchTo(oldcxt);
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(cursor);
	SPI_freeplan(plan);
	return rows;
}

/*
 * history_read
 *		All rows, by installed_rank, read as the table's owner.  Read through
 *		a cursor in batches so a long history does not materialize twice.
 */
AppliedRow **
history_read(HistoryTable *history, int *nrows)
{
	AppliedRow **volatile rows = NULL;
	OwnerSwitch sw;

	*nrows = 0;
	if (!history->exists)
		return NULL;

	history_as_owner(history, AccessShareLock, ACL_SELECT, &sw);
	PG_TRY();
	{
		owner_context_push(&sw);
		rows = read_all_rows(history, nrows);
	}
	PG_FINALLY();
	{
		history_as_caller(&sw);
	}
	PG_END_TRY();
	return rows;
}

/* The type of a parameter history_sql.c gives by name. */
static Oid
history_param_type(const char *name)
{
	if (strcmp(name, "pg_catalog.text") == 0)
		return TEXTOID;
	if (strcmp(name, "pg_catalog.int4") == 0)
		return INT4OID;
	if (strcmp(name, "pg_catalog.bool") == 0)
		return BOOLOID;
	elog(ERROR, "unexpected history statement parameter type \"%s\"", name);
	return InvalidOid;			/* keep compilers quiet */
}

/*
 * Run one INSERT, UPDATE or DELETE on the history table as its owner, after
 * checking that the caller holds the privileges it needs.  The parameters
 * come in text form and are read with their types' input functions here,
 * as the caller, before anything runs as the owner.  Returns what an
 * INSERT's RETURNING gave (its one int4 column), else 0.
 */
static int32
write_as_owner(HistoryTable *history, AclMode needed, const HistoryStatement *stmt,
			   int expected)
{
	volatile int32 returned = 0;
	Oid			argtypes[HISTORY_MAX_PARAMS];
	Datum		values[HISTORY_MAX_PARAMS];
	char		nulls[HISTORY_MAX_PARAMS];
	OwnerSwitch sw;

	for (int i = 0; i < stmt->nparams; i++)
	{
		Oid			typinput;
		Oid			typioparam;

		argtypes[i] = history_param_type(stmt->types[i]);
		getTypeInputInfo(argtypes[i], &typinput, &typioparam);
		values[i] = OidInputFunctionCall(typinput, stmt->values[i], typioparam, -1);
		nulls[i] = stmt->values[i] == NULL ? 'n' : ' ';
	}

	history_as_owner(history, RowExclusiveLock, needed, &sw);
	PG_TRY();
	{
		int			rc;
		bool		isnull;

		owner_context_push(&sw);
		rc = SPI_execute_with_args(stmt->sql, stmt->nparams, argtypes, values, nulls, false, 0);
		if (rc != expected)
			elog(ERROR, "could not write to the history table %s: %s", history->qualified,
				 SPI_result_code_string(rc));
		if (rc == SPI_OK_INSERT_RETURNING)
		{
			if (SPI_processed != 1)
				elog(ERROR, "could not insert into the history table %s", history->qualified);
			returned = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0],
												   SPI_tuptable->tupdesc, 1, &isnull));
		}
	}
	PG_FINALLY();
	{
		history_as_caller(&sw);
	}
	PG_END_TRY();
	return returned;
}

/*
 * history_apply_change
 *		One change to the history table (history_sql.c's statement), as its
 *		owner, once the caller is found to hold the privileges it needs.  An
 *		INSERT appends a row with the next installed_rank (0 for the first
 *		SCHEMA marker, as Flyway does) and returns that rank; installed_on is
 *		left to the column default, as Flyway leaves it.  Returns 0 otherwise.
 */
int
history_apply_change(HistoryTable *history, const HistoryChange *change)
{
	HistoryTableRef ref;
	HistoryStatement stmt;
	AclMode		needed = ACL_INSERT;
	int			expected = SPI_OK_INSERT_RETURNING;

	switch (change->kind)
	{
		case HISTORY_INSERT:
			break;
		case HISTORY_DELETE:
			needed = ACL_DELETE;
			expected = SPI_OK_DELETE;
			break;
		case HISTORY_REALIGN:
			needed = ACL_UPDATE;
			expected = SPI_OK_UPDATE;
			break;
	}
	history_ref_of(history, &ref);
	history_sql_change(&ref, change, &stmt);
	/* every change reads the table too (max(installed_rank), WHERE installed_rank) */
	return write_as_owner(history, needed | ACL_SELECT, &stmt, expected);
}

/*
 * history_schema_is_empty
 *		Flyway's test for baselineOnMigrate: no relations, types or functions
 *		in the schema other than those that belong to extensions.
 */
bool
history_schema_is_empty(HistoryTable *history)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(history->schema)};
	bool		isnull;
	int			rc;

	if (!history->schema_exists)
		return true;
	rc = SPI_execute_with_args(history_sql_schema_is_empty(), 1, argtypes, values, NULL, true, 1);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not check whether schema \"%s\" is empty", history->schema);
	return DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/*
 * Flyway's advisory lock.  Flyway takes it with pg_try_advisory_xact_lock()
 * on this key; any lock mode on the same key excludes it, so Flyway and
 * pg_migrate never migrate one database at the same time.
 */
static void
set_lock_tag(LOCKTAG *tag, int64 key)
{
	SET_LOCKTAG_ADVISORY(*tag, MyDatabaseId, (uint32) (key >> 32), (uint32) key, 1);
}

void
history_unlock_session(HistoryTable *history)
{
	LOCKTAG		tag;

	set_lock_tag(&tag, history->lock_key);
	(void) LockRelease(&tag, ExclusiveLock, true);
}

/* Whether anyone (pg_migrate or Flyway) holds the lock right now. */
bool
history_lock_is_held(HistoryTable *history)
{
	LOCKTAG		tag;

	set_lock_tag(&tag, history->lock_key);
	if (LockAcquire(&tag, ExclusiveLock, false, true) == LOCKACQUIRE_NOT_AVAIL)
		return true;
	LockRelease(&tag, ExclusiveLock, false);
	return false;
}

/*
 * Whether this session holds the lock, at any level: a script can release
 * the worker's session-level lock (reentry_verify_run_lock()).
 */
bool
history_lock_held_by_me(HistoryTable *history)
{
	LOCKTAG		tag;

	set_lock_tag(&tag, history->lock_key);
#if PG_VERSION_NUM >= 170000
	return LockHeldByMe(&tag, ExclusiveLock, false);
#else
	return LockHeldByMe(&tag, ExclusiveLock);
#endif
}

/*
 * history_lock_wait
 *		Flyway's lockRetryCount, waiting in the lock queue: a first try, then
 *		at most retry_count seconds (-1: for as long as it takes; the
 *		session's lock_timeout, when shorter, ends it sooner).  Queued rather
 *		than polling, the wait shows in pg_locks and pg_stat_activity as any
 *		lock wait does.  Session level (across the worker's commits) or
 *		transaction level; false when not taken.  Any other error (a cancel)
 *		is raised.
 */
bool
history_lock_wait(HistoryTable *history, bool session, int retry_count)
{
	LOCKTAG		tag;
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	volatile bool taken = false;

	/* a waiter that holds no snapshot cannot stall the holder's CREATE INDEX CONCURRENTLY */
	InvalidateCatalogSnapshot();
	set_lock_tag(&tag, history->lock_key);
	if (LockAcquire(&tag, ExclusiveLock, session, true) != LOCKACQUIRE_NOT_AVAIL)
		return true;
	if (retry_count == 0)
		return false;
	if (retry_count < 0)
	{
		(void) LockAcquire(&tag, ExclusiveLock, session, false);
		return true;
	}

	/* a lock timeout is caught: in a subtransaction, as PL/pgSQL's EXCEPTION does */
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		int			nestlevel = NewGUCNestLevel();
		int64		ms = Min((int64) retry_count * 1000, (int64) INT_MAX);

		if (LockTimeout > 0 && LockTimeout < ms)
			ms = LockTimeout;
		(void) set_config_option("lock_timeout", psprintf(INT64_FORMAT, ms), PGC_USERSET,
								 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
		(void) LockAcquire(&tag, ExclusiveLock, session, false);
		AtEOXact_GUC(false, nestlevel);
		ReleaseCurrentSubTransaction();
		taken = true;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		if (edata->sqlerrcode != ERRCODE_LOCK_NOT_AVAILABLE)
			ReThrowError(edata);
		FreeErrorData(edata);
	}
	PG_END_TRY();
	MemoryContextSwitchTo(cxt);
	CurrentResourceOwner = owner;
	return taken;
}

/*
 * history_lock_holders
 *		Who holds the lock, from pg_locks and pg_stat_activity (through SPI,
 *		connected by the caller); NULL when nobody does any more.
 */
char *
history_lock_holders(HistoryTable *history)
{
	HistoryTableRef ref;
	bool		isnull;
	Datum		holders;

	history_ref_of(history, &ref);
	if (SPI_execute(history_sql_lock_holders(&ref), true, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "could not read who holds the migration lock of %s", history->qualified);
	holders = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return isnull ? NULL : TextDatumGetCString(holders);
}
