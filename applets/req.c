/* applets/req.c - req: jobs and their results on the bus. `req serve`
 * runs a command per job (posix_spawn(3): a vfork(2) with setpgid(2) and
 * dup2(2), then execve(2); pipe2(2), signalfd(2) for SIGCHLD, waitpid(2),
 * kill(2) on timeout) and replies with its stdout and exit status (header
 * Ipctool-Status), or with --lines keeps one command running and feeds it
 * a job per line (non-blocking pipes, poll(2)); `req call` sends jobs as
 * NATS requests, one at a time or many in flight. See ipctool-req(1). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bsd/stdlib.h>
#include <bsd/string.h>

#include "applet.h"
#include "buf.h"
#include "die.h"
#include "frame.h"
#include "io.h"
#include "sigs.h"
#include "out.h"
#include "pidfile.h"
#include "parse.h"
#include "stats.h"
#include "bus/cli.h"
#include "bus/client.h"
#include "bus/job.h"

static int req_main(int argc, char **argv);

enum {
	KEY_ASYNC = 256,
	KEY_COUNT,
	KEY_CREDS,
	KEY_JSON,
	KEY_LINES,
	KEY_NKEY,
	KEY_ORDERED,
	KEY_READY_FILE,
	KEY_RECONNECT,
	KEY_REPLY_TO,
	KEY_STATS,
	KEY_TAG,
	KEY_TLS,
};

/* The subcommands, as bits for the .sub of the options */
enum {
	REQ_CALL = 1 << 0,
	REQ_SERVE = 1 << 1,
};

static const struct opt_sub req_subs[] = {
	{ .name = "call", .id = REQ_CALL },
	{ .name = "serve", .id = REQ_SERVE, .flags = APPLET_CMD },
	{ .name = NULL }
};

static const struct opt req_opts[] = {
	{ .so = '0', .lo = "null",
	    .sub = REQ_CALL,
	    .help = "call: jobs and results end with NUL, not newline" },
	{ .lo = "async", .key = KEY_ASYNC,
	    .sub = REQ_CALL,
	    .help = "call: a job per stdin line, results as they come" },
	{ .so = 'b', .lo = "bus", .arg = OPT_ADDR, .meta = "ADDR",
	    .sub = REQ_CALL | REQ_SERVE,
	    .help = "the broker, or a list A,B,... (default $IPCTOOL_BUS)" },
	{ .so = 'j', .lo = "jobs", .arg = OPT_INT, .meta = "N",
	    .sub = REQ_SERVE,
	    .help = "serve: run up to N jobs at once (the CPUs)" },
	{ .so = 'q', .lo = "queue", .arg = OPT_STR, .meta = "GROUP",
	    .sub = REQ_SERVE,
	    .help = "serve: the queue group (default the subject)" },
	{ .so = 't', .lo = "timeout", .arg = OPT_DURATION, .meta = "DUR",
	    .sub = REQ_CALL | REQ_SERVE,
	    .help = "serve: kill a job after DUR; call: wait DUR" },
	{ .so = 'w', .lo = "window", .arg = OPT_INT, .meta = "N",
	    .sub = REQ_CALL,
	    .help = "call --async: up to N jobs in flight (16)" },
	{ .so = 'c', .lo = "count", .key = KEY_COUNT, .arg = OPT_INT, .meta = "N",
	    .sub = REQ_SERVE,
	    .help = "serve: exit after N jobs" },
	{ .lo = "creds", .key = KEY_CREDS, .arg = OPT_PATH, .meta = "FILE",
	    .help = "a NATS creds file (user JWT and nkey seed)" },
	{ .lo = "json", .key = KEY_JSON,
	    .sub = REQ_CALL,
	    .help = "call: one JSON object per result (and --stats)" },
	{ .lo = "lines", .key = KEY_LINES,
	    .sub = REQ_SERVE,
	    .help = "serve: one long-running CMD, a job per line" },
	{ .lo = "nkey", .key = KEY_NKEY, .arg = OPT_PATH, .meta = "FILE",
	    .help = "sign in with the user nkey seed in FILE" },
	{ .lo = "ordered", .key = KEY_ORDERED,
	    .sub = REQ_CALL,
	    .help = "call --async: print results in input order" },
	{ .lo = "ready-file", .key = KEY_READY_FILE, .arg = OPT_PATH,
	    .meta = "FILE", .sub = REQ_SERVE,
	    .help = "serve: create FILE once subscribed" },
	{ .lo = "reconnect", .key = KEY_RECONNECT,
	    .sub = REQ_SERVE,
	    .help = "serve: when the broker goes, wait for it back" },
	{ .lo = "reply-to", .key = KEY_REPLY_TO, .arg = OPT_STR,
	    .meta = "SUBJECT", .sub = REQ_CALL,
	    .help = "call: results go to SUBJECT; return" },
	{ .lo = "insecure", .key = KEY_TLS, .sub = REQ_CALL | REQ_SERVE,
	    .help = "TLS: do not verify the broker's certificate" },
	{ .lo = "tls-ca", .key = KEY_TLS, .arg = OPT_PATH, .meta = "FILE",
	    .sub = REQ_CALL | REQ_SERVE,
	    .help = "TLS: verify the broker against the CAs in FILE" },
	{ .lo = "tls-cert", .key = KEY_TLS, .arg = OPT_PATH, .meta = "FILE",
	    .sub = REQ_CALL | REQ_SERVE,
	    .help = "TLS: the client certificate for the broker" },
	{ .lo = "tls-key", .key = KEY_TLS, .arg = OPT_PATH, .meta = "FILE",
	    .sub = REQ_CALL | REQ_SERVE,
	    .help = "TLS: the private key of --tls-cert" },
	{ .lo = "stats", .key = KEY_STATS, .sub = REQ_CALL,
	    .help = "call: round-trip summary on stderr at exit" },
	{ .lo = "tag", .key = KEY_TAG,
	    .sub = REQ_CALL,
	    .help = "call --async: the job number and a tab before results" },
	OPT_END
};

const struct applet applet_req = {
	.name = "req",
	.brief = "jobs and their results (request/response) on the bus",
	.usage = "req serve [-b ADDR] [-q GROUP] [-j N] [-t DUR] SUBJECT -- CMD...\n"
	    "req serve --lines [-b ADDR] [-q GROUP] [-t DUR] SUBJECT -- CMD...\n"
	    "req call [-0] [-b ADDR] [-t DUR] [--json] SUBJECT [PAYLOAD]\n"
	    "req call --async [-0] [-w N] [--ordered] [--tag] [--json] SUBJECT\n"
	    "req call [--async] --stats [--json] [OPTIONS] SUBJECT",
	.subcmds = req_subs,
	.opts = req_opts,
	.main = req_main,
};

#define DEFAULT_WINDOW	16
#define MAX_JOBS	1024
#define MAX_BACKLOG	100000

/* The options, as parsed; read-only once the engines run */
static struct options {
	const char *bus;
	bool async, json, lines, null, ordered, reconnect, stats, tag;
	long long jobs, window, count;
	const char *queue, *ready_file, *reply_to;
	int64_t timeout;
} o = { .timeout = TIMEOUT_UNSET, .window = DEFAULT_WINDOW };

