#!/usr/bin/env bats
# faults.bats - hostile conditions, each bounded in time: a peer killed
# with SIGKILL in the middle of a stream, a receiver that stops reading,
# storms of harmless signals and SIGSTOP/SIGCONT during transfers, and
# running out of descriptors (ulimit -n 64). Whatever happens: a clear
# error and a documented exit status, no hang, no zombie, and the data
# that does arrive is intact.

load helpers.bash
load stress.bash

# No LeakSanitizer check at exit in this file (ASan build): its exit-time
# tracer attaches with PTRACE_ATTACH and waits for the SIGSTOP that
# brings; a storm's SIGCONT landing just then discards that SIGSTOP and
# the process spins for ever. Leaks on these paths are checked by the
# other files and by make check-valgrind.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

setup_file() {
	figures_reset
	export DATA="$BATS_FILE_TMPDIR/data"
	head -c "$DATA_BYTES" /dev/urandom >"$DATA"
	DATA_SHA=$(sha256sum <"$DATA")
	export DATA_SHA="${DATA_SHA%% *}  -"
}

setup() {
	T=$BATS_TEST_TMPDIR
	STORM_STOP="$T/storm.stop"
}

# ME FILE CMD...: a stage that writes its pid into FILE, then runs CMD
# (ipctool pipe ... :: "${ME[@]}" FILE CMD ...)
ME=(sh -c 'echo $$ >"$0"; exec "$@"')

# ended PID...: every PID has exited (a zombie whose parent is gone
# counts: it is no longer ours to reap)
ended() {
	local p
	for p; do
		[ ! -e "/proc/$p" ] || grep -q '^State:.*Z' "/proc/$p/status" || return 1
	done
}

