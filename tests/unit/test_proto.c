/* test_proto.c - unit tests for src/bus/proto.c: the NATS parser in both
 * directions (whole, split and byte-by-byte feeds, every error code and
 * limit), the JSON reader, the writers and the header helpers */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bsd/string.h>

#include "bus/proto.h"
#include "check.h"

static const char *kinds[] = {
	"NONE", "CONNECT", "PUB", "HPUB", "SUB", "UNSUB", "PING", "PONG",
	"INFO", "MSG", "HMSG", "OK", "ERR",
};

/* add: append "name=value " for a non-empty slice to out */
static void
add(char *out, size_t size, const char *name, struct proto_str s)
{
	char tmp[256];

	if (s.len == 0)
		return;
	snprintf(tmp, sizeof(tmp), " %s=%.*s", name, (int)s.len, s.p);
	strlcat(out, tmp, size);
}

/* describe: one line describing op, for comparisons */
static const char *
describe(const struct proto_op *op)
{
	static char out[1024];
	char tmp[64];

	strlcpy(out, kinds[op->kind], sizeof(out));
	add(out, sizeof(out), "subj", op->subject);
	add(out, sizeof(out), "reply", op->reply);
	add(out, sizeof(out), "queue", op->queue);
	add(out, sizeof(out), "sid", op->sid);
	if (op->max > 0) {
		snprintf(tmp, sizeof(tmp), " max=%llu",
		    (unsigned long long)op->max);
		strlcat(out, tmp, sizeof(out));
	}
	add(out, sizeof(out), "arg", op->arg);
	add(out, sizeof(out), "hdr", op->hdr);
	if (op->kind == PROTO_OP_PUB || op->kind == PROTO_OP_HPUB ||
	    op->kind == PROTO_OP_MSG || op->kind == PROTO_OP_HMSG) {
		snprintf(tmp, sizeof(tmp), " data[%zu]=%.*s", op->data.len,
		    (int)(op->data.len < 32 ? op->data.len : 32), op->data.p);
		strlcat(out, tmp, sizeof(out));
	}
	return out;
}

/* whole: parse all of s at once; returns the descriptions joined by '|',
 * ending in "E<code>" on an error ("~" follows a non-fatal one) or "+"
 * when bytes are left over */
static const char *
run(enum proto_side side, const char *s, size_t len)
{
	static char out[8192];
	struct proto_parser p;
	struct proto_op op;
	size_t off = 0;
	char tmp[32];
	int rc;

	proto_parser_init(&p, side);
	out[0] = '\0';
	while (off < len) {
		rc = proto_parse(&p, s + off, len - off, &op);
		if (out[0] != '\0')
			strlcat(out, "|", sizeof(out));
		if (rc == 0) {
			strlcat(out, "+", sizeof(out));
			break;
		}
		if (rc < 0) {
			snprintf(tmp, sizeof(tmp), "E%d", rc);
			strlcat(out, tmp, sizeof(out));
			if (op.len == 0)
				break;
			strlcat(out, "~", sizeof(out));
		} else
			strlcat(out, describe(&op), sizeof(out));
		off += op.len;
	}
	return out;
}

#define SRV(s) run(PROTO_SERVER, (s), strlen(s))
#define CLI(s) run(PROTO_CLIENT, (s), strlen(s))

/* bytewise: like run, but the bytes arrive one at a time in a buffer
 * that the caller compacts (moves) after every operation */
static const char *
bytewise(enum proto_side side, const char *s, size_t len, size_t chunk)
{
	static char out[8192];
	struct proto_parser p;
	struct proto_op op;
	char *buf, tmp[32];
	size_t have = 0, i, n;
	int rc;

	proto_parser_init(&p, side);
	out[0] = '\0';
	for (i = 0; i < len; i += chunk) {
		n = len - i < chunk ? len - i : chunk;
		/* a fresh allocation each time: stale pointers would show */
		buf = malloc(have + n);
		memcpy(buf + have, s + i, n);
		if (have > 0)
			memcpy(buf, s + i - have, have);
		have += n;
		while ((rc = proto_parse(&p, buf, have, &op)) != 0) {
			if (out[0] != '\0')
				strlcat(out, "|", sizeof(out));
			if (rc < 0) {
				snprintf(tmp, sizeof(tmp), "E%d", rc);
				strlcat(out, tmp, sizeof(out));
				if (op.len == 0) {
					free(buf);
					return out;
				}
				strlcat(out, "~", sizeof(out));
			} else
				strlcat(out, describe(&op), sizeof(out));
			memmove(buf, buf + op.len, have - op.len);
			have -= op.len;
		}
		free(buf);
	}
	if (have > 0)
		strlcat(out, out[0] != '\0' ? "|+" : "+", sizeof(out));
	return out;
}

/* same_split: a stream parses the same whole, byte by byte and in 3s */
static void
same_split(enum proto_side side, const char *s)
{
	char whole[8192];

	strlcpy(whole, run(side, s, strlen(s)), sizeof(whole));
	CHECK_STR(bytewise(side, s, strlen(s), 1), whole);
	CHECK_STR(bytewise(side, s, strlen(s), 3), whole);
	CHECK_STR(bytewise(side, s, strlen(s), 7), whole);
}

