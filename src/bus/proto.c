/* proto.c - the NATS client protocol without I/O: incremental zero-copy
 * parser (CONNECT PUB HPUB SUB UNSUB PING PONG from clients, INFO MSG HMSG
 * PING PONG +OK -ERR from servers), a JSON reader for CONNECT and INFO,
 * writers and NATS/1.0 headers.
 * See https://docs.nats.io/reference/reference-protocols/nats-protocol */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "json.h"
#include "parse.h"
#include "proto.h"
#include "subject.h"

#define PROTO_MAX_PAYLOAD_CLIENT (64 * 1024 * 1024)	/* nats-server's cap */
#define MAXARGS		5
#define JSON_DEPTH	64

static const char *const errtext[] = {
	[-PROTO_EUNKNOWN] = "Unknown Protocol Operation",
	/* as nats-server 2.9.10 words them, capitals and all */
	[-PROTO_EPARSE] = "Unknown Protocol Operation",
	[-PROTO_ECONTROL] = "maximum control line exceeded",
	[-PROTO_EPAYLOAD] = "Maximum Payload Violation",
	[-PROTO_ESUBJECT] = "Invalid Subject",
	[-PROTO_EPUBSUBJECT] = "Invalid Publish Subject",
	[-PROTO_EAUTH] = "Authorization Violation",
	[-PROTO_EAUTHTIMEOUT] = "Authentication Timeout",
	[-PROTO_EPROTOCOL] = "Invalid Client Protocol",
	[-PROTO_ESLOW] = "Slow Consumer",
	[-PROTO_EMAXCONN] = "maximum connections exceeded",
	[-PROTO_EMAXSUBS] = "maximum subscriptions exceeded",
	[-PROTO_ESTALE] = "Stale Connection",
};

const char *
proto_strerror(int err)
{
	if (err >= 0 || err < PROTO_ELAST)
		return "Unknown Error";
	return errtext[-err];
}

bool
proto_fatal(int err)
{
	return err < 0 && err != PROTO_ESUBJECT &&
	    err != PROTO_EPUBSUBJECT && err != PROTO_EMAXSUBS;
}

void
proto_parser_init(struct proto_parser *p, enum proto_side side)
{
	memset(p, 0, sizeof(*p));
	p->side = side;
	if (side == PROTO_SERVER) {
		p->max_control = PROTO_MAX_CONTROL;
		p->max_payload = PROTO_MAX_PAYLOAD;
	} else {
		p->max_control = PROTO_MAX_CONTROL_CLIENT;
		p->max_payload = PROTO_MAX_PAYLOAD_CLIENT;
	}
}

/* is_blank: true for the argument separators */
static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* trim: s without leading and trailing blanks */
static struct proto_str
trim(struct proto_str s)
{
	while (s.len > 0 && is_blank(s.p[0])) {
		s.p++;
		s.len--;
	}
	while (s.len > 0 && is_blank(s.p[s.len - 1]))
		s.len--;
	return s;
}

/* split: the blank-separated words of s into av; returns their count, or
 * -1 when there are more than max */
static int
split(struct proto_str s, struct proto_str *av, int max)
{
	size_t i = 0, start;
	int n = 0;

	for (;;) {
		while (i < s.len && is_blank(s.p[i]))
			i++;
		if (i == s.len)
			return n;
		if (n == max)
			return -1;
		start = i;
		while (i < s.len && !is_blank(s.p[i]))
			i++;
		av[n].p = s.p + start;
		av[n++].len = i - start;
	}
}

