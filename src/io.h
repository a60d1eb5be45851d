/* io.h - full reads and writes across EINTR and short counts, nonblocking
 * helpers, deadlines on the monotonic clock */
#ifndef IPCTOOL_IO_H
#define IPCTOOL_IO_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

/* io_write_full: write all len bytes (waiting with poll(2) when fd is
 * nonblocking); returns len, or -1 with errno (EPIPE when the reader is
 * gone: SIGPIPE is ignored by io_ignore_sigpipe) */
ssize_t io_write_full(int fd, const void *buf, size_t len);

/* io_writev_full: the same for an iovec array (modified in place) */
ssize_t io_writev_full(int fd, struct iovec *iov, int iovcnt);

/* io_read_full: read until len bytes or end of file; returns the count
 * (less than len only at end of file), or -1 with errno */
ssize_t io_read_full(int fd, void *buf, size_t len);

/* io_read: one read(2), restarted on EINTR */
ssize_t io_read(int fd, void *buf, size_t len);

/* io_set_nonblock: set or clear O_NONBLOCK; -1 with errno */
int io_set_nonblock(int fd, bool on);

/* io_set_cloexec: set FD_CLOEXEC; -1 with errno */
int io_set_cloexec(int fd);

/* io_ignore_sigpipe: ignore SIGPIPE so writes fail with EPIPE instead.
 * SIG_IGN survives execve(2): a child must call sigs_child() */
void io_ignore_sigpipe(void);

/* io_cmd_path: where execvp(3) finds cmd: cmd itself when it holds a
 * slash, else the first directory of PATH (/usr/bin:/bin when unset)
 * with an executable cmd; the path goes to buf. 0, or -1 with errno
 * ENOENT (nowhere), EACCES (there, not executable), ENAMETOOLONG. */
int io_cmd_path(const char *cmd, char *buf, size_t len);

/* io_now_ms: milliseconds on CLOCK_MONOTONIC */
int64_t io_now_ms(void);

/* io_now_us: microseconds on CLOCK_MONOTONIC */
int64_t io_now_us(void);

/* io_deadline: now + ms, or -1 (never) when ms is negative */
int64_t io_deadline(int64_t ms);

/* io_remaining: milliseconds left until deadline for poll(2): -1 when
 * deadline is -1 (never), 0 when it has passed */
int io_remaining(int64_t deadline);

/* io_wait: poll fd for events until deadline (restarting on EINTR);
 * returns the revents, 0 on timeout, -1 with errno */
int io_wait(int fd, short events, int64_t deadline);

/* io_poll_idle: poll(2) the n fds for at most idle ms (-1: no limit);
 * the number ready, 0 when a signal interrupted it (poll again), or -1
 * with errno (ETIMEDOUT when nothing happened within idle) */
int io_poll_idle(struct pollfd *pfd, nfds_t n, int idle);

#endif
