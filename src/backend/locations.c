/*-------------------------------------------------------------------------
 *
 * locations.c
 *	  Finding scripts: walk every filesystem: location in pg_migrate.locations,
 *	  read each script, decode it (pg_migrate.encoding, or its .conf's) and
 *	  compute its checksum.
 *
 * Remote locations (https://, s3://) are not read here: their scripts are
 * the release kept in the database by the last sync (sync.c), and only
 * add_remote_scripts() and the first lines of locations_script_text() deal
 * with them.
 *
 * Locations are read recursively (hidden files and folders skipped) and
 * merged into one set; a script's name in the history is its path relative
 * to its location.  Only regular files inside a location are read, through
 * location_files.c, which says how symbolic links, FIFOs and devices are
 * kept out.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "catalog/pg_conversion.h"
#include "catalog/pg_namespace.h"
#include "commands/dbcommands.h"
#include "utils/array.h"
#include "executor/spi.h"
#include "catalog/pg_type.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/fd.h"
#include "utils/builtins.h"
#include "common/hashfn.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "checksum.h"
#include "location_files.h"
#include "pg_migrate.h"
#include "remote_location.h"
#include "script_encoding.h"
#include "script_text.h"
#include "sync.h"

#define MAX_LOCATION_DEPTH 64

typedef struct WalkState
{
	const char *location;		/* the setting's entry, for messages */
	const ScriptNaming *naming; /* how scripts are named */
	LocationFolder root;		/* its folder, resolved */
	PlaceholderSet *placeholders;
	ScriptDecoding decoding;	/* pg_migrate.encoding and the server's conversions */
	List	   *scripts;
	List	   *callbacks;		/* beforeMigrate.sql and the like */
	List	   *conf_files;		/* full paths of "<script><suffix>.conf" files */
	List	   *invalid_names;
	List	   *missing_locations;	/* entries whose folder does not exist */
	StringInfoData buf;			/* reused for every file */
} WalkState;

/*
 * Checksums of versioned scripts already read by this session, keyed by
 * path and valid while the file's identity is unchanged: the same device,
 * inode, size, modification and change times (what git trusts for its
 * index).  A repeated migrate_apply() or migrate_info() then costs one
 * fstatat() per file instead of reading it.  Files modified within the last
 * two seconds are not cached: a write in the same clock tick as our read
 * would otherwise go unseen.
 */
typedef struct ChecksumCacheEntry
{
	uint64		path_hash;		/* hash key: small entries, few pages to touch */
	char	   *path;			/* the full path, to tell hash collisions apart */
	dev_t		dev;
	ino_t		ino;
	off_t		size;
	struct timespec mtime;
	struct timespec ctime;
	int32		checksum;
	bool		saved;			/* in pg_migrate_checksums as it is here */
} ChecksumCacheEntry;

static HTAB *checksum_cache = NULL;
static bool checksum_cache_loaded = false;	/* from pg_migrate_checksums, this session */
static int	checksum_cache_unsaved = 0;

static bool
same_file(const ChecksumCacheEntry *e, const char *path, const struct stat *st)
{
	return e->dev == st->st_dev && e->ino == st->st_ino && e->size == st->st_size &&
		e->mtime.tv_sec == st->st_mtim.tv_sec && e->mtime.tv_nsec == st->st_mtim.tv_nsec &&
		e->ctime.tv_sec == st->st_ctim.tv_sec && e->ctime.tv_nsec == st->st_ctim.tv_nsec &&
		e->path != NULL && strcmp(e->path, path) == 0;
}

