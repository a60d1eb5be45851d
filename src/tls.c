/* tls.c - TLS with OpenSSL 3 (ssl(7ossl)): SSL_CTX for clients (the
 * system store or a CA file, host name check, SNI) and servers (a
 * certificate file, or an EC P-256 key and self-signed X.509 certificate
 * made in memory), client-certificate verification, SSL_do_handshake,
 * SSL_read/SSL_write and SSL_shutdown (close_notify) on nonblocking
 * sockets with poll(2). See RFC 8446 (TLS 1.3) section 6.1 on closure */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bsd/string.h>


#include "io.h"
#include "out.h"
#include "ossl.h"
#include "tls.h"

#define TLS_RELAY_BUF	(256 * 1024)	/* each direction of tls_relay */
#define CERT_DAYS	30		/* life of a generated certificate */

struct tls_ctx {
	SSL_CTX *ctx;
	bool server, generated, verify;
	char fingerprint[TLS_FP_MAX];
};

struct tls {
	SSL *ssl;
	int fd;
	bool server, verify;
	short want;
	bool clean_eof;
	bool closed;		/* the peer closed the socket: no more writes */
	bool sent_close;
	char err[TLS_ERR_MAX];
};

/* --- errors --- */

/* ossl_reason: the reason of the oldest queued OpenSSL error (the queue
 * is emptied), or NULL */
static const char *
ossl_reason(unsigned long *code)
{
	unsigned long e = ERR_get_error(), more;
	const char *r;

	while ((more = ERR_get_error()) != 0)
		;	/* the first one says why, the rest is context */
	if (code)
		*code = e;
	if (e == 0)
		return NULL;
	r = ERR_reason_error_string(e);
	return r ? r : "unknown OpenSSL error";
}

/* ctx_error: "what: reason" into err */
static void
ctx_error(char *err, size_t len, const char *what, const char *path)
{
	const char *r = ossl_reason(NULL);

	snprintf(err, len, "%s %s: %s", what, path, r ? r : "failed");
}

/* fail: t->err and errno for a failed call that SSL_get_error classed as
 * sslerr; returns -1 */
static int
fail(struct tls *t, int sslerr, const char *during)
{
	unsigned long code = 0;
	const char *r;
	long v;
	int saved = errno;

	if (sslerr == SSL_ERROR_SYSCALL) {
		ossl_reason(NULL);
		if (saved == 0 || saved == ECONNRESET || saved == EPIPE) {
			snprintf(t->err, sizeof(t->err), "the peer closed the "
			    "connection%s", during);
			errno = saved == 0 ? ECONNRESET : saved;
		} else {
			snprintf(t->err, sizeof(t->err), "%s", strerror(saved));
			errno = saved;
		}
		return -1;
	}
	r = ossl_reason(&code);
	v = SSL_get_verify_result(t->ssl);
	if (ERR_GET_REASON(code) == SSL_R_CERTIFICATE_VERIFY_FAILED &&
	    v != X509_V_OK) {
		snprintf(t->err, sizeof(t->err), "%scertificate verify failed: "
		    "%s", t->server ? "client " : "",
		    X509_verify_cert_error_string(v));
		errno = EACCES;
		return -1;
	}
	if (ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
		snprintf(t->err, sizeof(t->err), "the peer closed the "
		    "connection%s", during);
		errno = ECONNRESET;
		return -1;
	}
	if (ERR_GET_REASON(code) == SSL_R_WRONG_VERSION_NUMBER ||
	    ERR_GET_REASON(code) == SSL_R_HTTP_REQUEST ||
	    ERR_GET_REASON(code) == SSL_R_PACKET_LENGTH_TOO_LONG)
		snprintf(t->err, sizeof(t->err), "%s: the peer does not speak "
		    "TLS", r);
	else if (ERR_GET_REASON(code) >= SSL_AD_REASON_OFFSET)
		snprintf(t->err, sizeof(t->err), "the peer refused: %s", r);
	else
		snprintf(t->err, sizeof(t->err), "%s", r ? r : "TLS failure");
	errno = EPROTO;
	return -1;
}

