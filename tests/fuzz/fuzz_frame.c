/* tests/fuzz/fuzz_frame.c - message framing (frame_reader) over a real
 * pipe(2) or socketpair(2) fed with the input: what it returns is checked
 * against a model of the framing rules (the messages in order, each
 * without its delimiter, a last one without a delimiter at end of file,
 * EMSGSIZE at the first message longer than the maximum; raw mode gives
 * back every byte in order).
 *
 * Input: byte 0 picks the mode (bits 0-1: line, NUL, raw), the transport
 * (bit 2: socketpair, nonblocking path only), the reading path (bit 3: blocking frame_read, else
 * nonblocking frame_fill/frame_next interleaved with the writes), a
 * maximum so large it is no limit (bit 4: SIZE_MAX minus 0-3) and
 * amplification (bit 5: the stream repeated past 64 KiB, so that the
 * buffer grows); bytes 1-2 give the maximum message size (0: the
 * default), byte 3 seeds the sizes of the writes; the rest is the stream.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz.h"
#include "frame.h"
#include "io.h"

/* The model: the stream and how far the reader has got through it */
struct model {
	const uint8_t *data;
	size_t len, pos;
	enum frame_mode mode;
	size_t max;		/* what the reader enforces */
	size_t initmax;		/* what frame_reader_init got (0: default) */
	int failed;		/* EMSGSIZE seen */
};

/* model_next: the next message the reader must return: 1 with it, 0 when
 * there are no more, -1 when the next one is too long */
static int
model_next(struct model *m, const uint8_t **msg, size_t *len)
{
	const uint8_t *d;
	size_t n;

	if (m->pos >= m->len)
		return 0;
	d = memchr(m->data + m->pos, frame_delim(m->mode), m->len - m->pos);
	n = d ? (size_t)(d - (m->data + m->pos)) : m->len - m->pos;
	if (n > m->max)
		return -1;
	*msg = m->data + m->pos;
	*len = n;
	m->pos += n + (d != NULL);
	return 1;
}

/* got_message: check a message of the reader against the model */
static void
got_message(struct model *m, const char *msg, size_t len)
{
	const uint8_t *want;
	size_t wlen;

	FUZZ_CHECK(!m->failed);
	if (m->mode == FRAME_RAW) {
		FUZZ_CHECK(len > 0 && len <= FRAME_RAW_CHUNK);
		FUZZ_CHECK(len <= m->len - m->pos);
		FUZZ_CHECK(memcmp(msg, m->data + m->pos, len) == 0);
		m->pos += len;
		return;
	}
	FUZZ_CHECK(model_next(m, &want, &wlen) == 1);
	FUZZ_CHECK(len == wlen);
	FUZZ_CHECK(len == 0 || memcmp(msg, want, len) == 0);
}

/* got_error: the reader failed with errno; the model must agree */
static void
got_error(struct model *m, int e)
{
	const uint8_t *want;
	size_t wlen;

	FUZZ_CHECK(e == EMSGSIZE);
	FUZZ_CHECK(m->mode != FRAME_RAW);
	FUZZ_CHECK(model_next(m, &want, &wlen) == -1);
	m->failed = 1;
}

/* got_eof: the reader says it is done; the model must be too */
static void
got_eof(struct model *m)
{
	const uint8_t *want;
	size_t wlen;

	if (m->mode == FRAME_RAW)
		FUZZ_CHECK(m->pos == m->len);
	else
		FUZZ_CHECK(model_next(m, &want, &wlen) == 0);
}

/* run_blocking: write the whole stream, then frame_read until the end */
static void
run_blocking(struct model *m, int rfd, int wfd)
{
	struct frame_reader r;
	char *msg;
	size_t len;
	int rc;

	FUZZ_CHECK(io_write_full(wfd, m->data, m->len) == (ssize_t)m->len);
	close(wfd);
	FUZZ_CHECK(frame_reader_init(&r, rfd, m->mode, m->initmax) == 0);
	while ((rc = frame_read(&r, &msg, &len)) == 1)
		got_message(m, msg, len);
	if (rc == -1)
		got_error(m, errno);
	else
		got_eof(m);
	frame_reader_free(&r);
}

