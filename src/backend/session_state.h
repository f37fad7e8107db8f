/*-------------------------------------------------------------------------
 *
 * session_state.h
 *	  The session state every migration starts from: who runs it, where
 *	  its objects go, whether triggers fire (session_state.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_MIGRATE_SESSION_STATE_H
#define PG_MIGRATE_SESSION_STATE_H

typedef struct SessionState SessionState;

extern SessionState *session_state_remember(MemoryContext cxt, const char *schema_first);
extern void session_state_restore(const SessionState *state);
extern void session_state_begin_caller_run(SessionState *state);
extern void session_state_restore_caller(const SessionState *state);
extern void session_state_refuse_temporary_schema(const char *schema);

#endif							/* PG_MIGRATE_SESSION_STATE_H */
