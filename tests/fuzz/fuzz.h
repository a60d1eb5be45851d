/* tests/fuzz/fuzz.h - what every fuzz target shares: the libFuzzer entry
 * points, a check that aborts (so a broken invariant is a crash under
 * libFuzzer and a failed test under the standalone driver), and a copy of
 * the input as a C string that ends exactly where the input does (so
 * AddressSanitizer sees any read past it). FUZZ_CHECK writes with
 * dprintf(2) so that it is heard while a target has stderr silenced. */
#ifndef IPCTOOL_FUZZ_H
#define IPCTOOL_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* FUZZ_CHECK: abort with the failed condition when cond is false */
#define FUZZ_CHECK(cond)                                                    \
	do {                                                                \
		if (!(cond)) {                                              \
			dprintf(2, "%s:%d: FUZZ_CHECK(%s) failed\n",        \
			    __FILE__, __LINE__, #cond);                     \
			abort();                                            \
		}                                                           \
	} while (0)

/* fuzz_cstr: a malloc'd copy of data with a NUL after it (an embedded NUL
 * ends the string early, as it would in argv); free it with free() */
static inline char *
fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	FUZZ_CHECK(s != NULL);
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
