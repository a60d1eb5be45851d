/* applets/bus.c - bus: the software bus. `bus daemon` runs the embedded
 * NATS broker (src/bus/broker.c); pub, sub, monitor and stat are NATS
 * clients (src/bus/client.c) for it or any nats-server: socket(2),
 * connect(2), poll(2), read(2)/write(2), getrandom(2) for the auth token.
 * See ipctool-bus(1) and https://docs.nats.io/reference/reference-protocols/nats-protocol */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bsd/stdlib.h>
#include <bsd/string.h>

#include "config.h"
#include "applet.h"
#include "die.h"
#include "frame.h"
#include "io.h"
#include "out.h"
#include "parse.h"
#include "pidfile.h"
#include "stats.h"
#include "tls.h"
#include "bus/auth.h"
#include "bus/broker.h"
#include "bus/cli.h"
#include "bus/client.h"

static int bus_main(int argc, char **argv);

enum {
	KEY_ACK = 256,
	KEY_ADDR_FILE,
	KEY_HEADERS,
	KEY_CREDS,
	KEY_JSON,
	KEY_LAME_DUCK,
	KEY_MAX_CLIENTS,
	KEY_MAX_PAYLOAD,
	KEY_MAX_PENDING,
	KEY_MAX_PINGS_OUT,
	KEY_MAX_SUBS,
	KEY_MAX_UNAUTH,
	KEY_MODE,
	KEY_NKEY,
	KEY_NKEY_USERS,
	KEY_NO_AUTH,
	KEY_PASS_FILE,
	KEY_PING_INTERVAL,
	KEY_READY_FILE,
	KEY_RECONNECT,
	KEY_STATS,
	KEY_SYNC,
	KEY_TOKEN_FILE,
	KEY_USER,
	KEY_USERS_FILE,
	KEY_TLS,
	KEY_TLS_VERIFY,
};

/* The subcommands, as bits for the .sub of the options */
enum {
	BUS_DAEMON = 1 << 0,
	BUS_MONITOR = 1 << 1,
	BUS_PUB = 1 << 2,
	BUS_STAT = 1 << 3,
	BUS_SUB = 1 << 4,
	BUS_CLIENTS = BUS_MONITOR | BUS_PUB | BUS_STAT | BUS_SUB,
};

static const struct opt_sub bus_subs[] = {
	{ .name = "daemon", .id = BUS_DAEMON },
	{ .name = "pub", .id = BUS_PUB },
	{ .name = "sub", .id = BUS_SUB },
	{ .name = "monitor", .id = BUS_MONITOR },
	{ .name = "stat", .id = BUS_STAT },
	{ .name = NULL }
};

