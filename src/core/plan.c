/*-------------------------------------------------------------------------
 *
 * plan.c
 *	  Flyway's view of a database: the state of every script and history
 *	  row (info), validation, what migrate would apply, what repair would do.
 *
 * This follows Flyway's classic engine (community edition, plus the rows
 * the paid edition's undo writes): MigrationInfoServiceImpl.refresh,
 * MigrationInfoImpl.getState/validate/compareTo, ResolvedMigration.getState,
 * BaselineResolvedMigration.getState, BaseAppliedMigration.getState,
 * DbRepair and CompositeMigrationResolver.checkForIncompatibilities.  The
 * rules are restated in our words in the comments below; no Flyway code is
 * copied.
 *
 * Everything is sort-and-merge: scripts and rows are sorted once and
 * matched by binary search or by walking groups, so a plan of n scripts
 * and m rows costs O((n + m) log(n + m)); the loops over them check for
 * interrupts (interrupts.h).
 *
 * Pure logic: no I/O, no ereport/elog; builds with -DFRONTEND.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include "interrupts.h"
#include "plan.h"

/* Flyway prints a NULL checksum as Java prints a null Integer. */
#define NULL_TEXT "null"

/* What Flyway stores instead of an empty description on some databases. */
#define NO_DESCRIPTION_MARKER "<< no description >>"

/* ----------------------------------------------------------------
 *		Names of states and types
 * ----------------------------------------------------------------
 */

const char *
state_name(MigrationState state)
{
	switch (state)
	{
		case STATE_PENDING:
			return "Pending";
		case STATE_ABOVE_TARGET:
			return "Above Target";
		case STATE_BELOW_BASELINE:
			return "Below Baseline";
		case STATE_BASELINE_IGNORED:
			return "Ignored (Baseline)";
		case STATE_BASELINE:
			return "Baseline";
		case STATE_IGNORED:
			return "Ignored";
		case STATE_MISSING_SUCCESS:
			return "Missing";
		case STATE_MISSING_FAILED:
			return "Failed (Missing)";
		case STATE_SUCCESS:
			return "Success";
		case STATE_UNDONE:
			return "Undone";
		case STATE_AVAILABLE:
			return "Available";
		case STATE_FAILED:
			return "Failed";
		case STATE_OUT_OF_ORDER:
			return "Out of Order";
		case STATE_FUTURE_SUCCESS:
			return "Future";
		case STATE_FUTURE_FAILED:
			return "Failed (Future)";
		case STATE_OUTDATED:
			return "Outdated";
		case STATE_SUPERSEDED:
			return "Superseded";
		case STATE_DELETED:
			return "Deleted";
	}
	return "Unknown";
}

static bool
type_is(const char *type, const char *name)
{
	return type != NULL && strcmp(type, name) == 0;
}

/* SCHEMA, BASELINE and DELETE rows are made up by Flyway, not by a script. */
static bool
type_is_synthetic(const char *type)
{
	return type_is(type, "SCHEMA") || type_is(type, "BASELINE") ||
		type_is(type, "DELETE");
}

/* The baseline marker and the baseline migrations (B scripts). */
static bool
type_is_baseline(const char *type)
{
	return type_is(type, "BASELINE") || type_is(type, "SQL_BASELINE") ||
		type_is(type, "SQL_STATE_SCRIPT") || type_is(type, "JDBC_BASELINE") ||
		type_is(type, "JDBC_STATE_SCRIPT");
}

/* Rows written by the paid edition's undo: UNDO_SQL, UNDO_JDBC, ... */
static bool
type_is_undo(const char *type)
{
	return type != NULL && strncmp(type, "UNDO_", 5) == 0;
}

/*
 * The kind of script a versioned row of this type can match, or -1 when no
 * script can (JDBC, CUSTOM, synthetic and unknown types).  SQL_STATE_SCRIPT
 * is the legacy name of SQL_BASELINE.
 */
static int
type_script_kind(const char *type)
{
	if (type_is(type, "SQL"))
		return SCRIPT_VERSIONED;
	if (type_is(type, "SQL_BASELINE") || type_is(type, "SQL_STATE_SCRIPT"))
		return SCRIPT_BASELINE;
	if (type_is(type, "UNDO_SQL"))
		return SCRIPT_UNDO;
	return -1;
}

/*
 * resolved_script_new
 *		What the server's locations.c and the command's script_source.c
 *		make of a script file, before its .conf file and its checksums.
 */
ResolvedScript *
resolved_script_new(const ScriptName *name, const char *script, const char *path)
{
	ResolvedScript *resolved = palloc0(sizeof(ResolvedScript));

	resolved->kind = name->kind;
	resolved->version = name->version;
	resolved->description = name->description;
	resolved->event = name->event;
	resolved->script = pstrdup(script);
	resolved->path = pstrdup(path);
	resolved->execute_in_transaction = -1;	/* no .conf file says otherwise */
	resolved->placeholder_replacement = -1;
	return resolved;
}

/* The type a script is recorded with in the history. */
const char *
script_type(const ResolvedScript *s)
{
	switch (s->kind)
	{
		case SCRIPT_BASELINE:
			return "SQL_BASELINE";
		case SCRIPT_UNDO:
			return "UNDO_SQL";
		default:
			return "SQL";
	}
}

static bool
script_is_versioned(const ResolvedScript *s)
{
	return s->kind == SCRIPT_VERSIONED || s->kind == SCRIPT_BASELINE ||
		s->kind == SCRIPT_UNDO;
}

/* Order of kinds that share a version: V, then B, then U. */
static int
kind_rank(ScriptKind kind)
{
	switch (kind)
	{
		case SCRIPT_VERSIONED:
			return 0;
		case SCRIPT_BASELINE:
			return 1;
		case SCRIPT_UNDO:
			return 2;
		default:
			return 3;
	}
}

/*
 * Version comparison where NULL is Flyway's EMPTY version ("<< Empty
 * Schema >>"), lower than every real version.
 */
static int
vcmp(const MigrationVersion *a, const MigrationVersion *b)
{
	if (a == NULL || b == NULL)
		return (a != NULL) - (b != NULL);
	return version_compare(a, b);
}

/*
 * Does the stored checksum match the script?  Flyway (checksumMatches):
 * equal to the script's checksum, or, for repeatables, to the checksum of
 * the raw text (before placeholder replacement).  A NULL stored checksum
 * counts as matching (see the report: Flyway 10 would call it a mismatch).
 */
static bool
checksum_matches(const AppliedRow *row, const ResolvedScript *s)
{
	if (row->checksum_null)
		return true;
	if (row->checksum == s->checksum)
		return true;
	return s->kind == SCRIPT_REPEATABLE && row->checksum == s->raw_checksum;
}

/* Description as it would be stored, compared with the stored one. */
static bool
description_matches(const AppliedRow *row, const ResolvedScript *s)
{
	char	   *abbreviated;
	bool		result;

	if (strcmp(row->description, NO_DESCRIPTION_MARKER) == 0)
		return s->description[0] == '\0';
	/* up to 200 bytes is up to 200 characters: nothing to abbreviate */
	if (strlen(s->description) <= 200)
		return strcmp(s->description, row->description) == 0;
	abbreviated = abbreviate_description(s->description);
	result = strcmp(abbreviated, row->description) == 0;
	pfree(abbreviated);
	return result;
}

/* ----------------------------------------------------------------
 *		Target
 * ----------------------------------------------------------------
 */

