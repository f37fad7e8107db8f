/*
 * fuzz_scripts.c
 *	  libFuzzer entry point for the pure-logic parsers: file names, versions,
 *	  the UTF-8 check and checksum, placeholder JSON and replacement.
 *
 * Besides memory errors (run it with ASan), it traps when a few properties
 * that must hold for any input do not:
 *	- the checksum ignores line breaks;
 *	- a parsed version equals itself, and equals the version of its own text;
 *	- java_string_compare is antisymmetric;
 *	- text without "${" comes out of the replacement unchanged;
 *	- what the UTF-16 decoder accepts is valid UTF-8, and a refusal's
 *	  offset lies inside the input.
 *
 *	  make -C test/unit fuzz
 */
#include "postgres_fe.h"

#include "checksum.h"
#include "names.h"
#include "placeholders.h"
#include "script_encoding.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
free_version(MigrationVersion *version)
{
	int			i;

	if (version->text == NULL)
		return;
	for (i = 0; i < version->nparts; i++)
		pfree(version->parts[i]);
	pfree(version->parts);
	pfree((void *) version->key.bytes);
	pfree(version->text);
}

static void
free_set(PlaceholderSet *set)
{
	int			i;

	for (i = 0; i < set->count; i++)
	{
		pfree(set->names[i]);
		pfree(set->values[i]);
	}
	if (set->names)
	{
		pfree(set->names);
		pfree(set->values);
	}
	if (set->slots)
		pfree(set->slots);
}

/* One file name parsed with the given conventions: the result is consistent. */
static void
fuzz_name_with(const ScriptNaming *naming, const char *text)
{
	ScriptName name;
	char	   *errmsg = NULL;
	NameResult result;

	result = script_name_parse(naming, text, &name, &errmsg);
	if (result == NAME_OK)
	{
		if (name.description == NULL)
			__builtin_trap();
		if ((name.kind == SCRIPT_CALLBACK) != (name.event != NULL))
			__builtin_trap();
		pfree(name.description);
		free_version(&name.version);
	}
	else if ((result == NAME_INVALID) != (errmsg != NULL))
		__builtin_trap();
	if (errmsg)
		pfree(errmsg);
}

static void
fuzz_names(const char *text)
{
	static const char *const custom[NAMING_SETTING_COUNT] = {
		"Mig", "-", ".sql, .PGSQL,l", "Rep", "beforeMigrateX", "B"
	};
	static ScriptNaming naming;
	static bool naming_built = false;
	NamingSetting bad;
	MigrationVersion version;
	MigrationVersion again;
	char	   *errmsg = NULL;
	char	   *abbreviated;
	int			ab;
	int			ba;

	fuzz_name_with(&script_naming_default, text);
	/* multi-character prefixes, a suffix list, a prefix longer than an event id */
	if (!naming_built && !script_naming_from_settings(custom, naming_setting_keys, &naming, &bad, NULL))
		__builtin_trap();
	naming_built = true;
	fuzz_name_with(&naming, text);
	/* the text itself as a separator: any value is refused or usable */
	{
		const char *values[NAMING_SETTING_COUNT] = {NULL, text, NULL, NULL, NULL, NULL};
		ScriptNaming odd;

		if (script_naming_from_settings(values, naming_setting_keys, &odd, &bad, &errmsg))
		{
			fuzz_name_with(&odd, text);
			script_naming_free(&odd);
		}
		else if (errmsg == NULL)
			__builtin_trap();
		else
			pfree(errmsg);
		errmsg = NULL;
	}

	errmsg = NULL;
	if (version_parse(text, &version, &errmsg))
	{
		if (version.nparts < 1 || version_compare(&version, &version) != 0)
			__builtin_trap();
		if (!version_parse(version.text, &again, NULL) ||
			version_compare(&version, &again) != 0 ||
			strcmp(version.text, again.text) != 0)
			__builtin_trap();
		free_version(&again);
		free_version(&version);
	}
	else
	{
		if (errmsg == NULL)
			__builtin_trap();
		pfree(errmsg);
	}

	ab = java_string_compare(text, "R__view");
	ba = java_string_compare("R__view", text);
	if ((ab > 0) - (ab < 0) != (ba < 0) - (ba > 0))
		__builtin_trap();
	if (java_string_compare(text, text) != 0)
		__builtin_trap();
	(void) java_string_hash(text);

	abbreviated = abbreviate_description(text);
	pfree(abbreviated);
	abbreviated = abbreviate_script(text);
	pfree(abbreviated);
}

