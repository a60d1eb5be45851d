/* bstream.c - the data source and sink of the stream benchmarks: "gen N"
 * writes N bytes of a pattern to stdout, "sink" reads stdin to EOF and
 * prints how many bytes came. Plain read(2)/write(2) with 128 KiB buffers,
 * the same for every contender, so only the relay in between differs. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BUFSZ (128 * 1024)

static char buf[BUFSZ];

/* gen: write total bytes to fd 1; returns 0, or 1 on a write error */
static int
gen(uint64_t total)
{
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)('a' + i % 26);
	while (total > 0) {
		size_t want = total < sizeof(buf) ? (size_t)total : sizeof(buf);
		ssize_t n = write(1, buf, want);

		if (n == -1) {
			if (errno == EINTR)
				continue;
			perror("bstream gen: write");
			return 1;
		}
		total -= (uint64_t)n;
	}
	return 0;
}

/* sink: read fd 0 to EOF, print the byte count; returns 0, or 1 on error */
static int
sink(void)
{
	uint64_t total = 0;
	ssize_t n;

	while ((n = read(0, buf, sizeof(buf))) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			perror("bstream sink: read");
			return 1;
		}
		total += (uint64_t)n;
	}
	printf("%" PRIu64 "\n", total);
	return fflush(stdout) == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	char *end;
	unsigned long long n;

	if (argc == 3 && strcmp(argv[1], "gen") == 0) {
		errno = 0;
		n = strtoull(argv[2], &end, 10);
		if (errno != 0 || *end != '\0' || end == argv[2]) {
			fprintf(stderr, "bstream: bad size '%s'\n", argv[2]);
			return 64;
		}
		return gen(n);
	}
	if (argc == 2 && strcmp(argv[1], "sink") == 0)
		return sink();
	fprintf(stderr, "usage: bstream gen BYTES | bstream sink\n");
	return 64;
}
