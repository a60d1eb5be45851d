#!/bin/sh
# tests/valgrind/dispatch.sh IPCTOOL - a representative set of dispatch
# commands under valgrind (make check-valgrind): the multi-call binary's
# own options, usage errors, --install and the symlinks it makes, and for
# every applet in --list its --help, --version, --complete-words and an
# unknown option. Each must exit with its documented status; valgrind
# reporting a memory error or a leak makes it exit 99 instead.
set -u

bin=${1:?usage: tests/valgrind/dispatch.sh IPCTOOL}
: "${VALGRIND:=valgrind --leak-check=full --error-exitcode=99 --quiet}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ipctool-valgrind.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0
runs=0

# expect STATUS CMD...: run CMD under valgrind, output to a log
expect() {
	want=$1
	shift
	runs=$((runs + 1))
	# shellcheck disable=SC2086
	$VALGRIND "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	got=$?
	if [ "$got" -ne "$want" ]; then
		fails=$((fails + 1))
		echo "FAIL: $* exited $got, want $want"
		sed 's/^/  | /' "$tmp/err"
	else
		echo "ok: $* ($got)"
	fi
}

expect 0 "$bin" --version
expect 0 "$bin" --help
expect 0 "$bin" -h
expect 0 "$bin" --list
expect 0 "$bin" help
expect 64 "$bin"
expect 64 "$bin" frobnicate
expect 64 "$bin" --frob
expect 64 "$bin" help nope
expect 64 "$bin" --install
expect 1 "$bin" --install "$tmp/missing"
mkdir "$tmp/bin"
expect 0 "$bin" --install "$tmp/bin"
expect 0 "$bin" --install "$tmp/bin" --force
# stdout that cannot be written: the exit-time check fails
runs=$((runs + 1))
# shellcheck disable=SC2086
$VALGRIND "$bin" --help >/dev/full 2>"$tmp/err"
got=$?
if [ "$got" -ne 1 ]; then
	fails=$((fails + 1))
	echo "FAIL: $bin --help >/dev/full exited $got, want 1"
	sed 's/^/  | /' "$tmp/err"
else
	echo "ok: $bin --help >/dev/full ($got)"
fi
for a in $("$bin" --list); do
	expect 0 "$bin" "$a" --help
	expect 0 "$bin" "$a" --version
	expect 0 "$bin" "$a" --complete-words
	expect 0 "$bin" help "$a"
	expect 64 "$bin" "$a" --no-such-option
	expect 0 "$tmp/bin/$a" --help
done

echo "dispatch under valgrind: $runs commands, $fails failed"
[ "$fails" -eq 0 ]
