/* client.c - the NATS client of every bus applet: socket(2)/connect(2)
 * through sock.c, poll(2) with deadlines, read(2)/write(2) of the text
 * protocol parsed and written by proto.c, getrandom(2) for the inbox.
 * See https://docs.nats.io/reference/reference-protocols/nats-protocol */
#include <ctype.h>
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
#include "tls.h"
#include "bus/client.h"
#include "bus/subject.h"
#include "bus/broker.h"
#include "bus/nkey.h"
#include "bus/servers.h"

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
	if (c->tls) {
		if (tls_write_full(c->tls, c->wbuf, c->wlen, -1) == -1)
			return -1;
	} else if (io_write_full(c->fd, c->wbuf, c->wlen) == -1)
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

/* fill_tls: fill over TLS; what TLS decrypted is all taken into rbuf,
 * so that a poll(2) of c->fd by the caller sees all there is to read */
static int
fill_tls(struct bus_client *c, int64_t deadline)
{
	ssize_t n;
	int ev;

	if (!tls_pending(c->tls)) {
		ev = io_wait(c->fd, tls_want(c->tls), deadline);
		if (ev <= 0)
			return ev;
	}
	for (;;) {
		n = tls_read(c->tls, c->rbuf + c->rend, c->rcap - c->rend);
		if (n == -1 && errno == EAGAIN)
			return 1;	/* a part of a record: poll again */
		if (n == -1) {
			if (errno == EPROTO)
				snprintf(c->errtext, sizeof(c->errtext), "%s",
				    tls_error(c->tls));
			return -1;
		}
		if (n == 0) {
			c->closed = true;
			errno = ECONNRESET;
			return -1;
		}
		c->rend += (size_t)n;
		if (!tls_pending(c->tls))
			return 1;
		if (c->rend == c->rcap &&
		    buf_grow(&c->rbuf, &c->rcap, c->rcap + 1) == -1)
			return -1;
	}
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
	if (c->tls)
		return fill_tls(c, deadline);
	if (deadline >= 0 && io_remaining(deadline) == 0) {
		/* no wait (the caller's poll saw the socket readable): one
		 * recv(2) that does not block, no poll(2) in front of it */
		do
			n = recv(c->fd, c->rbuf + c->rend, c->rcap - c->rend,
			    MSG_DONTWAIT);
		while (n == -1 && errno == EINTR);
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
	} else {
		ev = io_wait(c->fd, POLLIN, deadline);
		if (ev <= 0)
			return ev;
		n = io_read(c->fd, c->rbuf + c->rend, c->rcap - c->rend);
	}
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

/* learn: the cluster members an INFO names, into the server list */
static void
learn(struct bus_client *c, struct proto_str json)
{
	struct bus_servers *l = c->servers;
	int added;

	if (l == NULL || (added = bus_servers_learn(l, json.p, json.len)) == 0)
		return;
	if (out_trace_on)
		for (int i = l->n - added; i < l->n; i++)
			out_trace("learned %s from INFO connect_urls",
			    l->s[i].shown);
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
		learn(c, op->arg);
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
	learn(c, op.arg);
	return 0;
}

/* env_or_null: getenv, NULL for an empty value too */
static const char *
env_or_null(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

int
bus_tls_decide(const struct addr *a, const struct proto_info *in,
    const char **why)
{
	bool want = a->type == ADDR_TLS || a->tls;

	*why = NULL;
	if (!want && !in->tls_required)
		return 0;
	if (!in->tls_required && !in->tls_available) {
		*why = "the server does not offer TLS";
		return -1;
	}
	if (a->type == ADDR_UNIX) {
		*why = "the server requires TLS, which this client speaks over "
		    "TCP only";
		return -1;
	}
	return 1;
}

/* start_tls: after INFO, TLS when the address asks for it (tls://,
 * tls:) or the server requires it, as NATS clients do; the CAs, client
 * certificate and verification come from IPCTOOL_BUS_TLS_CA, _CERT,
 * _KEY and _INSECURE. 0, or -1 with errno and c->errtext */
static int
start_tls(struct bus_client *c, const char *tls_name, int64_t deadline)
{
	char line[TLS_ERR_MAX + 2 * TLS_NAME_MAX], err[TLS_ERR_MAX];
	const char *insecure = env_or_null("IPCTOOL_BUS_TLS_INSECURE");
	struct tls_opts o = {
		.ca = env_or_null("IPCTOOL_BUS_TLS_CA"),
		.cert = env_or_null("IPCTOOL_BUS_TLS_CERT"),
		.key = env_or_null("IPCTOOL_BUS_TLS_KEY"),
		.verify = insecure == NULL || strcmp(insecure, "0") == 0,
	};

	const char *why;
	int r = bus_tls_decide(&c->addr, &c->info, &why);

	if (r == 0)
		return 0;
	errno = EPROTO;
	if (r == -1) {
		snprintf(c->errtext, sizeof(c->errtext), "%s", why);
		return -1;
	}
	c->tctx = tls_ctx_new(false, &o, err, sizeof(err));
	if (c->tctx == NULL) {
		snprintf(c->errtext, sizeof(c->errtext), "TLS: %.240s", err);
		errno = EPROTO;
		return -1;
	}
	c->tls = tls_new(c->tctx, c->fd, tls_name && *tls_name ? tls_name :
	    c->addr.host);
	if (c->tls == NULL)
		return -1;
	if (tls_handshake(c->tls, deadline) == -1) {
		snprintf(c->errtext, sizeof(c->errtext), "TLS handshake: %.230s",
		    tls_error(c->tls));
		if (errno != ETIMEDOUT && errno != ECONNRESET)
			errno = EPROTO;
		return -1;
	}
	out_trace("TLS handshake with %s: %s", c->addr_str,
	    tls_describe(c->tls, line, sizeof(line)));
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

/* Credentials given in the address (nats://TOKEN@ or USER:PASS@) */
struct url_creds {
	char	user[PROTO_FIELD_MAX];
	char	pass[PROTO_FIELD_MAX];
	char	token[PROTO_FIELD_MAX];
};

/* userinfo: when addr is a nats:// or tls:// URL with credentials, true
 * with *start the offset where they begin (after the scheme) and *at
 * that of the '@' that ends them */
static bool
userinfo(const char *addr, size_t *start, size_t *at)
{
	const char *p, *end, *q, *a = NULL;

	if (strncmp(addr, "nats://", 7) == 0)
		*start = 7;
	else if (strncmp(addr, "tls://", 6) == 0)
		*start = 6;
	else
		return false;
	p = addr + *start;
	end = p + strcspn(p, "/?#");
	for (q = p; q < end; q++)
		if (*q == '@')
			a = q;
	if (a == NULL)
		return false;
	*at = (size_t)(a - addr);
	return true;
}

/* unpercent: the n bytes at s with %XX decoded into buf; 0, or -1 when
 * it does not fit or an escape is bad */
static int
unpercent(const char *s, size_t n, char *buf, size_t len)
{
	size_t i, o = 0;
	unsigned v;

	for (i = 0; i < n; i++) {
		if (o + 1 >= len)
			return -1;
		if (s[i] == '%') {
			if (i + 2 >= n)
				return -1;
			if (sscanf(s + i + 1, "%2x", &v) != 1 || v == 0 ||
			    !isxdigit((unsigned char)s[i + 1]) ||
			    !isxdigit((unsigned char)s[i + 2]))
				return -1;
			buf[o++] = (char)v;
			i += 2;
		} else
			buf[o++] = s[i];
	}
	buf[o] = '\0';
	return 0;
}

/* split_url: the credentials of addr into cr and the address without
 * them into plain; 0, or -1 when they are malformed or too long */
static int
split_url(const char *addr, char *plain, size_t plen, struct url_creds *cr)
{
	size_t start, at, colon;
	const char *ui;
	int rc;

	memset(cr, 0, sizeof(*cr));
	if (!userinfo(addr, &start, &at))
		return strlcpy(plain, addr, plen) < plen ? 0 : -1;
	ui = addr + start;
	colon = strcspn(ui, ":@");
	if (ui + colon < addr + at)
		rc = unpercent(ui, colon, cr->user, sizeof(cr->user)) |
		    unpercent(ui + colon + 1, at - start - colon - 1, cr->pass,
		    sizeof(cr->pass));
	else
		rc = unpercent(ui, at - start, cr->token, sizeof(cr->token));
	if (rc != 0 || (cr->user[0] == '\0' && cr->token[0] == '\0') ||
	    (size_t)snprintf(plain, plen, "%.*s%s", (int)start, addr,
	    addr + at + 1) >= plen) {
		explicit_bzero(cr, sizeof(*cr));
		return -1;
	}
	return 0;
}

char *
bus_addr_shown(const char *addr, char *buf, size_t len)
{
	size_t start, at, colon;

	if (!userinfo(addr, &start, &at)) {
		strlcpy(buf, addr, len);
		return buf;
	}
	colon = strcspn(addr + start, ":@");
	if (start + colon < at)
		snprintf(buf, len, "%.*s%.*s:***%s", (int)start, addr,
		    (int)colon, addr + start, addr + at);
	else
		snprintf(buf, len, "%.*s***%s", (int)start, addr, addr + at);
	return buf;
}

const char *bus_creds_file;
const char *bus_nkey_file;

/* read_secret: the start of the file at path (at most len - 1 bytes)
 * into buf, NUL-terminated; only a regular file that group and others
 * cannot read. 0, or -1 with errno EBADMSG and c->errtext */
static int
read_secret(struct bus_client *c, const char *what, const char *path,
    char *buf, size_t len)
{
	struct stat st;
	ssize_t n;
	int fd, e;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		e = errno;
		if (fd != -1)
			close(fd);
		snprintf(c->errtext, sizeof(c->errtext), "%s %s: %s", what,
		    path, strerror(e));
		errno = EBADMSG;
		return -1;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0) {
		close(fd);
		snprintf(c->errtext, sizeof(c->errtext), "%s %s: %s, mode "
		    "%04o (want a file only its owner can read)", what, path,
		    S_ISREG(st.st_mode) ? "a regular file" :
		    "not a regular file", (unsigned)(st.st_mode & 07777));
		errno = EBADMSG;
		return -1;
	}
	n = io_read_full(fd, buf, len - 1);
	e = errno;
	close(fd);
	if (n == -1) {
		snprintf(c->errtext, sizeof(c->errtext), "%s %s: %s", what,
		    path, strerror(e));
		errno = EBADMSG;
		return -1;
	}
	buf[n] = '\0';
	return 0;
}

/* bad_creds: the reason a credentials file is refused; returns -1 */
static int
bad_creds(struct bus_client *c, const char *what, const char *path,
    const char *why)
{
	snprintf(c->errtext, sizeof(c->errtext), "%s %s: %s", what, path, why);
	errno = EBADMSG;
	return -1;
}

/* block: in the text of a creds file, the first line after the
 * "-----BEGIN ...KIND...-----" line, into out (trimmed); 0 or -1 */
static int
block(char *text, const char *kind, char *out, size_t len)
{
	char *line = text, *next, *p;
	bool inside = false;
	size_t n;

	for (; *line != '\0'; line = next) {
		n = strcspn(line, "\n");
		next = line + n + (line[n] == '\n');
		while (n > 0 && isspace((unsigned char)line[n - 1]))
			n--;
		p = line;
		while (n > 0 && isspace((unsigned char)*p)) {
			p++;
			n--;
		}
		if (n == 0)
			continue;
		if (inside) {
			if (n >= len)
				return -1;
			memcpy(out, p, n);
			out[n] = '\0';
			return 0;
		}
		inside = n > 6 && strncmp(p, "---", 3) == 0 &&
		    memmem(p, n, "BEGIN", 5) != NULL &&
		    memmem(p, n, kind, strlen(kind)) != NULL;
	}
	return -1;
}

/* sign_nonce: the base64url signature of the server's nonce with seed
 * into sig (empty when the server sent no nonce); 0 or -1 */
static int
sign_nonce(struct bus_client *c, const unsigned char seed[NKEY_KEY_LEN],
    char *sig, size_t len)
{
	unsigned char raw[NKEY_SIG_LEN];
	char why[128] = "";

	sig[0] = '\0';
	if (c->info.nonce[0] == '\0')
		return 0;
	if (!nkey_available(why, sizeof(why)) || len < NKEY_SIG_STR ||
	    nkey_sign(seed, c->info.nonce, strlen(c->info.nonce),
	    raw) == -1) {
		snprintf(c->errtext, sizeof(c->errtext), "cannot sign the "
		    "server's nonce%s%s", why[0] ? ": " : "", why);
		errno = EBADMSG;
		return -1;
	}
	nkey_b64url_encode(raw, sizeof(raw), sig);
	return 0;
}

/* load_seed: the user seed in text into seed; 0 or -1 */
static int
load_seed(struct bus_client *c, const char *what, const char *path,
    const char *text, unsigned char seed[NKEY_KEY_LEN])
{
	const char *why;
	int prefix;

	if (nkey_decode_seed(text, seed, &prefix, &why) == -1)
		return bad_creds(c, what, path, why);
	if (prefix != NKEY_PREFIX_USER) {
		explicit_bzero(seed, NKEY_KEY_LEN);
		return bad_creds(c, what, path, "not a user seed");
	}
	return 0;
}

/* use_creds: the JWT of the creds file at path and the signature of its
 * seed into cn; 0 or -1 */
static int
use_creds(struct bus_client *c, const char *path, struct proto_connect *cn)
{
	static const char what[] = "credentials file";
	char text[8192], seedtxt[128];
	unsigned char seed[NKEY_KEY_LEN];
	int rc = -1;

	if (read_secret(c, what, path, text, sizeof(text)) == -1)
		return -1;
	if (block(text, "JWT", cn->jwt, sizeof(cn->jwt)) == -1)
		bad_creds(c, what, path, "no user JWT block");
	else if (block(text, "SEED", seedtxt, sizeof(seedtxt)) == -1)
		bad_creds(c, what, path, "no nkey seed block");
	else if (load_seed(c, what, path, seedtxt, seed) == 0) {
		rc = sign_nonce(c, seed, cn->sig, sizeof(cn->sig));
		explicit_bzero(seed, sizeof(seed));
	}
	explicit_bzero(text, sizeof(text));
	explicit_bzero(seedtxt, sizeof(seedtxt));
	return rc;
}

/* use_nkey: the public key of the seed file at path and its signature of
 * the nonce into cn; 0 or -1 */
static int
use_nkey(struct bus_client *c, const char *path, struct proto_connect *cn)
{
	static const char what[] = "nkey seed file";
	char text[256], why[128];
	unsigned char seed[NKEY_KEY_LEN], key[NKEY_KEY_LEN];
	int rc = -1;

	if (read_secret(c, what, path, text, sizeof(text)) == -1)
		return -1;
	text[strcspn(text, " \t\r\n")] = '\0';
	if (!nkey_available(why, sizeof(why)))
		bad_creds(c, what, path, why);
	else if (load_seed(c, what, path, text, seed) == 0) {
		if (nkey_public_of_seed(seed, key) == -1)
			bad_creds(c, what, path, "no public key for the seed");
		else {
			nkey_encode_public(key, NKEY_PREFIX_USER, cn->nkey);
			rc = sign_nonce(c, seed, cn->sig, sizeof(cn->sig));
		}
		explicit_bzero(seed, sizeof(seed));
	}
	explicit_bzero(text, sizeof(text));
	return rc;
}

/* env_or: f when set, else the non-empty value of variable name, or NULL */
static const char *
env_or(const char *f, const char *name)
{
	const char *v = f != NULL ? f : getenv(name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

/* fill_creds: every credential given (see client.h) into cn; 0, or -1
 * with errno when a file cannot be used */
static int
fill_creds(struct bus_client *c, const struct url_creds *cr,
    struct proto_connect *cn)
{
	const char *user = getenv(BUS_ENV_USER), *pass = getenv(BUS_ENV_PASS);
	const char *tok = getenv(BUS_ENV_TOKEN);
	const char *creds = env_or(bus_creds_file, BUS_ENV_CREDS);
	const char *nkey = env_or(bus_nkey_file, BUS_ENV_NKEY);

	if (cr->user[0] != '\0') {
		strlcpy(cn->user, cr->user, sizeof(cn->user));
		strlcpy(cn->pass, cr->pass, sizeof(cn->pass));
	} else if (user != NULL && user[0] != '\0') {
		strlcpy(cn->user, user, sizeof(cn->user));
		strlcpy(cn->pass, pass ? pass : "", sizeof(cn->pass));
	}
	if (cr->token[0] != '\0')
		strlcpy(cn->auth_token, cr->token, sizeof(cn->auth_token));
	else if (tok != NULL && tok[0] != '\0')
		strlcpy(cn->auth_token, tok, sizeof(cn->auth_token));
	if (creds != NULL && use_creds(c, creds, cn) == -1)
		return -1;
	if (creds == NULL && nkey != NULL && use_nkey(c, nkey, cn) == -1)
		return -1;
	if (cn->user[0] == '\0' && cn->auth_token[0] == '\0' &&
	    cn->jwt[0] == '\0' && cn->nkey[0] == '\0')
		(void)find_token(cn->auth_token, sizeof(cn->auth_token));
	return 0;
}

/* trace_connect: the CONNECT line for the trace, secrets left out */
static void
trace_connect(const struct proto_connect *cn)
{
	char user[PROTO_FIELD_MAX + 16] = "";

	if (cn->user[0] != '\0')
		snprintf(user, sizeof(user), ",\"user\":\"%.64s\","
		    "\"pass\":...", cn->user);
	out_trace("-> CONNECT {\"headers\":true,\"no_responders\":true"
	    "%s%s%s%s%s%s%s}", cn->auth_token[0] ? ",\"auth_token\":..." : "",
	    user, cn->jwt[0] ? ",\"jwt\":..." : "",
	    cn->nkey[0] ? ",\"nkey\":\"" : "", cn->nkey,
	    cn->nkey[0] ? "\"" : "", cn->sig[0] ? ",\"sig\":..." : "");
}

/* send_connect: CONNECT with our options and credentials cr (and those
 * of the environment) when the server asks for them; 0 or -1 */
static int
send_connect(struct bus_client *c, const char *name,
    const struct url_creds *cr)
{
	struct proto_connect cn;
	char buf[PROTO_JWT_MAX + 2048];
	size_t n;

	proto_connect_init(&cn);
	cn.verbose = false;
	cn.pedantic = false;
	cn.headers = true;
	cn.no_responders = true;
	cn.tls_required = c->tls != NULL;	/* as NATS clients say it */
	cn.protocol = 1;
	strlcpy(cn.name, name ? name : "ipctool", sizeof(cn.name));
	strlcpy(cn.lang, "C", sizeof(cn.lang));
	strlcpy(cn.version, IPCTOOL_VERSION, sizeof(cn.version));
	if (c->info.auth_required) {
		if (fill_creds(c, cr, &cn) == -1) {
			explicit_bzero(&cn, sizeof(cn));
			return -1;
		}
		if ((cn.auth_token[0] || cn.user[0] || cn.jwt[0] ||
		    cn.nkey[0]) && c->peer_known && !c->peer_ok) {
			explicit_bzero(&cn, sizeof(cn));
			return peer_refused(c, "no credentials sent");
		}
	}
	n = proto_fmt_connect(buf, sizeof(buf), &cn);
	if (out_trace_on)
		trace_connect(&cn);
	explicit_bzero(&cn, sizeof(cn));
	if (n >= sizeof(buf)) {
		explicit_bzero(buf, sizeof(buf));
		errno = EINVAL;
		return -1;
	}
	if (queue(c, buf, n) == -1)
		return -1;
	explicit_bzero(buf, sizeof(buf));
	return 0;
}

int
bus_addr_check(const char *addr, struct addr *a, const char **errstr)
{
	char plain[ADDR_STR_MAX + 16];
	struct url_creds cr;
	int rc;

	*errstr = NULL;
	rc = split_url(addr, plain, sizeof(plain), &cr);
	explicit_bzero(&cr, sizeof(cr));
	if (rc == -1) {
		*errstr = "bad credentials in the URL";
		return -1;
	}
	if (addr_parse(a, plain, errstr) == -1)
		return -1;
	if (!addr_is_stream(a)) {
		*errstr = "the bus needs a stream address (unix:, tcp:, nats://)";
		return -1;
	}
	return 0;
}

/* connect_one: bus_connect, the server's certificate checked for
 * tls_name (NULL: the address's host), every INFO learned into l */
static int
connect_one(struct bus_client *c, const char *addr, const char *tls_name,
    struct bus_servers *l, const char *name, int64_t deadline,
    const char **errstr)
{
	char dir[64], plain[ADDR_STR_MAX + 16];
	struct url_creds cr;
	bool fallback;
	int e;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->servers = l;
	if (bus_addr_check(addr, &c->addr, errstr) == -1) {
		errno = EINVAL;
		return -1;
	}
	if (split_url(addr, plain, sizeof(plain), &cr) == -1) {
		errno = EINVAL;
		return -1;
	}
	addr_format(&c->addr, c->addr_str, sizeof(c->addr_str));
	proto_parser_init(&c->parser, PROTO_CLIENT);
	proto_info_init(&c->info);
	if ((c->rbuf = malloc(RBUF_INIT)) == NULL)
		goto fail;
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
	if (read_info(c, deadline) == -1 ||
	    start_tls(c, tls_name, deadline) == -1 ||
	    send_connect(c, name, &cr) == -1 || bus_flush(c, deadline) == -1)
		goto fail;
	explicit_bzero(&cr, sizeof(cr));
	return 0;
fail:
	e = errno;
	explicit_bzero(&cr, sizeof(cr));
	bus_close(c);
	errno = e;
	return -1;
}

int
bus_connect(struct bus_client *c, const char *addr, const char *name,
    int64_t deadline, const char **errstr)
{
	return connect_one(c, addr, NULL, NULL, name, deadline, errstr);
}

int
bus_connect_list(struct bus_client *c, struct bus_servers *l, int i,
    const char *name, int64_t deadline, const char **errstr)
{
	/* copies: the INFO read while connecting may move the entries */
	char url[BUS_URL_MAX], tls_name[ADDR_HOST_MAX];
	int e = ECONNREFUSED;
	bool learned;

	*errstr = NULL;
	/* l->n may grow (INFO) or shrink (a later INFO) as we go */
	for (int tried = 0; tried < l->n; tried++) {
		int64_t dl = deadline;

		l->cur = (i + tried) % l->n;
		learned = l->s[l->cur].learned;
		strlcpy(url, l->s[l->cur].url, sizeof(url));
		strlcpy(tls_name, l->s[l->cur].tls_name, sizeof(tls_name));
		if (tried + 1 < l->n) {
			int64_t cap = io_deadline(BUS_SERVER_TIMEOUT);

			if (dl < 0 || cap < dl)
				dl = cap;
		}
		if (connect_one(c, url, learned ? tls_name : NULL, l, name, dl,
		    errstr) == 0) {
			out_trace("connected to %s", l->s[l->cur].shown);
			explicit_bzero(url, sizeof(url));
			return 0;
		}
		e = errno;
		out_trace("connect to %s: %s", l->s[l->cur].shown,
		    bus_strerror(c, e));
		if (e == EINVAL && learned) {
			*errstr = NULL;		/* not the user's address */
			continue;
		}
		if (!bus_retryable(e) ||
		    (deadline >= 0 && io_remaining(deadline) == 0))
			break;
	}
	explicit_bzero(url, sizeof(url));
	errno = e;
	return -1;
}

void
bus_close(struct bus_client *c)
{
	if (c->tls) {
		tls_close_notify(c->tls);	/* best effort */
		tls_free(c->tls);
		c->tls = NULL;
	}
	tls_ctx_free(c->tctx);
	c->tctx = NULL;
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
	if ((e == EPROTO || e == EACCES || e == EPERM || e == EBADMSG) &&
	    c->errtext[0] != '\0')
		return c->errtext;
	if (e == ECONNRESET && c->closed)
		return "the broker closed the connection";
	return strerror(e);
}

bool
bus_retryable(int e)
{
	return e != EINVAL && e != EACCES && e != EPERM && e != EBADMSG &&
	    e != ENOMEM;
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