/* test_server_ops: everything a client sends */
static void
test_server_ops(void)
{
	CHECK_STR(SRV("PING\r\n"), "PING");
	CHECK_STR(SRV("ping\r\npong\r\n"), "PING|PONG");
	CHECK_STR(SRV("PiNg\n"), "PING");
	CHECK_STR(SRV("PING extra\r\n"), "PING");
	CHECK_STR(SRV("CONNECT {\"verbose\":false}\r\n"),
	    "CONNECT arg={\"verbose\":false}");
	CHECK_STR(SRV("connect \t {\"a\":1}  \r\n"), "CONNECT arg={\"a\":1}");
	CHECK_STR(SRV("PUB foo 5\r\nhello\r\n"), "PUB subj=foo data[5]=hello");
	CHECK_STR(SRV("pub foo 5\nhello\n"), "PUB subj=foo data[5]=hello");
	CHECK_STR(SRV("PUB\tfoo\t\tbar  5 \r\nhello\r\n"),
	    "PUB subj=foo reply=bar data[5]=hello");
	CHECK_STR(SRV("PUB foo 0\r\n\r\n"), "PUB subj=foo data[0]=");
	CHECK_STR(SRV("PUB foo 4\r\na\r\nb\r\n"),
	    "PUB subj=foo data[4]=a\r\nb");
	CHECK_STR(SRV("HPUB foo 12 14\r\nNATS/1.0\r\n\r\nhi\r\n"),
	    "HPUB subj=foo hdr=NATS/1.0\r\n\r\n data[2]=hi");
	CHECK_STR(SRV("hpub foo r 12 12\r\nNATS/1.0\r\n\r\n\r\n"),
	    "HPUB subj=foo reply=r hdr=NATS/1.0\r\n\r\n data[0]=");
	CHECK_STR(SRV("SUB foo 1\r\n"), "SUB subj=foo sid=1");
	CHECK_STR(SRV("sub foo.* q 22\r\n"), "SUB subj=foo.* queue=q sid=22");
	CHECK_STR(SRV("SUB > 1\r\n"), "SUB subj=> sid=1");
	CHECK_STR(SRV("UNSUB 1\r\n"), "UNSUB sid=1");
	CHECK_STR(SRV("unsub 1 5\r\n"), "UNSUB sid=1 max=5");
	CHECK_STR(SRV("UNSUB 1 0\r\n"), "UNSUB sid=1");
	CHECK_STR(SRV("CONNECT {}\r\nPING\r\nSUB a 1\r\nPUB a 1\r\nx\r\n"
	    "UNSUB 1\r\nPONG\r\n"), "CONNECT arg={}|PING|SUB subj=a sid=1|"
	    "PUB subj=a data[1]=x|UNSUB sid=1|PONG");
	/* incomplete */
	CHECK_STR(SRV("PIN"), "+");
	CHECK_STR(SRV("PING\r"), "+");
	CHECK_STR(SRV("PUB foo 5\r\nhel"), "+");
	CHECK_STR(SRV("PUB foo 5\r\nhello"), "+");
	CHECK_STR(SRV("PUB foo 5\r\nhello\r"), "+");
	CHECK_STR(SRV("PING\r\nPUB foo 5\r\nhello"), "PING|+");
	/* binary payload with NULs */
	CHECK_STR(run(PROTO_SERVER, "PUB a 3\r\n\0\0\0\r\n", 14),
	    "PUB subj=a data[3]=\0");
}

/* test_client_ops: everything a server sends */
static void
test_client_ops(void)
{
	CHECK_STR(CLI("INFO {\"server_id\":\"x\"}\r\n"),
	    "INFO arg={\"server_id\":\"x\"}");
	CHECK_STR(CLI("MSG foo 1 5\r\nhello\r\n"),
	    "MSG subj=foo sid=1 data[5]=hello");
	CHECK_STR(CLI("msg foo 1 _INBOX.x 5\r\nhello\r\n"),
	    "MSG subj=foo reply=_INBOX.x sid=1 data[5]=hello");
	CHECK_STR(CLI("HMSG _INBOX.x 9 16 16\r\nNATS/1.0 503\r\n\r\n\r\n"),
	    "HMSG subj=_INBOX.x sid=9 hdr=NATS/1.0 503\r\n\r\n data[0]=");
	CHECK_STR(CLI("HMSG a 9 r 12 13\r\nNATS/1.0\r\n\r\nx\r\n"),
	    "HMSG subj=a reply=r sid=9 hdr=NATS/1.0\r\n\r\n data[1]=x");
	CHECK_STR(CLI("+OK\r\n+ok\r\n"), "OK|OK");
	CHECK_STR(CLI("-ERR 'Unknown Protocol Operation'\r\n"),
	    "ERR arg=Unknown Protocol Operation");
	CHECK_STR(CLI("-err  'Slow Consumer' \n"), "ERR arg=Slow Consumer");
	CHECK_STR(CLI("-ERR no quotes\r\n"), "ERR arg=no quotes");
	CHECK_STR(CLI("-ERR\r\n"), "ERR");
	CHECK_STR(CLI("PING\r\nPONG\r\n"), "PING|PONG");
	/* server words are unknown to a server and the other way round */
	CHECK_STR(CLI("PUB foo 1\r\nx\r\n"), "E-1");
	CHECK_STR(CLI("SUB foo 1\r\n"), "E-1");
	CHECK_STR(CLI("CONNECT {}\r\n"), "E-1");
	CHECK_STR(SRV("MSG foo 1 1\r\nx\r\n"), "E-1");
	CHECK_STR(SRV("INFO {}\r\n"), "E-1");
	CHECK_STR(SRV("+OK\r\n"), "E-1");
	CHECK_STR(SRV("-ERR 'x'\r\n"), "E-1");
	/* a client does not judge the server's subjects */
	CHECK_STR(CLI("MSG foo..bar 1 0\r\n\r\n"),
	    "MSG subj=foo..bar sid=1 data[0]=");
}

