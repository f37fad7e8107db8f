/*-------------------------------------------------------------------------
 *
 * migrate_error_report.c
 *	  Raise a MigrateError, as the pure core returns it, as the server's
 *	  ERROR with the same SQLSTATE and texts.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "pg_migrate.h"

/*
 * ereport_migrate_error
 *		ereport(ERROR) with the error's SQLSTATE, message, and its detail,
 *		hint and context when set.  Does not return.
 */
void
ereport_migrate_error(const MigrateError *err)
{
	const char *s = err->sqlstate;

	if (!migrate_error_is_set(err))
		elog(ERROR, "pg_migrate: an error was reported without a SQLSTATE");
	ereport(ERROR,
			(errcode(MAKE_SQLSTATE(s[0], s[1], s[2], s[3], s[4])),
			 errmsg_internal("%s", err->message),
			 err->detail ? errdetail_internal("%s", err->detail) : 0,
			 err->hint ? errhint("%s", err->hint) : 0,
			 err->context ? errcontext("%s", err->context) : 0));
	pg_unreachable();
}
