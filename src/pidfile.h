/* pidfile.h - pid files that appear whole (write beside, then rename(2))
 * and are read back strictly */
#ifndef IPCTOOL_PIDFILE_H
#define IPCTOOL_PIDFILE_H

#include <sys/types.h>

/* pidfile_publish: write "PID\n" to path atomically: a reader sees no file
 * or the whole line, never a part; -1 with errno */
int pidfile_publish(const char *path, pid_t pid);

/* pidfile_publish_line: write line and a newline to path the same way
 * (an address file, a token): a reader sees no file or all of it; -1
 * with errno */
int pidfile_publish_line(const char *path, const char *line);

/* pidfile_read: the pid in path (digits, an optional newline, nothing
 * else, 1..INT_MAX) into *pid; -1 with errno (ENOENT, EACCES, ...) or
 * with errno 0 and a static *errstr when the content is not a pid */
int pidfile_read(const char *path, pid_t *pid, const char **errstr);

#endif