/* --- contexts --- */

/* fingerprint: the SHA-256 of x as "AB:CD:..." into buf (TLS_FP_MAX) */
static void
fingerprint(X509 *x, char *buf, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	size_t off = 0;

	buf[0] = '\0';
	if (x == NULL || X509_digest(x, EVP_sha256(), md, &n) != 1)
		return;
	for (unsigned int i = 0; i < n && off + 4 <= len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%02X",
		    i ? ":" : "", md[i]);
}

/* generate: a throwaway EC P-256 key and a self-signed certificate for
 * localhost, 127.0.0.1 and ::1, valid from an hour ago for CERT_DAYS;
 * 0, or -1 with err */
static int
generate(SSL_CTX *ctx, char *err, size_t errlen)
{
	EVP_PKEY *pk = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_EXTENSION *ext = NULL;
	X509V3_CTX v3;
	X509_NAME *name;
	unsigned char serial[16];
	BIGNUM *bn = NULL;
	int rc = -1;

	if (pk == NULL || x == NULL || RAND_bytes(serial, sizeof(serial)) != 1)
		goto out;
	serial[0] &= 0x7f;	/* a positive serial number */
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	if (bn == NULL || BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) ==
	    NULL || X509_set_version(x, X509_VERSION_3) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), CERT_DAYS * 86400L) ==
	    NULL || X509_set_pubkey(x, pk) != 1)
		goto out;
	name = X509_get_subject_name(x);
	if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"ipctool throwaway", -1, -1, 0) != 1 ||
	    X509_set_issuer_name(x, name) != 1)
		goto out;
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name,
	    "DNS:localhost,IP:127.0.0.1,IP:::1");
	if (ext == NULL || X509_add_ext(x, ext, -1) != 1 ||
	    X509_sign(x, pk, EVP_sha256()) == 0 ||
	    SSL_CTX_use_certificate(ctx, x) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, pk) != 1)
		goto out;
	rc = 0;
out:
	if (rc == -1)
		ctx_error(err, errlen, "generate", "a self-signed certificate");
	X509_EXTENSION_free(ext);
	BN_free(bn);
	X509_free(x);
	EVP_PKEY_free(pk);
	return rc;
}

/* readable: 0 when path can be read, else -1 with err */
static int
readable(const char *what, const char *path, char *err, size_t len)
{
	if (access(path, R_OK) == 0)
		return 0;
	snprintf(err, len, "%s %s: %s", what, path, strerror(errno));
	return -1;
}

/* load_own: the certificate and key from files; 0, or -1 with err */
static int
load_own(SSL_CTX *ctx, const struct tls_opts *o, char *err, size_t len)
{
	const char *key = o->key ? o->key : o->cert;

	if (readable("certificate", o->cert, err, len) == -1 ||
	    readable("key", key, err, len) == -1)
		return -1;
	if (SSL_CTX_use_certificate_chain_file(ctx, o->cert) != 1) {
		ctx_error(err, len, "load certificate", o->cert);
		return -1;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 &&
	    ERR_GET_REASON(ERR_peek_error()) != X509_R_KEY_VALUES_MISMATCH) {
		ctx_error(err, len, "load key", key);
		return -1;
	}
	if (ERR_peek_error() != 0 || SSL_CTX_check_private_key(ctx) != 1) {
		ossl_reason(NULL);
		snprintf(err, len, "key %s does not match certificate %s", key,
		    o->cert);
		return -1;
	}
	return 0;
}

/* load_ca: the CAs that verify the peer; 0, or -1 with err */
static int
load_ca(SSL_CTX *ctx, bool server, const char *ca, char *err, size_t len)
{
	STACK_OF(X509_NAME) *names;

	if (ca == NULL) {
		if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
			ctx_error(err, len, "load", "the system CA store");
			return -1;
		}
		return 0;
	}
	if (readable("CA file", ca, err, len) == -1)
		return -1;
	if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
		ctx_error(err, len, "load CA file", ca);
		return -1;
	}
	if (server) {
		/* the CAs a client may pick its certificate from */
		names = SSL_load_client_CA_file(ca);
		if (names == NULL) {
			ctx_error(err, len, "load CA names from", ca);
			return -1;
		}
		SSL_CTX_set_client_CA_list(ctx, names);
	}
	return 0;
}

