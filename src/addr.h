/* addr.h - the address grammar every applet shares:
 *   unix:/path  unix:@abstract  /path/with/slash (unix)
 *   tcp:HOST:PORT  tcp:PORT  tcp:[::1]:PORT  udp:HOST:PORT  udp:PORT
 *   tls:HOST:PORT  tls:PORT  tls:[::1]:PORT (TCP with TLS on top)
 *   nats://HOST[:PORT]  tls://HOST[:PORT] (nats with TLS required)
 *   HOST:PORT and [::1]:PORT (tcp) */
#ifndef IPCTOOL_ADDR_H
#define IPCTOOL_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/un.h>

enum addr_type {
	ADDR_UNIX = 1,
	ADDR_TCP,
	ADDR_UDP,
	ADDR_NATS,
	ADDR_TLS,	/* TCP carrying TLS: every TCP socket call applies */
};

#define ADDR_PATH_MAX	(sizeof(((struct sockaddr_un *)0)->sun_path))
#define ADDR_HOST_MAX	256
#define ADDR_STR_MAX	(ADDR_PATH_MAX + ADDR_HOST_MAX + 16)
#define ADDR_NATS_PORT	4222

struct addr {
	enum addr_type type;
	bool abstract;			/* unix:@name */
	bool tls;			/* nats: tls://, TLS required */
	char path[ADDR_PATH_MAX + 1];	/* unix: the path, or the abstract name */
	char host[ADDR_HOST_MAX];	/* tcp/udp/tls/nats: no brackets;
					 * default 127.0.0.1 */
	uint16_t port;
};

/* addr_parse: parse s into a; -1 and a static *errstr on error */
int addr_parse(struct addr *a, const char *s, const char **errstr);

/* addr_format: the canonical spelling of a into buf (ADDR_STR_MAX is
 * enough); returns buf */
char *addr_format(const struct addr *a, char *buf, size_t len);

/* addr_is_stream: true for unix, tcp, tls and nats */
bool addr_is_stream(const struct addr *a);

/* addr_to_sun: the sockaddr_un for a unix address; -1 on a non-unix one */
int addr_to_sun(const struct addr *a, struct sockaddr_un *sun, socklen_t *len);

/* addr_resolve: getaddrinfo(3) for a tcp/udp/tls/nats address (numeric port,
 * the right socket type); returns 0 or a getaddrinfo error code (EAI_*) */
int addr_resolve(const struct addr *a, struct addrinfo **res);

/* addr_from_sockaddr: fill a from a kernel address (getsockname,
 * getpeername, accept, recvfrom); type gives tcp or udp for inet
 * addresses; -1 with errno EAFNOSUPPORT for other families */
int addr_from_sockaddr(struct addr *a, enum addr_type type,
    const struct sockaddr *sa, socklen_t len);

#endif