static const struct opt bus_opts[] = {
	{ .so = '0', .lo = "null",
	    .sub = BUS_PUB | BUS_SUB,
	    .help = "messages end with NUL, not newline (pub, sub)" },
	{ .so = 'H', .lo = "header", .arg = OPT_STR, .meta = "KEY:VALUE",
	    .sub = BUS_PUB,
	    .help = "pub: send a header with each message (repeatable)" },
	{ .so = 'b', .lo = "bus", .arg = OPT_ADDR, .meta = "ADDR",
	    .sub = BUS_CLIENTS,
	    .help = "the broker, or a list A,B,... (default $IPCTOOL_BUS)" },
	{ .so = 'c', .lo = "count", .arg = OPT_INT, .meta = "N",
	    .sub = BUS_MONITOR | BUS_SUB,
	    .help = "sub, monitor: exit after N messages (0: never)" },
	{ .so = 'l', .lo = "listen", .arg = OPT_ADDR, .meta = "ADDR",
	    .sub = BUS_DAEMON,
	    .help = "daemon: listen on ADDR (repeatable)" },
	{ .so = 'q', .lo = "queue", .arg = OPT_STR, .meta = "GROUP",
	    .sub = BUS_SUB,
	    .help = "sub: one member of GROUP gets each message" },
	{ .so = 'S', .lo = "subject", .sub = BUS_SUB,
	    .help = "sub: the subject and a space before each payload" },
	{ .lo = "sync", .key = KEY_SYNC, .sub = BUS_PUB,
	    .help = "pub: wait for a receiver's ack" },
	{ .so = 't', .lo = "timeout", .arg = OPT_DURATION, .meta = "DUR",
	    .sub = BUS_CLIENTS,
	    .help = "give up after DUR (exit 75)" },
	{ .so = 'a', .lo = "ack", .key = KEY_ACK,
	    .sub = BUS_SUB,
	    .help = "sub: acknowledge messages after printing them" },
	{ .lo = "addr-file", .key = KEY_ADDR_FILE, .arg = OPT_PATH,
	    .meta = "FILE", .sub = BUS_DAEMON,
	    .help = "daemon: write the bound address to FILE" },
	{ .lo = "headers", .key = KEY_HEADERS,
	    .sub = BUS_SUB,
	    .help = "sub: print each message's headers before it" },
	{ .lo = "creds", .key = KEY_CREDS, .arg = OPT_PATH, .meta = "FILE",
	    .sub = BUS_CLIENTS,
	    .help = "a NATS creds file (user JWT and nkey seed)" },
	{ .lo = "lame-duck", .key = KEY_LAME_DUCK, .arg = OPT_DURATION,
	    .meta = "DUR", .sub = BUS_DAEMON,
	    .help = "daemon: on SIGUSR2, let clients go over DUR (2m)" },
	{ .lo = "json", .key = KEY_JSON,
	    .sub = BUS_MONITOR | BUS_PUB | BUS_STAT | BUS_SUB,
	    .help = "JSON output, an object a line (pub: --stats)" },
	{ .lo = "max-clients", .key = KEY_MAX_CLIENTS, .arg = OPT_INT,
	    .meta = "N", .sub = BUS_DAEMON,
	    .help = "daemon: clients at once (10000)" },
	{ .lo = "max-payload", .key = KEY_MAX_PAYLOAD, .arg = OPT_SIZE,
	    .meta = "SIZE", .sub = BUS_DAEMON,
	    .help = "daemon: largest message (1M)" },
	{ .lo = "max-pending", .key = KEY_MAX_PENDING, .arg = OPT_SIZE,
	    .meta = "SIZE", .sub = BUS_DAEMON,
	    .help = "daemon: output queued per client (64M)" },
	{ .lo = "max-pings-out", .key = KEY_MAX_PINGS_OUT, .arg = OPT_INT,
	    .meta = "N", .sub = BUS_DAEMON,
	    .help = "daemon: unanswered PINGs before a drop (2)" },
	{ .lo = "max-subs", .key = KEY_MAX_SUBS, .arg = OPT_INT, .meta = "N",
	    .sub = BUS_DAEMON,
	    .help = "daemon: subscriptions per client (no limit)" },
	{ .lo = "max-unauth", .key = KEY_MAX_UNAUTH, .arg = OPT_INT,
	    .meta = "N", .sub = BUS_DAEMON,
	    .help = "daemon: clients yet to authenticate (256)" },
	{ .so = 'm', .lo = "mode", .key = KEY_MODE, .arg = OPT_MODE, .meta = "MODE",
	    .sub = BUS_DAEMON,
	    .help = "daemon: permissions of UNIX sockets (0600)" },
	{ .lo = "nkey", .key = KEY_NKEY, .arg = OPT_PATH, .meta = "FILE",
	    .sub = BUS_CLIENTS,
	    .help = "sign in with the user nkey seed in FILE" },
	{ .lo = "nkey-users", .key = KEY_NKEY_USERS, .arg = OPT_PATH,
	    .meta = "FILE", .sub = BUS_DAEMON,
	    .help = "daemon: nkey users, a public key a line" },
	{ .lo = "no-auth", .key = KEY_NO_AUTH,
	    .sub = BUS_DAEMON,
	    .help = "daemon: TCP listeners without a token" },
	{ .lo = "ping-interval", .key = KEY_PING_INTERVAL,
	    .arg = OPT_DURATION, .meta = "DUR",
	    .sub = BUS_DAEMON,
	    .help = "daemon: PING clients silent for DUR (2m, 0 never)" },
	{ .lo = "pass-file", .key = KEY_PASS_FILE, .arg = OPT_PATH,
	    .meta = "FILE", .sub = BUS_DAEMON,
	    .help = "daemon: the password of --user" },
	{ .lo = "ready-file", .key = KEY_READY_FILE, .arg = OPT_PATH,
	    .meta = "FILE", .sub = BUS_MONITOR | BUS_SUB,
	    .help = "sub, monitor: create FILE once subscribed" },
	{ .lo = "reconnect", .key = KEY_RECONNECT,
	    .sub = BUS_MONITOR | BUS_SUB,
	    .help = "sub, monitor: when the broker goes, wait for it back" },
	{ .lo = "stats", .key = KEY_STATS, .sub = BUS_PUB,
	    .help = "pub --sync: round-trip summary on stderr at exit" },
	{ .lo = "insecure", .key = KEY_TLS, .sub = BUS_CLIENTS,
	    .help = "TLS: do not verify the broker's certificate" },
	{ .lo = "tls-ca", .key = KEY_TLS, .arg = OPT_PATH, .meta = "FILE",
	    .sub = BUS_CLIENTS | BUS_DAEMON,
	    .help = "TLS: verify the peer against the CAs in FILE" },
	{ .lo = "tls-cert", .key = KEY_TLS, .arg = OPT_PATH, .meta = "FILE",
	    .sub = BUS_CLIENTS | BUS_DAEMON,
	    .help = "TLS: our certificate (daemon: else a throwaway one)" },
	{ .lo = "tls-key", .key = KEY_TLS, .arg = OPT_PATH, .meta = "FILE",
	    .sub = BUS_CLIENTS | BUS_DAEMON,
	    .help = "TLS: the private key of --tls-cert" },
	{ .lo = "tls-verify-client", .key = KEY_TLS_VERIFY,
	    .sub = BUS_DAEMON,
	    .help = "daemon: require client certificates (--tls-ca)" },
	{ .lo = "token-file", .key = KEY_TOKEN_FILE, .arg = OPT_PATH,
	    .meta = "FILE", .sub = BUS_DAEMON,
	    .help = "daemon: the TCP auth token's file" },
	{ .lo = "user", .key = KEY_USER, .arg = OPT_STR, .meta = "NAME",
	    .sub = BUS_DAEMON,
	    .help = "daemon: a user (password from --pass-file)" },
	{ .lo = "users-file", .key = KEY_USERS_FILE, .arg = OPT_PATH,
	    .meta = "FILE", .sub = BUS_DAEMON,
	    .help = "daemon: users, NAME:PASSWORD a line" },
	OPT_END
};

const struct applet applet_bus = {
	.name = "bus",
	.brief = "a software bus: embedded NATS broker and its clients",
	.usage = "bus daemon [-l ADDR]... [--addr-file FILE] [--no-auth]\n"
	    "bus daemon [--user NAME --pass-file FILE]... [--nkey-users FILE]\n"
	    "bus daemon -l tls:HOST:PORT [--tls-cert FILE] [--tls-ca FILE]\n"
	    "bus pub [-0] [--sync] [-b ADDR] [-t DUR] [-H K:V]... SUBJECT...\n"
	    "bus pub --sync --stats [--json] [OPTIONS] SUBJECT...\n"
	    "bus sub [-0S] [-b ADDR] [-q GROUP] [-c N] [-t DUR] SUBJECT...\n"
	    "bus monitor [-b ADDR] [-c N] [-t DUR] [--json] [SUBJECT...]\n"
	    "bus stat [-b ADDR] [-t DUR] [--json]",
	.subcmds = bus_subs,
	.opts = bus_opts,
	.main = bus_main,
};