static ChecksumCacheEntry *
checksum_cache_entry(const char *path, bool create)
{
	uint64		key = hash_bytes_extended((const unsigned char *) path, strlen(path), 0);
	ChecksumCacheEntry *e;
	bool		found;

	if (checksum_cache == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(uint64);
		ctl.entrysize = sizeof(ChecksumCacheEntry);
		ctl.hcxt = TopMemoryContext;
		checksum_cache = hash_create("pg_migrate checksums", 1024, &ctl,
									 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	e = hash_search(checksum_cache, &key, create ? HASH_ENTER : HASH_FIND, &found);
	if (e != NULL && create)
	{
		/* a new entry, or a colliding path taking the slot over */
		if (found && e->path != NULL && strcmp(e->path, path) != 0)
		{
			pfree(e->path);
			e->path = NULL;
		}
		if (!found || e->path == NULL)
			e->path = MemoryContextStrdup(TopMemoryContext, path);
		if (!found || e->saved)
			checksum_cache_unsaved++;
		e->saved = false;
	}
	return e;
}

/*
 * The persistent part of the cache (pg_migrate_checksums) is read and
 * written as the extension's owner (become_extension_owner()): the table is
 * granted to nobody, so a role that may migrate can neither read it nor
 * plant a checksum in it.  Needs SPI.
 */

/* Load the saved checksums once per session, before the first walk. */
static void
load_saved_checksums(void)
{
	char	   *schema;
	Oid			saved_user;
	int			saved_sec;
	MemoryContext oldcxt = CurrentMemoryContext;	/* SPI calls switch it */

	if (checksum_cache_loaded)
		return;
	checksum_cache_loaded = true;
	if (!OidIsValid(become_extension_owner(&schema, &saved_user, &saved_sec)))
	{
		MemoryContextSwitchTo(oldcxt);
		return;
	}
	if (SPI_execute(psprintf("SELECT path, dev, ino, size, mtime_ns, ctime_ns, checksum FROM %s.pg_migrate_checksums",
							 quote_identifier(schema)), true, 0) == SPI_OK_SELECT)
	{
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			HeapTuple	t = SPI_tuptable->vals[i];
			TupleDesc	d = SPI_tuptable->tupdesc;
			bool		isnull;
			char	   *path = TextDatumGetCString(SPI_getbinval(t, d, 1, &isnull));
			ChecksumCacheEntry *e = checksum_cache_entry(path, true);
			int64		mtime = DatumGetInt64(SPI_getbinval(t, d, 5, &isnull));
			int64		ctime = DatumGetInt64(SPI_getbinval(t, d, 6, &isnull));

			CHECK_FOR_INTERRUPTS();
			e->dev = (dev_t) DatumGetInt64(SPI_getbinval(t, d, 2, &isnull));
			e->ino = (ino_t) DatumGetInt64(SPI_getbinval(t, d, 3, &isnull));
			e->size = (off_t) DatumGetInt64(SPI_getbinval(t, d, 4, &isnull));
			e->mtime.tv_sec = mtime / 1000000000;
			e->mtime.tv_nsec = mtime % 1000000000;
			e->ctime.tv_sec = ctime / 1000000000;
			e->ctime.tv_nsec = ctime % 1000000000;
			e->checksum = DatumGetInt32(SPI_getbinval(t, d, 7, &isnull));
			e->saved = true;
			checksum_cache_unsaved--;
			pfree(path);
		}
		SPI_freetuptable(SPI_tuptable);
	}
	SetUserIdAndSecContext(saved_user, saved_sec);
	MemoryContextSwitchTo(oldcxt);
}

/* Checksums computed in this session that pg_migrate_checksums lacks. */
int
locations_unsaved_checksums(void)
{
	return checksum_cache_unsaved;
}

/* They have been saved (by the apply worker). */
void
locations_forget_unsaved_checksums(void)
{
	HASH_SEQ_STATUS seq;
	ChecksumCacheEntry *e;

	if (checksum_cache == NULL)
		return;
	hash_seq_init(&seq, checksum_cache);
	while ((e = hash_seq_search(&seq)) != NULL)
		e->saved = true;
	checksum_cache_unsaved = 0;
}

/*
 * locations_save_checksums
 *		Write the unsaved checksums to pg_migrate_checksums, in one statement;
 *		called by the apply worker, inside its planning transaction.
 */
void
locations_save_checksums(void)
{
	ArrayBuildState *paths = NULL;
	ArrayBuildState *nums[6] = {NULL, NULL, NULL, NULL, NULL, NULL};
	HASH_SEQ_STATUS seq;
	ChecksumCacheEntry *e;
	char	   *schema;
	Oid			saved_user;
	int			saved_sec;
	Datum		values[7];
	Oid			types[7] = {TEXTARRAYOID, INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID,
	INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID};

	if (checksum_cache == NULL || checksum_cache_unsaved <= 0)
		return;
	hash_seq_init(&seq, checksum_cache);
	while ((e = hash_seq_search(&seq)) != NULL)
	{
		CHECK_FOR_INTERRUPTS();
		if (e->saved || e->path == NULL)
			continue;
		paths = accumArrayResult(paths, CStringGetTextDatum(e->path), false, TEXTOID,
								 CurrentMemoryContext);
		nums[0] = accumArrayResult(nums[0], Int64GetDatum((int64) e->dev), false, INT8OID, CurrentMemoryContext);
		nums[1] = accumArrayResult(nums[1], Int64GetDatum((int64) e->ino), false, INT8OID, CurrentMemoryContext);
		nums[2] = accumArrayResult(nums[2], Int64GetDatum((int64) e->size), false, INT8OID, CurrentMemoryContext);
		nums[3] = accumArrayResult(nums[3], Int64GetDatum((int64) e->mtime.tv_sec * 1000000000 + e->mtime.tv_nsec),
								   false, INT8OID, CurrentMemoryContext);
		nums[4] = accumArrayResult(nums[4], Int64GetDatum((int64) e->ctime.tv_sec * 1000000000 + e->ctime.tv_nsec),
								   false, INT8OID, CurrentMemoryContext);
		nums[5] = accumArrayResult(nums[5], Int64GetDatum((int64) e->checksum), false, INT8OID, CurrentMemoryContext);
	}
	if (paths == NULL || !OidIsValid(become_extension_owner(&schema, &saved_user, &saved_sec)))
		return;
	values[0] = makeArrayResult(paths, CurrentMemoryContext);
	for (int i = 0; i < 6; i++)
		values[i + 1] = makeArrayResult(nums[i], CurrentMemoryContext);
	if (SPI_execute_with_args(psprintf("INSERT INTO %s.pg_migrate_checksums AS c "
									   "SELECT p, d, i, s, m, ct, k::integer "
									   "FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), pg_catalog.unnest($3), "
									   "pg_catalog.unnest($4), pg_catalog.unnest($5), pg_catalog.unnest($6), "
									   "pg_catalog.unnest($7)) AS u(p, d, i, s, m, ct, k) "
									   "ON CONFLICT (path) DO UPDATE SET dev = excluded.dev, ino = excluded.ino, "
									   "size = excluded.size, mtime_ns = excluded.mtime_ns, "
									   "ctime_ns = excluded.ctime_ns, checksum = excluded.checksum",
									   quote_identifier(schema)),
							  7, types, values, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not save checksums in pg_migrate_checksums");
	SetUserIdAndSecContext(saved_user, saved_sec);
	locations_forget_unsaved_checksums();
}

/*
 * Bytes in one of PostgreSQL's encodings to UTF-8 with the server's own
 * conversion (script_text.h: ScriptConvertFn).  It is asked to stop at the
 * first byte it cannot convert rather than throw, so the error can name
 * the script and the line; PostgreSQL's words say what the byte is.
 * Needs a transaction (the conversion is looked up in pg_conversion):
 * scripts are found and loaded inside one (executor_server.c).  The
 * command's server converts with convert(), which takes the same default
 * conversion while pg_catalog leads the search_path, as it does unless a
 * role puts it later.
 */
#define CONVERT_CHUNK 65536

#if PG_VERSION_NUM >= 140000
/* The bytes at a refused offset, as PostgreSQL's own messages show them. */
static char *
bad_bytes(int encoding, const char *p, size_t avail)
{
	StringInfoData buf;
	int			n = Min(Min(pg_encoding_mblen(encoding, p), (int) avail), 8);

	initStringInfo(&buf);
	for (int i = 0; i < n; i++)
		appendStringInfo(&buf, "%s0x%02x", i > 0 ? " " : "", (unsigned char) p[i]);
	return buf.data;
}

static bool
convert_refused(int encoding, const char *data, size_t len, size_t offset,
				ScriptDecodeProblem *problem)
{
	const char *p = data + offset;
	int			avail = (int) Min(len - offset, (size_t) MAX_CONVERSION_INPUT_LENGTH);

	problem->offset = offset;
	problem->line = line_of_offset(data, len, offset);
	if (pg_encoding_verifymbstr(encoding, p, avail) == 0)
	{
		problem->sqlstate = NULL;	/* 22021 */
		problem->what = psprintf("invalid byte sequence for encoding \"%s\": %s",
								 pg_encoding_to_char(encoding), bad_bytes(encoding, p, len - offset));
	}
	else
	{
		problem->sqlstate = "22P05";
		problem->what = psprintf("character with byte sequence %s in encoding \"%s\" has no equivalent in encoding \"UTF8\"",
								 bad_bytes(encoding, p, len - offset), pg_encoding_to_char(encoding));
	}
	return false;
}
#endif

static bool
server_convert(void *arg, const char *encoding_name, const char *data, size_t len,
			   char **out, size_t *out_len, ScriptDecodeProblem *problem, MigrateError *err)
{
	int			encoding = pg_char_to_encoding(encoding_name);

	/* pg_catalog's, whatever the search_path: what a role put first cannot read scripts */
	Oid			proc = FindDefaultConversion(PG_CATALOG_NAMESPACE, encoding, PG_UTF8);

	if (!OidIsValid(proc))
	{
		migrate_error_set(err, "42883",
						  psprintf("no conversion from %s to UTF8 in this server", encoding_name),
						  NULL, "Save the scripts in UTF-8, or in an encoding the server converts.");
		return false;
	}
#if PG_VERSION_NUM >= 140000
	{
		StringInfoData text;
		unsigned char *dest = palloc(CONVERT_CHUNK * MAX_CONVERSION_GROWTH + 1);
		size_t		done = 0;

		initStringInfo(&text);
		while (done < len)
		{
			int			chunk = (int) Min(len - done, (size_t) CONVERT_CHUNK);
			int			n;

			CHECK_FOR_INTERRUPTS();
			n = pg_do_encoding_conversion_buf(proc, encoding, PG_UTF8,
											  (unsigned char *) data + done, chunk, dest,
											  CONVERT_CHUNK * MAX_CONVERSION_GROWTH + 1, true);
			/* 0: the next character is bad (or cut short by the end) */
			if (n == 0)
				return convert_refused(encoding, data, len, done, problem);
			appendStringInfoString(&text, (char *) dest);
			done += n;
		}
		pfree(dest);
		*out = text.data;
		*out_len = text.len;
	}
#else
	/* no conversion that stops at a bad byte: PostgreSQL's error as it is */
	*out = (char *) pg_do_encoding_conversion((unsigned char *) data, (int) len, encoding, PG_UTF8);
	*out_len = strlen(*out);
#endif
	return true;
}

/* pg_migrate.encoding, checked when set; the server converts the rest. */
static void
decoding_init(ScriptDecoding *decoding)
{
	char	   *why = NULL;

	decoding->encoding = script_encoding_canonical(pgm_encoding, &why);
	if (decoding->encoding == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for pg_migrate.encoding: %s", why)));
	decoding->setting = "pg_migrate.encoding";
	decoding->convert = server_convert;
	decoding->convert_arg = NULL;
}

/* Whether a script is read as UTF-8: only those are in the checksum cache. */
static bool
decodes_as_utf8(const ScriptDecoding *decoding, const ResolvedScript *script)
{
	return script_encoding_kind(script->encoding ? script->encoding : decoding->encoding) ==
		SCRIPT_ENCODING_UTF8;
}

/*
 * The shared rules of script_text.c, raised as errors: the bytes decoded
 * (not in their encoding: 22021), then checksummed (an undefined
 * placeholder).
 */
static void
decode_and_checksum(WalkState *state, ResolvedScript *script, const char *data, size_t len)
{
	MigrateError err;
	char	   *text;
	size_t		text_len;

	migrate_error_clear(&err);
	if (!script_text_decode(script, &state->decoding, data, len, &text, &text_len, &err) ||
		!script_text_checksums(script, text, text_len, state->placeholders,
							   pgm_placeholder_replacement, &err))
		ereport_migrate_error(&err);
	if (text != data)
		pfree(text);
}

/* Apply one "<script>.sql.conf" file's text to the script's settings. */
static void
load_conf_text(WalkState *state, ResolvedScript *script, const char *raw, size_t raw_len,
			   const char *conf_path)
{
	MigrateError err;

	migrate_error_clear(&err);
	if (!script_text_apply_conf(script, conf_path, raw, raw_len, state->placeholders,
								pgm_placeholder_replacement, &err))
		ereport_migrate_error(&err);
}

/*
 * A folder location that does not exist: with fail_on_missing_locations off
 * (Flyway's default) it contributes no scripts, and the engine warns about
 * it.  A folder that exists but cannot be read stays an error
 * (location_open_root).
 */
static bool
location_missing(const char *dir)
{
	struct stat st;

	if (pgm_fail_on_missing_locations || stat(dir, &st) == 0)
		return false;
	return errno == ENOENT || errno == ENOTDIR;
}

/*
 * The real path of the folder a script was found in: its path is that
 * folder's, a '/' and its path relative to it (walk_directory builds it so).
 */
static const char *
script_location_real(const ResolvedScript *script)
{
	char	   *dir = pnstrdup(script->path, strlen(script->path) - strlen(script->script) - 1);
	LocationFolder root;

	location_open_root(dir, dir, &root);
	return root.real;
}

/*
 * Read one "<script>.sql.conf" file into the script's settings: an entry of
 * the folder being walked (dirfd), or by its full path (AT_FDCWD).
 */
static void
load_conf_file(WalkState *state, ResolvedScript *script, int dirfd, const char *name,
			   const char *conf_path)
{
	struct stat st;

	location_read_file(dirfd != AT_FDCWD ? state->root.real : script_location_real(script),
					   dirfd, name, conf_path, "script configuration file", &state->buf, &st);
	load_conf_text(state, script, state->buf.data, state->buf.len, conf_path);
}

/*
 * Apply the "<script>.sql.conf" files found (Flyway's script configuration:
 * executeInTransaction, placeholderReplacement).  A .conf file goes through
 * placeholder replacement first, as in Flyway.  A repeatable whose
 * replacement it switches off is checksummed again on its raw text.
 */
/* Scripts are read for their checksums, not kept: only pending ones are read again. */
static void
add_script(WalkState *state, int dirfd, const char *name, const char *path,
		   const char *relpath, ScriptName *parsed)
{
	ResolvedScript *script = resolved_script_new(parsed, relpath, path);
	ChecksumCacheEntry *cached = NULL;
	struct stat st;
	bool		cacheable = false;
	bool		plain;

	/*
	 * Repeatables hash placeholder values, which change between calls.  Only
	 * a plain file is looked up: a symbolic link is read, and checked, every
	 * time.
	 */
	plain = fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
	/* the cache holds checksums of UTF-8 text; a .conf that says otherwise is seen later */
	if (parsed->kind != SCRIPT_REPEATABLE && plain &&
		script_encoding_kind(state->decoding.encoding) == SCRIPT_ENCODING_UTF8)
	{
		cached = checksum_cache_entry(path, false);
		if (cached && same_file(cached, path, &st))
		{
			script->checksum = cached->checksum;
			if (parsed->kind == SCRIPT_CALLBACK)
				state->callbacks = lappend(state->callbacks, script);
			else
				state->scripts = lappend(state->scripts, script);
			return;
		}
	}

	/*
	 * The checksum depends on the .conf: its encoding, and a repeatable's
	 * placeholderReplacement.  Read before the script (only when the script
	 * is read: a cached checksum's .conf is applied by apply_conf_files).
	 */
	{
		char	   *conf_name = psprintf("%s.conf", name);
		struct stat conf_st;

		if (fstatat(dirfd, conf_name, &conf_st, 0) == 0)
			load_conf_file(state, script, dirfd, conf_name, psprintf("%s.conf", path));
	}
	location_read_file(state->root.real, dirfd, name, path, "migration script", &state->buf, &st);
	/* a link's entry would never be read (above): do not write one */
	cacheable = parsed->kind != SCRIPT_REPEATABLE && plain && st.st_mtim.tv_sec < time(NULL) - 2 &&
		decodes_as_utf8(&state->decoding, script);
	decode_and_checksum(state, script, state->buf.data, state->buf.len);
	if (parsed->kind == SCRIPT_CALLBACK)
		state->callbacks = lappend(state->callbacks, script);
	else
		state->scripts = lappend(state->scripts, script);

	if (cacheable && (cached = checksum_cache_entry(path, true)) != NULL)
	{
		cached->dev = st.st_dev;
		cached->ino = st.st_ino;
		cached->size = st.st_size;
		cached->mtime = st.st_mtim;
		cached->ctime = st.st_ctim;
		cached->checksum = script->checksum;
	}
}

static int
compare_kept_paths(const void *a, const void *b)
{
	return strcmp((*(KeptScript *const *) a)->path, (*(KeptScript *const *) b)->path);
}

/*
 * The "<script>.sql.conf" of a remote script, if its release has one; confs
 * is sorted by path (looked up once per script: no scan of them all).
 */
static void
apply_kept_conf(WalkState *state, KeptScript **confs, int nconfs, ResolvedScript *script,
				const char *script_path)
{
	KeptScript	key;
	KeptScript *keyp = &key;
	KeptScript **found;

	if (nconfs == 0)
		return;
	key.path = psprintf("%s.conf", script_path);
	found = bsearch(&keyp, confs, nconfs, sizeof(KeptScript *), compare_kept_paths);
	if (found != NULL)
		load_conf_text(state, script, (*found)->content, (*found)->len,
					   psprintf("%s%s", state->location, (*found)->path));
	pfree(key.path);
}

/*
 * Remote locations (https://, s3://): the scripts of the release kept by
 * the last successful sync, read from the extension's table (sync.c).  Each
 * gets the same checks and checksums as a file; its path is the location
 * followed by its relative path, which locations_script_text() recognises.
 * Hidden files and folders are skipped, as in a folder.
 */
static void
add_remote_scripts(WalkState *state)
{
	List	   *kept_files = sync_kept_scripts(state->location);
	KeptScript **confs = palloc(sizeof(KeptScript *) * (list_length(kept_files) + 1));
	int			nconfs = 0;
	ListCell   *lc;

	/* .conf files first: rare, and looked up for every script */
	foreach(lc, kept_files)
	{
		CHECK_FOR_INTERRUPTS();
		if (script_naming_is_conf(state->naming, ((KeptScript *) lfirst(lc))->path))
			confs[nconfs++] = lfirst(lc);
	}
	if (nconfs > 1)
		qsort(confs, nconfs, sizeof(KeptScript *), compare_kept_paths);

	foreach(lc, kept_files)
	{
		KeptScript *kept = lfirst(lc);
		const char *base = strrchr(kept->path, '/');
		ScriptName	name;
		char	   *reason = NULL;
		ResolvedScript *script;

		CHECK_FOR_INTERRUPTS();
		base = base ? base + 1 : kept->path;
		if (kept->path[0] == '.' || strstr(kept->path, "/.") != NULL)
			continue;
		switch (script_name_parse(state->naming, base, &name, &reason))
		{
			case NAME_NOT_SCRIPT:
				break;
			case NAME_INVALID:
				state->invalid_names = lappend(state->invalid_names,
											   psprintf("%s: %s", kept->path, reason));
				break;
			case NAME_OK:
				script = resolved_script_new(&name, kept->path,
											 psprintf("%s%s", state->location, kept->path));
				/* its .conf, kept in the same release, decides before the checksum */
				apply_kept_conf(state, confs, nconfs, script, kept->path);
				decode_and_checksum(state, script, kept->content, kept->len);
				if (name.kind == SCRIPT_CALLBACK)
					state->callbacks = lappend(state->callbacks, script);
				else
					state->scripts = lappend(state->scripts, script);
				break;
		}
	}
	pfree(confs);
}


static int
compare_script_paths(const void *a, const void *b)
{
	return strcmp((*(ResolvedScript *const *) a)->path, (*(ResolvedScript *const *) b)->path);
}

/*
 * A script's .conf found in the walk.  A script whose checksum came from
 * the cache (UTF-8 text) and whose .conf names another encoding is read
 * again and checksummed as that encoding's text.
 */
static void
reload_with_conf(WalkState *state, ResolvedScript *script, const char *conf_path)
{
	struct stat st;

	load_conf_file(state, script, AT_FDCWD, conf_path, conf_path);
	if (decodes_as_utf8(&state->decoding, script))
		return;
	location_read_file(script_location_real(script), AT_FDCWD, script->path, script->path,
					   "migration script", &state->buf, &st);
	decode_and_checksum(state, script, state->buf.data, state->buf.len);
}

/*
 * Each "<script>.sql.conf" found goes to its script, looked up by path among
 * the scripts and callbacks sorted once (not a scan of them all per file).
 */
static void
apply_conf_files(WalkState *state)
{
	int			n = list_length(state->scripts) + list_length(state->callbacks);
	ResolvedScript **by_path = palloc(sizeof(ResolvedScript *) * (n + 1));
	int			i = 0;
	ListCell   *lc;

	foreach(lc, state->scripts)
		by_path[i++] = lfirst(lc);
	foreach(lc, state->callbacks)
		by_path[i++] = lfirst(lc);
	if (n > 1)
		qsort(by_path, n, sizeof(ResolvedScript *), compare_script_paths);

	foreach(lc, state->conf_files)
	{
		const char *conf_path = lfirst(lc);
		ResolvedScript key;
		ResolvedScript *keyp = &key;
		ResolvedScript **found;

		CHECK_FOR_INTERRUPTS();
		key.path = pnstrdup(conf_path, strlen(conf_path) - strlen(".conf"));
		found = bsearch(&keyp, by_path, n, sizeof(ResolvedScript *), compare_script_paths);
		pfree(key.path);
		if (found == NULL)
			continue;			/* a .conf of a file that is not a script: Flyway ignores it too */

		if (!(*found)->conf_applied)	/* read first when the script was read */
			reload_with_conf(state, *found, conf_path);
	}
	pfree(by_path);
}

static int
compare_callback_names(const ListCell *a, const ListCell *b)
{
	const ResolvedScript *x = lfirst(a);
	const ResolvedScript *y = lfirst(b);
	int			c = strcmp(x->event, y->event);

	return c != 0 ? c : strcmp(x->description, y->description);
}

/* Two callbacks of one event with one description: Flyway refuses that. */
static void
reject_duplicate_callbacks(List *callbacks, const ScriptNaming *naming)
{
	ListCell   *lc;
	const ResolvedScript *prev = NULL;

	list_sort(callbacks, compare_callback_names);
	foreach(lc, callbacks)
	{
		const ResolvedScript *cb = lfirst(lc);

		CHECK_FOR_INTERRUPTS();
		if (prev && strcmp(prev->event, cb->event) == 0 &&
			strcmp(prev->description, cb->description) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_OBJECT),
					 errmsg("found more than one SQL callback script called %s%s%s",
							cb->event, cb->description[0] ? naming->separator : "",
							cb->description),
					 errdetail("Offenders: \"%s\" and \"%s\".", prev->path, cb->path),
					 errhint("Rename or remove one of them; nothing was applied.")));
		prev = cb;
	}
}

/*
 * One file of a folder: a script, a .conf file, a badly named .sql file, or
 * nothing to us.  A FIFO, device or socket is refused where a script or a
 * .conf file would be read, before anything opens it; with any other name it
 * is ignored, as before.
 */
static void
add_file(WalkState *state, int dirfd, const char *name, const char *path,
		 const char *relpath, const LocationEntry *entry)
{
	ScriptName	parsed;
	char	   *reason = NULL;
	NameResult	kind = script_name_parse(state->naming, name, &parsed, &reason);
	bool		is_conf = kind == NAME_NOT_SCRIPT && script_naming_is_conf(state->naming, name);

	if (entry->kind != LOCATION_ENTRY_FILE)
	{
		if (kind == NAME_OK || is_conf)
			location_refuse_not_regular(is_conf ? "script configuration file" : "migration script",
										path, entry);
		return;
	}
	switch (kind)
	{
		case NAME_NOT_SCRIPT:
			if (is_conf)
				state->conf_files = lappend(state->conf_files, pstrdup(path));
			break;
		case NAME_INVALID:
			state->invalid_names = lappend(state->invalid_names,
										   psprintf("%s: %s", relpath, reason));
			break;
		case NAME_OK:
			add_script(state, dirfd, name, path, relpath, &parsed);
			break;
	}
}

/*
 * Walk one folder of a location, already checked to lie inside it
 * (location_examine); folders inside are walked in turn.
 */
static void
walk_directory(WalkState *state, const LocationFolder *folder, const char *reldir, int depth)
{
	DIR		   *d;
	struct dirent *de;

	if (depth > MAX_LOCATION_DEPTH)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("location \"%s\" is nested more than %d folders deep", state->location,
						MAX_LOCATION_DEPTH),
				 errdetail("Stopped at \"%s\".", folder->path),
				 errhint("Look for symbolic links that lead from folder to folder.")));

	d = location_open_folder(folder);
	while ((de = ReadDir(d, folder->path)) != NULL)
	{
		char	   *path;
		char	   *relpath;
		LocationEntry entry;
		LocationFolder child;

		CHECK_FOR_INTERRUPTS();
		if (de->d_name[0] == '.')
			continue;			/* hidden, and "." / ".." */

		/* links are followed, as Flyway does, but only inside the location */
		path = psprintf("%s/%s", folder->path, de->d_name);
		location_examine(&state->root, folder, dirfd(d), de->d_name, path, de->d_type,
						 &entry, &child);
		relpath = reldir[0] ? psprintf("%s/%s", reldir, de->d_name) : de->d_name;
		if (entry.kind == LOCATION_ENTRY_FOLDER)
			walk_directory(state, &child, relpath, depth + 1);
		else if (entry.kind != LOCATION_ENTRY_GONE)
			add_file(state, dirfd(d), de->d_name, path, relpath, &entry);
		pfree(path);
	}
	FreeDir(d);
}

