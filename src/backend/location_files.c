/*-------------------------------------------------------------------------
 *
 * location_files.c
 *	  Opening the files and folders of a filesystem: location so that
 *	  nothing outside it is read and nothing but regular files is opened.
 *
 * Who may write into a location need not be able to read the server's own
 * files, yet the server reads the location with its own rights and shows
 * what it read (migrate_plan() returns the statements, a .conf file's
 * error quotes its key).  So:
 *
 *	- The location is resolved once (realpath) and everything read must lie
 *	  under that real path.  A symbolic link may point elsewhere inside the
 *	  location; one that leads outside is refused, unless a superuser set
 *	  pg_migrate.allow_symlinks_outside_locations.  The location itself may
 *	  be a link (/srv/migrations -> /data/releases/42).
 *	- Only regular files are opened.  Their kind is checked before open()
 *	  (a FIFO would block open() in the kernel, where neither cancel nor
 *	  terminate reaches; a device would be read without end), and open()
 *	  itself uses O_NONBLOCK and O_NOCTTY so that a file swapped for a FIFO
 *	  or a terminal in between cannot block or become a controlling
 *	  terminal either; fstat() of the open descriptor decides.
 *	- Race-free by verification: what is opened is compared with what was
 *	  checked (device and inode).  A file of a folder being walked is opened
 *	  relative to that folder's descriptor with O_NOFOLLOW, so a link put in
 *	  its place between the check and the open is seen.  A file reached
 *	  through a link, or by a full path, is opened first and then its real
 *	  path is checked to be inside and to hold the very file opened.  A
 *	  folder is opened by its real path and its identity compared with the
 *	  one examined.
 *	- Folders reached through links are walked only inside the location,
 *	  and never when they contain the link (a loop).
 *	- A file over LOCATION_MAX_FILE_SIZE is refused from its size, before it
 *	  is read, and the read stops there should the file grow meanwhile.
 *
 * No message shows anything read from a refused file.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "miscadmin.h"
#include "storage/fd.h"
#include "utils/memutils.h"

#include "file_kind.h"
#include "location_files.h"

#define OPEN_FLAGS	(O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)

/* realpath() into palloc'd memory, or NULL with errno set. */
static char *
real_path_of(const char *path)
{
	char	   *resolved = realpath(path, NULL);
	char	   *result;

	if (resolved == NULL)
		return NULL;
	result = pstrdup(resolved);
	free(resolved);
	return result;
}

static bool
path_is_inside(const char *real, const char *root_real)
{
	size_t		n = strlen(root_real);

	if (strcmp(root_real, "/") == 0)
		return true;
	return strncmp(real, root_real, n) == 0 && (real[n] == '\0' || real[n] == '/');
}

static bool
same_identity(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

void
location_refuse_not_regular(const char *what, const char *path, const LocationEntry *entry)
{
	ereport(ERROR,
			(errcode(ERRCODE_WRONG_OBJECT_TYPE),
			 errmsg("%s \"%s\" is not a regular file", what, path),
			 entry->is_link ?
			 errdetail("It is a symbolic link to %s.", file_kind_name(entry->st.st_mode)) :
			 errdetail("It is %s.", file_kind_name(entry->st.st_mode)),
			 errhint("Replace it with a regular file, or remove it: pg_migrate reads only regular files from a location.")));
}

static void
refuse_outside(const char *what, const char *path, const char *real, const char *root_real)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("%s \"%s\" is a symbolic link that leads outside its location", what, path),
			 errdetail("It resolves to \"%s\", which is not under the location's folder \"%s\".",
					   real, root_real),
			 errhint("Copy what it points to into the location, or have a superuser set pg_migrate.allow_symlinks_outside_locations = on.")));
}

static void
refuse_changed(const char *what, const char *path)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("%s \"%s\" changed while it was being opened", what, path),
			 errdetail("What was opened is not the file that was checked: it was replaced in between."),
			 errhint("Call the function again once nothing is modifying the location.")));
}

