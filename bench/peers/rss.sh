#!/bin/bash
# bench/peers/rss.sh - the memory a server holds: the proportional set
# size (Pss, shared pages split among their users, so a forking server's
# children are not counted many times over) of the process listening on
# 127.0.0.1:PORT and all its descendants, in kB.
# Usage: rss.sh PORT
set -euo pipefail
port=$1
pid=$(ss -Hltnp "sport = :$port" | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -n1)
[ -n "$pid" ] || { echo "rss: nothing listens on port $port" >&2; exit 1; }
# the listener's descendants, from every process's parent
pids=$(ps -e -o pid=,ppid= | awk -v root="$pid" '
	{ parent[$1] = $2 }
	END {
		tree[root] = 1; grew = 1
		while (grew) {
			grew = 0
			for (p in parent)
				if (!(p in tree) && (parent[p] in tree)) { tree[p] = 1; grew = 1 }
		}
		for (p in tree) print p
	}')
total=0
for p in $pids; do
	kb=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null || true)
	total=$((total + ${kb:-0}))
done
echo "$total"
