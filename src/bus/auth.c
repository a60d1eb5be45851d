/* auth.c - the broker's authentication (see auth.h): files read with
 * open(2) O_NOFOLLOW and checked with fstat(2), getrandom(2) for nonces,
 * Ed25519 signatures verified by nkey.c (OpenSSL's libcrypto).
 * See https://docs.nats.io/running-a-nats-service/configuration/securing_nats/auth_intro */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bsd/string.h>

#include "io.h"
#include "bus/auth.h"
#include "bus/nkey.h"

#define FILE_MAX	(1024 * 1024)	/* the largest file we read */

struct user {
	char		*name;
	char		*pass;
};

struct nkey_user {
	unsigned char	 key[NKEY_KEY_LEN];
};

/* What is in force: replaced whole by a successful load. */
struct creds {
	char		*token;
	struct user	*users;
	size_t		 nusers;
	struct nkey_user *nkeys;
	size_t		 nnkeys;
};

struct source {
	char		*name;		/* --user's name, or NULL */
	char		*path;
};

struct auth {
	char		*token_file;
	char		*users_file;
	char		*nkey_file;
	struct source	*pass_files;
	size_t		 npass_files;
	struct creds	 cur;
};

struct auth *
auth_new(void)
{
	return calloc(1, sizeof(struct auth));
}

