/* relay.c - full-duplex relay: splice(2) through a pipe (F_SETPIPE_SZ 1 MiB)
 * from source to destination with poll(2), falling back to read(2)/write(2)
 * where splice refuses (terminals, O_APPEND files); shutdown(2) at EOF */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "io.h"
#include "out.h"
#include "relay.h"

#define RELAY_CHUNK	(1024 * 1024)	/* largest splice or read */
#define RELAY_BUF	(256 * 1024)	/* the buffer when splice is refused */

/* One direction of the relay */
struct dir {
	int src, dst;
	int p[2];		/* the splice pipe; -1 in buffer mode */
	char *buf;		/* buffer mode */
	size_t off, pending;	/* bytes waiting for dst */
	bool eof, done;
	uint64_t total;
};

/* dir_init: set up d, with a pipe for splice when one can be made */
static void
dir_init(struct dir *d, int src, int dst)
{
	d->src = src;
	d->dst = dst;
	d->buf = NULL;
	d->off = d->pending = 0;
	d->eof = d->done = src < 0;
	d->total = 0;
	d->p[0] = d->p[1] = -1;
	if (src < 0)
		return;
	if (pipe2(d->p, O_CLOEXEC | O_NONBLOCK) == 0)
		fcntl(d->p[1], F_SETPIPE_SZ, RELAY_CHUNK);
	else
		d->p[0] = d->p[1] = -1;
}

static void
dir_free(struct dir *d)
{
	if (d->p[0] >= 0) {
		close(d->p[0]);
		close(d->p[1]);
	}
	free(d->buf);
}

/* to_buffer_mode: give up on splice for d, moving what sits in the pipe
 * into the buffer; -1 with errno ENOMEM */
static int
to_buffer_mode(struct dir *d)
{
	ssize_t n;

	d->buf = malloc(RELAY_BUF > d->pending ? RELAY_BUF : d->pending);
	if (d->buf == NULL)
		return -1;
	d->off = 0;
	if (d->pending > 0) {
		n = io_read_full(d->p[0], d->buf, d->pending);
		d->pending = n > 0 ? (size_t)n : 0;
	}
	close(d->p[0]);
	close(d->p[1]);
	d->p[0] = d->p[1] = -1;
	return 0;
}

/* dir_fill: move what src has into the pipe or buffer; returns bytes, 0 at
 * end of file, -1 with errno (EAGAIN when nothing was there) */
static ssize_t
dir_fill(struct dir *d)
{
	ssize_t n;

	if (d->p[0] >= 0) {
		n = splice(d->src, NULL, d->p[1], NULL, RELAY_CHUNK,
		    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n >= 0 || errno != EINVAL)
			return n;
		out_trace("splice(%d) = -1 EINVAL, using read/write", d->src);
		if (to_buffer_mode(d) == -1)
			return -1;
	}
	d->off = 0;
	return read(d->src, d->buf, RELAY_BUF);
}

/* dir_drain: write what waits to dst; returns bytes, -1 with errno */
static ssize_t
dir_drain(struct dir *d)
{
	ssize_t n;

	if (d->p[0] >= 0) {
		n = splice(d->p[0], NULL, d->dst, NULL, d->pending,
		    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n >= 0 || errno != EINVAL)
			return n;
		out_trace("splice(%d) = -1 EINVAL, using read/write", d->dst);
		if (to_buffer_mode(d) == -1)
			return -1;
	}
	n = write(d->dst, d->buf + d->off, d->pending);
	if (n > 0)
		d->off += (size_t)n;
	return n;
}

/* dir_step: act on the poll result of d; 0, or -1 with errno */
static int
dir_step(struct dir *d, short revents)
{
	ssize_t n;

	if (revents == 0)
		return 0;
	if (d->pending == 0) {
		n = dir_fill(d);
		if (n == 0) {
			d->eof = true;
			return 0;
		}
		if (n == -1)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		d->pending = (size_t)n;
		d->total += (uint64_t)n;
		/* try to pass it on at once; EAGAIN means poll for it */
		revents = POLLOUT;
	}
	n = dir_drain(d);
	if (n == -1)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	d->pending -= (size_t)n;
	return 0;
}

/* dir_events: what d waits for on which descriptor */
static void
dir_poll(struct dir *d, struct pollfd *pfd)
{
	pfd->fd = -1;
	pfd->events = 0;
	pfd->revents = 0;
	if (d->done)
		return;
	if (d->pending > 0) {
		pfd->fd = d->dst;
		pfd->events = POLLOUT;
	} else if (!d->eof) {
		pfd->fd = d->src;
		pfd->events = POLLIN;
	}
}

int
relay_stream(int in, int sock, int out, const struct relay_opts *o,
    struct relay_stats *st)
{
	struct dir up, down;	/* up: in to sock; down: sock to out */
	struct pollfd pfd[2];
	int n, rc = 0, e = 0, idle = o->idle_ms < 0 ? -1 :
	    o->idle_ms > 0x7fffffff ? 0x7fffffff : (int)o->idle_ms;

	io_set_nonblock(sock, true);
	dir_init(&up, in, sock);
	dir_init(&down, sock, out);
	if (up.done && o->half_close)
		out_trace_ret(shutdown(sock, SHUT_WR), "shutdown(%d, SHUT_WR)"
		    " [no input]", sock);
	while (!down.done || (o->input_after_eof && !up.done)) {
		dir_poll(&up, &pfd[0]);
		dir_poll(&down, &pfd[1]);
		n = poll(pfd, 2, idle);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			rc = -1;
			e = errno;
			break;
		}
		if (n == 0) {
			rc = -1;
			e = ETIMEDOUT;
			break;
		}
		if (dir_step(&up, pfd[0].revents) == -1) {
			/* the peer stopped reading: nothing more goes up, but
			 * what it already sent still comes down */
			out_trace("write to socket %d: %s; input stops", sock,
			    strerrorname_np(errno));
			up.done = true;
		}
		if (!up.done && up.eof && up.pending == 0) {
			up.done = true;
			if (o->half_close)
				out_trace_ret(shutdown(sock, SHUT_WR),
				    "shutdown(%d, SHUT_WR) [input ended after "
				    "%llu bytes]", sock,
				    (unsigned long long)up.total);
		}
		if (dir_step(&down, pfd[1].revents) == -1) {
			rc = -1;
			e = errno;
			break;
		}
		if (down.eof && down.pending == 0)
			down.done = true;
	}
	if (st) {
		st->sent = up.total;
		st->received = down.total;
		st->spliced = (in >= 0 && up.p[0] >= 0) || down.p[0] >= 0;
	}
	dir_free(&up);
	dir_free(&down);
	errno = e;
	return rc;
}
