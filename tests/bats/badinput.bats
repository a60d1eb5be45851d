#!/usr/bin/env bats
# badinput.bats - the bad input matrix: every applet run with
# malformed arguments (bad numbers, addresses, signals, durations, sizes,
# missing operands, unknown flags, over-long paths, empty strings,
# non-UTF-8 bytes). Each case must give its documented exit status, exactly
# one line on stderr naming the applet, nothing on stdout, no core dump, no
# file left behind and no process left running.

load helpers.bash

LONG=/$(head -c 300 /dev/zero | tr '\0' a)
NONUTF=$(printf '\xff\xfe')

# The matrix: "STATUS|ARG|ARG|..." (| separates arguments, so that empty
# strings and blanks survive)
CASES=(
	"64|sig"
	"64|sig|--bogus"
	"64|sig|"
	"64|sig|$NONUTF"
	"64|sig|send|-s|FOO|1"
	"64|sig|send|-s|$NONUTF|1"
	"64|sig|send|--value|abc|1"
	"64|sig|send|99999999999"
	"64|sig|send|"
	"64|sig|send|-t|5x|1"
	"64|sig|wait"
	"64|sig|wait|FOO"
	"64|sig|wait|--count|-1|USR1"
	"64|sig|trap|USR1"
	"64|pipe"
	"64|pipe|--bogus"
	"64|pipe|::"
	"64|pipe|cat|::"
	"64|pipe|--size|0|cat"
	"64|pipe|--size|abc|cat"
	"64|pipe|-t|1x|cat"
	"64|pipe|--cycle|cat"
	"127|pipe|$NONUTF"
	"127|pipe|"
	"64|fifo"
	"64|fifo|--bogus"
	"64|fifo|"
	"64|fifo|$NONUTF"
	"64|fifo|make"
	"1|fifo|make|$LONG/x"
	"1|fifo|make|"
	"64|fifo|make|f|--mode|999"
	"64|fifo|send"
	"64|fifo|recv"
	"1|fifo|send|nonexistent/x|hi"
	"64|fifo|recv|-c|abc|f"
	"64|sock-server"
	"64|sock-server|--bogus"
	"64|sock-server|"
	"64|sock-server|$NONUTF"
	"64|sock-server|tcp:70000"
	"64|sock-server|unix:$LONG"
	"64|sock-server|foo:bar"
	"64|sock-server|--max-clients|-1|tcp:0"
	"127|sock-server|tcp:0|--|/nonexistent/cmd"
	"64|sock-client"
	"64|sock-client|--bogus"
	"64|sock-client|"
	"64|sock-client|$NONUTF"
	"64|sock-client|tcp:70000"
	"64|sock-client|tcp:"
	"64|sock-client|tcp:[::1"
	"64|sock-client|-t|abc|tcp:1"
	"64|bus"
	"64|bus|--bogus"
	"64|bus|"
	"64|bus|$NONUTF"
	"64|bus|pub"
	"64|bus|sub"
	"64|bus|pub|a b|x"
	"64|bus|pub|a.*|x"
	"64|bus|sub|a..b"
	"64|bus|sub|--bus|tcp:70000|x"
	"64|bus|daemon|--listen|foo:bar"
	"64|bus|daemon|--max-payload|1T"
	"64|req"
	"64|req|--bogus"
	"64|req|"
	"64|req|call"
	"64|req|call|x y|z"
	"64|req|serve|x"
	"64|req|serve|x|--"
	"64|req|serve|a..b|--|cat"
	"64|req|serve|-j|0|x|--|cat"
	"64|req|call|--async|--window|0|x"
	"64|req|call|--bus|foo:bar|x|y"
)

@test "bad input matrix: documented status, one stderr line, nothing left behind" {
	local work="$BATS_TEST_TMPDIR/work" case want applet tried=0
	local -a args
	mkdir "$work"
	for case in "${CASES[@]}"; do
		IFS='|' read -r -a args <<<"$case"
		# read drops a trailing empty field: put it back
		[[ $case == *"|" ]] && args+=("")
		want=${args[0]}
		args=("${args[@]:1}")
		applet=${args[0]}
		# in a session of its own, so that anything it left running is
		# found; in an empty directory, so that any file it left is too
		run "-$want" --separate-stderr bash -c '
			cd "$1" && shift
			exec setsid -w bash -c "echo \$\$ >../sid; exec \"\$@\" </dev/null" _ "$@"
		' _ "$work" "$IPCTOOL" "${args[@]}"
		[ "$output" = "" ] ||
			fail "ipctool ${args[*]}: wrote to stdout: $output"
		[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ] ||
			fail "ipctool ${args[*]}: not one line on stderr: $stderr"
		[[ $stderr == "ipctool $applet: "* ]] ||
			fail "ipctool ${args[*]}: stderr does not name the applet: $stderr"
		[ -z "$(ls -A "$work")" ] ||
			fail "ipctool ${args[*]}: left files: $(ls -A "$work")"
		if pgrep -s "$(cat "$BATS_TEST_TMPDIR/sid")" >/dev/null; then
			fail "ipctool ${args[*]}: left processes running"
		fi
		tried=$((tried + 1))
	done
	[ "$tried" -eq "${#CASES[@]}" ]
	echo "# $tried bad inputs tried" >&3
}
