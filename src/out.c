/* out.c - --json lines with correct string escaping (RFC 8259) and
 * -v/--trace lines naming each system call and the kernel's answer */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "die.h"
#include "json.h"
#include "out.h"

bool out_trace_on;

/* trace_prefix: the "ipctool APPLET[PID]: " prefix */
static void
trace_prefix(FILE *f)
{
	const char *a = die_applet();

	fprintf(f, "ipctool%s%s[%ld]: ", a ? " " : "", a ? a : "",
	    (long)getpid());
}

void
out_trace(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	if (!out_trace_on)
		return;
	flockfile(stderr);
	trace_prefix(stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	funlockfile(stderr);
	errno = saved;
}

long
out_trace_ret(long ret, const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	if (!out_trace_on)
		return ret;
	flockfile(stderr);
	trace_prefix(stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (ret == -1) {
		const char *name = strerrorname_np(saved);
		fprintf(stderr, " = -1 %s (%s)\n", name ? name : "E?",
		    strerror(saved));
	} else {
		fprintf(stderr, " = %ld\n", ret);
	}
	funlockfile(stderr);
	errno = saved;
	return ret;
}

/* reserve: room for n more bytes and a NUL in j; false when out of memory */
static bool
reserve(struct json *j, size_t n)
{
	size_t cap = j->cap ? j->cap : 256;
	char *nb;

	if (j->oom)
		return false;
	if (j->len + n + 1 <= j->cap)
		return true;
	while (cap < j->len + n + 1)
		cap *= 2;
	if ((nb = realloc(j->buf, cap)) == NULL) {
		j->oom = true;
		return false;
	}
	j->buf = nb;
	j->cap = cap;
	return true;
}

/* put: append len bytes to j */
static void
put(struct json *j, const char *s, size_t len)
{
	if (!reserve(j, len))
		return;
	memcpy(j->buf + j->len, s, len);
	j->len += len;
	j->buf[j->len] = '\0';
}

static void
puts_(struct json *j, const char *s)
{
	put(j, s, strlen(s));
}

void
json_escape(struct json *j, const char *val, size_t len)
{
	size_t n;

	if (!reserve(j, len + 2))
		return;
	n = json_quote(j->buf + j->len, j->cap - j->len, val, len);
	if (j->len + n + 1 > j->cap) {
		if (!reserve(j, n))
			return;
		json_quote(j->buf + j->len, j->cap - j->len, val, len);
	}
	j->len += n;
}

void
json_begin(struct json *j)
{
	memset(j, 0, sizeof(*j));
	put(j, "{", 1);
}

/* key: the separator and the quoted key */
static void
key(struct json *j, const char *k)
{
	if (j->n++)
		put(j, ",", 1);
	json_escape(j, k, strlen(k));
	put(j, ":", 1);
}

void
json_str(struct json *j, const char *k, const char *val)
{
	json_strn(j, k, val, strlen(val));
}

void
json_strn(struct json *j, const char *k, const char *val, size_t len)
{
	key(j, k);
	json_escape(j, val, len);
}

void
json_int(struct json *j, const char *k, long long val)
{
	char nb[32];

	key(j, k);
	snprintf(nb, sizeof(nb), "%lld", val);
	puts_(j, nb);
}

void
json_bool(struct json *j, const char *k, bool val)
{
	key(j, k);
	puts_(j, val ? "true" : "false");
}

void
json_null(struct json *j, const char *k)
{
	key(j, k);
	puts_(j, "null");
}

const char *
json_end(struct json *j, size_t *len)
{
	put(j, "}\n", 2);
	if (j->oom)
		return NULL;
	if (len)
		*len = j->len;
	return j->buf;
}

void
json_free(struct json *j)
{
	free(j->buf);
	memset(j, 0, sizeof(*j));
}

int
json_print(struct json *j, FILE *f)
{
	size_t len;
	const char *s = json_end(j, &len);
	int rc = -1;

	if (s == NULL)
		errno = ENOMEM;
	else if (fwrite(s, 1, len, f) == len)
		rc = 0;
	json_free(j);
	return rc;
}
