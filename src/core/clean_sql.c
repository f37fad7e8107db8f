/*-------------------------------------------------------------------------
 *
 * clean_sql.c
 *	  Flyway's clean as SQL text (clean_sql.h): what each kind of object in
 *	  a managed schema is listed and dropped with, and the SCHEMA marker
 *	  read back.
 *
 * Flyway's PostgreSQL clean (PostgreSQLSchema.doClean) drops, schema by
 * schema: materialized views, views, tables, base types, functions and
 * procedures and aggregates, enums, domains, sequences, the remaining
 * types, collations; each with CASCADE, skipping extension members.  The
 * same order here, followed by what Flyway leaves behind (foreign tables,
 * operators, operator families, text search configurations and
 * dictionaries, conversions, statistics objects), so that a cleaned schema
 * is empty.  Extensions themselves are never dropped (Flyway drops those
 * the current user owns): pg_migrate may be one of them.
 *
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

#include "clean_sql.h"
#include "history_sql.h"
#include "interrupts.h"

/* The schema's objects of a catalog: "FROM cat x JOIN pg_namespace n ... WHERE n.nspname = $1" */
#define IN_SCHEMA(catalog, alias, nspcol) \
	" FROM pg_catalog." catalog " " alias \
	" JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) " alias "." nspcol \
	" WHERE n.nspname OPERATOR(pg_catalog.=) $1::pg_catalog.name"

/*
 * Not a member of an extension ('e'), nor part of another object ('i': an
 * array type, a table's row type, a range's constructor), which goes with
 * it.  The object itself: a partitioned table's key columns depend on it.
 */
#define NOT_PART_OF(catalog, oid) \
	" AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d" \
	" WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog." catalog "'::pg_catalog.regclass" \
	" AND d.objid OPERATOR(pg_catalog.=) " oid " AND d.objsubid OPERATOR(pg_catalog.=) 0" \
	" AND (d.deptype OPERATOR(pg_catalog.=) 'e' OR d.deptype OPERATOR(pg_catalog.=) 'i'))"

/* A relation of the given relkinds: (object_type, name, target). */
#define RELATIONS(type, relkinds, extra) \
	"SELECT '" type "'::pg_catalog.text, c.relname::pg_catalog.text," \
	" pg_catalog.format('%I.%I', n.nspname, c.relname)" \
	IN_SCHEMA("pg_class", "c", "relnamespace") \
	" AND c.relkind OPERATOR(pg_catalog.=) ANY ('" relkinds "'::pg_catalog.\"char\"[])" \
	NOT_PART_OF("pg_class", "c.oid") extra \
	" ORDER BY c.relname"

/* A type as a DROP names it, whatever the search_path: "nsp"."typname" */
#define QUALIFIED_TYPE(oid) \
	"(SELECT pg_catalog.format('%I.%I', tn.nspname, t.typname) FROM pg_catalog.pg_type t" \
	" JOIN pg_catalog.pg_namespace tn ON tn.oid OPERATOR(pg_catalog.=) t.typnamespace" \
	" WHERE t.oid OPERATOR(pg_catalog.=) " oid ")"

/* An index access method's name */
#define ACCESS_METHOD(oid) \
	"(SELECT am.amname FROM pg_catalog.pg_am am WHERE am.oid OPERATOR(pg_catalog.=) " oid ")"

/* An object of a catalog named by its name column alone. */
#define NAMED(type, catalog, alias, namecol, nspcol) \
	"SELECT '" type "'::pg_catalog.text, " alias "." namecol "::pg_catalog.text," \
	" pg_catalog.format('%I.%I', n.nspname, " alias "." namecol ")" \
	IN_SCHEMA(catalog, alias, nspcol) \
	NOT_PART_OF(catalog, alias ".oid") \
	" ORDER BY " alias "." namecol

