#!/usr/bin/env bats
# bus.bats - ipctool bus: pub, sub, monitor, stat against a real
# nats-server on loopback, and the same against the embedded broker
# (ipctool bus daemon) once it is built in (need_daemon)

load helpers.bash
load bus-helpers.bash

setup() {
	bus_setup
}

@test "bus: no broker at a given address is exit 69 naming it, no hint" {
	run -69 --separate-stderr ipctool bus pub --bus "unix:$BATS_TEST_TMPDIR/none.sock" a hello
	assert_equal "$stderr" "ipctool bus: connect to unix:$BATS_TEST_TMPDIR/none.sock: No such file or directory"
	port=$(free_port)
	run -69 --separate-stderr ipctool bus sub --bus "tcp:127.0.0.1:$port" a
	assert_equal "$stderr" "ipctool bus: connect to tcp:127.0.0.1:$port: Connection refused"
}

@test "bus: the default address is the daemon's socket (with a hint), IPCTOOL_BUS overrides it" {
	run -69 --separate-stderr ipctool bus pub a hello
	assert_equal "$stderr" "ipctool bus: connect to unix:$XDG_RUNTIME_DIR/ipctool/bus.sock: No such file or directory (start one with: ipctool bus daemon &)"
	IPCTOOL_BUS="unix:$BATS_TEST_TMPDIR/x.sock" run -69 --separate-stderr ipctool bus pub a hello
	assert_equal "$stderr" "ipctool bus: connect to unix:$BATS_TEST_TMPDIR/x.sock: No such file or directory"
}

@test "bus: usage errors are exit 64 with one line" {
	run -64 --separate-stderr ipctool bus
	assert_equal "$stderr" "ipctool bus: missing subcommand (daemon, pub, sub, monitor or stat) (see 'ipctool bus --help')"
	run -64 --separate-stderr ipctool bus frob
	assert_equal "$stderr" "ipctool bus: unknown subcommand 'frob' (daemon, pub, sub, monitor or stat) (see 'ipctool bus --help')"
	run -64 --separate-stderr ipctool bus pub --queue g a b
	assert_equal "$stderr" "ipctool bus: 'bus pub' takes no --queue option (see 'ipctool bus --help')"
	run -64 --separate-stderr ipctool bus sub
	assert_equal "$stderr" "ipctool bus: bus sub needs a SUBJECT (see 'ipctool bus --help')"
	run -64 --separate-stderr ipctool bus pub --bus udp:127.0.0.1:5 a b
	assert_equal "$stderr" "ipctool bus: bad bus address 'udp:127.0.0.1:5': the bus needs a stream address (unix:, tcp:, nats://) (see 'ipctool bus --help')"
}

@test "bus: pub arguments and stdin lines reach sub (nats-server)" {
	start_nats
	start_sub -c 4 greet
	run -0 ipctool bus pub greet hello 'two words'
	printf 'line 1\nline 2\n' | ipctool bus pub greet
	wait_exit "$SUB_PID"
	assert_equal "$WAIT_STATUS" 0
	assert_equal "$(cat "$SUB_OUT")" "hello
two words
line 1
line 2"
}

@test "bus: an invalid subject is a usage error (nats-server)" {
	start_nats
	run -64 --separate-stderr ipctool bus pub 'a b' x
	assert_equal "$stderr" "ipctool bus: invalid subject 'a b' (see 'ipctool bus --help')"
	run -64 --separate-stderr ipctool bus pub 'a.>' x
	assert_equal "$stderr" "ipctool bus: invalid subject 'a.>' (see 'ipctool bus --help')"
	run -64 --separate-stderr ipctool bus sub 'a..b'
	assert_equal "$stderr" "ipctool bus: invalid subject 'a..b' (see 'ipctool bus --help')"
}

