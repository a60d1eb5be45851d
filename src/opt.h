/* opt.h - parse argv against an applet's option table; render --help and completion words */
#ifndef IPCTOOL_OPT_H
#define IPCTOOL_OPT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct applet;

/* Argument kinds: OPT_FLAG takes none; the others take one, the kind
 * says what it is (for help, completion and the opt_* value helpers). */
enum opt_arg {
	OPT_FLAG = 0,
	OPT_STR,
	OPT_INT,
	OPT_DURATION,
	OPT_SIZE,
	OPT_SIGNAL,
	OPT_PATH,
	OPT_ADDR,
};

struct opt {
	int so;			/* short option character, 0 for none */
	const char *lo;		/* long option name without "--" */
	int key;		/* returned by opt_next when so is 0 (use >= 256) */
	enum opt_arg arg;
	const char *meta;	/* name of the argument in help, e.g. "DUR" */
	const char *help;	/* one short line */
};

#define OPT_END { 0, NULL, 0, OPT_FLAG, NULL, NULL }

struct opt_parser {
	const struct applet *ap;
	const char *cmd;	/* "sig" or "sig send", for messages */
	int argc;
	char **argv;
	int ind;		/* next argv element to look at */
	const char *cluster;	/* rest of a "-abc" cluster */
	const char *arg;	/* argument of the option just returned */
	const struct opt *cur;	/* the option just returned */
	bool posix;		/* stop at the first operand */
	bool stopped;
	char **rest;		/* operands, in order */
	int nrest;
	char **cmdv;		/* what followed "--" after an operand, or NULL */
	int ncmd;
};

/* opt_init: start parsing argv[1..argc-1]; argv[0] names the (sub)command */
void opt_init(struct opt_parser *p, const struct applet *ap, const char *cmd,
    int argc, char **argv);

/* opt_next: the next option's key (its short character, or .key), or -1
 * when the options are done. Handles --help, --version, -v/--trace and
 * --complete-words itself; an unknown option or a missing argument is a
 * usage error (exit 64). */
int opt_next(struct opt_parser *p);

/* opt_rest: the operands (non-options) in order; *n gets their number.
 * A "--" among them ends them: what follows is in opt_cmd. When no "--"
 * was seen, opt_cmd returns NULL. */
char **opt_rest(struct opt_parser *p, int *n);
char **opt_cmd(struct opt_parser *p, int *n);

/* opt_free: release what the parser allocated */
void opt_free(struct opt_parser *p);

/* Value helpers for the option just returned: a bad value is a usage error */
int64_t opt_duration(struct opt_parser *p);		/* milliseconds, -1 = none */
uint64_t opt_size(struct opt_parser *p);		/* bytes */
long long opt_int(struct opt_parser *p, long long min, long long max);
int opt_signal(struct opt_parser *p);
mode_t opt_mode(struct opt_parser *p);			/* octal, at most 0777 */

/* --timeout, one rule for every applet: a duration, where 0 means none
 * (wait forever, -1). A timeout not given is TIMEOUT_UNSET (which waits
 * forever too); every synchronous wait (an acknowledgement, a reply, a
 * job's result) then takes TIMEOUT_SYNC_MS. */
#define TIMEOUT_UNSET		(-2)
#define TIMEOUT_SYNC_MS		5000
#define TIMEOUT_SYNC_STR	"5s"
int64_t opt_timeout(struct opt_parser *p);	/* milliseconds, -1 = none */

/* opt_print_help: the usage, the brief and the option list */
void opt_print_help(const struct applet *ap, FILE *f);

/* opt_print_words: subcommands and options, one per line (completions) */
void opt_print_words(const struct applet *ap, FILE *f);

#endif