/* test_errors: every parser error code */
static void
test_errors(void)
{
	/* Unknown Protocol Operation */
	CHECK_STR(SRV("FOO\r\n"), "E-1");
	CHECK_STR(SRV("PUBX foo 1\r\nx\r\n"), "E-1");
	CHECK_STR(SRV("PIN\r\n"), "E-1");
	CHECK_STR(SRV("\r\n"), "E-1");
	CHECK_STR(SRV("\n"), "E-1");
	CHECK_STR(SRV(" PING\r\n"), "E-1");
	CHECK_STR(SRV("PING\r\nBAD\r\nPING\r\n"), "PING|E-1");
	/* Parser Error */
	CHECK_STR(SRV("PUB\r\n"), "E-2");
	CHECK_STR(SRV("PUB foo\r\n"), "E-2");
	CHECK_STR(SRV("PUB foo bar baz 1\r\nx\r\n"), "E-2");
	CHECK_STR(SRV("PUB foo x\r\n"), "E-2");
	CHECK_STR(SRV("PUB foo -1\r\n"), "E-2");
	CHECK_STR(SRV("PUB foo 99999999999999999999999\r\n"), "E-2");
	CHECK_STR(SRV("PUB foo 1\r\nxy\r\n"), "E-2");
	CHECK_STR(SRV("PUB foo 1\r\nx\rx"), "E-2");
	CHECK_STR(SRV("HPUB foo 5\r\n"), "E-2");
	CHECK_STR(SRV("HPUB foo 5 4\r\n"), "E-2");
	CHECK_STR(SRV("HPUB foo 1 2 3 4\r\n"), "E-2");
	CHECK_STR(SRV("SUB foo\r\n"), "E-2");
	CHECK_STR(SRV("SUB foo q 1 x\r\n"), "E-2");
	CHECK_STR(SRV("UNSUB\r\n"), "E-2");
	CHECK_STR(SRV("UNSUB 1 x\r\n"), "E-2");
	CHECK_STR(SRV("UNSUB 1 2 3\r\n"), "E-2");
	CHECK_STR(SRV("CONNECT\r\n"), "E-2");
	CHECK_STR(SRV("CONNECT   \r\n"), "E-2");
	CHECK_STR(CLI("INFO\r\n"), "E-2");
	CHECK_STR(CLI("MSG foo 1\r\n"), "E-2");
	CHECK_STR(CLI("HMSG foo 1 2\r\n"), "E-2");
	CHECK_STR(CLI("HMSG foo 1 3 2\r\n"), "E-2");
	/* Maximum Control Line Exceeded: with and without a newline */
	{
		static char big[PROTO_MAX_CONTROL + 64];
		size_t n;

		memset(big, 'a', sizeof(big) - 1);
		memcpy(big, "SUB ", 4);
		CHECK_STR(SRV(big), "E-3");
		n = PROTO_MAX_CONTROL - 2;	/* "SUB " + subject + " 1" */
		memcpy(big + n, " 1\r\n", 5);
		CHECK(strncmp(SRV(big), "SUB subj=aaa", 12) == 0); /* at limit */
		memcpy(big + n, "a 1\r\n", 6);
		CHECK_STR(SRV(big), "E-3");
		/* partial line: allowed up to the limit plus a '\r' */
		big[PROTO_MAX_CONTROL] = '\r';
		CHECK_STR(run(PROTO_SERVER, big, PROTO_MAX_CONTROL + 1),
		    "+");
		CHECK_STR(run(PROTO_SERVER, big, PROTO_MAX_CONTROL + 2),
		    "E-3");
		CHECK_STR(bytewise(PROTO_SERVER, big, strlen(big), 1),
		    "E-3");
	}
	/* Maximum Payload Violation */
	CHECK_STR(SRV("PUB foo 1048577\r\n"), "E-4");
	CHECK_STR(SRV("HPUB foo 12 1048577\r\n"), "E-4");
	CHECK_STR(SRV("PUB foo 1048576\r\n"), "+");
	/* Invalid Subject: not fatal, parsing goes on */
	CHECK_STR(SRV("SUB foo..bar 1\r\nPING\r\n"), "E-5~|PING");
	CHECK_STR(SRV("SUB foo.>.bar 1\r\n"), "E-5~");
	CHECK_STR(SRV("SUB .foo q 1\r\n"), "E-5~");
	/* publish subjects are checked only in pedantic mode (below) */
	/* split feeds give the same errors */
	same_split(PROTO_SERVER, "PING\r\nSUB foo..bar 1\r\nPUB a.* 1\r\nx\r\n"
	    "PUB ok 2\r\nyz\r\nPUB foo 1\r\nxy\r\n");
	same_split(PROTO_SERVER, "PUB foo 1\r\nx\rxPING\r\n");
}

/* test_errtext: the static -ERR texts */
/* test_pedantic: as nats-server, a publish subject that is not literal
 * is let through, and flagged (op.warn) only in pedantic mode; the reply
 * subject is never checked */
static void
test_pedantic(void)
{
	static const char *const bad[] = {
		"PUB foo.* 2\r\nab\r\n", "PUB foo.> 2\r\nab\r\n",
		"PUB foo..bar 2\r\nab\r\n", "PUB .foo 2\r\nab\r\n",
		"PUB foo. 2\r\nab\r\n", "PUB * 2\r\nab\r\n",
		"HPUB foo.> 12 12\r\nNATS/1.0\r\n\r\n\r\n",
	};
	static const char *const good[] = {
		"PUB foo.b* 2\r\nab\r\n", "PUB a r.* 2\r\nab\r\n",
		"PUB a r..> 2\r\nab\r\n", "PUB a\x01b 2\r\nab\r\n",
	};
	struct proto_parser p;
	struct proto_op op;
	size_t i;
	int ped;

	for (ped = 0; ped < 2; ped++) {
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			proto_parser_init(&p, PROTO_SERVER);
			p.pedantic = ped;
			CHECK_INT(proto_parse(&p, bad[i], strlen(bad[i]), &op),
			    1);
			CHECK_INT(op.warn, ped ? PROTO_EPUBSUBJECT : 0);
			CHECK_INT(op.len, strlen(bad[i]));
		}
		for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
			proto_parser_init(&p, PROTO_SERVER);
			p.pedantic = ped;
			CHECK_INT(proto_parse(&p, good[i], strlen(good[i]),
			    &op), 1);
			CHECK_INT(op.warn, 0);
		}
	}
}

/* test_connect_first: before CONNECT only CONNECT and PING parse; the
 * rest is refused at its control line, its payload never awaited */
static void
test_connect_first(void)
{
	struct proto_parser p;
	struct proto_op op;
	static const char *const refused[] = {
		"PUB a 1048576\r\n", "HPUB a 12 1048576\r\n", "SUB a 1\r\n",
		"UNSUB 1\r\n", "PONG\r\n", "FOO\r\n", "\r\n",
	};
	size_t i;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		proto_parser_init(&p, PROTO_SERVER);
		p.connect_first = true;
		CHECK_INT(proto_parse(&p, refused[i], strlen(refused[i]), &op),
		    PROTO_EAUTH);
		CHECK_INT(op.len, 0);
	}
	proto_parser_init(&p, PROTO_SERVER);
	p.connect_first = true;
	CHECK_INT(proto_parse(&p, "PING\r\n", 6, &op), 1);
	CHECK_INT(op.kind, PROTO_OP_PING);
	CHECK_INT(proto_parse(&p, "CONNECT {}\r\n", 12, &op), 1);
	CHECK_INT(op.kind, PROTO_OP_CONNECT);
	/* an unfinished line is only awaited up to the control line limit */
	CHECK_INT(proto_parse(&p, "PUB a 5", 7, &op), 0);
	p.connect_first = false;
	CHECK_INT(proto_parse(&p, "PUB a 1\r\nx\r\n", 12, &op), 1);
	CHECK_INT(op.kind, PROTO_OP_PUB);
}

