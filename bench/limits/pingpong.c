/* pingpong.c - the near-limit round trip: a parent and its child bounce a
 * message over a socketpair(2) with blocking read(2)/write(2), N times, and
 * the parent prints round trips per second, or with "lat" their
 * percentiles (lat.h). Run it under taskset(1) to compare one CPU with two
 * (a cross-CPU wake-up costs more). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lat.h"
#include "rw.h"

/* now: monotonic seconds */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000;
	size_t size = argc > 2 ? (size_t)atol(argv[2]) : 32;
	int lat = argc > 3 && strcmp(argv[3], "lat") == 0;
	char buf[4096] = { 0 };
	int sv[2], status;
	pid_t pid;
	double t0, t1, s = 0;

	if (n <= 0 || size == 0 || size > sizeof(buf) || (argc > 3 && !lat)) {
		fprintf(stderr, "usage: pingpong [COUNT [SIZE<=4096 [lat]]]\n");
		return 64;
	}
	if (lat && lat_init(n) == -1) {
		perror("pingpong: calloc");
		return 1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1) {
		perror("pingpong: socketpair");
		return 1;
	}
	if ((pid = fork()) == -1) {
		perror("pingpong: fork");
		return 1;
	}
	if (pid == 0) {
		close(sv[0]);
		while (full(sv[1], buf, size, 0) == 0)
			if (full(sv[1], buf, size, 1) == -1)
				_exit(1);
		_exit(0);
	}
	close(sv[1]);
	t0 = now();
	for (long i = 0; i < n; i++) {
		if (lat)
			s = lat_now_us();
		if (full(sv[0], buf, size, 1) == -1 ||
		    full(sv[0], buf, size, 0) == -1) {
			perror("pingpong");
			return 1;
		}
		if (lat)
			lat_add(lat_now_us() - s);
	}
	t1 = now();
	close(sv[0]);
	waitpid(pid, &status, 0);
	if (lat)
		lat_print();
	else
		printf("%.0f\n", (double)n / (t1 - t0));
	return 0;
}
