# bench/scenarios/11-stream-fifo.sh - bytes through a named pipe: a writer
# relays stdin into the FIFO, a reader relays it to a consumer.
# `ipctool fifo send/recv --raw` against mkfifo + cat and pv.
n=$(stream_bytes)
scenario stream-fifo streams GiB/s higher \
    "fifo --raw: $((n >> 20)) MiB through a named pipe" \
    "≥ 1.0× the fastest peer, ≥ 0.8× the best reference" 1.0 0.8
needs fifo
contender ipctool "ipctool fifo --raw" \
    "\$GEN $n | \$IPCTOOL fifo send --raw \$FIFO" \
    "\$IPCTOOL fifo recv --raw \$FIFO | \$SINK >\$OUT" -
contender peer "mkfifo+cat" "\$GEN $n | cat >\$FIFO" \
    "cat \$FIFO | \$SINK >\$OUT" -
contender peer "pv" "\$GEN $n | pv -q >\$FIFO" \
    "pv -q \$FIFO | \$SINK >\$OUT" -
contender ref "read/write 128K" "\$GEN $n | \$RELAY >\$FIFO" \
    "\$RELAY <\$FIFO | \$SINK >\$OUT" -
contender ref "splice" "\$GEN $n | \$RELAY -s >\$FIFO" \
    "\$RELAY -s <\$FIFO | \$SINK >\$OUT" -
run_rounds stream "$n"
