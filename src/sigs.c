/* sigs.c - what nohup(1) and trap '' SIG leave ignored stays ignored:
 * sigaction(2) read once at start, sigprocmask(2), signal(7) on the
 * inheritance of SIG_IGN across fork(2) and execve(2) */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
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

/* kill_groups: sig to every group left in pgids */
static void
kill_groups(const pid_t *pgids, size_t n, int sig)
{
	for (size_t i = 0; i < n; i++)
		if (pgids[i] > 0)
			kill(-pgids[i], sig);
}

void
sigs_end_groups(pid_t *pgids, size_t n, int sig, int sigfd)
{
	int64_t deadline = io_deadline(SIGS_GRACE_MS);
	struct signalfd_siginfo si;
	size_t left = 0;
	bool killed = sig == SIGKILL;
	pid_t pid;
	int st;

	for (size_t i = 0; i < n; i++)
		left += pgids[i] > 0;
	kill_groups(pgids, n, sig);
	while (left > 0) {
		while (left > 0 && (pid = waitpid(-1, &st, WNOHANG)) > 0)
			for (size_t i = 0; i < n; i++)
				if (pgids[i] == pid) {
					pgids[i] = 0;
					left--;
				}
		if (left == 0)
			break;
		if (!killed && io_remaining(deadline) == 0) {
			kill_groups(pgids, n, SIGKILL);
			killed = true;
		}
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
