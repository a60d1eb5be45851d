/* json.h - JSON string literals and cuts on a UTF-8 character boundary */
#ifndef IPCTOOL_JSON_H
#define IPCTOOL_JSON_H

#include <stddef.h>

/*
 * JSON strings, the one set of rules for every JSON text ipctool writes
 * (--json lines, the NATS CONNECT and INFO objects, the broker's
 * statistics):
 * - well-formed UTF-8 passes unchanged (DEL included);
 * - '"' and '\' are escaped, \b \f \n \r \t have their short forms,
 *   the other bytes below 0x20 are \u00XX (lower-case hex);
 * - every byte that is not part of well-formed UTF-8 (a stray
 *   continuation, an overlong form, a surrogate, beyond U+10FFFF, a cut
 *   sequence) becomes \ufffd, one per byte.
 * So the text is always valid UTF-8 and valid JSON (RFC 8259).
 */

/* json_quote: the JSON string literal of val (len bytes), quotes
 * included, into buf as snprintf does: at most size - 1 bytes and a NUL
 * (nothing when size is 0); returns the literal's full length */
size_t json_quote(char *buf, size_t size, const char *val, size_t len);

/* utf8_cut: where to cut s (len bytes) to keep at most max bytes without
 * splitting a UTF-8 character: len when len <= max, else max less the
 * bytes of a character begun but not finished before max. It reads only
 * s[0..max), so s may be a copy already cut at max. */
size_t utf8_cut(const char *s, size_t len, size_t max);

/* utf8_strlcpy: strlcpy(3) that cuts src on a character boundary (see
 * utf8_cut); returns strlen(src) */
size_t utf8_strlcpy(char *dst, const char *src, size_t size);

#endif
