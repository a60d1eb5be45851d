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
		grep -E "^for a in .*( )$a( |$)" "$IPCTOOL_SRCDIR/completions/ipctool.fish" >/dev/null ||
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

@test "bash completes each applet's subcommands and options" {
	for a in $(applets); do
		words=$(ipctool "$a" --complete-words)
		run -0 complete_bash "$IPCTOOL" "$a" "--"
		for w in $(grep -- '^--' <<<"$words"); do
			assert_line -- "$w"
		done
		subs=$(grep -v -- '^-' <<<"$words" || true)
		if [ -n "$subs" ]; then
			run -0 complete_bash "$IPCTOOL" "$a" ""
			for s in $subs; do
				assert_line -- "$s"
			done
		fi
	done
}

@test "the README quick start is exactly make demo and make check" {
	run -0 sed -n '/^## Quick start/,/^## /p' "$IPCTOOL_SRCDIR/README.md"
	cmds=$(grep -E '^\s*(\$ )?make ' <<<"$output" | sed -E 's/^\s*(\$ )?//')
	assert_equal "$cmds" "make demo
make check"
}
