# bench/scenarios/15-stream-ktls.sh - kernel TLS, measured where a kernel
# has it. This machine's kernel has no TLS ULP (tcp_available_ulp), so the
# measurement boots Debian's cloud kernel (CONFIG_TLS=m) in a qemu VM of
# its own and runs `sock-client tls:` -> `sock-server tls: --once` there
# with the ULP loaded (OpenSSL 3.0 hands the sending side to the kernel:
# "kernel TLS send only") and unloaded (OpenSSL's own records), next to
# socat OPENSSL. Opt-in, as it boots a VM: `make bench-ktls` (after `make
# deps-ktls`). Without /dev/kvm that works the VM is fully emulated
# (qemu TCG): every instruction is, so only the ratios say anything.
scenario stream-ktls streams GiB/s higher \
    "sock-client → sock-server, tls:, in a VM: kernel TLS (send) against OpenSSL's records" \
    "for orientation: kernel TLS against OpenSSL's own records" "" ""
needs sock-client sock-server
if [ -z "${BENCH_KTLS:-}" ]; then
	sc_record K "opt-in: make bench-ktls (it boots a VM)"
	return 0
fi
kver=
for k in /boot/vmlinuz-*; do
	v=${k#/boot/vmlinuz-}
	[ -e "/lib/modules/$v/kernel/net/tls/tls.ko" ] && kver=$v
done
if [ -z "$kver" ] || ! command -v qemu-system-x86_64 >/dev/null; then
	sc_record K "no kernel with tls.ko in /boot or no qemu: make deps-ktls"
	return 0
fi
bytes=$((64 << 20)) rounds=$ROUNDS
[ -z "${QUICK:-}" ] || bytes=$((16 << 20))
root=$BENCH_TMP/ktls.cpio
"$(dirname "${BASH_SOURCE[0]}")/../ktls/mkroot.sh" "$root" "$kver" \
    "$IPCTOOL" "$BENCH_BIN/bstream"
# emulated, not KVM: this machine is itself a VM, and a nested KVM guest
# hung at boot here. The VM powers itself off; timeout bounds it anyway.
accel="-accel tcg,thread=multi -cpu max"
note "kernel $kver in qemu, 2 CPUs, fully emulated (TCG): ratios only, $((bytes >> 20)) MiB a run"
timeout 900 qemu-system-x86_64 $accel -smp 2 -m 2G -nographic -no-reboot \
    -kernel "/boot/vmlinuz-$kver" -initrd "$root" \
    -append "console=ttyS0 quiet panic=-1 ktls.rounds=$rounds ktls.bytes=$bytes" \
    </dev/null >"$BENCH_TMP/ktls.out" 2>&1 || true
label_of() {
	case $1 in
	ipctool-ktls) echo "ipctool sock, kernel TLS" ;;
	ipctool-openssl) echo "ipctool sock, OpenSSL records" ;;
	*) echo "$1" ;;
	esac
}
n=0
while read -r tag kind a b c d; do
	[ "$tag" = KTLS ] || continue
	case $kind in
	V) record V "$SC_NAME" "$b" "$(label_of "$c")" "$a" "$d"; n=$((n + 1)) ;;
	F) sc_record F "$(label_of "$a")" "$b $c $d" ;;
	N) note "$a $b $c $d" ;;
	esac
done < <(tr -d '\r' <"$BENCH_TMP/ktls.out" | sed -n 's/.*\(KTLS [VFN] \)/\1/p')
if [ "$n" -eq 0 ]; then
	sc_record F "the VM" "no result: $(tail -c 300 "$BENCH_TMP/ktls.out" | tr '\n\r' '  ')"
fi
