/* applets/pipe.c - run commands connected by anonymous pipes: a chain, a
 * tee (fan-out), a merge by message (fan-in) or a cycle. Exercises
 * pipe2(2), F_SETPIPE_SZ/F_GETPIPE_SZ (fcntl(2)), fork(2)/execve(2) with
 * close-on-exec, splice(2), tee(2), signalfd(2), waitpid(2); see pipe(7). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "applet.h"
#include "die.h"
#include "io.h"
#include "sigs.h"
#include "out.h"
#include "parse.h"

static int pipe_main(int argc, char **argv);

enum {
	KEY_CYCLE = 256,
	KEY_FAN_IN,
	KEY_FAN_OUT,
	KEY_INFO,
	KEY_PROGRESS,
	KEY_RATE_LIMIT,
	KEY_SH,
	KEY_STATS,
	KEY_TOTAL,
};

static const struct opt pipe_opts[] = {
	{ .so = '0', .lo = "null", .arg = OPT_FLAG,
	  .help = "messages end with NUL, not newline" },
	{ .so = 'B', .lo = "size", .arg = OPT_SIZE, .meta = "BYTES",
	  .help = "pipe capacity (F_SETPIPE_SZ)" },
	{ .so = 't', .lo = "timeout", .arg = OPT_DURATION, .meta = "DUR",
	  .help = "stop the stages after DUR (exit 75)" },
	{ .lo = "cycle", .key = KEY_CYCLE,
	  .help = "two commands, each reading the other's output" },
	{ .lo = "fan-in", .key = KEY_FAN_IN,
	  .help = "merge all but the last into the last, by message" },
	{ .lo = "fan-out", .key = KEY_FAN_OUT,
	  .help = "copy the first one's output to every other" },
	{ .lo = "info", .key = KEY_INFO,
	  .help = "print PIPE_BUF and the pipe capacities" },
	{ .lo = "progress", .key = KEY_PROGRESS,
	  .help = "a live transfer line on stderr" },
	{ .lo = "rate-limit", .key = KEY_RATE_LIMIT, .arg = OPT_SIZE,
	  .meta = "RATE", .help = "move at most RATE bytes/s per pipe (pv -L)" },
	{ .lo = "sh", .key = KEY_SH,
	  .help = "run each command with sh -c" },
	{ .lo = "stats", .key = KEY_STATS,
	  .help = "bytes, messages and throughput per pipe" },
	{ .lo = "total", .key = KEY_TOTAL, .arg = OPT_SIZE, .meta = "SIZE",
	  .help = "--progress: SIZE expected, with % and ETA (pv -s)" },
	OPT_END
};

const struct applet applet_pipe = {
	.name = "pipe",
	.brief = "run commands connected by anonymous pipes",
	.usage = "pipe [OPTIONS] CMD [ARG...] [:: CMD [ARG...]]...\n"
	    "pipe [OPTIONS] --fan-out | --fan-in | --cycle CMD... :: CMD...\n"
	    "pipe --info",
	.opts = pipe_opts,
	.flags = APPLET_POSIX | APPLET_CMD,
	.main = pipe_main,
};

enum topology { CHAIN, FAN_OUT, FAN_IN, CYCLE };

#define MAX_PIPE_FILE	"/proc/sys/fs/pipe-max-size"
#define RELAY_CHUNK	(1024 * 1024)	/* the most one splice(2) moves */
#define MERGE_BUF	(64 * 1024)	/* per writer in --fan-in */
#define GRACE_MS	2000		/* SIGTERM to SIGKILL after a timeout */
#define TICK_MS		500		/* --progress refresh */
#define RATE_NAP_MS	10		/* a throttled relay looks again */

struct stage {
	char **argv;		/* NULL-terminated, inside our argv */
	int in, out;		/* fds for the child's 0 and 1, -1 inherit */
	pid_t pid;
	int status;		/* from waitpid */
	int exec_errno;		/* execve failed with this */
	bool reaped;
};

/* Where a relay sends its data: a pipe to one stage */
struct dst {
	int fd;
	int stage;		/* index into stages */
	size_t got;		/* of the current chunk, by tee */
	bool teed;		/* tee done for the current chunk */
	bool dead;
	uint64_t bytes, msgs;
};

/* A relay: one pipe in, one or more pipes out (tee/splice) */
struct link {
	int src;
	int from;		/* stage writing into src */
	struct dst *dst;
	int ndst;
	int phase;		/* L_IDLE, L_TEE, L_WRITE, L_DONE */
	size_t chunk;		/* bytes of the chunk being handed out */
	char *buf;		/* the chunk, when it had to be read */
	bool tee;		/* tee to every dst, then consume */
	bool report;		/* say when a consumer stops reading */
	bool traced;
	uint64_t bytes, msgs, calls;
	int64_t end_ms;
	int wait_fd;
	short wait_ev;
};

enum { L_IDLE, L_TEE, L_WRITE, L_DONE };

/* A merge: many pipes in, whole messages out (--fan-in) */
struct msrc {
	int fd;
	int stage;
	char *buf;
	size_t start, end;
	bool eof;
	uint64_t bytes, msgs;
	int64_t end_ms;
};

struct merge {
	struct msrc *src;
	int nsrc;
	int dst;
	int to;			/* the stage reading dst */
	int owner;		/* source whose message is half out, or -1 */
	int rr;			/* round robin start */
	const char *out;
	size_t outlen;
	bool delim_next;	/* a delimiter to add after out */
	bool done;
	uint64_t bytes, msgs, reads, writes;
	int64_t end_ms;
};

/* The whole run */
static struct {
	enum topology topo;
	bool sh, stats, progress, relay;
	char delim;
	uint64_t size;
	const char *size_arg;
	int64_t timeout_ms;
	const char *timeout_arg;
	struct stage *st;
	int nst;
	struct link *links;
	int nlinks;
	struct merge merge;
	bool has_merge;
	int devnull;
	int sigfd;
	int64_t start_ms;
	bool granted_said;
	uint64_t rate;		/* --rate-limit: bytes/s per relay, 0 none */
	uint64_t total;		/* --total: bytes expected, 0 unknown */
	int64_t wake_ms;	/* a throttled relay's next look, -1 none */
} R;

