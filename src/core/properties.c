/*-------------------------------------------------------------------------
 *
 * properties.c
 *	  Java properties syntax: "key=value", "key: value" or "key value"
 *	  lines, '#' or '!' comments, a trailing backslash continuing a line,
 *	  backslash escapes.
 *
 * Flyway reads its configuration files with java.util.Properties; this
 * reads the same subset that such files use.  What a key means is the
 * caller's business (script_conf.c, client/flyway_config.c).
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include <ctype.h>

#include "lib/stringinfo.h"

#include "interrupts.h"
#include "properties.h"

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\f';
}

bool
properties_next_list_item(const char **cursor, const char **start, size_t *len)
{
	const char *p = *cursor;
	const char *end;

	if (p == NULL || *p == '\0')
		return false;
	end = strchr(p, ',');
	if (end == NULL)
		end = p + strlen(p);
	*cursor = *end ? end + 1 : end;
	while (p < end && isspace((unsigned char) *p))
		p++;
	while (end > p && isspace((unsigned char) end[-1]))
		end--;
	*start = p;
	*len = end - p;
	return true;
}

bool
properties_parse_bool(const char *value, bool *out)
{
	size_t		n = strlen(value);

	/* an invisible trailing blank should not make "true" invalid */
	while (n > 0 && is_blank(value[n - 1]))
		n--;
	if (n == 4 && pg_strncasecmp(value, "true", 4) == 0)
		*out = true;
	else if (n == 5 && pg_strncasecmp(value, "false", 5) == 0)
		*out = false;
	else
		return false;
	return true;
}

/*
 * Split one logical line (continuations joined) into key and value, undoing
 * the escapes properties files use (\=, \:, \\, \t, \n, ...).
 */
static void
split_property(const char *line, StringInfo key, StringInfo value)
{
	const char *p = line;
	bool		in_key = true;

	while (is_blank(*p))
		p++;
	for (; *p; p++)
	{
		char		c = *p;

		if (in_key && (c == '=' || c == ':' || is_blank(c)))
		{
			in_key = false;
			/* "key = value", "key value", "key : value" */
			while (is_blank(p[1]))
				p++;
			if (is_blank(c) && (p[1] == '=' || p[1] == ':'))
			{
				p++;
				while (is_blank(p[1]))
					p++;
			}
			continue;
		}
		if (c == '\\' && p[1] != '\0')
		{
			p++;
			c = *p == 't' ? '\t' : *p == 'n' ? '\n' : *p == 'r' ? '\r' : *p == 'f' ? '\f' : *p;
		}
		appendStringInfoChar(in_key ? key : value, c);
	}
}

/* Hand one complete logical line to the callback. */
static bool
deliver_line(const char *line, int line_number, PropertyCallback callback, void *arg,
			 char **errmsg)
{
	StringInfoData key;
	StringInfoData value;
	bool		ok;

	initStringInfo(&key);
	initStringInfo(&value);
	split_property(line, &key, &value);
	ok = callback(key.data, value.data, line_number, arg, errmsg);
	pfree(key.data);
	/* a value may be a password */
	memset(value.data, 0, value.len);
	pfree(value.data);
	return ok;
}

bool
properties_parse(const char *text, size_t len, PropertyCallback callback, void *arg,
				 char **errmsg, int *errline)
{
	StringInfoData logical;
	size_t		pos = 0;
	int			line = 0;
	int			start_line = 0;
	bool		ok = true;

	initStringInfo(&logical);
	while (pos < len && ok)
	{
		size_t		eol = pos;
		size_t		end;
		size_t		begin = pos;
		int			backslashes = 0;

		CHECK_FOR_INTERRUPTS();
		while (eol < len && text[eol] != '\n' && text[eol] != '\r')
			eol++;
		line++;
		end = eol;
		/* next line starts after \n, \r or \r\n */
		pos = eol;
		if (pos < len && text[pos] == '\r')
			pos++;
		if (pos < len && text[pos] == '\n' && (pos == eol || text[pos - 1] == '\r'))
			pos++;

		if (logical.len == 0)
		{
			while (begin < end && is_blank(text[begin]))
				begin++;
			if (begin == end || text[begin] == '#' || text[begin] == '!')
				continue;
			start_line = line;
		}
		else
		{
			/* a continuation line's leading blanks are dropped */
			while (begin < end && is_blank(text[begin]))
				begin++;
		}

		for (size_t i = end; i > begin && text[i - 1] == '\\'; i--)
			backslashes++;
		if (backslashes % 2 == 1)
		{
			appendBinaryStringInfo(&logical, text + begin, end - begin - 1);
			continue;
		}
		appendBinaryStringInfo(&logical, text + begin, end - begin);
		ok = deliver_line(logical.data, start_line, callback, arg, errmsg);
		resetStringInfo(&logical);
	}
	/* a file that ends inside a continuation */
	if (ok && logical.len > 0)
		ok = deliver_line(logical.data, start_line, callback, arg, errmsg);
	if (!ok)
		*errline = start_line;
	memset(logical.data, 0, logical.maxlen);
	pfree(logical.data);
	return ok;
}
