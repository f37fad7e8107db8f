/*-------------------------------------------------------------------------
 *
 * pg_migrate_manifest.c
 *	  Write the release manifest (pg_migrate.json) for a folder of
 *	  migration scripts, to publish the folder to S3 or an HTTPS server.
 *
 *	  pg_migrate_manifest [--release ID] DIR > pg_migrate.json
 *
 * Walks DIR recursively, skipping hidden files and folders (name starting
 * with '.') and DIR/pg_migrate.json itself; lists every other regular file
 * (symbolic links to files are followed, to folders skipped with a warning)
 * with its size and SHA-256, sorted by path.  The release id defaults to the
 * current UTC time (20240501T120000Z).  Exit status 0 on success, 1 on any
 * error (nothing is written then).
 *
 * IDENTIFICATION
 *	  tools/pg_migrate_manifest.c
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "manifest.h"

static const char *progname = "pg_migrate_manifest";

typedef struct FileList
{
	ManifestFile *files;
	int			n;
	int			cap;
} FileList;

static bool walk(const char *root, const char *rel, FileList *list);
static bool add_file(const char *full, const char *rel, FileList *list);
static void usage(void);

static void
usage(void)
{
	printf("%s writes the release manifest (pg_migrate.json) of a folder of migration scripts.\n\n", progname);
	printf("Usage:\n  %s [--release ID] DIR > DIR/pg_migrate.json\n\n", progname);
	printf("Options:\n");
	printf("  -r, --release=ID   release id (default: the current UTC time, 20240501T120000Z)\n");
	printf("  -h, --help         show this help, then exit\n\n");
	printf("Hidden files and folders and DIR/pg_migrate.json are skipped.  Upload the\n"
		   "scripts first and pg_migrate.json last.\n");
}

/*
 * Read one file whole and add its entry.  Opened non-blocking and checked
 * on the descriptor: a file swapped for a FIFO since walk() looked at it
 * must not block the tool.
 */
static bool
add_file(const char *full, const char *rel, FileList *list)
{
	int			fd;
	FILE	   *f = NULL;
	struct stat st;
	char	   *data;
	size_t		n;
	char	   *err;

	fd = open(full, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0 || (f = fdopen(fd, "rb")) == NULL)
	{
		fprintf(stderr, "%s: could not open \"%s\": %s\n", progname, full, strerror(errno));
		if (fd >= 0)
			close(fd);
		return false;
	}
	if (!S_ISREG(st.st_mode))
	{
		fprintf(stderr, "%s: \"%s\" is no longer a regular file\n", progname, full);
		fclose(f);
		return false;
	}
	if ((uint64) st.st_size > (uint64) MANIFEST_MAX_FILE_SIZE)
	{
		fprintf(stderr, "%s: \"%s\" is larger than " INT64_FORMAT " bytes\n", progname, full,
				(int64) MANIFEST_MAX_FILE_SIZE);
		fclose(f);
		return false;
	}
	data = palloc((size_t) st.st_size + 1);
	n = fread(data, 1, (size_t) st.st_size + 1, f);
	if (ferror(f) || n != (size_t) st.st_size)
	{
		fprintf(stderr, "%s: could not read \"%s\" (it changed while being read?)\n", progname, full);
		fclose(f);
		pfree(data);
		return false;
	}
	fclose(f);
	if (list->n == list->cap)
	{
		list->cap = list->cap ? list->cap * 2 : 64;
		list->files = list->files ? repalloc(list->files, sizeof(ManifestFile) * list->cap)
			: palloc(sizeof(ManifestFile) * list->cap);
	}
	if (!manifest_entry_from_content(rel, data, n, &list->files[list->n], &err))
	{
		fprintf(stderr, "%s: %s\n", progname, err);
		pfree(data);
		return false;
	}
	list->n++;
	pfree(data);
	return true;
}

/* Recurse into root/rel ("" = root itself). */
static bool
walk(const char *root, const char *rel, FileList *list)
{
	char	   *dirpath = rel[0] ? psprintf("%s/%s", root, rel) : pstrdup(root);
	DIR		   *d = opendir(dirpath);
	struct dirent *de;
	bool		ok = true;

	if (d == NULL)
	{
		fprintf(stderr, "%s: could not open folder \"%s\": %s\n", progname, dirpath, strerror(errno));
		pfree(dirpath);
		return false;
	}
	while (ok && (errno = 0, de = readdir(d)) != NULL)
	{
		char	   *full;
		char	   *childrel;
		struct stat lst,
					st;

		if (de->d_name[0] == '.')
			continue;			/* hidden, ".", ".." */
		if (rel[0] == '\0' && strcmp(de->d_name, MANIFEST_FILE_NAME) == 0)
			continue;
		full = psprintf("%s/%s", dirpath, de->d_name);
		childrel = rel[0] ? psprintf("%s/%s", rel, de->d_name) : pstrdup(de->d_name);
		if (lstat(full, &lst) != 0 || stat(full, &st) != 0)
		{
			fprintf(stderr, "%s: could not stat \"%s\": %s\n", progname, full, strerror(errno));
			ok = false;
		}
		else if (S_ISDIR(st.st_mode))
		{
			if (S_ISLNK(lst.st_mode))
				fprintf(stderr, "%s: warning: skipping symbolic link to a folder \"%s\"\n", progname, full);
			else
				ok = walk(root, childrel, list);
		}
		else if (S_ISREG(st.st_mode))
			ok = add_file(full, childrel, list);
		else
			fprintf(stderr, "%s: warning: skipping \"%s\", not a regular file\n", progname, full);
		pfree(full);
		pfree(childrel);
	}
	if (ok && errno != 0)
	{
		fprintf(stderr, "%s: could not read folder \"%s\": %s\n", progname, dirpath, strerror(errno));
		ok = false;
	}
	closedir(d);
	pfree(dirpath);
	return ok;
}

int
main(int argc, char **argv)
{
	static struct option long_options[] = {
		{"release", required_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	const char *release = NULL;
	char		stamp[32];
	char	   *root;
	FileList	list = {NULL, 0, 0};
	char	   *json;
	char	   *err;
	int			c;

	while ((c = getopt_long(argc, argv, "r:h", long_options, NULL)) != -1)
	{
		switch (c)
		{
			case 'r':
				release = optarg;
				break;
			case 'h':
				usage();
				return 0;
			default:
				fprintf(stderr, "Try \"%s --help\" for more information.\n", progname);
				return 1;
		}
	}
	if (optind != argc - 1)
	{
		fprintf(stderr, "%s: give exactly one folder\n", progname);
		fprintf(stderr, "Try \"%s --help\" for more information.\n", progname);
		return 1;
	}
	if (release == NULL)
	{
		time_t		now = time(NULL);

		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", gmtime(&now));
		release = stamp;
	}
	root = pstrdup(argv[optind]);
	while (strlen(root) > 1 && root[strlen(root) - 1] == '/')
		root[strlen(root) - 1] = '\0';

	if (!walk(root, "", &list))
		return 1;
	json = manifest_write(release, list.files, list.n, &err);
	if (json == NULL)
	{
		fprintf(stderr, "%s: %s\n", progname, err);
		return 1;
	}
	if (fputs(json, stdout) == EOF || fflush(stdout) != 0)
	{
		fprintf(stderr, "%s: could not write the manifest: %s\n", progname, strerror(errno));
		return 1;
	}
	fprintf(stderr, "%s: release \"%s\", %d files\n", progname, release, list.n);
	return 0;
}
