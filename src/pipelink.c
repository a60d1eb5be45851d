/* src/pipelink.c - the relays between pipes behind ipctool pipe: a link
 * moves one pipe into one (splice(2), zero copy) or several (tee(2) to
 * each, then the chunk consumed; what tee could not copy is written from
 * a buffer); a merge interleaves many pipes into one by whole messages
 * (read(2) into a buffer per writer, write(2) of complete messages, a
 * message longer than the buffer keeps the output until its end). All
 * ends are non-blocking; a step moves what it can and says what to wait
 * for. See pipe(7), splice(2), tee(2). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "io.h"
#include "out.h"
#include "pipelink.h"

/* count_delims: how many message delimiters buf holds */
static uint64_t
count_delims(char delim, const char *buf, size_t len)
{
	uint64_t n = 0;
	const char *p = buf, *e = buf + len;

	while (p < e && (p = memchr(p, delim, (size_t)(e - p))) != NULL) {
		n++;
		p++;
	}
	return n;
}

void
plink_finish(struct plink *l)
{
	if (l->src != -1)
		close(l->src);
	l->src = -1;
	for (int i = 0; i < l->ndst; i++)
		if (!l->dst[i].dead && l->dst[i].fd != -1) {
			close(l->dst[i].fd);
			l->dst[i].fd = -1;
		}
	if (l->traced)
		out_trace("relay from stage %d done: %llu bytes in %llu %s "
		    "calls", l->tag + 1, (unsigned long long)l->bytes,
		    (unsigned long long)l->calls, l->tee ? "tee" : "splice");
	l->phase = PLINK_DONE;
	l->end_ms = io_now_ms();
	free(l->buf);
	l->buf = NULL;
}

/* dst_gone: consumer d stopped reading; returns true when none is left */
static bool
dst_gone(struct plink *l, struct plink_dst *d)
{
	int left = 0;

	d->dead = true;
	close(d->fd);
	d->fd = -1;
	for (int i = 0; i < l->ndst; i++)
		left += !l->dst[i].dead;
	if (l->on_gone)
		l->on_gone(l, d, left, l->arg);
	return left == 0;
}

/* readable: true when the pipe fd has data now */
static bool
readable(int fd)
{
	struct pollfd pf = { .fd = fd, .events = POLLIN };

	return poll(&pf, 1, 0) == 1 && (pf.revents & POLLIN);
}

/* hungup: true when the pipe fd is empty and has no writer left */
static bool
hungup(int fd)
{
	struct pollfd pf = { .fd = fd, .events = POLLIN };
	int avail;

	return poll(&pf, 1, 0) == 1 && (pf.revents & POLLHUP) &&
	    ioctl(fd, FIONREAD, &avail) == 0 && avail == 0;
}

/* link_fail: what failed (with errno kept), to stop the link; returns 0
 * so that every step stops */
static int
link_fail(struct plink *l, const char *what, int tag)
{
	l->failed = what;
	l->failed_tag = tag;
	l->failed_errno = errno;
	return 0;
}

/* link_wait: block the link on fd for ev; returns 0 */
static int
link_wait(struct plink *l, int fd, short ev)
{
	l->wait_fd = fd;
	l->wait_ev = ev;
	return 0;
}

/* budget: what l may move now: PLINK_CHUNK, or less under its limit */
static size_t
budget(const struct plink *l)
{
	if (l->limit == 0)
		return PLINK_CHUNK;
	if (l->limit <= l->bytes)
		return 0;
	return l->limit - l->bytes < PLINK_CHUNK ?
	    (size_t)(l->limit - l->bytes) : PLINK_CHUNK;
}

/* link_splice: the one-consumer relay, zero copy: splice(2) as much as
 * the pipes (and the limit) allow; returns 0 (waiting or done) */
