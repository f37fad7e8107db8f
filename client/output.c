/*-------------------------------------------------------------------------
 *
 * output.c
 *	  What the pg_migrate command prints for each command (see output.h).
 *
 * The engine reports through sinks (engine.h): this file collects what a
 * command reports, prints progress on stderr as it comes (a line per
 * migration applied, with its time), and at the end prints the summary
 * line, the info table or the plan (text), or Flyway's JSON result.
 *
 * JSON shapes are Flyway's (flyway-core api/output): MigrateResult,
 * InfoResult, ValidateResult, BaselineResult, RepairResult, UndoResult,
 * CleanResult, each with flywayVersion, database, warnings and operation.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <time.h>

#include "output.h"
#include "report.h"

typedef struct PlannedStatement
{
	int			seq;
	char	   *script;
	int			line;
	char	   *statement;
} PlannedStatement;

typedef struct CleanedObject
{
	char	   *schema;
	char	   *object_type;
	char	   *name;
} CleanedObject;

typedef struct RepairDone
{
	char	   *action;
	char	   *version;
	char	   *description;
	char	   *script;
} RepairDone;

#define GROW(array, count, size) \
	do { \
		if ((count) == (size)) \
		{ \
			(size) = (size) ? (size) * 2 : 32; \
			(array) = (array) ? repalloc((array), sizeof(*(array)) * (size)) : \
				palloc(sizeof(*(array)) * (size)); \
		} \
	} while (0)

struct CommandOutput
{
	const OutputSettings *s;
	const char *command;
	Engine	   *engine;
	struct timespec started;

	AppliedResult *applied;		/* migrate, undo: the scripts done */
	int			napplied;
	int			applied_size;
	char	   *initial_version;	/* schema version before the first one ran */
	bool		initial_known;

	InfoRow    *rows;			/* info */
	int			nrows;
	int			rows_size;

	bool		baselined;
	char	   *baseline_version;
	char	   *baseline_description;

	RepairDone *repairs;
	int			nrepairs;
	int			repairs_size;

	PlannedStatement *planned;
	int			nplanned;
	int			planned_size;

	char	  **warnings;
	int			nwarnings;
	int			warnings_size;

	int			validated;		/* validate: migrations validated */

	CleanedObject *cleaned;		/* clean: the objects dropped */
	int			ncleaned;
	int			cleaned_size;
	char	  **schemas_cleaned;	/* clean: Flyway's two lists */
	int			nschemas_cleaned;
	int			schemas_cleaned_size;
	char	  **schemas_dropped;
	int			nschemas_dropped;
	int			schemas_dropped_size;

	const MigrationVersion **undo_versions; /* info: of the undo scripts, sorted */
	int			nundo;
};

static char *
copy_or_null(const char *s)
{
	return s ? pstrdup(s) : NULL;
}

static long
elapsed_ms(const CommandOutput *co)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - co->started.tv_sec) * 1000L +
		(now.tv_nsec - co->started.tv_nsec) / 1000000L;
}

/* Flyway's "00:00.035s" */
static char *
execution_time_text(long ms)
{
	return psprintf("%02ld:%02ld.%03lds", ms / 60000, (ms / 1000) % 60, ms % 1000);
}

static const char *
schema_name(const CommandOutput *co)
{
	return co->engine->history.schema ? co->engine->history.schema : "";
}

static const char *
current_version(const Engine *engine)
{
	return engine->plan && engine->plan->current_version ? engine->plan->current_version : NULL;
}

/* ----------------------------------------------------------------
 *		Sinks
 * ---------------------------------------------------------------- */

static void
print_applied_line(CommandOutput *co, const AppliedResult *r)
{
	FILE	   *f = co->s->err;
	const char *schema = schema_name(co);
	const char *description = report_mask(co->s, r->description);

	if (strcmp(co->command, "undo") == 0)
		fprintf(f, "Undid migration of schema \"%s\" to version \"%s - %s\" (%d ms)\n",
				schema, r->version ? r->version : "", description, r->execution_time);
	else if (r->version != NULL)
		fprintf(f, "Migrated schema \"%s\" to version \"%s - %s\" (%d ms)\n",
				schema, r->version, description, r->execution_time);
	else
		fprintf(f, "Migrated schema \"%s\" with repeatable migration \"%s\" (%d ms)\n",
				schema, description, r->execution_time);
	fflush(f);
}

