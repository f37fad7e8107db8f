/*-------------------------------------------------------------------------
 *
 * engine_options.h
 *	  The engine's options (src/engine/engine.h) from Flyway's settings
 *	  (flyway_config.h): what the pg_migrate command and the Lambda
 *	  handler's client mode both run with.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CLIENT_ENGINE_OPTIONS_H
#define CLIENT_ENGINE_OPTIONS_H

#include "engine.h"
#include "flyway_config.h"

/*
 * Fill *options from config, and *placeholders (which options then points
 * to) from its placeholders.  options->schema is palloc'd; the other
 * strings are config's, so options is valid as long as config and
 * placeholders are.
 */
extern void engine_options_from_flyway(const FlywayConfig *config, EngineOptions *options,
									   PlaceholderSet *placeholders);

/*
 * Flyway's encoding, canonical (script_encoding.h); checked when read, so
 * never NULL.  The scripts' reader (script_source.c) decodes with it.
 */
extern const char *engine_options_encoding(const FlywayConfig *config);

/* The Flyway keys of the file-name settings, by NamingSetting. */
extern const FlywayKey engine_options_naming_keys[NAMING_SETTING_COUNT];

/* The history table's schema, palloc'd: defaultSchema, else the first of schemas, else NULL. */
extern char *engine_options_history_schema(const FlywayConfig *config);

/*
 * Flyway's workingDirectory, absolute (palloc'd): the one configured, else
 * the process's current directory; NULL when that cannot be told.
 */
extern char *engine_options_working_directory(const FlywayConfig *config);

/*
 * The locations, each relative filesystem: one made absolute under
 * working_directory (NULL: left as it is).  Free with
 * flyway_config_list_free().
 */
extern char **engine_options_locations(const FlywayConfig *config,
									   const char *working_directory, int *count);

#endif							/* CLIENT_ENGINE_OPTIONS_H */
