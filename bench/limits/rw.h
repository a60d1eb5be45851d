/* rw.h - the whole-buffer read and write the ping-pong references share */
#ifndef BENCH_RW_H
#define BENCH_RW_H

#include <errno.h>
#include <unistd.h>

/* full: read (w == 0) or write exactly len bytes; 0 or -1 */
static inline int
full(int fd, char *buf, size_t len, int w)
{
	while (len > 0) {
		ssize_t n = w ? write(fd, buf, len) : read(fd, buf, len);

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

#endif
