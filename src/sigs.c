/* sigs.c - what nohup(1) and trap '' SIG leave ignored stays ignored:
 * sigaction(2) read once at start, sigprocmask(2), signal(7) on the
 * inheritance of SIG_IGN across fork(2) and execve(2) */
#include <errno.h>
#include <signal.h>
#include <string.h>

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
