/*-------------------------------------------------------------------------
 *
 * file_kind.h
 *	  What a file that is not a regular one is, for messages: one wording
 *	  for the extension (backend/location_files.c, sync.c) and the
 *	  pg_migrate command (client/script_source.c).
 *
 * Pure logic: no I/O, no ereport/elog; builds with -DFRONTEND.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_MIGRATE_FILE_KIND_H
#define PG_MIGRATE_FILE_KIND_H

#include <sys/stat.h>

/* "a FIFO (named pipe)", "a character device", "a folder", ... */
extern const char *file_kind_name(mode_t mode);

#endif							/* PG_MIGRATE_FILE_KIND_H */
