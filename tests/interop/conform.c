/* conform.c - the libnats side of the conformance suite
 * (tests/interop/conformance.sh): the same cases as conform.js, one line
 * "CASE: outcome" each, so that the runs against nats-server and against
 * the daemon can be compared line by line. Never fails on an outcome:
 * only the comparison decides.
 * Usage: conform URL basic
 *        conform URL auth [token T | user U P | nkey PUB SEEDFILE |
 *                          creds FILE | none]
 *        conform URL ldm READYFILE   (connect, write READYFILE, report
 *                                    whether lame duck mode was seen) */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nats/nats.h>

static const char *url;

/* add: append " " and s to out (len bytes), cut when full */
static void
add(char *out, size_t len, const char *s)
{
	size_t n = strlen(out);

	snprintf(out + n, len - n, " %s", s);
}
static char async_err[256];

/* plain: an error text without libnats's "(file.c:123): " prefix */
static const char *
plain(const char *s)
{
	const char *p;

	if (s[0] == '(' && (p = strstr(s, "): ")) != NULL)
		return p + 3;
	return s;
}

/* on_err: remember the first asynchronous error (an -ERR that did not
 * close the connection) */
static void
on_err(natsConnection *nc, natsSubscription *sub, natsStatus s, void *arg)
{
	const char *txt = NULL;

	(void)sub;
	(void)arg;
	if (async_err[0] != '\0')
		return;
	natsConnection_GetLastError(nc, &txt);
	snprintf(async_err, sizeof(async_err), "%s", txt && *txt ? plain(txt) :
	    natsStatus_GetText(s));
}

static pthread_mutex_t ldm_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ldm_cv = PTHREAD_COND_INITIALIZER;
static bool ldm_seen;

/* on_ldm: the server said it entered lame duck mode */
static void
on_ldm(natsConnection *nc, void *arg)
{
	(void)nc;
	(void)arg;
	pthread_mutex_lock(&ldm_mu);
	ldm_seen = true;
	pthread_cond_broadcast(&ldm_cv);
	pthread_mutex_unlock(&ldm_mu);
}

/* dial: a connection with these options (pedantic, credentials); NULL
 * and *why on failure */
static natsConnection *
dial(bool pedantic, const char **cred, const char **why)
{
	natsOptions *o = NULL;
	natsConnection *nc = NULL;
	natsStatus s;

	natsOptions_Create(&o);
	natsOptions_SetURL(o, url);
	natsOptions_SetName(o, "conform");
	natsOptions_SetPedantic(o, pedantic);
	natsOptions_SetAllowReconnect(o, false);
	natsOptions_SetTimeout(o, 3000);
	natsOptions_SetErrorHandler(o, on_err, NULL);
	natsOptions_SetLameDuckModeCB(o, on_ldm, NULL);
	if (cred != NULL && cred[0] != NULL) {
		if (strcmp(cred[0], "token") == 0)
			natsOptions_SetToken(o, cred[1]);
		else if (strcmp(cred[0], "user") == 0)
			natsOptions_SetUserInfo(o, cred[1], cred[2]);
		else if (strcmp(cred[0], "nkey") == 0)
			natsOptions_SetNKeyFromSeed(o, cred[1], cred[2]);
		else if (strcmp(cred[0], "creds") == 0)
			natsOptions_SetUserCredentialsFromFiles(o, cred[1],
			    NULL);
	}
	s = natsConnection_Connect(&nc, o);
	natsOptions_Destroy(o);
	if (s != NATS_OK) {
		const char *txt = nats_GetLastError(NULL);

		*why = txt && *txt ? txt : natsStatus_GetText(s);
		return NULL;
	}
	return nc;
}

/* next: the data of the next message of sub within ms, or NULL */
static char *
next(natsSubscription *sub, int ms, natsMsg **keep)
{
	if (natsSubscription_NextMsg(keep, sub, ms) != NATS_OK)
		return NULL;
	return (char *)natsMsg_GetData(*keep);
}

static void
c_pubsub(natsConnection *nc)
{
	natsSubscription *s;
	natsMsg *m;
	char out[64] = "";
	const char *d;

	natsConnection_SubscribeSync(&s, nc, "c.a");
	natsConnection_Flush(nc);
	natsConnection_PublishString(nc, "c.a", "1");
	natsConnection_PublishString(nc, "c.b", "x");
	natsConnection_PublishString(nc, "c.a", "2");
	natsConnection_PublishString(nc, "c.a", "3");
	natsConnection_Flush(nc);
	while ((d = next(s, 300, &m)) != NULL) {
		add(out, sizeof(out), d);
		natsMsg_Destroy(m);
	}
	printf("pubsub:%s\n", out);
	natsSubscription_Destroy(s);
}

