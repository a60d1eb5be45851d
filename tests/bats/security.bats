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
	start_bg ipctool sock-server --quiet -k --addr-file "$d/a" tcp:127.0.0.1:0 -- true
	wait_for_path "$d/a"
	run -1 --separate-stderr "$IPCTOOL" sock-client "$(cat "$d/a")" <"$d/big"
	assert_regex "$stderr" "^ipctool sock-client: (send to )?$(cat "$d/a"): (Connection reset by peer|Broken pipe)\$"
	start_bg ipctool sock-server --quiet -k --addr-file "$d/u" "unix:$d/s" -- true
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

	start_bg nohup "$IPCTOOL" sock-server --quiet -k --addr-file "$d/a" "unix:$d/s" -- sh -c 'grep SigIgn /proc/self/status'
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

@test "sig send --pidfile as root refuses a pid file another user owns" {
	need_attacker
	local d=$BATS_TEST_TMPDIR
	start_bg sleep 60
	local victim=$BG_PID
	as_attacker sh -c "echo $victim >'$d/pf'"
	run -1 --separate-stderr "$IPCTOOL" sig send -s TERM -p "$d/pf"
	assert_equal "$stderr" "ipctool sig: read pidfile $d/pf: not owned by root"
	run kill -0 "$victim"
	assert_success
}

@test "sig send --pidfile never signals a process that started after the file" {
	local d=$BATS_TEST_TMPDIR
	echo 1 >"$d/pf"
	start_bg sleep 60
	local later=$BG_PID
	echo "$later" >"$d/pf"
	touch -d '1 hour ago' "$d/pf"	# written before the process began
	run -1 --separate-stderr "$IPCTOOL" sig send -s TERM -p "$d/pf"
	assert_equal "$stderr" "ipctool sig: read pidfile $d/pf: stale: its pid now belongs to a later process"
	run kill -0 "$later"
	assert_success
	touch "$d/pf"
	run -0 "$IPCTOOL" sig send -s TERM -p "$d/pf"
}

@test "sig wait removes only its own pid file" {
	local d=$BATS_TEST_TMPDIR
	start_bg ipctool sig wait -c 1 -p "$d/pf" USR1
	local first=$BG_PID
	wait_for_path "$d/pf"
	start_bg ipctool sig wait -c 1 -p "$d/pf" USR2
	local second=$BG_PID
	wait_until 10 grep -qx "$second" "$d/pf"
	kill -USR1 "$first"
	wait_exit "$first"
	assert_equal "$WAIT_STATUS" 0
	run -0 cat "$d/pf"
	assert_output "$second"
	run -0 "$IPCTOOL" sig send -s USR2 -p "$d/pf"
	wait_exit "$second"
	assert_file_not_exists "$d/pf"
	assert_equal "$(ls -A "$d" | grep -c '\.tmp$')" 0
}

@test "--pidfile in a set-group-ID directory of another group keeps our group" {
	need_attacker
	local d=$BATS_TEST_TMPDIR/g
	mkdir "$d"
	chgrp "$(id -g "$ATTACKER")" "$d"
	chmod 2777 "$d"
	start_bg ipctool sig wait -c 1 -p "$d/pf" USR1
	wait_for_path "$d/pf"
	assert_equal "$(stat -c %u:%g "$d/pf")" "$(id -u):$(id -g)"
	assert_equal "$(stat -c %a "$d/pf")" 644
}

@test "--ready-file that exists is an error, never truncated" {
	local d=$BATS_TEST_TMPDIR
	start_bg ipctool bus daemon --addr-file "$d/a"
	wait_for_path "$d/a"
	echo precious >"$d/ready"
	run -1 --separate-stderr "$IPCTOOL" bus sub --ready-file "$d/ready" -c 1 x
	assert_equal "$stderr" "ipctool bus: create $d/ready: File exists"
	run -1 --separate-stderr "$IPCTOOL" req serve --ready-file "$d/ready" s -- cat
	assert_equal "$stderr" "ipctool req: create $d/ready: File exists"
	assert_equal "$(cat "$d/ready")" precious
	ln -s "$d/precious" "$d/link"
	run -1 --separate-stderr "$IPCTOOL" bus sub --ready-file "$d/link" -c 1 x
	assert_equal "$stderr" "ipctool bus: create $d/link: File exists"
	assert_file_not_exists "$d/precious"
}