static void
sink_applied(const AppliedResult *result, void *arg)
{
	CommandOutput *co = arg;
	AppliedResult *copy;

	if (!co->initial_known)
	{
		co->initial_version = copy_or_null(current_version(co->engine));
		co->initial_known = true;
	}
	if (result->starting)
		return;
	GROW(co->applied, co->napplied, co->applied_size);
	copy = &co->applied[co->napplied++];
	*copy = *result;
	copy->version = copy_or_null(result->version);
	copy->description = copy_or_null(result->description);
	copy->type = copy_or_null(result->type);
	copy->script = copy_or_null(result->script);
	copy->state = copy_or_null(result->state);
	if (!co->s->json && !co->s->quiet)
		print_applied_line(co, copy);
}

static void
sink_info(const InfoRow *row, void *arg)
{
	CommandOutput *co = arg;
	InfoRow    *copy;

	/* Flyway's info table hides undo scripts: its Undoable column shows them */
	if (!row->applied && row->category != NULL && strcmp(row->category, "Undo") == 0)
		return;
	GROW(co->rows, co->nrows, co->rows_size);
	copy = &co->rows[co->nrows++];
	*copy = *row;
	copy->category = copy_or_null(row->category);
	copy->version = copy_or_null(row->version);
	copy->description = copy_or_null(row->description);
	copy->type = copy_or_null(row->type);
	copy->script = copy_or_null(row->script);
	copy->installed_on = copy_or_null(row->installed_on);
	copy->installed_by = copy_or_null(row->installed_by);
	copy->state = copy_or_null(row->state);
}

static void
sink_baselined(int rank, const char *version, const char *description, void *arg)
{
	CommandOutput *co = arg;

	co->baselined = true;
	co->baseline_version = copy_or_null(version);
	co->baseline_description = copy_or_null(description);
}

static void
sink_repaired(const char *action, const AppliedRow *row, void *arg)
{
	CommandOutput *co = arg;
	RepairDone *r;

	GROW(co->repairs, co->nrepairs, co->repairs_size);
	r = &co->repairs[co->nrepairs++];
	r->action = copy_or_null(action);
	r->version = copy_or_null(row ? row->version : NULL);
	r->description = copy_or_null(row ? row->description : NULL);
	r->script = copy_or_null(row ? row->script : NULL);
	if (!co->s->json && !co->s->quiet)
	{
		fprintf(co->s->err, "Repair: %s %s%s%s\n", action,
				r->version ? r->version : "", r->version ? " " : "",
				report_mask(co->s, r->script ? r->script : r->description ? r->description : ""));
		fflush(co->s->err);
	}
}

static void
sink_planned(int seq, const char *script, int line, const char *statement, void *arg)
{
	CommandOutput *co = arg;
	PlannedStatement *p;

	GROW(co->planned, co->nplanned, co->planned_size);
	p = &co->planned[co->nplanned++];
	p->seq = seq;
	p->script = copy_or_null(script);
	p->line = line;
	p->statement = copy_or_null(statement);
}

static void
sink_cleaned(const char *schema, const char *object_type, const char *name, void *arg)
{
	CommandOutput *co = arg;
	CleanedObject *c;

	GROW(co->cleaned, co->ncleaned, co->cleaned_size);
	c = &co->cleaned[co->ncleaned++];
	c->schema = pstrdup(schema);
	c->object_type = pstrdup(object_type);
	c->name = pstrdup(name);
}

static void
sink_schema_cleaned(const char *schema, bool dropped, void *arg)
{
	CommandOutput *co = arg;

	if (dropped)
	{
		GROW(co->schemas_dropped, co->nschemas_dropped, co->schemas_dropped_size);
		co->schemas_dropped[co->nschemas_dropped++] = pstrdup(schema);
	}
	else
	{
		GROW(co->schemas_cleaned, co->nschemas_cleaned, co->schemas_cleaned_size);
		co->schemas_cleaned[co->nschemas_cleaned++] = pstrdup(schema);
	}
}

/*
 * The engine's notice of each script done ("applied V1__x.sql", "undid
 * version 2 with U2__x.sql") says what the applied line (from the applied
 * sink, with its time) says already.
 */
