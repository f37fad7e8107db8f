/*-------------------------------------------------------------------------
 *
 * sync.c
 *	  Fetching the release of a remote location (https:// or s3://) into
 *	  the extension's tables, and reading it back for locations.c.
 *
 * A sync of one location, at top level in a background worker (the sync
 * worker, or the one-shot worker of migrate_sync() and sync_on_apply; see
 * sync_worker.c), runs in one transaction:
 *
 *	1. take a per-location advisory lock (two syncs of one location queue);
 *	2. read the kept release: its manifest's ETag and every kept file's
 *	   SHA-256;
 *	3. GET the manifest, conditionally on its ETag: 304 = unchanged, done;
 *	4. for every file of the new manifest whose SHA-256 differs from the
 *	   kept one, GET it, check size and SHA-256, and upsert it; delete kept
 *	   files the manifest no longer lists;
 *	5. if anything was downloaded, GET the manifest again: a publisher that
 *	   replaced the release meanwhile fails the sync (retried next time);
 *	6. record the new release in the status table and commit.
 *
 * Any failure is an ERROR inside that transaction: it rolls back, so the
 * previous release stays exactly as it was, and a second transaction
 * records the failure in the status table.  Network I/O happens with the
 * transaction open, but nothing else waits for it: readers see the previous
 * release until the commit.
 *
 * The tables belong to the extension owner and are not granted to anyone;
 * every access here switches to the extension owner for its duration, so a
 * role granted migrate_sync() or migrate_apply() needs no table privilege.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/fd.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/tuplestore.h"

#include "aws_credentials.h"
#include "checksum.h"
#include "fetch.h"
#include "file_kind.h"
#include "location_files.h"
#include "pg_migrate.h"
#include "remote_location.h"
#include "sync.h"

/* Key of the per-location advisory locks: hashtext('pg_migrate sync'), location. */
#define SYNC_LOCK_CLASS 0x70676d73	/* "pgms" */

/* What sync_one needs to know about the extension, found per transaction. */
typedef struct ExtAccess
{
	char	   *files_table;	/* quoted, qualified */
	char	   *status_table;
	Oid			owner;
	Oid			saved_user;
	int			saved_sec;
	bool		pushed_snapshot;
} ExtAccess;

/* ----------------------------------------------------------------
 * Location syntax
 * ---------------------------------------------------------------- */

/* A kept script's path is its location followed by its relative path. */
bool
sync_is_remote_path(const char *path)
{
	return strncmp(path, "https://", 8) == 0 || strncmp(path, "s3://", 5) == 0;
}

static void
bad_location(const char *entry, const char *detail, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid remote location \"%s\" in pg_migrate.locations", entry),
			 errdetail("%s", detail),
			 errhint("%s", hint)));
}

/* What to do about each of remote_location_check()'s problems, in the server. */
static const char *
bad_location_hint(RemoteLocationProblem problem)
{
	switch (problem)
	{
		case REMOTE_LOCATION_QUERY:
			return "Give the prefix of the release only, without ?... or #....";
		case REMOTE_LOCATION_CREDENTIALS:
			return "Give S3 credentials in the pg_migrate.s3_* settings or the server's environment.";
		case REMOTE_LOCATION_SPACES:
			return "Remove them from pg_migrate.locations.";
		case REMOTE_LOCATION_DOT_FOLDERS:
			return "Give the release prefix as published.";
		case REMOTE_LOCATION_BAD_BUCKET:
			return "Use s3://bucket/prefix/.";
		default:
			return "Use https://host/prefix/ or s3://bucket/prefix/.";
	}
}

/*
 * sync_normalize_location
 *		Check a remote location and return it as kept in the tables: scheme
 *		in lower case, ending in '/'.  Neither credentials nor a query may
 *		be part of it (they would end up in logs and status).
 */
char *
sync_normalize_location(const char *entry)
{
	RemoteLocationProblem problem = remote_location_check(entry);

	if (problem != REMOTE_LOCATION_OK)
		bad_location(entry, remote_location_problem_text(entry, problem),
					 bad_location_hint(problem));
	if (strlen(entry) >= SYNC_LOCATION_LEN - 1)
		bad_location(entry, "The location is too long.", "Use a shorter prefix.");
	return remote_location_normalize(entry);
}

/*
 * sync_remote_locations
 *		The remote entries of pg_migrate.locations, checked and normalized,
 *		without duplicates.  Filesystem entries are left to locations.c.
 */
