/* die.c - error prefix via setprogname(3), usage errors, the stdout check at exit */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bsd/stdlib.h>

#include "die.h"
#include "io.h"

static char progname[64];
static const char *applet_name;

/* check_stdout: at exit, flush stdout and fail if the data did not get out;
 * a closed pipe (EPIPE) ends quietly, as a reader that went away is normal */
static void
check_stdout(void)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return;
	if (errno == EPIPE)
		return;
	warn("write to stdout");
	_exit(EXIT_FAIL);
}

void
die_init(const char *applet)
{
	static int registered;

	applet_name = applet;
	if (applet != NULL)
		snprintf(progname, sizeof(progname), "ipctool %s", applet);
	else
		snprintf(progname, sizeof(progname), "ipctool");
	setprogname(progname);
	if (!registered) {
		atexit(check_stdout);
		registered = 1;
	}
}

const char *
die_applet(void)
{
	return applet_name;
}

void
die_stdout(void)
{
	int e = errno;

	/* what could not be written is dropped, so that the check at exit
	 * does not report the same failure a second time */
	__fpurge(stdout);
	clearerr(stdout);
	if (e == EPIPE)
		exit(0);
	errno = e;
	err(EXIT_FAIL, "write to stdout");
}

void
die_flush_stdout(void)
{
	if (fflush(stdout) == 0)
		return;
	die_stdout();
}

void
usage_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", getprogname());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see '%s --help')\n", getprogname());
	exit(EX_USAGE);
}

void
die_unless_runnable(const char *cmd)
{
	char path[PATH_MAX];

	if (io_cmd_path(cmd, path, sizeof(path)) == 0)
		return;
	if (errno == ENOENT && strchr(cmd, '/'))
		errx(127, "cannot run '%s': no such file", cmd);
	if (errno == ENOENT)
		errx(127, "cannot run '%s': command not found", cmd);
	err(126, "cannot run '%s'", cmd);
}
