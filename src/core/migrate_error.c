/*-------------------------------------------------------------------------
 *
 * migrate_error.c
 *	  Filling, clearing and testing a MigrateError (migrate_error.h).
 *
 * Pure logic: builds in the server and with -DFRONTEND.  The texts are
 * copied with pstrdup into the current memory context.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include "migrate_error.h"

static char *
copy_or_null(const char *text)
{
	return text != NULL ? pstrdup(text) : NULL;
}

void
migrate_error_set(MigrateError *err, const char *sqlstate, const char *message,
				  const char *detail, const char *hint)
{
	/* a malformed code would make a wrong SQLSTATE: take five characters or none */
	if (sqlstate != NULL && strlen(sqlstate) == 5)
		memcpy(err->sqlstate, sqlstate, 6);
	else
		strcpy(err->sqlstate, SQLSTATE_INTERNAL_ERROR);
	err->message = pstrdup(message != NULL ? message : "unknown error");
	err->detail = copy_or_null(detail);
	err->hint = copy_or_null(hint);
	err->context = NULL;
	err->line = 0;
	err->position = 0;
}

void
migrate_error_clear(MigrateError *err)
{
	memset(err, 0, sizeof(*err));
}

bool
migrate_error_is_set(const MigrateError *err)
{
	return err->sqlstate[0] != '\0';
}
