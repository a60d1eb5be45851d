#!/usr/bin/env bats
# req.bats - ipctool req: workers (serve) and callers (call, sync and
# async) against a real nats-server on loopback, the embedded broker when
# it is built in, and libnats programs (tests/interop) as the other side

load helpers.bash
load bus-helpers.bash

setup() {
	bus_setup
}

# interop NAME: the path of a libnats test program, or skip
interop() {
	local p="${IPCTOOL_BUILDDIR:-}/tests/interop/$1"
	[ -x "$p" ] || skip "libnats test programs not built (libnats-dev missing)"
	echo "$p"
}

@test "req: usage errors are exit 64 with one line" {
	run -64 --separate-stderr ipctool req serve up
	assert_equal "$stderr" "ipctool req: req serve needs a command after -- (see 'ipctool req --help')"
	run -64 --separate-stderr ipctool req serve up --
	assert_equal "$stderr" "ipctool req: req serve needs a command after -- (see 'ipctool req --help')"
	run -64 --separate-stderr ipctool req call
	assert_equal "$stderr" "ipctool req: req call needs a SUBJECT (see 'ipctool req --help')"
	run -64 --separate-stderr ipctool req call --window 4 up x
	assert_equal "$stderr" "ipctool req: --window, --ordered and --tag need --async (see 'ipctool req --help')"
	run -64 --separate-stderr ipctool req call -j 2 up x
	assert_equal "$stderr" "ipctool req: 'req call' takes no --jobs option (see 'ipctool req --help')"
	run -64 --separate-stderr ipctool req call --async up x
	assert_equal "$stderr" "ipctool req: req call --async reads payloads from stdin, one per line (see 'ipctool req --help')"
}

@test "req: no broker is exit 69 with a hint" {
	run -69 --separate-stderr ipctool req call up x
	assert_equal "$stderr" "ipctool req: connect to unix:$XDG_RUNTIME_DIR/ipctool/bus.sock: No such file or directory (start one with: ipctool bus daemon &)"
}

@test "req: call gets the worker's stdout and its exit status (nats-server)" {
	start_nats
	start_serve up -- sh -c 'tr a-z A-Z; exit 3'
	run -3 --separate-stderr ipctool req call up hello
	assert_equal "$output" "HELLO"
	assert_equal "$stderr" ""
	run -3 ipctool req call up <<<"from stdin"
	assert_output "FROM STDIN"
	run -3 ipctool req call --json up 'a "q"'
	assert_output '{"status":3,"result":"A \"Q\"\n"}'
}

@test "req: no worker is exit 69 at once, no result in time exit 75 (nats-server)" {
	start_nats
	run -69 --separate-stderr ipctool req call nobody x
	assert_equal "$stderr" "ipctool req: no worker serves nobody (no responders)"
	start_bg "$IPCTOOL" bus sub --ready-file "$BATS_TEST_TMPDIR/r" slow
	wait_for_path "$BATS_TEST_TMPDIR/r"
	run -75 --separate-stderr ipctool req call -t 200ms slow x
	assert_equal "$stderr" "ipctool req: no result from slow within 200ms"
}

@test "req: serve --timeout kills a job: status 124 (nats-server)" {
	start_nats
	start_serve -t 200ms nap -- sh -c 'sleep 30 & wait'
	run -124 --separate-stderr ipctool req call -t 20s nap x
	assert_equal "$stderr" "ipctool req: job failed: timeout"
	run -124 ipctool req call --json -t 20s nap x
	assert_output '{"status":124,"result":"","error":"timeout"}'
	assert_regex "$(cat "$SERVE_ERR")" 'ipctool req: job [0-9]+ killed after the timeout'
}

