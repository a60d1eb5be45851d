/* test_applets.c - the applet table: sorted, unique, complete; every
 * option documented, no short or long name used twice; subcommands of one
 * bit each, and options naming only those; a letter means one long name in
 * the whole binary */
#include "check.h"
#include "applet.h"

/* clash: true when two options of tab (or one and a common option) share
 * a short or long name */
static int
clash(const struct opt *tab)
{
	static const char common_short[] = "hv";
	static const char *common_long[] = { "help", "trace", "version",
	    "complete-words" };

	for (const struct opt *a = tab; a && (a->lo || a->so); a++) {
		if (a->so && strchr(common_short, a->so))
			return 1;
		for (size_t i = 0; a->lo && i < 4; i++)
			if (strcmp(a->lo, common_long[i]) == 0)
				return 1;
		for (const struct opt *b = a + 1; b->lo || b->so; b++) {
			if (a->so && a->so == b->so)
				return 1;
			if (a->lo && b->lo && strcmp(a->lo, b->lo) == 0)
				return 1;
		}
	}
	return 0;
}

/* sub_bits: the OR of the subcommands' ids of ap, -1 when two share a
 * bit or one is not a single bit */
static long
sub_bits(const struct applet *ap)
{
	unsigned all = 0;

	for (const struct opt_sub *s = ap->subcmds; s && s->name; s++) {
		if (s->id == 0 || (s->id & (s->id - 1)) != 0 || (all & s->id))
			return -1;
		all |= s->id;
	}
	return all;
}

/* letter_clash: true when the short option c stands for two long names
 * (or for one and for none) in the applets of the table */
static int
letter_clash(int c)
{
	const char *seen = NULL;
	int found = 0;

	for (size_t i = 0; i < applet_count; i++)
		for (const struct opt *o = applet_table[i]->opts;
		    o && (o->lo || o->so); o++) {
			if (o->so != c)
				continue;
			if (found++ && (seen == NULL || o->lo == NULL ||
			    strcmp(seen, o->lo) != 0))
				return 1;
			seen = o->lo;
		}
	return 0;
}

int
main(void)
{
	for (size_t i = 0; i < applet_count; i++) {
		const struct applet *ap = applet_table[i];

		CHECK(ap->name && ap->brief && ap->usage && ap->main);
		CHECK(applet_find(ap->name) == ap);
		if (i > 0)
			CHECK(strcmp(applet_table[i - 1]->name, ap->name) < 0);
		long bits = sub_bits(ap);

		CHECK(bits != -1);
		for (const struct opt *o = ap->opts; o && (o->lo || o->so); o++) {
			CHECK(o->help != NULL);
			/* .sub names subcommands of this applet only */
			CHECK((o->sub & ~(unsigned)bits) == 0);
			CHECK(o->so != 0 || o->key >= 256);
			CHECK(o->arg == OPT_FLAG || o->meta != NULL);
		}
		if (clash(ap->opts))
			fprintf(stderr, "applet %s: option names clash\n",
			    ap->name);
		CHECK(!clash(ap->opts));
	}
	/* one meaning per letter in the whole binary */
	for (int c = 1; c < 256; c++) {
		if (letter_clash(c))
			fprintf(stderr, "-%c has two meanings\n", c);
		CHECK(!letter_clash(c));
	}
	CHECK(applet_find("no-such-applet") == NULL);
	CHECK(applet_table[applet_count] == NULL);
	return check_done();
}
