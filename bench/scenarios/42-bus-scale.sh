# bench/scenarios/42-bus-scale.sh - the broker at scale: 100,000
# subscriptions on one connection (time to subscribe, memory, publishing
# to them afterwards), 10,000 queue groups on one subject, and another
# client's PING meanwhile. The embedded broker and nats-server, driven by
# the same raw client (bench/peers/busscale.py).
subs=100000 groups=10000 msgs=200000 pubs=100
[ -z "${QUICK:-}" ] || { subs=10000 groups=1000 msgs=20000 pubs=20; }

# bus_scale NAME UNIT BETTER TITLE TARGET RATIO MODE ARGS: one scenario,
# the same client against both brokers
bus_scale() {
	local name=$1 unit=$2 better=$3 title=$4 target=$5 ratio=$6 mode=$7
	shift 7
	scenario "$name" bus "$unit" "$better" "$title" "$target" "$ratio"
	needs bus
	contender ipctool "ipctool bus daemon" \
	    "python3 \$BENCH_BIN/busscale.py $mode \$PORT $* >\$OUT" \
	    "\$IPCTOOL bus daemon --no-auth --listen tcp:127.0.0.1:\$PORT" \
	    '+tcp:$PORT'
	contender peer "nats-server" \
	    "python3 \$BENCH_BIN/busscale.py $mode \$PORT $* >\$OUT" \
	    "exec nats-server -a 127.0.0.1 -p \$PORT" '+tcp:$PORT'
	run_rounds printed
}

bus_scale bus-subs-time ms lower \
    "bus: $subs SUBs on one connection, until PONG" \
    "≤ 1.5× nats-server's time" 0.67 subs "$subs"
bus_scale bus-subs-rss kB lower \
    "bus: broker resident memory holding $subs subscriptions" \
    "≤ nats-server's" 1.0 rss "$subs"
bus_scale bus-subs-pub msg/s higher \
    "bus: $msgs messages over $subs subscribed subjects" \
    "≥ nats-server's" 1.0 pubrate "$subs" "$msgs"
bus_scale bus-queue-groups pub/s higher \
    "bus: $pubs publishes to one subject with $groups queue groups" \
    "≥ nats-server's" 1.0 queue "$groups" "$pubs"
bus_scale bus-ping-during-subs ms lower \
    "bus: another client's worst PING round trip during $subs SUBs" \
    "< 10 ms" "" ping "$subs"