/* ---- serve ---- */

struct job {
	bool used, exited, out_eof, timed_out, too_large;
	pid_t pid;
	int in_fd, out_fd;
	struct buf payload;
	size_t in_off;
	struct buf out;
	char *reply;		/* NULL: nobody waits for the result */
	int64_t deadline;
	int wstatus;
	char error[160];
	struct job *next;	/* backlog */
};

/* A job written to the command, waiting for its line */
struct pend {
	char reply[96];		/* "": nobody waits for the result */
	char *long_reply;	/* a reply subject that does not fit */
	int64_t deadline;
};

/* serve --lines: the one command and the jobs waiting for its lines */
struct coproc {
	pid_t pid;		/* 0: not running */
	bool exited;		/* reaped; wstatus holds how */
	int wstatus;
	int in_fd, out_fd;
	struct buf in;		/* lines not yet written to its stdin */
	size_t in_off;
	struct buf line;	/* a line read in part */
	bool line_too_large;
	struct pend *q;		/* ring of jobs waiting for their line */
	size_t qcap, qhead, qlen;
	char ok_hdr[64];	/* the header of a status 0 result */
	size_t ok_hlen;
};

/* req serve: the worker, its connection and, per engine, its jobs: a
 * command per job in slots (the pool fields), or one command fed a job
 * per line (co) */
struct worker {
	struct bus_client c;
	struct job *jobs;		/* o.jobs slots */
	int running;
	struct job *head, *tail;	/* accepted, not yet started */
	long backlog;
	long long taken;		/* jobs accepted (--count) */
	char **cmdv;
	char *path;			/* cmdv[0] found in $PATH, or NULL */
	const char *subject;
	uint64_t sid;
	bool stopping;
	bool killing;			/* a second signal: SIGKILL the jobs */
	int term_sig;			/* the signal that stopped us */
	struct coproc co;		/* --lines */
};


static void on_line_job(struct bus_client *c, const struct bus_msg *m,
    void *arg);

/* accepting: whether w takes one more job while waiting jobs wait (not
 * once stopping or when --count jobs came; a full backlog drops it with
 * a warning) */
static bool
accepting(const struct worker *w, size_t waiting)
{
	if (w->stopping || (o.count > 0 && w->taken >= o.count))
		return false;
	if (waiting >= MAX_BACKLOG) {
		warnx("backlog of %d jobs full: dropping a job", MAX_BACKLOG);
		return false;
	}
	return true;
}

/* on_job: accept one job (copied: the message is only valid now) */
static void
on_job(struct bus_client *c, const struct bus_msg *m, void *arg)
{
	struct worker *w = arg;
	struct job *j;

	if (!accepting(w, (size_t)w->backlog))
		return;
	if ((j = calloc(1, sizeof(*j))) == NULL ||
	    buf_add(&j->payload, m->data.p, m->data.len) == -1 ||
	    (m->reply.len && (j->reply = strndup(m->reply.p,
	    m->reply.len)) == NULL))
		err(EXIT_FAIL, "allocate");
	w->taken++;
	if (w->tail)
		w->tail->next = j;
	else
		w->head = j;
	w->tail = j;
	w->backlog++;
	if (o.count > 0 && w->taken == o.count)
		(void)bus_unsub(c, w->sid, 0);
}

/* cpus: the CPUs this process may run on (as nproc(1): its affinity
 * mask, so taskset and cpusets count), 1 to MAX_JOBS */
static long long
cpus(void)
{
	cpu_set_t set;
	int n;

	if (sched_getaffinity(0, sizeof(set), &set) == -1)
		return 1;
	n = CPU_COUNT(&set);
	return n < 1 ? 1 : n > MAX_JOBS ? MAX_JOBS : n;
}

/* spawn_cmd: start the command in its own process group with a pipe to
 * its stdin and one from its stdout (both non-blocking on our side,
 * stderr shared) by posix_spawn(3) (a vfork: no page tables copied);
 * when it cannot be executed, the reason goes into error, *status gets
 * 127 or 126 and the pid returned is 0 (there is no child) */
static pid_t
spawn_cmd(struct worker *w, int *in_fd, int *out_fd, char *error,
    size_t errlen, int *status)
{
	static bool ready;
	static posix_spawnattr_t attr;
	posix_spawn_file_actions_t fa;
	int in[2], out[2], e;
	sigset_t none, all;
	pid_t pid = 0;

	if (!ready) {	/* as sigs_child(): default signals, no mask */
		sigemptyset(&none);
		sigs_child_default(&all);
		if (posix_spawnattr_init(&attr) != 0 ||
		    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
		    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF) != 0 ||
		    posix_spawnattr_setpgroup(&attr, 0) != 0 ||
		    posix_spawnattr_setsigmask(&attr, &none) != 0 ||
		    posix_spawnattr_setsigdefault(&attr, &all) != 0)
			errx(EXIT_FAIL, "posix_spawnattr: out of memory");
		ready = true;
	}
	error[0] = '\0';
	*in_fd = *out_fd = -1;
	/* out of descriptors (EMFILE) is this job's failure, not ours */
	in[0] = in[1] = -1;
	if (pipe2(in, O_CLOEXEC) == -1 || pipe2(out, O_CLOEXEC) == -1) {
		e = errno;
		if (in[0] >= 0) {
			close(in[0]);
			close(in[1]);
		}
		snprintf(error, errlen, "cannot start %s: pipe2: %s",
		    w->cmdv[0], strerror(e));
		out_trace("%s", error);
		*status = JOB_ST_FAILED;
		return 0;
	}
	if (posix_spawn_file_actions_init(&fa) != 0 ||
	    posix_spawn_file_actions_adddup2(&fa, in[0], 0) != 0 ||
	    posix_spawn_file_actions_adddup2(&fa, out[1], 1) != 0)
		errx(EXIT_FAIL, "posix_spawn_file_actions: out of memory");
	e = w->path ? posix_spawn(&pid, w->path, &fa, &attr, w->cmdv,
	    environ) : posix_spawnp(&pid, w->cmdv[0], &fa, &attr, w->cmdv,
	    environ);
	posix_spawn_file_actions_destroy(&fa);
	if (e != 0) {
		snprintf(error, errlen, "cannot execute %s: %s", w->cmdv[0],
		    strerror(e));
		*status = e == ENOENT ? JOB_ST_NOTFOUND : JOB_ST_NOEXEC;
		pid = 0;
	}
	out_trace("posix_spawn() = %d, exec(%s)%s%s", (int)pid,
	    w->path ? w->path : w->cmdv[0], error[0] ? ": " : "", error);
	close(in[0]);
	close(out[1]);
	*in_fd = in[1];
	*out_fd = out[0];
	/* our ends, fresh from pipe2: no flags to keep but O_NONBLOCK */
	fcntl(*in_fd, F_SETFL, O_NONBLOCK);
	fcntl(*out_fd, F_SETFL, O_NONBLOCK);
	return pid;
}

/* signal_job: pass sig to j's process group; unless it is SIGKILL, the
 * job gets SIGS_GRACE_MS to end before kill_overdue sends SIGKILL */
