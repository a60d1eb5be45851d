/* sock_server.c - sock-server: the passive side of a port or socket:
 * bind(2), listen(2), accept4(2), an epoll(7) loop over every client,
 * splice(2) for one relayed stream, fork(2)+execve(2) per connection with
 * SO_PEERCRED and UCSPI variables, recvfrom(2)/sendto(2) for udp */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bsd/err.h>
#include <bsd/stdlib.h>
#include <bsd/string.h>

#include "applet.h"
#include "buf.h"
#include "die.h"
#include "frame.h"
#include "io.h"
#include "sigs.h"
#include "out.h"
#include "parse.h"
#include "pidfile.h"
#include "relay.h"
#include "sock.h"
#include "tls.h"

static int sock_server_main(int argc, char **argv);

enum {
	KEY_ADDR_FILE = 256,
	KEY_BROADCAST,
	KEY_QUIET,
	KEY_JSON,
	KEY_MAX_CLIENTS,
	KEY_MODE,
	KEY_ONCE,
	KEY_TAG,
	KEY_TLS_CA,
	KEY_TLS_CERT,
	KEY_TLS_KEY,
	KEY_TLS_VERIFY_CLIENT,
};

static const struct opt sock_server_opts[] = {
	{ .so = '0', .lo = "null", .help = "messages end with NUL, not newline" },
	{ .so = 'a', .lo = "ack",
	  .help = "answer each message with a line 'ack N'" },
	{ .lo = "broadcast", .key = KEY_BROADCAST,
	  .help = "hub: each line of a client goes to every other" },
	{ .so = 'e', .lo = "echo", .help = "send every client its bytes back" },
	{ .so = 'k', .lo = "keep-open",
	  .help = "serve many clients, at once and in turn" },
	{ .lo = "quiet", .key = KEY_QUIET, .help = "no 'listening on' line" },
	{ .so = 't', .lo = "timeout", .arg = OPT_DURATION, .meta = "DUR",
	  .help = "give up when no client comes for DUR (exit 75)" },
	{ .lo = "addr-file", .key = KEY_ADDR_FILE, .arg = OPT_PATH,
	  .meta = "FILE", .help = "write the bound address to FILE" },
	{ .lo = "json", .key = KEY_JSON,
	  .help = "one JSON line per message and connection" },
	{ .lo = "max-clients", .key = KEY_MAX_CLIENTS, .arg = OPT_INT,
	  .meta = "N", .help = "refuse clients beyond N at once" },
	{ .so = 'm', .lo = "mode", .key = KEY_MODE, .arg = OPT_MODE,
	  .meta = "MODE",
	  .help = "permissions of a UNIX socket file (default 0600)" },
	{ .lo = "once", .key = KEY_ONCE,
	  .help = "exit when the first connection ends" },
	{ .lo = "tag", .key = KEY_TAG,
	  .help = "--broadcast: '<PEER> ' before each line (ncat --chat)" },
	{ .lo = "tls-ca", .key = KEY_TLS_CA, .arg = OPT_PATH, .meta = "FILE",
	  .help = "tls: the CAs that client certificates must come from" },
	{ .lo = "tls-cert", .key = KEY_TLS_CERT, .arg = OPT_PATH, .meta = "FILE",
	  .help = "tls: the server's certificate (default: throwaway)" },
	{ .lo = "tls-key", .key = KEY_TLS_KEY, .arg = OPT_PATH, .meta = "FILE",
	  .help = "tls: the private key of --tls-cert" },
	{ .lo = "tls-verify-client", .key = KEY_TLS_VERIFY_CLIENT,
	  .help = "tls: require a client certificate from --tls-ca" },
	OPT_END
};

const struct applet applet_sock_server = {
	.name = "sock-server",
	.brief = "listen on a port or socket: relay, echo, hub or exec",
	.usage = "sock-server [-0aek] [--broadcast] [-t DUR] [--addr-file F] ADDR\n"
	    "sock-server [OPTIONS] ADDR -- CMD [ARG...]",
	.opts = sock_server_opts,
	.flags = APPLET_CMD,
	.main = sock_server_main,
};

#define CLIENT_OUT_MAX	(4 * 1024 * 1024)	/* queued for one client */
#define EXEC_MAX_CLIENTS 40	/* commands at once by default (tcpserver) */
#define READ_CHUNK	(64 * 1024)
#define UDP_PEERS	256
#define TLS_HANDSHAKE_MS 30000	/* a command's client, without --timeout */
#define TLS_LINGER_MS	1000	/* for the peer to read a handshake alert */
#define TLS_DRAIN_MAX	(1024 * 1024)	/* read from it meanwhile */

struct client {
	int fd;
	char name[ADDR_STR_MAX];
	char *in;		/* a partial message */
	size_t inlen, incap;
	char *out;		/* bytes waiting for the client */
	size_t outoff, outlen, outcap;
	uint64_t nmsg;
	bool closing;		/* close once out is written */
	bool listening;		/* half-closed: only receives now */
	uint32_t events;
	struct tls *tls;	/* tls: the session */
	bool handshaking;	/* tls: not yet ready for data */
	bool tls_rd_out;	/* tls: a read waits for the socket to be
				 * writable */
	size_t draining;	/* tls: after a failed handshake, 1 + what
				 * was read and dropped until the peer's end */
	int64_t until;		/* tls: the end of the handshake's (or the
				 * drain's) time, io_now_ms; 0 none */
	struct client *prev, *next;	/* the connected clients */
	struct client *dead;		/* closed in this round, freed after it */
};

struct server {
	struct addr addr, bound;
	char where[ADDR_STR_MAX];
	int lfd, ep, sigfd, spare;
	bool keep, echo, broadcast, ack, json, once, quiet, to_stdout, tag;
	enum frame_mode fmode;
	long max_clients;
	int64_t timeout;
	mode_t mode;
	const char *addr_file;
	struct tls_opts topts;	/* tls: */
	struct tls_ctx *tctx;
	char **cmd;
	int ncmd;
	struct client *clients;
	struct client *dead;	/* closed, freed at the end of the round */
	long nclients;		/* connected, or children running */
	pid_t *kids;		/* exec mode: the commands running, each the
				 * leader of its process group */
	size_t nkids, kcap;
	bool stdin_on;
	char *sin;		/* a partial line from stdin */
	size_t sinlen, sincap;
	bool done;
	int status;
};

/* the unix socket file to remove on exit, for the signal handler */
static char cleanup_path[ADDR_PATH_MAX + 1];
static struct addr cleanup_addr;

/* epoll tags for the descriptors that are not clients */
static char tag_listen, tag_stdin, tag_signal;

/* on_fatal_signal: remove our socket file and --addr-file, then die of
 * the signal */
