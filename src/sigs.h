/* sigs.h - signal dispositions of the applets and of the commands they
 * run: a signal ignored when the program started (nohup(1), trap '' HUP)
 * stays ignored for the applet and for its children */
#ifndef IPCTOOL_SIGS_H
#define IPCTOOL_SIGS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

/* SIGS_GRACE_MS: how long an applet that runs commands waits after
 * passing SIGTERM or SIGINT on to them before it sends SIGKILL */
#define SIGS_GRACE_MS	3000

/* sigs_init: remember which signals were ignored at start; main calls it
 * first, before any disposition changes */
void sigs_init(void);

/* sigs_ignored_at_start: true when sig was SIG_IGN when we started */
bool sigs_ignored_at_start(int sig);

/* sigs_drop_ignored: remove from set every signal ignored at start, so
 * that a signalfd(2) or a handler never takes what the user ignored (a
 * blocked signal is queued even when its action is SIG_IGN) */
void sigs_drop_ignored(sigset_t *set);

/* sigs_catch: install handler (with flags, an empty sa_mask) for each of
 * the n signals that was not ignored at start; -1 with errno */
int sigs_catch(const int *sigs, size_t n, void (*handler)(int), int flags);

/* sigs_child_default: the signals a child gets back with their default
 * action (every one but those ignored at start), for
 * posix_spawnattr_setsigdefault(3) */
void sigs_child_default(sigset_t *set);

/* sigs_end_groups: pass sig to each of the n process groups in pgids
 * (ids of children that lead their group), then reap them and wait
 * until no member of a group is left, the leader's own children too:
 * SIGKILL the groups still there after SIGS_GRACE_MS, or at once when
 * another signal than SIGCHLD arrives on sigfd (a signalfd that has
 * SIGCHLD, or -1), and give up a grace period after that; pgids[i]
 * becomes 0 as each group is gone. Makes the caller a subreaper: call
 * it on the way out. */
void sigs_end_groups(pid_t *pgids, size_t n, int sig, int sigfd);

/* sigs_child: in a forked child before execve(2): every signal to its
 * default action except those ignored at start, which stay ignored, and
 * an empty signal mask */
void sigs_child(void);

#endif