static void
test_errtext(void)
{
	int e;

	CHECK_STR(proto_strerror(PROTO_EUNKNOWN), "Unknown Protocol Operation");
	CHECK_STR(proto_strerror(PROTO_EPARSE), "Unknown Protocol Operation");
	CHECK_STR(proto_strerror(PROTO_ECONTROL),
	    "maximum control line exceeded");
	CHECK_STR(proto_strerror(PROTO_EPAYLOAD), "Maximum Payload Violation");
	CHECK_STR(proto_strerror(PROTO_ESUBJECT), "Invalid Subject");
	CHECK_STR(proto_strerror(PROTO_EPUBSUBJECT), "Invalid Publish Subject");
	CHECK_STR(proto_strerror(PROTO_EAUTH), "Authorization Violation");
	CHECK_STR(proto_strerror(PROTO_EAUTHTIMEOUT), "Authentication Timeout");
	CHECK_STR(proto_strerror(PROTO_EPROTOCOL), "Invalid Client Protocol");
	CHECK_STR(proto_strerror(PROTO_ESLOW), "Slow Consumer");
	CHECK_STR(proto_strerror(PROTO_EMAXCONN),
	    "maximum connections exceeded");
	CHECK_STR(proto_strerror(PROTO_EMAXSUBS),
	    "maximum subscriptions exceeded");
	CHECK_STR(proto_strerror(PROTO_ESTALE), "Stale Connection");
	CHECK_STR(proto_strerror(0), "Unknown Error");
	CHECK_STR(proto_strerror(1), "Unknown Error");
	CHECK_STR(proto_strerror(PROTO_ELAST - 1), "Unknown Error");
	for (e = PROTO_ELAST; e < 0; e++)
		CHECK(strchr(proto_strerror(e), '\'') == NULL);
	CHECK(proto_fatal(PROTO_EUNKNOWN));
	CHECK(proto_fatal(PROTO_EPAYLOAD));
	CHECK(proto_fatal(PROTO_ESLOW));
	CHECK(!proto_fatal(PROTO_ESUBJECT));
	CHECK(!proto_fatal(PROTO_EPUBSUBJECT));
	CHECK(!proto_fatal(PROTO_EMAXSUBS));
	CHECK(!proto_fatal(0));
	CHECK(!proto_fatal(1));
}

/* test_split: byte-by-byte and chunked feeds agree with whole ones */
static void
test_split(void)
{
	same_split(PROTO_SERVER, "CONNECT {\"verbose\":true}\r\nPING\r\n"
	    "SUB foo.* q 1\r\nPUB foo.bar r 11\r\nhello world\r\n"
	    "HPUB h 22 25\r\nNATS/1.0\r\nA: b\r\n\r\n\r\nabc\r\nUNSUB 1 3\n"
	    "pub x 0\n\npong\r\n");
	same_split(PROTO_CLIENT, "INFO {\"max_payload\":10}\r\nPING\r\n"
	    "+OK\r\nMSG a 1 5\r\nab\r\nc\r\nHMSG b 2 r 16 17\r\n"
	    "NATS/1.0 503\r\n\r\nx\r\n-ERR 'Stale Connection'\r\n");
	CHECK_STR(bytewise(PROTO_SERVER, "PUB foo 5\r\nhello\r\n", 18, 1),
	    "PUB subj=foo data[5]=hello");
}

/* test_big: a payload at the limit, with need announced in advance */
static void
test_big(void)
{
	struct proto_parser p;
	struct proto_op op;
	size_t n = 1024 * 1024, ctl, i;
	char *buf = malloc(n + 64);

	ctl = (size_t)snprintf(buf, 64, "PUB big 1048576\r\n");
	for (i = 0; i < n; i++)
		buf[ctl + i] = (char)('a' + i % 26);
	memcpy(buf + ctl + n, "\r\n", 2);

	proto_parser_init(&p, PROTO_SERVER);
	CHECK_INT(proto_parse(&p, buf, ctl + 1000, &op), 0);
	CHECK_INT(p.need, ctl + n + 1);
	CHECK_INT(proto_parse(&p, buf, ctl + n, &op), 0);
	CHECK_INT(proto_parse(&p, buf, ctl + n + 1, &op), 0);
	CHECK_INT(p.need, ctl + n + 2);
	CHECK_INT(proto_parse(&p, buf, ctl + n + 2, &op), 1);
	CHECK_INT(op.len, ctl + n + 2);
	CHECK_INT(op.data.len, n);
	CHECK(op.data.p == buf + ctl);
	CHECK_INT(p.need, 0);
	CHECK_INT(p.scan, 0);

	/* a lower limit set by the caller */
	proto_parser_init(&p, PROTO_SERVER);
	p.max_payload = 10;
	CHECK_INT(proto_parse(&p, "PUB a 10\r\n0123456789\r\n", 22, &op), 1);
	CHECK_INT(proto_parse(&p, "PUB a 11\r\n", 10, &op), PROTO_EPAYLOAD);
	CHECK_INT(op.len, 0);
	/* a client takes big messages by default */
	proto_parser_init(&p, PROTO_CLIENT);
	ctl = (size_t)snprintf(buf, 64, "MSG big 1 1048576\r\n");
	CHECK_INT(proto_parse(&p, buf, ctl, &op), 0);
	CHECK_INT(p.need, ctl + n + 1);
	free(buf);
}

