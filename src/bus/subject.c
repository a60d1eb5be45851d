/* subject.c - NATS subject syntax and wildcard matching, and the broker's
 * subscription index: a trie of tokens whose levels hash literal tokens
 * and keep '*' and '>' apart, with round-robin queue-group selection.
 * See https://docs.nats.io/nats-concepts/subjects */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <bsd/stdlib.h>

#include "htab.h"
#include "subject.h"

/* A queue name, kept once for every group that bears it (on any
 * subject): its members take turns across those groups. The match
 * fields gather, without comparing names, the groups of one match. */
struct sublist_qname {
	char			 *name;
	size_t			  len;
	uint64_t		  hash;
	size_t			  refs;		/* groups of this name */
	struct sublist_qname	 *hnext;	/* chain in the name table */
	unsigned int		  rr;		/* next turn */
	/* the match in progress */
	uint64_t		  epoch;	/* of the match that saw it last */
	size_t			  total;	/* members matched */
	struct sublist_group	 *first;	/* groups matched, chained */
};

/* A queue group at one node: its members take turns. */
struct sublist_group {
	struct sublist_qname	 *qn;
	struct sublist_node	 *node;
	struct sublist_entry	**v;
	size_t			  n;
	size_t			  cap;
	size_t			  index;	/* in node->groups */
	struct sublist_group	 *hnext;	/* chain in the group table */
	uint64_t		  hash;		/* group_hash(node, qn) */
	struct sublist_group	 *mnext;	/* next of its name in a match */
};

/* One token of a pattern; the path from the root spells the pattern. */
struct sublist_node {
	struct sublist_node	 *parent;
	struct sublist_node	 *hnext;	/* chain in the parent's table */
	uint64_t		  hash;
	char			 *tok;
	size_t			  tlen;
	struct htab		 *kids;		/* literal children, NULL for
						 * none (most nodes are leaves) */
	struct sublist_node	 *pwc;		/* child '*' */
	struct sublist_node	 *fwc;		/* child '>' */
	struct sublist_entry	**subs;
	size_t			  nsubs;
	size_t			  capsubs;
	struct sublist_group	**groups;
	size_t			  ngroups;
	size_t			  capgroups;
};

/* is_wild: true when the token is exactly the one-byte wildcard w */
static bool
is_wild(const char *t, size_t len, char w)
{
	return len == 1 && t[0] == w;
}

/* bad_byte: true for bytes never allowed in a subject or queue name */
static bool
bad_byte(unsigned char c)
{
	return c <= ' ' || c == 0x7f;
}

bool
subject_valid(const char *s, size_t len, bool wild)
{
	size_t i, start = 0;

	if (s == NULL || len == 0)
		return false;
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '.') {
			if (bad_byte((unsigned char)s[i]))
				return false;
			continue;
		}
		if (i == start)
			return false;		/* empty token */
		if (is_wild(s + start, i - start, '*') && !wild)
			return false;
		if (is_wild(s + start, i - start, '>') && (!wild || i < len))
			return false;
		start = i + 1;
	}
	return true;
}

bool
subject_literal(const char *s, size_t len)
{
	size_t i, start = 0;

	if (s == NULL || len == 0)
		return false;
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		if (i == start || is_wild(s + start, i - start, '*') ||
		    is_wild(s + start, i - start, '>'))
			return false;
		start = i + 1;
	}
	return true;
}

/* token: length of the token at s[*pos] (up to '.' or len); advances *pos
 * past the token and its dot, or to len + 1 after the last token */
static size_t
token(const char *s, size_t len, size_t *pos, const char **tok)
{
	const char *dot;
	size_t tlen;

	*tok = s + *pos;
	dot = memchr(*tok, '.', len - *pos);
	tlen = dot ? (size_t)(dot - *tok) : len - *pos;
	*pos += tlen + 1;
	return tlen;
}

