/*
 * test_session_settings.c
 *	  Unit tests for session_settings.c: the settings every script starts
 *	  from, in the order they are put back, and the scripts' search_path.
 */
#include "postgres_fe.h"

#include "session_settings.h"
#include "unit.h"

static void
test_order(void)
{
	/* the identity first, then the search_path, then the rest */
	CHECK_STR(session_settings[SESSION_SETTING_SESSION_AUTHORIZATION], "session_authorization");
	CHECK_STR(session_settings[SESSION_SETTING_ROLE], "role");
	CHECK_INT(SESSION_SETTINGS_IDENTITY, SESSION_SETTING_ROLE + 1);
	CHECK_STR(session_settings[SESSION_SETTING_SEARCH_PATH], "search_path");
	CHECK_STR(session_settings[SESSION_SETTINGS_COUNT - 1], "check_function_bodies");
	for (int i = 0; i < SESSION_SETTINGS_COUNT; i++)
		CHECK(session_settings[i] != NULL && strncmp(session_settings[i], "pg_migrate.", 11) != 0);
}

static void
test_search_path(void)
{
	CHECK_STR(session_search_path_with_first("\"$user\", public", "app"), "app, \"$user\", public");
	/* first already: as it is */
	CHECK_STR(session_search_path_with_first("app, public", "app"), "app, public");
	CHECK_STR(session_search_path_with_first("app", "app"), "app");
	/* a name that only starts with it is another schema */
	CHECK_STR(session_search_path_with_first("apps, public", "app"), "app, apps, public");
	CHECK_STR(session_search_path_with_first("public", "\"My App\""), "\"My App\", public");
	/* an empty search_path: the schema alone, no empty element */
	CHECK_STR(session_search_path_with_first("", "app"), "app");
	CHECK_STR(session_search_path_with_first(NULL, "app"), "app");
	/* no schema: the path as it is */
	CHECK_STR(session_search_path_with_first("public", NULL), "public");
	CHECK_STR(session_search_path_with_first(NULL, NULL), "");
}

int
main(void)
{
	test_order();
	test_search_path();
	return unit_summary("session_settings");
}
