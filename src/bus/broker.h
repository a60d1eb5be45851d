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

#define BROKER_MAX_LISTENERS	8

struct broker_config {
	struct addr listen[BROKER_MAX_LISTENERS];	/* unix and/or tcp */
	int nlisten;
	mode_t unix_mode;		/* UNIX socket files, 0 = 0600 */
	const char *addr_file;		/* write the first bound address here, atomically, once listening; NULL = none */
	const char *token;		/* auth_token required from TCP clients; NULL = none */
	bool no_auth;			/* TCP without a token (explicit --no-auth) */
	size_t max_payload;		/* 0 = 1 MiB */
	int max_clients;		/* 0 = 10000 */
	int max_subs;			/* per client, 0 = 10000 */
	size_t max_control;		/* 0 = 4096 */
	size_t max_pending;		/* output buffer per client before Slow Consumer, 0 = 64 MiB */
	/* log: one line about connections, errors, slow consumers (and, when
	 * trace is set, every protocol line); the applet prints it. NULL = quiet */
	void (*log)(void *arg, const char *line);
	void *log_arg;
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

/* broker_run: listen on every address of cfg and serve until SIGTERM or
 * SIGINT (then close every client, remove UNIX socket files, return 0).
 * Returns -1 with errno when a listener cannot be set up (EADDRINUSE when
 * another broker is live there), before serving anyone. */
int broker_run(const struct broker_config *cfg);

#endif
