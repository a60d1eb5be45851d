# bench/scenarios/43-bus-curves.sh - how the broker's cost grows, each
# point the embedded broker (`ipctool bus daemon`) next to nats-server,
# driven by the same libnats client (bench/peers/natsbench.c, which times
# from the first publish to the last delivery) or, for idle connections,
# the same raw-socket client (bench/peers/conns.c):
#   bus-fanout-N    1 publisher → N subscribers (1, 10, 100, 1,000)
#   bus-pubs-N      N publishers → 1 subscriber (1, 4, 16, 64)
#   bus-payload-N   1 → 1 with N-byte messages (16 B to 1 MiB), MiB/s
#   bus-conns-N     N idle clients (1 to 10,000): broker memory per client
# bench/mkreport.py draws them as lines (bench/curves.svg) and says where
# each bends. Curve points run 3 rounds; when quick, 1 round of 2 points
# each, smaller.
ROUNDS=3
[ -z "${QUICK:-}" ] || ROUNDS=1
deliveries=1000000
[ -z "${QUICK:-}" ] || deliveries=100000
# Both brokers may queue 1 GiB for a subscriber (64 MiB by default): a
# libnats subscriber on a loaded 2-core machine falls that far behind a
# publisher of 1 KiB messages, and either broker then drops it as a slow
# consumer, which ends the run rather than measuring it
ipctool_daemon="exec \$IPCTOOL bus daemon --no-auth --max-clients 20000 \
    --max-pending 1G --listen tcp:127.0.0.1:\$PORT"
nats_daemon="echo 'max_pending: 1073741824' >\$RUN_DIR/nats.conf &&
    exec nats-server -c \$RUN_DIR/nats.conf -a 127.0.0.1 -p \$PORT"

# bus_point NAME UNIT BETTER TITLE CLIENT: the scenario, its two brokers
# driven by CLIENT (a command line that writes the value to $OUT)
bus_point() {
	scenario "$1" curves "$2" "$3" "$4"
	needs bus
	contender ipctool "ipctool bus daemon" "$5" "$ipctool_daemon" '+tcp:$PORT'
	contender peer "nats-server" "$5" "$nats_daemon" '+tcp:$PORT'
}

fanout="1 10 100 1000"
[ -z "${QUICK:-}" ] || fanout="1 100"
for subs in $fanout; do
	n=$((deliveries / subs))
	bus_point "bus-fanout-$subs" msg/s higher \
	    "bus fan-out: 1 publisher → $subs subscriber(s), $n × 32 B" \
	    "\$BENCH_BIN/natsbench pubsub nats://127.0.0.1:\$PORT $n $subs 32 >\$OUT"
	curve bus-fanout subscribers "$subs" \
	    "bus fan-out: deliveries/s by subscribers (1 publisher, 32 B)"
	note "deliveries per second: $n × $subs per run."
	run_rounds printed
done

pubs="1 4 16 64"
[ -z "${QUICK:-}" ] || pubs="1 16"
for p in $pubs; do
	bus_point "bus-pubs-$p" msg/s higher \
	    "bus: $p publisher(s) → 1 subscriber, $deliveries × 32 B in all" \
	    "\$BENCH_BIN/natsbench pubsub nats://127.0.0.1:\$PORT $deliveries 1 32 $p >\$OUT"
	curve bus-pubs publishers "$p" \
	    "bus: deliveries/s by publishers (1 subscriber, 32 B)"
	run_rounds printed
done

bytes=$((1 << 30))
[ -z "${QUICK:-}" ] || bytes=$((128 << 20))
sizes="16 1024 16384 1048576"
[ -z "${QUICK:-}" ] || sizes="16 16384"
for size in $sizes; do
	n=$((bytes / size))
	[ "$n" -le "$deliveries" ] || n=$deliveries
	bus_point "bus-payload-$size" MiB/s higher \
	    "bus: 1 → 1, $n × $size B" \
	    "set -o pipefail; \$BENCH_BIN/natsbench pubsub nats://127.0.0.1:\$PORT $n 1 $size |
	     awk '{ printf \"%.2f\\n\", \$1 * $size / 1048576 }' >\$OUT"
	curve bus-payload "payload bytes" "$size" \
	    "bus: MiB/s by payload size (1 publisher → 1 subscriber)"
	run_rounds printed
done

conns="1 100 1000 10000"
[ -z "${QUICK:-}" ] || conns="1 1000"
for c in $conns; do
	bus_point "bus-conns-$c" kB lower \
	    "bus: broker memory (Pss) per idle client, $c client(s)" \
	    "\$BENCH_BIN/conncost.sh nats \$PORT $c >\$OUT"
	curve bus-conns clients "$c" \
	    "bus: broker memory per client by idle clients (kB)"
	note "the growth of the broker's proportional set size (Pss) from" \
	    "before the first client to all $c connected and answered, per" \
	    "client."
	run_rounds printed
done
