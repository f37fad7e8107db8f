/*-------------------------------------------------------------------------
 *
 * names.c
 *	  Flyway's script file names and migration versions: parsing and ordering,
 *	  plus the Java string semantics (compareTo, hashCode) Flyway relies on
 *	  and its abbreviations for the history table.
 *
 * Follows Flyway's ResourceNameParser and MigrationVersion with default
 * settings.  Pure logic: builds as backend code and with -DFRONTEND.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include "checksum.h"
#include "names.h"

#define SQL_SUFFIX			".sql"
#define SQL_SUFFIX_LEN		4
#define NAME_SEPARATOR		"__"
#define NAME_SEPARATOR_LEN	2

#define MAX_DESCRIPTION_CHARS	200
#define MAX_SCRIPT_CHARS		1000
#define ELLIPSIS				"..."
#define ELLIPSIS_LEN			3

const char *const callback_events[] = {
	"beforeMigrate",
	"beforeEachMigrate",
	"beforeEachMigrateStatement",
	"afterEachMigrateStatement",
	"afterEachMigrateStatementError",
	"afterEachMigrate",
	"afterEachMigrateError",
	"beforeRepeatables",
	"afterVersioned",
	"afterMigrateApplied",
	"afterMigrate",
	"afterMigrateError",
	"beforeClean",
	"afterClean",
	"afterCleanError",
	"beforeValidate",
	"afterValidate",
	"afterValidateError",
	"beforeBaseline",
	"afterBaseline",
	"afterBaselineError",
	"beforeRepair",
	"afterRepair",
	"afterRepairError",
	"beforeInfo",
	"afterInfo",
	"afterInfoError",
	"beforeUndo",
	"beforeEachUndo",
	"beforeEachUndoStatement",
	"afterEachUndoStatement",
	"afterEachUndoStatementError",
	"afterEachUndo",
	"afterEachUndoError",
	"afterUndo",
	"afterUndoError",
	"createSchema",
	"beforeCreateSchema",
	"beforeConnect",
	"afterConnect",
	NULL
};


/* ----------------------------------------------------------------
 *		Versions
 * ----------------------------------------------------------------
 */

/*
 * The key of a version's parts (names.h, VersionKey): a longer part is a
 * bigger number, and equal lengths compare digit by digit, which is what
 * memcmp() of the length then the digits does.  A zero part has length 0,
 * so zero parts at the end add nothing to the key.
 */
static VersionKey
version_key_of(const MigrationVersion *v)
{
	VersionKey	key;
	unsigned char *buf;
	int			size = 0;
	int			used = 0;
	int			last = 0;		/* bytes up to the last non-zero part */

	for (int i = 0; i < v->nparts; i++)
		size += 4 + (int) strlen(v->parts[i]);
	buf = palloc(size + 1);
	for (int i = 0; i < v->nparts; i++)
	{
		const char *d = v->parts[i];
		int			n;

		while (*d == '0')
			d++;
		n = (int) strlen(d);
		buf[used++] = (unsigned char) ((n >> 24) & 0xFF);
		buf[used++] = (unsigned char) ((n >> 16) & 0xFF);
		buf[used++] = (unsigned char) ((n >> 8) & 0xFF);
		buf[used++] = (unsigned char) (n & 0xFF);
		memcpy(buf + used, d, n);
		used += n;
		if (n > 0)
			last = used;
	}
	key.bytes = buf;
	key.len = last;
	return key;
}

/*
 * Flyway splits on '.' followed by a digit and hands every part to
 * BigInteger, so a '.' anywhere else ends up inside a part and fails it.
 * That makes "every '.'-separated part is one or more digits" the same
 * rule.  BigInteger's optional sign is refused on purpose: a file name like
 * "V-1__x.sql" is surely a mistake.
 */
