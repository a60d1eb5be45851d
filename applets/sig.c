/* applets/sig.c - send, wait for and handle signals: kill(2), sigqueue(3),
 * sigprocmask(2), signalfd(2), sigtimedwait(2), fork(2)/execve(2) for trap,
 * and an acknowledgement protocol on SIGRTMAX (see ipctool-sig(1)) */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bsd/stdlib.h>
#include <bsd/string.h>

#include "applet.h"
#include "die.h"
#include "io.h"
#include "sigs.h"
#include "stats.h"
#include "out.h"
#include "parse.h"
#include "pidfile.h"

enum {
	KEY_ASYNC = 256,
	KEY_JSON,
	KEY_STATS,
	KEY_SYNC,
	KEY_VALUE,
};

/* The subcommands, as bits for the .sub of the options */
enum {
	SIG_LIST = 1 << 0,
	SIG_SEND = 1 << 1,
	SIG_TRAP = 1 << 2,
	SIG_WAIT = 1 << 3,
};

static const struct opt_sub sig_subs[] = {
	{ .name = "list", .id = SIG_LIST },
	{ .name = "send", .id = SIG_SEND },
	{ .name = "wait", .id = SIG_WAIT, .operand = OPT_CATCH },
	{ .name = "trap", .id = SIG_TRAP, .flags = APPLET_CMD,
	    .operand = OPT_CATCH },
	{ .name = NULL }
};

static const struct opt sig_opts[] = {
	{ .so = 'a', .lo = "ack", .sub = SIG_TRAP | SIG_WAIT,
	    .help = "acknowledge each signal to its sender" },
	{ .so = 'c', .lo = "count", .arg = OPT_INT, .meta = "N",
	    .sub = SIG_SEND | SIG_TRAP | SIG_WAIT,
	    .help = "send N signals; stop after N (0: never)" },
	{ .so = 'p', .lo = "pidfile", .arg = OPT_PATH, .meta = "FILE",
	    .sub = SIG_SEND | SIG_TRAP | SIG_WAIT,
	    .help = "send: the PID in FILE; wait, trap: write it" },
	{ .so = 's', .lo = "signal", .arg = OPT_SIGNAL, .meta = "SIG",
	    .sub = SIG_SEND, .help = "the signal to send (default TERM)" },
	{ .so = 't', .lo = "timeout", .arg = OPT_DURATION, .meta = "DUR",
	    .sub = SIG_SEND | SIG_TRAP | SIG_WAIT,
	    .help = "give up after DUR (exit 75; send: default 5s)" },
	{ .lo = "async", .key = KEY_ASYNC, .sub = SIG_SEND,
	    .help = "send and return (the default)" },
	{ .lo = "json", .key = KEY_JSON, .sub = SIG_LIST | SIG_SEND | SIG_WAIT,
	    .help = "one JSON object per line (send: --stats)" },
	{ .lo = "stats", .key = KEY_STATS, .sub = SIG_SEND,
	    .help = "with --sync: round-trip summary on stderr at exit" },
	{ .lo = "sync", .key = KEY_SYNC, .sub = SIG_SEND,
	    .help = "wait until each receiver acknowledges" },
	{ .lo = "value", .key = KEY_VALUE, .arg = OPT_INT, .meta = "N",
	    .sub = SIG_SEND,
	    .help = "send with sigqueue(3), carrying the int N" },
	OPT_END
};

static int sig_main(int argc, char **argv);

const struct applet applet_sig = {
	.name = "sig",
	.brief = "send, wait for and handle signals",
	.usage = "sig list [--json]\n"
	    "sig list SIG|N...\n"
	    "sig send [-s SIG] [--value N] [-c N] [--sync] [-t DUR] PID...\n"
	    "sig send [-s SIG] [--value N] [-c N] [--sync] [-t DUR] -p FILE\n"
	    "sig send --sync --stats [--json] [-s SIG] [-c N] PID...\n"
	    "sig wait [-c N] [-t DUR] [--ack] [--json] [-p FILE] SIG...\n"
	    "sig trap [-c N] [-t DUR] [--ack] [-p FILE] SIG... -- CMD [ARG...]",
	.subcmds = sig_subs,
	.opts = sig_opts,
	.main = sig_main,
};

/* The acknowledgement signal. The acknowledgement itself is sent with no
 * siginfo (kill(2), pidfd_send_signal(2) with NULL): si_code SI_USER and
 * a sender pid filled in by the kernel, which no third process can
 * forge (an SI_QUEUE siginfo is the sender's to fill). A handler that
 * failed is reported first by an SI_QUEUE of the same signal: its value
 * echoes what was acknowledged in the low 32 bits of the pointer-sized
 * sigval, and the status (not 0) in the high 32. */
#define ACK_SIGNAL	SIGRTMAX
#define ACK_STATUS(si)	((int)(uint32_t)((si)->ssi_ptr >> 32))
#define BATCH		64

struct args {
	const char *cmd;	/* "sig send", for messages */
	int sig;
	bool have_value;
	int value;
	long long count;
	bool count_set;
	bool sync;
	int64_t timeout;	/* ms, -1 none */
	const char *timeout_str;
	bool ack;
	bool json;
	bool stats;
	const char *pidfile;
	char **rest;
	int nrest;
	char **cmdv;
	int ncmd;
};

/* signame: the name of signo in a static buffer (one of four rotating) */
static const char *
signame(int signo)
{
	static char bufs[4][16];
	static int next;
	char *b = bufs[next++ % 4];

	if (signal_name(signo, b, sizeof(bufs[0])) == NULL)
		snprintf(b, sizeof(bufs[0]), "%d", signo);
	return b;
}

