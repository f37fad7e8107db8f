/*-------------------------------------------------------------------------
 *
 * checksum.c
 *	  Flyway's script checksum (CRC-32 of the text with line breaks left
 *	  out), the UTF-8 check that precedes it, and line numbers for messages.
 *
 * Flyway reads a script line by line (BufferedReader.readLine), drops a
 * BOM at the very start and feeds every line's UTF-8 bytes to one CRC-32
 * with nothing in between.  That is the same as a CRC-32 of the bytes with
 * every '\r' and '\n' removed, which is what we compute.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include <zlib.h>

#include "checksum.h"
#include "interrupts.h"

/*
 * The one UTF-8 decoding rule (names.c decodes with it too).  Bytes are
 * read in order and the first one out of range ends the sequence, so a
 * NUL-terminated string never has a byte past its NUL read.
 */
int
utf8_sequence_length(const unsigned char *data, size_t avail)
{
	unsigned char c = data[0];
	int			len;
	unsigned char lo = 0x80;
	unsigned char hi = 0xBF;
	int			i;

	if (c == 0)
		return 0;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF)
	{
		len = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	}
	else if (c >= 0xF0 && c <= 0xF4)
	{
		len = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	}
	else
		return 0;

	if ((size_t) len > avail)
		return 0;
	for (i = 1; i < len; i++)
	{
		if (data[i] < lo || data[i] > hi)
			return 0;
		lo = 0x80;
		hi = 0xBF;
	}
	return len;
}

bool
utf8_check(const char *data, size_t len, int *bad_line)
{
	const unsigned char *bytes = (const unsigned char *) data;
	size_t		offset = 0;

	while (offset < len)
	{
		size_t		chunk_end = Min(len, offset + INTERRUPT_CHECK_BYTES);

		/* a script can be hundreds of megabytes: let a cancel in between */
		CHECK_FOR_INTERRUPTS();
		while (offset < chunk_end)
		{
			int			seqlen;

			/* ASCII fast path: most scripts are mostly ASCII. */
			if (bytes[offset] > 0 && bytes[offset] < 0x80)
			{
				offset++;
				continue;
			}
			seqlen = utf8_sequence_length(bytes + offset, len - offset);
			if (seqlen == 0)
			{
				if (bad_line)
					*bad_line = line_of_offset(data, len, offset);
				return false;
			}
			offset += seqlen;
		}
	}
	return true;
}

/*
 * The bytes other than line breaks are gathered into a buffer and hashed a
 * buffer at a time: one crc32() call per line cost more than the CRC itself
 * for short lines (a no-op migrate over 10000 scripts spent 10% of its time
 * there).  The buffer bounds the work between two interrupt checks.
 */
#define CHECKSUM_BUFFER_SIZE 65536

int32
flyway_checksum(const char *data, size_t len)
{
	const unsigned char *bytes = (const unsigned char *) data;
	uLong		crc = crc32(0L, Z_NULL, 0);
	unsigned char buffer[CHECKSUM_BUFFER_SIZE];
	size_t		used = 0;
	size_t		i = 0;

	/* Only a BOM that is the very first character is dropped. */
	if (len >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF)
		i = 3;

	for (; i < len; i++)
	{
		if (bytes[i] == '\n' || bytes[i] == '\r')
			continue;
		buffer[used++] = bytes[i];
		if (used == CHECKSUM_BUFFER_SIZE)
		{
			CHECK_FOR_INTERRUPTS();
			crc = crc32(crc, buffer, (uInt) used);
			used = 0;
		}
	}
	if (used > 0)
		crc = crc32(crc, buffer, (uInt) used);

	return (int32) (uint32) crc;
}

int
line_of_offset(const char *data, size_t len, size_t offset)
{
	LineCounter counter;

	line_counter_init(&counter, data, len);
	return line_counter_line(&counter, offset);
}

void
line_counter_init(LineCounter *counter, const char *data, size_t len)
{
	counter->data = data;
	counter->len = len;
	counter->offset = 0;
	counter->line = 1;
}

int
line_counter_line(LineCounter *counter, size_t offset)
{
	const char *data = counter->data;
	size_t		len = counter->len;
	size_t		i;
	int			line;

	if (offset > len)
		offset = len;
	if (offset < counter->offset)
		line_counter_init(counter, data, len);
	line = counter->line;
	for (i = counter->offset; i < offset; i++)
	{
		if (((i - counter->offset) & (INTERRUPT_CHECK_BYTES - 1)) == 0)
			CHECK_FOR_INTERRUPTS();
		/* "\r\n" is one line break: count it at its '\n'. */
		if (data[i] == '\n' ||
			(data[i] == '\r' && (i + 1 >= len || data[i + 1] != '\n')))
			line++;
	}
	counter->offset = offset;
	counter->line = line;
	return line;
}
