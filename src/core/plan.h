/*-------------------------------------------------------------------------
 *
 * plan.h
 *	  Flyway's view of a database: which scripts are applied, pending,
 *	  missing, ignored...; validation; what migrate would run, and what
 *	  repair would change.
 *
 * Pure logic: it compares the scripts found in the locations with the rows
 * of the history table and decides.  No I/O, no backend-only calls; builds
 * with -DFRONTEND for unit tests.  Memory from palloc.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_MIGRATE_PLAN_H
#define PG_MIGRATE_PLAN_H

#include "migrate_error.h"
#include "names.h"

/* A script found in a location (V, R, B or U file). */
typedef struct ResolvedScript
{
	ScriptKind	kind;			/* SCRIPT_VERSIONED, _REPEATABLE, _BASELINE or _UNDO */
	MigrationVersion version;	/* V, B, U */
	char	   *description;	/* from the file name, not abbreviated */
	char	   *script;			/* path relative to its location, '/'-separated */
	char	   *path;			/* where it was read from (for messages) */
	int32		checksum;		/* V, B, U: raw text; R: after placeholders */
	int32		raw_checksum;	/* R only: checksum of the raw text */
	char	   *sql;			/* text to run (placeholders replaced); may be NULL until loaded */
	size_t		sql_len;
	const char *event;			/* SCRIPT_CALLBACK: the event id ("beforeMigrate") */
	/* from "<script>.sql.conf": -1 = not set, 0 = false, 1 = true */
	int			execute_in_transaction;
	int			placeholder_replacement;
	const char *encoding;		/* canonical (script_encoding.h); NULL = the setting's */
	bool		conf_applied;	/* its .conf was read (script_text_apply_conf) */
} ResolvedScript;

/* A row of the history table. */
typedef struct AppliedRow
{
	int			installed_rank;
	char	   *version;		/* NULL for repeatables and SCHEMA markers */
	MigrationVersion parsed;	/* valid when version != NULL */
	char	   *description;
	char	   *type;			/* "SQL", "BASELINE", "SCHEMA", "DELETE", "UNDO_SQL", "SQL_BASELINE", ... */
	char	   *script;
	bool		checksum_null;
	int32		checksum;
	char	   *installed_by;
	char	   *installed_on;	/* text as the server prints timestamp */
	int			execution_time;
	bool		success;
} AppliedRow;

typedef enum MigrationState
{
	STATE_PENDING,
	STATE_ABOVE_TARGET,
	STATE_BELOW_BASELINE,
	STATE_BASELINE_IGNORED,		/* "Ignored (Baseline)" */
	STATE_BASELINE,
	STATE_IGNORED,
	STATE_MISSING_SUCCESS,		/* "Missing" */
	STATE_MISSING_FAILED,		/* "Failed (Missing)" */
	STATE_SUCCESS,
	STATE_UNDONE,
	STATE_AVAILABLE,
	STATE_FAILED,
	STATE_OUT_OF_ORDER,
	STATE_FUTURE_SUCCESS,		/* "Future" */
	STATE_FUTURE_FAILED,		/* "Failed (Future)" */
	STATE_OUTDATED,
	STATE_SUPERSEDED,
	STATE_DELETED
} MigrationState;

/*
 * A script found under the file name parsed into name: its kind, version,
 * description and event, its path relative to its location (script) and
 * where it is read from (path), both copied; no .conf file yet (-1).
 */
extern ResolvedScript *resolved_script_new(const ScriptName *name, const char *script,
										   const char *path);

/* The history type a script is recorded with: "SQL", "SQL_BASELINE", "UNDO_SQL". */
extern const char *script_type(const ResolvedScript *script);

/* Flyway's display name: "Pending", "Above Target", "Failed (Missing)", ... */
extern const char *state_name(MigrationState state);

typedef enum TargetKind
{
	TARGET_LATEST,				/* default */
	TARGET_CURRENT,				/* no versioned migrations, repeatables only */
	TARGET_NEXT,				/* only the first pending versioned migration */
	TARGET_VERSION				/* up to and including "version" */
} TargetKind;

/*
 * One entry of Flyway's ignoreMigrationPatterns, "type:status": type "*",
 * "versioned" or "repeatable"; status "*" or a state's display name among
 * Missing, Pending, Ignored, Future (so "missing" does not match "Failed
 * (Missing)", as in Flyway).
 */
typedef enum PatternType
{
	PATTERN_ANY_TYPE,
	PATTERN_VERSIONED,
	PATTERN_REPEATABLE
} PatternType;

typedef struct IgnorePattern
{
	PatternType type;
	bool		any_state;		/* status "*" */
	MigrationState state;		/* else: PENDING, IGNORED, MISSING_SUCCESS, FUTURE_SUCCESS */
} IgnorePattern;

/*
 * Words the validation hints use for the settings a user would change: the
 * server's (pg_migrate.*) or the command's (-flags).  NULL = the server's.
 */
typedef struct PlanWording
{
	const char *apply;			/* "call migrate_apply()" | "run pg_migrate migrate" */
	const char *repair;			/* "call migrate_repair()" | "run pg_migrate repair" */
	const char *ignore_patterns;	/* "SET pg_migrate.ignore_migration_patterns = " */
	const char *out_of_order_on;	/* "SET pg_migrate.out_of_order = on" */
} PlanWording;

extern const PlanWording plan_wording_server;

typedef struct PlanOptions
{
	TargetKind	target_kind;
	MigrationVersion target;	/* TARGET_VERSION */
	bool		target_optional;	/* "N?": no error when version N does not exist */
	bool		out_of_order;

	/* ignoreMigrationPatterns; !ignore_set = Flyway's default "*:future" */
	bool		ignore_set;
	IgnorePattern *ignore;
	int			nignore;

	/* cherryPick: only these versions and repeatable descriptions (0 = all) */
	char	  **cherry_pick;
	int			ncherry_pick;

	const PlanWording *wording; /* NULL = plan_wording_server */
	const ScriptNaming *naming; /* file names in hints; NULL = Flyway's defaults */
} PlanOptions;

