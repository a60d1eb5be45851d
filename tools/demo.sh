#!/bin/bash
# tools/demo.sh - the scripted tour: applets talking to each other, each
# step printed before it runs. One part per applet in tools/demo.d/,
# run when the applet is in the table (ipctool --list).
set -euo pipefail

: "${IPCTOOL:?set IPCTOOL to the ipctool binary}"
here=$(cd "$(dirname "$0")" && pwd)
DEMO_DIR=$(mktemp -d "${TMPDIR:-/tmp}/ipctool-demo.XXXXXX")
export IPCTOOL DEMO_DIR
demo_pids=()

cleanup() {
	local pid
	for pid in "${demo_pids[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$DEMO_DIR"
}
trap cleanup EXIT

# A PATH where the applets are commands of their own
mkdir "$DEMO_DIR/bin"
"$IPCTOOL" --install "$DEMO_DIR/bin"
ln -s "$IPCTOOL" "$DEMO_DIR/bin/ipctool"
export PATH="$DEMO_DIR/bin:$PATH"

# say TEXT: a heading
say() {
	printf '\n\033[1m== %s\033[0m\n' "$*"
}

# quote WORD...: the words as a shell reads them back, so that a printed
# command can be pasted: bare when only safe characters, else in single
# quotes (a ' inside becomes '\'')
quote() {
	local w out=() q="'"

	for w in "$@"; do
		if [[ $w =~ ^[A-Za-z0-9_@%+=:,./^-]+$ ]]; then
			out+=("$w")
		else
			out+=("$q${w//$q/$q\\$q$q}$q")
		fi
	done
	printf '%s' "${out[*]}"
}

# show CMD...: print the command, quoted as it could be typed, then run it
show() {
	printf '$ %s\n' "$(quote "$@")"
	"$@"
}

# bg CMD...: start CMD in the background, remembered for cleanup
bg() {
	"$@" &
	demo_pids+=($!)
}

# wait_for TEST...: poll (10 ms steps, 10 s at most) until TEST succeeds
wait_for() {
	local i
	for ((i = 0; i < 1000; i++)); do
		"$@" 2>/dev/null && return 0
		sleep 0.01
	done
	echo "demo: gave up waiting for: $*" >&2
	return 1
}

say "ipctool: one binary, one applet per IPC mechanism"
show ipctool --version
show ipctool --list

for part in "$here"/demo.d/*.sh; do
	[ -e "$part" ] || continue
	name=$(basename "$part" .sh)
	name=${name#[0-9][0-9]-}
	if ipctool --list | grep -qx -- "$name"; then
		# shellcheck source=/dev/null
		source "$part"
	fi
done

say "done"
