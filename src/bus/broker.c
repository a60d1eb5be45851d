/* broker.c - the embedded bus broker: the NATS client protocol served from
 * one epoll(7) loop over UNIX and TCP listeners (accept4(2), read(2),
 * sendmsg(2) with an iovec per output ring, signalfd(2) for SIGTERM and
 * SIGINT, SO_PEERCRED for UNIX peers). Memory per client is bounded: a
 * client whose output passes max_pending is a slow consumer and goes.
 * See https://docs.nats.io/reference/reference-protocols/nats-protocol */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/queue.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bsd/string.h>

#include "buf.h"
#include "config.h"
#include "htab.h"
#include "io.h"
#include "pidfile.h"
#include "json.h"
#include "sock.h"
#include "tls.h"
#include "bus/auth.h"
#include "bus/broker.h"
#include "bus/proto.h"
#include "bus/subject.h"

#define RING_MIN	4096		/* first output buffer */
#define RING_KEEP	(4 * 1024 * 1024) /* an empty ring larger than this is freed */
#define READ_MAX	(256 * 1024)	/* bytes of one read(2) */
#define IN_KEEP		4096		/* a larger empty stash is freed */
#define ERR_ROOM	128		/* kept past max_pending for the last -ERR */
#define LINGER_MS	5000		/* a closing client's time to take its -ERR */
#define RATE_LOG_MS	1000		/* one line a second of a repeated event */
#define LDM_GRACE_MS	10000		/* lame duck: the longest grace period */
#define LDM_TICK_MS	100		/* lame duck: a round of closes */
#define PAUSE_MS	100		/* listeners rest this long after EMFILE */
#define ACCEPT_BATCH	64
#define WORK_TURN	2048		/* operations of one client per loop
					 * iteration */
#define DELIVERY_TURN	65536		/* and deliveries: each costs a copy,
					 * not a lookup; the flush that ends
					 * the iteration costs a write per
					 * subscriber, paid once for as many
					 * messages as the turn holds */
#define CHECK_WORK	1024		/* deliveries between two looks at
					 * the clock */
#define REAP_TURN	4096		/* subscriptions of closed clients
					 * freed per loop iteration */
#define TURN_US		1000		/* and no client's turn, nor the
					 * reaping, longer than this: a big
					 * index costs cache misses */
#define TURN_CHECK	32		/* operations between two looks at
					 * the clock */
#define MAX_EVENTS	256
#define TRACE_MAX	200		/* bytes of a protocol line in a trace */
#define STAT_SUBJECT	BROKER_STAT_SUBJECT

enum src_kind { SRC_LISTENER = 1, SRC_CLIENT, SRC_SIGNAL };

/* A byte ring: len bytes from head, wrapping at cap. */
struct ring {
	char	*buf;
	size_t	 cap, head, len;
};

struct listener {
	enum src_kind	 kind;
	int		 fd;
	struct addr	 bound;
	bool		 auth;		/* CONNECT must carry the token */
	bool		 unix_file;	/* a socket file to remove at exit */
	bool		 tls;		/* TLS after INFO */
	dev_t		 dev;
	ino_t		 ino;
	char		 name[ADDR_STR_MAX];
};

struct client;

/* One subscription: its index entry, owner, delivery limit and sid,
 * chained in its client's table of sids (c->sids). */
struct bsub {
	struct sublist_entry	 e;
	struct client		*c;
	struct bsub		*hnext;	/* same bucket of c->sids */
	uint64_t		 hash;	/* of the sid */
	uint64_t		 max;	/* UNSUB max, 0 = none */
	uint64_t		 got;
	const char		*subject;	/* its copy, after sid */
	size_t			 sidlen;
	char			 sid[];
};

struct client {
	enum src_kind		 kind;
	int			 fd;
	uint64_t		 id;
	struct listener		*l;
	bool			 connected;	/* CONNECT accepted */
	bool			 vouched;	/* the socket vouches for the peer
						 * (a path socket, or its uid) */
	bool			 trusted;	/* no credentials needed */
	bool			 pending;	/* not vouched for, no CONNECT
						 * yet: counted in npending */
	bool			 eof;		/* the peer closed its side */
	bool			 shut;		/* our side shut after the -ERR */
	bool			 verbose, pedantic, headers, no_responders, echo;
	bool			 closing;	/* flushing its last -ERR */
	bool			 dead;		/* closed, freed after the batch */
	bool			 dirty;		/* on the flush list */
	bool			 want_out;	/* EPOLLOUT registered */
	int64_t			 linger_until;
	int64_t			 auth_until;	/* pending: CONNECT before */
	int64_t			 last_in;	/* when it last sent anything */
	int			 pings_out;	/* PINGs unanswered since */
	char			 name[64];
	char			 lang[32];
	char			 nonce[AUTH_NONCE_MAX];	/* sent in INFO */
	char			 peer[ADDR_STR_MAX + 48];
	struct proto_parser	 pp;
	char			*in;
	size_t			 inlen, incap;
	struct ring		 out;
	struct htab		 sids;		/* subscriptions by sid */
	uint64_t		 in_msgs, out_msgs, in_bytes, out_bytes;
	struct client		*prev, *next;	/* every live client */
	struct client		*pprev, *pnext;	/* pending, oldest first */
	LIST_ENTRY(client)	 busy_le;	/* busy: input left to work on */
	bool			 busy;
	/* closed or closing: its subscriptions are freed a slice per loop
	 * iteration (reap), the struct once they are all gone */
	LIST_ENTRY(client)	 reap_le;
	bool			 reaping;
	struct client		*link;		/* dirty or dead list */
	struct tls		*tls;		/* on a tls: listener */
	bool			 tls_started;	/* its first handshake byte came */
	bool			 tls_up;	/* the handshake is done */
	bool			 tls_want_out;	/* TLS waits for EPOLLOUT */
	bool			 again;		/* on the again list */
	struct client		*anext;		/* again: TLS holds input that
						 * epoll cannot see */
};

/* A log line for an event that may repeat fast (failed
 * authentications, refused clients): at most one a second, the rest
 * counted and reported in the next one. */
struct rate_log {
	int64_t			 next;		/* no line before */
	unsigned long		 skipped;	/* events since the last line */
	const char		*what;		/* "failed authentications" */
};

struct broker {
	const struct broker_config *cfg;
	size_t			 max_payload, max_control, max_pending;
	int			 max_clients, max_subs, max_unauth;
	size_t			 max_in;	/* the read buffer: an unfinished
						 * operation and READ_MAX */
	char			*rbuf;
	int			 ep, sigfd;
	int			 spare;		/* held back: given up to refuse a
						 * client when out of descriptors */
	int			 sigkind;	/* epoll tag of sigfd */
	struct listener		 l[BROKER_MAX_LISTENERS];
	int			 nl;
	bool			 paused;
	int64_t			 paused_until;
	struct sublist		 sl;
	struct sublist_result	 res;
	struct client		*clients;
	int			 nclients;
	uint64_t		 next_id;
	struct client		*dirty, *dead;
	int			 nclosing;
	int			 npending;	/* clients yet to CONNECT that no
						 * socket vouches for */
	struct client		*phead, *ptail;	/* the same, oldest first */
	LIST_HEAD(, client)	 busy;		/* clients with operations left
						 * over from their last turn */
	struct client		*again;		/* TLS clients to read again */
	size_t			 work;		/* done in this client's turn */
	LIST_HEAD(, client)	 reap;		/* closed, subscriptions left */
	size_t			 reap_left;	/* of REAP_TURN, this iteration */
	int64_t			 reap_until;	/* and its end, in us */
	struct rate_log		 authlog, refuselog;
	int64_t			 auth_timeout;
	int64_t			 ping_interval;	/* ms, -1 never */
	int			 max_pings_out;
	int64_t			 next_ping;	/* the next round of PINGs */
	uint64_t		 in_msgs, out_msgs, in_bytes, out_bytes;
	uint64_t		 slow, total_clients;
	int64_t			 start_ms;
	char			*line;		/* scratch for control lines */
	size_t			 linecap;
	char			 server_id[32];
	bool			 stop;
	int			 stop_sig;	/* the signal that stopped it */
	bool			 ldm;		/* lame duck mode */
	int64_t			 ldm_close, ldm_end;	/* closes from, to */
	int64_t			 ldm_next;	/* the next round of closes */
};