struct tls_ctx *
tls_ctx_new(bool server, const struct tls_opts *o, char *err, size_t errlen)
{
	static const unsigned char sid[] = "ipctool";
	struct tls_ctx *c;

	if (!ossl_load(err, errlen))
		return NULL;
	c = calloc(1, sizeof(*c));
	ERR_clear_error();
	if (c == NULL) {
		snprintf(err, errlen, "allocate a TLS context: %s",
		    strerror(errno));
		return NULL;
	}
	c->server = server;
	c->verify = o->verify;
	c->ctx = SSL_CTX_new(server ? TLS_server_method() :
	    TLS_client_method());
	if (c->ctx == NULL) {
		ctx_error(err, errlen, "create", "a TLS context");
		goto fail;
	}
	SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
	SSL_CTX_set_mode(c->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/* kernel TLS where the kernel has it (the "tls" ULP): the records
	 * are then sealed and opened by the kernel; OpenSSL falls back to
	 * its own when the setsockopt(TCP_ULP) is refused. No
	 * renegotiation: nothing here needs it, and a read must never have
	 * to wait for a write */
	SSL_CTX_set_options(c->ctx, SSL_OP_ENABLE_KTLS |
	    SSL_OP_NO_RENEGOTIATION);
	/* no session tickets: nothing to resume them with, and a peer
	 * that never reads (ncat --send-only) would close on them unread,
	 * which resets the connection and loses what it sent last */
	if (server)
		SSL_CTX_set_num_tickets(c->ctx, 0);
	if (o->cert) {
		if (load_own(c->ctx, o, err, errlen) == -1)
			goto fail;
	} else if (o->key) {
		snprintf(err, errlen, "a key (%s) needs its certificate",
		    o->key);
		goto fail;
	} else if (server) {
		if (generate(c->ctx, err, errlen) == -1)
			goto fail;
		c->generated = true;
	}
	fingerprint(SSL_CTX_get0_certificate(c->ctx), c->fingerprint,
	    sizeof(c->fingerprint));
	if (server && o->verify && o->ca == NULL) {
		snprintf(err, errlen, "verifying clients needs a CA file");
		goto fail;
	}
	if (o->verify || (server && o->ca)) {
		if (load_ca(c->ctx, server, o->ca, err, errlen) == -1)
			goto fail;
	}
	if (o->verify) {
		SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER | (server ?
		    SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0), NULL);
		/* resumed sessions must stay tied to this verification */
		SSL_CTX_set_session_id_context(c->ctx, sid, sizeof(sid) - 1);
	} else {
		SSL_CTX_set_verify(c->ctx, SSL_VERIFY_NONE, NULL);
	}
	return c;
fail:
	tls_ctx_free(c);
	return NULL;
}

void
tls_ctx_free(struct tls_ctx *c)
{
	if (c == NULL)
		return;
	SSL_CTX_free(c->ctx);
	free(c);
}

bool
tls_ctx_generated(const struct tls_ctx *c)
{
	return c->generated;
}

const char *
tls_ctx_fingerprint(const struct tls_ctx *c)
{
	return c->fingerprint;
}

/* --- sessions --- */

/* is_ip: true when host is an IPv4 or IPv6 address */
static bool
is_ip(const char *host)
{
	unsigned char b[16];

	return inet_pton(AF_INET, host, b) == 1 ||
	    inet_pton(AF_INET6, host, b) == 1;
}

