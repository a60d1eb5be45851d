/* busscale.c - a broker at scale, for bench/scenarios/42-bus-scale.sh:
 * one raw NATS client (plain sockets, no library) against whichever
 * broker listens on 127.0.0.1:PORT, fast enough that the broker, not
 * the client, sets the pace. Each mode prints one number on stdout:
 *   subs PORT N          ms until N SUBs (N subjects, one connection)
 *                        are answered by PONG
 *   rss PORT N           the broker's resident kB with those N held
 *   subbytes PORT N      bytes of broker memory (resident) per
 *                        subscription: its growth from the connected
 *                        client to those N held, over N
 *   pubrate PORT N M     messages/s: M messages spread over the N
 *                        subjects, from another connection, until all
 *                        are received
 *   queue PORT G P       publishes/s: P messages to one subject with G
 *                        queue groups (one member each), until all
 *                        G x P arrived
 *   ping PORT WHAT N STAT   another client's PING round trip (ms) while
 *                        WHAT happens: idle (nothing, for as long as the
 *                        subs case takes), subs (N SUBs), close (a
 *                        connection holding N subs goes), queue (100
 *                        publishes to N queue groups); STAT is max, p99
 *                        or p50; every statistic goes to stderr too
 * Exit 1 on any error. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RBUF	(1 << 20)
#define MAXPING	(1 << 20)

struct conn {
	int	 fd;
	char	*buf;
	size_t	 head, len;
};

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fputs("busscale: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
put(struct conn *c, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(c->fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			die("write: %s", strerror(errno));
		}
		p += w;
		n -= (size_t)w;
	}
}

/* fill: read more into c's buffer (compacting first); dies at EOF */
static void
fill(struct conn *c)
{
	ssize_t n;

	if (c->head > 0) {
		memmove(c->buf, c->buf + c->head, c->len);
		c->head = 0;
	}
	if (c->len == RBUF)
		die("a line longer than %d bytes", RBUF);
	do
		n = read(c->fd, c->buf + c->len, RBUF - c->len);
	while (n == -1 && errno == EINTR);
	if (n <= 0)
		die("connection closed: %s", n == 0 ? "EOF" : strerror(errno));
	c->len += (size_t)n;
}

/* line: the next line (without CRLF, NUL-terminated in place) */
static char *
line(struct conn *c)
{
	char *p, *e;

	for (;;) {
		p = c->buf + c->head;
		if ((e = memchr(p, '\n', c->len)) != NULL) {
			size_t n = (size_t)(e - p) + 1;

			*e = '\0';
			if (e > p && e[-1] == '\r')
				e[-1] = '\0';
			c->head += n;
			c->len -= n;
			return p;
		}
		fill(c);
	}
}

/* skip: drop n bytes of payload */
static void
skip(struct conn *c, size_t n)
{
	while (n > 0) {
		size_t k;

		if (c->len == 0)
			fill(c);
		k = n < c->len ? n : c->len;
		c->head += k;
		c->len -= k;
		n -= k;
	}
}

/* next: read one operation; true for a MSG (its payload skipped), false
 * for PONG; dies on anything else but PING (answered) and INFO */
static bool
next(struct conn *c)
{
	for (;;) {
		char *l = line(c), *sp;

		if (strncmp(l, "MSG ", 4) == 0) {
			if ((sp = strrchr(l, ' ')) == NULL)
				die("bad MSG");
			skip(c, strtoul(sp + 1, NULL, 10) + 2);
			return true;
		}
		if (strcmp(l, "PONG") == 0)
			return false;
		if (strcmp(l, "PING") == 0)
			put(c, "PONG\r\n", 6);
		else if (strncmp(l, "INFO ", 5) != 0 && strcmp(l, "+OK") != 0)
			die("unexpected: %.200s", l);
	}
}

