/* relay.c - full-duplex relay: splice(2) through a pipe (F_SETPIPE_SZ 1 MiB)
 * from source to destination with poll(2), or read(2)/write(2) with a
 * buffer into TCP sockets (faster there) and where splice refuses
 * (terminals, O_APPEND files), a source pipe then enlarged to the buffer
 * (F_GETPIPE_SZ/F_SETPIPE_SZ); getsockname(2) tells the socket's family;
 * shutdown(2) at EOF */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"
#include "out.h"
#include "relay.h"

#define RELAY_CHUNK	(1024 * 1024)	/* largest splice or read */
#define RELAY_BUF	(256 * 1024)	/* the buffer when splice is refused */
#define RELAY_BURST	16		/* most chunks moved per poll(2) */

/* One direction of the relay */
struct dir {
	int src, dst;
	int p[2];		/* the splice pipe; -1 in buffer mode */
	char *buf;		/* buffer mode */
	size_t off, pending;	/* bytes waiting for dst */
	bool eof, done;
	bool src_nb;		/* src has O_NONBLOCK: read(2) cannot block */
	bool dst_failed;	/* the last error was writing to dst */
	uint64_t total;
};

/* splice_to_pays: false when dst is a TCP socket: splice(2) from a pipe
 * into TCP pins every page and sends it as a fragment of its own, and the
 * writer of the source pipe must then allocate fresh pages; over loopback
 * that ran at 0.6x of plain write(2) from a buffer (socat's way). UNIX
 * sockets, pipes and files take splice faster than write */
static bool
splice_to_pays(int dst)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(dst, (struct sockaddr *)&ss, &len) == -1)
		return true;	/* not a socket */
	return ss.ss_family != AF_INET && ss.ss_family != AF_INET6;
}

/* grow_pipe: in buffer mode, enlarge fd to RELAY_BUF when it is a smaller
 * pipe, so that one read(2) can fill the buffer and the writer blocks
 * less: from a 64 KiB pipe into TCP that ran at 0.6x. Never shrinks it;
 * failure (the per-user pipe limit) leaves it as it was */
static void
grow_pipe(int fd)
{
	struct stat sb;
	int size;

	if (fstat(fd, &sb) == -1 || !S_ISFIFO(sb.st_mode))
		return;
	size = fcntl(fd, F_GETPIPE_SZ);
	if (size == -1 || size >= RELAY_BUF)
		return;
	out_trace_ret(fcntl(fd, F_SETPIPE_SZ, RELAY_BUF),
	    "fcntl(%d, F_SETPIPE_SZ, %d) [was %d]", fd, RELAY_BUF, size);
}

/* dir_init: set up d, with a pipe for splice when one can be made and
 * pays, else a buffer; 0, or -1 with errno ENOMEM */
static int
dir_init(struct dir *d, int src, int dst)
{
	d->src = src;
	d->dst = dst;
	d->buf = NULL;
	d->off = d->pending = 0;
	d->eof = d->done = src < 0;
	d->dst_failed = false;
	d->total = 0;
	d->p[0] = d->p[1] = -1;
	if (src < 0)
		return 0;
	d->src_nb = (fcntl(src, F_GETFL) & O_NONBLOCK) != 0;
	if (splice_to_pays(dst) &&
	    pipe2(d->p, O_CLOEXEC | O_NONBLOCK) == 0) {
		fcntl(d->p[1], F_SETPIPE_SZ, RELAY_CHUNK);
		return 0;
	}
	d->p[0] = d->p[1] = -1;
	grow_pipe(src);
	out_trace("relay %d -> %d: read/write, %d KiB buffer", src, dst,
	    RELAY_BUF / 1024);
	d->buf = malloc(RELAY_BUF);
	return d->buf == NULL ? -1 : 0;
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

/* dir_step: act on the poll result of d, moving chunks until src is empty
 * or dst is full (at most RELAY_BURST of them, so that the other
 * direction gets its turn; only one when src is read(2) and blocking,
 * for then only poll can tell that a read will not hang); 0, or -1 with
 * errno */
static int
dir_step(struct dir *d, short revents)
{
	ssize_t n;

	if (revents == 0)
		return 0;
	for (int i = 0; i < RELAY_BURST; i++) {
		if (i > 0 && d->p[0] < 0 && !d->src_nb)
			break;
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
		}
		/* pass it on at once; EAGAIN means poll for it */
		n = dir_drain(d);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n == -1) {
			d->dst_failed = true;
			return -1;
		}
		d->pending -= (size_t)n;
		if (d->pending > 0)
			return 0;
	}
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
	int n, rc = 0, e = 0, up_e = 0, idle = o->idle_ms < 0 ? -1 :
	    o->idle_ms > 0x7fffffff ? 0x7fffffff : (int)o->idle_ms;

	io_set_nonblock(sock, true);
	if (dir_init(&up, in, sock) == -1)
		return -1;
	if (dir_init(&down, sock, out) == -1) {
		dir_free(&up);
		errno = ENOMEM;
		return -1;
	}
	if (up.done && o->half_close)
		out_trace_ret(shutdown(sock, SHUT_WR), "shutdown(%d, SHUT_WR)"
		    " [no input]", sock);
	while (!down.done || (o->input_after_eof && !up.done)) {
		dir_poll(&up, &pfd[0]);
		dir_poll(&down, &pfd[1]);
		n = io_poll_idle(pfd, 2, idle);
		if (n == 0)
			continue;
		if (n == -1) {
			rc = -1;
			e = errno;
			break;
		}
		if (dir_step(&up, pfd[0].revents) == -1) {
			/* the peer stopped reading: nothing more goes up, but
			 * what it already sent still comes down */
			out_trace("write to socket %d: %s; input stops", sock,
			    strerrorname_np(errno));
			if (up.dst_failed)
				up_e = errno;
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
		st->up_error = up_e;
		st->out_failed = rc == -1 && down.dst_failed;
		st->spliced = (up.total > 0 && up.p[0] >= 0) ||
		    (down.total > 0 && down.p[0] >= 0);
	}
	dir_free(&up);
	dir_free(&down);
	errno = e;
	return rc;
}
