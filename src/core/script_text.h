/*-------------------------------------------------------------------------
 *
 * script_text.h
 *	  A script's text as Flyway treats it: UTF-8 only, the checksums it
 *	  records, its "<script>.sql.conf" file, and the text to run (byte-order
 *	  mark dropped, placeholders replaced, unchanged since it was planned).
 *
 * Written once for the server (backend/locations.c) and the command
 * (client/script_source.c), which only differ in how they read files.
 * Pure logic: builds with -DFRONTEND; errors are returned.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_MIGRATE_SCRIPT_TEXT_H
#define PG_MIGRATE_SCRIPT_TEXT_H

#include "migrate_error.h"
#include "placeholders.h"
#include "plan.h"

/* Not UTF-8: 22021, naming the file and the line of the first bad byte. */
extern bool script_text_check_utf8(const char *path, const char *data, size_t len,
								   MigrateError *err);

/*
 * Set script->checksum (and raw_checksum for a repeatable): raw text for
 * V, B and U scripts; a repeatable's text after placeholder replacement,
 * so that a new value runs it again.  replacement: placeholderReplacement.
 */
extern bool script_text_checksums(ResolvedScript *script, const char *text, size_t len,
								  PlaceholderSet *placeholders, bool replacement,
								  MigrateError *err);

/* Apply a "<script>.sql.conf" file's text (placeholders replaced first, as Flyway does). */
extern bool script_text_apply_conf(ResolvedScript *script, const char *conf_path,
								   const char *raw, size_t len, PlaceholderSet *placeholders,
								   bool replacement, MigrateError *err);

/*
 * The text to run, from the file's bytes read again: refused (55000) when
 * its checksum is no longer the planned one, byte-order mark dropped,
 * placeholders replaced unless switched off.  UTF-8; the caller converts.
 */
extern bool script_text_for_run(const ResolvedScript *script, const char *raw, size_t len,
								PlaceholderSet *placeholders, bool replacement,
								char **text, size_t *text_len, MigrateError *err);

#endif							/* PG_MIGRATE_SCRIPT_TEXT_H */