struct tls *
tls_new(struct tls_ctx *c, int fd, const char *host)
{
	struct tls *t = calloc(1, sizeof(*t));
	X509_VERIFY_PARAM *vp;

	if (t == NULL)
		return NULL;
	t->fd = fd;
	t->server = c->server;
	t->verify = c->verify;
	t->want = POLLIN;
	ERR_clear_error();
	t->ssl = SSL_new(c->ctx);
	if (t->ssl == NULL || SSL_set_fd(t->ssl, fd) != 1)
		goto fail;
	io_set_nonblock(fd, true);
	if (c->server) {
		SSL_set_accept_state(t->ssl);
		return t;
	}
	SSL_set_connect_state(t->ssl);
	if (host && *host) {
		bool ip = is_ip(host);

		/* RFC 6066: SNI carries DNS names only */
		if (!ip && SSL_set_tlsext_host_name(t->ssl, host) != 1)
			goto fail;
		vp = SSL_get0_param(t->ssl);
		if (c->verify && (ip ? X509_VERIFY_PARAM_set1_ip_asc(vp, host) :
		    X509_VERIFY_PARAM_set1_host(vp, host, 0)) != 1)
			goto fail;
	}
	return t;
fail:
	ossl_reason(NULL);
	tls_free(t);
	errno = ENOMEM;
	return NULL;
}

void
tls_free(struct tls *t)
{
	if (t == NULL)
		return;
	SSL_free(t->ssl);
	free(t);
}

int
tls_fd(const struct tls *t)
{
	return t->fd;
}

short
tls_want(const struct tls *t)
{
	return t->want;
}

const char *
tls_error(const struct tls *t)
{
	return t->err[0] ? t->err : "TLS failure";
}

/* again: true (errno EAGAIN, t->want set) when sslerr asks to retry */
static bool
again(struct tls *t, int sslerr)
{
	if (sslerr == SSL_ERROR_WANT_READ)
		t->want = POLLIN;
	else if (sslerr == SSL_ERROR_WANT_WRITE)
		t->want = POLLOUT;
	else
		return false;
	errno = EAGAIN;
	return true;
}

int
tls_handshake_step(struct tls *t)
{
	int r, e;

	ERR_clear_error();
	errno = 0;
	r = SSL_do_handshake(t->ssl);
	if (r == 1)
		return 1;
	e = SSL_get_error(t->ssl, r);
	if (again(t, e))
		return 0;
	return fail(t, e, " during the handshake");
}

int
tls_handshake(struct tls *t, int64_t deadline)
{
	int r, ev;

	for (;;) {
		r = tls_handshake_step(t);
		if (r != 0)
			return r == 1 ? 0 : -1;
		ev = io_wait(t->fd, t->want, deadline);
		if (ev == 0) {
			snprintf(t->err, sizeof(t->err), "no handshake in time");
			errno = ETIMEDOUT;
			return -1;
		}
		if (ev == -1) {
			snprintf(t->err, sizeof(t->err), "poll: %s",
			    strerror(errno));
			return -1;
		}
	}
}

void
tls_linger(struct tls *t, int64_t deadline)
{
	char buf[4096];
	ssize_t n;

	shutdown(t->fd, SHUT_WR);
	while (io_wait(t->fd, POLLIN, deadline) > 0) {
		n = read(t->fd, buf, sizeof(buf));
		if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR))
			break;
	}
}

ssize_t
tls_read(struct tls *t, void *buf, size_t len)
{
	unsigned long code;
	int n, e;

	ERR_clear_error();
	errno = 0;
	n = SSL_read(t->ssl, buf, len > INT_MAX ? INT_MAX : (int)len);
	if (n > 0)
		return n;
	e = SSL_get_error(t->ssl, n);
	if (e == SSL_ERROR_ZERO_RETURN) {
		t->clean_eof = true;
		return 0;
	}
	if (again(t, e))
		return -1;
	code = ERR_peek_error();
	if ((e == SSL_ERROR_SYSCALL && errno == 0) || (e == SSL_ERROR_SSL &&
	    ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING)) {
		/* a plain close: unclean, and OpenSSL ends the session */
		ossl_reason(NULL);
		t->closed = true;
		return 0;
	}
	return fail(t, e, "");
}

