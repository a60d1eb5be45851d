/* pidfile.h - the files applets publish (--pidfile, --addr-file,
 * --ready-file): written to an unpredictable temporary beside the
 * target and renamed into place, removed at exit only while still ours;
 * and pid files read back strictly */
#ifndef IPCTOOL_PIDFILE_H
#define IPCTOOL_PIDFILE_H

#include <stdbool.h>
#include <sys/types.h>

#define PIDFILE_EXCL	1	/* an existing file at path is an error */

/* pidfile_publish_line: write line and a newline (nothing when line is
 * NULL) to path: a temporary with a random name in path's directory
 * (O_CREAT|O_EXCL|O_NOFOLLOW, owned by our effective uid and gid, 0644
 * less the umask) renamed over path, or beside it with PIDFILE_EXCL
 * (renameat2 RENAME_NOREPLACE: EEXIST when path exists). A reader sees
 * no file or all of it. The file is removed at exit (or by
 * pidfile_remove_all) when it is still the inode we wrote with our
 * content. -1 with errno */
int pidfile_publish_line(const char *path, const char *line, int flags);

/* pidfile_ready: an empty --ready-file at path, published the same way;
 * an existing file is an error (EEXIST), not truncated */
int pidfile_ready(const char *path);

/* pidfile_publish: pidfile_publish_line of "PID" */
int pidfile_publish(const char *path, pid_t pid);

/* pidfile_remove_all: remove every file published that is still ours
 * (same inode, same content), relative to the directory opened when it
 * was written; async-signal-safe, for a handler of a fatal signal */
void pidfile_remove_all(void);

/* pidfile_remove_on_signals: also remove them when SIGHUP, SIGINT or
 * SIGTERM ends the process (a handler that removes them, then dies of
 * the signal, exit status 128+N); a signal ignored at start stays
 * ignored. For applets that otherwise leave those signals at their
 * default action; -1 with errno */
int pidfile_remove_on_signals(void);

/* pidfile_read: the pid in path (digits, an optional newline, nothing
 * else, 1..INT_MAX) into *pid; -1 with errno (ENOENT, EACCES, ...) or
 * with errno 0 and a static *errstr when the content is not a pid */
int pidfile_read(const char *path, pid_t *pid, const char **errstr);

/* pidfile_open_process: read the pid in path and open a pidfd on its
 * process, checked to be the one the file names: run as root, the file
 * must be owned by root (as start-stop-daemon(8) asks); the file is read
 * again after pidfd_open(2) and must still name that pid; the process
 * must have started before the file was last written (a pid reused by a
 * later process is refused). Returns the pidfd (close-on-exec) and sets
 * *pid; -1 with errno, or with errno 0 and a static *errstr saying what
 * is wrong (ESRCH: no such process) */
int pidfile_open_process(const char *path, pid_t *pid, const char **errstr);

#endif
