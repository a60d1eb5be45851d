/* natsbench.c - the libnats client of the bus and job benchmarks, the same
 * program against every NATS broker (the embedded one, nats-server):
 *   natsbench pubsub URL N SUBS SIZE [PUBS]
 *                                      SUBS subscriber connections, then
 *                                      PUBS publishers (1; a connection
 *                                      and a thread each) send N messages
 *                                      of SIZE bytes in all; ends when
 *                                      every subscriber has all N, and
 *                                      prints deliveries per second from
 *                                      the first publish to the last
 *                                      delivery
 *   natsbench serve URL SUBJECT        a responder: echoes each request
 *   natsbench req URL SUBJECT N WINDOW N requests, at most WINDOW in flight
 *                                      (1: synchronous round trips)
 *   natsbench rtt URL SUBJECT N        N synchronous requests, each timed:
 *                                      their percentiles as one JSON line
 *                                      (../limits/lat.h)
 * Exit 0 when everything arrived, 75 after 60 s without it, 1 on error. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nats/nats.h>

#include "../limits/lat.h"

#define DEADLINE_S 60

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long received;		/* messages or replies taken, under mu */

/* check: exit 1 with the libnats message unless s is NATS_OK */
static void
check(natsStatus s, const char *what)
{
	if (s == NATS_OK)
		return;
	fprintf(stderr, "natsbench: %s: %s\n", what, natsStatus_GetText(s));
	exit(1);
}

