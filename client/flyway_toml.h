/*-------------------------------------------------------------------------
 *
 * flyway_toml.h
 *	  A flyway.toml file read by toml++ (Debian's libtomlplusplus-dev),
 *	  flattened into dotted keys and text values for flyway_config.c.
 *
 * flyway_toml.cpp is the only C++ in the command: it turns toml++'s tree
 * into plain C data, allocated with malloc, so the rest stays C.  Tables
 * become dotted keys ("environments.dev.url", "flyway.placeholders.x"),
 * arrays of values become comma-separated lists, booleans, integers,
 * floats and dates their TOML text.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLYWAY_TOML_H
#define FLYWAY_TOML_H

#include <stddef.h>

#ifdef __cplusplus
extern "C"
{
#endif

typedef struct FlywayTomlEntry
{
	char	   *key;			/* dotted: "flyway.locations" */
	char	   *value;			/* as text; may be a password */
	int			line;			/* where the value starts, from 1 */
	int			column;
} FlywayTomlEntry;

typedef struct FlywayTomlDocument
{
	FlywayTomlEntry *entries;
	int			nentries;
	char	   *error;			/* NULL, or why the text is not a flyway.toml */
	int			error_line;		/* 0 when the error has no place */
	int			error_column;
} FlywayTomlDocument;

/*
 * Parse len bytes of text.  Returns 1 with the entries in document order,
 * or 0 with error set; an error never quotes the text (it may hold a
 * password), only names its place and a key.
 */
extern int	flyway_toml_parse(const char *text, size_t len, FlywayTomlDocument *document);

/* Frees everything, overwriting the values first. */
extern void flyway_toml_free(FlywayTomlDocument *document);

#ifdef __cplusplus
}
#endif

#endif							/* FLYWAY_TOML_H */