static void
fuzz_checksum(const char *data, size_t size)
{
	int			bad_line = 0;
	char	   *stripped = palloc(size + 1);
	size_t		n = 0;
	size_t		i;

	if (!utf8_check(data, size, &bad_line))
	{
		if (bad_line < 1 || bad_line > line_of_offset(data, size, size))
			__builtin_trap();
	}

	/* Dropping every line break must not change the checksum. */
	for (i = 0; i < size; i++)
	{
		if (data[i] != '\r' && data[i] != '\n')
			stripped[n++] = data[i];
	}
	if (flyway_checksum(data, size) != flyway_checksum(stripped, n))
	{
		/* ...except that "\n" + BOM hashes the BOM and the stripped BOM does not */
		if (!(n >= 3 && memcmp(stripped, "\xEF\xBB\xBF", 3) == 0 &&
			  !(size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)))
			__builtin_trap();
	}
	pfree(stripped);
}

static bool
contains_prefix(const char *text, size_t size)
{
	size_t		i;

	for (i = 0; i + 1 < size; i++)
	{
		if (text[i] == '$' && text[i + 1] == '{')
			return true;
	}
	return false;
}

static void
fuzz_placeholders(const char *text, size_t size)
{
	PlaceholderSet set;
	StringInfoData out;
	char	   *bad_name = NULL;
	int			bad_line = 0;
	char	   *errmsg = NULL;

	placeholders_init(&set);
	placeholders_set(&set, "schema", "app");
	placeholders_set(&set, "Empty", "");
	placeholders_set(&set, "loop", "${loop}");

	/* The whole input as JSON too: cJSON and our raw-number walk. */
	if (placeholders_add_json(&set, text, &errmsg))
	{
		if (errmsg != NULL)
			__builtin_trap();
	}
	else
	{
		if (errmsg == NULL)
			__builtin_trap();
		pfree(errmsg);
	}

	initStringInfo(&out);
	if (!placeholders_replace(text, size, &set, &out, &bad_name, &bad_line))
	{
		if (bad_name == NULL || bad_line < 1)
			__builtin_trap();
		pfree(bad_name);
	}
	else if (!contains_prefix(text, size) &&
			 (out.len != (int) size || memcmp(out.data, text, size) != 0))
		__builtin_trap();
	pfree(out.data);
	free_set(&set);
}

static void
fuzz_utf16(const char *data, size_t size)
{
	const ScriptEncodingKind kinds[] = {SCRIPT_ENCODING_UTF16, SCRIPT_ENCODING_UTF16LE,
	SCRIPT_ENCODING_UTF16BE};

	for (size_t k = 0; k < lengthof(kinds); k++)
	{
		char	   *out = NULL;
		size_t		out_len = 0;
		ScriptDecodeProblem problem;
		int			bad_line = 0;

		if (utf16_to_utf8(data, size, kinds[k], &out, &out_len, &problem))
		{
			if (!utf8_check(out, out_len, &bad_line) || strlen(out) != out_len)
				__builtin_trap();
			pfree(out);
		}
		else if (problem.offset > size || problem.line < 1)
			__builtin_trap();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The parsers of names take C strings: use a NUL-terminated copy. */
	char	   *text = palloc(size + 1);

	memcpy(text, data, size);
	text[size] = '\0';

	fuzz_names(text);
	fuzz_checksum(text, size);
	fuzz_placeholders(text, size);
	fuzz_utf16(text, size);

	pfree(text);
	return 0;
}
