#!/bin/bash
# bench/peers/brokerstat.sh - what a broker costs, for the bus scenarios:
# "cpu" runs the libnats pub/sub client (natsbench) against the broker
# listening on PORT and prints the user+system CPU time the broker used
# per million delivered messages, in seconds; "rss" holds N idle clients (CONNECT,
# PING, PONG, then nothing) and prints the broker's peak resident set in
# kB. The broker is whichever process listens on 127.0.0.1:PORT.
# Usage: brokerstat.sh cpu PORT N SUBS | brokerstat.sh rss PORT N
set -euo pipefail
mode=$1 port=$2 n=$3

# broker_pid: the pid of the process listening on $port
broker_pid() {
	ss -Hltnp "sport = :$port" | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -n1
}
pid=$(broker_pid)
[ -n "$pid" ] || { echo "brokerstat: nothing listens on port $port" >&2; exit 1; }

case $mode in
cpu)
	subs=$4
	# cpu_ns: the user+system time the broker's threads have run so far,
	# in nanoseconds: the scheduler's sum_exec_runtime, which the kernel
	# splits into the utime and stime getrusage(2) reports (their sum is
	# this, without the clock ticks' 10 ms grain)
	cpu_ns() { cat /proc/"$pid"/task/*/schedstat | awk '{ t += $1 } END { print t }'; }
	c0=$(cpu_ns)
	"$BENCH_BIN/natsbench" pubsub "nats://127.0.0.1:$port" "$n" "$subs" 32 \
	    >/dev/null
	c1=$(cpu_ns)
	# seconds per million deliveries
	awk -v t="$c1" -v u="$c0" -v m=$((n * subs)) \
	    'BEGIN { printf "%.4f\n", (t - u) / 1e9 / m * 1e6 }'
	;;
rss)
	ulimit -n 4096
	python3 - "$port" "$n" "$pid" <<'PY'
import socket, sys
port, n, pid = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
socks = []
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b'CONNECT {"verbose":false}\r\nPING\r\n')
    socks.append(s)
for s in socks:
    buf = b""
    while b"PONG" not in buf:
        got = s.recv(4096)
        if not got:
            sys.exit("brokerstat: the broker closed an idle client")
        buf += got
with open("/proc/%s/status" % pid) as f:
    for line in f:
        if line.startswith("VmHWM:"):
            print(line.split()[1])
PY
	;;
*)
	echo "brokerstat: unknown mode $mode" >&2
	exit 64
	;;
esac
