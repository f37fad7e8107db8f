/*-------------------------------------------------------------------------
 *
 * pg_migrate.h
 *	  Declarations shared by the backend files of pg_migrate.
 *
 * Wording used throughout:
 *	  script	a file found in a location (V, R, B, U file)
 *	  migration	a script that migrate_apply() runs and records
 *	  history	the flyway_schema_history table (Flyway's format)
 *	  apply		run pending migrations and record them in the history
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_MIGRATE_H
#define PG_MIGRATE_H

#include "lib/stringinfo.h"
#include "nodes/pg_list.h"
#include "utils/elog.h"

#include "engine.h"
#include "placeholders.h"
#include "plan.h"

/* Settings (pg_migrate.*), defined in settings.c. */
extern char *pgm_locations;
extern char *pgm_schema;
extern char *pgm_schemas;
extern bool pgm_create_schemas;
extern char *pgm_tablespace;
extern int	pgm_lock_retry_count;
extern char *pgm_table;
extern char *pgm_placeholders;
extern bool pgm_placeholder_replacement;
extern char *pgm_placeholder_prefix;
extern char *pgm_placeholder_suffix;
extern char *pgm_placeholder_separator;
extern bool pgm_validate_naming;
extern bool pgm_out_of_order;
extern bool pgm_baseline_on_migrate;
extern char *pgm_baseline_version;
extern char *pgm_baseline_description;
extern char *pgm_installed_by;
extern bool pgm_mixed;
extern char *pgm_ignore_migration_patterns;
extern bool pgm_validate_on_migrate;
extern bool pgm_skip_executing_migrations;
extern char *pgm_cherry_pick;
extern bool pgm_fail_on_missing_locations;
extern bool pgm_fail_on_missing_target;
extern bool pgm_clean_disabled;
extern char *pgm_encoding;

/* settings.c: defining the settings, and reading them as lists */
extern void settings_define(void);
extern List *locations_entries(void);
extern char **settings_schemas(int *count);
extern const char *settings_history_schema(void);
extern void settings_naming(const char *values[NAMING_SETTING_COUNT]);

/* extension_owner.c: act as the extension's owner, for its own tables */
extern Oid	become_extension_owner(char **schema, Oid *saved_user, int *saved_sec);

/* migrate_error_report.c: an error the pure core returned, raised as ERROR */
extern void ereport_migrate_error(const MigrateError *err) pg_attribute_noreturn();

/* What a call asked for, beyond the settings. */
typedef struct CallOptions
{
	char	   *target;			/* NULL = latest */
	char	   *placeholders_json;	/* per-call overrides, NULL = none */
	int			out_of_order;	/* -1 = setting, 0 = off, 1 = on */
	bool		single_transaction;
	bool		names_reported; /* badly named files were already warned about */
	bool		undo;			/* migrate_undo(): run undo scripts instead */
} CallOptions;

/* Where apply results go: a tuplestore in the caller, or the leader's queue. */
typedef void (*ResultSink) (const AppliedResult *result, void *arg);

/* locations.c: scripts found in pg_migrate.locations */
typedef struct ScriptSet
{
	ResolvedScript **scripts;	/* V, R, B, U scripts */
	int			nscripts;
	List	   *callbacks;		/* ResolvedScript * of SQL callbacks (event set) */
	List	   *invalid_names;	/* char *: "path: reason" for badly named .sql files */
	List	   *missing_locations;	/* char *: folder locations that do not exist */
} ScriptSet;

extern ScriptSet *locations_resolve(const ScriptNaming *naming, PlaceholderSet *placeholders);
extern char *locations_script_text(const ResolvedScript *script, PlaceholderSet *placeholders,
								   size_t *len);
extern int	locations_unsaved_checksums(void);
extern void locations_forget_unsaved_checksums(void);
extern void locations_save_checksums(void);

/* history.c: the history table */
typedef struct HistoryTable
{
	char	   *schema;
	char	   *table;
	char	   *qualified;		/* "schema"."table", quoted */
	int64		lock_key;		/* Flyway's advisory lock key for it */
	char	   *tablespace;		/* CREATE TABLE's; NULL = the default */
	bool		exists;
	bool		schema_exists;
	MemoryContext mcxt;			/* where history_read() puts the rows */
} HistoryTable;

extern HistoryTable *history_locate(void);
extern void history_probe(HistoryTable *history);
extern void history_create(HistoryTable *history, char *const *schemas, int nschemas);
extern AppliedRow **history_read(HistoryTable *history, int *nrows);
extern int	history_apply_change(HistoryTable *history, const HistoryChange *change);
extern bool history_schema_is_empty(HistoryTable *history);
extern void history_unlock_session(HistoryTable *history);
extern bool history_lock_wait(HistoryTable *history, bool session, int retry_count);
extern char *history_lock_holders(HistoryTable *history);
extern bool history_lock_is_held(HistoryTable *history);
extern bool history_lock_held_by_me(HistoryTable *history);

/* script.c: splitting and running one script */
typedef struct ScriptStatement
{
	int			location;		/* byte offset in the script text */
	int			length;			/* 0 = to the end */
	int			line;			/* 1-based line of its first token */
	bool		transactional;	/* false: must run outside a transaction block */
	bool		is_transaction_control; /* BEGIN, COMMIT, ROLLBACK, ... */
	bool		commits_work;	/* statement_commits_work() */
	bool		ends_block;		/* statement_ends_block() */
	void	   *raw;			/* RawStmt * */
	/* COPY ... FROM STDIN: the data block that followed it in the script */
	const char *copy_data;
	int			copy_len;
	int			copy_line;		/* line of the first data line */
} ScriptStatement;

typedef struct ParsedScript
{
	const ResolvedScript *script;
	const char *text;			/* server-encoded text that was parsed */
	size_t		len;
	List	   *statements;		/* ScriptStatement * */
	bool		transactional;	/* no statement needs to run outside a transaction */
} ParsedScript;

extern ParsedScript *script_parse(const ResolvedScript *script, const char *text, size_t len);
extern void script_execute_toplevel(ParsedScript *parsed, ScriptStatement *stmt);
extern void script_execute_spi(ParsedScript *parsed, ScriptStatement *stmt);
extern int	script_error_line(ErrorData *edata, const ParsedScript *parsed,
							  const ScriptStatement *stmt);
extern ScriptStatement *script_current_statement;
extern ParsedScript *script_current_script;
extern void script_set_secrets(const PlaceholderSet *placeholders);
extern char *script_mask_secrets(const char *text);

/* apply_worker.c: per-migration commits in a dynamic background worker */
#include "postmaster/bgworker.h"
#include "storage/dsm.h"
extern void session_worker_init(BackgroundWorker *worker, const char *function, const char *type,
								dsm_segment *seg);
extern void apply_in_worker(CallOptions *options, ResultSink sink, void *sink_arg);

#endif							/* PG_MIGRATE_H */
