#!/usr/bin/env bats
# bus-cluster.bats - bus and req against a real nats-server cluster on
# loopback with TLS for clients: server lists (--bus A,B,C), failover
# with --reconnect, members learned from INFO connect_urls, what a
# learned server's certificate must name; certificates made here with
# openssl req, ports chosen by the kernel, every node stopped by its pid

load helpers.bash
load bus-helpers.bash
load tls-helpers.bash

setup() {
	command -v nats-server >/dev/null || skip "nats-server not installed"
	bus_setup
	tls_setup
	TLS=(--tls-ca "$D/ca.pem")
}

# start_node NAME [ROUTE_PORT] [CERT] [EXTRA]: a nats-server called NAME on
# 127.0.0.1 (client and cluster ports chosen by the server unless EXTRA
# sets "port:"), TLS required of clients with the certificate CERT (default
# server: localhost and 127.0.0.1), a route to ROUTE_PORT; sets NAME_PID,
# NAME_PORT (clients), NAME_RPORT (routes), NAME_LOG
start_node() {
	local name=$1 route=${2:-} cert=${3:-server} extra=${4:-}
	local log="$D/$name.log" conf="$D/$name.conf"
	cat >"$conf" <<EOF
server_name: $name
host: 127.0.0.1
${extra:-port: -1}
tls { cert_file: "$D/$cert.pem", key_file: "$D/$cert.key" }
cluster {
  name: test
  host: 127.0.0.1
  port: -1
  ${route:+routes: ["nats-route://127.0.0.1:$route"]}
}
EOF
	start_bg nats-server -c "$conf" -l "$log"
	printf -v "${name}_PID" %s "$BG_PID"
	printf -v "${name}_LOG" %s "$log"
	wait_for_line "$log" 'Listening for route connections' 20
	printf -v "${name}_PORT" %s "$(sed -n 's/.*client connections on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log")"
	printf -v "${name}_RPORT" %s "$(sed -n 's/.*route connections on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log")"
}

# routes LOG N: until the node of LOG has N routes
routes() {
	wait_for_count "$1" 'Route connection created' "$2" 20
}

# cluster3: nodes A, B and C, full mesh (B and C route to A and learn
# each other from it)
cluster3() {
	start_node A
	start_node B "$A_RPORT"
	start_node C "$A_RPORT"
	routes "$A_LOG" 2
	routes "$B_LOG" 2
	routes "$C_LOG" 2
}

# cluster2: nodes A and B
cluster2() {
	start_node A
	start_node B "$A_RPORT"
	routes "$A_LOG" 1
	routes "$B_LOG" 1
}

# url NAME: the tls:// URL of a node's client port
url() {
	local p="${1}_PORT"
	echo "tls://127.0.0.1:${!p}"
}

# pub_until FILE N ADDR SUBJECT MSG: publish MSG through ADDR until FILE
# has N lines (the cluster passes interest on to the other nodes a
# moment after a SUB: the first messages may find nobody)
pub_until() {
	wait_until 20 pub_seen "$@"
}

pub_seen() {
	ipctool bus pub "${TLS[@]}" -b "$3" "$4" "$5" >/dev/null 2>&1 || true
	has_lines "$1" "$2"
}

# stop_node NAME: SIGTERM to the node, reaped
stop_node() {
	local p="${1}_PID"
	kill -TERM "${!p}"
	wait_exit "${!p}" 20
}

@test "bus-cluster: a list A,B,C: sub --reconnect on A gets B's messages, A stopped: on to B, still receiving" {
	cluster3
	local list
	list="$(url A),$(url B),$(url C)"
	start_sub "${TLS[@]}" -b "$list" --reconnect news
	pub_until "$SUB_OUT" 1 "$(url B)" news before
	stop_node A
	wait_for_line "$SUB_ERR" 'reconnected' 20
	local n
	n=$(lines_in "$SUB_OUT")
	pub_until "$SUB_OUT" $((n + 1)) "$(url C)" news after
	assert_equal "$(cat "$SUB_ERR")" "ipctool bus: sub: lost the broker at $(url A) (the broker closed the connection): reconnecting
ipctool bus: sub: reconnected to $(url B)"
	assert_equal "$(head -n1 "$SUB_OUT")" before
	assert_equal "$(tail -n1 "$SUB_OUT")" after
	run -1 grep -vxE 'before|after' "$SUB_OUT"
}

@test "bus-cluster: given only A, sub learns B from connect_urls (-v says so) and fails over to it" {
	cluster2
	start_sub "${TLS[@]}" -b "$(url A)" --reconnect -v news
	grep -qxF "ipctool bus[$SUB_PID]: learned $(url B) from INFO connect_urls" "$SUB_ERR"
	grep -qxF "ipctool bus[$SUB_PID]: connected to $(url A)" "$SUB_ERR"
	pub_until "$SUB_OUT" 1 "$(url B)" news before
	stop_node A
	wait_for_line "$SUB_ERR" 'reconnected' 20
	ipctool bus pub "${TLS[@]}" -b "$(url B)" news after
	wait_until 10 grep -qx after "$SUB_OUT"
	grep -qxF "ipctool bus: sub: reconnected to $(url B)" "$SUB_ERR"
	grep -qxF "ipctool bus[$SUB_PID]: connected to $(url B)" "$SUB_ERR"
}