/*
 * Split pg_migrate.locations and check every entry before reading any, so a
 * typo is reported as such rather than as "no migrations".
 */
static List *
parse_locations(void)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, locations_entries())
	{
		char	   *entry = lfirst(lc);
		char	   *dir;

		/* Remote location: (entry, NULL); its scripts are kept in a table (sync.c). */
		if (remote_location_is_remote(entry))
		{
			result = lappend(result, list_make2(sync_normalize_location(entry), NULL));
			continue;
		}
		if (pg_strncasecmp(entry, "filesystem:", 11) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unsupported location \"%s\" in pg_migrate.locations", entry),
					 errdetail("Locations are filesystem:, https:// or s3:// entries."),
					 errhint("Use filesystem:/absolute/path/to/folder, https://host/prefix/ or s3://bucket/prefix/.")));
		dir = pstrdup(entry + 11);
		if (!is_absolute_path(dir))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("location \"%s\" is not an absolute path", entry),
					 errdetail("The server's working directory is not the one you run psql from."),
					 errhint("Use filesystem:/absolute/path/to/folder.")));
		canonicalize_path(dir);
		result = lappend(result, list_make2(pstrdup(entry), dir));
	}
	if (result == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("pg_migrate.locations is not set"),
				 errhint("A superuser sets it, for example: ALTER DATABASE %s SET pg_migrate.locations = 'filesystem:/srv/migrations/sql'.",
						 quote_identifier(get_database_name(MyDatabaseId)))));
	return result;
}

