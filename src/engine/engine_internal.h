/*-------------------------------------------------------------------------
 *
 * engine_internal.h
 *	  What the engine's files share: preparing a run (prepare.c), telling
 *	  the user (the sinks), and failing with a MigrateError.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_MIGRATE_ENGINE_INTERNAL_H
#define PG_MIGRATE_ENGINE_INTERNAL_H

#include "engine.h"

/* How much of a run prepare_run() does. */
typedef enum PrepareLock
{
	PREPARE_NO_LOCK,			/* info, validate, the apply-needed check */
	PREPARE_LOCK				/* migrate, undo, repair: Flyway's lock first */
} PrepareLock;

/*
 * Locate the history table (and lock it), create it when create_history,
 * read scripts and history and plan.  for_validate: validate's patterns
 * (pending is an error).  false + engine->error on failure.
 */
extern bool prepare_run(Engine *engine, PrepareLock lock, bool create_history,
						bool for_validate);

/* Scripts found and checked (names, callback events, duplicates, versions). */
extern bool prepare_scripts(Engine *engine);

/* Scripts found and checked, history read, Flyway's plan built. */
extern bool prepare_plan(Engine *engine, bool for_validate);

/* Just the history table's name, lock key and existence. */
extern bool prepare_locate_history(Engine *engine);

/* The missing schemas (createSchemas) and the history table, with the SCHEMA marker. */
extern bool prepare_create_history(Engine *engine, bool *created_schemas);

/* Every validation problem as one error (Flyway reports them together). */
extern bool prepare_check_plan(Engine *engine, const char *what);

/*
 * Migrate's checks with validateOnMigrate off, as Flyway still makes them:
 * the target exists, and no migration failed.
 */
extern bool prepare_check_unvalidated(Engine *engine);

/*
 * The callbacks of a command that runs no migration (baseline, clean):
 * scripts it does not need do not stop it (a WARNING names the problem and
 * no callback runs); events lists the command's callbacks, for the hint.
 */
extern bool read_command_callbacks(Engine *engine, const char *command, const char *events);

/* The schemas Flyway manages: the history table's first, then schemas (prepare.c). */
extern char **managed_schemas(Engine *engine, int *count);

/* Release Flyway's lock if this run holds it. */
extern void engine_unlock(Engine *engine);

/* Fail with a formatted message; returns false. */
extern bool engine_fail(Engine *engine, const char *sqlstate, const char *detail,
						const char *hint, const char *fmt,...) pg_attribute_printf(5, 6);

extern void engine_notice(Engine *engine, EngineNoticeLevel level, const char *message,
						  const char *detail, const char *hint);

/* Where a script failed: the statement, and whose it was. */
typedef struct ScriptFailure
{
	RunScript  *script;			/* the script that failed (a callback in a block, say) */
	RunStatement *statement;	/* NULL: it failed outside its statements */
} ScriptFailure;

/*
 * Callbacks (callbacks.c): run an event's SQL callbacks.  block_open: inside
 * the migration's open transaction block (beforeEach/afterEach); otherwise
 * each runs in its own transaction.  A statement's failure is left in
 * *failure for the migration to report when failure is given, else it is
 * reported as the callback's.
 */
extern bool run_callbacks(Engine *engine, const char *event, bool block_open,
						  ScriptFailure *failure);
/* Error callbacks: a failure of theirs is a warning; engine->error is kept. */
extern void run_error_callbacks(Engine *engine, const char *event);

/* The event's callbacks, in the order they run (count: how many). */
extern ResolvedScript **callbacks_of(Engine *engine, const char *event, int *count);

/* A callback statement the caller's transaction cannot hold is refused. */
extern bool check_callback_for_caller(Engine *engine, RunScript *run);

/* A failed command's error callbacks (not after a statement's error in the caller's transaction). */
extern void run_failure_callbacks(Engine *engine, const char *event);

/* Refuse a callback file whose event never happens in this tool, naming it. */
extern bool check_callback_events(Engine *engine);

/* The command's afterConnect callbacks (nothing in the extension). */
extern bool run_connect_callbacks(Engine *engine);

/* beforeCreateSchema and createSchema, before the history's schema is created. */
extern bool run_create_schema_callbacks(Engine *engine);

/* statements.c */
extern bool run_script_statements(Engine *engine, RunScript *script, bool in_block,
								  ScriptFailure *failure);

/* "migration", "undo script" or "callback", for messages */
extern const char *script_noun(const ResolvedScript *script);
/* A statement's text, as a string of its own */
extern char *statement_text(const RunScript *script, const RunStatement *stmt);
/* text with the values of secret placeholders shown as *** */
extern char *engine_mask(Engine *engine, const char *text);

/*
 * engine->error, from a statement's error, reworded to name the script,
 * its line and the statement, with hint after the server's own.
 */
extern void blame_script(Engine *engine, const ScriptFailure *failure, const char *hint);

/* Milliseconds since start (INSTR_TIME). */
extern int	engine_elapsed_ms(const void *start);

#endif							/* PG_MIGRATE_ENGINE_INTERNAL_H */
