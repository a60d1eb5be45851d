#!/usr/bin/env bats
# install.bats - the Makefile: make install honours PREFIX and DESTDIR
# every time, only make deps and make demo install packages, and the demo
# prints commands that can be pasted

# a whole build of its own: minutes, not seconds, on a loaded machine
export BATS_TEST_TIMEOUT="${BATS_TEST_TIMEOUT:-240}"
load helpers.bash

# a whole meson setup, build and install: minutes on a loaded 2-core machine
BATS_TEST_TIMEOUT=240

@test "make install honours PREFIX and DESTDIR on a build dir that exists" {
	local b="$BATS_TEST_TMPDIR/build" d="$BATS_TEST_TMPDIR/dest"
	run -0 make -s -C "$IPCTOOL_SRCDIR" install BUILD="$b" \
	    PREFIX=/opt/ipct-a DESTDIR="$d"
	assert_file_executable "$d/opt/ipct-a/bin/ipctool"
	assert_link_exists "$d/opt/ipct-a/bin/sig"
	assert_file_exists "$d/opt/ipct-a/share/man/man1/ipctool.1"
	# the second time the build dir exists: PREFIX still counts
	run -0 make -s -C "$IPCTOOL_SRCDIR" install BUILD="$b" \
	    PREFIX=/opt/ipct-b DESTDIR="$d"
	assert_file_executable "$d/opt/ipct-b/bin/ipctool"
	assert_file_exists "$d/opt/ipct-b/share/man/man1/ipctool-sig.1"
	run -0 "$d/opt/ipct-b/bin/ipctool" --version
	# nothing went anywhere else
	run -0 ls "$d" "$d/opt"
	assert_output "$d:
opt

$d/opt:
ipct-a
ipct-b"
}

@test "only make deps and make demo install packages, and say so first" {
	local b="$BATS_TEST_TMPDIR/build" a="$BATS_TEST_TMPDIR/asan"
	for target in all build check install; do
		run -0 make -n --no-print-directory -C "$IPCTOOL_SRCDIR" "$target" BUILD="$b" ASAN="$a"
		refute_output --partial deps.sh
		refute_output --partial apt-get
	done
	for target in deps demo; do
		run -0 make -n --no-print-directory -C "$IPCTOOL_SRCDIR" "$target" BUILD="$b" ASAN="$a"
		assert_line --index 0 \
		    "echo 'deps: installing the Debian packages that are missing (apt-get)'"
		assert_line --index 1 tools/deps.sh
	done
}

@test ".ci/run installs the packages before it runs the tests" {
	run -0 grep -x 'make [a-z]*' "$IPCTOOL_SRCDIR/.ci/run"
	assert_output "make deps
make check"
}

@test "make demo prints its commands shell-quoted, so they paste" {
	TMPDIR="$BATS_TEST_TMPDIR" run -0 "$IPCTOOL_SRCDIR/tools/demo.sh"
	assert_line "$ req call upper 'hello, bus'"
	assert_line --regexp "^\\$ fifo send /[^ ]+/q hello 'two words'$"
	assert_line "$ bus pub --sync --timeout 2s orders 'order 1' 'order 2'"
	assert_line --regexp "^\\$ pipe --fan-in .* :: awk '\{ print length\(\\\$0\), substr\(\\\$0, 1, 1\) \}'$"
	# every command line shown is one a shell reads as it was run
	while IFS= read -r line; do
		bash -n -c "${line#\$ }" || fail "not valid shell: $line"
	done < <(grep '^\$ ' <<<"$output")
}
