/* pidfile.c - published files: a temporary with a random name made with
 * openat(2) O_CREAT|O_EXCL|O_NOFOLLOW in the target's directory, fchown(2),
 * write(2), renameat2(2) into place; removed with fstatat(2)/unlinkat(2)
 * only while still ours. Pid files read back with pidfd_open(2) and the
 * start time of /proc/PID/stat checked against the file */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bsd/stdlib.h>
#include <bsd/string.h>

#include "io.h"
#include "path.h"
#include "pidfile.h"
#include "sigs.h"

#define PUB_MAX		4	/* files one process publishes */
#define PUB_CONTENT	512	/* the longest line published */

/* A published file, to remove at exit while it is still ours */
struct pub {
	int dirfd;		/* the directory it was written in */
	dev_t dir_dev;
	ino_t dir_ino;
	char base[NAME_MAX + 1];
	dev_t dev;
	ino_t ino;
	char content[PUB_CONTENT];
	size_t len;
	volatile sig_atomic_t set;
};

static struct pub pubs[PUB_MAX];

/* make_temp: an unpredictable new file in dirfd, its name into tmp; the
 * fd, or -1 with errno */
static int
make_temp(int dirfd, char *tmp, size_t len)
{
	int fd;

	for (int tries = 0; tries < 100; tries++) {
		snprintf(tmp, len, ".ipctool.%08x%08x.tmp", arc4random(),
		    arc4random());
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	return -1;
}

/* fill: the owner, mode and content of the temporary fd; -1 with errno */
static int
fill(int fd, const char *buf, size_t len, struct stat *st)
{
	mode_t mask = umask(0);

	umask(mask);
	/* in a set-group-ID directory the group would be the directory's */
	if (fchown(fd, geteuid(), getegid()) == -1 && errno != EPERM)
		return -1;
	if (fchmod(fd, 0644 & ~mask) == -1)
		return -1;
	if (len > 0 && io_write_full(fd, buf, len) != (ssize_t)len)
		return -1;
	return fstat(fd, st);
}

/* place: rename tmp to base in dirfd, never over an existing file with
 * excl; -1 with errno */
static int
place(int dirfd, const char *tmp, const char *base, bool excl)
{
	if (!excl)
		return renameat(dirfd, tmp, dirfd, base);
	if (syscall(SYS_renameat2, dirfd, tmp, dirfd, base,
	    1 /* RENAME_NOREPLACE */) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* a file system without renameat2: a hard link never replaces */
	if (linkat(dirfd, tmp, dirfd, base, 0) == -1)
		return -1;
	unlinkat(dirfd, tmp, 0);
	return 0;
}

/* slot: the entry of base in the directory dst when it was published
 * before, else a free one; NULL with errno EMFILE when none is left */
static struct pub *
slot(const struct stat *dst, const char *base)
{
	struct pub *free_one = NULL;

	for (size_t i = 0; i < PUB_MAX; i++) {
		struct pub *p = &pubs[i];

		if (!p->set) {
			if (free_one == NULL)
				free_one = p;
		} else if (p->dir_dev == dst->st_dev &&
		    p->dir_ino == dst->st_ino && strcmp(p->base, base) == 0)
			return p;
	}
	if (free_one == NULL)
		errno = EMFILE;
	return free_one;
}

/* remove_at_exit: the atexit(3) handler */
static void
remove_at_exit(void)
{
	pidfile_remove_all();
}

int
pidfile_publish_line(const char *path, const char *line, int flags)
{
	static bool registered;
	char tmp[64], buf[PUB_CONTENT], base[NAME_MAX + 1];
	struct pub *p;
	struct stat st, dst;
	size_t len = 0;
	int dirfd, fd, e;

	if (line != NULL) {
		len = strlen(line);
		if (len + 1 >= sizeof(buf)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(buf, line, len);
		buf[len++] = '\n';
	}
	if ((dirfd = path_parent(path, base, sizeof(base))) == -1)
		return -1;
	if (fstat(dirfd, &dst) == -1 || (p = slot(&dst, base)) == NULL) {
		e = errno;
		close(dirfd);
		errno = e;
		return -1;
	}
	if ((fd = make_temp(dirfd, tmp, sizeof(tmp))) == -1)
		goto fail;
	if (fill(fd, buf, len, &st) == -1 || close(fd) == -1) {
		e = errno;
		close(fd);
		unlinkat(dirfd, tmp, 0);
		errno = e;
		goto fail;
	}
	if (place(dirfd, tmp, base, flags & PIDFILE_EXCL) == -1) {
		e = errno;
		unlinkat(dirfd, tmp, 0);
		errno = e;
		goto fail;
	}
	if (p->set) {	/* published again: the new one is ours now */
		p->set = 0;
		close(p->dirfd);
	}
	strlcpy(p->base, base, sizeof(p->base));
	p->dirfd = dirfd;
	p->dir_dev = dst.st_dev;
	p->dir_ino = dst.st_ino;
	p->dev = st.st_dev;
	p->ino = st.st_ino;
	memcpy(p->content, buf, len);
	p->len = len;
	p->set = 1;
	if (!registered) {
		atexit(remove_at_exit);
		registered = true;
	}
	return 0;
fail:
	e = errno;
	close(dirfd);
	errno = e;
	return -1;
}

int
pidfile_ready(const char *path)
{
	return pidfile_publish_line(path, NULL, PIDFILE_EXCL);
}

int
pidfile_publish(const char *path, pid_t pid)
{
	char line[32];

	snprintf(line, sizeof(line), "%ld", (long)pid);
	return pidfile_publish_line(path, line, 0);
}

/* still_ours: true when base in p->dirfd is the inode we wrote and holds
 * what we wrote (async-signal-safe) */
static bool
still_ours(const struct pub *p)
{
	char buf[PUB_CONTENT + 1];
	struct stat st;
	ssize_t n;
	int fd;

	fd = openat(p->dirfd, p->base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	if (fd == -1)
		return false;
	if (fstat(fd, &st) == -1 || st.st_dev != p->dev ||
	    st.st_ino != p->ino || !S_ISREG(st.st_mode)) {
		close(fd);
		return false;
	}
	n = io_read_full(fd, buf, sizeof(buf));
	close(fd);
	return n == (ssize_t)p->len && memcmp(buf, p->content, p->len) == 0;
}

void
pidfile_remove_all(void)
{
	for (size_t i = 0; i < PUB_MAX; i++) {
		struct pub *p = &pubs[i];

		if (!p->set)
			continue;
		p->set = 0;
		if (still_ours(p))
			unlinkat(p->dirfd, p->base, 0);
		close(p->dirfd);
	}
}

/* parse_pid: the pid in the n bytes of buf; -1 with *errstr */
static int
parse_pid(char *buf, ssize_t n, pid_t *pid, const char **errstr)
{
	long long v;

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

/* read_file: open and read path, its pid into *pid and its stat into
 * *st; -1 with errno or *errstr */
static int
read_file(const char *path, pid_t *pid, struct stat *st,
    const char **errstr)
{
	char buf[32];
	ssize_t n;
	int fd;

	*errstr = NULL;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1)
		return -1;
	if (fstat(fd, st) == -1) {
		close(fd);
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		*errstr = "not a regular file";
		errno = 0;
		return -1;
	}
	n = io_read_full(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n == -1)
		return -1;
	return parse_pid(buf, n, pid, errstr);
}

int
pidfile_read(const char *path, pid_t *pid, const char **errstr)
{
	struct stat st;

	return read_file(path, pid, &st, errstr);
}

/* start_time: when pid started, in seconds since the epoch (from its
 * start in clock ticks after boot and the boot time); -1 with errno */
static double
start_time(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ticks = 0, btime = 0;
	ssize_t n;
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = io_read_full(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* after "pid (comm) ": the state is field 3, the start field 22 */
	if ((p = strrchr(buf, ')')) == NULL)
		return -1;
	p++;
	for (int field = 3; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (p == NULL || sscanf(p, " %llu", &ticks) != 1)
		return -1;
	if ((f = fopen("/proc/stat", "re")) == NULL)
		return -1;
	while (fgets(buf, sizeof(buf), f))
		if (sscanf(buf, "btime %llu", &btime) == 1)
			break;
	fclose(f);
	if (btime == 0)
		return -1;
	return (double)btime + (double)ticks / (double)sysconf(_SC_CLK_TCK);
}

int
pidfile_open_process(const char *path, pid_t *pid, const char **errstr)
{
	struct stat st, st2;
	pid_t again;
	double started;
	int fd;

	if (read_file(path, pid, &st, errstr) == -1)
		return -1;
	if (geteuid() == 0 && st.st_uid != 0) {
		*errstr = "not owned by root";
		errno = 0;
		return -1;
	}
	fd = (int)syscall(SYS_pidfd_open, *pid, 0);
	if (fd == -1)
		return -1;
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	/* the file still names it now that we hold the process */
	if (read_file(path, &again, &st2, errstr) == -1 || again != *pid ||
	    (geteuid() == 0 && st2.st_uid != 0)) {
		close(fd);
		if (*errstr == NULL) {
			*errstr = "changed while read";
			errno = 0;
		}
		return -1;
	}
	/* a process that started after the file was written is not the
	 * one that wrote it: its pid was reused (btime has whole seconds,
	 * hence the second of slack) */
	started = start_time(*pid);
	if (started > 0 && started > (double)st2.st_mtim.tv_sec +
	    st2.st_mtim.tv_nsec / 1e9 + 1.0) {
		close(fd);
		*errstr = "stale: its pid now belongs to a later process";
		errno = 0;
		return -1;
	}
	return fd;
}

/* die_removing: the handler of pidfile_remove_on_signals */
static void
die_removing(int sig)
{
	pidfile_remove_all();
	signal(sig, SIG_DFL);
	raise(sig);	/* delivered when the handler returns */
}

int
pidfile_remove_on_signals(void)
{
	static const int sigs[] = { SIGHUP, SIGINT, SIGTERM };

	return sigs_catch(sigs, sizeof(sigs) / sizeof(sigs[0]), die_removing,
	    SA_RESETHAND);
}