/* blog: format one log line and hand it to the log callback */
static void __attribute__((format(printf, 2, 3)))
blog(const struct broker *b, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (b->cfg->log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	b->cfg->log(b->cfg->log_arg, line);
}

/* rate_log: log one line for a repeated event, at most one every
 * RATE_LOG_MS: a line within that time is only counted, and the count
 * goes out with the next line (or from rate_log_flush) */
static void __attribute__((format(printf, 3, 4)))
rate_log(struct broker *b, struct rate_log *r, const char *fmt, ...)
{
	int64_t now = io_now_ms();
	char line[400];
	va_list ap;

	if (now < r->next) {
		r->skipped++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (r->skipped > 0)
		blog(b, "%s (and %lu more %s in the last second)", line,
		    r->skipped, r->what);
	else
		blog(b, "%s", line);
	r->skipped = 0;
	r->next = now + RATE_LOG_MS;
}

/* rate_log_flush: report the events counted since the last line once
 * their second is over */
static void
rate_log_flush(struct broker *b, struct rate_log *r, int64_t now)
{
	if (r->skipped == 0 || now < r->next)
		return;
	blog(b, "%lu more %s in the last second", r->skipped, r->what);
	r->skipped = 0;
	r->next = now + RATE_LOG_MS;
}

/* redact: overwrite the string value of "key" in the JSON text s with
 * '*' (credentials never reach a log) */
static void
redact(char *s, const char *key)
{
	char *p = s;

	while ((p = strstr(p, key)) != NULL) {
		p += strlen(key);
		while (*p == ' ' || *p == '\t' || *p == ':')
			p++;
		if (*p != '"')
			continue;
		for (p++; *p != '\0' && *p != '"'; p++) {
			if (*p == '\\' && p[1] != '\0')
				*p++ = '*';
			*p = '*';
		}
	}
}

/* trace_line: log the protocol line at p (up to its newline) of client c,
 * dir "<-" received or "->" sent; CONNECT credentials are masked */
static void
trace_line(const struct broker *b, const struct client *c, const char *dir,
    const char *p, size_t len)
{
	const char *nl = memchr(p, '\n', len);
	size_t n = nl != NULL ? (size_t)(nl - p) : len;
	char buf[TRACE_MAX + 4];
	size_t i;

	if (n > 0 && p[n - 1] == '\r')
		n--;
	if (n > TRACE_MAX)
		n = TRACE_MAX;
	for (i = 0; i < n; i++)
		buf[i] = (unsigned char)p[i] < 0x20 ? '?' : p[i];
	buf[n] = '\0';
	if (strncasecmp(buf, "CONNECT", 7) == 0) {
		redact(buf, "\"auth_token\"");
		redact(buf, "\"pass\"");
	}
	blog(b, "client %" PRIu64 " %s %s%s", c->id, dir, buf,
	    nl == NULL && len > TRACE_MAX ? "..." : "");
}

/* Output rings */

/* ring_reserve: make room for need more bytes in r without passing
 * limit; 0, or -1 when limit (or memory) does not allow it */
static int
ring_reserve(struct ring *r, size_t need, size_t limit)
{
	size_t cap, first;
	char *nb;

	if (r->cap - r->len >= need)
		return 0;
	if (r->len + need > limit)
		return -1;
	cap = r->cap > 0 ? r->cap : RING_MIN;
	while (cap < r->len + need)
		cap *= 2;
	if (cap > limit)
		cap = limit;
	if ((nb = malloc(cap)) == NULL)
		return -1;
	if (r->len > 0) {
		first = r->cap - r->head < r->len ? r->cap - r->head : r->len;
		memcpy(nb, r->buf + r->head, first);
		memcpy(nb + first, r->buf, r->len - first);
	}
	free(r->buf);
	r->buf = nb;
	r->cap = cap;
	r->head = 0;
	return 0;
}

/* ring_put: append n bytes (room reserved) */
static void
ring_put(struct ring *r, const void *p, size_t n)
{
	size_t tail = r->head + r->len, first;

	if (tail >= r->cap)
		tail -= r->cap;
	first = r->cap - tail < n ? r->cap - tail : n;
	memcpy(r->buf + tail, p, first);
	memcpy(r->buf, (const char *)p + first, n - first);
	r->len += n;
}

/* ring_iov: the pending bytes as one or two iovecs; returns the count */
static int
ring_iov(const struct ring *r, struct iovec iov[2])
{
	size_t first = r->cap - r->head < r->len ? r->cap - r->head : r->len;

	iov[0].iov_base = r->buf + r->head;
	iov[0].iov_len = first;
	if (first == r->len)
		return 1;
	iov[1].iov_base = r->buf;
	iov[1].iov_len = r->len - first;
	return 2;
}

/* ring_consume: drop n written bytes, freeing a large empty ring */
static void
ring_consume(struct ring *r, size_t n)
{
	r->head += n;
	if (r->head >= r->cap)
		r->head -= r->cap;
	r->len -= n;
	if (r->len == 0) {
		r->head = 0;
		/* idle clients hold no buffer; busy ones keep theirs */
		if (r->cap <= RING_MIN || r->cap > RING_KEEP) {
			free(r->buf);
			r->buf = NULL;
			r->cap = 0;
		}
	}
}

/* Clients: output */

/* drain: write what c has pending without blocking, as far as the kernel
 * takes it. Returns the bytes still pending, or -1 with errno on a write
 * error (reserve leaves that for flush to find). */
static ssize_t
drain(struct client *c)
{
	struct iovec iov[2];
	struct msghdr mh = { .msg_iov = iov };
	ssize_t n;

	while (c->tls_up && c->out.len > 0) {
		/* one segment of the ring at a time; a retry after EAGAIN
		 * has the same start and at least the same length, as
		 * SSL_write wants (the buffer itself may move) */
		ring_iov(&c->out, iov);
		n = tls_write(c->tls, iov[0].iov_base, iov[0].iov_len);
		if (n == -1 && errno == EAGAIN)
			return (ssize_t)c->out.len;
		if (n == -1)
			return -1;
		ring_consume(&c->out, (size_t)n);
	}
	while (c->out.len > 0) {
		mh.msg_iovlen = ring_iov(&c->out, iov);
		n = sendmsg(c->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		if (n <= 0)
			break;
		ring_consume(&c->out, (size_t)n);
	}
	return (ssize_t)c->out.len;
}

/* reserve: room for n more bytes of output to c within max_pending,
 * writing what is pending first when needed; 0, or -1 when c is a slow
 * consumer */
static int
reserve(struct broker *b, struct client *c, size_t n)
{
	if (ring_reserve(&c->out, n, b->max_pending) == 0)
		return 0;
	drain(c);
	return ring_reserve(&c->out, n, b->max_pending);
}

static void close_now(struct broker *b, struct client *c, const char *why);

/* mark_dirty: put c on the list flushed after this batch */
static void
mark_dirty(struct broker *b, struct client *c)
{
	if (!c->dirty) {
		c->dirty = true;
		c->link = b->dirty;
		b->dirty = c;
	}
}

/* pending_add: c joins the clients yet to authenticate (the newest) */
static void
pending_add(struct broker *b, struct client *c)
{
	c->pending = true;
	c->pnext = NULL;
	c->pprev = b->ptail;
	if (b->ptail != NULL)
		b->ptail->pnext = c;
	else
		b->phead = c;
	b->ptail = c;
	b->npending++;
}

/* pending_del: c leaves them (it authenticated, or it is closed) */
static void
pending_del(struct broker *b, struct client *c)
{
	if (!c->pending)
		return;
	if (c->pprev != NULL)
		c->pprev->pnext = c->pnext;
	else
		b->phead = c->pnext;
	if (c->pnext != NULL)
		c->pnext->pprev = c->pprev;
	else
		b->ptail = c->pprev;
	c->pending = false;
	b->npending--;
}

/* busy_add: c has complete operations left for its next turn */
static void
busy_add(struct broker *b, struct client *c)
{
	if (c->busy)
		return;
	c->busy = true;
	LIST_INSERT_HEAD(&b->busy, c, busy_le);
}

/* busy_del: c has none left (or is closed) */
static void
busy_del(struct broker *b, struct client *c)
{
	if (!c->busy)
		return;
	LIST_REMOVE(c, busy_le);
	c->busy = false;
}

/* set_events: register the epoll events c needs now; 0 or -1 */
static int
set_events(struct broker *b, struct client *c, bool out)
{
	struct epoll_event ev = { .data.ptr = c };

	/* a closing client is still read (and its input dropped) until it
	 * closes: closing a socket with unread input resets the connection,
	 * and the peer could lose the -ERR before it read it */
	ev.events = (c->eof ? 0 : EPOLLIN) |
	    (out || c->tls_want_out ? EPOLLOUT : 0);
	if (epoll_ctl(b->ep, EPOLL_CTL_MOD, c->fd, &ev) == -1)
		return -1;
	c->want_out = out;
	return 0;
}

static void reap_add(struct broker *b, struct client *c);

/* close_after: queue "-ERR 'text'" for c (none when text is NULL), stop
 * acting on its input and close it once its output is written and it
 * closed its side (or after LINGER_MS); why goes to the log (NULL: no
 * line) */
static void
close_after(struct broker *b, struct client *c, const char *text,
    const char *why)
{
	char line[ERR_ROOM];
	size_t n;

	if (c->closing || c->dead)
		return;
	if (why != NULL)
		blog(b, "client %" PRIu64 " %s: %s", c->id, c->peer, why);
	n = text != NULL ? proto_fmt_err(line, sizeof(line), text) : 0;
	if (n > 0 && n < sizeof(line) &&
	    ring_reserve(&c->out, n, b->max_pending + ERR_ROOM) == 0) {
		ring_put(&c->out, line, n);
		if (b->cfg->trace)
			trace_line(b, c, "->", line, n);
	}
	c->closing = true;	/* no message, no queue group's turn for it */
	reap_add(b, c);
	c->linger_until = io_now_ms() + LINGER_MS;
	b->nclosing++;
	set_events(b, c, c->want_out);
	mark_dirty(b, c);
}

/* send_ctl: queue a control line (INFO, PONG, +OK, -ERR) for c */
static void
send_ctl(struct broker *b, struct client *c, const char *p, size_t n)
{
	if (c->closing || c->dead)
		return;
	if (reserve(b, c, n) == -1) {
		b->slow++;
		close_after(b, c, proto_strerror(PROTO_ESLOW),
		    "slow consumer, disconnected");
		return;
	}
	ring_put(&c->out, p, n);
	if (b->cfg->trace)
		trace_line(b, c, "->", p, n);
	mark_dirty(b, c);
}

/* send_err: queue "-ERR 'text'" for c (the connection stays) */
static void
send_err(struct broker *b, struct client *c, int code)
{
	char line[ERR_ROOM];
	size_t n = proto_fmt_err(line, sizeof(line), proto_strerror(code));

	send_ctl(b, c, line, n);
}

/* fail: -ERR for a fatal code, then close; failed authentications (and
 * any error of a client yet to authenticate) are logged at most once a
 * second: a flood of them must not flood the log */
static char auth_why[AUTH_WHY_MAX];	/* why authorized() said no */

static void
fail(struct broker *b, struct client *c, int code)
{
	char why[128 + AUTH_WHY_MAX];

	snprintf(why, sizeof(why), "%s, disconnected%s%s%s",
	    proto_strerror(code), auth_why[0] ? " (" : "", auth_why,
	    auth_why[0] ? ")" : "");
	auth_why[0] = '\0';
	if (code == PROTO_EAUTH || code == PROTO_EAUTHTIMEOUT || c->pending) {
		if (!c->closing && !c->dead)
			rate_log(b, &b->authlog, "client %" PRIu64 " %s: %s",
			    c->id, c->peer, why);
		close_after(b, c, proto_strerror(code), NULL);
	} else
		close_after(b, c, proto_strerror(code), why);
}

/* flush: write what c has pending without blocking; registers EPOLLOUT
 * when the kernel takes less; closes c on a write error. A closing
 * client whose output is all written gets our side shut (its last -ERR
 * is followed by an end of file) and is closed once it closed its own */
static void
flush(struct broker *b, struct client *c)
{
	if (drain(c) == -1) {
		close_now(b, c, strerror(errno));
		return;
	}
	if (c->out.len == 0 && c->closing) {
		if (c->eof) {
			close_now(b, c, "closed");
			return;
		}
		if (!c->shut) {
			if (c->tls_up)
				tls_close_notify(c->tls);	/* best effort */
			shutdown(c->fd, SHUT_WR);
			c->shut = true;
		}
	}
	if ((c->out.len > 0) != c->want_out &&
	    set_events(b, c, c->out.len > 0) == -1)
		close_now(b, c, strerror(errno));
}

/* Subscriptions */


/* sub_free: take s out of the index; frees it (it is out of its
 * client's table already) */
static void
sub_free(struct broker *b, struct bsub *s)
{
	sublist_remove(&b->sl, &s->e);
	free(s);
}

/* sub_unlink: take s out of its client and of the index; frees it */
static void
sub_unlink(struct broker *b, struct bsub *s)
{
	htab_remove(&s->c->sids, s);
	sub_free(b, s);
}

/* sid_eq: the htab_find test of a subscription against a sid */
static bool
sid_eq(const void *elem, const void *key)
{
	const struct bsub *s = elem;
	const struct proto_str *sid = key;

	return s->sidlen == sid->len && memcmp(s->sid, sid->p, sid->len) == 0;
}

/* sub_find: c's subscription with sid, or NULL */
static struct bsub *
sub_find(struct client *c, struct proto_str sid)
{
	return htab_find(&c->sids, htab_hash(sid.p, sid.len), sid_eq, &sid);
}

/* entry_live: the index's test of a queue group member: false for a
 * client on its way out, whose subscriptions are yet to be reaped */
static bool
entry_live(const struct sublist_entry *e)
{
	const struct bsub *s = (const struct bsub *)((const char *)e -
	    offsetof(struct bsub, e));

	return !s->c->closing && !s->c->dead;
}

/* Reaping: a closed client's subscriptions are freed REAP_TURN per loop
 * iteration over all such clients, so that one holding 100,000 does
 * not keep everyone else waiting; until then the index skips them
 * (entry_live) and the client struct stays for them to point at. */

/* reap_add: c is closing or closed: free its subscriptions from now on */
static void
reap_add(struct broker *b, struct client *c)
{
	if (c->reaping || c->sids.count == 0)
		return;
	c->reaping = true;
	LIST_INSERT_HEAD(&b->reap, c, reap_le);
}

/* reap_client: free c's subscriptions within what is left of this
 * iteration's REAP_TURN; once none is left c leaves the list (and goes
 * to the dead list if it is closed already) */
static void
reap_client(struct broker *b, struct client *c)
{
	struct bsub *s;
	size_t work = 0, n = 0;

	while (work < b->reap_left && (s = htab_pop(&c->sids, &work)) != NULL) {
		sub_free(b, s);
		if (++n % TURN_CHECK == 0 && io_now_us() >= b->reap_until)
			work = b->reap_left;	/* the slice's time is up */
	}
	b->reap_left = work < b->reap_left ? b->reap_left - work : 0;
	if (c->sids.count > 0 || !c->reaping)
		return;
	LIST_REMOVE(c, reap_le);
	c->reaping = false;
	if (c->dead && !c->dirty) {
		c->link = b->dead;
		b->dead = c;
	}
}

/* reap: this iteration's slice of every closed client's subscriptions */
static void
reap(struct broker *b)
{
	struct client *c, *next;

	for (c = LIST_FIRST(&b->reap); c != NULL && b->reap_left > 0;
	    c = next) {
		next = LIST_NEXT(c, reap_le);
		reap_client(b, c);
	}
}

/* sub_add: SUB subject [queue] sid; 0 or a PROTO_E* code */
static int
sub_add(struct broker *b, struct client *c, const struct proto_op *op)
{
	struct bsub *s;

	if (sub_find(c, op->sid) != NULL)
		return 0;		/* as nats-server: a repeated sid is ignored */
	if (b->max_subs > 0 && c->sids.count >= (size_t)b->max_subs)
		return PROTO_EMAXSUBS;
	if ((s = calloc(1, sizeof(*s) + op->sid.len + 1 + op->subject.len +
	    1)) == NULL)
		return PROTO_EMAXSUBS;
	s->c = c;
	s->sidlen = op->sid.len;
	memcpy(s->sid, op->sid.p, op->sid.len);
	s->hash = htab_hash(op->sid.p, op->sid.len);
	/* the statistics name it; the index keeps a copy of its own */
	memcpy(s->sid + op->sid.len + 1, op->subject.p, op->subject.len);
	s->subject = s->sid + op->sid.len + 1;
	s->e.subject = op->subject.p;
	s->e.subject_len = op->subject.len;
	s->e.queue = op->queue.len > 0 ? op->queue.p : NULL;
	s->e.queue_len = op->queue.len;
	if (sublist_insert(&b->sl, &s->e) == -1) {
		free(s);
		return errno == EINVAL ? PROTO_ESUBJECT : PROTO_EMAXSUBS;
	}
	if (htab_insert(&c->sids, s) == -1) {
		sublist_remove(&b->sl, &s->e);
		free(s);
		return PROTO_EMAXSUBS;
	}
	return 0;
}

/* sub_del: UNSUB sid [max] */
static void
sub_del(struct broker *b, struct client *c, const struct proto_op *op)
{
	struct bsub *s = sub_find(c, op->sid);

	if (s == NULL)
		return;			/* as nats-server: unknown sids are ignored */
	if (op->max > 0 && s->got < op->max)
		s->max = op->max;
	else
		sub_unlink(b, s);
}

/* Delivery */

struct msg {
	struct proto_str subject, reply, hdr, data;
};

/* deliver_one: queue MSG (or HMSG) m for subscription s; a client that
 * cannot take it is a slow consumer */
static void
deliver_one(struct broker *b, struct bsub *s, const struct msg *m)
{
	struct client *t = s->c;
	struct proto_str sid = { s->sid, s->sidlen };
	bool h = m->hdr.len > 0 && t->headers;
	size_t n, total;

	if (h)
		n = proto_fmt_hmsg(b->line, b->linecap, m->subject, sid,
		    m->reply, NULL, m->hdr.len, NULL, m->data.len);
	else
		n = proto_fmt_msg(b->line, b->linecap, m->subject, sid,
		    m->reply, NULL, m->data.len);
	total = n + (h ? m->hdr.len : 0) + m->data.len + 2;
	if (n >= b->linecap || reserve(b, t, total) == -1) {
		b->slow++;
		close_after(b, t, proto_strerror(PROTO_ESLOW),
		    "slow consumer, disconnected");
		return;
	}
	ring_put(&t->out, b->line, n);
	if (h)
		ring_put(&t->out, m->hdr.p, m->hdr.len);
	ring_put(&t->out, m->data.p, m->data.len);
	ring_put(&t->out, PROTO_CRLF, 2);
	if (b->cfg->trace)
		trace_line(b, t, "->", b->line, n);
	t->out_msgs++;
	b->work++;
	t->out_bytes += m->data.len;
	b->out_msgs++;
	b->out_bytes += m->data.len;
	mark_dirty(b, t);
}

/* route: deliver m from client c (NULL: the broker) to every match;
 * returns the number of subscriptions that got it */
static int
route(struct broker *b, struct client *c, const struct msg *m)
{
	struct bsub *s;
	int n, i, got = 0;

	n = sublist_match(&b->sl, m->subject.p, m->subject.len, &b->res);
	b->work += b->res.probes;	/* queue members skipped count too */
	for (i = 0; i < n; i++) {
		s = (struct bsub *)((char *)b->res.v[i] -
		    offsetof(struct bsub, e));
		if (s->c->closing || s->c->dead || (s->c == c && !c->echo))
			continue;
		deliver_one(b, s, m);
		got++;
		if (++s->got >= s->max && s->max > 0)
			sub_unlink(b, s);
	}
	return got;
}

/* no_responders: tell c that nobody took its request: HMSG to c's own
 * subscription on the reply subject with the header "NATS/1.0 503" */
static void
no_responders(struct broker *b, struct client *c, struct proto_str reply)
{
	static const char hdr[] = "NATS/1.0 503\r\n\r\n";
	struct msg m = { .subject = reply,
	    .hdr = { hdr, sizeof(hdr) - 1 }, .data = { "", 0 } };
	struct bsub *s;
	int n, i;

	n = sublist_match(&b->sl, reply.p, reply.len, &b->res);
	for (i = 0; i < n; i++) {
		s = (struct bsub *)((char *)b->res.v[i] -
		    offsetof(struct bsub, e));
		if (s->c == c) {
			deliver_one(b, s, &m);
			if (s->max > 0 && ++s->got >= s->max)
				sub_unlink(b, s);
			return;
		}
	}
}

/* Statistics */

/* sb_str: append "key":"escaped value" */
static void
sb_str(struct buf *sb, const char *key, const char *val)
{
	char esc[sizeof(((struct client *)0)->peer) * 6 + 3];

	json_quote(esc, sizeof(esc), val, strlen(val));
	buf_printf(sb, "\"%s\":%s", key, esc);
}

/* by_subject: qsort order of subscription subjects */
static int
by_subject(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* stat_subjects: "subjects":[{"subject":S,"subscribers":N},...] for every
 * subject subscribed to, sorted (queue group members count one each) */
struct subjects {
	const char	**v;
	size_t		  n, cap;
};

static void
add_subject(void *elem, void *arg)
{
	struct subjects *a = arg;

	if (a->n < a->cap)
		a->v[a->n++] = ((const struct bsub *)elem)->subject;
}

static void
stat_subjects(const struct broker *b, struct buf *sb)
{
	const struct client *c;
	struct subjects a;
	const char **v;
	size_t n, i, j;

	buf_printf(sb, ",\"subjects\":[");
	if ((v = calloc(b->sl.count + 1, sizeof(*v))) == NULL) {
		sb->failed = true;
		return;
	}
	a = (struct subjects){ v, 0, b->sl.count };
	for (c = b->clients; c != NULL; c = c->next)
		if (!c->dead && !c->closing)
			htab_each(&c->sids, add_subject, &a);
	n = a.n;
	qsort(v, n, sizeof(*v), by_subject);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && strcmp(v[i], v[j]) == 0; j++)
			;
		buf_printf(sb, "%s{", i > 0 ? "," : "");
		sb_str(sb, "subject", v[i]);
		buf_printf(sb, ",\"subscribers\":%zu}", j - i);
	}
	buf_printf(sb, "]");
	free(v);
}

/* stat_json: the broker's state as one JSON object (see broker.h) in a
 * malloc'ed buffer, *len its length; NULL when memory ran out */
static char *
stat_json(const struct broker *b, size_t *len)
{
	struct buf sb = { 0 };
	const struct client *c;
	bool first = true;

	buf_printf(&sb, "{\"server_id\":\"%s\",\"version\":\"%s\","
	    "\"uptime_ms\":%" PRId64 ",\"clients\":[", b->server_id,
	    IPCTOOL_VERSION, io_now_ms() - b->start_ms);
	for (c = b->clients; c != NULL; c = c->next) {
		if (c->dead)
			continue;
		buf_printf(&sb, "%s{\"id\":%" PRIu64 ",", first ? "" : ",",
		    c->id);
		first = false;
		sb_str(&sb, "name", c->name);
		buf_printf(&sb, ",");
		sb_str(&sb, "lang", c->lang);
		buf_printf(&sb, ",");
		sb_str(&sb, "addr", c->peer);
		buf_printf(&sb, ",\"subs\":%zu,\"in_msgs\":%" PRIu64
		    ",\"out_msgs\":%" PRIu64 ",\"in_bytes\":%" PRIu64
		    ",\"out_bytes\":%" PRIu64 ",\"pending\":%zu}", c->sids.count,
		    c->in_msgs, c->out_msgs, c->in_bytes, c->out_bytes,
		    c->out.len);
	}
	buf_printf(&sb, "]");
	stat_subjects(b, &sb);
	buf_printf(&sb, ",\"nclients\":%d,\"total_clients\":%" PRIu64
	    ",\"subscriptions\":%zu,\"in_msgs\":%" PRIu64 ",\"out_msgs\":%"
	    PRIu64 ",\"in_bytes\":%" PRIu64 ",\"out_bytes\":%" PRIu64
	    ",\"slow_consumers\":%" PRIu64 "}", b->nclients,
	    b->total_clients, b->sl.count, b->in_msgs, b->out_msgs,
	    b->in_bytes, b->out_bytes, b->slow);
	if (sb.failed) {
		buf_free(&sb);
		return NULL;
	}
	*len = sb.len;
	return sb.p;
}

/* stat_reply: answer a request on STAT_SUBJECT with the statistics */
static void
stat_reply(struct broker *b, struct proto_str reply)
{
	struct msg m = { .subject = reply };
	size_t len;
	char *json = stat_json(b, &len);

	if (json == NULL)
		return;
	m.data.p = json;
	m.data.len = len;
	route(b, NULL, &m);
	free(json);
}

/* Operations */

/* token_eq: constant-time comparison of a received credential */
static bool
token_eq(const char *got, const char *want)
{
	size_t gl = strlen(got), wl = strlen(want), i;
	unsigned char d = gl != wl;

	for (i = 0; i < wl; i++)
		d |= (unsigned char)(want[i] ^ (i < gl ? got[i] : 0));
	return d == 0 && wl > 0;
}

/* printable: s with control bytes replaced by '?' (names reach logs and
 * terminals); returns s */
static char *
printable(char *s)
{
	char *p;

	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return s;
}

/* authorized: the authentication decision for the credentials of a
 * client that needs some: cfg->auth's (auth.c), or else the token as
 * auth_token */
static bool
authorized(const struct broker *b, const struct client *c,
    const struct proto_connect *co)
{
	if (b->cfg->auth != NULL)
		return auth_check(b->cfg->auth, co, c->nonce, auth_why,
		    sizeof(auth_why)) == 0;
	return b->cfg->token != NULL && token_eq(co->auth_token, b->cfg->token);
}

/* do_connect: CONNECT {json}; 0 or a fatal code */
static int
do_connect(struct broker *b, struct client *c, const struct proto_op *op)
{
	struct proto_connect co;

	proto_connect_init(&co);
	/* as nats-server: a CONNECT that leaves them out is verbose and
	 * pedantic */
	co.verbose = true;
	co.pedantic = true;
	if (proto_connect_parse(&co, op->arg.p, op->arg.len) != 0)
		return PROTO_EPARSE;
	if (!c->trusted && !authorized(b, c, &co))
		return PROTO_EAUTH;
	if (co.tls_required && !c->tls_up)
		return PROTO_EPROTOCOL;	/* no TLS here: use a tls: listener */
	if (c->pending) {
		/* authenticated: now one of the --max-clients */
		if (b->nclients - b->npending >= b->max_clients)
			return PROTO_EMAXCONN;
		pending_del(b, c);
	}
	c->trusted = true;
	c->connected = true;
	c->pp.connect_first = false;
	c->verbose = co.verbose;
	c->pedantic = co.pedantic;
	c->pp.pedantic = co.pedantic;
	c->headers = co.headers;
	c->no_responders = co.no_responders && co.headers;
	c->echo = co.echo;
	utf8_strlcpy(c->name, printable(co.name), sizeof(c->name));
	utf8_strlcpy(c->lang, printable(co.lang), sizeof(c->lang));
	if (c->name[0] != '\0' || c->lang[0] != '\0')
		blog(b, "client %" PRIu64 " %s: connect name '%s' lang '%s' "
		    "version '%s'", c->id, c->peer, c->name, c->lang,
		    printable(co.version));
	return 0;
}

/* do_pub: PUB/HPUB from c */
static void
do_pub(struct broker *b, struct client *c, const struct proto_op *op)
{
	struct msg m = { op->subject, op->reply, op->hdr, op->data };
	int got;

	c->in_msgs++;
	c->in_bytes += op->data.len;
	b->in_msgs++;
	b->in_bytes += op->data.len;
	got = route(b, c, &m);
	if (op->reply.len > 0 && op->subject.len == sizeof(STAT_SUBJECT) - 1 &&
	    memcmp(op->subject.p, STAT_SUBJECT, op->subject.len) == 0) {
		stat_reply(b, op->reply);
		got++;
	}
	if (got == 0 && op->reply.len > 0 && c->no_responders)
		no_responders(b, c, op->reply);
}

/* handle: act on one parsed operation of c; 0, or a fatal code */
static int
handle(struct broker *b, struct client *c, const struct proto_op *op)
{
	int rc = 0;

	/* the parser refuses the rest before CONNECT already */
	if (!c->connected && op->kind != PROTO_OP_CONNECT &&
	    op->kind != PROTO_OP_PING)
		return PROTO_EAUTH;
	switch (op->kind) {
	case PROTO_OP_CONNECT:
		if ((rc = do_connect(b, c, op)) != 0)
			return rc;
		break;
	case PROTO_OP_PUB:
	case PROTO_OP_HPUB:
		/* as nats-server: +OK before the deliveries */
		if (c->verbose)
			send_ctl(b, c, PROTO_OK, sizeof(PROTO_OK) - 1);
		do_pub(b, c, op);
		return 0;
	case PROTO_OP_SUB:
		if ((rc = sub_add(b, c, op)) != 0) {
			send_err(b, c, rc);
			return 0;
		}
		break;
	case PROTO_OP_UNSUB:
		sub_del(b, c, op);
		break;
	case PROTO_OP_PING:
		send_ctl(b, c, PROTO_PONG, sizeof(PROTO_PONG) - 1);
		return 0;
	case PROTO_OP_PONG:
		return 0;
	default:
		return PROTO_EUNKNOWN;
	}
	if (c->verbose)
		send_ctl(b, c, PROTO_OK, sizeof(PROTO_OK) - 1);
	return 0;
}

/* Clients: input */

/* parse_input: act on the complete operations in buf (len bytes of c's
 * input, starting at an operation), as many as c's turn allows (WORK_TURN
 * operations and deliveries, TURN_US of time at most, whichever comes
 * first: one client's 100,000 SUBs must not keep
 * the others waiting); returns the bytes taken, *more set when complete
 * operations may be left */
static size_t
parse_input(struct broker *b, struct client *c, const char *buf, size_t len,
    bool *more)
{
	struct proto_op op;
	size_t off = 0, ops = 0, checked = 0;
	int64_t until = io_now_us() + TURN_US;
	int rc;

	b->work = 0;
	*more = false;
	while (!c->closing && !c->dead && off < len) {
		if (ops >= WORK_TURN || b->work >= DELIVERY_TURN) {
			*more = true;
			break;
		}
		if (++ops % TURN_CHECK == 0 || b->work - checked >= CHECK_WORK) {
			checked = b->work;
			if (io_now_us() >= until) {
				*more = true;
				break;
			}
		}
		b->work++;
		rc = proto_parse(&c->pp, buf + off, len - off, &op);
		if (rc == 0)
			break;
		if (b->cfg->trace)
			trace_line(b, c, "<-", buf + off, len - off);
		if (rc < 0 && proto_fatal(rc)) {
			fail(b, c, rc);
			break;
		}
		if (rc < 0) {
			send_err(b, c, rc);	/* the operation is skipped */
			off += op.len;
			continue;
		}
		if (op.warn != 0)
			send_err(b, c, op.warn);	/* then acted on */
		if ((rc = handle(b, c, &op)) != 0) {
			fail(b, c, rc);
			break;
		}
		off += op.len;
	}
	return off;
}

/* stash: keep the n bytes of an unfinished operation at p for c's next
 * read; 0 or -1 when out of memory */
static int
stash(struct client *c, const char *p, size_t n)
{
	char *nb;

	if (n > c->incap) {
		if ((nb = realloc(c->in, n)) == NULL)
			return -1;
		c->in = nb;
		c->incap = n;
	}
	if (n > 0)
		memcpy(c->in, p, n);
	c->inlen = n;
	if (n == 0 && c->incap > IN_KEEP) {
		free(c->in);
		c->in = NULL;
		c->incap = 0;
	}
	return 0;
}

/* discard_input: one read(2) of a closing client, thrown away; at its
 * end of file the client goes once its output is written */
static void
discard_input(struct broker *b, struct client *c)
{
	ssize_t n = read(c->fd, b->rbuf, READ_MAX);

	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	if (n > 0)
		return;
	c->eof = true;
	if (n == -1 || c->out.len == 0)
		close_now(b, c, n == -1 ? strerror(errno) : "closed");
	else
		set_events(b, c, c->want_out);
}

/* again_add: c's TLS session holds decrypted input that epoll cannot
 * see: read c again before the loop sleeps */
static void
again_add(struct broker *b, struct client *c)
{
	if (c->again || c->dead)
		return;
	c->again = true;
	c->anext = b->again;
	b->again = c;
}

/* again_del: c leaves the again list (it is closed) */
static void
again_del(struct broker *b, struct client *c)
{
	struct client **pp;

	if (!c->again)
		return;
	for (pp = &b->again; *pp != NULL; pp = &(*pp)->anext)
		if (*pp == c) {
			*pp = c->anext;
			break;
		}
	c->again = false;
}

/* tls_want_out: whether c's TLS layer waits for EPOLLOUT now */
static void
tls_wait(struct broker *b, struct client *c, bool out)
{
	if (c->tls_want_out == out)
		return;
	c->tls_want_out = out;
	if (set_events(b, c, c->want_out) == -1)
		close_now(b, c, strerror(errno));
}

/* tls_read_in: what c's TLS session decrypts, up to len bytes into buf
 * (a record at a time); as read(2): >0, 0 at the end, -1 with errno */
static ssize_t
tls_read_in(struct broker *b, struct client *c, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = tls_read(c->tls, buf + got, len - got);
		if (n > 0) {
			got += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EAGAIN) {
			tls_wait(b, c, tls_want(c->tls) == POLLOUT);
			break;
		}
		if (got > 0) {
			/* the end or the error again on the next read */
			again_add(b, c);
			return (ssize_t)got;
		}
		if (n == -1)
			blog(b, "client %" PRIu64 " %s: TLS: %s", c->id,
			    c->peer, tls_error(c->tls));
		return n;
	}
	if (got == 0) {
		errno = EAGAIN;
		return -1;
	}
	if (tls_pending(c->tls))
		again_add(b, c);
	return (ssize_t)got;
}

/* tls_step: the TLS handshake of c, one step as far as it goes without
 * blocking. A first byte that opens no TLS record (0x16) is a client
 * that did not upgrade: -ERR in plain text, as nats-server says it */
static void
tls_step(struct broker *b, struct client *c)
{
	char line[TLS_ERR_MAX + 2 * TLS_NAME_MAX];
	unsigned char first;
	ssize_t n;
	int r;

	if (!c->tls_started) {
		n = recv(c->fd, &first, 1, MSG_PEEK);
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR))
			return;
		if (n <= 0) {
			close_now(b, c, n == 0 ? "disconnected" :
			    strerror(errno));
			return;
		}
		if (first != 0x16) {
			rate_log(b, &b->authlog, "client %" PRIu64 " %s: "
			    "plain text on a TLS listener, disconnected",
			    c->id, c->peer);
			close_after(b, c, "Secure Connection - TLS Required",
			    NULL);
			return;
		}
		if (c->out.len > 0) {
			/* the INFO must be out before the ServerHello */
			close_now(b, c, "TLS handshake before INFO was read");
			return;
		}
		c->tls_started = true;
	}
	r = tls_handshake_step(c->tls);
	if (r == 0) {
		tls_wait(b, c, tls_want(c->tls) == POLLOUT);
		return;
	}
	if (r == -1) {
		rate_log(b, &b->authlog, "client %" PRIu64 " %s: TLS "
		    "handshake failed: %s", c->id, c->peer, tls_error(c->tls));
		if (errno == ECONNRESET) {
			close_now(b, c, NULL);
			return;
		}
		/* the alert is out: our side shut, the rest read and
		 * dropped, so that no reset destroys it */
		tls_wait(b, c, false);
		close_after(b, c, NULL, NULL);
		return;
	}
	c->tls_up = true;
	c->last_in = io_now_ms();
	tls_wait(b, c, false);
	blog(b, "client %" PRIu64 " %s: TLS handshake: %s", c->id, c->peer,
	    tls_describe(c->tls, line, sizeof(line)));
	again_add(b, c);	/* CONNECT may have come with the Finished */
}

