/* tests/fuzz/fuzz_tls.c - the framing around OpenSSL (certificates are
 * OpenSSL's job, what we make of its answers is ours). The first byte of
 * the input picks what the rest is:
 *   0  what a client sends a server session (src/tls.c) first: the
 *      handshake over a socketpair, then reads if it ever succeeds;
 *   1  a server's answer to our ClientHello, on a client session;
 *   2  an address, a newline and the JSON of an INFO line: the bus
 *      client's upgrade decision (bus_tls_decide) and the INFO the
 *      broker writes with tls_required, read back.
 * Whatever the input: no crash, no hang; a failed handshake or read is
 * one line (tls_error) with one of the documented errno values; the
 * decision agrees with the address and the INFO flags. */
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "addr.h"
#include "tls.h"
#include "bus/client.h"
#include "bus/proto.h"

#define MAX_IN		(64 * 1024)	/* fits in a socketpair's buffer */
#define MAX_STEPS	64

static struct tls_ctx *server_ctx, *client_ctx;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct tls_opts so = { 0 }, co = { .verify = false };
	char err[TLS_ERR_MAX];

	(void)argc;
	(void)argv;
	/* a throwaway certificate, made once */
	server_ctx = tls_ctx_new(true, &so, err, sizeof(err));
	client_ctx = tls_ctx_new(false, &co, err, sizeof(err));
	FUZZ_CHECK(server_ctx != NULL && client_ctx != NULL);
	return 0;
}

/* check_error: the invariants of a failed call */
static void
check_error(const struct tls *t, int e)
{
	const char *m = tls_error(t);

	FUZZ_CHECK(m != NULL && m[0] != '\0');
	FUZZ_CHECK(strlen(m) < TLS_ERR_MAX);
	FUZZ_CHECK(strchr(m, '\n') == NULL);
	FUZZ_CHECK(e == ECONNRESET || e == EACCES || e == EPROTO ||
	    e == EPIPE);
}

/* session: data from the peer into a server (or client) session */
static void
session(bool server, const uint8_t *data, size_t size)
{
	char buf[4096], line[TLS_ERR_MAX + 2 * TLS_NAME_MAX];
	struct tls *t;
	int sv[2], r = 0, steps;
	ssize_t n;

	if (size > MAX_IN)
		size = MAX_IN;
	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	t = tls_new(server ? server_ctx : client_ctx, sv[0],
	    server ? NULL : "localhost");
	FUZZ_CHECK(t != NULL);
	if (!server)	/* the ClientHello goes out first */
		FUZZ_CHECK(tls_handshake_step(t) == 0);
	FUZZ_CHECK(size == 0 || write(sv[1], data, size) == (ssize_t)size);
	shutdown(sv[1], SHUT_WR);	/* then the peer's end */
	for (steps = 0; steps < MAX_STEPS; steps++) {
		errno = 0;
		r = tls_handshake_step(t);
		if (r != 0)
			break;
		/* waiting to write means our output is full: never here */
		FUZZ_CHECK(tls_want(t) == POLLIN);
	}
	FUZZ_CHECK(r != 0);	/* the peer's end ends it */
	if (r == -1) {
		check_error(t, errno);
	} else {
		tls_describe(t, line, sizeof(line));
		FUZZ_CHECK(strchr(line, '\n') == NULL);
		for (steps = 0; steps < MAX_STEPS; steps++) {
			errno = 0;
			n = tls_read(t, buf, sizeof(buf));
			if (n == 0)
				break;
			if (n == -1) {
				FUZZ_CHECK(errno != EAGAIN);
				check_error(t, errno);
				break;
			}
			FUZZ_CHECK(n > 0 && (size_t)n <= sizeof(buf));
		}
	}
	tls_free(t);
	close(sv[0]);
	close(sv[1]);
}

/* decide: address, newline, INFO JSON */
static void
decide(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	struct proto_info in, back;
	char *s, fmt[4096];
	const char *errstr, *why;
	struct addr a;
	bool want;
	size_t n;
	int r;

	if (nl == NULL)
		return;
	s = fuzz_cstr(data, (size_t)(nl - data));
	r = addr_parse(&a, s, &errstr);
	free(s);
	if (r == -1)
		return;
	proto_info_init(&in);
	s = fuzz_cstr(nl + 1, size - (size_t)(nl + 1 - data));
	r = proto_info_parse(&in, s, strlen(s));
	free(s);
	if (r != 0)
		return;
	want = a.type == ADDR_TLS || a.tls;
	r = bus_tls_decide(&a, &in, &why);
	FUZZ_CHECK(r >= -1 && r <= 1);
	FUZZ_CHECK((r == 0) == (!want && !in.tls_required));
	if (r == -1)
		FUZZ_CHECK(why != NULL && strchr(why, '\n') == NULL);
	if (r == 1)
		FUZZ_CHECK(a.type != ADDR_UNIX &&
		    (in.tls_required || in.tls_available));
	/* the broker's INFO says what it was told, and reads back so */
	n = proto_fmt_info(fmt, sizeof(fmt), &in);
	if (n >= sizeof(fmt))
		return;
	FUZZ_CHECK(n > 7 && memcmp(fmt, "INFO ", 5) == 0);
	FUZZ_CHECK(fmt[n - 2] == '\r' && fmt[n - 1] == '\n');
	proto_info_init(&back);
	FUZZ_CHECK(proto_info_parse(&back, fmt + 5, n - 7) == 0);
	FUZZ_CHECK(back.tls_required == in.tls_required);
	FUZZ_CHECK(back.tls_verify == in.tls_verify);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	switch (data[0]) {
	case 0: session(true, data + 1, size - 1); break;
	case 1: session(false, data + 1, size - 1); break;
	case 2: decide(data + 1, size - 1); break;
	default: break;
	}
	return 0;
}
