/*-------------------------------------------------------------------------
 *
 * script_text.c
 *	  A script's text as Flyway treats it (script_text.h): UTF-8 only, the
 *	  checksums it records, its "<script>.sql.conf" file, and the text to
 *	  run.
 *
 * The server (backend/locations.c) and the command read the files their
 * own way and hand the bytes here, so both refuse, checksum and replace
 * alike.  Pure logic: builds with -DFRONTEND; errors are returned in a
 * MigrateError, never thrown.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include "checksum.h"
#include "script_encoding.h"
#include "script_conf.h"
#include "script_text.h"

#define UTF8_BOM "\xEF\xBB\xBF"
#define UTF8_BOM_LEN 3

/* Not UTF-8: 22021, naming the file and the line of the first bad byte. */
static bool
not_utf8(const char *path, int bad_line, const char *hint, MigrateError *err)
{
	migrate_error_set(err, SQLSTATE_CHARACTER_NOT_IN_REPERTOIRE,
					  psprintf("migration script \"%s\" is not valid UTF-8", path),
					  psprintf("The first invalid byte is on line %d.", bad_line), hint);
	return false;
}

bool
script_text_check_utf8(const char *path, const char *data, size_t len, MigrateError *err)
{
	int			bad_line = 0;

	return utf8_check(data, len, &bad_line) ||
		not_utf8(path, bad_line, "Save the file as UTF-8, as Flyway expects by default.", err);
}

/* How to name a script's encoding, for the hints of decoding errors. */
static char *
encoding_hint(const ResolvedScript *script, const ScriptDecoding *decoding)
{
	const char *base = strrchr(script->script, '/');

	return psprintf("Name the file's encoding: encoding=ISO-8859-1 (or windows-1252, UTF-16, ...) in \"%s.conf\", or %s for every script.",
					base ? base + 1 : script->script,
					decoding && decoding->setting ? decoding->setting : "the encoding setting");
}

/* Bytes the script's encoding does not allow: the file, the line, what. */
static bool
decode_failed(const ResolvedScript *script, const ScriptDecoding *decoding,
			  const char *encoding, const ScriptDecodeProblem *problem, MigrateError *err)
{
	const char *sqlstate = problem->sqlstate ? problem->sqlstate : SQLSTATE_CHARACTER_NOT_IN_REPERTOIRE;

	migrate_error_set(err, sqlstate,
					  strcmp(sqlstate, SQLSTATE_CHARACTER_NOT_IN_REPERTOIRE) == 0 ?
					  psprintf("migration script \"%s\" is not valid %s", script->path, encoding) :
					  psprintf("migration script \"%s\" has a character of %s with no Unicode equivalent",
							   script->path, encoding),
					  psprintf("Line %d: %s.", problem->line, problem->what),
					  encoding_hint(script, decoding));
	return false;
}

bool
script_text_decode(const ResolvedScript *script, const ScriptDecoding *decoding,
				   const char *data, size_t len, char **text, size_t *text_len,
				   MigrateError *err)
{
	const char *encoding = script->encoding ? script->encoding :
		decoding && decoding->encoding ? decoding->encoding : SCRIPT_ENCODING_DEFAULT;
	ScriptEncodingKind kind = script_encoding_kind(encoding);
	ScriptDecodeProblem problem;
	int			bad_line = 0;

	memset(&problem, 0, sizeof(problem));
	*text = (char *) data;
	*text_len = len;
	switch (kind)
	{
		case SCRIPT_ENCODING_UTF8:
			/* the hint is built only for an error: this is every script's path */
			return utf8_check(data, len, &bad_line) ||
				not_utf8(script->path, bad_line, encoding_hint(script, decoding), err);
		case SCRIPT_ENCODING_ASCII:
			return ascii_check(data, len, &problem) ||
				decode_failed(script, decoding, encoding, &problem, err);
		case SCRIPT_ENCODING_UTF16:
		case SCRIPT_ENCODING_UTF16LE:
		case SCRIPT_ENCODING_UTF16BE:
			return utf16_to_utf8(data, len, kind, text, text_len, &problem) ||
				decode_failed(script, decoding, encoding, &problem, err);
		case SCRIPT_ENCODING_SERVER:
			break;
	}
	if (decoding == NULL || decoding->convert == NULL)
	{
		migrate_error_set(err, SQLSTATE_FEATURE_NOT_SUPPORTED,
						  psprintf("migration script \"%s\" is in %s, which cannot be converted here",
								   script->path, encoding),
						  NULL, "Save the file as UTF-8.");
		return false;
	}
	if (decoding->convert(decoding->convert_arg, encoding, data, len, text, text_len,
						  &problem, err))
		return true;
	if (problem.what == NULL)
		return false;			/* not the bytes: err says what */
	return decode_failed(script, decoding, encoding, &problem, err);
}

