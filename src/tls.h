/* tls.h - TLS on connected stream sockets with OpenSSL 3: client and
 * server contexts, a throwaway self-signed certificate, the handshake with
 * a deadline on nonblocking sockets, reads, writes, close_notify (the TLS
 * half-close), and a full-duplex relay in the style of relay_stream */
#ifndef IPCTOOL_TLS_H
#define IPCTOOL_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "relay.h"

#define TLS_ERR_MAX	256
#define TLS_FP_MAX	(32 * 3)	/* "AB:CD:..." of a SHA-256 digest */
#define TLS_NAME_MAX	256		/* a subject or issuer, RFC 2253 */

/* What a context is made of; every field may be NULL/false */
struct tls_opts {
	const char *cert;	/* PEM certificate (chain) file; a server
				 * without one generates a self-signed one */
	const char *key;	/* PEM private key file; NULL: in cert */
	const char *ca;		/* PEM file of the CAs to verify the peer
				 * against; NULL: the system store (client) */
	bool verify;		/* client: verify the server and its name;
				 * server: require a verified client
				 * certificate (needs ca) */
};

/* What the handshake settled, for --trace, --json and the environment */
struct tls_info {
	char version[16];		/* "TLSv1.3" */
	char cipher[64];		/* "TLS_AES_256_GCM_SHA384" */
	bool peer_cert;			/* the peer showed a certificate */
	char subject[TLS_NAME_MAX];	/* its subject, "CN=x,O=y" */
	char issuer[TLS_NAME_MAX];
	char fingerprint[TLS_FP_MAX];	/* its SHA-256, "AB:CD:..." */
	char not_after[32];		/* "Dec  1 10:00:00 2027 GMT" */
	bool verified;			/* verified against the CAs (and the
					 * host name on a client) */
	char verify_result[128];	/* "ok" or OpenSSL's reason */
};

struct tls_ctx;
struct tls;

/* tls_ctx_new: a client or server context (TLS 1.2 at least); NULL with a
 * one-line reason in err (file name included) */
struct tls_ctx *tls_ctx_new(bool server, const struct tls_opts *o, char *err,
    size_t errlen);
void tls_ctx_free(struct tls_ctx *ctx);

/* tls_ctx_generated: true when a server context made its own certificate */
bool tls_ctx_generated(const struct tls_ctx *ctx);

/* tls_ctx_fingerprint: the SHA-256 fingerprint of the context's own
 * certificate ("" for a client without one) */
const char *tls_ctx_fingerprint(const struct tls_ctx *ctx);

/* tls_new: a TLS session over the connected socket fd, which it makes
 * nonblocking and never closes; host: on a client the name the server's
 * certificate must carry (a DNS name, also sent as SNI, or an IP
 * address), NULL on a server. NULL with errno ENOMEM */
struct tls *tls_new(struct tls_ctx *ctx, int fd, const char *host);

/* tls_free: release t (without close_notify: see tls_close) */
void tls_free(struct tls *t);

/* tls_fd: the socket under t */
int tls_fd(const struct tls *t);

/* tls_handshake_step: advance the handshake without blocking: 1 done, 0
 * in progress (poll for tls_want), -1 failed (errno and tls_error as for
 * tls_handshake) */
int tls_handshake_step(struct tls *t);

/* tls_handshake: the whole handshake, polling until deadline (io_deadline;
 * -1 never); 0, or -1 with errno ETIMEDOUT, ECONNRESET (the peer closed
 * or reset), EACCES (the peer's certificate failed verification) or
 * EPROTO (any other TLS failure), and a reason in tls_error */
int tls_handshake(struct tls *t, int64_t deadline);

/* tls_linger: after a failed handshake, before closing: shutdown(2) the
 * write side (the alert is out) and read what the peer still sends until
 * its end or deadline, so that the close does not reset the connection
 * and destroy the alert before the peer could read it */
void tls_linger(struct tls *t, int64_t deadline);

/* tls_want: the poll(2) event the last EAGAIN waits for: POLLIN or
 * POLLOUT */
short tls_want(const struct tls *t);

/* tls_read: up to len bytes of application data; >0, 0 at the end (the
 * peer's close_notify, or its plain close: see tls_clean_eof), -1 with
 * errno EAGAIN (poll for tls_want), ECONNRESET or EPROTO (tls_error) */
ssize_t tls_read(struct tls *t, void *buf, size_t len);

/* tls_read_fn: tls_read for a struct frame_reader (arg is the tls) */
ssize_t tls_read_fn(void *arg, void *buf, size_t len);

/* tls_pending: true when decrypted bytes wait inside t, which poll(2)
 * cannot see: read them before polling */
bool tls_pending(const struct tls *t);

/* tls_clean_eof: after tls_read returned 0: true when the peer ended with
 * close_notify, false when it just closed the socket (truncation cannot
 * be ruled out) */
bool tls_clean_eof(const struct tls *t);

/* tls_write: up to len bytes (a partial write is possible); the count, or
 * -1 with errno EAGAIN (call again with the same bytes when tls_want is
 * ready), EPIPE/ECONNRESET or EPROTO */
ssize_t tls_write(struct tls *t, const void *buf, size_t len);

/* tls_write_full: all len bytes, polling until deadline; len, or -1 with
 * errno (ETIMEDOUT at the deadline) */
ssize_t tls_write_full(struct tls *t, const void *buf, size_t len,
    int64_t deadline);

/* tls_close_notify: send close_notify, the end of what this side sends
 * (the peer may go on sending, as after shutdown(SHUT_WR)); 0 sent, -1
 * with errno EAGAIN (call again when tls_want is ready) or another */
int tls_close_notify(struct tls *t);

/* tls_close_notify_wait: the same, polling until deadline */
int tls_close_notify_wait(struct tls *t, int64_t deadline);

/* tls_error: why the last call failed, one line */
const char *tls_error(const struct tls *t);

/* tls_get_info: what the handshake settled */
void tls_get_info(const struct tls *t, struct tls_info *ti);

/* tls_ktls: whether the kernel seals and opens t's records (kernel TLS,
 * the "tls" ULP): "on", "send only", "receive only" or "off" */
const char *tls_ktls(const struct tls *t);

/* tls_describe: one line for --trace: "TLSv1.3 TLS_AES_256_GCM_SHA384,
 * peer CN=x (issuer CN=ca), verify ok, kernel TLS off"; returns buf */
char *tls_describe(const struct tls *t, char *buf, size_t len);

/* tls_setenv: what the handshake settled, in the environment of a
 * command run for the connection: IPCTOOL_TLS_VERSION, _CIPHER and, when
 * the peer showed a certificate, IPCTOOL_TLS_PEER_SUBJECT, _ISSUER,
 * _FINGERPRINT, _NOT_AFTER and _VERIFIED (1 or 0); 0 or -1 with errno */
int tls_setenv(const struct tls *t);

/* tls_relay: relay_stream over TLS: in to t and t to out until t's
 * read side ends and everything is written out (with input_after_eof,
 * until the input is sent too, st->up_error and st->out_failed as
 * there); half_close sends close_notify at the end
 * of in (in may be -1); at the end of t, out gets shutdown(SHUT_WR) when
 * it is a socket. Once in has ended, a hang-up of out ends the relay too
 * (the command behind a socketpair is gone). Returns 0, or -1 with errno (ETIMEDOUT after idle_ms,
 * EPIPE when out's reader went away, ECONNRESET, EPROTO: tls_error) */
int tls_relay(int in, struct tls *t, int out, const struct relay_opts *o,
    struct relay_stats *st);

#endif
