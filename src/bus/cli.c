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

char bus_cli_addr[ADDR_STR_MAX + PROTO_FIELD_MAX + 16];
char bus_cli_url[BUS_URL_MAX];
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

void
bus_cli_connect(struct bus_client *c, const char *addr, const char *name,
    int64_t timeout)
{
	char what[sizeof(bus_cli_addr) + 16];
	const char *errstr, *env = getenv(BUS_ENV_ADDR);

	bus_cli_default = addr == NULL && (env == NULL || env[0] == '\0');
	if (addr == NULL && (addr = bus_default_addr(bus_cli_url,
	    sizeof(bus_cli_url))) == NULL)
		errx(EXIT_FAIL, "the default bus address is too long");
	if (addr != bus_cli_url &&
	    strlcpy(bus_cli_url, addr, sizeof(bus_cli_url)) >=
	    sizeof(bus_cli_url))
		usage_error("bad bus address: too long");
	bus_addr_shown(bus_cli_url, bus_cli_addr, sizeof(bus_cli_addr));
	if (bus_connect(c, bus_cli_url, name, io_deadline(timeout >= 0 &&
	    timeout < BUS_CONNECT_TIMEOUT ? timeout : BUS_CONNECT_TIMEOUT),
	    &errstr) == 0)
		return;
	if (errstr != NULL)
		usage_error("bad bus address '%s': %s", bus_cli_addr, errstr);
	snprintf(what, sizeof(what), "connect to %s", bus_cli_addr);
	bus_cli_fail(c, errno, what);
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