@test "bus: wildcards, -S prefixes the subject, --json escapes (nats-server)" {
	start_nats
	start_sub -S -c 2 'sensor.*.temp'
	start_bg "$IPCTOOL" bus sub --ready-file "$BATS_TEST_TMPDIR/v.ready" -v -c 1 'sensor.*.temp'
	vpid=$BG_PID vout=$BG_OUT verr=$BG_ERR
	wait_for_path "$BATS_TEST_TMPDIR/v.ready"
	start_bg "$IPCTOOL" bus sub --ready-file "$BATS_TEST_TMPDIR/j.ready" --json -c 1 'sensor.>'
	jpid=$BG_PID jout=$BG_OUT
	wait_for_path "$BATS_TEST_TMPDIR/j.ready"
	ipctool bus pub sensor.kitchen.temp 21
	ipctool bus pub sensor.kitchen.humidity 40
	ipctool bus pub sensor.hall.temp $'say "hi"\tand\\go'
	wait_exit "$SUB_PID"
	assert_equal "$(cat "$SUB_OUT")" "sensor.kitchen.temp 21
sensor.hall.temp say \"hi\"	and\\go"
	wait_exit "$jpid"
	assert_equal "$(cat "$jout")" '{"subject":"sensor.kitchen.temp","data":"21","reply":null}'
	# -v is the trace on stderr: the payload alone on stdout
	wait_exit "$vpid"
	assert_equal "$(cat "$vout")" "21"
	grep -q '<- MSG sensor.kitchen.temp' "$verr"
}

@test "bus: -0 carries NUL-ended messages (nats-server)" {
	start_nats
	start_sub -0 -c 2 z
	printf 'a\nb\0c\0' | ipctool bus pub -0 z
	wait_exit "$SUB_PID"
	run -0 od -An -c "$SUB_OUT"
	assert_output "   a  \\n   b  \\0   c  \\0"
}

@test "bus: a queue group gives each message to one member (nats-server)" {
	start_nats
	start_sub -q workers jobs
	out1=$SUB_OUT
	start_sub -q workers jobs
	out2=$SUB_OUT
	seq 1 200 | ipctool bus pub jobs
	wait_until 20 total_lines_ge 200 "$out1" "$out2"
	run -0 sort -n "$out1" "$out2"
	assert_output "$(seq 1 200)"
}

@test "bus: async pub loses nothing on exit: 20000 lines arrive (nats-server)" {
	start_nats
	start_sub -c 20000 bulk
	seq 1 20000 | ipctool bus pub bulk
	wait_exit "$SUB_PID" 30
	assert_equal "$WAIT_STATUS" 0
	assert_equal "$(cat "$SUB_OUT")" "$(seq 1 20000)"
}

@test "bus: pub --sync waits for the ack of sub --ack (nats-server)" {
	start_nats
	start_sub --ack -c 3 orders
	run -0 --separate-stderr ipctool bus pub --sync -t 10s orders one two
	# acknowledged means printed already
	assert_equal "$(cat "$SUB_OUT")" "one
two"
	echo three | ipctool bus pub --sync -t 10s orders
	wait_exit "$SUB_PID"
	assert_equal "$(cat "$SUB_OUT")" "one
two
three"
}

@test "bus: pub --sync without a subscriber is exit 69, without an ack 75 (nats-server)" {
	start_nats
	run -69 --separate-stderr ipctool bus pub --sync -t 5s nobody hello
	assert_equal "$stderr" "ipctool bus: publish to nobody: no subscriber acknowledged it (no responders)"
	start_sub deaf
	run -75 --separate-stderr ipctool bus pub --sync -t 300ms deaf hello
	assert_equal "$stderr" "ipctool bus: publish to deaf: no ack within 300ms"
}

@test "bus: sub --timeout is exit 75 unless --count messages came (nats-server)" {
	start_nats
	run -75 --separate-stderr ipctool bus sub -c 2 -t 200ms quiet
	assert_equal "$stderr" "ipctool bus: sub: timed out after 0 of 2 messages"
	run -75 --separate-stderr ipctool bus monitor -t 200ms quiet
	assert_equal "$stderr" "ipctool bus: monitor: timed out after 0 messages"
}

@test "bus: monitor shows all traffic with reply subjects (nats-server)" {
	start_nats
	start_bg "$IPCTOOL" bus monitor --ready-file "$BATS_TEST_TMPDIR/m.ready" -c 2
	mpid=$BG_PID mout=$BG_OUT
	wait_for_path "$BATS_TEST_TMPDIR/m.ready"
	ipctool bus pub a.b hello
	ipctool bus pub --sync -t 2s c.d x || true
	wait_exit "$mpid"
	run -0 cat "$mout"
	assert_line --index 0 "a.b 5: hello"
	assert_line --index 1 --regexp '^c\.d reply=_INBOX\.[0-9A-Za-z]{22}\.1 1: x$'
}