/* wipe_free: zero the string s and free it */
static void
wipe_free(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static void
creds_free(struct creds *c)
{
	size_t i;

	wipe_free(c->token);
	for (i = 0; i < c->nusers; i++) {
		free(c->users[i].name);
		wipe_free(c->users[i].pass);
	}
	free(c->users);
	free(c->nkeys);
	memset(c, 0, sizeof(*c));
}

void
auth_free(struct auth *a)
{
	size_t i;

	if (a == NULL)
		return;
	creds_free(&a->cur);
	free(a->token_file);
	free(a->users_file);
	free(a->nkey_file);
	for (i = 0; i < a->npass_files; i++) {
		free(a->pass_files[i].name);
		free(a->pass_files[i].path);
	}
	free(a->pass_files);
	free(a);
}

/* set_path: *dst = a copy of path; 0 or -1 (ENOMEM) */
static int
set_path(char **dst, const char *path)
{
	char *p = strdup(path);

	if (p == NULL)
		return -1;
	free(*dst);
	*dst = p;
	return 0;
}

int
auth_set_token_file(struct auth *a, const char *path)
{
	return set_path(&a->token_file, path);
}

int
auth_set_users_file(struct auth *a, const char *path)
{
	return set_path(&a->users_file, path);
}

int
auth_set_nkey_file(struct auth *a, const char *path)
{
	return set_path(&a->nkey_file, path);
}

int
auth_add_user(struct auth *a, const char *name, const char *pass_file)
{
	struct source *n = reallocarray(a->pass_files, a->npass_files + 1,
	    sizeof(*n));
	struct source s = { strdup(name), strdup(pass_file) };

	if (n != NULL)
		a->pass_files = n;
	if (n == NULL || s.name == NULL || s.path == NULL) {
		free(s.name);
		free(s.path);
		errno = ENOMEM;
		return -1;
	}
	a->pass_files[a->npass_files++] = s;
	return 0;
}

/* fail: the reason into why; returns -1 */
static int
fail(char *why, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -1;
}

/* read_file: the whole of path (NUL-terminated, *len bytes) in a new
 * buffer; secret: others may not read it; always: others may not write
 * it, and it is a regular file of ours or root's. NULL with why. */
static char *
read_file(const char *path, bool secret, size_t *len, char *why,
    size_t wlen)
{
	struct stat st;
	char *buf = NULL;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		fail(why, wlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1) {
		fail(why, wlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		fail(why, wlen, "%s: not a regular file", path);
		goto out;
	}
	if ((st.st_uid != geteuid() && st.st_uid != 0) ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0 ||
	    (secret && (st.st_mode & 077) != 0)) {
		fail(why, wlen, "%s: owner uid %ld, mode %04o (want ours or "
		    "root's, %s)", path, (long)st.st_uid,
		    (unsigned)(st.st_mode & 07777), secret ?
		    "not readable by group or others" :
		    "not writable by group or others");
		goto out;
	}
	if (st.st_size > FILE_MAX) {
		fail(why, wlen, "%s: larger than %d bytes", path, FILE_MAX);
		goto out;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		fail(why, wlen, "%s: %s", path, strerror(ENOMEM));
		goto out;
	}
	if ((n = io_read_full(fd, buf, (size_t)st.st_size)) == -1) {
		fail(why, wlen, "%s: %s", path, strerror(errno));
		free(buf);
		buf = NULL;
		goto out;
	}
	buf[n] = '\0';
	*len = (size_t)n;
	if (memchr(buf, '\0', (size_t)n) != NULL) {
		fail(why, wlen, "%s: holds a NUL byte", path);
		explicit_bzero(buf, (size_t)n);
		free(buf);
		buf = NULL;
	}
out:
	close(fd);
	return buf;
}

/* first_line: the first line of a secret file at path, trailing blanks
 * dropped, in a new string; NULL with why */
static char *
first_line(const char *path, const char *what, char *why, size_t wlen)
{
	size_t len, n;
	char *buf = read_file(path, true, &len, why, wlen), *line;

	if (buf == NULL)
		return NULL;
	n = strcspn(buf, "\r\n");
	while (n > 0 && (buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		n--;
	line = n > 0 ? strndup(buf, n) : NULL;
	explicit_bzero(buf, len);
	free(buf);
	if (n == 0)
		fail(why, wlen, "%s: no %s on the first line", path, what);
	else if (line == NULL)
		fail(why, wlen, "%s: %s", path, strerror(ENOMEM));
	return line;
}

/* add_user: append name/pass (taking pass) to c; 0 or -1 (ENOMEM) */
static int
add_user(struct creds *c, const char *name, size_t nlen, char *pass)
{
	struct user *n = reallocarray(c->users, c->nusers + 1, sizeof(*n));
	char *nm = strndup(name, nlen);

	if (n != NULL)
		c->users = n;
	if (n == NULL || nm == NULL) {
		free(nm);
		wipe_free(pass);
		return -1;
	}
	c->users[c->nusers].name = nm;
	c->users[c->nusers].pass = pass;
	c->nusers++;
	return 0;
}

/* next_line: the next line of *p (NUL-terminated in place), skipping
 * blank lines and comments; NULL at the end; *lineno counts */
static char *
next_line(char **p, int *lineno)
{
	char *line, *nl;

	while (**p != '\0') {
		line = *p;
		nl = strchr(line, '\n');
		if (nl != NULL) {
			*nl = '\0';
			*p = nl + 1;
		} else
			*p = line + strlen(line);
		(*lineno)++;
		line[strcspn(line, "\r")] = '\0';
		while (*line == ' ' || *line == '\t')
			line++;
		if (*line != '\0' && *line != '#')
			return line;
	}
	return NULL;
}

/* load_users: the "NAME:PASSWORD" lines of path into c; 0 or -1 */
static int
load_users(struct creds *c, const char *path, char *why, size_t wlen)
{
	size_t len;
	char *buf = read_file(path, true, &len, why, wlen), *p, *line, *colon;
	char *pass;
	size_t before = c->nusers;
	int lineno = 0, rc = 0;

	if (buf == NULL)
		return -1;
	p = buf;
	while ((line = next_line(&p, &lineno)) != NULL) {
		if ((colon = strchr(line, ':')) == NULL || colon == line ||
		    colon[1] == '\0') {
			rc = fail(why, wlen, "%s:%d: not NAME:PASSWORD", path,
			    lineno);
			break;
		}
		if ((pass = strdup(colon + 1)) == NULL ||
		    add_user(c, line, (size_t)(colon - line), pass) == -1) {
			rc = fail(why, wlen, "%s: %s", path, strerror(ENOMEM));
			break;
		}
	}
	explicit_bzero(buf, len);
	free(buf);
	if (rc == 0 && c->nusers == before)
		rc = fail(why, wlen, "%s: no users", path);
	return rc;
}

/* load_nkeys: the public keys first on each line of path into c */
static int
load_nkeys(struct creds *c, const char *path, char *why, size_t wlen)
{
	size_t len;
	char *buf = read_file(path, false, &len, why, wlen), *p, *line;
	struct nkey_user *n;
	const char *err;
	int lineno = 0, rc = 0;

	if (buf == NULL)
		return -1;
	p = buf;
	while ((line = next_line(&p, &lineno)) != NULL) {
		line[strcspn(line, " \t")] = '\0';
		if ((n = reallocarray(c->nkeys, c->nnkeys + 1,
		    sizeof(*n))) == NULL) {
			rc = fail(why, wlen, "%s: %s", path, strerror(ENOMEM));
			break;
		}
		c->nkeys = n;
		if (nkey_decode_public(line, NKEY_PREFIX_USER,
		    c->nkeys[c->nnkeys].key, &err) == -1) {
			rc = fail(why, wlen, "%s:%d: not a user nkey: %s",
			    path, lineno, err);
			break;
		}
		c->nnkeys++;
	}
	free(buf);
	if (rc == 0 && c->nnkeys == 0)
		rc = fail(why, wlen, "%s: no nkeys", path);
	return rc;
}

int
auth_load(struct auth *a, char *why, size_t wlen)
{
	struct creds c;
	size_t i;
	char *pass;

	memset(&c, 0, sizeof(c));
	if (a->token_file != NULL && (c.token = first_line(a->token_file,
	    "token", why, wlen)) == NULL)
		goto fail;
	for (i = 0; i < a->npass_files; i++) {
		const struct source *s = &a->pass_files[i];

		if ((pass = first_line(s->path, "password", why, wlen)) ==
		    NULL)
			goto fail;
		if (add_user(&c, s->name, strlen(s->name), pass) == -1) {
			fail(why, wlen, "%s: %s", s->path, strerror(ENOMEM));
			goto fail;
		}
	}
	if (a->users_file != NULL && load_users(&c, a->users_file, why,
	    wlen) == -1)
		goto fail;
	if (a->nkey_file != NULL && (!nkey_available(why, wlen) ||
	    load_nkeys(&c, a->nkey_file, why, wlen) == -1))
		goto fail;
	creds_free(&a->cur);
	a->cur = c;
	return 0;
fail:
	creds_free(&c);
	return -1;
}

bool
auth_needs_nonce(const struct auth *a)
{
	return a != NULL && a->nkey_file != NULL;
}

size_t
auth_count(const struct auth *a)
{
	return (a->cur.token != NULL) + a->cur.nusers + a->cur.nnkeys;
}

int
auth_nonce(char *buf, size_t len)
{
	unsigned char r[16];

	if (len < AUTH_NONCE_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return -1;
	nkey_b64url_encode(r, sizeof(r), buf);
	return 0;
}

/* secret_eq: constant-time comparison of a received secret with want */
static bool
secret_eq(const char *got, const char *want)
{
	size_t gl = strlen(got), wl = strlen(want), i;
	unsigned char d = gl != wl;

	for (i = 0; i < wl; i++)
		d |= (unsigned char)(want[i] ^ (i < gl ? got[i] : 0));
	return d == 0 && wl > 0;
}

/* check_nkey: co's nkey is one of ours and signed the nonce */
static int
check_nkey(const struct auth *a, const struct proto_connect *co,
    const char *nonce, char *why, size_t wlen)
{
	unsigned char key[NKEY_KEY_LEN], sig[NKEY_SIG_LEN];
	const char *err;
	size_t i;
	long n;

	if (nkey_decode_public(co->nkey, NKEY_PREFIX_USER, key, &err) == -1)
		return fail(why, wlen, "bad nkey: %s", err);
	for (i = 0; i < a->cur.nnkeys; i++)
		if (memcmp(a->cur.nkeys[i].key, key, sizeof(key)) == 0)
			break;
	if (i == a->cur.nnkeys)
		return fail(why, wlen, "unknown nkey %.16s...", co->nkey);
	if (nonce == NULL || nonce[0] == '\0')
		return fail(why, wlen, "no nonce was sent");
	n = nkey_b64_decode(co->sig, strlen(co->sig), sig, sizeof(sig));
	if (n != NKEY_SIG_LEN)
		return fail(why, wlen, "nkey %.16s...: %s", co->nkey,
		    co->sig[0] ? "malformed signature" : "no signature");
	if (nkey_verify(key, nonce, strlen(nonce), sig) == -1)
		return fail(why, wlen, "nkey %.16s...: bad signature",
		    co->nkey);
	return 0;
}

/* check_user: co's user is one of ours with that password */
static int
check_user(const struct auth *a, const struct proto_connect *co,
    char *why, size_t wlen)
{
	char name[64];
	bool known = false, ok = false;
	size_t i;

	for (i = 0; i < a->cur.nusers; i++)
		if (strcmp(a->cur.users[i].name, co->user) == 0) {
			known = true;
			ok = secret_eq(co->pass, a->cur.users[i].pass);
			break;
		}
	if (ok)
		return 0;
	strlcpy(name, co->user, sizeof(name));
	for (i = 0; name[i] != '\0'; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f ||
		    name[i] == '\'')
			name[i] = '?';
	return fail(why, wlen, known ? "wrong password for user '%s'" :
	    "unknown user '%s'", name);
}

/* jwt_subject: the "sub" claim of a JWT (the user's public nkey) into
 * buf; 0 or -1. The JWT's own signature chain is not checked: the caller
 * still needs the nonce signed by that key, and the key listed. */
static int
jwt_subject(const char *jwt, char *buf, size_t len)
{
	const char *p = strchr(jwt, '.'), *q;
	unsigned char claims[PROTO_JWT_MAX];
	struct proto_json_iter it;
	struct proto_str key, val;
	enum proto_json_type t;
	long n;

	if (p == NULL || (q = strchr(p + 1, '.')) == NULL ||
	    (n = nkey_b64_decode(p + 1, (size_t)(q - p - 1), claims,
	    sizeof(claims))) == -1)
		return -1;
	proto_json_begin(&it, (const char *)claims, (size_t)n);
	while (proto_json_next(&it, &key, &val, &t) == 1)
		if (t == PROTO_JSON_STRING && key.len == 3 &&
		    memcmp(key.p, "sub", 3) == 0 &&
		    proto_json_unescape(val, buf, len) < (ssize_t)len)
			return 0;
	return -1;
}

int
auth_check(const struct auth *a, const struct proto_connect *co,
    const char *nonce, char *why, size_t wlen)
{
	if (co->nkey[0] == '\0' && co->jwt[0] != '\0' && a->cur.nnkeys > 0) {
		/* a creds file (libnats sends no "nkey" with it): sign in as
		 * the nkey user the JWT is about */
		struct proto_connect as = *co;

		if (jwt_subject(co->jwt, as.nkey, sizeof(as.nkey)) == -1)
			return fail(why, wlen, "a JWT without a subject");
		return check_nkey(a, &as, nonce, why, wlen);
	}
	if (co->nkey[0] != '\0') {
		if (a->cur.nnkeys == 0)
			return fail(why, wlen, "nkey sent, no nkey users");
		return check_nkey(a, co, nonce, why, wlen);
	}
	if (co->user[0] != '\0')
		return check_user(a, co, why, wlen);
	if (co->auth_token[0] != '\0') {
		if (a->cur.token != NULL &&
		    secret_eq(co->auth_token, a->cur.token))
			return 0;
		return fail(why, wlen, a->cur.token != NULL ? "wrong token" :
		    "token sent, no token configured");
	}
	if (co->jwt[0] != '\0')
		return fail(why, wlen, "a JWT sent, no nkey users");
	return fail(why, wlen, "no credentials");
}
