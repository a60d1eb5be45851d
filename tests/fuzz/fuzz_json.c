/* tests/fuzz/fuzz_json.c - the --json line writer (out.c): whatever bytes
 * go in as keys and values, the line is one valid JSON object (RFC 8259)
 * ending in a newline, with valid UTF-8 only; each string decodes back to
 * its input with every byte that is not part of well-formed UTF-8 (checked
 * here against the Unicode table, not out.c's decoder) replaced by
 * U+FFFD, and each number to its value.
 *
 * Input: records of [op][len][len bytes]: op % 5 picks json_strn with a
 * fixed key, json_strn with the record as key (up to its first NUL) and
 * value, json_int (8 bytes), json_bool, json_null. An input of odd length
 * ends with json_print to a stream instead of json_end.
 *
 * The whole input also goes through json_quote (src/json.c) alone, into
 * buffers of every size up to 16 bytes and one that fits, which must
 * agree as snprintf's would and decode back the same way, and through
 * utf8_cut at a length taken from its first byte: the cut is on a
 * character boundary of the input, at most 3 bytes short. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>

#include "fuzz.h"
#include "json.h"
#include "out.h"

#define MAX_MEMBERS 64

/* What a member must decode to */
struct member {
	const uint8_t *key;	/* NULL: the fixed key "k" */
	size_t klen;
	int kind;		/* 0 string, 1 int, 2 bool, 3 null */
	const uint8_t *val;
	size_t vlen;
	long long num;
};

/* wf_len: the length of the well-formed UTF-8 sequence at s (n bytes
 * left), 0 when ill-formed (The Unicode Standard, table 3-7) */
static size_t
wf_len(const uint8_t *s, size_t n)
{
	static const struct {
		uint8_t lo, hi;		/* first byte */
		uint8_t lo2, hi2;	/* second byte */
		size_t len;
	} tab[] = {
		{ 0x00, 0x7f, 0, 0, 1 },
		{ 0xc2, 0xdf, 0x80, 0xbf, 2 },
		{ 0xe0, 0xe0, 0xa0, 0xbf, 3 },
		{ 0xe1, 0xec, 0x80, 0xbf, 3 },
		{ 0xed, 0xed, 0x80, 0x9f, 3 },
		{ 0xee, 0xef, 0x80, 0xbf, 3 },
		{ 0xf0, 0xf0, 0x90, 0xbf, 4 },
		{ 0xf1, 0xf3, 0x80, 0xbf, 4 },
		{ 0xf4, 0xf4, 0x80, 0x8f, 4 },
	};

	for (size_t t = 0; t < sizeof(tab) / sizeof(tab[0]); t++) {
		if (s[0] < tab[t].lo || s[0] > tab[t].hi)
			continue;
		if (tab[t].len == 1)
			return 1;
		if (n < tab[t].len || s[1] < tab[t].lo2 || s[1] > tab[t].hi2)
			return 0;
		for (size_t i = 2; i < tab[t].len; i++)
			if (s[i] < 0x80 || s[i] > 0xbf)
				return 0;
		return tab[t].len;
	}
	return 0;
}

/* sanitized: s with ill-formed bytes replaced by U+FFFD, into out (room
 * for 3 * n bytes); returns its length */
static size_t
sanitized(const uint8_t *s, size_t n, uint8_t *out)
{
	size_t i = 0, o = 0, l;

	while (i < n) {
		if ((l = wf_len(s + i, n - i)) > 0) {
			memcpy(out + o, s + i, l);
			o += l, i += l;
		} else {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3, i++;
		}
	}
	return o;
}

