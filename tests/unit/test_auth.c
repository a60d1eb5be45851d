/* test_auth.c - the broker's credentials: token, users (--user with a
 * password file, a users file), nkey users with a signed nonce; file
 * checks (mode, owner, format), reload keeping the old set on error */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bsd/string.h>

#include "check.h"
#include "bus/auth.h"
#include "bus/nkey.h"
#include "bus/proto.h"

/* nats.js (nkeys.js) made this user key; see test_nkey.c */
#define JS_SEED "SUAMOZUBLCD75QPMK4AEDBK2R4SVH2SCQJQP6HJSYD5CV7UIYIKIJG4IMI"
#define JS_PUB "UCI76YIWGS2TU7Y3MBYEZRYZ2JALKNQZ37QV3KAYM3VYLIPUJVORTMHB"

static char dir[] = "/tmp/test_auth.XXXXXX";

/* put: write s to dir/name with mode; returns the path (static) */
static const char *
put(const char *name, const char *s, mode_t mode)
{
	static char path[8][256];
	static int n;
	char *p = path[n++ % 8];
	int fd;

	snprintf(p, 256, "%s/%s", dir, name);
	unlink(p);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd == -1 || write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		abort();
	close(fd);
	chmod(p, mode);
	return p;
}

/* conn: a CONNECT with these credentials */
static struct proto_connect
conn(const char *token, const char *user, const char *pass)
{
	struct proto_connect c;

	proto_connect_init(&c);
	strlcpy(c.auth_token, token ? token : "", sizeof(c.auth_token));
	strlcpy(c.user, user ? user : "", sizeof(c.user));
	strlcpy(c.pass, pass ? pass : "", sizeof(c.pass));
	return c;
}

static void
test_token_users(void)
{
	struct auth *a = auth_new();
	struct proto_connect c;
	char why[AUTH_WHY_MAX];

	CHECK(a != NULL);
	CHECK_INT(auth_set_token_file(a, put("token", "t0k3n\n", 0600)), 0);
	CHECK_INT(auth_add_user(a, "alice", put("alice.pass", "wonder land \n",
	    0600)), 0);
	CHECK_INT(auth_set_users_file(a, put("users", "# who\n\nbob:b:0b\r\n"
	    "  carol:c\n", 0600)), 0);
	CHECK_INT(auth_load(a, why, sizeof(why)), 0);
	CHECK_INT(auth_count(a), 4);
	CHECK(!auth_needs_nonce(a));

	c = conn("t0k3n", NULL, NULL);
	CHECK_INT(auth_check(a, &c, NULL, why, sizeof(why)), 0);
	c = conn("t0k3", NULL, NULL);
	CHECK_INT(auth_check(a, &c, NULL, why, sizeof(why)), -1);
	CHECK_STR(why, "wrong token");
	c = conn(NULL, "alice", "wonder land");
	CHECK_INT(auth_check(a, &c, NULL, why, sizeof(why)), 0);
	c = conn(NULL, "bob", "b:0b");
	CHECK_INT(auth_check(a, &c, NULL, why, sizeof(why)), 0);
	c = conn(NULL, "carol", "c");
	CHECK_INT(auth_check(a, &c, NULL, why, sizeof(why)), 0);
	c = conn(NULL, "carol", "cc");
	CHECK_INT(auth_check(a, &c, NULL, why, sizeof(why)), -1);
	CHECK_STR(why, "wrong password for user 'carol'");
	/* the user name counts: a known password under another name fails,
	 * and so does the token given as a password */
	c = conn(NULL, "mallory", "c");
	CHECK_INT(auth_check(a, &c, NULL, why, sizeof(why)), -1);
	CHECK_STR(why, "unknown user 'mallory'");
	c = conn(NULL, "mallory", "t0k3n");
	CHECK_INT(auth_check(a, &c, NULL, why, sizeof(why)), -1);
	c = conn(NULL, "al'\nice", "x");
	CHECK_INT(auth_check(a, &c, NULL, why, sizeof(why)), -1);
	CHECK_STR(why, "unknown user 'al??ice'");
	c = conn(NULL, NULL, NULL);
	CHECK_INT(auth_check(a, &c, NULL, why, sizeof(why)), -1);
	CHECK_STR(why, "no credentials");

	/* a bad reload keeps what was in force */
	put("users", "dave\n", 0600);
	CHECK_INT(auth_load(a, why, sizeof(why)), -1);
	CHECK(strstr(why, "users:1: not NAME:PASSWORD") != NULL);
	c = conn(NULL, "bob", "b:0b");
	CHECK_INT(auth_check(a, &c, NULL, why, sizeof(why)), 0);
	/* a good one replaces it */
	put("users", "dave:d\n", 0600);
	CHECK_INT(auth_load(a, why, sizeof(why)), 0);
	c = conn(NULL, "bob", "b:0b");
	CHECK_INT(auth_check(a, &c, NULL, why, sizeof(why)), -1);
	c = conn(NULL, "dave", "d");
	CHECK_INT(auth_check(a, &c, NULL, why, sizeof(why)), 0);

	/* secrets others may read are refused */
	put("users", "dave:d\n", 0640);
	CHECK_INT(auth_load(a, why, sizeof(why)), -1);
	CHECK(strstr(why, "mode 0640 (want ours or root's, not readable by "
	    "group or others)") != NULL);
	put("users", "", 0600);
	CHECK_INT(auth_load(a, why, sizeof(why)), -1);
	CHECK(strstr(why, ": no users") != NULL);
	put("users", "dave:d\n", 0600);
	put("alice.pass", "\n", 0600);
	CHECK_INT(auth_load(a, why, sizeof(why)), -1);
	CHECK(strstr(why, "alice.pass: no password on the first line") != NULL);
	auth_free(a);
}