bool
subject_match(const char *pat, size_t plen, const char *subj, size_t slen)
{
	const char *pt, *st;
	size_t pp = 0, sp = 0, ptl, stl;

	if (plen == 0 || slen == 0)
		return false;
	while (pp <= plen) {
		ptl = token(pat, plen, &pp, &pt);
		if (is_wild(pt, ptl, '>'))
			return sp <= slen;	/* one or more tokens left */
		if (sp > slen)
			return false;
		stl = token(subj, slen, &sp, &st);
		if (!is_wild(pt, ptl, '*') &&
		    (ptl != stl || memcmp(pt, st, ptl) != 0))
			return false;
	}
	return sp > slen;
}

/* hash: a token's hash (keyed: a peer picks the tokens) */
static uint64_t
hash(const char *t, size_t len)
{
	return htab_hash(t, len);
}

/* group_hash: the group table's key of (node, queue name) */
static uint64_t
group_hash(const struct sublist_node *n, const struct sublist_qname *q)
{
	uint64_t h = (uint64_t)(uintptr_t)n * 0x9e3779b97f4a7c15ULL;

	h ^= (uint64_t)(uintptr_t)q + 0x7f4a7c159e3779b9ULL + (h << 6) +
	    (h >> 2);
	return h ^ (h >> 29);
}

/* grow: make room for one more element in the array whose pointer is at
 * vp (n used, *cap slots of size bytes); returns 0, or -1 (ENOMEM) */
static int
grow(void *vp, size_t n, size_t *cap, size_t size)
{
	void *v, *nv;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 4;
	memcpy(&v, vp, sizeof(v));
	if ((nv = reallocarray(v, ncap, size)) == NULL)
		return -1;
	memcpy(vp, &nv, sizeof(nv));
	*cap = ncap;
	return 0;
}

/* PUSH: append x to array v of n elements and cap slots; 0 or -1 */
#define PUSH(v, n, cap, x)						\
	(grow(&(v), (n), &(cap), sizeof(*(v))) == -1 ? -1 :		\
	    ((v)[(n)++] = (x), 0))

/* node_new: a node for token t under parent, or NULL with errno ENOMEM */
static struct sublist_node *
node_new(struct sublist_node *parent, const char *t, size_t len)
{
	struct sublist_node *n;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	if ((n->tok = malloc(len + 1)) == NULL) {
		free(n);
		return NULL;
	}
	memcpy(n->tok, t, len);
	n->tok[len] = '\0';
	n->tlen = len;
	n->hash = hash(t, len);
	n->parent = parent;
	return n;
}

/* node_free: release n and everything under it; returns nothing */
static void
node_free(struct sublist_node *n)
{
	struct sublist_node *c;
	size_t i, work = 0;

	if (n == NULL)
		return;
	while (n->kids != NULL && (c = htab_pop(n->kids, &work)) != NULL)
		node_free(c);
	node_free(n->pwc);
	node_free(n->fwc);
	for (i = 0; i < n->ngroups; i++) {
		free(n->groups[i]->v);
		free(n->groups[i]);
	}
	free(n->groups);
	free(n->subs);
	if (n->kids != NULL)
		htab_free(n->kids);
	free(n->kids);
	free(n->tok);
	free(n);
}

/* A token to look for among a node's children */
struct tok {
	const char	*p;
	size_t		 len;
};

static bool
tok_eq(const void *elem, const void *key)
{
	const struct sublist_node *c = elem;
	const struct tok *t = key;

	return c->tlen == t->len && memcmp(c->tok, t->p, t->len) == 0;
}

/* child_find: the literal child of n for token t, or NULL */
static struct sublist_node *
child_find(const struct sublist_node *n, const char *t, size_t len)
{
	struct tok k = { t, len };

	if (n->kids == NULL)
		return NULL;
	/* a find moves a few buckets of a growing table: the node is the
	 * index's, not the caller's */
	return htab_find(n->kids, hash(t, len), tok_eq, &k);
}

/* child_link: put c in n's table; returns 0 or -1 (ENOMEM) */
static int
child_link(struct sublist_node *n, struct sublist_node *c)
{
	static const struct htab empty = HTAB_INIT(struct sublist_node, hnext,
	    hash);

	if (n->kids == NULL) {
		if ((n->kids = malloc(sizeof(*n->kids))) == NULL)
			return -1;
		*n->kids = empty;
	}
	return htab_insert(n->kids, c);
}

