/* path.h - act on what was checked: the parent directory of a path opened
 * once, then fstatat(2) and unlinkat(2) relative to it, never following
 * a symbolic link */
#ifndef IPCTOOL_PATH_H
#define IPCTOOL_PATH_H

#include <stddef.h>
#include <sys/stat.h>

/* path_parent: open the directory of path (O_PATH|O_DIRECTORY, following
 * links on the way, as open(2) would) and put the last component into
 * base; the fd, or -1 with errno (EISDIR for "", "." or "..",
 * ENAMETOOLONG) */
int path_parent(const char *path, char *base, size_t baselen);

/* path_remove: unlink path when what is there (not following a link) is
 * of type (S_IFIFO, S_IFSOCK, ...) and, when same is not NULL, the very
 * inode same describes; the check and the unlink act on the directory
 * opened once. *st (may be NULL) gets what was found. 0, or -1 with
 * errno: ENOENT, EFTYPE-like EINVAL when it is of another type (see *st),
 * ESTALE when it is another inode, or the error of unlinkat(2) */
int path_remove(const char *path, mode_t type, const struct stat *same,
    struct stat *st);

#endif
