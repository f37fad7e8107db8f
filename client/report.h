/*-------------------------------------------------------------------------
 *
 * report.h
 *	  Errors as the pg_migrate command prints them: one line
 *	  "ERROR: <message> (SQLSTATE xxxxx)" on stderr, then DETAIL, HINT and
 *	  CONTEXT lines; with -outputType=json, Flyway's error object
 *	  {"error": {"errorCode": ..., "message": ...}} on stdout.  Secret
 *	  placeholder values are masked; no password is ever printed.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CLIENT_REPORT_H
#define CLIENT_REPORT_H

#include <stdio.h>

#include <cjson/cJSON.h>

#include "engine.h"

/* Where and how the command prints. */
typedef struct OutputSettings
{
	bool		json;			/* -outputType=json */
	bool		quiet;			/* -q: no progress lines, no notices */
	const PlaceholderSet *secrets;	/* the user's placeholders, for masking */
	const char *database;		/* for JSON's "database" */
	FILE	   *out;			/* stdout */
	FILE	   *err;			/* stderr */
} OutputSettings;

/* text with the secret placeholders' values shown as *** (text itself when none) */
extern const char *report_mask(const OutputSettings *settings, const char *text);

/* Exit statuses */
#define EXIT_OK 0
#define EXIT_FAILED 1
#define EXIT_USAGE 2

extern void report_error_text(const OutputSettings *settings, const MigrateError *err);
extern cJSON *report_error_json(const OutputSettings *settings, const MigrateError *err,
								const char *error_code);

/* Flyway's errorCode for an error: DB_CONNECTION, VALIDATE_ERROR, ... */
extern const char *report_error_code(const MigrateError *err, const Engine *engine);

/* Print a cJSON object on the settings' stdout, and free it. */
extern void report_print_json(const OutputSettings *settings, cJSON *json);

#endif							/* CLIENT_REPORT_H */