/* child_unlink: take c out of its parent; returns nothing */
static void
child_unlink(struct sublist_node *c)
{
	struct sublist_node *n = c->parent;

	if (n->pwc == c) {
		n->pwc = NULL;
		return;
	}
	if (n->fwc == c) {
		n->fwc = NULL;
		return;
	}
	htab_remove(n->kids, c);
	if (n->kids->count == 0) {
		htab_free(n->kids);
		free(n->kids);
		n->kids = NULL;
	}
}

/* child_get: the child of n for token t, created if missing; NULL with
 * errno ENOMEM */
static struct sublist_node *
child_get(struct sublist_node *n, const char *t, size_t len)
{
	struct sublist_node *c, **slot = NULL;

	if (is_wild(t, len, '*'))
		slot = &n->pwc;
	else if (is_wild(t, len, '>'))
		slot = &n->fwc;
	if (slot != NULL) {
		if (*slot == NULL)
			*slot = node_new(n, t, len);
		return *slot;
	}
	if ((c = child_find(n, t, len)) != NULL)
		return c;
	if ((c = node_new(n, t, len)) == NULL)
		return NULL;
	if (child_link(n, c) == -1) {
		node_free(c);
		return NULL;
	}
	return c;
}

/* node_empty: true when n holds nothing and leads nowhere */
static bool
node_empty(const struct sublist_node *n)
{
	return n->nsubs == 0 && n->ngroups == 0 &&
	    (n->kids == NULL || n->kids->count == 0) &&
	    n->pwc == NULL && n->fwc == NULL;
}

/* prune: free n and its ancestors while they are empty; returns nothing */
static void
prune(struct sublist_node *n)
{
	struct sublist_node *parent;

	while (n->parent != NULL && node_empty(n)) {
		parent = n->parent;
		child_unlink(n);
		node_free(n);
		n = parent;
	}
}

static bool
qname_eq(const void *elem, const void *key)
{
	const struct sublist_qname *qn = elem;
	const struct tok *t = key;

	return qn->len == t->len && memcmp(qn->name, t->p, t->len) == 0;
}

/* qname_get: the queue name q (one reference more), made if missing;
 * NULL with errno ENOMEM */
static struct sublist_qname *
qname_get(struct sublist *sl, const char *q, size_t len)
{
	struct sublist_qname *qn;
	struct tok k = { q, len };
	uint64_t h = hash(q, len);

	if ((qn = htab_find(&sl->qnames, h, qname_eq, &k)) != NULL) {
		qn->refs++;
		return qn;
	}
	if ((qn = calloc(1, sizeof(*qn))) == NULL)
		return NULL;
	if ((qn->name = malloc(len + 1)) == NULL) {
		free(qn);
		return NULL;
	}
	memcpy(qn->name, q, len);
	qn->name[len] = '\0';
	qn->len = len;
	qn->hash = h;
	qn->refs = 1;
	if (htab_insert(&sl->qnames, qn) == -1) {
		free(qn->name);
		free(qn);
		return NULL;
	}
	return qn;
}

/* qname_put: drop a reference to qn, freeing it with the last */
static void
qname_put(struct sublist *sl, struct sublist_qname *qn)
{
	if (--qn->refs > 0)
		return;
	htab_remove(&sl->qnames, qn);
	free(qn->name);
	free(qn);
}

/* group_new: a new empty group of n named qn, in the table and in n */
static struct sublist_group *
group_new(struct sublist *sl, struct sublist_node *n,
    struct sublist_qname *qn)
{
	struct sublist_group *g;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		return NULL;
	g->qn = qn;
	g->node = n;
	g->hash = group_hash(n, qn);
	g->index = n->ngroups;
	if (htab_insert(&sl->groups, g) == -1) {
		free(g);
		return NULL;
	}
	if (PUSH(n->groups, n->ngroups, n->capgroups, g) == -1) {
		htab_remove(&sl->groups, g);
		free(g);
		return NULL;
	}
	return g;
}