static bool
is_progress_notice(EngineNoticeLevel level, const char *message)
{
	return level == ENGINE_NOTICE &&
		(strncmp(message, "applied ", 8) == 0 || strncmp(message, "undid version ", 14) == 0);
}

static void
sink_notice(EngineNoticeLevel level, const char *message, const char *detail, const char *hint,
			void *arg)
{
	CommandOutput *co = arg;

	if (is_progress_notice(level, message))
		return;

	if (level == ENGINE_WARNING)
	{
		GROW(co->warnings, co->nwarnings, co->warnings_size);
		co->warnings[co->nwarnings++] = pstrdup(report_mask(co->s, message));
	}
	if (co->s->quiet && level != ENGINE_WARNING)
		return;
	fprintf(co->s->err, "%s: %s\n", level == ENGINE_WARNING ? "WARNING" : "NOTICE",
			report_mask(co->s, message));
	if (detail)
		fprintf(co->s->err, "DETAIL: %s\n", report_mask(co->s, detail));
	if (hint)
		fprintf(co->s->err, "HINT: %s\n", report_mask(co->s, hint));
	fflush(co->s->err);
}

void
output_server_notice(void *arg, const PGresult *res)
{
	const OutputSettings *settings = arg;
	const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY);
	const char *message = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);

	if (settings->quiet || message == NULL)
		return;
	fprintf(settings->err, "%s: %s\n", severity ? severity : "NOTICE", report_mask(settings, message));
	if (detail)
		fprintf(settings->err, "DETAIL: %s\n", report_mask(settings, detail));
	fflush(settings->err);
}

CommandOutput *
output_begin(const OutputSettings *settings, const char *command, Engine *engine,
			 EngineSinks *sinks)
{
	CommandOutput *co = palloc0(sizeof(CommandOutput));

	co->s = settings;
	co->command = command;
	co->engine = engine;
	clock_gettime(CLOCK_MONOTONIC, &co->started);
	memset(sinks, 0, sizeof(*sinks));
	sinks->applied = sink_applied;
	sinks->info = sink_info;
	sinks->baselined = sink_baselined;
	sinks->repaired = sink_repaired;
	sinks->planned = sink_planned;
	sinks->notice = sink_notice;
	sinks->cleaned = sink_cleaned;
	sinks->schema_cleaned = sink_schema_cleaned;
	sinks->arg = co;
	return co;
}

/* ----------------------------------------------------------------
 *		Text
 * ---------------------------------------------------------------- */

/* Characters (not bytes) of a UTF-8 text: the table's columns line up. */
static int
display_width(const char *s)
{
	int			n = 0;

	for (; s && *s; s++)
		if (((unsigned char) *s & 0xC0) != 0x80)
			n++;
	return n;
}

#define INFO_COLUMNS 7

static const char *const info_headers[INFO_COLUMNS] = {
	"Category", "Version", "Description", "Type", "Installed On", "State", "Undoable"
};

static int
compare_versions(const void *a, const void *b)
{
	return version_compare(*(const MigrationVersion *const *) a,
						   *(const MigrationVersion *const *) b);
}

/*
 * The versions of the undo scripts found, sorted, so that each info row
 * finds its undo script by binary search (a scan of every script per row
 * cost info 90 ms over 10000 migrations).
 */
static void
index_undo_scripts(CommandOutput *co)
{
	const FoundScripts *found = &co->engine->scripts;

	co->undo_versions = palloc(sizeof(MigrationVersion *) * (found->nscripts + 1));
	co->nundo = 0;
	for (int i = 0; i < found->nscripts; i++)
		if (found->scripts[i]->kind == SCRIPT_UNDO)
			co->undo_versions[co->nundo++] = &found->scripts[i]->version;
	if (co->nundo > 1)
		qsort(co->undo_versions, co->nundo, sizeof(MigrationVersion *), compare_versions);
}

/* Whether an undo script exists for a versioned migration ("Yes"/"No"). */
static const char *
undoable(const CommandOutput *co, const InfoRow *row)
{
	MigrationVersion v;
	const MigrationVersion *key = &v;
	char	   *why = NULL;

	if (row->category == NULL || strcmp(row->category, "Versioned") != 0 || row->version == NULL)
		return "";
	if (!version_parse(row->version, &v, &why))
		return "No";
	if (co->nundo > 0 && bsearch(&key, co->undo_versions, co->nundo, sizeof(MigrationVersion *),
								 compare_versions) != NULL)
		return "Yes";
	return "No";
}

