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

# One way, no acknowledgement: `sig send --value 0 -c N` queues N
# real-time signals carrying 0..N-1 into `sig wait -c N`; the receiver's
# lines are checked as they come (every value, once, in order), as the C
# pair (bench/limits/rtpair.c) checks its own: sigwaitinfo(2) one at a
# time, and a signalfd(2) read 64 at a time.
n=100000
[ -z "${QUICK:-}" ] || n=20000
scenario msg-sig-oneway messages sig/s higher \
    "sig send --value: $n real-time signals with values, all in order" \
    "(for orientation, next to the C pair)"
needs sig
contender ipctool "ipctool sig" \
    "\$IPCTOOL sig send --signal RTMIN --value 0 --count $n --timeout 60s --pidfile \$RUN_DIR/pid" \
    "\$IPCTOOL sig wait --count $n --timeout 120s --pidfile \$RUN_DIR/pid RTMIN |
     awk -v n=$n '{ v = \$4; sub(\"value=\", \"\", v); if (v != NR - 1) exit 1 }
         END { exit NR != n }'" \
    'file:$RUN_DIR/pid'
contender ref "sigqueue → sigwaitinfo" "\$BENCH_BIN/rtpair sigwaitinfo $n >/dev/null"
contender ref "sigqueue → signalfd, 64 a read" "\$BENCH_BIN/rtpair signalfd $n >/dev/null"
run_rounds rate "$n"