/* client_read: one read(2) of what c sent into the shared read buffer,
 * after the unfinished operation c left last time; parse it all and
 * keep what is unfinished again. Idle clients hold no input buffer. */
static void
client_read(struct broker *b, struct client *c)
{
	size_t have = c->inlen, room = b->max_in - have, off;
	bool more;
	ssize_t n;

	if (c->closing) {
		discard_input(b, c);
		return;
	}
	if (c->busy)
		return;		/* its turn comes in work_busy */
	if (c->tls != NULL && !c->tls_up) {
		tls_step(b, c);
		return;
	}
	if (room == 0) {
		fail(b, c, PROTO_ECONTROL);
		return;
	}
	if (have > 0)
		memcpy(b->rbuf, c->in, have);
	if (c->tls != NULL)
		n = tls_read_in(b, c, b->rbuf + have, room > READ_MAX ?
		    READ_MAX : room);
	else
		n = read(c->fd, b->rbuf + have, room > READ_MAX ? READ_MAX :
		    room);
	if (n == 0) {
		/* the client half-closed: it still gets what it asked for */
		c->eof = true;
		if (c->out.len > 0)
			close_after(b, c, NULL, "disconnected");
		else
			close_now(b, c, "disconnected");
		return;
	}
	if (n == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			close_now(b, c, strerror(errno));
		return;
	}
	c->last_in = io_now_ms();
	c->pings_out = 0;
	off = parse_input(b, c, b->rbuf, have + (size_t)n, &more);
	if (c->dead || c->closing)
		c->inlen = 0;
	else if (stash(c, b->rbuf + off, have + (size_t)n - off) == -1)
		close_now(b, c, "out of memory");
	else if (more)
		busy_add(b, c);
}

