/*-------------------------------------------------------------------------
 *
 * output.h
 *	  What the pg_migrate command prints: a line on stderr per migration
 *	  as it is applied, Flyway's "info" table, and with -outputType=json
 *	  Flyway's JSON result of each command on stdout.
 *
 * Every text from the engine or the server goes through the secret
 * placeholders' mask (placeholders_mask_secrets) before it is printed.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CLIENT_OUTPUT_H
#define CLIENT_OUTPUT_H

#include <stdio.h>

#include "libpq-fe.h"

#include "engine.h"
#include "report.h"

typedef struct CommandOutput CommandOutput;


/* Start a command: the sinks to give the engine point at what it collects. */
extern CommandOutput *output_begin(const OutputSettings *settings, const char *command,
								   Engine *engine, EngineSinks *sinks);

/* validate: how many migrations were validated. */
extern void output_validated(CommandOutput *co, int count);

/* The command succeeded: its summary line, table or JSON. */
extern void output_success(CommandOutput *co);

/* The command failed: err printed as report.c prints errors, or as JSON. */
extern void output_failure(CommandOutput *co, const MigrateError *err);

/* Mask secret placeholder values in a text (NULL stays NULL). */

/* A server's NOTICE or WARNING, on stderr (libpq's notice receiver). */
extern void output_server_notice(void *arg, const PGresult *res);

#endif							/* CLIENT_OUTPUT_H */
