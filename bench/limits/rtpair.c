/* bench/limits/rtpair.c - the minimal C reference for "sig send --value
 * --count N" into "sig wait --count N": a receiver that blocks SIGRTMIN
 * and takes each signal with sigwaitinfo(2) (mode "sigwaitinfo") or in
 * batches of 64 from a signalfd(2) (mode "signalfd"), a sender that
 * sigqueue(3)s N values (retrying while the queue is full). Prints "N
 * SECONDS"; fails when a value is missing or out of order. Mode
 * "pingpong" is the reference for "sig send --sync": each RTMIN is
 * answered with an RTMAX carrying the same value before the next is sent.
 * usage: rtpair sigwaitinfo|signalfd|pingpong N */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* now: seconds on CLOCK_MONOTONIC */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* check: whether value v is the one due at i */
static int
check(int v, long i)
{
	if (v == (int)i)
		return 1;
	fprintf(stderr, "rtpair: value %d where %ld was due\n", v, i);
	return 0;
}

/* receive_fd: take n signals from a signalfd, 64 per read; exit status */
static int
receive_fd(const sigset_t *set, long n)
{
	struct signalfd_siginfo si[64];
	int fd = signalfd(-1, set, SFD_CLOEXEC);
	long i = 0;

	if (fd == -1)
		return 2;
	while (i < n) {
		size_t want = n - i < 64 ? (size_t)(n - i) : 64;
		ssize_t r = read(fd, si, want * sizeof(si[0]));

		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return 2;
		for (size_t k = 0; k < (size_t)r / sizeof(si[0]); k++, i++)
			if (!check(si[k].ssi_int, i))
				return 1;
	}
	return 0;
}

/* receive: take n signals, each carrying the next value, answering
 * each with an RTMAX to the parent when echo is set; exit status */
static int
receive(const sigset_t *set, long n, int echo)
{
	siginfo_t si;

	for (long i = 0; i < n; i++) {
		while (sigwaitinfo(set, &si) == -1)
			if (errno != EINTR)
				return 2;
		if (!check(si.si_value.sival_int, i))
			return 1;
		if (echo && sigqueue(getppid(), SIGRTMAX, si.si_value) == -1)
			return 2;
	}
	return 0;
}

/* pingpong: n round trips with the child; -1 on failure */
static int
pingpong(pid_t pid, long n)
{
	sigset_t ack;
	siginfo_t si;

	sigemptyset(&ack);
	sigaddset(&ack, SIGRTMAX);
	for (long i = 0; i < n; i++) {
		union sigval v = { .sival_int = (int)i };

		if (sigqueue(pid, SIGRTMIN, v) == -1)
			return -1;
		do {
			while (sigwaitinfo(&ack, &si) == -1)
				if (errno != EINTR)
					return -1;
		} while (si.si_value.sival_int != (int)i);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "sigwaitinfo";
	int fdmode = strcmp(mode, "signalfd") == 0;
	int ppmode = strcmp(mode, "pingpong") == 0;
	long n = argc > 2 ? atol(argv[2]) : 100000, total = n;
	struct timespec nap = { 0, 200 * 1000 };
	sigset_t set;
	double t0, t1;
	pid_t pid;
	int st;

	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN);
	if (ppmode)
		sigaddset(&set, SIGRTMAX);
	sigprocmask(SIG_BLOCK, &set, NULL);	/* the child inherits it */
	if (ppmode)
		sigdelset(&set, SIGRTMAX);
	if ((pid = fork()) == -1) {
		perror("fork");
		return 2;
	}
	if (pid == 0)
		_exit(fdmode ? receive_fd(&set, n) : receive(&set, n, ppmode));
	t0 = now();
	if (ppmode) {
		if (pingpong(pid, n) == -1) {
			perror("pingpong");
			return 2;
		}
		n = 0;	/* nothing left to send */
	}
	for (long i = 0; i < n; i++) {
		union sigval v = { .sival_int = (int)i };

		while (sigqueue(pid, SIGRTMIN, v) == -1) {
			if (errno != EAGAIN) {
				perror("sigqueue");
				return 2;
			}
			nanosleep(&nap, NULL);
		}
	}
	waitpid(pid, &st, 0);
	t1 = now();
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "rtpair: the receiver failed\n");
		return 1;
	}
	printf("%ld %.6f\n", total, t1 - t0);
	return 0;
}
