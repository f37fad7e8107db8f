/*
 * test_compat_table.c
 *	  Holds docs/flyway-compatibility.md's "Every Flyway setting" table to
 *	  what the command does: a key marked **no** is refused as "not
 *	  supported", any other is recognised, and every key the command knows
 *	  (supported or refused) has a row.  A table that drifts from the code
 *	  fails here rather than misleading a team that is switching.
 */
#include "postgres_fe.h"

#include "flyway_config.h"
#include "unit.h"

#define COMPAT_DOC "../../docs/flyway-compatibility.md"
#define SETTINGS_C "../../src/backend/settings.c"
/* the file-name settings are named once, in the engine's server wording */
#define WORDING_C "../../src/engine/common.c"
#define SECTION "## Every Flyway setting"

typedef enum RowStatus
{
	STATUS_YES,
	STATUS_DIFFERS,
	STATUS_NO,
	STATUS_BAD
} RowStatus;

/* every `name` the table mentions in a setting or command column */
static char *mentioned[512];
static int	nmentioned;

static char *settings_source;

static char *
read_file(const char *path)
{
	FILE	   *f = fopen(path, "r");
	char	   *text;
	long		len;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	text = palloc(len + 1);
	text[fread(text, 1, len, f)] = '\0';
	fclose(f);
	return text;
}

static RowStatus
status_of(const char *cell)
{
	while (*cell == ' ')
		cell++;
	if (strncmp(cell, "**yes**", 7) == 0)
		return STATUS_YES;
	if (strncmp(cell, "**differs**", 11) == 0)
		return STATUS_DIFFERS;
	if (strncmp(cell, "**no**", 6) == 0)
		return STATUS_NO;
	return STATUS_BAD;
}

/* The backquoted names of a cell: "`a`, `b.*`" -> a, b.* */
static int
names_of(const char *cell, char **names, int max)
{
	int			n = 0;
	const char *p = cell;

	while (n < max && (p = strchr(p, '`')) != NULL)
	{
		const char *end = strchr(p + 1, '`');

		if (end == NULL)
			break;
		names[n++] = pnstrdup(p + 1, end - p - 1);
		p = end + 1;
	}
	return n;
}

/* "placeholders.NAME" and "jdbcProperties.*" stand for one key of the family. */
static char *
sample_key(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (dot != NULL && (strcmp(dot, ".*") == 0 || strcmp(dot, ".NAME") == 0))
		return psprintf("%.*s.sample", (int) (dot - name), name);
	return pstrdup(name);
}

static void
check_key(const char *name, RowStatus status, int line)
{
	FlywayConfig config;
	char	   *key = sample_key(name);
	char	   *error = NULL;
	bool		ok;
	bool		refused;
	bool		unknown;

	flyway_config_init(&config);
	ok = flyway_config_set(&config, key, "true", SOURCE_FLAG, "-test", &error);
	refused = !ok && strstr(error, "not supported by pg_migrate") != NULL;
	unknown = !ok && strstr(error, "unknown setting") != NULL;
	if (status == STATUS_NO)
	{
		CHECK(refused);
		if (!refused)
			fprintf(stderr, "  line %d: %s is marked **no** but the command %s\n", line, key,
					ok ? "accepts it" : error);
	}
	else
	{
		CHECK(!refused && !unknown);
		if (refused || unknown)
			fprintf(stderr, "  line %d: %s is marked supported but the command says: %s\n",
					line, key, error);
	}
	flyway_config_free(&config);
}

