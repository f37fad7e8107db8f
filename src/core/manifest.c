/*-------------------------------------------------------------------------
 *
 * manifest.c
 *	  Release manifests (pg_migrate.json) of remote script locations: parse
 *	  and check them, verify downloaded scripts against them (size and
 *	  SHA-256), and write them (for tools/pg_migrate_manifest).
 *
 * The rules are described in manifest.h.  Pure logic: builds as backend
 * code and with -DFRONTEND; no ereport/elog, errors are returned as palloc'd
 * strings.  cJSON allocates with malloc; its tree is always deleted before
 * returning, and no loop checks for interrupts while it lives (a cancel
 * would leak it): the checks come once it is gone.
 *
 * IDENTIFICATION
 *	  src/core/manifest.c
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include <cjson/cJSON.h>

#include "common/cryptohash.h"
#include "common/sha2.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"

#include "interrupts.h"
#include "manifest.h"

static bool text_valid(const char *s, size_t maxlen, const char *what, char **errmsg);
static int	compare_entry_ptrs(const void *a, const void *b);
static bool check_duplicates(const ManifestFile *files, int nfiles, char **errmsg);
static bool parse_file_entry(const cJSON *item, int i, ManifestFile *out, char **errmsg);
static void append_json_string(StringInfo buf, const char *s);

/*
 * text_valid
 *		A string from the manifest must be valid UTF-8 (it ends up in a text
 *		column), non-empty, not too long and free of control characters.
 */
static bool
text_valid(const char *s, size_t maxlen, const char *what, char **errmsg)
{
	size_t		len = strlen(s);
	size_t		i;

	if (len == 0)
	{
		*errmsg = psprintf("%s is empty", what);
		return false;
	}
	if (len > maxlen)
	{
		*errmsg = psprintf("%s is longer than %zu bytes", what, maxlen);
		return false;
	}
	for (i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (c < 0x20 || c == 0x7f)
		{
			*errmsg = psprintf("%s contains a control character", what);
			return false;
		}
	}
	if (pg_encoding_verifymbstr(PG_UTF8, s, (int) len) != (int) len)
	{
		*errmsg = psprintf("%s is not valid UTF-8", what);
		return false;
	}
	return true;
}

/*
 * manifest_path_valid
 *		Relative, '/'-separated, no backslash, no empty/"."/".." component.
 */
bool
manifest_path_valid(const char *path, char **errmsg)
{
	const char *p;

	if (!text_valid(path, MANIFEST_MAX_PATH_LEN, "path", errmsg))
		return false;
	if (path[0] == '/')
	{
		*errmsg = pstrdup("path is absolute");
		return false;
	}
	if (strchr(path, '\\') != NULL)
	{
		*errmsg = pstrdup("path contains a backslash");
		return false;
	}
	p = path;
	for (;;)
	{
		const char *slash = strchr(p, '/');
		size_t		clen = slash ? (size_t) (slash - p) : strlen(p);

		if (clen == 0)
		{
			*errmsg = pstrdup("path has an empty component");
			return false;
		}
		if ((clen == 1 && p[0] == '.') || (clen == 2 && p[0] == '.' && p[1] == '.'))
		{
			*errmsg = psprintf("path has a \"%.*s\" component", (int) clen, p);
			return false;
		}
		if (slash == NULL)
			break;
		p = slash + 1;
	}
	return true;
}

static int
compare_entry_ptrs(const void *a, const void *b)
{
	const ManifestFile *fa = *(const ManifestFile *const *) a;
	const ManifestFile *fb = *(const ManifestFile *const *) b;

	return strcmp(fa->path, fb->path);
}

/* Reject two entries with the same path (O(n log n)). */
static bool
check_duplicates(const ManifestFile *files, int nfiles, char **errmsg)
{
	const ManifestFile **sorted;
	int			i;
	bool		ok = true;

	if (nfiles < 2)
		return true;
	sorted = palloc(sizeof(ManifestFile *) * nfiles);
	for (i = 0; i < nfiles; i++)
		sorted[i] = &files[i];
	qsort(sorted, nfiles, sizeof(ManifestFile *), compare_entry_ptrs);
	for (i = 1; i < nfiles; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (strcmp(sorted[i - 1]->path, sorted[i]->path) == 0)
		{
			*errmsg = psprintf("path \"%s\" is listed more than once", sorted[i]->path);
			ok = false;
			break;
		}
	}
	pfree(sorted);
	return ok;
}

