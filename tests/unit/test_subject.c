/* test_subject.c - unit tests for src/bus/subject.c: subject syntax,
 * wildcard matching, the subscription index and queue-group selection */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bsd/string.h>

#include "bus/subject.h"
#include "check.h"

#define S(s) (s), strlen(s)

/* valid: subject_valid on a C string */
static bool
valid(const char *s, bool wild)
{
	return subject_valid(s, strlen(s), wild);
}

/* match: subject_match on C strings */
static bool
match(const char *pat, const char *subj)
{
	return subject_match(S(pat), S(subj));
}

/* test_valid: syntax of publish subjects and subscription patterns */
static void
test_valid(void)
{
	CHECK(valid("foo", false));
	CHECK(valid("foo.bar.baz", false));
	CHECK(valid("_INBOX.abc123.1", false));
	CHECK(valid("foo*.b>r", false));	/* not whole tokens: literal */
	CHECK(valid("f\xc3\xa9.x", false));	/* UTF-8 is fine */
	CHECK(!valid("", false));
	CHECK(!valid("", true));
	CHECK(!subject_valid(NULL, 0, true));
	CHECK(!valid(".", false));
	CHECK(!valid("foo.", false));
	CHECK(!valid(".foo", false));
	CHECK(!valid("foo..bar", false));
	CHECK(!valid("foo bar", false));
	CHECK(!valid("foo\tbar", true));
	CHECK(!valid("foo\r", true));
	CHECK(!valid("foo\n", true));
	CHECK(!valid("a\x01", true));
	CHECK(!valid("a\x7f", true));
	CHECK(!subject_valid("a\0b", 3, true));
	CHECK(!valid("foo.*", false));
	CHECK(!valid("foo.>", false));
	CHECK(!valid("*", false));
	CHECK(!valid(">", false));
	CHECK(valid("foo.*", true));
	CHECK(valid("*.*.*", true));
	CHECK(valid("foo.>", true));
	CHECK(valid(">", true));
	CHECK(valid("*", true));
	CHECK(valid("*.>", true));
	CHECK(!valid(">.foo", true));
	CHECK(!valid("foo.>.bar", true));
	CHECK(!valid("foo.>.>", true));
	CHECK(!valid("foo.*.", true));
	CHECK(!valid("foo. *", true));
	/* only len bytes count */
	CHECK(subject_valid("foo.bar", 3, false));
	CHECK(!subject_valid("foo.bar", 4, false));
}

/* test_match: wildcard semantics */
static void
test_match(void)
{
	CHECK(match("foo", "foo"));
	CHECK(!match("foo", "fo"));
	CHECK(!match("fo", "foo"));
	CHECK(!match("foo", "foo.bar"));
	CHECK(!match("foo.bar", "foo"));
	CHECK(match("foo.bar", "foo.bar"));
	CHECK(match("foo.*", "foo.bar"));
	CHECK(!match("foo.*", "foo"));
	CHECK(!match("foo.*", "foo.bar.baz"));
	CHECK(match("*.bar", "foo.bar"));
	CHECK(match("*.*", "a.b"));
	CHECK(!match("*.*", "a"));
	CHECK(match("*", "a"));
	CHECK(!match("*", "a.b"));
	CHECK(match("foo.>", "foo.bar"));
	CHECK(match("foo.>", "foo.bar.baz.qux"));
	CHECK(!match("foo.>", "foo"));
	CHECK(!match("foo.>", "foobar.x"));
	CHECK(match(">", "a"));
	CHECK(match(">", "a.b.c"));
	CHECK(match("*.>", "a.b"));
	CHECK(!match("*.>", "a"));
	CHECK(match("foo.*.baz.>", "foo.x.baz.y.z"));
	CHECK(!match("foo.*.baz.>", "foo.x.bax.y"));
	CHECK(match("foo*", "foo*"));
	CHECK(!match("foo*", "foox"));
	CHECK(!match("", "a"));
	CHECK(!match("a", ""));
	CHECK(subject_match("a.b", 3, "a.bc", 3));
}

/* new_entry: an index entry over static strings */
static struct sublist_entry
entry(const char *subj, const char *queue)
{
	struct sublist_entry e = { .subject = subj,
	    .subject_len = strlen(subj), .queue = queue,
	    .queue_len = queue ? strlen(queue) : 0 };

	return e;
}

/* found: how many times e appears in r */
static int
found(const struct sublist_result *r, const struct sublist_entry *e)
{
	size_t i;
	int n = 0;

	for (i = 0; i < r->n; i++)
		n += r->v[i] == e;
	return n;
}

