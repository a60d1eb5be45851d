/* test_nkey.c - nkeys: base32/base64 codecs, the CRC16, seeds and public
 * keys and signatures made by nats.js (nkeys.js 1.1, the key library of
 * the nats@2.29 npm package), RFC 8032's first Ed25519 vector */
#include <string.h>

#include "check.h"
#include "bus/nkey.h"

/* Made with nkeys.js: createUser(), getSeed(), getPublicKey(),
 * sign("bk9uY2UtdGVzdA") as base64url */
#define JS_SEED "SUAMOZUBLCD75QPMK4AEDBK2R4SVH2SCQJQP6HJSYD5CV7UIYIKIJG4IMI"
#define JS_PUB "UCI76YIWGS2TU7Y3MBYEZRYZ2JALKNQZ37QV3KAYM3VYLIPUJVORTMHB"
#define JS_RAW_SEED \
	"c766815887fec1ec570041855a8f2553ea428260ff1d32c0fa2afe88c214849b"
#define JS_NONCE "bk9uY2UtdGVzdA"
#define JS_SIG "8f7KMO03-NbTDu1awJh4_Dacu9sF5WCOuZTcUVDffecH-Z6QYWqQKUt8yhe" \
	"GFi-z-RMldhtU8r8U7KbLzhIoBw"

/* unhex: the bytes of hex string s into out */
static void
unhex(const char *s, unsigned char *out)
{
	size_t i;
	unsigned v;

	for (i = 0; s[2 * i] != '\0'; i++) {
		sscanf(s + 2 * i, "%2x", &v);
		out[i] = (unsigned char)v;
	}
}

static void
test_codecs(void)
{
	unsigned char out[64];
	char buf[128];

	CHECK_INT(nkey_crc16((const unsigned char *)"123456789", 9), 0x31c3);
	CHECK_INT(nkey_crc16(NULL, 0), 0);
	/* RFC 4648 section 10, without the padding */
	CHECK_INT(nkey_b32_encode((const unsigned char *)"foobar", 6, buf), 10);
	CHECK_STR(buf, "MZXW6YTBOI");
	nkey_b32_encode((const unsigned char *)"f", 1, buf);
	CHECK_STR(buf, "MY");
	CHECK_INT(nkey_b32_decode("MZXW6YTBOI", 10, out, sizeof(out)), 6);
	CHECK(memcmp(out, "foobar", 6) == 0);
	CHECK_INT(nkey_b32_decode("MY", 2, out, sizeof(out)), 1);
	CHECK_INT(out[0], 'f');
	CHECK_INT(nkey_b32_decode("MZ", 2, out, sizeof(out)), -1); /* bits */
	CHECK_INT(nkey_b32_decode("M", 1, out, sizeof(out)), -1);
	CHECK_INT(nkey_b32_decode("mzxw", 4, out, sizeof(out)), -1);
	CHECK_INT(nkey_b32_decode("MZ1W", 4, out, sizeof(out)), -1);
	CHECK_INT(nkey_b32_decode("MZXW6YTBOI", 10, out, 5), -1);
	/* RFC 4648 section 10, both alphabets, padded or not */
	CHECK_INT(nkey_b64url_encode((const unsigned char *)"foob", 4, buf), 6);
	CHECK_STR(buf, "Zm9vYg");
	CHECK_INT(nkey_b64_decode("Zm9vYg==", 8, out, sizeof(out)), 4);
	CHECK(memcmp(out, "foob", 4) == 0);
	CHECK_INT(nkey_b64_decode("Zm9vYmFy", 8, out, sizeof(out)), 6);
	CHECK_INT(nkey_b64_decode("-_-_", 4, out, sizeof(out)), 3);
	CHECK_INT(out[0], 0xfb);
	CHECK_INT(nkey_b64_decode("+/+/", 4, out, sizeof(out)), 3);
	CHECK_INT(out[0], 0xfb);
	CHECK_INT(nkey_b64_decode("Zm9v!", 5, out, sizeof(out)), -1);
	CHECK_INT(nkey_b64_decode("Z", 1, out, sizeof(out)), -1);
	CHECK_INT(nkey_b64_decode("Zm9vYh", 6, out, sizeof(out)), -1); /* bits */
}

