# bench/scenarios/10-stream-pipe.sh - bytes from a producer to a consumer
# through an anonymous pipe: `ipctool pipe P :: C` against the shell's
# `P | C` and the relays users put in between (cat, pv). References: the
# same shape with one pipe of 1 MiB (bench/limits/pipechain.c), and the
# read/write and splice relays as a stage in between.
n=$(stream_bytes)
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