/* stage_name: the command of stage i for messages */
static const char *
stage_name(int i)
{
	return R.st[i].argv[0];
}

/* read_max_size: /proc/sys/fs/pipe-max-size in bytes, or -1 */
static long long
read_max_size(void)
{
	FILE *f = fopen(MAX_PIPE_FILE, "re");
	long long n = -1;

	if (f == NULL)
		return -1;
	if (fscanf(f, "%lld", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

/* do_info: print PIPE_BUF and the capacities; returns the exit status */
static int
do_info(void)
{
	int p[2], cap;
	long pb;
	long long max;

	if (out_trace_ret(pipe2(p, O_CLOEXEC), "pipe2(O_CLOEXEC)") == -1)
		err(EXIT_FAIL, "pipe2");
	pb = fpathconf(p[0], _PC_PIPE_BUF);
	out_trace("fpathconf(%d, _PC_PIPE_BUF) = %ld", p[0], pb);
	cap = (int)out_trace_ret(fcntl(p[0], F_GETPIPE_SZ),
	    "fcntl(%d, F_GETPIPE_SZ)", p[0]);
	if (cap == -1)
		err(EXIT_FAIL, "fcntl F_GETPIPE_SZ");
	close(p[0]);
	close(p[1]);
	max = read_max_size();
	printf("PIPE_BUF          %ld bytes (a write of at most this is atomic)\n",
	    pb);
	printf("default capacity  %d bytes\n", cap);
	if (max < 0)
		printf("maximum capacity  unknown (%s unreadable)\n",
		    MAX_PIPE_FILE);
	else
		printf("maximum capacity  %lld bytes (%s)\n", max,
		    MAX_PIPE_FILE);
	return 0;
}

/* make_pipe: a pipe, both ends close-on-exec, sized as asked; our ends
 * get O_NONBLOCK when the relay uses them. Dies on failure. */
static void
make_pipe(int p[2])
{
	if (out_trace_ret(pipe2(p, O_CLOEXEC), "pipe2(O_CLOEXEC)") == -1)
		err(EXIT_FAIL, "pipe2");
	out_trace("  -> read end %d, write end %d", p[0], p[1]);
	if (R.size) {
		int got = (int)out_trace_ret(fcntl(p[1], F_SETPIPE_SZ,
		    (int)R.size), "fcntl(%d, F_SETPIPE_SZ, %llu)", p[1],
		    (unsigned long long)R.size);

		if (got == -1)
			err(EXIT_FAIL, "set pipe size %s", R.size_arg);
		if (out_trace_on && !R.granted_said) {
			warnx("--size %s: the kernel granted %d bytes per "
			    "pipe", R.size_arg, got);
			R.granted_said = true;
		}
	}
}

/* our_end: make fd nonblocking for the relay; returns fd */
static int
our_end(int fd)
{
	if (io_set_nonblock(fd, true) == -1)
		err(EXIT_FAIL, "set O_NONBLOCK");
	return fd;
}

/* new_link: a relay from src (written by stage from) to n consumers */
static struct link *
new_link(int src, int from, int n)
{
	struct link *l = &R.links[R.nlinks++];

	memset(l, 0, sizeof(*l));
	l->src = our_end(src);
	l->from = from;
	l->dst = calloc((size_t)n, sizeof(*l->dst));
	if (l->dst == NULL)
		err(EXIT_FAIL, "allocate");
	l->tee = n > 1 || R.stats;
	return l;
}

/* add_dst: consumer fd (read by stage to) for link l */
static void
add_dst(struct link *l, int fd, int to)
{
	struct dst *d = &l->dst[l->ndst++];

	d->fd = our_end(fd);
	d->stage = to;
}

/* wire: create the pipes and relays of the topology */
static void
wire(void)
{
	int p[2], q[2], n = R.nst;

	for (int i = 0; i < n; i++)
		R.st[i].in = R.st[i].out = -1;
	R.links = calloc((size_t)n, sizeof(*R.links));
	if (R.links == NULL)
		err(EXIT_FAIL, "allocate");
	switch (R.topo) {
	case CHAIN:
	case CYCLE:
		for (int i = 0; i < n - 1 + (R.topo == CYCLE); i++) {
			int j = (i + 1) % n;

			make_pipe(p);
			R.st[i].out = p[1];
			if (!R.relay) {
				R.st[j].in = p[0];
				continue;
			}
			make_pipe(q);
			R.st[j].in = q[0];
			add_dst(new_link(p[0], i, 1), q[1], j);
		}
		break;
	case FAN_OUT: {
		struct link *l;

		make_pipe(p);
		R.st[0].out = p[1];
		l = new_link(p[0], 0, n - 1);
		l->report = true;
		for (int i = 1; i < n; i++) {
			make_pipe(q);
			R.st[i].in = q[0];
			add_dst(l, q[1], i);
		}
		break;
	}
	case FAN_IN: {
		struct merge *m = &R.merge;

		R.has_merge = true;
		m->src = calloc((size_t)n - 1, sizeof(*m->src));
		if (m->src == NULL)
			err(EXIT_FAIL, "allocate");
		m->owner = -1;
		for (int i = 0; i < n - 1; i++) {
			make_pipe(p);
			R.st[i].out = p[1];
			m->src[i].fd = our_end(p[0]);
			m->src[i].stage = i;
			m->src[i].buf = malloc(MERGE_BUF);
			if (m->src[i].buf == NULL)
				err(EXIT_FAIL, "allocate");
		}
		m->nsrc = n - 1;
		make_pipe(q);
		R.st[n - 1].in = q[0];
		m->dst = our_end(q[1]);
		m->to = n - 1;
		break;
	}
	}
}

/* child: in the forked child, put the pipe ends on 0 and 1 and execute
 * stage s; on failure write errno to errfd and exit 127 (126 when found
 * but not executable) */
static void __attribute__((noreturn))
child(struct stage *s, int errfd)
{
	int e;

	sigs_child();
	if ((s->in != -1 && dup2(s->in, 0) == -1) ||
	    (s->out != -1 && dup2(s->out, 1) == -1)) {
		e = errno;
		goto fail;
	}
	if (R.sh) {
		out_trace("execve(\"/bin/sh\", [\"sh\", \"-c\", \"%s\"])",
		    s->argv[0]);
		execl("/bin/sh", "sh", "-c", s->argv[0], (char *)NULL);
	} else {
		out_trace("execvp(\"%s\", ...)", s->argv[0]);
		execvp(s->argv[0], s->argv);
	}
	e = errno;
fail:
	(void)!write(errfd, &e, sizeof(e));
	_exit(e == ENOENT ? 127 : 126);
}

/* start: fork and execute every stage; close the children's ends here */
static void
start(void)
{
	for (int i = 0; i < R.nst; i++) {
		struct stage *s = &R.st[i];
		int ep[2], e;
		ssize_t n;

		if (pipe2(ep, O_CLOEXEC) == -1)
			err(EXIT_FAIL, "pipe2");
		fflush(NULL);
		s->pid = (pid_t)out_trace_ret(fork(), "fork() for stage %d (%s)",
		    i + 1, stage_name(i));
		if (s->pid == -1)
			err(EXIT_FAIL, "fork");
		if (s->pid == 0)
			child(s, ep[1]);
		close(ep[1]);
		n = io_read_full(ep[0], &e, sizeof(e));
		close(ep[0]);
		if (n == (ssize_t)sizeof(e))
			s->exec_errno = e;
	}
	for (int i = 0; i < R.nst; i++) {
		if (R.st[i].in != -1)
			close(R.st[i].in);
		if (R.st[i].out != -1)
			close(R.st[i].out);
	}
}

/* count_delims: how many message delimiters buf holds */
static uint64_t
count_delims(const char *buf, size_t len)
{
	uint64_t n = 0;
	const char *p = buf, *e = buf + len;

	while (p < e && (p = memchr(p, R.delim, (size_t)(e - p))) != NULL) {
		n++;
		p++;
	}
	return n;
}

/* link_finish: the relay is over; close every end it holds */
static void
link_finish(struct link *l)
{
	if (l->src != -1)
		close(l->src);
	l->src = -1;
	for (int i = 0; i < l->ndst; i++)
		if (!l->dst[i].dead && l->dst[i].fd != -1) {
			close(l->dst[i].fd);
			l->dst[i].fd = -1;
		}
	if (l->traced)
		out_trace("relay from stage %d done: %llu bytes in %llu %s "
		    "calls", l->from + 1, (unsigned long long)l->bytes,
		    (unsigned long long)l->calls, l->tee ? "tee" : "splice");
	l->phase = L_DONE;
	l->end_ms = io_now_ms();
	free(l->buf);
	l->buf = NULL;
}

/* dst_gone: consumer d stopped reading; returns true when none is left */
static bool
dst_gone(struct link *l, struct dst *d)
{
	int left = 0;

	d->dead = true;
	close(d->fd);
	d->fd = -1;
	for (int i = 0; i < l->ndst; i++)
		left += !l->dst[i].dead;
	if (l->report)
		warnx("stage %d (%s) stopped reading; %s", d->stage + 1,
		    stage_name(d->stage), left ? "the others go on" :
		    "no reader is left");
	return left == 0;
}

/* readable: true when the pipe fd has data now */
static bool
readable(int fd)
{
	struct pollfd pf = { .fd = fd, .events = POLLIN };

	return poll(&pf, 1, 0) == 1 && (pf.revents & POLLIN);
}

/* hungup: true when the pipe fd is empty and has no writer left */
static bool
hungup(int fd)
{
	struct pollfd pf = { .fd = fd, .events = POLLIN };
	int avail;

	return poll(&pf, 1, 0) == 1 && (pf.revents & POLLHUP) &&
	    ioctl(fd, FIONREAD, &avail) == 0 && avail == 0;
}

/* link_wait: block the link on fd for ev; returns 0 */
static int
link_wait(struct link *l, int fd, short ev)
{
	l->wait_fd = fd;
	l->wait_ev = ev;
	return 0;
}

/* rate_budget: the bytes l may move now: RELAY_CHUNK without
 * --rate-limit, else what RATE allows since the start (plus a 50 ms
 * burst) beyond what it moved; 0 sets R.wake_ms for a look a little
 * later */
static size_t
rate_budget(const struct link *l)
{
	uint64_t allowed;
	int64_t now;

	if (R.rate == 0)
		return RELAY_CHUNK;
	now = io_now_ms();
	allowed = R.rate * (uint64_t)(now - R.start_ms) / 1000 + R.rate / 20 +
	    1;
	if (allowed > l->bytes)
		return allowed - l->bytes < RELAY_CHUNK ?
		    (size_t)(allowed - l->bytes) : RELAY_CHUNK;
	if (R.wake_ms < 0 || now + RATE_NAP_MS < R.wake_ms)
		R.wake_ms = now + RATE_NAP_MS;
	return 0;
}

/* link_splice: the one-consumer relay, zero copy: splice(2) as much as
 * the pipes allow; returns 0 (waiting or done) */
static int
link_splice(struct link *l)
{
	struct dst *d = &l->dst[0];
	size_t want;
	ssize_t n;

	for (;;) {
		/* --rate-limit: over budget, wait without an fd */
		if ((want = rate_budget(l)) == 0)
			return link_wait(l, -1, 0);
		n = splice(l->src, NULL, d->fd, NULL, want,
		    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		l->calls++;
		if (!l->traced && (n != -1 || errno != EAGAIN)) {
			/* the first one that did something */
			out_trace_ret(n, "splice(%d, NULL, %d, NULL, %d, "
			    "SPLICE_F_MOVE|SPLICE_F_NONBLOCK)", l->src, d->fd,
			    RELAY_CHUNK);
			l->traced = out_trace_on;
		}
		if (n > 0) {
			l->bytes += (uint64_t)n;
			d->bytes += (uint64_t)n;
			continue;
		}
		if (n == 0) {
			link_finish(l);
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			/* the source is empty, or the consumer is full */
			if (readable(l->src))
				return link_wait(l, d->fd, POLLOUT);
			return link_wait(l, l->src, POLLIN);
		}
		if (errno == EPIPE) {
			dst_gone(l, d);
			link_finish(l);
			return 0;
		}
		err(EXIT_FAIL, "splice from stage %d", l->from + 1);
	}
}

/* consume: take the chunk out of the source after every tee: read it when
 * it must be counted or a consumer got only part of it, else splice it
 * to /dev/null; returns 0 or -1 (errno) */
static int
consume(struct link *l, bool partial)
{
	size_t done = 0;
	ssize_t n;

	if (partial || R.stats) {
		if (l->buf == NULL && (l->buf = malloc(RELAY_CHUNK)) == NULL)
			return -1;
		if (io_read_full(l->src, l->buf, l->chunk) !=
		    (ssize_t)l->chunk)
			return -1;
		l->msgs += count_delims(l->buf, l->chunk);
		return 0;
	}
	while (done < l->chunk) {
		n = splice(l->src, NULL, R.devnull, NULL, l->chunk - done,
		    SPLICE_F_MOVE);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

/* tee_next: take the next chunk in hand (L_IDLE to L_TEE); returns 1
 * to go on, 0 when waiting for data or at end of file */
static int
tee_next(struct link *l)
{
	int avail;

	if (ioctl(l->src, FIONREAD, &avail) == -1)
		err(EXIT_FAIL, "ioctl FIONREAD");
	if (avail == 0) {
		/* nothing buffered: end of file, or wait */
		if (hungup(l->src)) {
			link_finish(l);
			return 0;
		}
		return link_wait(l, l->src, POLLIN);
	}
	l->chunk = (size_t)avail > RELAY_CHUNK ? RELAY_CHUNK : (size_t)avail;
	/* --rate-limit: the chunk is what the budget allows */
	if (rate_budget(l) == 0)
		return link_wait(l, -1, 0);
	if (l->chunk > rate_budget(l))
		l->chunk = rate_budget(l);
	for (int i = 0; i < l->ndst; i++)
		l->dst[i].teed = false;
	l->phase = L_TEE;
	return 1;
}

/* tee_one: tee(2) the chunk to consumer d; returns 1 when d is served
 * (or gone), 0 to wait for it, -1 when no consumer is left */
static int
tee_one(struct link *l, struct dst *d)
{
	ssize_t n;

	do {
		n = tee(l->src, d->fd, l->chunk, SPLICE_F_NONBLOCK);
		l->calls++;
	} while (n == -1 && errno == EINTR);
	if (!l->traced && (n != -1 || errno != EAGAIN)) {
		out_trace_ret(n, "tee(%d, %d, %zu, SPLICE_F_NONBLOCK)", l->src,
		    d->fd, l->chunk);
		l->traced = out_trace_on;
	}
	if (n >= 0) {
		/* what tee could not copy is written from the buffer */
		d->got = (size_t)n;
		d->teed = true;
		return 1;
	}
	if (errno == EAGAIN)
		return link_wait(l, d->fd, POLLOUT);
	if (errno == EPIPE)
		return dst_gone(l, d) ? -1 : 1;
	err(EXIT_FAIL, "tee from stage %d", l->from + 1);
}

/* tee_all: copy the chunk to every consumer, then take it out of the
 * source (L_TEE to L_WRITE or L_IDLE); returns 1 to go on, 0 to wait */
static int
tee_all(struct link *l)
{
	bool partial = false;
	int r;

	for (int i = 0; i < l->ndst; i++) {
		if (l->dst[i].dead || l->dst[i].teed)
			continue;
		if ((r = tee_one(l, &l->dst[i])) <= 0) {
			if (r == -1)
				link_finish(l);
			return 0;
		}
	}
	for (int i = 0; i < l->ndst; i++)
		if (!l->dst[i].dead && l->dst[i].got < l->chunk)
			partial = true;
	if (consume(l, partial) == -1)
		err(EXIT_FAIL, "relay from stage %d", l->from + 1);
	l->bytes += l->chunk;
	for (int i = 0; i < l->ndst; i++) {
		struct dst *d = &l->dst[i];

		if (d->dead)
			continue;
		d->bytes += d->got;
		if (R.stats)
			d->msgs += count_delims(l->buf, d->got);
	}
	l->phase = partial ? L_WRITE : L_IDLE;
	return 1;
}

/* tee_rest: write(2) what tee left out to each consumer (L_WRITE to
 * L_IDLE); returns 1 to go on, 0 to wait */
static int
tee_rest(struct link *l)
{
	ssize_t n;

	for (int i = 0; i < l->ndst; i++) {
		struct dst *d = &l->dst[i];

		while (!d->dead && d->got < l->chunk) {
			n = write(d->fd, l->buf + d->got, l->chunk - d->got);
			if (n > 0) {
				if (R.stats)
					d->msgs += count_delims(l->buf + d->got,
					    (size_t)n);
				d->got += (size_t)n;
				d->bytes += (uint64_t)n;
			} else if (errno == EAGAIN) {
				return link_wait(l, d->fd, POLLOUT);
			} else if (errno == EPIPE) {
				if (dst_gone(l, d)) {
					link_finish(l);
					return 0;
				}
			} else if (errno != EINTR) {
				err(EXIT_FAIL, "write to stage %d",
				    d->stage + 1);
			}
		}
	}
	l->phase = L_IDLE;
	return 1;
}

/* link_tee: the relay that copies each chunk to every consumer with
 * tee(2), then consumes it; returns 0 (waiting or done) */
static int
link_tee(struct link *l)
{
	int go = 1;

	while (go) {
		switch (l->phase) {
		case L_IDLE:
			go = tee_next(l);
			break;
		case L_TEE:
			go = tee_all(l);
			break;
		case L_WRITE:
			go = tee_rest(l);
			break;
		default:
			go = 0;
		}
	}
	return 0;
}

/* merge_emit: start writing len bytes at p to the merged output; the
 * bytes stay in their source buffer until written */
static void
merge_emit(struct merge *m, struct msrc *s, const char *p, size_t len)
{
	uint64_t k = count_delims(p, len);

	m->out = p;
	m->outlen = len;
	s->msgs += k;
	m->msgs += k;
	s->start += len;
	if (s->start == s->end)
		s->start = s->end = 0;
}

/* merge_end: every source is done: close the output */
static void
merge_end(struct merge *m)
{
	if (m->dst != -1)
		close(m->dst);
	m->dst = -1;
	m->done = true;
	m->end_ms = io_now_ms();
	out_trace("merge done: %llu messages, %llu bytes; %llu read and "
	    "%llu write calls", (unsigned long long)m->msgs,
	    (unsigned long long)m->bytes, (unsigned long long)m->reads,
	    (unsigned long long)m->writes);
	for (int i = 0; i < m->nsrc; i++) {
		if (m->src[i].fd != -1)
			close(m->src[i].fd);
		m->src[i].fd = -1;
		free(m->src[i].buf);
		m->src[i].buf = NULL;
	}
}

/* merge_fill: one nonblocking read(2) into source s; returns 1 with
 * data, 0 at end of file, -1 when it would block */
static int
merge_fill(struct merge *m, struct msrc *s)
{
	ssize_t n;

	m->reads++;
	if (s->start > 0) {
		memmove(s->buf, s->buf + s->start, s->end - s->start);
		s->end -= s->start;
		s->start = 0;
	}
	n = io_read(s->fd, s->buf + s->end, MERGE_BUF - s->end);
	if (n > 0) {
		s->end += (size_t)n;
		s->bytes += (uint64_t)n;
		return 1;
	}
	if (n == 0) {
		s->eof = true;
		s->end_ms = io_now_ms();
		close(s->fd);
		s->fd = -1;
		return 0;
	}
	if (errno == EAGAIN)
		return -1;
	err(EXIT_FAIL, "read from stage %d", s->stage + 1);
}

/* merge_pick: choose what to write next when no message is half out:
 * whole messages of one source (round robin), or the start of a message
 * longer than a buffer (that source then owns the output until its
 * delimiter), or a last message without a delimiter; returns true when
 * something was chosen */
static bool
merge_pick(struct merge *m)
{
	for (int k = 0; k < m->nsrc; k++) {
		int i = (m->rr + k) % m->nsrc;
		struct msrc *s = &m->src[i];
		size_t len = s->end - s->start;
		char *last;

		if (len == 0)
			continue;
		last = memrchr(s->buf + s->start, R.delim, len);
		if (last != NULL) {
			merge_emit(m, s, s->buf + s->start,
			    (size_t)(last - (s->buf + s->start)) + 1);
		} else if (s->eof) {
			merge_emit(m, s, s->buf + s->start, len);
			m->delim_next = true;
			s->msgs++;
			m->msgs++;
		} else if (s->start == 0 && s->end == MERGE_BUF) {
			m->owner = i;
			merge_emit(m, s, s->buf, len);
		} else {
			continue;
		}
		m->rr = (i + 1) % m->nsrc;
		return true;
	}
	return false;
}

/* merge_owner: go on with the message source o has half written;
 * returns 1 when something is out, 0 to wait for o */
static int
merge_owner(struct merge *m)
{
	struct msrc *s = &m->src[m->owner];
	size_t len = s->end - s->start;
	char *d;

	if (len > 0) {
		d = memchr(s->buf + s->start, R.delim, len);
		if (d != NULL) {
			merge_emit(m, s, s->buf + s->start,
			    (size_t)(d - (s->buf + s->start)) + 1);
			m->owner = -1;
		} else {
			merge_emit(m, s, s->buf + s->start, len);
		}
		return 1;
	}
	if (s->eof) {
		/* the writer ended in the middle: end its message */
		m->delim_next = true;
		s->msgs++;
		m->msgs++;
		m->owner = -1;
		return 1;
	}
	return merge_fill(m, s) == -1 ? 0 : 1;
}

/* merge_step: move whole messages from the writers to the last stage
 * until something would block; sets the fds to wait for in pf (*npf) */
static void
merge_step(struct merge *m, struct pollfd *pf, int *npf)
{
	ssize_t n;

	for (;;) {
		if (m->outlen == 0 && m->delim_next) {
			m->out = &R.delim;
			m->outlen = 1;
			m->delim_next = false;
		}
		if (m->outlen > 0) {
			n = write(m->dst, m->out, m->outlen);
			m->writes++;
			if (n > 0) {
				m->out += n;
				m->outlen -= (size_t)n;
				m->bytes += (uint64_t)n;
				continue;
			}
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				pf[(*npf)++] = (struct pollfd){ m->dst, POLLOUT,
				    0 };
				return;
			}
			if (errno != EPIPE)
				err(EXIT_FAIL, "write to stage %d", m->to + 1);
			/* the reader is gone: so are the writers' pipes */
			merge_end(m);
			return;
		}
		if (m->owner >= 0) {
			if (merge_owner(m))
				continue;
			pf[(*npf)++] = (struct pollfd){ m->src[m->owner].fd,
			    POLLIN, 0 };
			return;
		}
		if (merge_pick(m))
			continue;
		/* nothing whole to write: read from every source with room */
		int live = 0, got = 0;
		for (int i = 0; i < m->nsrc; i++) {
			struct msrc *s = &m->src[i];

			if (s->eof || s->end - s->start == MERGE_BUF)
				continue;
			live++;
			if (merge_fill(m, s) != -1)
				got++;
		}
		if (got)
			continue;
		if (live == 0) {
			merge_end(m);
			return;
		}
		for (int i = 0; i < m->nsrc; i++)
			if (!m->src[i].eof)
				pf[(*npf)++] = (struct pollfd){ m->src[i].fd,
				    POLLIN, 0 };
		return;
	}
}

/* human: bytes as "512 B", "1.5 KiB", "12.0 MiB" into buf */
static const char *
human(double bytes, char *buf, size_t len)
{
	static const char *unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	int u = 0;

	while (bytes >= 1024 && u < 4) {
		bytes /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%.0f B", bytes);
	else
		snprintf(buf, len, "%.1f %s", bytes, unit[u]);
	return buf;
}

/* main_bytes: what --progress counts: the bytes that reached the end of
 * the chain, left the tee, or left the merge */
static uint64_t
main_bytes(void)
{
	if (R.has_merge)
		return R.merge.bytes;
	if (R.topo == CYCLE) {
		uint64_t n = 0;

		for (int i = 0; i < R.nlinks; i++)
			n += R.links[i].bytes;
		return n;
	}
	return R.nlinks ? R.links[R.nlinks - 1].bytes : 0;
}

/* progress: the live line on stderr; last ends it with a newline */
static void
progress(bool last)
{
	double secs = (double)(io_now_ms() - R.start_ms) / 1000.0;
	uint64_t b = main_bytes();
	char hb[32], hr[32];
	long s = (long)secs;

	fprintf(stderr, "\r%10s  %10s/s  %ld:%02ld:%02ld",
	    human((double)b, hb, sizeof(hb)),
	    human(secs > 0 ? (double)b / secs : 0, hr, sizeof(hr)),
	    s / 3600, s / 60 % 60, s % 60);
	/* --total: how far, and when done at the rate so far (pv -s) */
	if (R.total > 0) {
		double rate = secs > 0 ? (double)b / secs : 0;
		long eta = b >= R.total ? 0 : rate > 0 ?
		    (long)((double)(R.total - b) / rate + 0.5) : -1;

		fprintf(stderr, "  %3d%%", b >= R.total ? 100 :
		    (int)(100.0 * (double)b / (double)R.total));
		if (eta >= 0)
			fprintf(stderr, "  ETA %ld:%02ld:%02ld", eta / 3600,
			    eta / 60 % 60, eta % 60);
		else
			fprintf(stderr, "  ETA -:--:--");
	}
	fprintf(stderr, "%s", last ? "\n" : "");
	fflush(stderr);
}

/* stat_line: one --stats line for a pipe */
static void
stat_line(const char *from, const char *to, uint64_t bytes, uint64_t msgs,
    int64_t end_ms)
{
	double secs = (double)((end_ms ? end_ms : io_now_ms()) - R.start_ms) /
	    1000.0;
	char hr[32];

	warnx("pipe %s -> %s: %llu bytes, %llu messages, %.3f s, %s/s", from,
	    to, (unsigned long long)bytes, (unsigned long long)msgs, secs,
	    human(secs > 0 ? (double)bytes / secs : 0, hr, sizeof(hr)));
}

/* print_stats: every pipe's bytes, messages and throughput */
static void
print_stats(void)
{
	char a[16], b[16];

	for (int i = 0; i < R.nlinks; i++) {
		struct link *l = &R.links[i];

		snprintf(a, sizeof(a), "%d", l->from + 1);
		if (l->ndst == 1 && R.topo != FAN_OUT) {
			snprintf(b, sizeof(b), "%d", l->dst[0].stage + 1);
			stat_line(a, b, l->bytes, l->msgs, l->end_ms);
			continue;
		}
		stat_line(a, "tee", l->bytes, l->msgs, l->end_ms);
		for (int j = 0; j < l->ndst; j++) {
			snprintf(b, sizeof(b), "%d", l->dst[j].stage + 1);
			stat_line("tee", b, l->dst[j].bytes, l->dst[j].msgs,
			    l->end_ms);
		}
	}
	if (R.has_merge) {
		struct merge *m = &R.merge;

		for (int i = 0; i < m->nsrc; i++) {
			snprintf(a, sizeof(a), "%d", m->src[i].stage + 1);
			stat_line(a, "merge", m->src[i].bytes, m->src[i].msgs,
			    m->src[i].end_ms);
		}
		snprintf(b, sizeof(b), "%d", m->to + 1);
		stat_line("merge", b, m->bytes, m->msgs, m->end_ms);
	}
}

/* reap: collect every child that has exited */
static void
reap(void)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (int i = 0; i < R.nst; i++) {
			if (R.st[i].pid != pid)
				continue;
			R.st[i].status = status;
			R.st[i].reaped = true;
			if (WIFSIGNALED(status))
				out_trace("waitpid(%ld) -> stage %d (%s) "
				    "killed by signal %d", (long)pid, i + 1,
				    stage_name(i), WTERMSIG(status));
			else
				out_trace("waitpid(%ld) -> stage %d (%s) "
				    "exited %d", (long)pid, i + 1,
				    stage_name(i), WEXITSTATUS(status));
		}
	}
}

/* signal_all: send sig to every stage still running */
static void
signal_all(int sig)
{
	for (int i = 0; i < R.nst; i++)
		if (!R.st[i].reaped && R.st[i].pid > 0)
			kill(R.st[i].pid, sig);
}

/* all_reaped: true when no stage runs any more */
static bool
all_reaped(void)
{
	for (int i = 0; i < R.nst; i++)
		if (!R.st[i].reaped)
			return false;
	return true;
}

/* on_signal: drain the signalfd: reap children, pass INT, TERM and HUP
 * sent by a process (kill(2)) on to the stages */
static void
on_signal(void)
{
	struct signalfd_siginfo si;

	while (read(R.sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		/* a terminal's ^C or hangup (sent by the kernel) reaches the
		 * stages directly, in the same process group */
		if (si.ssi_signo == SIGCHLD || si.ssi_code == SI_KERNEL)
			continue;
		out_trace("received signal %u: passing it on to the stages",
		    si.ssi_signo);
		signal_all((int)si.ssi_signo);
	}
	reap();
}

/* setup_signals: SIGCHLD, SIGINT, SIGTERM and SIGHUP through a signalfd
 * (the children get them unblocked back in sigs_child); one ignored at
 * start (nohup) stays ignored */
static void
setup_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigs_drop_ignored(&set);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		err(EXIT_FAIL, "sigprocmask");
	R.sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (R.sigfd == -1)
		err(EXIT_FAIL, "signalfd");
}

/* relays_done: true when no relay has work left */
static bool
relays_done(void)
{
	for (int i = 0; i < R.nlinks; i++)
		if (R.links[i].phase != L_DONE)
			return false;
	return !R.has_merge || R.merge.done;
}

/* stop_relays: close every end the relays hold (after a timeout) */
static void
stop_relays(void)
{
	for (int i = 0; i < R.nlinks; i++)
		if (R.links[i].phase != L_DONE)
			link_finish(&R.links[i]);
	if (R.has_merge && !R.merge.done)
		merge_end(&R.merge);
}

/* step_relays: let every relay move what it can; fills pf (after the
 * signalfd) with what they wait for; returns the number of entries */
static int
step_relays(struct pollfd *pf)
{
	int npf = 0;

	pf[npf++] = (struct pollfd){ R.sigfd, POLLIN, 0 };
	for (int i = 0; i < R.nlinks; i++) {
		struct link *l = &R.links[i];

		if (l->phase == L_DONE)
			continue;
		if (l->tee)
			link_tee(l);
		else
			link_splice(l);
		if (l->phase != L_DONE)
			pf[npf++] = (struct pollfd){ l->wait_fd, l->wait_ev, 0 };
	}
	if (R.has_merge && !R.merge.done)
		merge_step(&R.merge, pf, &npf);
	return npf;
}

/* earliest: the poll(2) timeout for the nearer of two deadlines (-1 is
 * never) */
static int
earliest(int64_t a, int64_t b)
{
	int ma = io_remaining(a), mb = io_remaining(b);

	if (ma < 0)
		return mb;
	if (mb < 0)
		return ma;
	return ma < mb ? ma : mb;
}

/* run: move the data and wait for the stages; returns true on timeout */
static bool
run(void)
{
	int64_t deadline = io_deadline(R.timeout_ms), kill_at = -1;
	int64_t next_tick = R.progress ? io_now_ms() + TICK_MS : -1;
	struct pollfd *pf = calloc(2 * (size_t)R.nst + 2, sizeof(*pf));
	bool timed_out = false;
	int npf, ms;

	if (pf == NULL)
		err(EXIT_FAIL, "allocate");
	for (;;) {
		R.wake_ms = -1;
		npf = step_relays(pf);
		if (all_reaped() && relays_done())
			break;
		ms = earliest(timed_out ? kill_at : deadline, next_tick);
		/* a relay held back by --rate-limit looks again soon */
		if (R.wake_ms >= 0 && (ms < 0 || io_remaining(R.wake_ms) < ms))
			ms = io_remaining(R.wake_ms);
		if (poll(pf, (nfds_t)npf, ms) == -1 && errno != EINTR)
			err(EXIT_FAIL, "poll");
		if (pf[0].revents)
			on_signal();
		if (next_tick >= 0 && io_remaining(next_tick) == 0) {
			progress(false);
			next_tick = io_now_ms() + TICK_MS;
		}
		if (!timed_out && deadline >= 0 && io_remaining(deadline) == 0) {
			warnx("timed out after %s: stopping the stages",
			    R.timeout_arg);
			timed_out = true;
			stop_relays();
			signal_all(SIGTERM);
			kill_at = io_now_ms() + GRACE_MS;
		} else if (timed_out && kill_at >= 0 &&
		    io_remaining(kill_at) == 0) {
			signal_all(SIGKILL);
			kill_at = -1;
		}
	}
	free(pf);
	if (R.progress)
		progress(true);
	return timed_out;
}

/* stage_status: the exit status stage s stands for: 0, its exit code,
 * 128 + the signal that killed it, 127/126 when it could not be executed;
 * a stage killed by SIGPIPE counts as 0 (its reader chose to stop) */
static int
stage_status(const struct stage *s)
{
	if (s->exec_errno)
		return s->exec_errno == ENOENT ? 127 : 126;
	if (WIFEXITED(s->status))
		return WEXITSTATUS(s->status);
	if (WIFSIGNALED(s->status))
		return WTERMSIG(s->status) == SIGPIPE ? 0 :
		    128 + WTERMSIG(s->status);
	return EXIT_FAIL;
}

/* verdict: name each failing stage on stderr; returns the status of the
 * first one, or 0 (pipefail) */
static int
verdict(void)
{
	int first = 0;
	char sb[32];

	for (int i = 0; i < R.nst; i++) {
		struct stage *s = &R.st[i];
		int st = stage_status(s);

		if (st == 0)
			continue;
		if (first == 0)
			first = st;
		if (s->exec_errno)
			warnx("stage %d: exec %s: %s", i + 1, stage_name(i),
			    strerror(s->exec_errno));
		else if (WIFSIGNALED(s->status))
			warnx("stage %d (%s) killed by signal %s", i + 1,
			    stage_name(i), signal_name(WTERMSIG(s->status), sb,
			    sizeof(sb)) ? sb : "?");
		else
			warnx("stage %d (%s) failed with exit status %d", i + 1,
			    stage_name(i), st);
	}
	return first;
}

/* split: cut the operands at "::" into stages (the "::" become NULL);
 * usage error for an empty command */
static void
split(char **words, int n)
{
	int start = 0;

	R.st = calloc((size_t)n + 1, sizeof(*R.st));
	if (R.st == NULL)
		err(EXIT_FAIL, "allocate");
	for (int i = 0; i <= n; i++) {
		if (i < n && strcmp(words[i], "::") != 0)
			continue;
		if (i == start) {
			if (i == n)
				usage_error("missing command after '::'");
			usage_error("missing command %s '::'",
			    i == 0 ? "before" : "after");
		}
		if (i < n)
			words[i] = NULL;
		R.st[R.nst++].argv = &words[start];
		start = i + 1;
	}
}

/* sh_join: with --sh, each stage's words become one shell command */
static void
sh_join(void)
{
	for (int i = 0; i < R.nst; i++) {
		char **w = R.st[i].argv;
		size_t len = 1;
		char *s;

		if (w[1] == NULL)
			continue;
		for (int j = 0; w[j]; j++)
			len += strlen(w[j]) + 1;
		if ((s = malloc(len)) == NULL)
			err(EXIT_FAIL, "allocate");
		s[0] = '\0';
		for (int j = 0; w[j]; j++) {
			if (j)
				strcat(s, " ");
			strcat(s, w[j]);
		}
		w[0] = s;	/* only argv[0] is used with --sh */
	}
}

/* check_size: refuse a --size the system does not allow */
static void
check_size(void)
{
	long long max = read_max_size();

	if (R.size == 0)
		usage_error("--size must be at least 1 byte");
	if (R.size > INT_MAX || (max > 0 && R.size > (uint64_t)max))
		errx(EX_USAGE, "--size %s: beyond the system maximum of %lld "
		    "bytes (%s)", R.size_arg, max, MAX_PIPE_FILE);
}

/* stdio_open: make sure 0, 1 and 2 are open, so no pipe lands there */
static void
stdio_open(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
}

/* set_topo: the shape asked for; usage error when one was already */
static void
set_topo(enum topology t)
{
	static bool set;

	if (set && R.topo != t)
		usage_error("--fan-out, --fan-in and --cycle exclude each "
		    "other");
	R.topo = t;
	set = true;
}

/* parse_opts: read the options into R; returns true for --info */
static bool
parse_opts(struct opt_parser *p)
{
	bool info = false;
	int c;

	while ((c = opt_next(p)) != -1) {
		switch (c) {
		case '0':
			R.delim = '\0';
			break;
		case 'B':
			R.size = opt_size(p);
			R.size_arg = p->arg;
			break;
		case 't':
			R.timeout_ms = opt_timeout(p);
			R.timeout_arg = p->arg;
			break;
		case KEY_CYCLE:
			set_topo(CYCLE);
			break;
		case KEY_FAN_IN:
			set_topo(FAN_IN);
			break;
		case KEY_FAN_OUT:
			set_topo(FAN_OUT);
			break;
		case KEY_INFO:
			info = true;
			break;
		case KEY_PROGRESS:
			R.progress = true;
			break;
		case KEY_RATE_LIMIT:
			if ((R.rate = opt_size(p)) == 0)
				usage_error("--rate-limit 0 would move nothing");
			break;
		case KEY_TOTAL:
			R.total = opt_size(p);
			break;
		case KEY_SH:
			R.sh = true;
			break;
		case KEY_STATS:
			R.stats = true;
			break;
		}
	}
	return info;
}

/* check_stages: the commands fit the shape, or a usage error */
static void
check_stages(void)
{
	if (R.topo == CYCLE && R.nst != 2)
		usage_error("--cycle needs exactly two commands, not %d",
		    R.nst);
	if ((R.topo == FAN_OUT || R.topo == FAN_IN) && R.nst < 2)
		usage_error("--%s needs at least two commands",
		    R.topo == FAN_OUT ? "fan-out" : "fan-in");
	if (R.rate && R.nst < 2)
		usage_error("--rate-limit paces the pipes between commands: "
		    "give two or more");
	if (R.rate && R.topo == FAN_IN)
		usage_error("--rate-limit paces relayed pipes, not the merge "
		    "of --fan-in");
	if (R.total && !R.progress)
		usage_error("--total is what --progress counts toward: give "
		    "--progress");
}

static int
pipe_main(int argc, char **argv)
{
	struct opt_parser p;
	int n, status;
	bool timed_out;
	char **words;

	R.delim = '\n';
	R.timeout_ms = -1;
	opt_init(&p, &applet_pipe, NULL, argc, argv);
	if (parse_opts(&p)) {
		int ncmd = 0;

		opt_rest(&p, &n);
		opt_cmd(&p, &ncmd);
		if (n + ncmd > 0)
			usage_error("--info takes no command");
		opt_free(&p);
		return do_info();
	}
	words = opt_rest(&p, &n);
	if (n == 0 && opt_cmd(&p, &n) != NULL)
		words = opt_cmd(&p, &n);
	if (n == 0)
		usage_error("missing command");
	split(words, n);
	check_stages();
	if (R.size_arg)
		check_size();
	if (R.sh)
		sh_join();

	stdio_open();
	R.relay = R.stats || R.progress || R.rate || R.topo == FAN_OUT ||
	    R.topo == FAN_IN;
	R.devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (R.devnull == -1)
		err(EXIT_FAIL, "open /dev/null");
	R.start_ms = io_now_ms();
	setup_signals();
	wire();
	start();
	timed_out = run();
	if (R.stats)
		print_stats();
	status = timed_out ? EX_TEMPFAIL : verdict();
	opt_free(&p);
	return status;
}
