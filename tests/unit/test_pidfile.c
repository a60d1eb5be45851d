/* test_pidfile.c - pid files appear whole and are read back strictly */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "pidfile.h"

/* put: write s to path */
static void
put(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	if (f == NULL) {
		perror(path);
		exit(2);
	}
	fputs(s, f);
	fclose(f);
}

/* rd: read path; returns the pid, -1 for a system error (errno), -2 for
 * bad content (*why) */
static long
rd(const char *path, const char **why)
{
	const char *errstr;
	pid_t pid;

	*why = NULL;
	if (pidfile_read(path, &pid, &errstr) == 0)
		return pid;
	*why = errstr;
	return errstr ? -2 : -1;
}

int
main(void)
{
	char dir[] = "/tmp/test_pidfile.XXXXXX", path[256], link[256];
	const char *why;
	struct stat st;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/p", dir);
	snprintf(link, sizeof(link), "%s/l", dir);

	/* written whole, read back, no temporary file left behind */
	CHECK_INT(pidfile_publish(path, 4711), 0);
	CHECK_INT(rd(path, &why), 4711);
	CHECK_INT(pidfile_publish(path, getpid()), 0);
	CHECK_INT(rd(path, &why), getpid());
	{
		char tmp[300];
		snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
		CHECK(access(tmp, F_OK) == -1 && errno == ENOENT);
	}

	/* any line (an address file): whole, with its newline */
	{
		char buf[64] = "";
		FILE *f;

		CHECK_INT(pidfile_publish_line(path, "tcp:127.0.0.1:4242"), 0);
		f = fopen(path, "r");
		CHECK(f != NULL);
		if (f) {
			CHECK_INT((int)fread(buf, 1, sizeof(buf) - 1, f), 19);
			fclose(f);
		}
		CHECK_STR(buf, "tcp:127.0.0.1:4242\n");
		CHECK_INT(pidfile_publish_line("/nonexistent/dir/a", "x"), -1);
		CHECK_INT(errno, ENOENT);
	}

	/* a symlink at the target is replaced, not followed */
	unlink(path);
	CHECK_INT(symlink("/nonexistent/target", link), 0);
	CHECK_INT(pidfile_publish(link, 42), 0);
	CHECK(lstat(link, &st) == 0 && S_ISREG(st.st_mode));
	CHECK_INT(rd(link, &why), 42);
	unlink(link);

	/* a directory that does not exist */
	CHECK_INT(pidfile_publish("/nonexistent/dir/p", 1), -1);
	CHECK_INT(errno, ENOENT);

	/* content */
	put(path, "123");
	CHECK_INT(rd(path, &why), 123);
	put(path, "123\n");
	CHECK_INT(rd(path, &why), 123);
	put(path, "");
	CHECK_INT(rd(path, &why), -2);
	CHECK_STR(why, "empty");
	put(path, "12 3\n");
	CHECK_INT(rd(path, &why), -2);
	CHECK_STR(why, "not a pid");
	put(path, "-5\n");
	CHECK_INT(rd(path, &why), -2);
	put(path, "0\n");
	CHECK_INT(rd(path, &why), -2);
	put(path, "2147483648\n");
	CHECK_INT(rd(path, &why), -2);
	CHECK_STR(why, "not a pid");
	put(path, "123\n\n");
	CHECK_INT(rd(path, &why), -2);
	put(path, "1234567890123456789012345678901234567890\n");
	CHECK_INT(rd(path, &why), -2);
	unlink(path);
	CHECK_INT(rd(path, &why), -1);
	CHECK_INT(errno, ENOENT);

	rmdir(dir);
	return check_done();
}
