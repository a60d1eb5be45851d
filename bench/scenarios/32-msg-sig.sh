# bench/scenarios/32-msg-sig.sh - acknowledged signals per second:
# `sig send --sync -c N` to `sig wait --ack -c N`, one real-time signal at a
# time. The reference is a sigqueue(3)/sigwaitinfo(2) ping-pong in C.
m=20000
[ -z "${QUICK:-}" ] || m=5000
for pin in "" 0; do
	scenario "msg-sig-sync${pin:+-pinned}" messages sig/s higher \
	    "sig send --sync: $m acknowledged RTMIN signals${pin:+, one CPU}" \
	    "(round trips: for orientation, next to the ping-pong)"
	PIN=$pin
	needs sig
	contender ipctool "ipctool sig --sync" \
	    "\$IPCTOOL sig send --sync -s RTMIN -c $m -p \$RUN_DIR/pid" \
	    "\$IPCTOOL sig wait --ack -c $m -p \$RUN_DIR/pid RTMIN >/dev/null" \
	    'file:$RUN_DIR/pid'
	contender ref "sigqueue ping-pong" "\$BENCH_BIN/sigpingpong $m >/dev/null"
	run_rounds rate "$m"
done
