/* path.c - check and act on the same thing: open(2) O_PATH|O_DIRECTORY of
 * the parent once, then fstatat(2) AT_SYMLINK_NOFOLLOW and unlinkat(2)
 * relative to it, so a directory swapped meanwhile (a symbolic link put
 * in place of a parent) cannot redirect the removal */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include <bsd/string.h>

#include "path.h"

int
path_parent(const char *path, char *base, size_t baselen)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;
	size_t n;

	if (slash == NULL) {
		strlcpy(dir, ".", sizeof(dir));
	} else {
		n = (size_t)(slash - path);
		if (n >= sizeof(dir)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(dir, path, n);
		dir[n] = '\0';
		if (n == 0)
			strlcpy(dir, "/", sizeof(dir));
	}
	if (*name == '\0' || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0) {
		errno = EISDIR;
		return -1;
	}
	if (strlcpy(base, name, baselen) >= baselen) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

int
path_remove(const char *path, mode_t type, const struct stat *same,
    struct stat *st)
{
	char base[NAME_MAX + 1];
	struct stat sb;
	int dfd, rc = -1, e;

	if (st == NULL)
		st = &sb;
	if ((dfd = path_parent(path, base, sizeof(base))) == -1)
		return -1;
	if (fstatat(dfd, base, st, AT_SYMLINK_NOFOLLOW) == -1)
		goto out;
	if ((st->st_mode & S_IFMT) != type) {
		errno = EINVAL;
		goto out;
	}
	if (same && (st->st_dev != same->st_dev || st->st_ino != same->st_ino)) {
		errno = ESTALE;
		goto out;
	}
	rc = unlinkat(dfd, base, 0);
out:
	e = errno;
	close(dfd);
	errno = e;
	return rc;
}
