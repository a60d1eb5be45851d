/* frame.c - message framing over read(2)/writev(2); PIPE_BUF atomicity
 * (pipe(7)): a write of at most PIPE_BUF bytes is never interleaved */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "frame.h"
#include "io.h"

int
frame_delim(enum frame_mode mode)
{
	return mode == FRAME_LINE ? '\n' : mode == FRAME_NUL ? '\0' : -1;
}

int
frame_reader_init(struct frame_reader *r, int fd, enum frame_mode mode,
    size_t max)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->mode = mode;
	r->max = max ? max : FRAME_MAX_DEFAULT;
	/* r->max + 1 would wrap for a maximum of SIZE_MAX ("no limit") */
	r->cap = mode == FRAME_RAW ? FRAME_RAW_CHUNK :
	    (r->max < 65535 ? r->max + 1 : 65536);
	r->buf = malloc(r->cap);
	if (r->buf == NULL)
		return -1;
	return 0;
}

void
frame_reader_free(struct frame_reader *r)
{
	free(r->buf);
	r->buf = NULL;
}

int
frame_next(struct frame_reader *r, char **msg, size_t *len)
{
	char *d;
	int delim = frame_delim(r->mode);

	if (r->start == r->end)
		return 0;
	if (delim < 0) {
		*msg = r->buf + r->start;
		*len = r->end - r->start;
		r->start = r->end = r->scan = 0;
		return 1;
	}
	if (r->scan < r->start)
		r->scan = r->start;
	d = memchr(r->buf + r->scan, delim, r->end - r->scan);
	if (d == NULL) {
		r->scan = r->end;
		if (r->end - r->start > r->max) {
			errno = EMSGSIZE;
			return -1;
		}
		if (!r->eof)
			return 0;
		/* the last message, without a delimiter */
		*msg = r->buf + r->start;
		*len = r->end - r->start;
		r->start = r->end = r->scan = 0;
		return 1;
	}
	*msg = r->buf + r->start;
	*len = (size_t)(d - (r->buf + r->start));
	if (*len > r->max) {
		errno = EMSGSIZE;
		return -1;
	}
	r->start = (size_t)(d - r->buf) + 1;
	r->scan = r->start;
	if (r->start == r->end)
		r->start = r->end = r->scan = 0;
	return 1;
}

ssize_t
frame_fill(struct frame_reader *r)
{
	return frame_fill_max(r, SIZE_MAX);
}

ssize_t
frame_fill_max(struct frame_reader *r, size_t max)
{
	ssize_t n;
	size_t room;

	if (max == 0)
		return 0;
	if (r->start > 0 && (r->end == r->cap || r->start > r->cap / 2)) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->scan -= r->start;
		r->start = 0;
	}
	if (r->end == r->cap) {
		size_t cap = r->cap * 2;
		char *nb;

		if (r->max < SIZE_MAX - 2 && cap > r->max + 2)
			cap = r->max + 2;
		if (cap <= r->cap) {
			errno = EMSGSIZE;
			return -1;
		}
		nb = realloc(r->buf, cap);
		if (nb == NULL)
			return -1;
		r->buf = nb;
		r->cap = cap;
	}
	room = r->cap - r->end;
	n = r->read ? r->read(r->read_arg, r->buf + r->end, room < max ?
	    room : max) : io_read(r->fd, r->buf + r->end, room < max ? room :
	    max);
	if (n > 0)
		r->end += (size_t)n;
	else if (n == 0)
		r->eof = true;
	return n;
}

int
frame_read(struct frame_reader *r, char **msg, size_t *len)
{
	int rc;
	ssize_t n;

	for (;;) {
		rc = frame_next(r, msg, len);
		if (rc != 0)
			return rc;
		if (r->eof)
			return 0;
		n = frame_fill(r);
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (io_wait(r->fd, POLLIN, -1) == -1)
				return -1;
			continue;
		}
		if (n == -1)
			return -1;
	}
}

int
frame_write(int fd, enum frame_mode mode, const char *msg, size_t len)
{
	char delim = (char)frame_delim(mode);
	struct iovec iov[2] = {
		{ .iov_base = (void *)msg, .iov_len = len },
		{ .iov_base = &delim, .iov_len = 1 },
	};

	return io_writev_full(fd, iov, mode == FRAME_RAW ? 1 : 2) == -1 ?
	    -1 : 0;
}