static void
info_cells(const CommandOutput *co, const InfoRow *row, const char **cells)
{
	cells[0] = row->category ? row->category : "";
	cells[1] = row->version ? row->version : "";
	cells[2] = report_mask(co->s, row->description ? row->description : "");
	cells[3] = row->type ? row->type : "";
	cells[4] = row->installed_on ? pnstrdup(row->installed_on, 19) : "";
	cells[5] = row->state ? row->state : "";
	cells[6] = undoable(co, row);
}

static void
print_rule(FILE *f, const int *widths)
{
	for (int c = 0; c < INFO_COLUMNS; c++)
	{
		fputc('+', f);
		for (int i = 0; i < widths[c] + 2; i++)
			fputc('-', f);
	}
	fputs("+\n", f);
}

static void
print_cells(FILE *f, const int *widths, const char *const *cells)
{
	for (int c = 0; c < INFO_COLUMNS; c++)
		fprintf(f, "| %s%*s ", cells[c], widths[c] - display_width(cells[c]), "");
	fputs("|\n", f);
}

/* Flyway's info: the schema version, then the table. */
static void
print_info_table(const CommandOutput *co)
{
	FILE	   *f = co->s->out;
	int			widths[INFO_COLUMNS];
	const char **cells = palloc(sizeof(char *) * INFO_COLUMNS * (co->nrows + 1));

	fprintf(f, "Schema version: %s\n\n",
			current_version(co->engine) ? current_version(co->engine) : "<< Empty Schema >>");
	for (int c = 0; c < INFO_COLUMNS; c++)
		widths[c] = display_width(info_headers[c]);
	for (int r = 0; r < co->nrows; r++)
	{
		info_cells(co, &co->rows[r], &cells[r * INFO_COLUMNS]);
		for (int c = 0; c < INFO_COLUMNS; c++)
			widths[c] = Max(widths[c], display_width(cells[r * INFO_COLUMNS + c]));
	}
	print_rule(f, widths);
	print_cells(f, widths, info_headers);
	print_rule(f, widths);
	if (co->nrows == 0)
	{
		int			total = -3;

		for (int c = 0; c < INFO_COLUMNS; c++)
			total += widths[c] + 3;
		fprintf(f, "| %-*s |\n", total, "No migrations found");
	}
	for (int r = 0; r < co->nrows; r++)
		print_cells(f, widths, &cells[r * INFO_COLUMNS]);
	print_rule(f, widths);
	fflush(f);
}

/*
 * The dry run: each statement with where it comes from, as a runnable
 * listing.  The engine masked the secrets in the scripts' statements
 * already (recording.c), as migrate_plan() shows them: masked again here,
 * a secret that is also a word of pg_migrate's own statements ("true")
 * would hide it there too.
 */
static void
print_plan(const CommandOutput *co)
{
	FILE	   *f = co->s->out;

	for (int i = 0; i < co->nplanned; i++)
	{
		const PlannedStatement *p = &co->planned[i];

		if (p->script && p->line > 0)
			fprintf(f, "-- %d: %s line %d\n", p->seq, p->script, p->line);
		else if (p->script)
			fprintf(f, "-- %d: %s\n", p->seq, p->script);
		else
			fprintf(f, "-- %d: (pg_migrate)\n", p->seq);
		fprintf(f, "%s;\n", p->statement ? p->statement : "");
	}
	fflush(f);
}

static const char *
final_version(const CommandOutput *co)
{
	const char *version = co->initial_known ? co->initial_version : current_version(co->engine);

	for (int i = 0; i < co->napplied; i++)
		if (co->applied[i].version != NULL && strcmp(co->command, "migrate") == 0)
			version = co->applied[i].version;
	return version;
}

