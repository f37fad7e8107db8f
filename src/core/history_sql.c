/*-------------------------------------------------------------------------
 *
 * history_sql.c
 *	  Flyway's history table as SQL text (history_sql.h): its quoted name
 *	  and advisory lock key, its DDL, and the statements that read and
 *	  write its rows.
 *
 * The server (backend/history.c) and the command run this text as it is,
 * so a database Flyway managed sees the same table and the same lock from
 * either.  Every name is qualified: a search_path chooses nothing.
 * Pure logic: builds in the server and with -DFRONTEND.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include "lib/stringinfo.h"

#include "history_sql.h"
#include "migrate_error.h"
#include "names.h"

/* The ASCII bytes of "Flyway": Flyway adds the table name's hash to it. */
#define FLYWAY_LOCK_BASE INT64CONST(77431708279161)

/* Flyway's row for a schema it created: this rank is 0, a migration's is 1 up. */
#define SCHEMA_MARKER_TYPE "SCHEMA"

void
history_ref_init(HistoryTableRef *ref, const char *schema, const char *table)
{
	ref->schema = pstrdup(schema);
	ref->table = pstrdup(table);
	ref->qualified = psprintf("%s.%s", history_quote_ident(schema), history_quote_ident(table));
	ref->lock_key = FLYWAY_LOCK_BASE + java_string_hash(ref->qualified);
	ref->tablespace = NULL;
	ref->exists = false;
	ref->schema_exists = false;
}

/* Flyway always quotes, doubling embedded quotes. */
char *
history_quote_ident(const char *ident)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '"');
	for (const char *p = ident; *p; p++)
	{
		if (*p == '"')
			appendStringInfoChar(&buf, '"');
		appendStringInfoChar(&buf, *p);
	}
	appendStringInfoChar(&buf, '"');
	return buf.data;
}

/*
 * What the server's quote_literal_cstr() gives: quotes doubled, and when a
 * backslash is present an E'' literal with backslashes doubled, so the
 * value reads back the same whatever standard_conforming_strings is.
 */
char *
history_quote_literal(const char *value)
{
	StringInfoData buf;

	initStringInfo(&buf);
	if (strchr(value, '\\') != NULL)
		appendStringInfoChar(&buf, 'E');
	appendStringInfoChar(&buf, '\'');
	for (const char *p = value; *p; p++)
	{
		if (*p == '\'' || *p == '\\')
			appendStringInfoChar(&buf, *p);
		appendStringInfoChar(&buf, *p);
	}
	appendStringInfoChar(&buf, '\'');
	return buf.data;
}

int
history_sql_create(const HistoryTableRef *ref, char *const *schemas, int nschemas, char ***stmts)
{
	const char *t = ref->qualified;
	char	  **out = palloc(sizeof(char *) * (nschemas + 3));
	int			n = 0;

	for (int i = 0; i < nschemas; i++)
		out[n++] = psprintf("CREATE SCHEMA %s", history_quote_ident(schemas[i]));
	out[n++] = psprintf("CREATE TABLE %s (\n"
						"    \"installed_rank\" INT NOT NULL,\n"
						"    \"version\" VARCHAR(50),\n"
						"    \"description\" VARCHAR(200) NOT NULL,\n"
						"    \"type\" VARCHAR(20) NOT NULL,\n"
						"    \"script\" VARCHAR(1000) NOT NULL,\n"
						"    \"checksum\" INTEGER,\n"
						"    \"installed_by\" VARCHAR(100) NOT NULL,\n"
						"    \"installed_on\" TIMESTAMP NOT NULL DEFAULT pg_catalog.now(),\n"
						"    \"execution_time\" INTEGER NOT NULL,\n"
						"    \"success\" BOOLEAN NOT NULL\n"
						")%s%s", t,
						ref->tablespace ? " TABLESPACE " : "",
						ref->tablespace ? history_quote_ident(ref->tablespace) : "");
	out[n++] = psprintf("ALTER TABLE %s ADD CONSTRAINT %s PRIMARY KEY (\"installed_rank\")",
						t, history_quote_ident(psprintf("%s_pk", ref->table)));
	out[n++] = psprintf("CREATE INDEX %s ON %s (\"success\")",
						history_quote_ident(psprintf("%s_s_idx", ref->table)), t);
	*stmts = out;
	return n;
}

/* Flyway's SCHEMA marker's script: the created schemas, quoted, joined by commas. */
char *
history_schemas_marker(char *const *schemas, int nschemas)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < nschemas; i++)
		appendStringInfo(&buf, "%s%s", i ? "," : "", history_quote_ident(schemas[i]));
	return buf.data;
}

/* One parameter of a statement, in text form (NULL = SQL NULL). */
static void
add_param(HistoryStatement *out, const char *type, char *value)
{
	Assert(out->nparams < HISTORY_MAX_PARAMS);
	out->types[out->nparams] = type;
	out->values[out->nparams] = value;
	out->nparams++;
}

