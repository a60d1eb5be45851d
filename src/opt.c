/* opt.c - a small declarative option parser (git's struct option, skalibs' gol):
 * long and short options, clusters, "--name=value", operands permuted unless
 * the applet asks for POSIX order, "--" ending the options (or starting the
 * command of an applet that runs one), each option checked against the
 * subcommands that take it */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <bsd/stdlib.h>
#include <bsd/string.h>

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
	KEY_COMPLETE,
};

static void print_help(const struct applet *ap, const struct opt_sub *sub,
    FILE *f);

/* Options every applet has */
static const struct opt common_opts[] = {
	{ .so = 'h', .lo = "help", .key = KEY_HELP,
	    .help = "show this help and exit" },
	{ .so = 'v', .lo = "trace", .key = KEY_TRACE,
	    .help = "show system calls and what the kernel answered" },
	{ .lo = "version", .key = KEY_VERSION,
	    .help = "print the version and exit" },
	{ .lo = "complete-words", .key = KEY_WORDS },	/* hidden */
	{ .lo = "complete", .key = KEY_COMPLETE },	/* hidden */
	OPT_END
};

/* shown: s (up to n bytes or its NUL) for a one-line message: control
 * characters as C escapes ("\n", "\x1b"), cut with "..." when it does not
 * fit in buf (len >= 8); returns buf */
static const char *
shown(const char *s, size_t n, char *buf, size_t len)
{
	return out_escape(s, n, false, buf, len);
}

/* opt_key: the key opt_next returns for o: its .key, or its short
 * character when it has no key (a letter can change, the key stays) */
static int
opt_key(const struct opt *o)
{
	return o->key ? o->key : o->so;
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
	const char *sp;

	memset(p, 0, sizeof(*p));
	p->ap = ap;
	p->cmd = cmd ? cmd : ap->name;
	p->argc = argc;
	p->argv = argv;
	p->ind = 1;
	p->posix = (ap->flags & APPLET_POSIX) != 0;
	p->takes_cmd = (ap->flags & APPLET_CMD) != 0;
	if (cmd && ap->subcmds && (sp = strchr(cmd, ' ')) != NULL) {
		for (const struct opt_sub *s = ap->subcmds; s->name; s++)
			if (strcmp(s->name, sp + 1) == 0) {
				p->sub = s;
				p->takes_cmd = (s->flags & APPLET_CMD) != 0;
			}
	}
	p->rest = reallocarray(NULL, (size_t)argc + 1, sizeof(char *));
	if (p->rest == NULL)
		err(EXIT_FAIL, "allocate");
	p->rest[0] = NULL;	/* opt_rest is NULL-terminated, even empty */
}

/* sub_list: "list, send, trap or wait": the subcommands of ap, in buf */
static const char *
sub_list(const struct applet *ap, char *buf, size_t len)
{
	const struct opt_sub *s = ap->subcmds;

	buf[0] = '\0';
	for (size_t i = 0; s && s[i].name; i++) {
		if (i > 0)
			strlcat(buf, s[i + 1].name ? ", " : " or ", len);
		strlcat(buf, s[i].name, len);
	}
	return buf;
}