@test "--addr-file: a symlink planted there is replaced, and the file removed at exit" {
	need_attacker
	local d=$BATS_TEST_TMPDIR
	echo keep >"$d/victim"
	as_attacker ln -s "$d/victim" "$d/addr"
	start_bg ipctool sock-server --quiet -k --addr-file "$d/addr" tcp:127.0.0.1:0
	wait_until 10 test -f "$d/addr" -a ! -L "$d/addr"
	assert_equal "$(cat "$d/victim")" keep
	assert_equal "$(stat -c %U "$d/addr")" root
	kill -TERM "$BG_PID"
	wait_exit "$BG_PID"
	assert_file_not_exists "$d/addr"
}

# reply_dirs DIR: the reply directories (or old-style FIFOs) of --sync
# senders in DIR
reply_dirs() {
	find "$1" -maxdepth 1 -name 'ipctool-fifo-ack.*' | wc -l
}

# has_reply DIR: true once a reply FIFO of a --sync sender is in DIR
has_reply() {
	local f
	for f in "$1"/ipctool-fifo-ack.*/reply; do
		[ -p "$f" ] && return 0
	done
	return 1
}

# holds PID PATH: true once PID has PATH open
holds() {
	[ -n "$(find "/proc/$1/fd" -lname "$2" 2>/dev/null)" ]
}

@test "fifo make: another user's FIFO, or one of another mode, is an error" {
	need_attacker
	local d=$BATS_TEST_TMPDIR
	as_attacker mkfifo -m 0666 "$d/f"
	run -1 --separate-stderr "$IPCTOOL" fifo make "$d/f"
	assert_equal "$stderr" "ipctool fifo: make $d/f: File exists (a FIFO of uid $(id -u "$ATTACKER"), mode 0666)"
	run -1 --separate-stderr "$IPCTOOL" fifo make --exist-ok -m 0666 "$d/f"
	assert_equal "$stderr" "ipctool fifo: make $d/f: File exists (a FIFO of uid $(id -u "$ATTACKER"), mode 0666)"
}

@test "fifo send --sync: another user cannot forge the acknowledgement" {
	need_attacker
	local d=$BATS_TEST_TMPDIR
	unset XDG_RUNTIME_DIR
	export TMPDIR=$d
	ipctool fifo make -m 0644 "$d/f"
	# a reader that never acknowledges
	start_bg sh -c "exec 5<'$d/f'; exec sleep 30"
	start_bg ipctool fifo send --sync --timeout 2s "$d/f" hi
	local sender=$BG_PID
	wait_until 10 has_reply "$d"
	as_attacker sh -c "for f in '$d'/ipctool-fifo-ack.* '$d'/ipctool-fifo-ack.*/reply; do [ -p \"\$f\" ] && echo 1 >\"\$f\"; done; true" 2>/dev/null || true
	wait_exit "$sender"
	assert_equal "$WAIT_STATUS" 75
	assert_equal "$(cat "$BG_ERR")" "ipctool fifo: send to $d/f: no acknowledgement of message 1 within 2s"
	assert_equal "$(reply_dirs "$d")" 0
}

@test "fifo send --sync: an ack without the message's nonce does not count" {
	local d=$BATS_TEST_TMPDIR
	unset XDG_RUNTIME_DIR
	export TMPDIR=$d
	ipctool fifo make "$d/f"
	start_bg sh -c "exec 5<'$d/f'; exec sleep 30"
	start_bg ipctool fifo send --sync --timeout 2s "$d/f" hi
	local sender=$BG_PID
	wait_until 10 has_reply "$d"
	local reply=$(echo "$d"/ipctool-fifo-ack.*/reply)
	[ "$(stat -c %a "$reply")" = 600 ]
	[ "$(stat -c %a "$(dirname "$reply")")" = 700 ]
	printf '1\n1 0000000000000001\n' >"$reply"
	wait_exit "$sender"
	assert_equal "$WAIT_STATUS" 75
}

