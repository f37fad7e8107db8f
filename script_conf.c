/*-------------------------------------------------------------------------
 *
 * script_conf.c
 *	  Parsing Flyway's per-script configuration files (<script>.sql.conf).
 *
 * The files are Java properties: "key=value", "key: value" or "key value"
 * lines, '#' or '!' comments, a trailing backslash continuing a line.
 * Flyway reads them with java.util.Properties; this reads the same subset
 * that such files use, and refuses what it does not know rather than
 * ignoring it.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include "lib/stringinfo.h"

#include "interrupts.h"
#include "script_conf.h"

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\f';
}

/* Java's Boolean parsing as Flyway uses it: "true" or "false", any case. */
static bool
parse_bool(const char *key, const char *value, int *out, char **errmsg)
{
	size_t		n = strlen(value);

	/* an invisible trailing blank should not make "true" invalid */
	while (n > 0 && is_blank(value[n - 1]))
		n--;
	if (n == 4 && pg_strncasecmp(value, "true", 4) == 0)
		*out = 1;
	else if (n == 5 && pg_strncasecmp(value, "false", 5) == 0)
		*out = 0;
	else
	{
		*errmsg = psprintf("invalid value for %s: \"%s\" (should be either true or false)",
						   key, value);
		return false;
	}
	return true;
}

static bool
apply_property(const char *key, const char *value, ScriptConfig *conf, char **errmsg)
{
	if (strcmp(key, "executeInTransaction") == 0)
		return parse_bool(key, value, &conf->execute_in_transaction, errmsg);
	if (strcmp(key, "placeholderReplacement") == 0)
		return parse_bool(key, value, &conf->placeholder_replacement, errmsg);
	if (strcmp(key, "encoding") == 0)
	{
		if (pg_strcasecmp(value, "UTF-8") == 0 || pg_strcasecmp(value, "UTF8") == 0)
			return true;
		*errmsg = psprintf("unsupported encoding \"%s\": scripts are read as UTF-8", value);
		return false;
	}
	*errmsg = psprintf("unknown configuration property: %s", key);
	return false;
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
	bool		after_separator = false;

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
			after_separator = true;
			continue;
		}
		if (c == '\\' && p[1] != '\0')
		{
			p++;
			c = *p == 't' ? '\t' : *p == 'n' ? '\n' : *p == 'r' ? '\r' : *p == 'f' ? '\f' : *p;
		}
		appendStringInfoChar(in_key ? key : value, c);
	}
	(void) after_separator;
}

/* Apply one complete logical line (continuations joined). */
static bool
apply_line(const char *line, ScriptConfig *conf, char **errmsg)
{
	StringInfoData key;
	StringInfoData value;
	bool		ok;

	initStringInfo(&key);
	initStringInfo(&value);
	split_property(line, &key, &value);
	ok = apply_property(key.data, value.data, conf, errmsg);
	pfree(key.data);
	pfree(value.data);
	return ok;
}

bool
script_config_parse(const char *text, size_t len, ScriptConfig *conf, char **errmsg, int *errline)
{
	StringInfoData logical;
	size_t		pos = 0;
	int			line = 0;
	int			start_line = 0;

	conf->execute_in_transaction = -1;
	conf->placeholder_replacement = -1;
	initStringInfo(&logical);

	while (pos < len)
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
		if (!apply_line(logical.data, conf, errmsg))
		{
			*errline = start_line;
			return false;
		}
		resetStringInfo(&logical);
	}
	/* a file that ends inside a continuation */
	if (logical.len > 0 && !apply_line(logical.data, conf, errmsg))
	{
		*errline = start_line;
		return false;
	}
	return true;
}
