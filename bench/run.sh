#!/bin/bash
# bench/run.sh - `make bench`: build the near-limit references, run every
# scenario in bench/scenarios/ (or those named on the command line, by
# file name without .sh), and write bench/report.md, bench/report.json
# and bench/report.svg. QUICK=1 shrinks sizes and rounds to stay under two
# minutes. Each scenario runs in a bash of its own under a time limit; all
# processes and temporary files are gone when this script ends, however
# it ends.
set -euo pipefail

: "${IPCTOOL:?set IPCTOOL to the ipctool binary (make bench does)}"
case ${QUICK:-} in
"" | 0 | no | false) QUICK= ;;
*) QUICK=1 ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
IPCTOOL=$(cd "$(dirname "$IPCTOOL")" && pwd)/$(basename "$IPCTOOL")
# A whole scenario file may take at most this long, in seconds
if [ -n "$QUICK" ]; then
	: "${BENCH_SCENARIO_LIMIT:=60}"
else
	: "${BENCH_SCENARIO_LIMIT:=900}"
fi

BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/ipctool-bench.XXXXXX")
BENCH_BIN=$BENCH_TMP/bin
BENCH_RESULTS=$BENCH_TMP/results.tsv
export IPCTOOL QUICK BENCH_TMP BENCH_BIN BENCH_RESULTS
scenario_pid=

# cleanup: end the running scenario and whatever it started (lib.sh lists
# the process groups of its commands in $BENCH_TMP/pgids), then remove
# every temporary file
cleanup() {
	local pg
	if [ -n "$scenario_pid" ]; then
		kill -TERM -- "-$scenario_pid" 2>/dev/null || true
		wait "$scenario_pid" 2>/dev/null || true
	fi
	if [ -f "$BENCH_TMP/pgids" ]; then
		while read -r pg; do
			kill -KILL -- "-$pg" 2>/dev/null || true
		done <"$BENCH_TMP/pgids"
	fi
	rm -rf "$BENCH_TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ -x "$IPCTOOL" ] || { echo "bench: no binary at $IPCTOOL" >&2; exit 1; }
for tool in cc pkg-config python3 timeout taskset ss socat nc ncat pv \
    hyperfine busybox nats-server mosquitto mosquitto_pub mosquitto_sub \
    parallel xargs; do
	if ! command -v "$tool" >/dev/null; then
		echo "bench: $tool is missing (make deps installs it)" >&2
		exit 1
	fi
done

# The references and the peers' C clients, built the way the project
# builds C (natsbench links the Debian libnats)
mkdir "$BENCH_BIN"
for src in "$here"/limits/*.c "$here"/peers/*.c; do
	libs=
	case $src in
	*/natsbench.c) libs=$(pkg-config --libs libnats) ;;
	esac
	# shellcheck disable=SC2086
	cc -O2 -std=gnu17 -D_GNU_SOURCE -Wall -Wextra -Werror \
	    -Wno-unused-parameter -o "$BENCH_BIN/$(basename "$src" .c)" \
	    "$src" $libs
done
cp "$here"/peers/*.sh "$BENCH_BIN"/
: >"$BENCH_RESULTS"

started=$(date +%s)
for file in "$here"/scenarios/*.sh; do
	name=$(basename "$file" .sh)
	if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx -- "$name"; then
		continue
	fi
	# setsid: the scenario and all it starts form one process group that
	# cleanup can kill; timeout bounds the whole file
	setsid timeout -k 5 "$BENCH_SCENARIO_LIMIT" \
	    bash -euo pipefail -c 'source "$1"; source "$2"' bench \
	    "$here/lib.sh" "$file" &
	scenario_pid=$!
	rc=0
	t0=$(date +%s)
	wait "$scenario_pid" || rc=$?
	scenario_pid=
	echo "bench: $name took $(($(date +%s) - t0)) s" >&2
	if [ "$rc" -ne 0 ]; then
		echo "bench: $name stopped with exit $rc" >&2
		printf 'E\t%s\t%s\n' "$name" "scenario file exited $rc" \
		    >>"$BENCH_RESULTS"
	fi
done

# The raw samples too: `bench/mkreport.py bench/report.tsv bench/report`
# writes the report again from them
cp "$BENCH_RESULTS" "$here/report.tsv"
python3 "$here/mkreport.py" "$BENCH_RESULTS" "$here/report" \
    --ipctool "$IPCTOOL" --quick "${QUICK:-0}" \
    --seconds "$(($(date +%s) - started))"
echo "bench: wrote bench/report.md, bench/report.json, bench/report.svg" \
    "in $(($(date +%s) - started)) s" >&2
