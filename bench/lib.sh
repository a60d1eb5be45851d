# bench/lib.sh - sourced by bench/run.sh to run one scenario file in a bash
# of its own: declare a scenario, its contenders (ipctool, the peers a user
# would pick instead, the near-limit references), then run them in
# alternating rounds and append every sample to $BENCH_RESULTS.
#
# Records (tab-separated lines of $BENCH_RESULTS, read by
# bench/mkreport.py):
#   S name group unit better title target goal_peer goal_ref   a scenario
#   V name role label round value      one sample
#   F name label reason                a contender that failed
#   K name reason                      ipctool skipped, and why
#   N name text                        a note for the report
#   E file reason                      (run.sh) a scenario file that stopped
#   C name curve xname x title         the scenario is point x of a curve
#
# Every command runs under timeout(1), which kills its whole process group;
# servers started in the background are remembered and killed on exit.

: "${IPCTOOL:?}" "${BENCH_RESULTS:?}" "${BENCH_BIN:?}" "${BENCH_TMP:?}"

# How long one run of one contender may take, in seconds
if [ -n "${QUICK:-}" ]; then
	: "${BENCH_RUN_LIMIT:=20}"
else
	: "${BENCH_RUN_LIMIT:=120}"
fi
ROUNDS=5
[ -n "${QUICK:-}" ] && ROUNDS=3

# Names the contender command lines use (they run in bash -c)
GEN="$BENCH_BIN/bstream gen"
SINK="$BENCH_BIN/bstream sink"
RELAY="$BENCH_BIN/relay"
export GEN SINK RELAY IPCTOOL BENCH_BIN

bench_pids=()

# bench_cleanup: kill the process group of every command we started (each
# runs under timeout(1), which leads a group of its own), and reap them;
# $BENCH_TMP/pgids lists them too, for run.sh should this bash be killed
bench_cleanup() {
	local pid
	for pid in "${bench_pids[@]}"; do
		kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	bench_pids=()
	: >"$BENCH_TMP/pgids"
}

