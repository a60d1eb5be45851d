/* applets/fifo.c - named pipes: make, rm, send, recv. Exercises mkfifo(3),
 * open(2) on a FIFO (blocking, O_NONBLOCK, O_RDWR), write(2) atomicity up
 * to PIPE_BUF, flock(2), poll(2), tee(2) and splice(2). See fifo(7), pipe(7). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <bsd/stdlib.h>
#include <bsd/string.h>

#include "applet.h"
#include "die.h"
#include "frame.h"
#include "io.h"
#include "sigs.h"
#include "stats.h"
#include "opt.h"
#include "out.h"
#include "parse.h"
#include "pidfile.h"
#include "path.h"

enum {
	KEY_ASYNC = 256,
	KEY_EXIST_OK,
	KEY_JSON,
	KEY_MAX_SIZE,
	KEY_RAW,
	KEY_READY_FILE,
	KEY_STATS,
	KEY_SYNC,
};

/* The subcommands, as bits for the .sub of the options */
enum {
	FIFO_MAKE = 1 << 0,
	FIFO_RM = 1 << 1,
	FIFO_SEND = 1 << 2,
	FIFO_RECV = 1 << 3,
	FIFO_IO = FIFO_SEND | FIFO_RECV,
};

static const struct opt_sub fifo_subs[] = {
	{ .name = "make", .id = FIFO_MAKE, .operand = OPT_PATH },
	{ .name = "rm", .id = FIFO_RM, .operand = OPT_PATH },
	{ .name = "send", .id = FIFO_SEND, .operand = OPT_PATH },
	{ .name = "recv", .id = FIFO_RECV, .operand = OPT_PATH },
	{ .name = NULL }
};

static const struct opt fifo_opts[] = {
	{ .so = '0', .lo = "null", .sub = FIFO_IO,
	    .help = "messages end with NUL, not newline" },
	{ .so = 'c', .lo = "count", .arg = OPT_INT, .meta = "N",
	    .sub = FIFO_RECV, .help = "recv: stop after N messages (0: never)" },
	{ .so = 'f', .lo = "force", .sub = FIFO_RM,
	    .help = "rm: a PATH that does not exist is no error" },
	{ .so = 'F', .lo = "follow", .sub = FIFO_RECV,
	    .help = "recv: go on as writers come and go" },
	{ .so = 'm', .lo = "mode", .arg = OPT_MODE, .meta = "MODE",
	    .sub = FIFO_MAKE, .help = "make: octal permissions (default 0600)" },
	{ .so = 'n', .lo = "nonblock", .sub = FIFO_SEND,
	    .help = "send: exit 69 at once when no reader" },
	{ .lo = "sync", .key = KEY_SYNC, .sub = FIFO_SEND,
	    .help = "send: wait for the receiver's ack of each" },
	{ .so = 't', .lo = "timeout", .arg = OPT_DURATION, .meta = "DUR",
	    .sub = FIFO_IO, .help = "give up a wait after DUR (exit 75)" },
	{ .lo = "async", .key = KEY_ASYNC, .sub = FIFO_SEND,
	    .help = "send: do not wait for acks (default)" },
	{ .lo = "exist-ok", .key = KEY_EXIST_OK, .sub = FIFO_MAKE,
	    .help = "make: a FIFO of yours with that mode is fine" },
	{ .lo = "json", .key = KEY_JSON, .sub = FIFO_IO,
	    .help = "recv: an object per message; send: --stats as one" },
	{ .lo = "max-size", .key = KEY_MAX_SIZE, .arg = OPT_SIZE,
	    .meta = "SIZE", .sub = FIFO_IO,
	    .help = "largest message (default 1M)" },
	{ .lo = "raw", .key = KEY_RAW, .sub = FIFO_IO,
	    .help = "a byte stream, no messages (splice(2))" },
	{ .lo = "ready-file", .key = KEY_READY_FILE, .arg = OPT_PATH,
	    .meta = "FILE", .sub = FIFO_RECV,
	    .help = "recv: write the pid to FILE once the FIFO is open" },
	{ .lo = "stats", .key = KEY_STATS, .sub = FIFO_SEND,
	    .help = "send --sync: round-trip summary on stderr at exit" },
	OPT_END
};

static int fifo_main(int argc, char **argv);

const struct applet applet_fifo = {
	.name = "fifo",
	.brief = "named pipes: make, remove, send and receive messages",
	.usage = "fifo make [-m MODE] PATH...\n"
	    "fifo rm [-f] PATH...\n"
	    "fifo send [-0 | --raw] [--sync] [-n] [-t DUR] PATH [MSG...]\n"
	    "fifo send --sync --stats [--json] [-0] [-t DUR] PATH [MSG...]\n"
	    "fifo recv [-0 | --raw] [-c N] [-F] [--json] [-t DUR] PATH",
	.subcmds = fifo_subs,
	.opts = fifo_opts,
	.main = fifo_main,
};

/* Options given, for the pairs that exclude each other */
enum {
	G_NULL = 1 << 0, G_COUNT = 1 << 1, G_SYNC = 1 << 2, G_ASYNC = 1 << 3,
	G_JSON = 1 << 4, G_MAX = 1 << 5, G_RAW = 1 << 6, G_STATS = 1 << 7,
};

struct cfg {
	unsigned cmd;		/* FIFO_MAKE, FIFO_RM, FIFO_SEND, FIFO_RECV */
	unsigned given;
	enum frame_mode mode;
	mode_t perm;
	long long count;	/* recv: 0 = no limit */
	int64_t timeout;	/* ms, -1 = none */
	const char *timeout_str;
	size_t max;
	bool exist_ok, follow, force, json, nonblock, stats, sync;
	const char *path;
	const char *ready_file;	/* recv: written once the FIFO is open */
};

/* The envelope of a --sync message: "\001ack PID SEQ NONCE REPLYPATH\002"
 * before the payload; the receiver writes "SEQ NONCE\n" into the reply
 * FIFO, DIR/ipctool-fifo-ack.XXXXXX/reply: the directory 0700 with a
 * random name, the FIFO 0600. NONCE is random per message, so an ack
 * for another message (or sent by a third party that made the receiver
 * answer the wrong path) does not count. */
#define ACK_MAGIC	"\001ack "
#define ACK_END		'\002'
#define ACK_PREFIX	"ipctool-fifo-ack."
#define ACK_NEW		"ipctool-fifo-new."	/* until locked */
#define ACK_FIFO	"reply"

/* ---- small helpers ---------------------------------------------------- */

/* kind: what a file of st_mode is, for messages */
static const char *
kind(mode_t m)
{
	if (S_ISREG(m))
		return "a regular file";
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISLNK(m))
		return "a symbolic link";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	return "not a FIFO";
}

