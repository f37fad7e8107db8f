/*
 * test_script_encoding.c
 *	  Unit tests of script_encoding.c: Flyway's (Java's) encoding names
 *	  mapped to PostgreSQL's, and the UTF-16 decoder (byte-order mark,
 *	  surrogates, odd lengths, lines of errors).
 */
#include "postgres_fe.h"

#include "checksum.h"
#include "script_encoding.h"
#include "unit.h"

static const char *
canonical(const char *name)
{
	char	   *why = NULL;

	return script_encoding_canonical(name, &why);
}

static char *
refusal(const char *name)
{
	char	   *why = NULL;

	return script_encoding_canonical(name, &why) == NULL ? why : NULL;
}

static void
test_names(void)
{
	/* Java's canonical names and aliases, and PostgreSQL's */
	CHECK_STR(canonical("UTF-8"), "UTF8");
	CHECK_STR(canonical("utf8"), "UTF8");
	CHECK_STR(canonical("UNICODE"), "UTF8");
	CHECK_STR(canonical("ISO-8859-1"), "LATIN1");
	CHECK_STR(canonical("ISO8859_1"), "LATIN1");
	CHECK_STR(canonical("latin1"), "LATIN1");
	CHECK_STR(canonical("ISO-8859-15"), "LATIN9");
	CHECK_STR(canonical("ISO-8859-2"), "LATIN2");
	CHECK_STR(canonical("windows-1252"), "WIN1252");
	CHECK_STR(canonical("Cp1252"), "WIN1252");
	CHECK_STR(canonical("WIN1250"), "WIN1250");
	CHECK_STR(canonical("KOI8-R"), "KOI8R");
	CHECK_STR(canonical("Shift_JIS"), "SJIS");
	CHECK_STR(canonical("windows-31j"), "SJIS");
	CHECK_STR(canonical("EUC-JP"), "EUC_JP");
	CHECK_STR(canonical("GB2312"), "EUC_CN");
	CHECK_STR(canonical("GBK"), "GBK");
	CHECK_STR(canonical("Big5"), "BIG5");
	CHECK_STR(canonical("US-ASCII"), "US-ASCII");
	CHECK_STR(canonical("UTF-16"), "UTF-16");
	CHECK_STR(canonical("utf_16le"), "UTF-16LE");
	CHECK_STR(canonical("UTF-16BE"), "UTF-16BE");

	/* refused, saying why */
	CHECK_STR(refusal("EBCDIC-42"), "unknown encoding \"EBCDIC-42\"");
	CHECK_STR(refusal(""), "unknown encoding \"\"");
	CHECK_STR(refusal("UTF-32"), "encoding \"UTF-32\" is not supported: of the Unicode forms, scripts may be in UTF-8 or UTF-16");
	CHECK_STR(refusal("SQL_ASCII"), "encoding \"SQL_ASCII\" cannot be read: SQL_ASCII does not say what its bytes mean");
	CHECK(refusal("MULE_INTERNAL") != NULL);

	CHECK_INT(script_encoding_kind("UTF8"), SCRIPT_ENCODING_UTF8);
	CHECK_INT(script_encoding_kind(NULL), SCRIPT_ENCODING_UTF8);
	CHECK_INT(script_encoding_kind("UTF-16"), SCRIPT_ENCODING_UTF16);
	CHECK_INT(script_encoding_kind("UTF-16LE"), SCRIPT_ENCODING_UTF16LE);
	CHECK_INT(script_encoding_kind("US-ASCII"), SCRIPT_ENCODING_ASCII);
	CHECK_INT(script_encoding_kind("LATIN1"), SCRIPT_ENCODING_SERVER);
}

/* Decode, expecting success; the UTF-8 text or "(error)". */
static char *
decode(const char *data, size_t len, ScriptEncodingKind kind)
{
	char	   *out = NULL;
	size_t		out_len = 0;
	ScriptDecodeProblem problem;

	if (!utf16_to_utf8(data, len, kind, &out, &out_len, &problem))
		return "(error)";
	if (strlen(out) != out_len)
		return "(length wrong)";
	return out;
}

