/* test_relay.c - the full-duplex relay: an echoing peer with more data
 * than any buffer (no deadlock), half-close at input end, the idle
 * timeout, plain read/write when splice is refused */
#include <errno.h>
#include <fcntl.h>
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

/* run_echo: relay BIG bytes from a file through an echoing peer into
 * another file, and compare */
static void
run_echo(int use_pipe_out)
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
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		echo_peer(sv[1]);
	}
	close(sv[1]);
	CHECK(relay_stream(in, sv[0], out, &o, &st) == 0);
	CHECK_INT(st.sent, BIG);
	CHECK_INT(st.received, BIG);
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

int
main(void)
{
	struct relay_opts o = { .half_close = true, .idle_ms = 50 };
	int sv[2], p[2];
	char buf[16];

	io_ignore_sigpipe();
	run_echo(0);
	run_echo(1);

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
