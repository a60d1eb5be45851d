/* tests/fuzz/driver.c - a main() for the fuzz targets where libFuzzer is
 * not linked (gcc: the plain and the ASan build of make check): runs
 * LLVMFuzzerTestOneInput once over every file named and every file in
 * every directory named, in name order. Arguments starting with '-'
 * (libFuzzer flags such as -runs=0) are ignored, so the same meson test
 * line serves both. Fails when no input was found. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

/* A target may define it; the driver calls it like libFuzzer does */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* run_file: feed the file at path to the target; 0, or -1 when it could
 * not be read */
static int
run_file(const char *path)
{
	struct stat st;
	uint8_t *buf;
	size_t off = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		fprintf(stderr, "driver: open %s: %s\n", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	/* exactly the file's size, so ASan sees a read past the input */
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	FUZZ_CHECK(buf != NULL);
	while (off < (size_t)st.st_size &&
	    (n = read(fd, buf + off, (size_t)st.st_size - off)) > 0)
		off += (size_t)n;
	close(fd);
	fprintf(stderr, "driver: %s (%zu bytes)\n", path, off);
	LLVMFuzzerTestOneInput(buf, off);
	free(buf);
	return 0;
}

/* run_dir: feed every regular file in dir; the number fed, -1 on error */
static int
run_dir(const char *dir)
{
	struct dirent **ents;
	char path[4096];
	int n, count = 0;

	if ((n = scandir(dir, &ents, NULL, alphasort)) == -1) {
		fprintf(stderr, "driver: scandir %s: %s\n", dir,
		    strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		if (ents[i]->d_name[0] != '.' && stat(path, &st) == 0 &&
		    S_ISREG(st.st_mode)) {
			if (run_file(path) == -1)
				count = -1;
			else if (count >= 0)
				count++;
		}
		free(ents[i]);
	}
	free(ents);
	return count;
}

int
main(int argc, char **argv)
{
	int total = 0, failed = 0;

	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		struct stat st;
		int n;

		if (argv[i][0] == '-')
			continue;
		if (stat(argv[i], &st) == -1) {
			fprintf(stderr, "driver: %s: %s\n", argv[i],
			    strerror(errno));
			failed = 1;
			continue;
		}
		n = S_ISDIR(st.st_mode) ? run_dir(argv[i]) :
		    run_file(argv[i]) == 0 ? 1 : -1;
		if (n < 0)
			failed = 1;
		else
			total += n;
	}
	fprintf(stderr, "driver: %d inputs run\n", total);
	if (total == 0) {
		fprintf(stderr, "driver: no input found\n");
		return 1;
	}
	return failed;
}
