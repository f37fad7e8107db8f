/*
 * test_manifest.c
 *	  Unit tests of manifest.c: parsing pg_migrate.json, path rules,
 *	  verifying bodies (size, SHA-256) and writing manifests.
 */
#include "postgres_fe.h"

#include "manifest.h"
#include "unit.h"

#define SHA_ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define SHA_EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static Manifest *
parse(const char *json, char **err)
{
	return manifest_parse(json, strlen(json), err);
}

/* Parse must fail and the message must contain "want". */
static void
expect_fail(const char *json, const char *want, int line)
{
	char	   *err = NULL;
	Manifest   *m = parse(json, &err);

	if (m == NULL && err != NULL && strstr(err, want) != NULL)
		unit_passed++;
	else
	{
		unit_failed++;
		fprintf(stderr, "%s:%d: parse of %s: got %s, want error containing \"%s\"\n",
				__FILE__, line, json, m ? "success" : (err ? err : "(no message)"), want);
	}
	manifest_free(m);
}

#define FAIL(json, want) expect_fail(json, want, __LINE__)

static void
test_parse_ok(void)
{
	char	   *err = NULL;
	Manifest   *m;
	const ManifestFile *f;

	m = parse("{\"release\": \"r1\", \"files\": ["
			  "{\"path\": \"V1__init.sql\", \"size\": 3, \"sha256\": \"" SHA_ABC "\"},"
			  "{\"path\": \"sub/dir/V2__x.sql\", \"size\": 0, \"sha256\": \"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855\", \"extra\": [1]}"
			  "], \"publisher\": {\"by\": \"ci\"}}\n", &err);
	CHECK(m != NULL);
	if (m == NULL)
	{
		fprintf(stderr, "error: %s\n", err);
		return;
	}
	CHECK_STR(m->release, "r1");
	CHECK_INT(m->nfiles, 2);
	CHECK_STR(m->files[0].path, "V1__init.sql");
	CHECK_INT(m->files[0].size, 3);
	CHECK_STR(m->files[0].sha256, SHA_ABC);
	CHECK_STR(m->files[1].sha256, SHA_EMPTY);	/* lower-cased */
	f = manifest_find(m, "sub/dir/V2__x.sql");
	CHECK(f == &m->files[1]);
	CHECK(manifest_find(m, "nope.sql") == NULL);

	CHECK(manifest_verify(&m->files[0], "abc", 3, &err));
	CHECK(manifest_verify(&m->files[1], "", 0, &err));
	CHECK(!manifest_verify(&m->files[0], "abd", 3, &err));
	CHECK(strstr(err, "SHA-256") != NULL && strstr(err, "V1__init.sql") != NULL);
	CHECK(!manifest_verify(&m->files[0], "ab", 2, &err));
	CHECK_STR(err, "V1__init.sql: size is 2 bytes, the manifest says 3");
	manifest_free(m);

	/* empty file list, big but allowed size, 1e3 is integral */
	m = parse("{\"files\": [], \"release\": \"x\"}", &err);
	CHECK(m != NULL && m->nfiles == 0);
	manifest_free(m);
	m = parse("{\"release\": \"x\", \"files\": [{\"path\": \"a\", \"size\": 1e3, \"sha256\": \"" SHA_ABC "\"},"
			  "{\"path\": \"b\", \"size\": 1073741823, \"sha256\": \"" SHA_ABC "\"}]}", &err);
	CHECK(m != NULL && m->files[0].size == 1000 && m->files[1].size == 1073741823);
	manifest_free(m);
	/* non-ASCII UTF-8 path */
	m = parse("{\"release\": \"x\", \"files\": [{\"path\": \"d\xc3\xa9j\xc3\xa0/V1__a.sql\", \"size\": 1, \"sha256\": \"" SHA_ABC "\"}]}", &err);
	CHECK(m != NULL);
	manifest_free(m);
}

