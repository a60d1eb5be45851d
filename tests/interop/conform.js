// conform.js - the nats.js side of the conformance suite
// (tests/interop/conformance.sh): the cases of conform.c, one line
// "CASE: outcome" each, compared between nats-server and the daemon.
// Never fails on an outcome: only the comparison decides.
// Usage: node conform.js URL basic
//        node conform.js URL auth [token T | user U P | nkey PUB SEEDFILE |
//                                  creds FILE | none]
//        node conform.js URL ldm READYFILE  (connect, write READYFILE,
//                                  report whether lame duck mode was seen)
"use strict";
const fs = require("fs");
const nats = require("nats");

const [url, mode, kind, a1, a2] = process.argv.slice(2);
const sc = nats.StringCodec();
const server = url.replace(/^nats:\/\//, "");

function why(e) {
	return e && e.code ? `${e.code}` : `${e}`;
}

async function dial(opts) {
	return nats.connect(Object.assign({
		servers: server, name: "conform", reconnect: false,
		timeout: 3000, maxReconnectAttempts: 0,
	}, opts));
}

// collect: a subscription whose messages land in an array
function collect(nc, subj, opts, f) {
	const got = [];
	nc.subscribe(subj, Object.assign({ callback: (err, m) => {
		if (!err) got.push(f(m));
	} }, opts));
	return got;
}

async function basic() {
	let nc;
	try {
		nc = await dial({});
	} catch (e) {
		console.log(`connect: ${why(e)}`);
		return;
	}
	let got = collect(nc, "c.a", {}, (m) => sc.decode(m.data));
	await nc.flush();
	for (const [s, d] of [["c.a", "1"], ["c.b", "x"], ["c.a", "2"], ["c.a", "3"]])
		nc.publish(s, sc.encode(d));
	await nc.flush();
	console.log(`pubsub: ${got.join(" ")}`);

	const star = collect(nc, "w.*", {}, (m) => m.subject);
	const gt = collect(nc, "w.>", {}, (m) => m.subject);
	await nc.flush();
	for (const s of ["w.a", "w.a.b", "x.a", "w"])
		nc.publish(s);
	await nc.flush();
	console.log(`wildcards: w.*: ${star.join(" ")} w.>: ${gt.join(" ")}`);

	const q1 = collect(nc, "q", { queue: "g" }, () => 1);
	const q2 = collect(nc, "q", { queue: "g" }, () => 1);
	const plain = collect(nc, "q", {}, () => 1);
	await nc.flush();
	for (let i = 0; i < 60; i++)
		nc.publish("q", sc.encode("m"));
	await nc.flush();
	console.log(`queue: group=${q1.length + q2.length} ` +
		`both=${q1.length > 0 && q2.length > 0 ? "yes" : "no"} plain=${plain.length}`);

	nc.subscribe("svc", { callback: (err, m) => {
		if (!err) m.respond(sc.encode("re:" + sc.decode(m.data)));
	} });
	await nc.flush();
	try {
		const r = await nc.request("svc", sc.encode("x"), { timeout: 2000 });
		console.log(`request: ${sc.decode(r.data)}`);
	} catch (e) {
		console.log(`request: error ${why(e)}`);
	}
	try {
		await nc.request("nobody", sc.encode("x"), { timeout: 2000 });
		console.log("noresponders: answered");
	} catch (e) {
		console.log(`noresponders: ${why(e)}`);
	}

	got = collect(nc, "h", {}, (m) =>
		`X-Key=${m.headers ? m.headers.get("X-Key") : "(none)"} data=${sc.decode(m.data)}`);
	await nc.flush();
	const h = nats.headers();
	h.set("X-Key", "v1");
	nc.publish("h", sc.encode("d"), { headers: h });
	await nc.flush();
	console.log(`headers: ${got.join(" ") || "nothing"}`);

	const max = nc.info.max_payload;
	console.log(`maxpayload: ${max}`);
	try {
		nc.publish("big", new Uint8Array(max + 1));
		console.log(`maxpayload one byte more: OK`);
	} catch (e) {
		console.log(`maxpayload one byte more: ${why(e)}`);
	}
	try {
		nc.publish("big", new Uint8Array(max));
		await nc.flush();
		console.log("maxpayload exactly: OK");
	} catch (e) {
		console.log(`maxpayload exactly: ${why(e)}`);
	}
	await nc.close();
	await subjects(false);
	await subjects(true);
}

// subjects: publish what nats-server takes without pedantic (and refuses
// with it): does the connection survive, does a '>' subscriber see them
async function subjects(pedantic) {
	const tag = pedantic ? "subjects pedantic" : "subjects";
	let nc;
	try {
		nc = await dial({ pedantic });
	} catch (e) {
		console.log(`${tag} connect: ${why(e)}`);
		return;
	}
	let closedWhy = null, errs = [];
	nc.closed().then((e) => { closedWhy = e ? why(e) : "closed"; });
	(async () => {
		for await (const st of nc.status())
			if (st.type === "error")
				errs.push(why(st.data));
	})().catch(() => {});
	const got = collect(nc, "s.>", {}, (m) => m.subject);
	await nc.flush();
	for (const s of ["s.*", "s.>", "s..b", "s.b."]) {
		let res = "OK";
		try {
			nc.publish(s);
			await nc.flush();
		} catch (e) {
			res = why(e);
		}
		await new Promise((r) => setImmediate(r));
		console.log(`${tag} ${s}: ${res}${errs.length ? `, error '${errs.join(",")}'` : ""}`);
		errs = [];
		if (nc.isClosed()) {
			await nc.closed();
			console.log(`${tag} closed: ${closedWhy}`);
			return;
		}
	}
	console.log(`${tag} got: ${got.join(" ")}`);
	await nc.close();
}

async function auth() {
	const opts = {};
	if (kind === "token")
		opts.token = a1;
	else if (kind === "user")
		Object.assign(opts, { user: a1, pass: a2 });
	else if (kind === "nkey")
		opts.authenticator = nats.nkeyAuthenticator(
			new TextEncoder().encode(fs.readFileSync(a2, "utf8").trim()));
	else if (kind === "creds")
		opts.authenticator = nats.credsAuthenticator(fs.readFileSync(a1));
	try {
		const nc = await dial(opts);
		await nc.flush();
		console.log(`auth ${kind || "none"}: OK`);
		await nc.close();
	} catch (e) {
		console.log(`auth ${kind || "none"}: error ${why(e)}`);
	}
}

async function ldm() {
	let nc;
	try {
		nc = await dial({});
	} catch (e) {
		console.log(`ldm connect: ${why(e)}`);
		return;
	}
	const seen = (async () => {
		for await (const st of nc.status())
			if (st.type === nats.Events.LDM)
				return "seen";
		return "not seen";
	})();
	await nc.flush();
	fs.writeFileSync(kind, "");
	const t = new Promise((r) => setTimeout(() => r("not seen in 8 s"), 8000));
	console.log(`ldm: ${await Promise.race([seen, t])}`);
	await nc.close().catch(() => {});
}

(mode === "auth" ? auth() : mode === "ldm" ? ldm() : basic()).catch((e) => {
	console.log(`unexpected: ${why(e)}`);
}).finally(() => process.exit(0));
