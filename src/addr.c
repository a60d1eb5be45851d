/* addr.c - parse and print socket addresses: unix(7) paths and abstract
 * names, ip(7)/ipv6(7) hosts and ports (plain, or tls: for TCP with TLS),
 * nats:// URLs; getaddrinfo(3) */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bsd/stdlib.h>
#include <bsd/string.h>

#include "addr.h"

/* parse_port: a port number 0-65535; -1 and *errstr otherwise */
static int
parse_port(const char *s, uint16_t *port, const char **errstr)
{
	const char *e;
	long long n;

	if (*s == '\0') {
		*errstr = "missing port";
		return -1;
	}
	if (strspn(s, "0123456789") != strlen(s)) {
		*errstr = "invalid port";
		return -1;
	}
	n = strtonum(s, 0, 65535, &e);
	if (e) {
		*errstr = "port out of range 0-65535";
		return -1;
	}
	*port = (uint16_t)n;
	return 0;
}

/* parse_hostport: "HOST:PORT", "[V6]:PORT" or, when port_only is allowed,
 * "PORT"; default_port >= 0 makes the port optional */
static int
parse_hostport(struct addr *a, const char *s, int default_port,
    const char **errstr)
{
	const char *colon, *hend, *hstart = s;
	size_t hlen;

	if (*s == '[') {
		hend = strchr(s, ']');
		if (hend == NULL) {
			*errstr = "missing ']' after IPv6 address";
			return -1;
		}
		hstart = s + 1;
		colon = hend[1] == ':' ? hend + 1 : NULL;
		if (hend[1] != '\0' && colon == NULL) {
			*errstr = "expected ':PORT' after ']'";
			return -1;
		}
	} else {
		colon = strrchr(s, ':');
		if (colon && memchr(s, ':', (size_t)(colon - s))) {
			*errstr = "IPv6 address needs brackets: [::1]:PORT";
			return -1;
		}
		if (colon == NULL && default_port < 0) {
			/* tcp:PORT */
			if (strspn(s, "0123456789") == strlen(s) && *s) {
				strlcpy(a->host, "127.0.0.1", sizeof(a->host));
				return parse_port(s, &a->port, errstr);
			}
			*errstr = "missing port";
			return -1;
		}
		hend = colon ? colon : s + strlen(s);
	}
	hlen = (size_t)(hend - hstart);
	if (hlen == 0) {
		*errstr = "empty host";
		return -1;
	}
	if (hlen >= sizeof(a->host)) {
		*errstr = "host name too long";
		return -1;
	}
	memcpy(a->host, hstart, hlen);
	a->host[hlen] = '\0';
	if (strpbrk(a->host, " \t/@[]") != NULL) {
		*errstr = "invalid host";
		return -1;
	}
	if (colon == NULL) {
		if (default_port < 0) {
			*errstr = "missing port";
			return -1;
		}
		a->port = (uint16_t)default_port;
		return 0;
	}
	return parse_port(colon + 1, &a->port, errstr);
}

/* parse_unix: "PATH" or "@NAME" after "unix:" */
static int
parse_unix(struct addr *a, const char *s, const char **errstr)
{
	a->type = ADDR_UNIX;
	if (*s == '@') {
		a->abstract = true;
		s++;
		if (*s == '\0') {
			*errstr = "empty abstract socket name";
			return -1;
		}
		/* one byte of sun_path holds the leading NUL */
		if (strlen(s) > ADDR_PATH_MAX - 1) {
			*errstr = "abstract socket name too long";
			return -1;
		}
	} else {
		if (*s == '\0') {
			*errstr = "empty socket path";
			return -1;
		}
		/* sun_path must hold the path and its NUL */
		if (strlen(s) > ADDR_PATH_MAX - 1) {
			*errstr = "UNIX socket path too long (107 bytes at most)";
			return -1;
		}
	}
	strlcpy(a->path, s, sizeof(a->path));
	return 0;
}

