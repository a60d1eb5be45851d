#!/usr/bin/env bats
# stats.bats - --stats on every synchronous sender (sig send, fifo send,
# sock-client, bus pub, req call): the summary on stderr at exit, at a
# timeout and on SIGTERM; --json as one object with the counts and times

load helpers.bash
load bus-helpers.bash

setup() {
	bus_setup
}

RT='^round trip min/mean/p50/p99/p99\.9/max = ([0-9]+\.[0-9]/){5}[0-9]+\.[0-9] us$'

# check_text NAME N VERB: $stderr ends with the three summary lines of N
# messages all answered
check_text() {
	local lines
	mapfile -t lines <<<"$stderr"
	local n=${#lines[@]}
	assert_equal "${lines[n - 3]}" "--- $1 statistics ---"
	assert_equal "${lines[n - 2]}" "$2 sent, $2 $3, 0 lost"
	[[ ${lines[n - 1]} =~ $RT ]] || fail "not a round-trip line: ${lines[n - 1]}"
}

# check_json NAME SENT ANSWERED VERB: the last line of $stderr is one JSON
# object with those counts, and ordered times (null when none answered)
check_json() {
	tail -n 1 <<<"$stderr" | python3 -c '
import json, sys
name, sent, acked, verb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
o = json.load(sys.stdin)
keys = ["stats", "sent", verb, "lost", "min_us", "mean_us", "p50_us",
        "p99_us", "p999_us", "max_us"]
assert list(o) == keys, list(o)
assert o["stats"] == name, o
assert (o["sent"], o[verb], o["lost"]) == (sent, acked, sent - acked), o
t = [o[k] for k in ("min_us", "p50_us", "p99_us", "p999_us", "max_us")]
if acked:
    assert all(isinstance(v, (int, float)) and v >= 0 for v in t), o
    assert t == sorted(t), o
    assert t[0] <= o["mean_us"] <= t[-1], o
else:
    assert t == [None] * 5 and o["mean_us"] is None, o
' "$@" || fail "bad --stats --json: $(tail -n 1 <<<"$stderr")"
}

@test "fifo send --sync --stats: the summary on stderr, nothing on stdout" {
	F="$BATS_TEST_TMPDIR/f"
	mkfifo "$F"
	start_bg ipctool fifo recv --count 5 "$F"
	run -0 --separate-stderr bash -c 'seq 5 | "$IPCTOOL" fifo send --sync --stats "$1"' _ "$F"
	assert_equal "$output" ""
	assert_equal "$(wc -l <<<"$stderr")" 3
	check_text "ipctool fifo send" 5 acknowledged
	wait_exit "$BG_PID" 20
	assert_equal "$WAIT_STATUS" 0
	assert_equal "$(cat "$BG_OUT")" "$(seq 5)"
}

@test "fifo send --sync --stats --json: one object, counts equal to the messages" {
	F="$BATS_TEST_TMPDIR/f"
	mkfifo "$F"
	start_bg ipctool fifo recv --count 3 "$F"
	run -0 --separate-stderr ipctool fifo send --sync --stats --json "$F" a b c
	assert_equal "$(wc -l <<<"$stderr")" 1
	check_json "ipctool fifo send" 3 3 acknowledged
}

@test "sig send --sync --stats -c N: N signals, N acknowledged" {
	PF="$BATS_TEST_TMPDIR/pid"
	start_bg ipctool sig wait --ack --count 50 --pidfile "$PF" RTMIN
	wait_for_path "$PF"
	run -0 --separate-stderr ipctool sig send --sync --stats -s RTMIN -c 50 -p "$PF"
	check_text "ipctool sig send" 50 acknowledged
	wait_exit "$BG_PID" 20
	assert_equal "$WAIT_STATUS" 0
	PF="$BATS_TEST_TMPDIR/pid2"
	start_bg ipctool sig wait --ack --count 20 --pidfile "$PF" RTMIN
	wait_for_path "$PF"
	run -0 --separate-stderr ipctool sig send --sync --stats --json -s RTMIN -c 20 -p "$PF"
	check_json "ipctool sig send" 20 20 acknowledged
}

@test "sock-client --sync --stats and --request --stats --json" {
	local af="$BATS_TEST_TMPDIR/addr"
	start_bg ipctool sock-server --once --ack --addr-file "$af" tcp:0
	wait_for_path "$af"
	run -0 --separate-stderr bash -c 'seq 40 | "$IPCTOOL" sock-client --sync --stats "$1"' _ "$(cat "$af")"
	assert_equal "$output" ""
	check_text "ipctool sock-client" 40 acknowledged
	af="$BATS_TEST_TMPDIR/addr2"
	start_bg ipctool sock-server --once --echo --addr-file "$af" tcp:0
	wait_for_path "$af"
	run -0 --separate-stderr ipctool sock-client --request --stats --json --send ping "$(cat "$af")"
	assert_equal "$output" "ping"
	check_json "ipctool sock-client" 1 1 answered
}

@test "bus pub --sync --stats --json: every message acknowledged by sub --ack" {
	start_daemon
	start_sub --ack --count 30 orders
	run -0 --separate-stderr bash -c 'seq 30 | "$IPCTOOL" bus pub --sync --stats --json orders'
	check_json "ipctool bus pub" 30 30 acknowledged
	wait_exit "$SUB_PID" 20
	assert_equal "$WAIT_STATUS" 0
}

@test "req call --stats: one job; --async --window 4: every job answered" {
	start_daemon
	start_serve --lines jobs -- cat
	run -0 --separate-stderr ipctool req call --stats jobs hello
	assert_equal "$output" "hello"
	check_text "ipctool req call" 1 answered
	run -0 --separate-stderr bash -c 'seq 25 | "$IPCTOOL" req call --async --window 4 --stats --json jobs'
	# --json: the results as objects too, on stdout
	assert_equal "$(wc -l <<<"$output")" 25
	check_json "ipctool req call" 25 25 answered
	# no worker: sent, not answered
	run -69 --separate-stderr ipctool req call --stats --json nobody hi
	assert_equal "$(head -n 1 <<<"$stderr")" "ipctool req: no worker serves nobody (no responders)"
	check_json "ipctool req call" 1 0 answered
}

@test "--stats at a timeout: the error, then the summary; exit 75" {
	F="$BATS_TEST_TMPDIR/f"
	mkfifo "$F"
	exec {fd}<>"$F"
	run -75 --separate-stderr ipctool fifo send --sync --stats --timeout 100ms "$F" hi
	assert_equal "$stderr" "ipctool fifo: send to $F: no acknowledgement of message 1 within 100ms
--- ipctool fifo send statistics ---
1 sent, 0 acknowledged, 1 lost
round trip: none"
	run -75 --separate-stderr ipctool fifo send --sync --stats --json --timeout 100ms "$F" hi
	check_json "ipctool fifo send" 1 0 acknowledged
	exec {fd}<&-
}

# killed_fifo_send SIG STATUS [CMD...]: fifo send --sync --stats (run by
# CMD... when given) into a FIFO nobody acknowledges, sent SIG once it has
# written: it dies with STATUS after the summary of one lost message
killed_fifo_send() {
	local sig=$1 status=$2 fd
	shift 2
	F="$BATS_TEST_TMPDIR/f"
	mkfifo "$F"
	exec {fd}<>"$F"
	start_bg "$@" "$IPCTOOL" fifo send -v --sync --stats --timeout 30s "$F" hi
	# the trace of the write comes after the recorder is armed
	wait_for_line "$BG_ERR" 'write\('
	kill -"$sig" "$BG_PID"
	wait_exit "$BG_PID" 20
	assert_equal "$WAIT_STATUS" "$status"
	assert_equal "$(tail -n 3 "$BG_ERR")" "--- ipctool fifo send statistics ---
1 sent, 0 acknowledged, 1 lost
round trip: none"
	exec {fd}<&-
	rm "$F"
}

@test "--stats on SIGTERM: the summary, the reply FIFO removed, death by the signal" {
	killed_fifo_send TERM 143
	run ls "$XDG_RUNTIME_DIR"
	assert_output ""
	# bus pub to a subscriber that never acknowledges
	start_daemon
	start_sub deaf
	start_bg ipctool bus pub -v --sync --stats --json --timeout 30s deaf hi
	wait_for_line "$BG_ERR" 'PUB deaf'
	kill -TERM "$BG_PID"
	wait_exit "$BG_PID" 20
	assert_equal "$WAIT_STATUS" 143
	stderr=$(cat "$BG_ERR")
	check_json "ipctool bus pub" 1 0 acknowledged
}

@test "--stats on SIGINT (Ctrl-C): the summary, death by the signal" {
	# a background job of a script starts with SIGINT ignored, and the
	# applet keeps it so (as a shell would): give it the default, as a
	# terminal's foreground job has it; env execs, so BG_PID is the applet
	killed_fifo_send INT 130 env --default-signal=INT
}

@test "--stats without a synchronous wait, --json without --stats: exit 64" {
	run -64 --separate-stderr ipctool fifo send --stats /nonexistent hi
	assert_equal "$stderr" "ipctool fifo: --stats needs --sync: only acknowledged messages have a round trip (see 'ipctool fifo --help')"
	run -64 --separate-stderr ipctool fifo send --sync --json /nonexistent hi
	assert_equal "$stderr" "ipctool fifo: send --json needs --stats (see 'ipctool fifo --help')"
	run -64 --separate-stderr ipctool sig send --stats 1
	assert_equal "$stderr" "ipctool sig: --stats needs --sync: only acknowledged signals have a round trip (see 'ipctool sig --help')"
	run -64 --separate-stderr ipctool sig send --sync --json 1
	assert_equal "$stderr" "ipctool sig: send --json needs --stats (see 'ipctool sig --help')"
	run -64 --separate-stderr ipctool sock-client --stats --send x unix:/nonexistent
	assert_equal "$stderr" "ipctool sock-client: --stats needs --sync or --request: only answered messages have a round trip (see 'ipctool sock-client --help')"
	run -64 --separate-stderr ipctool sock-client --json --sync unix:/nonexistent
	assert_equal "$stderr" "ipctool sock-client: --json needs --stats (see 'ipctool sock-client --help')"
	run -64 --separate-stderr ipctool bus pub --stats -b unix:/nonexistent s x
	assert_equal "$stderr" "ipctool bus: --stats needs --sync: only acknowledged messages have a round trip (see 'ipctool bus --help')"
	run -64 --separate-stderr ipctool bus pub --sync --json -b unix:/nonexistent s x
	assert_equal "$stderr" "ipctool bus: pub --json needs --stats (see 'ipctool bus --help')"
	run -64 --separate-stderr ipctool req call --stats --reply-to r -b unix:/nonexistent s x
	assert_equal "$stderr" "ipctool req: --stats times results: not with --reply-to (see 'ipctool req --help')"
	run -64 --separate-stderr ipctool fifo recv --stats /nonexistent
	assert_equal "$stderr" "ipctool fifo: 'fifo recv' takes no --stats option (see 'ipctool fifo --help')"
}
