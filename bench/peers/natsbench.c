/* natsbench.c - the libnats client of the bus and job benchmarks, the same
 * program against every NATS broker (the embedded one, nats-server):
 *   natsbench pubsub URL N SUBS SIZE   SUBS subscriber connections, then
 *                                      one publisher sends N messages of
 *                                      SIZE bytes; ends when every
 *                                      subscriber has all N
 *   natsbench serve URL SUBJECT        a responder: echoes each request
 *   natsbench req URL SUBJECT N WINDOW N requests, at most WINDOW in flight
 *                                      (1: synchronous round trips)
 *   natsbench rtt URL SUBJECT N        N synchronous requests, each timed:
 *                                      their percentiles as one JSON line
 *                                      (../limits/lat.h)
 * Exit 0 when everything arrived, 75 after 100 s without it, 1 on error. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nats/nats.h>

#include "../limits/lat.h"

#define DEADLINE_S 100

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

/* connect_to: a connection to url; asap: every publish written at once
 * (for round trips) rather than buffered (for throughput) */
static natsConnection *
connect_to(const char *url, bool asap)
{
	natsOptions *o;
	natsConnection *nc;

	check(natsOptions_Create(&o), "options");
	check(natsOptions_SetSendAsap(o, asap), "send asap");
	check(natsOptions_SetURL(o, url), "url");
	check(natsOptions_SetAllowReconnect(o, false), "reconnect");
	check(natsConnection_Connect(&nc, o), url);
	natsOptions_Destroy(o);
	return nc;
}

/* pubsub: see the header; returns the exit status */
static int
pubsub(const char *url, long n, int subs, size_t size)
{
	natsConnection *pub, **snc = calloc((size_t)subs, sizeof(*snc));
	natsSubscription **ss = calloc((size_t)subs, sizeof(*ss));
	long *counts = calloc((size_t)subs, sizeof(*counts));
	char *data = malloc(size);

	if (snc == NULL || ss == NULL || counts == NULL || data == NULL)
		return 1;
	memset(data, 'x', size);
	for (int i = 0; i < subs; i++) {
		snc[i] = connect_to(url, false);
		check(natsConnection_Subscribe(&ss[i], snc[i], "bench.pubsub",
		    on_msg, &counts[i]), "subscribe");
		check(natsSubscription_SetPendingLimits(ss[i], -1, -1),
		    "pending limits");
		check(natsConnection_Flush(snc[i]), "flush subscription");
	}
	pub = connect_to(url, false);
	for (long i = 0; i < n; i++)
		check(natsConnection_Publish(pub, "bench.pubsub", data,
		    (int)size), "publish");
	check(natsConnection_Flush(pub), "flush");
	if (wait_for(n * subs) == -1) {
		fprintf(stderr, "natsbench: %ld of %ld messages arrived\n",
		    received, n * subs);
		return 75;
	}
	for (int i = 0; i < subs; i++) {
		natsSubscription_Destroy(ss[i]);
		natsConnection_Destroy(snc[i]);
	}
	natsConnection_Destroy(pub);
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
	if (argc == 6 && strcmp(argv[1], "pubsub") == 0)
		return pubsub(argv[2], atol(argv[3]), atoi(argv[4]),
		    (size_t)atol(argv[5]));
	if (argc == 4 && strcmp(argv[1], "serve") == 0)
		return serve(argv[2], argv[3]);
	if (argc == 6 && strcmp(argv[1], "req") == 0 && atol(argv[5]) > 0)
		return req(argv[2], argv[3], atol(argv[4]), atol(argv[5]));
	if (argc == 5 && strcmp(argv[1], "rtt") == 0 && atol(argv[4]) > 0)
		return rtt(argv[2], argv[3], atol(argv[4]));
	fprintf(stderr, "usage: natsbench pubsub URL N SUBS SIZE\n"
	    "       natsbench serve URL SUBJECT\n"
	    "       natsbench req URL SUBJECT N WINDOW\n"
	    "       natsbench rtt URL SUBJECT N\n");
	return 64;
}