static char *
int4_text(int32 value)
{
	return psprintf("%d", value);
}

static char *
bool_text(bool value)
{
	return pstrdup(value ? "true" : "false");
}

/*
 * The next installed_rank is taken in the INSERT itself, from the rows the
 * statement sees: 0 for a first SCHEMA marker, as Flyway numbers it.
 */
static void
insert_statement(const HistoryTableRef *ref, const HistoryChange *change, HistoryStatement *out)
{
	out->sql = psprintf("INSERT INTO %s (installed_rank, version, description, "
						"type, script, checksum, installed_by, execution_time, success) "
						"SELECT CASE WHEN pg_catalog.max(installed_rank) IS NULL "
						"THEN CASE WHEN $9 THEN 0 ELSE 1 END "
						"ELSE pg_catalog.max(installed_rank) OPERATOR(pg_catalog.+) 1 END, "
						"$1, $2, $3, $4, $5, $6, $7, $8 FROM %s "
						"RETURNING installed_rank::pg_catalog.int4",
						ref->qualified, ref->qualified);
	add_param(out, "pg_catalog.text", change->version ? pstrdup(change->version) : NULL);
	add_param(out, "pg_catalog.text", abbreviate_description(change->description));
	add_param(out, "pg_catalog.text", pstrdup(change->type));
	add_param(out, "pg_catalog.text", abbreviate_script(change->script));
	add_param(out, "pg_catalog.int4", change->checksum_null ? NULL : int4_text(change->checksum));
	add_param(out, "pg_catalog.text", pstrdup(change->installed_by));
	add_param(out, "pg_catalog.int4", int4_text(change->execution_time));
	add_param(out, "pg_catalog.bool", bool_text(change->success));
	add_param(out, "pg_catalog.bool", bool_text(strcmp(change->type, SCHEMA_MARKER_TYPE) == 0));
	out->returns_rank = true;
}

void
history_sql_change(const HistoryTableRef *ref, const HistoryChange *change, HistoryStatement *out)
{
	memset(out, 0, sizeof(*out));
	switch (change->kind)
	{
		case HISTORY_INSERT:
			insert_statement(ref, change, out);
			break;
		case HISTORY_DELETE:
			out->sql = psprintf("DELETE FROM %s WHERE installed_rank OPERATOR(pg_catalog.=) $1",
								ref->qualified);
			add_param(out, "pg_catalog.int4", int4_text(change->installed_rank));
			break;
		case HISTORY_REALIGN:
			out->sql = psprintf("UPDATE %s SET description = $1, type = $2, checksum = $3 "
								"WHERE installed_rank OPERATOR(pg_catalog.=) $4",
								ref->qualified);
			add_param(out, "pg_catalog.text", abbreviate_description(change->description));
			add_param(out, "pg_catalog.text", pstrdup(change->type));
			add_param(out, "pg_catalog.int4",
					  change->checksum_null ? NULL : int4_text(change->checksum));
			add_param(out, "pg_catalog.int4", int4_text(change->installed_rank));
			break;
	}
}

static char *
literal_or_null(const char *value)
{
	return value != NULL ? history_quote_literal(value) : pstrdup("NULL");
}

/*
 * Only an INSERT is shown by migrate_plan(): a plan never deletes or
 * realigns rows.  The others are given in the same literal form anyway.
 */
char *
history_sql_change_literal(const HistoryTableRef *ref, const HistoryChange *change, int rank)
{
	switch (change->kind)
	{
		case HISTORY_INSERT:
			return psprintf("INSERT INTO %s (installed_rank, version, description, type, script, checksum, "
							"installed_by, execution_time, success) VALUES (%d, %s, %s, %s, %s, %s, %s, %d, %s)",
							ref->qualified, rank,
							literal_or_null(change->version),
							history_quote_literal(abbreviate_description(change->description)),
							history_quote_literal(change->type),
							history_quote_literal(abbreviate_script(change->script)),
							change->checksum_null ? "NULL" : int4_text(change->checksum),
							history_quote_literal(change->installed_by),
							change->execution_time, change->success ? "true" : "false");
		case HISTORY_DELETE:
			return psprintf("DELETE FROM %s WHERE installed_rank OPERATOR(pg_catalog.=) %d",
							ref->qualified, change->installed_rank);
		case HISTORY_REALIGN:
			return psprintf("UPDATE %s SET description = %s, type = %s, checksum = %s "
							"WHERE installed_rank OPERATOR(pg_catalog.=) %d",
							ref->qualified,
							history_quote_literal(abbreviate_description(change->description)),
							history_quote_literal(change->type),
							change->checksum_null ? "NULL" : int4_text(change->checksum),
							change->installed_rank);
	}
	return NULL;				/* keep compilers quiet */
}