/* test_connect_json: the CONNECT reader */
static void
test_connect_json(void)
{
	struct proto_connect c;
	const char *j;
	char big[2048];

	proto_connect_init(&c);
	CHECK(c.echo && !c.verbose && !c.headers && c.protocol == 0);
	j = "{\"verbose\":true,\"pedantic\":true,\"tls_required\":false,"
	    "\"name\":\"n\\\"a\\\\me\",\"lang\":\"C\",\"version\":\"3.8.0\","
	    "\"protocol\":1,\"echo\":false,\"headers\":true,"
	    "\"no_responders\":true,\"auth_token\":\"s3cr\\u00e9t\","
	    "\"user\":\"u\\ud83d\\ude00\",\"pass\":\"p\\/\\b\\f\\n\\r\\t\","
	    "\"other\":{\"a\":[1,2,{\"b\":null}]},\"extra\":[],\"n\":-1.5e+3}";
	CHECK_INT(proto_connect_parse(&c, j, strlen(j)), 0);
	CHECK(c.verbose && c.pedantic && !c.tls_required && !c.echo);
	CHECK(c.headers && c.no_responders);
	CHECK_INT(c.protocol, 1);
	CHECK_STR(c.name, "n\"a\\me");
	CHECK_STR(c.lang, "C");
	CHECK_STR(c.version, "3.8.0");
	CHECK_STR(c.auth_token, "s3cr\xc3\xa9t");
	CHECK_STR(c.user, "u\xf0\x9f\x98\x80");
	CHECK_STR(c.pass, "p/\b\f\n\r\t");

	/* whitespace, escaped keys, duplicates (last wins), null */
	proto_connect_init(&c);
	j = " \r\n\t{ \"verb\\u006fse\" : true , \"echo\":null,"
	    "\"name\":\"a\",\"name\":\"b\" } \n";
	CHECK_INT(proto_connect_parse(&c, j, strlen(j)), 0);
	CHECK(c.verbose && c.echo);
	CHECK_STR(c.name, "b");
	CHECK_INT(proto_connect_parse(&c, "{}", 2), 0);

	/* names are cut, credentials refused when too long */
	proto_connect_init(&c);
	snprintf(big, sizeof(big), "{\"name\":\"%0400d\"}", 7);
	CHECK_INT(proto_connect_parse(&c, big, strlen(big)), 0);
	CHECK_INT(strlen(c.name), PROTO_FIELD_MAX - 1);
	/* ... on a character: 254 bytes of 'x' and a euro sign (3 bytes)
	 * keep the 254 */
	snprintf(big, sizeof(big), "{\"name\":\"%0254d\u20ac\"}", 0);
	CHECK_INT(proto_connect_parse(&c, big, strlen(big)), 0);
	CHECK_INT(strlen(c.name), PROTO_FIELD_MAX - 2);
	snprintf(big, sizeof(big), "{\"pass\":\"%0400d\"}", 7);
	CHECK_INT(proto_connect_parse(&c, big, strlen(big)), PROTO_EPARSE);
	snprintf(big, sizeof(big), "{\"pass\":\"%0255d\"}", 7);
	CHECK_INT(proto_connect_parse(&c, big, strlen(big)), 0);
	CHECK_INT(strlen(c.pass), 255);

	/* wrong types */
	CHECK_INT(proto_connect_parse(&c, "{\"verbose\":1}", 13), PROTO_EPARSE);
	CHECK_INT(proto_connect_parse(&c, "{\"verbose\":\"true\"}", 18),
	    PROTO_EPARSE);
	CHECK_INT(proto_connect_parse(&c, "{\"protocol\":\"1\"}", 16),
	    PROTO_EPARSE);
	CHECK_INT(proto_connect_parse(&c, "{\"protocol\":1.5}", 16),
	    PROTO_EPARSE);
	CHECK_INT(proto_connect_parse(&c, "{\"protocol\":9999999999}", 23),
	    PROTO_EPARSE);
	CHECK_INT(proto_connect_parse(&c, "{\"protocol\":-2}", 15), 0);
	CHECK_INT(c.protocol, -2);
	CHECK_INT(proto_connect_parse(&c, "{\"name\":5}", 10), PROTO_EPARSE);
	CHECK_INT(proto_connect_parse(&c, "{\"user\":[]}", 11), PROTO_EPARSE);
}

/* test_bad_json: malformed input is refused, never a crash */
static void
test_bad_json(void)
{
	static const char *bad[] = {
		"", " ", "{", "}", "[]", "null", "\"x\"", "{\"a\"}", "{\"a\":}",
		"{\"a\" 1}", "{a:1}", "{'a':1}", "{\"a\":1,}", "{,}",
		"{\"a\":1 \"b\":2}", "{\"a\":1}}", "{\"a\":1} x", "{\"a\":tru}",
		"{\"a\":nul}", "{\"a\":True}", "{\"a\":01}", "{\"a\":-}",
		"{\"a\":1.}", "{\"a\":.5}", "{\"a\":1e}", "{\"a\":+1}",
		"{\"a\":\"x}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}",
		"{\"a\":\"\\u12g4\"}", "{\"a\":\"tab\there\"}", "{\"a\":[1,2}",
		"{\"a\":[1,,2]}", "{\"a\":{\"b\"}}", "{\"a\":[}", "{\"a\"::1}",
		"{\"name\":\"\\ud800\"}", "{\"name\":\"\\udc00\"}",
		"{\"name\":\"\\ud800\\u0041\"}", "{\"name\":\"\\u0000\"}",
		"{\"a\":\"\\", "{\"a\":\"\\u", "{\"a\":1",
	};
	struct proto_connect c;
	struct proto_info in;
	char deep[400];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		proto_connect_init(&c);
		if (proto_connect_parse(&c, bad[i], strlen(bad[i])) !=
		    PROTO_EPARSE) {
			fprintf(stderr, "accepted: %s\n", bad[i]);
			CHECK(0);
		}
		if (strstr(bad[i], "name") != NULL)
			continue;	/* not a field of INFO */
		proto_info_init(&in);
		CHECK_INT(proto_info_parse(&in, bad[i], strlen(bad[i])),
		    PROTO_EPARSE);
	}
	/* a NUL inside the text, and text cut short */
	CHECK_INT(proto_connect_parse(&c, "{\"a\":\"\0\"}", 8), PROTO_EPARSE);
	CHECK_INT(proto_connect_parse(&c, "{\"a\":\"\\\0\"}", 9), PROTO_EPARSE);
	CHECK_INT(proto_connect_parse(&c, "{\"a\":1}", 6), PROTO_EPARSE);
	CHECK_INT(proto_connect_parse(&c, "{\"a\":\"\\u0041\"}", 10),
	    PROTO_EPARSE);
	/* nesting: 60 levels are fine, 200 are not */
	memset(deep, 0, sizeof(deep));
	strlcpy(deep, "{\"a\":", sizeof(deep));
	for (i = 0; i < 60; i++)
		strlcat(deep, "[", sizeof(deep));
	for (i = 0; i < 60; i++)
		strlcat(deep, "]", sizeof(deep));
	strlcat(deep, "}", sizeof(deep));
	CHECK_INT(proto_connect_parse(&c, deep, strlen(deep)), 0);
	strlcpy(deep, "{\"a\":", sizeof(deep));
	for (i = 0; i < 200; i++)
		strlcat(deep, "[", sizeof(deep));
	CHECK_INT(proto_connect_parse(&c, deep, strlen(deep)), PROTO_EPARSE);
}

