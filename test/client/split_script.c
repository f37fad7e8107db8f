/*
 * split_script.c
 *	  Prints how client/script_split.c splits each script given, in the
 *	  shape t/080_client_split.pl compares with the extension's
 *	  migrate_plan(): a first line "transactional t|f", then one line per
 *	  statement: its line, a tab, and its text as migrate_plan() shows it
 *	  (a COPY FROM STDIN with its ';', data and "\."), with backslash, tab,
 *	  CR and LF escaped.  Exit status 1 and the error with its line on a
 *	  script the splitter rejects.
 *
 *	  split_script FILE...
 */
#include "postgres_fe.h"

#include "script_split.h"

static void
print_escaped(const char *s, int len)
{
	for (int i = 0; i < len; i++)
	{
		switch (s[i])
		{
			case '\\':
				fputs("\\\\", stdout);
				break;
			case '\t':
				fputs("\\t", stdout);
				break;
			case '\r':
				fputs("\\r", stdout);
				break;
			case '\n':
				fputs("\\n", stdout);
				break;
			default:
				putchar(s[i]);
		}
	}
}

static char *
read_file(const char *path, size_t *len)
{
	FILE	   *f = fopen(path, "rb");
	char	   *buf = NULL;
	size_t		size = 0;
	size_t		n;
	char		chunk[65536];

	if (f == NULL)
		return NULL;
	*len = 0;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
	{
		if (*len + n > size)
		{
			size = (*len + n) * 2;
			buf = realloc(buf, size);
			if (buf == NULL)
				exit(2);
		}
		memcpy(buf + *len, chunk, n);
		*len += n;
	}
	fclose(f);
	return buf ? buf : calloc(1, 1);
}

static int
print_script(const char *path)
{
	size_t		len;
	char	   *text = read_file(path, &len);
	SplitScript split;
	char	   *errmsg;
	int			line;

	if (text == NULL)
	{
		fprintf(stderr, "%s: cannot read: %s\n", path, strerror(errno));
		return 2;
	}
	if (!script_split(text, len, &split, &errmsg, &line))
	{
		printf("error at line %d: %s\n", line, errmsg);
		free(errmsg);
		free(text);
		return 1;
	}
	printf("transactional %s\n", split.transactional ? "t" : "f");
	if (!split.kinds_known)
		printf("kinds unknown (line %d: %s)\n", split.parse_error_line, split.parse_error);
	for (int i = 0; i < split.count; i++)
	{
		SplitStatement *s = &split.statements[i];

		printf("%d\t", s->line);
		print_escaped(text + s->location, s->length);
		if (s->has_copy_data)
		{
			print_escaped(";\n", 2);
			print_escaped(text + s->copy_data_start, s->copy_data_len);
			if (s->copy_data_len > 0 && text[s->copy_data_start + s->copy_data_len - 1] != '\n')
				print_escaped("\n", 1);
			print_escaped("\\.", 2);
		}
		putchar('\n');
	}
	script_split_free(&split);
	free(text);
	return 0;
}

int
main(int argc, char **argv)
{
	int			rc = 0;

	for (int i = 1; i < argc; i++)
	{
		int			r = print_script(argv[i]);

		if (r > rc)
			rc = r;
	}
	return rc;
}