/* setname: "{USR1,RTMIN}" for the trace, in buf */
static const char *
setname(const sigset_t *set, char *buf, size_t len)
{
	size_t n = 0;

	n += (size_t)snprintf(buf, len, "{");
	for (int s = 1; s <= SIGRTMAX && n < len; s++)
		if (sigismember(set, s) == 1)
			n += (size_t)snprintf(buf + n, len - n, "%s%s",
			    n > 1 ? "," : "", signame(s));
	if (n < len)
		snprintf(buf + n, len - n, "}");
	return buf;
}

/* parse_args: the options and operands of a subcommand into *a (the
 * parser refuses an option the subcommand does not take) */
static void
parse_args(struct args *a, struct opt_parser *p)
{
	int k;

	memset(a, 0, sizeof(*a));
	a->cmd = p->cmd;
	a->sig = SIGTERM;
	a->timeout = -1;
	while ((k = opt_next(p)) != -1) {
		switch (k) {
		case 'a': a->ack = true; break;
		case 'c':
			a->count = opt_int(p, 0, INT_MAX);
			a->count_set = true;
			break;
		case 'p': a->pidfile = p->arg; break;
		case 's': a->sig = opt_signal(p); break;
		case 't':
			a->timeout = opt_timeout(p);
			a->timeout_str = p->arg;
			break;
		case KEY_ASYNC: a->sync = false; break;
		case KEY_JSON: a->json = true; break;
		case KEY_STATS: a->stats = true; break;
		case KEY_SYNC: a->sync = true; break;
		case KEY_VALUE:
			a->value = (int)opt_int(p, INT_MIN, INT_MAX);
			a->have_value = true;
			break;
		}
	}
	a->rest = opt_rest(p, &a->nrest);
	a->cmdv = opt_cmd(p, &a->ncmd);
}

/* --- sig list ----------------------------------------------------------- */

/* list_translate: kill -l N M...: the name of each number (an exit
 * status 128+N is signal N), the number of each name, one a line */
static int
list_translate(struct args *a)
{
	const char *errstr;
	char nb[16];
	int s;

	for (int i = 0; i < a->nrest; i++) {
		const char *w = a->rest[i];

		if (strspn(w, "0123456789") == strlen(w)) {
			s = (int)strtonum(w, 1, 128 + SIGRTMAX, &errstr);
			if (s > 128)
				s -= 128;
			if (errstr || signal_name(s, nb, sizeof(nb)) == NULL)
				usage_error("no signal has the number '%s'", w);
			printf("%s\n", nb);
		} else if (parse_signal(w, &s, &errstr) == -1 || s == 0) {
			usage_error("unknown signal '%s'", w);
		} else {
			printf("%d\n", s);
		}
	}
	return 0;
}

/* sig_list: print every signal of the system, or translate the operands
 * (list_translate); returns the exit status */
static int
sig_list(struct args *a)
{
	struct signal_info tmp;
	const struct signal_info *si;
	char nb[16];

	if (a->nrest > 0 && a->json)
		usage_error("'sig list' translates operands in text only "
		    "(no --json)");
	if (a->nrest > 0)
		return list_translate(a);
	for (int s = 1; s <= SIGRTMAX; s++) {
		if ((si = signal_info(s, &tmp, nb, sizeof(nb))) == NULL)
			continue;
		if (a->json) {
			struct json j;

			json_begin(&j);
			json_str(&j, "signal", si->name);
			json_int(&j, "number", si->number);
			json_str(&j, "action", si->action);
			json_str(&j, "description", si->desc);
			if (json_print(&j, stdout) == -1)
				die_stdout();
		} else {
			printf("%-8s %2d  %-4s  %s\n", si->name, si->number,
			    si->action, si->desc);
		}
	}
	return 0;
}

/* --- sig send ----------------------------------------------------------- */

struct target {
	pid_t pid;
	int pidfd;	/* with --sync, to see it exit; -1 when none */
	bool alive;	/* still to be sent to */
	bool acked;	/* acknowledged this round */
	int failed;	/* the status its handler reported, 0 none */
	int failing;	/* reported before the acknowledgement came */
	uint64_t sent_ns;	/* --stats: when this round's signal went */
};

/* parse_pid: the pid in s, or -PGID for a process group ("-N", as
 * kill(1) takes it after "--"), or a usage error; a group is refused
 * where one process must answer (--sync) or sigqueue(3) is used */
static pid_t
parse_pid(const struct args *a, const char *s)
{
	const char *errstr, *d = s[0] == '-' ? s + 1 : s;
	long long v;

	if (*d == '\0' || strspn(d, "0123456789") != strlen(d))
		usage_error("invalid pid '%s'", s);
	v = strtonum(d, 1, INT_MAX, &errstr);
	if (errstr)
		usage_error("invalid pid '%s': %s", s,
		    strcmp(errstr, "too small") == 0 ? "not a process" : errstr);
	if (d == s)
		return (pid_t)v;
	if (v == 1)
		usage_error("pid -1 would signal every process: not done");
	if (a->sync)
		usage_error("--sync: process group %s cannot acknowledge; "
		    "give its pids", d);
	if (a->have_value)
		usage_error("--value: sigqueue(3) reaches one process, not "
		    "process group %s", d);
	return (pid_t)-v;
}

/* has_target: whether pid is among the n targets */
static bool
has_target(const struct target *t, int n, pid_t pid)
{
	for (int i = 0; i < n; i++)
		if (t[i].pid == pid)
			return true;
	return false;
}