@test "fifo send --sync: the next sender removes what a SIGKILLed one left" {
	need_attacker
	local d=$BATS_TEST_TMPDIR
	unset XDG_RUNTIME_DIR
	export TMPDIR=$d
	ipctool fifo make "$d/f"
	as_attacker mkdir -m 0700 "$d/ipctool-fifo-ack.theirs"
	start_bg sh -c "exec 5<'$d/f'; exec sleep 30"
	local holder=$BG_PID
	start_bg ipctool fifo send --sync --timeout 20s "$d/f" hi
	local sender=$BG_PID
	wait_until 10 has_reply "$d"
	kill -KILL "$sender"
	wait_exit "$sender"
	assert_equal "$(reply_dirs "$d")" 2
	kill "$holder"
	wait_exit "$holder"
	start_bg ipctool fifo recv -c 1 "$d/f"
	run -0 "$IPCTOOL" fifo send --sync "$d/f" again
	# only the other user's directory is left
	assert_equal "$(reply_dirs "$d")" 1
	[ -d "$d/ipctool-fifo-ack.theirs" ]
}

@test "fifo send -n does not follow a symbolic link; fifo rm removes only a FIFO" {
	local d=$BATS_TEST_TMPDIR
	ipctool fifo make "$d/f"
	ln -s "$d/f" "$d/l"
	start_bg sh -c "exec 5<>'$d/f'; exec sleep 30"
	wait_until 10 holds "$BG_PID" "$d/f"
	run -1 --separate-stderr "$IPCTOOL" fifo send -n "$d/l" hi
	assert_equal "$stderr" "ipctool fifo: open $d/l: is a symbolic link, not a FIFO"
	run -0 "$IPCTOOL" fifo send -n "$d/f" hi
	run -1 --separate-stderr "$IPCTOOL" fifo rm "$d/l"
	assert_equal "$stderr" "ipctool fifo: rm $d/l: is a symbolic link, not a FIFO (left in place)"
	[ -p "$d/f" ] && [ -L "$d/l" ]
	run -0 "$IPCTOOL" fifo rm "$d/f"
	[ ! -e "$d/f" ]
}

@test "sock-server removes its socket at exit only while it is the one it bound" {
	local d=$BATS_TEST_TMPDIR
	start_bg ipctool sock-server --quiet -k --addr-file "$d/a1" "unix:$d/s"
	local first=$BG_PID
	wait_for_path "$d/a1"
	mv "$d/s" "$d/s.moved"
	start_bg ipctool sock-server --quiet -k --addr-file "$d/a2" "unix:$d/s"
	local second=$BG_PID
	wait_for_path "$d/a2"
	kill -TERM "$first"
	wait_exit "$first"
	[ -S "$d/s" ]	# the second server's, left alone
	run -0 bash -c "echo hi | '$IPCTOOL' sock-client -t 5s unix:$d/s"
	kill -TERM "$second"
	wait_exit "$second"
	[ ! -e "$d/s" ]
}

# forge_ack TO CLAIMED VALUE: an SI_QUEUE of SIGRTMAX to TO whose siginfo
# claims to come from pid CLAIMED (rt_sigqueueinfo(2) lets any process of
# the same user fill it in)
forge_ack() {
	python3 - "$@" <<'PY'
import ctypes, os, signal, struct, sys
to, claimed, value = (int(a) for a in sys.argv[1:4])
libc = ctypes.CDLL(None, use_errno=True)
sig = signal.SIGRTMAX
# siginfo_t on x86_64/aarch64: signo, errno, code, pad, pid, uid, value
info = struct.pack("iiiiiiq", sig, 0, -1, 0, claimed, os.getuid(), value)
info += b"\0" * (128 - len(info))
buf = ctypes.create_string_buffer(info, 128)
if libc.syscall(129 if os.uname().machine == "x86_64" else 138, to, sig, buf) != 0:
    sys.exit("rt_sigqueueinfo: " + os.strerror(ctypes.get_errno()))
PY
}

# blocks PID N: true once PID blocks signal N
blocks() {
	[ "$(sig_bit "$1" SigBlk "$2")" = 1 ]
}

