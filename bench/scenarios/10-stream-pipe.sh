# bench/scenarios/10-stream-pipe.sh - bytes from a producer to a consumer
# through an anonymous pipe: `ipctool pipe P :: C` against the shell's
# `P | C` and the relays users put in between (cat, pv).
n=$(stream_bytes)
scenario stream-pipe streams GiB/s higher \
    "pipe, 2 stages: $((n >> 20)) MiB producer → consumer" \
    "≥ 1.0× the fastest peer, ≥ 0.8× the best reference" 1.0 0.8
needs pipe
contender ipctool "ipctool pipe" "\$IPCTOOL pipe \$GEN $n :: \$SINK >\$OUT"
contender peer "sh pipe" "\$GEN $n | \$SINK >\$OUT"
contender peer "cat" "\$GEN $n | cat | \$SINK >\$OUT"
contender peer "pv" "\$GEN $n | pv -q | \$SINK >\$OUT"
contender ref "read/write 128K" "\$GEN $n | \$RELAY | \$SINK >\$OUT"
contender ref "splice" "\$GEN $n | \$RELAY -s | \$SINK >\$OUT"
note "cat, pv and the references add one relay stage between producer" \
    "and consumer; the shell pipe has none."
run_rounds stream "$n"
