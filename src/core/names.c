/*-------------------------------------------------------------------------
 *
 * names.c
 *	  Flyway's script file names and migration versions: parsing and ordering,
 *	  plus the Java string semantics (compareTo, hashCode) Flyway relies on
 *	  and its abbreviations for the history table.
 *
 * Follows Flyway's ResourceNameParser and MigrationVersion, with its
 * file-name conventions (prefixes, separator, suffixes) as configured.
 * Pure logic: builds as backend code and with -DFRONTEND.
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

#define CONF_SUFFIX			".conf"
#define CONF_SUFFIX_LEN		5

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

static const char *const default_suffixes[] = {".sql"};

const ScriptNaming script_naming_default = {
	.prefixes = {"V", "R", "U", "B"},
	.separator = "__",
	.suffixes = default_suffixes,
	.nsuffixes = 1,
};

const char *const naming_setting_keys[NAMING_SETTING_COUNT] = {
	"sqlMigrationPrefix",
	"sqlMigrationSeparator",
	"sqlMigrationSuffixes",
	"repeatableSqlMigrationPrefix",
	"undoSqlMigrationPrefix",
	"baselineMigrationPrefix",
};

const char *const naming_setting_defaults[NAMING_SETTING_COUNT] = {
	"V", "__", ".sql", "R", "U", "B",
};

/* The prefix setting of each kind, by ScriptKind. */
static const NamingSetting prefix_settings[SCRIPT_CALLBACK] = {
	NAMING_SQL_MIGRATION_PREFIX,
	NAMING_REPEATABLE_PREFIX,
	NAMING_UNDO_PREFIX,
	NAMING_BASELINE_PREFIX,
};

static bool
has_prefix(const char *s, size_t slen, const char *prefix)
{
	size_t		plen = strlen(prefix);

	return plen <= slen && strncmp(s, prefix, plen) == 0;
}

/* Whether s (of slen bytes) ends with suffix, case-insensitively. */
static bool
has_suffix_ci(const char *s, size_t slen, const char *suffix)
{
	size_t		n = strlen(suffix);

	return n <= slen && pg_strncasecmp(s + slen - n, suffix, n) == 0;
}

/* The comma-separated list split, each item trimmed of blanks (as Flyway's tokenizer). */
static char **
split_suffix_list(const char *list, int *count)
{
	char	  **items = palloc(sizeof(char *) * (strlen(list) + 2));
	const char *p = list;

	*count = 0;
	for (;;)
	{
		const char *end = strchr(p, ',');
		const char *stop = end ? end : p + strlen(p);

		while (p < stop && (*p == ' ' || *p == '\t'))
			p++;
		while (stop > p && (stop[-1] == ' ' || stop[-1] == '\t'))
			stop--;
		items[(*count)++] = pnstrdup(p, stop - p);
		if (end == NULL)
			break;
		p = end + 1;
	}
	return items;
}

static void
free_items(char **items, int count)
{
	for (int i = 0; i < count; i++)
		pfree(items[i]);
	pfree(items);
}

/* A suffix item's problem, or NULL. */
static char *
suffix_problem(const char *suffix, int position)
{
	size_t		len = strlen(suffix);

	if (len == 0)
		return psprintf("Suffix %d of the list is empty; every suffix needs text, such as \".sql\".",
						position);
	if (strchr(suffix, '/') != NULL)
		return psprintf("The suffix \"%s\" contains \"/\", which no file name can.", suffix);
	if (has_suffix_ci(suffix, len, CONF_SUFFIX))
		return psprintf("The suffix \"%s\" ends in \".conf\": the script configuration files (\"<script>.sql.conf\") would become scripts.",
						suffix);
	return NULL;
}

bool
script_naming_check_value(NamingSetting setting, const char *value, char **errmsg)
{
	char	   *why = NULL;

	if (setting == NAMING_SQL_MIGRATION_SUFFIXES)
	{
		int			n;
		char	  **items = split_suffix_list(value, &n);

		if (n == 1 && items[0][0] == '\0')
			why = pstrdup("The list is empty: give at least one suffix, such as \".sql\".");
		for (int i = 0; i < n && why == NULL; i++)
			why = suffix_problem(items[i], i + 1);
		free_items(items, n);
	}
	else if (value[0] == '\0')
		why = setting == NAMING_SQL_MIGRATION_SEPARATOR ?
			pstrdup("The separator cannot be empty: nothing would tell a version from its description.") :
			pstrdup("A prefix cannot be empty: every SQL file would start with it.");
	else if (strchr(value, '/') != NULL)
		why = psprintf("\"%s\" contains \"/\", which no file name can.", value);
	if (why != NULL && errmsg)
		*errmsg = why;
	else if (why != NULL)
		pfree(why);
	return why == NULL;
}