/* subjects: every subject sub got, in order */
static void
drain_subjects(natsSubscription *s, char *out, size_t len)
{
	natsMsg *m;

	while (natsSubscription_NextMsg(&m, s, 300) == NATS_OK) {
		add(out, len, natsMsg_GetSubject(m));
		natsMsg_Destroy(m);
	}
}

static void
c_wildcards(natsConnection *nc)
{
	natsSubscription *star, *gt;
	char a[128] = "", b[128] = "";

	natsConnection_SubscribeSync(&star, nc, "w.*");
	natsConnection_SubscribeSync(&gt, nc, "w.>");
	natsConnection_Flush(nc);
	natsConnection_PublishString(nc, "w.a", "");
	natsConnection_PublishString(nc, "w.a.b", "");
	natsConnection_PublishString(nc, "x.a", "");
	natsConnection_PublishString(nc, "w", "");
	natsConnection_Flush(nc);
	drain_subjects(star, a, sizeof(a));
	drain_subjects(gt, b, sizeof(b));
	printf("wildcards: w.*:%s w.>:%s\n", a, b);
	natsSubscription_Destroy(star);
	natsSubscription_Destroy(gt);
}

static void
c_queue(natsConnection *nc)
{
	natsSubscription *q1, *q2, *plain;
	natsMsg *m;
	int n1 = 0, n2 = 0, np = 0, i;

	natsConnection_QueueSubscribeSync(&q1, nc, "q", "g");
	natsConnection_QueueSubscribeSync(&q2, nc, "q", "g");
	natsConnection_SubscribeSync(&plain, nc, "q");
	natsConnection_Flush(nc);
	for (i = 0; i < 60; i++)
		natsConnection_PublishString(nc, "q", "m");
	natsConnection_Flush(nc);
	while (natsSubscription_NextMsg(&m, q1, 300) == NATS_OK) {
		n1++;
		natsMsg_Destroy(m);
	}
	while (natsSubscription_NextMsg(&m, q2, 100) == NATS_OK) {
		n2++;
		natsMsg_Destroy(m);
	}
	while (natsSubscription_NextMsg(&m, plain, 100) == NATS_OK) {
		np++;
		natsMsg_Destroy(m);
	}
	printf("queue: group=%d both=%s plain=%d\n", n1 + n2,
	    n1 > 0 && n2 > 0 ? "yes" : "no", np);
	natsSubscription_Destroy(q1);
	natsSubscription_Destroy(q2);
	natsSubscription_Destroy(plain);
}

static void
on_svc(natsConnection *nc, natsSubscription *sub, natsMsg *m, void *arg)
{
	char buf[128];

	(void)sub;
	(void)arg;
	snprintf(buf, sizeof(buf), "re:%.*s", natsMsg_GetDataLength(m),
	    natsMsg_GetData(m));
	natsConnection_PublishString(nc, natsMsg_GetReply(m), buf);
	natsMsg_Destroy(m);
}

static void
c_request(natsConnection *nc)
{
	natsSubscription *s;
	natsMsg *m = NULL;
	natsStatus st;

	natsConnection_Subscribe(&s, nc, "svc", on_svc, NULL);
	natsConnection_Flush(nc);
	st = natsConnection_RequestString(&m, nc, "svc", "x", 2000);
	if (st == NATS_OK)
		printf("request: %.*s\n", natsMsg_GetDataLength(m),
		    natsMsg_GetData(m));
	else
		printf("request: error %s\n", natsStatus_GetText(st));
	natsMsg_Destroy(m);
	natsSubscription_Destroy(s);
	st = natsConnection_RequestString(&m, nc, "nobody", "x", 2000);
	printf("noresponders: %s\n", st == NATS_NO_RESPONDERS ?
	    "no responders" : natsStatus_GetText(st));
	if (st == NATS_OK)
		natsMsg_Destroy(m);
}

static void
c_headers(natsConnection *nc)
{
	natsSubscription *s;
	natsMsg *m, *got;
	const char *v = NULL;

	natsConnection_SubscribeSync(&s, nc, "h");
	natsConnection_Flush(nc);
	natsMsg_Create(&m, "h", NULL, "d", 1);
	natsMsgHeader_Set(m, "X-Key", "v1");
	natsConnection_PublishMsg(nc, m);
	natsMsg_Destroy(m);
	natsConnection_Flush(nc);
	if (natsSubscription_NextMsg(&got, s, 2000) != NATS_OK) {
		printf("headers: nothing\n");
	} else {
		natsMsgHeader_Get(got, "X-Key", &v);
		printf("headers: X-Key=%s data=%.*s\n", v ? v : "(none)",
		    natsMsg_GetDataLength(got), natsMsg_GetData(got));
		natsMsg_Destroy(got);
	}
	natsSubscription_Destroy(s);
}

