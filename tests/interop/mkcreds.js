// mkcreds.js DIR - an operator, an account and a user made with nkeys.js
// (the key library of nats.js) as nsc would make them, for testing
// --creds against nats-server in operator mode. Writes DIR/server.conf
// (operator JWT, memory resolver with the account preloaded), DIR/user.creds
// (the user JWT and seed, nsc's format, mode 0600) and DIR/user.pub.
"use strict";
const fs = require("fs");
const path = require("path");
const crypto = require("crypto");
const nk = require("nkeys.js");

const dir = process.argv[2];
const b64 = (b) => Buffer.from(b).toString("base64url");
const now = Math.floor(Date.now() / 1000);

function jwt(issuer, sub, name, nats) {
	const header = b64(JSON.stringify({ typ: "JWT", alg: "ed25519-nkey" }));
	const claims = { iat: now, iss: issuer.getPublicKey(), name, sub, nats };
	claims.jti = crypto.createHash("sha256")
		.update(JSON.stringify(claims)).digest("hex").toUpperCase();
	const body = b64(JSON.stringify(claims));
	const sig = issuer.sign(Buffer.from(header + "." + body));
	return header + "." + body + "." + b64(sig);
}

const op = nk.createOperator(), acc = nk.createAccount(), user = nk.createUser();
const opJwt = jwt(op, op.getPublicKey(), "op", { type: "operator", version: 2 });
const accJwt = jwt(op, acc.getPublicKey(), "acc", {
	limits: { subs: -1, data: -1, payload: -1, imports: -1, exports: -1,
		wildcards: true, conn: -1, leaf: -1 },
	default_permissions: { pub: {}, sub: {} },
	type: "account", version: 2,
});
const userJwt = jwt(acc, user.getPublicKey(), "user", {
	pub: {}, sub: {}, subs: -1, data: -1, payload: -1,
	type: "user", version: 2,
});
const seed = new TextDecoder().decode(user.getSeed());

fs.writeFileSync(path.join(dir, "server.conf"),
	`operator: ${opJwt}\nresolver: MEMORY\nresolver_preload: {\n` +
	`  ${acc.getPublicKey()}: ${accJwt}\n}\n`);
fs.writeFileSync(path.join(dir, "user.creds"),
	`-----BEGIN NATS USER JWT-----\n${userJwt}\n------END NATS USER JWT------\n\n` +
	"************************* IMPORTANT *************************\n" +
	"NKEY Seed printed below can be used to sign and prove identity.\n" +
	"NKEYs are sensitive and should be treated as secrets.\n\n" +
	`-----BEGIN USER NKEY SEED-----\n${seed}\n------END USER NKEY SEED------\n\n` +
	"*************************************************************\n",
	{ mode: 0o600 });
fs.writeFileSync(path.join(dir, "user.pub"), user.getPublicKey() + "\n");
