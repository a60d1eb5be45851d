/* brokerd.c - test-only driver of the embedded broker: parses a few
 * options, fills a broker_config and calls broker_run, logging to stderr.
 * Usage: brokerd [--no-auth] [--token T] [--token-file F] [--trace]
 *        [--addr-file F]
 *        [--max-pending N] [--max-payload N] [--max-clients N]
 *        [--max-subs N] [--max-unauth N] [--lame-duck MS]
 *        [--max-control N] [--auth-timeout MS]
 *        [--ping-interval MS] [--max-pings-out N]
 *        ADDR|default... */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "bus/broker.h"

/* log_line: the broker's log callback */
static void
log_line(void *arg, const char *line)
{
	fprintf(stderr, "brokerd: %s\n", line);
}

/* number: argv value as a size; exits 64 on garbage */
static unsigned long long
number(const char *opt, const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0') {
		fprintf(stderr, "brokerd: %s %s: invalid\n", opt, s);
		exit(64);
	}
	return v;
}

int
main(int argc, char **argv)
{
	struct broker_config cfg = { 0 };
	char path[256], token[BROKER_TOKEN_MAX];
	const char *errstr, *a;
	int i;

	signal(SIGPIPE, SIG_IGN);
	setvbuf(stderr, NULL, _IOLBF, 0);
	cfg.log = log_line;
	for (i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(o, "--no-auth") == 0) {
			cfg.no_auth = true;
			continue;
		}
		if (strcmp(o, "--trace") == 0) {
			cfg.trace = true;
			continue;
		}
		if (strncmp(o, "--", 2) != 0)
			break;
		if (v == NULL) {
			fprintf(stderr, "brokerd: %s needs a value\n", o);
			return 64;
		}
		i++;
		if (strcmp(o, "--token") == 0)
			cfg.token = v;
		else if (strcmp(o, "--token-file") == 0) {
			if (broker_token_load(v, true, token, sizeof(token))) {
				fprintf(stderr, "brokerd: token file %s: %s\n",
				    v, strerror(errno));
				return 1;
			}
			cfg.token = token;
		} else if (strcmp(o, "--addr-file") == 0)
			cfg.addr_file = v;
		else if (strcmp(o, "--max-pending") == 0)
			cfg.max_pending = number(o, v);
		else if (strcmp(o, "--max-payload") == 0)
			cfg.max_payload = number(o, v);
		else if (strcmp(o, "--max-clients") == 0)
			cfg.max_clients = (int)number(o, v);
		else if (strcmp(o, "--max-subs") == 0)
			cfg.max_subs = (int)number(o, v);
		else if (strcmp(o, "--max-unauth") == 0)
			cfg.max_unauth = (int)number(o, v);
		else if (strcmp(o, "--lame-duck") == 0)
			cfg.lame_duck_ms = (int)number(o, v);
		else if (strcmp(o, "--auth-timeout") == 0)
			cfg.auth_timeout_ms = (int)number(o, v);
		else if (strcmp(o, "--max-control") == 0)
			cfg.max_control = number(o, v);
		else if (strcmp(o, "--ping-interval") == 0)
			cfg.ping_interval_ms = (int)number(o, v);
		else if (strcmp(o, "--max-pings-out") == 0)
			cfg.max_pings_out = (int)number(o, v);
		else {
			fprintf(stderr, "brokerd: unknown option %s\n", o);
			return 64;
		}
	}
	for (; i < argc && cfg.nlisten < BROKER_MAX_LISTENERS; i++) {
		a = argv[i];
		if (strcmp(a, "default") == 0) {
			if (broker_default_path(path, sizeof(path)) == NULL ||
			    broker_prepare_dir(path) == -1) {
				fprintf(stderr, "brokerd: default path: %s\n",
				    strerror(errno));
				return 1;
			}
			a = path;
		}
		if (addr_parse(&cfg.listen[cfg.nlisten], a, &errstr) == -1) {
			fprintf(stderr, "brokerd: %s: %s\n", a, errstr);
			return 64;
		}
		cfg.nlisten++;
	}
	if (cfg.nlisten == 0) {
		fprintf(stderr, "brokerd: no address\n");
		return 64;
	}
	if (broker_run(&cfg) == -1) {
		fprintf(stderr, "brokerd: %s\n", strerror(errno));
		return errno == EADDRINUSE ? 69 : 1;
	}
	fprintf(stderr, "brokerd: stopped\n");
	return 0;
}