int
proto_parse_uint(struct proto_str s, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;
	unsigned int d;

	if (s.len == 0)
		return -1;
	for (i = 0; i < s.len; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return -1;
		d = (unsigned int)(s.p[i] - '0');
		if (x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

static const struct verb {
	const char	*name;
	enum proto_kind	 kind;
	int		 side;		/* -1: both */
} verbs[] = {
	{ "PUB", PROTO_OP_PUB, PROTO_SERVER },
	{ "MSG", PROTO_OP_MSG, PROTO_CLIENT },
	{ "PING", PROTO_OP_PING, -1 },
	{ "PONG", PROTO_OP_PONG, -1 },
	{ "HPUB", PROTO_OP_HPUB, PROTO_SERVER },
	{ "HMSG", PROTO_OP_HMSG, PROTO_CLIENT },
	{ "SUB", PROTO_OP_SUB, PROTO_SERVER },
	{ "UNSUB", PROTO_OP_UNSUB, PROTO_SERVER },
	{ "CONNECT", PROTO_OP_CONNECT, PROTO_SERVER },
	{ "INFO", PROTO_OP_INFO, PROTO_CLIENT },
	{ "+OK", PROTO_OP_OK, PROTO_CLIENT },
	{ "-ERR", PROTO_OP_ERR, PROTO_CLIENT },
};

/* verb: the operation a verb names on side, or PROTO_OP_NONE */
static enum proto_kind
verb(const char *s, size_t len, enum proto_side side)
{
	size_t i;

	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strlen(verbs[i].name) == len &&
		    strncasecmp(verbs[i].name, s, len) == 0 &&
		    (verbs[i].side == -1 || verbs[i].side == (int)side))
			return verbs[i].kind;
	return PROTO_OP_NONE;
}

/* sizes: read the payload size words (hs may be NULL: no headers) into
 * op->hdr.len and op->data.len; 0 or a fatal code */
static int
sizes(const struct proto_parser *p, const struct proto_str *hs,
    struct proto_str ts, struct proto_op *op)
{
	uint64_t h = 0, t;

	if (proto_parse_uint(ts, &t) == -1 ||
	    (hs != NULL && proto_parse_uint(*hs, &h) == -1) || h > t)
		return PROTO_EPARSE;
	if (t > p->max_payload)
		return PROTO_EPAYLOAD;
	op->hdr.len = h;
	op->data.len = t - h;
	return 0;
}

/* pub_args: PUB subj [reply] size, HPUB subj [reply] hsize tsize; 0 or
 * a fatal code. As nats-server, a publish subject is checked only for a
 * pedantic client, and then only as a literal subject (op->warn), the
 * reply subject never */
static int
pub_args(const struct proto_parser *p, struct proto_str *av, int ac,
    struct proto_op *op)
{
	int hdr = op->kind == PROTO_OP_HPUB, rc;

	if (ac != 2 + hdr && ac != 3 + hdr)
		return PROTO_EPARSE;
	op->subject = av[0];
	if (ac == 3 + hdr)
		op->reply = av[1];
	if ((rc = sizes(p, hdr ? &av[ac - 2] : NULL, av[ac - 1], op)) != 0)
		return rc;
	if (p->pedantic && !subject_literal(op->subject.p, op->subject.len))
		op->warn = PROTO_EPUBSUBJECT;
	return 0;
}

/* msg_args: MSG subj sid [reply] size, HMSG subj sid [reply] hsize tsize;
 * 0 or a fatal code */
static int
msg_args(const struct proto_parser *p, struct proto_str *av, int ac,
    struct proto_op *op)
{
	int hdr = op->kind == PROTO_OP_HMSG;

	if (ac != 3 + hdr && ac != 4 + hdr)
		return PROTO_EPARSE;
	op->subject = av[0];
	op->sid = av[1];
	if (ac == 4 + hdr)
		op->reply = av[2];
	return sizes(p, hdr ? &av[ac - 2] : NULL, av[ac - 1], op);
}

/* sub_args: SUB subj [queue] sid, UNSUB sid [max]; 0, a fatal code or
 * PROTO_ESUBJECT */
static int
sub_args(struct proto_str *av, int ac, struct proto_op *op)
{
	if (op->kind == PROTO_OP_UNSUB) {
		if (ac != 1 && ac != 2)
			return PROTO_EPARSE;
		op->sid = av[0];
		if (ac == 2 && proto_parse_uint(av[1], &op->max) == -1)
			return PROTO_EPARSE;
		return 0;
	}
	if (ac != 2 && ac != 3)
		return PROTO_EPARSE;
	op->subject = av[0];
	if (ac == 3)
		op->queue = av[1];
	op->sid = av[ac - 1];
	if (!subject_valid(op->subject.p, op->subject.len, true))
		return PROTO_ESUBJECT;
	return 0;
}

/* control: parse the control line s (without its line end) into op;
 * returns 0 or a PROTO_E* code */
static int
control(const struct proto_parser *p, const char *s, size_t len,
    struct proto_op *op)
{
	struct proto_str rest, av[MAXARGS];
	size_t v = 0;
	int ac;

	while (v < len && !is_blank(s[v]))
		v++;
	op->kind = verb(s, v, p->side);
	if (p->connect_first && op->kind != PROTO_OP_CONNECT &&
	    op->kind != PROTO_OP_PING)
		return PROTO_EAUTH;
	if (op->kind == PROTO_OP_NONE)
		return PROTO_EUNKNOWN;
	rest.p = s + v;
	rest.len = len - v;
	switch (op->kind) {
	case PROTO_OP_CONNECT:
	case PROTO_OP_INFO:
		op->arg = trim(rest);
		return op->arg.len > 0 ? 0 : PROTO_EPARSE;
	case PROTO_OP_ERR:
		op->arg = trim(rest);
		if (op->arg.len >= 2 && op->arg.p[0] == '\'' &&
		    op->arg.p[op->arg.len - 1] == '\'') {
			op->arg.p++;
			op->arg.len -= 2;
		}
		return 0;
	case PROTO_OP_PING:
	case PROTO_OP_PONG:
	case PROTO_OP_OK:
		return 0;
	default:
		break;
	}
	if ((ac = split(rest, av, MAXARGS)) == -1)
		return PROTO_EPARSE;
	switch (op->kind) {
	case PROTO_OP_PUB:
	case PROTO_OP_HPUB:
		return pub_args(p, av, ac, op);
	case PROTO_OP_MSG:
	case PROTO_OP_HMSG:
		return msg_args(p, av, ac, op);
	default:
		return sub_args(av, ac, op);
	}
}

/* has_payload: true for operations followed by a payload */
static bool
has_payload(enum proto_kind k)
{
	return k == PROTO_OP_PUB || k == PROTO_OP_HPUB || k == PROTO_OP_MSG ||
	    k == PROTO_OP_HMSG;
}

/* fail: reset p after a fatal error err; returns err */
static int
fail(struct proto_parser *p, struct proto_op *op, int err)
{
	p->scan = 0;
	p->need = 0;
	op->len = 0;
	return err;
}

/* payload: place op's header and data after the ctl-byte control line,
 * checking the "\r\n" (or "\n") that ends them; 1 when complete, 0 when
 * more is needed, or a fatal code */
static int
payload(struct proto_parser *p, const char *buf, size_t len, size_t ctl,
    struct proto_op *op)
{
	size_t end = ctl + op->hdr.len + op->data.len;

	if (len < end + 1) {
		p->need = end + 1;
		return 0;
	}
	if (buf[end] == '\r') {
		if (len < end + 2) {
			p->need = end + 2;
			return 0;
		}
		if (buf[end + 1] != '\n')
			return PROTO_EPARSE;
		op->len = end + 2;
	} else if (buf[end] == '\n')
		op->len = end + 1;
	else
		return PROTO_EPARSE;
	if (op->hdr.len > 0)
		op->hdr.p = buf + ctl;
	op->data.p = buf + ctl + op->hdr.len;
	return 1;
}

int
proto_parse(struct proto_parser *p, const char *buf, size_t len,
    struct proto_op *op)
{
	const char *nl;
	size_t ctl, end;
	int rc, prc;

	memset(op, 0, sizeof(*op));
	if (p->need > 0 && len < p->need)
		return 0;
	if (p->scan > len)
		p->scan = 0;
	if ((nl = memchr(buf + p->scan, '\n', len - p->scan)) == NULL) {
		p->scan = len;
		if (len > p->max_control + 1)
			return fail(p, op, PROTO_ECONTROL);
		return 0;
	}
	p->scan = (size_t)(nl - buf);
	ctl = p->scan + 1;
	end = p->scan;
	if (end > 0 && buf[end - 1] == '\r')
		end--;
	if (end > p->max_control)
		return fail(p, op, PROTO_ECONTROL);
	rc = control(p, buf, end, op);
	if (proto_fatal(rc))
		return fail(p, op, rc);
	op->len = ctl;
	if (has_payload(op->kind)) {
		if ((prc = payload(p, buf, len, ctl, op)) <= 0) {
			if (prc < 0)
				return fail(p, op, prc);
			memset(op, 0, sizeof(*op));
			return 0;
		}
	}
	p->scan = 0;
	p->need = 0;
	return rc < 0 ? rc : 1;
}

/* JSON */

/* ws: p past JSON whitespace */
static const char *
ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* hexval: the value of hex digit c, or -1 */
static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* hex4: the 16-bit value of four hex digits at p (p + 4 <= end), or -1 */
static long
hex4(const char *p)
{
	long v = 0;
	int i, d;

	for (i = 0; i < 4; i++) {
		if ((d = hexval(p[i])) == -1)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* skip_string: past the string whose opening quote is at p, or NULL when
 * it is malformed (bad escape, raw control byte, no closing quote) */
static const char *
skip_string(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '"')
			return p + 1;
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p != '\\')
			continue;
		if (++p == end)
			return NULL;
		if (*p == 'u') {
			if (end - p < 5 || hex4(p + 1) == -1)
				return NULL;
			p += 4;
		} else if (strchr("\"\\/bfnrt", *p) == NULL || *p == '\0')
			return NULL;
	}
	return NULL;
}

/* digits: past a run of at least one digit at p, or NULL */
static const char *
digits(const char *p, const char *end)
{
	const char *q = p;

	while (q < end && *q >= '0' && *q <= '9')
		q++;
	return q > p ? q : NULL;
}

/* skip_number: past the JSON number at p, or NULL */
static const char *
skip_number(const char *p, const char *end)
{
	if (p < end && *p == '-')
		p++;
	if (p < end && *p == '0')
		p++;
	else if ((p = digits(p, end)) == NULL)
		return NULL;
	if (p < end && *p == '.' && (p = digits(p + 1, end)) == NULL)
		return NULL;
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if ((p = digits(p, end)) == NULL)
			return NULL;
	}
	return p;
}

