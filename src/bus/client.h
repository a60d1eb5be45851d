/* client.h - one NATS client for the embedded broker and any NATS server:
 * connect (unix:, tcp:, nats://), INFO/CONNECT (headers, no_responders,
 * auth_token), PUB/HPUB, SUB/UNSUB, requests through one wildcard inbox
 * per connection, flush by PING/PONG, deadlines on every wait. Reports,
 * never prints or exits. */
#ifndef IPCTOOL_BUS_CLIENT_H
#define IPCTOOL_BUS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "bus/proto.h"

#define BUS_ENV_ADDR	"IPCTOOL_BUS"		/* overrides the default address */
#define BUS_ENV_TOKEN	"IPCTOOL_BUS_TOKEN"	/* auth_token for TCP */
#define BUS_ENV_USER	"IPCTOOL_BUS_USER"	/* user and password */
#define BUS_ENV_PASS	"IPCTOOL_BUS_PASS"
#define BUS_ENV_CREDS	"IPCTOOL_BUS_CREDS"	/* a creds file (JWT, seed) */
#define BUS_ENV_NKEY	"IPCTOOL_BUS_NKEY"	/* an nkey seed file */
#define BUS_TOKEN_NAME	"token"			/* next to the default socket */
#define BUS_STAT_SUBJECT "$SYS.REQ.IPCTOOL.STAT"
#define BUS_INBOX_MAX	64

struct bus_client;

/* One received message; every slice points into the client's buffer and
 * is valid only during the callback. */
struct bus_msg {
	struct proto_str subject;
	struct proto_str reply;		/* empty when none */
	struct proto_str hdr;		/* header block, empty when none */
	struct proto_str data;
	uint64_t sid;
	int status;			/* header status (503 no responders), 0 */
};

typedef void (*bus_msg_fn)(struct bus_client *c, const struct bus_msg *m,
    void *arg);

struct tls_ctx;
struct tls;
struct bus_servers;

struct bus_client {
	int fd;
	struct tls_ctx *tctx;		/* TLS after INFO (tls://, tls:, or */
	struct tls *tls;		/* a server with tls_required) */
	struct addr addr;
	char addr_str[ADDR_STR_MAX];
	struct proto_info info;
	struct proto_parser parser;
	char *rbuf;
	size_t rcap, rstart, rend;
	char *wbuf;
	size_t wlen, wcap;
	uint64_t next_sid;
	uint64_t pings_sent, pongs;
	char inbox[BUS_INBOX_MAX];	/* "_INBOX.<random>." */
	uint64_t inbox_sid;		/* 0 until the first request */
	uint64_t next_reply;
	bus_msg_fn on_msg;
	void *on_msg_arg;
	struct bus_servers *servers;	/* learns each INFO's connect_urls */
	char errtext[256];		/* last -ERR text from the server */
	bool closed;			/* the server closed the connection */
	bool peer_known;		/* a UNIX socket: peer_uid is set */
	bool peer_ok;			/* ...and it is ours or root's */
	long peer_uid;
};

/*
 * Credentials, sent only to a server that asks (auth_required in INFO),
 * all that are given:
 * - in the address: nats://TOKEN@HOST:PORT (auth_token) or
 *   nats://USER:PASS@HOST:PORT (user, pass), %XX decoded (tls:// alike);
 * - else $IPCTOOL_BUS_USER and $IPCTOOL_BUS_PASS;
 * - the token of $IPCTOOL_BUS_TOKEN unless the address has one;
 * - bus_creds_file (--creds) or else $IPCTOOL_BUS_CREDS: a creds file as
 *   nsc writes it (a user JWT block, then a user nkey seed block): sends
 *   the JWT and the seed's signature of the server's nonce;
 * - bus_nkey_file (--nkey) or else $IPCTOOL_BUS_NKEY: a file whose first
 *   line is a user nkey seed ("SU..."): sends its public key and the
 *   signature of the nonce;
 * - none of these: the token in the default token file, if any.
 * Files with a seed must not be readable by group or others. Secrets
 * never reach the trace or a message (see bus_addr_shown).
 */
extern const char *bus_creds_file;
extern const char *bus_nkey_file;

/* bus_tls_decide: after the INFO in of the server at a: 0 plain (no
 * tls:// or tls: address, no tls_required), 1 TLS now (as NATS clients:
 * the address asks for it or the server requires it), -1 refused with a
 * reason in *why (TLS asked for, none offered; TLS required on a UNIX
 * socket) */
int bus_tls_decide(const struct addr *a, const struct proto_info *in,
    const char **why);

/* bus_addr_shown: addr for messages: a password or token in it becomes
 * three stars ("alice:***@" and "***@" after the nats:// or tls://
 * scheme);
 * returns buf */
char *bus_addr_shown(const char *addr, char *buf, size_t len);

/* bus_default_addr: the address clients use when --bus is not given:
 * $IPCTOOL_BUS, else unix: and the broker's default socket; returns buf,
 * or NULL when it does not fit */
char *bus_default_addr(char *buf, size_t len);

/* bus_default_token_path: the token file next to the default socket
 * (.../ipctool/token) into buf; returns buf, or NULL */
char *bus_default_token_path(char *buf, size_t len);

/* bus_read_token: the first line of file path into buf (at most len-1
 * bytes, no newline); 0, or -1 with errno (EINVAL when empty) */
int bus_read_token(const char *path, char *buf, size_t len);

