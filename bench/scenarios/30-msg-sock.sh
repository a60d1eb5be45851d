# bench/scenarios/30-msg-sock.sh - acknowledged messages per second over a
# UNIX socket: `sock-client --sync` waits for the `sock-server --ack`
# answer to each line. The reference is a blocking ping-pong of 32-byte
# messages on a socketpair. Run unpinned, then with every process on one
# CPU (a cross-CPU wake-up costs ~25 µs on a 2-core VM).
m=20000
[ -z "${QUICK:-}" ] || m=5000
for pin in "" 0; do
	scenario "msg-sock-sync${pin:+-pinned}" messages msg/s higher \
	    "sock-client --sync: $m acknowledged messages, unix${pin:+, one CPU}" \
	    "(round trips: for orientation, next to the ping-pong)"
	PIN=$pin
	needs sock-client sock-server
	contender ipctool "ipctool sock --sync" \
	    "seq $m | \$IPCTOOL sock-client --sync unix:\$SOCK >/dev/null" \
	    "\$IPCTOOL sock-server --once --ack unix:\$SOCK >/dev/null" \
	    'unix:$SOCK'
	contender ref "socketpair ping-pong" "\$BENCH_BIN/pingpong $m 32 >/dev/null"
	run_rounds rate "$m"
done