/* targets: the pids to send to, from the operands or --pidfile */
static struct target *
targets(struct args *a, int *n)
{
	struct target *t;
	const char *errstr;
	pid_t pid;
	int fd;

	if (a->pidfile && a->nrest > 0)
		usage_error("give PIDs or --pidfile, not both");
	if (!a->pidfile && a->nrest == 0)
		usage_error("missing PID (or --pidfile FILE)");
	t = calloc(a->pidfile ? 1 : (size_t)a->nrest, sizeof(*t));
	if (t == NULL)
		err(EXIT_FAIL, "allocate");
	if (a->pidfile) {
		/* a pidfd on the process the file names, so that a pid
		 * reused meanwhile is never signalled */
		fd = pidfile_open_process(a->pidfile, &pid, &errstr);
		if (fd == -1) {
			if (errstr)
				errx(EXIT_FAIL, "read pidfile %s: %s",
				    a->pidfile, errstr);
			if (errno == ESRCH)
				errx(EX_UNAVAILABLE, "read pidfile %s: pid %ld "
				    "is not running", a->pidfile, (long)pid);
			err(errno == ENOENT ? EX_UNAVAILABLE : EXIT_FAIL,
			    "read pidfile %s", a->pidfile);
		}
		out_trace("pidfile %s: pid %ld, pidfd %d", a->pidfile,
		    (long)pid, fd);
		t[0].pid = pid;
		t[0].pidfd = fd;
		t[0].alive = true;
		*n = 1;
		return t;
	}
	*n = 0;
	for (int i = 0; i < a->nrest; i++) {
		pid = parse_pid(a, a->rest[i]);
		/* with --sync, once per process: a standard signal sent
		 * twice may arrive once, and be acknowledged once */
		if (a->sync && has_target(t, *n, pid))
			continue;
		t[*n].pid = pid;
		t[*n].pidfd = -1;
		t[*n].alive = true;
		(*n)++;
	}
	return t;
}

/* queue_info: the siginfo of a sigqueue(3) from us carrying v */
static void
queue_info(siginfo_t *info, int sig, union sigval v)
{
	static pid_t self;
	static uid_t uid;

	if (self == 0) {
		self = getpid();
		uid = getuid();
	}
	memset(info, 0, sizeof(*info));
	info->si_signo = sig;
	info->si_code = SI_QUEUE;
	info->si_pid = self;
	info->si_uid = uid;
	info->si_value = v;
}

/* queue: sigqueue(3) without its getpid(2) and getuid(2) on every call
 * (one rt_sigqueueinfo(2) instead of three system calls); 0 or -1 */
static int
queue(pid_t pid, int sig, union sigval v)
{
	siginfo_t info;

	queue_info(&info, sig, v);
	return (int)syscall(SYS_rt_sigqueueinfo, pid, sig, &info);
}

/* send_one: kill(2) or sigqueue(3) once, traced, through pidfd when it
 * is not -1 (pidfd_send_signal(2): never to a reused pid); 0 or -1 with
 * errno */
static int
send_one(pid_t pid, int pidfd, int sig, bool have_value, int value)
{
	union sigval v = { .sival_int = value };
	siginfo_t info;

	if (pidfd >= 0) {
		queue_info(&info, sig, v);
		return (int)out_trace_ret(pidfd_send_signal(pidfd, sig,
		    have_value ? &info : NULL, 0),
		    "pidfd_send_signal(%d (pid %ld), %s, %s)", pidfd,
		    (long)pid, signame(sig), have_value ? "SI_QUEUE" : "NULL");
	}

	if (have_value)
		return (int)out_trace_ret(queue(pid, sig, v),
		    "sigqueue(%ld, %s, %d)", (long)pid, signame(sig), value);
	return (int)out_trace_ret(kill(pid, sig), "kill(%ld, %s)", (long)pid,
	    signame(sig));
}

/* nap: sleep about 200 microseconds */
static void
nap(void)
{
	struct timespec ts = { 0, 200 * 1000 };

	nanosleep(&ts, NULL);
}

/* send_retry: send_one, retrying while the receiver's queue is full
 * (EAGAIN) until deadline, traced once; 0 or -1 with errno (EAGAIN when
 * the deadline passed) */
static int
send_retry(pid_t pid, int pidfd, int sig, bool have_value, int value,
    int64_t deadline)
{
	bool trace = out_trace_on;
	int rc;

	while ((rc = send_one(pid, pidfd, sig, have_value, value)) == -1 &&
	    errno == EAGAIN && io_remaining(deadline) != 0) {
		if (out_trace_on)
			out_trace("queue of %ld is full (RLIMIT_SIGPENDING): "
			    "retrying quietly", (long)pid);
		out_trace_on = false;
		nap();
	}
	out_trace_on = trace;
	return rc;
}

/* send_failed: report a failed send; returns the exit status for it */
static int
send_failed(struct args *a, pid_t pid, int sig)
{
	int e = errno;

	if (e == EAGAIN) {
		warnx("send %s to %ld: its signal queue stayed full for %s",
		    signame(sig), (long)pid, a->timeout_str);
		return EX_TEMPFAIL;
	}
	warn("send %s to %ld", signame(sig), (long)pid);
	return e == ESRCH ? EX_UNAVAILABLE : EXIT_FAIL;
}

static int ack_fd = -1;	/* signalfd of the acknowledgement signal */
static struct stats *send_stats;	/* --stats, or NULL */

