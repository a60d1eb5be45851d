/* out.c - --json lines with correct string escaping (RFC 8259) and
 * -v/--trace lines naming each system call and the kernel's answer */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "die.h"
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

/* put: append len bytes to j */
static void
put(struct json *j, const char *s, size_t len)
{
	if (j->oom)
		return;
	if (j->len + len + 1 > j->cap) {
		size_t cap = j->cap ? j->cap : 256;
		char *nb;

		while (cap < j->len + len + 1)
			cap *= 2;
		nb = realloc(j->buf, cap);
		if (nb == NULL) {
			j->oom = true;
			return;
		}
		j->buf = nb;
		j->cap = cap;
	}
	memcpy(j->buf + j->len, s, len);
	j->len += len;
	j->buf[j->len] = '\0';
}

static void
puts_(struct json *j, const char *s)
{
	put(j, s, strlen(s));
}

/* utf8_len: length of the valid UTF-8 sequence at s (n bytes left), or 0 */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

void
json_escape(struct json *j, const char *val, size_t len)
{
	const unsigned char *s = (const unsigned char *)val;
	size_t i = 0, start = 0;

	put(j, "\"", 1);
	while (i < len) {
		unsigned char c = s[i];
		const char *esc = NULL;
		char ubuf[8];
		size_t ul;

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0x80 && (ul = utf8_len(s + i, len - i)) > 0) {
			i += ul;
			continue;
		}
		put(j, val + start, i - start);
		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		default:
			if (c < 0x20)
				snprintf(ubuf, sizeof(ubuf), "\\u%04x", c);
			else
				snprintf(ubuf, sizeof(ubuf), "\\ufffd");
			esc = ubuf;
		}
		puts_(j, esc);
		i++;
		start = i;
	}
	put(j, val + start, i - start);
	put(j, "\"", 1);
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
