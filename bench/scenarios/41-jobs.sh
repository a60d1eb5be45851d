# bench/scenarios/41-jobs.sh - jobs (request → result) per second.
#
# Forking jobs: `req serve -j N -- echo` (a process per job, through the
# embedded broker, `req call --async --window 64` sending them) against
# what a user would run instead to fork a command per input line at the
# same parallelism: `xargs -P N -n 1 echo` and GNU `parallel -j N echo`;
# the reference is bench/limits/spawnloop.c, a bare posix_spawn(3) loop
# (the fork+exec limit). N is 1, 2 and 4.
#
# The forking jobs go through the embedded broker on a UNIX socket, the
# daemon's default transport: on TCP loopback the broker, the worker and
# req call spent ~40 µs more CPU a job (about 4 % of an echo job), all of
# it in the TCP stack.
#
# The line path: `req serve --lines -- cat` (one long-running cat, a job
# per line) against a libnats requester and responder through
# nats-server, synchronous (window 1) and pipelined (window 64), both on
# TCP.
m=500 lines=20000
[ -z "${QUICK:-}" ] || { m=100; lines=4000; }
bus='tcp:127.0.0.1:$PORT'
# the embedded broker and one worker (its options in $SERVE) on $BUS,
# once $UP says the broker listens (a UNIX socket's file is there before
# its listen(2); the daemon's address file is written after it); the
# worker's ready file once it has subscribed; gives up (exit 1) as soon
# as the broker or the worker is gone
ipctool_side="\$IPCTOOL bus daemon --no-auth --listen \$BUS \\
	    --addr-file \$RUN_DIR/addr & d=\$!
	for i in \$(seq 200); do eval \"\$UP\" && break
	    kill -0 \$d || exit 1; sleep 0.05; done
	\$IPCTOOL req serve \$SERVE --bus \$BUS --ready-file \$RUN_DIR/ready.w \\
	    bench.job -- \$CMD & w=\$!
	for i in \$(seq 200); do [ -e \$RUN_DIR/ready.w ] && break
	    kill -0 \$d && kill -0 \$w || exit 1; sleep 0.05; done
	\$IPCTOOL req call --bus \$BUS --timeout 5s bench.job x >/dev/null &&
	    echo ready >\$RUN_DIR/ready
	wait"
nats_side=$(nats_responder bench.job)

# (2 rounds when quick: parallel(1) takes seconds a run)
[ -z "${QUICK:-}" ] || ROUNDS=2
for j in 1 2 4; do
	scenario "jobs-fork-j$j" jobs jobs/s higher \
	    "a process per job, $j at once: $m × echo" \
	    "≥ 1.0× xargs -P $j -n 1" 1.0
	needs bus req
	contender ipctool "ipctool req serve -j $j" \
	    "seq $m | \$IPCTOOL req call --async --window 64 --bus unix:\$RUN_DIR/bus.sock bench.job >/dev/null" \
	    "SERVE='-j $j' CMD=echo BUS=unix:\$RUN_DIR/bus.sock
	     UP='[ -s \$RUN_DIR/addr ]'; $ipctool_side" '+file:$RUN_DIR/ready'
	contender peer "xargs -P $j -n 1" \
	    "seq $m | xargs -P $j -n 1 echo >/dev/null"
	contender peer "parallel -j $j" \
	    "seq $m | parallel --will-cite -j $j echo >/dev/null"
	contender ref "posix_spawn loop" \
	    "\$BENCH_BIN/spawnloop $j $m echo >/dev/null"
	note "each job execs echo(1) with its line: req serve feeds it on" \
	    "stdin and sends its output back over the bus (the embedded" \
	    "broker on a UNIX socket) to req call;" \
	    "xargs and parallel pass it as an argument, their output goes" \
	    "to /dev/null; the posix_spawn loop reads nothing and only" \
	    "forks, execs and reaps."
	run_rounds rate "$m"
done

[ -z "${QUICK:-}" ] || ROUNDS=3
for window in 1 64; do
	jobs=$lines
	[ "$window" -eq 1 ] || jobs=$((lines * 4))
	scenario "jobs-lines-window-$window" jobs jobs/s higher \
	    "req serve --lines -- cat: $jobs jobs, window $window ($([ "$window" -eq 1 ] &&
	    echo synchronous || echo pipelined))" \
	    "≥ 1.0× libnats through nats-server" 1.0
	needs bus req
	contender ipctool "ipctool req --lines" \
	    "seq $jobs | \$IPCTOOL req call --async --window $window --bus $bus bench.job >/dev/null" \
	    "SERVE=--lines CMD=cat BUS=$bus
	     UP='ss -Hltn \"sport = :\$PORT\" | grep -q .'; $ipctool_side" \
	    '+file:$RUN_DIR/ready'
	contender peer "libnats + nats-server" \
	    "\$BENCH_BIN/natsbench req nats://127.0.0.1:\$PORT bench.job $jobs $window" \
	    "$nats_side" '+file:$RUN_DIR/ready'
	note "one cat(1) answers every job, a line each; the libnats" \
	    "responder answers in-process."
	run_rounds rate "$jobs"
done
