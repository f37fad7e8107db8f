/*-------------------------------------------------------------------------
 *
 * jdbc_url.c
 *	  Flyway's connection URL, jdbc:postgresql://host:port/db?params, as
 *	  libpq connection keywords.
 *
 * pgJDBC's parameter names map onto libpq's where libpq has the same
 * setting; the others (prepareThreshold, socketTimeout, ...) only tune the
 * Java driver, so they are listed in JdbcUrl.ignored for the caller to warn
 * about rather than dropped without a word.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <ctype.h>

#include "lib/stringinfo.h"

#include "jdbc_url.h"

static const char jdbc_prefix[] = "jdbc:postgresql:";

bool
jdbc_url_is_jdbc(const char *url)
{
	return pg_strncasecmp(url, "jdbc:", 5) == 0;
}

static void
append_item(char **list, const char *item, size_t len)
{
	StringInfoData buf;

	initStringInfo(&buf);
	if (*list != NULL)
	{
		appendStringInfo(&buf, "%s,", *list);
		pfree(*list);
	}
	appendBinaryStringInfo(&buf, item, len);
	*list = buf.data;
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = pg_tolower((unsigned char) c);
	return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

/* %XX decoding, as pgJDBC decodes the database name and parameters. */
static char *
percent_decode(const char *s, size_t len)
{
	char	   *out = palloc(len + 1);
	size_t		n = 0;

	for (size_t i = 0; i < len; i++)
	{
		if (s[i] == '%' && i + 2 < len &&
			hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0)
		{
			out[n++] = (char) (hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
			i += 2;
		}
		else
			out[n++] = s[i];
	}
	out[n] = '\0';
	return out;
}

static void
set_field(char **field, char *value)
{
	if (*field != NULL)
		pfree(*field);
	*field = value;
}

/*
 * Map one pgJDBC URL parameter onto its libpq equivalent; names are
 * matched case-insensitively as pgJDBC does.  Takes ownership of val.
 */
static void
apply_parameter(JdbcUrl *u, const char *key, char *val)
{
	if (pg_strcasecmp(key, "user") == 0)
		set_field(&u->user, val);
	else if (pg_strcasecmp(key, "password") == 0)
		set_field(&u->password, val);
	else if (pg_strcasecmp(key, "sslmode") == 0)
		set_field(&u->sslmode, val);
	else if (pg_strcasecmp(key, "ssl") == 0)
	{
		/* ssl=true without sslmode means "verify-full" in pgJDBC */
		if (u->sslmode == NULL && pg_strcasecmp(val, "true") == 0)
			u->sslmode = pstrdup("verify-full");
		pfree(val);
	}
	else if (pg_strcasecmp(key, "sslrootcert") == 0)
		set_field(&u->sslrootcert, val);
	else if (pg_strcasecmp(key, "sslcert") == 0)
		set_field(&u->sslcert, val);
	else if (pg_strcasecmp(key, "sslkey") == 0)
		set_field(&u->sslkey, val);
	else if (pg_strcasecmp(key, "ApplicationName") == 0)
		set_field(&u->application_name, val);
	else if (pg_strcasecmp(key, "connectTimeout") == 0 ||
			 pg_strcasecmp(key, "loginTimeout") == 0)
		set_field(&u->connect_timeout, val);
	else if (pg_strcasecmp(key, "targetServerType") == 0)
	{
		if (pg_strcasecmp(val, "primary") == 0 || pg_strcasecmp(val, "master") == 0)
			set_field(&u->target_session_attrs, pstrdup("read-write"));
		else if (pg_strcasecmp(val, "secondary") == 0)
			set_field(&u->target_session_attrs, pstrdup("read-only"));
		else
			append_item(&u->ignored, key, strlen(key));
		pfree(val);
	}
	else if (pg_strcasecmp(key, "options") == 0)
		set_field(&u->options, val);
	else if (pg_strcasecmp(key, "currentSchema") == 0)
	{
		/* pgJDBC sets search_path; libpq can through options */
		set_field(&u->options, psprintf("-c search_path=%s", val));
		pfree(val);
	}
	else
	{
		append_item(&u->ignored, key, strlen(key));
		pfree(val);
	}
}

/* One "host", "host:port" or "[v6]:port" of the host list. */
static bool
parse_host(JdbcUrl *u, const char *p, const char *end, char **error)
{
	const char *host = p;
	const char *host_end;
	const char *port = NULL;

	if (*p == '[')
	{
		const char *bracket = memchr(p, ']', end - p);

		if (bracket == NULL)
		{
			*error = pstrdup("the URL has an unterminated [IPv6] host");
			return false;
		}
		host = p + 1;
		host_end = bracket;
		if (bracket + 1 < end && bracket[1] == ':')
			port = bracket + 2;
	}
	else
	{
		const char *colon = memchr(p, ':', end - p);

		host_end = colon ? colon : end;
		if (colon)
			port = colon + 1;
	}
	if (host_end == host)
	{
		*error = pstrdup("the URL has an empty host name");
		return false;
	}
	for (const char *c = port; c != NULL && c < end; c++)
		if (!isdigit((unsigned char) *c))
		{
			*error = pstrdup("the URL has a non-numeric port");
			return false;
		}
	append_item(&u->hosts, host, host_end - host);
	if (port != NULL && port < end)
		append_item(&u->ports, port, end - port);
	else
		append_item(&u->ports, "5432", 4);
	return true;
}

static void
parse_parameters(JdbcUrl *u, const char *p)
{
	while (*p)
	{
		const char *amp = strchr(p, '&');
		const char *end = amp ? amp : p + strlen(p);
		const char *eq = memchr(p, '=', end - p);

		if (eq != NULL && eq > p)
		{
			char	   *key = percent_decode(p, eq - p);

			apply_parameter(u, key, percent_decode(eq + 1, end - eq - 1));
			pfree(key);
		}
		p = amp ? amp + 1 : end;
	}
}

bool
jdbc_url_parse(const char *url, JdbcUrl *u, char **error)
{
	const char *p;
	const char *slash;
	const char *query;
	const char *hosts_end;

	memset(u, 0, sizeof(*u));
	if (pg_strncasecmp(url, jdbc_prefix, strlen(jdbc_prefix)) != 0 ||
		strncmp(url + strlen(jdbc_prefix), "//", 2) != 0)
	{
		*error = pstrdup("the URL must start with jdbc:postgresql://");
		return false;
	}
	p = url + strlen(jdbc_prefix) + 2;
	slash = strchr(p, '/');
	query = strchr(p, '?');
	if (slash && query && query < slash)
		slash = NULL;
	hosts_end = slash ? slash : (query ? query : p + strlen(p));

	while (p < hosts_end)
	{
		const char *comma = memchr(p, ',', hosts_end - p);
		const char *end = comma ? comma : hosts_end;

		if (!parse_host(u, p, end, error))
		{
			jdbc_url_free(u);
			return false;
		}
		p = comma ? comma + 1 : hosts_end;
	}
	if (slash)
	{
		const char *db_end = query ? query : slash + strlen(slash);

		if (db_end > slash + 1)
			u->dbname = percent_decode(slash + 1, db_end - slash - 1);
	}
	if (query)
		parse_parameters(u, query + 1);
	return true;
}

static void
free_wiped(char *s)
{
	if (s != NULL)
	{
		explicit_bzero(s, strlen(s));
		pfree(s);
	}
}

void
jdbc_url_free(JdbcUrl *u)
{
	char	  **fields[] = {&u->hosts, &u->ports, &u->dbname, &u->user, &u->password,
		&u->sslmode, &u->sslrootcert, &u->sslcert, &u->sslkey, &u->application_name,
	&u->connect_timeout, &u->target_session_attrs, &u->options, &u->ignored};

	for (size_t i = 0; i < lengthof(fields); i++)
		free_wiped(*fields[i]);
	memset(u, 0, sizeof(*u));
}