#define BUS_MAX_USERS		16	/* --user options */

/* Everything the options say */
static struct {
	const char *bus;
	bool null, sync, ack, json, no_auth, reconnect, subject, headers;
	bool stats;
	char hdr[4096];			/* pub -H: the header block */
	size_t hlen;			/* 0: no headers */
	long long count;
	const char *queue;
	int64_t timeout;		/* ms, -1 none */
	struct broker_config cfg;
	const char *token_file;
	const char *users_file, *nkey_users;
	const char *user[BUS_MAX_USERS], *pass_file[BUS_MAX_USERS];
	int nusers, npass;
	const char *ready_file;
	struct tls_opts topts;		/* daemon: of its tls: listeners */
	bool tls_opt;			/* a TLS option was given */
} o = { .timeout = TIMEOUT_UNSET, .count = 0 };

/* pub */

struct pub_state {
	uint64_t want;		/* reply id awaited, 0 none */
	int status;		/* 1 acked, 503 no responders */
	struct stats *stats;	/* --stats, or NULL */
};

/* on_pub_reply: note the ack (or no-responders) of the awaited message */
static void
on_pub_reply(struct bus_client *c, const struct bus_msg *m, void *arg)
{
	struct pub_state *st = arg;
	uint64_t id;

	if (!bus_reply_id(c, m, &id) || id != st->want)
		return;
	st->status = m->status == 503 ? 503 : 1;
}

/* pub_one: publish one message; with --sync wait for its ack (exits 69
 * without one, 75 at the deadline) */
static void
pub_one(struct bus_client *c, struct pub_state *st, const char *subject,
    const char *msg, size_t len, int64_t dl)
{
	char reply[BUS_INBOX_MAX + 24], dur[32];
	uint64_t id = 0, t0 = st->stats ? stats_now() : 0;

	if (o.sync && bus_new_reply(c, reply, sizeof(reply), &id) == -1)
		bus_cli_fail(c, errno, "subscribe to the inbox");
	if (bus_pub(c, subject, o.sync ? reply : NULL, o.hlen ? o.hdr : NULL,
	    o.hlen, msg, len) == -1) {
		if (errno == EMSGSIZE)
			errx(EXIT_FAIL, "publish to %s: message of %zu bytes "
			    "is larger than the broker's max_payload %llu",
			    subject, len,
			    (unsigned long long)c->info.max_payload);
		if (errno == EINVAL)
			usage_error("invalid subject '%s'", subject);
		bus_cli_fail(c, errno, "publish");
	}
	if (!o.sync)
		return;
	if (st->stats)
		stats_sent(st->stats);
	st->want = id;
	st->status = 0;
	while (st->status == 0) {
		int rc = bus_process(c, dl);

		if (rc == -1)
			bus_cli_fail(c, errno, "wait for the ack");
		if (rc == 0)
			errx(EX_TEMPFAIL, "publish to %s: no ack within %s",
			    subject, duration_format(o.timeout, dur,
			    sizeof(dur)));
	}
	if (st->status == 503)
		errx(EX_UNAVAILABLE, "publish to %s: no subscriber "
		    "acknowledged it (no responders)", subject);
	if (st->stats)
		stats_add(st->stats, stats_now() - t0);
}

/* pub_stdin: publish each line (or NUL-ended message) of stdin, answering
 * the broker's PINGs while stdin is quiet */
static void
pub_stdin(struct bus_client *c, struct pub_state *st, const char *subject,
    int64_t dl)
{
	struct frame_reader r;
	char *msg;
	size_t len;
	int rc;

	if (frame_reader_init(&r, 0, o.null ? FRAME_NUL : FRAME_LINE,
	    c->info.max_payload) == -1)
		err(EXIT_FAIL, "allocate");
	for (;;) {
		while ((rc = frame_next(&r, &msg, &len)) == 1)
			pub_one(c, st, subject, msg, len, dl);
		if (rc == -1)
			errx(EXIT_FAIL, "read stdin: message longer than the "
			    "broker's max_payload %llu",
			    (unsigned long long)c->info.max_payload);
		if (r.eof)
			break;
		if (bus_send(c) == -1)
			bus_cli_fail(c, errno, "publish");
		struct pollfd pf[2] = { { 0, POLLIN, 0 }, { c->fd, POLLIN, 0 } };
		if (poll(pf, 2, -1) == -1 && errno != EINTR)
			err(EXIT_FAIL, "poll");
		if (pf[1].revents && bus_process(c, io_now_ms()) == -1)
			bus_cli_fail(c, errno, "read from the broker");
		if (pf[0].revents && frame_fill(&r) == -1 && errno != EAGAIN)
			err(EXIT_FAIL, "read stdin");
	}
	frame_reader_free(&r);
}

