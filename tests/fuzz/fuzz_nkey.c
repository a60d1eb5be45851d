/* tests/fuzz/fuzz_nkey.c - the nkey codecs a client's CONNECT reaches
 * (nkey_b32_decode, nkey_b64_decode, nkey_decode_public, nkey_decode_seed):
 * whatever the input, no crash and no write past the buffers; base32 and
 * base64url that decode encode back to the same text; a public key that
 * decodes spells back the same. */
#include "fuzz.h"
#include "bus/nkey.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size), *again;
	size_t len = strlen(s);
	unsigned char out[64], key[NKEY_KEY_LEN], seed[NKEY_KEY_LEN];
	char pub[NKEY_PUB_STR];
	const char *why;
	long n;
	int prefix;

	/* a buffer of exactly the size asked: ASan sees a write past it */
	n = nkey_b32_decode(s, len, out, sizeof(out));
	FUZZ_CHECK(n >= -1 && n <= (long)sizeof(out));
	if (n >= 0) {
		again = malloc((size_t)n * 8 / 5 + 2);
		FUZZ_CHECK(again != NULL);
		FUZZ_CHECK(nkey_b32_encode(out, (size_t)n, again) == len);
		FUZZ_CHECK(strcmp(again, s) == 0);
		free(again);
	}
	n = nkey_b64_decode(s, len, out, sizeof(out));
	FUZZ_CHECK(n >= -1 && n <= (long)sizeof(out));
	if (n >= 0 && memchr(s, '=', len) == NULL &&
	    strpbrk(s, "+/") == NULL) {
		again = malloc((size_t)n * 4 / 3 + 3);
		FUZZ_CHECK(again != NULL);
		FUZZ_CHECK(nkey_b64url_encode(out, (size_t)n, again) == len);
		FUZZ_CHECK(strcmp(again, s) == 0);
		free(again);
	}
	if (nkey_decode_public(s, NKEY_PREFIX_USER, key, &why) == 0) {
		nkey_encode_public(key, NKEY_PREFIX_USER, pub);
		FUZZ_CHECK(strcmp(pub, s) == 0);
	} else
		FUZZ_CHECK(why != NULL);
	if (nkey_decode_seed(s, seed, &prefix, &why) == 0)
		FUZZ_CHECK(prefix >= 0 && prefix < 256);
	free(s);
	return 0;
}
