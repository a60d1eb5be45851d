/* stats.c - round-trip statistics for --stats: a log-linear histogram on
 * CLOCK_MONOTONIC (clock_gettime(2)), nearest-rank percentiles, and a
 * summary written with write(2) at exit(3) or from a signal handler */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "parse.h"
#include "sigs.h"
#include "stats.h"

void
stats_init(struct stats *s, const char *name, const char *verb, bool json)
{
	memset(s, 0, sizeof(*s));
	s->name = name;
	s->verb = verb;
	s->json = json;
	s->min = UINT64_MAX;
}

uint64_t
stats_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void
stats_sent(struct stats *s)
{
	s->sent++;
}

size_t
stats_bucket(uint64_t v)
{
	unsigned shift;

	if (v < STATS_SUB)
		return (size_t)v;
	shift = (unsigned)(63 - __builtin_clzll(v)) - STATS_SUB_BITS;
	return STATS_SUB + (size_t)shift * STATS_SUB +
	    (size_t)((v >> shift) - STATS_SUB);
}

uint64_t
stats_bucket_max(size_t b)
{
	unsigned shift;
	uint64_t sub;

	if (b < STATS_SUB)
		return (uint64_t)b;
	shift = (unsigned)((b - STATS_SUB) / STATS_SUB);
	sub = (b - STATS_SUB) % STATS_SUB;
	return ((STATS_SUB + sub) << shift) + (((uint64_t)1 << shift) - 1);
}

void
stats_add(struct stats *s, uint64_t ns)
{
	s->counts[stats_bucket(ns)]++;
	if (ns < s->min)
		s->min = ns;
	if (ns > s->max)
		s->max = ns;
	s->sum = s->sum + ns < s->sum ? UINT64_MAX : s->sum + ns;
	s->acked++;
}

uint64_t
stats_percentile(const struct stats *s, unsigned p)
{
	unsigned __int128 rank;
	uint64_t total = 0, seen = 0, v;

	/* the counts themselves, not s->acked: a signal handler may find
	 * stats_add half done */
	for (size_t b = 0; b < STATS_BUCKETS; b++)
		total += s->counts[b];
	if (total == 0)
		return 0;
	if (p > 10000)
		p = 10000;
	/* nearest rank: the smallest sample with at least p % at or below */
	rank = ((unsigned __int128)total * p + 9999) / 10000;
	if (rank == 0)
		rank = 1;
	for (size_t b = 0; b < STATS_BUCKETS; b++) {
		seen += s->counts[b];
		if (seen < rank)
			continue;
		v = stats_bucket_max(b);
		if (v > s->max)
			v = s->max;
		if (v < s->min)
			v = s->min;
		return v;
	}
	return s->max;
}

/* What stats_format writes into: snprintf's contract */
struct out {
	char *buf;
	size_t size, len;
};

static void
put(struct out *o, const char *p, size_t n)
{
	if (o->len + 1 < o->size) {
		size_t room = o->size - 1 - o->len;

		memcpy(o->buf + o->len, p, n < room ? n : room);
	}
	o->len += n;
}

static void
put_str(struct out *o, const char *p)
{
	put(o, p, strlen(p));
}

static void
put_u64(struct out *o, uint64_t v)
{
	char d[U64_DEC];

	put(o, d, u64_dec(v, d));
}

/* put_us: ns as microseconds with one decimal, rounded */
static void
put_us(struct out *o, uint64_t ns)
{
	uint64_t tenths = ns / 100 + (ns % 100 >= 50);

	put_u64(o, tenths / 10);
	put(o, ".", 1);
	put_u64(o, tenths % 10);
}

size_t
stats_format(const struct stats *s, char *buf, size_t size)
{
	static const unsigned pct[] = { 5000, 9900, 9990 };
	static const char *const keys[6] = { "min_us", "mean_us", "p50_us",
	    "p99_us", "p999_us", "max_us" };
	struct out o = { buf, size, 0 };
	uint64_t n = 0, times[6] = { 0 };

	for (size_t b = 0; b < STATS_BUCKETS; b++)
		n += s->counts[b];
	if (n > 0) {
		times[0] = s->min;
		times[1] = s->sum / n;
		for (size_t i = 0; i < 3; i++)
			times[2 + i] = stats_percentile(s, pct[i]);
		times[5] = s->max;
	}
	if (s->json) {
		char q[256];
		size_t ql = json_quote(q, sizeof(q), s->name, strlen(s->name));

		put(&o, "{\"stats\":", 9);
		put(&o, q, ql < sizeof(q) ? ql : sizeof(q) - 1);
		put_str(&o, ",\"sent\":");
		put_u64(&o, s->sent);
		put_str(&o, ",\"");
		put_str(&o, s->verb);
		put_str(&o, "\":");
		put_u64(&o, n);
		put_str(&o, ",\"lost\":");
		put_u64(&o, s->sent > n ? s->sent - n : 0);
		for (size_t i = 0; i < 6; i++) {
			put_str(&o, ",\"");
			put_str(&o, keys[i]);
			put_str(&o, "\":");
			if (n > 0)
				put_us(&o, times[i]);
			else
				put_str(&o, "null");
		}
		put_str(&o, "}\n");
	} else {
		put_str(&o, "--- ");
		put_str(&o, s->name);
		put_str(&o, " statistics ---\n");
		put_u64(&o, s->sent);
		put_str(&o, " sent, ");
		put_u64(&o, n);
		put_str(&o, " ");
		put_str(&o, s->verb);
		put_str(&o, ", ");
		put_u64(&o, s->sent > n ? s->sent - n : 0);
		put_str(&o, " lost\n");
		if (n == 0) {
			put_str(&o, "round trip: none\n");
		} else {
			put_str(&o, "round trip min/mean/p50/p99/p99.9/max = ");
			for (size_t i = 0; i < 6; i++) {
				if (i > 0)
					put(&o, "/", 1);
				put_us(&o, times[i]);
			}
			put_str(&o, " us\n");
		}
	}
	if (size > 0)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len;
}

static struct stats *armed;
static pid_t armed_pid;
static volatile sig_atomic_t printed;

static const int stats_signals[] = { SIGHUP, SIGINT, SIGTERM };
static struct sigaction saved[3];

void
stats_print(void)
{
	char buf[1024];
	size_t len, off = 0;
	ssize_t n;
	int e = errno;

	if (armed == NULL || printed || getpid() != armed_pid)
		return;
	printed = 1;
	len = stats_format(armed, buf, sizeof(buf));
	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	while (off < len) {
		n = write(STDERR_FILENO, buf + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	errno = e;
}

/* on_signal: the summary, then the action we replaced; the signal,
 * raised again, is delivered to it when this handler returns */
static void
on_signal(int sig)
{
	stats_print();
	for (size_t i = 0; i < 3; i++)
		if (stats_signals[i] == sig)
			sigaction(sig, &saved[i], NULL);
	raise(sig);
}

void
stats_arm(struct stats *s)
{
	struct sigaction sa;

	armed = s;
	armed_pid = getpid();
	atexit(stats_print);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < 3; i++) {
		if (sigs_ignored_at_start(stats_signals[i]) ||
		    sigaction(stats_signals[i], NULL, &saved[i]) == -1 ||
		    saved[i].sa_handler == SIG_IGN)
			continue;
		sigaction(stats_signals[i], &sa, NULL);
	}
}