static void
on_fatal_signal(int sig)
{
	if (cleanup_path[0])
		sock_unlink(&cleanup_addr);	/* only the inode we bound */
	pidfile_remove_all();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* cleanup: at exit, remove the socket file we created */
static void
cleanup(void)
{
	if (cleanup_path[0]) {
		sock_unlink(&cleanup_addr);
		cleanup_path[0] = '\0';
	}
}

/* listen_failed: explain why the address could not be claimed, and exit */
static void __attribute__((noreturn))
listen_failed(const struct addr *a, int e)
{
	char s[ADDR_STR_MAX], comm[64];
	pid_t pid;

	addr_format(a, s, sizeof(s));
	if (e == EADDRINUSE && a->type == ADDR_UNIX)
		errx(EX_UNAVAILABLE, "%s is already in use: a server is "
		    "listening on it", s);
	if (e == EADDRINUSE) {
		pid = sock_port_owner(a->type, a->port, comm, sizeof(comm));
		if (pid > 0)
			errx(EX_UNAVAILABLE, "port %u is already in use (by %s, "
			    "pid %ld)", a->port, comm, (long)pid);
		errx(EX_UNAVAILABLE, "port %u is already in use", a->port);
	}
	if (e == EEXIST)
		errx(EXIT_FAIL, "bind %s: a file that is not a socket is in "
		    "the way", s);
	if (e == EACCES && a->type != ADDR_UNIX && a->port < 1024)
		errx(EXIT_FAIL, "bind %s: permission denied: ports below 1024 "
		    "need root or CAP_NET_BIND_SERVICE", s);
	if (e == EADDRNOTAVAIL)
		errx(EXIT_FAIL, "bind %s: the host is not an address of this "
		    "machine", s);
	errc(EXIT_FAIL, e, "bind %s", s);
}

/* write_addr_file: the bound address and a newline into path, atomically
 * (a temporary file renamed over it), removed at exit */
static void
write_addr_file(const char *path, const char *where)
{
	if (pidfile_publish_line(path, where, 0) == -1)
		err(EXIT_FAIL, "write %s", path);
}

/* --- output queue of a client --- */

/* ep_update: set what epoll watches on c */
static void
ep_update(struct server *s, struct client *c)
{
	uint32_t ev = 0;
	struct epoll_event e;

	if (!c->closing && !c->listening &&
	    c->outlen - c->outoff < CLIENT_OUT_MAX)
		ev |= EPOLLIN;
	if (c->outlen > c->outoff)
		ev |= EPOLLOUT;
	if (c->draining)
		ev = EPOLLIN;
	else if (c->tls && (c->handshaking || c->tls_rd_out)) {
		/* TLS itself decides what the socket must be ready for */
		ev &= ~(uint32_t)(c->handshaking ? EPOLLIN | EPOLLOUT : 0);
		ev |= tls_want(c->tls) == POLLOUT ? EPOLLOUT : EPOLLIN;
	}
	if (ev == c->events)
		return;
	e.events = ev;
	e.data.ptr = c;
	epoll_ctl(s->ep, EPOLL_CTL_MOD, c->fd, &e);
	c->events = ev;
}

/* client_close: drop c */
static void
client_close(struct server *s, struct client *c, const char *why)
{
	struct json j;

	out_trace("close(%d) [%s %s after %llu messages]", c->fd, c->name,
	    why, (unsigned long long)c->nmsg);
	if (s->json) {
		json_begin(&j);
		json_str(&j, "event", "disconnect");
		json_str(&j, "peer", c->name);
		json_int(&j, "messages", (long long)c->nmsg);
		json_print(&j, stdout);
		fflush(stdout);
	}
	epoll_ctl(s->ep, EPOLL_CTL_DEL, c->fd, NULL);
	if (c->tls) {
		if (!c->handshaking)
			tls_close_notify(c->tls);	/* best effort */
		tls_free(c->tls);
		c->tls = NULL;
	}
	close(c->fd);
	c->fd = -1;
	if (c->prev)
		c->prev->next = c->next;
	else
		s->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	/* epoll may still hold an event for c in this round */
	c->dead = s->dead;
	s->dead = c;
	s->nclients--;
	if (s->once)
		s->done = true;
}

/* free_dead: release the clients closed in this round */
static void
free_dead(struct server *s)
{
	struct client *c;

	while ((c = s->dead) != NULL) {
		s->dead = c->dead;
		free(c->in);
		free(c->out);
		free(c);
	}
}

/* client_flush: write what is queued for c; 0, or -1 when c is gone */
static int
client_flush(struct server *s, struct client *c)
{
	ssize_t n;

	if (c->handshaking)
		return 0;	/* what is queued waits for the handshake */
	while (c->outlen > c->outoff) {
		n = c->tls ? tls_write(c->tls, c->out + c->outoff, c->outlen -
		    c->outoff) : write(c->fd, c->out + c->outoff, c->outlen -
		    c->outoff);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			break;
		if (n == -1) {
			if (c->tls && errno == EPROTO)
				warnx("%s: %s", c->name, tls_error(c->tls));
			client_close(s, c, strerrorname_np(errno));
			return -1;
		}
		c->outoff += (size_t)n;
	}
	if (c->outoff == c->outlen)
		c->outoff = c->outlen = 0;
	if (c->closing && c->outlen == 0) {
		client_close(s, c, "done");
		return -1;
	}
	ep_update(s, c);
	return 0;
}

/* client_queue: add len bytes (and the delimiter when delim >= 0) to what
 * goes to c; -1 when c had to be dropped (too far behind) */
static int
client_queue(struct server *s, struct client *c, const char *p, size_t len,
    int delim)
{
	size_t need = c->outlen + len + 1;

	if (c->outoff > 0 && c->outoff == c->outlen)
		c->outoff = c->outlen = 0;
	if (c->outlen - c->outoff + len > 2 * CLIENT_OUT_MAX) {
		warnx("%s: reads too slowly, %d MiB queued: dropped", c->name,
		    2 * CLIENT_OUT_MAX >> 20);
		client_close(s, c, "too slow");
		return -1;
	}
	if (need > c->outcap) {
		if (c->outoff > 0) {
			memmove(c->out, c->out + c->outoff,
			    c->outlen - c->outoff);
			c->outlen -= c->outoff;
			c->outoff = 0;
			need = c->outlen + len + 1;
		}
		if (buf_grow(&c->out, &c->outcap, need) == -1) {
			client_close(s, c, "out of memory");
			return -1;
		}
	}
	memcpy(c->out + c->outlen, p, len);
	c->outlen += len;
	if (delim >= 0)
		c->out[c->outlen++] = (char)delim;
	return 0;
}

/* --- messages --- */

/* to_stdout: one message (with its delimiter) to stdout in one piece;
 * the server ends quietly when stdout's reader is gone */
static void
to_stdout(struct server *s, const char *peer, const char *msg, size_t len)
{
	struct json j;

	if (s->json) {
		json_begin(&j);
		json_str(&j, "event", "message");
		json_str(&j, "peer", peer);
		json_strn(&j, "data", msg, len);
		json_print(&j, stdout);
		die_flush_stdout();
		return;
	}
	if (frame_write(STDOUT_FILENO, s->fmode, msg, len) == -1) {
		if (errno == EPIPE)
			exit(0);
		err(EXIT_FAIL, "write to stdout");
	}
}

/* deliver: act on one whole message of c */
static void
deliver(struct server *s, struct client *c, const char *msg, size_t len)
{
	struct client *o, *next;
	char ack[32], tag[ADDR_STR_MAX + 4];
	int delim = frame_delim(s->fmode), n, tlen = 0;

	c->nmsg++;
	if (s->to_stdout)
		to_stdout(s, c->name, msg, len);
	/* --tag: the sender before the line, as ncat --chat does */
	if (s->tag)
		tlen = snprintf(tag, sizeof(tag), "<%s> ", c->name);
	if (s->broadcast)
		for (o = s->clients; o; o = next) {
			next = o->next;
			if (o != c && !o->closing &&
			    client_queue(s, o, tag, (size_t)tlen, -1) == 0 &&
			    client_queue(s, o, msg, len, delim) == 0)
				client_flush(s, o);
		}
	if (s->ack && c->fd >= 0) {
		n = snprintf(ack, sizeof(ack), "ack %llu",
		    (unsigned long long)c->nmsg);
		client_queue(s, c, ack, (size_t)n, delim);
	}
}

/* split_messages: deliver every whole message in c->in, keep the rest */
static void
split_messages(struct server *s, struct client *c)
{
	int delim = frame_delim(s->fmode);
	size_t start = 0;
	char *d;

	/* c->fd < 0: c was dropped on the way (its memory lives until the
	 * end of the round) */
	while (c->fd >= 0 &&
	    (d = memchr(c->in + start, delim, c->inlen - start)) != NULL) {
		deliver(s, c, c->in + start, (size_t)(d - (c->in + start)));
		start = (size_t)(d - c->in) + 1;
	}
	memmove(c->in, c->in + start, c->inlen - start);
	c->inlen -= start;
}

/* client_read: take what c sent; 0, or -1 when c is gone */
static int
client_read(struct server *s, struct client *c)
{
	char buf[READ_CHUNK];
	ssize_t n;

	if (c->tls) {
		c->tls_rd_out = false;
		n = tls_read(c->tls, buf, sizeof(buf));
		if (n == -1 && errno == EAGAIN) {
			c->tls_rd_out = tls_want(c->tls) == POLLOUT;
			ep_update(s, c);
			return 0;
		}
		if (n == -1 && errno == EPROTO)
			warnx("%s: %s", c->name, tls_error(c->tls));
	} else {
		n = read(c->fd, buf, sizeof(buf));
	}
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n == -1) {
		client_close(s, c, strerrorname_np(errno));
		return -1;
	}
	if (n == 0) {
		/* a last message without its delimiter still counts */
		if (!s->echo && c->inlen > 0) {
			deliver(s, c, c->in, c->inlen);
			c->inlen = 0;
			if (c->fd < 0)
				return -1;
		}
		/* a client that half-closed without sending anything
		 * listens (nc, socat -u): it stays a receiver while the
		 * server has lines for it, the hub's or stdin's */
		c->listening = c->nmsg == 0 && (s->broadcast || s->stdin_on);
		c->closing = !c->listening;
		shutdown(c->fd, SHUT_RD);
		if (c->listening)
			out_trace("shutdown(%d, SHUT_RD) [%s half-closed: it "
			    "only receives now]", c->fd, c->name);
		return client_flush(s, c);
	}
	if (s->echo) {
		if (client_queue(s, c, buf, (size_t)n, -1) == -1)
			return -1;
		return client_flush(s, c);
	}
	if (c->inlen + (size_t)n > FRAME_MAX_DEFAULT) {
		warnx("%s: message longer than %d MiB: dropped", c->name,
		    FRAME_MAX_DEFAULT >> 20);
		client_close(s, c, "message too long");
		return -1;
	}
	if (buf_grow(&c->in, &c->incap, c->inlen + (size_t)n) == -1) {
		client_close(s, c, "out of memory");
		return -1;
	}
	memcpy(c->in + c->inlen, buf, (size_t)n);
	c->inlen += (size_t)n;
	split_messages(s, c);
	if (c->fd < 0)
		return -1;
	return client_flush(s, c);
}

