/*-------------------------------------------------------------------------
 *
 * script_source.h
 *	  Where the pg_migrate command finds its scripts: Flyway's locations,
 *	  "filesystem:" folders on the machine it runs on (relative ones to the
 *	  working directory) and https:// or s3:// releases fetched with a
 *	  manifest of hashes (src/remote/).  The same folder gives the same
 *	  scripts, names, checksums and statements as the extension's
 *	  backend/locations.c and backend/script.c.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SCRIPT_SOURCE_H
#define SCRIPT_SOURCE_H

#include "executor.h"
#include "script_text.h"

typedef struct ScriptSource ScriptSource;

/*
 * Check the locations (Flyway's "locations" setting, split); a bad one is
 * refused before anything is read.  placeholder_replacement is Flyway's
 * setting of that name.
 */
extern ScriptSource *script_source_create(char *const *locations, int nlocations,
										  bool placeholder_replacement,
										  bool fail_on_missing_locations, MigrateError *err);

/* Every script, callback and badly named file of the locations. */
extern bool script_source_find(ScriptSource *source, const ScriptNaming *naming,
							   PlaceholderSet *placeholders, FoundScripts *found,
							   MigrateError *err);

/*
 * A script read again for running: checked against its planned checksum,
 * placeholders replaced, split into statements as the server splits it.
 */
extern bool script_source_load(ScriptSource *source, const ResolvedScript *script,
							   PlaceholderSet *placeholders, RunScript **loaded,
							   MigrateError *err);

/*
 * Flyway's encoding setting (a canonical name, script_encoding.h; NULL =
 * UTF-8; setting: how a hint names it, "-encoding") and how the executor
 * converts PostgreSQL's encodings (executor_libpq.c: by the server).  A
 * script's .conf may name another encoding.
 */
extern void script_source_set_encoding(ScriptSource *source, const char *encoding,
									   const char *setting);
extern void script_source_set_converter(ScriptSource *source, ScriptConvertFn convert,
										void *arg);

/* Whether a location names a remote release (https://, s3://). */
extern bool script_source_is_remote(const char *location);

#endif							/* SCRIPT_SOURCE_H */
