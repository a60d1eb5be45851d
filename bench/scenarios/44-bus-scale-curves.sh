# bench/scenarios/44-bus-scale-curves.sh - how the broker's cost grows
# with subscriptions and queue groups, each point the embedded broker
# (`ipctool bus daemon`) next to nats-server, driven by the same raw C
# client as 42-bus-scale (bench/peers/busscale.c):
#   bus-subtime-N   N SUBs on one connection until PONG: µs per SUB
#                   (1,000, 10,000, 100,000)
#   bus-subbytes-N  the broker's resident memory grown by those N, per
#                   subscription
#   bus-qgroups-N   one subject with N queue groups (10 to 10,000), one
#                   member each: deliveries/s
# Each is a cost per unit (per SUB, per subscription, per delivery), so a
# flat curve is a total cost that grows linearly; bench/mkreport.py draws
# them (bench/curves.svg) and says where each bends. 3 rounds a point;
# when quick, 1 round of the two ends of each curve.
ROUNDS=3
deliveries=1000000 subs="1000 10000 100000" groups="10 100 1000 10000"
[ -z "${QUICK:-}" ] || {
	ROUNDS=1 deliveries=200000 subs="1000 100000" groups="10 10000"
}

# scale_point NAME UNIT BETTER TITLE CLIENT: the scenario, its two
# brokers driven by CLIENT (a command line that writes the value to $OUT)
scale_point() {
	scenario "$1" curves "$2" "$3" "$4"
	needs bus
	contender ipctool "ipctool bus daemon" "$5" \
	    "exec \$IPCTOOL bus daemon --no-auth --listen tcp:127.0.0.1:\$PORT" \
	    '+tcp:$PORT'
	contender peer "nats-server" "$5" \
	    "exec nats-server -a 127.0.0.1 -p \$PORT" '+tcp:$PORT'
}

for n in $subs; do
	scale_point "bus-subtime-$n" "µs/SUB" lower \
	    "bus: $n SUBs on one connection until PONG, per SUB" \
	    "set -o pipefail; \$BENCH_BIN/busscale subs \$PORT $n |
	     awk '{ printf \"%.3f\\n\", \$1 * 1000 / $n }' >\$OUT"
	curve bus-subtime subscriptions "$n" \
	    "bus: time per SUB by subscriptions on one connection (µs)"
	run_rounds printed
done

for n in $subs; do
	scale_point "bus-subbytes-$n" "B/sub" lower \
	    "bus: broker resident memory per subscription, $n held" \
	    "\$BENCH_BIN/busscale subbytes \$PORT $n >\$OUT"
	curve bus-subbytes subscriptions "$n" \
	    "bus: broker memory per subscription by subscriptions (bytes)"
	note "the growth of the broker's VmRSS from the client connected to" \
	    "its $n subscriptions answered by PONG, over $n."
	run_rounds printed
done

for g in $groups; do
	pubs=$((deliveries / g))
	scale_point "bus-qgroups-$g" deliveries/s higher \
	    "bus: $pubs publishes to one subject with $g queue groups" \
	    "set -o pipefail; \$BENCH_BIN/busscale queue \$PORT $g $pubs |
	     awk '{ printf \"%.0f\\n\", \$1 * $g }' >\$OUT"
	curve bus-qgroups "queue groups" "$g" \
	    "bus: deliveries/s by queue groups on one subject (one member each)"
	note "$pubs publishes, each delivered once in each of the $g groups:" \
	    "$((pubs * g)) deliveries."
	run_rounds printed
done
