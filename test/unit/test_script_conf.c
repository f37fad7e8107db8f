/*
 * test_script_conf.c
 *	  Unit tests of script_conf.c: Flyway's per-script .conf files.
 */
#include "postgres_fe.h"

#include "script_conf.h"
#include "unit.h"

static bool
parse(const char *text, ScriptConfig *conf, char **err, int *line)
{
	*err = NULL;
	*line = 0;
	return script_config_parse(text, strlen(text), conf, err, line);
}

int
main(void)
{
	ScriptConfig conf;
	char	   *err;
	int			line;

	/* empty file, comments and blank lines: nothing set */
	CHECK(parse("", &conf, &err, &line));
	CHECK_INT(conf.execute_in_transaction, -1);
	CHECK_INT(conf.placeholder_replacement, -1);
	CHECK(parse("# a comment\n! another\n\n   \n", &conf, &err, &line));
	CHECK_INT(conf.execute_in_transaction, -1);

	/* the three separators, any case for booleans */
	CHECK(parse("executeInTransaction=false\n", &conf, &err, &line));
	CHECK_INT(conf.execute_in_transaction, 0);
	CHECK(parse("executeInTransaction : TRUE\n", &conf, &err, &line));
	CHECK_INT(conf.execute_in_transaction, 1);
	CHECK(parse("executeInTransaction false", &conf, &err, &line));
	CHECK_INT(conf.execute_in_transaction, 0);
	CHECK(parse("  placeholderReplacement = False  \r\n", &conf, &err, &line));
	CHECK_INT(conf.placeholder_replacement, 0);
	CHECK_INT(conf.execute_in_transaction, -1);

	/* both keys, CRLF and CR line ends */
	CHECK(parse("executeInTransaction=false\r\nplaceholderReplacement=true\r", &conf, &err, &line));
	CHECK_INT(conf.execute_in_transaction, 0);
	CHECK_INT(conf.placeholder_replacement, 1);

	/* a continuation line */
	CHECK(parse("executeInTransaction=\\\n    false\n", &conf, &err, &line));
	CHECK_INT(conf.execute_in_transaction, 0);

	/* encoding: Flyway's (Java's) names and PostgreSQL's, canonical */
	CHECK(parse("encoding=UTF-8\n", &conf, &err, &line));
	CHECK_STR(conf.encoding, "UTF8");
	CHECK(parse("encoding=ISO-8859-1\n", &conf, &err, &line));
	CHECK_STR(conf.encoding, "LATIN1");
	CHECK(parse("encoding=UTF-16\n", &conf, &err, &line));
	CHECK_STR(conf.encoding, "UTF-16");
	CHECK(parse("executeInTransaction=false\n", &conf, &err, &line));
	CHECK_STR(conf.encoding, NULL);
	CHECK(!parse("# x\nencoding=EBCDIC-42\n", &conf, &err, &line));
	CHECK_STR(err, "unknown encoding \"EBCDIC-42\"");
	CHECK_INT(line, 2);

	/* unknown keys are errors, with their line, as in Flyway */
	CHECK(!parse("# first\nexecuteInTransaction=false\nflyway.placeholderReplacement=false\n",
				 &conf, &err, &line));
	CHECK_STR(err, "unknown configuration property: flyway.placeholderReplacement");
	CHECK_INT(line, 3);
	CHECK(!parse("shouldExecute=true", &conf, &err, &line));
	CHECK_INT(line, 1);

	/* bad booleans */
	CHECK(!parse("\n\nexecuteInTransaction=yes\n", &conf, &err, &line));
	CHECK_STR(err, "invalid value for executeInTransaction: \"yes\" (should be either true or false)");
	CHECK_INT(line, 3);
	CHECK(!parse("placeholderReplacement=\n", &conf, &err, &line));

	/* escaped separator inside a key is part of the key */
	CHECK(!parse("execute\\=InTransaction=true\n", &conf, &err, &line));
	CHECK_STR(err, "unknown configuration property: execute=InTransaction");

	return unit_summary("script_conf");
}