/* stdin_ended: without a hub, the clients that only receive get nothing
 * more once stdin ends: they close when their queue is written */
static void
stdin_ended(struct server *s)
{
	struct client *c, *next;

	if (s->broadcast)
		return;
	for (c = s->clients; c; c = next) {
		next = c->next;
		if (c->listening) {
			c->closing = true;
			client_flush(s, c);
		}
	}
}

/* stdin_read: lines from stdin go to every client */
static void
stdin_read(struct server *s)
{
	char buf[READ_CHUNK], *d;
	int delim = frame_delim(s->fmode);
	size_t start = 0;
	ssize_t n;
	struct client *c, *next;

	n = read(STDIN_FILENO, buf, sizeof(buf));
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		epoll_ctl(s->ep, EPOLL_CTL_DEL, STDIN_FILENO, NULL);
		s->stdin_on = false;
		if (s->sinlen == 0) {
			stdin_ended(s);
			return;
		}
		/* the last line, without its delimiter */
		buf[0] = (char)delim;
		n = 1;
	}
	if (s->sinlen + (size_t)n > FRAME_MAX_DEFAULT)
		errx(EXIT_FAIL, "stdin: line longer than %d MiB",
		    FRAME_MAX_DEFAULT >> 20);
	if (buf_grow(&s->sin, &s->sincap, s->sinlen + (size_t)n) == -1)
		err(EXIT_FAIL, "stdin");
	memcpy(s->sin + s->sinlen, buf, (size_t)n);
	s->sinlen += (size_t)n;
	while ((d = memchr(s->sin + start, delim, s->sinlen - start))) {
		size_t len = (size_t)(d - (s->sin + start)) + 1;

		for (c = s->clients; c; c = next) {
			next = c->next;
			if (!c->closing && client_queue(s, c, s->sin + start,
			    len, -1) == 0)
				client_flush(s, c);
		}
		start += len;
	}
	memmove(s->sin, s->sin + start, s->sinlen - start);
	s->sinlen -= start;
	if (!s->stdin_on)
		stdin_ended(s);
}