static void
c_maxpayload(natsConnection *nc)
{
	int64_t max = natsConnection_GetMaxPayload(nc);
	char *big = calloc(1, (size_t)max + 2);
	natsStatus st;

	memset(big, 'x', (size_t)max + 1);
	st = natsConnection_Publish(nc, "big", big, (int)max + 1);
	printf("maxpayload: %lld\n", (long long)max);
	printf("maxpayload one byte more: %s\n", natsStatus_GetText(st));
	st = natsConnection_Publish(nc, "big", big, (int)max);
	if (st == NATS_OK)
		st = natsConnection_FlushTimeout(nc, 2000);
	printf("maxpayload exactly: %s\n", natsStatus_GetText(st));
	free(big);
}

/* c_subjects: publish to subjects nats-server takes without pedantic
 * (and refuses with it): does the connection survive, does a '>'
 * subscriber see them */
static void
c_subjects(bool pedantic)
{
	static const char *subjs[] = { "s.*", "s.>", "s..b", "s.b." };
	const char *why = NULL;
	natsConnection *nc = dial(pedantic, NULL, &why);
	natsSubscription *all;
	char got[256] = "";
	size_t i;
	natsStatus st;

	if (nc == NULL) {
		printf("subjects connect: %s\n", plain(why));
		return;
	}
	natsConnection_SubscribeSync(&all, nc, "s.>");
	natsConnection_Flush(nc);
	for (i = 0; i < sizeof(subjs) / sizeof(subjs[0]); i++) {
		async_err[0] = '\0';
		st = natsConnection_PublishString(nc, subjs[i], "");
		if (st == NATS_OK)
			st = natsConnection_FlushTimeout(nc, 1000);
		printf("subjects%s %s: %s%s%s%s\n", pedantic ? " pedantic" :
		    "", subjs[i], natsStatus_GetText(st),
		    async_err[0] ? ", error '" : "", async_err,
		    async_err[0] ? "'" : "");
		if (natsConnection_IsClosed(nc)) {
			const char *txt = NULL;

			natsConnection_GetLastError(nc, &txt);
			printf("subjects%s closed: %s\n", pedantic ?
			    " pedantic" : "", plain(txt ? txt : ""));
			break;
		}
	}
	if (!natsConnection_IsClosed(nc)) {
		drain_subjects(all, got, sizeof(got));
		printf("subjects%s got:%s\n", pedantic ? " pedantic" : "",
		    got);
	}
	natsSubscription_Destroy(all);
	natsConnection_Destroy(nc);
}

int
main(int argc, char **argv)
{
	natsConnection *nc;
	const char *why = NULL;

	if (argc < 3) {
		fprintf(stderr, "usage: conform URL basic|auth [CRED...]\n");
		return 64;
	}
	url = argv[1];
	if (strcmp(argv[2], "ldm") == 0 && argc == 4) {
		struct timespec until;
		FILE *f;

		if ((nc = dial(false, NULL, &why)) == NULL) {
			printf("ldm connect: %s\n", plain(why));
			nats_Close();
			return 0;
		}
		if ((f = fopen(argv[3], "w")) != NULL)
			fclose(f);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 8;
		pthread_mutex_lock(&ldm_mu);
		while (!ldm_seen && pthread_cond_timedwait(&ldm_cv, &ldm_mu,
		    &until) == 0)
			;
		printf("ldm: %s\n", ldm_seen ? "seen" : "not seen in 8 s");
		pthread_mutex_unlock(&ldm_mu);
		natsConnection_Destroy(nc);
		nats_Close();
		return 0;
	}
	if (strcmp(argv[2], "auth") == 0) {
		nc = dial(false, (const char **)argv + 3, &why);
		if (nc == NULL)
			printf("auth %s: error %s\n", argc > 3 ? argv[3] :
			    "none", plain(why));
		else {
			natsStatus st = natsConnection_FlushTimeout(nc, 2000);

			printf("auth %s: %s\n", argc > 3 ? argv[3] : "none",
			    natsStatus_GetText(st));
			natsConnection_Destroy(nc);
		}
		nats_Close();
		return 0;
	}
	if ((nc = dial(false, NULL, &why)) == NULL) {
		printf("connect: %s\n", plain(why));
		nats_Close();
		return 0;
	}
	c_pubsub(nc);
	c_wildcards(nc);
	c_queue(nc);
	c_request(nc);
	c_headers(nc);
	c_maxpayload(nc);
	natsConnection_Destroy(nc);
	c_subjects(false);
	c_subjects(true);
	nats_Close();
	return 0;
}
