/*-------------------------------------------------------------------------
 *
 * clean.c
 *	  Flyway's clean: every object in the managed schemas dropped, and the
 *	  schemas the history's SCHEMA marker says a migrate created dropped
 *	  whole; refused while cleanDisabled is on (Flyway's default).
 *
 * What is dropped, and with which SQL, is core/clean_sql.c's.  Here: the
 * refusal first (nothing runs, not even the lock), then Flyway's lock,
 * beforeClean, the drops in one transaction (all of them, or none), then
 * afterClean, or afterCleanError when it failed.
 *
 * Objects that are members of an extension are never listed, so the
 * extension's own objects (pg_migrate's, when it is installed in a managed
 * schema) survive; a schema an extension lives in, or has members in, is
 * emptied rather than dropped.  A DROP ... CASCADE that reached an
 * extension's member would drop the whole extension: the extensions are
 * read before and after, and such a clean fails with nothing dropped.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include "clean_sql.h"
#include "engine_internal.h"
#include "interrupts.h"

/* The rows of a catalog read of clean_sql.c's. */
typedef struct CatalogRows
{
	char	  **values;
	int			nrows;
	int			ncols;
} CatalogRows;

static bool
read_catalog(Engine *engine, const char *sql, const char *schema, CatalogRows *rows)
{
	const char *params[1] = {schema};

	return engine->ex->ops->catalog_read(engine->ex, sql, schema ? 1 : 0, params,
										 &rows->values, &rows->nrows, &rows->ncols,
										 &engine->error);
}

static const char *
cell(const CatalogRows *rows, int row, int col)
{
	const char *value = rows->values[row * rows->ncols + col];

	return value ? value : "";
}

static bool
refuse_disabled(Engine *engine)
{
	if (!engine->opts.clean_disabled)
		return true;
	return engine_fail(engine, SQLSTATE_OBJECT_NOT_IN_PREREQUISITE_STATE,
					   "clean drops every object in the managed schemas and the history table; cleanDisabled is on by default, as in Flyway.",
					   psprintf("Nothing was dropped. To allow clean, %s.",
								engine->wording->clean_disabled_off),
					   "unable to execute clean as it has been disabled with %s",
					   engine->wording->clean_disabled_name);
}

/*
 * The schemas the history's SCHEMA marker rows say a migrate created.  A
 * marker that cannot be read drops no schema, with a warning, as Flyway.
 */
static bool
created_schemas(Engine *engine, char ***created, int *ncreated)
{
	Executor   *ex = engine->ex;

	*created = NULL;
	*ncreated = 0;
	engine->rows = NULL;
	engine->nrows = 0;
	if (engine->history.exists &&
		!ex->ops->history_read(ex, &engine->history, &engine->rows, &engine->nrows,
							   &engine->error))
		return false;
	*created = palloc(sizeof(char *) * (engine->nrows + 1));
	for (int i = 0; i < engine->nrows; i++)
	{
		const AppliedRow *row = engine->rows[i];
		char	  **names;
		int			nnames;

		CHECK_FOR_INTERRUPTS();
		if (strcmp(row->type, "SCHEMA") != 0)
			continue;
		if (!clean_parse_schemas_marker(row->script, &names, &nnames))
		{
			engine_notice(engine, ENGINE_WARNING,
						  psprintf("the SCHEMA marker row %d of %s cannot be read; its schemas are cleaned, not dropped",
								   row->installed_rank, engine->history.qualified),
						  psprintf("Its script is \"%s\"; Flyway writes \"schema\",\"schema\".", row->script),
						  NULL);
			continue;
		}
		*created = repalloc(*created, sizeof(char *) * (*ncreated + nnames + 1));
		for (int j = 0; j < nnames; j++)
			(*created)[(*ncreated)++] = names[j];
	}
	return true;
}

static bool
is_listed(const char *name, char **names, int count)
{
	for (int i = 0; i < count; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (strcmp(names[i], name) == 0)
			return true;
	}
	return false;
}

/* One kind of object of a schema dropped: one DROP for all (or each, when it takes one). */
static bool
drop_kind(Engine *engine, const char *schema, const CleanKind *kind)
{
	CatalogRows rows;
	char	  **targets;

	if (!read_catalog(engine, kind->sql, schema, &rows))
		return false;
	if (rows.nrows == 0)
		return true;
	targets = palloc(sizeof(char *) * rows.nrows);
	for (int i = 0; i < rows.nrows; i++)
	{
		CHECK_FOR_INTERRUPTS();
		targets[i] = (char *) cell(&rows, i, 2);
		if (kind->one_per_statement &&
			!engine->ex->ops->run_sql(engine->ex, clean_sql_drop(kind, &targets[i], 1),
									  &engine->error))
			return false;
	}
	if (!kind->one_per_statement &&
		!engine->ex->ops->run_sql(engine->ex, clean_sql_drop(kind, targets, rows.nrows),
								  &engine->error))
		return false;
	for (int i = 0; i < rows.nrows && engine->sinks.cleaned; i++)
	{
		CHECK_FOR_INTERRUPTS();
		engine->sinks.cleaned(schema, cell(&rows, i, 0), cell(&rows, i, 1), engine->sinks.arg);
	}
	return true;
}