@test "req: a command gone after the start is status 127, the worker goes on (nats-server)" {
	start_nats
	printf '#!/bin/sh\ncat\n' >"$BATS_TEST_TMPDIR/no-such-cmd"
	chmod +x "$BATS_TEST_TMPDIR/no-such-cmd"
	start_serve nx -- "$BATS_TEST_TMPDIR/no-such-cmd"
	rm "$BATS_TEST_TMPDIR/no-such-cmd"
	run -127 --separate-stderr ipctool req call nx x
	assert_equal "$stderr" "ipctool req: job failed: cannot execute $BATS_TEST_TMPDIR/no-such-cmd: No such file or directory"
	run -127 ipctool req call --json nx x
	assert_output "{\"status\":127,\"result\":\"\",\"error\":\"cannot execute $BATS_TEST_TMPDIR/no-such-cmd: No such file or directory\"}"
	kill -0 "$SERVE_PID"
}

@test "req: a job killed by a signal is 128+N (nats-server)" {
	start_nats
	start_serve die -- sh -c 'kill -TERM $$'
	run -143 ipctool req call die x
}

@test "req: call --async --tag tags results with the job number (nats-server)" {
	start_nats
	start_serve -j 4 up -- tr a-z A-Z
	run -0 --separate-stderr ipctool req call --async --tag up <<<$'a\nb\nc'
	run -0 sort <<<"$output"
	assert_output $'1\tA\n2\tB\n3\tC'
}

@test "req: call --async --ordered prints bare results in input order; -0 (nats-server)" {
	start_nats
	start_serve -j 4 up -- sh -c 'sleep 0.$((RANDOM % 3)); tr a-z A-Z'
	ipctool req call --async --ordered -w 4 up <<<$'a\nb\nc\nd' >"$BATS_TEST_TMPDIR/out"
	assert_equal "$(od -An -c "$BATS_TEST_TMPDIR/out" | tr -s ' ')" \
	    " A \\n B \\n C \\n D \\n"
	# -0: NUL-terminated jobs (a newline inside is data), NUL after results
	printf 'a\nb\0c\0' | ipctool req call --async --ordered -0 up >"$BATS_TEST_TMPDIR/out"
	assert_equal "$(od -An -c "$BATS_TEST_TMPDIR/out" | tr -s ' ')" \
	    " A \\n B \\0 C \\0"
	printf 'a\0b\0' | ipctool req call --async --ordered --tag -0 up >"$BATS_TEST_TMPDIR/out"
	assert_equal "$(od -An -c "$BATS_TEST_TMPDIR/out" | tr -s ' ')" \
	    " 1 \\t A \\0 2 \\t B \\0"
	printf 'x\0' | ipctool req call -0 up >"$BATS_TEST_TMPDIR/out"
	assert_equal "$(od -An -c "$BATS_TEST_TMPDIR/out" | tr -s ' ')" " X \\0"
	run -64 --separate-stderr ipctool req serve -0 up -- cat
	assert_equal "$stderr" "ipctool req: 'req serve' takes no --null option (see 'ipctool req --help')"
}

@test "req: call --async --ordered --json in input order, status 1 when a job failed (nats-server)" {
	start_nats
	start_serve -j 4 chk -- sh -c 'read x; [ "$x" != bad ] || exit 2; sleep 0.$((RANDOM % 3)); echo "ok $x"'
	run -1 --separate-stderr ipctool req call --async --ordered --json -w 3 chk <<<$'a\nbad\nc\nd'
	assert_output '{"id":1,"status":0,"result":"ok a\n"}
{"id":2,"status":2,"result":""}
{"id":3,"status":0,"result":"ok c\n"}
{"id":4,"status":0,"result":"ok d\n"}'
	run -1 --separate-stderr ipctool req call --async --ordered --tag chk <<<$'a\nbad'
	assert_output $'1\tok a\n2\t'
	assert_equal "$stderr" "ipctool req: job 2: status 2"
}

@test "req: 1000 jobs through --window 64 and two workers: each result once (nats-server)" {
	start_nats
	start_serve -j 2 sq -- sh -c 'read x; echo $((x * x))'
	start_serve -j 2 sq -- sh -c 'read x; echo $((x * x))'
	seq 1 1000 >"$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr ipctool req call --async --tag -w 64 sq <"$BATS_TEST_TMPDIR/in"
	want=$(for i in $(seq 1 1000); do printf '%d\t%d\n' "$i" $((i * i)); done)
	assert_equal "$(sort -n <<<"$output")" "$want"
}

