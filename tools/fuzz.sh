#!/bin/sh
# tools/fuzz.sh BUILDDIR SECONDS - run every libFuzzer target built in
# BUILDDIR/tests/fuzz (meson -Dfuzzing=true, see make fuzz) for SECONDS
# each, starting from its committed seed corpus tests/fuzz/corpus/NAME.
# New inputs go to BUILDDIR/fuzz-corpus/NAME (not committed: copy the ones
# worth keeping, and every crash once fixed, into the seed corpus), crashes
# to BUILDDIR/fuzz-artifacts/, logs to BUILDDIR/fuzz-logs/NAME.log.
# Prints executions and coverage per target; fails if any target crashed.
set -u

build=${1:?usage: tools/fuzz.sh BUILDDIR SECONDS}
secs=${2:-60}
src=$(cd "$(dirname "$0")/.." && pwd)
status=0

mkdir -p "$build/fuzz-artifacts" "$build/fuzz-logs"
printf '%-8s %10s %8s %6s %7s  %s\n' target execs exec/s cov ft result
for exe in "$build"/tests/fuzz/fuzz-*; do
	[ -x "$exe" ] || continue
	case $exe in *.p) continue ;; esac
	name=${exe##*/fuzz-}
	corpus="$build/fuzz-corpus/$name"
	log="$build/fuzz-logs/$name.log"
	mkdir -p "$corpus"
	"$exe" -max_total_time="$secs" -print_final_stats=1 -timeout=10 \
	    -rss_limit_mb=1024 -max_len=8192 \
	    -artifact_prefix="$build/fuzz-artifacts/$name-" \
	    "$corpus" "$src/tests/fuzz/corpus/$name" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
	cov=$(printf '%s\n' "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(printf '%s\n' "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	if [ "$rc" -eq 0 ]; then
		result=ok
	else
		result="CRASH (exit $rc, see $log)"
		status=1
	fi
	printf '%-8s %10s %8s %6s %7s  %s\n' "$name" "${execs:-?}" \
	    "${speed:-?}" "${cov:-?}" "${ft:-?}" "$result"
done
exit $status