static volatile sig_atomic_t timer_fired;

/* on_alarm: note that the deadline of a blocking call has passed */
static void
on_alarm(int sig)
{
	(void)sig;
	timer_fired = 1;
}

/* timer_start: SIGALRM after ms and then every 10 ms, without SA_RESTART,
 * so a blocking open(2) or flock(2) returns EINTR (the repeat covers a
 * call entered just after the first one); nothing when ms < 0 */
static void
timer_start(int64_t ms)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = { .it_interval = { 0, 10000 } };

	timer_fired = 0;
	if (ms < 0)
		return;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	it.it_value.tv_sec = ms / 1000;
	it.it_value.tv_usec = (ms % 1000) * 1000;
	if (ms == 0)
		it.it_value.tv_usec = 1;
	setitimer(ITIMER_REAL, &it, NULL);
}

/* timer_stop: disarm the timer of timer_start */
static void
timer_stop(void)
{
	struct itimerval it = { 0 };

	setitimer(ITIMER_REAL, &it, NULL);
}

/* want_fifo: exit 1 unless rc (of stat/fstat into st) says a FIFO */
static void
want_fifo(int rc, const struct stat *st, const char *verb, const char *path)
{
	if (rc == -1)
		err(EXIT_FAIL, "%s %s", verb, path);
	if (!S_ISFIFO(st->st_mode))
		errx(EXIT_FAIL, "%s %s: is %s, not a FIFO", verb, path,
		    kind(st->st_mode));
}

/* stat_fifo: stat path (following links) and insist on a FIFO, before
 * opening it: open(2) of a device may have effects of its own */
static void
stat_fifo(const char *verb, const char *path)
{
	struct stat st;

	want_fifo(stat(path, &st), &st, verb, path);
}

/* check_fd_fifo: after open, make sure fd is a FIFO (the path may have
 * been swapped since stat_fifo) */
static void
check_fd_fifo(int fd, const char *verb, const char *path)
{
	struct stat st;

	want_fifo(fstat(fd, &st), &st, verb, path);
}

/* ---- make and rm -------------------------------------------------------- */

/* make_one: mkfifo path with exactly perm (umask cleared around it);
 * returns 0, or 1 after a warning */
static int
make_one(const char *path, mode_t perm, bool exist_ok)
{
	struct stat st;
	mode_t old = umask(0);
	int rc = mkfifo(path, perm);

	umask(old);
	out_trace_ret(rc, "mkfifo(\"%s\", 0%03o)", path, (unsigned)perm);
	if (rc == 0)
		return 0;
	if (errno != EEXIST) {
		warn("make %s", path);
		return 1;
	}
	/* mkfifo never follows a symlink: lstat says what is there */
	if (lstat(path, &st) == -1) {
		warn("make %s", path);
		return 1;
	}
	if (S_ISFIFO(st.st_mode)) {
		/* as mkfifo(1): someone else's FIFO, or one of another mode,
		 * is not what was asked for */
		bool ours = st.st_uid == geteuid() &&
		    (st.st_mode & 07777) == perm;

		if (ours && exist_ok) {
			out_trace("%s is our FIFO already (mode 0%03o)", path,
			    (unsigned)perm);
			return 0;
		}
		if (ours)
			warnx("make %s: File exists (a FIFO of yours: "
			    "--exist-ok accepts it)", path);
		else
			warnx("make %s: File exists (a FIFO of uid %u, mode "
			    "0%03o)", path, (unsigned)st.st_uid,
			    (unsigned)(st.st_mode & 07777));
		return 1;
	}
	warnx("make %s: exists and is %s, not a FIFO", path, kind(st.st_mode));
	return 1;
}

/* rm_one: unlink path when it is a FIFO (not following a symlink),
 * checked and removed relative to its directory opened once; returns 0,
 * or 1 after a warning; with force a path that is not there is no error */
static int
rm_one(const char *path, bool force)
{
	struct stat st;

	/* check and unlink in the directory opened once, no link followed */
	if (path_remove(path, S_IFIFO, NULL, &st) == 0) {
		out_trace("unlinkat(\"%s\") = 0", path);
		return 0;
	}
	if (force && errno == ENOENT)
		return 0;
	if (errno == EINVAL)
		warnx("rm %s: is %s, not a FIFO (left in place)", path,
		    kind(st.st_mode));
	else
		warn("rm %s", path);
	return 1;
}

/* ---- send --------------------------------------------------------------- */

struct sender {
	const struct cfg *c;
	int fd;			/* the FIFO, O_WRONLY|O_NONBLOCK */
	unsigned long long seq;	/* messages (raw: bytes) taken so far */
	unsigned long long sent;	/* messages written into the FIFO */
	char batch[PIPE_BUF];	/* async: whole messages for one write */
	size_t blen;
	unsigned bcount;	/* messages in the batch */
	bool nolock;		/* flock(2) not supported here */
	int reply;		/* --sync: our reply FIFO, O_RDWR */
	pid_t pid;		/* --sync: ours, for the envelope */
	unsigned long long nonce;	/* of the message awaiting its ack */
	char ackbuf[64];
	size_t acklen;
	unsigned misses;	/* acks not there yet when first looked for */
	struct stats *stats;	/* --stats, or NULL */
};

static char reply_dir[PATH_MAX], reply_path[PATH_MAX + 16];

/* reply_unlink: remove the reply FIFO and its directory (atexit and
 * signal handler) */
static void
reply_unlink(void)
{
	if (reply_path[0])
		unlink(reply_path);
	if (reply_dir[0])
		rmdir(reply_dir);
}

/* on_term: remove the reply FIFO, then die of the signal as usual */
static void
on_term(int sig)
{
	reply_unlink();
	reply_path[0] = reply_dir[0] = '\0';
	raise(sig);	/* SA_RESETHAND: the default action, on return */
}

/* open_fifo_wronly: open path for writing, blocking until a reader comes,
 * only when it is a FIFO: an O_PATH descriptor is checked with fstat(2),
 * then that very inode is opened through /proc/self/fd, so a file put
 * in its place after the check is never opened; -1 with errno */
