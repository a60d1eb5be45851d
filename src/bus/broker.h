/* broker.h - the embedded bus broker: speaks the NATS client protocol on
 * UNIX and TCP listeners, one epoll loop, bounded memory per client.
 * The applet (applets/bus.c, `bus daemon`) fills a broker_config and calls
 * broker_run; everything else about the broker lives in broker.c. */
#ifndef IPCTOOL_BUS_BROKER_H
#define IPCTOOL_BUS_BROKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "addr.h"

struct auth;

#define BROKER_MAX_LISTENERS	8
#define BROKER_PING_INTERVAL	120000	/* ms between PINGs to a silent client */
#define BROKER_MAX_PINGS_OUT	2	/* unanswered PINGs before Stale Connection */
#define BROKER_MAX_UNAUTH	256	/* clients yet to authenticate, at once */

struct broker_config {
	struct addr listen[BROKER_MAX_LISTENERS];	/* unix and/or tcp */
	int nlisten;
	mode_t unix_mode;		/* UNIX socket files, 0 = 0600 */
	const char *addr_file;		/* write the first bound address here, atomically, once listening; NULL = none */
	const char *token;		/* auth_token required from TCP clients; NULL = none */
	struct auth *auth;		/* instead of token: the credentials of auth.c (token, users, nkeys); reload with auth_load */
	bool no_auth;			/* TCP without a token (explicit --no-auth) */
	size_t max_payload;		/* 0 = 1 MiB */
	int max_clients;		/* 0 = 10000 */
	/* clients no socket vouches for (TCP, other users) that have yet
	 * to CONNECT: a pool of their own, apart from max_clients, where
	 * each holds a few KiB at most (no payload before CONNECT);
	 * 0 = BROKER_MAX_UNAUTH */
	int max_unauth;
	int max_subs;			/* per client, 0 = no limit */
	size_t max_control;		/* 0 = 4096 */
	size_t max_pending;		/* output buffer per client before Slow Consumer, 0 = 64 MiB */
	int auth_timeout_ms;		/* a client that must authenticate has this long to send CONNECT, 0 = 2000 */
	/* Stale connections: a client that sent nothing for ping_interval_ms
	 * gets a PING; one that leaves max_pings_out of them unanswered (sends
	 * nothing at all) gets -ERR 'Stale Connection' and is closed, as
	 * nats-server's ping_interval and ping_max. 0 = 120000 ms and 2;
	 * ping_interval_ms < 0 never pings. */
	int ping_interval_ms;
	int max_pings_out;
	/* log: one line about connections, errors, slow consumers (and, when
	 * trace is set, every protocol line); the applet prints it. NULL = quiet.
	 * Lines look like "listening on tcp:127.0.0.1:4222 (authentication required)",
	 * "client 3 unix:/run/user/1000/ipctool/bus.sock pid 42 uid 1000:
	 * connected", "client 3 ...: slow consumer, disconnected",
	 * "client 3 <- PUB a 5", "client 4 -> MSG a 1 5" (trace) */
	void (*log)(void *arg, const char *line);
	void *log_arg;
	/* SIGHUP: load the credentials again; 0, or -1 with a reason in
	 * why (the credentials in force then stay). NULL: SIGHUP is logged
	 * and ignored */
	int (*reload)(void *arg, char *why, size_t len);
	void *reload_arg;
	/* SIGUSR2, lame duck mode: how long the connected clients are given
	 * to leave before the broker exits; 0 = 120000 ms, as nats-server's
	 * lame_duck_duration */
	int lame_duck_ms;
	bool trace;			/* log protocol lines too */
};

/* broker_default_path: the default UNIX socket path
 * ($XDG_RUNTIME_DIR/ipctool/bus.sock or /tmp/ipctool-$UID/bus.sock) into
 * buf; returns buf, or NULL when it does not fit */
char *broker_default_path(char *buf, size_t len);

/* broker_prepare_dir: create the directory of path with mode 0700 if
 * missing; refuse (-1, errno EPERM) one owned by another user or open to
 * others; 0 on success */
int broker_prepare_dir(const char *path);

