# tools/ktls-vm/inner.sh - the measurement inside the kernel TLS VM (bash,
# started by tools/ktls-vm/init): ROUNDS rounds of BYTES bytes through
# `ipctool sock-client tls:` -> `ipctool sock-server tls: --once`, with
# the kernel's TLS ULP loaded (OpenSSL hands the records to the kernel)
# and unloaded (OpenSSL seals them itself), and socat OPENSSL beside
# them; the order reversed every other round, as bench/lib.sh does.
# Lines for the host: "KTLS V ROUND ROLE LABEL GiB/s", "KTLS F LABEL
# WHY", "KTLS N TEXT".
set -u
cd /tmp || exit 1
say() { echo "KTLS $*"; }
for m in $(cat /mods/order); do
	[ "$m" = tls.ko ] || insmod "/mods/$m" || say N "insmod $m failed"
done
ktls() { # ktls on|off: load or unload the TLS ULP
	if [ "$1" = on ]; then
		grep -qw tls /proc/sys/net/ipv4/tcp_available_ulp ||
		    insmod /mods/tls.ko
	else
		! grep -qw tls /proc/sys/net/ipv4/tcp_available_ulp ||
		    rmmod tls
	fi
}
port=20000
listen_wait() { # listen_wait PORT: until something listens there (bounded)
	local i
	for ((i = 0; i < 500; i++)); do
		netstat -ltn 2>/dev/null | grep -q ":$1 " && return 0
		sleep 0.01
	done
	return 1
}
# serve CMD...: CMD in the background, stdout to the sink; waits for
# $port
serve() {
	"$@" 2>srv.err | bstream sink >out &
	srv=$!
	listen_wait "$port"
}
CERT=/etc/cert.pem KEY=/etc/key.pem
declare -A failed
once() { # once ROUND ROLE LABEL: one run of contender LABEL
	local r=$1 role=$2 label=$3 t0 t1 got
	port=$((port + 1))
	case $label in
	ipctool-ktls | ipctool-openssl)
		[ "$label" = ipctool-ktls ] && ktls on || ktls off
		serve ipctool sock-server -v --once --tls-cert $CERT \
		    --tls-key $KEY tls:127.0.0.1:$port || { failed[$label]="server not up"; return; }
		t0=$EPOCHREALTIME
		bstream gen "$BYTES" | ipctool sock-client -v --insecure \
		    tls:127.0.0.1:$port 2>cli.err
		;;
	socat)
		serve socat -u OPENSSL-LISTEN:$port,bind=127.0.0.1,reuseaddr,cert=$CERT,key=$KEY,verify=0 STDOUT ||
		    { failed[$label]="server not up"; return; }
		t0=$EPOCHREALTIME
		bstream gen "$BYTES" | socat -u STDIN OPENSSL:127.0.0.1:$port,verify=0 2>cli.err
		;;
	esac
	wait "$srv"
	t1=$EPOCHREALTIME
	got=$(cat out)
	if [ "$got" != "$BYTES" ]; then
		failed[$label]="sink got ${got:-nothing}, not $BYTES bytes: $(head -c 200 cli.err srv.err | tr '\n' ' ')"
		return
	fi
	case $label in
	ipctool-ktls) want="kernel TLS (send only|on)" ;;
	ipctool-openssl) want="kernel TLS off" ;;
	*) want= ;;
	esac
	if [ -n "$want" ] && ! grep -Eq "$want" cli.err; then
		failed[$label]="the client did not say '$want': $(grep -h 'kernel TLS' cli.err | head -c 200)"
		return
	fi
	say V "$r" "$role" "$label" "$(awk -v b="$BYTES" -v a="$t0" -v z="$t1" \
	    'BEGIN { printf "%.4f", b / (z - a) / 1073741824 }')"
}
# what OpenSSL does with the ULP there, and the data whole both ways:
# up from a pipe (spliced), down from a file (SSL_write)
ktls on
head -c 4194304 /dev/urandom >rand
port=$((port + 1))
ipctool sock-server --once --tls-cert $CERT --tls-key $KEY \
    tls:127.0.0.1:$port >up.got 2>/dev/null &
srv=$!
listen_wait $port
# from a pipe: spliced into the kernel's TLS
cat rand | ipctool sock-client -v --insecure tls:127.0.0.1:$port 2>cli.err
wait "$srv"
up=$(grep -ho 'kernel TLS [a-z ]*' cli.err | head -1)
grep -q 'splice(0 -> 3): the kernel seals' cli.err && up="$up, spliced"
port=$((port + 1))
ipctool sock-server -v --once --tls-cert $CERT --tls-key $KEY \
    tls:127.0.0.1:$port <rand 2>srv.err &
srv=$!
listen_wait $port
ipctool sock-client --insecure tls:127.0.0.1:$port </dev/null >down.got 2>/dev/null
wait "$srv"
down=$(grep -ho 'kernel TLS [a-z ]*' srv.err | head -1)
sum=$(sha256sum <rand)
whole() { [ "$(sha256sum <"$1")" = "$sum" ] && echo "sha256-equal" || echo "NOT equal"; }
say N "with the TLS ULP loaded, 4 MiB: client to server ($up) $(whole up.got), server to client ($down) $(whole down.got)"
[ "${ROUNDS:-0}" -gt 0 ] || exit 0
labels=(ipctool-ktls ipctool-openssl socat)
roles=(ipctool ref peer)
for ((r = 1; r <= ROUNDS; r++)); do
	if ((r % 2)); then order="0 1 2"; else order="2 1 0"; fi
	for i in $order; do
		[ -z "${failed[${labels[i]}]:-}" ] || continue
		once "$r" "${roles[i]}" "${labels[i]}"
	done
done
for l in "${!failed[@]}"; do
	say F "$l" "${failed[$l]}"
done
