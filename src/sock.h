/* sock.h - listening and connecting sockets for every address kind, with
 * -v/--trace lines for each system call */
#ifndef IPCTOOL_SOCK_H
#define IPCTOOL_SOCK_H

#include <stdint.h>
#include <sys/types.h>

#include "addr.h"

/* sock_listen: socket(2), bind(2) and, for stream addresses, listen(2)
 * on a; UNIX socket files get mode (0 means 0600), a stale socket file
 * (nobody accepts on it) is replaced, a live one or any other file is
 * never touched (EADDRINUSE / EEXIST). *bound gets the address the
 * kernel assigned (getsockname). Returns the descriptor (close-on-exec),
 * or -1 with errno. */
int sock_listen(const struct addr *a, int backlog, mode_t mode,
    struct addr *bound);

/* sock_connect: socket(2) and connect(2) to a, giving up at deadline
 * (see io_deadline; -1 waits as long as the kernel does); for udp only sets
 * the default peer. *local (may be NULL) gets the kernel-assigned local
 * address. Returns a blocking descriptor (close-on-exec), or -1 with
 * errno (ETIMEDOUT at the deadline). */
int sock_connect(const struct addr *a, int64_t deadline, struct addr *local);

/* sock_unlink: remove the socket file of a unix path address, if it is a
 * socket; 0 or -1 with errno */
int sock_unlink(const struct addr *a);

#endif
