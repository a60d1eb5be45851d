/* sock_client.c - sock-client: the active side: connect(2) with a kernel-
 * assigned local port (getsockname(2)), a splice(2) relay with a
 * shutdown(2) half-close at input end, messages with acknowledgements,
 * one request and its reply; send(2)/recv(2) datagrams for udp */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <bsd/err.h>

#include "applet.h"
#include "die.h"
#include "frame.h"
#include "io.h"
#include "out.h"
#include "parse.h"
#include "relay.h"
#include "sock.h"
#include "stats.h"
#include "tls.h"

static int sock_client_main(int argc, char **argv);

enum {
	KEY_NO_SHUTDOWN = 256,
	KEY_JSON,
	KEY_RETRY,
	KEY_SEND,
	KEY_STATS,
	KEY_SYNC,
	KEY_INSECURE,
	KEY_TLS_CA,
	KEY_TLS_CERT,
	KEY_TLS_KEY,
};

static const struct opt sock_client_opts[] = {
	{ .so = '0', .lo = "null", .help = "messages end with NUL, not newline" },
	{ .lo = "send", .key = KEY_SEND, .arg = OPT_STR, .meta = "MSG",
	  .help = "send MSG instead of stdin (repeatable)" },
	{ .so = 'r', .lo = "request",
	  .help = "send one message, print one reply, exit" },
	{ .lo = "stats", .key = KEY_STATS,
	  .help = "--sync, -r: round-trip summary on stderr at exit" },
	{ .lo = "sync", .key = KEY_SYNC,
	  .help = "wait for the server's ack of each message" },
	{ .so = 't', .lo = "timeout", .arg = OPT_DURATION, .meta = "DUR",
	  .help = "give up a connect or wait after DUR (exit 75)" },
	{ .so = 'z', .lo = "probe",
	  .help = "only connect and close: is ADDR open? (nc -z)" },
	{ .lo = "insecure", .key = KEY_INSECURE,
	  .help = "tls: do not verify the server's certificate" },
	{ .lo = "json", .key = KEY_JSON,
	  .help = "the --stats summary as one JSON object" },
	{ .lo = "no-shutdown", .key = KEY_NO_SHUTDOWN,
	  .help = "do not half-close the socket at input end" },
	{ .lo = "retry", .key = KEY_RETRY, .arg = OPT_DURATION, .meta = "DUR",
	  .help = "keep trying to connect for DUR" },
	{ .lo = "tls-ca", .key = KEY_TLS_CA, .arg = OPT_PATH, .meta = "FILE",
	  .help = "tls: verify the server against the CAs in FILE" },
	{ .lo = "tls-cert", .key = KEY_TLS_CERT, .arg = OPT_PATH, .meta = "FILE",
	  .help = "tls: show the certificate in FILE to the server" },
	{ .lo = "tls-key", .key = KEY_TLS_KEY, .arg = OPT_PATH, .meta = "FILE",
	  .help = "tls: the private key of --tls-cert" },
	OPT_END
};

const struct applet applet_sock_client = {
	.name = "sock-client",
	.brief = "connect to a port or socket: relay, messages, requests",
	.usage = "sock-client [-0r] [--sync] [--send MSG]... [-t DUR] ADDR\n"
	    "sock-client --sync|-r --stats [--json] [OPTIONS] ADDR\n"
	    "sock-client -z [-t DUR] [--retry DUR] ADDR\n"
	    "sock-client [OPTIONS] [--tls-ca FILE] [--insecure] tls:HOST:PORT",
	.opts = sock_client_opts,
	.main = sock_client_main,
};

#define UDP_LINGER_MS	1000	/* replies awaited after the input of udp */
#define DGRAM_MAX	65536

struct client {
	struct addr addr;
	char where[ADDR_STR_MAX];
	int fd;
	bool udp, sync, request, no_shutdown, probe, json;
	struct stats *stats;	/* --stats, or NULL */
	enum frame_mode fmode;
	int64_t timeout, retry;
	char **msgs;
	int nmsgs;
	struct frame_reader rd;	/* replies on a stream */
	char *dgram;		/* a reply datagram */
	struct tls_opts topts;	/* tls: */
	bool insecure;
	struct tls_ctx *tctx;
	struct tls *tls;
};