/* work_busy: give every client with operations left over its next turn
 * on them (no read until they are done: its input stays bounded) */
static void
work_busy(struct broker *b)
{
	struct client *c, *next;
	size_t off;
	bool more;

	for (c = LIST_FIRST(&b->busy); c != NULL; c = next) {
		next = LIST_NEXT(c, busy_le);
		off = parse_input(b, c, c->in, c->inlen, &more);
		if (c->dead)
			continue;	/* close_now took it off the list */
		if (c->closing) {
			c->inlen = 0;
			busy_del(b, c);
			continue;
		}
		memmove(c->in, c->in + off, c->inlen - off);
		c->inlen -= off;
		if (!more) {
			busy_del(b, c);
			if (c->tls_up && tls_pending(c->tls))
				again_add(b, c);
		}
		if (c->inlen == 0 && c->incap > IN_KEEP) {
			free(c->in);
			c->in = NULL;
			c->incap = 0;
		}
	}
}

/* close_now: close c at once (subscriptions go, the struct is freed
 * after the batch) */
static void
close_now(struct broker *b, struct client *c, const char *why)
{
	if (c->dead)
		return;
	/* its subscriptions go now if this iteration's slice allows, the
	 * rest a slice per iteration (reap) */
	reap_add(b, c);
	if (c->reaping)
		reap_client(b, c);
	epoll_ctl(b->ep, EPOLL_CTL_DEL, c->fd, NULL);
	tls_free(c->tls);
	c->tls = NULL;
	c->tls_up = false;
	close(c->fd);
	pending_del(b, c);
	busy_del(b, c);
	again_del(b, c);
	if (c->closing)
		b->nclosing--;
	else if (why != NULL)
		blog(b, "client %" PRIu64 " %s: %s", c->id, c->peer, why);
	c->dead = true;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		b->clients = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	b->nclients--;
	if (!c->dirty && !c->reaping) {
		c->link = b->dead;
		b->dead = c;
	}
	/* a dirty client is freed when the flush list is walked, one with
	 * subscriptions left once reap_client freed the last */
}

