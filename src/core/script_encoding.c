/*-------------------------------------------------------------------------
 *
 * script_encoding.c
 *	  Encoding names as Flyway (Java) and PostgreSQL write them, and the
 *	  decoders PostgreSQL lacks: UTF-16 and US-ASCII (script_encoding.h).
 *
 * Names are compared as PostgreSQL's pg_char_to_encoding() compares them:
 * case and everything but letters and digits ignored, so "ISO-8859-1",
 * "iso8859_1" and "LATIN1" are one.  Java's names PostgreSQL does not know
 * ("Cp1252", "windows-31j", "GB2312", ...) are mapped here first.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include <ctype.h>

#include "mb/pg_wchar.h"

#include "checksum.h"
#include "interrupts.h"
#include "script_encoding.h"

/* Java's names (letters and digits only, lower case) PostgreSQL lacks. */
static const struct
{
	const char *java;
	const char *canonical;
}			java_names[] = {
	{"utf8", SCRIPT_ENCODING_DEFAULT},
	{"usascii", "US-ASCII"},
	{"ascii", "US-ASCII"},
	{"iso646us", "US-ASCII"},
	{"utf16", "UTF-16"},
	{"utf16le", "UTF-16LE"},
	{"utf16be", "UTF-16BE"},
	{"unicodelittleunmarked", "UTF-16LE"},
	{"unicodebigunmarked", "UTF-16BE"},
	{"cp1250", "WIN1250"},
	{"cp1251", "WIN1251"},
	{"cp1252", "WIN1252"},
	{"cp1253", "WIN1253"},
	{"cp1254", "WIN1254"},
	{"cp1255", "WIN1255"},
	{"cp1256", "WIN1256"},
	{"cp1257", "WIN1257"},
	{"cp1258", "WIN1258"},
	{"cp866", "WIN866"},
	{"ibm866", "WIN866"},
	{"cp874", "WIN874"},
	{"ms874", "WIN874"},
	{"windows31j", "SJIS"},
	{"ms932", "SJIS"},
	{"cp932", "SJIS"},
	{"gb2312", "EUC_CN"},
	{"ms936", "GBK"},
	{"cp936", "GBK"},
	{"ms949", "UHC"},
	{"cp949", "UHC"},
	{"cp950", "BIG5"},
	{"xjohab", "JOHAB"},
};

/* Lower case, letters and digits only: how both tables compare names. */
static char *
clean_name(const char *name)
{
	char	   *clean = palloc(strlen(name) + 1);
	char	   *p = clean;

	for (const char *s = name; *s; s++)
		if (isalnum((unsigned char) *s))
			*p++ = (char) tolower((unsigned char) *s);
	*p = '\0';
	return clean;
}

const char *
script_encoding_canonical(const char *name, char **why)
{
	char	   *clean = clean_name(name != NULL ? name : "");
	int			encoding;

	for (size_t i = 0; i < lengthof(java_names); i++)
		if (strcmp(clean, java_names[i].java) == 0)
		{
			pfree(clean);
			return java_names[i].canonical;
		}
	if (strncmp(clean, "utf32", 5) == 0 || strncmp(clean, "ucs", 3) == 0)
	{
		*why = psprintf("encoding \"%s\" is not supported: of the Unicode forms, scripts may be in UTF-8 or UTF-16",
						name);
		pfree(clean);
		return NULL;
	}
	pfree(clean);
	encoding = pg_char_to_encoding(name);
	if (encoding < 0)
	{
		*why = psprintf("unknown encoding \"%s\"", name);
		return NULL;
	}
	if (encoding == PG_SQL_ASCII || encoding == PG_MULE_INTERNAL)
	{
		*why = psprintf("encoding \"%s\" cannot be read: %s", name,
						encoding == PG_SQL_ASCII ?
						"SQL_ASCII does not say what its bytes mean" :
						"MULE_INTERNAL is PostgreSQL's own, not a file encoding");
		return NULL;
	}
	if (encoding == PG_UTF8)
		return SCRIPT_ENCODING_DEFAULT;
	return pg_encoding_to_char(encoding);
}

ScriptEncodingKind
script_encoding_kind(const char *canonical)
{
	if (canonical == NULL || strcmp(canonical, SCRIPT_ENCODING_DEFAULT) == 0)
		return SCRIPT_ENCODING_UTF8;
	if (strcmp(canonical, "US-ASCII") == 0)
		return SCRIPT_ENCODING_ASCII;
	if (strcmp(canonical, "UTF-16") == 0)
		return SCRIPT_ENCODING_UTF16;
	if (strcmp(canonical, "UTF-16LE") == 0)
		return SCRIPT_ENCODING_UTF16LE;
	if (strcmp(canonical, "UTF-16BE") == 0)
		return SCRIPT_ENCODING_UTF16BE;
	return SCRIPT_ENCODING_SERVER;
}

static bool
decode_problem(ScriptDecodeProblem *problem, const char *data, size_t offset, const char *what)
{
	problem->offset = offset;
	problem->line = line_of_offset(data, offset, offset);
	problem->what = what;
	problem->sqlstate = NULL;
	return false;
}