static int
open_fifo_wronly(const char *path)
{
	char proc[64];
	struct stat st;
	int pfd, fd, e;

	if ((pfd = open(path, O_PATH | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(pfd, &st) == 0 && !S_ISFIFO(st.st_mode))
		return pfd;	/* check_fd_fifo names what it is */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	fd = open(proc, O_WRONLY | O_CLOEXEC);
	e = errno;
	if (fd == -1 && e == ENOENT)	/* no /proc */
		fd = open(path, O_WRONLY | O_CLOEXEC);
	else
		errno = e;
	e = errno;
	close(pfd);
	errno = e;
	return fd;
}

/* open_writer: open the FIFO for writing, waiting for a reader up to the
 * timeout (75) or not at all with --nonblock (69); returns the fd,
 * nonblocking so that every later wait has a deadline */
static int
open_writer(const struct cfg *c)
{
	int fd;

	stat_fifo("open", c->path);
	if (c->nonblock) {
		/* O_NOFOLLOW, and fstat below: what is opened is a FIFO */
		fd = open(c->path, O_WRONLY | O_NONBLOCK | O_NOFOLLOW |
		    O_CLOEXEC);
		out_trace_ret(fd, "open(\"%s\", O_WRONLY|O_NONBLOCK|O_NOFOLLOW)",
		    c->path);
		if (fd == -1 && errno == ELOOP)
			errx(EXIT_FAIL, "open %s: is a symbolic link, not a "
			    "FIFO", c->path);
		if (fd == -1 && errno == ENXIO)
			errx(EX_UNAVAILABLE, "open %s: no reader has the FIFO "
			    "open", c->path);
	} else {
		out_trace("open(\"%s\", O_WRONLY): waits for a reader",
		    c->path);
		timer_start(c->timeout);
		while ((fd = open_fifo_wronly(c->path)) == -1 &&
		    errno == EINTR && !timer_fired)
			;
		timer_stop();
		out_trace_ret(fd, "open(\"%s\", O_WRONLY)", c->path);
		if (fd == -1 && errno == EINTR)
			errx(EX_TEMPFAIL, "open %s: no reader within %s",
			    c->path, c->timeout_str);
	}
	if (fd == -1)
		err(EXIT_FAIL, "open %s", c->path);
	check_fd_fifo(fd, "open", c->path);
	if (io_set_nonblock(fd, true) == -1)
		err(EXIT_FAIL, "fcntl %s", c->path);
	return fd;
}

/* gone: the receiver closed the FIFO; exit 69 */
static void __attribute__((noreturn))
gone(struct sender *s)
{
	if (s->c->sync)	/* --sync names the message, whichever wait saw it */
		errx(EX_UNAVAILABLE, "send to %s: the receiver closed the "
		    "FIFO before acknowledging message %llu", s->c->path,
		    s->seq + 1);
	errx(EX_UNAVAILABLE, "write to %s: the receiver closed the FIFO "
	    "(%llu message%s sent)", s->c->path, s->sent,
	    s->sent == 1 ? "" : "s");
}

/* lock: flock(2) the FIFO, waiting up to the timeout (exit 75) */
static void
lock(struct sender *s, int how)
{
	int rc;

	if (s->nolock || flock(s->fd, how | LOCK_NB) == 0)
		return;
	if (errno != EWOULDBLOCK) {
		/* e.g. a file system without flock: PIPE_BUF still holds */
		out_trace_ret(-1, "flock(%d): senders go without the lock",
		    s->fd);
		s->nolock = true;
		return;
	}
	out_trace("flock(%d, %s): another sender holds the FIFO", s->fd,
	    how == LOCK_EX ? "LOCK_EX" : "LOCK_SH");
	timer_start(s->c->timeout);
	while ((rc = flock(s->fd, how)) == -1 && errno == EINTR &&
	    !timer_fired)
		;
	timer_stop();
	if (rc == -1 && errno == EINTR)
		errx(EX_TEMPFAIL, "lock %s: another sender held it for %s",
		    s->c->path, s->c->timeout_str);
	if (rc == -1)
		err(EXIT_FAIL, "flock %s", s->c->path);
}

/* wait_room: wait until the FIFO has room (exit 75 at the timeout, 69
 * when the receiver is gone) */
static void
wait_room(struct sender *s)
{
	int rev = io_wait(s->fd, POLLOUT, io_deadline(s->c->timeout));

	if (rev == -1)
		err(EXIT_FAIL, "poll %s", s->c->path);
	if (rev == 0)
		errx(EX_TEMPFAIL, "write to %s: the FIFO stayed full for %s",
		    s->c->path, s->c->timeout_str);
	if (rev & POLLERR)
		gone(s);
}

/* put: write len bytes to the FIFO. Up to PIPE_BUF they go in one
 * write(2), which the kernel never interleaves with another writer's;
 * under a shared flock, so that a longer message (written in pieces
 * under the exclusive lock) is not cut by them either */
static void
put(struct sender *s, const char *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	lock(s, len <= PIPE_BUF ? LOCK_SH : LOCK_EX);
	while (done < len) {
		n = write(s->fd, buf + done, len - done);
		out_trace_ret(n, "write(%d, %zu bytes)", s->fd, len - done);
		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			wait_room(s);
			continue;
		}
		if (n == -1 && errno == EPIPE)
			gone(s);
		err(EXIT_FAIL, "write to %s", s->c->path);
	}
	if (!s->nolock)
		flock(s->fd, LOCK_UN);
}

/* flush: write the batched messages in one write(2) */
static void
flush(struct sender *s)
{
	if (s->blen == 0)
		return;
	put(s, s->batch, s->blen);
	s->sent += s->bcount;
	s->blen = 0;
	s->bcount = 0;
}

/* reap_stale: remove from dir the reply directories that senders of
 * ours left when they were killed (SIGKILL): ours, 0700, and no longer
 * locked by a live sender (each holds flock(2) on its directory) */
static void
reap_stale(const char *dir)
{
	size_t pl = strlen(ACK_PREFIX);
	struct dirent *e;
	struct stat st;
	DIR *d;
	int fd;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, ACK_PREFIX, pl) != 0)
			continue;
		fd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC);
		if (fd == -1)
			continue;
		if (fstat(fd, &st) == 0 && st.st_uid == geteuid() &&
		    (st.st_mode & 07777) == 0700 &&
		    flock(fd, LOCK_EX | LOCK_NB) == 0) {
			unlinkat(fd, ACK_FIFO, 0);
			out_trace_ret(unlinkat(dirfd(d), e->d_name,
			    AT_REMOVEDIR), "unlinkat(%s/%s) [left by a killed "
			    "sender]", dir, e->d_name);
		}
		close(fd);
	}
	closedir(d);
}

/* reply_open: make the private reply FIFO of --sync, 0600 in a directory
 * 0700 with a random name, locked (flock) while we live; removed at exit
 * and on SIGINT/SIGTERM/SIGHUP, and by the next sender after a SIGKILL */