ssize_t
tls_read_fn(void *arg, void *buf, size_t len)
{
	return tls_read(arg, buf, len);
}

bool
tls_pending(const struct tls *t)
{
	return SSL_pending(t->ssl) > 0;
}

bool
tls_clean_eof(const struct tls *t)
{
	return t->clean_eof;
}

ssize_t
tls_write(struct tls *t, const void *buf, size_t len)
{
	int n, e;

	if (len == 0)
		return 0;
	if (t->closed) {
		snprintf(t->err, sizeof(t->err), "the peer closed the "
		    "connection");
		errno = EPIPE;
		return -1;
	}
	ERR_clear_error();
	errno = 0;
	n = SSL_write(t->ssl, buf, len > INT_MAX ? INT_MAX : (int)len);
	if (n > 0)
		return n;
	e = SSL_get_error(t->ssl, n);
	if (again(t, e))
		return -1;
	if (e == SSL_ERROR_ZERO_RETURN) {
		snprintf(t->err, sizeof(t->err), "the peer closed the "
		    "connection");
		errno = EPIPE;
		return -1;
	}
	return fail(t, e, "");
}

ssize_t
tls_write_full(struct tls *t, const void *buf, size_t len, int64_t deadline)
{
	const char *p = buf;
	size_t done = 0;
	ssize_t n;
	int ev;

	while (done < len) {
		n = tls_write(t, p + done, len - done);
		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (errno != EAGAIN)
			return -1;
		ev = io_wait(t->fd, t->want, deadline);
		if (ev == 0) {
			snprintf(t->err, sizeof(t->err), "write timed out");
			errno = ETIMEDOUT;
			return -1;
		}
		if (ev == -1)
			return -1;
	}
	return (ssize_t)done;
}

int
tls_close_notify(struct tls *t)
{
	int r, e;

	if (t->sent_close)
		return 0;
	ERR_clear_error();
	errno = 0;
	r = SSL_shutdown(t->ssl);
	if (r >= 0) {
		t->sent_close = true;
		return 0;
	}
	e = SSL_get_error(t->ssl, r);
	if (again(t, e))
		return -1;
	return fail(t, e, "");
}

int
tls_close_notify_wait(struct tls *t, int64_t deadline)
{
	int ev;

	while (tls_close_notify(t) == -1) {
		if (errno != EAGAIN)
			return -1;
		ev = io_wait(t->fd, t->want, deadline);
		if (ev == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (ev == -1)
			return -1;
	}
	return 0;
}

/* --- what the handshake settled --- */

/* name_str: an X509 name in RFC 2253 form into buf */
static void
name_str(const X509_NAME *n, char *buf, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long m;

	buf[0] = '\0';
	if (b == NULL)
		return;
	if (X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB)
	    >= 0) {
		m = BIO_get_mem_data(b, &p);
		if (m > 0)
			snprintf(buf, len, "%.*s", (int)m, p);
	}
	BIO_free(b);
}

/* time_str: an ASN.1 time as OpenSSL prints it into buf */
static void
time_str(const ASN1_TIME *tm, char *buf, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long m;

	buf[0] = '\0';
	if (b == NULL)
		return;
	if (ASN1_TIME_print(b, tm) == 1) {
		m = BIO_get_mem_data(b, &p);
		if (m > 0)
			snprintf(buf, len, "%.*s", (int)m, p);
	}
	BIO_free(b);
}