/* --- connections --- */

/* refuse: tell a client beyond --max-clients why, and close it */
static void
refuse(struct server *s, int fd, const char *name)
{
	char msg[160];
	int n;

	n = snprintf(msg, sizeof(msg), "ipctool sock-server: too many clients "
	    "(at most %ld), try again later\n", s->max_clients);
	/* a TLS client would take plain text for a broken record */
	if (!s->tctx && write(fd, msg, (size_t)n) == -1)
		out_trace("write(%d) [refusal] failed", fd);
	out_trace("close(%d) [%s refused: %ld clients]", fd, name,
	    s->nclients);
	close(fd);
}

/* setenv_num: setenv with a number */
static void
setenv_num(const char *name, long long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", v);
	setenv(name, buf, 1);
}

/* exec_child: in the child, the connection becomes stdin and stdout, the
 * peer goes into the environment, and CMD runs */
static void __attribute__((noreturn))
exec_child(struct server *s, int fd, const struct addr *peer, const char *name)
{
	struct addr local;
	pid_t pid;
	uid_t uid;
	gid_t gid;

	sigs_child();
	/* a group of its own, so that at our end it and what it started
	 * get the signal (sigs_end_groups) */
	setpgid(0, 0);
	/* accept4 made it nonblocking: the command expects a plain one */
	io_set_nonblock(fd, false);
	if (dup2(fd, STDIN_FILENO) == -1 || dup2(fd, STDOUT_FILENO) == -1) {
		warn("dup2");
		_exit(126);
	}
	if (fd > STDOUT_FILENO)
		close(fd);
	setenv("IPCTOOL_PEER", name, 1);
	if (peer->type == ADDR_UNIX) {
		setenv("PROTO", "UNIX", 1);
		if (sock_peer_cred(STDIN_FILENO, &pid, &uid, &gid) == 0) {
			setenv_num("IPCTOOL_PEER_PID", pid);
			setenv_num("IPCTOOL_PEER_UID", uid);
			setenv_num("IPCTOOL_PEER_GID", gid);
			setenv_num("UNIXREMOTEPID", pid);
			setenv_num("UNIXREMOTEEUID", uid);
			setenv_num("UNIXREMOTEEGID", gid);
		}
	} else {
		setenv("PROTO", "TCP", 1);
		setenv("TCPREMOTEIP", peer->host, 1);
		setenv_num("TCPREMOTEPORT", peer->port);
		/* over TLS stdin is the socketpair to the relay, and the
		 * relay set TCPLOCALIP already */
		if (sock_local_addr(STDIN_FILENO, ADDR_TCP, &local) == 0 &&
		    local.type == ADDR_TCP) {
			setenv("TCPLOCALIP", local.host, 1);
			setenv_num("TCPLOCALPORT", local.port);
		}
	}
	execvp(s->cmd[0], s->cmd);
	warn("exec %s", s->cmd[0]);
	_exit(errno == ENOENT ? 127 : 126);
}

/* tls_exec_child: in the child for a TLS connection: the handshake,
 * then CMD on a socketpair with what the handshake settled in its
 * environment, and this process relays between the two; exits with
 * CMD's status (1 when the handshake failed) */
static void __attribute__((noreturn))
tls_exec_child(struct server *s, int fd, const struct addr *peer,
    const char *name)
{
	struct relay_opts ro = { .half_close = true, .idle_ms = -1,
	    .input_after_eof = true };
	char line[TLS_ERR_MAX + 2 * TLS_NAME_MAX];
	struct addr local;
	struct tls *t;
	int sp[2], st;
	pid_t pid;

	/* SIGTERM and the others as for the command; SIGPIPE stays
	 * ignored: a write to a gone peer must fail, not kill the relay */
	sigs_child();
	io_ignore_sigpipe();
	close(s->lfd);
	t = tls_new(s->tctx, fd, NULL);
	if (t == NULL)
		_exit(1);
	if (tls_handshake(t, io_deadline(s->timeout >= 0 ? s->timeout :
	    TLS_HANDSHAKE_MS)) == -1) {
		warnx("TLS handshake with %s: %s", name, tls_error(t));
		tls_linger(t, io_deadline(TLS_LINGER_MS));
		_exit(1);
	}
	out_trace("TLS handshake with %s: %s", name,
	    tls_describe(t, line, sizeof(line)));
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1) {
		warn("socketpair for %s", name);
		_exit(1);
	}
	tls_setenv(t);
	if (sock_local_addr(fd, ADDR_TCP, &local) == 0) {
		setenv("TCPLOCALIP", local.host, 1);
		setenv_num("TCPLOCALPORT", local.port);
	}
	pid = fork();
	if (pid == 0) {
		close(sp[0]);
		exec_child(s, sp[1], peer, name);
	}
	if (pid == -1) {
		warn("fork for %s", name);
		_exit(1);
	}
	close(sp[1]);
	if (tls_relay(sp[0], t, sp[0], &ro, NULL) == -1 && errno == EPROTO)
		warnx("%s: %s", name, tls_error(t));
	tls_close_notify(t);
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

/* kid_add: remember the command pid (its own process group) */
static void
kid_add(struct server *s, pid_t pid)
{
	if (s->nkids == s->kcap) {
		size_t cap = s->kcap ? 2 * s->kcap : 16;
		pid_t *k = reallocarray(s->kids, cap, sizeof(*k));

		if (k == NULL)
			return;	/* only its end at our exit is lost */
		s->kids = k;
		s->kcap = cap;
	}
	s->kids[s->nkids++] = pid;
}

/* kid_del: forget a command that was reaped */
static void
kid_del(struct server *s, pid_t pid)
{
	for (size_t i = 0; i < s->nkids; i++)
		if (s->kids[i] == pid) {
			s->kids[i] = s->kids[--s->nkids];
			return;
		}
}

/* spawn: run CMD for the connection fd */
static void
spawn(struct server *s, int fd, const struct addr *peer, const char *name)
{
	pid_t pid = fork();

	if (pid == 0 && s->tctx)
		tls_exec_child(s, fd, peer, name);
	if (pid == 0)
		exec_child(s, fd, peer, name);
	if (pid == -1) {
		warn("fork for %s", name);
	} else {
		out_trace("fork() = %ld [%s runs %s]", (long)pid, name,
		    s->cmd[0]);
		setpgid(pid, pid);	/* as the child does: no race */
		s->nclients++;
		kid_add(s, pid);
	}
	close(fd);
}

