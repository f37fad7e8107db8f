/*-------------------------------------------------------------------------
 *
 * script_source.c
 *	  The pg_migrate command's scripts: Flyway's locations read on the
 *	  machine the command runs on, as the extension's backend/locations.c
 *	  reads them on the server.
 *
 * The same rules as the server, so the same folder gives the same scripts:
 *	- a "filesystem:" location is read recursively, hidden files and
 *	  folders skipped; a relative one is relative to the working directory,
 *	  as in Flyway;
 *	- SQL files are named by src/core/names.c with the run's conventions
 *	  (sqlMigrationPrefix, ...); a badly named one is listed in
 *	  invalid_names; "<script>.sql.conf" files set executeInTransaction
 *	  and placeholderReplacement;
 *	- scripts are decoded to UTF-8 (Flyway's encoding, or their .conf's;
 *	  PostgreSQL's encodings by the server, executor_libpq.c) and
 *	  checksummed by src/core/script_text.c, sorted by path;
 *	- two callbacks of one event and description are refused.
 * Symbolic links are followed, also out of the location: the command reads
 * as the user who runs it, with no privilege to guard (the server refuses
 * such links unless pg_migrate.allow_symlinks_outside_locations is on).
 * A link loop is an error, a dangling link is skipped, and a FIFO, device
 * or socket with a script's name is refused before anything opens it.
 *
 * https:// and s3:// locations are fetched whole at each run through
 * src/remote/ (as the sync worker fetches them): the manifest
 * (pg_migrate.json), then every file it lists, each checked against the
 * manifest's size and SHA-256.  A script's path is then the location
 * followed by its relative path, as in the server.
 *
 * Statements are split by client/script_split.c (libpg_query: PostgreSQL's
 * own grammar), as script_parse() splits them in the server.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws_credentials.h"
#include "checksum.h"
#include "fetch.h"
#include "file_kind.h"
#include "interrupts.h"
#include "manifest.h"
#include "remote_location.h"
#include "script_source.h"
#include "script_split.h"
#include "script_text.h"

#define MAX_LOCATION_DEPTH 64

/* Largest file read from a location, as the server's LOCATION_MAX_FILE_SIZE. */
#define MAX_FILE_SIZE ((off_t) (MaxAllocSize / 2))

/* Largest manifest fetched (the sync worker's limit). */
#define MAX_MANIFEST_SIZE ((size_t) 64 * 1024 * 1024)

/* A file of a remote release, fetched and verified. */
typedef struct RemoteFile
{
	char	   *path;			/* location + relative path: a script's path */
	char	   *data;
	size_t		len;
} RemoteFile;

typedef struct Location
{
	char	   *entry;			/* as configured, for messages */
	char	   *dir;			/* filesystem: the folder, absolute; NULL if remote */
	char	   *remote;			/* https:// or s3:// prefix ending in '/'; NULL if a folder */
} Location;

struct ScriptSource
{
	Location   *locations;
	int			nlocations;
	bool		placeholder_replacement;
	bool		fail_on_missing_locations;	/* else a missing folder is skipped */
	ScriptDecoding decoding;	/* Flyway's encoding, and the server's conversions */
	RemoteFile *remote_files;	/* sorted by path once every location is read */
	int			nremote;
	int			remote_size;
	bool		have_credentials;
	AwsCredentials credentials;
};

/* What one walk collects. */
typedef struct Collected
{
	ResolvedScript **scripts;
	int			nscripts;
	int			scripts_size;
	ResolvedScript **callbacks;
	int			ncallbacks;
	int			callbacks_size;
	char	  **invalid;
	int			ninvalid;
	int			invalid_size;
	char	  **missing;		/* folder locations that do not exist */
	int			nmissing;
	int			missing_size;
} Collected;

/* A folder being walked; the chain of parents detects link loops. */
typedef struct Folder
{
	const char *path;
	dev_t		dev;
	ino_t		ino;
	const struct Folder *parent;
} Folder;