static int
compare_names(const ListCell *a, const ListCell *b)
{
	return strcmp((const char *) lfirst(a), (const char *) lfirst(b));
}

/*
 * locations_resolve
 *		Every V, R, B and U script in the locations (as naming names them),
 *		read and checksummed.  Badly named SQL files are listed in
 *		invalid_names.
 */
ScriptSet *
locations_resolve(const ScriptNaming *naming, PlaceholderSet *placeholders)
{
	ScriptSet  *set = palloc0(sizeof(ScriptSet));
	WalkState	state;
	ListCell   *lc;
	int			i = 0;

	memset(&state, 0, sizeof(state));
	state.naming = naming;
	state.placeholders = placeholders;
	decoding_init(&state.decoding);
	initStringInfo(&state.buf);
	load_saved_checksums();

	foreach(lc, parse_locations())
	{
		List	   *pair = lfirst(lc);

		state.location = linitial(pair);
		if (lsecond(pair) == NULL)
		{
			add_remote_scripts(&state);
			continue;
		}
		if (location_missing(lsecond(pair)))
		{
			state.missing_locations = lappend(state.missing_locations, pstrdup(state.location));
			continue;
		}
		/* resolved once: a link as the location is fine, what it holds is checked */
		location_open_root(state.location, lsecond(pair), &state.root);
		walk_directory(&state, &state.root, "", 0);
	}

	set->nscripts = list_length(state.scripts);
	set->scripts = palloc(sizeof(ResolvedScript *) * (set->nscripts + 1));
	foreach(lc, state.scripts)
	{
		CHECK_FOR_INTERRUPTS();
		set->scripts[i++] = lfirst(lc);
	}
	if (state.conf_files != NIL)
		apply_conf_files(&state);
	reject_duplicate_callbacks(state.callbacks, naming);
	set->callbacks = state.callbacks;

	/* readdir() order differs between machines; messages must not */
	qsort(set->scripts, set->nscripts, sizeof(ResolvedScript *), compare_script_paths);
	list_sort(state.invalid_names, compare_names);
	set->invalid_names = state.invalid_names;
	set->missing_locations = state.missing_locations;
	return set;
}