bool
plan_parse_target(const char *text, PlanOptions *opts, char **errmsg)
{
	size_t		len;
	char	   *copy;
	char	   *err = NULL;
	MigrationVersion v;

	opts->target_optional = false;
	memset(&opts->target, 0, sizeof(opts->target));
	if (text == NULL || pg_strcasecmp(text, "latest") == 0)
	{
		opts->target_kind = TARGET_LATEST;
		return true;
	}
	if (pg_strcasecmp(text, "current") == 0)
	{
		opts->target_kind = TARGET_CURRENT;
		return true;
	}
	if (pg_strcasecmp(text, "next") == 0)
	{
		opts->target_kind = TARGET_NEXT;
		return true;
	}

	len = strlen(text);
	copy = pstrdup(text);
	if (len > 0 && copy[len - 1] == '?')
	{
		copy[len - 1] = '\0';
		opts->target_optional = true;
	}
	if (!version_parse(copy, &v, &err))
	{
		opts->target_optional = false;
		opts->target_kind = TARGET_LATEST;
		if (errmsg)
			*errmsg = err ? err : pstrdup("not a version");
		pfree(copy);
		return false;
	}
	pfree(copy);
	opts->target_kind = TARGET_VERSION;
	opts->target = v;
	return true;
}

/* ----------------------------------------------------------------
 *		ignoreMigrationPatterns and cherryPick
 * ----------------------------------------------------------------
 */

const PlanWording plan_wording_server = {
	.apply = "call migrate_apply()",
	.repair = "call migrate_repair()",
	.ignore_patterns = "SET pg_migrate.ignore_migration_patterns = ",
	.out_of_order_on = "SET pg_migrate.out_of_order = on",
};

/* A comma-separated list, each entry trimmed of blanks; empty entries dropped. */
static char **
split_list(const char *text, int *count)
{
	char	  **items = palloc(sizeof(char *) * (strlen(text) / 2 + 2));
	const char *p = text;

	*count = 0;
	while (*p)
	{
		const char *end = strchr(p, ',');
		const char *stop = end ? end : p + strlen(p);
		const char *a = p;
		const char *b = stop;

		while (a < b && isspace((unsigned char) *a))
			a++;
		while (b > a && isspace((unsigned char) b[-1]))
			b--;
		if (b > a)
			items[(*count)++] = pnstrdup(a, b - a);
		p = end ? end + 1 : stop;
	}
	return items;
}

/* One "type:status" entry; false + *errmsg naming it when it is not one. */
static bool
parse_pattern(const char *text, IgnorePattern *pat, char **errmsg)
{
	const char *colon = strchr(text, ':');
	char	   *type;
	const char *status;

	if (colon == NULL || strchr(colon + 1, ':') != NULL)
	{
		*errmsg = psprintf("ignore pattern \"%s\" is not of the form type:status", text);
		return false;
	}
	type = pnstrdup(text, colon - text);
	status = colon + 1;
	if (strcmp(type, "*") == 0)
		pat->type = PATTERN_ANY_TYPE;
	else if (pg_strcasecmp(type, "versioned") == 0)
		pat->type = PATTERN_VERSIONED;
	else if (pg_strcasecmp(type, "repeatable") == 0)
		pat->type = PATTERN_REPEATABLE;
	else
	{
		*errmsg = psprintf("ignore pattern \"%s\" has an unknown type \"%s\": use *, versioned or repeatable",
						   text, type);
		return false;
	}
	pat->any_state = strcmp(status, "*") == 0;
	if (pat->any_state)
		pat->state = STATE_PENDING;
	else if (pg_strcasecmp(status, "missing") == 0)
		pat->state = STATE_MISSING_SUCCESS;
	else if (pg_strcasecmp(status, "pending") == 0)
		pat->state = STATE_PENDING;
	else if (pg_strcasecmp(status, "ignored") == 0)
		pat->state = STATE_IGNORED;
	else if (pg_strcasecmp(status, "future") == 0)
		pat->state = STATE_FUTURE_SUCCESS;
	else
	{
		*errmsg = psprintf("ignore pattern \"%s\" has an unknown status \"%s\": use *, missing, pending, ignored or future",
						   text, status);
		return false;
	}
	pfree(type);
	return true;
}

bool
plan_parse_ignore_patterns(const char *text, PlanOptions *opts, char **errmsg)
{
	char	  **items;
	int			n;

	opts->ignore_set = false;
	opts->ignore = NULL;
	opts->nignore = 0;
	if (text == NULL)
		return true;			/* Flyway's default, "*:future" */
	items = split_list(text, &n);
	opts->ignore = palloc(sizeof(IgnorePattern) * (n + 1));
	for (int i = 0; i < n; i++)
		if (!parse_pattern(items[i], &opts->ignore[i], errmsg))
		{
			opts->ignore = NULL;
			return false;
		}
	opts->nignore = n;
	opts->ignore_set = true;
	return true;
}

bool
plan_parse_cherry_pick(const char *text, PlanOptions *opts, char **errmsg)
{
	opts->cherry_pick = NULL;
	opts->ncherry_pick = 0;
	if (text == NULL)
		return true;
	opts->cherry_pick = split_list(text, &opts->ncherry_pick);
	(void) errmsg;
	return true;
}

static bool
pattern_matches(const IgnorePattern *pat, bool versioned, MigrationState state)
{
	if (pat->type == PATTERN_VERSIONED && !versioned)
		return false;
	if (pat->type == PATTERN_REPEATABLE && versioned)
		return false;
	return pat->any_state || pat->state == state;
}

bool
plan_state_ignored(const PlanOptions *opts, bool versioned, MigrationState state,
				   bool extra_pending)
{
	static const IgnorePattern future = {PATTERN_ANY_TYPE, false, STATE_FUTURE_SUCCESS};

	if (extra_pending && state == STATE_PENDING)
		return true;
	if (!opts->ignore_set)
		return pattern_matches(&future, versioned, state);
	for (int i = 0; i < opts->nignore; i++)
		if (pattern_matches(&opts->ignore[i], versioned, state))
			return true;
	return false;
}

/*
 * Whether cherryPick leaves a script out (Flyway's MigrationPattern): an
 * entry matches a version when it is that version, '_' read as '.'; and a
 * repeatable's description, '_' read as ' '.
 */
static bool
cherry_picked_out(const PlanOptions *opts, const ResolvedScript *s)
{
	if (opts->ncherry_pick == 0)
		return false;
	for (int i = 0; i < opts->ncherry_pick; i++)
	{
		char	   *entry = pstrdup(opts->cherry_pick[i]);
		bool		match = false;

		for (char *c = entry; *c; c++)
			if (*c == '_')
				*c = script_is_versioned(s) ? '.' : ' ';
		if (script_is_versioned(s))
		{
			MigrationVersion v;
			char	   *err = NULL;

			match = version_parse(entry, &v, &err) && version_compare(&v, &s->version) == 0;
		}
		else
			match = strcmp(entry, s->description) == 0;
		pfree(entry);
		if (match)
			return false;
	}
	return true;
}

/* ----------------------------------------------------------------
 *		Plan building
 * ----------------------------------------------------------------
 */

/* One line of info while it is being worked out. */
typedef struct Item
{
	const ResolvedScript *resolved;
	const AppliedRow *applied;
	bool		deleted;		/* a later DELETE row marks it */
	bool		undone;			/* a later undo row undoes it */
	bool		out_of_order;	/* applied after a higher version */
	bool		latest;			/* repeatable row: the latest run of its description */
	MigrationState state;
	int			group;			/* for info order, see item_order_cmp */
	VersionKey	key;			/* unapplied versioned: the script's version */
} Item;

/* A versioned script with its version key. */
typedef struct VScript
{
	const ResolvedScript *s;
	VersionKey	key;
} VScript;

/* The context Flyway computes once per refresh (MigrationInfoContext). */
typedef struct Context
{
	const MigrationVersion *last_applied;	/* NULL = EMPTY */
	const MigrationVersion *last_resolved;	/* NULL = EMPTY */
	const MigrationVersion *applied_baseline;	/* NULL = none */
	const MigrationVersion *pending_baseline;	/* NULL = none */
	bool		target_set;		/* versions above "target" are Above Target */
	const MigrationVersion *target; /* NULL with target_set = EMPTY */
	bool		out_of_order;
	const PlanOptions *opts;	/* ignore patterns, cherryPick, wording */
} Context;

