#!/usr/bin/env bats
# consistency.bats - every applet in the table has a man page, completion
# entries, a bats file and a working --help; every option it offers is
# documented in its man page (the binary is the oracle, git's t0012)

load helpers.bash

applets() {
	ipctool --list
}

@test "every applet has --help on stdout, exit 0, lines of at most 80 columns" {
	for a in $(applets); do
		run -0 --separate-stderr ipctool "$a" --help
		assert_equal "$stderr" ""
		assert_line --index 0 --regexp "^usage: ipctool $a"
		while IFS= read -r line; do
			if [ "${#line}" -gt 80 ]; then
				fail "$a --help: line longer than 80 columns: $line"
			fi
		done <<<"$output"
		run -0 ipctool help "$a"
		assert_line --index 0 --regexp "^usage: ipctool $a"
	done
}

@test "every applet rejects an unknown option with one line and exit 64" {
	for a in $(applets); do
		run -64 --separate-stderr ipctool "$a" --no-such-option
		assert_equal "$stderr" "ipctool $a: unknown option '--no-such-option' (see 'ipctool $a --help')"
		assert_equal "$output" ""
	done
}

@test "every applet prints its version" {
	for a in $(applets); do
		run -0 ipctool "$a" --version
		assert_output "$(ipctool --version)"
	done
}

@test "every applet has a man page, and it documents every option" {
	assert_file_exists "$IPCTOOL_SRCDIR/man/ipctool.1.scd"
	for a in $(applets); do
		page="$IPCTOOL_SRCDIR/man/ipctool-$a.1.scd"
		assert_file_exists "$page"
		grep -qF "*ipctool-$a*(1)" "$IPCTOOL_SRCDIR/man/ipctool.1.scd" ||
			fail "ipctool(1) does not refer to ipctool-$a(1)"
		for w in $(ipctool "$a" --complete-words | grep -- '^--'); do
			grep -qF -- "*$w*" "$page" ||
				fail "man/ipctool-$a.1.scd does not document $w"
		done
	done
}

@test "the man pages are valid scdoc" {
	command -v scdoc >/dev/null || skip "scdoc not installed"
	for page in "$IPCTOOL_SRCDIR"/man/*.scd; do
		scdoc <"$page" >/dev/null || fail "scdoc rejects $page"
	done
}

@test "every applet has a bats file" {
	for a in $(applets); do
		assert_file_exists "$IPCTOOL_SRCDIR/tests/bats/$a.bats"
	done
}

@test "every applet is named in the zsh, bash and fish completions" {
	for a in $(applets); do
		head -n1 "$IPCTOOL_SRCDIR/completions/_ipctool" | grep -qw -- "$a" ||
			fail "_ipctool #compdef lacks $a"
		grep -E "^complete -F _ipctool .*( |^)$a( |$)" "$IPCTOOL_SRCDIR/completions/ipctool.bash" >/dev/null ||
			fail "ipctool.bash does not complete $a"
		grep -E "^for a in (.* )?$a( |$)" "$IPCTOOL_SRCDIR/completions/ipctool.fish" >/dev/null ||
			fail "ipctool.fish does not complete $a"
	done
}

@test "completion scripts pass zsh -n and fish -n" {
	run -0 zsh -n "$IPCTOOL_SRCDIR/completions/_ipctool"
	run -0 fish -n "$IPCTOOL_SRCDIR/completions/ipctool.fish"
	run -0 bash -n "$IPCTOOL_SRCDIR/completions/ipctool.bash"
}

@test "bash completes applet names after ipctool" {
	run -0 complete_bash "$IPCTOOL" ""
	for a in $(applets); do
		assert_line "$a"
	done
	assert_line -- "--list"
	run -0 complete_bash "$IPCTOOL" "--ver"
	assert_output -- "--version"
}

@test "bash completes each applet's subcommands, and the options of each" {
	for a in $(applets); do
		words=$(ipctool "$a" --complete-words)
		subs=$(grep -v -- '^-' <<<"$words" || true)
		if [ -z "$subs" ]; then
			run -0 complete_bash "$IPCTOOL" "$a" "--"
			assert_output "$(grep -- '^--' <<<"$words")"
			continue
		fi
		run -0 complete_bash "$IPCTOOL" "$a" ""
		assert_output "$subs"
		for s in $subs; do
			run -0 complete_bash "$IPCTOOL" "$a" "$s" "--"
			assert_output "$(ipctool "$a" --complete-words "$s" | grep -- '^--')"
		done
	done
}

@test "the README quick start is exactly make demo and make check" {
	run -0 sed -n '/^## Quick start/,/^## /p' "$IPCTOOL_SRCDIR/README.md"
	cmds=$(grep -E '^\s*(\$ )?make ' <<<"$output" | sed -E 's/^\s*(\$ )?//')
	assert_equal "$cmds" "make demo
make check"
}

# help_pairs: "LETTER LONG" for every option with both, from every
# applet's --help ("  -c, --count N")
help_pairs() {
	for a in $(applets); do
		ipctool "$a" --help | sed -nE 's/^  -(.), --([a-z0-9-]+).*/\1 \2/p'
	done | sort -u
}

