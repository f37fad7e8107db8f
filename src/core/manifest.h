/*-------------------------------------------------------------------------
 *
 * manifest.h
 *	  Release manifests (pg_migrate.json): parsing, checking downloaded
 *	  scripts against them, and writing them.
 *
 * A release published to HTTPS or S3 is a folder of scripts plus a manifest
 * at the prefix, uploaded last:
 *
 *	  {"release": "<any non-empty id>",
 *	   "files": [{"path": "V1__init.sql", "size": 123, "sha256": "<64 hex>"}]}
 *
 * Rules (manifest_parse):
 *	- strict on types: "release" a non-empty string (at most
 *	  MANIFEST_MAX_RELEASE_LEN bytes, no control characters), "files" an array
 *	  of objects, "path" a string, "size" a non-negative integral number no
 *	  larger than MANIFEST_MAX_FILE_SIZE, "sha256" a string of exactly 64 hex
 *	  digits (either case; kept in lower case);
 *	- tolerant of extra keys, at the top level and in each file entry, so a
 *	  newer publisher can add fields without breaking older databases; but a
 *	  known key given twice in one object is an error (JSON leaves that
 *	  undefined, and the two values could differ);
 *	- paths are relative, '/'-separated, without backslashes, empty
 *	  components ("a//b", "a/", "/a"), "." or ".." components or control
 *	  characters, at most MANIFEST_MAX_PATH_LEN bytes, and unique (byte-wise).
 *	  Sub-folders are allowed.
 *	- "files" may be empty (a release without scripts).
 *
 * Pure logic: no backend-only calls, builds with -DFRONTEND too.  Memory is
 * palloc'd in CurrentMemoryContext; errors are returned as palloc'd
 * sentences, never thrown (except palloc's own out-of-memory error in a
 * backend; cJSON's tree is malloc'd and would leak in that case only).
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_MIGRATE_MANIFEST_H
#define PG_MIGRATE_MANIFEST_H

#define MANIFEST_FILE_NAME			"pg_migrate.json"
#define MANIFEST_MAX_FILE_SIZE		((int64) 1024 * 1024 * 1024 - 1)	/* < 1 GB: fits a text value */
#define MANIFEST_MAX_PATH_LEN		1024
#define MANIFEST_MAX_RELEASE_LEN	256
#define MANIFEST_MAX_FILES			1000000

typedef struct ManifestFile
{
	char	   *path;			/* relative to the release prefix */
	int64		size;			/* bytes */
	char		sha256[65];		/* 64 lower-case hex digits + NUL */
} ManifestFile;

typedef struct Manifest
{
	char	   *release;
	int			nfiles;
	ManifestFile *files;		/* in manifest order */
} Manifest;

/*
 * Parse a manifest from json[0..len).  Returns NULL and sets *errmsg on any
 * violation of the rules above; the message names the offending entry
 * ("files[3].path ...").
 */
extern Manifest *manifest_parse(const char *json, size_t len, char **errmsg);

/* Free a manifest returned by manifest_parse (NULL is allowed). */
extern void manifest_free(Manifest *m);

/* The entry for "path", or NULL (linear search). */
extern const ManifestFile *manifest_find(const Manifest *m, const char *path);

/*
 * Check one path against the path rules.  Returns false and sets *errmsg
 * (a sentence without the path itself, so callers can prefix it) if bad.
 */
extern bool manifest_path_valid(const char *path, char **errmsg);

/*
 * Compute the SHA-256 of data[0..len) as 64 lower-case hex digits into
 * out[65].  Returns false and sets *errmsg if the hash could not be computed.
 */
extern bool manifest_sha256_hex(const char *data, size_t len, char *out, char **errmsg);

/*
 * Check a downloaded body against its manifest entry: size first, then
 * SHA-256.  Returns false and sets *errmsg ("V1__a.sql: size is 12 bytes,
 * the manifest says 13") on mismatch.
 */
extern bool manifest_verify(const ManifestFile *entry, const char *data, size_t len,
							char **errmsg);

/*
 * Fill *entry for path and content data[0..len) (path is copied, the hash
 * computed).  Returns false and sets *errmsg if the path is invalid, the
 * content too large, or the hash fails.
 */
extern bool manifest_entry_from_content(const char *path, const char *data, size_t len,
										ManifestFile *entry, char **errmsg);

/*
 * Write a manifest as JSON text (one file entry per line, sorted by path
 * byte-wise, ending in a newline).  Checks the release id and every path and
 * rejects duplicates, so that what is written always parses.  Returns NULL
 * and sets *errmsg on error.
 */
extern char *manifest_write(const char *release, const ManifestFile *files, int nfiles,
							char **errmsg);

#endif							/* PG_MIGRATE_MANIFEST_H */