List *
sync_remote_locations(void)
{
	List	   *result = NIL;
	ListCell   *ec;

	foreach(ec, locations_entries())
	{
		char	   *entry = lfirst(ec);
		char	   *norm;
		ListCell   *lc;
		bool		dup = false;

		CHECK_FOR_INTERRUPTS();
		if (!remote_location_is_remote(entry))
			continue;
		norm = sync_normalize_location(entry);
		foreach(lc, result)
			dup |= strcmp(lfirst(lc), norm) == 0;
		if (!dup)
			result = lappend(result, norm);
	}
	if (list_length(result) > SYNC_MAX_LOCATIONS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("pg_migrate.locations has more than %d remote locations", SYNC_MAX_LOCATIONS),
				 errdetail("It has %d.", list_length(result)),
				 errhint("Publish the scripts under fewer prefixes.")));
	return result;
}

/* ----------------------------------------------------------------
 * Access to the extension's tables
 * ---------------------------------------------------------------- */

/*
 * Whether the extension exists in this database and is not being created
 * right now (its tables would be half there).  Needs a transaction.
 */
bool
sync_extension_ready(void)
{
	Oid			ext = get_extension_oid("pg_migrate", true);

	if (!OidIsValid(ext))
		return false;
	if (creating_extension && CurrentExtensionObject == ext)
		return false;
	return true;
}

/* Connect SPI, find the tables and become their owner; needs a transaction. */
static void
ext_begin(ExtAccess *a)
{
	Oid			ext;
	char	   *schema;

	memset(a, 0, sizeof(ExtAccess));
	ext = get_extension_oid("pg_migrate", true);
	if (!OidIsValid(ext))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("extension \"pg_migrate\" is not installed in database \"%s\"",
						get_database_name(MyDatabaseId)),
				 errdetail("Remote locations are kept in the extension's tables."),
				 errhint("Run CREATE EXTENSION pg_migrate in this database.")));
	if (!ActiveSnapshotSet())
	{
		PushActiveSnapshot(GetTransactionSnapshot());
		a->pushed_snapshot = true;
	}
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	a->owner = become_extension_owner(&schema, &a->saved_user, &a->saved_sec);
	if (!OidIsValid(a->owner))
		elog(ERROR, "could not read the owner of extension pg_migrate");
	a->files_table = psprintf("%s.pg_migrate_fetched_scripts", quote_identifier(schema));
	a->status_table = psprintf("%s.pg_migrate_sync_status", quote_identifier(schema));
}

/* An error before ext_end is cleaned up by the transaction's abort. */
static void
ext_end(ExtAccess *a)
{
	SetUserIdAndSecContext(a->saved_user, a->saved_sec);
	SPI_finish();
	if (a->pushed_snapshot)
		PopActiveSnapshot();
}

static void
spi_exec(const char *sql, int nargs, Oid *types, Datum *values, const char *nulls, int expected)
{
	int			rc = SPI_execute_with_args(sql, nargs, types, values, nulls, false, 0);

	if (rc != expected)
		elog(ERROR, "pg_migrate: SPI_execute failed: %s (%s)", SPI_result_code_string(rc), sql);
}

static char *
spi_text(int row, int col)
{
	return SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col);
}

/* ----------------------------------------------------------------
 * Reading the kept release (locations.c)
 * ---------------------------------------------------------------- */

/*
 * sync_kept_scripts
 *		The kept files of a location, with their content, in the caller's
 *		memory context.  An error when the location has never been synced:
 *		planning against "no scripts" would call every applied migration
 *		missing.
 */