@test "a short option means one thing in the whole binary" {
	pairs=$(help_pairs)
	[ -n "$pairs" ] || fail "no '-x, --long' lines in any --help"
	dups=$(cut -d' ' -f1 <<<"$pairs" | uniq -d)
	for c in $dups; do
		fail "-$c stands for $(grep "^$c " <<<"$pairs" | cut -d' ' -f2 | sed 's/^/--/' | paste -sd' ')"
	done
	# and a long name has one letter (or none) everywhere
	dups=$(cut -d' ' -f2 <<<"$pairs" | sort | uniq -d)
	for l in $dups; do
		fail "--$l has the letters $(grep " $l$" <<<"$pairs" | cut -d' ' -f1 | paste -sd' ')"
	done
	# the peers' letters: kill -s SIGNAL, nats --queue, mkfifo -m MODE
	for p in "s signal" "q queue" "m mode" "c count" "t timeout" \
		"f force" "F follow"; do
		grep -qxF "$p" <<<"$pairs" || fail "-${p% *} is not --${p#* }"
	done
}

# subs APPLET: its subcommands (none for an applet without)
subs() {
	ipctool "$1" --complete-words | grep -v -- '^-' || true
}

@test "an option of another subcommand: one wording, exit 64, in every applet" {
	n=0
	for a in $(applets); do
		all=$(ipctool "$a" --complete-words | grep -- '^--')
		for s in $(subs "$a"); do
			own=$(ipctool "$a" --complete-words "$s")
			for o in $all; do
				grep -qxF -- "$o" <<<"$own" && continue
				run -64 --separate-stderr ipctool "$a" "$s" "$o" x
				assert_equal "$stderr" "ipctool $a: '$a $s' takes no $o option (see 'ipctool $a --help')"
				n=$((n + 1))
			done
		done
	done
	((n > 20)) || fail "only $n options tried"
}

@test "a missing or unknown subcommand, or an option before it: one wording" {
	for a in $(applets); do
		s=$(subs "$a")
		[ -n "$s" ] || continue
		list=$(sed -E ':a;N;$!ba;s/\n/, /g;s/, ([^,]*)$/ or \1/' <<<"$s")
		run -64 --separate-stderr ipctool "$a"
		assert_equal "$stderr" "ipctool $a: missing subcommand ($list) (see 'ipctool $a --help')"
		run -64 --separate-stderr ipctool "$a" frob
		assert_equal "$stderr" "ipctool $a: unknown subcommand 'frob' ($list) (see 'ipctool $a --help')"
		run -64 --separate-stderr ipctool "$a" -t 1s "$(head -n1 <<<"$s")"
		assert_equal "$stderr" "ipctool $a: missing subcommand before '--timeout' (see 'ipctool $a --help')"
	done
}

@test "every option in a usage line is one its subcommand takes" {
	for a in $(applets); do
		while read -r app sub rest; do
			[ "$app" = "$a" ] || fail "usage line of $a names $app"
			if grep -qxF -- "$sub" <<<"$(subs "$a")"; then
				words=$(ipctool "$a" --complete-words "$sub")
			else
				words=$(ipctool "$a" --complete-words)
				rest="$sub $rest"
			fi
			for w in $(grep -oE -- '(^|[][ |])--?[a-zA-Z0-9][a-zA-Z0-9-]*' <<<"$rest" | sed -E 's/^[][ |]//'); do
				if [[ $w == --* ]]; then
					grep -qxF -- "$w" <<<"$words" ||
						fail "'$a ${sub}': usage names $w, which it does not take"
				else
					# a cluster: every letter an option
					for ((i = 1; i < ${#w}; i++)); do
						grep -qxF -- "-${w:i:1}" <<<"$words" ||
							fail "'$a ${sub}': usage names -${w:i:1}, which it does not take"
					done
				fi
			done
		done < <(ipctool "$a" --help | sed -nE 's/^(usage:|      ) ipctool (.*)/\2/p')
	done
}

@test "a subcommand's --help shows its usage lines and its options only" {
	for a in $(applets); do
		for s in $(subs "$a"); do
			run -0 --separate-stderr ipctool "$a" "$s" --help
			assert_line --index 0 --regexp "^usage: ipctool $a $s( |$)"
			while read -r line; do
				[[ $line =~ ^ipctool\ $a\ $s( |$) ]] ||
					fail "'$a $s --help' shows the usage line '$line'"
			done < <(sed -nE 's/^(usage:|      ) (ipctool .*)/\2/p' <<<"$output")
			opts=$(sed -nE 's/^  (-., |    )(--[a-z0-9-]+).*/\2/p' <<<"$output")
			assert_equal "$opts" "$(ipctool "$a" --complete-words "$s" | grep -- '^--')"
		done
	done
}
