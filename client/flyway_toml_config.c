/*-------------------------------------------------------------------------
 *
 * flyway_toml_config.c
 *	  Read a flyway.toml (Flyway 10's configuration file) into the same
 *	  settings a flyway.conf gives.
 *
 * toml++ parses it (flyway_toml.cpp); here its dotted keys are mapped:
 * [flyway] keys are flyway.conf's keys without "flyway." (so
 * [flyway.placeholders] gives placeholders), [environments.NAME] tables
 * become environment settings (flyway_config.c applies the chosen one),
 * and the tables of Redgate's other tools ([flywayDesktop],
 * [redgateCompare], ...) and the project's id, name and databaseType are
 * left to them.  Values may hold Flyway's ${env.NAME} resolver.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <ctype.h>

#include "lib/stringinfo.h"

#include "flyway_config.h"
#include "flyway_toml.h"

/* Root keys a Flyway project file holds for Flyway Desktop */
static const char *const project_keys[] = {"id", "name", "databaseType"};

static bool
is_project_key(const char *key)
{
	for (size_t i = 0; i < lengthof(project_keys); i++)
		if (strcmp(project_keys[i], key) == 0)
			return true;
	return false;
}

/*
 * Flyway's property resolvers in a value: ${env.NAME} is the environment
 * variable NAME (an error when it is not set), $${ is a literal ${, and a
 * value written !{...} is taken as written.  Other resolvers (Vault, Dapr,
 * ...) are errors.  Nothing of the value goes into an error.
 */
static bool
resolve_value(const char *value, const char *key, const char *origin, StringInfo out,
			  char **error)
{
	size_t		len = strlen(value);

	if (len >= 3 && strncmp(value, "!{", 2) == 0 && value[len - 1] == '}')
	{
		appendBinaryStringInfo(out, value + 2, len - 3);
		return true;
	}
	for (const char *p = value; *p;)
	{
		const char *name = p + 2;
		const char *end = name;

		if (strncmp(p, "$${", 3) == 0)
		{
			appendStringInfoString(out, "${");
			p += 3;
			continue;
		}
		if (strncmp(p, "${", 2) != 0)
		{
			appendStringInfoChar(out, *p++);
			continue;
		}
		while (isalnum((unsigned char) *end) || *end == '_' || *end == '-')
			end++;
		if (*end != '.' || end == name)
		{
			/* not a resolver: ${flyway:...} or other text */
			appendStringInfoChar(out, *p++);
			continue;
		}
		if (end - name != 3 || strncmp(name, "env", 3) != 0)
		{
			*error = psprintf("%s (%s) uses Flyway's %.*s resolver, which pg_migrate does not "
							  "support; only ${env.NAME} (an environment variable) is resolved",
							  key, origin, (int) (end - name), name);
			return false;
		}
		else
		{
			const char *close = strchr(end + 1, '}');
			char	   *variable;
			const char *env;

			if (close == NULL || close == end + 1)
			{
				*error = psprintf("%s (%s) has a ${env. without a variable name and a closing }",
								  key, origin);
				return false;
			}
			variable = pnstrdup(end + 1, close - end - 1);
			env = getenv(variable);
			if (env == NULL)
			{
				*error = psprintf("%s (%s) names the environment variable %s, which is not set",
								  key, origin, variable);
				pfree(variable);
				return false;
			}
			appendStringInfoString(out, env);
			pfree(variable);
			p = close + 1;
		}
	}
	return true;
}

/* One entry of the file: which setting it is, if it is Flyway's. */
static bool
read_entry(FlywayConfig *config, const char *path, const FlywayTomlEntry *entry, char **error)
{
	const char *key = entry->key;
	char	   *origin;
	StringInfoData value;
	bool		ok;

	if (strncmp(key, "flyway.", 7) == 0)
		key += 7;
	else if (strncmp(key, "environments.", 13) != 0)
	{
		if (strchr(key, '.') != NULL || is_project_key(key))
			return true;		/* another tool's table, or the project's name */
		*error = psprintf("%s:%d: setting %s is outside the [flyway] and [environments] tables; "
						  "write it under [flyway]", path, entry->line, key);
		return false;
	}
	origin = psprintf("%s:%d", path, entry->line);
	initStringInfo(&value);
	if (resolve_value(entry->value, key, origin, &value, error))
		ok = flyway_config_set(config, key, value.data, SOURCE_FILE, origin, error);
	else
	{
		char	   *why = *error;

		ok = flyway_config_set_unresolved(config, key, SOURCE_FILE, origin, why, error);
		pfree(why);
	}
	explicit_bzero(value.data, value.len);
	pfree(value.data);
	pfree(origin);
	return ok;
}

bool
flyway_config_read_toml_text(FlywayConfig *config, const char *path, const char *text,
							 char **error)
{
	FlywayTomlDocument document;
	bool		ok = true;

	/* a UTF-8 byte order mark */
	if (strncmp(text, "\xEF\xBB\xBF", 3) == 0)
		text += 3;
	if (!flyway_toml_parse(text, strlen(text), &document))
	{
		if (document.error_line > 0)
			*error = psprintf("%s:%d:%d: %s", path, document.error_line, document.error_column,
							  document.error);
		else
			*error = psprintf("configuration file %s: %s", path, document.error);
		flyway_toml_free(&document);
		return false;
	}
	for (int i = 0; i < document.nentries && ok; i++)
		ok = read_entry(config, path, &document.entries[i], error);
	flyway_toml_free(&document);
	return ok;
}