List *
sync_kept_scripts(const char *location)
{
	MemoryContext cxt = CurrentMemoryContext;
	ExtAccess	a;
	List	   *result = NIL;
	char	   *sql;
	Datum		arg = CStringGetTextDatum(location);
	bool		synced;

	ext_begin(&a);
	sql = psprintf("SELECT path, content FROM %s WHERE location OPERATOR(pg_catalog.=) $1 ORDER BY path",
				   a.files_table);
	spi_exec(sql, 1, (Oid[]) {TEXTOID}, &arg, NULL, SPI_OK_SELECT);
	if (SPI_processed == 0)
	{
		/*
		 * No file: an empty release, or never synced.  (Kept files without a
		 * status row are a restored dump: the status is not dumped.)
		 */
		sql = psprintf("SELECT release IS NOT NULL FROM %s WHERE location OPERATOR(pg_catalog.=) $1",
					   a.status_table);
		spi_exec(sql, 1, (Oid[]) {TEXTOID}, &arg, NULL, SPI_OK_SELECT);
		synced = SPI_processed == 1 && strcmp(spi_text(0, 1), "t") == 0;
		if (!synced)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("remote location \"%s\" has no release in this database yet", location),
					 errdetail("Scripts of remote locations are read from the release kept by the last successful sync."),
					 errhint("Call migrate_sync(), then look at migrate_sync_status() if it failed.")));
		ext_end(&a);
		MemoryContextSwitchTo(cxt);
		return NIL;
	}
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		bool		isnull;
		Datum		d;
		MemoryContext old;
		KeptScript *k;
		bytea	   *content;

		CHECK_FOR_INTERRUPTS();
		old = MemoryContextSwitchTo(cxt);
		k = palloc(sizeof(KeptScript));
		k->path = SPI_getvalue(tup, SPI_tuptable->tupdesc, 1);
		d = SPI_getbinval(tup, SPI_tuptable->tupdesc, 2, &isnull);
		content = DatumGetByteaPP(d);
		k->len = VARSIZE_ANY_EXHDR(content);
		k->content = palloc(k->len + 1);
		memcpy(k->content, VARDATA_ANY(content), k->len);
		k->content[k->len] = '\0';
		result = lappend(result, k);
		MemoryContextSwitchTo(old);
	}
	ext_end(&a);
	MemoryContextSwitchTo(cxt);
	return result;
}

/*
 * sync_read_kept_script
 *		The content of a kept script into buf (reset first); path is its
 *		location followed by script, its relative path (ResolvedScript's
 *		path and script).
 */
void
sync_read_kept_script(const char *path, const char *script, StringInfo buf)
{
	MemoryContext cxt = CurrentMemoryContext;
	ExtAccess	a;
	size_t		plen = strlen(path);
	size_t		slen = strlen(script);
	Datum		args[2];
	char	   *sql;

	if (slen > plen || strcmp(path + plen - slen, script) != 0)
		elog(ERROR, "pg_migrate: remote script path \"%s\" does not end in \"%s\"", path, script);
	args[0] = PointerGetDatum(cstring_to_text_with_len(path, plen - slen));
	args[1] = CStringGetTextDatum(script);
	ext_begin(&a);
	sql = psprintf("SELECT content FROM %s WHERE location OPERATOR(pg_catalog.=) $1 AND path OPERATOR(pg_catalog.=) $2",
				   a.files_table);
	spi_exec(sql, 2, (Oid[]) {TEXTOID, TEXTOID}, args, NULL, SPI_OK_SELECT);
	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("migration script \"%s\" changed while migrations were being applied", script),
				 errdetail("A sync replaced the release of \"%.*s\" and it no longer has this script.",
						   (int) (plen - slen), path),
				 errhint("Call migrate_apply() again.")));
	{
		bool		isnull;
		bytea	   *content = DatumGetByteaPP(SPI_getbinval(SPI_tuptable->vals[0],
															SPI_tuptable->tupdesc, 1, &isnull));

		MemoryContextSwitchTo(cxt);
		resetStringInfo(buf);
		appendBinaryStringInfo(buf, VARDATA_ANY(content), VARSIZE_ANY_EXHDR(content));
	}
	ext_end(&a);
	MemoryContextSwitchTo(cxt);
}

/*
 * sync_status_into
 *		migrate_sync_status(): the status table's rows, ordered by location,
 *		into store (whose columns are desc's: the database, then the table's
 *		columns but manifest_etag).  Read as the extension owner, so a role
 *		granted the function needs no privilege on the table.
 */
void
sync_status_into(Tuplestorestate *store, TupleDesc desc)
{
	ExtAccess	a;
	Datum		values[8];
	bool		nulls[8];
	char	   *sql;
	int			rc;

	ext_begin(&a);
	sql = psprintf("SELECT pg_catalog.current_database(), s.location, s.release, s.files,"
				   " s.last_attempt, s.last_success, s.last_change, s.last_error"
				   " FROM %s AS s ORDER BY s.location",
				   a.status_table);
	/* read-only, as the function is STABLE: the caller's snapshot */
	rc = SPI_execute(sql, true, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "pg_migrate: SPI_execute failed: %s (%s)", SPI_result_code_string(rc), sql);
	if (desc->natts != lengthof(values) || SPI_tuptable->tupdesc->natts != desc->natts)
		elog(ERROR, "pg_migrate: migrate_sync_status() returns %d columns, its query %d",
			 desc->natts, SPI_tuptable->tupdesc->natts);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		CHECK_FOR_INTERRUPTS();
		for (int col = 0; col < desc->natts; col++)
			values[col] = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, col + 1,
										&nulls[col]);
		/* copied into the store's own memory, which outlives SPI's */
		tuplestore_putvalues(store, desc, values, nulls);
	}
	ext_end(&a);
}

