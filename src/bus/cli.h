/* cli.h - what the bus and req applets share on top of the client core:
 * choosing and connecting to the broker, the exit for a failed bus call,
 * the subject check. Like usage_error these print and exit: they are the
 * applets' side of the client, kept once here instead of in each applet. */
#ifndef IPCTOOL_BUS_CLI_H
#define IPCTOOL_BUS_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "bus/client.h"
#include "bus/servers.h"

#define BUS_CONNECT_TIMEOUT	10000	/* ms, at most, for one connect */

/* The servers bus_cli_connect was given (--bus, $IPCTOOL_BUS: one
 * address or a comma-separated list) and those learned since, for
 * reconnects; the one connected as shown in messages (bus_addr_shown) */
extern struct bus_servers bus_cli_servers;
extern char bus_cli_addr[BUS_SHOWN_MAX];
/* ...and whether it was the default one (no --bus, no $IPCTOOL_BUS): only
 * then does a failure hint at starting the daemon */
extern bool bus_cli_default;

/* bus_cli_fail: exit with the code and message for errno e after a bus
 * call on c; what names the action ("connect to unix:/x"); the hint to
 * start a daemon follows only for the default address */
void bus_cli_fail(struct bus_client *c, int e, const char *what)
    __attribute__((noreturn));

/* bus_cli_connect: connect c to addr (NULL: IPCTOOL_BUS or the daemon's
 * default; a comma-separated list: the first that answers, in order)
 * within timeout ms (-1 or more than BUS_CONNECT_TIMEOUT: that bound),
 * or exit: 64 for a bad address or list, 69 when no broker (with a hint
 * for the default address), 1 when an impostor could be listening (see
 * bus_connect); a failure names the list and says why the last server
 * tried failed */
void bus_cli_connect(struct bus_client *c, const char *addr,
    const char *name, int64_t timeout);

/* bus_cli_reconnect: after the connection to bus_cli_addr was lost (c
 * closed), one round over the servers from the next one on, until
 * deadline; 0 with bus_cli_addr the server now connected, or -1 with
 * errno (see bus_connect_list) */
int bus_cli_reconnect(struct bus_client *c, const char *name,
    int64_t deadline);

/* bus_cli_list: every server known, as shown (bus_cli_addr when there is
 * only the one) */
const char *bus_cli_list(void);

/* bus_cli_tls: an option --tls-ca, --tls-cert, --tls-key (with arg) or
 * --insecure (arg NULL), named by its long name, into the variable that
 * bus_connect reads (IPCTOOL_BUS_TLS_CA, _CERT, _KEY, _INSECURE), so
 * that every connect and reconnect uses it */
void bus_cli_tls(const char *lo, const char *arg);

/* bus_cli_check_subject: a usage error unless s is a valid subject
 * (wildcards only where subscribing), caught before connecting */
void bus_cli_check_subject(const char *s, bool wild);

#endif