static void
reply_open(struct sender *s)
{
	const char *dirs[] = { getenv("XDG_RUNTIME_DIR"), getenv("TMPDIR"),
	    "/tmp" };
	const char *dir = "/tmp";
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	char tmpl[PATH_MAX], final[PATH_MAX];
	sigset_t block, saved;
	struct stat st;
	int dfd = -1, rc = -1;

	for (size_t i = 0; i < 3; i++)
		if (dirs[i] && dirs[i][0] == '/' && !strpbrk(dirs[i],
		    "\n\001\002 ") && stat(dirs[i], &st) == 0 &&
		    S_ISDIR(st.st_mode) && access(dirs[i], W_OK | X_OK) == 0) {
			dir = dirs[i];
			break;
		}
	reap_stale(dir);
	sigs_catch(sigs, 3, on_term, SA_RESETHAND);
	atexit(reply_unlink);
	sigemptyset(&block);
	for (size_t i = 0; i < 3; i++)
		sigaddset(&block, sigs[i]);
	if ((size_t)snprintf(tmpl, sizeof(tmpl), "%s/" ACK_NEW "XXXXXX",
	    dir) >= sizeof(tmpl))
		errx(EXIT_FAIL, "make reply FIFO in %s: %s", dir,
		    strerror(ENAMETOOLONG));
	/* no signal between making them and remembering them */
	sigprocmask(SIG_BLOCK, &block, &saved);
	/* made under another name and locked before it is renamed to
	 * ACK_PREFIX..., so that another sender's reap_stale never sees it
	 * unlocked */
	if (mkdtemp(tmpl) != NULL) {
		strlcpy(reply_dir, tmpl, sizeof(reply_dir));
		snprintf(final, sizeof(final), "%s/" ACK_PREFIX "%s", dir,
		    tmpl + strlen(dir) + 1 + strlen(ACK_NEW));
		dfd = open(tmpl, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (dfd >= 0 && flock(dfd, LOCK_EX | LOCK_NB) == 0 &&
		    rename(tmpl, final) == 0) {
			strlcpy(reply_dir, final, sizeof(reply_dir));
			if ((rc = mkfifoat(dfd, ACK_FIFO, 0600)) == 0)
				snprintf(reply_path, sizeof(reply_path),
				    "%s/%s", final, ACK_FIFO);
		}
	}
	sigprocmask(SIG_SETMASK, &saved, NULL);
	out_trace_ret(rc, "mkdtemp(\"%s\") 0700, mkfifo(\"" ACK_FIFO
	    "\", 0600)", reply_dir);
	if (rc == -1)
		err(EXIT_FAIL, "make reply FIFO in %s", dir);
	/* O_RDWR: never blocks, and we never see EOF between acks; dfd
	 * stays open: its lock tells the next sender we are alive */
	s->reply = openat(dfd, ACK_FIFO, O_RDWR | O_NONBLOCK | O_NOFOLLOW |
	    O_CLOEXEC);
	out_trace_ret(s->reply, "open(\"%s\", O_RDWR|O_NONBLOCK)", reply_path);
	if (s->reply == -1)
		err(EXIT_FAIL, "open reply FIFO %s", reply_path);
}

/* ack_seen: read what is in the reply FIFO; true when it holds the
 * acknowledgement of message seq */
static bool
ack_seen(struct sender *s, unsigned long long seq)
{
	ssize_t n;
	char *nl;

	n = io_read(s->reply, s->ackbuf + s->acklen,
	    sizeof(s->ackbuf) - 1 - s->acklen);
	out_trace_ret(n, "read(%d) reply", s->reply);
	if (n <= 0)
		return false;
	s->acklen += (size_t)n;
	s->ackbuf[s->acklen] = '\0';
	while ((nl = strchr(s->ackbuf, '\n')) != NULL) {
		char *p;
		unsigned long long got = strtoull(s->ackbuf, &p, 10);
		unsigned long long nonce = *p == ' ' ?
		    strtoull(p + 1, NULL, 16) : 0;
		size_t used = (size_t)(nl - s->ackbuf) + 1;

		memmove(s->ackbuf, nl + 1, s->acklen - used + 1);
		s->acklen -= used;
		if (got == seq && nonce == s->nonce)
			return true;
		out_trace("reply %llu %llx ignored: not the ack of message "
		    "%llu", got, nonce, seq);
	}
	if (s->acklen == sizeof(s->ackbuf) - 1)
		s->acklen = 0;	/* garbage without a newline */
	return false;
}

/* wait_ack: block until the receiver acknowledged message seq; exit 75
 * at the timeout, 69 when the last reader closed the FIFO first */
static void
wait_ack(struct sender *s, unsigned long long seq)
{
	int64_t deadline = io_deadline(s->c->timeout);
	struct pollfd p[2] = {
		{ .fd = s->reply, .events = POLLIN },
		{ .fd = s->fd, .events = 0 },	/* POLLERR: no reader left */
	};
	int n;

	/* the receiver often ran (and acknowledged) while our write woke
	 * it, as when both share a CPU: then one read(2) finds the ack and
	 * the poll(2) is not needed. Once it was not there, poll first,
	 * and look again first at every 16th message */
	if (s->misses % 16 == 0) {
		if (ack_seen(s, seq)) {
			s->misses = 0;
			out_trace("message %llu acknowledged", seq);
			return;
		}
		s->misses++;
	} else {
		s->misses++;
	}
	for (;;) {
		n = poll(p, 2, io_remaining(deadline));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			err(EXIT_FAIL, "poll");
		if (n == 0)
			errx(EX_TEMPFAIL, "send to %s: no acknowledgement of "
			    "message %llu within %s", s->c->path, seq,
			    s->c->timeout_str);
		if ((p[0].revents & POLLIN) && ack_seen(s, seq)) {
			out_trace("message %llu acknowledged", seq);
			return;
		}
		if (p[1].revents & (POLLERR | POLLHUP))
			errx(EX_UNAVAILABLE, "send to %s: the receiver closed "
			    "the FIFO before acknowledging message %llu",
			    s->c->path, seq);
	}
}

/* fresh_nonce: an unpredictable odd number for each message, from a pool
 * that arc4random_buf(3) fills 64 at a time (each call costs a getpid(2),
 * its check for a fork) */
static unsigned long long
fresh_nonce(void)
{
	static unsigned long long pool[64];
	static size_t left;

	if (left == 0) {
		arc4random_buf(pool, sizeof(pool));
		left = sizeof(pool) / sizeof(pool[0]);
	}
	return pool[--left] | 1;
}

/* send_sync: send one message in its envelope and wait for the ack */
static void
send_sync(struct sender *s, const char *msg, size_t len)
{
	char head[PATH_MAX + 128];
	char *buf;
	int hl;
	unsigned long long seq = s->seq + 1;
	uint64_t t0;

	/* a fresh nonce: only the receiver of this message knows it */
	s->nonce = fresh_nonce();
	hl = snprintf(head, sizeof(head), ACK_MAGIC "%ld %llu %016llx %s%c",
	    (long)s->pid, seq, s->nonce, reply_path, ACK_END);
	buf = malloc((size_t)hl + len + 1);
	if (buf == NULL)
		err(EXIT_FAIL, "allocate");
	memcpy(buf, head, (size_t)hl);
	memcpy(buf + hl, msg, len);
	buf[(size_t)hl + len] = (char)frame_delim(s->c->mode);
	t0 = s->stats ? stats_now() : 0;
	put(s, buf, (size_t)hl + len + 1);
	free(buf);
	s->sent = seq;
	if (s->stats)
		stats_sent(s->stats);
	wait_ack(s, seq);
	if (s->stats)
		stats_add(s->stats, stats_now() - t0);
	s->seq = seq;
}

/* send_async: batch the message with others into one write of at most
 * PIPE_BUF bytes; a longer one goes alone */
static void
send_async(struct sender *s, const char *msg, size_t len)
{
	char delim = (char)frame_delim(s->c->mode);

	if (s->blen + len + 1 > sizeof(s->batch))
		flush(s);
	if (len + 1 > sizeof(s->batch)) {
		char *buf = malloc(len + 1);

		if (buf == NULL)
			err(EXIT_FAIL, "allocate");
		memcpy(buf, msg, len);
		buf[len] = delim;
		put(s, buf, len + 1);
		free(buf);
		s->sent++;
	} else {
		memcpy(s->batch + s->blen, msg, len);
		s->batch[s->blen + len] = delim;
		s->blen += len + 1;
		s->bcount++;
	}
	s->seq++;
}

/* send_one: send a message the way the options say */
static void
send_one(struct sender *s, const char *msg, size_t len)
{
	if (len > s->c->max)
		errx(EXIT_FAIL, "send to %s: message %llu is %zu bytes, longer "
		    "than --max-size %zu", s->c->path, s->seq + 1, len,
		    s->c->max);
	if (s->c->sync)
		send_sync(s, msg, len);
	else
		send_async(s, msg, len);
}

/* send_stdin: every message of standard input; the batch goes out
 * before each read that may block, so nothing waits in our buffer */
static void
send_stdin(struct sender *s)
{
	struct frame_reader r;
	char *msg;
	size_t len;
	ssize_t n;
	int rc;

	if (frame_reader_init(&r, STDIN_FILENO, s->c->mode, s->c->max) == -1)
		err(EXIT_FAIL, "allocate");
	for (;;) {
		while ((rc = frame_next(&r, &msg, &len)) == 1)
			send_one(s, msg, len);
		flush(s);	/* also what came before a bad message */
		if (rc == -1)
			errx(EXIT_FAIL, "read stdin: message %llu is longer "
			    "than --max-size %zu", s->seq + 1, s->c->max);
		if (r.eof)
			break;
		n = frame_fill(&r);
		if (n == -1 && errno == EAGAIN) {
			io_wait(STDIN_FILENO, POLLIN, -1);
			continue;
		}
		if (n == -1 && errno == EMSGSIZE)
			errx(EXIT_FAIL, "read stdin: message %llu is longer "
			    "than --max-size %zu", s->seq + 1, s->c->max);
		if (n == -1)
			err(EXIT_FAIL, "read stdin");
	}
	flush(s);
	frame_reader_free(&r);
}

/* raw_write: write all of buf (raw mode: no lock, no framing) */
static void
raw_write(struct sender *s, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(s->fd, buf, len);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			s->seq += (size_t)n;
		} else if (n == -1 && errno == EAGAIN) {
			wait_room(s);
		} else if (n == -1 && errno == EPIPE) {
			errx(EX_UNAVAILABLE, "write to %s: the receiver closed "
			    "the FIFO", s->c->path);
		} else if (n == -1 && errno != EINTR) {
			err(EXIT_FAIL, "write to %s", s->c->path);
		}
	}
}