/* skip_word: past the literal w at p, or NULL */
static const char *
skip_word(const char *p, const char *end, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(end - p) < n || memcmp(p, w, n) != 0)
		return NULL;
	return p + n;
}

static const char *skip_value(const char *, const char *, int,
    enum proto_json_type *);

/* skip_list: past the object or array opening at p, or NULL */
static const char *
skip_list(const char *p, const char *end, int depth)
{
	char close = *p == '{' ? '}' : ']';
	enum proto_json_type t;

	p = ws(p + 1, end);
	if (p < end && *p == close)
		return p + 1;
	for (;;) {
		if (close == '}') {
			if (p == end || *p != '"' ||
			    (p = skip_string(p, end)) == NULL)
				return NULL;
			p = ws(p, end);
			if (p == end || *p++ != ':')
				return NULL;
			p = ws(p, end);
		}
		if ((p = skip_value(p, end, depth + 1, &t)) == NULL)
			return NULL;
		p = ws(p, end);
		if (p == end)
			return NULL;
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
		p = ws(p, end);
	}
}

/* skip_value: past the JSON value at p, setting *t, or NULL */
static const char *
skip_value(const char *p, const char *end, int depth,
    enum proto_json_type *t)
{
	if (p == end || depth > JSON_DEPTH)
		return NULL;
	switch (*p) {
	case '"':
		*t = PROTO_JSON_STRING;
		return skip_string(p, end);
	case '{':
		*t = PROTO_JSON_OBJECT;
		return skip_list(p, end, depth);
	case '[':
		*t = PROTO_JSON_ARRAY;
		return skip_list(p, end, depth);
	case 't':
		*t = PROTO_JSON_TRUE;
		return skip_word(p, end, "true");
	case 'f':
		*t = PROTO_JSON_FALSE;
		return skip_word(p, end, "false");
	case 'n':
		*t = PROTO_JSON_NULL;
		return skip_word(p, end, "null");
	default:
		*t = PROTO_JSON_NUMBER;
		return skip_number(p, end);
	}
}

