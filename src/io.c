/* io.c - read(2)/write(2)/writev(2) loops over EINTR, EAGAIN and short
 * counts; poll(2) with deadlines on CLOCK_MONOTONIC; access(2) along PATH
 * as execvp(3) searches it */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bsd/string.h>

#include "io.h"

int64_t
io_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
io_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
io_deadline(int64_t ms)
{
	return ms < 0 ? -1 : io_now_ms() + ms;
}

int
io_remaining(int64_t deadline)
{
	int64_t left;

	if (deadline < 0)
		return -1;
	left = deadline - io_now_ms();
	if (left <= 0)
		return 0;
	return left > INT_MAX ? INT_MAX : (int)left;
}

int
io_wait(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int n;

	for (;;) {
		n = poll(&pfd, 1, io_remaining(deadline));
		if (n > 0)
			return pfd.revents;
		if (n == 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

ssize_t
io_write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = write(fd, p + done, len - done);
		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (io_wait(fd, POLLOUT, -1) == -1)
				return -1;
			continue;
		}
		return -1;
	}
	return (ssize_t)done;
}

ssize_t
io_writev_full(int fd, struct iovec *iov, int iovcnt)
{
	size_t total = 0;
	ssize_t n;

	while (iovcnt > 0) {
		n = writev(fd, iov, iovcnt > IOV_MAX ? IOV_MAX : iovcnt);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				if (io_wait(fd, POLLOUT, -1) == -1)
					return -1;
				continue;
			}
			return -1;
		}
		total += (size_t)n;
		while (iovcnt > 0 && (size_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			iovcnt--;
		}
		if (iovcnt > 0) {
			iov->iov_base = (char *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
	return (ssize_t)total;
}

ssize_t
io_read(int fd, void *buf, size_t len)
{
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n == -1 && errno == EINTR);
	return n;
}

ssize_t
io_read_full(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = read(fd, p + done, len - done);
		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if (io_wait(fd, POLLIN, -1) == -1)
				return -1;
			continue;
		}
		return -1;
	}
	return (ssize_t)done;
}

int
io_set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl == -1)
		return -1;
	fl = on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
	return fcntl(fd, F_SETFL, fl);
}

int
io_set_cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFD);

	if (fl == -1)
		return -1;
	return fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
}

void
io_ignore_sigpipe(void)
{
	signal(SIGPIPE, SIG_IGN);
}

int
io_cmd_path(const char *cmd, char *buf, size_t len)
{
	const char *p, *dirs = getenv("PATH");
	int e = ENOENT;
	size_t n;

	if (strchr(cmd, '/')) {
		if (strlcpy(buf, cmd, len) >= len) {
			errno = ENAMETOOLONG;
			return -1;
		}
		return access(cmd, X_OK);
	}
	for (p = dirs ? dirs : "/usr/bin:/bin"; p;
	    p = p[n] == ':' ? p + n + 1 : NULL) {
		n = strcspn(p, ":");
		/* an empty entry is the current directory, as for execvp */
		if ((size_t)snprintf(buf, len, "%.*s/%s", (int)n, n ? p : ".",
		    cmd) >= len)
			continue;
		if (access(buf, X_OK) == 0)
			return 0;
		if (errno == EACCES)
			e = EACCES;
	}
	errno = e;
	return -1;
}

int
io_poll_idle(struct pollfd *pfd, nfds_t n, int idle)
{
	int r = poll(pfd, n, idle);

	if (r == -1 && errno == EINTR)
		return 0;
	if (r == 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	return r;
}