static const CleanKind clean_kinds[] = {
	{"materialized view", "DROP MATERIALIZED VIEW", false, RELATIONS("materialized view", "{m}", "")},
	{"view", "DROP VIEW", false, RELATIONS("view", "{v}", "")},

	/*
	 * A child whose parent is in the same schema goes with the parent (a
	 * partition, an inheriting table).
	 */
	{"table", "DROP TABLE", false,
		RELATIONS("table", "{r,p}",
				  " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits i"
				  " JOIN pg_catalog.pg_class pc ON pc.oid OPERATOR(pg_catalog.=) i.inhparent"
				  " WHERE i.inhrelid OPERATOR(pg_catalog.=) c.oid"
				  " AND pc.relnamespace OPERATOR(pg_catalog.=) c.relnamespace)")},
	{"foreign table", "DROP FOREIGN TABLE", false, RELATIONS("foreign table", "{f}", "")},

	/*
	 * Functions, procedures and aggregates (ordered-set ones too): DROP
	 * ROUTINE takes them all, by their input argument types.
	 */
	{"routine", "DROP ROUTINE", false,
		"SELECT CASE WHEN p.prokind OPERATOR(pg_catalog.=) 'a' THEN 'aggregate'"
		" WHEN p.prokind OPERATOR(pg_catalog.=) 'p' THEN 'procedure'"
		" ELSE 'function' END::pg_catalog.text,"
		" pg_catalog.format('%s(%s)', p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)),"
		" pg_catalog.format('%I.%I(%s)', n.nspname, p.proname,"
		"  pg_catalog.array_to_string(ARRAY(SELECT " QUALIFIED_TYPE("a.typ")
		"   FROM pg_catalog.unnest(p.proargtypes::pg_catalog.oid[]) WITH ORDINALITY AS a(typ, pos)"
		"   ORDER BY a.pos), ', '))"
		IN_SCHEMA("pg_proc", "p", "pronamespace")
		NOT_PART_OF("pg_proc", "p.oid")
		" ORDER BY p.proname, p.oid"},
	{"domain", "DROP DOMAIN", false,
		"SELECT 'domain'::pg_catalog.text, t.typname::pg_catalog.text,"
		" pg_catalog.format('%I.%I', n.nspname, t.typname)"
		IN_SCHEMA("pg_type", "t", "typnamespace")
		" AND t.typtype OPERATOR(pg_catalog.=) 'd'"
		NOT_PART_OF("pg_type", "t.oid")
		" ORDER BY t.typname"},
	/* enums, composite, range, base and shell types */
	{"type", "DROP TYPE", false,
		"SELECT 'type'::pg_catalog.text, t.typname::pg_catalog.text,"
		" pg_catalog.format('%I.%I', n.nspname, t.typname)"
		IN_SCHEMA("pg_type", "t", "typnamespace")
		" AND t.typtype OPERATOR(pg_catalog.<>) 'd'"
		NOT_PART_OF("pg_type", "t.oid")
		" ORDER BY t.typname"},
	{"sequence", "DROP SEQUENCE", false, RELATIONS("sequence", "{S}", "")},
	{"collation", "DROP COLLATION", false,
		NAMED("collation", "pg_collation", "co", "collname", "collnamespace")},
	{"text search configuration", "DROP TEXT SEARCH CONFIGURATION", false,
		NAMED("text search configuration", "pg_ts_config", "cf", "cfgname", "cfgnamespace")},
	{"text search dictionary", "DROP TEXT SEARCH DICTIONARY", false,
		NAMED("text search dictionary", "pg_ts_dict", "dc", "dictname", "dictnamespace")},

	/*
	 * An operator's name is made of operator characters only (no quote, no
	 * space, no semicolon): it is written as it is.
	 */
	{"operator", "DROP OPERATOR", false,
		"SELECT 'operator'::pg_catalog.text,"
		" pg_catalog.format('%s(%s, %s)', o.oprname,"
		"  CASE WHEN o.oprleft OPERATOR(pg_catalog.=) 0 THEN 'NONE'"
		"  ELSE pg_catalog.format_type(o.oprleft, NULL) END,"
		"  CASE WHEN o.oprright OPERATOR(pg_catalog.=) 0 THEN 'NONE'"
		"  ELSE pg_catalog.format_type(o.oprright, NULL) END),"
		" pg_catalog.format('%I.%s (%s, %s)', n.nspname, o.oprname,"
		"  COALESCE(" QUALIFIED_TYPE("o.oprleft") ", 'NONE'),"
		"  COALESCE(" QUALIFIED_TYPE("o.oprright") ", 'NONE'))"
		IN_SCHEMA("pg_operator", "o", "oprnamespace")
		NOT_PART_OF("pg_operator", "o.oid")
		" ORDER BY o.oprname, o.oid"},
	/* with their operator classes */
	{"operator family", "DROP OPERATOR FAMILY", true,
		"SELECT 'operator family'::pg_catalog.text,"
		" pg_catalog.format('%s USING %s', f.opfname, " ACCESS_METHOD("f.opfmethod") "),"
		" pg_catalog.format('%I.%I USING %I', n.nspname, f.opfname, " ACCESS_METHOD("f.opfmethod") ")"
		IN_SCHEMA("pg_opfamily", "f", "opfnamespace")
		NOT_PART_OF("pg_opfamily", "f.oid")
		" ORDER BY f.opfname, f.oid"},
	{"conversion", "DROP CONVERSION", false,
		NAMED("conversion", "pg_conversion", "cv", "conname", "connamespace")},
	{"statistics", "DROP STATISTICS", false,
		NAMED("statistics", "pg_statistic_ext", "sx", "stxname", "stxnamespace")},
};