/* The casts fix the columns' types, whatever the table's columns are. */
char *
history_sql_select(const HistoryTableRef *ref)
{
	return psprintf("/*NO LOAD BALANCE*/ SELECT installed_rank::pg_catalog.int4, "
					"version::pg_catalog.text, description::pg_catalog.text, "
					"type::pg_catalog.text, script::pg_catalog.text, "
					"checksum::pg_catalog.int4, installed_by::pg_catalog.text, "
					"installed_on::pg_catalog.text, execution_time::pg_catalog.int4, "
					"success::pg_catalog.bool "
					"FROM %s ORDER BY 1", ref->qualified);
}

const char *
history_sql_probe(void)
{
	return "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace n "
		"  WHERE n.nspname OPERATOR(pg_catalog.=) $1::pg_catalog.text), "
		"EXISTS (SELECT 1 FROM pg_catalog.pg_class c "
		"  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace "
		"  WHERE n.nspname OPERATOR(pg_catalog.=) $1::pg_catalog.text "
		"  AND c.relname OPERATOR(pg_catalog.=) $2::pg_catalog.text), "
		"(SELECT c.relkind::pg_catalog.text FROM pg_catalog.pg_class c "
		"  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace "
		"  WHERE n.nspname OPERATOR(pg_catalog.=) $1::pg_catalog.text "
		"  AND c.relname OPERATOR(pg_catalog.=) $2::pg_catalog.text)";
}

/*
 * Flyway's test for baselineOnMigrate: no relations, types or functions in
 * the schema other than those that belong to extensions.
 */
const char *
history_sql_schema_is_empty(void)
{
	return "SELECT NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c "
		"  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace "
		"  WHERE n.nspname OPERATOR(pg_catalog.=) $1 AND c.relkind OPERATOR(pg_catalog.=) ANY ('{r,p,v,m,S,f,c}'::pg_catalog.\"char\"[]) "
		"  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass "
		"    AND d.objid OPERATOR(pg_catalog.=) c.oid AND d.deptype OPERATOR(pg_catalog.=) 'e')) "
		"AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type t "
		"  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) t.typnamespace "
		"  WHERE n.nspname OPERATOR(pg_catalog.=) $1 AND t.typrelid OPERATOR(pg_catalog.=) 0 "
		"  AND t.typcategory OPERATOR(pg_catalog.<>) 'A' "
		"  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_type'::pg_catalog.regclass "
		"    AND d.objid OPERATOR(pg_catalog.=) t.oid AND d.deptype OPERATOR(pg_catalog.=) 'e')) "
		"AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_proc p "
		"  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace "
		"  WHERE n.nspname OPERATOR(pg_catalog.=) $1 "
		"  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass "
		"    AND d.objid OPERATOR(pg_catalog.=) p.oid AND d.deptype OPERATOR(pg_catalog.=) 'e'))";
}

/*
 * Flyway takes its lock with pg_try_advisory_xact_lock() on the same key;
 * any lock mode on the key excludes it, so Flyway and pg_migrate never
 * migrate one database at the same time.
 */
char *
history_sql_lock(const HistoryTableRef *ref)
{
	return psprintf("SELECT pg_catalog.pg_advisory_lock(" INT64_FORMAT ")", ref->lock_key);
}

char *
history_sql_unlock(const HistoryTableRef *ref)
{
	return psprintf("SELECT pg_catalog.pg_advisory_unlock(" INT64_FORMAT ")", ref->lock_key);
}

char *
history_sql_lock_xact(const HistoryTableRef *ref)
{
	return psprintf("SELECT pg_catalog.pg_advisory_xact_lock(" INT64_FORMAT ")", ref->lock_key);
}

/* One try, as Flyway's loop makes them: true when taken. */
char *
history_sql_try_lock(const HistoryTableRef *ref, bool xact)
{
	return psprintf("SELECT pg_catalog.%s(" INT64_FORMAT ")",
					xact ? "pg_try_advisory_xact_lock" : "pg_try_advisory_lock", ref->lock_key);
}

/*
 * A bigint advisory key shows in pg_locks as classid (its high half),
 * objid (its low half) and objsubid 1.
 */
char *
history_sql_lock_held(const HistoryTableRef *ref)
{
	uint64		key = (uint64) ref->lock_key;

	return psprintf("EXISTS (SELECT FROM pg_catalog.pg_locks "
					"WHERE locktype OPERATOR(pg_catalog.=) 'advisory' "
					"AND pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid() AND granted "
					"AND mode OPERATOR(pg_catalog.=) 'ExclusiveLock' "
					"AND classid OPERATOR(pg_catalog.=) '%u'::pg_catalog.oid "
					"AND objid OPERATOR(pg_catalog.=) '%u'::pg_catalog.oid "
					"AND objsubid OPERATOR(pg_catalog.=) 1)",
					(unsigned int) (key >> 32), (unsigned int) (key & 0xFFFFFFFF));
}