/* run_interleaved: writes of varying sizes, each followed by as many
 * frame_fill/frame_next as there is data, both ends nonblocking */
static void
run_interleaved(struct model *m, int rfd, int wfd, uint32_t seed)
{
	struct frame_reader r;
	size_t off = 0;
	char *msg;
	size_t len;
	ssize_t n;
	int rc;

	FUZZ_CHECK(io_set_nonblock(rfd, true) == 0);
	FUZZ_CHECK(io_set_nonblock(wfd, true) == 0);
	FUZZ_CHECK(frame_reader_init(&r, rfd, m->mode, m->initmax) == 0);
	for (;;) {
		if (off < m->len) {
			size_t chunk;

			seed = seed * 1103515245 + 12345;
			chunk = 1 + (seed >> 16) % (seed & 0x100 ? 7 :
			    m->len > 65536 ? 32768 : 1500);
			if (chunk > m->len - off)
				chunk = m->len - off;
			n = write(wfd, m->data + off, chunk);
			FUZZ_CHECK(n > 0 || errno == EAGAIN);
			if (n > 0)
				off += (size_t)n;
		} else if (wfd != -1) {
			close(wfd);
			wfd = -1;
		}
		for (;;) {
			rc = frame_next(&r, &msg, &len);
			if (rc == 1) {
				got_message(m, msg, len);
				continue;
			}
			if (rc == -1) {
				got_error(m, errno);
				goto done;
			}
			if (r.eof) {
				got_eof(m);
				goto done;
			}
			n = frame_fill(&r);
			if (n == -1 && errno == EAGAIN)
				break;
			/* frame_next took all it could: the buffer has room */
			FUZZ_CHECK(n >= 0);
		}
	}
done:
	if (wfd != -1)
		close(wfd);
	frame_reader_free(&r);
}

/* amplified: the stream src (n bytes) repeated to 64 KiB + k KiB; a
 * malloc'd buffer, its length in *len */
static uint8_t *
amplified(const uint8_t *src, size_t n, unsigned k, size_t *len)
{
	size_t want = 65536 + (size_t)k * 1024;
	uint8_t *buf = malloc(want);

	FUZZ_CHECK(buf != NULL);
	for (size_t o = 0; o < want; o += n)
		memcpy(buf + o, src, o + n <= want ? n : want - o);
	*len = want;
	return buf;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct model m = { 0 };
	uint8_t *big = NULL;
	int fds[2], flags;
	unsigned max;

	if (size < 4)
		return 0;
	flags = data[0];
	m.mode = (enum frame_mode)((flags & 3) % 3);
	max = (unsigned)data[1] << 8 | data[2];
	m.data = data + 4;
	m.len = size - 4;
	if (flags & 0x20 && m.len > 0) {
		/* past the first buffer: maxima up to 512 KiB */
		m.data = big = amplified(data + 4, size - 4, data[3], &m.len);
		max *= 8;
	} else if (max != 0 && max < 0x8000) {
		/* small maxima mostly, where the limits are */
		max = max % 512 + 1;
	}
	m.initmax = max;
	/* or a maximum so large that it is no limit (--max 16E) */
	if (flags & 0x10)
		m.initmax = SIZE_MAX - (data[1] & 3);
	m.max = m.initmax ? m.initmax : FRAME_MAX_DEFAULT;
	if (flags & 4 && !(flags & 8))
		FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
		    fds) == 0);
	else
		FUZZ_CHECK(pipe2(fds, O_CLOEXEC) == 0);
	/* blocking: the whole stream must fit in the pipe before reading */
	if (flags & 8 && m.len > 32768 &&
	    fcntl(fds[1], F_SETPIPE_SZ, 1 << 20) < (int)m.len)
		flags &= ~8;
	if (flags & 8)
		run_blocking(&m, fds[0], fds[1]);
	else
		run_interleaved(&m, fds[0], fds[1], data[3]);
	close(fds[0]);
	free(big);
	return 0;
}
