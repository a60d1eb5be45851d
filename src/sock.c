/* sock.c - socket(2), bind(2), listen(2), connect(2), getsockname(2) for
 * unix(7), tcp(7) and udp(7) addresses, each call traced */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bsd/string.h>

#include "io.h"
#include "out.h"
#include "path.h"
#include "sock.h"

/* fmt_sa: a printable spelling of a kernel address */
static const char *
fmt_sa(enum addr_type type, const struct sockaddr *sa, socklen_t len,
    char *buf, size_t blen)
{
	struct addr a;

	if (addr_from_sockaddr(&a, type, sa, len) == -1)
		return "?";
	return addr_format(&a, buf, blen);
}

static const char *
family_name(int family)
{
	return family == AF_UNIX ? "AF_UNIX" : family == AF_INET ? "AF_INET" :
	    family == AF_INET6 ? "AF_INET6" : "AF_?";
}

/* open_socket: socket(2) for family and type, traced */
static int
open_socket(int family, int type)
{
	int fd = socket(family, type | SOCK_CLOEXEC, 0);

	out_trace_ret(fd, "socket(%s, %s)", family_name(family),
	    type == SOCK_STREAM ? "SOCK_STREAM" : "SOCK_DGRAM");
	return fd;
}

/* bound_addr: getsockname(2) into *bound, traced */
static int
bound_addr(int fd, enum addr_type type, struct addr *bound)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char buf[ADDR_STR_MAX];

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return -1;
	if (addr_from_sockaddr(bound, type, (struct sockaddr *)&ss, len) == -1)
		return -1;
	if (bound->type != ADDR_UNIX)
		out_trace("getsockname(%d) -> %s (port %u)", fd,
		    addr_format(bound, buf, sizeof(buf)), bound->port);
	else
		out_trace("getsockname(%d) -> %s", fd,
		    addr_format(bound, buf, sizeof(buf)));
	return 0;
}

/* The socket files this process bound, to remove at exit only while
 * they are still the inode bound */
#define BOUND_MAX	8
static struct {
	char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
	struct stat st;
} bound_files[BOUND_MAX];

/* note_bound: remember the inode of the socket file just bound at path */
static void
note_bound(const char *path)
{
	struct stat st;

	if (lstat(path, &st) == -1 || !S_ISSOCK(st.st_mode))
		return;
	for (int i = 0; i < BOUND_MAX; i++)
		if (bound_files[i].path[0] == '\0' ||
		    strcmp(bound_files[i].path, path) == 0) {
			strlcpy(bound_files[i].path, path,
			    sizeof(bound_files[i].path));
			bound_files[i].st = st;
			return;
		}
}

/* stale_unix: 1 when the socket file at sun accepts no connection (a
 * dead server left it; its inode into *st), 0 when someone listens, -1
 * when it is not a socket */
static int
stale_unix(const struct sockaddr_un *sun, socklen_t len, const char *path,
    struct stat *st_out)
{
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) == -1)
		return errno == ENOENT ? 1 : -1;
	if (!S_ISSOCK(st.st_mode))
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return 0;
	rc = connect(fd, (const struct sockaddr *)sun, len);
	out_trace_ret(rc, "connect(%d, unix:%s) [stale socket check]", fd, path);
	close(fd);
	if (rc == -1 && errno == ECONNREFUSED) {
		*st_out = st;
		return 1;
	}
	return 0;
}

