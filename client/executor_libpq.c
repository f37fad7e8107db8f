/*-------------------------------------------------------------------------
 *
 * executor_libpq.c
 *	  The engine's executor over a libpq connection (see executor.h): the
 *	  pg_migrate command runs the same engine as the extension, sending
 *	  each statement, history change and lock to the server as a client.
 *
 * Transactions are the server's own: begin() sends BEGIN, a statement
 * outside a block commits by itself, and in_block() asks libpq whether a
 * block is open (a script's COMMIT ends it).  COPY ... FROM STDIN sends
 * the data block cut out of the script through libpq's COPY protocol.
 *
 * Flyway's advisory lock is the session lock pg_advisory_lock() on the key
 * of the history table (history_sql.h), the one the extension takes: the
 * command and migrate_apply() exclude each other.  A script's
 * pg_advisory_unlock_all() would release it, so, as the server's executor
 * does, the run checks it still holds it before each migration and before
 * the history row of a script that ran (with the settings' read, in the
 * same round trip).  With -group=true the run is one transaction, as a
 * caller's transaction in the server: the lock is then
 * pg_advisory_xact_lock(), released by the COMMIT or ROLLBACK.
 *
 * Before each script (and each history write) the session is put back as
 * the run found it, as backend/session_state.c does in the server: the
 * session authorization and role, the search_path (the history schema
 * first, as Flyway sets it), and the settings that decide where objects
 * go and whether triggers fire.  No DISCARD ALL: it would release the lock.
 * Reading them costs a round trip, so it is done only when a statement of
 * a script (or callback) has run, or a transaction rolled back, since the
 * last time they were put back: the executor's own statements (BEGIN,
 * COMMIT, the history's reads and writes, the lock) change none of them.
 *
 * The history INSERT, the same statement for every migration, is prepared
 * once (named HISTORY_INSERT_NAME) instead of parsed and planned each time.
 * A script could drop it (DEALLOCATE, DISCARD ALL, also from a function), so
 * the read of the settings that follows a script also says whether it is
 * still there, and it is prepared again when it is not.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include "lib/stringinfo.h"

#include "checksum.h"
#include "executor_libpq.h"
#include "interrupts.h"
#include "session_settings.h"

/* Type OIDs of the history statements' parameters (pg_type.dat's). */
#define BOOLOID_FE	16
#define INT4OID_FE	23
#define TEXTOID_FE	25

/*
 * The settings put back before each script are core/session_settings.c's:
 * the server's list less its own pg_migrate.* settings, which the command
 * takes from its flags instead.
 */
#define NSETTINGS SESSION_SETTINGS_COUNT

/* The prepared history INSERT; the settings' query also says whether it exists. */
#define HISTORY_INSERT_NAME "pg_migrate_history_insert"

typedef struct LibpqExecutor
{
	Executor	base;
	PGconn	   *conn;
	ScriptSource *source;
	bool		group;
	bool		group_open;		/* the -group=true transaction is open */
	char	   *start[NSETTINGS];	/* the settings as the run found them */
	char	   *schema_first;	/* put first on the search_path; NULL = none */
	char	   *read_settings_sql;	/* and whether the lock is held, while watched */
	/* the session-level lock, while the run holds it */
	HistoryTableRef *locked;
	bool		lock_checked;	/* lock_held is from after the last statement */
	bool		lock_held;
	bool		session_restored;	/* nothing changed the settings since restored */
	char	   *prepared_insert;	/* SQL of HISTORY_INSERT_NAME; NULL = none */
} LibpqExecutor;

/* ----------------------------------------------------------------
 *		Errors
 * ---------------------------------------------------------------- */

/* The first line of libpq's own message, without "ERROR:  " or a newline. */
static char *
first_line(const char *message)
{
	const char *start = message ? message : "";
	size_t		len;

	if (strncmp(start, "ERROR:  ", 8) == 0 || strncmp(start, "FATAL:  ", 8) == 0)
		start += 8;
	len = strcspn(start, "\n");
	while (len > 0 && (start[len - 1] == '.' || start[len - 1] == ' ' || start[len - 1] == '\r'))
		len--;
	if (len == 0)
		return pstrdup("lost the connection to the server");
	return pnstrdup(start, len);
}

void
libpq_error(PGconn *conn, const PGresult *res, MigrateError *err)
{
	const char *sqlstate = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *position = res ? PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION) : NULL;
	const char *context = res ? PQresultErrorField(res, PG_DIAG_CONTEXT) : NULL;
	char	   *message;

	/* no SQLSTATE: libpq's own failure (connection lost, out of memory) */
	if (primary != NULL && sqlstate != NULL && strlen(sqlstate) == 5)
		message = pstrdup(primary);
	else
	{
		message = first_line(res && PQresultErrorMessage(res)[0] ?
							 PQresultErrorMessage(res) : PQerrorMessage(conn));
		sqlstate = SQLSTATE_CONNECTION_FAILURE;
	}
	migrate_error_set(err, sqlstate, message,
					  res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL,
					  res ? PQresultErrorField(res, PG_DIAG_MESSAGE_HINT) : NULL);
	err->context = context ? pstrdup(context) : NULL;
	err->position = position ? atoi(position) : 0;
	pfree(message);
}