@test "req: -j 2 runs two jobs at once (nats-server)" {
	start_nats
	# each job waits for the other's file: only parallel jobs finish
	d=$BATS_TEST_TMPDIR
	start_serve -j 2 -t 10s pair -- sh -c 'read me; other=$(cat '"$d"'/other.$me); touch '"$d"'/$me; i=0; while [ ! -e '"$d"'/$other ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i+1)); done; [ -e '"$d"'/$other ] && echo "$me done"'
	echo b >"$d/other.a"
	echo a >"$d/other.b"
	run -0 ipctool req call --async --ordered pair <<<$'a\nb'
	assert_output $'a done\nb done'
}

@test "req: serve runs a job per CPU unless -j says otherwise (nats-server)" {
	command -v taskset >/dev/null || skip "taskset missing"
	start_nats
	start_serve -v cpus -- cat
	run -0 grep -c "), $(nproc) jobs at once" "$SERVE_ERR"
	start_bg taskset -c 0 "$IPCTOOL" req serve -v --ready-file "$BATS_TEST_TMPDIR/one.ready" cpus -- cat
	wait_for_path "$BATS_TEST_TMPDIR/one.ready" 20
	run -0 grep -c "), 1 jobs at once" "$BG_ERR"
	start_serve -v -j 3 cpus -- cat
	run -0 grep -c "), 3 jobs at once" "$SERVE_ERR"
	start_serve -v --lines cpus -- cat
	run -0 grep -c "a job per line to pid" "$SERVE_ERR"
}

@test "req: with one job per CPU on two CPUs, two jobs run at once (nats-server)" {
	[ "$(nproc)" -ge 2 ] || skip "needs two CPUs"
	start_nats
	d=$BATS_TEST_TMPDIR
	start_bg taskset -c 0,1 "$IPCTOOL" req serve -t 10s --ready-file "$d/pair.ready" pair -- sh -c 'read me; other=$(cat '"$d"'/other.$me); touch '"$d"'/$me; i=0; while [ ! -e '"$d"'/$other ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i+1)); done; [ -e '"$d"'/$other ] && echo "$me done"'
	wait_for_path "$d/pair.ready" 20
	echo b >"$d/other.a"
	echo a >"$d/other.b"
	run -0 ipctool req call --async --ordered pair <<<$'a\nb'
	assert_output $'a done\nb done'
}

@test "req: queue groups: workers share a subject, --queue separates (nats-server)" {
	start_nats
	start_serve w -- sh -c 'cat >/dev/null; echo one'
	start_serve w -- sh -c 'cat >/dev/null; echo two'
	run -0 ipctool req call --async --tag -w 8 w < <(seq 1 40)
	assert_equal "$(cut -f1 <<<"$output" | sort -n)" "$(seq 1 40)"
	assert_line --regexp $'\tone$'
	assert_line --regexp $'\ttwo$'
}

@test "req: --reply-to sends the result elsewhere and returns (nats-server)" {
	start_nats
	start_serve up -- tr a-z A-Z
	start_sub -c 1 results
	run -0 --separate-stderr ipctool req call --reply-to results up hello
	assert_output ""
	wait_exit "$SUB_PID"
	assert_equal "$(cat "$SUB_OUT")" "HELLO"
}

@test "req: a payload beyond max_payload is exit 1 (nats-server)" {
	printf 'max_payload: 100\n' >"$BATS_TEST_TMPDIR/n.conf"
	start_nats -c "$BATS_TEST_TMPDIR/n.conf"
	big=$(printf '%0100d' 0)
	run -1 --separate-stderr ipctool req call up "$big"
	assert_equal "$stderr" "ipctool req: send job: payload of 101 bytes is larger than the bus's max_payload 100"
}