typedef struct Walk
{
	ScriptSource *source;
	const Location *location;
	const ScriptNaming *naming; /* how scripts are named */
	PlaceholderSet *placeholders;
	Collected  *out;
	MigrateError *err;
} Walk;

static void
push(void ***items, int *count, int *size, void *item)
{
	if (*count == *size)
	{
		*size = *size ? *size * 2 : 64;
		*items = *items ? repalloc(*items, sizeof(void *) * *size) : palloc(sizeof(void *) * *size);
	}
	(*items)[(*count)++] = item;
}

static bool
fail(MigrateError *err, const char *sqlstate, const char *detail, const char *hint,
	 const char *fmt,...) pg_attribute_printf(5, 6);

static bool
fail(MigrateError *err, const char *sqlstate, const char *detail, const char *hint,
	 const char *fmt,...)
{
	char		message[2048];
	va_list		args;

	va_start(args, fmt);
	vsnprintf(message, sizeof(message), fmt, args);
	va_end(args);
	migrate_error_set(err, sqlstate, message, detail, hint);
	return false;
}

/* ----------------------------------------------------------------
 *		Locations
 * ---------------------------------------------------------------- */

bool
script_source_is_remote(const char *location)
{
	return remote_location_is_remote(location);
}

static bool
parse_location(const char *entry, Location *loc, MigrateError *err)
{
	char	   *absolute;

	memset(loc, 0, sizeof(*loc));
	loc->entry = pstrdup(entry);
	if (script_source_is_remote(entry))
	{
		RemoteLocationProblem problem = remote_location_check(entry);

		if (problem != REMOTE_LOCATION_OK)
			return fail(err, SQLSTATE_INVALID_PARAMETER_VALUE,
						remote_location_problem_text(entry, problem),
						"Use https://host/prefix/ or s3://bucket/prefix/.",
						"invalid remote location \"%s\" in locations", entry);
		loc->remote = remote_location_normalize(entry);
		return true;
	}
	if (pg_strncasecmp(entry, "filesystem:", 11) != 0 || entry[11] == '\0')
		return fail(err, SQLSTATE_INVALID_PARAMETER_VALUE,
					"Locations are filesystem:, https:// or s3:// entries; Flyway reads one without a prefix from its Java classpath, which the command does not have.",
					"Use filesystem:path/to/folder (relative to the working directory), https://host/prefix/ or s3://bucket/prefix/.",
					"unsupported location \"%s\"", entry);
	/* make_absolute_path() mallocs: keep a palloc'd copy, freed with the rest */
	absolute = make_absolute_path(entry + 11);
	if (absolute == NULL)
		return fail(err, SQLSTATE_INVALID_PARAMETER_VALUE, NULL, NULL,
					"could not resolve location \"%s\"", entry);
	loc->dir = pstrdup(absolute);
	free(absolute);
	canonicalize_path(loc->dir);
	return true;
}

ScriptSource *
script_source_create(char *const *locations, int nlocations, bool placeholder_replacement,
					 bool fail_on_missing_locations, MigrateError *err)
{
	ScriptSource *source = palloc0(sizeof(ScriptSource));

	source->placeholder_replacement = placeholder_replacement;
	source->fail_on_missing_locations = fail_on_missing_locations;
	source->decoding.setting = "-encoding";
	source->locations = palloc0(sizeof(Location) * (nlocations + 1));
	for (int i = 0; i < nlocations; i++)
	{
		if (!parse_location(locations[i], &source->locations[i], err))
			return NULL;
		source->nlocations++;
	}
	if (nlocations == 0)
	{
		fail(err, SQLSTATE_INVALID_PARAMETER_VALUE, NULL,
			 "Give -locations=filesystem:path/to/folder, or set flyway.locations in flyway.conf.",
			 "no locations to read migrations from");
		return NULL;
	}
	return source;
}