const CleanKind *
clean_sql_kinds(int *count)
{
	*count = lengthof(clean_kinds);
	return clean_kinds;
}

char *
clean_sql_drop(const CleanKind *kind, char *const *targets, int ntargets)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoString(&buf, kind->drop);
	for (int i = 0; i < ntargets; i++)
	{
		CHECK_FOR_INTERRUPTS();
		appendStringInfo(&buf, "%s %s", i ? "," : "", targets[i]);
	}
	appendStringInfoString(&buf, " CASCADE");
	return buf.data;
}

const char *
clean_sql_schema_state(void)
{
	return "SELECT n.oid IS NOT NULL,"
		" COALESCE(pg_catalog.pg_has_role(n.nspowner, 'USAGE')"
		"  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension e"
		"   WHERE e.extnamespace OPERATOR(pg_catalog.=) n.oid)"
		"  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d,"
		"   LATERAL pg_catalog.pg_identify_object(d.classid, d.objid, d.objsubid) o"
		"   WHERE d.deptype OPERATOR(pg_catalog.=) 'e'"
		"   AND o.schema OPERATOR(pg_catalog.=) n.nspname::pg_catalog.text), false)"
		" FROM (SELECT $1::pg_catalog.name AS nspname) q"
		" LEFT JOIN pg_catalog.pg_namespace n ON n.nspname OPERATOR(pg_catalog.=) q.nspname";
}

char *
clean_sql_drop_schema(const char *schema)
{
	return psprintf("DROP SCHEMA %s CASCADE", history_quote_ident(schema));
}

const char *
clean_sql_extensions(void)
{
	return "SELECT COALESCE((SELECT pg_catalog.string_agg(pg_catalog.quote_ident(e.extname), ', '"
		"  ORDER BY e.extname) FROM pg_catalog.pg_extension e), 'none'),"
		" (SELECT pg_catalog.count(*) FROM pg_catalog.pg_depend d"
		"  WHERE d.deptype OPERATOR(pg_catalog.=) 'e')::pg_catalog.text";
}

/* One "name" of the marker, its doubled quotes undone; NULL when malformed. */
static const char *
parse_quoted(const char *p, StringInfo name)
{
	if (*p != '"')
		return NULL;
	for (p++;; p++)
	{
		CHECK_FOR_INTERRUPTS();
		if (*p == '\0')
			return NULL;
		if (*p == '"')
		{
			if (p[1] != '"')
				return p + 1;
			p++;
		}
		appendStringInfoChar(name, *p);
	}
}

bool
clean_parse_schemas_marker(const char *script, char ***schemas, int *nschemas)
{
	const char *p = script;
	int			size = 4;

	*schemas = palloc(sizeof(char *) * size);
	*nschemas = 0;
	if (p == NULL || *p == '\0')
		return false;
	for (;;)
	{
		StringInfoData name;

		CHECK_FOR_INTERRUPTS();
		initStringInfo(&name);
		p = parse_quoted(p, &name);
		if (p == NULL || name.len == 0)
			return false;
		if (*nschemas == size)
		{
			size *= 2;
			*schemas = repalloc(*schemas, sizeof(char *) * size);
		}
		(*schemas)[(*nschemas)++] = name.data;
		if (*p == '\0')
			return true;
		if (*p != ',')
			return false;
		p++;
	}
}
