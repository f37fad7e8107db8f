/*-------------------------------------------------------------------------
 *
 * fe_memory.h
 *	  A scope for palloc'd memory (fe_memory.c): everything allocated
 *	  between begin and end is freed at the end, as a server memory
 *	  context is reset.  One scope at a time.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGM_FE_MEMORY_H
#define PGM_FE_MEMORY_H

extern void fe_memory_scope_begin(void);
extern void fe_memory_scope_end(void);

#endif							/* PGM_FE_MEMORY_H */
