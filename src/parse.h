/* parse.h - durations, sizes and signal names, on libbsd's strtonum(3) */
#ifndef IPCTOOL_PARSE_H
#define IPCTOOL_PARSE_H

#include <stddef.h>
#include <stdint.h>

/* U64_DEC: the digits of UINT64_MAX in decimal */
#define U64_DEC 20

/* u64_dec: v in decimal into buf, without a NUL; returns how many digits.
 * No locale, no allocation: safe in a signal handler */
size_t u64_dec(uint64_t v, char buf[U64_DEC]);

/* parse_duration: "250ms", "2s", "1.5s", "1m", "1h", a bare number of
 * seconds, or "inf"/"none" (-1, no limit) into milliseconds; -1 and a
 * static *errstr on error */
int parse_duration(const char *s, int64_t *ms, const char **errstr);

/* duration_format: ms as parse_duration reads it back ("2s", "250ms",
 * "inf" for -1), into buf; returns buf */
char *duration_format(int64_t ms, char *buf, size_t len);

/* parse_size: "4096", "64K", "1M", "2G", "1T" (powers of 1024; "KiB",
 * "KB" and "k" accepted) into bytes; -1 and a static *errstr on error */
int parse_size(const char *s, uint64_t *bytes, const char **errstr);

/* parse_perm: octal file permissions such as "0600", "644" or "0" (at
 * most 0777, no sign, no other bits) into *perm; -1 and a static *errstr
 * ("empty", "not octal", "above 0777") on error */
int parse_perm(const char *s, unsigned *perm, const char **errstr);

/* parse_signal: "USR1", "SIGUSR1", "usr1", "10", "RTMIN", "RTMIN+3",
 * "RTMAX-2", "0" into a signal number; -1 and a static *errstr on error */
int parse_signal(const char *s, int *signo, const char **errstr);

/* signal_name: the name of signo without "SIG" ("USR1", "RTMIN+3",
 * "RTMAX"), written to buf; returns buf, or NULL for an unknown number */
const char *signal_name(int signo, char *buf, size_t len);

/* What the system does with a signal by default */
struct signal_info {
	const char *name;	/* without "SIG" */
	int number;
	const char *action;	/* "term", "core", "ign", "stop", "cont" */
	const char *desc;
};

/* signal_info: the description of signo (real-time signals get a
 * generated entry in *tmp); NULL for an unknown number */
const struct signal_info *signal_info(int signo, struct signal_info *tmp,
    char *namebuf, size_t namelen);

#endif
