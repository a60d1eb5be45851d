/* tests/fuzz/fuzz_parse.c - durations, sizes and signal specifications
 * (parse_duration, parse_size, parse_signal): whatever the input, no crash
 * and no undefined arithmetic; a value accepted is in range and its plain
 * spelling ("Nms", "N", the signal's name) parses back to it; signal_name
 * and signal_info of any number stay in bounds */
#include <inttypes.h>
#include <signal.h>

#include "fuzz.h"
#include "parse.h"

/* check_duration: parse s as a duration */
static void
check_duration(const char *s)
{
	const char *errstr = "unset";
	int64_t ms, again;
	char buf[32];

	if (parse_duration(s, &ms, &errstr) == -1) {
		FUZZ_CHECK(errstr != NULL && errstr[0] != '\0');
		return;
	}
	FUZZ_CHECK(errstr == NULL);
	FUZZ_CHECK(ms >= -1);
	if (ms < 0 || ms > 1000LL * 1000 * 1000 * 1000)
		return;
	snprintf(buf, sizeof(buf), "%" PRId64 "ms", ms);
	FUZZ_CHECK(parse_duration(buf, &again, &errstr) == 0);
	FUZZ_CHECK(again == ms);
}

/* check_size: parse s as a size */
static void
check_size(const char *s)
{
	const char *errstr = "unset";
	uint64_t n, again;
	char buf[32];

	if (parse_size(s, &n, &errstr) == -1) {
		FUZZ_CHECK(errstr != NULL && errstr[0] != '\0');
		return;
	}
	FUZZ_CHECK(errstr == NULL);
	if (n > INT64_MAX)
		return;
	snprintf(buf, sizeof(buf), "%" PRIu64, n);
	FUZZ_CHECK(parse_size(buf, &again, &errstr) == 0);
	FUZZ_CHECK(again == n);
}

/* check_signo: signal_name and signal_info of any number */
static void
check_signo(int signo)
{
	struct signal_info tmp;
	const struct signal_info *si;
	char name[32], nb[32];
	const char *errstr;
	int again;

	if (signal_name(signo, name, sizeof(name)) != NULL) {
		FUZZ_CHECK(strlen(name) < sizeof(name) - 1);
		FUZZ_CHECK(parse_signal(name, &again, &errstr) == 0);
		FUZZ_CHECK(again == signo);
	} else {
		FUZZ_CHECK(signo < 0 || signo > SIGRTMAX || signo < SIGRTMIN);
	}
	si = signal_info(signo, &tmp, nb, sizeof(nb));
	if (si != NULL) {
		FUZZ_CHECK(si->number == signo);
		FUZZ_CHECK(si->name != NULL && si->action != NULL &&
		    si->desc != NULL);
	}
	/* a buffer too small truncates, never overflows */
	signal_name(signo, name, 3);
}

/* check_signal: parse s as a signal */
static void
check_signal(const char *s)
{
	const char *errstr = "unset";
	int signo;

	if (parse_signal(s, &signo, &errstr) == -1) {
		FUZZ_CHECK(errstr != NULL && errstr[0] != '\0');
		return;
	}
	FUZZ_CHECK(errstr == NULL);
	FUZZ_CHECK(signo >= 0 && signo <= SIGRTMAX);
	check_signo(signo);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	int32_t n;

	check_duration(s);
	check_size(s);
	check_signal(s);
	if (size >= 4) {
		memcpy(&n, data, 4);
		check_signo(n);
	}
	free(s);
	return 0;
}
