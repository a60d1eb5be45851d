/* parse.c - durations, sizes, file permissions and signal specifications; every number goes
 * through strtonum(3) (libbsd), signal numbers come from <signal.h> and the
 * real-time range from SIGRTMIN/SIGRTMAX at run time (signal(7)) */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <bsd/stdlib.h>

#include "parse.h"

/* split_number: copy the leading digits of s (at most 19) into buf;
 * returns the number of characters taken, 0 when there are none */
static size_t
split_number(const char *s, char *buf, size_t len)
{
	size_t n = strspn(s, "0123456789");

	if (n == 0 || n >= len)
		return n >= len ? (size_t)-1 : 0;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return n;
}

int
parse_perm(const char *s, unsigned *perm, const char **errstr)
{
	size_t n;
	unsigned v = 0;

	if (s == NULL || *s == '\0') {
		*errstr = "empty";
		return -1;
	}
	n = strspn(s, "01234567");
	if (s[n] != '\0') {
		*errstr = "not octal";
		return -1;
	}
	for (; *s == '0'; s++)
		;
	if (strlen(s) > 3) {
		*errstr = "above 0777";
		return -1;
	}
	for (; *s; s++)
		v = v * 8 + (unsigned)(*s - '0');
	*perm = v;
	*errstr = NULL;
	return 0;
}

int
parse_duration(const char *s, int64_t *ms, const char **errstr)
{
	char ibuf[24], fbuf[8] = "";
	const char *p = s, *unit;
	long long ip, fp = 0, mult;
	size_t n, fdigits = 0;

	if (s == NULL || *s == '\0') {
		*errstr = "empty";
		return -1;
	}
	if (strcasecmp(s, "inf") == 0 || strcasecmp(s, "none") == 0 ||
	    strcasecmp(s, "infinity") == 0) {
		*ms = -1;
		*errstr = NULL;
		return 0;
	}
	n = split_number(p, ibuf, sizeof(ibuf));
	if (n == 0) {
		*errstr = "not a number";
		return -1;
	}
	if (n == (size_t)-1) {
		*errstr = "too large";
		return -1;
	}
	ip = strtonum(ibuf, 0, 1000LL * 1000 * 1000 * 1000, errstr);
	if (*errstr)
		return -1;
	p += n;
	if (*p == '.') {
		p++;
		fdigits = strspn(p, "0123456789");
		if (fdigits == 0) {
			*errstr = "not a number";
			return -1;
		}
		if (fdigits > 3) {
			*errstr = "finer than a millisecond";
			return -1;
		}
		memcpy(fbuf, p, fdigits);
		fbuf[fdigits] = '\0';
		fp = strtonum(fbuf, 0, 999, errstr);
		if (*errstr)
			return -1;
		for (size_t i = fdigits; i < 3; i++)
			fp *= 10;
		p += fdigits;
	}
	unit = p;
	if (*unit == '\0' || strcmp(unit, "s") == 0)
		mult = 1000;
	else if (strcmp(unit, "ms") == 0)
		mult = 1;
	else if (strcmp(unit, "m") == 0 || strcmp(unit, "min") == 0)
		mult = 60 * 1000;
	else if (strcmp(unit, "h") == 0)
		mult = 3600 * 1000;
	else {
		*errstr = "unknown unit (use ms, s, m or h)";
		return -1;
	}
	if (mult == 1 && fdigits) {
		*errstr = "finer than a millisecond";
		return -1;
	}
	if (ip > INT64_MAX / mult / 2) {
		*errstr = "too large";
		return -1;
	}
	*ms = ip * mult + fp * mult / 1000;
	*errstr = NULL;
	return 0;
}