static int
cmd_pub(struct opt_parser *p)
{
	struct bus_client c;
	static struct stats rec;
	struct pub_state st = { 0, 0, NULL };
	char **rest;
	int n;
	int64_t dl;

	rest = opt_rest(p, &n);
	if (n < 1)
		usage_error("bus pub needs a SUBJECT");
	bus_cli_check_subject(rest[0], false);
	if (o.stats && !o.sync)
		usage_error("--stats needs --sync: only acknowledged messages "
		    "have a round trip");
	if (o.json && !o.stats)
		usage_error("pub --json needs --stats");
	/* --timeout bounds the whole run, connecting included; the wait
	 * for acknowledgements ends by default */
	if (o.sync && o.timeout == TIMEOUT_UNSET)
		o.timeout = TIMEOUT_SYNC_MS;
	dl = io_deadline(o.timeout);
	bus_cli_connect(&c, o.bus, "ipctool bus pub", o.timeout);
	c.on_msg = on_pub_reply;
	c.on_msg_arg = &st;
	if (o.stats) {
		stats_init(&rec, "ipctool bus pub", "acknowledged", o.json);
		stats_arm(&rec);
		st.stats = &rec;
	}
	if (n > 1) {
		for (int i = 1; i < n; i++)
			pub_one(&c, &st, rest[0], rest[i], strlen(rest[i]), dl);
	} else {
		pub_stdin(&c, &st, rest[0], dl);
	}
	/* async: the PONG says the broker has taken every message */
	if (bus_flush(&c, dl) == -1)
		bus_cli_fail(&c, errno, "flush");
	bus_close(&c);
	return 0;
}

/* sub and monitor */

struct sub_state {
	long long seen;
	bool monitor;
};

/* add_header: -H KEY:VALUE into the header block (built once, sent with
 * every message); a usage error for a bad one */
static void
add_header(const char *kv)
{
	const char *colon = strchr(kv, ':'), *v;
	char key[256];
	size_t klen, n;

	if (colon == NULL || colon == kv)
		usage_error("-H '%s': give KEY:VALUE", kv);
	klen = (size_t)(colon - kv);
	if (klen >= sizeof(key) || strcspn(kv, " \t\r\n") < klen)
		usage_error("-H '%s': a header name has no spaces", kv);
	if (strpbrk(colon, "\r\n"))
		usage_error("-H '%s': a header is one line", kv);
	memcpy(key, kv, klen);
	key[klen] = '\0';
	for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
		;
	if (o.hlen == 0)
		o.hlen = proto_hdr_start(o.hdr, sizeof(o.hdr), 0, NULL);
	else
		o.hlen -= 2;	/* reopen the block: drop its final CRLF */
	n = proto_hdr_add(o.hdr, sizeof(o.hdr), o.hlen, key, v);
	if (n + 2 >= sizeof(o.hdr))
		usage_error("-H: the headers take more than %zu bytes",
		    sizeof(o.hdr) - 3);
	o.hlen = proto_hdr_end(o.hdr, sizeof(o.hdr), n);
}

/* next_header: the next "Name: value" line of a header block after the
 * NATS/1.0 line, from *pos on; false at the end */
static bool
next_header(struct proto_str hdr, size_t *pos, struct proto_str *line)
{
	const char *p, *nl;

	if (hdr.len == 0)	/* no headers (hdr.p may be NULL) */
		return false;
	if (*pos == 0) {	/* skip the NATS/1.0 line */
		nl = memchr(hdr.p, '\n', hdr.len);
		*pos = nl ? (size_t)(nl - hdr.p) + 1 : hdr.len;
	}
	if (*pos >= hdr.len)
		return false;
	p = hdr.p + *pos;
	nl = memchr(p, '\n', hdr.len - *pos);
	line->p = p;
	line->len = nl ? (size_t)(nl - p) : hdr.len - *pos;
	*pos += line->len + (nl != NULL);
	if (line->len > 0 && p[line->len - 1] == '\r')
		line->len--;
	return line->len > 0;
}

/* print_msg: one received message on stdout as the options say */
static void
print_msg(const struct bus_msg *m, bool monitor)
{
	struct proto_str h;
	size_t pos = 0;

	if (o.json) {
		struct json j;

		json_begin(&j);
		json_strn(&j, "subject", m->subject.p, m->subject.len);
		json_strn(&j, "data", m->data.p, m->data.len);
		if (m->reply.len)
			json_strn(&j, "reply", m->reply.p, m->reply.len);
		else
			json_null(&j, "reply");
		if (m->status)
			json_int(&j, "status", m->status);
		if (o.headers && m->hdr.len) {
			json_obj(&j, "headers");
			while (next_header(m->hdr, &pos, &h)) {
				const char *c = memchr(h.p, ':', h.len);
				size_t kl = c ? (size_t)(c - h.p) : h.len;
				char key[256];

				if (kl >= sizeof(key))
					continue;
				memcpy(key, h.p, kl);
				key[kl] = '\0';
				for (c = c ? c + 1 : h.p + h.len;
				    c < h.p + h.len && *c == ' '; c++)
					;
				json_strn(&j, key, c,
				    (size_t)(h.p + h.len - c));
			}
			json_obj_end(&j);
		}
		if (json_print(&j, stdout) == -1)
			die_stdout();
		return;
	}
	/* --headers: a "Name: value" line each, before the payload */
	if (!monitor && o.headers)
		while (next_header(m->hdr, &pos, &h))
			printf("%.*s\n", (int)h.len, h.p);
	if (monitor) {
		printf("%.*s", (int)m->subject.len, m->subject.p);
		if (m->reply.len)
			printf(" reply=%.*s", (int)m->reply.len, m->reply.p);
		if (m->status)
			printf(" status=%d", m->status);
		printf(" %zu: ", m->data.len);
	} else if (o.subject) {
		printf("%.*s ", (int)m->subject.len, m->subject.p);
	}
	fwrite(m->data.p, 1, m->data.len, stdout);
	putchar(o.null && !monitor ? '\0' : '\n');
}

/* on_sub_msg: print, then acknowledge when asked */
static void
on_sub_msg(struct bus_client *c, const struct bus_msg *m, void *arg)
{
	struct sub_state *st = arg;

	if (o.count > 0 && st->seen >= o.count)
		return;
	st->seen++;
	print_msg(m, st->monitor);
	if (o.ack && m->reply.len > 0) {
		char reply[PROTO_MAX_CONTROL];

		if (fflush(stdout) == EOF)
			return;
		if (m->reply.len >= sizeof(reply))
			return;
		memcpy(reply, m->reply.p, m->reply.len);
		reply[m->reply.len] = '\0';
		(void)bus_pub(c, reply, NULL, NULL, 0, "", 0);
	}
}

