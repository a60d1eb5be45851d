/* lat.h - the round trips of a reference, timed on CLOCK_MONOTONIC and
 * kept whole (exact nearest-rank percentiles), printed as one JSON line
 * with the keys of ipctool's --stats --json: sent, p50_us, p99_us,
 * p999_us, max_us */
#ifndef BENCH_LAT_H
#define BENCH_LAT_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double *lat_v;
static long lat_n, lat_cap;

/* lat_now_us: monotonic microseconds */
static inline double
lat_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* lat_init: room for n samples; -1 when out of memory */
static inline int
lat_init(long n)
{
	lat_v = calloc((size_t)n, sizeof(*lat_v));
	lat_cap = n;
	lat_n = 0;
	return lat_v ? 0 : -1;
}

/* lat_add: one round trip of us microseconds */
static inline void
lat_add(double us)
{
	if (lat_n < lat_cap)
		lat_v[lat_n++] = us;
}

static inline int
lat_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* lat_rank: the nearest-rank percentile p (hundredths of a percent) */
static inline double
lat_rank(unsigned p)
{
	long r = (long)(((long long)lat_n * p + 9999) / 10000);

	return lat_v[r < 1 ? 0 : r - 1];
}

/* lat_print: the percentiles as one JSON line on stdout */
static inline void
lat_print(void)
{
	if (lat_n == 0) {
		printf("{\"sent\":0}\n");
		return;
	}
	qsort(lat_v, (size_t)lat_n, sizeof(*lat_v), lat_cmp);
	printf("{\"sent\":%ld,\"p50_us\":%.1f,\"p99_us\":%.1f,"
	    "\"p999_us\":%.1f,\"max_us\":%.1f}\n", lat_n, lat_rank(5000),
	    lat_rank(9900), lat_rank(9990), lat_v[lat_n - 1]);
}

#endif
