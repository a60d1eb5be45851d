# bench/scenarios/15-stream-ktls.sh - kernel TLS, measured where a kernel
# has it. This machine's kernel has no TLS ULP (tcp_available_ulp), so the
# measurement boots Debian's cloud kernel (CONFIG_TLS=m) in a qemu VM of
# its own and runs `sock-client tls:` -> `sock-server tls: --once` there
# with the ULP loaded (OpenSSL 3.0 hands the sending side to the kernel:
# "kernel TLS send only") and unloaded (OpenSSL's own records), next to
# socat OPENSSL (tools/ktls-vm). Opt-in, as it boots a VM: `make
# bench-ktls`. The VM is fully emulated (qemu
# TCG): every instruction is, so only the ratios say anything.
scenario stream-ktls streams GiB/s higher \
    "sock-client → sock-server, tls:, in a VM: kernel TLS (send) against OpenSSL's records" \
    "for orientation: kernel TLS against OpenSSL's own records" "" ""
needs sock-client sock-server
if [ -z "${BENCH_KTLS:-}" ]; then
	sc_record K "opt-in: make bench-ktls (it boots a VM)"
	return 0
fi
bytes=$((64 << 20))
[ -z "${QUICK:-}" ] || bytes=$((16 << 20))
note "$((bytes >> 20)) MiB a run; ratios only: every instruction is emulated"
rc=0
"$(dirname "${BASH_SOURCE[0]}")/../../tools/ktls-vm/run.sh" \
    "$BENCH_TMP/ktls.out" "$IPCTOOL" "$ROUNDS" "$bytes" "$BENCH_BIN/bstream" \
    2>"$BENCH_TMP/ktls.err" || rc=$?
if [ "$rc" -eq 2 ]; then
	sc_record K "$(cat "$BENCH_TMP/ktls.err")"
	return 0
fi
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
