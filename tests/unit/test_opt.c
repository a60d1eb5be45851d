/* test_opt.c - the option parser: short, long, clusters, "--x=y",
 * permutation, POSIX order, "--" and the command after it, usage errors */
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "applet.h"
#include "die.h"
#include "out.h"

enum { O_JSON = 256, O_MODE };
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
	{ .so = 't', .lo = "timeout", .arg = OPT_DURATION, .meta = "DUR",
	    .help = "give up after DUR" },
	{ .lo = "json", .key = O_JSON, .sub = T_WAIT, .help = "JSON lines" },
	{ .lo = "mode", .key = O_MODE, .arg = OPT_MODE, .meta = "MODE",
	    .sub = T_SEND, .help = "file mode" },
	OPT_END
};

static int test_main(int argc, char **argv) { (void)argc; (void)argv; return 0; }

static struct applet test_applet = {
	.name = "test", .brief = "a test", .usage = "test [-0] ARG...",
	.opts = test_opts, .main = test_main,
};

/* exits: run the parser over argv in a child; its exit status */
static int
exits(char **argv, int argc)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		struct opt_parser p;
		int fd = open("/dev/null", 1);
		dup2(fd, 1);
		dup2(fd, 2);
		opt_init(&p, &test_applet, NULL, argc, argv);
		while (opt_next(&p) != -1)
			;
		exit(0);
	}
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* sub_msg: run the parser over argv in a child that reads a duration
 * for -t, with subcommands (opt_init_sub) when subs; what it wrote on
 * stderr (a static buffer) */
static const char *
sub_msg(char **argv, int argc, bool subs)
{
	static char buf[512];
	int fds[2], st;
	ssize_t n, got = 0;
	pid_t pid;

	if (pipe(fds) == -1)
		abort();
	pid = fork();
	if (pid == 0) {
		struct opt_parser p;

		close(fds[0]);
		dup2(fds[1], 2);
		if (subs) {
			test_applet.subcmds = test_subs;
			opt_init_sub(&p, &test_applet, argc, argv);
		} else {
			opt_init(&p, &test_applet, NULL, argc, argv);
		}
		while (opt_next(&p) != -1)
			if (p.cur->so == 't')
				opt_duration(&p);
		exit(0);
	}
	close(fds[1]);
	while ((n = read(fds[0], buf + got, sizeof(buf) - 1 - got)) > 0)
		got += n;
	buf[got] = '\0';
	close(fds[0]);
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != (got ? 64 : 0))
		buf[0] = '?';	/* a message without exit 64 fails the test */
	return buf;
}

/* completed: what opt_complete offers for the n words (a static buffer) */
static const char *
completed(int n, char **words)
{
	static char buf[4096];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	if (f == NULL)
		abort();
	opt_complete(&test_applet, n, words, f);
	fputc('\0', f);
	fclose(f);
	return buf;
}

/* usage_msg: sub_msg without subcommands */
static const char *
usage_msg(char **argv, int argc)
{
	return sub_msg(argv, argc, false);
}

