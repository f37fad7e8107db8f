/*-------------------------------------------------------------------------
 *
 * session_settings.h
 *	  The settings a run puts back before each script and each history
 *	  write (session_settings.c says which and why): one list for the
 *	  extension (src/backend/session_state.c) and the pg_migrate command
 *	  (client/executor_libpq.c).
 *
 * Pure logic: no I/O, no ereport/elog; builds with -DFRONTEND.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_MIGRATE_SESSION_SETTINGS_H
#define PG_MIGRATE_SESSION_SETTINGS_H

/*
 * Where session_settings[] names the settings put back in their own way:
 * the identity first (a new session authorization drops the role, so the
 * role is set again then), then the search_path, the history schema first.
 */
#define SESSION_SETTING_SESSION_AUTHORIZATION 0
#define SESSION_SETTING_ROLE	1
#define SESSION_SETTING_SEARCH_PATH 2

/* session_settings[0 .. SESSION_SETTINGS_IDENTITY - 1] say who runs a script */
#define SESSION_SETTINGS_IDENTITY 2
#define SESSION_SETTINGS_COUNT 9

/* The settings put back, in the order they are put back. */
extern const char *const session_settings[SESSION_SETTINGS_COUNT];

/*
 * The search_path scripts start with: path (NULL = empty) with first, an
 * identifier quoted as search_path shows it, put first unless it is first
 * already; first NULL leaves path as it is.  palloc'd.
 */
extern char *session_search_path_with_first(const char *path, const char *first);

#endif							/* PG_MIGRATE_SESSION_SETTINGS_H */