/* ----------------------------------------------------------------
 * Fetching
 * ---------------------------------------------------------------- */

/* The credentials of this process, kept in TopMemoryContext until they expire. */
static AwsCredentials s3_creds;
static bool s3_creds_valid = false;

/* Polled inside libcurl: only reads flags. */
static bool
abort_on_interrupt(void *arg)
{
	return InterruptPending && (QueryCancelPending || ProcDiePending);
}

static void
fill_fetch_options(FetchOptions *o)
{
	fetch_options_init(o);
	o->ca_file = pgm_ca_file;
	o->timeout_ms = (long) pgm_http_timeout * 1000L;
	o->connect_timeout_ms = Min(o->timeout_ms, 10000L);
	o->max_size = (size_t) pgm_max_script_size * 1024;
	o->max_retries = pgm_fetch_retries;
	o->abort_cb = abort_on_interrupt;
	o->user_agent = "pg_migrate/" EXTVERSION;
	o->redirect_hosts = pgm_sync_redirect_hosts;
}

/* The S3 credentials file is a few lines; a larger one is not one. */
#define CREDENTIALS_FILE_MAX_SIZE	(64 * 1024)

/*
 * The S3 credentials file's text, NUL-terminated (the caller wipes it).
 * Only a regular file is opened (a FIFO would block open() where neither
 * cancel nor terminate reaches), with O_NONBLOCK should it be swapped for
 * one in between; the descriptor decides.  Like PostgreSQL's SSL key, it
 * must not be readable by group or others.
 */
static char *
read_credentials_text(const char *path)
{
	struct stat st;
	int			fd;
	char	   *text;
	size_t		len = 0;

	if (stat(path, &st) < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not read the S3 credentials file \"%s\": %m", path),
				 errhint("Check pg_migrate.s3_credentials_file.")));
	fd = S_ISREG(st.st_mode) ? OpenTransientFile(path, O_RDONLY | O_NONBLOCK | O_NOCTTY) : -1;
	if (fd >= 0 && fstat(fd, &st) < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not read the S3 credentials file \"%s\": %m", path)));
	if (!S_ISREG(st.st_mode))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("S3 credentials file \"%s\" is not a regular file", path),
				 errdetail("It is %s.", file_kind_name(st.st_mode)),
				 errhint("Point pg_migrate.s3_credentials_file at a regular file, chmod 600, owned by the operating-system user the server runs as.")));
	if (fd < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not read the S3 credentials file \"%s\": %m", path),
				 errhint("Check pg_migrate.s3_credentials_file.")));
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("S3 credentials file \"%s\" is readable by other users", path),
				 errhint("chmod 600 it, owned by the operating-system user the server runs as.")));
	if (st.st_size > CREDENTIALS_FILE_MAX_SIZE)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("S3 credentials file \"%s\" is too large", path),
				 errdetail("It has %lld bytes; a credentials file has at most %d.",
						   (long long) st.st_size, CREDENTIALS_FILE_MAX_SIZE),
				 errhint("Check pg_migrate.s3_credentials_file.")));
	text = palloc(CREDENTIALS_FILE_MAX_SIZE + 1);
	for (;;)
	{
		ssize_t		n = read(fd, text + len, CREDENTIALS_FILE_MAX_SIZE - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not read the S3 credentials file \"%s\": %m", path)));
		if (n == 0 || (len += n) == CREDENTIALS_FILE_MAX_SIZE)
			break;
	}
	CloseTransientFile(fd);
	text[len] = '\0';
	return text;
}

/*
 * Read pg_migrate.s3_credentials_file: the AWS shared-credentials format
 * ("[default]" and "key = value" lines; the first section that sets the
 * keys wins).  Its contents never appear in a message.
 */
