/* fuzz_proto.c - libFuzzer target for src/bus/proto.c and subject.c: both
 * parsers over the input whole and in chunks (which must agree), the JSON
 * readers on every CONNECT/INFO argument, the header helpers on every
 * header block, the subject functions on every subject, and the servers
 * a client learns from INFO connect_urls (servers.c).
 * Build: clang -fsanitize=fuzzer,address,undefined -Isrc -Isrc/bus
 *        tests/fuzz/fuzz_proto.c src/bus/proto.c src/bus/subject.c */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bus/proto.h"
#include "bus/servers.h"
#include "bus/subject.h"

#define MAXOPS	256

struct trace {
	int	rc[MAXOPS];
	size_t	len[MAXOPS];
	int	kind[MAXOPS];
	int	n;
};

/* inside: abort unless slice s lies within buf[0..len) */
static void
inside(struct proto_str s, const char *buf, size_t len)
{
	if (s.len > 0 && (s.p < buf || s.p + s.len > buf + len))
		abort();
}

/* exercise: use everything an operation hands out */
static void
exercise(const struct proto_op *op, const char *buf, size_t len)
{
	struct proto_connect c;
	struct proto_info in;
	struct proto_str v;
	char out[600];
	int st;

	if (op->len > len)
		abort();
	inside(op->subject, buf, len);
	inside(op->reply, buf, len);
	inside(op->queue, buf, len);
	inside(op->sid, buf, len);
	inside(op->arg, buf, len);
	inside(op->hdr, buf, len);
	inside(op->data, buf, len);
	if (op->kind == PROTO_OP_CONNECT) {
		proto_connect_init(&c);
		if (proto_connect_parse(&c, op->arg.p, op->arg.len) == 0 &&
		    proto_fmt_connect(out, sizeof(out), &c) > 8000)
			abort();
	}
	if (op->kind == PROTO_OP_INFO) {
		proto_info_init(&in);
		(void)proto_info_parse(&in, op->arg.p, op->arg.len);
		(void)proto_fmt_info(out, sizeof(out), &in);
	}
	if (op->hdr.len > 0) {
		(void)proto_hdr_status(op->hdr, &st, &v);
		(void)proto_hdr_get(op->hdr, "Nats-Msg-Id", &v);
	}
	if (op->subject.len > 0) {
		(void)subject_valid(op->subject.p, op->subject.len, true);
		if (op->reply.len > 0)
			(void)subject_match(op->subject.p, op->subject.len,
			    op->reply.p, op->reply.len);
	}
	(void)proto_fmt_msg(out, sizeof(out), op->subject, op->sid, op->reply,
	    op->data.p, op->data.len);
}

/* record: note one parser result in t */
static void
record(struct trace *t, int rc, const struct proto_op *op)
{
	if (t->n < MAXOPS) {
		t->rc[t->n] = rc;
		t->len[t->n] = op->len;
		t->kind[t->n] = op->kind;
		t->n++;
	}
}

/* run: parse data fed chunk bytes at a time (0: all at once) into t */
static void
run(enum proto_side side, const uint8_t *data, size_t size, size_t chunk,
    struct trace *t)
{
	struct proto_parser p;
	struct proto_op op;
	size_t start = 0, have = 0;
	char *buf;
	int rc;

	proto_parser_init(&p, side);
	p.max_control = 256;
	p.max_payload = 4096;
	memset(t, 0, sizeof(*t));
	while (have < size) {
		have = chunk == 0 || size - have < chunk ? size : have + chunk;
		/* an exact-size copy, so ASan sees any overread */
		buf = malloc(have - start > 0 ? have - start : 1);
		memcpy(buf, data + start, have - start);
		while ((rc = proto_parse(&p, buf, have - start, &op)) != 0) {
			record(t, rc, &op);
			if (rc < 0 && op.len == 0) {
				free(buf);
				return;
			}
			exercise(&op, buf, have - start);
			memmove(buf, buf + op.len, have - start - op.len);
			start += op.len;
		}
		free(buf);
	}
}

/* learn: the input as INFO to a client given two servers, through the
 * first and then through one it learned: never more than the bound */
static void
learn(const char *json, size_t len)
{
	static struct bus_servers l;
	const char *errstr;
	char bad[64];

	if (bus_servers_parse(&l, "tls://u:p@localhost:4222,nats://10.0.0.1",
	    &errstr, bad, sizeof(bad)) == -1)
		abort();
	(void)bus_servers_learn(&l, json, len);
	l.cur = l.n - 1;
	(void)bus_servers_learn(&l, json, len);
	if (l.n > BUS_SERVERS_MAX || l.cur < 0 || l.cur >= l.n)
		abort();
}

/* raw: the JSON readers and subject functions straight on the input */
static void
raw(const uint8_t *data, size_t size)
{
	struct proto_connect c;
	struct proto_info in;
	char *buf, out[64];
	size_t half = size / 2;

	if ((buf = malloc(size > 0 ? size : 1)) == NULL)
		return;
	memcpy(buf, data, size);
	proto_connect_init(&c);
	(void)proto_connect_parse(&c, buf, size);
	proto_info_init(&in);
	(void)proto_info_parse(&in, buf, size);
	learn(buf, size);
	(void)proto_json_unescape((struct proto_str){ buf, size }, out,
	    sizeof(out));
	if (subject_valid(buf, half, true) &&
	    subject_valid(buf + half, size - half, false))
		(void)subject_match(buf, half, buf + half, size - half);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct trace whole, split;
	enum proto_side side;
	size_t chunk;

	if (size < 1)
		return 0;
	side = data[0] & 1 ? PROTO_CLIENT : PROTO_SERVER;
	chunk = 1 + (data[0] >> 1) % 17;
	data++;
	size--;
	raw(data, size);
	run(side, data, size, 0, &whole);
	run(side, data, size, chunk, &split);
	if (whole.n != split.n ||
	    memcmp(whole.rc, split.rc, sizeof(whole.rc)) != 0 ||
	    memcmp(whole.len, split.len, sizeof(whole.len)) != 0 ||
	    memcmp(whole.kind, split.kind, sizeof(whole.kind)) != 0)
		abort();
	return 0;
}
