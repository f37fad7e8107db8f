/*-------------------------------------------------------------------------
 *
 * migrate_error.h
 *	  An error as the engine and the pure core pass it around: what a
 *	  backend ereport() would carry, without throwing.
 *
 * The core and the engine build in the server and in the command, so they
 * return false and fill a MigrateError instead of calling ereport().  The
 * server turns it into an ereport() (backend/engine_server.c); the command
 * prints it (client/report.c).  Errors that came from a server keep its
 * SQLSTATE and texts.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_MIGRATE_MIGRATE_ERROR_H
#define PG_MIGRATE_MIGRATE_ERROR_H

typedef struct MigrateError
{
	char		sqlstate[6];	/* five characters and a NUL; "" = none set */
	char	   *message;		/* one line, no trailing period */
	char	   *detail;			/* or NULL */
	char	   *hint;			/* or NULL */
	char	   *context;		/* the server's CONTEXT lines, or NULL */
	int			line;			/* for a failed statement: the script line, 0 = its first */
	int			position;		/* the server's cursor position in the statement, 0 = none */
} MigrateError;

/* Set every field (detail and hint may be NULL); the texts are copied. */
extern void migrate_error_set(MigrateError *err, const char *sqlstate, const char *message,
							  const char *detail, const char *hint);
extern void migrate_error_clear(MigrateError *err);
extern bool migrate_error_is_set(const MigrateError *err);

/* Common SQLSTATEs, as text (utils/errcodes.h is the server's). */
#define SQLSTATE_INVALID_PARAMETER_VALUE "22023"
#define SQLSTATE_INVALID_NAME "42602"
#define SQLSTATE_DUPLICATE_OBJECT "42710"
#define SQLSTATE_UNDEFINED_OBJECT "42704"
#define SQLSTATE_OBJECT_NOT_IN_PREREQUISITE_STATE "55000"
#define SQLSTATE_ACTIVE_SQL_TRANSACTION "25001"
#define SQLSTATE_CHARACTER_NOT_IN_REPERTOIRE "22021"
#define SQLSTATE_INSUFFICIENT_PRIVILEGE "42501"
#define SQLSTATE_CONNECTION_FAILURE "08006"
#define SQLSTATE_INTERNAL_ERROR "XX000"
#define SQLSTATE_LOCK_NOT_AVAILABLE "55P03"
#define SQLSTATE_FEATURE_NOT_SUPPORTED "0A000"

#endif							/* PG_MIGRATE_MIGRATE_ERROR_H */
