/* opt.c - a small declarative option parser (git's struct option, skalibs' gol):
 * long and short options, clusters, "--name=value", operands permuted unless
 * the applet asks for POSIX order, "--" ending the options */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bsd/stdlib.h>

#include "config.h"
#include "applet.h"
#include "die.h"
#include "opt.h"
#include "out.h"
#include "parse.h"

enum {
	KEY_HELP = -100,
	KEY_VERSION,
	KEY_TRACE,
	KEY_WORDS,
};

/* Options every applet has */
static const struct opt common_opts[] = {
	{ 'h', "help", KEY_HELP, OPT_FLAG, NULL, "show this help and exit" },
	{ 'v', "trace", KEY_TRACE, OPT_FLAG, NULL,
	    "show system calls and what the kernel answered" },
	{ 0, "version", KEY_VERSION, OPT_FLAG, NULL, "print the version and exit" },
	{ 0, "complete-words", KEY_WORDS, OPT_FLAG, NULL, NULL },	/* hidden */
	OPT_END
};

/* shown: s (up to n bytes or its NUL) for a one-line message: control
 * characters as C escapes ("\n", "\x1b"), cut with "..." when it does not
 * fit in buf (len >= 8); returns buf */
static const char *
shown(const char *s, size_t n, char *buf, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < n && s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];
		char e[8];
		size_t el = 1;

		if (c >= '\a' && c <= '\r')
			el = (size_t)snprintf(e, sizeof(e), "\\%c",
			    "abtnvfr"[c - '\a']);
		else if (c < 0x20 || c == 0x7f)
			el = (size_t)snprintf(e, sizeof(e), "\\x%02x", c);
		else
			e[0] = (char)c;
		if (o + el + 4 > len) {		/* keep room for "...\0" */
			memcpy(buf + o, "...", 4);
			return buf;
		}
		memcpy(buf + o, e, el);
		o += el;
	}
	buf[o] = '\0';
	return buf;
}

/* opt_key: the key opt_next returns for o */
static int
opt_key(const struct opt *o)
{
	return o->so ? o->so : o->key;
}

/* find_long: the option called name (len bytes) in the applet's or the
 * common table, or NULL */
static const struct opt *
find_long(const struct applet *ap, const char *name, size_t len)
{
	const struct opt *tabs[2] = { ap->opts, common_opts };

	for (int t = 0; t < 2; t++) {
		if (tabs[t] == NULL)
			continue;
		for (const struct opt *o = tabs[t]; o->lo || o->so; o++)
			if (o->lo && strlen(o->lo) == len &&
			    strncmp(o->lo, name, len) == 0)
				return o;
	}
	return NULL;
}

/* find_short: the option with short character c, or NULL */
static const struct opt *
find_short(const struct applet *ap, int c)
{
	const struct opt *tabs[2] = { ap->opts, common_opts };

	for (int t = 0; t < 2; t++) {
		if (tabs[t] == NULL)
			continue;
		for (const struct opt *o = tabs[t]; o->lo || o->so; o++)
			if (o->so == c)
				return o;
	}
	return NULL;
}

void
opt_init(struct opt_parser *p, const struct applet *ap, const char *cmd,
    int argc, char **argv)
{
	memset(p, 0, sizeof(*p));
	p->ap = ap;
	p->cmd = cmd ? cmd : ap->name;
	p->argc = argc;
	p->argv = argv;
	p->ind = 1;
	p->posix = (ap->flags & APPLET_POSIX) != 0;
	p->rest = reallocarray(NULL, (size_t)argc + 1, sizeof(char *));
	if (p->rest == NULL)
		err(EXIT_FAIL, "allocate");
	p->rest[0] = NULL;	/* opt_rest is NULL-terminated, even empty */
}

void
opt_free(struct opt_parser *p)
{
	free(p->rest);
	p->rest = NULL;
}

/* operand: record argv element s as an operand */
static void
operand(struct opt_parser *p, char *s)
{
	p->rest[p->nrest++] = s;
	p->rest[p->nrest] = NULL;
}

/* stop_at: every argv element from i on is an operand; a "--" among the
 * operands (not the first) splits off the command */