/* Whether a script's text goes through placeholder replacement. */
static bool
replaces_placeholders(const ResolvedScript *script, bool replacement)
{
	return replacement && script->placeholder_replacement != 0;
}

/* Flyway's built-ins as this syntax writes them: "flyway:defaultSchema, ..." */
static char *
builtin_list(const PlaceholderSet *set)
{
	StringInfoData list;

	initStringInfo(&list);
	for (int i = 0; placeholder_builtins[i] != NULL; i++)
	{
		char	   *name = placeholders_builtin_name(set, placeholder_builtins[i]);

		appendStringInfo(&list, "%s%s", i == 0 ? "" :
						 placeholder_builtins[i + 1] == NULL ? " and " : ", ", name);
		pfree(name);
	}
	return list.data;
}

/*
 * An undefined placeholder: the file, the line, and how to define it; it
 * is quoted as the configured syntax writes it.
 */
static void
undefined_placeholder(const ResolvedScript *script, const PlaceholderSet *set,
					  const char *name, int line, MigrateError *err)
{
	char	   *written = placeholders_written(set, name);
	const char *builtin = NULL;

	/* the only built-in that can lack a value: see executor_server.c */
	if (placeholders_name_is_builtin(set, name, &builtin) &&
		pg_strcasecmp(builtin, "workingDirectory") == 0)
		migrate_error_set(err, SQLSTATE_INSUFFICIENT_PRIVILEGE,
						  psprintf("built-in placeholder %s has no value in \"%s\" line %d",
								   written, script->script, line),
						  psprintf("The script was read from \"%s\".", script->path),
						  psprintf("In the server, %s is the data directory, given only to a role that may read data_directory (a superuser or a member of pg_read_all_settings).",
								   written));
	else if (builtin != NULL)
		migrate_error_set(err, SQLSTATE_UNDEFINED_OBJECT,
						  psprintf("unknown built-in placeholder %s in \"%s\" line %d",
								   written, script->script, line),
						  psprintf("The script was read from \"%s\".", script->path),
						  psprintf("The built-ins are %s.", builtin_list(set)));
	else
		migrate_error_set(err, SQLSTATE_UNDEFINED_OBJECT,
						  psprintf("no value provided for placeholder %s in \"%s\" line %d",
								   written, script->script, line),
						  psprintf("The script was read from \"%s\".", script->path),
						  psprintf("Give it a value: in pg_migrate.placeholders or placeholders => '{\"%s\": \"...\"}' in the server, as flyway.placeholders.%s for the command.",
								   name, name));
}

/*
 * Replace placeholders, with flyway:filename set for this script; an
 * undefined one is reported with the file and line.
 */
static bool
replace_placeholders(const ResolvedScript *script, const char *text, size_t len,
					 PlaceholderSet *placeholders, char **out_text, size_t *out_len,
					 MigrateError *err)
{
	StringInfoData out;
	char	   *bad_name = NULL;
	int			bad_line = 0;
	const char *filename = strrchr(script->script, '/');

	placeholders_set_builtin(placeholders, "filename", filename ? filename + 1 : script->script);
	initStringInfo(&out);
	if (!placeholders_replace(text, len, placeholders, &out, &bad_name, &bad_line))
	{
		undefined_placeholder(script, placeholders, bad_name, bad_line, err);
		pfree(out.data);
		return false;
	}
	*out_text = out.data;
	*out_len = out.len;
	return true;
}