int
parse_size(const char *s, uint64_t *bytes, const char **errstr)
{
	char ibuf[24];
	const char *unit;
	long long v;
	unsigned shift;
	size_t n;

	if (s == NULL || *s == '\0') {
		*errstr = "empty";
		return -1;
	}
	n = split_number(s, ibuf, sizeof(ibuf));
	if (n == 0) {
		*errstr = "not a number";
		return -1;
	}
	if (n == (size_t)-1) {
		*errstr = "too large";
		return -1;
	}
	v = strtonum(ibuf, 0, LLONG_MAX, errstr);
	if (*errstr)
		return -1;
	unit = s + n;
	switch (toupper((unsigned char)*unit)) {
	case '\0': shift = 0; break;
	case 'B': shift = 0; break;
	case 'K': shift = 10; break;
	case 'M': shift = 20; break;
	case 'G': shift = 30; break;
	case 'T': shift = 40; break;
	default:
		*errstr = "unknown unit (use K, M, G or T)";
		return -1;
	}
	if (*unit && toupper((unsigned char)*unit) != 'B') {
		unit++;
		if (strcasecmp(unit, "ib") == 0 || strcasecmp(unit, "b") == 0)
			unit += strlen(unit);
	} else if (*unit) {
		unit++;
	}
	if (*unit != '\0') {
		*errstr = "unknown unit (use K, M, G or T)";
		return -1;
	}
	if (shift && (unsigned long long)v > (UINT64_MAX >> shift)) {
		*errstr = "too large";
		return -1;
	}
	*bytes = (uint64_t)v << shift;
	*errstr = NULL;
	return 0;
}

static const struct signal_info signals[] = {
	{ "HUP", SIGHUP, "term", "hangup of the controlling terminal" },
	{ "INT", SIGINT, "term", "interrupt from the keyboard" },
	{ "QUIT", SIGQUIT, "core", "quit from the keyboard" },
	{ "ILL", SIGILL, "core", "illegal instruction" },
	{ "TRAP", SIGTRAP, "core", "trace or breakpoint trap" },
	{ "ABRT", SIGABRT, "core", "abort signal from abort(3)" },
	{ "BUS", SIGBUS, "core", "bus error (bad memory access)" },
	{ "FPE", SIGFPE, "core", "floating-point exception" },
	{ "KILL", SIGKILL, "term", "kill (cannot be caught or ignored)" },
	{ "USR1", SIGUSR1, "term", "user-defined signal 1" },
	{ "SEGV", SIGSEGV, "core", "invalid memory reference" },
	{ "USR2", SIGUSR2, "term", "user-defined signal 2" },
	{ "PIPE", SIGPIPE, "term", "broken pipe: write to a pipe with no readers" },
	{ "ALRM", SIGALRM, "term", "timer signal from alarm(2)" },
	{ "TERM", SIGTERM, "term", "termination signal" },
	{ "STKFLT", SIGSTKFLT, "term", "stack fault on coprocessor (unused)" },
	{ "CHLD", SIGCHLD, "ign", "child stopped or terminated" },
	{ "CONT", SIGCONT, "cont", "continue if stopped" },
	{ "STOP", SIGSTOP, "stop", "stop process (cannot be caught or ignored)" },
	{ "TSTP", SIGTSTP, "stop", "stop typed at the terminal" },
	{ "TTIN", SIGTTIN, "stop", "terminal input for a background process" },
	{ "TTOU", SIGTTOU, "stop", "terminal output for a background process" },
	{ "URG", SIGURG, "ign", "urgent condition on a socket" },
	{ "XCPU", SIGXCPU, "core", "CPU time limit exceeded" },
	{ "XFSZ", SIGXFSZ, "core", "file size limit exceeded" },
	{ "VTALRM", SIGVTALRM, "term", "virtual alarm clock" },
	{ "PROF", SIGPROF, "term", "profiling timer expired" },
	{ "WINCH", SIGWINCH, "ign", "window resize" },
	{ "IO", SIGIO, "term", "I/O now possible" },
	{ "PWR", SIGPWR, "term", "power failure" },
	{ "SYS", SIGSYS, "core", "bad system call" },
};

