/* test_parse.c - durations, sizes, file permissions and signal names */
#include <signal.h>

#include "check.h"
#include "parse.h"

static long long
dur(const char *s)
{
	int64_t ms;
	const char *errstr;

	if (parse_duration(s, &ms, &errstr) == -1)
		return -999;
	return ms;
}

static const char *
dur_err(const char *s)
{
	int64_t ms;
	const char *errstr = NULL;

	if (parse_duration(s, &ms, &errstr) == 0)
		return "accepted";
	return errstr;
}

static long long
size(const char *s)
{
	uint64_t n;
	const char *errstr;

	if (parse_size(s, &n, &errstr) == -1)
		return -999;
	return (long long)n;
}

static long long
perm(const char *s)
{
	unsigned m;
	const char *errstr;

	if (parse_perm(s, &m, &errstr) == -1)
		return -999;
	return m;
}

static const char *
perm_err(const char *s)
{
	unsigned m;
	const char *errstr = NULL;

	if (parse_perm(s, &m, &errstr) == 0)
		return "accepted";
	return errstr;
}

static int
sig(const char *s)
{
	int n;
	const char *errstr;

	if (parse_signal(s, &n, &errstr) == -1)
		return -999;
	return n;
}

int
main(void)
{
	char buf[32];
	struct signal_info tmp;
	const struct signal_info *si;

	CHECK_INT(perm("0600"), 0600);
	CHECK_INT(perm("644"), 0644);
	CHECK_INT(perm("0777"), 0777);
	CHECK_INT(perm("0"), 0);
	CHECK_INT(perm("00000660"), 0660);
	CHECK_STR(perm_err(""), "empty");
	CHECK_STR(perm_err("0999"), "not octal");
	CHECK_STR(perm_err("-600"), "not octal");
	CHECK_STR(perm_err("+600"), "not octal");
	CHECK_STR(perm_err(" 600"), "not octal");
	CHECK_STR(perm_err("u+rw"), "not octal");
	CHECK_STR(perm_err("1777"), "above 0777");
	CHECK_STR(perm_err("77777777777777777777777"), "above 0777");
	CHECK_STR(perm_err("perm"), "not octal");

	CHECK_INT(dur("250ms"), 250);
	CHECK_INT(dur("2s"), 2000);
	CHECK_INT(dur("2"), 2000);
	CHECK_INT(dur("1m"), 60000);
	CHECK_INT(dur("1h"), 3600000);
	CHECK_INT(dur("1.5s"), 1500);
	CHECK_INT(dur("0.25"), 250);
	CHECK_INT(dur("0"), 0);
	CHECK_INT(dur("inf"), -1);
	{
		/* errstr is NULL on every success, "inf" too (found by
		 * fuzzing: it was left as it was) */
		int64_t ms;
		const char *errstr = "stale";

		CHECK_INT(parse_duration("none", &ms, &errstr), 0);
		CHECK(errstr == NULL);
	}
	CHECK_STR(dur_err("5x"), "unknown unit (use ms, s, m or h)");
	CHECK_STR(dur_err(""), "empty");
	CHECK_STR(dur_err("-1s"), "not a number");
	CHECK_STR(dur_err("s"), "not a number");
	CHECK_STR(dur_err("1.0001s"), "finer than a millisecond");
	CHECK_STR(dur_err("1.5ms"), "finer than a millisecond");
	CHECK_STR(dur_err("99999999999999999999s"), "too large");

	CHECK_INT(size("4096"), 4096);
	CHECK_INT(size("64K"), 65536);
	CHECK_INT(size("64k"), 65536);
	CHECK_INT(size("64KiB"), 65536);
	CHECK_INT(size("1M"), 1048576);
	CHECK_INT(size("1MB"), 1048576);
	CHECK_INT(size("2G"), 2147483648LL);
	CHECK_INT(size("10B"), 10);
	CHECK_INT(size("1X"), -999);
	CHECK_INT(size("K"), -999);
	CHECK_INT(size(""), -999);
	CHECK_INT(size("1Kx"), -999);
	CHECK_INT(size("99999999999T"), -999);

	CHECK_INT(sig("USR1"), SIGUSR1);
	CHECK_INT(sig("SIGUSR1"), SIGUSR1);
	CHECK_INT(sig("usr1"), SIGUSR1);
	CHECK_INT(sig("sigterm"), SIGTERM);
	CHECK_INT(sig("10"), 10);
	CHECK_INT(sig("0"), 0);
	CHECK_INT(sig("IOT"), SIGABRT);
	CHECK_INT(sig("RTMIN"), SIGRTMIN);
	CHECK_INT(sig("RTMIN+3"), SIGRTMIN + 3);
	CHECK_INT(sig("SIGRTMIN+3"), SIGRTMIN + 3);
	CHECK_INT(sig("RTMAX"), SIGRTMAX);
	CHECK_INT(sig("RTMAX-2"), SIGRTMAX - 2);
	CHECK_INT(sig("RTMIN-1"), -999);
	CHECK_INT(sig("RTMIN+99"), -999);
	CHECK_INT(sig("FOO"), -999);
	CHECK_INT(sig("65"), -999);
	CHECK_INT(sig(""), -999);
	CHECK_INT(sig("USR1x"), -999);

	CHECK_STR(signal_name(SIGUSR1, buf, sizeof(buf)), "USR1");
	CHECK_STR(signal_name(SIGRTMIN, buf, sizeof(buf)), "RTMIN");
	CHECK_STR(signal_name(SIGRTMIN + 3, buf, sizeof(buf)), "RTMIN+3");
	CHECK_STR(signal_name(SIGRTMAX, buf, sizeof(buf)), "RTMAX");
	CHECK(signal_name(99, buf, sizeof(buf)) == NULL);

	si = signal_info(SIGKILL, &tmp, buf, sizeof(buf));
	CHECK(si != NULL && si->number == SIGKILL);
	CHECK_STR(si ? si->action : NULL, "term");
	si = signal_info(SIGRTMIN + 1, &tmp, buf, sizeof(buf));
	CHECK_STR(si ? si->name : NULL, "RTMIN+1");
	CHECK(signal_info(200, &tmp, buf, sizeof(buf)) == NULL);

	/* duration_format: what parse_duration reads back */
	CHECK_STR(duration_format(2000, buf, sizeof(buf)), "2s");
	CHECK_STR(duration_format(250, buf, sizeof(buf)), "250ms");
	CHECK_STR(duration_format(1500, buf, sizeof(buf)), "1500ms");
	CHECK_STR(duration_format(-1, buf, sizeof(buf)), "inf");
	/* u64_dec: the digits alone, no NUL, up to UINT64_MAX */
	{
		char d[U64_DEC + 1] = "";
		size_t n;

		n = u64_dec(0, d);
		CHECK_INT(n, 1);
		d[n] = '\0';
		CHECK_STR(d, "0");
		n = u64_dec(4096, d);
		d[n] = '\0';
		CHECK_STR(d, "4096");
		n = u64_dec(UINT64_MAX, d);
		CHECK_INT(n, U64_DEC);
		d[n] = '\0';
		CHECK_STR(d, "18446744073709551615");
	}
	return check_done();
}
