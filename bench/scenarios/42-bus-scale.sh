# bench/scenarios/42-bus-scale.sh - the broker at scale: 100,000
# subscriptions on one connection (time to subscribe, memory, publishing
# to them afterwards), 10,000 queue groups on one subject, and another
# client's PING round trip meanwhile (and with the broker idle, the
# machine's own noise). The embedded broker and nats-server, driven by
# the same raw C client (bench/peers/busscale.c), fast enough that the
# broker sets the pace.
subs=100000 groups=10000 msgs=200000 pubs=100
# 2 rounds when quick: the quick run has two minutes in all
[ -z "${QUICK:-}" ] || { subs=10000 groups=1000 msgs=20000 pubs=20 ROUNDS=2; }

# bus_scale NAME UNIT BETTER TITLE TARGET RATIO ARGS: one scenario, the
# same client against both brokers
bus_scale() {
	local name=$1 unit=$2 better=$3 title=$4 target=$5 ratio=$6
	shift 6
	scenario "$name" bus "$unit" "$better" "$title" "$target" "$ratio"
	needs bus
	contender ipctool "ipctool bus daemon" \
	    "\$BENCH_BIN/busscale ${1} \$PORT ${*:2} >\$OUT" \
	    "\$IPCTOOL bus daemon --no-auth --listen tcp:127.0.0.1:\$PORT" \
	    '+tcp:$PORT'
	contender peer "nats-server" \
	    "\$BENCH_BIN/busscale ${1} \$PORT ${*:2} >\$OUT" \
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
bus_scale bus-ping-idle ms lower \
    "bus: a client's worst PING round trip, broker idle (the machine's noise)" \
    "" "" ping idle 0 max
bus_scale bus-ping-during-subs ms lower \
    "bus: another client's worst PING round trip during $subs SUBs" \
    "< 10 ms" "" ping subs "$subs" max
bus_scale bus-ping-p99-during-subs ms lower \
    "bus: another client's 99th-percentile PING round trip during $subs SUBs" \
    "< 10 ms" "" ping subs "$subs" p99
bus_scale bus-ping-during-close ms lower \
    "bus: another client's worst PING round trip while a client holding $subs subscriptions leaves" \
    "< 10 ms" "" ping close "$subs" max
bus_scale bus-ping-during-queue ms lower \
    "bus: another client's worst PING round trip during 100 publishes to $groups queue groups" \
    "< 10 ms" "" ping queue "$groups" max
