/* sigs.c - what nohup(1) and trap '' SIG leave ignored stays ignored:
 * sigaction(2) read once at start, sigprocmask(2), signal(7) on the
 * inheritance of SIG_IGN across fork(2) and execve(2) */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io.h"

#include "sigs.h"

static sigset_t ignored;	/* SIG_IGN when the program started */

void
sigs_init(void)
{
	struct sigaction sa;

	sigemptyset(&ignored);
	for (int s = 1; s < NSIG; s++)
		if (sigaction(s, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
			sigaddset(&ignored, s);
	/* an ignored SIGCHLD would reap our children before waitpid(2) */
	sigdelset(&ignored, SIGCHLD);
	signal(SIGCHLD, SIG_DFL);
}

bool
sigs_ignored_at_start(int sig)
{
	return sigismember(&ignored, sig) == 1;
}

void
sigs_drop_ignored(sigset_t *set)
{
	for (int s = 1; s < NSIG; s++)
		if (sigismember(&ignored, s) == 1)
			sigdelset(set, s);
}

int
sigs_catch(const int *sigs, size_t n, void (*handler)(int), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < n; i++) {
		if (sigs_ignored_at_start(sigs[i]))
			continue;
		if (sigaction(sigs[i], &sa, NULL) == -1)
			return -1;
	}
	return 0;
}

void
sigs_child_default(sigset_t *set)
{
	sigfillset(set);
	sigs_drop_ignored(set);
}

void
sigs_child(void)
{
	sigset_t none;

	for (int s = 1; s < NSIG; s++) {
		if (s == SIGKILL || s == SIGSTOP)
			continue;
		signal(s, sigs_ignored_at_start(s) ? SIG_IGN : SIG_DFL);
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* A group whose leader was reaped is kept as -pgid while members of it
 * are left (a child of the handler that ignores the signal): the number
 * stays the group's, not reused, for as long as one member lives. To see
 * them go, this process becomes their subreaper (PR_SET_CHILD_SUBREAPER):
 * members orphaned from now on are reaped here, not left as zombies of
 * init that kill(2) still finds. */

/* kill_groups: sig to every group left in pgids */
static void
kill_groups(const pid_t *pgids, size_t n, int sig)
{
	for (size_t i = 0; i < n; i++)
		if (pgids[i] != 0)
			kill(-(pgids[i] > 0 ? pgids[i] : -pgids[i]), sig);
}

/* reap: wait for the leaders that have exited; a group whose leader is
 * gone and that has no member left is done (0); returns how many are
 * left */
static size_t
reap(pid_t *pgids, size_t n)
{
	size_t left = 0;
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
		for (size_t i = 0; i < n; i++)
			if (pgids[i] == pid)
				pgids[i] = -pid;
	for (size_t i = 0; i < n; i++) {
		if (pgids[i] < 0 && kill(pgids[i], 0) == -1 && errno == ESRCH)
			pgids[i] = 0;
		left += pgids[i] != 0;
	}
	return left;
}

void
sigs_end_groups(pid_t *pgids, size_t n, int sig, int sigfd)
{
	int64_t deadline = io_deadline(SIGS_GRACE_MS);
	struct signalfd_siginfo si;
	bool killed = sig == SIGKILL;

	prctl(PR_SET_CHILD_SUBREAPER, 1);
	kill_groups(pgids, n, sig);
	while (reap(pgids, n) > 0) {
		if (io_remaining(deadline) == 0) {
			if (killed)
				return;	/* KILLed a grace ago: never hang */
			kill_groups(pgids, n, SIGKILL);
			killed = true;
			deadline = io_deadline(SIGS_GRACE_MS);
		}
		/* a group without its leader sends no SIGCHLD: poll it */
		if (sigfd < 0) {
			poll(NULL, 0, 10);
			continue;
		}
		if (io_wait(sigfd, POLLIN, io_deadline(10)) <= 0)
			continue;
		while (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
			if (si.ssi_signo != SIGCHLD && !killed) {
				kill_groups(pgids, n, SIGKILL);
				killed = true;
			}
	}
}
