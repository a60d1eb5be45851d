#!/usr/bin/env bash
# conformance.sh - the conformance suite: the same cases against a real
# nats-server and against ipctool bus daemon, each started on loopback
# with a kernel-chosen port and set up alike (open, token, users and nkey
# users, creds; lame duck mode), with four clients: libnats (conform.c),
# nats.js (conform.js, from npm), nats.go (conform.go, built offline from
# Debian's sources) and raw protocol lines (conform_raw.py). Fails on
# any outcome that differs between the two servers unless the COMPATIBILITY
# section of man/ipctool-bus.1.scd lists it as CLIENT/SETUP/CASE.
# Run by meson test (interop-conformance); exit 77 when nats-server or
# libnats is missing. Environment: IPCTOOL, IPCTOOL_SRCDIR, IPCTOOL_BUILDDIR.
set -u

: "${IPCTOOL:?set IPCTOOL to the ipctool binary}"
src=${IPCTOOL_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${IPCTOOL_BUILDDIR:-$src/build}
here=$src/tests/interop
conform=$build/tests/interop/conform
man=$src/man/ipctool-bus.1.scd

command -v nats-server >/dev/null || { echo "SKIP: nats-server not installed"; exit 77; }
[ -x "$conform" ] || { echo "SKIP: libnats client not built ($conform)"; exit 77; }
js=
if command -v node >/dev/null && [ -d "$here/node_modules/nats" ]; then
	js=1
else
	echo "note: nats.js not installed (tools/deps.sh runs npm ci): its cases are skipped"
fi

# nats.go, built offline from Debian's Go and nats.go sources (tools/deps.sh
# installs them) into the build directory
gocl=
if command -v go >/dev/null && [ -d /usr/share/gocode/src/github.com/nats-io/nats.go ]; then
	gocl=$build/tests/interop/conform-go
	if [ ! -x "$gocl" ] || [ "$here/conform.go" -nt "$gocl" ]; then
		GO111MODULE=off GOPATH=/usr/share/gocode GOPROXY=off GOFLAGS= \
		    GOCACHE=$build/tests/interop/gocache \
		    go build -o "$gocl" "$here/conform.go" || {
			echo "conformance: the nats.go client did not build" >&2
			exit 1
		}
	fi
else
	echo "note: nats.go not installed (tools/deps.sh installs golang-go and golang-github-nats-io-go-nats-dev): its cases are skipped"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/conformance.XXXXXX")
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
export XDG_RUNTIME_DIR=$tmp/run
mkdir -m 0700 "$XDG_RUNTIME_DIR"
unset IPCTOOL_BUS IPCTOOL_BUS_TOKEN IPCTOOL_BUS_USER IPCTOOL_BUS_PASS \
	IPCTOOL_BUS_CREDS IPCTOOL_BUS_NKEY

# wait_file FILE PATTERN: until FILE has a line matching PATTERN (10 s)
wait_file() {
	local i
	for i in $(seq 1000); do
		grep -qE -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.01
	done
	echo "conformance: gave up waiting for '$2' in $1" >&2
	return 1
}

# start_nats NAME CONF: sets PORT
start_nats() {
	local log=$tmp/$1.nats.log
	nats-server -c "$2" -a 127.0.0.1 -p -1 -l "$log" &
	pids+=($!)
	wait_file "$log" 'Server is ready' || exit 1
	PORT=$(sed -n 's/.*client connections on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -n1)
}

# start_daemon NAME ARGS...: sets PORT (on tcp:, or tls: when $LISTEN
# says so)
start_daemon() {
	local name=$1 af=$tmp/$1.addr
	shift
	"$IPCTOOL" bus daemon --listen "${LISTEN:-tcp}:127.0.0.1:0" \
		--addr-file "$af" "$@" 2>"$tmp/$name.daemon.log" &
	pids+=($!)
	wait_file "$af" '^tcp:|^tls:' || { cat "$tmp/$name.daemon.log" >&2; exit 1; }
	PORT=$(sed 's/.*://' "$af")
}

# secret FILE TEXT: a 0600 file
secret() {
	printf '%s\n' "$2" >"$1"
	chmod 600 "$1"
}

USER1_SEED=SUAMOZUBLCD75QPMK4AEDBK2R4SVH2SCQJQP6HJSYD5CV7UIYIKIJG4IMI
USER1_PUB=UCI76YIWGS2TU7Y3MBYEZRYZ2JALKNQZ37QV3KAYM3VYLIPUJVORTMHB
USER2_SEED=SUACRG3NR2EELZAQZZ4CVGA56XZZMVVVQETYNVF7MRZW6ABRCT253MPRYU
USER2_PUB=UDGGBIE7MHFQEDCFCRACKP7ZJA5OAVAROPRMQOJO27YAIRNO756VDIPM
secret "$tmp/user1.seed" "$USER1_SEED"
secret "$tmp/user2.seed" "$USER2_SEED"
secret "$tmp/token" s3cret
secret "$tmp/alice.pass" wonder
printf '%s\n' "$USER1_PUB" >"$tmp/nkeys"

# clients SETUP PORT: every client's cases for SETUP against PORT, each
# line prefixed "CLIENT/SETUP/"
clients() {
	local setup=$1 port=$2 url=nats://127.0.0.1:$2
	run() {
		local client=$1
		shift
		"$@" 2>&1 | sed "s|^|$client/$setup/|"
	}
	case $setup in
	open)
		run libnats "$conform" "$url" basic
		[ -n "$js" ] && run nats.js node "$here/conform.js" "$url" basic
		[ -n "$gocl" ] && run nats.go "$gocl" "$url" basic
		run raw python3 "$here/conform_raw.py" "$port" open
		;;
	token)
		for c in "token s3cret" "token wrong" "user mallory s3cret" none; do
			# shellcheck disable=SC2086
			run libnats "$conform" "$url" auth $c
			# shellcheck disable=SC2086
			[ -n "$js" ] && run nats.js node "$here/conform.js" "$url" auth $c
			# shellcheck disable=SC2086
			[ -n "$gocl" ] && run nats.go "$gocl" "$url" auth $c
		done
		run raw python3 "$here/conform_raw.py" "$port" token
		;;
	users)
		for c in "user alice wonder" "user alice nope" "user mallory wonder" \
		    "nkey $USER1_PUB $tmp/user1.seed" "nkey $USER2_PUB $tmp/user2.seed" none; do
			# shellcheck disable=SC2086
			run libnats "$conform" "$url" auth $c
			# shellcheck disable=SC2086
			[ -n "$js" ] && run nats.js node "$here/conform.js" "$url" auth $c
			# shellcheck disable=SC2086
			[ -n "$gocl" ] && run nats.go "$gocl" "$url" auth $c
		done
		run raw python3 "$here/conform_raw.py" "$port" users
		;;
	tls)
		# the upgrade after INFO, then the token inside TLS
		export CONFORM_TLS_CA=$tmp/ca.pem
		for c in "token s3cret" "token wrong" none; do
			# shellcheck disable=SC2086
			run libnats "$conform" "$url" auth $c
			# shellcheck disable=SC2086
			[ -n "$js" ] && run nats.js node "$here/conform.js" "$url" auth $c
		done
		CONFORM_TLS_CA=$tmp/other-ca.pem run libnats "$conform" "$url" \
			auth token s3cret | sed 's|^libnats/tls/|libnats/tls/other-ca-|'
		unset CONFORM_TLS_CA
		;;
	mtls)
		# client certificates required: the whole basic set with one.
		# In the ASan build libnats leaks a libcrypto object now and
		# then with a client certificate (not ours): LeakSanitizer's
		# exit would lose the client's buffered output. local -x: for
		# this setup's clients only
		local -x ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
		export CONFORM_TLS_CA=$tmp/ca.pem CONFORM_TLS_CERT=$tmp/client.pem \
			CONFORM_TLS_KEY=$tmp/client.key
		run libnats "$conform" "$url" basic
		[ -n "$js" ] && run nats.js node "$here/conform.js" "$url" basic
		unset CONFORM_TLS_CERT CONFORM_TLS_KEY
		run libnats "$conform" "$url" auth none |
			sed 's|^libnats/mtls/|libnats/mtls/nocert-|'
		unset CONFORM_TLS_CA
		;;
	creds)
		run libnats "$conform" "$url" auth creds "$tmp/op/user.creds"
		[ -n "$js" ] && run nats.js node "$here/conform.js" "$url" auth creds "$tmp/op/user.creds"
		[ -n "$gocl" ] && run nats.go "$gocl" "$url" auth creds "$tmp/op/user.creds"
		;;
	esac
}