int
main(void)
{
	struct opt_parser p;
	char **rest, **cmd;
	int n, c;

	die_init("test");
	{
		char *argv[] = { "test", "a", "-0c", "5", "--timeout=2s", "b",
		    "--json", "-t250ms", "--mode", "0644", NULL };
		int got0 = 0, count = 0, json = 0;
		int64_t t = 0;
		const char *mode = NULL;

		opt_init(&p, &test_applet, NULL, 10, argv);
		while ((c = opt_next(&p)) != -1) {
			switch (c) {
			case '0': got0 = 1; break;
			case 'c': count = (int)opt_int(&p, 1, 100); break;
			case 't': t += opt_duration(&p); break;
			case O_JSON: json = 1; break;
			case O_MODE: mode = p.arg; CHECK_INT(opt_mode(&p), 0644); break;
			default: CHECK(0);
			}
		}
		CHECK(got0 && json);
		CHECK_INT(count, 5);
		CHECK_INT(t, 2250);
		CHECK_STR(mode, "0644");
		rest = opt_rest(&p, &n);
		CHECK_INT(n, 2);
		CHECK_STR(rest[0], "a");
		CHECK_STR(rest[1], "b");
		CHECK(opt_cmd(&p, &n) == NULL);
		opt_free(&p);
	}
	{
		/* --timeout: 0 means forever (-1), like inf */
		char *argv[] = { "test", "-t", "0", "--timeout", "inf", "-t1.5s",
		    NULL };
		int64_t want[] = { -1, -1, 1500 };

		opt_init(&p, &test_applet, NULL, 6, argv);
		for (int i = 0; i < 3; i++) {
			CHECK_INT(opt_next(&p), 't');
			CHECK_INT(opt_timeout(&p), want[i]);
		}
		CHECK_INT(opt_next(&p), -1);
		CHECK(TIMEOUT_UNSET < -1 && TIMEOUT_SYNC_MS == 5000);
		opt_free(&p);
	}
	{
		/* a subcommand that runs one: operands, then "--" and a
		 * command with its own options */
		char *argv[] = { "wait", "USR1", "--json", "--", "cmd", "-0",
		    "--json", NULL };
		test_applet.subcmds = test_subs;
		opt_init(&p, &test_applet, "test wait", 7, argv);
		CHECK(p.sub == &test_subs[1]);
		CHECK_INT(opt_next(&p), O_JSON);
		CHECK_INT(opt_next(&p), -1);
		rest = opt_rest(&p, &n);
		CHECK_INT(n, 1);
		CHECK_STR(rest[0], "USR1");
		cmd = opt_cmd(&p, &n);
		CHECK_INT(n, 3);
		CHECK_STR(cmd ? cmd[0] : NULL, "cmd");
		CHECK_STR(cmd ? cmd[2] : NULL, "--json");
		opt_free(&p);
	}
	{
		/* an applet that runs a command: "--" first, everything after
		 * is the command */
		char *argv[] = { "test", "--", "-0", NULL };
		test_applet.subcmds = NULL;
		test_applet.flags = APPLET_CMD;
		opt_init(&p, &test_applet, NULL, 3, argv);
		CHECK_INT(opt_next(&p), -1);
		cmd = opt_cmd(&p, &n);
		CHECK_INT(n, 1);
		CHECK_STR(cmd ? cmd[0] : NULL, "-0");
		/* no operands: still a NULL-terminated list (found by
		 * fuzzing: rest[0] was uninitialised) */
		rest = opt_rest(&p, &n);
		CHECK_INT(n, 0);
		CHECK(rest[0] == NULL);
		opt_free(&p);
		test_applet.flags = 0;
	}
	{
		/* POSIX "--" where no command runs: the options end, what
		 * follows are operands, even "--" and "-0" */
		char *argv[] = { "test", "a", "--", "-0", "--", "b", NULL };
		opt_init(&p, &test_applet, NULL, 6, argv);
		CHECK_INT(opt_next(&p), -1);
		rest = opt_rest(&p, &n);
		CHECK_INT(n, 4);
		CHECK_STR(rest[0], "a");
		CHECK_STR(rest[1], "-0");
		CHECK_STR(rest[2], "--");
		CHECK_STR(rest[3], "b");
		CHECK(rest[4] == NULL);
		CHECK(opt_cmd(&p, &n) == NULL);
		CHECK_INT(n, 0);
		opt_free(&p);
	}
	{
		/* opt_init_sub: the subcommand from argv[1], the options of
		 * argv[2..] checked against it */
		char *argv[] = { "test", "send", "--mode", "600", "-c", "2",
		    "x", NULL };
		const struct opt_sub *sub;

		test_applet.subcmds = test_subs;
		sub = opt_init_sub(&p, &test_applet, 7, argv);
		CHECK(sub == &test_subs[0]);
		CHECK_STR(p.cmd, "test send");
		CHECK_INT(opt_next(&p), O_MODE);
		CHECK_INT(opt_mode(&p), 0600);
		CHECK_INT(opt_next(&p), 'c');
		CHECK_INT(opt_next(&p), -1);
		rest = opt_rest(&p, &n);
		CHECK_INT(n, 1);
		CHECK_STR(rest[0], "x");
		opt_free(&p);
		test_applet.subcmds = NULL;
	}
	{
		/* one wording for an option of another subcommand, for a
		 * missing or unknown subcommand and an option before it */
		char *a1[] = { "test", "send", "--json", NULL };
		char *a2[] = { "test", "wait", "-0", "--mode", "0600", NULL };
		char *a3[] = { "test", NULL };
		char *a4[] = { "test", "frob", NULL };
		char *a5[] = { "test", "-c", "1", "send", NULL };
		char *a6[] = { "test", "send", "-t", "1s", "--", "--json",
		    NULL };
		char *a7[] = { "test", "--mode=0999", NULL };

		CHECK_STR(sub_msg(a1, 3, true), "ipctool test: 'test send' "
		    "takes no --json option (see 'ipctool test --help')\n");
		CHECK_STR(sub_msg(a2, 5, true), "ipctool test: 'test wait' "
		    "takes no --mode option (see 'ipctool test --help')\n");
		CHECK_STR(sub_msg(a3, 1, true), "ipctool test: missing "
		    "subcommand (send or wait) (see 'ipctool test --help')\n");
		CHECK_STR(sub_msg(a4, 2, true), "ipctool test: unknown "
		    "subcommand 'frob' (send or wait) (see 'ipctool test "
		    "--help')\n");
		CHECK_STR(sub_msg(a5, 4, true), "ipctool test: missing "
		    "subcommand before '--count' (see 'ipctool test "
		    "--help')\n");
		CHECK_STR(sub_msg(a6, 6, true), "");
		(void)a7;
	}
	{
		/* POSIX order: the first operand ends the options */
		char *argv[] = { "test", "-0", "cat", "-n", "::", "wc", NULL };
		test_applet.flags = APPLET_POSIX;
		opt_init(&p, &test_applet, NULL, 6, argv);
		CHECK_INT(opt_next(&p), '0');
		CHECK_INT(opt_next(&p), -1);
		rest = opt_rest(&p, &n);
		CHECK_INT(n, 4);
		CHECK_STR(rest[1], "-n");
		opt_free(&p);
		test_applet.flags = 0;
	}
	{
		/* -v turns tracing on; "-" alone is an operand */
		char *argv[] = { "test", "-v", "-", NULL };
		out_trace_on = false;
		opt_init(&p, &test_applet, NULL, 3, argv);
		CHECK_INT(opt_next(&p), -1);
		CHECK(out_trace_on);
		rest = opt_rest(&p, &n);
		CHECK_INT(n, 1);
		CHECK_STR(rest[0], "-");
		opt_free(&p);
	}
	{
		char *a1[] = { "test", "--nope", NULL };
		char *a2[] = { "test", "-x", NULL };
		char *a3[] = { "test", "--count", NULL };
		char *a4[] = { "test", "-c", "abc", NULL };
		char *a5[] = { "test", "--json=1", NULL };
		char *a6[] = { "test", "--help", NULL };
		char *a7[] = { "test", "-c", "0", NULL };
		char *a8[] = { "test", "-t", "5parsecs", NULL };

		CHECK_INT(exits(a1, 2), 64);
		CHECK_INT(exits(a2, 2), 64);
		CHECK_INT(exits(a3, 2), 64);
		CHECK_INT(exits(a5, 2), 64);
		CHECK_INT(exits(a6, 2), 0);
		(void)a4; (void)a7; (void)a8;
	}
	{
		/* arguments echoed in a usage error stay on one line (found
		 * by fuzzing: a newline in argv split the message) */
		char *a1[] = { "test", "-t", "1\n2\x1b", NULL };
		char *a2[] = { "test", "--no\tpe", NULL };
		char *a3[] = { "test", "-\n", NULL };

		CHECK_STR(usage_msg(a1, 3), "ipctool test: invalid duration "
		    "'1\\n2\\x1b' for --timeout: unknown unit (use ms, s, m "
		    "or h) (see 'ipctool test --help')\n");
		CHECK_STR(usage_msg(a2, 2), "ipctool test: unknown option "
		    "'--no\\tpe' (see 'ipctool test --help')\n");
		CHECK_STR(usage_msg(a3, 2), "ipctool test: unknown option "
		    "'-\\n' (see 'ipctool test --help')\n");
	}
	{
		/* completion: subcommands first, then the options of the
		 * subcommand only, option arguments and operands by kind, a
		 * command after "--" where one runs */
		char *w1[] = { "" };
		char *w2[] = { "send", "--" };
		char *w3[] = { "wait", "--j" };
		char *w4[] = { "wait", "-t", "1s", "x", "--", "ls", "-" };
		char *w5[] = { "send", "--mode", "" };
		char *w6[] = { "send", "--", "-" };
		char *w7[] = { "frob", "" };

		test_applet.subcmds = test_subs;
		CHECK_STR(completed(1, w1), "send\nwait\n");
		CHECK_STR(completed(2, w2), "--null\n--count\n--timeout\n"
		    "--mode\n--help\n--trace\n--version\n");
		CHECK_STR(completed(2, w3), "--json\n");
		CHECK_STR(completed(7, w4), "@exec 5\n");
		CHECK_STR(completed(3, w5), "");
		CHECK_STR(completed(3, w6), "");
		CHECK_STR(completed(2, w7), "");
		test_applet.subcmds = NULL;
	}
	{
		/* POSIX order and a command as operand (pipe): the command
		 * starts at the first operand or after "::" */
		char *w1[] = { "-t", "1s", "cat", "-n", "::", "w" };
		char *w2[] = { "-c" };

		test_applet.flags = APPLET_POSIX | APPLET_CMD;
		test_applet.operand = OPT_CMD;
		CHECK_STR(completed(6, w1), "@exec 5\n");
		CHECK_STR(completed(4, w1), "@exec 2\n");
		CHECK_STR(completed(1, w2), "-c\n");
		test_applet.flags = 0;
		test_applet.operand = OPT_FLAG;
	}
	return check_done();
}
