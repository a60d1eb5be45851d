/* test_opt.c - the option parser: short, long, clusters, "--x=y",
 * permutation, POSIX order, "--" and the command after it, usage errors */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "applet.h"
#include "die.h"
#include "out.h"

enum { O_JSON = 256, O_MODE };

static const struct opt test_opts[] = {
	{ '0', "null", 0, OPT_FLAG, NULL, "NUL-delimited" },
	{ 'c', "count", 0, OPT_INT, "N", "stop after N" },
	{ 't', "timeout", 0, OPT_DURATION, "DUR", "give up after DUR" },
	{ 0, "json", O_JSON, OPT_FLAG, NULL, "JSON lines" },
	{ 0, "mode", O_MODE, OPT_STR, "MODE", "file mode" },
	OPT_END
};

static int test_main(int argc, char **argv) { (void)argc; (void)argv; return 0; }

static struct applet test_applet = {
	.name = "test", .brief = "a test", .usage = "test [-0] ARG...",
	.subcmds = "send wait", .opts = test_opts, .main = test_main,
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

/* usage_msg: run the parser over argv in a child that reads a duration
 * for -t; what it wrote on stderr (a static buffer) */
static const char *
usage_msg(char **argv, int argc)
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
		opt_init(&p, &test_applet, NULL, argc, argv);
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
	return buf;
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
			case O_MODE: mode = p.arg; break;
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
		/* operands, then "--" and a command with its own options */
		char *argv[] = { "test", "USR1", "--json", "--", "cmd", "-0",
		    "--json", NULL };
		opt_init(&p, &test_applet, NULL, 7, argv);
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
		/* "--" first: everything after is the command */
		char *argv[] = { "test", "--", "-0", NULL };
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
	return check_done();
}
