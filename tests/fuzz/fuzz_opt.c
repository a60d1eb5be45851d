/* tests/fuzz/fuzz_opt.c - the option parser (opt_init, opt_next, opt_rest,
 * opt_cmd and the value helpers) over an argv built from the input, with a
 * test applet whose table has every argument kind, short-only, long-only
 * and undocumented options. Usage errors and --help/--version call exit(3):
 * this target is linked with -Wl,--wrap=exit, so such an exit comes back
 * here by longjmp(3) with its status (which must be 64, or 0 after a help
 * option). Meanwhile stdio's stdout points at /dev/null and its stderr at
 * a memory stream (the sanitizers and FUZZ_CHECK write to fd 2 directly
 * and are still heard). Checked: each option returned is in the table,
 * with an argument exactly when it takes one, lying inside argv; the
 * operands are argv elements in order; the command after "--" is the tail
 * of argv; a usage error is one line on stderr, whatever bytes argv held
 * (no control character but its final newline).
 *
 * With bit 4 of byte 0, the words go to opt_complete instead (the
 * applet with its subcommands): each line it prints is a word that
 * starts with the last one (in any case), "@files" or "@exec K" with K
 * one of the words.
 *
 * Input: byte 0 (bit 0: POSIX order, bit 1: cmd "test send", bit 2: the
 * applet runs a command, bit 3: cmd "test wait", which runs one, bit 4:
 * completion), then the argv elements after argv[0], NUL-separated. */
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdbool.h>

#include "fuzz.h"
#include "addr.h"
#include "applet.h"
#include "opt.h"
#include "out.h"

#define MAX_ARGS 32

enum { O_JSON = 256, O_MODE, O_TO, O_HIDDEN };

enum { T_SEND = 1 << 0, T_WAIT = 1 << 1 };

static const struct opt_sub test_subs[] = {
	{ .name = "send", .id = T_SEND },
	{ .name = "wait", .id = T_WAIT, .flags = APPLET_CMD },
	{ .name = NULL }
};

static const struct opt test_opts[] = {
	{ .so = '0', .lo = "null", .help = "NUL-delimited" },
	{ .so = 'c', .lo = "count", .arg = OPT_INT, .meta = "N",
	    .help = "stop after N" },
	{ .so = 'l', .lo = "limit", .arg = OPT_SIZE, .meta = "SIZE",
	    .help = "at most SIZE" },
	{ .so = 'p', .lo = "path", .arg = OPT_PATH, .meta = "PATH",
	    .help = "a path" },
	{ .so = 'n', .arg = OPT_INT, .meta = "N", .help = "a number, short only" },
	{ .so = 's', .arg = OPT_SIGNAL, .meta = "SIG", .sub = T_SEND,
	    .help = "a signal" },
	{ .so = 't', .lo = "timeout", .arg = OPT_DURATION, .meta = "DUR",
	    .help = "give up after DUR" },
	{ .so = 'x', .lo = "exec", .arg = OPT_STR, .help = "a string" },
	{ .lo = "json", .key = O_JSON, .sub = T_WAIT, .help = "JSON lines" },
	{ .lo = "mode", .key = O_MODE, .arg = OPT_MODE, .meta = "MODE",
	    .help = "file mode" },
	{ .lo = "to", .key = O_TO, .arg = OPT_ADDR, .meta = "ADDR",
	    .help = "an address" },
	{ .lo = "hidden", .key = O_HIDDEN },
	OPT_END
};

static int test_main(int argc, char **argv) { (void)argc; (void)argv; return 0; }

static struct applet test_applet = {
	.name = "test", .brief = "a test", .usage = "test [-0] ARG...\ntest send",
	.subcmds = test_subs, .opts = test_opts, .main = test_main,
};

void __real_exit(int status) __attribute__((noreturn));
void __wrap_exit(int status) __attribute__((noreturn));

static jmp_buf exit_jmp;
static volatile int in_target;
static volatile int exit_status;
static FILE *devnull;

/* The parse under way: static, as it lives across the longjmp */
static struct opt_parser parser;
static char *args[MAX_ARGS + 1];
static int nargs;
static bool parser_live;

/* __wrap_exit: exit(3) as the code under test sees it: back to the target
 * while it runs, the real exit otherwise (libFuzzer's own exits) */
void
__wrap_exit(int status)
{
	if (!in_target)
		__real_exit(status);
	in_target = 0;
	exit_status = status;
	longjmp(exit_jmp, 1);
}

/* in_argv: true when s points into (or at the end of) an argv element */
static bool
in_argv(const char *s)
{
	for (int i = 1; i < nargs; i++)
		if (s >= args[i] && s <= args[i] + strlen(args[i]))
			return true;
	return false;
}

/* check_option: the option just returned, and its value helper */
static void
check_option(struct opt_parser *p, int key)
{
	const struct opt *o = p->cur;
	struct addr a;
	const char *errstr;

	FUZZ_CHECK(o != NULL);
	FUZZ_CHECK(o >= test_opts &&
	    o < test_opts + sizeof(test_opts) / sizeof(test_opts[0]) - 1);
	FUZZ_CHECK(key == (o->key ? o->key : o->so));
	if (o->arg == OPT_FLAG) {
		FUZZ_CHECK(p->arg == NULL);
		return;
	}
	FUZZ_CHECK(p->arg != NULL && in_argv(p->arg));
	switch (o->arg) {
	case OPT_INT:
		FUZZ_CHECK(opt_int(p, -5, 1000) >= -5);
		break;
	case OPT_SIZE:
		opt_size(p);
		break;
	case OPT_DURATION:
		FUZZ_CHECK(opt_duration(p) >= -1);
		break;
	case OPT_SIGNAL:
		FUZZ_CHECK(opt_signal(p) >= 0);
		break;
	case OPT_ADDR:
		addr_parse(&a, p->arg, &errstr);
		break;
	case OPT_MODE:
		FUZZ_CHECK(opt_mode(p) <= 0777);
		break;
	default:
		break;
	}
}