# start CMDLINE STDERR: run CMDLINE with bash -c under timeout(1) in the
# background, remembered for cleanup, on CPU $PIN when PIN is set; sets
# STARTED to its pid
start() {
	timeout -k 2 "$BENCH_RUN_LIMIT" ${PIN:+taskset -c "$PIN"} \
	    bash -c "$1" </dev/null 2>"$2" &
	STARTED=$!
	bench_pids+=("$STARTED")
	echo "$STARTED" >>"$BENCH_TMP/pgids"
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

# say TEXT: progress on stderr
say() {
	printf 'bench: %s\n' "$*" >&2
}

# record FIELDS...: append one tab-separated record to the results, each
# field on one line and without tabs
record() {
	local f fields=()
	for f in "$@"; do
		f=${f//$'\t'/ }
		fields+=("${f//$'\n'/ }")
	done
	local IFS=$'\t'
	printf '%s\n' "${fields[*]}" >>"$BENCH_RESULTS"
}

# have_applet NAME: true when NAME is in `ipctool --list`
have_applet() {
	local list
	list=$("$IPCTOOL" --list 2>/dev/null) || return 1
	grep -qx -- "$1" <<<"$list"
}

# scenario NAME GROUP UNIT BETTER TITLE [TARGET [GOAL_PEER [GOAL_REF]]]:
# start a scenario; BETTER is "higher" or "lower"; TARGET is the goal in
# words; GOAL_PEER and GOAL_REF the least ratio of ipctool to the best peer
# and to the best reference that meets it (a ratio above 1 is ipctool
# doing better, whichever way BETTER points)
scenario() {
	SC_NAME=$1
	SC_SKIP=
	PIN=
	SC_ROLE=()
	SC_LABEL=()
	SC_CLIENT=()
	SC_SERVER=()
	SC_READY=()
	SC_FAILED=()
	SC_PARTS=()
	record S "$1" "$2" "$3" "$4" "$5" "${6:-}" "${7:-}" "${8:-}"
	say "scenario $1: $5"
}

# latency_scenario NAME TITLE [TARGET]: three scenarios in one,
# NAME-p50, NAME-p99 and NAME-p999 (the round trip's percentiles in µs,
# lower is better), filled by `run_rounds latency` from one run of each
# contender; its $OUT ends with one JSON line with p50_us, p99_us and
# p999_us (ipctool's --stats --json, the references' limits/lat.h)
latency_scenario() {
	local p
	scenario "$1-p50" latency µs lower "$2: p50" "${3:-}"
	for p in p99 p999; do
		record S "$1-$p" latency µs lower \
		    "$2: ${p/p999/p99.9}" "${3:-}"
	done
	SC_NAME=$1
	SC_PARTS=(p50 p99 p999)
}

# sc_record KIND FIELDS...: a record for the scenario, or for each of the
# three of a latency_scenario
sc_record() {
	local kind=$1 p
	shift
	if [ ${#SC_PARTS[@]} -eq 0 ]; then
		record "$kind" "$SC_NAME" "$@"
		return
	fi
	for p in "${SC_PARTS[@]}"; do
		record "$kind" "$SC_NAME-$p" "$@"
	done
}

# curve CURVE XNAME X TITLE [SCENARIO]: the scenario just declared (or
# SCENARIO) is the point X of the cost curve CURVE (XNAME: what X counts,
# e.g. subscribers), drawn in bench/curves.svg with the other points
curve() {
	record C "${5:-$SC_NAME}" "$1" "$2" "$3" "$4"
}

# side_scenario NAME GROUP UNIT BETTER TITLE: a scenario whose samples
# come from the runs of the current one: each line "NAME VALUE" that a
# run writes to $RUN_DIR/extra is a sample of NAME for the same contender
side_scenario() {
	record S "$1" "$2" "$3" "$4" "$5" "" "" ""
}

# needs APPLET...: skip the ipctool contenders unless every APPLET is built
needs() {
	local a
	for a in "$@"; do
		if ! have_applet "$a"; then
			SC_SKIP="applet $a is not built yet"
			sc_record K "$SC_SKIP"
			return 0
		fi
	done
}

# note TEXT: a line under the scenario in the report
note() {
	sc_record N "$*"
}

# contender ROLE LABEL CLIENT [SERVER READY]: one way of doing the job.
# ROLE is ipctool, peer or ref. CLIENT (and SERVER, started first in the
# background) are bash command lines; READY says when the server is up:
# unix:$VAR, tcp:$VAR, file:$VAR (a file that is not empty) or "-"
# (nothing to wait for, e.g. a FIFO reader). The run lasts until both
# have exited, unless READY starts with "+": then the server is a daemon,
# stopped (and not timed) once the client is done.
contender() {
	if [ "$1" = ipctool ] && [ -n "$SC_SKIP" ]; then
		return 0
	fi
	SC_ROLE+=("$1")
	SC_LABEL+=("$2")
	SC_CLIENT+=("$3")
	SC_SERVER+=("${4:-}")
	SC_READY+=("${5:--}")
	SC_FAILED+=(0)
}

# now_us: the wall clock in microseconds, without forking
now_us() {
	local t=$EPOCHREALTIME
	echo $((${t%.*} * 1000000 + 10#${t#*.}))
}

# listening ADDR: true when something listens on ADDR (unix:PATH, tcp:PORT)
listening() {
	case $1 in
	unix:*) ss -Hxl 2>/dev/null | grep -qF -- " ${1#unix:} " ;;
	tcp:*) ss -Hltn "sport = :${1#tcp:}" 2>/dev/null | grep -q . ;;
	file:*) test -s "${1#file:}" ;;
	*) return 0 ;;
	esac
}

# wait_ready ADDR PID: until ADDR listens (at most 10 s) while PID lives
wait_ready() {
	local i=0
	until listening "$1"; do
		kill -0 "$2" 2>/dev/null || return 1
		i=$((i + 1))
		[ "$i" -lt 1000 ] || return 1
		sleep 0.01
	done
}

# free_port: a TCP port on 127.0.0.1 that nobody holds right now
free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# fresh_env I: the per-run names the command lines of contender I may
# use: $SOCK (a UNIX socket path), $FIFO (a FIFO), $PORT (a free TCP port,
# looked for only when they mention it), $OUT (what the sink or a rate
# command printed), $RUN_DIR (a directory of the run's own)
fresh_env() {
	RUN_DIR=$(mktemp -d "$BENCH_TMP/run.XXXXXX")
	SOCK=$RUN_DIR/sock
	FIFO=$RUN_DIR/fifo
	OUT=$RUN_DIR/out
	PORT=
	if [[ ${SC_CLIENT[$1]}${SC_SERVER[$1]}${SC_READY[$1]} == *PORT* ]]; then
		PORT=$(free_port)
	fi
	mkfifo -m 0600 "$FIFO"
	export RUN_DIR SOCK FIFO OUT PORT
}

# run_once I: run contender I once; sets RUN_US to its elapsed
# microseconds, or fails with the reason in $RUN_DIR/why
run_once() {
	local i=$1 spid='' t0 t1 rc=0 src=0 ready daemon=''
	if [ -n "${SC_SERVER[$i]}" ]; then
		start "${SC_SERVER[$i]}" "$RUN_DIR/server.err"
		spid=$STARTED
		ready=$(eval "echo \"${SC_READY[$i]}\"")
		if [ "${ready#+}" != "$ready" ]; then
			daemon=1
			ready=${ready#+}
		fi
		if ! wait_ready "$ready" "$spid"; then
			echo "server not ready on $ready:" \
			    "$(head -c 300 "$RUN_DIR/server.err" | tr '\n' ' ')" \
			    >"$RUN_DIR/why"
			return 1
		fi
	fi
	t0=$(now_us)
	# in the background, so that a signal to this bash is handled at once
	start "${SC_CLIENT[$i]}" "$RUN_DIR/client.err"
	wait "$STARTED" || rc=$?
	if [ -n "$daemon" ]; then
		t1=$(now_us)
		kill -TERM -- "-$spid" 2>/dev/null || true
		wait "$spid" 2>/dev/null || true
	elif [ -n "$spid" ]; then
		wait "$spid" || src=$?
		[ "$rc" -ne 0 ] || rc=$src
		t1=$(now_us)
	else
		t1=$(now_us)
	fi
	# both reaped: nothing left to kill
	bench_pids=()
	: >"$BENCH_TMP/pgids"
	if [ "$rc" -ne 0 ]; then
		{
			printf 'exit %s' "$rc"
			[ "$rc" -ne 124 ] || printf ' (timed out after %ss)' "$BENCH_RUN_LIMIT"
			printf ': '
			cat "$RUN_DIR/client.err" "$RUN_DIR/server.err" 2>/dev/null |
			    head -c 300 | tr '\n' ' '
		} >"$RUN_DIR/why"
		return 1
	fi
	RUN_US=$((t1 - t0))
}

# value_of KIND ARG: sets RUN_V to the sample of the run just made. KIND
# stream: ARG bytes were to reach the sink ($OUT holds its count), the
# value is GiB/s; KIND printed: the number the command wrote last to $OUT;
# KIND rate: ARG operations per second of elapsed time; KIND latency:
# "P50 P99 P999" from the JSON line the command wrote last to $OUT
value_of() {
	local got
	got=$(tail -n 1 "$OUT" 2>/dev/null || true)
	case $1 in
	stream)
		if [ "$got" != "$2" ]; then
			echo "sink got ${got:-nothing}, not $2 bytes" >"$RUN_DIR/why"
			return 1
		fi
		RUN_V=$(awk -v b="$2" -v us="$RUN_US" \
		    'BEGIN { printf "%.4f", b / (us / 1e6) / 1073741824 }')
		;;
	printed)
		if ! [[ $got =~ ^[0-9.]+$ ]]; then
			echo "printed '${got}', not a number" >"$RUN_DIR/why"
			return 1
		fi
		RUN_V=$got
		;;
	rate)
		RUN_V=$(awk -v n="$2" -v us="$RUN_US" \
		    'BEGIN { printf "%.1f", n / (us / 1e6) }')
		;;
	latency)
		# both writers put the keys in this order; sed, not a
		# python3 start per run
		RUN_V=$(sed -n 's/^{.*"p50_us":\([0-9.]*\),.*"p99_us":\([0-9.]*\),.*"p999_us":\([0-9.]*\)[,}].*/\1 \2 \3/p' <<<"$got")
		if ! [[ $RUN_V =~ ^[0-9.]+\ [0-9.]+\ [0-9.]+$ ]]; then
			echo "printed '${got:0:200}', not the percentiles" \
			    >"$RUN_DIR/why"
			return 1
		fi
		;;
	esac
}