bool
version_parse(const char *text, MigrationVersion *out, char **errmsg)
{
	char	   *normalized;
	char	   *p;
	int			nparts;
	int			i;

	memset(out, 0, sizeof(*out));
	normalized = pstrdup(text);
	for (p = normalized; *p; p++)
	{
		if (*p == '_')
			*p = '.';
	}

	/* Validate and count the parts. */
	nparts = 1;
	p = normalized;
	for (;;)
	{
		const char *start = p;

		while (*p >= '0' && *p <= '9')
			p++;
		if (p == start || (*p != '.' && *p != '\0'))
		{
			if (errmsg)
				*errmsg = psprintf("Invalid version containing non-numeric characters. Only 0..9 and . are allowed. Invalid version: %s",
								   normalized);
			pfree(normalized);
			return false;
		}
		if (*p == '\0')
			break;
		p++;
		nparts++;
	}

	out->text = normalized;
	out->parts = palloc(nparts * sizeof(char *));
	out->nparts = 0;
	p = normalized;
	for (i = 0; i < nparts; i++)
	{
		const char *start;

		/* Leading zeros carry no value: "001" == "1". */
		while (*p == '0' && p[1] >= '0' && p[1] <= '9')
			p++;
		start = p;
		while (*p >= '0' && *p <= '9')
			p++;
		out->parts[out->nparts++] = pnstrdup(start, p - start);
		if (*p == '.')
			p++;
	}

	/* Trailing zero parts do not count ("1.0.0" == "1"), the first stays. */
	while (out->nparts > 1 && strcmp(out->parts[out->nparts - 1], "0") == 0)
		pfree(out->parts[--out->nparts]);

	out->key = version_key_of(out);
	return true;
}

int
version_compare(const MigrationVersion *a, const MigrationVersion *b)
{
	return version_key_compare(&a->key, &b->key);
}


/* ----------------------------------------------------------------
 *		File names
 * ----------------------------------------------------------------
 */

/* Flyway's prefix for a kind: V, R, U, B. */
static const char *
kind_prefix(ScriptKind kind)
{
	switch (kind)
	{
		case SCRIPT_VERSIONED:
			return "V";
		case SCRIPT_REPEATABLE:
			return "R";
		case SCRIPT_UNDO:
			return "U";
		case SCRIPT_BASELINE:
			return "B";
		case SCRIPT_CALLBACK:
			break;
	}
	return "";
}

static bool
has_prefix(const char *s, size_t slen, const char *prefix)
{
	size_t		plen = strlen(prefix);

	return plen <= slen && strncmp(s, prefix, plen) == 0;
}