/* unavailable: exit 69 (nothing there) or 75 (timeout) for errno e */
static void __attribute__((noreturn))
unavailable(struct client *c, int e)
{
	char dur[32];

	/* -z asks a question: "no" is the exit status alone, as nc -z */
	if (c->probe && (e == ECONNREFUSED || e == ENOENT)) {
		out_trace("nothing listens on %s", c->where);
		exit(EX_UNAVAILABLE);
	}
	switch (e) {
	case ECONNREFUSED:
		errx(EX_UNAVAILABLE, "connection refused: nothing listens on "
		    "%s", c->where);
	case ENOENT:
		errx(EX_UNAVAILABLE, "connection refused: nothing listens on "
		    "%s (no such file)", c->where);
	case ETIMEDOUT:
		errx(EX_TEMPFAIL, "connect %s: timed out after %s", c->where,
		    duration_format(c->timeout, dur, sizeof(dur)));
	case EHOSTUNREACH:
	case ENETUNREACH:
	case ECONNRESET:
	case EPIPE:
		errc(EX_UNAVAILABLE, e, "%s", c->where);
	}
	errc(EXIT_FAIL, e, "connect %s", c->where);
}

/* tls_failed: a TLS error after the handshake: one line, exit 1 */
static void __attribute__((noreturn))
tls_failed(struct client *c, int e)
{
	if (e == EPROTO)
		errx(EXIT_FAIL, "%s: %s", c->where, tls_error(c->tls));
	unavailable(c, e);
}

/* start_tls: the handshake on the new connection (within --timeout);
 * a refused certificate or any TLS failure is exit 1, a timeout 75 */
static void
start_tls(struct client *c)
{
	char line[TLS_ERR_MAX + 2 * TLS_NAME_MAX], dur[32];

	c->tls = tls_new(c->tctx, c->fd, c->addr.host);
	if (c->tls == NULL)
		err(EXIT_FAIL, "TLS for %s", c->where);
	if (tls_handshake(c->tls, io_deadline(c->timeout)) == -1) {
		if (errno == ETIMEDOUT)
			errx(EX_TEMPFAIL, "TLS handshake with %s: timed out "
			    "after %s", c->where, duration_format(c->timeout,
			    dur, sizeof(dur)));
		errx(EXIT_FAIL, "TLS handshake with %s: %s", c->where,
		    tls_error(c->tls));
	}
	out_trace("TLS handshake with %s: %s", c->where,
	    tls_describe(c->tls, line, sizeof(line)));
	c->rd.read = tls_read_fn;
	c->rd.read_arg = c->tls;
}

/* stream_relay: relay_stream, or tls_relay over TLS */
static int
stream_relay(struct client *c, int in, const struct relay_opts *ro,
    struct relay_stats *st)
{
	if (c->tls)
		return tls_relay(in, c->tls, STDOUT_FILENO, ro, st);
	return relay_stream(in, c->fd, STDOUT_FILENO, ro, st);
}

/* nap: sleep ms, less when the deadline is sooner */
static void
nap(int ms, int64_t deadline)
{
	int left = io_remaining(deadline);

	poll(NULL, 0, left >= 0 && left < ms ? left : ms);
}

/* open_conn: connect, retrying while nothing listens and --retry lasts */
static void
open_conn(struct client *c)
{
	int64_t until = io_deadline(c->retry);
	struct addrinfo *res;
	struct addr local;
	char buf[ADDR_STR_MAX];
	int gai, delay = 10;

	if (c->addr.type != ADDR_UNIX) {
		gai = addr_resolve(&c->addr, &res);
		if (gai != 0)
			errx(EX_UNAVAILABLE, "resolve %s: %s", c->addr.host,
			    gai == EAI_SYSTEM ? strerror(errno) :
			    gai_strerror(gai));
		freeaddrinfo(res);
	}
	for (;;) {
		c->fd = sock_connect(&c->addr, io_deadline(c->timeout), &local);
		if (c->fd >= 0)
			break;
		if (c->retry < 0 || (errno != ECONNREFUSED && errno != ENOENT) ||
		    io_remaining(until) == 0)
			unavailable(c, errno);
		out_trace("nothing listens on %s yet: retrying in %d ms",
		    c->where, delay);
		nap(delay, until);
		delay = delay < 200 ? delay * 2 : 200;
	}
	out_trace("connected to %s from %s", c->where,
	    addr_format(&local, buf, sizeof(buf)));
}