@test "bus: a message beyond the broker's max_payload is exit 1 (nats-server)" {
	printf 'max_payload: 100\n' >"$BATS_TEST_TMPDIR/n.conf"
	start_nats -c "$BATS_TEST_TMPDIR/n.conf"
	big=$(printf '%0101d' 0)
	run -1 --separate-stderr ipctool bus pub big "$big"
	assert_equal "$stderr" "ipctool bus: publish to big: message of 101 bytes is larger than the broker's max_payload 100"
}

@test "bus: stat is not supported by nats-server: exit 69" {
	start_nats
	run -69 --separate-stderr ipctool bus stat
	assert_regex "$stderr" '^ipctool bus: stat is not supported by this broker \(version [0-9.]+\): only ipctool bus daemon answers \$SYS\.REQ\.IPCTOOL\.STAT$'
}

@test "bus: token auth: IPCTOOL_BUS_TOKEN or the token file; a wrong one is refused (nats-server)" {
	start_nats --auth s3cret
	run -1 --separate-stderr ipctool bus pub a x
	assert_equal "$stderr" "ipctool bus: connect to $NATS_URL: Authorization Violation"
	IPCTOOL_BUS_TOKEN=s3cret run -0 ipctool bus pub a x
	mkdir -p "$XDG_RUNTIME_DIR/ipctool"
	echo s3cret >"$XDG_RUNTIME_DIR/ipctool/token"
	run -0 ipctool bus pub a x
	IPCTOOL_BUS_TOKEN=wrong run -1 ipctool bus pub a x
}

@test "bus: a message crosses a three-node nats-server cluster" {
	command -v nats-server >/dev/null || skip "nats-server not installed"
	c1=$(free_port) c2=$(free_port) c3=$(free_port)
	routes="nats://127.0.0.1:$c1,nats://127.0.0.1:$c2,nats://127.0.0.1:$c3"
	start_nats --cluster_name t --cluster "nats://127.0.0.1:$c1" --routes "$routes"
	n1=$NATS_URL
	start_nats --cluster_name t --cluster "nats://127.0.0.1:$c2" --routes "$routes"
	start_nats --cluster_name t --cluster "nats://127.0.0.1:$c3" --routes "$routes"
	n3=$NATS_URL
	start_sub --bus "$n3" --ack -c 1 across
	# interest needs a moment to reach node 1: retry until acknowledged
	wait_until 20 ipctool bus pub --bus "$n1" --sync -t 1s across hello
	wait_exit "$SUB_PID"
	assert_equal "$(cat "$SUB_OUT")" "hello"
}

@test "bus: -v traces the protocol (nats-server)" {
	start_nats
	run -0 --separate-stderr ipctool bus pub -v a hello
	assert_regex "$stderr" "connect\\([0-9]+, tcp:127.0.0.1:$NATS_PORT\\) = 0"
	assert_regex "$stderr" '-> CONNECT \{"headers":true,"no_responders":true\}'
	assert_regex "$stderr" '-> PUB a 5'
	assert_regex "$stderr" '<- PONG'
}

# total_lines_ge N FILE...: true once the files hold N lines together
total_lines_ge() {
	local n=$1
	shift
	[ "$(cat "$@" | wc -l)" -ge "$n" ]
}

# fanout: 8 publishers x N messages to 4 subscribers (each gets all 8N),
# then to a queue group of 4 (split, none lost or duplicated); N is 1000,
# or 10000 under STRESS=1 (make stress)
fanout() {
	local i p outs=() qouts=() qpids=() pids=()
	local n=1000 total
	[ "${STRESS:-0}" != 0 ] && n=10000
	total=$((8 * n))
	for i in 1 2 3 4; do
		start_sub -c "$total" -t 60s load
		outs+=("$SUB_OUT") pids+=("$SUB_PID")
	done
	for p in 1 2 3 4 5 6 7 8; do
		seq -f "p$p-%g" 1 "$n" | ipctool bus pub load &
	done
	for i in "${pids[@]}"; do
		wait_exit "$i" 60
		assert_equal "$WAIT_STATUS" 0
	done
	for i in "${outs[@]}"; do
		assert_equal "$(sort -u "$i" | wc -l)" "$total"
		assert_equal "$(wc -l <"$i")" "$total"
	done
	for i in 1 2 3 4; do
		start_sub -q four qload
		qouts+=("$SUB_OUT")
	done
	for p in 1 2 3 4 5 6 7 8; do
		seq -f "p$p-%g" 1 "$n" | ipctool bus pub qload &
	done
	wait_until 60 total_lines_ge "$total" "${qouts[@]}"
	assert_equal "$(cat "${qouts[@]}" | wc -l)" "$total"
	assert_equal "$(cat "${qouts[@]}" | sort -u | wc -l)" "$total"
}

