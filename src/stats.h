/* stats.h - round-trip statistics of the synchronous senders (--stats):
 * a log-linear histogram of nanoseconds (bounded memory, known error),
 * nearest-rank percentiles, and the summary printed at exit, even on
 * SIGINT, SIGTERM or SIGHUP, as ping(8) does */
#ifndef IPCTOOL_STATS_H
#define IPCTOOL_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The histogram: a value below 2^STATS_SUB_BITS ns has a bucket of its
 * own (exact); above, each power of two is cut into 2^STATS_SUB_BITS
 * equal buckets. A percentile is reported as the largest value of its
 * bucket (never below the truth), clamped to the exact min and max, so
 * it is at most 1/128 (0.8 %) above the true sample. 7,424 buckets cover
 * every uint64_t, 58 KiB whatever the count.
 */
#define STATS_SUB_BITS	7
#define STATS_SUB	(1u << STATS_SUB_BITS)
#define STATS_BUCKETS	(STATS_SUB + (64 - STATS_SUB_BITS) * STATS_SUB)

struct stats {
	const char *name;	/* "ipctool fifo send": the summary's title */
	const char *verb;	/* "acknowledged", "answered" */
	bool json;		/* the summary as one JSON object */
	uint64_t sent;		/* messages sent */
	uint64_t acked;		/* round trips completed (samples) */
	uint64_t min, max;	/* ns, exact; min UINT64_MAX when none */
	uint64_t sum;		/* ns, saturating */
	uint64_t counts[STATS_BUCKETS];
};

/* stats_init: an empty recorder titled name, counting answers as verb */
void stats_init(struct stats *s, const char *name, const char *verb,
    bool json);

/* stats_now: CLOCK_MONOTONIC in nanoseconds */
uint64_t stats_now(void);

/* stats_sent: one more message sent */
void stats_sent(struct stats *s);

/* stats_add: one round trip of ns nanoseconds completed */
void stats_add(struct stats *s, uint64_t ns);

/* stats_bucket: the bucket of v; stats_bucket_max: the largest value in
 * bucket b */
size_t stats_bucket(uint64_t v);
uint64_t stats_bucket_max(size_t b);

/* stats_percentile: the nearest-rank percentile of the samples, p in
 * hundredths of a percent (5000 p50, 9990 p99.9, 10000 the max); 0 when
 * there is no sample */
uint64_t stats_percentile(const struct stats *s, unsigned p);

/*
 * stats_format: the summary into buf as snprintf does (at most size - 1
 * bytes and a NUL; returns the full length). Times in microseconds with
 * one decimal. Text, three lines:
 *   --- ipctool fifo send statistics ---
 *   3 sent, 3 acknowledged, 0 lost
 *   round trip min/mean/p50/p99/p99.9/max = 9.8/12.1/11.0/17.5/17.5/17.5 us
 * (the last "round trip: none" without a sample); JSON, one line:
 *   {"stats":"ipctool fifo send","sent":3,"acknowledged":3,"lost":0,
 *    "min_us":9.8,"mean_us":12.1,"p50_us":11.0,"p99_us":17.5,
 *    "p999_us":17.5,"max_us":17.5}
 * (the second key is the verb; the times null without a sample). Async-signal-safe: no malloc, no
 * stdio, so the handler of a terminating signal may call it.
 */
size_t stats_format(const struct stats *s, char *buf, size_t size);

/*
 * stats_arm: print the summary of s on stderr once, at exit (a timeout's
 * errx included) or when SIGINT, SIGTERM or SIGHUP ends us (a signal
 * ignored at start stays ignored). The handler chains to the one it
 * replaces (cleanup such as removing a reply FIFO still happens), then
 * the signal ends the program as it would have. Call it once, after
 * every other handler of those signals is installed.
 */
void stats_arm(struct stats *s);

/* stats_print: print the summary of the armed recorder now (once) */
void stats_print(void);

#endif