@test "req: a result beyond max_payload is status 125, the worker goes on (nats-server)" {
	printf 'max_payload: 1000\n' >"$BATS_TEST_TMPDIR/n.conf"
	start_nats -c "$BATS_TEST_TMPDIR/n.conf"
	start_serve big -- sh -c 'read n; head -c "$n" /dev/zero | tr "\\0" x'
	run -125 --separate-stderr ipctool req call big 5000
	assert_equal "$output" ""
	assert_equal "$stderr" "ipctool req: job failed: result larger than the bus's max_payload"
	run -0 ipctool req call big 3
	assert_output "xxx"
}

@test "req: serve --count exits 0 after N jobs; SIGTERM is passed on to the running job (nats-server)" {
	start_nats
	start_serve --count 2 up -- tr a-z A-Z
	ipctool req call up a
	ipctool req call up b
	wait_exit "$SERVE_PID"
	assert_equal "$WAIT_STATUS" 0
	start_serve slow -- sh -c 'touch "$0"; sleep 0.3; echo finished' "$BATS_TEST_TMPDIR/started"
	start_bg "$IPCTOOL" req call -t 10s slow x
	cpid=$BG_PID cout=$BG_OUT
	wait_for_path "$BATS_TEST_TMPDIR/started"
	kill -TERM "$SERVE_PID"
	# the job got SIGTERM too, and its caller the answer: 128 + 15
	wait_exit "$cpid"
	assert_equal "$WAIT_STATUS" 143
	assert_equal "$(cat "$cout")" ""
	wait_exit "$SERVE_PID"
	assert_equal "$WAIT_STATUS" 143
}

@test "req: a libnats responder answers req call; req serve answers libnats (nats-server)" {
	responder=$(interop nats_responder)
	requester=$(interop nats_requester)
	start_nats
	start_bg "$responder" "$NATS_URL" echo.lib
	wait_for_line "$BG_ERR" ready
	run -0 ipctool req call echo.lib hello
	assert_output "libnats: hello"
	start_serve up -- tr a-z A-Z
	run -0 "$requester" "$NATS_URL" up hello
	assert_output "HELLO status=0"
}

@test "req: call --async: a job without a result in time is a bare tag, exit 75 (nats-server)" {
	start_nats
	start_sub slow
	run -75 --separate-stderr ipctool req call --async --ordered --tag -t 200ms slow <<<$'a\nb'
	assert_output $'1\t\n2\t'
	assert_equal "$stderr" "ipctool req: job 1: no result within 200ms
ipctool req: job 2: no result within 200ms"
	run -75 --separate-stderr ipctool req call --async --json -t 200ms slow <<<a
	assert_output '{"id":1,"status":null,"result":"","error":"timeout"}'
	assert_equal "$stderr" ""
}

# The embedded broker

@test "req daemon: serve and call, sync and async, through the embedded broker" {
	start_daemon
	start_serve -j 2 up -- tr a-z A-Z
	run -0 ipctool req call up hello
	assert_output "HELLO"
	run -0 ipctool req call --async --ordered up <<<$'a\nb'
	assert_output $'A\nB'
	run -69 ipctool req call nobody x
}

@test "req daemon: a payload larger than a pipe reaches the job whole; one that is not read is no error" {
	start_daemon
	start_serve -j 2 big -- wc -c
	head -c 100000 /dev/zero | tr '\0' x >"$BATS_TEST_TMPDIR/big"
	run -0 ipctool req call big "$(cat "$BATS_TEST_TMPDIR/big")"
	assert_output 100001	# with the newline req call adds
	start_serve -j 1 deaf -- echo done
	run -0 ipctool req call deaf "$(cat "$BATS_TEST_TMPDIR/big")"
	assert_output done
}

@test "req daemon: libnats requester and responder against the embedded broker" {
	responder=$(interop nats_responder)
	requester=$(interop nats_requester)
	start_daemon --listen tcp:127.0.0.1:0 --no-auth
	url="nats://${DAEMON_ADDR#tcp:}"
	export IPCTOOL_BUS=$url
	start_bg "$responder" "$url" echo.lib
	wait_for_line "$BG_ERR" ready
	run -0 ipctool req call echo.lib hello
	assert_output "libnats: hello"
	start_serve up -- tr a-z A-Z
	run -0 "$requester" "$url" up hello
	assert_output "HELLO status=0"
}