@test "bus: 8 x 1000 (STRESS=1: 10000) messages reach 4 subscribers whole and split over a queue group of 4 (nats-server)" {
	start_nats
	fanout
}

# The embedded broker

@test "bus daemon: pub, sub, queue groups and --sync through the embedded broker" {
	start_daemon
	start_sub --ack -c 2 greet
	run -0 ipctool bus pub --sync -t 5s greet hello world
	wait_exit "$SUB_PID"
	assert_equal "$(cat "$SUB_OUT")" "hello
world"
	run -69 --separate-stderr ipctool bus pub --sync -t 5s nobody x
	assert_equal "$stderr" "ipctool bus: publish to nobody: no subscriber acknowledged it (no responders)"
}

@test "bus daemon: stat answers with JSON, printed readably" {
	start_daemon
	start_sub idle.one idle.two
	run -0 --separate-stderr ipctool bus stat --json
	assert_regex "$output" '^\{"server_id":"[^"]+","version":"[^"]+",.*"nclients":2,.*\}$'
	run -0 --separate-stderr ipctool bus stat
	assert_line --regexp '^server_id: .+$'
	assert_line 'clients:'
	assert_line --regexp '^  - id=[0-9]+ name="ipctool bus sub" lang=C addr="unix:.* pid [0-9]+ uid [0-9]+" subs=2 .*pending=0$'
	assert_line 'nclients: 2'
	assert_line 'subscriptions: 3'
}

@test "bus daemon: the same scenario yields the same deliveries as nats-server" {
	need_daemon
	# scenario FILE: two subscribers, five messages; deliveries into FILE
	scenario() {
		start_sub -c 4 'x.>'
		local out1=$SUB_OUT pid1=$SUB_PID
		start_sub -c 2 'x.*.z'
		ipctool bus pub x.a one
		ipctool bus pub x.b.z two
		ipctool bus pub y.a nope
		ipctool bus pub x.c.z three
		printf 'four\n' | ipctool bus pub x.d
		wait_exit "$pid1"
		wait_exit "$SUB_PID"
		cat "$out1" "$SUB_OUT" >"$1"
	}
	start_nats
	scenario "$BATS_TEST_TMPDIR/nats.txt"
	start_daemon
	scenario "$BATS_TEST_TMPDIR/ipctool.txt"
	run -0 cat "$BATS_TEST_TMPDIR/ipctool.txt"
	assert_output "$(cat "$BATS_TEST_TMPDIR/nats.txt")"
	assert_output "one
two
three
four
two
three"
}

@test "bus daemon: TCP needs the token from the 0600 token file unless --no-auth" {
	start_daemon --listen tcp:127.0.0.1:0
	assert_regex "$DAEMON_ADDR" '^tcp:127\.0\.0\.1:[0-9]+$'
	run -0 stat -c %a "$XDG_RUNTIME_DIR/ipctool/token"
	assert_output "600"
	run -0 ipctool bus pub --bus "$DAEMON_ADDR" a x
	IPCTOOL_BUS_TOKEN=wrong run -1 --separate-stderr ipctool bus pub --bus "$DAEMON_ADDR" a x
	assert_equal "$stderr" "ipctool bus: connect to $DAEMON_ADDR: Authorization Violation"
}

@test "bus daemon: a second daemon on a live socket is exit 69" {
	start_daemon
	run -69 --separate-stderr ipctool bus daemon
	assert_equal "$stderr" "ipctool bus: listen: a broker is already running there"
}