void
proto_json_begin(struct proto_json_iter *it, const char *json, size_t len)
{
	it->p = json;
	it->end = json + len;
	it->state = 0;
}

/* json_stop: end the iteration with rc (0 done, -1 malformed) */
static int
json_stop(struct proto_json_iter *it, int rc)
{
	it->state = rc == 0 ? 2 : -1;
	return rc;
}

int
proto_json_next(struct proto_json_iter *it, struct proto_str *key,
    struct proto_str *val, enum proto_json_type *type)
{
	const char *p, *q, *end = it->end;

	if (it->state == 2 || it->state == -1)
		return it->state == 2 ? 0 : -1;
	p = ws(it->p, end);
	if (it->state == 0) {
		if (p == end || *p++ != '{')
			return json_stop(it, -1);
		p = ws(p, end);
		if (p < end && *p == '}')
			return json_stop(it, ws(p + 1, end) == end ? 0 : -1);
	} else {
		if (p < end && *p == '}')
			return json_stop(it, ws(p + 1, end) == end ? 0 : -1);
		if (p == end || *p++ != ',')
			return json_stop(it, -1);
		p = ws(p, end);
	}
	if (p == end || *p != '"' || (q = skip_string(p, end)) == NULL)
		return json_stop(it, -1);
	key->p = p + 1;
	key->len = (size_t)(q - p) - 2;
	p = ws(q, end);
	if (p == end || *p++ != ':')
		return json_stop(it, -1);
	p = ws(p, end);
	if ((q = skip_value(p, end, 1, type)) == NULL)
		return json_stop(it, -1);
	val->p = p;
	val->len = (size_t)(q - p);
	if (*type == PROTO_JSON_STRING) {
		val->p++;
		val->len -= 2;
	}
	it->p = q;
	it->state = 1;
	return 1;
}

/* Output into a caller buffer, counting what does not fit. */
struct wbuf {
	char	*p;
	size_t	 size;
	size_t	 len;
};

/* put: append n bytes of s (as many as fit); returns nothing */
static void
put(struct wbuf *w, const void *s, size_t n)
{
	size_t room;

	if (n > 0 && w->len < w->size) {
		room = w->size - w->len;
		memcpy(w->p + w->len, s, n < room ? n : room);
	}
	w->len += n;
}

/* putc1: append one byte */
static void
putc1(struct wbuf *w, char c)
{
	put(w, &c, 1);
}