/*
 * Who holds the lock (any mode, in this database), one text: "process 123
 * (application "x", role "r", connected since ..., active since ...)",
 * joined by "; "; NULL when nobody does any more.  A lock does not record
 * when it was granted: the session's start and its state's are what the
 * server knows.
 */
char *
history_sql_lock_holders(const HistoryTableRef *ref)
{
	uint64		key = (uint64) ref->lock_key;

	return psprintf("SELECT pg_catalog.string_agg(pg_catalog.format("
					"'process %%s (application %%s, role %%s, connected since %%s, %%s since %%s)', "
					"l.pid, pg_catalog.quote_ident(COALESCE(a.application_name, '')), "
					"pg_catalog.quote_ident(COALESCE(a.usename::pg_catalog.text, '')), "
					"a.backend_start, COALESCE(a.state, 'unknown'), a.state_change), "
					"'; ' ORDER BY l.pid) "
					"FROM pg_catalog.pg_locks l LEFT JOIN pg_catalog.pg_stat_activity a "
					"ON a.pid OPERATOR(pg_catalog.=) l.pid "
					"WHERE l.locktype OPERATOR(pg_catalog.=) 'advisory' AND l.granted "
					"AND l.database OPERATOR(pg_catalog.=) (SELECT d.oid FROM pg_catalog.pg_database d "
					"WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database()) "
					"AND l.classid OPERATOR(pg_catalog.=) '%u'::pg_catalog.oid "
					"AND l.objid OPERATOR(pg_catalog.=) '%u'::pg_catalog.oid "
					"AND l.objsubid OPERATOR(pg_catalog.=) 1 "
					"AND l.pid OPERATOR(pg_catalog.<>) pg_catalog.pg_backend_pid()",
					(unsigned int) (key >> 32), (unsigned int) (key & 0xFFFFFFFF));
}

void
history_lock_wait_error(MigrateError *err, const char *qualified, int64 lock_key,
						int retry_count, const char *holders, const char *setting)
{
	char	   *message;
	char	   *detail;
	char	   *hint;

	message = psprintf("could not take the migration lock of %s after %d %s",
					   qualified, retry_count + 1, retry_count == 0 ? "try" : "tries, one second apart");
	if (holders != NULL && holders[0] != '\0')
		detail = psprintf("Flyway's advisory lock (key " INT64_FORMAT ") is held by %s.",
						  lock_key, holders);
	else
		detail = psprintf("Flyway's advisory lock (key " INT64_FORMAT ") was held by another session, which has released it since.",
						  lock_key);
	hint = psprintf("Another migrate (pg_migrate or Flyway) is running on this database: wait for it and try again, or raise %s (-1 waits for as long as it takes).",
					setting);
	migrate_error_set(err, SQLSTATE_LOCK_NOT_AVAILABLE, message, detail, hint);
	pfree(message);
	pfree(detail);
	pfree(hint);
}

/* Markers and baselines are written under the lock but run nothing. */
bool
history_change_records_run(const HistoryChange *change)
{
	return change->kind == HISTORY_INSERT && change->success &&
		strcmp(change->type, "SCHEMA") != 0 && strcmp(change->type, "BASELINE") != 0 &&
		strcmp(change->type, "DELETE") != 0;
}

void
history_lock_released_error(MigrateError *err, const char *qualified, int64 lock_key,
							const char *script, bool after_it, const char *info)
{
	char	   *message;
	char	   *detail;
	char	   *hint;

	if (after_it)
	{
		message = psprintf("the migration lock of %s was released by this migration or its callbacks",
						   qualified);
		detail = psprintf("pg_migrate holds Flyway's advisory lock (key " INT64_FORMAT ") for the whole run; pg_advisory_unlock_all() or pg_advisory_unlock() in a script or callback releases it, and another migrate could then run at the same time.",
						  lock_key);
		hint = pstrdup("Remove the advisory unlock from the script or its callbacks and run again; this migration is not recorded as applied.");
	}
	else
	{
		message = psprintf("the migration lock of %s was released before migration %s",
						   qualified, script);
		detail = psprintf("pg_migrate holds Flyway's advisory lock (key " INT64_FORMAT ") for the whole run; a script or callback that ran before this one released it (pg_advisory_unlock_all() or pg_advisory_unlock()), so another migrate could run at the same time.",
						  lock_key);
		hint = psprintf("Remove the advisory unlock from the scripts and callbacks; %s shows what was applied.",
						info);
	}
	migrate_error_set(err, SQLSTATE_OBJECT_NOT_IN_PREREQUISITE_STATE, message, detail, hint);
	pfree(message);
	pfree(detail);
	pfree(hint);
}