@test "sig send --sync: a third process cannot forge the receiver's acknowledgement" {
	local d=$BATS_TEST_TMPDIR
	# a receiver that takes USR1 but never acknowledges
	start_bg ipctool sig wait -c 0 -p "$d/pf" USR1
	local receiver=$BG_PID
	wait_for_path "$d/pf"
	start_bg ipctool sig send --sync -t 2s -s USR1 "$receiver"
	local sender=$BG_PID
	wait_until 10 blocks "$sender" 64
	# the value the old acknowledgement carried: the signal number
	forge_ack "$sender" "$receiver" 10
	wait_exit "$sender"
	assert_equal "$WAIT_STATUS" 75
	assert_equal "$(cat "$BG_ERR")" "ipctool sig: send USR1 to $receiver: no acknowledgement within 2s"
}

@test "sock-server: a UNIX peer's bound path is escaped before the environment and the trace" {
	local d=$BATS_TEST_TMPDIR
	start_bg ipctool sock-server -v --quiet -k --addr-file "$d/a" "unix:$d/s" -- sh -c 'printf "%s|" "$IPCTOOL_PEER"'
	wait_for_path "$d/a"
	run -0 python3 - "$d" <<'PY'
import socket, sys
d = sys.argv[1]
c = socket.socket(socket.AF_UNIX)
c.bind(d + "/peer\nTCPREMOTEIP=6.6.6.6\x1b[2J")
c.connect(d + "/s")
c.shutdown(socket.SHUT_WR)
out = b""
while True:
    b = c.recv(4096)
    if not b:
        break
    out += b
sys.stdout.write(out.decode())
PY
	assert_output "unix:$d/peer\\nTCPREMOTEIP=6.6.6.6\\x1b[2J|"
	wait_for_line "$BG_ERR" 'from unix:'
	# no line of its own: the newline is escaped
	run -1 grep -c '^TCPREMOTEIP' "$BG_ERR"
	assert_output 0
}

# children_are PID N: true once PID has N children
children_are() {
	[ "$(pgrep -c -P "$1")" = "$2" ]
}

@test "sock-server exec mode runs at most 40 commands at once by default" {
	local d=$BATS_TEST_TMPDIR
	start_bg ipctool sock-server --quiet -k --addr-file "$d/a" "unix:$d/s" -- sleep 30
	wait_for_path "$d/a"
	local pids=() i
	for i in $(seq 40); do
		"$IPCTOOL" sock-client "unix:$d/s" </dev/null >/dev/null 2>&1 3>&- &
		pids+=($!)
	done
	wait_until 20 children_are "$BG_PID" 40
	run -0 --separate-stderr "$IPCTOOL" sock-client -t 5s "unix:$d/s" </dev/null
	assert_output "ipctool sock-server: too many clients (at most 40), try again later"
	kill "${pids[@]}" 2>/dev/null || true
	pkill -P "$BG_PID" sleep || true
	wait "${pids[@]}" 2>/dev/null || true
}

# ready_or_gone FILE PID: true once FILE exists or PID has exited
ready_or_gone() {
	[ -e "$1" ] || ! kill -0 "$2" 2>/dev/null ||
		grep -q '^State:.*Z' "/proc/$2/status" 2>/dev/null
}

@test "req serve out of descriptors answers the job with status 125 and stays up" {
	local d=$BATS_TEST_TMPDIR n got=
	start_bg ipctool bus daemon --addr-file "$d/a"
	wait_for_path "$d/a"
	# the smallest limit under which the worker starts leaves no room for
	# a job's two pipes
	for n in 6 7 8 9 10 11 12 13 14 15 16; do
		rm -f "$d/ready"
		start_bg bash -c "ulimit -n $n; exec '$IPCTOOL' req serve --ready-file '$d/ready' s -- cat"
		local w=$BG_PID
		wait_until 10 ready_or_gone "$d/ready" "$w"
		[ -e "$d/ready" ] || continue
		run --separate-stderr "$IPCTOOL" req call -t 5s --json s hello
		got=$status
		break
	done
	assert_equal "$got" 125
	assert_equal "$output" '{"status":125,"result":"","error":"cannot start cat: pipe2: Too many open files"}'
	run kill -0 "$w"
	assert_success
}