/* send_msg: one message with its delimiter (a datagram for udp) */
static void
send_msg(struct client *c, const char *msg, size_t len)
{
	int rc;

	if (c->udp) {
		char *b = malloc(len + 1);

		if (b == NULL)
			err(EXIT_FAIL, "send");
		memcpy(b, msg, len);
		b[len] = (char)frame_delim(c->fmode);
		rc = (int)send(c->fd, b, len + 1, 0);
		free(b);
	} else if (c->tls) {
		char *b = malloc(len + 1);

		if (b == NULL)
			err(EXIT_FAIL, "send");
		memcpy(b, msg, len);
		b[len] = (char)frame_delim(c->fmode);
		rc = (int)tls_write_full(c->tls, b, c->fmode == FRAME_RAW ?
		    len : len + 1, -1);
		free(b);
		if (rc == -1)
			tls_failed(c, errno);
	} else {
		rc = frame_write(c->fd, c->fmode, msg, len);
	}
	if (rc == -1)
		unavailable(c, errno);
}

/* next_reply: the next message from the server; 1 with *msg and *len, 0
 * when the server closed, exits 75 at the deadline */
static int
next_reply(struct client *c, char **msg, size_t *len, int64_t deadline,
    const char *what)
{
	char dur[32];
	ssize_t n;
	int ev, rc;

	for (;;) {
		if (!c->udp) {
			rc = frame_next(&c->rd, msg, len);
			if (rc == 1)
				return 1;
			if (rc == -1)
				err(EXIT_FAIL, "reply from %s", c->where);
			if (c->rd.eof)
				return 0;
		}
		/* decrypted bytes inside TLS are not seen by poll(2) */
		ev = c->tls && tls_pending(c->tls) ? POLLIN : io_wait(c->fd,
		    c->tls ? tls_want(c->tls) : POLLIN, deadline);
		if (ev == 0)
			errx(EX_TEMPFAIL, "no %s from %s within %s", what,
			    c->where, duration_format(c->timeout, dur, sizeof(dur)));
		if (ev == -1)
			err(EXIT_FAIL, "poll");
		if (c->udp) {
			n = recv(c->fd, c->dgram, DGRAM_MAX, 0);
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1)
				unavailable(c, errno);
			*msg = c->dgram;
			*len = (size_t)n;
			if (*len > 0 && c->dgram[*len - 1] ==
			    frame_delim(c->fmode))
				(*len)--;
			return 1;
		}
		n = frame_fill(&c->rd);
		if (n == -1 && errno != EINTR && errno != EAGAIN) {
			if (errno == ECONNRESET)
				return 0;
			if (c->tls && errno == EPROTO)
				tls_failed(c, errno);
			err(EXIT_FAIL, "read from %s", c->where);
		}
	}
}

/* print_msg: one message and its delimiter on stdout */
static void
print_msg(struct client *c, const char *msg, size_t len)
{
	if (frame_write(STDOUT_FILENO, c->fmode, msg, len) == -1) {
		if (errno == EPIPE)
			exit(0);
		err(EXIT_FAIL, "write to stdout");
	}
}

/* half_close: shutdown(SHUT_WR) unless --no-shutdown or udp */
static void
half_close(struct client *c)
{
	if (c->udp || c->no_shutdown)
		return;
	if (c->tls) {
		/* the TLS half-close: the server may still answer */
		out_trace_ret(tls_close_notify_wait(c->tls, io_deadline(
		    c->timeout)), "SSL_shutdown(%d) [close_notify]", c->fd);
		return;
	}
	out_trace_ret(shutdown(c->fd, SHUT_WR), "shutdown(%d, SHUT_WR)",
	    c->fd);
}

