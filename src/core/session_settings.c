/*-------------------------------------------------------------------------
 *
 * session_settings.c
 *	  The settings every script starts from.  A run remembers them when it
 *	  starts and puts them back before each script and each history write,
 *	  so that nothing a migration leaves behind changes who runs the next
 *	  one, where its objects go, or whether triggers fire.  The extension
 *	  (src/backend/session_state.c, which adds its own pg_migrate.*
 *	  settings) and the pg_migrate command (client/executor_libpq.c) put
 *	  back the same list.
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

#include <string.h>

#include "session_settings.h"

/*
 * The settings, and why:
 *
 *	session_authorization,		who runs the next script (SET SESSION
 *	role						AUTHORIZATION, SET ROLE)
 *	search_path					where the next script's objects go and what
 *								its names (tables, functions, operators)
 *								resolve to
 *	default_tablespace,			where its tables and indexes go, and its
 *	temp_tablespaces			temporary tables and files
 *	default_table_access_method	how its tables are stored
 *	session_replication_role	whether triggers, rules and foreign keys
 *								fire: "replica" turns them all off
 *	row_security				whether its queries on tables with policies
 *								run or fail
 *	check_function_bodies		whether its function bodies are checked
 *
 * The identity comes first and the rest are put back as that identity:
 * temp_tablespaces keeps only tablespaces the current user may use.
 *
 * Left alone on purpose, as Flyway leaves them: timeouts (lock_timeout,
 * statement_timeout), memory, logging and the like, which a beforeMigrate
 * callback or a migration may set for the rest of the run.
 */
const char *const session_settings[SESSION_SETTINGS_COUNT] = {
	[SESSION_SETTING_SESSION_AUTHORIZATION] = "session_authorization",
	[SESSION_SETTING_ROLE] = "role",
	[SESSION_SETTING_SEARCH_PATH] = "search_path",
	"default_tablespace",
	"temp_tablespaces",
	"default_table_access_method",
	"session_replication_role",
	"row_security",
	"check_function_bodies",
};

/*
 * session_search_path_with_first
 *		Flyway puts the history schema first on the search_path of every
 *		script, unless it is first already.
 */
char *
session_search_path_with_first(const char *path, const char *first)
{
	size_t		len;

	if (path == NULL)
		path = "";
	if (first == NULL)
		return pstrdup(path);
	len = strlen(first);
	if (strncmp(path, first, len) == 0 && (path[len] == '\0' || path[len] == ','))
		return pstrdup(path);
	return path[0] != '\0' ? psprintf("%s, %s", first, path) : pstrdup(first);
}