NameResult
script_name_parse(const char *filename, ScriptName *out, char **errmsg)
{
	static const ScriptKind migration_kinds[] = {
		SCRIPT_VERSIONED, SCRIPT_REPEATABLE, SCRIPT_UNDO, SCRIPT_BASELINE
	};
	size_t		namelen = strlen(filename);
	size_t		stemlen;
	const char *prefix = NULL;
	size_t		prefixlen = 0;
	ScriptKind	kind = SCRIPT_VERSIONED;
	const char *event = NULL;
	const char *rest;
	size_t		restlen;
	const char *sep;
	size_t		versionlen;
	const char *rawdesc;
	char	   *example;
	int			i;
	char	   *p;

	memset(out, 0, sizeof(*out));
	if (errmsg)
		*errmsg = NULL;

	if (namelen < SQL_SUFFIX_LEN ||
		pg_strncasecmp(filename + namelen - SQL_SUFFIX_LEN, SQL_SUFFIX, SQL_SUFFIX_LEN) != 0)
		return NAME_NOT_SCRIPT;
	stemlen = namelen - SQL_SUFFIX_LEN;

	/* The longest matching prefix wins: "beforeEachMigrateStatement" over "beforeEachMigrate". */
	for (i = 0; i < (int) lengthof(migration_kinds); i++)
	{
		const char *candidate = kind_prefix(migration_kinds[i]);

		if (has_prefix(filename, stemlen, candidate) && strlen(candidate) > prefixlen)
		{
			prefix = candidate;
			prefixlen = strlen(candidate);
			kind = migration_kinds[i];
			event = NULL;
		}
	}
	for (i = 0; callback_events[i] != NULL; i++)
	{
		if (has_prefix(filename, stemlen, callback_events[i]) &&
			strlen(callback_events[i]) > prefixlen)
		{
			prefix = callback_events[i];
			prefixlen = strlen(prefix);
			kind = SCRIPT_CALLBACK;
			event = callback_events[i];
		}
	}

	if (prefix == NULL)
	{
		if (errmsg)
			*errmsg = psprintf("Unrecognised migration name format: %s", filename);
		return NAME_INVALID;
	}

	/*
	 * Flyway's scanner only picks up migrations longer than prefix + suffix,
	 * so "R.sql" (which would parse as a valid repeatable) is never run nor
	 * reported.  "V.sql" is still reported below: it lacks a version.
	 */
	if (kind == SCRIPT_REPEATABLE && stemlen == prefixlen)
		return NAME_NOT_SCRIPT;

	rest = filename + prefixlen;
	restlen = stemlen - prefixlen;
	sep = NULL;
	for (i = 0; i + NAME_SEPARATOR_LEN <= (int) restlen; i++)
	{
		if (strncmp(rest + i, NAME_SEPARATOR, NAME_SEPARATOR_LEN) == 0)
		{
			sep = rest + i;
			break;
		}
	}
	if (sep)
	{
		versionlen = sep - rest;
		rawdesc = sep + NAME_SEPARATOR_LEN;
	}
	else
	{
		versionlen = restlen;
		rawdesc = rest + restlen;
	}

	/* Flyway's messages show the description, or "description" when absent. */
	example = (rawdesc == filename + stemlen) ? pstrdup("description") :
		pnstrdup(rawdesc, filename + stemlen - rawdesc);

	if (kind == SCRIPT_REPEATABLE || kind == SCRIPT_CALLBACK)
	{
		if (versionlen > 0)
		{
			if (errmsg)
				*errmsg = psprintf("Invalid repeatable migration / callback name format: %s (It cannot contain a version and should look like this: %s%s%s%s)",
								   filename, prefix, NAME_SEPARATOR, example, SQL_SUFFIX);
			pfree(example);
			return NAME_INVALID;
		}
	}
	else
	{
		char	   *versiontext = pnstrdup(rest, versionlen);

		if (versionlen == 0)
		{
			pfree(versiontext);
			if (errmsg)
				*errmsg = psprintf("Invalid versioned migration name format: %s (It must contain a version and should look like this: %s1.2%s%s%s)",
								   filename, prefix, NAME_SEPARATOR, example, SQL_SUFFIX);
			pfree(example);
			return NAME_INVALID;
		}
		if (!version_parse(versiontext, &out->version, NULL))
		{
			if (errmsg)
				*errmsg = psprintf("Invalid versioned migration name format: %s (could not recognise version number %s)",
								   filename, versiontext);
			pfree(versiontext);
			pfree(example);
			return NAME_INVALID;
		}
		pfree(versiontext);
	}

	out->kind = kind;
	out->event = event;
	out->description = pnstrdup(rawdesc, filename + stemlen - rawdesc);
	for (p = out->description; *p; p++)
	{
		if (*p == '_')
			*p = ' ';
	}
	pfree(example);
	return NAME_OK;
}


/* ----------------------------------------------------------------
 *		Java string semantics
 * ----------------------------------------------------------------
 */

/*
 * Walks a UTF-8 string as Java's UTF-16 code units.  Bytes that are not
 * valid UTF-8 come out as U+FFFD, as Java's String(byte[], UTF_8) does.
 */
typedef struct Utf16Reader
{
	const unsigned char *p;
	int			pending_low;	/* second half of a surrogate pair, or -1 */
} Utf16Reader;

/* The payload bits of a sequence's first byte, by the sequence's length. */
static const unsigned char utf8_lead_mask[5] = {0, 0x7F, 0x1F, 0x0F, 0x07};

/*
 * Decode one code point at p (not at its NUL); returns its length in bytes
 * (>= 1) and sets *cp, or U+FFFD with length 1 for an invalid sequence, as
 * Java's decoder does.  The rule is checksum.c's (utf8_sequence_length).
 */
