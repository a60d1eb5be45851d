/* subject.h - NATS subjects: syntax, wildcard matching ('*' one token,
 * '>' the remaining tokens) and a subscription index (a token trie) with
 * queue-group selection, for the embedded broker. No I/O. */
#ifndef IPCTOOL_BUS_SUBJECT_H
#define IPCTOOL_BUS_SUBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "htab.h"

/* subject_valid: true when s is a well-formed subject: tokens separated
 * by '.', none empty, no whitespace or control bytes; with wild, '*' and
 * '>' are wildcards when they are a whole token and '>' must be last;
 * without wild (publish subjects) such tokens are refused */
bool subject_valid(const char *s, size_t len, bool wild);

/* subject_literal: true when s is a literal subject as nats-server's
 * pedantic mode wants it: no empty token and no token that is a lone
 * '*' or '>' (any other byte is let through, as there) */
bool subject_literal(const char *s, size_t len);

/* subject_match: true when the literal subject subj matches pattern pat */
bool subject_match(const char *pat, size_t plen, const char *subj,
    size_t slen);

struct sublist_node;
struct sublist_group;
struct sublist_qname;

/*
 * One subscription in the index, embedded by the caller in its own
 * subscription record (container_of). subject and queue are read only by
 * sublist_insert (the index keeps its own copies of what it needs); queue
 * is NULL (or queue_len 0) for a plain subscription.
 */
struct sublist_entry {
	const char		*subject;
	size_t			 subject_len;
	const char		*queue;
	size_t			 queue_len;
	/* private to the index */
	struct sublist_node	*node;
	struct sublist_group	*group;
	size_t			 index;
};

/* The index: a trie of subject tokens with '*' and '>' branches, and
 * two hash tables: queue names, and queue groups by node and name (all
 * of them grown a few buckets at a time, see htab.h). */
struct sublist {
	struct sublist_node	*root;
	size_t			 count;		/* entries inserted */
	/* private */
	bool			(*live)(const struct sublist_entry *e);
	struct htab		  qnames;
	struct htab		  groups;
	uint64_t		  epoch;	/* of the last match */
};

/* What one subject matched: every plain subscription and one member of
 * each matching queue group. Reused across calls, grows as needed. */
struct sublist_result {
	struct sublist_entry	**v;
	size_t			  n;
	size_t			  cap;
	/* private: queue groups met during the walk */
	struct sublist_group	**g;
	size_t			  ng;
	size_t			  gcap;
	struct sublist_qname	**q;		/* their distinct names */
	size_t			  nq;
	size_t			  qcap;
	size_t			  probes;	/* queue members passed over
						 * (not live) in the last match */
};

/* sublist_init: an empty index; returns 0, or -1 with errno ENOMEM.
 * live (NULL: every entry is) tells whether a queue group member may
 * take its turn: when it says no, the next member does, as nats-server
 * passes over a member that cannot take the message; a group with no
 * live member gets nothing. Plain entries are returned whatever it
 * says (the caller skips them as it sees fit). */
int sublist_init(struct sublist *sl,
    bool (*live)(const struct sublist_entry *e));

/* sublist_free: release the index (the entries belong to the caller) */
void sublist_free(struct sublist *sl);

/* sublist_insert: add e; returns 0, or -1 with errno EINVAL (bad subject
 * or queue name) or ENOMEM */
int sublist_insert(struct sublist *sl, struct sublist_entry *e);

/* sublist_remove: take out e, which must be in sl; prunes empty nodes */
void sublist_remove(struct sublist *sl, struct sublist_entry *e);

/* sublist_match: fill r with the entries a message on subj goes to (plain
 * subscriptions, then one member per queue group, chosen round-robin).
 * As nats-server, any subject may be published: a subject with an empty
 * token matches nothing, and a '*' or '>' token is a token like any
 * other (only wildcard subscriptions match it). Returns the count, or -1
 * with errno EINVAL (empty) or ENOMEM */
int sublist_match(struct sublist *sl, const char *subj, size_t len,
    struct sublist_result *r);

/* sublist_result_free: release the result's array */
void sublist_result_free(struct sublist_result *r);

#endif