/* client_free: release a closed client */
static void
client_free(struct client *c)
{
	htab_free(&c->sids);
	free(c->in);
	free(c->out.buf);
	free(c);
}

/* peer_name: how the log and the statistics show c's peer */
static void
peer_name(struct client *c, int fd, const struct listener *l)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct ucred cr;
	struct addr a;
	char buf[ADDR_STR_MAX];

	/* the kernel vouches for a UNIX peer of our uid or root; anyone
	 * else (TCP, other users of an abstract socket or of a path socket
	 * opened with --mode) has to CONNECT within the auth timeout and
	 * counts against --max-unauth until then */
	c->vouched = false;
	c->trusted = !l->auth;
	if (l->bound.type == ADDR_UNIX) {
		len = sizeof(cr);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0) {
			snprintf(c->peer, sizeof(c->peer), "%s pid %ld uid %ld",
			    l->name, (long)cr.pid, (long)cr.uid);
			if (cr.uid == geteuid() || cr.uid == 0)
				c->vouched = true;
			c->trusted = !l->auth || c->vouched;
		} else
			strlcpy(c->peer, l->name, sizeof(c->peer));
		return;
	}
	if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0 &&
	    addr_from_sockaddr(&a, l->tls ? ADDR_TLS : ADDR_TCP,
	    (struct sockaddr *)&ss,
	    len) == 0)
		strlcpy(c->peer, addr_format(&a, buf, sizeof(buf)),
		    sizeof(c->peer));
	else
		strlcpy(c->peer, "tcp:?", sizeof(c->peer));
}

