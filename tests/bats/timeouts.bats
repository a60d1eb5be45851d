#!/usr/bin/env bats
# timeouts.bats - one --timeout rule for every applet: each synchronous
# wait ends after 5 s by default (exit 75), and --timeout 0 waits forever

load helpers.bash
load bus-helpers.bash

setup() {
	bus_setup
}

# peers that take a message and never answer: a FIFO this shell holds
# open, a keep-open server without --ack, a server whose command never
# replies, a bus subscriber without --ack, a worker that never finishes,
# and a signal handler that never returns; sets F, KADDR, XADDR, PIDF
deaf_peers() {
	F="$BATS_TEST_TMPDIR/f"
	mkfifo "$F"
	exec {fifo_fd}<>"$F"
	start_bg ipctool sock-server --quiet -k --addr-file "$BATS_TEST_TMPDIR/k" tcp:0 </dev/null
	start_bg ipctool sock-server --quiet --addr-file "$BATS_TEST_TMPDIR/x" tcp:0 -- sleep 60
	wait_for_path "$BATS_TEST_TMPDIR/k"
	wait_for_path "$BATS_TEST_TMPDIR/x"
	KADDR=$(cat "$BATS_TEST_TMPDIR/k") XADDR=$(cat "$BATS_TEST_TMPDIR/x")
	start_daemon
	start_sub deaf
	start_serve slow -- sleep 60
	PIDF="$BATS_TEST_TMPDIR/trap.pid"
	start_bg ipctool sig trap --pidfile "$PIDF" USR1 -- sleep 60
	wait_for_path "$PIDF"
}

@test "every synchronous wait gives up after 5s by default, exit 75" {
	deaf_peers
	local t0=$SECONDS
	# all at once: one 5 s wait for the lot
	start_bg ipctool fifo send --sync "$F" hi
	p1=$BG_PID e1=$BG_ERR
	start_bg ipctool sock-client --sync --send hi "$KADDR"
	p2=$BG_PID e2=$BG_ERR
	start_bg ipctool sock-client --request --send hi "$XADDR"
	p3=$BG_PID e3=$BG_ERR
	start_bg ipctool bus pub --sync deaf hi
	p4=$BG_PID e4=$BG_ERR
	start_bg ipctool req call slow x
	p5=$BG_PID e5=$BG_ERR
	start_bg ipctool sig send --sync -s USR1 --pidfile "$PIDF"
	p6=$BG_PID e6=$BG_ERR
	for p in $p1 $p2 $p3 $p4 $p5 $p6; do
		wait_exit "$p" 20
		assert_equal "$WAIT_STATUS" 75
	done
	[ $((SECONDS - t0)) -ge 4 ]
	assert_equal "$(cat "$e1")" "ipctool fifo: send to $F: no acknowledgement of message 1 within 5s"
	assert_equal "$(cat "$e2")" "ipctool sock-client: no acknowledgement from $KADDR within 5s"
	assert_equal "$(cat "$e3")" "ipctool sock-client: no reply from $XADDR within 5s"
	assert_equal "$(cat "$e4")" "ipctool bus: publish to deaf: no ack within 5s"
	assert_equal "$(cat "$e5")" "ipctool req: no result from slow within 5s"
	assert_equal "$(cat "$e6")" "ipctool sig: send USR1 to $(cat "$PIDF"): no acknowledgement within 5s"
}

@test "--timeout 0 waits forever, in every applet" {
	deaf_peers
	local pids=()
	start_bg ipctool fifo send --sync -t 0 "$F" hi; pids+=("$BG_PID")
	start_bg ipctool sock-client --sync -t 0 --send hi "$KADDR"; pids+=("$BG_PID")
	start_bg ipctool sock-client --request -t 0 --send hi "$XADDR"; pids+=("$BG_PID")
	start_bg ipctool bus pub --sync -t 0 deaf hi; pids+=("$BG_PID")
	start_bg ipctool req call -t 0 slow x; pids+=("$BG_PID")
	start_bg ipctool sig send --sync -t 0 -s USR1 --pidfile "$PIDF"; pids+=("$BG_PID")
	start_bg ipctool sig wait -t 0 USR2; pids+=("$BG_PID")
	start_bg ipctool sock-server --quiet -t 0 tcp:0; pids+=("$BG_PID")
	start_bg ipctool pipe -t 0 sleep 60; pids+=("$BG_PID")
	# the point is to be still waiting past the 5 s default: a fixed wait
	sleep 6
	for p in "${pids[@]}"; do
		kill -0 "$p"
	done
	# ended by SIGTERM alone (timeout(1) would add a SIGCONT, which can
	# cancel the SIGSTOP of LeakSanitizer's exit-time check in ASan builds)
	for p in "${pids[@]}"; do
		kill -TERM "$p"
	done
	for p in "${pids[@]}"; do
		wait_exit "$p" 20
		assert_equal "$WAIT_STATUS" 143
	done
}
