/*-------------------------------------------------------------------------
 *
 * settings.c
 *	  Reading the pg_migrate.* settings (defined in pg_migrate.c) into the
 *	  shapes their users need.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "nodes/pg_list.h"

#include "pg_migrate.h"

/*
 * locations_entries
 *		The entries of pg_migrate.locations, split at commas and trimmed;
 *		empty ones dropped.  Shared by the local walk and sync.c.
 */
List *
locations_entries(void)
{
	List	   *result = NIL;
	char	   *copy = pstrdup(pgm_locations ? pgm_locations : "");
	char	   *entry;
	char	   *saveptr = NULL;

	for (entry = strtok_r(copy, ",", &saveptr); entry; entry = strtok_r(NULL, ",", &saveptr))
	{
		while (*entry == ' ' || *entry == '\t' || *entry == '\n')
			entry++;
		for (char *end = entry + strlen(entry); end > entry &&
			 (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n'); end--)
			end[-1] = '\0';
		if (*entry != '\0')
			result = lappend(result, entry);
	}
	return result;
}