/* write_ready: create the --ready-file (an existing one is an error) */
static void
write_ready(void)
{
	if (o.ready_file && (pidfile_remove_on_signals() == -1 ||
	    pidfile_ready(o.ready_file) == -1))
		err(EXIT_FAIL, "create %s", o.ready_file);
}

/* subscribe_all: subscribe to every subject and wait for the broker to
 * confirm; 0, or -1 with errno (exits on a bad subject) */
static int
subscribe_all(struct bus_client *c, char **subjects, int n, int64_t dl)
{
	for (int i = 0; i < n; i++)
		if (bus_sub(c, subjects[i], o.queue) == 0) {
			if (errno == EINVAL)
				usage_error("invalid subject '%s'%s%s%s",
				    subjects[i], o.queue ? " or queue '" : "",
				    o.queue ? o.queue : "", o.queue ? "'" : "");
			return -1;
		}
	return bus_flush(c, dl);
}

/* redial: after the connection failed with errno e, connect again with
 * backoff until dl (exit 75 past it) and subscribe again; exits on errors
 * that waiting cannot cure */
static void
redial(struct bus_client *c, int e, char **subjects, int n, int64_t dl,
    const char *cmd)
{
	void *arg = c->on_msg_arg;
	bus_msg_fn fn = c->on_msg;

	warnx("%s: lost the broker at %s (%s): reconnecting", cmd, bus_cli_addr,
	    bus_strerror(c, e));
	bus_close(c);
	for (unsigned attempt = 1;; attempt++) {
		int64_t wait = bus_backoff_ms(attempt), now = io_now_ms();
		int64_t cdl = now + wait + BUS_CONNECT_TIMEOUT;

		if (dl >= 0 && now + wait >= dl)
			errx(EX_TEMPFAIL, "%s: the broker at %s was not back "
			    "within the timeout", cmd, bus_cli_list());
		(void)poll(NULL, 0, (int)wait);
		if (dl >= 0 && cdl > dl)
			cdl = dl;
		if (bus_cli_reconnect(c, cmd, cdl) == -1) {
			if (!bus_retryable(errno))
				bus_cli_fail(c, errno, "reconnect");
			continue;
		}
		c->on_msg = fn;
		c->on_msg_arg = arg;
		if (subscribe_all(c, subjects, n, cdl) == 0)
			break;
		bus_close(c);
	}
	warnx("%s: reconnected to %s", cmd, bus_cli_addr);
}

/* listen_loop: subscribe to subjects and print until count or deadline */
static int
listen_loop(char **subjects, int n, bool monitor)
{
	struct bus_client c;
	struct sub_state st = { 0, monitor };
	const char *cmd = monitor ? "monitor" : "sub";
	char what[sizeof(bus_cli_addr) + 48];
	int64_t dl;
	static char *all[] = { ">", NULL };

	if (n == 0) {
		subjects = all;
		n = 1;
	}
	bus_cli_connect(&c, o.bus, monitor ? "ipctool bus monitor" :
	    "ipctool bus sub", o.timeout);
	c.on_msg = on_sub_msg;
	c.on_msg_arg = &st;
	dl = io_deadline(o.timeout);
	if (subscribe_all(&c, subjects, n, dl) == -1)
		bus_cli_fail(&c, errno, "subscribe");
	write_ready();
	while (o.count == 0 || st.seen < o.count) {
		int rc = bus_process(&c, dl);

		if (fflush(stdout) == EOF && errno == EPIPE)
			break;
		if (rc == -1 && o.reconnect) {
			redial(&c, errno, subjects, n, dl, cmd);
			continue;
		}
		if (rc == -1) {
			snprintf(what, sizeof(what), "%s: lost the broker at %s",
			    cmd, bus_cli_addr);
			bus_cli_fail(&c, errno, what);
		}
		if (rc == 0 && o.count > 0)
			errx(EX_TEMPFAIL, "%s: timed out after %lld of %lld "
			    "messages", cmd, st.seen, o.count);
		if (rc == 0)
			errx(EX_TEMPFAIL, "%s: timed out after %lld messages",
			    cmd, st.seen);
	}
	/* acks queued by the last callback */
	(void)bus_send(&c);
	bus_close(&c);
	return 0;
}

static int
cmd_sub(struct opt_parser *p)
{
	char **rest;
	int n;

	rest = opt_rest(p, &n);
	if (n < 1)
		usage_error("bus sub needs a SUBJECT");
	for (int i = 0; i < n; i++)
		bus_cli_check_subject(rest[i], true);
	return listen_loop(rest, n, false);
}

static int
cmd_monitor(struct opt_parser *p)
{
	char **rest;
	int n;

	rest = opt_rest(p, &n);
	for (int i = 0; i < n; i++)
		bus_cli_check_subject(rest[i], true);
	return listen_loop(rest, n, true);
}

/* stat */

struct stat_state {
	uint64_t want;
	int status;
	char *data;
	size_t len;
};

/* on_stat_reply: keep the broker's answer */
static void
on_stat_reply(struct bus_client *c, const struct bus_msg *m, void *arg)
{
	struct stat_state *st = arg;
	uint64_t id;

	if (!bus_reply_id(c, m, &id) || id != st->want || st->status)
		return;
	st->status = m->status ? m->status : 200;
	if ((st->data = malloc(m->data.len + 1)) == NULL)
		err(EXIT_FAIL, "allocate");
	memcpy(st->data, m->data.p, m->data.len);
	st->data[m->data.len] = '\0';
	st->len = m->data.len;
}

/* json_end_of: the end of the JSON value starting at p (strings, nesting),
 * or NULL when it is cut short */