/* Run sql without parameters; the result when it is of the wanted status. */
static PGresult *
exec_expect(LibpqExecutor *lx, const char *sql, ExecStatusType wanted, MigrateError *err)
{
	PGresult   *res = PQexec(lx->conn, sql);

	if (res != NULL && PQresultStatus(res) == wanted)
		return res;
	libpq_error(lx->conn, res, err);
	PQclear(res);
	return NULL;
}

static bool
exec_command(LibpqExecutor *lx, const char *sql, MigrateError *err)
{
	PGresult   *res = exec_expect(lx, sql, PGRES_COMMAND_OK, err);

	PQclear(res);
	return res != NULL;
}

static PGresult *
exec_params(LibpqExecutor *lx, const char *sql, int nparams, const Oid *types,
			const char *const *values, MigrateError *err)
{
	PGresult   *res = PQexecParams(lx->conn, sql, nparams, types, values, NULL, NULL, 0);
	ExecStatusType status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;

	if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK)
		return res;
	libpq_error(lx->conn, res, err);
	PQclear(res);
	return NULL;
}

static char *
value_or_null(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : pstrdup(PQgetvalue(res, row, col));
}

static bool
value_is_true(const PGresult *res, int row, int col)
{
	return !PQgetisnull(res, row, col) && PQgetvalue(res, row, col)[0] == 't';
}

/* ----------------------------------------------------------------
 *		The session
 * ---------------------------------------------------------------- */

static bool
lx_session_facts(Executor *ex, SessionFacts *facts, MigrateError *err)
{
	LibpqExecutor *lx = (LibpqExecutor *) ex;
	PGresult   *res = exec_expect(lx, "SELECT pg_catalog.\"current_user\"(), pg_catalog.current_database(), "
								  "pg_catalog.current_schema(), "
								  "pg_catalog.to_char(pg_catalog.now(), 'YYYY-MM-DD HH24:MI:SS')",
								  PGRES_TUPLES_OK, err);

	if (res == NULL)
		return false;
	facts->user = value_or_null(res, 0, 0);
	facts->database = value_or_null(res, 0, 1);
	facts->current_schema = value_or_null(res, 0, 2);
	facts->timestamp = value_or_null(res, 0, 3);
	PQclear(res);
	return true;
}

/*
 * The settings of session_settings[], read in one round trip; whether the
 * prepared history INSERT still exists (the column after them: when it
 * does not, it is prepared again before its next use); and while the run
 * holds its session-level lock, whether it still does (lock_held).
 */
static PGresult *
read_settings(LibpqExecutor *lx, MigrateError *err)
{
	PGresult   *res = exec_expect(lx, lx->read_settings_sql, PGRES_TUPLES_OK, err);
	int			ncolumns = NSETTINGS + 1 + (lx->locked != NULL ? 1 : 0);

	if (res != NULL && (PQntuples(res) != 1 || PQnfields(res) != ncolumns))
	{
		migrate_error_set(err, SQLSTATE_INTERNAL_ERROR,
						  "unexpected answer to the query of the session's settings", NULL, NULL);
		PQclear(res);
		return NULL;
	}
	if (res != NULL && !value_is_true(res, 0, NSETTINGS))
		lx->prepared_insert = NULL;
	if (res != NULL && lx->locked != NULL)
	{
		lx->lock_held = value_is_true(res, 0, NSETTINGS + 1);
		lx->lock_checked = true;
	}
	return res;
}

/* lock: the session-level lock to check as well, or NULL */
static char *
make_read_settings_sql(const HistoryTableRef *lock)
{
	StringInfoData sql;

	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT ");
	for (size_t i = 0; i < NSETTINGS; i++)
		appendStringInfo(&sql, "%spg_catalog.current_setting('%s', true)",
						 i > 0 ? ", " : "", session_settings[i]);
	appendStringInfoString(&sql, ", EXISTS (SELECT FROM pg_catalog.pg_prepared_statements "
						   "WHERE name OPERATOR(pg_catalog.=) '" HISTORY_INSERT_NAME "')");
	if (lock != NULL)
	{
		char	   *held = history_sql_lock_held(lock);

		appendStringInfo(&sql, ", %s", held);
		pfree(held);
	}
	return sql.data;
}

/* Watch the lock from now on (lock != NULL), or no more. */
static void
watch_lock(LibpqExecutor *lx, const HistoryTableRef *lock)
{
	pfree(lx->read_settings_sql);
	lx->read_settings_sql = make_read_settings_sql(lock);
	if (lock != NULL)
	{
		lx->locked = palloc0(sizeof(HistoryTableRef));
		lx->locked->qualified = pstrdup(lock->qualified);
		lx->locked->lock_key = lock->lock_key;
	}
	else
		lx->locked = NULL;
	lx->lock_checked = false;
}

/*
 * Fails when the run's session-level lock was released (after_it: by the
 * script whose history row is next); read_settings() knows whether it is
 * held unless a statement ran since.
 */
