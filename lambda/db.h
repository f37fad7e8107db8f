/*-------------------------------------------------------------------------
 *
 * db.h
 *	  Connect with libpq and run migrate_apply().
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGM_DB_H
#define PGM_DB_H

#include <cjson/cJSON.h>

#include "config.h"
#include "secrets.h"

/*
 * Connect, log migrate_info() before and after, apply.  secret may be NULL.
 * Everything must finish before deadline_ms (absolute, Unix epoch ms).
 * On success returns 0 and *result = {"applied":..,"migrations":[..],..},
 * with *error_type and *errmsg NULL.
 * On failure returns -1 with *error_type (static) and *errmsg (malloc'd);
 * *auth_failed tells whether a fresh secret might help.
 */
extern int	db_migrate(const config *cfg, const db_secret *secret, long deadline_ms,
					   cJSON **result, const char **error_type, char **errmsg,
					   int *auth_failed);

#endif							/* PGM_DB_H */
