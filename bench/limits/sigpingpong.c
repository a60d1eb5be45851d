/* sigpingpong.c - the near-limit signal round trip: a parent sends a
 * real-time signal with a value by sigqueue(3), its child takes it with
 * sigwaitinfo(2) and answers the same way, N times; the parent checks
 * every value came back in order and prints round trips per second, or
 * with "lat" their percentiles (lat.h). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lat.h"

/* take: wait for sig and return its value, or -1 */
static long
take(const sigset_t *set)
{
	siginfo_t si;

	while (sigwaitinfo(set, &si) == -1)
		;
	return si.si_value.sival_int;
}

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
	int sig = SIGRTMIN;
	sigset_t set;
	pid_t parent = getpid(), child;
	union sigval v;
	double t0, t1, s = 0;
	int lat = argc > 2 && strcmp(argv[2], "lat") == 0;
	int status;

	if (n <= 0 || n > 0x7fffffff || (argc > 2 && !lat)) {
		fprintf(stderr, "usage: sigpingpong [COUNT [lat]]\n");
		return 64;
	}
	if (lat && lat_init(n) == -1) {
		perror("sigpingpong: calloc");
		return 1;
	}
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if ((child = fork()) == -1) {
		perror("sigpingpong: fork");
		return 1;
	}
	if (child == 0) {
		for (long i = 0; i < n; i++) {
			v.sival_int = (int)take(&set);
			if (sigqueue(parent, sig, v) == -1)
				_exit(1);
		}
		_exit(0);
	}
	t0 = now();
	for (long i = 0; i < n; i++) {
		v.sival_int = (int)i;
		if (lat)
			s = lat_now_us();
		if (sigqueue(child, sig, v) == -1) {
			perror("sigpingpong: sigqueue");
			return 1;
		}
		if (take(&set) != i) {
			fprintf(stderr, "sigpingpong: value %ld out of order\n", i);
			return 1;
		}
		if (lat)
			lat_add(lat_now_us() - s);
	}
	t1 = now();
	waitpid(child, &status, 0);
	if (lat)
		lat_print();
	else
		printf("%.0f\n", (double)n / (t1 - t0));
	return 0;
}
