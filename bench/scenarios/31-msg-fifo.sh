# bench/scenarios/31-msg-fifo.sh - acknowledged messages per second through
# a named pipe: `fifo send --sync` waits for `fifo recv` to acknowledge each
# line. The reference is what a FIFO round trip takes at the least: a
# blocking ping-pong of 32-byte messages through two FIFOs, one each way
# (bench/limits/fifopingpong.c).
m=20000
[ -z "${QUICK:-}" ] || m=5000
for pin in "" 0; do
	scenario "msg-fifo-sync${pin:+-pinned}" messages msg/s higher \
	    "fifo send --sync: $m acknowledged messages${pin:+, one CPU}" \
	    "≥ 0.8× the FIFO ping-pong" "" 0.8
	PIN=$pin
	needs fifo
	contender ipctool "ipctool fifo --sync" \
	    "seq $m | \$IPCTOOL fifo send --sync \$FIFO" \
	    "\$IPCTOOL fifo recv --count $m \$FIFO >/dev/null" -
	contender ref "FIFO ping-pong" "\$BENCH_BIN/fifopingpong $m 32 >/dev/null"
	run_rounds rate "$m"
done
