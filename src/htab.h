/* htab.h - an intrusive chained hash table that grows without a pause:
 * when it fills up, a table twice the size takes the new elements and
 * every later operation moves a few buckets of the old one over, so no
 * single insert, find or remove costs more than a few buckets' worth
 * (the broker must never stop serving everyone for one client's
 * 100,000th subscription). The elements are the caller's: each holds a
 * chain pointer and its 64-bit hash at the offsets given to htab_init.
 * No I/O, no locking. */
#ifndef IPCTOOL_HTAB_H
#define IPCTOOL_HTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTAB_MIN	8	/* buckets of the first table */
#define HTAB_STEP	4	/* old buckets moved per operation */

struct htab {
	void		**tab;		/* new elements go here */
	size_t		  nbuck;	/* a power of two, 0 before the first */
	void		**old;		/* being emptied into tab, or NULL */
	size_t		  nold;
	size_t		  moved;	/* old buckets emptied so far */
	size_t		  count;	/* elements in both */
	size_t		  link;		/* offset of the chain pointer */
	size_t		  hoff;		/* offset of the uint64_t hash */
	size_t		  cursor;	/* where htab_pop looks first */
};

/* HTAB_INIT(type, next, hash): an empty table of type elements chained
 * through member next, hashed by member hash */
#define HTAB_INIT(type, next, hash) \
	{ .link = offsetof(type, next), .hoff = offsetof(type, hash) }

/* htab_hash: the hash of the len bytes at p for a table's elements whose
 * keys a peer picks (subjects, sids): SipHash-1-3 under a random key of
 * this process's own, so that nobody can make many keys share a bucket.
 * A fast hash such as FNV-1a is iterative without a key: one colliding
 * pair, found offline, makes 2^n colliding names of n pairs chained. */
uint64_t htab_hash(const void *p, size_t len);

/* htab_siphash: SipHash-c-d of p under key k (htab_hash's, and the test
 * vectors' SipHash-2-4) */
uint64_t htab_siphash(const uint64_t k[2], int c, int d, const void *p,
    size_t len);

/* htab_find: the first element with hash h for which eq(elem, key) is
 * true, or NULL */
void *htab_find(struct htab *t, uint64_t h,
    bool (*eq)(const void *elem, const void *key), const void *key);

/* htab_insert: add e (its hash member set); 0, or -1 with errno ENOMEM
 * when a bigger table was needed and could not be had (e is not added) */
int htab_insert(struct htab *t, void *e);

/* htab_remove: take out e, which must be in t */
void htab_remove(struct htab *t, void *e);

/* htab_pop: take out and return some element, NULL when t is empty; adds
 * the buckets it looked at to *work (a caller emptying a big table in
 * slices counts them against its turn) */
void *htab_pop(struct htab *t, size_t *work);

/* htab_each: call fn(elem, arg) for every element (fn must not change
 * t); returns nothing */
void htab_each(const struct htab *t, void (*fn)(void *elem, void *arg),
    void *arg);

/* htab_free: release the buckets (the elements are the caller's); t is
 * empty and usable again */
void htab_free(struct htab *t);

#endif
