/* servers.c - the server list of a bus client: the --bus list parsed,
 * cluster members learned from INFO connect_urls (see servers.h and
 * https://docs.nats.io/reference/reference-protocols/nats-protocol#info) */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <bsd/string.h>

#include "bus/client.h"
#include "bus/servers.h"

#define STR_(x)	#x
#define STR(x)	STR_(x)

/* hostport_of: "host:port" ("[v6]:port") of a parsed TCP address into
 * buf; "" for a UNIX one */
static void
hostport_of(const struct addr *a, char *buf, size_t len)
{
	if (a->type == ADDR_UNIX)
		buf[0] = '\0';
	else
		snprintf(buf, len, strchr(a->host, ':') ? "[%s]:%u" : "%s:%u",
		    a->host, (unsigned)a->port);
}

/* add_given: the address s (n bytes) as the next given server; 0 or -1 */
static int
add_given(struct bus_servers *l, const char *s, size_t n,
    const char **errstr, char *bad, size_t len)
{
	struct bus_server *v = &l->s[l->n];
	struct addr a;

	if (n >= sizeof(v->url)) {
		snprintf(bad, len, "%.*s...", 32, s);
		*errstr = "too long";
		return -1;
	}
	memcpy(v->url, s, n);
	v->url[n] = '\0';
	bus_addr_shown(v->url, v->shown, sizeof(v->shown));
	if (bus_addr_check(v->url, &a, errstr) == -1) {
		strlcpy(bad, v->shown, len);
		return -1;
	}
	hostport_of(&a, v->hostport, sizeof(v->hostport));
	l->n++;
	return 0;
}

int
bus_servers_parse(struct bus_servers *l, const char *list,
    const char **errstr, char *bad, size_t len)
{
	const char *p = list, *e, *end;

	memset(l, 0, sizeof(*l));
	bad[0] = '\0';
	for (;;) {
		e = p + strcspn(p, ",");
		end = e;
		while (p < end && isspace((unsigned char)*p))
			p++;
		while (end > p && isspace((unsigned char)end[-1]))
			end--;
		if (p == end) {
			*errstr = "an empty address in the list";
			return -1;
		}
		if (l->n == BUS_SERVERS_GIVEN) {
			*errstr = "more than " STR(BUS_SERVERS_GIVEN)
			    " addresses in the list";
			return -1;
		}
		if (add_given(l, p, (size_t)(end - p), errstr, bad, len) == -1)
			return -1;
		if (*e == '\0')
			return 0;
		p = e + 1;
	}
}

/* valid_hostport: s is "host:port" or "[v6]:port" as connect_urls has
 * it: a host of letters, digits, '.', '-', '_' (or hex digits, ':' and
 * '.' in brackets), a port 1 to 65535 */
static bool
valid_hostport(const char *s)
{
	const char *p = s, *hchars = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_";
	size_t n;
	unsigned long port = 0;

	if (*p == '[') {
		n = strspn(p + 1, "0123456789abcdefABCDEF:.");
		if (n == 0 || p[1 + n] != ']')
			return false;
		p += n + 2;
	} else {
		n = strspn(p, hchars);
		if (n == 0)
			return false;
		p += n;
	}
	if (*p++ != ':')
		return false;
	n = strspn(p, "0123456789");
	if (n == 0 || n > 5 || p[n] != '\0')
		return false;
	for (size_t i = 0; i < n; i++)
		port = port * 10 + (unsigned long)(p[i] - '0');
	return port >= 1 && port <= 65535;
}

/* connect_urls: the raw text of the connect_urls array of INFO, or
 * false when there is none */
static bool
connect_urls(const char *json, size_t len, struct proto_str *arr)
{
	struct proto_json_iter it;
	struct proto_str key;
	enum proto_json_type t;

	proto_json_begin(&it, json, len);
	while (proto_json_next(&it, &key, arr, &t) == 1)
		if (t == PROTO_JSON_ARRAY && key.len == 12 &&
		    memcmp(key.p, "connect_urls", 12) == 0)
			return true;
	return false;
}

/* next_string: the next string of the JSON array text between *pp and
 * end (past the '[') into buf, "" when it does not fit; 1, or 0 at the
 * end or at anything else than a string */