/* Sorting of scripts: versioned by (version, kind), repeatables by description. */
static int
vscript_cmp(const void *a, const void *b)
{
	const VScript *sa = (const VScript *) a;
	const VScript *sb = (const VScript *) b;
	int			c = version_key_compare(&sa->key, &sb->key);

	if (c != 0)
		return c;
	return kind_rank(sa->s->kind) - kind_rank(sb->s->kind);
}

static int
rscript_cmp(const void *a, const void *b)
{
	const ResolvedScript *sa = *(const ResolvedScript *const *) a;
	const ResolvedScript *sb = *(const ResolvedScript *const *) b;

	return strcmp(sa->description, sb->description);
}

/* Rows grouped by version (numeric) or description, each group by rank. */
typedef struct RowRef
{
	const AppliedRow *r;
	int			item;			/* its item, -1 for a successful DELETE row */
	VersionKey	key;
} RowRef;

/* Ties broken by installed_rank, as Flyway orders history rows. */
static int
rank_cmp(const AppliedRow *ra, const AppliedRow *rb)
{
	return (ra->installed_rank > rb->installed_rank) - (ra->installed_rank < rb->installed_rank);
}

static int
vrow_cmp(const void *a, const void *b)
{
	const AppliedRow *ra = ((const RowRef *) a)->r;
	const AppliedRow *rb = ((const RowRef *) b)->r;
	int			c = version_key_compare(&((const RowRef *) a)->key, &((const RowRef *) b)->key);

	if (c != 0)
		return c;
	return rank_cmp(ra, rb);
}

static int
rrow_cmp(const void *a, const void *b)
{
	const AppliedRow *ra = *(const AppliedRow *const *) a;
	const AppliedRow *rb = *(const AppliedRow *const *) b;
	int			c = strcmp(ra->description, rb->description);

	return c != 0 ? c : rank_cmp(ra, rb);
}

static int
row_rank_cmp(const void *a, const void *b)
{
	return rank_cmp(*(const AppliedRow *const *) a, *(const AppliedRow *const *) b);
}