static const char *
json_end_of(const char *p, const char *end)
{
	int depth = 0;

	for (; p < end; p++) {
		if (*p == '"') {
			for (p++; p < end && *p != '"'; p++)
				if (*p == '\\')
					p++;
			if (p >= end)
				return NULL;
			if (depth == 0)
				return p + 1;
		} else if (*p == '{' || *p == '[') {
			depth++;
		} else if (*p == '}' || *p == ']') {
			if (--depth <= 0)
				return p + 1;
		} else if (depth == 0 && (*p == ',' || *p == ' ')) {
			return p;
		}
	}
	return depth == 0 ? p : NULL;
}

static void print_value(const char *p, size_t len, int indent);

/* print_scalar: a JSON scalar as text (strings unescaped) */
static void
print_scalar(const char *p, size_t len)
{
	if (len >= 2 && p[0] == '"') {
		char buf[1024];
		ssize_t n = proto_json_unescape((struct proto_str){ p + 1,
		    len - 2 }, buf, sizeof(buf));

		if (n >= 0 && (size_t)n < sizeof(buf)) {
			fwrite(buf, 1, (size_t)n, stdout);
			return;
		}
	}
	fwrite(p, 1, len, stdout);
}

/* print_inline: the members of an object as "key=value" words on one
 * line (values with blanks quoted) */
static void
print_inline(const char *p, size_t len)
{
	struct proto_json_iter it;
	struct proto_str k, v;
	enum proto_json_type t;
	bool first = true;

	proto_json_begin(&it, p, len);
	while (proto_json_next(&it, &k, &v, &t) == 1) {
		bool str = t == PROTO_JSON_STRING;
		bool q = str && memchr(v.p, ' ', v.len) != NULL;

		printf("%s%.*s=%s", first ? "" : " ", (int)k.len, k.p,
		    q ? "\"" : "");
		if (str)
			print_scalar(v.p - 1, v.len + 2);
		else
			fwrite(v.p, 1, v.len, stdout);
		if (q)
			putchar('"');
		first = false;
	}
	putchar('\n');
}

/* print_array: each element on a line of its own, "- " first (objects as
 * key=value words) */
static void
print_array(const char *p, size_t len, int indent)
{
	const char *end = p + len - 1, *q = p + 1, *e;

	for (;;) {
		while (q < end && strchr(" \t\r\n,", *q))
			q++;
		if (q >= end || (e = json_end_of(q, end)) == NULL)
			break;
		printf("%*s- ", indent, "");
		if (*q == '{') {
			print_inline(q, (size_t)(e - q));
		} else if (*q == '[') {
			putchar('\n');
			print_value(q, (size_t)(e - q), indent + 2);
		} else {
			print_scalar(q, (size_t)(e - q));
			putchar('\n');
		}
		q = e;
	}
}

/* print_value: an object as "key: value" lines, indented */
static void
print_value(const char *p, size_t len, int indent)
{
	struct proto_json_iter it;
	struct proto_str k, v;
	enum proto_json_type t;

	if (len > 0 && p[0] == '[') {
		print_array(p, len, indent);
		return;
	}
	proto_json_begin(&it, p, len);
	while (proto_json_next(&it, &k, &v, &t) == 1) {
		printf("%*s%.*s:", indent, "", (int)k.len, k.p);
		if (t == PROTO_JSON_OBJECT || t == PROTO_JSON_ARRAY) {
			putchar('\n');
			print_value(v.p, v.len, indent + 2);
			continue;
		}
		putchar(' ');
		if (t == PROTO_JSON_STRING)
			print_scalar(v.p - 1, v.len + 2);
		else
			fwrite(v.p, 1, v.len, stdout);
		putchar('\n');
	}
}

static int
cmd_stat(struct opt_parser *p)
{
	struct bus_client c;
	struct stat_state st = { 0, 0, NULL, 0 };
	char reply[BUS_INBOX_MAX + 24];
	int n;
	int64_t dl;

	opt_rest(p, &n);
	if (n > 0)
		usage_error("bus stat takes no operands");
	if (o.timeout == TIMEOUT_UNSET)
		o.timeout = TIMEOUT_SYNC_MS;
	bus_cli_connect(&c, o.bus, "ipctool bus stat", o.timeout);
	c.on_msg = on_stat_reply;
	c.on_msg_arg = &st;
	dl = io_deadline(o.timeout);
	if (bus_new_reply(&c, reply, sizeof(reply), &st.want) == -1 ||
	    bus_pub(&c, BUS_STAT_SUBJECT, reply, NULL, 0, "", 0) == -1)
		bus_cli_fail(&c, errno, "ask for the statistics");
	while (st.status == 0) {
		int rc = bus_process(&c, dl);

		if (rc == -1)
			bus_cli_fail(&c, errno, "ask for the statistics");
		if (rc == 0)
			errx(EX_TEMPFAIL, "stat: no answer within the timeout");
	}
	if (st.status == 503)
		errx(EX_UNAVAILABLE, "stat is not supported by this broker "
		    "(version %s): only ipctool bus daemon answers %s",
		    c.info.version, BUS_STAT_SUBJECT);
	if (o.json) {
		fwrite(st.data, 1, st.len, stdout);
		putchar('\n');
	} else {
		print_value(st.data, st.len, 0);
	}
	free(st.data);
	bus_close(&c);
	return 0;
}

/* daemon */

/* daemon_log: the broker's log lines on stderr; without -v the routine
 * ones (a client connected, said hello, went away) are left out */