void
tls_get_info(const struct tls *t, struct tls_info *ti)
{
	X509 *x = SSL_get1_peer_certificate(t->ssl);
	const char *c = SSL_get_cipher_name(t->ssl);
	long v = SSL_get_verify_result(t->ssl);

	memset(ti, 0, sizeof(*ti));
	strlcpy(ti->version, SSL_get_version(t->ssl), sizeof(ti->version));
	strlcpy(ti->cipher, c ? c : "", sizeof(ti->cipher));
	if (x == NULL) {
		strlcpy(ti->verify_result, t->verify ? "no certificate" :
		    "not checked", sizeof(ti->verify_result));
		return;
	}
	ti->peer_cert = true;
	name_str(X509_get_subject_name(x), ti->subject, sizeof(ti->subject));
	name_str(X509_get_issuer_name(x), ti->issuer, sizeof(ti->issuer));
	fingerprint(x, ti->fingerprint, sizeof(ti->fingerprint));
	time_str(X509_get0_notAfter(x), ti->not_after, sizeof(ti->not_after));
	ti->verified = t->verify && v == X509_V_OK;
	strlcpy(ti->verify_result, !t->verify ? "not checked" :
	    v == X509_V_OK ? "ok" : X509_verify_cert_error_string(v),
	    sizeof(ti->verify_result));
	X509_free(x);
}

const char *
tls_ktls(const struct tls *t)
{
	bool snd = BIO_get_ktls_send(SSL_get_wbio(t->ssl));
	bool rcv = BIO_get_ktls_recv(SSL_get_rbio(t->ssl));

	return snd && rcv ? "on" : snd ? "send only" : rcv ? "receive only" :
	    "off";
}

char *
tls_describe(const struct tls *t, char *buf, size_t len)
{
	struct tls_info ti;

	tls_get_info(t, &ti);
	if (ti.peer_cert)
		snprintf(buf, len, "%s %s, peer %s (issuer %s), verify %s, "
		    "kernel TLS %s", ti.version, ti.cipher, ti.subject,
		    ti.issuer, ti.verify_result, tls_ktls(t));
	else
		snprintf(buf, len, "%s %s, the peer showed no certificate, "
		    "kernel TLS %s", ti.version, ti.cipher, tls_ktls(t));
	return buf;
}

int
tls_setenv(const struct tls *t)
{
	struct tls_info ti;
	int rc = 0;

	tls_get_info(t, &ti);
	rc |= setenv("IPCTOOL_TLS_VERSION", ti.version, 1);
	rc |= setenv("IPCTOOL_TLS_CIPHER", ti.cipher, 1);
	if (!ti.peer_cert)
		return rc;
	rc |= setenv("IPCTOOL_TLS_PEER_SUBJECT", ti.subject, 1);
	rc |= setenv("IPCTOOL_TLS_PEER_ISSUER", ti.issuer, 1);
	rc |= setenv("IPCTOOL_TLS_PEER_FINGERPRINT", ti.fingerprint, 1);
	rc |= setenv("IPCTOOL_TLS_PEER_NOT_AFTER", ti.not_after, 1);
	rc |= setenv("IPCTOOL_TLS_PEER_VERIFIED", ti.verified ? "1" : "0", 1);
	return rc;
}

/* --- the relay --- */

struct tdir {
	char *buf;
	size_t off, pending;
	bool eof, done;
	bool ready;		/* poll said the plain fd is ready */
	bool blocked;		/* the TLS side waits for want */
	short want;
	int err;		/* up: errno of a failed write into TLS */
	bool dst_failed;	/* down: the error was writing to out */
	bool splice;		/* up: from the input pipe straight into
				 * the kernel's TLS (kernel TLS sends) */
	uint64_t total;
};

/* up_splice: the input pipe into the socket, where the kernel seals the
 * records (kernel TLS on the sending side: OpenSSL's SSL_sendfile does
 * the same for files); no copy through user space. The pipe is a
 * blocking one polled readable, so EAGAIN can only be the socket's (and
 * after a partial splice it is polled again: a second would wait).
 * true when something moved */
static bool
up_splice(struct tdir *up, int in, struct tls *t)
{
	ssize_t n;

	if (!up->ready || up->blocked)
		return false;
	n = splice(in, NULL, t->fd, NULL, TLS_RELAY_BUF, SPLICE_F_MOVE);
	up->ready = false;	/* blocking: only a poll says there is more */
	if (n > 0) {
		up->total += (uint64_t)n;
		return true;
	}
	if (n == 0) {
		up->eof = true;
		return true;
	}
	if (errno == EAGAIN) {
		up->blocked = true;
		up->want = POLLOUT;
		return false;
	}
	if (errno == EINTR)
		return false;
	out_trace("splice(%d -> %d): %s; input stops", in, t->fd,
	    strerror(errno));
	up->err = errno;
	up->done = true;
	return true;
}