static int
link_splice(struct plink *l)
{
	struct plink_dst *d = &l->dst[0];
	size_t want;
	ssize_t n;

	for (;;) {
		if ((want = budget(l)) == 0)
			return link_wait(l, -1, 0);
		n = splice(l->src, NULL, d->fd, NULL, want,
		    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		l->calls++;
		if (!l->traced && (n != -1 || errno != EAGAIN)) {
			/* the first one that did something */
			out_trace_ret(n, "splice(%d, NULL, %d, NULL, %d, "
			    "SPLICE_F_MOVE|SPLICE_F_NONBLOCK)", l->src, d->fd,
			    PLINK_CHUNK);
			l->traced = out_trace_on;
		}
		if (n > 0) {
			l->bytes += (uint64_t)n;
			d->bytes += (uint64_t)n;
			continue;
		}
		if (n == 0) {
			plink_finish(l);
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			/* the source is empty, or the consumer is full */
			if (readable(l->src))
				return link_wait(l, d->fd, POLLOUT);
			return link_wait(l, l->src, POLLIN);
		}
		if (errno == EPIPE) {
			dst_gone(l, d);
			plink_finish(l);
			return 0;
		}
		return link_fail(l, "splice from", l->tag);
	}
}

/* consume: take the chunk out of the source after every tee: read it when
 * it must be counted or a consumer got only part of it, else splice it
 * to /dev/null; returns 0 or -1 (errno) */
static int
consume(struct plink *l, bool partial)
{
	size_t done = 0;
	ssize_t n;

	if (partial || l->count) {
		if (l->buf == NULL && (l->buf = malloc(PLINK_CHUNK)) == NULL)
			return -1;
		if (io_read_full(l->src, l->buf, l->chunk) !=
		    (ssize_t)l->chunk)
			return -1;
		l->msgs += count_delims(l->delim, l->buf, l->chunk);
		return 0;
	}
	while (done < l->chunk) {
		n = splice(l->src, NULL, l->devnull, NULL, l->chunk - done,
		    SPLICE_F_MOVE);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

/* tee_next: take the next chunk in hand (PLINK_IDLE to PLINK_TEE); returns 1
 * to go on, 0 when waiting for data or at end of file */
static int
tee_next(struct plink *l)
{
	int avail;

	if (ioctl(l->src, FIONREAD, &avail) == -1)
		return link_fail(l, "ioctl FIONREAD", -1);
	if (avail == 0) {
		/* nothing buffered: end of file, or wait */
		if (hungup(l->src)) {
			plink_finish(l);
			return 0;
		}
		return link_wait(l, l->src, POLLIN);
	}
	if (budget(l) == 0)
		return link_wait(l, -1, 0);
	l->chunk = (size_t)avail > budget(l) ? budget(l) : (size_t)avail;
	for (int i = 0; i < l->ndst; i++)
		l->dst[i].teed = false;
	l->phase = PLINK_TEE;
	return 1;
}

/* tee_one: tee(2) the chunk to consumer d; returns 1 when d is served
 * (or gone), 0 to wait for it, -1 when no consumer is left */
static int
tee_one(struct plink *l, struct plink_dst *d)
{
	ssize_t n;

	do {
		n = tee(l->src, d->fd, l->chunk, SPLICE_F_NONBLOCK);
		l->calls++;
	} while (n == -1 && errno == EINTR);
	if (!l->traced && (n != -1 || errno != EAGAIN)) {
		out_trace_ret(n, "tee(%d, %d, %zu, SPLICE_F_NONBLOCK)", l->src,
		    d->fd, l->chunk);
		l->traced = out_trace_on;
	}
	if (n >= 0) {
		/* what tee could not copy is written from the buffer */
		d->got = (size_t)n;
		d->teed = true;
		return 1;
	}
	if (errno == EAGAIN)
		return link_wait(l, d->fd, POLLOUT);
	if (errno == EPIPE)
		return dst_gone(l, d) ? -1 : 1;
	return link_fail(l, "tee from", l->tag);
}

/* tee_all: copy the chunk to every consumer, then take it out of the
 * source (PLINK_TEE to PLINK_WRITE or PLINK_IDLE); returns 1 to go on,
 * 0 to wait */
static int
tee_all(struct plink *l)
{
	bool partial = false;
	int r;

	for (int i = 0; i < l->ndst; i++) {
		if (l->dst[i].dead || l->dst[i].teed)
			continue;
		if ((r = tee_one(l, &l->dst[i])) <= 0) {
			if (r == -1)
				plink_finish(l);
			return 0;
		}
	}
	for (int i = 0; i < l->ndst; i++)
		if (!l->dst[i].dead && l->dst[i].got < l->chunk)
			partial = true;
	if (consume(l, partial) == -1)
		return link_fail(l, "relay from", l->tag);
	l->bytes += l->chunk;
	for (int i = 0; i < l->ndst; i++) {
		struct plink_dst *d = &l->dst[i];

		if (d->dead)
			continue;
		d->bytes += d->got;
		if (l->count)
			d->msgs += count_delims(l->delim, l->buf, d->got);
	}
	l->phase = partial ? PLINK_WRITE : PLINK_IDLE;
	return 1;
}

/* tee_rest: write(2) what tee left out to each consumer (PLINK_WRITE to
 * PLINK_IDLE); returns 1 to go on, 0 to wait */
static int
tee_rest(struct plink *l)
{
	ssize_t n;

	for (int i = 0; i < l->ndst; i++) {
		struct plink_dst *d = &l->dst[i];

		while (!d->dead && d->got < l->chunk) {
			n = write(d->fd, l->buf + d->got, l->chunk - d->got);
			if (n > 0) {
				if (l->count)
					d->msgs += count_delims(l->delim,
					    l->buf + d->got, (size_t)n);
				d->got += (size_t)n;
				d->bytes += (uint64_t)n;
			} else if (errno == EAGAIN) {
				return link_wait(l, d->fd, POLLOUT);
			} else if (errno == EPIPE) {
				if (dst_gone(l, d)) {
					plink_finish(l);
					return 0;
				}
			} else if (errno != EINTR) {
				return link_fail(l, "write to", d->tag);
			}
		}
	}
	l->phase = PLINK_IDLE;
	return 1;
}

/* link_tee: the relay that copies each chunk to every consumer with
 * tee(2), then consumes it; returns 0 (waiting or done) */
static int
link_tee(struct plink *l)
{
	int go = 1;

	while (go && !l->failed) {
		switch (l->phase) {
		case PLINK_IDLE:
			go = tee_next(l);
			break;
		case PLINK_TEE:
			go = tee_all(l);
			break;
		case PLINK_WRITE:
			go = tee_rest(l);
			break;
		default:
			go = 0;
		}
	}
	return 0;
}

int
plink_step(struct plink *l)
{
	if (l->phase != PLINK_DONE && !l->failed) {
		if (l->tee)
			link_tee(l);
		else
			link_splice(l);
	}
	if (l->failed) {
		errno = l->failed_errno;
		return -1;
	}
	return 0;
}

/* merge_fail: what failed (with errno kept), to stop the merge */
static void
merge_fail(struct pmerge *m, const char *what, int tag)
{
	m->failed = what;
	m->failed_tag = tag;
	m->failed_errno = errno;
}

/* merge_failed: -1 with the errno of the failure */
static int
merge_failed(const struct pmerge *m)
{
	errno = m->failed_errno;
	return -1;
}

/* merge_emit: start writing len bytes at p to the merged output; the
 * bytes stay in their source buffer until written */
static void
merge_emit(struct pmerge *m, struct pmerge_src *s, const char *p, size_t len)
{
	uint64_t k = count_delims(m->delim, p, len);

	m->out = p;
	m->outlen = len;
	s->msgs += k;
	m->msgs += k;
	s->start += len;
	if (s->start == s->end)
		s->start = s->end = 0;
}

void
pmerge_end(struct pmerge *m)
{
	if (m->dst != -1)
		close(m->dst);
	m->dst = -1;
	m->done = true;
	m->end_ms = io_now_ms();
	out_trace("merge done: %llu messages, %llu bytes; %llu read and "
	    "%llu write calls", (unsigned long long)m->msgs,
	    (unsigned long long)m->bytes, (unsigned long long)m->reads,
	    (unsigned long long)m->writes);
	for (int i = 0; i < m->nsrc; i++) {
		if (m->src[i].fd != -1)
			close(m->src[i].fd);
		m->src[i].fd = -1;
		free(m->src[i].buf);
		m->src[i].buf = NULL;
	}
}

/* merge_fill: one nonblocking read(2) into source s; returns 1 with
 * data, 0 at end of file, -1 when it would block */
static int
merge_fill(struct pmerge *m, struct pmerge_src *s)
{
	ssize_t n;

	m->reads++;
	if (s->start > 0) {
		memmove(s->buf, s->buf + s->start, s->end - s->start);
		s->end -= s->start;
		s->start = 0;
	}
	n = io_read(s->fd, s->buf + s->end, PMERGE_BUF - s->end);
	if (n > 0) {
		s->end += (size_t)n;
		s->bytes += (uint64_t)n;
		return 1;
	}
	if (n == 0) {
		s->eof = true;
		s->end_ms = io_now_ms();
		close(s->fd);
		s->fd = -1;
		return 0;
	}
	if (errno != EAGAIN)
		merge_fail(m, "read from", s->tag);
	return -1;
}

/* merge_pick: choose what to write next when no message is half out:
 * whole messages of one source (round robin), or the start of a message
 * longer than a buffer (that source then owns the output until its
 * delimiter), or a last message without a delimiter; returns true when
 * something was chosen */
static bool
merge_pick(struct pmerge *m)
{
	for (int k = 0; k < m->nsrc; k++) {
		int i = (m->rr + k) % m->nsrc;
		struct pmerge_src *s = &m->src[i];
		size_t len = s->end - s->start;
		char *last;

		if (len == 0)
			continue;
		last = memrchr(s->buf + s->start, m->delim, len);
		if (last != NULL) {
			merge_emit(m, s, s->buf + s->start,
			    (size_t)(last - (s->buf + s->start)) + 1);
		} else if (s->eof) {
			merge_emit(m, s, s->buf + s->start, len);
			m->delim_next = true;
			s->msgs++;
			m->msgs++;
		} else if (s->start == 0 && s->end == PMERGE_BUF) {
			m->owner = i;
			merge_emit(m, s, s->buf, len);
		} else {
			continue;
		}
		m->rr = (i + 1) % m->nsrc;
		return true;
	}
	return false;
}

/* merge_owner: go on with the message source o has half written;
 * returns 1 when something is out, 0 to wait for o */
static int
merge_owner(struct pmerge *m)
{
	struct pmerge_src *s = &m->src[m->owner];
	size_t len = s->end - s->start;
	char *d;

	if (len > 0) {
		d = memchr(s->buf + s->start, m->delim, len);
		if (d != NULL) {
			merge_emit(m, s, s->buf + s->start,
			    (size_t)(d - (s->buf + s->start)) + 1);
			m->owner = -1;
		} else {
			merge_emit(m, s, s->buf + s->start, len);
		}
		return 1;
	}
	if (s->eof) {
		/* the writer ended in the middle: end its message */
		m->delim_next = true;
		s->msgs++;
		m->msgs++;
		m->owner = -1;
		return 1;
	}
	return merge_fill(m, s) == -1 ? 0 : 1;
}

int
pmerge_step(struct pmerge *m, struct pollfd *pf, int *npf)
{
	ssize_t n;

	for (;;) {
		if (m->failed)
			return merge_failed(m);
		if (m->outlen == 0 && m->delim_next) {
			m->out = &m->delim;
			m->outlen = 1;
			m->delim_next = false;
		}
		if (m->outlen > 0) {
			n = write(m->dst, m->out, m->outlen);
			m->writes++;
			if (n > 0) {
				m->out += n;
				m->outlen -= (size_t)n;
				m->bytes += (uint64_t)n;
				continue;
			}
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				pf[(*npf)++] = (struct pollfd){ m->dst, POLLOUT,
				    0 };
				return 0;
			}
			if (errno != EPIPE) {
				merge_fail(m, "write to", m->tag);
				return merge_failed(m);
			}
			/* the reader is gone: so are the writers' pipes */
			pmerge_end(m);
			return 0;
		}
		if (m->owner >= 0) {
			if (merge_owner(m))
				continue;
			if (m->failed)
				return merge_failed(m);
			pf[(*npf)++] = (struct pollfd){ m->src[m->owner].fd,
			    POLLIN, 0 };
			return 0;
		}
		if (merge_pick(m))
			continue;
		/* nothing whole to write: read from every source with room */
		int live = 0, got = 0;
		for (int i = 0; i < m->nsrc; i++) {
			struct pmerge_src *s = &m->src[i];

			if (s->eof || s->end - s->start == PMERGE_BUF)
				continue;
			live++;
			if (merge_fill(m, s) != -1)
				got++;
		}
		if (got)
			continue;
		if (m->failed)
			return merge_failed(m);
		if (live == 0) {
			pmerge_end(m);
			return 0;
		}
		for (int i = 0; i < m->nsrc; i++)
			if (!m->src[i].eof)
				pf[(*npf)++] = (struct pollfd){ m->src[i].fd,
				    POLLIN, 0 };
		return 0;
	}
}