/* test_sublist_basic: insert, match, remove, prune */
static void
test_sublist_basic(void)
{
	struct sublist sl;
	struct sublist_result r = { 0 };
	struct sublist_entry a = entry("foo.bar", NULL);
	struct sublist_entry b = entry("foo.*", NULL);
	struct sublist_entry c = entry("foo.>", NULL);
	struct sublist_entry d = entry(">", NULL);
	struct sublist_entry e = entry("foo.bar", NULL);
	struct sublist_entry f = entry("*.bar.baz", NULL);
	struct sublist_entry bad = entry("foo..bar", NULL);
	struct sublist_entry badq = entry("foo", "a b");
	char buf[] = "foo.bar.baz";

	CHECK_INT(sublist_init(&sl, NULL), 0);
	CHECK_INT(sublist_match(&sl, S("foo.bar"), &r), 0);
	CHECK_INT(sublist_insert(&sl, &a), 0);
	CHECK_INT(sublist_insert(&sl, &b), 0);
	CHECK_INT(sublist_insert(&sl, &c), 0);
	CHECK_INT(sublist_insert(&sl, &d), 0);
	CHECK_INT(sublist_insert(&sl, &e), 0);
	CHECK_INT(sublist_insert(&sl, &f), 0);
	errno = 0;
	CHECK_INT(sublist_insert(&sl, &bad), -1);
	CHECK_INT(errno, EINVAL);
	errno = 0;
	CHECK_INT(sublist_insert(&sl, &badq), -1);
	CHECK_INT(errno, EINVAL);
	CHECK_INT(sl.count, 6);

	CHECK_INT(sublist_match(&sl, S("foo.bar"), &r), 5);
	CHECK(found(&r, &a) == 1 && found(&r, &b) == 1 && found(&r, &c) == 1);
	CHECK(found(&r, &d) == 1 && found(&r, &e) == 1 && !found(&r, &f));
	CHECK_INT(sublist_match(&sl, S("foo"), &r), 1);
	CHECK_INT(found(&r, &d), 1);
	CHECK_INT(sublist_match(&sl, S("foo.bar.baz"), &r), 3);
	CHECK(found(&r, &c) && found(&r, &d) && found(&r, &f));
	CHECK_INT(sublist_match(&sl, S("x.bar.baz"), &r), 2);
	CHECK_INT(sublist_match(&sl, S("foo.*"), &r), 3);	/* b, c, d */
	CHECK_INT(errno, EINVAL);
	CHECK_INT(sublist_match(&sl, S(""), &r), -1);
	/* the index keeps no pointer to the caller's subject */
	{
		struct sublist_entry g = entry(buf, NULL);

		CHECK_INT(sublist_insert(&sl, &g), 0);
		memset(buf, 'x', strlen(buf));
		CHECK_INT(sublist_match(&sl, S("foo.bar.baz"), &r), 4);
		CHECK_INT(found(&r, &g), 1);
		sublist_remove(&sl, &g);
	}

	sublist_remove(&sl, &a);
	CHECK_INT(sublist_match(&sl, S("foo.bar"), &r), 4);
	CHECK(!found(&r, &a) && found(&r, &e));
	sublist_remove(&sl, &e);
	sublist_remove(&sl, &b);
	CHECK_INT(sublist_match(&sl, S("foo.bar"), &r), 2);
	sublist_remove(&sl, &c);
	sublist_remove(&sl, &d);
	sublist_remove(&sl, &f);
	CHECK_INT(sl.count, 0);
	CHECK_INT(sublist_match(&sl, S("foo.bar"), &r), 0);
	/* re-insert after pruning */
	CHECK_INT(sublist_insert(&sl, &a), 0);
	CHECK_INT(sublist_match(&sl, S("foo.bar"), &r), 1);
	sublist_remove(&sl, &a);
	sublist_result_free(&r);
	sublist_free(&sl);
}