# record_extra I ROUND: the side samples contender I's run wrote
record_extra() {
	local name value
	[ -s "$RUN_DIR/extra" ] || return 0
	while read -r name value; do
		[[ $value =~ ^[0-9.]+$ ]] || continue
		record V "$name" "${SC_ROLE[$1]}" "${SC_LABEL[$1]}" "$2" "$value"
	done <"$RUN_DIR/extra"
}

# run_rounds KIND [ARG]: every contender once per round, $ROUNDS rounds,
# the order reversed every other round; a contender that fails once is
# recorded with the reason and left out of the later rounds
run_rounds() {
	local kind=$1 arg=${2:-} r i k n=${#SC_ROLE[@]} order vals
	for ((r = 1; r <= ROUNDS; r++)); do
		if ((r % 2)); then
			order=$(seq 0 $((n - 1)))
		else
			order=$(seq $((n - 1)) -1 0)
		fi
		for i in $order; do
			[ "${SC_FAILED[$i]}" -eq 0 ] || continue
			fresh_env "$i"
			if run_once "$i" && value_of "$kind" "$arg"; then
				read -r -a vals <<<"$RUN_V"
				for k in "${!vals[@]}"; do
					record V "$SC_NAME${SC_PARTS[k]:+-${SC_PARTS[k]}}" \
					    "${SC_ROLE[$i]}" "${SC_LABEL[$i]}" "$r" \
					    "${vals[k]}"
				done
				record_extra "$i" "$r"
			else
				SC_FAILED[i]=1
				sc_record F "${SC_LABEL[$i]}" "$(cat "$RUN_DIR/why")"
				say "  ${SC_LABEL[$i]}: failed: $(cat "$RUN_DIR/why")"
			fi
			bench_cleanup
			rm -rf "$RUN_DIR"
		done
	done
}

# nats_responder SUBJECT: the server command line (for contender) of a
# libnats responder on SUBJECT through a nats-server on $PORT, ready
# (+file:$RUN_DIR/ready) once the responder has subscribed
nats_responder() {
	printf '%s' "nats-server -a 127.0.0.1 -p \$PORT & d=\$!
	for i in \$(seq 200); do ss -Hltn \"sport = :\$PORT\" | grep -q . && break
	    kill -0 \$d || exit 1; sleep 0.05; done
	\$BENCH_BIN/natsbench serve nats://127.0.0.1:\$PORT $1 >\$RUN_DIR/ready &
	wait"
}

# spawn_us CMDLINE: exec CMDLINE (no shell) many times with hyperfine and
# write the median in microseconds to $OUT
spawn_us() {
	hyperfine -N --style none -w 5 -r "$SPAWN_RUNS" \
	    --export-csv "$RUN_DIR/hyperfine.csv" -- "$1" >/dev/null
	# command,mean,stddev,median,...: the command has no comma here
	awk -F, 'NR == 2 { printf "%.1f\n", $4 * 1e6 }' \
	    "$RUN_DIR/hyperfine.csv" >"$OUT"
}
SPAWN_RUNS=300
[ -z "${QUICK:-}" ] || SPAWN_RUNS=100
export SPAWN_RUNS
export -f spawn_us

# stream_bytes: how much a stream scenario moves: 2 GiB, 256 MiB when quick
stream_bytes() {
	if [ -n "${QUICK:-}" ]; then
		echo $((256 << 20))
	else
		echo $((2 << 30))
	fi
}