/*
 * Parse ignoreMigrationPatterns into opts: NULL = Flyway's default
 * "*:future", "" = none, else a comma-separated list of "type:status".
 * false + *errmsg naming the bad entry.
 */
extern bool plan_parse_ignore_patterns(const char *text, PlanOptions *opts, char **errmsg);

/*
 * Parse cherryPick into opts: NULL or "" = every migration, else a
 * comma-separated list of versions ("2.1", or "2_1" as Flyway allows) and
 * repeatable descriptions ("Create_view" or "Create view").
 */
extern bool plan_parse_cherry_pick(const char *text, PlanOptions *opts, char **errmsg);

/* Whether the patterns (with "*:pending" when extra_pending) ignore a state. */
extern bool plan_state_ignored(const PlanOptions *opts, bool versioned, MigrationState state,
							   bool extra_pending);

/*
 * Parse a target as given to migrate_apply(target => ...): NULL or "latest",
 * "current", "next" (any case), "N" or "N?".  false + *errmsg when invalid.
 */
extern bool plan_parse_target(const char *text, PlanOptions *opts, char **errmsg);

/* One line of migrate_info(), in Flyway's info order. */
typedef struct InfoEntry
{
	const ResolvedScript *resolved; /* NULL when no file */
	const AppliedRow *applied;	/* NULL when not applied */
	MigrationState state;
	const char *category;		/* "Versioned", "Repeatable", "Baseline", "Undo", "" */
	const char *type;			/* applied row's type, else "SQL" / "SQL_BASELINE" / "UNDO_SQL" */
} InfoEntry;

/* A validation failure, worded as Flyway words it. */
typedef struct PlanError
{
	const char *code;			/* Flyway's error code: "CHECKSUM_MISMATCH", ... */
	char	   *message;		/* first line, e.g. "Migration checksum mismatch for migration version 2" */
	char	   *detail;			/* following lines ("Applied to database : 1 / Resolved locally : 2") or NULL */
	const InfoEntry *entry;
} PlanError;

typedef struct MigrationPlan
{
	InfoEntry  *entries;		/* every script and row, in Flyway's info order */
	int			nentries;

	/* what migrate would apply now, in order: versioned first, then repeatables */
	const ResolvedScript **pending;
	int			npending;

	/* validate, as "migrate" runs it (the patterns plus "*:pending") or validate does */
	PlanError  *errors;
	int			nerrors;

	/* schema version: highest applied versioned (or NULL = "<< Empty Schema >>") */
	const char *current_version;

	bool		has_failed_row; /* a success=false row that is not deleted */
	const AppliedRow *failed_row;
	bool		target_missing; /* TARGET_VERSION (not optional) that no script has */

	/*
	 * The inputs (copies of the two pointer arrays; the scripts and rows
	 * themselves are the caller's).  plan_repair() needs them: Flyway's
	 * repair deletes the failed rows first and then recomputes every state.
	 */
	PlanOptions in_opts;		/* repair ignores what validate ignored */
	ResolvedScript *const *in_scripts;
	int			in_nscripts;
	AppliedRow *const *in_rows;
	int			in_nrows;
} MigrationPlan;

/*
 * Build the plan.  "scripts" are every V/R/B/U file found (duplicates
 * already rejected by the caller); "rows" are all history rows ordered by
 * installed_rank.  "for_validate" selects the pattern set: false = migrate's
 * (pending allowed), true = validate's (pending is an error too).
 */
extern MigrationPlan *plan_build(ResolvedScript *const *scripts, int nscripts,
								 AppliedRow *const *rows, int nrows,
								 const PlanOptions *opts, bool for_validate);

/*
 * Duplicate detection among scripts, as Flyway does after sorting: two
 * versioned (or two baseline, or two undo) scripts with numerically equal
 * versions, or two repeatables with the same description.  Returns the
 * number of clashes found and sets *first_a / *first_b to the first pair.
 */
extern int	plan_find_duplicates(ResolvedScript *const *scripts, int nscripts,
								 const ResolvedScript **first_a,
								 const ResolvedScript **first_b);

/* What "repair" would do (Flyway's DbRepair), without doing it. */
typedef struct RepairAction
{
	enum
	{
		REPAIR_DELETE_FAILED,	/* delete a success=false row */
		REPAIR_MARK_DELETED,	/* insert a DELETE row for a missing migration */
		REPAIR_REALIGN			/* update description/type/checksum to the file's */
	}			action;
	const AppliedRow *row;
	const ResolvedScript *script;	/* REPAIR_REALIGN only */
} RepairAction;

extern RepairAction *plan_repair(const MigrationPlan *plan, int *nactions);

/*
 * What undo would run (Flyway Teams' undo): the U script of the most
 * recently applied versioned migration (by installed_rank), or with a
 * target (the lowest version to undo) of every one applied after it, newest
 * first, stopping at the first whose version is below the target or that
 * cannot be undone (no U script, a baseline): *stopped_at (may be NULL)
 * names that one.  Without a target the latest must be undoable, or false
 * with *err (55000 a baseline, 42704 no U script); 22023 a bad target.
 * *nundo may be 0.
 */
extern bool plan_undo(const MigrationPlan *plan, ResolvedScript *const *scripts, int nscripts,
					  const char *target, const ResolvedScript ***undo, int *nundo,
					  const AppliedRow **stopped_at, MigrateError *err);

#endif							/* PG_MIGRATE_PLAN_H */
