/* relay.c - the near-limit stream relays: copy stdin to stdout, an accepted
 * socket to stdout (-l ADDR) or stdin to a connected socket (-c ADDR), with
 * read(2)/write(2) and a large buffer (default) or with splice(2) (-s),
 * through a private pipe when neither end is one. ADDR is unix:PATH or
 * tcp:PORT on 127.0.0.1; tcp:0 prints the port the kernel gave on stderr. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define CHUNK_MAX (64UL * 1024 * 1024)

/* is_pipe: 1 when fd is a pipe or FIFO */
static int
is_pipe(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
}

/* copy_rw: read/write from in to out with a bufsz buffer; 0 or -1 */
static int
copy_rw(int in, int out, size_t bufsz)
{
	char *buf = malloc(bufsz);
	ssize_t n, w;

	if (buf == NULL)
		return -1;
	for (;;) {
		n = read(in, buf, bufsz);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (ssize_t off = 0; off < n; off += w) {
			w = write(out, buf + off, (size_t)(n - off));
			if (w == -1 && errno == EINTR) {
				w = 0;
				continue;
			}
			if (w == -1) {
				free(buf);
				return -1;
			}
		}
	}
	free(buf);
	return n == 0 ? 0 : -1;
}

/* splice_all: move exactly len bytes from in to out; 0 or -1 */
static int
splice_all(int in, int out, size_t len)
{
	while (len > 0) {
		ssize_t n = splice(in, NULL, out, NULL, len, SPLICE_F_MOVE);

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		len -= (size_t)n;
	}
	return 0;
}

/* copy_splice: splice from in to out, through a pipe of bufsz bytes when
 * neither is a pipe; 0 or -1 */
static int
copy_splice(int in, int out, size_t bufsz)
{
	int p[2];
	ssize_t n;

	if (is_pipe(in) || is_pipe(out)) {
		for (;;) {
			n = splice(in, NULL, out, NULL, bufsz, SPLICE_F_MOVE);
			if (n == -1 && errno == EINTR)
				continue;
			if (n <= 0)
				return (int)n;
		}
	}
	if (pipe(p) == -1)
		return -1;
	(void)fcntl(p[1], F_SETPIPE_SZ, (int)bufsz);
	for (;;) {
		n = splice(in, NULL, p[1], NULL, bufsz, SPLICE_F_MOVE);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0 || splice_all(p[0], out, (size_t)n) == -1)
			break;
	}
	close(p[0]);
	close(p[1]);
	return (int)n;
}

/* sockaddr_of: fill ss from "unix:PATH" or "tcp:PORT"; its length or 0 */
static socklen_t
sockaddr_of(const char *addr, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (strncmp(addr, "unix:", 5) == 0) {
		struct sockaddr_un *un = (struct sockaddr_un *)ss;

		if (strlen(addr + 5) >= sizeof(un->sun_path))
			return 0;
		un->sun_family = AF_UNIX;
		strcpy(un->sun_path, addr + 5);
		return sizeof(*un);
	}
	if (strncmp(addr, "tcp:", 4) == 0) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)atoi(addr + 4));
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*in);
	}
	return 0;
}

/* open_sock: a listening (listen != 0) or connected socket; fd or -1 */
static int
open_sock(const char *addr, int listen_)
{
	struct sockaddr_storage ss;
	socklen_t len = sockaddr_of(addr, &ss);
	int fd, one = 1;

	if (len == 0) {
		errno = EINVAL;
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	if (!listen_)
		return connect(fd, (struct sockaddr *)&ss, len) == 0 ? fd : -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(fd, 8) == -1)
		return -1;
	if (ss.ss_family == AF_INET) {
		len = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
			fprintf(stderr, "listening on tcp:%u\n",
			    ntohs(((struct sockaddr_in *)&ss)->sin_port));
	}
	return fd;
}

int
main(int argc, char **argv)
{
	const char *laddr = NULL, *caddr = NULL;
	size_t bufsz = 128 * 1024;
	int use_splice = 0, c, in = 0, out = 1, lfd, rc;

	while ((c = getopt(argc, argv, "b:c:l:s")) != -1) {
		switch (c) {
		case 'b':
			bufsz = strtoul(optarg, NULL, 10);
			break;
		case 'c':
			caddr = optarg;
			break;
		case 'l':
			laddr = optarg;
			break;
		case 's':
			use_splice = 1;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc || (laddr && caddr) || bufsz == 0 ||
	    bufsz > CHUNK_MAX)
		goto usage;
	signal(SIGPIPE, SIG_IGN);
	if (laddr) {
		if ((lfd = open_sock(laddr, 1)) == -1 ||
		    (in = accept(lfd, NULL, NULL)) == -1) {
			perror("relay: listen");
			return 1;
		}
		close(lfd);
		if (strncmp(laddr, "unix:", 5) == 0)
			unlink(laddr + 5);
	}
	if (caddr && (out = open_sock(caddr, 0)) == -1) {
		perror("relay: connect");
		return 69;
	}
	rc = use_splice ? copy_splice(in, out, bufsz) : copy_rw(in, out, bufsz);
	if (rc == -1) {
		perror("relay");
		return 1;
	}
	if (caddr)
		shutdown(out, SHUT_WR);
	return 0;
usage:
	fprintf(stderr, "usage: relay [-s] [-b BYTES] [-l ADDR | -c ADDR]\n");
	return 64;
}
