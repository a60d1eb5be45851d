/* test_frame.c - newline, NUL and raw framing over real pipes; the
 * maximum message size; one write(2) per message up to PIPE_BUF */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "frame.h"
#include "io.h"

/* feed: a pipe whose read end holds data (then EOF) */
static int
feed(const char *data, size_t len)
{
	int p[2];

	if (pipe(p) == -1)
		abort();
	fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
	if (io_write_full(p[1], data, len) != (ssize_t)len)
		abort();
	close(p[1]);
	return p[0];
}

int
main(void)
{
	struct frame_reader r;
	char *msg;
	size_t len;
	int fd;

	io_ignore_sigpipe();

	/* newline framing, last message without a delimiter */
	fd = feed("one\ntwo\n\nlast", 13);
	CHECK(frame_reader_init(&r, fd, FRAME_LINE, 0) == 0);
	CHECK_INT(frame_read(&r, &msg, &len), 1);
	CHECK(len == 3 && memcmp(msg, "one", 3) == 0);
	CHECK_INT(frame_read(&r, &msg, &len), 1);
	CHECK(len == 3 && memcmp(msg, "two", 3) == 0);
	CHECK_INT(frame_read(&r, &msg, &len), 1);
	CHECK_INT(len, 0);
	CHECK_INT(frame_read(&r, &msg, &len), 1);
	CHECK(len == 4 && memcmp(msg, "last", 4) == 0);
	CHECK_INT(frame_read(&r, &msg, &len), 0);
	frame_reader_free(&r);
	close(fd);

	/* NUL framing keeps newlines inside messages */
	fd = feed("a\nb\0c\0", 6);
	CHECK(frame_reader_init(&r, fd, FRAME_NUL, 0) == 0);
	CHECK_INT(frame_read(&r, &msg, &len), 1);
	CHECK(len == 3 && memcmp(msg, "a\nb", 3) == 0);
	CHECK_INT(frame_read(&r, &msg, &len), 1);
	CHECK(len == 1 && msg[0] == 'c');
	CHECK_INT(frame_read(&r, &msg, &len), 0);
	frame_reader_free(&r);
	close(fd);

	/* the maximum message size */
	fd = feed("12345\n123456\n", 13);
	CHECK(frame_reader_init(&r, fd, FRAME_LINE, 5) == 0);
	CHECK_INT(frame_read(&r, &msg, &len), 1);
	CHECK_INT(len, 5);
	errno = 0;
	CHECK_INT(frame_read(&r, &msg, &len), -1);
	CHECK_INT(errno, EMSGSIZE);
	frame_reader_free(&r);
	close(fd);

	/* a message spanning many reads, larger than the first buffer */
	{
		size_t big = 300000;
		char *data = malloc(big + 1);

		memset(data, 'x', big);
		data[big] = '\n';
		fd = feed(data, big + 1);
		CHECK(frame_reader_init(&r, fd, FRAME_LINE, big) == 0);
		CHECK_INT(frame_read(&r, &msg, &len), 1);
		CHECK_INT(len, big);
		CHECK(msg[0] == 'x' && msg[big - 1] == 'x');
		CHECK_INT(frame_read(&r, &msg, &len), 0);
		frame_reader_free(&r);
		close(fd);
		free(data);
	}

	/* raw: chunks, whatever arrives */
	fd = feed("raw\0bytes\n", 10);
	CHECK(frame_reader_init(&r, fd, FRAME_RAW, 0) == 0);
	CHECK_INT(frame_read(&r, &msg, &len), 1);
	CHECK(len == 10 && memcmp(msg, "raw\0bytes\n", 10) == 0);
	CHECK_INT(frame_read(&r, &msg, &len), 0);
	frame_reader_free(&r);
	close(fd);

	/* frame_write: one message of PIPE_BUF bytes (delimiter included)
	 * arrives whole in one read, with the delimiter */
	{
		int p[2];
		char out[PIPE_BUF], in[PIPE_BUF + 10];

		CHECK(pipe(p) == 0);
		memset(out, 'm', sizeof(out));
		CHECK_INT(frame_write(p[1], FRAME_LINE, out, PIPE_BUF - 1), 0);
		CHECK_INT(read(p[0], in, sizeof(in)), PIPE_BUF);
		CHECK(in[PIPE_BUF - 1] == '\n');
		CHECK_INT(frame_write(p[1], FRAME_NUL, "z", 1), 0);
		CHECK_INT(read(p[0], in, sizeof(in)), 2);
		CHECK(in[0] == 'z' && in[1] == '\0');
		CHECK_INT(frame_write(p[1], FRAME_RAW, "zz", 2), 0);
		CHECK_INT(read(p[0], in, sizeof(in)), 2);
		close(p[0]);
		CHECK_INT(frame_write(p[1], FRAME_LINE, "x", 1), -1);
		CHECK_INT(errno, EPIPE);
		close(p[1]);
	}

	/* nonblocking: frame_next needs more, frame_fill says EAGAIN */
	{
		int p[2];

		CHECK(pipe2(p, O_NONBLOCK) == 0);
		CHECK(frame_reader_init(&r, p[0], FRAME_LINE, 0) == 0);
		CHECK_INT(frame_next(&r, &msg, &len), 0);
		CHECK_INT(frame_fill(&r), -1);
		CHECK_INT(errno, EAGAIN);
		CHECK_INT(write(p[1], "par", 3), 3);
		CHECK_INT(frame_fill(&r), 3);
		CHECK_INT(frame_next(&r, &msg, &len), 0);
		CHECK_INT(write(p[1], "t\n", 2), 2);
		CHECK_INT(frame_fill(&r), 2);
		CHECK_INT(frame_next(&r, &msg, &len), 1);
		CHECK(len == 4 && memcmp(msg, "part", 4) == 0);
		frame_reader_free(&r);
		close(p[0]);
		close(p[1]);
	}

	/* a maximum of SIZE_MAX is no limit, not an overflow (found by
	 * fuzzing: max + 1 and max + 2 wrapped, every read failed) */
	for (size_t m = SIZE_MAX - 2; m != 0; m++) {
		char *long_line = malloc(200000);

		memset(long_line, 'x', 200000);
		long_line[199999] = '\n';
		fd = feed(long_line, 200000);
		CHECK(frame_reader_init(&r, fd, FRAME_LINE, m) == 0);
		CHECK_INT(frame_read(&r, &msg, &len), 1);
		CHECK_INT(len, 199999);
		CHECK_INT(frame_read(&r, &msg, &len), 0);
		frame_reader_free(&r);
		close(fd);
		free(long_line);
	}
	/* frame_fill_max: never more than max bytes; 0 reads nothing */
	fd = feed("ab\ncd\n", 6);
	CHECK(frame_reader_init(&r, fd, FRAME_LINE, 0) == 0);
	CHECK_INT(frame_fill_max(&r, 0), 0);
	CHECK(!r.eof);
	CHECK_INT(frame_fill_max(&r, 3), 3);
	CHECK_INT(frame_next(&r, &msg, &len), 1);
	CHECK(len == 2 && memcmp(msg, "ab", 2) == 0);
	CHECK_INT(frame_next(&r, &msg, &len), 0);
	{
		char rest[4];

		CHECK_INT(read(fd, rest, sizeof(rest)), 3);
		CHECK(memcmp(rest, "cd\n", 3) == 0);
	}
	frame_reader_free(&r);
	close(fd);
	return check_done();
}
