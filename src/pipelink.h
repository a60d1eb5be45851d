/* pipelink.h - relays between pipes: a link copies one pipe into one or
 * more (splice(2), tee(2)); a merge interleaves many pipes into one by
 * whole messages */
#ifndef IPCTOOL_PIPELINK_H
#define IPCTOOL_PIPELINK_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PLINK_CHUNK	(1024 * 1024)	/* the most one splice(2) moves */
#define PMERGE_BUF	(64 * 1024)	/* per writer of a merge */

/* Where a link sends its data: a pipe to one reader */
struct plink_dst {
	int fd;			/* non-blocking */
	int tag;		/* the caller's name for its reader (a stage) */
	size_t got;		/* of the current chunk, by tee */
	bool teed;		/* tee done for the current chunk */
	bool dead;		/* the reader went away (EPIPE); fd closed */
	uint64_t bytes, msgs;
};

enum { PLINK_IDLE, PLINK_TEE, PLINK_WRITE, PLINK_DONE };

/* A link: one pipe in, one or more pipes out. The caller fills src, tag,
 * dst/ndst, tee, count, delim, devnull and on_gone (the rest zero), then
 * calls plink_step until phase is PLINK_DONE, polling wait_fd for
 * wait_ev in between. */
struct plink {
	int src;		/* non-blocking */
	int tag;		/* the caller's name for src's writer */
	struct plink_dst *dst;
	int ndst;
	bool tee;		/* tee(2) to every dst, then consume the chunk;
				 * false: splice(2) into dst[0] */
	bool count;		/* count messages: every chunk is read */
	char delim;		/* the message delimiter counted */
	int devnull;		/* /dev/null for O_WRONLY: chunks not read */
	/* a reader went away, left are still there (may be NULL) */
	void (*on_gone)(struct plink *l, struct plink_dst *d, int left,
	    void *arg);
	void *arg;
	uint64_t limit;		/* bytes moved at most, in all (a rate's
				 * budget, the caller raises it); 0 none.
				 * At it, the link waits on wait_fd -1 */

	int phase;		/* PLINK_IDLE ... PLINK_DONE */
	size_t chunk;		/* bytes of the chunk being handed out */
	char *buf;		/* the chunk, when it had to be read */
	bool traced;
	uint64_t bytes, msgs, calls;
	int64_t end_ms;		/* when it was done */
	int wait_fd;		/* what the link waits for */
	short wait_ev;
	const char *failed;	/* after -1: "splice from", "write to", ... */
	int failed_tag;		/* the tag failed names, or -1 */
	int failed_errno;
};

/* plink_step: move what can be moved without blocking; 0 (waiting for
 * wait_fd, or done: phase PLINK_DONE, every end closed), or -1 with
 * errno when a system call failed (failed and failed_tag say which) */
int plink_step(struct plink *l);

/* plink_finish: end the link: close every end, free its buffer */
void plink_finish(struct plink *l);

/* One writer of a merge */
struct pmerge_src {
	int fd;			/* non-blocking */
	int tag;		/* the caller's name for the writer */
	char *buf;		/* PMERGE_BUF bytes, the caller's malloc */
	size_t start, end;
	bool eof;
	uint64_t bytes, msgs;
	int64_t end_ms;
};

/* A merge: many pipes in, whole messages out. The caller fills src,
 * nsrc, dst, tag, delim and owner = -1 (the rest zero), then calls
 * pmerge_step until done. */
struct pmerge {
	struct pmerge_src *src;
	int nsrc;
	int dst;		/* non-blocking */
	int tag;		/* the caller's name for dst's reader */
	char delim;
	int owner;		/* source whose message is half out, or -1 */
	int rr;			/* round robin start */
	const char *out;
	size_t outlen;
	bool delim_next;	/* a delimiter to add after out */
	bool done;
	uint64_t bytes, msgs, reads, writes;
	int64_t end_ms;
	const char *failed;	/* after -1: "read from", "write to" */
	int failed_tag;
	int failed_errno;
};

/* pmerge_step: move whole messages from the writers to dst until
 * something would block, and append what to wait for to pf (*npf
 * entries; room for nsrc + 1 more); 0, or -1 with errno (see failed).
 * A writer that ends within a message gets a delimiter added; when
 * dst's reader goes away, or every writer is done, the merge is done. */
int pmerge_step(struct pmerge *m, struct pollfd *pf, int *npf);

/* pmerge_end: end the merge: close every end, free the buffers */
void pmerge_end(struct pmerge *m);

#endif
