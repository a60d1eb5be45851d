/* test_pidfile.c - pid files appear whole and are read back strictly */
#include <dirent.h>
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

/* entries: the number of entries in dir besides . and .. */
static int
entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
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
	mode_t mask = umask(022);

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
	CHECK_INT(entries(dir), 1);	/* no temporary left behind */
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == (0644 & ~mask));
	CHECK(st.st_uid == geteuid() && st.st_gid == getegid());

	/* any line (an address file): whole, with its newline */
	{
		char buf[64] = "";
		FILE *f;

		CHECK_INT(pidfile_publish_line(path, "tcp:127.0.0.1:4242", 0), 0);
		f = fopen(path, "r");
		CHECK(f != NULL);
		if (f) {
			CHECK_INT((int)fread(buf, 1, sizeof(buf) - 1, f), 19);
			fclose(f);
		}
		CHECK_STR(buf, "tcp:127.0.0.1:4242\n");
		CHECK_INT(pidfile_publish_line("/nonexistent/dir/a", "x", 0), -1);
		CHECK_INT(errno, ENOENT);
	}

	/* PIDFILE_EXCL: an existing file is an error, left as it was */
	CHECK_INT(pidfile_publish_line(path, "x", PIDFILE_EXCL), -1);
	CHECK_INT(errno, EEXIST);
	CHECK_INT(entries(dir), 1);
	unlink(path);
	CHECK_INT(pidfile_publish_line(path, NULL, PIDFILE_EXCL), 0);
	CHECK(stat(path, &st) == 0 && st.st_size == 0);

	/* removed while ours; a file put in its place is left alone */
	pidfile_remove_all();
	CHECK(access(path, F_OK) == -1 && errno == ENOENT);
	CHECK_INT(pidfile_publish(path, 7), 0);
	{	/* same content, another inode (the old one kept alive, so
		 * that its number is not reused) */
		char moved[300];

		snprintf(moved, sizeof(moved), "%s/moved", dir);
		CHECK_INT(rename(path, moved), 0);
		put(path, "7\n");
		pidfile_remove_all();
		CHECK_INT(access(path, F_OK), 0);
		unlink(moved);
	}
	CHECK_INT(pidfile_publish(path, 8), 0);
	put(path, "9\n");	/* same inode, other content */
	pidfile_remove_all();
	CHECK_INT(rd(path, &why), 9);
	unlink(path);

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
