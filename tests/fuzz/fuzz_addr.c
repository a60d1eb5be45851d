/* tests/fuzz/fuzz_addr.c - the address grammar (addr_parse): whatever the
 * input, no crash; an accepted address is well formed, addr_format spells
 * it without truncation and that spelling parses back to the same address;
 * addr_to_sun stays inside sockaddr_un. Inputs starting with "\x01SA" are
 * kernel addresses instead (addr_from_sockaddr, as after recvfrom(2)). */
#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "fuzz.h"
#include "addr.h"

/* same_addr: true when a and b name the same address */
static int
same_addr(const struct addr *a, const struct addr *b)
{
	return a->type == b->type && a->abstract == b->abstract &&
	    a->tls == b->tls &&
	    strcmp(a->path, b->path) == 0 && strcmp(a->host, b->host) == 0 &&
	    a->port == b->port;
}

/* check_sane: the invariants of an address addr_parse accepted */
static void
check_sane(const struct addr *a)
{
	FUZZ_CHECK(a->type >= ADDR_UNIX && a->type <= ADDR_TLS);
	FUZZ_CHECK(memchr(a->path, '\0', sizeof(a->path)) != NULL);
	FUZZ_CHECK(memchr(a->host, '\0', sizeof(a->host)) != NULL);
	if (a->type == ADDR_UNIX) {
		FUZZ_CHECK(a->path[0] != '\0');
		FUZZ_CHECK(strlen(a->path) <= ADDR_PATH_MAX - 1);
		FUZZ_CHECK(a->host[0] == '\0' && a->port == 0);
		FUZZ_CHECK(addr_is_stream(a));
	} else {
		FUZZ_CHECK(!a->abstract && a->path[0] == '\0');
		FUZZ_CHECK(a->host[0] != '\0');
		FUZZ_CHECK(addr_is_stream(a) == (a->type != ADDR_UDP));
	}
}

/* check_sun: addr_to_sun of a unix address fits and holds the path */
static void
check_sun(const struct addr *a)
{
	struct sockaddr_un sun;
	socklen_t len = 0;
	size_t n = strlen(a->path);

	if (a->type != ADDR_UNIX) {
		FUZZ_CHECK(addr_to_sun(a, &sun, &len) == -1);
		return;
	}
	FUZZ_CHECK(addr_to_sun(a, &sun, &len) == 0);
	FUZZ_CHECK(len <= sizeof(sun));
	FUZZ_CHECK(sun.sun_family == AF_UNIX);
	if (a->abstract) {
		FUZZ_CHECK(sun.sun_path[0] == '\0');
		FUZZ_CHECK(memcmp(sun.sun_path + 1, a->path, n) == 0);
	} else {
		FUZZ_CHECK(strcmp(sun.sun_path, a->path) == 0);
	}
}

/* fuzz_parse: parse s; check and round-trip what is accepted */
static void
fuzz_parse(const char *s)
{
	struct addr a, b;
	const char *errstr = "unset";
	char buf[ADDR_STR_MAX], buf2[ADDR_STR_MAX];

	if (addr_parse(&a, s, &errstr) == -1) {
		FUZZ_CHECK(errstr != NULL && errstr[0] != '\0');
		return;
	}
	FUZZ_CHECK(errstr == NULL);
	check_sane(&a);
	check_sun(&a);
	addr_format(&a, buf, sizeof(buf));
	FUZZ_CHECK(strlen(buf) < sizeof(buf) - 1);
	if (addr_parse(&b, buf, &errstr) == -1) {
		fprintf(stderr, "'%s' formats as '%s', which fails: %s\n", s,
		    buf, errstr);
		FUZZ_CHECK(!"the spelling of an address parses");
	}
	if (!same_addr(&a, &b)) {
		fprintf(stderr, "'%s' formats as '%s', another address\n", s,
		    buf);
		FUZZ_CHECK(!"the spelling of an address is that address");
	}
	FUZZ_CHECK(strcmp(addr_format(&b, buf2, sizeof(buf2)), buf) == 0);
	/* a short buffer truncates, never overflows */
	addr_format(&a, buf2, 8);
	FUZZ_CHECK(strlen(buf2) < 8);
}

/* fuzz_sockaddr: data (after the 3-byte tag) as a kernel address: byte 0
 * picks the family, byte 1 the length, the rest is the address */
static void
fuzz_sockaddr(const uint8_t *data, size_t size)
{
	static const int families[] = { AF_UNIX, AF_INET, AF_INET6, AF_PACKET };
	struct sockaddr_storage ss;
	struct addr a;
	socklen_t len;
	char buf[ADDR_STR_MAX];

	if (size < 2)
		return;
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = (sa_family_t)families[data[0] % 4];
	len = data[1] % (sizeof(ss) + 1);
	if (len < sizeof(sa_family_t))
		len = sizeof(sa_family_t);
	size -= 2;
	if (size > sizeof(ss) - sizeof(sa_family_t))
		size = sizeof(ss) - sizeof(sa_family_t);
	memcpy((char *)&ss + sizeof(sa_family_t), data + 2, size);
	if (ss.ss_family == AF_UNIX && len > sizeof(struct sockaddr_un))
		len = sizeof(struct sockaddr_un);
	if (addr_from_sockaddr(&a, ADDR_TCP, (struct sockaddr *)&ss, len) ==
	    -1) {
		FUZZ_CHECK(ss.ss_family == AF_PACKET);
		return;
	}
	FUZZ_CHECK(memchr(a.path, '\0', sizeof(a.path)) != NULL);
	FUZZ_CHECK(memchr(a.host, '\0', sizeof(a.host)) != NULL);
	addr_format(&a, buf, sizeof(buf));
	FUZZ_CHECK(strlen(buf) < sizeof(buf) - 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size >= 3 && memcmp(data, "\x01SA", 3) == 0) {
		fuzz_sockaddr(data + 3, size - 3);
		return 0;
	}
	s = fuzz_cstr(data, size);
	fuzz_parse(s);
	free(s);
	return 0;
}