/* Every pg_migrate.* setting the extension column names is one the extension defines. */
static void
check_extension_settings(const char *cell, int line)
{
	char	   *names[8];
	int			n = names_of(cell, names, lengthof(names));

	for (int i = 0; i < n; i++)
	{
		char	   *quoted;

		if (strncmp(names[i], "pg_migrate.", 11) != 0)
			continue;
		/* pg_migrate."table" is written quoted, as SET needs it */
		quoted = psprintf("\"%s\"", names[i]);
		for (char *q = quoted + 1; *q; q++)
			if (*q == '"' && q[1] != '\0')
				memmove(q, q + 1, strlen(q));
		CHECK(strstr(settings_source, quoted) != NULL);
		if (strstr(settings_source, quoted) == NULL)
			fprintf(stderr, "  line %d: %s is not defined in %s (nor named in %s)\n", line,
					names[i], SETTINGS_C, WORDING_C);
	}
}

/* One "| setting | extension | command | status |" row. */
static void
check_row(char *row, int line)
{
	char	   *cells[5];
	int			ncells = 0;
	char	   *p = row + 1;
	char	   *names[8];
	int			n;
	RowStatus	status;

	while (ncells < 5 && (cells[ncells] = p) != NULL)
	{
		char	   *bar = strchr(p, '|');

		if (bar == NULL)
			break;
		*bar = '\0';
		ncells++;
		p = bar + 1;
	}
	CHECK_INT(ncells, 4);
	if (ncells != 4)
		return;
	status = status_of(cells[3]);
	CHECK(status != STATUS_BAD);
	if (status == STATUS_BAD)
		fprintf(stderr, "  line %d: status must start **yes**, **differs** or **no**\n", line);

	check_extension_settings(cells[1], line);

	/* the command column, else (a setting the command has no key for) the setting's */
	n = names_of(cells[2], names, lengthof(names));
	if (n == 0 && status == STATUS_NO)
		n = names_of(cells[0], names, lengthof(names));
	for (int i = 0; i < n; i++)
	{
		check_key(names[i], status, line);
		if (nmentioned < (int) lengthof(mentioned))
			mentioned[nmentioned++] = sample_key(names[i]);
	}
}

static bool
is_mentioned(const char *key)
{
	char	   *sample = key[strlen(key) - 1] == '.' ? psprintf("%ssample", key) : pstrdup(key);

	for (int i = 0; i < nmentioned; i++)
		if (strcmp(mentioned[i], sample) == 0)
			return true;
	fprintf(stderr, "  the command knows %s, but the table has no row for it\n", key);
	return false;
}

int
main(void)
{
	char	   *doc = read_file(COMPAT_DOC);
	char	   *section;
	char	   *line;
	int			lineno = 0;
	int			rows = 0;

	settings_source = read_file(SETTINGS_C);
	if (settings_source != NULL)
	{
		char	   *wording = read_file(WORDING_C);

		if (wording != NULL)
			settings_source = psprintf("%s\n%s", settings_source, wording);
	}
	CHECK(doc != NULL && settings_source != NULL);
	if (doc == NULL || settings_source == NULL)
		return unit_summary("compat_table");
	section = strstr(doc, SECTION);
	CHECK(section != NULL);
	if (section == NULL)
		return unit_summary("compat_table");
	for (char *c = doc; c < section; c++)
		lineno += *c == '\n';

	/* the rows, up to the next section */
	line = strchr(section, '\n');
	while (line != NULL && strncmp(line + 1, "## ", 3) != 0)
	{
		char	   *next = strchr(line + 1, '\n');
		char	   *text = next ? pnstrdup(line + 1, next - line - 1) : pstrdup(line + 1);

		lineno++;
		if (text[0] == '|' && strncmp(text, "| Flyway setting", 16) != 0 &&
			strncmp(text, "| ---", 5) != 0)
		{
			check_row(text, lineno + 1);
			rows++;
		}
		line = next;
	}
	CHECK(rows > 60);

	for (int k = 0; k < FK_COUNT; k++)
		CHECK(is_mentioned(flyway_key_name(k)));
	for (int i = 0; flyway_unsupported_key(i) != NULL; i++)
		CHECK(is_mentioned(flyway_unsupported_key(i)));
	return unit_summary("compat_table");
}