/* test_sublist_queue: one member per group per message, round-robin */
static void
test_sublist_queue(void)
{
	struct sublist sl;
	struct sublist_result r = { 0 };
	struct sublist_entry q[4], p = entry("work", NULL);
	struct sublist_entry o = entry("work", "other");
	struct sublist_entry w = entry("*", "g");	/* same name, other node */
	int hits[4] = { 0 }, i, j, ow = 0, wh = 0;

	CHECK_INT(sublist_init(&sl, NULL), 0);
	for (i = 0; i < 4; i++) {
		q[i] = entry("work", "g");
		CHECK_INT(sublist_insert(&sl, &q[i]), 0);
	}
	CHECK_INT(sublist_insert(&sl, &p), 0);
	CHECK_INT(sublist_insert(&sl, &o), 0);
	for (i = 0; i < 400; i++) {
		CHECK_INT(sublist_match(&sl, S("work"), &r), 3);
		CHECK_INT(found(&r, &p), 1);
		CHECK_INT(found(&r, &o), 1);
		for (j = 0; j < 4; j++)
			hits[j] += found(&r, &q[j]);
	}
	for (j = 0; j < 4; j++)
		CHECK_INT(hits[j], 100);	/* round-robin: exactly even */

	/* a member of "g" on another node shares the turns */
	CHECK_INT(sublist_insert(&sl, &w), 0);
	memset(hits, 0, sizeof(hits));
	for (i = 0; i < 500; i++) {
		CHECK_INT(sublist_match(&sl, S("work"), &r), 3);
		for (j = 0; j < 4; j++)
			hits[j] += found(&r, &q[j]);
		wh += found(&r, &w);
	}
	CHECK_INT(hits[0] + hits[1] + hits[2] + hits[3] + wh, 500);
	CHECK(wh > 50 && hits[0] > 50);
	CHECK_INT(sublist_match(&sl, S("rest"), &r), 1);
	CHECK_INT(found(&r, &w), 1);

	/* members leave; the group goes when empty */
	sublist_remove(&sl, &q[1]);
	sublist_remove(&sl, &w);
	memset(hits, 0, sizeof(hits));
	for (i = 0; i < 300; i++) {
		CHECK_INT(sublist_match(&sl, S("work"), &r), 3);
		for (j = 0; j < 4; j++)
			hits[j] += found(&r, &q[j]);
	}
	CHECK_INT(hits[1], 0);
	CHECK_INT(hits[0], 100);
	CHECK_INT(hits[2], 100);
	CHECK_INT(hits[3], 100);
	sublist_remove(&sl, &q[0]);
	sublist_remove(&sl, &q[2]);
	sublist_remove(&sl, &q[3]);
	CHECK_INT(sublist_match(&sl, S("work"), &r), 2);
	sublist_remove(&sl, &o);
	for (i = 0; i < 3; i++)
		ow += sublist_match(&sl, S("work"), &r);
	CHECK_INT(ow, 3);
	sublist_remove(&sl, &p);
	CHECK_INT(sl.count, 0);
	sublist_result_free(&r);
	sublist_free(&sl);
}

/* test_sublist_many_groups: 10,000 queue groups of two members on one
 * subject: one member of each per message, the two taking turns; then
 * the same names under "*" too, a turn of each name spanning both
 * nodes; all of it removed again */
static void
test_sublist_many_groups(void)
{
	enum { NG = 10000 };
	static struct sublist_entry m[NG][2], w[NG];
	static char names[NG][8], seen[NG];
	struct sublist sl;
	struct sublist_result r = { 0 };
	size_t i, j, member0, dup, wild = 0;
	ptrdiff_t x;
	int k;

	CHECK_INT(sublist_init(&sl, NULL), 0);
	for (i = 0; i < NG; i++) {
		snprintf(names[i], sizeof(names[i]), "g%zu", i);
		for (k = 0; k < 2; k++) {
			m[i][k] = entry("jobs", names[i]);
			CHECK_INT(sublist_insert(&sl, &m[i][k]), 0);
		}
	}
	for (k = 0; k < 2; k++) {
		CHECK_INT(sublist_match(&sl, S("jobs"), &r), NG);
		memset(seen, 0, sizeof(seen));
		member0 = dup = 0;
		for (j = 0; j < r.n; j++) {
			x = r.v[j] - &m[0][0];
			CHECK(x >= 0 && x < 2 * NG);
			if (x < 0 || x >= 2 * NG)
				continue;
			dup += seen[x / 2]++;
			member0 += x % 2 == 0;
		}
		CHECK_INT(dup, 0);
		CHECK_INT(member0, k == 0 ? NG : 0);
	}
	for (i = 0; i < NG; i++) {
		w[i] = entry("*", names[i]);
		CHECK_INT(sublist_insert(&sl, &w[i]), 0);
	}
	for (k = 0; k < 3; k++) {
		CHECK_INT(sublist_match(&sl, S("jobs"), &r), NG);
		for (j = 0; j < r.n; j++)
			wild += r.v[j] >= &w[0] && r.v[j] < &w[NG];
	}
	CHECK_INT(wild, NG);	/* each "*" member once in three turns */
	for (i = 0; i < NG; i++) {
		sublist_remove(&sl, &m[i][0]);
		sublist_remove(&sl, &m[i][1]);
		sublist_remove(&sl, &w[i]);
	}
	CHECK_INT(sl.count, 0);
	CHECK_INT(sublist_match(&sl, S("jobs"), &r), 0);
	sublist_result_free(&r);
	sublist_free(&sl);
}