static void
stop_at(struct opt_parser *p, int i, int split)
{
	for (; i < p->argc; i++) {
		if (split && strcmp(p->argv[i], "--") == 0 && p->cmdv == NULL) {
			p->cmdv = &p->argv[i + 1];
			p->ncmd = p->argc - i - 1;
			break;
		}
		operand(p, p->argv[i]);
	}
	p->ind = p->argc;
	p->stopped = true;
}

/* builtin: act on a common option; returns 1 when the caller should go on */
static int
builtin(struct opt_parser *p, const struct opt *o)
{
	switch (o->key) {
	case KEY_HELP:
		opt_print_help(p->ap, stdout);
		exit(0);
	case KEY_VERSION:
		printf("ipctool %s\n", IPCTOOL_VERSION);
		exit(0);
	case KEY_WORDS:
		opt_print_words(p->ap, stdout);
		exit(0);
	case KEY_TRACE:
		out_trace_on = true;
		return 1;
	}
	return 0;
}

int
opt_next(struct opt_parser *p)
{
	const struct opt *o;
	char vb[128];

again:
	p->arg = NULL;
	p->cur = NULL;
	if (p->cluster && *p->cluster) {
		int c = (unsigned char)*p->cluster++;

		o = find_short(p->ap, c);
		if (o == NULL)
			usage_error("unknown option '-%s'",
			    shown(p->cluster - 1, 1, vb, sizeof(vb)));
		if (o->arg != OPT_FLAG) {
			if (*p->cluster) {
				p->arg = p->cluster;
			} else if (p->ind < p->argc) {
				p->arg = p->argv[p->ind++];
			} else {
				usage_error("option '-%c' needs %s", c,
				    o->meta ? o->meta : "an argument");
			}
			p->cluster = NULL;
		}
		p->cur = o;
		if (o->key < 0 && builtin(p, o))
			goto again;
		return opt_key(o);
	}
	p->cluster = NULL;
	while (p->ind < p->argc) {
		char *s = p->argv[p->ind];

		if (strcmp(s, "--") == 0) {
			/* "--" before any operand ends the options; what
			 * follows is the command when the applet takes one */
			p->ind++;
			if (p->nrest == 0) {
				p->cmdv = &p->argv[p->ind];
				p->ncmd = p->argc - p->ind;
				p->ind = p->argc;
				p->stopped = true;
				return -1;
			}
			p->cmdv = &p->argv[p->ind];
			p->ncmd = p->argc - p->ind;
			p->ind = p->argc;
			return -1;
		}
		if (s[0] != '-' || s[1] == '\0') {
			if (p->posix) {
				stop_at(p, p->ind, 0);
				return -1;
			}
			operand(p, s);
			p->ind++;
			continue;
		}
		p->ind++;
		if (s[1] == '-') {
			const char *name = s + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);

			o = find_long(p->ap, name, len);
			if (o == NULL)
				usage_error("unknown option '--%s'",
				    shown(name, len, vb, sizeof(vb)));
			if (o->arg == OPT_FLAG && eq)
				usage_error("option '--%s' takes no argument",
				    o->lo);
			if (o->arg != OPT_FLAG) {
				if (eq)
					p->arg = eq + 1;
				else if (p->ind < p->argc)
					p->arg = p->argv[p->ind++];
				else
					usage_error("option '--%s' needs %s",
					    o->lo, o->meta ? o->meta :
					    "an argument");
			}
			p->cur = o;
			if (o->key < 0 && builtin(p, o))
				goto again;
			return opt_key(o);
		}
		p->cluster = s + 1;
		goto again;
	}
	return -1;
}

char **
opt_rest(struct opt_parser *p, int *n)
{
	*n = p->nrest;
	return p->rest;
}

char **
opt_cmd(struct opt_parser *p, int *n)
{
	*n = p->ncmd;
	return p->cmdv;
}

/* optname: "--name" or "-c" of the option just returned, for messages */
static const char *
optname(struct opt_parser *p, char *buf, size_t len)
{
	if (p->cur && p->cur->lo)
		snprintf(buf, len, "--%s", p->cur->lo);
	else if (p->cur)
		snprintf(buf, len, "-%c", p->cur->so);
	else
		snprintf(buf, len, "option");
	return buf;
}

int64_t
opt_duration(struct opt_parser *p)
{
	const char *errstr;
	int64_t ms;
	char nb[64], vb[128];

	if (parse_duration(p->arg, &ms, &errstr) == -1)
		usage_error("invalid duration '%s' for %s: %s",
		    shown(p->arg, SIZE_MAX, vb, sizeof(vb)),
		    optname(p, nb, sizeof(nb)), errstr);
	return ms;
}