# The broker killed and restarted under a running client

@test "req daemon: broker killed and restarted: serve --reconnect goes on, plain serve is exit 69" {
	start_daemon
	start_serve --reconnect up -- tr a-z A-Z
	keep=$SERVE_PID keep_err=$SERVE_ERR
	start_serve down -- cat
	plain=$SERVE_PID plain_err=$SERVE_ERR
	run -0 ipctool req call up hello
	assert_output "HELLO"
	kill -KILL "$DAEMON_PID"
	wait_exit "$plain" 20
	assert_equal "$WAIT_STATUS" 69
	assert_equal "$(cat "$plain_err")" "ipctool req: serve: lost the broker at $IPCTOOL_BUS: the broker closed the connection"
	wait_for_line "$keep_err" 'reconnecting$' 20
	start_daemon
	wait_for_line "$keep_err" 'reconnected' 20
	run -0 ipctool req call up again
	assert_output "AGAIN"
	kill -TERM "$keep"
	wait_exit "$keep" 20
	assert_equal "$WAIT_STATUS" 143
	assert_equal "$(cat "$keep_err")" "ipctool req: serve: lost the broker at $IPCTOOL_BUS (the broker closed the connection): reconnecting
ipctool req: serve: reconnected to $IPCTOOL_BUS"
}

@test "req: serve --reconnect survives nats-server restarted on its port; a stop while it is away is exit 69" {
	start_nats
	port=$NATS_PORT
	start_serve --reconnect up -- tr a-z A-Z
	kill -KILL "$NATS_PID"
	wait_for_line "$SERVE_ERR" 'reconnecting$' 20
	start_nats -p "$port"
	wait_for_line "$SERVE_ERR" 'reconnected' 20
	run -0 ipctool req call up again
	assert_output "AGAIN"
	kill -KILL "$NATS_PID"
	wait_for_count "$SERVE_ERR" 'reconnecting$' 2 20
	kill -TERM "$SERVE_PID"
	wait_exit "$SERVE_PID" 20
	assert_equal "$WAIT_STATUS" 69
	assert_equal "$(tail -n1 "$SERVE_ERR")" "ipctool req: serve: stopped while the broker at $IPCTOOL_BUS was away"
}

@test "req daemon: while serve --reconnect waits for the broker, --timeout still kills a job" {
	start_daemon
	pidf="$BATS_TEST_TMPDIR/job.pid"
	start_serve --reconnect -t 2s slow -- sh -c "echo \$\$ >'$pidf'; exec sleep 30"
	start_bg "$IPCTOOL" req call slow x
	wait_until 20 test -s "$pidf"
	job=$(cat "$pidf")
	kill -KILL "$DAEMON_PID"
	wait_for_line "$SERVE_ERR" 'reconnecting$' 20
	wait_until 20 bash -c "! kill -0 $job"
	run -1 grep -c reconnected "$SERVE_ERR"
	start_daemon
	wait_for_line "$SERVE_ERR" "job $job killed after the timeout" 20
}

@test "req: serve --lines: one command answers a job per line, in order (nats-server)" {
	start_nats
	start_serve --lines ln -- sed -u 's/^/got /'
	run -0 --separate-stderr ipctool req call ln hello
	assert_equal "$output" "got hello"
	assert_equal "$stderr" ""
	run -0 ipctool req call --json ln x
	assert_output '{"status":0,"result":"got x\n"}'
	run -0 ipctool req call --async --ordered ln <<<$'a\nb\nc'
	assert_output $'got a\ngot b\ngot c'
	# a job of two lines is refused without reaching the command
	run -125 --separate-stderr ipctool req call ln <<<$'one\ntwo'
	assert_equal "$stderr" "ipctool req: job failed: --lines: a job must be one line"
	run -0 ipctool req call ln after
	assert_output "got after"
	run -64 --separate-stderr ipctool req serve --lines -j 2 ln -- cat
	assert_equal "$stderr" "ipctool req: --lines runs one command: start more workers instead of -j (see 'ipctool req --help')"
}