static bool
verify_run_lock(LibpqExecutor *lx, const char *script, bool after_it, MigrateError *err)
{
	if (lx->locked == NULL)
		return true;
	if (!lx->lock_checked)
	{
		PGresult   *res = read_settings(lx, err);

		if (res == NULL)
			return false;
		PQclear(res);
	}
	if (lx->lock_held)
		return true;
	history_lock_released_error(err, lx->locked->qualified, lx->locked->lock_key, script,
								after_it, "pg_migrate info");
	return false;
}

/* An identifier as search_path shows it: quoted only when it must be. */
static char *
search_path_ident(const char *ident)
{
	bool		plain = ident[0] != '\0' && (islower((unsigned char) ident[0]) || ident[0] == '_');

	for (const char *p = ident; plain && *p; p++)
		plain = islower((unsigned char) *p) || isdigit((unsigned char) *p) || *p == '_' || *p == '$';
	return plain ? pstrdup(ident) : history_quote_ident(ident);
}

/* The search_path scripts start with: the history schema first. */
static char *
script_search_path(const LibpqExecutor *lx)
{
	return session_search_path_with_first(lx->start[SESSION_SETTING_SEARCH_PATH],
										  lx->schema_first ? search_path_ident(lx->schema_first) : NULL);
}

static bool
set_setting(LibpqExecutor *lx, const char *name, const char *value, MigrateError *err)
{
	const char *values[2] = {name, value ? value : ""};
	PGresult   *res = exec_params(lx, "SELECT pg_catalog.set_config($1, $2, false)", 2,
								  (Oid[]) {TEXTOID_FE, TEXTOID_FE}, values, err);

	PQclear(res);
	return res != NULL;
}

