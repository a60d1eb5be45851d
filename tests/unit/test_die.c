/* test_die.c - die_flush_stdout: a reader gone is a quiet 0, a full
 * disk is 1 (run in forked children with stdout redirected) */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "die.h"

/* flush_into: exit status of a child that prints a line to fd as its
 * stdout and calls die_flush_stdout (-1 when it was killed) */
static int
flush_into(int fd)
{
	pid_t pid;
	int st;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		signal(SIGPIPE, SIG_IGN);
		dup2(fd, STDOUT_FILENO);
		close(STDERR_FILENO);
		setvbuf(stdout, NULL, _IOFBF, 4096);
		printf("hello\n");
		die_flush_stdout();
		_exit(42);
	}
	if (pid == -1 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

int
main(void)
{
	int p[2], fd;
	char buf[16] = "";

	/* a reader that went away: quietly 0 */
	CHECK_INT(pipe(p), 0);
	close(p[0]);
	CHECK_INT(flush_into(p[1]), 0);
	close(p[1]);

	/* a reader that is there: flushed, and the program goes on */
	CHECK_INT(pipe(p), 0);
	CHECK_INT(flush_into(p[1]), 42);
	close(p[1]);
	CHECK_INT((int)read(p[0], buf, sizeof(buf) - 1), 6);
	CHECK_STR(buf, "hello\n");
	close(p[0]);

	/* no room (ENOSPC): 1 */
	fd = open("/dev/full", O_WRONLY);
	if (fd != -1) {
		CHECK_INT(flush_into(fd), 1);
		close(fd);
	}
	return check_done();
}
