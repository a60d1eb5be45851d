/* job.c - the framing of req's results: an exit status and a reason in
 * NATS headers (HPUB), read back by the caller */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "bus/job.h"

size_t
job_result_hdr(char *buf, size_t size, int status, const char *why,
    const char *sig)
{
	char num[16];
	size_t h;

	snprintf(num, sizeof(num), "%d", status);
	h = proto_hdr_start(buf, size, 0, NULL);
	h = proto_hdr_add(buf, size, h, JOB_HDR_STATUS, num);
	if (why)
		h = proto_hdr_add(buf, size, h, JOB_HDR_ERROR, why);
	else if (sig)
		h = proto_hdr_add(buf, size, h, JOB_HDR_SIGNAL, sig);
	return proto_hdr_end(buf, size, h);
}

void
job_result_read(struct proto_str hdr, int *status, char *error,
    size_t errlen)
{
	struct proto_str v;
	uint64_t st;
	size_t n;

	*status = 0;
	if (proto_hdr_get(hdr, JOB_HDR_STATUS, &v) &&
	    proto_parse_uint(v, &st) == 0 && st <= 255)
		*status = (int)st;
	if (errlen == 0)
		return;
	n = 0;
	if (proto_hdr_get(hdr, JOB_HDR_ERROR, &v)) {
		n = utf8_cut(v.p, v.len, errlen - 1);
		memcpy(error, v.p, n);
	}
	error[n] = '\0';
}
