# bench/scenarios/14-stream-tls.sh - bytes over TLS on 127.0.0.1: a client
# relays stdin over TLS, a server relays it to a consumer.
# `ipctool sock-client tls:` → `ipctool sock-server tls: --once` against
# socat OPENSSL/OPENSSL-LISTEN (default and -b 131072) and ncat --ssl.
# The same cipher for all: TLS 1.3 TLS_AES_256_GCM_SHA384, what OpenSSL 3
# picks first when both ends are OpenSSL with their defaults (ipctool -v
# shows it), and the same EC P-256 certificate; the client does not
# verify it (the handshake is not what is measured). Kernel TLS is used
# where the kernel offers it (the "tls" ULP in
# /proc/sys/net/ipv4/tcp_available_ulp): a note says which.
n=$(stream_bytes)
scenario stream-tls streams GiB/s higher \
    "sock-client → sock-server, tls: $((n >> 20)) MiB" \
    "≥ 1.0× the fastest peer" 1.0 ""
needs sock-client sock-server
CERT=$BENCH_TMP/tls-cert.pem KEY=$BENCH_TMP/tls-key.pem
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$KEY" -out "$CERT" -days 2 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null
# ncat --ssl --send-only never reads, so the two TLS 1.3 session tickets
# the server sends after the handshake are still unread when it closes:
# the kernel then resets the connection instead of closing it (tcp(7);
# TcpExtTCPAbortOnClose counts it) and the server loses what it had not
# read yet (7 of 13 runs of 128 MiB lost up to 2 MiB). So every server
# here sends no tickets, as ipctool's never does (NumTickets = 0 in an
# OpenSSL config of their own): tickets are for resuming a later session
# and change nothing in the stream measured.
NOTIX=$BENCH_TMP/no-tickets.cnf
printf '%s\n' 'openssl_conf = conf' '[conf]' 'ssl_conf = ssl' '[ssl]' \
    'system_default = tls' '[tls]' 'NumTickets = 0' >"$NOTIX"
export CERT KEY NOTIX
if grep -qw tls /proc/sys/net/ipv4/tcp_available_ulp 2>/dev/null; then
	note "kernel TLS: offered by this kernel (ipctool -v says whether it is on)"
else
	note "kernel TLS: not offered by this kernel (no tls ULP): OpenSSL's own records for all"
fi
TLS_OPT="--tls-cert \$CERT --tls-key \$KEY"
contender ipctool "ipctool sock" \
    "\$GEN $n | \$IPCTOOL sock-client --insecure tls:127.0.0.1:\$PORT" \
    "\$IPCTOOL sock-server --quiet --once $TLS_OPT tls:127.0.0.1:\$PORT |
     \$SINK >\$OUT" 'tcp:$PORT'
contender peer "socat" \
    "\$GEN $n | socat -u STDIN OPENSSL:127.0.0.1:\$PORT,verify=0" \
    "OPENSSL_CONF=\$NOTIX socat -u OPENSSL-LISTEN:\$PORT,bind=127.0.0.1,reuseaddr,cert=\$CERT,key=\$KEY,verify=0 STDOUT |
     \$SINK >\$OUT" 'tcp:$PORT'
contender peer "socat -b131072" \
    "\$GEN $n | socat -b 131072 -u STDIN OPENSSL:127.0.0.1:\$PORT,verify=0" \
    "OPENSSL_CONF=\$NOTIX socat -b 131072 -u OPENSSL-LISTEN:\$PORT,bind=127.0.0.1,reuseaddr,cert=\$CERT,key=\$KEY,verify=0 STDOUT |
     \$SINK >\$OUT" 'tcp:$PORT'
contender peer "ncat --ssl" \
    "\$GEN $n | ncat --ssl --send-only 127.0.0.1 \$PORT" \
    "OPENSSL_CONF=\$NOTIX ncat -l --ssl --ssl-cert \$CERT --ssl-key \$KEY --recv-only 127.0.0.1 \$PORT |
     \$SINK >\$OUT" 'tcp:$PORT'
run_rounds stream "$n"
