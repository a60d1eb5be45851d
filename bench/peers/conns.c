/* conns.c - many clients from one process, for the connection and echo
 * cost curves (raw sockets and epoll(7), so that the load generator is
 * not what bends the curve):
 *   conns nats PORT N          N NATS clients: each sends CONNECT and PING
 *                              and waits for PONG (at most 128 yet to be
 *                              answered, under the broker's unauth pool)
 *   conns echo PORT N TOTAL SIZE
 *                              N clients of an echo server, each with one
 *                              SIZE-byte message in flight, TOTAL round
 *                              trips in all; prints round trips per second
 *                              (connecting not counted)
 * With every connection open (and, for echo, after the round trips), the
 * shell command in $CONNS_HOLD runs (to measure the server meanwhile).
 * Raises RLIMIT_NOFILE to fit N. Exit 0, 1 on error, 75 after 100 s. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DEADLINE_S 100
#define MAX_SIZE 65536
#define NATS_BATCH 128

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
die(const char *what)
{
	fprintf(stderr, "conns: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void
overdue(double t0)
{
	if (now() - t0 > DEADLINE_S) {
		fprintf(stderr, "conns: no end after %d s\n", DEADLINE_S);
		exit(75);
	}
}

/* dial: a blocking TCP connection to 127.0.0.1:port */
static int
dial(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
	    .sin_port = htons((uint16_t)port),
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd == -1)
		die("socket");
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == -1)
		die("connect");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static void
raise_nofile(long n)
{
	struct rlimit rl = { .rlim_cur = (rlim_t)n + 64,
	    .rlim_max = (rlim_t)n + 64 };
	struct rlimit have;

	if (getrlimit(RLIMIT_NOFILE, &have) == 0 && have.rlim_cur >= rl.rlim_cur)
		return;
	if (have.rlim_max > rl.rlim_max)
		rl.rlim_max = have.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		die("setrlimit RLIMIT_NOFILE");
}

static void
hold(void)
{
	const char *cmd = getenv("CONNS_HOLD");

	if (cmd != NULL && *cmd != '\0' && system(cmd) != 0) {
		fprintf(stderr, "conns: CONNS_HOLD failed\n");
		exit(1);
	}
}

/* nats_wait_pong: read fd (blocking) until a PONG line */
static void
nats_wait_pong(int fd)
{
	char buf[4096];
	size_t have = 0;

	for (;;) {
		ssize_t r = read(fd, buf + have, sizeof(buf) - 1 - have);

		if (r <= 0) {
			fprintf(stderr, "conns: the broker closed a client\n");
			exit(1);
		}
		have += (size_t)r;
		buf[have] = '\0';
		if (strstr(buf, "PONG\r\n") != NULL)
			return;
		if (strstr(buf, "-ERR") != NULL) {
			fprintf(stderr, "conns: broker: %s", strstr(buf, "-ERR"));
			exit(1);
		}
		if (have > 2048) {	/* keep the tail: PONG may straddle */
			memmove(buf, buf + have - 16, 16);
			have = 16;
		}
	}
}

static int
nats(int port, long n)
{
	static const char hello[] = "CONNECT {\"verbose\":false}\r\nPING\r\n";
	int *fd = calloc((size_t)n, sizeof(*fd));

	if (fd == NULL)
		die("calloc");
	raise_nofile(n);
	for (long i = 0; i < n; i += NATS_BATCH) {
		long end = i + NATS_BATCH < n ? i + NATS_BATCH : n;

		for (long k = i; k < end; k++) {
			fd[k] = dial(port);
			if (write(fd[k], hello, sizeof(hello) - 1) !=
			    (ssize_t)sizeof(hello) - 1)
				die("write");
		}
		for (long k = i; k < end; k++)
			nats_wait_pong(fd[k]);
	}
	hold();
	return 0;
}

struct cl {
	int fd;
	size_t got;		/* bytes of the echo so far */
	long left;		/* round trips still to make */
};

static int
echo(int port, long n, long total, size_t size)
{
	struct cl *c = calloc((size_t)n, sizeof(*c));
	struct epoll_event ev, *evs = calloc(1024, sizeof(*evs));
	static char msg[MAX_SIZE], buf[MAX_SIZE];
	long done = 0, active = 0;
	double t0, t1;
	int ep;

	if (c == NULL || evs == NULL)
		die("calloc");
	raise_nofile(n + 1);
	memset(msg, 'x', size);
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		die("epoll_create1");
	for (long i = 0; i < n; i++) {
		c[i].fd = dial(port);
		c[i].left = total / n + (i < total % n);
		ev.events = EPOLLIN;
		ev.data.u64 = (uint64_t)i;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, c[i].fd, &ev) == -1)
			die("epoll_ctl");
	}
	t0 = now();
	for (long i = 0; i < n; i++)
		if (c[i].left > 0) {
			if (write(c[i].fd, msg, size) != (ssize_t)size)
				die("write");
			active++;
		}
	while (active > 0) {
		int k = epoll_wait(ep, evs, 1024, 1000);

		if (k == -1 && errno != EINTR)
			die("epoll_wait");
		overdue(t0);
		for (int e = 0; e < k; e++) {
			struct cl *p = &c[evs[e].data.u64];
			ssize_t r = read(p->fd, buf, size - p->got);

			if (r == -1 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (r <= 0) {
				fprintf(stderr, "conns: the server closed a "
				    "client\n");
				return 1;
			}
			p->got += (size_t)r;
			if (p->got < size)
				continue;
			p->got = 0;
			done++;
			if (--p->left == 0) {
				active--;
				continue;
			}
			if (write(p->fd, msg, size) != (ssize_t)size)
				die("write");
		}
	}
	t1 = now();
	printf("%.1f\n", (double)done / (t1 - t0));
	fflush(stdout);
	hold();
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "nats") == 0 && atol(argv[3]) > 0)
		return nats(atoi(argv[2]), atol(argv[3]));
	if (argc == 6 && strcmp(argv[1], "echo") == 0 && atol(argv[3]) > 0 &&
	    atol(argv[5]) > 0 && atol(argv[5]) <= MAX_SIZE)
		return echo(atoi(argv[2]), atol(argv[3]), atol(argv[4]),
		    (size_t)atol(argv[5]));
	fprintf(stderr, "usage: conns nats PORT N\n"
	    "       conns echo PORT N TOTAL SIZE\n");
	return 64;
}
