# tools/demo.d/50-bus.sh - part of make demo (sourced by tools/demo.sh):
# the embedded broker, publish/subscribe with wildcards, acknowledged
# delivery, queue groups and the monitor

# demo_bus_up: start `bus daemon` on a socket in $DEMO_DIR once (exported
# as IPCTOOL_BUS); a build without the broker falls back to a nats-server
demo_bus_up() {
	[ -n "${DEMO_BUS_UP:-}" ] && return 0
	export IPCTOOL_BUS="unix:$DEMO_DIR/bus.sock"
	printf '$ bus daemon --listen %s &\n' "$IPCTOOL_BUS"
	bus daemon --listen "$IPCTOOL_BUS" --addr-file "$DEMO_DIR/bus.addr" &
	demo_pids+=($!)
	local pid=$! i
	for ((i = 0; i < 1000; i++)); do
		[ -e "$DEMO_DIR/bus.addr" ] && break
		if ! kill -0 "$pid" 2>/dev/null; then
			command -v nats-server >/dev/null || return 1
			echo "(no embedded broker in this build: using nats-server)"
			nats-server -a 127.0.0.1 -p -1 -l "$DEMO_DIR/nats.log" &
			demo_pids+=($!)
			wait_for grep -q 'Server is ready' "$DEMO_DIR/nats.log"
			IPCTOOL_BUS="nats://127.0.0.1:$(sed -n \
			    's/.*connections on 127\.0\.0\.1:\([0-9]*\).*/\1/p' \
			    "$DEMO_DIR/nats.log" | head -n1)"
			break
		fi
		sleep 0.01
	done
	DEMO_BUS_UP=1
}

# demo_stop PID...: end processes this part started, before the broker goes
demo_stop() {
	kill "$@" 2>/dev/null || true
	wait "$@" 2>/dev/null || true
}

say "bus: one broker, many partners, talking by subject"
demo_bus_up
bg bus monitor --count 4 --ready-file "$DEMO_DIR/m1" 'sensor.>'
wait_for test -e "$DEMO_DIR/m1"
bus sub --count 3 --ready-file "$DEMO_DIR/s1" 'sensor.*.temp' >"$DEMO_DIR/s1.out" &
s1=$!
wait_for test -e "$DEMO_DIR/s1"
show bus pub sensor.kitchen.temp 21
show bus pub sensor.kitchen.humidity 40
printf '$ printf "19\\n18\\n" | bus pub sensor.hall.temp\n'
printf '19\n18\n' | bus pub sensor.hall.temp
wait "$s1"
echo "(bus monitor printed all four; bus sub 'sensor.*.temp' got:)"
sed 's/^/  /' "$DEMO_DIR/s1.out"

say "--sync: each message waits for a subscriber's acknowledgement"
bg bus sub --ack --count 2 --ready-file "$DEMO_DIR/s2" orders
wait_for test -e "$DEMO_DIR/s2"
show bus pub --sync --timeout 2s orders 'order 1' 'order 2'
printf '$ bus pub --sync --timeout 2s nobody hello\n'
bus pub --sync --timeout 2s nobody hello || echo "(exit $?: no responders)"

say "a queue group: each message goes to one member"
qpids=()
for w in 1 2; do
	bus sub -q workers --ready-file "$DEMO_DIR/q$w" jobs >"$DEMO_DIR/q$w.out" &
	qpids+=($!)
	wait_for test -e "$DEMO_DIR/q$w"
done
printf '$ seq 10 | bus pub jobs\n'
seq 10 | bus pub jobs
queue_done() { [ "$(cat "$DEMO_DIR"/q?.out | wc -l)" -ge 10 ]; }
wait_for queue_done
demo_stop "${qpids[@]}"
echo "  worker 1 got:" $(cat "$DEMO_DIR/q1.out")
echo "  worker 2 got:" $(cat "$DEMO_DIR/q2.out")
