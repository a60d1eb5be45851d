/* servers.h - the list of servers a bus client may use, as NATS clients
 * keep it: the addresses given (--bus nats://a:4222,tls://b:4223), then
 * the cluster members learned from the connect_urls of each INFO. Pure
 * data: parses and updates, never connects, prints or exits. */
#ifndef IPCTOOL_BUS_SERVERS_H
#define IPCTOOL_BUS_SERVERS_H

#include <stdbool.h>
#include <stddef.h>

#include "addr.h"
#include "bus/proto.h"

#define BUS_URL_MAX		(ADDR_STR_MAX + 2 * PROTO_FIELD_MAX + 16)
#define BUS_SHOWN_MAX		(ADDR_STR_MAX + PROTO_FIELD_MAX + 16)
#define BUS_SERVERS_GIVEN	16	/* addresses in one --bus list */
#define BUS_SERVERS_MAX		32	/* given and learned together */
#define BUS_LEARNED_HOSTPORT	(ADDR_HOST_MAX + 8)	/* "[host]:65535" */

struct bus_server {
	char url[BUS_URL_MAX];		/* credentials included */
	char shown[BUS_SHOWN_MAX];	/* for messages: secrets starred */
	/* learned: the name its certificate must carry, the host of the
	 * given address it was learned through; "" for a given one (its own
	 * host) */
	char tls_name[ADDR_HOST_MAX];
	char hostport[BUS_LEARNED_HOSTPORT];	/* learned: as INFO had it */
	bool learned;
};

struct bus_servers {
	struct bus_server s[BUS_SERVERS_MAX];
	int n;				/* entries in s */
	int cur;			/* the one connected or being tried */
};

/* bus_servers_parse: the comma-separated list of addresses into l (each
 * as bus_connect takes it; blanks around an element are dropped); 0, or
 * -1 with a static *errstr, and the element at fault in bad (len bytes)
 * when one is (else bad is "") */
int bus_servers_parse(struct bus_servers *l, const char *list,
    const char **errstr, char *bad, size_t len);

/* bus_servers_learn: the connect_urls of the INFO object json (len
 * bytes) from the server l->cur: each valid "host:port" or "[v6]:port"
 * not yet known becomes a server with the scheme and credentials of the
 * given address it came through, and that address's host as tls_name.
 * Learned servers the INFO no longer lists are dropped (not the current
 * one); an INFO without connect_urls changes nothing. At most
 * BUS_SERVERS_MAX servers in all; an entry that is not a host and port
 * is skipped. Returns how many were added. */
int bus_servers_learn(struct bus_servers *l, const char *json, size_t len);

/* bus_servers_shown: every server's shown address, comma-separated,
 * into buf; returns buf */
char *bus_servers_shown(const struct bus_servers *l, char *buf, size_t len);

#endif