static void
test_keys(void)
{
	unsigned char seed[NKEY_KEY_LEN], want[NKEY_KEY_LEN];
	unsigned char key[NKEY_KEY_LEN], key2[NKEY_KEY_LEN];
	unsigned char sig[NKEY_SIG_LEN], mine[NKEY_SIG_LEN];
	char pub[NKEY_PUB_STR], bad[80];
	const char *why = NULL;
	int prefix = 0;

	CHECK_INT(nkey_decode_seed(JS_SEED, seed, &prefix, &why), 0);
	CHECK_INT(prefix, NKEY_PREFIX_USER);
	unhex(JS_RAW_SEED, want);
	CHECK(memcmp(seed, want, sizeof(seed)) == 0);
	CHECK_INT(nkey_decode_public(JS_PUB, NKEY_PREFIX_USER, key, &why), 0);
	CHECK_INT(nkey_public_of_seed(seed, key2), 0);
	CHECK(memcmp(key, key2, sizeof(key)) == 0);
	nkey_encode_public(key, NKEY_PREFIX_USER, pub);
	CHECK_STR(pub, JS_PUB);

	/* the signature nats.js made, and ours (Ed25519 is deterministic) */
	CHECK_INT(nkey_b64_decode(JS_SIG, strlen(JS_SIG), sig, sizeof(sig)),
	    NKEY_SIG_LEN);
	CHECK_INT(nkey_verify(key, JS_NONCE, strlen(JS_NONCE), sig), 0);
	CHECK_INT(nkey_sign(seed, JS_NONCE, strlen(JS_NONCE), mine), 0);
	CHECK(memcmp(mine, sig, sizeof(sig)) == 0);
	CHECK_INT(nkey_verify(key, "other", 5, sig), -1);
	sig[10] ^= 1;
	CHECK_INT(nkey_verify(key, JS_NONCE, strlen(JS_NONCE), sig), -1);

	/* one letter changed: the checksum catches it */
	strcpy(bad, JS_PUB);
	bad[20] = bad[20] == 'A' ? 'B' : 'A';
	CHECK_INT(nkey_decode_public(bad, NKEY_PREFIX_USER, key, &why), -1);
	CHECK_STR(why, "bad checksum");
	CHECK_INT(nkey_decode_public(JS_PUB, NKEY_PREFIX_ACCOUNT, key, &why),
	    -1);
	CHECK_STR(why, "wrong key type");
	CHECK_INT(nkey_decode_public(JS_SEED, NKEY_PREFIX_USER, key, &why), -1);
	CHECK_STR(why, "wrong length");
	CHECK_INT(nkey_decode_public("UCI76YIW", NKEY_PREFIX_USER, key, &why),
	    -1);
	CHECK_STR(why, "wrong length");
	CHECK_INT(nkey_decode_public("uci76yiw", NKEY_PREFIX_USER, key, &why),
	    -1);
	CHECK_STR(why, "not base32");
	CHECK_INT(nkey_decode_seed(JS_PUB, seed, &prefix, &why), -1);
	strcpy(bad, JS_SEED);
	bad[30] = bad[30] == 'A' ? 'B' : 'A';
	CHECK_INT(nkey_decode_seed(bad, seed, &prefix, &why), -1);
	CHECK_STR(why, "bad checksum");
}

/* RFC 8032 section 7.1, TEST 1 (the empty message) */
static void
test_rfc8032(void)
{
	unsigned char seed[32], key[32], want[32], sig[64], wsig[64];

	unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
	    seed);
	unhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
	    want);
	unhex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
	    "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
	    wsig);
	CHECK_INT(nkey_public_of_seed(seed, key), 0);
	CHECK(memcmp(key, want, 32) == 0);
	CHECK_INT(nkey_sign(seed, "", 0, sig), 0);
	CHECK(memcmp(sig, wsig, 64) == 0);
	CHECK_INT(nkey_verify(key, "", 0, wsig), 0);
}

int
main(void)
{
	test_codecs();
	test_keys();
	test_rfc8032();
	return check_done();
}
