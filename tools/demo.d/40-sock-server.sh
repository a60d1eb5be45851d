# tools/demo.d/40-sock-server.sh - ports and sockets: a server claims a
# port (the kernel picks one), clients get ports of their own, a socket
# carries bytes both ways; sourced by tools/demo.sh

say "sock-server / sock-client: a port belongs to one process; the kernel picks one for tcp:0"
bg sock-server --echo --addr-file "$DEMO_DIR/echo.addr" tcp:0
wait_for test -s "$DEMO_DIR/echo.addr"
echo_addr=$(cat "$DEMO_DIR/echo.addr")
echo "(the echo server wrote its address to a file: $echo_addr)"

say "a client gets a port of its own from the kernel (-v shows it), half-closes at end of input"
echo "hello over TCP" | show sock-client -v "$echo_addr" 2>&1 |
	grep -E 'getsockname|shutdown|^hello|^\$' || true

say "the same port cannot be claimed twice: exit 69, and /proc tells who holds it"
show sock-server "$echo_addr" || echo "(exit status $?)"

say "exec mode: each connection runs a command that knows its caller (SO_PEERCRED on a UNIX socket)"
bg sock-server --quiet --addr-file "$DEMO_DIR/who.addr" "unix:$DEMO_DIR/who.sock" -- \
	sh -c 'echo "you are pid $IPCTOOL_PEER_PID, uid $IPCTOOL_PEER_UID"'
wait_for test -s "$DEMO_DIR/who.addr"
show sock-client "unix:$DEMO_DIR/who.sock" </dev/null

say "a request is a job over a plain socket: one message out, one reply back"
bg sock-server --quiet --addr-file "$DEMO_DIR/sq.addr" tcp:0 -- sh -c 'read n; echo $((n * n))'
wait_for test -s "$DEMO_DIR/sq.addr"
show sock-client --request --send 12 "$(cat "$DEMO_DIR/sq.addr")"

say "--ack and --sync: the client waits until the server has written each message out"
bg sock-server --quiet -k --ack --addr-file "$DEMO_DIR/log.addr" tcp:0 </dev/null >"$DEMO_DIR/log"
wait_for test -s "$DEMO_DIR/log.addr"
show sock-client -v --sync --send first --send second "$(cat "$DEMO_DIR/log.addr")" 2>&1 |
	grep -E 'acknowledged|^\$' || true
show cat "$DEMO_DIR/log"

say "nothing listening is a clear error, exit 69"
show sock-client "unix:$DEMO_DIR/nobody.sock" </dev/null || echo "(exit status $?)"
