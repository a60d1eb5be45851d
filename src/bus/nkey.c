/* nkey.c - NATS nkeys (see nkey.h): RFC 4648 base32 and base64, the
 * CRC-16/XMODEM check, Ed25519 through OpenSSL's EVP_DigestSign and
 * EVP_DigestVerify (libcrypto: no signature code of our own).
 * See https://github.com/nats-io/nkeys (the format) and RFC 8032 */
#include <string.h>
#include "bus/nkey.h"
#include "ossl.h"

uint16_t
nkey_crc16(const unsigned char *p, size_t len)
{
	uint16_t crc = 0;
	size_t i;
	int b;

	for (i = 0; i < len; i++) {
		crc ^= (uint16_t)(p[i] << 8);
		for (b = 0; b < 8; b++)
			crc = (crc & 0x8000) ? (uint16_t)(crc << 1 ^ 0x1021) :
			    (uint16_t)(crc << 1);
	}
	return crc;
}

static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/* unpack: the bytes of len letters of width bits each (value gives a
 * letter's bits, or -1) into out (size bytes); what is left over must be
 * the zero bits of the last letter. The number of bytes, or -1 */
static long
unpack(const char *s, size_t len, int width, int (*value)(char),
    unsigned char *out, size_t size)
{
	unsigned long acc = 0;
	size_t i, n = 0;
	int bits = 0, v;

	for (i = 0; i < len; i++) {
		if ((v = value(s[i])) == -1)
			return -1;
		acc = (acc << width | (unsigned long)v) & 0xffff;
		bits += width;
		if (bits >= 8) {
			bits -= 8;
			if (n == size)
				return -1;
			out[n++] = (unsigned char)(acc >> bits);
		}
	}
	if (bits >= width || (acc & ((1UL << bits) - 1)) != 0)
		return -1;
	return (long)n;
}

/* b32_value: the 5 bits of letter c, or -1 */
static int
b32_value(char c)
{
	const char *p;

	if (c == '\0' || (p = strchr(b32, c)) == NULL)
		return -1;
	return (int)(p - b32);
}

long
nkey_b32_decode(const char *s, size_t len, unsigned char *out, size_t size)
{
	return unpack(s, len, 5, b32_value, out, size);
}

size_t
nkey_b32_encode(const unsigned char *p, size_t len, char *buf)
{
	unsigned long acc = 0;
	size_t i, n = 0;
	int bits = 0;

	for (i = 0; i < len; i++) {
		acc = (acc << 8 | p[i]) & 0xffff;
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			buf[n++] = b32[acc >> bits & 31];
		}
	}
	if (bits > 0)
		buf[n++] = b32[acc << (5 - bits) & 31];
	buf[n] = '\0';
	return n;
}

/* decode_checked: base32 s into raw (want bytes exactly, the last two
 * the little-endian CRC16 of the rest); 0 or -1 with *why */
static int
decode_checked(const char *s, unsigned char *raw, size_t want,
    const char **why)
{
	unsigned char tmp[64];	/* room to see that s is too long */
	long n = nkey_b32_decode(s, strlen(s), tmp, sizeof(tmp));
	uint16_t crc;

	if (n == -1 && strlen(s) * 5 / 8 < sizeof(tmp)) {
		*why = "not base32";
		return -1;
	}
	if (n == -1 || (size_t)n != want) {
		*why = "wrong length";
		return -1;
	}
	memcpy(raw, tmp, want);
	explicit_bzero(tmp, sizeof(tmp));
	crc = (uint16_t)(raw[want - 2] | raw[want - 1] << 8);
	if (crc != nkey_crc16(raw, want - 2)) {
		*why = "bad checksum";
		return -1;
	}
	return 0;
}

int
nkey_decode_public(const char *s, int prefix, unsigned char key[NKEY_KEY_LEN],
    const char **why)
{
	unsigned char raw[1 + NKEY_KEY_LEN + 2];

	if (decode_checked(s, raw, sizeof(raw), why) == -1)
		return -1;
	if (raw[0] != prefix) {
		*why = "wrong key type";
		return -1;
	}
	memcpy(key, raw + 1, NKEY_KEY_LEN);
	return 0;
}

