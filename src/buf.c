/* buf.c - a growable byte buffer: doubling, reallocarray(3) from libbsd
 * for the overflow check */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bsd/stdlib.h>

#include "buf.h"

int
buf_grow(char **p, size_t *cap, size_t need)
{
	size_t n = *cap ? *cap : BUF_MIN;
	char *np;

	if (need <= *cap)
		return 0;
	while (n < need) {
		if (n > SIZE_MAX / 2) {
			errno = ENOMEM;
			return -1;
		}
		n *= 2;
	}
	if ((np = reallocarray(*p, n, sizeof(**p))) == NULL)
		return -1;
	*p = np;
	*cap = n;
	return 0;
}

int
buf_reserve(struct buf *b, size_t n)
{
	if (!b->failed && n > SIZE_MAX - b->len - 1) {
		errno = ENOMEM;
		b->failed = true;
	}
	if (!b->failed && buf_grow(&b->p, &b->cap, b->len + n + 1) == -1)
		b->failed = true;
	if (b->failed) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

int
buf_add(struct buf *b, const void *p, size_t len)
{
	if (buf_reserve(b, len) == -1)
		return -1;
	if (len > 0)
		memcpy(b->p + b->len, p, len);
	b->len += len;
	b->p[b->len] = '\0';
	return 0;
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->failed) {
		errno = ENOMEM;
		return -1;
	}
	va_start(ap, fmt);
	n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0,
	    fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = true;
		return -1;
	}
	if (b->p != NULL && (size_t)n < b->cap - b->len) {
		b->len += (size_t)n;
		return 0;
	}
	if (buf_reserve(b, (size_t)n) == -1) {
		if (b->p != NULL)
			b->p[b->len] = '\0';
		return -1;
	}
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void
buf_free(struct buf *b)
{
	free(b->p);
	*b = (struct buf){ 0 };
}