/* raw_copy: stdin to the FIFO with read(2)/write(2), when splice cannot */
static void
raw_copy(struct sender *s)
{
	char *buf = malloc(FRAME_RAW_CHUNK);
	ssize_t n;

	if (buf == NULL)
		err(EXIT_FAIL, "allocate");
	while ((n = io_read(STDIN_FILENO, buf, FRAME_RAW_CHUNK)) != 0) {
		if (n == -1 && errno == EAGAIN) {
			io_wait(STDIN_FILENO, POLLIN, -1);
			continue;
		}
		if (n == -1)
			err(EXIT_FAIL, "read stdin");
		raw_write(s, buf, (size_t)n);
	}
	free(buf);
}

/* send_raw: stdin to the FIFO as a byte stream, with splice(2): the
 * bytes go from stdin's file or pipe into the FIFO without passing
 * through this process */
static void
send_raw(struct sender *s)
{
	unsigned long long calls = 0;
	ssize_t n;

	/* without --timeout, let splice block on a full FIFO: no EAGAIN
	 * and poll(2) round trips for every pipe-full */
	if (s->c->timeout < 0 && io_set_nonblock(s->fd, false) == -1)
		err(EXIT_FAIL, "fcntl %s", s->c->path);
	for (;;) {
		n = splice(STDIN_FILENO, NULL, s->fd, NULL, 1 << 20,
		    SPLICE_F_MOVE | SPLICE_F_MORE);
		if (calls++ == 0 || n == 0 || (n == -1 && errno != EAGAIN))
			out_trace_ret(n, "splice(0, %d, 1 MiB)", s->fd);
		if (n > 0) {
			s->seq += (size_t)n;
			continue;
		}
		if (n == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			/* either side: wait for input, then for room */
			io_wait(STDIN_FILENO, POLLIN, -1);
			wait_room(s);
			continue;
		}
		if (errno == EPIPE)
			errx(EX_UNAVAILABLE, "write to %s: the receiver closed "
			    "the FIFO", s->c->path);
		if (errno == EINVAL && s->seq == 0) {
			out_trace("splice cannot read stdin: read(2)/write(2)");
			raw_copy(s);
			break;
		}
		err(EXIT_FAIL, "splice stdin to %s", s->c->path);
	}
	out_trace("%llu bytes in %llu splice calls", s->seq, calls);
}

