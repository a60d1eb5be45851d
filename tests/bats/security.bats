#!/usr/bin/env bats
# security.bats - ipctool on a shared machine: closed standard
# descriptors, files created beside the target and renamed into place,
# FIFOs and sockets another user prepared, forged acknowledgements,
# signals inherited from nohup, children ended with the applet. The
# attacker is a throwaway user (needs root; skipped otherwise).

load helpers.bash

setup() {
	export XDG_RUNTIME_DIR="$BATS_TEST_TMPDIR/run"
	mkdir -m 0700 -p "$XDG_RUNTIME_DIR"
	unset IPCTOOL_BUS IPCTOOL_BUS_TOKEN
	ATTACKER=
}

teardown() {
	kill_bg
	if [ -n "$ATTACKER" ]; then
		pkill -KILL -u "$ATTACKER" 2>/dev/null || true
		userdel -r "$ATTACKER" 2>/dev/null || true
	fi
}

# need_attacker: a throwaway user (unique to this run and test) in
# $ATTACKER, and $BATS_TEST_TMPDIR opened to it (o+x on the way)
need_attacker() {
	[ "$(id -u)" = 0 ] || skip "needs root to create a second user"
	command -v useradd >/dev/null && command -v runuser >/dev/null ||
		skip "needs useradd and runuser"
	ATTACKER="ipct$$t${BATS_TEST_NUMBER}"
	useradd -M -N -s /bin/sh "$ATTACKER" 2>/dev/null ||
		skip "cannot create a user here"
	local d=$BATS_TEST_TMPDIR
	while [ "$d" != / ]; do
		chmod o+x "$d" 2>/dev/null || true
		d=$(dirname "$d")
	done
	chmod 1777 "$BATS_TEST_TMPDIR"
}

# as_attacker CMD...: run CMD as the throwaway user
as_attacker() {
	runuser -u "$ATTACKER" -- "$@"
}

@test "a closed stdin, stdout or stderr is /dev/null: no socket takes it" {
	# cat writes into what pipe made fd 1 unless main reopens it
	run -1 --separate-stderr bash -c "echo hi | '$IPCTOOL' pipe -- cat >&-"
	assert_equal "${stderr_lines[0]}" "cat: write error: Bad file descriptor"
	run -0 bash -c "'$IPCTOOL' sig list <&- 2>&- | grep -c '^HUP'"
	assert_output 1
}

@test "writing to a closed stdout fails with one line in every applet" {
	local d=$BATS_TEST_TMPDIR
	run -1 --separate-stderr bash -c "'$IPCTOOL' sig list >&-"
	assert_equal "$stderr" "ipctool sig: write to stdout: Bad file descriptor"
	start_bg ipctool sock-server -e --addr-file "$d/a1" "unix:$d/s1"
	wait_for_path "$d/a1"
	run -1 --separate-stderr bash -c "echo hi | '$IPCTOOL' sock-client unix:$d/s1 >&-"
	assert_equal "$stderr" "ipctool sock-client: write to stdout: Bad file descriptor"
	start_bg ipctool sock-server -k --addr-file "$d/a2" "unix:$d/s2" -- echo hello
	wait_for_path "$d/a2"
	run -1 --separate-stderr bash -c "'$IPCTOOL' sock-client unix:$d/s2 </dev/null >&-"
	assert_equal "$stderr" "ipctool sock-client: write to stdout: Bad file descriptor"
	start_bg ipctool bus daemon --addr-file "$d/a3"
	wait_for_path "$d/a3"
	start_bg ipctool req serve --ready-file "$d/r3" s -- echo res
	wait_for_path "$d/r3"
	run -1 --separate-stderr bash -c "'$IPCTOOL' req call s pay >&-"
	assert_equal "$stderr" "ipctool req: write to stdout: Bad file descriptor"
	run -1 --separate-stderr bash -c "echo a | '$IPCTOOL' req call --async s >&-"
	assert_equal "$stderr" "ipctool req: write to stdout: Bad file descriptor"
	ipctool fifo make "$d/f"
	( echo hi | "$IPCTOOL" fifo send "$d/f" 3>&- & )
	run -1 --separate-stderr bash -c "'$IPCTOOL' fifo recv -c 1 '$d/f' >&-"
	assert_equal "$stderr" "ipctool fifo: write to stdout: Bad file descriptor"
}