/* One element of "files". */
static bool
parse_file_entry(const cJSON *item, int i, ManifestFile *out, char **errmsg)
{
	const cJSON *child;
	const cJSON *path = NULL;
	const cJSON *size = NULL;
	const cJSON *sha = NULL;
	char	   *why;
	double		d;
	int			k;

	if (!cJSON_IsObject(item))
	{
		*errmsg = psprintf("files[%d] is not an object", i);
		return false;
	}
	cJSON_ArrayForEach(child, item)
	{
		const cJSON **slot = NULL;

		if (child->string == NULL)
			continue;
		if (strcmp(child->string, "path") == 0)
			slot = &path;
		else if (strcmp(child->string, "size") == 0)
			slot = &size;
		else if (strcmp(child->string, "sha256") == 0)
			slot = &sha;
		else
			continue;			/* extra keys are allowed */
		if (*slot != NULL)
		{
			*errmsg = psprintf("files[%d] has key \"%s\" more than once", i, child->string);
			return false;
		}
		*slot = child;
	}

	if (path == NULL || !cJSON_IsString(path))
	{
		*errmsg = psprintf("files[%d].path is %s", i, path ? "not a string" : "missing");
		return false;
	}
	if (!manifest_path_valid(path->valuestring, &why))
	{
		*errmsg = psprintf("files[%d].path \"%s\": %s", i, path->valuestring, why);
		return false;
	}

	if (size == NULL || !cJSON_IsNumber(size))
	{
		*errmsg = psprintf("files[%d].size (\"%s\") is %s", i, path->valuestring,
						   size ? "not a number" : "missing");
		return false;
	}
	d = size->valuedouble;
	if (!(d >= 0.0))
	{
		*errmsg = psprintf("files[%d].size (\"%s\") is negative", i, path->valuestring);
		return false;
	}
	if (d > (double) MANIFEST_MAX_FILE_SIZE)
	{
		*errmsg = psprintf("files[%d].size (\"%s\") is larger than the limit of " INT64_FORMAT " bytes",
						   i, path->valuestring, (int64) MANIFEST_MAX_FILE_SIZE);
		return false;
	}
	if ((double) (int64) d != d)
	{
		*errmsg = psprintf("files[%d].size (\"%s\") is not an integer", i, path->valuestring);
		return false;
	}

	if (sha == NULL || !cJSON_IsString(sha))
	{
		*errmsg = psprintf("files[%d].sha256 (\"%s\") is %s", i, path->valuestring,
						   sha ? "not a string" : "missing");
		return false;
	}
	if (strlen(sha->valuestring) != 64)
	{
		*errmsg = psprintf("files[%d].sha256 (\"%s\") is not 64 hex digits", i, path->valuestring);
		return false;
	}
	for (k = 0; k < 64; k++)
	{
		char		c = sha->valuestring[k];

		if (c >= 'A' && c <= 'F')
			c = c - 'A' + 'a';
		else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
		{
			*errmsg = psprintf("files[%d].sha256 (\"%s\") is not 64 hex digits", i, path->valuestring);
			return false;
		}
		out->sha256[k] = c;
	}
	out->sha256[64] = '\0';
	out->path = pstrdup(path->valuestring);
	out->size = (int64) d;
	return true;
}

/*
 * manifest_parse
 *		See manifest.h.
 */
