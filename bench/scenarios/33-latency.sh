# bench/scenarios/33-latency.sh - the tail of the round trip on every
# synchronous path: p50, p99 and p99.9 in µs, each a row of its own. The
# ipctool figures are the senders' own `--stats --json`; the references
# (bench/limits/) time every round trip the same way, on CLOCK_MONOTONIC,
# and print the same keys: sigqueue ping-pong for sig, the FIFO ping-pong
# for fifo, the socketpair ping-pong for sock; for bus and req, a libnats
# requester timing each request to a libnats responder through
# nats-server (bench/peers/natsbench.c rtt). The bus and req runs go over
# TCP on 127.0.0.1, for ipctool's broker as for nats-server.
# quick: 1,000 round trips and two rounds (the p99.9 of 1,000 is the
# second largest), to stay within the quick bench's two minutes
m=20000
[ -z "${QUICK:-}" ] || { m=1000; ROUNDS=2; }
lat=(--sync --stats --json)

latency_scenario lat-sig "sig send --sync --stats: $m RTMIN round trips" \
    "(for orientation, next to the C reference)"
needs sig
contender ipctool "ipctool sig --sync" \
    "\$IPCTOOL sig send ${lat[*]} -s RTMIN -c $m -p \$RUN_DIR/pid 2>\$OUT" \
    "\$IPCTOOL sig wait --ack -c $m -p \$RUN_DIR/pid RTMIN >/dev/null" \
    'file:$RUN_DIR/pid'
contender ref "sigqueue ping-pong" "\$BENCH_BIN/sigpingpong $m lat >\$OUT"
run_rounds latency

latency_scenario lat-fifo "fifo send --sync --stats: $m round trips" \
    "(for orientation, next to the C reference)"
needs fifo
contender ipctool "ipctool fifo --sync" \
    "seq $m | \$IPCTOOL fifo send ${lat[*]} \$FIFO 2>\$OUT" \
    "\$IPCTOOL fifo recv --count $m \$FIFO >/dev/null" -
contender ref "FIFO ping-pong" "\$BENCH_BIN/fifopingpong $m 32 lat >\$OUT"
run_rounds latency

latency_scenario lat-sock "sock-client --sync --stats: $m round trips, unix" \
    "(for orientation, next to the C reference)"
needs sock-client sock-server
contender ipctool "ipctool sock --sync" \
    "seq $m | \$IPCTOOL sock-client ${lat[*]} unix:\$SOCK 2>\$OUT" \
    "\$IPCTOOL sock-server --once --ack unix:\$SOCK >/dev/null" \
    'unix:$SOCK'
contender ref "socketpair ping-pong" "\$BENCH_BIN/pingpong $m 32 lat >\$OUT"
run_rounds latency

# the brokers and their partner, ready once $RUN_DIR/ready is there;
# gives up (exit 1) as soon as one of them is gone
bus='tcp:127.0.0.1:$PORT'
broker_then="\$IPCTOOL bus daemon --no-auth --listen $bus & d=\$!
	for i in \$(seq 200); do ss -Hltn \"sport = :\$PORT\" | grep -q . && break
	    kill -0 \$d || exit 1; sleep 0.05; done"
# the partner's --ready-file is empty: wait_ready wants one with a line
partner_ready="p=\$!
	until [ -e \$RUN_DIR/sub ]; do kill -0 \$p || exit 1; sleep 0.01; done
	echo ready >\$RUN_DIR/ready
	wait"
nats_side=$(nats_responder bench.lat)

latency_scenario lat-bus "bus pub --sync --stats: $m acknowledged messages" \
    "(for orientation, next to libnats through nats-server)"
needs bus
contender ipctool "ipctool bus pub --sync" \
    "seq $m | \$IPCTOOL bus pub ${lat[*]} --bus $bus bench.lat 2>\$OUT" \
    "$broker_then
	\$IPCTOOL bus sub --ack --bus $bus --ready-file \$RUN_DIR/sub bench.lat >/dev/null &
	$partner_ready" '+file:$RUN_DIR/ready'
contender peer "libnats + nats-server" \
    "\$BENCH_BIN/natsbench rtt nats://127.0.0.1:\$PORT bench.lat $m >\$OUT" \
    "$nats_side" '+file:$RUN_DIR/ready'
note "ipctool: bus pub --sync to bus sub --ack through bus daemon; the" \
    "peer: a request answered in-process by a libnats responder."
run_rounds latency

latency_scenario lat-req "req call --stats, window 1: $m jobs" \
    "(for orientation, next to libnats through nats-server)"
needs bus req
contender ipctool "ipctool req --lines" \
    "seq $m | \$IPCTOOL req call --async --window 1 --stats --json --bus $bus bench.lat >/dev/null 2>\$OUT" \
    "$broker_then
	\$IPCTOOL req serve --lines --bus $bus --ready-file \$RUN_DIR/sub bench.lat -- cat &
	$partner_ready" '+file:$RUN_DIR/ready'
contender peer "libnats + nats-server" \
    "\$BENCH_BIN/natsbench rtt nats://127.0.0.1:\$PORT bench.lat $m >\$OUT" \
    "$nats_side" '+file:$RUN_DIR/ready'
note "ipctool: req call to req serve --lines -- cat (one cat, a job a" \
    "line) through bus daemon; the peer answers in-process."
run_rounds latency