/* do_request: one message out, one message back */
static int
do_request(struct client *c)
{
	struct frame_reader in;
	char *msg, *reply;
	size_t len, rlen;
	uint64_t t0;
	int rc;

	if (c->nmsgs == 1) {
		msg = c->msgs[0];
		len = strlen(msg);
		t0 = stats_now();
		send_msg(c, msg, len);
	} else {
		if (frame_reader_init(&in, STDIN_FILENO, c->fmode,
		    FRAME_MAX_DEFAULT) == -1)
			err(EXIT_FAIL, "stdin");
		rc = frame_read(&in, &msg, &len);
		if (rc == -1)
			err(EXIT_FAIL, "read stdin");
		if (rc == 0)
			errx(EXIT_FAIL, "nothing to send: stdin is empty");
		t0 = stats_now();
		send_msg(c, msg, len);
		frame_reader_free(&in);
	}
	if (c->stats)
		stats_sent(c->stats);
	half_close(c);
	if (next_reply(c, &reply, &rlen, io_deadline(c->timeout),
	    "reply") == 0)
		errx(EX_UNAVAILABLE, "%s closed the connection without a "
		    "reply", c->where);
	if (c->stats)
		stats_add(c->stats, stats_now() - t0);
	print_msg(c, reply, rlen);
	return 0;
}

/* wait_ack: read until "ack N"; other messages go to stdout */
static void
wait_ack(struct client *c, unsigned long long n)
{
	int64_t deadline = io_deadline(c->timeout);
	char want[32], *msg;
	size_t len, wlen;

	wlen = (size_t)snprintf(want, sizeof(want), "ack %llu", n);
	for (;;) {
		if (next_reply(c, &msg, &len, deadline, "acknowledgement") == 0)
			errx(EX_UNAVAILABLE, "%s closed the connection before "
			    "acknowledging message %llu", c->where, n);
		if (len == wlen && memcmp(msg, want, len) == 0) {
			out_trace("message %llu acknowledged", n);
			return;
		}
		print_msg(c, msg, len);
	}
}

/* send_acked: message n, and with --sync its acknowledgement (the round
 * trip that --stats times) */
static void
send_acked(struct client *c, const char *msg, size_t len,
    unsigned long long n)
{
	uint64_t t0 = c->stats ? stats_now() : 0;

	send_msg(c, msg, len);
	if (!c->sync)
		return;
	if (c->stats)
		stats_sent(c->stats);
	wait_ack(c, n);
	if (c->stats)
		stats_add(c->stats, stats_now() - t0);
}

/* udp_replies: print datagrams until none came for --timeout (1s by
 * default); an ICMP error for what was sent means nothing listens */