/* putz: append a C string */
static void
putz(struct wbuf *w, const char *s)
{
	put(w, s, strlen(s));
}

/* putu: append v in decimal */
static void
putu(struct wbuf *w, uint64_t v)
{
	char d[U64_DEC];

	put(w, d, u64_dec(v, d));
}

/* puti: append v in decimal, with its sign */
static void
puti(struct wbuf *w, long long v)
{
	if (v < 0) {
		putc1(w, '-');
		putu(w, -(uint64_t)v);
	} else
		putu(w, (uint64_t)v);
}

/* finish: NUL-terminate as snprintf; returns the length needed */
static size_t
finish(struct wbuf *w)
{
	if (w->len < w->size)
		w->p[w->len] = '\0';
	else if (w->size > 0)
		w->p[w->size - 1] = '\0';
	return w->len;
}

/* put_utf8: append code point cp as UTF-8 */
static void
put_utf8(struct wbuf *w, unsigned long cp)
{
	if (cp < 0x80)
		putc1(w, (char)cp);
	else if (cp < 0x800) {
		putc1(w, (char)(0xc0 | cp >> 6));
		putc1(w, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		putc1(w, (char)(0xe0 | cp >> 12));
		putc1(w, (char)(0x80 | (cp >> 6 & 0x3f)));
		putc1(w, (char)(0x80 | (cp & 0x3f)));
	} else {
		putc1(w, (char)(0xf0 | cp >> 18));
		putc1(w, (char)(0x80 | (cp >> 12 & 0x3f)));
		putc1(w, (char)(0x80 | (cp >> 6 & 0x3f)));
		putc1(w, (char)(0x80 | (cp & 0x3f)));
	}
}

/* unicode: the code point of the \u escape whose 'u' is at s.p[*i],
 * joining surrogate pairs, advancing *i to its last digit; -1 if bad */
static long
unicode(struct proto_str s, size_t *i)
{
	long hi, lo;

	if (s.len - *i < 5 || (hi = hex4(s.p + *i + 1)) == -1)
		return -1;
	*i += 4;
	if (hi >= 0xdc00 && hi <= 0xdfff)
		return -1;
	if (hi < 0xd800 || hi > 0xdbff)
		return hi;
	if (s.len - *i < 7 || s.p[*i + 1] != '\\' || s.p[*i + 2] != 'u' ||
	    (lo = hex4(s.p + *i + 3)) == -1 || lo < 0xdc00 || lo > 0xdfff)
		return -1;
	*i += 6;
	return 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
}

ssize_t
proto_json_unescape(struct proto_str s, char *buf, size_t size)
{
	struct wbuf w = { buf, size, 0 };
	const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t", *e;
	size_t i;
	long cp;

	for (i = 0; i < s.len; i++) {
		if ((unsigned char)s.p[i] < 0x20)
			return -1;
		if (s.p[i] != '\\') {
			putc1(&w, s.p[i]);
			continue;
		}
		if (++i == s.len)
			return -1;
		if (s.p[i] == 'u') {
			if ((cp = unicode(s, &i)) <= 0)
				return -1;
			put_utf8(&w, (unsigned long)cp);
		} else if (s.p[i] != '\0' && (e = strchr(from, s.p[i])) != NULL)
			putc1(&w, to[e - from]);
		else
			return -1;
	}
	return (ssize_t)finish(&w);
}

/* escape: append s as a quoted JSON string (json_quote's rules) */
static void
escape(struct wbuf *w, struct proto_str s)
{
	bool room = w->len < w->size;

	w->len += json_quote(room ? w->p + w->len : NULL,
	    room ? w->size - w->len : 0, s.p, s.len);
}

/* How a known JSON field is stored. */
/* F_FLAG: a bool written only when true ("ldm") */
enum ftype { F_BOOL, F_FLAG, F_INT, F_U64, F_NAME, F_SECRET };

struct field {
	const char	*name;
	enum ftype	 type;
	size_t		 off;
	size_t		 size;
};

#define FC(n, t) { #n, t, offsetof(struct proto_connect, n), \
	sizeof(((struct proto_connect *)0)->n) }
#define FI(n, t) { #n, t, offsetof(struct proto_info, n), \
	sizeof(((struct proto_info *)0)->n) }

static const struct field connect_fields[] = {
	FC(verbose, F_BOOL), FC(pedantic, F_BOOL), FC(tls_required, F_BOOL),
	FC(headers, F_BOOL), FC(no_responders, F_BOOL), FC(echo, F_BOOL),
	FC(protocol, F_INT), FC(auth_token, F_SECRET), FC(user, F_SECRET),
	FC(pass, F_SECRET), FC(nkey, F_SECRET), FC(sig, F_SECRET),
	FC(jwt, F_SECRET), FC(name, F_NAME), FC(lang, F_NAME),
	FC(version, F_NAME), { NULL, 0, 0, 0 }
};

