/* proto.h - the NATS client protocol without I/O: an incremental, zero-copy
 * parser for both directions, a small JSON reader for CONNECT and INFO,
 * writers for every operation and NATS/1.0 header helpers.
 * See https://docs.nats.io/reference/reference-protocols/nats-protocol */
#ifndef IPCTOOL_BUS_PROTO_H
#define IPCTOOL_BUS_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

/* Defaults of nats-server. */
#define PROTO_MAX_CONTROL	4096		/* control line bytes */
#define PROTO_MAX_PAYLOAD	(1024 * 1024)	/* bytes after a PUB line */
#define PROTO_MAX_CONTROL_CLIENT 65536		/* INFO lines can be long */

/* Operations without arguments, ready to write. */
#define PROTO_PING	"PING\r\n"
#define PROTO_PONG	"PONG\r\n"
#define PROTO_OK	"+OK\r\n"
#define PROTO_CRLF	"\r\n"

/* A byte string that is not NUL-terminated (a slice of a buffer). */
struct proto_str {
	const char	*p;
	size_t		 len;
};

/* proto_cstr: a proto_str over a C string (NULL gives the empty one) */
static inline struct proto_str
proto_cstr(const char *s)
{
	return (struct proto_str){ s, s != NULL ? strlen(s) : 0 };
}
#define PROTO_STR(s)	proto_cstr(s)

/*
 * Error codes: negative, each with the text nats-server sends in
 * -ERR '...' (proto_strerror). Fatal ones close the connection.
 */
enum proto_err {
	PROTO_EUNKNOWN = -1,	/* Unknown Protocol Operation (fatal) */
	PROTO_EPARSE = -2,	/* Unknown Protocol Operation (fatal): bad
				 * arguments, sizes or JSON */
	PROTO_ECONTROL = -3,	/* maximum control line exceeded (fatal) */
	PROTO_EPAYLOAD = -4,	/* Maximum Payload Violation (fatal) */
	PROTO_ESUBJECT = -5,	/* Invalid Subject */
	PROTO_EPUBSUBJECT = -6,	/* Invalid Publish Subject (a warning only:
				 * see proto_op.warn) */
	PROTO_EAUTH = -7,	/* Authorization Violation (fatal) */
	PROTO_EAUTHTIMEOUT = -8, /* Authentication Timeout (fatal) */
	PROTO_EPROTOCOL = -9,	/* Invalid Client Protocol (fatal) */
	PROTO_ESLOW = -10,	/* Slow Consumer (fatal) */
	PROTO_EMAXCONN = -11,	/* maximum connections exceeded (fatal) */
	PROTO_EMAXSUBS = -12,	/* maximum subscriptions exceeded */
	PROTO_ESTALE = -13,	/* Stale Connection (fatal) */
};
#define PROTO_ELAST	(-13)

/* proto_strerror: the static -ERR text of code err ("Unknown Error" for
 * anything else) */
const char *proto_strerror(int err);

/* proto_fatal: true when err must end the connection */
bool proto_fatal(int err);

/* Which stream a parser reads. */
enum proto_side {
	PROTO_SERVER,		/* the broker reads what clients send */
	PROTO_CLIENT,		/* a client reads what the server sends */
};

enum proto_kind {
	PROTO_OP_NONE,
	PROTO_OP_CONNECT,	/* arg: the JSON object */
	PROTO_OP_PUB,		/* subject, reply, data */
	PROTO_OP_HPUB,		/* subject, reply, hdr, data */
	PROTO_OP_SUB,		/* subject, queue, sid */
	PROTO_OP_UNSUB,		/* sid, max */
	PROTO_OP_PING,
	PROTO_OP_PONG,
	PROTO_OP_INFO,		/* arg: the JSON object */
	PROTO_OP_MSG,		/* subject, sid, reply, data */
	PROTO_OP_HMSG,		/* subject, sid, reply, hdr, data */
	PROTO_OP_OK,
	PROTO_OP_ERR,		/* arg: the text, without quotes */
};

/* One parsed operation; every proto_str points into the caller's buffer
 * and stays valid while those bytes do. */
