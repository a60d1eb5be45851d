#!/usr/bin/env bats
# bus-auth.bats - whom bus and req trust on a shared machine: the
# fallback socket directory /tmp/ipctool-$UID and the listener's uid
# (SO_PEERCRED), with a throwaway second user as the attacker; and how
# they authenticate (token, user/password, nkey) to the daemon and to a
# real nats-server

load helpers.bash
load bus-helpers.bash

setup() {
	bus_setup
	ATTACKER=
}

teardown() {
	kill_bg
	if [ -n "$ATTACKER" ]; then
		userdel -f "$ATTACKER" 2>/dev/null || true
	fi
}

# need_attacker: a throwaway user ATTACKER (removed in teardown) and a
# private /tmp for the test (PTMP, bind-mounted over /tmp by in_ptmp),
# so that the real /tmp/ipctool-0 of other runs is never touched
need_attacker() {
	[ "$(id -u)" -eq 0 ] || skip "needs root to add a throwaway user"
	command -v useradd >/dev/null || skip "useradd not installed"
	command -v unshare >/dev/null || skip "unshare not installed"
	unshare -m true 2>/dev/null || skip "no mount namespaces here (unshare -m)"
	ATTACKER="ipct$$b$BATS_TEST_NUMBER"
	useradd -M -N -s /bin/sh "$ATTACKER" || skip "useradd refused"
	PTMP="$BATS_TEST_TMPDIR/ptmp"
	mkdir -p "$PTMP"
	chmod 1777 "$PTMP"
	# the attacker may not reach the checkout (under a 0700 home, say):
	# its impostor runs from a copy in the private /tmp
	install -m 0644 "$IPCTOOL_SRCDIR/tests/bats/fake-broker.py" "$PTMP/fake-broker.py"
	ATTACKER_UID=$(id -u "$ATTACKER")
	ATTACKER_GID=$(id -g "$ATTACKER")
	unset XDG_RUNTIME_DIR
	export ATTACKER ATTACKER_UID ATTACKER_GID IPCTOOL IPCTOOL_SRCDIR
}