void
location_open_root(const char *entry, const char *dir, LocationFolder *root)
{
	char	   *real = real_path_of(dir);
	struct stat st;

	if (real == NULL || stat(real, &st) < 0 || !S_ISDIR(st.st_mode))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FILE),
				 errmsg("location \"%s\" is not a readable folder", entry),
				 errdetail("stat(\"%s\") failed or it is not a folder.", dir),
				 errhint("Check pg_migrate.locations, and that the server's operating-system user can read the folder.")));
	root->path = dir;
	root->real = real;
	root->dev = st.st_dev;
	root->ino = st.st_ino;
	root->parent = NULL;
}

DIR *
location_open_folder(const LocationFolder *folder)
{
	DIR		   *d = AllocateDir(folder->real);
	struct stat st;

	/* ReadDir() reports a failed open with the folder's name */
	if (d != NULL && (fstat(dirfd(d), &st) < 0 || st.st_dev != folder->dev ||
					  st.st_ino != folder->ino))
	{
		FreeDir(d);
		refuse_changed("folder", folder->path);
	}
	return d;
}

/* A folder reached through a link: inside the location, and not a loop. */
static void
check_linked_folder(const LocationFolder *root, const LocationFolder *folder,
					const char *path, const struct stat *st, LocationFolder *child)
{
	char	   *real = real_path_of(path);
	const LocationFolder *up;

	if (real == NULL)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not resolve the symbolic link \"%s\": %m", path)));
	if (!pgm_allow_symlinks_outside_locations && !path_is_inside(real, root->real))
		refuse_outside("folder", path, real, root->real);
	for (up = folder; up != NULL; up = up->parent)
		if (up->dev == st->st_dev && up->ino == st->st_ino)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_RECURSION),
					 errmsg("folder \"%s\" is a symbolic link that loops back", path),
					 errdetail("It resolves to \"%s\", a folder that contains the link.", real),
					 errhint("Remove the link, or point it at a folder that does not contain it.")));
	child->real = real;
}

void
location_examine(const LocationFolder *root, const LocationFolder *folder, int dirfd,
				 const char *name, const char *path, unsigned char d_type,
				 LocationEntry *entry, LocationFolder *child)
{
	memset(entry, 0, sizeof(*entry));
	if (d_type == DT_REG)
	{
		/* a plain file: checked when opened; spares a stat per script */
		entry->kind = LOCATION_ENTRY_FILE;
		return;
	}
	entry->kind = LOCATION_ENTRY_GONE;
	if (fstatat(dirfd, name, &entry->st, AT_SYMLINK_NOFOLLOW) < 0)
	{
		if (errno != ENOENT)
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not stat \"%s\": %m", path)));
		return;					/* removed as we read */
	}
	if (S_ISLNK(entry->st.st_mode))
	{
		entry->is_link = true;
		if (fstatat(dirfd, name, &entry->st, 0) < 0)
		{
			if (errno != ENOENT && errno != ELOOP)
				ereport(ERROR,
						(errcode_for_file_access(),
						 errmsg("could not stat \"%s\": %m", path)));
			return;				/* dangling, as Flyway ignores it */
		}
	}
	if (S_ISREG(entry->st.st_mode))
		entry->kind = LOCATION_ENTRY_FILE;
	else if (S_ISDIR(entry->st.st_mode))
	{
		entry->kind = LOCATION_ENTRY_FOLDER;
		child->path = path;
		child->dev = entry->st.st_dev;
		child->ino = entry->st.st_ino;
		child->parent = folder;
		if (entry->is_link)
			check_linked_folder(root, folder, path, &entry->st, child);
		else
			child->real = psprintf("%s/%s", folder->real, name);
	}
	else
		entry->kind = LOCATION_ENTRY_OTHER;
}

/*
 * Open a file to read, with every check of the file header; returns the
 * descriptor (the caller closes it) and its fstat() in *st.
 */