@test "sock-client: a server that resets during an upload is exit 1 with the reason" {
	local d=$BATS_TEST_TMPDIR
	head -c 8000000 /dev/zero >"$d/big"
	start_bg ipctool sock-server -q -k --addr-file "$d/a" tcp:127.0.0.1:0 -- true
	wait_for_path "$d/a"
	run -1 --separate-stderr "$IPCTOOL" sock-client "$(cat "$d/a")" <"$d/big"
	assert_regex "$stderr" "^ipctool sock-client: (send to )?$(cat "$d/a"): (Connection reset by peer|Broken pipe)\$"
	start_bg ipctool sock-server -q -k --addr-file "$d/u" "unix:$d/s" -- true
	wait_for_path "$d/u"
	run -1 --separate-stderr "$IPCTOOL" sock-client "unix:$d/s" <"$d/big"
	assert_regex "$stderr" "^ipctool sock-client: (send to )?unix:$d/s: (Connection reset by peer|Broken pipe)\$"
}

# sig_bit PID FIELD N: 1 when signal N is in FIELD (SigIgn, SigBlk,
# SigCgt) of /proc/PID/status
sig_bit() {
	local mask
	mask=$(sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status")
	echo $(((0x$mask >> ($3 - 1)) & 1))
}

@test "nohup: pipe, its stages, sock-server and its commands keep SIGHUP ignored" {
	local d=$BATS_TEST_TMPDIR
	start_bg nohup "$IPCTOOL" pipe -- sh -c "grep SigIgn /proc/self/status >'$d/stage'; sleep 30"
	local pp=$BG_PID
	wait_for_line "$d/stage" SigIgn
	run sig_bit "$pp" SigIgn 1
	assert_output 1
	run sig_bit "$pp" SigBlk 1
	assert_output 0
	mask=$(sed -n 's/^SigIgn:[[:space:]]*//p' "$d/stage")
	assert_equal $(((0x$mask) & 1)) 1
	kill -HUP "$pp"
	run kill -0 "$pp"
	assert_success

	start_bg nohup "$IPCTOOL" sock-server -q -k --addr-file "$d/a" "unix:$d/s" -- sh -c 'grep SigIgn /proc/self/status'
	local sp=$BG_PID
	wait_for_path "$d/a"
	run sig_bit "$sp" SigIgn 1
	assert_output 1
	run -0 "$IPCTOOL" sock-client "unix:$d/s" </dev/null
	mask=${output#SigIgn:}
	assert_equal $(((0x${mask//[[:space:]]/}) & 1)) 1
	kill -HUP "$sp"
	run -0 "$IPCTOOL" sock-client "unix:$d/s" </dev/null
}

@test "trap '' HUP: sig trap and req serve run their command with HUP ignored" {
	local d=$BATS_TEST_TMPDIR
	start_bg bash -c "trap '' HUP; exec '$IPCTOOL' sig trap -c 1 -p '$d/pid' USR1 -- sh -c 'grep SigIgn /proc/self/status >\"$d/trap\"'"
	wait_for_path "$d/pid"
	ipctool sig send -s USR1 -p "$d/pid"
	wait_for_line "$d/trap" SigIgn
	mask=$(sed -n 's/^SigIgn:[[:space:]]*//p' "$d/trap")
	assert_equal $(((0x$mask) & 1)) 1
	start_bg ipctool bus daemon --addr-file "$d/a"
	wait_for_path "$d/a"
	start_bg bash -c "trap '' HUP; exec '$IPCTOOL' req serve --ready-file '$d/r' s -- sh -c 'grep SigIgn /proc/self/status'"
	wait_for_path "$d/r"
	run -0 "$IPCTOOL" req call s x
	mask=${output#SigIgn:}
	assert_equal $(((0x${mask//[[:space:]]/}) & 1)) 1
}
