/* nkey.h - NATS nkeys: Ed25519 keys spelled in base32 with a type prefix
 * and a CRC16 (public keys "U...", seeds "SU..."), the base64 of
 * signatures, and signing/verifying with OpenSSL's libcrypto. Reports,
 * never prints or exits.
 * See https://docs.nats.io/running-a-nats-service/configuration/securing_nats/auth_intro/nkey_auth */
#ifndef IPCTOOL_BUS_NKEY_H
#define IPCTOOL_BUS_NKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NKEY_KEY_LEN	32	/* an Ed25519 public key or seed */
#define NKEY_SIG_LEN	64	/* an Ed25519 signature */
#define NKEY_PUB_STR	57	/* the base32 of 1 + 32 + 2 bytes, NUL included */
#define NKEY_SIG_STR	89	/* the base64 of a signature, NUL included */

/* The type prefixes (the first base32 letter of a public key) */
#define NKEY_PREFIX_SEED	(18 << 3)	/* 'S' */
#define NKEY_PREFIX_OPERATOR	(14 << 3)	/* 'O' */
#define NKEY_PREFIX_ACCOUNT	(0 << 3)	/* 'A' */
#define NKEY_PREFIX_USER	(20 << 3)	/* 'U' */

/* nkey_crc16: CRC-16/XMODEM (polynomial 0x1021, initial 0) of len bytes,
 * the checksum nkeys carry little-endian after the key */
uint16_t nkey_crc16(const unsigned char *p, size_t len);

/* nkey_b32_decode: RFC 4648 base32 (upper case, no padding) of s into out
 * (at most size bytes); returns the length, or -1 for a letter outside
 * the alphabet, a leftover that is not zero bits, or no room */
long nkey_b32_decode(const char *s, size_t len, unsigned char *out,
    size_t size);

/* nkey_b32_encode: the base32 of len bytes into buf; returns the length
 * (buf must hold (len * 8 + 4) / 5 + 1 bytes) */
size_t nkey_b32_encode(const unsigned char *p, size_t len, char *buf);

/* nkey_decode_public: the public key of type prefix (NKEY_PREFIX_USER...)
 * spelled in s into key; 0, or -1 with *why (bad letters, wrong length,
 * wrong type, bad checksum) */
int nkey_decode_public(const char *s, int prefix,
    unsigned char key[NKEY_KEY_LEN], const char **why);

/* nkey_encode_public: the spelling of public key of type prefix into buf
 * (NKEY_PUB_STR bytes) */
void nkey_encode_public(const unsigned char key[NKEY_KEY_LEN], int prefix,
    char buf[NKEY_PUB_STR]);

/* nkey_decode_seed: the seed spelled in s ("S" and the type letter) into
 * seed and its type prefix into *prefix; 0, or -1 with *why */
int nkey_decode_seed(const char *s, unsigned char seed[NKEY_KEY_LEN],
    int *prefix, const char **why);

/* nkey_available: true when the signatures can be made (libcrypto
 * loaded); false with the reason in err. The three below fail without. */
bool nkey_available(char *err, size_t errlen);

/* nkey_public_of_seed: the public key of seed; 0, or -1 (libcrypto) */
int nkey_public_of_seed(const unsigned char seed[NKEY_KEY_LEN],
    unsigned char key[NKEY_KEY_LEN]);

/* nkey_sign: the Ed25519 signature of len bytes with seed; 0 or -1 */
int nkey_sign(const unsigned char seed[NKEY_KEY_LEN], const void *msg,
    size_t len, unsigned char sig[NKEY_SIG_LEN]);

/* nkey_verify: 0 when sig is key's Ed25519 signature of len bytes; -1
 * otherwise */
int nkey_verify(const unsigned char key[NKEY_KEY_LEN], const void *msg,
    size_t len, const unsigned char sig[NKEY_SIG_LEN]);

/* nkey_b64_decode: base64 in either alphabet (+/ or -_), padded or not,
 * into out (size bytes); returns the length, or -1 for a letter outside
 * them, a leftover that is not zero bits, or no room */
long nkey_b64_decode(const char *s, size_t len, unsigned char *out,
    size_t size);

/* nkey_b64url_encode: unpadded base64url (as NATS clients send
 * signatures) of len bytes into buf ((len * 4 + 2) / 3 + 1 bytes);
 * returns the length */
size_t nkey_b64url_encode(const unsigned char *p, size_t len, char *buf);

#endif
