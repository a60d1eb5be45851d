#!/usr/bin/env bats
# ktls.bats - the kernel TLS path (OpenSSL handing the records to the
# kernel's TLS ULP, a pipe spliced into the socket), which this machine's
# kernel cannot take: tools/ktls-vm boots a kernel that can (Debian's
# cloud kernel, CONFIG_TLS=m) in qemu and sends 4 MiB each way there.
# Skipped where there is no such kernel or no qemu (make deps installs
# both), and in the sanitizer build (an emulated VM is slow
# enough without ASan in it).

load helpers.bash

@test "kernel TLS in a VM: a pipe spliced into the kernel's records, sha256-equal both ways" {
	ldd "$IPCTOOL" | grep -q libasan && skip "the sanitizer build (emulated VM)"
	local out="$BATS_TEST_TMPDIR/vm.out" rc=0
	KTLS_VM_TIMEOUT=240 "$IPCTOOL_SRCDIR/tools/ktls-vm/run.sh" "$out" \
	    "$IPCTOOL" 0 0 2>"$BATS_TEST_TMPDIR/vm.err" || rc=$?
	[ "$rc" -ne 2 ] || skip "$(cat "$BATS_TEST_TMPDIR/vm.err")"
	# the console ends lines with CR LF
	tr -d '\r' <"$out" >"$out.txt"
	run -0 sed -n 's/.*\(KTLS [NFV] .*\)/\1/p' "$out.txt"
	assert_line --regexp '^KTLS N kernel .* in qemu, 2 CPUs, fully emulated \(TCG\)$'
	assert_line "KTLS N with the TLS ULP loaded, 4 MiB: client to server (kernel TLS send only, spliced) sha256-equal, server to client (kernel TLS send only) sha256-equal"
	refute_line --partial "KTLS F"
	[ "$rc" -eq 0 ]
}