/* Other names the kernel's headers give the same signals */
static const struct {
	const char *name;
	int number;
} aliases[] = {
	{ "IOT", SIGABRT }, { "POLL", SIGIO }, { "CLD", SIGCHLD },
};

/* parse_rt: "RTMIN", "RTMIN+N", "RTMAX", "RTMAX-N"; -1 if s is not one */
static int
parse_rt(const char *s, int *signo)
{
	const char *errstr;
	long long off = 0;
	int base, sign;

	if (strncasecmp(s, "RTMIN", 5) == 0)
		base = SIGRTMIN, sign = 1;
	else if (strncasecmp(s, "RTMAX", 5) == 0)
		base = SIGRTMAX, sign = -1;
	else
		return -1;
	s += 5;
	if (*s) {
		if ((sign > 0 && *s != '+') || (sign < 0 && *s != '-'))
			return -1;
		s++;
		if (!isdigit((unsigned char)*s))
			return -1;
		off = strtonum(s, 0, SIGRTMAX - SIGRTMIN, &errstr);
		if (errstr)
			return -1;
	}
	*signo = base + sign * (int)off;
	return 0;
}

int
parse_signal(const char *s, int *signo, const char **errstr)
{
	const char *name = s;
	long long n;

	*errstr = "unknown signal";
	if (s == NULL || *s == '\0')
		return -1;
	if (isdigit((unsigned char)*s)) {
		n = strtonum(s, 0, SIGRTMAX, errstr);
		if (*errstr) {
			*errstr = "unknown signal";
			return -1;
		}
		*signo = (int)n;
		*errstr = NULL;
		return 0;
	}
	if (strncasecmp(name, "SIG", 3) == 0)
		name += 3;
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (strcasecmp(name, signals[i].name) == 0) {
			*signo = signals[i].number;
			*errstr = NULL;
			return 0;
		}
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcasecmp(name, aliases[i].name) == 0) {
			*signo = aliases[i].number;
			*errstr = NULL;
			return 0;
		}
	if (parse_rt(name, signo) == 0) {
		*errstr = NULL;
		return 0;
	}
	return -1;
}

const char *
signal_name(int signo, char *buf, size_t len)
{
	if (signo == 0) {
		snprintf(buf, len, "0");
		return buf;
	}
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (signals[i].number == signo) {
			snprintf(buf, len, "%s", signals[i].name);
			return buf;
		}
	if (signo == SIGRTMIN)
		snprintf(buf, len, "RTMIN");
	else if (signo == SIGRTMAX)
		snprintf(buf, len, "RTMAX");
	else if (signo > SIGRTMIN && signo < SIGRTMAX)
		snprintf(buf, len, "RTMIN+%d", signo - SIGRTMIN);
	else
		return NULL;
	return buf;
}

const struct signal_info *
signal_info(int signo, struct signal_info *tmp, char *namebuf, size_t namelen)
{
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (signals[i].number == signo)
			return &signals[i];
	if (signo < SIGRTMIN || signo > SIGRTMAX)
		return NULL;
	tmp->name = signal_name(signo, namebuf, namelen);
	tmp->number = signo;
	tmp->action = "term";
	tmp->desc = "real-time signal (queued, carries a value)";
	return tmp;
}

char *
duration_format(int64_t ms, char *buf, size_t len)
{
	if (ms < 0)
		snprintf(buf, len, "inf");
	else if (ms % 1000 == 0)
		snprintf(buf, len, "%llds", (long long)(ms / 1000));
	else
		snprintf(buf, len, "%lldms", (long long)ms);
	return buf;
}

size_t
u64_dec(uint64_t v, char buf[U64_DEC])
{
	char d[U64_DEC];
	size_t i = sizeof(d);

	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	memcpy(buf, d + i, sizeof(d) - i);
	return sizeof(d) - i;
}
