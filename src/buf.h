/* buf.h - a growable byte buffer, grown by doubling */
#ifndef IPCTOOL_BUF_H
#define IPCTOOL_BUF_H

#include <stdbool.h>
#include <stddef.h>

#define BUF_MIN	256	/* the first allocation, in bytes */

/* A byte buffer: p[0..len) are the bytes, kept NUL-terminated by
 * buf_add and buf_printf; { 0 } is an empty one. Once an append runs out
 * of memory, failed is set and every later append fails too, so that a
 * writer of many pieces may check once, at the end. */
struct buf {
	char *p;
	size_t len, cap;
	bool failed;
};

/* buf_grow: make the allocation *p of *cap bytes hold at least need
 * bytes, doubling *cap (from BUF_MIN when 0) until it does; the bytes
 * kept are unchanged. 0, or -1 with errno ENOMEM (*p and *cap untouched) */
int buf_grow(char **p, size_t *cap, size_t need);

/* buf_reserve: room for n more bytes and a NUL after b->len; 0 or -1
 * (ENOMEM, or b->failed already) */
int buf_reserve(struct buf *b, size_t n);

/* buf_add: append len bytes of p; 0 or -1 (ENOMEM, b unchanged) */
int buf_add(struct buf *b, const void *p, size_t len);

/* buf_printf: append formatted text; 0 or -1 (ENOMEM, b unchanged) */
int buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* buf_free: release the bytes; b is empty (and not failed) again */
void buf_free(struct buf *b);

#endif
