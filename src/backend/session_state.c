/*-------------------------------------------------------------------------
 *
 * session_state.c
 *	  The session state every migration starts from.  A run remembers who
 *	  it runs as and its settings (core/session_settings.c's, and the
 *	  extension's own below) when it starts, and puts them back before each
 *	  script and before each history write, so that nothing a migration
 *	  leaves behind changes who runs the next one, where its objects go, or
 *	  whether triggers fire.
 *
 * In the apply worker each migration runs at top level, and a script's SET
 * outlives its transaction; in the caller's transaction (single_transaction,
 * validate) a script's SET, even SET LOCAL, lasts until that transaction
 * ends.  Both are put back the same way.  In the caller's session the state
 * it had is also put back when the run ends, so the caller does not come
 * out of migrate_apply() as another role.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "pg_migrate.h"
#include "session_settings.h"
#include "session_state.h"

/*
 * The extension's own settings, put back after the session's
 * (session_settings.c says which and why), for the same reason: how the run
 * treats and records the next script, as the call set them.
 */
static const char *const own_settings[] = {
	"pg_migrate.mixed",
	"pg_migrate.placeholder_replacement",
	"pg_migrate.installed_by",
	"pg_migrate.sql_migration_prefix",
	"pg_migrate.sql_migration_separator",
	"pg_migrate.sql_migration_suffixes",
	"pg_migrate.repeatable_sql_migration_prefix",
	"pg_migrate.undo_sql_migration_prefix",
	"pg_migrate.baseline_migration_prefix",
	"pg_migrate.clean_disabled",
	"pg_migrate.placeholder_prefix",
	"pg_migrate.placeholder_suffix",
	"pg_migrate.placeholder_separator",
	"pg_migrate.encoding",
};

struct SessionState
{
	char	   *values[SESSION_SETTINGS_COUNT]; /* session_settings[] */
	char	   *own_values[lengthof(own_settings)];
	Oid			user_id;		/* also what no setting says: the worker's */
	int			sec_context;	/* user, a SECURITY DEFINER caller's */
	char	   *script_search_path; /* what scripts start with */
	int			caller_guc_level;	/* run in the caller's transaction: its
									 * GUC nest level, else 0 */
};

static char *
setting_now(const char *name)
{
	const char *value = GetConfigOption(name, false, false);

	return value ? pstrdup(value) : NULL;
}

/*
 * session_state_remember
 *		The state the run starts with, in cxt; schema_first is put first on
 *		the scripts' search_path.
 */
SessionState *
session_state_remember(MemoryContext cxt, const char *schema_first)
{
	MemoryContext oldcxt = MemoryContextSwitchTo(cxt);
	SessionState *state = palloc0(sizeof(SessionState));

	for (int i = 0; i < SESSION_SETTINGS_COUNT; i++)
		state->values[i] = setting_now(session_settings[i]);
	for (int i = 0; i < lengthof(own_settings); i++)
		state->own_values[i] = setting_now(own_settings[i]);
	GetUserIdAndSecContext(&state->user_id, &state->sec_context);
	state->script_search_path =
		session_search_path_with_first(state->values[SESSION_SETTING_SEARCH_PATH],
									   schema_first != NULL && schema_first[0] != '\0' ?
									   quote_identifier(schema_first) : NULL);
	MemoryContextSwitchTo(oldcxt);
	return state;
}

/*
 * Put one setting back to the value it had when the run started (unless it
 * has it, and not forced).  Going back needs no privilege the session did
 * not have then, hence PGC_SUSET even for a non-superuser: a migration run
 * as a superuser may have changed a superuser-only setting.
 */
static bool
put_back(const char *name, const char *value, bool force)
{
	const char *now = GetConfigOption(name, false, false);

	if (!force && strcmp(now ? now : "", value ? value : "") == 0)
		return false;
	(void) set_config_option(name, value, PGC_SUSET, PGC_S_SESSION, GUC_ACTION_SET,
							 true, 0, false);
	return true;
}

/*
 * The settings as the run found them, in session_settings[]'s order: the
 * identity, then the rest as that identity, then the extension's own.
 */
static void
restore_settings(const SessionState *state, const char *search_path)
{
	bool		session_user_changed = false;

	for (int i = 0; i < SESSION_SETTINGS_COUNT; i++)
	{
		const char *value = i == SESSION_SETTING_SEARCH_PATH ? search_path : state->values[i];
		/* a new session user drops the role: set it again even if it reads the same */
		bool		force = i == SESSION_SETTING_ROLE && session_user_changed;
		bool		changed = put_back(session_settings[i], value, force);

		if (i == SESSION_SETTING_SESSION_AUTHORIZATION)
			session_user_changed = changed;
		if (i == SESSION_SETTINGS_IDENTITY - 1)
			SetUserIdAndSecContext(state->user_id, state->sec_context);
	}
	for (int i = 0; i < lengthof(own_settings); i++)
		(void) put_back(own_settings[i], state->own_values[i], false);
}

/*
 * session_state_restore
 *		Before a script (or a history write): the state the run started
 *		with, the history schema first on the search_path.  Called inside a
 *		transaction (role names are looked up).
 */
void
session_state_restore(const SessionState *state)
{
	restore_settings(state, state->script_search_path);
}

/*
 * session_state_begin_caller_run
 *		A run in the caller's transaction (single_transaction, validate)
 *		starts: every setting it changes from here on is undone when it ends,
 *		so a caller's SET LOCAL stays local and its SET stays as it was.
 */
void
session_state_begin_caller_run(SessionState *state)
{
	state->caller_guc_level = NewGUCNestLevel();
}

/*
 * session_state_restore_caller
 *		When a run in the caller's transaction ends: the caller's own
 *		settings as they were (SET LOCAL ones still local), and its user.
 */
void
session_state_restore_caller(const SessionState *state)
{
	Assert(state->caller_guc_level > 0);
	AtEOXact_GUC(false, state->caller_guc_level);
	SetUserIdAndSecContext(state->user_id, state->sec_context);
}

/*
 * session_state_refuse_temporary_schema
 *		A history table in a temporary schema (pg_migrate.schema naming one,
 *		or a search_path that starts with pg_temp) would vanish with the
 *		session, with every object the migrations made there, after each
 *		call reported success; in the apply worker it vanishes at once.
 */
void
session_state_refuse_temporary_schema(const char *schema)
{
	if (strcmp(schema, "pg_temp") != 0 && strncmp(schema, "pg_temp_", 8) != 0 &&
		strncmp(schema, "pg_toast_temp_", 14) != 0)
		return;
	if (pgm_schema && strcmp(pgm_schema, schema) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_SCHEMA_NAME),
				 errmsg("the history table cannot be kept in a temporary schema"),
				 errdetail("pg_migrate.schema names \"%s\": the history table and the objects the migrations create there would be dropped when the session ends.",
						   schema),
				 errhint("Set pg_migrate.schema to the schema to migrate.")));
	if (settings_history_schema() != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_SCHEMA_NAME),
				 errmsg("the schemas to migrate cannot include a temporary schema"),
				 errdetail("pg_migrate.schemas names \"%s\": the objects the migrations create there (and the history table, in the first) would be dropped when the session ends.",
						   schema),
				 errhint("Set pg_migrate.schemas to the schemas to migrate.")));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_SCHEMA_NAME),
			 errmsg("the history table cannot be kept in a temporary schema"),
			 errdetail("pg_migrate.schema is empty and the first existing schema on search_path is pg_temp, so the history table and the objects the migrations create would go to a temporary schema, dropped when the session ends."),
			 errhint("Put the schema to migrate first on search_path, or set pg_migrate.schema.")));
}
