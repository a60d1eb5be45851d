/* client.c - the NATS client of every bus applet: socket(2)/connect(2)
 * through sock.c, poll(2) with deadlines, read(2)/write(2) of the text
 * protocol parsed and written by proto.c, getrandom(2) for the inbox.
 * See https://docs.nats.io/reference/reference-protocols/nats-protocol */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bsd/stdlib.h>
#include <bsd/string.h>

#include "buf.h"
#include "config.h"
#include "io.h"
#include "out.h"
#include "sock.h"
#include "bus/client.h"
#include "bus/subject.h"
#include "bus/broker.h"

#define RBUF_INIT	(64 * 1024)
#define WBUF_SEND_AT	(64 * 1024)	/* write out once this much is queued */

#define default_path broker_default_path
#define token_path broker_token_path

char *
bus_default_addr(char *buf, size_t len)
{
	const char *env = getenv(BUS_ENV_ADDR);
	char path[ADDR_PATH_MAX + 1];

	if (env != NULL && env[0] != '\0')
		return strlcpy(buf, env, len) < len ? buf : NULL;
	if (default_path(path, sizeof(path)) == NULL)
		return NULL;
	if ((size_t)snprintf(buf, len, "unix:%s", path) >= len)
		return NULL;
	return buf;
}

char *
bus_default_token_path(char *buf, size_t len)
{
	return token_path(buf, len);
}