static void
daemon_log(void *arg, const char *line)
{
	size_t n = strlen(line);

	if (!out_trace_on && ((n >= 11 && strcmp(line + n - 11,
	    ": connected") == 0) || strstr(line,
	    ": connected (token required)") != NULL || (n >= 14 && strcmp(line + n - 14,
	    ": disconnected") == 0) || strstr(line, ": connect name ") != NULL ||
	    strstr(line, ": TLS handshake: ") != NULL))
		return;
	fprintf(stderr, "%s: %s\n", getprogname(), line);
}

/* token_error: why a token file was refused */
static const char *
token_error(int e)
{
	switch (e) {
	case EPERM:
		return "not a regular file of yours, or readable by others";
	case EINVAL:
		return "empty, or holds blanks, quotes or backslashes";
	case EFBIG:
		return "the token is too long";
	default:
		return strerror(e);
	}
}

/* daemon_reload: SIGHUP: every credentials file again (the set in force
 * stays when one is no longer usable); 0, or -1 with why */
static int
daemon_reload(void *arg, char *why, size_t len)
{
	return auth_load(arg, why, len);
}

/* daemon_auth: the credentials clients that must authenticate need: the
 * token (--token-file, or the default file, made if missing, when no
 * users are given and a listener is TCP), users and nkey users; exits
 * when a file cannot be used */
static struct auth *
daemon_auth(bool tcp)
{
	static char token[BROKER_TOKEN_MAX];
	char tpath[ADDR_PATH_MAX + 1], why[AUTH_WHY_MAX];
	const char *path = o.token_file;
	struct auth *a = auth_new();
	bool users = o.nusers > 0 || o.users_file != NULL ||
	    o.nkey_users != NULL;

	if (a == NULL)
		err(EXIT_FAIL, "authentication");
	if (path == NULL && tcp && !users) {
		if (bus_default_token_path(tpath, sizeof(tpath)) == NULL)
			errx(EXIT_FAIL, "the token path is too long");
		if (broker_prepare_dir(tpath) == -1)
			err(EXIT_FAIL, "prepare the directory of %s", tpath);
		path = tpath;
	}
	/* made when missing, and its format checked, as before */
	if (path != NULL && broker_token_load(path, true, token,
	    sizeof(token)) == -1)
		errx(EXIT_FAIL, "token file %s: %s", path, token_error(errno));
	explicit_bzero(token, sizeof(token));
	if ((path != NULL && auth_set_token_file(a, path) == -1) ||
	    (o.users_file != NULL && auth_set_users_file(a,
	    o.users_file) == -1) ||
	    (o.nkey_users != NULL && auth_set_nkey_file(a,
	    o.nkey_users) == -1))
		err(EXIT_FAIL, "authentication");
	for (int i = 0; i < o.nusers; i++)
		if (auth_add_user(a, o.user[i], o.pass_file[i]) == -1)
			err(EXIT_FAIL, "authentication");
	if (auth_load(a, why, sizeof(why)) == -1)
		errx(EXIT_FAIL, "%s", why);
	return a;
}

static int
cmd_daemon(struct opt_parser *p)
{
	char def[ADDR_STR_MAX + 8];
	char dpath[ADDR_PATH_MAX + 1];
	struct broker_config *cfg = &o.cfg;
	bool tcp = false, tls = false, users;
	const char *errstr;
	int n, sig;

	opt_rest(p, &n);
	if (n > 0)
		usage_error("bus daemon takes no operands (use --listen)");
	if (cfg->nlisten == 0) {
		const char *a = bus_default_addr(def, sizeof(def));

		if (a == NULL || addr_parse(&cfg->listen[0], a, &errstr) == -1)
			errx(EXIT_FAIL, "bad default bus address '%s'",
			    a ? a : "?");
		cfg->nlisten = 1;
	}
	for (int i = 0; i < cfg->nlisten; i++) {
		const struct addr *a = &cfg->listen[i];

		if (a->type == ADDR_TLS || a->tls)
			tls = true;
		if (a->type == ADDR_TCP || a->type == ADDR_NATS ||
		    a->type == ADDR_TLS)
			tcp = true;
		else if (a->type != ADDR_UNIX)
			usage_error("the bus listens on unix:, tcp: or tls: "
			    "addresses only");
		/* the default socket's directory is ours to make (0700) */
		if (a->type == ADDR_UNIX && !a->abstract &&
		    broker_default_path(dpath, sizeof(dpath)) != NULL &&
		    strcmp(dpath, a->path) == 0 &&
		    broker_prepare_dir(a->path) == -1)
			err(EXIT_FAIL, "prepare the directory of %s", a->path);
	}
	users = o.nusers > 0 || o.users_file != NULL || o.nkey_users != NULL;
	if (o.no_auth && (o.token_file || users))
		usage_error("--no-auth excludes --token-file, --user, "
		    "--users-file and --nkey-users");
	if (o.nusers != o.npass)
		usage_error("each --user needs its --pass-file");
	if (users || (tcp && !o.no_auth)) {
		cfg->auth = daemon_auth(tcp);
		cfg->reload = daemon_reload;
		cfg->reload_arg = cfg->auth;
	}
	if (o.tls_opt && !tls)
		usage_error("the TLS options need a tls: --listen address");
	if (o.topts.verify && o.topts.ca == NULL)
		usage_error("--tls-verify-client needs --tls-ca");
	if (tls) {
		char e[TLS_ERR_MAX];

		if ((cfg->tls = tls_ctx_new(true, &o.topts, e,
		    sizeof(e))) == NULL)
			errx(EXIT_FAIL, "%s", e);
		cfg->tls_verify = o.topts.verify;
		if (tls_ctx_generated(cfg->tls))
			fprintf(stderr, "%s: no --tls-cert: a throwaway "
			    "self-signed certificate, SHA-256 fingerprint "
			    "%s\n", getprogname(),
			    tls_ctx_fingerprint(cfg->tls));
	}
	cfg->no_auth = o.no_auth;
	cfg->log = daemon_log;
	cfg->trace = out_trace_on;
	if ((sig = broker_run(cfg)) < 0) {
		char buf[ADDR_STR_MAX];

		if (sig == BROKER_ADDR_FILE_FAILED)
			err(EXIT_FAIL, "write %s", cfg->addr_file);
		if (errno == EADDRINUSE)
			errx(EX_UNAVAILABLE, "listen: a broker is already "
			    "running there");
		err(EXIT_FAIL, "listen on %s",
		    addr_format(&cfg->listen[0], buf, sizeof(buf)));
	}
	/* stopped by SIGTERM or SIGINT: 128+N, as a shell reports it; the
	 * end of lame duck mode is a planned exit: 0 */
	return sig > 0 ? 128 + sig : 0;
}

