/*-------------------------------------------------------------------------
 *
 * summary.h
 *	  What one deploy did, and its summary for the SNS notification.
 *
 * The handler runs one deploy per invocation.  While it runs, db.c notes
 * the facts only it sees (the database reached, the engine that applied,
 * the schema version before and after, the database's own error); at the
 * end summary_build() turns them and the outcome into a subject and a JSON
 * message.  Nothing here does I/O.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGM_SUMMARY_H
#define PGM_SUMMARY_H

#include <stddef.h>

#include <cjson/cJSON.h>

#define SUMMARY_MAX_SUBJECT 99	/* SNS: under 100 characters */
#define SUMMARY_MAX_MESSAGE (256 * 1024)	/* SNS: 256 KB */

/* A new deploy: forget the last one's facts. */
extern void summary_begin(const char *request_id);

/* The deploy is over: free its facts. */
extern void summary_end(void);

/* Notes from db.c; every string is copied. */
extern void summary_note_database(const char *dbname, const char *host, const char *port);
extern void summary_note_engine(const char *engine);
extern void summary_note_info(const cJSON *info, int after);
extern void summary_note_failure(const char *primary_message, const char *sqlstate);

/*
 * Script, line and error from the database's message for a failed script
 * ("migration V2__x.sql failed at line 3: syntax error ...").  *script and
 * *error are malloc'd (NULL when the message names no script); *line is 0
 * when it names none.
 */
extern void summary_parse_failure(const char *primary_message, char **script, int *line,
								  char **error);

/*
 * The subject (printable ASCII, at most SUMMARY_MAX_SUBJECT characters)
 * and message (JSON, at most max_message bytes, registered secrets masked)
 * for a deploy that ended with result (success) or error_type/errmsg.
 * Both malloc'd.
 */
extern void summary_build(const cJSON *result, const char *error_type, const char *errmsg,
						  long duration_ms, size_t max_message, char **subject,
						  char **message);

#endif							/* PGM_SUMMARY_H */
