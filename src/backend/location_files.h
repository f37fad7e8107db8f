/*-------------------------------------------------------------------------
 *
 * location_files.h
 *	  Opening files and folders of a filesystem: location so that nothing
 *	  outside it is read, and nothing but regular files is opened.
 *
 * A role allowed to run migrations may be able to write into a location
 * without being able to read the server's own files; these functions keep
 * a symbolic link, a FIFO or a device in a location from changing that.
 * See location_files.c for how each check stays free of races.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_MIGRATE_LOCATION_FILES_H
#define PG_MIGRATE_LOCATION_FILES_H

#include <dirent.h>
#include <sys/stat.h>

#include "lib/stringinfo.h"

/* Largest file read from a location (scripts and .conf files). */
#define LOCATION_MAX_FILE_SIZE	((off_t) (MaxAllocSize / 2))

/* Set by a superuser: symbolic links may lead outside their location. */
extern bool pgm_allow_symlinks_outside_locations;

/* A folder being walked; the chain of parents detects symbolic link loops. */
typedef struct LocationFolder
{
	const char *path;			/* as reached from the location, for messages */
	const char *real;			/* its real path: no symbolic link, no ".." */
	dev_t		dev;			/* identity of what was checked */
	ino_t		ino;
	const struct LocationFolder *parent;	/* NULL for the location itself */
} LocationFolder;

/* What an entry of a folder is, once symbolic links are looked through. */
typedef enum LocationEntryKind
{
	LOCATION_ENTRY_FILE,		/* a regular file, or a link to one */
	LOCATION_ENTRY_FOLDER,		/* a folder inside the location: walk it */
	LOCATION_ENTRY_OTHER,		/* FIFO, device, socket */
	LOCATION_ENTRY_GONE			/* a dangling link, or removed as we read */
} LocationEntryKind;

typedef struct LocationEntry
{
	LocationEntryKind kind;
	bool		is_link;
	struct stat st;				/* the entry's, or its target's for a link;
								 * not filled for a plain file (DT_REG) */
} LocationEntry;

/*
 * The location's folder resolved once: its real path, checked to be a
 * folder.  "entry" is the setting's entry, for messages.
 */
extern void location_open_root(const char *entry, const char *dir, LocationFolder *root);

/* Open a folder to walk, checking it is the one that was examined. */
extern DIR *location_open_folder(const LocationFolder *folder);

/*
 * What the entry "name" of an open folder (dirfd) is; path is the folder's
 * path and name, for messages, and d_type what readdir() said.  A folder reached
 * through a symbolic link is checked here: it must stay inside root (unless
 * pg_migrate.allow_symlinks_outside_locations) and must not be one of the
 * folders that lead to it; *child is then filled to walk it.
 */
extern void location_examine(const LocationFolder *root, const LocationFolder *folder,
							 int dirfd, const char *name, const char *path,
							 unsigned char d_type, LocationEntry *entry,
							 LocationFolder *child);

/* ERROR for a file that pg_migrate would read but is not a regular file. */
extern void location_refuse_not_regular(const char *what, const char *path,
										const LocationEntry *entry) pg_attribute_noreturn();

/*
 * Read a regular file of a location whole into buf (reset first), with
 * *st its identity as opened.  dirfd is an open folder of the walk and name
 * an entry of it, or dirfd is AT_FDCWD and name the full path (every
 * symbolic link on the way is then checked).  root_real is the location's
 * real path; path names the file in messages; what says what it is
 * ("migration script").
 */
extern void location_read_file(const char *root_real, int dirfd, const char *name,
								const char *path, const char *what, StringInfo buf,
								struct stat *st);

#endif							/* PG_MIGRATE_LOCATION_FILES_H */