/* check_rest: the operands (a "--" among them only after the one that
 * ended the options) and the command after "--" (only where one runs) */
static void
check_rest(struct opt_parser *p)
{
	char **rest, **cmd;
	int n, ncmd, j = 1, last = 0, dashes = nargs;

	for (int i = 1; i < nargs; i++)
		if (strcmp(args[i], "--") == 0) {
			dashes = i;
			break;
		}

	rest = opt_rest(p, &n);
	FUZZ_CHECK(n >= 0 && n <= nargs - 1);
	FUZZ_CHECK(rest[n] == NULL);
	for (int i = 0; i < n; i++) {
		while (j < nargs && args[j] != rest[i])
			j++;
		FUZZ_CHECK(j < nargs);	/* an argv element, in order */
		if (!p->posix && strcmp(rest[i], "--") == 0)
			FUZZ_CHECK(j > dashes);
		last = j++;
	}
	cmd = opt_cmd(p, &ncmd);
	if (cmd != NULL) {
		FUZZ_CHECK(p->takes_cmd);
		FUZZ_CHECK(cmd > args + 1 && cmd + ncmd == args + nargs);
		FUZZ_CHECK(strcmp(cmd[-1], "--") == 0);
		FUZZ_CHECK(last < cmd - args - 1);	/* operands before it */
	} else {
		FUZZ_CHECK(ncmd == 0);
	}
}

/* check_stderr: what went to stderr (len bytes): nothing, or after a
 * usage error exactly one line without control characters */
static void
check_stderr(const char *s, size_t len, int status)
{
	if (status != 64) {
		FUZZ_CHECK(len == 0);
		return;
	}
	FUZZ_CHECK(len > 1 && s[len - 1] == '\n');
	for (size_t i = 0; i < len - 1; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			dprintf(2, "usage error with byte 0x%02x: %.*s\n",
			    (unsigned char)s[i], (int)len, s);
			FUZZ_CHECK(!"a usage error is one line");
		}
	}
}

/* parse_all: run the parser over args to the end; may leave by exit */
static void
parse_all(const char *cmd)
{
	struct opt_parser *p = &parser;
	int key, calls = 0;

	/* without a subcommand, the applet has none (an option before one
	 * would be an error) */
	test_applet.subcmds = cmd ? test_subs : NULL;
	opt_init(p, &test_applet, cmd, nargs, args);
	parser_live = true;
	while ((key = opt_next(p)) != -1) {
		/* each option takes at least one character of argv */
		FUZZ_CHECK(++calls <= nargs * 100000);
		check_option(p, key);
	}
	FUZZ_CHECK(opt_next(p) == -1);
	check_rest(p);
}

/* check_complete: what opt_complete offers for args[1..] */
static void
check_complete(void)
{
	char *out = NULL, *line, *save = NULL;
	size_t len = 0;
	const char *cur = nargs > 1 ? args[nargs - 1] : "";
	FILE *f = open_memstream(&out, &len);

	FUZZ_CHECK(f != NULL);
	test_applet.subcmds = test_subs;
	test_applet.operand = OPT_CMD;
	opt_complete(&test_applet, nargs - 1, args + 1, f);
	test_applet.operand = OPT_FLAG;
	fclose(f);
	for (line = strtok_r(out, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		int k;

		if (strcmp(line, "@files") == 0)
			continue;
		if (sscanf(line, "@exec %d", &k) == 1) {
			FUZZ_CHECK(k >= 0 && k < nargs - 1);
			continue;
		}
		FUZZ_CHECK(strncasecmp(line, cur, strlen(cur)) == 0);
	}
	free(out);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	devnull = fopen("/dev/null", "w");
	FUZZ_CHECK(devnull != NULL);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *out = stdout, *err = stderr, *mem;
	char *msg = NULL;
	size_t off = 1, msglen = 0;

	if (size < 1)
		return 0;
	if (devnull == NULL)
		LLVMFuzzerInitialize(NULL, NULL);
	nargs = 0;
	args[nargs++] = fuzz_cstr((const uint8_t *)"test", 4);
	while (off <= size && nargs < MAX_ARGS) {
		const uint8_t *z = memchr(data + off, '\0', size - off);
		size_t l = z ? (size_t)(z - (data + off)) : size - off;

		args[nargs++] = fuzz_cstr(data + off, l);
		off += l + 1;
	}
	args[nargs] = NULL;
	parser_live = false;
	exit_status = -1;
	test_applet.flags = (data[0] & 1 ? APPLET_POSIX : 0) |
	    (data[0] & 4 ? APPLET_CMD : 0);
	if (data[0] & 16) {
		check_complete();
		for (int i = 0; i < nargs; i++)
			free(args[i]);
		return 0;
	}
	mem = open_memstream(&msg, &msglen);
	FUZZ_CHECK(mem != NULL);
	stdout = devnull;
	stderr = mem;
	if (setjmp(exit_jmp) == 0) {
		in_target = 1;
		parse_all(data[0] & 2 ? "test send" : data[0] & 8 ?
		    "test wait" : NULL);
		in_target = 0;
	} else {
		/* left by exit: a usage error, or a help option */
		FUZZ_CHECK(exit_status == 64 || exit_status == 0);
	}
	stdout = out;
	stderr = err;
	fclose(mem);
	check_stderr(msg, msglen, exit_status);
	free(msg);
	if (parser_live)
		opt_free(&parser);
	out_trace_on = false;
	for (int i = 0; i < nargs; i++)
		free(args[i]);
	return 0;
}