/* The code unit at p in the given byte order. */
static inline unsigned int
utf16_unit(const unsigned char *p, bool big_endian)
{
	return big_endian ? (p[0] << 8) | p[1] : (p[1] << 8) | p[0];
}

/* One code point as UTF-8; returns the bytes written. */
static int
put_utf8(unsigned int cp, char *out)
{
	if (cp < 0x80)
	{
		out[0] = (char) cp;
		return 1;
	}
	if (cp < 0x800)
	{
		out[0] = (char) (0xC0 | (cp >> 6));
		out[1] = (char) (0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000)
	{
		out[0] = (char) (0xE0 | (cp >> 12));
		out[1] = (char) (0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char) (0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char) (0xF0 | (cp >> 18));
	out[1] = (char) (0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char) (0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char) (0x80 | (cp & 0x3F));
	return 4;
}

/*
 * A UTF-16 problem: its line counts the code units U+000A and U+000D before
 * it (a byte 0x0A may be half of another character).
 */
static bool
utf16_problem(ScriptDecodeProblem *problem, const unsigned char *bytes, size_t offset,
			  bool big_endian, const char *what)
{
	int			line = 1;
	size_t		next_check = 0;

	for (size_t i = 0; i + 1 < offset; i += 2)
	{
		unsigned int unit = utf16_unit(bytes + i, big_endian);

		if (i >= next_check)
		{
			CHECK_FOR_INTERRUPTS();
			next_check = i + INTERRUPT_CHECK_BYTES;
		}

		/* "\r\n" is one line break: counted at its '\n' */
		if (unit == '\n' ||
			(unit == '\r' && (i + 3 >= offset || utf16_unit(bytes + i + 2, big_endian) != '\n')))
			line++;
	}
	problem->offset = offset;
	problem->line = line;
	problem->what = what;
	problem->sqlstate = NULL;
	return false;
}

/*
 * Where the text starts and in which byte order: the mark decides for
 * "UTF-16" (and is skipped), the name for UTF-16LE/BE.
 */
static bool
utf16_order(const unsigned char *bytes, size_t len, ScriptEncodingKind kind,
			bool *big_endian, size_t *start, ScriptDecodeProblem *problem)
{
	*start = 0;
	*big_endian = kind == SCRIPT_ENCODING_UTF16BE;
	if (kind != SCRIPT_ENCODING_UTF16)
		return true;
	if (len >= 2 && bytes[0] == 0xFF && bytes[1] == 0xFE)
		*big_endian = false;
	else if (len >= 2 && bytes[0] == 0xFE && bytes[1] == 0xFF)
		*big_endian = true;
	else if (len == 0)
		return true;
	else
		return decode_problem(problem, (const char *) bytes, 0,
							  "no byte-order mark (FF FE or FE FF) at the start");
	*start = 2;
	return true;
}

bool
utf16_to_utf8(const char *data, size_t len, ScriptEncodingKind kind, char **out,
			  size_t *out_len, ScriptDecodeProblem *problem)
{
	const unsigned char *bytes = (const unsigned char *) data;
	bool		big_endian;
	size_t		i;
	size_t		used = 0;
	size_t		next_check = 0;
	const char *what = NULL;
	char	   *buf;

	if (!utf16_order(bytes, len, kind, &big_endian, &i, problem))
		return false;
	if ((len - i) % 2 != 0)
		return utf16_problem(problem, bytes, len - 1, big_endian,
							 "an odd number of bytes (the last character is cut)");
	/* two bytes give at most three of UTF-8, four (a pair) at most four */
	buf = palloc((len - i) / 2 * 3 + 1);
	for (; i < len && what == NULL; i += 2)
	{
		unsigned int cp = utf16_unit(bytes + i, big_endian);

		if (i >= next_check)
		{
			CHECK_FOR_INTERRUPTS();
			next_check = i + INTERRUPT_CHECK_BYTES;
		}
		if (cp >= 0xDC00 && cp <= 0xDFFF)
			what = "a low surrogate without a high one before it";
		else if (cp >= 0xD800 && cp <= 0xDBFF)
		{
			unsigned int low = i + 3 < len ? utf16_unit(bytes + i + 2, big_endian) : 0;

			if (low < 0xDC00 || low > 0xDFFF)
				what = "a high surrogate without a low one after it";
			else
			{
				used += put_utf8(0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00), buf + used);
				i += 2;
			}
		}
		else if (cp == 0)
			what = "the character U+0000, which PostgreSQL cannot store";
		else
			used += put_utf8(cp, buf + used);
	}
	if (what != NULL)
	{
		pfree(buf);
		/* the loop stepped past the bad unit */
		return utf16_problem(problem, bytes, i - 2, big_endian, what);
	}
	buf[used] = '\0';
	*out = buf;
	*out_len = used;
	return true;
}

bool
ascii_check(const char *data, size_t len, ScriptDecodeProblem *problem)
{
	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) data[i];

		if ((i & (INTERRUPT_CHECK_BYTES - 1)) == 0)
			CHECK_FOR_INTERRUPTS();
		if (c == 0 || c >= 0x80)
			return decode_problem(problem, data, i, c == 0 ?
								  "a NUL byte, which PostgreSQL cannot store" :
								  "a byte above 0x7F, which is not US-ASCII");
	}
	return true;
}