struct proto_op {
	enum proto_kind	 kind;
	size_t		 len;		/* bytes taken by the operation */
	struct proto_str subject;
	struct proto_str reply;		/* empty when absent */
	struct proto_str queue;		/* empty when absent */
	struct proto_str sid;
	uint64_t	 max;		/* UNSUB max, 0 when absent */
	struct proto_str arg;
	struct proto_str hdr;		/* header block, empty when none */
	struct proto_str data;		/* payload after the headers */
	/* a non-fatal error to report before acting on the operation as
	 * usual: PROTO_EPUBSUBJECT for a PUB or HPUB of a pedantic client
	 * to a subject that is not literal (nats-server warns, then
	 * delivers); 0 none */
	int		 warn;
};

/*
 * Parser state. The caller keeps received bytes in its own buffer and
 * passes, on every call, all the bytes not yet taken, starting with the
 * first byte of the next operation (it may move them between calls).
 */
struct proto_parser {
	enum proto_side	 side;
	size_t		 max_control;	/* longest control line */
	size_t		 max_payload;	/* largest payload (headers included) */
	size_t		 scan;		/* bytes known to hold no newline */
	size_t		 need;		/* bytes the operation needs, or 0 */
	/* while set (a server parser before CONNECT), any operation but
	 * CONNECT and PING is PROTO_EAUTH (fatal) as soon as its control
	 * line is complete: no payload is ever awaited */
	bool		 connect_first;
	bool		 pedantic;	/* check publish subjects (op->warn) */
};

/* proto_parser_init: a parser for side with nats-server's limits */
void proto_parser_init(struct proto_parser *p, enum proto_side side);

/*
 * proto_parse: look for one complete operation at the start of buf.
 * Returns 1 with *op filled (take op->len bytes), 0 when more bytes are
 * needed (at least p->need in all when it is not 0: the buffer must be
 * able to hold them), or a negative PROTO_E* code. After an error that is
 * not fatal op->len bytes are to be skipped (op->kind tells which
 * operation was refused); after a fatal one op->len is 0 and the stream
 * cannot be parsed further. Verbs are case-insensitive, lines may end in
 * "\n" alone, arguments are separated by spaces or tabs.
 */
int proto_parse(struct proto_parser *p, const char *buf, size_t len,
    struct proto_op *op);

/* proto_parse_uint: the decimal number in s into *v; 0, or -1 when s is
 * empty, holds a non-digit or overflows */
int proto_parse_uint(struct proto_str s, uint64_t *v);

/* JSON, just enough for CONNECT and INFO. */
enum proto_json_type {
	PROTO_JSON_STRING = 1,	/* val: the bytes between the quotes */
	PROTO_JSON_NUMBER,
	PROTO_JSON_TRUE,
	PROTO_JSON_FALSE,
	PROTO_JSON_NULL,
	PROTO_JSON_OBJECT,	/* val: the whole object or array */
	PROTO_JSON_ARRAY,
};

/* Iterator over the members of one JSON object. */
struct proto_json_iter {
	const char	*p;
	const char	*end;
	int		 state;		/* 0 start, 1 inside, 2 done */
};

/* proto_json_begin: an iterator over the object in json */
void proto_json_begin(struct proto_json_iter *it, const char *json,
    size_t len);

/* proto_json_next: the next member's raw key (still escaped), value and
 * type; returns 1, 0 after the last member, or -1 when the text is not
 * one well-formed JSON object (nesting deeper than 64 included) */
int proto_json_next(struct proto_json_iter *it, struct proto_str *key,
    struct proto_str *val, enum proto_json_type *type);

/* proto_json_unescape: decode the raw string s into buf (NUL-terminated
 * when it fits, as snprintf); returns the decoded length, or -1 on a bad
 * escape, a raw control byte or an escaped NUL */
ssize_t proto_json_unescape(struct proto_str s, char *buf, size_t size);

#define PROTO_FIELD_MAX	256	/* strings of CONNECT and INFO, NUL included */
#define PROTO_JWT_MAX	4096	/* a JWT in CONNECT, NUL included */

/* The CONNECT options we use. */
struct proto_connect {
	bool	verbose;
	bool	pedantic;
	bool	tls_required;
	bool	headers;
	bool	no_responders;
	bool	echo;			/* true unless the client says false */
	int	protocol;
	char	auth_token[PROTO_FIELD_MAX];
	char	user[PROTO_FIELD_MAX];
	char	pass[PROTO_FIELD_MAX];
	char	nkey[PROTO_FIELD_MAX];	/* an nkey user's public key */
	char	sig[PROTO_FIELD_MAX];	/* its signature of the nonce */
	char	jwt[PROTO_JWT_MAX];	/* a user JWT (--creds) */
	char	name[PROTO_FIELD_MAX];
	char	lang[PROTO_FIELD_MAX];
	char	version[PROTO_FIELD_MAX];
};

