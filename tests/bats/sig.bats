#!/usr/bin/env bats
# sig.bats - ipctool sig: list, send (kill/sigqueue, --value, --count,
# --sync with acknowledgements and --timeout, --pidfile), wait (signalfd,
# --count, --timeout, --json, --ack, race-free --pidfile), trap (one
# handler at a time, IPCTOOL_SIGNAL* environment), coalescing vs
# queueing, bad input

load helpers.bash

setup() {
	PF="$BATS_TEST_TMPDIR/recv.pid"
	UID_=$(id -u)
}

# receiver ARGS...: start "ipctool sig ARGS" in the background with
# --pidfile $PF and wait until it is ready (the pid file exists)
receiver() {
	start_bg ipctool sig "$1" --pidfile "$PF" "${@:2}"
	RECV_PID=$BG_PID
	RECV_OUT=$BG_OUT
	RECV_ERR=$BG_ERR
	wait_for_path "$PF"
}

# start_sleep SECONDS: a background sleep(1), once it runs sleep (before
# its exec, a signal would hit the forked shell instead)
start_sleep() {
	start_bg sleep "$1"
	wait_until 10 grep -qx sleep "/proc/$BG_PID/comm"
}

# send_known ARGS...: run "ipctool sig send ARGS" in a process
# whose pid is known beforehand (printed to $SENDER_PID_FILE, then exec)
send_known() {
	SENDER_PID_FILE="$BATS_TEST_TMPDIR/sender.$RANDOM"
	sh -c 'echo $$ >"$1"; shift; exec "$IPCTOOL" sig send "$@"' sh \
	    "$SENDER_PID_FILE" "$@"
}