/* Flyway's lines: each schema cleaned (with how many objects) or dropped. */
static void
print_clean_summary(const CommandOutput *co, const char *took)
{
	FILE	   *f = co->s->err;

	for (int i = 0; i < co->nschemas_cleaned; i++)
	{
		int			objects = 0;

		for (int j = 0; j < co->ncleaned; j++)
			if (strcmp(co->cleaned[j].schema, co->schemas_cleaned[i]) == 0)
				objects++;
		fprintf(f, "Successfully cleaned schema \"%s\" (%d object%s dropped)\n",
				co->schemas_cleaned[i], objects, objects == 1 ? "" : "s");
	}
	for (int i = 0; i < co->nschemas_dropped; i++)
		fprintf(f, "Successfully dropped schema \"%s\"\n", co->schemas_dropped[i]);
	fprintf(f, "Successfully cleaned %d schema%s (execution time %s)\n",
			co->nschemas_cleaned + co->nschemas_dropped,
			co->nschemas_cleaned + co->nschemas_dropped == 1 ? "" : "s", took);
}

static void
print_summary(const CommandOutput *co)
{
	FILE	   *f = co->s->err;
	char	   *took = execution_time_text(elapsed_ms(co));
	const char *schema = schema_name(co);

	if (strcmp(co->command, "migrate") == 0)
	{
		if (co->napplied == 0)
			fprintf(f, "Schema \"%s\" is up to date. No migration necessary.\n", schema);
		else
			fprintf(f, "Successfully applied %d migration%s to schema \"%s\", now at version v%s (execution time %s)\n",
					co->napplied, co->napplied == 1 ? "" : "s", schema,
					final_version(co) ? final_version(co) : "<< Empty Schema >>", took);
	}
	else if (strcmp(co->command, "undo") == 0)
		fprintf(f, "Successfully undid %d migration%s of schema \"%s\" (execution time %s)\n",
				co->napplied, co->napplied == 1 ? "" : "s", schema, took);
	else if (strcmp(co->command, "validate") == 0)
		fprintf(f, "Successfully validated %d migration%s (execution time %s)\n",
				co->validated, co->validated == 1 ? "" : "s", took);
	else if (strcmp(co->command, "baseline") == 0)
		fprintf(f, "Successfully baselined schema \"%s\" with version: %s\n", schema,
				co->baseline_version ? co->baseline_version : "");
	else if (strcmp(co->command, "repair") == 0)
		fprintf(f, "Successfully repaired schema history table %s (execution time %s)%s\n",
				co->engine->history.qualified ? co->engine->history.qualified : "", took,
				co->nrepairs == 0 ? ": nothing to repair" : "");
	else if (strcmp(co->command, "clean") == 0)
		print_clean_summary(co, took);
	fflush(f);
}

/* ----------------------------------------------------------------
 *		JSON
 * ---------------------------------------------------------------- */

static void
add_string_or_null(cJSON *object, const char *name, const char *value)
{
	if (value != NULL)
		cJSON_AddStringToObject(object, name, value);
	else
		cJSON_AddNullToObject(object, name);
}

/* The file a script was read from, for Flyway's "filepath". */
static const char *
script_filepath(const CommandOutput *co, const char *script)
{
	const FoundScripts *found = &co->engine->scripts;

	if (script == NULL)
		return NULL;
	for (int i = 0; i < found->nscripts; i++)
		if (strcmp(found->scripts[i]->script, script) == 0)
			return found->scripts[i]->path;
	return NULL;
}

static cJSON *
common_result(const CommandOutput *co, const char *operation)
{
	cJSON	   *root = cJSON_CreateObject();
	cJSON	   *warnings;

	cJSON_AddStringToObject(root, "flywayVersion", PG_MIGRATE_VERSION);
	add_string_or_null(root, "database", co->s->database);
	warnings = cJSON_AddArrayToObject(root, "warnings");
	for (int i = 0; i < co->nwarnings; i++)
		cJSON_AddItemToArray(warnings, cJSON_CreateString(co->warnings[i]));
	cJSON_AddStringToObject(root, "operation", operation);
	return root;
}

static const char *
category_of(const AppliedResult *r)
{
	if (r->type && strcmp(r->type, "UNDO_SQL") == 0)
		return "Undo";
	return r->version ? "Versioned" : "Repeatable";
}