static void
read_credentials_file(const char *path, char **key_id, char **secret, char **token)
{
	char	   *text = read_credentials_text(path);
	char	   *line = text;
	char	   *next;
	bool		found_any = false;

	*key_id = *secret = *token = NULL;
	do
	{
		char	   *p = line;
		char	   *eq;
		char	   *name;
		char	   *value;
		char	   *end;

		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '[')
		{
			if (found_any)
				break;			/* the next profile: keep the first one's */
			continue;
		}
		if (*p == '#' || *p == ';' || (eq = strchr(p, '=')) == NULL)
			continue;
		*eq = '\0';
		name = p;
		for (end = eq; end > name && (end[-1] == ' ' || end[-1] == '\t'); end--)
			end[-1] = '\0';
		value = eq + 1;
		while (*value == ' ' || *value == '\t')
			value++;
		for (end = value + strlen(value);
			 end > value && (end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t');
			 end--)
			end[-1] = '\0';
		if (strcmp(name, "aws_access_key_id") == 0)
			*key_id = MemoryContextStrdup(TopMemoryContext, value);
		else if (strcmp(name, "aws_secret_access_key") == 0)
			*secret = MemoryContextStrdup(TopMemoryContext, value);
		else if (strcmp(name, "aws_session_token") == 0)
			*token = MemoryContextStrdup(TopMemoryContext, value);
		else
			continue;
		found_any = true;
	} while ((line = next) != NULL);
	explicit_bzero(text, CREDENTIALS_FILE_MAX_SIZE + 1);
	pfree(text);
	if (*key_id == NULL || *secret == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg("S3 credentials file \"%s\" does not set aws_access_key_id and aws_secret_access_key",
						path)));
}

static void
forget_secret(char *s)
{
	if (s)
	{
		explicit_bzero(s, strlen(s));
		pfree(s);
	}
}

static const AwsCredentials *
s3_credentials(const FetchOptions *opts)
{
	char	   *why = NULL;
	bool		from_file = pgm_s3_credentials_file && pgm_s3_credentials_file[0] != '\0';

	/* a file is read every time, so rotating it needs no reload */
	if (s3_creds_valid && (from_file ||
						   aws_credentials_need_refresh(&s3_creds, time(NULL),
														AWS_CREDENTIALS_REFRESH_MARGIN)))
	{
		aws_credentials_free(&s3_creds);
		s3_creds_valid = false;
	}
	if (!s3_creds_valid)
	{
		char	   *key_id = NULL;
		char	   *secret = NULL;
		char	   *token = NULL;
		MemoryContext old;
		bool		ok;

		if (from_file)
			read_credentials_file(pgm_s3_credentials_file, &key_id, &secret, &token);
		old = MemoryContextSwitchTo(TopMemoryContext);
		ok = aws_credentials_resolve(key_id, secret, token, opts, &s3_creds, &why);
		MemoryContextSwitchTo(old);
		forget_secret(key_id);
		forget_secret(secret);
		forget_secret(token);
		CHECK_FOR_INTERRUPTS();
		if (!ok)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
					 errmsg("no AWS credentials to sign S3 requests"),
					 errdetail("%s", why),
					 errhint("Set pg_migrate.s3_credentials_file, the server's AWS_* environment, or run on ECS or EC2 with a role.")));
		s3_creds_valid = true;
	}
	return &s3_creds;
}

/* What to do about a failed GET, in the server. */
static const char *
fetch_hint(FetchStatus status)
{
	switch (status)
	{
		case FETCH_ABORTED:
			return NULL;
		case FETCH_REDIRECT_REFUSED:
			return "Publish the release on the location's own host, or have a superuser add the other host to pg_migrate.sync_redirect_hosts.";
		case FETCH_TOO_LARGE:
			return "Raise pg_migrate.max_script_size, or split the script.";
		default:
			return "Check the location, the server's network access, pg_migrate.ca_file and pg_migrate.http_timeout.";
	}
}

/*
 * GET one object of a location ("" + name); returns FETCH_OK with the body
 * or FETCH_NOT_MODIFIED, ereports anything else.
 */
static FetchStatus
fetch_object(const char *location, const char *name, const char *if_none_match,
			 FetchOptions *opts, FetchResponse *resp)
{
	RemoteS3Access s3 = {0};
	MigrateError err;

	if (strncmp(location, "s3://", 5) == 0)
	{
		s3.credentials = s3_credentials(opts);
		s3.region = remote_s3_region(pgm_s3_region);
		s3.endpoint = pgm_s3_endpoint;
	}
	if (remote_fetch_object(location, name, if_none_match, &s3, opts, resp, &err))
		return resp->status;
	if (resp->status == FETCH_ABORTED)
		CHECK_FOR_INTERRUPTS();
	err.hint = (char *) fetch_hint(resp->status);
	ereport_migrate_error(&err);
	return resp->status;		/* keep the compiler quiet */
}

/* ----------------------------------------------------------------
 * One sync
 * ---------------------------------------------------------------- */

typedef struct KeptFile
{
	char	   *path;
	char	   *sha256;
	bool		listed;			/* in the new manifest */
} KeptFile;

