/* test_out.c - JSON string escaping and the object writer */
#include "check.h"
#include "out.h"

static const char *
esc(const char *s, size_t len)
{
	static struct json j;

	json_free(&j);
	json_escape(&j, s, len);
	return j.buf;
}

int
main(void)
{
	struct json j;
	size_t len;

	CHECK_STR(esc("plain", 5), "\"plain\"");
	CHECK_STR(esc("a\"b\\c", 5), "\"a\\\"b\\\\c\"");
	CHECK_STR(esc("l1\nl2\r\t", 7), "\"l1\\nl2\\r\\t\"");
	CHECK_STR(esc("\x01\x1f", 2), "\"\\u0001\\u001f\"");
	CHECK_STR(esc("nul\0x", 5), "\"nul\\u0000x\"");
	CHECK_STR(esc("caf\xc3\xa9", 5), "\"caf\xc3\xa9\"");
	CHECK_STR(esc("\xe2\x82\xac", 3), "\"\xe2\x82\xac\"");
	CHECK_STR(esc("\xf0\x9f\x98\x80", 4), "\"\xf0\x9f\x98\x80\"");
	CHECK_STR(esc("bad\xff", 4), "\"bad\\ufffd\"");
	CHECK_STR(esc("\xc3", 1), "\"\\ufffd\"");
	CHECK_STR(esc("\xed\xa0\x80", 3), "\"\\ufffd\\ufffd\\ufffd\"");
	CHECK_STR(esc("\xc0\xaf", 2), "\"\\ufffd\\ufffd\"");
	CHECK_STR(esc("", 0), "\"\"");

	json_begin(&j);
	json_str(&j, "signal", "USR1");
	json_int(&j, "number", 10);
	json_int(&j, "pid", -123);
	json_bool(&j, "ok", true);
	json_null(&j, "reply");
	json_strn(&j, "data", "a\nb", 3);
	CHECK_STR(json_end(&j, &len),
	    "{\"signal\":\"USR1\",\"number\":10,\"pid\":-123,\"ok\":true,"
	    "\"reply\":null,\"data\":\"a\\nb\"}\n");
	CHECK_INT(len, strlen(j.buf));
	json_free(&j);

	/* an object as a member's value */
	json_begin(&j);
	json_str(&j, "a", "1");
	json_obj(&j, "h");
	json_str(&j, "K", "v");
	json_str(&j, "L", "w");
	json_obj_end(&j);
	json_obj(&j, "e");
	json_obj_end(&j);
	json_int(&j, "n", 2);
	CHECK_STR(json_end(&j, NULL),
	    "{\"a\":\"1\",\"h\":{\"K\":\"v\",\"L\":\"w\"},\"e\":{},\"n\":2}\n");
	json_free(&j);

	json_begin(&j);
	CHECK_STR(json_end(&j, NULL), "{}\n");
	json_free(&j);
	esc("", 0);
	return check_done();
}
