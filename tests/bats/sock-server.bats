#!/usr/bin/env bats
# sock-server.bats - every mode of sock-server (relay, keep-open, echo,
# broadcast, ack, exec, udp), its address handling, limits and errors, with
# ipctool, nc (OpenBSD) and socat as clients

load helpers.bash

# serve ARGS...: start sock-server with an address file, wait until it is
# ready; sets ADDR, PORT (tcp/udp), SRV_PID, SRV_OUT, SRV_ERR
serve() {
	local af="$BATS_TEST_TMPDIR/addr.$((BG_N + 1))"
	start_bg ipctool sock-server --addr-file "$af" "$@"
	SRV_PID=$BG_PID SRV_OUT=$BG_OUT SRV_ERR=$BG_ERR
	wait_for_path "$af"
	ADDR=$(cat "$af")
	PORT=${ADDR##*:}
}

# serve_in FILE ARGS...: serve with stdin from FILE
serve_in() {
	local in=$1 af="$BATS_TEST_TMPDIR/addr.$((BG_N + 1))"
	shift
	start_bg_in "$in" ipctool sock-server --addr-file "$af" "$@"
	SRV_PID=$BG_PID SRV_OUT=$BG_OUT SRV_ERR=$BG_ERR
	wait_for_path "$af"
	ADDR=$(cat "$af")
	PORT=${ADDR##*:}
}

# hold NAME: a fifo kept open for writing by this shell (fd in HOLD_FD),
# to be the stdin of a client that must stay connected
hold() {
	HOLD="$BATS_TEST_TMPDIR/$1"
	mkfifo "$HOLD"
	exec {HOLD_FD}<>"$HOLD"
}

@test "tcp:0: the kernel's port in the listening line and the address file" {
	serve tcp:0 </dev/null
	[[ $ADDR =~ ^tcp:127\.0\.0\.1:[0-9]+$ ]]
	[ "$PORT" -gt 0 ]
	wait_for_line "$SRV_ERR" "listening"
	assert_equal "$(cat "$SRV_ERR")" "ipctool sock-server: listening on $ADDR"
	run -0 ipctool sock-client "$ADDR" </dev/null
}

@test "-q: no listening line" {
	serve --quiet tcp:0 </dev/null
	run -0 ipctool sock-client "$ADDR" </dev/null
	wait_exit "$SRV_PID"
	assert_equal "$WAIT_STATUS" 0
	assert_equal "$(cat "$SRV_ERR")" ""
}

@test "relay: client bytes to stdout, stdin to the client, exit when it closes" {
	printf 'from server\n' >"$BATS_TEST_TMPDIR/in"
	serve_in "$BATS_TEST_TMPDIR/in" --quiet tcp:0
	run -0 --separate-stderr ipctool sock-client --send 'from client' "$ADDR"
	assert_output "from server"
	wait_exit "$SRV_PID"
	assert_equal "$WAIT_STATUS" 0
	assert_equal "$(cat "$SRV_OUT")" "from client"
}

@test "relay: a second client is refused at once, not left waiting" {
	hold h
	serve --quiet tcp:0
	start_bg_in "$HOLD" ipctool sock-client "$ADDR"
	wait_until 10 sh -c "ss -Htn state established '( sport = :$PORT )' | grep -q ."
	run -69 --separate-stderr ipctool sock-client -t 5s "$ADDR" </dev/null
	assert_equal "$stderr" "ipctool sock-client: connection refused: nothing listens on $ADDR"
}

@test "relay: 64 MiB over a UNIX socket arrive byte-identical (splice)" {
	head -c 64M /dev/urandom >"$BATS_TEST_TMPDIR/data"
	serve --quiet -v "unix:$BATS_TEST_TMPDIR/s" </dev/null
	run -0 ipctool sock-client "$ADDR" <"$BATS_TEST_TMPDIR/data"
	wait_exit "$SRV_PID"
	cmp "$BATS_TEST_TMPDIR/data" "$SRV_OUT"
	grep -q "67108864 bytes in, 0 bytes out (splice)" "$SRV_ERR"
}

@test "relay: a file on stdin is sent whole, even after the client's half-close" {
	head -c 8M /dev/urandom >"$BATS_TEST_TMPDIR/data"
	serve_in "$BATS_TEST_TMPDIR/data" --quiet tcp:0
	ipctool sock-client "$ADDR" </dev/null >"$BATS_TEST_TMPDIR/copy"
	cmp "$BATS_TEST_TMPDIR/data" "$BATS_TEST_TMPDIR/copy"
	wait_exit "$SRV_PID"
	assert_equal "$WAIT_STATUS" 0
}

@test "relay: the end of stdin is a half-close; the client's upload still arrives" {
	head -c 8M /dev/urandom >"$BATS_TEST_TMPDIR/data"
	echo ok >"$BATS_TEST_TMPDIR/in"
	serve_in "$BATS_TEST_TMPDIR/in" --quiet -v tcp:0
	run -0 ipctool sock-client "$ADDR" <"$BATS_TEST_TMPDIR/data"
	assert_output ok
	wait_exit "$SRV_PID"
	cmp "$BATS_TEST_TMPDIR/data" "$SRV_OUT"
	grep -q 'shutdown([0-9]*, SHUT_WR) \[input ended after 3 bytes\] = 0' "$SRV_ERR"
}

@test "-k: lines of clients sending at once are never cut" {
	python3 -c 'print("\n".join(["A" * 5000] * 300))' >"$BATS_TEST_TMPDIR/a"
	python3 -c 'print("\n".join(["B" * 5000] * 300))' >"$BATS_TEST_TMPDIR/b"
	serve --quiet -k tcp:0 </dev/null
	start_bg_in "$BATS_TEST_TMPDIR/a" ipctool sock-client "$ADDR"
	ipctool sock-client "$ADDR" <"$BATS_TEST_TMPDIR/b"
	wait_exit "$BG_PID"
	assert_equal "$WAIT_STATUS" 0
	wait_until 10 sh -c "[ \$(wc -l <'$SRV_OUT') -ge 600 ]"
	assert_equal "$(grep -c -x 'A\{5000\}' "$SRV_OUT")" 300
	assert_equal "$(grep -c -x 'B\{5000\}' "$SRV_OUT")" 300
	assert_equal "$(wc -l <"$SRV_OUT")" 600
}

@test "-k: a last line without newline gets one; stdin goes to every client" {
	hold h
	start_bg_in "$HOLD" ipctool sock-server --quiet -k --addr-file "$BATS_TEST_TMPDIR/af" tcp:0
	SRV_OUT=$BG_OUT
	wait_for_path "$BATS_TEST_TMPDIR/af"
	ADDR=$(cat "$BATS_TEST_TMPDIR/af")
	printf 'no newline' | ipctool sock-client --no-shutdown -t 300ms "$ADDR" || true
	wait_for_line "$SRV_OUT" '^no newline$'
	hold2=$BATS_TEST_TMPDIR/h2
	mkfifo "$hold2"
	exec {h2}<>"$hold2"
	start_bg_in "$hold2" ipctool sock-client "$ADDR"
	c1=$BG_OUT
	wait_until 10 sh -c "ss -Htn state established '( sport = :${ADDR##*:} )' | grep -q ."
	echo "to all" >&"$HOLD_FD"
	wait_for_line "$c1" '^to all$'
}

@test "--echo: every client gets its bytes back (tcp, unix, abstract, IPv6)" {
	serve --quiet --echo tcp:0
	run -0 ipctool sock-client "$ADDR" <<<"hello tcp"
	assert_output "hello tcp"
	serve --quiet --echo "unix:$BATS_TEST_TMPDIR/e.sock"
	run -0 ipctool sock-client "$ADDR" <<<"hello unix"
	assert_output "hello unix"
	serve --quiet --echo "unix:@ipctool-test-$$-$BATS_TEST_NUMBER"
	run -0 ipctool sock-client "$ADDR" <<<"hello abstract"
	assert_output "hello abstract"
	serve --quiet --echo 'tcp:[::1]:0'
	[[ $ADDR =~ ^tcp:\[::1\]:[0-9]+$ ]]
	run -0 ipctool sock-client "$ADDR" <<<"hello v6"
	assert_output "hello v6"
}

@test "--echo: 32 MiB both ways at once, no deadlock" {
	head -c 32M /dev/urandom >"$BATS_TEST_TMPDIR/data"
	serve --quiet --echo tcp:0
	ipctool sock-client "$ADDR" <"$BATS_TEST_TMPDIR/data" >"$BATS_TEST_TMPDIR/back"
	cmp "$BATS_TEST_TMPDIR/data" "$BATS_TEST_TMPDIR/back"
}

@test "--echo: a thousand clients at once in one epoll loop" {
	serve --quiet --echo tcp:0
	run -0 python3 - "$PORT" <<'EOF'
import socket, sys
port = int(sys.argv[1])
socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(1000)]
for i, s in enumerate(socks):
    s.sendall(b"client %d\n" % i)
ok = 0
for i, s in enumerate(socks):
    s.settimeout(10)
    buf = b""
    while not buf.endswith(b"\n"):
        buf += s.recv(100)
    ok += buf == b"client %d\n" % i
print(ok)
EOF
	assert_output 1000
}

@test "--broadcast: a line of one client reaches the others, not itself" {
	hold h
	serve --broadcast -v tcp:0 </dev/null
	start_bg_in "$HOLD" ipctool sock-client "$ADDR"
	listener=$BG_OUT
	wait_for_line "$SRV_ERR" 'accept4.*from'
	run -0 ipctool sock-client --send hello "$ADDR"
	assert_output ""
	wait_for_line "$listener" '^hello$'
	assert_equal "$(cat "$listener")" "hello"
}

@test "--ack: each message acknowledged after it reached stdout" {
	serve --quiet -k --ack tcp:0 </dev/null
	run -0 --separate-stderr ipctool sock-client --sync --send one --send two "$ADDR"
	assert_output ""
	assert_equal "$(cat "$SRV_OUT")" $'one\ntwo'
	run -0 --separate-stderr ipctool sock-client --send three --send four "$ADDR"
	assert_output $'ack 1\nack 2'
}

@test "--json: connect, message and disconnect events with the peer" {
	serve --quiet -k --json tcp:0 </dev/null
	run -0 --separate-stderr ipctool sock-client -v --send 'say "hi"' "$ADDR"
	local peer
	peer=$(grep -o 'from tcp:127.0.0.1:[0-9]*$' <<<"$stderr" | cut -d' ' -f2)
	wait_for_line "$SRV_OUT" disconnect
	assert_equal "$(cat "$SRV_OUT")" "{\"event\":\"connect\",\"peer\":\"$peer\"}
{\"event\":\"message\",\"peer\":\"$peer\",\"data\":\"say \\\"hi\\\"\"}
{\"event\":\"disconnect\",\"peer\":\"$peer\",\"messages\":1}"
}

@test "exec: the command gets the socket and the UCSPI variables (tcp)" {
	serve --quiet tcp:0 -- sh -c 'read l; echo "$l $PROTO $TCPREMOTEIP $TCPLOCALPORT $IPCTOOL_PEER:$TCPREMOTEPORT"'
	run -0 --separate-stderr ipctool sock-client -v --request --send hi "$ADDR"
	local lport
	lport=$(grep -o 'port [0-9]*)' <<<"$stderr" | tail -1 | tr -dc 0-9)
	assert_output "hi TCP 127.0.0.1 $PORT tcp:127.0.0.1:$lport:$lport"
}

@test "exec: the peer's pid, uid and gid from SO_PEERCRED (unix)" {
	serve --quiet "unix:$BATS_TEST_TMPDIR/x.sock" -- sh -c 'echo "$PROTO $IPCTOOL_PEER_PID $IPCTOOL_PEER_UID $IPCTOOL_PEER_GID"'
	python3 - "$BATS_TEST_TMPDIR/x.sock" >"$BATS_TEST_TMPDIR/got" <<'EOF'
import os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
print(os.getpid(), s.makefile().readline().strip())
EOF
	read -r pid got <"$BATS_TEST_TMPDIR/got"
	assert_equal "$got" "UNIX $pid $(id -u) $(id -g)"
}

@test "exec: --once exits with the command's status; a command not found is 127" {
	serve --quiet --once tcp:0 -- sh -c 'exit 3'
	run -0 ipctool sock-client "$ADDR" </dev/null
	wait_exit "$SRV_PID"
	assert_equal "$WAIT_STATUS" 3
	run -127 --separate-stderr ipctool sock-server tcp:0 -- no-such-command-xyz
	assert_equal "$stderr" "ipctool sock-server: cannot run 'no-such-command-xyz': command not found"
}

@test "--max-clients: the client beyond is told and closed" {
	hold h
	serve --quiet -k --max-clients 1 -v tcp:0 </dev/null
	start_bg_in "$HOLD" ipctool sock-client "$ADDR"
	wait_for_line "$SRV_ERR" 'accept4.*from'
	run -0 ipctool sock-client -t 5s "$ADDR" </dev/null
	assert_output "ipctool sock-server: too many clients (at most 1), try again later"
}

@test "--once with -k: the server exits when the first client is done" {
	serve --quiet -k --once tcp:0 </dev/null
	run -0 ipctool sock-client --send bye "$ADDR"
	wait_exit "$SRV_PID"
	assert_equal "$WAIT_STATUS" 0
	assert_equal "$(cat "$SRV_OUT")" "bye"
}

@test "--timeout: exit 75 when no client comes" {
	run -75 --separate-stderr ipctool sock-server --quiet -t 200ms tcp:0
	assert_equal "$stderr" "ipctool sock-server: no client within 200ms"
	run -75 --separate-stderr ipctool sock-server --quiet -k -t 200ms tcp:0 </dev/null
	assert_equal "$stderr" "ipctool sock-server: no client within 200ms"
}

@test "a port in use: exit 69 naming the process that holds it" {
	serve --quiet tcp:0 </dev/null
	run -69 --separate-stderr ipctool sock-server "$ADDR"
	assert_equal "$stderr" "ipctool sock-server: port $PORT is already in use (by ipctool, pid $SRV_PID)"
}

@test "unix: 0600 by default, --mode, a live socket is never stolen" {
	serve --quiet --echo "unix:$BATS_TEST_TMPDIR/m.sock"
	assert_equal "$(stat -c %a "$BATS_TEST_TMPDIR/m.sock")" 600
	run -69 --separate-stderr ipctool sock-server "unix:$BATS_TEST_TMPDIR/m.sock"
	assert_equal "$stderr" "ipctool sock-server: unix:$BATS_TEST_TMPDIR/m.sock is already in use: a server is listening on it"
	serve --quiet --echo --mode 0660 "unix:$BATS_TEST_TMPDIR/g.sock"
	assert_equal "$(stat -c %a "$BATS_TEST_TMPDIR/g.sock")" 660
}

@test "unix: a stale socket file is replaced, the file is removed on exit" {
	python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$BATS_TEST_TMPDIR/st.sock"
	assert [ -S "$BATS_TEST_TMPDIR/st.sock" ]
	serve --quiet --echo "unix:$BATS_TEST_TMPDIR/st.sock"
	run -0 ipctool sock-client "$ADDR" <<<"alive"
	assert_output "alive"
	kill -TERM "$SRV_PID"
	wait_exit "$SRV_PID"
	assert_file_not_exists "$BATS_TEST_TMPDIR/st.sock"
	serve --quiet "unix:$BATS_TEST_TMPDIR/st.sock" </dev/null
	run -0 ipctool sock-client "$ADDR" </dev/null
	wait_exit "$SRV_PID"
	assert_file_not_exists "$BATS_TEST_TMPDIR/st.sock"
}

@test "unix: a file that is not a socket is never touched" {
	echo keep >"$BATS_TEST_TMPDIR/f"
	run -1 --separate-stderr ipctool sock-server "unix:$BATS_TEST_TMPDIR/f"
	assert_equal "$stderr" "ipctool sock-server: bind unix:$BATS_TEST_TMPDIR/f: a file that is not a socket is in the way"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/f")" keep
}

@test "udp: datagrams to stdout, --json with the peer, --echo and --ack" {
	serve --quiet --json udp:0 </dev/null
	printf 'one\n' | nc -u -w1 -q0 127.0.0.1 "$PORT" >/dev/null || true
	wait_for_line "$SRV_OUT" one
	run -0 jq -r '.event + " " + .data + " " + (.peer | test("^udp:127.0.0.1:[0-9]+$") | tostring)' "$SRV_OUT"
	assert_output "message one true"
	serve --quiet --echo udp:0
	run -0 ipctool sock-client -t 500ms "$ADDR" <<<"bounce"
	assert_output "bounce"
	serve --quiet --ack udp:0 </dev/null
	run -0 ipctool sock-client --sync -t 2s --send a --send b "$ADDR"
	assert_equal "$(cat "$SRV_OUT")" $'a\nb'
}

@test "udp: -v shows the sender of each datagram" {
	serve --quiet -v udp:0 </dev/null
	run -0 ipctool sock-client -t 100ms "$ADDR" <<<"x"
	wait_for_line "$SRV_ERR" 'recvfrom\([0-9]+\) = 2 \[from udp:127.0.0.1:[0-9]+\]'
}

@test "interop: nc and socat as clients over tcp, unix and udp" {
	serve --quiet --echo tcp:0
	run -0 nc -N 127.0.0.1 "$PORT" <<<"nc tcp"
	assert_output "nc tcp"
	run -0 socat - "TCP:127.0.0.1:$PORT" <<<"socat tcp"
	assert_output "socat tcp"
	serve --quiet --echo "unix:$BATS_TEST_TMPDIR/i.sock"
	run -0 nc -N -U "$BATS_TEST_TMPDIR/i.sock" <<<"nc unix"
	assert_output "nc unix"
	run -0 socat - "UNIX-CONNECT:$BATS_TEST_TMPDIR/i.sock" <<<"socat unix"
	assert_output "socat unix"
	serve --quiet --echo udp:0
	run -0 socat -T1 - "UDP:127.0.0.1:$PORT" <<<"socat udp"
	assert_output "socat udp"
	serve --quiet udp:0 </dev/null
	echo "nc udp" | nc -u -w1 -q0 127.0.0.1 "$PORT" || true
	wait_for_line "$SRV_OUT" '^nc udp$'
}

@test "interop: nc as a client in relay mode, both directions" {
	echo "to nc" >"$BATS_TEST_TMPDIR/in"
	serve_in "$BATS_TEST_TMPDIR/in" --quiet tcp:0
	run -0 nc -N 127.0.0.1 "$PORT" <<<"from nc"
	assert_output "to nc"
	wait_exit "$SRV_PID"
	assert_equal "$(cat "$SRV_OUT")" "from nc"
}

@test "no descriptor leak after many failing clients" {
	serve --quiet -k tcp:0 </dev/null
	before=$(ls "/proc/$SRV_PID/fd" | wc -l)
	python3 - "$PORT" <<'EOF'
import socket, struct, sys
for _ in range(300):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.send(b"partial")
    s.close()
EOF
	run -0 ipctool sock-client --send sync "$ADDR"
	wait_for_line "$SRV_OUT" '^sync$'
	wait_until 10 sh -c "[ \$(ls /proc/$SRV_PID/fd | wc -l) -eq $before ]"
}

@test "bad input: one line and exit 64 or 1" {
	run -64 --separate-stderr ipctool sock-server tcp:70000
	assert_equal "$stderr" "ipctool sock-server: bad address 'tcp:70000': port out of range 0-65535 (see 'ipctool sock-server --help')"
	run -64 --separate-stderr ipctool sock-server "unix:/tmp/$(printf '%0120d' 0)"
	assert_equal "$stderr" "ipctool sock-server: bad address 'unix:/tmp/$(printf '%0120d' 0)': UNIX socket path too long (107 bytes at most) (see 'ipctool sock-server --help')"
	run -64 --separate-stderr ipctool sock-server
	assert_equal "$stderr" "ipctool sock-server: missing ADDR (see 'ipctool sock-server --help')"
	run -64 --separate-stderr ipctool sock-server --echo --broadcast tcp:0
	assert_equal "$stderr" "ipctool sock-server: --echo excludes --broadcast and --ack (see 'ipctool sock-server --help')"
	run -64 --separate-stderr ipctool sock-server udp:0 -- cat
	assert_equal "$stderr" "ipctool sock-server: a command after '--' needs a stream address, not udp (see 'ipctool sock-server --help')"
	run -64 --separate-stderr ipctool sock-server --mode 999 unix:/tmp/x
	assert_equal "$stderr" "ipctool sock-server: invalid mode '999' for --mode: not octal (see 'ipctool sock-server --help')"
	run -1 --separate-stderr ipctool sock-server tcp:no-such-host.invalid:0
	assert_equal "$stderr" "ipctool sock-server: resolve no-such-host.invalid: Name or service not known"
	run -1 --separate-stderr ipctool sock-server tcp:192.0.2.1:0
	assert_equal "$stderr" "ipctool sock-server: bind tcp:192.0.2.1:0: the host is not an address of this machine"
}

@test "a privileged port without permission: one clear line, exit 1" {
	[ "$(id -u)" = 0 ] && command -v setpriv >/dev/null || skip "needs root and setpriv to drop privileges"
	[ "$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)" -gt 80 ] || skip "port 80 is not privileged here"
	run -1 --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
	    --inh-caps=-all --bounding-set=-all "$IPCTOOL" sock-server tcp:80
	assert_equal "$stderr" "ipctool sock-server: bind tcp:127.0.0.1:80: permission denied: ports below 1024 need root or CAP_NET_BIND_SERVICE"
}

@test "exec: --max-clients counts running commands" {
	hold h
	serve --quiet --max-clients 1 -v tcp:0 -- sh -c 'cat >/dev/null; echo served'
	start_bg_in "$HOLD" ipctool sock-client "$ADDR"
	wait_for_line "$SRV_ERR" 'fork\(\) = [0-9]+'
	run -0 ipctool sock-client -t 5s "$ADDR" </dev/null
	assert_output "ipctool sock-server: too many clients (at most 1), try again later"
}

@test "udp: a port in use is named too; relay mode removes its socket file on SIGTERM" {
	serve --quiet udp:0 </dev/null
	run -69 --separate-stderr ipctool sock-server "$ADDR"
	assert_equal "$stderr" "ipctool sock-server: port $PORT is already in use (by ipctool, pid $SRV_PID)"
	serve --quiet "unix:$BATS_TEST_TMPDIR/r.sock" </dev/null
	kill -TERM "$SRV_PID"
	wait_exit "$SRV_PID"
	assert_equal "$WAIT_STATUS" 143
	assert_file_not_exists "$BATS_TEST_TMPDIR/r.sock"
}

@test "-0: NUL-terminated messages, acknowledged one by one" {
	serve --quiet -k -0 --ack tcp:0 </dev/null
	run -0 ipctool sock-client -0 --sync --send $'two\nlines' --send second "$ADDR"
	# acknowledged means written out: no wait needed
	assert_equal "$(tr '\0' '|' <"$SRV_OUT")" $'two\nlines|second|'
}

@test "--broadcast: a listen-only client (stdin /dev/null) stays a receiver" {
	serve --broadcast -v tcp:0 </dev/null
	start_bg ipctool sock-client "$ADDR" </dev/null
	listener=$BG_PID listener_out=$BG_OUT
	wait_for_line "$SRV_ERR" 'half-closed: it only receives now'
	run -0 --separate-stderr ipctool sock-client --send hello --send again "$ADDR"
	assert_output ""
	wait_for_count "$listener_out" '.' 2
	assert_equal "$(cat "$listener_out")" $'hello\nagain'
	# it is dropped once it closes its read side (seen at the next line)
	kill "$listener"
	wait_exit "$listener"
	run -0 ipctool sock-client --send bye "$ADDR"
	run -0 ipctool sock-client --send bye "$ADDR"
	wait_for_line "$SRV_ERR" 'close\([0-9]+\) \[tcp:127\.0\.0\.1:[0-9]+ (closed|EPIPE|ECONNRESET) after 0 messages\]'
}

@test "-k: a listen-only client gets stdin's lines, then the end of them" {
	# stdin a FIFO whose only writer is this shell, opened after the
	# server started so that the server does not hold it too
	mkfifo "$BATS_TEST_TMPDIR/in"
	start_bg_in "$BATS_TEST_TMPDIR/in" ipctool sock-server -v -k \
	    --addr-file "$BATS_TEST_TMPDIR/af" tcp:0
	SRV_ERR=$BG_ERR
	exec {in}>"$BATS_TEST_TMPDIR/in"
	wait_for_path "$BATS_TEST_TMPDIR/af"
	ADDR=$(cat "$BATS_TEST_TMPDIR/af")
	start_bg ipctool sock-client "$ADDR" </dev/null {in}>&-
	listener=$BG_PID listener_out=$BG_OUT
	wait_for_line "$SRV_ERR" 'half-closed: it only receives now'
	echo "to all" >&"$in"
	wait_for_line "$listener_out" '^to all$'
	# stdin ends: nothing more will come, the listener is let go
	exec {in}>&-
	wait_exit "$listener"
	assert_equal "$WAIT_STATUS" 0
	assert_equal "$(cat "$listener_out")" "to all"
}

@test "--broadcast --tag: each line after '<PEER> ', the sender's address (ncat --chat)" {
	serve --broadcast --tag -v tcp:0 </dev/null
	start_bg ipctool sock-client "$ADDR" </dev/null
	listener_out=$BG_OUT
	wait_for_line "$SRV_ERR" 'half-closed: it only receives now'
	run -0 --separate-stderr ipctool sock-client -v --send hello "$ADDR"
	from=$(sed -n 's/.*connected to .* from \(tcp:[0-9.:]*\)$/\1/p' <<<"$stderr")
	[ -n "$from" ]
	wait_for_line "$listener_out" 'hello'
	assert_equal "$(cat "$listener_out")" "<$from> hello"
	run -64 --separate-stderr ipctool sock-server --tag -k tcp:0
	assert_equal "$stderr" "ipctool sock-server: --tag names the sender of --broadcast lines: it needs --broadcast (see 'ipctool sock-server --help')"
}