/* Decode, expecting a refusal: "offset line what". */
static char *
problem_of(const char *data, size_t len, ScriptEncodingKind kind)
{
	char	   *out = NULL;
	size_t		out_len = 0;
	ScriptDecodeProblem problem;

	if (utf16_to_utf8(data, len, kind, &out, &out_len, &problem))
		return "(decoded)";
	return psprintf("%zu %d %s", problem.offset, problem.line, problem.what);
}

#define BYTES(s) s, sizeof(s) - 1

static void
test_utf16(void)
{
	/* the mark picks the order and is dropped */
	CHECK_STR(decode(BYTES("\xff\xfeS\0\xe9\0;\0"), SCRIPT_ENCODING_UTF16), "S\xc3\xa9;");
	CHECK_STR(decode(BYTES("\xfe\xff\0S\0\xe9\0;"), SCRIPT_ENCODING_UTF16), "S\xc3\xa9;");
	CHECK_STR(decode(BYTES(""), SCRIPT_ENCODING_UTF16), "");
	/* named orders need no mark; one there is kept as U+FEFF (the checksum drops it) */
	CHECK_STR(decode(BYTES("S\0;\0"), SCRIPT_ENCODING_UTF16LE), "S;");
	CHECK_STR(decode(BYTES("\0S\0;"), SCRIPT_ENCODING_UTF16BE), "S;");
	CHECK_STR(decode(BYTES("\xff\xfeS\0"), SCRIPT_ENCODING_UTF16LE), "\xef\xbb\xbfS");
	CHECK_INT(flyway_checksum(BYTES("\xef\xbb\xbfSELECT 1;")), 78787420);
	/* two and three bytes of UTF-8, and a pair: U+1F600 */
	CHECK_STR(decode(BYTES("\x3d\xd8\x00\xde\xac\x20\xa9\x00"), SCRIPT_ENCODING_UTF16LE),
			  "\xf0\x9f\x98\x80\xe2\x82\xac\xc2\xa9");
	CHECK_STR(decode(BYTES("\xd8\x3d\xde\x00"), SCRIPT_ENCODING_UTF16BE), "\xf0\x9f\x98\x80");

	/* refused, with the offset and line of the first bad unit */
	CHECK_STR(problem_of(BYTES("S\0E\0"), SCRIPT_ENCODING_UTF16),
			  "0 1 no byte-order mark (FF FE or FE FF) at the start");
	CHECK_STR(problem_of(BYTES("\xff\xfeS\0;"), SCRIPT_ENCODING_UTF16),
			  "4 1 an odd number of bytes (the last character is cut)");
	CHECK_STR(problem_of(BYTES("a\0\n\0b\0\r\0\n\0\x3d\xd8x\0"), SCRIPT_ENCODING_UTF16LE),
			  "10 3 a high surrogate without a low one after it");
	CHECK_STR(problem_of(BYTES("\x3d\xd8"), SCRIPT_ENCODING_UTF16LE),
			  "0 1 a high surrogate without a low one after it");
	CHECK_STR(problem_of(BYTES("\r\0\r\0\x00\xde"), SCRIPT_ENCODING_UTF16LE),
			  "4 3 a low surrogate without a high one before it");
	/* a byte 0x0A inside another character is not a line break (U+0A0A) */
	CHECK_STR(problem_of(BYTES("\n\n\0\0"), SCRIPT_ENCODING_UTF16LE),
			  "2 1 the character U+0000, which PostgreSQL cannot store");
}

static void
test_ascii(void)
{
	ScriptDecodeProblem problem;

	CHECK(ascii_check(BYTES("SELECT 1;\n"), &problem));
	CHECK(!ascii_check(BYTES("a\nb\n\xe9"), &problem));
	CHECK_INT(problem.offset, 4);
	CHECK_INT(problem.line, 3);
	CHECK(!ascii_check(BYTES("a\0"), &problem));
	CHECK_STR(problem.what, "a NUL byte, which PostgreSQL cannot store");
}

int
main(void)
{
	test_names();
	test_utf16();
	test_ascii();
	return unit_summary("script_encoding");
}
