/* test_json.c - JSON string literals (json_quote) and cuts on a UTF-8
 * character boundary (utf8_cut, utf8_strlcpy) */
#include "check.h"
#include "json.h"

/* q: json_quote of s (len bytes) into a static buffer */
static const char *
q(const char *s, size_t len)
{
	static char buf[256];
	size_t n = json_quote(buf, sizeof(buf), s, len);

	CHECK_INT(n, strlen(buf));
	return buf;
}

int
main(void)
{
	char buf[16];

	/* the rules: UTF-8 passes, short escapes, \u00XX, U+FFFD per byte */
	CHECK_STR(q("plain", 5), "\"plain\"");
	CHECK_STR(q("a\"b\\c/", 6), "\"a\\\"b\\\\c/\"");
	CHECK_STR(q("\b\f\n\r\t", 5), "\"\\b\\f\\n\\r\\t\"");
	CHECK_STR(q("\x01\x1f\x7f", 3), "\"\\u0001\\u001f\x7f\"");
	CHECK_STR(q("nul\0x", 5), "\"nul\\u0000x\"");
	CHECK_STR(q("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14),
	    "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	CHECK_STR(q("bad\xff", 4), "\"bad\\ufffd\"");
	CHECK_STR(q("\xc3", 1), "\"\\ufffd\"");			/* cut short */
	CHECK_STR(q("\x80" "a", 2), "\"\\ufffda\"");		/* stray */
	CHECK_STR(q("\xc0\xaf", 2), "\"\\ufffd\\ufffd\"");	/* overlong */
	CHECK_STR(q("\xe0\x80\xaf", 3), "\"\\ufffd\\ufffd\\ufffd\"");
	/* a surrogate */
	CHECK_STR(q("\xed\xa0\x80", 3), "\"\\ufffd\\ufffd\\ufffd\"");
	CHECK_STR(q("\xf4\x90\x80\x80", 4),			/* > U+10FFFF */
	    "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	CHECK_STR(q("", 0), "\"\"");

	/* as snprintf: the full length, a NUL within size */
	CHECK_INT(json_quote(buf, sizeof(buf), "a\"\\\n\x01", 5), 15);
	CHECK_STR(buf, "\"a\\\"\\\\\\n\\u0001\"");
	CHECK_INT(json_quote(buf, 3, "abc", 3), 5);
	CHECK_STR(buf, "\"a");
	CHECK_INT(json_quote(buf, 1, "abc", 3), 5);
	CHECK_STR(buf, "");
	CHECK_INT(json_quote(NULL, 0, "\t\r", 2), 6);
	CHECK_INT(json_quote(NULL, 0, "\xff", 1), 8);

	/* utf8_cut: never inside a character, reading only s[0..max) */
	CHECK_INT(utf8_cut("abc", 3, 5), 3);
	CHECK_INT(utf8_cut("abcdef", 6, 4), 4);
	CHECK_INT(utf8_cut("a\xc3\xa9", 3, 2), 1);
	CHECK_INT(utf8_cut("a\xc3\xa9", 3, 3), 3);
	CHECK_INT(utf8_cut("a\xc3\xa9z", 4, 3), 3);
	CHECK_INT(utf8_cut("\xe2\x82\xac", 3, 1), 0);
	CHECK_INT(utf8_cut("\xe2\x82\xac", 3, 2), 0);
	CHECK_INT(utf8_cut("x\xf0\x9f\x98\x80", 5, 4), 1);
	CHECK_INT(utf8_cut("x\xf0\x9f\x98\x80y", 6, 5), 5);
	CHECK_INT(utf8_cut("ab\x80\x80\x80\x80", 6, 5), 5);	/* strays */
	CHECK_INT(utf8_cut("ab\xff", 3, 2), 2);
	CHECK_INT(utf8_cut("", 0, 0), 0);
	CHECK_INT(utf8_cut("\xc3\xa9", 2, 0), 0);

	/* utf8_strlcpy */
	CHECK_INT(utf8_strlcpy(buf, "caf\xc3\xa9", 5), 5);
	CHECK_STR(buf, "caf");
	CHECK_INT(utf8_strlcpy(buf, "caf\xc3\xa9", 6), 5);
	CHECK_STR(buf, "caf\xc3\xa9");
	CHECK_INT(utf8_strlcpy(buf, "\xe2\x82\xac\xe2\x82\xac", 6), 6);
	CHECK_STR(buf, "\xe2\x82\xac");
	CHECK_INT(utf8_strlcpy(buf, "abc", 0), 3);
	return check_done();
}
