#!/usr/bin/env bats
# bus-tls.bats - the embedded broker on tls: listeners: INFO with
# tls_required, the upgrade after it (our clients, openssl s_client),
# plain clients refused, stalled handshakes dropped, client certificates;
# certificates made here with openssl req

load helpers.bash
load bus-helpers.bash
load tls-helpers.bash

setup() {
	bus_setup
	tls_setup
}

# tls_daemon ARGS...: bus daemon on tls:127.0.0.1:0 (token auth, the
# default token file) with ARGS; sets DAEMON_ADDR, DAEMON_ERR (its log),
# TPORT, and TLS_OPTS for
# clients that verify it against the test CA
tls_daemon() {
	start_daemon --listen tls:127.0.0.1:0 "$@"
	DAEMON_ERR=$BG_ERR
	TPORT=${DAEMON_ADDR##*:}
	TLS_OPTS=(--bus "$DAEMON_ADDR" --tls-ca "$D/ca.pem")
}

# nats_proxy: a UNIX socket at $D/px.sock that connects to the daemon,
# keeps its INFO line in $D/info and then relays the rest, so that
# openssl s_client (which knows no NATS STARTTLS) starts its handshake
# after the INFO as NATS clients do
nats_proxy() {
	cat >"$D/px.sh" <<EOF
exec 3<>/dev/tcp/127.0.0.1/$TPORT
IFS= read -r line <&3
printf '%s\n' "\$line" >"$D/info"
exec socat -t 5 - FD:3
EOF
	start_bg socat "UNIX-LISTEN:$D/px.sock" "EXEC:bash $D/px.sh"
	wait_for_path "$D/px.sock"
}

@test "bus-tls: pub/sub and req over TLS, the token still required" {
	tls_daemon --tls-cert "$D/server.pem" --tls-key "$D/server.key"
	[[ $DAEMON_ADDR == tls:127.0.0.1:* ]]
	start_sub "${TLS_OPTS[@]}" -c 2 greet
	run -0 ipctool bus pub "${TLS_OPTS[@]}" greet 'over TLS' 'and again'
	wait_exit "$SUB_PID"
	assert_equal "$WAIT_STATUS" 0
	assert_equal "$(cat "$SUB_OUT")" $'over TLS\nand again'
	start_serve "${TLS_OPTS[@]}" up -- tr a-z A-Z
	run -0 ipctool req call "${TLS_OPTS[@]}" up 'a job over tls'
	assert_output 'A JOB OVER TLS'
	# -v shows the handshake on both sides
	run -0 --separate-stderr ipctool bus pub -v "${TLS_OPTS[@]}" greet x
	[[ $stderr == *"TLS handshake with $DAEMON_ADDR: TLSv1.3 TLS_"*", peer CN=localhost (issuer CN=ipctool test CA), verify ok"* ]]
	# the token is still needed over TLS
	mv "$XDG_RUNTIME_DIR/ipctool/token" "$D/token"
	run -1 --separate-stderr ipctool bus pub "${TLS_OPTS[@]}" greet x
	[[ $stderr == *"Authorization Violation"* ]]
}

@test "bus-tls: no --tls-cert: a throwaway certificate, its fingerprint in the log" {
	tls_daemon
	local fp
	fp=$(sed -n 's/.*self-signed certificate, SHA-256 fingerprint //p' "$DAEMON_ERR")
	[[ $fp =~ ^([0-9A-F]{2}:){31}[0-9A-F]{2}$ ]]
	run -0 --separate-stderr ipctool bus pub --bus "$DAEMON_ADDR" --insecure greet x
	nats_proxy
	run -0 bash -c "openssl s_client -unix '$D/px.sock' </dev/null 2>/dev/null |
	    openssl x509 -noout -fingerprint -sha256"
	assert_output "sha256 Fingerprint=$fp"
}

@test "bus-tls: openssl s_client reads INFO with tls_required, then the handshake" {
	tls_daemon --tls-cert "$D/server.pem" --tls-key "$D/server.key"
	nats_proxy
	local tok
	tok=$(cat "$XDG_RUNTIME_DIR/ipctool/token")
	run -0 bash -c "printf 'CONNECT {\"auth_token\":\"$tok\"}\r\nPING\r\nBOGUS\r\n' |
	    timeout 10 openssl s_client -quiet -unix '$D/px.sock' \
	    -CAfile '$D/ca.pem' -verify_hostname localhost -verify_return_error 2>&1"
	assert_line --partial 'verify return:1'
	assert_line $'PONG\r'
	assert_line $'-ERR \'Unknown Protocol Operation\'\r'
	run -0 grep -c '"tls_required":true' "$D/info"
	run -0 grep -c '"auth_required":true' "$D/info"
	refute [ -n "$(grep tls_verify "$D/info")" ]
}

@test "bus-tls: a plain client is refused; a stalled handshake is dropped, others served" {
	tls_daemon --tls-cert "$D/server.pem" --tls-key "$D/server.key"
	# plain text where TLS should start: INFO, then one -ERR, then the end
	run -0 bash -c "printf 'CONNECT {}\r\nPING\r\nBOGUS\r\n' |
	    timeout 10 socat -t 5 - TCP:127.0.0.1:$TPORT"
	assert_line --index 0 --partial '"tls_required":true'
	assert_line --index 1 $'-ERR \'Secure Connection - TLS Required\'\r'
	assert_equal "${#lines[@]}" 2
	# the first bytes of a record, then nothing: held by no one but
	# the auth timeout (2 s), while a TLS client is served meanwhile
	start_bg bash -c "{ printf '\x16\x03\x01'; sleep 10; } |
	    exec socat -t 30 - TCP:127.0.0.1:$TPORT"
	local stall=$BG_PID stall_out=$BG_OUT
	wait_until 5 grep -q tls_required "$stall_out"
	run -0 ipctool bus pub "${TLS_OPTS[@]}" greet 'not held up'
	wait_until 10 grep -q 'no TLS handshake in time, disconnected' \
	    "$DAEMON_ERR"
	kill_bg "$stall"
}

@test "bus-tls: a client that trusts another CA: one line, exit 1" {
	tls_daemon --tls-cert "$D/server.pem" --tls-key "$D/server.key"
	run -1 --separate-stderr ipctool bus pub --bus "$DAEMON_ADDR" \
	    --tls-ca "$D/other-ca.pem" greet x
	assert_equal "$stderr" "ipctool bus: connect to $DAEMON_ADDR: TLS handshake: certificate verify failed: unable to get local issuer certificate"
	wait_until 5 grep -q 'TLS handshake failed: the peer refused: tlsv1 alert unknown ca' "$DAEMON_ERR"
}

@test "bus-tls: --tls-verify-client takes a client certificate, refuses none" {
	tls_daemon --tls-cert "$D/server.pem" --tls-key "$D/server.key" \
	    --tls-ca "$D/ca.pem" --tls-verify-client
	local log=$DAEMON_ERR
	local mine=(--tls-cert "$D/client.pem" --tls-key "$D/client.key")
	start_sub "${TLS_OPTS[@]}" "${mine[@]}" -c 1 greet
	run -0 ipctool bus pub "${TLS_OPTS[@]}" "${mine[@]}" greet mutual
	wait_exit "$SUB_PID"
	assert_equal "$(cat "$SUB_OUT")" mutual
	run -1 --separate-stderr ipctool bus pub "${TLS_OPTS[@]}" greet x
	[[ $stderr == "ipctool bus: connect to $DAEMON_ADDR: "*"certificate required"* ]]
	wait_until 5 grep -q 'TLS handshake failed: client certificate verify failed\|TLS handshake failed: .*certificate' "$log"
	grep -q 'listening on tls:127.0.0.1:[0-9]* (authentication required) (TLS, client certificates required)' "$log"
}

@test "bus-tls: sub --reconnect over TLS: the daemon restarts, messages flow again" {
	tls_daemon --tls-cert "$D/server.pem" --tls-key "$D/server.key"
	local first=$DAEMON_PID
	start_sub "${TLS_OPTS[@]}" --reconnect -c 2 news
	ipctool bus pub "${TLS_OPTS[@]}" news one
	wait_until 20 has_lines "$SUB_OUT" 1
	kill -KILL "$first"
	wait_for_line "$SUB_ERR" 'reconnecting$' 20
	start_daemon --listen "tls:127.0.0.1:$TPORT" --tls-cert "$D/server.pem" \
	    --tls-key "$D/server.key"
	wait_for_line "$SUB_ERR" 'reconnected' 20
	ipctool bus pub "${TLS_OPTS[@]}" news two
	wait_exit "$SUB_PID" 20
	assert_equal "$WAIT_STATUS" 0
	assert_equal "$(cat "$SUB_OUT")" $'one\ntwo'
	assert_equal "$(cat "$SUB_ERR")" "ipctool bus: sub: lost the broker at $DAEMON_ADDR (the broker closed the connection): reconnecting
ipctool bus: sub: reconnected to $DAEMON_ADDR"
}

@test "bus-tls: usage errors" {
	run -64 --separate-stderr ipctool bus daemon --listen tcp:0 --tls-cert "$D/server.pem"
	assert_equal "$stderr" "ipctool bus: the TLS options need a tls: --listen address (see 'ipctool bus --help')"
	run -64 --separate-stderr ipctool bus daemon --listen tls:0 --tls-verify-client
	assert_equal "$stderr" "ipctool bus: --tls-verify-client needs --tls-ca (see 'ipctool bus --help')"
	run -1 --separate-stderr ipctool bus daemon --listen tls:0 --tls-cert "$D/nothere.pem"
	assert_equal "$stderr" "ipctool bus: certificate $D/nothere.pem: No such file or directory"
	run -64 --separate-stderr ipctool bus pub --tls-verify-client x y
	[[ $stderr == *"tls-verify-client"* ]]
}
