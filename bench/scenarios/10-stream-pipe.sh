# bench/scenarios/10-stream-pipe.sh - bytes from a producer to a consumer
# through an anonymous pipe: `ipctool pipe P :: C` against the shell's
# `P | C` and the relays users put in between (cat, pv). References: the
# same shape with one pipe of 1 MiB (bench/limits/pipechain.c), and the
# read/write and splice relays as a stage in between.
n=$(stream_bytes)
# Two runs gave 0.72× and 0.95× with 5 rounds: 11 rounds here (3 when
# quick), and the report shows the round-by-round ratios, so that a tie
# can be told from a loss. Of 1 GiB each, not 2: the spread comes from
# the rounds, and 11 rounds of 2 GiB took 204 s of the full bench
full=$n
rounds=$ROUNDS
ROUNDS=11
[ -n "${QUICK:-}" ] || n=$((1 << 30))
[ -z "${QUICK:-}" ] || ROUNDS=3
scenario stream-pipe streams GiB/s higher \
    "pipe, 2 stages: $((n >> 20)) MiB producer → consumer" \
    "≥ 1.0× the fastest peer, ≥ 0.8× the best reference" 1.0 0.8
needs pipe
contender ipctool "ipctool pipe" "\$IPCTOOL pipe \$GEN $n :: \$SINK >\$OUT"
contender peer "sh pipe" "\$GEN $n | \$SINK >\$OUT"
contender peer "cat" "\$GEN $n | cat | \$SINK >\$OUT"
contender peer "pv" "\$GEN $n | pv -q | \$SINK >\$OUT"
contender ref "pipe2 1 MiB" \
    "\$BENCH_BIN/pipechain 1048576 \$GEN $n :: \$SINK >\$OUT"
contender ref "read/write 128K" "\$GEN $n | \$RELAY | \$SINK >\$OUT"
contender ref "splice" "\$GEN $n | \$RELAY -s | \$SINK >\$OUT"
note "the shell pipe and pipe2 1 MiB (one pipe enlarged by F_SETPIPE_SZ," \
    "the same shape as ipctool pipe) have no stage in between; cat, pv and" \
    "the read/write and splice relays add one."
run_rounds stream "$n"
ROUNDS=$rounds
n=$full

# The same bytes counted on the way: `pipe --stats` (a tee(2) and a read
# per pipe) and `pipe --progress` (a splice relay and a live line) against
# pv, which a user would put in between to see the flow.
scenario stream-pipe-counted streams GiB/s higher \
    "pipe, 2 stages, counted: $((n >> 20)) MiB producer → consumer" \
    "(for orientation, next to pv)"
needs pipe
contender ipctool "ipctool pipe --stats" \
    "\$IPCTOOL pipe --stats \$GEN $n :: \$SINK >\$OUT"
contender ipctool "ipctool pipe --progress" \
    "\$IPCTOOL pipe --progress \$GEN $n :: \$SINK >\$OUT"
contender peer "pv" "\$GEN $n | pv -f | \$SINK >\$OUT"
run_rounds stream "$n"

# One producer, two consumers that each get every byte: `pipe --fan-out`
# against tee(1) writing to a FIFO and its stdout. Both sinks' counts must
# agree with what was sent.
scenario stream-pipe-fanout streams GiB/s higher \
    "pipe --fan-out: $((n >> 20)) MiB producer → 2 consumers" \
    "(for orientation, next to tee)"
needs pipe
contender ipctool "ipctool pipe --fan-out" \
    "\$IPCTOOL pipe --fan-out \$GEN $n :: \$SINK :: \$SINK |
     sort -u | paste -sd' ' >\$OUT"
contender peer "tee" \
    "\$SINK <\$FIFO >\$RUN_DIR/a & \$GEN $n | tee \$FIFO | \$SINK >\$RUN_DIR/b;
     wait; sort -u \$RUN_DIR/a \$RUN_DIR/b | paste -sd' ' >\$OUT"
run_rounds stream "$n"
