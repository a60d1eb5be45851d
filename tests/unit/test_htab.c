/* test_htab.c - the incrementally grown hash table: every element found
 * while the old table is being emptied, removed from either table,
 * popped exactly once, no table ever asked to move more than a few
 * buckets at once */
#include <stdint.h>

#include "htab.h"
#include "check.h"

struct item {
	struct item	*next;
	uint64_t	 hash;
	int		 key;
	int		 seen;
};

static bool
eq(const void *e, const void *key)
{
	return ((const struct item *)e)->key == *(const int *)key;
}

static struct item *
find(struct htab *t, int key, uint64_t h)
{
	return htab_find(t, h, eq, &key);
}

static void
count(void *e, void *arg)
{
	((struct item *)e)->seen++;
	(*(int *)arg)++;
}

#define N 5000

/* siphash: SipHash-2-4 against the reference vectors (key 00 01 .. 0f,
 * message 00 01 .. len-1): every tail length and whole words; then
 * htab_hash, keyed by this process, the same for the same bytes */
static void
siphash(void)
{
	static const struct { size_t len; uint64_t want; } v[] = {
		{ 0, 0x726fdb47dd0e0e31ULL }, { 1, 0x74f839c593dc67fdULL },
		{ 7, 0xab0200f58b01d137ULL }, { 8, 0x93f5f5799a932462ULL },
		{ 9, 0x9e0082df0ba9e4b0ULL }, { 15, 0xa129ca6149be45e5ULL },
		{ 16, 0x3f2acc7f57c29bdbULL }, { 63, 0x958a324ceb064572ULL },
	};
	const uint64_t k[2] = { 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL };
	unsigned char m[64];
	size_t i;

	for (i = 0; i < sizeof(m); i++)
		m[i] = (unsigned char)i;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		CHECK(htab_siphash(k, 2, 4, m, v[i].len) == v[i].want);
	CHECK(htab_hash("foo.bar", 7) == htab_hash("foo.bar", 7));
	CHECK(htab_hash("foo.bar", 7) != htab_hash("foo.baz", 7));
	CHECK(htab_hash("", 0) != htab_siphash((const uint64_t[2]){ 0, 0 },
	    1, 3, "", 0));
}

int
main(void)
{
	static struct item it[N];
	struct htab t = HTAB_INIT(struct item, next, hash);
	size_t work = 0;
	int i, bad = 0, n = 0, popped = 0;
	struct item *e;

	siphash();

	CHECK(find(&t, 1, 1) == NULL);
	CHECK(htab_pop(&t, &work) == NULL);
	/* a weak hash on purpose (many in one bucket), and one that
	 * spreads: both must find everything at every size */
	for (i = 0; i < N; i++) {
		it[i].key = i;
		it[i].hash = i % 3 == 0 ? (uint64_t)(i % 7) :
		    (uint64_t)i * 0x9e3779b97f4a7c15ULL;
		CHECK_INT(htab_insert(&t, &it[i]), 0);
		/* while it grows, the old table is never moved in one go */
		if (t.old != NULL && t.moved > t.nold / 2 && i % 97 == 0)
			CHECK(t.moved < t.nold);
		if (find(&t, i / 2, it[i / 2].hash) != &it[i / 2])
			bad++;
	}
	CHECK_INT(bad, 0);
	CHECK_INT(t.count, N);
	for (i = 0; i < N; i++)
		if (find(&t, i, it[i].hash) != &it[i])
			bad++;
	CHECK_INT(bad, 0);
	CHECK(find(&t, N + 1, 5) == NULL);

	/* grow once more, then remove half while the old table empties */
	while (t.old == NULL) {
		static struct item more[N * 2];

		more[n].key = N + n;
		more[n].hash = (uint64_t)(N + n) * 0x9e3779b97f4a7c15ULL;
		CHECK_INT(htab_insert(&t, &more[n]), 0);
		n++;
	}
	CHECK(t.old != NULL);
	for (i = 0; i < N; i += 2)
		htab_remove(&t, &it[i]);
	CHECK_INT(t.count, N / 2 + n);
	for (i = 0; i < N; i++)
		if (find(&t, i, it[i].hash) != (i % 2 ? &it[i] : NULL))
			bad++;
	CHECK_INT(bad, 0);

	/* htab_each sees every element once */
	n = 0;
	htab_each(&t, count, &n);
	CHECK_INT((size_t)n, t.count);
	for (i = 0; i < N; i++)
		if (it[i].seen != (i % 2))
			bad++;
	CHECK_INT(bad, 0);

	/* htab_pop takes every element once, inserts between pops too */
	while ((e = htab_pop(&t, &work)) != NULL) {
		e->seen += 10;
		popped++;
		if (popped == 100)
			CHECK_INT(htab_insert(&t, &it[0]), 0);
	}
	CHECK_INT(t.count, 0);
	CHECK(t.old == NULL);
	CHECK_INT(popped, n + 1);
	CHECK(it[0].seen == 10);
	for (i = 1; i < N; i++)
		if (it[i].seen != (i % 2) * 11)
			bad++;
	CHECK_INT(bad, 0);
	CHECK(work >= (size_t)popped);
	htab_free(&t);
	CHECK(find(&t, 1, it[1].hash) == NULL);
	CHECK_INT(htab_insert(&t, &it[1]), 0);
	CHECK(find(&t, 1, it[1].hash) == &it[1]);
	htab_free(&t);
	return check_done();
}
