/* tests/unit/check.h - a minimal unit-test harness: CHECK() records failures, check_done() exits */
#ifndef IPCTOOL_CHECK_H
#define IPCTOOL_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(cond)                                                         \
	do {                                                                \
		check_count++;                                              \
		if (!(cond)) {                                              \
			check_failures++;                                   \
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n",        \
			    __FILE__, __LINE__, #cond);                     \
		}                                                           \
	} while (0)

#define CHECK_STR(got, want)                                                \
	do {                                                                \
		const char *g_ = (got), *w_ = (want);                       \
		check_count++;                                              \
		if (g_ == NULL || w_ == NULL ? g_ != w_ : strcmp(g_, w_) != 0) { \
			check_failures++;                                   \
			fprintf(stderr, "%s:%d: %s: got \"%s\", want \"%s\"\n", \
			    __FILE__, __LINE__, #got, g_ ? g_ : "(null)",   \
			    w_ ? w_ : "(null)");                            \
		}                                                           \
	} while (0)

#define CHECK_INT(got, want)                                                \
	do {                                                                \
		long long g_ = (long long)(got), w_ = (long long)(want);    \
		check_count++;                                              \
		if (g_ != w_) {                                             \
			check_failures++;                                   \
			fprintf(stderr, "%s:%d: %s: got %lld, want %lld\n", \
			    __FILE__, __LINE__, #got, g_, w_);              \
		}                                                           \
	} while (0)

/* check_done: print a summary and return the process exit status */
static inline int
check_done(void)
{
	fprintf(stderr, "%d checks, %d failed\n", check_count, check_failures);
	return check_failures ? 1 : 0;
}

#endif
