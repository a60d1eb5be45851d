#!/usr/bin/env bats
# dispatch.bats - the multi-call binary: --list, --version, --help,
# --install, symlink dispatch, unknown applets and exit codes

load helpers.bash

@test "--version prints the version" {
	run -0 ipctool --version
	assert_output --regexp '^ipctool [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "--list prints the applets, one per line, sorted" {
	run -0 ipctool --list
	sorted=$(printf '%s\n' "$output" | LC_ALL=C sort)
	assert_equal "$output" "$sorted"
	# THE LIST in meson.build is the source of --list
	want=$(sed -n "/^applets = \[/,/^\]/p" "$IPCTOOL_SRCDIR/meson.build" |
	    grep -o "'[a-z-]*'" | tr -d "'")
	assert_equal "$output" "$want"
}

@test "--help and -h print usage on stdout and exit 0" {
	run -0 --separate-stderr ipctool --help
	assert_line --index 0 'usage: ipctool APPLET [ARGS...]'
	assert_equal "$stderr" ""
	run -0 ipctool -h
	assert_line --index 0 'usage: ipctool APPLET [ARGS...]'
}

@test "no arguments: usage on stderr, exit 64" {
	run -64 --separate-stderr ipctool
	assert_equal "$output" ""
	[[ "$stderr" == "usage: ipctool APPLET [ARGS...]"* ]]
}

@test "an unknown applet exits 64 naming it" {
	run -64 --separate-stderr ipctool frobnicate
	assert_equal "$output" ""
	if [ -n "$(ipctool --list)" ]; then
		assert_regex "$stderr" "^ipctool: unknown applet 'frobnicate' \(did you mean '[a-z-]+'\?\)$"
	else
		assert_equal "$stderr" "ipctool: unknown applet 'frobnicate'"
	fi
}

@test "an unknown applet names the closest applet" {
	first=$(ipctool --list | head -n1)
	[ -n "$first" ] || skip "no applets in the table yet"
	typo="${first}x"
	run -64 --separate-stderr ipctool "$typo"
	assert_equal "$stderr" "ipctool: unknown applet '$typo' (did you mean '$first'?)"
}

@test "an unknown option of ipctool itself exits 64" {
	run -64 --separate-stderr ipctool --frob
	assert_equal "$stderr" "ipctool: unknown option '--frob' (see 'ipctool --help')"
}

@test "help APPLET with an unknown applet exits 64" {
	run -64 --separate-stderr ipctool help nope
	assert_regex "$stderr" "^ipctool: unknown applet 'nope'"
}

@test "help with no applet prints the general usage" {
	run -0 ipctool help
	assert_line --index 0 'usage: ipctool APPLET [ARGS...]'
}

@test "--install makes a symlink per applet, and they dispatch" {
	dir="$BATS_TEST_TMPDIR/bin"
	mkdir "$dir"
	run -0 ipctool --install "$dir"
	assert_output ""
	for a in $(ipctool --list); do
		assert_link_exists "$dir/$a"
		run -0 "$dir/$a" --help
		assert_line --index 0 --regexp "^usage: ipctool $a( |$)"
	done
	# running it again replaces our own links quietly
	run -0 ipctool --install "$dir"
}

@test "--install refuses to overwrite a foreign file unless --force" {
	first=$(ipctool --list | head -n1)
	[ -n "$first" ] || skip "no applets in the table yet"
	dir="$BATS_TEST_TMPDIR/bin"
	mkdir "$dir"
	echo precious >"$dir/$first"
	run -1 --separate-stderr ipctool --install "$dir"
	assert_equal "$stderr" "ipctool: install $dir/$first: file exists and is not a link to ipctool (use --force to replace it)"
	assert_equal "$(cat "$dir/$first")" "precious"
	run -0 ipctool --install "$dir" --force
	assert_link_exists "$dir/$first"
}

@test "--install without a directory is a usage error" {
	run -64 --separate-stderr ipctool --install
	assert_equal "$stderr" "ipctool: --install needs a directory (see 'ipctool --help')"
}

@test "--install into a missing directory fails with exit 1" {
	run -1 --separate-stderr ipctool --install "$BATS_TEST_TMPDIR/nope"
	assert_equal "$stderr" "ipctool: install into $BATS_TEST_TMPDIR/nope: No such file or directory"
}

@test "a symlink named ipctool still means the multi-call binary" {
	ln -s "$IPCTOOL" "$BATS_TEST_TMPDIR/ipctool"
	run -0 "$BATS_TEST_TMPDIR/ipctool" --version
	assert_output --regexp '^ipctool '
}

@test "a writing error on stdout is reported, EPIPE is quiet" {
	run -1 --separate-stderr bash -c '"$IPCTOOL" --help >/dev/full'
	assert_equal "$stderr" "ipctool: write to stdout: No space left on device"
	run -0 bash -c 'set -o pipefail; "$IPCTOOL" --help | true'
}

@test "make install puts the binary, applet links, man pages and completions under the prefix" {
	[ -n "${IPCTOOL_BUILDDIR:-}" ] || skip "needs the meson build directory"
	dest="$BATS_TEST_TMPDIR/dest"
	run -0 meson install -C "$IPCTOOL_BUILDDIR" --no-rebuild --quiet --destdir "$dest"
	prefix=$(meson introspect "$IPCTOOL_BUILDDIR" --buildoptions |
	    python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"][0])')
	root="$dest$prefix"
	assert_file_executable "$root/bin/ipctool"
	assert_file_exists "$root/share/man/man1/ipctool.1"
	assert_file_exists "$root/share/zsh/site-functions/_ipctool"
	assert_file_exists "$root/share/fish/vendor_completions.d/ipctool.fish"
	assert_file_exists "$root/share/bash-completion/completions/ipctool"
	for a in $(ipctool --list); do
		assert_link_exists "$root/bin/$a"
		assert_equal "$(readlink "$root/bin/$a")" "ipctool"
		assert_file_exists "$root/share/man/man1/ipctool-$a.1"
		assert_link_exists "$root/share/bash-completion/completions/$a"
		assert_link_exists "$root/share/fish/vendor_completions.d/$a.fish"
	done
	run -0 "$root/bin/sig" --version
	assert_output "$(ipctool --version)"
}
