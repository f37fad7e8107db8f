/*
 * unit.h
 *	  A minimal test harness for the pure-logic unit tests (test/unit).
 *
 * Each CHECK counts one assertion; main() returns unit_summary(), which prints
 * "N passed, N failed" and returns non-zero when anything failed.
 */
#ifndef PG_MIGRATE_UNIT_H
#define PG_MIGRATE_UNIT_H

#include <stdio.h>
#include <string.h>

static int	unit_passed = 0;
static int	unit_failed = 0;

#define CHECK(cond) \
	do { \
		if (cond) unit_passed++; \
		else { unit_failed++; fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } \
	} while (0)

#define CHECK_INT(got, want) \
	do { \
		long long g_ = (long long) (got), w_ = (long long) (want); \
		if (g_ == w_) unit_passed++; \
		else { unit_failed++; fprintf(stderr, "%s:%d: %s = %lld, want %lld\n", __FILE__, __LINE__, #got, g_, w_); } \
	} while (0)

#define CHECK_STR(got, want) \
	do { \
		const char *g_ = (got), *w_ = (want); \
		if ((g_ == NULL && w_ == NULL) || (g_ && w_ && strcmp(g_, w_) == 0)) unit_passed++; \
		else { unit_failed++; fprintf(stderr, "%s:%d: %s = \"%s\", want \"%s\"\n", __FILE__, __LINE__, #got, g_ ? g_ : "(null)", w_ ? w_ : "(null)"); } \
	} while (0)

static inline int
unit_summary(const char *suite)
{
	printf("%s: %d passed, %d failed\n", suite, unit_passed, unit_failed);
	return unit_failed == 0 ? 0 : 1;
}

#endif
