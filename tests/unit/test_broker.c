/* test_broker.c - unit tests for src/bus/broker.c: the default socket
 * path, the private directory, set-up errors, and one broker_run in a
 * forked child (fork(2), socketpair-free: a real UNIX socket, kill(2)
 * SIGTERM, waitpid(2)) */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bsd/string.h>

#include "addr.h"
#include "io.h"
#include "bus/broker.h"
#include "check.h"

static char tmp[256];

/* test_default_path: XDG_RUNTIME_DIR first, /tmp/ipctool-UID otherwise */
static void
test_default_path(void)
{
	char buf[200], want[200], big[300];

	setenv("XDG_RUNTIME_DIR", "/run/user/7", 1);
	CHECK_STR(broker_default_path(buf, sizeof(buf)),
	    "/run/user/7/ipctool/bus.sock");
	CHECK(broker_default_path(buf, 10) == NULL);
	memset(big, 'x', sizeof(big) - 1);
	big[0] = '/';
	big[sizeof(big) - 1] = '\0';
	setenv("XDG_RUNTIME_DIR", big, 1);	/* longer than sun_path */
	CHECK(broker_default_path(buf, sizeof(buf)) == NULL);
	unsetenv("XDG_RUNTIME_DIR");
	snprintf(want, sizeof(want), "/tmp/ipctool-%ld/bus.sock",
	    (long)geteuid());
	CHECK_STR(broker_default_path(buf, sizeof(buf)), want);
	setenv("XDG_RUNTIME_DIR", "relative", 1);	/* ignored */
	CHECK_STR(broker_default_path(buf, sizeof(buf)), want);
}

