/*-------------------------------------------------------------------------
 *
 * clean_sql.h
 *	  Flyway's clean as SQL text: the catalog reads that list what a managed
 *	  schema holds, kind by kind in Flyway's order, the DROP statements that
 *	  remove it, and the SCHEMA marker row read back.  Written once here;
 *	  the engine (src/engine/clean.c) runs it through either executor.
 *
 * Pure logic (builds with -DFRONTEND).  Every name in the text is
 * qualified (pg_catalog.*, OPERATOR(pg_catalog.=)) and every identifier in
 * a DROP is quoted by the server (format's %I), types included, so neither
 * a search_path nor an object's hostile name chooses what runs or what is
 * dropped.  Nothing here calls a function or operator outside pg_catalog.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_MIGRATE_CLEAN_SQL_H
#define PG_MIGRATE_CLEAN_SQL_H

/*
 * One kind of object clean drops.  sql takes $1 = the schema's name and
 * returns (name, target) rows: name as a person reads it, target as the
 * DROP names it ("s"."t", "s"."f"("pg_catalog"."int4")).  Objects that are
 * members of an extension (pg_depend deptype 'e') or part of another object
 * (deptype 'i': array types, a range's constructors, ...) are not listed.
 */
typedef struct CleanKind
{
	const char *object_type;	/* "table", "function", ... as reported */
	const char *drop;			/* "DROP TABLE" */
	bool		one_per_statement;	/* the DROP takes one object, not a list */
	const char *sql;
} CleanKind;

/* The kinds in the order clean drops them (Flyway's, then the rest); *count. */
extern const CleanKind *clean_sql_kinds(int *count);

/*
 * The DROP of targets[0..ntargets) of kind: "DROP VIEW a, b CASCADE", as
 * Flyway drops them (what depends on them goes too).
 */
extern char *clean_sql_drop(const CleanKind *kind, char *const *targets, int ntargets);

/*
 * $1 = schema: one row of two booleans: the schema exists; it may be
 * dropped whole (DROP SCHEMA ... CASCADE), because the current user owns it
 * and no extension lives in it nor has a member in it.
 */
extern const char *clean_sql_schema_state(void);

/* DROP SCHEMA "name" CASCADE */
extern char *clean_sql_drop_schema(const char *schema);

/*
 * The extensions and how many member objects they have: one text row.
 * Read before and after the drops: a DROP ... CASCADE that reached an
 * extension's member drops the whole extension, and that must not pass.
 */
extern const char *clean_sql_extensions(void);

/*
 * The schema names of a SCHEMA marker row's script, as Flyway writes it
 * ("a","b": quoted, embedded quotes doubled, comma-separated); the inverse
 * of history_schemas_marker().  false when script is not of that form.
 */
extern bool clean_parse_schemas_marker(const char *script, char ***schemas, int *nschemas);

#endif							/* PG_MIGRATE_CLEAN_SQL_H */