/*
 * bus_connect: connect to addr (a string in the address grammar), read
 * INFO, send CONNECT (with the token of IPCTOOL_BUS_TOKEN or the default
 * token file when the server asks for one) and confirm with PING/PONG,
 * all before deadline. name goes into CONNECT. Returns 0, or -1 with
 * errno: EINVAL bad address (*errstr says why), ECONNREFUSED/ENOENT
 * nobody listens, ETIMEDOUT, EACCES the server refused the credentials,
 * EPROTO anything else the server said (c->errtext), EBADMSG a
 * credentials file could not be used (c->errtext), EPERM an impostor
 * could be listening (c->errtext says why; nothing was sent):
 *
 * A socket in the fallback directory /tmp/ipctool-$EUID (no
 * XDG_RUNTIME_DIR) is used only when lstat(2) shows that directory is a
 * real directory of ours that neither group nor others may write (/tmp
 * is sticky, so then nobody else can rename or replace it between the
 * check and connect(2)), and when SO_PEERCRED says the listener runs as
 * us or root. On any other UNIX socket, credentials are sent only to a
 * listener running as us or root.
 */
int bus_connect(struct bus_client *c, const char *addr, const char *name,
    int64_t deadline, const char **errstr);

/* bus_addr_check: addr parsed into a as bus_connect would (credentials
 * checked, then dropped), a stream address; 0, or -1 with a static
 * *errstr */
int bus_addr_check(const char *addr, struct addr *a, const char **errstr);

/*
 * bus_connect_list: bus_connect to the servers of l in turn, from l->s[i]
 * on and round to the one before it, each within deadline and at most
 * BUS_SERVER_TIMEOUT ms while others are left; the INFO of each (and
 * every later one) adds the cluster members it names to l (see
 * servers.h), and a learned server's certificate must carry its
 * tls_name. Returns 0 with l->cur the server connected (the trace says
 * which), or -1 with errno of the last failure, at once for one that
 * waiting cannot cure (!bus_retryable); *errstr as for bus_connect.
 */
#define BUS_SERVER_TIMEOUT	2000	/* ms, as nats.go's default Timeout */
int bus_connect_list(struct bus_client *c, struct bus_servers *l, int i,
    const char *name, int64_t deadline, const char **errstr);

/* bus_close: release everything (buffered output is dropped: flush first) */
void bus_close(struct bus_client *c);

/* bus_pub: queue one message (headers when hdr is not NULL); -1 with
 * errno EMSGSIZE beyond the server's max_payload, EINVAL for a bad
 * subject, or a write error */
int bus_pub(struct bus_client *c, const char *subject, const char *reply,
    const char *hdr, size_t hlen, const void *data, size_t len);

/* bus_sub: subscribe to subject (queue may be NULL); returns the sid (> 0),
 * or 0 with errno EINVAL (bad subject or queue) or a write error */
uint64_t bus_sub(struct bus_client *c, const char *subject,
    const char *queue);

/* bus_unsub: unsubscribe sid after max more messages (0: now); 0 or -1 */
int bus_unsub(struct bus_client *c, uint64_t sid, uint64_t max);

/* bus_send: write out what is queued; 0 or -1 with errno */
int bus_send(struct bus_client *c);

/* bus_process: wait until deadline for input, then handle every complete
 * operation: messages go to c->on_msg, PING is answered, PONG counted;
 * returns 1 when something was read, 0 at the deadline, -1 with errno
 * (ECONNRESET when the server closed, EPROTO on -ERR or garbage) */
int bus_process(struct bus_client *c, int64_t deadline);

/* bus_flush: send what is queued and a PING, and handle input until its
 * PONG: then the server has seen everything sent before. 0, or -1 with
 * errno (ETIMEDOUT at the deadline) */
int bus_flush(struct bus_client *c, int64_t deadline);

/* bus_new_reply: a fresh reply subject "_INBOX.<random>.<n>" into buf
 * (BUS_INBOX_MAX + 24 bytes are enough), subscribing the wildcard inbox
 * on first use; *id gets n. 0 or -1 with errno */
int bus_new_reply(struct bus_client *c, char *buf, size_t len, uint64_t *id);

/* bus_reply_id: when m is an answer on this client's inbox, its n and
 * true */
bool bus_reply_id(const struct bus_client *c, const struct bus_msg *m,
    uint64_t *id);

/* bus_exit_code: the exit status an applet gives for errno e after a
 * failed bus call: 69 no broker there or the connection was lost, 75 a
 * deadline passed, 64 a bad address, 1 anything else */
int bus_exit_code(int e);

/* bus_strerror: what went wrong, for errno e after a bus call on c (the
 * server's -ERR text when it sent one) */
const char *bus_strerror(const struct bus_client *c, int e);

/* bus_retryable: true when errno e from bus_connect may pass once the
 * broker is back (nobody listening, a reset, a timeout, a busy server);
 * false for a bad address, refused credentials or no memory */
bool bus_retryable(int e);

/* bus_backoff_ms: the pause before reconnect attempt n (1, 2, ...):
 * 50 ms doubling up to BUS_BACKOFF_MAX ms, plus up to a quarter more at
 * random so that many clients do not come back in step */
#define BUS_BACKOFF_MAX	2000
int64_t bus_backoff_ms(unsigned n);

/* The hint printed when no broker is there */
#define BUS_HINT_START	"start one with: ipctool bus daemon &"

#endif
