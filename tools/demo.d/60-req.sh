# tools/demo.d/60-req.sh - part of make demo (sourced by tools/demo.sh):
# jobs and results on the bus: a worker, a synchronous call, many jobs in
# flight, exit statuses that travel with the result

say "req: a worker runs a command per job, the caller gets its result"
type demo_bus_up >/dev/null 2>&1 || source "$(dirname "${BASH_SOURCE[0]}")/50-bus.sh"
demo_bus_up
printf '$ req serve -j 2 upper -- tr a-z A-Z &\n'
req serve -j 2 --ready-file "$DEMO_DIR/r1" upper -- tr a-z A-Z &
rpids=($!)
wait_for test -e "$DEMO_DIR/r1"
show req call upper 'hello, bus'

say "--async: many jobs in flight, results in input order (--tag: numbered)"
printf '$ printf "one\\ntwo\\nthree\\n" | req call --async --ordered upper\n'
printf 'one\ntwo\nthree\n' | req call --async --ordered upper
printf '$ printf "one\\ntwo\\n" | req call --async --ordered --tag upper\n'
printf 'one\ntwo\n' | req call --async --ordered --tag upper

say "the job's exit status travels with the result"
printf '$ req serve check -- sh -c '"'"'read n; [ "$n" -gt 2 ]'"'"' &\n'
req serve --ready-file "$DEMO_DIR/r2" check -- sh -c 'read n; [ "$n" -gt 2 ]' &
rpids+=($!)
wait_for test -e "$DEMO_DIR/r2"
printf '$ req call check 5; echo "exit $?"\n'
req call check 5; echo "exit $?"
printf '$ req call --json check 1\n'
req call --json check 1 || true
printf '$ req call nobody x\n'
req call nobody x || echo "(exit $?: no worker)"

say "--reply-to: the result goes to another subject, received independently"
bus sub --count 1 --ready-file "$DEMO_DIR/r3" results >"$DEMO_DIR/r3.out" &
r3=$!
wait_for test -e "$DEMO_DIR/r3"
show req call --reply-to results upper 'for someone else'
wait "$r3"
printf '$ bus sub results    # got:\n'
cat "$DEMO_DIR/r3.out"
demo_stop "${rpids[@]}"
