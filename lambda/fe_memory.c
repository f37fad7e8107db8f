/*-------------------------------------------------------------------------
 *
 * fe_memory.c
 *	  palloc and friends for the handler: libpgcommon's frontend functions
 *	  (fe_memutils.c), plus a scope that frees everything allocated in it.
 *
 * The engine, the libpq executor and the script source allocate with
 * palloc and, as in the server, rely on a memory context being reset
 * rather than on pfree: in the pg_migrate command the process exits.  The
 * handler runs deploy after deploy in one process, so each deploy in
 * client mode runs in a scope (fe_memory_scope_begin/end) and everything
 * palloc'd in it is freed at its end.  Memory allocated before the scope
 * (the configuration read at init) stays, even when repalloc'd or pfree'd
 * inside it.
 *
 * Every chunk carries two links and sits in one list in allocation order;
 * a scope is a marker in that list.  This file defines every function of
 * fe_memutils.o, so that object is never linked: a missing one would pull
 * it in and the link would fail on the duplicates, not misbehave.
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fe_memory.h"

/* PostgreSQL's Size and flags (common/fe_memutils.h) */
typedef size_t Size;

#define MCXT_ALLOC_NO_OOM 0x02
#define MCXT_ALLOC_ZERO 0x04

typedef struct Chunk
{
	struct Chunk *prev;
	struct Chunk *next;
} Chunk;

/* two pointers: the data that follows stays aligned for any type */
_Static_assert(sizeof(Chunk) % 16 == 0, "chunk header keeps 16-byte alignment");

static Chunk all = {&all, &all};	/* every live chunk, oldest first */
static Chunk scope_marker;
static int	scope_open;

static void
link_last(Chunk *c)
{
	c->prev = all.prev;
	c->next = &all;
	all.prev->next = c;
	all.prev = c;
}

static void
unlink_chunk(Chunk *c)
{
	c->prev->next = c->next;
	c->next->prev = c->prev;
}

static void
out_of_memory(size_t size)
{
	fprintf(stderr, "out of memory (%zu bytes requested)\n", size);
	exit(EXIT_FAILURE);
}

static void *
allocate(size_t size, int flags)
{
	Chunk	   *c;

	if (size > SIZE_MAX / 2)
		out_of_memory(size);
	c = (flags & MCXT_ALLOC_ZERO) ? calloc(1, sizeof(Chunk) + size) :
		malloc(sizeof(Chunk) + size);
	if (c == NULL)
	{
		if (flags & MCXT_ALLOC_NO_OOM)
			return NULL;
		out_of_memory(size);
	}
	link_last(c);
	return c + 1;
}

static void *
reallocate(void *pointer, size_t size, int flags)
{
	Chunk	   *old;
	Chunk	   *c;

	if (pointer == NULL)
		return allocate(size, flags);
	if (size > SIZE_MAX / 2)
		out_of_memory(size);
	old = (Chunk *) pointer - 1;
	unlink_chunk(old);
	c = realloc(old, sizeof(Chunk) + size);
	if (c == NULL)
	{
		/* the old chunk is still valid: put it back where it was */
		old->prev->next = old;
		old->next->prev = old;
		if (flags & MCXT_ALLOC_NO_OOM)
			return NULL;
		out_of_memory(size);
	}
	/* same place in the list: a chunk from before a scope survives its end */
	c->prev->next = c;
	c->next->prev = c;
	return c + 1;
}

static void
release(void *pointer)
{
	if (pointer != NULL)
	{
		Chunk	   *c = (Chunk *) pointer - 1;

		unlink_chunk(c);
		free(c);
	}
}

void
fe_memory_scope_begin(void)
{
	if (scope_open)
		fe_memory_scope_end();
	link_last(&scope_marker);
	scope_open = 1;
}

void
fe_memory_scope_end(void)
{
	if (!scope_open)
		return;
	while (scope_marker.next != &all)
	{
		Chunk	   *c = scope_marker.next;

		unlink_chunk(c);
		free(c);
	}
	unlink_chunk(&scope_marker);
	scope_open = 0;
}

/* ----------------------------------------------------------------
 *		fe_memutils.h
 * ---------------------------------------------------------------- */