static void
test_parse_errors(void)
{
	char	   *err = NULL;

	CHECK(manifest_parse("", 0, &err) == NULL);
	CHECK_STR(err, "manifest is empty");
	FAIL("not json", "not valid JSON");
	FAIL("{\"release\": \"r\", \"files\": []", "not valid JSON");
	FAIL("{\"release\": \"r\", \"files\": []} x", "unexpected data");
	FAIL("[]", "not a JSON object");
	FAIL("\"s\"", "not a JSON object");
	FAIL("{\"files\": []}", "\"release\" is missing");
	FAIL("{\"release\": 1, \"files\": []}", "\"release\" is not a string");
	FAIL("{\"release\": \"\", \"files\": []}", "is empty");
	FAIL("{\"release\": \"a\\nb\", \"files\": []}", "control character");
	FAIL("{\"release\": \"r\"}", "\"files\" is missing");
	FAIL("{\"release\": \"r\", \"files\": {}}", "\"files\" is not an array");
	FAIL("{\"release\": \"r\", \"release\": \"s\", \"files\": []}", "\"release\" more than once");
	FAIL("{\"release\": \"r\", \"files\": [1]}", "files[0] is not an object");
	FAIL("{\"release\": \"r\", \"files\": [{\"size\": 1, \"sha256\": \"" SHA_ABC "\"}]}", "files[0].path is missing");
	FAIL("{\"release\": \"r\", \"files\": [{\"path\": 5, \"size\": 1, \"sha256\": \"" SHA_ABC "\"}]}", "files[0].path is not a string");
	FAIL("{\"release\": \"r\", \"files\": [{\"path\": \"a\", \"path\": \"b\", \"size\": 1, \"sha256\": \"" SHA_ABC "\"}]}", "more than once");
	FAIL("{\"release\": \"r\", \"files\": [{\"path\": \"a\", \"sha256\": \"" SHA_ABC "\"}]}", "files[0].size (\"a\") is missing");
	FAIL("{\"release\": \"r\", \"files\": [{\"path\": \"a\", \"size\": \"1\", \"sha256\": \"" SHA_ABC "\"}]}", "not a number");
	FAIL("{\"release\": \"r\", \"files\": [{\"path\": \"a\", \"size\": -1, \"sha256\": \"" SHA_ABC "\"}]}", "is negative");
	FAIL("{\"release\": \"r\", \"files\": [{\"path\": \"a\", \"size\": 1.5, \"sha256\": \"" SHA_ABC "\"}]}", "not an integer");
	FAIL("{\"release\": \"r\", \"files\": [{\"path\": \"a\", \"size\": 1073741824, \"sha256\": \"" SHA_ABC "\"}]}", "larger than the limit");
	FAIL("{\"release\": \"r\", \"files\": [{\"path\": \"a\", \"size\": 1e300, \"sha256\": \"" SHA_ABC "\"}]}", "larger than the limit");
	FAIL("{\"release\": \"r\", \"files\": [{\"path\": \"a\", \"size\": 1}]}", "sha256 (\"a\") is missing");
	FAIL("{\"release\": \"r\", \"files\": [{\"path\": \"a\", \"size\": 1, \"sha256\": 7}]}", "not a string");
	FAIL("{\"release\": \"r\", \"files\": [{\"path\": \"a\", \"size\": 1, \"sha256\": \"abc\"}]}", "not 64 hex digits");
	FAIL("{\"release\": \"r\", \"files\": [{\"path\": \"a\", \"size\": 1, \"sha256\": \"g" SHA_ABC "\"}]}", "not 64 hex digits");
	FAIL("{\"release\": \"r\", \"files\": [{\"path\": \"a\", \"size\": 1, \"sha256\": \"" "z" SHA_EMPTY "\"}]}", "not 64 hex digits");
	/* second entry bad: index reported */
	FAIL("{\"release\": \"r\", \"files\": [{\"path\": \"a\", \"size\": 1, \"sha256\": \"" SHA_ABC "\"},"
		 "{\"path\": \"../b\", \"size\": 1, \"sha256\": \"" SHA_ABC "\"}]}", "files[1].path \"../b\": path has a \"..\" component");
	FAIL("{\"release\": \"r\", \"files\": [{\"path\": \"a/b\", \"size\": 1, \"sha256\": \"" SHA_ABC "\"},"
		 "{\"path\": \"c\", \"size\": 1, \"sha256\": \"" SHA_ABC "\"},"
		 "{\"path\": \"a/b\", \"size\": 2, \"sha256\": \"" SHA_ABC "\"}]}", "path \"a/b\" is listed more than once");
}

