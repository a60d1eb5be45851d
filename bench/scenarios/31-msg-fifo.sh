# bench/scenarios/31-msg-fifo.sh - acknowledged messages per second through
# a named pipe: `fifo send --sync` waits for `fifo recv` to acknowledge each
# line. The reference is a blocking ping-pong on a socketpair.
m=20000
[ -z "${QUICK:-}" ] || m=5000
for pin in "" 0; do
	scenario "msg-fifo-sync${pin:+-pinned}" messages msg/s higher \
	    "fifo send --sync: $m acknowledged messages${pin:+, one CPU}" \
	    "(round trips: for orientation, next to the ping-pong)"
	PIN=$pin
	needs fifo
	contender ipctool "ipctool fifo --sync" \
	    "seq $m | \$IPCTOOL fifo send --sync \$FIFO" \
	    "\$IPCTOOL fifo recv --count $m \$FIFO >/dev/null" -
	contender ref "socketpair ping-pong" "\$BENCH_BIN/pingpong $m 32 >/dev/null"
	run_rounds rate "$m"
done