static int
compare_kept_files(const void *a, const void *b)
{
	return strcmp(((const KeptFile *) a)->path, ((const KeptFile *) b)->path);
}

/*
 * The kept file of a path, among kept files sorted by path (byte order, as
 * strcmp compares: the database's collation plays no part), or NULL.
 */
static KeptFile *
find_kept_file(KeptFile *sorted, int n, const char *path)
{
	KeptFile	key;

	key.path = (char *) path;
	return bsearch(&key, sorted, n, sizeof(KeptFile), compare_kept_files);
}

static void
copy_str(char *dst, size_t size, const char *src)
{
	strlcpy(dst, src ? src : "", size);
}

/* The body of a sync; ereports on failure (the caller rolls back). */
static void
sync_one_in_xact(const char *location, SyncResult *r)
{
	ExtAccess	a;
	FetchOptions opts;
	FetchOptions manifest_opts;
	FetchResponse resp;
	Datum		loc_datum = CStringGetTextDatum(location);
	char	   *old_release = NULL;
	char	   *old_etag = NULL;
	KeptFile   *kept = NULL;
	int			nkept = 0;
	Manifest   *m;
	MigrateError err;
	char	   *manifest_etag;
	char	   *manifest_body;
	size_t		manifest_len;
	char	   *sql;

	fill_fetch_options(&opts);
	manifest_opts = opts;
	manifest_opts.max_size = Max(opts.max_size, (size_t) 64 * 1024 * 1024);

	ext_begin(&a);
	spi_exec("SELECT pg_catalog.pg_advisory_xact_lock($1, pg_catalog.hashtext($2))", 2,
			 (Oid[]) {INT4OID, TEXTOID}, (Datum[]) {Int32GetDatum(SYNC_LOCK_CLASS), loc_datum},
			 NULL, SPI_OK_SELECT);

	/* the kept release */
	sql = psprintf("SELECT release, manifest_etag FROM %s WHERE location OPERATOR(pg_catalog.=) $1",
				   a.status_table);
	spi_exec(sql, 1, (Oid[]) {TEXTOID}, &loc_datum, NULL, SPI_OK_SELECT);
	if (SPI_processed == 1)
	{
		old_release = spi_text(0, 1);
		old_etag = spi_text(0, 2);
	}
	sql = psprintf("SELECT path, sha256 FROM %s WHERE location OPERATOR(pg_catalog.=) $1",
				   a.files_table);
	spi_exec(sql, 1, (Oid[]) {TEXTOID}, &loc_datum, NULL, SPI_OK_SELECT);
	nkept = (int) SPI_processed;
	kept = palloc0(sizeof(KeptFile) * (nkept + 1));
	for (int i = 0; i < nkept; i++)
	{
		CHECK_FOR_INTERRUPTS();
		kept[i].path = spi_text(i, 1);
		kept[i].sha256 = spi_text(i, 2);
	}
	/* sorted, so each entry of the new manifest is found by a binary search */
	if (nkept > 1)
		qsort(kept, nkept, sizeof(KeptFile), compare_kept_files);
	copy_str(r->previous_release, sizeof(r->previous_release), old_release);
	copy_str(r->release, sizeof(r->release), old_release);
	r->has_release = old_release != NULL;
	r->files = nkept;

	/* 3. the manifest, conditionally */
	if (fetch_object(location, MANIFEST_FILE_NAME, old_release ? old_etag : NULL,
					 &manifest_opts, &resp) == FETCH_NOT_MODIFIED)
	{
		sql = psprintf("UPDATE %s SET last_attempt = pg_catalog.now(), last_success = pg_catalog.now(), last_error = NULL WHERE location OPERATOR(pg_catalog.=) $1",
					   a.status_table);
		spi_exec(sql, 1, (Oid[]) {TEXTOID}, &loc_datum, NULL, SPI_OK_UPDATE);
		ext_end(&a);
		strcpy(r->status, "unchanged");
		return;
	}
	manifest_etag = resp.etag;
	manifest_body = resp.body;
	manifest_len = resp.body_len;
	r->downloaded++;
	m = remote_manifest_parse(location, &resp, &err);
	if (m == NULL)
		ereport_migrate_error(&err);

	/* 4. the files that differ */
	sql = psprintf("INSERT INTO %s (location, path, content, checksum, sha256, size, etag, fetched_at, release) "
				   "VALUES ($1, $2, $3, $4, $5, $6, $7, pg_catalog.now(), $8) "
				   "ON CONFLICT (location, path) DO UPDATE SET content = EXCLUDED.content, "
				   "checksum = EXCLUDED.checksum, sha256 = EXCLUDED.sha256, size = EXCLUDED.size, "
				   "etag = EXCLUDED.etag, fetched_at = EXCLUDED.fetched_at, release = EXCLUDED.release",
				   a.files_table);
	for (int i = 0; i < m->nfiles; i++)
	{
		const ManifestFile *f = &m->files[i];
		KeptFile   *k;

		CHECK_FOR_INTERRUPTS();
		k = find_kept_file(kept, nkept, f->path);
		if (k)
			k->listed = true;
		if (k && strcmp(k->sha256, f->sha256) == 0)
			continue;
		if (f->size > (int64) opts.max_size)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("script \"%s%s\" is too large", location, f->path),
					 errdetail("The manifest says %lld bytes; pg_migrate.max_script_size allows %zu.",
							   (long long) f->size, opts.max_size),
					 errhint("Raise pg_migrate.max_script_size, or split the script.")));
		(void) fetch_object(location, f->path, NULL, &opts, &resp);
		r->downloaded++;
		if (!remote_file_verify(location, f, &resp, &err))
		{
			err.hint = psprintf("%s The previous release is kept.", err.hint);
			ereport_migrate_error(&err);
		}
		{
			Datum		v[8];
			char		nulls[8] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};
			bytea	   *content = palloc(VARHDRSZ + resp.body_len);

			SET_VARSIZE(content, VARHDRSZ + resp.body_len);
			memcpy(VARDATA(content), resp.body, resp.body_len);
			v[0] = loc_datum;
			v[1] = CStringGetTextDatum(f->path);
			v[2] = PointerGetDatum(content);
			v[3] = Int32GetDatum(flyway_checksum(resp.body, resp.body_len));
			v[4] = CStringGetTextDatum(f->sha256);
			v[5] = Int64GetDatum(f->size);
			if (resp.etag)
				v[6] = CStringGetTextDatum(resp.etag);
			else
				nulls[6] = 'n';
			v[7] = CStringGetTextDatum(m->release);
			spi_exec(sql, 8, (Oid[]) {TEXTOID, TEXTOID, BYTEAOID, INT4OID, TEXTOID, INT8OID, TEXTOID, TEXTOID},
					 v, nulls, SPI_OK_INSERT);
			pfree(content);
		}
		if (k)
			r->changed++;
		else
			r->added++;
		fetch_response_free(&resp);
	}
	sql = psprintf("DELETE FROM %s WHERE location OPERATOR(pg_catalog.=) $1 AND path OPERATOR(pg_catalog.=) $2",
				   a.files_table);
	for (int j = 0; j < nkept; j++)
	{
		CHECK_FOR_INTERRUPTS();
		if (!kept[j].listed)
		{
			spi_exec(sql, 2, (Oid[]) {TEXTOID, TEXTOID},
					 (Datum[]) {loc_datum, CStringGetTextDatum(kept[j].path)}, NULL, SPI_OK_DELETE);
			r->removed++;
		}
	}

	/* 5. the release must not have changed while we fetched it */
	if (r->added + r->changed > 0)
	{
		FetchStatus again = fetch_object(location, MANIFEST_FILE_NAME, manifest_etag,
										 &manifest_opts, &resp);

		if (again == FETCH_OK && (resp.body_len != manifest_len ||
								  memcmp(resp.body, manifest_body, manifest_len) != 0))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("the release at \"%s\" changed while it was being fetched", location),
					 errdetail("Its manifest differs from the one read at the start of the sync."),
					 errhint("The next sync fetches the new release. The previous release is kept.")));
	}

	/* 6. record the release: the touched rows carry the new release id */
	sql = psprintf("UPDATE %s SET release = $2 WHERE location OPERATOR(pg_catalog.=) $1 AND release OPERATOR(pg_catalog.<>) $2",
				   a.files_table);
	spi_exec(sql, 2, (Oid[]) {TEXTOID, TEXTOID},
			 (Datum[]) {loc_datum, CStringGetTextDatum(m->release)}, NULL, SPI_OK_UPDATE);
	{
		bool		changed = r->added + r->changed + r->removed > 0 ||
			old_release == NULL || strcmp(old_release, m->release) != 0;
		Datum		v[4];
		char		nulls[4] = {' ', ' ', ' ', ' '};

		v[0] = loc_datum;
		v[1] = CStringGetTextDatum(m->release);
		if (manifest_etag)
			v[2] = CStringGetTextDatum(manifest_etag);
		else
			nulls[2] = 'n';
		v[3] = Int32GetDatum(m->nfiles);
		sql = psprintf("INSERT INTO %s AS s (location, release, manifest_etag, files, last_attempt, last_success, last_change) "
					   "VALUES ($1, $2, $3, $4, pg_catalog.now(), pg_catalog.now(), pg_catalog.now()) "
					   "ON CONFLICT (location) DO UPDATE SET release = EXCLUDED.release, "
					   "manifest_etag = EXCLUDED.manifest_etag, files = EXCLUDED.files, "
					   "last_attempt = EXCLUDED.last_attempt, last_success = EXCLUDED.last_success, "
					   "last_error = NULL%s",
					   a.status_table, changed ? ", last_change = EXCLUDED.last_change" : "");
		spi_exec(sql, 4, (Oid[]) {TEXTOID, TEXTOID, TEXTOID, INT4OID}, v, nulls, SPI_OK_INSERT);
		strcpy(r->status, changed ? "updated" : "unchanged");
	}
	copy_str(r->release, sizeof(r->release), m->release);
	r->has_release = true;
	r->files = m->nfiles;
	manifest_free(m);
	/* everything palloc'd since ext_begin lives in SPI's context: gone after this */
	ext_end(&a);
}

