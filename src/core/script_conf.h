/*-------------------------------------------------------------------------
 *
 * script_conf.h
 *	  Flyway's per-script configuration files: "<script>.sql.conf" beside a
 *	  script, in Java properties syntax.
 *
 * Pure logic: no backend-only calls; builds with -DFRONTEND for unit tests.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_MIGRATE_SCRIPT_CONF_H
#define PG_MIGRATE_SCRIPT_CONF_H

/* -1 = not set in the file (the settings decide), 0 = false, 1 = true */
typedef struct ScriptConfig
{
	int			execute_in_transaction;
	int			placeholder_replacement;
	const char *encoding;		/* canonical (script_encoding.h); NULL = not set */
} ScriptConfig;

/*
 * Parse a .conf file's text (placeholders already replaced, as Flyway does).
 * Keys, without a "flyway." prefix: executeInTransaction,
 * placeholderReplacement (true/false, any case), encoding (a name
 * script_encoding_canonical() knows).  Any other key is an error, as in
 * Flyway.
 * On error returns false with *errmsg and the 1-based *errline.
 */
extern bool script_config_parse(const char *text, size_t len, ScriptConfig *conf,
								char **errmsg, int *errline);

#endif							/* PG_MIGRATE_SCRIPT_CONF_H */
