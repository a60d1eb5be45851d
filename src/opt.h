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
	OPT_MODE,		/* octal permissions, at most 0777 (opt_mode) */
	/* kinds of operands only, for completion */
	OPT_CATCH,		/* a signal that can be caught (not KILL, STOP) */
	OPT_CMD,		/* a command and its arguments */
};

/* One row of an applet's option table; write it with named fields:
 *	{ .so = 'c', .lo = "count", .arg = OPT_INT, .meta = "N",
 *	  .sub = SIG_SEND | SIG_WAIT, .help = "..." } */
struct opt {
	int so;			/* short option character, 0 for none */
	const char *lo;		/* long option name without "--" */
	int key;		/* returned by opt_next (use >= 256); 0: so is */
	enum opt_arg arg;
	const char *meta;	/* name of the argument in help, e.g. "DUR" */
	const char *help;	/* one short line; NULL hides the option */
	unsigned sub;		/* the subcommands that take it (an OR of
				 * their .id), 0 for every one */
};

#define OPT_END { .lo = NULL }

/* One subcommand of an applet ("sig send"); a table of them ends with
 * { .name = NULL } */
struct opt_sub {
	const char *name;
	unsigned id;		/* one bit, named in the .sub of options */
	int flags;		/* APPLET_CMD: a command follows "--" */
	enum opt_arg operand;	/* what its operands are (completion) */
};

/* The state of one parse; do not copy it (cmd may point into cmdbuf) */
struct opt_parser {
	const struct applet *ap;
	const char *cmd;	/* "sig" or "sig send", for messages */
	int argc;
	char **argv;
	int ind;		/* next argv element to look at */
	const char *cluster;	/* rest of a "-abc" cluster */
	const char *arg;	/* argument of the option just returned */
	const struct opt *cur;	/* the option just returned */
	const struct opt_sub *sub;	/* the subcommand, or NULL */
	bool posix;		/* stop at the first operand */
	bool takes_cmd;		/* "--" starts a command (APPLET_CMD) */
	char **rest;		/* operands, in order */
	int nrest;
	char **cmdv;		/* what followed "--", or NULL */
	int ncmd;
	char cmdbuf[48];
};

/* opt_init: start parsing argv[1..argc-1]; argv[0] names the (sub)command.
 * cmd is "APPLET" or "APPLET SUB" (NULL: the applet's name); a SUB that is
 * one of the applet's subcommands selects it (see opt_init_sub). */
void opt_init(struct opt_parser *p, const struct applet *ap, const char *cmd,
    int argc, char **argv);

/* opt_init_sub: for an applet with subcommands: argv[1] names one; start
 * parsing argv[2..] as "APPLET SUB" and return the subcommand. A missing
 * or unknown subcommand, or an option before it, is a usage error (--help
 * and --version there work). */
const struct opt_sub *opt_init_sub(struct opt_parser *p,
    const struct applet *ap, int argc, char **argv);

/* opt_next: the next option's key (its short character, or .key), or -1
 * when the options are done. Handles --help, --version, -v/--trace and
 * --complete-words itself; an unknown option, a missing argument or an
 * option the subcommand does not take is a usage error (exit 64), e.g.
 * "'sig send' takes no --ack option". */
int opt_next(struct opt_parser *p);

/* opt_rest: the operands (non-options) in order; *n gets their number.
 * "--" ends the options (POSIX): what follows are operands, or, when the
 * applet or subcommand runs a command (APPLET_CMD), the command, which
 * opt_cmd returns (NULL when there was no "--"). */
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

/* opt_complete: what can go in place of the last of the n words (the
 * command line after the applet's name), one candidate per line on f,
 * those starting with it (signal names in any case); or one directive:
 * "@files" (a file name) or "@exec K" (the words from K on, counted from
 * 0, are a command line of their own) */
void opt_complete(const struct applet *ap, int n, char **words, FILE *f);

/* opt_print_sub_words: the options subcommand sub takes, one per line;
 * sub NULL: as opt_print_words */
void opt_print_sub_words(const struct applet *ap, const struct opt_sub *sub,
    FILE *f);

#endif
