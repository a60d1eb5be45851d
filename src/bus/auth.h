/* auth.h - who may use the broker: the credentials a client's CONNECT
 * must carry, as nats-server checks them: a token ("auth_token"), a user
 * and password ("user", "pass"), or an nkey user ("nkey" and "sig", the
 * Ed25519 signature of the nonce sent in INFO). Loaded from files, and
 * loaded again on request (SIGHUP) without dropping the old set when the
 * new one is bad. Reports, never prints or exits. */
#ifndef IPCTOOL_BUS_AUTH_H
#define IPCTOOL_BUS_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "bus/proto.h"

#define AUTH_NONCE_MAX	32	/* a nonce, NUL included */
#define AUTH_WHY_MAX	160	/* a refusal's or a load error's reason */

struct auth;

/* auth_new: an empty set (nobody gets in); NULL with errno ENOMEM */
struct auth *auth_new(void);

/* auth_free: release a (NULL is fine), wiping every secret */
void auth_free(struct auth *a);

/*
 * The sources, remembered by path and read by auth_load:
 * - auth_set_token_file: a token, the first line of the file (the
 *   format of broker_token_load);
 * - auth_add_user: user name whose password is the first line of
 *   pass_file (repeatable);
 * - auth_set_users_file: several users, a line "NAME:PASSWORD" each (the
 *   format of chpasswd(8));
 * - auth_set_nkey_file: nkey users, a public key ("U...") first on each
 *   line.
 * Blank lines and lines starting with '#' are skipped in the last two.
 * Files holding secrets must be regular files of ours (or root's) that
 * group and others cannot read; the nkey file must not be writable by
 * them. Each returns 0, or -1 with errno ENOMEM.
 */
int auth_set_token_file(struct auth *a, const char *path);
int auth_add_user(struct auth *a, const char *name, const char *pass_file);
int auth_set_users_file(struct auth *a, const char *path);
int auth_set_nkey_file(struct auth *a, const char *path);

/* auth_load: read every source again; 0, or -1 with why (one line naming
 * the file and what is wrong with it) and the set in force unchanged */
int auth_load(struct auth *a, char *why, size_t len);

/* auth_needs_nonce: true when nkey users are configured (INFO must then
 * carry a nonce for each client) */
bool auth_needs_nonce(const struct auth *a);

/* auth_count: how many credentials are in force (the token counts one) */
size_t auth_count(const struct auth *a);

/* auth_nonce: a fresh random nonce (base64url of 16 random bytes) into
 * buf (AUTH_NONCE_MAX bytes); 0 or -1 with errno */
int auth_nonce(char *buf, size_t len);

/* auth_check: 0 when the credentials of co match one in force (an nkey
 * must sign nonce; user names are compared, passwords and tokens in
 * constant time); -1 with why ("unknown user 'mallory'", "bad signature
 * for nkey U...") otherwise */
int auth_check(const struct auth *a, const struct proto_connect *co,
    const char *nonce, char *why, size_t len);

#endif