/* do_send: fifo send; returns the exit status */
static int
do_send(const struct cfg *c, char **msgs, int nmsgs)
{
	struct sender s = { .c = c, .reply = -1 };
	bool raw = c->mode == FRAME_RAW;
	int delim = frame_delim(c->mode);

	for (int i = 0; i < nmsgs && !raw; i++) {
		if (delim == '\n' && strchr(msgs[i], '\n'))
			usage_error("message %d contains a newline (use -0)",
			    i + 1);
		if (strlen(msgs[i]) > c->max)
			errx(EXIT_FAIL, "send to %s: message %d is %zu bytes, "
			    "longer than --max-size %zu", c->path, i + 1,
			    strlen(msgs[i]), c->max);
	}
	s.fd = open_writer(c);
	if (c->sync) {
		reply_open(&s);
		s.pid = getpid();
	}
	if (c->stats) {
		/* after reply_open: its handlers are chained, not lost */
		static struct stats st;

		stats_init(&st, "ipctool fifo send", "acknowledged", c->json);
		stats_arm(&st);
		s.stats = &st;
	}
	for (int i = 0; i < nmsgs; i++) {
		if (raw)
			raw_write(&s, msgs[i], strlen(msgs[i]));
		else
			send_one(&s, msgs[i], strlen(msgs[i]));
	}
	if (nmsgs == 0 && raw)
		send_raw(&s);
	else if (nmsgs == 0)
		send_stdin(&s);
	flush(&s);
	if (s.reply != -1)
		close(s.reply);
	close(s.fd);
	return 0;
}

/* ---- recv --------------------------------------------------------------- */

struct receiver {
	const struct cfg *c;
	int fd;
	long long got;		/* messages printed */
	int peek[2];		/* --count: tee(2) target, to look ahead */
	char *scratch;
	size_t longest;		/* the longest message so far, delimiter in */
};

/* open_reader: open the FIFO for reading without blocking. --follow opens
 * it O_RDWR, so the receiver is a writer too and never sees end of file
 * when the last sender leaves: poll(2) just waits for the next one. */
static int
open_reader(const struct cfg *c)
{
	int flags = (c->follow ? O_RDWR : O_RDONLY) | O_NONBLOCK | O_CLOEXEC;
	int fd;

	stat_fifo("open", c->path);
	fd = open(c->path, flags);
	out_trace_ret(fd, "open(\"%s\", %s|O_NONBLOCK)", c->path,
	    c->follow ? "O_RDWR" : "O_RDONLY");
	if (fd == -1)
		err(EXIT_FAIL, "open %s", c->path);
	check_fd_fifo(fd, "open", c->path);
	/* blocking from now on: we read only after poll(2) said there is
	 * something, and a full stdout should hold us back */
	if (io_set_nonblock(fd, false) == -1)
		err(EXIT_FAIL, "fcntl %s", c->path);
	return fd;
}

/* wait_input: poll the FIFO until it has data or its writers are gone;
 * exit 75 when nothing comes within the timeout */
static void
wait_input(struct receiver *r)
{
	int rev;

	die_flush_stdout();
	rev = io_wait(r->fd, POLLIN, io_deadline(r->c->timeout));
	if (rev == -1)
		err(EXIT_FAIL, "poll %s", r->c->path);
	if (rev == 0)
		errx(EX_TEMPFAIL, "receive from %s: nothing within %s",
		    r->c->path, r->c->timeout_str);
}

/* ack: tell the sender of a --sync message that it was received, by
 * writing "SEQ\n" into its reply FIFO. The path comes from the message:
 * it must be a FIFO named like ours, opened without following a link
 * and without blocking (a sender that gave up is no error). */
