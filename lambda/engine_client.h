/*-------------------------------------------------------------------------
 *
 * engine_client.h
 *	  Client mode: the scripts bundled with the function, applied by the
 *	  engine the extension and the pg_migrate command run (src/engine/),
 *	  over the handler's own libpq connection.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGM_ENGINE_CLIENT_H
#define PGM_ENGINE_CLIENT_H

#include <cjson/cJSON.h>
#include <libpq-fe.h>

#include "config.h"

/*
 * At init, after config_load(): the engine options from the FLYWAY_*
 * settings (client/engine_options.c) and the locations, relative ones
 * under LAMBDA_TASK_ROOT.  Unless the engine is "extension"; with
 * "client", a location that is no folder of the function fails the init.
 * Returns -1 with *errmsg (malloc'd) on a bad setting.
 */
extern int	client_setup_load(config *cfg, char **errmsg);
extern void client_setup_free(config *cfg);

/*
 * Why client mode cannot run (a location that is no folder), malloc'd, or
 * NULL.  Checked before a deploy that auto chose client mode.
 */
extern char *client_locations_problem(const config *cfg);

/*
 * The deploy in client mode over conn (connected, timeouts set): the
 * history before, migrate, the history after.  The run is cancelled at
 * deadline_ms and its connection shut at hard_deadline_ms.  Fills result
 * as db.c does for migrate_apply() (migrations, applied, schemaVersion,
 * schemaVersionBefore) and returns 0; or returns -1 with *error_type
 * (static) and *errmsg (malloc'd).
 */
extern int	client_migrate(PGconn *conn, const config *cfg, long deadline_ms,
						   long hard_deadline_ms, cJSON *result, const char **error_type,
						   char **errmsg);

#endif							/* PGM_ENGINE_CLIENT_H */