static void
signal_job(struct job *j, int sig)
{
	int64_t grace = io_deadline(SIGS_GRACE_MS);

	if (!j->used || j->pid <= 0 || j->exited)
		return;
	out_trace("job %d: kill(-%d, %s)", (int)j->pid, (int)j->pid,
	    sig == SIGKILL ? "SIGKILL" : strsignal(sig));
	kill(-j->pid, sig);
	if (sig != SIGKILL && (j->deadline < 0 || j->deadline > grace))
		j->deadline = grace;
}

/* signal_jobs: pass sig on to every running job and the --lines command */
static void
signal_jobs(struct worker *w, int sig)
{
	for (int i = 0; i < o.jobs; i++)
		signal_job(&w->jobs[i], sig);
	if (w->co.pid > 0 && !w->co.exited)
		kill(-w->co.pid, sig);
}

static void feed(struct job *j);

/* spawn: start j's command, and give it what fits of its payload;
 * exec failures land in j->error */
static void
spawn(struct worker *w, struct job *j)
{
	int st;

	j->pid = spawn_cmd(w, &j->in_fd, &j->out_fd, j->error, sizeof(j->error),
	    &st);
	j->deadline = io_deadline(o.timeout);
	if (w->stopping)	/* taken before the signal: ends as the rest */
		signal_job(j, w->killing ? SIGKILL : w->term_sig);
	if (j->pid == 0) {	/* nothing to wait for: done with st */
		j->exited = true;
		j->wstatus = st << 8;
		if (j->out_fd >= 0)
			close(j->out_fd);
		j->out_fd = -1;
		j->out_eof = true;
	}
	if (j->payload.len == 0 || j->in_fd < 0) {
		close(j->in_fd);
		j->in_fd = -1;
	} else {
		feed(j);	/* the pipe is empty: no poll(2) for room */
	}
}

/* resolve_cmd: the command's path found once in $PATH (so that a job does
 * not try execve in every directory), or NULL to leave it to posix_spawnp */
static char *
resolve_cmd(const char *name)
{
	char path[PATH_MAX];

	if (strchr(name, '/') || io_cmd_path(name, path, sizeof(path)) == -1)
		return NULL;
	return strdup(path);
}

/* start_jobs: move backlog jobs into free slots */
static void
start_jobs(struct worker *w)
{
	for (int i = 0; i < o.jobs && w->head; i++) {
		struct job *j = w->head;

		if (w->jobs[i].used)
			continue;
		w->head = j->next;
		if (w->head == NULL)
			w->tail = NULL;
		w->backlog--;
		j->next = NULL;
		w->jobs[i] = *j;
		free(j);
		w->jobs[i].used = true;
		w->running++;
		spawn(w, &w->jobs[i]);
	}
}

/* job_status: the status reported for a finished job */
static int
job_status(const struct job *j, const char **why)
{
	*why = NULL;
	if (j->error[0]) {
		*why = j->error;
		return WIFEXITED(j->wstatus) ? WEXITSTATUS(j->wstatus) :
		    JOB_ST_FAILED;
	}
	if (j->timed_out) {
		*why = "timeout";
		return JOB_ST_TIMEOUT;
	}
	if (j->too_large) {
		*why = "result larger than the bus's max_payload";
		return JOB_ST_FAILED;
	}
	if (WIFSIGNALED(j->wstatus))
		return 128 + WTERMSIG(j->wstatus);
	return WEXITSTATUS(j->wstatus);
}

/* finish: reply with j's result and free its slot */
static void
finish(struct worker *w, struct job *j)
{
	char hdr[512], sig[32];
	const char *why;
	size_t h;
	int st = job_status(j, &why);

	if (j->reply) {
		h = job_result_hdr(hdr, sizeof(hdr), st, why,
		    WIFSIGNALED(j->wstatus) && signal_name(WTERMSIG(j->wstatus),
		    sig, sizeof(sig)) ? sig : NULL);
		if (j->too_large)
			j->out.len = 0;
		if (h >= sizeof(hdr) || bus_pub(&w->c, j->reply, NULL, hdr, h,
		    j->out.p ? j->out.p : "", j->out.len) == -1)
			warn("reply to %s", j->reply);
	}
	out_trace("job %d: status %d%s%s", (int)j->pid, st, why ? ", " : "",
	    why ? why : "");
	if (why && strcmp(why, "timeout") == 0)
		warnx("job %d killed after the timeout", (int)j->pid);
	else if (j->error[0])
		warnx("%s", j->error);
	if (j->in_fd != -1)
		close(j->in_fd);
	if (j->out_fd != -1)
		close(j->out_fd);
	free(j->payload.p);
	free(j->out.p);
	free(j->reply);
	memset(j, 0, sizeof(*j));
	w->running--;
}

/* feed: write more of the payload to the job's stdin */
static void
feed(struct job *j)
{
	ssize_t n = write(j->in_fd, j->payload.p + j->in_off,
	    j->payload.len - j->in_off);

	if (n > 0)
		j->in_off += (size_t)n;
	if ((n == -1 && errno != EAGAIN && errno != EINTR) ||
	    j->in_off == j->payload.len) {
		close(j->in_fd);	/* EPIPE: the job did not want it all */
		j->in_fd = -1;
	}
}

/* drain_out: read what the job wrote to stdout */
static void
drain_out(struct worker *w, struct job *j)
{
	char chunk[65536];
	ssize_t n;

	while ((n = read(j->out_fd, chunk, sizeof(chunk))) > 0) {
		if (j->out.len + (size_t)n + 512 > w->c.info.max_payload)
			j->too_large = true;
		else if (buf_add(&j->out, chunk, (size_t)n) == -1)
			err(EXIT_FAIL, "allocate");
	}
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
		close(j->out_fd);
		j->out_fd = -1;
		j->out_eof = true;
	}
}

/* reap: collect exited jobs */
static void
reap(struct worker *w)
{
	struct coproc *co = &w->co;
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if (o.lines && pid == co->pid) {
			co->exited = true;
			co->wstatus = st;
		}
		for (int i = 0; i < o.jobs; i++)
			if (w->jobs[i].used && w->jobs[i].pid == pid) {
				w->jobs[i].exited = true;
				w->jobs[i].wstatus = st;
			}
	}
}

/* kill_overdue: kill the jobs past their --timeout; returns the ms until
 * the next deadline, -1 none */
static int
kill_overdue(struct worker *w, int64_t now)
{
	int wait = -1;

	for (int i = 0; i < o.jobs; i++) {
		struct job *j = &w->jobs[i];

		if (!j->used || j->deadline < 0 || j->timed_out || j->exited)
			continue;
		if (j->deadline <= now) {
			j->timed_out = true;
			kill(-j->pid, SIGKILL);
			out_trace("job %d: kill(-%d, SIGKILL) after the timeout",
			    (int)j->pid, (int)j->pid);
		} else if (wait == -1 || j->deadline - now < wait) {
			wait = (int)(j->deadline - now);
		}
	}
	return wait;
}

/* read_signals: act on what the signalfd holds: SIGCHLD reaps, the first
 * SIGTERM or SIGINT stops taking jobs, the second exits; returns true
 * when a stop was asked */