/* test_json_iter: the generic iterator and the string helpers */
static void
test_json_iter(void)
{
	struct proto_json_iter it;
	struct proto_str k, v;
	enum proto_json_type t;
	const char *j = "{\"s\":\"a\\nb\",\"n\":-12.5e3,\"t\":true,\"f\":false,"
	    "\"z\":null,\"o\":{\"x\":[1]},\"a\":[\"]\"]}";
	char buf[16];

	proto_json_begin(&it, j, strlen(j));
	CHECK_INT(proto_json_next(&it, &k, &v, &t), 1);
	CHECK(t == PROTO_JSON_STRING && v.len == 4 && memcmp(v.p, "a\\nb", 4) == 0);
	CHECK_INT(proto_json_next(&it, &k, &v, &t), 1);
	CHECK(t == PROTO_JSON_NUMBER && v.len == 7);
	CHECK_INT(proto_json_next(&it, &k, &v, &t), 1);
	CHECK_INT(t, PROTO_JSON_TRUE);
	CHECK_INT(proto_json_next(&it, &k, &v, &t), 1);
	CHECK_INT(t, PROTO_JSON_FALSE);
	CHECK_INT(proto_json_next(&it, &k, &v, &t), 1);
	CHECK_INT(t, PROTO_JSON_NULL);
	CHECK_INT(proto_json_next(&it, &k, &v, &t), 1);
	CHECK(t == PROTO_JSON_OBJECT && v.len == 9);
	CHECK_INT(proto_json_next(&it, &k, &v, &t), 1);
	CHECK(t == PROTO_JSON_ARRAY && k.len == 1 && k.p[0] == 'a');
	CHECK_INT(proto_json_next(&it, &k, &v, &t), 0);
	CHECK_INT(proto_json_next(&it, &k, &v, &t), 0);

	proto_json_begin(&it, "{\"a\":1,", 7);
	CHECK_INT(proto_json_next(&it, &k, &v, &t), 1);
	CHECK_INT(proto_json_next(&it, &k, &v, &t), -1);
	CHECK_INT(proto_json_next(&it, &k, &v, &t), -1);

	/* unescape: as snprintf */
	CHECK_INT(proto_json_unescape(PROTO_STR("ab\\u00e9"), buf, sizeof(buf)),
	    4);
	CHECK_STR(buf, "ab\xc3\xa9");
	CHECK_INT(proto_json_unescape(PROTO_STR("\\u20ac"), buf, sizeof(buf)),
	    3);
	CHECK_STR(buf, "\xe2\x82\xac");
	CHECK_INT(proto_json_unescape(PROTO_STR("abcdef"), buf, 4), 6);
	CHECK_STR(buf, "abc");
	CHECK_INT(proto_json_unescape(PROTO_STR("abc"), NULL, 0), 3);
	CHECK_INT(proto_json_unescape(PROTO_STR("a\\"), buf, sizeof(buf)), -1);
}

/* test_info_json: the INFO reader */
static void
test_info_json(void)
{
	struct proto_info in;
	const char *j = "{\"server_id\":\"NABC\",\"server_name\":\"s\","
	    "\"version\":\"2.10.1\",\"proto\":1,\"go\":\"go1.21\","
	    "\"host\":\"0.0.0.0\",\"port\":4222,\"headers\":true,"
	    "\"max_payload\":1048576,\"client_id\":18446744,"
	    "\"auth_required\":true,\"connect_urls\":[\"a:1\",\"b:2\"],"
	    "\"client_ip\":\"127.0.0.1\"}";

	proto_info_init(&in);
	CHECK_INT(in.max_payload, PROTO_MAX_PAYLOAD);
	CHECK_INT(proto_info_parse(&in, j, strlen(j)), 0);
	CHECK_STR(in.server_id, "NABC");
	CHECK_STR(in.server_name, "s");
	CHECK_STR(in.version, "2.10.1");
	CHECK_STR(in.host, "0.0.0.0");
	CHECK_INT(in.port, 4222);
	CHECK_INT(in.proto, 1);
	CHECK_INT(in.max_payload, 1048576);
	CHECK_INT(in.client_id, 18446744);
	CHECK(in.headers && in.auth_required);
	CHECK(!in.tls_required && !in.tls_available);
	CHECK_INT(proto_info_parse(&in, "{\"tls_required\":true,"
	    "\"tls_available\":true}", 42), 0);
	CHECK(in.tls_required && in.tls_available);
	CHECK_INT(proto_info_parse(&in, "{\"max_payload\":-1}", 18),
	    PROTO_EPARSE);
	CHECK_INT(proto_info_parse(&in,
	    "{\"max_payload\":9223372036854775808}", 35), PROTO_EPARSE);
	CHECK_INT(proto_info_parse(&in,
	    "{\"max_payload\":9223372036854775807}", 35), 0);
}

