/* test_servers.c - unit tests for src/bus/servers.c: the --bus list
 * parser (bad input: an empty element, too many, a bad scheme, too
 * long) and the servers learned from hostile and friendly INFO
 * connect_urls (scheme, credentials and TLS name of the origin, bounds) */
#include <stdio.h>
#include <string.h>
#include <bsd/string.h>

#include "bus/servers.h"
#include "check.h"

static struct bus_servers l;
static char bad[BUS_SHOWN_MAX];

/* parse: bus_servers_parse of s; its result, *errstr in *why */
static int
parse(const char *s, const char **why)
{
	*why = NULL;
	return bus_servers_parse(&l, s, why, bad, sizeof(bad));
}

/* learn: bus_servers_learn of the INFO object text s */
static int
learn(const char *s)
{
	return bus_servers_learn(&l, s, strlen(s));
}

static void
test_parse(void)
{
	char buf[4096], big[8192];
	const char *why;

	CHECK_INT(parse("nats://127.0.0.1:4222", &why), 0);
	CHECK_INT(l.n, 1);
	CHECK_STR(l.s[0].url, "nats://127.0.0.1:4222");
	CHECK_STR(l.s[0].hostport, "127.0.0.1:4222");
	CHECK(!l.s[0].learned);

	CHECK_INT(parse("nats://a:1, tls://alice:pw@b:2 ,tls:[::1]:3,"
	    "unix:/run/x.sock,c:4", &why), 0);
	CHECK_INT(l.n, 5);
	CHECK_STR(l.s[1].url, "tls://alice:pw@b:2");
	CHECK_STR(l.s[1].shown, "tls://alice:***@b:2");
	CHECK_STR(l.s[1].hostport, "b:2");
	CHECK_STR(l.s[2].hostport, "[::1]:3");
	CHECK_STR(l.s[3].hostport, "");
	CHECK_STR(bus_servers_shown(&l, buf, sizeof(buf)),
	    "nats://a:1,tls://alice:***@b:2,tls:[::1]:3,unix:/run/x.sock,c:4");

	/* an empty element, anywhere */
	CHECK_INT(parse("nats://a:1,,nats://b:2", &why), -1);
	CHECK_STR(why, "an empty address in the list");
	CHECK_STR(bad, "");
	CHECK_INT(parse("nats://a:1,", &why), -1);
	CHECK_STR(why, "an empty address in the list");
	CHECK_INT(parse(" ", &why), -1);
	CHECK_STR(why, "an empty address in the list");
	CHECK_INT(parse("", &why), -1);

	/* too many */
	buf[0] = '\0';
	for (int i = 0; i < BUS_SERVERS_GIVEN; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
		    "%snats://h:%d", i ? "," : "", 4000 + i);
	CHECK_INT(parse(buf, &why), 0);
	CHECK_INT(l.n, BUS_SERVERS_GIVEN);
	strlcat(buf, ",nats://h:1", sizeof(buf));
	CHECK_INT(parse(buf, &why), -1);
	CHECK_STR(why, "more than 16 addresses in the list");

	/* a bad scheme, a datagram address: the element named, secrets
	 * starred */
	CHECK_INT(parse("nats://a:1,ftp://x:1", &why), -1);
	CHECK(why != NULL);
	CHECK_STR(bad, "ftp://x:1");
	CHECK_INT(parse("udp:127.0.0.1:5,nats://a:1", &why), -1);
	CHECK_STR(why, "the bus needs a stream address (unix:, tcp:, nats://)");
	CHECK_STR(bad, "udp:127.0.0.1:5");
	CHECK_INT(parse("nats://a:1,nats://bob:s3cret@:x", &why), -1);
	CHECK_STR(bad, "nats://bob:***@:x");

	/* one element too long: cut in the message */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "nats://", 7);
	CHECK_INT(parse(big, &why), -1);
	CHECK_STR(why, "too long");
	CHECK(strlen(bad) < 64);
}