# in_ptmp SCRIPT: run bash SCRIPT (as root, with $IPCTOOL and $ATTACKER)
# in a mount namespace whose /tmp is PTMP; every process it starts ends
# with it. A checkout or build under /tmp (a CI clone) stays visible: its
# top directory is bound into PTMP first, and PTMP goes over /tmp with
# its submounts.
in_ptmp() {
	unshare -m bash -c '
		done_=" "
		for p in "$IPCTOOL" "$IPCTOOL_SRCDIR"; do
			case $p in
			/tmp/?*)
				top=${p#/tmp/}
				top=${top%%/*}
				case $done_ in *" $top "*) continue ;; esac
				[ -d "/tmp/$top" ] || continue
				mkdir -p "$0/$top" &&
				    mount --bind "/tmp/$top" "$0/$top" || exit 99
				done_="$done_$top "
				;;
			esac
		done
		mount --rbind "$0" /tmp && exec bash -c "$1"' "$PTMP" "$1"
}

# as_attacker CMD: in in_ptmp scripts, run CMD as the attacker
AS_ATTACKER='as_attacker() { setpriv --reuid="$ATTACKER" --regid="$ATTACKER_GID" --clear-groups -- "$@"; }'

# fake_broker PATH: (in in_ptmp scripts) the attacker's impostor at PATH
# (fake-broker.py), waited for until it listens; FAKE_PID is its pid
FAKE_BROKER='fake_broker() {
	as_attacker /usr/bin/python3 /tmp/fake-broker.py "$1" </dev/null >/dev/null 2>&1 &
	FAKE_PID=$!
	for i in $(seq 500); do [ -e "$1.ready" ] && break; sleep 0.01; done
}'

@test "bus-auth: root refuses a /tmp/ipctool-0 made by another user" {
	need_attacker
	run -1 --separate-stderr in_ptmp "$AS_ATTACKER
		$FAKE_BROKER
		as_attacker mkdir -m 0777 /tmp/ipctool-0
		fake_broker /tmp/ipctool-0/bus.sock
		IPCTOOL_BUS_TOKEN=s3cret \"\$IPCTOOL\" bus pub a hello
		rc=\$?
		kill \$FAKE_PID; wait
		[ ! -e /tmp/ipctool-0/bus.sock.got ] || echo 'connected' >&2
		exit \$rc"
	assert_equal "$stderr" "ipctool bus: connect to unix:/tmp/ipctool-0/bus.sock: unsafe directory /tmp/ipctool-0: owner uid $ATTACKER_UID, mode 0777 (want owner uid 0, not writable by group or others)"
}

@test "bus-auth: a private-looking /tmp/ipctool-0 of another user is refused by every client" {
	need_attacker
	run -1 --separate-stderr in_ptmp "$AS_ATTACKER
		as_attacker mkdir -m 0700 /tmp/ipctool-0
		\"\$IPCTOOL\" req call up x"
	assert_equal "$stderr" "ipctool req: connect to unix:/tmp/ipctool-0/bus.sock: unsafe directory /tmp/ipctool-0: owner uid $ATTACKER_UID, mode 0700 (want owner uid 0, not writable by group or others)"
	for cmd in "bus sub a" "bus monitor" "bus stat" "req serve up -- cat"; do
		rm -rf "$PTMP/ipctool-0"
		run -1 --separate-stderr in_ptmp "$AS_ATTACKER
			as_attacker mkdir -m 0700 /tmp/ipctool-0
			\"\$IPCTOOL\" $cmd"
		assert_equal "$stderr" "ipctool ${cmd%% *}: connect to unix:/tmp/ipctool-0/bus.sock: unsafe directory /tmp/ipctool-0: owner uid $ATTACKER_UID, mode 0700 (want owner uid 0, not writable by group or others)"
	done
}

@test "bus-auth: a symbolic link at /tmp/ipctool-0 is refused" {
	need_attacker
	run -1 --separate-stderr in_ptmp "$AS_ATTACKER
		as_attacker mkdir -m 0700 /tmp/mine
		as_attacker ln -s /tmp/mine /tmp/ipctool-0
		\"\$IPCTOOL\" bus pub a hello"
	assert_equal "$stderr" "ipctool bus: connect to unix:/tmp/ipctool-0/bus.sock: unsafe directory /tmp/ipctool-0: a symbolic link, owner uid $ATTACKER_UID, mode 0777 (want owner uid 0, not writable by group or others)"
}

@test "bus-auth: root's own /tmp/ipctool-0 open to others is refused" {
	need_attacker
	run -1 --separate-stderr in_ptmp "mkdir -m 0700 /tmp/ipctool-0 && chmod 0733 /tmp/ipctool-0
		\"\$IPCTOOL\" bus pub a hello"
	assert_equal "$stderr" "ipctool bus: connect to unix:/tmp/ipctool-0/bus.sock: unsafe directory /tmp/ipctool-0: owner uid 0, mode 0733 (want owner uid 0, not writable by group or others)"
}

@test "bus-auth: the daemon's own /tmp/ipctool-0 works, with the hint when nobody listens" {
	need_attacker
	run -0 --separate-stderr in_ptmp '
		"$IPCTOOL" bus pub a hello
		echo "rc $?"
		"$IPCTOOL" bus daemon --addr-file /tmp/addr 2>/tmp/daemon.err & pid=$!
		for i in $(seq 500); do [ -e /tmp/addr ] && break; sleep 0.01; done
		cat /tmp/addr
		"$IPCTOOL" bus pub a hello && echo published
		stat -c "%U %a" /tmp/ipctool-0
		kill $pid; wait $pid; echo "daemon rc $?"'
	assert_equal "$stderr" "ipctool bus: connect to unix:/tmp/ipctool-0/bus.sock: No such file or directory (start one with: ipctool bus daemon &)"
	assert_equal "$output" "rc 69
unix:/tmp/ipctool-0/bus.sock
published
root 700
daemon rc 143"
}

@test "bus-auth: no token goes to a UNIX listener of another user" {
	need_attacker
	run -1 --separate-stderr in_ptmp "$AS_ATTACKER
		$FAKE_BROKER
		as_attacker mkdir -m 0755 /tmp/shared
		fake_broker /tmp/shared/bus.sock
		IPCTOOL_BUS=unix:/tmp/shared/bus.sock IPCTOOL_BUS_TOKEN=s3cret \"\$IPCTOOL\" bus pub a hello
		rc=\$?
		wait
		if grep -q s3cret /tmp/shared/bus.sock.got; then echo 'token sent' >&2; fi
		exit \$rc"
	assert_equal "$stderr" "ipctool bus: connect to unix:/tmp/shared/bus.sock: the listener runs as uid $ATTACKER_UID, not as uid 0 or root: no credentials sent"
}

# Authentication: the same credentials against the daemon and a real
# nats-server configured alike (start_both), each method succeeding and
# failing the same way

# nats.js made these user nkeys (nkeys.js createUser()); USER1 is listed
# in the brokers' nkey users, USER2 is not
USER1_SEED=SUAMOZUBLCD75QPMK4AEDBK2R4SVH2SCQJQP6HJSYD5CV7UIYIKIJG4IMI
USER1_PUB=UCI76YIWGS2TU7Y3MBYEZRYZ2JALKNQZ37QV3KAYM3VYLIPUJVORTMHB
USER2_SEED=SUACRG3NR2EELZAQZZ4CVGA56XZZMVVVQETYNVF7MRZW6ABRCT253MPRYU

# secret FILE CONTENT: FILE in the test directory, mode 0600
secret() {
	printf '%s\n' "$2" >"$BATS_TEST_TMPDIR/$1"
	chmod 600 "$BATS_TEST_TMPDIR/$1"
}

# start_both NATS_ARGS -- DAEMON_ARGS: a nats-server and the daemon on
# loopback TCP; sets PORTS to their two ports
start_both() {
	local nargs=() dargs=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do nargs+=("$1"); shift; done
	shift
	dargs=("$@")
	start_nats "${nargs[@]}"
	start_daemon --listen tcp:127.0.0.1:0 "${dargs[@]}"
	unset IPCTOOL_BUS
	PORTS="$NATS_PORT ${DAEMON_ADDR##*:}"
}

@test "bus-auth: a token, in the URL or IPCTOOL_BUS_TOKEN; the user name does not carry it" {
	secret tok s3cret
	start_both --auth s3cret -- --token-file "$BATS_TEST_TMPDIR/tok"
	for port in $PORTS; do
		run -0 ipctool bus pub -b "nats://s3cret@127.0.0.1:$port" a x
		IPCTOOL_BUS_TOKEN=s3cret run -0 ipctool bus pub -b "tcp:127.0.0.1:$port" a x
		run -1 --separate-stderr ipctool bus pub -b "nats://wrong@127.0.0.1:$port" a x
		assert_equal "$stderr" "ipctool bus: connect to nats://***@127.0.0.1:$port: Authorization Violation"
		run -1 --separate-stderr ipctool bus pub -b "nats://mallory:s3cret@127.0.0.1:$port" a x
		assert_equal "$stderr" "ipctool bus: connect to nats://mallory:***@127.0.0.1:$port: Authorization Violation"
		run -1 --separate-stderr ipctool req call -b "tcp:127.0.0.1:$port" up x
		assert_equal "$stderr" "ipctool req: connect to tcp:127.0.0.1:$port: Authorization Violation"
	done
}

@test "bus-auth: users and passwords (--user/--pass-file, --users-file), the name checked" {
	secret alice.pass wonder
	secret users 'bob:b0b:x'
	cat >"$BATS_TEST_TMPDIR/nats.conf" <<-'EOF2'
		authorization { users = [
			{ user: alice, password: wonder }
			{ user: bob, password: "b0b:x" }
		] }
	EOF2
	start_both -c "$BATS_TEST_TMPDIR/nats.conf" -- --user alice \
		--pass-file "$BATS_TEST_TMPDIR/alice.pass" --users-file "$BATS_TEST_TMPDIR/users"
	for port in $PORTS; do
		run -0 ipctool bus pub -b "nats://alice:wonder@127.0.0.1:$port" a x
		run -0 ipctool bus pub -b "nats://bob:b0b%3Ax@127.0.0.1:$port" a x
		IPCTOOL_BUS_USER=bob IPCTOOL_BUS_PASS=b0b:x run -69 --separate-stderr \
			ipctool req call -b "tcp:127.0.0.1:$port" up x
		assert_equal "$stderr" "ipctool req: no worker serves up (no responders)"
		run -1 --separate-stderr ipctool bus pub -b "nats://alice:nope@127.0.0.1:$port" a x
		assert_equal "$stderr" "ipctool bus: connect to nats://alice:***@127.0.0.1:$port: Authorization Violation"
		run -1 --separate-stderr ipctool bus sub -b "nats://mallory:wonder@127.0.0.1:$port" a
		assert_equal "$stderr" "ipctool bus: connect to nats://mallory:***@127.0.0.1:$port: Authorization Violation"
		run -1 ipctool bus pub -b "tcp:127.0.0.1:$port" a x
	done
}

@test "bus-auth: nkey users sign the server's nonce (--nkey, IPCTOOL_BUS_NKEY)" {
	secret user1.seed "$USER1_SEED"
	secret user2.seed "$USER2_SEED"
	printf '# nkey users\n%s the first user\n' "$USER1_PUB" >"$BATS_TEST_TMPDIR/nkeys"
	printf 'authorization { users = [ { nkey: %s } ] }\n' "$USER1_PUB" >"$BATS_TEST_TMPDIR/nats.conf"
	start_both -c "$BATS_TEST_TMPDIR/nats.conf" -- --nkey-users "$BATS_TEST_TMPDIR/nkeys"
	for port in $PORTS; do
		run -0 ipctool bus pub --nkey "$BATS_TEST_TMPDIR/user1.seed" -b "tcp:127.0.0.1:$port" a x
		IPCTOOL_BUS_NKEY="$BATS_TEST_TMPDIR/user1.seed" run -69 --separate-stderr \
			ipctool req call -b "tcp:127.0.0.1:$port" up x
		assert_equal "$stderr" "ipctool req: no worker serves up (no responders)"
		run -1 --separate-stderr ipctool bus pub --nkey "$BATS_TEST_TMPDIR/user2.seed" -b "tcp:127.0.0.1:$port" a x
		assert_equal "$stderr" "ipctool bus: connect to tcp:127.0.0.1:$port: Authorization Violation"
	done
	chmod 644 "$BATS_TEST_TMPDIR/user1.seed"
	run -1 --separate-stderr ipctool bus pub --nkey "$BATS_TEST_TMPDIR/user1.seed" -b "tcp:127.0.0.1:$NATS_PORT" a x
	assert_equal "$stderr" "ipctool bus: connect to tcp:127.0.0.1:$NATS_PORT: nkey seed file $BATS_TEST_TMPDIR/user1.seed: a regular file, mode 0644 (want a file only its owner can read)"
	secret bad.seed "$USER1_PUB"
	run -1 --separate-stderr ipctool bus pub --nkey "$BATS_TEST_TMPDIR/bad.seed" -b "tcp:127.0.0.1:$NATS_PORT" a x
	assert_equal "$stderr" "ipctool bus: connect to tcp:127.0.0.1:$NATS_PORT: nkey seed file $BATS_TEST_TMPDIR/bad.seed: wrong length"
}

@test "bus-auth: --creds (user JWT and seed): nats-server in operator mode, the daemon's nkey users" {
	local nm="$IPCTOOL_SRCDIR/tests/interop/node_modules"
	[ -d "$nm/nkeys.js" ] || skip "nats.js not installed (tools/deps.sh runs npm ci)"
	command -v node >/dev/null || skip "node not installed"
	mkdir "$BATS_TEST_TMPDIR/op"
	NODE_PATH="$nm" node "$IPCTOOL_SRCDIR/tests/interop/mkcreds.js" "$BATS_TEST_TMPDIR/op"
	start_nats -c "$BATS_TEST_TMPDIR/op/server.conf"
	unset IPCTOOL_BUS
	run -0 ipctool bus pub --creds "$BATS_TEST_TMPDIR/op/user.creds" -b "tcp:127.0.0.1:$NATS_PORT" a x
	IPCTOOL_BUS_CREDS="$BATS_TEST_TMPDIR/op/user.creds" run -69 --separate-stderr \
		ipctool req call -b "tcp:127.0.0.1:$NATS_PORT" up x
	assert_equal "$stderr" "ipctool req: no worker serves up (no responders)"
	run -1 --separate-stderr ipctool bus pub -b "tcp:127.0.0.1:$NATS_PORT" a x
	assert_equal "$stderr" "ipctool bus: connect to tcp:127.0.0.1:$NATS_PORT: Authorization Violation"
	# the daemon has no operator or accounts: a creds file signs in as
	# the nkey user of its seed, when that user is listed
	start_daemon --listen tcp:127.0.0.1:0 --nkey-users "$BATS_TEST_TMPDIR/op/user.pub"
	run -0 ipctool bus pub --creds "$BATS_TEST_TMPDIR/op/user.creds" -b "$DAEMON_ADDR" a x
	printf '%s\n' "$USER1_PUB" >"$BATS_TEST_TMPDIR/nkeys"
	start_daemon --listen tcp:127.0.0.1:0 --nkey-users "$BATS_TEST_TMPDIR/nkeys"
	run -1 --separate-stderr ipctool bus pub --creds "$BATS_TEST_TMPDIR/op/user.creds" -b "$DAEMON_ADDR" a x
	assert_equal "$stderr" "ipctool bus: connect to $DAEMON_ADDR: Authorization Violation"
	secret empty.creds "nothing here"
	run -1 --separate-stderr ipctool bus pub --creds "$BATS_TEST_TMPDIR/empty.creds" -b "$DAEMON_ADDR" a x
	assert_equal "$stderr" "ipctool bus: connect to $DAEMON_ADDR: credentials file $BATS_TEST_TMPDIR/empty.creds: no user JWT block"
}

@test "bus-auth: secrets stay out of the trace and of messages" {
	secret tok s3cret
	secret alice.pass wonder
	start_daemon --listen tcp:127.0.0.1:0 --token-file "$BATS_TEST_TMPDIR/tok" \
		--user alice --pass-file "$BATS_TEST_TMPDIR/alice.pass"
	local port=${DAEMON_ADDR##*:}
	run -0 --separate-stderr ipctool bus pub -v -b "nats://s3cret@127.0.0.1:$port" a x
	[[ "$stderr" == *'-> CONNECT {"headers":true,"no_responders":true,"auth_token":...}'* ]]
	[[ "$stderr" != *s3cret* ]]
	run -0 --separate-stderr ipctool bus pub -v -b "nats://alice:wonder@127.0.0.1:$port" a x
	[[ "$stderr" == *'"user":"alice","pass":...'* ]]
	[[ "$stderr" != *wonder* ]]
	kill "$DAEMON_PID"
	wait_exit "$DAEMON_PID"
	run -69 --separate-stderr ipctool bus sub -b "nats://alice:wonder@127.0.0.1:$port" a
	assert_equal "$stderr" "ipctool bus: connect to nats://alice:***@127.0.0.1:$port: Connection refused"
}

@test "bus-auth: the daemon refuses unusable credential files and options" {
	secret alice.pass wonder
	chmod 640 "$BATS_TEST_TMPDIR/alice.pass"
	run -1 --separate-stderr ipctool bus daemon --listen tcp:127.0.0.1:0 --user alice --pass-file "$BATS_TEST_TMPDIR/alice.pass"
	assert_equal "$stderr" "ipctool bus: $BATS_TEST_TMPDIR/alice.pass: owner uid $(id -u), mode 0640 (want ours or root's, not readable by group or others)"
	secret users 'nocolon'
	run -1 --separate-stderr ipctool bus daemon --listen tcp:127.0.0.1:0 --users-file "$BATS_TEST_TMPDIR/users"
	assert_equal "$stderr" "ipctool bus: $BATS_TEST_TMPDIR/users:1: not NAME:PASSWORD"
	printf '%s\n' "$USER1_SEED" >"$BATS_TEST_TMPDIR/nkeys"
	run -1 --separate-stderr ipctool bus daemon --listen tcp:127.0.0.1:0 --nkey-users "$BATS_TEST_TMPDIR/nkeys"
	assert_equal "$stderr" "ipctool bus: $BATS_TEST_TMPDIR/nkeys:1: not a user nkey: wrong length"
	run -64 --separate-stderr ipctool bus daemon --user alice
	assert_equal "$stderr" "ipctool bus: each --user needs its --pass-file (see 'ipctool bus --help')"
	run -64 --separate-stderr ipctool bus daemon --no-auth --users-file "$BATS_TEST_TMPDIR/users"
	assert_equal "$stderr" "ipctool bus: --no-auth excludes --token-file, --user, --users-file and --nkey-users (see 'ipctool bus --help')"
	run -64 --separate-stderr ipctool bus pub --users-file x a b
	assert_equal "$stderr" "ipctool bus: 'bus pub' takes no --users-file option (see 'ipctool bus --help')"
}

@test "bus-auth: the daemon's log says why a client was refused, never the password" {
	secret alice.pass wonder
	start_daemon --listen tcp:127.0.0.1:0 --user alice --pass-file "$BATS_TEST_TMPDIR/alice.pass"
	local log=$BG_ERR
	run -1 ipctool bus pub -b "nats://mallory:wonder@${DAEMON_ADDR#tcp:}" a x
	wait_for_line "$log" "Authorization Violation, disconnected \(unknown user 'mallory'\)$"
	run -1 grep -c wonder "$log"
}

@test "bus-auth: tls://TOKEN@ and tls://USER:PASS@ against nats-server with TLS" {
	command -v openssl >/dev/null || skip "openssl not installed"
	local d=$BATS_TEST_TMPDIR
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/k.pem" -out "$d/c.pem" \
	    -days 1 -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 2>/dev/null
	start_nats --tls --tlscert "$d/c.pem" --tlskey "$d/k.pem" --auth s3cret
	unset IPCTOOL_BUS
	run -0 ipctool bus pub --tls-ca "$d/c.pem" -b "tls://s3cret@127.0.0.1:$NATS_PORT" a x
	run -1 --separate-stderr ipctool bus pub --tls-ca "$d/c.pem" -b "tls://nope@127.0.0.1:$NATS_PORT" a x
	assert_equal "$stderr" "ipctool bus: connect to tls://***@127.0.0.1:$NATS_PORT: Authorization Violation"
	run -1 --separate-stderr ipctool bus pub --tls-ca "$d/c.pem" -b "tls://mallory:s3cret@127.0.0.1:$NATS_PORT" a x
	assert_equal "$stderr" "ipctool bus: connect to tls://mallory:***@127.0.0.1:$NATS_PORT: Authorization Violation"
}