/* A prefix that clashes with another kind's or a callback event id, or NULL. */
static char *
prefix_clash(const ScriptNaming *naming, ScriptKind kind, const char *const names[])
{
	const char *prefix = naming->prefixes[kind];

	for (int other = 0; other < (int) kind; other++)
	{
		if (strcmp(naming->prefixes[other], prefix) == 0)
			return psprintf("%s and %s are both \"%s\": a file's kind could not be told from its name.",
							names[prefix_settings[other]], names[prefix_settings[kind]], prefix);
	}
	for (int i = 0; callback_events[i] != NULL; i++)
	{
		if (strcmp(callback_events[i], prefix) == 0)
			return psprintf("\"%s\" is the name of a callback event: its callback files would be taken for migrations.",
							prefix);
	}
	if (strstr(prefix, naming->separator) != NULL)
		return psprintf("\"%s\" contains the separator \"%s\" (%s): the separator would be found inside the prefix.",
						prefix, naming->separator, names[NAMING_SQL_MIGRATION_SEPARATOR]);
	return NULL;
}

bool
script_naming_from_settings(const char *const values[NAMING_SETTING_COUNT],
							const char *const names[NAMING_SETTING_COUNT],
							ScriptNaming *out, NamingSetting *bad, char **errmsg)
{
	const char *value[NAMING_SETTING_COUNT];
	int			n;

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < NAMING_SETTING_COUNT; i++)
	{
		value[i] = values[i] != NULL ? values[i] : naming_setting_defaults[i];
		if (!script_naming_check_value((NamingSetting) i, value[i], errmsg))
		{
			*bad = (NamingSetting) i;
			return false;
		}
	}
	for (int kind = 0; kind < SCRIPT_CALLBACK; kind++)
		out->prefixes[kind] = pstrdup(value[prefix_settings[kind]]);
	out->separator = pstrdup(value[NAMING_SQL_MIGRATION_SEPARATOR]);
	out->suffixes = (const char *const *) split_suffix_list(value[NAMING_SQL_MIGRATION_SUFFIXES], &n);
	out->nsuffixes = n;
	for (int kind = 0; kind < SCRIPT_CALLBACK; kind++)
	{
		char	   *why = prefix_clash(out, (ScriptKind) kind, names);

		if (why != NULL)
		{
			*bad = prefix_settings[kind];
			if (errmsg)
				*errmsg = why;
			else
				pfree(why);
			script_naming_free(out);
			return false;
		}
	}
	return true;
}

void
script_naming_free(ScriptNaming *naming)
{
	for (int kind = 0; kind < SCRIPT_CALLBACK; kind++)
		pfree((char *) naming->prefixes[kind]);
	pfree((char *) naming->separator);
	free_items((char **) naming->suffixes, naming->nsuffixes);
	memset(naming, 0, sizeof(*naming));
}

char *
script_naming_example(const ScriptNaming *naming, ScriptKind kind, const char *version)
{
	bool		versioned = kind != SCRIPT_REPEATABLE && kind != SCRIPT_CALLBACK;

	return psprintf("%s%s%s<description>%s",
					kind == SCRIPT_CALLBACK ? "<event>" : naming->prefixes[kind],
					!versioned ? "" : version != NULL ? version : "<version>",
					naming->separator, naming->suffixes[0]);
}

bool
script_naming_is_conf(const ScriptNaming *naming, const char *filename)
{
	size_t		len = strlen(filename);

	if (len <= CONF_SUFFIX_LEN || !has_suffix_ci(filename, len, CONF_SUFFIX))
		return false;
	len -= CONF_SUFFIX_LEN;
	for (int i = 0; i < naming->nsuffixes; i++)
	{
		if (len > strlen(naming->suffixes[i]) && has_suffix_ci(filename, len, naming->suffixes[i]))
			return true;
	}
	return false;
}

