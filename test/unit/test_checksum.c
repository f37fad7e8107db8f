/*
 * test_checksum.c
 *	  Unit tests for checksum.c: Flyway's checksum (flyway.md section 2.4
 *	  vectors), the UTF-8 check and line numbers.
 */
#include "postgres_fe.h"

#include <zlib.h>

#include "checksum.h"
#include "unit.h"

/* Checksum of a NUL-terminated literal. */
static int32
sum(const char *text)
{
	return flyway_checksum(text, strlen(text));
}

static void
test_published_vectors(void)
{
	/* Flyway's Dry-Run tutorial; note the trailing spaces on lines 3 and 4. */
	CHECK_INT(sum("create table COUPLE (\n"
				  "    ID int not null,\n"
				  "    PERSON1 int not null references PERSON(ID), \n"
				  "    PERSON2 int not null references PERSON(ID) \n"
				  ");\n"),
			  -722651034);
	CHECK_INT(sum("create table COUPLE (\r\n"
				  "    ID int not null,\r\n"
				  "    PERSON1 int not null references PERSON(ID), \r\n"
				  "    PERSON2 int not null references PERSON(ID) \r\n"
				  ");"),
			  -722651034);
	/* Without the trailing spaces it must differ. */
	CHECK(sum("create table COUPLE (\n"
			  "    ID int not null,\n"
			  "    PERSON1 int not null references PERSON(ID),\n"
			  "    PERSON2 int not null references PERSON(ID)\n"
			  ");\n") != -722651034);
	/* issue #2474 */
	CHECK_INT(sum("alter table location_history add column valid_until timestamp with time zone;"),
			  -1039259818);
}

/*
 * A script larger than flyway_checksum()'s buffer, with line breaks (LF,
 * CRLF, lone CR, runs of them) falling on and around its boundaries: the
 * CRC of the same bytes with every line break left out, in one call.
 */
static void
test_larger_than_buffer(void)
{
	size_t		len = 300000;
	char	   *text = pg_malloc(len);
	unsigned char *kept = pg_malloc(len);
	size_t		nkept = 0;
	uLong		expected;

	for (size_t i = 0; i < len; i++)
	{
		static const char *const pattern = "SELECT 'x';\r\n\n-- y\rz";

		text[i] = pattern[(i * 7 + i / 13) % strlen(pattern)];
		if (i % 65536 == 65535 || i % 65536 == 0)
			text[i] = '\n';
		if (text[i] != '\n' && text[i] != '\r')
			kept[nkept++] = (unsigned char) text[i];
	}
	expected = crc32(crc32(0L, Z_NULL, 0), kept, (uInt) nkept);
	CHECK_INT(flyway_checksum(text, len), (int32) (uint32) expected);
	/* with a BOM in front, the same */
	memcpy(text, "\xEF\xBB\xBF", 3);
	nkept = 0;
	for (size_t i = 3; i < len; i++)
		if (text[i] != '\n' && text[i] != '\r')
			kept[nkept++] = (unsigned char) text[i];
	expected = crc32(crc32(0L, Z_NULL, 0), kept, (uInt) nkept);
	CHECK_INT(flyway_checksum(text, len), (int32) (uint32) expected);
	pg_free(text);
	pg_free(kept);
}

static void
test_line_endings_and_bom(void)
{
	CHECK_INT(flyway_checksum("", 0), 0);
	CHECK_INT(sum("\n"), 0);
	CHECK_INT(sum("\r\n\r\n\r"), 0);
	CHECK_INT(sum("\xEF\xBB\xBF"), 0);

	CHECK_INT(sum("SELECT 1;"), 78787420);
	CHECK_INT(sum("SELECT 1;\n"), 78787420);
	CHECK_INT(sum("SELECT 1;\r\n"), 78787420);
	CHECK_INT(sum("SELECT 1;\r"), 78787420);
	CHECK_INT(sum("\n\nSELECT 1;\n\n\n"), 78787420);
	CHECK_INT(sum("\r\n\r\nSELECT 1;\r\n\r\n"), 78787420);
	CHECK_INT(sum("\xEF\xBB\xBFSELECT 1;"), 78787420);
	CHECK_INT(sum("\xEF\xBB\xBFSELECT 1;\r\n"), 78787420);
	/* Only one BOM is dropped. */
	CHECK(sum("\xEF\xBB\xBF\xEF\xBB\xBFSELECT 1;") != 78787420);
	/* A BOM that is not the first character is hashed. */
	CHECK_INT(sum("\n\xEF\xBB\xBFSELECT 1;"), -1606921097);

	CHECK_INT(sum("SELECT 1; "), -1951047511);
	CHECK(sum("SELECT 1;\t") != 78787420);

	CHECK_INT(sum("CREATE TABLE t (id int);\nINSERT INTO t VALUES (1);\n"), 169406234);
	CHECK_INT(sum("CREATE TABLE t (id int);\r\nINSERT INTO t VALUES (1);\r\n"), 169406234);

	CHECK_INT(sum("a\r\rb"), -1635563411);
	CHECK_INT(sum("a\n\nb"), -1635563411);
	CHECK_INT(sum("ab"), -1635563411);
	CHECK_INT(sum("a\r\n\r\nb"), -1635563411);

	CHECK_INT(sum("caf\xC3\xA9;\n"), -660935448);

	/* Only len bytes count, not up to the NUL. */
	CHECK_INT(flyway_checksum("SELECT 1;garbage", 9), 78787420);
}

