/* out.c - --json lines with correct string escaping (RFC 8259) and
 * -v/--trace lines naming each system call and the kernel's answer */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "die.h"
#include "json.h"
#include "out.h"

bool out_trace_on;

/* trace_start: lock stderr, then print the "ipctool APPLET[PID]: "
 * prefix and the formatted text; the caller ends the line and unlocks */
static void __attribute__((format(printf, 1, 0)))
trace_start(const char *fmt, va_list ap)
{
	const char *a = die_applet();

	flockfile(stderr);
	fprintf(stderr, "ipctool%s%s[%ld]: ", a ? " " : "", a ? a : "",
	    (long)getpid());
	vfprintf(stderr, fmt, ap);
}

void
out_trace(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	if (!out_trace_on)
		return;
	va_start(ap, fmt);
	trace_start(fmt, ap);
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
	va_start(ap, fmt);
	trace_start(fmt, ap);
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
	if (!j->oom && (n > SIZE_MAX - j->len - 1 ||
	    buf_grow(&j->buf, &j->cap, j->len + n + 1) == -1))
		j->oom = true;
	return !j->oom;
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
json_obj(struct json *j, const char *k)
{
	key(j, k);
	put(j, "{", 1);
	j->outer_n = j->n;
	j->n = 0;
}

void
json_obj_end(struct json *j)
{
	put(j, "}", 1);
	j->n = j->outer_n;
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

char *
out_escape(const char *s, size_t n, bool strict, char *buf, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < n && s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];
		char e[8];
		size_t el = 1;

		if (strict && c == '\\')
			el = (size_t)snprintf(e, sizeof(e), "\\\\");
		else if (c >= '\a' && c <= '\r')
			el = (size_t)snprintf(e, sizeof(e), "\\%c",
			    "abtnvfr"[c - '\a']);
		else if (c < 0x20 || c == 0x7f || (strict && c > 0x7f))
			el = (size_t)snprintf(e, sizeof(e), "\\x%02x", c);
		else
			e[0] = (char)c;
		if (o + el + 4 > len) {		/* keep room for "...\0" */
			memcpy(buf + o, "...", 4);
			return buf;
		}
		memcpy(buf + o, e, el);
		o += el;
	}
	buf[o] = '\0';
	return buf;
}

char *
out_printable(const char *s, char *buf, size_t len)
{
	return out_escape(s, SIZE_MAX, true, buf, len);
}