void
script_source_set_encoding(ScriptSource *source, const char *encoding, const char *setting)
{
	source->decoding.encoding = encoding;
	source->decoding.setting = setting;
}

void
script_source_set_converter(ScriptSource *source, ScriptConvertFn convert, void *arg)
{
	source->decoding.convert = convert;
	source->decoding.convert_arg = arg;
}

/* ----------------------------------------------------------------
 *		Reading files
 * ---------------------------------------------------------------- */

/*
 * A regular file read whole (NUL-terminated).  Opened without blocking,
 * and its kind checked on the descriptor: a FIFO swapped in is refused.
 * name is opened in the folder of dirfd (AT_FDCWD: name is a path); path
 * names the file in messages.
 */
static bool
read_file_at(int dirfd, const char *name, const char *path, const char *what, char **data,
			 size_t *len, MigrateError *err)
{
	int			fd = openat(dirfd, name, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	struct stat st;
	size_t		done = 0;

	if (fd < 0)
		return fail(err, "58030", NULL, NULL, "could not open %s \"%s\": %s", what, path,
					strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
	{
		const char *kind = file_kind_name(st.st_mode);

		close(fd);
		return fail(err, "42809", NULL, "Only regular files are read from a location.",
					"%s \"%s\" is %s", what, path, kind);
	}
	if (st.st_size > MAX_FILE_SIZE)
	{
		close(fd);
		return fail(err, "54000", NULL, "Split the script.", "%s \"%s\" is too large", what, path);
	}
	*data = palloc(st.st_size + 1);
	while (done < (size_t) st.st_size)
	{
		ssize_t		n = read(fd, *data + done, st.st_size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
		{
			close(fd);
			return fail(err, "58030", NULL, NULL, "could not read %s \"%s\": %s", what, path,
						strerror(errno));
		}
		if (n == 0)
			break;				/* shrank while read: what was there */
		done += n;
	}
	close(fd);
	(*data)[done] = '\0';
	*len = done;
	return true;
}

static bool
read_whole_file(const char *path, const char *what, char **data, size_t *len, MigrateError *err)
{
	return read_file_at(AT_FDCWD, path, path, what, data, len, err);
}

/* ----------------------------------------------------------------
 *		Finding scripts
 * ---------------------------------------------------------------- */

static void
keep_script(Collected *out, ResolvedScript *script)
{
	if (script->kind == SCRIPT_CALLBACK)
		push((void ***) &out->callbacks, &out->ncallbacks, &out->callbacks_size, script);
	else
		push((void ***) &out->scripts, &out->nscripts, &out->scripts_size, script);
}

/*
 * A script's "<script>.sql.conf" first (its encoding, and whether a
 * repeatable's checksum is taken after placeholder replacement), then its
 * text, decoded to UTF-8.
 */
static bool
checksum_script(Walk *w, ResolvedScript *script, const char *conf_path, const char *conf,
				size_t conf_len, const char *data, size_t len)
{
	char	   *text;
	size_t		text_len;
	bool		ok;

	if (conf != NULL &&
		!script_text_apply_conf(script, conf_path, conf, conf_len, w->placeholders,
								w->source->placeholder_replacement, w->err))
		return false;
	if (!script_text_decode(script, &w->source->decoding, data, len, &text, &text_len, w->err))
		return false;
	ok = script_text_checksums(script, text, text_len, w->placeholders,
							   w->source->placeholder_replacement, w->err);
	if (text != data)
		pfree(text);
	return ok;
}

/*
 * A folder's entries, sorted by name (readdir()'s order differs between
 * machines), with readdir()'s idea of each one's kind: a regular file (not
 * a link) needs no stat().  The folder stays open while it is walked, and
 * its files are opened relative to it.
 */
typedef struct FolderEntry
{
	char	   *name;
	unsigned char type;			/* DT_REG, DT_DIR, DT_LNK, DT_UNKNOWN, ... */
} FolderEntry;

typedef struct Listing
{
	DIR		   *dir;
	int			fd;
	FolderEntry *entries;
	int			count;
} Listing;

static int
compare_entries(const void *a, const void *b)
{
	return strcmp(((const FolderEntry *) a)->name, ((const FolderEntry *) b)->name);
}

static bool
listing_has(const Listing *listing, const char *name)
{
	FolderEntry key;

	key.name = (char *) name;
	return bsearch(&key, listing->entries, listing->count, sizeof(FolderEntry),
				   compare_entries) != NULL;
}

/*
 * A script's "<script>.sql.conf" is looked up in its folder's listing, not
 * with a stat() per script: stat() succeeds only for a name listed there
 * (a conf is never hidden: its script's name starts it).
 */
static bool
add_file_script(Walk *w, const Listing *listing, const char *name, const char *path,
				const char *relpath, const ScriptName *parsed)
{
	ResolvedScript *script = resolved_script_new(parsed, relpath, path);
	char	   *conf_name = psprintf("%s.conf", name);
	char	   *conf_path = psprintf("%s.conf", path);
	struct stat st;
	char	   *conf = NULL;
	size_t		conf_len = 0;
	char	   *data;
	size_t		len;
	bool		ok;

	if (listing_has(listing, conf_name) && fstatat(listing->fd, conf_name, &st, 0) == 0 &&
		!read_file_at(listing->fd, conf_name, conf_path, "script configuration file",
					  &conf, &conf_len, w->err))
		return false;
	if (!read_file_at(listing->fd, name, path, "migration script", &data, &len, w->err))
		return false;
	ok = checksum_script(w, script, conf_path, conf, conf_len, data, len);
	pfree(data);
	if (conf)
		pfree(conf);
	pfree(conf_name);
	pfree(conf_path);
	if (ok)
		keep_script(w->out, script);
	return ok;
}

/* One entry of a folder that is not a folder: a script, a bad name, or nothing to us. */
static bool
add_file(Walk *w, const Listing *listing, const char *name, const char *path,
		 const char *relpath, const struct stat *st)
{
	ScriptName	parsed;
	char	   *reason = NULL;
	NameResult	kind = script_name_parse(w->naming, name, &parsed, &reason);
	bool		is_conf = kind == NAME_NOT_SCRIPT && script_naming_is_conf(w->naming, name);

	if (!S_ISREG(st->st_mode))
	{
		if (kind == NAME_OK || is_conf)
			return fail(w->err, "42809", NULL, "Only regular files are read from a location.",
						"%s \"%s\" is %s", is_conf ? "script configuration file" : "migration script",
						path, file_kind_name(st->st_mode));
		return true;
	}
	if (kind == NAME_INVALID)
		push((void ***) &w->out->invalid, &w->out->ninvalid, &w->out->invalid_size,
			 psprintf("%s: %s", relpath, reason));
	else if (kind == NAME_OK)
		return add_file_script(w, listing, name, path, relpath, &parsed);
	return true;
}

static int
compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Open and list a folder; false with *err set when it cannot be read. */
static bool
list_folder(const char *path, Listing *listing, MigrateError *err)
{
	struct dirent *de;
	int			size = 0;

	memset(listing, 0, sizeof(*listing));
	listing->dir = opendir(path);
	if (listing->dir == NULL)
		return fail(err, "58030", NULL, "Check the location and its permissions.",
					"could not read folder \"%s\": %s", path, strerror(errno));
	listing->fd = dirfd(listing->dir);
	while ((de = readdir(listing->dir)) != NULL)
	{
		if (de->d_name[0] == '.')
			continue;			/* hidden, and "." / ".." */
		if (listing->count == size)
		{
			size = size ? size * 2 : 64;
			listing->entries = listing->entries ?
				repalloc(listing->entries, sizeof(FolderEntry) * size) :
				palloc(sizeof(FolderEntry) * size);
		}
		listing->entries[listing->count].name = pstrdup(de->d_name);
		listing->entries[listing->count].type = de->d_type;
		listing->count++;
	}
	if (listing->count > 1)
		qsort(listing->entries, listing->count, sizeof(FolderEntry), compare_entries);
	return true;
}

/*
 * The kind of a folder's entry, links followed, as stat() gives it; only
 * a regular file that is not a link is taken from the listing.  false:
 * there is nothing there (a dangling link, or gone), or *ok = false and
 * *err set.
 */
static bool
entry_stat(Walk *w, const Listing *listing, const FolderEntry *entry, const char *path,
		   struct stat *st, bool *ok)
{
	*ok = true;
	if (entry->type == DT_REG)
	{
		memset(st, 0, sizeof(*st));
		st->st_mode = S_IFREG;
		return true;
	}
	if (fstatat(listing->fd, entry->name, st, 0) == 0)
		return true;
	if (errno != ENOENT && errno != ELOOP)	/* dangling link, or gone */
		*ok = fail(w->err, "58030", NULL, NULL, "could not stat \"%s\": %s", path, strerror(errno));
	return false;
}

static bool
walk_folder(Walk *w, const Folder *folder, const char *reldir, int depth)
{
	Listing		listing;
	bool		ok = true;

	if (depth > MAX_LOCATION_DEPTH)
		return fail(w->err, "54000", psprintf("Stopped at \"%s\".", folder->path),
					"Look for symbolic links that lead from folder to folder.",
					"location \"%s\" is nested more than %d folders deep",
					w->location->entry, MAX_LOCATION_DEPTH);
	if (!list_folder(folder->path, &listing, w->err))
		return false;
	for (int i = 0; ok && i < listing.count; i++)
	{
		const char *name = listing.entries[i].name;
		char	   *path = psprintf("%s/%s", folder->path, name);
		char	   *relpath = reldir[0] ? psprintf("%s/%s", reldir, name) : pstrdup(name);
		struct stat st;

		CHECK_FOR_INTERRUPTS();
		if (!entry_stat(w, &listing, &listing.entries[i], path, &st, &ok))
			continue;
		if (S_ISDIR(st.st_mode))
		{
			Folder		child = {path, st.st_dev, st.st_ino, folder};

			for (const Folder *f = folder; ok && f != NULL; f = f->parent)
				if (f->dev == st.st_dev && f->ino == st.st_ino)
					ok = fail(w->err, "42P17", NULL,
							  "Remove the symbolic link, or point it at a folder outside this one.",
							  "folder \"%s\" is a symbolic link that loops back", path);
			ok = ok && walk_folder(w, &child, relpath, depth + 1);
		}
		else
			ok = add_file(w, &listing, name, path, relpath, &st);
	}
	closedir(listing.dir);
	return ok;
}

static bool
walk_location(Walk *w)
{
	struct stat st;
	Folder		root;
	bool		exists = stat(w->location->dir, &st) == 0;
	bool		absent = !exists && (errno == ENOENT || errno == ENOTDIR);

	/* Flyway's default (failOnMissingLocations off): skipped, the engine warns */
	if (absent && !w->source->fail_on_missing_locations)
	{
		push((void ***) &w->out->missing, &w->out->nmissing, &w->out->missing_size,
			 pstrdup(w->location->entry));
		return true;
	}
	if (!exists || !S_ISDIR(st.st_mode))
		return fail(w->err, "58030", psprintf("\"%s\" is not a readable folder%s.", w->location->dir,
											  absent ? " (it does not exist)" : ""),
					"Relative locations are read from the working directory, as in Flyway.",
					"location \"%s\" is not a readable folder", w->location->entry);
	root.path = w->location->dir;
	root.dev = st.st_dev;
	root.ino = st.st_ino;
	root.parent = NULL;
	return walk_folder(w, &root, "", 0);
}

/* ----------------------------------------------------------------
 *		Remote releases
 * ---------------------------------------------------------------- */

static const char *
s3_endpoint(void)
{
	const char *names[] = {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"};

	for (size_t i = 0; i < lengthof(names); i++)
		if (getenv(names[i]) && getenv(names[i])[0])
			return getenv(names[i]);
	return NULL;
}

/*
 * The CA bundle for https:// and S3: CURL_CA_BUNDLE or SSL_CERT_FILE, as
 * curl and OpenSSL read them; NULL = the system's.
 */
static const char *
ca_file(void)
{
	const char *names[] = {"CURL_CA_BUNDLE", "SSL_CERT_FILE"};

	for (size_t i = 0; i < lengthof(names); i++)
		if (getenv(names[i]) && getenv(names[i])[0])
			return getenv(names[i]);
	return NULL;
}

/* GET one object of a location: the location's prefix followed by name. */
static bool
fetch_object(ScriptSource *source, const char *location, const char *name,
			 const FetchOptions *opts, FetchResponse *resp, MigrateError *err)
{
	RemoteS3Access s3 = {0};

	if (strncmp(location, "s3://", 5) == 0)
	{
		char	   *why = NULL;

		if (!source->have_credentials)
		{
			if (!aws_credentials_resolve(NULL, NULL, NULL, opts, &source->credentials, &why))
				return fail(err, "28000", why,
							"Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run with an AWS role (ECS, EC2).",
							"no AWS credentials to sign S3 requests");
			source->have_credentials = true;
		}
		s3.credentials = &source->credentials;
		s3.region = remote_s3_region(NULL);
		s3.endpoint = s3_endpoint();
	}
	if (remote_fetch_object(location, name, NULL, &s3, opts, resp, err))
		return true;
	err->hint = pstrdup(resp->status == FETCH_REDIRECT_REFUSED ?
						"Publish the release on the location's own host." :
						"Check the location, the network, and for s3:// the AWS_* environment.");
	return false;
}

static void
keep_remote_file(ScriptSource *source, char *path, char *data, size_t len)
{
	if (source->nremote == source->remote_size)
	{
		source->remote_size = source->remote_size ? source->remote_size * 2 : 64;
		source->remote_files = source->remote_files ?
			repalloc(source->remote_files, sizeof(RemoteFile) * source->remote_size) :
			palloc(sizeof(RemoteFile) * source->remote_size);
	}
	source->remote_files[source->nremote].path = path;
	source->remote_files[source->nremote].data = data;
	source->remote_files[source->nremote].len = len;
	source->nremote++;
}

static int
compare_remote_files(const void *a, const void *b)
{
	return strcmp(((const RemoteFile *) a)->path, ((const RemoteFile *) b)->path);
}

static const RemoteFile *
find_remote_file(const ScriptSource *source, const char *path)
{
	RemoteFile	key;

	key.path = (char *) path;
	return bsearch(&key, source->remote_files, source->nremote, sizeof(RemoteFile),
				   compare_remote_files);
}

/* Fetch the manifest and every file it lists, each checked against it. */
static bool
fetch_release(Walk *w, Manifest **manifest)
{
	const char *location = w->location->remote;
	FetchOptions opts;
	FetchResponse resp;

	fetch_options_init(&opts);
	opts.user_agent = "pg_migrate/" PG_MIGRATE_VERSION;
	opts.ca_file = ca_file();
	opts.max_size = MAX_MANIFEST_SIZE;
	if (!fetch_object(w->source, location, MANIFEST_FILE_NAME, &opts, &resp, w->err))
		return false;
	*manifest = remote_manifest_parse(location, &resp, w->err);
	fetch_response_free(&resp);
	if (*manifest == NULL)
		return false;
	for (int i = 0; i < (*manifest)->nfiles; i++)
	{
		const ManifestFile *f = &(*manifest)->files[i];

		CHECK_FOR_INTERRUPTS();
		opts.max_size = Min((size_t) f->size + 1, FETCH_MAX_SIZE_LIMIT);
		if (!fetch_object(w->source, location, f->path, &opts, &resp, w->err))
			return false;
		if (!remote_file_verify(location, f, &resp, w->err))
			return false;
		keep_remote_file(w->source, psprintf("%s%s", location, f->path), resp.body, resp.body_len);
		resp.body = NULL;
		fetch_response_free(&resp);
	}
	return true;
}

/* The scripts of a release, as add_remote_scripts() in locations.c reads them. */
static bool
read_remote_location(Walk *w)
{
	Manifest   *manifest;
	const char *location = w->location->remote;

	if (!fetch_release(w, &manifest))
		return false;
	qsort(w->source->remote_files, w->source->nremote, sizeof(RemoteFile), compare_remote_files);
	for (int i = 0; i < manifest->nfiles; i++)
	{
		const char *relpath = manifest->files[i].path;
		const char *base = strrchr(relpath, '/');
		const RemoteFile *file = find_remote_file(w->source, psprintf("%s%s", location, relpath));
		const RemoteFile *conf;
		ScriptName	name;
		char	   *reason = NULL;
		ResolvedScript *script;
		char	   *conf_path;

		CHECK_FOR_INTERRUPTS();
		base = base ? base + 1 : relpath;
		if (relpath[0] == '.' || strstr(relpath, "/.") != NULL)
			continue;			/* hidden, as in a folder */
		switch (script_name_parse(w->naming, base, &name, &reason))
		{
			case NAME_NOT_SCRIPT:
				break;
			case NAME_INVALID:
				push((void ***) &w->out->invalid, &w->out->ninvalid, &w->out->invalid_size,
					 psprintf("%s: %s", relpath, reason));
				break;
			case NAME_OK:
				script = resolved_script_new(&name, relpath, file->path);
				conf_path = psprintf("%s.conf", file->path);
				conf = find_remote_file(w->source, conf_path);
				if (!checksum_script(w, script, conf_path, conf ? conf->data : NULL,
									 conf ? conf->len : 0, file->data, file->len))
					return false;
				keep_script(w->out, script);
				break;
		}
	}
	manifest_free(manifest);
	return true;
}

/* ----------------------------------------------------------------
 *		The whole set
 * ---------------------------------------------------------------- */

static int
compare_script_paths(const void *a, const void *b)
{
	return strcmp((*(ResolvedScript *const *) a)->path, (*(ResolvedScript *const *) b)->path);
}

static int
compare_callback_names(const void *a, const void *b)
{
	const ResolvedScript *x = *(ResolvedScript *const *) a;
	const ResolvedScript *y = *(ResolvedScript *const *) b;
	int			c = strcmp(x->event, y->event);

	return c != 0 ? c : strcmp(x->description, y->description);
}

/* Two callbacks of one event with one description: Flyway refuses that. */
static bool
reject_duplicate_callbacks(ResolvedScript **callbacks, int n, const ScriptNaming *naming,
						   MigrateError *err)
{
	if (n > 1)
		qsort(callbacks, n, sizeof(ResolvedScript *), compare_callback_names);
	for (int i = 1; i < n; i++)
	{
		const ResolvedScript *prev = callbacks[i - 1];
		const ResolvedScript *cb = callbacks[i];

		if (strcmp(prev->event, cb->event) == 0 && strcmp(prev->description, cb->description) == 0)
			return fail(err, SQLSTATE_DUPLICATE_OBJECT,
						psprintf("Offenders: \"%s\" and \"%s\".", prev->path, cb->path),
						"Rename or remove one of them; nothing was applied.",
						"found more than one SQL callback script called %s%s%s",
						cb->event, cb->description[0] ? naming->separator : "",
						cb->description);
	}
	return true;
}

bool
script_source_find(ScriptSource *source, const ScriptNaming *naming,
				   PlaceholderSet *placeholders, FoundScripts *found, MigrateError *err)
{
	Collected	out;
	Walk		w;

	memset(&out, 0, sizeof(out));
	memset(found, 0, sizeof(*found));
	w.source = source;
	w.naming = naming;
	w.placeholders = placeholders;
	w.out = &out;
	w.err = err;
	source->nremote = 0;		/* a second find fetches the releases again */
	for (int i = 0; i < source->nlocations; i++)
	{
		w.location = &source->locations[i];
		if (!(w.location->remote ? read_remote_location(&w) : walk_location(&w)))
			return false;
	}
	if (!reject_duplicate_callbacks(out.callbacks, out.ncallbacks, naming, err))
		return false;
	if (out.nscripts > 1)
		qsort(out.scripts, out.nscripts, sizeof(ResolvedScript *), compare_script_paths);
	if (out.ninvalid > 1)
		qsort(out.invalid, out.ninvalid, sizeof(char *), compare_strings);
	found->scripts = out.scripts ? out.scripts : palloc0(sizeof(ResolvedScript *));
	found->nscripts = out.nscripts;
	found->callbacks = out.callbacks ? out.callbacks : palloc0(sizeof(ResolvedScript *));
	found->ncallbacks = out.ncallbacks;
	found->invalid_names = out.invalid ? out.invalid : palloc0(sizeof(char *));
	found->ninvalid = out.ninvalid;
	found->missing_locations = out.missing ? out.missing : palloc0(sizeof(char *));
	found->nmissing_locations = out.nmissing;
	return true;
}

/* ----------------------------------------------------------------
 *		Loading a script to run
 * ---------------------------------------------------------------- */

static RunScript *
run_script_from_split(const ResolvedScript *script, char *text, size_t len,
					  const SplitScript *split)
{
	RunScript  *run = run_script_new(script, text, len, split->count, split->transactional);

	run->nstatements = split->count;
	for (int i = 0; i < split->count; i++)
	{
		const SplitStatement *s = &split->statements[i];
		RunStatement *r = &run->statements[i];

		r->location = s->location;
		r->length = s->length;
		r->line = s->line;
		r->transactional = s->transactional;
		r->transaction_control = s->is_transaction_control;
		r->commits_work = s->commits_work;
		r->ends_block = s->ends_block;
		if (s->has_copy_data)
		{
			r->copy_data = text + s->copy_data_start;
			r->copy_len = s->copy_data_len;
			r->copy_line = s->copy_line;
		}
	}
	return run;
}

bool
script_source_load(ScriptSource *source, const ResolvedScript *script,
				   PlaceholderSet *placeholders, RunScript **loaded, MigrateError *err)
{
	char	   *raw = NULL;
	size_t		raw_len = 0;
	char	   *text;
	size_t		len;
	SplitScript split;
	char	   *why = NULL;
	int			line = 0;
	bool		ok;

	if (script_source_is_remote(script->path))
	{
		const RemoteFile *file = find_remote_file(source, script->path);

		if (file == NULL)
			return fail(err, SQLSTATE_INTERNAL_ERROR, NULL, NULL,
						"migration script \"%s\" was not fetched", script->path);
		raw = file->data;
		raw_len = file->len;
	}
	else if (!read_whole_file(script->path, "migration script", &raw, &raw_len, err))
		return false;
	if (!script_text_decode(script, &source->decoding, raw, raw_len, &raw, &raw_len, err) ||
		!script_text_for_run(script, raw, raw_len, placeholders, source->placeholder_replacement,
							 &text, &len, err))
		return false;
	ok = script_split(text, len, &split, &why, &line);
	if (!ok)
	{
		char	   *message = psprintf("migration %s failed at line %d: %s", script->script, line, why);

		migrate_error_set(err, "42601", message,
						  psprintf("The script was read from \"%s\"; nothing of it ran.", script->path),
						  "Fix the script and run the command again.");
		err->line = line;
		free(why);
		return false;
	}
	*loaded = run_script_from_split(script, text, len, &split);
	script_split_free(&split);
	return true;
}