/* put_utf8: cp as UTF-8 at out; returns the length */
static size_t
put_utf8(uint32_t cp, uint8_t *out)
{
	if (cp < 0x80) {
		out[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (uint8_t)(0xc0 | cp >> 6);
		out[1] = (uint8_t)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (uint8_t)(0xe0 | cp >> 12);
		out[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (uint8_t)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (uint8_t)(0xf0 | cp >> 18);
	out[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (uint8_t)(0x80 | (cp & 0x3f));
	return 4;
}

/* hex4: the value of 4 hex digits at s, or -1 */
static long
hex4(const char *s)
{
	long v = 0;

	for (int i = 0; i < 4; i++) {
		int c = s[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* string: a JSON string at *p, decoded into out (room enough); advances
 * *p past it and returns the decoded length; aborts on invalid JSON */
static size_t
string(const char **p, uint8_t *out)
{
	const char *s = *p;
	size_t o = 0, l;

	FUZZ_CHECK(*s == '"');
	s++;
	for (;;) {
		uint8_t c = (uint8_t)*s;

		FUZZ_CHECK(c >= 0x20);		/* no raw controls, no NUL */
		if (c == '"')
			break;
		if (c != '\\') {
			l = wf_len((const uint8_t *)s, strlen(s));
			FUZZ_CHECK(l > 0);	/* valid UTF-8 only */
			memcpy(out + o, s, l);
			o += l, s += l;
			continue;
		}
		s++;
		switch (*s) {
		case '"': out[o++] = '"'; break;
		case '\\': out[o++] = '\\'; break;
		case '/': out[o++] = '/'; break;
		case 'b': out[o++] = '\b'; break;
		case 'f': out[o++] = '\f'; break;
		case 'n': out[o++] = '\n'; break;
		case 'r': out[o++] = '\r'; break;
		case 't': out[o++] = '\t'; break;
		case 'u': {
			long cp = hex4(s + 1), lo;

			FUZZ_CHECK(cp >= 0);
			s += 4;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				FUZZ_CHECK(s[1] == '\\' && s[2] == 'u');
				lo = hex4(s + 3);
				FUZZ_CHECK(lo >= 0xdc00 && lo <= 0xdfff);
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				    (lo - 0xdc00);
				s += 6;
			} else {
				FUZZ_CHECK(cp < 0xdc00 || cp > 0xdfff);
			}
			o += put_utf8((uint32_t)cp, out + o);
			break;
		}
		default:
			FUZZ_CHECK(!"a valid escape");
		}
		s++;
	}
	*p = s + 1;
	return o;
}

/* expect_string: decode the string at *p and compare it with the input
 * bytes s (n) after sanitizing */
static void
expect_string(const char **p, const uint8_t *s, size_t n, uint8_t *a,
    uint8_t *b)
{
	size_t got = string(p, a), want = sanitized(s, n, b);

	FUZZ_CHECK(got == want);
	FUZZ_CHECK(want == 0 || memcmp(a, b, want) == 0);
}

/* check_line: line (len bytes) is the object of the members mb */
static void
check_line(const char *line, size_t len, const struct member *mb, int n,
    size_t room)
{
	const char *p = line;
	uint8_t *a = malloc(room), *b = malloc(room);
	char *end;

	FUZZ_CHECK(a != NULL && b != NULL);
	FUZZ_CHECK(strlen(line) == len);
	FUZZ_CHECK(len >= 3 && line[len - 1] == '\n');
	FUZZ_CHECK(memchr(line, '\n', len - 1) == NULL);
	FUZZ_CHECK(*p++ == '{');
	for (int i = 0; i < n; i++) {
		if (i > 0)
			FUZZ_CHECK(*p++ == ',');
		if (mb[i].key)
			expect_string(&p, mb[i].key, mb[i].klen, a, b);
		else
			expect_string(&p, (const uint8_t *)"k", 1, a, b);
		FUZZ_CHECK(*p++ == ':');
		switch (mb[i].kind) {
		case 0:
			expect_string(&p, mb[i].val, mb[i].vlen, a, b);
			break;
		case 1:
			FUZZ_CHECK(*p == '-' || (*p >= '0' && *p <= '9'));
			errno = 0;
			FUZZ_CHECK(strtoll(p, &end, 10) == mb[i].num);
			FUZZ_CHECK(errno == 0);
			p = end;
			break;
		case 2:
			FUZZ_CHECK(strncmp(p, mb[i].num ? "true" : "false",
			    mb[i].num ? 4 : 5) == 0);
			p += mb[i].num ? 4 : 5;
			break;
		default:
			FUZZ_CHECK(strncmp(p, "null", 4) == 0);
			p += 4;
			break;
		}
	}
	FUZZ_CHECK(*p++ == '}');
	FUZZ_CHECK(*p++ == '\n');
	FUZZ_CHECK(p == line + len);
	free(a);
	free(b);
}

/* check_quote: json_quote and utf8_cut over the bytes s (n) */
static void
check_quote(const uint8_t *s, size_t n)
{
	size_t len = json_quote(NULL, 0, (const char *)s, n), max, cut, i, l;
	char *full = malloc(len + 1), small[16];
	uint8_t *a = malloc(3 * n + 1), *b = malloc(3 * n + 1);
	const char *p;

	FUZZ_CHECK(full != NULL && a != NULL && b != NULL);
	FUZZ_CHECK(json_quote(full, len + 1, (const char *)s, n) == len);
	FUZZ_CHECK(strlen(full) == len);
	for (size_t size = 1; size <= sizeof(small); size++) {
		FUZZ_CHECK(json_quote(small, size, (const char *)s, n) == len);
		l = len < size - 1 ? len : size - 1;
		FUZZ_CHECK(strlen(small) == l);
		FUZZ_CHECK(memcmp(small, full, l) == 0);
	}
	p = full;
	expect_string(&p, s, n, a, b);
	FUZZ_CHECK(p == full + len);

	max = n > 0 ? s[0] % (n + 1) : 0;
	cut = utf8_cut((const char *)s, n, max);
	FUZZ_CHECK(cut <= max && (n <= max ? cut == n : max - cut <= 3));
	for (i = 0; i < cut; i += (l = wf_len(s + i, n - i)) > 0 ? l : 1)
		;
	FUZZ_CHECK(i == cut);
	free(full);
	free(a);
	free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct member mb[MAX_MEMBERS];
	char *keys[MAX_MEMBERS];
	struct json j;
	const char *line;
	size_t off = 0, len, room = 64;
	int n = 0;

	json_begin(&j);
	while (off + 2 <= size && n < MAX_MEMBERS) {
		int op = data[off] % 5;
		size_t l = data[off + 1];
		const uint8_t *rec = data + off + 2;

		if (l > size - off - 2)
			l = size - off - 2;
		off += 2 + l;
		keys[n] = NULL;
		mb[n] = (struct member){ .kind = 0, .val = rec, .vlen = l };
		switch (op) {
		case 0:
			json_strn(&j, "k", (const char *)rec, l);
			break;
		case 1:
			keys[n] = fuzz_cstr(rec, l);
			mb[n].key = rec;
			mb[n].klen = strlen(keys[n]);
			json_strn(&j, keys[n], (const char *)rec, l);
			break;
		case 2:
			mb[n].kind = 1;
			/* 8 bytes, or a small number from the first byte */
			if (l >= 8)
				memcpy(&mb[n].num, rec, 8);
			else
				mb[n].num = (signed char)(l ? rec[0] : 0);
			json_int(&j, "k", mb[n].num);
			break;
		case 3:
			mb[n].kind = 2;
			mb[n].num = l & 1;
			json_bool(&j, "k", l & 1);
			break;
		case 4:
			mb[n].kind = 3;
			json_null(&j, "k");
			break;
		}
		room += 3 * 2 * (l + 1) + 8;
		n++;
	}
	if (size % 2 == 0) {
		line = json_end(&j, &len);
		FUZZ_CHECK(line != NULL);
		check_line(line, len, mb, n, room);
		json_free(&j);
	} else {
		/* the same through json_print to a stream */
		char *buf = NULL;
		FILE *f = open_memstream(&buf, &len);

		FUZZ_CHECK(f != NULL);
		FUZZ_CHECK(json_print(&j, f) == 0);
		FUZZ_CHECK(fclose(f) == 0);
		check_line(buf, len, mb, n, room);
		free(buf);
	}
	for (int i = 0; i < n; i++)
		free(keys[i]);
	check_quote(data, size);
	return 0;
}
