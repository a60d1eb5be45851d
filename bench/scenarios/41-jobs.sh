# bench/scenarios/41-jobs.sh - jobs (request → result) per second on the
# bus: synchronous round trips from one persistent client (window 1) and
# pipelined jobs (window 64), each job a trivial echo. ipctool: `req call
# --async --window W` to `req serve -- cat` (a fork and exec per job) and
# to `req serve --lines -- cat` (one long-running cat, a job per line)
# through the embedded broker; the peer: a libnats requester and
# responder through nats-server.
m=2000
[ -z "${QUICK:-}" ] || m=300
bus='tcp:127.0.0.1:$PORT'
# the embedded broker and one worker; $RUN_DIR/ready once a job went
# through; gives up (exit 1) as soon as the broker or the worker is gone
ipctool_side="\$IPCTOOL bus daemon --no-auth --listen $bus & d=\$!
	for i in \$(seq 200); do ss -Hltn \"sport = :\$PORT\" | grep -q . && break
	    kill -0 \$d || exit 1; sleep 0.05; done
	\$IPCTOOL req serve \$LINES --bus $bus bench.job -- cat & w=\$!
	for i in \$(seq 200); do
	    \$IPCTOOL req call --bus $bus --timeout 1s bench.job x >/dev/null 2>&1 &&
	        { echo ready >\$RUN_DIR/ready; break; }
	    kill -0 \$d && kill -0 \$w || exit 1; sleep 0.05; done
	wait"
nats_side="nats-server -a 127.0.0.1 -p \$PORT & d=\$!
	for i in \$(seq 200); do ss -Hltn \"sport = :\$PORT\" | grep -q . && break
	    kill -0 \$d || exit 1; sleep 0.05; done
	\$BENCH_BIN/natsbench serve nats://127.0.0.1:\$PORT bench.job >\$RUN_DIR/ready &
	wait"
for mode in fork lines; do
	for window in 1 64; do
		jobs=$m
		[ "$window" -eq 1 ] || jobs=$((m * 4))
		name=jobs-window-$window
		what="req serve -- cat"
		if [ "$mode" = lines ]; then
			jobs=$((jobs * 10))
			name=jobs-lines-window-$window
			what="req serve --lines -- cat"
		fi
		scenario "$name" jobs jobs/s higher \
		    "$what: $jobs jobs, window $window ($([ "$window" -eq 1 ] &&
		    echo synchronous || echo pipelined))" \
		    "≥ 1.0× libnats through nats-server" 1.0
		needs bus req
		contender ipctool "ipctool req" \
		    "seq $jobs | \$IPCTOOL req call --async --window $window --bus $bus bench.job >/dev/null" \
		    "LINES=$([ "$mode" = lines ] && echo --lines); $ipctool_side" \
		    '+file:$RUN_DIR/ready'
		contender peer "libnats + nats-server" \
		    "\$BENCH_BIN/natsbench req nats://127.0.0.1:\$PORT bench.job $jobs $window" \
		    "$nats_side" '+file:$RUN_DIR/ready'
		if [ "$mode" = lines ]; then
			note "one cat(1) answers every job, a line each; the" \
			    "libnats responder answers in-process."
		else
			note "each ipctool job runs cat(1) in the worker; the" \
			    "libnats responder answers in-process."
		fi
		run_rounds rate "$jobs"
	done
done