void
nkey_encode_public(const unsigned char key[NKEY_KEY_LEN], int prefix,
    char buf[NKEY_PUB_STR])
{
	unsigned char raw[1 + NKEY_KEY_LEN + 2];
	uint16_t crc;

	raw[0] = (unsigned char)prefix;
	memcpy(raw + 1, key, NKEY_KEY_LEN);
	crc = nkey_crc16(raw, 1 + NKEY_KEY_LEN);
	raw[1 + NKEY_KEY_LEN] = (unsigned char)(crc & 0xff);
	raw[2 + NKEY_KEY_LEN] = (unsigned char)(crc >> 8);
	nkey_b32_encode(raw, sizeof(raw), buf);
}

int
nkey_decode_seed(const char *s, unsigned char seed[NKEY_KEY_LEN],
    int *prefix, const char **why)
{
	unsigned char raw[2 + NKEY_KEY_LEN + 2];

	if (decode_checked(s, raw, sizeof(raw), why) == -1)
		return -1;
	if ((raw[0] & 0xf8) != NKEY_PREFIX_SEED) {
		*why = "not a seed";
		return -1;
	}
	/* the type prefix straddles the first two bytes */
	*prefix = (raw[0] & 7) << 5 | (raw[1] & 0xf8) >> 3;
	memcpy(seed, raw + 2, NKEY_KEY_LEN);
	explicit_bzero(raw, sizeof(raw));
	return 0;
}

bool
nkey_available(char *err, size_t errlen)
{
	return ossl_load(err, errlen);
}

int
nkey_public_of_seed(const unsigned char seed[NKEY_KEY_LEN],
    unsigned char key[NKEY_KEY_LEN])
{
	EVP_PKEY *k;
	size_t len = NKEY_KEY_LEN;
	int rc;

	if (!ossl_load(NULL, 0))
		return -1;
	k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed,
	    NKEY_KEY_LEN);
	if (k == NULL)
		return -1;
	rc = EVP_PKEY_get_raw_public_key(k, key, &len) == 1 &&
	    len == NKEY_KEY_LEN ? 0 : -1;
	EVP_PKEY_free(k);
	return rc;
}

int
nkey_sign(const unsigned char seed[NKEY_KEY_LEN], const void *msg,
    size_t len, unsigned char sig[NKEY_SIG_LEN])
{
	EVP_PKEY *k;
	EVP_MD_CTX *ctx;
	size_t slen = NKEY_SIG_LEN;
	int rc = -1;

	if (!ossl_load(NULL, 0))
		return -1;
	k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed,
	    NKEY_KEY_LEN);
	ctx = EVP_MD_CTX_new();
	if (k != NULL && ctx != NULL &&
	    EVP_DigestSignInit(ctx, NULL, NULL, NULL, k) == 1 &&
	    EVP_DigestSign(ctx, sig, &slen, msg, len) == 1 &&
	    slen == NKEY_SIG_LEN)
		rc = 0;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	return rc;
}

int
nkey_verify(const unsigned char key[NKEY_KEY_LEN], const void *msg,
    size_t len, const unsigned char sig[NKEY_SIG_LEN])
{
	EVP_PKEY *k;
	EVP_MD_CTX *ctx;
	int rc = -1;

	if (!ossl_load(NULL, 0))
		return -1;
	k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, key,
	    NKEY_KEY_LEN);
	ctx = EVP_MD_CTX_new();
	if (k != NULL && ctx != NULL &&
	    EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k) == 1 &&
	    EVP_DigestVerify(ctx, sig, NKEY_SIG_LEN, msg, len) == 1)
		rc = 0;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	return rc;
}

/* b64_value: the 6 bits of letter c in either alphabet, or -1 */
static int
b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

long
nkey_b64_decode(const char *s, size_t len, unsigned char *out, size_t size)
{
	while (len > 0 && s[len - 1] == '=')
		len--;
	return unpack(s, len, 6, b64_value, out, size);
}

size_t
nkey_b64url_encode(const unsigned char *p, size_t len, char *buf)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned long acc = 0;
	size_t i, n = 0;
	int bits = 0;

	for (i = 0; i < len; i++) {
		acc = (acc << 8 | p[i]) & 0xffff;
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			buf[n++] = abc[acc >> bits & 63];
		}
	}
	if (bits > 0)
		buf[n++] = abc[acc << (6 - bits) & 63];
	buf[n] = '\0';
	return n;
}