/* Binary search of a versioned script by (version, kind); index or -1. */
static int
find_vscript(const VScript *sorted, int n, const VersionKey *v, int kind)
{
	int			lo = 0,
				hi = n - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;
		int			c = version_key_compare(&sorted[mid].key, v);

		if (c == 0)
			c = kind_rank(sorted[mid].s->kind) - kind_rank((ScriptKind) kind);
		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

static int
find_rscript(const ResolvedScript **sorted, int n, const char *description)
{
	int			lo = 0,
				hi = n - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;
		int			c = strcmp(sorted[mid]->description, description);

		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* Version of an item: the row's when applied, else the script's; NULL for repeatables. */
static const MigrationVersion *
item_version(const Item *it)
{
	if (it->applied)
		return it->applied->version ? &it->applied->parsed : NULL;
	return script_is_versioned(it->resolved) ? &it->resolved->version : NULL;
}

/*
 * State of a row that has no file (BaseAppliedMigration.getMissingState):
 * a SCHEMA marker is fine; otherwise the row is Missing when its version is
 * below the highest version found in the locations (repeatables: always),
 * else Future, "Failed" variants for success = false.
 */
static MigrationState
missing_state(const Item *it, const Context *ctx)
{
	const AppliedRow *r = it->applied;

	if (type_is(r->type, "SCHEMA"))
		return STATE_SUCCESS;
	if (r->version == NULL || vcmp(&r->parsed, ctx->last_resolved) < 0)
		return r->success ? STATE_MISSING_SUCCESS : STATE_MISSING_FAILED;
	return r->success ? STATE_FUTURE_SUCCESS : STATE_FUTURE_FAILED;
}

/* State of an item with a history row. */
static MigrationState
applied_state(const Item *it, const Context *ctx)
{
	const AppliedRow *r = it->applied;

	if (it->deleted)
		return STATE_DELETED;
	if (it->undone)
		return STATE_UNDONE;
	if (type_is(r->type, "DELETE"))
		return STATE_SUCCESS;
	if (type_is(r->type, "BASELINE"))
		return STATE_BASELINE;
	if (type_is_baseline(r->type))
	{
		/* an applied B script (BaselineAppliedMigration) */
		if (!r->success)
			return STATE_FAILED;
		if (it->resolved == NULL)
			return missing_state(it, ctx);
		return STATE_BASELINE;
	}
	/* only the latest run of a repeatable can be missing; older ones are Superseded */
	if (it->resolved == NULL && (r->version != NULL || it->latest))
		return missing_state(it, ctx);
	if (!r->success)
		return STATE_FAILED;
	if (r->version == NULL)
	{
		if (!it->latest)
			return STATE_SUPERSEDED;
		if (it->resolved != NULL && checksum_matches(r, it->resolved))
			return STATE_SUCCESS;
		return STATE_OUTDATED;
	}
	if (it->out_of_order)
		return STATE_OUT_OF_ORDER;
	return STATE_SUCCESS;
}

/*
 * State of a script that no row applies (ResolvedMigration.getState plus
 * BaselineResolvedMigration's override for B scripts).  The baseline is the
 * pending B script's version on a history without applied versioned rows,
 * else the applied baseline (BASELINE marker or applied B script).
 */
static MigrationState
resolved_state(const ResolvedScript *s, const Context *ctx)
{
	const MigrationVersion *base;
	const MigrationVersion *v;
	MigrationState state = STATE_PENDING;
	bool		applied_or_baseline;

	if (s->kind == SCRIPT_REPEATABLE)
		return STATE_PENDING;

	v = &s->version;
	base = ctx->last_applied == NULL ? ctx->pending_baseline : ctx->applied_baseline;
	if (base != NULL && version_compare(v, base) < 0)
		state = STATE_BELOW_BASELINE;
	else if (base != NULL && version_compare(v, base) == 0)
		state = STATE_BASELINE_IGNORED;
	else if (ctx->target_set && vcmp(v, ctx->target) > 0)
		state = STATE_ABOVE_TARGET;
	else if (vcmp(v, ctx->last_applied) < 0 && !ctx->out_of_order)
		state = STATE_IGNORED;

	if (s->kind == SCRIPT_BASELINE)
	{
		applied_or_baseline = ctx->applied_baseline != NULL || ctx->last_applied != NULL;
		if (state == STATE_PENDING && applied_or_baseline)
			return STATE_IGNORED;
		if (state == STATE_BASELINE_IGNORED && ctx->pending_baseline != NULL &&
			version_compare(v, ctx->pending_baseline) == 0)
			return applied_or_baseline ? STATE_BASELINE_IGNORED : STATE_PENDING;
	}
	return state;
}

/* As resolved_state(); a pending script that cherryPick leaves out is Ignored. */
static MigrationState
unapplied_state(const ResolvedScript *s, const Context *ctx)
{
	MigrationState state = resolved_state(s, ctx);

	if (state == STATE_PENDING && cherry_picked_out(ctx->opts, s))
		return STATE_IGNORED;
	return state;
}

static MigrationState
item_state(const Item *it, const Context *ctx)
{
	if (it->applied)
		return applied_state(it, ctx);
	return unapplied_state(it->resolved, ctx);
}

/*
 * Info order (MigrationInfoImpl.compareTo):
 *	- two applied entries: by installed_rank;
 *	- an unapplied Below Baseline entry comes before every applied one;
 *	- otherwise applied entries come before unapplied ones;
 *	- unapplied entries: versioned by version, before repeatables, which
 *	  are ordered by description (Java String.compareTo).
 * Below Baseline versions are lower than those of every other unapplied
 * entry, so that is the same as four groups in a row: 0 = unapplied Below
 * Baseline (by version), 1 = applied (by rank), 2 = other unapplied
 * versioned (by version), 3 = unapplied repeatables (by description).
 * Equal versions (a V and a B script) keep V before B; Flyway leaves that
 * tie to hash order.
 */
static int
item_order_cmp(const void *a, const void *b)
{
	const Item *ia = *(const Item *const *) a;
	const Item *ib = *(const Item *const *) b;
	int			c;

	if (ia->group != ib->group)
		return ia->group - ib->group;
	switch (ia->group)
	{
		case 1:
			return (ia->applied->installed_rank > ib->applied->installed_rank) -
				(ia->applied->installed_rank < ib->applied->installed_rank);
		case 3:
			return java_string_compare(ia->resolved->description, ib->resolved->description);
		default:
			c = version_key_compare(&ia->key, &ib->key);
			if (c != 0)
				return c;
			return kind_rank(ia->resolved->kind) - kind_rank(ib->resolved->kind);
	}
}

static void
add_error(MigrationPlan *plan, int *cap, const char *code, char *message,
		  char *detail, const InfoEntry *entry)
{
	if (plan->nerrors == *cap)
	{
		*cap = *cap ? *cap * 2 : 8;
		if (plan->errors)
			plan->errors = repalloc(plan->errors, sizeof(PlanError) * *cap);
		else
			plan->errors = palloc(sizeof(PlanError) * *cap);
	}
	plan->errors[plan->nerrors].code = code;
	plan->errors[plan->nerrors].message = message;
	plan->errors[plan->nerrors].detail = detail;
	plan->errors[plan->nerrors].entry = entry;
	plan->nerrors++;
}

static char *
mismatch_detail(const PlanWording *w, const char *applied, const char *resolved)
{
	return psprintf("-> Applied to database : %s\n"
					"-> Resolved locally    : %s\n"
					"Either revert the changes to the migration, or %s to update the schema history.",
					applied, resolved, w->repair);
}

/* "SET pg_migrate.ignore_migration_patterns = '*:pending'" */
static char *
ignore_hint(const Context *ctx, const char *pattern)
{
	const PlanWording *w = ctx->opts->wording ? ctx->opts->wording : &plan_wording_server;

	return psprintf("%s'%s'", w->ignore_patterns, pattern);
}

/*
 * Validate one entry (MigrationInfoImpl.validate) with the ignore patterns
 * (Flyway's default "*:future"), plus "*:pending" when extra_pending (as
 * migrate validates).  The first rule that fires gives the entry's error.
 */
static void
validate_entry(MigrationPlan *plan, int *cap, const InfoEntry *e,
			   const Context *ctx, bool extra_pending)
{
	MigrationState st = e->state;
	const AppliedRow *r = e->applied;
	const ResolvedScript *s = e->resolved;
	const char *version = r ? r->version : (script_is_versioned(s) ? s->version.text : NULL);
	const char *description = r ? r->description : s->description;
	const PlanOptions *opts = ctx->opts;
	const PlanWording *w = opts->wording ? opts->wording : &plan_wording_server;
	bool		versioned = version != NULL;
	bool		pending_ignored = plan_state_ignored(opts, versioned, STATE_PENDING, extra_pending);
	bool		future_ignored = plan_state_ignored(opts, versioned, STATE_FUTURE_SUCCESS, false);
	bool		missing_ignored = plan_state_ignored(opts, versioned, STATE_MISSING_SUCCESS, false);

	/* out of scope, or matched by an ignore pattern */
	if (st == STATE_ABOVE_TARGET || st == STATE_DELETED || st == STATE_UNDONE)
		return;
	if (plan_state_ignored(opts, versioned, st, extra_pending))
		return;
	/* left out by cherryPick on purpose */
	if (st == STATE_IGNORED && r == NULL && cherry_picked_out(opts, s))
		return;

	/* failed rows; "Failed (Future)" is let through when future is ignored */
	if (st == STATE_FAILED || st == STATE_MISSING_FAILED ||
		(st == STATE_FUTURE_FAILED && !future_ignored))
	{
		if (version == NULL)
			add_error(plan, cap, "FAILED_REPEATABLE_MIGRATION",
					  psprintf("Detected failed repeatable migration: %s.", description),
					  psprintf("Please remove any half-completed changes then %s to fix the schema history.", w->repair),
					  e);
		else
			add_error(plan, cap, "FAILED_VERSIONED_MIGRATION",
					  psprintf("Detected failed migration to version %s (%s).", version, description),
					  psprintf("Please remove any half-completed changes then %s to fix the schema history.", w->repair),
					  e);
		return;
	}

	/* applied, but no file (unless missing or future ones are ignored) */
	if (s == NULL && r != NULL && !type_is_synthetic(r->type) && !type_is_undo(r->type) &&
		st != STATE_SUPERSEDED &&
		!(missing_ignored && (st == STATE_MISSING_SUCCESS || st == STATE_MISSING_FAILED)) &&
		!(future_ignored && (st == STATE_FUTURE_SUCCESS || st == STATE_FUTURE_FAILED)))
	{
		if (r->version != NULL)
			add_error(plan, cap, "APPLIED_VERSIONED_MIGRATION_NOT_RESOLVED",
					  psprintf("Detected applied migration not resolved locally: %s.", r->version),
					  psprintf("If you removed this migration intentionally, %s to mark the migration as deleted.", w->repair),
					  e);
		else
			add_error(plan, cap, "APPLIED_REPEATABLE_MIGRATION_NOT_RESOLVED",
					  psprintf("Detected applied migration not resolved locally: %s.", r->description),
					  psprintf("If you removed this migration intentionally, %s to mark the migration as deleted.", w->repair),
					  e);
		return;
	}

	/* below the highest applied version (B scripts on an existing database are harmless) */
	if (st == STATE_IGNORED && r == NULL && s->kind != SCRIPT_BASELINE)
	{
		add_error(plan, cap, "RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED",
				  psprintf("Detected resolved migration not applied to database: %s.", version),
				  psprintf("To ignore this migration, %s. To allow executing this migration, %s.",
						   ignore_hint(ctx, "*:ignored"), w->out_of_order_on),
				  e);
		return;
	}

	if (st == STATE_PENDING)
	{
		if (version != NULL)
			add_error(plan, cap, "RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED",
					  psprintf("Detected resolved migration not applied to database: %s.", version),
					  psprintf("To fix this error, either %s, or %s.",
							   w->apply, ignore_hint(ctx, "*:pending")),
					  e);
		else
			add_error(plan, cap, "RESOLVED_REPEATABLE_MIGRATION_NOT_APPLIED",
					  psprintf("Detected resolved repeatable migration not applied to database: %s.", description),
					  psprintf("To fix this error, either %s, or %s.",
							   w->apply, ignore_hint(ctx, "*:pending")),
					  e);
		return;
	}

	if (st == STATE_OUTDATED && !pending_ignored)
	{
		add_error(plan, cap, "OUTDATED_REPEATABLE_MIGRATION",
				  psprintf("Detected outdated resolved repeatable migration that should be re-applied to database: %s.", description),
				  psprintf("To execute this migration, %s.", w->apply),
				  e);
		return;
	}

	/* both a file and a row: compare them (not at or below the baseline) */
	if (s != NULL && r != NULL && !type_is(r->type, "DELETE") && !type_is_undo(r->type) &&
		(r->version == NULL || ctx->applied_baseline == NULL ||
		 version_compare(&r->parsed, ctx->applied_baseline) > 0))
	{
		/* the file as well as the version: which one to revert or check */
		char	   *ident = r->version ? psprintf("version %s (%s)", r->version, s->script) :
			pstrdup(r->script);

		if (strcmp(script_type(s), r->type) != 0)
		{
			add_error(plan, cap, "TYPE_MISMATCH",
					  psprintf("Migration type mismatch for migration %s", ident),
					  mismatch_detail(w, r->type, script_type(s)), e);
			return;
		}
		if ((r->version != NULL ||
			 (pending_ignored && st != STATE_OUTDATED && st != STATE_SUPERSEDED)) &&
			!checksum_matches(r, s))
		{
			char		applied_sum[16];
			char		resolved_sum[16];

			if (r->checksum_null)
				strcpy(applied_sum, NULL_TEXT);
			else
				snprintf(applied_sum, sizeof(applied_sum), "%d", (int) r->checksum);
			snprintf(resolved_sum, sizeof(resolved_sum), "%d", (int) s->checksum);
			add_error(plan, cap, "CHECKSUM_MISMATCH",
					  psprintf("Migration checksum mismatch for migration %s", ident),
					  mismatch_detail(w, applied_sum, resolved_sum), e);
			return;
		}
		if (!description_matches(r, s))
		{
			add_error(plan, cap, "DESCRIPTION_MISMATCH",
					  psprintf("Migration description mismatch for migration %s", ident),
					  mismatch_detail(w, r->description, s->description), e);
			return;
		}
		pfree(ident);
	}
}

static const char *
entry_category(const Item *it)
{
	if (it->applied)
	{
		const char *t = it->applied->type;

		if (type_is_synthetic(t))
			return "";
		if (it->applied->version == NULL)
			return "Repeatable";
		if (type_is_undo(t))
			return "Undo";
		if (type_is_baseline(t))
			return "Baseline";
		return "Versioned";
	}
	switch (it->resolved->kind)
	{
		case SCRIPT_REPEATABLE:
			return "Repeatable";
		case SCRIPT_BASELINE:
			return "Baseline";
		case SCRIPT_UNDO:
			return "Undo";
		default:
			return "Versioned";
	}
}

/*
 * The whole computation.  skip_failed leaves out the success = false rows,
 * as repair sees the history after deleting them.
 */
static MigrationPlan *
build_plan(ResolvedScript *const *scripts, int nscripts,
		   AppliedRow *const *rows, int nrows,
		   const PlanOptions *opts, bool for_validate, bool skip_failed)
{
	MigrationPlan *plan = palloc0(sizeof(MigrationPlan));
	Context		ctx;
	VScript    *vs;				/* V, B, U scripts by (version, kind) */
	const ResolvedScript **rs;	/* R scripts by description */
	bool	   *vs_applied;
	bool	   *rs_applied;
	int			nvs = 0,
				nrs = 0;
	const AppliedRow **vrows;	/* versioned rows */
	const AppliedRow **rrows;	/* repeatable (version NULL) rows */
	int			nvrows = 0,
				nrrows = 0;
	const AppliedRow **sorted;
	Item	   *items;
	int			nitems = 0;
	Item	  **order;
	int		   *listed;
	bool		dup_delete = false;
	const AppliedRow *dup_delete_row = NULL;
	int			i,
				j,
				k;
	int			errcap = 0;
	const MigrationVersion *next_target;

	memset(&ctx, 0, sizeof(ctx));
	ctx.out_of_order = opts->out_of_order;
	ctx.opts = opts;
	plan->in_opts = *opts;

	/* keep the inputs for plan_repair() */
	if (nscripts > 0)
	{
		ResolvedScript **copy = palloc(sizeof(ResolvedScript *) * nscripts);

		memcpy(copy, scripts, sizeof(ResolvedScript *) * nscripts);
		plan->in_scripts = copy;
	}
	plan->in_nscripts = nscripts;
	if (nrows > 0)
	{
		AppliedRow **copy = palloc(sizeof(AppliedRow *) * nrows);

		memcpy(copy, rows, sizeof(AppliedRow *) * nrows);
		plan->in_rows = copy;
	}
	plan->in_nrows = nrows;

	/* scripts: versioned ones sorted by (version, kind), repeatables by description */
	vs = palloc(sizeof(VScript) * (nscripts + 1));
	rs = palloc(sizeof(ResolvedScript *) * (nscripts + 1));
	for (i = 0; i < nscripts; i++)
	{
		const ResolvedScript *s = scripts[i];

		CHECK_FOR_INTERRUPTS();
		if (s->kind == SCRIPT_REPEATABLE)
			rs[nrs++] = s;
		else if (script_is_versioned(s))
		{
			vs[nvs].s = s;
			vs[nvs].key = s->version.key;
			nvs++;
			/* highest version found locally (U scripts undo, they add no version) */
			if (s->kind != SCRIPT_UNDO && vcmp(&s->version, ctx.last_resolved) > 0)
				ctx.last_resolved = &s->version;
		}
		/* callbacks are not migrations */
	}
	if (nvs > 1)
		qsort(vs, nvs, sizeof(VScript), vscript_cmp);
	if (nrs > 1)
		qsort(rs, nrs, sizeof(ResolvedScript *), rscript_cmp);
	vs_applied = palloc0(sizeof(bool) * (nvs + 1));
	rs_applied = palloc0(sizeof(bool) * (nrs + 1));

	/* rows in rank order, split into versioned and repeatable */
	sorted = palloc(sizeof(AppliedRow *) * (nrows + 1));
	k = 0;
	for (i = 0; i < nrows; i++)
		if (!(skip_failed && !rows[i]->success))
			sorted[k++] = rows[i];
	for (i = 1; i < k; i++)
		if (sorted[i - 1]->installed_rank > sorted[i]->installed_rank)
		{
			qsort(sorted, k, sizeof(AppliedRow *), row_rank_cmp);
			break;
		}
	vrows = palloc(sizeof(AppliedRow *) * (k + 1));
	rrows = palloc(sizeof(AppliedRow *) * (k + 1));
	for (i = 0; i < k; i++)
	{
		if (sorted[i]->version != NULL)
			vrows[nvrows++] = sorted[i];
		else
			rrows[nrrows++] = sorted[i];
	}

	/*
	 * Items: one per versioned row except successful DELETE rows (Flyway
	 * does not list those; they only mark the row they delete), one per
	 * repeatable row, one per unapplied script.
	 */
	items = palloc0(sizeof(Item) * (k + nscripts + 1));
	listed = palloc(sizeof(int) * (k + 1));

	/*
	 * Versioned rows.  Rows are items in rank order; a successful DELETE row
	 * marks the latest earlier non-synthetic row of the same version as
	 * Deleted; an undo row marks the latest earlier migration row of the
	 * same version as Undone.  Markings stay within one version, so walk the
	 * rows grouped by version (then rank).
	 */
	{
		RowRef	   *byver = palloc(sizeof(RowRef) * (nvrows + 1));

		/* items in rank order */
		for (i = 0; i < nvrows; i++)
		{
			const AppliedRow *r = vrows[i];

			CHECK_FOR_INTERRUPTS();
			byver[i].r = r;
			byver[i].item = -1;
			byver[i].key = r->parsed.key;
			if (type_is(r->type, "DELETE") && r->success)
				continue;
			byver[i].item = nitems;
			items[nitems].applied = r;
			items[nitems].key = byver[i].key;
			nitems++;
		}
		if (nvrows > 1)
			qsort(byver, nvrows, sizeof(RowRef), vrow_cmp);

		for (i = 0; i < nvrows; i = j)
		{
			/*
			 * What the markings look for, kept as the group is walked (no walk
			 * back per row): the latest non-synthetic row, and in listed[] the
			 * rows an undo row can still undo (not synthetic, not undo rows,
			 * not undone), latest last.
			 */
			int			last_real = -1;
			int			nundoable = 0;

			for (j = i; j < nvrows && version_key_compare(&byver[j].key, &byver[i].key) == 0; j++)
			{
				const AppliedRow *r = byver[j].r;
				int			item = byver[j].item;

				CHECK_FOR_INTERRUPTS();
				if (item < 0)
				{
					/* a successful DELETE row */
					if (last_real >= 0)
					{
						if (items[last_real].deleted)
						{
							/* Flyway: "Corrupted schema history: multiple delete entries" */
							if (!dup_delete)
								dup_delete_row = r;
							dup_delete = true;
						}
						else
							items[last_real].deleted = true;
					}
					continue;
				}
				if (type_is_undo(r->type) && nundoable > 0)
					items[listed[--nundoable]].undone = true;
				if (!type_is_synthetic(r->type))
				{
					last_real = item;
					if (!type_is_undo(r->type))
						listed[nundoable++] = item;
				}
			}
		}
		pfree(byver);
	}

	/*
	 * Context from the versioned rows, in rank order: the applied baseline
	 * (highest BASELINE / B row), the last applied version (rows that are not
	 * DELETE, deleted, undone or undo rows) and which rows were applied out
	 * of order (not above the last applied version at the time).
	 */
	for (i = 0; i < nvrows; i++)
	{
		const AppliedRow *r = vrows[i];

		if (type_is_baseline(r->type) && vcmp(&r->parsed, ctx.applied_baseline) > 0)
			ctx.applied_baseline = &r->parsed;
	}
	for (i = 0; i < nitems; i++)
	{
		Item	   *it = &items[i];
		const AppliedRow *r = it->applied;

		if (type_is_undo(r->type))
			continue;
		if (vcmp(&r->parsed, ctx.last_applied) > 0)
		{
			if (!type_is(r->type, "DELETE") && !it->deleted && !it->undone)
				ctx.last_applied = &r->parsed;
		}
		else
			it->out_of_order = true;
	}

	/* match versioned rows to scripts by (version, kind) */
	for (i = 0; i < nitems; i++)
	{
		Item	   *it = &items[i];
		int			kind = type_script_kind(it->applied->type);
		int			idx;

		CHECK_FOR_INTERRUPTS();
		if (kind < 0)
			continue;
		idx = find_vscript(vs, nvs, &it->key, kind);
		if (idx < 0)
			continue;
		it->resolved = vs[idx].s;
		if (!it->deleted && !it->undone && !type_is(it->applied->type, "DELETE"))
			vs_applied[idx] = true;
	}

	/* highest B script not applied: the pending baseline */
	for (i = 0; i < nvs; i++)
		if (!vs_applied[i] && vs[i].s->kind == SCRIPT_BASELINE)
			ctx.pending_baseline = &vs[i].s->version;

	/* target */
	switch (opts->target_kind)
	{
		case TARGET_VERSION:
			ctx.target_set = true;
			ctx.target = &opts->target;
			break;
		case TARGET_CURRENT:
			ctx.target_set = true;
			ctx.target = ctx.last_applied;
			break;
		default:
			break;				/* LATEST; NEXT is resolved below */
	}

	/* unapplied versioned scripts (undo scripts are not info entries) */
	for (i = 0; i < nvs; i++)
	{
		if (vs_applied[i] || vs[i].s->kind == SCRIPT_UNDO)
			continue;
		items[nitems].resolved = vs[i].s;
		items[nitems].key = vs[i].key;
		nitems++;
	}

	/*
	 * Repeatable rows, grouped by description: the latest run is the highest
	 * rank; a successful DELETE row marks the latest earlier non-synthetic
	 * row of the description as Deleted (once).
	 */
	{
		const AppliedRow **bydesc = palloc(sizeof(AppliedRow *) * (nrrows + 1));
		memcpy(bydesc, rrows, sizeof(AppliedRow *) * nrrows);
		if (nrrows > 1)
			qsort(bydesc, nrrows, sizeof(AppliedRow *), rrow_cmp);
		for (i = 0; i < nrrows; i = j)
		{
			int			idx = find_rscript(rs, nrs, bydesc[i]->description);
			int			last_real = -1; /* the latest non-synthetic row's item */

			for (j = i; j < nrrows && strcmp(bydesc[j]->description, bydesc[i]->description) == 0; j++)
			{
				const AppliedRow *r = bydesc[j];
				Item	   *it = &items[nitems++];

				CHECK_FOR_INTERRUPTS();
				it->applied = r;
				it->resolved = idx >= 0 ? rs[idx] : NULL;
				if (type_is(r->type, "DELETE") && r->success && last_real >= 0)
					items[last_real].deleted = true;
				if (!type_is_synthetic(r->type))
					last_real = nitems - 1;
			}
			items[nitems - 1].latest = true;
			if (idx >= 0)
			{
				Item	   *last = &items[nitems - 1];

				if (!last->deleted && !type_is(last->applied->type, "DELETE") &&
					checksum_matches(last->applied, rs[idx]))
					rs_applied[idx] = true;
			}
		}
		pfree(bydesc);
	}

	/* unapplied repeatables: never run, or changed since the latest run */
	for (i = 0; i < nrs; i++)
	{
		if (rs_applied[i])
			continue;
		items[nitems].resolved = rs[i];
		nitems++;
	}

	/* states and info order */
	order = palloc(sizeof(Item *) * (nitems + 1));
	for (i = 0; i < nitems; i++)
	{
		Item	   *it = &items[i];

		CHECK_FOR_INTERRUPTS();
		it->state = item_state(it, &ctx);
		if (it->applied)
			it->group = 1;
		else if (it->state == STATE_BELOW_BASELINE)
			it->group = 0;
		else if (it->resolved->kind == SCRIPT_REPEATABLE)
			it->group = 3;
		else
			it->group = 2;
		order[i] = it;
	}
	if (nitems > 1)
		qsort(order, nitems, sizeof(Item *), item_order_cmp);

	/*
	 * target "next": the version of the first pending entry becomes the
	 * target (none when that is a repeatable or nothing is pending).
	 */
	if (opts->target_kind == TARGET_NEXT)
	{
		next_target = NULL;
		for (i = 0; i < nitems; i++)
			if (order[i]->state == STATE_PENDING)
			{
				next_target = item_version(order[i]);
				break;
			}
		if (next_target != NULL)
		{
			ctx.target_set = true;
			ctx.target = next_target;
			for (i = 0; i < nitems; i++)
				if (order[i]->applied == NULL)
					order[i]->state = item_state(order[i], &ctx);
		}
	}

	/* entries */
	plan->nentries = nitems;
	plan->entries = palloc0(sizeof(InfoEntry) * (nitems + 1));
	for (i = 0; i < nitems; i++)
	{
		InfoEntry  *e = &plan->entries[i];
		const Item *it = order[i];

		CHECK_FOR_INTERRUPTS();
		e->resolved = it->resolved;
		e->applied = it->applied;
		e->state = it->state;
		e->category = entry_category(it);
		e->type = it->applied ? it->applied->type : script_type(it->resolved);
	}

	/* what migrate would apply: the Pending entries in info order */
	plan->pending = palloc(sizeof(ResolvedScript *) * (nitems + 1));
	for (i = 0; i < nitems; i++)
		if (plan->entries[i].state == STATE_PENDING)
			plan->pending[plan->npending++] = plan->entries[i].resolved;

	/* schema version: highest applied versioned, not deleted/undone/DELETE/undo */
	{
		const Item *cur = NULL;

		for (i = 0; i < nitems; i++)
		{
			const Item *it = order[i];
			const AppliedRow *r = it->applied;

			if (r == NULL || r->version == NULL || it->state == STATE_DELETED ||
				it->state == STATE_UNDONE || type_is(r->type, "DELETE") || type_is_undo(r->type))
				continue;
			if (cur == NULL || version_compare(&r->parsed, &cur->applied->parsed) > 0)
				cur = it;
		}
		plan->current_version = cur ? cur->applied->version : NULL;
	}

	/*
	 * Failed rows (DbMigrate): migrate refuses when any entry is Failed,
	 * Failed (Missing) or Failed (Future), except when the only one is a
	 * Failed (Future) and future is ignored (Flyway then only warns).
	 */
	{
		int			nfailed = 0;
		const InfoEntry *firstf = NULL;

		for (i = 0; i < nitems; i++)
		{
			MigrationState st = plan->entries[i].state;

			if (st == STATE_FAILED || st == STATE_MISSING_FAILED || st == STATE_FUTURE_FAILED)
			{
				if (firstf == NULL)
					firstf = &plan->entries[i];
				nfailed++;
			}
		}
		if (nfailed > 0 && !(nfailed == 1 && firstf->state == STATE_FUTURE_FAILED &&
							 plan_state_ignored(opts, firstf->applied->version != NULL,
												STATE_FUTURE_SUCCESS, false)))
		{
			plan->has_failed_row = true;
			plan->failed_row = firstf->applied;
		}
	}

	/* target that matches no versioned script or row */
	if (opts->target_kind == TARGET_VERSION && !opts->target_optional)
	{
		bool		found = false;

		for (i = 0; i < nitems && !found; i++)
		{
			const MigrationVersion *v = item_version(order[i]);

			if (v != NULL && version_compare(v, &opts->target) == 0)
				found = true;
		}
		plan->target_missing = !found;
	}

	/* validation, in info order */
	if (dup_delete)
	{
		const InfoEntry *e = NULL;

		for (i = 0; i < nitems; i++)
			if (plan->entries[i].applied && plan->entries[i].applied->version &&
				version_compare(&plan->entries[i].applied->parsed, &dup_delete_row->parsed) == 0)
			{
				e = &plan->entries[i];
				break;
			}
		add_error(plan, &errcap, "DUPLICATE_DELETED_MIGRATION",
				  psprintf("Corrupted schema history: multiple delete entries for version %s",
						   dup_delete_row->version),
				  NULL, e);
	}
	for (i = 0; i < nitems; i++)
	{
		CHECK_FOR_INTERRUPTS();
		validate_entry(plan, &errcap, &plan->entries[i], &ctx, !for_validate);
	}

	pfree(vs);
	pfree(rs);
	pfree(vs_applied);
	pfree(rs_applied);
	pfree(sorted);
	pfree(vrows);
	pfree(rrows);
	pfree(listed);
	pfree(order);
	pfree(items);
	return plan;
}

MigrationPlan *
plan_build(ResolvedScript *const *scripts, int nscripts,
		   AppliedRow *const *rows, int nrows,
		   const PlanOptions *opts, bool for_validate)
{
	PlanOptions defaults;

	if (opts == NULL)
	{
		memset(&defaults, 0, sizeof(defaults));
		defaults.target_kind = TARGET_LATEST;
		opts = &defaults;
	}
	return build_plan(scripts, nscripts, rows, nrows, opts, for_validate, false);
}

/* ----------------------------------------------------------------
 *		Duplicates
 * ----------------------------------------------------------------
 */

typedef struct DupItem
{
	const ResolvedScript *s;
	int			index;			/* position in the input: ties keep it */
} DupItem;

/*
 * Flyway's resolver order for this purpose: versioned (V, B, U) by version,
 * with the kinds kept apart, before repeatables by description.
 */
static int
dup_cmp(const void *a, const void *b)
{
	const DupItem *da = (const DupItem *) a;
	const DupItem *db = (const DupItem *) b;
	bool		va = da->s->kind != SCRIPT_REPEATABLE;
	bool		vb = db->s->kind != SCRIPT_REPEATABLE;
	int			c;

	if (va != vb)
		return va ? -1 : 1;
	if (va)
	{
		c = version_compare(&da->s->version, &db->s->version);
		if (c == 0)
			c = kind_rank(da->s->kind) - kind_rank(db->s->kind);
	}
	else
		c = java_string_compare(da->s->description, db->s->description);
	if (c != 0)
		return c;
	return da->index - db->index;
}

static bool
dup_clash(const ResolvedScript *a, const ResolvedScript *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == SCRIPT_REPEATABLE)
		return strcmp(a->description, b->description) == 0;
	return version_compare(&a->version, &b->version) == 0;
}

int
plan_find_duplicates(ResolvedScript *const *scripts, int nscripts,
					 const ResolvedScript **first_a,
					 const ResolvedScript **first_b)
{
	DupItem    *d;
	int			n = 0;
	int			i;
	int			clashes = 0;

	if (first_a)
		*first_a = NULL;
	if (first_b)
		*first_b = NULL;
	d = palloc(sizeof(DupItem) * (nscripts + 1));
	for (i = 0; i < nscripts; i++)
	{
		ScriptKind kind = scripts[i]->kind;

		CHECK_FOR_INTERRUPTS();
		if (kind != SCRIPT_VERSIONED && kind != SCRIPT_REPEATABLE &&
			kind != SCRIPT_BASELINE && kind != SCRIPT_UNDO)
			continue;
		d[n].s = scripts[i];
		d[n].index = i;
		n++;
	}
	if (n > 1)
		qsort(d, n, sizeof(DupItem), dup_cmp);
	for (i = 0; i + 1 < n; i++)
	{
		if (!dup_clash(d[i].s, d[i + 1].s))
			continue;
		if (clashes == 0)
		{
			if (first_a)
				*first_a = d[i].s;
			if (first_b)
				*first_b = d[i + 1].s;
		}
		clashes++;
	}
	pfree(d);
	return clashes;
}

/* ----------------------------------------------------------------
 *		Repair
 * ----------------------------------------------------------------
 */

static void
add_action(RepairAction **acts, int *n, int *cap, int action,
		   const AppliedRow *row, const ResolvedScript *script)
{
	if (*n == *cap)
	{
		*cap = *cap ? *cap * 2 : 8;
		*acts = *acts ? repalloc(*acts, sizeof(RepairAction) * *cap)
			: palloc(sizeof(RepairAction) * *cap);
	}
	(*acts)[*n].action = action;
	(*acts)[*n].row = row;
	(*acts)[*n].script = script;
	(*n)++;
}

/*
 * DbRepair, in its order:
 *	1. delete every success = false row;
 *	2. recompute the states without them, and for every Missing, Failed
 *	   (Missing), Future or Failed (Future) row that is not synthetic nor an
 *	   undo row, add a DELETE row, unless an ignore pattern matches its state
 *	   (Future rows by default: "*:future");
 *	3. realign versioned rows whose file has another checksum, description
 *	   or type (not for Ignored, Undone or Deleted entries), and repeatable
 *	   rows whose stored checksum is the file's raw-text checksum but not its
 *	   placeholder-replaced one.
 */
RepairAction *
plan_repair(const MigrationPlan *plan, int *nactions)
{
	RepairAction *acts = NULL;
	int			n = 0,
				cap = 0;
	int			i;
	PlanOptions opts;
	MigrationPlan *after;

	for (i = 0; i < plan->in_nrows; i++)
		if (!plan->in_rows[i]->success)
			add_action(&acts, &n, &cap, REPAIR_DELETE_FAILED, plan->in_rows[i], NULL);

	/* the same patterns and cherryPick; the target plays no part */
	opts = plan->in_opts;
	opts.target_kind = TARGET_LATEST;
	opts.target_optional = false;
	after = build_plan(plan->in_scripts, plan->in_nscripts, plan->in_rows, plan->in_nrows,
					   &opts, false, true);

	for (i = 0; i < after->nentries; i++)
	{
		const InfoEntry *e = &after->entries[i];

		CHECK_FOR_INTERRUPTS();
		if (e->applied == NULL || type_is_synthetic(e->applied->type) || type_is_undo(e->applied->type))
			continue;
		if ((e->state == STATE_MISSING_SUCCESS || e->state == STATE_MISSING_FAILED ||
			 e->state == STATE_FUTURE_SUCCESS || e->state == STATE_FUTURE_FAILED) &&
			!plan_state_ignored(&opts, e->applied->version != NULL, e->state, false))
			add_action(&acts, &n, &cap, REPAIR_MARK_DELETED, e->applied, NULL);
	}

	for (i = 0; i < after->nentries; i++)
	{
		const InfoEntry *e = &after->entries[i];
		const AppliedRow *r = e->applied;
		const ResolvedScript *s = e->resolved;

		CHECK_FOR_INTERRUPTS();
		if (r == NULL || s == NULL || type_is_synthetic(r->type) || type_is_undo(r->type) ||
			s->kind == SCRIPT_UNDO || e->state == STATE_IGNORED)
			continue;
		if (s->kind == SCRIPT_REPEATABLE)
		{
			if (!r->checksum_null && r->checksum == s->raw_checksum && r->checksum != s->checksum)
				add_action(&acts, &n, &cap, REPAIR_REALIGN, r, s);
			continue;
		}
		if (e->state == STATE_UNDONE || e->state == STATE_DELETED)
			continue;
		if (!checksum_matches(r, s) || !description_matches(r, s) ||
			strcmp(r->type, script_type(s)) != 0)
			add_action(&acts, &n, &cap, REPAIR_REALIGN, r, s);
	}

	*nactions = n;
	return acts;
}

/* ----------------------------------------------------------------
 *		Undo
 * ----------------------------------------------------------------
 */

/* An applied entry that may be undone, with its place in info order. */
typedef struct UndoCandidate
{
	const InfoEntry *entry;
	int			position;
} UndoCandidate;

/* Newest version first; equal versions keep info order. */
static int
compare_undo_candidates(const void *a, const void *b)
{
	const UndoCandidate *x = a;
	const UndoCandidate *y = b;
	int			c = y->entry->applied->installed_rank - x->entry->applied->installed_rank;

	return c != 0 ? c : x->position - y->position;
}

static int
compare_script_versions(const void *a, const void *b)
{
	return version_key_compare(&(*(const ResolvedScript *const *) a)->version.key,
							   &(*(const ResolvedScript *const *) b)->version.key);
}

/* The U script of a version among U scripts sorted by version, or NULL. */
static const ResolvedScript *
find_undo_script(const ResolvedScript **sorted, int n, const MigrationVersion *version)
{
	ResolvedScript key;
	const ResolvedScript *keyp = &key;
	const ResolvedScript **found;

	key.version = *version;
	found = bsearch(&keyp, sorted, n, sizeof(ResolvedScript *), compare_script_versions);
	return found ? *found : NULL;
}

/* Whether undo may take an applied entry back: a live SQL or baseline row. */
static bool
undo_candidate(const InfoEntry *e)
{
	if (e->applied == NULL || e->applied->version == NULL ||
		(e->state != STATE_SUCCESS && e->state != STATE_OUT_OF_ORDER &&
		 e->state != STATE_BASELINE && e->state != STATE_FUTURE_SUCCESS &&
		 e->state != STATE_MISSING_SUCCESS))
		return false;
	return type_is(e->applied->type, "SQL") || type_is(e->applied->type, "BASELINE") ||
		type_is(e->applied->type, "SQL_BASELINE");
}

/*
 * The applied entries undo walks, most recently applied first (by
 * installed_rank, so an out-of-order migration is undone in its turn): the
 * latest only, or with a target every one until a version below it, as
 * Flyway Teams walks up its history table.  Sorted once: O(n log n).
 */
static int
undo_entries(const MigrationPlan *plan, const MigrationVersion *target,
			 const InfoEntry **chosen)
{
	UndoCandidate *applied = palloc(sizeof(UndoCandidate) * (plan->nentries + 1));
	int			napplied = 0;
	int			n = 0;

	for (int i = 0; i < plan->nentries; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (!undo_candidate(&plan->entries[i]))
			continue;
		applied[napplied].entry = &plan->entries[i];
		applied[napplied].position = napplied;
		napplied++;
	}
	if (napplied > 1)
		qsort(applied, napplied, sizeof(UndoCandidate), compare_undo_candidates);
	for (int i = 0; i < napplied; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (target != NULL && version_compare(&applied[i].entry->applied->parsed, target) < 0)
			break;
		chosen[n++] = applied[i].entry;
		if (target == NULL)
			break;
	}
	pfree(applied);
	return n;
}

/*
 * Undo's target as Flyway reads it: NULL, current, latest and next undo the
 * latest applied migration only; "2.1?" is 2.1 (a version that does not
 * exist is no error here: the walk stops below it anyway).
 */
static bool
parse_undo_target(const char *target, MigrationVersion *version, bool *given, MigrateError *err)
{
	char	   *why = NULL;
	char	   *text;
	size_t		len;

	*given = false;
	if (target == NULL || pg_strcasecmp(target, "current") == 0 ||
		pg_strcasecmp(target, "latest") == 0 || pg_strcasecmp(target, "next") == 0)
		return true;
	text = pstrdup(target);
	len = strlen(text);
	if (len > 1 && text[len - 1] == '?')
		text[len - 1] = '\0';
	if (!version_parse(text, version, &why))
	{
		migrate_error_set(err, SQLSTATE_INVALID_PARAMETER_VALUE,
						  psprintf("invalid undo target \"%s\"", target), why,
						  "Give the lowest version to undo, such as '2.1': every migration applied after it is undone too, newest first.");
		return false;
	}
	*given = true;
	return true;
}

/* Why undo cannot take an entry back (NULL: it can, with *script). */
static const char *
undo_refusal(const AppliedRow *row, const ResolvedScript **undo_scripts, int nundo_scripts,
			 const ResolvedScript **script)
{
	*script = NULL;
	if (!type_is(row->type, "SQL"))
		return "it is a baseline";
	*script = find_undo_script(undo_scripts, nundo_scripts, &row->parsed);
	return *script == NULL ? "it has no undo script" : NULL;
}

/* The latest applied one cannot be undone: nothing runs. */
static void
undo_refused(const MigrationPlan *plan, const AppliedRow *row, const char *why, MigrateError *err)
{
	const ScriptNaming *naming = plan->in_opts.naming ? plan->in_opts.naming : &script_naming_default;

	if (!type_is(row->type, "SQL"))
		migrate_error_set(err, SQLSTATE_OBJECT_NOT_IN_PREREQUISITE_STATE,
						  psprintf("cannot undo version %s: %s", row->version, why),
						  "A baseline records a state that no script created.",
						  "Nothing was undone; a baseline stays applied.");
	else
		migrate_error_set(err, SQLSTATE_UNDEFINED_OBJECT,
						  psprintf("no undo script for version %s (%s)", row->version,
								   row->description),
						  "Nothing was undone.",
						  psprintf("Add %s beside %s.",
								   script_naming_example(naming, SCRIPT_UNDO, row->version),
								   row->script));
}

bool
plan_undo(const MigrationPlan *plan, ResolvedScript *const *scripts, int nscripts,
		  const char *target, const ResolvedScript ***undo, int *nundo,
		  const AppliedRow **stopped_at, MigrateError *err)
{
	MigrationVersion target_version;
	bool		has_target;
	const InfoEntry **chosen;
	int			nchosen;
	const ResolvedScript **undo_scripts;
	int			nundo_scripts = 0;
	const ResolvedScript **result;
	int			n = 0;

	*undo = NULL;
	*nundo = 0;
	if (stopped_at != NULL)
		*stopped_at = NULL;
	if (!parse_undo_target(target, &target_version, &has_target, err))
		return false;
	chosen = palloc(sizeof(InfoEntry *) * (plan->nentries + 1));
	nchosen = undo_entries(plan, has_target ? &target_version : NULL, chosen);

	undo_scripts = palloc(sizeof(ResolvedScript *) * (nscripts + 1));
	for (int i = 0; i < nscripts; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (scripts[i]->kind == SCRIPT_UNDO)
			undo_scripts[nundo_scripts++] = scripts[i];
	}
	if (nundo_scripts > 1)
		qsort(undo_scripts, nundo_scripts, sizeof(ResolvedScript *), compare_script_versions);

	/* with a target the walk stops at the first one that cannot be undone */
	result = palloc(sizeof(ResolvedScript *) * (nchosen + 1));
	for (; n < nchosen; n++)
	{
		const AppliedRow *row = chosen[n]->applied;
		const char *why;

		CHECK_FOR_INTERRUPTS();
		why = undo_refusal(row, undo_scripts, nundo_scripts, &result[n]);
		if (why == NULL)
			continue;
		if (!has_target)
		{
			undo_refused(plan, row, why, err);
			return false;
		}
		if (stopped_at != NULL)
			*stopped_at = row;
		break;
	}
	pfree(chosen);
	pfree(undo_scripts);
	*undo = result;
	*nundo = n;
	return true;
}