@test "req: serve --lines: 5000 jobs in flight through window 1000, each result to its job (nats-server)" {
	start_nats
	start_serve --lines sq -- awk -W interactive '{ print $1 * $1 }'
	seq 1 5000 >"$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr ipctool req call --async --tag -w 1000 sq <"$BATS_TEST_TMPDIR/in"
	want=$(awk '{ printf "%d\t%d\n", $1, $1 * $1 }' "$BATS_TEST_TMPDIR/in")
	assert_equal "$(sort -n <<<"$output")" "$want"
}

@test "req: serve --lines: when the command exits, its pending jobs are status 125 and the next job restarts it (nats-server)" {
	start_nats
	start_serve --lines q -- sh -c 'while read l; do [ "$l" != quit ] || exit 3; echo "r $l"; done'
	run -1 --separate-stderr ipctool req call --async --ordered --tag -w 8 q <<<$'a\nquit\nb'
	assert_output $'1\tr a\n2\t\n3\t'
	assert_equal "$stderr" "ipctool req: job 2: status 125: the command exited with status 3
ipctool req: job 3: status 125: the command exited with status 3"
	run -0 ipctool req call q again
	assert_output "r again"
	wait_for_line "$SERVE_ERR" "ipctool req: the command exited with status 3: 2 jobs without a result"
	kill -0 "$SERVE_PID"
}

@test "req: serve --lines --timeout: a silent command is killed, the job is 124, the others 125 (nats-server)" {
	start_nats
	start_serve --lines -t 300ms nap -- sh -c 'while read l; do [ "$l" != nap ] || sleep 30; echo "r $l"; done'
	run -1 --separate-stderr ipctool req call --async --ordered --tag -t 20s nap <<<$'nap\nb'
	assert_output $'1\t\n2\t'
	assert_equal "$stderr" "ipctool req: job 1: status 124: timeout
ipctool req: job 2: status 125: the command was killed after a job's timeout"
	run -0 ipctool req call -t 20s nap c
	assert_output "r c"
}

@test "req: serve --lines: a command that cannot run is exit 127 at start; SIGTERM is exit 143 (nats-server)" {
	start_nats
	run -127 --separate-stderr ipctool req serve --lines nx -- "$BATS_TEST_TMPDIR/no-such-cmd"
	assert_equal "$stderr" "ipctool req: cannot run '$BATS_TEST_TMPDIR/no-such-cmd': no such file"
	start_serve --lines up -- sed -u 's/.*/\U&/'
	run -0 ipctool req call up hi
	assert_output "HI"
	kill -TERM "$SERVE_PID"
	wait_exit "$SERVE_PID"
	assert_equal "$WAIT_STATUS" 143
}

@test "req: serve --lines: a line printed while no job waits is dropped with a warning (nats-server)" {
	start_nats
	start_serve --lines bn -- sh -c 'echo banner; exec sed -u "s/^/r /"'
	wait_for_line "$SERVE_ERR" "ipctool req: the command printed a line with no job waiting: dropped"
	run -0 ipctool req call bn x
	assert_output "r x"
}

@test "req serve: a command that cannot be executed is refused at start, 127 or 126" {
	run -127 --separate-stderr ipctool req serve -b unix:/nonexistent up -- no-such-command-xyz
	assert_equal "$stderr" "ipctool req: cannot run 'no-such-command-xyz': command not found"
	touch "$BATS_TEST_TMPDIR/plain"
	chmod 0644 "$BATS_TEST_TMPDIR/plain"
	run -126 --separate-stderr ipctool req serve -b unix:/nonexistent up -- "$BATS_TEST_TMPDIR/plain"
	assert_equal "$stderr" "ipctool req: cannot run '$BATS_TEST_TMPDIR/plain': Permission denied"
	run -126 --separate-stderr env PATH="$BATS_TEST_TMPDIR" "$IPCTOOL" req serve -b unix:/nonexistent up -- plain
	assert_equal "$stderr" "ipctool req: cannot run 'plain': Permission denied"
}
