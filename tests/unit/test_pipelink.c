/* test_pipelink.c - the relays between pipes: a splice link, a tee link
 * to several readers (one of them gone), message counts, a merge by
 * whole messages, and failed system calls reported, not fatal */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "check.h"
#include "io.h"
#include "pipelink.h"

/* nb_pipe: a pipe with both ends non-blocking */
static void
nb_pipe(int p[2])
{
	CHECK(pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0);
}

/* run_link: step l until done (at most 1000 waits); its last result */
static int
run_link(struct plink *l)
{
	int rc = 0;

	for (int i = 0; i < 1000 && l->phase != PLINK_DONE; i++) {
		if ((rc = plink_step(l)) == -1 || l->phase == PLINK_DONE)
			break;
		struct pollfd pf = { l->wait_fd, l->wait_ev, 0 };
		(void)poll(&pf, 1, 1000);
	}
	return rc;
}

/* slurp: what fd holds now, into buf (NUL-terminated); its length */
static size_t
slurp(int fd, char *buf, size_t len)
{
	ssize_t n = read(fd, buf, len - 1);

	buf[n > 0 ? n : 0] = '\0';
	return n > 0 ? (size_t)n : 0;
}

static int gone_tag = -2, gone_left = -2;

static void
on_gone(struct plink *l, struct plink_dst *d, int left, void *arg)
{
	gone_tag = d->tag;
	gone_left = left;
	(*(int *)arg)++;
}

/* test_splice: one reader, zero copy, all bytes and nothing else */
static void
test_splice(void)
{
	struct plink_dst d = { 0 };
	struct plink l = { 0 };
	int a[2], b[2];
	char buf[256];

	nb_pipe(a);
	nb_pipe(b);
	CHECK(write(a[1], "one\ntwo\n", 8) == 8);
	close(a[1]);
	d.fd = b[1];
	d.tag = 1;
	l.src = a[0];
	l.dst = &d;
	l.ndst = 1;
	l.devnull = -1;
	CHECK_INT(run_link(&l), 0);
	CHECK_INT(l.phase, PLINK_DONE);
	CHECK_INT(l.bytes, 8);
	CHECK_INT(d.bytes, 8);
	CHECK_INT(slurp(b[0], buf, sizeof(buf)), 8);
	CHECK_STR(buf, "one\ntwo\n");
	close(b[0]);
}

/* test_tee: every reader gets every byte; a reader gone is said once and
 * the others go on; messages counted per pipe */
static void
test_tee(void)
{
	struct plink_dst d[3] = { { 0 } };
	struct plink l = { 0 };
	int a[2], b[3][2], gone = 0;
	char buf[256];

	nb_pipe(a);
	for (int i = 0; i < 3; i++) {
		nb_pipe(b[i]);
		d[i].fd = b[i][1];
		d[i].tag = i + 1;
	}
	close(b[1][0]);			/* the second reader went away */
	CHECK(write(a[1], "a\nb\nc", 5) == 5);
	close(a[1]);
	l.src = a[0];
	l.dst = d;
	l.ndst = 3;
	l.tee = true;
	l.count = true;
	l.delim = '\n';
	l.devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	l.on_gone = on_gone;
	l.arg = &gone;
	CHECK_INT(run_link(&l), 0);
	CHECK_INT(l.phase, PLINK_DONE);
	CHECK_INT(gone, 1);
	CHECK_INT(gone_tag, 2);
	CHECK_INT(gone_left, 2);
	CHECK(d[1].dead && !d[0].dead && !d[2].dead);
	CHECK_INT(l.bytes, 5);
	CHECK_INT(l.msgs, 2);
	for (int i = 0; i < 3; i += 2) {
		CHECK_INT(d[i].bytes, 5);
		CHECK_INT(d[i].msgs, 2);
		CHECK_INT(slurp(b[i][0], buf, sizeof(buf)), 5);
		CHECK_STR(buf, "a\nb\nc");
		close(b[i][0]);
	}
	close(l.devnull);
}