/* the INFO fields, once: the broker writes these */
#define INFO_FIELDS \
	FI(server_id, F_NAME), FI(server_name, F_NAME), FI(version, F_NAME), \
	FI(host, F_NAME), FI(port, F_INT), FI(proto, F_INT), \
	FI(max_payload, F_U64), FI(client_id, F_U64), FI(headers, F_BOOL), \
	FI(auth_required, F_BOOL), FI(nonce, F_NAME), FI(ldm, F_FLAG), \
	FI(tls_required, F_FLAG), FI(tls_verify, F_FLAG)

static const struct field info_fields[] = {
	INFO_FIELDS, { NULL, 0, 0, 0 }
};

/* what a client reads of INFO: those, and tls_available, which the
 * embedded broker does not write */
static const struct field info_read_fields[] = {
	INFO_FIELDS, FI(tls_available, F_BOOL),
	{ NULL, 0, 0, 0 }
};

/* json_int: the integer val into *v, within [lo, hi]; 0 or -1 */
static int
json_int(struct proto_str val, long long lo, uint64_t hi, long long *sv,
    uint64_t *uv)
{
	bool neg = val.len > 0 && val.p[0] == '-';
	uint64_t u;

	if (neg) {
		val.p++;
		val.len--;
	}
	if (proto_parse_uint(val, &u) == -1)
		return -1;
	if (neg ? lo >= 0 || u > (uint64_t)-(lo + 1) + 1 : u > hi)
		return -1;
	if (uv != NULL)
		*uv = u;
	if (sv != NULL)
		*sv = neg ? -(long long)u : (long long)u;
	return 0;
}

/* set_field: store val, of type t, into field f of obj; 0 or -1 */
static int
set_field(void *obj, const struct field *f, struct proto_str val,
    enum proto_json_type t)
{
	char *dst = (char *)obj + f->off;
	long long sv;
	uint64_t uv;
	ssize_t n;
	int iv;

	if (t == PROTO_JSON_NULL)
		return 0;		/* as Go's encoding/json: unchanged */
	switch (f->type) {
	case F_BOOL:
	case F_FLAG:
		if (t != PROTO_JSON_TRUE && t != PROTO_JSON_FALSE)
			return -1;
		*(bool *)(void *)dst = t == PROTO_JSON_TRUE;
		return 0;
	case F_INT:
		if (t != PROTO_JSON_NUMBER ||
		    json_int(val, INT32_MIN, INT32_MAX, &sv, NULL) == -1)
			return -1;
		iv = (int)sv;
		memcpy(dst, &iv, sizeof(iv));
		return 0;
	case F_U64:
		if (t != PROTO_JSON_NUMBER ||
		    json_int(val, 0, INT64_MAX, NULL, &uv) == -1)
			return -1;
		memcpy(dst, &uv, sizeof(uv));
		return 0;
	default:
		if (t != PROTO_JSON_STRING ||
		    (n = proto_json_unescape(val, dst, f->size)) == -1)
			return -1;
		if ((size_t)n >= f->size && f->type == F_SECRET)
			return -1;
		if ((size_t)n >= f->size)	/* cut on a character */
			dst[utf8_cut(dst, (size_t)n, f->size - 1)] = '\0';
		return 0;
	}
}

/* read_object: apply every known member of json to obj; 0 or
 * PROTO_EPARSE */
static int
read_object(void *obj, const struct field *fields, const char *json,
    size_t len)
{
	struct proto_json_iter it;
	struct proto_str key, val;
	enum proto_json_type t;
	const struct field *f;
	char name[32];
	ssize_t n;
	int rc;

	proto_json_begin(&it, json, len);
	while ((rc = proto_json_next(&it, &key, &val, &t)) == 1) {
		if ((n = proto_json_unescape(key, name, sizeof(name))) == -1)
			return PROTO_EPARSE;
		if ((size_t)n >= sizeof(name))
			continue;
		for (f = fields; f->name != NULL; f++)
			if (strcmp(f->name, name) == 0)
				break;
		if (f->name != NULL && set_field(obj, f, val, t) == -1)
			return PROTO_EPARSE;
	}
	return rc == 0 ? 0 : PROTO_EPARSE;
}

void
proto_connect_init(struct proto_connect *c)
{
	memset(c, 0, sizeof(*c));
	c->echo = true;
}

int
proto_connect_parse(struct proto_connect *c, const char *json, size_t len)
{
	return read_object(c, connect_fields, json, len);
}

void
proto_info_init(struct proto_info *in)
{
	memset(in, 0, sizeof(*in));
	in->max_payload = PROTO_MAX_PAYLOAD;
}