/* client_add: start watching a new connection */
static void
client_add(struct server *s, int fd, const char *name)
{
	struct epoll_event e = { .events = EPOLLIN };
	struct client *c = calloc(1, sizeof(*c));
	struct json j;

	if (c == NULL) {
		warnx("%s: out of memory", name);
		close(fd);
		return;
	}
	c->fd = fd;
	strlcpy(c->name, name, sizeof(c->name));
	c->events = EPOLLIN;
	e.data.ptr = c;
	if (s->tctx && (c->tls = tls_new(s->tctx, fd, NULL)) == NULL) {
		warnx("%s: out of memory", name);
		close(fd);
		free(c);
		return;
	}
	c->handshaking = c->tls != NULL;
	/* a client that never ends its handshake must not hold its place
	 * (and its descriptor) for ever */
	if (c->handshaking)
		c->until = io_now_ms() + (s->timeout >= 0 ? s->timeout :
		    TLS_HANDSHAKE_MS);
	if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &e) == -1) {
		warn("epoll_ctl %s", name);
		close(fd);
		free(c);
		return;
	}
	c->next = s->clients;
	if (s->clients)
		s->clients->prev = c;
	s->clients = c;
	s->nclients++;
	if (s->json && !c->handshaking) {
		json_begin(&j);
		json_str(&j, "event", "connect");
		json_str(&j, "peer", name);
		json_print(&j, stdout);
		fflush(stdout);
	}
}

/* client_handshake: one step of c's TLS handshake; 0, or -1 when c is
 * gone (a failed handshake is one line on stderr) */
static int
client_handshake(struct server *s, struct client *c)
{
	char line[TLS_ERR_MAX + 2 * TLS_NAME_MAX];
	struct tls_info ti;
	struct json j;
	int r = tls_handshake_step(c->tls);

	if (r == -1) {
		warnx("TLS handshake with %s: %s", c->name, tls_error(c->tls));
		/* the alert is out: a close now, with the client's data
		 * unread, would reset the connection and destroy it */
		shutdown(c->fd, SHUT_WR);
		c->draining = 1;
		c->until = io_now_ms() + TLS_LINGER_MS;
		ep_update(s, c);
		return -1;
	}
	if (r == 1) {
		c->handshaking = false;
		c->until = 0;
		out_trace("TLS handshake with %s: %s", c->name,
		    tls_describe(c->tls, line, sizeof(line)));
		if (s->json) {
			tls_get_info(c->tls, &ti);
			json_begin(&j);
			json_str(&j, "event", "connect");
			json_str(&j, "peer", c->name);
			json_str(&j, "tls_version", ti.version);
			json_str(&j, "tls_cipher", ti.cipher);
			if (ti.peer_cert) {
				json_str(&j, "peer_subject", ti.subject);
				json_str(&j, "peer_issuer", ti.issuer);
				json_bool(&j, "peer_verified", ti.verified);
			}
			json_print(&j, stdout);
			fflush(stdout);
		}
		/* what was queued meanwhile (stdin, --broadcast) */
		return client_flush(s, c);
	}
	ep_update(s, c);
	return 0;
}

/* accept_fd: accept4(2) one connection; the descriptor, or -1 (errno
 * EAGAIN when there are no more). Out of descriptors, the spare one is
 * given up to take the connection and refuse it at once. */
static int
accept_fd(struct server *s, struct addr *peer, char *name, size_t nlen)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char raw[ADDR_STR_MAX];
	int fd;

	fd = accept4(s->lfd, (struct sockaddr *)&ss, &len,
	    SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd == -1 && (errno == EMFILE || errno == ENFILE) && s->spare >= 0) {
		warn("accept");
		close(s->spare);
		fd = accept(s->lfd, NULL, NULL);
		if (fd >= 0)
			close(fd);
		s->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
		errno = EAGAIN;
		return -1;
	}
	if (fd == -1)
		return -1;
	if (addr_from_sockaddr(peer, s->addr.type == ADDR_UNIX ? ADDR_UNIX :
	    ADDR_TCP, (struct sockaddr *)&ss, len) == -1)
		memset(peer, 0, sizeof(*peer));
	/* the peer chose its bound path: escaped before it reaches the
	 * environment, the trace or a log line */
	out_printable(addr_format(peer, raw, sizeof(raw)), name, nlen);
	out_trace("accept4(%d) = %d [from %s]", s->lfd, fd, name);
	return fd;
}

/* on_accept: take every waiting connection */
static void
on_accept(struct server *s)
{
	char name[ADDR_STR_MAX];
	struct addr peer;
	int fd;

	while (!s->done && (fd = accept_fd(s, &peer, name, sizeof(name))) >= 0) {
		if (s->max_clients > 0 && s->nclients >= s->max_clients) {
			refuse(s, fd, name);
			continue;
		}
		if (s->cmd)
			spawn(s, fd, &peer, name);
		else
			client_add(s, fd, name);
	}
	if (fd == -1 && errno != EAGAIN && errno != ECONNABORTED &&
	    errno != EINTR)
		warn("accept");
}

/* on_signal: a signal arrived through the signalfd */
static void
on_signal(struct server *s)
{
	struct signalfd_siginfo si;
	int st;
	pid_t pid;

	if (read(s->sigfd, &si, sizeof(si)) != sizeof(si))
		return;
	if (si.ssi_signo != SIGCHLD) {
		out_trace("signal %d: shutting down", si.ssi_signo);
		s->status = 128 + (int)si.ssi_signo;
		s->done = true;
		return;
	}
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		out_trace("waitpid() = %ld [status %d]", (long)pid, st);
		s->nclients--;
		kid_del(s, pid);
		if (s->once) {
			s->status = WIFEXITED(st) ? WEXITSTATUS(st) :
			    128 + WTERMSIG(st);
			s->done = true;
		}
	}
}

/* client_drain: read and drop what c sends after a failed handshake;
 * closes it at its end (or after TLS_DRAIN_MAX bytes) */
static void
client_drain(struct server *s, struct client *c)
{
	char buf[READ_CHUNK];
	ssize_t n;

	while ((n = read(c->fd, buf, sizeof(buf))) > 0)
		if ((c->draining += (size_t)n) > TLS_DRAIN_MAX)
			break;
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	client_close(s, c, "TLS handshake failed");
}

/* client_event: act on what epoll reported for c */
static void
client_event(struct server *s, struct client *c, uint32_t ev)
{
	if (c->draining) {
		client_drain(s, c);
		return;
	}
	if (c->handshaking && (client_handshake(s, c) == -1 ||
	    c->handshaking))
		return;
	if (c->tls && c->tls_rd_out && ev & EPOLLOUT)
		ev |= EPOLLIN;	/* the read that waited for it */
	if (ev & EPOLLOUT && client_flush(s, c) == -1)
		return;
	if (c->listening && ev & (EPOLLHUP | EPOLLERR)) {
		client_close(s, c, "closed");
		return;
	}
	if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR) && client_read(s, c) == -1)
		return;
	/* TLS holds decrypted bytes that epoll cannot see */
	while (c->fd >= 0 && c->tls && !c->closing && c->events & EPOLLIN &&
	    tls_pending(c->tls))
		if (client_read(s, c) == -1)
			return;
}

