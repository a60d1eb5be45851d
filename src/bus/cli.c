/* cli.c - connect-or-exit, fail-and-exit and the subject check of the bus
 * and req applets (see cli.h) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bsd/string.h>

#include "die.h"
#include "io.h"
#include "bus/cli.h"
#include "bus/subject.h"

char bus_cli_addr[BUS_SHOWN_MAX];
struct bus_servers bus_cli_servers;
bool bus_cli_default;

void
bus_cli_fail(struct bus_client *c, int e, const char *what)
{
	int code = bus_exit_code(e);

	if (code == EX_UNAVAILABLE && bus_cli_default &&
	    (e == ENOENT || e == ECONNREFUSED))
		errx(code, "%s: %s (%s)", what, bus_strerror(c, e),
		    BUS_HINT_START);
	errx(code, "%s: %s", what, bus_strerror(c, e));
}

const char *
bus_cli_list(void)
{
	static char buf[BUS_SERVERS_MAX * 64];

	return bus_servers_shown(&bus_cli_servers, buf, sizeof(buf));
}

/* set_servers: the servers for addr (NULL: the default address, which
 * is never split at commas), or a usage error */
static void
set_servers(const char *addr)
{
	struct bus_servers *l = &bus_cli_servers;
	const char *errstr;
	char bad[BUS_SHOWN_MAX];

	if (addr == NULL && !bus_cli_default)
		addr = getenv(BUS_ENV_ADDR);
	if (addr == NULL) {
		memset(l, 0, sizeof(*l));
		if (bus_default_addr(l->s[0].url, sizeof(l->s[0].url)) == NULL)
			errx(EXIT_FAIL, "the default bus address is too long");
		bus_addr_shown(l->s[0].url, l->s[0].shown,
		    sizeof(l->s[0].shown));
		l->n = 1;
		return;
	}
	if (bus_servers_parse(l, addr, &errstr, bad, sizeof(bad)) == 0)
		return;
	if (bad[0] != '\0')
		usage_error("bad bus address '%s': %s", bad, errstr);
	usage_error("bad bus address list: %s", errstr);
}

void
bus_cli_connect(struct bus_client *c, const char *addr, const char *name,
    int64_t timeout)
{
	char what[BUS_SERVERS_MAX * 64 + 16];
	const char *errstr, *env = getenv(BUS_ENV_ADDR);

	bus_cli_default = addr == NULL && (env == NULL || env[0] == '\0');
	set_servers(addr);
	if (bus_connect_list(c, &bus_cli_servers, 0, name,
	    io_deadline(timeout >= 0 && timeout < BUS_CONNECT_TIMEOUT ?
	    timeout : BUS_CONNECT_TIMEOUT), &errstr) == 0) {
		strlcpy(bus_cli_addr, bus_cli_servers.s[bus_cli_servers.cur].shown,
		    sizeof(bus_cli_addr));
		return;
	}
	strlcpy(bus_cli_addr, bus_cli_servers.s[bus_cli_servers.cur].shown,
	    sizeof(bus_cli_addr));
	if (errstr != NULL)
		usage_error("bad bus address '%s': %s", bus_cli_addr, errstr);
	snprintf(what, sizeof(what), "connect to %s", bus_cli_list());
	bus_cli_fail(c, errno, what);
}

int
bus_cli_reconnect(struct bus_client *c, const char *name, int64_t deadline)
{
	struct bus_servers *l = &bus_cli_servers;
	const char *errstr;
	int rc = bus_connect_list(c, l, l->cur + 1, name, deadline, &errstr);

	if (rc == 0)
		strlcpy(bus_cli_addr, l->s[l->cur].shown, sizeof(bus_cli_addr));
	return rc;
}

void
bus_cli_tls(const char *lo, const char *arg)
{
	const char *var = strcmp(lo, "tls-ca") == 0 ? "IPCTOOL_BUS_TLS_CA" :
	    strcmp(lo, "tls-cert") == 0 ? "IPCTOOL_BUS_TLS_CERT" :
	    strcmp(lo, "tls-key") == 0 ? "IPCTOOL_BUS_TLS_KEY" :
	    "IPCTOOL_BUS_TLS_INSECURE";

	if (setenv(var, arg ? arg : "1", 1) == -1)
		err(EXIT_FAIL, "setenv %s", var);
}

void
bus_cli_check_subject(const char *s, bool wild)
{
	if (!subject_valid(s, strlen(s), wild))
		usage_error("invalid subject '%s'", s);
}