/* Record a failed attempt; the kept release is untouched. */
static void
record_failure(const char *location, const char *error)
{
	ExtAccess	a;
	char	   *sql;

	ext_begin(&a);
	sql = psprintf("INSERT INTO %s (location, last_attempt, last_error) VALUES ($1, pg_catalog.now(), $2) "
				   "ON CONFLICT (location) DO UPDATE SET last_attempt = EXCLUDED.last_attempt, "
				   "last_error = EXCLUDED.last_error", a.status_table);
	spi_exec(sql, 2, (Oid[]) {TEXTOID, TEXTOID},
			 (Datum[]) {CStringGetTextDatum(location), CStringGetTextDatum(error)}, NULL, SPI_OK_INSERT);
	ext_end(&a);
}

/*
 * sync_run_all
 *		Sync every location, at top level (not in a transaction) in a
 *		background worker.  Fills one result per location; a failure of one
 *		location does not stop the others.  Returns how many were filled.
 */
int
sync_run_all(List *locations, SyncResult *results, int max_results)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "pg_migrate sync",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext outer = CurrentMemoryContext;
	ListCell   *lc;
	int			n = 0;

	Assert(!IsTransactionState());
	foreach(lc, locations)
	{
		const char *location = lfirst(lc);
		SyncResult *r = &results[n];

		if (n >= max_results)
			break;
		CHECK_FOR_INTERRUPTS();
		memset(r, 0, sizeof(SyncResult));
		copy_str(r->location, sizeof(r->location), location);
		MemoryContextReset(cxt);
		MemoryContextSwitchTo(cxt);

		SetCurrentStatementStartTimestamp();
		StartTransactionCommand();
		MemoryContextSwitchTo(cxt);
		pgstat_report_activity(STATE_RUNNING, psprintf("pg_migrate: syncing %s", location));
		PG_TRY();
		{
			sync_one_in_xact(location, r);
			CommitTransactionCommand();
		}
		PG_CATCH();
		{
			ErrorData  *edata;
			char	   *msg;
			SyncResult	saved;

			MemoryContextSwitchTo(cxt);
			edata = CopyErrorData();
			FlushErrorState();
			AbortCurrentTransaction();
			msg = edata->detail ? psprintf("%s: %s", edata->message, edata->detail) :
				pstrdup(edata->message);
			/* what is kept is what was kept before */
			saved = *r;
			strcpy(r->status, "failed");
			copy_str(r->error, sizeof(r->error), msg);
			r->added = r->changed = r->removed = 0;
			copy_str(r->release, sizeof(r->release), saved.previous_release);
			ereport(LOG,
					(errmsg("pg_migrate: sync of \"%s\" failed, %s", location,
							r->has_release ? "the previous release is kept" : "no release is kept yet"),
					 errdetail("%s", msg)));
			SetCurrentStatementStartTimestamp();
			StartTransactionCommand();
			MemoryContextSwitchTo(cxt);
			record_failure(location, msg);
			CommitTransactionCommand();
		}
		PG_END_TRY();
		n++;
	}
	pgstat_report_activity(STATE_IDLE, NULL);
	MemoryContextSwitchTo(outer);
	MemoryContextDelete(cxt);
	return n;
}
