/* relay.h - a full-duplex byte relay between a local input/output pair and
 * a connected stream socket, with splice(2) through pipes when the kernel
 * allows it and that is faster, and a plain buffer otherwise */
#ifndef IPCTOOL_RELAY_H
#define IPCTOOL_RELAY_H

#include <stdbool.h>
#include <stdint.h>

struct relay_opts {
	bool half_close;	/* shutdown(SHUT_WR) on the socket at input EOF */
	int64_t idle_ms;	/* give up after this long without traffic; -1 never */
	bool input_after_eof;	/* go on sending input after the socket's
				 * read side ended (until input EOF or EPIPE) */
};

struct relay_stats {
	uint64_t sent;		/* input to socket */
	uint64_t received;	/* socket to output */
	bool spliced;		/* at least one direction moved its bytes
				 * with splice(2) (TCP is written with
				 * write(2), which is faster there) */
	int up_error;		/* errno of a failed write of input to the
				 * socket (ECONNRESET, EPIPE: the peer
				 * stopped reading), 0 when none */
	bool out_failed;	/* the error returned is a failed write to
				 * out, not one of the socket */
};

/* relay_stream: copy in to sock and sock to out until the socket's read
 * side ends and everything read from it is written out (and, with
 * input_after_eof, until the input is sent too); in may be -1 (no
 * input: the socket is half-closed at once when half_close is set).
 * Never blocks one direction on the other, so an echoing peer cannot
 * deadlock it. Returns 0, or -1 with errno: ETIMEDOUT when idle_ms
 * passed without traffic, EPIPE when out's reader went away, or the
 * error of the socket (ECONNRESET, ...); st->out_failed tells a failed
 * write to out from an error of the socket. A failed write of input to
 * the socket stops the input only (what the peer sent still comes
 * down) and is kept in st->up_error. *st (may be NULL) gets counts. */
int relay_stream(int in, int sock, int out, const struct relay_opts *o,
    struct relay_stats *st);

#endif