@test "bus daemon: --no-auth TCP needs no token; SIGTERM removes the socket" {
	start_daemon --listen "unix:$BATS_TEST_TMPDIR/bus.sock" --listen tcp:127.0.0.1:0 --no-auth
	assert_equal "$DAEMON_ADDR" "unix:$BATS_TEST_TMPDIR/bus.sock"
	assert_file_not_exists "$XDG_RUNTIME_DIR/ipctool/token"
	kill -TERM "$DAEMON_PID"
	wait_exit "$DAEMON_PID"
	assert_equal "$WAIT_STATUS" 143
	assert_file_not_exists "$BATS_TEST_TMPDIR/bus.sock"
}

@test "bus daemon: SIGINT is exit 130, the end of lame duck mode (SIGUSR2) exit 0; the socket goes each time" {
	start_daemon --lame-duck 200ms
	kill -INT "$DAEMON_PID"
	wait_exit "$DAEMON_PID"
	assert_equal "$WAIT_STATUS" 130
	assert_file_not_exists "$BATS_TEST_TMPDIR/bus.sock"
	start_daemon --lame-duck 200ms
	start_sub news
	kill -USR2 "$DAEMON_PID"
	wait_exit "$DAEMON_PID"
	assert_equal "$WAIT_STATUS" 0
	assert_file_not_exists "$BATS_TEST_TMPDIR/bus.sock"
	# the subscriber was closed by the broker, not left hanging
	wait_exit "$SUB_PID"
	assert_equal "$WAIT_STATUS" 69
}

@test "bus daemon: SIGHUP reads the credentials files again; a bad one leaves those in force" {
	echo old-token >"$BATS_TEST_TMPDIR/tok"
	chmod 0600 "$BATS_TEST_TMPDIR/tok"
	start_daemon --listen tcp:127.0.0.1:0 --token-file "$BATS_TEST_TMPDIR/tok"
	IPCTOOL_BUS_TOKEN=old-token run -0 ipctool bus pub --bus "$DAEMON_ADDR" a x
	echo new-token >"$BATS_TEST_TMPDIR/tok"
	kill -HUP "$DAEMON_PID"
	wait_for_line "$BG_ERR" 'SIGHUP from pid [0-9]+: credentials loaded again'
	IPCTOOL_BUS_TOKEN=new-token run -0 ipctool bus pub --bus "$DAEMON_ADDR" a x
	IPCTOOL_BUS_TOKEN=old-token run -1 --separate-stderr ipctool bus pub --bus "$DAEMON_ADDR" a x
	assert_equal "$stderr" "ipctool bus: connect to $DAEMON_ADDR: Authorization Violation"
	chmod 0644 "$BATS_TEST_TMPDIR/tok"
	kill -HUP "$DAEMON_PID"
	wait_for_line "$BG_ERR" "SIGHUP from pid [0-9]+: the credentials in force stay: $BATS_TEST_TMPDIR/tok: owner uid $(id -u), mode 0644 \\(want ours or root's, not readable by group or others\\)"
	IPCTOOL_BUS_TOKEN=new-token run -0 ipctool bus pub --bus "$DAEMON_ADDR" a x
}

@test "bus daemon: a token file others may read is refused" {
	need_daemon
	echo s3cret >"$BATS_TEST_TMPDIR/tok"
	chmod 0644 "$BATS_TEST_TMPDIR/tok"
	run -1 --separate-stderr ipctool bus daemon --listen tcp:127.0.0.1:0 --token-file "$BATS_TEST_TMPDIR/tok"
	assert_equal "$stderr" "ipctool bus: token file $BATS_TEST_TMPDIR/tok: not a regular file of yours, or readable by others"
	run -64 --separate-stderr ipctool bus daemon --no-auth --token-file "$BATS_TEST_TMPDIR/tok"
	assert_equal "$stderr" "ipctool bus: --no-auth excludes --token-file, --user, --users-file and --nkey-users (see 'ipctool bus --help')"
}

