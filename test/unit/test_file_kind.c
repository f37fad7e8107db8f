/*
 * test_file_kind.c
 *	  Unit tests for file_kind.c: what a file that is not a regular one is
 *	  called in messages.
 */
#include "postgres_fe.h"

#include "file_kind.h"
#include "unit.h"

int
main(void)
{
	CHECK_STR(file_kind_name(S_IFIFO | 0644), "a FIFO (named pipe)");
	CHECK_STR(file_kind_name(S_IFCHR | 0666), "a character device");
	CHECK_STR(file_kind_name(S_IFBLK | 0660), "a block device");
	CHECK_STR(file_kind_name(S_IFSOCK | 0755), "a socket");
	CHECK_STR(file_kind_name(S_IFDIR | 0755), "a folder");
	CHECK_STR(file_kind_name(S_IFLNK | 0777), "a symbolic link");
	CHECK_STR(file_kind_name(0), "an unknown kind of file");
	return unit_summary("file_kind");
}
