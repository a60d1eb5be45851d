#!/usr/bin/env bats
# grammar.bats - the command line every applet shares: "--" as POSIX has
# it (a command after it only where one runs), -c 0 as no limit, the
# letters that changed, fifo rm -f as rm -f, the completion words only
# where the scripts ask for them

load helpers.bash

setup() {
	T=$BATS_TEST_TMPDIR
	# no broker anywhere near: a bus client that parsed its command line
	# fails to connect (69) instead of with a usage error (64)
	export IPCTOOL_BUS="unix:$T/no-broker.sock"
}

@test "fifo: '--' ends the options, an operand may start with a dash" {
	cd "$T"
	run -0 --separate-stderr ipctool fifo make -- -x
	assert [ -p "$T/-x" ]
	run -0 --separate-stderr ipctool fifo rm -- -x
	assert [ ! -e "$T/-x" ]
	run -64 --separate-stderr ipctool fifo recv -- a -F
	assert_equal "$stderr" "ipctool fifo: fifo recv takes one PATH (see 'ipctool fifo --help')"
}

@test "sig: '--' ends the options of send and wait, starts the command of trap" {
	run -64 --separate-stderr ipctool sig send -- 0
	assert_equal "$stderr" "ipctool sig: invalid pid '0': not a process (see 'ipctool sig --help')"
	run -64 --separate-stderr ipctool sig wait -- -c
	assert_equal "$stderr" "ipctool sig: unknown signal '-c' (see 'ipctool sig --help')"
	run -64 --separate-stderr ipctool sig trap USR1 --
	assert_equal "$stderr" "ipctool sig: missing command after '--' (see 'ipctool sig --help')"
	run -64 --separate-stderr ipctool sig trap -- USR1
	assert_equal "$stderr" "ipctool sig: missing signal to trap (see 'ipctool sig --help')"
}

@test "bus: 'bus pub -- a b' publishes, 'bus stat -- x' is a usage error" {
	run -69 --separate-stderr ipctool bus pub -- a b
	assert_regex "$stderr" "^ipctool bus: connect to unix:$T/no-broker.sock: "
	run -64 --separate-stderr ipctool bus stat -- extra
	assert_equal "$stderr" "ipctool bus: bus stat takes no operands (see 'ipctool bus --help')"
	run -64 --separate-stderr ipctool bus sub --
	assert_equal "$stderr" "ipctool bus: bus sub needs a SUBJECT (see 'ipctool bus --help')"
}

@test "req: '--' ends the options of call, starts the command of serve" {
	run -69 --separate-stderr ipctool req call -- up -payload
	assert_regex "$stderr" "^ipctool req: connect to unix:$T/no-broker.sock: "
	run -64 --separate-stderr ipctool req call -- up a b
	assert_equal "$stderr" "ipctool req: req call takes one PAYLOAD (quote it) (see 'ipctool req --help')"
	run -64 --separate-stderr ipctool req serve -- up cat
	assert_equal "$stderr" "ipctool req: req serve needs a SUBJECT (see 'ipctool req --help')"
}

@test "sock-client, sock-server, pipe: '--' ends the options; the servers run what follows" {
	port=$(free_port)
	run -69 --separate-stderr ipctool sock-client -t 2s -- "tcp:127.0.0.1:$port"
	assert_equal "$stderr" "ipctool sock-client: connection refused: nothing listens on tcp:127.0.0.1:$port"
	run -64 --separate-stderr ipctool sock-client tcp:1 -- cat
	assert_equal "$stderr" "ipctool sock-client: one ADDR only, got 'cat' (see 'ipctool sock-client --help')"
	run -64 --separate-stderr ipctool sock-server -- cat
	assert_equal "$stderr" "ipctool sock-server: missing ADDR (see 'ipctool sock-server --help')"
	run -0 --separate-stderr ipctool pipe -- printf '%s\n' -0 :: cat
	assert_output "-0"
}

@test "-c 0 is no limit wherever --count is" {
	# fifo recv: every message until the last writer goes
	run -0 ipctool fifo make "$T/f"
	start_bg ipctool fifo send "$T/f" a b c
	run -0 --separate-stderr ipctool fifo recv -c 0 "$T/f"
	assert_output $'a\nb\nc'
	# sig send: until the values run out (--value up to 2147483647)
	PF=$T/w.pid
	start_bg ipctool sig wait -c 3 --json --pidfile "$PF" RTMIN
	RECV=$BG_PID
	RECV_OUT=$BG_OUT
	wait_for_path "$PF"
	run -0 --separate-stderr ipctool sig send -s RTMIN --value 2147483645 -c 0 "$RECV"
	wait_exit "$RECV"
	assert_equal "$WAIT_STATUS" 0
	run -0 grep -c '"value":214748364[567]' "$RECV_OUT"
	assert_output 3
	# bus sub, bus monitor, req serve: taken (no broker here: exit 69)
	run -69 ipctool bus sub -c 0 x
	run -69 ipctool bus monitor -c 0
	run -69 ipctool req serve -c 0 up -- cat
}

@test "fifo rm -f: a missing PATH is no error, a file that is not a FIFO still is" {
	run -1 --separate-stderr ipctool fifo rm "$T/none"
	assert_equal "$stderr" "ipctool fifo: rm $T/none: No such file or directory"
	run -0 --separate-stderr ipctool fifo rm -f "$T/none"
	assert_equal "$stderr" ""
	run -0 --separate-stderr ipctool fifo rm -f
	assert_equal "$stderr" ""
	touch "$T/plain"
	run -1 --separate-stderr ipctool fifo rm -f "$T/plain"
	assert_equal "$stderr" "ipctool fifo: rm $T/plain: is a regular file, not a FIFO (left in place)"
	assert_file_exists "$T/plain"
	run -0 ipctool fifo make "$T/f"
	run -0 ipctool fifo rm -f "$T/none" "$T/f"
	assert [ ! -e "$T/f" ]
}

@test "the letters that changed: the old ones are refused" {
	run -64 --separate-stderr ipctool sock-server -q tcp:0
	assert_equal "$stderr" "ipctool sock-server: unknown option '-q' (see 'ipctool sock-server --help')"
	run -64 --separate-stderr ipctool sock-client -m x tcp:1
	assert_equal "$stderr" "ipctool sock-client: unknown option '-m' (see 'ipctool sock-client --help')"
	run -64 --separate-stderr ipctool pipe -s 1M cat
	assert_equal "$stderr" "ipctool pipe: unknown option '-s' (see 'ipctool pipe --help')"
	run -64 --separate-stderr ipctool bus pub -s a b
	assert_equal "$stderr" "ipctool bus: unknown option '-s' (see 'ipctool bus --help')"
}

@test "the completion scripts' hidden options count only as the first word" {
	run -0 --separate-stderr ipctool sig --complete send -
	assert_line -- --sync
	run -0 --separate-stderr ipctool sig send --complete-words
	assert_line -- --value
	run -64 --separate-stderr ipctool sig send 1 --complete x
	assert_output ""
	assert_equal "$stderr" "ipctool sig: unknown option '--complete' (see 'ipctool sig --help')"
	run -64 --separate-stderr ipctool bus pub x --complete-words
	assert_output ""
	assert_equal "$stderr" "ipctool bus: unknown option '--complete-words' (see 'ipctool bus --help')"
	run -64 --separate-stderr ipctool pipe -B 64K --complete x
	assert_equal "$stderr" "ipctool pipe: unknown option '--complete' (see 'ipctool pipe --help')"
}