# both SETUP NATS_CONF DAEMON_ARGS...: run the clients against both
both() {
	local setup=$1 conf=$2
	shift 2
	start_nats "$setup" "$conf"
	clients "$setup" "$PORT" >"$tmp/$setup.nats.out"
	start_daemon "$setup" "$@"
	clients "$setup" "$PORT" >"$tmp/$setup.daemon.out"
}

printf 'max_payload: 65536\n' >"$tmp/open.conf"
both open "$tmp/open.conf" --no-auth --max-payload 64K
printf 'authorization { token: s3cret }\n' >"$tmp/token.conf"
both token "$tmp/token.conf" --token-file "$tmp/token"
cat >"$tmp/users.conf" <<EOF
authorization { users = [
	{ user: alice, password: wonder }
	{ nkey: $USER1_PUB }
] }
EOF
both users "$tmp/users.conf" --user alice --pass-file "$tmp/alice.pass" \
	--nkey-users "$tmp/nkeys"
# TLS: a CA, the server's certificate for localhost and 127.0.0.1, a
# client's, and a CA that signed neither
mkcert() {
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$tmp/$1.key" -out "$tmp/$1.csr" -subj "/CN=$2" 2>/dev/null &&
	printf 'subjectAltName=%s\n' "$3" >"$tmp/$1.ext" &&
	openssl x509 -req -in "$tmp/$1.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" \
		-CAcreateserial -days 2 -out "$tmp/$1.pem" -extfile "$tmp/$1.ext" \
		2>/dev/null
}
for ca in ca other-ca; do
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$tmp/$ca.key" -out "$tmp/$ca.pem" -days 2 \
		-subj "/CN=conformance $ca" 2>/dev/null || exit 1
