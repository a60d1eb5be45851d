/* pidfile.c - pid files: open(2) O_EXCL beside the target, write(2),
 * rename(2) over it, so the file appears whole or not at all */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bsd/stdlib.h>

#include "io.h"
#include "pidfile.h"

int
pidfile_publish(const char *path, pid_t pid)
{
	char line[32];

	snprintf(line, sizeof(line), "%ld", (long)pid);
	return pidfile_publish_line(path, line);
}

int
pidfile_publish_line(const char *path, const char *line)
{
	char tmp[PATH_MAX];
	size_t len = strlen(line);
	int fd, n, saved;

	n = snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0644);
	if (fd == -1)
		return -1;
	if (io_write_full(fd, line, len) != (ssize_t)len ||
	    io_write_full(fd, "\n", 1) != 1) {
		saved = errno;
		close(fd);
		unlink(tmp);
		errno = saved;
		return -1;
	}
	if (close(fd) == -1) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		return -1;
	}
	if (rename(tmp, path) == -1) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		return -1;
	}
	return 0;
}

int
pidfile_read(const char *path, pid_t *pid, const char **errstr)
{
	char buf[32];
	ssize_t n;
	long long v;
	int fd;

	*errstr = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	n = io_read_full(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n == -1)
		return -1;
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (n == 0 || strspn(buf, "0123456789") != (size_t)n) {
		*errstr = n == 0 ? "empty" : "not a pid";
		errno = 0;
		return -1;
	}
	v = strtonum(buf, 1, INT_MAX, errstr);
	if (*errstr) {
		*errstr = "not a pid";
		errno = 0;
		return -1;
	}
	*pid = (pid_t)v;
	return 0;
}
