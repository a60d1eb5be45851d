/* applet.h - how an applet declares itself: its option table and entry point */
#ifndef IPCTOOL_APPLET_H
#define IPCTOOL_APPLET_H

#include <stdbool.h>
#include <stddef.h>

#include "opt.h"

/* Applet flags */
#define APPLET_POSIX	0x1	/* options stop at the first operand (pipe) */
#define APPLET_CMD	0x2	/* what follows "--" is a command to run;
				 * also a flag of struct opt_sub */

struct applet {
	const char *name;	/* kebab-case, as in THE LIST */
	const char *brief;	/* one line, lower case, no period */
	const char *usage;	/* synopsis lines without "ipctool ", '\n'-separated */
	const struct opt_sub *subcmds;	/* the subcommands, or NULL */
	const struct opt *opts;	/* terminated by OPT_END */
	int flags;
	enum opt_arg operand;	/* without subcommands: what the operands are */
	int (*main)(int argc, char **argv);
};

/* The table, generated from THE LIST (src/applets.h), sorted by name */
extern const struct applet *const applet_table[];
extern const size_t applet_count;

/* applet_find: the applet called name, or NULL */
const struct applet *applet_find(const char *name);

/* applet_closest: the applet whose name is closest to name (edit
 * distance), or NULL when there are none */
const struct applet *applet_closest(const char *name);

#endif
