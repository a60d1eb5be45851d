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
	ATTACKER_UID=$(id -u "$ATTACKER")
	ATTACKER_GID=$(id -g "$ATTACKER")
	unset XDG_RUNTIME_DIR
	export ATTACKER ATTACKER_UID ATTACKER_GID IPCTOOL IPCTOOL_SRCDIR
}

# in_ptmp SCRIPT: run bash SCRIPT (as root, with $IPCTOOL and $ATTACKER)
# in a mount namespace whose /tmp is PTMP; every process it starts ends
# with it
in_ptmp() {
	unshare -m bash -c 'mount --bind "$0" /tmp && exec bash -c "$1"' "$PTMP" "$1"
}

# as_attacker CMD: in in_ptmp scripts, run CMD as the attacker
AS_ATTACKER='as_attacker() { setpriv --reuid="$ATTACKER" --regid="$ATTACKER_GID" --clear-groups -- "$@"; }'

# fake_broker PATH: (in in_ptmp scripts) the attacker's impostor at PATH
# (fake-broker.py), waited for until it listens; FAKE_PID is its pid
FAKE_BROKER='fake_broker() {
	as_attacker /usr/bin/python3 "$IPCTOOL_SRCDIR/tests/bats/fake-broker.py" "$1" </dev/null >/dev/null 2>&1 &
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
	assert_equal "$stderr" "ipctool bus: connect to unix:/tmp/shared/bus.sock: the listener runs as uid $ATTACKER_UID, not as uid 0 or root: no token sent"
}