/* take_acks: read the acknowledgements that arrived and mark the targets
 * they acknowledge (from the target's pid, value want); returns how many
 * targets were marked */
static int
take_acks(struct target *t, int n, int want)
{
	struct signalfd_siginfo si[BATCH];
	ssize_t r;
	int marked = 0;

	while ((r = read(ack_fd, si, sizeof(si))) > 0) {
		for (size_t k = 0; k < (size_t)r / sizeof(si[0]); k++) {
			out_trace("read(%d) = %s from %ld value %d", ack_fd,
			    signame((int)si[k].ssi_signo),
			    (long)si[k].ssi_pid, si[k].ssi_int);
			for (int i = 0; i < n; i++) {
				if (t[i].acked ||
				    t[i].pid != (pid_t)si[k].ssi_pid)
					continue;
				/* the status of a failed handler, to go
				 * with the acknowledgement that follows */
				if (si[k].ssi_code == SI_QUEUE &&
				    si[k].ssi_int == want) {
					t[i].failing = ACK_STATUS(&si[k]);
					break;
				}
				/* only a kernel-filled sender pid counts */
				if (si[k].ssi_code != SI_USER)
					continue;
				t[i].acked = true;
				if (send_stats)
					stats_add(send_stats, stats_now() -
					    t[i].sent_ns);
				t[i].failed = t[i].failing;
				t[i].failing = 0;
				marked++;
				break;
			}
		}
	}
	if (r == -1 && errno != EAGAIN && errno != EINTR)
		err(EXIT_FAIL, "read signalfd");
	return marked;
}

/* wait_acks: wait until every live target of this round acknowledged
 * (value want), has exited, or the timeout passed; pfd has room for
 * n + 1 entries, idx for n; returns 0, or the exit status of the first
 * failure */
static int
wait_acks(struct args *a, struct target *t, int n, int want,
    struct pollfd *pfd, int *idx)
{
	int64_t deadline = io_deadline(a->timeout);
	int pending = 0, status = 0, np, r;

	for (int i = 0; i < n; i++) {
		t[i].acked = !t[i].alive;
		pending += t[i].alive;
	}
	/* poll first: the acknowledgement can hardly be there already, and
	 * a read that finds nothing costs a system call per round trip */
	while (pending > 0) {
		/* the acknowledgement signal, and the pidfd of every target
		 * still to answer: readable when that process has exited */
		pfd[0] = (struct pollfd){ .fd = ack_fd, .events = POLLIN };
		np = 1;
		for (int i = 0; i < n; i++)
			if (!t[i].acked && t[i].pidfd >= 0) {
				idx[np - 1] = i;
				pfd[np++] = (struct pollfd){ .fd = t[i].pidfd,
				    .events = POLLIN };
			}
		r = poll(pfd, (nfds_t)np, io_remaining(deadline));
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			err(EXIT_FAIL, "poll");
		if (r == 0)
			break;
		/* an acknowledgement is sent before its sender exits */
		pending -= take_acks(t, n, want);
		for (int k = 1; k < np; k++) {
			struct target *x = &t[idx[k - 1]];

			if (!pfd[k].revents || x->acked)
				continue;
			warnx("send %s to %ld: it exited without acknowledging",
			    signame(a->sig), (long)x->pid);
			x->acked = true;
			x->alive = false;
			pending--;
			if (status == 0)
				status = EX_UNAVAILABLE;
		}
	}
	for (int i = 0; i < n; i++) {
		if (t[i].acked && t[i].failed) {
			warnx("send %s to %ld: its handler failed with status "
			    "%d", signame(a->sig), (long)t[i].pid, t[i].failed);
			t[i].failed = 0;
			if (status == 0)
				status = EXIT_FAIL;
		}
		if (t[i].acked)
			continue;
		warnx("send %s to %ld: no acknowledgement within %s",
		    signame(a->sig), (long)t[i].pid, a->timeout_str);
		t[i].alive = false;
		if (status == 0)
			status = EX_TEMPFAIL;
	}
	return status;
}

/* on_ack: never runs (the signal stays blocked and is read from a
 * signalfd); installing it marks us as catching the signal */
static void
on_ack(int sig)
{
	(void)sig;
}

/* block_ack: before anything is sent, block the acknowledgement signal,
 * install a handler for it, so that receivers see in /proc that we wait
 * for acknowledgements (SigBlk and SigCgt), and open ack_fd to read them */
static void
block_ack(void)
{
	struct sigaction sa;
	sigset_t set;
	char nb[32];

	sigemptyset(&set);
	sigaddset(&set, ACK_SIGNAL);
	if (out_trace_ret(sigprocmask(SIG_BLOCK, &set, NULL),
	    "sigprocmask(SIG_BLOCK, %s)", setname(&set, nb, sizeof(nb))) == -1)
		err(EXIT_FAIL, "sigprocmask");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_ack;
	sigemptyset(&sa.sa_mask);
	if (out_trace_ret(sigaction(ACK_SIGNAL, &sa, NULL),
	    "sigaction(%s, handler)", signame(ACK_SIGNAL)) == -1)
		err(EXIT_FAIL, "sigaction");
	ack_fd = (int)out_trace_ret(signalfd(-1, &set, SFD_NONBLOCK |
	    SFD_CLOEXEC), "signalfd(-1, %s, SFD_NONBLOCK|SFD_CLOEXEC)", nb);
	if (ack_fd == -1)
		err(EXIT_FAIL, "signalfd");
}

/* watch_targets: open a pidfd for each target, to see it exit while we
 * wait for its acknowledgement (none where pidfd_open(2) fails) */