/* on_msg: count one delivered message */
static void
on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *arg)
{
	long *mine = arg;

	natsMsg_Destroy(msg);
	pthread_mutex_lock(&mu);
	(*mine)++;
	received++;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

/* wait_for: until received reaches want; 0, or -1 after DEADLINE_S */
static int
wait_for(long want)
{
	struct timespec ts;
	int rc = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += DEADLINE_S;
	pthread_mutex_lock(&mu);
	while (received < want && rc == 0)
		rc = pthread_cond_timedwait(&cv, &mu, &ts);
	rc = received >= want ? 0 : -1;
	pthread_mutex_unlock(&mu);
	return rc;
}

/* many subscriptions share libnats' delivery threads rather than
 * having one each */
static bool global_delivery;

/* connect_to: a connection to url; asap: every publish written at once
 * (for round trips) rather than buffered (for throughput) */
static natsConnection *
connect_to(const char *url, bool asap)
{
	natsOptions *o;
	natsConnection *nc;

	check(natsOptions_Create(&o), "options");
	check(natsOptions_UseGlobalMessageDelivery(o, global_delivery),
	    "global delivery");
	check(natsOptions_SetSendAsap(o, asap), "send asap");
	check(natsOptions_SetURL(o, url), "url");
	check(natsOptions_SetAllowReconnect(o, false), "reconnect");
	check(natsConnection_Connect(&nc, o), url);
	natsOptions_Destroy(o);
	return nc;
}

struct publisher {
	pthread_t t;
	natsConnection *nc;
	long n;
	const char *data;
	size_t size;
};

/* publish: one publisher's share of the messages, then a flush */
static void *
publish(void *arg)
{
	struct publisher *p = arg;

	for (long i = 0; i < p->n; i++)
		check(natsConnection_Publish(p->nc, "bench.pubsub", p->data,
		    (int)p->size), "publish");
	check(natsConnection_FlushTimeout(p->nc, DEADLINE_S * 1000), "flush");
	return NULL;
}

/* pubsub: see the header; returns the exit status */
static int
pubsub(const char *url, long n, int subs, size_t size, int pubs)
{
	struct publisher *pub = calloc((size_t)pubs, sizeof(*pub));
	natsConnection **snc = calloc((size_t)subs, sizeof(*snc));
	natsSubscription **ss = calloc((size_t)subs, sizeof(*ss));
	long *counts = calloc((size_t)subs, sizeof(*counts));
	char *data = malloc(size);
	struct timespec t0, t1;

	if (pub == NULL || snc == NULL || ss == NULL || counts == NULL ||
	    data == NULL)
		return 1;
	memset(data, 'x', size);
	global_delivery = subs > 16;
	nats_SetMessageDeliveryPoolSize(2);
	for (int i = 0; i < subs; i++) {
		snc[i] = connect_to(url, false);
		check(natsConnection_Subscribe(&ss[i], snc[i], "bench.pubsub",
		    on_msg, &counts[i]), "subscribe");
		check(natsSubscription_SetPendingLimits(ss[i], -1, -1),
		    "pending limits");
		check(natsConnection_Flush(snc[i]), "flush subscription");
	}
	for (int i = 0; i < pubs; i++) {
		pub[i].nc = connect_to(url, false);
		pub[i].n = n / pubs + (i < n % pubs);
		pub[i].data = data;
		pub[i].size = size;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < pubs; i++)
		if (pthread_create(&pub[i].t, NULL, publish, &pub[i]) != 0) {
			fprintf(stderr, "natsbench: pthread_create failed\n");
			return 1;
		}
	for (int i = 0; i < pubs; i++)
		pthread_join(pub[i].t, NULL);
	if (wait_for(n * subs) == -1) {
		fprintf(stderr, "natsbench: %ld of %ld messages arrived\n",
		    received, n * subs);
		return 75;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* deliveries per second, connecting and subscribing not counted */
	printf("%.1f\n", (double)(n * subs) / ((double)(t1.tv_sec -
	    t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9));
	fflush(stdout);
	for (int i = 0; i < subs; i++) {
		natsSubscription_Destroy(ss[i]);
		natsConnection_Destroy(snc[i]);
	}
	for (int i = 0; i < pubs; i++)
		natsConnection_Destroy(pub[i].nc);
	free(pub);
	free(snc);
	free(ss);
	free(counts);
	free(data);
	return 0;
}

/* on_request: answer with the request's own data */
static void
on_request(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *arg)
{
	const char *reply = natsMsg_GetReply(msg);

	if (reply != NULL)
		natsConnection_Publish(nc, reply, natsMsg_GetData(msg),
		    natsMsg_GetDataLength(msg));
	natsMsg_Destroy(msg);
}

/* serve: a responder on subject until killed */
static int
serve(const char *url, const char *subject)
{
	natsConnection *nc = connect_to(url, true);
	natsSubscription *s;

	check(natsConnection_QueueSubscribe(&s, nc, subject, "bench",
	    on_request, NULL), "subscribe");
	check(natsSubscription_SetPendingLimits(s, -1, -1), "pending limits");
	check(natsConnection_Flush(nc), "flush");
	printf("ready\n");
	fflush(stdout);
	for (;;)
		nats_Sleep(1000);
	return 0;
}

/* req: n requests with window in flight; returns the exit status */
static int
req(const char *url, const char *subject, long n, long window)
{
	natsConnection *nc = connect_to(url, true);
	natsSubscription *s;
	natsMsg *reply;
	char inbox[64];
	long mine = 0;

	if (window == 1) {
		for (long i = 0; i < n; i++) {
			check(natsConnection_Request(&reply, nc, subject, "job",
			    3, DEADLINE_S * 1000), "request");
			natsMsg_Destroy(reply);
		}
		return 0;
	}
	snprintf(inbox, sizeof(inbox), "_INBOX.bench.%ld", (long)getpid());
	check(natsConnection_Subscribe(&s, nc, inbox, on_msg, &mine),
	    "subscribe");
	check(natsSubscription_SetPendingLimits(s, -1, -1), "pending limits");
	for (long i = 0; i < n; i++) {
		pthread_mutex_lock(&mu);
		while (i - received >= window)
			pthread_cond_wait(&cv, &mu);
		pthread_mutex_unlock(&mu);
		check(natsConnection_PublishRequest(nc, subject, inbox, "job",
		    3), "publish request");
	}
	if (wait_for(n) == -1) {
		fprintf(stderr, "natsbench: %ld of %ld replies arrived\n",
		    received, n);
		return 75;
	}
	return 0;
}

/* rtt: n synchronous requests, the round trip of each recorded */
static int
rtt(const char *url, const char *subject, long n)
{
	natsConnection *nc = connect_to(url, true);
	natsMsg *reply;
	double t0;

	if (lat_init(n) == -1) {
		perror("natsbench: calloc");
		return 1;
	}
	for (long i = 0; i < n; i++) {
		t0 = lat_now_us();
		check(natsConnection_Request(&reply, nc, subject, "job", 3,
		    DEADLINE_S * 1000), "request");
		lat_add(lat_now_us() - t0);
		natsMsg_Destroy(reply);
	}
	lat_print();
	return 0;
}

int
main(int argc, char **argv)
{
	if ((argc == 6 || argc == 7) && strcmp(argv[1], "pubsub") == 0 &&
	    atoi(argv[4]) > 0 && (argc == 6 || atoi(argv[6]) > 0))
		return pubsub(argv[2], atol(argv[3]), atoi(argv[4]),
		    (size_t)atol(argv[5]), argc == 7 ? atoi(argv[6]) : 1);
	if (argc == 4 && strcmp(argv[1], "serve") == 0)
		return serve(argv[2], argv[3]);
	if (argc == 6 && strcmp(argv[1], "req") == 0 && atol(argv[5]) > 0)
		return req(argv[2], argv[3], atol(argv[4]), atol(argv[5]));
	if (argc == 5 && strcmp(argv[1], "rtt") == 0 && atol(argv[4]) > 0)
		return rtt(argv[2], argv[3], atol(argv[4]));
	fprintf(stderr, "usage: natsbench pubsub URL N SUBS SIZE [PUBS]\n"
	    "       natsbench serve URL SUBJECT\n"
	    "       natsbench req URL SUBJECT N WINDOW\n"
	    "       natsbench rtt URL SUBJECT N\n");
	return 64;
}
