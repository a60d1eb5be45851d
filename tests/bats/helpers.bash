# tests/bats/helpers.bash - shared by every .bats file: the binary under
# test, background processes with readiness checks and cleanup, bounded
# waits (no fixed sleeps)

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file

: "${IPCTOOL:?set IPCTOOL to the ipctool binary (meson test does)}"
: "${IPCTOOL_SRCDIR:=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}"
export IPCTOOL IPCTOOL_SRCDIR
# A hang fails the test instead of stalling CI
export BATS_TEST_TIMEOUT="${BATS_TEST_TIMEOUT:-60}"

# ipctool: the binary under test, so tests read like the README
ipctool() {
	"$IPCTOOL" "$@"
}

# start_bg CMD...: start CMD in the background (fd 3 closed so bats does
# not wait for it), its stdout in $BATS_TEST_TMPDIR/bg.N.out and stderr in
# bg.N.err; sets BG_PID, BG_OUT, BG_ERR and records the pid for teardown
BG_PIDS=()
BG_N=0
start_bg() {
	# the binary itself, not the ipctool function in a subshell, so
	# that BG_PID is the applet's pid (kill and wait reach it)
	[ "$1" = ipctool ] && set -- "$IPCTOOL" "${@:2}"
	BG_N=$((BG_N + 1))
	BG_OUT="$BATS_TEST_TMPDIR/bg.$BG_N.out"
	BG_ERR="$BATS_TEST_TMPDIR/bg.$BG_N.err"
	"$@" >"$BG_OUT" 2>"$BG_ERR" 3>&- &
	BG_PID=$!
	BG_PIDS+=("$BG_PID")
}

# start_bg_in FILE CMD...: like start_bg with stdin from FILE
start_bg_in() {
	local in=$1
	shift
	[ "$1" = ipctool ] && set -- "$IPCTOOL" "${@:2}"
	BG_N=$((BG_N + 1))
	BG_OUT="$BATS_TEST_TMPDIR/bg.$BG_N.out"
	BG_ERR="$BATS_TEST_TMPDIR/bg.$BG_N.err"
	"$@" <"$in" >"$BG_OUT" 2>"$BG_ERR" 3>&- &
	BG_PID=$!
	BG_PIDS+=("$BG_PID")
}

# wait_until TIMEOUT_S CMD...: poll CMD every 10 ms until it succeeds;
# fails after TIMEOUT_S seconds
wait_until() {
	local limit=$(($1 * 100)) i=0
	shift
	until "$@" 2>/dev/null; do
		i=$((i + 1))
		if [ "$i" -ge "$limit" ]; then
			echo "wait_until: gave up after ${limit}0 ms: $*" >&2
			return 1
		fi
		sleep 0.01
	done
}

# wait_for_path PATH [TIMEOUT_S]: until PATH exists (file, fifo, socket)
wait_for_path() {
	wait_until "${2:-10}" test -e "$1"
}

# wait_for_line FILE REGEX [TIMEOUT_S]: until a line of FILE matches
wait_for_line() {
	wait_until "${3:-10}" grep -qE -- "$2" "$1"
}

# wait_for_count FILE REGEX N [TIMEOUT_S]: until at least N lines of FILE
# match (counted afresh at every poll)
wait_for_count() {
	wait_until "${4:-10}" count_at_least "$1" "$2" "$3"
}

count_at_least() {
	[ "$(grep -cE -- "$2" "$1")" -ge "$3" ]
}

# wait_for_port PORT [TIMEOUT_S]: until something listens on 127.0.0.1:PORT
wait_for_port() {
	wait_until "${2:-10}" port_listening "$1"
}

port_listening() {
	ss -Hltn "sport = :$1" | grep -q .
}

# wait_exit PID [TIMEOUT_S]: until PID has exited; sets WAIT_STATUS to its
# exit status (the process must be a child of this shell)
wait_exit() {
	local pid=$1 limit=$((${2:-10} * 100)) i=0
	while kill -0 "$pid" 2>/dev/null; do
		if ! [ -d "/proc/$pid" ] || grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; then
			break
		fi
		i=$((i + 1))
		if [ "$i" -ge "$limit" ]; then
			echo "wait_exit: $pid still running" >&2
			return 1
		fi
		sleep 0.01
	done
	WAIT_STATUS=0
	wait "$pid" || WAIT_STATUS=$?
}

# free_port: a TCP port the kernel has just handed out (for peers that
# cannot report the port they got)
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# complete_bash WORDS...: what the bash completion offers for the command
# line WORDS (the last one is the word being completed)
complete_bash() {
	(
		source "$IPCTOOL_SRCDIR/completions/ipctool.bash"
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		_ipctool
		printf '%s\n' "${COMPREPLY[@]}"
	)
}

# teardown: kill and reap every background process of the test
kill_bg() {
	local pid
	for pid in "${BG_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${BG_PIDS[@]}"; do
		local i=0
		while kill -0 "$pid" 2>/dev/null && [ $i -lt 200 ]; do
			if grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; then
				break
			fi
			sleep 0.01
			i=$((i + 1))
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	BG_PIDS=()
}

teardown() {
	kill_bg
}