/* test_failed: a failed system call comes back as -1 with what failed */
static void
test_failed(void)
{
	struct plink_dst d = { .fd = -1, .tag = 4 };
	struct plink l = { .src = -1, .tag = 3, .dst = &d, .ndst = 1,
	    .tee = true, .devnull = -1 };
	int a[2];

	errno = 0;
	CHECK_INT(plink_step(&l), -1);
	CHECK_INT(errno, EBADF);
	CHECK_STR(l.failed, "ioctl FIONREAD");
	CHECK_INT(l.failed_tag, -1);

	nb_pipe(a);
	CHECK(write(a[1], "x", 1) == 1);
	l = (struct plink){ .src = a[0], .tag = 3, .dst = &d, .ndst = 1,
	    .devnull = -1 };
	CHECK_INT(plink_step(&l), -1);
	CHECK_INT(errno, EBADF);
	CHECK_STR(l.failed, "splice from");
	CHECK_INT(l.failed_tag, 3);
	close(a[0]);
	close(a[1]);
}

/* test_merge: whole messages from every writer; a last one without a
 * delimiter gets one; counted per writer */
static void
test_merge(void)
{
	struct pmerge_src src[2] = { { 0 } };
	struct pmerge m = { 0 };
	struct pollfd pf[4];
	int a[2][2], b[2], npf;
	char buf[256], *line;
	size_t n;

	for (int i = 0; i < 2; i++) {
		nb_pipe(a[i]);
		src[i].fd = a[i][0];
		src[i].tag = i;
		src[i].buf = malloc(PMERGE_BUF);
	}
	nb_pipe(b);
	CHECK(write(a[0][1], "1a\n1", 4) == 4);
	CHECK(write(a[1][1], "2a\n2b", 5) == 5);
	m.src = src;
	m.nsrc = 2;
	m.dst = b[1];
	m.tag = 2;
	m.delim = '\n';
	m.owner = -1;
	npf = 0;
	CHECK_INT(pmerge_step(&m, pf, &npf), 0);
	CHECK(!m.done && npf == 2);	/* waiting for both writers */
	CHECK(write(a[0][1], "b\n", 2) == 2);
	close(a[0][1]);
	close(a[1][1]);
	for (int i = 0; i < 10 && !m.done; i++) {
		npf = 0;
		CHECK_INT(pmerge_step(&m, pf, &npf), 0);
	}
	CHECK(m.done);
	CHECK_INT(m.msgs, 4);
	CHECK_INT(src[0].msgs, 2);
	CHECK_INT(src[1].msgs, 2);
	n = slurp(b[0], buf, sizeof(buf));
	CHECK_INT(n, 12);
	/* every line whole, whatever the order */
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		CHECK(strcmp(line, "1a") == 0 || strcmp(line, "1b") == 0 ||
		    strcmp(line, "2a") == 0 || strcmp(line, "2b") == 0);
	close(b[0]);

	/* a failed write is said, not fatal */
	memset(&m, 0, sizeof(m));
	memset(src, 0, sizeof(src));
	nb_pipe(a[0]);
	CHECK(write(a[0][1], "x\n", 2) == 2);
	src[0].fd = a[0][0];
	src[0].buf = malloc(PMERGE_BUF);
	m.src = src;
	m.nsrc = 1;
	m.dst = -1;
	m.tag = 5;
	m.delim = '\n';
	m.owner = -1;
	npf = 0;
	CHECK_INT(pmerge_step(&m, pf, &npf), -1);
	CHECK_INT(errno, EBADF);
	CHECK_STR(m.failed, "write to");
	CHECK_INT(m.failed_tag, 5);
	pmerge_end(&m);
	CHECK(src[0].fd == -1 && src[0].buf == NULL);
	close(a[0][1]);
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	test_splice();
	test_tee();
	test_failed();
	test_merge();
	return check_done();
}
