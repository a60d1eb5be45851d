/* nats_pubsub.c - a real NATS client (libnats) checks a broker: plain
 * publish/subscribe with wildcards, headers, queue groups, request/reply
 * and the no-responders status. Prints one line per scenario, exits 0
 * when every scenario gave what NATS promises.
 * Usage: nats_pubsub URL [TOKEN] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nats/nats.h>

#define CHECK(x) do { natsStatus s_ = (x); if (s_ != NATS_OK) { \
	fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #x, \
	    natsStatus_GetText(s_)); exit(1); } } while (0)

static const char *url, *token;

/* connect_to: a new connection to the broker under test */
static natsConnection *
connect_to(const char *name)
{
	natsOptions *o;
	natsConnection *nc;

	CHECK(natsOptions_Create(&o));
	CHECK(natsOptions_SetURL(o, url));
	CHECK(natsOptions_SetName(o, name));
	if (token != NULL)
		CHECK(natsOptions_SetToken(o, token));
	CHECK(natsConnection_Connect(&nc, o));
	natsOptions_Destroy(o);
	return nc;
}

/* pubsub: 100 messages in order to a '>' subscriber, and only the
 * matching ones to a '*' subscriber; returns failures */
static int
pubsub(natsConnection *a, natsConnection *b)
{
	natsSubscription *all, *star;
	natsMsg *m;
	char want[32];
	int i, bad = 0, nstar = 0;

	CHECK(natsConnection_SubscribeSync(&all, a, "t.>"));
	CHECK(natsConnection_SubscribeSync(&star, a, "t.*.z"));
	CHECK(natsConnection_Flush(a));
	for (i = 0; i < 100; i++) {
		snprintf(want, sizeof(want), "m%d", i);
		CHECK(natsConnection_PublishString(b, i % 2 ? "t.y.z" : "t.y",
		    want));
	}
	CHECK(natsConnection_Flush(b));
	for (i = 0; i < 100; i++) {
		snprintf(want, sizeof(want), "m%d", i);
		CHECK(natsSubscription_NextMsg(&m, all, 5000));
		bad += strcmp(natsMsg_GetData(m), want) != 0;
		natsMsg_Destroy(m);
	}
	while (natsSubscription_NextMsg(&m, star, 200) == NATS_OK) {
		nstar++;
		bad += strcmp(natsMsg_GetSubject(m), "t.y.z") != 0;
		natsMsg_Destroy(m);
	}
	printf("pubsub 100 in order, %d via t.*.z, %d wrong\n", nstar, bad);
	natsSubscription_Destroy(all);
	natsSubscription_Destroy(star);
	return bad + (nstar != 50);
}

/* headers: a header set by the publisher reaches the subscriber */
static int
headers(natsConnection *a, natsConnection *b)
{
	natsSubscription *s;
	natsMsg *m, *got;
	const char *v = NULL;
	int bad;

	CHECK(natsConnection_SubscribeSync(&s, a, "h"));
	CHECK(natsConnection_Flush(a));
	CHECK(natsMsg_Create(&m, "h", NULL, "body", 4));
	CHECK(natsMsgHeader_Set(m, "X-Test", "yes"));
	CHECK(natsConnection_PublishMsg(b, m));
	CHECK(natsSubscription_NextMsg(&got, s, 5000));
	CHECK(natsMsgHeader_Get(got, "X-Test", &v));
	bad = strcmp(v, "yes") != 0 || strcmp(natsMsg_GetData(got), "body");
	printf("headers X-Test: %s, data %s\n", v, natsMsg_GetData(got));
	natsMsg_Destroy(m);
	natsMsg_Destroy(got);
	natsSubscription_Destroy(s);
	return bad;
}

/* queue: 300 messages split over three members of one group, each
 * message once */
static int
queue(natsConnection *a, natsConnection *b)
{
	natsSubscription *q[3];
	natsMsg *m;
	char seen[300] = { 0 };
	int i, n[3] = { 0 }, dup = 0, total = 0;

	for (i = 0; i < 3; i++)
		CHECK(natsConnection_QueueSubscribeSync(&q[i], a, "q", "g"));
	CHECK(natsConnection_Flush(a));
	for (i = 0; i < 300; i++) {
		char d[16];

		snprintf(d, sizeof(d), "%d", i);
		CHECK(natsConnection_PublishString(b, "q", d));
	}
	CHECK(natsConnection_Flush(b));
	for (i = 0; i < 3; i++)
		while (natsSubscription_NextMsg(&m, q[i], 300) == NATS_OK) {
			int k = atoi(natsMsg_GetData(m));

			dup += seen[k]++ > 0;
			n[i]++;
			total++;
			natsMsg_Destroy(m);
		}
	printf("queue %d delivered, %d duplicates, every member used: %s\n",
	    total, dup, n[0] && n[1] && n[2] ? "yes" : "no");
	for (i = 0; i < 3; i++)
		natsSubscription_Destroy(q[i]);
	return (total != 300) + dup + !(n[0] && n[1] && n[2]);
}

/* echo_back: the responder's callback */
static void
echo_back(natsConnection *nc, natsSubscription *sub, natsMsg *m, void *arg)
{
	char r[128];

	snprintf(r, sizeof(r), "re:%s", natsMsg_GetData(m));
	natsConnection_PublishString(nc, natsMsg_GetReply(m), r);
	natsMsg_Destroy(m);
}

/* request: a request is answered; one to nobody gets no-responders */
static int
request(natsConnection *a, natsConnection *b)
{
	natsSubscription *s;
	natsMsg *r = NULL;
	natsStatus st;
	int bad;

	CHECK(natsConnection_Subscribe(&s, a, "svc", echo_back, NULL));
	CHECK(natsConnection_Flush(a));
	CHECK(natsConnection_RequestString(&r, b, "svc", "ping", 5000));
	bad = strcmp(natsMsg_GetData(r), "re:ping") != 0;
	printf("request reply %s\n", natsMsg_GetData(r));
	natsMsg_Destroy(r);
	r = NULL;
	st = natsConnection_RequestString(&r, b, "nobody", "x", 5000);
	printf("request to nobody: %s\n", natsStatus_GetText(st));
	natsSubscription_Destroy(s);
	return bad + (st != NATS_NO_RESPONDERS);
}

int
main(int argc, char **argv)
{
	natsConnection *a, *b;
	int bad = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: nats_pubsub URL [TOKEN]\n");
		return 64;
	}
	url = argv[1];
	token = argc > 2 && argv[2][0] != '\0' ? argv[2] : NULL;
	a = connect_to("nats_pubsub-a");
	b = connect_to("nats_pubsub-b");
	bad += pubsub(a, b);
	bad += headers(a, b);
	bad += queue(a, b);
	bad += request(a, b);
	natsConnection_Destroy(a);
	natsConnection_Destroy(b);
	nats_Close();
	return bad != 0;
}