@test "sig list: every signal with number, default action and description" {
	run -0 --separate-stderr ipctool sig list
	assert_line --index 0 "HUP       1  term  hangup of the controlling terminal"
	assert_line "KILL      9  term  kill (cannot be caught or ignored)"
	assert_line "CHLD     17  ign   child stopped or terminated"
	assert_line "STOP     19  stop  stop process (cannot be caught or ignored)"
	assert_line "RTMIN    34  term  real-time signal (queued, carries a value)"
	assert_line "RTMIN+1  35  term  real-time signal (queued, carries a value)"
	assert_line "RTMIN+29 63  term  real-time signal (queued, carries a value)"
	assert_line --index $((${#lines[@]} - 1)) \
	    "RTMAX    64  term  real-time signal (queued, carries a value)"
	# 1..31, then RTMIN (34) .. RTMAX (64): glibc keeps 32 and 33
	assert_equal "${#lines[@]}" 62
	assert_equal "$stderr" ""
}

@test "sig list --json: one valid object per signal" {
	run -0 ipctool sig list --json
	assert_line '{"signal":"USR1","number":10,"action":"term","description":"user-defined signal 1"}'
	assert_line '{"signal":"RTMIN+2","number":36,"action":"term","description":"real-time signal (queued, carries a value)"}'
	python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]' <<<"$output"
	assert_equal "${#lines[@]}" 62
}

@test "sig wait prints name, sender pid and uid; the value only with sigqueue" {
	receiver wait --count 2 USR1 RTMIN+3
	send_known -s USR1 --pidfile "$PF"
	p1=$(cat "$SENDER_PID_FILE")
	send_known -s RTMIN+3 --value -42 --pidfile "$PF"
	p2=$(cat "$SENDER_PID_FILE")
	wait_exit "$RECV_PID"
	assert_equal "$WAIT_STATUS" 0
	assert_equal "$(cat "$RECV_OUT")" "USR1 pid=$p1 uid=$UID_
RTMIN+3 pid=$p2 uid=$UID_ value=-42"
	assert_equal "$(cat "$RECV_ERR")" ""
}

@test "sig wait --json: value key only when the signal carried one" {
	receiver wait --json --count 2 SIGUSR2 usr1
	send_known -s 12 --value 42 --pidfile "$PF"
	p1=$(cat "$SENDER_PID_FILE")
	send_known -s sigusr1 --pidfile "$PF"
	p2=$(cat "$SENDER_PID_FILE")
	wait_exit "$RECV_PID"
	assert_equal "$WAIT_STATUS" 0
	# both may be pending at once: the kernel then hands out USR1 first
	run -0 cat "$RECV_OUT"
	assert_equal "${#lines[@]}" 2
	# a sigqueue(3) sender's pid and uid are its own say: not vouched for
	assert_line "{\"signal\":\"USR2\",\"number\":12,\"pid\":$p1,\"uid\":$UID_,\"vouched\":false,\"value\":42}"
	assert_line "{\"signal\":\"USR1\",\"number\":10,\"pid\":$p2,\"uid\":$UID_}"
}

@test "sig wait --pidfile: written only when ready, so no signal is lost; removed on exit" {
	# Without the guarantee, a signal sent right after the file appears
	# would find USR1 at its default action and kill the receiver.
	for i in 1 2 3 4 5 6 7 8 9 10; do
		rm -f "$PF"
		receiver wait USR1
		run -0 ipctool sig send -s USR1 --pidfile "$PF"
		wait_exit "$RECV_PID"
		assert_equal "$WAIT_STATUS" 0
		assert_file_not_exists "$PF"
		assert_regex "$(cat "$RECV_OUT")" "^USR1 pid=[0-9]+ uid=$UID_$"
	done
}

@test "sig wait --pidfile: removed when TERM ends the receiver, which dies of TERM" {
	receiver wait --count 0 USR1
	kill -TERM "$RECV_PID"
	wait_exit "$RECV_PID"
	assert_equal "$WAIT_STATUS" 143
	assert_file_not_exists "$PF"
}

@test "sig wait --timeout: exit 75 with what arrived so far" {
	receiver wait --count 3 --timeout 2s USR1
	run -0 ipctool sig send -s USR1 --pidfile "$PF"
	wait_exit "$RECV_PID" 20
	assert_equal "$WAIT_STATUS" 75
	assert_equal "$(cat "$RECV_ERR")" "ipctool sig: timed out after 2s (1 of 3 signals)"
	assert_equal "$(wc -l <"$RECV_OUT")" 1
	run -75 --separate-stderr ipctool sig wait --timeout 50ms USR2
	assert_equal "$stderr" "ipctool sig: timed out after 50ms (0 of 1 signals)"
	assert_equal "$output" ""
}

@test "real-time signals queue: 2000 values arrive, all, in order" {
	receiver wait --count 2000 RTMIN+1
	run -0 ipctool sig send -s RTMIN+1 --value 1 --count 2000 --pidfile "$PF"
	wait_exit "$RECV_PID" 30
	assert_equal "$WAIT_STATUS" 0
	run -0 awk '{ sub("value=", "", $4); if ($4 != NR) { print "line " NR ": " $0; exit 1 } } END { print NR }' "$RECV_OUT"
	assert_output 2000
}

@test "standard signals coalesce while real-time signals queue (trap)" {
	out="$BATS_TEST_TMPDIR/handled"
	gate="$BATS_TEST_TMPDIR/gate"
	busy="$BATS_TEST_TMPDIR/busy"
	# The first handler holds the trap until the gate opens; meanwhile
	# 5 USR1 and 5 RTMIN are sent and stay pending in the kernel.
	receiver trap --count 7 USR1 RTMIN -- sh -c '
		echo "$IPCTOOL_SIGNAL ${IPCTOOL_SIGNAL_VALUE-}" >>"$0"
		touch "$1"
		i=0
		while [ ! -e "$2" ] && [ $i -lt 2000 ]; do sleep 0.01; i=$((i+1)); done
	' "$out" "$busy" "$gate"
	run -0 ipctool sig send -s USR1 --pidfile "$PF"
	wait_for_path "$busy"
	run -0 ipctool sig send -s USR1 --count 5 --pidfile "$PF"
	run -0 ipctool sig send -s RTMIN --value 1 --count 5 --pidfile "$PF"
	touch "$gate"
	wait_exit "$RECV_PID" 30
	assert_equal "$WAIT_STATUS" 0
	# one USR1 for the five (the lowest number comes out first), then
	# every RTMIN with its value, in order
	assert_equal "$(cat "$out")" "USR1 
USR1 
RTMIN 1
RTMIN 2
RTMIN 3
RTMIN 4
RTMIN 5"
}

@test "sig trap: the handler gets IPCTOOL_SIGNAL* in its environment" {
	out="$BATS_TEST_TMPDIR/env"
	receiver trap --count 2 HUP RTMAX-1 -- sh -c '
		echo "$IPCTOOL_SIGNAL $IPCTOOL_SIGNAL_NUMBER $IPCTOOL_SIGNAL_PID $IPCTOOL_SIGNAL_UID ${IPCTOOL_SIGNAL_VALUE-unset}" >>"$0"' "$out"
	IPCTOOL_SIGNAL_VALUE=stale send_known -s HUP --pidfile "$PF"
	p1=$(cat "$SENDER_PID_FILE")
	wait_for_line "$out" "^HUP "
	send_known -s RTMAX-1 --value 2147483647 --pidfile "$PF"
	p2=$(cat "$SENDER_PID_FILE")
	wait_exit "$RECV_PID"
	assert_equal "$WAIT_STATUS" 0
	assert_equal "$(cat "$out")" "HUP 1 $p1 $UID_ unset
RTMIN+29 63 $p2 $UID_ 2147483647"
}

@test "sig trap: a failing handler is reported and the trap goes on" {
	receiver trap --count 2 USR1 -- sh -c 'exit 3'
	run -0 ipctool sig send -s USR1 --pidfile "$PF"
	wait_for_line "$RECV_ERR" "status 3"
	run -0 ipctool sig send -s USR1 --pidfile "$PF"
	wait_exit "$RECV_PID"
	assert_equal "$WAIT_STATUS" 0
	assert_equal "$(cat "$RECV_ERR")" "ipctool sig: USR1: sh exited with status 3
ipctool sig: USR1: sh exited with status 3"
}

@test "sig trap: SIGTERM goes to the running handler's group, KILL after the grace" {
	h="$BATS_TEST_TMPDIR/h"
	# a handler that ignores TERM, with a child of its own
	receiver trap USR1 -- sh -c 'trap "" TERM; sleep 60 & echo "$$ $!" >"$0"; wait' "$h"
	run -0 ipctool sig send -s USR1 --pidfile "$PF"
	wait_for_line "$h" '^[0-9]+ [0-9]+$'
	read -r hp cp <"$h"
	local t0=$SECONDS
	kill -TERM "$RECV_PID"
	wait_exit "$RECV_PID" 20
	assert_equal "$WAIT_STATUS" 143
	[ $((SECONDS - t0)) -ge 2 ]
	! kill -0 "$hp" 2>/dev/null
	! kill -0 "$cp" 2>/dev/null
	assert_file_not_exists "$PF"
}

@test "sig trap: a child that ignores TERM is killed even when the handler has died" {
	h="$BATS_TEST_TMPDIR/h"
	# the handler dies of TERM; the child it left in its group ignores it
	receiver trap USR1 -- sh -c 'trap "" TERM; sleep 60 & trap - TERM; echo "$$ $!" >"$0"; wait' "$h"
	run -0 ipctool sig send -s USR1 --pidfile "$PF"
	wait_for_line "$h" '^[0-9]+ [0-9]+$'
	read -r hp cp <"$h"
	BG_PIDS+=("$cp")	# not left behind when this test fails
	kill -TERM "$RECV_PID"
	wait_exit "$RECV_PID" 20
	assert_equal "$WAIT_STATUS" 143
	! kill -0 "$hp" 2>/dev/null
	# the group's KILL came before the trap exited: nothing is left
	wait_until 2 eval "! kill -0 $cp"
}

@test "sig trap: a second SIGTERM kills the handler at once" {
	h="$BATS_TEST_TMPDIR/h"
	receiver trap -v USR1 -- sh -c 'trap "" TERM; echo $$ >"$0"; while :; do sleep 1; done' "$h"
	run -0 ipctool sig send -s USR1 --pidfile "$PF"
	wait_for_line "$h" '^[0-9]+$'
	local t0=$SECONDS
	kill -TERM "$RECV_PID"
	# the second once the first was taken (two pending TERMs are one)
	wait_for_line "$RECV_ERR" 'received TERM: passing it on'
	kill -TERM "$RECV_PID"
	wait_exit "$RECV_PID" 20
	assert_equal "$WAIT_STATUS" 143
	[ $((SECONDS - t0)) -lt 2 ]
	! kill -0 "$(cat "$h")" 2>/dev/null
}

@test "send --sync returns once the receiver printed the signal (wait --ack)" {
	receiver wait --ack --count 0 USR2 RTMIN
	run -0 --separate-stderr ipctool sig send --sync -s USR2 --pidfile "$PF"
	assert_equal "$stderr" ""
	# no waiting here: the line is out before the acknowledgement
	assert_regex "$(cat "$RECV_OUT")" "^USR2 pid=[0-9]+ uid=$UID_$"
	run -0 ipctool sig send --sync -s RTMIN --value 5 --count 200 --pidfile "$PF"
	assert_equal "$(wc -l <"$RECV_OUT")" 201
	assert_regex "$(tail -n1 "$RECV_OUT")" "value=204$"
}

@test "send --sync waits for the handler to finish (trap --ack)" {
	out="$BATS_TEST_TMPDIR/done"
	receiver trap --ack HUP -- sh -c 'echo "handled $IPCTOOL_SIGNAL" >"$0"' "$out"
	run -0 ipctool sig send --sync -s HUP --pidfile "$PF"
	assert_equal "$(cat "$out")" "handled HUP"
}

@test "send --sync exits 1 when the trap's handler failed, naming its status" {
	receiver trap --ack USR1 -- sh -c 'exit "${IPCTOOL_SIGNAL_VALUE:-0}"'
	run -1 --separate-stderr ipctool sig send --sync -s USR1 --value 3 --pidfile "$PF"
	assert_equal "$stderr" "ipctool sig: send USR1 to $RECV_PID: its handler failed with status 3"
	# the value still matches the acknowledgement; a handler that
	# succeeds is exit 0; one killed by a signal is 128+N
	run -0 --separate-stderr ipctool sig send --sync -s USR1 --value 0 --pidfile "$PF"
	assert_equal "$stderr" ""
	kill "$RECV_PID"
	wait_exit "$RECV_PID"
	rm -f "$PF"
	receiver trap --ack USR2 -- sh -c 'kill -TERM $$'
	run -1 --separate-stderr ipctool sig send --sync -s USR2 --pidfile "$PF"
	assert_equal "$stderr" "ipctool sig: send USR2 to $RECV_PID: its handler failed with status 143"
}

@test "send --sync to several receivers waits for each" {
	start_bg ipctool sig wait --ack USR1 --pidfile "$BATS_TEST_TMPDIR/a.pid"
	a=$BG_PID
	start_bg ipctool sig wait --ack USR1 --pidfile "$BATS_TEST_TMPDIR/b.pid"
	b=$BG_PID
	wait_for_path "$BATS_TEST_TMPDIR/a.pid"
	wait_for_path "$BATS_TEST_TMPDIR/b.pid"
	# a pid given twice is sent to once: two USR1 could merge into one
	run -0 ipctool sig send --sync --timeout 10s -s USR1 "$a" "$b" "$a"
	wait_exit "$a"
	assert_equal "$WAIT_STATUS" 0
	wait_exit "$b"
	assert_equal "$WAIT_STATUS" 0
}

@test "send --sync: exit 75 when no acknowledgement comes within --timeout" {
	receiver wait --count 0 USR1
	run -75 --separate-stderr ipctool sig send --sync --timeout 300ms -s USR1 --pidfile "$PF"
	assert_equal "$stderr" "ipctool sig: send USR1 to $RECV_PID: no acknowledgement within 300ms"
	assert_equal "$output" ""
	# the signal itself did arrive
	wait_for_line "$RECV_OUT" "^USR1 "
}

@test "send --sync: exit 69 at once when the receiver dies instead of answering" {
	start_sleep 60
	run -69 --separate-stderr ipctool sig send --sync --timeout 30s -s USR1 "$BG_PID"
	assert_equal "$stderr" "ipctool sig: send USR1 to $BG_PID: it exited without acknowledging"
	wait_exit "$BG_PID"
	assert_equal "$WAIT_STATUS" 138
}

@test "an acknowledgement never kills a sender that does not wait for one" {
	receiver wait --ack -v USR1
	# bash's kill builtin: if an RTMAX came back, bash would die of it
	# before printing "alive"
	run -0 bash -c 'kill -USR1 "$1"; while kill -0 "$1" 2>/dev/null && ! grep -q "^State:.*Z" "/proc/$1/status" 2>/dev/null; do sleep 0.01; done; echo alive' _ "$RECV_PID"
	assert_output alive
	wait_exit "$RECV_PID"
	assert_equal "$WAIT_STATUS" 0
	grep -q "no acknowledgement to [0-9]*: it does not catch RTMAX (not a --sync sender)" "$RECV_ERR"
}

@test "send without --value uses kill(2), with --value sigqueue(3) (--trace)" {
	# two different signals: two USR1 could merge into one
	receiver wait --count 2 USR1 USR2
	run -0 --separate-stderr ipctool sig send -v -s USR1 "$RECV_PID"
	assert_regex "$stderr" "^ipctool sig\[[0-9]+\]: kill\($RECV_PID, USR1\) = 0$"
	run -0 --separate-stderr ipctool sig send --trace -s USR2 --value 9 "$RECV_PID"
	assert_regex "$stderr" "^ipctool sig\[[0-9]+\]: sigqueue\($RECV_PID, USR2, 9\) = 0$"
	wait_exit "$RECV_PID"
	assert_equal "$WAIT_STATUS" 0
}

@test "sig wait --trace shows sigprocmask, signalfd and each read" {
	start_bg ipctool sig wait -v USR1 RTMIN --pidfile "$PF"
	wait_for_path "$PF"
	run -0 ipctool sig send -s RTMIN "$BG_PID"
	wait_exit "$BG_PID"
	run -0 sed -E 's/^ipctool sig\[[0-9]+\]: //' "$BG_ERR"
	assert_equal "$output" "sigprocmask(SIG_BLOCK, {USR1,RTMIN}) = 0
signalfd(-1, {USR1,RTMIN}, SFD_CLOEXEC) = 3
pidfile $PF written: ready for signals
read(3) = 128 (1 signal)"
}

@test "sig trap --trace shows fork, execvp and waitpid" {
	receiver trap -v --count 1 --ack USR1 -- true
	run -0 ipctool sig send --sync -s USR1 --pidfile "$PF"
	wait_exit "$RECV_PID"
	assert_equal "$WAIT_STATUS" 0
	run -0 sed -E 's/^ipctool sig\[[0-9]+\]: //' "$RECV_ERR"
	assert_line --index 0 "sigprocmask(SIG_BLOCK, {USR1}) = 0"
	assert_line --index 1 "signalfd(-1, {USR1}, SFD_CLOEXEC) = 3"
	assert_line --index 3 "read(3) = 128 (1 signal)"
	assert_line --regexp '^fork\(\) = [0-9]+$'
	assert_line "execvp(true) with IPCTOOL_SIGNAL=USR1"
	assert_line --regexp '^waitpid\([0-9]+\) = status 0$'
	assert_line --regexp '^pidfd_open\([0-9]+\) = [0-9]+$'
	assert_line --regexp '^pidfd_send_signal\([0-9]+ \(pid [0-9]+\), RTMAX, NULL\) = 0$'
}

@test "send to several PIDs: a missing one is reported, the others still get it" {
	receiver wait USR1
	run -69 --separate-stderr ipctool sig send -s USR1 2147483647 "$RECV_PID"
	assert_equal "$stderr" "ipctool sig: send USR1 to 2147483647: No such process"
	wait_exit "$RECV_PID"
	assert_equal "$WAIT_STATUS" 0
}

@test "send TERM by default; signal 0 only checks the process exists" {
	start_sleep 30
	run -0 ipctool sig send -s 0 "$BG_PID"
	run -0 ipctool sig send "$BG_PID"
	wait_exit "$BG_PID"
	assert_equal "$WAIT_STATUS" 143
}

@test "bad input: one line on stderr and a documented exit status" {
	e() { assert_equal "$stderr" "ipctool sig: $1 (see 'ipctool sig --help')"; }
	run -64 --separate-stderr ipctool sig send -s FOO 1
	e "unknown signal 'FOO'"
	run -64 --separate-stderr ipctool sig send -s RTMIN+99 1
	e "unknown signal 'RTMIN+99'"
	run -64 --separate-stderr ipctool sig wait SIGNOPE
	e "unknown signal 'SIGNOPE'"
	run -64 --separate-stderr ipctool sig send --value 2147483648 1
	e "invalid number '2147483648' for --value: too large"
	run -64 --separate-stderr ipctool sig send --value -2147483649 1
	e "invalid number '-2147483649' for --value: too small"
	run -64 --separate-stderr ipctool sig send --value 2147483647 --count 2 1
	e "--value 2147483647 + --count 2 goes past 2147483647"
	run -64 --separate-stderr ipctool sig send --pidfile "$PF" 1
	e "give PIDs or --pidfile, not both"
	run -64 --separate-stderr ipctool sig send
	e "missing PID (or --pidfile FILE)"
	run -64 --separate-stderr ipctool sig send x12
	e "invalid pid 'x12'"
	run -64 --separate-stderr ipctool sig send -- 0
	e "invalid pid '0': not a process"
	run -64 --separate-stderr ipctool sig wait KILL
	e "KILL cannot be caught or blocked"
	run -64 --separate-stderr ipctool sig trap SIGSTOP -- true
	e "STOP cannot be caught or blocked"
	run -64 --separate-stderr ipctool sig wait 32
	e "signal 32 is reserved by the C library"
	run -64 --separate-stderr ipctool sig trap CHLD -- true
	e "trap cannot take CHLD: it waits for its own children"
	run -64 --separate-stderr ipctool sig trap USR1
	e "missing command after '--'"
	run -64 --separate-stderr ipctool sig wait
	e "missing signal to wait for"
	run -64 --separate-stderr ipctool sig send --sync -s KILL 1
	e "--sync: KILL cannot be caught, so never acknowledged"
	run -64 --separate-stderr ipctool sig send --sync -s 0 1
	e "--sync: signal 0 is never delivered, so never acknowledged"
	run -64 --separate-stderr ipctool sig list --sync
	e "'sig list' takes no --sync option"
	run -64 --separate-stderr ipctool sig wait --value 3 USR1
	e "'sig wait' takes no --value option"
	run -64 --separate-stderr ipctool sig frob
	e "unknown subcommand 'frob' (list, send, wait or trap)"
	run -64 --separate-stderr ipctool sig
	e "missing subcommand (list, send, wait or trap)"
	run -64 --separate-stderr ipctool sig send --timeout 5x 1
	e "invalid duration '5x' for --timeout: unknown unit (use ms, s, m or h)"
	assert_equal "$output" ""
}

@test "a process that does not exist: exit 69; a missing pid file: exit 69" {
	run -69 --separate-stderr ipctool sig send -s USR1 2147483647
	assert_equal "$stderr" "ipctool sig: send USR1 to 2147483647: No such process"
	run -69 --separate-stderr ipctool sig send --pidfile "$BATS_TEST_TMPDIR/none"
	assert_equal "$stderr" "ipctool sig: read pidfile $BATS_TEST_TMPDIR/none: No such file or directory"
	echo garbage >"$PF"
	run -1 --separate-stderr ipctool sig send --pidfile "$PF"
	assert_equal "$stderr" "ipctool sig: read pidfile $PF: not a pid"
}

@test "no permission (EPERM): exit 1" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to drop to another user"
	command -v setpriv >/dev/null || skip "setpriv not installed"
	run -1 --separate-stderr setpriv --reuid 65534 --regid 65534 --clear-groups \
	    "$IPCTOOL" sig send -s USR1 1
	assert_equal "$stderr" "ipctool sig: send USR1 to 1: Operation not permitted"
}

@test "bash completes signal names after -s and as wait/trap operands" {
	run -0 complete_bash "$IPCTOOL" sig wait us
	assert_output "USR1
USR2"
	run -0 complete_bash "$IPCTOOL" sig send --signal RTMA
	assert_output "RTMAX"
	run -0 complete_bash "$IPCTOOL" sig trap HUP rtmin+2
	assert_output "RTMIN+2
RTMIN+20
RTMIN+21
RTMIN+22
RTMIN+23
RTMIN+24
RTMIN+25
RTMIN+26
RTMIN+27
RTMIN+28
RTMIN+29"
	# after "--" comes the command, and send takes PIDs: no signal names
	cd "$BATS_TEST_TMPDIR"
	run -0 complete_bash "$IPCTOOL" sig trap HUP -- USR
	assert_output ""
	run -0 complete_bash "$IPCTOOL" sig send USR
	assert_output ""
}

@test "--pidfile: a signal inherited as ignored stays ignored" {
	# a background job of a non-interactive shell ignores INT
	receiver wait USR1
	ign=$(awk '/^SigIgn/ { print $2 }' "/proc/$RECV_PID/status")
	(( (16#$ign & 2) != 0 ))
	run -0 ipctool sig send -s INT "$RECV_PID"
	run -0 ipctool sig send -s USR1 "$RECV_PID"
	wait_exit "$RECV_PID"
	assert_equal "$WAIT_STATUS" 0
}

@test "sig trap --timeout: exit 75 after the handlers that ran" {
	out="$BATS_TEST_TMPDIR/ran"
	receiver trap --count 2 --timeout 2s USR2 -- sh -c 'echo ran >>"$0"' "$out"
	run -0 ipctool sig send --async -s USR2 --pidfile "$PF"
	wait_exit "$RECV_PID" 20
	assert_equal "$WAIT_STATUS" 75
	assert_equal "$(cat "$RECV_ERR")" "ipctool sig: timed out after 2s (1 of 2 signals)"
	assert_equal "$(cat "$out")" "ran"
	assert_file_not_exists "$PF"
}

@test "sig wait --count 0 takes signals until stopped; --ack with --json" {
	receiver wait --count 0 --ack --json RTMIN+5
	for v in 1 2 3; do
		run -0 ipctool sig send --sync -s RTMIN+5 --value "$v" --pidfile "$PF"
	done
	run -0 cut -d, -f1,2,6 "$RECV_OUT"	# without pid, uid, vouched
	assert_output '{"signal":"RTMIN+5","number":39,"value":1}
{"signal":"RTMIN+5","number":39,"value":2}
{"signal":"RTMIN+5","number":39,"value":3}'
	kill -HUP "$RECV_PID"
	wait_exit "$RECV_PID"
	assert_equal "$WAIT_STATUS" 129
	assert_file_not_exists "$PF"
}

@test "sig trap: a command that cannot be executed is refused at start, 127 or 126" {
	run -127 --separate-stderr ipctool sig trap USR1 -- no-such-command-xyz
	assert_equal "$stderr" "ipctool sig: cannot run 'no-such-command-xyz': command not found"
	touch "$BATS_TEST_TMPDIR/plain"
	chmod 0644 "$BATS_TEST_TMPDIR/plain"
	run -126 --separate-stderr ipctool sig trap USR1 -- "$BATS_TEST_TMPDIR/plain"
	assert_equal "$stderr" "ipctool sig: cannot run '$BATS_TEST_TMPDIR/plain': Permission denied"
}

@test "sig send to a process group: -PGID after --, as kill does" {
	start_bg setsid -w sh -c 'echo $$ >"$0"; sleep 30 & sleep 30 & wait' "$BATS_TEST_TMPDIR/pg"
	wait_for_path "$BATS_TEST_TMPDIR/pg"
	pg=$(cat "$BATS_TEST_TMPDIR/pg")
	wait_until 10 sh -c "[ \$(pgrep -c -g $pg) -eq 3 ]"
	run -0 --separate-stderr ipctool sig send -v -s TERM -- "-$pg"
	[[ "$stderr" == *"kill(-$pg, TERM) = 0"* ]]
	wait_until 10 sh -c "! pgrep -g $pg >/dev/null"
	run -69 --separate-stderr ipctool sig send -s TERM -- "-$pg"
	assert_equal "$stderr" "ipctool sig: send TERM to -$pg: No such process"
	run -64 --separate-stderr ipctool sig send -s TERM -- -1
	assert_equal "$stderr" "ipctool sig: pid -1 would signal every process: not done (see 'ipctool sig --help')"
	run -64 --separate-stderr ipctool sig send --sync -s USR1 -- -1234
	assert_equal "$stderr" "ipctool sig: --sync: process group 1234 cannot acknowledge; give its pids (see 'ipctool sig --help')"
	run -64 --separate-stderr ipctool sig send --value 3 -s USR1 -- -1234
	assert_equal "$stderr" "ipctool sig: --value: sigqueue(3) reaches one process, not process group 1234 (see 'ipctool sig --help')"
}

@test "sig list N...: a number to its name (128+N too), a name to its number, as kill -l" {
	run -0 --separate-stderr ipctool sig list 15 143 TERM sigusr1 RTMIN+2 34
	assert_output $'TERM\nTERM\n15\n10\n36\nRTMIN'
	run -64 --separate-stderr ipctool sig list 99
	assert_equal "$stderr" "ipctool sig: no signal has the number '99' (see 'ipctool sig --help')"
	run -64 --separate-stderr ipctool sig list FOO
	assert_equal "$stderr" "ipctool sig: unknown signal 'FOO' (see 'ipctool sig --help')"
}