static int
next_string(const char **pp, const char *end, char *buf, size_t len)
{
	const char *p = *pp, *s;
	struct proto_str raw;
	ssize_t n;

	while (p < end && (isspace((unsigned char)*p) || *p == ','))
		p++;
	if (p == end || *p != '"')
		return 0;
	for (s = p + 1; s < end && *s != '"'; s++)
		if (*s == '\\')
			s++;
	if (s >= end)
		return 0;
	raw.p = p + 1;
	raw.len = (size_t)(s - p - 1);
	n = proto_json_unescape(raw, buf, len);
	if (n < 0 || (size_t)n >= len)
		buf[0] = '\0';
	*pp = s + 1;
	return 1;
}

/* known: the index of the server at hostport hp, or -1 */
static int
known(const struct bus_servers *l, const char *hp)
{
	for (int i = 0; i < l->n; i++)
		if (strcasecmp(l->s[i].hostport, hp) == 0)
			return i;
	return -1;
}

/* origin: for the server v that INFO came from, the length of the
 * scheme and credentials that learned servers take over in *plen, and
 * the name their certificates must carry; false when v is not a TCP
 * address (a UNIX socket learns nothing) */
static bool
origin(const struct bus_server *v, size_t *plen, char *name, size_t len)
{
	const char *u = v->url, *at = NULL, *hp, *q;
	struct addr a;
	const char *errstr;

	if (bus_addr_check(u, &a, &errstr) == -1 || a.type == ADDR_UNIX)
		return false;
	if (strncmp(u, "nats://", 7) == 0 || strncmp(u, "tls://", 6) == 0) {
		hp = strstr(u, "://") + 3;
		for (q = hp; q < hp + strcspn(hp, "/?#"); q++)
			if (*q == '@')
				at = q;
		*plen = (size_t)((at ? at + 1 : hp) - u);
	} else if (strncmp(u, "tls:", 4) == 0 || strncmp(u, "tcp:", 4) == 0)
		*plen = 4;
	else
		*plen = 0;
	strlcpy(name, v->learned ? v->tls_name : a.host, len);
	return true;
}

/* drop: remove server i, keeping the order and the current one */
static void
drop(struct bus_servers *l, int i)
{
	memmove(&l->s[i], &l->s[i + 1], (size_t)(l->n - i - 1) *
	    sizeof(l->s[0]));
	l->n--;
	if (i < l->cur)
		l->cur--;
}

int
bus_servers_learn(struct bus_servers *l, const char *json, size_t len)
{
	char got[BUS_SERVERS_MAX][BUS_LEARNED_HOSTPORT];
	char hp[BUS_LEARNED_HOSTPORT], name[ADDR_HOST_MAX], pre[BUS_URL_MAX];
	struct proto_str arr;
	const char *p, *end;
	int m = 0, added = 0, i, j;
	size_t plen;

	if (l->cur < 0 || l->cur >= l->n || !connect_urls(json, len, &arr) ||
	    !origin(&l->s[l->cur], &plen, name, sizeof(name)))
		return 0;
	snprintf(pre, sizeof(pre), "%.*s", (int)plen, l->s[l->cur].url);
	p = arr.p + 1;
	end = arr.p + arr.len - 1;
	while (m < BUS_SERVERS_MAX && next_string(&p, end, hp, sizeof(hp)))
		if (valid_hostport(hp))
			strlcpy(got[m++], hp, sizeof(got[0]));
	if (m == 0)
		return 0;	/* as NATS clients: keep what we have */
	for (i = l->n - 1; i >= 0; i--) {
		if (!l->s[i].learned || i == l->cur)
			continue;
		for (j = 0; j < m; j++)
			if (strcasecmp(got[j], l->s[i].hostport) == 0)
				break;
		if (j == m)
			drop(l, i);
	}
	for (j = 0; j < m && l->n < BUS_SERVERS_MAX; j++) {
		struct bus_server *v = &l->s[l->n];

		if (known(l, got[j]) != -1 ||
		    (size_t)snprintf(v->url, sizeof(v->url), "%s%s", pre,
		    got[j]) >= sizeof(v->url))
			continue;
		bus_addr_shown(v->url, v->shown, sizeof(v->shown));
		strlcpy(v->tls_name, name, sizeof(v->tls_name));
		strlcpy(v->hostport, got[j], sizeof(v->hostport));
		v->learned = true;
		l->n++;
		added++;
	}
	explicit_bzero(pre, sizeof(pre));
	return added;
}

char *
bus_servers_shown(const struct bus_servers *l, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < l->n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
		    i ? "," : "", l->s[i].shown);
	return buf;
}
