/* frame.h - messages on byte streams: newline-delimited (default),
 * NUL-delimited (-0) or raw chunks; a maximum message size */
#ifndef IPCTOOL_FRAME_H
#define IPCTOOL_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum frame_mode {
	FRAME_LINE = 0,
	FRAME_NUL,
	FRAME_RAW,
};

#define FRAME_MAX_DEFAULT	(1024 * 1024)	/* 1 MiB per message */
#define FRAME_RAW_CHUNK		(128 * 1024)

struct frame_reader {
	int fd;
	enum frame_mode mode;
	size_t max;		/* largest message, without its delimiter */
	char *buf;
	size_t cap, start, end, scan;
	bool eof;
	/* what reads instead of read(2) on fd when set (TLS: tls_read);
	 * the same contract as read(2) */
	ssize_t (*read)(void *arg, void *buf, size_t len);
	void *read_arg;
};

/* frame_delim: the delimiter byte of mode ('\n' or '\0'); -1 for raw */
int frame_delim(enum frame_mode mode);

/* frame_reader_init: read messages from fd; -1 with errno ENOMEM */
int frame_reader_init(struct frame_reader *r, int fd, enum frame_mode mode,
    size_t max);
void frame_reader_free(struct frame_reader *r);

/* frame_next: take the next whole message out of what was read so far
 * (without its delimiter; a last message without one at end of file
 * counts); returns 1 with msg and len set, 0 when more input is needed or
 * at end of file (check r->eof), -1 with errno EMSGSIZE when a message
 * is longer than r->max. *msg stays valid until the next call. */
int frame_next(struct frame_reader *r, char **msg, size_t *len);

/* frame_fill: one read(2) (or r->read) into the buffer; returns bytes read, 0 at end
 * of file, -1 with errno (EAGAIN on a nonblocking fd with no data) */
ssize_t frame_fill(struct frame_reader *r);

/* frame_fill_max: the same, reading at most max bytes (a reader that must
 * not take more from the fd than it will use, e.g. after tee(2) told it
 * where the next messages end); max 0 reads nothing and returns 0 without
 * setting eof */
ssize_t frame_fill_max(struct frame_reader *r, size_t max);

/* frame_read: the next message, reading as needed (blocking fd): 1 with
 * a message, 0 at end of file, -1 with errno */
int frame_read(struct frame_reader *r, char **msg, size_t *len);

/* frame_write: write msg and its delimiter; a message of at most
 * PIPE_BUF bytes (delimiter included) goes out in one writev(2), so
 * concurrent writers to one pipe never interleave. Returns 0 or -1. */
int frame_write(int fd, enum frame_mode mode, const char *msg, size_t len);

#endif