static bool
read_signals(struct worker *w, int sfd)
{
	struct signalfd_siginfo sis[16];
	bool stop = false;
	ssize_t n;

	/* several at a time; fewer than asked for: that was all */
	do {
		n = read(sfd, sis, sizeof(sis));
		for (ssize_t i = 0; i < n / (ssize_t)sizeof(sis[0]); i++) {
			if (sis[i].ssi_signo == SIGCHLD)
				continue;
			stop = true;
			if (w->stopping) {	/* again: no job is left */
				w->killing = true;
				signal_jobs(w, SIGKILL);
				continue;
			}
			w->stopping = true;
			w->term_sig = (int)sis[i].ssi_signo;
			if (w->c.fd != -1)
				(void)bus_unsub(&w->c, w->sid, 0);
			signal_jobs(w, w->term_sig);
		}
	} while (n == (ssize_t)sizeof(sis));
	reap(w);
	return stop;
}

/* subscribe: take jobs on the subject in the queue group and wait for
 * the broker to confirm until dl; 0, or -1 with errno */
static int
subscribe(struct worker *w, int64_t dl)
{
	if ((w->sid = bus_sub(&w->c, w->subject, o.queue ? o.queue :
	    w->subject)) == 0) {
		if (errno == EINVAL)
			usage_error("invalid subject '%s' or queue group",
			    w->subject);
		return -1;
	}
	return bus_flush(&w->c, dl);
}

/* redial: after the connection failed with errno e, connect again with
 * backoff (signals still heard: a stop exits 69) and subscribe again
 * unless every job of --count was taken; exits on errors that waiting
 * cannot cure */
static void
redial(struct worker *w, int e, int sfd)
{
	warnx("serve: lost the broker at %s (%s): reconnecting", bus_cli_addr,
	    bus_strerror(&w->c, e));
	bus_close(&w->c);
	for (unsigned attempt = 1;; attempt++) {
		struct pollfd pf = { sfd, POLLIN, 0 };
		int64_t dl = io_deadline(bus_backoff_ms(attempt));
		int wait;

		/* jobs still run meanwhile: their --timeout holds */
		for (;;) {
			int left = io_remaining(dl);

			wait = kill_overdue(w, io_now_ms());
			if (left == 0)
				break;
			if (wait == -1 || wait > left)
				wait = left;
			if (poll(&pf, 1, wait) > 0 && read_signals(w, sfd))
				errx(EX_UNAVAILABLE, "serve: stopped while "
				    "the broker at %s was away", bus_cli_addr);
		}
		dl = io_deadline(BUS_CONNECT_TIMEOUT);
		if (bus_cli_reconnect(&w->c, "ipctool req serve", dl) == -1) {
			if (!bus_retryable(errno))
				bus_cli_fail(&w->c, errno, "reconnect");
			continue;
		}
		w->c.on_msg = o.lines ? on_line_job : on_job;
		w->c.on_msg_arg = w;
		if (w->stopping || (o.count > 0 && w->taken >= o.count) ||
		    subscribe(w, dl) == 0)
			break;
		bus_close(&w->c);
	}
	warnx("serve: reconnected to %s", bus_cli_addr);
}

/* lost: the connection failed with errno e: reconnect or exit */
static void
lost(struct worker *w, int e, int sfd, const char *what)
{
	char buf[sizeof(bus_cli_addr) + 48];

	if (o.reconnect) {
		redial(w, e, sfd);
		return;
	}
	snprintf(buf, sizeof(buf), "%s: lost the broker at %s", what,
	    bus_cli_addr);
	bus_cli_fail(&w->c, e, buf);
}

/* serve_loop: poll the bus, signals and every job until stopped */
static void
serve_loop(struct worker *w, int sfd)
{
	struct pollfd *pf;
	struct job **who;
	size_t max = 2 + 2 * (size_t)o.jobs;

	if ((pf = calloc(max, sizeof(*pf))) == NULL ||
	    (who = calloc(max, sizeof(*who))) == NULL)
		err(EXIT_FAIL, "allocate");
	for (;;) {
		int n = 0, wait;
		int64_t now;

		for (int i = 0; i < o.jobs; i++) {
			struct job *j = &w->jobs[i];

			if (j->used && j->exited && j->out_eof)
				finish(w, j);
		}
		start_jobs(w);
		/* a job that could not start (no descriptors left) is done
		 * at once: answer it now, not after the next event */
		for (int i = 0; i < o.jobs; i++) {
			struct job *j = &w->jobs[i];

			if (j->used && j->exited && j->out_eof && j->pid == 0)
				finish(w, j);
		}
		if (bus_send(&w->c) == -1) {
			lost(w, errno, sfd, "reply");
			continue;
		}
		if (w->head == NULL && w->running == 0 && (w->stopping ||
		    (o.count > 0 && w->taken >= o.count)))
			break;
		pf[n] = (struct pollfd){ w->c.fd, POLLIN, 0 };
		who[n++] = NULL;
		pf[n] = (struct pollfd){ sfd, POLLIN, 0 };
		who[n++] = NULL;
		now = io_now_ms();
		for (int i = 0; i < o.jobs; i++) {
			struct job *j = &w->jobs[i];

			if (!j->used)
				continue;
			if (j->in_fd != -1) {
				pf[n] = (struct pollfd){ j->in_fd, POLLOUT, 0 };
				who[n++] = j;
			}
			if (j->out_fd != -1) {
				pf[n] = (struct pollfd){ j->out_fd, POLLIN, 0 };
				who[n++] = j;
			}
		}
		wait = kill_overdue(w, now);
		if (poll(pf, (nfds_t)n, wait) == -1) {
			if (errno == EINTR)
				continue;
			err(EXIT_FAIL, "poll");
		}
		for (int i = 2; i < n; i++) {
			if (pf[i].revents == 0)
				continue;
			if (pf[i].events == POLLOUT && who[i]->in_fd != -1)
				feed(who[i]);
			else if (pf[i].events == POLLIN && who[i]->out_fd != -1)
				drain_out(w, who[i]);
		}
		if (pf[1].revents)
			(void)read_signals(w, sfd);
		if (pf[0].revents && bus_process(&w->c, io_now_ms()) == -1)
			lost(w, errno, sfd, "serve");
	}
	free(pf);
	free(who);
}

/* ---- serve --lines: one long-running command, a job per line ---- */


/* pend_reply: where the result of p goes, or NULL */
static const char *
pend_reply(const struct pend *p)
{
	if (p->long_reply)
		return p->long_reply;
	return p->reply[0] ? p->reply : NULL;
}

/* line_reply: send a result for reply (NULL: nobody waits) */
static void
line_reply(struct worker *w, const char *reply, int st, const char *why,
    const char *data, size_t len)
{
	struct coproc *co = &w->co;
	char hdr[512];
	size_t h;

	if (reply == NULL)
		return;
	if (st == 0 && why == NULL) {
		if (bus_pub(&w->c, reply, NULL, co->ok_hdr, co->ok_hlen, data,
		    len) == -1)
			warn("reply to %s", reply);
		return;
	}
	h = job_result_hdr(hdr, sizeof(hdr), st, why, NULL);
	if (h >= sizeof(hdr) || bus_pub(&w->c, reply, NULL, hdr, h, data,
	    len) == -1)
		warn("reply to %s", reply);
}