/*
 * Who must authenticate. A client on a UNIX path socket is trusted: the
 * socket file is 0600 in a 0700 directory, so only its owner (and root)
 * can connect at all. A client on an abstract UNIX socket (unix:@name,
 * which has no permissions) is trusted when SO_PEERCRED says it runs as
 * the broker's user or root. Every other client (TCP, other users) gets
 * "auth_required":true in INFO and must send CONNECT with "auth_token"
 * equal to cfg->token, or "pass" equal to it (any "user": so that clients
 * with only user/password settings work), within auth_timeout_ms; else
 * -ERR 'Authorization Violation' (or 'Authentication Timeout') and a
 * disconnect. cfg->no_auth trusts everyone. Tokens compare in constant
 * time.
 *
 * Nothing before CONNECT, on every listener: until its CONNECT is
 * accepted a client may send only CONNECT and PING; anything else (PUB,
 * SUB, an unknown verb) is refused at its control line, before any
 * payload is read, with -ERR 'Authorization Violation' and a disconnect.
 * A client no UNIX peer credential vouches for (not our uid nor root)
 * waits for its CONNECT in a pool of at most max_unauth clients, apart
 * from max_clients, holding no more than a control line of input; over
 * that the one that waited longest gets -ERR 'maximum connections exceeded'.
 * Failed authentications (and refused clients) are logged at most once a
 * second, the others counted in the next line. A client closed after an
 * -ERR has our side shut once the -ERR is written, and its input read
 * and dropped until it closes (or LINGER_MS): closing with unread input
 * would reset the connection and could lose the -ERR.
 *
 * Statistics: a PUB with a reply subject on "$SYS.REQ.IPCTOOL.STAT" is
 * answered (as a MSG to the reply subject, like any responder would) with
 * one JSON object, members in this order:
 *   {"server_id":"IPCTOOL...","version":"0.1.0","uptime_ms":N,
 *    "clients":[{"id":N,"name":"...","lang":"...",
 *                "addr":"tcp:127.0.0.1:40000" or
 *                       "unix:/path pid N uid N",
 *                "subs":N,"in_msgs":N,"out_msgs":N,"in_bytes":N,
 *                "out_bytes":N,"pending":N}, ...],
 *    "subjects":[{"subject":"...","subscribers":N}, ...],
 *    "nclients":N,"total_clients":N,"subscriptions":N,
 *    "in_msgs":N,"out_msgs":N,"in_bytes":N,"out_bytes":N,
 *    "slow_consumers":N}
 * name and lang come from the client's CONNECT ("" when absent); in_* count
 * PUB/HPUB received, out_* MSG/HMSG sent, bytes are payload bytes (headers
 * excluded); pending is the client's unsent output; clients are listed
 * newest first (the asker included); subjects are those subscribed to,
 * sorted, with their subscriptions (each queue group member counts);
 * subscriptions counts the index, where those of a client that just left
 * stay for the few loop iterations its reaping takes. The request also goes to ordinary
 * subscribers of the subject, like any message.
 */
#define BROKER_STAT_SUBJECT	"$SYS.REQ.IPCTOOL.STAT"

#define BROKER_TOKEN_BYTES	24	/* random bytes of a new token */
#define BROKER_TOKEN_MAX	256	/* longest token, NUL included */

/* broker_token_path: the default token file next to the default socket
 * ($XDG_RUNTIME_DIR/ipctool/token or /tmp/ipctool-$UID/token) into buf;
 * returns buf, or NULL when it does not fit */
char *broker_token_path(char *buf, size_t len);

/* broker_token_load: read the token in the file at path into buf (one
 * line, trailing blanks dropped). With create, a missing file is made
 * (O_EXCL, mode 0600, no symlink followed) holding 2*BROKER_TOKEN_BYTES
 * random hex digits from getrandom(2). Returns 0, or -1 with errno:
 * ENOENT (missing, no create), EPERM (not a regular file of ours, or
 * readable by others), EFBIG (longer than len - 1), EINVAL (empty, or
 * blanks, quotes or backslashes inside: it must fit in a JSON string as
 * is) */
int broker_token_load(const char *path, bool create, char *buf, size_t len);

/* broker_run: listen on every address of cfg and serve until SIGTERM or
 * SIGINT (then close every client, remove the UNIX socket files it
 * created, return the signal's number) or until the end of lame duck
 * mode (return 0). SIGUSR2 starts lame duck mode, as in nats-server:
 * the listeners are closed and their socket files removed at once, every
 * client gets an INFO with "ldm":true, and after a grace period (a
 * quarter of lame_duck_ms, at most 10 s) the clients still there are
 * closed a few at a time, the last by lame_duck_ms; the broker returns as
 * soon as none is left. SIGHUP calls cfg->reload. The signals are blocked
 * and read from a signalfd while it runs; the old mask is restored.
 * Returns -1 with errno, before
 * serving anyone, when a listener cannot be set up: EADDRINUSE when a live
 * broker owns it (a stale socket file is replaced), EEXIST when the path is
 * another kind of file, EINVAL for no address or a TCP listener with
 * neither token nor no_auth, EPROTONOSUPPORT for udp. The first listener's
 * bound address ("tcp:127.0.0.1:PORT" with the port the kernel chose, or
 * "unix:PATH") is written to addr_file once every listener is up; when
 * that fails, broker_run returns BROKER_ADDR_FILE_FAILED (-2) with errno
 * instead, so the caller blames the file, not the listener. It
 * raises the soft RLIMIT_NOFILE toward max_clients (within the hard
 * limit). When accept(2) fails for want of descriptors, a descriptor
 * held in reserve is given up for a moment to accept the client and
 * refuse it with -ERR 'maximum connections exceeded' (clients already
 * in are served on); only if that fails too do the listeners pause for
 * 100 ms instead of spinning. */
#define BROKER_ADDR_FILE_FAILED	(-2)
int broker_run(const struct broker_config *cfg);

#endif