static int
utf8_decode(const unsigned char *p, int32 *cp)
{
	/* at most 4 bytes are read, and none past a NUL (see utf8_sequence_length) */
	int			len = utf8_sequence_length(p, 4);
	int32		value;

	if (len == 0)
	{
		*cp = 0xFFFD;
		return 1;
	}
	value = p[0] & utf8_lead_mask[len];
	for (int i = 1; i < len; i++)
		value = (value << 6) | (p[i] & 0x3F);
	*cp = value;
	return len;
}

/* Next UTF-16 code unit, or -1 at the end of the string. */
static int32
utf16_next(Utf16Reader *reader)
{
	int32		cp;

	if (reader->pending_low >= 0)
	{
		int32		unit = reader->pending_low;

		reader->pending_low = -1;
		return unit;
	}
	if (*reader->p == '\0')
		return -1;
	reader->p += utf8_decode(reader->p, &cp);
	if (cp >= 0x10000)
	{
		cp -= 0x10000;
		reader->pending_low = 0xDC00 + (cp & 0x3FF);
		return 0xD800 + (cp >> 10);
	}
	return cp;
}

int
java_string_compare(const char *a, const char *b)
{
	Utf16Reader ra = {(const unsigned char *) a, -1};
	Utf16Reader rb = {(const unsigned char *) b, -1};

	for (;;)
	{
		int32		ua = utf16_next(&ra);
		int32		ub = utf16_next(&rb);

		/* A string that is a prefix of the other sorts first (end = -1). */
		if (ua != ub)
			return ua < ub ? -1 : 1;
		if (ua < 0)
			return 0;
	}
}

int32
java_string_hash(const char *s)
{
	Utf16Reader reader = {(const unsigned char *) s, -1};
	uint32		hash = 0;		/* unsigned: Java's int overflow wraps */
	int32		unit;

	while ((unit = utf16_next(&reader)) >= 0)
		hash = hash * 31 + (uint32) unit;
	return (int32) hash;
}


/* ----------------------------------------------------------------
 *		Abbreviations
 * ----------------------------------------------------------------
 */

/* Byte offset of code point number "n" in s (or strlen(s) if shorter). */
static size_t
offset_of_char(const char *s, size_t n)
{
	size_t		offset = 0;

	while (s[offset] != '\0')
	{
		/* Continuation bytes belong to the code point before them. */
		if (((unsigned char) s[offset] & 0xC0) != 0x80)
		{
			if (n == 0)
				return offset;
			n--;
		}
		offset++;
	}
	return offset;
}

static size_t
char_count(const char *s)
{
	size_t		count = 0;

	for (; *s; s++)
	{
		if (((unsigned char) *s & 0xC0) != 0x80)
			count++;
	}
	return count;
}

char *
abbreviate_description(const char *description)
{
	size_t		keep;

	if (description == NULL)
		return NULL;
	if (char_count(description) <= MAX_DESCRIPTION_CHARS)
		return pstrdup(description);
	keep = offset_of_char(description, MAX_DESCRIPTION_CHARS - ELLIPSIS_LEN);
	return psprintf("%.*s%s", (int) keep, description, ELLIPSIS);
}

char *
abbreviate_script(const char *script)
{
	size_t		start;
	size_t		end;

	if (script == NULL)
		return NULL;
	if (char_count(script) <= MAX_SCRIPT_CHARS)
		return pstrdup(script);
	/* Flyway keeps characters 3..999, so the result is 1000 characters. */
	start = offset_of_char(script, ELLIPSIS_LEN);
	end = offset_of_char(script, MAX_SCRIPT_CHARS);
	return psprintf("%s%.*s", ELLIPSIS, (int) (end - start), script + start);
}

bool
history_column_fits(const char *value, int max_chars, const char *column, char **errmsg)
{
	size_t		nchars = char_count(value);

	if (nchars <= (size_t) max_chars)
		return true;
	if (errmsg)
		*errmsg = psprintf("\"%s\" has %zu characters; the history table's %s column holds at most %d",
						   value, nchars, column, max_chars);
	return false;
}

bool
version_fits_history(const char *text, char **errmsg)
{
	return history_column_fits(text, HISTORY_VERSION_CHARS, "version", errmsg);
}