static cJSON *
applied_json(const CommandOutput *co)
{
	cJSON	   *list = cJSON_CreateArray();

	for (int i = 0; i < co->napplied; i++)
	{
		const AppliedResult *r = &co->applied[i];
		cJSON	   *m = cJSON_CreateObject();

		cJSON_AddStringToObject(m, "category", category_of(r));
		cJSON_AddStringToObject(m, "version", r->version ? r->version : "");
		cJSON_AddStringToObject(m, "description", report_mask(co->s, r->description ? r->description : ""));
		cJSON_AddStringToObject(m, "type", r->type ? r->type : "SQL");
		add_string_or_null(m, "filepath", script_filepath(co, r->script));
		cJSON_AddNumberToObject(m, "executionTime", r->execution_time);
		cJSON_AddItemToArray(list, m);
	}
	return list;
}

static cJSON *
migrate_json(const CommandOutput *co)
{
	cJSON	   *root = common_result(co, co->command);
	bool		undo = strcmp(co->command, "undo") == 0;
	const char *initial = co->initial_known ? co->initial_version : current_version(co->engine);

	add_string_or_null(root, "initialSchemaVersion", initial);
	add_string_or_null(root, "targetSchemaVersion", undo ? NULL : final_version(co));
	cJSON_AddStringToObject(root, "schemaName", schema_name(co));
	cJSON_AddItemToObject(root, undo ? "undoneMigrations" : "migrations", applied_json(co));
	cJSON_AddNumberToObject(root, undo ? "migrationsUndone" : "migrationsExecuted", co->napplied);
	cJSON_AddBoolToObject(root, "success", true);
	return root;
}

static cJSON *
info_json(const CommandOutput *co)
{
	cJSON	   *root = common_result(co, "info");
	cJSON	   *list;

	add_string_or_null(root, "schemaVersion", current_version(co->engine));
	cJSON_AddStringToObject(root, "schemaName", schema_name(co));
	list = cJSON_AddArrayToObject(root, "migrations");
	for (int i = 0; i < co->nrows; i++)
	{
		const InfoRow *row = &co->rows[i];
		cJSON	   *m = cJSON_CreateObject();
		const AppliedRow *applied = NULL;

		/* the history row (for installedRank) of an applied entry */
		if (co->engine->plan && i < co->engine->plan->nentries)
			applied = co->engine->plan->entries[i].applied;
		cJSON_AddStringToObject(m, "category", row->category ? row->category : "");
		cJSON_AddStringToObject(m, "version", row->version ? row->version : "");
		cJSON_AddStringToObject(m, "description", report_mask(co->s, row->description ? row->description : ""));
		cJSON_AddStringToObject(m, "type", row->type ? row->type : "");
		cJSON_AddStringToObject(m, "installedOnUTC", row->installed_on ? row->installed_on : "");
		cJSON_AddStringToObject(m, "state", row->state ? row->state : "");
		cJSON_AddStringToObject(m, "undoable", undoable(co, row));
		cJSON_AddStringToObject(m, "filepath", script_filepath(co, row->script) ?
								script_filepath(co, row->script) : "");
		cJSON_AddStringToObject(m, "installedBy", row->installed_by ? row->installed_by : "");
		if (applied != NULL && row->applied)
			cJSON_AddNumberToObject(m, "installedRank", applied->installed_rank);
		else
			cJSON_AddStringToObject(m, "installedRank", "");
		cJSON_AddNumberToObject(m, "executionTime", row->execution_time);
		cJSON_AddItemToArray(list, m);
	}
	return root;
}

/*
 * Which of Flyway's RepairResult lists an action goes to: removed (a
 * failed row deleted), deleted (a missing migration marked deleted) or
 * aligned (description, type, checksum realigned to the file).
 */
static int
repair_list(const char *action)
{
	if (strstr(action, "align") != NULL)
		return 2;
	if (strstr(action, "mark") != NULL || strstr(action, "missing") != NULL)
		return 1;
	return 0;
}

static cJSON *
repair_json(const CommandOutput *co)
{
	cJSON	   *root = common_result(co, "repair");
	cJSON	   *actions = cJSON_AddArrayToObject(root, "repairActions");
	static const char *const names[3] = {"migrationsRemoved", "migrationsDeleted", "migrationsAligned"};
	cJSON	   *lists[3];

	for (int k = 0; k < 3; k++)
		lists[k] = cJSON_CreateArray();
	for (int i = 0; i < co->nrepairs; i++)
	{
		const RepairDone *r = &co->repairs[i];
		cJSON	   *m = cJSON_CreateObject();

		add_string_or_null(m, "version", r->version);
		add_string_or_null(m, "description", report_mask(co->s, r->description));
		add_string_or_null(m, "filepath", r->script);
		cJSON_AddItemToArray(lists[repair_list(r->action)], m);
		cJSON_AddItemToArray(actions, cJSON_CreateString(r->action));
	}
	for (int k = 0; k < 3; k++)
		cJSON_AddItemToObject(root, names[k], lists[k]);
	return root;
}