static void
test_learn(void)
{
	const char *why;
	char info[65536], buf[4096];

	CHECK_INT(parse("tls://alice:pw@localhost:4222", &why), 0);
	l.cur = 0;
	CHECK_INT(learn("{\"server_id\":\"x\",\"connect_urls\":"
	    "[\"127.0.0.1:4223\", \"localhost:4222\",\"[::1]:4224\"]}"), 2);
	CHECK_INT(l.n, 3);
	/* the scheme and credentials of the origin, its host to verify */
	CHECK_STR(l.s[1].url, "tls://alice:pw@127.0.0.1:4223");
	CHECK_STR(l.s[1].shown, "tls://alice:***@127.0.0.1:4223");
	CHECK_STR(l.s[1].tls_name, "localhost");
	CHECK(l.s[1].learned);
	CHECK_STR(l.s[2].url, "tls://alice:pw@[::1]:4224");
	CHECK_STR(l.s[2].tls_name, "localhost");
	/* again: nothing new */
	CHECK_INT(learn("{\"connect_urls\":[\"127.0.0.1:4223\","
	    "\"[::1]:4224\"]}"), 0);
	CHECK_INT(l.n, 3);
	/* no connect_urls, an empty array: kept as it is */
	CHECK_INT(learn("{\"server_id\":\"x\"}"), 0);
	CHECK_INT(learn("{\"connect_urls\":[]}"), 0);
	CHECK_INT(learn("{\"connect_urls\":null}"), 0);
	CHECK_INT(l.n, 3);

	/* learned from a learned server: still the given host's name */
	l.cur = 1;
	CHECK_INT(learn("{\"connect_urls\":[\"127.0.0.1:4223\","
	    "\"10.0.0.5:4225\"]}"), 1);
	/* [::1]:4224 is gone from the cluster: dropped, not the current */
	CHECK_INT(l.n, 3);
	CHECK_STR(l.s[1].hostport, "127.0.0.1:4223");
	CHECK_STR(l.s[2].url, "tls://alice:pw@10.0.0.5:4225");
	CHECK_STR(l.s[2].tls_name, "localhost");
	l.cur = 2;
	CHECK_INT(learn("{\"connect_urls\":[\"10.0.0.6:4226\"]}"), 1);
	/* 4223 dropped before the current: cur follows its server */
	CHECK_INT(l.cur, 1);
	CHECK_STR(l.s[l.cur].hostport, "10.0.0.5:4225");
	CHECK_STR(bus_servers_shown(&l, buf, sizeof(buf)),
	    "tls://alice:***@localhost:4222,tls://alice:***@10.0.0.5:4225,"
	    "tls://alice:***@10.0.0.6:4226");

	/* hostile entries are skipped, the good ones kept */
	CHECK_INT(parse("nats://10.1.1.1:4222", &why), 0);
	CHECK_INT(learn("{\"connect_urls\":[\"unix:/etc/x\",\"a b:1\","
	    "\"h:0\",\"h:70000\",\"h:123456\",\"[::1\",\"[::1]\",\"h:1/x\","
	    "\"\",\":1\",\"h\",\"h:\",\"h:1:2\",\"u@h:1\",\"h\\u0000:1\","
	    "\"tls://h:1\",\"h\\n:1\",\"good:1\"]}"), 1);
	CHECK_INT(l.n, 2);
	CHECK_STR(l.s[1].url, "nats://good:1");
	/* the IP the origin was given as is the name to verify */
	CHECK_STR(l.s[1].tls_name, "10.1.1.1");
	/* a non-string element ends the array */
	CHECK_INT(learn("{\"connect_urls\":[\"good:1\",7,\"more:2\"]}"), 0);
	CHECK_INT(l.n, 2);
	/* not JSON: nothing */
	CHECK_INT(learn("{\"connect_urls\":[\"x:1\""), 0);

	/* a host too long for an address */
	snprintf(info, sizeof(info), "{\"connect_urls\":[\"%0300d:1\"]}", 0);
	CHECK_INT(learn(info), 0);

	/* bounded: a thousand members give BUS_SERVERS_MAX in all */
	size_t off = (size_t)snprintf(info, sizeof(info),
	    "{\"connect_urls\":[");
	for (int i = 0; i < 1000; i++)
		off += (size_t)snprintf(info + off, sizeof(info) - off,
		    "%s\"10.2.%d.%d:4222\"", i ? "," : "", i / 250, i % 250);
	snprintf(info + off, sizeof(info) - off, "]}");
	CHECK_INT(parse("nats://a:1,nats://b:2", &why), 0);
	CHECK_INT(learn(info), BUS_SERVERS_MAX - 2);
	CHECK_INT(l.n, BUS_SERVERS_MAX);

	/* the origin's form: tls:HOST:PORT, tcp:, bare HOST:PORT */
	CHECK_INT(parse("tls:node1:4443,tcp:node2:4222,node3:4222", &why), 0);
	CHECK_INT(learn("{\"connect_urls\":[\"n4:1\"]}"), 1);
	CHECK_STR(l.s[3].url, "tls:n4:1");
	CHECK_STR(l.s[3].tls_name, "node1");
	l.cur = 1;
	CHECK_INT(learn("{\"connect_urls\":[\"n4:1\",\"n5:1\"]}"), 1);
	CHECK_STR(l.s[4].url, "tcp:n5:1");
	l.cur = 2;
	CHECK_INT(learn("{\"connect_urls\":[\"n4:1\",\"n5:1\",\"n6:1\"]}"), 1);
	CHECK_STR(l.s[5].url, "n6:1");

	/* a UNIX socket learns nothing */
	CHECK_INT(parse("unix:/run/b.sock", &why), 0);
	CHECK_INT(learn("{\"connect_urls\":[\"n4:1\"]}"), 0);
	CHECK_INT(l.n, 1);
}

int
main(void)
{
	test_parse();
	test_learn();
	return check_done();
}
