/* test_client.c - the bus client against a scripted NATS server on a UNIX
 * socket (forked child): INFO in pieces, CONNECT options, PING/PONG both
 * ways, the inbox, no-responders status, split MSG, -ERR; plus the
 * default address, token file and exit-code helpers */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "io.h"
#include "out.h"
#include "sock.h"
#include "bus/client.h"

static char inbuf[65536];
static size_t inlen;

/* srv_until: read from fd until what occurs n times; 0 or -1 */
static int
srv_until(int fd, const char *what, int n)
{
	for (;;) {
		int seen = 0;
		const char *p = inbuf;

		inbuf[inlen] = '\0';
		while ((p = strstr(p, what)) != NULL) {
			seen++;
			p += strlen(what);
		}
		if (seen >= n)
			return 0;
		ssize_t r = read(fd, inbuf + inlen, sizeof(inbuf) - 1 - inlen);
		if (r <= 0)
			return -1;
		inlen += (size_t)r;
	}
}

/* say: write a string */
static void
say(int fd, const char *s)
{
	(void)io_write_full(fd, s, strlen(s));
}

/* server: the scripted peer; exits 0 when the client behaved */
static void
server(int lfd)
{
	char reply[128], line[512];
	const char *p, *e;
	int fd = accept(lfd, NULL, NULL);

	if (fd == -1)
		_exit(10);
	say(fd, "INFO {\"server_id\":\"T\",\"version\":\"9.9\",\"max_pay");
	usleep(20000);
	say(fd, "load\":64,\"headers\":true,\"proto\":1}\r\n");
	if (srv_until(fd, "PING\r\n", 1) == -1)
		_exit(11);
	if (strstr(inbuf, "\"headers\":true") == NULL ||
	    strstr(inbuf, "\"no_responders\":true") == NULL ||
	    strstr(inbuf, "\"verbose\":false") == NULL ||
	    strstr(inbuf, "auth_token") != NULL)
		_exit(12);
	say(fd, "PONG\r\n");
	/* SUB of the inbox, PUB with its reply subject, the flush's PING */
	if (srv_until(fd, "PING\r\n", 2) == -1)
		_exit(13);
	if ((p = strstr(inbuf, "PUB job ")) == NULL ||
	    strstr(inbuf, "SUB _INBOX.") == NULL)
		_exit(14);
	p += 8;
	e = strchr(p, ' ');
	if (e == NULL || (size_t)(e - p) >= sizeof(reply))
		_exit(15);
	memcpy(reply, p, (size_t)(e - p));
	reply[e - p] = '\0';
	say(fd, "PING\r\nPONG\r\n");
	snprintf(line, sizeof(line), "HMSG %s 1 16 16\r\nNATS/1.0 503\r\n\r\n"
	    "\r\n", reply);
	say(fd, line);
	reply[strlen(reply) - 1] = '2';
	snprintf(line, sizeof(line), "MSG %s 1 5\r\nhel", reply);
	say(fd, line);
	usleep(20000);
	say(fd, "lo\r\n");
	/* the client answers our PING */
	if (srv_until(fd, "PONG\r\n", 1) == -1)
		_exit(16);
	say(fd, "-ERR 'Authorization Violation'\r\n");
	close(fd);
	_exit(0);
}

struct got {
	int n;
	int status[3];
	char data[3][16];
};

static void
on_msg(struct bus_client *c, const struct bus_msg *m, void *arg)
{
	struct got *g = arg;
	uint64_t id;

	if (!bus_reply_id(c, m, &id) || id < 1 || id > 2)
		return;
	g->n++;
	g->status[id] = m->status;
	snprintf(g->data[id], sizeof(g->data[id]), "%.*s", (int)m->data.len,
	    m->data.p);
}

