/* applets.c - the applet table, expanded from the generated src/applets.h
 * (THE LIST in meson.build), and lookups by name */
#include <stddef.h>
#include <string.h>

#include "applet.h"

#define APPLET(c, n) extern const struct applet applet_##c;
#include "applets.h"
#undef APPLET

/* THE LIST arrives sorted from meson.build; a unit test checks it */
const struct applet *const applet_table[] = {
#define APPLET(c, n) &applet_##c,
#include "applets.h"
#undef APPLET
	NULL
};
const size_t applet_count = sizeof(applet_table) / sizeof(applet_table[0]) - 1;

const struct applet *
applet_find(const char *name)
{
	for (size_t i = 0; i < applet_count; i++)
		if (strcmp(applet_table[i]->name, name) == 0)
			return applet_table[i];
	return NULL;
}

/* distance: the Levenshtein edit distance of a and b (short strings) */
static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[64], prev, tmp;

	if (la > 62)
		la = 62;
	if (lb > 62)
		lb = 62;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			tmp = row[j];
			size_t best = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

const struct applet *
applet_closest(const char *name)
{
	const struct applet *best = NULL;
	size_t bd = (size_t)-1;

	for (size_t i = 0; i < applet_count; i++) {
		size_t d = distance(name, applet_table[i]->name);
		if (d < bd) {
			bd = d;
			best = applet_table[i];
		}
	}
	return best;
}