/* up_step: input into the buffer, the buffer into TLS; true when
 * something moved; sets up->done on an error of the TLS side */
static bool
up_step(struct tdir *up, int in, struct tls *t, bool in_nb)
{
	bool moved = false;
	ssize_t n;

	if (up->splice)
		return up_splice(up, in, t);
	if (up->pending == 0 && !up->eof && up->ready) {
		n = read(in, up->buf, TLS_RELAY_BUF);
		if (n > 0) {
			up->off = 0;
			up->pending = (size_t)n;
			up->total += (uint64_t)n;
			moved = true;
		} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			up->eof = true;
			moved = true;
		}
		if (!in_nb || n == -1)
			up->ready = false;
	}
	if (up->pending > 0 && !up->blocked) {
		n = tls_write(t, up->buf + up->off, up->pending);
		if (n > 0) {
			up->off += (size_t)n;
			up->pending -= (size_t)n;
			moved = true;
		} else if (errno == EAGAIN) {
			up->blocked = true;
			up->want = tls_want(t);
		} else {
			out_trace("SSL_write(%d): %s; input stops", t->fd,
			    tls_error(t));
			up->err = errno;
			up->done = true;
			up->pending = 0;
			moved = true;
		}
	}
	return moved;
}

/* down_step: TLS into the buffer (until full or nothing more), the buffer
 * into out; 1 when something moved, 0 when not, -1 with errno on an error */
static int
down_step(struct tdir *down, struct tls *t, int out)
{
	bool moved = false;
	ssize_t n;

	while (!down->eof && !down->blocked &&
	    down->off + down->pending < TLS_RELAY_BUF) {
		n = tls_read(t, down->buf + down->off + down->pending,
		    TLS_RELAY_BUF - down->off - down->pending);
		if (n > 0) {
			down->pending += (size_t)n;
			down->total += (uint64_t)n;
			moved = true;
		} else if (n == 0) {
			down->eof = true;
			moved = true;
		} else if (errno == EAGAIN) {
			down->blocked = true;
			down->want = tls_want(t);
		} else {
			return -1;
		}
	}
	if (down->pending > 0 && down->ready) {
		n = write(out, down->buf + down->off, down->pending);
		if (n > 0) {
			down->off += (size_t)n;
			down->pending -= (size_t)n;
			moved = true;
		} else if (n == -1 && errno == EAGAIN) {
			down->ready = false;
		} else if (n == -1 && errno != EINTR) {
			down->dst_failed = true;
			return -1;
		}
		if (down->pending == 0)
			down->off = 0;
	}
	return moved;
}

int
tls_relay(int in, struct tls *t, int out, const struct relay_opts *o,
    struct relay_stats *st)
{
	struct tdir up = { 0 }, down = { 0 };
	struct pollfd pfd[3];
	struct stat sb;
	/* in stays as it is: its O_NONBLOCK flag is shared with every
	 * process that holds it */
	bool in_nb = in >= 0 && (fcntl(in, F_GETFL) & O_NONBLOCK) != 0;
	bool closing = false, close_blocked = false;
	short close_want = 0;
	int n, m, rc = 0, e = 0, idle = o->idle_ms < 0 ? -1 :
	    o->idle_ms > 0x7fffffff ? 0x7fffffff : (int)o->idle_ms;

