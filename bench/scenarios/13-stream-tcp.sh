# bench/scenarios/13-stream-tcp.sh - bytes over TCP on 127.0.0.1: a client
# relays stdin to the socket, a server relays it to a consumer.
# `ipctool sock-client` → `ipctool sock-server --once` against socat
# (default and -b 131072), OpenBSD nc and ncat.
n=$(stream_bytes)
scenario stream-tcp streams GiB/s higher \
    "sock-client → sock-server, tcp: $((n >> 20)) MiB" \
    "≥ 1.0× the fastest peer, ≥ 0.8× the best reference" 1.0 0.8
needs sock-client sock-server
contender ipctool "ipctool sock" \
    "\$GEN $n | \$IPCTOOL sock-client tcp:127.0.0.1:\$PORT" \
    "\$IPCTOOL sock-server --once tcp:127.0.0.1:\$PORT | \$SINK >\$OUT" \
    'tcp:$PORT'
contender peer "socat" \
    "\$GEN $n | socat -u STDIN TCP:127.0.0.1:\$PORT" \
    "socat -u TCP-LISTEN:\$PORT,bind=127.0.0.1,reuseaddr STDOUT |
     \$SINK >\$OUT" 'tcp:$PORT'
contender peer "socat -b131072" \
    "\$GEN $n | socat -b 131072 -u STDIN TCP:127.0.0.1:\$PORT" \
    "socat -b 131072 -u TCP-LISTEN:\$PORT,bind=127.0.0.1,reuseaddr STDOUT |
     \$SINK >\$OUT" 'tcp:$PORT'
contender peer "nc" "\$GEN $n | nc -N 127.0.0.1 \$PORT" \
    "nc -l 127.0.0.1 \$PORT | \$SINK >\$OUT" 'tcp:$PORT'
contender peer "ncat" "\$GEN $n | ncat --send-only 127.0.0.1 \$PORT" \
    "ncat -l --recv-only 127.0.0.1 \$PORT | \$SINK >\$OUT" 'tcp:$PORT'
contender ref "read/write 128K" "\$GEN $n | \$RELAY -c tcp:\$PORT" \
    "\$RELAY -l tcp:\$PORT | \$SINK >\$OUT" 'tcp:$PORT'
contender ref "splice" "\$GEN $n | \$RELAY -s -c tcp:\$PORT" \
    "\$RELAY -s -l tcp:\$PORT | \$SINK >\$OUT" 'tcp:$PORT'
run_rounds stream "$n"