static int
udp_replies(struct client *c)
{
	int64_t linger = c->timeout != TIMEOUT_UNSET ? c->timeout :
	    UDP_LINGER_MS;
	ssize_t n;
	size_t len;
	int ev;

	for (;;) {
		ev = io_wait(c->fd, POLLIN, io_deadline(linger));
		if (ev == 0)
			return 0;
		if (ev == -1)
			err(EXIT_FAIL, "poll");
		n = recv(c->fd, c->dgram, DGRAM_MAX, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			unavailable(c, errno);
		len = (size_t)n;
		if (len > 0 && c->dgram[len - 1] == frame_delim(c->fmode))
			len--;
		print_msg(c, c->dgram, len);
	}
}

/* do_messages: --send and --sync: each message, acknowledged with
 * --sync; then what the server sends until it closes */
static int
do_messages(struct client *c)
{
	struct relay_opts ro = { .half_close = false, .idle_ms = c->timeout };
	struct frame_reader in;
	unsigned long long n = 0;
	struct relay_stats st;
	char *msg;
	size_t len;
	int rc;

	if (c->nmsgs > 0) {
		for (int i = 0; i < c->nmsgs; i++)
			send_acked(c, c->msgs[i], strlen(c->msgs[i]), ++n);
	} else {
		if (frame_reader_init(&in, STDIN_FILENO, c->fmode,
		    FRAME_MAX_DEFAULT) == -1)
			err(EXIT_FAIL, "stdin");
		while ((rc = frame_read(&in, &msg, &len)) == 1)
			send_acked(c, msg, len, ++n);
		if (rc == -1)
			err(EXIT_FAIL, "read stdin");
		frame_reader_free(&in);
	}
	if (c->sync)
		return 0;
	half_close(c);
	if (c->udp)
		return udp_replies(c);
	if (stream_relay(c, -1, &ro, &st) == -1) {
		if (st.out_failed)
			die_stdout();
		if (errno == ETIMEDOUT)
			errx(EX_TEMPFAIL, "%s: no end of the answer within "
			    "the timeout", c->where);
		tls_failed(c, errno);
	}
	return 0;
}

/* do_udp: stdin lines out as datagrams, datagrams in to stdout; after
 * the input, replies are awaited for --timeout (1s by default) */
static int
do_udp(struct client *c)
{
	struct frame_reader in;
	struct pollfd pfd[2];
	int64_t linger = c->timeout != TIMEOUT_UNSET ? c->timeout :
	    UDP_LINGER_MS;
	int64_t deadline = -1;
	char *msg;
	size_t len;
	ssize_t n;
	int rc;

	if (frame_reader_init(&in, STDIN_FILENO, c->fmode, DGRAM_MAX - 1) ==
	    -1)
		err(EXIT_FAIL, "stdin");
	pfd[0].fd = c->fd;
	pfd[0].events = POLLIN;
	pfd[1].fd = STDIN_FILENO;
	pfd[1].events = POLLIN;
	for (;;) {
		rc = poll(pfd, 2, io_remaining(deadline));
		if (rc == -1 && errno == EINTR)
			continue;
		if (rc == 0) {
			frame_reader_free(&in);
			return 0;
		}
		if (pfd[0].revents) {
			n = recv(c->fd, c->dgram, DGRAM_MAX, 0);
			if (n == -1 && errno != EINTR)
				unavailable(c, errno);
			if (n >= 0) {
				len = (size_t)n;
				if (len > 0 && c->dgram[len - 1] ==
				    frame_delim(c->fmode))
					len--;
				print_msg(c, c->dgram, len);
				if (deadline >= 0)
					deadline = io_deadline(linger);
			}
		}
		if (pfd[1].revents) {
			n = frame_fill(&in);
			if (n == -1 && errno != EINTR)
				in.eof = true;
			while ((rc = frame_next(&in, &msg, &len)) == 1)
				send_msg(c, msg, len);
			if (rc == -1)
				errx(EXIT_FAIL, "stdin: message longer than a "
				    "datagram");
			if (in.eof) {
				pfd[1].fd = -1;
				deadline = io_deadline(linger);
			}
		}
	}
}

/* run: the mode the options chose; returns the exit status */
static int
run(struct client *c)
{
	struct relay_opts ro = { 0 };
	struct relay_stats st;
	char dur[32];

	if (c->request)
		return do_request(c);
	if (c->sync || c->nmsgs > 0)
		return do_messages(c);
	if (c->udp)
		return do_udp(c);
	ro.half_close = !c->no_shutdown;
	ro.idle_ms = c->timeout;
	/* a server's half-close does not cut a file or pipe short */
	ro.input_after_eof = !isatty(STDIN_FILENO);
	if (stream_relay(c, STDIN_FILENO, &ro, &st) == -1) {
		if (st.out_failed)
			die_stdout();
		if (errno == ETIMEDOUT)
			errx(EX_TEMPFAIL, "%s: idle for %s", c->where,
			    duration_format(c->timeout, dur, sizeof(dur)));
		if (c->tls && errno == EPROTO)
			tls_failed(c, errno);
		err(EXIT_FAIL, "%s", c->where);	/* a reset mid-stream */
	}
	/* the peer reset or stopped reading before all input was sent */
	if (c->tls && st.up_error == EPROTO)
		errx(EXIT_FAIL, "send to %s: %s", c->where, tls_error(c->tls));
	if (st.up_error)
		errc(EXIT_FAIL, st.up_error, "send to %s", c->where);
	return 0;
}

static int
sock_client_main(int argc, char **argv)
{
	struct client c = { .fd = -1, .timeout = TIMEOUT_UNSET, .retry = -1,
	    .fmode = FRAME_LINE };
	struct opt_parser p;
	static struct stats rec;
	const char *errstr;
	char **rest;
	bool stats = false;
	int ch, n;

	c.msgs = calloc((size_t)argc, sizeof(*c.msgs));
	if (c.msgs == NULL)
		err(EXIT_FAIL, "allocate");
	opt_init(&p, &applet_sock_client, "sock-client", argc, argv);
	while ((ch = opt_next(&p)) != -1) {
		switch (ch) {
		case '0': c.fmode = FRAME_NUL; break;
		case KEY_SEND: c.msgs[c.nmsgs++] = (char *)p.arg; break;
		case 'z': c.probe = true; break;
		case 'r': c.request = true; break;
		case KEY_JSON: c.json = true; break;
		case KEY_STATS: stats = true; break;
		case KEY_SYNC: c.sync = true; break;
		case 't': c.timeout = opt_timeout(&p); break;
		case KEY_NO_SHUTDOWN: c.no_shutdown = true; break;
		case KEY_RETRY: c.retry = opt_duration(&p); break;
		case KEY_INSECURE: c.insecure = true; break;
		case KEY_TLS_CA: c.topts.ca = p.arg; break;
		case KEY_TLS_CERT: c.topts.cert = p.arg; break;
		case KEY_TLS_KEY: c.topts.key = p.arg; break;
		}
	}
	rest = opt_rest(&p, &n);
	if (n != 1)
		usage_error(n == 0 ? "missing ADDR" : "one ADDR only, got '%s'",
		    n > 1 ? rest[1] : "");
	if (addr_parse(&c.addr, rest[0], &errstr) == -1)
		usage_error("bad address '%s': %s", rest[0], errstr);
	if (c.addr.type != ADDR_TLS && (c.insecure || c.topts.ca ||
	    c.topts.cert || c.topts.key))
		usage_error("--insecure and --tls-* need a tls: address");
	if (c.insecure && c.topts.ca)
		usage_error("--insecure excludes --tls-ca");
	if (c.topts.key && !c.topts.cert)
		usage_error("--tls-key needs --tls-cert");
	if (c.addr.type == ADDR_NATS)
		usage_error("nats:// is the bus; sock-client takes unix:, "
		    "tcp: or udp:");
	if (c.request && c.sync)
		usage_error("--request excludes --sync");
	if (c.request && c.nmsgs > 1)
		usage_error("--request sends one message: one --send at most");
	if (stats && !c.sync && !c.request)
		usage_error("--stats needs --sync or --request: only "
		    "answered messages have a round trip");
	if (c.json && !stats)
		usage_error("--json needs --stats");
	if (c.probe && (c.sync || c.request || c.nmsgs > 0))
		usage_error("-z sends nothing: no --send, --sync or --request");
	if (c.probe && c.addr.type == ADDR_UDP)
		usage_error("-z needs a connection: udp has none to probe");
	/* a wait for an acknowledgement, a reply or a probe's connect ends
	 * by default */
	if ((c.sync || c.request || c.probe) && c.timeout == TIMEOUT_UNSET)
		c.timeout = TIMEOUT_SYNC_MS;
	c.udp = c.addr.type == ADDR_UDP;
	addr_format(&c.addr, c.where, sizeof(c.where));
	if (frame_reader_init(&c.rd, -1, c.fmode, FRAME_MAX_DEFAULT) == -1 ||
	    (c.dgram = malloc(DGRAM_MAX)) == NULL)
		err(EXIT_FAIL, "allocate");
	if (c.addr.type == ADDR_TLS) {
		char e[TLS_ERR_MAX];

		c.topts.verify = !c.insecure;
		c.tctx = tls_ctx_new(false, &c.topts, e, sizeof(e));
		if (c.tctx == NULL)
			errx(EXIT_FAIL, "%s", e);
		if (c.insecure)
			warnx("--insecure: the certificate of %s is not "
			    "verified", c.where);
	}
	open_conn(&c);
	c.rd.fd = c.fd;
	if (stats) {
		stats_init(&rec, "ipctool sock-client", c.request ? "answered" :
		    "acknowledged", c.json);
		stats_arm(&rec);
		c.stats = &rec;
	}
	/* -z: the connect was the question; close without a byte */
	if (c.probe) {
		n = 0;
	} else {
		if (c.tctx)
			start_tls(&c);
		n = run(&c);
	}
	if (c.tls) {
		tls_close_notify(c.tls);	/* if not yet: best effort */
		tls_free(c.tls);
		tls_ctx_free(c.tctx);
	}
	close(c.fd);
	frame_reader_free(&c.rd);
	free(c.dgram);
	free(c.msgs);
	opt_free(&p);
	return n;
}
