/*-------------------------------------------------------------------------
 *
 * sync.h
 *	  Remote locations (https://host/prefix/, s3://bucket/prefix/): fetching
 *	  a release into the extension's tables (sync.c) and the background
 *	  workers that do it (sync_worker.c).
 *
 * A remote location is kept in the database: the scripts of its current
 * release are rows of pg_migrate_fetched_scripts, and locations.c reads
 * them from there as it reads a folder.  A sync replaces them atomically,
 * and only after every file of the new release matched its manifest entry.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_MIGRATE_SYNC_H
#define PG_MIGRATE_SYNC_H

#include "lib/stringinfo.h"
#include "access/tupdesc.h"
#include "nodes/pg_list.h"
#include "utils/tuplestore.h"

#include "manifest.h"

#define SYNC_MAX_LOCATIONS	32
#define SYNC_LOCATION_LEN	1024
#define SYNC_ERROR_LEN		1024

/* Settings of the remote part (pg_migrate.c). */
extern bool pgm_sync_on_apply;
extern char *pgm_ca_file;
extern int	pgm_http_timeout;
extern int	pgm_max_script_size;
extern int	pgm_fetch_retries;
extern char *pgm_s3_region;
extern char *pgm_s3_endpoint;
extern char *pgm_s3_credentials_file;
extern char *pgm_sync_redirect_hosts;
/* Worker settings: defined only with shared_preload_libraries. */
extern char *pgm_databases;
extern int	pgm_sync_interval;
extern bool pgm_auto_apply;
extern char *pgm_apply_role;

/* What one sync of one location did; fixed size so it fits shared memory. */
typedef struct SyncResult
{
	char		location[SYNC_LOCATION_LEN];
	char		status[16];		/* "unchanged", "updated", "failed" */
	char		release[MANIFEST_MAX_RELEASE_LEN + 1];	/* kept after the sync */
	char		previous_release[MANIFEST_MAX_RELEASE_LEN + 1];
	bool		has_release;	/* a release is kept (new or previous) */
	int			files;			/* files of the kept release */
	int			added;
	int			changed;
	int			removed;
	int			downloaded;		/* requests that brought a body */
	char		error[SYNC_ERROR_LEN];	/* "failed" only */
} SyncResult;

/* sync.c */
extern char *sync_normalize_location(const char *entry);	/* ereports if bad */
extern List *sync_remote_locations(void);	/* normalized, from pg_migrate.locations */
extern int	sync_run_all(List *locations, SyncResult *results, int max_results);
extern bool sync_extension_ready(void);

/* For locations.c: the kept release of a location. */
typedef struct KeptScript
{
	char	   *path;			/* relative to the location */
	char	   *content;		/* NUL-terminated */
	size_t		len;
} KeptScript;

extern List *sync_kept_scripts(const char *location);
extern bool sync_is_remote_path(const char *path);
extern void sync_read_kept_script(const char *path, const char *script, StringInfo buf);

/* migrate_sync_status(): the status table, as the extension owner. */
extern void sync_status_into(Tuplestorestate *store, TupleDesc desc);

/* sync_worker.c */
extern int	sync_in_worker(List *locations, SyncResult **results);
extern void sync_before_command(const char *what);
extern void sync_worker_register_launcher(void);

#endif							/* PG_MIGRATE_SYNC_H */
