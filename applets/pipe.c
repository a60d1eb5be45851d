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
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "applet.h"
#include "die.h"
#include "io.h"
#include "sigs.h"
#include "out.h"
#include "parse.h"
#include "pipelink.h"

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
	.operand = OPT_CMD,
	.main = pipe_main,
};

enum topology { CHAIN, FAN_OUT, FAN_IN, CYCLE };

#define MAX_PIPE_FILE	"/proc/sys/fs/pipe-max-size"
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
	char *joined;		/* --sh: the words joined into argv[0] */
};

/* The whole run: the options, the stages and the relays between them */
struct pipe_run {
	enum topology topo;
	bool sh, stats, progress, relay;
	char delim;
	uint64_t size;
	const char *size_arg;
	int64_t timeout_ms;
	const char *timeout_arg;
	struct stage *st;
	int nst;
	struct plink *links;
	int nlinks;
	struct pmerge merge;
	bool has_merge;
	int devnull;
	int sigfd;
	int term_sig;		/* the signal passed on to the stages */
	int64_t term_kill_at;	/* SIGKILL them then (-1: not stopping) */
	int64_t start_ms;
	bool granted_said;
	uint64_t rate;		/* --rate-limit: bytes/s per relay, 0 none */
	uint64_t total;		/* --total: bytes expected, 0 unknown */
	int64_t wake_ms;	/* a throttled relay's next look, -1 none */
};

