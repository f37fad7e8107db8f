/*-------------------------------------------------------------------------
 *
 * script_encoding.h
 *	  Flyway's "encoding" setting: the names a team writes (Java's,
 *	  "ISO-8859-1", "windows-1252", "UTF-16") mapped to what decodes them,
 *	  and the UTF-16 decoder (PostgreSQL has no UTF-16).
 *
 * A script is decoded to UTF-8 before anything else looks at it (checksum,
 * placeholders, parser).  UTF-8, US-ASCII and UTF-16 are decoded here; every
 * other encoding is one of PostgreSQL's and is converted by the server's
 * own conversions, which each executor reaches its own way
 * (script_text.h: ScriptConverter).
 *
 * Pure logic: builds with -DFRONTEND; errors are returned.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_MIGRATE_SCRIPT_ENCODING_H
#define PG_MIGRATE_SCRIPT_ENCODING_H

typedef enum ScriptEncodingKind
{
	SCRIPT_ENCODING_UTF8,
	SCRIPT_ENCODING_ASCII,		/* Java's US-ASCII: bytes below 0x80 */
	SCRIPT_ENCODING_UTF16,		/* the byte-order mark says which order */
	SCRIPT_ENCODING_UTF16LE,
	SCRIPT_ENCODING_UTF16BE,
	SCRIPT_ENCODING_SERVER		/* one of PostgreSQL's: the server converts */
} ScriptEncodingKind;

/* The name UTF-8 has once canonical (the default of every setting). */
#define SCRIPT_ENCODING_DEFAULT "UTF8"

/*
 * The canonical name of an encoding as Flyway or PostgreSQL names it,
 * case and punctuation aside: "UTF8", "US-ASCII", "UTF-16", "UTF-16LE",
 * "UTF-16BE", or PostgreSQL's own name ("LATIN1", "WIN1252", "SJIS", ...).
 * NULL with *why (palloc'd) when it names no encoding a script can be in.
 * Needs no server: the unit tests and the command call it.
 */
extern const char *script_encoding_canonical(const char *name, char **why);

/* What decodes a canonical name's bytes. */
extern ScriptEncodingKind script_encoding_kind(const char *canonical);

/* What a decoder found wrong: where, and in a few words. */
typedef struct ScriptDecodeProblem
{
	size_t		offset;			/* byte offset of the first bad byte */
	int			line;			/* the line it is on, 1-based */
	const char *what;			/* "a byte above 0x7F, ...", or the server's message */
	const char *sqlstate;		/* NULL: 22021 (character_not_in_repertoire) */
} ScriptDecodeProblem;

/*
 * UTF-16 (kind SCRIPT_ENCODING_UTF16, _UTF16LE or _UTF16BE) to UTF-8, in a
 * palloc'd NUL-terminated *out.  For SCRIPT_ENCODING_UTF16 the file must
 * start with a byte-order mark, which is dropped (as Java drops it); a
 * mark at the start of a UTF-16LE/BE file is kept as U+FEFF, which the
 * checksum and the run drop like a UTF-8 one.  Refused: no mark where one
 * is needed, an odd length, a surrogate without its pair, U+0000 (the
 * server cannot store it).
 */
extern bool utf16_to_utf8(const char *data, size_t len, ScriptEncodingKind kind,
						  char **out, size_t *out_len, ScriptDecodeProblem *problem);

/* US-ASCII: every byte below 0x80 and not NUL; the text is then UTF-8 as it is. */
extern bool ascii_check(const char *data, size_t len, ScriptDecodeProblem *problem);

#endif							/* PG_MIGRATE_SCRIPT_ENCODING_H */
