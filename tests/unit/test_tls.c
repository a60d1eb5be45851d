/* test_tls.c - the TLS module over socketpairs: a handshake with the
 * generated certificate, data both ways, close_notify as a half-close,
 * a plain close told apart from close_notify, verification refused
 * against the system store, a handshake timeout, a peer that does not
 * speak TLS, context errors, and the relay through an echoing peer */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "io.h"
#include "tls.h"

#define BIG (4 << 20)

static char err[TLS_ERR_MAX];

/* contexts: a server with a generated certificate, a client that does
 * not verify */
static struct tls_ctx *
server_ctx(void)
{
	struct tls_opts o = { 0 };
	struct tls_ctx *c = tls_ctx_new(true, &o, err, sizeof(err));

	CHECK(c != NULL);
	return c;
}

static struct tls_ctx *
client_ctx(bool verify)
{
	struct tls_opts o = { .verify = verify };
	struct tls_ctx *c = tls_ctx_new(false, &o, err, sizeof(err));

	CHECK(c != NULL);
	return c;
}

/* both_handshake: step both ends until each is done or failed; returns
 * the client's result (0 or -1, errno the client's), *srv gets the
 * server's */
static int
both_handshake(struct tls *cl, struct tls *sv, int *srv)
{
	int rc = 0, rs = 0, e = 0;

	for (int i = 0; i < 1000 && (rc == 0 || rs == 0); i++) {
		if (rc == 0 && (rc = tls_handshake_step(cl)) == -1)
			e = errno;
		if (rs == 0)
			rs = tls_handshake_step(sv);
	}
	*srv = rs == 1 ? 0 : -1;
	errno = e;
	return rc == 1 ? 0 : -1;
}

/* read_all: read from t until len bytes or the end; the count */
static size_t
read_all(struct tls *t, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = tls_read(t, buf + got, len - got);
		if (n > 0) {
			got += (size_t)n;
			continue;
		}
		if (n == 0 || errno != EAGAIN)
			break;
		io_wait(tls_fd(t), tls_want(t), io_deadline(5000));
	}
	return got;
}

/* read_eof: the next tls_read returns 0 (waiting for it) */
static ssize_t
read_eof(struct tls *t)
{
	char c;
	ssize_t n;

	for (int i = 0; i < 100; i++) {
		n = tls_read(t, &c, 1);
		if (n != -1 || errno != EAGAIN)
			return n;
		io_wait(tls_fd(t), tls_want(t), io_deadline(5000));
	}
	return -1;
}

static void
test_fingerprint(void)
{
	struct tls_ctx *s = server_ctx();
	const char *fp = tls_ctx_fingerprint(s);

	CHECK(tls_ctx_generated(s));
	CHECK_INT(strlen(fp), 95);
	CHECK(fp[2] == ':' && fp[92] == ':');
	CHECK(strspn(fp, "0123456789ABCDEF:") == 95);
	tls_ctx_free(s);
}

/* test_half_close: data both ways; the client's close_notify ends what
 * the server reads, and the server's answer still arrives after it */
static void
test_half_close(void)
{
	struct tls_ctx *sc = server_ctx(), *cc = client_ctx(false);
	struct tls *cl, *sv;
	struct tls_info ti;
	char buf[64], line[256];
	int sp[2], rs;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == 0);
	cl = tls_new(cc, sp[0], "localhost");
	sv = tls_new(sc, sp[1], NULL);
	CHECK(cl != NULL && sv != NULL);
	CHECK_INT(both_handshake(cl, sv, &rs), 0);
	CHECK_INT(rs, 0);
	tls_get_info(cl, &ti);
	CHECK_STR(ti.version, "TLSv1.3");
	CHECK(ti.peer_cert);
	CHECK_STR(ti.subject, "CN=ipctool throwaway");
	CHECK_STR(ti.fingerprint, tls_ctx_fingerprint(sc));
	CHECK(!ti.verified);
	CHECK_STR(ti.verify_result, "not checked");
	tls_describe(cl, line, sizeof(line));
	CHECK(strncmp(line, "TLSv1.3 TLS_", 12) == 0);
	CHECK(strstr(line, ", peer CN=ipctool throwaway (issuer CN=ipctool "
	    "throwaway), verify not checked") != NULL);
	tls_get_info(sv, &ti);
	CHECK(!ti.peer_cert);
	tls_describe(sv, line, sizeof(line));
	CHECK(strstr(line, "the peer showed no certificate") != NULL);

	CHECK_INT(tls_write_full(cl, "hello", 5, io_deadline(5000)), 5);
	CHECK_INT(tls_close_notify_wait(cl, io_deadline(5000)), 0);
	CHECK_INT(read_all(sv, buf, 5), 5);
	CHECK(memcmp(buf, "hello", 5) == 0);
	CHECK_INT(read_eof(sv), 0);
	CHECK(tls_clean_eof(sv));
	/* the other direction still works */
	CHECK_INT(tls_write_full(sv, "answer", 6, io_deadline(5000)), 6);
	CHECK_INT(tls_close_notify_wait(sv, io_deadline(5000)), 0);
	CHECK_INT(read_all(cl, buf, 6), 6);
	CHECK(memcmp(buf, "answer", 6) == 0);
	CHECK_INT(read_eof(cl), 0);
	CHECK(tls_clean_eof(cl));
	tls_free(cl);
	tls_free(sv);
	close(sp[0]);
	close(sp[1]);
	tls_ctx_free(sc);
	tls_ctx_free(cc);
}

