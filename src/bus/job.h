/* job.h - how req frames a job's result on the bus: the payload is the
 * command's stdout, NATS headers carry its exit status and, when it did
 * not run to an exit, why */
#ifndef IPCTOOL_BUS_JOB_H
#define IPCTOOL_BUS_JOB_H

#include <stddef.h>

#include "bus/proto.h"

#define JOB_HDR_STATUS	"Ipctool-Status"	/* 0..255 */
#define JOB_HDR_ERROR	"Ipctool-Error"		/* why it did not run */
#define JOB_HDR_SIGNAL	"Ipctool-Signal"	/* the signal that killed it */

/* Statuses a worker reports for jobs that did not run to an exit */
#define JOB_ST_TIMEOUT	124	/* killed after --timeout (as timeout(1)) */
#define JOB_ST_FAILED	125	/* the worker could not run it or reply */
#define JOB_ST_NOEXEC	126	/* found but not executable */
#define JOB_ST_NOTFOUND	127	/* command not found */

/* job_result_hdr: the header block of a result with status, why (NULL:
 * none) and sig (the name of the signal that killed the job, or NULL;
 * left out when there is a why) into buf; returns the length it needs,
 * as the proto_hdr_* functions do (it fits when below size) */
size_t job_result_hdr(char *buf, size_t size, int status, const char *why,
    const char *sig);

/* job_result_read: the status and the reason of a result from its
 * header block hdr (may be empty): *status 0 without a valid status
 * header, error "" without a reason (cut to errlen - 1 bytes, on a
 * character boundary) */
void job_result_read(struct proto_str hdr, int *status, char *error,
    size_t errlen);

#endif