/*
 * The checksums Flyway records: raw text for V, B and U scripts; for
 * repeatables the text after placeholder replacement (so a new value
 * re-runs them) and the raw text as an equivalent.
 */
bool
script_text_checksums(ResolvedScript *script, const char *text, size_t len,
					  PlaceholderSet *placeholders, bool replacement, MigrateError *err)
{
	script->checksum = flyway_checksum(text, len);
	if (script->kind == SCRIPT_REPEATABLE)
	{
		script->raw_checksum = script->checksum;
		if (replaces_placeholders(script, replacement))
		{
			char	   *replaced;
			size_t		replaced_len;

			if (!replace_placeholders(script, text, len, placeholders, &replaced,
									  &replaced_len, err))
				return false;
			script->checksum = flyway_checksum(replaced, replaced_len);
			pfree(replaced);
		}
	}
	return true;
}

/*
 * A "<script>.sql.conf" file's text: UTF-8, placeholders replaced first (the
 * script's own setting cannot switch that off, as in Flyway), then parsed.
 * A value quoted in a parse error may hold a secret placeholder's value.
 */
bool
script_text_apply_conf(ResolvedScript *script, const char *conf_path, const char *raw,
					   size_t len, PlaceholderSet *placeholders, bool replacement,
					   MigrateError *err)
{
	ScriptConfig conf;
	char	   *why = NULL;
	int			line = 0;
	char	   *text = (char *) raw;
	size_t		text_len = len;

	if (!script_text_check_utf8(conf_path, raw, len, err))
		return false;
	if (replacement &&
		!replace_placeholders(script, raw, len, placeholders, &text, &text_len, err))
		return false;
	if (!script_config_parse(text, text_len, &conf, &why, &line))
	{
		migrate_error_set(err, SQLSTATE_INVALID_PARAMETER_VALUE,
						  psprintf("invalid script configuration file \"%s.conf\" line %d: %s",
								   script->script, line,
								   placeholders_mask_secrets(placeholders, why)),
						  psprintf("The file was read from \"%s\".", conf_path),
						  "Its keys are executeInTransaction and placeholderReplacement (true or false), and encoding (UTF-8, ISO-8859-1, windows-1252, UTF-16, ...).");
		return false;
	}
	script->execute_in_transaction = conf.execute_in_transaction;
	script->placeholder_replacement = conf.placeholder_replacement;
	script->encoding = conf.encoding;
	script->conf_applied = true;
	return true;
}

/*
 * The text to run.  A file edited since the run was planned must not run
 * unvalidated: its checksum is worked out again and must be the planned
 * one.  Flyway drops a leading byte-order mark; the server's parser would
 * not.  Without replacement *text points into raw: a script can be large,
 * and it is not copied for nothing.
 */
bool
script_text_for_run(const ResolvedScript *script, const char *raw, size_t len,
					PlaceholderSet *placeholders, bool replacement,
					char **text, size_t *text_len, MigrateError *err)
{
	ResolvedScript now;
	const char *body = raw;
	size_t		body_len = len;

	now = *script;
	if (!script_text_checksums(&now, raw, len, placeholders, replacement, err))
		return false;
	if (now.checksum != script->checksum)
	{
		migrate_error_set(err, SQLSTATE_OBJECT_NOT_IN_PREREQUISITE_STATE,
						  psprintf("migration script \"%s\" changed while migrations were being applied",
								   script->script),
						  psprintf("Its checksum was %d when the run was planned and is %d now.",
								   script->checksum, now.checksum),
						  "Run the migration again once the scripts are in place.");
		return false;
	}

	if (body_len >= UTF8_BOM_LEN && memcmp(body, UTF8_BOM, UTF8_BOM_LEN) == 0)
	{
		body += UTF8_BOM_LEN;
		body_len -= UTF8_BOM_LEN;
	}
	if (replaces_placeholders(script, replacement))
		return replace_placeholders(script, body, body_len, placeholders, text, text_len, err);
	*text = (char *) body;
	*text_len = body_len;
	return true;
}
