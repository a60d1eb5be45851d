# tests/bats/bus-helpers.bash - brokers for bus.bats and req.bats: a real
# nats-server on a kernel-chosen loopback port, and the embedded broker
# (ipctool bus daemon) once it is built in. Loaded after helpers.bash.

# bus_setup: keep the default socket and token file inside the test
bus_setup() {
	export XDG_RUNTIME_DIR="$BATS_TEST_TMPDIR/run"
	mkdir -m 0700 -p "$XDG_RUNTIME_DIR"
	unset IPCTOOL_BUS IPCTOOL_BUS_TOKEN
}

# start_nats [ARGS...]: a nats-server on 127.0.0.1, port chosen by the
# server (-p -1) and read back from its log; sets NATS_PORT, NATS_URL,
# NATS_PID and exports IPCTOOL_BUS
start_nats() {
	command -v nats-server >/dev/null || skip "nats-server not installed"
	local log="$BATS_TEST_TMPDIR/nats.$BG_N.log"
	start_bg nats-server -a 127.0.0.1 -p -1 -l "$log" "$@"
	NATS_PID=$BG_PID
	wait_for_line "$log" 'Server is ready' 20
	NATS_PORT=$(sed -n 's/.*client connections on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -n1)
	NATS_URL="nats://127.0.0.1:$NATS_PORT"
	export IPCTOOL_BUS="$NATS_URL"
}

# need_daemon: skip until the embedded broker is built into ipctool
need_daemon() {
	[ -e "$IPCTOOL_SRCDIR/src/bus/broker.c" ] ||
		skip "the embedded broker (src/bus/broker.c) is not built in yet"
}

# start_daemon [ARGS...]: ipctool bus daemon on a socket in the test
# directory (exported as IPCTOOL_BUS) unless ARGS say --listen; waits
# for its --addr-file and sets DAEMON_ADDR to what it wrote
start_daemon() {
	need_daemon
	local af="$BATS_TEST_TMPDIR/daemon.$BG_N.addr"
	export IPCTOOL_BUS="unix:$BATS_TEST_TMPDIR/bus.sock"
	start_bg "$IPCTOOL" bus daemon --addr-file "$af" "$@"
	DAEMON_PID=$BG_PID
	wait_for_path "$af" 20
	DAEMON_ADDR=$(cat "$af")
}

# start_sub ARGS...: ipctool bus sub in the background, ready once the
# broker confirmed its subscriptions; sets SUB_PID, SUB_OUT, SUB_ERR
start_sub() {
	local ready="$BATS_TEST_TMPDIR/sub.$BG_N.ready"
	start_bg "$IPCTOOL" bus sub --ready-file "$ready" "$@"
	SUB_PID=$BG_PID SUB_OUT=$BG_OUT SUB_ERR=$BG_ERR
	wait_for_path "$ready" 20
}

# start_serve ARGS...: ipctool req serve in the background, ready once
# subscribed; sets SERVE_PID, SERVE_ERR
start_serve() {
	local ready="$BATS_TEST_TMPDIR/serve.$BG_N.ready"
	start_bg "$IPCTOOL" req serve --ready-file "$ready" "$@"
	SERVE_PID=$BG_PID SERVE_ERR=$BG_ERR
	wait_for_path "$ready" 20
}

# lines_in FILE: the number of lines in FILE (0 when missing)
lines_in() {
	if [ -e "$1" ]; then wc -l <"$1"; else echo 0; fi
}

# has_lines FILE N: true once FILE has at least N lines
has_lines() {
	[ "$(lines_in "$1")" -ge "$2" ]
}