@test "bus daemon: the default socket is 0600 in a 0700 directory, found by the clients" {
	need_daemon
	start_bg "$IPCTOOL" bus daemon --addr-file "$BATS_TEST_TMPDIR/a"
	wait_for_path "$BATS_TEST_TMPDIR/a" 20
	assert_equal "$(cat "$BATS_TEST_TMPDIR/a")" "unix:$XDG_RUNTIME_DIR/ipctool/bus.sock"
	assert_equal "$(stat -c %a "$XDG_RUNTIME_DIR/ipctool")" "700"
	assert_equal "$(stat -c %a "$XDG_RUNTIME_DIR/ipctool/bus.sock")" "600"
	run -69 --separate-stderr ipctool bus pub --sync nobody x
	assert_equal "$stderr" "ipctool bus: publish to nobody: no subscriber acknowledged it (no responders)"
}

@test "bus daemon: 8 x 1000 (STRESS=1: 10000) messages reach 4 subscribers whole and split over a queue group of 4" {
	start_daemon
	fanout
}

# The broker killed and restarted under a running client

@test "bus daemon: broker killed and restarted: sub --reconnect resumes, plain sub is exit 69" {
	start_daemon
	start_sub --reconnect -c 2 news
	keep=$SUB_PID keep_out=$SUB_OUT keep_err=$SUB_ERR
	start_sub news
	plain=$SUB_PID plain_err=$SUB_ERR
	ipctool bus pub news one
	wait_until 20 has_lines "$keep_out" 1
	kill -KILL "$DAEMON_PID"
	wait_exit "$plain" 20
	assert_equal "$WAIT_STATUS" 69
	assert_equal "$(cat "$plain_err")" "ipctool bus: sub: lost the broker at $IPCTOOL_BUS: the broker closed the connection"
	wait_for_line "$keep_err" 'reconnecting$' 20
	start_daemon
	wait_for_line "$keep_err" 'reconnected' 20
	ipctool bus pub news two
	wait_exit "$keep" 20
	assert_equal "$WAIT_STATUS" 0
	assert_equal "$(cat "$keep_out")" $'one\ntwo'
	assert_equal "$(cat "$keep_err")" "ipctool bus: sub: lost the broker at $IPCTOOL_BUS (the broker closed the connection): reconnecting
ipctool bus: sub: reconnected to $IPCTOOL_BUS"
}

@test "bus daemon: sub --reconnect gives up at --timeout while the broker stays away: exit 75" {
	start_daemon
	start_sub --reconnect -t 2s news
	kill -KILL "$DAEMON_PID"
	wait_exit "$SUB_PID" 20
	assert_equal "$WAIT_STATUS" 75
	assert_equal "$(cat "$SUB_ERR")" "ipctool bus: sub: lost the broker at $IPCTOOL_BUS (the broker closed the connection): reconnecting
ipctool bus: sub: the broker at $IPCTOOL_BUS was not back within the timeout"
}

@test "bus: sub and monitor --reconnect resume after nats-server is killed and restarted on its port" {
	start_nats
	port=$NATS_PORT
	start_sub --reconnect -c 2 news
	start_bg "$IPCTOOL" bus monitor --reconnect -c 2 --ready-file "$BATS_TEST_TMPDIR/r" news
	mon=$BG_PID mon_out=$BG_OUT mon_err=$BG_ERR
	wait_for_path "$BATS_TEST_TMPDIR/r" 20
	ipctool bus pub news one
	wait_until 20 has_lines "$mon_out" 1
	kill -KILL "$NATS_PID"
	wait_for_line "$mon_err" 'reconnecting$' 20
	start_nats -p "$port"
	assert_equal "$NATS_PORT" "$port"
	wait_for_line "$mon_err" 'reconnected' 20
	wait_for_line "$SUB_ERR" 'reconnected' 20
	ipctool bus pub news two
	wait_exit "$mon" 20
	assert_equal "$WAIT_STATUS" 0
	wait_exit "$SUB_PID" 20
	assert_equal "$WAIT_STATUS" 0
	assert_equal "$(cat "$SUB_OUT")" $'one\ntwo'
	assert_equal "$(sed -n 2p "$SUB_ERR")" "ipctool bus: sub: reconnected to nats://127.0.0.1:$port"
	assert_equal "$(cat "$mon_out")" $'news 3: one\nnews 3: two'
	assert_equal "$(sed -n 2p "$mon_err")" "ipctool bus: monitor: reconnected to nats://127.0.0.1:$port"
}