static bool
group_eq(const void *elem, const void *key)
{
	const struct sublist_group *g = elem, *k = key;

	return g->node == k->node && g->qn == k->qn;
}

/* group_get: n's queue group named q, created if missing (found through
 * the table of groups by node and name, whatever the number of groups
 * at n); NULL with errno ENOMEM */
static struct sublist_group *
group_get(struct sublist *sl, struct sublist_node *n, const char *q,
    size_t len)
{
	struct sublist_qname *qn;
	struct sublist_group *g, key;

	if ((qn = qname_get(sl, q, len)) == NULL)
		return NULL;
	key.node = n;
	key.qn = qn;
	if ((g = htab_find(&sl->groups, group_hash(n, qn), group_eq,
	    &key)) != NULL) {
		qname_put(sl, qn);	/* g holds one */
		return g;
	}
	if ((g = group_new(sl, n, qn)) == NULL)
		qname_put(sl, qn);
	return g;
}

/* group_drop: free g, empty, and take it out of n and the table */
static void
group_drop(struct sublist *sl, struct sublist_node *n,
    struct sublist_group *g)
{
	n->groups[g->index] = n->groups[--n->ngroups];
	n->groups[g->index]->index = g->index;
	htab_remove(&sl->groups, g);
	qname_put(sl, g->qn);
	free(g->v);
	free(g);
}

/* queue_valid: true when q is a usable queue group name */
static bool
queue_valid(const char *q, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (bad_byte((unsigned char)q[i]))
			return false;
	return len > 0;
}

int
sublist_init(struct sublist *sl,
    bool (*live)(const struct sublist_entry *e))
{
	memset(sl, 0, sizeof(*sl));
	sl->qnames = (struct htab)HTAB_INIT(struct sublist_qname, hnext, hash);
	sl->groups = (struct htab)HTAB_INIT(struct sublist_group, hnext, hash);
	sl->live = live;
	if ((sl->root = calloc(1, sizeof(*sl->root))) == NULL)
		return -1;
	return 0;
}

void
sublist_free(struct sublist *sl)
{
	struct sublist_qname *qn;
	size_t work = 0;

	node_free(sl->root);
	while ((qn = htab_pop(&sl->qnames, &work)) != NULL) {
		free(qn->name);
		free(qn);
	}
	htab_free(&sl->qnames);
	htab_free(&sl->groups);
	memset(sl, 0, sizeof(*sl));
}

int
sublist_insert(struct sublist *sl, struct sublist_entry *e)
{
	struct sublist_node *n = sl->root, *c;
	struct sublist_group *g = NULL;
	const char *t;
	size_t pos = 0, tlen;
	int rc;

	if (!subject_valid(e->subject, e->subject_len, true) ||
	    (e->queue != NULL && e->queue_len > 0 &&
	    !queue_valid(e->queue, e->queue_len))) {
		errno = EINVAL;
		return -1;
	}
	while (pos <= e->subject_len) {
		tlen = token(e->subject, e->subject_len, &pos, &t);
		if ((c = child_get(n, t, tlen)) == NULL)
			goto fail;
		n = c;
	}
	if (e->queue != NULL && e->queue_len > 0) {
		if ((g = group_get(sl, n, e->queue, e->queue_len)) == NULL)
			goto fail;
		e->index = g->n;
		rc = PUSH(g->v, g->n, g->cap, e);
		if (rc == -1 && g->n == 0)
			group_drop(sl, n, g);
	} else {
		e->index = n->nsubs;
		rc = PUSH(n->subs, n->nsubs, n->capsubs, e);
	}
	if (rc == -1)
		goto fail;
	e->node = n;
	e->group = g;
	sl->count++;
	return 0;
fail:
	prune(n);
	errno = ENOMEM;
	return -1;
}