int
proto_info_parse(struct proto_info *in, const char *json, size_t len)
{
	return read_object(in, info_read_fields, json, len);
}

/* Writers */

/* put_args: append " a" for each non-empty argument */
static void
put_arg(struct wbuf *w, struct proto_str a)
{
	if (a.len > 0) {
		putc1(w, ' ');
		put(w, a.p, a.len);
	}
}

/* put_sizes: append " [hlen ]total\r\n" */
static void
put_sizes(struct wbuf *w, bool hdr, size_t hlen, size_t len)
{
	if (hdr) {
		putc1(w, ' ');
		putu(w, hlen);
	}
	putc1(w, ' ');
	putu(w, hlen + len);
	putz(w, "\r\n");
}

/* put_payload: append hdr, data and "\r\n" */
static void
put_payload(struct wbuf *w, const void *hdr, size_t hlen, const void *data,
    size_t len)
{
	if (hdr != NULL)
		put(w, hdr, hlen);
	if (data != NULL)
		put(w, data, len);
	putz(w, "\r\n");
}

size_t
proto_fmt_pub(char *buf, size_t size, struct proto_str subject,
    struct proto_str reply, const void *data, size_t len)
{
	struct wbuf w = { buf, size, 0 };

	putz(&w, "PUB");
	put_arg(&w, subject);
	put_arg(&w, reply);
	put_sizes(&w, false, 0, len);
	if (data != NULL)
		put_payload(&w, NULL, 0, data, len);
	return finish(&w);
}

size_t
proto_fmt_hpub(char *buf, size_t size, struct proto_str subject,
    struct proto_str reply, const void *hdr, size_t hlen, const void *data,
    size_t len)
{
	struct wbuf w = { buf, size, 0 };

	putz(&w, "HPUB");
	put_arg(&w, subject);
	put_arg(&w, reply);
	put_sizes(&w, true, hlen, len);
	if (hdr != NULL)
		put_payload(&w, hdr, hlen, data, len);
	return finish(&w);
}

size_t
proto_fmt_sub(char *buf, size_t size, struct proto_str subject,
    struct proto_str queue, struct proto_str sid)
{
	struct wbuf w = { buf, size, 0 };

	putz(&w, "SUB");
	put_arg(&w, subject);
	put_arg(&w, queue);
	put_arg(&w, sid);
	putz(&w, "\r\n");
	return finish(&w);
}

size_t
proto_fmt_unsub(char *buf, size_t size, struct proto_str sid, uint64_t max)
{
	struct wbuf w = { buf, size, 0 };

	putz(&w, "UNSUB");
	put_arg(&w, sid);
	if (max > 0) {
		putc1(&w, ' ');
		putu(&w, max);
	}
	putz(&w, "\r\n");
	return finish(&w);
}

size_t
proto_fmt_msg(char *buf, size_t size, struct proto_str subject,
    struct proto_str sid, struct proto_str reply, const void *data,
    size_t len)
{
	struct wbuf w = { buf, size, 0 };

	putz(&w, "MSG");
	put_arg(&w, subject);
	put_arg(&w, sid);
	put_arg(&w, reply);
	put_sizes(&w, false, 0, len);
	if (data != NULL)
		put_payload(&w, NULL, 0, data, len);
	return finish(&w);
}

size_t
proto_fmt_hmsg(char *buf, size_t size, struct proto_str subject,
    struct proto_str sid, struct proto_str reply, const void *hdr,
    size_t hlen, const void *data, size_t len)
{
	struct wbuf w = { buf, size, 0 };

	putz(&w, "HMSG");
	put_arg(&w, subject);
	put_arg(&w, sid);
	put_arg(&w, reply);
	put_sizes(&w, true, hlen, len);
	if (hdr != NULL)
		put_payload(&w, hdr, hlen, data, len);
	return finish(&w);
}

/* put_key: append ,"key": (no comma for the first member) */
static void
put_key(struct wbuf *w, const char *key, bool *first)
{
	if (!*first)
		putc1(w, ',');
	*first = false;
	escape(w, PROTO_STR(key));
	putc1(w, ':');
}

/* put_field: append field f of obj as a member (strings only when set) */
static void
put_field(struct wbuf *w, const void *obj, const struct field *f,
    bool *first)
{
	const char *src = (const char *)obj + f->off;
	uint64_t uv;
	int iv;

	switch (f->type) {
	case F_FLAG:
		if (!*(const bool *)(const void *)src)
			break;
		/* FALLTHROUGH */
	case F_BOOL:
		put_key(w, f->name, first);
		putz(w, *(const bool *)(const void *)src ? "true" : "false");
		break;
	case F_INT:
		memcpy(&iv, src, sizeof(iv));
		put_key(w, f->name, first);
		puti(w, iv);
		break;
	case F_U64:
		memcpy(&uv, src, sizeof(uv));
		put_key(w, f->name, first);
		putu(w, uv);
		break;
	default:
		if (src[0] == '\0')
			break;
		put_key(w, f->name, first);
		escape(w, (struct proto_str){ src, strnlen(src, f->size) });
		break;
	}
}