/* tls_expire: close the clients whose handshake (or the drain after a
 * failed one) is out of time; returns the milliseconds to the next such
 * deadline, -1 when there is none */
static int
tls_expire(struct server *s)
{
	int64_t now = io_now_ms(), next = -1;
	struct client *c, *nc;
	char dur[32];

	for (c = s->clients; c; c = nc) {
		nc = c->next;
		if (c->until == 0 || c->fd < 0)
			continue;
		if (now < c->until) {
			if (next == -1 || c->until < next)
				next = c->until;
			continue;
		}
		if (c->draining) {
			client_close(s, c, "TLS handshake failed");
			continue;
		}
		warnx("TLS handshake with %s: none within %s", c->name,
		    duration_format(s->timeout >= 0 ? s->timeout :
		    TLS_HANDSHAKE_MS, dur, sizeof(dur)));
		client_close(s, c, "no TLS handshake in time");
	}
	if (next == -1)
		return -1;
	return next - now > INT_MAX ? INT_MAX : (int)(next - now);
}

/* serve_many: the epoll loop over the listener, the clients, stdin and
 * signals; returns the exit status */
static int
serve_many(struct server *s)
{
	struct epoll_event e, evs[256];
	sigset_t set;
	int n, wait_ms, tls_ms;
	char dur[32];

	s->ep = epoll_create1(EPOLL_CLOEXEC);
	if (s->ep == -1)
		err(EXIT_FAIL, "epoll_create1");
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigs_drop_ignored(&set);	/* nohup: HUP stays ignored */
	sigprocmask(SIG_BLOCK, &set, NULL);
	s->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (s->sigfd == -1)
		err(EXIT_FAIL, "signalfd");
	e.events = EPOLLIN;
	e.data.ptr = &tag_signal;
	epoll_ctl(s->ep, EPOLL_CTL_ADD, s->sigfd, &e);
	io_set_nonblock(s->lfd, true);
	e.data.ptr = &tag_listen;
	epoll_ctl(s->ep, EPOLL_CTL_ADD, s->lfd, &e);
	if (!s->echo && !s->cmd) {
		e.data.ptr = &tag_stdin;
		s->stdin_on = epoll_ctl(s->ep, EPOLL_CTL_ADD, STDIN_FILENO,
		    &e) == 0;
	}
	s->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	while (!s->done) {
		tls_ms = s->tctx ? tls_expire(s) : -1;
		free_dead(s);
		wait_ms = s->nclients == 0 ? io_remaining(io_deadline(
		    s->timeout)) : -1;
		if (tls_ms >= 0 && (wait_ms < 0 || tls_ms < wait_ms))
			wait_ms = tls_ms;
		n = epoll_wait(s->ep, evs, 256, wait_ms);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			err(EXIT_FAIL, "epoll_wait");
		if (n == 0 && wait_ms == tls_ms && tls_ms >= 0)
			continue;	/* a handshake's time, not the idle one */
		if (n == 0)
			errx(EX_TEMPFAIL, "no client within %s",
			    duration_format(s->timeout, dur, sizeof(dur)));
		for (int i = 0; i < n && !s->done; i++) {
			void *p = evs[i].data.ptr;
			struct client *c = p;

			if (p == &tag_listen)
				on_accept(s);
			else if (p == &tag_stdin)
				stdin_read(s);
			else if (p == &tag_signal)
				on_signal(s);
			else if (c->fd >= 0)	/* not closed in this round */
				client_event(s, c, evs[i].events);
		}
		free_dead(s);
	}
	while (s->clients)
		client_close(s, s->clients, "server exit");
	free_dead(s);
	free(s->sin);
	/* stopped by a signal: the commands get it too, SIGKILL after the
	 * grace period or a second signal */
	if (s->nkids > 0 && s->status > 128) {
		out_trace("passing signal %d to %zu commands", s->status - 128,
		    s->nkids);
		sigs_end_groups(s->kids, s->nkids, s->status - 128, s->sigfd);
	}
	free(s->kids);
	return s->status;
}

/* stdin_is_data: true when stdin is a regular file or a pipe */
static bool
stdin_is_data(void)
{
	struct stat st;

	return fstat(STDIN_FILENO, &st) == 0 &&
	    (S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode));
}

/* serve_one_tls: the TLS handshake with the one client (within
 * --timeout), then the relay over TLS; returns the exit status */
static int
serve_one_tls(struct server *s, int fd, const char *name,
    const struct relay_opts *ro)
{
	char line[TLS_ERR_MAX + 2 * TLS_NAME_MAX], dur[32];
	struct relay_stats st;
	struct tls *t = tls_new(s->tctx, fd, NULL);

	if (t == NULL)
		err(EXIT_FAIL, "TLS for %s", name);
	if (tls_handshake(t, io_deadline(s->timeout)) == -1) {
		if (errno == ETIMEDOUT)
			errx(EX_TEMPFAIL, "TLS handshake with %s: timed out "
			    "after %s", name, duration_format(s->timeout, dur,
			    sizeof(dur)));
		warnx("TLS handshake with %s: %s", name, tls_error(t));
		tls_linger(t, io_deadline(TLS_LINGER_MS));
		exit(EXIT_FAIL);
	}
	out_trace("TLS handshake with %s: %s", name,
	    tls_describe(t, line, sizeof(line)));
	if (tls_relay(STDIN_FILENO, t, STDOUT_FILENO, ro, &st) == -1) {
		if (st.out_failed)
			die_stdout();
		if (errno == ETIMEDOUT)
			errx(EX_TEMPFAIL, "%s: idle for %s", name,
			    duration_format(s->timeout, dur, sizeof(dur)));
		if (errno == EPROTO)
			errx(EXIT_FAIL, "%s: %s", name, tls_error(t));
		err(EXIT_FAIL, "%s", name);
	}
	/* the client reset or stopped reading before all input was sent */
	if (st.up_error == EPROTO)
		errx(EXIT_FAIL, "send to %s: %s", name, tls_error(t));
	if (st.up_error)
		errc(EXIT_FAIL, st.up_error, "send to %s", name);
	out_trace("%s closed: %llu bytes in, %llu bytes out", name,
	    (unsigned long long)st.received, (unsigned long long)st.sent);
	tls_close_notify(t);
	tls_free(t);
	close(fd);
	return 0;
}

/* serve_one: nc -l: take one client, stop listening, relay stdin to it
 * and it to stdout (splice) until it closes; returns the exit status */
