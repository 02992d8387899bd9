/*
 * check.h - the unit-test harness: CHECK records one assertion, and
 * CHECK_DONE() ends main() with one line "N passed, N failed" on stdout,
 * exiting 1 when anything failed.  A failure prints file:line, the
 * condition and a printf-style message on stderr.
 *
 *	CHECK(x == 1, "x is %d", x);
 *	return CHECK_DONE();
 */
#ifndef ART_CHECK_H
#define ART_CHECK_H

#include <stdio.h>

static int check_passed, check_failed;

#define CHECK(cond, ...)                                                  \
	do {                                                              \
		if (cond) {                                               \
			check_passed++;                                   \
		} else {                                                  \
			check_failed++;                                   \
			fprintf(stderr, "%s:%d: FAIL: %s: ", __FILE__,    \
				__LINE__, #cond);                         \
			fprintf(stderr, __VA_ARGS__);                     \
			fputc('\n', stderr);                              \
		}                                                         \
	} while (0)

static inline int check_done(void)
{
	printf("%d passed, %d failed\n", check_passed, check_failed);
	return check_failed ? 1 : 0;
}

#define CHECK_DONE() check_done()

#endif