/* The INFO fields we use. */
struct proto_info {
	char		server_id[PROTO_FIELD_MAX];
	char		server_name[PROTO_FIELD_MAX];
	char		version[PROTO_FIELD_MAX];
	char		host[PROTO_FIELD_MAX];
	int		port;
	int		proto;
	uint64_t	max_payload;
	uint64_t	client_id;
	bool		headers;
	bool		auth_required;
	char		nonce[PROTO_FIELD_MAX];	/* to sign with an nkey */
	bool		ldm;		/* lame duck mode: the server is going */
	bool		tls_required;	/* TLS after INFO (written when true) */
	bool		tls_verify;	/* a client certificate is required */
	bool		tls_available;	/* read only */
};

/* proto_connect_init: the NATS defaults (echo on, everything else off) */
void proto_connect_init(struct proto_connect *c);

/* proto_connect_parse: read a CONNECT object over the defaults; returns
 * 0, or PROTO_EPARSE on malformed JSON, a field of the wrong type, or a
 * credential longer than its field (names are cut instead) */
int proto_connect_parse(struct proto_connect *c, const char *json,
    size_t len);

/* proto_info_init: zero fields, max_payload PROTO_MAX_PAYLOAD */
void proto_info_init(struct proto_info *in);

/* proto_info_parse: read an INFO object; 0 or PROTO_EPARSE */
int proto_info_parse(struct proto_info *in, const char *json, size_t len);

/*
 * Writers. Each formats one operation into buf and returns the length it
 * needs, as snprintf: the frame is complete (and NUL-terminated) only
 * when the result is less than size. Subjects, sids and queue names must
 * already be valid tokens (no whitespace). A NULL data pointer writes the
 * control line only, for a caller that sends the payload and "\r\n"
 * itself (writev); the length arguments still describe it.
 */
size_t proto_fmt_pub(char *buf, size_t size, struct proto_str subject,
    struct proto_str reply, const void *data, size_t len);
size_t proto_fmt_hpub(char *buf, size_t size, struct proto_str subject,
    struct proto_str reply, const void *hdr, size_t hlen, const void *data,
    size_t len);
size_t proto_fmt_sub(char *buf, size_t size, struct proto_str subject,
    struct proto_str queue, struct proto_str sid);
size_t proto_fmt_unsub(char *buf, size_t size, struct proto_str sid,
    uint64_t max);
size_t proto_fmt_msg(char *buf, size_t size, struct proto_str subject,
    struct proto_str sid, struct proto_str reply, const void *data,
    size_t len);
size_t proto_fmt_hmsg(char *buf, size_t size, struct proto_str subject,
    struct proto_str sid, struct proto_str reply, const void *hdr,
    size_t hlen, const void *data, size_t len);
size_t proto_fmt_connect(char *buf, size_t size,
    const struct proto_connect *c);
size_t proto_fmt_info(char *buf, size_t size, const struct proto_info *in);
/* proto_fmt_err: "-ERR 'text'\r\n" */
size_t proto_fmt_err(char *buf, size_t size, const char *text);

/*
 * Headers: a block is "NATS/1.0[ status[ description]]\r\n", then
 * "Name: value\r\n" lines, then "\r\n". Builders append at off and return
 * the new length, as snprintf.
 */
size_t proto_hdr_start(char *buf, size_t size, int status,
    const char *desc);
size_t proto_hdr_add(char *buf, size_t size, size_t off, const char *name,
    const char *value);
size_t proto_hdr_end(char *buf, size_t size, size_t off);

/* proto_hdr_status: the status code (0 when none) and description (empty
 * when none) of a block; 0, or -1 when it does not start with NATS/1.0 */
int proto_hdr_status(struct proto_str hdr, int *status,
    struct proto_str *desc);

/* proto_hdr_get: the value of the first header called name (compared
 * without case), trimmed; true when found */
bool proto_hdr_get(struct proto_str hdr, const char *name,
    struct proto_str *value);

#endif
