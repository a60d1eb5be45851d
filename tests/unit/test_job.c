/* test_job.c - req's result framing: the header block written and read
 * back */
#include "check.h"
#include "bus/job.h"

/* back: read hdr (len bytes) into *st and err */
static void
back(const char *hdr, size_t len, int *st, char *err, size_t errlen)
{
	job_result_read((struct proto_str){ hdr, len }, st, err, errlen);
}

int
main(void)
{
	char hdr[256], err[8];
	size_t h;
	int st;

	h = job_result_hdr(hdr, sizeof(hdr), 0, NULL, NULL);
	CHECK(h < sizeof(hdr));
	CHECK_STR(hdr, "NATS/1.0\r\nIpctool-Status: 0\r\n\r\n");
	back(hdr, h, &st, err, sizeof(err));
	CHECK_INT(st, 0);
	CHECK_STR(err, "");

	h = job_result_hdr(hdr, sizeof(hdr), 137, NULL, "KILL");
	CHECK_STR(hdr, "NATS/1.0\r\nIpctool-Status: 137\r\n"
	    "Ipctool-Signal: KILL\r\n\r\n");
	back(hdr, h, &st, err, sizeof(err));
	CHECK_INT(st, 137);

	/* a reason wins over the signal, and is cut on a character */
	h = job_result_hdr(hdr, sizeof(hdr), JOB_ST_TIMEOUT,
	    "d\xc3\xa9lai\xc3\xa9", "KILL");
	CHECK_STR(hdr, "NATS/1.0\r\nIpctool-Status: 124\r\n"
	    "Ipctool-Error: d\xc3\xa9lai\xc3\xa9\r\n\r\n");
	back(hdr, h, &st, err, sizeof(err));
	CHECK_INT(st, 124);
	CHECK_STR(err, "d\xc3\xa9lai");
	back(hdr, h, &st, err, 1);
	CHECK_STR(err, "");

	/* as snprintf: the length it needs */
	CHECK_INT(job_result_hdr(hdr, 4, 0, NULL, NULL),
	    strlen("NATS/1.0\r\nIpctool-Status: 0\r\n\r\n"));

	/* no headers, or a status out of range: 0 */
	back("", 0, &st, err, sizeof(err));
	CHECK_INT(st, 0);
	CHECK_STR(err, "");
	back("NATS/1.0\r\nIpctool-Status: 256\r\n\r\n", 33, &st, err,
	    sizeof(err));
	CHECK_INT(st, 0);
	back("NATS/1.0\r\nipctool-status:  7 \r\n\r\n", 33, &st, err,
	    sizeof(err));
	CHECK_INT(st, 7);
	return check_done();
}
