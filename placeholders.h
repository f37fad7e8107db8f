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

#endif							/* PG_MIGRATE_PLACEHOLDERS_H */