const struct opt_sub *
opt_init_sub(struct opt_parser *p, const struct applet *ap, int argc,
    char **argv)
{
	char list[128], vb[128];

	sub_list(ap, list, sizeof(list));
	if (argc < 2 || argv[1][0] == '-') {
		/* --help, --version and friends, or an option too early */
		opt_init(p, ap, NULL, argc, argv);
		while (opt_next(p) != -1)
			;
		usage_error("missing subcommand (%s)", list);
	}
	for (const struct opt_sub *s = ap->subcmds; s && s->name; s++) {
		if (strcmp(s->name, argv[1]) != 0)
			continue;
		opt_init(p, ap, NULL, argc - 1, argv + 1);
		snprintf(p->cmdbuf, sizeof(p->cmdbuf), "%s %s", ap->name,
		    s->name);
		p->cmd = p->cmdbuf;
		p->sub = s;
		p->takes_cmd = (s->flags & APPLET_CMD) != 0;
		return s;
	}
	usage_error("unknown subcommand '%s' (%s)",
	    shown(argv[1], SIZE_MAX, vb, sizeof(vb)), list);
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

/* operands_from: every argv element from i on is an operand */
static void
operands_from(struct opt_parser *p, int i)
{
	for (; i < p->argc; i++)
		operand(p, p->argv[i]);
	p->ind = p->argc;
}

/* first_word_only: the completion scripts' hidden options count only as
 * the first word after the applet (or its subcommand); anywhere else they
 * are as unknown as the help says they are */
static void
first_word_only(const struct opt_parser *p, const struct opt *o)
{
	if (p->ind != 2)
		usage_error("unknown option '--%s'", o->lo);
}

/* builtin: act on a common option; returns 1 when the caller should go on */
static int
builtin(struct opt_parser *p, const struct opt *o)
{
	switch (o->key) {
	case KEY_HELP:
		print_help(p->ap, p->sub, stdout);	/* "sig send --help" */
		exit(0);
	case KEY_VERSION:
		printf("ipctool %s\n", IPCTOOL_VERSION);
		exit(0);
	case KEY_WORDS:
		/* "APPLET --complete-words SUB" or "APPLET SUB
		 * --complete-words": the words of that subcommand */
		first_word_only(p, o);
		if (p->sub == NULL && p->ap->subcmds && p->ind < p->argc)
			for (const struct opt_sub *s = p->ap->subcmds; s->name;
			    s++)
				if (strcmp(s->name, p->argv[p->ind]) == 0)
					p->sub = s;
		opt_print_sub_words(p->ap, p->sub, stdout);
		exit(0);
	case KEY_COMPLETE:
		/* "APPLET --complete WORD...": the words after it */
		first_word_only(p, o);
		opt_complete(p->ap, p->argc - p->ind, p->argv + p->ind,
		    stdout);
		exit(0);
	case KEY_TRACE:
		out_trace_on = true;
		return 1;
	}
	return 0;
}

/* opt_label: "--name" of option o, or "-c" when it has no long name
 * ("option" for none), into buf, for messages; returns buf */
static const char *
opt_label(const struct opt *o, char *buf, size_t len)
{
	if (o && o->lo)
		snprintf(buf, len, "--%s", o->lo);
	else if (o)
		snprintf(buf, len, "-%c", o->so);
	else
		snprintf(buf, len, "option");
	return buf;
}

/* check_sub: o is an option of the subcommand being parsed, or a usage
 * error; an applet option before the subcommand is one too */
static void
check_sub(struct opt_parser *p, const struct opt *o)
{
	char nb[64];

	if (o->key < 0)
		return;		/* a common option */
	opt_label(o, nb, sizeof(nb));
	if (p->ap->subcmds && p->sub == NULL)
		usage_error("missing subcommand before '%s'", nb);
	if (p->sub && o->sub && !(o->sub & p->sub->id))
		usage_error("'%s' takes no %s option", p->cmd, nb);
}

/* take: the option o was found: its argument, the subcommand check, the
 * common options; returns its key, or 0 when it was a common option
 * acted on */
static int
take(struct opt_parser *p, const struct opt *o)
{
	p->cur = o;
	check_sub(p, o);
	if (o->key < 0 && builtin(p, o))
		return 0;
	return opt_key(o);
}

int
opt_next(struct opt_parser *p)
{
	const struct opt *o;
	char vb[128];
	int k;

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
		if ((k = take(p, o)) == 0)
			goto again;
		return k;
	}
	p->cluster = NULL;
	while (p->ind < p->argc) {
		char *s = p->argv[p->ind];

		if (strcmp(s, "--") == 0) {
			/* the options end; what follows are operands, or
			 * the command of an applet that runs one */
			p->ind++;
			if (p->takes_cmd) {
				p->cmdv = &p->argv[p->ind];
				p->ncmd = p->argc - p->ind;
				p->ind = p->argc;
			} else {
				operands_from(p, p->ind);
			}
			return -1;
		}
		if (s[0] != '-' || s[1] == '\0') {
			if (p->posix) {
				operands_from(p, p->ind);
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
			if ((k = take(p, o)) == 0)
				goto again;
			return k;
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
	return opt_label(p->cur, buf, len);
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

/* print_opts: one help line per documented option in tab (those of
 * subcommand sub only, unless it is NULL) */
static void
print_opts(const struct opt *tab, const struct opt_sub *sub, FILE *f)
{
	for (const struct opt *o = tab; o && (o->lo || o->so); o++) {
		char left[64];
		int n = 0;

		if (o->help == NULL || (sub && o->sub && !(o->sub & sub->id)))
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

/* usage_of: whether usage line u (len bytes) is one of subcommand sub
 * ("sig send ..." for "send"); every line is when sub is NULL */
static bool
usage_of(const struct applet *ap, const struct opt_sub *sub, const char *u,
    int len)
{
	size_t an = strlen(ap->name), sn;

	if (sub == NULL)
		return true;
	sn = strlen(sub->name);
	return (size_t)len >= an + 1 + sn && strncmp(u, ap->name, an) == 0 &&
	    u[an] == ' ' && strncmp(u + an + 1, sub->name, sn) == 0 &&
	    ((size_t)len == an + 1 + sn || u[an + 1 + sn] == ' ');
}

/* print_help: the usage, the brief and the options, of subcommand sub
 * only when it is not NULL */
static void
print_help(const struct applet *ap, const struct opt_sub *sub, FILE *f)
{
	const char *u = ap->usage, *nl;
	int first = 1;

	while (u && *u) {
		nl = strchr(u, '\n');
		int len = nl ? (int)(nl - u) : (int)strlen(u);
		if (usage_of(ap, sub, u, len)) {
			fprintf(f, "%s ipctool %.*s\n", first ? "usage:" :
			    "      ", len, u);
			first = 0;
		}
		u = nl ? nl + 1 : u + len;
	}
	if (first && sub) {
		print_help(ap, NULL, f);	/* it has no line of its own */
		return;
	}
	fprintf(f, "\n%s\n\noptions:\n", ap->brief);
	print_opts(ap->opts, sub, f);
	print_opts(common_opts, NULL, f);
	fprintf(f, "\nSee ipctool-%s(1).\n", ap->name);
}

void
opt_print_help(const struct applet *ap, FILE *f)
{
	print_help(ap, NULL, f);
}

/* print_words_of: the options of tab as completion words (those of
 * subcommand sub only, unless it is NULL) */
static void
print_words_of(const struct opt *tab, const struct opt_sub *sub, FILE *f)
{
	for (const struct opt *o = tab; o && (o->lo || o->so); o++) {
		if (o->help == NULL)
			continue;
		if (sub && o->sub && !(o->sub & sub->id))
			continue;
		if (o->lo)
			fprintf(f, "--%s\n", o->lo);
		if (o->so)
			fprintf(f, "-%c\n", o->so);
	}
}

void
opt_print_sub_words(const struct applet *ap, const struct opt_sub *sub,
    FILE *f)
{
	for (const struct opt_sub *s = ap->subcmds; !sub && s && s->name; s++)
		fprintf(f, "%s\n", s->name);
	print_words_of(ap->opts, sub, f);
	print_words_of(common_opts, sub, f);
}

void
opt_print_words(const struct applet *ap, FILE *f)
{
	opt_print_sub_words(ap, NULL, f);
}

/* candidate: print word when it starts with cur (in any case when icase) */
static void
candidate(const char *word, const char *cur, bool icase, FILE *f)
{
	size_t n = strlen(cur);

	if ((icase ? strncasecmp(word, cur, n) : strncmp(word, cur, n)) == 0)
		fprintf(f, "%s\n", word);
}

/* complete_opts: the options of sub (NULL: the common ones only) */
static void
complete_opts(const struct applet *ap, const struct opt_sub *sub,
    bool all, const char *cur, FILE *f)
{
	const struct opt *tabs[2] = { all ? ap->opts : NULL, common_opts };
	char w[64];

	for (int t = 0; t < 2; t++)
		for (const struct opt *o = tabs[t]; o && (o->lo || o->so);
		    o++) {
			if (o->help == NULL || (sub && o->sub &&
			    !(o->sub & sub->id)))
				continue;
			if (o->lo) {
				snprintf(w, sizeof(w), "--%s", o->lo);
				candidate(w, cur, false, f);
			}
			if (o->so) {
				snprintf(w, sizeof(w), "-%c", o->so);
				candidate(w, cur, false, f);
			}
		}
}

/* complete_kind: the candidates for a value of kind k at word index i */
static void
complete_kind(enum opt_arg k, int i, const char *cur, FILE *f)
{
	char nb[32];

	switch (k) {
	case OPT_SIGNAL:
	case OPT_CATCH:
		for (int s = 1; s <= SIGRTMAX; s++) {
			if (k == OPT_CATCH && (s == SIGKILL || s == SIGSTOP))
				continue;
			if (signal_name(s, nb, sizeof(nb)) != NULL)
				candidate(nb, cur, true, f);
		}
		break;
	case OPT_PATH:
		fprintf(f, "@files\n");
		break;
	case OPT_CMD:
		fprintf(f, "@exec %d\n", i);
		break;
	default:
		break;		/* nothing to offer */
	}
}

/* takes_arg: the option word s (not "--") whose argument is the next
 * word, or NULL when s needs none or has it attached */
static const struct opt *
takes_arg(const struct applet *ap, const char *s)
{
	const struct opt *o;

	if (s[1] == '-') {
		if (strchr(s, '=') != NULL)
			return NULL;
		o = find_long(ap, s + 2, strlen(s + 2));
		return o && o->arg != OPT_FLAG ? o : NULL;
	}
	for (const char *c = s + 1; *c; c++) {
		o = find_short(ap, (unsigned char)*c);
		if (o == NULL)
			return NULL;
		if (o->arg != OPT_FLAG)
			return c[1] == '\0' ? o : NULL;
	}
	return NULL;
}

void
opt_complete(const struct applet *ap, int n, char **w, FILE *f)
{
	const struct opt_sub *sub = NULL;
	const struct opt *o;
	const char *cur;
	bool cmd = (ap->flags & APPLET_CMD) != 0;
	bool posix = (ap->flags & APPLET_POSIX) != 0;
	enum opt_arg operand = ap->operand;
	int i = 0;

	if (n <= 0)
		return;
	cur = w[n - 1];
	if (ap->subcmds) {
		if (n == 1) {
			if (cur[0] == '-')
				complete_opts(ap, NULL, false, cur, f);
			else
				for (sub = ap->subcmds; sub->name; sub++)
					candidate(sub->name, cur, false, f);
			return;
		}
		for (sub = ap->subcmds; sub->name; sub++)
			if (strcmp(sub->name, w[0]) == 0)
				break;
		if (sub->name == NULL)
			return;
		cmd = (sub->flags & APPLET_CMD) != 0;
		operand = sub->operand;
		i = 1;
	}
	for (; i < n - 1; i++) {
		const char *s = w[i];

		if (strcmp(s, "--") == 0) {
			/* the options are over */
			if (cmd && !posix) {
				fprintf(f, "@exec %d\n", i + 1);
				return;
			}
			break;
		}
		if (s[0] != '-' || s[1] == '\0') {
			if (posix)
				break;	/* the first operand ends them */
			continue;
		}
		if ((o = takes_arg(ap, s)) != NULL && ++i == n - 1) {
			complete_kind(o->arg, i, cur, f);
			return;
		}
	}
	if (i == n - 1 && cur[0] == '-') {
		complete_opts(ap, sub, true, cur, f);
		return;
	}
	if (operand == OPT_CMD) {
		/* pipe: CMD [ARG...] [:: CMD [ARG...]]... */
		int k = i;

		for (int j = i; j < n - 1; j++)
			if (strcmp(w[j], "::") == 0 || strcmp(w[j], "--") == 0)
				k = j + 1;
		fprintf(f, "@exec %d\n", k);
		return;
	}
	complete_kind(operand, n - 1, cur, f);
}