/* test_literal: nats-server's pedantic check of publish subjects */
static void
test_literal(void)
{
	CHECK(subject_literal("foo", 3));
	CHECK(subject_literal("foo.b*.>x", 9));
	CHECK(subject_literal("a\x01b", 3));	/* bytes are not checked */
	CHECK(!subject_literal("", 0));
	CHECK(!subject_literal(NULL, 0));
	CHECK(!subject_literal("foo.*", 5));
	CHECK(!subject_literal("foo.>", 5));
	CHECK(!subject_literal("*", 1));
	CHECK(!subject_literal("a..b", 4));
	CHECK(!subject_literal(".a", 2));
	CHECK(!subject_literal("a.", 2));
}

/* test_publish_any: any subject may be published, as to nats-server:
 * empty tokens match nothing, '*' and '>' tokens only wildcards */
static void
test_publish_any(void)
{
	struct sublist sl;
	struct sublist_result r = { 0 };
	struct sublist_entry a = entry("a.*", NULL), b = entry("a.>", NULL);
	struct sublist_entry c = entry(">", NULL), d = entry("*.*.b", NULL);

	CHECK_INT(sublist_init(&sl, NULL), 0);
	CHECK_INT(sublist_insert(&sl, &a), 0);
	CHECK_INT(sublist_insert(&sl, &b), 0);
	CHECK_INT(sublist_insert(&sl, &c), 0);
	CHECK_INT(sublist_insert(&sl, &d), 0);
	CHECK_INT(sublist_match(&sl, S("a.*"), &r), 3);
	CHECK_INT(sublist_match(&sl, S("a.>"), &r), 3);
	CHECK_INT(sublist_match(&sl, S("a..b"), &r), 0);
	CHECK_INT(sublist_match(&sl, S(".a"), &r), 0);
	CHECK_INT(sublist_match(&sl, S("a."), &r), 0);
	CHECK_INT(sublist_match(&sl, S("."), &r), 0);
	CHECK_INT(sublist_match(&sl, S("x.>.b"), &r), 2);
	sublist_remove(&sl, &a);
	sublist_remove(&sl, &b);
	sublist_remove(&sl, &c);
	sublist_remove(&sl, &d);
	sublist_result_free(&r);
	sublist_free(&sl);
}

/* rnd_token: a token from a tiny alphabet so that matches happen */
static const char *
rnd_token(unsigned int *seed, bool wild)
{
	static const char *lit[] = { "a", "b", "c", "dd" };
	int x = rand_r(seed) % (wild ? 6 : 4);

	if (x == 4)
		return "*";
	if (x == 5)
		return ">";
	return lit[x];
}

/* rnd_subject: a random subject or pattern of 1..4 tokens into buf */
static void
rnd_subject(unsigned int *seed, char *buf, size_t size, bool wild)
{
	int i, n = 1 + rand_r(seed) % 4;
	const char *t;

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		t = rnd_token(seed, wild);
		if (i > 0)
			strlcat(buf, ".", size);
		strlcat(buf, t, size);
		if (t[0] == '>')
			break;
	}
}

#define NSUB 2000

