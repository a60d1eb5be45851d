/* main.c - multi-call dispatch: "ipctool APPLET ARGS" or a symlink named
 * after the applet; --list, --install DIR, --version, --help */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bsd/stdlib.h>

#include "config.h"
#include "applet.h"
#include "die.h"
#include "io.h"
#include "sigs.h"

/* usage: the multi-call help */
static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: ipctool APPLET [ARGS...]\n"
	    "       ipctool help APPLET\n"
	    "       ipctool --list | --install DIR [--force] | --version | --help\n"
	    "\n"
	    "Interprocess communication from the shell: every applet is also\n"
	    "reachable through a symlink named after it (see --install).\n"
	    "\n"
	    "applets:\n");
	for (size_t i = 0; i < applet_count; i++)
		fprintf(f, "  %-13s %s\n", applet_table[i]->name,
		    applet_table[i]->brief);
	if (applet_count == 0)
		fprintf(f, "  (none yet)\n");
	fprintf(f,
	    "\n"
	    "exit status: 0 ok, 1 failure, 64 usage, 69 peer unavailable,\n"
	    "75 timeout. See ipctool(1).\n");
}

/* self_path: the absolute path of this binary, from /proc/self/exe */
static int
self_path(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);

	if (n == -1)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* is_our_link: true when path is a symlink to a binary named ipctool */
static int
is_our_link(const char *path, const char *self)
{
	char target[PATH_MAX];
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	const char *base;

	if (n == -1)
		return 0;
	target[n] = '\0';
	if (strcmp(target, self) == 0)
		return 1;
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	return strcmp(base, "ipctool") == 0;
}

/* install: make DIR/APPLET symlinks to this binary; returns exit status */
static int
install(const char *dir, int force)
{
	char self[PATH_MAX], path[PATH_MAX], tmp[PATH_MAX];
	struct stat st;
	int status = 0;

	if (self_path(self, sizeof(self)) == -1)
		err(EXIT_FAIL, "readlink /proc/self/exe");
	if (stat(dir, &st) == -1)
		err(EXIT_FAIL, "install into %s", dir);
	if (!S_ISDIR(st.st_mode))
		errx(EXIT_FAIL, "install into %s: Not a directory", dir);
	for (size_t i = 0; i < applet_count; i++) {
		const char *name = applet_table[i]->name;

		snprintf(path, sizeof(path), "%s/%s", dir, name);
		if (lstat(path, &st) == 0 && !is_our_link(path, self) &&
		    !force) {
			warnx("install %s: file exists and is not a link to "
			    "ipctool (use --force to replace it)", path);
			status = EXIT_FAIL;
			continue;
		}
		/* symlink beside, then rename over: never a moment without */
		snprintf(tmp, sizeof(tmp), "%s/.%s.ipctool-%ld", dir, name,
		    (long)getpid());
		unlink(tmp);
		if (symlink(self, tmp) == -1) {
			warn("install %s", path);
			status = EXIT_FAIL;
			continue;
		}
		if (rename(tmp, path) == -1) {
			warn("install %s", path);
			unlink(tmp);
			status = EXIT_FAIL;
		}
	}
	return status;
}

/* std_fds: put /dev/null on each of fds 0, 1 and 2 that is closed, so
 * that no socket, FIFO or file the applet opens later becomes standard
 * input, output or error. A closed stdout or stderr stays unwritable
 * (/dev/null opened read-only: a write fails with EBADF as it would
 * have), a closed stdin reads end of file. Returns -1 when /dev/null
 * cannot be opened, the fd left closed. */
static int
std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		int nfd;

		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		nfd = open("/dev/null", O_RDONLY);
		if (nfd == -1)
			return -1;
		if (nfd != fd) {	/* a lower fd was free: cannot be */
			close(nfd);
			errno = EBADF;
			return -1;
		}
	}
	return 0;
}

/* run: call the applet with argv[0] its name */
static int
run(const struct applet *ap, int argc, char **argv)
{
	die_init(ap->name);
	io_ignore_sigpipe();
	return ap->main(argc, argv);
}

/* unknown: the unknown-applet error, exit 64 */
static void __attribute__((noreturn))
unknown(const char *name)
{
	const struct applet *c = applet_closest(name);

	if (c)
		errx(EX_USAGE, "unknown applet '%s' (did you mean '%s'?)", name,
		    c->name);
	errx(EX_USAGE, "unknown applet '%s'", name);
}

int
main(int argc, char **argv)
{
	const char *base = argv[0] ? strrchr(argv[0], '/') : NULL;
	const struct applet *ap;

	sigs_init();	/* before anything changes a disposition */
	if (std_fds() == -1)
		_exit(EXIT_FAIL);	/* stderr itself may be what is missing */
	io_ignore_sigpipe();
	base = base ? base + 1 : (argv[0] ? argv[0] : "ipctool");
	if (strcmp(base, "ipctool") != 0 && (ap = applet_find(base)) != NULL)
		return run(ap, argc, argv);
	die_init(NULL);
	if (argc < 2) {
		usage(stderr);
		return EX_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("ipctool %s\n", IPCTOOL_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "--list") == 0) {
		for (size_t i = 0; i < applet_count; i++)
			printf("%s\n", applet_table[i]->name);
		return 0;
	}
	if (strcmp(argv[1], "--install") == 0) {
		int force = 0;
		const char *dir = NULL;

		for (int i = 2; i < argc; i++) {
			if (strcmp(argv[i], "--force") == 0 ||
			    strcmp(argv[i], "-f") == 0)
				force = 1;
			else if (dir == NULL && argv[i][0] != '-')
				dir = argv[i];
			else
				usage_error("unexpected argument '%s'", argv[i]);
		}
		if (dir == NULL)
			usage_error("--install needs a directory");
		return install(dir, force);
	}
	if (strcmp(argv[1], "help") == 0) {
		if (argc < 3) {
			usage(stdout);
			return 0;
		}
		if ((ap = applet_find(argv[2])) == NULL)
			unknown(argv[2]);
		die_init(ap->name);
		opt_print_help(ap, stdout);
		return 0;
	}
	if (argv[1][0] == '-')
		usage_error("unknown option '%s'", argv[1]);
	if ((ap = applet_find(argv[1])) == NULL)
		unknown(argv[1]);
	return run(ap, argc - 1, argv + 1);
}