static void
watch_targets(struct target *t, int n)
{
	for (int i = 0; i < n; i++) {
		if (t[i].pidfd >= 0)	/* from the pidfile */
			continue;
		t[i].pidfd = (int)out_trace_ret(pidfd_open(t[i].pid, 0),
		    "pidfd_open(%ld)", (long)t[i].pid);
		if (t[i].pidfd >= 0)
			io_set_cloexec(t[i].pidfd);
	}
}

/* sig_send: send the signal to every target; returns the exit status */
static int
sig_send(struct args *a)
{
	struct pollfd *pfd = NULL;
	struct target *t;
	int *idx = NULL;
	int n, status = 0, st;
	long long count = a->count_set ? a->count : 1;

	/* -c 0: no limit, as everywhere; with --value, up to INT_MAX */
	if (count == 0)
		count = a->have_value ? (long long)INT_MAX - a->value + 1 :
		    LLONG_MAX;
	if (a->have_value && (long long)a->value + count - 1 > INT_MAX)
		usage_error("--value %d + --count %lld goes past %d", a->value,
		    count, INT_MAX);
	if (a->sync && a->sig == 0)
		usage_error("--sync: signal 0 is never delivered, so never "
		    "acknowledged");
	if (a->sync && (a->sig == SIGKILL || a->sig == SIGSTOP))
		usage_error("--sync: %s cannot be caught, so never "
		    "acknowledged", signame(a->sig));
	if (a->stats && !a->sync)
		usage_error("--stats needs --sync: only acknowledged signals "
		    "have a round trip");
	if (a->json && !a->stats)
		usage_error("send --json needs --stats");
	if (a->timeout_str == NULL) {
		a->timeout = TIMEOUT_SYNC_MS;
		a->timeout_str = TIMEOUT_SYNC_STR;
	}
	t = targets(a, &n);
	if (a->sync) {
		block_ack();
		watch_targets(t, n);
		pfd = calloc((size_t)n + 1, sizeof(*pfd));
		idx = calloc((size_t)n, sizeof(*idx));
		if (pfd == NULL || idx == NULL)
			err(EXIT_FAIL, "allocate");
	}
	if (a->stats) {
		static struct stats rec;

		stats_init(&rec, "ipctool sig send", "acknowledged", a->json);
		stats_arm(&rec);
		send_stats = &rec;
	}
	for (long long i = 0; i < count; i++) {
		int value = a->value + (int)i;
		int live = 0;

		for (int j = 0; j < n; j++) {
			if (!t[j].alive)
				continue;
			if (send_stats)
				t[j].sent_ns = stats_now();
			if (send_retry(t[j].pid, t[j].pidfd, a->sig,
			    a->have_value, value,
			    io_deadline(a->timeout)) == -1) {
				st = send_failed(a, t[j].pid, a->sig);
				if (status == 0)
					status = st;
				t[j].alive = false;
				continue;
			}
			if (send_stats)
				stats_sent(send_stats);
			live++;
		}
		if (live == 0)
			break;
		if (a->sync) {
			st = wait_acks(a, t, n, a->have_value ? value : a->sig,
			    pfd, idx);
			if (status == 0)
				status = st;
		}
	}
	for (int j = 0; j < n; j++)
		if (t[j].pidfd >= 0)
			close(t[j].pidfd);
	free(idx);
	free(pfd);
	free(t);
	return status;
}

/* --- receiving: sig wait and sig trap ------------------------------------ */

/* on_fatal: a terminating signal we do not wait for: remove the pidfile
 * (if it is still ours), then die of the signal as if we had no handler
 * (default action) */
