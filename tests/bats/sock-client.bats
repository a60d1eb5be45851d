#!/usr/bin/env bats
# sock-client.bats - relay with half-close, messages with --sync, requests,
# --retry and --timeout, errors; ipctool, socat and nc (OpenBSD) as servers

load helpers.bash

# serve ARGS...: start ipctool sock-server with an address file; sets
# ADDR, PORT, SRV_PID, SRV_OUT, SRV_ERR
serve() {
	local af="$BATS_TEST_TMPDIR/addr.$((BG_N + 1))"
	start_bg ipctool sock-server --quiet --addr-file "$af" "$@"
	SRV_PID=$BG_PID SRV_OUT=$BG_OUT SRV_ERR=$BG_ERR
	wait_for_path "$af"
	ADDR=$(cat "$af")
	PORT=${ADDR##*:}
}

@test "half-close: the server sees end of input and its whole answer arrives" {
	serve tcp:0 -- sh -c 'wc -l; sleep 0.2; echo done'
	run -0 --separate-stderr ipctool sock-client "$ADDR" <<<$'a\nb\nc'
	assert_output $'3\ndone'
}

@test "--no-shutdown: no half-close, so a server waiting for EOF times out" {
	serve tcp:0 -- sh -c 'wc -l'
	run -75 --separate-stderr ipctool sock-client --no-shutdown -t 300ms "$ADDR" <<<"x"
	assert_equal "$stderr" "ipctool sock-client: $ADDR: idle for 300ms"
}

@test "-v: shows the local port the kernel assigned" {
	serve --echo tcp:0
	run -0 --separate-stderr ipctool sock-client -v "$ADDR" </dev/null
	assert_output ""
	[[ $stderr =~ getsockname\(([0-9]+)\)\ -\>\ tcp:127\.0\.0\.1:([0-9]+)\ \(port\ ([0-9]+)\) ]]
	fd=${BASH_REMATCH[1]}
	assert_equal "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}"
	grep -q "connected to $ADDR from tcp:127.0.0.1:${BASH_REMATCH[2]}" <<<"$stderr"
	grep -q "shutdown($fd, SHUT_WR) \[input ended after 0 bytes\] = 0" <<<"$stderr"
}

@test "nothing listens: exit 69 with one clear line" {
	port=$(free_port)
	run -69 --separate-stderr ipctool sock-client "tcp:127.0.0.1:$port" </dev/null
	assert_equal "$stderr" "ipctool sock-client: connection refused: nothing listens on tcp:127.0.0.1:$port"
	run -69 --separate-stderr ipctool sock-client "unix:$BATS_TEST_TMPDIR/none" </dev/null
	assert_equal "$stderr" "ipctool sock-client: connection refused: nothing listens on unix:$BATS_TEST_TMPDIR/none (no such file)"
	run -69 --separate-stderr ipctool sock-client --send x -t 2s "udp:127.0.0.1:$port"
	assert_equal "$stderr" "ipctool sock-client: connection refused: nothing listens on udp:127.0.0.1:$port"
}

@test "--retry: the client starts first and connects when the server is up" {
	sock="$BATS_TEST_TMPDIR/late.sock"
	start_bg ipctool sock-client --retry 20s --send early "unix:$sock"
	client=$BG_PID
	cli_out=$BG_OUT
	serve -k --ack "unix:$sock" </dev/null
	wait_exit "$client"
	assert_equal "$WAIT_STATUS" 0
	wait_for_line "$SRV_OUT" '^early$'
	assert_equal "$(cat "$cli_out")" "ack 1"
}

@test "--retry: descriptors are not leaked across failing attempts" {
	run -69 --separate-stderr ipctool sock-client -v --retry 300ms "unix:$BATS_TEST_TMPDIR/never"
	# every attempt gets the same descriptor number: none stays open
	[ "$(grep -c 'socket(AF_UNIX' <<<"$stderr")" -ge 3 ]
	assert_equal "$(grep 'socket(AF_UNIX' <<<"$stderr" | sed 's/.*= //' | sort -u | wc -l)" 1
}

@test "--sync: waits for each acknowledgement; other lines go to stdout" {
	serve -k --ack tcp:0 </dev/null
	run -0 --separate-stderr ipctool sock-client -v --sync --send one --send two "$ADDR"
	grep -q 'message 1 acknowledged' <<<"$stderr"
	grep -q 'message 2 acknowledged' <<<"$stderr"
	printf 'three\nfour\n' | ipctool sock-client --sync "$ADDR"
	assert_equal "$(cat "$SRV_OUT")" $'one\ntwo\nthree\nfour'
}

@test "--sync: exit 75 when the acknowledgement does not come in time" {
	serve -k tcp:0 </dev/null
	run -75 --separate-stderr ipctool sock-client --sync -t 300ms --send lost "$ADDR"
	assert_equal "$stderr" "ipctool sock-client: no acknowledgement from $ADDR within 300ms"
}

@test "--sync: exit 69 when the server closes before acknowledging" {
	serve tcp:0 -- sh -c 'read l'
	run -69 --separate-stderr ipctool sock-client --sync -t 5s --send x "$ADDR"
	assert_equal "$stderr" "ipctool sock-client: $ADDR closed the connection before acknowledging message 1"
}

@test "--request: one message out, exactly one reply back" {
	serve tcp:0 -- sh -c 'read n; echo $((n * n)); echo extra'
	run -0 --separate-stderr ipctool sock-client --request "$ADDR" <<<12
	assert_output 144
	run -0 --separate-stderr ipctool sock-client -r --send 7 "$ADDR"
	assert_output 49
}

@test "--request: exit 75 on timeout, 69 when the server hangs up silently" {
	serve -k tcp:0 </dev/null
	run -75 --separate-stderr ipctool sock-client -r -t 300ms --send q --no-shutdown "$ADDR"
	assert_equal "$stderr" "ipctool sock-client: no reply from $ADDR within 300ms"
	serve tcp:0 -- true
	run -69 --separate-stderr ipctool sock-client -r -t 5s --send q "$ADDR"
	assert_equal "$stderr" "ipctool sock-client: $ADDR closed the connection without a reply"
}

@test "udp: lines out as datagrams, replies printed" {
	serve --echo udp:0
	run -0 ipctool sock-client -t 500ms "$ADDR" <<<$'one\ntwo'
	assert_output $'one\ntwo'
	run -0 ipctool sock-client -r -t 2s --send req "$ADDR"
	assert_output req
}

@test "interop: socat servers (tcp echo, unix, udp)" {
	port=$(free_port)
	start_bg socat "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr" EXEC:cat
	wait_for_port "$port"
	run -0 ipctool sock-client "tcp:127.0.0.1:$port" <<<"via socat"
	assert_output "via socat"
	start_bg socat "UNIX-LISTEN:$BATS_TEST_TMPDIR/so.sock" EXEC:'tr a-z A-Z'
	# the file exists from bind(2), before listen(2): --retry covers that
	run -0 ipctool sock-client --retry 10s "unix:$BATS_TEST_TMPDIR/so.sock" <<<"shout"
	assert_output "SHOUT"
	uport=$(free_port)
	start_bg socat "UDP-RECVFROM:$uport,bind=127.0.0.1,fork" EXEC:cat
	wait_until 10 sh -c "ss -Hlun 'sport = :$uport' | grep -q ."
	run -0 ipctool sock-client -r -t 2s --send dgram "udp:127.0.0.1:$uport"
	assert_output dgram
}

@test "interop: nc -l as the server, both directions" {
	port=$(free_port)
	echo "from nc" >"$BATS_TEST_TMPDIR/in"
	start_bg_in "$BATS_TEST_TMPDIR/in" nc -l -N 127.0.0.1 "$port"
	nc_out=$BG_OUT
	wait_for_port "$port"
	run -0 ipctool sock-client "tcp:127.0.0.1:$port" <<<"to nc"
	assert_output "from nc"
	wait_for_line "$nc_out" '^to nc$'
	sock="$BATS_TEST_TMPDIR/nc.sock"
	start_bg_in "$BATS_TEST_TMPDIR/in" nc -l -N -U "$sock"
	run -0 ipctool sock-client --retry 10s "unix:$sock" <<<"to nc unix"
	assert_output "from nc"
}

@test "64 MiB through sock-client to sock-server over tcp: byte-identical" {
	head -c 64M /dev/urandom >"$BATS_TEST_TMPDIR/data"
	serve tcp:0 </dev/null
	ipctool sock-client "$ADDR" <"$BATS_TEST_TMPDIR/data"
	wait_exit "$SRV_PID"
	assert_equal "$(sha256sum <"$SRV_OUT")" "$(sha256sum <"$BATS_TEST_TMPDIR/data")"
}

@test "bad input: one line each, documented status" {
	run -64 --separate-stderr ipctool sock-client tcp:127.0.0.1:70000
	assert_equal "$stderr" "ipctool sock-client: bad address 'tcp:127.0.0.1:70000': port out of range 0-65535 (see 'ipctool sock-client --help')"
	run -64 --separate-stderr ipctool sock-client "unix:/tmp/$(printf '%0120d' 0)"
	assert_equal "$stderr" "ipctool sock-client: bad address 'unix:/tmp/$(printf '%0120d' 0)': UNIX socket path too long (107 bytes at most) (see 'ipctool sock-client --help')"
	run -64 --separate-stderr ipctool sock-client --request --sync tcp:1
	assert_equal "$stderr" "ipctool sock-client: --request excludes --sync (see 'ipctool sock-client --help')"
	run -69 --separate-stderr ipctool sock-client tcp:no-such-host.invalid:80
	assert_equal "$stderr" "ipctool sock-client: resolve no-such-host.invalid: Name or service not known"
	run -64 --separate-stderr ipctool sock-client tcp:1 -- cat
	assert_equal "$stderr" "ipctool sock-client: one ADDR only, got 'cat' (see 'ipctool sock-client --help')"
}

@test "--timeout: a connect that gets no answer gives up with exit 75" {
	# a listener whose backlog is full: the kernel drops further SYNs
	start_bg python3 -c '
import socket, time
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(0)
port = l.getsockname()[1]
c = []
for i in range(3):
    s = socket.socket(); s.setblocking(False)
    try: s.connect(("127.0.0.1", port))
    except BlockingIOError: pass
    c.append(s)
time.sleep(0.3)
print(port, flush=True)
time.sleep(60)
'
	wait_for_line "$BG_OUT" '^[0-9]+$'
	port=$(cat "$BG_OUT")
	run -75 --separate-stderr ipctool sock-client -t 300ms "tcp:127.0.0.1:$port" </dev/null
	assert_equal "$stderr" "ipctool sock-client: connect tcp:127.0.0.1:$port: timed out after 300ms"
}

@test "-z: exit 0 when ADDR accepts a connection, 69 quietly when not, nothing sent" {
	serve -k --json tcp:0 </dev/null
	run -0 --separate-stderr ipctool sock-client -z "$ADDR"
	assert_output ""
	assert_equal "$stderr" ""
	wait_for_line "$SRV_OUT" '"event":"disconnect"'
	assert_regex "$(grep disconnect "$SRV_OUT")" '"messages":0'
	port=$(free_port)
	run -69 --separate-stderr ipctool sock-client -z "tcp:127.0.0.1:$port"
	assert_equal "$stderr" ""
	run -69 --separate-stderr ipctool sock-client -z "unix:$BATS_TEST_TMPDIR/none.sock"
	assert_equal "$stderr" ""
	run -64 --separate-stderr ipctool sock-client -z --send hi "$ADDR"
	assert_equal "$stderr" "ipctool sock-client: -z sends nothing: no --send, --sync or --request (see 'ipctool sock-client --help')"
	run -64 --separate-stderr ipctool sock-client -z udp:127.0.0.1:9
	assert_equal "$stderr" "ipctool sock-client: -z needs a connection: udp has none to probe (see 'ipctool sock-client --help')"
}
