#!/bin/bash
# bench/sig/run.sh - 100,000 real-time signals with values from one
# "sig send --value 0 --count N" into "sig wait --count N": all must
# arrive, in order; the rate is printed next to the minimal C pair
# (bench/sig/rt_pair.c: sigwaitinfo, and signalfd in batches) measured
# alternately in the same run. Then SYNC_N acknowledged signals ("sig send
# --sync" into "sig wait --ack") against a C sigqueue/sigwaitinfo
# ping-pong. Medians of RUNS runs (3 with QUICK=1).
#
# usage: IPCTOOL=build/ipctool bench/sig/run.sh
# env:   N (100000), SYNC_N (10000), RUNS (5), QUICK, CC (cc),
#        BENCH_JSON (append JSON lines with the figures to this file)
set -euo pipefail

: "${IPCTOOL:?set IPCTOOL to the ipctool binary}"
here=$(cd "$(dirname "$0")" && pwd)
N=${N:-100000}
SYNC_N=${SYNC_N:-10000}
RUNS=${RUNS:-5}
[ -n "${QUICK:-}" ] && RUNS=3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ipctool-bench-sig.XXXXXX")
recv_pid=

cleanup() {
	if [ -n "$recv_pid" ]; then
		kill "$recv_pid" 2>/dev/null || true
		wait "$recv_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

"${CC:-cc}" -O2 -o "$tmp/rt_pair" "$here/rt_pair.c"

# now_ns: nanoseconds on the wall clock (date(1), enough for 100 ms+)
now_ns() {
	date +%s%N
}

# start_receiver ARGS...: "sig wait ARGS --pidfile" in the background,
# ready when it returns
start_receiver() {
	local i=0
	pf="$tmp/recv.pid"
	rm -f "$pf"
	"$IPCTOOL" sig wait "$@" --timeout 120s --pidfile "$pf" RTMIN \
	    >"$tmp/recv.out" &
	recv_pid=$!
	until [ -e "$pf" ]; do
		i=$((i + 1))
		[ "$i" -lt 1000 ] || { echo "bench sig: receiver not ready" >&2; return 1; }
		sleep 0.01
	done
}

# check_order N: every value 0..N-1 arrived, once, in order
check_order() {
	awk -v n="$1" '
		{ v = $4; sub("value=", "", v); if (v != NR - 1) { print "bench sig: line " NR ": " $0 > "/dev/stderr"; exit 1 } }
		END { if (NR != n) { print "bench sig: " NR " of " n " signals" > "/dev/stderr"; exit 1 } }
	' "$tmp/recv.out"
}

# run_ipctool [--sync]: one run; prints the seconds, fails on a lost or
# misordered signal
run_ipctool() {
	local n=$N t0 t1 ack=
	if [ "${1:-}" = --sync ]; then
		n=$SYNC_N
		ack=--ack
	fi
	start_receiver --count "$n" $ack
	t0=$(now_ns)
	"$IPCTOOL" sig send ${1:-} -s RTMIN --value 0 --count "$n" \
	    --timeout 60s --pidfile "$pf"
	wait "$recv_pid"
	t1=$(now_ns)
	recv_pid=
	check_order "$n"
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", (b - a) / 1e9 }'
}

# run_c MODE: one run of the C pair; prints the seconds
run_c() {
	"$tmp/rt_pair" "$1" "${2:-$N}" | awk '{ print $2 }'
}

# median: the median of the numbers on stdin
median() {
	sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

for f in ipctool sigwaitinfo signalfd ipctool-sync pingpong; do
	: >"$tmp/$f"
done
for ((r = 1; r <= RUNS; r++)); do
	run_ipctool >>"$tmp/ipctool"
	run_c sigwaitinfo >>"$tmp/sigwaitinfo"
	run_c signalfd >>"$tmp/signalfd"
	run_ipctool --sync >>"$tmp/ipctool-sync"
	run_c pingpong "$SYNC_N" >>"$tmp/pingpong"
done

ti=$(median <"$tmp/ipctool")
tw=$(median <"$tmp/sigwaitinfo")
tf=$(median <"$tmp/signalfd")
ts=$(median <"$tmp/ipctool-sync")
tp=$(median <"$tmp/pingpong")
rate() { awk -v n="${2:-$N}" -v t="$1" 'BEGIN { printf "%.0f", n / t }'; }
ri=$(rate "$ti")
rw=$(rate "$tw")
rf=$(rate "$tf")
rs=$(rate "$ts" "$SYNC_N")
rp=$(rate "$tp" "$SYNC_N")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo "sig: $N real-time signals with values, sender to receiver, all in order"
echo "(median of $RUNS runs, signals per second; $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg))"
echo
echo "| sender -> receiver | signals/s | seconds | ipctool ratio |"
echo "| --- | ---: | ---: | ---: |"
echo "| ipctool sig send -> ipctool sig wait | $ri | $ti | 1.00 |"
echo "| C sigqueue -> C sigwaitinfo | $rw | $tw | $(ratio "$ri" "$rw") |"
echo "| C sigqueue -> C signalfd, 64 per read | $rf | $tf | $(ratio "$ri" "$rf") |"
echo
echo "sig: $SYNC_N acknowledged signals (send --sync, wait --ack), one at a time"
echo
echo "| sender <-> receiver | round trips/s | seconds | ipctool ratio |"
echo "| --- | ---: | ---: | ---: |"
echo "| ipctool sig send --sync <-> ipctool sig wait --ack | $rs | $ts | 1.00 |"
echo "| C sigqueue/sigwaitinfo ping-pong | $rp | $tp | $(ratio "$rs" "$rp") |"
if [ -n "${BENCH_JSON:-}" ]; then
	printf '{"scenario":"sig-rt-%s","unit":"signals/s","ipctool":%s,"c_sigwaitinfo":%s,"c_signalfd":%s,"runs":%s}\n' \
	    "$N" "$ri" "$rw" "$rf" "$RUNS" >>"$BENCH_JSON"
	printf '{"scenario":"sig-sync-%s","unit":"round trips/s","ipctool":%s,"c_pingpong":%s,"runs":%s}\n' \
	    "$SYNC_N" "$rs" "$rp" "$RUNS" >>"$BENCH_JSON"
fi
