/*-------------------------------------------------------------------------
 *
 * file_kind.c
 *	  What a file that is not a regular one is, for the messages that
 *	  refuse it: only regular files are read from a location, and a FIFO or
 *	  a device would block or never end.
 *
 * Pure logic: no I/O, no ereport/elog; builds with -DFRONTEND.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include "file_kind.h"

/*
 * file_kind_name
 *		The kind of a file of mode (from stat() or lstat()), as a message
 *		says it: "... is not a regular file", "It is a socket."
 */
const char *
file_kind_name(mode_t mode)
{
	if (S_ISFIFO(mode))
		return "a FIFO (named pipe)";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISDIR(mode))
		return "a folder";
	if (S_ISLNK(mode))
		return "a symbolic link";
	return "an unknown kind of file";
}