int64_t
opt_timeout(struct opt_parser *p)
{
	int64_t ms = opt_duration(p);

	return ms == 0 ? -1 : ms;
}

uint64_t
opt_size(struct opt_parser *p)
{
	const char *errstr;
	uint64_t n;
	char nb[64], vb[128];

	if (parse_size(p->arg, &n, &errstr) == -1)
		usage_error("invalid size '%s' for %s: %s",
		    shown(p->arg, SIZE_MAX, vb, sizeof(vb)),
		    optname(p, nb, sizeof(nb)), errstr);
	return n;
}

long long
opt_int(struct opt_parser *p, long long min, long long max)
{
	const char *errstr;
	long long n;
	char nb[64], vb[128];

	n = strtonum(p->arg, min, max, &errstr);
	if (errstr)
		usage_error("invalid number '%s' for %s: %s",
		    shown(p->arg, SIZE_MAX, vb, sizeof(vb)),
		    optname(p, nb, sizeof(nb)), errstr);
	return n;
}

int
opt_signal(struct opt_parser *p)
{
	const char *errstr;
	int sig;
	char vb[128];

	if (parse_signal(p->arg, &sig, &errstr) == -1)
		usage_error("unknown signal '%s'",
		    shown(p->arg, SIZE_MAX, vb, sizeof(vb)));
	return sig;
}

mode_t
opt_mode(struct opt_parser *p)
{
	const char *errstr;
	unsigned m;
	char nb[64], vb[128];

	if (parse_perm(p->arg, &m, &errstr) == -1)
		usage_error("invalid mode '%s' for %s: %s",
		    shown(p->arg, SIZE_MAX, vb, sizeof(vb)),
		    optname(p, nb, sizeof(nb)), errstr);
	return (mode_t)m;
}

/* print_opts: one help line per documented option in tab */
static void
print_opts(const struct opt *tab, FILE *f)
{
	for (const struct opt *o = tab; o && (o->lo || o->so); o++) {
		char left[64];
		int n = 0;

		if (o->help == NULL)
			continue;
		n = snprintf(left, sizeof(left), "  %c%c%s%s%s%s%s",
		    o->so ? '-' : ' ', o->so ? o->so : ' ',
		    o->so && o->lo ? ", " : "  ",
		    o->lo ? "--" : "", o->lo ? o->lo : "",
		    o->arg != OPT_FLAG ? " " : "",
		    o->arg != OPT_FLAG ? (o->meta ? o->meta : "ARG") : "");
		if (n < 26)
			fprintf(f, "%-26s%s\n", left, o->help);
		else
			fprintf(f, "%s\n%26s%s\n", left, "", o->help);
	}
}

void
opt_print_help(const struct applet *ap, FILE *f)
{
	const char *u = ap->usage, *nl;
	int first = 1;

	while (u && *u) {
		nl = strchr(u, '\n');
		int len = nl ? (int)(nl - u) : (int)strlen(u);
		fprintf(f, "%s ipctool %.*s\n", first ? "usage:" : "      ",
		    len, u);
		first = 0;
		u = nl ? nl + 1 : u + len;
	}
	fprintf(f, "\n%s\n\noptions:\n", ap->brief);
	print_opts(ap->opts, f);
	print_opts(common_opts, f);
	fprintf(f, "\nSee ipctool-%s(1).\n", ap->name);
}

/* print_words_of: the options of tab as completion words */
static void
print_words_of(const struct opt *tab, FILE *f)
{
	for (const struct opt *o = tab; o && (o->lo || o->so); o++) {
		if (o->help == NULL)
			continue;
		if (o->lo)
			fprintf(f, "--%s\n", o->lo);
		if (o->so)
			fprintf(f, "-%c\n", o->so);
	}
}

void
opt_print_words(const struct applet *ap, FILE *f)
{
	const char *s = ap->subcmds;

	while (s && *s) {
		size_t len = strcspn(s, " ");
		if (len)
			fprintf(f, "%.*s\n", (int)len, s);
		s += len;
		s += strspn(s, " ");
	}
	print_words_of(ap->opts, f);
	print_words_of(common_opts, f);
}