#define INFO_MAX	2048

/* info_line: the INFO line for client id of listener l (with nonce,
 * unless NULL) into buf (INFO_MAX bytes); returns its length, 0 when it
 * does not fit */
static size_t
info_line(const struct broker *b, const struct listener *l, uint64_t id,
    bool auth_required, const char *nonce, bool ldm, char *buf)
{
	struct proto_info in;
	size_t n;

	proto_info_init(&in);
	strlcpy(in.server_id, b->server_id, sizeof(in.server_id));
	strlcpy(in.server_name, "ipctool", sizeof(in.server_name));
	strlcpy(in.version, IPCTOOL_VERSION, sizeof(in.version));
	if (l->bound.type != ADDR_UNIX) {
		strlcpy(in.host, l->bound.host, sizeof(in.host));
		in.port = l->bound.port;
	}
	in.proto = 1;
	in.max_payload = b->max_payload;
	in.client_id = id;
	in.headers = true;
	in.auth_required = auth_required;
	if (nonce != NULL)
		strlcpy(in.nonce, nonce, sizeof(in.nonce));
	in.ldm = ldm;
	in.tls_required = l->tls;
	in.tls_verify = l->tls && b->cfg->tls_verify;
	n = proto_fmt_info(buf, INFO_MAX, &in);
	return n < INFO_MAX ? n : 0;
}

/* send_info: queue the INFO line that greets c (with "ldm":true in
 * lame duck mode) */
static void
send_info(struct broker *b, struct client *c)
{
	char line[INFO_MAX];
	size_t n;

	/* nkey users sign a fresh nonce of each client's, the one of its
	 * first INFO (a lame duck INFO repeats it) */
	if (!c->trusted && c->nonce[0] == '\0' &&
	    auth_needs_nonce(b->cfg->auth) &&
	    auth_nonce(c->nonce, sizeof(c->nonce)) == -1)
		c->nonce[0] = '\0';
	n = info_line(b, c->l, c->id, !c->trusted, c->nonce[0] ? c->nonce :
	    NULL, b->ldm, line);

	if (n > 0)
		send_ctl(b, c, line, n);
}

/* refuse: tell a client over a limit why, without waiting: INFO first,
 * as nats-server does, so that a client reads the -ERR as the server's
 * answer rather than as a broken greeting */
static void
refuse(const struct broker *b, const struct listener *l, int fd)
{
	char line[INFO_MAX + ERR_ROOM];
	size_t n = info_line(b, l, 0, l->auth, NULL, false, line);

	n += proto_fmt_err(line + n, sizeof(line) - n,
	    proto_strerror(PROTO_EMAXCONN));
	if (n < sizeof(line))
		(void)send(fd, line, n, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

/* drop_oldest_pending: make room among the clients yet to authenticate
 * by closing the one that waited longest (a flood of them then cannot
 * keep out a client that sends its CONNECT at once) */
static void
drop_oldest_pending(struct broker *b)
{
	struct client *v = b->phead;
	char line[ERR_ROOM];
	size_t n;

	if (v == NULL)
		return;
	if (!v->closing) {
		rate_log(b, &b->refuselog, "client %" PRIu64 " %s: dropped: "
		    "%d clients yet to authenticate already", v->id, v->peer,
		    b->npending);
		n = proto_fmt_err(line, sizeof(line),
		    proto_strerror(PROTO_EMAXCONN));
		if (v->tls_up)
			(void)tls_write(v->tls, line, n);
		else if (v->tls == NULL || !v->tls_started)
			(void)send(v->fd, line, n, MSG_NOSIGNAL |
			    MSG_DONTWAIT);
	}
	close_now(b, v, NULL);
}

/* add_client: a client for the accepted fd; 0 or -1 */
static int
add_client(struct broker *b, struct listener *l, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct client *c;
	int one = 1;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return -1;
	}
	c->sids = (struct htab)HTAB_INIT(struct bsub, hnext, hash);
	peer_name(c, fd, l);
	/* clients no socket vouches for have a pool of their own until
	 * they CONNECT: they cannot crowd out the owner's clients */
	if (c->vouched && b->nclients - b->npending >= b->max_clients) {
		rate_log(b, &b->refuselog, "%s: refused a client: %d clients "
		    "already", l->name, b->nclients - b->npending);
		goto refused;
	}
	if (!c->vouched && b->npending >= b->max_unauth)
		drop_oldest_pending(b);
	c->kind = SRC_CLIENT;
	c->fd = fd;
	c->id = ++b->next_id;
	c->l = l;
	c->echo = true;
	proto_parser_init(&c->pp, PROTO_SERVER);
	c->pp.max_control = b->max_control;
	c->pp.max_payload = b->max_payload;
	c->pp.connect_first = true;
	if (l->bound.type != ADDR_UNIX)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (l->tls && (c->tls = tls_new(b->cfg->tls, fd, NULL)) == NULL) {
		close(fd);
		free(c);
		return -1;
	}
	ev.data.ptr = c;
	if (epoll_ctl(b->ep, EPOLL_CTL_ADD, fd, &ev) == -1) {
		tls_free(c->tls);
		close(fd);
		free(c);
		return -1;
	}
	c->next = b->clients;
	if (b->clients != NULL)
		b->clients->prev = c;
	b->clients = c;
	b->nclients++;
	b->total_clients++;
	c->last_in = io_now_ms();
	if (!c->vouched) {
		c->auth_until = io_now_ms() + b->auth_timeout;
		pending_add(b, c);
	}
	blog(b, "client %" PRIu64 " %s: connected%s", c->id, c->peer,
	    c->trusted ? "" : " (authentication required)");
	send_info(b, c);
	return 0;
refused:
	refuse(b, l, fd);
	free(c);
	return 0;
}

/* pause_listeners: stop accepting for PAUSE_MS (out of descriptors) */
static void
pause_listeners(struct broker *b, bool on)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int i;

	for (i = 0; i < b->nl; i++) {
		ev.data.ptr = &b->l[i];
		epoll_ctl(b->ep, on ? EPOLL_CTL_DEL : EPOLL_CTL_ADD,
		    b->l[i].fd, &ev);
	}
	b->paused = on;
	b->paused_until = io_now_ms() + PAUSE_MS;
}

/* refuse_spare: out of descriptors, give up the spare one for a moment
 * to accept a waiting client of l and refuse it with -ERR 'Maximum
 * Connections Exceeded', rather than leave it unanswered in the backlog;
 * true when a client was refused */
static bool
refuse_spare(struct broker *b, struct listener *l)
{
	int fd;

	if (b->spare == -1)
		return false;
	close(b->spare);
	fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd != -1) {
		rate_log(b, &b->refuselog, "%s: refused a client: out of "
		    "descriptors", l->name);
		refuse(b, l, fd);
	}
	b->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return fd != -1;
}

/* do_accept: accept4(2) the waiting connections of l */
static void
do_accept(struct broker *b, struct listener *l)
{
	int i, fd;

	for (i = 0; i < ACCEPT_BATCH; i++) {
		fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if ((errno == EMFILE || errno == ENFILE) &&
			    refuse_spare(b, l))
				continue;
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				blog(b, "%s: accept: %s (pausing %d ms)",
				    l->name, strerror(errno), PAUSE_MS);
				pause_listeners(b, true);
			}
			return;
		}
		if (add_client(b, l, fd) == -1)
			blog(b, "%s: add client: %s", l->name,
			    strerror(errno));
	}
}

/* Set-up and teardown */

/* write_addr_file: the first bound address and a newline into path,
 * atomically (a temporary file renamed); 0 or -1 */
static int
write_addr_file(const char *path, const struct addr *a)
{
	char buf[ADDR_STR_MAX];

	addr_format(a, buf, sizeof(buf));
	return pidfile_publish_line(path, buf, 0);
}

