# tools/demo.d/10-sig.sh - part of make demo (sourced by tools/demo.sh):
# signals with their siginfo, the acknowledgement protocol, and
# coalescing versus queueing

say "sig: the smallest IPC, a number and a siginfo"
printf '$ sig list | grep -E "^(HUP|USR1|RTMIN|RTMAX) "\n'
sig list | grep -E "^(HUP|USR1|RTMIN|RTMAX) "

say "sig wait announces itself with a pid file once the signals are blocked"
bg sig wait --count 2 --pidfile "$DEMO_DIR/w.pid" USR1 RTMIN
wait_for test -e "$DEMO_DIR/w.pid"
show sig send -s USR1 --pidfile "$DEMO_DIR/w.pid"
show sig send -s RTMIN --value 42 --pidfile "$DEMO_DIR/w.pid"
wait_for test ! -e "$DEMO_DIR/w.pid"

say "--sync: the receiver acknowledges with RTMAX, the sender waits for it"
bg sig trap --ack --count 1 --pidfile "$DEMO_DIR/t.pid" HUP -- \
    sh -c 'echo "  handler: $IPCTOOL_SIGNAL from pid $IPCTOOL_SIGNAL_PID"'
wait_for test -e "$DEMO_DIR/t.pid"
show sig send --sync --timeout 2s -s HUP --pidfile "$DEMO_DIR/t.pid"
echo "(sig send returned after the handler finished)"
wait_for test ! -e "$DEMO_DIR/t.pid"

say "standard signals coalesce, real-time signals queue with their values"
bg sig trap --count 5 --pidfile "$DEMO_DIR/c.pid" USR1 RTMIN -- sh -c '
	echo "  handler: $IPCTOOL_SIGNAL ${IPCTOOL_SIGNAL_VALUE-}"
	touch "$0.busy"
	while [ ! -e "$0" ]; do sleep 0.01; done' "$DEMO_DIR/gate"
wait_for test -e "$DEMO_DIR/c.pid"
show sig send -s USR1 --pidfile "$DEMO_DIR/c.pid"
wait_for test -e "$DEMO_DIR/gate.busy"
echo "(the first handler is busy: the next signals wait in the kernel)"
show sig send -s USR1 --count 3 --pidfile "$DEMO_DIR/c.pid"
show sig send -s RTMIN --value 1 --count 3 --pidfile "$DEMO_DIR/c.pid"
touch "$DEMO_DIR/gate"
wait_for test ! -e "$DEMO_DIR/c.pid"
echo "(three USR1 became one; the three RTMIN arrived in order)"