/* test_unclean: a socket closed without close_notify reads as the end,
 * but not a clean one */
static void
test_unclean(void)
{
	struct tls_ctx *sc = server_ctx(), *cc = client_ctx(false);
	struct tls *cl, *sv;
	int sp[2], rs;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == 0);
	cl = tls_new(cc, sp[0], "localhost");
	sv = tls_new(sc, sp[1], NULL);
	CHECK_INT(both_handshake(cl, sv, &rs), 0);
	tls_free(sv);
	close(sp[1]);
	CHECK_INT(read_eof(cl), 0);
	CHECK(!tls_clean_eof(cl));
	/* writing into the closed socket fails */
	CHECK_INT(tls_write_full(cl, "x", 1, io_deadline(1000)), -1);
	CHECK(errno == EPIPE || errno == ECONNRESET);
	tls_free(cl);
	close(sp[0]);
	tls_ctx_free(sc);
	tls_ctx_free(cc);
}

/* test_verify_refused: the system store does not know the generated
 * certificate: the client refuses it, and the server hears an alert */
static void
test_verify_refused(void)
{
	struct tls_ctx *sc = server_ctx(), *cc = client_ctx(true);
	struct tls *cl, *sv;
	int sp[2], rs;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == 0);
	cl = tls_new(cc, sp[0], "localhost");
	sv = tls_new(sc, sp[1], NULL);
	CHECK_INT(both_handshake(cl, sv, &rs), -1);
	CHECK_INT(errno, EACCES);
	CHECK_STR(tls_error(cl), "certificate verify failed: self-signed "
	    "certificate");
	CHECK_INT(rs, -1);
	CHECK(strncmp(tls_error(sv), "the peer refused: ", 18) == 0);
	tls_free(cl);
	tls_free(sv);
	close(sp[0]);
	close(sp[1]);
	tls_ctx_free(sc);
	tls_ctx_free(cc);
}

/* test_timeout: a peer that never answers */
static void
test_timeout(void)
{
	struct tls_ctx *cc = client_ctx(false);
	struct tls *cl;
	int64_t t0 = io_now_ms();
	int sp[2];

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == 0);
	cl = tls_new(cc, sp[0], "localhost");
	CHECK_INT(tls_handshake(cl, io_deadline(100)), -1);
	CHECK_INT(errno, ETIMEDOUT);
	CHECK_STR(tls_error(cl), "no handshake in time");
	CHECK(io_now_ms() - t0 >= 100);
	tls_free(cl);
	close(sp[0]);
	close(sp[1]);
	tls_ctx_free(cc);
}

/* test_not_tls: a plain-text server, and one that closes at once */
static void
test_not_tls(void)
{
	struct tls_ctx *cc = client_ctx(false);
	struct tls *cl;
	int sp[2];

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == 0);
	CHECK(write(sp[1], "SSH-2.0-OpenSSH_9.2\r\n", 21) == 21);
	cl = tls_new(cc, sp[0], "localhost");
	CHECK_INT(tls_handshake(cl, io_deadline(5000)), -1);
	CHECK_INT(errno, EPROTO);
	CHECK_STR(tls_error(cl), "wrong version number: the peer does not "
	    "speak TLS");
	tls_free(cl);
	close(sp[0]);
	close(sp[1]);

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == 0);
	close(sp[1]);
	cl = tls_new(cc, sp[0], "localhost");
	CHECK_INT(tls_handshake(cl, io_deadline(5000)), -1);
	CHECK(errno == ECONNRESET || errno == EPIPE);
	CHECK_STR(tls_error(cl), "the peer closed the connection during the "
	    "handshake");
	tls_free(cl);
	close(sp[0]);
	tls_ctx_free(cc);
}

/* test_ctx_errors: the one-line reasons of a context that cannot be made */
static void
test_ctx_errors(void)
{
	struct tls_opts o = { .cert = "/nonexistent/cert.pem" };

	CHECK(tls_ctx_new(true, &o, err, sizeof(err)) == NULL);
	CHECK_STR(err, "certificate /nonexistent/cert.pem: No such file or "
	    "directory");
	o = (struct tls_opts){ .key = "/tmp/k.pem" };
	CHECK(tls_ctx_new(true, &o, err, sizeof(err)) == NULL);
	CHECK_STR(err, "a key (/tmp/k.pem) needs its certificate");
	o = (struct tls_opts){ .verify = true };
	CHECK(tls_ctx_new(true, &o, err, sizeof(err)) == NULL);
	CHECK_STR(err, "verifying clients needs a CA file");
	o = (struct tls_opts){ .ca = "/nonexistent/ca.pem", .verify = true };
	CHECK(tls_ctx_new(false, &o, err, sizeof(err)) == NULL);
	CHECK_STR(err, "CA file /nonexistent/ca.pem: No such file or "
	    "directory");
	o = (struct tls_opts){ .cert = "/dev/null" };
	CHECK(tls_ctx_new(true, &o, err, sizeof(err)) == NULL);
	CHECK(strncmp(err, "load certificate /dev/null: ", 28) == 0);
}

