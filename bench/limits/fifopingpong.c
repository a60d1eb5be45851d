/* fifopingpong.c - the near-limit FIFO round trip: a parent and its child
 * bounce a message through two named pipes (mkfifo(3)), one each way,
 * with blocking read(2)/write(2), N times; the parent prints round trips
 * per second, or with "lat" their percentiles (lat.h). What `fifo send
 * --sync` to `fifo recv` does at the least: one write and one read each
 * way per message. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lat.h"
#include "rw.h"

int
main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000;
	size_t size = argc > 2 ? (size_t)atol(argv[2]) : 32;
	int lat = argc > 3 && strcmp(argv[3], "lat") == 0;
	char dir[] = "/tmp/fifopingpong.XXXXXX", a[64], b[64];
	char buf[4096] = { 0 };
	int to, from, status, rc = 0;
	double t0, t1, s;
	pid_t pid;

	if (n <= 0 || size == 0 || size > sizeof(buf) ||
	    (argc > 3 && !lat)) {
		fprintf(stderr, "usage: fifopingpong [COUNT [SIZE<=4096 [lat]]]\n");
		return 64;
	}
	if (mkdtemp(dir) == NULL) {
		perror("fifopingpong: mkdtemp");
		return 1;
	}
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	if (mkfifo(a, 0600) == -1 || mkfifo(b, 0600) == -1) {
		perror("fifopingpong: mkfifo");
		return 1;
	}
	if (lat && lat_init(n) == -1) {
		perror("fifopingpong: calloc");
		return 1;
	}
	if ((pid = fork()) == -1) {
		perror("fifopingpong: fork");
		return 1;
	}
	if (pid == 0) {
		/* a for reading first: the parent's open of a waits for it */
		if ((from = open(a, O_RDONLY)) == -1 ||
		    (to = open(b, O_WRONLY)) == -1)
			_exit(1);
		while (full(from, buf, size, 0) == 0)
			if (full(to, buf, size, 1) == -1)
				_exit(1);
		_exit(0);
	}
	if ((to = open(a, O_WRONLY)) == -1 || (from = open(b, O_RDONLY)) == -1) {
		perror("fifopingpong: open");
		rc = 1;
		goto out;
	}
	/* the names are not needed once both ends are open */
	unlink(a);
	unlink(b);
	t0 = lat_now_us();
	for (long i = 0; i < n; i++) {
		s = lat ? lat_now_us() : 0;
		if (full(to, buf, size, 1) == -1 ||
		    full(from, buf, size, 0) == -1) {
			perror("fifopingpong");
			rc = 1;
			break;
		}
		if (lat)
			lat_add(lat_now_us() - s);
	}
	t1 = lat_now_us();
	close(to);
	close(from);
	if (rc == 0 && lat)
		lat_print();
	else if (rc == 0)
		printf("%.0f\n", (double)n / ((t1 - t0) / 1e6));
out:
	unlink(a);
	unlink(b);
	rmdir(dir);
	waitpid(pid, &status, 0);
	return rc;
}
