/*-------------------------------------------------------------------------
 *
 * placeholders.h
 *	  Flyway's ${name} placeholders: the value set, its syntax
 *	  (placeholderPrefix, placeholderSuffix, placeholderSeparator) and the
 *	  replacement.
 *
 * Pure logic (cJSON for parsing), no backend-only calls.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_MIGRATE_PLACEHOLDERS_H
#define PG_MIGRATE_PLACEHOLDERS_H

#include "lib/stringinfo.h"

/*
 * Name -> value.  Names are stored lower-cased: lookup is case-insensitive.
 * A hash table of their indexes makes a lookup cost the same however many
 * names there are: replacement looks a name up per ${...} of a script.
 */
typedef struct PlaceholderSet
{
	int			count;
	int			capacity;
	char	  **names;
	char	  **values;
	int		   *slots;			/* open addressing: index + 1, 0 = empty */
	int			nslots;			/* a power of two, at least twice count */
	void	   *mcxt;			/* backend: the memory context everything lives in */
	const char *prefix;			/* placeholderPrefix: "${" */
	const char *suffix;			/* placeholderSuffix: "}" */
	const char *separator;		/* placeholderSeparator: ":" in "flyway:user" */
} PlaceholderSet;

/* Flyway's defaults. */
#define PLACEHOLDER_DEFAULT_PREFIX		"${"
#define PLACEHOLDER_DEFAULT_SUFFIX		"}"
#define PLACEHOLDER_DEFAULT_SEPARATOR	":"

/* Flyway's built-ins are "flyway" + placeholderSeparator + one of these. */
#define PLACEHOLDER_BUILTIN_NAMESPACE	"flyway"
extern const char *const placeholder_builtins[];

/*
 * In the backend the set keeps all its memory in the context current at
 * init, so values replaced later (${flyway:filename} per script) never
 * point into a context that has since been reset.
 */
extern void placeholders_init(PlaceholderSet *set);

/*
 * Whether a syntax can work, as Flyway checks it: prefix, suffix and
 * separator must not be empty, and the separator must not contain the
 * suffix (no built-in could be written).  NULL means the default.  On
 * false, *why says which and why (palloc'd).
 */
extern bool placeholders_syntax_valid(const char *prefix, const char *suffix,
									  const char *separator, char **why);

/* Use this syntax (NULL = the default); copied into the set's memory. */
extern void placeholders_set_syntax(PlaceholderSet *set, const char *prefix,
									const char *suffix, const char *separator);

/* "flyway" + separator + builtin, palloc'd: "flyway:user". */
extern char *placeholders_builtin_name(const PlaceholderSet *set, const char *builtin);

/* Set a built-in's value: placeholders_set() of its name in this syntax. */
extern void placeholders_set_builtin(PlaceholderSet *set, const char *builtin,
									 const char *value);

/*
 * Whether name is in the built-ins' namespace ("flyway" + separator, any
 * case); *builtin is then the rest of it ("user"), else NULL.
 */
extern bool placeholders_name_is_builtin(const PlaceholderSet *set, const char *name,
										 const char **builtin);

/* name as a script writes it: prefix + name + suffix, palloc'd. */
extern char *placeholders_written(const PlaceholderSet *set, const char *name);

/* Add or override (a later value for the same name wins). */
extern void placeholders_set(PlaceholderSet *set, const char *name, const char *value);

/* NULL when the name (any case) has no value. */
extern const char *placeholders_get(const PlaceholderSet *set, const char *name);

/*
 * Add the members of a JSON object (text) to the set, overriding earlier
 * values.  Values may be strings, numbers or booleans (numbers and booleans
 * are taken as written in the JSON); null, arrays and objects are errors, as
 * are names that are empty, contain '}' or start with "flyway:" (built-ins
 * cannot be overridden).  On error returns false, sets *errmsg and leaves
 * the set unchanged.  NULL or "" json adds nothing.
 */
extern bool placeholders_add_json(PlaceholderSet *set, const char *json, char **errmsg);

/*
 * Replace prefix + name + suffix ("${name}" by default) in text[0..len)
 * with values from the set and append the result to "out".  Replacement is
 * on raw text (comments and strings too), values are not re-scanned, and
 * the scanner reproduces Flyway's quirk: Flyway reads ahead while the text
 * matches the prefix, and on a mismatch copies what it read, the
 * mismatching character included, and resumes after it; so "$${x}" is left
 * alone (and "##[x]" with the prefix "#[").  The name runs to the next
 * suffix (across lines); an unterminated prefix copies the rest literally.
 *
 * An undefined name: returns false with *bad_name (as written in the text)
 * and *bad_line (1-based line of its "${") set; "out" is then unspecified.
 */
extern bool placeholders_replace(const char *text, size_t len,
								 const PlaceholderSet *set, StringInfo out,
								 char **bad_name, int *bad_line);

/* What a secret value is shown as. */
#define PLACEHOLDER_MASK "***"

/*
 * The one rule for a secret placeholder: its name, lower-cased and with
 * everything but letters and digits dropped, contains "password", "passwd",
 * "pwd", "secret", "token", "credential", "apikey" or "private" (so
 * "db_password", "API-Key" and "authToken" are secret).
 */
extern bool placeholder_name_is_secret(const char *name);

/*
 * A copy of text with every value of a secret placeholder in the set, as
 * written and with its single quotes doubled (as in a SQL literal),
 * replaced by PLACEHOLDER_MASK; longer values first.  Empty values are not
 * masked.  NULL text gives NULL.
 */
extern char *placeholders_mask_secrets(const PlaceholderSet *set, const char *text);

/*
 * An error can quote part of a value: "syntax error at or near "cd"" when
 * the value "ab'cd" broke a literal.  When text[offset] (the error's
 * position) lies inside a secret value written in text, returns a copy of
 * message with the longest leading piece of the rest of that value that it
 * contains replaced by PLACEHOLDER_MASK; otherwise a plain copy.
 */
extern char *placeholders_mask_secret_at(const PlaceholderSet *set, const char *text,
										 size_t len, size_t offset, const char *message);

#endif							/* PG_MIGRATE_PLACEHOLDERS_H */
