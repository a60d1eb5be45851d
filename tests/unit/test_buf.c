/* test_buf.c - the growable byte buffer: doubling, appending, printf */
#include <errno.h>
#include <stdint.h>

#include "buf.h"
#include "check.h"

int
main(void)
{
	struct buf b = { 0 };
	char *p = NULL, big[1000];
	size_t cap = 0;

	/* buf_grow: nothing to do, BUF_MIN first, then doubling */
	CHECK_INT(buf_grow(&p, &cap, 0), 0);
	CHECK(p == NULL && cap == 0);
	CHECK_INT(buf_grow(&p, &cap, 1), 0);
	CHECK(p != NULL && cap == BUF_MIN);
	memcpy(p, "kept", 5);
	CHECK_INT(buf_grow(&p, &cap, BUF_MIN), 0);
	CHECK_INT(cap, BUF_MIN);
	CHECK_INT(buf_grow(&p, &cap, BUF_MIN + 1), 0);
	CHECK_INT(cap, 2 * BUF_MIN);
	CHECK_INT(buf_grow(&p, &cap, 5 * BUF_MIN), 0);
	CHECK_INT(cap, 8 * BUF_MIN);
	CHECK_STR(p, "kept");
	errno = 0;
	CHECK_INT(buf_grow(&p, &cap, SIZE_MAX), -1);
	CHECK_INT(errno, ENOMEM);
	CHECK_INT(cap, 8 * BUF_MIN);
	CHECK_STR(p, "kept");
	free(p);

	/* buf_add keeps the bytes NUL-terminated, NULs inside included */
	CHECK_INT(buf_add(&b, "", 0), 0);
	CHECK_STR(b.p, "");
	CHECK_INT(b.len, 0);
	CHECK_INT(buf_add(&b, "ab\0c", 4), 0);
	CHECK_INT(b.len, 4);
	CHECK(memcmp(b.p, "ab\0c", 5) == 0);
	memset(big, 'x', sizeof(big));
	CHECK_INT(buf_add(&b, big, sizeof(big)), 0);
	CHECK_INT(b.len, 4 + sizeof(big));
	CHECK_INT(b.cap, 4 * BUF_MIN);
	CHECK(b.p[b.len] == '\0' && b.p[b.len - 1] == 'x');
	/* a failed append fails every later one, and the bytes stay */
	errno = 0;
	CHECK_INT(buf_reserve(&b, SIZE_MAX - 2), -1);
	CHECK_INT(errno, ENOMEM);
	CHECK(b.failed);
	CHECK_INT(b.len, 4 + sizeof(big));
	CHECK_INT(buf_add(&b, "y", 1), -1);
	CHECK_INT(buf_printf(&b, "%d", 1), -1);
	CHECK_INT(b.len, 4 + sizeof(big));
	CHECK(b.p[b.len] == '\0' && b.p[b.len - 1] == 'x');
	buf_free(&b);
	CHECK(b.p == NULL && b.len == 0 && b.cap == 0 && !b.failed);

	/* buf_printf: into an empty buffer, one that fits, one that grows */
	CHECK_INT(buf_printf(&b, "%s=%d", "n", 42), 0);
	CHECK_STR(b.p, "n=42");
	CHECK_INT(buf_printf(&b, ",%s", "m"), 0);
	CHECK_STR(b.p, "n=42,m");
	CHECK_INT(buf_printf(&b, "%0600d", 7), 0);
	CHECK_INT(b.len, 6 + 600);
	CHECK(b.p[b.len - 1] == '7' && b.p[b.len] == '\0');
	CHECK_INT(buf_printf(&b, "%s", ""), 0);
	CHECK_INT(b.len, 606);
	buf_free(&b);
	buf_free(&b);
	return check_done();
}