int
bus_read_token(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;

	if (fd == -1)
		return -1;
	n = io_read_full(fd, buf, len - 1);
	close(fd);
	if (n == -1)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (buf[0] == '\0') {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* queue: append len bytes to the output buffer; 0 or -1 (ENOMEM) */
static int
queue(struct bus_client *c, const void *p, size_t len)
{
	if (buf_grow(&c->wbuf, &c->wcap, c->wlen + len) == -1)
		return -1;
	memcpy(c->wbuf + c->wlen, p, len);
	c->wlen += len;
	return 0;
}

/* trace_out: the control line of what was just queued at off */
static void
trace_out(struct bus_client *c, size_t off)
{
	const char *p = c->wbuf + off, *cr;

	if (!out_trace_on)
		return;
	cr = memchr(p, '\r', c->wlen - off);
	out_trace("-> %.*s", (int)(cr ? cr - p : (long)(c->wlen - off)), p);
}

int
bus_send(struct bus_client *c)
{
	if (c->wlen == 0)
		return 0;
	if (io_write_full(c->fd, c->wbuf, c->wlen) == -1)
		return -1;
	c->wlen = 0;
	return 0;
}

#define CTL_MAX	(PROTO_MAX_CONTROL + 64)

/* queue_ctl: queue the control line of n bytes formatted in buf (n as the
 * writers return it); 0, or -1 with errno EINVAL when it did not fit */
static int
queue_ctl(struct bus_client *c, const char *buf, size_t n)
{
	size_t off = c->wlen;

	if (n >= CTL_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (queue(c, buf, n) == -1)
		return -1;
	trace_out(c, off);
	return 0;
}

int
bus_pub(struct bus_client *c, const char *subject, const char *reply,
    const char *hdr, size_t hlen, const void *data, size_t len)
{
	struct proto_str subj = PROTO_STR(subject), rep = PROTO_STR(reply);
	char buf[CTL_MAX];
	size_t n;

	if (!subject_valid(subj.p, subj.len, false) ||
	    (rep.len > 0 && !subject_valid(rep.p, rep.len, false))) {
		errno = EINVAL;
		return -1;
	}
	if (hlen + len > c->info.max_payload) {
		errno = EMSGSIZE;
		return -1;
	}
	if (hdr != NULL)
		n = proto_fmt_hpub(buf, sizeof(buf), subj, rep, NULL, hlen,
		    NULL, len);
	else
		n = proto_fmt_pub(buf, sizeof(buf), subj, rep, NULL, len);
	if (queue_ctl(c, buf, n) == -1 ||
	    (hdr != NULL && queue(c, hdr, hlen) == -1) ||
	    queue(c, data, len) == -1 || queue(c, PROTO_CRLF, 2) == -1)
		return -1;
	if (c->wlen >= WBUF_SEND_AT)
		return bus_send(c);
	return 0;
}

/* sid_str: the decimal spelling of sid into buf */
static struct proto_str
sid_str(uint64_t sid, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%llu", (unsigned long long)sid);

	return (struct proto_str){ buf, (size_t)n };
}

uint64_t
bus_sub(struct bus_client *c, const char *subject, const char *queue_name)
{
	struct proto_str subj = PROTO_STR(subject), q = PROTO_STR(queue_name);
	char sb[24], buf[CTL_MAX];
	struct proto_str sid;
	uint64_t n;

	if (!subject_valid(subj.p, subj.len, true) ||
	    (q.len > 0 && !subject_valid(q.p, q.len, false))) {
		errno = EINVAL;
		return 0;
	}
	n = ++c->next_sid;
	sid = sid_str(n, sb, sizeof(sb));
	if (queue_ctl(c, buf, proto_fmt_sub(buf, sizeof(buf), subj, q,
	    sid)) == -1)
		return 0;
	return n;
}

int
bus_unsub(struct bus_client *c, uint64_t sid, uint64_t max)
{
	char sb[24];
	struct proto_str s = sid_str(sid, sb, sizeof(sb));
	char buf[64];

	return queue_ctl(c, buf, proto_fmt_unsub(buf, sizeof(buf), s, max));
}

/* fill: make room and read once, waiting until deadline; 1 read, 0 at
 * the deadline, -1 with errno (ECONNRESET at end of stream) */
static int
fill(struct bus_client *c, int64_t deadline)
{
	size_t need = c->parser.need ? c->parser.need : 0;
	ssize_t n;
	int ev;

	if (c->rstart > 0 && (c->rstart == c->rend ||
	    c->rcap - c->rend < 4096 || c->rstart + need > c->rcap)) {
		memmove(c->rbuf, c->rbuf + c->rstart, c->rend - c->rstart);
		c->rend -= c->rstart;
		c->rstart = 0;
	}
	if (buf_grow(&c->rbuf, &c->rcap, need > c->rcap ? need :
	    c->rend == c->rcap ? c->rcap + 1 : 0) == -1)
		return -1;
	ev = io_wait(c->fd, POLLIN, deadline);
	if (ev <= 0)
		return ev;
	n = io_read(c->fd, c->rbuf + c->rend, c->rcap - c->rend);
	if (n == -1)
		return -1;
	if (n == 0) {
		c->closed = true;
		errno = ECONNRESET;
		return -1;
	}
	c->rend += (size_t)n;
	return 1;
}

/* set_err: remember the server's -ERR text; returns the errno it means */
static int
set_err(struct bus_client *c, struct proto_str text)
{
	size_t n = text.len < sizeof(c->errtext) - 1 ? text.len :
	    sizeof(c->errtext) - 1;

	memcpy(c->errtext, text.p, n);
	c->errtext[n] = '\0';
	if (strcasestr(c->errtext, "authorization") != NULL)
		return EACCES;
	return EPROTO;
}

/* handle: act on one operation from the server; 0 or -1 with errno */
static int
handle(struct bus_client *c, const struct proto_op *op)
{
	struct bus_msg m;
	uint64_t sid = 0;

	switch (op->kind) {
	case PROTO_OP_PING:
		if (out_trace_on)
			out_trace("<- PING");
		return queue(c, PROTO_PONG, sizeof(PROTO_PONG) - 1) == -1 ?
		    -1 : bus_send(c);
	case PROTO_OP_PONG:
		if (out_trace_on)
			out_trace("<- PONG");
		c->pongs++;
		return 0;
	case PROTO_OP_OK:
		return 0;
	case PROTO_OP_INFO:
		/* async INFO (cluster changes): keep what we use fresh */
		proto_info_parse(&c->info, op->arg.p, op->arg.len);
		return 0;
	case PROTO_OP_ERR:
		if (out_trace_on)
			out_trace("<- -ERR '%.*s'", (int)op->arg.len, op->arg.p);
		errno = set_err(c, op->arg);
		return -1;
	case PROTO_OP_MSG:
	case PROTO_OP_HMSG:
		memset(&m, 0, sizeof(m));
		m.subject = op->subject;
		m.reply = op->reply;
		m.hdr = op->hdr;
		m.data = op->data;
		proto_parse_uint(op->sid, &sid);
		m.sid = sid;
		if (m.hdr.len > 0) {
			struct proto_str desc;

			if (proto_hdr_status(m.hdr, &m.status, &desc) == -1)
				m.status = 0;
		}
		if (out_trace_on)
			out_trace("<- %s %.*s %llu%s%.*s %zu bytes",
			    op->kind == PROTO_OP_HMSG ? "HMSG" : "MSG",
			    (int)m.subject.len, m.subject.p,
			    (unsigned long long)sid, m.reply.len ? " " : "",
			    (int)m.reply.len, m.reply.p, m.hdr.len + m.data.len);
		if (c->on_msg != NULL)
			c->on_msg(c, &m, c->on_msg_arg);
		return 0;
	default:
		errno = EPROTO;
		snprintf(c->errtext, sizeof(c->errtext),
		    "unexpected operation from the server");
		return -1;
	}
}

/* drain: handle every complete operation in the buffer; returns how many,
 * or -1 with errno */
static int
drain(struct bus_client *c)
{
	struct proto_op op;
	int rc, n = 0;

	while (c->rstart < c->rend) {
		rc = proto_parse(&c->parser, c->rbuf + c->rstart,
		    c->rend - c->rstart, &op);
		if (rc == 0)
			break;
		if (rc < 0) {
			if (proto_fatal(rc)) {
				snprintf(c->errtext, sizeof(c->errtext), "%s",
				    proto_strerror(rc));
				errno = EPROTO;
				return -1;
			}
			c->rstart += op.len;
			continue;
		}
		c->rstart += op.len;
		if (handle(c, &op) == -1)
			return -1;
		n++;
	}
	if (c->rstart == c->rend)
		c->rstart = c->rend = 0;
	return n;
}

int
bus_process(struct bus_client *c, int64_t deadline)
{
	int rc;

	if (bus_send(c) == -1)
		return -1;
	rc = fill(c, deadline);
	if (rc <= 0)
		return rc;
	if (drain(c) == -1)
		return -1;
	return bus_send(c) == -1 ? -1 : 1;
}

int
bus_flush(struct bus_client *c, int64_t deadline)
{
	uint64_t want;

	if (queue(c, PROTO_PING, sizeof(PROTO_PING) - 1) == -1)
		return -1;
	if (out_trace_on)
		out_trace("-> PING");
	want = ++c->pings_sent;
	while (c->pongs < want) {
		int rc = bus_process(c, deadline);

		if (rc == -1)
			return -1;
		if (rc == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
	}
	return 0;
}

/* read_info: the first operation, which must be INFO; 0 or -1 */
static int
read_info(struct bus_client *c, int64_t deadline)
{
	struct proto_op op;
	int rc;

	for (;;) {
		rc = proto_parse(&c->parser, c->rbuf + c->rstart,
		    c->rend - c->rstart, &op);
		if (rc == 1)
			break;
		if (rc < 0) {
			errno = EPROTO;
			snprintf(c->errtext, sizeof(c->errtext),
			    "not a NATS server: %s", proto_strerror(rc));
			return -1;
		}
		rc = fill(c, deadline);
		if (rc == 0)
			errno = ETIMEDOUT;
		if (rc <= 0)
			return -1;
	}
	c->rstart += op.len;
	if (op.kind == PROTO_OP_ERR) {
		errno = set_err(c, op.arg);
		return -1;
	}
	if (op.kind != PROTO_OP_INFO ||
	    proto_info_parse(&c->info, op.arg.p, op.arg.len) != 0) {
		errno = EPROTO;
		snprintf(c->errtext, sizeof(c->errtext),
		    "not a NATS server: no INFO");
		return -1;
	}
	if (out_trace_on)
		out_trace("<- INFO server %s version %s max_payload %llu%s",
		    c->info.server_name[0] ? c->info.server_name :
		    c->info.server_id, c->info.version,
		    (unsigned long long)c->info.max_payload,
		    c->info.auth_required ? " auth_required" : "");
	if (c->info.max_payload == 0)
		c->info.max_payload = PROTO_MAX_PAYLOAD;
	c->parser.max_payload = c->info.max_payload;
	return 0;
}

/* find_token: the token for a server that asks for one into buf; 0, or
 * -1 when there is none */
static int
find_token(char *buf, size_t len)
{
	const char *env = getenv(BUS_ENV_TOKEN);
	char path[ADDR_PATH_MAX + 1];

	if (env != NULL && env[0] != '\0')
		return strlcpy(buf, env, len) < len ? 0 : -1;
	if (bus_default_token_path(path, sizeof(path)) == NULL)
		return -1;
	return bus_read_token(path, buf, len);
}

/* fallback_dir: when path is a socket in the directory clients fall back
 * to without XDG_RUNTIME_DIR (/tmp/ipctool-$EUID), that directory into
 * buf; else NULL */
static char *
fallback_dir(const char *path, char *buf, size_t len)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	size_t n;

	if (xdg != NULL && xdg[0] == '/')
		return NULL;
	if ((size_t)snprintf(buf, len, "/tmp/ipctool-%ld", (long)geteuid()) >=
	    len)
		return NULL;
	n = strlen(buf);
	if (strncmp(path, buf, n) != 0 || path[n] != '/' ||
	    strchr(path + n + 1, '/') != NULL)
		return NULL;
	return buf;
}

/* unsafe: refuse with errno EPERM and why in c->errtext; returns -1 */
static int
unsafe(struct bus_client *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
unsafe(struct bus_client *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->errtext, sizeof(c->errtext), fmt, ap);
	va_end(ap);
	errno = EPERM;
	return -1;
}

/* check_dir: 0 when dir is a real directory of ours that group and others
 * cannot write; else -1 (EPERM with the reason, or lstat's errno) */
static int
check_dir(struct bus_client *c, const char *dir)
{
	struct stat st;
	const char *kind = NULL;

	if (lstat(dir, &st) == -1)
		return -1;
	if (S_ISLNK(st.st_mode))
		kind = "a symbolic link";
	else if (!S_ISDIR(st.st_mode))
		kind = "not a directory";
	if (kind != NULL || st.st_uid != geteuid() ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return unsafe(c, "unsafe directory %s: %s%sowner uid %ld, "
		    "mode %04o (want owner uid %ld, not writable by group or "
		    "others)", dir, kind ? kind : "", kind ? ", " : "",
		    (long)st.st_uid, (unsigned)(st.st_mode & 07777),
		    (long)geteuid());
	return 0;
}

/* check_peer: on a UNIX socket, note who listens (SO_PEERCRED) */
static void
check_peer(struct bus_client *c)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (c->addr.type != ADDR_UNIX ||
	    getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == -1)
		return;
	c->peer_known = true;
	c->peer_uid = (long)cr.uid;
	c->peer_ok = cr.uid == geteuid() || cr.uid == 0;
}

/* peer_refused: the refusal of a listener that is neither us nor root */
static int
peer_refused(struct bus_client *c, const char *why)
{
	return unsafe(c, "the listener runs as uid %ld, not as uid %ld or "
	    "root: %s", c->peer_uid, (long)geteuid(), why);
}

/* send_connect: CONNECT with our options and a PING; 0 or -1 */
static int
send_connect(struct bus_client *c, const char *name)
{
	struct proto_connect cn;
	char buf[2048];
	size_t n;

	proto_connect_init(&cn);
	cn.verbose = false;
	cn.pedantic = false;
	cn.headers = true;
	cn.no_responders = true;
	cn.protocol = 1;
	strlcpy(cn.name, name ? name : "ipctool", sizeof(cn.name));
	strlcpy(cn.lang, "C", sizeof(cn.lang));
	strlcpy(cn.version, IPCTOOL_VERSION, sizeof(cn.version));
	if (c->info.auth_required &&
	    find_token(cn.auth_token, sizeof(cn.auth_token)) == 0 &&
	    c->peer_known && !c->peer_ok) {
		explicit_bzero(&cn, sizeof(cn));
		return peer_refused(c, "no token sent");
	}
	n = proto_fmt_connect(buf, sizeof(buf), &cn);
	explicit_bzero(&cn, sizeof(cn));
	if (n >= sizeof(buf)) {
		errno = EINVAL;
		return -1;
	}
	if (queue(c, buf, n) == -1)
		return -1;
	explicit_bzero(buf, sizeof(buf));
	if (out_trace_on)
		out_trace("-> CONNECT {\"headers\":true,\"no_responders\":true"
		    "%s}", c->info.auth_required ? ",\"auth_token\":..." : "");
	return 0;
}

int
bus_connect(struct bus_client *c, const char *addr, const char *name,
    int64_t deadline, const char **errstr)
{
	char dir[64];
	bool fallback;
	int e;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	*errstr = NULL;
	if (addr_parse(&c->addr, addr, errstr) == -1) {
		errno = EINVAL;
		return -1;
	}
	if (!addr_is_stream(&c->addr)) {
		*errstr = "the bus needs a stream address (unix:, tcp:, nats://)";
		errno = EINVAL;
		return -1;
	}
	if (c->addr.type == ADDR_TLS) {
		*errstr = "the bus does not speak TLS yet (unix:, tcp:, nats://)";
		errno = EINVAL;
		return -1;
	}
	addr_format(&c->addr, c->addr_str, sizeof(c->addr_str));
	proto_parser_init(&c->parser, PROTO_CLIENT);
	proto_info_init(&c->info);
	if ((c->rbuf = malloc(RBUF_INIT)) == NULL)
		return -1;
	c->rcap = RBUF_INIT;
	fallback = c->addr.type == ADDR_UNIX && !c->addr.abstract &&
	    fallback_dir(c->addr.path, dir, sizeof(dir)) != NULL;
	if (fallback && check_dir(c, dir) == -1)
		goto fail;
	c->fd = sock_connect(&c->addr, deadline, NULL);
	if (c->fd == -1)
		goto fail;
	check_peer(c);
	if (fallback && c->peer_known && !c->peer_ok) {
		peer_refused(c, "not our broker");
		goto fail;
	}
	if (read_info(c, deadline) == -1 || send_connect(c, name) == -1 ||
	    bus_flush(c, deadline) == -1)
		goto fail;
	return 0;
fail:
	e = errno;
	bus_close(c);
	errno = e;
	return -1;
}

void
bus_close(struct bus_client *c)
{
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	free(c->rbuf);
	free(c->wbuf);
	c->rbuf = c->wbuf = NULL;
	c->wlen = c->wcap = c->rcap = c->rstart = c->rend = 0;
}

/* make_inbox: "_INBOX.<22 random letters and digits>." */
static int
make_inbox(struct bus_client *c)
{
	static const char abc[] =
	    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	unsigned char r[22];
	char *p;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return -1;
	p = c->inbox + strlcpy(c->inbox, "_INBOX.", sizeof(c->inbox));
	for (size_t i = 0; i < sizeof(r); i++)
		*p++ = abc[r[i] % 62];
	*p++ = '.';
	*p = '\0';
	return 0;
}

int
bus_new_reply(struct bus_client *c, char *buf, size_t len, uint64_t *id)
{
	if (c->inbox_sid == 0) {
		char pat[BUS_INBOX_MAX + 2];

		if (make_inbox(c) == -1)
			return -1;
		snprintf(pat, sizeof(pat), "%s*", c->inbox);
		if ((c->inbox_sid = bus_sub(c, pat, NULL)) == 0)
			return -1;
	}
	*id = ++c->next_reply;
	if ((size_t)snprintf(buf, len, "%s%llu", c->inbox,
	    (unsigned long long)*id) >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

bool
bus_reply_id(const struct bus_client *c, const struct bus_msg *m,
    uint64_t *id)
{
	size_t n = strlen(c->inbox);
	struct proto_str rest;

	if (c->inbox_sid == 0 || m->sid != c->inbox_sid ||
	    m->subject.len <= n || memcmp(m->subject.p, c->inbox, n) != 0)
		return false;
	rest.p = m->subject.p + n;
	rest.len = m->subject.len - n;
	return proto_parse_uint(rest, id) == 0;
}

int
bus_exit_code(int e)
{
	switch (e) {
	case ENOENT:
	case ECONNREFUSED:
	case ECONNRESET:
	case EPIPE:
	case EHOSTUNREACH:
	case ENETUNREACH:
		return 69;
	case ETIMEDOUT:
		return 75;
	case EINVAL:
		return 64;
	default:
		return 1;
	}
}

const char *
bus_strerror(const struct bus_client *c, int e)
{
	if ((e == EPROTO || e == EACCES || e == EPERM) &&
	    c->errtext[0] != '\0')
		return c->errtext;
	if (e == ECONNRESET && c->closed)
		return "the broker closed the connection";
	return strerror(e);
}

bool
bus_retryable(int e)
{
	return e != EINVAL && e != EACCES && e != EPERM && e != ENOMEM;
}

int64_t
bus_backoff_ms(unsigned n)
{
	int64_t ms = 50;

	while (n-- > 1 && ms < BUS_BACKOFF_MAX)
		ms *= 2;
	if (ms > BUS_BACKOFF_MAX)
		ms = BUS_BACKOFF_MAX;
	return ms + arc4random_uniform((uint32_t)ms / 4 + 1);
}
