#!/usr/bin/env bats
# tls.bats - sock-client and sock-server over TLS (tls: addresses) against
# real peers: openssl s_server and s_client, socat OPENSSL and
# OPENSSL-LISTEN, ncat --ssl; certificates made here with openssl req

load helpers.bash
load tls-helpers.bash

setup() {
	tls_setup
}

# serve ARGS...: sock-server with an address file; sets ADDR, PORT,
# SRV_PID, SRV_OUT, SRV_ERR
serve() {
	local af="$D/addr.$((BG_N + 1))"
	start_bg ipctool sock-server --addr-file "$af" "$@"
	SRV_PID=$BG_PID SRV_OUT=$BG_OUT SRV_ERR=$BG_ERR
	wait_for_path "$af"
	ADDR=$(cat "$af")
	PORT=${ADDR##*:}
}

# serve_in FILE ARGS...: serve with stdin from FILE
serve_in() {
	local in=$1 af="$D/addr.$((BG_N + 1))"
	shift
	start_bg_in "$in" ipctool sock-server --addr-file "$af" "$@"
	SRV_PID=$BG_PID SRV_OUT=$BG_OUT SRV_ERR=$BG_ERR
	wait_for_path "$af"
	ADDR=$(cat "$af")
	PORT=${ADDR##*:}
}

# s_server CERT: openssl s_server on a free port with CERT, its stdin held
# open; sets PORT
s_server() {
	PORT=$(free_port)
	mkfifo "$D/hold.$PORT"
	exec {HOLD_FD}<>"$D/hold.$PORT"
	start_bg_in "$D/hold.$PORT" openssl s_server -quiet -naccept 1 \
	    -accept "127.0.0.1:$PORT" -cert "$D/$1.pem" -key "$D/$1.key"
	wait_for_port "$PORT"
}

# random FILE KIB: KIB KiB of random bytes
random() {
	head -c "$(($2 * 1024))" /dev/urandom >"$1"
}

sha() {
	sha256sum <"$1" | cut -d' ' -f1
}

@test "client: verified against --tls-ca, the whole answer after close_notify (socat OPENSSL-LISTEN)" {
	random "$D/in" 1024
	PORT=$(free_port)
	start_bg socat -t 5 "OPENSSL-LISTEN:$PORT,bind=127.0.0.1,reuseaddr,cert=$D/server.pem,key=$D/server.key,verify=0" \
	    SYSTEM:sha256sum
	wait_for_port "$PORT"
	run -0 --separate-stderr ipctool sock-client --tls-ca "$D/ca.pem" \
	    "tls:localhost:$PORT" <"$D/in"
	assert_equal "$output" "$(sha "$D/in")  -"
	assert_equal "$stderr" ""
}

@test "client: 4 MiB sha256-equal into socat OPENSSL-LISTEN, by IP address" {
	random "$D/in" 4096
	PORT=$(free_port)
	start_bg socat -u "OPENSSL-LISTEN:$PORT,bind=127.0.0.1,reuseaddr,cert=$D/server.pem,key=$D/server.key,verify=0" \
	    "OPEN:$D/out,creat,trunc"
	local sock=$BG_PID
	wait_for_port "$PORT"
	run -0 ipctool sock-client --tls-ca "$D/ca.pem" "tls:127.0.0.1:$PORT" \
	    <"$D/in"
	wait_exit "$sock"
	assert_equal "$(sha "$D/out")" "$(sha "$D/in")"
}

@test "client: -v shows the handshake with openssl s_server" {
	s_server server
	run -0 --separate-stderr ipctool sock-client -v --tls-ca "$D/ca.pem" \
	    --send ping "tls:localhost:$PORT"
	[[ $stderr == *"TLS handshake with tls:localhost:$PORT: TLSv1.3 TLS_"*", peer CN=localhost (issuer CN=ipctool test CA), verify ok"* ]]
	[[ $stderr =~ ", kernel TLS "(on|off|send\ only|receive\ only) ]]
	wait_for_line "$BG_OUT" '^ping$'
}

@test "client: an unknown CA, an expired certificate, a wrong host or IP: one line, exit 1" {
	s_server server
	run -1 --separate-stderr ipctool sock-client "tls:localhost:$PORT" </dev/null
	assert_equal "$stderr" "ipctool sock-client: TLS handshake with tls:localhost:$PORT: certificate verify failed: unable to get local issuer certificate"
	s_server server
	run -1 --separate-stderr ipctool sock-client --tls-ca "$D/other-ca.pem" \
	    "tls:localhost:$PORT" </dev/null
	assert_equal "$stderr" "ipctool sock-client: TLS handshake with tls:localhost:$PORT: certificate verify failed: unable to get local issuer certificate"
	s_server expired
	run -1 --separate-stderr ipctool sock-client --tls-ca "$D/ca.pem" \
	    "tls:localhost:$PORT" </dev/null
	assert_equal "$stderr" "ipctool sock-client: TLS handshake with tls:localhost:$PORT: certificate verify failed: certificate has expired"
	s_server wrong
	run -1 --separate-stderr ipctool sock-client --tls-ca "$D/ca.pem" \
	    "tls:localhost:$PORT" </dev/null
	assert_equal "$stderr" "ipctool sock-client: TLS handshake with tls:localhost:$PORT: certificate verify failed: hostname mismatch"
	s_server wrong
	run -1 --separate-stderr ipctool sock-client --tls-ca "$D/ca.pem" \
	    "tls:127.0.0.1:$PORT" </dev/null
	assert_equal "$stderr" "ipctool sock-client: TLS handshake with tls:127.0.0.1:$PORT: certificate verify failed: IP address mismatch"
}

@test "client: --insecure takes any certificate, with a warning line" {
	s_server wrong
	run -0 --separate-stderr ipctool sock-client --insecure --send hi \
	    "tls:127.0.0.1:$PORT"
	assert_equal "$stderr" "ipctool sock-client: --insecure: the certificate of tls:127.0.0.1:$PORT is not verified"
	wait_for_line "$BG_OUT" '^hi$'
}

@test "client: a server that never answers the handshake: exit 75" {
	hold silent
	serve_in "$HOLD" --quiet tcp:0
	run -75 --separate-stderr ipctool sock-client -t 300ms \
	    "tls:127.0.0.1:$PORT" </dev/null
	assert_equal "$stderr" "ipctool sock-client: TLS handshake with tls:127.0.0.1:$PORT: timed out after 300ms"
}

@test "client: a plain-text server is not taken for TLS" {
	printf 'SSH-2.0-OpenSSH_9.2\r\n' >"$D/banner"
	serve_in "$D/banner" --quiet tcp:0
	run -1 --separate-stderr ipctool sock-client --insecure -t 5s \
	    "tls:127.0.0.1:$PORT" </dev/null
	assert_equal "${stderr##*$'\n'}" "ipctool sock-client: TLS handshake with tls:127.0.0.1:$PORT: wrong version number: the peer does not speak TLS"
}

hold() {
	HOLD="$D/$1"
	mkfifo "$HOLD"
	exec {HOLD_FD}<>"$HOLD"
}

@test "server: tls:0 with no certificate: a throwaway one, its fingerprint as openssl sees it" {
	hold in
	serve_in "$HOLD" tls:0
	[[ $ADDR =~ ^tls:127\.0\.0\.1:[0-9]+$ ]]
	wait_for_line "$SRV_ERR" fingerprint
	run -0 sed -n 's/.*SHA-256 fingerprint //p' "$SRV_ERR"
	local fp=$output
	[[ $fp =~ ^([0-9A-F]{2}:){31}[0-9A-F]{2}$ ]]
	assert_equal "$(head -1 "$SRV_ERR")" "ipctool sock-server: listening on $ADDR"
	assert_equal "$(sed -n 2p "$SRV_ERR")" "ipctool sock-server: no --tls-cert: a throwaway self-signed certificate, SHA-256 fingerprint $fp"
	run -0 sh -c "openssl s_client -connect 127.0.0.1:$PORT </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256"
	assert_equal "${output#*=}" "$fp"
}

@test "server: 4 MiB sha256-equal from ncat --ssl, and 4 MiB to it" {
	random "$D/in" 4096
	serve --quiet --tls-cert "$D/server.pem" --tls-key "$D/server.key" tls:0 \
	    </dev/null
	run -0 ncat --ssl --ssl-verify --ssl-trustfile "$D/ca.pem" --send-only \
	    localhost "$PORT" <"$D/in"
	wait_exit "$SRV_PID"
	assert_equal "$WAIT_STATUS" 0
	assert_equal "$(sha "$SRV_OUT")" "$(sha "$D/in")"

	serve_in "$D/in" --quiet --tls-cert "$D/server.pem" --tls-key "$D/server.key" tls:0
	ncat --ssl --ssl-verify --ssl-trustfile "$D/ca.pem" --recv-only \
	    localhost "$PORT" >"$D/out" </dev/null
	wait_exit "$SRV_PID"
	assert_equal "$(sha "$D/out")" "$(sha "$D/in")"
}

@test "server: the answer to socat OPENSSL after its half-close" {
	random "$D/in" 256
	serve_in "$D/in" --quiet --tls-cert "$D/server.pem" --tls-key "$D/server.key" tls:0
	socat -t 5 - "OPENSSL:127.0.0.1:$PORT,cafile=$D/ca.pem,verify=1" \
	    <<<"from socat" >"$D/out"
	wait_exit "$SRV_PID"
	assert_equal "$(cat "$SRV_OUT")" "from socat"
	assert_equal "$(sha "$D/out")" "$(sha "$D/in")"
}

@test "server: --echo, -k and --broadcast over TLS with ipctool clients" {
	serve --quiet --echo --tls-cert "$D/server.pem" --tls-key "$D/server.key" tls:0
	run -0 ipctool sock-client --tls-ca "$D/ca.pem" --send one --send two \
	    "tls:localhost:$PORT"
	assert_output $'one\ntwo'
	kill "$SRV_PID"

	hold bin
	serve_in "$HOLD" --quiet --broadcast --tls-cert "$D/server.pem" \
	    --tls-key "$D/server.key" tls:0
	hold c1in
	start_bg_in "$HOLD" ipctool sock-client --tls-ca "$D/ca.pem" \
	    "tls:localhost:$PORT"
	local c1=$BG_OUT
	wait_until 10 sh -c "ss -Htn state established 'dport = :$PORT' | grep -q ."
	run -0 ipctool sock-client --tls-ca "$D/ca.pem" --send 'to all' \
	    "tls:localhost:$PORT"
	wait_for_line "$c1" '^to all$'
}

@test "server: -k --json over TLS, and --ack for sock-client --sync" {
	serve --quiet -k --json --tls-cert "$D/server.pem" --tls-key "$D/server.key" \
	    tls:0 </dev/null
	run -0 ipctool sock-client --tls-ca "$D/ca.pem" --send a "tls:localhost:$PORT"
	run -0 ipctool sock-client --tls-ca "$D/ca.pem" --send b "tls:localhost:$PORT"
	wait_for_count "$SRV_OUT" '"event":"message"' 2
	run -0 grep -c '"event":"connect".*"tls_version":"TLSv1.3","tls_cipher":"TLS_' "$SRV_OUT"
	assert_output 2
	kill "$SRV_PID"

	serve --quiet -k --ack --tls-cert "$D/server.pem" --tls-key "$D/server.key" \
	    tls:0 </dev/null
	run -0 --separate-stderr ipctool sock-client -v --sync -t 5s \
	    --tls-ca "$D/ca.pem" --send x --send y "tls:localhost:$PORT"
	[[ $stderr == *"message 2 acknowledged"* ]]
	wait_for_line "$SRV_OUT" '^y$'
}

@test "server: -k: a client stalled in the handshake is dropped in time, the others served" {
	serve --quiet -k --echo -t 1s --tls-cert "$D/server.pem" \
	    --tls-key "$D/server.key" tls:0 </dev/null
	# the first bytes of a ClientHello, then nothing
	start_bg bash -c "exec socat -t 0.2 - TCP:127.0.0.1:$PORT \
	    < <(printf '\x16\x03\x01'; exec sleep 10)"
	local stall=$BG_PID
	wait_until 5 bash -c "ss -tn state established '( dport = :$PORT )' | grep -q $PORT"
	run -0 ipctool sock-client --tls-ca "$D/ca.pem" --send 'still served' \
	    "tls:localhost:$PORT"
	assert_output 'still served'
	wait_for_line "$SRV_ERR" 'TLS handshake with tcp:127.0.0.1:[0-9]*: none within 1s'
	wait_exit "$stall"	# closed by the server
	# with no client left the idle --timeout ends the server, as before
	wait_exit "$SRV_PID"
	assert_equal "$WAIT_STATUS" 75
}

@test "server: a command per connection, its client certificate in IPCTOOL_TLS_*" {
	serve --quiet --tls-cert "$D/server.pem" --tls-key "$D/server.key" \
	    --tls-ca "$D/ca.pem" --tls-verify-client tls:0 -- \
	    sh -c 'read n; echo $((n * n)); echo "$IPCTOOL_TLS_PEER_SUBJECT|$IPCTOOL_TLS_PEER_ISSUER|$IPCTOOL_TLS_PEER_VERIFIED|$IPCTOOL_TLS_VERSION|$TCPREMOTEIP|$TCPLOCALPORT"'
	run -0 --separate-stderr ipctool sock-client --request \
	    --tls-ca "$D/ca.pem" --tls-cert "$D/client.pem" \
	    --tls-key "$D/client.key" --send 12 "tls:localhost:$PORT"
	assert_output 144
	run -0 ipctool sock-client --tls-ca "$D/ca.pem" --tls-cert "$D/client.pem" \
	    --tls-key "$D/client.key" --send 3 "tls:localhost:$PORT"
	assert_output $'9\nCN=test client|CN=ipctool test CA|1|TLSv1.3|127.0.0.1|'"$PORT"
}

@test "server: --tls-verify-client refuses a client without a certificate" {
	serve -k --tls-cert "$D/server.pem" --tls-key "$D/server.key" \
	    --tls-ca "$D/ca.pem" --tls-verify-client tls:0 </dev/null
	run -1 --separate-stderr ipctool sock-client --tls-ca "$D/ca.pem" \
	    --send hi "tls:localhost:$PORT"
	assert_equal "$stderr" "ipctool sock-client: tls:localhost:$PORT: the peer refused: tlsv13 alert certificate required"
	wait_for_line "$SRV_ERR" 'TLS handshake'
	run -0 sed -n 2p "$SRV_ERR"
	[[ $output =~ ^"ipctool sock-server: TLS handshake with tcp:127.0.0.1:"[0-9]+": peer did not return a certificate"$ ]]
	# a certificate from another CA
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$D/self.key" -out "$D/self.pem" -days 2 -subj "/CN=self" \
	    2>/dev/null
	run -1 --separate-stderr ipctool sock-client --tls-ca "$D/ca.pem" \
	    --tls-cert "$D/self.pem" --tls-key "$D/self.key" --send hi \
	    "tls:localhost:$PORT"
	wait_for_count "$SRV_ERR" 'TLS handshake' 2
	run -0 sed -n 3p "$SRV_ERR"
	[[ $output =~ ": client certificate verify failed: self-signed certificate"$ ]]
}

@test "server: a client that never sends a handshake: exit 75" {
	serve --quiet -t 300ms tls:0 </dev/null
	hold quiet
	start_bg_in "$HOLD" ipctool sock-client "tcp:127.0.0.1:$PORT"
	wait_exit "$SRV_PID"
	assert_equal "$WAIT_STATUS" 75
	[[ $(cat "$SRV_ERR") =~ ^"ipctool sock-server: TLS handshake with tcp:127.0.0.1:"[0-9]+": timed out after 300ms"$ ]]
}

@test "tls options: usage errors and unreadable files" {
	run -64 --separate-stderr ipctool sock-server --tls-cert x tcp:0
	assert_equal "$stderr" "ipctool sock-server: --tls-* options need a tls: address (see 'ipctool sock-server --help')"
	run -64 --separate-stderr ipctool sock-server --tls-verify-client tls:0
	assert_equal "$stderr" "ipctool sock-server: --tls-verify-client needs --tls-ca (see 'ipctool sock-server --help')"
	run -64 --separate-stderr ipctool sock-client --insecure tcp:127.0.0.1:1
	assert_equal "$stderr" "ipctool sock-client: --insecure and --tls-* need a tls: address (see 'ipctool sock-client --help')"
	run -64 --separate-stderr ipctool sock-client --insecure --tls-ca x tls:1
	assert_equal "$stderr" "ipctool sock-client: --insecure excludes --tls-ca (see 'ipctool sock-client --help')"
	run -1 --separate-stderr ipctool sock-server --tls-cert "$D/nope.pem" tls:0
	assert_equal "$stderr" "ipctool sock-server: certificate $D/nope.pem: No such file or directory"
	run -1 --separate-stderr ipctool sock-server --tls-cert "$D/server.pem" \
	    --tls-key "$D/client.key" tls:0
	assert_equal "$stderr" "ipctool sock-server: key $D/client.key does not match certificate $D/server.pem"
	run -1 --separate-stderr ipctool sock-client --tls-ca "$D/nope.pem" tls:1
	assert_equal "$stderr" "ipctool sock-client: CA file $D/nope.pem: No such file or directory"
}

@test "OpenSSL loaded only when needed: without it plain applets run, TLS and nkeys say why" {
	# the binary does not link it: start-up maps no libssl or libcrypto
	run -0 ldd "$IPCTOOL"
	refute_output --partial libssl
	refute_output --partial libcrypto
	# a libssl.so.3 that is not a library, found first by the loader
	mkdir "$D/nolib"
	: >"$D/nolib/libssl.so.3"
	local why="cannot load libssl.so.3: $D/nolib/libssl.so.3: file too short"
	run -0 env LD_LIBRARY_PATH="$D/nolib" "$IPCTOOL" --version
	run -0 env LD_LIBRARY_PATH="$D/nolib" "$IPCTOOL" fifo make "$D/f"
	run -1 --separate-stderr env LD_LIBRARY_PATH="$D/nolib" "$IPCTOOL" \
	    sock-client tls:127.0.0.1:1
	assert_equal "$stderr" "ipctool sock-client: $why"
	run -1 --separate-stderr env LD_LIBRARY_PATH="$D/nolib" "$IPCTOOL" \
	    sock-server tls:127.0.0.1:0
	assert_equal "$stderr" "ipctool sock-server: $why"
	printf 'UCXYZ\n' >"$D/nkeys"
	run -1 --separate-stderr env LD_LIBRARY_PATH="$D/nolib" timeout 10 \
	    "$IPCTOOL" bus daemon --listen tcp:127.0.0.1:0 --nkey-users "$D/nkeys"
	assert_equal "$stderr" "ipctool bus: $why"
}

# nats_tls ARGS...: nats-server with TLS (the server certificate) and
# ARGS on a free port; sets NPORT
nats_tls() {
	NPORT=$(free_port)
	start_bg nats-server -a 127.0.0.1 -p "$NPORT" --tlscert "$D/server.pem" \
	    --tlskey "$D/server.key" "$@"
	wait_for_port "$NPORT"
}

@test "bus: tls:// and nats:// with tls_required, against nats-server with TLS" {
	nats_tls --tls
	start_bg ipctool bus sub -c 1 --ready-file "$D/ready" \
	    --bus "tls://localhost:$NPORT" --tls-ca "$D/ca.pem" greet
	local sub=$BG_PID out=$BG_OUT
	wait_for_path "$D/ready"
	# nats:// upgrades after the INFO that says tls_required
	run -0 --separate-stderr ipctool bus pub -v --bus "nats://localhost:$NPORT" \
	    --tls-ca "$D/ca.pem" greet 'over TLS'
	[[ $stderr == *"TLS handshake with nats://localhost:$NPORT: TLSv1.3 TLS_"*", peer CN=localhost (issuer CN=ipctool test CA), verify ok"* ]]
	wait_exit "$sub"
	assert_equal "$WAIT_STATUS" 0
	assert_equal "$(cat "$out")" "over TLS"
	# the variables instead of the options
	IPCTOOL_BUS_TLS_CA=$D/ca.pem run -0 ipctool bus pub \
	    --bus "tls:localhost:$NPORT" greet again
}

@test "bus: a refused certificate, a server without TLS: one line, exit 1" {
	nats_tls --tls
	run -1 --separate-stderr ipctool bus pub --bus "tls://localhost:$NPORT" \
	    --tls-ca "$D/other-ca.pem" greet x
	assert_equal "$stderr" "ipctool bus: connect to tls://localhost:$NPORT: TLS handshake: certificate verify failed: unable to get local issuer certificate"
	run -1 --separate-stderr ipctool bus pub --bus "nats://127.0.0.1:$NPORT" \
	    --tls-ca "$D/wrong.pem" greet x
	assert_equal "$stderr" "ipctool bus: connect to nats://127.0.0.1:$NPORT: TLS handshake: certificate verify failed: unable to get local issuer certificate"
	run -0 ipctool bus pub --bus "tls://127.0.0.1:$NPORT" --insecure greet x
	start_bg ipctool bus daemon --no-auth --listen tcp:0 --addr-file "$D/bus.addr"
	wait_for_path "$D/bus.addr"
	local p
	p=$(sed 's/.*://' "$D/bus.addr")
	run -1 --separate-stderr ipctool bus pub --bus "tls://127.0.0.1:$p" x y
	assert_equal "$stderr" "ipctool bus: connect to tls://127.0.0.1:$p: the server does not offer TLS"
}

@test "req: jobs over mutual TLS with nats-server --tlsverify" {
	nats_tls --tlsverify --tlscacert "$D/ca.pem"
	local tls=(--bus "tls://localhost:$NPORT" --tls-ca "$D/ca.pem")
	local mine=(--tls-cert "$D/client.pem" --tls-key "$D/client.key")
	start_bg ipctool req serve --ready-file "$D/ready" "${tls[@]}" \
	    "${mine[@]}" up -- tr a-z A-Z
	wait_for_path "$D/ready"
	run -0 ipctool req call "${tls[@]}" "${mine[@]}" up 'over mutual tls'
	assert_output "OVER MUTUAL TLS"
	run -1 --separate-stderr ipctool req call "${tls[@]}" up x
	assert_equal "$stderr" "ipctool req: connect to tls://localhost:$NPORT: the peer refused: sslv3 alert bad certificate"
}