	up.buf = malloc(TLS_RELAY_BUF);
	down.buf = malloc(TLS_RELAY_BUF);
	if (up.buf == NULL || down.buf == NULL) {
		free(up.buf);
		free(down.buf);
		errno = ENOMEM;
		return -1;
	}
	up.eof = up.done = in < 0;
	up.ready = in_nb;
	/* a blocking pipe and kernel TLS sending: splice (a nonblocking
	 * one would make EAGAIN ambiguous: the pipe's or the socket's) */
	if (!up.done && !in_nb && BIO_get_ktls_send(SSL_get_wbio(t->ssl)) &&
	    fstat(in, &sb) == 0 && S_ISFIFO(sb.st_mode)) {
		up.splice = true;
		out_trace("splice(%d -> %d): the kernel seals the records "
		    "(kernel TLS sends)", in, t->fd);
	}
	down.ready = true;
	if (up.done && o->half_close)
		closing = true;
	for (;;) {
		bool moved = false;

		if (!up.done) {
			moved |= up_step(&up, in, t, in_nb);
			if (!up.done && up.eof && up.pending == 0) {
				up.done = true;
				closing = o->half_close;
			}
		}
		if (closing && !close_blocked) {
			if (tls_close_notify(t) == 0 || errno != EAGAIN) {
				out_trace("SSL_shutdown(%d) [close_notify: "
				    "input ended after %llu bytes] = %s",
				    t->fd, (unsigned long long)up.total,
				    t->sent_close ? "sent" : tls_error(t));
				closing = false;
				moved = true;
			} else {
				close_blocked = true;
				close_want = tls_want(t);
			}
		}
		if (!down.done) {
			m = down_step(&down, t, out);
			if (m == -1) {
				rc = -1;
				e = errno;
				break;
			}
			moved |= m == 1;
			if (down.eof && down.pending == 0) {
				down.done = true;
				out_trace("SSL_read(%d) = 0 [%s after %llu "
				    "bytes]", t->fd, t->clean_eof ?
				    "close_notify" : "closed without "
				    "close_notify", (unsigned long long)
				    down.total);
				shutdown(out, SHUT_WR);	/* ENOTSOCK is fine */
			}
		}
		if (down.done && (!o->input_after_eof || up.done))
			break;
		if (moved)
			continue;
		pfd[0].fd = !up.done && !up.eof && up.pending == 0 &&
		    !(up.splice && up.blocked) ? in : -1;
		pfd[0].events = POLLIN;
		pfd[1].fd = tls_fd(t);
		pfd[1].events = 0;
		if ((up.pending > 0 || up.splice) && up.blocked)
			pfd[1].events |= up.want;
		if (!down.done && down.blocked)
			pfd[1].events |= down.want;
		if (closing && close_blocked)
			pfd[1].events |= close_want;
		if (pfd[1].events == 0)
			pfd[1].fd = -1;
		pfd[2].fd = down.pending > 0 && !down.ready ? out : -1;
		pfd[2].events = POLLOUT;
		if (pfd[2].fd == -1 && up.done) {
			/* only a hang-up: nobody is left to write for */
			pfd[2].fd = out;
			pfd[2].events = 0;
		}
		for (int i = 0; i < 3; i++)
			pfd[i].revents = 0;
		n = io_poll_idle(pfd, 3, idle);
		if (n == 0)
			continue;
		if (n == -1) {
			rc = -1;
			e = errno;
			break;
		}
		if (pfd[0].revents)
			up.ready = true;
		if (pfd[1].revents)
			up.blocked = down.blocked = close_blocked = false;
		if (pfd[2].revents & (POLLERR | POLLHUP) &&
		    !(pfd[2].revents & POLLOUT)) {
			if (pfd[2].events == 0) {
				out_trace("fd %d hung up: the relay ends", out);
				break;
			}
			rc = -1;
			e = EPIPE;
			down.dst_failed = true;
			break;
		}
		if (pfd[2].revents)
			down.ready = true;
	}
	if (closing)
		tls_close_notify(t);	/* best effort: the peer may be gone */
	if (st) {
		st->sent = up.total;
		st->received = down.total;
		st->spliced = up.splice && up.total > 0;
		st->up_error = up.err;
		st->out_failed = rc == -1 && down.dst_failed;
	}
	free(up.buf);
	free(down.buf);
	errno = e;
	return rc;
}
