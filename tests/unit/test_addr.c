/* test_addr.c - the address grammar: every accepted form and each rejection */
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include "check.h"
#include "addr.h"

/* roundtrip: parse s and return its canonical spelling (or the error) */
static const char *
roundtrip(const char *s)
{
	static char buf[ADDR_STR_MAX];
	struct addr a;
	const char *errstr;

	if (addr_parse(&a, s, &errstr) == -1)
		return errstr;
	return addr_format(&a, buf, sizeof(buf));
}

int
main(void)
{
	struct addr a;
	const char *errstr;
	char longpath[200];

	CHECK_STR(roundtrip("unix:/tmp/x.sock"), "unix:/tmp/x.sock");
	CHECK_STR(roundtrip("unix:@bus"), "unix:@bus");
	CHECK_STR(roundtrip("/run/a/b"), "unix:/run/a/b");
	CHECK_STR(roundtrip("./rel/sock"), "unix:./rel/sock");
	CHECK_STR(roundtrip("tcp:127.0.0.1:80"), "tcp:127.0.0.1:80");
	CHECK_STR(roundtrip("tcp:8080"), "tcp:127.0.0.1:8080");
	CHECK_STR(roundtrip("tcp:0"), "tcp:127.0.0.1:0");
	CHECK_STR(roundtrip("tcp:localhost:65535"), "tcp:localhost:65535");
	CHECK_STR(roundtrip("tcp:[::1]:443"), "tcp:[::1]:443");
	CHECK_STR(roundtrip("udp:127.0.0.1:53"), "udp:127.0.0.1:53");
	CHECK_STR(roundtrip("udp:5353"), "udp:127.0.0.1:5353");
	CHECK_STR(roundtrip("tls:example.org:443"), "tls:example.org:443");
	CHECK_STR(roundtrip("tls:[::1]:8443"), "tls:[::1]:8443");
	CHECK_STR(roundtrip("tls:4433"), "tls:127.0.0.1:4433");
	CHECK_STR(roundtrip("tls:0"), "tls:127.0.0.1:0");
	CHECK_STR(roundtrip("tls:"), "missing port");
	CHECK_STR(roundtrip("tls:host"), "missing port");
	CHECK_STR(roundtrip("tls:host:70000"), "port out of range 0-65535");
	CHECK_STR(roundtrip("tls:::1:443"), "IPv6 address needs brackets: [::1]:PORT");
	CHECK_STR(roundtrip("tls:[::1"), "missing ']' after IPv6 address");
	CHECK_STR(roundtrip("tls:a/b:1"), "invalid host");
	CHECK_STR(roundtrip("tls://nats.example"), "tls://nats.example:4222");
	CHECK_STR(roundtrip("tls://[::1]:4443"), "tls://[::1]:4443");
	CHECK_STR(roundtrip("tls://h/x"), "tls:// takes HOST[:PORT] only");
	CHECK(addr_parse(&a, "tls://h", &errstr) == 0);
	CHECK(a.type == ADDR_NATS && a.tls);
	CHECK(addr_parse(&a, "nats://h", &errstr) == 0);
	CHECK(a.type == ADDR_NATS && !a.tls);
	CHECK(addr_parse(&a, "tls:[::1]:8443", &errstr) == 0);
	CHECK(a.type == ADDR_TLS);
	CHECK_STR(a.host, "::1");
	CHECK(a.port == 8443);
	CHECK(addr_is_stream(&a));
	CHECK_STR(roundtrip("udp:[::1]:9"), "udp:[::1]:9");
	CHECK_STR(roundtrip("nats://127.0.0.1:4222"), "nats://127.0.0.1:4222");
	CHECK_STR(roundtrip("nats://demo.example"), "nats://demo.example:4222");
	CHECK_STR(roundtrip("nats://[::1]:5000"), "nats://[::1]:5000");
	CHECK_STR(roundtrip("[::1]:7"), "tcp:[::1]:7");
	CHECK_STR(roundtrip("localhost:9"), "tcp:localhost:9");
	CHECK_STR(roundtrip("1234"), "tcp:127.0.0.1:1234");

	/* rejections */
	CHECK_STR(roundtrip("tcp:70000"), "port out of range 0-65535");
	CHECK_STR(roundtrip("tcp:127.0.0.1:65536"), "port out of range 0-65535");
	CHECK_STR(roundtrip("udp:host:-1"), "invalid port");
	CHECK_STR(roundtrip("tcp::80"), "empty host");
	CHECK_STR(roundtrip("tcp:[]:80"), "empty host");
	CHECK_STR(roundtrip("nats://:4222"), "empty host");
	CHECK_STR(roundtrip("tcp:host:"), "missing port");
	CHECK_STR(roundtrip("tcp:host"), "missing port");
	CHECK_STR(roundtrip("tcp:[::1"), "missing ']' after IPv6 address");
	CHECK_STR(roundtrip("tcp:::1:80"), "IPv6 address needs brackets: [::1]:PORT");
	CHECK_STR(roundtrip("foo:bar"), "unknown scheme (use unix:, tcp:, udp:, tls: or nats://)");
	CHECK_STR(roundtrip("http://x/y"), "unknown scheme (use unix:, tcp:, udp:, tls: or nats://)");
	CHECK_STR(roundtrip(""), "empty address");
	CHECK_STR(roundtrip("unix:"), "empty socket path");
	CHECK_STR(roundtrip("unix:@"), "empty abstract socket name");
	memset(longpath, 'a', sizeof(longpath));
	longpath[0] = '/';
	longpath[108] = '\0';		/* 108 bytes: one too many */
	CHECK_STR(roundtrip(longpath), "UNIX socket path too long (107 bytes at most)");
	longpath[107] = '\0';		/* 107 bytes fit with the NUL */
	CHECK(addr_parse(&a, longpath, &errstr) == 0);
	CHECK_STR(roundtrip("justaword"), "unknown address (use unix:PATH, tcp:HOST:PORT, udp:HOST:PORT, tls:HOST:PORT or nats://HOST:PORT)");

	/* sockaddr conversions */
	{
		struct sockaddr_un sun;
		socklen_t len;
		struct addr b;
		char buf[ADDR_STR_MAX];

		CHECK(addr_parse(&a, "unix:@abs", &errstr) == 0);
		CHECK(addr_to_sun(&a, &sun, &len) == 0);
		CHECK(sun.sun_path[0] == '\0');
		CHECK(memcmp(sun.sun_path + 1, "abs", 3) == 0);
		CHECK_INT(len, offsetof(struct sockaddr_un, sun_path) + 4);
		CHECK(addr_from_sockaddr(&b, ADDR_TCP, (struct sockaddr *)&sun, len) == 0);
		CHECK_STR(addr_format(&b, buf, sizeof(buf)), "unix:@abs");

		struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(43121) };
		inet_pton(AF_INET, "127.0.0.1", &in.sin_addr);
		CHECK(addr_from_sockaddr(&b, ADDR_TCP, (struct sockaddr *)&in, sizeof(in)) == 0);
		CHECK_STR(addr_format(&b, buf, sizeof(buf)), "tcp:127.0.0.1:43121");
		struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(9) };
		inet_pton(AF_INET6, "::1", &in6.sin6_addr);
		CHECK(addr_from_sockaddr(&b, ADDR_UDP, (struct sockaddr *)&in6, sizeof(in6)) == 0);
		CHECK_STR(addr_format(&b, buf, sizeof(buf)), "udp:[::1]:9");

		CHECK(addr_parse(&a, "tcp:127.0.0.1:0", &errstr) == 0);
		CHECK(addr_to_sun(&a, &sun, &len) == -1);
	}
	return check_done();
}