# storm PID: until PID ends or $STORM_STOP exists, rounds of 100 SIGCHLD,
# 100 SIGWINCH, 100 SIGPIPE (sent with the sig applet of $IPCTOOL, or of
# $SIG_IPCTOOL), then SIGSTOP and SIGCONT; prints the rounds
# ignores_pipe PID: SIGPIPE (13, bit 12) is in PID's SigIgn mask
ignores_pipe() {
	local mask
	mask=$(awk '/^SigIgn:/ { print $2 }' "/proc/$1/status") || return 1
	(((16#$mask >> 12) & 1))
}

storm() {
	local pid=$1 n=0
	while [ ! -e "$STORM_STOP" ] && kill -0 "$pid" 2>/dev/null; do
		"${SIG_IPCTOOL:-$IPCTOOL}" sig send -s CHLD -c 100 "$pid" 2>/dev/null &&
		"${SIG_IPCTOOL:-$IPCTOOL}" sig send -s WINCH -c 100 "$pid" 2>/dev/null &&
		"${SIG_IPCTOOL:-$IPCTOOL}" sig send -s PIPE -c 100 "$pid" 2>/dev/null &&
		kill -STOP "$pid" 2>/dev/null || break
		kill -CONT "$pid" 2>/dev/null
		n=$((n + 1))
		[ "$n" != 1 ] || : >"$STORM_STOP.1"
	done
	kill -CONT "$pid" 2>/dev/null
	echo "$n"
}

# start_storm PID [EXE]: storm PID in the background, once it runs EXE
# (ipctool by default; a shell would die of the SIGPIPEs); sets
# STORM_PID, STORM_OUT
start_storm() {
	wait_until 20 bash -c "[ \"\$(readlink -f /proc/$1/exe)\" = '$(readlink -f "${2:-$IPCTOOL}")' ]"
	# and until it ignores SIGPIPE (main does, after the loader): the
	# storm sends PIPE too, which before that kills it (exit 141)
	wait_until 20 ignores_pipe "$1"
	rm -f "$STORM_STOP" "$STORM_STOP.1"
	start_bg bash -c "$(declare -f storm); STORM_STOP='$STORM_STOP' storm $1"
	STORM_PID=$BG_PID
	STORM_OUT=$BG_OUT
	wait_for_path "$STORM_STOP.1" 20
}

# stop_storm: end the storm, wait for it; sets STORM_ROUNDS
stop_storm() {
	touch "$STORM_STOP"
	wait_exit "$STORM_PID" 20
	STORM_ROUNDS=$(cat "$STORM_OUT")
}

# gate: a FIFO that holds a stage back until open_gate (so that a storm
# or a kill lands while data is moving); sets GATE
make_gate() {
	GATE="$T/gate"
	rm -f "$GATE"
	mkfifo "$GATE"
}

open_gate() {
	echo go >"$GATE"
}

# --- a peer killed with SIGKILL in the middle of a stream -------------

# kill_stage OPTS...: a chain (with OPTS) from an endless producer to a
# consumer; VICTIM (1 or 2) is killed with SIGKILL mid-stream
kill_stage() {
	local victim=$1
	shift
	rm -f "$T/p1" "$T/p2"
	start_bg "$IPCTOOL" pipe "$@" "${ME[@]}" "$T/p1" cat /dev/zero :: "${ME[@]}" "$T/p2" wc -c
	local pp=$BG_PID err=$BG_ERR p1 p2
	p1=$(pid_of "$T/p1")
	p2=$(pid_of "$T/p2")
	kill -KILL "$(cat "$T/p$victim")"
	wait_exit "$pp" 20
	assert_equal "$WAIT_STATUS" 137
	run -0 grep -c "^ipctool pipe: stage $victim (sh) killed by signal KILL$" "$err"
	wait_until 20 ended "$p1" "$p2"
}

@test "pipe chain: the consumer killed mid-stream: named, status 137, the producer ends" {
	kill_stage 2
	kill_stage 2 --stats
}

@test "pipe chain: the producer killed mid-stream: named, status 137, the consumer ends" {
	kill_stage 1
	kill_stage 1 --stats
	kill_stage 1 --progress
}

@test "pipe --fan-out: a consumer killed mid-stream is reported, the others get every byte" {
	start_bg "$IPCTOOL" pipe --fan-out cat "$DATA" :: \
		sh -c 'exec sha256sum >"$1"' sh "$T/1" :: "${ME[@]}" "$T/v" sleep 60 :: sha256sum
	local pp=$BG_PID out=$BG_OUT err=$BG_ERR
	# the victim reads nothing: the tee waits for it, mid-stream
	v=$(pid_of "$T/v")
	kill -KILL "$v"
	wait_exit "$pp" 30
	assert_equal "$WAIT_STATUS" 137
	assert_equal "$(cat "$out")" "$DATA_SHA"
	assert_equal "$(cat "$T/1")" "$DATA_SHA"
	assert_equal "$(cat "$err")" "ipctool pipe: stage 3 (sh) stopped reading; the others go on
ipctool pipe: stage 3 (sh) killed by signal KILL"
}

@test "pipe --fan-in: a writer killed mid-stream, the other writer's messages all arrive" {
	make_gate
	start_bg "$IPCTOOL" pipe --fan-in \
		"${ME[@]}" "$T/v" sh -c 'yes V | head -n 100000; read -r _ <"$1"; exec yes V' sh "$GATE" :: \
		sh -c 'read -r _ <"$1"; exec seq -f "A %.0f" "$2"' sh "$GATE" "$MSGS" :: \
		awk '$1 == "A" { if ($2 != ++a || NF != 2) bad++; next }
		    $0 != "V" { bad++ } END { printf "A %d bad %d\n", a, bad }'
	local pp=$BG_PID out=$BG_OUT
	v=$(pid_of "$T/v")
	exec {g}<>"$GATE"
	echo go >&$g
	echo go >&$g
	kill -KILL "$v"
	# held open until the end: a stage that opens the gate after a close
	# would wait for a writer for ever (a FIFO keeps no data unopened)
	wait_exit "$pp" 30
	exec {g}>&-
	assert_equal "$WAIT_STATUS" 137
	assert_equal "$(cat "$out")" "A $MSGS bad 0"
}

@test "pipe killed itself mid-stream (--stats relay): its stages end, nothing hangs" {
	start_bg "$IPCTOOL" pipe --stats "${ME[@]}" "$T/p1" cat /dev/zero :: "${ME[@]}" "$T/p2" wc -c
	local pp=$BG_PID
	p1=$(pid_of "$T/p1")
	p2=$(pid_of "$T/p2")
	kill -KILL "$pp"
	wait_exit "$pp" 10
	assert_equal "$WAIT_STATUS" 137
	wait_until 20 ended "$p1" "$p2"
}

@test "broker: a publisher killed in the middle of a payload: nothing partial is delivered, the broker serves on" {
	broker "unix:$T/bus.sock"
	mkfifo "$T/sub.in"
	start_bg_in "$T/sub.in" socat -t 30 - "UNIX-CONNECT:$T/bus.sock"
	local sub_out=$BG_OUT
	exec {s}>"$T/sub.in"
	printf 'CONNECT {"verbose":false}\r\nSUB a 1\r\nPING\r\n' >&$s
	wait_for_line "$sub_out" '^PONG'
	# one whole message, half of the next, then SIGKILL
	run -137 peers nats-die "$BROKER_ADDR" pub
	wait_for_line "$BROKER_LOG" 'client 2 .*: disconnected' 20
	printf 'PING\r\n' >&$s
	exec {s}>&-
	wait_until 20 bash -c "[ \$(grep -c PONG '$sub_out') -eq 2 ]"
	assert_equal "$(tr -d '\r' <"$sub_out" | tail -n +3)" "MSG a 1 2
ok
PONG"
	kill -0 "$BROKER_PID"
}

@test "broker: a subscriber killed while it is flooded goes, the publisher and the others go on" {
	broker "unix:$T/bus.sock"
	# a subscriber that kills itself after $MSGS / 10 messages
	start_bg peers nats-die "$BROKER_ADDR" sub cnt $((MSGS / 10))
	local v=$BG_PID
	wait_for_line "$BG_OUT" '^ready$' 20
	run -0 --separate-stderr peers nats-count "$BROKER_ADDR" "$MSGS" --queue 2
	assert_equal "$output" "plain: $MSGS of $MSGS in order; queue group of 2: $MSGS delivered, 0 lost, 0 duplicated"
	wait_exit "$v" 20
	assert_equal "$WAIT_STATUS" 137
	wait_for_line "$BROKER_LOG" 'client 1 .*: (Connection reset by peer|Broken pipe|disconnected)$' 20
}

@test "broker killed with SIGKILL: its clients see the connection end, no hang" {
	broker "unix:$T/bus.sock"
	mkfifo "$T/c.in"
	start_bg_in "$T/c.in" socat -t 0.2 - "UNIX-CONNECT:$T/bus.sock"
	local c=$BG_PID out=$BG_OUT
	exec {f}>"$T/c.in"
	printf 'CONNECT {"verbose":false}\r\nSUB a 1\r\nPING\r\n' >&$f
	wait_for_line "$out" '^PONG'
	kill -KILL "$BROKER_PID"
	wait_exit "$c" 20
	assert_equal "$WAIT_STATUS" 0
	exec {f}>&-
	# the socket file stays; a new broker replaces it and serves
	broker "unix:$T/bus.sock"
	run -0 --separate-stderr peers nats-count "$BROKER_ADDR" 100
	assert_equal "$output" "plain: 100 of 100 in order"
}

# --- a receiver that stops reading ----------------------------------

@test "pipe: a consumer that stops reading blocks the producer until --timeout (75)" {
	for shape in "" --stats --fan-out; do
		extra=()
		[ "$shape" = --fan-out ] && extra=(:: wc -c)
		SECONDS=0
		run -75 --separate-stderr ipctool pipe $shape -t 1s cat /dev/zero :: sleep 60 "${extra[@]}"
		[ "$SECONDS" -lt 10 ]
		run -0 grep -cx 'ipctool pipe: timed out after 1s: stopping the stages' <<<"$stderr"
	done
}

@test "broker: a subscriber that stops reading is dropped as a slow consumer, the others get everything" {
	broker --max-pending 262144 "unix:$T/bus.sock"
	run -0 --separate-stderr peers nats-slow "$BROKER_ADDR" "$((MSGS / 4))" --size 1024
	assert_equal "$output" "fast: $((MSGS / 4)) of $((MSGS / 4)) in order; slow: dropped with -ERR 'Slow Consumer'"
	run -0 grep -c 'slow consumer, disconnected' "$BROKER_LOG"
	assert_equal "$output" 1
}

# --- signal storms during transfers ---------------------------------

# storm_pipe OPTS... : DATA through "pipe OPTS" with a storm on the pipe
# process from before the first byte to the end; sha256 compared
storm_pipe() {
	make_gate
	start_bg "$IPCTOOL" pipe "$@" sh -c 'read -r _ <"$1"; exec cat "$2"' sh "$GATE" "$DATA" :: cat :: sha256sum
	local pp=$BG_PID out=$BG_OUT err=$BG_ERR
	start_storm "$pp"
	open_gate
	wait_exit "$pp" 120
	stop_storm
	assert_equal "$WAIT_STATUS" 0
	assert_equal "$(cat "$out")" "$DATA_SHA"
	[ "$STORM_ROUNDS" -ge 1 ]
	figure "pipe $*: $(mib "$DATA_BYTES") intact through $STORM_ROUNDS storm rounds ($((STORM_ROUNDS * 300)) signals, $STORM_ROUNDS SIGSTOP/SIGCONT)"
}

@test "signal storm on pipe (kernel chain, --stats splice relay, --progress): data intact" {
	storm_pipe
	storm_pipe --stats
	storm_pipe --progress
}

@test "signal storm on pipe --fan-out (tee) and --fan-in (merge): data intact" {
	make_gate
	start_bg "$IPCTOOL" pipe --fan-out sh -c 'read -r _ <"$1"; exec cat "$2"' sh "$GATE" "$DATA" :: \
		sh -c 'exec sha256sum >"$1"' sh "$T/1" :: sha256sum
	local pp=$BG_PID out=$BG_OUT
	start_storm "$pp"
	open_gate
	wait_exit "$pp" 120
	stop_storm
	assert_equal "$WAIT_STATUS" 0
	assert_equal "$(cat "$out")" "$DATA_SHA"
	assert_equal "$(cat "$T/1")" "$DATA_SHA"
	rm "$GATE"
	make_gate
	start_bg "$IPCTOOL" pipe --fan-in \
		sh -c 'read -r _ <"$1"; exec seq -f "A %.0f" "$2"' sh "$GATE" "$MSGS" :: \
		sh -c 'read -r _ <"$1"; exec seq -f "B %.0f" "$2"' sh "$GATE" "$MSGS" :: \
		awk '{ if ($2 != ++n[$1] || NF != 2) bad++ } END { printf "A %d B %d bad %d\n", n["A"], n["B"], bad }'
	pp=$BG_PID out=$BG_OUT
	start_storm "$pp"
	exec {g}<>"$GATE"
	echo go >&$g
	echo go >&$g
	wait_exit "$pp" 120
	exec {g}>&-
	stop_storm
	assert_equal "$WAIT_STATUS" 0
	assert_equal "$(cat "$out")" "A $MSGS B $MSGS bad 0"
}

@test "signal storm on the broker while $MSGS messages go through: none lost" {
	broker "unix:$T/bus.sock"
	start_storm "$BROKER_PID" "$BROKERD"
	run -0 --separate-stderr peers nats-count "$BROKER_ADDR" "$MSGS" --queue 2
	stop_storm
	assert_equal "$output" "plain: $MSGS of $MSGS in order; queue group of 2: $MSGS delivered, 0 lost, 0 duplicated"
	[ "$STORM_ROUNDS" -ge 1 ]
	kill -0 "$BROKER_PID"
	figure "broker: $MSGS messages intact through $STORM_ROUNDS storm rounds"
}

# --- out of descriptors ---------------------------------------------

@test "ulimit -n 64: pipe with more stages than descriptors fails cleanly, starts nothing" {
	args=()
	for i in $(seq 40); do
		args+=(sh -c 'echo $$ >>"$1"; exec cat' sh "$T/started" ::)
	done
	for shape in "" --stats --fan-in; do
		# LeakSanitizer needs a descriptor of its own at exit, and this
		# test takes them all: leak checking is for the other tests
		ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" \
		run -1 --separate-stderr bash -c 'ulimit -n 64 && exec "$@"' bash \
			"$IPCTOOL" pipe $shape "${args[@]}" cat
		assert_equal "$stderr" "ipctool pipe: pipe2: Too many open files"
		[ ! -e "$T/started" ]
	done
}

# refusals_logged LOG N: true once LOG accounts for N refused clients
# (lines, plus the counts of the rate-limited lines)
refusals_logged() {
	local n
	n=$(grep -c 'refused a client: out of descriptors' "$1")
	n=$((n + $(sed -n 's/.* \([0-9]*\) more clients refused or dropped.*/\1/p' "$1" | awk '{ s += $1 } END { print s + 0 }')))
	[ "$n" -eq "$2" ]
}

@test "ulimit -n 64: the broker refuses the clients it has no descriptor for, and serves the others" {
	start_bg bash -c 'ulimit -n 64 && exec "$@"' bash "$BROKERD" --addr-file "$T/addr" "unix:$T/bus.sock"
	BROKER_PID=$BG_PID
	BROKER_LOG=$BG_ERR
	wait_for_path "$T/addr" 20
	for round in 1 2; do
		run -0 --separate-stderr peers hold "unix:$T/bus.sock" 100
		[[ "${lines[0]}" =~ ^served\ ([0-9]+),\ refused\ ([0-9]+),\ silent\ 0$ ]]
		served=${BASH_REMATCH[1]}
		[ "$served" -ge 40 ]
		assert_equal "${BASH_REMATCH[2]}" $((100 - served))
		assert_equal "${lines[1]}" "closed: -ERR 'maximum connections exceeded'"
		assert_equal "${lines[2]}" "served again: $served of $served"
		# the second round gets as many: nothing leaked
		[ "$round" = 1 ] || assert_equal "$served" "$first"
		first=$served
	done
	# refusals are logged at most once a second, the others counted
	wait_until 10 refusals_logged "$BROKER_LOG" $((2 * (100 - served)))
	figure "broker at ulimit -n 64: $served clients served, $((100 - served)) refused with -ERR, twice"
}

# --- fifo -----------------------------------------------------------

@test "fifo --raw: the receiver killed mid-stream: the sender says so and exits 69" {
	ipctool fifo make "$T/f"
	start_bg "$IPCTOOL" fifo recv --raw "$T/f"
	local r=$BG_PID
	local out=$BG_OUT
	start_bg_in /dev/zero "$IPCTOOL" fifo send --raw "$T/f"
	local s=$BG_PID err=$BG_ERR
	wait_until 20 bash -c "[ \$(stat -c %s '$out') -gt 1000000 ]"
	kill -KILL "$r"
	wait_exit "$s" 20
	assert_equal "$WAIT_STATUS" 69
	assert_equal "$(cat "$err")" "ipctool fifo: write to $T/f: the receiver closed the FIFO"
}

@test "fifo --raw: the sender killed mid-stream: the receiver ends, what it got is the start of the data" {
	ipctool fifo make "$T/f"
	mkfifo "$T/in"
	start_bg "$IPCTOOL" fifo recv --raw "$T/f"
	local r=$BG_PID out=$BG_OUT
	start_bg_in "$T/in" "$IPCTOOL" fifo send --raw "$T/f"
	local s=$BG_PID
	exec {w}>"$T/in"
	head -c 1000000 "$DATA" >&$w
	wait_until 20 bash -c "[ \$(stat -c %s '$out') -gt 0 ]"
	kill -KILL "$s"
	exec {w}>&-
	wait_exit "$r" 20
	assert_equal "$WAIT_STATUS" 0
	n=$(stat -c %s "$out")
	[ "$n" -gt 0 ] && [ "$n" -le 1000000 ]
	cmp -n "$n" "$out" "$DATA"
}

@test "fifo: the receiver killed mid-stream: the sender exits 69 with the count, --sync names the message" {
	ipctool fifo make "$T/f"
	for mode in --async --sync; do
		start_bg "$IPCTOOL" fifo recv "$T/f"
		local r=$BG_PID out=$BG_OUT
		start_bg bash -c 'exec "$IPCTOOL" fifo send "$1" "$2" < <(yes message)' bash "$mode" "$T/f"
		local s=$BG_PID err=$BG_ERR
		wait_until 20 bash -c "[ \$(stat -c %s '$out') -gt 100000 ]"
		kill -KILL "$r"
		wait_exit "$s" 20
		assert_equal "$WAIT_STATUS" 69
		if [ "$mode" = --async ]; then
			assert_regex "$(cat "$err")" "^ipctool fifo: write to $T/f: the receiver closed the FIFO \\([0-9]+ messages sent\\)$"
		else
			assert_regex "$(cat "$err")" "^ipctool fifo: send to $T/f: the receiver closed the FIFO before acknowledging message [0-9]+$"
		fi
	done
}

@test "fifo: a sender killed mid-stream never leaves half a message (PIPE_BUF writes)" {
	ipctool fifo make "$T/f"
	line=$(printf '%0100d' 7)
	start_bg "$IPCTOOL" fifo recv "$T/f"
	local r=$BG_PID out=$BG_OUT
	start_bg bash -c 'exec "$IPCTOOL" fifo send "$2" < <(yes "$1")' bash "$line" "$T/f"
	local s=$BG_PID
	wait_until 20 bash -c "[ \$(stat -c %s '$out') -gt 1000000 ]"
	kill -KILL "$s"
	wait_exit "$r" 20
	assert_equal "$WAIT_STATUS" 0
	assert_equal "$(grep -cvx "$line" "$out")" 0
}

@test "fifo: a receiver that stops reading: the sender times out (75) once the pipe is full" {
	ipctool fifo make "$T/f"
	start_bg "$IPCTOOL" fifo recv "$T/f"
	local r=$BG_PID out=$BG_OUT
	start_bg bash -c 'exec "$IPCTOOL" fifo send -t 1s "$1" < <(yes message)' bash "$T/f"
	local s=$BG_PID err=$BG_ERR
	wait_until 20 test -s "$out"
	kill -STOP "$r"
	wait_exit "$s" 20
	kill -CONT "$r"
	assert_equal "$WAIT_STATUS" 75
	assert_regex "$(cat "$err")" "^ipctool fifo: .*$T/f.* 1s"
}

@test "signal storm on fifo send and recv (--raw and messages): data intact" {
	ipctool fifo make "$T/f"
	make_gate
	start_bg "$IPCTOOL" fifo recv --raw "$T/f"
	local r=$BG_PID out=$BG_OUT
	start_bg bash -c 'exec "$IPCTOOL" fifo send --raw "$2" < <(read -r _ <"$1"; exec cat "$3")' bash "$GATE" "$T/f" "$DATA"
	local s=$BG_PID
	start_storm "$r"
	local storm_r=$STORM_PID
	open_gate
	wait_exit "$s" 120
	assert_equal "$WAIT_STATUS" 0
	wait_exit "$r" 120
	assert_equal "$WAIT_STATUS" 0
	stop_storm
	assert_equal "$(sha256sum <"$out")" "$DATA_SHA"
	rounds=$STORM_ROUNDS
	# messages, sync: a storm on the sender
	start_bg bash -c '"$IPCTOOL" fifo recv -F -c "$1" "$2" | awk "{ if (\$1 != ++n) bad++ } END { print n, bad + 0 }"' bash "$MSGS" "$T/f"
	r=$BG_PID out=$BG_OUT
	make_gate
	start_bg bash -c 'exec "$IPCTOOL" fifo send --sync -t 10s "$3" < <(read -r _ <"$1"; exec seq "$2")' bash "$GATE" "$MSGS" "$T/f"
	s=$BG_PID
	start_storm "$s"
	open_gate
	wait_exit "$s" 120
	assert_equal "$WAIT_STATUS" 0
	stop_storm
	wait_exit "$r" 60
	assert_equal "$(cat "$out")" "$MSGS 0"
	figure "fifo: $(mib "$DATA_BYTES") raw through $rounds storm rounds, $MSGS sync messages through $STORM_ROUNDS"
}

# --- sockets --------------------------------------------------------

@test "sockets: a peer killed mid-stream: the other side ends at once (unix and tcp, either side)" {
	need_applet sock-server
	for a in "unix:$T/s.sock" tcp:0; do
		# the client killed while it sends
		sock_server "$a" </dev/null
		start_bg_in /dev/zero "$IPCTOOL" sock-client "$SRV_ADDR"
		local c=$BG_PID
		wait_until 20 bash -c "[ \$(stat -c %s '$SRV_OUT') -gt 1000000 ]"
		kill -KILL "$c"
		wait_exit "$SRV_PID" 20
		wait_until 20 no_zombies "$SRV_PID" || true
		[ "$WAIT_STATUS" -eq 0 ] || [ "$WAIT_STATUS" -eq 1 ]
		# the server killed while it sends
		start_bg_in /dev/zero "$IPCTOOL" sock-server --quiet --addr-file "$T/af" "$a"
		local s=$BG_PID
		wait_for_path "$T/af" 20
		start_bg_in /dev/null "$IPCTOOL" sock-client "$(cat "$T/af")"
		c=$BG_PID
		local out=$BG_OUT
		rm "$T/af"
		wait_until 20 bash -c "[ \$(stat -c %s '$out') -gt 1000000 ]"
		kill -KILL "$s"
		wait_exit "$c" 20
		[ "$WAIT_STATUS" -eq 0 ] || [ "$WAIT_STATUS" -eq 1 ] || [ "$WAIT_STATUS" -eq 69 ]
	done
}

@test "sockets: a server that stops reading: the client gives up after --timeout (75)" {
	need_applet sock-server
	# the server's standard output: a FIFO that sleep holds open and
	# never reads
	mkfifo "$T/full"
	start_bg bash -c 'exec sleep 60 <"$1"' bash "$T/full"
	start_bg bash -c 'exec "$IPCTOOL" sock-server --quiet --addr-file "$2" tcp:0 </dev/null >"$1"' bash "$T/full" "$T/af"
	wait_for_path "$T/af" 20
	SECONDS=0
	run -75 --separate-stderr ipctool sock-client -t 1s "$(cat "$T/af")" </dev/zero
	assert_equal "$stderr" "ipctool sock-client: $(cat "$T/af"): idle for 1s"
	[ "$SECONDS" -lt 10 ]
}

@test "signal storm on sock-server and sock-client during a transfer: data intact" {
	need_applet sock-server
	sock_server "unix:$T/s.sock" </dev/null
	start_storm "$SRV_PID"
	make_gate
	start_bg bash -c 'exec "$IPCTOOL" sock-client "$2" < <(read -r _ <"$1"; exec cat "$3")' bash "$GATE" "$SRV_ADDR" "$DATA"
	local c=$BG_PID
	open_gate
	wait_exit "$c" 120
	assert_equal "$WAIT_STATUS" 0
	wait_exit "$SRV_PID" 60
	assert_equal "$WAIT_STATUS" 0
	stop_storm
	assert_equal "$(sha256sum <"$SRV_OUT")" "$DATA_SHA"
	figure "sock-server: $(mib "$DATA_BYTES") intact through $STORM_ROUNDS storm rounds"
}

@test "ulimit -n 64: sock-server --echo refuses the clients it has no descriptor for, and serves the others" {
	need_applet sock-server
	start_bg bash -c 'ulimit -n 64 && exec "$@"' bash "$IPCTOOL" sock-server --quiet --echo --addr-file "$T/af" tcp:0
	SRV_ERR=$BG_ERR
	wait_for_path "$T/af" 20
	for round in 1 2; do
		run -0 --separate-stderr peers hold "$(cat "$T/af")" 100 --kind echo
		[[ "${lines[0]}" =~ ^served\ ([0-9]+),\ refused\ ([0-9]+),\ silent\ 0$ ]]
		served=${BASH_REMATCH[1]}
		[ "$served" -ge 40 ]
		assert_equal "${BASH_REMATCH[2]}" $((100 - served))
		assert_equal "${lines[-1]}" "served again: $served of $served"
		[ "$round" = 1 ] || assert_equal "$served" "$first"
		first=$served
	done
	figure "sock-server --echo at ulimit -n 64: $served clients served, $((100 - served)) refused, twice"
}

# --- the bus ----------------------------------------------------------

@test "bus daemon killed with SIGKILL and restarted: bus sub says so; with --reconnect it resumes" {
	need_applet bus
	start_bg "$IPCTOOL" bus daemon -l "unix:$T/bus.sock" --addr-file "$T/af"
	local d=$BG_PID
	wait_for_path "$T/af" 20
	A=$(cat "$T/af")
	start_bg "$IPCTOOL" bus sub -b "$A" --ready-file "$T/r1" r
	local plain=$BG_PID plain_err=$BG_ERR
	start_bg "$IPCTOOL" bus sub -b "$A" --reconnect --ready-file "$T/r2" r
	local re=$BG_PID re_out=$BG_OUT re_err=$BG_ERR
	wait_for_path "$T/r1" 20
	wait_for_path "$T/r2" 20
	ipctool bus pub -b "$A" r one
	wait_for_line "$re_out" '^one$' 20
	kill -KILL "$d"
	wait_exit "$plain" 20
	[ "$WAIT_STATUS" -ne 0 ]
	assert_regex "$(cat "$plain_err")" "lost the broker|closed"
	rm "$T/af"
	start_bg "$IPCTOOL" bus daemon -l "unix:$T/bus.sock" --addr-file "$T/af"
	wait_for_path "$T/af" 20
	wait_for_line "$re_err" 'reconnected' 30
	ipctool bus pub -b "$A" r two
	wait_for_line "$re_out" '^two$' 20
	assert_equal "$(cat "$re_out")" "one
two"
}