/* open_listeners: bind every configured address; 0 or -1 with errno */
static int
open_listeners(struct broker *b)
{
	const struct broker_config *cfg = b->cfg;
	struct epoll_event ev = { .events = EPOLLIN };
	struct listener *l;
	struct stat st;
	int i;

	for (i = 0; i < cfg->nlisten; i++) {
		const struct addr *a = &cfg->listen[i];

		if (a->type != ADDR_UNIX && a->type != ADDR_TCP &&
		    a->type != ADDR_NATS && a->type != ADDR_TLS) {
			errno = EPROTONOSUPPORT;
			return -1;
		}
		if ((a->type == ADDR_TLS || a->tls) && cfg->tls == NULL) {
			errno = EINVAL;
			return -1;
		}
		l = &b->l[b->nl];
		memset(l, 0, sizeof(*l));
		l->kind = SRC_LISTENER;
		if ((l->fd = sock_listen(a, 1024, cfg->unix_mode,
		    &l->bound)) == -1)
			return -1;
		b->nl++;
		if (a->type == ADDR_TLS || a->tls) {
			l->tls = true;
			l->bound.type = ADDR_TLS;	/* for --addr-file */
		}
		if (a->type == ADDR_UNIX && !a->abstract) {
			/* sock_listen's bound address of a path is the path */
			l->bound = *a;
			if (stat(a->path, &st) == 0) {
				l->unix_file = true;
				l->dev = st.st_dev;
				l->ino = st.st_ino;
			}
		}
		addr_format(&l->bound, l->name, sizeof(l->name));
		/* a path socket is guarded by its 0600 mode; an abstract one
		 * and TCP are open to every local user */
		l->auth = !(a->type == ADDR_UNIX && !a->abstract) &&
		    !cfg->no_auth;
		if (l->auth && cfg->token == NULL && cfg->auth == NULL &&
		    a->type != ADDR_UNIX) {
			errno = EINVAL;
			return -1;
		}
		io_set_nonblock(l->fd, true);
		ev.data.ptr = l;
		if (epoll_ctl(b->ep, EPOLL_CTL_ADD, l->fd, &ev) == -1)
			return -1;
		blog(b, "listening on %s%s%s", l->name,
		    l->auth ? " (authentication required)" : "",
		    !l->tls ? "" : cfg->tls_verify ? " (TLS, client "
		    "certificates required)" : " (TLS)");
	}
	return 0;
}

/* close_listeners: close them and remove the socket files still ours */
static void
close_listeners(struct broker *b)
{
	int i;

	for (i = 0; i < b->nl; i++) {
		close(b->l[i].fd);
		if (b->l[i].unix_file)	/* only the inode bound: src/sock.c */
			sock_unlink(&b->l[i].bound);
	}
	b->nl = 0;
}

/* end_batch: flush the clients written to during the batch, then free
 * the ones closed */
static void
end_batch(struct broker *b)
{
	struct client *c, *next;

	while ((c = b->dirty) != NULL) {
		b->dirty = NULL;
		for (; c != NULL; c = next) {
			next = c->link;
			c->dirty = false;
			if (c->dead) {
				/* closed while dirty: close_now left it here */
				if (!c->reaping) {
					c->link = b->dead;
					b->dead = c;
				}
			} else
				flush(b, c);	/* close_now inside sees !dirty */
		}
	}
	for (c = b->dead; c != NULL; c = next) {
		next = c->link;
		client_free(c);
	}
	b->dead = NULL;
}

/* timeout_ms: how long epoll_wait may sleep (closing clients and paused
 * listeners have deadlines) */
static int
timeout_ms(struct broker *b)
{
	int64_t now = io_now_ms(), until = -1;
	struct client *c;

	if (!LIST_EMPTY(&b->busy) || b->again != NULL ||
	    !LIST_EMPTY(&b->reap) || (b->ldm && b->nclients == 0))
		return 0;
	if (b->paused)
		until = b->paused_until;
	if (b->ldm && (until == -1 || b->ldm_next < until))
		until = b->ldm_next;
	if (b->ping_interval > 0 && b->clients != NULL &&
	    (until == -1 || b->next_ping < until))
		until = b->next_ping;
	if (b->authlog.skipped > 0 && (until == -1 || b->authlog.next < until))
		until = b->authlog.next;
	if (b->refuselog.skipped > 0 &&
	    (until == -1 || b->refuselog.next < until))
		until = b->refuselog.next;
	if (b->nclosing > 0 || b->npending > 0)
		for (c = b->clients; c != NULL; c = c->next) {
			int64_t t = c->closing ? c->linger_until :
			    c->pending ? c->auth_until : -1;

			if (t != -1 && (until == -1 || t < until))
				until = t;
		}
	if (until == -1)
		return -1;
	return until <= now ? 0 : (int)(until - now);
}

/* ping_round: PING every client silent for a ping interval; close the
 * ones that left max_pings_out PINGs unanswered (Stale Connection) */
static void
ping_round(struct broker *b, int64_t now)
{
	struct client *c, *next;

	b->next_ping = now + b->ping_interval;
	for (c = b->clients; c != NULL; c = next) {
		next = c->next;
		if (c->closing || c->dead || now - c->last_in < b->ping_interval)
			continue;
		if (c->pings_out >= b->max_pings_out) {
			fail(b, c, PROTO_ESTALE);
			continue;
		}
		c->pings_out++;
		send_ctl(b, c, PROTO_PING, sizeof(PROTO_PING) - 1);
	}
}

static void ldm_round(struct broker *b, int64_t now);

/* expire: close lingering clients whose time is up, resume listeners,
 * PING the silent ones when it is time */
static void
expire(struct broker *b)
{
	int64_t now = io_now_ms();
	struct client *c, *next;

	if (b->paused && now >= b->paused_until)
		pause_listeners(b, false);
	if (b->ping_interval > 0 && now >= b->next_ping)
		ping_round(b, now);
	rate_log_flush(b, &b->authlog, now);
	rate_log_flush(b, &b->refuselog, now);
	if (b->ldm)
		ldm_round(b, now);
	if (b->nclosing == 0 && b->npending == 0)
		return;
	for (c = b->clients; c != NULL; c = next) {
		next = c->next;
		if (c->closing && now >= c->linger_until)
			close_now(b, c, "linger expired");
		else if (!c->closing && c->pending && now >= c->auth_until &&
		    c->tls != NULL && !c->tls_up) {
			/* no -ERR: plain text would break into the TLS */
			rate_log(b, &b->authlog, "client %" PRIu64 " %s: no "
			    "TLS handshake in time, disconnected", c->id,
			    c->peer);
			close_now(b, c, NULL);
		} else if (!c->closing && c->pending && now >= c->auth_until)
			fail(b, c, PROTO_EAUTHTIMEOUT);
	}
}

/* lame_duck: enter lame duck mode (SIGUSR2): no new clients (the
 * listeners close, their socket files go), every client told by an INFO
 * with "ldm":true, the ones that stay closed from the end of the grace
 * period on (ldm_round) */
static void
lame_duck(struct broker *b, unsigned int pid)
{
	int64_t now = io_now_ms(), d = b->cfg->lame_duck_ms > 0 ?
	    b->cfg->lame_duck_ms : 120000, grace = d / 4;
	struct client *c;

	if (b->ldm) {
		blog(b, "SIGUSR2 from pid %u: in lame duck mode already", pid);
		return;
	}
	if (grace > LDM_GRACE_MS)
		grace = LDM_GRACE_MS;
	b->ldm = true;
	b->ldm_close = b->ldm_next = now + grace;
	b->ldm_end = now + d;
	blog(b, "SIGUSR2 from pid %u: lame duck mode: no new clients, the %d "
	    "connected ones closed from %" PRId64 " ms on, all by %" PRId64
	    " ms", pid, b->nclients, grace, d);
	close_listeners(b);
	b->paused = false;
	for (c = b->clients; c != NULL; c = c->next)
		if (!c->closing && !c->dead)
			send_info(b, c);
}

/* ldm_round: in lame duck mode, close a share of the clients left, so
 * that the last goes by ldm_end; stop once none is left */
static void
ldm_round(struct broker *b, int64_t now)
{
	struct client *c, *next;
	int64_t rounds;
	int open = 0, n;

	if (b->nclients == 0) {
		blog(b, "lame duck mode: every client gone, exiting");
		b->stop = true;
		return;
	}
	if (now < b->ldm_next)
		return;
	b->ldm_next = now + LDM_TICK_MS;
	for (c = b->clients; c != NULL; c = c->next)
		open += !c->closing && !c->dead;
	rounds = now >= b->ldm_end ? 1 :
	    (b->ldm_end - now + LDM_TICK_MS - 1) / LDM_TICK_MS;
	n = (int)((open + rounds - 1) / rounds);
	for (c = b->clients; c != NULL && n > 0; c = next) {
		next = c->next;
		if (c->closing || c->dead)
			continue;
		close_after(b, c, NULL, "lame duck mode: closed");
		n--;
	}
}

/* reload: SIGHUP: load the credentials again through cfg->reload */
static void
reload(struct broker *b, unsigned int pid)
{
	char why[256] = "";

	if (b->cfg->reload == NULL)
		blog(b, "SIGHUP from pid %u: nothing to reload, ignored", pid);
	else if (b->cfg->reload(b->cfg->reload_arg, why, sizeof(why)) == 0)
		blog(b, "SIGHUP from pid %u: credentials loaded again", pid);
	else
		blog(b, "SIGHUP from pid %u: the credentials in force stay: %s",
		    pid, why);
}

/* on_signal: read the signalfd: SIGTERM or SIGINT stop the loop,
 * SIGUSR2 starts lame duck mode, SIGHUP reloads */
