/*-------------------------------------------------------------------------
 *
 * checksum.h
 *	  Flyway's script checksum: CRC-32 of the text with line breaks removed.
 *
 * Pure logic (zlib's crc32), no backend-only calls.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_MIGRATE_CHECKSUM_H
#define PG_MIGRATE_CHECKSUM_H

/*
 * Length of the valid UTF-8 sequence at data[0..avail), or 0 if it is not
 * one.  As strict as Java's decoder: no overlong forms, no surrogates,
 * nothing above U+10FFFF.  NUL is refused too: the server cannot store it.
 */
extern int	utf8_sequence_length(const unsigned char *data, size_t avail);

/*
 * Check that data[0..len) is valid UTF-8 (no NUL bytes either, since the
 * server cannot store them).  On failure returns false and sets *bad_line to
 * the 1-based line of the first bad byte (lines end at \n, \r or \r\n).
 */
extern bool utf8_check(const char *data, size_t len, int *bad_line);

/*
 * Flyway's checksum of a script that is already valid UTF-8: CRC-32 (zlib)
 * over the bytes with every '\r' and '\n' left out and one leading UTF-8
 * BOM (EF BB BF) dropped, returned as a signed 32-bit value.
 * Empty input -> 0.  "SELECT 1;" -> 78787420.
 */
extern int32 flyway_checksum(const char *data, size_t len);

/* Number of the line (1-based) that byte offset "offset" of data lies on. */
extern int	line_of_offset(const char *data, size_t len, size_t offset);

/*
 * The same for many offsets of one text asked in increasing order, as a
 * script's statements are: each call counts only from the previous offset,
 * so numbering every statement costs one pass over the script rather than
 * one per statement.  An offset below the previous one counts from the top.
 */
typedef struct LineCounter
{
	const char *data;
	size_t		len;
	size_t		offset;			/* counted up to here */
	int			line;			/* the line "offset" lies on */
} LineCounter;

extern void line_counter_init(LineCounter *counter, const char *data, size_t len);
extern int	line_counter_line(LineCounter *counter, size_t offset);

#endif							/* PG_MIGRATE_CHECKSUM_H */
