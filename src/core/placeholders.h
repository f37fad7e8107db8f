/*-------------------------------------------------------------------------
 *
 * placeholders.h
 *	  Flyway's ${name} placeholders: the value set and the replacement.
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
} PlaceholderSet;

/*
 * In the backend the set keeps all its memory in the context current at
 * init, so values replaced later (${flyway:filename} per script) never
 * point into a context that has since been reset.
 */
extern void placeholders_init(PlaceholderSet *set);

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
 * Replace ${name} in text[0..len) with values from the set and append the
 * result to "out".  Replacement is on raw text (comments and strings too),
 * values are not re-scanned, and the scanner reproduces Flyway's quirk: text
 * that starts like the prefix but breaks off ("$$" then "{") is copied
 * literally and scanning resumes after it, so "$${x}" is left alone.  The
 * name runs to the next '}' (across lines); an unterminated "${" copies the
 * rest literally.
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