/* test_sublist_random: the trie agrees with subject_match, under churn */
static void
test_sublist_random(void)
{
	static char pats[NSUB][32];
	static struct sublist_entry es[NSUB];
	static bool in[NSUB];
	struct sublist sl;
	struct sublist_result r = { 0 };
	unsigned int seed = 12345;
	char subj[32];
	int i, k, round, want, bad = 0;

	CHECK_INT(sublist_init(&sl, NULL), 0);
	for (i = 0; i < NSUB; i++) {
		rnd_subject(&seed, pats[i], sizeof(pats[i]), true);
		es[i] = entry(pats[i], NULL);
		CHECK_INT(sublist_insert(&sl, &es[i]), 0);
		in[i] = true;
	}
	for (round = 0; round < 300; round++) {
		/* churn: remove or re-add a few */
		for (k = 0; k < 20; k++) {
			i = rand_r(&seed) % NSUB;
			if (in[i])
				sublist_remove(&sl, &es[i]);
			else if (sublist_insert(&sl, &es[i]) != 0)
				bad++;
			in[i] = !in[i];
		}
		rnd_subject(&seed, subj, sizeof(subj), false);
		want = 0;
		for (i = 0; i < NSUB; i++)
			if (in[i] && match(pats[i], subj))
				want++;
		if (sublist_match(&sl, S(subj), &r) != want)
			bad++;
		for (i = 0; i < (int)r.n; i++) {
			k = (int)(r.v[i] - es);
			if (k < 0 || k >= NSUB || !in[k] ||
			    !match(pats[k], subj))
				bad++;
		}
	}
	CHECK_INT(bad, 0);
	for (i = 0; i < NSUB; i++)
		if (in[i])
			sublist_remove(&sl, &es[i]);
	CHECK_INT(sl.count, 0);
	sublist_result_free(&r);
	sublist_free(&sl);
}

/* test_sublist_many: thousands of literal subjects under one token */
static void
test_sublist_many(void)
{
	static struct sublist_entry es[5000];
	static char names[5000][32];
	struct sublist sl;
	struct sublist_result r = { 0 };
	int i, bad = 0;

	CHECK_INT(sublist_init(&sl, NULL), 0);
	for (i = 0; i < 5000; i++) {
		snprintf(names[i], sizeof(names[i]), "_INBOX.%d.*", i);
		es[i] = entry(names[i], NULL);
		if (sublist_insert(&sl, &es[i]) != 0)
			bad++;
	}
	for (i = 0; i < 5000; i += 7) {
		char s[40];

		snprintf(s, sizeof(s), "_INBOX.%d.x", i);
		if (sublist_match(&sl, S(s), &r) != 1 || r.v[0] != &es[i])
			bad++;
	}
	CHECK_INT(bad, 0);
	for (i = 0; i < 5000; i += 2)
		sublist_remove(&sl, &es[i]);
	CHECK_INT(sublist_match(&sl, S("_INBOX.2.x"), &r), 0);
	CHECK_INT(sublist_match(&sl, S("_INBOX.3.x"), &r), 1);
	/* free with entries still inside */
	sublist_result_free(&r);
	sublist_free(&sl);
}

/* The members of a client on its way out, for test_sublist_live */
static const struct sublist_entry *gone_lo, *gone_hi;

static bool
not_gone(const struct sublist_entry *e)
{
	return e < gone_lo || e >= gone_hi;
}

/* test_sublist_live: members that are not live are passed over, the
 * others keep their turns, a group with none live gets nothing; and
 * the passing over is counted */
static void
test_sublist_live(void)
{
	static struct sublist_entry m[1000];
	struct sublist sl;
	struct sublist_result r = { 0 };
	struct sublist_entry a = entry("jobs", "g"), b = entry("jobs", "g");
	struct sublist_entry x = entry("jobs", "h");
	int i, ha = 0, hb = 0;

	CHECK_INT(sublist_init(&sl, not_gone), 0);
	CHECK_INT(sublist_insert(&sl, &a), 0);
	for (i = 0; i < 1000; i++) {
		m[i] = entry("jobs", "g");
		CHECK_INT(sublist_insert(&sl, &m[i]), 0);
	}
	CHECK_INT(sublist_insert(&sl, &b), 0);
	gone_lo = &m[0];
	gone_hi = &m[1000];
	for (i = 0; i < 1002; i++) {
		CHECK_INT(sublist_match(&sl, S("jobs"), &r), 1);
		ha += found(&r, &a);
		hb += found(&r, &b);
	}
	CHECK_INT(ha + hb, 1002);
	CHECK(ha > 0 && hb > 0);
	/* a group whose only member is gone gets nothing */
	gone_lo = &x;
	gone_hi = &x + 1;
	CHECK_INT(sublist_insert(&sl, &x), 0);
	CHECK_INT(sublist_match(&sl, S("jobs"), &r), 1);
	CHECK_INT(found(&r, &x), 0);
	CHECK_INT(r.probes, 1);
	sublist_result_free(&r);
	sublist_free(&sl);
}

int
main(void)
{
	test_valid();
	test_match();
	test_sublist_basic();
	test_sublist_queue();
	test_sublist_live();
	test_literal();
	test_publish_any();
	test_sublist_many_groups();
	test_sublist_random();
	test_sublist_many();
	return check_done();
}
