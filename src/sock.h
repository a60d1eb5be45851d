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
 * socket and, when this process bound it, still the inode bound (checked
 * and removed relative to the directory opened once; async-signal-safe);
 * 0 or -1 with errno (EEXIST: not a socket, or not ours any more) */
int sock_unlink(const struct addr *a);

/* sock_peer_addr: getpeername(2) of fd into *a (type gives tcp or udp for
 * inet addresses); 0 or -1 with errno */
int sock_peer_addr(int fd, enum addr_type type, struct addr *a);

/* sock_local_addr: getsockname(2) of fd into *a, untraced; 0 or -1 */
int sock_local_addr(int fd, enum addr_type type, struct addr *a);

/* sock_peer_cred: SO_PEERCRED of a connected unix socket: the pid, uid and
 * gid of the peer when it connected; 0 or -1 with errno */
int sock_peer_cred(int fd, pid_t *pid, uid_t *uid, gid_t *gid);

/* sock_port_owner: the process holding a listening tcp port (or a bound
 * udp port), found through /proc/net/{tcp,tcp6,udp,udp6} and the socket
 * links in /proc/PID/fd; its command name goes to comm. Returns the pid,
 * 0 when /proc does not tell (another user's process, a namespace), or
 * -1 with errno. */
pid_t sock_port_owner(enum addr_type type, uint16_t port, char *comm,
    size_t len);

/* sock_raise_nofile: raise the soft RLIMIT_NOFILE to the hard limit, for
 * servers that hold thousands of clients; returns the new soft limit */
long sock_raise_nofile(void);

#endif