int
addr_parse(struct addr *a, const char *s, const char **errstr)
{
	const char *colon;

	memset(a, 0, sizeof(*a));
	*errstr = NULL;
	if (s == NULL || *s == '\0') {
		*errstr = "empty address";
		return -1;
	}
	if (strncmp(s, "unix:", 5) == 0)
		return parse_unix(a, s + 5, errstr);
	if (strncmp(s, "tcp:", 4) == 0) {
		a->type = ADDR_TCP;
		return parse_hostport(a, s + 4, -1, errstr);
	}
	if (strncmp(s, "udp:", 4) == 0) {
		a->type = ADDR_UDP;
		return parse_hostport(a, s + 4, -1, errstr);
	}
	if (strncmp(s, "tls:", 4) == 0 && strncmp(s, "tls://", 6) != 0) {
		a->type = ADDR_TLS;
		return parse_hostport(a, s + 4, -1, errstr);
	}
	if (strncmp(s, "nats://", 7) == 0) {
		a->type = ADDR_NATS;
		if (strchr(s + 7, '/') != NULL || strchr(s + 7, '@') != NULL) {
			*errstr = "nats:// takes HOST[:PORT] only";
			return -1;
		}
		return parse_hostport(a, s + 7, ADDR_NATS_PORT, errstr);
	}
	if (strncmp(s, "tls://", 6) == 0) {
		/* the NATS URL of a server that requires TLS */
		a->type = ADDR_NATS;
		a->tls = true;
		if (strchr(s + 6, '/') != NULL || strchr(s + 6, '@') != NULL) {
			*errstr = "tls:// takes HOST[:PORT] only";
			return -1;
		}
		return parse_hostport(a, s + 6, ADDR_NATS_PORT, errstr);
	}
	if (s[0] == '/' || s[0] == '.' || strchr(s, '/') != NULL) {
		colon = strchr(s, ':');
		if (colon && strchr(s, '/') > colon && strspn(s, "abcdefghijklmnopqrstuvwxyz") == (size_t)(colon - s)) {
			*errstr = "unknown scheme (use unix:, tcp:, udp:, tls: or nats://)";
			return -1;
		}
		return parse_unix(a, s, errstr);
	}
	colon = strchr(s, ':');
	if (s[0] == '[' || (colon && strspn(s, "0123456789.") == (size_t)(colon - s)) ||
	    strspn(s, "0123456789") == strlen(s)) {
		a->type = ADDR_TCP;
		return parse_hostport(a, s, -1, errstr);
	}
	if (colon && strspn(s, "abcdefghijklmnopqrstuvwxyz") == (size_t)(colon - s) &&
	    strspn(colon + 1, "0123456789") != strlen(colon + 1)) {
		*errstr = "unknown scheme (use unix:, tcp:, udp:, tls: or nats://)";
		return -1;
	}
	if (colon) {
		a->type = ADDR_TCP;
		return parse_hostport(a, s, -1, errstr);
	}
	*errstr = "unknown address (use unix:PATH, tcp:HOST:PORT, udp:HOST:PORT, tls:HOST:PORT or nats://HOST:PORT)";
	return -1;
}

char *
addr_format(const struct addr *a, char *buf, size_t len)
{
	const char *scheme = a->type == ADDR_UDP ? "udp:" :
	    a->type == ADDR_NATS ? (a->tls ? "tls://" : "nats://") :
	    a->type == ADDR_TLS ? "tls:" : "tcp:";
	bool v6 = strchr(a->host, ':') != NULL;

	if (a->type == ADDR_UNIX)
		snprintf(buf, len, "unix:%s%s", a->abstract ? "@" : "",
		    a->path);
	else
		snprintf(buf, len, "%s%s%s%s:%u", scheme, v6 ? "[" : "",
		    a->host, v6 ? "]" : "", a->port);
	return buf;
}

bool
addr_is_stream(const struct addr *a)
{
	return a->type != ADDR_UDP;
}

int
addr_to_sun(const struct addr *a, struct sockaddr_un *sun, socklen_t *len)
{
	size_t n = strlen(a->path);

	if (a->type != ADDR_UNIX) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (a->abstract) {
		memcpy(sun->sun_path + 1, a->path, n);
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
	} else {
		memcpy(sun->sun_path, a->path, n);
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	}
	return 0;
}

int
addr_resolve(const struct addr *a, struct addrinfo **res)
{
	struct addrinfo hints = { 0 };
	char port[8];

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = a->type == ADDR_UDP ? SOCK_DGRAM : SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%u", a->port);
	return getaddrinfo(a->host, port, &hints, res);
}

int
addr_from_sockaddr(struct addr *a, enum addr_type type,
    const struct sockaddr *sa, socklen_t len)
{
	memset(a, 0, sizeof(*a));
	switch (sa->sa_family) {
	case AF_INET: {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		a->type = type;
		inet_ntop(AF_INET, &in->sin_addr, a->host, sizeof(a->host));
		a->port = ntohs(in->sin_port);
		return 0;
	}
	case AF_INET6: {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		a->type = type;
		inet_ntop(AF_INET6, &in6->sin6_addr, a->host, sizeof(a->host));
		a->port = ntohs(in6->sin6_port);
		return 0;
	}
	case AF_UNIX: {
		const struct sockaddr_un *sun = (const struct sockaddr_un *)sa;
		size_t off = offsetof(struct sockaddr_un, sun_path);
		size_t n = len > off ? len - off : 0;

		a->type = ADDR_UNIX;
		if (n > 0 && sun->sun_path[0] == '\0') {
			a->abstract = true;
			n--;
			if (n > ADDR_PATH_MAX - 1)
				n = ADDR_PATH_MAX - 1;
			memcpy(a->path, sun->sun_path + 1, n);
			a->path[n] = '\0';
		} else {
			if (n > ADDR_PATH_MAX)
				n = ADDR_PATH_MAX;
			memcpy(a->path, sun->sun_path, n);
			a->path[n] = '\0';
		}
		return 0;
	}
	}
	errno = EAFNOSUPPORT;
	return -1;
}