/* stage_name: the command of stage i for messages */
static const char *
stage_name(struct pipe_run *r, int i)
{
	return r->st[i].argv[0];
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
make_pipe(struct pipe_run *r, int p[2])
{
	if (out_trace_ret(pipe2(p, O_CLOEXEC), "pipe2(O_CLOEXEC)") == -1)
		err(EXIT_FAIL, "pipe2");
	out_trace("  -> read end %d, write end %d", p[0], p[1]);
	if (r->size) {
		int got = (int)out_trace_ret(fcntl(p[1], F_SETPIPE_SZ,
		    (int)r->size), "fcntl(%d, F_SETPIPE_SZ, %llu)", p[1],
		    (unsigned long long)r->size);

		if (got == -1)
			err(EXIT_FAIL, "set pipe size %s", r->size_arg);
		if (out_trace_on && !r->granted_said) {
			warnx("--size %s: the kernel granted %d bytes per "
			    "pipe", r->size_arg, got);
			r->granted_said = true;
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
static struct plink *
new_link(struct pipe_run *r, int src, int from, int n)
{
	struct plink *l = &r->links[r->nlinks++];

	memset(l, 0, sizeof(*l));
	l->src = our_end(src);
	l->tag = from;
	l->dst = calloc((size_t)n, sizeof(*l->dst));
	if (l->dst == NULL)
		err(EXIT_FAIL, "allocate");
	l->tee = n > 1 || r->stats;
	l->count = r->stats;
	l->delim = r->delim;
	l->devnull = r->devnull;
	return l;
}

/* add_dst: consumer fd (read by stage to) for link l */
static void
add_dst(struct plink *l, int fd, int to)
{
	struct plink_dst *d = &l->dst[l->ndst++];

	d->fd = our_end(fd);
	d->tag = to;
}

/* said_gone: a reader of the --fan-out tee went away */
static void
said_gone(struct plink *l, struct plink_dst *d, int left, void *arg)
{
	struct pipe_run *r = arg;

	warnx("stage %d (%s) stopped reading; %s", d->tag + 1,
	    stage_name(r, d->tag), left ? "the others go on" :
	    "no reader is left");
}

/* wire: create the pipes and relays of the topology */
static void
wire(struct pipe_run *r)
{
	int p[2], q[2], n = r->nst;

	for (int i = 0; i < n; i++)
		r->st[i].in = r->st[i].out = -1;
	r->links = calloc((size_t)n, sizeof(*r->links));
	if (r->links == NULL)
		err(EXIT_FAIL, "allocate");
	switch (r->topo) {
	case CHAIN:
	case CYCLE:
		for (int i = 0; i < n - 1 + (r->topo == CYCLE); i++) {
			int j = (i + 1) % n;

			make_pipe(r, p);
			r->st[i].out = p[1];
			if (!r->relay) {
				r->st[j].in = p[0];
				continue;
			}
			make_pipe(r, q);
			r->st[j].in = q[0];
			add_dst(new_link(r, p[0], i, 1), q[1], j);
		}
		break;
	case FAN_OUT: {
		struct plink *l;

		make_pipe(r, p);
		r->st[0].out = p[1];
		l = new_link(r, p[0], 0, n - 1);
		l->on_gone = said_gone;
		l->arg = r;
		for (int i = 1; i < n; i++) {
			make_pipe(r, q);
			r->st[i].in = q[0];
			add_dst(l, q[1], i);
		}
		break;
	}
	case FAN_IN: {
		struct pmerge *m = &r->merge;

		r->has_merge = true;
		m->src = calloc((size_t)n - 1, sizeof(*m->src));
		if (m->src == NULL)
			err(EXIT_FAIL, "allocate");
		m->owner = -1;
		for (int i = 0; i < n - 1; i++) {
			make_pipe(r, p);
			r->st[i].out = p[1];
			m->src[i].fd = our_end(p[0]);
			m->src[i].tag = i;
			m->src[i].buf = malloc(PMERGE_BUF);
			if (m->src[i].buf == NULL)
				err(EXIT_FAIL, "allocate");
		}
		m->nsrc = n - 1;
		make_pipe(r, q);
		r->st[n - 1].in = q[0];
		m->dst = our_end(q[1]);
		m->tag = n - 1;
		m->delim = r->delim;
		break;
	}
	}
}

/* child: in the forked child, put the pipe ends on 0 and 1 and execute
 * stage s; on failure write errno to errfd and exit 127 (126 when found
 * but not executable) */
static void __attribute__((noreturn))
child(struct pipe_run *r, struct stage *s, int errfd)
{
	int e;

	sigs_child();
	if ((s->in != -1 && dup2(s->in, 0) == -1) ||
	    (s->out != -1 && dup2(s->out, 1) == -1)) {
		e = errno;
		goto fail;
	}
	if (r->sh) {
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
start(struct pipe_run *r)
{
	for (int i = 0; i < r->nst; i++) {
		struct stage *s = &r->st[i];
		int ep[2], e;
		ssize_t n;

		if (pipe2(ep, O_CLOEXEC) == -1)
			err(EXIT_FAIL, "pipe2");
		fflush(NULL);
		s->pid = (pid_t)out_trace_ret(fork(),
		    "fork() for stage %d (%s)", i + 1, stage_name(r, i));
		if (s->pid == -1)
			err(EXIT_FAIL, "fork");
		if (s->pid == 0)
			child(r, s, ep[1]);
		close(ep[1]);
		n = io_read_full(ep[0], &e, sizeof(e));
		close(ep[0]);
		if (n == (ssize_t)sizeof(e))
			s->exec_errno = e;
	}
	for (int i = 0; i < r->nst; i++) {
		if (r->st[i].in != -1)
			close(r->st[i].in);
		if (r->st[i].out != -1)
			close(r->st[i].out);
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
main_bytes(struct pipe_run *r)
{
	if (r->has_merge)
		return r->merge.bytes;
	if (r->topo == CYCLE) {
		uint64_t n = 0;

		for (int i = 0; i < r->nlinks; i++)
			n += r->links[i].bytes;
		return n;
	}
	return r->nlinks ? r->links[r->nlinks - 1].bytes : 0;
}

/* progress: the live line on stderr; last ends it with a newline */
static void
progress(struct pipe_run *r, bool last)
{
	double secs = (double)(io_now_ms() - r->start_ms) / 1000.0;
	uint64_t b = main_bytes(r);
	char hb[32], hr[32];
	long s = (long)secs;

	fprintf(stderr, "\r%10s  %10s/s  %ld:%02ld:%02ld",
	    human((double)b, hb, sizeof(hb)),
	    human(secs > 0 ? (double)b / secs : 0, hr, sizeof(hr)),
	    s / 3600, s / 60 % 60, s % 60);
	/* --total: how far, and when done at the rate so far (pv -s) */
	if (r->total > 0) {
		double rate = secs > 0 ? (double)b / secs : 0;
		long eta = b >= r->total ? 0 : rate > 0 ?
		    (long)((double)(r->total - b) / rate + 0.5) : -1;

		fprintf(stderr, "  %3d%%", b >= r->total ? 100 :
		    (int)(100.0 * (double)b / (double)r->total));
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
stat_line(struct pipe_run *r, const char *from, const char *to,
    uint64_t bytes, uint64_t msgs, int64_t end_ms)
{
	double secs = (double)((end_ms ? end_ms : io_now_ms()) - r->start_ms) /
	    1000.0;
	char hr[32];

	warnx("pipe %s -> %s: %llu bytes, %llu messages, %.3f s, %s/s", from,
	    to, (unsigned long long)bytes, (unsigned long long)msgs, secs,
	    human(secs > 0 ? (double)bytes / secs : 0, hr, sizeof(hr)));
}

/* print_stats: every pipe's bytes, messages and throughput */
static void
print_stats(struct pipe_run *r)
{
	char a[16], b[16];

	for (int i = 0; i < r->nlinks; i++) {
		struct plink *l = &r->links[i];

		snprintf(a, sizeof(a), "%d", l->tag + 1);
		if (l->ndst == 1 && r->topo != FAN_OUT) {
			snprintf(b, sizeof(b), "%d", l->dst[0].tag + 1);
			stat_line(r, a, b, l->bytes, l->msgs, l->end_ms);
			continue;
		}
		stat_line(r, a, "tee", l->bytes, l->msgs, l->end_ms);
		for (int j = 0; j < l->ndst; j++) {
			snprintf(b, sizeof(b), "%d", l->dst[j].tag + 1);
			stat_line(r, "tee", b, l->dst[j].bytes, l->dst[j].msgs,
			    l->end_ms);
		}
	}
	if (r->has_merge) {
		struct pmerge *m = &r->merge;

		for (int i = 0; i < m->nsrc; i++) {
			snprintf(a, sizeof(a), "%d", m->src[i].tag + 1);
			stat_line(r, a, "merge", m->src[i].bytes,
			    m->src[i].msgs, m->src[i].end_ms);
		}
		snprintf(b, sizeof(b), "%d", m->tag + 1);
		stat_line(r, "merge", b, m->bytes, m->msgs, m->end_ms);
	}
}

/* reap: collect every child that has exited */
static void
reap(struct pipe_run *r)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (int i = 0; i < r->nst; i++) {
			if (r->st[i].pid != pid)
				continue;
			r->st[i].status = status;
			r->st[i].reaped = true;
			if (WIFSIGNALED(status))
				out_trace("waitpid(%ld) -> stage %d (%s) "
				    "killed by signal %d", (long)pid, i + 1,
				    stage_name(r, i), WTERMSIG(status));
			else
				out_trace("waitpid(%ld) -> stage %d (%s) "
				    "exited %d", (long)pid, i + 1,
				    stage_name(r, i), WEXITSTATUS(status));
		}
	}
}

/* signal_all: send sig to every stage still running */
static void
signal_all(struct pipe_run *r, int sig)
{
	for (int i = 0; i < r->nst; i++)
		if (!r->st[i].reaped && r->st[i].pid > 0)
			kill(r->st[i].pid, sig);
}

/* all_reaped: true when no stage runs any more */
static bool
all_reaped(struct pipe_run *r)
{
	for (int i = 0; i < r->nst; i++)
		if (!r->st[i].reaped)
			return false;
	return true;
}

/* on_signal: drain the signalfd: reap children, pass INT, TERM and HUP
 * sent by a process (kill(2)) on to the stages */
static void
on_signal(struct pipe_run *r)
{
	struct signalfd_siginfo si;

	while (read(r->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		/* a terminal's ^C or hangup (sent by the kernel) reaches the
		 * stages directly, in the same process group */
		if (si.ssi_signo == SIGCHLD || si.ssi_code == SI_KERNEL)
			continue;
		out_trace("received signal %u: passing it on to the stages",
		    si.ssi_signo);
		if (r->term_sig) {	/* again: no stage is left running */
			signal_all(r, SIGKILL);
			r->term_kill_at = -1;
			continue;
		}
		r->term_sig = (int)si.ssi_signo;
		signal_all(r, r->term_sig);
		r->term_kill_at = io_deadline(SIGS_GRACE_MS);
	}
	reap(r);
}

/* setup_signals: SIGCHLD, SIGINT, SIGTERM and SIGHUP through a signalfd
 * (the children get them unblocked back in sigs_child); one ignored at
 * start (nohup) stays ignored */
static void
setup_signals(struct pipe_run *r)
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
	r->term_kill_at = -1;
	r->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (r->sigfd == -1)
		err(EXIT_FAIL, "signalfd");
}

/* relays_done: true when no relay has work left */
static bool
relays_done(struct pipe_run *r)
{
	for (int i = 0; i < r->nlinks; i++)
		if (r->links[i].phase != PLINK_DONE)
			return false;
	return !r->has_merge || r->merge.done;
}

/* stop_relays: close every end the relays hold (after a timeout) */
static void
stop_relays(struct pipe_run *r)
{
	for (int i = 0; i < r->nlinks; i++)
		if (r->links[i].phase != PLINK_DONE)
			plink_finish(&r->links[i]);
	if (r->has_merge && !r->merge.done)
		pmerge_end(&r->merge);
}

/* relay_failed: exit on a relay's failed system call (errno set) */
static void __attribute__((noreturn))
relay_failed(const char *what, int stage)
{
	if (stage < 0)
		err(EXIT_FAIL, "%s", what);
	err(EXIT_FAIL, "%s stage %d", what, stage + 1);
}

/* pace: --rate-limit: raise l's limit to what RATE allows since the start
 * (and a 50 ms burst) */
static void
pace(struct pipe_run *r, struct plink *l)
{
	if (r->rate > 0)
		l->limit = r->rate * (uint64_t)(io_now_ms() - r->start_ms) /
		    1000 + r->rate / 20 + 1;
}

/* step_relays: let every relay move what it can; fills pf (after the
 * signalfd) with what they wait for; returns the number of entries */
static int
step_relays(struct pipe_run *r, struct pollfd *pf)
{
	int npf = 0;

	pf[npf++] = (struct pollfd){ r->sigfd, POLLIN, 0 };
	for (int i = 0; i < r->nlinks; i++) {
		struct plink *l = &r->links[i];

		if (l->phase == PLINK_DONE)
			continue;
		pace(r, l);
		if (plink_step(l) == -1)
			relay_failed(l->failed, l->failed_tag);
		/* at its limit it waits on no fd: the loop looks again */
		if (l->phase != PLINK_DONE && l->wait_fd < 0)
			r->wake_ms = io_now_ms() + RATE_NAP_MS;
		if (l->phase != PLINK_DONE)
			pf[npf++] = (struct pollfd){ l->wait_fd, l->wait_ev, 0 };
	}
	if (r->has_merge && !r->merge.done &&
	    pmerge_step(&r->merge, pf, &npf) == -1)
		relay_failed(r->merge.failed, r->merge.failed_tag);
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

/* earliest_at: the nearer of two deadlines (-1 is never) */
static int64_t
earliest_at(int64_t a, int64_t b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

/* run: move the data and wait for the stages; returns true on timeout */
static bool
run(struct pipe_run *r)
{
	int64_t deadline = io_deadline(r->timeout_ms), kill_at = -1;
	int64_t next_tick = r->progress ? io_now_ms() + TICK_MS : -1;
	struct pollfd *pf = calloc(2 * (size_t)r->nst + 2, sizeof(*pf));
	bool timed_out = false;
	int npf, ms;

	if (pf == NULL)
		err(EXIT_FAIL, "allocate");
	for (;;) {
		r->wake_ms = -1;
		npf = step_relays(r, pf);
		if (all_reaped(r) && relays_done(r))
			break;
		ms = earliest(earliest_at(timed_out ? kill_at : deadline,
		    r->term_kill_at), next_tick);
		/* a relay held back by --rate-limit looks again soon */
		if (r->wake_ms >= 0 && (ms < 0 || io_remaining(r->wake_ms) < ms))
			ms = io_remaining(r->wake_ms);
		if (poll(pf, (nfds_t)npf, ms) == -1 && errno != EINTR)
			err(EXIT_FAIL, "poll");
		if (pf[0].revents)
			on_signal(r);
		/* a stage that outlives the grace period after a signal */
		if (r->term_kill_at >= 0 && io_remaining(r->term_kill_at) == 0) {
			signal_all(r, SIGKILL);
			r->term_kill_at = -1;
		}
		if (next_tick >= 0 && io_remaining(next_tick) == 0) {
			progress(r, false);
			next_tick = io_now_ms() + TICK_MS;
		}
		if (!timed_out && deadline >= 0 && io_remaining(deadline) == 0) {
			warnx("timed out after %s: stopping the stages",
			    r->timeout_arg);
			timed_out = true;
			stop_relays(r);
			signal_all(r, SIGTERM);
			kill_at = io_now_ms() + GRACE_MS;
		} else if (timed_out && kill_at >= 0 &&
		    io_remaining(kill_at) == 0) {
			signal_all(r, SIGKILL);
			kill_at = -1;
		}
	}
	free(pf);
	if (r->progress)
		progress(r, true);
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
verdict(struct pipe_run *r)
{
	int first = 0;
	char sb[32];

	for (int i = 0; i < r->nst; i++) {
		struct stage *s = &r->st[i];
		int st = stage_status(s);

		if (st == 0)
			continue;
		if (first == 0)
			first = st;
		if (s->exec_errno)
			warnx("stage %d: exec %s: %s", i + 1, stage_name(r, i),
			    strerror(s->exec_errno));
		else if (WIFSIGNALED(s->status))
			warnx("stage %d (%s) killed by signal %s", i + 1,
			    stage_name(r, i), signal_name(WTERMSIG(s->status),
			    sb, sizeof(sb)) ? sb : "?");
		else
			warnx("stage %d (%s) failed with exit status %d", i + 1,
			    stage_name(r, i), st);
	}
	return first;
}

/* split: cut the operands at "::" into stages (the "::" become NULL);
 * usage error for an empty command */
static void
split(struct pipe_run *r, char **words, int n)
{
	int start = 0;

	r->st = calloc((size_t)n + 1, sizeof(*r->st));
	if (r->st == NULL)
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
		r->st[r->nst++].argv = &words[start];
		start = i + 1;
	}
}

/* sh_join: with --sh, each stage's words become one shell command */
static void
sh_join(struct pipe_run *r)
{
	for (int i = 0; i < r->nst; i++) {
		char **w = r->st[i].argv;
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
		w[0] = r->st[i].joined = s;	/* only argv[0] is used */
	}
}

/* check_size: refuse a --size the system does not allow */
static void
check_size(struct pipe_run *r)
{
	long long max = read_max_size();

	if (r->size == 0)
		usage_error("--size must be at least 1 byte");
	if (r->size > INT_MAX || (max > 0 && r->size > (uint64_t)max))
		errx(EX_USAGE, "--size %s: beyond the system maximum of %lld "
		    "bytes (%s)", r->size_arg, max, MAX_PIPE_FILE);
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
set_topo(struct pipe_run *r, enum topology t)
{
	static bool set;

	if (set && r->topo != t)
		usage_error("--fan-out, --fan-in and --cycle exclude each "
		    "other");
	r->topo = t;
	set = true;
}

/* parse_opts: read the options into r; returns true for --info */
static bool
parse_opts(struct pipe_run *r, struct opt_parser *p)
{
	bool info = false;
	int c;

	while ((c = opt_next(p)) != -1) {
		switch (c) {
		case '0':
			r->delim = '\0';
			break;
		case 'B':
			r->size = opt_size(p);
			r->size_arg = p->arg;
			break;
		case 't':
			r->timeout_ms = opt_timeout(p);
			r->timeout_arg = p->arg;
			break;
		case KEY_CYCLE:
			set_topo(r, CYCLE);
			break;
		case KEY_FAN_IN:
			set_topo(r, FAN_IN);
			break;
		case KEY_FAN_OUT:
			set_topo(r, FAN_OUT);
			break;
		case KEY_INFO:
			info = true;
			break;
		case KEY_PROGRESS:
			r->progress = true;
			break;
		case KEY_RATE_LIMIT:
			if ((r->rate = opt_size(p)) == 0)
				usage_error("--rate-limit 0 would move nothing");
			break;
		case KEY_TOTAL:
			r->total = opt_size(p);
			break;
		case KEY_SH:
			r->sh = true;
			break;
		case KEY_STATS:
			r->stats = true;
			break;
		}
	}
	return info;
}

/* check_stages: the commands fit the shape, or a usage error */
static void
check_stages(struct pipe_run *r)
{
	if (r->topo == CYCLE && r->nst != 2)
		usage_error("--cycle needs exactly two commands, not %d",
		    r->nst);
	if ((r->topo == FAN_OUT || r->topo == FAN_IN) && r->nst < 2)
		usage_error("--%s needs at least two commands",
		    r->topo == FAN_OUT ? "fan-out" : "fan-in");
	if (r->rate && r->nst < 2)
		usage_error("--rate-limit paces the pipes between commands: "
		    "give two or more");
	if (r->rate && r->topo == FAN_IN)
		usage_error("--rate-limit paces relayed pipes, not the merge "
		    "of --fan-in");
	if (r->total && !r->progress)
		usage_error("--total is what --progress counts toward: give "
		    "--progress");
}

/* run_free: release what the run allocated (every relay is done) */
static void
run_free(struct pipe_run *r)
{
	for (int i = 0; i < r->nlinks; i++)
		free(r->links[i].dst);
	free(r->links);
	free(r->merge.src);
	for (int i = 0; i < r->nst; i++)
		free(r->st[i].joined);
	free(r->st);
	if (r->devnull != -1)
		close(r->devnull);
	if (r->sigfd > 0)
		close(r->sigfd);
}

static int
pipe_main(int argc, char **argv)
{
	struct pipe_run the_run = { 0 }, *r = &the_run;
	struct opt_parser p;
	int n, status;
	bool timed_out;
	char **words;

	r->delim = '\n';
	r->timeout_ms = -1;
	opt_init(&p, &applet_pipe, NULL, argc, argv);
	if (parse_opts(r, &p)) {
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
	split(r, words, n);
	check_stages(r);
	if (r->size_arg)
		check_size(r);
	if (r->sh)
		sh_join(r);

	stdio_open();
	r->relay = r->stats || r->progress || r->rate || r->topo == FAN_OUT ||
	    r->topo == FAN_IN;
	r->devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (r->devnull == -1)
		err(EXIT_FAIL, "open /dev/null");
	r->start_ms = io_now_ms();
	setup_signals(r);
	wire(r);
	start(r);
	timed_out = run(r);
	if (r->stats)
		print_stats(r);
	status = timed_out ? EX_TEMPFAIL : verdict(r);
	if (r->term_sig)	/* stopped by a signal: 128 + N, as a shell */
		status = 128 + r->term_sig;
	run_free(r);
	opt_free(&p);
	return status;
}