static void
test_nkeys(void)
{
	struct auth *a = auth_new();
	struct proto_connect c;
	unsigned char seed[NKEY_KEY_LEN], sig[NKEY_SIG_LEN];
	char why[AUTH_WHY_MAX], nonce[AUTH_NONCE_MAX], other[AUTH_NONCE_MAX];
	const char *err;
	int prefix;

	CHECK_INT(auth_set_nkey_file(a, put("nkeys", "# users\n" JS_PUB
	    " js client\n", 0644)), 0);
	CHECK_INT(auth_load(a, why, sizeof(why)), 0);
	CHECK(auth_needs_nonce(a));
	CHECK_INT(auth_nonce(nonce, sizeof(nonce)), 0);
	CHECK_INT(strlen(nonce), 22);
	CHECK_INT(auth_nonce(other, sizeof(other)), 0);
	CHECK(strcmp(nonce, other) != 0);

	CHECK_INT(nkey_decode_seed(JS_SEED, seed, &prefix, &err), 0);
	CHECK_INT(nkey_sign(seed, nonce, strlen(nonce), sig), 0);
	c = conn(NULL, NULL, NULL);
	strlcpy(c.nkey, JS_PUB, sizeof(c.nkey));
	nkey_b64url_encode(sig, sizeof(sig), c.sig);
	CHECK_INT(auth_check(a, &c, nonce, why, sizeof(why)), 0);
	/* signed another nonce: refused */
	CHECK_INT(auth_check(a, &c, other, why, sizeof(why)), -1);
	CHECK_STR(why, "nkey UCI76YIWGS2TU7Y3...: bad signature");
	c.sig[0] = '\0';
	CHECK_INT(auth_check(a, &c, nonce, why, sizeof(why)), -1);
	CHECK_STR(why, "nkey UCI76YIWGS2TU7Y3...: no signature");
	/* a valid key (another nkeys.js createUser()) that is not listed */
	strlcpy(c.nkey, "UDMQQNIWFDHFCZUUZXOKYOLL7PU4QAXR2X3KNZJIJN6OEXZ637FJPE7E",
	    sizeof(c.nkey));
	CHECK_INT(auth_check(a, &c, nonce, why, sizeof(why)), -1);
	CHECK_STR(why, "unknown nkey UDMQQNIWFDHFCZUU...");
	c.nkey[5] = 'A';
	CHECK_INT(auth_check(a, &c, nonce, why, sizeof(why)), -1);
	CHECK_STR(why, "bad nkey: bad checksum");

	/* a creds file's JWT (libnats sends no "nkey" with it): its subject
	 * signs in as that nkey user; the JWT's own signature is not ours
	 * to check */
	c = conn(NULL, NULL, NULL);
	strlcpy(c.jwt, "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJqdGkiOiJYIiwic3ViIjoiVUNJNzZZSVdHUzJUVTdZM01CWUVaUllaMkpBTEtOUVozN1FWM0tBWU0zVllMSVBVSlZPUlRNSEIiLCJuYXRzIjp7InR5cGUiOiJ1c2VyIn19.c2ln", sizeof(c.jwt));
	nkey_b64url_encode(sig, sizeof(sig), c.sig);
	CHECK_INT(auth_check(a, &c, nonce, why, sizeof(why)), 0);
	CHECK_INT(auth_check(a, &c, other, why, sizeof(why)), -1);
	strlcpy(c.jwt, "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJzdWIiOiJVRE1RUU5JV0ZESEZDWlVVWlhPS1lPTEw3UFU0UUFYUjJYM0tOWkpJSk42T0VYWjYzN0ZKUEU3RSJ9.c2ln", sizeof(c.jwt));
	CHECK_INT(auth_check(a, &c, nonce, why, sizeof(why)), -1);
	CHECK_STR(why, "unknown nkey UDMQQNIWFDHFCZUU...");
	strlcpy(c.jwt, "garbage", sizeof(c.jwt));
	CHECK_INT(auth_check(a, &c, nonce, why, sizeof(why)), -1);
	CHECK_STR(why, "a JWT without a subject");

	/* others may read the nkey file, not write it */
	put("nkeys", JS_PUB "\n", 0666);
	CHECK_INT(auth_load(a, why, sizeof(why)), -1);
	CHECK(strstr(why, "not writable by group or others") != NULL);
	put("nkeys", JS_SEED "\n", 0600);
	CHECK_INT(auth_load(a, why, sizeof(why)), -1);
	CHECK(strstr(why, "nkeys:1: not a user nkey: wrong length") != NULL);
	/* a symbolic link is not followed */
	put("real", JS_PUB "\n", 0600);
	{
		char lnk[300], tgt[300];

		snprintf(lnk, sizeof(lnk), "%s/nkeys", dir);
		snprintf(tgt, sizeof(tgt), "%s/real", dir);
		unlink(lnk);
		CHECK_INT(symlink(tgt, lnk), 0);
	}
	CHECK_INT(auth_load(a, why, sizeof(why)), -1);
	auth_free(a);
}

/* cleanup: remove the files put made, then the directory */
static void
cleanup(void)
{
	static const char *names[] = { "token", "alice.pass", "users",
	    "nkeys", "real" };
	char p[300];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		unlink(p);
	}
	rmdir(dir);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		return 1;
	test_token_users();
	test_nkeys();
	cleanup();
	return check_done();
}