static bool
same_value(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/*
 * Put the session back as the run found it.  One round trip reads the
 * settings; only those a script changed are set again.  A new session
 * authorization drops the role, so the role is then set even if it reads
 * the same.  Nothing to do when nothing could have changed them since.
 */
static bool
lx_restore_session(Executor *ex, MigrateError *err)
{
	LibpqExecutor *lx = (LibpqExecutor *) ex;
	PGresult   *res;
	bool		identity_changed = false;
	bool		ok = true;

	if (lx->session_restored)
		return true;
	res = read_settings(lx, err);
	if (res == NULL)
		return false;
	for (size_t i = 0; ok && i < NSETTINGS; i++)
	{
		const char *now = PQgetisnull(res, 0, i) ? NULL : PQgetvalue(res, 0, i);
		char	   *wanted = i == SESSION_SETTING_SEARCH_PATH ? script_search_path(lx) : lx->start[i];
		bool		force = i == SESSION_SETTING_ROLE && identity_changed;

		if (lx->start[i] != NULL && (force || !same_value(now, wanted)))
		{
			ok = set_setting(lx, session_settings[i], wanted, err);
			if (i == SESSION_SETTING_SESSION_AUTHORIZATION)
				identity_changed = true;
		}
		if (i == SESSION_SETTING_SEARCH_PATH)
			pfree(wanted);
	}
	PQclear(res);
	lx->session_restored = ok;
	return ok;
}

/* Keep the history schema for the search_path of scripts. */
static void
note_history_schema(LibpqExecutor *lx, const HistoryTableRef *history)
{
	if (history->schema == NULL || history->schema[0] == '\0')
		return;
	if (lx->schema_first == NULL || strcmp(lx->schema_first, history->schema) != 0)
	{
		lx->schema_first = pstrdup(history->schema);
		lx->session_restored = false;	/* scripts get another search_path */
	}
}

/* ----------------------------------------------------------------
 *		Script encodings
 * ---------------------------------------------------------------- */

#define BYTEAOID_FE 17
#define NAMEOID_FE 19
#define CONVERT_SAVEPOINT "pg_migrate_convert"

/*
 * The server's convert() of data (encoding) to UTF-8, its result in
 * binary.  Inside a transaction block a savepoint keeps a refusal from
 * aborting it.  The PGresult of the conversion, or NULL (err set) when
 * the savepoint could not be handled.
 */
static PGresult *
convert_on_server(PGconn *conn, const char *encoding, const char *data, size_t len,
				  MigrateError *err)
{
	bool		in_block = PQtransactionStatus(conn) == PQTRANS_INTRANS;
	const char *values[2] = {data, encoding};
	int			lengths[2] = {(int) len, 0};
	int			formats[2] = {1, 0};
	Oid			types[2] = {BYTEAOID_FE, NAMEOID_FE};
	PGresult   *res;
	PGresult   *sp;

	if (in_block)
	{
		sp = PQexec(conn, "SAVEPOINT " CONVERT_SAVEPOINT);
		if (PQresultStatus(sp) != PGRES_COMMAND_OK)
		{
			libpq_error(conn, sp, err);
			PQclear(sp);
			return NULL;
		}
		PQclear(sp);
	}
	res = PQexecParams(conn, "SELECT pg_catalog.convert($1, $2, 'UTF8'::pg_catalog.name)",
					   2, types, values, lengths, formats, 1);
	if (in_block)
	{
		sp = PQexec(conn, PQresultStatus(res) == PGRES_TUPLES_OK ?
					"RELEASE SAVEPOINT " CONVERT_SAVEPOINT :
					"ROLLBACK TO SAVEPOINT " CONVERT_SAVEPOINT "; RELEASE SAVEPOINT " CONVERT_SAVEPOINT);
		if (PQresultStatus(sp) != PGRES_COMMAND_OK)
		{
			libpq_error(conn, sp, err);
			PQclear(sp);
			PQclear(res);
			return NULL;
		}
		PQclear(sp);
	}
	return res;
}

/* Whether the server refused the bytes themselves (not valid, or no Unicode twin). */
static bool
bytes_refused(const PGresult *res)
{
	const char *sqlstate = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	return sqlstate != NULL && (strcmp(sqlstate, "22021") == 0 || strcmp(sqlstate, "22P05") == 0);
}

/*
 * The first line the server refuses: the shortest run of whole lines from
 * the start that does not convert, found by halving (a line break is never
 * part of a character in any of PostgreSQL's encodings).  Only after a
 * refusal: a few more round trips name the line as the extension does.
 */
static int
first_refused_line(PGconn *conn, const char *encoding, const char *data, size_t len,
				   size_t *line_start)
{
	size_t		good = 0;		/* the first good bytes convert (whole lines) */
	size_t		bad = len;		/* the first bad bytes do not */

	for (;;)
	{
		const char *nl = memchr(data + good + (bad - good) / 2, '\n', bad - good - (bad - good) / 2);
		size_t		mid = nl ? (size_t) (nl - data) + 1 : bad;
		MigrateError ignored;
		PGresult   *res;

		CHECK_FOR_INTERRUPTS();
		if (mid >= bad)
		{
			/* no line break in the second half: try the first half's last one */
			nl = bad - good > 1 ? memchr(data + good, '\n', (bad - good) / 2) : NULL;
			if (nl == NULL)
				break;			/* the bad run is one line: it starts at good */
			mid = (size_t) (nl - data) + 1;
		}
		res = convert_on_server(conn, encoding, data, mid, &ignored);
		if (res == NULL || (PQresultStatus(res) != PGRES_TUPLES_OK && !bytes_refused(res)))
		{
			PQclear(res);
			break;				/* cannot tell: the first line not known good */
		}
		if (PQresultStatus(res) == PGRES_TUPLES_OK)
			good = mid;
		else
			bad = mid;
		PQclear(res);
	}
	*line_start = good;
	return line_of_offset(data, len, good);
}

/*
 * Bytes in one of PostgreSQL's encodings to UTF-8 (script_text.h's
 * ScriptConvertFn), by the server the command is connected to: the
 * conversions the extension calls, so both read a script alike.  One round
 * trip per script that is not UTF-8; none for the others.
 */
static bool
convert_by_server(void *arg, const char *encoding, const char *data, size_t len,
				  char **out, size_t *out_len, ScriptDecodeProblem *problem, MigrateError *err)
{
	PGconn	   *conn = arg;
	PGresult   *res = convert_on_server(conn, encoding, data, len, err);

	if (res == NULL)
		return false;
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
	{
		*out_len = PQgetlength(res, 0, 0);
		*out = palloc(*out_len + 1);
		memcpy(*out, PQgetvalue(res, 0, 0), *out_len);
		(*out)[*out_len] = '\0';
		PQclear(res);
		return true;
	}
	if (!bytes_refused(res))
	{
		libpq_error(conn, res, err);
		PQclear(res);
		return false;
	}
	problem->what = pstrdup(PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
	problem->sqlstate = strcmp(PQresultErrorField(res, PG_DIAG_SQLSTATE), "22P05") == 0 ?
		"22P05" : NULL;
	PQclear(res);
	problem->line = first_refused_line(conn, encoding, data, len, &problem->offset);
	return false;
}

/* ----------------------------------------------------------------
 *		Scripts
 * ---------------------------------------------------------------- */

static bool
lx_find_scripts(Executor *ex, const ScriptNaming *naming, PlaceholderSet *placeholders,
				FoundScripts *found,
				MigrateError *err)
{
	return script_source_find(((LibpqExecutor *) ex)->source, naming, placeholders, found, err);
}

/* a script before this one may have given up the run's lock */
static bool
lx_load_script(Executor *ex, const ResolvedScript *script, PlaceholderSet *placeholders,
			   RunScript **loaded, MigrateError *err)
{
	LibpqExecutor *lx = (LibpqExecutor *) ex;

	if (script->kind != SCRIPT_CALLBACK && !verify_run_lock(lx, script->script, false, err))
		return false;
	return script_source_load(lx->source, script, placeholders, loaded, err);
}

/* ----------------------------------------------------------------
 *		The lock
 * ---------------------------------------------------------------- */

/* The lock not taken: the error names who holds it. */
static bool
lock_wait_failed(LibpqExecutor *lx, const HistoryTableRef *history, int retry_count,
				 MigrateError *err)
{
	char	   *sql = history_sql_lock_holders(history);
	PGresult   *res = exec_expect(lx, sql, PGRES_TUPLES_OK, err);
	char	   *holders = NULL;

	pfree(sql);
	if (res == NULL)
		return false;
	if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
		holders = pstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	history_lock_wait_error(err, history->qualified, history->lock_key, retry_count, holders,
							"-lockRetryCount");
	return false;
}

/*
 * Flyway's lock, as Flyway takes it: a try, then up to retry_count more a
 * second apart (-1: for ever).  The second passes on the server, so a
 * Ctrl-C (the command's cancel) ends the wait.
 */
static bool
lx_lock(Executor *ex, const HistoryTableRef *history, int retry_count, MigrateError *err)
{
	LibpqExecutor *lx = (LibpqExecutor *) ex;
	char	   *sql = history_sql_try_lock(history, lx->group);
	bool		taken = false;

	for (int tries = 0;; tries++)
	{
		PGresult   *res;

		CHECK_FOR_INTERRUPTS();
		res = exec_expect(lx, sql, PGRES_TUPLES_OK, err);
		if (res == NULL)
			return false;
		taken = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
		PQclear(res);
		if (taken || (retry_count >= 0 && tries >= retry_count))
			break;
		res = exec_expect(lx, "SELECT pg_catalog.pg_sleep(1)", PGRES_TUPLES_OK, err);
		if (res == NULL)
			return false;
		PQclear(res);
	}
	pfree(sql);
	note_history_schema(lx, history);
	if (!taken)
		return lock_wait_failed(lx, history, retry_count, err);
	if (!lx->group)
		watch_lock(lx, history);
	return true;
}

/*
 * A lost connection released the lock already; nothing to report.  Only a
 * lock still held is released: a script that released it has failed with
 * its own error, and the server's WARNING of an unlock without a lock
 * would only confuse it (the apply worker does the same).
 */
static void
lx_unlock(Executor *ex, const HistoryTableRef *history)
{
	LibpqExecutor *lx = (LibpqExecutor *) ex;
	char	   *unlock;
	char	   *held;
	char	   *sql;

	if (lx->group)
		return;
	watch_lock(lx, NULL);
	if (PQstatus(lx->conn) != CONNECTION_OK)
		return;
	unlock = history_sql_unlock(history);
	held = history_sql_lock_held(history);
	sql = psprintf("%s WHERE %s", unlock, held);
	PQclear(PQexec(lx->conn, sql));
	pfree(sql);
	pfree(held);
	pfree(unlock);
}

/* ----------------------------------------------------------------
 *		Transactions
 * ---------------------------------------------------------------- */

static bool
lx_in_block(Executor *ex)
{
	PGTransactionStatusType status = PQtransactionStatus(((LibpqExecutor *) ex)->conn);

	return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE;
}

static bool
lx_begin(Executor *ex, MigrateError *err)
{
	LibpqExecutor *lx = (LibpqExecutor *) ex;

	if (lx->group)
		return true;
	return exec_command(lx, "BEGIN", err);
}

static void
lx_rollback(Executor *ex)
{
	LibpqExecutor *lx = (LibpqExecutor *) ex;

	if (lx->group || !lx_in_block(ex))
		return;
	PQclear(PQexec(lx->conn, "ROLLBACK"));
	lx->session_restored = false;	/* settings made in the block are undone */
}

/*
 * COMMIT of a block that failed answers ROLLBACK, without an error: that
 * is a failure here (a deferred constraint's error comes as one).
 */
static bool
lx_commit(Executor *ex, MigrateError *err)
{
	LibpqExecutor *lx = (LibpqExecutor *) ex;
	PGresult   *res;
	bool		rolled_back;

	if (lx->group)
		return true;
	if (PQtransactionStatus(lx->conn) == PQTRANS_INERROR)
	{
		lx_rollback(ex);
		migrate_error_set(err, "25P02", "the transaction failed and was rolled back", NULL, NULL);
		return false;
	}
	res = exec_expect(lx, "COMMIT", PGRES_COMMAND_OK, err);
	if (res == NULL)
	{
		lx->session_restored = false;	/* the block's settings are undone */
		lx_rollback(ex);
		return false;
	}
	rolled_back = strcmp(PQcmdStatus(res), "ROLLBACK") == 0;
	PQclear(res);
	if (rolled_back)
	{
		lx->session_restored = false;
		migrate_error_set(err, "25P02", "the transaction failed and was rolled back", NULL, NULL);
	}
	return !rolled_back;
}

bool
executor_libpq_group_begin(Executor *ex, MigrateError *err)
{
	LibpqExecutor *lx = (LibpqExecutor *) ex;

	if (!exec_command(lx, "BEGIN", err))
		return false;
	lx->group_open = true;
	return true;
}

bool
executor_libpq_group_end(Executor *ex, bool commit, MigrateError *err)
{
	LibpqExecutor *lx = (LibpqExecutor *) ex;
	bool		ok;

	if (!lx->group_open)
		return true;
	lx->group_open = false;
	lx->session_restored = false;
	lx->group = false;			/* commit/rollback below do the work */
	if (commit)
		ok = lx_commit(ex, err);
	else
	{
		lx_rollback(ex);
		ok = true;
	}
	lx->group = true;
	return ok;
}

/* ----------------------------------------------------------------
 *		Statements
 * ---------------------------------------------------------------- */

/*
 * The script line of a 1-based character position in the statement text
 * that was sent (client_encoding is UTF8, as the text).
 */
static int
line_of_statement_position(const RunScript *script, const RunStatement *stmt, int charpos)
{
	int			pos = stmt->location;
	int			end = stmt->location + stmt->length;
	int			chars = 0;

	for (; pos < end; pos++)
		if (((unsigned char) script->text[pos] & 0xC0) != 0x80 && ++chars == charpos)
			break;
	return line_of_offset(script->text, script->len, pos);
}

/*
 * The data line a COPY error names in its context ("COPY t, line 3" or
 * "COPY t, line 3, column a: ..."), 0 when none does.
 */
static int
copy_line_of_context(const char *context)
{
	const char *p;

	if (context == NULL || strncmp(context, "COPY ", 5) != 0)
		return 0;
	p = strstr(context, ", line ");
	return p ? atoi(p + 7) : 0;
}

/*
 * Feed a COPY ... FROM STDIN its data block, as psql would from the script
 * (the rows; no "\." line), and collect the statement's result.
 */
static PGresult *
send_copy_data(LibpqExecutor *lx, const RunStatement *stmt)
{
	PGresult   *res;
	PGresult   *last = NULL;
	bool		sent = true;

	if (stmt->copy_data != NULL && stmt->copy_len > 0)
		sent = PQputCopyData(lx->conn, stmt->copy_data, stmt->copy_len) == 1;
	if (sent)
		(void) PQputCopyEnd(lx->conn, NULL);
	else
		(void) PQputCopyEnd(lx->conn, "the data could not be sent");
	while ((res = PQgetResult(lx->conn)) != NULL)
	{
		PQclear(last);
		last = res;
		if (PQstatus(lx->conn) == CONNECTION_BAD)
			break;
	}
	return last;
}

/* A COPY ... TO STDOUT in a script: its rows go nowhere, as in the server's refusal. */
static PGresult *
discard_copy_out(LibpqExecutor *lx)
{
	PGresult   *res;
	PGresult   *last = NULL;
	char	   *buf;

	while (PQgetCopyData(lx->conn, &buf, 0) > 0)
		PQfreemem(buf);
	while ((res = PQgetResult(lx->conn)) != NULL)
	{
		PQclear(last);
		last = res;
	}
	return last;
}

static bool
lx_run_statement(Executor *ex, RunScript *script, RunStatement *stmt, MigrateError *err)
{
	LibpqExecutor *lx = (LibpqExecutor *) ex;
	char	   *sql = pnstrdup(script->text + stmt->location, stmt->length);
	PGresult   *res;
	ExecStatusType status;
	bool		copied = false;

	lx->session_restored = false;	/* a script's statement may SET anything */
	res = PQexec(lx->conn, sql);
	status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	pfree(sql);
	lx->lock_checked = false;	/* it may have released the lock */
	if (status == PGRES_COPY_IN)
	{
		PQclear(res);
		res = send_copy_data(lx, stmt);
		copied = stmt->copy_data != NULL;
	}
	else if (status == PGRES_COPY_OUT)
	{
		PQclear(res);
		res = discard_copy_out(lx);
	}
	status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY)
	{
		PQclear(res);
		return true;
	}

	libpq_error(lx->conn, res, err);
	if (copied && copy_line_of_context(err->context) > 0)
		err->line = stmt->copy_line + copy_line_of_context(err->context) - 1;	/* a bad row */
	else if (err->position > 0)
		err->line = line_of_statement_position(script, stmt, err->position);
	PQclear(res);
	return false;
}

/* ----------------------------------------------------------------
 *		The history table
 * ---------------------------------------------------------------- */

static bool
lx_history_probe(Executor *ex, HistoryTableRef *history, MigrateError *err)
{
	LibpqExecutor *lx = (LibpqExecutor *) ex;
	const char *values[2] = {history->schema, history->table};
	PGresult   *res = exec_params(lx, history_sql_probe(), 2, (Oid[]) {TEXTOID_FE, TEXTOID_FE},
								  values, err);
	bool		ok = true;

	note_history_schema(lx, history);
	if (res == NULL)
		return false;
	history->schema_exists = value_is_true(res, 0, 0);
	history->exists = value_is_true(res, 0, 1);
	if (history->exists && !PQgetisnull(res, 0, 2) &&
		strcmp(PQgetvalue(res, 0, 2), "r") != 0 && strcmp(PQgetvalue(res, 0, 2), "p") != 0)
	{
		char	   *message = psprintf("%s is not a table", history->qualified);

		migrate_error_set(err, "42809", message, NULL,
						  "Point -table at the history table, or drop the object in the way.");
		pfree(message);
		ok = false;
	}
	PQclear(res);
	return ok;
}

static bool
lx_history_schema_is_empty(Executor *ex, const HistoryTableRef *history, bool *empty,
						   MigrateError *err)
{
	LibpqExecutor *lx = (LibpqExecutor *) ex;
	const char *values[1] = {history->schema};
	PGresult   *res = exec_params(lx, history_sql_schema_is_empty(), 1, (Oid[]) {TEXTOID_FE},
								  values, err);

	if (res == NULL)
		return false;
	*empty = value_is_true(res, 0, 0);
	PQclear(res);
	return true;
}

/* The DDL runs in one block, so a failure leaves no half-made table. */
static bool
lx_history_create(Executor *ex, HistoryTableRef *history, char *const *schemas, int nschemas,
				  MigrateError *err)
{
	LibpqExecutor *lx = (LibpqExecutor *) ex;
	char	  **stmts;
	int			n = history_sql_create(history, schemas, nschemas, &stmts);
	bool		own_block = !lx_in_block(ex);
	bool		ok = true;

	lx->session_restored = false;	/* the DDL may fire event triggers */
	if (own_block && !exec_command(lx, "BEGIN", err))
		return false;
	for (int i = 0; ok && i < n; i++)
		ok = exec_command(lx, stmts[i], err);
	if (own_block)
	{
		if (ok)
			ok = lx_commit(ex, err);
		else
			PQclear(PQexec(lx->conn, "ROLLBACK"));
	}
	if (ok)
		history->exists = history->schema_exists = true;
	return ok;
}

static AppliedRow *
row_from_result(const PGresult *res, int i, const HistoryTableRef *history, MigrateError *err)
{
	AppliedRow *row = palloc0(sizeof(AppliedRow));
	char	   *why = NULL;

	row->installed_rank = atoi(PQgetvalue(res, i, 0));
	row->version = value_or_null(res, i, 1);
	row->description = PQgetisnull(res, i, 2) ? pstrdup("") : pstrdup(PQgetvalue(res, i, 2));
	row->type = PQgetisnull(res, i, 3) ? pstrdup("") : pstrdup(PQgetvalue(res, i, 3));
	row->script = value_or_null(res, i, 4);
	row->checksum_null = PQgetisnull(res, i, 5);
	row->checksum = row->checksum_null ? 0 : atoi(PQgetvalue(res, i, 5));
	row->installed_by = value_or_null(res, i, 6);
	row->installed_on = value_or_null(res, i, 7);
	row->execution_time = PQgetisnull(res, i, 8) ? 0 : atoi(PQgetvalue(res, i, 8));
	row->success = value_is_true(res, i, 9);
	if (row->version != NULL && !version_parse(row->version, &row->parsed, &why))
	{
		char	   *message = psprintf("history table %s has an invalid version \"%s\" at installed_rank %d",
									   history->qualified, row->version, row->installed_rank);

		migrate_error_set(err, "XX001", message, why,
						  "Correct that row by hand, then run the command again.");
		pfree(message);
		return NULL;
	}
	return row;
}

static bool
lx_history_read(Executor *ex, const HistoryTableRef *history, AppliedRow ***rows, int *nrows,
				MigrateError *err)
{
	LibpqExecutor *lx = (LibpqExecutor *) ex;
	char	   *sql = history_sql_select(history);
	PGresult   *res = exec_expect(lx, sql, PGRES_TUPLES_OK, err);
	int			n;

	pfree(sql);
	if (res == NULL)
		return false;
	n = PQntuples(res);
	*rows = palloc(sizeof(AppliedRow *) * (n + 1));
	*nrows = 0;
	for (int i = 0; i < n; i++)
	{
		AppliedRow *row = row_from_result(res, i, history, err);

		if (row == NULL)
		{
			PQclear(res);
			return false;
		}
		(*rows)[(*nrows)++] = row;
	}
	PQclear(res);
	return true;
}

static Oid
param_type_oid(const char *name)
{
	const char *bare = strncmp(name, "pg_catalog.", 11) == 0 ? name + 11 : name;

	if (strcmp(bare, "int4") == 0 || strcmp(bare, "integer") == 0)
		return INT4OID_FE;
	if (strcmp(bare, "bool") == 0 || strcmp(bare, "boolean") == 0)
		return BOOLOID_FE;
	if (strcmp(bare, "text") == 0)
		return TEXTOID_FE;
	return 0;					/* let the server infer it */
}

/*
 * The history INSERT through its prepared statement, prepared first when
 * the session does not hold it (or holds another table's).
 */
static PGresult *
exec_prepared_insert(LibpqExecutor *lx, const HistoryStatement *stmt, const Oid *types,
					 MigrateError *err)
{
	PGresult   *res;
	ExecStatusType status;

	if (lx->prepared_insert != NULL && strcmp(lx->prepared_insert, stmt->sql) != 0)
	{
		if (!exec_command(lx, "DEALLOCATE " HISTORY_INSERT_NAME, err))
			return NULL;
		lx->prepared_insert = NULL;
	}
	if (lx->prepared_insert == NULL)
	{
		res = PQprepare(lx->conn, HISTORY_INSERT_NAME, stmt->sql, stmt->nparams, types);
		status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
		if (status != PGRES_COMMAND_OK)
		{
			libpq_error(lx->conn, res, err);
			PQclear(res);
			return NULL;
		}
		PQclear(res);
		lx->prepared_insert = pstrdup(stmt->sql);
	}
	res = PQexecPrepared(lx->conn, HISTORY_INSERT_NAME, stmt->nparams,
						 (const char *const *) stmt->values, NULL, NULL, 0);
	status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK)
		return res;
	libpq_error(lx->conn, res, err);
	PQclear(res);
	return NULL;
}

