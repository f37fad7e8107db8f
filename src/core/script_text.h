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
#include "script_encoding.h"

/*
 * How an executor converts bytes in one of PostgreSQL's encodings
 * (canonical name, e.g. "LATIN1") to UTF-8, with the server's own
 * conversions: the extension calls them, the command asks its connection.
 * Bytes that are not valid in the encoding, or have no Unicode equivalent:
 * false with *problem (offset, line, the server's message, 22021 or 22P05).
 * Anything else (a lost connection): false with err set.
 */
typedef bool (*ScriptConvertFn) (void *arg, const char *encoding, const char *data,
								 size_t len, char **out, size_t *out_len,
								 ScriptDecodeProblem *problem, MigrateError *err);

/* How scripts are decoded: the setting, and the executor's conversions. */
typedef struct ScriptDecoding
{
	const char *encoding;		/* canonical (script_encoding_canonical); NULL = UTF-8 */
	const char *setting;		/* its name for hints: "pg_migrate.encoding", "-encoding" */
	ScriptConvertFn convert;
	void	   *convert_arg;
} ScriptDecoding;

/* Not UTF-8: 22021, naming the file and the line of the first bad byte. */
extern bool script_text_check_utf8(const char *path, const char *data, size_t len,
								   MigrateError *err);

/*
 * A script's bytes as UTF-8 text, decoded from its encoding: its .conf
 * file's (script->encoding), else the setting's, else UTF-8.  UTF-8 and
 * US-ASCII text is checked and returned as it is (*text = data); UTF-16
 * is decoded here, the rest by decoding->convert.  Bytes the encoding does
 * not allow: 22021 (22P05 when the server has no Unicode equivalent),
 * naming the file and the line, and how to name its encoding.
 */
extern bool script_text_decode(const ResolvedScript *script, const ScriptDecoding *decoding,
							   const char *data, size_t len, char **text, size_t *text_len,
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
 * The text to run, from the file's text read again and decoded
 * (script_text_decode): refused (55000) when its checksum is no longer the
 * planned one, byte-order mark dropped, placeholders replaced unless
 * switched off.  UTF-8; the caller converts.
 */
extern bool script_text_for_run(const ResolvedScript *script, const char *raw, size_t len,
								PlaceholderSet *placeholders, bool replacement,
								char **text, size_t *text_len, MigrateError *err);

#endif							/* PG_MIGRATE_SCRIPT_TEXT_H */