/* listen_unix: bind a unix socket, replacing a stale file */
static int
listen_unix(const struct addr *a, int type, int backlog, mode_t mode)
{
	struct sockaddr_un sun;
	socklen_t len;
	int fd, rc, st;
	struct stat checked;
	mode_t old;

	addr_to_sun(a, &sun, &len);
	fd = open_socket(AF_UNIX, type);
	if (fd == -1)
		return -1;
	for (int attempt = 0;; attempt++) {
		/* the socket file gets its mode at creation, no window */
		old = umask(~(mode ? mode : 0600) & 0777);
		rc = bind(fd, (struct sockaddr *)&sun, len);
		umask(old);
		out_trace_ret(rc, "bind(%d, unix:%s%s)", fd,
		    a->abstract ? "@" : "", a->path);
		if (rc == 0 || errno != EADDRINUSE || a->abstract ||
		    attempt > 0)
			break;
		st = stale_unix(&sun, len, a->path, &checked);
		if (st == -1) {
			errno = EEXIST;
			break;
		}
		if (st == 0) {
			errno = EADDRINUSE;
			break;
		}
		/* only the very socket found dead, not what replaced it
		 * since (relative to the directory opened once) */
		if (out_trace_ret(path_remove(a->path, S_IFSOCK, &checked,
		    NULL), "unlinkat(%s) [stale]", a->path) == -1 &&
		    errno != ENOENT) {
			errno = EADDRINUSE;
			rc = -1;
			break;
		}
	}
	if (rc == 0 && !a->abstract)
		note_bound(a->path);
	if (rc == -1) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	if (type == SOCK_STREAM &&
	    out_trace_ret(listen(fd, backlog), "listen(%d, %d)", fd,
	    backlog) == -1) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int
sock_listen(const struct addr *a, int backlog, mode_t mode, struct addr *bound)
{
	struct addrinfo *res, *ai;
	int fd = -1, type, gai, e = 0, one = 1;
	char buf[ADDR_STR_MAX];

	type = addr_is_stream(a) ? SOCK_STREAM : SOCK_DGRAM;
	if (a->type == ADDR_UNIX) {
		fd = listen_unix(a, type, backlog, mode);
		if (fd >= 0 && bound) {
			*bound = *a;
		}
		return fd;
	}
	gai = addr_resolve(a, &res);
	if (gai != 0) {
		errno = gai == EAI_SYSTEM ? errno : EADDRNOTAVAIL;
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = open_socket(ai->ai_family, type);
		if (fd == -1) {
			e = errno;
			continue;
		}
		if (type == SOCK_STREAM)
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
			    sizeof(one));
		if (out_trace_ret(bind(fd, ai->ai_addr, ai->ai_addrlen),
		    "bind(%d, %s)", fd, fmt_sa(a->type, ai->ai_addr,
		    ai->ai_addrlen, buf, sizeof(buf))) == 0 &&
		    (type == SOCK_DGRAM ||
		    out_trace_ret(listen(fd, backlog), "listen(%d, %d)", fd,
		    backlog) == 0))
			break;
		e = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1) {
		errno = e;
		return -1;
	}
	if (bound && bound_addr(fd, a->type == ADDR_UDP ? ADDR_UDP : ADDR_TCP,
	    bound) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* connect_one: connect fd to sa, waiting until deadline */
static int
connect_one(int fd, const struct sockaddr *sa, socklen_t len, int64_t deadline,
    const char *name)
{
	int rc, ev, soerr;
	socklen_t sl = sizeof(soerr);

	if (deadline < 0) {
		do
			rc = connect(fd, sa, len);
		while (rc == -1 && errno == EINTR);
		return (int)out_trace_ret(rc, "connect(%d, %s)", fd, name);
	}
	io_set_nonblock(fd, true);
	rc = connect(fd, sa, len);
	if (rc == -1 && errno == EINPROGRESS) {
		out_trace("connect(%d, %s) = -1 EINPROGRESS, polling", fd,
		    name);
		ev = io_wait(fd, POLLOUT, deadline);
		if (ev == 0) {
			errno = ETIMEDOUT;
			rc = -1;
		} else if (ev > 0) {
			getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
			errno = soerr;
			rc = soerr ? -1 : 0;
		}
	}
	out_trace_ret(rc, "connect(%d, %s)", fd, name);
	if (rc == 0)
		io_set_nonblock(fd, false);
	return rc;
}

int
sock_connect(const struct addr *a, int64_t deadline, struct addr *local)
{
	struct addrinfo *res, *ai;
	int fd = -1, type, gai, e = ECONNREFUSED;
	char buf[ADDR_STR_MAX];

	type = addr_is_stream(a) ? SOCK_STREAM : SOCK_DGRAM;
	if (a->type == ADDR_UNIX) {
		struct sockaddr_un sun;
		socklen_t len;

		addr_to_sun(a, &sun, &len);
		fd = open_socket(AF_UNIX, type);
		if (fd == -1)
			return -1;
		if (connect_one(fd, (struct sockaddr *)&sun, len, deadline,
		    addr_format(a, buf, sizeof(buf))) == -1) {
			e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		if (local)
			bound_addr(fd, ADDR_UNIX, local);
		return fd;
	}
	gai = addr_resolve(a, &res);
	if (gai != 0) {
		errno = gai == EAI_SYSTEM ? errno : EHOSTUNREACH;
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = open_socket(ai->ai_family, type);
		if (fd == -1) {
			e = errno;
			continue;
		}
		if (connect_one(fd, ai->ai_addr, ai->ai_addrlen, deadline,
		    fmt_sa(a->type == ADDR_UDP ? ADDR_UDP : ADDR_TCP,
		    ai->ai_addr, ai->ai_addrlen, buf, sizeof(buf))) == 0)
			break;
		e = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1) {
		errno = e;
		return -1;
	}
	if (local)
		bound_addr(fd, a->type == ADDR_UDP ? ADDR_UDP : ADDR_TCP, local);
	return fd;
}

int
sock_unlink(const struct addr *a)
{
	const struct stat *same = NULL;
	struct stat st;

	if (a->type != ADDR_UNIX || a->abstract)
		return 0;
	for (int i = 0; i < BOUND_MAX; i++)
		if (strcmp(bound_files[i].path, a->path) == 0)
			same = &bound_files[i].st;
	if (path_remove(a->path, S_IFSOCK, same, &st) == 0)
		return 0;
	if (errno == EINVAL || errno == ESTALE)
		errno = EEXIST;	/* not a socket, or not ours any more */
	return -1;
}

int
sock_peer_addr(int fd, enum addr_type type, struct addr *a)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getpeername(fd, (struct sockaddr *)&ss, &len) == -1)
		return -1;
	return addr_from_sockaddr(a, type, (struct sockaddr *)&ss, len);
}

int
sock_local_addr(int fd, enum addr_type type, struct addr *a)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return -1;
	return addr_from_sockaddr(a, type, (struct sockaddr *)&ss, len);
}