static int
bus_main(int argc, char **argv)
{
	const struct opt_sub *s;
	struct opt_parser p;
	const char *errstr;
	int k, rc;

	s = opt_init_sub(&p, &applet_bus, argc, argv);
	while ((k = opt_next(&p)) != -1) {
		switch (k) {
		case '0': o.null = true; break;
		case 'b': o.bus = p.arg; break;
		case 'c': o.count = opt_int(&p, 0, LLONG_MAX); break;
		case 'l':
			if (o.cfg.nlisten == BROKER_MAX_LISTENERS)
				usage_error("at most %d --listen addresses",
				    BROKER_MAX_LISTENERS);
			if (addr_parse(&o.cfg.listen[o.cfg.nlisten], p.arg,
			    &errstr) == -1)
				usage_error("bad address '%s': %s", p.arg,
				    errstr);
			o.cfg.nlisten++;
			break;
		case 'q': o.queue = p.arg; break;
		case KEY_STATS: o.stats = true; break;
		case KEY_SYNC: o.sync = true; break;
		case 'H': add_header(p.arg); break;
		case KEY_HEADERS: o.headers = true; break;
		case 'S': o.subject = true; break;
		case 't': o.timeout = opt_timeout(&p); break;
		case KEY_ACK: o.ack = true; break;
		case KEY_ADDR_FILE: o.cfg.addr_file = p.arg; break;
		case KEY_JSON: o.json = true; break;
		case KEY_LAME_DUCK: {
			int64_t ms = opt_duration(&p);

			if (ms < 1 || ms > INT_MAX)
				usage_error("--lame-duck must be 1ms to 24d");
			o.cfg.lame_duck_ms = (int)ms;
			break;
		}
		case KEY_MAX_CLIENTS:
			o.cfg.max_clients = (int)opt_int(&p, 1, 1000000);
			break;
		case KEY_MAX_PAYLOAD:
			o.cfg.max_payload = opt_size(&p);
			if (o.cfg.max_payload == 0 ||
			    o.cfg.max_payload > 64 * 1024 * 1024)
				usage_error("--max-payload must be 1 to 64M");
			break;
		case KEY_MAX_PENDING: o.cfg.max_pending = opt_size(&p); break;
		case KEY_MAX_PINGS_OUT:
			o.cfg.max_pings_out = (int)opt_int(&p, 1, 1000);
			break;
		case KEY_PING_INTERVAL: {
			int64_t ms = opt_duration(&p);

			if (ms > INT_MAX)
				usage_error("--ping-interval is too long");
			o.cfg.ping_interval_ms = ms == 0 ? -1 : (int)ms;
			break;
		}
		case KEY_MAX_SUBS:
			o.cfg.max_subs = (int)opt_int(&p, 1, 1000000);
			break;
		case KEY_MAX_UNAUTH:
			o.cfg.max_unauth = (int)opt_int(&p, 1, 1000000);
			break;
		case KEY_MODE: o.cfg.unix_mode = opt_mode(&p); break;
		case KEY_NO_AUTH: o.no_auth = true; break;
		case KEY_READY_FILE: o.ready_file = p.arg; break;
		case KEY_RECONNECT: o.reconnect = true; break;
		case KEY_TOKEN_FILE: o.token_file = p.arg; break;
		case KEY_TLS:
			if (s->id != BUS_DAEMON) {
				bus_cli_tls(p.cur->lo, p.arg);
				break;
			}
			o.tls_opt = true;
			if (strcmp(p.cur->lo, "tls-ca") == 0)
				o.topts.ca = p.arg;
			else if (strcmp(p.cur->lo, "tls-cert") == 0)
				o.topts.cert = p.arg;
			else
				o.topts.key = p.arg;
			break;
		case KEY_TLS_VERIFY:
			o.tls_opt = true;
			o.topts.verify = true;
			break;
		case KEY_CREDS: bus_creds_file = p.arg; break;
		case KEY_NKEY: bus_nkey_file = p.arg; break;
		case KEY_NKEY_USERS: o.nkey_users = p.arg; break;
		case KEY_USERS_FILE: o.users_file = p.arg; break;
		case KEY_USER:
			if (o.nusers == BUS_MAX_USERS)
				usage_error("at most %d --user options",
				    BUS_MAX_USERS);
			if (o.nusers > o.npass)
				usage_error("--user %s needs its --pass-file "
				    "first", o.user[o.nusers - 1]);
			o.user[o.nusers++] = p.arg;
			break;
		case KEY_PASS_FILE:
			if (o.npass >= o.nusers)
				usage_error("--pass-file needs a --user before "
				    "it");
			o.pass_file[o.npass++] = p.arg;
			break;
		}
	}
	switch (s->id) {
	case BUS_DAEMON: rc = cmd_daemon(&p); break;
	case BUS_MONITOR: rc = cmd_monitor(&p); break;
	case BUS_PUB: rc = cmd_pub(&p); break;
	case BUS_STAT: rc = cmd_stat(&p); break;
	default: rc = cmd_sub(&p); break;
	}
	opt_free(&p);
	return rc;
}
