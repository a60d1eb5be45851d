#!/bin/bash
# tools/ktls-vm/run.sh OUT IPCTOOL ROUNDS BYTES [BSTREAM]: boot a kernel
# that has kernel TLS (tls.ko) in qemu with the initramfs of mkroot.sh and
# write its console to OUT; inner.sh prints "KTLS N|V|F ..." lines there.
# ROUNDS 0: only the 4 MiB check both ways (no BSTREAM needed). Exit 2
# with one line when there is no such kernel or no qemu (make deps
# installs both), else qemu's status (124 when it ran out of time).
# Emulated (TCG), not KVM: this machine is itself a VM, and a nested KVM
# guest hung at boot here.
set -euo pipefail
out=$1 ipctool=$2 rounds=$3 bytes=$4 bstream=${5:-}
kver=
for k in /boot/vmlinuz-*; do
	[ -e "$k" ] || continue
	v=${k#/boot/vmlinuz-}
	[ -e "/lib/modules/$v/kernel/net/tls/tls.ko" ] && kver=$v
done
if [ -z "$kver" ] || ! command -v qemu-system-x86_64 >/dev/null; then
	echo "no kernel with tls.ko in /boot or no qemu-system-x86_64 (make deps)" >&2
	exit 2
fi
root=$(mktemp "${TMPDIR:-/tmp}/ktls-vm.XXXXXX")
trap 'rm -f "$root"' EXIT
"$(dirname "$0")/mkroot.sh" "$root" "$kver" "$ipctool" "$bstream"
echo "KTLS N kernel $kver in qemu, 2 CPUs, fully emulated (TCG)" >"$out"
rc=0
timeout "${KTLS_VM_TIMEOUT:-900}" qemu-system-x86_64 -accel tcg,thread=multi \
    -cpu max -smp 2 -m 1G -nographic -no-reboot -kernel "/boot/vmlinuz-$kver" \
    -initrd "$root" \
    -append "console=ttyS0 quiet panic=-1 ktls.rounds=$rounds ktls.bytes=$bytes" \
    </dev/null >>"$out" 2>&1 || rc=$?
exit "$rc"