/* Every object of a schema, kind by kind in Flyway's order; extension members stay. */
static bool
empty_schema(Engine *engine, const char *schema)
{
	int			nkinds;
	const CleanKind *kinds = clean_sql_kinds(&nkinds);

	for (int k = 0; k < nkinds; k++)
	{
		CHECK_FOR_INTERRUPTS();
		if (!drop_kind(engine, schema, &kinds[k]))
			return false;
	}
	return true;
}

/*
 * One managed schema: dropped whole when a migrate created it and nothing
 * of an extension is in it (and the user owns it), else emptied.
 */
static bool
clean_schema(Engine *engine, const char *schema, bool created)
{
	CatalogRows state;
	bool		droppable;

	if (!read_catalog(engine, clean_sql_schema_state(), schema, &state))
		return false;
	if (state.nrows != 1 || strcmp(cell(&state, 0, 0), "t") != 0)
	{
		engine_notice(engine, ENGINE_WARNING,
					  psprintf("unable to clean unknown schema \"%s\"", schema), NULL, NULL);
		return true;
	}
	droppable = strcmp(cell(&state, 0, 1), "t") == 0;
	if (created && droppable)
	{
		if (!engine->ex->ops->run_sql(engine->ex, clean_sql_drop_schema(schema), &engine->error))
			return false;
		if (engine->sinks.cleaned)
			engine->sinks.cleaned(schema, "schema", schema, engine->sinks.arg);
	}
	else
	{
		if (!empty_schema(engine, schema))
			return false;
		if (created)
			engine_notice(engine, ENGINE_WARNING,
						  psprintf("schema \"%s\" was cleaned, not dropped", schema),
						  "A migrate created it (the history's SCHEMA marker says so), but an extension lives in it or has objects in it, or another role owns it.",
						  NULL);
	}
	if (engine->sinks.schema_cleaned)
		engine->sinks.schema_cleaned(schema, created && droppable, engine->sinks.arg);
	return true;
}

/* A DROP ... CASCADE must not have taken an extension (or a member) with it. */
static bool
check_extensions_kept(Engine *engine, const CatalogRows *before)
{
	CatalogRows after;

	if (!read_catalog(engine, clean_sql_extensions(), NULL, &after))
		return false;
	if (strcmp(cell(before, 0, 0), cell(&after, 0, 0)) == 0 &&
		strcmp(cell(before, 0, 1), cell(&after, 0, 1)) == 0)
		return true;
	return engine_fail(engine, SQLSTATE_OBJECT_NOT_IN_PREREQUISITE_STATE,
					   psprintf("An object of an extension depends on an object clean drops, and PostgreSQL drops an extension with its members. Extensions before: %s (%s member objects); after: %s (%s).",
								cell(before, 0, 0), cell(before, 0, 1),
								cell(&after, 0, 0), cell(&after, 0, 1)),
					   "Nothing was dropped. Find the extension's objects that depend on objects of the managed schemas (pg_depend) and remove that dependency first.",
					   "clean would drop an extension's objects");
}

/* The drops, all in one transaction. */
static bool
clean_in_transaction(Engine *engine)
{
	Executor   *ex = engine->ex;
	CatalogRows extensions;
	char	  **created = NULL;
	int			ncreated = 0;
	char	  **managed;
	int			nmanaged;
	bool		ok;

	ok = ex->ops->begin(ex, &engine->error) &&
		created_schemas(engine, &created, &ncreated) &&
		read_catalog(engine, clean_sql_extensions(), NULL, &extensions);
	managed = managed_schemas(engine, &nmanaged);
	for (int i = 0; ok && i < nmanaged; i++)
	{
		CHECK_FOR_INTERRUPTS();
		ok = clean_schema(engine, managed[i], is_listed(managed[i], created, ncreated));
	}
	ok = ok && check_extensions_kept(engine, &extensions) && ex->ops->commit(ex, &engine->error);
	if (!ok && !ex->ops->caller_transaction)
		ex->ops->rollback(ex);
	return ok;
}

bool
engine_clean(Engine *engine)
{
	Executor   *ex = engine->ex;
	bool		ok;

	if (!refuse_disabled(engine))
		return false;
	if (ex->ops->catalog_read == NULL || ex->ops->run_sql == NULL)
		return engine_fail(engine, SQLSTATE_FEATURE_NOT_SUPPORTED, NULL, NULL,
						   "the %s executor cannot clean", ex->ops->name);
	ok = prepare_locate_history(engine) &&
		ex->ops->lock(ex, &engine->history, engine->opts.lock_retry_count, &engine->error);
	engine->locked = ok;
	/* what is there now, under the lock, decides */
	ok = ok && ex->ops->history_probe(ex, &engine->history, &engine->error) &&
		read_command_callbacks(engine, "clean", "beforeClean, afterClean, afterCleanError");
	if (ok)
	{
		ok = run_callbacks(engine, "beforeClean", false, NULL) &&
			clean_in_transaction(engine) &&
			run_callbacks(engine, "afterClean", false, NULL);
		if (!ok)
			run_failure_callbacks(engine, "afterCleanError");
	}
	engine_unlock(engine);
	return ok;
}
