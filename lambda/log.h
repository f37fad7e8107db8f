/*-------------------------------------------------------------------------
 *
 * log.h
 *	  JSON-lines logging for the pg_migrate Lambda handler.
 *
 * Every log record is one JSON object on stdout (CloudWatch keeps one line
 * per event).  Values registered with log_add_secret() are masked in every
 * record and every response the handler produces.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PGM_LOG_H
#define PGM_LOG_H

#include <stddef.h>

#include <cjson/cJSON.h>

typedef enum
{
	LOG_DEBUG,
	LOG_INFO,
	LOG_WARN,
	LOG_ERROR
} log_level;

extern void log_init(void);
extern void log_set_request_id(const char *request_id);
extern const char *log_request_id(void);
extern void log_add_secret(const char *secret);
extern void log_add_persistent_secret(const char *secret);
extern void log_clear_secrets(void);
extern void log_forget_all_secrets(void);
extern char *log_scrub(const char *text);
/* Cut s to at most max bytes, not inside a UTF-8 sequence. */
extern void log_cut_utf8(char *s, size_t max);

/* extra (may be NULL) is consumed: the record takes ownership */
extern void log_json(log_level level, const char *phase, long duration_ms,
					 cJSON *extra, const char *fmt,...)
			__attribute__((format(printf, 5, 6)));

#define log_info(phase, ...) log_json(LOG_INFO, phase, -1, NULL, __VA_ARGS__)
#define log_warn(phase, ...) log_json(LOG_WARN, phase, -1, NULL, __VA_ARGS__)
#define log_error(phase, ...) log_json(LOG_ERROR, phase, -1, NULL, __VA_ARGS__)

extern long now_ms(void);

#endif							/* PGM_LOG_H */
