/* ossl.c - OpenSSL loaded on first use (see ossl.h) */
#include <dlfcn.h>
#include <stdio.h>

#include "ossl.h"

#define OSSL_DEFINE(f) __typeof__(f) *ossl_##f;
OSSL_FUNCS(OSSL_DEFINE)
#undef OSSL_DEFINE

/* the soname of the OpenSSL the binary was compiled against: its ABI is
 * the one the pointers' types describe */
#define OSSL_STR(x) #x
#define OSSL_SONAME(v) "libssl.so." OSSL_STR(v)
#define LIBSSL OSSL_SONAME(OPENSSL_VERSION_MAJOR)

static const struct {
	const char *name;
	void **slot;
} funcs[] = {
#define OSSL_ENTRY(f) { #f, (void **)&ossl_##f },
	OSSL_FUNCS(OSSL_ENTRY)
#undef OSSL_ENTRY
};

bool
ossl_load(char *err, size_t errlen)
{
	static int state;		/* 0 not tried, 1 loaded, -1 failed */
	static char why[256];
	void *h;
	size_t i;

	if (state == 0) {
		/* RTLD_LOCAL: OpenSSL's names stay out of the global scope,
		 * RTLD_NOW: a missing function fails here, not at a call;
		 * never closed: OpenSSL's exit handlers live in it */
		h = dlopen(LIBSSL, RTLD_NOW | RTLD_LOCAL);
		state = h != NULL ? 1 : -1;
		if (h == NULL)
			snprintf(why, sizeof(why), "cannot load %s: %s",
			    LIBSSL, dlerror());
		for (i = 0; state == 1 && i < sizeof(funcs) / sizeof(funcs[0]);
		    i++) {
			*funcs[i].slot = dlsym(h, funcs[i].name);
			if (*funcs[i].slot == NULL) {
				snprintf(why, sizeof(why), "%s has no %s",
				    LIBSSL, funcs[i].name);
				state = -1;
			}
		}
	}
	if (state == -1 && errlen > 0)
		snprintf(err, errlen, "%s", why);
	return state == 1;
}