static int
serve_one(struct server *s)
{
	/* after the client's half-close, a file or pipe on stdin is still
	 * sent in full (nc -l would stop); a terminal is not waited for. The
	 * end of a file or pipe is passed on as a half-close; /dev/null or a
	 * terminal says nothing, so a client is not cut off by them. */
	struct relay_opts ro = { .half_close = stdin_is_data(),
	    .idle_ms = s->timeout, .input_after_eof = !isatty(STDIN_FILENO) };
	struct relay_stats st;
	char name[ADDR_STR_MAX], dur[32];
	struct addr peer;
	int fd, ev;

	io_set_nonblock(s->lfd, true);
	for (;;) {
		ev = io_wait(s->lfd, POLLIN, io_deadline(s->timeout));
		if (ev == 0)
			errx(EX_TEMPFAIL, "no client within %s",
			    duration_format(s->timeout, dur, sizeof(dur)));
		if (ev == -1)
			err(EXIT_FAIL, "poll");
		fd = accept_fd(s, &peer, name, sizeof(name));
		if (fd >= 0)
			break;
		if (errno != EAGAIN && errno != ECONNABORTED && errno != EINTR)
			err(EXIT_FAIL, "accept");
	}
	/* one client: later ones are refused by the kernel, not queued */
	out_trace_ret(close(s->lfd), "close(%d) [listener: one client]",
	    s->lfd);
	s->lfd = -1;
	if (s->tctx)
		return serve_one_tls(s, fd, name, &ro);
	if (relay_stream(STDIN_FILENO, fd, STDOUT_FILENO, &ro, &st) == -1) {
		if (st.out_failed)
			die_stdout();
		if (errno == ETIMEDOUT)
			errx(EX_TEMPFAIL, "%s: idle for %s", name,
			    duration_format(s->timeout, dur, sizeof(dur)));
		err(EXIT_FAIL, "%s", name);
	}
	/* the client reset or stopped reading before all input was sent */
	if (st.up_error)
		errc(EXIT_FAIL, st.up_error, "send to %s", name);
	out_trace("%s closed: %llu bytes in, %llu bytes out%s", name,
	    (unsigned long long)st.received, (unsigned long long)st.sent,
	    st.spliced ? " (splice)" : "");
	close(fd);
	return 0;
}

/* udp_peer_count: the message count of peer (a small table, the oldest
 * entry reused when full) */
static uint64_t
udp_peer_count(const char *peer)
{
	static struct {
		char name[ADDR_STR_MAX];
		uint64_t n;
	} tab[UDP_PEERS];
	static int used, next;
	int i;

	for (i = 0; i < used; i++)
		if (strcmp(tab[i].name, peer) == 0)
			return ++tab[i].n;
	i = used < UDP_PEERS ? used++ : next++ % UDP_PEERS;
	strlcpy(tab[i].name, peer, sizeof(tab[i].name));
	tab[i].n = 1;
	return 1;
}

/* udp_datagram: act on one datagram from peer */
static void
udp_datagram(struct server *s, const char *msg, size_t len,
    const struct sockaddr *sa, socklen_t salen, const char *peer)
{
	char ack[32];
	size_t mlen = len;
	int n;

	if (mlen > 0 && msg[mlen - 1] == frame_delim(s->fmode))
		mlen--;
	if (s->echo && sendto(s->lfd, msg, len, 0, sa, salen) == -1)
		warn("sendto %s", peer);
	if (s->to_stdout)
		to_stdout(s, peer, msg, mlen);
	if (s->ack) {
		n = snprintf(ack, sizeof(ack), "ack %llu\n",
		    (unsigned long long)udp_peer_count(peer));
		if (sendto(s->lfd, ack, (size_t)n, 0, sa, salen) == -1)
			warn("sendto %s", peer);
	}
}

/* serve_udp: datagrams in, one message each; stdin lines go to the last
 * peer as datagrams; returns the exit status */
static int
serve_udp(struct server *s)
{
	static char buf[65536];
	struct sockaddr_storage ss, last;
	socklen_t len, lastlen = 0;
	struct pollfd pfd[2];
	struct addr peer;
	char name[ADDR_STR_MAX], dur[32];
	struct frame_reader in;
	char *msg;
	size_t mlen;
	ssize_t n;
	int rc;

	if (frame_reader_init(&in, STDIN_FILENO, s->fmode, 65507) == -1)
		err(EXIT_FAIL, "stdin");
	pfd[0].fd = s->lfd;
	pfd[0].events = POLLIN;
	pfd[1].fd = s->echo ? -1 : STDIN_FILENO;
	pfd[1].events = POLLIN;
	for (;;) {
		rc = poll(pfd, 2, io_remaining(io_deadline(s->timeout)));
		if (rc == -1 && errno == EINTR)
			continue;
		if (rc == -1)
			err(EXIT_FAIL, "poll");
		if (rc == 0)
			errx(EX_TEMPFAIL, "no datagram within %s",
			    duration_format(s->timeout, dur, sizeof(dur)));
		if (pfd[0].revents) {
			len = sizeof(ss);
			n = recvfrom(s->lfd, buf, sizeof(buf), 0,
			    (struct sockaddr *)&ss, &len);
			if (n == -1 && errno != EAGAIN && errno != EINTR)
				warn("recvfrom");
			if (n >= 0) {
				addr_from_sockaddr(&peer, ADDR_UDP,
				    (struct sockaddr *)&ss, len);
				addr_format(&peer, name, sizeof(name));
				out_trace("recvfrom(%d) = %zd [from %s]",
				    s->lfd, n, name);
				memcpy(&last, &ss, len);
				lastlen = len;
				udp_datagram(s, buf, (size_t)n,
				    (struct sockaddr *)&ss, len, name);
				if (s->once) {
					frame_reader_free(&in);
					return 0;
				}
			}
		}
		if (pfd[1].revents) {
			n = frame_fill(&in);
			if (n <= 0 && !(n == -1 && errno == EINTR)) {
				in.eof = true;
				pfd[1].fd = -1;
			}
			while ((rc = frame_next(&in, &msg, &mlen)) == 1) {
				if (lastlen == 0) {
					warnx("no peer yet: line from stdin "
					    "dropped");
					continue;
				}
				if (sendto(s->lfd, msg, mlen, 0,
				    (struct sockaddr *)&last, lastlen) == -1)
					warn("sendto");
			}
			if (rc == -1)
				errx(EXIT_FAIL, "stdin: line longer than a "
				    "datagram");
		}
	}
}