static void
test_utf8_check(void)
{
	int			line = -1;

	CHECK(utf8_check("", 0, &line));
	CHECK(utf8_check("SELECT 1;\n", 10, &line));
	CHECK(utf8_check("caf\xC3\xA9", 5, &line));
	CHECK(utf8_check("\xE2\x82\xAC", 3, &line));	/* U+20AC */
	CHECK(utf8_check("\xEF\xBF\xBD", 3, &line));	/* U+FFFD */
	CHECK(utf8_check("\xF0\x9F\x98\x80", 4, &line));	/* U+1F600 */
	CHECK(utf8_check("\xF4\x8F\xBF\xBF", 4, &line));	/* U+10FFFF */
	CHECK(utf8_check("\xEF\xBB\xBFSELECT", 9, &line));	/* BOM */

	line = -1;
	CHECK(!utf8_check("\xFF", 1, &line));
	CHECK_INT(line, 1);

	/* Line numbers: \n, \r\n and \r all end a line. */
	line = -1;
	CHECK(!utf8_check("a\nb\nc\xC3", 6, &line));	/* truncated sequence */
	CHECK_INT(line, 3);
	line = -1;
	CHECK(!utf8_check("a\r\nb\r\nc\x80x", 9, &line));	/* lone continuation */
	CHECK_INT(line, 3);
	line = -1;
	CHECK(!utf8_check("a\rb\rc\rd\xC0\x80", 9, &line));	/* overlong NUL */
	CHECK_INT(line, 4);
	line = -1;
	CHECK(!utf8_check("\n\n\r\n\xE0\x80\xAF", 7, &line));	/* overlong '/' */
	CHECK_INT(line, 4);
	line = -1;
	CHECK(!utf8_check("x\xED\xA0\x80", 4, &line));	/* surrogate U+D800 */
	CHECK_INT(line, 1);
	line = -1;
	CHECK(!utf8_check("\n\xF4\x90\x80\x80", 5, &line));	/* above U+10FFFF */
	CHECK_INT(line, 2);
	line = -1;
	CHECK(!utf8_check("\n\n\xF8\x88\x80\x80\x80", 7, &line));	/* 5-byte form */
	CHECK_INT(line, 3);
	line = -1;
	CHECK(!utf8_check("ab\n\0cd", 6, &line));	/* NUL */
	CHECK_INT(line, 2);
	line = -1;
	CHECK(!utf8_check("\xC3\n", 2, &line));	/* broken by a newline */
	CHECK_INT(line, 1);
	line = -1;
	CHECK(!utf8_check("\xE2\x82", 2, &line));	/* cut short by len */
	CHECK_INT(line, 1);
	/* len is respected: the bad byte after it is not looked at */
	CHECK(utf8_check("ok\xFF", 2, &line));
}

static void
test_line_of_offset(void)
{
	const char *text = "a\nb\r\nc\rd";

	CHECK_INT(line_of_offset(text, 8, 0), 1);
	CHECK_INT(line_of_offset(text, 8, 1), 1);	/* the '\n' itself */
	CHECK_INT(line_of_offset(text, 8, 2), 2);
	CHECK_INT(line_of_offset(text, 8, 3), 2);	/* '\r' of "\r\n" */
	CHECK_INT(line_of_offset(text, 8, 4), 2);	/* '\n' of "\r\n" */
	CHECK_INT(line_of_offset(text, 8, 5), 3);
	CHECK_INT(line_of_offset(text, 8, 7), 4);
	CHECK_INT(line_of_offset(text, 8, 100), 4);	/* clamped to the end */
	CHECK_INT(line_of_offset("", 0, 0), 1);
	CHECK_INT(line_of_offset("\r", 1, 1), 2);
}

int
main(void)
{
	test_published_vectors();
	test_line_endings_and_bom();
	test_larger_than_buffer();
	test_utf8_check();
	test_line_of_offset();
	return unit_summary("checksum");
}