done
mkcert server localhost DNS:localhost,IP:127.0.0.1 || exit 1
mkcert client "conformance client" DNS:client || exit 1
cat >"$tmp/tls.conf" <<EOF
tls { cert_file: "$tmp/server.pem", key_file: "$tmp/server.key" }
authorization { token: s3cret }
EOF
LISTEN=tls both tls "$tmp/tls.conf" --token-file "$tmp/token" \
	--tls-cert "$tmp/server.pem" --tls-key "$tmp/server.key"
cat >"$tmp/mtls.conf" <<EOF
tls { cert_file: "$tmp/server.pem", key_file: "$tmp/server.key",
	ca_file: "$tmp/ca.pem", verify: true }
EOF
LISTEN=tls both mtls "$tmp/mtls.conf" --no-auth --tls-cert "$tmp/server.pem" \
	--tls-key "$tmp/server.key" --tls-ca "$tmp/ca.pem" --tls-verify-client

if [ -n "$js" ]; then
	mkdir "$tmp/op"
	NODE_PATH=$here/node_modules node "$here/mkcreds.js" "$tmp/op"
	cp "$tmp/op/user.pub" "$tmp/op/nkeys"
	both creds "$tmp/op/server.conf" --nkey-users "$tmp/op/nkeys"
fi