/* test_prepare_dir: made 0700; open or foreign kinds refused */
static void
test_prepare_dir(void)
{
	char sock[400], dir[300];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/d", tmp);
	snprintf(sock, sizeof(sock), "%s/bus.sock", dir);
	CHECK_INT(broker_prepare_dir(sock), 0);
	CHECK_INT(stat(dir, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0700);
	CHECK_INT(broker_prepare_dir(sock), 0);		/* again: fine */
	chmod(dir, 0755);
	errno = 0;
	CHECK_INT(broker_prepare_dir(sock), -1);
	CHECK_INT(errno, EPERM);
	rmdir(dir);
	CHECK_INT(symlink("/tmp", dir), 0);		/* never followed */
	errno = 0;
	CHECK_INT(broker_prepare_dir(sock), -1);
	CHECK_INT(errno, EPERM);
	unlink(dir);
	snprintf(sock, sizeof(sock), "%s/no/such/bus.sock", tmp);
	errno = 0;
	CHECK_INT(broker_prepare_dir(sock), -1);
	CHECK_INT(errno, ENOENT);
}

/* run_err: broker_run on one address; returns errno, 0 if it served */
static int
run_err(const char *a, const char *token, bool no_auth)
{
	struct broker_config cfg = { .token = token, .no_auth = no_auth };
	const char *errstr;

	if (a != NULL && addr_parse(&cfg.listen[cfg.nlisten++], a,
	    &errstr) == -1)
		return -1;
	errno = 0;
	return broker_run(&cfg) == -1 ? errno : 0;
}

/* test_setup_errors: refused before serving anyone */
static void
test_setup_errors(void)
{
	char a[300];
	int fd;

	CHECK_INT(run_err(NULL, NULL, false), EINVAL);
	CHECK_INT(run_err("tcp:127.0.0.1:0", NULL, false), EINVAL);
	CHECK_INT(run_err("udp:127.0.0.1:0", "t", false), EPROTONOSUPPORT);
	snprintf(a, sizeof(a), "unix:%s/file", tmp);
	fd = open(a + 5, O_CREAT | O_WRONLY, 0600);
	close(fd);
	CHECK_INT(run_err(a, NULL, false), EEXIST);	/* not clobbered */
	CHECK_INT(access(a + 5, F_OK), 0);
}

/* test_serve: a broker in a child answers PING and, on SIGTERM, removes
 * its socket file and returns SIGTERM */
static void
test_serve(void)
{
	struct broker_config cfg = { 0 };
	char path[300], afile[300], buf[512];
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char *errstr;
	ssize_t n, got = 0;
	pid_t pid;
	int fd, st, i;

	snprintf(path, sizeof(path), "%s/bus.sock", tmp);
	snprintf(afile, sizeof(afile), "%s/addr", tmp);
	snprintf(buf, sizeof(buf), "unix:%s", path);
	CHECK_INT(addr_parse(&cfg.listen[0], buf, &errstr), 0);
	cfg.nlisten = 1;
	cfg.addr_file = afile;
	if ((pid = fork()) == 0)
		_exit(broker_run(&cfg) == SIGTERM ? 0 : 1);	/* the signal */
	for (i = 0; i < 500 && access(afile, F_OK) != 0; i++)
		usleep(10000);
	strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_INT(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	CHECK_INT(write(fd, "PING\r\n", 6), 6);
	while (got < (ssize_t)sizeof(buf) - 1 &&
	    (n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0) {
		got += n;
		buf[got] = '\0';
		if (strstr(buf, "PONG\r\n") != NULL)
			break;
	}
	buf[got] = '\0';
	CHECK(strncmp(buf, "INFO {", 6) == 0);
	CHECK(strstr(buf, "\r\nPONG\r\n") != NULL);
	close(fd);
	kill(pid, SIGTERM);
	CHECK_INT(waitpid(pid, &st, 0), pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK_INT(access(path, F_OK), -1);
}

/* test_token: made once with 0600, read back, refused when open to
 * others or malformed */
static void
test_token(void)
{
	char path[300], tok[BROKER_TOKEN_MAX], again[BROKER_TOKEN_MAX];
	struct stat st;
	FILE *f;

	setenv("XDG_RUNTIME_DIR", "/run/user/7", 1);
	CHECK_STR(broker_token_path(path, sizeof(path)),
	    "/run/user/7/ipctool/token");
	snprintf(path, sizeof(path), "%s/token", tmp);
	errno = 0;
	CHECK_INT(broker_token_load(path, false, tok, sizeof(tok)), -1);
	CHECK_INT(errno, ENOENT);
	CHECK_INT(broker_token_load(path, true, tok, sizeof(tok)), 0);
	CHECK_INT(strlen(tok), 2 * BROKER_TOKEN_BYTES);
	CHECK_INT(strspn(tok, "0123456789abcdef"), 2 * BROKER_TOKEN_BYTES);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0600);
	CHECK_INT(broker_token_load(path, true, again, sizeof(again)), 0);
	CHECK_STR(again, tok);				/* not made anew */
	errno = 0;
	CHECK_INT(broker_token_load(path, false, again, 10), -1);
	CHECK_INT(errno, EFBIG);
	chmod(path, 0640);
	errno = 0;
	CHECK_INT(broker_token_load(path, false, again, sizeof(again)), -1);
	CHECK_INT(errno, EPERM);
	chmod(path, 0600);
	f = fopen(path, "w");
	fputs("two words\n", f);
	fclose(f);
	errno = 0;
	CHECK_INT(broker_token_load(path, false, again, sizeof(again)), -1);
	CHECK_INT(errno, EINVAL);
	f = fopen(path, "w");
	fputs("s3cret \r\n", f);
	fclose(f);
	CHECK_INT(broker_token_load(path, false, again, sizeof(again)), 0);
	CHECK_STR(again, "s3cret");
	unlink(path);
}

/* cleanup: remove tmp/name */
static void
cleanup(const char *name)
{
	char p[300];

	snprintf(p, sizeof(p), "%s/%s", tmp, name);
	unlink(p);
}

int
main(void)
{
	snprintf(tmp, sizeof(tmp), "/tmp/test_broker.XXXXXX");
	if (mkdtemp(tmp) == NULL)
		return 1;
	test_default_path();
	test_prepare_dir();
	test_setup_errors();
	test_token();
	test_serve();
	cleanup("addr");
	cleanup("file");
	rmdir(tmp);
	return check_done();
}
