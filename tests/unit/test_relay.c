/* test_relay.c - the full-duplex relay: an echoing peer with more data
 * than any buffer (no deadlock) over UNIX and TCP, half-close at input
 * end, the idle timeout, plain read/write when splice is refused and into
 * TCP, an input pipe enlarged for read/write but never shrunk */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "io.h"
#include "relay.h"

#define BIG (8 << 20)

/* echo_peer: echo everything on fd until EOF, then close */
static void
echo_peer(int fd)
{
	static char buf[65536];
	ssize_t n;

	while ((n = io_read(fd, buf, sizeof(buf))) > 0)
		if (io_write_full(fd, buf, (size_t)n) != n)
			_exit(1);
	_exit(n == 0 ? 0 : 1);
}

/* tcp_pair: sv gets both ends of a TCP connection on 127.0.0.1 */
static void
tcp_pair(int sv[2])
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int l = socket(AF_INET, SOCK_STREAM, 0);

	CHECK(l >= 0);
	CHECK(bind(l, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	CHECK(listen(l, 1) == 0);
	CHECK(getsockname(l, (struct sockaddr *)&sin, &len) == 0);
	sv[0] = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(connect(sv[0], (struct sockaddr *)&sin, sizeof(sin)) == 0);
	sv[1] = accept(l, NULL, NULL);
	CHECK(sv[1] >= 0);
	close(l);
}

/* run_echo: relay BIG bytes from a file through an echoing peer (over
 * TCP when tcp is set, else a UNIX socketpair) into another file, and
 * compare; whether splice carried bytes must be want_spliced */
static void
run_echo(int use_pipe_out, int tcp, bool want_spliced)
{
	char in_path[] = "/tmp/test_relay.in.XXXXXX";
	char out_path[] = "/tmp/test_relay.out.XXXXXX";
	struct relay_opts o = { .half_close = true, .idle_ms = 20000 };
	struct relay_stats st;
	char *data = malloc(BIG), *back = malloc(BIG);
	int sv[2], in, out, st_child;
	pid_t pid;

	for (size_t i = 0; i < BIG; i++)
		data[i] = (char)(i * 31 + (i >> 12));
	in = mkstemp(in_path);
	out = mkstemp(out_path);
	CHECK(io_write_full(in, data, BIG) == BIG);
	lseek(in, 0, SEEK_SET);
	if (use_pipe_out) {
		/* O_APPEND makes splice refuse: the buffer path runs */
		close(out);
		out = open(out_path, O_WRONLY | O_APPEND);
	}
	if (tcp)
		tcp_pair(sv);
	else
		CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	pid = fork();
	if (pid == 0) {
		free(data);	/* the parent's: nothing of the child's leaks */
		free(back);
		close(sv[0]);
		echo_peer(sv[1]);
	}
	close(sv[1]);
	CHECK(relay_stream(in, sv[0], out, &o, &st) == 0);
	CHECK_INT(st.sent, BIG);
	CHECK_INT(st.received, BIG);
	CHECK(st.spliced == want_spliced);
	CHECK(waitpid(pid, &st_child, 0) == pid);
	CHECK(WIFEXITED(st_child) && WEXITSTATUS(st_child) == 0);
	close(out);
	out = open(out_path, O_RDONLY);
	CHECK(io_read_full(out, back, BIG) == BIG);
	CHECK(memcmp(data, back, BIG) == 0);
	close(in);
	close(out);
	close(sv[0]);
	unlink(in_path);
	unlink(out_path);
	free(data);
	free(back);
}

/* blocking_input: a blocking input pipe whose writer stays silent after
 * one line must not stall the relay (read(2) into TCP after the line
 * would block), so the peer's answer and close end it */
static void
blocking_input(void)
{
	struct relay_opts o = { .half_close = true, .idle_ms = 300 };
	struct relay_stats st;
	int sv[2], p[2], out[2];
	char buf[16];

	tcp_pair(sv);
	CHECK(pipe(p) == 0);
	CHECK(pipe(out) == 0);
	CHECK(write(p[1], "abc", 3) == 3);
	CHECK(write(sv[1], "hi\n", 3) == 3);
	alarm(10);	/* a hang fails the test instead of the build */
	CHECK(relay_stream(p[0], sv[0], out[1], &o, &st) == -1);
	CHECK_INT(errno, ETIMEDOUT);	/* the peer never closed */
	alarm(0);
	CHECK_INT(st.sent, 3);
	CHECK_INT(st.received, 3);
	CHECK(read(out[0], buf, sizeof(buf)) == 3);
	CHECK(read(sv[1], buf, sizeof(buf)) == 3);
	close(sv[0]);
	close(sv[1]);
	close(p[0]);
	close(p[1]);
	close(out[0]);
	close(out[1]);
}

/* relay_pipe_in: relay a pipe whose capacity is set to size (if it can
 * be) into TCP (tcp set) or a UNIX socket, and return its capacity
 * afterwards, or -1 when it could not be set */
static int
relay_pipe_in(int size, int tcp)
{
	struct relay_opts o = { .half_close = true, .idle_ms = 5000 };
	int sv[2], p[2], out[2], got;

	if (tcp)
		tcp_pair(sv);
	else
		CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(pipe(p) == 0);
	CHECK(pipe(out) == 0);
	if (fcntl(p[1], F_SETPIPE_SZ, size) < size) {
		got = -1;
		goto done;
	}
	CHECK(write(p[1], "abc", 3) == 3);
	close(p[1]);
	p[1] = -1;
	shutdown(sv[1], SHUT_WR);	/* the peer answers nothing */
	CHECK(relay_stream(p[0], sv[0], out[1], &o, NULL) == 0);
	got = fcntl(p[0], F_GETPIPE_SZ);
done:
	close(sv[0]);
	close(sv[1]);
	close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	close(out[0]);
	close(out[1]);
	return got;
}

/* grow_check: into TCP a 64 KiB input pipe grows to 256 KiB and a 1 MiB
 * one stays; into a UNIX socket (splice) the pipe stays as it is */
static void
grow_check(void)
{
	int got;

	CHECK_INT(relay_pipe_in(65536, 1), 256 * 1024);
	got = relay_pipe_in(1024 * 1024, 1);
	CHECK(got == -1 || got == 1024 * 1024);
	CHECK_INT(relay_pipe_in(65536, 0), 65536);
}

int
main(void)
{
	struct relay_opts o = { .half_close = true, .idle_ms = 50 };
	int sv[2], p[2];
	char buf[16];

	io_ignore_sigpipe();
	run_echo(0, 0, true);
	run_echo(1, 0, true);	/* input to the socket still spliced */
	run_echo(0, 1, true);	/* socket to the file spliced */
	run_echo(1, 1, false);	/* into TCP and O_APPEND: read/write */
	blocking_input();
	grow_check();

	/* no input: the socket is half-closed at once; the peer's answer
	 * still comes through */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(pipe(p) == 0);
	CHECK(write(sv[1], "hi\n", 3) == 3);
	close(sv[1]);
	CHECK(relay_stream(-1, sv[0], p[1], &o, NULL) == 0);
	CHECK(read(p[0], buf, sizeof(buf)) == 3);
	CHECK(memcmp(buf, "hi\n", 3) == 0);
	close(sv[0]);

	/* input ends: the peer sees end of file while it can still answer */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(relay_stream(-1, sv[0], p[1], &(struct relay_opts){
	    .half_close = true, .idle_ms = 50 }, NULL) == -1);
	CHECK_INT(errno, ETIMEDOUT);	/* the peer never closed */
	CHECK(read(sv[1], buf, sizeof(buf)) == 0);	/* but saw EOF */
	close(sv[0]);
	close(sv[1]);
	close(p[0]);
	close(p[1]);
	return check_done();
}