Manifest *
manifest_parse(const char *json, size_t len, char **errmsg)
{
	cJSON	   *root;
	const char *end = NULL;
	const cJSON *child;
	const cJSON *release = NULL;
	const cJSON *files = NULL;
	Manifest   *m = NULL;
	char	   *why;
	int			n;
	int			i;

	*errmsg = NULL;
	if (json == NULL || len == 0)
	{
		*errmsg = pstrdup("manifest is empty");
		return NULL;
	}
	root = cJSON_ParseWithLengthOpts(json, len, &end, false);
	if (root == NULL)
	{
		size_t		off = (end != NULL && end >= json && end <= json + len) ? (size_t) (end - json) : 0;

		*errmsg = psprintf("manifest is not valid JSON (near byte %zu)", off);
		return NULL;
	}
	/* only white space may follow the value */
	while (end != NULL && end < json + len &&
		   (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
		end++;
	if (end != NULL && end < json + len)
	{
		*errmsg = psprintf("manifest is not valid JSON (unexpected data at byte %zu)",
						   (size_t) (end - json));
		goto done;
	}
	if (!cJSON_IsObject(root))
	{
		*errmsg = pstrdup("manifest is not a JSON object");
		goto done;
	}
	cJSON_ArrayForEach(child, root)
	{
		const cJSON **slot = NULL;

		if (child->string == NULL)
			continue;
		if (strcmp(child->string, "release") == 0)
			slot = &release;
		else if (strcmp(child->string, "files") == 0)
			slot = &files;
		else
			continue;			/* extra keys are allowed */
		if (*slot != NULL)
		{
			*errmsg = psprintf("manifest has key \"%s\" more than once", child->string);
			goto done;
		}
		*slot = child;
	}
	if (release == NULL || !cJSON_IsString(release))
	{
		*errmsg = psprintf("manifest \"release\" is %s", release ? "not a string" : "missing");
		goto done;
	}
	if (!text_valid(release->valuestring, MANIFEST_MAX_RELEASE_LEN, "manifest \"release\"", &why))
	{
		*errmsg = why;
		goto done;
	}
	if (files == NULL || !cJSON_IsArray(files))
	{
		*errmsg = psprintf("manifest \"files\" is %s", files ? "not an array" : "missing");
		goto done;
	}
	n = cJSON_GetArraySize(files);
	if (n > MANIFEST_MAX_FILES)
	{
		*errmsg = psprintf("manifest lists more than %d files", MANIFEST_MAX_FILES);
		goto done;
	}

	m = palloc0(sizeof(Manifest));
	m->release = pstrdup(release->valuestring);
	m->files = palloc0(sizeof(ManifestFile) * (n > 0 ? n : 1));
	i = 0;
	cJSON_ArrayForEach(child, files)
	{
		if (!parse_file_entry(child, i, &m->files[i], errmsg))
		{
			m->nfiles = i;
			manifest_free(m);
			m = NULL;
			goto done;
		}
		i++;
	}
	m->nfiles = i;
	cJSON_Delete(root);
	root = NULL;
	if (!check_duplicates(m->files, m->nfiles, errmsg))
	{
		manifest_free(m);
		m = NULL;
	}

done:
	cJSON_Delete(root);
	return m;
}

void
manifest_free(Manifest *m)
{
	int			i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nfiles; i++)
		if (m->files[i].path)
			pfree(m->files[i].path);
	if (m->files)
		pfree(m->files);
	if (m->release)
		pfree(m->release);
	pfree(m);
}

const ManifestFile *
manifest_find(const Manifest *m, const char *path)
{
	int			i;

	for (i = 0; i < m->nfiles; i++)
		if (strcmp(m->files[i].path, path) == 0)
			return &m->files[i];
	return NULL;
}

/*
 * manifest_sha256_hex
 *		SHA-256 through PostgreSQL's cryptohash API (OpenSSL when built with
 *		it).  pg_cryptohash_create returns NULL on out-of-memory in both
 *		frontend and backend, it does not throw.
 */
bool
manifest_sha256_hex(const char *data, size_t len, char *out, char **errmsg)
{
	static const char hex[] = "0123456789abcdef";
	pg_cryptohash_ctx *ctx;
	uint8		digest[PG_SHA256_DIGEST_LENGTH];
	size_t		done;
	size_t		chunk = 0;
	bool		ok;
	int			i;

	ctx = pg_cryptohash_create(PG_SHA256);
	if (ctx == NULL)
	{
		*errmsg = pstrdup("could not compute SHA-256: out of memory");
		return false;
	}
	ok = pg_cryptohash_init(ctx) == 0;
	/* a megabyte at a time, so that a cancel gets in (the backend's resource owner frees ctx) */
	for (done = 0; ok && done < len; done += chunk)
	{
		CHECK_FOR_INTERRUPTS();
		chunk = Min(len - done, INTERRUPT_CHECK_BYTES);
		ok = pg_cryptohash_update(ctx, (const uint8 *) data + done, chunk) == 0;
	}
	if (!ok || pg_cryptohash_final(ctx, digest, sizeof(digest)) < 0)
	{
		*errmsg = psprintf("could not compute SHA-256: %s", pg_cryptohash_error(ctx));
		pg_cryptohash_free(ctx);
		return false;
	}
	pg_cryptohash_free(ctx);
	for (i = 0; i < PG_SHA256_DIGEST_LENGTH; i++)
	{
		out[2 * i] = hex[digest[i] >> 4];
		out[2 * i + 1] = hex[digest[i] & 0xf];
	}
	out[64] = '\0';
	return true;
}

/*
 * manifest_verify
 *		Size first (cheap, and the clearer message for a truncated body),
 *		then the hash.
 */
bool
manifest_verify(const ManifestFile *entry, const char *data, size_t len, char **errmsg)
{
	char		got[65];

	if ((uint64) len != (uint64) entry->size)
	{
		*errmsg = psprintf("%s: size is %zu bytes, the manifest says " INT64_FORMAT,
						   entry->path, len, entry->size);
		return false;
	}
	if (!manifest_sha256_hex(data, len, got, errmsg))
		return false;
	if (strcmp(got, entry->sha256) != 0)
	{
		*errmsg = psprintf("%s: SHA-256 is %s, the manifest says %s",
						   entry->path, got, entry->sha256);
		return false;
	}
	return true;
}

bool
manifest_entry_from_content(const char *path, const char *data, size_t len,
							ManifestFile *entry, char **errmsg)
{
	char	   *why;

	if (!manifest_path_valid(path, &why))
	{
		*errmsg = psprintf("\"%s\": %s", path, why);
		return false;
	}
	if ((uint64) len > (uint64) MANIFEST_MAX_FILE_SIZE)
	{
		*errmsg = psprintf("\"%s\": larger than the limit of " INT64_FORMAT " bytes",
						   path, (int64) MANIFEST_MAX_FILE_SIZE);
		return false;
	}
	if (!manifest_sha256_hex(data, len, entry->sha256, errmsg))
		return false;
	entry->path = pstrdup(path);
	entry->size = (int64) len;
	return true;
}

/* JSON string literal; the input is already known to be valid UTF-8. */
static void
append_json_string(StringInfo buf, const char *s)
{
	appendStringInfoChar(buf, '"');
	for (; *s; s++)
	{
		unsigned char c = (unsigned char) *s;

		if (c == '"' || c == '\\')
		{
			appendStringInfoChar(buf, '\\');
			appendStringInfoChar(buf, (char) c);
		}
		else if (c < 0x20 || c == 0x7f)
			appendStringInfo(buf, "\\u%04x", c);
		else
			appendStringInfoChar(buf, (char) c);
	}
	appendStringInfoChar(buf, '"');
}

/*
 * manifest_write
 *		See manifest.h.  Output example:
 *
 *		{
 *		  "release": "2024-05-01.1",
 *		  "files": [
 *		    {"path": "V1__init.sql", "size": 9, "sha256": "..."}
 *		  ]
 *		}
 */
char *
manifest_write(const char *release, const ManifestFile *files, int nfiles, char **errmsg)
{
	const ManifestFile **sorted;
	StringInfoData buf;
	char	   *why;
	int			i;

	*errmsg = NULL;
	if (release == NULL ||
		!text_valid(release, MANIFEST_MAX_RELEASE_LEN, "release id", &why))
	{
		*errmsg = release ? why : pstrdup("release id is missing");
		return NULL;
	}
	if (nfiles < 0 || nfiles > MANIFEST_MAX_FILES)
	{
		*errmsg = psprintf("a manifest lists at most %d files", MANIFEST_MAX_FILES);
		return NULL;
	}
	for (i = 0; i < nfiles; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (!manifest_path_valid(files[i].path, &why))
		{
			*errmsg = psprintf("\"%s\": %s", files[i].path, why);
			return NULL;
		}
		if (files[i].size < 0 || files[i].size > MANIFEST_MAX_FILE_SIZE)
		{
			*errmsg = psprintf("\"%s\": size out of range", files[i].path);
			return NULL;
		}
		if (strlen(files[i].sha256) != 64 ||
			strspn(files[i].sha256, "0123456789abcdef") != 64)
		{
			*errmsg = psprintf("\"%s\": sha256 is not 64 lower-case hex digits", files[i].path);
			return NULL;
		}
	}
	if (!check_duplicates(files, nfiles, errmsg))
		return NULL;

	sorted = palloc(sizeof(ManifestFile *) * (nfiles > 0 ? nfiles : 1));
	for (i = 0; i < nfiles; i++)
		sorted[i] = &files[i];
	if (nfiles > 1)
		qsort(sorted, nfiles, sizeof(ManifestFile *), compare_entry_ptrs);

	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\n  \"release\": ");
	append_json_string(&buf, release);
	appendStringInfoString(&buf, ",\n  \"files\": [");
	for (i = 0; i < nfiles; i++)
	{
		CHECK_FOR_INTERRUPTS();
		appendStringInfoString(&buf, i == 0 ? "\n    {\"path\": " : ",\n    {\"path\": ");
		append_json_string(&buf, sorted[i]->path);
		appendStringInfo(&buf, ", \"size\": " INT64_FORMAT ", \"sha256\": \"%s\"}",
						 sorted[i]->size, sorted[i]->sha256);
	}
	appendStringInfoString(&buf, nfiles > 0 ? "\n  ]\n}\n" : "]\n}\n");
	pfree(sorted);
	return buf.data;
}
