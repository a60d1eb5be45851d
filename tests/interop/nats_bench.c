/* nats_bench.c - throughput of a broker measured with libnats: one
 * publisher sends N messages of SIZE bytes to NSUBS subscribers (one
 * connection each); prints the messages per second the publisher sent
 * and the rate at which the last subscriber had them all.
 * Usage: nats_bench URL TOKEN NSUBS N SIZE */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nats/nats.h>

#define MAXSUB	16

#define CHECK(x) do { natsStatus s_ = (x); if (s_ != NATS_OK) { \
	fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #x, \
	    natsStatus_GetText(s_)); exit(1); } } while (0)

static atomic_long counts[MAXSUB];

static void
on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *m, void *arg)
{
	atomic_fetch_add((atomic_long *)arg, 1);
	natsMsg_Destroy(m);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static natsConnection *
connect_to(const char *url, const char *token)
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

int
main(int argc, char **argv)
{
	natsConnection *pub, *sc[MAXSUB];
	natsSubscription *ss[MAXSUB];
	const char *token;
	char *data;
	long n, i, done;
	int nsub, size, k;
	double t0, tpub, tall;

	if (argc != 6) {
		fprintf(stderr, "usage: nats_bench URL TOKEN NSUBS N SIZE\n");
		return 64;
	}
	token = argv[2][0] != '\0' ? argv[2] : NULL;
	nsub = atoi(argv[3]);
	n = atol(argv[4]);
	size = atoi(argv[5]);
	if (nsub < 1 || nsub > MAXSUB || n < 1 || size < 0)
		return 64;
	data = calloc(1, size + 1);
	memset(data, 'x', size);
	for (k = 0; k < nsub; k++) {
		sc[k] = connect_to(argv[1], token);
		CHECK(natsConnection_Subscribe(&ss[k], sc[k], "bench", on_msg,
		    &counts[k]));
		CHECK(natsSubscription_SetPendingLimits(ss[k], -1, -1));
		CHECK(natsConnection_Flush(sc[k]));
	}
	pub = connect_to(argv[1], token);
	t0 = now();
	for (i = 0; i < n; i++)
		CHECK(natsConnection_Publish(pub, "bench", data, size));
	CHECK(natsConnection_FlushTimeout(pub, 60000));
	tpub = now() - t0;
	for (;;) {
		for (done = 0, k = 0; k < nsub; k++)
			done += atomic_load(&counts[k]) >= n;
		if (done == nsub || now() - t0 > 120)
			break;
		usleep(1000);
	}
	tall = now() - t0;
	for (k = 0; k < nsub; k++)
		if (atomic_load(&counts[k]) != n) {
			fprintf(stderr, "subscriber %d got %ld of %ld\n", k,
			    atomic_load(&counts[k]), n);
			return 1;
		}
	printf("%d sub(s) %ld msgs %d B: publish %.0f msgs/s, delivered "
	    "%.0f msgs/s per subscriber (%.0f total)\n", nsub, n, size,
	    n / tpub, n / tall, n * nsub / tall);
	for (k = 0; k < nsub; k++) {
		natsSubscription_Destroy(ss[k]);
		natsConnection_Destroy(sc[k]);
	}
	natsConnection_Destroy(pub);
	nats_Close();
	free(data);
	return 0;
}