/* Written as the run's user, whatever role the script left behind. */
static bool
lx_history_change(Executor *ex, const HistoryTableRef *history, const HistoryChange *change,
				  int *rank, MigrateError *err)
{
	LibpqExecutor *lx = (LibpqExecutor *) ex;
	HistoryStatement stmt;
	Oid			types[HISTORY_MAX_PARAMS];
	PGresult   *res;

	/* restoring read whether the lock is held: a script that ran needs it */
	if (!lx_restore_session(ex, err))
		return false;
	if (history_change_records_run(change) && !verify_run_lock(lx, change->script, true, err))
		return false;
	memset(&stmt, 0, sizeof(stmt));
	history_sql_change(history, change, &stmt);
	for (int i = 0; i < stmt.nparams; i++)
		types[i] = param_type_oid(stmt.types[i]);
	if (change->kind == HISTORY_INSERT)
		res = exec_prepared_insert(lx, &stmt, types, err);
	else
		res = exec_params(lx, stmt.sql, stmt.nparams, types, (const char *const *) stmt.values,
						  err);
	if (res == NULL)
		return false;
	if (rank != NULL)
		*rank = stmt.returns_rank && PQntuples(res) == 1 ? atoi(PQgetvalue(res, 0, 0)) : 0;
	PQclear(res);
	return true;
}

