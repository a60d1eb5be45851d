/* test_sock.c - listening and connecting on tcp, udp and unix sockets;
 * stale UNIX socket files; SO_PEERCRED; the owner of a port from /proc */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "sock.h"

int
main(void)
{
	struct addr a, bound, local, peer;
	const char *errstr;
	char comm[64], path[64], self[64] = "";
	FILE *f;
	pid_t pid;
	uid_t uid;
	gid_t gid;
	int l, c, s;
	struct stat st;

	/* this process's name as the kernel has it ("test_sock", or
	 * valgrind's under make check-valgrind) */
	if ((f = fopen("/proc/self/comm", "r")) != NULL) {
		if (fgets(self, sizeof(self), f) != NULL)
			self[strcspn(self, "\n")] = '\0';
		fclose(f);
	}
	CHECK(self[0] != '\0');

	/* tcp on port 0: a kernel port, its owner is this process */
	CHECK(addr_parse(&a, "tcp:127.0.0.1:0", &errstr) == 0);
	l = sock_listen(&a, 8, 0, &bound);
	CHECK(l >= 0);
	CHECK(bound.port != 0);
	CHECK_INT(sock_port_owner(ADDR_TCP, bound.port, comm, sizeof(comm)),
	    getpid());
	CHECK_STR(comm, self);
	c = sock_connect(&bound, -1, &local);
	CHECK(c >= 0);
	CHECK(local.port != 0);
	s = accept(l, NULL, NULL);
	CHECK(sock_peer_addr(s, ADDR_TCP, &peer) == 0);
	CHECK_INT(peer.port, local.port);
	CHECK(sock_local_addr(c, ADDR_TCP, &peer) == 0);
	CHECK_INT(peer.port, local.port);
	close(s);
	close(c);
	/* the same port again: in use */
	CHECK(sock_listen(&bound, 8, 0, NULL) == -1);
	CHECK_INT(errno, EADDRINUSE);
	close(l);
	CHECK_INT(sock_port_owner(ADDR_TCP, bound.port, comm, sizeof(comm)),
	    0);

	/* unix: mode 0600, credentials of the peer, a live socket is kept,
	 * a stale one replaced */
	snprintf(path, sizeof(path), "unix:/tmp/test_sock.%ld",
	    (long)getpid());
	CHECK(addr_parse(&a, path, &errstr) == 0);
	l = sock_listen(&a, 8, 0, NULL);
	CHECK(l >= 0);
	CHECK(stat(a.path, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK(sock_listen(&a, 8, 0, NULL) == -1);
	CHECK_INT(errno, EADDRINUSE);
	c = sock_connect(&a, -1, NULL);
	s = accept(l, NULL, NULL);
	CHECK(sock_peer_cred(s, &pid, &uid, &gid) == 0);
	CHECK_INT(pid, getpid());
	CHECK_INT(uid, getuid());
	CHECK_INT(gid, getgid());
	close(s);
	close(c);
	close(l);
	l = sock_listen(&a, 8, 0640, NULL);	/* the stale file goes */
	CHECK(l >= 0);
	CHECK(stat(a.path, &st) == 0 && (st.st_mode & 0777) == 0640);
	close(l);
	CHECK(sock_unlink(&a) == 0);

	CHECK(sock_raise_nofile() > 0);
	return check_done();
}