/*
 * locations_script_text
 *		The text to execute: read again, checked against the checksum that
 *		was planned with (a file edited in between must not run unvalidated),
 *		decoded from its encoding to UTF-8, placeholders replaced unless
 *		switched off, then converted from UTF-8 to the database encoding.
 */
char *
locations_script_text(const ResolvedScript *script, PlaceholderSet *placeholders, size_t *len)
{
	StringInfoData buf;
	MigrateError err;
	ScriptDecoding decoding;
	char	   *decoded;
	size_t		decoded_len;
	char	   *text;
	size_t		text_len;
	char	   *converted;

	initStringInfo(&buf);
	if (sync_is_remote_path(script->path))
		sync_read_kept_script(script->path, script->script, &buf);	/* remote: from the table */
	else
	{
		struct stat st;

		location_read_file(script_location_real(script), AT_FDCWD, script->path, script->path,
						   "migration script", &buf, &st);
	}
	migrate_error_clear(&err);
	decoding_init(&decoding);
	if (!script_text_decode(script, &decoding, buf.data, buf.len, &decoded, &decoded_len, &err) ||
		!script_text_for_run(script, decoded, decoded_len, placeholders,
							 pgm_placeholder_replacement, &text, &text_len, &err))
		ereport_migrate_error(&err);

	converted = pg_any_to_server(text, text_len, PG_UTF8);
	if (converted != text)
		text_len = strlen(converted);
	*len = text_len;
	return converted;
}
