/* test_stats.c - the round-trip recorder: histogram buckets, nearest-rank
 * percentiles against a sorted array, the text and JSON summaries */
#include <stdint.h>

#include "check.h"
#include "stats.h"

static struct stats s;

/* exact_rank: the nearest-rank percentile p (hundredths of a percent) of
 * the n sorted values v */
static uint64_t
exact_rank(const uint64_t *v, size_t n, unsigned p)
{
	size_t rank = (size_t)(((unsigned __int128)n * p + 9999) / 10000);

	return v[rank == 0 ? 0 : rank - 1];
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int
main(void)
{
	static uint64_t v[20000];
	char buf[512];
	uint64_t x = 88172645463325252ull;
	size_t len;
	int bad;

	/* buckets: exact below 128, then 128 a power of two, contiguous,
	 * the last ending at UINT64_MAX */
	CHECK_INT(stats_bucket(0), 0);
	CHECK_INT(stats_bucket(127), 127);
	CHECK_INT(stats_bucket(128), 128);
	CHECK_INT(stats_bucket(255), 255);
	CHECK_INT(stats_bucket(256), 256);
	CHECK_INT(stats_bucket(257), 256);
	CHECK(stats_bucket_max(256) == 257);
	CHECK_INT(stats_bucket(UINT64_MAX), STATS_BUCKETS - 1);
	CHECK(stats_bucket_max(STATS_BUCKETS - 1) == UINT64_MAX);
	bad = 0;
	for (size_t b = 0; b + 1 < STATS_BUCKETS; b++)
		if (stats_bucket(stats_bucket_max(b)) != b ||
		    stats_bucket(stats_bucket_max(b) + 1) != b + 1)
			bad++;
	CHECK_INT(bad, 0);

	/* no sample: percentiles 0, "none", JSON nulls */
	stats_init(&s, "ipctool t", "acknowledged", false);
	stats_sent(&s);
	CHECK(stats_percentile(&s, 5000) == 0);
	stats_format(&s, buf, sizeof(buf));
	CHECK_STR(buf, "--- ipctool t statistics ---\n"
	    "1 sent, 0 acknowledged, 1 lost\nround trip: none\n");
	s.json = true;
	stats_format(&s, buf, sizeof(buf));
	CHECK_STR(buf, "{\"stats\":\"ipctool t\",\"sent\":1,"
	    "\"acknowledged\":0,\"lost\":1,\"min_us\":null,\"mean_us\":null,"
	    "\"p50_us\":null,\"p99_us\":null,\"p999_us\":null,"
	    "\"max_us\":null}\n");

	/* one sample: every percentile is it */
	stats_init(&s, "ipctool t", "answered", false);
	stats_sent(&s);
	stats_add(&s, 123456);
	CHECK(stats_percentile(&s, 0) == 123456);
	CHECK(stats_percentile(&s, 5000) == 123456);
	CHECK(stats_percentile(&s, 9990) == 123456);
	CHECK(stats_percentile(&s, 10000) == 123456);
	stats_format(&s, buf, sizeof(buf));
	CHECK_STR(buf, "--- ipctool t statistics ---\n"
	    "1 sent, 1 answered, 0 lost\nround trip min/mean/p50/p99/p99.9/max"
	    " = 123.5/123.5/123.5/123.5/123.5/123.5 us\n");

	/* exact inputs: 1..100 ns, each in a bucket of its own */
	stats_init(&s, "t", "acknowledged", false);
	for (uint64_t i = 100; i >= 1; i--)
		stats_add(&s, i);
	CHECK(stats_percentile(&s, 5000) == 50);
	CHECK(stats_percentile(&s, 9900) == 99);
	CHECK(stats_percentile(&s, 9990) == 100);
	CHECK(stats_percentile(&s, 100) == 1);
	CHECK(stats_percentile(&s, 1) == 1);
	CHECK_INT(s.acked, 100);

	/* three samples, in µs with one decimal: the percentile is the top
	 * of its bucket, clamped to the max */
	stats_init(&s, "t", "acknowledged", false);
	for (int i = 1; i <= 4; i++)
		stats_sent(&s);
	stats_add(&s, 3000);
	stats_add(&s, 1000);
	stats_add(&s, 2000);
	stats_format(&s, buf, sizeof(buf));
	CHECK_STR(buf, "--- t statistics ---\n4 sent, 3 acknowledged, 1 lost\n"
	    "round trip min/mean/p50/p99/p99.9/max = "
	    "1.0/2.0/2.0/3.0/3.0/3.0 us\n");
	s.json = true;
	stats_format(&s, buf, sizeof(buf));
	CHECK_STR(buf, "{\"stats\":\"t\",\"sent\":4,\"acknowledged\":3,"
	    "\"lost\":1,\"min_us\":1.0,\"mean_us\":2.0,\"p50_us\":2.0,"
	    "\"p99_us\":3.0,\"p999_us\":3.0,\"max_us\":3.0}\n");

	/* random samples over 40 bits: never below the exact percentile,
	 * at most 1/128 above it */
	stats_init(&s, "t", "acknowledged", false);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		v[i] = (x >> 24) >> (x % 40);
		stats_add(&s, v[i]);
	}
	qsort(v, sizeof(v) / sizeof(v[0]), sizeof(v[0]), cmp_u64);
	bad = 0;
	for (unsigned p = 0; p <= 10000; p += 7) {
		uint64_t want = exact_rank(v, sizeof(v) / sizeof(v[0]), p);
		uint64_t got = stats_percentile(&s, p);

		if (got < want || got - want > want / STATS_SUB)
			bad++;
	}
	CHECK_INT(bad, 0);
	CHECK(stats_percentile(&s, 10000) == v[sizeof(v) / sizeof(v[0]) - 1]);
	CHECK(s.min == v[0]);

	/* huge values: the top bucket, a saturated sum */
	stats_init(&s, "t", "acknowledged", true);
	stats_sent(&s);
	stats_sent(&s);
	stats_add(&s, UINT64_MAX);
	stats_add(&s, UINT64_MAX - 1);
	CHECK(stats_percentile(&s, 9990) == UINT64_MAX);
	/* both in the top bucket: its top, within 1/128 of the sample */
	CHECK(stats_percentile(&s, 5000) == UINT64_MAX);
	CHECK(s.min == UINT64_MAX - 1);
	CHECK(s.sum == UINT64_MAX);
	stats_format(&s, buf, sizeof(buf));
	CHECK_STR(buf, "{\"stats\":\"t\",\"sent\":2,\"acknowledged\":2,"
	    "\"lost\":0,\"min_us\":18446744073709551.6,"
	    "\"mean_us\":9223372036854775.8,\"p50_us\":18446744073709551.6,"
	    "\"p99_us\":18446744073709551.6,\"p999_us\":18446744073709551.6,"
	    "\"max_us\":18446744073709551.6}\n");

	/* snprintf's contract; a name that needs JSON escapes */
	stats_init(&s, "a\"b", "acknowledged", true);
	len = stats_format(&s, buf, 10);
	CHECK_INT(len, strlen("{\"stats\":\"a\\\"b\",\"sent\":0,"
	    "\"acknowledged\":0,\"lost\":0,\"min_us\":null,\"mean_us\":null,"
	    "\"p50_us\":null,\"p99_us\":null,\"p999_us\":null,"
	    "\"max_us\":null}\n"));
	CHECK_STR(buf, "{\"stats\":");
	CHECK_INT(stats_format(&s, NULL, 0), len);
	return check_done();
}
