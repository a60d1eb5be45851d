/* json.c - JSON string literals (RFC 8259) that are always valid UTF-8,
 * and cutting strings on a UTF-8 character boundary (The Unicode
 * Standard, 3.9 and table 3-7) */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "json.h"

/* utf8_len: length of the well-formed UTF-8 sequence at s (n bytes
 * left), or 0 (The Unicode Standard, table 3-7: no overlong forms, no
 * surrogates, nothing above U+10FFFF) */
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

size_t
utf8_cut(const char *s, size_t len, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t k, need;

	if (len <= max)
		return len;
	/* the last lead byte among the bytes kept, and what it needs */
	for (k = max; k > 0 && max - k < 4; k--) {
		if ((u[k - 1] & 0xc0) == 0x80)
			continue;
		need = u[k - 1] >= 0xf0 ? 4 : u[k - 1] >= 0xe0 ? 3 :
		    u[k - 1] >= 0xc0 ? 2 : 1;
		return k - 1 + need > max ? k - 1 : max;
	}
	return max;
}

size_t
utf8_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src), n;

	if (size == 0)
		return len;
	n = utf8_cut(src, len, size - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
	return len;
}

/* qput: append n bytes of s to buf (size bytes) at *o, as many as fit
 * before the NUL's place; *o counts them all */
static void
qput(char *buf, size_t size, size_t *o, const char *s, size_t n)
{
	if (*o + 1 < size) {
		size_t room = size - 1 - *o;

		memcpy(buf + *o, s, n < room ? n : room);
	}
	*o += n;
}

size_t
json_quote(char *buf, size_t size, const char *val, size_t len)
{
	const unsigned char *s = (const unsigned char *)val;
	size_t i = 0, start = 0, o = 0;

	qput(buf, size, &o, "\"", 1);
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
		qput(buf, size, &o, val + start, i - start);
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
		qput(buf, size, &o, esc, strlen(esc));
		i++;
		start = i;
	}
	qput(buf, size, &o, val + start, i - start);
	qput(buf, size, &o, "\"", 1);
	if (size > 0)
		buf[o < size ? o : size - 1] = '\0';
	return o;
}