/* test_writers: exact frames, snprintf sizes, round trips */
static void
test_writers(void)
{
	char buf[512], tiny[8];
	struct proto_connect c, c2;
	struct proto_info in, in2;
	struct proto_parser p;
	struct proto_op op;
	size_t n;

	n = proto_fmt_pub(buf, sizeof(buf), PROTO_STR("foo"), PROTO_STR(NULL),
	    "hello", 5);
	CHECK_STR(buf, "PUB foo 5\r\nhello\r\n");
	CHECK_INT(n, 18);
	proto_fmt_pub(buf, sizeof(buf), PROTO_STR("foo"), PROTO_STR("r.1"),
	    NULL, 5);
	CHECK_STR(buf, "PUB foo r.1 5\r\n");
	proto_fmt_pub(buf, sizeof(buf), PROTO_STR("foo"), PROTO_STR(""), "",
	    0);
	CHECK_STR(buf, "PUB foo 0\r\n\r\n");
	n = proto_fmt_pub(tiny, sizeof(tiny), PROTO_STR("foo"),
	    PROTO_STR(NULL), "hello", 5);
	CHECK_INT(n, 18);
	CHECK_STR(tiny, "PUB foo");
	CHECK_INT(proto_fmt_pub(NULL, 0, PROTO_STR("foo"), PROTO_STR(NULL),
	    "hello", 5), 18);

	proto_fmt_hpub(buf, sizeof(buf), PROTO_STR("foo"), PROTO_STR("r"),
	    "NATS/1.0\r\n\r\n", 12, "hi", 2);
	CHECK_STR(buf, "HPUB foo r 12 14\r\nNATS/1.0\r\n\r\nhi\r\n");
	proto_fmt_hpub(buf, sizeof(buf), PROTO_STR("foo"), PROTO_STR(NULL),
	    NULL, 12, NULL, 2);
	CHECK_STR(buf, "HPUB foo 12 14\r\n");
	proto_fmt_sub(buf, sizeof(buf), PROTO_STR("a.*"), PROTO_STR(NULL),
	    PROTO_STR("7"));
	CHECK_STR(buf, "SUB a.* 7\r\n");
	proto_fmt_sub(buf, sizeof(buf), PROTO_STR("a"), PROTO_STR("q"),
	    PROTO_STR("7"));
	CHECK_STR(buf, "SUB a q 7\r\n");
	proto_fmt_unsub(buf, sizeof(buf), PROTO_STR("7"), 0);
	CHECK_STR(buf, "UNSUB 7\r\n");
	proto_fmt_unsub(buf, sizeof(buf), PROTO_STR("7"), 18446744073709551615ULL);
	CHECK_STR(buf, "UNSUB 7 18446744073709551615\r\n");
	proto_fmt_msg(buf, sizeof(buf), PROTO_STR("a"), PROTO_STR("7"),
	    PROTO_STR(NULL), "xy", 2);
	CHECK_STR(buf, "MSG a 7 2\r\nxy\r\n");
	proto_fmt_msg(buf, sizeof(buf), PROTO_STR("a"), PROTO_STR("7"),
	    PROTO_STR("_INBOX.1"), NULL, 2);
	CHECK_STR(buf, "MSG a 7 _INBOX.1 2\r\n");
	proto_fmt_hmsg(buf, sizeof(buf), PROTO_STR("_INBOX.1"), PROTO_STR("3"),
	    PROTO_STR(NULL), "NATS/1.0 503\r\n\r\n", 16, NULL, 0);
	CHECK_STR(buf, "HMSG _INBOX.1 3 16 16\r\nNATS/1.0 503\r\n\r\n\r\n");
	proto_fmt_err(buf, sizeof(buf), proto_strerror(PROTO_EPAYLOAD));
	CHECK_STR(buf, "-ERR 'Maximum Payload Violation'\r\n");

	/* CONNECT and INFO round trips */
	proto_connect_init(&c);
	c.verbose = true;
	c.headers = c.no_responders = true;
	c.protocol = 1;
	strlcpy(c.name, "ipctool \"bus\"\n", sizeof(c.name));
	strlcpy(c.lang, "C", sizeof(c.lang));
	strlcpy(c.auth_token, "t\\k", sizeof(c.auth_token));
	n = proto_fmt_connect(buf, sizeof(buf), &c);
	CHECK_STR(buf, "CONNECT {\"verbose\":true,\"pedantic\":false,"
	    "\"tls_required\":false,\"headers\":true,\"no_responders\":true,"
	    "\"echo\":true,\"protocol\":1,\"auth_token\":\"t\\\\k\","
	    "\"name\":\"ipctool \\\"bus\\\"\\n\",\"lang\":\"C\"}\r\n");
	CHECK_INT(n, strlen(buf));
	CHECK_INT(proto_fmt_connect(NULL, 0, &c), n);
	proto_parser_init(&p, PROTO_SERVER);
	CHECK_INT(proto_parse(&p, buf, n, &op), 1);
	CHECK_INT(op.kind, PROTO_OP_CONNECT);
	proto_connect_init(&c2);
	c2.echo = false;
	CHECK_INT(proto_connect_parse(&c2, op.arg.p, op.arg.len), 0);
	CHECK(memcmp(&c, &c2, sizeof(c)) == 0);

	proto_info_init(&in);
	strlcpy(in.server_id, "ID1", sizeof(in.server_id));
	strlcpy(in.version, "0.1", sizeof(in.version));
	in.proto = 1;
	in.port = 4222;
	in.headers = true;
	in.client_id = 42;
	n = proto_fmt_info(buf, sizeof(buf), &in);
	CHECK_STR(buf, "INFO {\"server_id\":\"ID1\",\"version\":\"0.1\","
	    "\"port\":4222,\"proto\":1,\"max_payload\":1048576,"
	    "\"client_id\":42,\"headers\":true,\"auth_required\":false}\r\n");
	proto_parser_init(&p, PROTO_CLIENT);
	CHECK_INT(proto_parse(&p, buf, n, &op), 1);
	CHECK_INT(op.kind, PROTO_OP_INFO);
	memset(&in2, 0xff, sizeof(in2));
	proto_info_init(&in2);
	CHECK_INT(proto_info_parse(&in2, op.arg.p, op.arg.len), 0);
	CHECK(memcmp(&in, &in2, sizeof(in)) == 0);
	/* lame duck mode: "ldm" only when true, and read back */
	in.ldm = true;
	n = proto_fmt_info(buf, sizeof(buf), &in);
	CHECK(strstr(buf, ",\"auth_required\":false,\"ldm\":true}\r\n") !=
	    NULL);
	proto_info_init(&in2);
	CHECK_INT(proto_info_parse(&in2, buf + 5, n - 7), 0);
	CHECK(in2.ldm);
	in.ldm = false;

	/* a HMSG frame parses back */
	n = proto_fmt_hmsg(buf, sizeof(buf), PROTO_STR("s"), PROTO_STR("1"),
	    PROTO_STR("r"), "NATS/1.0\r\nK: v\r\n\r\n", 18, "data", 4);
	CHECK_STR(run(PROTO_CLIENT, buf, n),
	    "HMSG subj=s reply=r sid=1 hdr=NATS/1.0\r\nK: v\r\n\r\n data[4]=data");
}