/* ----------------------------------------------------------------
 *		The engine's own SQL (clean)
 * ---------------------------------------------------------------- */

static bool
lx_catalog_read(Executor *ex, const char *sql, int nparams, const char *const *params,
				char ***values, int *nrows, int *ncols, MigrateError *err)
{
	LibpqExecutor *lx = (LibpqExecutor *) ex;
	Oid		   *types = palloc(sizeof(Oid) * (nparams + 1));
	PGresult   *res;

	for (int i = 0; i < nparams; i++)
		types[i] = TEXTOID_FE;
	res = exec_params(lx, sql, nparams, types, params, err);
	pfree(types);
	if (res == NULL)
		return false;
	*nrows = PQntuples(res);
	*ncols = PQnfields(res);
	*values = palloc(sizeof(char *) * ((size_t) *nrows * *ncols + 1));
	for (int r = 0; r < *nrows; r++)
	{
		CHECK_FOR_INTERRUPTS();
		for (int c = 0; c < *ncols; c++)
			(*values)[r * *ncols + c] = value_or_null(res, r, c);
	}
	PQclear(res);
	return true;
}

static bool
lx_run_sql(Executor *ex, const char *sql, MigrateError *err)
{
	PGresult   *res = exec_params((LibpqExecutor *) ex, sql, 0, NULL, NULL, err);

	PQclear(res);
	return res != NULL;
}

