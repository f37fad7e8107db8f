/*-------------------------------------------------------------------------
 *
 * script_conf.c
 *	  Parsing Flyway's per-script configuration files (<script>.sql.conf).
 *
 * The files are Java properties (properties.c); this says what their keys
 * mean, and refuses a key it does not know rather than ignoring it.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include "properties.h"
#include "script_conf.h"
#include "script_encoding.h"

/* Java's Boolean parsing as Flyway uses it. */
static bool
parse_bool(const char *key, const char *value, int *out, char **errmsg)
{
	bool		b;

	if (!properties_parse_bool(value, &b))
	{
		*errmsg = psprintf("invalid value for %s: \"%s\" (should be either true or false)",
						   key, value);
		return false;
	}
	*out = b ? 1 : 0;
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
		conf->encoding = script_encoding_canonical(value, errmsg);
		return conf->encoding != NULL;
	}
	*errmsg = psprintf("unknown configuration property: %s", key);
	return false;
}

/* One property of the file. */
static bool
apply_property_line(const char *key, const char *value, int line, void *arg, char **errmsg)
{
	return apply_property(key, value, (ScriptConfig *) arg, errmsg);
}

bool
script_config_parse(const char *text, size_t len, ScriptConfig *conf, char **errmsg, int *errline)
{
	conf->execute_in_transaction = -1;
	conf->placeholder_replacement = -1;
	conf->encoding = NULL;
	return properties_parse(text, len, apply_property_line, conf, errmsg, errline);
}