@test "bus daemon: --ping-interval and --max-pings-out drop a client that stopped answering" {
	start_daemon --ping-interval 200ms --max-pings-out 1
	run -0 bash -c "socat -u UNIX-CONNECT:${IPCTOOL_BUS#unix:} - | tr -d '\r'"
	assert_equal "${lines[1]}" "PING"
	assert_equal "${lines[2]}" "-ERR 'Stale Connection'"
	assert_equal "${#lines[@]}" 3
	wait_for_line "$BG_ERR" 'Stale Connection, disconnected$'
	run -64 --separate-stderr ipctool bus daemon --max-pings-out 0
	assert_equal "$stderr" "ipctool bus: invalid number '0' for --max-pings-out: too small (see 'ipctool bus --help')"
}

@test "bus daemon: an --addr-file that cannot be written is blamed, not the socket" {
	need_daemon
	run -1 --separate-stderr ipctool bus daemon -l "unix:$BATS_TEST_TMPDIR/b.sock" \
	    --addr-file /nonexistent/a
	assert_equal "$stderr" "ipctool bus: listening on unix:$BATS_TEST_TMPDIR/b.sock
ipctool bus: write /nonexistent/a: No such file or directory"
	assert_file_not_exists "$BATS_TEST_TMPDIR/b.sock"
}

@test "bus: pub -H KEY:VALUE sends headers (HPUB); sub --headers prints them, in JSON too" {
	for broker in nats daemon; do
		if [ "$broker" = nats ]; then start_nats; else start_daemon; fi
		start_sub --headers -c 2 hdr
		text=$SUB_OUT
		start_bg "$IPCTOOL" bus sub --ready-file "$BATS_TEST_TMPDIR/j.$broker" --json --headers -c 1 hdr
		jpid=$BG_PID jout=$BG_OUT
		wait_for_path "$BATS_TEST_TMPDIR/j.$broker"
		ipctool bus pub -H 'Trace-Id: abc 1' -H Kind:demo hdr hello
		ipctool bus pub hdr plain
		wait_for_line "$text" '^plain$' 20
		wait_exit "$SUB_PID"
		assert_equal "$(cat "$text")" "Trace-Id: abc 1
Kind: demo
hello
plain"
		wait_exit "$jpid"
		assert_equal "$(cat "$jout")" '{"subject":"hdr","data":"hello","reply":null,"headers":{"Trace-Id":"abc 1","Kind":"demo"}}'
		kill "${BG_PIDS[@]}" 2>/dev/null || true
	done
	run -64 --separate-stderr ipctool bus pub -H nocolon hdr x
	assert_equal "$stderr" "ipctool bus: -H 'nocolon': give KEY:VALUE (see 'ipctool bus --help')"
	run -64 --separate-stderr ipctool bus pub -H 'a b:c' hdr x
	assert_equal "$stderr" "ipctool bus: -H 'a b:c': a header name has no spaces (see 'ipctool bus --help')"
}

@test "bus stat lists the subjects subscribed to with their subscriber counts" {
	start_daemon
	start_sub a
	start_sub a 'b.*'
	start_sub -q g a
	run -0 --separate-stderr sh -c '"$IPCTOOL" bus stat --json | jq -c "[.subjects[] | select(.subject | startswith(\"_INBOX.\") | not)]"'
	assert_output '[{"subject":"a","subscribers":3},{"subject":"b.*","subscribers":1}]'
	run -0 --separate-stderr ipctool bus stat
	assert_line '  - subject=a subscribers=3'
	assert_line '  - subject=b.* subscribers=1'
}

@test "bus sub, bus monitor: SIGTERM or HUP removes the --ready-file, exit 128+N" {
	start_daemon
	start_sub x
	local r="$BATS_TEST_TMPDIR/sub.$((BG_N - 1)).ready"
	assert_file_exists "$r"
	kill -TERM "$SUB_PID"
	wait_exit "$SUB_PID"
	assert_equal "$WAIT_STATUS" 143
	assert_file_not_exists "$r"
	start_bg "$IPCTOOL" bus monitor --ready-file "$BATS_TEST_TMPDIR/m"
	local m=$BG_PID
	wait_for_path "$BATS_TEST_TMPDIR/m"
	kill -HUP "$m"
	wait_exit "$m"
	assert_equal "$WAIT_STATUS" 129
	assert_file_not_exists "$BATS_TEST_TMPDIR/m"
}