/* ----------------------------------------------------------------
 *		The executor
 * ---------------------------------------------------------------- */

#define LIBPQ_OPS(opsname, in_caller_transaction) \
static const ExecutorOps opsname = { \
	.name = "libpq", \
	.caller_transaction = in_caller_transaction, \
	.session_facts = lx_session_facts, \
	.find_scripts = lx_find_scripts, \
	.load_script = lx_load_script, \
	.lock = lx_lock, \
	.unlock = lx_unlock, \
	.begin = lx_begin, \
	.commit = lx_commit, \
	.rollback = lx_rollback, \
	.in_block = lx_in_block, \
	.run_statement = lx_run_statement, \
	.restore_session = lx_restore_session, \
	.history_probe = lx_history_probe, \
	.history_schema_is_empty = lx_history_schema_is_empty, \
	.history_create = lx_history_create, \
	.history_read = lx_history_read, \
	.history_change = lx_history_change, \
	.catalog_read = lx_catalog_read, \
	.run_sql = lx_run_sql, \
}

LIBPQ_OPS(libpq_ops, false);
LIBPQ_OPS(libpq_group_ops, true);

Executor *
executor_libpq_create(PGconn *conn, ScriptSource *source, bool group, MigrateError *err)
{
	LibpqExecutor *lx = palloc0(sizeof(LibpqExecutor));
	PGresult   *res;

	lx->base.ops = group ? &libpq_group_ops : &libpq_ops;
	lx->conn = conn;
	lx->source = source;
	lx->group = group;
	lx->read_settings_sql = make_read_settings_sql(NULL);
	/* scripts not in UTF-8 are converted by this server */
	script_source_set_converter(source, convert_by_server, conn);
	if (PQsetClientEncoding(conn, "UTF8") != 0)
	{
		libpq_error(conn, NULL, err);
		return NULL;
	}
	res = read_settings(lx, err);
	if (res == NULL)
		return NULL;
	for (size_t i = 0; i < NSETTINGS; i++)
		lx->start[i] = value_or_null(res, 0, i);
	PQclear(res);
	return &lx->base;
}