static void
on_signal(struct broker *b)
{
	struct signalfd_siginfo si;

	while (read(b->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			reload(b, si.ssi_pid);
			continue;
		}
		if (si.ssi_signo == SIGUSR2) {
			lame_duck(b, si.ssi_pid);
			continue;
		}
		blog(b, "%s from pid %u: shutting down",
		    si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT",
		    si.ssi_pid);
		b->stop = true;
		b->stop_sig = (int)si.ssi_signo;
	}
}

/* serve: the event loop; returns when a signal asked to stop */
/* read_again: read the TLS clients whose sessions hold input (one turn
 * each; a client still holding more stays on the list) */
static void
read_again(struct broker *b)
{
	struct client *c, *list = b->again;

	b->again = NULL;
	while ((c = list) != NULL) {
		list = c->anext;
		c->again = false;
		if (!c->dead && !c->busy)
			client_read(b, c);
	}
}

static void
serve(struct broker *b)
{
	struct epoll_event ev[MAX_EVENTS];
	struct client *c;
	int n, i;

	while (!b->stop) {
		n = epoll_wait(b->ep, ev, MAX_EVENTS, timeout_ms(b));
		b->reap_left = REAP_TURN;
		b->reap_until = io_now_us() + TURN_US;
		if (n == -1 && errno != EINTR)
			break;
		for (i = 0; i < n; i++) {
			enum src_kind k = *(enum src_kind *)ev[i].data.ptr;

			if (k == SRC_SIGNAL) {
				on_signal(b);
				continue;
			}
			if (k == SRC_LISTENER) {
				do_accept(b, ev[i].data.ptr);
				continue;
			}
			c = ev[i].data.ptr;
			if (c->dead)
				continue;
			if (ev[i].events & EPOLLIN)
				client_read(b, c);
			else if (ev[i].events & (EPOLLERR | EPOLLHUP))
				close_now(b, c, "connection reset");
			if (!c->dead && (ev[i].events & EPOLLOUT) &&
			    c->tls_want_out)
				client_read(b, c);	/* TLS waited for it */
			if (!c->dead && (ev[i].events & EPOLLOUT))
				mark_dirty(b, c);
		}
		work_busy(b);
		read_again(b);
		reap(b);
		end_batch(b);
		expire(b);
		end_batch(b);
	}
}

/* broker_free: close every client and release the broker's memory */
static void
broker_free(struct broker *b)
{
	while (b->clients != NULL)
		close_now(b, b->clients, "broker shutting down");
	while (!LIST_EMPTY(&b->reap)) {	/* no one is waiting any more */
		b->reap_left = SIZE_MAX;
		b->reap_until = INT64_MAX;
		reap(b);
	}
	end_batch(b);
	close_listeners(b);
	sublist_result_free(&b->res);
	sublist_free(&b->sl);
	free(b->line);
	free(b->rbuf);
	if (b->sigfd != -1)
		close(b->sigfd);
	if (b->ep != -1)
		close(b->ep);
	if (b->spare != -1)
		close(b->spare);
}

/* limits: copy the configuration's limits, defaults for zeros */
static void
limits(struct broker *b, const struct broker_config *cfg)
{
	b->cfg = cfg;
	b->max_payload = cfg->max_payload ? cfg->max_payload :
	    PROTO_MAX_PAYLOAD;
	b->max_control = cfg->max_control ? cfg->max_control :
	    PROTO_MAX_CONTROL;
	b->max_pending = cfg->max_pending ? cfg->max_pending :
	    64 * 1024 * 1024;
	b->max_clients = cfg->max_clients ? cfg->max_clients : 10000;
	b->max_subs = cfg->max_subs;	/* 0: no limit, as nats-server */
	b->max_unauth = cfg->max_unauth ? cfg->max_unauth : BROKER_MAX_UNAUTH;
	b->authlog.what = "failed authentications";
	b->refuselog.what = "clients refused or dropped";
	b->auth_timeout = cfg->auth_timeout_ms > 0 ? cfg->auth_timeout_ms :
	    2000;
	b->ping_interval = cfg->ping_interval_ms > 0 ? cfg->ping_interval_ms :
	    cfg->ping_interval_ms < 0 ? -1 : BROKER_PING_INTERVAL;
	b->max_pings_out = cfg->max_pings_out > 0 ? cfg->max_pings_out :
	    BROKER_MAX_PINGS_OUT;
	b->next_ping = io_now_ms() + b->ping_interval;
	b->max_in = b->max_control + b->max_payload + 2 + READ_MAX;
	/* a MSG line: a subject and a reply of one control line each */
	b->linecap = 2 * b->max_control + 128;
}

/* raise_nofile: lift the soft descriptor limit toward max_clients (up to
 * the hard limit), so that the limit that refuses clients is ours */
static void
raise_nofile(struct broker *b)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)b->max_clients + (rlim_t)b->max_unauth + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want ?
	    rl.rlim_max : want;
	if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
		blog(b, "descriptor limit raised to %llu",
		    (unsigned long long)rl.rlim_cur);
}

int
broker_run(const struct broker_config *cfg)
{
	static struct broker zero;
	struct broker b = zero;
	struct epoll_event ev = { .events = EPOLLIN };
	sigset_t mask, old;
	int e, rc = -1;

	limits(&b, cfg);
	/* No fastbins: glibc gathers freed small blocks there and merges
	 * them all at once (malloc_consolidate) at the next big free, which
	 * after a client's 100,000 subscriptions went is milliseconds in
	 * one call; without them each free merges its own block. And a
	 * fixed threshold above which blocks are mapped (glibc raises it to
	 * the largest block freed): big buffers go back with munmap. */
	mallopt(M_MXFAST, 0);
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	b.ep = b.sigfd = b.spare = -1;
	b.start_ms = io_now_ms();
	b.sigkind = SRC_SIGNAL;
	snprintf(b.server_id, sizeof(b.server_id), "IPCTOOL%ld%" PRId64,
	    (long)getpid(), b.start_ms);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR2);
	if (cfg->nlisten < 1 || cfg->nlisten > BROKER_MAX_LISTENERS) {
		errno = EINVAL;
		return -1;
	}
	if (sigprocmask(SIG_BLOCK, &mask, &old) == -1)
		return -1;
	raise_nofile(&b);
	if ((b.line = malloc(b.linecap)) == NULL ||
	    (b.rbuf = malloc(b.max_in)) == NULL ||
	    sublist_init(&b.sl, entry_live) == -1 ||
	    (b.spare = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1 ||
	    (b.ep = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    (b.sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		goto fail;
	ev.data.ptr = &b.sigkind;
	if (epoll_ctl(b.ep, EPOLL_CTL_ADD, b.sigfd, &ev) == -1 ||
	    open_listeners(&b) == -1)
		goto fail;
	if (cfg->addr_file != NULL &&
	    write_addr_file(cfg->addr_file, &b.l[0].bound) == -1) {
		rc = BROKER_ADDR_FILE_FAILED;
		goto fail;
	}
	serve(&b);
	broker_free(&b);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return b.stop_sig;
fail:
	e = errno;
	broker_free(&b);
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return rc;
}

char *
broker_default_path(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	int n;

	if (xdg != NULL && xdg[0] == '/')
		n = snprintf(buf, len, "%s/ipctool/bus.sock", xdg);
	else
		n = snprintf(buf, len, "/tmp/ipctool-%ld/bus.sock",
		    (long)geteuid());
	if (n < 0 || (size_t)n >= len || (size_t)n >= ADDR_PATH_MAX)
		return NULL;
	return buf;
}

int
broker_prepare_dir(const char *path)
{
	char copy[4096], *dir;
	struct stat st;

	if (strlcpy(copy, path, sizeof(copy)) >= sizeof(copy)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	dir = dirname(copy);
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		return -1;
	if (lstat(dir, &st) == -1)
		return -1;
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077) != 0) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

char *
broker_token_path(char *buf, size_t len)
{
	char *slash;

	if (broker_default_path(buf, len) == NULL ||
	    (slash = strrchr(buf, '/')) == NULL ||
	    (size_t)(slash - buf) + sizeof("/token") > len)
		return NULL;
	strlcpy(slash, "/token", len - (size_t)(slash - buf));
	return buf;
}

/* token_create: a new random token (hex) in a new 0600 file at path, and
 * in buf; 0 or -1 with errno (EEXIST when someone made it first) */
static int
token_create(const char *path, char *buf, size_t len)
{
	unsigned char rnd[BROKER_TOKEN_BYTES];
	size_t i;
	int fd, e;

	if (len < 2 * sizeof(rnd) + 1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -1;
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(buf + 2 * i, 3, "%02x", rnd[i]);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1)
		return -1;
	buf[2 * sizeof(rnd)] = '\n';
	if (io_write_full(fd, buf, 2 * sizeof(rnd) + 1) == -1 ||
	    close(fd) == -1) {
		e = errno;
		unlink(path);
		errno = e;
		return -1;
	}
	buf[2 * sizeof(rnd)] = '\0';
	return 0;
}

int
broker_token_load(const char *path, bool create, char *buf, size_t len)
{
	struct stat st;
	ssize_t n;
	int fd, e;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 && errno == ENOENT && create) {
		if (token_create(path, buf, len) == 0)
			return 0;
		if (errno != EEXIST)
			return -1;
		/* another process made it first: read theirs */
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077) != 0) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	n = io_read_full(fd, buf, len);
	e = errno;
	close(fd);
	if (n == -1) {
		errno = e;
		return -1;
	}
	if ((size_t)n == len) {
		errno = EFBIG;
		return -1;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' ||
	    buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		n--;
	buf[n] = '\0';
	if (n == 0 || memchr(buf, '\0', (size_t)n) != NULL ||
	    strpbrk(buf, " \t\r\n\"\\") != NULL) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}