/* pend_pop: answer the oldest waiting job and drop it */
static void
pend_pop(struct worker *w, int st, const char *why, const char *data,
    size_t len)
{
	struct coproc *co = &w->co;
	struct pend *p = &co->q[co->qhead];

	line_reply(w, pend_reply(p), st, why, data, len);
	free(p->long_reply);
	p->long_reply = NULL;
	co->qhead = (co->qhead + 1) % co->qcap;
	co->qlen--;
}

/* pend_push: a new waiting job for reply (may be NULL) */
static void
pend_push(struct worker *w, const struct proto_str *reply)
{
	struct coproc *co = &w->co;
	struct pend *p;

	if (co->qlen == co->qcap) {
		size_t cap = co->qcap ? co->qcap * 2 : 256;
		struct pend *nq = calloc(cap, sizeof(*nq));

		if (nq == NULL)
			err(EXIT_FAIL, "allocate");
		for (size_t i = 0; i < co->qlen; i++)
			nq[i] = co->q[(co->qhead + i) % co->qcap];
		free(co->q);
		co->q = nq;
		co->qcap = cap;
		co->qhead = 0;
	}
	p = &co->q[(co->qhead + co->qlen++) % co->qcap];
	p->reply[0] = '\0';
	p->long_reply = NULL;
	if (reply->len >= sizeof(p->reply)) {
		if ((p->long_reply = strndup(reply->p, reply->len)) == NULL)
			err(EXIT_FAIL, "allocate");
	} else if (reply->len) {
		memcpy(p->reply, reply->p, reply->len);
		p->reply[reply->len] = '\0';
	}
	p->deadline = io_deadline(o.timeout);
}

/* co_start: start the command; false (and why) when it cannot run */
static bool
co_start(struct worker *w, char *why, size_t len)
{
	struct coproc *co = &w->co;
	int st;

	co->pid = spawn_cmd(w, &co->in_fd, &co->out_fd, why, len, &st);
	co->exited = false;
	co->line.len = 0;
	co->line_too_large = false;
	co->in.len = co->in_off = 0;
	if (why[0] == '\0')
		return true;
	if (co->in_fd >= 0)
		close(co->in_fd);
	if (co->out_fd >= 0)
		close(co->out_fd);
	co->in_fd = co->out_fd = -1;
	co->wstatus = st << 8;
	return false;
}

/* co_stop: end the command (SIGKILL to its group unless it exited) and
 * fail every job still waiting with status 125 and a reason */
static void
co_stop(struct worker *w, const char *how)
{
	struct coproc *co = &w->co;
	char why[160], sig[32];

	if (co->pid && !co->exited && waitpid(co->pid, &co->wstatus,
	    WNOHANG) != co->pid) {
		kill(-co->pid, SIGKILL);
		out_trace("kill(-%d, SIGKILL): %s", (int)co->pid, how);
		(void)waitpid(co->pid, &co->wstatus, 0);
	}
	if (how)
		snprintf(why, sizeof(why), "%s", how);
	else if (WIFSIGNALED(co->wstatus) && signal_name(WTERMSIG(co->wstatus),
	    sig, sizeof(sig)))
		snprintf(why, sizeof(why), "the command was killed by %s", sig);
	else
		snprintf(why, sizeof(why), "the command exited with status %d",
		    WEXITSTATUS(co->wstatus));
	if (co->qlen)
		warnx("%s: %zu job%s without a result", why, co->qlen,
		    co->qlen == 1 ? "" : "s");
	while (co->qlen)
		pend_pop(w, JOB_ST_FAILED, why, "", 0);
	if (co->in_fd != -1)
		close(co->in_fd);
	if (co->out_fd != -1)
		close(co->out_fd);
	co->in_fd = co->out_fd = -1;
	co->pid = 0;
	co->exited = false;
}

/* on_line_job: accept one job: a line for the command (started when it
 * is not running), or an error result at once */
static void
on_line_job(struct bus_client *c, const struct bus_msg *m, void *arg)
{
	struct worker *w = arg;
	struct coproc *co = &w->co;
	char why[160];
	size_t len = m->data.len;
	char rbuf[256], *reply = NULL, *long_reply = NULL;

	if (!accepting(w, co->qlen))
		return;
	w->taken++;
	if (o.count > 0 && w->taken == o.count)
		(void)bus_unsub(c, w->sid, 0);
	if (len && m->data.p[len - 1] == '\n')
		len--;
	if (memchr(m->data.p, '\n', len) == NULL && (co->pid != 0 ||
	    co_start(w, why, sizeof(why)))) {
		if (buf_add(&co->in, m->data.p, len) == -1 ||
		    buf_add(&co->in, "\n", 1) == -1)
			err(EXIT_FAIL, "allocate");
		pend_push(w, &m->reply);
		return;
	}
	/* answered at once: a job of several lines, or CMD cannot run */
	if (m->reply.len >= sizeof(rbuf) && (reply = long_reply =
	    strndup(m->reply.p, m->reply.len)) == NULL)
		err(EXIT_FAIL, "allocate");
	if (m->reply.len && reply == NULL) {
		memcpy(rbuf, m->reply.p, m->reply.len);
		rbuf[m->reply.len] = '\0';
		reply = rbuf;
	}
	if (memchr(m->data.p, '\n', len)) {
		line_reply(w, reply, JOB_ST_FAILED, "--lines: a job must be one line",
		    "", 0);
	} else {
		warnx("%s", why);
		line_reply(w, reply, WIFEXITED(co->wstatus) ?
		    WEXITSTATUS(co->wstatus) : JOB_ST_FAILED, why, "", 0);
	}
	free(long_reply);
}

/* co_write: write what the command's stdin takes */
static void
co_write(struct worker *w)
{
	struct coproc *co = &w->co;
	ssize_t n;

	while (co->in_fd != -1 && co->in_off < co->in.len) {
		n = write(co->in_fd, co->in.p + co->in_off,
		    co->in.len - co->in_off);
		if (n > 0) {
			co->in_off += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno != EAGAIN) {	/* EPIPE: gone */
			close(co->in_fd);
			co->in_fd = -1;
		}
		break;
	}
	if (co->in_off == co->in.len)
		co->in.len = co->in_off = 0;
}

/* co_line: the command printed a whole line (without its newline) */
static void
co_line(struct worker *w, const char *p, size_t len)
{
	struct coproc *co = &w->co;

	if (co->qlen == 0) {
		warnx("the command printed a line with no job waiting: "
		    "dropped");
		return;
	}
	if (co->line_too_large) {
		pend_pop(w, JOB_ST_FAILED, "result larger than the bus's "
		    "max_payload", "", 0);
		return;
	}
	pend_pop(w, 0, NULL, p, len + 1);	/* p[len] is the newline */
}

/* co_read: read what the command printed and answer a job per line;
 * returns false at the end of its output */
