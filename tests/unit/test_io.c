/* test_io.c - full writes and reads across short counts, EINTR and
 * nonblocking descriptors; EPIPE instead of SIGPIPE; deadlines */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/time.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "io.h"

static void
on_alarm(int sig)
{
	(void)sig;
}

int
main(void)
{
	int p[2];
	pid_t pid;
	size_t big = 4 << 20;
	char *buf = malloc(big), *in = malloc(big);
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	struct itimerval it = { { 0, 2000 }, { 0, 2000 } };

	io_ignore_sigpipe();
	for (size_t i = 0; i < big; i++)
		buf[i] = (char)(i * 7);

	/* a 4 MiB write through a 64 KiB pipe to a slow reader, with a
	 * timer interrupting both sides every 2 ms (EINTR, short writes) */
	CHECK(pipe(p) == 0);
	sigaction(SIGALRM, &sa, NULL);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		setitimer(ITIMER_REAL, &it, NULL);
		_exit(io_write_full(p[1], buf, big) == (ssize_t)big ? 0 : 1);
	}
	close(p[1]);
	setitimer(ITIMER_REAL, &it, NULL);
	CHECK_INT(io_read_full(p[0], in, big), big);
	CHECK(memcmp(buf, in, big) == 0);
	CHECK_INT(io_read_full(p[0], in, 10), 0);
	{
		struct itimerval off = { 0 };
		setitimer(ITIMER_REAL, &off, NULL);
	}
	{
		int st;
		waitpid(pid, &st, 0);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	close(p[0]);

	/* nonblocking writer: io_write_full waits with poll instead of
	 * failing with EAGAIN */
	CHECK(pipe(p) == 0);
	CHECK(io_set_nonblock(p[1], true) == 0);
	CHECK((fcntl(p[1], F_GETFL) & O_NONBLOCK) != 0);
	pid = fork();
	if (pid == 0) {
		close(p[1]);
		ssize_t n = io_read_full(p[0], in, big);
		_exit(n == (ssize_t)big && memcmp(in, buf, big) == 0 ? 0 : 1);
	}
	close(p[0]);
	CHECK_INT(io_write_full(p[1], buf, big), big);
	close(p[1]);
	{
		int st;
		waitpid(pid, &st, 0);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}

	/* writev across iovecs with partial completion */
	{
		int sv[2];
		struct iovec iov[3] = {
			{ buf, 1000 }, { buf + 1000, 200000 }, { buf + 201000, 5 },
		};
		CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
		pid = fork();
		if (pid == 0) {
			close(sv[0]);
			_exit(io_writev_full(sv[1], iov, 3) == 201005 ? 0 : 1);
		}
		close(sv[1]);
		CHECK_INT(io_read_full(sv[0], in, big), 201005);
		CHECK(memcmp(in, buf, 201005) == 0);
		close(sv[0]);
		int st;
		waitpid(pid, &st, 0);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}

	/* EPIPE, not death by SIGPIPE */
	CHECK(pipe(p) == 0);
	close(p[0]);
	errno = 0;
	CHECK_INT(io_write_full(p[1], "x", 1), -1);
	CHECK_INT(errno, EPIPE);
	close(p[1]);

	/* cloexec */
	CHECK(pipe(p) == 0);
	CHECK(io_set_cloexec(p[0]) == 0);
	CHECK((fcntl(p[0], F_GETFD) & FD_CLOEXEC) != 0);

	/* io_wait times out at the deadline, and sees readiness */
	{
		int64_t t0 = io_now_ms();
		CHECK_INT(io_wait(p[0], POLLIN, io_deadline(30)), 0);
		CHECK(io_now_ms() - t0 >= 29);
		CHECK_INT(write(p[1], "y", 1), 1);
		CHECK((io_wait(p[0], POLLIN, io_deadline(1000)) & POLLIN) != 0);
		CHECK_INT(io_remaining(-1), -1);
		CHECK_INT(io_remaining(io_now_ms() - 5), 0);
	}
	{
		/* io_cmd_path: PATH as execvp(3) searches it */
		char path[4096], dir[] = "/tmp/test_io.XXXXXX", f[64];

		CHECK(mkdtemp(dir) != NULL);
		snprintf(f, sizeof(f), "%s/plain", dir);
		close(open(f, O_CREAT | O_WRONLY, 0644));
		setenv("PATH", "/nonexistent::/bin", 1);
		CHECK_INT(io_cmd_path("sh", path, sizeof(path)), 0);
		CHECK_STR(path, "/bin/sh");
		errno = 0;
		CHECK_INT(io_cmd_path("no-such-cmd-xyz", path, sizeof(path)), -1);
		CHECK_INT(errno, ENOENT);
		setenv("PATH", dir, 1);
		CHECK_INT(io_cmd_path("plain", path, sizeof(path)), -1);
		CHECK_INT(errno, EACCES);
		CHECK_INT(io_cmd_path(f, path, sizeof(path)), -1);
		CHECK_INT(errno, EACCES);
		CHECK_INT(io_cmd_path("/bin/sh", path, 4), -1);
		CHECK_INT(errno, ENAMETOOLONG);
		unlink(f);
		rmdir(dir);
	}
	close(p[0]);
	close(p[1]);
	free(buf);
	free(in);

	/* io_poll_idle: ETIMEDOUT when nothing comes within idle, else the
	 * number ready */
	{
		struct pollfd pf;
		int q[2];

		CHECK(pipe(q) == 0);
		pf = (struct pollfd){ q[0], POLLIN, 0 };
		errno = 0;
		CHECK_INT(io_poll_idle(&pf, 1, 10), -1);
		CHECK_INT(errno, ETIMEDOUT);
		CHECK_INT(write(q[1], "x", 1), 1);
		CHECK_INT(io_poll_idle(&pf, 1, 10), 1);
		close(q[0]);
		close(q[1]);
	}
	return check_done();
}