static void
ack(const char *path, unsigned long long seq, const char *nonce)
{
	/* the reply FIFO of the last sender, kept open: a sender sends
	 * many messages, and opening it anew (checks included) was half
	 * the cost of a round trip */
	static char cached[PATH_MAX];
	static int cached_fd = -1;
	const char *base = strrchr(path, '/'), *dir;
	char proc[64], line[64];
	struct stat st;
	int pfd, fd;
	ssize_t n;
	int len;

	len = snprintf(line, sizeof(line), "%llu %s\n", seq, nonce);
	if (cached_fd >= 0 && strcmp(path, cached) == 0) {
		n = write(cached_fd, line, (size_t)len);
		out_trace_ret(n, "write(%d, \"%llu %s\\n\") ack", cached_fd,
		    seq, nonce);
		if (n == len)
			return;
		/* that sender is gone (EPIPE) or its FIFO is full: look
		 * at the path again */
		close(cached_fd);
		cached_fd = -1;
	}
	/* DIR/ipctool-fifo-ack.XXXXXX/reply */
	for (dir = base ? base - 1 : path; dir > path && dir[-1] != '/'; dir--)
		;
	if (base == NULL || strcmp(base + 1, ACK_FIFO) != 0 ||
	    strncmp(dir, ACK_PREFIX, strlen(ACK_PREFIX)) != 0) {
		out_trace("ack path %s refused: not a reply FIFO", path);
		return;
	}
	pfd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (pfd == -1 || fstat(pfd, &st) == -1 || !S_ISFIFO(st.st_mode)) {
		out_trace("ack path %s refused: not a FIFO", path);
		if (pfd != -1)
			close(pfd);
		return;
	}
	/* reopen that very inode for writing through /proc */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	fd = open(proc, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	close(pfd);
	out_trace_ret(fd, "open(\"%s\", O_WRONLY|O_NONBLOCK)", path);
	if (fd == -1)
		return;
	n = write(fd, line, (size_t)len);
	out_trace_ret(n, "write(%d, \"%llu %s\\n\") ack", fd, seq, nonce);
	if (n != len || strlen(path) >= sizeof(cached)) {
		close(fd);
		return;
	}
	if (cached_fd >= 0)
		close(cached_fd);
	cached_fd = fd;
	strlcpy(cached, path, sizeof(cached));
}

/* envelope: when msg is a --sync message, split off its header: sets
 * pid, seq and path (NUL-terminated in place), moves msg and len to the
 * payload and returns true */
static bool
envelope(char **msg, size_t *len, long *pid, unsigned long long *seq,
    char **nonce, char **path)
{
	size_t ml = strlen(ACK_MAGIC);
	char *end, *p, *q;

	if (*len < ml || memcmp(*msg, ACK_MAGIC, ml) != 0)
		return false;
	end = memchr(*msg, ACK_END, *len);
	if (end == NULL)
		return false;
	p = *msg + ml;
	*pid = strtol(p, &q, 10);
	if (q == p || *q != ' ')
		return false;
	p = q + 1;
	*seq = strtoull(p, &q, 10);
	if (q == p || *q != ' ' || q + 1 >= end)
		return false;
	p = q + 1;
	q = p + strspn(p, "0123456789abcdef");
	if (q == p || q - p > 16 || *q != ' ' || q + 1 >= end)
		return false;
	*nonce = p;
	*q = '\0';
	*path = q + 1;
	*end = '\0';
	*len -= (size_t)(end + 1 - *msg);
	*msg = end + 1;
	return true;
}

/* deliver: print one message (plain or JSON), then acknowledge it */
static void
deliver(struct receiver *r, char *msg, size_t len)
{
	unsigned long long seq = 0;
	long pid = 0;
	char *reply = NULL, *nonce = NULL;
	bool sync = envelope(&msg, &len, &pid, &seq, &nonce, &reply);

	if (r->c->json) {
		struct json j;

		json_begin(&j);
		json_strn(&j, "msg", msg, len);
		json_int(&j, "bytes", (long long)len);
		json_bool(&j, "sync", sync);
		if (sync) {
			json_int(&j, "pid", pid);
			json_int(&j, "seq", (long long)seq);
		}
		if (json_print(&j, stdout) == -1 && errno == ENOMEM)
			err(EXIT_FAIL, "allocate");
	} else {
		fwrite(msg, 1, len, stdout);
		putchar(frame_delim(r->c->mode));
	}
	r->got++;
	if (sync) {
		die_flush_stdout();
		ack(reply, seq, nonce);
	}
}

/* plain_read: true when the next read may be a plain read(2) of the
 * FIFO: without --count, or (see fill_counted) when the messages still
 * wanted are more bytes than PIPE_BUF or than the longest one so far */
static bool
plain_read(const struct receiver *r)
{
	long long want = r->c->count - r->got;

	return r->c->count == 0 || want >= PIPE_BUF || (r->longest > 0 &&
	    (unsigned long long)want > r->longest);
}

/* fill_counted: read no further than the end of the message that makes
 * --count full. tee(2) copies what the FIFO holds into a private pipe
 * without consuming it; we count delimiters there and then read(2)
 * exactly that far, so the rest stays in the FIFO for the next reader. */
static ssize_t
fill_counted(struct receiver *r, struct frame_reader *fr)
{
	int delim = frame_delim(r->c->mode);
	long long want = r->c->count - r->got;
	ssize_t n, m = 0;
	int avail;

	/* each message has its delimiter, so no more bytes than messages
	 * still wanted cannot hold one too many: while many are wanted
	 * (more than the longest message, so a read still gets a whole
	 * one), a read of at most that many bytes; near the end, all there
	 * is when it is no more than that (FIONREAD); else peek */
	if (plain_read(r)) {
		n = frame_fill_max(fr, want < FRAME_RAW_CHUNK ? (size_t)want :
		    FRAME_RAW_CHUNK);
		out_trace_ret(n, "read(%d, at most %lld bytes)", r->fd, want);
		return n;
	}
	if (ioctl(r->fd, FIONREAD, &avail) == 0 && avail > 0 &&
	    avail <= want) {
		n = frame_fill_max(fr, (size_t)avail);
		out_trace_ret(n, "read(%d, %d bytes)", r->fd, avail);
		return n;
	}
	n = tee(r->fd, r->peek[1], FRAME_RAW_CHUNK, SPLICE_F_NONBLOCK);
	out_trace_ret(n, "tee(%d, pipe)", r->fd);
	if (n <= 0)
		return n == 0 ? frame_fill(fr) : -1;
	if (io_read_full(r->peek[0], r->scratch, (size_t)n) != n)
		err(EXIT_FAIL, "read tee pipe");
	while (m < n && want > 0) {
		char *d = memchr(r->scratch + m, delim, (size_t)(n - m));

		if (d == NULL) {
			m = n;
			break;
		}
		m = d - r->scratch + 1;
		want--;
	}
	n = frame_fill_max(fr, (size_t)m);
	out_trace_ret(n, "read(%d, %zd bytes)", r->fd, m);
	return n;
}

/* recv_messages: read, print and acknowledge messages until end of file
 * or --count; returns the exit status */
static int
recv_messages(struct receiver *r)
{
	struct frame_reader fr;
	char *msg;
	size_t len;
	ssize_t n;
	int rc;
	bool seen = false;	/* a read has returned data */

	if (frame_reader_init(&fr, r->fd, r->c->mode, r->c->max) == -1)
		err(EXIT_FAIL, "allocate");
	if (r->c->count > 0) {
		if (pipe2(r->peek, O_CLOEXEC) == -1)
			err(EXIT_FAIL, "pipe");
		fcntl(r->peek[1], F_SETPIPE_SZ, FRAME_RAW_CHUNK);
		r->scratch = malloc(FRAME_RAW_CHUNK);
		if (r->scratch == NULL)
			err(EXIT_FAIL, "allocate");
	}
	while (r->c->count == 0 || r->got < r->c->count) {
		rc = frame_next(&fr, &msg, &len);
		if (rc == 1) {
			if (len + 1 > r->longest)
				r->longest = len + 1;
			deliver(r, msg, len);
			continue;
		}
		if (rc == -1)
			errx(EXIT_FAIL, "receive from %s: message %lld is longer "
			    "than --max-size %zu", r->c->path, r->got + 1,
			    r->c->max);
		if (fr.eof)
			break;
		/* once a writer has come, a plain read(2) without --timeout
		 * blocks by itself: no poll(2) in front of it. Before, read
		 * would see end of file (no writer yet) where poll waits;
		 * and the peek of fill_counted does not block. */
		if (!seen || r->c->timeout >= 0 || !plain_read(r))
			wait_input(r);
		else
			die_flush_stdout();
		n = r->c->count > 0 ? fill_counted(r, &fr) : frame_fill(&fr);
		if (n > 0)
			seen = true;
		if (n == -1 && errno == EMSGSIZE)
			errx(EXIT_FAIL, "receive from %s: message %lld is longer "
			    "than --max-size %zu", r->c->path, r->got + 1,
			    r->c->max);
		if (n == -1 && errno != EAGAIN && errno != EINTR)
			err(EXIT_FAIL, "read %s", r->c->path);
	}
	die_flush_stdout();
	frame_reader_free(&fr);
	free(r->scratch);
	return 0;
}

/* recv_copy: the FIFO to stdout with read(2)/write(2), when splice
 * cannot write to stdout (a terminal, an O_APPEND file) */
static int
recv_copy(struct receiver *r)
{
	char *buf = malloc(FRAME_RAW_CHUNK);
	ssize_t n;

	if (buf == NULL)
		err(EXIT_FAIL, "allocate");
	for (;;) {
		n = io_read(r->fd, buf, FRAME_RAW_CHUNK);
		if (n == 0)
			break;
		if (n == -1 && errno == EAGAIN) {
			wait_input(r);
			continue;
		}
		if (n == -1)
			err(EXIT_FAIL, "read %s", r->c->path);
		if (io_write_full(STDOUT_FILENO, buf, (size_t)n) == -1) {
			if (errno == EPIPE)
				break;
			err(EXIT_FAIL, "write to stdout");
		}
	}
	free(buf);
	return 0;
}

/* recv_raw: the FIFO to stdout as a byte stream with splice(2), until
 * end of file; returns the exit status */
static int
recv_raw(struct receiver *r)
{
	unsigned long long total = 0, calls = 0;
	ssize_t n;

	for (;;) {
		wait_input(r);
		n = splice(r->fd, NULL, STDOUT_FILENO, NULL, 1 << 20,
		    SPLICE_F_MOVE | SPLICE_F_MORE);
		if (calls++ == 0 || n == 0 || (n == -1 && errno != EAGAIN))
			out_trace_ret(n, "splice(%d, 1, 1 MiB)", r->fd);
		if (n > 0) {
			total += (size_t)n;
			continue;
		}
		if (n == 0)
			break;
		if (errno == EAGAIN || errno == EINTR)
			continue;
		if (errno == EPIPE)
			break;
		if (errno == EINVAL && total == 0) {
			out_trace("splice cannot write stdout: "
			    "read(2)/write(2)");
			return recv_copy(r);
		}
		err(EXIT_FAIL, "splice %s to stdout", r->c->path);
	}
	out_trace("%llu bytes in %llu splice calls", total, calls);
	return 0;
}

/* do_recv: fifo recv; returns the exit status */
static int
do_recv(const struct cfg *c)
{
	struct receiver r = { .c = c, .peek = { -1, -1 } };

	r.fd = open_reader(c);
	/* a sender that starts now finds a reader: it neither blocks in
	 * open(2) nor gets ENXIO with --nonblock */
	if (c->ready_file) {
		if (pidfile_remove_on_signals() == -1 ||
		    pidfile_publish(c->ready_file, getpid()) == -1)
			err(EXIT_FAIL, "write %s", c->ready_file);
		out_trace("ready file %s written", c->ready_file);
	}
	if (c->mode == FRAME_RAW)
		return recv_raw(&r);
	return recv_messages(&r);
}

/* ---- the command line --------------------------------------------------- */

/* check_opts: refuse pairs of options that exclude each other */
static void
check_opts(const struct cfg *c)
{
	if ((c->given & G_RAW) && (c->given & G_NULL))
		usage_error("-0 and --raw exclude each other");
	if ((c->given & G_SYNC) && (c->given & G_ASYNC))
		usage_error("--sync and --async exclude each other");
	if ((c->given & G_RAW) && (c->given & (G_SYNC | G_JSON | G_COUNT |
	    G_MAX)))
		usage_error("--raw moves bytes, not messages: no --sync, "
		    "--json, --count or --max-size");
	if (c->cmd == FIFO_SEND && c->stats && !c->sync)
		usage_error("--stats needs --sync: only acknowledged "
		    "messages have a round trip");
	if (c->cmd == FIFO_SEND && c->json && !c->stats)
		usage_error("send --json needs --stats");
}

/* parse: the options and operands of "fifo CMD" into *c and *p; *ops
 * gets the operands (they live in *p until opt_free) */
static void
parse(struct cfg *c, struct opt_parser *p, int argc, char **argv,
    char ***ops, int *nops)
{
	int k;

	/* "receive" is another name of recv */
	if (argc > 1 && strcmp(argv[1], "receive") == 0)
		argv[1] = (char *)"recv";
	c->cmd = opt_init_sub(p, &applet_fifo, argc, argv)->id;
	while ((k = opt_next(p)) != -1) {
		switch (k) {
		case '0':
			c->given |= G_NULL;
			c->mode = FRAME_NUL;
			break;
		case 'c':
			c->given |= G_COUNT;
			c->count = opt_int(p, 0, LLONG_MAX);
			break;
		case 'f':
			c->force = true;
			break;
		case 'F':
			c->follow = true;
			break;
		case 'm':
			c->perm = opt_mode(p);
			break;
		case 'n':
			c->nonblock = true;
			break;
		case KEY_SYNC:
			c->given |= G_SYNC;
			c->sync = true;
			break;
		case 't':
			c->timeout = opt_timeout(p);
			c->timeout_str = p->arg;
			break;
		case KEY_ASYNC:
			c->given |= G_ASYNC;
			c->sync = false;
			break;
		case KEY_EXIST_OK:
			c->exist_ok = true;
			break;
		case KEY_JSON:
			c->given |= G_JSON;
			c->json = true;
			break;
		case KEY_MAX_SIZE:
			c->given |= G_MAX;
			c->max = opt_size(p);
			if (c->max == 0 || c->max > (size_t)1 << 30)
				usage_error("--max-size must be from 1 byte "
				    "to 1G");
			break;
		case KEY_RAW:
			c->given |= G_RAW;
			c->mode = FRAME_RAW;
			break;
		case KEY_READY_FILE:
			c->ready_file = p->arg;
			break;
		case KEY_STATS:
			c->given |= G_STATS;
			c->stats = true;
			break;
		}
	}
	*ops = opt_rest(p, nops);
}

static int
fifo_main(int argc, char **argv)
{
	struct cfg c = { .perm = 0600, .timeout = -1,
	    .max = FRAME_MAX_DEFAULT };
	struct opt_parser p;
	char **ops;
	int nops, status = 0;

	parse(&c, &p, argc, argv, &ops, &nops);
	check_opts(&c);
	if (nops == 0 && !(c.cmd == FIFO_RM && c.force))	/* as rm -f */
		usage_error("%s needs a PATH", p.cmd);
	if (c.cmd == FIFO_RECV && nops > 1)
		usage_error("fifo recv takes one PATH");
	c.path = ops[0];
	/* a wait for acknowledgements ends by default */
	if (c.sync && c.timeout_str == NULL) {
		c.timeout = TIMEOUT_SYNC_MS;
		c.timeout_str = TIMEOUT_SYNC_STR;
	}
	if (c.cmd == FIFO_MAKE)
		for (int i = 0; i < nops; i++)
			status |= make_one(ops[i], c.perm, c.exist_ok);
	else if (c.cmd == FIFO_RM)
		for (int i = 0; i < nops; i++)
			status |= rm_one(ops[i], c.force);
	else if (c.cmd == FIFO_SEND)
		status = do_send(&c, ops + 1, nops - 1);
	else
		status = do_recv(&c);
	opt_free(&p);
	return status;
}
