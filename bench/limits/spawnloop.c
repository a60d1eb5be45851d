/* spawnloop.c - the fork+exec limit of a job runner: run CMD N times,
 * up to J at once, each with its job number (1..N) as its last argument
 * and this program's stdin, stdout and stderr, with posix_spawn(3) (a
 * vfork(2) and execve(2) in glibc) and waitpid(2) - what xargs -P J -n 1
 * does, without reading its input. Exits 0 when every job exited 0, 1
 * otherwise or on error.
 * Usage: spawnloop J N CMD [ARG...] */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int
main(int argc, char **argv)
{
	long j, n, started = 0, running = 0;
	char num[24], **av;
	int failed = 0, st;

	if (argc < 4 || (j = atol(argv[1])) < 1 || (n = atol(argv[2])) < 0) {
		fprintf(stderr, "usage: spawnloop J N CMD [ARG...]\n");
		return 64;
	}
	/* CMD ARG... then the job number and the closing NULL */
	if ((av = calloc((size_t)argc - 1, sizeof(*av))) == NULL)
		return 1;
	memcpy(av, argv + 3, (size_t)(argc - 3) * sizeof(*av));
	av[argc - 3] = num;
	while (started < n || running > 0) {
		if (started < n && running < j) {
			pid_t pid;
			int e;

			snprintf(num, sizeof(num), "%ld", ++started);
			e = posix_spawnp(&pid, av[0], NULL, NULL, av, environ);
			if (e != 0) {
				fprintf(stderr, "spawnloop: %s: %s\n", av[0],
				    strerror(e));
				return 1;
			}
			running++;
			continue;
		}
		if (waitpid(-1, &st, 0) == -1) {
			if (errno == EINTR)
				continue;
			perror("spawnloop: waitpid");
			return 1;
		}
		running--;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			failed = 1;
	}
	return failed;
}