static void
on_fatal(int sig)
{
	pidfile_remove_all();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* write_pidfile: announce readiness: only called once the signals are
 * blocked and the signalfd exists, so no signal sent after the file
 * appears can be lost */
static void
write_pidfile(const char *path, const sigset_t *waited)
{
	static const int fatal[] = { SIGHUP, SIGINT, SIGTERM, SIGQUIT };
	int catch[4];
	size_t n = 0;

	/* only where the default action would end us: a signal waited for
	 * is not, one inherited as ignored stays ignored (sigs_catch) */
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		if (sigismember(waited, fatal[i]) != 1)
			catch[n++] = fatal[i];
	sigs_catch(catch, n, on_fatal, 0);
	/* removed at exit, but only while it is still ours */
	if (pidfile_publish(path, getpid()) == -1)
		err(EXIT_FAIL, "write pidfile %s", path);
	out_trace("pidfile %s written: ready for signals", path);
}

/* signal_set: the signals named by the operands; a usage error for an
 * unknown one or one that cannot be caught */
static void
signal_set(struct args *a, char **names, int n, sigset_t *set, bool trap)
{
	const char *errstr;
	int s;

	if (n == 0)
		usage_error("missing signal to %s", trap ? "trap" : "wait for");
	sigemptyset(set);
	for (int i = 0; i < n; i++) {
		if (parse_signal(names[i], &s, &errstr) == -1)
			usage_error("unknown signal '%s'", names[i]);
		if (s == 0)
			usage_error("signal 0 is never delivered");
		if (s == SIGKILL || s == SIGSTOP)
			usage_error("%s cannot be caught or blocked",
			    signame(s));
		if (trap && s == SIGCHLD)
			usage_error("trap cannot take CHLD: it waits for its "
			    "own children");
		if (sigaddset(set, s) == -1)
			usage_error("signal %d is reserved by the C library",
			    s);
	}
}

/* open_signals: block the set and return a signalfd for it, nonblocking
 * when there is a deadline to poll for */
static int
open_signals(const sigset_t *set, bool nonblock)
{
	char nb[512];
	int fd;

	setname(set, nb, sizeof(nb));
	if (out_trace_ret(sigprocmask(SIG_BLOCK, set, NULL),
	    "sigprocmask(SIG_BLOCK, %s)", nb) == -1)
		err(EXIT_FAIL, "sigprocmask");
	fd = (int)out_trace_ret(signalfd(-1, set,
	    (nonblock ? SFD_NONBLOCK : 0) | SFD_CLOEXEC),
	    "signalfd(-1, %s, %sSFD_CLOEXEC)", nb,
	    nonblock ? "SFD_NONBLOCK|" : "");
	if (fd == -1)
		err(EXIT_FAIL, "signalfd");
	return fd;
}

/* has_value: whether the signal carries a value (sent with sigqueue) */
static bool
has_value(const struct signalfd_siginfo *si)
{
	return si->ssi_code == SI_QUEUE;
}

/* proc_mask: the hex mask after "\nKEY:\t" in a /proc status text */
static uint64_t
proc_mask(const char *status, const char *key)
{
	char pat[16];
	const char *p;

	snprintf(pat, sizeof(pat), "\n%s:", key);
	if ((p = strstr(status, pat)) == NULL)
		return 0;
	return strtoull(p + strlen(pat), NULL, 16);
}

/* wants_ack: whether pid catches the acknowledgement signal (SigCgt in
 * /proc/PID/status; a --sync sender does), or blocks or ignores it, so
 * that an acknowledgement cannot kill it */
static bool
wants_ack(pid_t pid)
{
	char path[64], buf[4096];
	uint64_t bit = 1ULL << (ACK_SIGNAL - 1), m;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return false;
	n = io_read_full(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	m = proc_mask(buf, "SigBlk") | proc_mask(buf, "SigIgn") |
	    proc_mask(buf, "SigCgt");
	return (m & bit) != 0;
}

/* The sender acknowledged last. A pidfd pins that process: a pid reused
 * after it exited never gets an acknowledgement meant for it, and its
 * /proc status is read once per process, not once per signal. */
static struct {
	pid_t pid;
	int pidfd;	/* -1: none (then every acknowledgement looks again) */
	bool wants;
} peer = { 0, -1, false };

/* ack_peer: make pid the peer, unless it is already (fresh: look again) */
static void
ack_peer(pid_t pid, bool fresh)
{
	if (!fresh && peer.pid == pid && peer.pidfd >= 0)
		return;
	if (peer.pidfd >= 0)
		close(peer.pidfd);
	peer.pid = pid;
	/* the pidfd first: if pid is reused between the two, the pidfd
	 * names the dead process and sending to it fails with ESRCH */
	peer.pidfd = (int)out_trace_ret(pidfd_open(pid, 0), "pidfd_open(%ld)",
	    (long)pid);
	if (peer.pidfd >= 0)
		io_set_cloexec(peer.pidfd);
	peer.wants = wants_ack(pid);
}

/* ack_send: send the acknowledgement to the peer: when v is not NULL
 * (a failed handler) first its status as an SI_QUEUE, then the
 * acknowledgement with no siginfo (SI_USER: the kernel vouches for our
 * pid); 0 or -1 with errno */
static int
ack_send(union sigval v)
{
	siginfo_t info;

	if (peer.pidfd < 0) {
		if (v.sival_ptr && out_trace_ret(queue(peer.pid, ACK_SIGNAL, v),
		    "sigqueue(%ld, %s, status)", (long)peer.pid,
		    signame(ACK_SIGNAL)) == -1)
			return -1;
		return (int)out_trace_ret(kill(peer.pid, ACK_SIGNAL),
		    "kill(%ld, %s)", (long)peer.pid, signame(ACK_SIGNAL));
	}
	queue_info(&info, ACK_SIGNAL, v);
	if (v.sival_ptr && out_trace_ret(pidfd_send_signal(peer.pidfd,
	    ACK_SIGNAL, &info, 0), "pidfd_send_signal(%d (pid %ld), %s, "
	    "status)", peer.pidfd, (long)peer.pid, signame(ACK_SIGNAL)) == -1)
		return -1;
	return (int)out_trace_ret(pidfd_send_signal(peer.pidfd, ACK_SIGNAL,
	    NULL, 0), "pidfd_send_signal(%d (pid %ld), %s, NULL)", peer.pidfd,
	    (long)peer.pid, signame(ACK_SIGNAL));
}

/* acknowledge: answer si to its sender with the acknowledgement signal,
 * its value the value received (or the signal number when there was
 * none) and the handler's failed status (0: none), but only to a sender
 * that waits for it */
static void
acknowledge(const struct signalfd_siginfo *si, int failed)
{
	union sigval v;
	pid_t pid = (pid_t)si->ssi_pid;
	int rc;

	if ((si->ssi_code != SI_USER && si->ssi_code != SI_QUEUE) || pid <= 0) {
		out_trace("no acknowledgement for %s: not sent by a process",
		    signame((int)si->ssi_signo));
		return;
	}
	v.sival_ptr = (void *)(uintptr_t)((uint64_t)(uint32_t)failed << 32 |
	    (uint32_t)(has_value(si) ? si->ssi_int : (int)si->ssi_signo));
	v.sival_ptr = failed ? v.sival_ptr : NULL;	/* NULL: SI_USER only */
	ack_peer(pid, false);
	for (int tries = 0; tries < 2; tries++) {
		if (!peer.wants) {
			out_trace("no acknowledgement to %ld: it does not "
			    "catch %s (not a --sync sender)", (long)pid,
			    signame(ACK_SIGNAL));
			return;
		}
		if ((rc = ack_send(v)) == 0 || errno != ESRCH ||
		    peer.pidfd < 0)
			break;
		/* the process we knew under this pid is gone: a new one
		 * may have it now */
		ack_peer(pid, true);
	}
	if (rc == -1 && errno != ESRCH)
		warn("acknowledge %s to %ld", signame((int)si->ssi_signo),
		    (long)pid);
}

/* print_signal: one line (or JSON object) for si on stdout */
static void
print_signal(struct args *a, const struct signalfd_siginfo *si)
{
	const char *name = signame((int)si->ssi_signo);

	if (a->json) {
		struct json j;

		json_begin(&j);
		json_str(&j, "signal", name);
		json_int(&j, "number", si->ssi_signo);
		json_int(&j, "pid", si->ssi_pid);
		json_int(&j, "uid", si->ssi_uid);
		/* SI_USER, SI_TKILL: pid and uid filled in by the kernel;
		 * SI_QUEUE and the rest: by the sender, unchecked */
		if (si->ssi_code != SI_USER && si->ssi_code != SI_TKILL &&
		    si->ssi_code != SI_KERNEL)
			json_bool(&j, "vouched", false);
		if (has_value(si))
			json_int(&j, "value", si->ssi_int);
		if (json_print(&j, stdout) == -1)
			die_stdout();
		return;
	}
	if (has_value(si))
		printf("%s pid=%u uid=%u value=%d\n", name, si->ssi_pid,
		    si->ssi_uid, si->ssi_int);
	else
		printf("%s pid=%u uid=%u\n", name, si->ssi_pid, si->ssi_uid);
}

/* take: read up to max signals from fd (blocking, or polling until
 * deadline when fd is nonblocking; poll_first when the last read found
 * the queue drained); returns how many, 0 on timeout */
static int
take(int fd, struct signalfd_siginfo *si, int max, int64_t deadline,
    bool poll_first)
{
	ssize_t n;
	int r;

	if (poll_first && deadline >= 0) {
		if ((r = io_wait(fd, POLLIN, deadline)) == -1)
			err(EXIT_FAIL, "poll signalfd");
		if (r == 0)
			return 0;
	}
	for (;;) {
		n = read(fd, si, sizeof(*si) * (size_t)max);
		if (n > 0) {
			out_trace("read(%d) = %zd (%zd signal%s)", fd, n,
			    n / (ssize_t)sizeof(*si),
			    n == (ssize_t)sizeof(*si) ? "" : "s");
			return (int)(n / (ssize_t)sizeof(*si));
		}
		if (n == -1 && errno != EAGAIN && errno != EINTR)
			err(EXIT_FAIL, "read signalfd");
		r = io_wait(fd, POLLIN, deadline);
		if (r == -1)
			err(EXIT_FAIL, "poll signalfd");
		if (r == 0)
			return 0;
	}
}

/* timed_out: the timeout message and status */
static int
timed_out(struct args *a, long long got)
{
	if (a->count > 0)
		warnx("timed out after %s (%lld of %lld signals)",
		    a->timeout_str, got, a->count);
	else
		warnx("timed out after %s (%lld signal%s)", a->timeout_str,
		    got, got == 1 ? "" : "s");
	return EX_TEMPFAIL;
}

/* sig_wait: print the signals as they come; returns the exit status */
static int
sig_wait(struct args *a)
{
	struct signalfd_siginfo si[BATCH];
	int64_t deadline = io_deadline(a->timeout);
	long long got = 0;
	bool drained = false;
	sigset_t set;
	int fd, n, max;

	if (!a->count_set)
		a->count = 1;
	signal_set(a, a->rest, a->nrest, &set, false);
	fd = open_signals(&set, a->timeout >= 0);
	if (a->pidfile)
		write_pidfile(a->pidfile, &set);
	while (a->count == 0 || got < a->count) {
		max = BATCH;
		if (a->count > 0 && a->count - got < max)
			max = (int)(a->count - got);
		if ((n = take(fd, si, max, deadline, drained)) == 0)
			return timed_out(a, got);
		drained = n < max;
		for (int i = 0; i < n; i++)
			print_signal(a, &si[i]);
		die_flush_stdout();
		if (a->ack)
			for (int i = 0; i < n; i++)
				acknowledge(&si[i], 0);
		got += n;
	}
	close(fd);
	return 0;
}

/* setenv_num: setenv name to the decimal n */
static void
setenv_num(const char *name, long long n)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", n);
	setenv(name, buf, 1);
}

/* The terminating signals a running handler is ended with: those of
 * them not trapped and not ignored at start, blocked only while the
 * handler runs and read from a signalfd of their own (with SIGCHLD) */
struct ender {
	sigset_t set;
	int fd;
};

/* ender_open: the signalfd for what ends a handler; exits on failure */
static void
ender_open(struct ender *e, const sigset_t *trapped)
{
	static const int term[] = { SIGHUP, SIGINT, SIGTERM, SIGQUIT };

	sigemptyset(&e->set);
	for (size_t i = 0; i < sizeof(term) / sizeof(term[0]); i++)
		if (sigismember(trapped, term[i]) != 1)
			sigaddset(&e->set, term[i]);
	sigs_drop_ignored(&e->set);
	sigaddset(&e->set, SIGCHLD);
	e->fd = signalfd(-1, &e->set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (e->fd == -1)
		err(EXIT_FAIL, "signalfd");
}

/* die_of: end this process as sig would (exit status 128+N), the pid
 * file removed first when it is still ours */
static void __attribute__((noreturn))
die_of(int sig)
{
	sigset_t set;

	pidfile_remove_all();
	signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	_exit(128 + sig);
}

/* wait_handler: wait for the handler pid (its own process group); a
 * terminating signal meanwhile goes to that group, SIGKILL follows after
 * the grace period or at a second signal, and then we die of it too;
 * returns the wait status */
static int
wait_handler(struct ender *e, pid_t pid)
{
	struct signalfd_siginfo si;
	pid_t group = pid;
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return st;
		if (r == -1 && errno != EINTR)
			err(EXIT_FAIL, "waitpid %ld", (long)pid);
		if (io_wait(e->fd, POLLIN, -1) <= 0)
			continue;
		while (read(e->fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			if (si.ssi_signo == SIGCHLD)
				continue;
			out_trace("received %s: passing it on to the handler's "
			    "process group %ld", signame((int)si.ssi_signo),
			    (long)group);
			sigs_end_groups(&group, 1, (int)si.ssi_signo, e->fd);
			die_of((int)si.ssi_signo);
		}
	}
}

/* run_handler: run the command for si in a process group of its own and
 * wait for it; returns its wait status, or -1 when it could not be
 * started */
static int
run_handler(struct args *a, struct ender *e,
    const struct signalfd_siginfo *si)
{
	sigset_t old;
	pid_t pid;
	int st;

	fflush(stdout);
	sigprocmask(SIG_BLOCK, &e->set, &old);
	pid = (pid_t)out_trace_ret(fork(), "fork()");
	if (pid == -1) {
		warn("fork for %s", a->cmdv[0]);
		sigprocmask(SIG_SETMASK, &old, NULL);
		return -1;
	}
	if (pid == 0) {
		setpgid(0, 0);
		sigs_child();
		setenv("IPCTOOL_SIGNAL", signame((int)si->ssi_signo), 1);
		setenv_num("IPCTOOL_SIGNAL_NUMBER", si->ssi_signo);
		setenv_num("IPCTOOL_SIGNAL_PID", si->ssi_pid);
		setenv_num("IPCTOOL_SIGNAL_UID", si->ssi_uid);
		if (has_value(si))
			setenv_num("IPCTOOL_SIGNAL_VALUE", si->ssi_int);
		else
			unsetenv("IPCTOOL_SIGNAL_VALUE");
		out_trace("execvp(%s) with IPCTOOL_SIGNAL=%s", a->cmdv[0],
		    signame((int)si->ssi_signo));
		execvp(a->cmdv[0], a->cmdv);
		warn("exec %s", a->cmdv[0]);
		_exit(errno == ENOENT ? 127 : 126);
	}
	setpgid(pid, pid);	/* as the child does: no race */
	st = wait_handler(e, pid);
	sigprocmask(SIG_SETMASK, &old, NULL);
	out_trace("waitpid(%ld) = status %d", (long)pid,
	    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return st;
}

/* sig_trap: run the command for each signal, one at a time; returns the
 * exit status */
static int
sig_trap(struct args *a)
{
	struct signalfd_siginfo si;
	int64_t deadline = io_deadline(a->timeout);
	struct ender e;
	long long got = 0;
	sigset_t set;
	int fd, st;

	if (a->cmdv == NULL || a->ncmd == 0)
		usage_error("missing command after '--'");
	signal_set(a, a->rest, a->nrest, &set, true);
	/* usage errors first (64), then a CMD that cannot run (127, 126) */
	die_unless_runnable(a->cmdv[0]);
	fd = open_signals(&set, a->timeout >= 0);
	ender_open(&e, &set);
	if (a->pidfile)
		write_pidfile(a->pidfile, &set);
	while (a->count == 0 || got < a->count) {
		/* one at a time: the rest stay pending in the kernel, where
		 * standard signals coalesce and real-time ones queue */
		if (take(fd, &si, 1, deadline, false) == 0)
			return timed_out(a, got);
		st = run_handler(a, &e, &si);
		if (st != -1 && WIFEXITED(st) && WEXITSTATUS(st) != 0)
			warnx("%s: %s exited with status %d",
			    signame((int)si.ssi_signo), a->cmdv[0],
			    WEXITSTATUS(st));
		else if (st != -1 && WIFSIGNALED(st))
			warnx("%s: %s killed by %s",
			    signame((int)si.ssi_signo), a->cmdv[0],
			    signame(WTERMSIG(st)));
		if (a->ack)
			acknowledge(&si, st == -1 ? EXIT_FAIL :
			    WIFEXITED(st) ? WEXITSTATUS(st) :
			    128 + WTERMSIG(st));
		got++;
	}
	close(e.fd);
	close(fd);
	return 0;
}

/* --- dispatch ----------------------------------------------------------- */

static int
sig_main(int argc, char **argv)
{
	const struct opt_sub *sub;
	struct opt_parser p;
	struct args a;
	int rc;

	sub = opt_init_sub(&p, &applet_sig, argc, argv);
	parse_args(&a, &p);
	switch (sub->id) {
	case SIG_LIST: rc = sig_list(&a); break;
	case SIG_SEND: rc = sig_send(&a); break;
	case SIG_TRAP: rc = sig_trap(&a); break;
	default: rc = sig_wait(&a); break;
	}
	opt_free(&p);
	return rc;
}
