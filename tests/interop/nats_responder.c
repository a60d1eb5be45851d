/* nats_responder.c - a libnats responder for the interop tests: answers
 * every request on SUBJECT with "libnats: " and the request's payload;
 * prints "ready" on stderr once subscribed. Usage: nats_responder URL SUBJECT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <nats/nats.h>

static void
on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *arg)
{
	char buf[4096];
	int n;

	(void)sub;
	(void)arg;
	if (natsMsg_GetReply(msg) != NULL) {
		n = snprintf(buf, sizeof(buf), "libnats: %.*s",
		    natsMsg_GetDataLength(msg), natsMsg_GetData(msg));
		natsConnection_Publish(nc, natsMsg_GetReply(msg), buf, n);
	}
	natsMsg_Destroy(msg);
}

int
main(int argc, char **argv)
{
	natsConnection *nc = NULL;
	natsSubscription *sub = NULL;
	natsStatus s;

	if (argc != 3) {
		fprintf(stderr, "usage: nats_responder URL SUBJECT\n");
		return 64;
	}
	s = natsConnection_ConnectTo(&nc, argv[1]);
	if (s == NATS_OK)
		s = natsConnection_Subscribe(&sub, nc, argv[2], on_msg, NULL);
	if (s == NATS_OK)
		s = natsConnection_Flush(nc);
	if (s != NATS_OK) {
		fprintf(stderr, "nats_responder: %s\n", natsStatus_GetText(s));
		return 69;
	}
	fprintf(stderr, "ready\n");
	for (;;)
		nats_Sleep(1000);
}