static cJSON *
plan_json(const CommandOutput *co)
{
	cJSON	   *root = common_result(co, "plan");
	cJSON	   *list = cJSON_AddArrayToObject(root, "statements");

	cJSON_AddStringToObject(root, "schemaName", schema_name(co));
	for (int i = 0; i < co->nplanned; i++)
	{
		const PlannedStatement *p = &co->planned[i];
		cJSON	   *s = cJSON_CreateObject();

		cJSON_AddNumberToObject(s, "seq", p->seq);
		add_string_or_null(s, "script", p->script);
		cJSON_AddNumberToObject(s, "line", p->line);
		/* masked by the engine already, as in print_plan() */
		cJSON_AddStringToObject(s, "statement", p->statement ? p->statement : "");
		cJSON_AddItemToArray(list, s);
	}
	return root;
}

static cJSON *
string_array(char *const *items, int count)
{
	cJSON	   *list = cJSON_CreateArray();

	for (int i = 0; i < count; i++)
		cJSON_AddItemToArray(list, cJSON_CreateString(items[i]));
	return list;
}

/* Flyway's CleanResult, with the objects dropped (pg_migrate's addition). */
static cJSON *
clean_json(const CommandOutput *co)
{
	cJSON	   *root = common_result(co, "clean");
	cJSON	   *list;

	cJSON_AddItemToObject(root, "schemasCleaned",
						  string_array(co->schemas_cleaned, co->nschemas_cleaned));
	cJSON_AddItemToObject(root, "schemasDropped",
						  string_array(co->schemas_dropped, co->nschemas_dropped));
	list = cJSON_AddArrayToObject(root, "objectsDropped");
	for (int i = 0; i < co->ncleaned; i++)
	{
		cJSON	   *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "schema", co->cleaned[i].schema);
		cJSON_AddStringToObject(o, "objectType", co->cleaned[i].object_type);
		cJSON_AddStringToObject(o, "name", co->cleaned[i].name);
		cJSON_AddItemToArray(list, o);
	}
	return root;
}

static cJSON *
command_json(const CommandOutput *co)
{
	cJSON	   *root;

	if (strcmp(co->command, "migrate") == 0 || strcmp(co->command, "undo") == 0)
		return migrate_json(co);
	if (strcmp(co->command, "info") == 0)
		return info_json(co);
	if (strcmp(co->command, "repair") == 0)
		return repair_json(co);
	if (strcmp(co->command, "plan") == 0)
		return plan_json(co);
	if (strcmp(co->command, "clean") == 0)
		return clean_json(co);
	root = common_result(co, co->command);
	cJSON_AddStringToObject(root, "schemaName", schema_name(co));
	if (strcmp(co->command, "validate") == 0)
	{
		cJSON_AddBoolToObject(root, "validationSuccessful", true);
		cJSON_AddArrayToObject(root, "invalidMigrations");
		cJSON_AddNumberToObject(root, "validationCount", co->validated);
	}
	else if (strcmp(co->command, "baseline") == 0)
	{
		cJSON_AddBoolToObject(root, "successfullyBaselined", co->baselined);
		add_string_or_null(root, "baselineVersion", co->baseline_version);
	}
	return root;
}

void
output_validated(CommandOutput *co, int count)
{
	co->validated = count;
}

void
output_success(CommandOutput *co)
{
	if (strcmp(co->command, "info") == 0)
		index_undo_scripts(co);
	if (co->s->json)
	{
		report_print_json(co->s, command_json(co));
		return;
	}
	if (strcmp(co->command, "info") == 0)
		print_info_table(co);
	else if (strcmp(co->command, "plan") == 0)
		print_plan(co);
	else if (!co->s->quiet)
		print_summary(co);
}

void
output_failure(CommandOutput *co, const MigrateError *err)
{
	if (co->s->json)
		report_print_json(co->s, report_error_json(co->s, err,
												   report_error_code(err, co->engine)));
	else
		report_error_text(co->s, err);
}