static void
test_session(const char *dir)
{
	struct bus_client c;
	struct addr a, bound;
	struct got g = { 0 };
	char addr[256], reply[128], reply2[128], big[65];
	const char *errstr;
	uint64_t id;
	pid_t pid;
	int lfd, st, rc;

	snprintf(addr, sizeof(addr), "unix:%s/bus.sock", dir);
	CHECK(addr_parse(&a, addr, &errstr) == 0);
	lfd = sock_listen(&a, 4, 0600, &bound);
	CHECK(lfd != -1);
	pid = fork();
	if (pid == 0)
		server(lfd);
	close(lfd);

	CHECK_INT(bus_connect(&c, addr, "test", io_deadline(5000), &errstr), 0);
	CHECK_INT(c.info.max_payload, 64);
	CHECK_STR(c.info.version, "9.9");
	memset(big, 'x', sizeof(big));
	errno = 0;
	CHECK_INT(bus_pub(&c, "a", NULL, NULL, 0, big, sizeof(big)), -1);
	CHECK_INT(errno, EMSGSIZE);
	CHECK_INT(bus_pub(&c, "a b", NULL, NULL, 0, "x", 1), -1);
	CHECK_INT(errno, EINVAL);
	CHECK_INT(bus_pub(&c, "a.>", NULL, NULL, 0, "x", 1), -1);
	CHECK_INT(bus_sub(&c, "a b", NULL), 0);

	c.on_msg = on_msg;
	c.on_msg_arg = &g;
	CHECK_INT(bus_new_reply(&c, reply, sizeof(reply), &id), 0);
	CHECK_INT(id, 1);
	CHECK(strncmp(reply, "_INBOX.", 7) == 0 && strlen(reply) == 7 + 22 + 2);
	CHECK_INT(bus_pub(&c, "job", reply, NULL, 0, "hi", 2), 0);
	CHECK_INT(bus_flush(&c, io_deadline(5000)), 0);
	CHECK_INT(bus_new_reply(&c, reply2, sizeof(reply2), &id), 0);
	CHECK_INT(id, 2);
	CHECK(strncmp(reply, reply2, strlen(reply) - 1) == 0);

	/* the messages, then -ERR: an error once everything before it
	 * was delivered */
	while ((rc = bus_process(&c, io_deadline(5000))) == 1)
		;
	CHECK_INT(g.n, 2);
	CHECK_INT(g.status[1], 503);
	CHECK_INT(g.status[2], 0);
	CHECK_STR(g.data[2], "hello");
	CHECK_INT(rc, -1);
	CHECK_INT(errno, EACCES);
	CHECK_STR(bus_strerror(&c, EACCES), "Authorization Violation");
	bus_close(&c);
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fprintf(stderr, "server script failed at step %d\n",
		    WEXITSTATUS(st));

	/* nobody there */
	CHECK_INT(bus_connect(&c, addr, "test", io_deadline(1000), &errstr), -1);
	CHECK(errno == ECONNREFUSED || errno == ENOENT);
	CHECK_INT(bus_exit_code(errno), 69);
	CHECK_INT(bus_connect(&c, "udp:127.0.0.1:9", "t", -1, &errstr), -1);
	CHECK(errstr != NULL);
}

static void
test_defaults(const char *dir)
{
	char buf[256], path[256];
	int fd;

	setenv("XDG_RUNTIME_DIR", dir, 1);
	unsetenv("IPCTOOL_BUS");
	snprintf(path, sizeof(path), "unix:%s/ipctool/bus.sock", dir);
	CHECK_STR(bus_default_addr(buf, sizeof(buf)), path);
	snprintf(path, sizeof(path), "%s/ipctool/token", dir);
	CHECK_STR(bus_default_token_path(buf, sizeof(buf)), path);
	setenv("IPCTOOL_BUS", "tcp:127.0.0.1:4222", 1);
	CHECK_STR(bus_default_addr(buf, sizeof(buf)), "tcp:127.0.0.1:4222");
	CHECK(bus_default_addr(buf, 4) == NULL);
	unsetenv("IPCTOOL_BUS");
	unsetenv("XDG_RUNTIME_DIR");
	snprintf(path, sizeof(path), "unix:/tmp/ipctool-%u/bus.sock",
	    (unsigned)getuid());
	CHECK_STR(bus_default_addr(buf, sizeof(buf)), path);

	snprintf(path, sizeof(path), "%s/tok", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd != -1);
	(void)!write(fd, "abc123\nrest\n", 12);
	close(fd);
	CHECK_INT(bus_read_token(path, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "abc123");
	fd = open(path, O_WRONLY | O_TRUNC);
	close(fd);
	CHECK_INT(bus_read_token(path, buf, sizeof(buf)), -1);
	CHECK_INT(errno, EINVAL);

	CHECK_INT(bus_exit_code(ETIMEDOUT), 75);
	CHECK_INT(bus_exit_code(ECONNRESET), 69);
	CHECK_INT(bus_exit_code(EINVAL), 64);
	CHECK_INT(bus_exit_code(EACCES), 1);
}

int
main(void)
{
	char dir[] = "/tmp/test_client.XXXXXX";
	char cmd[64];

	io_ignore_sigpipe();
	out_trace_on = getenv("TRACE") != NULL;
	if (mkdtemp(dir) == NULL)
		return 1;
	test_session(dir);
	test_defaults(dir);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)!system(cmd);
	return check_done();
}