/* test_headers: build, status, lookup */
static void
test_headers(void)
{
	char buf[128];
	struct proto_str v;
	size_t n;
	int st;

	n = proto_hdr_start(buf, sizeof(buf), 0, NULL);
	n = proto_hdr_add(buf, sizeof(buf), n, "Nats-Msg-Id", "abc");
	n = proto_hdr_add(buf, sizeof(buf), n, "X-Empty", "");
	n = proto_hdr_end(buf, sizeof(buf), n);
	CHECK_STR(buf, "NATS/1.0\r\nNats-Msg-Id: abc\r\nX-Empty: \r\n\r\n");
	CHECK_INT(n, strlen(buf));
	CHECK_INT(proto_hdr_status((struct proto_str){ buf, n }, &st, &v), 0);
	CHECK_INT(st, 0);
	CHECK_INT(v.len, 0);
	CHECK(proto_hdr_get((struct proto_str){ buf, n }, "nats-msg-id", &v));
	CHECK(v.len == 3 && memcmp(v.p, "abc", 3) == 0);
	CHECK(proto_hdr_get((struct proto_str){ buf, n }, "X-EMPTY", &v));
	CHECK_INT(v.len, 0);
	CHECK(!proto_hdr_get((struct proto_str){ buf, n }, "Nats", &v));
	CHECK(!proto_hdr_get((struct proto_str){ buf, n }, "NATS/1.0", &v));

	n = proto_hdr_start(buf, sizeof(buf), 503, NULL);
	n = proto_hdr_end(buf, sizeof(buf), n);
	CHECK_STR(buf, "NATS/1.0 503\r\n\r\n");
	CHECK_INT(proto_hdr_status((struct proto_str){ buf, n }, &st, &v), 0);
	CHECK_INT(st, 503);
	CHECK_INT(v.len, 0);
	n = proto_hdr_start(buf, sizeof(buf), 408, "Request Timeout");
	CHECK_STR(buf, "NATS/1.0 408 Request Timeout\r\n");
	CHECK_INT(proto_hdr_status((struct proto_str){ buf, n }, &st, &v), 0);
	CHECK_INT(st, 408);
	CHECK(v.len == 15 && memcmp(v.p, "Request Timeout", 15) == 0);
	/* the size rule of snprintf */
	CHECK_INT(proto_hdr_start(NULL, 0, 503, "No Responders"), 28);
	CHECK_INT(proto_hdr_add(buf, 4, 2, "A", "b"), 8);

	/* tolerant and strict parts */
	CHECK_INT(proto_hdr_status(PROTO_STR("NATS/1.0 100 Idle Heartbeat\n"
	    "a:b\n\n"), &st, &v), 0);
	CHECK_INT(st, 100);
	CHECK_INT(proto_hdr_status(PROTO_STR("NATS/1.0"), &st, &v), 0);
	CHECK_INT(st, 0);
	CHECK_INT(proto_hdr_status(PROTO_STR("NATS/1.01\r\n"), &st, &v), -1);
	CHECK_INT(proto_hdr_status(PROTO_STR("NATS/1.0 5031\r\n"), &st, &v),
	    -1);
	CHECK_INT(proto_hdr_status(PROTO_STR("HTTP/1.0 200\r\n"), &st, &v), -1);
	CHECK_INT(proto_hdr_status(PROTO_STR("NATS"), &st, &v), -1);
	CHECK_INT(proto_hdr_status(PROTO_STR(""), &st, &v), -1);
	CHECK(proto_hdr_get(PROTO_STR("NATS/1.0\r\nA:  x y \t\r\nB:z\r\n\r\n"
	    "C: no\r\n"), "b", &v));
	CHECK(v.len == 1 && v.p[0] == 'z');
	CHECK(proto_hdr_get(PROTO_STR("NATS/1.0\r\nA:  x y \t\r\n\r\n"), "a",
	    &v));
	CHECK(v.len == 3 && memcmp(v.p, "x y", 3) == 0);
	CHECK(!proto_hdr_get(PROTO_STR("NATS/1.0\r\n\r\nC: no\r\n"), "C", &v));
	CHECK(!proto_hdr_get(PROTO_STR("NATS/1.0\r\nnocolon\r\n"), "nocolon",
	    &v));
	CHECK(!proto_hdr_get(PROTO_STR(""), "a", &v));
	CHECK(proto_hdr_get(PROTO_STR("NATS/1.0\nA:1"), "A", &v));
	CHECK(v.len == 1 && v.p[0] == '1');
}

/* test_uint: the number reader */
static void
test_uint(void)
{
	uint64_t v;

	CHECK_INT(proto_parse_uint(PROTO_STR("0"), &v), 0);
	CHECK_INT(v, 0);
	CHECK_INT(proto_parse_uint(PROTO_STR("18446744073709551615"), &v), 0);
	CHECK(v == UINT64_MAX);
	CHECK_INT(proto_parse_uint(PROTO_STR("18446744073709551616"), &v), -1);
	CHECK_INT(proto_parse_uint(PROTO_STR(""), &v), -1);
	CHECK_INT(proto_parse_uint(PROTO_STR("1a"), &v), -1);
	CHECK_INT(proto_parse_uint(PROTO_STR("+1"), &v), -1);
}

int
main(void)
{
	test_server_ops();
	test_client_ops();
	test_errors();
	test_connect_first();
	test_pedantic();
	test_errtext();
	test_split();
	test_big();
	test_connect_json();
	test_bad_json();
	test_json_iter();
	test_info_json();
	test_writers();
	test_headers();
	test_uint();
	return check_done();
}