@test "bus-cluster: req serve --reconnect on a list fails over; calls through the other node are served" {
	cluster2
	start_serve "${TLS[@]}" -b "$(url A),$(url B)" --reconnect up -- tr a-z A-Z
	local serve_err=$SERVE_ERR
	wait_until 20 bash -c "'$IPCTOOL' req call ${TLS[*]} -b '$(url B)' -t 1s up x >/dev/null 2>&1"
	stop_node A
	wait_for_line "$serve_err" 'reconnected' 20
	run -0 ipctool req call "${TLS[@]}" -b "$(url B)" up 'after failover'
	assert_output 'AFTER FAILOVER'
	assert_equal "$(cat "$serve_err")" "ipctool req: serve: lost the broker at $(url A) (the broker closed the connection): reconnecting
ipctool req: serve: reconnected to $(url B)"
}

@test "bus-cluster: the first server of a list is down: the next one is used, -v says which" {
	start_node A
	local dead
	dead=$(free_port)
	start_sub "${TLS[@]}" -b "$(url A)" -c 1 news
	run -0 --separate-stderr ipctool bus pub -v "${TLS[@]}" -b "tls://127.0.0.1:$dead, $(url A)" news hello
	grep -qF "connect to tls://127.0.0.1:$dead: Connection refused" <<<"$stderr"
	grep -qE "connected to $(url A)\$" <<<"$stderr"
	wait_exit "$SUB_PID"
	assert_equal "$WAIT_STATUS" 0
	assert_equal "$(cat "$SUB_OUT")" hello
}

@test "bus-cluster: every server down: exit 69 naming the list; sub --reconnect: exit 75 at --timeout" {
	local p1 p2
	p1=$(free_port)
	p2=$(free_port)
	run -69 --separate-stderr ipctool bus pub "${TLS[@]}" -b "tls://127.0.0.1:$p1,nats://127.0.0.1:$p2" news x
	assert_equal "$stderr" "ipctool bus: connect to tls://127.0.0.1:$p1,nats://127.0.0.1:$p2: Connection refused"
	# connected, then the whole cluster goes
	cluster2
	start_sub "${TLS[@]}" -b "$(url A)" --reconnect -t 3s news
	stop_node A
	stop_node B
	wait_exit "$SUB_PID" 10
	assert_equal "$WAIT_STATUS" 75
	assert_equal "$(tail -n1 "$SUB_ERR")" "ipctool bus: sub: the broker at $(url A),$(url B) was not back within the timeout"
}

@test "bus-cluster: bad lists are exit 64 with one line" {
	run -64 --separate-stderr ipctool bus pub -b "nats://127.0.0.1:1,,nats://127.0.0.1:2" a x
	assert_equal "$stderr" "ipctool bus: bad bus address list: an empty address in the list (see 'ipctool bus --help')"
	run -64 --separate-stderr ipctool bus pub -b "nats://127.0.0.1:1,ftp://h:2" a x
	assert_equal "$stderr" "ipctool bus: bad bus address 'ftp://h:2': unknown scheme (use unix:, tcp:, udp:, tls: or nats://) (see 'ipctool bus --help')"
	IPCTOOL_BUS=$(printf 'nats://127.0.0.1:%d,' $(seq 1 17) | sed 's/,$//') \
	    run -64 --separate-stderr ipctool req call a x
	assert_equal "$stderr" "ipctool req: bad bus address list: more than 16 addresses in the list (see 'ipctool req --help')"
}

@test "bus-cluster: a learned server must hold the given host's name, not the one INFO names" {
	# B tells the cluster to reach it as localhost; its certificate names
	# only localhost, while the client was given 127.0.0.1
	mkcert lhonly localhost DNS:localhost 2
	start_node A
	local bport
	bport=$(free_port)
	start_node B "$A_RPORT" lhonly "port: $bport
client_advertise: \"localhost:$bport\""
	routes "$A_LOG" 1
	start_sub "${TLS[@]}" -b "$(url A)" --reconnect -v -t 4s news
	wait_until 10 grep -qF "learned tls://localhost:$bport from INFO connect_urls" "$SUB_ERR"
	stop_node A
	wait_exit "$SUB_PID" 15
	assert_equal "$WAIT_STATUS" 75
	grep -qE "connect to tls://localhost:$bport: TLS handshake: .*(mismatch|verify)" "$SUB_ERR"
	run -1 grep -F "connected to tls://localhost:$bport" "$SUB_ERR"
	run -1 grep -F reconnected "$SUB_ERR"
}
