# bench/scenarios/12-stream-unix.sh - bytes over a UNIX stream socket: a
# client relays stdin to the socket, a server relays it to a consumer.
# `ipctool sock-client` → `ipctool sock-server --once` against socat
# (default and -b 131072), OpenBSD nc and ncat.
n=$(stream_bytes)
scenario stream-unix streams GiB/s higher \
    "sock-client → sock-server, unix: $((n >> 20)) MiB" \
    "≥ 1.0× the fastest peer, ≥ 0.8× the best reference" 1.0 0.8
needs sock-client sock-server
contender ipctool "ipctool sock" \
    "\$GEN $n | \$IPCTOOL sock-client unix:\$SOCK" \
    "\$IPCTOOL sock-server --once unix:\$SOCK | \$SINK >\$OUT" 'unix:$SOCK'
contender peer "socat" \
    "\$GEN $n | socat -u STDIN UNIX-CONNECT:\$SOCK" \
    "socat -u UNIX-LISTEN:\$SOCK STDOUT | \$SINK >\$OUT" 'unix:$SOCK'
contender peer "socat -b131072" \
    "\$GEN $n | socat -b 131072 -u STDIN UNIX-CONNECT:\$SOCK" \
    "socat -b 131072 -u UNIX-LISTEN:\$SOCK STDOUT | \$SINK >\$OUT" \
    'unix:$SOCK'
contender peer "nc" "\$GEN $n | nc -N -U \$SOCK" \
    "nc -l -U \$SOCK | \$SINK >\$OUT" 'unix:$SOCK'
contender peer "ncat" "\$GEN $n | ncat --send-only -U \$SOCK" \
    "ncat -l --recv-only -U \$SOCK | \$SINK >\$OUT" 'unix:$SOCK'
contender ref "read/write 128K" "\$GEN $n | \$RELAY -c unix:\$SOCK" \
    "\$RELAY -l unix:\$SOCK | \$SINK >\$OUT" 'unix:$SOCK'
contender ref "splice" "\$GEN $n | \$RELAY -s -c unix:\$SOCK" \
    "\$RELAY -s -l unix:\$SOCK | \$SINK >\$OUT" 'unix:$SOCK'
run_rounds stream "$n"