# ldm PID PORT: lame duck mode as the clients see it: each connects,
# then the server (PID) gets SIGUSR2, and each says whether the INFO with
# "ldm" reached it; then a new client's connect is refused or not
ldm() {
	local pid=$1 port=$2 url=nats://127.0.0.1:$2 cp jp='' gp='' i
	rm -f "$tmp"/ldm.*.ready
	"$conform" "$url" ldm "$tmp/ldm.c.ready" >"$tmp/ldm.c.out" 2>&1 &
	cp=$!
	if [ -n "$js" ]; then
		node "$here/conform.js" "$url" ldm "$tmp/ldm.js.ready" \
			>"$tmp/ldm.js.out" 2>&1 &
		jp=$!
	fi
	if [ -n "$gocl" ]; then
		"$gocl" "$url" ldm "$tmp/ldm.go.ready" >"$tmp/ldm.go.out" 2>&1 &
		gp=$!
	fi
	for i in $(seq 1000); do
		[ -e "$tmp/ldm.c.ready" ] && { [ -z "$js" ] || [ -e "$tmp/ldm.js.ready" ]; } &&
			{ [ -z "$gocl" ] || [ -e "$tmp/ldm.go.ready" ]; } && break
		sleep 0.01
	done
	kill -USR2 "$pid"
	wait "$cp"
	[ -z "$jp" ] || wait "$jp"
	[ -z "$gp" ] || wait "$gp"
	sed 's|^|libnats/ldm/|' "$tmp/ldm.c.out"
	[ -z "$js" ] || sed 's|^|nats.js/ldm/|' "$tmp/ldm.js.out"
	[ -z "$gocl" ] || sed 's|^|nats.go/ldm/|' "$tmp/ldm.go.out"
	python3 -c 'import socket, sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
    print("raw/ldm/new-client: accepted")
except OSError:
    print("raw/ldm/new-client: refused")' "$port"
}
printf 'lame_duck_duration: "30s"\nlame_duck_grace_period: "1s"\n' >"$tmp/ldm.conf"
start_nats ldm "$tmp/ldm.conf"
ldm "${pids[-1]}" "$PORT" >"$tmp/ldm.nats.out"
start_daemon ldm --no-auth --lame-duck 30s
ldm "${pids[-1]}" "$PORT" >"$tmp/ldm.daemon.out"

# The known differences: CLIENT/SETUP/CASE names in the COMPATIBILITY
# section of the man page
known=$(sed -n '/^# COMPATIBILITY/,/^# [A-Z]/p' "$man" |
	grep -oE '\*[a-z.]+/[a-z]+/[a-z-]+\*' | tr -d '*' | sort -u)

# compare: outcome by outcome (the key is a line up to its first ": "),
# every difference with its verdict; exit status 1 when one is not known
cat "$tmp"/*.nats.out >"$tmp/nats.all"
cat "$tmp"/*.daemon.out >"$tmp/daemon.all"
awk -v known="$known" '
	function key(l) { return match(l, /: /) ? substr(l, 1, RSTART - 1) : l }
	function id(k,   p) { split(k, p, "/"); sub(/[: #].*/, "", p[3]); return p[1] "/" p[2] "/" p[3] }
	BEGIN { n = split(known, ks, "\n"); for (i = 1; i <= n; i++) ok[ks[i]] = 1 }
	# a case that prints the same key more than once (auth token, right
	# then wrong) is told apart by its turn: "KEY#N"
	FNR == NR { k = key($0); k = k "#" (++nn[k]); nats[k] = $0; order[++cnt] = k; next }
	{ k = key($0); k = k "#" (++nd[k]); daemon[k] = $0; if (!(k in nats)) order[++cnt] = k }
	END {
		bad = 0; same = 0; listed = 0
		for (i = 1; i <= cnt; i++) {
			k = order[i]
			if (seen[k]++) continue
			if (nats[k] == daemon[k]) { same++; used[id(k)] += 0; continue }
			verdict = (id(k) in ok) ? "known" : "DIFFERS"
			if (verdict == "known") { listed++; used[id(k)]++ } else bad++
			printf "%s %s\n  nats-server: %s\n  daemon:      %s\n", verdict, id(k),
			    (k in nats) ? nats[k] : "(none)", (k in daemon) ? daemon[k] : "(none)"
		}
		for (k in ok) if (!(k in used) || used[k] == 0)
			printf "note: %s is listed in COMPATIBILITY but did not differ\n", k
		printf "conformance: %d outcomes alike, %d known differences, %d unlisted\n", same, listed, bad
		exit bad > 0
	}' "$tmp/nats.all" "$tmp/daemon.all"