/* check_options: the combinations that make no sense, one line each */
static void
check_options(struct server *s)
{
	bool udp = s->addr.type == ADDR_UDP;

	if (s->cmd && (s->echo || s->broadcast || s->ack || s->json))
		usage_error("a command after '--' excludes --echo, "
		    "--broadcast, --ack and --json");
	if (s->echo && (s->broadcast || s->ack))
		usage_error("--echo excludes --broadcast and --ack");
	if (s->echo && s->fmode == FRAME_NUL && !udp)
		usage_error("--echo sends bytes back as they come: -0 has no "
		    "meaning there");
	if (udp && s->cmd)
		usage_error("a command after '--' needs a stream address, "
		    "not udp");
	if (s->tag && !s->broadcast)
		usage_error("--tag names the sender of --broadcast lines: "
		    "it needs --broadcast");
	if (udp && (s->broadcast || s->max_clients > 0))
		usage_error("--broadcast and --max-clients need a stream "
		    "address, not udp");
	if (s->addr.type != ADDR_TLS && (s->topts.ca || s->topts.cert ||
	    s->topts.key || s->topts.verify))
		usage_error("--tls-* options need a tls: address");
	if (s->topts.verify && !s->topts.ca)
		usage_error("--tls-verify-client needs --tls-ca");
	if (s->topts.key && !s->topts.cert)
		usage_error("--tls-key needs --tls-cert");
	if (s->addr.type == ADDR_NATS)
		usage_error("nats:// is the bus; sock-server takes unix:, "
		    "tcp: or udp:");
	if (s->addr.type != ADDR_UNIX && s->mode != 0)
		usage_error("--mode applies to UNIX socket files only");
	if (s->cmd && s->ncmd == 0)
		usage_error("nothing after '--': expected a command");
}

/* claim: resolve, bind and listen; print and write the address */
static void
claim(struct server *s)
{
	struct addrinfo *res;
	static const int fatal[] = { SIGINT, SIGTERM, SIGHUP };
	int gai;

	if (s->addr.type != ADDR_UNIX) {
		gai = addr_resolve(&s->addr, &res);
		if (gai != 0)
			errx(EXIT_FAIL, "resolve %s: %s", s->addr.host,
			    gai == EAI_SYSTEM ? strerror(errno) :
			    gai_strerror(gai));
		freeaddrinfo(res);
	}
	s->lfd = sock_listen(&s->addr, SOMAXCONN, s->mode, &s->bound);
	if (s->lfd == -1)
		listen_failed(&s->addr, errno);
	if (s->addr.type == ADDR_TLS)
		s->bound.type = ADDR_TLS;	/* the kernel knows only TCP */
	if (s->addr.type == ADDR_UNIX && !s->addr.abstract) {
		cleanup_addr = s->addr;
		strlcpy(cleanup_path, s->addr.path, sizeof(cleanup_path));
		atexit(cleanup);
	}
	if (cleanup_path[0] || s->addr_file)
		sigs_catch(fatal, 3, on_fatal_signal, 0);
	addr_format(&s->bound, s->where, sizeof(s->where));
	if (s->addr_file)
		write_addr_file(s->addr_file, s->where);
	if (!s->quiet)
		fprintf(stderr, "%s: listening on %s\n", getprogname(),
		    s->where);
}

static int
sock_server_main(int argc, char **argv)
{
	struct server s = { .lfd = -1, .ep = -1, .sigfd = -1, .spare = -1,
	    .timeout = -1, .fmode = FRAME_LINE };
	struct opt_parser p;
	const char *errstr;
	char **rest;
	int c, n;

	opt_init(&p, &applet_sock_server, "sock-server", argc, argv);
	while ((c = opt_next(&p)) != -1) {
		switch (c) {
		case '0': s.fmode = FRAME_NUL; break;
		case 'a': s.ack = true; break;
		case KEY_BROADCAST: s.broadcast = true; break;
		case 'e': s.echo = true; break;
		case 'k': s.keep = true; break;
		case KEY_QUIET: s.quiet = true; break;
		case 't': s.timeout = opt_timeout(&p); break;
		case KEY_ADDR_FILE: s.addr_file = p.arg; break;
		case KEY_JSON: s.json = true; break;
		case KEY_MAX_CLIENTS:
			s.max_clients = (long)opt_int(&p, 1, 1000000);
			break;
		case KEY_MODE: s.mode = opt_mode(&p); break;
		case KEY_ONCE: s.once = true; break;
		case KEY_TAG: s.tag = true; break;
		case KEY_TLS_CA: s.topts.ca = p.arg; break;
		case KEY_TLS_CERT: s.topts.cert = p.arg; break;
		case KEY_TLS_KEY: s.topts.key = p.arg; break;
		case KEY_TLS_VERIFY_CLIENT: s.topts.verify = true; break;
		}
	}
	rest = opt_rest(&p, &n);
	s.cmd = opt_cmd(&p, &s.ncmd);
	if (n != 1)
		usage_error(n == 0 ? "missing ADDR" : "one ADDR only, got '%s'",
		    n > 1 ? rest[1] : "");
	if (addr_parse(&s.addr, rest[0], &errstr) == -1)
		usage_error("bad address '%s': %s", rest[0], errstr);
	check_options(&s);
	if (s.cmd)
		die_unless_runnable(s.cmd[0]);
	/* stdout gets the messages unless clients get them back */
	s.to_stdout = !s.echo && !s.cmd && !s.broadcast;
	sock_raise_nofile();
	if (s.addr.type == ADDR_TLS) {
		char e[TLS_ERR_MAX];

		s.tctx = tls_ctx_new(true, &s.topts, e, sizeof(e));
		if (s.tctx == NULL)
			errx(EXIT_FAIL, "%s", e);
	}
	claim(&s);
	if (s.tctx && tls_ctx_generated(s.tctx) && !s.quiet)
		fprintf(stderr, "%s: no --tls-cert: a throwaway self-signed "
		    "certificate, SHA-256 fingerprint %s\n", getprogname(),
		    tls_ctx_fingerprint(s.tctx));
	if (s.addr.type == ADDR_UDP) {
		c = serve_udp(&s);
		opt_free(&p);
		return c;
	}
	if (!s.keep && !s.echo && !s.broadcast && !s.cmd && !s.ack &&
	    !s.json) {
		c = serve_one(&s);
		tls_ctx_free(s.tctx);
		opt_free(&p);
		return c;
	}
	if (s.cmd && s.max_clients == 0)
		s.max_clients = EXEC_MAX_CLIENTS;
	if (!s.keep && !s.echo && !s.broadcast && !s.cmd) {
		/* one client in line mode (--ack, --json without -k) */
		s.once = true;
		if (s.max_clients == 0)
			s.max_clients = 1;
	}
	c = serve_many(&s);
	tls_ctx_free(s.tctx);
	opt_free(&p);
	return c;
}
