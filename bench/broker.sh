#!/bin/sh
# bench/broker.sh - the embedded broker (tests/bus/brokerd) next to
# nats-server, same libnats clients, same run: messages per second for one
# publisher to 1 and to 4 subscribers (32-byte messages), the CPU time each
# broker spent, and peak RSS with 1,000 idle clients.
# Usage: bench/broker.sh [BUILDDIR] [MESSAGES] [ROUNDS]
set -eu
B=${1:-build}/tests
N=${2:-1000000}
R=${3:-3}
T=$(mktemp -d)
trap 'kill $PIDS 2>/dev/null; rm -rf "$T"' EXIT
PIDS=
ulimit -n 4096

"$B/brokerd" --no-auth --addr-file "$T/addr" tcp:0 2>/dev/null &
PIDS="$PIDS $!"; OURS=$!
while [ ! -s "$T/addr" ]; do sleep 0.05; done
OURS_URL="nats://127.0.0.1:$(sed 's/.*://' "$T/addr")"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
nats-server -a 127.0.0.1 -p "$PORT" >/dev/null 2>&1 &
PIDS="$PIDS $!"; THEIRS=$!
THEIRS_URL="nats://127.0.0.1:$PORT"
while ! ss -Hltn "sport = :$PORT" | grep -q .; do sleep 0.05; done

# cpu PID: user+system clock ticks so far
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# 1,000 idle clients: CONNECT, PING, PONG, then nothing
idle() {
	python3 - "$1" <<'PY'
import socket, sys
host, port = sys.argv[1].rsplit(":", 1)
socks = []
for i in range(1000):
    s = socket.create_connection(("127.0.0.1", int(port)))
    s.sendall(b'CONNECT {"verbose":false}\r\nPING\r\n')
    socks.append(s)
for s in socks:
    buf = b""
    while b"PONG" not in buf:
        buf += s.recv(4096)
print("idle clients:", len(socks))
sys.stdout.flush()
sys.stdin.read()
PY
}
for name in ipctool nats-server; do
	if [ $name = ipctool ]; then url=$OURS_URL pid=$OURS
	else url=$THEIRS_URL pid=$THEIRS; fi
	before=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
	mkfifo "$T/hold.$name"
	idle "${url#nats://}" <"$T/hold.$name" >"$T/idle.$name" &
	ipid=$!
	exec 7>"$T/hold.$name"
	while ! grep -q 'idle clients' "$T/idle.$name"; do sleep 0.1; done
	echo "$name peak RSS with 1000 idle clients: $(awk '/VmHWM/ {print $2}' /proc/$pid/status) kB (before: $before kB; current $(awk '/VmRSS/ {print $2}' /proc/$pid/status) kB)"
	exec 7>&-
	wait $ipid
done

for subs in 1 4; do
	i=0
	while [ $i -lt "$R" ]; do
		for name in ipctool nats-server; do
			if [ $name = ipctool ]; then url=$OURS_URL pid=$OURS
			else url=$THEIRS_URL pid=$THEIRS; fi
			c0=$(cpu $pid)
			out=$("$B/interop/nats_bench" "$url" "" $subs "$N" 32)
			c1=$(cpu $pid)
			rate=$(echo "$out" | sed 's/.*delivered \([0-9]*\) msgs.*/\1/')
			echo "$name subs=$subs delivered/s/sub=$rate broker_cpu_s=$(echo "scale=2; ($c1 - $c0) / $(getconf CLK_TCK)" | bc)"
		done
		i=$((i + 1))
	done
done