/* echo_server: in a child: handshake, echo until close_notify, then
 * close_notify back */
static struct tls_ctx *echo_ctx;
static struct tls *echo_tls;

/* echo_exit: the child's end, its TLS objects freed (valgrind checks the
 * child for leaks too) */
static void __attribute__((noreturn))
echo_exit(int status)
{
	tls_free(echo_tls);
	tls_ctx_free(echo_ctx);
	_exit(status);
}

static void __attribute__((noreturn))
echo_server(int fd)
{
	struct tls_ctx *sc = echo_ctx = server_ctx();
	struct tls *sv = echo_tls = tls_new(sc, fd, NULL);
	static char buf[65536];
	ssize_t n;

	if (tls_handshake(sv, io_deadline(10000)) == -1)
		echo_exit(2);
	for (;;) {
		n = tls_read(sv, buf, sizeof(buf));
		if (n == -1 && errno == EAGAIN) {
			io_wait(fd, tls_want(sv), io_deadline(10000));
			continue;
		}
		if (n <= 0)
			break;
		if (tls_write_full(sv, buf, (size_t)n, io_deadline(10000)) != n)
			echo_exit(3);
	}
	if (n != 0 || !tls_clean_eof(sv) ||
	    tls_close_notify_wait(sv, io_deadline(10000)) == -1)
		echo_exit(4);
	echo_exit(0);
}

/* test_relay: BIG bytes from a file through an echoing TLS peer into
 * another file; the relay's close_notify ends the echo */
static void
test_relay(void)
{
	char in_path[] = "/tmp/test_tls.in.XXXXXX";
	char out_path[] = "/tmp/test_tls.out.XXXXXX";
	struct relay_opts o = { .half_close = true, .idle_ms = 20000 };
	struct relay_stats st;
	struct tls_ctx *cc = client_ctx(false);
	struct tls *cl;
	char *a = malloc(BIG), *b = malloc(BIG);
	int sp[2], in, out, status, rc;
	pid_t pid;

	for (int i = 0; i < BIG; i++)
		a[i] = (char)(i * 7 + i / 4096);
	in = mkstemp(in_path);
	out = mkstemp(out_path);
	CHECK(in >= 0 && out >= 0);
	CHECK(io_write_full(in, a, BIG) == BIG);
	lseek(in, 0, SEEK_SET);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == 0);
	pid = fork();
	if (pid == 0) {
		free(a);	/* the parent's: nothing of the child's leaks */
		free(b);
		tls_ctx_free(cc);
		close(sp[0]);
		echo_server(sp[1]);
	}
	close(sp[1]);
	cl = tls_new(cc, sp[0], "localhost");
	CHECK_INT(tls_handshake(cl, io_deadline(10000)), 0);
	rc = tls_relay(in, cl, out, &o, &st);
	CHECK_INT(rc, 0);
	CHECK_INT(st.sent, BIG);
	CHECK_INT(st.received, BIG);
	CHECK(tls_clean_eof(cl));
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	lseek(out, 0, SEEK_SET);
	CHECK(io_read_full(out, b, BIG) == BIG);
	CHECK(memcmp(a, b, BIG) == 0);
	tls_free(cl);
	close(sp[0]);
	close(in);
	close(out);
	unlink(in_path);
	unlink(out_path);
	free(a);
	free(b);
	tls_ctx_free(cc);
}

/* test_relay_idle: nothing comes: ETIMEDOUT after idle_ms */
static void
test_relay_idle(void)
{
	struct relay_opts o = { .idle_ms = 100 };
	struct tls_ctx *sc = server_ctx(), *cc = client_ctx(false);
	struct tls *cl, *sv;
	int sp[2], rs, null = open("/dev/null", O_WRONLY);

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == 0);
	cl = tls_new(cc, sp[0], "localhost");
	sv = tls_new(sc, sp[1], NULL);
	CHECK_INT(both_handshake(cl, sv, &rs), 0);
	CHECK_INT(tls_relay(-1, cl, null, &o, NULL), -1);
	CHECK_INT(errno, ETIMEDOUT);
	tls_free(cl);
	tls_free(sv);
	close(sp[0]);
	close(sp[1]);
	close(null);
	tls_ctx_free(sc);
	tls_ctx_free(cc);
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);	/* as the applets do */
	test_fingerprint();
	test_half_close();
	test_unclean();
	test_verify_refused();
	test_timeout();
	test_not_tls();
	test_ctx_errors();
	test_relay();
	test_relay_idle();
	return check_done();
}
