# bench/scenarios/33-sock-curves.sh - how an echo server's cost grows with
# its clients (1, 100, 1,000, 10,000): round trips per second of 32-byte
# messages, each client with one in flight (bench/peers/conns.c, one
# process, epoll), and the server's memory per client while all are
# connected (Pss of its process tree, bench/peers/rss.sh).
# `sock-server --echo` next to the servers a user would start instead:
# socat fork (a process per client) and ncat -k -e cat (a process per
# client and a cat each); socat stops at 1,000 clients (100 when quick),
# ncat, whose two processes a client take minutes at 1,000, at 100. Curve points
# run 3 rounds (1 when quick).
ROUNDS=3
[ -z "${QUICK:-}" ] || ROUNDS=1
total=50000
[ -z "${QUICK:-}" ] || total=20000
clients="1 100 1000 10000" forks=1000
[ -z "${QUICK:-}" ] || { clients="1 100"; forks=100; }
for n in $clients; do
	rss=sock-echo-rss-$n
	scenario "sock-echo-$n" curves msg/s higher \
	    "sock-server --echo: $n client(s), $total round trips of 32 B"
	needs sock-server
	curve sock-echo clients "$n" \
	    "echo server: round trips/s by clients (32 B, one in flight each)"
	side_scenario "$rss" curves kB lower \
	    "sock-server --echo: server memory (Pss) per client, $n client(s)"
	curve sock-echo-rss clients "$n" \
	    "echo server: memory per connected client (kB)" "$rss"
	client="\$BENCH_BIN/conncost.sh echo \$PORT $n $total 32 $rss \$RUN_DIR/extra >\$OUT"
	contender ipctool "ipctool sock-server --echo" "$client" \
	    "exec \$IPCTOOL sock-server --echo tcp:127.0.0.1:\$PORT" '+tcp:$PORT'
	if [ "$n" -le "$forks" ]; then
		contender peer "socat fork" "$client" \
		    "exec socat TCP-LISTEN:\$PORT,bind=127.0.0.1,fork,reuseaddr,backlog=4096 PIPE" \
		    '+tcp:$PORT'
	fi
	if [ "$n" -le 100 ]; then
		contender peer "ncat -k -e cat" "$client" \
		    "exec ncat -l -k --max-conns 20000 127.0.0.1 \$PORT -e /bin/cat" \
		    '+tcp:$PORT'
	fi
	if [ "$n" -gt "$forks" ]; then
		note "socat fork is not run at $n clients: $n processes on a" \
		    "2-core machine."
	fi
	note "ncat --broker is no echo server (it passes each client's" \
	    "bytes to the other clients), so ncat -k -e cat stands for ncat."
	run_rounds printed
done
