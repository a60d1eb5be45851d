/* nats_requester.c - a libnats requester for the interop tests: sends
 * PAYLOAD as a request on SUBJECT and prints the reply and its
 * Ipctool-Status header ("RESULT status=N"); exit 69 on no responders.
 * Usage: nats_requester URL SUBJECT PAYLOAD */
#include <stdio.h>
#include <string.h>
#include <nats/nats.h>

int
main(int argc, char **argv)
{
	natsConnection *nc = NULL;
	natsMsg *reply = NULL;
	const char *st = NULL;
	natsStatus s;
	int len;

	if (argc != 4) {
		fprintf(stderr, "usage: nats_requester URL SUBJECT PAYLOAD\n");
		return 64;
	}
	s = natsConnection_ConnectTo(&nc, argv[1]);
	if (s == NATS_OK)
		s = natsConnection_RequestString(&reply, nc, argv[2], argv[3],
		    5000);
	if (s == NATS_NO_RESPONDERS)
		return 69;
	if (s != NATS_OK) {
		fprintf(stderr, "nats_requester: %s\n", natsStatus_GetText(s));
		return 1;
	}
	len = natsMsg_GetDataLength(reply);
	if (natsMsgHeader_Get(reply, "Ipctool-Status", &st) != NATS_OK)
		st = "none";
	printf("%.*s status=%s\n", len, natsMsg_GetData(reply), st);
	natsMsg_Destroy(reply);
	natsConnection_Destroy(nc);
	return 0;
}
