/* out.h - machine output (--json lines) and trace lines (-v/--trace) */
#ifndef IPCTOOL_OUT_H
#define IPCTOOL_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Set by -v/--trace */
extern bool out_trace_on;

/* out_trace: when tracing, print "ipctool APPLET[PID]: <line>" on stderr */
void out_trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* out_printable: s made safe for an environment variable, a log or trace
 * line when a peer chose it (a UNIX client's bound path, a name): a
 * backslash, control characters and bytes from 0x7f as C escapes ("\\",
 * "\n", "\x1b"), cut with "..." to fit buf (len >= 8); returns buf */
char *out_printable(const char *s, char *buf, size_t len);

/* out_escape: the escaper under out_printable, over at most n bytes of
 * s (or to its NUL); without strict, a backslash and bytes from 0x80
 * (UTF-8) stay as they are, for echoing a user's own argument */
char *out_escape(const char *s, size_t n, bool strict, char *buf,
    size_t len);

/* out_trace_ret: trace a system call and its result: " = ret", or
 * " = -1 ENAME (message)" when ret is -1; returns ret, errno untouched */
long out_trace_ret(long ret, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A JSON object under construction, printed as one line */
struct json {
	char *buf;
	size_t len, cap;
	int n;			/* members so far */
	int outer_n;		/* the enclosing object's, inside json_obj */
	bool oom;
};

void json_begin(struct json *j);
void json_str(struct json *j, const char *key, const char *val);
void json_strn(struct json *j, const char *key, const char *val, size_t len);
void json_int(struct json *j, const char *key, long long val);
void json_bool(struct json *j, const char *key, bool val);
void json_null(struct json *j, const char *key);
/* json_obj, json_obj_end: a member whose value is an object (one level:
 * no object inside it), its members added in between */
void json_obj(struct json *j, const char *key);
void json_obj_end(struct json *j);
/* json_end: close the object and return the line (with '\n'); NULL when
 * memory ran out. The buffer stays owned by j until json_free. */
const char *json_end(struct json *j, size_t *len);
void json_free(struct json *j);

/* json_escape: append the JSON string literal of val (len bytes, with
 * quotes) to j, by json_quote's rules */
void json_escape(struct json *j, const char *val, size_t len);

/* json_print: end the object, write the line to f, free it; -1 on error */
int json_print(struct json *j, FILE *f);

#endif