/* The length of the name without its first matching suffix (Flyway's order), or -1. */
static int
stem_length(const ScriptNaming *naming, const char *filename, const char **suffix)
{
	size_t		len = strlen(filename);

	for (int i = 0; i < naming->nsuffixes; i++)
	{
		if (has_suffix_ci(filename, len, naming->suffixes[i]))
		{
			*suffix = naming->suffixes[i];
			return (int) (len - strlen(naming->suffixes[i]));
		}
	}
	return -1;
}

/*
 * The longest of the prefixes and callback event ids that starts the stem
 * ("beforeEachMigrateStatement" over "beforeEachMigrate", "VV" over "V"),
 * or NULL; *kind and *event say whose it is.
 */
static const char *
longest_prefix(const ScriptNaming *naming, const char *filename, size_t stemlen,
			   ScriptKind *kind, const char **event)
{
	const char *prefix = NULL;
	size_t		prefixlen = 0;

	for (int k = 0; k < SCRIPT_CALLBACK; k++)
	{
		const char *candidate = naming->prefixes[k];

		if (has_prefix(filename, stemlen, candidate) && strlen(candidate) > prefixlen)
		{
			prefix = candidate;
			prefixlen = strlen(candidate);
			*kind = (ScriptKind) k;
			*event = NULL;
		}
	}
	for (int i = 0; callback_events[i] != NULL; i++)
	{
		if (has_prefix(filename, stemlen, callback_events[i]) &&
			strlen(callback_events[i]) > prefixlen)
		{
			prefix = callback_events[i];
			prefixlen = strlen(prefix);
			*kind = SCRIPT_CALLBACK;
			*event = callback_events[i];
		}
	}
	return prefix;
}

NameResult
script_name_parse(const ScriptNaming *naming, const char *filename, ScriptName *out,
				  char **errmsg)
{
	const char *suffix = NULL;
	int			stem = stem_length(naming, filename, &suffix);
	size_t		stemlen;
	const char *prefix;
	size_t		prefixlen;
	ScriptKind	kind = SCRIPT_VERSIONED;
	const char *event = NULL;
	const char *rest;
	const char *sep;
	size_t		versionlen;
	const char *rawdesc;
	char	   *example;
	char	   *p;

	memset(out, 0, sizeof(*out));
	if (errmsg)
		*errmsg = NULL;
	if (stem < 0)
		return NAME_NOT_SCRIPT;
	stemlen = (size_t) stem;

	prefix = longest_prefix(naming, filename, stemlen, &kind, &event);
	if (prefix == NULL)
	{
		if (errmsg)
			*errmsg = psprintf("Unrecognised migration name format: %s (It should start with one of the prefixes %s, %s, %s, %s or with a callback event such as beforeMigrate)",
							   filename, naming->prefixes[SCRIPT_VERSIONED],
							   naming->prefixes[SCRIPT_REPEATABLE], naming->prefixes[SCRIPT_UNDO],
							   naming->prefixes[SCRIPT_BASELINE]);
		return NAME_INVALID;
	}
	prefixlen = strlen(prefix);

	/*
	 * Flyway's scanner only picks up migrations longer than prefix + suffix,
	 * so "R.sql" (which would parse as a valid repeatable) is never run nor
	 * reported.  "V.sql" is still reported below: it lacks a version.
	 */
	if (kind == SCRIPT_REPEATABLE && stemlen == prefixlen)
		return NAME_NOT_SCRIPT;

	/* the first separator after the prefix, inside the stem */
	rest = filename + prefixlen;
	sep = strstr(rest, naming->separator);
	if (sep != NULL && sep + strlen(naming->separator) > filename + stemlen)
		sep = NULL;
	versionlen = sep ? (size_t) (sep - rest) : stemlen - prefixlen;
	rawdesc = sep ? sep + strlen(naming->separator) : filename + stemlen;

	/* Flyway's messages show the description, or "description" when absent. */
	example = (rawdesc == filename + stemlen) ? pstrdup("description") :
		pnstrdup(rawdesc, filename + stemlen - rawdesc);

	if (kind == SCRIPT_REPEATABLE || kind == SCRIPT_CALLBACK)
	{
		if (versionlen > 0)
		{
			if (errmsg)
				*errmsg = psprintf("Invalid repeatable migration / callback name format: %s (It cannot contain a version and should look like this: %s%s%s%s)",
								   filename, prefix, naming->separator, example, suffix);
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
								   filename, prefix, naming->separator, example, suffix);
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
