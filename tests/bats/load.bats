#!/usr/bin/env bats
# load.bats - many clients at once on loopback, every message answered
# correctly, the servers' peak memory (VmHWM) recorded: 200 clients in
# make check, 1,000 with STRESS=1 (make stress). Figures go to
# build/figures/load.txt and into the TAP output as "# " lines.

load helpers.bash
load stress.bash

setup_file() {
	figures_reset
}

setup() {
	T=$BATS_TEST_TMPDIR
	# a client and the server each hold one descriptor per connection
	[ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -ge $((CLIENTS + 100)) ] ||
		skip "ulimit -Hn $(ulimit -Hn) is below $CLIENTS clients"
	ulimit -n "$(ulimit -Hn)"
}

# ring ADDR [ARGS]: CLIENTS clients on the broker at ADDR, each sending
# CLIENT_MSGS messages to the next one
ring() {
	run -0 --separate-stderr peers nats-ring "$@" "$CLIENTS" "$CLIENT_MSGS"
	assert_equal "$output" "$CLIENTS clients, $((CLIENTS * CLIENT_MSGS)) messages, all delivered once and in order"
}

@test "broker over UNIX: $CLIENTS clients in a ring, every message delivered once and in order" {
	broker "unix:$T/bus.sock"
	base=$(vmhwm "$BROKER_PID")
	ring "$BROKER_ADDR"
	figure "broker unix: $CLIENTS clients x $CLIENT_MSGS messages ($stderr); VmHWM $(vmhwm "$BROKER_PID") kB (idle $base kB)"
}

@test "broker over TCP with a token: $CLIENTS clients in a ring, every message delivered once and in order" {
	broker --token s3cret tcp:0
	ring "$BROKER_ADDR" --token s3cret
	run -0 grep -c ': connected (authentication required)$' "$BROKER_LOG"
	assert_equal "$output" "$CLIENTS"
	figure "broker tcp: $CLIENTS clients x $CLIENT_MSGS messages ($stderr); VmHWM $(vmhwm "$BROKER_PID") kB"
}

@test "broker: $CLIENTS clients, then $CLIENTS more: memory comes back to the same peak" {
	broker "unix:$T/bus.sock"
	ring "$BROKER_ADDR"
	first=$(vmhwm "$BROKER_PID")
	ring "$BROKER_ADDR"
	ring "$BROKER_ADDR"
	third=$(vmhwm "$BROKER_PID")
	# the same load again may not need much more than the first time
	# (except under ASan, whose quarantine holds freed memory back)
	sanitized || [ "$third" -le $((first + first / 4 + 1024)) ]
	figure "broker: VmHWM after 1 round $first kB, after 3 rounds $third kB"
}

@test "sock-server --echo over TCP: $CLIENTS clients at once, every byte echoed" {
	need_applet sock-server
	sock_server --echo tcp:0
	base=$(vmhwm "$SRV_PID")
	run -0 --separate-stderr peers echo-load "$SRV_ADDR" "$CLIENTS" "$CLIENT_MSGS"
	assert_equal "$output" "$CLIENTS clients, $((CLIENTS * CLIENT_MSGS)) messages, all echoed exactly"
	figure "sock-server --echo tcp: $CLIENTS clients x $CLIENT_MSGS messages ($stderr); VmHWM $(vmhwm "$SRV_PID") kB (idle $base kB)"
}

@test "sock-server --echo over UNIX: $CLIENTS clients at once, every byte echoed" {
	need_applet sock-server
	sock_server --echo "unix:$T/s.sock"
	run -0 --separate-stderr peers echo-load "$SRV_ADDR" "$CLIENTS" "$CLIENT_MSGS"
	assert_equal "$output" "$CLIENTS clients, $((CLIENTS * CLIENT_MSGS)) messages, all echoed exactly"
	figure "sock-server --echo unix: $CLIENTS clients x $CLIENT_MSGS messages ($stderr); VmHWM $(vmhwm "$SRV_PID") kB"
}
