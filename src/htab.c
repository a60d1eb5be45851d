/* htab.c - an intrusive chained hash table with incremental growth: see
 * htab.h. A table that fills (as many elements as buckets) gets one twice
 * the size; the old one is emptied into it HTAB_STEP buckets per later
 * operation, and is done long before the new one fills in turn. */
#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

#include "htab.h"

#define NEXT(t, e)	(*(void **)((char *)(e) + (t)->link))
#define HASH(t, e)	(*(const uint64_t *)((const char *)(e) + (t)->hoff))

/* A key of this process's own, so that a peer who picks names whose
 * 64-bit hashes differ cannot also pick which bucket they land in */
static uint64_t seed;

/* The key of htab_hash, 128 random bits drawn at the first use */
static uint64_t hkey[2];
static bool keyed;

/* draw: the keys, once (a fixed fallback only where getrandom(2) has no
 * entropy yet, early in a boot) */
static void
draw(void)
{
	uint64_t k[3];

	if (keyed)
		return;
	if (getrandom(k, sizeof(k), GRND_NONBLOCK) != (ssize_t)sizeof(k)) {
		k[0] = 0x736f6d6570736575ULL;
		k[1] = 0x646f72616e646f6dULL;
		k[2] = 0x9e3779b97f4a7c15ULL;
	}
	hkey[0] = k[0];
	hkey[1] = k[1];
	seed = k[2];
	keyed = true;
}

#define ROTL(x, b)	(uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND(v0, v1, v2, v3) do { \
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
} while (0)

uint64_t
htab_siphash(const uint64_t k[2], int c, int d, const void *p, size_t len)
{
	const unsigned char *m = p;
	uint64_t v0 = k[0] ^ 0x736f6d6570736575ULL;
	uint64_t v1 = k[1] ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k[0] ^ 0x6c7967656e657261ULL;
	uint64_t v3 = k[1] ^ 0x7465646279746573ULL;
	uint64_t w, b = (uint64_t)len << 56;
	size_t i, end = len & ~(size_t)7;
	int r;

	for (i = 0; i < end; i += 8) {
		w = 0;
		for (r = 7; r >= 0; r--)
			w = w << 8 | m[i + (size_t)r];
		v3 ^= w;
		for (r = 0; r < c; r++)
			SIPROUND(v0, v1, v2, v3);
		v0 ^= w;
	}
	for (r = 0; i + (size_t)r < len; r++)
		b |= (uint64_t)m[i + (size_t)r] << (8 * r);
	v3 ^= b;
	for (r = 0; r < c; r++)
		SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	for (r = 0; r < d; r++)
		SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t
htab_hash(const void *p, size_t len)
{
	draw();
	return htab_siphash(hkey, 1, 3, p, len);
}

/* mix: the bucket bits of a caller's hash: every bit of h (and of the
 * seed) stirred into the low ones (MurmurHash3's finalizer), since
 * some callers' hashes (of pointers) keep their low bits poor */
static uint64_t
mix(uint64_t h)
{
	h ^= seed;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 33);
}

/* in_old: true when an element of hash h is still in the old table */
static bool
in_old(const struct htab *t, uint64_t h)
{
	return t->old != NULL && (mix(h) & (t->nold - 1)) >= t->moved;
}

/* slot: the chain an element of hash h is in */
static void **
slot(const struct htab *t, uint64_t h)
{
	if (in_old(t, h))
		return &t->old[mix(h) & (t->nold - 1)];
	return &t->tab[mix(h) & (t->nbuck - 1)];
}

/* move_bucket: empty old bucket t->moved into the new table */
static void
move_bucket(struct htab *t)
{
	void *e, *next, **s;

	for (e = t->old[t->moved]; e != NULL; e = next) {
		next = NEXT(t, e);
		s = &t->tab[mix(HASH(t, e)) & (t->nbuck - 1)];
		NEXT(t, e) = *s;
		*s = e;
	}
	t->old[t->moved++] = NULL;
	if (t->moved == t->nold) {
		free(t->old);
		t->old = NULL;
		t->nold = t->moved = 0;
	}
}

/* step: move a few old buckets over */
static void
step(struct htab *t)
{
	int i;

	for (i = 0; i < HTAB_STEP && t->old != NULL; i++)
		move_bucket(t);
}

void *
htab_find(struct htab *t, uint64_t h,
    bool (*eq)(const void *elem, const void *key), const void *key)
{
	void *e;

	if (t->nbuck == 0)
		return NULL;
	step(t);
	for (e = *slot(t, h); e != NULL; e = NEXT(t, e))
		if (HASH(t, e) == h && eq(e, key))
			return e;
	return NULL;
}

int
htab_insert(struct htab *t, void *e)
{
	void **nt, **s;
	size_t nb;

	if (t->old == NULL && t->count >= t->nbuck) {
		nb = t->nbuck > 0 ? t->nbuck * 2 : HTAB_MIN;
		draw();
		if ((nt = calloc(nb, sizeof(*nt))) == NULL) {
			errno = ENOMEM;
			return -1;
		}
		if (t->nbuck > 0) {
			t->old = t->tab;
			t->nold = t->nbuck;
			t->moved = 0;
		}
		t->tab = nt;
		t->nbuck = nb;
		t->cursor = 0;
	}
	step(t);
	s = slot(t, HASH(t, e));
	NEXT(t, e) = *s;
	*s = e;
	t->count++;
	return 0;
}

void
htab_remove(struct htab *t, void *e)
{
	void **pp;

	step(t);
	for (pp = slot(t, HASH(t, e)); *pp != NULL; pp = &NEXT(t, *pp))
		if (*pp == e) {
			*pp = NEXT(t, e);
			t->count--;
			return;
		}
}

void *
htab_pop(struct htab *t, size_t *work)
{
	void *e;

	if (t->count == 0)
		return NULL;
	/* the old table first, from the next bucket to move: an empty one
	 * counts as moved */
	while (t->old != NULL) {
		(*work)++;
		if ((e = t->old[t->moved]) != NULL) {
			t->old[t->moved] = NEXT(t, e);
			t->count--;
			return e;
		}
		move_bucket(t);
	}
	/* then round the new one from where the last pop stopped: each
	 * bucket looked at once per round, not once per element */
	for (;;) {
		(*work)++;
		if ((e = t->tab[t->cursor]) != NULL) {
			t->tab[t->cursor] = NEXT(t, e);
			t->count--;
			return e;
		}
		t->cursor = (t->cursor + 1) & (t->nbuck - 1);
	}
}

void
htab_each(const struct htab *t, void (*fn)(void *elem, void *arg), void *arg)
{
	void *e, *next;
	size_t i;

	for (i = t->moved; t->old != NULL && i < t->nold; i++)
		for (e = t->old[i]; e != NULL; e = next) {
			next = NEXT(t, e);
			fn(e, arg);
		}
	for (i = 0; i < t->nbuck; i++)
		for (e = t->tab[i]; e != NULL; e = next) {
			next = NEXT(t, e);
			fn(e, arg);
		}
}

void
htab_free(struct htab *t)
{
	free(t->tab);
	free(t->old);
	t->tab = t->old = NULL;
	t->nbuck = t->nold = t->moved = t->count = t->cursor = 0;
}
