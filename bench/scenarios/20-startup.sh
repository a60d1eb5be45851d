# bench/scenarios/20-startup.sh - what one invocation costs: exec, dynamic
# linking, dispatch and exit. `ipctool --version` and one
# `sock-client --request` round trip against `/bin/true` and
# `busybox true`, each exec'd by hyperfine without a shell.
scenario startup-version startup µs lower \
    "start-up: ipctool --version, median of $SPAWN_RUNS execs" \
    "within 1.5× of /bin/true" 0.667
contender ipctool "ipctool --version" "spawn_us \"\$IPCTOOL --version\""
contender peer "/bin/true" "spawn_us /bin/true"
contender peer "busybox true" "spawn_us 'busybox true'"
run_rounds printed

scenario startup-request startup µs lower \
    "start-up: one sock-client --request round trip (unix), median of $SPAWN_RUNS" \
    "within 1.5× of /bin/true" 0.667
needs sock-client sock-server
contender ipctool "sock-client --request" \
    "spawn_us \"\$IPCTOOL sock-client --request --send ping unix:\$SOCK\"" \
    "\$IPCTOOL sock-server -k --echo unix:\$SOCK >/dev/null" '+unix:$SOCK'
contender peer "/bin/true" "spawn_us /bin/true"
contender peer "busybox true" "spawn_us 'busybox true'"
note "the request connects to an ipctool sock-server --echo that runs" \
    "for the whole round; the peers do nothing at all."
run_rounds printed