static bool
co_read(struct worker *w)
{
	struct coproc *co = &w->co;
	char chunk[65536];
	ssize_t n;

	while ((n = read(co->out_fd, chunk, sizeof(chunk))) > 0) {
		char *p = chunk, *end = chunk + n, *nl;

		while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
			if (co->line.len == 0 && !co->line_too_large) {
				co_line(w, p, (size_t)(nl - p));
			} else {
				if (!co->line_too_large && buf_add(&co->line, p,
				    (size_t)(nl - p) + 1) == -1)
					err(EXIT_FAIL, "allocate");
				co_line(w, co->line.p, co->line.len - 1);
				co->line.len = 0;
				co->line_too_large = false;
			}
			p = nl + 1;
		}
		if (p == end || co->line_too_large)
			continue;
		if (co->line.len + (size_t)(end - p) + 512 >
		    w->c.info.max_payload) {
			co->line_too_large = true;
			co->line.len = 0;
		} else if (buf_add(&co->line, p, (size_t)(end - p)) == -1) {
			err(EXIT_FAIL, "allocate");
		}
	}
	return !(n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR));
}

/* lines_loop: poll the bus, signals and the command until stopped */
static void
lines_loop(struct worker *w, int sfd)
{
	struct coproc *co = &w->co;

	for (;;) {
		struct pollfd pf[4];
		int n = 2, wait = -1;
		int64_t now = io_now_ms();

		if (co->pid && co->qlen && co->q[co->qhead].deadline >= 0 &&
		    co->q[co->qhead].deadline <= now) {
			warnx("job killed after the timeout (with the command)");
			pend_pop(w, JOB_ST_TIMEOUT, "timeout", "", 0);
			co_stop(w, "the command was killed after a job's "
			    "timeout");
		}
		co_write(w);
		if (bus_send(&w->c) == -1) {
			lost(w, errno, sfd, "reply");
			continue;
		}
		if (co->qlen == 0 && (w->stopping ||
		    (o.count > 0 && w->taken >= o.count)))
			break;
		pf[0] = (struct pollfd){ w->c.fd, POLLIN, 0 };
		pf[1] = (struct pollfd){ sfd, POLLIN, 0 };
		pf[2] = (struct pollfd){ co->out_fd, POLLIN, 0 };
		pf[3] = (struct pollfd){ co->in_off < co->in.len ?
		    co->in_fd : -1, POLLOUT, 0 };
		if (co->pid)
			n = 4;
		if (co->pid && co->qlen && co->q[co->qhead].deadline >= 0)
			wait = (int)(co->q[co->qhead].deadline - now);
		if (poll(pf, (nfds_t)n, wait) == -1) {
			if (errno == EINTR)
				continue;
			err(EXIT_FAIL, "poll");
		}
		if (n == 4 && pf[2].revents && !co_read(w))
			co_stop(w, NULL);
		if (pf[1].revents)
			(void)read_signals(w, sfd);
		if (co->pid && co->exited) {
			(void)co_read(w);
			co_stop(w, NULL);
		}
		if (pf[0].revents && bus_process(&w->c, io_now_ms()) == -1)
			lost(w, errno, sfd, "serve");
	}
	if (co->pid) {		/* EOF on its stdin, then it has to go */
		close(co->in_fd);
		co->in_fd = -1;
		kill(-co->pid, SIGTERM);
		co_stop(w, NULL);
	}
}

