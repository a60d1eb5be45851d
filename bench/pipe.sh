#!/bin/bash
# bench/pipe.sh - throughput of ipctool pipe next to what a user would
# type instead: a shell pipeline of cat, and tee(1) with a process
# substitution. Each row moves the same bytes from /dev/zero to wc -c;
# the best of three runs is shown. QUICK=1 moves 256 MiB instead of 4 GiB.
set -euo pipefail

: "${IPCTOOL:?set IPCTOOL to the ipctool binary}"
size=4G
[ -n "${QUICK:-}" ] && size=256M
bytes=$(numfmt --from=iec "$size")

# best SECONDS... : the smallest of the arguments
best() {
	printf '%s\n' "$@" | sort -g | head -n1
}

# timed CMD: run CMD (a bash string) three times; print the best seconds
timed() {
	local runs=() t0 t1
	for _ in 1 2 3; do
		t0=$(date +%s.%N)
		bash -c "$1" >/dev/null 2>&1
		t1=$(date +%s.%N)
		runs+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')")
	done
	best "${runs[@]}"
}

# row NAME CMD: one line of the table
row() {
	local s
	s=$(timed "$2")
	printf '%-44s %8.3f s %9.1f MiB/s\n' "$1" "$s" \
	    "$(awk -v b="$bytes" -v s="$s" 'BEGIN { print b / 1048576 / s }')"
}

export IPCTOOL
echo "pipe: $size from /dev/zero, best of 3"
row "sh: head | cat | wc -c" \
    "head -c $size /dev/zero | cat | wc -c"
row "ipctool pipe head :: cat :: wc -c" \
    "\$IPCTOOL pipe head -c $size /dev/zero :: cat :: wc -c"
row "ipctool pipe --progress (splice relay)" \
    "\$IPCTOOL pipe --progress head -c $size /dev/zero :: cat :: wc -c"
row "ipctool pipe --stats (tee + read, counts)" \
    "\$IPCTOOL pipe --stats head -c $size /dev/zero :: cat :: wc -c"
row "sh: head | tee >(wc -c) | wc -c" \
    "head -c $size /dev/zero | tee >(wc -c >/dev/null) | wc -c"
row "ipctool pipe --fan-out head :: wc :: wc" \
    "\$IPCTOOL pipe --fan-out head -c $size /dev/zero :: wc -c :: wc -c"
