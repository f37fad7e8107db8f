/*-------------------------------------------------------------------------
 *
 * properties.h
 *	  Java properties syntax, as Flyway reads its .conf files (flyway.conf
 *	  and the per-script <script>.sql.conf).
 *
 * Pure logic: no backend-only calls; builds with -DFRONTEND.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_MIGRATE_PROPERTIES_H
#define PG_MIGRATE_PROPERTIES_H

/*
 * Called once per property, in file order, with its key and value unescaped
 * and the 1-based line where it starts.  Return false with *errmsg set to
 * stop the parse.
 */
typedef bool (*PropertyCallback) (const char *key, const char *value, int line,
								  void *arg, char **errmsg);

/*
 * Parse text of len bytes.  On a callback's failure returns false with its
 * *errmsg and the property's line in *errline.
 */
extern bool properties_parse(const char *text, size_t len, PropertyCallback callback,
							 void *arg, char **errmsg, int *errline);

/*
 * A boolean as Flyway reads one: "true" or "false" in any case, trailing
 * blanks ignored.  False when it is neither.
 */
extern bool properties_parse_bool(const char *value, bool *out);

/*
 * The next item of a comma-separated value (locations, schemas, hosts):
 * *start and *len give it with blanks trimmed (*len may be 0 for an empty
 * item), and *cursor moves past it.  False when the list is used up.
 */
extern bool properties_next_list_item(const char **cursor, const char **start, size_t *len);

#endif							/* PG_MIGRATE_PROPERTIES_H */