static void
expect_path(const char *path, bool ok, const char *want, int line)
{
	char	   *err = NULL;
	bool		got = manifest_path_valid(path, &err);

	if (got == ok && (ok || strstr(err, want) != NULL))
		unit_passed++;
	else
	{
		unit_failed++;
		fprintf(stderr, "%s:%d: path \"%s\": got %s (%s)\n", __FILE__, line, path,
				got ? "valid" : "invalid", err ? err : "");
	}
}

#define PATH_OK(p) expect_path(p, true, NULL, __LINE__)
#define PATH_BAD(p, w) expect_path(p, false, w, __LINE__)

static void
test_paths(void)
{
	char		longpath[MANIFEST_MAX_PATH_LEN + 2];

	PATH_OK("V1__a.sql");
	PATH_OK("a/b/c/V2__b.sql");
	PATH_OK("..a/b..c/.hidden");
	PATH_OK("name with spaces & %.sql");
	PATH_BAD("", "empty");
	PATH_BAD("/etc/passwd", "absolute");
	PATH_BAD("a\\b.sql", "backslash");
	PATH_BAD("a//b.sql", "empty component");
	PATH_BAD("a/", "empty component");
	PATH_BAD(".", "\".\" component");
	PATH_BAD("a/./b", "\".\" component");
	PATH_BAD("..", "\"..\" component");
	PATH_BAD("a/../../b", "\"..\" component");
	PATH_BAD("a/..", "\"..\" component");
	PATH_BAD("a\tb", "control character");
	PATH_BAD("\xff\xfe.sql", "UTF-8");
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	PATH_BAD(longpath, "longer than");
}

static void
test_write(void)
{
	ManifestFile files[3];
	char	   *err = NULL;
	char	   *json;
	Manifest   *m;

	CHECK(manifest_entry_from_content("b/V2__b.sql", "abc", 3, &files[0], &err));
	CHECK(manifest_entry_from_content("V1__a \"q\".sql", "", 0, &files[1], &err));
	CHECK(manifest_entry_from_content("a.sql", "x", 1, &files[2], &err));
	CHECK_STR(files[0].sha256, SHA_ABC);
	CHECK_STR(files[1].sha256, SHA_EMPTY);
	CHECK(!manifest_entry_from_content("../x", "", 0, &files[2], &err));
	CHECK(strstr(err, "\"..\"") != NULL);

	json = manifest_write("rel \"1\"", files, 3, &err);
	CHECK(json != NULL);
	if (json == NULL)
		return;
	/* sorted by path, byte-wise: "V1..." < "a.sql" < "b/..." */
	CHECK(strstr(json, "V1__a \\\"q\\\".sql") < strstr(json, "\"a.sql\""));
	CHECK(strstr(json, "\"a.sql\"") < strstr(json, "\"b/V2__b.sql\""));
	m = manifest_parse(json, strlen(json), &err);
	CHECK(m != NULL);
	if (m)
	{
		CHECK_STR(m->release, "rel \"1\"");
		CHECK_INT(m->nfiles, 3);
		CHECK_STR(m->files[0].path, "V1__a \"q\".sql");
		CHECK_STR(m->files[2].path, "b/V2__b.sql");
		CHECK_INT(m->files[2].size, 3);
		CHECK(manifest_verify(manifest_find(m, "b/V2__b.sql"), "abc", 3, &err));
		manifest_free(m);
	}

	json = manifest_write("r", files, 0, &err);
	CHECK_STR(json, "{\n  \"release\": \"r\",\n  \"files\": []\n}\n");
	m = manifest_parse(json, strlen(json), &err);
	CHECK(m != NULL && m->nfiles == 0);
	manifest_free(m);

	files[2] = files[0];
	CHECK(manifest_write("r", files, 3, &err) == NULL);
	CHECK(strstr(err, "more than once") != NULL);
	CHECK(manifest_write("", files, 1, &err) == NULL);
	CHECK(manifest_write(NULL, files, 1, &err) == NULL);
}

int
main(void)
{
	test_parse_ok();
	test_parse_errors();
	test_paths();
	test_write();
	return unit_summary("manifest");
}