static int
open_location_file(const char *root_real, int dirfd, const char *name, const char *path,
				   const char *what, struct stat *st)
{
	LocationEntry entry;
	int			fd;
	char	   *real;
	struct stat at_real;

	memset(&entry, 0, sizeof(entry));

	/* An entry of a folder being walked: a plain file is inside already. */
	if (dirfd != AT_FDCWD)
	{
		if (fstatat(dirfd, name, &entry.st, AT_SYMLINK_NOFOLLOW) < 0)
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not open %s \"%s\": %m", what, path)));
		if (S_ISREG(entry.st.st_mode))
		{
			fd = openat(dirfd, name, OPEN_FLAGS | O_NOFOLLOW);
			if (fd < 0)
			{
				if (errno == ELOOP)
					refuse_changed(what, path);
				ereport(ERROR,
						(errcode_for_file_access(),
						 errmsg("could not open %s \"%s\": %m", what, path),
						 errhint("Make the file readable by the operating-system user the server runs as.")));
			}
			if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode) || !same_identity(st, &entry.st))
			{
				close(fd);
				refuse_changed(what, path);
			}
			return fd;
		}
		if (!S_ISLNK(entry.st.st_mode))
			location_refuse_not_regular(what, path, &entry);
		entry.is_link = true;
	}

	/* A link, or a full path: what it leads to must be a regular file... */
	if (fstatat(dirfd, name, &entry.st, 0) < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open %s \"%s\": %m", what, path)));
	if (!S_ISREG(entry.st.st_mode))
		location_refuse_not_regular(what, path, &entry);
	fd = openat(dirfd, name, OPEN_FLAGS);
	if (fd < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open %s \"%s\": %m", what, path),
				 errhint("Make the file readable by the operating-system user the server runs as.")));
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode))
	{
		close(fd);
		entry.st = *st;
		location_refuse_not_regular(what, path, &entry);
	}

	/* ... inside the location, and the very file that was opened */
	real = real_path_of(path);
	if (real == NULL || stat(real, &at_real) < 0 || !same_identity(st, &at_real))
	{
		close(fd);
		refuse_changed(what, path);
	}
	if (!pgm_allow_symlinks_outside_locations && !path_is_inside(real, root_real))
	{
		close(fd);
		refuse_outside(what, path, real, root_real);
	}
	pfree(real);
	return fd;
}

void
location_read_file(const char *root_real, int dirfd, const char *name, const char *path,
				   const char *what, StringInfo buf, struct stat *st)
{
	int			fd = open_location_file(root_real, dirfd, name, path, what, st);

	resetStringInfo(buf);
	PG_TRY();
	{
		if (st->st_size > LOCATION_MAX_FILE_SIZE)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("%s \"%s\" is too large", what, path),
					 errdetail("It has %lld bytes; at most %lld are read from a location.",
							   (long long) st->st_size, (long long) LOCATION_MAX_FILE_SIZE),
					 errhint("Split it into several migrations.")));
		/* room for the whole file and a byte more: its end is a short read */
		enlargeStringInfo(buf, (int) st->st_size + 1);
		for (;;)
		{
			size_t		want;
			ssize_t		n;

			CHECK_FOR_INTERRUPTS();
			if (buf->maxlen - buf->len < 2)
				enlargeStringInfo(buf, Min(buf->maxlen, LOCATION_MAX_FILE_SIZE + 1 - buf->len));
			want = buf->maxlen - buf->len - 1;
			n = read(fd, buf->data + buf->len, want);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				ereport(ERROR,
						(errcode_for_file_access(),
						 errmsg("could not read %s \"%s\": %m", what, path)));
			buf->len += n;
			if (buf->len > LOCATION_MAX_FILE_SIZE)
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("%s \"%s\" is too large", what, path),
						 errdetail("It grew past %lld bytes while being read.",
								   (long long) LOCATION_MAX_FILE_SIZE),
						 errhint("Split it into several migrations.")));
			/* a short read of a regular file is its end: saves a read() per file */
			if ((size_t) n < want)
				break;
		}
	}
	PG_FINALLY();
	{
		close(fd);
	}
	PG_END_TRY();
	buf->data[buf->len] = '\0';
}