int
sock_peer_cred(int fd, pid_t *pid, uid_t *uid, gid_t *gid)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == -1)
		return -1;
	*pid = uc.pid;
	*uid = uc.uid;
	*gid = uc.gid;
	return 0;
}

/* port_inodes: the socket inodes in /proc/net/FILE bound to port (and in
 * the listening state for tcp); returns how many went to ino[] */
static int
port_inodes(const char *file, bool tcp, uint16_t port, unsigned long *ino,
    int max)
{
	char line[512], path[64];
	unsigned int lport, state;
	unsigned long inode;
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/net/%s", file);
	f = fopen(path, "re");
	if (f == NULL)
		return 0;
	fgets(line, sizeof(line), f);	/* the header */
	while (n < max && fgets(line, sizeof(line), f)) {
		/* sl local:port rem:port st tx:rx tr:when retr uid timeout inode */
		if (sscanf(line, " %*d: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x "
		    "%*x:%*x %*x:%*x %*x %*u %*u %lu", &lport, &state,
		    &inode) != 3)
			continue;
		if (lport == port && inode != 0 && (!tcp || state == 0x0A))
			ino[n++] = inode;
	}
	fclose(f);
	return n;
}

/* pid_has_inode: true when a descriptor of pid is socket:[ino] */
static bool
pid_has_inode(const char *pid, const unsigned long *ino, int nino)
{
	char path[300], link[64], want[40];
	struct dirent *de;
	bool found = false;
	DIR *d;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%s/fd", pid);
	d = opendir(path);
	if (d == NULL)
		return false;
	while (!found && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd/%s", pid, de->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		for (int i = 0; i < nino && !found; i++) {
			snprintf(want, sizeof(want), "socket:[%lu]", ino[i]);
			found = strcmp(link, want) == 0;
		}
	}
	closedir(d);
	return found;
}

pid_t
sock_port_owner(enum addr_type type, uint16_t port, char *comm, size_t len)
{
	unsigned long ino[16];
	bool tcp = type != ADDR_UDP;
	struct dirent *de;
	char path[64];
	pid_t pid = 0;
	int nino;
	DIR *d;
	FILE *f;

	nino = port_inodes(tcp ? "tcp" : "udp", tcp, port, ino, 16);
	nino += port_inodes(tcp ? "tcp6" : "udp6", tcp, port, ino + nino,
	    16 - nino);
	if (nino == 0)
		return 0;
	d = opendir("/proc");
	if (d == NULL)
		return -1;
	while (pid == 0 && (de = readdir(d)) != NULL) {
		if (strspn(de->d_name, "0123456789") != strlen(de->d_name))
			continue;
		if (pid_has_inode(de->d_name, ino, nino))
			pid = (pid_t)atol(de->d_name);
	}
	closedir(d);
	if (pid > 0 && len > 0) {
		comm[0] = '\0';
		snprintf(path, sizeof(path), "/proc/%ld/comm", (long)pid);
		f = fopen(path, "re");
		if (f) {
			if (fgets(comm, (int)len, f))
				comm[strcspn(comm, "\n")] = '\0';
			fclose(f);
		}
	}
	return pid;
}

long
sock_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return -1;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	return rl.rlim_cur == RLIM_INFINITY ? 0x7fffffffL : (long)rl.rlim_cur;
}