Size		add_size(Size s1, Size s2);
Size		mul_size(Size s1, Size s2);
void	   *pg_malloc(size_t size);
void	   *pg_malloc0(size_t size);
void	   *pg_malloc_extended(size_t size, int flags);
void	   *pg_realloc(void *pointer, size_t size);
char	   *pg_strdup(const char *in);
void		pg_free(void *pointer);
void	   *pg_malloc_mul(Size s1, Size s2);
void	   *pg_malloc0_mul(Size s1, Size s2);
void	   *pg_malloc_mul_extended(Size s1, Size s2, int flags);
void	   *pg_realloc_mul(void *p, Size s1, Size s2);
void	   *palloc(Size size);
void	   *palloc0(Size size);
void	   *palloc_extended(Size size, int flags);
void	   *repalloc(void *pointer, Size size);
void		pfree(void *pointer);
char	   *pstrdup(const char *in);
char	   *pnstrdup(const char *in, Size size);
void	   *palloc_mul(Size s1, Size s2);
void	   *palloc0_mul(Size s1, Size s2);
void	   *palloc_mul_extended(Size s1, Size s2, int flags);
void	   *repalloc_mul(void *p, Size s1, Size s2);

Size
add_size(Size s1, Size s2)
{
	if (s1 > SIZE_MAX / 2 - s2 || s2 > SIZE_MAX / 2)
		out_of_memory(SIZE_MAX);
	return s1 + s2;
}

Size
mul_size(Size s1, Size s2)
{
	if (s1 != 0 && s2 > (SIZE_MAX / 2) / s1)
		out_of_memory(SIZE_MAX);
	return s1 * s2;
}

void *
pg_malloc(size_t size)
{
	return allocate(size, 0);
}

void *
pg_malloc0(size_t size)
{
	return allocate(size, MCXT_ALLOC_ZERO);
}

void *
pg_malloc_extended(size_t size, int flags)
{
	return allocate(size, flags);
}

void *
pg_realloc(void *pointer, size_t size)
{
	return reallocate(pointer, size, 0);
}

char *
pg_strdup(const char *in)
{
	size_t		n = strlen(in);
	char	   *s = allocate(n + 1, 0);

	memcpy(s, in, n + 1);
	return s;
}

void
pg_free(void *pointer)
{
	release(pointer);
}

void *
pg_malloc_mul(Size s1, Size s2)
{
	return allocate(mul_size(s1, s2), 0);
}

void *
pg_malloc0_mul(Size s1, Size s2)
{
	return allocate(mul_size(s1, s2), MCXT_ALLOC_ZERO);
}

void *
pg_malloc_mul_extended(Size s1, Size s2, int flags)
{
	return allocate(mul_size(s1, s2), flags);
}

void *
pg_realloc_mul(void *p, Size s1, Size s2)
{
	return reallocate(p, mul_size(s1, s2), 0);
}

void *
palloc(Size size)
{
	return allocate(size, 0);
}

void *
palloc0(Size size)
{
	return allocate(size, MCXT_ALLOC_ZERO);
}

void *
palloc_extended(Size size, int flags)
{
	return allocate(size, flags);
}

void *
repalloc(void *pointer, Size size)
{
	return reallocate(pointer, size, 0);
}

void
pfree(void *pointer)
{
	release(pointer);
}

char *
pstrdup(const char *in)
{
	return pg_strdup(in);
}

char *
pnstrdup(const char *in, Size size)
{
	size_t		n = strnlen(in, size);
	char	   *s = allocate(n + 1, 0);

	memcpy(s, in, n);
	s[n] = '\0';
	return s;
}

void *
palloc_mul(Size s1, Size s2)
{
	return allocate(mul_size(s1, s2), 0);
}

void *
palloc0_mul(Size s1, Size s2)
{
	return allocate(mul_size(s1, s2), MCXT_ALLOC_ZERO);
}

void *
palloc_mul_extended(Size s1, Size s2, int flags)
{
	return allocate(mul_size(s1, s2), flags);
}

void *
repalloc_mul(void *p, Size s1, Size s2)
{
	return reallocate(p, mul_size(s1, s2), 0);
}
