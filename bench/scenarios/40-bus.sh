# bench/scenarios/40-bus.sh - messages per second through a broker: one
# publisher, 1 and 4 subscribers, 32-byte messages. The embedded broker
# (`ipctool bus daemon`) and nats-server are driven by the same libnats
# client (bench/peers/natsbench.c); mosquitto by mosquitto_pub/_sub.
# mosquitto sends a fifth as many: at its ~100,000 deliveries/s a
# million messages to 4 subscribers took 50 s a round, most of the full
# bench's time, for a rate that does not change with the count.
n=1000000 mq=200000
[ -z "${QUICK:-}" ] || { n=100000; mq=20000; }

# rate_of N CMD...: run CMD (its output dropped), then print N per
# second of its run time (as run_rounds rate does from the whole
# command, for contenders that send different counts)
rate_of() {
	local n=$1 t0 t1
	shift
	t0=$(date +%s%N)
	"$@" >/dev/null || return
	t1=$(date +%s%N)
	awk -v n="$n" -v ns="$((t1 - t0))" 'BEGIN { printf "%.1f\n", n / (ns / 1e9) }'
}
export -f rate_of

for subs in 1 4; do
	scenario "bus-pubsub-$subs" bus msg/s higher \
	    "bus: 1 publisher → $subs subscriber(s), $n × 32 B each (mosquitto $mq)" \
	    "≥ 1.0× nats-server, ≥ 1.5× mosquitto" 1.0
	needs bus
	contender ipctool "ipctool bus daemon" \
	    "rate_of $((n * subs)) \$BENCH_BIN/natsbench pubsub nats://127.0.0.1:\$PORT $n $subs 32 >\$OUT" \
	    "\$IPCTOOL bus daemon --no-auth --listen tcp:127.0.0.1:\$PORT" \
	    '+tcp:$PORT'
	contender peer "nats-server" \
	    "rate_of $((n * subs)) \$BENCH_BIN/natsbench pubsub nats://127.0.0.1:\$PORT $n $subs 32 >\$OUT" \
	    "exec nats-server -a 127.0.0.1 -p \$PORT" '+tcp:$PORT'
	contender peer "mosquitto" \
	    "rate_of $((mq * subs)) \$BENCH_BIN/mqttbench.sh \$PORT $mq $subs \$RUN_DIR >\$OUT" \
	    "printf '%s\n' 'listener '\$PORT' 127.0.0.1' 'allow_anonymous true' \
	        'max_queued_messages 0' 'persistence false' 'log_dest none' \
	        >\$RUN_DIR/mosquitto.conf &&
	     exec mosquitto -c \$RUN_DIR/mosquitto.conf" '+tcp:$PORT'
	note "messages per second counts deliveries: $n × $subs per run" \
	    "($mq × $subs for mosquitto), timed over the whole client command."
	run_rounds printed
done

# What the broker itself spends: its user+system CPU time (getrusage's
# sum, from the scheduler's count in /proc/PID/task/*/schedstat) per
# million delivered messages, one
# publisher to one and to ten subscribers; on a shared 2-core machine CPU
# cost is steadier than throughput. Then its peak memory with 1,000 idle
# clients. The embedded broker against nats-server, the same libnats
# client.
# (2 rounds when quick: CPU time moves less than throughput)
[ -z "${QUICK:-}" ] || ROUNDS=2
for subs in 1 10; do
	what="pub/sub 1 → 1"
	name=bus-cpu-pubsub-1
	if [ "$subs" -gt 1 ]; then
		what="fan-out 1 → $subs"
		name=bus-cpu-fanout-$subs
	fi
	scenario "$name" bus "CPU s/1M msg" lower \
	    "bus: broker user+sys CPU per million deliveries, $what, $n × 32 B" \
	    "(for orientation, next to nats-server)"
	needs bus
	contender ipctool "ipctool bus daemon" \
	    "\$BENCH_BIN/brokerstat.sh cpu \$PORT $((n / subs)) $subs >\$OUT" \
	    "\$IPCTOOL bus daemon --no-auth --listen tcp:127.0.0.1:\$PORT" \
	    '+tcp:$PORT'
	contender peer "nats-server" \
	    "\$BENCH_BIN/brokerstat.sh cpu \$PORT $((n / subs)) $subs >\$OUT" \
	    "exec nats-server -a 127.0.0.1 -p \$PORT" '+tcp:$PORT'
	run_rounds printed
done

scenario bus-idle-1000 bus kB lower \
    "bus: broker peak RSS with 1,000 idle clients" \
    "(for orientation, next to nats-server)"
needs bus
contender ipctool "ipctool bus daemon" \
    "\$BENCH_BIN/brokerstat.sh rss \$PORT 1000 >\$OUT" \
    "\$IPCTOOL bus daemon --no-auth --listen tcp:127.0.0.1:\$PORT" \
    '+tcp:$PORT'
contender peer "nats-server" \
    "\$BENCH_BIN/brokerstat.sh rss \$PORT 1000 >\$OUT" \
    "exec nats-server -a 127.0.0.1 -p \$PORT" '+tcp:$PORT'
run_rounds printed