void
sublist_remove(struct sublist *sl, struct sublist_entry *e)
{
	struct sublist_node *n = e->node;
	struct sublist_group *g = e->group;

	if (g != NULL) {
		g->v[e->index] = g->v[--g->n];
		g->v[e->index]->index = e->index;
		if (g->n == 0)
			group_drop(sl, n, g);
	} else {
		n->subs[e->index] = n->subs[--n->nsubs];
		n->subs[e->index]->index = e->index;
	}
	e->node = NULL;
	e->group = NULL;
	sl->count--;
	prune(n);
}

/* collect: add n's plain entries and queue groups to r; 0 or -1 */
static int
collect(const struct sublist_node *n, struct sublist_result *r)
{
	size_t i;

	for (i = 0; i < n->nsubs; i++)
		if (PUSH(r->v, r->n, r->cap, n->subs[i]) == -1)
			return -1;
	for (i = 0; i < n->ngroups; i++)
		if (PUSH(r->g, r->ng, r->gcap,
		    n->groups[i]) == -1)
			return -1;
	return 0;
}

/* walk: collect what the tokens of s from pos match below n; 0 or -1 */
static int
walk(const struct sublist_node *n, const char *s, size_t len, size_t pos,
    struct sublist_result *r)
{
	const struct sublist_node *c;
	const char *t;
	size_t tlen;

	if (pos > len)
		return collect(n, r);
	if (n->fwc != NULL && collect(n->fwc, r) == -1)
		return -1;
	tlen = token(s, len, &pos, &t);
	if (n->pwc != NULL && walk(n->pwc, s, len, pos, r) == -1)
		return -1;
	if ((c = child_find(n, t, tlen)) != NULL)
		return walk(c, s, len, pos, r);
	return 0;
}

/* pick: append one member per distinct queue name among the groups in
 * r->g, taking turns per name: the groups of each name are chained
 * through their shared name record (no two names are compared), so the
 * work is linear in the groups matched; 0 or -1 */
static int
pick(struct sublist *sl, struct sublist_result *r)
{
	struct sublist_qname *qn;
	struct sublist_group *g;
	size_t i, k, tries;

	sl->epoch++;
	r->nq = 0;
	for (i = 0; i < r->ng; i++) {
		g = r->g[i];
		qn = g->qn;
		if (qn->epoch != sl->epoch) {
			qn->epoch = sl->epoch;
			qn->total = 0;
			qn->first = NULL;
			if (PUSH(r->q, r->nq, r->qcap, qn) == -1)
				return -1;
		}
		g->mnext = qn->first;
		qn->first = g;
		qn->total += g->n;
	}
	for (i = 0; i < r->nq; i++) {
		qn = r->q[i];
		k = qn->rr++ % qn->total;
		for (g = qn->first; k >= g->n; g = g->mnext)
			k -= g->n;
		/* the member whose turn it is, or the next live one (as
		 * nats-server goes on to the next member when one fails):
		 * the members of a client on its way out stay in the index
		 * until they are reaped, a slice at a time */
		for (tries = 0; tries < qn->total; tries++) {
			if (sl->live == NULL || sl->live(g->v[k])) {
				if (PUSH(r->v, r->n, r->cap, g->v[k]) == -1)
					return -1;
				break;
			}
			r->probes++;
			if (++k == g->n) {
				k = 0;
				if ((g = g->mnext) == NULL)
					g = qn->first;
			}
		}
	}
	return 0;
}

int
sublist_match(struct sublist *sl, const char *subj, size_t len,
    struct sublist_result *r)
{
	r->n = 0;
	r->ng = 0;
	r->probes = 0;
	if (subj == NULL || len == 0) {
		errno = EINVAL;
		return -1;
	}
	if (subj[0] == '.' || subj[len - 1] == '.' ||
	    memmem(subj, len, "..", 2) != NULL)
		return 0;	/* an empty token: nothing matches */
	if (walk(sl->root, subj, len, 0, r) == -1 || pick(sl, r) == -1) {
		errno = ENOMEM;
		return -1;
	}
	return (int)r->n;
}

void
sublist_result_free(struct sublist_result *r)
{
	free(r->v);
	free(r->g);
	free(r->q);
	memset(r, 0, sizeof(*r));
}
