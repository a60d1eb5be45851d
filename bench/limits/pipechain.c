/* pipechain.c - the near-limit two-stage pipe: run CMD1 | CMD2 with one
 * pipe2(2) between them enlarged by F_SETPIPE_SZ (fcntl(2)) to SIZE bytes,
 * each child exec'd directly, and exit with the first failing status.
 * Usage: pipechain SIZE CMD1 [ARG...] :: CMD2 [ARG...] */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* spawn: fork and exec argv with fd as stdin (in) or stdout; its pid */
static pid_t
spawn(char **argv, int fd, int target, int other)
{
	pid_t pid = fork();

	if (pid == 0) {
		dup2(fd, target);
		close(fd);
		close(other);
		execvp(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
	return pid;
}

int
main(int argc, char **argv)
{
	int p[2], sep = 0, st1, st2;
	long size;
	pid_t a, b;

	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], "::") == 0)
			sep = i;
	if (argc < 5 || sep < 3 || sep == argc - 1 ||
	    (size = atol(argv[1])) <= 0) {
		fprintf(stderr, "usage: pipechain SIZE CMD1... :: CMD2...\n");
		return 64;
	}
	argv[sep] = NULL;
	if (pipe2(p, O_CLOEXEC) == -1) {
		perror("pipechain: pipe2");
		return 1;
	}
	if (fcntl(p[1], F_SETPIPE_SZ, (int)size) == -1)
		perror("pipechain: F_SETPIPE_SZ");
	a = spawn(argv + 2, p[1], 1, p[0]);
	b = spawn(argv + sep + 1, p[0], 0, p[1]);
	close(p[0]);
	close(p[1]);
	if (a == -1 || b == -1 || waitpid(a, &st1, 0) == -1 ||
	    waitpid(b, &st2, 0) == -1) {
		perror("pipechain");
		return 1;
	}
	if (!WIFEXITED(st1) || WEXITSTATUS(st1) != 0)
		return WIFEXITED(st1) ? WEXITSTATUS(st1) : 128 + WTERMSIG(st1);
	return WIFEXITED(st2) ? WEXITSTATUS(st2) : 128 + WTERMSIG(st2);
}