static struct conn *
dial(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
	    .sin_port = htons((uint16_t)port),
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	static const char hello[] =
	    "CONNECT {\"verbose\":false,\"pedantic\":false}\r\nPING\r\n";
	struct conn *c = calloc(1, sizeof(*c));
	int one = 1;

	if (c == NULL || (c->buf = malloc(RBUF)) == NULL)
		die("out of memory");
	if ((c->fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    connect(c->fd, (struct sockaddr *)&a, sizeof(a)) == -1)
		die("connect to port %d: %s", port, strerror(errno));
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (strncmp(line(c), "INFO ", 5) != 0)
		die("no INFO");
	put(c, hello, sizeof(hello) - 1);
	if (next(c))
		die("a MSG before the first PONG");
	return c;
}

static void
hangup(struct conn *c)
{
	close(c->fd);
	free(c->buf);
	free(c);
}

/* pong: until the PONG, counting the MSGs on the way */
static long
pong(struct conn *c)
{
	long got = 0;

	while (next(c))
		got++;
	return got;
}

/* batch: n lines of fmt (one %d, the index) and a PING, sent at once */
static void
send_batch(struct conn *c, const char *fmt, int n, bool ping)
{
	size_t cap = (size_t)n * 64 + 16, len = 0;
	char *b = malloc(cap);
	int i;

	if (b == NULL)
		die("out of memory");
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(b + len, cap - len, fmt, i, i);
	if (ping)
		len += (size_t)snprintf(b + len, cap - len, "PING\r\n");
	put(c, b, len);
	free(b);
}

static struct conn *
subscribe(int port, int n)
{
	struct conn *c = dial(port);

	send_batch(c, "SUB s.%d %d\r\n", n, true);
	if (pong(c) != 0)
		die("a MSG while subscribing");
	return c;
}

static void
receive(struct conn *c, long n)
{
	while (n-- > 0)
		if (!next(c))
			die("a PONG before every MSG arrived");
}

static long
broker_rss(int port)
{
	char cmd[128], out[4096], path[64], *p;
	FILE *f;
	long kb = 0;
	size_t n;

	snprintf(cmd, sizeof(cmd), "ss -Hltnp 'sport = :%d'", port);
	if ((f = popen(cmd, "r")) == NULL)
		die("ss: %s", strerror(errno));
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	pclose(f);
	if ((p = strstr(out, "pid=")) == NULL)
		die("ss shows no pid on port %d", port);
	snprintf(path, sizeof(path), "/proc/%ld/status", strtol(p + 4, NULL, 10));
	if ((f = fopen(path, "r")) == NULL)
		die("%s: %s", path, strerror(errno));
	while (fgets(out, sizeof(out), f) != NULL)
		if (strncmp(out, "VmRSS:", 6) == 0)
			kb = strtol(out + 6, NULL, 10);
	fclose(f);
	return kb;
}

/* The pinger: its own connection, a PING every 200 us, each round trip
 * kept */
struct pinger {
	int		 port;
	pthread_t	 t;
	volatile bool	 ready, stop;
	double		*rtt;
	size_t		 n;
};

static void *
ping_loop(void *arg)
{
	struct pinger *p = arg;
	struct conn *c = dial(p->port);
	struct timespec gap = { 0, 200000 };
	double t;

	p->ready = true;
	while (!p->stop && p->n < MAXPING) {
		t = now_s();
		put(c, "PING\r\n", 6);
		if (pong(c) != 0)
			die("pinger got a MSG");
		p->rtt[p->n++] = (now_s() - t) * 1e3;
		nanosleep(&gap, NULL);
	}
	hangup(c);
	return NULL;
}

static void
ping_start(struct pinger *p, int port)
{
	struct timespec w = { 0, 1000000 };
	int i;

	p->port = port;
	if ((p->rtt = malloc(MAXPING * sizeof(*p->rtt))) == NULL)
		die("out of memory");
	if (pthread_create(&p->t, NULL, ping_loop, p) != 0)
		die("pthread_create");
	for (i = 0; i < 20000 && !p->ready; i++)
		nanosleep(&w, NULL);
	for (i = 0; i < 50; i++)	/* a few round trips before the work */
		nanosleep(&w, NULL);
}

static int
by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
ping_stop(struct pinger *p, const char *what, const char *stat)
{
	struct timespec w = { 0, 50000000 };
	double v;

	nanosleep(&w, NULL);	/* and a few after */
	p->stop = true;
	pthread_join(p->t, NULL);
	if (p->n == 0)
		die("no PING came back");
	qsort(p->rtt, p->n, sizeof(*p->rtt), by_value);
	fprintf(stderr, "busscale: ping during %s: %zu round trips, p50 %.3f "
	    "p99 %.3f max %.3f ms\n", what, p->n, p->rtt[p->n / 2],
	    p->rtt[p->n * 99 / 100], p->rtt[p->n - 1]);
	if (strcmp(stat, "max") == 0)
		v = p->rtt[p->n - 1];
	else if (strcmp(stat, "p99") == 0)
		v = p->rtt[p->n * 99 / 100];
	else if (strcmp(stat, "p50") == 0)
		v = p->rtt[p->n / 2];
	else
		die("unknown statistic %s", stat);
	printf("%.3f\n", v);
	free(p->rtt);
}

/* queue_setup: a connection with g queue groups on "jobs" */
static struct conn *
queue_setup(int port, int g)
{
	struct conn *q = dial(port);

	send_batch(q, "SUB jobs g%d %d\r\n", g, true);
	if (pong(q) != 0)
		die("a MSG while subscribing");
	return q;
}

/* queue_run: n publishes to "jobs" from p, until q has all g x n */
static void
queue_run(struct conn *p, struct conn *q, int g, int n)
{
	static const char pub[] = "PUB jobs 2\r\nhi\r\n";
	size_t len = sizeof(pub) - 1;
	char *b = malloc(len * (size_t)n);
	int i;

	if (b == NULL)
		die("out of memory");
	for (i = 0; i < n; i++)
		memcpy(b + len * (size_t)i, pub, len);
	put(p, b, len * (size_t)n);
	free(b);
	receive(q, (long)g * n);
}

int
main(int argc, char **argv)
{
	const char *mode;
	int port, n, m = 0;
	double t;

	if (argc < 4)
		die("usage: busscale MODE PORT N [M|WHAT STAT]");
	mode = argv[1];
	port = atoi(argv[2]);
	if (strcmp(mode, "ping") == 0) {
		const char *what = argv[3];
		struct pinger p = { 0 };
		struct conn *c, *q;

		if (argc != 6)
			die("usage: busscale ping PORT WHAT N STAT");
		n = atoi(argv[4]);
		if (strcmp(what, "idle") == 0) {
			ping_start(&p, port);
			t = now_s();
			while (now_s() - t < 0.2)
				nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
		} else if (strcmp(what, "subs") == 0) {
			ping_start(&p, port);
			c = subscribe(port, n);
			hangup(c);
		} else if (strcmp(what, "close") == 0) {
			c = subscribe(port, n);
			ping_start(&p, port);
			hangup(c);
			/* the broker frees them after the close: a new SUB on
			 * a fresh connection and its PONG come after that on
			 * the daemon; give nats-server the same 200 ms */
			nanosleep(&(struct timespec){ 0, 200000000 }, NULL);
		} else if (strcmp(what, "queue") == 0) {
			q = queue_setup(port, n);
			c = dial(port);
			ping_start(&p, port);
			queue_run(c, q, n, 100);
			hangup(c);
			hangup(q);
		} else
			die("unknown case %s", what);
		ping_stop(&p, what, argv[5]);
		return 0;
	}
	n = atoi(argv[3]);
	if (argc > 4)
		m = atoi(argv[4]);
	if (strcmp(mode, "subs") == 0) {
		t = now_s();
		hangup(subscribe(port, n));
		printf("%.1f\n", (now_s() - t) * 1e3);
	} else if (strcmp(mode, "rss") == 0) {
		struct conn *c = subscribe(port, n);

		printf("%ld\n", broker_rss(port));
		hangup(c);
	} else if (strcmp(mode, "subbytes") == 0) {
		struct conn *c = dial(port);
		long before = broker_rss(port);

		send_batch(c, "SUB s.%d %d\r\n", n, true);
		if (pong(c) != 0)
			die("a MSG while subscribing");
		printf("%.1f\n", (double)(broker_rss(port) - before) * 1024 / n);
		hangup(c);
	} else if (strcmp(mode, "pubrate") == 0) {
		struct conn *c = subscribe(port, n), *p = dial(port);
		size_t cap = (size_t)m * 32 + 16, len = 0;
		char *b = malloc(cap);
		int i;

		if (b == NULL)
			die("out of memory");
		for (i = 0; i < m; i++)
			len += (size_t)snprintf(b + len, cap - len,
			    "PUB s.%d 2\r\nhi\r\n", i % n);
		t = now_s();
		put(p, b, len);
		receive(c, m);
		printf("%.1f\n", m / (now_s() - t));
		free(b);
	} else if (strcmp(mode, "queue") == 0) {
		struct conn *q = queue_setup(port, n), *p = dial(port);

		t = now_s();
		queue_run(p, q, n, m);
		printf("%.1f\n", m / (now_s() - t));
	} else
		die("unknown mode %s", mode);
	return 0;
}