static int
cmd_serve(struct opt_parser *p)
{
	struct worker wk = { .co = { .in_fd = -1, .out_fd = -1 } }, *w = &wk;
	sigset_t set;
	char **rest, **cmdv;
	int n, ncmd, sfd;

	rest = opt_rest(p, &n);
	cmdv = opt_cmd(p, &ncmd);
	if (n != 1)
		usage_error(n == 0 ? "req serve needs a SUBJECT" :
		    "req serve takes one SUBJECT (the command goes after --)");
	if (cmdv == NULL || ncmd == 0)
		usage_error("req serve needs a command after --");
	bus_cli_check_subject(rest[0], true);
	if (o.lines && o.jobs > 1)
		usage_error("--lines runs one command: start more workers "
		    "instead of -j");
	if (o.jobs == 0)	/* no -j: a job per CPU, as parallel(1) */
		o.jobs = o.lines ? 1 : cpus();
	/* a command that cannot run is exit 127 or 126 now, not a failed
	 * job later */
	die_unless_runnable(cmdv[0]);
	w->cmdv = cmdv;
	w->path = resolve_cmd(cmdv[0]);
	if ((w->jobs = calloc((size_t)o.jobs, sizeof(*w->jobs))) == NULL)
		err(EXIT_FAIL, "allocate");
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigs_drop_ignored(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if ((sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		err(EXIT_FAIL, "signalfd");
	bus_cli_connect(&w->c, o.bus, "ipctool req serve", o.timeout);
	w->c.on_msg = o.lines ? on_line_job : on_job;
	w->c.on_msg_arg = w;
	w->subject = rest[0];
	if (o.lines) {
		char why[160];

		w->co.ok_hlen = job_result_hdr(w->co.ok_hdr,
		    sizeof(w->co.ok_hdr), 0, NULL, NULL);
		if (!co_start(w, why, sizeof(why)))
			errx(EXIT_FAIL, "--lines: %s", why);
	}
	if (subscribe(w, io_deadline(BUS_CONNECT_TIMEOUT)) == -1)
		bus_cli_fail(&w->c, errno, "subscribe");
	if (o.lines)
		out_trace("serving %s (queue group %s), a job per line to "
		    "pid %d", rest[0], o.queue ? o.queue : rest[0],
		    (int)w->co.pid);
	else
		out_trace("serving %s (queue group %s), %lld jobs at once",
		    rest[0], o.queue ? o.queue : rest[0], o.jobs);
	if (o.ready_file && pidfile_ready(o.ready_file) == -1)
		err(EXIT_FAIL, "create %s", o.ready_file);
	if (o.lines)
		lines_loop(w, sfd);
	else
		serve_loop(w, sfd);
	free(w->path);
	if (bus_flush(&w->c, io_deadline(BUS_CONNECT_TIMEOUT)) == -1)
		bus_cli_fail(&w->c, errno, "reply");
	bus_close(&w->c);
	free(w->jobs);
	free(w->co.q);
	buf_free(&w->co.in);
	buf_free(&w->co.line);
	return w->term_sig ? 128 + w->term_sig : 0;
}

/* ---- call ---- */

/* One job sent by call */
struct slot {
	uint64_t id;		/* 0: free */
	bool done;
	int status;		/* job status, or -1 no worker, -2 timeout */
	char error[128];
	struct buf result;
	int64_t deadline;
	uint64_t sent_ns;	/* --stats: when the job went */
};

/* req call: the caller, its connection and the jobs in flight */
struct caller {
	struct bus_client c;
	struct slot *slots;	/* window of them */
	long long window;	/* jobs in flight at most */
	int busy;		/* slots in use (sent, not yet printed) */
	uint64_t next_print;	/* --ordered: the next id to print */
	int worst;		/* exit status so far */
	const char *subject;
	struct stats *stats;	/* --stats, or NULL */
};

/* find_slot: the slot of job id, or NULL */
static struct slot *
find_slot(struct caller *cl, uint64_t id)
{
	for (long long i = 0; i < cl->window; i++)
		if (cl->slots[i].id == id)
			return &cl->slots[i];
	return NULL;
}

/* on_result: store a result in its slot */
static void
on_result(struct bus_client *c, const struct bus_msg *m, void *arg)
{
	struct caller *cl = arg;
	struct slot *s;
	uint64_t id;

	if (!bus_reply_id(c, m, &id) || (s = find_slot(cl, id)) == NULL ||
	    s->done)
		return;
	s->done = true;
	if (m->status == 503) {
		s->status = -1;
		return;
	}
	if (cl->stats)
		stats_add(cl->stats, stats_now() - s->sent_ns);
	job_result_read(m->hdr, &s->status, s->error, sizeof(s->error));
	if (buf_add(&s->result, m->data.p, m->data.len) == -1)
		err(EXIT_FAIL, "allocate");
}

/* send_job: send payload as job id with its reply subject */
static void
send_job(struct caller *cl, uint64_t *id, const char *payload, size_t len)
{
	char reply[BUS_INBOX_MAX + 24];

	if (o.reply_to == NULL && bus_new_reply(&cl->c, reply, sizeof(reply),
	    id) == -1)
		bus_cli_fail(&cl->c, errno, "subscribe to the inbox");
	if (bus_pub(&cl->c, cl->subject, o.reply_to ? o.reply_to : reply, NULL,
	    0, payload, len) == -1) {
		if (errno == EMSGSIZE)
			errx(EXIT_FAIL, "send job: payload of %zu bytes is "
			    "larger than the bus's max_payload %llu", len,
			    (unsigned long long)cl->c.info.max_payload);
		if (errno == EINVAL)
			usage_error("invalid subject '%s'%s%s", cl->subject,
			    o.reply_to ? " or --reply-to " : "",
			    o.reply_to ? o.reply_to : "");
		bus_cli_fail(&cl->c, errno, "send job");
	}
}

/* read_stdin: all of stdin (at most max bytes, else exit 1) */
static void
read_stdin(struct buf *b, size_t max)
{
	char chunk[65536];
	ssize_t n;

	while ((n = io_read(0, chunk, sizeof(chunk))) > 0) {
		if (b->len + (size_t)n > max)
			errx(EXIT_FAIL, "payload on stdin is larger than the "
			    "bus's max_payload %zu", max);
		if (buf_add(b, chunk, (size_t)n) == -1)
			err(EXIT_FAIL, "allocate");
	}
	if (n == -1)
		err(EXIT_FAIL, "read stdin");
}

/* print_json: one result as {"id","status","result"[,"error"]} */
static void
print_json(uint64_t id, const struct slot *s)
{
	struct json j;

	json_begin(&j);
	if (id)
		json_int(&j, "id", (long long)id);
	if (s->status >= 0)
		json_int(&j, "status", s->status);
	else
		json_null(&j, "status");
	json_strn(&j, "result", s->result.p ? s->result.p : "", s->result.len);
	if (s->status == -1)
		json_str(&j, "error", "no responders");
	else if (s->status == -2)
		json_str(&j, "error", "timeout");
	else if (s->error[0])
		json_str(&j, "error", s->error);
	if (json_print(&j, stdout) == -1)
		die_stdout();
}

/* call_sync: one job, wait for its result, exit with its status */
static int
call_sync(struct caller *cl, char **rest, int n)
{
	struct slot s = { 0 };
	struct buf payload = { 0 };
	char dur[32];
	int64_t dl;

	if (n == 2) {
		if (buf_add(&payload, rest[1], strlen(rest[1])) == -1 ||
		    buf_add(&payload, "\n", 1) == -1)
			err(EXIT_FAIL, "allocate");
	} else {
		read_stdin(&payload, cl->c.info.max_payload);
		/* -0: a record ends with NUL; the job gets a newline */
		if (o.null && payload.len > 0 &&
		    payload.p[payload.len - 1] == '\0')
			payload.p[payload.len - 1] = '\n';
	}
	cl->slots = &s;
	cl->window = 1;
	cl->c.on_msg = on_result;
	cl->c.on_msg_arg = cl;
	dl = io_deadline(o.timeout);
	s.sent_ns = stats_now();
	send_job(cl, &s.id, payload.p ? payload.p : "", payload.len);
	if (cl->stats)
		stats_sent(cl->stats);
	free(payload.p);
	if (o.reply_to) {
		if (bus_flush(&cl->c, dl) == -1)
			bus_cli_fail(&cl->c, errno, "send job");
		return 0;
	}
	while (!s.done) {
		int rc = bus_process(&cl->c, dl);

		if (rc == -1)
			bus_cli_fail(&cl->c, errno, "wait for the result");
		if (rc == 0)
			errx(EX_TEMPFAIL, "no result from %s within %s",
			    cl->subject, duration_format(o.timeout, dur,
			    sizeof(dur)));
	}
	if (s.status == -1)
		errx(EX_UNAVAILABLE, "no worker serves %s (no responders)",
		    cl->subject);
	if (o.json) {
		print_json(0, &s);
	} else {
		size_t len = s.result.len;

		/* -0: the result without its last newline, then a NUL */
		if (o.null && len > 0 && s.result.p[len - 1] == '\n')
			len--;
		if (len && fwrite(s.result.p, 1, len, stdout) != len)
			die_stdout();
		if (o.null)
			putchar('\0');
		if (s.error[0])
			warnx("job failed: %s", s.error);
	}
	free(s.result.p);
	return s.status;
}

/* print_result: a result as it came, with a newline at its end (with
 * -0: without its last newline, then a NUL); with --tag each line (or
 * the record) after the job number and a tab. A job without a result
 * prints an empty line, so that --ordered keeps line N for job N. */
static void
print_result(const struct slot *s)
{
	const char *p = s->result.p ? s->result.p : "", *nl;
	size_t left = s->result.len;

	if (left > 0 && p[left - 1] == '\n')
		left--;
	if (o.null) {
		if (o.tag)
			printf("%llu\t", (unsigned long long)s->id);
		fwrite(p, 1, left, stdout);
		putchar('\0');
		return;
	}
	do {
		nl = memchr(p, '\n', left);
		size_t len = nl ? (size_t)(nl - p) : left;

		if (o.tag)
			printf("%llu\t", (unsigned long long)s->id);
		printf("%.*s\n", (int)len, p);
		p += len + 1;
		left -= nl ? len + 1 : len;
	} while (nl);
}

/* print_slot: print a finished job and note its status */
static void
print_slot(struct caller *cl, struct slot *s)
{
	struct buf result;
	char dur[32];

	if (s->status == -1)
		errx(EX_UNAVAILABLE, "no worker serves %s (no responders)",
		    cl->subject);
	if (o.json) {
		print_json(s->id, s);
	} else {
		print_result(s);
		if (s->status == -2)
			warnx("job %llu: no result within %s",
			    (unsigned long long)s->id, duration_format(o.timeout,
			    dur, sizeof(dur)));
		else if (s->status != 0)
			warnx("job %llu: status %d%s%s",
			    (unsigned long long)s->id, s->status,
			    s->error[0] ? ": " : "", s->error);
	}
	if (s->status == -2)
		cl->worst = EX_TEMPFAIL;
	else if (s->status != 0 && cl->worst == 0)
		cl->worst = EXIT_FAIL;
	result = s->result;	/* its memory serves the slot's next job */
	memset(s, 0, sizeof(*s));
	s->result.p = result.p;
	s->result.cap = result.cap;
	cl->busy--;
}

/* print_ready: print the finished slots (in order with --ordered) */
static void
print_ready(struct caller *cl)
{
	struct slot *s;
	int64_t now = io_now_ms();

	for (long long i = 0; i < cl->window; i++) {
		s = &cl->slots[i];
		if (s->id && !s->done && s->deadline >= 0 &&
		    s->deadline <= now) {
			s->done = true;
			s->status = -2;
		}
	}
	if (o.ordered) {
		while ((s = find_slot(cl, cl->next_print)) != NULL && s->done) {
			print_slot(cl, s);
			cl->next_print++;
		}
		return;
	}
	for (long long i = 0; i < cl->window; i++)
		if (cl->slots[i].id && cl->slots[i].done)
			print_slot(cl, &cl->slots[i]);
}

/* next_deadline: the earliest deadline of a job in flight, or -1 */
static int64_t
next_deadline(struct caller *cl)
{
	int64_t dl = -1;

	for (long long i = 0; i < cl->window; i++) {
		struct slot *s = &cl->slots[i];

		if (s->id && !s->done && s->deadline >= 0 &&
		    (dl == -1 || s->deadline < dl))
			dl = s->deadline;
	}
	return dl;
}

/* call_async: a job per stdin line, up to --window in flight */
static int
call_async(struct caller *cl)
{
	struct frame_reader r;
	struct buf line = { 0 };
	char *msg;
	size_t len;
	int rc;

	cl->window = o.window;
	if ((cl->slots = calloc((size_t)cl->window, sizeof(*cl->slots))) ==
	    NULL ||
	    frame_reader_init(&r, 0, o.null ? FRAME_NUL : FRAME_LINE,
	    cl->c.info.max_payload) == -1)
		err(EXIT_FAIL, "allocate");
	cl->c.on_msg = on_result;
	cl->c.on_msg_arg = cl;
	cl->next_print = 1;
	for (;;) {
		rc = 0;
		/* send while there is room and input */
		while (cl->busy < cl->window &&
		    (rc = frame_next(&r, &msg, &len)) == 1) {
			struct slot *s = o.reply_to ? NULL : find_slot(cl, 0);
			uint64_t id, t0 = stats_now();

			if (!o.null && msg + len < r.buf + r.end) {
				/* the newline follows it in the reader */
				send_job(cl, &id, msg, len + 1);
			} else {	/* a record, or the last line: add one */
				line.len = 0;
				if (buf_add(&line, msg, len) == -1 ||
				    buf_add(&line, "\n", 1) == -1)
					err(EXIT_FAIL, "allocate");
				send_job(cl, &id, line.p, line.len);
			}
			if (s) {
				s->id = id;
				s->deadline = io_deadline(o.timeout);
				s->sent_ns = t0;
				cl->busy++;
			}
			if (cl->stats)
				stats_sent(cl->stats);
		}
		if (rc == -1)
			errx(EXIT_FAIL, "read stdin: line longer than the "
			    "bus's max_payload %llu",
			    (unsigned long long)cl->c.info.max_payload);
		if (r.eof && cl->busy == 0)
			break;
		if (bus_send(&cl->c) == -1)
			bus_cli_fail(&cl->c, errno, "send job");
		struct pollfd pf[2] = { { cl->c.fd, POLLIN, 0 },
		    { r.eof || cl->busy >= cl->window ? -1 : 0, POLLIN, 0 } };
		int64_t dl = next_deadline(cl);
		if (poll(pf, 2, io_remaining(dl)) == -1 && errno != EINTR)
			err(EXIT_FAIL, "poll");
		if (pf[0].revents && bus_process(&cl->c, io_now_ms()) == -1)
			bus_cli_fail(&cl->c, errno, "wait for results");
		if (pf[1].revents && frame_fill(&r) == -1 && errno != EAGAIN)
			err(EXIT_FAIL, "read stdin");
		print_ready(cl);
		if (fflush(stdout) == EOF)
			die_stdout();
	}
	if (o.reply_to && bus_flush(&cl->c, io_deadline(o.timeout)) == -1)
		bus_cli_fail(&cl->c, errno, "send jobs");
	frame_reader_free(&r);
	free(line.p);
	for (long long i = 0; i < cl->window; i++)
		free(cl->slots[i].result.p);
	free(cl->slots);
	return cl->worst;
}

static int
cmd_call(struct opt_parser *p)
{
	struct caller cal = { 0 }, *cl = &cal;
	char **rest;
	int n, rc;

	rest = opt_rest(p, &n);
	if (n < 1)
		usage_error("req call needs a SUBJECT");
	bus_cli_check_subject(rest[0], false);
	if (o.reply_to)
		bus_cli_check_subject(o.reply_to, false);
	if (o.async && n > 1)
		usage_error("req call --async reads payloads from stdin, one "
		    "per line");
	if (n > 2)
		usage_error("req call takes one PAYLOAD (quote it)");
	if (!o.async && (o.ordered || o.tag || o.window != DEFAULT_WINDOW))
		usage_error("--window, --ordered and --tag need --async");
	if (o.stats && o.reply_to)
		usage_error("--stats times results: not with --reply-to");
	cl->subject = rest[0];
	/* the wait for a result ends by default */
	if (o.timeout == TIMEOUT_UNSET)
		o.timeout = TIMEOUT_SYNC_MS;
	bus_cli_connect(&cl->c, o.bus, "ipctool req call", o.timeout);
	if (o.stats) {
		static struct stats rec;

		stats_init(&rec, "ipctool req call", "answered", o.json);
		stats_arm(&rec);
		cl->stats = &rec;
	}
	rc = o.async ? call_async(cl) : call_sync(cl, rest, n);
	bus_close(&cl->c);
	return rc;
}

static int
req_main(int argc, char **argv)
{
	const struct opt_sub *sub;
	struct opt_parser p;
	int k, rc;

	sub = opt_init_sub(&p, &applet_req, argc, argv);
	while ((k = opt_next(&p)) != -1) {
		switch (k) {
		case '0': o.null = true; break;
		case KEY_ASYNC: o.async = true; break;
		case 'b': o.bus = p.arg; break;
		case 'j': o.jobs = opt_int(&p, 1, MAX_JOBS); break;
		case 'q': o.queue = p.arg; break;
		case 't': o.timeout = opt_timeout(&p); break;
		case 'w': o.window = opt_int(&p, 1, 65536); break;
		case KEY_COUNT: o.count = opt_int(&p, 0, LLONG_MAX); break;
		case KEY_CREDS: bus_creds_file = p.arg; break;
		case KEY_NKEY: bus_nkey_file = p.arg; break;
		case KEY_JSON: o.json = true; break;
		case KEY_LINES: o.lines = true; break;
		case KEY_ORDERED: o.ordered = true; break;
		case KEY_READY_FILE: o.ready_file = p.arg; break;
		case KEY_RECONNECT: o.reconnect = true; break;
		case KEY_REPLY_TO: o.reply_to = p.arg; break;
		case KEY_STATS: o.stats = true; break;
		case KEY_TAG: o.tag = true; break;
		case KEY_TLS: bus_cli_tls(p.cur->lo, p.arg); break;
		}
	}
	rc = sub->id == REQ_SERVE ? cmd_serve(&p) : cmd_call(&p);
	opt_free(&p);
	return rc;
}