/* fmt_object: "VERB {json}\r\n" from the fields of obj */
static size_t
fmt_object(char *buf, size_t size, const char *verb, const void *obj,
    const struct field *fields)
{
	struct wbuf w = { buf, size, 0 };
	const struct field *f;
	bool first = true;

	putz(&w, verb);
	putz(&w, " {");
	for (f = fields; f->name != NULL; f++)
		put_field(&w, obj, f, &first);
	putz(&w, "}\r\n");
	return finish(&w);
}

size_t
proto_fmt_connect(char *buf, size_t size, const struct proto_connect *c)
{
	return fmt_object(buf, size, "CONNECT", c, connect_fields);
}

size_t
proto_fmt_info(char *buf, size_t size, const struct proto_info *in)
{
	return fmt_object(buf, size, "INFO", in, info_fields);
}

size_t
proto_fmt_err(char *buf, size_t size, const char *text)
{
	struct wbuf w = { buf, size, 0 };

	putz(&w, "-ERR '");
	putz(&w, text);
	putz(&w, "'\r\n");
	return finish(&w);
}

/* Headers */

size_t
proto_hdr_start(char *buf, size_t size, int status, const char *desc)
{
	struct wbuf w = { buf, size, 0 };

	putz(&w, "NATS/1.0");
	if (status > 0) {
		putc1(&w, ' ');
		puti(&w, status);
		if (desc != NULL && desc[0] != '\0') {
			putc1(&w, ' ');
			putz(&w, desc);
		}
	}
	putz(&w, "\r\n");
	return finish(&w);
}

size_t
proto_hdr_add(char *buf, size_t size, size_t off, const char *name,
    const char *value)
{
	struct wbuf w = { buf, size, off };

	putz(&w, name);
	putz(&w, ": ");
	putz(&w, value);
	putz(&w, "\r\n");
	return finish(&w);
}

size_t
proto_hdr_end(char *buf, size_t size, size_t off)
{
	struct wbuf w = { buf, size, off };

	putz(&w, "\r\n");
	return finish(&w);
}

/* next_line: the line of hdr starting at *pos (without its line end),
 * advancing *pos past it; false at the end of hdr */
static bool
next_line(struct proto_str hdr, size_t *pos, struct proto_str *line)
{
	const char *nl;

	if (*pos >= hdr.len)
		return false;
	line->p = hdr.p + *pos;
	nl = memchr(line->p, '\n', hdr.len - *pos);
	line->len = nl ? (size_t)(nl - line->p) : hdr.len - *pos;
	*pos += line->len + 1;
	if (line->len > 0 && line->p[line->len - 1] == '\r')
		line->len--;
	return true;
}

int
proto_hdr_status(struct proto_str hdr, int *status, struct proto_str *desc)
{
	struct proto_str line, rest;
	size_t pos = 0, i = 0;
	int code = 0;

	*status = 0;
	desc->p = hdr.p;
	desc->len = 0;
	if (!next_line(hdr, &pos, &line) || line.len < 8 ||
	    memcmp(line.p, "NATS/1.0", 8) != 0)
		return -1;
	rest.p = line.p + 8;
	rest.len = line.len - 8;
	if (rest.len > 0 && !is_blank(rest.p[0]))
		return -1;
	rest = trim(rest);
	while (i < rest.len && i < 3 && rest.p[i] >= '0' && rest.p[i] <= '9')
		code = code * 10 + (rest.p[i++] - '0');
	if (i < rest.len && !is_blank(rest.p[i]))
		return -1;
	rest.p += i;
	rest.len -= i;
	*status = code;
	*desc = trim(rest);
	return 0;
}

bool
proto_hdr_get(struct proto_str hdr, const char *name, struct proto_str *value)
{
	struct proto_str line, v;
	size_t pos = 0, nlen = strlen(name);
	const char *colon;

	if (!next_line(hdr, &pos, &line))
		return false;
	while (next_line(hdr, &pos, &line) && line.len > 0) {
		if ((colon = memchr(line.p, ':', line.len)) == NULL)
			continue;
		if ((size_t)(colon - line.p) != nlen ||
		    strncasecmp(line.p, name, nlen) != 0)
			continue;
		v.p = colon + 1;
		v.len = line.len - nlen - 1;
		*value = trim(v);
		return true;
	}
	return false;
}
