/* nats_load.c - load through a broker with libnats: 8 publishers x 10,000
 * messages to 4 subscribers (each must get all 80,000, in order per
 * publisher), or to a queue group of 4 (80,000 split, none lost or
 * duplicated). Prints one line per subscriber and a summary; exits 0
 * when nothing was lost, duplicated or reordered.
 * Usage: nats_load URL TOKEN fanout|queue */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nats/nats.h>

#define NPUB	8
#define NMSG	10000
#define NSUB	4
#define TOTAL	(NPUB * NMSG)

#define CHECK(x) do { natsStatus s_ = (x); if (s_ != NATS_OK) { \
	fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #x, \
	    natsStatus_GetText(s_)); exit(1); } } while (0)

static const char *url, *token;
static bool queue_mode;

struct counter {
	pthread_mutex_t	mu;
	int		n, bad;
	int		next[NPUB];	/* fanout: expected sequence */
};

static struct counter subs[NSUB];
static unsigned char seen[TOTAL];	/* queue: deliveries of each */
static pthread_mutex_t seen_mu = PTHREAD_MUTEX_INITIALIZER;

static natsConnection *
connect_to(void)
{
	natsOptions *o;
	natsConnection *nc;

	CHECK(natsOptions_Create(&o));
	CHECK(natsOptions_SetURL(o, url));
	if (token != NULL)
		CHECK(natsOptions_SetToken(o, token));
	CHECK(natsConnection_Connect(&nc, o));
	natsOptions_Destroy(o);
	return nc;
}

/* on_msg: count one delivery; payload "P S" (publisher, sequence) */
static void
on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *m, void *arg)
{
	struct counter *c = arg;
	int p, s;

	if (sscanf(natsMsg_GetData(m), "%d %d", &p, &s) != 2 || p < 0 ||
	    p >= NPUB || s < 0 || s >= NMSG) {
		c->bad++;
		natsMsg_Destroy(m);
		return;
	}
	pthread_mutex_lock(&c->mu);
	c->n++;
	if (!queue_mode) {
		c->bad += c->next[p] != s;
		c->next[p] = s + 1;
	}
	pthread_mutex_unlock(&c->mu);
	if (queue_mode) {
		pthread_mutex_lock(&seen_mu);
		seen[p * NMSG + s]++;
		pthread_mutex_unlock(&seen_mu);
	}
	natsMsg_Destroy(m);
}

/* publisher: one connection, NMSG messages, then a flush */
static void *
publisher(void *arg)
{
	int p = (int)(long)arg, s;
	natsConnection *nc = connect_to();
	char d[32];

	for (s = 0; s < NMSG; s++) {
		snprintf(d, sizeof(d), "%d %d", p, s);
		CHECK(natsConnection_PublishString(nc, "load", d));
	}
	CHECK(natsConnection_FlushTimeout(nc, 30000));
	natsConnection_Destroy(nc);
	return NULL;
}

/* received: deliveries so far */
static int
received(void)
{
	int i, n = 0;

	for (i = 0; i < NSUB; i++) {
		pthread_mutex_lock(&subs[i].mu);
		n += subs[i].n;
		pthread_mutex_unlock(&subs[i].mu);
	}
	return n;
}

int
main(int argc, char **argv)
{
	natsConnection *sc[NSUB];
	natsSubscription *ss[NSUB];
	pthread_t pt[NPUB];
	int i, want, waited, lost = 0, dup = 0, bad = 0;

	if (argc != 4) {
		fprintf(stderr, "usage: nats_load URL TOKEN fanout|queue\n");
		return 64;
	}
	url = argv[1];
	token = argv[2][0] != '\0' ? argv[2] : NULL;
	queue_mode = strcmp(argv[3], "queue") == 0;
	for (i = 0; i < NSUB; i++) {
		pthread_mutex_init(&subs[i].mu, NULL);
		sc[i] = connect_to();
		if (queue_mode)
			CHECK(natsConnection_QueueSubscribe(&ss[i], sc[i],
			    "load", "workers", on_msg, &subs[i]));
		else
			CHECK(natsConnection_Subscribe(&ss[i], sc[i], "load",
			    on_msg, &subs[i]));
		CHECK(natsSubscription_SetPendingLimits(ss[i], -1, -1));
		CHECK(natsConnection_Flush(sc[i]));
	}
	for (i = 0; i < NPUB; i++)
		pthread_create(&pt[i], NULL, publisher, (void *)(long)i);
	for (i = 0; i < NPUB; i++)
		pthread_join(pt[i], NULL);
	want = queue_mode ? TOTAL : TOTAL * NSUB;
	for (waited = 0; received() < want && waited < 30000; waited += 10)
		usleep(10000);
	usleep(200000);		/* late duplicates would show now */
	for (i = 0; i < NSUB; i++) {
		printf("subscriber %d: %d messages\n", i, subs[i].n);
		bad += subs[i].bad;
		if (!queue_mode && subs[i].n != TOTAL)
			lost++;
	}
	if (queue_mode) {
		for (i = 0; i < TOTAL; i++) {
			lost += seen[i] == 0;
			dup += seen[i] > 1;
		}
		printf("queue group: %d delivered, %d lost, %d duplicated\n",
		    received(), lost, dup);
	} else
		printf("fanout: %d of %d delivered, %d out of order\n",
		    received(), want, bad);
	for (i = 0; i < NSUB; i++) {
		natsSubscription_Destroy(ss[i]);
		natsConnection_Destroy(sc[i]);
	}
	nats_Close();
	return lost + dup + bad != 0;
}
